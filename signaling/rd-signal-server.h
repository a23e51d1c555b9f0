/* rd-signal-server.h: receptiond's HTTPS listener (libsoup 3), the base of WHIP/WHEP signaling.
 *
 * Contract: rd_signal_server_new() takes the TLS identity from the config's [network]
 * certificate/private-key files, or, when they are unset, from <state-dir>/tls/certificate.pem
 * and <state-dir>/tls/private-key.pem, generating both when both are missing (see
 * rd-signal-tls.h for what is checked and generated; existing files are never replaced). It
 * does not listen. rd_signal_server_start() listens with HTTPS on the config's listen address
 * (port 0 = any free port); rd_signal_server_stop() closes the listener and every connection,
 * and may be called any number of times; a stopped server may be started again.
 *
 * HTTP surface: GET (or HEAD) /health answers 200 application/json {"status":"ok"}; another
 * method on /health answers 405 with Allow. /whip/<session-id> and /whip/<session-id>/<peer-id>
 * are the WHIP endpoint and resources, /whep/<session-id> and /whep/<session-id>/<peer-id> the
 * WHEP ones (rd-signal-whip.h), all handed up through the "whip-request" signal. GET (or HEAD)
 * /join/<session-id> answers the join page (rd-signal-join.h) as "text/html; charset=utf-8" with
 * "Cache-Control: no-store" and a Content-Security-Policy that allows the page's own inline script
 * and style, this origin and data: images, nothing else; another method answers 405 with Allow.
 * /console/api/... is the room console's JSON API (rd-signal-console.h), handed up through the
 * "console-request" signal; every other path under /console/ answers 404 with the console's
 * headers. GET /console/ and the console's files are the web console (rd-signal-console-assets.h).
 * Every other path answers 404. Paths are not %-decoded (GLib only normalises escaped
 * letters, digits and -._~), so "/whip/a%2Fb" is an id with a character ids never have: 404.
 * Request bodies are read into memory only for WHIP/WHEP POST/PATCH, up to 64 KiB; any other body
 * is read and dropped. Every response, errors included, carries "Access-Control-Allow-Origin: *"
 * and "Access-Control-Expose-Headers: Location, ETag, Link", so browser WHIP clients can read it
 * (also after a "100 Continue"). Every response also carries "Connection: close": one request per
 * connection (no keep-alive).
 *
 * Connections (rd-signal-accept.h): at most [network] max-connections open at once and
 * max-connections-per-address from one address (IPv6: one /64); none while fewer than
 * "reserved-fds" descriptors (at most a quarter of RLIMIT_NOFILE) would stay free; a connection
 * must complete its TLS handshake and its request within "connection-timeout-ms" of being accepted,
 * and its reply within the WHIP reply timeout plus that much again, or it is closed. The listener
 * keeps accepting after the process ran out of descriptors.
 *
 * Signal "whip-request": void handler (RdSignalServer *server, RdWhipRequest *request,
 * gpointer user_data), request as G_TYPE_POINTER, emitted on the context the server listens on,
 * for each WHIP or WHEP request that passed the HTTP checks (rd_whip_request_is_whep()); the
 * handler must reply as rd-signal-whip.h says. With no handler connected such a request is answered
 * 503 (Retry-After: 5).
 *
 * Signal "console-request": void handler (RdSignalServer *server, RdConsoleRequest *request,
 * gpointer user_data), request as G_TYPE_POINTER, for each console API request that passed the
 * HTTP checks of rd-signal-console.h; the handler must reply as that header says. With no
 * handler connected such a request is answered 503.
 *
 * Signal "console-session": gboolean handler (RdSignalServer *server, const char *cookie,
 * gpointer user_data), emitted on the server's context when the web console's status feed
 * (rd-signal-console-events.h) is asked for, and before each status it sends: TRUE when @cookie
 * (the value of the "rd_console" cookie) names a live console session. The first handler's
 * answer counts; with none connected every request is refused (401). The feed's statuses come
 * from rd_signal_console_events_push() on rd_signal_server_get_console_events().
 *
 * Property "whip-reply-timeout-ms" (guint, default 30000, read-write): how long a WHIP request
 * waits for its handler's reply before signaling answers 504. For tests; the daemon leaves it.
 * Properties "connection-timeout-ms" (guint, default 10000) and "reserved-fds" (guint, default
 * 256), read-write, take effect for connections accepted after the change. For tests too.
 *
 * Errors (signaling/rd-signal-error.h) are RD_SIGNAL_ERROR_TLS (the identity cannot be loaded or
 * created; the message names the file) or RD_SIGNAL_ERROR_LISTEN (the message names the
 * address, e.g. "cannot listen on 127.0.0.1:8443: Address already in use"). The module logs
 * nothing.
 *
 * Threading: main context only. Create, start, stop and query the server on the daemon's main
 * context; rd_signal_server_start() attaches the listener to the thread-default main context
 * of the calling thread, and requests are served while that context runs.
 *
 * Ownership: rd_signal_server_new() returns (transfer full) a GObject; it keeps its own
 * reference on @config. Strings returned by the getters are owned by the server: the URL lives
 * until the server is stopped, the fingerprint as long as the server.
 */
#pragma once

#include <glib-object.h>

#include "config/rd-config.h"
#include "signaling/rd-signal-console-events.h"

G_BEGIN_DECLS

#define RD_TYPE_SIGNAL_SERVER (rd_signal_server_get_type ())
G_DECLARE_FINAL_TYPE (RdSignalServer, rd_signal_server, RD, SIGNAL_SERVER, GObject)

/* Loads or generates the TLS identity; does not listen. NULL and @error set on failure.
 * (transfer full) */
RdSignalServer *rd_signal_server_new (RdConfig *config, GError **error);

/* Listens on the config's listen host:port. Must not be called while listening. */
gboolean rd_signal_server_start (RdSignalServer *self, GError **error);

/* Stops listening and closes open connections; idempotent. */
void rd_signal_server_stop (RdSignalServer *self);

/* "https://127.0.0.1:8443/" with the port actually bound; an IPv6 host is in brackets:
 * "https://[::1]:8443/". The host is the listen address as configured, so a wildcard listen
 * address (0.0.0.0, ::) appears as such. NULL when not listening. (transfer none) */
const char *rd_signal_server_get_url (RdSignalServer *self);

/* The port actually bound; 0 when not listening. */
guint16 rd_signal_server_get_port (RdSignalServer *self);

/* The web console's status feed: push each status to it. (transfer none; lives as long as the
 * server) */
RdSignalConsoleEvents *rd_signal_server_get_console_events (RdSignalServer *self);

/* "sha-256 AB:CD:..." of the DER certificate, for remote parties to pin. (transfer none) */
const char *rd_signal_server_get_certificate_fingerprint (RdSignalServer *self);

G_END_DECLS
