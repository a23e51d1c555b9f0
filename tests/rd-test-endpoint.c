/* rd-test-endpoint.c: the fixture of the WHIP endpoint's tests; see rd-test-endpoint.h. */
#include "tests/rd-test-endpoint.h"

#include <string.h>

#include <glib/gstdio.h>

/* ---- The log writer: no log message may carry the token --------------------------------- */

static guint log_messages_seen;
static guint log_token_leaks;

static gboolean
field_has_token (const GLogField *field)
{
  g_autofree char *text = NULL;

  if (!field->value)
    return FALSE;
  if (field->length < 0)
    return strstr (field->value, RD_EP_TOKEN) != NULL;
  /* A field with a length may hold anything: search it with its NULs turned into spaces. */
  text = g_malloc (field->length + 1);
  for (gssize i = 0; i < field->length; i++)
    text[i] = ((const char *)field->value)[i] ? ((const char *)field->value)[i] : ' ';
  text[field->length] = '\0';
  return strstr (text, RD_EP_TOKEN) != NULL;
}

static GLogWriterOutput
token_guard_writer (GLogLevelFlags level, const GLogField *fields, gsize n_fields,
                    gpointer user_data)
{
  log_messages_seen++;
  for (gsize i = 0; i < n_fields; i++)
    if (field_has_token (&fields[i]))
      {
        log_token_leaks++;
        /* Do not print the message: it holds the token. */
        g_test_fail_printf ("a log message (field %s) carries the bearer token", fields[i].key);
        return G_LOG_WRITER_HANDLED;
      }
  return g_log_writer_default (level, fields, n_fields, user_data);
}

/* ---- RdTestEndpoint: a started server with the test's handler ----------------------------------
 */

static void
seen_free (gpointer data)
{
  RdTestEndpointSeen *seen = data;

  g_free (seen->session_id);
  g_free (seen->peer_id);
  g_free (seen->body);
  g_free (seen->if_match);
  g_free (seen->remote_address);
  g_free (seen->endpoint_url);
  g_free (seen);
}

static void
answer (RdTestEndpoint *f, RdWhipRequest *request)
{
  switch (f->answer)
    {
    case RD_EP_ANSWER_UNAUTHORIZED:
      rd_whip_request_reply_error (request, SOUP_STATUS_UNAUTHORIZED, 0,
                                   "The token is not valid for this session.");
      return;
    case RD_EP_ANSWER_STALE_ETAG:
      rd_whip_request_reply_error (request, SOUP_STATUS_PRECONDITION_FAILED, 0,
                                   "The ETag does not match the ICE session.");
      return;
    case RD_EP_ANSWER_WRONG_KIND:
      rd_whip_request_reply_created (request, "peer-1", RD_EP_ANSWER, "etag-1");
      return;
    case RD_EP_ANSWER_NORMAL:
      break;
    }
  switch (rd_whip_request_get_action (request))
    {
    case RD_WHIP_ACTION_OFFER:
      rd_whip_request_reply_created (request, "peer-1", RD_EP_ANSWER, "etag-1");
      break;
    case RD_WHIP_ACTION_TRICKLE:
      rd_whip_request_reply_empty (request, SOUP_STATUS_NO_CONTENT);
      break;
    case RD_WHIP_ACTION_RESTART:
      rd_whip_request_reply_sdpfrag (request, RD_EP_RESTART_ANSWER, "etag-2");
      break;
    case RD_WHIP_ACTION_DELETE:
      rd_whip_request_reply_empty (request, SOUP_STATUS_OK);
      break;
    case RD_WHIP_ACTION_STATE:
      rd_whip_request_reply_json (request, "{\"recording\":\"recording\",\"elapsed_s\":7}");
      break;
    }
}

typedef struct
{
  RdTestEndpoint *f;
  RdWhipRequest *request;
} Later;

static gboolean
answer_later (gpointer user_data)
{
  Later *later = user_data;

  answer (later->f, later->request);
  return G_SOURCE_REMOVE;
}

static void
on_whip_request (RdSignalServer *server, RdWhipRequest *request, gpointer user_data)
{
  RdTestEndpoint *f = user_data;
  RdTestEndpointSeen *seen = g_new0 (RdTestEndpointSeen, 1);

  seen->action = rd_whip_request_get_action (request);
  seen->is_whep = rd_whip_request_is_whep (request);
  seen->session_id = g_strdup (rd_whip_request_get_session_id (request));
  seen->peer_id = g_strdup (rd_whip_request_get_peer_id (request));
  seen->token_ok = g_strcmp0 (rd_whip_request_get_token (request), RD_EP_TOKEN) == 0;
  seen->if_match = g_strdup (rd_whip_request_get_if_match (request));
  seen->remote_address = g_strdup (rd_whip_request_get_remote_address (request));
  seen->endpoint_url = g_strdup (rd_whip_request_get_endpoint_url (request));
  g_ptr_array_add (f->seen, seen);

  /* As a real handler: the token first (any token but a refused one is accepted here), the
   * body only then; a body signaling refuses was answered 400 and freed. */
  if (f->answer == RD_EP_ANSWER_UNAUTHORIZED)
    {
      answer (f, request);
      return;
    }
  if (!rd_whip_request_accept_token (request))
    return;
  seen->body = g_strdup (rd_whip_request_get_body (request));

  if (f->hold)
    g_ptr_array_add (f->held, request);
  else if (f->reply_later)
    {
      g_autoptr (GSource) idle = g_idle_source_new ();
      Later *later = g_new0 (Later, 1);

      later->f = f;
      later->request = request;
      g_source_set_callback (idle, answer_later, later, g_free);
      g_source_attach (idle, f->context);
    }
  else
    answer (f, request);
}

RdConfig *
rd_test_endpoint_config_new (const char *tmpdir, const char *network_extra)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *state = g_build_filename (tmpdir, "state", NULL);
  g_autofree char *ini = g_strdup_printf (
      "[storage]\nstate-dir=%s\n[network]\nlisten=127.0.0.1:0\n%s", state, network_extra);
  RdConfig *config = rd_config_load_data (ini, "test.conf", &error);

  g_assert_no_error (error);
  return config;
}

static void
server_start (RdTestEndpoint *f)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (rd_signal_server_start (f->server, &error));
  g_assert_no_error (error);
}

void
rd_test_endpoint_setup (RdTestEndpoint *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *cert_path = NULL;

  f->tmpdir = g_dir_make_tmp ("test-signal-whip-XXXXXX", &error);
  g_assert_no_error (error);
  /* A private context: the server and the client run only while a test iterates it. */
  f->context = g_main_context_new ();
  g_main_context_push_thread_default (f->context);

  f->config = rd_test_endpoint_config_new (f->tmpdir, "stun-server=" RD_EP_STUN_SERVER
                                                      "\nturn-server=" RD_EP_TURN_SERVER "\n");
  f->server = rd_signal_server_new (f->config, &error);
  g_assert_no_error (error);
  cert_path = g_build_filename (f->tmpdir, "state", "tls", "certificate.pem", NULL);
  f->cert = g_tls_certificate_new_from_file (cert_path, &error);
  g_assert_no_error (error);

  f->seen = g_ptr_array_new_with_free_func (seen_free);
  f->held = g_ptr_array_new ();
  f->handler_id = g_signal_connect (f->server, "whip-request", G_CALLBACK (on_whip_request), f);
  server_start (f);
}

void
rd_test_endpoint_teardown (RdTestEndpoint *f, gconstpointer data)
{
  /* Requests still held are answered (freed); their clients are gone or never were. */
  for (guint i = 0; i < f->held->len; i++)
    rd_whip_request_reply_error (f->held->pdata[i], SOUP_STATUS_SERVICE_UNAVAILABLE, 0, NULL);
  g_ptr_array_set_size (f->held, 0);
  if (f->server)
    g_clear_signal_handler (&f->handler_id, f->server);
  g_clear_object (&f->server);
  /* Let closed connections and idle callbacks finish before the context goes. */
  while (g_main_context_iteration (f->context, FALSE))
    ;
  g_main_context_pop_thread_default (f->context);
  g_main_context_unref (f->context);
  g_clear_object (&f->cert);
  g_clear_pointer (&f->config, rd_config_unref);
  g_ptr_array_unref (f->seen);
  g_ptr_array_unref (f->held);
  rd_test_signal_rm_rf (f->tmpdir);
  g_free (f->tmpdir);
}

/* ---- Waiting without fixed sleeps ------------------------------------------------------- */

typedef struct
{
  RdTestEndpoint *f;
  RdTestEndpointCondition cond;
  gpointer data;
} Wait;

static gboolean
holds (gpointer a, gconstpointer b)
{
  Wait *w = a;

  return w->cond (w->f, w->data);
}

/* Iterates the context until @cond holds; FALSE after RD_EP_WAIT_TIMEOUT_MS. */
gboolean
rd_test_endpoint_wait_until (RdTestEndpoint *f, RdTestEndpointCondition cond, gpointer data)
{
  Wait w = { f, cond, data };

  return rd_test_signal_wait (f->context, RD_EP_WAIT_TIMEOUT_MS, holds, &w, NULL);
}

gboolean
rd_test_endpoint_seen_at_least (RdTestEndpoint *f, gpointer data)
{
  return f->seen->len >= GPOINTER_TO_UINT (data);
}

gboolean
rd_test_endpoint_fds_at_most (RdTestEndpoint *f, gpointer data)
{
  return rd_test_signal_count_fds () <= GPOINTER_TO_UINT (data);
}

/* ---- A real HTTPS client (rd-test-signal.h) against the fixture's server -------------------- */

RdTestHttpsExchange *
rd_test_endpoint_start_at (RdTestEndpoint *f, const char *base_url, const RdTestHttpsRequest *req)
{
  return rd_test_https_start (base_url, req, f->cert);
}

RdTestHttpsExchange *
rd_test_endpoint_start (RdTestEndpoint *f, const RdTestHttpsRequest *req)
{
  g_assert_nonnull (rd_signal_server_get_url (f->server));
  return rd_test_endpoint_start_at (f, rd_signal_server_get_url (f->server), req);
}

gboolean
rd_test_endpoint_exchange_done (RdTestEndpoint *f, gpointer data)
{
  return ((RdTestHttpsExchange *)data)->done;
}

void
rd_test_endpoint_response_free (RdTestEndpointResponse *response)
{
  g_clear_object (&response->msg);
  g_free (response->body);
  g_free (response);
}

/* Sends @req and waits for the response; NULL after failing the test with what was seen. */
RdTestEndpointResponse *
rd_test_endpoint_fetch (RdTestEndpoint *f, const RdTestHttpsRequest *req)
{
  RdTestHttpsExchange *ex = rd_test_endpoint_start (f, req);
  RdTestEndpointResponse *response = NULL;
  gboolean ok;

  rd_test_endpoint_wait_until (f, rd_test_endpoint_exchange_done, ex);
  ok = ex->done && !ex->error && ex->accept_called && ex->peer_matched;
  if (!ok)
    g_test_fail_printf ("%s %s: no acceptable HTTPS response within %d ms; seen:%s", req->method,
                        req->path, RD_EP_WAIT_TIMEOUT_MS, ex->seen->str);
  else
    {
      gsize len = 0;
      const char *data = ex->body ? g_bytes_get_data (ex->body, &len) : NULL;

      response = g_new0 (RdTestEndpointResponse, 1);
      response->msg = g_object_ref (ex->msg);
      response->body = g_strndup (data ? data : "", len);
      g_test_message ("%s %s -> %u; seen:%s", req->method, req->path,
                      soup_message_get_status (ex->msg), ex->seen->str);
    }
  rd_test_https_finish (ex);
  rd_test_https_free (ex);
  return response;
}

const char *
rd_test_endpoint_header (RdTestEndpointResponse *response, const char *name)
{
  return soup_message_headers_get_one (soup_message_get_response_headers (response->msg), name);
}

const char *
rd_test_endpoint_header_list (RdTestEndpointResponse *response, const char *name)
{
  return soup_message_headers_get_list (soup_message_get_response_headers (response->msg), name);
}

void
rd_test_endpoint_assert_cors (RdTestEndpointResponse *response)
{
  g_assert_cmpstr (rd_test_endpoint_header (response, "Access-Control-Allow-Origin"), ==, "*");
  g_assert_cmpstr (rd_test_endpoint_header (response, "Access-Control-Expose-Headers"), ==,
                   RD_EP_EXPOSE);
}

/* Sends @req, expects @status with the CORS headers; returns the response (NULL on failure). */
RdTestEndpointResponse *
rd_test_endpoint_expect (RdTestEndpoint *f, const RdTestHttpsRequest *req, guint status)
{
  RdTestEndpointResponse *response = rd_test_endpoint_fetch (f, req);

  if (!response)
    return NULL;
  if (soup_message_get_status (response->msg) != status)
    g_test_fail_printf ("%s %s: status %u, expected %u; body: %s", req->method, req->path,
                        soup_message_get_status (response->msg), status, response->body);
  rd_test_endpoint_assert_cors (response);
  return response;
}

/* An error response: @status, CORS, a text/plain body that mentions @mention. */
void
rd_test_endpoint_expect_error (RdTestEndpoint *f, const RdTestHttpsRequest *req, guint status,
                               const char *mention)
{
  g_autoptr (RdTestEndpointResponse) response = rd_test_endpoint_expect (f, req, status);
  const char *type;

  if (!response)
    return;
  type = soup_message_headers_get_content_type (soup_message_get_response_headers (response->msg),
                                                NULL);
  /* WHIP errors say what was wrong; a plain 404 elsewhere has no body. */
  if (mention)
    g_assert_cmpstr (type, ==, "text/plain");
  if (mention && !strstr (response->body, mention))
    g_test_fail_printf ("%s %s -> %u: body '%s' should mention '%s'", req->method, req->path,
                        status, response->body, mention);
  if (status == SOUP_STATUS_UNAUTHORIZED)
    g_assert_cmpstr (rd_test_endpoint_header (response, "WWW-Authenticate"), ==, "Bearer");
}

RdTestEndpointSeen *
rd_test_endpoint_last_seen (RdTestEndpoint *f)
{
  g_assert_cmpuint (f->seen->len, >, 0);
  return f->seen->pdata[f->seen->len - 1];
}

const RdTestHttpsRequest rd_test_endpoint_post_offer = {
  .method = "POST",
  .path = RD_EP_ENDPOINT,
  .auth = RD_EP_AUTH,
  .content_type = RD_EP_SDP_TYPE,
  .body = RD_EP_OFFER,
};

const RdTestHttpsRequest rd_test_endpoint_trickle = {
  .method = "PATCH",
  .path = RD_EP_RESOURCE,
  .auth = RD_EP_AUTH,
  .content_type = RD_EP_SDPFRAG_TYPE,
  .body = RD_EP_CANDIDATES,
  .if_match = "\"etag-1\"",
};

gboolean
rd_test_endpoint_init (int *argc, char ***argv)
{
  guint before;

  g_test_init (argc, argv, NULL);
  g_log_set_writer_func (token_guard_writer, NULL, NULL);

  if (!g_tls_backend_supports_tls (g_tls_backend_get_default ()))
    {
      g_printerr ("no TLS backend (glib-networking) installed\n");
      return FALSE;
    }
  /* The writer sees every message, debug ones included, whether printed or not. */
  before = log_messages_seen;
  g_debug ("token guard self-check");
  g_assert_cmpuint (log_messages_seen, ==, before + 1);
  return TRUE;
}

int
rd_test_endpoint_run (void)
{
  return g_test_run () || log_token_leaks > 0;
}
