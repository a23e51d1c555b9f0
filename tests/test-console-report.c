/* test-console-report.c: the periodic report as receptionctl shows it, from the ledger's report:
 * the console table aligned by display width (every number ends in one column whatever the
 * label's bytes); the XLSX read back by openpyxl (Debian's python3-openpyxl, through
 * tests/book-xlsx-dump.py and /usr/bin/python3): title, merged headings, labels, numbers as
 * numbers; the PDF read back by Poppler's pdftotext (diacritics intact, signature blocks), its
 * first page rendered by pdftoppm as an artifact (build/tests/report-pdf-page1.png). A report
 * names nobody: a protected citizen's name is in neither document. */
#include "tests/rd-test-book.h"
#include "tests/rd-test-docs.h"
#include "console/rd-console-report.h"
#include "documents/rd-documents-report.h"

#include <fcntl.h>
#include <gio/gio.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#define ACTOR  "uid=1000(officer)"
#define PYTHON "/usr/bin/python3"

/* Quarter IV of 2026: 1 (khiếu nại, đất đai) received 05/10 and 20/12; 2 (tố cáo, protected, a
 * group of 7) received 03/11; 3 (phản ánh, repeats 1) received 01/12. */
static JsonObject *
quarter_report (RdLedger *ledger)
{
  static const char *const receptions[] = {
    "{\"registration_id\": 1, \"reception_date\": \"2026-10-05\"",
    "{\"registration_id\": 2, \"reception_date\": \"2026-11-03\"",
    "{\"registration_id\": 3, \"reception_date\": \"2026-12-01\"",
    "{\"registration_id\": 1, \"reception_date\": \"2026-12-20\"",
  };
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) report = NULL;

  book_add_registration (ledger, "{\"name\": \"Nguyễn Văn An\", \"summary\": \"S\", "
                                 "\"classification\": \"khieu-nai\", \"field\": \"đất đai\"}");
  book_add_registration (ledger, "{\"name\": \"Hoàng Thị Kín\", \"summary\": \"S\", "
                                 "\"classification\": \"to-cao\", \"people_count\": 7, "
                                 "\"representatives\": [\"Hoàng Thị Kín\"]}");
  book_add_registration (ledger, "{\"name\": \"Nguyễn Văn An\", \"summary\": \"S\", "
                                 "\"classification\": \"phan-anh\", \"repeat_of\": 1}");
  for (gsize i = 0; i < G_N_ELEMENTS (receptions); i++)
    {
      g_autofree char *json = g_strconcat (receptions[i],
                                           ", \"content\": \"Trình bày\", \"handling\": "
                                           "\"competent\", \"officer\": \"Phạm Thu\", "
                                           "\"confirmation\": \"signature\"}",
                                           NULL);
      g_autoptr (JsonObject) fields = book_fields (json);

      rd_ledger_reception_add (ledger, fields, ACTOR, &error);
      g_assert_no_error (error);
    }
  report = rd_ledger_book_report (ledger, "2026-Q4", &error);
  g_assert_no_error (error);
  return json_object_ref (json_node_get_object (report));
}

/* What @report prints as the console's table (stdout sent to a file meanwhile). */
static char *
printed (BookFixture *f, JsonObject *report)
{
  g_autofree char *path = g_build_filename (f->dir, "stdout.txt", NULL);
  char *text = NULL;
  int saved = dup (STDOUT_FILENO);
  int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

  g_assert_cmpint (fd, >=, 0);
  fflush (stdout);
  dup2 (fd, STDOUT_FILENO);
  close (fd);
  rd_console_print_report_table (report);
  fflush (stdout);
  dup2 (saved, STDOUT_FILENO);
  close (saved);
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_remove (path);
  return text;
}

static void
assert_has (const char *text, const char *needle)
{
  if (strstr (text, needle) == NULL)
    g_error ("no \"%s\" in:\n%s", needle, text);
}

/* The console's table: labels in Vietnamese, every number ending at display column 65 whatever
 * the label's bytes. */
static void
test_table (BookFixture *f, gconstpointer data)
{
  g_autoptr (JsonObject) report = quarter_report (f->ledger);
  g_autofree char *text = printed (f, report);
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  guint numbers = 0;

  g_assert_true (g_str_has_prefix (text, "BÁO CÁO KẾT QUẢ CÔNG TÁC TIẾP CÔNG DÂN quý IV năm 2026\n"
                                         "Từ ngày 01/10/2026 đến ngày 31/12/2026"));
  assert_has (text, "\nI. TIẾP CÔNG DÂN\n");
  assert_has (text, "\n    - Vụ việc cũ");
  assert_has (text, "\n  Số đoàn đông người");
  assert_has (text, "\n    - Tố cáo");
  assert_has (text, "\n    - Chưa ghi lĩnh vực");
  g_assert_null (strstr (text, "Hoàng Thị Kín"));
  for (guint i = 0; lines[i]; i++)
    {
      const char *unit = g_strrstr (lines[i], "  ");
      g_autofree char *head = NULL;

      if (unit == NULL || unit == lines[i] || !g_ascii_isdigit (unit[-1]))
        continue;
      head = g_strndup (lines[i], (gsize)(unit - lines[i]));
      if (g_utf8_strlen (head, -1) != 65)
        g_error ("line \"%s\": its number ends at column %ld", lines[i], g_utf8_strlen (head, -1));
      numbers++;
    }
  g_assert_cmpuint (numbers, >, 20);
  {
    /* "    - Số người trong đoàn" is 25 columns and 33 bytes. */
    g_autofree char *line =
        g_strdup_printf ("\n    - Số người trong đoàn%*s7  người\n", 65 - 25 - 1, "");
    assert_has (text, line);
  }
}

static void
test_xlsx (BookFixture *f, gconstpointer data)
{
  g_autoptr (JsonObject) report = quarter_report (f->ledger);
  g_autoptr (GError) error = NULL;
  g_autofree char *path = g_build_filename (f->dir, "bao-cao-quy-4.xlsx", NULL);
  g_autofree char *script =
      g_build_filename (g_getenv ("RD_TEST_SRCDIR"), "tests", "book-xlsx-dump.py", NULL);
  g_autofree char *out = NULL;
  g_autoptr (JsonNode) root = NULL;
  JsonObject *dump;
  JsonArray *merged;
  GStatBuf st;

  g_assert_true (rd_documents_write_report_xlsx (report, path, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_false (rd_documents_write_report_xlsx (report, path, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS);
  g_clear_error (&error);

  out = rd_test_docs_run ((const char *const[]){ PYTHON, script, path, NULL }, "python3-openpyxl");
  if (out == NULL)
    return;
  root = json_from_string (out, &error);
  g_assert_no_error (error);
  dump = json_node_get_object (root);
  g_assert_cmpstr (json_object_get_string_member (dump, "title"), ==, "Báo cáo");
  g_assert_cmpstr (rd_test_docs_cell_text (dump, "A1"), ==,
                   "BÁO CÁO KẾT QUẢ CÔNG TÁC TIẾP CÔNG DÂN quý IV năm 2026");
  g_assert_nonnull (
      strstr (rd_test_docs_cell_text (dump, "A2"), "Từ ngày 01/10/2026 đến ngày 31/12/2026"));
  g_assert_nonnull (strstr (rd_test_docs_cell_text (dump, "A3"), "02/2021/TT-TTCP"));
  merged = json_object_get_array_member (dump, "merged");
  for (const char *const *r = (const char *const[]){ "A1:C1", "A2:C2", "A3:C3", "A6:C6", NULL }; *r;
       r++)
    if (!rd_test_docs_has_string (merged, *r))
      g_error ("%s is not merged", *r);
  g_assert_cmpstr (rd_test_docs_cell_text (dump, "A5"), ==, "Chỉ tiêu");
  g_assert_cmpstr (rd_test_docs_cell_text (dump, "B5"), ==, "Số lượng");
  g_assert_cmpstr (rd_test_docs_cell_text (dump, "C5"), ==, "Đơn vị tính");
  g_assert_cmpstr (rd_test_docs_cell_text (dump, "A6"), ==, "I. TIẾP CÔNG DÂN");
  /* The lines in the ledger's order: receptions, in person, online, people, matters, old, new,
   * groups, their people, ... */
  g_assert_cmpstr (rd_test_docs_cell_text (dump, "A7"), ==, "Số lượt tiếp công dân");
  g_assert_cmpint (rd_test_docs_cell_number (dump, "B7"), ==, 4);
  g_assert_cmpstr (rd_test_docs_cell_text (dump, "C7"), ==, "lượt");
  g_assert_cmpstr (rd_test_docs_cell_text (dump, "A8"), ==, "- Tiếp trực tiếp");
  g_assert_cmpint (rd_test_docs_cell_number (dump, "B8"), ==, 4);
  g_assert_cmpint (rd_test_docs_cell_number (dump, "B9"), ==, 0);
  g_assert_cmpstr (rd_test_docs_cell_text (dump, "A10"), ==, "Số người được tiếp");
  g_assert_cmpint (rd_test_docs_cell_number (dump, "B10"), ==, 1 + 7 + 1 + 1);
  g_assert_cmpint (rd_test_docs_cell_number (dump, "B11"), ==, 3); /* matters */
  g_assert_cmpint (rd_test_docs_cell_number (dump, "B12"), ==, 1); /* old: 3 repeats 1 */
  g_assert_cmpint (rd_test_docs_cell_number (dump, "B13"), ==, 2); /* new */
  g_assert_cmpint (rd_test_docs_cell_number (dump, "B14"), ==, 1); /* groups */
  g_assert_cmpint (rd_test_docs_cell_number (dump, "B15"), ==, 7); /* their people */
  g_assert_cmpstr (rd_test_docs_cell_text (dump, "A18"), ==,
                   "II. PHÂN LOẠI VỤ VIỆC QUA TIẾP CÔNG DÂN");
  g_assert_cmpstr (rd_test_docs_cell_text (dump, "A21"), ==, "- Tố cáo");
  g_assert_cmpint (rd_test_docs_cell_number (dump, "B21"), ==, 1);
  g_assert_null (strstr (out, "Hoàng Thị Kín"));
  g_assert_false (json_object_get_boolean_member (dump, "landscape"));
}

static void
test_pdf (BookFixture *f, gconstpointer data)
{
  g_autoptr (JsonObject) report = quarter_report (f->ledger);
  g_autoptr (GError) error = NULL;
  g_autofree char *path = g_build_filename (f->dir, "bao-cao-quy-4.pdf", NULL);
  g_autofree char *png =
      g_build_filename (g_getenv ("RD_TEST_BINDIR"), "tests", "report-pdf-page1", NULL);
  g_autofree char *png_file = g_strconcat (png, ".png", NULL);
  g_autofree char *text = NULL, *all = NULL, *info = NULL;

  g_assert_true (rd_documents_write_report_pdf (report, path, &error));
  g_assert_no_error (error);
  info = rd_test_docs_run ((const char *const[]){ "pdfinfo", "-enc", "UTF-8", path, NULL },
                           "poppler-utils");
  if (info == NULL)
    return;
  g_assert_nonnull (strstr (info, "Page size:       595.28 x 841.89 pts (A4)"));
  text = rd_test_docs_run (
      (const char *const[]){ "pdftotext", "-raw", "-enc", "UTF-8", path, "-", NULL },
      "poppler-utils");
  all = rd_test_docs_flat (text);
  g_assert_nonnull (strstr (all, "BÁO CÁO KẾT QUẢ CÔNG TÁC TIẾP CÔNG DÂN quý IV năm 2026"));
  g_assert_nonnull (strstr (all, "Chỉ tiêu Số lượng Đơn vị tính I. TIẾP CÔNG DÂN"));
  g_assert_nonnull (strstr (all, "Số lượt tiếp công dân 4 lượt"));
  g_assert_nonnull (strstr (all, "- Tiếp trực tuyến 0 lượt"));
  g_assert_nonnull (strstr (all, "Số người được tiếp 10 người"));
  g_assert_nonnull (strstr (all, "- Số người trong đoàn 7 người"));
  g_assert_nonnull (strstr (all, "- đất đai 1 vụ việc"));
  g_assert_nonnull (strstr (all, "III. KẾT QUẢ TIẾP CÔNG DÂN"));
  g_assert_nonnull (strstr (all, "NGƯỜI LẬP BIỂU"));
  g_assert_nonnull (strstr (all, "THỦ TRƯỞNG CƠ QUAN, ĐƠN VỊ"));
  g_assert_nonnull (strstr (all, "Trang 1"));
  g_assert_null (strstr (all, "Hoàng Thị Kín"));
  g_assert_true (g_utf8_validate (all, -1, NULL));

  g_free (rd_test_docs_run ((const char *const[]){ "pdftoppm", "-png", "-r", "80", "-f", "1", "-l",
                                                   "1", "-singlefile", path, png, NULL },
                            "poppler-utils"));
  g_assert_true (g_file_test (png_file, G_FILE_TEST_IS_REGULAR));
  g_test_message ("the first page is in %s", png_file);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add (path, BookFixture, NULL, book_set_up, fn, book_tear_down)
  ADD ("/report/table", test_table);
  ADD ("/report/xlsx", test_xlsx);
  ADD ("/report/pdf", test_pdf);
  return g_test_run ();
}
