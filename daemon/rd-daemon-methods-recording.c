/* rd-daemon-methods-recording.c: the control methods of the recordings. "recording.pause" and
 * "recording.resume" {session, reason} hand the operator's reason to the live session's
 * RdSessionRecording. "recording.verify" re-hashes every recording file of a session and
 * compares it with what the ledger sealed; a file that retention deleted after the session was
 * archived (keep-local-days) is checked in the archive instead, by rd_archiver_verify(): a HEAD
 * (size and ETag) of each of the job's objects, or with "full" each downloaded and re-hashed.
 *
 * The ledger is read on the main thread; the files are read and hashed in a worker thread (a
 * GTask), which touches nothing but its own copy of the rows, so the main loop never waits on
 * the disk. The request stays pending until the last file is done.
 *
 * Per segment, status is:
 *   ok            sealed or repaired, the file is there with the ledger's size and SHA-256
 *   mismatch      the file's size or SHA-256 differs from the ledger's (or the row has no seal)
 *   missing       the file is gone
 *   unreadable    the file is there but cannot be read (detail says why)
 *   open          still being recorded: not a failure while the session is live
 *   unrecoverable the ledger says this segment could not be repaired after a crash
 *   archived      deleted locally after archiving; the archive's copy (archive_key) is as the
 *                 ledger says
 *   archive-mismatch  deleted locally after archiving; the archive's copy differs from the
 *                 ledger or cannot be fetched (detail says)
 *   archive-unchecked deleted locally after archiving; the archive cannot be asked (no [archive]
 *                 url, or no client)
 * "ok" is true when every segment is ok or archived, or open while the session is live, and,
 * when the archive was asked, every object of the session's job is as the ledger says ("archive":
 * the report of rd_archiver_verify(), else null). */
#include "daemon/rd-daemon-methods.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/rd-daemon-archive.h"
#include "daemon/rd-daemon-coverage.h"
#include "daemon/rd-daemon-log.h"
#include "daemon/rd-daemon-params.h"
#include "ledger/rd-ledger-archive.h"
#include "ledger/rd-ledger-recordings.h"
#include "proto/rd-proto.h"

#define READ_CHUNK (1024 * 1024)

typedef struct
{
  gint64 segment;
  char *path;      /* as in the ledger: relative to the state dir */
  char *full_path; /* absolute */
  char *state;
  char *expected_sha256; /* NULL unless sealed */
  gint64 expected_size;  /* -1 unless sealed */
  char *archive_key;     /* the object that holds it once its local file was deleted, or NULL */
  /* Filled by the worker. */
  const char *status;
  char *actual_sha256;
  gint64 actual_size;
  char *detail;
} Segment;

typedef struct
{
  RdDaemon *d;
  RdControlRequest *req; /* answered by reply() */
  char *session_id;
  gint64 archive_job; /* the session's archived job when its local files were deleted, or 0 */
  gboolean full;      /* download the archive's copies rather than HEAD them */
  JsonNode *archive;  /* the report of rd_archiver_verify(), or NULL */
  gboolean live;
  GPtrArray *segments; /* Segment* */
  JsonNode *coverage;  /* rd_coverage_of_session() as the request came */
} Job;

static void
segment_free (Segment *s)
{
  g_free (s->path);
  g_free (s->full_path);
  g_free (s->state);
  g_free (s->expected_sha256);
  g_free (s->actual_sha256);
  g_free (s->detail);
  g_free (s->archive_key);
  g_free (s);
}

static void
job_free (Job *job)
{
  g_free (job->session_id);
  g_ptr_array_unref (job->segments);
  g_clear_pointer (&job->coverage, json_node_unref);
  g_clear_pointer (&job->archive, json_node_unref);
  g_free (job);
}

/* Hashes @s's file; sets status missing, unreadable, mismatch or ok. Worker thread. */
static void
hash_file (Segment *s)
{
  g_autoptr (GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree guchar *buf = g_malloc (READ_CHUNK);
  struct stat st;
  gint64 total = 0;
  ssize_t n;
  int fd = open (s->full_path, O_RDONLY | O_CLOEXEC);

  if (fd < 0)
    {
      int saved_errno = errno;

      s->status = saved_errno == ENOENT ? "missing" : "unreadable";
      s->detail = g_strdup_printf ("%s: %s", s->full_path, g_strerror (saved_errno));
      return;
    }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      s->status = "unreadable";
      s->detail = g_strdup_printf ("%s: not a regular file", s->full_path);
      close (fd);
      return;
    }
  while ((n = read (fd, buf, READ_CHUNK)) != 0)
    {
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved_errno = errno;

          s->status = "unreadable";
          s->detail = g_strdup_printf ("%s: read failed after %" G_GINT64_FORMAT " bytes: %s",
                                       s->full_path, total, g_strerror (saved_errno));
          close (fd);
          return;
        }
      g_checksum_update (checksum, buf, n);
      total += n;
    }
  close (fd);
  s->actual_size = total;
  s->actual_sha256 = g_strdup (g_checksum_get_string (checksum));
  if (total != s->expected_size)
    {
      s->status = "mismatch";
      s->detail =
          g_strdup_printf ("%" G_GINT64_FORMAT " bytes, the ledger sealed %" G_GINT64_FORMAT, total,
                           s->expected_size);
    }
  else if (g_strcmp0 (s->actual_sha256, s->expected_sha256) != 0)
    {
      s->status = "mismatch";
      s->detail = g_strdup ("its SHA-256 is not the one the ledger sealed");
    }
  else
    s->status = "ok";
}

static void
verify_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  Job *job = data;

  for (guint i = 0; i < job->segments->len; i++)
    {
      Segment *s = g_ptr_array_index (job->segments, i);

      if (g_strcmp0 (s->state, RD_RECORDING_STATE_RECORDING) == 0)
        s->status = "open";
      else if (g_strcmp0 (s->state, RD_RECORDING_STATE_UNRECOVERABLE) == 0)
        s->status = "unrecoverable";
      else if (s->expected_sha256 == NULL)
        {
          s->status = "mismatch";
          s->detail =
              g_strdup_printf ("the ledger has no seal to check against (state \"%s\")", s->state);
        }
      else
        {
          hash_file (s);
          if (s->archive_key && g_str_equal (s->status, "missing"))
            {
              s->status = "archived"; /* until the archive says otherwise */
              g_free (s->detail);
              s->detail = g_strdup_printf ("deleted locally after archiving; the archive holds %s",
                                           s->archive_key);
            }
        }
    }
  g_task_return_boolean (task, TRUE);
}

static void
add_string_or_null (JsonBuilder *b, const char *name, const char *value)
{
  json_builder_set_member_name (b, name);
  if (value)
    json_builder_add_string_value (b, value);
  else
    json_builder_add_null_value (b);
}

static void
add_int_or_null (JsonBuilder *b, const char *name, gint64 value)
{
  json_builder_set_member_name (b, name);
  if (value >= 0)
    json_builder_add_int_value (b, value);
  else
    json_builder_add_null_value (b);
}

static gboolean
segment_is_good (const Segment *s, gboolean live)
{
  return g_str_equal (s->status, "ok") || g_str_equal (s->status, "archived") ||
         (live && g_str_equal (s->status, "open"));
}

/* Answers the request and frees @job. */
static void
reply (Job *job)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  const Segment *first_bad = NULL;
  const char *archive_problem = NULL;

  json_builder_begin_object (b);
  add_string_or_null (b, "session", job->session_id);
  json_builder_set_member_name (b, "segments");
  json_builder_begin_array (b);
  for (guint i = 0; i < job->segments->len; i++)
    {
      const Segment *s = g_ptr_array_index (job->segments, i);

      if (first_bad == NULL && !segment_is_good (s, job->live))
        first_bad = s;
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "segment");
      json_builder_add_int_value (b, s->segment);
      add_string_or_null (b, "path", s->path);
      add_string_or_null (b, "state", s->state);
      add_string_or_null (b, "status", s->status);
      add_string_or_null (b, "expected_sha256", s->expected_sha256);
      add_string_or_null (b, "actual_sha256", s->actual_sha256);
      add_int_or_null (b, "expected_size_bytes", s->expected_size);
      add_int_or_null (b, "actual_size_bytes", s->actual_size);
      add_string_or_null (b, "detail", s->detail);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  if (job->archive && !json_object_get_boolean_member (json_node_get_object (job->archive), "ok"))
    archive_problem =
        json_object_get_string_member (json_node_get_object (job->archive), "first_problem");
  json_builder_set_member_name (b, "ok");
  json_builder_add_boolean_value (b, first_bad == NULL && archive_problem == NULL);
  json_builder_set_member_name (b, "archive");
  if (job->archive)
    json_builder_add_value (b, json_node_ref (job->archive));
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "coverage");
  json_builder_add_value (b, g_steal_pointer (&job->coverage));
  json_builder_end_object (b);

  if (first_bad != NULL)
    rd_log_session (G_LOG_LEVEL_WARNING, job->session_id,
                    "recording verify by %s: segment %" G_GINT64_FORMAT " (%s) is %s%s%s",
                    rd_control_request_get_actor (job->req), first_bad->segment, first_bad->path,
                    first_bad->status, first_bad->detail ? ": " : "",
                    first_bad->detail ? first_bad->detail : "");
  else if (archive_problem)
    rd_log_session (G_LOG_LEVEL_WARNING, job->session_id,
                    "recording verify by %s: in the archive, %s",
                    rd_control_request_get_actor (job->req), archive_problem);
  else
    rd_log_session (G_LOG_LEVEL_MESSAGE, job->session_id,
                    "recording verify by %s: %u segments intact",
                    rd_control_request_get_actor (job->req), job->segments->len);
  rd_control_request_reply (job->req, json_builder_get_root (b));
  job_free (job);
}

/* The archive's answer for the segments whose local files were deleted. */
static void
on_archive_verified (JsonNode *report, const GError *error, gpointer data)
{
  Job *job = data;
  JsonArray *objects =
      report ? json_object_get_array_member (json_node_get_object (report), "objects") : NULL;

  job->d->workers--;
  if (report)
    job->archive = json_node_ref (report);
  for (guint i = 0; i < job->segments->len; i++)
    {
      Segment *s = g_ptr_array_index (job->segments, i);
      JsonObject *found = NULL;

      if (!g_str_equal (s->status, "archived"))
        continue;
      for (guint k = 0; objects && k < json_array_get_length (objects) && !found; k++)
        {
          JsonObject *o = json_array_get_object_element (objects, k);
          if (g_strcmp0 (json_object_get_string_member (o, "key"), s->archive_key) == 0)
            found = o;
        }
      g_free (s->detail);
      if (!report)
        {
          s->status = "archive-unchecked";
          s->detail = g_strdup_printf ("deleted locally after archiving as %s; %s", s->archive_key,
                                       error->message);
        }
      else if (!found || !json_object_get_boolean_member (found, "ok"))
        {
          s->status = "archive-mismatch";
          s->detail = g_strdup_printf (
              "deleted locally after archiving; in the archive, %s: %s", s->archive_key,
              found ? json_object_get_string_member (found, "problem") : "not in the job");
        }
      else
        s->detail = g_strdup_printf ("deleted locally after archiving; the archive's copy %s is "
                                     "as the ledger says (%s)",
                                     s->archive_key,
                                     job->full ? "downloaded: size and SHA-256"
                                               : "HEAD: size, ETag and any reported checksum");
    }
  reply (job);
}

static void
on_verified (GObject *source, GAsyncResult *result, gpointer data)
{
  Job *job = g_task_get_task_data (G_TASK (result));

  for (guint i = 0; i < job->segments->len; i++)
    if (g_str_equal (((Segment *)g_ptr_array_index (job->segments, i))->status, "archived"))
      {
        job->d->workers++;
        rd_archiver_verify (job->d->archiver, job->archive_job, !job->full, job->d->cancellable,
                            on_archive_verified, job);
        return;
      }
  reply (job);
}

/* The objects of @session_id's archived job, by name in the package, when its local files were
 * deleted after archiving (NULL otherwise); *@job_id its job. (transfer full) */
static GHashTable *
archived_objects (RdDaemon *d, const char *session_id, gint64 *job_id)
{
  g_autoptr (RdLedgerArchiveJob) job = NULL;
  GHashTable *keys;

  if (!rd_ledger_archive_local_is_deleted (d->ledger, session_id) ||
      !(job = rd_ledger_archive_job_get (d->ledger, session_id, 0, NULL)) ||
      g_strcmp0 (job->state, RD_ARCHIVE_JOB_ARCHIVED) != 0)
    return NULL;
  keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (guint i = 0; i < job->objects->len; i++)
    {
      RdLedgerArchiveObject *o = job->objects->pdata[i];
      g_hash_table_insert (keys, g_strdup (o->name), g_strdup (o->key));
    }
  *job_id = job->id;
  return keys;
}

void
rd_daemon_method_recording_verify (RdDaemon *d, RdControlRequest *req, JsonObject *params)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) rows = NULL;
  g_autoptr (GPtrArray) live = NULL;
  g_autoptr (JsonNode) session = NULL;
  g_autoptr (GTask) task = NULL;
  g_autoptr (GHashTable) archived = NULL;
  const char *state_dir = rd_config_get_state_dir (d->config);
  const char *id;
  Job *job;

  if (!rd_daemon_get_string_param (req, params, "session", TRUE, &id))
    return;
  rows = rd_ledger_recordings_list (d->ledger, id, NULL, &error);
  if (rows == NULL || (live = rd_ledger_live_sessions (d->ledger, &error)) == NULL ||
      (session = rd_ledger_session_show (d->ledger, id, &error)) == NULL)
    {
      rd_daemon_reply_ledger_error (req, id, error);
      return;
    }

  job = g_new0 (Job, 1);
  job->d = d;
  job->req = req;
  job->full = json_object_get_boolean_member_with_default (params, "full", FALSE);
  archived = archived_objects (d, id, &job->archive_job);
  job->session_id = g_strdup (id);
  job->live = g_ptr_array_find_with_equal_func (live, id, g_str_equal, NULL);
  job->segments = g_ptr_array_new_with_free_func ((GDestroyNotify)segment_free);
  job->coverage = rd_coverage_of_session (json_node_get_object (session),
                                          rd_session_recording_get_elapsed_ns (d->recording, id));
  for (guint i = 0; i < rows->len; i++)
    {
      RdLedgerRecording *r = g_ptr_array_index (rows, i);
      Segment *s = g_new0 (Segment, 1);

      s->segment = r->segment;
      s->path = g_strdup (r->path);
      s->full_path = g_path_is_absolute (r->path) ? g_strdup (r->path)
                                                  : g_build_filename (state_dir, r->path, NULL);
      s->state = g_strdup (r->state);
      s->expected_sha256 = g_strdup (r->sha256);
      s->expected_size = r->size_bytes;
      s->actual_size = -1;
      if (archived && r->path)
        {
          g_autofree char *name = g_path_get_basename (r->path);
          s->archive_key = g_strdup (g_hash_table_lookup (archived, name));
        }
      g_ptr_array_add (job->segments, s);
    }

  task = g_task_new (NULL, NULL, on_verified, NULL);
  g_task_set_source_tag (task, rd_daemon_method_recording_verify);
  g_task_set_task_data (task, job, NULL); /* freed by reply() */
  g_task_run_in_thread (task, verify_thread);
}

/* {"session", "reason"}: a reason is required (it goes on the record). */
static void
set_paused (RdDaemon *d, RdControlRequest *req, JsonObject *params, gboolean pause)
{
  const char *id, *reason;
  g_autofree char *stripped = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonBuilder) b = json_builder_new ();

  if (!rd_daemon_get_string_param (req, params, "session", TRUE, &id) ||
      !rd_daemon_get_string_param (req, params, "reason", TRUE, &reason))
    return;
  stripped = g_strstrip (g_strdup (reason));
  if (!*stripped)
    {
      rd_control_request_reply_error (req, RD_PROTO_CODE_INVALID_PARAMS,
                                      "a reason is required to %s a recording: it goes on the "
                                      "record",
                                      pause ? "pause" : "resume");
      return;
    }
  if (!rd_session_recording_set_paused (d->recording, id, pause, stripped,
                                        rd_control_request_get_actor (req), &error))
    {
      rd_control_request_reply_error (req, RD_PROTO_CODE_CONFLICT, "%s", error->message);
      return;
    }
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "session");
  json_builder_add_string_value (b, id);
  json_builder_set_member_name (b, "recording");
  json_builder_add_string_value (b, pause ? "paused" : "recording");
  json_builder_set_member_name (b, "reason");
  json_builder_add_string_value (b, stripped);
  json_builder_end_object (b);
  rd_control_request_reply (req, json_builder_get_root (b));
}

void
rd_daemon_method_recording_pause (RdDaemon *d, RdControlRequest *req, JsonObject *params)
{
  set_paused (d, req, params, TRUE);
}

void
rd_daemon_method_recording_resume (RdDaemon *d, RdControlRequest *req, JsonObject *params)
{
  set_paused (d, req, params, FALSE);
}
