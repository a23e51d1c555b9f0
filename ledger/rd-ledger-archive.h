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
 * - The queue (schema version 7): one job per session (archive_jobs), one object per file of its
 *   package (archive_objects: name in the package, object key, size, SHA-256, and as the upload
 *   goes the multipart upload id, the ETags of its parts (a JSON array, part 1 first) and the
 *   object's ETag). A job is "queued" (to upload, not before next_at when set), "failed" (a
 *   refusal that retrying cannot heal; last_error says it; only `archive retry` queues it again)
 *   or "archived" (every object uploaded and checked by a HEAD; never changes again). Rows are
 *   never deleted. Events: "archive-queued" {job, objects, bytes}, "archive-failed" {job,
 *   error}, "archive-retry" {job} (by the actor), "session-archived" {job, objects: [{key,
 *   etag}]}.
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

#define RD_ARCHIVE_JOB_QUEUED   "queued"
#define RD_ARCHIVE_JOB_FAILED   "failed"
#define RD_ARCHIVE_JOB_ARCHIVED "archived"

typedef struct
{
  gint64 id;
  char *name; /* in the package */
  char *key;  /* the object key, from the bucket's prefix */
  gint64 size_bytes;
  char *sha256;
  char *upload_id;  /* NULL unless a multipart upload is under way */
  char *parts_json; /* JSON array of the parts' ETags, or NULL */
  char *etag;       /* NULL until uploaded */
} RdLedgerArchiveObject;

typedef struct
{
  gint64 id;
  char *session_id;
  char *state;
  gint64 attempts;
  char *next_at;      /* may be NULL */
  char *last_error;   /* may be NULL */
  GPtrArray *objects; /* of RdLedgerArchiveObject */
} RdLedgerArchiveJob;

void rd_ledger_archive_object_free (RdLedgerArchiveObject *o);
void rd_ledger_archive_job_free (RdLedgerArchiveJob *job);

/* Queues session @session_id with @objects (RdLedgerArchiveObject: name, key, size_bytes and
 * sha256 used). RD_LEDGER_ERROR_EXISTS when it has a job already. Returns the job's id. */
gint64 rd_ledger_archive_enqueue (RdLedger *ledger, const char *session_id, GPtrArray *objects,
                                  GError **error);
/* The job of @session_id, or of id @job_id when @session_id is NULL; NOT_FOUND if none.
 * (transfer full) */
RdLedgerArchiveJob *rd_ledger_archive_job_get (RdLedger *ledger, const char *session_id,
                                               gint64 job_id, GError **error);
/* The queued job due first: those without next_at oldest first, then by next_at; NULL
 * (without an error) when none is queued. Its next_at may be in the future: the caller waits.
 * (transfer full) */
RdLedgerArchiveJob *rd_ledger_archive_next (RdLedger *ledger, GError **error);
/* Writes the progress of object @o (its upload_id, parts_json and etag as given). */
gboolean rd_ledger_archive_object_update (RdLedger *ledger, const RdLedgerArchiveObject *o,
                                          GError **error);
/* A failed attempt of job @job_id: attempts + 1, last_error @why; queued again not before
 * @next_at, or, when @next_at is NULL, "failed" (with an "archive-failed" event). */
gboolean rd_ledger_archive_job_fail (RdLedger *ledger, gint64 job_id, const char *why,
                                     const char *next_at, GError **error);
/* Queues job @job_id again at once (attempts kept), with an "archive-retry" event by @actor.
 * RD_LEDGER_ERROR_STATE when it is archived. */
gboolean rd_ledger_archive_job_retry (RdLedger *ledger, gint64 job_id, const char *actor,
                                      GError **error);
/* Job @job_id is archived: every object has its ETag; "session-archived" event. */
gboolean rd_ledger_archive_job_archived (RdLedger *ledger, gint64 job_id, GError **error);
/* Every job, newest first: {id, session, state, attempts, next_at, last_error, objects, bytes,
 * bytes_uploaded}. (transfer full) */
JsonNode *rd_ledger_archive_list (RdLedger *ledger, GError **error);

/* Retention and legal hold, on the record as events of the session (no table of their own):
 * "archive-hold" {reason} and "archive-release" {reason} by the actor, the latest of them
 * saying whether the session is held; "local-files-deleted" {job, files, bytes, keep_local_days}
 * once its local files are deleted (its rows all stay). */

/* Holds (@hold) or releases session @session_id with @reason (not empty). NOT_FOUND without
 * such a session, STATE when it is held already (released already), INVALID without a
 * reason. */
gboolean rd_ledger_archive_set_hold (RdLedger *ledger, const char *session_id, gboolean hold,
                                     const char *reason, const char *actor, GError **error);
/* Whether @session_id is held (its latest hold event is "archive-hold"). */
gboolean rd_ledger_archive_is_held (RdLedger *ledger, const char *session_id);
/* Whether @session_id's local files were deleted (a "local-files-deleted" event): its
 * archived job's objects are then the recording's only copies. */
gboolean rd_ledger_archive_local_is_deleted (RdLedger *ledger, const char *session_id);
/* The archived jobs whose local files may go: archived at or before @archived_before (a
 * ledger time), not held, their local files not deleted yet; oldest first. (transfer full:
 * RdLedgerArchiveJob, objects included) */
GPtrArray *rd_ledger_archive_retention_due (RdLedger *ledger, const char *archived_before,
                                            GError **error);
/* Records the deletion of job @job_id's local files (@files names, @bytes in all), kept
 * @keep_local_days after its archival. */
gboolean rd_ledger_archive_local_deleted (RdLedger *ledger, gint64 job_id, JsonArray *files,
                                          gint64 bytes, guint keep_local_days, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RdLedgerArchiveJob, rd_ledger_archive_job_free)

G_END_DECLS
