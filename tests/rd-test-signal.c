/* rd-test-signal.c: a real libsoup HTTPS client for the signaling tests; see rd-test-signal.h. */
#include "tests/rd-test-signal.h"

#include <string.h>

#include <glib/gstdio.h>

static const char *const socket_events[] = {
  "resolving",        "resolved",        "connecting",     "connected", "proxy-negotiating",
  "proxy-negotiated", "tls-handshaking", "tls-handshaked", "complete",
};

static void
on_network_event (SoupMessage *msg, GSocketClientEvent event, GIOStream *connection,
                  gpointer user_data)
{
  RdTestHttpsExchange *ex = user_data;

  g_string_append_printf (ex->seen, " %s",
                          (guint)event < G_N_ELEMENTS (socket_events) ? socket_events[event] : "?");
}

static gboolean
on_accept_certificate (SoupMessage *msg, GTlsCertificate *peer, GTlsCertificateFlags errors,
                       gpointer user_data)
{
  RdTestHttpsExchange *ex = user_data;

  ex->accept_called = TRUE;
  ex->peer_matched = g_tls_certificate_is_same (peer, ex->expected);
  g_string_append_printf (ex->seen, " accept-certificate(%s)",
                          ex->peer_matched ? "same as on disk" : "DIFFERENT from disk");
  return ex->peer_matched;
}

static void
on_got_informational (SoupMessage *msg, gpointer user_data)
{
  RdTestHttpsExchange *ex = user_data;

  g_string_append_printf (ex->seen, " informational(%u)", soup_message_get_status (msg));
}

static void
on_sent (GObject *source, GAsyncResult *result, gpointer user_data)
{
  RdTestHttpsExchange *ex = user_data;

  ex->body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &ex->error);
  ex->done = TRUE;
  g_string_append_printf (ex->seen, " done(%s)", ex->error ? ex->error->message : "response");
}

RdTestHttpsExchange *
rd_test_https_start (const char *base_url, const RdTestHttpsRequest *req, GTlsCertificate *expected)
{
  RdTestHttpsExchange *ex = g_new0 (RdTestHttpsExchange, 1);
  g_autofree char *url = g_strconcat (base_url, req->path + 1, NULL);
  SoupMessageHeaders *headers;

  ex->session = soup_session_new ();
  ex->msg = soup_message_new (req->method, url);
  g_assert_nonnull (ex->msg);
  ex->cancellable = g_cancellable_new ();
  ex->expected = expected;
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

static gboolean
set_flag (gpointer user_data)
{
  *(gboolean *)user_data = TRUE;
  return G_SOURCE_REMOVE;
}

gboolean
rd_test_signal_wait (GMainContext *context, guint timeout_ms,
                     gboolean (*cond) (gpointer a, gconstpointer b), gpointer a, gconstpointer b)
{
  g_autoptr (GSource) timeout = g_timeout_source_new (timeout_ms);
  gboolean timed_out = FALSE;

  g_source_set_callback (timeout, set_flag, &timed_out, NULL);
  g_source_attach (timeout, context);
  while (!cond (a, b) && !timed_out)
    g_main_context_iteration (context, TRUE);
  g_source_destroy (timeout);
  return cond (a, b);
}

void
rd_test_signal_rm_rf (const char *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir && (name = g_dir_read_name (dir)))
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        rd_test_signal_rm_rf (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

int
rd_test_signal_run (void)
{
  if (!g_tls_backend_supports_tls (g_tls_backend_get_default ()))
    {
      g_printerr ("no TLS backend (glib-networking) installed\n");
      return 77;
    }
  return g_test_run ();
}

guint
rd_test_signal_count_fds (void)
{
  g_autoptr (GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  guint n = 0;

  g_assert_nonnull (dir);
  while (g_dir_read_name (dir))
    n++;
  return n;
}

static gboolean
exchange_is_done (gpointer a, gconstpointer b)
{
  return ((RdTestHttpsExchange *)a)->done;
}

gboolean
rd_test_https_wait (RdTestHttpsExchange *ex, guint timeout_ms)
{
  if (!rd_test_signal_wait (g_main_context_get_thread_default (), timeout_ms, exchange_is_done, ex,
                            NULL))
    g_string_append (ex->seen, " TIMEOUT");
  return ex->done;
}

gboolean
rd_test_https_ok (RdTestHttpsExchange *ex)
{
  return ex->done && !ex->error && ex->accept_called && ex->peer_matched;
}

void
rd_test_https_finish (RdTestHttpsExchange *ex)
{
  if (!ex->done)
    {
      g_cancellable_cancel (ex->cancellable);
      while (!ex->done)
        g_main_context_iteration (g_main_context_get_thread_default (), TRUE);
    }
  soup_session_abort (ex->session);
}

void
rd_test_https_free (RdTestHttpsExchange *ex)
{
  g_clear_object (&ex->msg);
  g_clear_object (&ex->session);
  g_clear_object (&ex->cancellable);
  g_clear_pointer (&ex->body, g_bytes_unref);
  g_clear_error (&ex->error);
  g_string_free (ex->seen, TRUE);
  g_free (ex);
}
