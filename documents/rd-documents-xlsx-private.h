/* rd-documents-xlsx-private.h: what the module's XLSX writers share (documents/ only).
 * Threading: that of the workbook. */
#pragma once

#include <gio/gio.h>
#include <xlsxwriter.h>

G_BEGIN_DECLS

/* Closes @wb, which was laid out with the result @rc, writing it to @file: FALSE with @error
 * (G_IO_ERROR_FAILED, "cannot lay out the @what: ..." or "cannot write @file: ...") when
 * either failed. @wb is freed either way. */
gboolean rd_documents_xlsx_close (lxw_workbook *wb, lxw_error rc, const char *what,
                                  const char *file, GError **error);

G_END_DECLS
