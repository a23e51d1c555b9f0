/* rd-signal-console-assets.h: the web console's static files, served under /console/.
 *
 * Contract: rd_signal_console_assets_attach() adds a handler for the /console prefix to a
 * SoupServer. GET (or HEAD) /console/ and /console/index.html answer the page; /console/<name>
 * answers one of the console's own files (console.css, console-*.js) with its type
 * ("text/html; charset=utf-8", "text/css; charset=utf-8", "text/javascript; charset=utf-8").
 * Every answer, errors included, has the console's headers (rd_signal_console_set_headers():
 * its Content-Security-Policy allows no inline script or style, and the files hold none).
 * /console answers 308 to
 * /console/; another method answers 405 with Allow; any other name 404. Paths under
 * /console/api/ are not this handler's: a more specific handler (libsoup picks the longest
 * registered prefix) answers them, and without one they answer 404 here.
 *
 * The files are compiled into the binary (signaling/console/, a GResource): nothing is read
 * from disk. rd_signal_console_assets_lookup() returns one of them by its name ("index.html"),
 * NULL for a name that is not one.
 *
 * Threading: the SoupServer's context; the lookup is thread-safe (immutable data).
 * Ownership: lookup returns (transfer full) GBytes; attach keeps nothing but the handler.
 */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

void rd_signal_console_assets_attach (SoupServer *soup);

/* (transfer full) or NULL */
GBytes *rd_signal_console_assets_lookup (const char *name);

G_END_DECLS
