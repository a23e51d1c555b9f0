/* rd-ledger-archive.h: what the ledger puts in a sealed session's archive package.
 *
 * Contract:
 * - rd_ledger_archive_manifest() builds manifest.json for a sealed session (ended or
 *   interrupted, no recording row still "recording", at least one recording row) and signs its
 *   bytes with the room key (Ed25519, the key of the ledger's checkpoints). The manifest is a
 *   JSON object of format RD_LEDGER_ARCHIVE_FORMAT:
 *     room, session {id, title, state, created_at, started_at, ended_at, end_reason},
 *     participants [{id, role, name, joined_at, left_at, leave_reason, dtls_fingerprint[,
 *       remote_address]}],
 *     files [{name, segment, state, sha256, size_bytes, duration_ns, tracks}] (name: the file's
 *       name in the package directory; an unrecoverable segment has no sha256 and no file),
 *     pauses [{paused_at, resumed_at, from_ns, to_ns, reason, resume_reason}],
 *     events [{id, at, actor, kind, detail}],
 *     ledger {entries [{seq, tbl, row_id, op, prev_hash, hash, entry}], withheld (count),
 *       checkpoint {format, seq, head_hash, at, reason, public_key, signature}},
 *     public_key {ed25519 (64 hex digits), pem}.
 *   entries are the chain entries of the session's rows (the session, its participants,
 *   recordings and events), in seq order; entry is the exact text the chain hashed:
 *   hash = SHA-256 (prev_hash || entry) in lowercase hex. checkpoint is signed over
 *   "receptiond-ledger-checkpoint-1\nseq=<seq>\nhead=<head_hash>\nat=<at>\n" and its seq is at
 *   least every entry's: when the latest stored checkpoint does not cover them, a new one is
 *   signed (reason "archive package of session <id>").
 * - Citizens are never identified: a citizen participant's name is the invite's "citizen N",
 *   and its remote address is left out of participants and events; a chain entry whose content
 *   holds a citizen's row or address has entry null (its hashes stay) and counts in withheld.
 *   The book's identity fields are in other tables and never enter the manifest.
 * - Errors: RD_LEDGER_ERROR_NOT_FOUND (no such session), RD_LEDGER_ERROR_STATE (not sealed, a
 *   segment still recording, no recording, no room key), RD_LEDGER_ERROR_INVALID (the session's
 *   files are not in one directory), RD_LEDGER_ERROR_IO, RD_LEDGER_ERROR_KEY.
 *
 * Threading: as RdLedger (the daemon's main thread).
 * Ownership: returned bytes and strings are (transfer full); arguments (transfer none).
 */
#pragma once

#include "ledger/rd-ledger.h"

G_BEGIN_DECLS

#define RD_LEDGER_ARCHIVE_FORMAT         "receptiond-archive-1"
#define RD_LEDGER_ARCHIVE_MANIFEST       "manifest.json"
#define RD_LEDGER_ARCHIVE_MANIFEST_SIG   "manifest.json.sig"
#define RD_LEDGER_ARCHIVE_PUBLIC_KEY_PEM "room-public.pem"

/* The manifest of @session_id in room @room (pretty-printed JSON ending in a newline) in
 * *@manifest, its 64-byte Ed25519 signature in *@signature, and in *@package_dir the directory
 * of its files, relative to the state dir. */
gboolean rd_ledger_archive_manifest (RdLedger *ledger, const char *session_id, const char *room,
                                     GBytes **manifest, GBytes **signature, char **package_dir,
                                     GError **error);

G_END_DECLS
