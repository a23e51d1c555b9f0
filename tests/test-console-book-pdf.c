/* test-console-book-pdf.c: the book as PDF, laid out by receptionctl's writer from the JSON
 * form the ledger gives, read back by Poppler's tools (Debian poppler-utils), which nobody here
 * wrote: pdftotext (-raw: in the order drawn, cell by cell) finds the title, the grouped headers
 * and the rows with their diacritics intact (NFC, as the ledger stores them), the headers again on
 * the second page, the page numbers; pdftoppm renders the first page, kept as an artifact in the
 * build's tests/ folder (book-pdf-page1.png). The file is new, 0600, and never replaces one. */
#include "tests/rd-test-book.h"
#include "tests/rd-test-docs.h"
#include "documents/rd-documents-book-pdf.h"

#include <gio/gio.h>
#include <sys/stat.h>

#define ACTOR  "uid=1000(officer)"
#define N_ROWS 40

static JsonObject *
book_form (RdLedger *ledger)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  g_autoptr (JsonNode) root = NULL;

  book_add_registration (ledger, "{\"name\": \"Nguyễn Văn An\", \"address\": \"12 Lê Lợi, phường "
                                 "Bến Nghé\", \"id_document\": \"CCCD 079088001234\","
                                 " \"summary\": \"S\", \"classification\": \"khieu-nai\","
                                 " \"people_count\": 12, \"field\": \"đất đai\","
                                 " \"representatives\": [\"Nguyễn Văn An\", \"Lê Thị Năm\"]}");
  book_add_registration (ledger, "{\"name\": \"Trần Thị Bích\", \"address\": \"45 Hai Bà Trưng\","
                                 " \"summary\": \"S\", \"classification\": \"kien-nghi\","
                                 " \"prior_body\": \"UBND phường (2025)\"}");
  for (int i = 0; i < N_ROWS; i++)
    {
      static const char *const handlings[] = {
        "\"handling\": \"competent\"",
        "\"handling\": \"guided\", \"handling_body\": \"TAND khu vực 1\", "
        "\"document_number\": \"12/HD-UBND\"",
        "\"handling\": \"transferred\", \"handling_body\": \"Thanh tra thành phố\", "
        "\"document_number\": \"45/UBND-TTr\"",
        "\"handling\": \"refused\", \"legal_basis\": \"Khoản 1 Điều 9 Luật Tiếp công dân "
        "2013\", \"refusal_reason\": \"Người đang say rượu\"",
      };
      g_autofree char *json = g_strdup_printf (
          "{\"registration_id\": %d, \"reception_date\": \"2026-11-%02d\", \"content\": \"Lần "
          "%d: trình bày tranh chấp ranh giới đất với hộ liền kề, yêu cầu đo đạc lại và cấp "
          "giấy chứng nhận quyền sử dụng đất\", %s, \"officer\": \"Phạm Thu\","
          " \"confirmation\": \"signature\", \"notes\": \"Công dân mang theo bản sao sổ "
          "đỏ\"}",
          1 + i % 2, 1 + i % 28, i + 1, handlings[i % 4]);
      g_autoptr (JsonObject) fields = book_fields (json);

      rd_ledger_reception_add (ledger, fields, ACTOR, &error);
      g_assert_no_error (error);
    }
  text = rd_ledger_book_export (ledger, "2026-11-01", "2026-11-30", RD_LEDGER_BOOK_PDF, NULL, FALSE,
                                ACTOR, NULL, NULL, &error);
  g_assert_no_error (error);
  root = json_from_string (text, &error);
  g_assert_no_error (error);
  return json_object_ref (json_node_get_object (root));
}

static void
test_read_back (BookFixture *f, gconstpointer data)
{
  g_autoptr (JsonObject) book = book_form (f->ledger);
  g_autoptr (GError) error = NULL;
  g_autofree char *path = g_build_filename (f->dir, "so-tiep-cong-dan.pdf", NULL);
  g_autofree char *png =
      g_build_filename (g_getenv ("RD_TEST_BINDIR"), "tests", "book-pdf-page1", NULL);
  g_autofree char *png_file = g_strconcat (png, ".png", NULL);
  g_autofree char *all = NULL, *first = NULL, *second = NULL, *info = NULL;
  g_autofree char *all_flat = NULL, *first_flat = NULL, *second_flat = NULL;
  GStatBuf st;

  g_assert_true (rd_documents_write_book_pdf (book, path, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  info = rd_test_docs_run ((const char *const[]){ "pdfinfo", "-enc", "UTF-8", path, NULL },
                           "poppler-utils");
  if (info == NULL)
    return;
  g_assert_nonnull (strstr (info, "Sổ tiếp công dân (Mẫu số 03/TCD)"));
  g_assert_nonnull (strstr (info, "Page size:       841.89 x 595.28 pts (A4)"));
  all = rd_test_docs_run (
      (const char *const[]){ "pdftotext", "-raw", "-enc", "UTF-8", path, "-", NULL },
      "poppler-utils");
  first = rd_test_docs_run ((const char *const[]){ "pdftotext", "-raw", "-enc", "UTF-8", "-f", "1",
                                                   "-l", "1", path, "-", NULL },
                            "poppler-utils");
  second = rd_test_docs_run ((const char *const[]){ "pdftotext", "-raw", "-enc", "UTF-8", "-f", "2",
                                                    "-l", "2", path, "-", NULL },
                             "poppler-utils");
  all_flat = rd_test_docs_flat (all);
  first_flat = rd_test_docs_flat (first);
  second_flat = rd_test_docs_flat (second);
  g_assert_nonnull (strstr (first_flat, "SỔ TIẾP CÔNG DÂN"));
  g_assert_nonnull (strstr (first_flat, "Mẫu số 03/TCD, từ ngày 01/11/2026 đến ngày 30/11/2026"));
  g_assert_nonnull (strstr (first_flat, "liên tục trong năm"));
  g_assert_nonnull (strstr (first_flat, "Công dân"));
  g_assert_nonnull (strstr (first_flat, "Hướng xử lý"));
  g_assert_nonnull (strstr (first_flat, "Theo dõi kết quả giải quyết"));
  g_assert_nonnull (strstr (first_flat, "Nguyễn Văn An, 12 Lê Lợi, phường Bến Nghé"));
  g_assert_nonnull (strstr (first_flat, "khiếu nại; lĩnh vực: đất đai"));
  g_assert_nonnull (strstr (first_flat, "Trang 1"));
  /* More rows than one page holds: the headers again, and the rows go on. */
  g_assert_nonnull (strstr (second_flat, "Hướng xử lý"));
  g_assert_nonnull (strstr (second_flat, "(13)"));
  g_assert_nonnull (strstr (second_flat, "Trang 2"));
  g_assert_null (strstr (second_flat, "SỔ TIẾP CÔNG DÂN"));
  g_assert_nonnull (strstr (all_flat, "Lần 40: trình bày tranh chấp"));
  g_assert_nonnull (strstr (all_flat, "Từ chối tiếp công dân. Lý do: Người đang say rượu. Căn "
                                      "cứ: Khoản 1 Điều 9"));
  g_assert_nonnull (strstr (all_flat, "Thanh tra thành phố; văn bản chuyển đơn số 45/UBND-"));
  g_assert_nonnull (g_utf8_normalize (all_flat, -1, G_NORMALIZE_NFC)); /* valid UTF-8 throughout */
  g_assert_true (g_utf8_validate (all_flat, -1, NULL));

  g_free (rd_test_docs_run ((const char *const[]){ "pdftoppm", "-png", "-r", "60", "-f", "1", "-l",
                                                   "1", "-singlefile", path, png, NULL },
                            "poppler-utils"));
  g_assert_true (g_file_test (png_file, G_FILE_TEST_IS_REGULAR));
  g_test_message ("the first page is in %s", png_file);
}

static void
test_never_replaces (BookFixture *f, gconstpointer data)
{
  g_autoptr (JsonObject) book = book_form (f->ledger);
  g_autoptr (GError) error = NULL;
  g_autofree char *path = g_build_filename (f->dir, "book.pdf", NULL);
  g_autofree char *contents = NULL;

  g_assert_true (g_file_set_contents (path, "keep me", -1, NULL));
  g_assert_false (rd_documents_write_book_pdf (book, path, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS);
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "keep me");
  g_clear_error (&error);
  json_object_remove_member (book, "columns");
  g_assert_false (rd_documents_write_book_pdf (book, path, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/book/pdf/read-back", BookFixture, NULL, book_set_up, test_read_back,
              book_tear_down);
  g_test_add ("/book/pdf/never-replaces", BookFixture, NULL, book_set_up, test_never_replaces,
              book_tear_down);
  return g_test_run ();
}
