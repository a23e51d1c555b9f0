/* rd-ledger-book-report.c: the monthly report of the reception book. See rd-ledger-book.h. */
#include "ledger/rd-ledger-book-private.h"
#include "ledger/rd-ledger-error.h"

#include <string.h>

static const char *
col (sqlite3_stmt *stmt, int i)
{
  const char *text = (const char *)sqlite3_column_text (stmt, i);
  return text ? text : "";
}

/* Adds member @name: {key: count} for @sql's rows (key, count), every key of @keys present. */
static gboolean
add_counts (RdLedger *self, JsonBuilder *b, const char *name, const char *const *keys,
            const char *(*label) (const char *), const char *sql, const char *from, const char *to,
            const char *today, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = rd_ledger_prepare (self, error, sql, 3, from, to, today);
  g_autoptr (GHashTable) counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  int rc;

  if (stmt == NULL)
    return FALSE;
  while ((rc = rd_ledger_step (self, stmt, error)) == SQLITE_ROW)
    g_hash_table_insert (counts, g_strdup (col (stmt, 0)),
                         GINT_TO_POINTER (sqlite3_column_int (stmt, 1)));
  if (rc == 0)
    return FALSE;
  json_builder_set_member_name (b, name);
  json_builder_begin_object (b);
  for (int i = 0; keys[i]; i++)
    {
      json_builder_set_member_name (b, label ? label (keys[i]) : keys[i]);
      json_builder_add_int_value (b, GPOINTER_TO_INT (g_hash_table_lookup (counts, keys[i])));
    }
  json_builder_end_object (b);
  return TRUE;
}

static gboolean
add_count (RdLedger *self, JsonBuilder *b, const char *name, const char *sql, const char *from,
           const char *to, const char *today, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = rd_ledger_prepare (self, error, sql, 3, from, to, today);

  if (stmt == NULL || rd_ledger_step (self, stmt, error) != SQLITE_ROW)
    return FALSE;
  json_builder_set_member_name (b, name);
  json_builder_add_int_value (b, sqlite3_column_int64 (stmt, 0));
  return TRUE;
}

/* Receptions of the month ("r") with their outcome: resolved (passed on, or a conclusion about
 * it done), overdue (an open conclusion past its due date), else pending. */
#define MONTH_RECEPTIONS                                                                           \
  "FROM receptions r JOIN registrations g ON g.id = r.registration_id "                            \
  "WHERE r.reception_date >= ?1 AND r.reception_date <= ?2"
#define OUTCOME_SQL                                                                                \
  "SELECT CASE WHEN r.handling <> 'competent' OR EXISTS (SELECT 1 FROM conclusions c "             \
  "WHERE c.registration_id = g.id AND c.status = 'done') THEN 'resolved' "                         \
  "WHEN EXISTS (SELECT 1 FROM conclusions c WHERE c.registration_id = g.id "                       \
  "AND c.status = 'open' AND c.due_date < ?3) THEN 'overdue' ELSE 'pending' END AS o, "            \
  "count (*) " MONTH_RECEPTIONS " GROUP BY o"

JsonNode *
rd_ledger_book_report (RdLedger *ledger, const char *month, GError **error)
{
  static const char *const classes[] = { "khieu-nai", "to-cao", "kien-nghi", "phan-anh", NULL };
  static const char *const handlings[] = { "competent", "guided", "transferred", "refused", NULL };
  static const char *const outcomes[] = { "resolved", "pending", "overdue", NULL };
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (GError) local_error = NULL;
  g_autofree char *first = NULL, *from = NULL, *to = NULL, *today = NULL;
  g_autoptr (GDate) last = NULL;
  gboolean ok;

  g_return_val_if_fail (ledger != NULL, NULL);

  first = g_strdup_printf ("%s-01", month ? month : "");
  if (month == NULL || strlen (month) != 7 || !rd_book_check_date (first, "month", &local_error))
    {
      g_clear_error (&local_error);
      g_set_error (&local_error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID,
                   "month \"%s\" is not a month YYYY-MM", month ? month : "");
      goto fail;
    }
  last = g_date_new_dmy (1, (GDateMonth)g_ascii_strtoull (month + 5, NULL, 10),
                         (GDateYear)g_ascii_strtoull (month, NULL, 10));
  g_date_add_months (last, 1);
  g_date_subtract_days (last, 1);
  from = g_steal_pointer (&first);
  to = g_strdup_printf ("%s-%02d", month, g_date_get_day (last));
  today = rd_book_today (ledger);

  if (!rd_ledger_exec (ledger, "BEGIN", &local_error))
    goto fail;
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "month");
  json_builder_add_string_value (b, month);
  json_builder_set_member_name (b, "from");
  json_builder_add_string_value (b, from);
  json_builder_set_member_name (b, "to");
  json_builder_add_string_value (b, to);
  ok = add_count (ledger, b, "sessions_held",
                  "SELECT count (*) FROM sessions WHERE started_at IS NOT NULL "
                  "AND date (started_at, 'localtime') BETWEEN ?1 AND ?2 AND ?3 IS NOT NULL",
                  from, to, today, &local_error) &&
       add_count (ledger, b, "registrations",
                  "SELECT count (*) FROM registrations WHERE date (created_at, 'localtime') "
                  "BETWEEN ?1 AND ?2 AND ?3 IS NOT NULL",
                  from, to, today, &local_error) &&
       add_count (ledger, b, "receptions",
                  "SELECT count (*) " MONTH_RECEPTIONS " AND ?3 IS NOT NULL", from, to, today,
                  &local_error) &&
       add_counts (ledger, b, "by_classification", classes, rd_book_classification_vi,
                   "SELECT g.classification, count (*) " MONTH_RECEPTIONS
                   " AND ?3 IS NOT NULL GROUP BY g.classification",
                   from, to, today, &local_error) &&
       add_counts (ledger, b, "by_handling", handlings, NULL,
                   "SELECT r.handling, count (*) " MONTH_RECEPTIONS
                   " AND ?3 IS NOT NULL GROUP BY r.handling",
                   from, to, today, &local_error) &&
       add_counts (ledger, b, "by_outcome", outcomes, NULL, OUTCOME_SQL, from, to, today,
                   &local_error) &&
       add_count (ledger, b, "conclusions_issued",
                  "SELECT count (*) FROM conclusions WHERE date (created_at, 'localtime') "
                  "BETWEEN ?1 AND ?2 AND ?3 IS NOT NULL",
                  from, to, today, &local_error) &&
       add_count (ledger, b, "conclusions_overdue",
                  "SELECT count (*) FROM conclusions WHERE status = 'open' AND due_date < ?3 "
                  "AND ?1 IS NOT NULL AND ?2 IS NOT NULL",
                  from, to, today, &local_error);
  rd_ledger_rollback (ledger, FALSE);
  if (!ok)
    goto fail;
  json_builder_end_object (b);
  return json_builder_get_root (b);

fail:
  g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                              "cannot make the report for %s: ", month ? month : "(none)");
  return NULL;
}
