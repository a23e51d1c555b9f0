/* rd-signal-error.h: the signaling module's error domain, RD_SIGNAL_ERROR, shared by the HTTPS
 * server (rd-signal-server.h) and the WHIP/WHEP client (rd-signal-client.h).
 *
 * Contract: every error either returns is in this domain (a cancelled client call returns
 * G_IO_ERROR_CANCELLED), and its message names the file, address, host or status concerned;
 * a client's message never carries its token. The module logs nothing. What each code means to
 * a caller:
 *   TLS        a TLS file of ours cannot be used: the server's certificate or private key
 *              cannot be loaded or created, or the client's CA file cannot be read. Fix the
 *              configuration (at start-up receptiond exits 78 EX_CONFIG).
 *   LISTEN     the server cannot listen on its address (in use, not this machine's):
 *              69 EX_UNAVAILABLE at start-up.
 *   URL        the client refuses a URL or token it was given, or a redirect to one (scheme,
 *              host, user-info, characters): the caller's input, retrying will not help.
 *   CONNECT    the far host cannot be resolved or reached: may work later.
 *   TIMEOUT    the far server did not answer within the request timeout: may work later.
 *   HTTP       the far server answered with a status the client does not take (4xx, 5xx,
 *              a redirect it does not follow); the message has the status and the server's
 *              words.
 *   RETRY      the far server still answered 503 (or 409 for WHEP: not live yet) when the
 *              caller's deadline came: it is there but not ready; may work later.
 *   PROTOCOL   an answer that breaks WHIP/WHEP (RFC 9725): no Location, not application/sdp,
 *              too large, too many redirects. The far server is not a usable WHIP/WHEP server.
 *   UNTRUSTED  the far server's TLS certificate is not accepted (not signed by a CA the client
 *              trusts, wrong host, expired); the message names the host and why.
 *
 * Threading: rd_signal_error_quark() may be called from any thread.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define RD_SIGNAL_ERROR (rd_signal_error_quark ())
GQuark rd_signal_error_quark (void);

typedef enum
{
  RD_SIGNAL_ERROR_TLS,
  RD_SIGNAL_ERROR_LISTEN,
  RD_SIGNAL_ERROR_URL,
  RD_SIGNAL_ERROR_CONNECT,
  RD_SIGNAL_ERROR_TIMEOUT,
  RD_SIGNAL_ERROR_HTTP,
  RD_SIGNAL_ERROR_RETRY,
  RD_SIGNAL_ERROR_PROTOCOL,
  RD_SIGNAL_ERROR_UNTRUSTED,
} RdSignalError;

G_END_DECLS
