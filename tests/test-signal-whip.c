/* test-signal-whip.c: the WHIP endpoint (signaling/rd-signal-whip.h) and the join page of
 * RdSignalServer, driven by a real libsoup client over HTTPS on 127.0.0.1 against a real server
 * whose "whip-request" handler is the test's: it records what it got and replies as each test
 * says (at once, from an idle callback, or never/late). Every status code of WHIP.md's server
 * side has a test. A GLib log writer fails the run if the bearer token ever appears in a log
 * message, whatever its level. */
#include "signaling/rd-signal-join.h"
#include "signaling/rd-signal-ratelimit.h"
#include "signaling/rd-signal-server.h"
#include "signaling/rd-signal-whip-private.h"
#include "signaling/rd-signal-whip.h"

#include <string.h>

#include <glib/gstdio.h>
#include <libsoup/soup.h>

/* How long one HTTP exchange (or any other wait) may take before the test fails. */
#define WAIT_TIMEOUT_MS (10 * 1000)

#define TOKEN          "tok3n.Never-Logged_~+/x42=="
#define AUTH           "Bearer " TOKEN
#define SESSION        "sess-1"
#define ENDPOINT       "/whip/" SESSION
#define RESOURCE       "/whip/" SESSION "/peer-1"
#define WHEP_ENDPOINT  "/whep/" SESSION
#define WHEP_RESOURCE  "/whep/" SESSION "/peer-1"
#define SDP_TYPE       "application/sdp"
#define SDPFRAG_TYPE   "application/trickle-ice-sdpfrag"
#define EXPOSE         "Location, ETag, Link"
#define ENDPOINT_ALLOW "OPTIONS, GET, HEAD, POST"
#define RESOURCE_ALLOW "OPTIONS, GET, PATCH, DELETE"

#define STUN_SERVER "stun://stun.example.org:3478"
#define TURN_SERVER "turn://alice:pa55word@turn.example.org:3479"
#define LINK_STUN   "<stun:stun.example.org:3478>; rel=\"ice-server\""
#define LINK_TURN                                                                                  \
  "<turn:turn.example.org:3479?transport=udp>; rel=\"ice-server\"; username=\"alice\"; "           \
  "credential=\"pa55word\"; credential-type=\"password\""

#define OFFER                                                                                      \
  "v=0\r\n"                                                                                        \
  "o=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n"                                                 \
  "s=-\r\n"                                                                                        \
  "t=0 0\r\n"                                                                                      \
  "a=group:BUNDLE 0 1\r\n"                                                                         \
  "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"                                                            \
  "c=IN IP4 0.0.0.0\r\n"                                                                           \
  "a=mid:0\r\n"                                                                                    \
  "a=sendrecv\r\n"                                                                                 \
  "a=rtpmap:111 opus/48000/2\r\n"                                                                  \
  "m=video 9 UDP/TLS/RTP/SAVPF 96\r\n"                                                             \
  "c=IN IP4 0.0.0.0\r\n"                                                                           \
  "a=mid:1\r\n"                                                                                    \
  "a=sendrecv\r\n"                                                                                 \
  "a=rtpmap:96 VP8/90000\r\n"
#define ANSWER                                                                                     \
  "v=0\r\n"                                                                                        \
  "o=- 1 1 IN IP4 127.0.0.1\r\n"                                                                   \
  "s=-\r\n"                                                                                        \
  "t=0 0\r\n"                                                                                      \
  "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"                                                            \
  "a=mid:0\r\n"                                                                                    \
  "a=sendrecv\r\n"
#define CANDIDATES                                                                                 \
  "a=ice-ufrag:EsAw\r\n"                                                                           \
  "a=ice-pwd:P2uYro0UCOQ4zxjKXaWCBui1\r\n"                                                         \
  "m=audio 9 UDP/TLS/RTP/SAVPF 0\r\n"                                                              \
  "a=mid:0\r\n"                                                                                    \
  "a=candidate:1 1 UDP 2122194687 127.0.0.1 61764 typ host\r\n"
#define RESTART_ANSWER                                                                             \
  "a=ice-ufrag:newU\r\n"                                                                           \
  "a=ice-pwd:newPasswordnewPassword\r\n"                                                           \
  "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"                                                            \
  "a=mid:0\r\n"                                                                                    \
  "a=candidate:1 1 UDP 2122194687 127.0.0.1 50000 typ host\r\n"

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
    return strstr (field->value, TOKEN) != NULL;
  /* A field with a length may hold anything: search it with its NULs turned into spaces. */
  text = g_malloc (field->length + 1);
  for (gssize i = 0; i < field->length; i++)
    text[i] = ((const char *)field->value)[i] ? ((const char *)field->value)[i] : ' ';
  text[field->length] = '\0';
  return strstr (text, TOKEN) != NULL;
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

/* ---- Fixture: a started server with the test's handler ---------------------------------- */

typedef enum
{
  ANSWER_NORMAL,       /* 201 / 204 / 200 sdpfrag / 200, as the action asks */
  ANSWER_UNAUTHORIZED, /* 401: the token is not valid for the session */
  ANSWER_STALE_ETAG,   /* 412: If-Match does not match */
  ANSWER_WRONG_KIND,   /* a 201 to whatever came: a programming error unless it is an offer */
} Answer;

typedef struct
{
  RdWhipAction action;
  gboolean is_whep;
  char *session_id;
  char *peer_id;
  gboolean token_ok;
  char *body;
  char *if_match;
  char *remote_address;
  char *endpoint_url;
} Seen;

typedef struct
{
  char *tmpdir;
  GMainContext *context;
  RdConfig *config;
  RdSignalServer *server;
  GTlsCertificate *cert;
  gulong handler_id;

  Answer answer;
  gboolean reply_later; /* from an idle callback rather than inside the emission */
  gboolean hold;        /* keep the request in held, reply when the test says */
  GPtrArray *seen;      /* Seen */
  GPtrArray *held;      /* RdWhipRequest, not answered yet */
} Fixture;

static void
seen_free (gpointer data)
{
  Seen *seen = data;

  g_free (seen->session_id);
  g_free (seen->peer_id);
  g_free (seen->body);
  g_free (seen->if_match);
  g_free (seen->remote_address);
  g_free (seen->endpoint_url);
  g_free (seen);
}

static void
rm_rf (const char *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir && (name = g_dir_read_name (dir)))
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        rm_rf (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

static void
answer (Fixture *f, RdWhipRequest *request)
{
  switch (f->answer)
    {
    case ANSWER_UNAUTHORIZED:
      rd_whip_request_reply_error (request, SOUP_STATUS_UNAUTHORIZED, 0,
                                   "The token is not valid for this session.");
      return;
    case ANSWER_STALE_ETAG:
      rd_whip_request_reply_error (request, SOUP_STATUS_PRECONDITION_FAILED, 0,
                                   "The ETag does not match the ICE session.");
      return;
    case ANSWER_WRONG_KIND:
      rd_whip_request_reply_created (request, "peer-1", ANSWER, "etag-1");
      return;
    case ANSWER_NORMAL:
      break;
    }
  switch (rd_whip_request_get_action (request))
    {
    case RD_WHIP_ACTION_OFFER:
      rd_whip_request_reply_created (request, "peer-1", ANSWER, "etag-1");
      break;
    case RD_WHIP_ACTION_TRICKLE:
      rd_whip_request_reply_empty (request, SOUP_STATUS_NO_CONTENT);
      break;
    case RD_WHIP_ACTION_RESTART:
      rd_whip_request_reply_sdpfrag (request, RESTART_ANSWER, "etag-2");
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
  Fixture *f;
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
  Fixture *f = user_data;
  Seen *seen = g_new0 (Seen, 1);

  seen->action = rd_whip_request_get_action (request);
  seen->is_whep = rd_whip_request_is_whep (request);
  seen->session_id = g_strdup (rd_whip_request_get_session_id (request));
  seen->peer_id = g_strdup (rd_whip_request_get_peer_id (request));
  seen->token_ok = g_strcmp0 (rd_whip_request_get_token (request), TOKEN) == 0;
  seen->body = g_strdup (rd_whip_request_get_body (request));
  seen->if_match = g_strdup (rd_whip_request_get_if_match (request));
  seen->remote_address = g_strdup (rd_whip_request_get_remote_address (request));
  seen->endpoint_url = g_strdup (rd_whip_request_get_endpoint_url (request));
  g_ptr_array_add (f->seen, seen);

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

static RdConfig *
config_new (const char *tmpdir, const char *network_extra)
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
server_start (Fixture *f)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (rd_signal_server_start (f->server, &error));
  g_assert_no_error (error);
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *cert_path = NULL;

  f->tmpdir = g_dir_make_tmp ("test-signal-whip-XXXXXX", &error);
  g_assert_no_error (error);
  /* A private context: the server and the client run only while a test iterates it. */
  f->context = g_main_context_new ();
  g_main_context_push_thread_default (f->context);

  f->config = config_new (f->tmpdir, "stun-server=" STUN_SERVER "\nturn-server=" TURN_SERVER "\n");
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

static void
fixture_teardown (Fixture *f, gconstpointer data)
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
  rm_rf (f->tmpdir);
  g_free (f->tmpdir);
}

/* ---- Waiting without fixed sleeps ------------------------------------------------------- */

static gboolean
set_flag (gpointer user_data)
{
  *(gboolean *)user_data = TRUE;
  return G_SOURCE_REMOVE;
}

typedef gboolean (*Condition) (Fixture *f, gpointer data);

/* Iterates the context until @cond holds; FALSE after WAIT_TIMEOUT_MS. */
static gboolean
wait_until (Fixture *f, Condition cond, gpointer data)
{
  g_autoptr (GSource) timeout = g_timeout_source_new (WAIT_TIMEOUT_MS);
  gboolean timed_out = FALSE;

  g_source_set_callback (timeout, set_flag, &timed_out, NULL);
  g_source_attach (timeout, f->context);
  while (!cond (f, data) && !timed_out)
    g_main_context_iteration (f->context, TRUE);
  g_source_destroy (timeout);
  return cond (f, data);
}

static gboolean
seen_at_least (Fixture *f, gpointer data)
{
  return f->seen->len >= GPOINTER_TO_UINT (data);
}

static guint
count_open_fds (void)
{
  g_autoptr (GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  guint n = 0;

  g_assert_nonnull (dir);
  while (g_dir_read_name (dir))
    n++;
  return n;
}

static gboolean
fds_at_most (Fixture *f, gpointer data)
{
  return count_open_fds () <= GPOINTER_TO_UINT (data);
}

/* ---- A real HTTPS client ---------------------------------------------------------------- */

typedef struct
{
  const char *method;
  const char *path;
  const char *auth;         /* the whole Authorization value; NULL: none */
  const char *content_type; /* NULL: none */
  const char *body;         /* NULL: no body */
  gssize body_len;          /* 0 or -1: strlen (body) */
  const char *if_match;
  gboolean expect_continue;
  GInputStream *stream; /* instead of body */
  gssize stream_len;    /* -1: chunked */
} Req;

typedef struct
{
  SoupSession *session;
  SoupMessage *msg;
  GCancellable *cancellable;
  GTlsCertificate *expected;
  GString *seen; /* what happened, for failure messages */
  gboolean accept_called;
  gboolean peer_matched;
  gboolean done;
  GBytes *body;
  GError *error;
} Exchange;

static const char *const socket_events[] = {
  "resolving",        "resolved",        "connecting",     "connected", "proxy-negotiating",
  "proxy-negotiated", "tls-handshaking", "tls-handshaked", "complete",
};

static void
on_network_event (SoupMessage *msg, GSocketClientEvent event, GIOStream *connection,
                  gpointer user_data)
{
  Exchange *ex = user_data;

  g_string_append_printf (ex->seen, " %s",
                          (guint)event < G_N_ELEMENTS (socket_events) ? socket_events[event] : "?");
}

static gboolean
on_accept_certificate (SoupMessage *msg, GTlsCertificate *peer, GTlsCertificateFlags errors,
                       gpointer user_data)
{
  Exchange *ex = user_data;

  ex->accept_called = TRUE;
  ex->peer_matched = g_tls_certificate_is_same (peer, ex->expected);
  g_string_append_printf (ex->seen, " accept-certificate(%s)",
                          ex->peer_matched ? "same as on disk" : "DIFFERENT from disk");
  return ex->peer_matched;
}

static void
on_got_informational (SoupMessage *msg, gpointer user_data)
{
  Exchange *ex = user_data;

  g_string_append_printf (ex->seen, " informational(%u)", soup_message_get_status (msg));
}

static void
on_sent (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Exchange *ex = user_data;

  ex->body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &ex->error);
  ex->done = TRUE;
  g_string_append_printf (ex->seen, " done(%s)", ex->error ? ex->error->message : "response");
}

/* Starts @req against @base_url ("https://127.0.0.1:PORT/"). */
static Exchange *
exchange_start_at (Fixture *f, const char *base_url, const Req *req)
{
  Exchange *ex = g_new0 (Exchange, 1);
  g_autofree char *url = g_strconcat (base_url, req->path + 1, NULL);
  SoupMessageHeaders *headers;

  ex->session = soup_session_new ();
  ex->msg = soup_message_new (req->method, url);
  g_assert_nonnull (ex->msg);
  ex->cancellable = g_cancellable_new ();
  ex->expected = f->cert;
  ex->seen = g_string_new ("");

  headers = soup_message_get_request_headers (ex->msg);
  if (req->auth)
    soup_message_headers_replace (headers, "Authorization", req->auth);
  if (req->if_match)
    soup_message_headers_replace (headers, "If-Match", req->if_match);
  if (req->expect_continue)
    soup_message_headers_set_expectations (headers, SOUP_EXPECTATION_CONTINUE);
  if (req->body)
    {
      g_autoptr (GBytes) bytes =
          g_bytes_new (req->body, req->body_len <= 0 ? strlen (req->body) : (gsize)req->body_len);
      soup_message_set_request_body_from_bytes (ex->msg, NULL, bytes);
    }
  else if (req->stream)
    soup_message_set_request_body (ex->msg, NULL, req->stream, req->stream_len);
  if (req->content_type)
    soup_message_headers_replace (headers, "Content-Type", req->content_type);

  g_signal_connect (ex->msg, "network-event", G_CALLBACK (on_network_event), ex);
  g_signal_connect (ex->msg, "accept-certificate", G_CALLBACK (on_accept_certificate), ex);
  g_signal_connect (ex->msg, "got-informational", G_CALLBACK (on_got_informational), ex);
  soup_session_send_and_read_async (ex->session, ex->msg, G_PRIORITY_DEFAULT, ex->cancellable,
                                    on_sent, ex);
  return ex;
}

static Exchange *
exchange_start (Fixture *f, const Req *req)
{
  g_assert_nonnull (rd_signal_server_get_url (f->server));
  return exchange_start_at (f, rd_signal_server_get_url (f->server), req);
}

static gboolean
exchange_done (Fixture *f, gpointer data)
{
  return ((Exchange *)data)->done;
}

/* Cancels @ex if it is still running and waits until it has finished. */
static void
exchange_finish (Fixture *f, Exchange *ex)
{
  if (!ex->done)
    {
      g_cancellable_cancel (ex->cancellable);
      while (!ex->done)
        g_main_context_iteration (f->context, TRUE);
    }
  soup_session_abort (ex->session);
}

static void
exchange_free (Exchange *ex)
{
  g_clear_object (&ex->msg);
  g_clear_object (&ex->session);
  g_clear_object (&ex->cancellable);
  g_clear_pointer (&ex->body, g_bytes_unref);
  g_clear_error (&ex->error);
  g_string_free (ex->seen, TRUE);
  g_free (ex);
}

typedef struct
{
  SoupMessage *msg;
  char *body; /* NUL-terminated */
} Response;

static void
response_free (Response *response)
{
  g_clear_object (&response->msg);
  g_free (response->body);
  g_free (response);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Response, response_free)

/* Sends @req and waits for the response; NULL after failing the test with what was seen. */
static Response *
fetch (Fixture *f, const Req *req)
{
  Exchange *ex = exchange_start (f, req);
  Response *response = NULL;
  gboolean ok;

  wait_until (f, exchange_done, ex);
  ok = ex->done && !ex->error && ex->accept_called && ex->peer_matched;
  if (!ok)
    g_test_fail_printf ("%s %s: no acceptable HTTPS response within %d ms; seen:%s", req->method,
                        req->path, WAIT_TIMEOUT_MS, ex->seen->str);
  else
    {
      gsize len = 0;
      const char *data = ex->body ? g_bytes_get_data (ex->body, &len) : NULL;

      response = g_new0 (Response, 1);
      response->msg = g_object_ref (ex->msg);
      response->body = g_strndup (data ? data : "", len);
      g_test_message ("%s %s -> %u; seen:%s", req->method, req->path,
                      soup_message_get_status (ex->msg), ex->seen->str);
    }
  exchange_finish (f, ex);
  exchange_free (ex);
  return response;
}

static const char *
header (Response *response, const char *name)
{
  return soup_message_headers_get_one (soup_message_get_response_headers (response->msg), name);
}

static const char *
header_list (Response *response, const char *name)
{
  return soup_message_headers_get_list (soup_message_get_response_headers (response->msg), name);
}

static void
assert_cors (Response *response)
{
  g_assert_cmpstr (header (response, "Access-Control-Allow-Origin"), ==, "*");
  g_assert_cmpstr (header (response, "Access-Control-Expose-Headers"), ==, EXPOSE);
}

/* Sends @req, expects @status with the CORS headers; returns the response (NULL on failure). */
static Response *
expect (Fixture *f, const Req *req, guint status)
{
  Response *response = fetch (f, req);

  if (!response)
    return NULL;
  if (soup_message_get_status (response->msg) != status)
    g_test_fail_printf ("%s %s: status %u, expected %u; body: %s", req->method, req->path,
                        soup_message_get_status (response->msg), status, response->body);
  assert_cors (response);
  return response;
}

/* An error response: @status, CORS, a text/plain body that mentions @mention. */
static void
expect_error (Fixture *f, const Req *req, guint status, const char *mention)
{
  g_autoptr (Response) response = expect (f, req, status);
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
    g_assert_cmpstr (header (response, "WWW-Authenticate"), ==, "Bearer");
}

static Seen *
last_seen (Fixture *f)
{
  g_assert_cmpuint (f->seen->len, >, 0);
  return f->seen->pdata[f->seen->len - 1];
}

static const Req post_offer = {
  .method = "POST",
  .path = ENDPOINT,
  .auth = AUTH,
  .content_type = SDP_TYPE,
  .body = OFFER,
};

/* ---- 201, 204, 200 ---------------------------------------------------------------------- */

static void
check_created (Fixture *f, Response *response)
{
  g_autofree char *expected_url = NULL;
  Seen *seen;

  if (soup_message_get_status (response->msg) != SOUP_STATUS_CREATED)
    g_error ("expected 201, got %u: %s", soup_message_get_status (response->msg), response->body);
  assert_cors (response);
  g_assert_cmpstr (header (response, "Content-Type"), ==, SDP_TYPE);
  g_assert_cmpstr (header (response, "Location"), ==, RESOURCE);
  g_assert_cmpstr (header (response, "ETag"), ==, "\"etag-1\"");
  g_assert_cmpstr (header_list (response, "Link"), ==, LINK_STUN ", " LINK_TURN);
  g_assert_cmpstr (response->body, ==, ANSWER);

  seen = last_seen (f);
  g_assert_cmpint (seen->action, ==, RD_WHIP_ACTION_OFFER);
  g_assert_false (seen->is_whep);
  g_assert_cmpstr (seen->session_id, ==, SESSION);
  g_assert_null (seen->peer_id);
  g_assert_true (seen->token_ok);
  g_assert_cmpstr (seen->body, ==, OFFER);
  g_assert_null (seen->if_match);
  g_assert_cmpstr (seen->remote_address, ==, "127.0.0.1");
  expected_url =
      g_strdup_printf ("https://127.0.0.1:%u" ENDPOINT, rd_signal_server_get_port (f->server));
  g_assert_cmpstr (seen->endpoint_url, ==, expected_url);
}

/* 201 with every header WHIP.md asks for, whether the handler replies inside the emission, from
 * an idle callback (the message is paused meanwhile), or to a client that sent
 * "Expect: 100-continue" (libsoup 3.2 clears the response headers after the 100). */
static void
test_created (Fixture *f, gconstpointer data)
{
  Req with_params = post_offer;
  Req with_continue = post_offer;
  g_autoptr (Response) now = NULL;
  g_autoptr (Response) later = NULL;
  g_autoptr (Response) params = NULL;
  g_autoptr (Response) continued = NULL;

  now = fetch (f, &post_offer);
  g_assert_nonnull (now);
  check_created (f, now);

  f->reply_later = TRUE;
  later = fetch (f, &post_offer);
  g_assert_nonnull (later);
  check_created (f, later);

  /* Content-Type parameters are allowed. */
  with_params.content_type = "application/SDP; charset=utf-8";
  params = fetch (f, &with_params);
  g_assert_nonnull (params);
  check_created (f, params);

  with_continue.expect_continue = TRUE;
  continued = fetch (f, &with_continue);
  g_assert_nonnull (continued);
  check_created (f, continued);
  g_assert_cmpuint (f->seen->len, ==, 4);
}

static void
test_trickle (Fixture *f, gconstpointer data)
{
  Req req = { .method = "PATCH",
              .path = RESOURCE,
              .auth = AUTH,
              .content_type = SDPFRAG_TYPE,
              .body = CANDIDATES,
              .if_match = "\"etag-1\"" };
  g_autoptr (Response) response = NULL;
  g_autoptr (Response) unquoted = NULL;
  Seen *seen;

  f->reply_later = TRUE;
  response = expect (f, &req, SOUP_STATUS_NO_CONTENT);
  g_assert_nonnull (response);
  g_assert_cmpstr (response->body, ==, "");
  seen = last_seen (f);
  g_assert_cmpint (seen->action, ==, RD_WHIP_ACTION_TRICKLE);
  g_assert_cmpstr (seen->session_id, ==, SESSION);
  g_assert_cmpstr (seen->peer_id, ==, "peer-1");
  g_assert_true (seen->token_ok);
  g_assert_cmpstr (seen->if_match, ==, "etag-1");
  g_assert_cmpstr (seen->body, ==, CANDIDATES);

  /* An unquoted ETag (as MediaMTX sends) is passed on as it is. */
  req.if_match = "etag-1";
  unquoted = expect (f, &req, SOUP_STATUS_NO_CONTENT);
  g_assert_nonnull (unquoted);
  g_assert_cmpstr (last_seen (f)->if_match, ==, "etag-1");
  g_assert_cmpint (last_seen (f)->action, ==, RD_WHIP_ACTION_TRICKLE);
}

static void
test_restart (Fixture *f, gconstpointer data)
{
  Req req = { .method = "PATCH",
              .path = RESOURCE,
              .auth = AUTH,
              .content_type = SDPFRAG_TYPE,
              .body = CANDIDATES,
              .if_match = "*" };
  g_autoptr (Response) response = NULL;
  g_autoptr (Response) quoted = NULL;
  Seen *seen;

  response = expect (f, &req, SOUP_STATUS_OK);
  g_assert_nonnull (response);
  g_assert_cmpstr (header (response, "Content-Type"), ==, SDPFRAG_TYPE);
  g_assert_cmpstr (header (response, "ETag"), ==, "\"etag-2\"");
  g_assert_cmpstr (response->body, ==, RESTART_ANSWER);
  seen = last_seen (f);
  g_assert_cmpint (seen->action, ==, RD_WHIP_ACTION_RESTART);
  g_assert_cmpstr (seen->if_match, ==, "*");
  g_assert_cmpstr (seen->peer_id, ==, "peer-1");
  g_assert_cmpstr (seen->body, ==, CANDIDATES);

  /* If-Match: "*" (quoted, as WHIP.md writes it) is a restart too. */
  req.if_match = "\"*\"";
  f->reply_later = TRUE;
  quoted = expect (f, &req, SOUP_STATUS_OK);
  g_assert_nonnull (quoted);
  g_assert_cmpint (last_seen (f)->action, ==, RD_WHIP_ACTION_RESTART);
  g_assert_cmpstr (header (quoted, "ETag"), ==, "\"etag-2\"");
}

static void
test_delete (Fixture *f, gconstpointer data)
{
  Req req = { .method = "DELETE", .path = RESOURCE, .auth = AUTH };
  g_autoptr (Response) response = expect (f, &req, SOUP_STATUS_OK);
  Seen *seen;

  g_assert_nonnull (response);
  seen = last_seen (f);
  g_assert_cmpint (seen->action, ==, RD_WHIP_ACTION_DELETE);
  g_assert_cmpstr (seen->session_id, ==, SESSION);
  g_assert_cmpstr (seen->peer_id, ==, "peer-1");
  g_assert_cmpstr (seen->body, ==, "");
  g_assert_null (seen->if_match);
  g_assert_true (seen->token_ok);
}

/* GET of a resource (beyond WHIP: the join page's REC mark): the handler's JSON, with a token. */
static void
test_get_state (Fixture *f, gconstpointer data)
{
  Req req = { .method = "GET", .path = RESOURCE, .auth = AUTH };
  Req anonymous = { .method = "GET", .path = RESOURCE };
  g_autoptr (Response) response = expect (f, &req, SOUP_STATUS_OK);
  g_autoptr (Response) refused = expect (f, &anonymous, SOUP_STATUS_UNAUTHORIZED);
  Seen *seen;

  g_assert_cmpstr (header (response, "Content-Type"), ==, "application/json");
  g_assert_cmpstr (header (response, "Cache-Control"), ==, "no-store");
  g_assert_cmpstr (response->body, ==, "{\"recording\":\"recording\",\"elapsed_s\":7}");
  seen = last_seen (f);
  g_assert_cmpint (seen->action, ==, RD_WHIP_ACTION_STATE);
  g_assert_cmpstr (seen->peer_id, ==, "peer-1");
  g_assert_true (seen->token_ok);
  g_assert_nonnull (refused);
}

/* ---- WHEP: the same rules under /whep ---------------------------------------------------- */

/* A player's offer, its trickle, restart, state and DELETE come up as WHEP requests; the 201's
 * Location and the endpoint URL are under /whep. */
static void
test_whep_route (Fixture *f, gconstpointer data)
{
  Req post = post_offer;
  Req patch = { .method = "PATCH",
                .path = WHEP_RESOURCE,
                .auth = AUTH,
                .content_type = SDPFRAG_TYPE,
                .body = CANDIDATES,
                .if_match = "\"etag-1\"" };
  Req restart = patch;
  Req del = { .method = "DELETE", .path = WHEP_RESOURCE, .auth = AUTH };
  Req get = { .method = "GET", .path = WHEP_RESOURCE, .auth = AUTH };
  g_autoptr (Response) created = NULL;
  g_autoptr (Response) trickled = NULL;
  g_autoptr (Response) restarted = NULL;
  g_autoptr (Response) deleted = NULL;
  g_autoptr (Response) state = NULL;
  g_autofree char *expected_url = NULL;
  static const RdWhipAction actions[] = { RD_WHIP_ACTION_OFFER, RD_WHIP_ACTION_TRICKLE,
                                          RD_WHIP_ACTION_RESTART, RD_WHIP_ACTION_DELETE,
                                          RD_WHIP_ACTION_STATE };
  Seen *seen;

  post.path = WHEP_ENDPOINT;
  created = expect (f, &post, SOUP_STATUS_CREATED);
  g_assert_nonnull (created);
  g_assert_cmpstr (header (created, "Location"), ==, WHEP_RESOURCE);
  g_assert_cmpstr (header (created, "ETag"), ==, "\"etag-1\"");
  g_assert_cmpstr (header (created, "Content-Type"), ==, SDP_TYPE);
  g_assert_cmpstr (header_list (created, "Link"), ==, LINK_STUN ", " LINK_TURN);
  g_assert_cmpstr (created->body, ==, ANSWER);
  seen = last_seen (f);
  g_assert_null (seen->peer_id);
  g_assert_cmpstr (seen->body, ==, OFFER);
  expected_url =
      g_strdup_printf ("https://127.0.0.1:%u" WHEP_ENDPOINT, rd_signal_server_get_port (f->server));
  g_assert_cmpstr (seen->endpoint_url, ==, expected_url);

  trickled = expect (f, &patch, SOUP_STATUS_NO_CONTENT);
  restart.if_match = "*";
  restarted = expect (f, &restart, SOUP_STATUS_OK);
  g_assert_nonnull (restarted);
  g_assert_cmpstr (restarted->body, ==, RESTART_ANSWER);
  deleted = expect (f, &del, SOUP_STATUS_OK);
  state = expect (f, &get, SOUP_STATUS_OK);
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
      g_assert_cmpstr (seen->session_id, ==, SESSION);
      g_assert_cmpstr (seen->endpoint_url, ==, expected_url);
      if (i > 0)
        g_assert_cmpstr (seen->peer_id, ==, "peer-1");
    }
}

/* The HTTP rules of /whip hold under /whep, with WHEP in the messages. */
static void
test_whep_rules (Fixture *f, gconstpointer data)
{
  Req get = { .method = "GET", .path = WHEP_ENDPOINT };
  Req head = { .method = "HEAD", .path = WHEP_ENDPOINT };
  Req options = { .method = "OPTIONS", .path = WHEP_ENDPOINT };
  Req no_auth = {
    .method = "POST", .path = WHEP_ENDPOINT, .content_type = SDP_TYPE, .body = OFFER
  };
  Req bad_type = post_offer;
  Req bad_sdp = post_offer;
  Req not_found = post_offer;
  Req put = { .method = "PUT", .path = WHEP_ENDPOINT, .auth = AUTH };
  Req no_if_match = { .method = "PATCH",
                      .path = WHEP_RESOURCE,
                      .auth = AUTH,
                      .content_type = SDPFRAG_TYPE,
                      .body = CANDIDATES };
  g_autoptr (Response) g = expect (f, &get, SOUP_STATUS_NO_CONTENT);
  g_autoptr (Response) h = expect (f, &head, SOUP_STATUS_NO_CONTENT);
  g_autoptr (Response) o = expect (f, &options, SOUP_STATUS_OK);
  g_autoptr (Response) whip_head = NULL;
  Req whip_head_req = { .method = "HEAD", .path = ENDPOINT };

  g_assert_nonnull (g);
  g_assert_nonnull (h);
  g_assert_nonnull (o);
  /* WHEP servers say what their endpoint takes; WHIP's does not. */
  g_assert_cmpstr (header (g, "Content-Type"), ==, SDP_TYPE);
  g_assert_cmpstr (header (h, "Content-Type"), ==, SDP_TYPE);
  g_assert_cmpstr (g->body, ==, "");
  g_assert_cmpstr (h->body, ==, "");
  whip_head = expect (f, &whip_head_req, SOUP_STATUS_NO_CONTENT);
  g_assert_nonnull (whip_head);
  g_assert_null (header (whip_head, "Content-Type"));
  g_assert_cmpstr (header (o, "Accept-Post"), ==, SDP_TYPE);
  g_assert_cmpstr (header (o, "Allow"), ==, ENDPOINT_ALLOW);
  g_assert_cmpstr (header_list (o, "Link"), ==, LINK_STUN);

  expect_error (f, &no_auth, SOUP_STATUS_UNAUTHORIZED, "Bearer");
  bad_type.path = WHEP_ENDPOINT;
  bad_type.content_type = "text/plain";
  expect_error (f, &bad_type, SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE, SDP_TYPE);
  bad_sdp.path = WHEP_ENDPOINT;
  bad_sdp.body = "hello";
  expect_error (f, &bad_sdp, SOUP_STATUS_BAD_REQUEST, "not SDP");
  not_found.path = "/whep/bad!id";
  expect_error (f, &not_found, SOUP_STATUS_NOT_FOUND, "No such WHEP");
  expect_error (f, &put, SOUP_STATUS_METHOD_NOT_ALLOWED, "A WHEP endpoint takes POST.");
  expect_error (f, &no_if_match, 428, "If-Match");
  g_assert_cmpuint (f->seen->len, ==, 0);
}

/* ---- 4xx decided by signaling ----------------------------------------------------------- */

static void
test_bad_sdp (Fixture *f, gconstpointer data)
{
  Req req = post_offer;

  req.body = "hello, this is not SDP";
  expect_error (f, &req, SOUP_STATUS_BAD_REQUEST, "v=0");
  req.body = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n";
  expect_error (f, &req, SOUP_STATUS_BAD_REQUEST, "no m= line");
  req.body = "v=1\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\n";
  expect_error (f, &req, SOUP_STATUS_BAD_REQUEST, "v=0");
  req.body = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio\r\n";
  expect_error (f, &req, SOUP_STATUS_BAD_REQUEST, "m= line");
  req.body = "v=0\r\ns=\xff\xfe\r\nm=audio 9 RTP/AVP 0\r\n";
  expect_error (f, &req, SOUP_STATUS_BAD_REQUEST, "UTF-8");
  req.body = "v=0\r\n\0m=audio 9 RTP/AVP 0\r\n";
  req.body_len = 25;
  expect_error (f, &req, SOUP_STATUS_BAD_REQUEST, "UTF-8");
  req.body = "";
  req.body_len = -1;
  expect_error (f, &req, SOUP_STATUS_BAD_REQUEST, "empty");
  g_assert_cmpuint (f->seen->len, ==, 0);
}

static void
test_unauthorized (Fixture *f, gconstpointer data)
{
  const char *const bad[] = { NULL,          "Basic YWxpY2U6cGFzcw==", "Bearer",
                              "Bearer ",     "Bearer two tokens",      "Bearer tok\"en",
                              "Token " TOKEN };
  Req post = post_offer;
  Req patch = { .method = "PATCH",
                .path = RESOURCE,
                .content_type = SDPFRAG_TYPE,
                .body = CANDIDATES,
                .if_match = "\"etag-1\"" };
  Req del = { .method = "DELETE", .path = RESOURCE };

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      post.auth = bad[i];
      expect_error (f, &post, SOUP_STATUS_UNAUTHORIZED, "Authorization");
    }
  expect_error (f, &patch, SOUP_STATUS_UNAUTHORIZED, "Authorization");
  expect_error (f, &del, SOUP_STATUS_UNAUTHORIZED, "Authorization");
  /* Authentication comes first: also before the content type and the size. */
  post.auth = NULL;
  post.content_type = "text/plain";
  expect_error (f, &post, SOUP_STATUS_UNAUTHORIZED, "Authorization");
  g_assert_cmpuint (f->seen->len, ==, 0);

  /* A well-formed token that the handler refuses. */
  f->answer = ANSWER_UNAUTHORIZED;
  expect_error (f, &post_offer, SOUP_STATUS_UNAUTHORIZED, "not valid for this session");
  g_assert_cmpuint (f->seen->len, ==, 1);
  g_assert_true (last_seen (f)->token_ok);
}

static void
test_not_found (Fixture *f, gconstpointer data)
{
  g_autofree char *long_id = g_strnfill (RD_WHIP_MAX_ID + 1, 'a');
  g_autofree char *max_id = g_strnfill (RD_WHIP_MAX_ID, 'a');
  g_autofree char *too_long = g_strconcat ("/whip/", long_id, NULL);
  g_autofree char *too_long_peer = g_strconcat (ENDPOINT "/", long_id, NULL);
  g_autofree char *longest = g_strconcat ("/whip/", max_id, NULL);
  const char *const paths[] = {
    "/whip",       "/whip/",     "/whip/bad!id", "/whip/a.b",      "/whip/a%2Fb",
    "/whip/a%20b", ENDPOINT "/", RESOURCE "/",   RESOURCE "/more", "/whipx/" SESSION,
    "/whip//peer", "/nothing",   too_long,       too_long_peer,
  };
  Req get = { .method = "GET" };
  Req longest_get = { .method = "GET", .path = longest };
  Req post = post_offer;
  Req options = { .method = "OPTIONS", .path = "/whip/bad!id" };
  g_autoptr (Response) ok = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      get.path = paths[i];
      expect_error (f, &get, SOUP_STATUS_NOT_FOUND, NULL);
    }
  post.path = "/whip/bad!id";
  expect_error (f, &post, SOUP_STATUS_NOT_FOUND, "No such WHIP");
  post.path = too_long_peer;
  post.method = "DELETE";
  expect_error (f, &post, SOUP_STATUS_NOT_FOUND, "No such WHIP");
  expect_error (f, &options, SOUP_STATUS_NOT_FOUND, NULL);
  /* The longest id is still an id. */
  ok = expect (f, &longest_get, SOUP_STATUS_NO_CONTENT);
  g_assert_nonnull (ok);
  g_assert_cmpuint (f->seen->len, ==, 0);
}

static void
test_method_not_allowed (Fixture *f, gconstpointer data)
{
  const struct
  {
    const char *method, *path, *allow;
  } cases[] = {
    { "PUT", ENDPOINT, ENDPOINT_ALLOW },    { "PATCH", ENDPOINT, ENDPOINT_ALLOW },
    { "DELETE", ENDPOINT, ENDPOINT_ALLOW }, { "HEAD", RESOURCE, RESOURCE_ALLOW },
    { "POST", RESOURCE, RESOURCE_ALLOW },   { "PUT", RESOURCE, RESOURCE_ALLOW },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      Req req = { .method = cases[i].method, .path = cases[i].path, .auth = AUTH };
      g_autoptr (Response) response = expect (f, &req, SOUP_STATUS_METHOD_NOT_ALLOWED);

      g_assert_nonnull (response);
      g_assert_cmpstr (header (response, "Allow"), ==, cases[i].allow);
    }
  g_assert_cmpuint (f->seen->len, ==, 0);
}

static void
test_precondition_failed (Fixture *f, gconstpointer data)
{
  Req req = { .method = "PATCH",
              .path = RESOURCE,
              .auth = AUTH,
              .content_type = SDPFRAG_TYPE,
              .body = CANDIDATES,
              .if_match = "\"stale\"" };

  f->answer = ANSWER_STALE_ETAG;
  f->reply_later = TRUE;
  expect_error (f, &req, SOUP_STATUS_PRECONDITION_FAILED, "ETag");
  g_assert_cmpuint (f->seen->len, ==, 1);
  g_assert_cmpstr (last_seen (f)->if_match, ==, "stale");
}

static void
test_too_large (Fixture *f, gconstpointer data)
{
  const gsize big = 10 * 1024 * 1024;
  gsize over = 70 * 1024;
  g_autofree char *body = g_malloc (over);
  g_autofree char *huge = g_malloc0 (big);
  g_autoptr (GBytes) huge_bytes = NULL;
  g_autoptr (GInputStream) held_back = NULL;
  g_autoptr (GInputStream) drained = NULL;
  g_autoptr (GInputStream) chunked = NULL;
  Req req = post_offer;
  Req patch = { .method = "PATCH",
                .path = RESOURCE,
                .auth = AUTH,
                .content_type = SDPFRAG_TYPE,
                .if_match = "\"etag-1\"" };

  /* A 70 KiB offer that is SDP all along. */
  memset (body, 'a', over);
  memcpy (body, OFFER, strlen (OFFER));
  for (gsize i = strlen (OFFER); i + 8 < over; i += 64)
    memcpy (body + i, "\r\na=x:", 6);
  req.body = body;
  req.body_len = over;
  expect_error (f, &req, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "64 KiB");
  patch.body = body;
  patch.body_len = over;
  expect_error (f, &patch, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "64 KiB");

  /* The same without a length (chunked): cut off as it arrives. */
  chunked = g_memory_input_stream_new_from_data (body, over, NULL);
  req.body = NULL;
  req.stream = chunked;
  req.stream_len = -1;
  expect_error (f, &req, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "64 KiB");

  /* 10 MB announced with "Expect: 100-continue": refused on the headers, the body never sent. */
  huge_bytes = g_bytes_new_static (huge, big);
  held_back = g_memory_input_stream_new_from_bytes (huge_bytes);
  req.stream = held_back;
  req.stream_len = big;
  req.expect_continue = TRUE;
  expect_error (f, &req, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "64 KiB");
  g_assert_cmpint (g_seekable_tell (G_SEEKABLE (held_back)), ==, 0);

  /* 10 MB sent at once: refused on the headers, read and dropped. */
  drained = g_memory_input_stream_new_from_bytes (huge_bytes);
  req.stream = drained;
  req.expect_continue = FALSE;
  expect_error (f, &req, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "64 KiB");

  g_assert_cmpuint (f->seen->len, ==, 0);
}

static void
test_unsupported_type (Fixture *f, gconstpointer data)
{
  Req req = post_offer;
  Req patch = { .method = "PATCH",
                .path = RESOURCE,
                .auth = AUTH,
                .content_type = SDP_TYPE,
                .body = CANDIDATES,
                .if_match = "\"etag-1\"" };
  g_autofree char *big = g_strnfill (70 * 1024, 'x');

  req.content_type = "text/plain";
  expect_error (f, &req, SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE, SDP_TYPE);
  req.content_type = NULL;
  expect_error (f, &req, SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE, SDP_TYPE);
  req.content_type = "application/sdpx";
  expect_error (f, &req, SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE, SDP_TYPE);
  /* The content type is checked before the size. */
  req.content_type = "text/plain";
  req.body = big;
  expect_error (f, &req, SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE, SDP_TYPE);
  expect_error (f, &patch, SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE, SDPFRAG_TYPE);
  /* ... and before If-Match. */
  patch.if_match = NULL;
  expect_error (f, &patch, SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE, SDPFRAG_TYPE);
  g_assert_cmpuint (f->seen->len, ==, 0);
}

static void
test_precondition_required (Fixture *f, gconstpointer data)
{
  Req req = { .method = "PATCH",
              .path = RESOURCE,
              .auth = AUTH,
              .content_type = SDPFRAG_TYPE,
              .body = CANDIDATES };
  g_autoptr (Response) response = expect (f, &req, 428);

  g_assert_nonnull (response);
  g_assert_true (strstr (response->body, "If-Match") != NULL);
  g_assert_cmpstr (soup_message_get_reason_phrase (response->msg), ==, "Precondition Required");
  g_assert_cmpuint (f->seen->len, ==, 0);
}

/* POST/PATCH/DELETE from one address are limited (burst, then a steady rate), counted before
 * any other check; GET and OPTIONS are not. */
static void
test_rate_limit (Fixture *f, gconstpointer data)
{
  Req unauthorized = post_offer;
  Req patch = { .method = "PATCH",
                .path = RESOURCE,
                .auth = AUTH,
                .content_type = SDPFRAG_TYPE,
                .body = CANDIDATES,
                .if_match = "\"etag-1\"" };
  Req del = { .method = "DELETE", .path = RESOURCE, .auth = AUTH };
  Req bad_path = post_offer;
  Req get = { .method = "GET", .path = ENDPOINT };
  Req options = { .method = "OPTIONS", .path = ENDPOINT };
  g_autoptr (Response) limited = NULL;
  g_autoptr (Response) got = NULL;
  g_autoptr (Response) preflight = NULL;
  gint64 start = g_get_monotonic_time ();
  double elapsed_s;
  guint passed = 0;

  /* Almost no refill: what follows is about which requests are counted, not about how fast
   * the server is (under AddressSanitizer each TLS request takes long enough to earn a token
   * back at the real rate). The refill itself is tested in /whip/unit/rate-limit. */
  g_object_set (f->server, "whip-rate-per-second", 0.01, NULL);
  unauthorized.auth = NULL;
  /* Refused requests (401 here) count too. */
  for (;;)
    {
      g_autoptr (Response) response = fetch (f, &unauthorized);

      g_assert_nonnull (response);
      if (soup_message_get_status (response->msg) == 429)
        {
          limited = g_steal_pointer (&response);
          break;
        }
      g_assert_cmpuint (soup_message_get_status (response->msg), ==, SOUP_STATUS_UNAUTHORIZED);
      passed++;
      if (passed > 200)
        {
          g_test_fail_printf ("no 429 after %u POSTs", passed);
          return;
        }
    }
  elapsed_s = (double)(g_get_monotonic_time () - start) / G_USEC_PER_SEC;
  g_test_message ("%u requests passed in %.2f s before the first 429", passed, elapsed_s);
  g_assert_cmpuint (passed, >=, RD_WHIP_RATE_BURST);
  g_assert_cmpfloat (passed, <=, RD_WHIP_RATE_BURST + 0.01 * elapsed_s + 1);
  assert_cors (limited);
  /* Retry-After: when the next token is back: at most 1/rate = 100 s. */
  g_assert_nonnull (header (limited, "Retry-After"));
  g_assert_cmpuint (g_ascii_strtoull (header (limited, "Retry-After"), NULL, 10), >=, 1);
  g_assert_cmpuint (g_ascii_strtoull (header (limited, "Retry-After"), NULL, 10), <=, 100);
  g_assert_cmpstr (soup_message_get_reason_phrase (limited->msg), ==, "Too Many Requests");
  g_assert_true (strstr (limited->body, "Too many requests") != NULL);

  /* The same address is limited for PATCH, DELETE and even for a path that does not exist. */
  expect_error (f, &post_offer, 429, "Too many requests");
  expect_error (f, &patch, 429, "Too many requests");
  expect_error (f, &del, 429, "Too many requests");
  bad_path.path = "/whip/bad!id";
  expect_error (f, &bad_path, 429, "Too many requests");
  /* Reading is not limited. */
  got = expect (f, &get, SOUP_STATUS_NO_CONTENT);
  preflight = expect (f, &options, SOUP_STATUS_OK);
  g_assert_nonnull (got);
  g_assert_nonnull (preflight);
  g_assert_cmpuint (f->seen->len, ==, 0);
}

static void
test_no_handler (Fixture *f, gconstpointer data)
{
  g_autoptr (Response) response = NULL;

  g_clear_signal_handler (&f->handler_id, f->server);
  response = expect (f, &post_offer, SOUP_STATUS_SERVICE_UNAVAILABLE);
  g_assert_nonnull (response);
  g_assert_cmpstr (header (response, "Retry-After"), ==, "5");
  g_assert_cmpuint (f->seen->len, ==, 0);
}

/* A reply that does not fit the request is reported as a failed precondition; the client still
 * gets an answer (500) instead of waiting for the timeout. */
static void
test_wrong_reply (Fixture *f, gconstpointer data)
{
  Req del = { .method = "DELETE", .path = RESOURCE, .auth = AUTH };

  f->answer = ANSWER_WRONG_KIND;
  g_test_expect_message (NULL, G_LOG_LEVEL_CRITICAL,
                         "*rd_whip_request_reply_created*request->action == RD_WHIP_ACTION_OFFER*");
  expect_error (f, &del, SOUP_STATUS_INTERNAL_SERVER_ERROR, "Internal Server Error");
  g_test_assert_expected_messages ();
  g_assert_cmpuint (f->seen->len, ==, 1);
}

/* ---- Late replies ----------------------------------------------------------------------- */

/* The handler never replies in time: 504; its late reply changes nothing and frees the request. */
static void
test_gateway_timeout (Fixture *f, gconstpointer data)
{
  Req patch = { .method = "PATCH",
                .path = RESOURCE,
                .auth = AUTH,
                .content_type = SDPFRAG_TYPE,
                .body = CANDIDATES,
                .if_match = "\"etag-1\"" };
  Req get = { .method = "GET", .path = ENDPOINT };
  g_autoptr (Response) after = NULL;
  guint timeout_ms = 0;

  g_object_get (f->server, "whip-reply-timeout-ms", &timeout_ms, NULL);
  g_assert_cmpuint (timeout_ms, ==, 30000);
  g_object_set (f->server, "whip-reply-timeout-ms", 200, NULL);
  f->hold = TRUE;
  expect_error (f, &post_offer, SOUP_STATUS_GATEWAY_TIMEOUT, "in time");
  expect_error (f, &patch, SOUP_STATUS_GATEWAY_TIMEOUT, "in time");
  g_assert_cmpuint (f->held->len, ==, 2);

  rd_whip_request_reply_created (f->held->pdata[0], "peer-1", ANSWER, "etag-1");
  rd_whip_request_reply_empty (f->held->pdata[1], SOUP_STATUS_NO_CONTENT);
  g_ptr_array_set_size (f->held, 0);
  after = expect (f, &get, SOUP_STATUS_NO_CONTENT);
  g_assert_nonnull (after);
}

/* The client leaves while its request waits for the handler; the reply comes later. Nothing
 * breaks, and the server's end of the connection is closed once it tries to answer. */
static void
test_client_gone (Fixture *f, gconstpointer data)
{
  g_autoptr (Response) after = NULL;
  Exchange *ex;
  guint baseline;

  /* One exchange first, so whatever the TLS backend opens once is open. */
  after = expect (f, &(Req){ .method = "GET", .path = ENDPOINT }, SOUP_STATUS_NO_CONTENT);
  g_clear_pointer (&after, response_free);
  baseline = count_open_fds ();

  f->hold = TRUE;
  ex = exchange_start (f, &post_offer);
  if (!wait_until (f, seen_at_least, GUINT_TO_POINTER (1)))
    g_test_fail_printf ("the handler never saw the POST; client seen:%s", ex->seen->str);
  exchange_finish (f, ex); /* cancels: the client closes its connection */
  g_test_message ("client gone:%s; %u descriptors open (%u before)", ex->seen->str,
                  count_open_fds (), baseline);
  exchange_free (ex);
  g_assert_cmpuint (f->held->len, ==, 1);

  rd_whip_request_reply_created (f->held->pdata[0], "peer-1", ANSWER, "etag-1");
  g_ptr_array_set_size (f->held, 0);
  if (!wait_until (f, fds_at_most, GUINT_TO_POINTER (baseline)))
    g_test_fail_printf ("%u descriptors open after the late reply, %u before the request",
                        count_open_fds (), baseline);

  f->hold = FALSE;
  after = fetch (f, &post_offer);
  g_assert_nonnull (after);
  check_created (f, after);
}

/* The server stops (and goes) while a request waits; the reply comes afterwards. */
static void
test_server_gone (Fixture *f, gconstpointer data)
{
  Exchange *ex;

  f->hold = TRUE;
  ex = exchange_start (f, &post_offer);
  if (!wait_until (f, seen_at_least, GUINT_TO_POINTER (1)))
    g_test_fail_printf ("the handler never saw the POST; client seen:%s", ex->seen->str);
  rd_signal_server_stop (f->server);
  if (!wait_until (f, exchange_done, ex))
    g_test_fail_printf ("the client was not let go when the server stopped; seen:%s",
                        ex->seen->str);
  g_assert_nonnull (ex->error);
  exchange_finish (f, ex);
  exchange_free (ex);

  /* The server itself goes before the handler replies: the request does not need it. */
  g_clear_signal_handler (&f->handler_id, f->server);
  g_clear_object (&f->server);
  g_assert_cmpuint (f->held->len, ==, 1);
  rd_whip_request_reply_created (f->held->pdata[0], "peer-1", ANSWER, "etag-1");
  g_ptr_array_set_size (f->held, 0);
}

/* ---- OPTIONS, GET, HEAD, the join page -------------------------------------------------- */

static void
test_options (Fixture *f, gconstpointer data)
{
  Req endpoint = { .method = "OPTIONS", .path = ENDPOINT };
  Req resource = { .method = "OPTIONS", .path = RESOURCE };
  g_autoptr (Response) e = expect (f, &endpoint, SOUP_STATUS_OK);
  g_autoptr (Response) r = expect (f, &resource, SOUP_STATUS_OK);

  g_assert_nonnull (e);
  g_assert_cmpstr (header (e, "Accept-Post"), ==, SDP_TYPE);
  g_assert_cmpstr (header (e, "Allow"), ==, ENDPOINT_ALLOW);
  g_assert_cmpstr (header (e, "Access-Control-Allow-Methods"), ==, ENDPOINT_ALLOW);
  g_assert_cmpstr (header (e, "Access-Control-Allow-Headers"), ==,
                   "Authorization, Content-Type, If-Match");
  g_assert_cmpstr (header (e, "Access-Control-Max-Age"), ==, "7200");
  /* No TURN credentials to a caller without a token. */
  g_assert_cmpstr (header_list (e, "Link"), ==, LINK_STUN);
  g_assert_cmpstr (e->body, ==, "");

  g_assert_nonnull (r);
  g_assert_cmpstr (header (r, "Allow"), ==, RESOURCE_ALLOW);
  g_assert_cmpstr (header (r, "Access-Control-Allow-Methods"), ==, RESOURCE_ALLOW);
  g_assert_cmpstr (header (r, "Access-Control-Allow-Headers"), ==,
                   "Authorization, Content-Type, If-Match");
  g_assert_cmpstr (header (r, "Accept-Patch"), ==, SDPFRAG_TYPE);
  g_assert_null (header (r, "Accept-Post"));
  g_assert_cmpuint (f->seen->len, ==, 0);
}

static void
test_get_head (Fixture *f, gconstpointer data)
{
  Req get = { .method = "GET", .path = ENDPOINT };
  Req head = { .method = "HEAD", .path = ENDPOINT };
  g_autoptr (Response) g = expect (f, &get, SOUP_STATUS_NO_CONTENT);
  g_autoptr (Response) h = expect (f, &head, SOUP_STATUS_NO_CONTENT);

  g_assert_nonnull (g);
  g_assert_nonnull (h);
  g_assert_cmpstr (g->body, ==, "");
  g_assert_cmpstr (h->body, ==, "");
  g_assert_cmpuint (f->seen->len, ==, 0);
}

static void
test_join_page (Fixture *f, gconstpointer data)
{
  Req get = { .method = "GET", .path = "/join/" SESSION };
  Req head = { .method = "HEAD", .path = "/join/" SESSION };
  Req post = {
    .method = "POST", .path = "/join/" SESSION, .content_type = "text/plain", .body = "x"
  };
  g_autoptr (Response) page = expect (f, &get, SOUP_STATUS_OK);
  g_autoptr (Response) headers_only = expect (f, &head, SOUP_STATUS_OK);
  g_autoptr (Response) wrong = expect (f, &post, SOUP_STATUS_METHOD_NOT_ALLOWED);
  g_autoptr (GBytes) expected = rd_signal_join_page ();
  g_autofree char *expected_text =
      g_strndup (g_bytes_get_data (expected, NULL), g_bytes_get_size (expected));
  const char *csp;
  const char *const not_found[] = { "/join", "/join/", "/join/bad!id", "/join/" SESSION "/x" };

  g_assert_nonnull (page);
  g_assert_cmpstr (header (page, "Content-Type"), ==, "text/html; charset=utf-8");
  g_assert_cmpstr (header (page, "Cache-Control"), ==, "no-store");
  g_assert_cmpstr (page->body, ==, expected_text);
  csp = header (page, "Content-Security-Policy");
  g_assert_nonnull (csp);
  g_test_message ("CSP: %s", csp);
  g_assert_true (g_str_has_prefix (csp, "default-src 'self'; "));
  g_assert_nonnull (strstr (csp, "script-src 'self' 'unsafe-inline'"));
  g_assert_nonnull (strstr (csp, "style-src 'self' 'unsafe-inline'"));
  g_assert_nonnull (strstr (csp, "frame-ancestors 'none'"));
  /* Nothing from anywhere else: no scheme, host or wildcard source. */
  g_assert_null (strstr (csp, "http"));
  g_assert_null (strstr (csp, "*"));
  g_assert_null (strstr (csp, "blob:"));
  /* data: only for images (the page's empty icon). */
  g_assert_nonnull (strstr (csp, "img-src 'self' data:;"));
  g_assert_true (strstr (csp, "data:") == g_strrstr (csp, "data:"));

  g_assert_nonnull (headers_only);
  g_assert_cmpstr (header (headers_only, "Content-Type"), ==, "text/html; charset=utf-8");
  g_assert_cmpstr (header (headers_only, "Content-Security-Policy"), ==, csp);
  g_assert_cmpstr (headers_only->body, ==, "");

  g_assert_nonnull (wrong);
  g_assert_cmpstr (header (wrong, "Allow"), ==, "GET, HEAD");

  for (gsize i = 0; i < G_N_ELEMENTS (not_found); i++)
    {
      Req req = { .method = "GET", .path = not_found[i] };
      g_autoptr (Response) response = expect (f, &req, SOUP_STATUS_NOT_FOUND);
      g_assert_nonnull (response);
    }
}

/* ---- Units: the rate limiter and the ICE-server links ----------------------------------- */

static void
test_rate_limit_unit (void)
{
  g_autoptr (RdRateLimit) limit = rd_rate_limit_new (3, 2, 2);
  const gint64 s = G_USEC_PER_SEC;
  guint retry = 0;

  for (int i = 0; i < 3; i++)
    g_assert_true (rd_rate_limit_take (limit, "a", 0, NULL));
  g_assert_false (rd_rate_limit_take (limit, "a", 0, &retry));
  g_assert_cmpuint (retry, ==, 1);
  /* Refused attempts spend nothing: half a second later one token is back. */
  g_assert_false (rd_rate_limit_take (limit, "a", s / 4, &retry));
  g_assert_true (rd_rate_limit_take (limit, "a", s / 2, NULL));
  g_assert_false (rd_rate_limit_take (limit, "a", s / 2, NULL));

  /* Other keys have their own bucket; at most two buckets are kept, the least recently used
   * goes (a is now older than b). */
  g_assert_true (rd_rate_limit_take (limit, "b", s / 2, NULL));
  g_assert_cmpuint (rd_rate_limit_get_size (limit), ==, 2);
  g_assert_true (rd_rate_limit_take (limit, "c", s / 2, NULL));
  g_assert_cmpuint (rd_rate_limit_get_size (limit), ==, 2);
  /* b survived with two tokens left: two more pass, the third does not. */
  g_assert_true (rd_rate_limit_take (limit, "b", s / 2, NULL));
  g_assert_true (rd_rate_limit_take (limit, "b", s / 2, NULL));
  g_assert_false (rd_rate_limit_take (limit, "b", s / 2, NULL));

  /* Buckets idle long enough to be full again are forgotten. */
  g_assert_true (rd_rate_limit_take (limit, "d", 10 * s, NULL));
  g_assert_cmpuint (rd_rate_limit_get_size (limit), ==, 1);

  /* Slow refill: one token every 1/per_second, rounded up to whole seconds. */
  {
    g_autoptr (RdRateLimit) slow = rd_rate_limit_new (1, 1, 10);
    g_assert_true (rd_rate_limit_take (slow, "x", 0, NULL));
    g_assert_false (rd_rate_limit_take (slow, "x", s / 10, &retry));
    g_assert_cmpuint (retry, ==, 1);
    g_assert_true (rd_rate_limit_take (slow, "x", s, NULL));
  }

  /* Many addresses: memory stays bounded. */
  {
    g_autoptr (RdRateLimit) many = rd_rate_limit_new (20, 2, 100);
    for (int i = 0; i < 10000; i++)
      {
        char key[32];
        g_snprintf (key, sizeof key, "10.0.%d.%d", i / 256, i % 256);
        g_assert_true (rd_rate_limit_take (many, key, i, NULL));
      }
    g_assert_cmpuint (rd_rate_limit_get_size (many), ==, 100);
  }
}

typedef struct
{
  gboolean got;
  goffset kept; /* bytes of the request body in memory when the handler ran */
  gboolean too_large;
} BodySeen;

static void
limit_keep (SoupServer *soup, SoupServerMessage *msg, const char *path, GHashTable *query,
            gpointer user_data)
{
  rd_signal_whip_limit_body (msg, TRUE);
}

static void
limit_drop (SoupServer *soup, SoupServerMessage *msg, const char *path, GHashTable *query,
            gpointer user_data)
{
  rd_signal_whip_limit_body (msg, FALSE);
}

static void
limit_record (SoupServer *soup, SoupServerMessage *msg, const char *path, GHashTable *query,
              gpointer user_data)
{
  BodySeen *seen = user_data;

  seen->got = TRUE;
  seen->kept = soup_server_message_get_request_body (msg)->length;
  seen->too_large = rd_signal_whip_body_too_large (msg);
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
}

/* What a request body leaves in the server's memory, seen from a handler (plain HTTP on
 * 127.0.0.1, the same libsoup server code without TLS). */
static BodySeen
post_body (Fixture *f, const char *base_url, const char *path, GBytes *bytes, gboolean chunked)
{
  g_autoptr (GInputStream) stream = g_memory_input_stream_new_from_bytes (bytes);
  Req req = { .method = "POST",
              .path = path,
              .content_type = "application/octet-stream",
              .stream = stream,
              .stream_len = chunked ? -1 : (gssize)g_bytes_get_size (bytes) };
  BodySeen *seen = g_object_get_data (G_OBJECT (f->server), "body-seen");
  BodySeen result;
  Exchange *ex;

  memset (seen, 0, sizeof *seen);
  ex = exchange_start_at (f, base_url, &req);
  if (!wait_until (f, exchange_done, ex) || ex->error ||
      soup_message_get_status (ex->msg) != SOUP_STATUS_OK || !seen->got)
    g_test_fail_printf ("POST %s (%zu bytes): no 200 from the handler; seen:%s", path,
                        g_bytes_get_size (bytes), ex->seen->str);
  exchange_finish (f, ex);
  exchange_free (ex);
  result = *seen;
  return result;
}

/* Bodies over the limit are never kept whole, whether announced or chunked; bodies on paths
 * that take none are never kept at all. */
static void
test_body_limit (Fixture *f, gconstpointer data)
{
  g_autoptr (SoupServer) soup = soup_server_new (NULL, NULL);
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) huge = g_bytes_new_take (g_malloc0 (10 * 1024 * 1024), 10 * 1024 * 1024);
  g_autoptr (GBytes) over = g_bytes_new_take (g_malloc0 (70 * 1024), 70 * 1024);
  g_autoptr (GBytes) under = g_bytes_new_take (g_malloc0 (RD_WHIP_MAX_BODY), RD_WHIP_MAX_BODY);
  g_autofree char *base_url = NULL;
  BodySeen *seen = g_new0 (BodySeen, 1);
  BodySeen got;
  GSList *uris;

  g_object_set_data_full (G_OBJECT (f->server), "body-seen", seen, g_free);
  soup_server_add_early_handler (soup, "/keep", limit_keep, NULL, NULL);
  soup_server_add_handler (soup, "/keep", limit_record, seen, NULL);
  soup_server_add_early_handler (soup, "/drop", limit_drop, NULL, NULL);
  soup_server_add_handler (soup, "/drop", limit_record, seen, NULL);
  g_assert_true (soup_server_listen (soup, address, 0, &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (soup);
  base_url = g_uri_to_string (uris->data);
  g_slist_free_full (uris, (GDestroyNotify)g_uri_unref);

  got = post_body (f, base_url, "/keep", under, FALSE);
  g_assert_cmpint (got.kept, ==, RD_WHIP_MAX_BODY);
  g_assert_false (got.too_large);
  got = post_body (f, base_url, "/keep", under, TRUE);
  g_assert_cmpint (got.kept, ==, RD_WHIP_MAX_BODY);
  g_assert_false (got.too_large);
  got = post_body (f, base_url, "/keep", huge, FALSE);
  g_assert_cmpint (got.kept, ==, 0);
  g_assert_true (got.too_large);
  got = post_body (f, base_url, "/keep", over, TRUE);
  g_assert_cmpint (got.kept, ==, 0);
  g_assert_true (got.too_large);
  got = post_body (f, base_url, "/drop", under, FALSE);
  g_assert_cmpint (got.kept, ==, 0);
  g_assert_false (got.too_large);
  soup_server_disconnect (soup);
}

static void
check_links (const char *network, const char *const *expected)
{
  g_autofree char *tmpdir = g_dir_make_tmp ("test-signal-whip-XXXXXX", NULL);
  g_autoptr (RdConfig) config = config_new (tmpdir, network);
  g_auto (GStrv) links = rd_signal_whip_ice_links (config, TRUE);

  g_assert_cmpstrv (links, expected);
  rm_rf (tmpdir);
}

static void
test_ice_links (void)
{
  const char *const none[] = { NULL };
  const char *const both[] = { LINK_STUN, LINK_TURN, NULL };
  const char *const v6[] = { "<stun:[2001:db8::1]:3478>; rel=\"ice-server\"", NULL };
  const char *const no_port[] = {
    "<stun:stun.example.org>; rel=\"ice-server\"",
    "<turns:turn.example.org?transport=tcp>; rel=\"ice-server\"; username=\"bob@x\"; "
    "credential=\"a\\\"b\\\\c\"; credential-type=\"password\"",
    NULL
  };
  const char *const unsafe[] = { LINK_STUN, NULL };

  check_links ("", none);
  check_links ("stun-server=" STUN_SERVER "\nturn-server=" TURN_SERVER "\n", both);
  check_links ("stun-server=stun://[2001:db8::1]:3478\n", v6);
  /* Percent-escapes are the config's: decoded, then quoted for the header. */
  check_links ("stun-server=stun://stun.example.org\n"
               "turn-server=turns://bob%40x:a%22b%5Cc@turn.example.org\n",
               no_port);
  /* A password with a line break cannot go into a header: that server is left out. */
  check_links ("stun-server=" STUN_SERVER "\nturn-server=turn://u:p%0D%0AX-Evil:1@h.example:1\n",
               unsafe);
}

int
main (int argc, char **argv)
{
  guint before;

  g_test_init (&argc, &argv, NULL);
  g_log_set_writer_func (token_guard_writer, NULL, NULL);

  if (!g_tls_backend_supports_tls (g_tls_backend_get_default ()))
    {
      g_printerr ("no TLS backend (glib-networking) installed\n");
      return 77;
    }
  /* The writer sees every message, debug ones included, whether printed or not. */
  before = log_messages_seen;
  g_debug ("token guard self-check");
  g_assert_cmpuint (log_messages_seen, ==, before + 1);

  g_test_add_func ("/whip/unit/rate-limit", test_rate_limit_unit);
  g_test_add_func ("/whip/unit/ice-links", test_ice_links);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/whip/unit/body-limit", test_body_limit);
  ADD ("/whip/201-created", test_created);
  ADD ("/whip/204-trickle", test_trickle);
  ADD ("/whip/200-restart", test_restart);
  ADD ("/whip/200-delete", test_delete);
  ADD ("/whip/200-get-state", test_get_state);
  ADD ("/whip/400-bad-sdp", test_bad_sdp);
  ADD ("/whip/401-unauthorized", test_unauthorized);
  ADD ("/whip/404-not-found", test_not_found);
  ADD ("/whip/405-method-not-allowed", test_method_not_allowed);
  ADD ("/whip/412-precondition-failed", test_precondition_failed);
  ADD ("/whip/413-too-large", test_too_large);
  ADD ("/whip/415-unsupported-type", test_unsupported_type);
  ADD ("/whip/428-precondition-required", test_precondition_required);
  ADD ("/whip/429-rate-limit", test_rate_limit);
  ADD ("/whip/503-no-handler", test_no_handler);
  ADD ("/whip/500-wrong-reply", test_wrong_reply);
  ADD ("/whip/504-timeout-late-reply", test_gateway_timeout);
  ADD ("/whip/client-gone-late-reply", test_client_gone);
  ADD ("/whip/server-gone-late-reply", test_server_gone);
  ADD ("/whip/options", test_options);
  ADD ("/whip/get-head", test_get_head);
  ADD ("/whep/route", test_whep_route);
  ADD ("/whep/rules", test_whep_rules);
  ADD ("/join/page", test_join_page);
#undef ADD

  return g_test_run () || log_token_leaks > 0;
}
