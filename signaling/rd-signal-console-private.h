/* rd-signal-console-private.h: how RdSignalServer (rd-signal-server.c) attaches the console's
 * JSON API (rd-signal-console-api.c); for signaling/ only.
 *
 * Contract: rd_signal_console_attach() registers the /console/api handlers (early and normal)
 * on @soup; requests that pass the HTTP checks of rd-signal-console.h are handed up by emitting
 * @signal_id on @emitter, or answered 503 when no handler is connected to it.
 * Threading: main context only. Ownership: @emitter must outlive @soup.
 */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

#define RD_SIGNAL_CONSOLE_API_PATH         "/console/api"
#define RD_SIGNAL_CONSOLE_REPLY_TIMEOUT_MS 30000

void rd_signal_console_attach (SoupServer *soup, GObject *emitter, guint signal_id);

G_END_DECLS
