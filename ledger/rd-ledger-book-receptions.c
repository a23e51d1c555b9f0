/* rd-ledger-book-receptions.c: reception records, one per matter received: what the citizen
 * said, how it was handled, the officer, the citizen's confirmation, and the session with its
 * recordings. Records never change. See rd-ledger-book.h. */
#include "ledger/rd-ledger-book-private.h"
#include "ledger/rd-ledger-error.h"

static const char *const reception_fields[] = {
  "registration_id",   "session_id",  "reception_date", "content", "handling",     "handling_body",
  "document_number",   "legal_basis", "refusal_reason", "officer", "confirmation", "notes",
  "presiding_officer", NULL,
};

static const char *const handlings[] = { "competent", "guided", "transferred", "refused", NULL };
static const char *const confirmations[] = { "signature", "fingerprint", "verbal", "declined",
                                             NULL };

static gboolean
get_choice (JsonObject *fields, const char *name, const char *const *choices, char **out,
            GError **error)
{
  g_autofree char *joined = NULL;

  if (!rd_book_get_text (fields, name, TRUE, out, error))
    return FALSE;
  if (g_strv_contains (choices, *out))
    return TRUE;
  joined = g_strjoinv (", ", (char **)choices);
  g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID,
               "field \"%s\": \"%s\" is not one of %s", name, *out, joined);
  g_clear_pointer (out, g_free);
  return FALSE;
}

static gboolean
require_for (const char *value, const char *name, const char *handling, GError **error)
{
  if (value != NULL)
    return TRUE;
  g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID,
               "field \"%s\" is required when handling is %s", name, handling);
  return FALSE;
}

/* Inside the transaction: the session exists and was held; its start's local date in @date. */
static gboolean
check_session (RdLedger *self, const char *id, char **date, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = rd_ledger_prepare (
      self, error, "SELECT state, started_at FROM sessions WHERE id = ?1", 1, id);
  int rc;

  if (stmt == NULL || (rc = rd_ledger_step (self, stmt, error)) == 0)
    return FALSE;
  if (rc == SQLITE_DONE)
    {
      g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_NOT_FOUND, "no session \"%s\"", id);
      return FALSE;
    }
  if (g_str_equal ((const char *)sqlite3_column_text (stmt, 0), RD_SESSION_STATE_SCHEDULED))
    {
      g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_STATE,
                   "session \"%s\" is scheduled, not held yet", id);
      return FALSE;
    }
  if (!rd_book_check_not_cancelled (self, id, error))
    return FALSE;
  *date = rd_book_local_date ((const char *)sqlite3_column_text (stmt, 1));
  return TRUE;
}

gint64
rd_ledger_reception_add (RdLedger *ledger, JsonObject *fields, const char *actor, GError **error)
{
  g_autofree char *session_id = NULL, *date = NULL, *content = NULL, *handling = NULL;
  g_autofree char *body = NULL, *document = NULL, *basis = NULL, *reason = NULL;
  g_autofree char *officer = NULL, *confirmation = NULL, *notes = NULL, *presiding = NULL;
  g_autofree char *session_date = NULL;
  g_autofree char *now = NULL;
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autoptr (JsonNode) detail = rd_book_detail_new ();
  gint64 registration_id = 0, id;

  g_return_val_if_fail (ledger != NULL, 0);
  g_return_val_if_fail (actor != NULL, 0);

  if (!rd_book_check_known (fields, reception_fields, &local_error) ||
      !rd_book_get_int (fields, "registration_id", TRUE, 1, G_MAXINT64, &registration_id,
                        &local_error) ||
      !rd_book_get_text (fields, "session_id", FALSE, &session_id, &local_error) ||
      !rd_book_get_date (fields, "reception_date", FALSE, &date, &local_error) ||
      !rd_book_get_text (fields, "content", TRUE, &content, &local_error) ||
      !get_choice (fields, "handling", handlings, &handling, &local_error) ||
      !rd_book_get_text (fields, "handling_body", FALSE, &body, &local_error) ||
      !rd_book_get_text (fields, "document_number", FALSE, &document, &local_error) ||
      !rd_book_get_text (fields, "legal_basis", FALSE, &basis, &local_error) ||
      !rd_book_get_text (fields, "refusal_reason", FALSE, &reason, &local_error) ||
      !rd_book_get_text (fields, "officer", TRUE, &officer, &local_error) ||
      !get_choice (fields, "confirmation", confirmations, &confirmation, &local_error) ||
      !rd_book_get_text (fields, "notes", FALSE, &notes, &local_error) ||
      !rd_book_get_text (fields, "presiding_officer", FALSE, &presiding, &local_error))
    goto fail_early;
  if ((g_str_equal (handling, "guided") || g_str_equal (handling, "transferred")) &&
      (!require_for (body, "handling_body", handling, &local_error) ||
       !require_for (document, "document_number", handling, &local_error)))
    goto fail_early;
  if (g_str_equal (handling, "refused") &&
      (!require_for (basis, "legal_basis", handling, &local_error) ||
       !require_for (reason, "refusal_reason", handling, &local_error)))
    goto fail_early;

  now = rd_ledger_now (ledger, NULL);
  if (!rd_ledger_begin (ledger, FALSE, &local_error))
    goto fail_early;
  if (!rd_book_registration_exists (ledger, registration_id, &local_error))
    goto fail;
  if (session_id && !check_session (ledger, session_id, &session_date, &local_error))
    goto fail;
  if (date == NULL)
    date = session_date ? g_steal_pointer (&session_date) : rd_book_today (ledger);
  if (session_id)
    {
      stmt = rd_ledger_prepare (ledger, &local_error,
                                "INSERT OR IGNORE INTO session_registrations "
                                "(session_id, registration_id, created_at) VALUES (?1, ?2, ?3)",
                                3, session_id, NULL, now);
      if (stmt == NULL || !rd_ledger_bind_int64 (ledger, stmt, 2, registration_id, &local_error) ||
          rd_ledger_step (ledger, stmt, &local_error) == 0)
        goto fail;
      g_clear_pointer (&stmt, sqlite3_finalize);
    }
  /* The record is made on the registration as it stands now (its revision, which the history
   * keeps for good); without its own presiding officer, the session's is taken. */
  stmt = rd_ledger_prepare (
      ledger, &local_error,
      ledger->schema_version >= RD_BOOK_ROWS_SCHEMA_VERSION
          ? "INSERT INTO receptions (registration_id, session_id, reception_date, content, "
            "handling, handling_body, document_number, legal_basis, refusal_reason, officer, "
            "confirmation, notes, created_at, created_by, registration_revision, "
            "presiding_officer) "
            "VALUES (?14, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, "
            "(SELECT revision FROM registrations WHERE id = ?14), "
            "coalesce (?15, (SELECT name FROM session_presiding WHERE session_id = ?1)))"
          : "INSERT INTO receptions (registration_id, session_id, reception_date, content, "
            "handling, handling_body, document_number, legal_basis, refusal_reason, officer, "
            "confirmation, notes, created_at, created_by) "
            "VALUES (?14, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
      13, session_id, date, content, handling, body, document, basis, reason, officer, confirmation,
      notes, now, actor);
  if (stmt != NULL && sqlite3_bind_parameter_count (stmt) >= 15 &&
      sqlite3_bind_text (stmt, 15, presiding, -1, SQLITE_TRANSIENT) != SQLITE_OK)
    {
      rd_ledger_set_db_error (&local_error, ledger->db, SQLITE_ERROR, RD_LEDGER_ERROR_IO, "bind");
      goto fail;
    }
  if (stmt == NULL || !rd_ledger_bind_int64 (ledger, stmt, 14, registration_id, &local_error) ||
      rd_ledger_step (ledger, stmt, &local_error) == 0)
    goto fail;
  g_clear_pointer (&stmt, sqlite3_finalize);
  id = sqlite3_last_insert_rowid (ledger->db);
  json_object_set_int_member (json_node_get_object (detail), "reception_id", id);
  json_object_set_int_member (json_node_get_object (detail), "registration_id", registration_id);
  json_object_set_string_member (json_node_get_object (detail), "handling", handling);
  json_object_set_string_member (json_node_get_object (detail), "reception_date", date);
  if (rd_ledger_insert_event (ledger, now, session_id, actor, "reception-recorded", detail,
                              &local_error) == 0 ||
      !rd_ledger_commit (ledger, FALSE, &local_error))
    goto fail;
  return id;

fail:
  g_clear_pointer (&stmt, sqlite3_finalize);
  rd_ledger_rollback (ledger, FALSE);
fail_early:
  g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                              "cannot record the reception: ");
  return 0;
}

#define RECEPTION_COLUMNS                                                                          \
  "r.id AS id, r.registration_id AS registration_id, r.session_id AS session_id, "                 \
  "r.reception_date AS reception_date, g.classification AS classification, "                       \
  "r.content AS content, r.handling AS handling, r.handling_body AS handling_body, "               \
  "r.document_number AS document_number, r.legal_basis AS legal_basis, "                           \
  "r.refusal_reason AS refusal_reason, r.officer AS officer, r.confirmation AS confirmation, "     \
  "r.notes AS notes, r.created_at AS created_at, r.created_by AS created_by, "                     \
  "r.registration_revision AS registration_revision, "                                             \
  "r.presiding_officer AS presiding_officer "                                                      \
  "FROM receptions r JOIN registrations g ON g.id = r.registration_id "

JsonNode *
rd_ledger_reception_show (RdLedger *ledger, gint64 id, GError **error)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (sqlite3_stmt) recordings = NULL;
  g_autoptr (GError) local_error = NULL;
  int rc;

  g_return_val_if_fail (ledger != NULL, NULL);

  if (!rd_ledger_exec (ledger, "BEGIN", &local_error))
    goto fail;
  stmt = rd_ledger_prepare (ledger, &local_error, "SELECT " RECEPTION_COLUMNS "WHERE r.id = ?1", 0);
  if (stmt == NULL || !rd_ledger_bind_int64 (ledger, stmt, 1, id, &local_error) ||
      (rc = rd_ledger_step (ledger, stmt, &local_error)) == 0)
    goto done;
  if (rc == SQLITE_DONE)
    {
      g_set_error (&local_error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_NOT_FOUND,
                   "no reception record %" G_GINT64_FORMAT, id);
      goto done;
    }
  recordings = rd_ledger_prepare (ledger, &local_error,
                                  "SELECT segment, path, sha256, state FROM recordings "
                                  "WHERE session_id = ?1 AND ?1 IS NOT NULL ORDER BY segment, id",
                                  1, (const char *)sqlite3_column_text (stmt, 2));
  if (recordings == NULL)
    goto done;
  json_builder_begin_object (b);
  rd_book_add_columns (b, stmt);
  json_builder_set_member_name (b, "classification_vi");
  json_builder_add_string_value (
      b, rd_book_classification_vi ((const char *)sqlite3_column_text (stmt, 4)));
  json_builder_set_member_name (b, "recordings");
  if (!rd_book_add_rows (ledger, b, recordings, &local_error))
    goto done;
  json_builder_end_object (b);

done:
  g_clear_pointer (&stmt, sqlite3_finalize);
  g_clear_pointer (&recordings, sqlite3_finalize);
  rd_ledger_rollback (ledger, FALSE);
  if (local_error == NULL)
    return json_builder_get_root (b);
fail:
  g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                              "cannot show reception record %" G_GINT64_FORMAT ": ", id);
  return NULL;
}

JsonNode *
rd_ledger_reception_list (RdLedger *ledger, const char *from, const char *to, GError **error)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (GError) local_error = NULL;

  g_return_val_if_fail (ledger != NULL, NULL);

  if ((from && !rd_book_check_date (from, "from", &local_error)) ||
      (to && !rd_book_check_date (to, "to", &local_error)))
    goto fail;
  stmt =
      rd_ledger_prepare (ledger, &local_error,
                         "SELECT " RECEPTION_COLUMNS "WHERE (?1 IS NULL OR r.reception_date >= ?1) "
                         "AND (?2 IS NULL OR r.reception_date <= ?2) "
                         "ORDER BY r.reception_date, r.id",
                         2, from, to);
  if (stmt == NULL || !rd_book_add_rows (ledger, b, stmt, &local_error))
    goto fail;
  return json_builder_get_root (b);

fail:
  g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                              "cannot list reception records: ");
  return NULL;
}
