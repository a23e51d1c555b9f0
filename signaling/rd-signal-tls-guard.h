/* rd-signal-tls-guard.h: the byte stream under the HTTPS listener's TLS, which refuses a client's
 * renegotiation; for signaling/ (rd-signal-accept.c) and its tests only.
 *
 * Contract: rd_signal_tls_guard_new() wraps a server's TCP connection. Writes go to @base as
 * they are; reads come from @base's socket and follow the client's TLS records by their 5-byte
 * headers (RFC 5246 section 6.2.1). Once the first handshake is done
 * (rd_signal_tls_guard_set_established()) or the client has sent an application data record (type
 * 23), a handshake record (type 22) can only start a renegotiation: TLS 1.2 sends none otherwise,
 * and TLS 1.3 sends every record after its handshake as type 23 (RFC 8446 section 5.1). From that
 * record on every read fails with G_IO_ERROR_PERMISSION_DENIED, so the TLS layer fails and the
 * connection is closed: glib-networking has no setting that refuses renegotiation, and accepts
 * one from any client that asks. The input stream is pollable. Closing the guard closes @base.
 *
 * Threading: as a GIOStream: one reader and one writer at a time, from any thread (the TLS
 * handshake reads on a worker thread). Ownership: (transfer full); it keeps a reference on @base.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* (transfer full) */
GIOStream *rd_signal_tls_guard_new (GSocketConnection *base);

/* The TLS handshake over @guard is done: a handshake record from now on is a renegotiation. */
void rd_signal_tls_guard_set_established (GIOStream *guard);

G_END_DECLS
