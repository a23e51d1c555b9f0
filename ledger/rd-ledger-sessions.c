/* rd-ledger-sessions.c: writing sessions and events: starting and ending sessions, reconciling
 * after a crash, appending events. See rd-ledger.h for the contract. */
#include "ledger/rd-ledger-private.h"
#include "ledger/rd-ledger-error.h"

/* How many fresh ids rd_ledger_session_start() tries before giving up (16.7 million per day). */
#define ID_ATTEMPTS 16

gint64
rd_ledger_insert_event (RdLedger *self, const char *at, const char *session_id, const char *actor,
                        const char *kind, JsonNode *detail, GError **error)
{
  g_autofree char *detail_text = detail != NULL ? json_to_string (detail, FALSE) : NULL;
  g_autoptr (sqlite3_stmt) stmt = NULL;

  stmt = rd_ledger_prepare (self, error,
                            "INSERT INTO events (at, session_id, actor, kind, detail) "
                            "VALUES (?1, ?2, ?3, ?4, ?5)",
                            5, at, session_id, actor, kind, detail_text);
  if (stmt == NULL || rd_ledger_step (self, stmt, error) == 0)
    return 0;
  return sqlite3_last_insert_rowid (self->db);
}

/* {"reason": @reason} (null when @reason is NULL). */
static JsonNode *
reason_detail (const char *reason)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "reason");
  if (reason != NULL)
    json_builder_add_string_value (builder, reason);
  else
    json_builder_add_null_value (builder);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

char *
rd_ledger_session_state (RdLedger *self, const char *id, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  int rc;

  stmt = rd_ledger_prepare (self, error, "SELECT state FROM sessions WHERE id = ?1", 1, id);
  if (stmt == NULL || (rc = rd_ledger_step (self, stmt, error)) == 0)
    return NULL;
  if (rc == SQLITE_DONE)
    {
      g_set_error_literal (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_NOT_FOUND, "no such session");
      return NULL;
    }
  return g_strdup ((const char *)sqlite3_column_text (stmt, 0));
}

gboolean
rd_ledger_state_is_sealed (const char *state)
{
  return g_strcmp0 (state, RD_SESSION_STATE_ENDED) == 0 ||
         g_strcmp0 (state, RD_SESSION_STATE_INTERRUPTED) == 0;
}

gboolean
rd_ledger_session_is_open (RdLedger *self, const char *id, GError **error)
{
  g_autofree char *state = rd_ledger_session_state (self, id, error);

  if (state == NULL)
    return FALSE;
  if (rd_ledger_state_is_sealed (state))
    {
      g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_STATE, "the session is %s", state);
      return FALSE;
    }
  return TRUE;
}

/* Seals live session @id as @state (ended or interrupted) with an event, inside the caller's
 * transaction. Its participants still in leave first, with @party_reason. */
static gboolean
seal_session (RdLedger *self, const char *id, const char *state, const char *at, const char *actor,
              const char *kind, const char *reason, const char *party_reason, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (JsonNode) detail = reason_detail (reason);

  if (!rd_ledger_participants_close_open (self, id, at, actor, party_reason, error))
    return FALSE;
  stmt = rd_ledger_prepare (self, error,
                            "UPDATE sessions SET state = ?2, ended_at = ?3, end_reason = ?4 "
                            "WHERE id = ?1 AND state = 'live'",
                            4, id, state, at, reason);
  if (stmt == NULL || rd_ledger_step (self, stmt, error) == 0)
    return FALSE;
  if (sqlite3_changes (self->db) != 1)
    {
      g_set_error_literal (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_STATE, "it is no longer live");
      return FALSE;
    }
  return rd_ledger_insert_event (self, at, id, actor, kind, detail, error) != 0;
}

GPtrArray *
rd_ledger_reconcile_crashed (RdLedger *ledger, const char *reason, GError **error)
{
  g_autoptr (GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autofree char *now = NULL;
  int rc;

  g_return_val_if_fail (ledger != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  now = rd_ledger_now (ledger, NULL);

  if (!rd_ledger_begin (ledger, TRUE, error))
    goto fail;
  stmt = rd_ledger_prepare (ledger, error,
                            "SELECT id FROM sessions WHERE state = 'live' "
                            "ORDER BY created_at, rowid",
                            0);
  if (stmt == NULL)
    goto fail;
  while ((rc = rd_ledger_step (ledger, stmt, error)) == SQLITE_ROW)
    g_ptr_array_add (ids, g_strdup ((const char *)sqlite3_column_text (stmt, 0)));
  if (rc == 0)
    goto fail;
  g_clear_pointer (&stmt, sqlite3_finalize);

  for (guint i = 0; i < ids->len; i++)
    {
      const char *id = g_ptr_array_index (ids, i);

      if (!seal_session (ledger, id, RD_SESSION_STATE_INTERRUPTED, now, "receptiond",
                         "session-interrupted", reason, "interrupted", error))
        {
          g_prefix_error (error, "cannot mark session \"%s\" interrupted: ", id);
          goto fail;
        }
      g_debug ("ledger %s: session %s was live, now interrupted", ledger->path, id);
    }
  if (ids->len > 0)
    {
      g_autofree char *reason_text =
          g_strdup_printf ("%u session%s interrupted", ids->len, ids->len == 1 ? "" : "s");

      if (!rd_ledger_chain_checkpoint_in_transaction (ledger, now, reason_text, error))
        goto fail;
    }
  if (!rd_ledger_commit (ledger, TRUE, error))
    goto fail;
  return g_steal_pointer (&ids);

fail:
  g_clear_pointer (&stmt, sqlite3_finalize);
  rd_ledger_rollback (ledger, TRUE);
  g_prefix_error (error, "cannot reconcile crashed sessions in ledger %s: ", ledger->path);
  return NULL;
}

char *
rd_ledger_session_start (RdLedger *ledger, const char *title, const char *actor, GError **error)
{
  g_autoptr (GDateTime) now = NULL;
  g_autofree char *at = NULL;
  g_autofree char *date = NULL;
  g_autofree char *id = NULL;
  g_autoptr (JsonNode) detail = NULL;

  g_return_val_if_fail (ledger != NULL, NULL);
  g_return_val_if_fail (actor != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  at = rd_ledger_now (ledger, &now);
  date = g_date_time_format (now, "%Y%m%d");

  if (!rd_ledger_begin (ledger, FALSE, error))
    goto fail;
  for (int attempt = 0; attempt < ID_ATTEMPTS && id == NULL; attempt++)
    {
      g_autofree char *candidate =
          g_strdup_printf ("%s-%06x", date, (guint)g_random_int_range (0, 0x1000000));
      g_autoptr (sqlite3_stmt) stmt = NULL;
      int rc;

      stmt = rd_ledger_prepare (ledger, error,
                                "INSERT INTO sessions (id, title, state, created_at, started_at) "
                                "VALUES (?1, ?2, 'live', ?3, ?3)",
                                3, candidate, title, at);
      if (stmt == NULL)
        goto fail;
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_DONE)
        id = g_steal_pointer (&candidate);
      else if (rc == SQLITE_CONSTRAINT_PRIMARYKEY)
        g_debug ("ledger %s: session id %s is taken, trying another", ledger->path, candidate);
      else
        {
          rd_ledger_set_db_error (error, ledger->db, rc, RD_LEDGER_ERROR_IO,
                                  "cannot insert session \"%s\"", candidate);
          goto fail;
        }
    }
  if (id == NULL)
    {
      g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_IO,
                   "no free session id for %s after %d attempts", date, ID_ATTEMPTS);
      goto fail;
    }

  detail = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (detail, json_object_new ());
  if (title != NULL)
    json_object_set_string_member (json_node_get_object (detail), "title", title);
  else
    json_object_set_null_member (json_node_get_object (detail), "title");
  if (rd_ledger_insert_event (ledger, at, id, actor, "session-started", detail, error) == 0 ||
      !rd_ledger_commit (ledger, FALSE, error))
    goto fail;
  return g_steal_pointer (&id);

fail:
  rd_ledger_rollback (ledger, FALSE);
  g_prefix_error (error, "cannot start a session in ledger %s: ", ledger->path);
  return NULL;
}

gboolean
rd_ledger_session_end (RdLedger *ledger, const char *id, const char *actor, const char *reason,
                       GError **error)
{
  g_autofree char *now = NULL;
  g_autofree char *state = NULL;
  g_autofree char *checkpoint_reason = NULL;
  g_autoptr (GError) local_error = NULL;

  g_return_val_if_fail (ledger != NULL, FALSE);
  g_return_val_if_fail (id != NULL, FALSE);
  g_return_val_if_fail (actor != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  now = rd_ledger_now (ledger, NULL);

  if (!rd_ledger_begin (ledger, TRUE, &local_error))
    goto fail;
  state = rd_ledger_session_state (ledger, id, &local_error);
  if (state == NULL)
    goto fail;
  if (g_strcmp0 (state, RD_SESSION_STATE_LIVE) != 0)
    {
      g_set_error (&local_error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_STATE, "it is %s, not live",
                   state);
      goto fail;
    }
  checkpoint_reason = g_strdup_printf ("session %s ended", id);
  if (!seal_session (ledger, id, RD_SESSION_STATE_ENDED, now, actor, "session-ended", reason,
                     "session ended", &local_error) ||
      !rd_ledger_chain_checkpoint_in_transaction (ledger, now, checkpoint_reason, &local_error) ||
      !rd_ledger_commit (ledger, TRUE, &local_error))
    goto fail;
  g_debug ("ledger %s: session %s ended by %s", ledger->path, id, actor);
  return TRUE;

fail:
  rd_ledger_rollback (ledger, TRUE);
  g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                              "cannot end session \"%s\" in ledger %s: ", id, ledger->path);
  return FALSE;
}

gint64
rd_ledger_add_event (RdLedger *ledger, const char *session_id, const char *actor, const char *kind,
                     JsonNode *detail, GError **error)
{
  g_autofree char *now = NULL;
  g_autofree char *state = NULL;
  gint64 event_id;

  g_return_val_if_fail (ledger != NULL, 0);
  g_return_val_if_fail (actor != NULL, 0);
  g_return_val_if_fail (kind != NULL, 0);
  g_return_val_if_fail (detail == NULL || JSON_NODE_HOLDS_OBJECT (detail), 0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0);

  now = rd_ledger_now (ledger, NULL);

  if (!rd_ledger_begin (ledger, FALSE, error))
    goto fail;
  /* Any state: a recording may be sealed, or a party leave, after the session ended. */
  if (session_id != NULL && (state = rd_ledger_session_state (ledger, session_id, error)) == NULL)
    goto fail;
  event_id = rd_ledger_insert_event (ledger, now, session_id, actor, kind, detail, error);
  if (event_id == 0 || !rd_ledger_commit (ledger, FALSE, error))
    goto fail;
  return event_id;

fail:
  rd_ledger_rollback (ledger, FALSE);
  g_prefix_error (error, "cannot add event \"%s\" (session %s) to ledger %s: ", kind,
                  session_id ? session_id : "none", ledger->path);
  return 0;
}
