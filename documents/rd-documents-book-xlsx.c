/* rd-documents-book-xlsx.c: see rd-documents-book-xlsx.h. Written with libxlsxwriter, which writes
 * only to a file name (rd-documents-file.h). */
#include "documents/rd-documents-book-xlsx.h"

#include <string.h>
#include <xlsxwriter.h>

#include "documents/rd-documents-file.h"
#include "documents/rd-documents-xlsx-private.h"

/* Rows of the sheet (0-based). */
enum
{
  ROW_TITLE,
  ROW_FORM,
  ROW_NUMBERING,
  ROW_GROUP,
  ROW_HEADER,
  ROW_NUMBERS,
  ROW_FIRST_DATA,
};

/* Widths (characters) of the form's 13 columns. */
static const double widths[] = { 6, 11, 28, 16, 40, 16, 9, 20, 11, 26, 26, 36, 40 };

typedef struct
{
  lxw_format *title, *subtitle, *note, *header, *number_row, *text, *number;
} Formats;

static lxw_format *
cell_format (lxw_workbook *wb, gboolean bold, gboolean centered)
{
  lxw_format *f = workbook_add_format (wb);

  format_set_border (f, LXW_BORDER_THIN);
  format_set_text_wrap (f);
  format_set_align (f, LXW_ALIGN_VERTICAL_TOP);
  if (centered)
    {
      format_set_align (f, LXW_ALIGN_CENTER);
      format_set_align (f, LXW_ALIGN_VERTICAL_CENTER);
    }
  if (bold)
    format_set_bold (f);
  return f;
}

static void
make_formats (lxw_workbook *wb, Formats *f)
{
  f->title = workbook_add_format (wb);
  format_set_bold (f->title);
  format_set_font_size (f->title, 14);
  format_set_align (f->title, LXW_ALIGN_CENTER);
  f->subtitle = workbook_add_format (wb);
  format_set_align (f->subtitle, LXW_ALIGN_CENTER);
  f->note = workbook_add_format (wb);
  format_set_italic (f->note);
  format_set_align (f->note, LXW_ALIGN_CENTER);
  f->header = cell_format (wb, TRUE, TRUE);
  f->number_row = cell_format (wb, FALSE, TRUE);
  format_set_italic (f->number_row);
  f->text = cell_format (wb, FALSE, FALSE);
  f->number = cell_format (wb, FALSE, FALSE);
  format_set_align (f->number, LXW_ALIGN_CENTER);
}

/* "dd/mm/yyyy" of "yyyy-mm-dd". */
static char *
day (const char *date)
{
  if (date == NULL || strlen (date) != 10)
    return g_strdup (date ? date : "");
  return g_strdup_printf ("%.2s/%.2s/%.4s", date + 8, date + 5, date);
}

/* The group of column @c, or -1. */
static int
group_of (JsonArray *groups, guint c)
{
  for (guint g = 0; g < json_array_get_length (groups); g++)
    {
      JsonObject *o = json_array_get_object_element (groups, g);
      if ((gint64)c >= json_object_get_int_member (o, "first") &&
          (gint64)c <= json_object_get_int_member (o, "last"))
        return (int)g;
    }
  return -1;
}

static lxw_error
write_headers (lxw_worksheet *ws, JsonArray *columns, JsonArray *groups, const Formats *f)
{
  guint n = json_array_get_length (columns);
  lxw_error rc = LXW_NO_ERROR;

  for (guint g = 0; rc == LXW_NO_ERROR && g < json_array_get_length (groups); g++)
    {
      JsonObject *o = json_array_get_object_element (groups, g);
      rc = worksheet_merge_range (ws, ROW_GROUP, (lxw_col_t)json_object_get_int_member (o, "first"),
                                  ROW_GROUP, (lxw_col_t)json_object_get_int_member (o, "last"),
                                  json_object_get_string_member (o, "title"), f->header);
    }
  for (guint c = 0; rc == LXW_NO_ERROR && c < n; c++)
    {
      const char *title = json_array_get_string_element (columns, c);
      g_autofree char *number = g_strdup_printf ("(%u)", c + 1);

      rc = group_of (groups, c) >= 0
               ? worksheet_write_string (ws, ROW_HEADER, (lxw_col_t)c, title, f->header)
               : worksheet_merge_range (ws, ROW_GROUP, (lxw_col_t)c, ROW_HEADER, (lxw_col_t)c,
                                        title, f->header);
      if (rc == LXW_NO_ERROR)
        rc = worksheet_write_string (ws, ROW_NUMBERS, (lxw_col_t)c, number, f->number_row);
      if (rc == LXW_NO_ERROR)
        rc = worksheet_set_column (ws, (lxw_col_t)c, (lxw_col_t)c,
                                   c < G_N_ELEMENTS (widths) ? widths[c] : 20, NULL);
    }
  return rc;
}

static lxw_error
write_rows (lxw_worksheet *ws, JsonArray *columns, JsonArray *rows, const Formats *f)
{
  lxw_error rc = LXW_NO_ERROR;

  for (guint r = 0; rc == LXW_NO_ERROR && r < json_array_get_length (rows); r++)
    {
      JsonObject *row = json_array_get_object_element (rows, r);
      lxw_row_t at = (lxw_row_t)(ROW_FIRST_DATA + r);

      for (guint c = 0; rc == LXW_NO_ERROR && c < json_array_get_length (columns); c++)
        {
          JsonNode *v = json_object_get_member (row, json_array_get_string_element (columns, c));

          if (v && JSON_NODE_HOLDS_VALUE (v) && json_node_get_value_type (v) == G_TYPE_INT64)
            rc = worksheet_write_number (ws, at, (lxw_col_t)c, (double)json_node_get_int (v),
                                         f->number);
          else if (v && JSON_NODE_HOLDS_VALUE (v) &&
                   json_node_get_value_type (v) == G_TYPE_STRING && *json_node_get_string (v))
            rc = worksheet_write_string (ws, at, (lxw_col_t)c, json_node_get_string (v), f->text);
          else
            rc = worksheet_write_blank (ws, at, (lxw_col_t)c, f->text);
        }
    }
  return rc;
}

/* Lays the book out into @file (which exists, empty). */
static gboolean
write_workbook (JsonObject *book, const char *file, GError **error)
{
  JsonArray *columns = json_object_get_array_member (book, "columns");
  JsonArray *groups = json_object_get_array_member (book, "groups");
  JsonArray *rows = json_object_get_array_member (book, "rows");
  lxw_col_t last = (lxw_col_t)MAX (json_array_get_length (columns), 1) - 1;
  lxw_doc_properties properties = { .title = "Sổ tiếp công dân (Mẫu số 03/TCD)" };
  g_autofree char *from = day (json_object_get_string_member_with_default (book, "from", NULL));
  g_autofree char *to = day (json_object_get_string_member_with_default (book, "to", NULL));
  g_autofree char *form = g_strdup_printf (
      "%s, từ ngày %s đến ngày %s",
      json_object_get_string_member_with_default (book, "form", "Mẫu số 03/TCD"), from, to);
  lxw_workbook *wb = workbook_new (file);
  lxw_worksheet *ws;
  Formats f;
  lxw_error rc;

  if (wb == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot start a workbook in %s", file);
      return FALSE;
    }
  ws = workbook_add_worksheet (wb, "Sổ tiếp công dân");
  make_formats (wb, &f);
  workbook_set_properties (wb, &properties);
  rc = worksheet_merge_range (
      ws, ROW_TITLE, 0, ROW_TITLE, last,
      json_object_get_string_member_with_default (book, "title", "SỔ TIẾP CÔNG DÂN"), f.title);
  if (rc == LXW_NO_ERROR)
    rc = worksheet_merge_range (ws, ROW_FORM, 0, ROW_FORM, last, form, f.subtitle);
  if (rc == LXW_NO_ERROR)
    rc = worksheet_merge_range (ws, ROW_NUMBERING, 0, ROW_NUMBERING, last,
                                json_object_get_string_member_with_default (book, "numbering", ""),
                                f.note);
  if (rc == LXW_NO_ERROR)
    rc = write_headers (ws, columns, groups, &f);
  if (rc == LXW_NO_ERROR)
    rc = write_rows (ws, columns, rows, &f);
  if (rc == LXW_NO_ERROR)
    rc = worksheet_repeat_rows (ws, ROW_GROUP, ROW_NUMBERS);
  worksheet_freeze_panes (ws, ROW_FIRST_DATA, 0);
  worksheet_set_landscape (ws);
  worksheet_set_paper (ws, 9); /* A4 */
  worksheet_fit_to_pages (ws, 1, 0);
  return rd_documents_xlsx_close (wb, rc, "book", file, error);
}

gboolean
rd_documents_xlsx_close (lxw_workbook *wb, lxw_error rc, const char *what, const char *file,
                         GError **error)
{
  if (rc != LXW_NO_ERROR)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot lay out the %s: %s", what,
                   lxw_strerror (rc));
      workbook_close (wb);
      return FALSE;
    }
  rc = workbook_close (wb);
  if (rc != LXW_NO_ERROR)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot write %s: %s", file,
                   lxw_strerror (rc));
      return FALSE;
    }
  return TRUE;
}

static gboolean
write_workbook_cb (const char *file, gpointer data, GError **error)
{
  return write_workbook (data, file, error);
}

gboolean
rd_documents_write_book_xlsx (JsonObject *book, const char *path, GError **error)
{
  return rd_documents_check_book (book, error) &&
         rd_documents_write_new (path, write_workbook_cb, book, error);
}
