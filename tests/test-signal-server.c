/* test-signal-server.c: the HTTPS listener and its TLS identity (signaling/rd-signal-server.h),
 * driven by a real libsoup client over HTTPS on 127.0.0.1 (and ::1 when the host has it). */
#include "signaling/rd-signal-server.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>
#include <libsoup/soup.h>

/* How long one HTTP exchange may take before the test fails. */
#define FETCH_TIMEOUT_SECONDS 10

typedef struct
{
  char *tmpdir;
  GMainContext *context;
} Fixture;

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
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->tmpdir = g_dir_make_tmp ("test-signal-server-XXXXXX", &error);
  g_assert_no_error (error);
  /* A private context: the server and the client run only while a test iterates it. */
  f->context = g_main_context_new ();
  g_main_context_push_thread_default (f->context);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  /* Let closed connections finish their idle callbacks before the context goes. */
  while (g_main_context_iteration (f->context, FALSE))
    ;
  g_main_context_pop_thread_default (f->context);
  g_main_context_unref (f->context);
  rm_rf (f->tmpdir);
  g_free (f->tmpdir);
}

/* A config with state under @state_dir (relative to the fixture's tmpdir), listening on @listen,
 * plus @extra INI lines for [network] and, after them, any other groups. */
static RdConfig *
config_new (Fixture *f, const char *state_dir, const char *listen, const char *extra)
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

static char *tmp_path (Fixture *f, const char *first, ...) G_GNUC_NULL_TERMINATED;

static char *
tmp_path (Fixture *f, const char *first, ...)
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

static char *
read_file (const char *path)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *data = NULL;

  g_file_get_contents (path, &data, NULL, &error);
  g_assert_no_error (error);
  return g_steal_pointer (&data);
}

static void
write_file (const char *path, const char *data)
{
  g_autoptr (GError) error = NULL;

  g_file_set_contents (path, data, -1, &error);
  g_assert_no_error (error);
}

static gboolean
exists (const char *path)
{
  struct stat st;
  return lstat (path, &st) == 0;
}

static guint
file_mode (const char *path)
{
  struct stat st;

  g_assert_cmpint (stat (path, &st), ==, 0);
  return st.st_mode & 07777;
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const char *const *)a, *(const char *const *)b);
}

/* The sorted names in @dir, space-separated. */
static char *
dir_listing (const char *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  g_autoptr (GPtrArray) names = g_ptr_array_new ();
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)))
    g_ptr_array_add (names, (gpointer)name);
  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);
  return g_strjoinv (" ", (char **)names->pdata);
}

/* The fingerprint computed independently of the server: SHA-256 over the base64 body of the
 * PEM file's first certificate. */
static char *
pem_fingerprint (const char *cert_path)
{
  g_autofree char *pem = read_file (cert_path);
  const char *begin = strstr (pem, "-----BEGIN CERTIFICATE-----");
  const char *end = begin ? strstr (begin, "-----END CERTIFICATE-----") : NULL;
  g_autofree char *b64 = NULL;
  g_autofree guchar *der = NULL;
  g_autofree char *hex = NULL;
  gsize der_len;
  GString *out = g_string_new ("sha-256 ");

  g_assert_nonnull (end);
  begin += strlen ("-----BEGIN CERTIFICATE-----");
  b64 = g_strndup (begin, end - begin);
  der = g_base64_decode (g_strstrip (b64), &der_len);
  hex = g_compute_checksum_for_data (G_CHECKSUM_SHA256, der, der_len);
  for (int i = 0; hex[i]; i += 2)
    g_string_append_printf (out, "%s%c%c", i ? ":" : "", g_ascii_toupper (hex[i]),
                            g_ascii_toupper (hex[i + 1]));
  return g_string_free (out, FALSE);
}

static GTlsCertificate *
certificate_from_file (const char *cert_path)
{
  g_autoptr (GError) error = NULL;
  GTlsCertificate *cert = g_tls_certificate_new_from_file (cert_path, &error);

  g_assert_no_error (error);
  return cert;
}

static RdSignalServer *
server_new_ok (RdConfig *config)
{
  g_autoptr (GError) error = NULL;
  RdSignalServer *server = rd_signal_server_new (config, &error);

  g_assert_no_error (error);
  g_assert_nonnull (server);
  return server;
}

static void
server_start_ok (RdSignalServer *server)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (rd_signal_server_start (server, &error));
  g_assert_no_error (error);
}

/* ---- A real HTTPS client ---------------------------------------------------------------- */

typedef struct
{
  GMainLoop *loop;
  GTlsCertificate *expected; /* the certificate the server must present */
  GString *seen;             /* what happened, for the failure message */
  gboolean accept_called;
  gboolean peer_matched;
  gboolean done;
  GBytes *body;
  GError *error;
} Fetch;

static const char *const socket_events[] = {
  "resolving",        "resolved",        "connecting",     "connected", "proxy-negotiating",
  "proxy-negotiated", "tls-handshaking", "tls-handshaked", "complete",
};

static void
on_network_event (SoupMessage *msg, GSocketClientEvent event, GIOStream *connection,
                  gpointer user_data)
{
  Fetch *fetch = user_data;

  g_string_append_printf (fetch->seen, " %s",
                          (guint)event < G_N_ELEMENTS (socket_events) ? socket_events[event] : "?");
}

static gboolean
on_accept_certificate (SoupMessage *msg, GTlsCertificate *peer, GTlsCertificateFlags errors,
                       gpointer user_data)
{
  Fetch *fetch = user_data;

  fetch->accept_called = TRUE;
  fetch->peer_matched = g_tls_certificate_is_same (peer, fetch->expected);
  g_string_append_printf (fetch->seen, " accept-certificate(%s)",
                          fetch->peer_matched ? "same as on disk" : "DIFFERENT from disk");
  return fetch->peer_matched;
}

static void
on_sent (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Fetch *fetch = user_data;

  fetch->body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &fetch->error);
  fetch->done = TRUE;
  g_string_append_printf (fetch->seen, " done(%s)",
                          fetch->error ? fetch->error->message : "response");
  g_main_loop_quit (fetch->loop);
}

static gboolean
on_timeout (gpointer user_data)
{
  Fetch *fetch = user_data;

  g_string_append (fetch->seen, " TIMEOUT");
  g_main_loop_quit (fetch->loop);
  return G_SOURCE_REMOVE;
}

/* Sends @method @path to @server, accepting only @expected as the server's certificate.
 * Returns the message (status and headers) and the body, or NULL after failing the test. */
static SoupMessage *
fetch_full (RdSignalServer *server, const char *method, const char *path, GTlsCertificate *expected,
            GBytes **body_out)
{
  g_autoptr (SoupSession) session = soup_session_new ();
  g_autoptr (SoupMessage) msg = NULL;
  g_autoptr (GSource) timeout = g_timeout_source_new_seconds (FETCH_TIMEOUT_SECONDS);
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autofree char *url = NULL;
  Fetch fetch = { 0 };
  gboolean ok;

  g_assert_nonnull (rd_signal_server_get_url (server));
  url = g_strconcat (rd_signal_server_get_url (server), path + 1, NULL);
  msg = soup_message_new (method, url);
  g_assert_nonnull (msg);

  fetch.loop = g_main_loop_new (g_main_context_get_thread_default (), FALSE);
  fetch.expected = expected;
  fetch.seen = g_string_new ("");
  g_signal_connect (msg, "network-event", G_CALLBACK (on_network_event), &fetch);
  g_signal_connect (msg, "accept-certificate", G_CALLBACK (on_accept_certificate), &fetch);
  g_source_set_callback (timeout, on_timeout, &fetch, NULL);
  g_source_attach (timeout, g_main_context_get_thread_default ());

  soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, cancellable, on_sent, &fetch);
  g_main_loop_run (fetch.loop);
  g_source_destroy (timeout);
  if (!fetch.done)
    {
      /* Finish the operation so nothing points at this stack frame any more. */
      g_cancellable_cancel (cancellable);
      while (!fetch.done)
        g_main_context_iteration (g_main_context_get_thread_default (), TRUE);
    }

  ok = fetch.error == NULL && g_str_has_suffix (fetch.seen->str, " done(response)") &&
       fetch.accept_called && fetch.peer_matched;
  if (!ok)
    g_test_fail_printf ("%s %s: no acceptable HTTPS response within %d s; seen:%s", method, url,
                        FETCH_TIMEOUT_SECONDS, fetch.seen->str);
  g_test_message ("%s %s -> %u; seen:%s", method, url, soup_message_get_status (msg),
                  fetch.seen->str);

  soup_session_abort (session);
  g_string_free (fetch.seen, TRUE);
  g_main_loop_unref (fetch.loop);
  g_clear_error (&fetch.error);
  if (!ok)
    {
      g_clear_pointer (&fetch.body, g_bytes_unref);
      return NULL;
    }
  if (body_out)
    *body_out = g_steal_pointer (&fetch.body);
  g_clear_pointer (&fetch.body, g_bytes_unref);
  return g_steal_pointer (&msg);
}

static void
assert_cors (SoupMessage *msg)
{
  SoupMessageHeaders *headers = soup_message_get_response_headers (msg);

  g_assert_cmpstr (soup_message_headers_get_one (headers, "Access-Control-Allow-Origin"), ==, "*");
  g_assert_cmpstr (soup_message_headers_get_one (headers, "Access-Control-Expose-Headers"), ==,
                   "Location, ETag, Link");
}

/* GET @path and expect @status with the CORS headers. */
static void
assert_status (RdSignalServer *server, GTlsCertificate *expected, const char *method,
               const char *path, guint status)
{
  g_autoptr (SoupMessage) msg = fetch_full (server, method, path, expected, NULL);

  if (!msg)
    return;
  g_assert_cmpuint (soup_message_get_status (msg), ==, status);
  assert_cors (msg);
}

/* ---- A raw HTTPS client without SNI ----------------------------------------------------- */

/* glib-networking's client sends an IPv6 literal as TLS SNI, which RFC 6066 forbids and which
 * GnuTLS servers (ours included) answer by closing the connection; browsers, curl and OpenSSL
 * send no SNI for IP literals. So IPv6 is checked with this client: a blocking exchange in a
 * worker thread while the test's main context serves it, TLS without a server identity (no
 * SNI), accepting only the expected certificate. */
typedef struct
{
  GSocketAddress *address;
  GTlsCertificate *expected;
  const char *request;
  GMainLoop *loop;
  gboolean timed_out; /* main thread only */
  /* Written by the worker, read after it is joined. */
  gboolean peer_matched;
  GString *response;
  GError *error;
} RawFetch;

static gboolean
raw_accept_certificate (GTlsConnection *conn, GTlsCertificate *peer, GTlsCertificateFlags errors,
                        gpointer user_data)
{
  RawFetch *raw = user_data;

  raw->peer_matched = g_tls_certificate_is_same (peer, raw->expected);
  return raw->peer_matched;
}

static gboolean
raw_quit (gpointer user_data)
{
  RawFetch *raw = user_data;

  g_main_loop_quit (raw->loop);
  return G_SOURCE_REMOVE;
}

static gboolean
raw_timeout (gpointer user_data)
{
  RawFetch *raw = user_data;

  raw->timed_out = TRUE;
  g_main_loop_quit (raw->loop);
  return G_SOURCE_REMOVE;
}

static gpointer
raw_thread (gpointer user_data)
{
  RawFetch *raw = user_data;
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GSocketConnection) conn = NULL;
  g_autoptr (GIOStream) tls = NULL;
  char buf[4096];
  gssize n = 0;

  g_socket_client_set_timeout (client, FETCH_TIMEOUT_SECONDS);
  conn = g_socket_client_connect (client, G_SOCKET_CONNECTABLE (raw->address), NULL, &raw->error);
  if (conn)
    tls = g_tls_client_connection_new (G_IO_STREAM (conn), NULL, &raw->error);
  if (tls)
    {
      g_signal_connect (tls, "accept-certificate", G_CALLBACK (raw_accept_certificate), raw);
      if (g_tls_connection_handshake (G_TLS_CONNECTION (tls), NULL, &raw->error) &&
          g_output_stream_write_all (g_io_stream_get_output_stream (tls), raw->request,
                                     strlen (raw->request), NULL, NULL, &raw->error))
        while ((n = g_input_stream_read (g_io_stream_get_input_stream (tls), buf, sizeof buf, NULL,
                                         &raw->error)) > 0)
          g_string_append_len (raw->response, buf, n);
      g_io_stream_close (tls, NULL, NULL);
    }
  g_main_context_invoke (g_main_loop_get_context (raw->loop), raw_quit, raw);
  return NULL;
}

/* Sends @request over TLS to @address and returns the whole response (the server closes the
 * connection: the request says "Connection: close"), or NULL after failing the test. */
static char *
raw_fetch (GSocketAddress *address, GTlsCertificate *expected, const char *request)
{
  g_autoptr (GSource) timeout = g_timeout_source_new_seconds (2 * FETCH_TIMEOUT_SECONDS);
  g_autofree char *where = g_socket_connectable_to_string (G_SOCKET_CONNECTABLE (address));
  RawFetch raw = { 0 };
  GThread *thread;

  raw.address = address;
  raw.expected = expected;
  raw.request = request;
  raw.loop = g_main_loop_new (g_main_context_get_thread_default (), FALSE);
  raw.response = g_string_new ("");
  g_source_set_callback (timeout, raw_timeout, &raw, NULL);
  g_source_attach (timeout, g_main_context_get_thread_default ());

  thread = g_thread_new ("raw-https", raw_thread, &raw);
  g_main_loop_run (raw.loop);
  g_source_destroy (timeout);
  /* The socket timeout bounds the worker; once it returns, its quit idle must still run. */
  g_thread_join (thread);
  while (g_main_context_iteration (g_main_context_get_thread_default (), FALSE))
    ;
  g_main_loop_unref (raw.loop);

  if (raw.timed_out || raw.error || !raw.peer_matched || raw.response->len == 0)
    {
      g_test_fail_printf ("raw HTTPS to %s: %s; certificate %s; received %zu bytes: %s", where,
                          raw.timed_out ? "TIMEOUT"
                          : raw.error   ? raw.error->message
                                        : "no error",
                          raw.peer_matched ? "as on disk" : "NOT accepted", raw.response->len,
                          raw.response->str);
      g_clear_error (&raw.error);
      g_string_free (raw.response, TRUE);
      return NULL;
    }
  return g_string_free (raw.response, FALSE);
}

/* ---- Tests ------------------------------------------------------------------------------ */

static void
test_generate (Fixture *f, gconstpointer data)
{
  g_autoptr (RdConfig) config = config_new (f, "state", "127.0.0.1:0", "[room]\nname=Front desk");
  g_autoptr (RdSignalServer) server = NULL;
  g_autoptr (GTlsCertificate) cert = NULL;
  g_autoptr (GPtrArray) ips = NULL;
  g_autoptr (GPtrArray) dns = NULL;
  g_autoptr (GDateTime) not_before = NULL;
  g_autoptr (GDateTime) not_after = NULL;
  g_autofree char *tls_dir = tmp_path (f, "state", "tls", NULL);
  g_autofree char *cert_path = tmp_path (f, "state", "tls", "certificate.pem", NULL);
  g_autofree char *key_path = tmp_path (f, "state", "tls", "private-key.pem", NULL);
  g_autofree char *listing = NULL;
  g_autofree char *subject = NULL;
  g_autofree char *issuer = NULL;
  g_autofree char *expected_fp = NULL;
  g_autofree char *key_pem = NULL;
  gboolean has_loopback = FALSE;
  gboolean has_localhost = FALSE;

  server = server_new_ok (config);

  /* Files, modes, and no temporary files left behind. */
  g_assert_cmpuint (file_mode (tls_dir), ==, 0700);
  g_assert_cmpuint (file_mode (key_path), ==, 0600);
  g_assert_cmpuint (file_mode (cert_path), ==, 0600);
  listing = dir_listing (tls_dir);
  g_assert_cmpstr (listing, ==, "certificate.pem private-key.pem");
  key_pem = read_file (key_path);
  g_assert_true (g_str_has_prefix (key_pem, "-----BEGIN PRIVATE KEY-----\n"));

  /* Not listening yet. */
  g_assert_null (rd_signal_server_get_url (server));
  g_assert_cmpuint (rd_signal_server_get_port (server), ==, 0);

  /* The fingerprint is the SHA-256 of the certificate on disk. */
  expected_fp = pem_fingerprint (cert_path);
  g_assert_cmpstr (rd_signal_server_get_certificate_fingerprint (server), ==, expected_fp);
  g_assert_true (
      g_regex_match_simple ("^sha-256 ([0-9A-F]{2}:){31}[0-9A-F]{2}$", expected_fp, 0, 0));

  /* What the certificate says. */
  cert = certificate_from_file (cert_path);
  subject = g_tls_certificate_get_subject_name (cert);
  issuer = g_tls_certificate_get_issuer_name (cert);
  g_assert_cmpstr (subject, ==, "CN=Front desk");
  g_assert_cmpstr (issuer, ==, subject);
  not_before = g_tls_certificate_get_not_valid_before (cert);
  not_after = g_tls_certificate_get_not_valid_after (cert);
  g_assert_cmpint (g_date_time_difference (not_after, not_before) / G_TIME_SPAN_SECOND, ==,
                   825 * 24 * 3600);
  ips = g_tls_certificate_get_ip_addresses (cert);
  dns = g_tls_certificate_get_dns_names (cert);
  g_assert_nonnull (ips);
  g_assert_nonnull (dns);
  for (guint i = 0; i < ips->len; i++)
    {
      g_autofree char *text = g_inet_address_to_string (ips->pdata[i]);
      has_loopback |= g_str_equal (text, "127.0.0.1");
    }
  for (guint i = 0; i < dns->len; i++)
    has_localhost |= g_bytes_get_size (dns->pdata[i]) == strlen ("localhost") &&
                     memcmp (g_bytes_get_data (dns->pdata[i], NULL), "localhost", 9) == 0;
  g_assert_true (has_loopback);
  g_assert_true (has_localhost);
  g_assert_cmpuint (ips->len, ==, 1); /* 127.0.0.1 twice (listen and loopback): once */
}

static void
test_health (Fixture *f, gconstpointer data)
{
  g_autoptr (RdConfig) config = config_new (f, "state", "127.0.0.1:0", NULL);
  g_autoptr (RdSignalServer) server = server_new_ok (config);
  g_autofree char *cert_path = tmp_path (f, "state", "tls", "certificate.pem", NULL);
  g_autoptr (GTlsCertificate) cert = certificate_from_file (cert_path);
  g_autoptr (SoupMessage) msg = NULL;
  g_autoptr (SoupMessage) head = NULL;
  g_autoptr (GBytes) body = NULL;
  g_autoptr (GBytes) head_body = NULL;
  g_autofree char *expected_url = NULL;
  g_autofree char *text = NULL;
  SoupMessageHeaders *headers;
  guint16 port;

  server_start_ok (server);
  port = rd_signal_server_get_port (server);
  g_assert_cmpuint (port, !=, 0);
  expected_url = g_strdup_printf ("https://127.0.0.1:%u/", port);
  g_assert_cmpstr (rd_signal_server_get_url (server), ==, expected_url);

  msg = fetch_full (server, "GET", "/health", cert, &body);
  if (!msg)
    return;
  g_assert_cmpuint (soup_message_get_status (msg), ==, SOUP_STATUS_OK);
  headers = soup_message_get_response_headers (msg);
  g_assert_cmpstr (soup_message_headers_get_content_type (headers, NULL), ==, "application/json");
  text = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  g_assert_cmpstr (text, ==, "{\"status\":\"ok\"}");
  assert_cors (msg);

  head = fetch_full (server, "HEAD", "/health", cert, &head_body);
  if (!head)
    return;
  g_assert_cmpuint (soup_message_get_status (head), ==, SOUP_STATUS_OK);
  g_assert_cmpuint (g_bytes_get_size (head_body), ==, 0);
  assert_cors (head);
}

static void
test_errors_carry_cors (Fixture *f, gconstpointer data)
{
  g_autoptr (RdConfig) config = config_new (f, "state", "127.0.0.1:0", NULL);
  g_autoptr (RdSignalServer) server = server_new_ok (config);
  g_autofree char *cert_path = tmp_path (f, "state", "tls", "certificate.pem", NULL);
  g_autoptr (GTlsCertificate) cert = certificate_from_file (cert_path);
  g_autoptr (SoupMessage) post = NULL;

  server_start_ok (server);
  assert_status (server, cert, "GET", "/no-such-thing", SOUP_STATUS_NOT_FOUND);
  assert_status (server, cert, "GET", "/", SOUP_STATUS_NOT_FOUND);
  assert_status (server, cert, "GET", "/health/more", SOUP_STATUS_NOT_FOUND);
  assert_status (server, cert, "GET", "/healthz", SOUP_STATUS_NOT_FOUND);
  /* A request line libsoup cannot parse: rejected by libsoup itself, before any handler. */
  assert_status (server, cert, "NOT A METHOD", "/health", SOUP_STATUS_BAD_REQUEST);

  post = fetch_full (server, "POST", "/health", cert, NULL);
  if (!post)
    return;
  g_assert_cmpuint (soup_message_get_status (post), ==, SOUP_STATUS_METHOD_NOT_ALLOWED);
  g_assert_cmpstr (soup_message_headers_get_one (soup_message_get_response_headers (post), "Allow"),
                   ==, "GET, HEAD");
  assert_cors (post);
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
set_flag (gpointer user_data)
{
  *(gboolean *)user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Connections that clients have closed are closed by the server too: no descriptor is lost per
 * request (libsoup 3.2 leaks idle keep-alive connections that the client closes). */
static void
test_no_connection_leak (Fixture *f, gconstpointer data)
{
  g_autoptr (RdConfig) config = config_new (f, "state", "127.0.0.1:0", NULL);
  g_autoptr (RdSignalServer) server = server_new_ok (config);
  g_autofree char *cert_path = tmp_path (f, "state", "tls", "certificate.pem", NULL);
  g_autoptr (GTlsCertificate) cert = certificate_from_file (cert_path);
  g_autoptr (GSource) timeout = g_timeout_source_new_seconds (FETCH_TIMEOUT_SECONDS);
  gboolean timed_out = FALSE;
  guint before, after;

  server_start_ok (server);
  /* One exchange first, so that whatever the TLS backend opens once is already open. */
  assert_status (server, cert, "GET", "/health", SOUP_STATUS_OK);
  before = count_open_fds ();
  for (int i = 0; i < 20; i++)
    assert_status (server, cert, "GET", i % 2 ? "/health" : "/nothing-here",
                   i % 2 ? SOUP_STATUS_OK : SOUP_STATUS_NOT_FOUND);

  /* The server closes its side as the client goes; wait for that, not for a fixed time. */
  g_source_set_callback (timeout, set_flag, &timed_out, NULL);
  g_source_attach (timeout, f->context);
  while ((after = count_open_fds ()) > before && !timed_out)
    g_main_context_iteration (f->context, TRUE);
  g_source_destroy (timeout);
  if (after > before)
    g_test_fail_printf ("%u file descriptors open before 20 requests, %u after", before, after);
}

static void
test_restart (Fixture *f, gconstpointer data)
{
  g_autoptr (RdConfig) config = config_new (f, "state", "127.0.0.1:0", NULL);
  g_autoptr (RdSignalServer) server = server_new_ok (config);
  g_autoptr (RdSignalServer) again = NULL;
  g_autofree char *cert_path = tmp_path (f, "state", "tls", "certificate.pem", NULL);
  g_autofree char *key_path = tmp_path (f, "state", "tls", "private-key.pem", NULL);
  g_autofree char *cert_before = read_file (cert_path);
  g_autofree char *key_before = read_file (key_path);
  g_autofree char *cert_after = NULL;
  g_autofree char *key_after = NULL;
  g_autofree char *fingerprint = g_strdup (rd_signal_server_get_certificate_fingerprint (server));
  g_autoptr (GTlsCertificate) cert = certificate_from_file (cert_path);

  /* Stop is idempotent, also before any start. */
  rd_signal_server_stop (server);
  server_start_ok (server);
  assert_status (server, cert, "GET", "/health", SOUP_STATUS_OK);
  rd_signal_server_stop (server);
  rd_signal_server_stop (server);
  g_assert_null (rd_signal_server_get_url (server));
  g_assert_cmpuint (rd_signal_server_get_port (server), ==, 0);

  /* The same object starts again. */
  server_start_ok (server);
  assert_status (server, cert, "GET", "/health", SOUP_STATUS_OK);
  g_clear_object (&server);

  /* A new server on the same state dir reuses the identity and touches nothing. */
  again = server_new_ok (config);
  g_assert_cmpstr (rd_signal_server_get_certificate_fingerprint (again), ==, fingerprint);
  server_start_ok (again);
  assert_status (again, cert, "GET", "/health", SOUP_STATUS_OK);
  cert_after = read_file (cert_path);
  key_after = read_file (key_path);
  g_assert_cmpstr (cert_after, ==, cert_before);
  g_assert_cmpstr (key_after, ==, key_before);
}

/* Generates an identity under @state_dir and returns nothing: the files are the result. */
static void
generate_identity (Fixture *f, const char *state_dir)
{
  g_autoptr (RdConfig) config = config_new (f, state_dir, "127.0.0.1:0", NULL);
  g_autoptr (RdSignalServer) server = server_new_ok (config);
}

static void
assert_tls_error (RdConfig *config, const char *must_mention, const char *must_mention_too)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (RdSignalServer) server = rd_signal_server_new (config, &error);

  g_assert_null (server);
  g_assert_error (error, RD_SIGNAL_ERROR, RD_SIGNAL_ERROR_TLS);
  g_test_message ("error: %s", error->message);
  if (!strstr (error->message, must_mention) ||
      (must_mention_too && !strstr (error->message, must_mention_too)))
    g_test_fail_printf ("error '%s' should mention '%s'%s%s", error->message, must_mention,
                        must_mention_too ? " and " : "", must_mention_too ? must_mention_too : "");
}

static void
test_half_identity (Fixture *f, gconstpointer data)
{
  g_autoptr (RdConfig) config = config_new (f, "state", "127.0.0.1:0", NULL);
  g_autofree char *tls_dir = tmp_path (f, "state", "tls", NULL);
  g_autofree char *cert_path = tmp_path (f, "state", "tls", "certificate.pem", NULL);
  g_autofree char *key_path = tmp_path (f, "state", "tls", "private-key.pem", NULL);
  g_autofree char *cert_before = NULL;
  g_autofree char *cert_after = NULL;
  g_autofree char *key_before = NULL;
  g_autofree char *key_after = NULL;
  g_autofree char *listing = NULL;

  /* Certificate present, key missing: refuse, touch nothing, create nothing. */
  generate_identity (f, "state");
  cert_before = read_file (cert_path);
  key_before = read_file (key_path);
  g_assert_cmpint (g_unlink (key_path), ==, 0);
  assert_tls_error (config, key_path, "missing");
  cert_after = read_file (cert_path);
  g_assert_cmpstr (cert_after, ==, cert_before);
  g_assert_false (exists (key_path));
  listing = dir_listing (tls_dir);
  g_assert_cmpstr (listing, ==, "certificate.pem");

  /* Key present, certificate missing: the same. */
  write_file (key_path, key_before);
  g_assert_cmpint (g_unlink (cert_path), ==, 0);
  assert_tls_error (config, cert_path, "missing");
  key_after = read_file (key_path);
  g_assert_cmpstr (key_after, ==, key_before);
  g_assert_false (exists (cert_path));
  g_clear_pointer (&listing, g_free);
  listing = dir_listing (tls_dir);
  g_assert_cmpstr (listing, ==, "private-key.pem");
}

static void
test_bad_files (Fixture *f, gconstpointer data)
{
  g_autoptr (RdConfig) config = config_new (f, "state", "127.0.0.1:0", NULL);
  g_autofree char *cert_path = tmp_path (f, "state", "tls", "certificate.pem", NULL);
  g_autofree char *key_path = tmp_path (f, "state", "tls", "private-key.pem", NULL);
  g_autofree char *other_key = tmp_path (f, "other", "tls", "private-key.pem", NULL);
  g_autofree char *good_cert = NULL;
  g_autofree char *good_key = NULL;
  g_autofree char *after = NULL;
  g_autofree char *wrong_key = NULL;

  generate_identity (f, "state");
  generate_identity (f, "other");
  good_cert = read_file (cert_path);
  good_key = read_file (key_path);

  /* A garbage certificate: named, kept as it is. */
  write_file (cert_path, "this is not a certificate\n");
  assert_tls_error (config, cert_path, "certificate");
  after = read_file (cert_path);
  g_assert_cmpstr (after, ==, "this is not a certificate\n");
  g_clear_pointer (&after, g_free);
  after = read_file (key_path);
  g_assert_cmpstr (after, ==, good_key);
  g_clear_pointer (&after, g_free);

  /* A garbage key: named, kept. */
  write_file (cert_path, good_cert);
  write_file (key_path, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
  assert_tls_error (config, key_path, "private key");
  after = read_file (key_path);
  g_assert_true (g_str_has_suffix (after, "AAAA\n-----END PRIVATE KEY-----\n"));
  g_clear_pointer (&after, g_free);

  /* Somebody else's key: both files named. */
  wrong_key = read_file (other_key);
  write_file (key_path, wrong_key);
  assert_tls_error (config, key_path, cert_path);

  /* An empty certificate file is not "missing". */
  write_file (cert_path, "");
  write_file (key_path, good_key);
  assert_tls_error (config, cert_path, NULL);
  after = read_file (cert_path);
  g_assert_cmpstr (after, ==, "");
}

static void
test_port_in_use (Fixture *f, gconstpointer data)
{
  g_autoptr (RdConfig) config = config_new (f, "state", "127.0.0.1:0", NULL);
  g_autoptr (RdSignalServer) first = server_new_ok (config);
  g_autoptr (RdConfig) clash_config = NULL;
  g_autoptr (RdSignalServer) second = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *listen = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *cert_path = tmp_path (f, "state", "tls", "certificate.pem", NULL);
  g_autoptr (GTlsCertificate) cert = certificate_from_file (cert_path);

  server_start_ok (first);
  listen = g_strdup_printf ("127.0.0.1:%u", rd_signal_server_get_port (first));
  clash_config = config_new (f, "state", listen, NULL);
  second = server_new_ok (clash_config);

  g_assert_false (rd_signal_server_start (second, &error));
  g_assert_error (error, RD_SIGNAL_ERROR, RD_SIGNAL_ERROR_LISTEN);
  expected = g_strdup_printf ("cannot listen on %s: %s", listen, g_strerror (EADDRINUSE));
  g_assert_cmpstr (error->message, ==, expected);
  g_assert_null (rd_signal_server_get_url (second));
  g_assert_cmpuint (rd_signal_server_get_port (second), ==, 0);

  /* The first one is unharmed; once it is gone, the second can have the port. */
  assert_status (first, cert, "GET", "/health", SOUP_STATUS_OK);
  rd_signal_server_stop (first);
  server_start_ok (second);
  g_assert_cmpuint (rd_signal_server_get_port (second), ==,
                    g_ascii_strtoull (listen + strlen ("127.0.0.1:"), NULL, 10));
  assert_status (second, cert, "GET", "/health", SOUP_STATUS_OK);
}

static void
test_configured_paths (Fixture *f, gconstpointer data)
{
  g_autofree char *cert_path = tmp_path (f, "elsewhere", "tls", "certificate.pem", NULL);
  g_autofree char *key_path = tmp_path (f, "elsewhere", "tls", "private-key.pem", NULL);
  g_autofree char *state_tls = tmp_path (f, "state", "tls", NULL);
  g_autofree char *extra = NULL;
  g_autofree char *missing_extra = NULL;
  g_autofree char *missing_cert = tmp_path (f, "nowhere", "cert.pem", NULL);
  g_autofree char *missing_key = tmp_path (f, "nowhere", "key.pem", NULL);
  g_autofree char *missing_dir = tmp_path (f, "nowhere", NULL);
  g_autofree char *expected_fp = NULL;
  g_autoptr (RdConfig) config = NULL;
  g_autoptr (RdConfig) missing_config = NULL;
  g_autoptr (RdSignalServer) server = NULL;
  g_autoptr (GTlsCertificate) cert = NULL;

  generate_identity (f, "elsewhere");
  expected_fp = pem_fingerprint (cert_path);
  cert = certificate_from_file (cert_path);

  extra = g_strdup_printf ("certificate=%s\nprivate-key=%s", cert_path, key_path);
  config = config_new (f, "state", "127.0.0.1:0", extra);
  server = server_new_ok (config);
  g_assert_cmpstr (rd_signal_server_get_certificate_fingerprint (server), ==, expected_fp);
  g_assert_false (exists (state_tls)); /* nothing generated */
  server_start_ok (server);
  assert_status (server, cert, "GET", "/health", SOUP_STATUS_OK);

  /* Configured files are never generated. */
  missing_extra = g_strdup_printf ("certificate=%s\nprivate-key=%s", missing_cert, missing_key);
  missing_config = config_new (f, "state", "127.0.0.1:0", missing_extra);
  assert_tls_error (missing_config, missing_cert, NULL);
  g_assert_false (exists (missing_dir));
  g_assert_false (exists (state_tls));
}

static void
test_long_room_name (Fixture *f, gconstpointer data)
{
  GString *name = g_string_new (NULL);
  g_autofree char *room = NULL;
  g_autoptr (RdConfig) config = NULL;
  g_autoptr (RdSignalServer) server = NULL;
  g_autofree char *cert_path = tmp_path (f, "state", "tls", "certificate.pem", NULL);
  g_autoptr (GTlsCertificate) cert = NULL;
  g_autofree char *subject = NULL;
  g_autofree char *expected = NULL;

  for (int i = 0; i < 100; i++)
    g_string_append (name, "\xc3\xa9"); /* é: 100 characters, 200 bytes */
  room = g_strdup_printf ("[room]\nname=%s", name->str);
  config = config_new (f, "state", "127.0.0.1:0", room);
  server = server_new_ok (config);
  cert = certificate_from_file (cert_path);
  subject = g_tls_certificate_get_subject_name (cert);
  g_string_truncate (name, 64 * 2);
  expected = g_strdup_printf ("CN=%s", name->str);
  g_assert_cmpstr (subject, ==, expected);
  g_string_free (name, TRUE);
}

static gboolean
ipv6_loopback_available (void)
{
  g_autoptr (GSocket) socket =
      g_socket_new (G_SOCKET_FAMILY_IPV6, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT, NULL);
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV6);
  g_autoptr (GSocketAddress) address = g_inet_socket_address_new (loopback, 0);

  return socket && g_socket_bind (socket, address, FALSE, NULL);
}

static void
test_ipv6 (Fixture *f, gconstpointer data)
{
  g_autoptr (RdConfig) config = NULL;
  g_autoptr (RdSignalServer) server = NULL;
  g_autoptr (GTlsCertificate) cert = NULL;
  g_autoptr (GPtrArray) ips = NULL;
  g_autofree char *cert_path = tmp_path (f, "state", "tls", "certificate.pem", NULL);
  g_autofree char *expected_url = NULL;
  g_autoptr (GInetAddress) loopback = NULL;
  g_autoptr (GSocketAddress) address = NULL;
  g_autofree char *request = NULL;
  g_autofree char *response = NULL;
  gboolean has_v6 = FALSE;
  guint16 port;

  if (!ipv6_loopback_available ())
    {
      g_test_skip ("no IPv6 loopback on this host");
      return;
    }
  config = config_new (f, "state", "[::1]:0", NULL);
  server = server_new_ok (config);
  cert = certificate_from_file (cert_path);
  ips = g_tls_certificate_get_ip_addresses (cert);
  for (guint i = 0; ips && i < ips->len; i++)
    {
      g_autofree char *text = g_inet_address_to_string (ips->pdata[i]);
      has_v6 |= g_str_equal (text, "::1");
    }
  g_assert_true (has_v6);

  server_start_ok (server);
  port = rd_signal_server_get_port (server);
  expected_url = g_strdup_printf ("https://[::1]:%u/", port);
  g_assert_cmpstr (rd_signal_server_get_url (server), ==, expected_url);

  loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV6);
  address = g_inet_socket_address_new (loopback, port);
  request =
      g_strdup_printf ("GET /health HTTP/1.1\r\nHost: [::1]:%u\r\nConnection: close\r\n\r\n", port);
  response = raw_fetch (address, cert, request);
  if (!response)
    return;
  g_assert_true (g_str_has_prefix (response, "HTTP/1.1 200 OK\r\n"));
  g_assert_nonnull (strstr (response, "\r\nAccess-Control-Allow-Origin: *\r\n"));
  g_assert_true (g_str_has_suffix (response, "\r\n\r\n{\"status\":\"ok\"}"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  if (!g_tls_backend_supports_tls (g_tls_backend_get_default ()))
    {
      g_printerr ("no TLS backend (glib-networking) installed\n");
      return 77;
    }

#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD ("/signal/tls/generate", test_generate);
  ADD ("/signal/tls/half-identity-refused", test_half_identity);
  ADD ("/signal/tls/bad-files", test_bad_files);
  ADD ("/signal/tls/configured-paths", test_configured_paths);
  ADD ("/signal/tls/long-room-name", test_long_room_name);
  ADD ("/signal/http/health", test_health);
  ADD ("/signal/http/errors-carry-cors", test_errors_carry_cors);
  ADD ("/signal/http/no-connection-leak", test_no_connection_leak);
  ADD ("/signal/http/restart", test_restart);
  ADD ("/signal/http/port-in-use", test_port_in_use);
  ADD ("/signal/http/ipv6", test_ipv6);
#undef ADD

  return g_test_run ();
}
