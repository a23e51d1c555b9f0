/* rd-signal-accept-hello.c: the wait for a connection's ClientHello, the key connections are
 * counted by, and the count of open descriptors. See rd-signal-accept-private.h. */
#include "signaling/rd-signal-accept-private.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#define TLS_RECORD_HEADER  5
#define TLS_MAX_RECORD     16384 /* RFC 8446 section 5.1: a plaintext record's length limit */
#define TLS_HANDSHAKE_TYPE 22

struct _RdSignalHello
{
  GSocket *socket;
  GSource *watch;
  guint record_len; /* the ClientHello record's length, once its header arrived */
  RdSignalHelloDone done;
  gpointer data;
};

static void
set_rcvlowat (GSocket *socket, int bytes)
{
  g_socket_set_option (socket, SOL_SOCKET, SO_RCVLOWAT, bytes, NULL);
}

/* The peer has closed its side (or the connection is gone). */
static gboolean
peer_closed (GSocket *socket, GIOCondition condition)
{
  struct tcp_info info;
  socklen_t len = sizeof info;

  if (condition & (G_IO_HUP | G_IO_ERR))
    return TRUE;
  if (getsockopt (g_socket_get_fd (socket), IPPROTO_TCP, TCP_INFO, &info, &len) != 0)
    return TRUE;
  return info.tcpi_state != TCP_ESTABLISHED;
}

/* Ends the wait: @done may free @hello, so nothing touches it afterwards. */
static gboolean
finish (RdSignalHello *hello, gboolean ok)
{
  if (ok)
    set_rcvlowat (hello->socket, 1);
  hello->done (ok, hello->data);
  return G_SOURCE_REMOVE;
}

/* Readable means SO_RCVLOWAT bytes have arrived, or the peer is gone; anything else (memory
 * pressure can wake a reader early) waits on. */
static gboolean
on_readable (GSocket *socket, GIOCondition condition, gpointer data)
{
  RdSignalHello *hello = data;
  guint8 header[TLS_RECORD_HEADER];
  int available = 0;

  if (ioctl (g_socket_get_fd (socket), FIONREAD, &available) != 0)
    available = 0;
  if (hello->record_len == 0)
    {
      if (available < TLS_RECORD_HEADER)
        return peer_closed (socket, condition) ? finish (hello, FALSE) : G_SOURCE_CONTINUE;
      if (recv (g_socket_get_fd (socket), header, sizeof header, MSG_PEEK) != sizeof header ||
          header[0] != TLS_HANDSHAKE_TYPE || header[1] != 3)
        return finish (hello, FALSE); /* not TLS (plain HTTP, SSL 2) */
      hello->record_len = (guint)header[3] << 8 | header[4];
      if (hello->record_len == 0 || hello->record_len > TLS_MAX_RECORD)
        return finish (hello, FALSE);
      set_rcvlowat (socket, TLS_RECORD_HEADER + hello->record_len);
    }
  if (available < (int)(TLS_RECORD_HEADER + hello->record_len))
    return peer_closed (socket, condition) ? finish (hello, FALSE) : G_SOURCE_CONTINUE;
  return finish (hello, TRUE);
}

RdSignalHello *
rd_signal_hello_new (GSocket *socket, GMainContext *context, RdSignalHelloDone done, gpointer data)
{
  RdSignalHello *hello = g_new0 (RdSignalHello, 1);

  hello->socket = g_object_ref (socket);
  hello->done = done;
  hello->data = data;
  set_rcvlowat (socket, TLS_RECORD_HEADER);
  hello->watch = g_socket_create_source (socket, G_IO_IN, NULL);
  g_source_set_callback (hello->watch, G_SOURCE_FUNC (on_readable), hello, NULL);
  g_source_attach (hello->watch, context);
  return hello;
}

void
rd_signal_hello_free (RdSignalHello *hello)
{
  if (!hello)
    return;
  g_source_destroy (hello->watch);
  g_source_unref (hello->watch);
  g_object_unref (hello->socket);
  g_free (hello);
}

char *
rd_signal_address_key (GSocketAddress *address)
{
  static const guint8 v4_mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
  GInetAddress *inet;
  guint8 bytes[16];
  g_autoptr (GInetAddress) prefix = NULL;
  g_autoptr (GInetAddress) v4 = NULL;
  g_autofree char *text = NULL;

  if (!G_IS_INET_SOCKET_ADDRESS (address))
    return g_strdup ("?");
  inet = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address));
  if (g_inet_address_get_family (inet) != G_SOCKET_FAMILY_IPV6)
    return g_inet_address_to_string (inet);
  memcpy (bytes, g_inet_address_to_bytes (inet), sizeof bytes);
  if (memcmp (bytes, v4_mapped, sizeof v4_mapped) == 0)
    {
      v4 = g_inet_address_new_from_bytes (bytes + 12, G_SOCKET_FAMILY_IPV4);
      return g_inet_address_to_string (v4);
    }
  memset (bytes + 8, 0, 8);
  prefix = g_inet_address_new_from_bytes (bytes, G_SOCKET_FAMILY_IPV6);
  text = g_inet_address_to_string (prefix);
  return g_strconcat (text, "/64", NULL);
}

guint
rd_signal_count_open_fds (void)
{
  g_autoptr (GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  guint n = 0;

  if (!dir)
    return G_MAXUINT; /* no descriptor even for that: none free */
  while (g_dir_read_name (dir))
    n++;
  return n - 1; /* the directory's own */
}
