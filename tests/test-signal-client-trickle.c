/* test-signal-client-trickle.c: RdSignalClient (signaling/rd-signal-client.h) once the resource
 * exists: trickle PATCHes (batching, refusal, failure), the ICE restart, DELETE; and the client
 * against receptiond's own WHIP/WHEP server over HTTPS. The scripted server is rd-test-client.h;
 * test-signal-client.c has the POST and the errors. */
#include "signaling/rd-signal-client.h"
#include "signaling/rd-signal-server.h"
#include "signaling/rd-signal-whip.h"
#include "signaling/rd-signal-error.h"
#include "tests/rd-test-client.h"
#include "tests/rd-test-signal.h"

#include <string.h>

/* ---- Trickle ---------------------------------------------------------------------------- */

static void
test_trickle (RdTestClientFixture *f, gconstpointer data)
{
  g_autoptr (RdSignalClient) client = rd_test_client_new (f, RD_SIGNAL_CLIENT_WHIP, "/whip/room");
  g_autoptr (RdSignalAnswer) answer = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  static const RdTestReply no_content = { 204 };
  const char *body;

  g_signal_connect (client, "trickle-failed", G_CALLBACK (rd_test_client_on_failed), f);
  RD_TEST_SCRIPT (f, { 0 }, { 0 }, { 0 }, { 200 });
  rd_signal_client_add_candidate (client, "video0", RD_TEST_CAND1);
  rd_signal_client_post_async (client, RD_TEST_OFFER, 10, NULL, rd_test_client_on_result, &result);
  rd_signal_client_add_candidate (client, "video0", "a=" RD_TEST_CAND2);
  rd_test_client_wait_held (f, 1);
  rd_test_client_drain (f);
  /* Nothing before the 201. */
  g_assert_cmpuint (f->seen->len, ==, 1);
  {
    static const RdTestReply created = RD_TEST_CREATED ("Location: /whip/room/r");
    rd_test_client_release (f, &created);
  }
  answer = rd_signal_client_post_finish (client, rd_test_client_wait_result (f, &result, "POST"),
                                         &error);
  g_assert_no_error (error);

  /* Both buffered candidates in one PATCH, with the ETag. */
  rd_test_client_wait_held (f, 1);
  body = rd_test_client_seen (f, 1)->body;
  g_test_message ("fragment:\n%s", body);
  g_assert_cmpstr (rd_test_client_seen (f, 1)->method, ==, "PATCH");
  g_assert_cmpstr (rd_test_client_seen (f, 1)->path, ==, "/whip/room/r");
  g_assert_cmpstr (rd_test_client_seen (f, 1)->content_type, ==, RD_TEST_SDPFRAG_TYPE);
  g_assert_cmpstr (rd_test_client_seen (f, 1)->if_match, ==, "\"etag-1\"");
  g_assert_cmpstr (rd_test_client_seen (f, 1)->auth, ==, "Bearer " RD_TEST_TOKEN);
  g_assert_true (rd_test_client_has_line (body, "m=video 9 UDP/TLS/RTP/SAVPF 96"));
  g_assert_true (rd_test_client_has_line (body, "a=mid:video0"));
  g_assert_true (rd_test_client_has_line (body, "a=ice-ufrag:offerUfrag"));
  g_assert_true (rd_test_client_has_line (body, "a=ice-pwd:offerPasswordOfferPassword"));
  g_assert_true (rd_test_client_has_line (body, "a=" RD_TEST_CAND1));
  g_assert_true (rd_test_client_has_line (body, "a=" RD_TEST_CAND2));
  g_assert_false (rd_test_client_has_line (body, "a=end-of-candidates"));

  /* One PATCH in flight: what comes meanwhile waits, then goes in one. */
  rd_signal_client_add_candidate (client, "video0", RD_TEST_CAND3);
  rd_test_client_drain (f);
  rd_signal_client_add_candidate (client, "video0", RD_TEST_CAND4);
  rd_signal_client_end_of_candidates (client);
  rd_test_client_drain (f);
  g_assert_cmpuint (f->seen->len, ==, 2);
  rd_test_client_release (f, &no_content);
  rd_test_client_wait_held (f, 1);
  body = rd_test_client_seen (f, 2)->body;
  g_assert_true (rd_test_client_has_line (body, "a=" RD_TEST_CAND3));
  g_assert_true (rd_test_client_has_line (body, "a=" RD_TEST_CAND4));
  g_assert_false (rd_test_client_has_line (body, "a=" RD_TEST_CAND1));
  g_assert_true (g_str_has_suffix (body, "a=" RD_TEST_CAND4 "\r\na=end-of-candidates\r\n"));
  rd_test_client_release (f, &no_content);

  /* Nothing was sent between them: the next request the server sees is the DELETE. */
  g_assert_true (rd_test_client_delete (f, client, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (f->seen->len, ==, 4);
  g_assert_cmpstr (rd_test_client_seen (f, 3)->method, ==, "DELETE");
  g_assert_cmpuint (f->failures->len, ==, 0);
}

static void
test_trickle_refused (RdTestClientFixture *f, gconstpointer data)
{
  g_autoptr (RdSignalClient) client = rd_test_client_new (f, RD_SIGNAL_CLIENT_WHIP, "/whip/room");
  g_autoptr (RdSignalAnswer) answer = NULL;
  g_autoptr (GError) error = NULL;

  g_signal_connect (client, "trickle-refused", G_CALLBACK (rd_test_client_on_refused), f);
  g_signal_connect (client, "trickle-failed", G_CALLBACK (rd_test_client_on_failed), f);
  RD_TEST_SCRIPT (f, RD_TEST_CREATED ("Location: /whip/room/r"), { 405, "Allow: DELETE" }, { 200 });
  answer = rd_test_client_post (f, client, 10, &error);
  g_assert_no_error (error);
  rd_signal_client_add_candidate (client, "video0", RD_TEST_CAND1);
  rd_test_client_wait_seen (f, 2);
  while (f->refused == 0 && g_main_context_iteration (f->context, TRUE))
    ;
  g_assert_cmpuint (f->refused, ==, 1);
  rd_signal_client_add_candidate (client, "video0", RD_TEST_CAND2);
  rd_signal_client_end_of_candidates (client);
  rd_test_client_drain (f);
  g_assert_true (rd_test_client_delete (f, client, &error));
  g_assert_cmpuint (f->seen->len, ==, 3);
  g_assert_cmpstr (rd_test_client_seen (f, 2)->method, ==, "DELETE");
  g_assert_cmpuint (f->refused, ==, 1);
  g_assert_cmpuint (f->failures->len, ==, 0);
}

static gboolean
failed_at_least (RdTestClientFixture *f, gconstpointer data)
{
  return f->failures->len >= GPOINTER_TO_UINT (data);
}

static void
test_trickle_failed (RdTestClientFixture *f, gconstpointer data)
{
  g_autoptr (RdSignalClient) client = rd_test_client_new (f, RD_SIGNAL_CLIENT_WHIP, "/whip/room");
  g_autoptr (RdSignalAnswer) answer = NULL;
  g_autoptr (GError) error = NULL;
  const char *message;

  g_signal_connect (client, "trickle-failed", G_CALLBACK (rd_test_client_on_failed), f);
  RD_TEST_SCRIPT (f, RD_TEST_CREATED ("Location: /whip/room/r"),
                  { 412, NULL, "text/plain", "The ETag does not match." }, { 204 });
  answer = rd_test_client_post (f, client, 10, &error);
  g_assert_no_error (error);
  rd_signal_client_add_candidate (client, "video0", RD_TEST_CAND1);
  g_assert_true (rd_test_client_wait_until (f, failed_at_least, GUINT_TO_POINTER (1)));
  message = f->failures->pdata[0];
  g_assert_nonnull (strstr (message, "412 Precondition Failed: The ETag does not match."));
  g_assert_null (strstr (message, RD_TEST_TOKEN));
  /* Later candidates still go. */
  rd_signal_client_add_candidate (client, "video0", RD_TEST_CAND2);
  rd_test_client_wait_seen (f, 3);
  g_assert_true (rd_test_client_has_line (rd_test_client_seen (f, 2)->body, "a=" RD_TEST_CAND2));
}

/* ---- ICE restart ------------------------------------------------------------------------ */

static void
test_restart (RdTestClientFixture *f, gconstpointer data)
{
  g_autoptr (RdSignalClient) client = rd_test_client_new (f, RD_SIGNAL_CLIENT_WHIP, "/whip/room");
  g_autoptr (RdSignalAnswer) answer = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *frag = NULL;
  static const RdTestReply no_content = { 204 };
  static const RdTestReply restarted = { 200, "ETag: \"etag-2\"", RD_TEST_SDPFRAG_TYPE,
                                         RD_TEST_RESTART_ANSWER };

  RD_TEST_SCRIPT (f, RD_TEST_CREATED ("Location: /whip/room/r"), { 0 }, { 0 }, { 204 });
  answer = rd_test_client_post (f, client, 10, &error);
  g_assert_no_error (error);
  rd_signal_client_add_candidate (client, "video0", RD_TEST_CAND1);
  rd_test_client_wait_held (f, 1);
  /* A candidate of the old ICE session, still waiting when the restart starts: dropped. */
  rd_signal_client_add_candidate (client, "video0", RD_TEST_CAND2);
  rd_signal_client_restart_ice_async (client, RD_TEST_RESTART_FRAG, NULL, rd_test_client_on_result,
                                      &result);
  rd_test_client_wait_held (f, 2);
  g_assert_cmpstr (rd_test_client_seen (f, 2)->method, ==, "PATCH");
  g_assert_cmpstr (rd_test_client_seen (f, 2)->if_match, ==, "\"*\"");
  g_assert_cmpstr (rd_test_client_seen (f, 2)->content_type, ==, RD_TEST_SDPFRAG_TYPE);
  g_assert_cmpstr (rd_test_client_seen (f, 2)->body, ==, RD_TEST_RESTART_FRAG);
  rd_test_client_release (f, &no_content); /* the trickle */
  /* A candidate of the new session waits for the restart's answer. */
  rd_signal_client_add_candidate (client, "video0", RD_TEST_CAND3);
  rd_test_client_drain (f);
  g_assert_cmpuint (f->seen->len, ==, 3);
  rd_test_client_release (f, &restarted);
  frag = rd_signal_client_restart_ice_finish (
      client, rd_test_client_wait_result (f, &result, "restart"), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (frag, ==, RD_TEST_RESTART_ANSWER);

  rd_test_client_wait_seen (f, 4);
  g_assert_cmpstr (rd_test_client_seen (f, 3)->if_match, ==, "\"etag-2\"");
  g_assert_true (rd_test_client_has_line (rd_test_client_seen (f, 3)->body, "a=" RD_TEST_CAND3));
  g_assert_true (
      rd_test_client_has_line (rd_test_client_seen (f, 3)->body, "a=ice-ufrag:newUfrag"));
  g_assert_false (rd_test_client_has_line (rd_test_client_seen (f, 3)->body, "a=" RD_TEST_CAND2));
}

static void
test_restart_refused (RdTestClientFixture *f, gconstpointer data)
{
  g_autoptr (RdSignalClient) client = rd_test_client_new (f, RD_SIGNAL_CLIENT_WHIP, "/whip/room");
  g_autoptr (RdSignalClient) fresh = rd_test_client_new (f, RD_SIGNAL_CLIENT_WHIP, "/whip/room");
  g_autoptr (RdSignalAnswer) answer = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GAsyncResult) result2 = NULL;
  g_autoptr (GError) error = NULL;

  RD_TEST_SCRIPT (f, RD_TEST_CREATED ("Location: /whip/room/r"), { 405, "Allow: DELETE" });
  answer = rd_test_client_post (f, client, 10, &error);
  g_assert_no_error (error);
  rd_signal_client_restart_ice_async (client, RD_TEST_RESTART_FRAG, NULL, rd_test_client_on_result,
                                      &result);
  g_assert_null (rd_signal_client_restart_ice_finish (
      client, rd_test_client_wait_result (f, &result, "restart"), &error));
  rd_test_client_assert_error (error, RD_SIGNAL_ERROR_HTTP, "PATCH");
  g_assert_nonnull (strstr (error->message, "405"));
  g_clear_error (&error);

  /* No resource yet: nothing to restart. */
  rd_signal_client_restart_ice_async (fresh, RD_TEST_RESTART_FRAG, NULL, rd_test_client_on_result,
                                      &result2);
  g_assert_null (rd_signal_client_restart_ice_finish (
      fresh, rd_test_client_wait_result (f, &result2, "restart"), &error));
  rd_test_client_assert_error (error, RD_SIGNAL_ERROR_PROTOCOL, "no resource");
  g_assert_cmpuint (f->seen->len, ==, 2);
}

/* ---- DELETE ----------------------------------------------------------------------------- */

static void
test_delete (RdTestClientFixture *f, gconstpointer data)
{
  static const guint statuses[] = { 200, 204, 404, 500 };
  g_autoptr (GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (statuses); i++)
    {
      g_autoptr (RdSignalClient) client =
          rd_test_client_new (f, RD_SIGNAL_CLIENT_WHIP, "/whip/room");
      g_autoptr (RdSignalAnswer) answer = NULL;
      RdTestReply script[] = { RD_TEST_CREATED ("Location: /whip/room/r"), { statuses[i] } };

      f->script = script;
      f->script_len = 2;
      f->script_pos = 0;
      answer = rd_test_client_post (f, client, 10, &error);
      g_assert_no_error (error);
      if (statuses[i] == 500)
        {
          g_assert_false (rd_test_client_delete (f, client, &error));
          rd_test_client_assert_error (error, RD_SIGNAL_ERROR_HTTP, "DELETE");
          g_clear_error (&error);
        }
      else
        {
          g_assert_true (rd_test_client_delete (f, client, &error));
          g_assert_no_error (error);
        }
      g_assert_cmpstr (rd_test_client_seen (f, f->seen->len - 1)->method, ==, "DELETE");
      g_assert_cmpstr (rd_test_client_seen (f, f->seen->len - 1)->path, ==, "/whip/room/r");
      g_assert_cmpstr (rd_test_client_seen (f, f->seen->len - 1)->auth, ==,
                       "Bearer " RD_TEST_TOKEN);
    }

  /* No resource: done at once, nothing sent. */
  {
    g_autoptr (RdSignalClient) client = rd_test_client_new (f, RD_SIGNAL_CLIENT_WHIP, "/whip/room");
    guint before = f->seen->len;

    g_assert_true (rd_test_client_delete (f, client, &error));
    g_assert_cmpuint (f->seen->len, ==, before);
  }
}

/* ---- Against receptiond's own WHIP/WHEP server ------------------------------------------ */

typedef struct
{
  GPtrArray *actions; /* "whip offer", "whep trickle", ... as the server's handler saw them */
  guint etags;
} Far;

static void
on_far_request (RdSignalServer *server, RdWhipRequest *request, gpointer user_data)
{
  Far *far = user_data;
  static const char *const names[] = { "offer", "trickle", "restart", "delete", "state" };
  RdWhipAction action = rd_whip_request_get_action (request);
  g_autofree char *etag = NULL;

  g_ptr_array_add (
      far->actions,
      g_strdup_printf (
          "%s %s %s", rd_whip_request_is_whep (request) ? "whep" : "whip", names[action],
          rd_whip_request_get_if_match (request) ? rd_whip_request_get_if_match (request) : "-"));
  if (g_strcmp0 (rd_whip_request_get_token (request), RD_TEST_TOKEN) != 0)
    {
      rd_whip_request_reply_error (request, 401, 0, "Wrong token.");
      return;
    }
  etag = g_strdup_printf ("e%u", ++far->etags);
  switch (action)
    {
    case RD_WHIP_ACTION_OFFER:
      rd_whip_request_reply_created (request, "peer-1", RD_TEST_ANSWER, etag);
      break;
    case RD_WHIP_ACTION_RESTART:
      rd_whip_request_reply_sdpfrag (request, RD_TEST_RESTART_ANSWER, etag);
      break;
    case RD_WHIP_ACTION_TRICKLE:
      rd_whip_request_reply_empty (request, 204);
      break;
    case RD_WHIP_ACTION_DELETE:
      rd_whip_request_reply_empty (request, 200);
      break;
    case RD_WHIP_ACTION_STATE:
      rd_whip_request_reply_json (request, "{}");
      break;
    }
}

static gboolean
far_saw (RdTestClientFixture *f, gconstpointer data)
{
  const Far *far = data;

  return far->actions->len >= 2; /* the offer and the one trickle PATCH */
}

/* The client against RdSignalServer over HTTPS (its certificate as the CA file), for WHIP and
 * WHEP: what one receptiond sends, the other understands, ICE servers of its Link headers
 * included. */
static void
test_receptiond (RdTestClientFixture *f, gconstpointer data)
{
  g_autofree char *state = g_build_filename (f->tmpdir, "state", NULL);
  g_autofree char *ini = g_strdup_printf (
      "[storage]\nstate-dir=%s\n[network]\nlisten=127.0.0.1:0\n"
      "stun-server=stun://stun.example.org:3478\nturn-server=turn://u:p@turn.example.org:3478\n",
      state);
  g_autoptr (GError) error = NULL;
  g_autoptr (RdConfig) config = rd_config_load_data (ini, "test.conf", &error);
  g_autoptr (RdSignalServer) server = NULL;
  g_autofree char *cert = g_build_filename (state, "tls", "certificate.pem", NULL);
  Far far = { .actions = g_ptr_array_new_with_free_func (g_free) };
  static const char *const kinds[] = { "whip", "whep" };

  g_assert_no_error (error);
  server = rd_signal_server_new (config, &error);
  g_assert_no_error (error);
  g_signal_connect (server, "whip-request", G_CALLBACK (on_far_request), &far);
  g_assert_true (rd_signal_server_start (server, &error));

  for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
    {
      RdSignalClientOptions options = { .ca_file = cert, .timeout_s = 10 };
      g_autofree char *url = g_strdup_printf ("https://127.0.0.1:%u/%s/sess-1",
                                              rd_signal_server_get_port (server), kinds[k]);
      g_autofree char *resource = g_strconcat (url, "/peer-1", NULL);
      g_autoptr (RdSignalClient) client = rd_signal_client_new (
          k ? RD_SIGNAL_CLIENT_WHEP : RD_SIGNAL_CLIENT_WHIP, url, RD_TEST_TOKEN, &options, &error);
      g_autoptr (RdSignalAnswer) answer = NULL;
      g_autoptr (GAsyncResult) result = NULL;
      g_autofree char *frag = NULL;
      RdSignalIceServer *turn;

      g_assert_no_error (error);
      g_ptr_array_set_size (far.actions, 0);
      answer = rd_test_client_post (f, client, 10, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (answer->resource_url, ==, resource);
      g_assert_cmpuint (answer->links_skipped, ==, 0);
      g_assert_cmpuint (answer->ice_servers->len, ==, 2);
      turn = answer->ice_servers->pdata[1];
      g_assert_cmpstr (turn->url, ==, "turn:turn.example.org:3478?transport=udp");
      g_assert_cmpstr (turn->username, ==, "u");
      g_assert_cmpstr (turn->credential, ==, "p");

      rd_signal_client_add_candidate (client, "video0", RD_TEST_CAND1);
      rd_signal_client_end_of_candidates (client);
      if (!rd_test_client_wait_until (f, far_saw, &far))
        g_error ("%s: the trickle PATCH never reached the server", kinds[k]);
      rd_signal_client_restart_ice_async (client, RD_TEST_RESTART_FRAG, NULL,
                                          rd_test_client_on_result, &result);
      frag = rd_signal_client_restart_ice_finish (
          client, rd_test_client_wait_result (f, &result, "restart"), &error);
      g_assert_no_error (error);
      g_assert_cmpstr (frag, ==, RD_TEST_RESTART_ANSWER);
      g_assert_true (rd_test_client_delete (f, client, &error));
      g_assert_no_error (error);

      g_assert_cmpuint (far.actions->len, ==, 4);
      {
        g_autofree char *offer = g_strdup_printf ("%s offer -", kinds[k]);
        g_autofree char *trickle = g_strdup_printf ("%s trickle e1", kinds[k]);
        g_autofree char *restart = g_strdup_printf ("%s restart *", kinds[k]);
        g_autofree char *del = g_strdup_printf ("%s delete -", kinds[k]);

        g_assert_cmpstr (far.actions->pdata[0], ==, offer);
        g_assert_cmpstr (far.actions->pdata[1], ==, trickle);
        g_assert_cmpstr (far.actions->pdata[2], ==, restart);
        g_assert_cmpstr (far.actions->pdata[3], ==, del);
      }
      far.etags = 0;
    }
  rd_signal_server_stop (server);
  g_ptr_array_unref (far.actions);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, fn)                                                                              \
  g_test_add (path, RdTestClientFixture, NULL, rd_test_client_setup, fn, rd_test_client_teardown)
  ADD ("/client/trickle", test_trickle);
  ADD ("/client/trickle-refused", test_trickle_refused);
  ADD ("/client/trickle-failed", test_trickle_failed);
  ADD ("/client/restart", test_restart);
  ADD ("/client/restart-refused", test_restart_refused);
  ADD ("/client/delete", test_delete);
  ADD ("/client/receptiond-whip-whep", test_receptiond);
#undef ADD

  return rd_test_signal_run ();
}
