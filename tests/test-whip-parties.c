/* test-whip-parties.c: what the real receptiond answers on its WHIP/WHEP endpoints before any
 * media flows: refused tokens (one 401 for every reason, before the session or the offer is
 * looked at), a resource asked for under the other path (/whep for a WHIP party, and the
 * reverse), and the limits on parties (max-parties, one party per invite and path, the cap on
 * parties not yet connected).
 *
 * No WebRTC connection is made: the offers are fixed SDP without candidates, so the daemon's
 * peers answer and wait (ICE only on 127.0.0.1) but never connect. Plain HTTPS on 127.0.0.1,
 * the daemon's own certificate pinned (rd-test-whip.h), the console for status and the ledger. */
#include <string.h>

#include "tests/rd-test-room.h"

#define TIMEOUT_MS 20000

#define FINGERPRINT                                                                                \
  "a=fingerprint:sha-256 "                                                                         \
  "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:"  \
  "FF\r\n"
#define MEDIA(kind, pt, rtpmap, mid, direction)                                                    \
  "m=" kind " 9 UDP/TLS/RTP/SAVPF " pt "\r\n"                                                      \
  "c=IN IP4 0.0.0.0\r\n"                                                                           \
  "a=mid:" mid "\r\n"                                                                              \
  "a=" direction "\r\n"                                                                            \
  "a=rtcp-mux\r\n"                                                                                 \
  "a=ice-ufrag:abcd\r\n"                                                                           \
  "a=ice-pwd:abcdefghijklmnopqrstuvwx\r\n"                                                         \
  "a=setup:actpass\r\n"                                                                            \
  "a=rtpmap:" pt " " rtpmap "\r\n"
#define OFFER(direction)                                                                           \
  "v=0\r\n"                                                                                        \
  "o=- 1 1 IN IP4 127.0.0.1\r\n"                                                                   \
  "s=-\r\n"                                                                                        \
  "t=0 0\r\n"                                                                                      \
  "a=group:BUNDLE 0 1\r\n" FINGERPRINT MEDIA ("audio", "111", "opus/48000/2", "0", direction)      \
      MEDIA ("video", "96", "VP8/90000", "1", direction)

static const char whip_offer[] = OFFER ("sendrecv");
static const char whep_offer[] = OFFER ("recvonly");

static JsonObject *
obj (JsonNode *n)
{
  g_assert_true (JSON_NODE_HOLDS_OBJECT (n));
  return json_node_get_object (n);
}

/* @whip_url with /whip/ made /whep/, or another session's id put in place of @session_id.
 * (transfer full) */
static char *
url_variant (const char *whip_url, gboolean whep, const char *session_id, const char *other)
{
  g_autofree char *base = g_strndup (whip_url, strlen (whip_url) - strlen (session_id) - 5);

  g_assert_true (g_str_has_suffix (whip_url, session_id));
  return g_strconcat (base, whep ? "whep/" : "whip/", other ? other : session_id, NULL);
}

static RdTestWhipReply *
post (RdTestRoom *r, const char *url, const char *token, const char *offer)
{
  return rd_test_whip_request (r->cert, "POST", url, token, "application/sdp", offer, NULL);
}

static RdTestWhipReply *
post_ok (RdTestRoom *r, const char *url, JsonNode *inv, const char *offer)
{
  RdTestWhipReply *created = post (r, url, rd_test_member (inv, "token"), offer);

  if (created->status != 201)
    g_error ("POST %s: expected 201, got %u: %s", url, created->status, created->body);
  return created;
}

/* The peer id at the end of a Location. */
static const char *
peer_of (RdTestWhipReply *created)
{
  return strrchr (created->location, '/') + 1;
}

/* ---- status ------------------------------------------------------------------------------- */

typedef struct
{
  RdTestRoom *r;
  guint n;
  JsonNode *last;
} CountWait;

static gboolean
parties_counted (gpointer data)
{
  CountWait *w = data;

  g_clear_pointer (&w->last, json_node_unref);
  w->last = rd_test_ctl_json (w->r->t, "status", NULL);
  return json_array_get_length (json_object_get_array_member (obj (w->last), "parties")) == w->n;
}

/* Waits until status lists @n parties; (transfer full) that status. */
static JsonNode *
wait_count (RdTestRoom *r, guint n)
{
  CountWait w = { r, n, NULL };

  if (!rd_test_wait_until (parties_counted, &w, TIMEOUT_MS))
    {
      g_autofree char *seen = json_to_string (w.last, TRUE);
      g_error ("waited for %u parties in status; the last status: %s", n, seen);
    }
  return w.last;
}

static const char *
party_member (JsonNode *status, guint i, const char *name)
{
  JsonArray *parties = json_object_get_array_member (obj (status), "parties");
  return json_object_get_string_member (json_array_get_object_element (parties, i), name);
}

/* ---- (a) refused tokens ------------------------------------------------------------------- */

static void
expect_401 (RdTestWhipReply *reply, const char *body, const char *what)
{
  if (reply->status != 401 || g_strcmp0 (reply->body, body) != 0 ||
      g_strcmp0 (reply->www_authenticate, "Bearer") != 0)
    g_error ("%s: expected the one 401 (\"%s\", WWW-Authenticate: Bearer), got %u \"%s\" (%s)",
             what, body, reply->status, reply->body,
             reply->www_authenticate ? reply->www_authenticate : "no WWW-Authenticate");
}

/* Every bad token gets the same 401, on the live session, an ended one and one that never
 * existed, whatever the offer: nothing tells a caller which sessions exist or why its token
 * failed, and no offer is parsed without an accepted token. The daemon's log names the reason. */
static void
test_one_refusal (void)
{
  g_autoptr (RdTestRoom) r = rd_test_room_up (NULL);
  g_autoptr (JsonNode) old = rd_test_room_invite (r, "agency");
  g_autoptr (JsonNode) inv = NULL;
  g_autoptr (JsonNode) revoked = NULL;
  g_autoptr (RdTestWhipReply) first = NULL;
  g_autofree char *old_session = g_strdup (r->session_id);
  g_autofree char *out = NULL;
  g_autofree char *revoked_id = NULL;
  g_autofree char *long_token = g_strnfill (2000, 'a');
  g_autofree char *logs = NULL;
  g_autofree char *urls[3] = { NULL };

  g_assert_cmpint (rd_test_ctl (r->t, NULL, NULL, "session", "end", old_session, NULL), ==, 0);
  g_assert_cmpint (rd_test_ctl (r->t, &out, NULL, "session", "start", NULL), ==, 0);
  g_free (r->session_id);
  r->session_id = g_strstrip (g_strdup (out));
  inv = rd_test_room_invite (r, "board");
  revoked = rd_test_room_invite (r, "citizen");
  revoked_id = g_strdup_printf ("%" G_GINT64_FORMAT,
                                json_object_get_int_member (obj (revoked), "invite_id"));
  g_assert_cmpint (
      rd_test_ctl (r->t, NULL, NULL, "session", "revoke", r->session_id, revoked_id, NULL), ==, 0);

  urls[0] = g_strdup (rd_test_member (inv, "whip_url"));
  urls[1] = url_variant (urls[0], FALSE, r->session_id, old_session);
  urls[2] = url_variant (urls[0], FALSE, r->session_id, "no-such-session");

  /* No token at all: what every other refusal must look like. */
  first = post (r, urls[0], NULL, whip_offer);
  expect_401 (first, first->body, "no token");
  {
    const char *tokens[] = { "not-a-token-we-gave", rd_test_member (revoked, "token"),
                             rd_test_member (old, "token"), long_token };
    const char *bodies[] = { whip_offer, "this is not SDP", "" };

    for (guint u = 0; u < G_N_ELEMENTS (urls); u++)
      for (guint k = 0; k < G_N_ELEMENTS (tokens); k++)
        for (guint b = 0; b < G_N_ELEMENTS (bodies); b++)
          {
            g_autoptr (RdTestWhipReply) reply = rd_test_whip_request_patiently (
                r->cert, "POST", urls[u], tokens[k], "application/sdp", bodies[b], NULL);
            g_autofree char *what = g_strdup_printf ("POST %s, token %u, body %u", urls[u], k, b);
            expect_401 (reply, first->body, what);
          }
    /* The live session's token on the other sessions' endpoints and resources. */
    for (guint u = 1; u < G_N_ELEMENTS (urls); u++)
      {
        g_autofree char *resource = g_strconcat (urls[u], "/0123456789abcdef", NULL);
        g_autoptr (RdTestWhipReply) offer =
            rd_test_whip_request_patiently (r->cert, "POST", urls[u], rd_test_member (inv, "token"),
                                            "application/sdp", "not SDP", NULL);
        g_autoptr (RdTestWhipReply) del = rd_test_whip_request_patiently (
            r->cert, "DELETE", resource, rd_test_member (inv, "token"), NULL, NULL, NULL);
        g_autoptr (RdTestWhipReply) bad_del = rd_test_whip_request_patiently (
            r->cert, "DELETE", resource, "not-a-token-we-gave", NULL, NULL, NULL);

        expect_401 (offer, first->body, urls[u]);
        expect_401 (del, first->body, resource);
        expect_401 (bad_del, first->body, resource);
      }
  }
  wait_count (r, 0);
  /* The technician can still tell why (info level), and no token reached the log. */
  logs = rd_test_daemon_stderr (r->t);
  g_assert_nonnull (strstr (logs, "revoked"));
  g_assert_nonnull (strstr (logs, "unknown token"));
  g_assert_null (strstr (logs, rd_test_member (inv, "token")));
  g_assert_null (strstr (logs, rd_test_member (revoked, "token")));
}

/* ---- (b) a resource under the other path ---------------------------------------------------- */

/* DELETE, PATCH and GET of a WHIP party under /whep (and of a WHEP party under /whip) answer
 * 404 as for an unknown party and leave it alone; so does another invite's valid token. */
static void
test_other_path (void)
{
  g_autoptr (RdTestRoom) r = rd_test_room_up (NULL);
  g_autoptr (JsonNode) inv = rd_test_room_invite (r, "board");
  g_autoptr (JsonNode) other = rd_test_room_invite (r, "citizen");
  g_autoptr (RdTestWhipReply) whip = NULL;
  g_autoptr (RdTestWhipReply) whep = NULL;
  g_autoptr (JsonNode) status = NULL;
  const char *whip_url = rd_test_member (inv, "whip_url");
  g_autofree char *whep_url = url_variant (whip_url, TRUE, r->session_id, NULL);
  g_autofree char *whip_res = NULL;
  g_autofree char *whep_res = NULL;
  g_autofree char *whip_res_as_whep = NULL;
  g_autofree char *whep_res_as_whip = NULL;
  const char *token = rd_test_member (inv, "token");

  whip = post_ok (r, whip_url, inv, whip_offer);
  whep = post_ok (r, whep_url, inv, whep_offer);
  whip_res = rd_test_resource_url (whip_url, whip->location);
  whep_res = rd_test_resource_url (whep_url, whep->location);
  g_assert_true (g_str_has_prefix (whip->location, "/whip/"));
  g_assert_true (g_str_has_prefix (whep->location, "/whep/"));
  whip_res_as_whep = g_strconcat (whep_url, "/", peer_of (whip), NULL);
  whep_res_as_whip = g_strconcat (whip_url, "/", peer_of (whep), NULL);
  wait_count (r, 2);

  {
    const char *wrong[] = { whip_res_as_whep, whep_res_as_whip };
    for (guint i = 0; i < G_N_ELEMENTS (wrong); i++)
      {
        g_autoptr (RdTestWhipReply) del =
            rd_test_whip_request_patiently (r->cert, "DELETE", wrong[i], token, NULL, NULL, NULL);
        g_autoptr (RdTestWhipReply) patch = rd_test_whip_request_patiently (
            r->cert, "PATCH", wrong[i], token, "application/trickle-ice-sdpfrag",
            "a=ice-ufrag:efgh\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n", "*");
        g_autoptr (RdTestWhipReply) get =
            rd_test_whip_request_patiently (r->cert, "GET", wrong[i], token, NULL, NULL, NULL);
        g_autoptr (RdTestWhipReply) not_yours =
            rd_test_whip_request_patiently (r->cert, "DELETE", i == 0 ? whip_res : whep_res,
                                            rd_test_member (other, "token"), NULL, NULL, NULL);

        g_assert_cmpuint (del->status, ==, 404);
        g_assert_cmpuint (patch->status, ==, 404);
        g_assert_cmpuint (get->status, ==, 404);
        g_assert_cmpuint (not_yours->status, ==, 404);
      }
  }
  status = wait_count (r, 2); /* untouched */
  {
    g_autoptr (RdTestWhipReply) del =
        rd_test_whip_request_patiently (r->cert, "DELETE", whip_res, token, NULL, NULL, NULL);
    g_autoptr (RdTestWhipReply) del2 =
        rd_test_whip_request_patiently (r->cert, "DELETE", whep_res, token, NULL, NULL, NULL);
    g_assert_cmpuint (del->status, ==, 200);
    g_assert_cmpuint (del2->status, ==, 200);
  }
  g_clear_pointer (&status, json_node_unref);
  status = wait_count (r, 0);
}

/* ---- (c) limits on parties ---------------------------------------------------------------- */

/* A session at max-parties refuses the next party with 503 and Retry-After, saying so; a
 * rejoin of an invite already in is not refused (it takes its own place). */
static void
test_session_full (void)
{
  g_autoptr (RdTestRoom) r = rd_test_room_up ("[network]\nmax-parties=2\n");
  g_autoptr (JsonNode) a = rd_test_room_invite (r, "board");
  g_autoptr (JsonNode) b = rd_test_room_invite (r, "agency");
  g_autoptr (JsonNode) c = rd_test_room_invite (r, "citizen");
  g_autoptr (RdTestWhipReply) ra = NULL;
  g_autoptr (RdTestWhipReply) rb = NULL;
  g_autoptr (RdTestWhipReply) rc = NULL;
  g_autoptr (RdTestWhipReply) again = NULL;
  g_autoptr (JsonNode) status = NULL;
  const char *url = rd_test_member (a, "whip_url");

  ra = post_ok (r, url, a, whip_offer);
  rb = post_ok (r, url, b, whip_offer);
  rc = post (r, url, rd_test_member (c, "token"), whip_offer);
  g_assert_cmpuint (rc->status, ==, 503);
  g_assert_cmpuint (rc->retry_after_s, >, 0);
  g_assert_nonnull (strstr (rc->body, "full"));
  g_assert_nonnull (strstr (rc->body, "max-parties"));
  again = post_ok (r, url, a, whip_offer);
  status = wait_count (r, 2);
}

/* A party that calls again with the same invite replaces its earlier self: status shows one
 * party for the invite, the ledger shows the first one left as replaced, and its resource is
 * gone. A WHIP and a WHEP party of one invite are two places (a room that joins another
 * publishes and plays with one token). */
static void
test_rejoin_replaces (void)
{
  g_autoptr (RdTestRoom) r = rd_test_room_up (NULL);
  g_autoptr (JsonNode) a = rd_test_room_invite (r, "board");
  g_autoptr (RdTestWhipReply) first = NULL;
  g_autoptr (RdTestWhipReply) second = NULL;
  g_autoptr (RdTestWhipReply) whep = NULL;
  g_autoptr (RdTestWhipReply) gone = NULL;
  g_autoptr (JsonNode) status = NULL;
  g_autoptr (JsonNode) shown = NULL;
  const char *url = rd_test_member (a, "whip_url");
  g_autofree char *whep_url = url_variant (url, TRUE, r->session_id, NULL);
  g_autofree char *first_res = NULL;
  JsonArray *parts, *events;
  gboolean left_event = FALSE;

  first = post_ok (r, url, a, whip_offer);
  second = post_ok (r, url, a, whip_offer);
  g_assert_cmpstr (peer_of (first), !=, peer_of (second));
  status = wait_count (r, 1);
  g_assert_cmpstr (party_member (status, 0, "peer_id"), ==, peer_of (second));

  first_res = rd_test_resource_url (url, first->location);
  gone = rd_test_whip_request (r->cert, "DELETE", first_res, rd_test_member (a, "token"), NULL,
                               NULL, NULL);
  g_assert_cmpuint (gone->status, ==, 404);

  shown = rd_test_ctl_json (r->t, "session", "show", r->session_id, NULL);
  parts = json_object_get_array_member (obj (shown), "participants");
  g_assert_cmpuint (json_array_get_length (parts), ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      JsonObject *p = json_array_get_object_element (parts, i);
      const char *reason = json_object_get_string_member_with_default (p, "leave_reason", NULL);
      if (g_str_equal (json_object_get_string_member (p, "peer_id"), peer_of (first)))
        g_assert_true (reason && strstr (reason, "replaced"));
      else
        g_assert_null (reason);
    }
  events = json_object_get_array_member (obj (shown), "events");
  for (guint i = 0; i < json_array_get_length (events); i++)
    {
      JsonObject *e = json_array_get_object_element (events, i);
      JsonObject *detail = json_object_get_object_member (e, "detail");
      if (g_str_equal (json_object_get_string_member (e, "kind"), "party-left") && detail &&
          strstr (json_object_get_string_member_with_default (detail, "reason", ""), "replaced"))
        left_event = TRUE;
    }
  g_assert_true (left_event);

  whep = post_ok (r, whep_url, a, whep_offer);
  g_clear_pointer (&status, json_node_unref);
  status = wait_count (r, 2);
}

/* Parties not yet connected are capped per session: the next is refused with 429 and
 * Retry-After, saying so, until one of them connects or goes. */
static void
test_unconnected_cap (void)
{
  g_autoptr (RdTestRoom) r = rd_test_room_up (NULL);
  g_autoptr (GPtrArray) invites = g_ptr_array_new_with_free_func ((GDestroyNotify)json_node_unref);
  g_autoptr (GPtrArray) created =
      g_ptr_array_new_with_free_func ((GDestroyNotify)rd_test_whip_reply_free);
  g_autoptr (RdTestWhipReply) refused = NULL;
  g_autoptr (RdTestWhipReply) deleted = NULL;
  g_autoptr (RdTestWhipReply) later = NULL;
  g_autoptr (JsonNode) status = NULL;
  g_autofree char *res = NULL;
  const char *url;
  JsonNode *last;

  for (guint i = 0; i < 5; i++)
    g_ptr_array_add (invites, rd_test_room_invite (r, "citizen"));
  url = rd_test_member (invites->pdata[0], "whip_url");
  for (guint i = 0; i < 4; i++)
    g_ptr_array_add (created, post_ok (r, url, invites->pdata[i], whip_offer));
  last = invites->pdata[4];
  refused = post (r, url, rd_test_member (last, "token"), whip_offer);
  g_assert_cmpuint (refused->status, ==, 429);
  g_assert_cmpuint (refused->retry_after_s, >, 0);
  g_assert_nonnull (strstr (refused->body, "not yet connected"));
  status = wait_count (r, 4);

  res = rd_test_resource_url (url, ((RdTestWhipReply *)created->pdata[0])->location);
  deleted = rd_test_whip_request (r->cert, "DELETE", res,
                                  rd_test_member (invites->pdata[0], "token"), NULL, NULL, NULL);
  g_assert_cmpuint (deleted->status, ==, 200);
  g_clear_pointer (&status, json_node_unref);
  status = wait_count (r, 3);
  later = post_ok (r, url, last, whip_offer);
}

int
main (int argc, char **argv)
{
  /* The precise reasons of refusals are logged at info level. */
  g_setenv ("G_MESSAGES_DEBUG", "receptiond", TRUE);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/whip-parties/one-refusal", test_one_refusal);
  g_test_add_func ("/whip-parties/other-path", test_other_path);
  g_test_add_func ("/whip-parties/session-full", test_session_full);
  g_test_add_func ("/whip-parties/rejoin-replaces", test_rejoin_replaces);
  g_test_add_func ("/whip-parties/unconnected-cap", test_unconnected_cap);
  return g_test_run ();
}
