/* rd-daemon-archive-verify.c: `archive verify ID [--quick]`: every object of an archived job
 * checked on the server, in a worker thread with a client of its own. See rd-daemon-archive.h. */
#include "daemon/rd-daemon-archive-private.h"
#include "daemon/rd-daemon-error.h"

typedef struct
{
  RdArchiver *archiver;
  RdArchiverSettings *settings;
  RdLedgerArchiveJob *job;
  gboolean quick;
  RdArchiverVerifyFunc callback;
  gpointer data;
} Verify;

static void
verify_free (Verify *v)
{
  rd_archiver_settings_unref (v->settings);
  rd_ledger_archive_job_free (v->job);
  g_free (v);
}

/* The problem with object @o on the server, or NULL when it is as the ledger says. */
static char *
check_object (RdArchiveS3 *s3, RdLedgerArchiveObject *o, gboolean quick, GCancellable *c,
              GError **error)
{
  g_autofree char *etag = NULL, *sha = NULL;
  gint64 size = -1;

  if (quick)
    {
      if (!rd_archive_s3_head (s3, o->key, &size, &etag, &sha, c, error))
        return NULL;
      if (sha && g_strcmp0 (sha, o->sha256) != 0)
        return g_strdup_printf ("SHA-256 %s (x-amz-checksum-sha256), the ledger says %s", sha,
                                o->sha256);
      if (size != o->size_bytes)
        return g_strdup_printf ("%" G_GINT64_FORMAT " bytes, the ledger says %" G_GINT64_FORMAT,
                                size, o->size_bytes);
      if (g_strcmp0 (etag, o->etag) != 0)
        return g_strdup_printf ("ETag %s, the ledger says %s", etag, o->etag);
      return NULL;
    }
  if (!rd_archive_s3_get_sha256 (s3, o->key, &size, &sha, c, error))
    return NULL;
  if (size != o->size_bytes)
    return g_strdup_printf ("%" G_GINT64_FORMAT " bytes, the ledger says %" G_GINT64_FORMAT, size,
                            o->size_bytes);
  if (g_strcmp0 (sha, o->sha256) != 0)
    return g_strdup_printf ("SHA-256 %s, the ledger says %s", sha, o->sha256);
  return NULL;
}

static void
verify_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  Verify *v = data;
  GError *error = NULL;
  g_autoptr (RdArchiveS3) s3 = rd_archiver_client (v->settings, &error);
  g_autoptr (JsonBuilder) b = json_builder_new ();
  const char *first = NULL;
  g_autofree char *first_text = NULL;

  if (!s3)
    {
      g_task_return_error (task, error);
      return;
    }
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "job");
  json_builder_add_int_value (b, v->job->id);
  json_builder_set_member_name (b, "session");
  json_builder_add_string_value (b, v->job->session_id);
  json_builder_set_member_name (b, "quick");
  json_builder_add_boolean_value (b, v->quick);
  json_builder_set_member_name (b, "objects");
  json_builder_begin_array (b);
  for (guint i = 0; i < v->job->objects->len; i++)
    {
      RdLedgerArchiveObject *o = v->job->objects->pdata[i];
      g_autoptr (GError) oerror = NULL;
      g_autofree char *problem = check_object (s3, o, v->quick, cancellable, &oerror);

      if (g_error_matches (oerror, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_task_return_error (task, g_steal_pointer (&oerror));
          json_builder_end_array (b);
          json_builder_end_object (b);
          return;
        }
      if (oerror)
        problem = g_strdup (oerror->message);
      if (problem && !first)
        {
          first = o->key;
          first_text = g_strdup_printf ("%s: %s", o->key, problem);
        }
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "key");
      json_builder_add_string_value (b, o->key);
      json_builder_set_member_name (b, "ok");
      json_builder_add_boolean_value (b, problem == NULL);
      json_builder_set_member_name (b, "problem");
      if (problem)
        json_builder_add_string_value (b, problem);
      else
        json_builder_add_null_value (b);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "ok");
  json_builder_add_boolean_value (b, first == NULL);
  json_builder_set_member_name (b, "first_problem");
  if (first_text)
    json_builder_add_string_value (b, first_text);
  else
    json_builder_add_null_value (b);
  json_builder_end_object (b);
  g_task_return_pointer (task, json_builder_get_root (b), (GDestroyNotify)json_node_unref);
}

static void
on_verified (GObject *source, GAsyncResult *res, gpointer data)
{
  Verify *v = g_task_get_task_data (G_TASK (res));
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) report = g_task_propagate_pointer (G_TASK (res), &error);

  v->archiver->verifying--;
  v->callback (report, error, v->data);
}

void
rd_archiver_verify (RdArchiver *a, gint64 job_id, gboolean quick, GCancellable *cancellable,
                    RdArchiverVerifyFunc callback, gpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GTask) task = NULL;
  Verify *v;
  RdLedgerArchiveJob *job;

  if (!rd_archiver_is_enabled (a))
    {
      error = g_error_new_literal (RD_DAEMON_ERROR, RD_DAEMON_ERROR_CONFLICT,
                                   "no archive: [archive] url is not set");
      callback (NULL, error, data);
      return;
    }
  job = rd_ledger_archive_job_get (a->ledger, NULL, job_id, &error);
  if (!job)
    {
      callback (NULL, error, data);
      return;
    }
  if (g_strcmp0 (job->state, RD_ARCHIVE_JOB_ARCHIVED) != 0)
    {
      error = g_error_new (RD_DAEMON_ERROR, RD_DAEMON_ERROR_CONFLICT,
                           "archive job %" G_GINT64_FORMAT " is %s, not archived: nothing to "
                           "verify yet",
                           job_id, job->state);
      rd_ledger_archive_job_free (job);
      callback (NULL, error, data);
      return;
    }
  v = g_new0 (Verify, 1);
  v->archiver = a;
  v->settings = rd_archiver_settings_ref (a->settings);
  v->job = job;
  v->quick = quick;
  v->callback = callback;
  v->data = data;
  a->verifying++;
  task = g_task_new (NULL, cancellable, on_verified, NULL);
  g_task_set_task_data (task, v, (GDestroyNotify)verify_free);
  g_task_run_in_thread (task, verify_thread);
}
