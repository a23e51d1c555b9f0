/* rd-daemon-links.h: conferences the room joins as a client ("links"): `session join` publishes
 * the room to a WHIP endpoint and, with --whep, plays a WHEP stream (recorded like a party).
 * Daemon module only (rd-daemon-links.c: a link and its attempts; rd-daemon-links-control.c:
 * session join/leave, leaving, status; rd-daemon-links-reconnect.c: staying connected).
 *
 * Contract:
 * - A link is one resource: an RdPeer (offerer, or answerer on the WHEP 406 path) and an
 *   RdSignalClient. It belongs to a live session and lives in daemon->links from the join until
 *   it is left (session leave, session end, shutdown) or its join is refused.
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
 * Threading: main context only. Ownership: the daemon owns the links (daemon->links).
 */
#pragma once

#include "daemon/rd-daemon-private.h"
#include "daemon/rd-daemon-recording.h"
#include "media/rd-media-peer-offer.h"
#include "signaling/rd-signal-client.h"

G_BEGIN_DECLS

typedef enum
{
  RD_LINK_CONNECTING,
  RD_LINK_CONNECTED,
  RD_LINK_RECONNECTING,
  RD_LINK_FAILED,
  RD_LINK_LEAVING,
} RdLinkState;

typedef struct _RdLinkJoin RdLinkJoin; /* a session.join waiting for its links' answers */

struct _RdDaemonLink
{
  RdDaemon *daemon; /* weak: the daemon owns the table that owns the link */
  char *id, *session_id;
  RdSignalClientKind kind;
  char *url;       /* as given (may hold a query string: never recorded or shown) */
  char *shown_url; /* scheme://host[:port]/path: what the ledger, logs and status show */
  char *token, *ca_file;
  gboolean insecure;
  RdLinkState state;
  RdPeer *peer;
  gboolean peer_answers; /* WHEP 406 path: the peer answered the server's offer */
  RdSignalClient *client;
  GCancellable *cancel;   /* the current attempt's requests */
  GPtrArray *ice_servers; /* RdSignalIceServer*, from the last 201's Link headers */
  guint generation;       /* peers made so far (peer ids link-<id>-<generation>) */
  guint attempt;          /* re-POSTs since the drop */
  gboolean ever_connected;
  gboolean ice_restarted;  /* since the drop */
  gint64 dropped_at_us;    /* monotonic */
  char *dropped_at;        /* ISO 8601, UTC */
  double dropped_at_rec_s; /* on the session's recording timeline; < 0 when not recording */
  char *drop_reason, *last_error;
  /* while connected, once a second: when bytes last arrived (a drop is only noticed up to the
   * liveness timeout later; the recording's gap starts when media stopped) */
  guint media_tick_id;
  guint64 last_bytes;
  gint64 last_media_us;    /* monotonic; 0: none yet */
  double last_media_rec_s; /* on the recording's timeline; < 0 unknown */
  guint connect_timer_id, restart_timer_id, repost_timer_id, deadline_timer_id;
  RdLinkJoin *join; /* the join still waiting for this link's answer, or NULL */
};

/* Control methods (rd-daemon-links.c). "session.join" {id, whip, token?, whep?, whep_token?,
 * insecure?, ca?}: answered once every link has its answer (or the first refusal: then the
 * others are left again and the error names what failed). "session.leave" {id}. */
void rd_daemon_method_session_join (RdDaemon *d, RdControlRequest *req, JsonObject *params);
void rd_daemon_method_session_leave (RdDaemon *d, RdControlRequest *req, JsonObject *params);

GHashTable *rd_daemon_links_new (void);
/* Leaves every link of @session_id (all when NULL): DELETE each; @done runs once all completed
 * (at once when there are none). */
void rd_daemon_links_leave (RdDaemon *d, const char *session_id, const char *reason,
                            RdDaemonRecordingDone done, gpointer data);
/* Shutdown, after rd_daemon_links_leave(): iterates the main context until the DELETEs in
 * flight are done or the monotonic time @deadline_us. */
void rd_daemon_links_wait (RdDaemon *d, gint64 deadline_us);
/* A JSON array of the links of @session_id (all when NULL) with their state and stats.
 * (transfer full) */
JsonNode *rd_daemon_links_to_json (RdDaemon *d, const char *session_id);
/* ", links: N connected, M reconnecting, K failed" for STATUS=, "" without links.
 * (transfer full) */
char *rd_daemon_links_status_text (RdDaemon *d);

/* rd-daemon-links.c */
/* A link for @url (checked by the client, nothing sent yet); NULL with @error. (transfer full) */
RdDaemonLink *rd_daemon_link_new (RdDaemon *d, const char *session_id, RdSignalClientKind kind,
                                  const char *url, const char *token, const char *ca_file,
                                  gboolean insecure, GError **error);
void rd_daemon_link_free (RdDaemonLink *l);
/* {"reason": @reason}, for rd_daemon_link_event(). (transfer full) */
JsonObject *rd_daemon_link_detail_reason (const char *reason);
/* For a callback: rd_daemon_link_ref_take() gives the link back if it is still on the same
 * attempt and neither failed nor leaving, else NULL; it frees the ref either way. */
gpointer rd_daemon_link_ref (RdDaemonLink *l);
RdDaemonLink *rd_daemon_link_ref_take (gpointer ref);
/* Starts an attempt: a new peer and client, the offer, the POST (with @deadline_s for 503/409
 * retries). Failures go to rd_daemon_link_attempt_failed(). */
void rd_daemon_link_attempt (RdDaemonLink *l, guint deadline_s);
/* Closes and forgets the current peer (its handlers first: no drop is reported) and client;
 * DELETEs the client's resource in the background when @delete_resource. */
void rd_daemon_link_drop_attempt (RdDaemonLink *l, const char *reason, gboolean delete_resource);
/* Appends a ledger event of the link's session: @kind with the link's id, kind, URL, the time,
 * and @detail's members (an object, consumed; may be NULL). */
void rd_daemon_link_event (RdDaemonLink *l, const char *kind, JsonObject *detail);
const char *rd_daemon_link_kind_name (RdDaemonLink *l);
/* The first attempt (of a session join) was refused: link-failed, the join answered. */
void rd_daemon_link_join_refused (RdDaemonLink *l, const char *message);

/* rd-daemon-links-control.c: @l's first attempt has its answer (@error NULL) or was refused;
 * the join waiting for it is answered once all its links have reported. */
void rd_daemon_link_join_report (RdDaemonLink *l, const char *error);

/* rd-daemon-links-reconnect.c */
/* The peer's ICE and DTLS are up (again). */
void rd_daemon_link_connected (RdDaemonLink *l);
/* The connection went down (peer disconnected/failed/closed, or not connected in time). */
void rd_daemon_link_dropped (RdDaemonLink *l, const char *reason);
/* The current attempt failed before it connected (POST refused, unreachable, bad answer...). */
void rd_daemon_link_attempt_failed (RdDaemonLink *l, const char *message);
/* The answer is set: ICE has this long to connect before the attempt counts as failed. */
void rd_daemon_link_wait_connected (RdDaemonLink *l);
/* Stops every timer of the link. */
void rd_daemon_link_stop_timers (RdDaemonLink *l);
/* "reconnecting 23/120 s" and the like. (transfer full) */
char *rd_daemon_link_state_text (RdDaemonLink *l);

G_END_DECLS
