/* test-signal-client.c: RdSignalClient (signaling/rd-signal-client.h), the room's WHIP/WHEP
 * client, up to the resource: the POST and its 201, redirects, retries, the WHEP 406 and 409,
 * cancelling, and the Link and Retry-After parsers. Against the scripted server of
 * rd-test-client.h on 127.0.0.1 (plain HTTP, allow_http). Every rule of that part of the
 * contract has a case; every error message is checked to hold no part of the token.
 * test-signal-client-errors.c has the errors, TLS and what messages show;
 * test-signal-client-trickle.c the rest (trickle, ICE restart, DELETE, receptiond). */
#include "signaling/rd-signal-client-private.h"
#include "signaling/rd-signal-client.h"
#include "signaling/rd-signal-error.h"
#include "tests/rd-test-client.h"
#include "tests/rd-test-signal.h"

#include <string.h>

#include <libsoup/soup.h>

#define LINK_STUN "<stun:stun.example.org:3478>; rel=\"ice-server\""
#define LINK_TURN                                                                                  \
  "<turn:turn.example.org:3478?transport=udp>; rel=\"ice-server\"; username=\"u\"; "               \
  "credential=\"p\"; credential-type=\"password\""

/* ---- 201 -------------------------------------------------------------------------------- */

static void
test_created (RdTestClientFixture *f, gconstpointer data)
{
  g_autoptr (RdSignalClient) client = rd_test_client_new (f, RD_SIGNAL_CLIENT_WHIP, "/whip/room");
  g_autoptr (RdSignalAnswer) answer = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *resource = g_strconcat (f->base, "/whip/room/res-1", NULL);
  RdSignalIceServer *stun, *turn;

  RD_TEST_SCRIPT (f, { 201,
                       "Location: room/res-1\nETag: \"etag-1\"\nLink: " LINK_STUN ", <https://x/>; "
                       "rel=\"next\"\nLink: " LINK_TURN ", <stun:b.example.org>; rel=ice-server",
                       RD_TEST_SDP_TYPE, RD_TEST_ANSWER });
  g_assert_null (rd_signal_client_get_resource_url (client));
  answer = rd_test_client_post (f, client, 10, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (answer->sdp, ==, RD_TEST_ANSWER);
  g_assert_false (answer->counter_offer);
  /* "room/res-1" against "/whip/room". */
  g_assert_cmpstr (answer->resource_url, ==, resource);
  g_assert_cmpstr (rd_signal_client_get_resource_url (client), ==, resource);
  g_assert_cmpstr (answer->etag, ==, "\"etag-1\"");
  g_assert_cmpuint (answer->links_skipped, ==, 0);
  g_assert_cmpuint (answer->ice_servers->len, ==, 3);
  stun = answer->ice_servers->pdata[0];
  turn = answer->ice_servers->pdata[1];
  g_assert_cmpstr (stun->url, ==, "stun:stun.example.org:3478");
  g_assert_null (stun->username);
  g_assert_cmpstr (turn->url, ==, "turn:turn.example.org:3478?transport=udp");
  g_assert_cmpstr (turn->username, ==, "u");
  g_assert_cmpstr (turn->credential, ==, "p");
  g_assert_cmpstr (((RdSignalIceServer *)answer->ice_servers->pdata[2])->url, ==,
                   "stun:b.example.org");

  g_assert_cmpuint (f->seen->len, ==, 1);
  g_assert_cmpstr (rd_test_client_seen (f, 0)->method, ==, "POST");
  g_assert_cmpstr (rd_test_client_seen (f, 0)->path, ==, "/whip/room");
  g_assert_cmpstr (rd_test_client_seen (f, 0)->auth, ==, "Bearer " RD_TEST_TOKEN);
  g_assert_cmpstr (rd_test_client_seen (f, 0)->content_type, ==, RD_TEST_SDP_TYPE);
  g_assert_cmpstr (rd_test_client_seen (f, 0)->body, ==, RD_TEST_OFFER);
}

static void
test_created_absolute (RdTestClientFixture *f, gconstpointer data)
{
  g_autoptr (RdSignalClient) client = rd_test_client_new (f, RD_SIGNAL_CLIENT_WHIP, "/whip/room");
  g_autoptr (RdSignalAnswer) answer = NULL;
  g_autoptr (GError) error = NULL;

  RD_TEST_SCRIPT (
      f, { 201,
           "Location: https://media.example.org/resource/abc\nLink: <turn:t.example.org>; "
           "rel=\"ice-server\"\nLink: <stun:ok.example.org>; rel=\"ice-server\", "
           "<stun:bad; rel=\"ice-server\", garbage, <turn:t.example.org>; rel=\"ice-server\"; "
           "username=\"u\"; credential=\"p\"; credential-type=\"oauth\", <stun:q.example.org>; "
           "rel=\"ice-server\"; x=\"unterminated",
           RD_TEST_SDP_TYPE, RD_TEST_ANSWER });
  answer = rd_test_client_post (f, client, 10, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (answer->resource_url, ==, "https://media.example.org/resource/abc");
  g_assert_null (answer->etag);
  /* TURN without credentials, a URI never closed, no URI at all, an oauth credential, an
   * unterminated quoted string: skipped and counted; the good one kept. */
  g_assert_cmpuint (answer->ice_servers->len, ==, 1);
  g_assert_cmpstr (((RdSignalIceServer *)answer->ice_servers->pdata[0])->url, ==,
                   "stun:ok.example.org");
  g_assert_cmpuint (answer->links_skipped, ==, 5);
}

static void
test_created_broken (RdTestClientFixture *f, gconstpointer data)
{
  g_autoptr (RdSignalClient) a = rd_test_client_new (f, RD_SIGNAL_CLIENT_WHIP, "/whip/room");
  g_autoptr (RdSignalClient) b = rd_test_client_new (f, RD_SIGNAL_CLIENT_WHIP, "/whip/room");
  g_autoptr (GError) error = NULL;
  RdSignalAnswer *answer;

  g_autoptr (RdSignalClient) c = rd_test_client_new (f, RD_SIGNAL_CLIENT_WHIP, "/whip/room");

  RD_TEST_SCRIPT (f, { 201, "ETag: \"e\"", RD_TEST_SDP_TYPE, RD_TEST_ANSWER },
                  { 201, "Location: /r", "text/html", "<p>" },
                  { 201, "Location: ftp://127.0.0.1/r", RD_TEST_SDP_TYPE, RD_TEST_ANSWER });
  answer = rd_test_client_post (f, a, 10, &error);
  g_assert_null (answer);
  rd_test_client_assert_error (error, RD_SIGNAL_ERROR_PROTOCOL, "without a Location");
  g_clear_error (&error);
  answer = rd_test_client_post (f, b, 10, &error);
  g_assert_null (answer);
  rd_test_client_assert_error (error, RD_SIGNAL_ERROR_PROTOCOL, "application/sdp");
  g_clear_error (&error);
  /* The token would go to that resource: its scheme is checked like the endpoint's. */
  answer = rd_test_client_post (f, c, 10, &error);
  g_assert_null (answer);
  rd_test_client_assert_error (error, RD_SIGNAL_ERROR_PROTOCOL, "ftp://127.0.0.1/r");
  g_assert_null (rd_signal_client_get_resource_url (c));
}

static void
test_created_too_large (RdTestClientFixture *f, gconstpointer data)
{
  g_autoptr (RdSignalClient) client = rd_test_client_new (f, RD_SIGNAL_CLIENT_WHIP, "/whip/room");
  g_autoptr (GError) error = NULL;
  g_autofree char *huge = g_strnfill (2 * 1024 * 1024, 'a');
  RdTestReply script[] = { { 201, "Location: /r", RD_TEST_SDP_TYPE, huge } };

  f->script = script;
  f->script_len = 1;
  g_assert_null (rd_test_client_post (f, client, 10, &error));
  rd_test_client_assert_error (error, RD_SIGNAL_ERROR_PROTOCOL, "larger than 1024 KiB");
}

/* ---- Redirects -------------------------------------------------------------------------- */

static void
test_redirect (RdTestClientFixture *f, gconstpointer data)
{
  g_autoptr (RdSignalClient) client = rd_test_client_new (f, RD_SIGNAL_CLIENT_WHIP, "/whip/old");
  g_autoptr (RdSignalAnswer) answer = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *resource = g_strconcat (f->base, "/v2/whip/res-9", NULL);

  RD_TEST_SCRIPT (f, { 307, "Location: /v1/whip/room" }, { 308, "Location: ../../v2/whip/room" },
                  RD_TEST_CREATED ("Location: res-9"));
  answer = rd_test_client_post (f, client, 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (f->seen->len, ==, 3);
  g_assert_cmpstr (rd_test_client_seen (f, 1)->path, ==, "/v1/whip/room");
  g_assert_cmpstr (rd_test_client_seen (f, 2)->path, ==, "/v2/whip/room");
  for (guint i = 0; i < 3; i++)
    {
      g_assert_cmpstr (rd_test_client_seen (f, i)->method, ==, "POST");
      g_assert_cmpstr (rd_test_client_seen (f, i)->body, ==, RD_TEST_OFFER);
      g_assert_cmpstr (rd_test_client_seen (f, i)->auth, ==, "Bearer " RD_TEST_TOKEN);
    }
  /* Resolved against the URL that answered. */
  g_assert_cmpstr (answer->resource_url, ==, resource);
}

/* A redirect to another origin (here the same server named "localhost": another host to the
 * client) is followed without the token, and the resource there never gets it either; a
 * redirect to the same origin keeps it. */
static void
test_redirect_other_origin (RdTestClientFixture *f, gconstpointer data)
{
  g_autoptr (RdSignalClient) client = rd_test_client_new (f, RD_SIGNAL_CLIENT_WHIP, "/whip/a");
  g_autoptr (RdSignalAnswer) answer = NULL;
  g_autoptr (GError) error = NULL;
  const char *port = strrchr (f->base, ':') + 1;
  g_autofree char *elsewhere = g_strdup_printf ("Location: http://localhost:%s/whip/b", port);
  const RdTestReply script[] = { { 307, "Location: /whip/same" },
                                 { 307, elsewhere },
                                 RD_TEST_CREATED ("Location: res-1") };

  f->script = script;
  f->script_len = G_N_ELEMENTS (script);
  f->script_pos = 0;
  answer = rd_test_client_post (f, client, 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (f->seen->len, ==, 3);
  g_assert_cmpstr (rd_test_client_seen (f, 1)->auth, ==, "Bearer " RD_TEST_TOKEN);
  g_assert_cmpstr (rd_test_client_seen (f, 2)->path, ==, "/whip/b");
  g_assert_null (rd_test_client_seen (f, 2)->auth);
  /* The resource is on that other origin too: its DELETE goes without the token. */
  RD_TEST_SCRIPT (f, { 200 });
  g_assert_true (rd_test_client_delete (f, client, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (f->seen->len, ==, 4);
  g_assert_cmpstr (rd_test_client_seen (f, 3)->method, ==, "DELETE");
  g_assert_null (rd_test_client_seen (f, 3)->auth);
}

static void
test_redirect_refused (RdTestClientFixture *f, gconstpointer data)
{
  static const guint statuses[] = { 301, 302, 303 };
  g_autoptr (GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (statuses); i++)
    {
      g_autoptr (RdSignalClient) client =
          rd_test_client_new (f, RD_SIGNAL_CLIENT_WHIP, "/whip/room");
      static RdTestReply reply = { 0, "Location: /elsewhere" };
      g_autofree char *code = g_strdup_printf ("%u", statuses[i]);
      guint before = f->seen->len;

      reply.status = statuses[i];
      f->script = &reply;
      f->script_len = 1;
      g_assert_null (rd_test_client_post (f, client, 10, &error));
      rd_test_client_assert_error (error, RD_SIGNAL_ERROR_HTTP, code);
      g_clear_error (&error);
      g_assert_cmpuint (f->seen->len, ==, before + 1); /* not followed */
    }

  {
    g_autoptr (RdSignalClient) client = rd_test_client_new (f, RD_SIGNAL_CLIENT_WHIP, "/whip/loop");
    guint before = f->seen->len;

    RD_TEST_SCRIPT (f, { 307, "Location: /whip/loop" });
    g_assert_null (rd_test_client_post (f, client, 10, &error));
    rd_test_client_assert_error (error, RD_SIGNAL_ERROR_PROTOCOL, "more than 5 redirects");
    g_clear_error (&error);
    /* The first request and 5 redirects followed; the 6th refused. */
    g_assert_cmpuint (f->seen->len, ==, before + 6);
  }

  {
    /* plain http is allowed to this machine only: a redirect to http on another host (which
     * would carry the token in clear) is refused before anything is sent there */
    g_autoptr (RdSignalClient) client = rd_test_client_new (f, RD_SIGNAL_CLIENT_WHIP, "/whip/off");
    guint before = f->seen->len;

    RD_TEST_SCRIPT (f, { 307, "Location: http://192.0.2.1/whip/x" });
    g_assert_null (rd_test_client_post (f, client, 10, &error));
    rd_test_client_assert_error (error, RD_SIGNAL_ERROR_URL, "plain http only to this machine");
    g_clear_error (&error);
    g_assert_cmpuint (f->seen->len, ==, before + 1);
  }
}

/* ---- Retries ---------------------------------------------------------------------------- */

static void
test_retry_503 (RdTestClientFixture *f, gconstpointer data)
{
  g_autoptr (RdSignalClient) client = rd_test_client_new (f, RD_SIGNAL_CLIENT_WHIP, "/whip/room");
  g_autoptr (RdSignalAnswer) answer = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr (GDateTime) soon = g_date_time_add_seconds (now, 1);
  g_autofree char *date = soup_date_time_to_string (soon, SOUP_DATE_HTTP);
  g_autofree char *date_header = g_strconcat ("Retry-After: ", date, NULL);
  RdTestReply script[] = {
    { 503, "Retry-After: 0", "text/plain", "busy" },
    /* a receptiond still answering the same invite's previous offer */
    { 429, "Retry-After: 0", "text/plain", "the previous offer is still being answered" },
    { 503, date_header, "text/plain", "busy" },
    { 503, NULL, "text/plain", "busy" }, /* no Retry-After: 2 s */
    RD_TEST_CREATED ("Location: /whip/room/r"),
  };
  gint64 start = g_get_monotonic_time ();

  f->script = script;
  f->script_len = G_N_ELEMENTS (script);
  answer = rd_test_client_post (f, client, 20, &error);
  g_assert_no_error (error);
  g_assert_nonnull (answer);
  g_assert_cmpuint (f->seen->len, ==, 5);
  /* At least the 2 s of the default wait went by (the HTTP-date one is 0-2 s). */
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 2 * G_USEC_PER_SEC);
}

static void
test_retry_deadline (RdTestClientFixture *f, gconstpointer data)
{
  g_autoptr (RdSignalClient) client = rd_test_client_new (f, RD_SIGNAL_CLIENT_WHIP, "/whip/room");
  g_autoptr (RdSignalClient) whip409 = rd_test_client_new (f, RD_SIGNAL_CLIENT_WHIP, "/whip/room");
  g_autoptr (GError) error = NULL;
  gint64 start = g_get_monotonic_time ();

  /* Retry-After 5 s does not fit in a 2 s deadline: given up at once, naming the status. */
  RD_TEST_SCRIPT (f, { 503, "Retry-After: 5", "text/plain", "busy" });
  g_assert_null (rd_test_client_post (f, client, 2, &error));
  rd_test_client_assert_error (error, RD_SIGNAL_ERROR_RETRY, "503");
  g_clear_error (&error);
  g_assert_cmpuint (f->seen->len, ==, 1);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC); /* not the 5 s */

  /* 409 is WHEP's; to a WHIP client it is an error like any other. */
  RD_TEST_SCRIPT (f, { 409, "Retry-After: 0", "text/plain", "not live" });
  g_assert_null (rd_test_client_post (f, whip409, 10, &error));
  rd_test_client_assert_error (error, RD_SIGNAL_ERROR_HTTP, "409");
  g_assert_cmpuint (f->seen->len, ==, 2);
}

static void
test_whep_409 (RdTestClientFixture *f, gconstpointer data)
{
  g_autoptr (RdSignalClient) client = rd_test_client_new (f, RD_SIGNAL_CLIENT_WHEP, "/whep/room");
  g_autoptr (RdSignalAnswer) answer = NULL;
  g_autoptr (GError) error = NULL;

  RD_TEST_SCRIPT (f, { 409, "Retry-After: 0", "text/plain", "not live yet" },
                  { 409, "Retry-After: 1", "text/plain", "not live yet" },
                  RD_TEST_CREATED ("Location: /whep/r"));
  answer = rd_test_client_post (f, client, 10, &error);
  g_assert_no_error (error);
  g_assert_nonnull (answer);
  g_assert_cmpuint (f->seen->len, ==, 3);
}

static void
test_whep_406 (RdTestClientFixture *f, gconstpointer data)
{
  g_autoptr (RdSignalClient) client = rd_test_client_new (f, RD_SIGNAL_CLIENT_WHEP, "/whep/room");
  g_autoptr (RdSignalAnswer) answer = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *resource = g_strconcat (f->base, "/whep/room/r1", NULL);

  RD_TEST_SCRIPT (
      f, { 406, "Location: /whep/room/r1\nETag: \"e1\"", RD_TEST_SDP_TYPE, RD_TEST_ANSWER },
      { 204 });
  answer = rd_test_client_post (f, client, 10, &error);
  g_assert_no_error (error);
  g_assert_true (answer->counter_offer);
  g_assert_cmpstr (answer->sdp, ==, RD_TEST_ANSWER);
  g_assert_cmpstr (answer->resource_url, ==, resource);

  /* Candidates wait for our answer to be taken. */
  rd_signal_client_add_candidate (client, "video0", RD_TEST_CAND1);
  rd_test_client_drain (f);
  rd_signal_client_send_answer_async (client, RD_TEST_OFFER, NULL, rd_test_client_on_result,
                                      &result);
  g_assert_true (rd_signal_client_send_answer_finish (
      client, rd_test_client_wait_result (f, &result, "PATCH"), &error));
  g_assert_no_error (error);
  g_assert_cmpstr (rd_test_client_seen (f, 1)->method, ==, "PATCH");
  g_assert_cmpstr (rd_test_client_seen (f, 1)->path, ==, "/whep/room/r1");
  g_assert_cmpstr (rd_test_client_seen (f, 1)->content_type, ==, RD_TEST_SDP_TYPE);
  g_assert_cmpstr (rd_test_client_seen (f, 1)->body, ==, RD_TEST_OFFER);
  g_assert_cmpstr (rd_test_client_seen (f, 1)->if_match, ==, "\"e1\"");
  g_assert_cmpstr (rd_test_client_seen (f, 1)->auth, ==, "Bearer " RD_TEST_TOKEN);
  rd_test_client_wait_seen (f, 3);
  g_assert_cmpstr (rd_test_client_seen (f, 2)->content_type, ==, RD_TEST_SDPFRAG_TYPE);
  g_assert_true (rd_test_client_has_line (rd_test_client_seen (f, 2)->body, "a=" RD_TEST_CAND1));

  /* A WHIP client takes a 406 as an error. */
  {
    g_autoptr (RdSignalClient) whip = rd_test_client_new (f, RD_SIGNAL_CLIENT_WHIP, "/whip/room");

    RD_TEST_SCRIPT (f, { 406, "Location: /whip/room/r1", RD_TEST_SDP_TYPE, RD_TEST_ANSWER });
    g_assert_null (rd_test_client_post (f, whip, 10, &error));
    rd_test_client_assert_error (error, RD_SIGNAL_ERROR_HTTP, "406");
  }
}

static void
test_cancel (RdTestClientFixture *f, gconstpointer data)
{
  g_autoptr (RdSignalClient) client = rd_test_client_new (f, RD_SIGNAL_CLIENT_WHIP, "/whip/room");
  g_autoptr (GCancellable) in_flight = g_cancellable_new ();
  g_autoptr (GCancellable) waiting = g_cancellable_new ();
  g_autoptr (GAsyncResult) first = NULL;
  g_autoptr (GAsyncResult) second = NULL;
  g_autoptr (GError) error = NULL;
  gint64 start;

  /* Cancelled while the server has not answered. */
  RD_TEST_SCRIPT (f, { 0 });
  rd_signal_client_post_async (client, RD_TEST_OFFER, 10, in_flight, rd_test_client_on_result,
                               &first);
  rd_test_client_wait_held (f, 1);
  g_cancellable_cancel (in_flight);
  g_assert_null (rd_signal_client_post_finish (
      client, rd_test_client_wait_result (f, &first, "POST"), &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);

  /* Cancelled while waiting out a Retry-After: at once, no second POST. */
  RD_TEST_SCRIPT (f, { 503, "Retry-After: 20", "text/plain", "busy" });
  start = g_get_monotonic_time ();
  rd_signal_client_post_async (client, RD_TEST_OFFER, 60, waiting, rd_test_client_on_result,
                               &second);
  rd_test_client_wait_seen (f, 2);
  rd_test_client_drain (f);
  g_cancellable_cancel (waiting);
  g_assert_null (rd_signal_client_post_finish (
      client, rd_test_client_wait_result (f, &second, "POST"), &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 10 * G_USEC_PER_SEC);
  g_assert_cmpuint (f->seen->len, ==, 2);
}

/* ---- Parsers ---------------------------------------------------------------------------- */

static void
test_links_unit (void)
{
  g_autoptr (GPtrArray) servers =
      g_ptr_array_new_with_free_func ((GDestroyNotify)rd_signal_ice_server_free);
  RdSignalIceServer *s;

  g_assert_cmpuint (rd_signal_client_parse_links (NULL, servers), ==, 0);
  g_assert_cmpuint (rd_signal_client_parse_links ("", servers), ==, 0);
  g_assert_cmpuint (
      rd_signal_client_parse_links (
          "<turns:t.example.org:5349?transport=tcp>;rel=\"ice-server\";username=\"a\\\"b\";"
          "credential=\"c,d;e\";credential-type=password, <stun:[2001:db8::1]:3478>; "
          "REL=\"ice-server other\"",
          servers),
      ==, 0);
  g_assert_cmpuint (servers->len, ==, 2);
  s = servers->pdata[0];
  g_assert_cmpstr (s->url, ==, "turns:t.example.org:5349?transport=tcp");
  g_assert_cmpstr (s->username, ==, "a\"b");
  g_assert_cmpstr (s->credential, ==, "c,d;e");
  s = servers->pdata[1];
  g_assert_cmpstr (s->url, ==, "stun:[2001:db8::1]:3478");

  g_ptr_array_set_size (servers, 0);
  /* What simple-whip-server sends (two headers joined): no <...>, trailing ';', "name: value". */
  g_assert_cmpuint (
      rd_signal_client_parse_links (
          "stun:stun.example.org:19302; rel=\"ice-server\";, "
          "turn:t.example.org:3478?transport=udp; rel=\"ice-server\"; username=\"u\"; "
          "credential=\"p\"; credential-type: \"password\";",
          servers),
      ==, 0);
  g_assert_cmpuint (servers->len, ==, 2);
  g_assert_cmpstr (((RdSignalIceServer *)servers->pdata[0])->url, ==,
                   "stun:stun.example.org:19302");
  s = servers->pdata[1];
  g_assert_cmpstr (s->url, ==, "turn:t.example.org:3478?transport=udp");
  g_assert_cmpstr (s->username, ==, "u");
  g_assert_cmpstr (s->credential, ==, "p");

  g_ptr_array_set_size (servers, 0);
  /* Another rel: ignored, not counted. Malformed: counted, the rest still read. */
  g_assert_cmpuint (rd_signal_client_parse_links (
                        "<https://example.org/>; rel=next, <stun:a.example.org>; rel ice-server, "
                        "<stun://b.example.org>; rel=\"ice-server\", <http://c/>; "
                        "rel=\"ice-server\", <stun:d.example.org>; rel=\"ice-server\"",
                        servers),
                    ==, 3);
  g_assert_cmpuint (servers->len, ==, 1);
  g_assert_cmpstr (((RdSignalIceServer *)servers->pdata[0])->url, ==, "stun:d.example.org");
  /* A URI is visible ASCII: bytes outside it (found by fuzz-links) make the link unusable. */
  g_ptr_array_set_size (servers, 0);
  g_assert_cmpuint (rd_signal_client_parse_links ("<turn:t.exam\xffple.org>; rel=\"ice-server\", "
                                                  "stun:s\x01.example.org; rel=\"ice-server\", "
                                                  "<STUN:e.example.org>; rel=\"ice-server\"",
                                                  servers),
                    ==, 2);
  g_assert_cmpuint (servers->len, ==, 1);
  g_assert_cmpstr (((RdSignalIceServer *)servers->pdata[0])->url, ==, "STUN:e.example.org");
}

static void
test_retry_after_unit (void)
{
  g_autoptr (GDateTime) now = g_date_time_new_utc (2026, 11, 28, 8, 0, 0);
  guint s = 99;

  g_assert_false (rd_signal_client_parse_retry_after (NULL, now, &s));
  g_assert_false (rd_signal_client_parse_retry_after ("soon", now, &s));
  g_assert_false (rd_signal_client_parse_retry_after ("-3", now, &s));
  g_assert_false (rd_signal_client_parse_retry_after ("3 s", now, &s));
  g_assert_true (rd_signal_client_parse_retry_after (" 7 ", now, &s));
  g_assert_cmpuint (s, ==, 7);
  g_assert_true (rd_signal_client_parse_retry_after ("0", now, &s));
  g_assert_cmpuint (s, ==, 0);
  g_assert_true (rd_signal_client_parse_retry_after ("Sat, 28 Nov 2026 08:00:12 GMT", now, &s));
  g_assert_cmpuint (s, ==, 12);
  g_assert_true (rd_signal_client_parse_retry_after ("Sat, 28 Nov 2026 07:59:00 GMT", now, &s));
  g_assert_cmpuint (s, ==, 0);
  g_assert_true (rd_signal_client_parse_retry_after ("99999999999999", now, &s));
  g_assert_cmpuint (s, ==, G_MAXUINT);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/client/unit/links", test_links_unit);
  g_test_add_func ("/client/unit/retry-after", test_retry_after_unit);
#define ADD(path, fn)                                                                              \
  g_test_add (path, RdTestClientFixture, NULL, rd_test_client_setup, fn, rd_test_client_teardown)
  ADD ("/client/201-relative-location-etag-links", test_created);
  ADD ("/client/201-absolute-location-malformed-links", test_created_absolute);
  ADD ("/client/201-broken", test_created_broken);
  ADD ("/client/201-too-large", test_created_too_large);
  ADD ("/client/307-308-followed", test_redirect);
  ADD ("/client/redirects-refused", test_redirect_refused);
  ADD ("/client/redirect-other-origin-without-token", test_redirect_other_origin);
  ADD ("/client/503-retry-after", test_retry_503);
  ADD ("/client/retry-deadline", test_retry_deadline);
  ADD ("/client/whep-409-retry", test_whep_409);
  ADD ("/client/whep-406-counter-offer", test_whep_406);
  ADD ("/client/cancel", test_cancel);
#undef ADD

  return rd_test_signal_run ();
}
