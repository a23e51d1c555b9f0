/* rd-test-docs.h: reading the documents receptionctl writes back with tools nobody here wrote:
 * Poppler (pdfinfo, pdftotext, pdftoppm: poppler-utils) for PDFs, openpyxl (python3-openpyxl,
 * through tests/book-xlsx-dump.py's JSON) for workbooks; both from install-deps.sh. A missing
 * tool skips the test, saying which package brings it. Header-only (static inline), like
 * rd-test-book.h. Threading: the test's main thread. */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <string.h>

/* Runs @argv; its stdout, or NULL with the test skipped when the program (or openpyxl) is
 * missing, @package naming what brings it. Fails the test when the program fails. (transfer
 * full) */
static inline char *
rd_test_docs_run (const char *const *argv, const char *package)
{
  g_autoptr (GSubprocess) p = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *out = NULL, *err = NULL;

  if (!g_file_test (argv[0], G_FILE_TEST_IS_EXECUTABLE) && !g_find_program_in_path (argv[0]))
    {
      g_test_skip_printf ("%s is not installed (%s, from install-deps.sh)", argv[0], package);
      return NULL;
    }
  p = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                         &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (p, NULL, NULL, &out, &err, &error));
  g_assert_no_error (error);
  if (!g_subprocess_get_successful (p))
    {
      if (strstr (err, "No module named 'openpyxl'"))
        {
          g_test_skip ("python3-openpyxl is not installed (install-deps.sh installs it)");
          return NULL;
        }
      g_error ("%s failed: %s", argv[0], err);
    }
  return g_steal_pointer (&out);
}

/* @text with every run of white space made one space (pdftotext breaks wrapped lines).
 * (transfer full) */
static inline char *
rd_test_docs_flat (const char *text)
{
  g_auto (GStrv) words = g_strsplit_set (text, " \n\r\t\f", -1);
  g_autoptr (GString) s = g_string_new (NULL);

  for (guint i = 0; words[i]; i++)
    if (*words[i])
      g_string_append_printf (s, "%s%s", s->len ? " " : "", words[i]);
  return g_string_free (g_steal_pointer (&s), FALSE);
}

/* The text of cell @ref (e.g. "B7") in book-xlsx-dump.py's @dump, or NULL when it is empty.
 * (transfer none) */
static inline const char *
rd_test_docs_cell_text (JsonObject *dump, const char *ref)
{
  JsonObject *cells = json_object_get_object_member (dump, "cells");

  if (!json_object_has_member (cells, ref))
    return NULL;
  return json_object_get_string_member (json_object_get_object_member (cells, ref), "value");
}

/* The number in cell @ref, which must be stored as a number. */
static inline gint64
rd_test_docs_cell_number (JsonObject *dump, const char *ref)
{
  JsonObject *c =
      json_object_get_object_member (json_object_get_object_member (dump, "cells"), ref);

  g_assert_cmpstr (json_object_get_string_member (c, "type"), ==, "int");
  return json_object_get_int_member (c, "value");
}

/* Whether @a (strings) holds @s. */
static inline gboolean
rd_test_docs_has_string (JsonArray *a, const char *s)
{
  for (guint i = 0; i < json_array_get_length (a); i++)
    if (g_str_equal (json_array_get_string_element (a, i), s))
      return TRUE;
  return FALSE;
}
