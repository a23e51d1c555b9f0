/* rd-ledger-archive-jobs.c: the recording archive's queue (schema version 7). See
 * rd-ledger-archive.h for the contract. */
#include "ledger/rd-ledger-archive.h"
#include "ledger/rd-ledger-private.h"
#include "ledger/rd-ledger-error.h"

#define JOB_COLUMNS "id, session_id, state, attempts, next_at, last_error"

void
rd_ledger_archive_object_free (RdLedgerArchiveObject *o)
{
  if (!o)
    return;
  g_free (o->name);
  g_free (o->key);
  g_free (o->sha256);
  g_free (o->upload_id);
  g_free (o->parts_json);
  g_free (o->etag);
  g_free (o);
}

void
rd_ledger_archive_job_free (RdLedgerArchiveJob *job)
{
  if (!job)
    return;
  g_free (job->session_id);
  g_free (job->state);
  g_free (job->next_at);
  g_free (job->last_error);
  g_clear_pointer (&job->objects, g_ptr_array_unref);
  g_free (job);
}

static char *
column (sqlite3_stmt *stmt, int i)
{
  return g_strdup ((const char *)sqlite3_column_text (stmt, i));
}

static void
detail_int (JsonObject *o, const char *name, gint64 v)
{
  json_object_set_int_member (o, name, v);
}

static gboolean
event (RdLedger *self, const char *at, const char *session, const char *actor, const char *kind,
       JsonObject *detail_take, GError **error)
{
  g_autoptr (JsonNode) detail = json_node_init_object (json_node_alloc (), detail_take);

  json_object_unref (detail_take);
  return rd_ledger_insert_event (self, at, session, actor, kind, detail, error) > 0;
}

gint64
rd_ledger_archive_enqueue (RdLedger *ledger, const char *session_id, GPtrArray *objects,
                           GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autofree char *at = rd_ledger_now (ledger, NULL);
  g_autoptr (sqlite3_stmt) job = NULL;
  JsonObject *detail;
  gint64 id = 0, bytes = 0;

  if (!rd_ledger_begin (ledger, FALSE, &local))
    goto fail;
  job = rd_ledger_prepare (ledger, &local,
                           "INSERT INTO archive_jobs (session_id, state, attempts, created_at) "
                           "VALUES (?1, 'queued', 0, ?2)",
                           2, session_id, at);
  if (!job || rd_ledger_step (ledger, job, &local) == 0)
    {
      if (local && g_strrstr (local->message, "UNIQUE"))
        {
          g_clear_error (&local);
          g_set_error_literal (&local, RD_LEDGER_ERROR, RD_LEDGER_ERROR_EXISTS,
                               "it is queued already");
        }
      goto rollback;
    }
  id = sqlite3_last_insert_rowid (ledger->db);
  for (guint i = 0; i < objects->len; i++)
    {
      RdLedgerArchiveObject *o = objects->pdata[i];
      g_autoptr (sqlite3_stmt) ins = rd_ledger_prepare (
          ledger, &local,
          "INSERT INTO archive_objects (job_id, name, object_key, size_bytes, sha256) "
          "VALUES (?1, ?2, ?3, ?4, ?5)",
          5, NULL, o->name, o->key, NULL, o->sha256);

      if (!ins || !rd_ledger_bind_int64 (ledger, ins, 1, id, &local) ||
          !rd_ledger_bind_int64 (ledger, ins, 4, o->size_bytes, &local) ||
          rd_ledger_step (ledger, ins, &local) == 0)
        goto rollback;
      bytes += o->size_bytes;
    }
  detail = json_object_new ();
  detail_int (detail, "job", id);
  detail_int (detail, "objects", objects->len);
  detail_int (detail, "bytes", bytes);
  if (!event (ledger, at, session_id, "receptiond", "archive-queued", detail, &local) ||
      !rd_ledger_commit (ledger, FALSE, &local))
    goto rollback;
  return id;

rollback:
  rd_ledger_rollback (ledger, FALSE);
fail:
  g_propagate_prefixed_error (error, g_steal_pointer (&local),
                              "cannot queue session %s for the archive in ledger %s: ", session_id,
                              ledger->path);
  return 0;
}

static RdLedgerArchiveJob *
read_job (RdLedger *self, sqlite3_stmt *stmt, GError **error)
{
  g_autoptr (RdLedgerArchiveJob) job = g_new0 (RdLedgerArchiveJob, 1);
  g_autoptr (sqlite3_stmt) objs = NULL;
  int rc;

  job->id = sqlite3_column_int64 (stmt, 0);
  job->session_id = column (stmt, 1);
  job->state = column (stmt, 2);
  job->attempts = sqlite3_column_int64 (stmt, 3);
  job->next_at = column (stmt, 4);
  job->last_error = column (stmt, 5);
  job->objects = g_ptr_array_new_with_free_func ((GDestroyNotify)rd_ledger_archive_object_free);
  objs = rd_ledger_prepare (self, error,
                            "SELECT id, name, object_key, size_bytes, sha256, upload_id, parts, "
                            "etag FROM archive_objects WHERE job_id = ?1 ORDER BY id",
                            0);
  if (!objs || !rd_ledger_bind_int64 (self, objs, 1, job->id, error))
    return NULL;
  while ((rc = rd_ledger_step (self, objs, error)) == SQLITE_ROW)
    {
      RdLedgerArchiveObject *o = g_new0 (RdLedgerArchiveObject, 1);

      o->id = sqlite3_column_int64 (objs, 0);
      o->name = column (objs, 1);
      o->key = column (objs, 2);
      o->size_bytes = sqlite3_column_int64 (objs, 3);
      o->sha256 = column (objs, 4);
      o->upload_id = column (objs, 5);
      o->parts_json = column (objs, 6);
      o->etag = column (objs, 7);
      g_ptr_array_add (job->objects, o);
    }
  return rc == SQLITE_DONE ? g_steal_pointer (&job) : NULL;
}

RdLedgerArchiveJob *
rd_ledger_archive_job_get (RdLedger *ledger, const char *session_id, gint64 job_id, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  RdLedgerArchiveJob *job;
  int rc;

  stmt = session_id
             ? rd_ledger_prepare (ledger, error,
                                  "SELECT " JOB_COLUMNS " FROM archive_jobs WHERE session_id = ?1",
                                  1, session_id)
             : rd_ledger_prepare (ledger, error,
                                  "SELECT " JOB_COLUMNS " FROM archive_jobs WHERE id = ?1", 0);
  if (!stmt || (!session_id && !rd_ledger_bind_int64 (ledger, stmt, 1, job_id, error)) ||
      (rc = rd_ledger_step (ledger, stmt, error)) == 0)
    return NULL;
  if (rc == SQLITE_DONE)
    {
      g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_NOT_FOUND, "no archive job %s%s",
                   session_id ? "for session " : "", session_id ? session_id : "with that id");
      return NULL;
    }
  job = read_job (ledger, stmt, error);
  return job;
}

RdLedgerArchiveJob *
rd_ledger_archive_next (RdLedger *ledger, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt =
      rd_ledger_prepare (ledger, error,
                         "SELECT " JOB_COLUMNS " FROM archive_jobs WHERE state = 'queued' "
                         "ORDER BY next_at IS NOT NULL, next_at, id LIMIT 1",
                         0);
  int rc;

  if (!stmt || (rc = rd_ledger_step (ledger, stmt, error)) == 0 || rc == SQLITE_DONE)
    return NULL;
  return read_job (ledger, stmt, error);
}

gboolean
rd_ledger_archive_object_update (RdLedger *ledger, const RdLedgerArchiveObject *o, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = rd_ledger_prepare (
      ledger, error,
      "UPDATE archive_objects SET upload_id = ?1, parts = ?2, etag = ?3 WHERE id = ?4", 3,
      o->upload_id, o->parts_json, o->etag);

  if (!stmt || !rd_ledger_bind_int64 (ledger, stmt, 4, o->id, error) ||
      rd_ledger_step (ledger, stmt, error) == 0)
    {
      g_prefix_error (error, "cannot record the upload of %s in ledger %s: ", o->key, ledger->path);
      return FALSE;
    }
  return TRUE;
}

/* Runs @sql (?1 job id, then @n text parameters) and an event, in one transaction. */
static gboolean
update_job (RdLedger *self, gint64 job_id, const char *sql, const char *p2, const char *p3,
            const char *actor, const char *kind, JsonObject *detail_take, GError **error)
{
  g_autofree char *at = rd_ledger_now (self, NULL);
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (sqlite3_stmt) sess = NULL;
  g_autofree char *session = NULL;
  int rc;

  if (!rd_ledger_begin (self, FALSE, error))
    goto fail_detail;
  sess = rd_ledger_prepare (self, error, "SELECT session_id FROM archive_jobs WHERE id = ?1", 0);
  if (!sess || !rd_ledger_bind_int64 (self, sess, 1, job_id, error) ||
      (rc = rd_ledger_step (self, sess, error)) == 0)
    goto rollback;
  if (rc == SQLITE_DONE)
    {
      g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_NOT_FOUND,
                   "no archive job %" G_GINT64_FORMAT, job_id);
      goto rollback;
    }
  session = column (sess, 0);
  stmt = rd_ledger_prepare (self, error, sql, 4, NULL, p2, p3, at);
  if (!stmt || !rd_ledger_bind_int64 (self, stmt, 1, job_id, error) ||
      rd_ledger_step (self, stmt, error) == 0)
    goto rollback;
  if (sqlite3_changes (self->db) == 0)
    {
      g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_STATE,
                   "archive job %" G_GINT64_FORMAT " is archived", job_id);
      goto rollback;
    }
  if (kind && !event (self, at, session, actor, kind, g_steal_pointer (&detail_take), error))
    goto rollback;
  if (!rd_ledger_commit (self, FALSE, error))
    goto rollback;
  if (detail_take)
    json_object_unref (detail_take);
  return TRUE;

rollback:
  rd_ledger_rollback (self, FALSE);
fail_detail:
  if (detail_take)
    json_object_unref (detail_take);
  g_prefix_error (error, "archive job %" G_GINT64_FORMAT " in ledger %s: ", job_id, self->path);
  return FALSE;
}

gboolean
rd_ledger_archive_job_fail (RdLedger *ledger, gint64 job_id, const char *why, const char *next_at,
                            GError **error)
{
  JsonObject *detail = NULL;

  if (!next_at)
    {
      detail = json_object_new ();
      detail_int (detail, "job", job_id);
      json_object_set_string_member (detail, "error", why);
    }
  return update_job (ledger, job_id,
                     next_at ? "UPDATE archive_jobs SET attempts = attempts + 1, last_error = ?2, "
                               "next_at = ?3 WHERE id = ?1 AND state = 'queued' AND ?4 IS NOT NULL"
                             : "UPDATE archive_jobs SET attempts = attempts + 1, last_error = ?2, "
                               "state = 'failed', next_at = ?3 WHERE id = ?1 AND state = 'queued' "
                               "AND ?4 IS NOT NULL",
                     why, next_at, "receptiond", next_at ? NULL : "archive-failed", detail, error);
}

gboolean
rd_ledger_archive_job_retry (RdLedger *ledger, gint64 job_id, const char *actor, GError **error)
{
  JsonObject *detail = json_object_new ();

  detail_int (detail, "job", job_id);
  return update_job (ledger, job_id,
                     "UPDATE archive_jobs SET state = 'queued', next_at = NULL WHERE id = ?1 "
                     "AND state != 'archived' AND coalesce (?2, ?3, ?4) IS NOT NULL",
                     NULL, NULL, actor, "archive-retry", detail, error);
}

gboolean
rd_ledger_archive_job_archived (RdLedger *ledger, gint64 job_id, GError **error)
{
  g_autoptr (RdLedgerArchiveJob) job = rd_ledger_archive_job_get (ledger, NULL, job_id, error);
  JsonObject *detail;
  JsonArray *objects;

  if (!job)
    return FALSE;
  detail = json_object_new ();
  objects = json_array_new ();
  detail_int (detail, "job", job_id);
  for (guint i = 0; i < job->objects->len; i++)
    {
      RdLedgerArchiveObject *o = job->objects->pdata[i];
      JsonObject *e = json_object_new ();

      json_object_set_string_member (e, "key", o->key);
      json_object_set_string_member (e, "etag", o->etag);
      json_array_add_object_element (objects, e);
    }
  json_object_set_array_member (detail, "objects", objects);
  return update_job (ledger, job_id,
                     "UPDATE archive_jobs SET state = 'archived', archived_at = ?4, "
                     "last_error = NULL, next_at = NULL WHERE id = ?1 AND state = 'queued' "
                     "AND coalesce (?2, ?3) IS NULL",
                     NULL, NULL, "receptiond", "session-archived", detail, error);
}

JsonNode *
rd_ledger_archive_list (RdLedger *ledger, GError **error)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (sqlite3_stmt) stmt = rd_ledger_prepare (
      ledger, error,
      "SELECT j.id, j.session_id, j.state, j.attempts, j.next_at, j.last_error, j.archived_at, "
      "(SELECT count(*) FROM archive_objects o WHERE o.job_id = j.id), "
      "(SELECT coalesce (sum (size_bytes), 0) FROM archive_objects o WHERE o.job_id = j.id), "
      "(SELECT coalesce (sum (size_bytes), 0) FROM archive_objects o WHERE o.job_id = j.id "
      "AND o.etag IS NOT NULL) FROM archive_jobs j ORDER BY j.id DESC",
      0);
  static const char *const names[] = { "id",      "session",       "state",       "attempts",
                                       "next_at", "last_error",    "archived_at", "objects",
                                       "bytes",   "bytes_uploaded" };
  int rc;

  if (!stmt)
    return NULL;
  json_builder_begin_array (b);
  while ((rc = rd_ledger_step (ledger, stmt, error)) == SQLITE_ROW)
    {
      json_builder_begin_object (b);
      for (int i = 0; i < (int)G_N_ELEMENTS (names); i++)
        {
          json_builder_set_member_name (b, names[i]);
          if (sqlite3_column_type (stmt, i) == SQLITE_NULL)
            json_builder_add_null_value (b);
          else if (sqlite3_column_type (stmt, i) == SQLITE_INTEGER)
            json_builder_add_int_value (b, sqlite3_column_int64 (stmt, i));
          else
            json_builder_add_string_value (b, (const char *)sqlite3_column_text (stmt, i));
        }
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  if (rc == 0)
    {
      g_prefix_error (error, "cannot list the archive jobs in ledger %s: ", ledger->path);
      return NULL;
    }
  return json_builder_get_root (b);
}
