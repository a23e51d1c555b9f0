/* rd-documents-book-pdf.c: see rd-documents-book-pdf.h. Lengths are PostScript points (1/72 inch).
 */
#include "documents/rd-documents-book-pdf.h"

#include <string.h>

#include "documents/rd-documents-file.h"
#include "documents/rd-documents-pdf.h"

#define PAGE_W   RD_DOCUMENTS_PDF_A4_LONG /* landscape */
#define PAGE_H   RD_DOCUMENTS_PDF_A4_SHORT
#define MARGIN   RD_DOCUMENTS_PDF_MARGIN
#define PAD      2.5
#define MAX_COLS 32

/* Relative widths of the form's 13 columns (points, when they fill an A4 landscape page): a
 * date or a number fits its column on one line, the texts share the rest. */
static const double weights[] = { 24, 54, 92, 68, 100, 52, 34, 54, 40, 62, 62, 72, 72 };

typedef struct
{
  RdDocumentsPdf *pdf;
  JsonObject *book;
  JsonArray *columns, *groups, *rows;
  guint n;
  double x[MAX_COLS + 1]; /* left edge of each column, and the table's right edge */
} Doc;

static double
text_at (Doc *d, const char *text, const char *font, double x, double y, double width,
         PangoAlignment align, gboolean draw)
{
  return rd_documents_pdf_text (d->pdf, text, font, x, y, width, align, draw);
}

static int
group_of (Doc *d, guint c)
{
  for (guint g = 0; g < json_array_get_length (d->groups); g++)
    {
      JsonObject *o = json_array_get_object_element (d->groups, g);
      if ((gint64)c >= json_object_get_int_member (o, "first") &&
          (gint64)c <= json_object_get_int_member (o, "last"))
        return (int)g;
    }
  return -1;
}

/* A bordered cell from column @first to @last, @y to @y + @h, with @text centered or not. */
static void
cell (Doc *d, guint first, guint last, double y, double h, const char *text, const char *font,
      PangoAlignment align)
{
  rd_documents_pdf_box (d->pdf, d->x[first], y, d->x[last + 1] - d->x[first], h, text, font, align);
}

/* The header rows (groups, headers, column numbers) at @y; returns the y below them. */
static double
headers (Doc *d, double y, gboolean draw)
{
  double h_group = 0, h_inner = 0, h_whole = 0, h_numbers;

  for (guint g = 0; g < json_array_get_length (d->groups); g++)
    {
      JsonObject *o = json_array_get_object_element (d->groups, g);
      guint first = (guint)json_object_get_int_member (o, "first");
      guint last = (guint)json_object_get_int_member (o, "last");
      h_group = MAX (h_group,
                     text_at (d, json_object_get_string_member (o, "title"), "Bold 7.5", 0, 0,
                              d->x[last + 1] - d->x[first] - 2 * PAD, PANGO_ALIGN_CENTER, FALSE));
    }
  for (guint c = 0; c < d->n; c++)
    {
      double h = text_at (d, json_array_get_string_element (d->columns, c), "Bold 7.5", 0, 0,
                          d->x[c + 1] - d->x[c] - 2 * PAD, PANGO_ALIGN_CENTER, FALSE);
      if (group_of (d, c) >= 0)
        h_inner = MAX (h_inner, h);
      else
        h_whole = MAX (h_whole, h);
    }
  h_group += 2 * PAD;
  h_inner = MAX (h_inner + 2 * PAD, h_whole + 2 * PAD - h_group);
  h_numbers = text_at (d, "(1)", "Italic 7", 0, 0, 100, PANGO_ALIGN_CENTER, FALSE) + 2 * PAD;
  if (!draw)
    return y + h_group + h_inner + h_numbers;
  for (guint g = 0; g < json_array_get_length (d->groups); g++)
    {
      JsonObject *o = json_array_get_object_element (d->groups, g);
      cell (d, (guint)json_object_get_int_member (o, "first"),
            (guint)json_object_get_int_member (o, "last"), y, h_group,
            json_object_get_string_member (o, "title"), "Bold 7.5", PANGO_ALIGN_CENTER);
    }
  for (guint c = 0; c < d->n; c++)
    {
      g_autofree char *number = g_strdup_printf ("(%u)", c + 1);
      const char *title = json_array_get_string_element (d->columns, c);

      if (group_of (d, c) >= 0)
        cell (d, c, c, y + h_group, h_inner, title, "Bold 7.5", PANGO_ALIGN_CENTER);
      else
        cell (d, c, c, y, h_group + h_inner, title, "Bold 7.5", PANGO_ALIGN_CENTER);
      cell (d, c, c, y + h_group + h_inner, h_numbers, number, "Italic 7", PANGO_ALIGN_CENTER);
    }
  return y + h_group + h_inner + h_numbers;
}

/* The text of @row's column @c: a number or a string, "" for anything else. (transfer full) */
static char *
value (Doc *d, JsonObject *row, guint c)
{
  JsonNode *v = json_object_get_member (row, json_array_get_string_element (d->columns, c));

  if (v && JSON_NODE_HOLDS_VALUE (v) && json_node_get_value_type (v) == G_TYPE_INT64)
    return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (v));
  if (v && JSON_NODE_HOLDS_VALUE (v) && json_node_get_value_type (v) == G_TYPE_STRING)
    return g_strdup (json_node_get_string (v));
  return g_strdup ("");
}

static double
row_height (Doc *d, JsonObject *row)
{
  double h = 0;

  for (guint c = 0; c < d->n; c++)
    {
      g_autofree char *text = value (d, row, c);
      h = MAX (h, text_at (d, text, "8", 0, 0, d->x[c + 1] - d->x[c] - 2 * PAD, PANGO_ALIGN_LEFT,
                           FALSE));
    }
  return h + 2 * PAD;
}

/* Starts the next page and draws its headers; returns the y below them. */
static double
new_page (Doc *d)
{
  rd_documents_pdf_next_page (d->pdf);
  return headers (d, MARGIN, TRUE);
}

static double
title_block (Doc *d)
{
  g_autofree char *from = NULL, *to = NULL, *form = NULL;
  const char *f = json_object_get_string_member_with_default (d->book, "from", "");
  const char *t = json_object_get_string_member_with_default (d->book, "to", "");
  double y = MARGIN, w = PAGE_W - 2 * MARGIN;

  from = strlen (f) == 10 ? g_strdup_printf ("%.2s/%.2s/%.4s", f + 8, f + 5, f) : g_strdup (f);
  to = strlen (t) == 10 ? g_strdup_printf ("%.2s/%.2s/%.4s", t + 8, t + 5, t) : g_strdup (t);
  form = g_strdup_printf (
      "%s, từ ngày %s đến ngày %s",
      json_object_get_string_member_with_default (d->book, "form", "Mẫu số 03/TCD"), from, to);
  y += text_at (d, json_object_get_string_member_with_default (d->book, "title", ""), "Bold 15",
                MARGIN, y, w, PANGO_ALIGN_CENTER, TRUE) +
       2;
  y += text_at (d, form, "10", MARGIN, y, w, PANGO_ALIGN_CENTER, TRUE) + 1;
  y += text_at (d, json_object_get_string_member_with_default (d->book, "numbering", ""),
                "Italic 9", MARGIN, y, w, PANGO_ALIGN_CENTER, TRUE) +
       8;
  return y;
}

static gboolean
draw (RdDocumentsPdf *pdf, gpointer data, GError **error)
{
  Doc *d = data;
  double total = 0, y, bottom = PAGE_H - MARGIN;

  d->pdf = pdf;
  for (guint c = 0; c < d->n; c++)
    total += c < G_N_ELEMENTS (weights) ? weights[c] : 20;
  d->x[0] = MARGIN;
  for (guint c = 0; c < d->n; c++)
    d->x[c + 1] =
        d->x[c] + (c < G_N_ELEMENTS (weights) ? weights[c] : 20) * (PAGE_W - 2 * MARGIN) / total;

  y = headers (d, title_block (d), TRUE);
  for (guint r = 0; r < json_array_get_length (d->rows); r++)
    {
      JsonObject *row = json_array_get_object_element (d->rows, r);
      double h = row_height (d, row);

      /* A row is never split: it starts a page when it does not fit (unless it is the first
       * row of one, then it runs over the margin rather than never ending). */
      if (y + h > bottom && y > headers (d, MARGIN, FALSE) + 0.5)
        y = new_page (d);
      for (guint c = 0; c < d->n; c++)
        {
          g_autofree char *text = value (d, row, c);
          gboolean centered = c == 0 || c == 1 || c == 6 || c == 8;

          cell (d, c, c, y, h, text, "8", centered ? PANGO_ALIGN_CENTER : PANGO_ALIGN_LEFT);
        }
      y += h;
    }
  return TRUE;
}

gboolean
rd_documents_write_book_pdf (JsonObject *book, const char *path, GError **error)
{
  Doc d = { .book = book };

  if (!rd_documents_check_book (book, error))
    return FALSE;
  d.columns = json_object_get_array_member (book, "columns");
  d.groups = json_object_get_array_member (book, "groups");
  d.rows = json_object_get_array_member (book, "rows");
  d.n = MIN (json_array_get_length (d.columns), MAX_COLS);
  for (guint g = 0; g < json_array_get_length (d.groups); g++)
    {
      JsonObject *o = json_array_get_object_element (d.groups, g);
      gint64 first = json_object_get_int_member (o, "first");
      gint64 last = json_object_get_int_member (o, "last");
      if (first < 0 || last < first || last >= (gint64)d.n)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "the book from the daemon has a header group outside its columns");
          return FALSE;
        }
    }
  return rd_documents_pdf_write (path, "Sổ tiếp công dân (Mẫu số 03/TCD)", PAGE_W, PAGE_H, TRUE,
                                 draw, &d, error);
}
