/* rd-daemon-archive-private.h: what the archiver's files share (rd-daemon-archive.c: the
 * uploads; rd-daemon-archive-queue.c: queueing and status; rd-daemon-archive-verify.c: archive
 * verify). Main context only, but for RdArchiverSettings, which worker threads read (immutable,
 * reference counted atomically). */
#pragma once

#include "archive/rd-archive-s3.h"
#include "daemon/rd-daemon-archive.h"
#include "ledger/rd-ledger-archive.h"

G_BEGIN_DECLS

/* What a worker needs to make its own RdArchiveS3. */
typedef struct
{
  gatomicrefcount ref;
  char *url, *region, *credentials, *ca;
  guint object_lock_days;
} RdArchiverSettings;

RdArchiverSettings *rd_archiver_settings_ref (RdArchiverSettings *s);
void rd_archiver_settings_unref (RdArchiverSettings *s);
/* A client of its own for the calling thread. (transfer full) */
RdArchiveS3 *rd_archiver_client (RdArchiverSettings *s, GError **error);

/* The directory of @session_id's package, relative to the state dir, or NULL. (transfer full) */
char *rd_archiver_package_dir (RdArchiver *a, const char *session_id);

struct _RdArchiver
{
  RdLedger *ledger;             /* borrowed */
  RdArchiverSettings *settings; /* NULL: no archive */
  char *state_dir, *room;
  gboolean during_session;
  guint multipart_mb, retry_max_s;
  GCancellable *cancellable; /* cancelled by rd_archiver_free() */
  RdLedgerArchiveJob *job;   /* the job under way, or NULL */
  char *dir;                 /* its package directory, relative to the state dir */
  gboolean step_running;
  gint64 heads_job; /* the job whose first `heads` objects a HEAD found as sent (this run) */
  guint heads;
  guint retry_id;      /* the timer of the next due retry */
  guint verifying;     /* verifications under way */
  gboolean held;       /* the last kick found a live session (and during-session is false) */
  int keep_local_days; /* -1: keep */
  guint retention_id;  /* the hourly retention pass */
};

G_END_DECLS
