/* rd-ledger-chain.h: the ledger's tamper evidence: a hash chain over every row of every table,
 * the room's Ed25519 key, signed checkpoints of the chain's head, and verification.
 *
 * Contract:
 * - The chain (schema version 3) is the table "chain": one entry {seq, tbl, row_id, op, content,
 *   prev_hash, hash} per row written. Triggers generated at open from the schema itself (every
 *   table but "chain" and SQLite's own, including tables later migrations add) append an entry
 *   AFTER each INSERT ("insert") and UPDATE ("update"), in the same transaction as the change.
 *   content is the row as a JSON object, columns in table order, SQL NULL columns left out (so
 *   adding a nullable column changes no row's content), a BLOB as {"blob": "<HEX>"}. Rows of
 *   the keyed tables (registrations, registration_history: they may hold an identity in clear
 *   that is sealed later) are chained as {"hmac-sha256": HMAC-SHA-256 (chain key, row JSON)}
 *   instead, the chain key being HMAC-SHA-256 (book key, "receptiond-chain-hmac-1"); schema
 *   versions before 6 chained them as {"sha256": SHA-256 (row JSON)}, which anyone holding the
 *   file can recompute for a guessed identity. rd_ledger_book_set_key() re-states rows still in
 *   that form with a keyed "migrate" entry (never a row at odds with its entry); the old entries
 *   stay in the chain.
 *   hash = lowercase hex SHA-256 of the bytes prev_hash || entry, where entry is SQLite's
 *   json_array(seq, tbl, row_id, op, content) (content as a JSON string) and the first entry's
 *   prev_hash is 64 zeros. Rows that existed when a ledger got its chain have a "genesis" entry
 *   each (tables by name, rows by rowid); rows a later migration changes get a "migrate" entry.
 *   Rows are never deleted, so there is no delete entry: a deleted row is one whose entries
 *   have no row any more. Tables must have rowids (no WITHOUT ROWID) and keep them.
 * - Writing to the ledger needs the SQL functions rd_chain_hash() and rd_chain_hmac() that the
 *   ledger registers on its connection: another program (the sqlite3 tool) cannot write a row
 *   without first removing the chain's triggers, and the row it writes then has no entry, which
 *   verify reports. rd_chain_hmac() fails until the book key is given: no registration row is
 *   written without it.
 * - The room key is an Ed25519 key in <state-dir>/keys/room-ed25519.pem (PKCS#8 PEM, mode 0600,
 *   directory 0700), created on first start and never replaced: a file that cannot be read or is
 *   not an Ed25519 private key is RD_LEDGER_ERROR_KEY, naming the file.
 * - A checkpoint signs "receptiond-ledger-checkpoint-1\nseq=<seq>\nhead=<hash>\nat=<time>\n"
 *   (seq and hash of the chain's last entry, time as the ledger writes times) with the room key.
 *   It is stored in the table "checkpoints" (itself chained) at every session end and crash
 *   reconciliation (in the same transaction, when the ledger has a key) and on demand.
 * - Verification reads only; it reports the first problem it finds, in this order: the chain
 *   (seq 1..N without gaps, each prev_hash the previous hash, each hash recomputed), the rows
 *   (every entry's row exists and its current content equals its latest entry, every row has an
 *   entry; without the book key a keyed table's content is not recomputed, and the report's
 *   "unchecked_rows" counts those rows), the stored checkpoints (signed by the room key, head still
 * in the chain), the sealed recordings' files (SHA-256 of the file at path, relative to the state
 * dir unless absolute, equals the row's sha256), the append-only guard triggers (each one the
 * schema's migrations made is there, unchanged), and an exported checkpoint when given. A file
 * whose guard triggers are gone is refused at open (RD_LEDGER_ERROR_CORRUPT, naming them).
 *
 * Threading: as RdLedger (one thread), but for rd_ledger_verify_async(), whose worker has a
 * connection of its own. RdLedgerKey is immutable once loaded (its reference count is atomic).
 *
 * Ownership: returned JsonNode/strings are (transfer full); arguments are (transfer none).
 */
#pragma once

#include "ledger/rd-ledger.h"

G_BEGIN_DECLS

#define RD_LEDGER_KEY_DIR           "keys"
#define RD_LEDGER_KEY_FILE          "room-ed25519.pem"
#define RD_LEDGER_CHECKPOINT_FORMAT "receptiond-ledger-checkpoint-1"

typedef struct _RdLedgerKey RdLedgerKey;

/* Loads <state_dir>/keys/room-ed25519.pem, creating it (and keys/, 0700) when it does not exist.
 * An existing file is never replaced. (transfer full) */
RdLedgerKey *rd_ledger_key_load_or_create (const char *state_dir, GError **error);
void rd_ledger_key_free (RdLedgerKey *key);
const char *rd_ledger_key_get_path (RdLedgerKey *key);
/* The raw 32-byte Ed25519 public key as 64 lowercase hex digits. */
const char *rd_ledger_key_get_public_hex (RdLedgerKey *key);
/* The public key as a PEM SubjectPublicKeyInfo ("-----BEGIN PUBLIC KEY-----"). */
const char *rd_ledger_key_get_public_pem (RdLedgerKey *key);

/* Gives @ledger the room key (@ledger keeps a reference to its key material; @key may be freed
 * afterwards). From then on session ends and crash reconciliation sign a checkpoint, and
 * verification checks signatures against it. */
void rd_ledger_set_key (RdLedger *ledger, RdLedgerKey *key);

/* Called with each checkpoint (in rd_ledger_checkpoint_latest()'s form, (transfer none)) once
 * it is committed and copied out of the file, so that the caller can put it somewhere else
 * still (the journal). Replaces any earlier function; NULL removes it. Same thread. */
typedef void (*RdLedgerCheckpointFunc) (JsonNode *checkpoint, gpointer user_data);
void rd_ledger_set_checkpoint_func (RdLedger *ledger, RdLedgerCheckpointFunc func,
                                    gpointer user_data);

/* Signs and stores a checkpoint of the chain's current head, with @reason (e.g. "session
 * 20261128-1a2b3c ended", "requested by uid=0(root)"). Needs a key (RD_LEDGER_ERROR_STATE
 * without). Returns it as rd_ledger_checkpoint_latest() does. (transfer full) */
JsonNode *rd_ledger_checkpoint (RdLedger *ledger, const char *reason, GError **error);

/* The latest stored checkpoint in the exported form: {format, seq, head_hash, at, reason,
 * public_key (hex), signature (hex)}. RD_LEDGER_ERROR_NOT_FOUND when there is none.
 * (transfer full) */
JsonNode *rd_ledger_checkpoint_latest (RdLedger *ledger, GError **error);

/* Verifies the ledger as said above; @exported (may be NULL) is a checkpoint as
 * rd_ledger_checkpoint_latest() returns it, e.g. read back from the file handed to the board.
 * Returns a report {ok, entries, rows, unchecked_rows, checkpoints, recordings, problems (count),
 * first: {seq,
 * table, row, what} or null}; NULL with @error only when the ledger cannot be read.
 * (transfer full) */
JsonNode *rd_ledger_verify (RdLedger *ledger, JsonObject *exported, GError **error);

/* What a verification has done so far. Every member is written by the verifying thread with
 * atomic adds; read them with rd_ledger_verify_progress_get() from any thread. */
typedef struct
{
  gint64 files;      /* sealed recordings to hash: 0 until the verification reaches them */
  gint64 files_done; /* of them, hashed (or found missing) */
  gint64 bytes_done; /* bytes of recording files hashed */
} RdLedgerVerifyProgress;

gint64 rd_ledger_verify_progress_get (const gint64 *member);

/* rd_ledger_verify() in a worker thread, on a read-only SQLite connection of its own to
 * @ledger's file (WAL mode lets it read one consistent snapshot while the main connection goes on
 * writing), so the caller's thread never waits for the chain walk or the recordings' files.
 * @ledger's own connection is never used: @ledger may be closed before the verification ends.
 * @exported is copied. @progress (may be NULL) is updated as it goes and must stay valid until
 * @callback has run. Cancelling @cancellable stops it within one file read or 4096 chain
 * entries; rd_ledger_verify_finish() then fails with G_IO_ERROR_CANCELLED. @callback runs in the
 * caller's thread-default main context. */
void rd_ledger_verify_async (RdLedger *ledger, JsonObject *exported,
                             RdLedgerVerifyProgress *progress, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data);
/* The report as rd_ledger_verify() gives it, or NULL with @error. (transfer full) */
JsonNode *rd_ledger_verify_finish (GAsyncResult *result, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RdLedgerKey, rd_ledger_key_free)

G_END_DECLS
