/* rd-documents-report.c: see rd-documents-report.h. */
#include "documents/rd-documents-report.h"

#include <stdio.h>
#include <string.h>
#include <xlsxwriter.h>

#include "documents/rd-documents-file.h"
#include "documents/rd-documents-pdf.h"
#include "documents/rd-documents-xlsx-private.h"

static const char *
str (JsonObject *o, const char *name)
{
  const char *s = json_object_get_string_member_with_default (o, name, NULL);
  return s ? s : "";
}

/* "yyyy-mm-dd" → "dd/mm/yyyy"; anything else as it is. (transfer full) */
static char *
day_shown (const char *day)
{
  int y, m, d, end = 0;

  if (sscanf (day, "%4d-%2d-%2d%n", &y, &m, &d, &end) == 3 && end == 10 && day[end] == '\0')
    return g_strdup_printf ("%02d/%02d/%04d", d, m, y);
  return g_strdup (day);
}

/* "(từ dd/mm/yyyy đến dd/mm/yyyy)". (transfer full) */
static char *
span (JsonObject *report)
{
  g_autofree char *from = day_shown (str (report, "from"));
  g_autofree char *to = day_shown (str (report, "to"));

  return g_strdup_printf ("Từ ngày %s đến ngày %s; số liệu theo hồ sơ ghi tại buổi tiếp", from, to);
}

/* A line's label as shown: a part gets "- " before it. (transfer full) */
static char *
label_of (JsonObject *line)
{
  gint64 level = json_object_get_int_member_with_default (line, "level", 1);
  return g_strdup_printf ("%s%s", level == 2 ? "- " : "", str (line, "label"));
}

static gboolean
check (JsonObject *report, GError **error)
{
  JsonNode *n = report ? json_object_get_member (report, "lines") : NULL;

  if (n == NULL || !JSON_NODE_HOLDS_ARRAY (n))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "the report from the daemon has no \"lines\" list");
      return FALSE;
    }
  return TRUE;
}

/* XLSX. Rows (0-based): title, period, form, blank, header, then the lines. */
enum
{
  X_TITLE,
  X_PERIOD,
  X_FORM,
  X_HEADER = 4,
  X_FIRST
};

static gboolean
write_xlsx (const char *file, gpointer data, GError **error)
{
  JsonObject *report = data;
  JsonArray *lines = json_object_get_array_member (report, "lines");
  lxw_doc_properties properties = { .title = "Báo cáo kết quả công tác tiếp công dân" };
  g_autofree char *when = span (report);
  lxw_workbook *wb = workbook_new (file);
  lxw_worksheet *ws;
  lxw_format *title, *center, *header, *heading, *item[3], *number, *text;
  lxw_error rc;

  if (wb == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot start a workbook in %s", file);
      return FALSE;
    }
  workbook_set_properties (wb, &properties);
  ws = workbook_add_worksheet (wb, "Báo cáo");
  title = workbook_add_format (wb);
  format_set_bold (title);
  format_set_font_size (title, 13);
  format_set_align (title, LXW_ALIGN_CENTER);
  format_set_text_wrap (title);
  center = workbook_add_format (wb);
  format_set_align (center, LXW_ALIGN_CENTER);
  format_set_italic (center);
  header = workbook_add_format (wb);
  format_set_bold (header);
  format_set_border (header, LXW_BORDER_THIN);
  format_set_align (header, LXW_ALIGN_CENTER);
  heading = workbook_add_format (wb);
  format_set_bold (heading);
  format_set_border (heading, LXW_BORDER_THIN);
  for (int l = 0; l < 3; l++)
    {
      item[l] = workbook_add_format (wb);
      format_set_border (item[l], LXW_BORDER_THIN);
      format_set_text_wrap (item[l]);
      format_set_indent (item[l], (uint8_t)(l * 2));
    }
  number = workbook_add_format (wb);
  format_set_border (number, LXW_BORDER_THIN);
  format_set_align (number, LXW_ALIGN_CENTER);
  text = workbook_add_format (wb);
  format_set_border (text, LXW_BORDER_THIN);
  format_set_align (text, LXW_ALIGN_CENTER);

  worksheet_set_column (ws, 0, 0, 62, NULL);
  worksheet_set_column (ws, 1, 1, 11, NULL);
  worksheet_set_column (ws, 2, 2, 13, NULL);
  worksheet_set_row (ws, X_TITLE, 36, NULL);
  rc = worksheet_merge_range (ws, X_TITLE, 0, X_TITLE, 2, str (report, "title"), title);
  if (rc == LXW_NO_ERROR)
    rc = worksheet_merge_range (ws, X_PERIOD, 0, X_PERIOD, 2, when, center);
  if (rc == LXW_NO_ERROR)
    rc = worksheet_merge_range (ws, X_FORM, 0, X_FORM, 2, str (report, "form"), center);
  if (rc == LXW_NO_ERROR)
    rc = worksheet_write_string (ws, X_HEADER, 0, "Chỉ tiêu", header);
  if (rc == LXW_NO_ERROR)
    rc = worksheet_write_string (ws, X_HEADER, 1, "Số lượng", header);
  if (rc == LXW_NO_ERROR)
    rc = worksheet_write_string (ws, X_HEADER, 2, "Đơn vị tính", header);
  for (guint i = 0; rc == LXW_NO_ERROR && i < json_array_get_length (lines); i++)
    {
      JsonObject *l = json_array_get_object_element (lines, i);
      gint64 level = CLAMP (json_object_get_int_member_with_default (l, "level", 1), 0, 2);
      g_autofree char *label = label_of (l);
      lxw_row_t row = (lxw_row_t)(X_FIRST + i);

      if (level == 0)
        {
          rc = worksheet_merge_range (ws, row, 0, row, 2, label, heading);
          continue;
        }
      rc = worksheet_write_string (ws, row, 0, label, item[level]);
      if (rc == LXW_NO_ERROR)
        rc = worksheet_write_number (
            ws, row, 1, (double)json_object_get_int_member_with_default (l, "value", 0), number);
      if (rc == LXW_NO_ERROR)
        rc = worksheet_write_string (ws, row, 2, str (l, "unit"), text);
    }
  worksheet_set_paper (ws, 9); /* A4 */
  worksheet_set_portrait (ws);
  worksheet_fit_to_pages (ws, 1, 0);
  worksheet_repeat_rows (ws, X_HEADER, X_HEADER);
  return rd_documents_xlsx_close (wb, rc, "report", file, error);
}

gboolean
rd_documents_write_report_xlsx (JsonObject *report, const char *path, GError **error)
{
  return check (report, error) && rd_documents_write_new (path, write_xlsx, report, error);
}

/* PDF, A4 portrait: the label column and two narrow ones. */
#define P_W     RD_DOCUMENTS_PDF_A4_SHORT
#define P_H     RD_DOCUMENTS_PDF_A4_LONG
#define P_M     (RD_DOCUMENTS_PDF_MARGIN * 1.5)
#define P_VALUE 70.0
#define P_UNIT  70.0

static double
pdf_row (RdDocumentsPdf *pdf, double y, const char *a, const char *b, const char *c,
         const char *font, int indent, gboolean draw)
{
  double label_w = P_W - 2 * P_M - P_VALUE - P_UNIT;
  double h = rd_documents_pdf_text (pdf, a, font, 0, 0, label_w - 5 - indent * 12, PANGO_ALIGN_LEFT,
                                    FALSE) +
             5;

  if (!draw)
    return h;
  if (b == NULL) /* a section's heading, over the row */
    {
      rd_documents_pdf_box (pdf, P_M, y, P_W - 2 * P_M, h, a, font, PANGO_ALIGN_LEFT);
      return h;
    }
  cairo_rectangle (pdf->cr, P_M, y, label_w, h);
  cairo_stroke (pdf->cr);
  rd_documents_pdf_text (pdf, a, font, P_M + 2.5 + indent * 12, y + 2.5, label_w - 5 - indent * 12,
                         PANGO_ALIGN_LEFT, TRUE);
  rd_documents_pdf_box (pdf, P_M + label_w, y, P_VALUE, h, b, font, PANGO_ALIGN_CENTER);
  rd_documents_pdf_box (pdf, P_M + label_w + P_VALUE, y, P_UNIT, h, c, font, PANGO_ALIGN_CENTER);
  return h;
}

static gboolean
draw_report (RdDocumentsPdf *pdf, gpointer data, GError **error)
{
  JsonObject *report = data;
  JsonArray *lines = json_object_get_array_member (report, "lines");
  g_autofree char *when = span (report);
  double w = P_W - 2 * P_M, y = P_M, half = w / 2;

  y += rd_documents_pdf_text (pdf, str (report, "title"), "Bold 13", P_M, y, w, PANGO_ALIGN_CENTER,
                              TRUE) +
       3;
  y += rd_documents_pdf_text (pdf, when, "Italic 9.5", P_M, y, w, PANGO_ALIGN_CENTER, TRUE) + 1;
  y += rd_documents_pdf_text (pdf, str (report, "form"), "Italic 9.5", P_M, y, w,
                              PANGO_ALIGN_CENTER, TRUE) +
       10;
  y += pdf_row (pdf, y, "Chỉ tiêu", "Số lượng", "Đơn vị tính", "Bold 9.5", 0, TRUE);
  for (guint i = 0; i < json_array_get_length (lines); i++)
    {
      JsonObject *l = json_array_get_object_element (lines, i);
      gint64 level = json_object_get_int_member_with_default (l, "level", 1);
      g_autofree char *label = label_of (l);
      g_autofree char *value = g_strdup_printf (
          "%" G_GINT64_FORMAT, json_object_get_int_member_with_default (l, "value", 0));
      const char *font = level == 0 ? "Bold 9.5" : "9.5";

      if (y + pdf_row (pdf, y, label, NULL, NULL, font, (int)level, FALSE) > P_H - P_M)
        {
          rd_documents_pdf_next_page (pdf);
          y = P_M;
          y += pdf_row (pdf, y, "Chỉ tiêu", "Số lượng", "Đơn vị tính", "Bold 9.5", 0, TRUE);
        }
      y += pdf_row (pdf, y, label, level == 0 ? NULL : value, str (l, "unit"), font,
                    level > 1 ? 1 : 0, TRUE);
    }
  if (y + 110 > P_H - P_M)
    {
      rd_documents_pdf_next_page (pdf);
      y = P_M;
    }
  y += 24;
  rd_documents_pdf_text (pdf, "NGƯỜI LẬP BIỂU", "Bold 10", P_M, y, half, PANGO_ALIGN_CENTER, TRUE);
  rd_documents_pdf_text (pdf, "THỦ TRƯỞNG CƠ QUAN, ĐƠN VỊ", "Bold 10", P_M + half, y, half,
                         PANGO_ALIGN_CENTER, TRUE);
  y += 14;
  rd_documents_pdf_text (pdf, "(Ký, ghi rõ họ tên)", "Italic 9", P_M, y, half, PANGO_ALIGN_CENTER,
                         TRUE);
  rd_documents_pdf_text (pdf, "(Ký, ghi rõ họ tên, đóng dấu)", "Italic 9", P_M + half, y, half,
                         PANGO_ALIGN_CENTER, TRUE);
  return TRUE;
}

gboolean
rd_documents_write_report_pdf (JsonObject *report, const char *path, GError **error)
{
  return check (report, error) && rd_documents_pdf_write (path, str (report, "title"), P_W, P_H,
                                                          TRUE, draw_report, report, error);
}
