/* test-signal-server-load.c: the HTTPS listener under connection load
 * (signaling/rd-signal-server.h, rd-signal-accept.h): idle sockets that never send a byte do not
 * delay a fresh request, a connection that does not complete TLS and a request in time is closed,
 * the per-address cap, and the listener accepting again once the process ran out of file
 * descriptors. Clients are plain TCP sockets on the loopback (the flood comes from 127.0.0.2, the
 * fresh request from 127.0.0.1) and the real HTTPS client of rd-test-signal.h; fixture in
 * rd-test-listener.h. */
#include "signaling/rd-signal-server.h"
#include "tests/rd-test-listener.h"
#include "tests/rd-test-signal.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/resource.h>

#define FLOOD_ADDRESS "127.0.0.2"
/* How long a fresh request may take while the flood holds its sockets open. */
#define FRESH_BOUND_MS 3000

/* Iterates the thread-default context (the fixture's, where the server runs) until @cond holds;
 * fails the test quoting @cond and what was seen after @timeout_s. */
#define WAIT_HERE(cond, timeout_s, ...)                                                            \
  G_STMT_START                                                                                     \
  {                                                                                                \
    gint64 _end = g_get_monotonic_time () + (timeout_s)*G_TIME_SPAN_SECOND;                        \
    GSource *_wake = g_timeout_source_new (10);                                                    \
    g_source_set_callback (_wake, keep_waking, NULL, NULL);                                        \
    g_source_attach (_wake, g_main_context_get_thread_default ());                                 \
    while (!(cond) && g_get_monotonic_time () < _end)                                              \
      g_main_context_iteration (g_main_context_get_thread_default (), TRUE);                       \
    g_source_destroy (_wake);                                                                      \
    g_source_unref (_wake);                                                                        \
    if (!(cond))                                                                                   \
      g_error ("timed out after %d s waiting for %s; seen: %s", (int)(timeout_s), #cond,           \
               g_strdup_printf (__VA_ARGS__));                                                     \
  }                                                                                                \
  G_STMT_END

static gboolean
keep_waking (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* The listener's knobs for tests (rd-signal-server.h). */
static void
set_knob (RdSignalServer *server, const char *name, guint value)
{
  if (!g_object_class_find_property (G_OBJECT_GET_CLASS (server), name))
    {
      g_test_message ("the server has no property %s", name);
      return;
    }
  g_object_set (server, name, value, NULL);
}

/* A non-blocking TCP socket from @from towards @port on 127.0.0.1, connecting (it never sends a
 * byte); NULL when the process has no descriptor left (errno EMFILE). (transfer full) */
static GSocket *
open_idle (const char *from, guint16 port)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocket) socket = NULL;
  g_autoptr (GInetAddress) local_ip = g_inet_address_new_from_string (from);
  g_autoptr (GInetAddress) server_ip = g_inet_address_new_from_string ("127.0.0.1");
  g_autoptr (GSocketAddress) local = g_inet_socket_address_new (local_ip, 0);
  g_autoptr (GSocketAddress) remote = g_inet_socket_address_new (server_ip, port);

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  if (!socket)
    {
      g_assert_true (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TOO_MANY_OPEN_FILES));
      return NULL;
    }
  g_socket_set_blocking (socket, FALSE);
  g_assert_true (g_socket_bind (socket, local, FALSE, &error));
  if (!g_socket_connect (socket, remote, NULL, &error))
    g_assert_true (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PENDING));
  return g_steal_pointer (&socket);
}

/* Whether the server has closed @socket (EOF or reset); never blocks. */
static gboolean
closed_by_server (GSocket *socket)
{
  char byte;
  gssize n;

  if (!g_socket_condition_check (socket, G_IO_IN | G_IO_HUP | G_IO_ERR))
    return FALSE;
  n = g_socket_receive_with_blocking (socket, &byte, 1, FALSE, NULL, NULL);
  return n <= 0;
}

static guint
count_closed (GPtrArray *sockets)
{
  guint n = 0;

  for (guint i = 0; i < sockets->len; i++)
    n += closed_by_server (sockets->pdata[i]);
  return n;
}

/* GET /health from 127.0.0.1; its duration in ms, or G_MAXUINT when no answer came within
 * @bound_ms (the test has failed then). */
static guint
fresh_request_ms (RdSignalServer *server, GTlsCertificate *cert, guint bound_ms)
{
  RdTestHttpsRequest req = { .method = "GET", .path = "/health" };
  gint64 start = g_get_monotonic_time ();
  RdTestHttpsExchange *ex = rd_test_https_start (rd_signal_server_get_url (server), &req, cert);
  guint took = G_MAXUINT;

  rd_test_https_wait (ex, bound_ms);
  if (rd_test_https_ok (ex) && soup_message_get_status (ex->msg) == SOUP_STATUS_OK)
    took = (guint)((g_get_monotonic_time () - start) / 1000);
  else
    g_test_fail_printf ("GET /health: no 200 within %u ms; seen:%s", bound_ms, ex->seen->str);
  rd_test_https_finish (ex);
  rd_test_https_free (ex);
  return took;
}

typedef struct
{
  RdConfig *config;
  RdSignalServer *server;
  GTlsCertificate *cert;
  GPtrArray *flood; /* GSocket */
} Room;

static void
room_open (Room *room, RdTestListener *f, const char *extra)
{
  g_autofree char *cert_path = rd_test_listener_path (f, "state", "tls", "certificate.pem", NULL);

  room->config = rd_test_listener_config (f, "state", "127.0.0.1:0", extra);
  room->server = rd_test_listener_server_new (room->config);
  room->cert = rd_test_listener_cert (cert_path);
  room->flood = g_ptr_array_new_with_free_func (g_object_unref);
}

static void
room_close (Room *room)
{
  g_ptr_array_unref (room->flood);
  g_object_unref (room->cert);
  g_object_unref (room->server);
  rd_config_unref (room->config);
}

/* @n idle sockets from FLOOD_ADDRESS towards the started server, kept in room->flood. */
static void
room_flood (Room *room, guint n)
{
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (room->flood,
                     open_idle (FLOOD_ADDRESS, rd_signal_server_get_port (room->server)));
}

/* 200 sockets that never send a byte, all kept open by the server (the caps are raised so that
 * it keeps them), do not delay a fresh request. */
static void
test_idle_sockets (RdTestListener *f, gconstpointer data)
{
  Room room;
  guint took, before;
  /* RD_TEST_FRESH_BOUND_MS: a longer bound, to measure a slow server */
  guint bound_ms = g_getenv ("RD_TEST_FRESH_BOUND_MS") ? atoi (g_getenv ("RD_TEST_FRESH_BOUND_MS"))
                                                       : FRESH_BOUND_MS;

  room_open (&room, f, "max-connections=256\nmax-connections-per-address=256");
  rd_test_listener_server_start (room.server);
  took = fresh_request_ms (room.server, room.cert, bound_ms);
  g_test_message ("a fresh request without the flood took %u ms", took);
  before = rd_test_signal_count_fds ();
  room_flood (&room, 200);
  /* The server has taken them all (its side of each is a descriptor of this process too). */
  WAIT_HERE (rd_test_signal_count_fds () >= before + 400, 5, "%u descriptors, %u before",
             rd_test_signal_count_fds (), before);
  took = fresh_request_ms (room.server, room.cert, bound_ms);
  g_test_message ("a fresh request with 200 idle sockets open took %u ms", took);
  g_assert_cmpuint (took, <, FRESH_BOUND_MS);
  room_close (&room);
}

/* A socket that sends nothing is closed once the connection timeout has passed. */
static void
test_idle_timeout (RdTestListener *f, gconstpointer data)
{
  Room room;
  GSocket *idle;

  room_open (&room, f, NULL);
  set_knob (room.server, "connection-timeout-ms", 300);
  rd_test_listener_server_start (room.server);
  idle = open_idle (FLOOD_ADDRESS, rd_signal_server_get_port (room.server));
  g_ptr_array_add (room.flood, idle);
  WAIT_HERE (closed_by_server (idle), 5, "the idle socket still open");
  /* The listener still serves (with a timeout a request can meet under load). */
  set_knob (room.server, "connection-timeout-ms", 10000);
  g_assert_cmpuint (fresh_request_ms (room.server, room.cert, FRESH_BOUND_MS), <, FRESH_BOUND_MS);
  room_close (&room);
}

/* A TLS client that completes its handshake and then sends nothing, in a thread of its own:
 * whether the handshake succeeded, and whether the server closed the connection afterwards. */
typedef struct
{
  guint16 port;
  gint done; /* atomic */
  gboolean handshaken;
  gboolean closed;
} SilentTls;

static gboolean
accept_any (GTlsConnection *conn, GTlsCertificate *peer, GTlsCertificateFlags errors,
            gpointer user_data)
{
  return TRUE; /* the identity is not what this test is about */
}

static gpointer
silent_tls_thread (gpointer data)
{
  SilentTls *silent = data;
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GSocketConnection) conn = NULL;
  g_autoptr (GIOStream) tls = NULL;
  char byte;

  g_socket_client_set_timeout (client, 20);
  conn = g_socket_client_connect_to_host (client, "127.0.0.1", silent->port, NULL, NULL);
  if (conn)
    tls = g_tls_client_connection_new (G_IO_STREAM (conn), NULL, NULL);
  if (tls)
    {
      g_signal_connect (tls, "accept-certificate", G_CALLBACK (accept_any), NULL);
      silent->handshaken = g_tls_connection_handshake (G_TLS_CONNECTION (tls), NULL, NULL);
      /* Blocks until the server closes (0 or an error) or the socket timeout (20 s) passes. */
      if (silent->handshaken)
        silent->closed =
            g_input_stream_read (g_io_stream_get_input_stream (tls), &byte, 1, NULL, NULL) <= 0;
    }
  g_atomic_int_set (&silent->done, TRUE);
  return NULL;
}

/* A connection that completed TLS but sends no request is closed at the timeout too. */
static void
test_silent_after_tls (RdTestListener *f, gconstpointer data)
{
  Room room;
  SilentTls silent = { 0 };
  GThread *thread;
  gint64 start = g_get_monotonic_time ();

  room_open (&room, f, NULL);
  set_knob (room.server, "connection-timeout-ms", 3000);
  rd_test_listener_server_start (room.server);
  silent.port = rd_signal_server_get_port (room.server);
  thread = g_thread_new ("silent-tls", silent_tls_thread, &silent);
  WAIT_HERE (g_atomic_int_get (&silent.done), 15, "the silent TLS client still waiting");
  g_thread_join (thread);
  g_test_message ("closed after %.1f s", (g_get_monotonic_time () - start) / 1e6);
  g_assert_true (silent.handshaken);
  g_assert_true (silent.closed);
  room_close (&room);
}

/* One address holds at most max-connections-per-address connections; the others are closed at
 * once, and another address is still served. */
static void
test_per_address_cap (RdTestListener *f, gconstpointer data)
{
  Room room;

  room_open (&room, f, "max-connections-per-address=4");
  rd_test_listener_server_start (room.server);
  room_flood (&room, 10);
  WAIT_HERE (count_closed (room.flood) >= 6, 5, "%u of 10 closed", count_closed (room.flood));
  g_assert_cmpuint (count_closed (room.flood), ==, 6);
  g_assert_cmpuint (fresh_request_ms (room.server, room.cert, FRESH_BOUND_MS), <, FRESH_BOUND_MS);
  room_close (&room);
}

/* At max-connections, a newcomer takes the place of the connection idle longest: idle sockets
 * from elsewhere do not keep it out. */
static void
test_full_evicts_idle (RdTestListener *f, gconstpointer data)
{
  Room room;

  room_open (&room, f, "max-connections=8\nmax-connections-per-address=8");
  rd_test_listener_server_start (room.server);
  room_flood (&room, 8);
  g_assert_cmpuint (fresh_request_ms (room.server, room.cert, FRESH_BOUND_MS), <, FRESH_BOUND_MS);
  g_assert_cmpuint (count_closed (room.flood), >=, 1);
  room_close (&room);
}

/* The process runs out of descriptors while the flood connects: the listener keeps its reserve,
 * closes what it cannot take, and accepts again once the flood is gone. */
static void
test_fd_exhaustion (RdTestListener *f, gconstpointer data)
{
  Room room;
  struct rlimit saved, low;
  gint64 until;
  guint n_closed = 0;

  room_open (&room, f, NULL);
  set_knob (room.server, "reserved-fds", 16);
  rd_test_listener_server_start (room.server);
  /* One exchange first, so that whatever the TLS backend opens once is already open. */
  g_assert_cmpuint (fresh_request_ms (room.server, room.cert, FRESH_BOUND_MS), <, FRESH_BOUND_MS);

  g_assert_cmpint (getrlimit (RLIMIT_NOFILE, &saved), ==, 0);
  low = saved;
  low.rlim_cur = rd_test_signal_count_fds () + 64;
  g_assert_cmpint (setrlimit (RLIMIT_NOFILE, &low), ==, 0);
  for (GSocket *s; (s = open_idle (FLOOD_ADDRESS, rd_signal_server_get_port (room.server)));)
    g_ptr_array_add (room.flood, s);
  /* Let the server meet the exhaustion: it closes what it cannot keep. (The bound is for a
   * server that never does: then the fresh request below fails.) */
  until = g_get_monotonic_time () + 3 * G_TIME_SPAN_SECOND;
  while (g_get_monotonic_time () < until && (n_closed = count_closed (room.flood)) == 0)
    g_main_context_iteration (f->context, FALSE);
  g_test_message ("%u flood sockets open at the limit, %u closed by the server", room.flood->len,
                  n_closed);

  g_ptr_array_set_size (room.flood, 0);
  g_assert_cmpint (setrlimit (RLIMIT_NOFILE, &saved), ==, 0);
  g_assert_cmpuint (fresh_request_ms (room.server, room.cert, FRESH_BOUND_MS), <, FRESH_BOUND_MS);
  room_close (&room);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, fn)                                                                              \
  g_test_add (path, RdTestListener, NULL, rd_test_listener_setup, fn, rd_test_listener_teardown)
  ADD ("/signal/load/idle-sockets", test_idle_sockets);
  ADD ("/signal/load/idle-timeout", test_idle_timeout);
  ADD ("/signal/load/silent-after-tls", test_silent_after_tls);
  ADD ("/signal/load/per-address-cap", test_per_address_cap);
  ADD ("/signal/load/full-evicts-idle", test_full_evicts_idle);
  ADD ("/signal/load/fd-exhaustion", test_fd_exhaustion);
#undef ADD

  return rd_test_signal_run ();
}
