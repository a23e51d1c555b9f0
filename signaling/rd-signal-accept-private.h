/* rd-signal-accept-private.h: the pieces of the accept loop (rd-signal-accept.c) that stand
 * alone, in rd-signal-accept-hello.c; for signaling/ only.
 *
 * Contract: rd_signal_hello_new() watches a just accepted TCP socket, without a thread
 * (SO_RCVLOWAT), until the first TLS record has fully arrived: then @done (TRUE). It calls
 * @done (FALSE) when the peer closes first, or when the first bytes are not a TLS handshake
 * record of 1 to 16384 bytes (RFC 8446 section 5.1). @done runs once, on @context; it may free
 * the watch. rd_signal_hello_free() stops watching (before @done, or after it).
 *
 * Threading: @context's thread. Ownership: the watch keeps a reference on @socket.
 */
#pragma once

#include "signaling/rd-signal-accept.h"

G_BEGIN_DECLS

typedef struct _RdSignalHello RdSignalHello;
typedef void (*RdSignalHelloDone) (gboolean ok, gpointer data);

/* (transfer full) */
RdSignalHello *rd_signal_hello_new (GSocket *socket, GMainContext *context, RdSignalHelloDone done,
                                    gpointer data);
void rd_signal_hello_free (RdSignalHello *hello);

/* How many descriptors the process has open (/proc/self/fd); G_MAXUINT when it cannot tell. */
guint rd_signal_count_open_fds (void);

G_END_DECLS
