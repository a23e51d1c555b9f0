/* rd-signal-accept.c: the HTTPS listener's accept loop. See rd-signal-accept.h for the contract.
 *
 * A connection goes HELLO (waiting for its ClientHello record) -> QUEUED (waiting for a handshake
 * slot) -> HANDSHAKE -> SERVING (libsoup's). Until SERVING the loop owns it and closes it; once
 * SERVING, libsoup owns the TLS stream and the loop only watches it (a weak reference tells when
 * libsoup has let it go) and shuts its socket down at the deadline. */
#define _GNU_SOURCE /* accept4() */
#include "signaling/rd-signal-accept-private.h"
#include "signaling/rd-signal-tls-guard.h"
#include "signaling/rd-signal-tls.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define ACCEPT_BATCH  32     /* connections accepted per wake-up */
#define PAUSE_MS      100    /* when not even the spare descriptor helps */
#define FD_RECOUNT_US 100000 /* /proc/self/fd is read at most this often */

typedef enum
{
  CONN_HELLO,
  CONN_QUEUED,
  CONN_HANDSHAKE,
  CONN_SHAKEN, /* between the states: out of the queue, or handshake over, not handed over */
  CONN_SERVING,
} ConnState;

typedef struct
{
  guint conns;
  guint handshakes;
} AddressCount;

typedef struct
{
  RdSignalAccept *acc; /* NULL once the loop let go of a connection still in its handshake */
  ConnState state;
  GSocket *socket;
  GSocketAddress *local, *remote;
  AddressCount *count; /* in acc->per_address */
  char *key;
  RdSignalHello *hello; /* HELLO: waiting for the ClientHello */
  GSource *deadline;
  GCancellable *cancel; /* HANDSHAKE */
  GTlsConnection *tls;  /* HANDSHAKE: a reference; SERVING: weak */
  GIOStream *guard;     /* under tls (rd-signal-tls-guard.h) */
  gint64 accepted_us;
  gboolean request_read; /* SERVING: its request has been read */
  gboolean evicted;      /* SERVING: shut down to make room */
} Conn;

struct _RdSignalAccept
{
  GSocket *listener;
  GTlsCertificate *certificate;
  const RdSignalAcceptLimits *limits;
  RdSignalAcceptReady ready;
  gpointer user_data;
  GMainContext *context;
  GSource *listen_source; /* NULL while paused */
  GSource *resume_source;
  int spare_fd;
  GHashTable *conns;       /* Conn * (set) */
  GHashTable *per_address; /* key (owned) -> AddressCount (owned) */
  GHashTable *by_remote;   /* GSocketAddress * -> Conn *, SERVING only */
  GQueue queued;           /* Conn *, QUEUED, oldest first */
  guint n_handshakes;
  guint fds_in_use;  /* at the last count of /proc/self/fd ... */
  guint fds_since;   /* ... plus the connections accepted since */
  gint64 counted_us; /* when it was counted */
};

static void listen_watch (RdSignalAccept *acc);

/* ---- File descriptors -------------------------------------------------------------------- */

/* Whether fewer descriptors than the reserve would stay free under the soft RLIMIT_NOFILE. The
 * reserve is at most a quarter of the limit, so that a small limit still leaves room to serve. */
static gboolean
fds_short (RdSignalAccept *acc)
{
  struct rlimit rl;
  gint64 now = g_get_monotonic_time ();
  guint64 limit, used;

  if (getrlimit (RLIMIT_NOFILE, &rl) != 0)
    return FALSE;
  if (now - acc->counted_us >= FD_RECOUNT_US || acc->counted_us == 0)
    {
      acc->fds_in_use = rd_signal_count_open_fds ();
      acc->fds_since = 0;
      acc->counted_us = now;
    }
  limit = rl.rlim_cur == RLIM_INFINITY ? G_MAXUINT : rl.rlim_cur;
  used = (guint64)acc->fds_in_use + acc->fds_since;
  return used + MIN (acc->limits->reserved_fds, limit / 4) >= limit;
}

/* ---- Connections ------------------------------------------------------------------------- */

static void
destroy_source (GSource **source)
{
  if (*source)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

/* Takes @conn out of the loop's counts and tables; the connection itself is left as it is. */
static void
conn_detach (Conn *conn)
{
  RdSignalAccept *acc = conn->acc;

  if (!acc)
    return;
  if (conn->state == CONN_QUEUED)
    g_queue_remove (&acc->queued, conn);
  if (conn->state == CONN_HANDSHAKE)
    {
      acc->n_handshakes--;
      conn->count->handshakes--;
    }
  if (conn->state == CONN_SERVING)
    g_hash_table_remove (acc->by_remote, conn->remote);
  conn->count->conns--;
  if (conn->count->conns == 0)
    g_hash_table_remove (acc->per_address, conn->key);
  conn->count = NULL;
  g_hash_table_remove (acc->conns, conn);
  conn->acc = NULL;
  g_clear_pointer (&conn->hello, rd_signal_hello_free);
  destroy_source (&conn->deadline);
}

static void
conn_free (Conn *conn)
{
  g_clear_object (&conn->cancel);
  g_clear_object (&conn->guard);
  g_clear_object (&conn->socket);
  g_clear_object (&conn->local);
  g_clear_object (&conn->remote);
  g_free (conn->key);
  g_free (conn);
}

static void pump (RdSignalAccept *acc);

/* Ends a connection the loop still owns (not SERVING). During the handshake the handshake's
 * callback frees it. */
static void
conn_close (Conn *conn)
{
  RdSignalAccept *acc = conn->acc;
  gboolean handshaking = conn->state == CONN_HANDSHAKE;

  conn_detach (conn);
  if (handshaking)
    {
      g_cancellable_cancel (conn->cancel);
      g_socket_shutdown (conn->socket, TRUE, TRUE, NULL);
    }
  else
    {
      g_socket_close (conn->socket, NULL);
      conn_free (conn);
    }
  if (acc)
    pump (acc);
}

static void
on_tls_gone (gpointer data, GObject *where_it_was)
{
  Conn *conn = data;

  conn->tls = NULL;
  conn_detach (conn);
  conn_free (conn);
}

static gboolean
on_deadline (gpointer data)
{
  Conn *conn = data;

  g_clear_pointer (&conn->deadline, g_source_unref);
  if (conn->state == CONN_SERVING)
    /* libsoup reads the end of the stream, closes the connection and lets the stream go. */
    g_socket_shutdown (conn->socket, TRUE, TRUE, NULL);
  else
    conn_close (conn);
  return G_SOURCE_REMOVE;
}

static void
arm_deadline (Conn *conn, guint ms)
{
  destroy_source (&conn->deadline);
  conn->deadline = g_timeout_source_new (ms);
  g_source_set_callback (conn->deadline, on_deadline, conn, NULL);
  g_source_attach (conn->deadline, conn->acc->context);
}

static void
on_handshake_done (GObject *source, GAsyncResult *result, gpointer data)
{
  Conn *conn = data;
  GTlsConnection *tls = G_TLS_CONNECTION (source);
  RdSignalAccept *acc = conn->acc;
  gboolean ok = g_tls_connection_handshake_finish (tls, result, NULL);

  if (!acc)
    {
      /* The loop let go of it meanwhile (deadline, or the loop freed). */
      g_clear_object (&conn->tls);
      conn_free (conn);
      return;
    }
  acc->n_handshakes--;
  conn->count->handshakes--;
  conn->state = CONN_SHAKEN;
  if (!ok || !rd_signal_tls_policy_accepts (tls))
    {
      g_clear_object (&conn->tls);
      conn_close (conn);
      return;
    }

  rd_signal_tls_guard_set_established (conn->guard);
  conn->state = CONN_SERVING;
  g_hash_table_insert (acc->by_remote, conn->remote, conn);
  arm_deadline (conn, acc->limits->timeout_ms);
  g_object_weak_ref (G_OBJECT (tls), on_tls_gone, conn);
  pump (acc);
  acc->ready (G_IO_STREAM (tls), conn->local, conn->remote, acc->user_data);
  /* From here libsoup holds the stream and conn->tls is a weak pointer; dropping our reference
   * may end @conn at once (on_tls_gone). */
  g_object_unref (tls);
}

static void
start_handshake (Conn *conn)
{
  RdSignalAccept *acc = conn->acc;
  static const char *const protocols[] = { "http/1.1", "http/1.0", NULL };
  g_autoptr (GSocketConnection) base = g_socket_connection_factory_create_connection (conn->socket);
  GIOStream *tls;

  conn->guard = rd_signal_tls_guard_new (base);
  tls = g_tls_server_connection_new (conn->guard, acc->certificate, NULL);

  if (!tls)
    {
      conn_close (conn);
      return;
    }
  conn->tls = G_TLS_CONNECTION (tls);
  g_tls_connection_set_require_close_notify (conn->tls, FALSE);
  g_tls_connection_set_advertised_protocols (conn->tls, protocols);
  conn->cancel = g_cancellable_new ();
  conn->state = CONN_HANDSHAKE;
  acc->n_handshakes++;
  conn->count->handshakes++;
  g_tls_connection_handshake_async (conn->tls, G_PRIORITY_DEFAULT, conn->cancel, on_handshake_done,
                                    conn);
}

/* Starts the handshakes that have a slot, oldest first. A handshake that cannot start closes
 * its connection, which pumps again: the queue is searched afresh each time. */
static void
pump (RdSignalAccept *acc)
{
  while (acc->n_handshakes < RD_SIGNAL_ACCEPT_HANDSHAKES)
    {
      GList *link = acc->queued.head;
      Conn *conn;

      while (link &&
             ((Conn *)link->data)->count->handshakes >= RD_SIGNAL_ACCEPT_HANDSHAKES_PER_ADDRESS)
        link = link->next;
      if (!link)
        return;
      conn = link->data;
      g_queue_delete_link (&acc->queued, link);
      conn->state = CONN_SHAKEN; /* out of the queue, not yet handshaking */
      start_handshake (conn);
    }
}

/* HELLO is over: the ClientHello is all there, or the connection is not worth a handshake. */
static void
on_hello_done (gboolean ok, gpointer data)
{
  Conn *conn = data;

  if (!ok)
    {
      conn_close (conn);
      return;
    }
  g_clear_pointer (&conn->hello, rd_signal_hello_free);
  conn->state = CONN_QUEUED;
  g_queue_push_tail (&conn->acc->queued, conn);
  pump (conn->acc);
}

/* The cap is reached: makes room by ending the connection that has waited longest without giving
 * anything to serve (no ClientHello yet, or TLS done and no request), so that idle sockets cannot
 * keep newcomers out. FALSE when no connection is idle. */
static gboolean
evict_idle (RdSignalAccept *acc)
{
  GHashTableIter iter;
  gpointer key;
  Conn *oldest = NULL;

  g_hash_table_iter_init (&iter, acc->conns);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      Conn *conn = key;
      gboolean idle = conn->state == CONN_HELLO ||
                      (conn->state == CONN_SERVING && !conn->request_read && !conn->evicted);

      if (idle && (!oldest || conn->accepted_us < oldest->accepted_us))
        oldest = conn;
    }
  if (!oldest)
    return FALSE;
  if (oldest->state == CONN_HELLO)
    conn_close (oldest);
  else
    {
      /* libsoup lets it go shortly (on_tls_gone); until then the count is one over. */
      oldest->evicted = TRUE;
      g_socket_shutdown (oldest->socket, TRUE, TRUE, NULL);
    }
  return TRUE;
}

/* A connection just accepted: kept and watched, or closed. */
static void
take (RdSignalAccept *acc, int fd)
{
  const RdSignalAcceptLimits *limits = acc->limits;
  g_autoptr (GSocket) socket = g_socket_new_from_fd (fd, NULL);
  g_autoptr (GSocketAddress) remote = NULL;
  g_autofree char *key = NULL;
  AddressCount *count;
  Conn *conn;

  if (!socket)
    {
      close (fd);
      return;
    }
  acc->fds_since++;
  remote = g_socket_get_remote_address (socket, NULL);
  if (!remote)
    {
      g_socket_close (socket, NULL);
      return;
    }
  key = rd_signal_address_key (remote);
  count = g_hash_table_lookup (acc->per_address, key);
  if ((count && count->conns >= limits->max_per_address) || fds_short (acc) ||
      (g_hash_table_size (acc->conns) >= limits->max_connections && !evict_idle (acc)))
    {
      g_socket_close (socket, NULL);
      return;
    }
  if (!count)
    {
      count = g_new0 (AddressCount, 1);
      g_hash_table_insert (acc->per_address, g_strdup (key), count);
    }
  count->conns++;

  conn = g_new0 (Conn, 1);
  conn->acc = acc;
  conn->state = CONN_HELLO;
  conn->socket = g_steal_pointer (&socket);
  conn->remote = g_steal_pointer (&remote);
  conn->local = g_socket_get_local_address (conn->socket, NULL);
  conn->key = g_steal_pointer (&key);
  conn->count = count;
  conn->accepted_us = g_get_monotonic_time ();
  g_hash_table_add (acc->conns, conn);
  g_socket_set_option (conn->socket, IPPROTO_TCP, TCP_NODELAY, TRUE, NULL);
  conn->hello = rd_signal_hello_new (conn->socket, acc->context, on_hello_done, conn);
  arm_deadline (conn, limits->timeout_ms);
}

/* ---- The accept loop --------------------------------------------------------------------- */

static gboolean
on_resume (gpointer data)
{
  RdSignalAccept *acc = data;

  g_clear_pointer (&acc->resume_source, g_source_unref);
  listen_watch (acc);
  return G_SOURCE_REMOVE;
}

/* Out of descriptors: accept the waiting connection with the spare one and close it, so that the
 * client sees a close rather than a hang; when even that fails, stop watching for PAUSE_MS (the
 * listening socket stays readable: watching it meanwhile would spin). */
static gboolean
shed (RdSignalAccept *acc)
{
  int listen_fd = g_socket_get_fd (acc->listener);
  int fd;

  if (acc->spare_fd >= 0)
    {
      close (acc->spare_fd);
      fd = accept4 (listen_fd, NULL, NULL, SOCK_CLOEXEC);
      if (fd >= 0)
        close (fd);
      acc->spare_fd = open ("/dev/null", O_RDONLY | O_CLOEXEC);
      if (acc->spare_fd >= 0)
        return G_SOURCE_CONTINUE;
    }
  else
    acc->spare_fd = open ("/dev/null", O_RDONLY | O_CLOEXEC);
  g_clear_pointer (&acc->listen_source, g_source_unref);
  acc->resume_source = g_timeout_source_new (PAUSE_MS);
  g_source_set_callback (acc->resume_source, on_resume, acc, NULL);
  g_source_attach (acc->resume_source, acc->context);
  return G_SOURCE_REMOVE;
}

static gboolean
on_listen_readable (GSocket *listener, GIOCondition condition, gpointer data)
{
  RdSignalAccept *acc = data;
  int listen_fd = g_socket_get_fd (listener);

  for (int i = 0; i < ACCEPT_BATCH; i++)
    {
      int fd = accept4 (listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

      if (fd >= 0)
        {
          take (acc, fd);
          continue;
        }
      if (errno == EAGAIN || errno == EWOULDBLOCK)
        break;
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
        return shed (acc);
      /* ECONNABORTED, EINTR, or a network error passed on by accept(): the next one. */
    }
  return G_SOURCE_CONTINUE;
}

static void
listen_watch (RdSignalAccept *acc)
{
  acc->listen_source = g_socket_create_source (acc->listener, G_IO_IN, NULL);
  g_source_set_callback (acc->listen_source, G_SOURCE_FUNC (on_listen_readable), acc, NULL);
  g_source_attach (acc->listen_source, acc->context);
}

RdSignalAccept *
rd_signal_accept_new (GSocket *listener, GTlsCertificate *certificate,
                      const RdSignalAcceptLimits *limits, RdSignalAcceptReady ready,
                      gpointer user_data)
{
  RdSignalAccept *acc = g_new0 (RdSignalAccept, 1);

  acc->listener = g_object_ref (listener);
  acc->certificate = g_object_ref (certificate);
  acc->limits = limits;
  acc->ready = ready;
  acc->user_data = user_data;
  acc->context = g_main_context_ref_thread_default ();
  acc->spare_fd = open ("/dev/null", O_RDONLY | O_CLOEXEC);
  acc->conns = g_hash_table_new (NULL, NULL);
  acc->per_address = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  acc->by_remote = g_hash_table_new (NULL, NULL);
  g_queue_init (&acc->queued);
  g_socket_set_blocking (listener, FALSE);
  listen_watch (acc);
  return acc;
}

void
rd_signal_accept_free (RdSignalAccept *acc)
{
  GList *conns;

  if (!acc)
    return;
  destroy_source (&acc->listen_source);
  destroy_source (&acc->resume_source);
  /* No handshake may start while they go. */
  acc->n_handshakes = G_MAXUINT / 2;
  conns = g_hash_table_get_keys (acc->conns);
  for (GList *l = conns; l; l = l->next)
    {
      Conn *conn = l->data;

      if (conn->state == CONN_SERVING)
        {
          g_object_weak_unref (G_OBJECT (conn->tls), on_tls_gone, conn);
          conn_detach (conn);
          conn_free (conn);
        }
      else
        conn_close (conn);
    }
  g_list_free (conns);
  g_queue_clear (&acc->queued);
  if (acc->spare_fd >= 0)
    close (acc->spare_fd);
  g_hash_table_unref (acc->conns);
  g_hash_table_unref (acc->per_address);
  g_hash_table_unref (acc->by_remote);
  g_main_context_unref (acc->context);
  g_object_unref (acc->certificate);
  g_object_unref (acc->listener);
  g_free (acc);
}

void
rd_signal_accept_request_read (RdSignalAccept *acc, GSocketAddress *remote)
{
  Conn *conn = remote ? g_hash_table_lookup (acc->by_remote, remote) : NULL;

  if (conn)
    {
      conn->request_read = TRUE;
      arm_deadline (conn, acc->limits->reply_timeout_ms + acc->limits->timeout_ms);
    }
}
