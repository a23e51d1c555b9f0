/* rd-ledger-book-rows.c: the rows of the book (Mẫu số 03/TCD): each reception with the
 * registration at the revision it was made on, STT through the year, the columns as the form
 * means them. See rd-ledger-book.h for what a row holds. */
#include "ledger/rd-ledger-book-private.h"
#include "ledger/rd-ledger-error.h"

#include <string.h>

static void
row_free (RdBookRow *row)
{
  for (int i = 0; i < RD_BOOK_N_COLUMNS; i++)
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
identity_cells (RdLedger *self, sqlite3_stmt *stmt, RdBookRow *row, gboolean reveal,
                GArray *revealed_ids, GError **error)
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
notes_cell (RdLedger *self, sqlite3_stmt *stmt, RdBookRow *row, GError **error)
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

GPtrArray *
rd_book_read_rows (RdLedger *self, const char *from, const char *to, gboolean reveal,
                   GArray *revealed_ids, GError **error)
{
  g_autoptr (GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify)row_free);
  g_autoptr (sqlite3_stmt) stmt = rd_ledger_prepare (self, error, ROWS_SQL, 2, from, to);
  int rc;

  if (stmt == NULL)
    return NULL;
  while ((rc = rd_ledger_step (self, stmt, error)) == SQLITE_ROW)
    {
      RdBookRow *row = g_new0 (RdBookRow, 1);
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
