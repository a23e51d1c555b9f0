/* rd-signal-tls-guard.c: a GIOStream that refuses TLS renegotiation from the client. See
 * rd-signal-tls-guard.h for the contract. */
#include "signaling/rd-signal-tls-guard.h"

#define RECORD_HEADER    5
#define TYPE_HANDSHAKE   22
#define TYPE_APPLICATION 23

/* ---- The input: the client's records, followed ------------------------------------------- */

#define RD_TYPE_TLS_GUARD_INPUT (rd_tls_guard_input_get_type ())
G_DECLARE_FINAL_TYPE (RdTlsGuardInput, rd_tls_guard_input, RD, TLS_GUARD_INPUT, GInputStream)

struct _RdTlsGuardInput
{
  GInputStream parent_instance;

  GSocket *socket; /* read directly, as GSocketInputStream does */
  guint8 header[RECORD_HEADER];
  guint header_len; /* bytes of the current header seen */
  gsize body_left;  /* bytes of the current record's body still to come */
  gint established; /* atomic: the first handshake is done */
  gboolean seen_application_data;
  gboolean refused;
};

static void rd_tls_guard_input_pollable_init (GPollableInputStreamInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (RdTlsGuardInput, rd_tls_guard_input, G_TYPE_INPUT_STREAM,
                               G_IMPLEMENT_INTERFACE (G_TYPE_POLLABLE_INPUT_STREAM,
                                                      rd_tls_guard_input_pollable_init))

/* Follows @n bytes the client sent; FALSE once they start a renegotiation. */
static gboolean
follow (RdTlsGuardInput *self, const guint8 *data, gsize n)
{
  gsize i = 0;

  while (i < n && !self->refused)
    {
      if (self->body_left > 0)
        {
          gsize skip = MIN (self->body_left, n - i);

          self->body_left -= skip;
          i += skip;
          continue;
        }
      self->header[self->header_len++] = data[i++];
      if (self->header_len < RECORD_HEADER)
        continue;
      self->header_len = 0;
      self->body_left = (gsize)self->header[3] << 8 | self->header[4];
      if (self->header[0] == TYPE_APPLICATION)
        self->seen_application_data = TRUE;
      else if (self->header[0] == TYPE_HANDSHAKE &&
               (self->seen_application_data || g_atomic_int_get (&self->established)))
        self->refused = TRUE;
    }
  return !self->refused;
}

static gssize
receive (RdTlsGuardInput *self, void *buffer, gsize count, gboolean blocking,
         GCancellable *cancellable, GError **error)
{
  gssize n;

  if (!self->refused)
    {
      n = g_socket_receive_with_blocking (self->socket, buffer, count, blocking, cancellable,
                                          error);
      if (n <= 0 || follow (self, buffer, (gsize)n))
        return n;
    }
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                       "TLS renegotiation refused");
  return -1;
}

static gssize
rd_tls_guard_input_read (GInputStream *stream, void *buffer, gsize count, GCancellable *cancellable,
                         GError **error)
{
  return receive (RD_TLS_GUARD_INPUT (stream), buffer, count, TRUE, cancellable, error);
}

static gboolean
rd_tls_guard_input_can_poll (GPollableInputStream *stream)
{
  return TRUE;
}

static gboolean
rd_tls_guard_input_is_readable (GPollableInputStream *stream)
{
  RdTlsGuardInput *self = RD_TLS_GUARD_INPUT (stream);

  return self->refused || g_socket_condition_check (self->socket, G_IO_IN) != 0;
}

static GSource *
rd_tls_guard_input_create_source (GPollableInputStream *stream, GCancellable *cancellable)
{
  g_autoptr (GSource) socket_source =
      g_socket_create_source (RD_TLS_GUARD_INPUT (stream)->socket, G_IO_IN, NULL);

  return g_pollable_source_new_full (stream, socket_source, cancellable);
}

static gssize
rd_tls_guard_input_read_nonblocking (GPollableInputStream *stream, void *buffer, gsize count,
                                     GError **error)
{
  return receive (RD_TLS_GUARD_INPUT (stream), buffer, count, FALSE, NULL, error);
}

static void
rd_tls_guard_input_pollable_init (GPollableInputStreamInterface *iface)
{
  iface->can_poll = rd_tls_guard_input_can_poll;
  iface->is_readable = rd_tls_guard_input_is_readable;
  iface->create_source = rd_tls_guard_input_create_source;
  iface->read_nonblocking = rd_tls_guard_input_read_nonblocking;
}

static void
rd_tls_guard_input_finalize (GObject *object)
{
  g_clear_object (&RD_TLS_GUARD_INPUT (object)->socket);
  G_OBJECT_CLASS (rd_tls_guard_input_parent_class)->finalize (object);
}

static void
rd_tls_guard_input_class_init (RdTlsGuardInputClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = rd_tls_guard_input_finalize;
  G_INPUT_STREAM_CLASS (klass)->read_fn = rd_tls_guard_input_read;
}

static void
rd_tls_guard_input_init (RdTlsGuardInput *self)
{
}

/* ---- The stream ------------------------------------------------------------------------- */

#define RD_TYPE_TLS_GUARD (rd_tls_guard_get_type ())
G_DECLARE_FINAL_TYPE (RdTlsGuard, rd_tls_guard, RD, TLS_GUARD, GIOStream)

struct _RdTlsGuard
{
  GIOStream parent_instance;

  GIOStream *base;
  GInputStream *input; /* an RdTlsGuardInput over base's input */
};

G_DEFINE_FINAL_TYPE (RdTlsGuard, rd_tls_guard, G_TYPE_IO_STREAM)

static GInputStream *
rd_tls_guard_get_input_stream (GIOStream *stream)
{
  return RD_TLS_GUARD (stream)->input;
}

static GOutputStream *
rd_tls_guard_get_output_stream (GIOStream *stream)
{
  return g_io_stream_get_output_stream (RD_TLS_GUARD (stream)->base);
}

static gboolean
rd_tls_guard_close (GIOStream *stream, GCancellable *cancellable, GError **error)
{
  return g_io_stream_close (RD_TLS_GUARD (stream)->base, cancellable, error);
}

static void
rd_tls_guard_finalize (GObject *object)
{
  RdTlsGuard *self = RD_TLS_GUARD (object);

  g_clear_object (&self->input);
  g_clear_object (&self->base);
  G_OBJECT_CLASS (rd_tls_guard_parent_class)->finalize (object);
}

static void
rd_tls_guard_class_init (RdTlsGuardClass *klass)
{
  GIOStreamClass *stream_class = G_IO_STREAM_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = rd_tls_guard_finalize;
  stream_class->get_input_stream = rd_tls_guard_get_input_stream;
  stream_class->get_output_stream = rd_tls_guard_get_output_stream;
  stream_class->close_fn = rd_tls_guard_close;
}

static void
rd_tls_guard_init (RdTlsGuard *self)
{
}

GIOStream *
rd_signal_tls_guard_new (GSocketConnection *base)
{
  RdTlsGuard *self;
  RdTlsGuardInput *input;

  g_return_val_if_fail (G_IS_SOCKET_CONNECTION (base), NULL);

  self = g_object_new (RD_TYPE_TLS_GUARD, NULL);
  self->base = g_object_ref (G_IO_STREAM (base));
  input = g_object_new (RD_TYPE_TLS_GUARD_INPUT, NULL);
  input->socket = g_object_ref (g_socket_connection_get_socket (base));
  self->input = G_INPUT_STREAM (input);
  return G_IO_STREAM (self);
}

void
rd_signal_tls_guard_set_established (GIOStream *guard)
{
  g_return_if_fail (RD_IS_TLS_GUARD (guard));
  g_atomic_int_set (&RD_TLS_GUARD_INPUT (RD_TLS_GUARD (guard)->input)->established, TRUE);
}
