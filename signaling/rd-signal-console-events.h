/* rd-signal-console-events.h: the web console's live status feed, GET /console/api/events, as
 * server-sent events (HTML Living Standard, "Server-sent events": text/event-stream).
 *
 * Contract: rd_signal_console_events_attach() adds the handler of RD_SIGNAL_CONSOLE_EVENTS_PATH
 * to a SoupServer. A GET there is let in only when the check function (set with
 * rd_signal_console_events_set_check()) says that the value of its "rd_console" cookie names a
 * live console session; otherwise (no cookie, no check function, or the check says no) it answers
 * 401 application/json {"error":{"code":"not-logged-in","message":...}}. Another method answers
 * 405 with Allow. Every answer has the console's headers (rd_signal_console_set_headers()). A
 * request let in is answered 200 "text/event-stream; charset=utf-8", chunked, and kept open: it
 * first gets
 * "retry: 1000" (EventSource's reconnection delay) and the last status pushed, if any; then each
 * status pushed, as "event: status" with the JSON text as its data. The session is checked again
 * before each push: a stream whose session ended is closed. Each stream ends after
 * RD_SIGNAL_CONSOLE_EVENTS_MAX_S seconds (rd_signal_console_events_set_max_age(), for tests) (the
 * listener closes every connection at its reply deadline, rd-signal-accept.h), and the browser's
 * EventSource connects again a second later, getting the last status at once.
 * rd_signal_console_events_count() says how many streams are open, so a caller builds a status only
 * while someone watches.
 *
 * Threading: the SoupServer's context (the daemon's main context); push from there.
 * Ownership: rd_signal_console_events_new() returns (transfer full); free it with
 * rd_signal_console_events_free() after the SoupServers it was attached to are gone or
 * disconnected (it closes its open streams). @json is copied.
 */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

#define RD_SIGNAL_CONSOLE_EVENTS_PATH  "/console/api/events"
#define RD_SIGNAL_CONSOLE_EVENTS_MAX_S 25

typedef struct _RdSignalConsoleEvents RdSignalConsoleEvents;

/* TRUE when @cookie (the "rd_console" cookie's value) names a live console session. Called on
 * the server's context. */
typedef gboolean (*RdSignalConsoleCheck) (const char *cookie, gpointer user_data);

RdSignalConsoleEvents *rd_signal_console_events_new (void);
void rd_signal_console_events_free (RdSignalConsoleEvents *events);

void rd_signal_console_events_set_check (RdSignalConsoleEvents *events, RdSignalConsoleCheck check,
                                         gpointer user_data);
void rd_signal_console_events_attach (RdSignalConsoleEvents *events, SoupServer *soup);

/* How long each stream opened from now on stays open, in seconds (>= 1). */
void rd_signal_console_events_set_max_age (RdSignalConsoleEvents *events, guint seconds);

/* Sends @json (the status, one JSON text) to every open stream and keeps it for new ones. */
void rd_signal_console_events_push (RdSignalConsoleEvents *events, const char *json);
guint rd_signal_console_events_count (RdSignalConsoleEvents *events);

/* Ends every open stream (the server is stopping). */
void rd_signal_console_events_close_all (RdSignalConsoleEvents *events);

G_END_DECLS
