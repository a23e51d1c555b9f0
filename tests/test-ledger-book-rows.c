/* test-ledger-book-rows.c: the book's rows as they were recorded: an edit of the registration
 * after a reception leaves that reception's row as it was; STT runs through the calendar year
 * across exports and starts again in the next; a refusal's columns; a group, its field, a
 * repeated matter, who presided and the bridge points through the export; CSV with ';'; and a
 * ledger of schema version 6 migrated without touching its rows, still verifying (its refusal
 * notice naming the citizen as the row does). */
#include "tests/rd-test-book.h"
#include "ledger/rd-ledger-chain.h"
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

static void
update (RdLedger *ledger, gint64 id, const char *json)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) fields = book_fields (json);

  g_assert_true (rd_ledger_registration_update (ledger, id, fields, ACTOR, &error));
  g_assert_no_error (error);
}

/* The JSON export of [@from, @to] (transfer full) */
static JsonObject *
export_json (RdLedger *ledger, const char *from, const char *to, const char *reveal)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *text = rd_ledger_book_export (ledger, from, to, RD_LEDGER_BOOK_JSON, reveal,
                                                 FALSE, ACTOR, NULL, NULL, &error);
  g_autoptr (JsonNode) root = NULL;

  g_assert_no_error (error);
  root = json_from_string (text, &error);
  g_assert_no_error (error);
  return json_object_ref (json_node_get_object (root));
}

static JsonObject *
row_of (JsonObject *book, guint i)
{
  JsonArray *rows = json_object_get_array_member (book, "rows");

  g_assert_cmpuint (i, <, json_array_get_length (rows));
  return json_array_get_object_element (rows, i);
}

static guint
n_rows (JsonObject *book)
{
  return json_array_get_length (json_object_get_array_member (book, "rows"));
}

static const char *
cell (JsonObject *row, const char *header)
{
  return json_object_get_string_member (row, header);
}

static JsonObject *
details (JsonObject *row)
{
  return json_object_get_object_member (row, "details");
}

/* The 13 cells of @row as one text, for comparing whole rows. (transfer full) */
static char *
row_text (JsonObject *row)
{
  const char *const *headers = rd_ledger_book_columns ();
  GString *s = g_string_new (NULL);

  for (int i = 0; headers[i]; i++)
    {
      JsonNode *n = json_object_get_member (row, headers[i]);
      g_autofree char *v = json_to_string (n, FALSE);
      g_string_append_printf (s, "%s|", v);
    }
  return g_string_free (s, FALSE);
}

static void
test_edit_after_reception (BookFixture *f, gconstpointer data)
{
  g_autoptr (JsonObject) before = NULL;
  g_autoptr (JsonObject) after = NULL;
  g_autofree char *first = NULL;
  g_autofree char *again = NULL;
  JsonObject *row;

  book_add_registration (f->ledger,
                         "{\"name\": \"Nguyễn Văn An\", \"address\": \"12 Lê Lợi\","
                         " \"id_document\": \"CCCD 079088001234\", \"summary\": \"Tranh chấp đất\","
                         " \"classification\": \"complaint\", \"people_count\": 2,"
                         " \"field\": \"đất đai\", \"prior_body\": \"UBND phường\"}");
  add_reception (f->ledger, "{\"registration_id\": 1, \"reception_date\": \"2026-11-02\","
                            " \"content\": \"Trình bày ranh giới với nhà số 14\","
                            " \"handling\": \"competent\", \"officer\": \"Phạm Thu\","
                            " \"confirmation\": \"signature\"}");
  before = export_json (f->ledger, "2026-11-01", "2026-11-30", NULL);
  row = row_of (before, 0);
  /* The reception's own content, not the registration's summary. */
  g_assert_cmpstr (cell (row, "Nội dung vụ việc"), ==, "Trình bày ranh giới với nhà số 14");
  g_assert_cmpstr (cell (row, "Họ tên, địa chỉ"), ==, "Nguyễn Văn An, 12 Lê Lợi");
  g_assert_cmpint (json_object_get_int_member (details (row), "registration_revision"), ==, 1);
  g_assert_true (json_object_get_boolean_member (details (row), "revision_recorded"));
  first = row_text (row);

  /* Every field the row shows, edited afterwards. */
  update (f->ledger, 1,
          "{\"name\": \"Nguyễn Văn Bình\", \"address\": \"99 Hàm Nghi\","
          " \"id_document\": \"CCCD 000000000000\", \"summary\": \"Đã sửa\","
          " \"classification\": \"kien-nghi\", \"people_count\": 7, \"field\": \"xây dựng\","
          " \"prior_body\": \"Không\", \"representatives\": [\"Trần Văn C\"]}");
  add_reception (f->ledger, "{\"registration_id\": 1, \"reception_date\": \"2026-11-20\","
                            " \"content\": \"Lần 2\", \"handling\": \"competent\","
                            " \"officer\": \"Phạm Thu\", \"confirmation\": \"signature\"}");
  after = export_json (f->ledger, "2026-11-01", "2026-11-30", NULL);
  g_assert_cmpuint (n_rows (after), ==, 2);
  again = row_text (row_of (after, 0));
  g_assert_cmpstr (again, ==, first);
  /* The reception made after the edit shows the edit. */
  row = row_of (after, 1);
  g_assert_cmpstr (cell (row, "Họ tên, địa chỉ"), ==,
                   "Nguyễn Văn Bình, 99 Hàm Nghi; đại diện đoàn: Trần Văn C");
  g_assert_cmpstr (cell (row, "Loại đơn"), ==, "kiến nghị; lĩnh vực: xây dựng");
  g_assert_cmpint (json_object_get_int_member (row, "Số người cùng nội dung"), ==, 7);
  g_assert_cmpint (json_object_get_int_member (details (row), "registration_revision"), ==, 2);
}

static void
test_stt_through_the_year (BookFixture *f, gconstpointer data)
{
  static const char *const dates[] = { "2026-01-05", "2026-01-20", "2026-02-03", "2026-02-10",
                                       "2027-01-04" };
  g_autoptr (JsonObject) january = NULL;
  g_autoptr (JsonObject) february = NULL;
  g_autoptr (JsonObject) february_again = NULL;
  g_autoptr (JsonObject) next_year = NULL;
  g_autoptr (JsonObject) whole = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *csv = NULL;

  book_add_registration (f->ledger, "{\"name\": \"A\", \"summary\": \"S\","
                                    " \"classification\": \"phan-anh\"}");
  for (gsize i = 0; i < G_N_ELEMENTS (dates); i++)
    {
      g_autofree char *json = g_strdup_printf (
          "{\"registration_id\": 1, \"reception_date\": \"%s\", \"content\": \"C%zu\","
          " \"handling\": \"competent\", \"officer\": \"O\", \"confirmation\": \"verbal\"}",
          dates[i], i + 1);
      add_reception (f->ledger, json);
    }
  january = export_json (f->ledger, "2026-01-01", "2026-01-31", NULL);
  february = export_json (f->ledger, "2026-02-01", "2026-02-28", NULL);
  next_year = export_json (f->ledger, "2027-01-01", "2027-01-31", NULL);
  g_assert_cmpuint (n_rows (january), ==, 2);
  g_assert_cmpint (json_object_get_int_member (row_of (january, 0), "STT"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (row_of (january, 1), "STT"), ==, 2);
  g_assert_cmpuint (n_rows (february), ==, 2);
  g_assert_cmpint (json_object_get_int_member (row_of (february, 0), "STT"), ==, 3);
  g_assert_cmpint (json_object_get_int_member (row_of (february, 1), "STT"), ==, 4);
  g_assert_cmpuint (n_rows (next_year), ==, 1);
  g_assert_cmpint (json_object_get_int_member (row_of (next_year, 0), "STT"), ==, 1);
  /* The export says how STT runs. */
  g_assert_nonnull (strstr (json_object_get_string_member (january, "numbering"), "trong năm"));
  csv = rd_ledger_book_export (f->ledger, "2026-01-01", "2026-01-31", RD_LEDGER_BOOK_CSV, NULL,
                               FALSE, ACTOR, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (csv, "\xEF\xBB\xBFSTT (liên tục trong năm),"));

  /* A record made late, dated in January: the next number of the year; February keeps its. */
  add_reception (f->ledger, "{\"registration_id\": 1, \"reception_date\": \"2026-01-25\","
                            " \"content\": \"muộn\", \"handling\": \"competent\","
                            " \"officer\": \"O\", \"confirmation\": \"verbal\"}");
  february_again = export_json (f->ledger, "2026-02-01", "2026-02-28", NULL);
  g_assert_cmpint (json_object_get_int_member (row_of (february_again, 0), "STT"), ==, 3);
  g_assert_cmpint (json_object_get_int_member (row_of (february_again, 1), "STT"), ==, 4);
  whole = export_json (f->ledger, "2026-01-01", "2027-12-31", NULL);
  g_assert_cmpuint (n_rows (whole), ==, 6);
  for (guint i = 0; i < 5; i++) /* 2026 in the order recorded, then 2027 from 1 */
    g_assert_cmpint (json_object_get_int_member (row_of (whole, i), "STT"), ==, i + 1);
  g_assert_cmpstr (cell (row_of (whole, 4), "Nội dung vụ việc"), ==, "muộn");
  g_assert_cmpint (json_object_get_int_member (row_of (whole, 5), "STT"), ==, 1);
}

static void
test_refusal_columns (BookFixture *f, gconstpointer data)
{
  g_autoptr (JsonObject) book = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *csv = NULL;
  JsonObject *row;

  book_add_registration (f->ledger, "{\"name\": \"Lê Cường\", \"summary\": \"S\","
                                    " \"classification\": \"khieu-nai\"}");
  add_reception (f->ledger, "{\"registration_id\": 1, \"reception_date\": \"2026-11-06\","
                            " \"content\": \"Khiếu nại lần 3, đã có quyết định cuối cùng\","
                            " \"handling\": \"refused\","
                            " \"legal_basis\": \"Khoản 2 Điều 9 Luật Tiếp công dân 2013\","
                            " \"refusal_reason\": \"Vụ việc đã giải quyết đúng pháp luật\","
                            " \"officer\": \"Phạm Thu\", \"confirmation\": \"declined\"}");
  book = export_json (f->ledger, "2026-11-01", "2026-11-30", NULL);
  row = row_of (book, 0);
  /* A refusal decides nothing about competence, guides no one and passes nothing on. */
  g_assert_cmpstr (cell (row, "Thuộc thẩm quyền"), ==, "");
  g_assert_cmpstr (cell (row, "Hướng dẫn công dân"), ==, "");
  g_assert_cmpstr (cell (row, "Cơ quan thụ lý"), ==, "");
  g_assert_cmpstr (cell (row, "Ghi chú"), ==,
                   "Từ chối tiếp công dân. Lý do: Vụ việc đã giải quyết đúng pháp luật. Căn cứ: "
                   "Khoản 2 Điều 9 Luật Tiếp công dân 2013");
  g_assert_cmpstr (json_object_get_string_member (details (row), "legal_basis"), ==,
                   "Khoản 2 Điều 9 Luật Tiếp công dân 2013");
  g_assert_cmpstr (json_object_get_string_member (details (row), "refusal_reason"), ==,
                   "Vụ việc đã giải quyết đúng pháp luật");
  g_assert_cmpstr (json_object_get_string_member (details (row), "handling"), ==, "refused");

  /* The same with ';' between cells: the cell with a ',' is left bare, a ';' would be quoted. */
  csv = rd_ledger_book_export (f->ledger, "2026-11-01", "2026-11-30", RD_LEDGER_BOOK_CSV_SEMICOLON,
                               NULL, FALSE, ACTOR, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (csv, "\xEF\xBB\xBFSTT (liên tục trong năm);Ngày tiếp;Họ tên, "
                                        "địa chỉ;CCCD/CMND/Hộ chiếu;"));
  g_assert_nonnull (strstr (csv, "\r\n1;06/11/2026;Lê Cường;;Khiếu nại lần 3, đã có quyết định "
                                 "cuối cùng;khiếu nại;1;;;;;;Từ chối tiếp công dân."));
}

static void
test_groups_fields_bridge (BookFixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) book = NULL;
  g_autoptr (JsonObject) revealed = NULL;
  g_autoptr (JsonNode) shown = NULL;
  g_autoptr (JsonNode) bridge = NULL;
  g_autofree char *session = NULL;
  g_autofree char *json = NULL;
  g_autoptr (JsonObject) presiding = book_fields ("{\"name\": \"Võ Minh Đức\","
                                                  " \"position\": \"Chủ tịch UBND phường\"}");
  g_autoptr (JsonObject) central = book_fields ("{\"name\": \"Phòng họp UBND phường\","
                                                " \"kind\": \"central\"}");
  g_autoptr (JsonObject) component = book_fields ("{\"name\": \"Ban Tiếp công dân thành phố\","
                                                  " \"kind\": \"component\"}");
  g_autoptr (JsonObject) second_central =
      book_fields ("{\"name\": \"Khác\", \"kind\": \"central\"}");
  g_autoptr (JsonObject) at_central = book_fields ("{\"bridge_point\": \"Phòng họp UBND phường\","
                                                   " \"name\": \"Phạm Thu\","
                                                   " \"position\": \"công chức\"}");
  g_autoptr (JsonObject) at_component =
      book_fields ("{\"bridge_point\": \"Ban Tiếp công dân thành phố\", \"name\": \"Đỗ Hải\"}");
  g_autoptr (JsonObject) nowhere = book_fields ("{\"bridge_point\": \"X\", \"name\": \"Y\"}");
  JsonObject *row, *d, *o;
  JsonArray *points;

  book_add_registration (f->ledger, "{\"name\": \"Hộ ông Tư\", \"summary\": \"Lần đầu\","
                                    " \"classification\": \"kien-nghi\"}");
  book_add_registration (f->ledger,
                         "{\"name\": \"Nguyễn Văn Tư\", \"address\": \"Khu phố 3\","
                         " \"summary\": \"Đền bù giải tỏa\", \"classification\": \"khieu-nai\","
                         " \"people_count\": 12, \"field\": \"đất đai\", \"repeat_of\": 1,"
                         " \"representatives\": [\"Nguyễn Văn Tư\", \" Lê Thị Năm \"]}");
  /* Protected: the representatives are sealed like the identity. */
  book_add_registration (f->ledger, "{\"name\": \"Người tố cáo\", \"summary\": \"Tố cáo\","
                                    " \"classification\": \"to-cao\","
                                    " \"representatives\": [\"Đại diện kín\"]}");
  g_assert_false (book_file_contains (f, "Đại diện kín"));
  /* repeat_of names an earlier registration that exists. */
  {
    g_autoptr (JsonObject) bad = book_fields ("{\"name\": \"N\", \"summary\": \"S\","
                                              " \"classification\": \"phan-anh\","
                                              " \"repeat_of\": 9}");
    g_assert_cmpint (rd_ledger_registration_add (f->ledger, bad, ACTOR, &error), ==, 0);
    g_assert_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID);
    g_assert_nonnull (strstr (error->message, "repeat_of"));
    g_clear_error (&error);
  }

  session = rd_ledger_session_start (f->ledger, NULL, ACTOR, &error);
  g_assert_no_error (error);
  g_assert_true (rd_ledger_session_presiding_set (f->ledger, session, presiding, ACTOR, &error));
  g_assert_no_error (error);
  g_assert_false (rd_ledger_session_presiding_set (f->ledger, session, presiding, ACTOR, &error));
  g_assert_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_STATE);
  g_clear_error (&error);
  g_assert_cmpint (rd_ledger_bridge_point_add (f->ledger, session, central, ACTOR, &error), >, 0);
  g_assert_cmpint (rd_ledger_bridge_point_add (f->ledger, session, component, ACTOR, &error), >, 0);
  g_assert_no_error (error);
  g_assert_cmpint (rd_ledger_bridge_point_add (f->ledger, session, second_central, ACTOR, &error),
                   ==, 0);
  g_assert_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_STATE);
  g_clear_error (&error);
  g_assert_cmpint (rd_ledger_bridge_point_attend (f->ledger, session, at_central, ACTOR, &error), >,
                   0);
  g_assert_cmpint (rd_ledger_bridge_point_attend (f->ledger, session, at_component, ACTOR, &error),
                   >, 0);
  g_assert_no_error (error);
  g_assert_cmpint (rd_ledger_bridge_point_attend (f->ledger, session, nowhere, ACTOR, &error), ==,
                   0);
  g_assert_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_NOT_FOUND);
  g_clear_error (&error);

  json = g_strdup_printf ("{\"registration_id\": 2, \"session_id\": \"%s\","
                          " \"reception_date\": \"2026-11-10\", \"content\": \"Đoàn trình bày\","
                          " \"handling\": \"competent\", \"officer\": \"Phạm Thu\","
                          " \"confirmation\": \"signature\"}",
                          session);
  add_reception (f->ledger, json);
  g_free (json);
  json = g_strdup_printf ("{\"registration_id\": 3, \"session_id\": \"%s\","
                          " \"reception_date\": \"2026-11-10\", \"content\": \"Tố cáo\","
                          " \"handling\": \"competent\", \"officer\": \"Phạm Thu\","
                          " \"presiding_officer\": \"Phó Chủ tịch\","
                          " \"confirmation\": \"signature\"}",
                          session);
  add_reception (f->ledger, json);

  book = export_json (f->ledger, "2026-11-10", "2026-11-10", NULL);
  row = row_of (book, 0);
  d = details (row);
  g_assert_cmpstr (cell (row, "Họ tên, địa chỉ"), ==,
                   "Nguyễn Văn Tư, Khu phố 3; đại diện đoàn: Nguyễn Văn Tư, Lê Thị Năm");
  g_assert_cmpstr (cell (row, "Nội dung vụ việc"), ==,
                   "Đoàn trình bày (vụ việc cũ, đã đăng ký số 1)");
  g_assert_cmpstr (cell (row, "Loại đơn"), ==, "khiếu nại; lĩnh vực: đất đai");
  g_assert_cmpint (json_object_get_int_member (row, "Số người cùng nội dung"), ==, 12);
  g_assert_cmpstr (cell (row, "Ghi chú"), ==,
                   "Chủ trì: Võ Minh Đức; Điểm cầu trung tâm: Phòng họp UBND phường (Phạm Thu - "
                   "công chức); Điểm cầu thành phần: Ban Tiếp công dân thành phố (Đỗ Hải)");
  g_assert_cmpstr (json_object_get_string_member (d, "field"), ==, "đất đai");
  g_assert_cmpint (json_object_get_int_member (d, "repeat_of"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (d, "people_count"), ==, 12);
  g_assert_cmpstr (json_object_get_string_member (d, "presiding_officer"), ==, "Võ Minh Đức");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (d, "representatives")), ==,
                    2);
  points = json_object_get_array_member (d, "bridge_points");
  g_assert_cmpuint (json_array_get_length (points), ==, 2);
  o = json_array_get_object_element (points, 0);
  g_assert_cmpstr (json_object_get_string_member (o, "kind"), ==, "central");
  g_assert_cmpstr (
      json_object_get_string_member (
          json_array_get_object_element (json_object_get_array_member (o, "attendees"), 0), "name"),
      ==, "Phạm Thu");
  /* The protected one: its representatives redacted, its own presiding officer. */
  row = row_of (book, 1);
  g_assert_cmpstr (cell (row, "Họ tên, địa chỉ"), ==, RD_LEDGER_BOOK_REDACTED);
  g_assert_cmpstr (json_array_get_string_element (
                       json_object_get_array_member (details (row), "representatives"), 0),
                   ==, RD_LEDGER_BOOK_REDACTED);
  g_assert_nonnull (strstr (cell (row, "Ghi chú"), "Chủ trì: Phó Chủ tịch"));
  revealed = export_json (f->ledger, "2026-11-10", "2026-11-10", "kiểm tra theo yêu cầu thanh tra");
  g_assert_cmpstr (cell (row_of (revealed, 1), "Họ tên, địa chỉ"), ==,
                   "Người tố cáo; đại diện đoàn: Đại diện kín");

  /* The registration shows them too. */
  shown = rd_ledger_registration_show (f->ledger, 2, NULL, ACTOR, &error);
  g_assert_no_error (error);
  o = json_node_get_object (shown);
  g_assert_cmpstr (json_object_get_string_member (o, "field"), ==, "đất đai");
  g_assert_cmpint (json_object_get_int_member (o, "repeat_of"), ==, 1);
  g_assert_cmpstr (
      json_array_get_string_element (json_object_get_array_member (o, "representatives"), 1), ==,
      "Lê Thị Năm");
  bridge = rd_ledger_session_bridge (f->ledger, session, &error);
  g_assert_no_error (error);
  o = json_node_get_object (bridge);
  g_assert_cmpstr (
      json_object_get_string_member (json_object_get_object_member (o, "presiding"), "position"),
      ==, "Chủ tịch UBND phường");

  /* Nothing of it changes afterwards, behind the ledger's back either. */
  {
    sqlite3 *db = book_raw_open (f);
    const char *refused[] = {
      "UPDATE bridge_points SET name = 'khác'",
      "DELETE FROM bridge_points",
      "UPDATE bridge_point_attendees SET name = 'khác'",
      "UPDATE session_presiding SET name = 'khác'",
      "UPDATE registrations SET representatives = '[\"rõ\"]' WHERE id = 3",
    };

    for (gsize i = 0; i < G_N_ELEMENTS (refused); i++)
      g_free (rd_test_sqlite_exec_fails (db, refused[i]));
    sqlite3_close (db);
  }

  /* Protection sealed later seals the representatives of the earlier revisions too. */
  update (f->ledger, 2, "{\"protection_requested\": true}");
  g_assert_false (book_file_contains (f, "Lê Thị Năm"));
  {
    sqlite3 *db = book_raw_open (f);
    g_autofree char *message = rd_test_sqlite_exec_fails (
        db, "UPDATE registration_history SET field = 'khác' WHERE registration_id = 2");

    g_assert_nonnull (strstr (message, "append-only"));
    sqlite3_close (db);
  }
  g_clear_pointer (&book, json_object_unref);
  book = export_json (f->ledger, "2026-11-10", "2026-11-10", "kiểm tra theo yêu cầu thanh tra");
  g_assert_cmpstr (cell (row_of (book, 0), "Họ tên, địa chỉ"), ==,
                   "Nguyễn Văn Tư, Khu phố 3; đại diện đoàn: Nguyễn Văn Tư, Lê Thị Năm");
}

/* A ledger of schema version 6 with receptions, one registration edited after its reception:
 * opened by this version, nothing in its rows or chain changes, it verifies, and the export
 * shows the old reception on the revision in force when it was recorded, saying so. */
static void
test_migrate_old_ledger (BookFixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) report = NULL;
  g_autoptr (JsonObject) book = NULL;
  g_autofree char *rows_before = NULL;
  g_autofree char *rows_after = NULL;
  /* Every old column of the rows the version-6 file holds, and the chain. */
  const char *dump =
      "SELECT group_concat (x, char (10)) FROM ("
      "SELECT json_array ('receptions', id, registration_id, session_id, reception_date, content, "
      "handling, handling_body, document_number, legal_basis, refusal_reason, officer, "
      "confirmation, notes, created_at, created_by) AS x FROM receptions UNION ALL "
      "SELECT json_array ('registrations', id, revision, created_at, updated_at, name, address, "
      "summary, people_count, prior_body, attachments) FROM registrations UNION ALL "
      "SELECT json_array ('history', id, registration_id, revision, name, address, summary, "
      "superseded_at) FROM registration_history UNION ALL "
      "SELECT json_array ('chain', seq, tbl, row_id, op, hash) FROM chain)";
  gint64 entries_before;
  sqlite3 *db;
  JsonObject *row;

  f->ledger = rd_ledger_open_at_version_for_testing (f->dir, 6, &error);
  g_assert_no_error (error);
  g_assert_true (
      rd_ledger_book_set_key (f->ledger, rd_test_book_key, sizeof rd_test_book_key, &error));
  g_assert_no_error (error);
  book_add_registration (f->ledger, "{\"name\": \"Trần Cũ\", \"address\": \"Số 1\","
                                    " \"summary\": \"Cũ\", \"classification\": \"phan-anh\"}");
  add_reception (f->ledger, "{\"registration_id\": 1, \"reception_date\": \"2026-06-01\","
                            " \"content\": \"Nội dung ghi năm cũ\", \"handling\": \"refused\","
                            " \"legal_basis\": \"Điều 9\", \"refusal_reason\": \"Say rượu\","
                            " \"officer\": \"O\", \"confirmation\": \"declined\"}");
  update (f->ledger, 1, "{\"name\": \"Trần Mới\", \"address\": \"Số 2\"}");
  report = rd_ledger_verify (f->ledger, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (json_object_get_boolean_member (json_node_get_object (report), "ok"));
  g_clear_pointer (&f->ledger, rd_ledger_close);

  db = book_raw_open (f);
  g_assert_cmpint (book_raw_int (db, "PRAGMA user_version"), ==, 6);
  entries_before = book_raw_int (db, "SELECT count (*) FROM chain");
  rows_before = rd_test_sqlite_text (db, dump);
  sqlite3_close (db);

  f->ledger = rd_ledger_open (f->dir, &error);
  g_assert_no_error (error);
  g_assert_cmpint (rd_ledger_get_schema_version (f->ledger), ==, RD_LEDGER_SCHEMA_VERSION);
  g_assert_true (
      rd_ledger_book_set_key (f->ledger, rd_test_book_key, sizeof rd_test_book_key, &error));
  g_assert_no_error (error);
  db = book_raw_open (f);
  /* No entry added, no row changed: the new columns are NULL in the old rows. */
  g_assert_cmpint (book_raw_int (db, "SELECT count (*) FROM chain"), ==, entries_before);
  g_assert_cmpint (book_raw_int (db, "SELECT count (*) FROM chain WHERE op = 'migrate'"), ==, 0);
  g_assert_cmpint (book_raw_int (db, "SELECT count (*) FROM receptions "
                                     "WHERE registration_revision IS NULL"),
                   ==, 1);
  rows_after = rd_test_sqlite_text (db, dump);
  sqlite3_close (db);
  g_assert_cmpstr (rows_after, ==, rows_before);
  g_clear_pointer (&report, json_node_unref);
  report = rd_ledger_verify (f->ledger, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (json_object_get_boolean_member (json_node_get_object (report), "ok"));

  book = export_json (f->ledger, "2026-06-01", "2026-06-30", NULL);
  row = row_of (book, 0);
  g_assert_cmpstr (cell (row, "Họ tên, địa chỉ"), ==, "Trần Cũ, Số 1");
  g_assert_cmpstr (cell (row, "Nội dung vụ việc"), ==, "Nội dung ghi năm cũ");
  g_assert_false (json_object_get_boolean_member (details (row), "revision_recorded"));
  g_assert_nonnull (strstr (cell (row, "Ghi chú"), "Bản ghi lập trước khi sổ lưu phiên bản"));
  g_assert_nonnull (strstr (cell (row, "Ghi chú"), "phiên bản 1"));
  g_assert_cmpstr (cell (row, "Thuộc thẩm quyền"), ==, "");

  /* The refusal notice and the report take the same revision as the row. */
  {
    g_autoptr (JsonNode) doc =
        rd_ledger_book_document (f->ledger, "refusal", "1", NULL, "uid=1000(officer)", &error);
    g_autoptr (JsonNode) june = NULL;
    JsonObject *who;

    g_assert_no_error (error);
    who = json_object_get_object_member (json_node_get_object (doc), "citizen");
    g_assert_cmpstr (json_object_get_string_member (who, "name"), ==, "Trần Cũ");
    g_assert_cmpstr (json_object_get_string_member (who, "address"), ==, "Số 1");
    g_assert_cmpint (json_object_get_int_member (who, "revision"), ==, 1);
    june = rd_ledger_book_report (f->ledger, "2026-06", &error);
    g_assert_no_error (error);
    g_assert_cmpint (json_object_get_int_member (json_node_get_object (june), "receptions"), ==, 1);
  }
}

static void
set_up_dir_only (BookFixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->dir = g_dir_make_tmp ("test-book-rows-XXXXXX", &error);
  g_assert_no_error (error);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add (path, BookFixture, NULL, book_set_up, fn, book_tear_down)
  ADD ("/book/rows/edit-after-reception", test_edit_after_reception);
  ADD ("/book/rows/stt-through-the-year", test_stt_through_the_year);
  ADD ("/book/rows/refusal-columns", test_refusal_columns);
  ADD ("/book/rows/groups-fields-bridge", test_groups_fields_bridge);
#undef ADD
  /* Opens its own ledger at version 6 (data non-NULL: no ledger opened by the fixture). */
  g_test_add ("/book/rows/migrate-old-ledger", BookFixture, "old", set_up_dir_only,
              test_migrate_old_ledger, book_tear_down);
  return g_test_run ();
}
