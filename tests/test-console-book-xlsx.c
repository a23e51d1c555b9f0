/* test-console-book-xlsx.c: the book as XLSX, laid out by receptionctl's writer from the JSON
 * form the ledger gives, read back by a reader nobody here wrote (openpyxl, Debian's
 * python3-openpyxl, through tests/book-xlsx-dump.py and /usr/bin/python3): the title, the
 * form's grouped headers as merged cells, the headers merged over two rows, column numbers,
 * cells as text or numbers (a formula-looking text stays text), widths, wrapping, the frozen
 * pane and the rows repeated on each page; the file is new, 0600, and never replaces one. */
#include "tests/rd-test-book.h"
#include "tests/rd-test-docs.h"
#include "documents/rd-documents-book-xlsx.h"

#include <gio/gio.h>
#include <sys/stat.h>

#define ACTOR  "uid=1000(officer)"
#define PYTHON "/usr/bin/python3"

static void
add_records (RdLedger *ledger)
{
  g_autoptr (GError) error = NULL;
  const char *receptions[] = {
    "{\"registration_id\": 1, \"reception_date\": \"2026-11-02\", \"content\": \"Trình bày "
    "tranh chấp ranh giới, kéo dài nhiều năm, đã nhiều lần gửi đơn\", \"handling\": "
    "\"transferred\", \"handling_body\": \"Thanh tra thành phố\", \"document_number\": "
    "\"45/UBND-TTr\", \"officer\": \"Phạm Thu\", \"confirmation\": \"signature\"}",
    "{\"registration_id\": 2, \"reception_date\": \"2026-11-03\", \"content\": "
    "\"=HYPERLINK(\\\"http://x\\\")\", \"handling\": \"refused\", \"legal_basis\": \"Điều 9 "
    "Luật Tiếp công dân 2013\", \"refusal_reason\": \"Say rượu\", \"officer\": \"Phạm Thu\", "
    "\"confirmation\": \"declined\"}",
  };

  book_add_registration (ledger, "{\"name\": \"Nguyễn Văn An\", \"address\": \"12 Lê Lợi\","
                                 " \"id_document\": \"CCCD 079088001234\", \"summary\": \"S\","
                                 " \"classification\": \"khieu-nai\", \"people_count\": 12,"
                                 " \"field\": \"đất đai\","
                                 " \"representatives\": [\"Nguyễn Văn An\", \"Lê Thị Năm\"]}");
  book_add_registration (ledger, "{\"name\": \"Lê Cường\", \"summary\": \"S\","
                                 " \"classification\": \"phan-anh\"}");
  for (gsize i = 0; i < G_N_ELEMENTS (receptions); i++)
    {
      g_autoptr (JsonObject) fields = book_fields (receptions[i]);
      rd_ledger_reception_add (ledger, fields, ACTOR, &error);
      g_assert_no_error (error);
    }
}

/* The book's JSON form as the daemon hands it to receptionctl. (transfer full) */
static JsonObject *
book_form (RdLedger *ledger)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *text =
      rd_ledger_book_export (ledger, "2026-11-01", "2026-11-30", RD_LEDGER_BOOK_XLSX, NULL, FALSE,
                             ACTOR, NULL, NULL, &error);
  g_autoptr (JsonNode) root = NULL;

  g_assert_no_error (error);
  root = json_from_string (text, &error);
  g_assert_no_error (error);
  return json_object_ref (json_node_get_object (root));
}

/* What openpyxl reads from @path (book-xlsx-dump.py's JSON), or NULL when it is not there
 * (the test is then skipped, saying why). (transfer full) */
static JsonObject *
read_back (const char *path)
{
  g_autofree char *script =
      g_build_filename (g_getenv ("RD_TEST_SRCDIR"), "tests", "book-xlsx-dump.py", NULL);
  const char *argv[] = { PYTHON, script, path, NULL };
  g_autoptr (GSubprocess) p = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr (JsonNode) root = NULL;

  p = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                         &error);
  if (p == NULL)
    {
      g_test_skip_printf ("%s cannot run (%s): install python3-openpyxl (install-deps.sh)", PYTHON,
                          error->message);
      return NULL;
    }
  g_assert_true (g_subprocess_communicate_utf8 (p, NULL, NULL, &out, &err, &error));
  g_assert_no_error (error);
  if (!g_subprocess_get_successful (p))
    {
      if (strstr (err, "No module named 'openpyxl'"))
        {
          g_test_skip ("python3-openpyxl is not installed (install-deps.sh installs it)");
          return NULL;
        }
      g_error ("openpyxl could not read %s:\n%s", path, err);
    }
  root = json_from_string (out, &error);
  g_assert_no_error (error);
  return json_object_ref (json_node_get_object (root));
}

static void
test_read_back (BookFixture *f, gconstpointer data)
{
  g_autoptr (JsonObject) book = NULL;
  g_autoptr (JsonObject) dump = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *path = g_build_filename (f->dir, "so-tiep-cong-dan.xlsx", NULL);
  const char *const *headers = rd_ledger_book_columns ();
  JsonArray *merged, *wrapped;
  GStatBuf st;

  add_records (f->ledger);
  book = book_form (f->ledger);
  g_assert_true (rd_documents_write_book_xlsx (book, path, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  dump = read_back (path);
  if (dump == NULL)
    return;
  g_assert_cmpstr (json_object_get_string_member (dump, "title"), ==, "Sổ tiếp công dân");
  g_assert_cmpstr (rd_test_docs_cell_text (dump, "A1"), ==, "SỔ TIẾP CÔNG DÂN");
  g_assert_cmpstr (rd_test_docs_cell_text (dump, "A2"), ==,
                   "Mẫu số 03/TCD, từ ngày 01/11/2026 đến ngày 30/11/2026");
  g_assert_nonnull (strstr (rd_test_docs_cell_text (dump, "A3"), "liên tục trong năm"));
  merged = json_object_get_array_member (dump, "merged");
  /* Title rows across the 13 columns; the form's groups over their columns in row 4; every
   * other header over rows 4 and 5. */
  for (const char *const *r =
           (const char *const[]){ "A1:M1", "A2:M2", "A3:M3", "C4:D4", "E4:H4", "I4:K4", "A4:A5",
                                  "B4:B5", "L4:L5", "M4:M5", NULL };
       *r; r++)
    if (!rd_test_docs_has_string (merged, *r))
      g_error ("%s is not merged", *r);
  g_assert_cmpuint (json_array_get_length (merged), ==, 3 + 3 + 4);
  g_assert_cmpstr (rd_test_docs_cell_text (dump, "C4"), ==, "Công dân");
  g_assert_cmpstr (rd_test_docs_cell_text (dump, "I4"), ==, "Hướng xử lý");
  g_assert_cmpstr (rd_test_docs_cell_text (dump, "A4"), ==, headers[0]);
  g_assert_cmpstr (rd_test_docs_cell_text (dump, "C5"), ==, headers[2]);
  g_assert_cmpstr (rd_test_docs_cell_text (dump, "K5"), ==, headers[10]);
  g_assert_cmpstr (rd_test_docs_cell_text (dump, "M4"), ==, headers[12]);
  g_assert_cmpstr (rd_test_docs_cell_text (dump, "A6"), ==, "(1)");
  g_assert_cmpstr (rd_test_docs_cell_text (dump, "M6"), ==, "(13)");

  /* The rows: numbers as numbers, text as text (never a formula). */
  g_assert_cmpint (rd_test_docs_cell_number (dump, "A7"), ==, 1);
  g_assert_cmpstr (rd_test_docs_cell_text (dump, "B7"), ==, "02/11/2026");
  g_assert_cmpstr (rd_test_docs_cell_text (dump, "C7"), ==,
                   "Nguyễn Văn An, 12 Lê Lợi; đại diện đoàn: Nguyễn Văn An, Lê Thị Năm");
  g_assert_cmpstr (rd_test_docs_cell_text (dump, "F7"), ==, "khiếu nại; lĩnh vực: đất đai");
  g_assert_cmpint (rd_test_docs_cell_number (dump, "G7"), ==, 12);
  g_assert_cmpstr (rd_test_docs_cell_text (dump, "K7"), ==,
                   "Thanh tra thành phố; văn bản chuyển đơn số 45/UBND-TTr");
  g_assert_cmpint (rd_test_docs_cell_number (dump, "A8"), ==, 2);
  g_assert_cmpstr (rd_test_docs_cell_text (dump, "E8"), ==, "=HYPERLINK(\"http://x\")");
  g_assert_cmpstr (
      json_object_get_string_member (
          json_object_get_object_member (json_object_get_object_member (dump, "cells"), "E8"),
          "type"),
      ==, "str");
  g_assert_null (rd_test_docs_cell_text (dump, "I8")); /* a refusal: competence left empty */
  g_assert_nonnull (
      strstr (rd_test_docs_cell_text (dump, "M8"), "Từ chối tiếp công dân. Lý do: Say rượu"));
  g_assert_null (rd_test_docs_cell_text (dump, "A9"));

  /* Layout: widths, wrapping, frozen headers, printed headers, landscape. */
  g_assert_cmpfloat (
      json_object_get_double_member (json_object_get_object_member (dump, "widths"), "E"), >, 30);
  wrapped = json_object_get_array_member (dump, "wrapped");
  g_assert_true (rd_test_docs_has_string (wrapped, "E7"));
  g_assert_true (rd_test_docs_has_string (wrapped, "C4"));
  g_assert_cmpstr (json_object_get_string_member (dump, "freeze"), ==, "A7");
  g_assert_cmpstr (json_object_get_string_member (dump, "print_title_rows"), ==, "$4:$6");
  g_assert_true (json_object_get_boolean_member (dump, "landscape"));
}

static void
test_never_replaces (BookFixture *f, gconstpointer data)
{
  g_autoptr (JsonObject) book = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *path = g_build_filename (f->dir, "book.xlsx", NULL);
  g_autofree char *contents = NULL;
  g_autoptr (GDir) dir = NULL;
  guint n = 0;

  add_records (f->ledger);
  book = book_form (f->ledger);
  g_assert_true (g_file_set_contents (path, "keep me", -1, NULL));
  g_assert_false (rd_documents_write_book_xlsx (book, path, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS);
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "keep me");
  /* No temporary file is left beside it (the ledger's own files aside). */
  dir = g_dir_open (f->dir, 0, NULL);
  for (const char *name; (name = g_dir_read_name (dir)) != NULL;)
    if (g_str_has_prefix (name, "book.xlsx"))
      n++;
  g_assert_cmpuint (n, ==, 1);
  g_clear_error (&error);
  json_object_remove_member (book, "rows");
  g_assert_false (rd_documents_write_book_xlsx (book, path, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/book/xlsx/read-back", BookFixture, NULL, book_set_up, test_read_back,
              book_tear_down);
  g_test_add ("/book/xlsx/never-replaces", BookFixture, NULL, book_set_up, test_never_replaces,
              book_tear_down);
  return g_test_run ();
}
