/* test-ledger-book-export.c: the book Mẫu số 03/TCD from a fixed set of records, compared byte
 * for byte with the checked-in tests/data/book-golden.csv (BOM, headers, RFC 4180 quoting, CSV
 * injection neutralised, NFC text, a protected identity redacted); the JSON form; reveal and
 * --for-transfer; bad dates; the monthly report. */
#include "tests/rd-test-book.h"
#include "ledger/rd-ledger-error.h"

#define ACTOR "uid=1000(officer)"

static gint64
add_reception (RdLedger *ledger, const char *json)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) fields = book_fields (json);
  gint64 id = rd_ledger_reception_add (ledger, fields, ACTOR, &error);

  g_assert_no_error (error);
  return id;
}

/* The fixed records: four receptions in November 2026, one in December. */
static void
add_records (RdLedger *ledger)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *session = NULL;
  g_autoptr (JsonObject) conclusion = NULL;
  g_autoptr (JsonObject) done = NULL;
  g_autoptr (JsonObject) open = NULL;
  gint64 c;

  book_add_registration (
      ledger, "{\"name\": \"Nguyễn Văn An\", \"address\": \"12 Lê Lợi, phường Bến Nghé\","
              " \"id_document\": \"CCCD 079088001234\", \"summary\": \"Tranh chấp ranh giới đất\","
              " \"classification\": \"complaint\", \"people_count\": 3,"
              " \"prior_body\": \"UBND phường (2025)\"}");
  book_add_registration (
      ledger, "{\"name\": \"Trần Thị Bích\", \"address\": \"45 Hai Bà Trưng\","
              " \"id_document\": \"CCCD 079188009999\", \"summary\": \"Tố cáo cán bộ nhận tiền\","
              " \"classification\": \"to-cao\"}");
  book_add_registration (
      ledger, "{\"name\": \"+84 Lê Cường\", \"address\": \"-5 đường số 3\","
              " \"id_document\": \"@SUM(A1)\", \"summary\": \"=HYPERLINK(\\\"http://x\\\")\","
              " \"classification\": \"petition\", \"people_count\": 12}");
  /* NFD input: "Phạm Thu Hà", "Đề nghị" with combining marks. */
  book_add_registration (
      ledger, "{\"name\": \"Pha\xcc\xa3m Thu Ha\xcc\x80\", \"summary\": \"Đe\xcc\x82\xcc\x80 "
              "nghi\xcc\xa3 sửa đèn\", \"classification\": \"feedback\"}");

  add_reception (ledger, "{\"registration_id\": 1, \"reception_date\": \"2026-11-02\","
                         " \"content\": \"Trình bày tranh chấp\", \"handling\": \"competent\","
                         " \"officer\": \"Phạm Thu\", \"confirmation\": \"signature\","
                         " \"notes\": \"Ghi chú có \\\"ngoặc kép\\\"\"}");
  add_reception (ledger, "{\"registration_id\": 2, \"reception_date\": \"2026-11-03\","
                         " \"content\": \"Tố cáo\", \"handling\": \"transferred\","
                         " \"handling_body\": \"Thanh tra thành phố\","
                         " \"document_number\": \"45/UBND-TTr\", \"officer\": \"Phạm Thu\","
                         " \"confirmation\": \"fingerprint\"}");
  add_reception (ledger, "{\"registration_id\": 3, \"reception_date\": \"2026-11-05\","
                         " \"content\": \"=HYPERLINK(\\\"http://x\\\")\", \"handling\": \"guided\","
                         " \"handling_body\": \"TAND khu vực 1\", \"document_number\": \"12/HD\","
                         " \"officer\": \"Phạm Thu\", \"confirmation\": \"verbal\","
                         " \"notes\": \"dòng 1\\ndòng 2\"}");
  add_reception (ledger, "{\"registration_id\": 4, \"reception_date\": \"2026-11-06\","
                         " \"content\": \"Đe\xcc\x82\xcc\x80 nghi\xcc\xa3 sửa đèn\","
                         " \"handling\": \"refused\","
                         " \"legal_basis\": \"Điều 9 Luật Tiếp công dân 2013\","
                         " \"refusal_reason\": \"Người say rượu\", \"officer\": \"Phạm Thu\","
                         " \"confirmation\": \"declined\"}");
  add_reception (ledger, "{\"registration_id\": 1, \"reception_date\": \"2026-12-01\","
                         " \"content\": \"Lần 2\", \"handling\": \"competent\","
                         " \"officer\": \"Phạm Thu\", \"confirmation\": \"signature\"}");

  session = rd_ledger_session_start (ledger, NULL, ACTOR, &error);
  g_assert_no_error (error);
  conclusion = book_fields ("{\"text\": \"Kiểm tra hiện trạng\", \"assignee\": \"Phòng TN-MT\","
                            " \"due\": \"2026-11-20\", \"registration_id\": 1}");
  c = rd_ledger_conclusion_add (ledger, session, conclusion, ACTOR, &error);
  g_assert_no_error (error);
  done = book_fields ("{\"progress\": \"Đã đo đạc\", \"outcome\": \"Hai hộ thống nhất mốc\"}");
  g_assert_true (rd_ledger_followup_update (ledger, c, done, ACTOR, &error));
  open = book_fields ("{\"text\": \"Trả lời bằng văn bản\", \"assignee\": \"Văn phòng\","
                      " \"due\": \"2026-11-25\", \"registration_id\": 1}");
  rd_ledger_conclusion_add (ledger, session, open, ACTOR, &error);
  g_assert_no_error (error);
}

static char *export(RdLedger *ledger, RdLedgerBookFormat format, const char *reason,
                    gboolean for_transfer, gboolean *revealed)
{
  g_autoptr (GError) error = NULL;
  guint rows = 0;
  char *text = rd_ledger_book_export (ledger, "2026-11-01", "2026-11-30", format, reason,
                                      for_transfer, ACTOR, &rows, revealed, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (rows, ==, 4);
  return text;
}

static void
test_golden_csv (BookFixture *f, gconstpointer data)
{
  g_autofree char *golden_path =
      g_build_filename (g_getenv ("RD_TEST_SRCDIR"), "tests", "data", "book-golden.csv", NULL);
  g_autofree char *golden = NULL;
  g_autofree char *csv = NULL;
  g_autoptr (GError) error = NULL;
  gboolean revealed = TRUE;
  sqlite3 *db;

  add_records (f->ledger);
  csv = export(f->ledger, RD_LEDGER_BOOK_CSV, NULL, FALSE, &revealed);
  g_assert_false (revealed);
  g_file_get_contents (golden_path, &golden, NULL, &error);
  g_assert_no_error (error);
  if (g_strcmp0 (csv, golden) != 0)
    {
      g_autofree char *actual =
          g_build_filename (g_getenv ("RD_TEST_BINDIR"), "tests", "book-golden.actual.csv", NULL);
      g_file_set_contents (actual, csv, -1, NULL);
      g_error ("the export differs from %s; it was written to %s", golden_path, actual);
    }
  /* What the golden file promises, said once more in words. */
  g_assert_true (g_str_has_prefix (
      csv, "\xEF\xBB\xBFSTT (liên tục trong năm),Ngày tiếp,\"Họ tên, địa chỉ\","));
  g_assert_nonnull (strstr (csv, ",\"'=HYPERLINK(\"\"http://x\"\")\","));
  g_assert_nonnull (strstr (csv, "\"'+84 Lê Cường, -5 đường số 3\",'@SUM(A1),"));
  g_assert_nonnull (strstr (csv, "Phạm Thu Hà")); /* NFC */
  g_assert_null (strstr (csv, "Trần Thị Bích"));
  g_assert_null (strstr (csv, "079188009999"));
  g_assert_nonnull (strstr (csv, "\r\n"));

  db = book_raw_open (f);
  g_assert_cmpint (
      book_raw_int (db, "SELECT count (*) FROM events WHERE kind = 'book-exported' AND actor = "
                        "'uid=1000(officer)' AND json_extract (detail, '$.rows') = 4 "
                        "AND json_extract (detail, '$.revealed') = 0"),
      ==, 1);
  g_assert_cmpint (book_raw_int (db, "SELECT count (*) FROM events WHERE kind = "
                                     "'identity-revealed'"),
                   ==, 0);
  sqlite3_close (db);
}

static void
test_reveal_and_transfer (BookFixture *f, gconstpointer data)
{
  g_autofree char *revealed_csv = NULL;
  g_autofree char *transfer_csv = NULL;
  gboolean revealed = FALSE;
  sqlite3 *db;

  add_records (f->ledger);
  revealed_csv = export(f->ledger, RD_LEDGER_BOOK_CSV, "Thanh tra yêu cầu", FALSE, &revealed);
  g_assert_true (revealed);
  g_assert_nonnull (strstr (revealed_csv, "\"Trần Thị Bích, 45 Hai Bà Trưng\",CCCD 079188009999"));
  db = book_raw_open (f);
  g_assert_cmpint (
      book_raw_int (db, "SELECT count (*) FROM events WHERE kind = 'identity-revealed' AND actor = "
                        "'uid=1000(officer)' AND json_extract (detail, '$.reason') = "
                        "'Thanh tra yêu cầu' AND json_extract (detail, '$.registrations') = '[2]'"),
      ==, 1);
  sqlite3_close (db);

  /* For transfer: never the protected identity, reason or not; the others stay. */
  transfer_csv = export(f->ledger, RD_LEDGER_BOOK_CSV, "Thanh tra yêu cầu", TRUE, &revealed);
  g_assert_false (revealed);
  g_assert_null (strstr (transfer_csv, "Trần Thị Bích"));
  g_assert_null (strstr (transfer_csv, "079188009999"));
  g_assert_nonnull (strstr (transfer_csv, RD_LEDGER_BOOK_REDACTED));
  g_assert_nonnull (strstr (transfer_csv, "Nguyễn Văn An"));
  db = book_raw_open (f);
  g_assert_cmpint (book_raw_int (db, "SELECT count (*) FROM events WHERE kind = "
                                     "'identity-revealed'"),
                   ==, 1);
  g_assert_cmpint (book_raw_int (db, "SELECT count (*) FROM events WHERE kind = 'book-exported' "
                                     "AND json_extract (detail, '$.for_transfer') = 1"),
                   ==, 1);
  sqlite3_close (db);
}

static void
test_json_form (BookFixture *f, gconstpointer data)
{
  g_autofree char *text = NULL;
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (GError) error = NULL;
  const char *const *headers = rd_ledger_book_columns ();
  JsonObject *o, *row;
  JsonArray *columns;
  g_autoptr (GList) members = NULL;
  guint i = 0;

  add_records (f->ledger);
  text = export(f->ledger, RD_LEDGER_BOOK_JSON, NULL, FALSE, NULL);
  root = json_from_string (text, &error);
  g_assert_no_error (error);
  o = json_node_get_object (root);
  g_assert_cmpstr (json_object_get_string_member (o, "form"), ==, "Mẫu số 03/TCD");
  columns = json_object_get_array_member (o, "columns");
  g_assert_cmpuint (json_array_get_length (columns), ==, 13);
  g_assert_cmpuint (g_strv_length ((char **)headers), ==, 13);
  for (i = 0; i < 13; i++)
    g_assert_cmpstr (json_array_get_string_element (columns, i), ==, headers[i]);
  g_assert_cmpstr (headers[0], ==, "STT");
  g_assert_cmpstr (headers[12], ==, "Ghi chú");
  row = json_array_get_object_element (json_object_get_array_member (o, "rows"), 2);
  members = json_object_get_members (row);
  i = 0;
  for (GList *l = members; l; l = l->next, i++)
    g_assert_cmpstr (l->data, ==, i < 13 ? headers[i] : "details");
  g_assert_cmpuint (i, ==, 14);
  g_assert_cmpint (json_object_get_int_member (row, "STT"), ==, 3);
  /* JSON is not opened by spreadsheets: text as recorded. */
  g_assert_cmpstr (json_object_get_string_member (row, "Nội dung vụ việc"), ==,
                   "=HYPERLINK(\"http://x\")");
  g_assert_cmpint (json_object_get_int_member (row, "Số người cùng nội dung"), ==, 12);
  g_assert_cmpstr (json_object_get_string_member (row, "Hướng dẫn công dân"), ==,
                   "TAND khu vực 1; văn bản hướng dẫn số 12/HD");
}

static void
test_bad_dates (BookFixture *f, gconstpointer data)
{
  static const char *const cases[][3] = {
    { "2026-11-31", "2026-12-01", "from \"2026-11-31\" is not a date" },
    { "2026-11-01", "30/11/2026", "to \"30/11/2026\" is not a date" },
    { "2026-12-01", "2026-11-01", "from 2026-12-01 is later than to 2026-11-01" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *text =
          rd_ledger_book_export (f->ledger, cases[i][0], cases[i][1], RD_LEDGER_BOOK_CSV, NULL,
                                 FALSE, ACTOR, NULL, NULL, &error);
      g_assert_null (text);
      g_assert_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID);
      g_assert_nonnull (strstr (error->message, cases[i][2]));
    }
}

/* Every character a spreadsheet starts a formula with, at the start of a text cell, is
 * neutralised (even "-2": in a text column it is text); the same character inside a cell, or
 * the number columns, are left alone. (A leading tab or CR cannot be stored: text is trimmed.) */
static void
test_csv_injection (BookFixture *f, gconstpointer data)
{
  static const char *const given[] = { "=1+1", "+1+1", "-1+1", "@SUM(A1)", "-2", "a=b-c" };
  static const char *const cells[] = { "'=1+1", "'+1+1", "'-1+1", "'@SUM(A1)", "'-2", "a=b-c" };
  g_autofree char *csv = NULL;
  g_autoptr (GError) error = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (given); i++)
    {
      const char *reg = "{\"name\": \"N\", \"summary\": \"S\", \"classification\": \"phan-anh\"}";
      g_autofree char *rec = g_strdup_printf (
          "{\"registration_id\": %" G_GSIZE_FORMAT ", \"reception_date\": \"2026-11-10\","
          " \"content\": \"%s\", \"handling\": \"competent\", \"officer\": \"-O\","
          " \"confirmation\": \"verbal\", \"notes\": \"%s\"}",
          i + 1, given[i], given[i]);
      book_add_registration (f->ledger, reg);
      add_reception (f->ledger, rec);
    }
  csv = rd_ledger_book_export (f->ledger, "2026-11-10", "2026-11-10", RD_LEDGER_BOOK_CSV, NULL,
                               FALSE, ACTOR, NULL, NULL, &error);
  g_assert_no_error (error);
  for (gsize i = 0; i < G_N_ELEMENTS (cells); i++)
    {
      /* Row i+1: STT, date, name, document, content (column 5) ... notes (column 13). */
      g_autofree char *row =
          g_strdup_printf ("\r\n%" G_GSIZE_FORMAT ",10/11/2026,N,,%s,phản ánh,1,", i + 1, cells[i]);
      g_autofree char *end = g_strdup_printf (",%s\r\n", cells[i]);
      const char *at = strstr (csv, row);

      if (at == NULL)
        g_error ("no row \"%s\" in:\n%s", row, csv);
      g_assert_true (g_str_has_prefix (strstr (at + 2, end) ?: "", end));
    }
}

static void
test_monthly_report (BookFixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) report = NULL;
  JsonObject *o, *by;

  add_records (f->ledger);
  report = rd_ledger_book_report (f->ledger, "2026-11", &error);
  g_assert_no_error (error);
  o = json_node_get_object (report);
  g_assert_cmpstr (json_object_get_string_member (o, "to"), ==, "2026-11-30");
  g_assert_cmpint (json_object_get_int_member (o, "receptions"), ==, 4);
  by = json_object_get_object_member (o, "by_classification");
  g_assert_cmpint (json_object_get_int_member (by, "khiếu nại"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (by, "tố cáo"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (by, "kiến nghị"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (by, "phản ánh"), ==, 1);
  by = json_object_get_object_member (o, "by_handling");
  g_assert_cmpint (json_object_get_int_member (by, "competent"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (by, "refused"), ==, 1);
  by = json_object_get_object_member (o, "by_outcome");
  /* Registration 1 has a done conclusion; 2, 3 and 4 were passed on or refused. */
  g_assert_cmpint (json_object_get_int_member (by, "resolved"), ==, 4);
  g_assert_cmpint (json_object_get_int_member (by, "pending"), ==, 0);
  g_clear_pointer (&report, json_node_unref);

  report = rd_ledger_book_report (f->ledger, "2026-13", &error);
  g_assert_null (report);
  g_assert_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "month \"2026-13\" is not a month YYYY-MM"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add (path, BookFixture, NULL, book_set_up, fn, book_tear_down)
  ADD ("/book/export/golden-csv", test_golden_csv);
  ADD ("/book/export/reveal-and-transfer", test_reveal_and_transfer);
  ADD ("/book/export/json-form", test_json_form);
  ADD ("/book/export/bad-dates", test_bad_dates);
  ADD ("/book/export/csv-injection", test_csv_injection);
  ADD ("/book/report/monthly", test_monthly_report);
  return g_test_run ();
}
