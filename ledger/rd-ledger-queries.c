/* rd-ledger-queries.c: reading the ledger: live sessions, and the JSON views of sessions for
 * receptionctl. See rd-ledger.h for the contract. */
#include "ledger/rd-ledger-private.h"
#include "ledger/rd-ledger-error.h"

/* The summary columns, named as they appear in JSON. */
#define SUMMARY_COLUMNS                                                                            \
  "s.id AS id, s.title AS title, s.state AS state, s.created_at AS created_at, "                   \
  "s.started_at AS started_at, s.ended_at AS ended_at, s.end_reason AS end_reason, "               \
  "s.scheduled_for AS scheduled_for"

/* Columns whose text is JSON, returned parsed. */
static gboolean
is_json_column (const char *name)
{
  return g_strcmp0 (name, "detail") == 0 || g_strcmp0 (name, "tracks") == 0;
}

static void
add_json_text (JsonBuilder *builder, const char *text)
{
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  g_autoptr (GError) error = NULL;

  if (json_parser_load_from_data (parser, text, -1, &error) && json_parser_get_root (parser))
    json_builder_add_value (builder, json_node_copy (json_parser_get_root (parser)));
  else
    {
      /* The schema only accepts valid JSON; show what is there rather than hide it. */
      g_debug ("ledger: stored JSON does not parse (%s); returning it as a string",
               error ? error->message : "empty");
      json_builder_add_string_value (builder, text);
    }
}

/* Adds column @i of the current row as the member named by the column, SQL NULL as JSON null. */
static void
add_column (JsonBuilder *builder, sqlite3_stmt *stmt, int i)
{
  const char *name = sqlite3_column_name (stmt, i);

  json_builder_set_member_name (builder, name);
  switch (sqlite3_column_type (stmt, i))
    {
    case SQLITE_INTEGER:
      json_builder_add_int_value (builder, sqlite3_column_int64 (stmt, i));
      break;
    case SQLITE_FLOAT:
      json_builder_add_double_value (builder, sqlite3_column_double (stmt, i));
      break;
    case SQLITE_TEXT:
      if (is_json_column (name))
        add_json_text (builder, (const char *)sqlite3_column_text (stmt, i));
      else
        json_builder_add_string_value (builder, (const char *)sqlite3_column_text (stmt, i));
      break;
    case SQLITE_BLOB:
      {
        g_autofree char *base64 =
            g_base64_encode (sqlite3_column_blob (stmt, i), sqlite3_column_bytes (stmt, i));
        json_builder_add_string_value (builder, base64);
      }
      break;
    case SQLITE_NULL:
    default:
      json_builder_add_null_value (builder);
      break;
    }
}

/* Adds the current row's columns [@first, end) as members of the open object. */
static void
add_columns (JsonBuilder *builder, sqlite3_stmt *stmt, int first)
{
  for (int i = first; i < sqlite3_column_count (stmt); i++)
    add_column (builder, stmt, i);
}

/* Adds an array with one object per row of @stmt. */
static gboolean
add_rows_array (RdLedger *self, JsonBuilder *builder, sqlite3_stmt *stmt, GError **error)
{
  int rc;

  json_builder_begin_array (builder);
  while ((rc = rd_ledger_step (self, stmt, error)) == SQLITE_ROW)
    {
      json_builder_begin_object (builder);
      add_columns (builder, stmt, 0);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  return rc == SQLITE_DONE;
}

/* Adds member @name: an array with one object per row of @stmt. */
static gboolean
add_rows (RdLedger *self, JsonBuilder *builder, const char *name, sqlite3_stmt *stmt,
          GError **error)
{
  json_builder_set_member_name (builder, name);
  return add_rows_array (self, builder, stmt, error);
}

/* A session's invites, as rd_ledger_invite_list() shows them: never the token's hash. */
static sqlite3_stmt *
prepare_invites (RdLedger *self, const char *session_id, GError **error)
{
  return rd_ledger_prepare (
      self, error,
      "SELECT id AS id, role AS role, name AS name, created_at AS created_at, "
      "expires_at AS expires_at, revoked_at AS revoked_at "
      "FROM invites WHERE session_id = ?1 ORDER BY id",
      1, session_id);
}

GPtrArray *
rd_ledger_live_sessions (RdLedger *ledger, GError **error)
{
  g_autoptr (GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (sqlite3_stmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (ledger != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  stmt = rd_ledger_prepare (ledger, error,
                            "SELECT id FROM sessions WHERE state = 'live' "
                            "ORDER BY created_at, rowid",
                            0);
  if (stmt == NULL)
    rc = 0;
  else
    while ((rc = rd_ledger_step (ledger, stmt, error)) == SQLITE_ROW)
      g_ptr_array_add (ids, g_strdup ((const char *)sqlite3_column_text (stmt, 0)));
  if (rc == 0)
    {
      g_prefix_error (error, "cannot list live sessions in ledger %s: ", ledger->path);
      return NULL;
    }
  return g_steal_pointer (&ids);
}

JsonNode *
rd_ledger_session_list (RdLedger *ledger, GError **error)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (sqlite3_stmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (ledger != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  stmt = rd_ledger_prepare (ledger, error,
                            "SELECT " SUMMARY_COLUMNS ", "
                            "(SELECT count(*) FROM participants p WHERE p.session_id = s.id) "
                            "AS participants "
                            "FROM sessions s ORDER BY s.created_at DESC, s.rowid DESC",
                            0);
  if (stmt == NULL)
    goto fail;
  json_builder_begin_array (builder);
  while ((rc = rd_ledger_step (ledger, stmt, error)) == SQLITE_ROW)
    {
      json_builder_begin_object (builder);
      add_columns (builder, stmt, 0);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  if (rc == 0)
    goto fail;
  return json_builder_get_root (builder);

fail:
  g_prefix_error (error, "cannot list sessions in ledger %s: ", ledger->path);
  return NULL;
}

static gboolean
show_session (RdLedger *self, JsonBuilder *builder, const char *id, GError **error)
{
  g_autoptr (sqlite3_stmt) session = NULL;
  g_autoptr (sqlite3_stmt) participants = NULL;
  g_autoptr (sqlite3_stmt) invites = NULL;
  g_autoptr (sqlite3_stmt) recordings = NULL;
  g_autoptr (sqlite3_stmt) events = NULL;
  int rc;

  session = rd_ledger_prepare (self, error,
                               "SELECT " SUMMARY_COLUMNS " FROM sessions s WHERE s.id = ?1", 1, id);
  if (session == NULL || (rc = rd_ledger_step (self, session, error)) == 0)
    return FALSE;
  if (rc == SQLITE_DONE)
    {
      g_set_error_literal (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_NOT_FOUND, "no such session");
      return FALSE;
    }
  participants = rd_ledger_prepare (
      self, error,
      "SELECT id AS id, peer_id AS peer_id, invite_id AS invite_id, role AS role, name AS name, "
      "remote_address AS remote_address, dtls_fingerprint AS dtls_fingerprint, "
      "joined_at AS joined_at, left_at AS left_at, leave_reason AS leave_reason "
      "FROM participants WHERE session_id = ?1 ORDER BY id",
      1, id);
  if (participants == NULL)
    return FALSE;
  invites = prepare_invites (self, id, error);
  if (invites == NULL)
    return FALSE;
  recordings = rd_ledger_prepare (
      self, error,
      "SELECT id AS id, segment AS segment, path AS path, sha256 AS sha256, "
      "size_bytes AS size_bytes, duration_ns AS duration_ns, tracks AS tracks, state AS state, "
      "created_at AS created_at, sealed_at AS sealed_at "
      "FROM recordings WHERE session_id = ?1 ORDER BY segment, id",
      1, id);
  if (recordings == NULL)
    return FALSE;
  events = rd_ledger_prepare (self, error,
                              "SELECT id AS id, at AS at, actor AS actor, kind AS kind, "
                              "detail AS detail FROM events WHERE session_id = ?1 ORDER BY id",
                              1, id);
  if (events == NULL)
    return FALSE;

  json_builder_begin_object (builder);
  add_columns (builder, session, 0);
  if (!add_rows (self, builder, "participants", participants, error) ||
      !add_rows (self, builder, "invites", invites, error) ||
      !add_rows (self, builder, "recordings", recordings, error) ||
      !add_rows (self, builder, "events", events, error))
    return FALSE;
  json_builder_end_object (builder);
  return TRUE;
}

JsonNode *
rd_ledger_session_show (RdLedger *ledger, const char *id, GError **error)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (GError) local_error = NULL;

  g_return_val_if_fail (ledger != NULL, NULL);
  g_return_val_if_fail (id != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* One read transaction, so the session, its parties and its events are one snapshot. */
  if (!rd_ledger_exec (ledger, "BEGIN", &local_error))
    goto fail;
  if (!show_session (ledger, builder, id, &local_error))
    {
      rd_ledger_rollback (ledger, FALSE);
      goto fail;
    }
  rd_ledger_rollback (ledger, FALSE); /* nothing was written; ends the read transaction */
  return json_builder_get_root (builder);

fail:
  g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                              "cannot show session \"%s\" in ledger %s: ", id, ledger->path);
  return NULL;
}

JsonNode *
rd_ledger_invite_list (RdLedger *ledger, const char *session_id, GError **error)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (GError) local_error = NULL;
  g_autoptr (sqlite3_stmt) session = NULL;
  g_autoptr (sqlite3_stmt) invites = NULL;
  gboolean ok = FALSE;
  int rc;

  g_return_val_if_fail (ledger != NULL, NULL);
  g_return_val_if_fail (session_id != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* One read transaction: the session's existence and its invites are one snapshot. */
  if (!rd_ledger_exec (ledger, "BEGIN", &local_error))
    goto fail;
  session = rd_ledger_prepare (ledger, &local_error, "SELECT 1 FROM sessions WHERE id = ?1", 1,
                               session_id);
  if (session == NULL || (rc = rd_ledger_step (ledger, session, &local_error)) == 0)
    goto done;
  if (rc == SQLITE_DONE)
    {
      g_set_error_literal (&local_error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_NOT_FOUND,
                           "no such session");
      goto done;
    }
  invites = prepare_invites (ledger, session_id, &local_error);
  ok = invites != NULL && add_rows_array (ledger, builder, invites, &local_error);

done:
  g_clear_pointer (&session, sqlite3_finalize);
  g_clear_pointer (&invites, sqlite3_finalize);
  rd_ledger_rollback (ledger, FALSE); /* nothing was written; ends the read transaction */
  if (ok)
    return json_builder_get_root (builder);
fail:
  g_propagate_prefixed_error (
      error, g_steal_pointer (&local_error),
      "cannot list the invites of session \"%s\" in ledger %s: ", session_id, ledger->path);
  return NULL;
}
