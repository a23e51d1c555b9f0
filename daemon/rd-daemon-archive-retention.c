/* rd-daemon-archive-retention.c: deleting archived sessions' local files after keep-local-days,
 * never while held. See rd-daemon-archive.h. */
#include "daemon/rd-daemon-archive-private.h"
#include "daemon/rd-daemon-log.h"

#include <errno.h>
#include <glib/gstdio.h>

#define RETENTION_PERIOD_S 3600

/* Deletes the job's files; FALSE (logged) when one cannot go: the job is tried again later. */
static gboolean
delete_files (RdArchiver *a, RdLedgerArchiveJob *job, const char *dir, JsonArray *names,
              gint64 *bytes)
{
  for (guint i = 0; i < job->objects->len; i++)
    {
      RdLedgerArchiveObject *o = job->objects->pdata[i];
      g_autofree char *path = g_build_filename (a->state_dir, dir, o->name, NULL);

      if (g_unlink (path) != 0 && errno != ENOENT)
        {
          rd_log_session (G_LOG_LEVEL_WARNING, job->session_id,
                          "cannot delete %s (archived, keep-local-days passed): %s", path,
                          g_strerror (errno));
          return FALSE;
        }
      json_array_add_string_element (names, o->name);
      *bytes += o->size_bytes;
    }
  {
    g_autofree char *full = g_build_filename (a->state_dir, dir, NULL);
    g_rmdir (full); /* only if nothing else is left in it */
  }
  return TRUE;
}

static gboolean
on_retention_timer (gpointer data)
{
  rd_archiver_retain (data);
  return G_SOURCE_CONTINUE;
}

void
rd_archiver_retain (RdArchiver *a)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr (GDateTime) before = NULL;
  g_autofree char *before_text = NULL;
  g_autoptr (GPtrArray) due = NULL;

  if (!rd_archiver_is_enabled (a) || a->keep_local_days < 0)
    return;
  if (!a->retention_id)
    a->retention_id = g_timeout_add_seconds (RETENTION_PERIOD_S, on_retention_timer, a);
  before = g_date_time_add_days (now, -a->keep_local_days);
  before_text = g_date_time_format (before, "%Y-%m-%dT%H:%M:%S.%fZ");
  due = rd_ledger_archive_retention_due (a->ledger, before_text, &error);
  if (!due)
    {
      rd_log_session (G_LOG_LEVEL_WARNING, NULL, "cannot read the archived sessions: %s",
                      error->message);
      return;
    }
  for (guint i = 0; i < due->len; i++)
    {
      RdLedgerArchiveJob *job = due->pdata[i];
      g_autofree char *dir = rd_archiver_package_dir (a, job->session_id);
      g_autoptr (JsonArray) names = json_array_new ();
      gint64 bytes = 0;

      if (!dir || !delete_files (a, job, dir, names, &bytes))
        continue;
      if (!rd_ledger_archive_local_deleted (a->ledger, job->id, names, bytes,
                                            (guint)a->keep_local_days, &error))
        {
          rd_log_session (G_LOG_LEVEL_WARNING, job->session_id, "%s", error->message);
          g_clear_error (&error);
          continue;
        }
      rd_log_session (G_LOG_LEVEL_MESSAGE, job->session_id,
                      "local files deleted: %u files, %" G_GINT64_FORMAT
                      " bytes, archived (job %" G_GINT64_FORMAT ") %d days ago or more",
                      json_array_get_length (names), bytes, job->id, a->keep_local_days);
    }
}
