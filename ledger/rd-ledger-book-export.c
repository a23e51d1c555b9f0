/* rd-ledger-book-export.c: the book (Mẫu số 03/TCD) as CSV or JSON, its rows read by
 * rd-ledger-book-rows.c. See rd-ledger-book.h. */
#include "ledger/rd-ledger-book-private.h"
#include "ledger/rd-ledger-error.h"

#include <string.h>

#define N_COLUMNS RD_BOOK_N_COLUMNS

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
      RdBookRow *row = rows->pdata[r];
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
      RdBookRow *row = rows->pdata[r];
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
  [RD_LEDGER_BOOK_CSV_SEMICOLON] = "csv-semicolon",
  [RD_LEDGER_BOOK_XLSX] = "xlsx",
  [RD_LEDGER_BOOK_PDF] = "pdf",
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
  rows = rd_book_read_rows (ledger, from, to, reveal, revealed_ids, &local_error);
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
