/* rd-daemon-archive.c: RdArchiver, the upload queue's runner. See rd-daemon-archive.h. The
 * archive's verification (rd_archiver_verify()) is in rd-daemon-archive-verify.c. */
#include "daemon/rd-daemon-archive-private.h"
#include "archive/rd-archive-error.h"
#include "daemon/rd-daemon-log.h"
#include "ledger/rd-ledger-error.h"
#include "ledger/rd-ledger-recordings.h"

#include <string.h>

#define MB (1024 * 1024)

typedef enum
{
  STEP_PUT,
  STEP_CREATE,
  STEP_PART,
  STEP_COMPLETE,
  STEP_HEADS,
} StepKind;

typedef struct
{
  RdArchiverSettings *settings;
  StepKind kind;
  RdLedgerArchiveJob *job; /* borrowed from the archiver, read only in the thread */
  RdLedgerArchiveObject *object;
  char *path; /* the object's file */
  guint part; /* STEP_PART: from 1 */
  gint64 part_size;
  gint64 offset, length;
  char **etags;      /* STEP_COMPLETE */
  char *result;      /* etag or upload id */
  guint heads;       /* STEP_HEADS: objects checked before it, then (the worker) in all */
  guint retry_after; /* the failed answer's Retry-After, in seconds (0: none) */
} Step;

static void
step_free (Step *s)
{
  rd_archiver_settings_unref (s->settings);
  g_free (s->path);
  g_strfreev (s->etags);
  g_free (s->result);
  g_free (s);
}

RdArchiveS3 *
rd_archiver_client (RdArchiverSettings *s, GError **error)
{
  RdArchiveS3 *s3 = rd_archive_s3_new (s->url, s->region, s->credentials, s->ca, error);

  if (s3)
    rd_archive_s3_set_object_lock_days (s3, s->object_lock_days);
  return s3;
}

void
rd_archiver_settings_unref (RdArchiverSettings *s)
{
  if (!s || !g_atomic_ref_count_dec (&s->ref))
    return;
  g_free (s->url);
  g_free (s->region);
  g_free (s->credentials);
  g_free (s->ca);
  g_free (s);
}

RdArchiverSettings *
rd_archiver_settings_ref (RdArchiverSettings *s)
{
  g_atomic_ref_count_inc (&s->ref);
  return s;
}

static void
step_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  Step *s = data;
  GError *error = NULL;
  g_autoptr (RdArchiveS3) s3 = rd_archiver_client (s->settings, &error);
  RdLedgerArchiveObject *o = s->object;
  gboolean ok = FALSE;

  if (!s3)
    {
      g_task_return_error (task, error);
      return;
    }
  switch (s->kind)
    {
    case STEP_PUT:
      ok = rd_archive_s3_put_file (s3, o->key, s->path, 0, o->size_bytes, &s->result, cancellable,
                                   &error);
      break;
    case STEP_CREATE:
      ok = (s->result = rd_archive_s3_multipart_create (s3, o->key, cancellable, &error)) != NULL;
      break;
    case STEP_PART:
      ok = (s->result = rd_archive_s3_multipart_part (s3, o->key, o->upload_id, s->part, s->path,
                                                      s->offset, s->length, cancellable, &error)) !=
           NULL;
      break;
    case STEP_COMPLETE:
      {
        /* each part's checksum again, from the file (the ledger keeps only the ETags) */
        guint n = g_strv_length (s->etags);
        g_auto (GStrv) sums = g_new0 (char *, n + 1);

        ok = TRUE;
        for (guint i = 0; ok && i < n; i++)
          {
            gint64 off = (gint64)i * s->part_size;
            ok = (sums[i] = rd_archive_s3_range_checksum (
                      s->path, off, MIN (s->part_size, o->size_bytes - off), &error)) != NULL;
          }
        ok = ok && rd_archive_s3_multipart_complete (
                       s3, o->key, o->upload_id, (const char *const *)s->etags,
                       (const char *const *)sums, &s->result, cancellable, &error);
        break;
      }
    case STEP_HEADS:
      ok = TRUE;
      for (guint i = s->heads; ok && i < s->job->objects->len; i++)
        {
          RdLedgerArchiveObject *x = s->job->objects->pdata[i];
          g_autofree char *etag = NULL, *sha = NULL;
          gint64 size = -1;

          ok = rd_archive_s3_head (s3, x->key, &size, &etag, &sha, cancellable, &error);
          if (ok && sha && g_strcmp0 (sha, x->sha256) != 0)
            {
              g_set_error (&error, RD_ARCHIVE_ERROR, RD_ARCHIVE_ERROR_MISMATCH,
                           "HEAD %s: SHA-256 %s (x-amz-checksum-sha256); sent %s", x->key, sha,
                           x->sha256);
              ok = FALSE;
            }
          if (ok && (size != x->size_bytes || g_strcmp0 (etag, x->etag) != 0))
            {
              g_set_error (&error, RD_ARCHIVE_ERROR, RD_ARCHIVE_ERROR_MISMATCH,
                           "HEAD %s: %" G_GINT64_FORMAT " bytes, ETag %s; sent %" G_GINT64_FORMAT
                           " bytes, ETag %s",
                           x->key, size, etag, x->size_bytes, x->etag);
              ok = FALSE;
            }
          if (ok)
            s->heads = i + 1;
        }
      break;
    }
  if (ok)
    g_task_return_boolean (task, TRUE);
  else
    {
      s->retry_after = rd_archive_s3_get_retry_after (s3);
      g_task_return_error (task, error);
    }
}

static void next_step (RdArchiver *a);

/* The job ends (archived, failed or to be retried): the archiver looks for more. */
static void
job_done (RdArchiver *a)
{
  g_clear_pointer (&a->job, rd_ledger_archive_job_free);
  g_clear_pointer (&a->dir, g_free);
  rd_archiver_kick (a);
}

static gboolean
on_retry_timer (gpointer data)
{
  RdArchiver *a = data;

  a->retry_id = 0;
  rd_archiver_kick (a);
  return G_SOURCE_REMOVE;
}

/* @retry_after: the server's Retry-After in seconds (0: none), a floor of the wait. */
static void
fail_job (RdArchiver *a, const GError *error, guint retry_after)
{
  g_autoptr (GError) lerror = NULL;
  gboolean heals = error->domain == RD_ARCHIVE_ERROR && error->code == RD_ARCHIVE_ERROR_TRANSIENT;
  g_autofree char *next_at = NULL;
  guint delay = 0;

  if (heals)
    {
      guint64 full = MIN ((guint64)a->retry_max_s, (guint64)1 << MIN (a->job->attempts, 20));
      g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
      g_autoptr (GDateTime) at = NULL;

      /* jitter: between half the wait and all of it (AWS "Exponential Backoff And Jitter") */
      delay = (guint)MAX (1, full / 2 + g_random_int_range (0, (gint32)(full / 2 + 1)));
      /* a server that says how long to wait (503 Slow Down, 429) is heard, within the bound */
      delay = MAX (delay, MIN (retry_after, a->retry_max_s));
      at = g_date_time_add_seconds (now, delay);
      next_at = g_date_time_format (at, "%Y-%m-%dT%H:%M:%S.%fZ");
      rd_log_session (G_LOG_LEVEL_WARNING, a->job->session_id,
                      "archive job %" G_GINT64_FORMAT ": %s; retrying in %u s", a->job->id,
                      error->message, delay);
    }
  else
    rd_log_session (G_LOG_LEVEL_WARNING, a->job->session_id,
                    "archive job %" G_GINT64_FORMAT " failed: %s (it will not heal by retrying; "
                    "`receptionctl archive retry %" G_GINT64_FORMAT "` once it is fixed)",
                    a->job->id, error->message, a->job->id);
  if (!rd_ledger_archive_job_fail (a->ledger, a->job->id, error->message, next_at, &lerror))
    rd_log_session (G_LOG_LEVEL_WARNING, a->job->session_id, "%s", lerror->message);
  job_done (a); /* its next attempt is timed there */
}

static void
on_step (GObject *source, GAsyncResult *res, gpointer data)
{
  RdArchiver *a = data;
  Step *s = g_task_get_task_data (G_TASK (res));
  g_autoptr (GError) error = NULL;
  RdLedgerArchiveObject *o = s->object;

  a->step_running = FALSE;
  if (!g_task_propagate_boolean (G_TASK (res), &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
          g_cancellable_is_cancelled (a->cancellable))
        {
          job_done (a); /* the daemon is stopping: the ledger has what was done */
          return;
        }
      if (s->kind == STEP_HEADS)
        {
          /* the objects already found as sent are not asked again at the retry: a server
           * that refuses every Nth request would otherwise never let N HEADs through */
          a->heads_job = a->job->id;
          a->heads = s->heads;
        }
      if (s->kind == STEP_COMPLETE &&
          g_error_matches (error, RD_ARCHIVE_ERROR, RD_ARCHIVE_ERROR_NOT_FOUND))
        {
          /* the server forgot the upload (NoSuchUpload): start the object again */
          g_clear_pointer (&o->upload_id, g_free);
          g_clear_pointer (&o->parts_json, g_free);
          rd_ledger_archive_object_update (a->ledger, o, NULL);
          error->code = RD_ARCHIVE_ERROR_TRANSIENT;
        }
      fail_job (a, error, s->retry_after);
      return;
    }
  switch (s->kind)
    {
    case STEP_PUT:
    case STEP_COMPLETE:
      g_free (o->etag);
      o->etag = g_steal_pointer (&s->result);
      break;
    case STEP_CREATE:
      g_free (o->upload_id);
      o->upload_id = g_steal_pointer (&s->result);
      g_free (o->parts_json);
      o->parts_json = g_strdup ("[]");
      break;
    case STEP_PART:
      {
        g_autoptr (JsonNode) parts = json_from_string (o->parts_json, NULL);
        json_array_add_string_element (json_node_get_array (parts), s->result);
        g_free (o->parts_json);
        o->parts_json = json_to_string (parts, FALSE);
        break;
      }
    case STEP_HEADS:
      if (!rd_ledger_archive_job_archived (a->ledger, a->job->id, &error))
        rd_log_session (G_LOG_LEVEL_WARNING, a->job->session_id, "%s", error->message);
      else
        rd_log_session (G_LOG_LEVEL_MESSAGE, a->job->session_id,
                        "archived: %u objects uploaded and checked (archive job %" G_GINT64_FORMAT
                        ")",
                        a->job->objects->len, a->job->id);
      rd_archiver_retain (a);
      job_done (a);
      return;
    }
  if (!rd_ledger_archive_object_update (a->ledger, o, &error))
    {
      rd_log_session (G_LOG_LEVEL_WARNING, a->job->session_id, "%s", error->message);
      job_done (a); /* tried again at the next kick, from what the ledger holds */
      return;
    }
  next_step (a);
}

static void
run_step (RdArchiver *a, Step *s)
{
  g_autoptr (GTask) task = g_task_new (NULL, a->cancellable, on_step, a);

  s->settings = rd_archiver_settings_ref (a->settings);
  s->job = a->job;
  if (s->object)
    s->path = g_build_filename (a->state_dir, a->dir, s->object->name, NULL);
  a->step_running = TRUE;
  g_task_set_task_data (task, s, (GDestroyNotify)step_free);
  g_task_run_in_thread (task, step_thread);
}

static guint
count_parts (const char *parts_json)
{
  g_autoptr (JsonNode) parts = parts_json ? json_from_string (parts_json, NULL) : NULL;

  return parts && JSON_NODE_HOLDS_ARRAY (parts)
             ? json_array_get_length (json_node_get_array (parts))
             : 0;
}

static void
next_step (RdArchiver *a)
{
  gint64 part_size = (gint64)a->multipart_mb * MB;
  Step *s = g_new0 (Step, 1);

  for (guint i = 0; i < a->job->objects->len; i++)
    {
      RdLedgerArchiveObject *o = a->job->objects->pdata[i];
      guint done, total;

      if (o->etag)
        continue;
      s->object = o;
      if (o->size_bytes <= part_size)
        s->kind = STEP_PUT;
      else if (!o->upload_id)
        s->kind = STEP_CREATE;
      else if ((done = count_parts (o->parts_json)) <
               (total = (guint)((o->size_bytes + part_size - 1) / part_size)))
        {
          s->kind = STEP_PART;
          s->part = done + 1;
          s->offset = (gint64)done * part_size;
          s->length = MIN (part_size, o->size_bytes - s->offset);
        }
      else
        {
          g_autoptr (JsonNode) parts = json_from_string (o->parts_json, NULL);
          JsonArray *arr = json_node_get_array (parts);

          s->kind = STEP_COMPLETE;
          s->part_size = part_size;
          s->etags = g_new0 (char *, total + 1);
          for (guint p = 0; p < total; p++)
            s->etags[p] = g_strdup (json_array_get_string_element (arr, p));
        }
      run_step (a, s);
      return;
    }
  s->kind = STEP_HEADS;
  s->heads = a->heads_job == a->job->id ? a->heads : 0;
  run_step (a, s);
}

char *
rd_archiver_package_dir (RdArchiver *a, const char *session_id)
{
  g_autoptr (GPtrArray) rows = rd_ledger_recordings_list (a->ledger, session_id, NULL, NULL);

  return rows && rows->len ? g_path_get_dirname (((RdLedgerRecording *)rows->pdata[0])->path)
                           : NULL;
}

static gboolean
session_live (RdArchiver *a)
{
  g_autoptr (GPtrArray) live = rd_ledger_live_sessions (a->ledger, NULL);

  return live == NULL || live->len > 0;
}

void
rd_archiver_kick (RdArchiver *a)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();

  if (!a || !a->settings || a->job || a->step_running ||
      g_cancellable_is_cancelled (a->cancellable))
    return;
  a->held = !a->during_session && session_live (a);
  if (a->held)
    return;
  a->job = rd_ledger_archive_next (a->ledger, &error);
  if (!a->job)
    {
      if (error)
        rd_log_session (G_LOG_LEVEL_WARNING, NULL, "cannot read the archive queue: %s",
                        error->message);
      return;
    }
  if (a->job->next_at)
    {
      g_autoptr (GDateTime) due = g_date_time_new_from_iso8601 (a->job->next_at, NULL);
      GTimeSpan wait = due ? g_date_time_difference (due, now) : 0;

      if (wait > 0)
        {
          /* not due yet: a timer for it, to the millisecond (it never fires early) */
          g_clear_pointer (&a->job, rd_ledger_archive_job_free);
          g_clear_handle_id (&a->retry_id, g_source_remove);
          a->retry_id = g_timeout_add ((guint)MIN (wait / 1000 + 1, G_MAXINT32), on_retry_timer, a);
          return;
        }
    }
  a->dir = rd_archiver_package_dir (a, a->job->session_id);
  if (!a->dir)
    {
      g_autoptr (GError) e =
          g_error_new (RD_ARCHIVE_ERROR, RD_ARCHIVE_ERROR_IO,
                       "session %s has no recording files any more", a->job->session_id);
      fail_job (a, e, 0);
      return;
    }
  rd_log_session (G_LOG_LEVEL_INFO, a->job->session_id, "archive job %" G_GINT64_FORMAT " starts",
                  a->job->id);
  next_step (a);
}

RdArchiver *
rd_archiver_new (RdConfig *config, RdLedger *ledger)
{
  RdArchiver *a = g_new0 (RdArchiver, 1);

  a->ledger = ledger;
  a->cancellable = g_cancellable_new ();
  a->state_dir = g_strdup (rd_config_get_state_dir (config));
  a->room = g_strdup (rd_config_get_room_name (config));
  a->during_session = rd_config_get_archive_during_session (config);
  a->multipart_mb = rd_config_get_archive_multipart_mb (config);
  a->retry_max_s = rd_config_get_archive_retry_max_seconds (config);
  a->keep_local_days = rd_config_get_archive_keep_local_days (config);
  if (rd_config_get_archive_url (config))
    {
      a->settings = g_new0 (RdArchiverSettings, 1);
      g_atomic_ref_count_init (&a->settings->ref);
      a->settings->url = g_strdup (rd_config_get_archive_url (config));
      a->settings->region = g_strdup (rd_config_get_archive_region (config));
      a->settings->credentials = g_strdup (rd_config_get_archive_credentials (config));
      a->settings->ca = g_strdup (rd_config_get_archive_ca (config));
      a->settings->object_lock_days = rd_config_get_archive_object_lock_days (config);
    }
  return a;
}

gboolean
rd_archiver_is_enabled (RdArchiver *a)
{
  return a && a->settings;
}

void
rd_archiver_free (RdArchiver *a)
{
  if (!a)
    return;
  g_cancellable_cancel (a->cancellable);
  while (a->step_running || a->verifying > 0)
    g_main_context_iteration (NULL, TRUE);
  g_clear_handle_id (&a->retry_id, g_source_remove);
  g_clear_handle_id (&a->retention_id, g_source_remove);
  g_clear_pointer (&a->job, rd_ledger_archive_job_free);
  g_clear_pointer (&a->settings, rd_archiver_settings_unref);
  g_clear_object (&a->cancellable);
  g_free (a->dir);
  g_free (a->state_dir);
  g_free (a->room);
  g_free (a);
}
