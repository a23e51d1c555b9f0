/* test-signal-whip-replies.c: the WHIP endpoint (signaling/rd-signal-whip.h) when the handler
 * replies: 201 with every header WHIP.md asks for, 204 trickle, 200 ICE restart, DELETE and
 * state; the same rules under /whep; replies that come late (504, a client or a server gone
 * meanwhile). Driven by a real libsoup client over HTTPS on 127.0.0.1 against a real server
 * whose "whip-request" handler is the test's (rd-test-endpoint.h); the token must never appear in
 * a log message. test-signal-whip.c has the refusals, OPTIONS/GET/HEAD and the units. */
#include "tests/rd-test-endpoint.h"

#include <string.h>

#include <libsoup/soup.h>

/* ---- 201, 204, 200 ---------------------------------------------------------------------- */

static void
check_created (RdTestEndpoint *f, RdTestEndpointResponse *response)
{
  g_autofree char *expected_url = NULL;
  RdTestEndpointSeen *seen;

  if (soup_message_get_status (response->msg) != SOUP_STATUS_CREATED)
    g_error ("expected 201, got %u: %s", soup_message_get_status (response->msg), response->body);
  rd_test_endpoint_assert_cors (response);
  g_assert_cmpstr (rd_test_endpoint_header (response, "Content-Type"), ==, RD_EP_SDP_TYPE);
  g_assert_cmpstr (rd_test_endpoint_header (response, "Location"), ==, RD_EP_RESOURCE);
  g_assert_cmpstr (rd_test_endpoint_header (response, "ETag"), ==, "\"etag-1\"");
  g_assert_cmpstr (rd_test_endpoint_header_list (response, "Link"), ==,
                   RD_EP_LINK_STUN ", " RD_EP_LINK_TURN);
  g_assert_cmpstr (response->body, ==, RD_EP_ANSWER);

  seen = rd_test_endpoint_last_seen (f);
  g_assert_cmpint (seen->action, ==, RD_WHIP_ACTION_OFFER);
  g_assert_false (seen->is_whep);
  g_assert_cmpstr (seen->session_id, ==, RD_EP_SESSION);
  g_assert_null (seen->peer_id);
  g_assert_true (seen->token_ok);
  g_assert_cmpstr (seen->body, ==, RD_EP_OFFER);
  g_assert_null (seen->if_match);
  g_assert_cmpstr (seen->remote_address, ==, "127.0.0.1");
  expected_url = g_strdup_printf ("https://127.0.0.1:%u" RD_EP_ENDPOINT,
                                  rd_signal_server_get_port (f->server));
  g_assert_cmpstr (seen->endpoint_url, ==, expected_url);
}

/* 201 with every header WHIP.md asks for, whether the handler replies inside the emission, from
 * an idle callback (the message is paused meanwhile), or to a client that sent
 * "Expect: 100-continue" (libsoup 3.2 clears the response headers after the 100). */
static void
test_created (RdTestEndpoint *f, gconstpointer data)
{
  RdTestHttpsRequest with_params = rd_test_endpoint_post_offer;
  RdTestHttpsRequest with_continue = rd_test_endpoint_post_offer;
  g_autoptr (RdTestEndpointResponse) now = NULL;
  g_autoptr (RdTestEndpointResponse) later = NULL;
  g_autoptr (RdTestEndpointResponse) params = NULL;
  g_autoptr (RdTestEndpointResponse) continued = NULL;

  now = rd_test_endpoint_fetch (f, &rd_test_endpoint_post_offer);
  g_assert_nonnull (now);
  check_created (f, now);

  f->reply_later = TRUE;
  later = rd_test_endpoint_fetch (f, &rd_test_endpoint_post_offer);
  g_assert_nonnull (later);
  check_created (f, later);

  /* Content-Type parameters are allowed. */
  with_params.content_type = "application/SDP; charset=utf-8";
  params = rd_test_endpoint_fetch (f, &with_params);
  g_assert_nonnull (params);
  check_created (f, params);

  with_continue.expect_continue = TRUE;
  continued = rd_test_endpoint_fetch (f, &with_continue);
  g_assert_nonnull (continued);
  check_created (f, continued);
  g_assert_cmpuint (f->seen->len, ==, 4);
}

static void
test_trickle (RdTestEndpoint *f, gconstpointer data)
{
  RdTestHttpsRequest req = rd_test_endpoint_trickle;
  g_autoptr (RdTestEndpointResponse) response = NULL;
  g_autoptr (RdTestEndpointResponse) unquoted = NULL;
  RdTestEndpointSeen *seen;

  f->reply_later = TRUE;
  response = rd_test_endpoint_expect (f, &req, SOUP_STATUS_NO_CONTENT);
  g_assert_nonnull (response);
  g_assert_cmpstr (response->body, ==, "");
  seen = rd_test_endpoint_last_seen (f);
  g_assert_cmpint (seen->action, ==, RD_WHIP_ACTION_TRICKLE);
  g_assert_cmpstr (seen->session_id, ==, RD_EP_SESSION);
  g_assert_cmpstr (seen->peer_id, ==, "peer-1");
  g_assert_true (seen->token_ok);
  g_assert_cmpstr (seen->if_match, ==, "etag-1");
  g_assert_cmpstr (seen->body, ==, RD_EP_CANDIDATES);

  /* An unquoted ETag (as MediaMTX sends) is passed on as it is. */
  req.if_match = "etag-1";
  unquoted = rd_test_endpoint_expect (f, &req, SOUP_STATUS_NO_CONTENT);
  g_assert_nonnull (unquoted);
  g_assert_cmpstr (rd_test_endpoint_last_seen (f)->if_match, ==, "etag-1");
  g_assert_cmpint (rd_test_endpoint_last_seen (f)->action, ==, RD_WHIP_ACTION_TRICKLE);
}

static void
test_restart (RdTestEndpoint *f, gconstpointer data)
{
  RdTestHttpsRequest req = { .method = "PATCH",
                             .path = RD_EP_RESOURCE,
                             .auth = RD_EP_AUTH,
                             .content_type = RD_EP_SDPFRAG_TYPE,
                             .body = RD_EP_CANDIDATES,
                             .if_match = "*" };
  g_autoptr (RdTestEndpointResponse) response = NULL;
  g_autoptr (RdTestEndpointResponse) quoted = NULL;
  RdTestEndpointSeen *seen;

  response = rd_test_endpoint_expect (f, &req, SOUP_STATUS_OK);
  g_assert_nonnull (response);
  g_assert_cmpstr (rd_test_endpoint_header (response, "Content-Type"), ==, RD_EP_SDPFRAG_TYPE);
  g_assert_cmpstr (rd_test_endpoint_header (response, "ETag"), ==, "\"etag-2\"");
  g_assert_cmpstr (response->body, ==, RD_EP_RESTART_ANSWER);
  seen = rd_test_endpoint_last_seen (f);
  g_assert_cmpint (seen->action, ==, RD_WHIP_ACTION_RESTART);
  g_assert_cmpstr (seen->if_match, ==, "*");
  g_assert_cmpstr (seen->peer_id, ==, "peer-1");
  g_assert_cmpstr (seen->body, ==, RD_EP_CANDIDATES);

  /* If-Match: "*" (quoted, as WHIP.md writes it) is a restart too. */
  req.if_match = "\"*\"";
  f->reply_later = TRUE;
  quoted = rd_test_endpoint_expect (f, &req, SOUP_STATUS_OK);
  g_assert_nonnull (quoted);
  g_assert_cmpint (rd_test_endpoint_last_seen (f)->action, ==, RD_WHIP_ACTION_RESTART);
  g_assert_cmpstr (rd_test_endpoint_header (quoted, "ETag"), ==, "\"etag-2\"");
}

static void
test_delete (RdTestEndpoint *f, gconstpointer data)
{
  RdTestHttpsRequest req = { .method = "DELETE", .path = RD_EP_RESOURCE, .auth = RD_EP_AUTH };
  g_autoptr (RdTestEndpointResponse) response = rd_test_endpoint_expect (f, &req, SOUP_STATUS_OK);
  RdTestEndpointSeen *seen;

  g_assert_nonnull (response);
  seen = rd_test_endpoint_last_seen (f);
  g_assert_cmpint (seen->action, ==, RD_WHIP_ACTION_DELETE);
  g_assert_cmpstr (seen->session_id, ==, RD_EP_SESSION);
  g_assert_cmpstr (seen->peer_id, ==, "peer-1");
  g_assert_cmpstr (seen->body, ==, "");
  g_assert_null (seen->if_match);
  g_assert_true (seen->token_ok);
}

/* GET of a resource (beyond WHIP: the join page's REC mark): the handler's JSON, with a token. */
static void
test_get_state (RdTestEndpoint *f, gconstpointer data)
{
  RdTestHttpsRequest req = { .method = "GET", .path = RD_EP_RESOURCE, .auth = RD_EP_AUTH };
  RdTestHttpsRequest anonymous = { .method = "GET", .path = RD_EP_RESOURCE };
  g_autoptr (RdTestEndpointResponse) response = rd_test_endpoint_expect (f, &req, SOUP_STATUS_OK);
  g_autoptr (RdTestEndpointResponse) refused =
      rd_test_endpoint_expect (f, &anonymous, SOUP_STATUS_UNAUTHORIZED);
  RdTestEndpointSeen *seen;

  g_assert_cmpstr (rd_test_endpoint_header (response, "Content-Type"), ==, "application/json");
  g_assert_cmpstr (rd_test_endpoint_header (response, "Cache-Control"), ==, "no-store");
  g_assert_cmpstr (response->body, ==, "{\"recording\":\"recording\",\"elapsed_s\":7}");
  seen = rd_test_endpoint_last_seen (f);
  g_assert_cmpint (seen->action, ==, RD_WHIP_ACTION_STATE);
  g_assert_cmpstr (seen->peer_id, ==, "peer-1");
  g_assert_true (seen->token_ok);
  g_assert_nonnull (refused);
}

/* ---- WHEP: the same rules under /whep ---------------------------------------------------- */

/* A player's offer, its trickle, restart, state and DELETE come up as WHEP requests; the 201's
 * Location and the endpoint URL are under /whep. */
static void
test_whep_route (RdTestEndpoint *f, gconstpointer data)
{
  RdTestHttpsRequest post = rd_test_endpoint_post_offer;
  RdTestHttpsRequest patch = { .method = "PATCH",
                               .path = RD_EP_WHEP_RESOURCE,
                               .auth = RD_EP_AUTH,
                               .content_type = RD_EP_SDPFRAG_TYPE,
                               .body = RD_EP_CANDIDATES,
                               .if_match = "\"etag-1\"" };
  RdTestHttpsRequest restart = patch;
  RdTestHttpsRequest del = { .method = "DELETE", .path = RD_EP_WHEP_RESOURCE, .auth = RD_EP_AUTH };
  RdTestHttpsRequest get = { .method = "GET", .path = RD_EP_WHEP_RESOURCE, .auth = RD_EP_AUTH };
  g_autoptr (RdTestEndpointResponse) created = NULL;
  g_autoptr (RdTestEndpointResponse) trickled = NULL;
  g_autoptr (RdTestEndpointResponse) restarted = NULL;
  g_autoptr (RdTestEndpointResponse) deleted = NULL;
  g_autoptr (RdTestEndpointResponse) state = NULL;
  g_autofree char *expected_url = NULL;
  static const RdWhipAction actions[] = { RD_WHIP_ACTION_OFFER, RD_WHIP_ACTION_TRICKLE,
                                          RD_WHIP_ACTION_RESTART, RD_WHIP_ACTION_DELETE,
                                          RD_WHIP_ACTION_STATE };
  RdTestEndpointSeen *seen;

  post.path = RD_EP_WHEP_ENDPOINT;
  created = rd_test_endpoint_expect (f, &post, SOUP_STATUS_CREATED);
  g_assert_nonnull (created);
  g_assert_cmpstr (rd_test_endpoint_header (created, "Location"), ==, RD_EP_WHEP_RESOURCE);
  g_assert_cmpstr (rd_test_endpoint_header (created, "ETag"), ==, "\"etag-1\"");
  g_assert_cmpstr (rd_test_endpoint_header (created, "Content-Type"), ==, RD_EP_SDP_TYPE);
  g_assert_cmpstr (rd_test_endpoint_header_list (created, "Link"), ==,
                   RD_EP_LINK_STUN ", " RD_EP_LINK_TURN);
  g_assert_cmpstr (created->body, ==, RD_EP_ANSWER);
  seen = rd_test_endpoint_last_seen (f);
  g_assert_null (seen->peer_id);
  g_assert_cmpstr (seen->body, ==, RD_EP_OFFER);
  expected_url = g_strdup_printf ("https://127.0.0.1:%u" RD_EP_WHEP_ENDPOINT,
                                  rd_signal_server_get_port (f->server));
  g_assert_cmpstr (seen->endpoint_url, ==, expected_url);

  trickled = rd_test_endpoint_expect (f, &patch, SOUP_STATUS_NO_CONTENT);
  restart.if_match = "*";
  restarted = rd_test_endpoint_expect (f, &restart, SOUP_STATUS_OK);
  g_assert_nonnull (restarted);
  g_assert_cmpstr (restarted->body, ==, RD_EP_RESTART_ANSWER);
  deleted = rd_test_endpoint_expect (f, &del, SOUP_STATUS_OK);
  state = rd_test_endpoint_expect (f, &get, SOUP_STATUS_OK);
  g_assert_nonnull (trickled);
  g_assert_nonnull (deleted);
  g_assert_nonnull (state);

  g_assert_cmpuint (f->seen->len, ==, G_N_ELEMENTS (actions));
  for (guint i = 0; i < G_N_ELEMENTS (actions); i++)
    {
      seen = f->seen->pdata[i];
      g_assert_cmpint (seen->action, ==, actions[i]);
      g_assert_true (seen->is_whep);
      g_assert_true (seen->token_ok);
      g_assert_cmpstr (seen->session_id, ==, RD_EP_SESSION);
      g_assert_cmpstr (seen->endpoint_url, ==, expected_url);
      if (i > 0)
        g_assert_cmpstr (seen->peer_id, ==, "peer-1");
    }
}

/* The HTTP rules of /whip hold under /whep, with WHEP in the messages. */
static void
test_whep_rules (RdTestEndpoint *f, gconstpointer data)
{
  RdTestHttpsRequest get = { .method = "GET", .path = RD_EP_WHEP_ENDPOINT };
  RdTestHttpsRequest head = { .method = "HEAD", .path = RD_EP_WHEP_ENDPOINT };
  RdTestHttpsRequest options = { .method = "OPTIONS", .path = RD_EP_WHEP_ENDPOINT };
  RdTestHttpsRequest no_auth = { .method = "POST",
                                 .path = RD_EP_WHEP_ENDPOINT,
                                 .content_type = RD_EP_SDP_TYPE,
                                 .body = RD_EP_OFFER };
  RdTestHttpsRequest bad_type = rd_test_endpoint_post_offer;
  RdTestHttpsRequest bad_sdp = rd_test_endpoint_post_offer;
  RdTestHttpsRequest not_found = rd_test_endpoint_post_offer;
  RdTestHttpsRequest put = { .method = "PUT", .path = RD_EP_WHEP_ENDPOINT, .auth = RD_EP_AUTH };
  RdTestHttpsRequest no_if_match = { .method = "PATCH",
                                     .path = RD_EP_WHEP_RESOURCE,
                                     .auth = RD_EP_AUTH,
                                     .content_type = RD_EP_SDPFRAG_TYPE,
                                     .body = RD_EP_CANDIDATES };
  g_autoptr (RdTestEndpointResponse) g = rd_test_endpoint_expect (f, &get, SOUP_STATUS_NO_CONTENT);
  g_autoptr (RdTestEndpointResponse) h = rd_test_endpoint_expect (f, &head, SOUP_STATUS_NO_CONTENT);
  g_autoptr (RdTestEndpointResponse) o = rd_test_endpoint_expect (f, &options, SOUP_STATUS_OK);
  g_autoptr (RdTestEndpointResponse) whip_head = NULL;
  RdTestHttpsRequest whip_head_req = { .method = "HEAD", .path = RD_EP_ENDPOINT };

  g_assert_nonnull (g);
  g_assert_nonnull (h);
  g_assert_nonnull (o);
  /* WHEP servers say what their endpoint takes; WHIP's does not. */
  g_assert_cmpstr (rd_test_endpoint_header (g, "Content-Type"), ==, RD_EP_SDP_TYPE);
  g_assert_cmpstr (rd_test_endpoint_header (h, "Content-Type"), ==, RD_EP_SDP_TYPE);
  g_assert_cmpstr (g->body, ==, "");
  g_assert_cmpstr (h->body, ==, "");
  whip_head = rd_test_endpoint_expect (f, &whip_head_req, SOUP_STATUS_NO_CONTENT);
  g_assert_nonnull (whip_head);
  g_assert_null (rd_test_endpoint_header (whip_head, "Content-Type"));
  g_assert_cmpstr (rd_test_endpoint_header (o, "Accept-Post"), ==, RD_EP_SDP_TYPE);
  g_assert_cmpstr (rd_test_endpoint_header (o, "Allow"), ==, RD_EP_ENDPOINT_ALLOW);
  g_assert_cmpstr (rd_test_endpoint_header_list (o, "Link"), ==, RD_EP_LINK_STUN);

  rd_test_endpoint_expect_error (f, &no_auth, SOUP_STATUS_UNAUTHORIZED, "Bearer");
  bad_type.path = RD_EP_WHEP_ENDPOINT;
  bad_type.content_type = "text/plain";
  rd_test_endpoint_expect_error (f, &bad_type, SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE, RD_EP_SDP_TYPE);
  bad_sdp.path = RD_EP_WHEP_ENDPOINT;
  bad_sdp.body = "hello";
  rd_test_endpoint_expect_error (f, &bad_sdp, SOUP_STATUS_BAD_REQUEST, "not SDP");
  not_found.path = "/whep/bad!id";
  rd_test_endpoint_expect_error (f, &not_found, SOUP_STATUS_NOT_FOUND, "No such WHEP");
  rd_test_endpoint_expect_error (f, &put, SOUP_STATUS_METHOD_NOT_ALLOWED,
                                 "A WHEP endpoint takes POST.");
  rd_test_endpoint_expect_error (f, &no_if_match, 428, "If-Match");
  /* Only the bad SDP went up: its body is judged once the token is accepted. */
  g_assert_cmpuint (f->seen->len, ==, 1);
  g_assert_null (rd_test_endpoint_last_seen (f)->body);
}

/* ---- Late replies ----------------------------------------------------------------------- */

/* The handler never replies in time: 504; its late reply changes nothing and frees the request. */
static void
test_gateway_timeout (RdTestEndpoint *f, gconstpointer data)
{
  RdTestHttpsRequest patch = rd_test_endpoint_trickle;
  RdTestHttpsRequest get = { .method = "GET", .path = RD_EP_ENDPOINT };
  g_autoptr (RdTestEndpointResponse) after = NULL;
  guint timeout_ms = 0;

  g_object_get (f->server, "whip-reply-timeout-ms", &timeout_ms, NULL);
  g_assert_cmpuint (timeout_ms, ==, 30000);
  g_object_set (f->server, "whip-reply-timeout-ms", 200, NULL);
  f->hold = TRUE;
  rd_test_endpoint_expect_error (f, &rd_test_endpoint_post_offer, SOUP_STATUS_GATEWAY_TIMEOUT,
                                 "in time");
  rd_test_endpoint_expect_error (f, &patch, SOUP_STATUS_GATEWAY_TIMEOUT, "in time");
  g_assert_cmpuint (f->held->len, ==, 2);

  rd_whip_request_reply_created (f->held->pdata[0], "peer-1", RD_EP_ANSWER, "etag-1");
  rd_whip_request_reply_empty (f->held->pdata[1], SOUP_STATUS_NO_CONTENT);
  g_ptr_array_set_size (f->held, 0);
  after = rd_test_endpoint_expect (f, &get, SOUP_STATUS_NO_CONTENT);
  g_assert_nonnull (after);
}

/* The client leaves while its request waits for the handler; the reply comes later. Nothing
 * breaks, and the server's end of the connection is closed once it tries to answer. */
static void
test_client_gone (RdTestEndpoint *f, gconstpointer data)
{
  g_autoptr (RdTestEndpointResponse) after = NULL;
  RdTestHttpsExchange *ex;
  guint baseline;

  /* One exchange first, so whatever the TLS backend opens once is open. */
  after = rd_test_endpoint_expect (
      f, &(RdTestHttpsRequest){ .method = "GET", .path = RD_EP_ENDPOINT }, SOUP_STATUS_NO_CONTENT);
  g_clear_pointer (&after, rd_test_endpoint_response_free);
  baseline = rd_test_signal_count_fds ();

  f->hold = TRUE;
  ex = rd_test_endpoint_start (f, &rd_test_endpoint_post_offer);
  if (!rd_test_endpoint_wait_until (f, rd_test_endpoint_seen_at_least, GUINT_TO_POINTER (1)))
    g_test_fail_printf ("the handler never saw the POST; client seen:%s", ex->seen->str);
  rd_test_https_finish (ex); /* cancels: the client closes its connection */
  g_test_message ("client gone:%s; %u descriptors open (%u before)", ex->seen->str,
                  rd_test_signal_count_fds (), baseline);
  rd_test_https_free (ex);
  g_assert_cmpuint (f->held->len, ==, 1);

  rd_whip_request_reply_created (f->held->pdata[0], "peer-1", RD_EP_ANSWER, "etag-1");
  g_ptr_array_set_size (f->held, 0);
  if (!rd_test_endpoint_wait_until (f, rd_test_endpoint_fds_at_most, GUINT_TO_POINTER (baseline)))
    g_test_fail_printf ("%u descriptors open after the late reply, %u before the request",
                        rd_test_signal_count_fds (), baseline);

  f->hold = FALSE;
  after = rd_test_endpoint_fetch (f, &rd_test_endpoint_post_offer);
  g_assert_nonnull (after);
  check_created (f, after);
}

/* The server stops (and goes) while a request waits; the reply comes afterwards. */
static void
test_server_gone (RdTestEndpoint *f, gconstpointer data)
{
  RdTestHttpsExchange *ex;

  f->hold = TRUE;
  ex = rd_test_endpoint_start (f, &rd_test_endpoint_post_offer);
  if (!rd_test_endpoint_wait_until (f, rd_test_endpoint_seen_at_least, GUINT_TO_POINTER (1)))
    g_test_fail_printf ("the handler never saw the POST; client seen:%s", ex->seen->str);
  rd_signal_server_stop (f->server);
  if (!rd_test_endpoint_wait_until (f, rd_test_endpoint_exchange_done, ex))
    g_test_fail_printf ("the client was not let go when the server stopped; seen:%s",
                        ex->seen->str);
  g_assert_nonnull (ex->error);
  rd_test_https_finish (ex);
  rd_test_https_free (ex);

  /* The server itself goes before the handler replies: the request does not need it. */
  g_clear_signal_handler (&f->handler_id, f->server);
  g_clear_object (&f->server);
  g_assert_cmpuint (f->held->len, ==, 1);
  rd_whip_request_reply_created (f->held->pdata[0], "peer-1", RD_EP_ANSWER, "etag-1");
  g_ptr_array_set_size (f->held, 0);
}

int
main (int argc, char **argv)
{
  if (!rd_test_endpoint_init (&argc, &argv))
    return 77;

#define ADD(path, fn)                                                                              \
  g_test_add (path, RdTestEndpoint, NULL, rd_test_endpoint_setup, fn, rd_test_endpoint_teardown)
  ADD ("/whip/201-created", test_created);
  ADD ("/whip/204-trickle", test_trickle);
  ADD ("/whip/200-restart", test_restart);
  ADD ("/whip/200-delete", test_delete);
  ADD ("/whip/200-get-state", test_get_state);
  ADD ("/whip/504-timeout-late-reply", test_gateway_timeout);
  ADD ("/whip/client-gone-late-reply", test_client_gone);
  ADD ("/whip/server-gone-late-reply", test_server_gone);
  ADD ("/whep/route", test_whep_route);
  ADD ("/whep/rules", test_whep_rules);
#undef ADD

  return rd_test_endpoint_run ();
}
