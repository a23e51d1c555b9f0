/* rd-signal-console.h: the room console under /console/ on RdSignalServer's HTTPS listener.
 *
 * Contract: every response under /console/ (pages, assets, the JSON API, errors included) goes
 * through rd_signal_console_set_headers(), which sets
 *   Cache-Control: no-store
 *   X-Content-Type-Options: nosniff
 *   Referrer-Policy: no-referrer
 *   X-Frame-Options: DENY
 *   Content-Security-Policy: RD_SIGNAL_CONSOLE_CSP
 * and removes the CORS headers every other response of the listener carries: the console is
 * read only by pages of its own origin.
 *
 * Threading: main context only (it touches a SoupServerMessage). Ownership: none.
 */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

#define RD_SIGNAL_CONSOLE_PATH "/console"
#define RD_SIGNAL_CONSOLE_CSP                                                                      \
  "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; "   \
  "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

/* Sets the console's security headers on @msg's response (replacing any earlier value). */
void rd_signal_console_set_headers (SoupServerMessage *msg);

G_END_DECLS
