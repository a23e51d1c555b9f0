/* rd-console-file.h: a document receptionctl writes for its user (the book as XLSX or PDF),
 * made by a library that writes only to a file name.
 *
 * Contract: rd_console_write_new() has @write fill a new temporary file beside @path (mode 0600:
 * the book holds personal data), then links it to @path, which fails with G_IO_ERROR_EXISTS
 * rather than replace a file (one that appeared meanwhile included); nothing is left at @path or
 * beside it on failure. Threading: one thread.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Writes the document into @file (which exists, empty, 0600). */
typedef gboolean (*RdConsoleWriteFunc) (const char *file, gpointer data, GError **error);

gboolean rd_console_write_new (const char *path, RdConsoleWriteFunc write, gpointer data,
                               GError **error);

G_END_DECLS
