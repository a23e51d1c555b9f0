/* rd-ledger-archive-hold.c: the archive's retention and legal hold, as events of the session.
 * See rd-ledger-archive.h for the contract. */
#include "ledger/rd-ledger-archive.h"
#include "ledger/rd-ledger-private.h"
#include "ledger/rd-ledger-error.h"

#include <string.h>

/* The latest hold event of the session: 1 held, 0 not, -1 error. */
static int
held (RdLedger *self, const char *session_id, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = rd_ledger_prepare (
      self, error,
      "SELECT kind FROM events WHERE session_id = ?1 AND kind IN ('archive-hold', "
      "'archive-release') ORDER BY id DESC LIMIT 1",
      1, session_id);
  int rc;

  if (!stmt || (rc = rd_ledger_step (self, stmt, error)) == 0)
    return -1;
  return rc == SQLITE_ROW &&
         g_str_equal ((const char *)sqlite3_column_text (stmt, 0), "archive-hold");
}

gboolean
rd_ledger_archive_is_held (RdLedger *ledger, const char *session_id)
{
  return held (ledger, session_id, NULL) == 1;
}

gboolean
rd_ledger_archive_local_is_deleted (RdLedger *ledger, const char *session_id)
{
  g_autoptr (sqlite3_stmt) stmt = rd_ledger_prepare (
      ledger, NULL,
      "SELECT 1 FROM events WHERE session_id = ?1 AND kind = 'local-files-deleted' LIMIT 1", 1,
      session_id);

  return stmt && rd_ledger_step (ledger, stmt, NULL) == SQLITE_ROW;
}

gboolean
rd_ledger_archive_set_hold (RdLedger *ledger, const char *session_id, gboolean hold,
                            const char *reason, const char *actor, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autofree char *at = rd_ledger_now (ledger, NULL);
  g_autofree char *state = NULL;
  g_autoptr (JsonNode) detail = json_node_new (JSON_NODE_OBJECT);
  g_autoptr (JsonObject) o = json_object_new ();
  g_autofree char *stripped = g_strstrip (g_strdup (reason ? reason : ""));
  int now_held;

  if (!*stripped)
    {
      g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID,
                   "a %s needs a reason, for the record", hold ? "hold" : "release");
      return FALSE;
    }
  if (!rd_ledger_begin (ledger, FALSE, &local))
    goto fail;
  if (!(state = rd_ledger_session_state (ledger, session_id, &local)) ||
      (now_held = held (ledger, session_id, &local)) < 0)
    goto rollback;
  if (now_held == hold)
    {
      g_set_error (&local, RD_LEDGER_ERROR, RD_LEDGER_ERROR_STATE, "it is %s already",
                   hold ? "held" : "not held");
      goto rollback;
    }
  json_object_set_string_member (o, "reason", stripped);
  json_node_set_object (detail, o);
  if (!rd_ledger_insert_event (ledger, at, session_id, actor,
                               hold ? "archive-hold" : "archive-release", detail, &local) ||
      !rd_ledger_commit (ledger, FALSE, &local))
    goto rollback;
  return TRUE;

rollback:
  rd_ledger_rollback (ledger, FALSE);
fail:
  g_propagate_prefixed_error (error, g_steal_pointer (&local),
                              "cannot %s session %s: ", hold ? "hold" : "release", session_id);
  return FALSE;
}

GPtrArray *
rd_ledger_archive_retention_due (RdLedger *ledger, const char *archived_before, GError **error)
{
  g_autoptr (GPtrArray) jobs =
      g_ptr_array_new_with_free_func ((GDestroyNotify)rd_ledger_archive_job_free);
  g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr (sqlite3_stmt) stmt = rd_ledger_prepare (
      ledger, error,
      "SELECT j.id FROM archive_jobs j WHERE j.state = 'archived' AND j.archived_at <= ?1 "
      "AND NOT EXISTS (SELECT 1 FROM events e WHERE e.session_id = j.session_id "
      "  AND e.kind = 'local-files-deleted') "
      "AND coalesce ((SELECT e.kind FROM events e WHERE e.session_id = j.session_id "
      "  AND e.kind IN ('archive-hold', 'archive-release') ORDER BY e.id DESC LIMIT 1), '') "
      "  != 'archive-hold' "
      "ORDER BY j.archived_at, j.id",
      1, archived_before);
  int rc;

  if (!stmt)
    return NULL;
  while ((rc = rd_ledger_step (ledger, stmt, error)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);
      g_array_append_val (ids, id);
    }
  if (rc == 0)
    return NULL;
  for (guint i = 0; i < ids->len; i++)
    {
      RdLedgerArchiveJob *job =
          rd_ledger_archive_job_get (ledger, NULL, g_array_index (ids, gint64, i), error);
      if (!job)
        return NULL;
      g_ptr_array_add (jobs, job);
    }
  return g_steal_pointer (&jobs);
}

gboolean
rd_ledger_archive_local_deleted (RdLedger *ledger, gint64 job_id, JsonArray *files, gint64 bytes,
                                 guint keep_local_days, GError **error)
{
  g_autoptr (RdLedgerArchiveJob) job = rd_ledger_archive_job_get (ledger, NULL, job_id, error);
  g_autofree char *at = rd_ledger_now (ledger, NULL);
  g_autoptr (JsonNode) detail = json_node_new (JSON_NODE_OBJECT);
  g_autoptr (JsonObject) o = json_object_new ();

  if (!job)
    return FALSE;
  json_object_set_int_member (o, "job", job_id);
  json_object_set_array_member (o, "files", json_array_ref (files));
  json_object_set_int_member (o, "bytes", bytes);
  json_object_set_int_member (o, "keep_local_days", keep_local_days);
  json_node_set_object (detail, o);
  if (!rd_ledger_begin (ledger, FALSE, error))
    return FALSE;
  if (!rd_ledger_insert_event (ledger, at, job->session_id, "receptiond", "local-files-deleted",
                               detail, error) ||
      !rd_ledger_commit (ledger, FALSE, error))
    {
      rd_ledger_rollback (ledger, FALSE);
      g_prefix_error (error,
                      "cannot record the deletion of session %s's local files: ", job->session_id);
      return FALSE;
    }
  return TRUE;
}
