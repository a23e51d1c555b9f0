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

/* The form's grouped headers: columns first..last (0-based) under one title. */
static const struct
{
  const char *title;
  int first, last;
} groups[] = {
  { "Công dân", 2, 3 },
  { "Vụ việc", 4, 7 },
  { "Hướng xử lý", 8, 10 },
};

/* What the export says of its STT. */
#define NUMBERING                                                                                  \
  "STT đánh liên tục trong năm dương lịch theo thứ tự ghi sổ, bắt đầu lại từ 1 mỗi năm"

/* One book row: its 13 cells, and the same facts for machines (JSON). */
typedef struct
{
  char *cells[N_COLUMNS];
  JsonObject *details;
} Row;

static void
row_free (Row *row)
{
  for (int i = 0; i < N_COLUMNS; i++)
    g_free (row->cells[i]);
  g_clear_pointer (&row->details, json_object_unref);
  g_free (row);
}

static const char *
col (sqlite3_stmt *stmt, int i)
{
  const char *text = (const char *)sqlite3_column_text (stmt, i);
  return text ? text : "";
}

static const char *
col_or_null (sqlite3_stmt *stmt, int i)
{
  return (const char *)sqlite3_column_text (stmt, i);
}

/* "dd/mm/yyyy" of "yyyy-mm-dd". */
static char *
book_date (const char *date)
{
  if (strlen (date) != 10)
    return g_strdup (date);
  return g_strdup_printf ("%.2s/%.2s/%.4s", date + 8, date + 5, date);
}

/* Appends @part to @s, separated by @sep. */
static void
append_sep (GString *s, const char *sep, const char *part)
{
  if (part == NULL || *part == '\0')
    return;
  if (s->len)
    g_string_append (s, sep);
  g_string_append (s, part);
}

static void
append_part (GString *s, const char *part)
{
  append_sep (s, "; ", part);
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

/* Each reception with the registration as it stood when the record was made: the revision the
 * record names, or for a record made before records named one, the revision in force at its
 * creation time (the earliest superseded after it, else the current one), flagged as derived.
 * STT: its place among the receptions of its calendar year, in the order they were recorded;
 * adding a record never renumbers an earlier one. */
#define ROWS_SQL                                                                                   \
  "WITH revs AS ("                                                                                 \
  " SELECT id AS registration_id, revision, classification, name, address, id_document, contact, " \
  " identity_sealed, people_count, prior_body, field, repeat_of, representatives "                 \
  " FROM registrations UNION ALL "                                                                 \
  " SELECT registration_id, revision, classification, name, address, id_document, contact, "       \
  " identity_sealed, people_count, prior_body, field, repeat_of, representatives "                 \
  " FROM registration_history), "                                                                  \
  "book AS (SELECT r.*, g.protected AS protected_now, "                                            \
  " coalesce (r.registration_revision, (SELECT min (h.revision) FROM registration_history h "      \
  "  WHERE h.registration_id = r.registration_id AND h.superseded_at > r.created_at), "            \
  "  g.revision) AS rev, "                                                                         \
  " (SELECT count (*) FROM receptions y "                                                          \
  "  WHERE y.reception_date >= substr (r.reception_date, 1, 4) || '-01-01' "                       \
  "  AND y.reception_date <= substr (r.reception_date, 1, 4) || '-12-31' AND y.id <= r.id) "       \
  "  AS stt "                                                                                      \
  " FROM receptions r JOIN registrations g ON g.id = r.registration_id "                           \
  " WHERE r.reception_date >= ?1 AND r.reception_date <= ?2) "                                     \
  "SELECT b.id, b.reception_date, b.registration_id, b.rev, b.registration_revision IS NULL, "     \
  " b.protected_now, v.name, v.address, v.id_document, v.contact, v.identity_sealed, b.content, "  \
  " v.classification, v.people_count, v.prior_body, v.field, v.repeat_of, v.representatives, "     \
  " b.handling, b.handling_body, b.document_number, b.legal_basis, b.refusal_reason, b.notes, "    \
  " b.presiding_officer, b.session_id, b.created_at, b.stt "                                       \
  "FROM book b JOIN revs v ON v.registration_id = b.registration_id AND v.revision = b.rev "       \
  "ORDER BY substr (b.reception_date, 1, 4), b.id"

enum
{
  C_ID,
  C_DATE,
  C_REGISTRATION,
  C_REVISION,
  C_DERIVED,
  C_PROTECTED,
  C_NAME,
  C_ADDRESS,
  C_DOCUMENT,
  C_CONTACT,
  C_SEALED,
  C_CONTENT,
  C_CLASSIFICATION,
  C_PEOPLE,
  C_PRIOR_BODY,
  C_FIELD,
  C_REPEAT_OF,
  C_REPRESENTATIVES,
  C_HANDLING,
  C_BODY,
  C_DOCUMENT_NUMBER,
  C_LEGAL_BASIS,
  C_REFUSAL_REASON,
  C_NOTES,
  C_PRESIDING,
  C_SESSION,
  C_CREATED_AT,
  C_STT,
};

/* Citizen columns (3, 4) and the group's representatives; NULL identity when redacted. */
static gboolean
identity_cells (RdLedger *self, sqlite3_stmt *stmt, Row *row, gboolean reveal, GArray *revealed_ids,
                GError **error)
{
  gint64 registration_id = sqlite3_column_int64 (stmt, C_REGISTRATION);
  gint64 revision = sqlite3_column_int64 (stmt, C_REVISION);
  gboolean protect = sqlite3_column_int (stmt, C_PROTECTED);
  g_autoptr (JsonArray) representatives = NULL;
  g_autoptr (GString) who = g_string_new (NULL);
  JsonArray *shown = json_array_new ();
  const char *name, *address, *document;
  g_autoptr (JsonObject) identity = NULL;

  json_object_set_array_member (row->details, "representatives", shown);
  if (protect && !reveal)
    {
      row->cells[2] = g_strdup (RD_LEDGER_BOOK_REDACTED);
      row->cells[3] = g_strdup (RD_LEDGER_BOOK_REDACTED);
      if (col_or_null (stmt, C_REPRESENTATIVES))
        json_array_add_string_element (shown, RD_LEDGER_BOOK_REDACTED);
      return TRUE;
    }
  identity = rd_book_identity (self, registration_id, revision, col_or_null (stmt, C_NAME),
                               col_or_null (stmt, C_ADDRESS), col_or_null (stmt, C_DOCUMENT),
                               col_or_null (stmt, C_CONTACT), col_or_null (stmt, C_SEALED), error);
  if (identity == NULL)
    return FALSE;
  representatives = rd_book_representatives (self, registration_id, revision,
                                             col_or_null (stmt, C_REPRESENTATIVES), error);
  if (representatives == NULL)
    return FALSE;
  name = json_object_get_string_member_with_default (identity, "name", NULL);
  address = json_object_get_string_member_with_default (identity, "address", NULL);
  document = json_object_get_string_member_with_default (identity, "id_document", NULL);
  g_string_append_printf (who, "%s%s%s", name ? name : "", address ? ", " : "",
                          address ? address : "");
  for (guint i = 0; i < json_array_get_length (representatives); i++)
    {
      const char *one = json_array_get_string_element (representatives, i);

      g_string_append (who, i == 0 ? "; đại diện đoàn: " : ", ");
      g_string_append (who, one);
      json_array_add_string_element (shown, one);
    }
  row->cells[2] = g_string_free (g_steal_pointer (&who), FALSE);
  row->cells[3] = g_strdup (document ? document : "");
  if (protect)
    g_array_append_val (revealed_ids, registration_id);
  return TRUE;
}

/* Column 13: the refusal, the notes, who presided, the bridge points, and where the row's
 * registration data come from when the record did not name its revision. */
static gboolean
notes_cell (RdLedger *self, sqlite3_stmt *stmt, Row *row, GError **error)
{
  g_autoptr (JsonObject) bridge = NULL;
  GString *notes = g_string_new (NULL);
  JsonArray *points;
  const char *presiding = col_or_null (stmt, C_PRESIDING);

  if (g_str_equal (col (stmt, C_HANDLING), "refused"))
    g_string_append_printf (notes, "Từ chối tiếp công dân. Lý do: %s. Căn cứ: %s",
                            col (stmt, C_REFUSAL_REASON), col (stmt, C_LEGAL_BASIS));
  append_part (notes, col (stmt, C_NOTES));
  bridge = rd_book_session_bridge (self, col_or_null (stmt, C_SESSION), error);
  if (bridge == NULL)
    {
      g_string_free (notes, TRUE);
      return FALSE;
    }
  if (presiding == NULL && json_object_get_member (bridge, "presiding") &&
      !json_object_get_null_member (bridge, "presiding"))
    presiding =
        json_object_get_string_member (json_object_get_object_member (bridge, "presiding"), "name");
  if (presiding)
    {
      g_autofree char *part = g_strdup_printf ("Chủ trì: %s", presiding);
      append_part (notes, part);
    }
  rd_ledger_json_set_string (row->details, "presiding_officer", presiding);
  points = json_object_get_array_member (bridge, "bridge_points");
  for (guint i = 0; i < json_array_get_length (points); i++)
    {
      JsonObject *p = json_array_get_object_element (points, i);
      JsonArray *people = json_object_get_array_member (p, "attendees");
      g_autoptr (GString) part = g_string_new (NULL);

      g_string_append_printf (part, "Điểm cầu %s: %s",
                              g_str_equal (json_object_get_string_member (p, "kind"), "central")
                                  ? "trung tâm"
                                  : "thành phần",
                              json_object_get_string_member (p, "name"));
      for (guint k = 0; k < json_array_get_length (people); k++)
        {
          JsonObject *a = json_array_get_object_element (people, k);
          const char *position = json_object_get_string_member_with_default (a, "position", NULL);

          g_string_append (part, k == 0 ? " (" : ", ");
          g_string_append (part, json_object_get_string_member (a, "name"));
          if (position)
            g_string_append_printf (part, " - %s", position);
        }
      if (json_array_get_length (people) > 0)
        g_string_append_c (part, ')');
      append_part (notes, part->str);
    }
  json_object_set_array_member (row->details, "bridge_points", json_array_ref (points));
  if (sqlite3_column_int (stmt, C_DERIVED))
    {
      g_autofree char *part = g_strdup_printf (
          "Bản ghi lập trước khi sổ lưu phiên bản hồ sơ: thông tin công dân và vụ việc theo "
          "phiên bản %" G_GINT64_FORMAT " của đơn, phiên bản có hiệu lực lúc ghi sổ",
          (gint64)sqlite3_column_int64 (stmt, C_REVISION));
      append_part (notes, part);
    }
  row->cells[12] = g_string_free (notes, FALSE);
  return TRUE;
}

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
      gint64 registration_id = sqlite3_column_int64 (stmt, C_REGISTRATION);
      gint64 repeat_of = sqlite3_column_int64 (stmt, C_REPEAT_OF);
      const char *handling = col (stmt, C_HANDLING);
      const char *field = col_or_null (stmt, C_FIELD);
      GString *content = g_string_new (col (stmt, C_CONTENT));
      JsonObject *d;

      g_ptr_array_add (rows, row);
      d = row->details = json_object_new ();
      json_object_set_int_member (d, "reception_id", sqlite3_column_int64 (stmt, C_ID));
      json_object_set_int_member (d, "registration_id", registration_id);
      json_object_set_int_member (d, "registration_revision",
                                  (gint64)sqlite3_column_int64 (stmt, C_REVISION));
      json_object_set_boolean_member (d, "revision_recorded",
                                      !sqlite3_column_int (stmt, C_DERIVED));
      rd_ledger_json_set_string (d, "handling", handling);
      rd_ledger_json_set_string (d, "field", field);
      json_object_set_int_member (d, "people_count", sqlite3_column_int64 (stmt, C_PEOPLE));
      if (repeat_of > 0)
        json_object_set_int_member (d, "repeat_of", repeat_of);
      else
        json_object_set_null_member (d, "repeat_of");
      rd_ledger_json_set_string (d, "legal_basis", col_or_null (stmt, C_LEGAL_BASIS));
      rd_ledger_json_set_string (d, "refusal_reason", col_or_null (stmt, C_REFUSAL_REASON));
      rd_ledger_json_set_string (d, "session_id", col_or_null (stmt, C_SESSION));

      row->cells[0] =
          g_strdup_printf ("%" G_GINT64_FORMAT, (gint64)sqlite3_column_int64 (stmt, C_STT));
      row->cells[1] = book_date (col (stmt, C_DATE));
      if (!identity_cells (self, stmt, row, reveal, revealed_ids, error))
        {
          g_string_free (content, TRUE);
          return NULL;
        }
      if (repeat_of > 0)
        g_string_append_printf (content, " (vụ việc cũ, đã đăng ký số %" G_GINT64_FORMAT ")",
                                repeat_of);
      row->cells[4] = g_string_free (content, FALSE);
      row->cells[5] =
          field ? g_strdup_printf ("%s; lĩnh vực: %s",
                                   rd_book_classification_vi (col (stmt, C_CLASSIFICATION)), field)
                : g_strdup (rd_book_classification_vi (col (stmt, C_CLASSIFICATION)));
      row->cells[6] = g_strdup (col (stmt, C_PEOPLE));
      row->cells[7] = g_strdup (col (stmt, C_PRIOR_BODY));
      /* A refusal decides nothing about competence: the handling columns stay empty and the
       * refusal, its reason and legal basis, are in the notes. */
      row->cells[8] = g_strdup (g_str_equal (handling, "competent") ? "Có"
                                : g_str_equal (handling, "refused") ? ""
                                                                    : "Không");
      row->cells[9] = g_str_equal (handling, "guided")
                          ? g_strdup_printf ("%s; văn bản hướng dẫn số %s", col (stmt, C_BODY),
                                             col (stmt, C_DOCUMENT_NUMBER))
                          : g_strdup ("");
      row->cells[10] = g_str_equal (handling, "transferred")
                           ? g_strdup_printf ("%s; văn bản chuyển đơn số %s", col (stmt, C_BODY),
                                              col (stmt, C_DOCUMENT_NUMBER))
                           : g_strdup ("");
      if (!followup_cell (self, registration_id, &row->cells[11], error) ||
          !notes_cell (self, stmt, row, error))
        return NULL;
    }
  if (rc == 0)
    return NULL;
  return g_steal_pointer (&rows);
}

/* One CSV cell: neutralised against formula injection, quoted per RFC 4180 when needed. */
static void
append_csv_cell (GString *out, const char *cell, gboolean is_number, char separator)
{
  g_autoptr (GString) value = g_string_new (cell);
  const char specials[] = { separator, '"', '\r', '\n', '\0' };

  if (!is_number && strchr ("=+-@\t\r", cell[0]) != NULL && cell[0] != '\0')
    g_string_prepend_c (value, '\'');
  if (strpbrk (value->str, specials) != NULL)
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

/* The header of column 1 says how the book is numbered (NUMBERING). */
static char *
to_csv (GPtrArray *rows, char separator)
{
  GString *out = g_string_new ("\xEF\xBB\xBF"); /* the BOM: spreadsheets then read UTF-8 */

  for (int i = 0; i < N_COLUMNS; i++)
    {
      if (i)
        g_string_append_c (out, separator);
      append_csv_cell (out, i == 0 ? "STT (liên tục trong năm)" : columns[i], FALSE, separator);
    }
  g_string_append (out, "\r\n");
  for (guint r = 0; r < rows->len; r++)
    {
      Row *row = rows->pdata[r];
      for (int i = 0; i < N_COLUMNS; i++)
        {
          if (i)
            g_string_append_c (out, separator);
          append_csv_cell (out, row->cells[i], i == 0 || i == 6, separator);
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
  json_builder_set_member_name (b, "title");
  json_builder_add_string_value (b, "SỔ TIẾP CÔNG DÂN");
  json_builder_set_member_name (b, "numbering");
  json_builder_add_string_value (b, NUMBERING);
  json_builder_set_member_name (b, "columns");
  json_builder_begin_array (b);
  for (int i = 0; i < N_COLUMNS; i++)
    json_builder_add_string_value (b, columns[i]);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "groups");
  json_builder_begin_array (b);
  for (gsize g = 0; g < G_N_ELEMENTS (groups); g++)
    {
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "title");
      json_builder_add_string_value (b, groups[g].title);
      json_builder_set_member_name (b, "first");
      json_builder_add_int_value (b, groups[g].first);
      json_builder_set_member_name (b, "last");
      json_builder_add_int_value (b, groups[g].last);
      json_builder_end_object (b);
    }
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
      json_builder_set_member_name (b, "details");
      json_builder_add_value (b, json_node_init_object (json_node_alloc (), row->details));
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  return json_to_string (root, TRUE);
}

static const char *const format_names[] = {
  [RD_LEDGER_BOOK_CSV] = "csv",
  [RD_LEDGER_BOOK_JSON] = "json",
  [RD_LEDGER_BOOK_CSV_SEMICOLON] = "csv;",
  [RD_LEDGER_BOOK_XLSX] = "xlsx",
};

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
  g_return_val_if_fail ((gsize)format < G_N_ELEMENTS (format_names), NULL);

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
  content = format == RD_LEDGER_BOOK_CSV             ? to_csv (rows, ',')
            : format == RD_LEDGER_BOOK_CSV_SEMICOLON ? to_csv (rows, ';')
                                                     : to_json (rows, from, to);
  json_object_set_string_member (o, "from", from);
  json_object_set_string_member (o, "to", to);
  json_object_set_string_member (o, "format", format_names[format]);
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
