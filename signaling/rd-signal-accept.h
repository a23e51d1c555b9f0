/* rd-signal-accept.h: the HTTPS listener's accept loop, for rd-signal-server.c (and signaling's
 * tests) only: caps, deadlines and the TLS handshake of every connection before libsoup sees it.
 *
 * Contract: rd_signal_accept_new() watches a listening TCP socket. Each connection accepted is
 * - closed at once when max_connections are open and none of them is idle (no ClientHello yet,
 *   or TLS done and no request read: the one idle longest is closed to make room), or
 *   max_per_address are open from its address (an IPv6
 *   address counts by its /64: rd_signal_address_key()), or when fewer than reserved_fds file
 *   descriptors (at most a quarter of the soft RLIMIT_NOFILE) would stay free: those are kept for
 *   recording and the ledger;
 * - then waits, without a thread, until its first TLS record (the ClientHello) has fully arrived
 *   (SO_RCVLOWAT); anything that is not a TLS handshake record is closed;
 * - then waits for a handshake slot (at most RD_SIGNAL_ACCEPT_HANDSHAKES at once, and
 *   RD_SIGNAL_ACCEPT_HANDSHAKES_PER_ADDRESS per address: each runs on a GLib worker thread, and
 *   the pool is shared with the whole process), and does the TLS handshake
 *   over rd-signal-tls-guard.h (no renegotiation); rd_signal_tls_policy_accepts() must accept
 *   what was negotiated;
 * - then is handed to @ready, which must give it to libsoup (soup_server_accept_iostream()).
 * A connection must get from accept to its request read (rd_signal_accept_request_read()) within
 * timeout_ms, and from there to its close within reply_timeout_ms + timeout_ms; past its
 * deadline it is shut down (libsoup then sees the end of the stream and closes it).
 * When accept() fails for want of descriptors (EMFILE, ENFILE), the loop closes a spare
 * descriptor to accept and close the waiting connection (so the queue drains and clients see a
 * close, not a hang), and pauses briefly when even that fails; it never stops for good.
 *
 * Threading: the thread-default main context of rd_signal_accept_new()'s caller; every callback
 * runs there. Ownership: the loop keeps references on @listener and @certificate; @limits is
 * borrowed and read when used (it must outlive the loop). rd_signal_accept_free() stops watching,
 * closes the connections not yet handed over and forgets the others (libsoup closes those).
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define RD_SIGNAL_ACCEPT_TIMEOUT_MS             10000 /* TLS and the request read */
#define RD_SIGNAL_ACCEPT_RESERVED_FDS           256
#define RD_SIGNAL_ACCEPT_HANDSHAKES             4
#define RD_SIGNAL_ACCEPT_HANDSHAKES_PER_ADDRESS 2

typedef struct
{
  guint max_connections;
  guint max_per_address;
  guint timeout_ms;
  guint reply_timeout_ms;
  guint reserved_fds;
} RdSignalAcceptLimits;

/* @tls is a GTlsConnection whose handshake is done; (transfer none): take a reference. */
typedef void (*RdSignalAcceptReady) (GIOStream *tls, GSocketAddress *local, GSocketAddress *remote,
                                     gpointer user_data);

typedef struct _RdSignalAccept RdSignalAccept;

/* (transfer full) */
RdSignalAccept *rd_signal_accept_new (GSocket *listener, GTlsCertificate *certificate,
                                      const RdSignalAcceptLimits *limits, RdSignalAcceptReady ready,
                                      gpointer user_data);
void rd_signal_accept_free (RdSignalAccept *accept);

/* The request of the connection from @remote (the address object given to @ready) has been
 * read: its deadline moves to reply_timeout_ms + timeout_ms from now. */
void rd_signal_accept_request_read (RdSignalAccept *accept, GSocketAddress *remote);

/* The key connections are counted by: the address as text, an IPv6 one as its /64
 * ("2001:db8::/64"); an IPv4-mapped IPv6 address as its IPv4 text. (transfer full) */
char *rd_signal_address_key (GSocketAddress *address);

G_END_DECLS
