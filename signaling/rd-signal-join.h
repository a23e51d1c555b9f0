/* rd-signal-join.h: the browser join page served at GET /join/<session-id>.
 *
 * Contract: one self-contained HTML document (inline CSS and JavaScript, no external scripts,
 * fonts or images) that reads the bearer token from the URL fragment (#token=...), shows the
 * local preview and the room, mute buttons, the connection state and the REC indicator, and
 * speaks the WHIP API of rd-signal-whip.h: POST a sendrecv offer to /whip/<session-id>, PATCH
 * trickle candidates with If-Match, DELETE on leave. It exposes window.rdJoin (state, the
 * RTCPeerConnection, a getStats() summary) for tests. Standard browser APIs only.
 *
 * Threading: none (immutable data). Ownership: (transfer full) GBytes.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The page, UTF-8 text/html. */
GBytes *rd_signal_join_page (void);

G_END_DECLS
