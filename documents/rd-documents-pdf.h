/* rd-documents-pdf.h: what the PDF documents share (the book, the report, receptionctl's
 * notices and records): a cairo PDF surface written as a new file, text laid out by Pango in
 * DejaVu Sans (a Debian font that covers Vietnamese, embedded), lengths in PostScript points.
 *
 * Contract: rd_documents_pdf_write() makes a PDF of @width x @height points pages, titled @title,
 * at @path (new, mode 0600, never replacing a file: rd-documents-file.h) and calls @draw on its
 * first page; @draw starts further pages with rd_documents_pdf_next_page(), and the last page is
 * shown after it returns. Each page gets "Trang N" at its foot when @numbered.
 * Threading: one thread.
 */
#pragma once

#include <cairo.h>
#include <gio/gio.h>
#include <pango/pangocairo.h>

G_BEGIN_DECLS

#define RD_DOCUMENTS_PDF_A4_SHORT 595.28
#define RD_DOCUMENTS_PDF_A4_LONG  841.89
#define RD_DOCUMENTS_PDF_MARGIN   28.0

typedef struct
{
  cairo_t *cr;
  PangoContext *pango; /* at 72 dpi: a font's size is in the page's points */
  double width, height;
  int page; /* 1 for the first */
  gboolean numbered;
} RdDocumentsPdf;

/* Lays @text (NULL: "") out @width wide in DejaVu Sans @font ("Bold 7.5"), draws it at (@x, @y)
 * when @draw, and returns its height. Pango markup is not read: the text is shown as it is, and a
 * word too long for a line is broken without a hyphen. */
double rd_documents_pdf_text (RdDocumentsPdf *pdf, const char *text, const char *font, double x,
                              double y, double width, PangoAlignment align, gboolean draw);

/* A bordered box (@x, @y, @w, @h) with @text inside it, padded. */
void rd_documents_pdf_box (RdDocumentsPdf *pdf, double x, double y, double w, double h,
                           const char *text, const char *font, PangoAlignment align);

/* Ends the page (its number at the foot) and starts the next. */
void rd_documents_pdf_next_page (RdDocumentsPdf *pdf);

typedef gboolean (*RdDocumentsPdfDraw) (RdDocumentsPdf *pdf, gpointer data, GError **error);

gboolean rd_documents_pdf_write (const char *path, const char *title, double width, double height,
                                 gboolean numbered, RdDocumentsPdfDraw draw, gpointer data,
                                 GError **error);

G_END_DECLS
