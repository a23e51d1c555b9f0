/* rd-daemon-links.h: RdLinks, the conferences the room's sessions join as a client ("links"):
 * `session join` publishes the room to a WHIP endpoint and, with --whep, plays a WHEP stream
 * (recorded like a party). RFC 9725 on the client side: POST the offer, PATCH for an ICE
 * restart, DELETE to leave.
 *
 * Contract:
 * - A link belongs to a live session and lives from the join until it is left (session leave,
 *   session end, shutdown) or its join is refused.
 * - States: connecting (POST sent, ICE not yet up), connected, reconnecting (after a drop: an
 *   ICE restart, then new POSTs with a new peer and client, backoff 1, 2, 4, 4... s, until
 *   [links] reconnect-seconds), failed (gave up; the session goes on; kept for status until
 *   leave). Each change is a ledger event of the session: link-joined, link-connected,
 *   link-dropped, link-ice-restart, link-reposted, link-recovered, link-failed, link-left, each
 *   with the link's id, kind, URL (never the token, never the query string), time and reason.
 *   A WHEP link's received streams are recorded like a party's; each new peer is new tracks,
 *   and a recovery writes a recording-gap event with the gap on the session's timeline.
 * - Leaving sends DELETE to the resource (bounded by the client's request timeout) and answers
 *   when every DELETE has completed or failed.
 *
 * Signals: "changed" (no arguments) when a link's state changed (rd_links_status_text() and
 * rd_links_to_json() may show something else).
 *
 * Collaborators (taken at construction, a reference each): the configuration, the ledger
 * (borrowed: it must outlive the object), the room, the recording.
 * Threading: main context only. */
#pragma once

#include <json-glib/json-glib.h>

#include "config/rd-config.h"
#include "daemon/rd-daemon-control.h"
#include "daemon/rd-daemon-recording.h"
#include "ledger/rd-ledger.h"
#include "media/rd-media-room.h"

G_BEGIN_DECLS

#define RD_TYPE_LINKS (rd_links_get_type ())
G_DECLARE_FINAL_TYPE (RdLinks, rd_links, RD, LINKS, GObject)

typedef void (*RdLinksDone) (gpointer data);

/* (transfer full) */
RdLinks *rd_links_new (RdConfig *config, RdLedger *ledger, RdRoom *room,
                       RdSessionRecording *recording);
/* The configuration after a reload ([links] reconnect-seconds of the next drops). */
void rd_links_set_config (RdLinks *links, RdConfig *config);

/* The control methods. "session.join" {id, whip, token?, whep?, whep_token?, insecure?, ca?}:
 * answered once every link has its answer (or the first refusal: then the others are left
 * again and the error names what failed). "session.leave" {id}: answered once every DELETE has
 * completed or failed. */
void rd_links_method_join (RdLinks *links, RdControlRequest *req, JsonObject *params);
void rd_links_method_leave (RdLinks *links, RdControlRequest *req, JsonObject *params);

/* Leaves every link of @session_id (all when NULL): DELETE each; @done (may be NULL) runs once
 * all completed (at once when there are none). */
void rd_links_leave (RdLinks *links, const char *session_id, const char *reason, RdLinksDone done,
                     gpointer data);
/* Shutdown, after rd_links_leave(): iterates the main context until the DELETEs in flight are
 * done or the monotonic time @deadline_us. */
void rd_links_wait (RdLinks *links, gint64 deadline_us);
/* A JSON array of the links of @session_id (all when NULL) with their state and stats.
 * (transfer full) */
JsonNode *rd_links_to_json (RdLinks *links, const char *session_id);
/* ", links: N connected, M reconnecting, K failed" for STATUS=, "" without links.
 * (transfer full) */
char *rd_links_status_text (RdLinks *links);

G_END_DECLS
