/* rd-console-book.h: receptionctl's human-readable output of the reception book's results
 * (registrations, schedule, receptions, conclusions, follow-ups, the book, the report).
 *
 * Contract: as rd-console-print.h: each prints one result of the method of the same name to
 * stdout, tolerating missing or null fields; rd_console_print_book() writes the book's content
 * as it is (CSV with its BOM, or JSON). rd_console_write_output() writes a result's "content" (or,
 * when it has none, the result itself as JSON) to a new file (mode 0600: the book holds personal
 * data; an existing file is never overwritten); a book exported as "xlsx" or "pdf" (its content
 * the book's JSON form) is laid out as that document (rd-documents-book-xlsx.h,
 * rd-documents-book-pdf.h), and so is a report (a result with "lines") whose "format" is "xlsx" or
 * "pdf" (rd-console-report.h) and a printed document (a result with "kind", "format" "pdf":
 * rd-console-documents.h). rd_console_print_report() prints the report as a table
 * (rd_console_print_report_table()). Threading: one thread.
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

void rd_console_print_registration (JsonNode *result);
void rd_console_print_registration_list (JsonNode *result);
void rd_console_print_schedule (JsonNode *result);
void rd_console_print_reception (JsonNode *result);
void rd_console_print_reception_list (JsonNode *result);
void rd_console_print_conclusion (JsonNode *result);
void rd_console_print_conclusion_list (JsonNode *result);
void rd_console_print_overdue (JsonNode *result);
void rd_console_print_book (JsonNode *result);
void rd_console_print_report (JsonNode *result);
void rd_console_print_document (JsonNode *result);

/* Writes @result's "content" to @path, created new with mode 0600. */
gboolean rd_console_write_output (JsonNode *result, const char *path, GError **error);

G_END_DECLS
