/* rd-ledger-book-registration-views.c: showing registrations: one (redacted unless revealed,
 * each reveal recorded first, with its audit trail) and the list. See rd-ledger-book.h. */
#include "ledger/rd-ledger-book-private.h"

static const char *const identity_fields[] = { "name", "address", "id_document", "contact", NULL };

static const char *
col (sqlite3_stmt *stmt, int i)
{
  return (const char *)sqlite3_column_text (stmt, i);
}

/* Adds member @name: the ids (first column) of @sql's rows for registration ?1. */
static gboolean
add_linked (RdLedger *self, JsonBuilder *b, const char *name, const char *sql, gint64 id,
            GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = rd_ledger_prepare (self, error, sql, 0);

  if (stmt == NULL || !rd_ledger_bind_int64 (self, stmt, 1, id, error))
    return FALSE;
  json_builder_set_member_name (b, name);
  return rd_book_add_rows (self, b, stmt, error);
}

/* Adds member "events": the audit trail of registration @id (added, updated, scheduled,
 * received, concluded, revealed, exported with it revealed), oldest first. */
static gboolean
add_events (RdLedger *self, JsonBuilder *b, gint64 id, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = rd_ledger_prepare (
      self, error,
      "SELECT id, at, actor, kind, session_id, detail FROM events "
      "WHERE json_extract (detail, '$.registration_id') = ?1 "
      "OR EXISTS (SELECT 1 FROM json_each (detail, '$.registrations') WHERE value = ?1) "
      "ORDER BY id",
      0);
  int rc;

  if (stmt == NULL || !rd_ledger_bind_int64 (self, stmt, 1, id, error))
    return FALSE;
  json_builder_set_member_name (b, "events");
  json_builder_begin_array (b);
  while ((rc = rd_ledger_step (self, stmt, error)) == SQLITE_ROW)
    {
      g_autoptr (JsonNode) detail = json_from_string (col (stmt, 5), NULL);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "id");
      json_builder_add_int_value (b, sqlite3_column_int64 (stmt, 0));
      for (int i = 1; i <= 4; i++)
        {
          json_builder_set_member_name (b, sqlite3_column_name (stmt, i));
          if (col (stmt, i))
            json_builder_add_string_value (b, col (stmt, i));
          else
            json_builder_add_null_value (b);
        }
      json_builder_set_member_name (b, "detail");
      if (detail)
        json_builder_add_value (b, g_steal_pointer (&detail));
      else
        json_builder_add_null_value (b);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  return rc == SQLITE_DONE;
}

static gboolean
show (RdLedger *self, JsonBuilder *b, gint64 id, const char *reveal_reason, const char *actor,
      const char *now, GError **error)
{
  g_autoptr (sqlite3_stmt) row = rd_book_registration_row (self, id, error);
  g_autoptr (JsonObject) identity = NULL;
  g_autoptr (JsonNode) attachments = NULL;
  gboolean protect, reveal;

  if (row == NULL)
    return FALSE;
  protect = sqlite3_column_int (row, 8);
  reveal = protect && reveal_reason != NULL;
  if (reveal || !protect)
    {
      identity =
          rd_book_identity (self, id, sqlite3_column_int64 (row, 1), col (row, 9), col (row, 10),
                            col (row, 11), col (row, 12), col (row, 13), error);
      if (identity == NULL)
        return FALSE;
    }
  if (reveal)
    {
      g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
      g_array_append_val (ids, id);
      if (!rd_book_record_reveal (self, now, actor, reveal_reason, "registration show", ids, error))
        return FALSE;
    }

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "id");
  json_builder_add_int_value (b, id);
  json_builder_set_member_name (b, "revision");
  json_builder_add_int_value (b, sqlite3_column_int64 (row, 1));
  for (int i = 2; i <= 5; i++)
    {
      json_builder_set_member_name (b, sqlite3_column_name (row, i));
      json_builder_add_string_value (b, col (row, i));
    }
  json_builder_set_member_name (b, "classification");
  json_builder_add_string_value (b, col (row, 6));
  json_builder_set_member_name (b, "classification_vi");
  json_builder_add_string_value (b, rd_book_classification_vi (col (row, 6)));
  json_builder_set_member_name (b, "protection_requested");
  json_builder_add_boolean_value (b, sqlite3_column_int (row, 7));
  json_builder_set_member_name (b, "protected");
  json_builder_add_boolean_value (b, protect);
  json_builder_set_member_name (b, "revealed");
  json_builder_add_boolean_value (b, reveal);
  for (int i = 0; identity_fields[i]; i++)
    {
      const char *value =
          identity ? json_object_get_string_member_with_default (identity, identity_fields[i], NULL)
                   : RD_LEDGER_BOOK_REDACTED;
      json_builder_set_member_name (b, identity_fields[i]);
      if (value)
        json_builder_add_string_value (b, value);
      else
        json_builder_add_null_value (b);
    }
  json_builder_set_member_name (b, "summary");
  json_builder_add_string_value (b, col (row, 14));
  json_builder_set_member_name (b, "people_count");
  json_builder_add_int_value (b, sqlite3_column_int64 (row, 15));
  json_builder_set_member_name (b, "prior_body");
  if (col (row, 16))
    json_builder_add_string_value (b, col (row, 16));
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "field");
  if (col (row, 18))
    json_builder_add_string_value (b, col (row, 18));
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "repeat_of");
  if (sqlite3_column_int64 (row, 19) > 0)
    json_builder_add_int_value (b, sqlite3_column_int64 (row, 19));
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "representatives");
  if (reveal || !protect)
    {
      JsonArray *names =
          rd_book_representatives (self, id, sqlite3_column_int64 (row, 1), col (row, 20), error);
      if (names == NULL)
        return FALSE;
      json_builder_add_value (b, json_node_init_array (json_node_alloc (), names));
      json_array_unref (names);
    }
  else if (col (row, 20))
    {
      json_builder_begin_array (b);
      json_builder_add_string_value (b, RD_LEDGER_BOOK_REDACTED);
      json_builder_end_array (b);
    }
  else
    {
      json_builder_begin_array (b);
      json_builder_end_array (b);
    }
  attachments = json_from_string (col (row, 17), NULL);
  json_builder_set_member_name (b, "attachments");
  json_builder_add_value (b, attachments ? g_steal_pointer (&attachments)
                                         : json_node_init_array (json_node_alloc (), NULL));
  if (!add_linked (self, b, "sessions",
                   "SELECT s.id AS id, s.state AS state, s.scheduled_for AS scheduled_for "
                   "FROM session_registrations r JOIN sessions s ON s.id = r.session_id "
                   "WHERE r.registration_id = ?1 ORDER BY s.scheduled_for, s.id",
                   id, error) ||
      !add_linked (self, b, "receptions",
                   "SELECT id, reception_date, handling, session_id FROM receptions "
                   "WHERE registration_id = ?1 ORDER BY id",
                   id, error) ||
      !add_linked (self, b, "history",
                   "SELECT revision, updated_at, updated_by, superseded_at "
                   "FROM registration_history WHERE registration_id = ?1 ORDER BY revision",
                   id, error) ||
      !add_events (self, b, id, error))
    return FALSE;
  json_builder_end_object (b);
  return TRUE;
}

JsonNode *
rd_ledger_registration_show (RdLedger *ledger, gint64 id, const char *reveal_reason,
                             const char *actor, GError **error)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (GError) local_error = NULL;
  g_autofree char *reason = NULL;
  g_autofree char *now = NULL;

  g_return_val_if_fail (ledger != NULL, NULL);
  g_return_val_if_fail (actor != NULL, NULL);

  reason = rd_book_reveal_reason (reveal_reason, &local_error);
  if (reveal_reason != NULL && reason == NULL)
    goto fail;

  now = rd_ledger_now (ledger, NULL);
  /* A write transaction: the reveal is on the record before anything is shown. */
  if (!rd_ledger_begin (ledger, FALSE, &local_error))
    goto fail;
  if (!show (ledger, b, id, reason, actor, now, &local_error) ||
      !rd_ledger_commit (ledger, FALSE, &local_error))
    {
      rd_ledger_rollback (ledger, FALSE);
      goto fail;
    }
  return json_builder_get_root (b);

fail:
  g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                              "cannot show registration %" G_GINT64_FORMAT ": ", id);
  return NULL;
}

JsonNode *
rd_ledger_registration_list (RdLedger *ledger, GError **error)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (sqlite3_stmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (ledger != NULL, NULL);

  stmt = rd_ledger_prepare (ledger, error,
                            "SELECT id, created_at, classification, protected, "
                            "CASE WHEN protected THEN ?1 ELSE name END, summary, people_count "
                            "FROM registrations ORDER BY id DESC",
                            1, RD_LEDGER_BOOK_REDACTED);
  if (stmt == NULL)
    goto fail;
  json_builder_begin_array (b);
  while ((rc = rd_ledger_step (ledger, stmt, error)) == SQLITE_ROW)
    {
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "id");
      json_builder_add_int_value (b, sqlite3_column_int64 (stmt, 0));
      json_builder_set_member_name (b, "created_at");
      json_builder_add_string_value (b, col (stmt, 1));
      json_builder_set_member_name (b, "classification");
      json_builder_add_string_value (b, col (stmt, 2));
      json_builder_set_member_name (b, "classification_vi");
      json_builder_add_string_value (b, rd_book_classification_vi (col (stmt, 2)));
      json_builder_set_member_name (b, "protected");
      json_builder_add_boolean_value (b, sqlite3_column_int (stmt, 3));
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, col (stmt, 4));
      json_builder_set_member_name (b, "summary");
      json_builder_add_string_value (b, col (stmt, 5));
      json_builder_set_member_name (b, "people_count");
      json_builder_add_int_value (b, sqlite3_column_int64 (stmt, 6));
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  if (rc == 0)
    goto fail;
  return json_builder_get_root (b);

fail:
  g_prefix_error (error, "cannot list registrations in ledger %s: ", ledger->path);
  return NULL;
}
