/* rd-documents-file.h: how the documents module writes a document (the book, the report, the
 * printed notices), made by a library that writes only to a file name (libxlsxwriter, cairo), and
 * the module's errors.
 *
 * Contract: rd_documents_write_new() has @write fill a new temporary file beside @path (mode
 * 0600: the book holds personal data), then links it to @path, which fails with
 * G_IO_ERROR_EXISTS rather than replace a file (one that appeared meanwhile included); nothing
 * is left at @path or beside it on failure.
 * rd_documents_render() is for a document sent rather than kept (the console's download): it
 * writes the document with @writer into a private directory (mode 0700) it makes inside @dir,
 * reads it back into memory and removes the file and the directory before it returns, on
 * success and on failure alike; nothing of it stays on disk.
 * Errors: the module has no domain of its own; every function fails with a G_IO_ERROR code
 * (EXISTS, INVALID_DATA for a document not of its form, FAILED or the errno's code otherwise).
 * Threading: one thread; functions on different documents may run on different threads.
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Writes the document into @file (which exists, empty, 0600). */
typedef gboolean (*RdDocumentsWriteFunc) (const char *file, gpointer data, GError **error);

gboolean rd_documents_write_new (const char *path, RdDocumentsWriteFunc write, gpointer data,
                                 GError **error);

/* Whether @book (may be NULL) has the book's form, as far as both book writers need it: its
 * "columns", "groups" and "rows" lists; else G_IO_ERROR_INVALID_DATA naming the list missing. */
gboolean rd_documents_check_book (JsonObject *book, GError **error);

/* One of the module's writers: rd_documents_write_book_xlsx(), ..._report_pdf(). */
typedef gboolean (*RdDocumentsWriter) (JsonObject *doc, const char *path, GError **error);

/* @doc as @writer lays it out, in memory. (transfer full) */
GBytes *rd_documents_render (RdDocumentsWriter writer, JsonObject *doc, const char *dir,
                             GError **error);

G_END_DECLS
