/* test-janus-interop.c: a real conference server nobody here wrote (Janus's VideoRoom behind
 * simple-whip-server, tests/rd-test-janus.h) as the far end, in a network namespace of the
 * test's own.
 *
 * - the harness itself: the C test peer (a webrtcbin WHIP publisher independent of receptiond)
 *   publishes to simple-whip-server, Janus lists it as a publisher of the room, DELETE of the
 *   resource removes it; a wrong token is refused and publishes nothing;
 * - the room joins the conference: `receptionctl session join ID --whip URL --token T` on the
 *   real daemon, Janus lists the room as a publisher, the link is connected in status and in
 *   the ledger, `session leave` sends the DELETE and Janus no longer lists it;
 * - a cut between the room and Janus (Janus's interface down until the room sees the drop, then
 *   up): the room gets back in by itself (ICE restart through simple-whip-server's PATCH, or a
 *   new POST) and Janus lists it again, once;
 * - the room as a bridge (cascade): a party calling into the joined room over WHIP is heard and
 *   seen by a subscriber of the room's feed in the VideoRoom (a receive-only test peer answering
 *   Janus's offer, as a board member's browser would), and stops being heard when it leaves. */
#include <string.h>

#include "tests/rd-test-daemon.h"
#include "tests/rd-test-janus.h"
#include "tests/rd-test-netns.h"
#include "tests/rd-test-peer.h"
#include "tests/rd-test-room.h"
#include "tests/rd-test-wait.h"
#include "tests/rd-test-whip.h"

#define TIMEOUT_MS 20000

static char *netns_skip_reason;

/* The harness, or NULL after a visible skip. */
static RdTestJanus *
janus_or_skip (gboolean strict_etags)
{
  g_autofree char *why = NULL;
  RdTestJanus *j;

  if (netns_skip_reason)
    {
      g_test_skip (netns_skip_reason);
      return NULL;
    }
  j = rd_test_janus_up_strict (strict_etags, &why);
  if (!j)
    g_test_skip (why);
  return j;
}

static char *
resource_url (const char *endpoint, const char *location)
{
  g_autoptr (GUri) base = g_uri_parse (endpoint, G_URI_FLAGS_NONE, NULL);
  g_autoptr (GUri) abs = g_uri_parse_relative (base, location, G_URI_FLAGS_NONE, NULL);
  g_assert_nonnull (abs);
  return g_uri_to_string (abs);
}

static void
test_peer_publishes (void)
{
  g_autoptr (RdTestJanus) j = janus_or_skip (FALSE);
  g_autoptr (RdTestPeer) peer = NULL;
  g_autoptr (RdTestWhipReply) refused = NULL;
  g_autoptr (RdTestWhipReply) created = NULL;
  g_autoptr (RdTestWhipReply) deleted = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *endpoint = NULL;
  g_autofree char *offer = NULL;
  g_autofree char *resource = NULL;
  const char *const none[] = { NULL };
  const char *const the_peer[] = { "rd-test-peer", NULL };

  if (!j)
    return;
  endpoint = rd_test_janus_create_endpoint (j, "room1", "s3cret", "rd-test-peer");
  rd_test_janus_wait_publishers (j, RD_TEST_JANUS_ROOM, none, TIMEOUT_MS);

  peer = rd_test_peer_new_full (RD_TEST_PEER_SENDONLY, "VP8", RD_TEST_JANUS_ICE_IP, &error);
  g_assert_no_error (error);
  offer = rd_test_peer_create_offer (peer, &error);
  g_assert_no_error (error);

  /* the wrong token: refused, nothing published */
  refused = rd_test_whip_request (NULL, "POST", endpoint, "wrong", "application/sdp", offer, NULL);
  g_assert_cmpuint (refused->status, ==, 403);

  created = rd_test_whip_request (NULL, "POST", endpoint, "s3cret", "application/sdp", offer, NULL);
  g_assert_cmpuint (created->status, ==, 201);
  g_assert_true (g_str_has_prefix (created->content_type, "application/sdp"));
  g_assert_nonnull (created->location);
  g_assert_nonnull (created->etag);
  g_assert_true (rd_test_peer_set_answer (peer, created->body, &error));
  g_assert_no_error (error);
  WAIT_FOR (g_str_equal (rd_test_peer_get_connection_state (peer), "connected"), 20,
            "connection state %s", rd_test_peer_get_connection_state (peer));
  /* Janus itself says the peer publishes (its PeerConnection is up) */
  rd_test_janus_wait_publishers (j, RD_TEST_JANUS_ROOM, the_peer, TIMEOUT_MS);

  resource = resource_url (endpoint, created->location);
  deleted = rd_test_whip_request (NULL, "DELETE", resource, "s3cret", NULL, NULL, NULL);
  g_assert_cmpuint (deleted->status, ==, 200);
  rd_test_janus_wait_publishers (j, RD_TEST_JANUS_ROOM, none, TIMEOUT_MS);
}

/* The kinds of a session's events, space-separated, link-* ones only. (transfer full) */
static char *
link_events (RdTestDaemon *t, const char *session)
{
  g_autoptr (JsonNode) shown = rd_test_ctl_json (t, "session", "show", session, NULL);
  JsonArray *events = json_object_get_array_member (json_node_get_object (shown), "events");
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < json_array_get_length (events); i++)
    {
      const char *kind =
          json_object_get_string_member (json_array_get_object_element (events, i), "kind");
      g_autofree char *text = json_to_string (json_array_get_element (events, i), FALSE);

      if (g_str_has_prefix (kind, "link-"))
        g_string_append_printf (s, "%s%s%s", s->len ? " " : "", kind,
                                strstr (text, "\"accepted\"") ? "(accepted)" : "");
    }
  return g_string_free (s, FALSE);
}

/* Every link-ice-restart and link-reposted event in full, on the test's output: why a restart
 * was refused or did not connect is kept for whoever reads a run. */
static void
print_restarts (RdTestDaemon *t, const char *session)
{
  g_autoptr (JsonNode) shown = rd_test_ctl_json (t, "session", "show", session, NULL);
  JsonArray *events = json_object_get_array_member (json_node_get_object (shown), "events");

  for (guint i = 0; i < json_array_get_length (events); i++)
    {
      JsonNode *e = json_array_get_element (events, i);
      const char *kind = json_object_get_string_member (json_node_get_object (e), "kind");
      g_autofree char *text = json_to_string (e, FALSE);

      if (g_str_equal (kind, "link-ice-restart") || g_str_equal (kind, "link-reposted"))
        g_test_message ("%s", text);
    }
}

/* The state of the only link in status ("" when there is none). (transfer full) */
static char *
link_state (RdTestDaemon *t)
{
  g_autoptr (JsonNode) status = rd_test_ctl_json (t, "status", NULL);
  JsonObject *o = json_node_get_object (status);
  JsonArray *links =
      json_object_has_member (o, "links") ? json_object_get_array_member (o, "links") : NULL;

  if (!links || json_array_get_length (links) != 1)
    return g_strdup_printf ("(%u links)", links ? json_array_get_length (links) : 0);
  return g_strdup (
      json_object_get_string_member (json_array_get_object_element (links, 0), "state"));
}

static void
test_room_joins (void)
{
  g_autoptr (RdTestJanus) j = janus_or_skip (FALSE);
  g_autoptr (RdTestDaemon) t = NULL;
  g_autofree char *endpoint = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *session = NULL;
  g_autofree char *state = NULL;
  g_autofree char *kinds = NULL;
  const char *const none[] = { NULL };
  const char *const the_room[] = { "Phong tiep cong dan", NULL };

  if (!j)
    return;
  endpoint = rd_test_janus_create_endpoint (j, "room1", "T0ken-for-janus", the_room[0]);
  /* the room's ICE on the address Janus can reach (rd-test-janus.h) */
  t = rd_test_daemon_new ("[network]\nice-addresses=" RD_TEST_JANUS_ICE_IP "\n");
  rd_test_daemon_start (t);
  g_assert_cmpint (rd_test_ctl (t, &out, NULL, "session", "start", "--title", "Janus", NULL), ==,
                   0);
  session = g_strstrip (g_strdup (out));

  g_clear_pointer (&out, g_free);
  g_assert_cmpint (rd_test_ctl (t, &out, &err, "session", "join", session, "--whip", endpoint,
                                "--token", "T0ken-for-janus", NULL),
                   ==, 0);
  /* Janus itself lists the room as a publisher of its room */
  rd_test_janus_wait_publishers (j, RD_TEST_JANUS_ROOM, the_room, TIMEOUT_MS);
  WAIT_FOR (g_str_equal ((g_free (state), state = link_state (t)), "connected"), 20,
            "link state %s", state);
  /* the token is nowhere in what the console shows */
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (rd_test_ctl (t, &out, NULL, "status", NULL), ==, 0);
  g_assert_null (strstr (out, "T0ken-for-janus"));

  g_clear_pointer (&out, g_free);
  g_assert_cmpint (rd_test_ctl (t, &out, NULL, "session", "leave", session, NULL), ==, 0);
  rd_test_janus_wait_publishers (j, RD_TEST_JANUS_ROOM, none, TIMEOUT_MS);
  kinds = link_events (t, session);
  g_test_message ("link events: %s", kinds);
  g_assert_nonnull (strstr (kinds, "link-joined"));
  g_assert_nonnull (strstr (kinds, "link-connected"));
  g_assert_nonnull (strstr (kinds, "link-left"));
  g_assert_null (strstr (kinds, "link-dropped"));
}

#define ROOM_HZ      440.0 /* the room's test microphone */
#define PARTY_HZ     1300.0
#define PARTY_VOLUME 0.3
#define PARTY_RGB    0x00ff00
/* a tone not in the mix is at Opus's noise floor */
#define UNHEARD 0.02

/* What the board's subscriber hears and sees now, for messages. (transfer full) */
static char *
board_perceives (RdTestPeer *board)
{
  return g_strdup_printf (
      "%.0f Hz %.3f, %.0f Hz %.3f, %06x over %.0f%% of the picture "
      "(%" G_GUINT64_FORMAT " pictures, %" G_GUINT64_FORMAT " audio buffers decoded, %s)",
      ROOM_HZ, rd_test_peer_get_tone_level (board, ROOM_HZ), PARTY_HZ,
      rd_test_peer_get_tone_level (board, PARTY_HZ), PARTY_RGB,
      100 * rd_test_peer_get_color_share (board, PARTY_RGB), rd_test_peer_get_video_frames (board),
      rd_test_peer_get_audio_buffers (board), rd_test_peer_get_connection_state (board));
}

/* The party's tone at about the level it was sent (two Opus codings and a mixer between), the
 * room's beside it, and the party's picture a tile of the grid. */
static gboolean
board_hears_and_sees_party (RdTestPeer *board)
{
  return ABS (rd_test_peer_get_tone_level (board, PARTY_HZ) - PARTY_VOLUME) < 0.1 &&
         rd_test_peer_get_tone_level (board, ROOM_HZ) > 0.2 &&
         rd_test_peer_get_color_share (board, PARTY_RGB) > 0.1;
}

/* The room joins the board's conference; a party calls into the room sending its own tone and
 * colour; the board (a subscriber of the room's feed in Janus) hears and sees it there, and
 * stops hearing it within a second of its hanging up. Whether the board hears itself back is
 * not asked here: the board reaches the room only by a WHEP link, and the harness has no WHEP
 * server. */
static void
test_cascade (void)
{
  g_autoptr (RdTestJanus) j = janus_or_skip (FALSE);
  g_autoptr (RdTestDaemon) t = NULL;
  g_autoptr (RdTestPeer) party = NULL;
  g_autoptr (RdTestPeer) board = NULL;
  g_autoptr (RdTestJanusSubscriber) sub = NULL;
  g_autoptr (RdTestWhipReply) created = NULL;
  g_autoptr (RdTestWhipReply) deleted = NULL;
  g_autoptr (JsonNode) invite = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *endpoint = NULL;
  g_autofree char *out = NULL;
  g_autofree char *session = NULL;
  g_autofree char *state = NULL;
  g_autofree char *cert = NULL;
  g_autofree char *offer = NULL;
  g_autofree char *answer = NULL;
  g_autofree char *resource = NULL;
  g_autofree char *seen = NULL;
  g_autofree char *tone =
      g_strdup_printf ("audiotestsrc is-live=true freq=%.0f volume=%.2f samplesperbuffer=480",
                       PARTY_HZ, PARTY_VOLUME);
  g_autofree char *picture =
      g_strdup_printf ("videotestsrc is-live=true pattern=solid-color foreground-color=%u "
                       "! video/x-raw,width=320,height=240,framerate=15/1",
                       0xff000000u | PARTY_RGB);
  const char *const the_room[] = { "Phong tiep cong dan", NULL };
  gint64 since, answered;

  if (!j)
    return;
  endpoint = rd_test_janus_create_endpoint (j, "room1", "T0ken-for-janus", the_room[0]);
  /* the grid from the start: the room's camera and the party side by side */
  t = rd_test_daemon_new ("[network]\nice-addresses=" RD_TEST_JANUS_ICE_IP "\n"
                          "[media]\ncamera=test\nmicrophone=test\ndisplay=none\nspeakers=none\n"
                          "layout=grid\n");
  rd_test_daemon_start (t);
  cert = g_build_filename (t->state_dir, "tls", "certificate.pem", NULL);
  g_assert_cmpint (rd_test_ctl (t, &out, NULL, "session", "start", NULL), ==, 0);
  session = g_strstrip (g_strdup (out));
  g_assert_cmpint (rd_test_ctl (t, NULL, NULL, "session", "join", session, "--whip", endpoint,
                                "--token", "T0ken-for-janus", NULL),
                   ==, 0);
  rd_test_janus_wait_publishers (j, RD_TEST_JANUS_ROOM, the_room, TIMEOUT_MS);
  WAIT_FOR (g_str_equal ((g_free (state), state = link_state (t)), "connected"), 20,
            "link state %s", state);

  /* a party calls into the room */
  invite = rd_test_ctl_json (t, "session", "invite", session, "--role", "citizen", NULL);
  party = rd_test_peer_new_with_sources_full (RD_TEST_PEER_SENDRECV, "VP8", picture, tone,
                                              RD_TEST_JANUS_ICE_IP, &error);
  g_assert_no_error (error);
  offer = rd_test_peer_create_offer (party, &error);
  g_assert_no_error (error);
  created = rd_test_whip_request_patiently (cert, "POST", rd_test_member (invite, "whip_url"),
                                            rd_test_member (invite, "token"), "application/sdp",
                                            offer, NULL);
  g_assert_cmpuint (created->status, ==, 201);
  g_assert_true (rd_test_peer_set_answer (party, created->body, &error));
  g_assert_no_error (error);

  /* the board subscribes to the room's feed in Janus */
  g_clear_pointer (&offer, g_free);
  sub = rd_test_janus_subscribe (j, RD_TEST_JANUS_ROOM, the_room[0], &offer);
  board = rd_test_peer_new_full (RD_TEST_PEER_RECVONLY, NULL, RD_TEST_JANUS_ICE_IP, &error);
  g_assert_no_error (error);
  answer = rd_test_peer_answer (board, offer, &error);
  g_assert_no_error (error);
  rd_test_janus_subscriber_start (sub, answer);
  since = g_get_monotonic_time ();
  WAIT_FOR (board_hears_and_sees_party (board), 20, "the board: %s",
            (g_free (seen), seen = board_perceives (board)));
  g_test_message ("%.2f s after the subscription started, the board: %s",
                  (g_get_monotonic_time () - since) / 1e6,
                  (g_free (seen), seen = board_perceives (board)));

  /* the party hangs up: the board stops hearing it, and goes on hearing the room */
  resource = rd_test_resource_url (rd_test_member (invite, "whip_url"), created->location);
  since = g_get_monotonic_time ();
  deleted = rd_test_whip_request (cert, "DELETE", resource, rd_test_member (invite, "token"), NULL,
                                  NULL, NULL);
  g_assert_cmpuint (deleted->status, ==, 200);
  answered = g_get_monotonic_time ();
  WAIT_FOR (rd_test_peer_get_tone_level (board, PARTY_HZ) < UNHEARD, 1, "the board: %s",
            (g_free (seen), seen = board_perceives (board)));
  g_test_message ("the party's tone gone from what the board hears %.2f s after it hung up "
                  "(the DELETE answered in %.2f s)",
                  (g_get_monotonic_time () - since) / 1e6, (answered - since) / 1e6);
  g_assert_cmpfloat (rd_test_peer_get_tone_level (board, ROOM_HZ), >, 0.2);
}

static void
rejoin_after_cut (gboolean strict_etags, const char *expected_way)
{
  g_autoptr (RdTestJanus) j = janus_or_skip (strict_etags);
  g_autoptr (RdTestDaemon) t = NULL;
  g_autofree char *endpoint = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *session = NULL;
  g_autofree char *state = NULL;
  g_autofree char *kinds = NULL;
  const char *const the_room[] = { "Phong tiep cong dan", NULL };

  if (!j)
    return;
  endpoint = rd_test_janus_create_endpoint (j, "room1", "T0ken-for-janus", the_room[0]);
  t = rd_test_daemon_new ("[network]\nice-addresses=" RD_TEST_JANUS_ICE_IP "\n");
  rd_test_daemon_start (t);
  g_assert_cmpint (rd_test_ctl (t, &out, NULL, "session", "start", NULL), ==, 0);
  session = g_strstrip (g_strdup (out));
  g_assert_cmpint (rd_test_ctl (t, NULL, &err, "session", "join", session, "--whip", endpoint,
                                "--token", "T0ken-for-janus", NULL),
                   ==, 0);
  rd_test_janus_wait_publishers (j, RD_TEST_JANUS_ROOM, the_room, TIMEOUT_MS);
  WAIT_FOR (g_str_equal ((g_free (state), state = link_state (t)), "connected"), 20,
            "link state %s", state);

  rd_test_janus_set_link (j, FALSE);
  WAIT_FOR (g_str_equal ((g_free (state), state = link_state (t)), "reconnecting"), 20,
            "link state %s", state);
  rd_test_janus_set_link (j, TRUE);
  WAIT_FOR (strstr ((g_free (kinds), kinds = link_events (t, session)), "link-recovered") &&
                g_str_equal ((g_free (state), state = link_state (t)), "connected"),
            60, "link state %s, link events %s", state, kinds);
  g_test_message ("link events: %s", kinds);
  print_restarts (t, session);
  g_assert_nonnull (strstr (kinds, expected_way));
  rd_test_janus_wait_publishers (j, RD_TEST_JANUS_ROOM, the_room, TIMEOUT_MS);
}

/* simple-whip-server as packaged takes the ICE-restart PATCH (its 200 has the new credentials
 * but no candidates: the restart may still not connect, then the room re-POSTs; both seen). */
static void
test_room_rejoins_after_cut (void)
{
  rejoin_after_cut (FALSE, "link-ice-restart");
}

/* With strict ETags it answers 412 to any If-Match but its last ETag or "*" in quotes (RFC 9725's
 * form, which the room sends): the room still gets back in by itself. Its restart was accepted
 * in most runs; in one CI run it was not (reason not kept) and the room re-POSTed: both end
 * connected, which is what is asserted. */
static void
test_room_restarts_with_strict_etags (void)
{
  rejoin_after_cut (TRUE, "link-ice-restart");
}

int
main (int argc, char **argv)
{
  if (!rd_test_enter_netns (&netns_skip_reason))
    g_printerr ("# %s\n", netns_skip_reason);
  g_test_init (&argc, &argv, NULL);
  rd_test_tolerate_third_party_race ();
  g_test_add_func ("/janus/test-peer-publishes", test_peer_publishes);
  g_test_add_func ("/janus/room-joins", test_room_joins);
  g_test_add_func ("/janus/cascade", test_cascade);
  g_test_add_func ("/janus/room-rejoins-after-cut", test_room_rejoins_after_cut);
  g_test_add_func ("/janus/room-restarts-with-strict-etags", test_room_restarts_with_strict_etags);
  return g_test_run ();
}
