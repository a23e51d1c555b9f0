/* rd-documents-book-pdf.h: the reception book (Mẫu số 03/TCD) as a printable PDF, from the JSON
 * form of the book the daemon gives (book.export with format "pdf", the same form as for XLSX:
 * rd-ledger-book.h's JSON: title, numbering, columns, groups, rows).
 *
 * Contract: A4 landscape pages (cairo's PDF surface, text laid out by Pango in DejaVu Sans, a
 * Debian font that covers Vietnamese, embedded): the title, the form and period and how STT
 * runs on the first page; on every page the two header rows (each group's title over its
 * columns, the other headers over both rows), the row of column numbers (1)..(13), and a page
 * number; one row per reception, its text wrapped within its column, never split across pages.
 * The file is written as @path, new, mode 0600, never replacing one (rd-documents-file.h). A @book
 * not of that form is G_IO_ERROR_INVALID_DATA.
 * Threading: one thread.
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

gboolean rd_documents_write_book_pdf (JsonObject *book, const char *path, GError **error);

G_END_DECLS
