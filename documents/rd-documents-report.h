/* rd-documents-report.h: the periodic report of reception work (the daemon's "report" result,
 * rd-ledger-book.h: title, form, period_vi, from, to, lines [{key, level, label, value, unit}])
 * as an XLSX workbook or a printable PDF.
 *
 * Contract: each shows the lines in order, as the form lays them out: a section's heading
 * (level 0) in bold over the whole row, an item (1) and its parts (2, indented, "- "), each
 * with its number and unit; the period's days (from, to) as dd/mm/yyyy. The XLSX has one sheet "Báo
 * cáo": title, period, form, a header row (Chỉ tiêu, Số lượng, Đơn vị tính), numbers as numbers,
 * every other cell text; A4 portrait. The PDF is A4 portrait, the same table, page numbers, and the
 * signature blocks (Người lập biểu, Thủ trưởng cơ quan). Files are written as @path, new, mode
 * 0600, never replacing one (rd-documents-file.h). A @report without "lines" is
 * G_IO_ERROR_INVALID_DATA. Threading: one thread.
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

gboolean rd_documents_write_report_xlsx (JsonObject *report, const char *path, GError **error);
gboolean rd_documents_write_report_pdf (JsonObject *report, const char *path, GError **error);

G_END_DECLS
