/* rd-documents-pdf.c: see rd-documents-pdf.h. */
#include "documents/rd-documents-pdf.h"

#include <cairo-pdf.h>

#include "documents/rd-documents-file.h"

#define FONT "DejaVu Sans"
#define PAD  2.5

double
rd_documents_pdf_text (RdDocumentsPdf *pdf, const char *text, const char *font, double x, double y,
                       double width, PangoAlignment align, gboolean draw)
{
  g_autoptr (PangoLayout) layout = pango_layout_new (pdf->pango);
  g_autofree char *name = g_strdup_printf ("%s %s", FONT, font);
  PangoFontDescription *desc = pango_font_description_from_string (name);
  PangoAttrList *attrs = pango_attr_list_new ();
  int w, h;

  /* A long token (a file path, a SHA-256) broken across lines gets no hyphen: what is printed
   * must read back exactly. */
  pango_attr_list_insert (attrs, pango_attr_insert_hyphens_new (FALSE));
  pango_layout_set_attributes (layout, attrs);
  pango_attr_list_unref (attrs);
  pango_layout_set_font_description (layout, desc);
  pango_font_description_free (desc);
  pango_layout_set_width (layout, (int)(width * PANGO_SCALE));
  pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);
  pango_layout_set_alignment (layout, align);
  pango_layout_set_text (layout, text ? text : "", -1);
  pango_layout_get_size (layout, &w, &h);
  if (draw)
    {
      cairo_move_to (pdf->cr, x, y);
      pango_cairo_update_layout (pdf->cr, layout);
      pango_cairo_show_layout (pdf->cr, layout);
    }
  return (double)h / PANGO_SCALE;
}

void
rd_documents_pdf_box (RdDocumentsPdf *pdf, double x, double y, double w, double h, const char *text,
                      const char *font, PangoAlignment align)
{
  cairo_rectangle (pdf->cr, x, y, w, h);
  cairo_stroke (pdf->cr);
  rd_documents_pdf_text (pdf, text, font, x + PAD, y + PAD, w - 2 * PAD, align, TRUE);
}

static void
footer (RdDocumentsPdf *pdf)
{
  g_autofree char *text = g_strdup_printf ("Trang %d", pdf->page);

  if (pdf->numbered)
    rd_documents_pdf_text (pdf, text, "Italic 8", RD_DOCUMENTS_PDF_MARGIN,
                           pdf->height - RD_DOCUMENTS_PDF_MARGIN + 6,
                           pdf->width - 2 * RD_DOCUMENTS_PDF_MARGIN, PANGO_ALIGN_CENTER, TRUE);
}

void
rd_documents_pdf_next_page (RdDocumentsPdf *pdf)
{
  footer (pdf);
  cairo_show_page (pdf->cr);
  pdf->page++;
}

typedef struct
{
  const char *title;
  double width, height;
  gboolean numbered;
  RdDocumentsPdfDraw draw;
  gpointer data;
} Job;

static gboolean
write_file (const char *file, gpointer data, GError **error)
{
  Job *job = data;
  cairo_surface_t *surface = cairo_pdf_surface_create (file, job->width, job->height);
  RdDocumentsPdf pdf = {
    .width = job->width, .height = job->height, .page = 1, .numbered = job->numbered
  };
  cairo_status_t status;
  gboolean ok;

  cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_TITLE, job->title);
  pdf.cr = cairo_create (surface);
  pdf.pango = pango_cairo_create_context (pdf.cr);
  pango_cairo_context_set_resolution (pdf.pango, 72);
  cairo_set_line_width (pdf.cr, 0.5);
  cairo_set_source_rgb (pdf.cr, 0, 0, 0);
  ok = job->draw (&pdf, job->data, error);
  if (ok)
    {
      footer (&pdf);
      cairo_show_page (pdf.cr);
    }
  g_clear_object (&pdf.pango);
  cairo_destroy (pdf.cr);
  cairo_surface_finish (surface);
  status = cairo_surface_status (surface);
  cairo_surface_destroy (surface);
  if (ok && status != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot write %s: %s", file,
                   cairo_status_to_string (status));
      return FALSE;
    }
  return ok;
}

gboolean
rd_documents_pdf_write (const char *path, const char *title, double width, double height,
                        gboolean numbered, RdDocumentsPdfDraw draw, gpointer data, GError **error)
{
  Job job = { title, width, height, numbered, draw, data };

  return rd_documents_write_new (path, write_file, &job, error);
}
