/* rd-ledger.h: the session ledger, receptiond's only SQLite user (no other file includes
 * sqlite3.h).
 *
 * Contract:
 * - rd_ledger_open() opens (or creates) <state-dir>/ledger.sqlite in WAL mode, runs the forward
 *   migrations from the file's schema version (PRAGMA user_version) to RD_LEDGER_SCHEMA_VERSION
 *   in one transaction each, and refuses, with RD_LEDGER_ERROR_NEWER_SCHEMA or
 *   RD_LEDGER_ERROR_CORRUPT, a file it cannot trust. It never rewrites, repairs or deletes
 *   anything it did not write in this call.
 * - The ledger is evidence. Rows in sessions, participants, recordings and events are never
 *   deleted, and events are never updated: triggers in the schema refuse it, so a bug cannot do it.
 * - Every write is one transaction. Writes that seal a session (end, interrupt) are committed
 *   with synchronous=FULL; others with synchronous=NORMAL (WAL keeps them atomic).
 * - Times are UTC, ISO 8601 with microseconds ("2026-11-28T01:34:41.123456Z").
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

#define RD_LEDGER_ERROR (rd_ledger_error_quark ())
GQuark rd_ledger_error_quark (void);

typedef enum
{
  RD_LEDGER_ERROR_OPEN,         /* the file or its directory cannot be opened or created */
  RD_LEDGER_ERROR_CORRUPT,      /* not a SQLite database, or fails its integrity check */
  RD_LEDGER_ERROR_NEWER_SCHEMA, /* written by a newer receptiond */
  RD_LEDGER_ERROR_NOT_FOUND,    /* no such session */
  RD_LEDGER_ERROR_STATE,        /* the session is not in a state that allows the change */
  RD_LEDGER_ERROR_IO,           /* any other SQLite failure (disk full, read-only, ...) */
} RdLedgerError;

#define RD_LEDGER_SCHEMA_VERSION 1
#define RD_LEDGER_FILE_NAME      "ledger.sqlite"

/* Session states (the text stored in sessions.state). scheduled and open come with scheduling. */
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
 * an event "session-interrupted" (actor "receptiond", detail {"reason": @reason}) for each.
 * Returns the ids of the sessions it closed (empty array if none). (transfer full) */
GPtrArray *rd_ledger_reconcile_crashed (RdLedger *ledger, const char *reason, GError **error);

/* Creates a live session with a fresh id ("YYYYMMDD-xxxxxx", date + 6 random hex digits), and an
 * event "session-started" by @actor. @title may be NULL. Returns the id. (transfer full) */
char *rd_ledger_session_start (RdLedger *ledger, const char *title, const char *actor,
                               GError **error);

/* Ends a live session: state ended, ended_at now, end_reason @reason, event "session-ended" by
 * @actor, all in one synchronous=FULL transaction. RD_LEDGER_ERROR_NOT_FOUND if there is no such
 * session, RD_LEDGER_ERROR_STATE if it is not live. */
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

/* One session as a JSON object: the summary fields plus "participants" (array of rows),
 * "recordings" (array of rows) and "events" (array of {id, at, actor, kind, detail}, oldest
 * first). RD_LEDGER_ERROR_NOT_FOUND if there is no such session. (transfer full) */
JsonNode *rd_ledger_session_show (RdLedger *ledger, const char *id, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RdLedger, rd_ledger_close)

G_END_DECLS
