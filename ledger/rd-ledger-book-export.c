/* rd-ledger-book-export.c: the book (Mẫu số 03/TCD) as CSV or JSON, and the monthly report.
 * See rd-ledger-book.h. */
#include "ledger/rd-ledger-book-private.h"
#include "ledger/rd-ledger-error.h"

#include <string.h>

#define N_COLUMNS 13

static const char *const columns[N_COLUMNS + 1] = {
  "STT",
  "Ngày tiếp",
  "Họ tên, địa chỉ",
  "CCCD/CMND/Hộ chiếu",
  "Nội dung vụ việc",
  "Loại đơn",
  "Số người cùng nội dung",
  "Cơ quan đã giải quyết",
  "Thuộc thẩm quyền",
  "Hướng dẫn công dân",
  "Cơ quan thụ lý",
  "Theo dõi kết quả giải quyết",
  "Ghi chú",
  NULL,
};

const char *const *
rd_ledger_book_columns (void)
{
  return columns;
}

/* One book row: its 13 cells. */
typedef struct
{
  char *cells[N_COLUMNS];
} Row;

static void
row_free (Row *row)
{
  for (int i = 0; i < N_COLUMNS; i++)
    g_free (row->cells[i]);
  g_free (row);
}

static const char *
col (sqlite3_stmt *stmt, int i)
{
  const char *text = (const char *)sqlite3_column_text (stmt, i);
  return text ? text : "";
}

/* "dd/mm/yyyy" of "yyyy-mm-dd". */
static char *
book_date (const char *date)
{
  if (strlen (date) != 10)
    return g_strdup (date);
  return g_strdup_printf ("%.2s/%.2s/%.4s", date + 8, date + 5, date);
}

/* Appends @part to @s, separated by "; ". */
static void
append_part (GString *s, const char *part)
{
  if (part == NULL || *part == '\0')
    return;
  if (s->len)
    g_string_append (s, "; ");
  g_string_append (s, part);
}

/* Column 12: the conclusions about the registration and where they stand. */
static gboolean
followup_cell (RdLedger *self, gint64 registration_id, char **out, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt =
      rd_ledger_prepare (self, error,
                         "SELECT id, assignee, due_date, status, outcome, text FROM conclusions "
                         "WHERE registration_id = ?1 ORDER BY id",
                         0);
  GString *s = g_string_new (NULL);
  int rc;

  if (stmt == NULL || !rd_ledger_bind_int64 (self, stmt, 1, registration_id, error))
    {
      g_string_free (s, TRUE);
      return FALSE;
    }
  while ((rc = rd_ledger_step (self, stmt, error)) == SQLITE_ROW)
    {
      g_autofree char *due = book_date (col (stmt, 2));
      g_autofree char *part = NULL;

      if (g_str_equal (col (stmt, 3), "done"))
        part = g_strdup_printf ("Kết luận %s: %s (giao %s, hạn %s), đã giải quyết: %s",
                                col (stmt, 0), col (stmt, 5), col (stmt, 1), due, col (stmt, 4));
      else
        part = g_strdup_printf ("Kết luận %s: %s (giao %s, hạn %s), đang giải quyết", col (stmt, 0),
                                col (stmt, 5), col (stmt, 1), due);
      append_part (s, part);
    }
  *out = g_string_free (s, FALSE);
  if (rc == 0)
    g_clear_pointer (out, g_free);
  return rc == SQLITE_DONE;
}

#define ROWS_SQL                                                                                   \
  "SELECT r.reception_date, g.id, g.revision, g.protected, g.name, g.address, g.id_document, "     \
  "g.contact, g.identity_sealed, g.summary, g.classification, g.people_count, g.prior_body, "      \
  "r.handling, r.handling_body, r.document_number, r.legal_basis, r.refusal_reason, r.notes "      \
  "FROM receptions r JOIN registrations g ON g.id = r.registration_id "                            \
  "WHERE r.reception_date >= ?1 AND r.reception_date <= ?2 ORDER BY r.reception_date, r.id"

/* Reads the rows; opens protected identities when @reveal (their registrations go to
 * @revealed_ids). */
static GPtrArray *
read_rows (RdLedger *self, const char *from, const char *to, gboolean reveal, GArray *revealed_ids,
           GError **error)
{
  g_autoptr (GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify)row_free);
  g_autoptr (sqlite3_stmt) stmt = rd_ledger_prepare (self, error, ROWS_SQL, 2, from, to);
  int rc;

  if (stmt == NULL)
    return NULL;
  while ((rc = rd_ledger_step (self, stmt, error)) == SQLITE_ROW)
    {
      Row *row = g_new0 (Row, 1);
      gint64 registration_id = sqlite3_column_int64 (stmt, 1);
      gboolean protect = sqlite3_column_int (stmt, 3);
      const char *handling = col (stmt, 13);
      GString *notes = g_string_new (NULL);

      g_ptr_array_add (rows, row);
      row->cells[0] = g_strdup_printf ("%u", rows->len);
      row->cells[1] = book_date (col (stmt, 0));
      if (protect && !reveal)
        {
          row->cells[2] = g_strdup (RD_LEDGER_BOOK_REDACTED);
          row->cells[3] = g_strdup (RD_LEDGER_BOOK_REDACTED);
        }
      else
        {
          g_autoptr (JsonObject) identity =
              rd_book_identity (self, registration_id, sqlite3_column_int64 (stmt, 2),
                                (const char *)sqlite3_column_text (stmt, 4),
                                (const char *)sqlite3_column_text (stmt, 5),
                                (const char *)sqlite3_column_text (stmt, 6),
                                (const char *)sqlite3_column_text (stmt, 7),
                                (const char *)sqlite3_column_text (stmt, 8), error);
          const char *name, *address, *document;

          if (identity == NULL)
            {
              g_string_free (notes, TRUE);
              return NULL;
            }
          name = json_object_get_string_member_with_default (identity, "name", NULL);
          address = json_object_get_string_member_with_default (identity, "address", NULL);
          document = json_object_get_string_member_with_default (identity, "id_document", NULL);
          row->cells[2] = g_strdup_printf ("%s%s%s", name ? name : "", address ? ", " : "",
                                           address ? address : "");
          row->cells[3] = g_strdup (document ? document : "");
          if (protect)
            g_array_append_val (revealed_ids, registration_id);
        }
      row->cells[4] = g_strdup (col (stmt, 9));
      row->cells[5] = g_strdup (rd_book_classification_vi (col (stmt, 10)));
      row->cells[6] = g_strdup (col (stmt, 11));
      row->cells[7] = g_strdup (col (stmt, 12));
      row->cells[8] = g_strdup (g_str_equal (handling, "competent") ? "Có" : "Không");
      row->cells[9] =
          g_str_equal (handling, "guided")
              ? g_strdup_printf ("%s; văn bản hướng dẫn số %s", col (stmt, 14), col (stmt, 15))
              : g_strdup ("");
      row->cells[10] =
          g_str_equal (handling, "transferred")
              ? g_strdup_printf ("%s; văn bản chuyển đơn số %s", col (stmt, 14), col (stmt, 15))
              : g_strdup ("");
      if (!followup_cell (self, registration_id, &row->cells[11], error))
        {
          g_string_free (notes, TRUE);
          return NULL;
        }
      if (g_str_equal (handling, "refused"))
        g_string_append_printf (notes, "Từ chối tiếp: %s; căn cứ: %s", col (stmt, 17),
                                col (stmt, 16));
      append_part (notes, col (stmt, 18));
      row->cells[12] = g_string_free (notes, FALSE);
    }
  if (rc == 0)
    return NULL;
  return g_steal_pointer (&rows);
}

/* One CSV cell: neutralised against formula injection, quoted per RFC 4180 when needed. */
static void
append_csv_cell (GString *out, const char *cell, gboolean is_number)
{
  g_autoptr (GString) value = g_string_new (cell);

  if (!is_number && strchr ("=+-@\t\r", cell[0]) != NULL && cell[0] != '\0')
    g_string_prepend_c (value, '\'');
  if (strpbrk (value->str, ",\"\r\n") != NULL)
    {
      g_string_append_c (out, '"');
      for (const char *c = value->str; *c; c++)
        {
          if (*c == '"')
            g_string_append_c (out, '"');
          g_string_append_c (out, *c);
        }
      g_string_append_c (out, '"');
    }
  else
    g_string_append (out, value->str);
}

static char *
to_csv (GPtrArray *rows)
{
  GString *out = g_string_new ("\xEF\xBB\xBF"); /* the BOM: spreadsheets then read UTF-8 */

  for (int i = 0; i < N_COLUMNS; i++)
    {
      if (i)
        g_string_append_c (out, ',');
      append_csv_cell (out, columns[i], FALSE);
    }
  g_string_append (out, "\r\n");
  for (guint r = 0; r < rows->len; r++)
    {
      Row *row = rows->pdata[r];
      for (int i = 0; i < N_COLUMNS; i++)
        {
          if (i)
            g_string_append_c (out, ',');
          append_csv_cell (out, row->cells[i], i == 0 || i == 6);
        }
      g_string_append (out, "\r\n");
    }
  return g_string_free (out, FALSE);
}

static char *
to_json (GPtrArray *rows, const char *from, const char *to)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "form");
  json_builder_add_string_value (b, "Mẫu số 03/TCD");
  json_builder_set_member_name (b, "from");
  json_builder_add_string_value (b, from);
  json_builder_set_member_name (b, "to");
  json_builder_add_string_value (b, to);
  json_builder_set_member_name (b, "columns");
  json_builder_begin_array (b);
  for (int i = 0; i < N_COLUMNS; i++)
    json_builder_add_string_value (b, columns[i]);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "rows");
  json_builder_begin_array (b);
  for (guint r = 0; r < rows->len; r++)
    {
      Row *row = rows->pdata[r];
      json_builder_begin_object (b);
      for (int i = 0; i < N_COLUMNS; i++)
        {
          json_builder_set_member_name (b, columns[i]);
          if (i == 0 || i == 6)
            json_builder_add_int_value (b, g_ascii_strtoll (row->cells[i], NULL, 10));
          else
            json_builder_add_string_value (b, row->cells[i]);
        }
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  return json_to_string (root, TRUE);
}

char *
rd_ledger_book_export (RdLedger *ledger, const char *from, const char *to,
                       RdLedgerBookFormat format, const char *reveal_reason, gboolean for_transfer,
                       const char *actor, guint *n_rows, gboolean *revealed, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autoptr (GPtrArray) rows = NULL;
  g_autoptr (GArray) revealed_ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr (JsonNode) detail = rd_book_detail_new ();
  g_autofree char *reason = NULL;
  g_autofree char *now = NULL;
  g_autofree char *content = NULL;
  gboolean reveal = reveal_reason != NULL && !for_transfer;
  JsonObject *o = json_node_get_object (detail);

  g_return_val_if_fail (ledger != NULL, NULL);
  g_return_val_if_fail (actor != NULL, NULL);

  if (!rd_book_check_date (from, "from", &local_error) ||
      !rd_book_check_date (to, "to", &local_error))
    goto fail_early;
  /* A transfer never reveals: its reason is only kept, as given. */
  reason = reveal ? rd_book_reveal_reason (reveal_reason, &local_error)
                  : rd_book_normalize (reveal_reason);
  if (reveal && reason == NULL)
    goto fail_early;
  if (strcmp (from, to) > 0)
    {
      g_set_error (&local_error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID,
                   "from %s is later than to %s", from, to);
      goto fail_early;
    }
  now = rd_ledger_now (ledger, NULL);
  /* A write transaction: the export and its reveal are on the record with what they hold. */
  if (!rd_ledger_begin (ledger, FALSE, &local_error))
    goto fail_early;
  rows = read_rows (ledger, from, to, reveal, revealed_ids, &local_error);
  if (rows == NULL)
    goto fail;
  if (revealed_ids->len > 0)
    {
      g_autofree char *purpose = g_strdup_printf ("book export %s..%s", from, to);
      if (!rd_book_record_reveal (ledger, now, actor, reason, purpose, revealed_ids, &local_error))
        goto fail;
    }
  content = format == RD_LEDGER_BOOK_CSV ? to_csv (rows) : to_json (rows, from, to);
  json_object_set_string_member (o, "from", from);
  json_object_set_string_member (o, "to", to);
  json_object_set_string_member (o, "format", format == RD_LEDGER_BOOK_CSV ? "csv" : "json");
  json_object_set_int_member (o, "rows", rows->len);
  json_object_set_boolean_member (o, "revealed", revealed_ids->len > 0);
  json_object_set_boolean_member (o, "for_transfer", for_transfer);
  if (rd_ledger_insert_event (ledger, now, NULL, actor, "book-exported", detail, &local_error) ==
          0 ||
      !rd_ledger_commit (ledger, FALSE, &local_error))
    goto fail;
  if (n_rows)
    *n_rows = rows->len;
  if (revealed)
    *revealed = revealed_ids->len > 0;
  return g_steal_pointer (&content);

fail:
  rd_ledger_rollback (ledger, FALSE);
fail_early:
  g_propagate_prefixed_error (error, g_steal_pointer (&local_error), "cannot export the book: ");
  return NULL;
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
