/* rd-ledger.h: the session ledger, receptiond's only SQLite user (no other file includes
 * sqlite3.h).
 *
 * Contract:
 * - rd_ledger_open() opens (or creates) <state-dir>/ledger.sqlite in WAL mode, runs the forward
 *   migrations from the file's schema version (PRAGMA user_version) to RD_LEDGER_SCHEMA_VERSION
 *   in one transaction each, and refuses, with RD_LEDGER_ERROR_NEWER_SCHEMA or
 *   RD_LEDGER_ERROR_CORRUPT, a file it cannot trust. It never rewrites, repairs or deletes
 *   anything it did not write in this call.
 * - The ledger is evidence. Rows in sessions, participants, invites, recordings and events are
 *   never deleted, events are never updated, and sealed sessions, invites and participants only
 *   change as said below: triggers in the schema refuse the rest, so a bug cannot do it.
 * - Every write is one transaction. Writes that seal a session (end, interrupt) are committed
 *   with synchronous=FULL; others with synchronous=NORMAL (WAL keeps them atomic).
 * - Times are UTC, ISO 8601 with microseconds ("2026-11-28T01:34:41.123456Z"). Every time the
 *   ledger stores has exactly this fixed-width form (times given to it, such as an invite's
 *   expiry, are converted to it), so comparing two stored times as strings compares them in time.
 * - Invites (schema version 2) are bearer tokens bound to one session and one role. The ledger
 *   never sees a token: callers pass its SHA-256 as 64 lowercase hex digits, and that is all that
 *   is stored. Neither the token nor its hash appears in an event, a JSON view or an error
 *   message. Invites are never deleted; the only change an invite accepts is being revoked, once.
 * - Every row written to any table is appended to the hash chain (schema version 3) in the same
 *   transaction; see rd-ledger-chain.h. Another program cannot write to the file without first
 *   removing the chain's triggers (they call a function only the ledger registers).
 * - Participants (schema version 2) are one row per connection of a remote party. The only
 *   changes a row accepts are recording its DTLS fingerprint once and its leaving once; ending a
 *   session (or reconciling it after a crash) closes the rows still open, in the same transaction.
 * - Recordings (schema version 3): one row per segment file, written "recording" and then closed
 *   once for good as "sealed", "repaired" or "unrecoverable"; see rd-ledger-recordings.h.
 *
 * Threading: an RdLedger is used from one thread only (the daemon's main thread). Calls block on
 * disk I/O; each is a handful of small statements.
 *
 * Ownership: returned JsonNode/strings are (transfer full); arguments are (transfer none).
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define RD_LEDGER_SCHEMA_VERSION 9
#define RD_LEDGER_FILE_NAME      "ledger.sqlite"

/* Session states (the text stored in sessions.state). A scheduled session (rd-ledger-book.h)
 * becomes live when started; open is reserved. */
#define RD_SESSION_STATE_SCHEDULED   "scheduled"
#define RD_SESSION_STATE_LIVE        "live"
#define RD_SESSION_STATE_ENDED       "ended"
#define RD_SESSION_STATE_INTERRUPTED "interrupted"

typedef struct _RdLedger RdLedger;

/* Opens the ledger in @state_dir, which must exist. (transfer full) */
RdLedger *rd_ledger_open (const char *state_dir, GError **error);
void rd_ledger_close (RdLedger *ledger);
const char *rd_ledger_get_path (RdLedger *ledger);
int rd_ledger_get_schema_version (RdLedger *ledger);

/* Marks every session still live (left open by a crash) as interrupted, with ended_at = now and
 * an event "session-interrupted" (actor "receptiond", detail {"reason": @reason}) for each. Its
 * participants still in (left_at NULL) leave first, with reason "interrupted" and an event
 * "party-left" (actor "receptiond") each; all in one synchronous=FULL transaction. Returns the
 * ids of the sessions it closed (empty array if none). (transfer full) */
GPtrArray *rd_ledger_reconcile_crashed (RdLedger *ledger, const char *reason, GError **error);

/* Creates a live session with a fresh id ("YYYYMMDD-xxxxxx", date + 6 random hex digits), and an
 * event "session-started" by @actor. @title may be NULL. Returns the id. (transfer full) */
char *rd_ledger_session_start (RdLedger *ledger, const char *title, const char *actor,
                               GError **error);

/* Ends a live session: its participants still in leave with reason "session ended" (an event
 * "party-left" by @actor each), then state ended, ended_at now, end_reason @reason, event
 * "session-ended" by @actor, all in one synchronous=FULL transaction. RD_LEDGER_ERROR_NOT_FOUND
 * if there is no such session, RD_LEDGER_ERROR_STATE if it is not live. */
gboolean rd_ledger_session_end (RdLedger *ledger, const char *id, const char *actor,
                                const char *reason, GError **error);

/* Ids of live sessions, oldest first. (transfer full) */
GPtrArray *rd_ledger_live_sessions (RdLedger *ledger, GError **error);

/* Appends one event. @session_id may be NULL (a daemon-wide event); @detail may be NULL or a
 * JSON object. Returns the event's id, or 0 on error. */
gint64 rd_ledger_add_event (RdLedger *ledger, const char *session_id, const char *actor,
                            const char *kind, JsonNode *detail, GError **error);

/* A JSON array of session summaries, newest first: {id, title, state, created_at, started_at,
 * ended_at, end_reason, participants (count)}. (transfer full) */
JsonNode *rd_ledger_session_list (RdLedger *ledger, GError **error);

/* One session as a JSON object: the summary fields plus "participants" (array of rows: id,
 * peer_id, invite_id, role, name, remote_address, dtls_fingerprint, joined_at, left_at,
 * leave_reason), "invites" (as rd_ledger_invite_list()), "recordings" (array of rows) and
 * "events" (array of {id, at, actor, kind, detail}, oldest first). RD_LEDGER_ERROR_NOT_FOUND if
 * there is no such session. (transfer full) */
JsonNode *rd_ledger_session_show (RdLedger *ledger, const char *id, GError **error);

/* Invites: a bearer token bound to one session and one role. Only the token's SHA-256 (64
 * lowercase hex digits) is stored; a token is found by an index lookup of that hash. */

/* Roles of invites and participants (the text stored in invites.role and participants.role). */
#define RD_LEDGER_ROLE_BOARD   "board"
#define RD_LEDGER_ROLE_AGENCY  "agency"
#define RD_LEDGER_ROLE_CITIZEN "citizen"

typedef struct
{
  gint64 id;
  char *session_id;
  char *role;
  char *name; /* may be NULL */
  char *created_at;
  char *expires_at;
  char *revoked_at; /* NULL unless revoked */
} RdLedgerInvite;

void rd_ledger_invite_free (RdLedgerInvite *invite);

/* Creates an invite. @role: RD_LEDGER_ROLE_*; @name may be NULL, and must be for a citizen
 * (RD_LEDGER_ERROR_INVALID): a citizen's invite is named "citizen N", N its number among the
 * session's citizen invites from 1, never by the person; @expires_at an ISO 8601 time
 * with a time zone (stored converted to UTC with microseconds), later than now;
 * @token_sha256_hex: 64 lowercase hex digits, different from every other invite's. A bad argument
 * gives RD_LEDGER_ERROR_INVALID. The session must exist (RD_LEDGER_ERROR_NOT_FOUND) and not be
 * sealed, i.e. live, scheduled or open, not ended or interrupted (RD_LEDGER_ERROR_STATE). Writes
 * an event "invite-created" by @actor with detail {invite_id, role, name, expires_at}. Returns the
 * invite's id (> 0), or 0 on error. */
gint64 rd_ledger_invite_create (RdLedger *ledger, const char *session_id, const char *role,
                                const char *name, const char *expires_at,
                                const char *token_sha256_hex, const char *actor, GError **error);

/* Finds the invite for @token_sha256_hex and checks that it admits to @session_id now. Refusals
 * are RD_LEDGER_ERROR_UNAUTHORIZED, with a message that says which, in this order: unknown token;
 * token (invite N) for another session; revoked (at ...); expired (at ...); its session is
 * ended or interrupted. A malformed hash is RD_LEDGER_ERROR_INVALID. Writes nothing: the caller
 * decides whether a refusal is worth an event. The lookup is an index lookup of the hash, not a
 * constant-time comparison: its timing can only tell about SHA-256 values, which does not help
 * to find a token. (transfer full; free with rd_ledger_invite_free()) */
RdLedgerInvite *rd_ledger_invite_check (RdLedger *ledger, const char *session_id,
                                        const char *token_sha256_hex, GError **error);

/* Revokes invite @invite_id of @session_id: revoked_at now, event "invite-revoked" by @actor
 * with detail {invite_id}. RD_LEDGER_ERROR_NOT_FOUND if that session has no such invite,
 * RD_LEDGER_ERROR_STATE if it is already revoked. A sealed session's invites may still be
 * revoked. */
gboolean rd_ledger_invite_revoke (RdLedger *ledger, const char *session_id, gint64 invite_id,
                                  const char *actor, GError **error);

/* A JSON array of the session's invites, oldest first: {id, role, name, created_at, expires_at,
 * revoked_at} (never the hash). RD_LEDGER_ERROR_NOT_FOUND if there is no such session.
 * (transfer full) */
JsonNode *rd_ledger_invite_list (RdLedger *ledger, const char *session_id, GError **error);

/* Participants: one row per connection of a remote party. Events about a participant belong to
 * its session. */

/* Records a party joining session @session_id: a participants row (@peer_id, @role, @name and
 * @remote_address may be NULL except @role; joined_at now; dtls_fingerprint NULL until verified)
 * and an event "party-joined" by @actor with detail {participant_id, peer_id, role, name,
 * remote_address, invite_id}. @invite_id is the invite the party presented, or 0 for none; it
 * must be an invite of that session (RD_LEDGER_ERROR_NOT_FOUND) with the same role
 * (RD_LEDGER_ERROR_INVALID). @role: RD_LEDGER_ROLE_* (else RD_LEDGER_ERROR_INVALID). The session
 * must exist and not be sealed (RD_LEDGER_ERROR_NOT_FOUND, RD_LEDGER_ERROR_STATE). Returns the
 * participant's id (> 0), or 0 on error. */
gint64 rd_ledger_participant_join (RdLedger *ledger, const char *session_id, const char *peer_id,
                                   gint64 invite_id, const char *role, const char *name,
                                   const char *remote_address, const char *actor, GError **error);

/* Records participant @participant_id's verified DTLS fingerprint, and an event "party-verified"
 * (actor "receptiond", detail {participant_id, fingerprint[, recording_ns]}). @recording_ns: the
 * time on the session's recording timeline (ns since the recording started), or -1 when the
 * session is not being recorded (then not in the detail). Only once:
 * RD_LEDGER_ERROR_STATE if a fingerprint is already recorded. RD_LEDGER_ERROR_NOT_FOUND if there
 * is no such participant. */
gboolean rd_ledger_participant_verified (RdLedger *ledger, gint64 participant_id,
                                         const char *fingerprint, gint64 recording_ns,
                                         GError **error);

/* Records participant @participant_id leaving: left_at now, leave_reason @reason (e.g. "left"
 * (DELETE), "lost" (ICE consent or timeout), "failed", "security: DTLS fingerprint mismatch"),
 * and an event "party-left" (actor "receptiond", detail {participant_id, reason[, recording_ns]};
 * @recording_ns as for rd_ledger_participant_verified()).
 * RD_LEDGER_ERROR_STATE if it has already left (also when its session's end closed it, with
 * reason "session ended", or a crash reconciliation, with reason "interrupted");
 * RD_LEDGER_ERROR_NOT_FOUND if there is no such participant.
 *
 * Security events ("security-violation", detail {participant_id, message, expected, actual}) are
 * written with rd_ledger_add_event(). */
gboolean rd_ledger_participant_leave (RdLedger *ledger, gint64 participant_id, const char *reason,
                                      gint64 recording_ns, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RdLedger, rd_ledger_close)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RdLedgerInvite, rd_ledger_invite_free)

G_END_DECLS
