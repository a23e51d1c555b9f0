/* test-console-documents.c: the book's printed documents (the refusal notice, the receipt of
 * documents, the session record, the notice of conclusions) as the ledger gives them
 * (rd_ledger_book_document()) and receptionctl lays them out (rd-console-documents.h), read back
 * by Poppler's pdftotext (Debian poppler-utils, -raw: in the order drawn) with their diacritics
 * intact: the citizen as recorded, the session's times in the room's zone, bridge points and
 * attendees, who presided, the recordings with their SHA-256, the pauses with their reasons, the
 * conclusions with assignees and due dates, the signature blocks. A protected identity is in no
 * document unless revealed with a reason, which is recorded first; every document is an event.
 * The first page of each is rendered by pdftoppm into the build's tests/ folder
 * (document-KIND-page1.png). */
#include "tests/rd-test-book.h"
#include "tests/rd-test-docs.h"
#include "console/rd-console-documents.h"
#include "ledger/rd-ledger-error.h"
#include "ledger/rd-ledger-recordings.h"

#include <gio/gio.h>
#include <sys/stat.h>

#define ACTOR "uid=1000(officer)"
#define HASH  "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

typedef struct
{
  char *session;
  gint64 refused; /* the refused reception */
} Book;

/* 1: Nguyễn Văn An, khiếu nại, with two documents; 2: a protected denouncer. A session (started
 * now) presided by Trần Văn Chủ, central point UBND phường with two attendees and a component
 * point; an agency connected; one segment sealed; the recording paused and resumed; 1 received
 * (competent), 2 refused; one conclusion about 1. Then 1 is edited: the documents show what was
 * recorded. */
static Book
make_book (RdLedger *ledger)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) presiding =
      book_fields ("{\"name\": \"Trần Văn Chủ\", \"position\": \"Chủ tịch UBND phường\"}");
  g_autoptr (JsonObject) central = book_fields ("{\"name\": \"UBND phường Bến Nghé\", "
                                                "\"kind\": \"central\"}");
  g_autoptr (JsonObject) component = book_fields ("{\"name\": \"Tổ dân phố 5\", "
                                                  "\"kind\": \"component\"}");
  g_autoptr (JsonObject) a1 = book_fields ("{\"bridge_point\": \"UBND phường Bến Nghé\", "
                                           "\"name\": \"Lê Thư Ký\", \"position\": \"Công chức "
                                           "tư pháp\"}");
  g_autoptr (JsonObject) a2 = book_fields ("{\"bridge_point\": \"Tổ dân phố 5\", \"name\": "
                                           "\"Võ Tổ Trưởng\", \"position\": \"Tổ trưởng\"}");
  g_autoptr (JsonObject) edit = book_fields ("{\"name\": \"Tên Sửa Sau\"}");
  g_autoptr (JsonNode) paused =
      json_from_string ("{\"reason\": \"Công dân xin nghỉ giải lao\"}", NULL);
  g_autoptr (JsonNode) resumed = json_from_string ("{\"reason\": \"Tiếp tục phiên\"}", NULL);
  Book b = { 0 };

  book_add_registration (ledger,
                         "{\"name\": \"Nguyễn Văn An\", \"address\": \"12 Lê Lợi, phường Bến "
                         "Nghé\", \"id_document\": \"CCCD 079088001234\", \"summary\": \"Tranh "
                         "chấp ranh giới đất\", \"classification\": \"khieu-nai\", "
                         "\"attachments\": [{\"name\": \"Đơn khiếu nại\", \"pages\": 3, "
                         "\"condition\": \"bản gốc\"}, {\"name\": \"Sổ đỏ\", \"pages\": 2, "
                         "\"condition\": \"bản sao công chứng\"}]}");
  book_add_registration (ledger, "{\"name\": \"Hoàng Thị Kín\", \"address\": \"Hẻm 7\", "
                                 "\"id_document\": \"CCCD 001199999999\", \"summary\": \"Tố cáo "
                                 "cán bộ\", \"classification\": \"to-cao\", \"attachments\": "
                                 "[{\"name\": \"Đơn tố cáo\", \"pages\": 1}]}");
  b.session = rd_ledger_session_start (ledger, "Tiếp định kỳ", ACTOR, &error);
  g_assert_no_error (error);
  g_assert_true (rd_ledger_session_presiding_set (ledger, b.session, presiding, ACTOR, &error));
  g_assert_cmpint (rd_ledger_bridge_point_add (ledger, b.session, central, ACTOR, &error), >, 0);
  g_assert_cmpint (rd_ledger_bridge_point_add (ledger, b.session, component, ACTOR, &error), >, 0);
  g_assert_cmpint (rd_ledger_bridge_point_attend (ledger, b.session, a1, ACTOR, &error), >, 0);
  g_assert_cmpint (rd_ledger_bridge_point_attend (ledger, b.session, a2, ACTOR, &error), >, 0);
  g_assert_cmpint (rd_ledger_participant_join (ledger, b.session, "peer-1", 0, "agency",
                                               "Sở Tài nguyên và Môi trường", "10.0.0.9", ACTOR,
                                               &error),
                   >, 0);
  g_assert_no_error (error);
  g_assert_true (
      rd_ledger_recording_add (ledger, b.session, 1, "recordings/phien/seg-1.mkv", NULL, &error));
  g_assert_true (rd_ledger_recording_seal (ledger, b.session, 1, "sealed", HASH, 1000, 5000000000,
                                           NULL, NULL, &error));
  g_assert_cmpint (
      rd_ledger_add_event (ledger, b.session, ACTOR, "recording-paused", paused, &error), >, 0);
  g_assert_cmpint (
      rd_ledger_add_event (ledger, b.session, ACTOR, "recording-resumed", resumed, &error), >, 0);
  g_assert_no_error (error);
  {
    g_autofree char *j1 = g_strdup_printf (
        "{\"registration_id\": 1, \"session_id\": \"%s\", \"content\": \"Đề nghị đo đạc lại "
        "ranh giới\", \"handling\": \"competent\", \"officer\": \"Phạm Thu\", "
        "\"confirmation\": \"signature\"}",
        b.session);
    g_autofree char *j2 = g_strdup_printf (
        "{\"registration_id\": 2, \"session_id\": \"%s\", \"content\": \"Tố cáo cán bộ địa "
        "chính\", \"handling\": \"refused\", \"legal_basis\": \"Khoản 2 Điều 9 Luật Tiếp công "
        "dân 2013\", \"refusal_reason\": \"Người đang say rượu\", \"officer\": \"Phạm Thu\", "
        "\"confirmation\": \"declined\"}",
        b.session);
    g_autofree char *j3 = g_strdup_printf ("{\"text\": \"Giao đo đạc lại ranh giới thửa đất\", "
                                           "\"assignee\": \"Công chức địa chính\", \"due\": "
                                           "\"2027-01-15\", \"registration_id\": 1}");
    g_autoptr (JsonObject) r1 = book_fields (j1);
    g_autoptr (JsonObject) r2 = book_fields (j2);
    g_autoptr (JsonObject) c1 = book_fields (j3);

    g_assert_cmpint (rd_ledger_reception_add (ledger, r1, ACTOR, &error), >, 0);
    b.refused = rd_ledger_reception_add (ledger, r2, ACTOR, &error);
    g_assert_cmpint (b.refused, >, 0);
    g_assert_cmpint (rd_ledger_conclusion_add (ledger, b.session, c1, ACTOR, &error), >, 0);
    g_assert_no_error (error);
  }
  g_assert_true (rd_ledger_registration_update (ledger, 1, edit, ACTOR, &error));
  g_assert_no_error (error);
  return b;
}

static void
book_clear (Book *b)
{
  g_free (b->session);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Book, book_clear)

/* Document @kind about @id as PDF text (flattened), its first page rendered; NULL when
 * Poppler is missing (the test is skipped). */
static char *
document_text (BookFixture *f, const char *kind, const char *id, const char *reason)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) doc = rd_ledger_book_document (f->ledger, kind, id, reason, ACTOR, &error);
  g_autofree char *name = g_strdup_printf ("%s-%s%s.pdf", kind, id, reason ? "-revealed" : "");
  g_autofree char *path = g_build_filename (f->dir, name, NULL);
  g_autofree char *png_name = g_strdup_printf ("document-%s-page1", kind);
  g_autofree char *png = g_build_filename (g_getenv ("RD_TEST_BINDIR"), "tests", png_name, NULL);
  g_autofree char *text = NULL;
  GStatBuf st;

  g_assert_no_error (error);
  g_assert_nonnull (doc);
  g_assert_true (rd_console_write_document_pdf (json_node_get_object (doc), path, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  text = rd_test_docs_run (
      (const char *const[]){ "pdftotext", "-raw", "-enc", "UTF-8", path, "-", NULL },
      "poppler-utils");
  if (text == NULL)
    return NULL;
  /* The picture: of a receipt, the one of an identity in the clear. */
  if (reason == NULL && !(g_str_equal (kind, "receipt") && g_str_equal (id, "2")))
    g_free (rd_test_docs_run ((const char *const[]){ "pdftoppm", "-png", "-r", "80", "-f", "1",
                                                     "-l", "1", "-singlefile", path, png, NULL },
                              "poppler-utils"));
  g_assert_true (g_utf8_validate (text, -1, NULL));
  return rd_test_docs_flat (text);
}

static void
assert_has (const char *text, const char *needle)
{
  if (strstr (text, needle) == NULL)
    g_error ("no \"%s\" in:\n%s", needle, text);
}

static void
assert_lacks (const char *text, const char *needle)
{
  if (strstr (text, needle) != NULL)
    g_error ("\"%s\" should not be in:\n%s", needle, text);
}

static void
test_refusal (BookFixture *f, gconstpointer data)
{
  g_auto (Book) b = make_book (f->ledger);
  g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, b.refused);
  g_autofree char *text = document_text (f, "refusal", id, NULL);
  g_autofree char *revealed = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) none = NULL;
  sqlite3 *db;

  if (text == NULL)
    return;
  assert_has (text, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM");
  assert_has (text, "Độc lập - Tự do - Hạnh phúc");
  assert_has (text, "THÔNG BÁO Về việc từ chối tiếp công dân");
  assert_has (text, "Căn cứ Khoản 2 Điều 9 Luật Tiếp công dân 2013;");
  assert_has (text, "Ông/Bà: " RD_LEDGER_BOOK_REDACTED);
  assert_has (text, "Lý do từ chối: Người đang say rượu.");
  assert_has (text, "người chủ trì: Trần Văn Chủ");
  assert_has (text, "NGƯỜI TIẾP CÔNG DÂN");
  assert_lacks (text, "Hoàng Thị Kín");
  assert_lacks (text, "001199999999");

  revealed = document_text (f, "refusal", id, "Cơ quan điều tra yêu cầu bằng văn bản");
  assert_has (revealed, "Ông/Bà: Hoàng Thị Kín");
  assert_has (revealed, "CCCD 001199999999");
  db = book_raw_open (f);
  {
    g_autofree char *events = book_last_events (db, 2);
    g_assert_cmpstr (events, ==, "identity-revealed document-issued");
  }
  sqlite3_close (db);

  /* A reception that was not refused has no refusal notice. */
  none = rd_ledger_book_document (f->ledger, "refusal", "1", NULL, ACTOR, &error);
  g_assert_null (none);
  g_assert_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_STATE);
}

static void
test_receipt (BookFixture *f, gconstpointer data)
{
  g_auto (Book) b = make_book (f->ledger);
  g_autofree char *text = document_text (f, "receipt", "1", NULL);
  g_autofree char *sealed = NULL;

  if (text == NULL)
    return;
  assert_has (text, "GIẤY BIÊN NHẬN Thông tin, tài liệu, bằng chứng");
  assert_has (text, "Địa chỉ: 12 Lê Lợi, phường Bến Nghé");
  assert_has (text, "(khiếu nại; đơn số 1, phiên bản 2).");
  assert_has (text, "STT Tên thông tin, tài liệu, bằng chứng Số trang Tình trạng");
  assert_has (text, "1 Đơn khiếu nại 3 bản gốc");
  assert_has (text, "2 Sổ đỏ 2 bản sao công chứng");
  assert_has (text, "NGƯỜI NỘP");
  assert_has (text, "NGƯỜI NHẬN");
  sealed = document_text (f, "receipt", "2", NULL);
  assert_has (sealed, "1 Đơn tố cáo 1");
  assert_lacks (sealed, "Hoàng Thị Kín");
}

static void
test_record (BookFixture *f, gconstpointer data)
{
  g_auto (Book) b = make_book (f->ledger);
  g_autofree char *text = document_text (f, "record", b.session, NULL);
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *today = g_date_time_format (now, "%d/%m/%Y");
  sqlite3 *db;

  if (text == NULL)
    return;
  assert_has (text, "BIÊN BẢN Phiên tiếp công dân");
  assert_has (text, "Tiếp định kỳ");
  assert_has (text, "Thời gian: bắt đầu");
  assert_has (text, today); /* the start, in the room's zone */
  assert_has (text, "Người chủ trì: Trần Văn Chủ, Chủ tịch UBND phường.");
  assert_has (text, "- Điểm cầu trung tâm: UBND phường Bến Nghé; thành phần tham dự: Lê Thư Ký "
                    "(Công chức tư pháp)");
  assert_has (text, "- Điểm cầu thành phần: Tổ dân phố 5; thành phần tham dự: Võ Tổ Trưởng (Tổ "
                    "trưởng)");
  /* The citizen as recorded, not the later edit; the protected one redacted. */
  assert_has (text, "1. Nguyễn Văn An, 12 Lê Lợi, phường Bến Nghé");
  assert_lacks (text, "Tên Sửa Sau");
  assert_has (text, "2. " RD_LEDGER_BOOK_REDACTED);
  assert_lacks (text, "Hoàng Thị Kín");
  assert_has (text, "Các bên kết nối từ xa: 1.");
  assert_has (text, "- Cơ quan Sở Tài nguyên và Môi trường: vào");
  assert_has (text, "tạm dừng, lý do: Công dân xin nghỉ giải lao");
  assert_has (text, "ghi tiếp, lý do: Tiếp tục phiên");
  assert_has (text, "recordings/phien/seg-1.mkv");
  {
    /* The hash reads back whole: broken across lines, never hyphenated. */
    g_autofree char *joined = g_strdup (text);
    g_autoptr (GString) s = g_string_new (NULL);

    for (const char *c = joined; *c; c++)
      if (*c != ' ')
        g_string_append_c (s, *c);
    assert_has (s->str, HASH "sealed");
  }
  assert_has (text, "NGƯỜI GHI BIÊN BẢN");
  assert_has (text, "NGƯỜI CHỦ TRÌ (Ký, ghi rõ họ tên) Trần Văn Chủ");
  db = book_raw_open (f);
  g_assert_cmpint (book_raw_int (db, "SELECT count (*) FROM events WHERE kind = "
                                     "'document-issued' AND session_id IS NOT NULL"),
                   ==, 1);
  g_assert_cmpint (book_raw_int (db, "SELECT count (*) FROM events WHERE kind = "
                                     "'identity-revealed'"),
                   ==, 0);
  sqlite3_close (db);
}

static void
test_conclusions (BookFixture *f, gconstpointer data)
{
  g_auto (Book) b = make_book (f->ledger);
  g_autofree char *text = document_text (f, "conclusions", b.session, NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) none = NULL;

  if (text == NULL)
    return;
  assert_has (text, "THÔNG BÁO Kết luận của người chủ trì phiên tiếp công dân");
  assert_has (text, "Trần Văn Chủ chủ trì phiên tiếp công dân.");
  assert_has (text, "1. Giao đo đạc lại ranh giới thửa đất (đơn số 1). Giao: Công chức địa "
                    "chính; thời hạn: 15/01/2027.");
  assert_has (text, "Nơi nhận:");
  none = rd_ledger_book_document (f->ledger, "conclusions", "20990101-nosuch", NULL, ACTOR, &error);
  g_assert_null (none);
  g_assert_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_NOT_FOUND);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add (path, BookFixture, NULL, book_set_up, fn, book_tear_down)
  ADD ("/document/refusal", test_refusal);
  ADD ("/document/receipt", test_receipt);
  ADD ("/document/record", test_record);
  ADD ("/document/conclusions", test_conclusions);
  return g_test_run ();
}
