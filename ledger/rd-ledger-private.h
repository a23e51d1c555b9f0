/* rd-ledger-private.h: what the ledger's source files share. Only ledger/ includes this header
 * (it includes sqlite3.h), and the ledger's own tests, for the *_for_testing hooks.
 *
 * Threading and ownership as in rd-ledger.h. The statement helpers that take GError ** set it to
 * SQLite's message (with errno after a failed OS call), code RD_LEDGER_ERROR_IO or, for a damaged
 * file, RD_LEDGER_ERROR_CORRUPT; their callers prefix what they were doing, naming the ledger path
 * and the session.
 */
#pragma once

#include <sqlite3.h>

#include "config/rd-config-calendar.h"
#include "ledger/rd-ledger-chain.h"
#include "ledger/rd-ledger.h"
#include "ledger/rd-ledger-error.h"

G_BEGIN_DECLS

/* The key of the chain's keyed hashes (rd-ledger-chain.c), derived from the book key; @set is
 * FALSE until the book key is given. */
typedef struct
{
  gboolean set;
  guint8 bytes[32];
} RdLedgerChainKey;

struct _RdLedger
{
  sqlite3 *db;
  char *path;
  int schema_version;
  int target_version;     /* the version rd_ledger_schema_migrate() stops at */
  GTimeSpan clock_offset; /* added to the real clock; only tests set it */
  RdLedgerKey *key;       /* the room key, or NULL: no checkpoints signed, none checked */
  guint8 book_key[32];    /* rd-ledger-book.h: the key sealing protected identities */
  gboolean has_book_key;
  RdLedgerChainKey chain_key; /* rd_chain_hmac()'s key on @db; the function keeps a pointer */
  gboolean anchor_pending;    /* a checkpoint made in the open transaction: anchor it at commit */
  gint64 anchored_seq;        /* the seq of the file's last line, when @anchored_known */
  gboolean anchored_known;    /* set by rd_ledger_anchor_sync(), cleared when its write fails */
  RdLedgerCheckpointFunc checkpoint_func; /* rd_ledger_set_checkpoint_func() */
  gpointer checkpoint_data;
  RdCalendar *calendar; /* rd_ledger_book_set_calendar(); NULL: the law's days */
};

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, sqlite3_finalize)

/* Sets @error to "<format ...>: <SQLite message>[ (<errno text>)]". @code is used unless @rc says
 * the file is corrupt (SQLITE_CORRUPT, SQLITE_NOTADB), which gives RD_LEDGER_ERROR_CORRUPT. @db
 * may be NULL (then the message comes from @rc). */
void rd_ledger_set_db_error (GError **error, sqlite3 *db, int rc, RdLedgerError code,
                             const char *format, ...) G_GNUC_PRINTF (5, 6);

/* Runs constant SQL (never user values). */
gboolean rd_ledger_exec (RdLedger *self, const char *sql, GError **error);

/* Prepares @sql and binds @n_params text parameters (const char *, NULL binds SQL NULL) to ?1.. in
 * order. The strings must outlive the statement's steps (they are bound SQLITE_STATIC). */
sqlite3_stmt *rd_ledger_prepare (RdLedger *self, GError **error, const char *sql, int n_params,
                                 ...);

/* Binds @value to parameter @index (?N) of @stmt. */
gboolean rd_ledger_bind_int64 (RdLedger *self, sqlite3_stmt *stmt, int index, gint64 value,
                               GError **error);

/* Steps @stmt: returns SQLITE_ROW or SQLITE_DONE, or 0 with @error set. */
int rd_ledger_step (RdLedger *self, sqlite3_stmt *stmt, GError **error);

/* Write transactions: BEGIN IMMEDIATE ... COMMIT. With @sealing, synchronous is FULL for the
 * transaction (set before BEGIN, restored to NORMAL after COMMIT or ROLLBACK). rd_ledger_commit()
 * rolls back if COMMIT fails. rd_ledger_rollback() never fails. */
gboolean rd_ledger_begin (RdLedger *self, gboolean sealing, GError **error);
gboolean rd_ledger_commit (RdLedger *self, gboolean sealing, GError **error);
void rd_ledger_rollback (RdLedger *self, gboolean sealing);

/* Now in UTC as "YYYY-MM-DDTHH:MM:SS.ffffffZ" (plus @self's clock offset); @out_now, if not
 * NULL, gets the GDateTime. */
char *rd_ledger_now (RdLedger *self, GDateTime **out_now);

/* @time as the ledger stores times: UTC, "YYYY-MM-DDTHH:MM:SS.ffffffZ" (fixed width for the
 * years 1000 to 9999, so that string order is time order). */
char *rd_ledger_format_time (GDateTime *time);

/* Test hook (tests only, never the daemon): moves this ledger's clock by @offset from now on, so
 * that a test can let an invite expire without waiting. */
void rd_ledger_set_clock_offset_for_testing (RdLedger *self, GTimeSpan offset);

/* rd-ledger-sessions.c */

/* Appends an event inside the caller's transaction; returns its id, or 0. */
gint64 rd_ledger_insert_event (RdLedger *self, const char *at, const char *session_id,
                               const char *actor, const char *kind, JsonNode *detail,
                               GError **error);

/* The state of session @id inside the caller's transaction: NULL with RD_LEDGER_ERROR_NOT_FOUND
 * ("no such session") if there is none. Errors are for the caller to prefix with the session id
 * and path. */
char *rd_ledger_session_state (RdLedger *self, const char *id, GError **error);

/* Whether @state is ended or interrupted (a sealed session never changes again). */
gboolean rd_ledger_state_is_sealed (const char *state);

/* TRUE when session @id exists and is not sealed; otherwise NOT_FOUND or STATE ("the session
 * is ended"), for the caller to prefix. */
gboolean rd_ledger_session_is_open (RdLedger *self, const char *id, GError **error);

/* rd-ledger-invites.c */

/* TRUE when @role is one of RD_LEDGER_ROLE_*; otherwise RD_LEDGER_ERROR_INVALID saying why. */
gboolean rd_ledger_check_role (const char *role, GError **error);

/* Sets member @name of @object to @value, or to null when @value is NULL. */
void rd_ledger_json_set_string (JsonObject *object, const char *name, const char *value);

/* rd-ledger-participants.c */

/* Inside the caller's transaction: every participant of session @session_id still in (left_at
 * NULL) leaves at @at with @reason, each with an event "party-left" by @actor. */
gboolean rd_ledger_participants_close_open (RdLedger *self, const char *session_id, const char *at,
                                            const char *actor, const char *reason, GError **error);

/* rd-ledger-chain-verify.c: rd_ledger_verify() on @ledger's connection, looking at
 * @cancellable (may be NULL) and counting into @progress (may be NULL). */
JsonNode *rd_ledger_verify_run (RdLedger *ledger, JsonObject *exported, GCancellable *cancellable,
                                RdLedgerVerifyProgress *progress, GError **error);
/* Adds @n to a member of RdLedgerVerifyProgress, atomically. */
void rd_ledger_verify_progress_add (gint64 *member, gint64 n);

/* rd-ledger-chain-checkpoint.c: the row (seq, head_hash, at, reason, public_key, signature)
 * @stmt is on, in the exported form. (transfer full) */
JsonNode *rd_ledger_checkpoint_row_json (sqlite3_stmt *stmt);

/* rd-ledger-anchor.c: the checkpoints kept outside the ledger file, in
 * <state-dir>/checkpoints/checkpoints.jsonl (directory 0700, file 0600): one exported checkpoint
 * (rd_ledger_checkpoint_latest()'s form) per line, only ever appended, each line written and
 * fdatasync'ed after the transaction that made its checkpoint committed.
 * rd_ledger_anchor_sync() appends every stored checkpoint newer than the file's last line (at
 * open, and by rd_ledger_commit() after a checkpoint); it reads the file once, at the first sync
 * (or the one after a failed write), and knows its last seq from then on (this ledger is the
 * file's only writer). rd_ledger_anchor_newest() reads the last
 * complete line back: NULL and no error when there is no file or no line; a line that is not a
 * checkpoint is RD_LEDGER_ERROR_CORRUPT naming the file and line. (transfer full) */
#define RD_LEDGER_ANCHOR_DIR  "checkpoints"
#define RD_LEDGER_ANCHOR_FILE "checkpoints.jsonl"
gboolean rd_ledger_anchor_sync (RdLedger *self, GError **error);
JsonNode *rd_ledger_anchor_newest (RdLedger *self, char **path, GError **error);

/* rd-ledger-schema.c */

/* The SQL of the migration from schema version @from to @from + 1 (static). */
const char *rd_ledger_schema_migration (int from);

/* rd-ledger-guards.c: the append-only guard triggers the migrations create ("CREATE TRIGGER
 * <name> ... END" in their SQL; none is ever dropped). rd_ledger_guards_check() compares them
 * with the file's: each one missing, or whose SQL differs from the migration's, is passed to
 * @fn (@what: "missing" or "changed"), and FALSE is returned with @error only when the file
 * cannot be read. */
typedef void (*RdLedgerGuardFunc) (const char *name, const char *what, gpointer data);
gboolean rd_ledger_guards_check (RdLedger *self, RdLedgerGuardFunc fn, gpointer data,
                                 GError **error);
/* At open: RD_LEDGER_ERROR_CORRUPT naming every guard missing or changed. */
gboolean rd_ledger_guards_require (RdLedger *self, GError **error);

/* Checks an existing file at @path without writing to it (a read-only, and when no -wal or
 * -journal file is beside it, immutable connection): not a database or failing quick_check ->
 * RD_LEDGER_ERROR_CORRUPT; user_version newer than RD_LEDGER_SCHEMA_VERSION ->
 * RD_LEDGER_ERROR_NEWER_SCHEMA. A missing file passes. Sets @deferred when the check could not be
 * done read-only (a hot rollback journal): the caller must run rd_ledger_schema_check() with
 * @with_quick_check on its read-write connection. */
gboolean rd_ledger_schema_check_file (const char *path, gboolean *deferred, GError **error);

/* The same checks on an open connection; @with_quick_check adds the integrity check. Returns the
 * file's user_version in @version. */
gboolean rd_ledger_schema_check (sqlite3 *db, const char *path, gboolean with_quick_check,
                                 int *version, GError **error);

/* Runs the forward migrations from @self->schema_version to @self->target_version
 * (RD_LEDGER_SCHEMA_VERSION but in tests), one transaction each, updating @self->schema_version
 * as each commits. */
gboolean rd_ledger_schema_migrate (RdLedger *self, GError **error);

/* Test hook: rd_ledger_open() that migrates a file only up to schema version @version, so that
 * a test writes through the ledger what that version wrote (an old chain form). */
RdLedger *rd_ledger_open_at_version_for_testing (const char *state_dir, int version,
                                                 GError **error);

/* Test hook: the SQL of the migration from version @from to @from + 1, as shipped (tests build
 * old files with it). */
const char *rd_ledger_schema_migration_for_testing (int from);

/* rd-ledger-key.c */

RdLedgerKey *rd_ledger_key_ref (RdLedgerKey *key);
/* The Ed25519 signature of @message as 128 lowercase hex digits. (transfer full) */
char *rd_ledger_key_sign (RdLedgerKey *key, const char *message, GError **error);
/* Whether @signature_hex is a valid Ed25519 signature of @message by the raw public key
 * @public_hex (64 hex digits); FALSE for malformed hex too. */
gboolean rd_ledger_signature_check (const char *public_hex, const char *message,
                                    const char *signature_hex);
/* The text a checkpoint signs (see rd-ledger-chain.h). (transfer full) */
char *rd_ledger_checkpoint_message (gint64 seq, const char *head_hash, const char *at);

/* rd-ledger-chain.c, rd-ledger-chain-migrate.c */

/* The schema version that created the chain: migrations to it start the chain with genesis
 * entries, later ones add "migrate" entries for the rows they change. */
#define RD_LEDGER_CHAIN_SCHEMA_VERSION 4
#define RD_LEDGER_CHAIN_ZERO_HASH      "0000000000000000000000000000000000000000000000000000000000000000"
/* The next entry's seq and prev_hash, as columns of a one-row subquery. */
#define RD_LEDGER_CHAIN_HEAD_SQL                                                                   \
  "coalesce ((SELECT max (seq) FROM chain), 0) + 1 AS seq, "                                       \
  "coalesce ((SELECT hash FROM chain ORDER BY seq DESC LIMIT 1), '" RD_LEDGER_CHAIN_ZERO_HASH      \
  "') AS prev"
/* The schema version from which the keyed tables' rows are chained as {"hmac-sha256": ...}
 * (before it, as {"sha256": ...}); see rd-ledger-chain.h. */
#define RD_LEDGER_CHAIN_KEYED_SCHEMA_VERSION 6

/* Registers on @db rd_chain_hash(prev_hash, entry), the lowercase hex SHA-256 of prev_hash's
 * bytes followed by entry's, and rd_chain_hmac(text), the lowercase hex HMAC-SHA-256 of text
 * under @key (may be NULL: then, and while @key->set is FALSE, it fails with "no book key").
 * @key must outlive @db. Every connection that writes to the ledger needs them. */
gboolean rd_ledger_chain_register (sqlite3 *db, const RdLedgerChainKey *key);

/* The chain key of @book_key (RD_LEDGER_BOOK_KEY_SIZE bytes): HMAC-SHA-256 (book key,
 * "receptiond-chain-hmac-1"). */
void rd_ledger_chain_key_derive (RdLedgerChainKey *out, const guint8 *book_key);

/* Whether rows of @table enter the chain as a hash of their content rather than the content
 * (the reception book's registrations and their history: they may hold an identity in clear
 * that is sealed later). */
gboolean rd_ledger_chain_table_is_keyed (const char *table);

/* Inside the caller's transaction, with @self's chain key set: every row of a keyed table whose
 * latest entry is still the unkeyed {"sha256": ...} of its content now gets a "migrate" entry
 * with its keyed content; a row whose latest entry matches neither form is left for verify to
 * report. Sets @n_rows to how many were re-stated. */
gboolean rd_ledger_chain_rekey (RdLedger *self, gint64 *n_rows, GError **error);

/* The names of the tables the chain covers, sorted. WITHOUT ROWID tables are an error. */
GPtrArray *rd_ledger_chain_tables (RdLedger *self, GError **error);

/* SQL for the canonical content of a row of @table, its columns read as @prefix"col" (@prefix is
 * "NEW." in a trigger, "t." in a query of the table aliased t), in the form of @self's schema
 * version (a keyed table's rows as {"sha256": ...} before RD_LEDGER_CHAIN_KEYED_SCHEMA_VERSION,
 * as {"hmac-sha256": ...} from it). (transfer full) */
char *rd_ledger_chain_content_sql (RdLedger *self, const char *table, const char *prefix,
                                   GError **error);

/* rd_ledger_chain_content_sql() in the form @keyed says for a keyed table ({"hmac-sha256": ...}
 * or {"sha256": ...}), whatever @self's schema version. (transfer full) */
char *rd_ledger_chain_content_sql_form (RdLedger *self, const char *table, const char *prefix,
                                        gboolean keyed, GError **error);

/* Drops every generated trigger (chain_ai_*, chain_au_*) the file has. */
gboolean rd_ledger_chain_drop_triggers (RdLedger *self, GError **error);

/* One row compared with its latest chain entry. */
typedef struct
{
  const char *table;
  gint64 row_id;
  gint64 seq;                /* the latest entry's seq, 0 when the row has none */
  const char *content;       /* the row's content now, NULL when the row is gone */
  const char *entry_content; /* the latest entry's content, NULL when there is none */
} RdLedgerChainRow;

/* Calls @fn for every row of every chained table whose content differs from its latest entry
 * (or has none), and for every latest entry whose row is gone (content NULL; table NULL-safe:
 * an entry of a table that no longer exists comes with that table's name). Stops at FALSE. */
gboolean rd_ledger_chain_foreach_mismatch (RdLedger *self,
                                           gboolean (*fn) (const RdLedgerChainRow *row,
                                                           gpointer data),
                                           gpointer data, GError **error);

/* Migration hooks, inside the migration's transaction: before the step's SQL (@to > the chain's
 * version) the generated triggers are dropped and the rows that already disagree with the chain
 * are noted (returned; they are left for verify to report); after it, every other row whose
 * content changed, or that has no entry, gets a "genesis" (@to == the chain's version) or
 * "migrate" entry. */
GHashTable *rd_ledger_chain_before_migration (RdLedger *self, int to, GError **error);
gboolean rd_ledger_chain_after_migration (RdLedger *self, int to, GHashTable *before,
                                          GError **error);

/* Makes the generated triggers match the schema (every chained table, its columns now), in a
 * transaction of its own, writing nothing when they already do. */
gboolean rd_ledger_chain_install_triggers (RdLedger *self, GError **error);

/* Inside the caller's transaction: a checkpoint of the head signed with @self's key, or nothing
 * when @self has no key. */
gboolean rd_ledger_chain_checkpoint_in_transaction (RdLedger *self, const char *at,
                                                    const char *reason, GError **error);

G_END_DECLS
