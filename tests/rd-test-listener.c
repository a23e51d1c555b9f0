/* rd-test-listener.c: the fixture of the HTTPS listener's tests; see rd-test-listener.h. */
#include "tests/rd-test-listener.h"

#include <sys/stat.h>

#include "tests/rd-test-signal.h"

void
rd_test_listener_setup (RdTestListener *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->tmpdir = g_dir_make_tmp ("test-signal-server-XXXXXX", &error);
  g_assert_no_error (error);
  /* A private context: the server and the client run only while a test iterates it. */
  f->context = g_main_context_new ();
  g_main_context_push_thread_default (f->context);
}

void
rd_test_listener_teardown (RdTestListener *f, gconstpointer data)
{
  /* Let closed connections finish their idle callbacks before the context goes. */
  while (g_main_context_iteration (f->context, FALSE))
    ;
  g_main_context_pop_thread_default (f->context);
  g_main_context_unref (f->context);
  rd_test_signal_rm_rf (f->tmpdir);
  g_free (f->tmpdir);
}

/* A config with state under @state_dir (relative to the fixture's tmpdir), listening on @listen,
 * plus @extra INI lines for [network] and, after them, any other groups. */
RdConfig *
rd_test_listener_config (RdTestListener *f, const char *state_dir, const char *listen,
                         const char *extra)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *state = g_build_filename (f->tmpdir, state_dir, NULL);
  g_autofree char *ini = g_strdup_printf ("[storage]\nstate-dir=%s\n[network]\nlisten=%s\n%s\n",
                                          state, listen, extra ? extra : "");
  RdConfig *config = rd_config_load_data (ini, "test.conf", &error);

  g_assert_no_error (error);
  g_assert_nonnull (config);
  return config;
}

char *
rd_test_listener_path (RdTestListener *f, const char *first, ...)
{
  va_list ap;
  GString *out = g_string_new (f->tmpdir);

  va_start (ap, first);
  for (const char *part = first; part; part = va_arg (ap, const char *))
    {
      g_string_append_c (out, G_DIR_SEPARATOR);
      g_string_append (out, part);
    }
  va_end (ap);
  return g_string_free (out, FALSE);
}

char *
rd_test_listener_read (const char *path)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *data = NULL;

  g_file_get_contents (path, &data, NULL, &error);
  g_assert_no_error (error);
  return g_steal_pointer (&data);
}

gboolean
rd_test_listener_exists (const char *path)
{
  struct stat st;
  return lstat (path, &st) == 0;
}

GTlsCertificate *
rd_test_listener_cert (const char *cert_path)
{
  g_autoptr (GError) error = NULL;
  GTlsCertificate *cert = g_tls_certificate_new_from_file (cert_path, &error);

  g_assert_no_error (error);
  return cert;
}

RdSignalServer *
rd_test_listener_server_new (RdConfig *config)
{
  g_autoptr (GError) error = NULL;
  RdSignalServer *server = rd_signal_server_new (config, &error);

  g_assert_no_error (error);
  g_assert_nonnull (server);
  return server;
}

void
rd_test_listener_server_start (RdSignalServer *server)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (rd_signal_server_start (server, &error));
  g_assert_no_error (error);
}

/* Sends @method @path to @server, accepting only @expected as the server's certificate.
 * Returns the message (status and headers) and the body, or NULL after failing the test. */
SoupMessage *
rd_test_listener_fetch (RdSignalServer *server, const char *method, const char *path,
                        GTlsCertificate *expected, GBytes **body_out)
{
  RdTestHttpsRequest req = { .method = method, .path = path };
  RdTestHttpsExchange *ex;
  SoupMessage *msg = NULL;
  gboolean ok;

  g_assert_nonnull (rd_signal_server_get_url (server));
  ex = rd_test_https_start (rd_signal_server_get_url (server), &req, expected);
  rd_test_https_wait (ex, RD_TEST_LISTENER_TIMEOUT_S * 1000);
  ok = rd_test_https_ok (ex);
  if (!ok)
    g_test_fail_printf ("%s %s%s: no acceptable HTTPS response within %d s; seen:%s", method,
                        rd_signal_server_get_url (server), path + 1, RD_TEST_LISTENER_TIMEOUT_S,
                        ex->seen->str);
  g_test_message ("%s %s%s -> %u; seen:%s", method, rd_signal_server_get_url (server), path + 1,
                  soup_message_get_status (ex->msg), ex->seen->str);
  /* Finished either way, so that nothing points at the exchange any more. */
  rd_test_https_finish (ex);
  if (ok)
    {
      msg = g_object_ref (ex->msg);
      if (body_out)
        *body_out = g_steal_pointer (&ex->body);
    }
  rd_test_https_free (ex);
  return msg;
}

void
rd_test_listener_assert_cors (SoupMessage *msg)
{
  SoupMessageHeaders *headers = soup_message_get_response_headers (msg);

  g_assert_cmpstr (soup_message_headers_get_one (headers, "Access-Control-Allow-Origin"), ==, "*");
  g_assert_cmpstr (soup_message_headers_get_one (headers, "Access-Control-Expose-Headers"), ==,
                   "Location, ETag, Link");
}

/* GET @path and expect @status with the CORS headers. */
void
rd_test_listener_assert_status (RdSignalServer *server, GTlsCertificate *expected,
                                const char *method, const char *path, guint status)
{
  g_autoptr (SoupMessage) msg = rd_test_listener_fetch (server, method, path, expected, NULL);

  if (!msg)
    return;
  g_assert_cmpuint (soup_message_get_status (msg), ==, status);
  rd_test_listener_assert_cors (msg);
}
