/* test-signal-server.c: the HTTPS listener (signaling/rd-signal-server.h): /health, CORS on
 * errors, no connection leaked, restart, a port in use, IPv6 (and a client without SNI); driven
 * by a real libsoup client over HTTPS on 127.0.0.1 (and ::1 when the host has it), fixture in
 * rd-test-listener.h. test-signal-server-tls.c has the TLS identity. */
#include "signaling/rd-signal-server.h"
#include "signaling/rd-signal-error.h"
#include "tests/rd-test-listener.h"
#include "tests/rd-test-signal.h"

#include <errno.h>
#include <string.h>

#include <libsoup/soup.h>

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

  g_socket_client_set_timeout (client, RD_TEST_LISTENER_TIMEOUT_S);
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
 * connection: the request says "Connection: close"), or NULL with *@problem (transfer full) set
 * to what went wrong. */
static char *
raw_exchange (GSocketAddress *address, GTlsCertificate *expected, const char *request,
              char **problem)
{
  g_autoptr (GSource) timeout = g_timeout_source_new_seconds (2 * RD_TEST_LISTENER_TIMEOUT_S);
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
      *problem = g_strdup_printf (
          "raw HTTPS to %s: %s; certificate %s; received %zu bytes: %s", where,
          raw.timed_out ? "TIMEOUT"
          : raw.error   ? raw.error->message
                        : "no error",
          raw.peer_matched ? "as on disk" : "NOT accepted", raw.response->len, raw.response->str);
      g_clear_error (&raw.error);
      g_string_free (raw.response, TRUE);
      return NULL;
    }
  return g_string_free (raw.response, FALSE);
}

/* raw_exchange (), or NULL after failing the test. */
static char *
raw_fetch (GSocketAddress *address, GTlsCertificate *expected, const char *request)
{
  g_autofree char *problem = NULL;
  char *response = raw_exchange (address, expected, request, &problem);

  if (!response)
    g_test_fail_printf ("%s", problem);
  return response;
}

static void
test_health (RdTestListener *f, gconstpointer data)
{
  g_autoptr (RdConfig) config = rd_test_listener_config (f, "state", "127.0.0.1:0", NULL);
  g_autoptr (RdSignalServer) server = rd_test_listener_server_new (config);
  g_autofree char *cert_path = rd_test_listener_path (f, "state", "tls", "certificate.pem", NULL);
  g_autoptr (GTlsCertificate) cert = rd_test_listener_cert (cert_path);
  g_autoptr (SoupMessage) msg = NULL;
  g_autoptr (SoupMessage) head = NULL;
  g_autoptr (GBytes) body = NULL;
  g_autoptr (GBytes) head_body = NULL;
  g_autofree char *expected_url = NULL;
  g_autofree char *text = NULL;
  SoupMessageHeaders *headers;
  guint16 port;

  rd_test_listener_server_start (server);
  port = rd_signal_server_get_port (server);
  g_assert_cmpuint (port, !=, 0);
  expected_url = g_strdup_printf ("https://127.0.0.1:%u/", port);
  g_assert_cmpstr (rd_signal_server_get_url (server), ==, expected_url);

  msg = rd_test_listener_fetch (server, "GET", "/health", cert, &body);
  if (!msg)
    return;
  g_assert_cmpuint (soup_message_get_status (msg), ==, SOUP_STATUS_OK);
  headers = soup_message_get_response_headers (msg);
  g_assert_cmpstr (soup_message_headers_get_content_type (headers, NULL), ==, "application/json");
  text = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  g_assert_cmpstr (text, ==, "{\"status\":\"ok\"}");
  rd_test_listener_assert_cors (msg);

  head = rd_test_listener_fetch (server, "HEAD", "/health", cert, &head_body);
  if (!head)
    return;
  g_assert_cmpuint (soup_message_get_status (head), ==, SOUP_STATUS_OK);
  g_assert_cmpuint (g_bytes_get_size (head_body), ==, 0);
  rd_test_listener_assert_cors (head);
}

static void
test_errors_carry_cors (RdTestListener *f, gconstpointer data)
{
  g_autoptr (RdConfig) config = rd_test_listener_config (f, "state", "127.0.0.1:0", NULL);
  g_autoptr (RdSignalServer) server = rd_test_listener_server_new (config);
  g_autofree char *cert_path = rd_test_listener_path (f, "state", "tls", "certificate.pem", NULL);
  g_autoptr (GTlsCertificate) cert = rd_test_listener_cert (cert_path);
  g_autoptr (SoupMessage) post = NULL;

  rd_test_listener_server_start (server);
  rd_test_listener_assert_status (server, cert, "GET", "/no-such-thing", SOUP_STATUS_NOT_FOUND);
  rd_test_listener_assert_status (server, cert, "GET", "/", SOUP_STATUS_NOT_FOUND);
  rd_test_listener_assert_status (server, cert, "GET", "/health/more", SOUP_STATUS_NOT_FOUND);
  rd_test_listener_assert_status (server, cert, "GET", "/healthz", SOUP_STATUS_NOT_FOUND);
  /* A request line libsoup cannot parse: rejected by libsoup itself, before any handler. */
  rd_test_listener_assert_status (server, cert, "NOT A METHOD", "/health", SOUP_STATUS_BAD_REQUEST);

  post = rd_test_listener_fetch (server, "POST", "/health", cert, NULL);
  if (!post)
    return;
  g_assert_cmpuint (soup_message_get_status (post), ==, SOUP_STATUS_METHOD_NOT_ALLOWED);
  g_assert_cmpstr (soup_message_headers_get_one (soup_message_get_response_headers (post), "Allow"),
                   ==, "GET, HEAD");
  rd_test_listener_assert_cors (post);
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
test_no_connection_leak (RdTestListener *f, gconstpointer data)
{
  g_autoptr (RdConfig) config = rd_test_listener_config (f, "state", "127.0.0.1:0", NULL);
  g_autoptr (RdSignalServer) server = rd_test_listener_server_new (config);
  g_autofree char *cert_path = rd_test_listener_path (f, "state", "tls", "certificate.pem", NULL);
  g_autoptr (GTlsCertificate) cert = rd_test_listener_cert (cert_path);
  g_autoptr (GSource) timeout = g_timeout_source_new_seconds (RD_TEST_LISTENER_TIMEOUT_S);
  gboolean timed_out = FALSE;
  guint before, after;

  rd_test_listener_server_start (server);
  /* One exchange first, so that whatever the TLS backend opens once is already open. */
  rd_test_listener_assert_status (server, cert, "GET", "/health", SOUP_STATUS_OK);
  before = rd_test_signal_count_fds ();
  for (int i = 0; i < 20; i++)
    rd_test_listener_assert_status (server, cert, "GET", i % 2 ? "/health" : "/nothing-here",
                                    i % 2 ? SOUP_STATUS_OK : SOUP_STATUS_NOT_FOUND);

  /* The server closes its side as the client goes; wait for that, not for a fixed time. */
  g_source_set_callback (timeout, set_flag, &timed_out, NULL);
  g_source_attach (timeout, f->context);
  while ((after = rd_test_signal_count_fds ()) > before && !timed_out)
    g_main_context_iteration (f->context, TRUE);
  g_source_destroy (timeout);
  if (after > before)
    g_test_fail_printf ("%u file descriptors open before 20 requests, %u after", before, after);
}

static void
test_restart (RdTestListener *f, gconstpointer data)
{
  g_autoptr (RdConfig) config = rd_test_listener_config (f, "state", "127.0.0.1:0", NULL);
  g_autoptr (RdSignalServer) server = rd_test_listener_server_new (config);
  g_autoptr (RdSignalServer) again = NULL;
  g_autofree char *cert_path = rd_test_listener_path (f, "state", "tls", "certificate.pem", NULL);
  g_autofree char *key_path = rd_test_listener_path (f, "state", "tls", "private-key.pem", NULL);
  g_autofree char *cert_before = rd_test_listener_read (cert_path);
  g_autofree char *key_before = rd_test_listener_read (key_path);
  g_autofree char *cert_after = NULL;
  g_autofree char *key_after = NULL;
  g_autofree char *fingerprint = g_strdup (rd_signal_server_get_certificate_fingerprint (server));
  g_autoptr (GTlsCertificate) cert = rd_test_listener_cert (cert_path);

  /* Stop is idempotent, also before any start. */
  rd_signal_server_stop (server);
  rd_test_listener_server_start (server);
  rd_test_listener_assert_status (server, cert, "GET", "/health", SOUP_STATUS_OK);
  rd_signal_server_stop (server);
  rd_signal_server_stop (server);
  g_assert_null (rd_signal_server_get_url (server));
  g_assert_cmpuint (rd_signal_server_get_port (server), ==, 0);

  /* The same object starts again. */
  rd_test_listener_server_start (server);
  rd_test_listener_assert_status (server, cert, "GET", "/health", SOUP_STATUS_OK);
  g_clear_object (&server);

  /* A new server on the same state dir reuses the identity and touches nothing. */
  again = rd_test_listener_server_new (config);
  g_assert_cmpstr (rd_signal_server_get_certificate_fingerprint (again), ==, fingerprint);
  rd_test_listener_server_start (again);
  rd_test_listener_assert_status (again, cert, "GET", "/health", SOUP_STATUS_OK);
  cert_after = rd_test_listener_read (cert_path);
  key_after = rd_test_listener_read (key_path);
  g_assert_cmpstr (cert_after, ==, cert_before);
  g_assert_cmpstr (key_after, ==, key_before);
}

/* Generates an identity under @state_dir and returns nothing: the files are the result. */
static void
test_port_in_use (RdTestListener *f, gconstpointer data)
{
  g_autoptr (RdConfig) config = rd_test_listener_config (f, "state", "127.0.0.1:0", NULL);
  g_autoptr (RdSignalServer) first = rd_test_listener_server_new (config);
  g_autoptr (RdConfig) clash_config = NULL;
  g_autoptr (RdSignalServer) second = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *listen = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *cert_path = rd_test_listener_path (f, "state", "tls", "certificate.pem", NULL);
  g_autoptr (GTlsCertificate) cert = rd_test_listener_cert (cert_path);

  rd_test_listener_server_start (first);
  listen = g_strdup_printf ("127.0.0.1:%u", rd_signal_server_get_port (first));
  clash_config = rd_test_listener_config (f, "state", listen, NULL);
  second = rd_test_listener_server_new (clash_config);

  g_assert_false (rd_signal_server_start (second, &error));
  g_assert_error (error, RD_SIGNAL_ERROR, RD_SIGNAL_ERROR_LISTEN);
  expected = g_strdup_printf ("cannot listen on %s: %s", listen, g_strerror (EADDRINUSE));
  g_assert_cmpstr (error->message, ==, expected);
  g_assert_null (rd_signal_server_get_url (second));
  g_assert_cmpuint (rd_signal_server_get_port (second), ==, 0);

  /* The first one is unharmed; once it is gone, the second can have the port. */
  rd_test_listener_assert_status (first, cert, "GET", "/health", SOUP_STATUS_OK);
  rd_signal_server_stop (first);
  rd_test_listener_server_start (second);
  g_assert_cmpuint (rd_signal_server_get_port (second), ==,
                    g_ascii_strtoull (listen + strlen ("127.0.0.1:"), NULL, 10));
  rd_test_listener_assert_status (second, cert, "GET", "/health", SOUP_STATUS_OK);
}

/* A request whose body length is ambiguous or impossible is answered 400 and the connection
 * closed, before any handler looks at it (RFC 9112 section 6.3): two Content-Length headers (equal
 * or not), Content-Length with Transfer-Encoding, a negative or non-numeric Content-Length. */
static void
test_bad_framing (RdTestListener *f, gconstpointer data)
{
  g_autoptr (RdConfig) config = rd_test_listener_config (f, "state", "127.0.0.1:0", NULL);
  g_autoptr (RdSignalServer) server = rd_test_listener_server_new (config);
  g_autofree char *cert_path = rd_test_listener_path (f, "state", "tls", "certificate.pem", NULL);
  g_autoptr (GTlsCertificate) cert = rd_test_listener_cert (cert_path);
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) address = NULL;
  static const char *const framings[] = {
    "Content-Length: 3\r\nContent-Length: 3\r\n\r\nv=0",
    "Content-Length: 3\r\nContent-Length: 30\r\n\r\nv=0",
    "Content-Length: 3, 3\r\n\r\nv=0",
    "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nv=0\r\n0\r\n\r\n",
    "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n3\r\nv=0\r\n0\r\n\r\n",
    "Content-Length: -1\r\n\r\nv=0",
    "Content-Length: 3x\r\n\r\nv=0",
  };
  static const char *const targets[] = { "POST /whip/s1", "GET /health", "POST /nowhere" };

  rd_test_listener_server_start (server);
  address = g_inet_socket_address_new (loopback, rd_signal_server_get_port (server));
  for (gsize t = 0; t < G_N_ELEMENTS (targets); t++)
    for (gsize i = 0; i < G_N_ELEMENTS (framings); i++)
      {
        g_autofree char *request =
            g_strdup_printf ("%s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer x\r\n"
                             "Content-Type: application/sdp\r\n%s",
                             targets[t], framings[i]);
        g_autofree char *problem = NULL;
        g_autofree char *response = raw_exchange (address, cert, request, &problem);
        g_autofree char *shown = g_strescape (framings[i], NULL);

        g_test_message ("%s with %s: %.40s", targets[t], shown, response ? response : problem);
        if (!response || !g_str_has_prefix (response, "HTTP/1.1 400 ") ||
            !strstr (response, "\r\nConnection: close\r\n"))
          g_test_fail_printf ("%s with %s: %.80s", targets[t], shown,
                              response ? response : problem);
      }
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
test_ipv6 (RdTestListener *f, gconstpointer data)
{
  g_autoptr (RdConfig) config = NULL;
  g_autoptr (RdSignalServer) server = NULL;
  g_autoptr (GTlsCertificate) cert = NULL;
  g_autoptr (GPtrArray) ips = NULL;
  g_autofree char *cert_path = rd_test_listener_path (f, "state", "tls", "certificate.pem", NULL);
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
  config = rd_test_listener_config (f, "state", "[::1]:0", NULL);
  server = rd_test_listener_server_new (config);
  cert = rd_test_listener_cert (cert_path);
  ips = g_tls_certificate_get_ip_addresses (cert);
  for (guint i = 0; ips && i < ips->len; i++)
    {
      g_autofree char *text = g_inet_address_to_string (ips->pdata[i]);
      has_v6 |= g_str_equal (text, "::1");
    }
  g_assert_true (has_v6);

  rd_test_listener_server_start (server);
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

#define ADD(path, fn)                                                                              \
  g_test_add (path, RdTestListener, NULL, rd_test_listener_setup, fn, rd_test_listener_teardown)
  ADD ("/signal/http/health", test_health);
  ADD ("/signal/http/errors-carry-cors", test_errors_carry_cors);
  ADD ("/signal/http/no-connection-leak", test_no_connection_leak);
  ADD ("/signal/http/restart", test_restart);
  ADD ("/signal/http/port-in-use", test_port_in_use);
  ADD ("/signal/http/ipv6", test_ipv6);
  ADD ("/signal/http/bad-framing", test_bad_framing);
#undef ADD

  return rd_test_signal_run ();
}
