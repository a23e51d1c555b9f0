/* rd-documents-book-xlsx.h: the reception book (Mẫu số 03/TCD) laid out as an XLSX workbook, from
 * the JSON form of the book the daemon gives (book.export with format "xlsx": rd-ledger-book.h's
 * JSON: title, numbering, columns, groups, rows).
 *
 * Contract: one sheet "Sổ tiếp công dân": the title, the form and period, how STT runs; two
 * header rows (each group's title merged over its columns, the other headers merged over both
 * rows); a row of column numbers (1)..(13); one row per reception, STT and the number of people
 * as numbers, every other cell as text (never a formula), wrapped, with borders. Column widths
 * fit the form; landscape A4, fitted to the page width, headers repeated on each printed page;
 * panes frozen below the headers. The file is written as @path, new, mode 0600 (the book holds
 * personal data): an existing file is never replaced (G_IO_ERROR_EXISTS), and nothing is left
 * at @path on failure. A @book not of that form is G_IO_ERROR_INVALID_DATA.
 * Threading: one thread.
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

gboolean rd_documents_write_book_xlsx (JsonObject *book, const char *path, GError **error);

G_END_DECLS
