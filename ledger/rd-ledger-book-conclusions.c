/* rd-ledger-book-conclusions.c: the notice of conclusions of a session and its directives,
 * their follow-up notes, and what is overdue. See rd-ledger-book.h. */
#include "ledger/rd-ledger-book-private.h"
#include "ledger/rd-ledger-error.h"

/* Days within which a petition (kiến nghị) must be processed. */
#define PETITION_DAYS 45

static const char *const conclusion_fields[] = { "text", "assignee", "due", "registration_id",
                                                 NULL };
static const char *const followup_fields[] = { "progress", "outcome", NULL };

gint64
rd_ledger_conclusion_add (RdLedger *ledger, const char *session_id, JsonObject *fields,
                          const char *actor, GError **error)
{
  g_autofree char *text = NULL, *assignee = NULL, *due = NULL, *now = NULL, *state = NULL;
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autoptr (JsonNode) detail = rd_book_detail_new ();
  gint64 registration_id = 0, id;

  g_return_val_if_fail (ledger != NULL, 0);
  g_return_val_if_fail (session_id != NULL, 0);
  g_return_val_if_fail (actor != NULL, 0);

  if (!rd_book_check_known (fields, conclusion_fields, &local_error) ||
      !rd_book_get_text (fields, "text", TRUE, &text, &local_error) ||
      !rd_book_get_text (fields, "assignee", TRUE, &assignee, &local_error) ||
      !rd_book_get_date (fields, "due", TRUE, &due, &local_error) ||
      !rd_book_get_int (fields, "registration_id", FALSE, 1, G_MAXINT64, &registration_id,
                        &local_error))
    goto fail_early;
  now = rd_ledger_now (ledger, NULL);
  if (!rd_ledger_begin (ledger, FALSE, &local_error))
    goto fail_early;
  state = rd_ledger_session_state (ledger, session_id, &local_error);
  if (state == NULL)
    goto fail;
  if (g_str_equal (state, RD_SESSION_STATE_SCHEDULED))
    {
      g_set_error_literal (&local_error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_STATE,
                           "the session is scheduled, not held yet");
      goto fail;
    }
  if (!rd_book_check_not_cancelled (ledger, session_id, &local_error))
    goto fail;
  if (registration_id > 0 && !rd_book_registration_exists (ledger, registration_id, &local_error))
    goto fail;
  stmt = rd_ledger_prepare (ledger, &local_error,
                            "INSERT INTO conclusions (session_id, registration_id, text, assignee, "
                            "due_date, created_at, created_by, status) "
                            "VALUES (?1, ?7, ?2, ?3, ?4, ?5, ?6, 'open')",
                            6, session_id, text, assignee, due, now, actor);
  if (stmt == NULL ||
      (registration_id > 0 &&
       !rd_ledger_bind_int64 (ledger, stmt, 7, registration_id, &local_error)) ||
      rd_ledger_step (ledger, stmt, &local_error) == 0)
    goto fail;
  g_clear_pointer (&stmt, sqlite3_finalize);
  id = sqlite3_last_insert_rowid (ledger->db);
  json_object_set_int_member (json_node_get_object (detail), "conclusion_id", id);
  json_object_set_string_member (json_node_get_object (detail), "assignee", assignee);
  json_object_set_string_member (json_node_get_object (detail), "due", due);
  if (registration_id > 0)
    json_object_set_int_member (json_node_get_object (detail), "registration_id", registration_id);
  if (rd_ledger_insert_event (ledger, now, session_id, actor, "conclusion-added", detail,
                              &local_error) == 0 ||
      !rd_ledger_commit (ledger, FALSE, &local_error))
    goto fail;
  return id;

fail:
  g_clear_pointer (&stmt, sqlite3_finalize);
  rd_ledger_rollback (ledger, FALSE);
fail_early:
  g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                              "cannot add a conclusion to session \"%s\": ", session_id);
  return 0;
}

gboolean
rd_ledger_followup_update (RdLedger *ledger, gint64 id, JsonObject *fields, const char *actor,
                           GError **error)
{
  g_autofree char *progress = NULL, *outcome = NULL, *now = NULL, *session_id = NULL;
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autoptr (JsonNode) detail = rd_book_detail_new ();
  int rc;

  g_return_val_if_fail (ledger != NULL, FALSE);
  g_return_val_if_fail (actor != NULL, FALSE);

  if (!rd_book_check_known (fields, followup_fields, &local_error) ||
      !rd_book_get_text (fields, "progress", TRUE, &progress, &local_error) ||
      !rd_book_get_text (fields, "outcome", FALSE, &outcome, &local_error))
    goto fail_early;
  now = rd_ledger_now (ledger, NULL);
  if (!rd_ledger_begin (ledger, FALSE, &local_error))
    goto fail_early;
  stmt = rd_ledger_prepare (ledger, &local_error,
                            "SELECT status, session_id FROM conclusions WHERE id = ?1", 0);
  if (stmt == NULL || !rd_ledger_bind_int64 (ledger, stmt, 1, id, &local_error) ||
      (rc = rd_ledger_step (ledger, stmt, &local_error)) == 0)
    goto fail;
  if (rc == SQLITE_DONE)
    {
      g_set_error (&local_error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_NOT_FOUND,
                   "no conclusion %" G_GINT64_FORMAT, id);
      goto fail;
    }
  if (g_str_equal ((const char *)sqlite3_column_text (stmt, 0), "done"))
    {
      g_set_error_literal (&local_error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_STATE,
                           "it is already done");
      goto fail;
    }
  session_id = g_strdup ((const char *)sqlite3_column_text (stmt, 1));
  g_clear_pointer (&stmt, sqlite3_finalize);
  stmt = rd_ledger_prepare (ledger, &local_error,
                            "INSERT INTO followups (conclusion_id, at, actor, progress, outcome) "
                            "VALUES (?5, ?1, ?2, ?3, ?4)",
                            4, now, actor, progress, outcome);
  if (stmt == NULL || !rd_ledger_bind_int64 (ledger, stmt, 5, id, &local_error) ||
      rd_ledger_step (ledger, stmt, &local_error) == 0)
    goto fail;
  g_clear_pointer (&stmt, sqlite3_finalize);
  if (outcome)
    {
      stmt = rd_ledger_prepare (ledger, &local_error,
                                "UPDATE conclusions SET status = 'done', outcome = ?1, "
                                "done_at = ?2 WHERE id = ?3",
                                2, outcome, now);
      if (stmt == NULL || !rd_ledger_bind_int64 (ledger, stmt, 3, id, &local_error) ||
          rd_ledger_step (ledger, stmt, &local_error) == 0)
        goto fail;
      g_clear_pointer (&stmt, sqlite3_finalize);
    }
  json_object_set_int_member (json_node_get_object (detail), "conclusion_id", id);
  json_object_set_boolean_member (json_node_get_object (detail), "done", outcome != NULL);
  if (rd_ledger_insert_event (ledger, now, session_id, actor, "followup-updated", detail,
                              &local_error) == 0 ||
      !rd_ledger_commit (ledger, FALSE, &local_error))
    goto fail;
  return TRUE;

fail:
  g_clear_pointer (&stmt, sqlite3_finalize);
  rd_ledger_rollback (ledger, FALSE);
fail_early:
  g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                              "cannot update the follow-up of conclusion %" G_GINT64_FORMAT ": ",
                              id);
  return FALSE;
}

JsonNode *
rd_ledger_conclusion_list (RdLedger *ledger, const char *session_id, GError **error)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (GError) local_error = NULL;
  int rc;

  g_return_val_if_fail (ledger != NULL, NULL);

  if (!rd_ledger_exec (ledger, "BEGIN", &local_error))
    goto fail;
  stmt = rd_ledger_prepare (ledger, &local_error,
                            "SELECT id, session_id, registration_id, text, assignee, due_date, "
                            "created_at, created_by, status, outcome, done_at FROM conclusions "
                            "WHERE ?1 IS NULL OR session_id = ?1 ORDER BY id",
                            1, session_id);
  if (stmt == NULL)
    goto done;
  json_builder_begin_array (b);
  while ((rc = rd_ledger_step (ledger, stmt, &local_error)) == SQLITE_ROW)
    {
      g_autoptr (sqlite3_stmt) notes = rd_ledger_prepare (
          ledger, &local_error,
          "SELECT at, actor, progress, outcome FROM followups WHERE conclusion_id = ?1 "
          "ORDER BY id",
          0);

      json_builder_begin_object (b);
      rd_book_add_columns (b, stmt);
      json_builder_set_member_name (b, "followups");
      if (notes == NULL ||
          !rd_ledger_bind_int64 (ledger, notes, 1, sqlite3_column_int64 (stmt, 0), &local_error) ||
          !rd_book_add_rows (ledger, b, notes, &local_error))
        goto done;
      json_builder_end_object (b);
    }
  json_builder_end_array (b);

done:
  g_clear_pointer (&stmt, sqlite3_finalize);
  rd_ledger_rollback (ledger, FALSE);
  if (local_error == NULL)
    return json_builder_get_root (b);
fail:
  g_propagate_prefixed_error (error, g_steal_pointer (&local_error), "cannot list conclusions: ");
  return NULL;
}

JsonNode *
rd_ledger_followup_overdue (RdLedger *ledger, const char *today, GError **error)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (sqlite3_stmt) late = NULL;
  g_autoptr (sqlite3_stmt) petitions = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree char *day = NULL;

  g_return_val_if_fail (ledger != NULL, NULL);

  if (today && !rd_book_check_date (today, "as-of date", &local_error))
    goto fail;
  day = today ? g_strdup (today) : rd_book_today (ledger);
  if (!rd_ledger_exec (ledger, "BEGIN", &local_error))
    goto fail;
  late = rd_ledger_prepare (ledger, &local_error,
                            "SELECT id, session_id, registration_id, text, assignee, due_date, "
                            "CAST (julianday (?1) - julianday (due_date) AS INTEGER) AS days_late "
                            "FROM conclusions WHERE status = 'open' AND due_date < ?1 "
                            "ORDER BY due_date, id",
                            1, day);
  /* A petition's age counts from the local day it was registered. */
  petitions = rd_ledger_prepare (
      ledger, &local_error,
      "SELECT id, created_at, summary, "
      "CAST (julianday (?1) - julianday (date (created_at, 'localtime')) AS INTEGER) "
      "AS days_open FROM registrations g "
      "WHERE classification = 'kien-nghi' "
      "AND julianday (?1) - julianday (date (created_at, 'localtime')) > " G_STRINGIFY (
          PETITION_DAYS) " AND NOT EXISTS (SELECT 1 FROM receptions r WHERE r.registration_id = "
                         "g.id AND r.handling IN ('guided', 'transferred', 'refused')) "
                         "AND NOT EXISTS (SELECT 1 FROM conclusions c WHERE c.registration_id = "
                         "g.id AND c.status = 'done') ORDER BY created_at, id",
      1, day);
  if (late == NULL || petitions == NULL)
    goto done;
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "today");
  json_builder_add_string_value (b, day);
  json_builder_set_member_name (b, "conclusions");
  if (!rd_book_add_rows (ledger, b, late, &local_error))
    goto done;
  json_builder_set_member_name (b, "petitions");
  if (!rd_book_add_rows (ledger, b, petitions, &local_error))
    goto done;
  json_builder_end_object (b);

done:
  g_clear_pointer (&late, sqlite3_finalize);
  g_clear_pointer (&petitions, sqlite3_finalize);
  rd_ledger_rollback (ledger, FALSE);
  if (local_error == NULL)
    return json_builder_get_root (b);
fail:
  g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                              "cannot list what is overdue: ");
  return NULL;
}
