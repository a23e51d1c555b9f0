/* rd-daemon-archive.h: RdArchiver, the daemon's part that hands sealed sessions to the recording
 * archive (archive/: S3) from the queue the ledger keeps (ledger/rd-ledger-archive.h).
 *
 * Contract:
 * - rd_archiver_enqueue() queues a session whose package is written; rd_archiver_kick() looks
 *   for work. One job runs at a time, one request at a time, each in a worker thread with an
 *   RdArchiveS3 of its own; every step's result (upload id, part ETag, object ETag) is written
 *   to the ledger on the main context before the next request, so a restart resumes where the
 *   last answered request left off (a part already sent is not sent again, a whole object is
 *   sent again under the same key: no duplicate objects). Objects go in the order queued, the
 *   manifest's files last. When every object has its ETag, each is checked with a HEAD (size and
 *   ETag as sent) and only then is the job archived; an object found as sent is not asked
 *   again when a later HEAD fails and the job retries (while the daemon runs).
 * - Nothing starts while a session is live unless [archive] during-session=true; the daemon
 *   kicks again when a session ends.
 * - A failure that may heal (RD_ARCHIVE_ERROR_TRANSIENT) waits min(2^attempts,
 *   retry-max-seconds) seconds, jittered down to half (but never less than the server's
 *   Retry-After, itself bounded by retry-max-seconds), then retries; one that will not (AUTH,
 *   NO_BUCKET, REFUSED, CONFIG, PROTOCOL, MISMATCH, IO: a local file unreadable) marks the job
 *   failed with the error, logged once; `archive retry` queues it again. Uploads never touch
 *   local files; only the retention pass (below) deletes, and only what is archived.
 *
 * Threading: main context only; the worker threads touch nothing of it.
 * Ownership: arguments (transfer none); rd_archiver_free() cancels the step under way and
 * waits for its callback. */
#pragma once

#include <json-glib/json-glib.h>

#include "config/rd-config.h"
#include "ledger/rd-ledger.h"

G_BEGIN_DECLS

typedef struct _RdArchiver RdArchiver;

/* An archiver for [archive] of @config (none when url is empty: then every call does nothing).
 * @ledger is borrowed and must outlive it. (transfer full) */
RdArchiver *rd_archiver_new (RdConfig *config, RdLedger *ledger);
void rd_archiver_free (RdArchiver *a);
gboolean rd_archiver_is_enabled (RdArchiver *a);

/* Queues session @session_id, whose package is in @package_dir (relative to the state dir):
 * its files with a SHA-256 in the manifest, then manifest.json.sig, room-public.pem and
 * manifest.json. Already queued: nothing. Logs a failure. */
void rd_archiver_enqueue (RdArchiver *a, const char *session_id, const char *package_dir);
/* Starts the next due job if none runs (and no session is live, unless during-session). */
void rd_archiver_kick (RdArchiver *a);

/* The retention pass (rd-daemon-archive-retention.c): deletes the local files of every archived
 * job keep-local-days after its archival, unless its session is held, and records each
 * deletion ("local-files-deleted"); only the job's objects, which the archive holds, ever go.
 * Runs after each archival, at rd_archiver_retain() (start, a release) and every hour. Nothing
 * with keep-local-days empty. */
void rd_archiver_retain (RdArchiver *a);

/* The backlog: {enabled, running (job id or null), waiting (why queued jobs wait, or null),
 * jobs: rd_ledger_archive_list() each with held (a legal hold on its session), queued, failed,
 * archived (counts), backlog_bytes (queued bytes not yet uploaded)}. (transfer full) */
JsonNode *rd_archiver_status (RdArchiver *a, GError **error);

/* Checks job @job_id's objects on the server: HEAD each (size, ETag and, when the server
 * reports it, x-amz-checksum-sha256 against the ledger) or,
 * unless @quick, GET each and compare its SHA-256 with the ledger's. @callback gets {job,
 * session, ok, objects: [{key, ok, problem}], first_problem} or an error. The job must be
 * archived (RD_DAEMON_ERROR_CONFLICT) and the archive enabled. */
typedef void (*RdArchiverVerifyFunc) (JsonNode *report, const GError *error, gpointer data);
void rd_archiver_verify (RdArchiver *a, gint64 job_id, gboolean quick, GCancellable *cancellable,
                         RdArchiverVerifyFunc callback, gpointer data);

G_END_DECLS
