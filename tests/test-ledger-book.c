/* test-ledger-book.c: the reception book in the ledger: registrations (fields, errors, revisions),
 * denouncer protection (sealed at rest, redacted, reveals recorded, key checks), scheduling and
 * its timing duties, reception records, conclusions, follow-ups and what is overdue. Checked
 * through the API and by looking at the file with the sqlite3 API. */
#include "tests/rd-test-book.h"

#include "ledger/rd-ledger-book-private.h"
#include "ledger/rd-ledger-error.h"

#define ACTOR "uid=1000(officer)"

static const char *const full_registration =
    "{\"name\": \"Nguyễn Văn An\", \"address\": \"12 Lê Lợi, phường Bến Nghé\","
    " \"id_document\": \"CCCD 079088001234\", \"contact\": \"0901 234 567\","
    " \"summary\": \"Tranh chấp ranh giới đất với hộ liền kề\", \"classification\": \"khiếu nại\","
    " \"people_count\": 3, \"prior_body\": \"UBND phường (2025)\","
    " \"attachments\": [{\"name\": \"Đơn khiếu nại\", \"pages\": 2, \"condition\": \"bản gốc\"}]}";

static JsonObject *
show (RdLedger *ledger, gint64 id, const char *reason, JsonNode **keep)
{
  g_autoptr (GError) error = NULL;

  *keep = rd_ledger_registration_show (ledger, id, reason, ACTOR, &error);
  g_assert_no_error (error);
  return json_node_get_object (*keep);
}

static void
test_registration_add_show_list (BookFixture *f, gconstpointer data)
{
  g_autoptr (JsonNode) shown = NULL;
  g_autoptr (JsonNode) list = NULL;
  g_autoptr (GError) error = NULL;
  gint64 id = book_add_registration (f->ledger, full_registration);
  JsonObject *o = show (f->ledger, id, NULL, &shown);
  JsonObject *attachment;
  sqlite3 *db;

  g_assert_cmpstr (json_object_get_string_member (o, "name"), ==, "Nguyễn Văn An");
  g_assert_cmpstr (json_object_get_string_member (o, "address"), ==, "12 Lê Lợi, phường Bến Nghé");
  g_assert_cmpstr (json_object_get_string_member (o, "id_document"), ==, "CCCD 079088001234");
  g_assert_cmpstr (json_object_get_string_member (o, "contact"), ==, "0901 234 567");
  g_assert_cmpstr (json_object_get_string_member (o, "classification"), ==, "khieu-nai");
  g_assert_cmpstr (json_object_get_string_member (o, "classification_vi"), ==, "khiếu nại");
  g_assert_cmpint (json_object_get_int_member (o, "people_count"), ==, 3);
  g_assert_cmpstr (json_object_get_string_member (o, "prior_body"), ==, "UBND phường (2025)");
  g_assert_false (json_object_get_boolean_member (o, "protected"));
  g_assert_cmpstr (json_object_get_string_member (o, "created_by"), ==, ACTOR);
  attachment = json_array_get_object_element (json_object_get_array_member (o, "attachments"), 0);
  g_assert_cmpstr (json_object_get_string_member (attachment, "name"), ==, "Đơn khiếu nại");
  g_assert_cmpint (json_object_get_int_member (attachment, "pages"), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (attachment, "condition"), ==, "bản gốc");

  list = rd_ledger_registration_list (f->ledger, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (list)), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (
                       json_array_get_object_element (json_node_get_array (list), 0), "name"),
                   ==, "Nguyễn Văn An");

  db = book_raw_open (f);
  {
    g_autofree char *kinds = book_last_events (db, 1);
    g_assert_cmpstr (kinds, ==, "registration-added");
    /* The event names what happened, never who the citizen is. */
    g_assert_cmpint (book_raw_int (db, "SELECT count (*) FROM events WHERE detail LIKE '%An%'"), ==,
                     0);
    g_assert_cmpint (book_raw_int (db,
                                   "SELECT count (*) FROM events WHERE kind = 'registration-added' "
                                   "AND actor = 'uid=1000(officer)'"),
                     ==, 1);
  }
  sqlite3_close (db);
}

static void
test_registration_classification_forms (BookFixture *f, gconstpointer data)
{
  static const struct
  {
    const char *given;
    const char *slug;
  } cases[] = {
    { "khiếu nại", "khieu-nai" },
    { "Tố cáo", "to-cao" },
    { "KIẾN NGHỊ", "kien-nghi" },
    { "phản ánh", "phan-anh" },
    { "khieu-nai", "khieu-nai" },
    { "to-cao", "to-cao" },
    { "kien-nghi", "kien-nghi" },
    { "phan-anh", "phan-anh" },
    { "complaint", "khieu-nai" },
    { "denunciation", "to-cao" },
    { "Petition", "kien-nghi" },
    { "feedback", "phan-anh" },
    /* decomposed: "tố cáo" typed with combining marks */
    { "to\xcc\x82\xcc\x81 ca\xcc\x81o", "to-cao" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (JsonNode) shown = NULL;
      g_autofree char *json = g_strdup_printf (
          "{\"name\": \"A\", \"summary\": \"S\", \"classification\": \"%s\"}", cases[i].given);
      gint64 id = book_add_registration (f->ledger, json);

      g_assert_cmpstr (
          json_object_get_string_member (show (f->ledger, id, NULL, &shown), "classification"), ==,
          cases[i].slug);
    }
}

static void
test_registration_bad_input (BookFixture *f, gconstpointer data)
{
  static const struct
  {
    const char *json;
    const char *message;
  } cases[] = {
    { "{\"summary\": \"S\", \"classification\": \"tố cáo\"}", "field \"name\" is required" },
    { "{\"name\": \"  \", \"summary\": \"S\", \"classification\": \"tố cáo\"}",
      "field \"name\" is required" },
    { "{\"name\": \"A\", \"classification\": \"kiến nghị\"}", "field \"summary\" is required" },
    { "{\"name\": \"A\", \"summary\": \"S\"}", "field \"classification\" is required" },
    { "{\"name\": \"A\", \"summary\": \"S\", \"classification\": \"khiếu kiện\"}",
      "field \"classification\": \"khiếu kiện\" is not one of" },
    { "{\"name\": \"A\", \"summary\": \"S\", \"classification\": \"petition\", "
      "\"people_count\": 0}",
      "field \"people_count\" must be between 1 and" },
    { "{\"name\": \"A\", \"summary\": \"S\", \"classification\": \"petition\", "
      "\"people_count\": \"many\"}",
      "field \"people_count\" must be a whole number" },
    { "{\"name\": \"A\", \"summary\": \"S\", \"classification\": \"petition\", "
      "\"protection_requested\": \"yes\"}",
      "field \"protection_requested\" must be true or false" },
    { "{\"name\": 5, \"summary\": \"S\", \"classification\": \"petition\"}",
      "field \"name\" must be text" },
    { "{\"name\": \"A\", \"summary\": \"S\", \"classification\": \"petition\", \"phone\": \"1\"}",
      "unknown field \"phone\"" },
    { "{\"name\": \"A\", \"summary\": \"S\", \"classification\": \"petition\", "
      "\"attachments\": [{\"pages\": 2}]}",
      "field \"attachments\", item 1: field \"name\" is required" },
    { "{\"name\": \"A\", \"summary\": \"S\", \"classification\": \"petition\", "
      "\"attachments\": \"đơn\"}",
      "field \"attachments\" must be a list" },
  };
  sqlite3 *db;

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (JsonObject) fields = book_fields (cases[i].json);

      g_assert_cmpint (rd_ledger_registration_add (f->ledger, fields, ACTOR, &error), ==, 0);
      g_assert_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID);
      if (strstr (error->message, cases[i].message) == NULL)
        g_error ("case %" G_GSIZE_FORMAT ": \"%s\" does not contain \"%s\"", i, error->message,
                 cases[i].message);
    }
  db = book_raw_open (f);
  g_assert_cmpint (book_raw_int (db, "SELECT count (*) FROM registrations"), ==, 0);
  g_assert_cmpint (book_raw_int (db, "SELECT count (*) FROM events WHERE kind LIKE 'regis%'"), ==,
                   0);
  sqlite3_close (db);
}

static void
test_registration_update_keeps_history (BookFixture *f, gconstpointer data)
{
  g_autoptr (JsonNode) shown = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) change = book_fields ("{\"summary\": \"Tranh chấp ranh giới (bổ sung)\","
                                               " \"people_count\": 4}");
  g_autoptr (JsonObject) bad = book_fields ("{\"classification\": \"x\"}");
  g_autoptr (JsonObject) empty = book_fields ("{}");
  gint64 id = book_add_registration (f->ledger, full_registration);
  JsonObject *o;
  JsonArray *history;
  sqlite3 *db;

  g_assert_true (rd_ledger_registration_update (f->ledger, id, change, "uid=0(root)", &error));
  g_assert_no_error (error);
  o = show (f->ledger, id, NULL, &shown);
  g_assert_cmpint (json_object_get_int_member (o, "revision"), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (o, "summary"), ==,
                   "Tranh chấp ranh giới (bổ sung)");
  g_assert_cmpint (json_object_get_int_member (o, "people_count"), ==, 4);
  g_assert_cmpstr (json_object_get_string_member (o, "name"), ==, "Nguyễn Văn An"); /* kept */
  g_assert_cmpstr (json_object_get_string_member (o, "updated_by"), ==, "uid=0(root)");
  history = json_object_get_array_member (o, "history");
  g_assert_cmpuint (json_array_get_length (history), ==, 1);

  g_assert_false (rd_ledger_registration_update (f->ledger, id, bad, ACTOR, &error));
  g_assert_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (rd_ledger_registration_update (f->ledger, id, empty, ACTOR, &error));
  g_assert_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (rd_ledger_registration_update (f->ledger, 99, change, ACTOR, &error));
  g_assert_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "no registration 99"));

  db = book_raw_open (f);
  /* The first revision is kept as it was. */
  g_assert_cmpint (book_raw_int (db, "SELECT people_count FROM registration_history "
                                     "WHERE registration_id = 1 AND revision = 1"),
                   ==, 3);
  g_assert_cmpint (book_raw_int (db, "SELECT revision FROM registrations WHERE id = 1"), ==, 2);
  /* The schema refuses a change that is not a new revision with the old one kept. */
  g_assert_cmpint (
      sqlite3_exec (db, "UPDATE registrations SET summary = 'x' WHERE id = 1", NULL, NULL, NULL),
      ==, SQLITE_CONSTRAINT_TRIGGER & 0xff);
  g_assert_cmpint (
      sqlite3_exec (db, "UPDATE registrations SET revision = 3, summary = 'x' WHERE id = 1", NULL,
                    NULL, NULL),
      ==, SQLITE_CONSTRAINT);
  g_assert_cmpint (sqlite3_exec (db, "DELETE FROM registrations", NULL, NULL, NULL), ==,
                   SQLITE_CONSTRAINT);
  g_assert_cmpint (sqlite3_exec (db, "DELETE FROM registration_history", NULL, NULL, NULL), ==,
                   SQLITE_CONSTRAINT);
  g_assert_cmpint (
      sqlite3_exec (db, "UPDATE registration_history SET summary = 'x'", NULL, NULL, NULL), ==,
      SQLITE_CONSTRAINT);
  sqlite3_close (db);
}

static void
test_registration_nfc (BookFixture *f, gconstpointer data)
{
  g_autoptr (JsonNode) shown = NULL;
  /* "Nguyễn" and "Bến" with combining marks (NFD), as some keyboards and PDFs give them. */
  gint64 id = book_add_registration (
      f->ledger,
      "{\"name\": \"Nguye\xcc\x82\xcc\x83n Thi\xcc\xa3 Ba\xcc\x81\","
      " \"address\": \"  Be\xcc\x82\xcc\x81n Nghe\xcc\x81 \","
      " \"summary\": \"Đe\xcc\x82\xcc\x80 nghi\xcc\xa3\", \"classification\": \"phan-anh\"}");
  JsonObject *o = show (f->ledger, id, NULL, &shown);

  g_assert_cmpstr (json_object_get_string_member (o, "name"), ==, "Nguyễn Thị Bá");
  g_assert_cmpstr (json_object_get_string_member (o, "address"), ==, "Bến Nghé");
  g_assert_cmpstr (json_object_get_string_member (o, "summary"), ==, "Đề nghị");
}

static void
test_protection_sealed_redacted_revealed (BookFixture *f, gconstpointer data)
{
  g_autoptr (JsonNode) redacted = NULL;
  g_autoptr (JsonNode) revealed = NULL;
  g_autoptr (JsonNode) list = NULL;
  g_autoptr (GError) error = NULL;
  gint64 denunciation = book_add_registration (
      f->ledger, "{\"name\": \"Trần Thị Bích\", \"address\": \"45 Hai Bà Trưng\","
                 " \"id_document\": \"CCCD 079188009999\", \"contact\": \"0912 000 111\","
                 " \"summary\": \"Tố cáo cán bộ địa chính nhận tiền\","
                 " \"classification\": \"tố cáo\"}");
  gint64 asked = book_add_registration (
      f->ledger, "{\"name\": \"Lê Văn Cường\", \"summary\": \"Phản ánh ô nhiễm\","
                 " \"classification\": \"phản ánh\", \"protection_requested\": true}");
  JsonObject *o;
  sqlite3 *db;

  /* At rest: nothing identifying in clear, in the rows or anywhere in the files. */
  db = book_raw_open (f);
  g_assert_cmpint (book_raw_int (db, "SELECT count (*) FROM registrations WHERE protected = 1 "
                                     "AND name IS NULL AND address IS NULL AND contact IS NULL "
                                     "AND id_document IS NULL AND identity_sealed LIKE 'v1:%'"),
                   ==, 2);
  sqlite3_close (db);
  g_assert_false (book_file_contains (f, "Trần Thị Bích"));
  g_assert_false (book_file_contains (f, "079188009999"));
  g_assert_false (book_file_contains (f, "Lê Văn Cường"));
  g_assert_true (book_file_contains (f, "Tố cáo cán bộ địa chính")); /* the summary is not */

  /* Shown redacted without a reason; the list too. */
  o = show (f->ledger, denunciation, NULL, &redacted);
  g_assert_true (json_object_get_boolean_member (o, "protected"));
  g_assert_false (json_object_get_boolean_member (o, "revealed"));
  g_assert_cmpstr (json_object_get_string_member (o, "name"), ==, RD_LEDGER_BOOK_REDACTED);
  g_assert_cmpstr (json_object_get_string_member (o, "id_document"), ==, RD_LEDGER_BOOK_REDACTED);
  list = rd_ledger_registration_list (f->ledger, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 2; i++)
    g_assert_cmpstr (json_object_get_string_member (
                         json_array_get_object_element (json_node_get_array (list), i), "name"),
                     ==, RD_LEDGER_BOOK_REDACTED);
  db = book_raw_open (f);
  g_assert_cmpint (book_raw_int (db, "SELECT count (*) FROM events WHERE kind = "
                                     "'identity-revealed'"),
                   ==, 0);
  sqlite3_close (db);

  /* A reason that says nothing reveals nothing and is refused, naming why: spaces, a zero
   * width space (U+200B), a word too short to be a reason. */
  {
    static const char *const empty_reasons[][2] = {
      { "     ", "at least 10 visible characters (it has 0)" },
      { "\xe2\x80\x8b", "invisible or control character (U+200B)" },
      { "xem\xe2\x80\x8b lai cho ky", "U+200B" },
      { "xem", "(it has 3)" },
    };

    for (gsize i = 0; i < G_N_ELEMENTS (empty_reasons); i++)
      {
        g_autoptr (GError) refused = NULL;
        g_autoptr (JsonNode) none = rd_ledger_registration_show (
            f->ledger, denunciation, empty_reasons[i][0], ACTOR, &refused);

        g_assert_null (none);
        g_assert_error (refused, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID);
        g_test_message ("%s", refused->message);
        g_assert_nonnull (strstr (refused->message, empty_reasons[i][1]));
      }
    db = book_raw_open (f);
    g_assert_cmpint (
        book_raw_int (db, "SELECT count (*) FROM events WHERE kind = 'identity-revealed'"), ==, 0);
    sqlite3_close (db);
  }

  /* Revealed with a reason, and the reveal is on the record: who, when, why, what. */
  o = show (f->ledger, denunciation, "Chánh thanh tra yêu cầu xác minh", &revealed);
  g_assert_true (json_object_get_boolean_member (o, "revealed"));
  g_assert_cmpstr (json_object_get_string_member (o, "name"), ==, "Trần Thị Bích");
  g_assert_cmpstr (json_object_get_string_member (o, "id_document"), ==, "CCCD 079188009999");
  db = book_raw_open (f);
  g_assert_cmpint (
      book_raw_int (db,
                    "SELECT count (*) FROM events WHERE kind = 'identity-revealed' "
                    "AND actor = 'uid=1000(officer)' AND at IS NOT NULL "
                    "AND json_extract (detail, '$.reason') = 'Chánh thanh tra yêu cầu xác minh' "
                    "AND json_extract (detail, '$.registrations[0]') = 1"),
      ==, 1);
  sqlite3_close (db);
  g_assert_cmpint (asked, >, denunciation);
}

static void
test_protection_without_key (BookFixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) fields =
      book_fields ("{\"name\": \"Trần B\", \"summary\": \"S\", \"classification\": \"to-cao\"}");
  sqlite3 *db;

  g_assert_cmpint (rd_ledger_registration_add (f->ledger, fields, ACTOR, &error), ==, 0);
  g_assert_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "no book key"));
  g_clear_error (&error);
  /* Nor one that is not protected: it may be later, and its chain entry is keyed. */
  g_clear_pointer (&fields, json_object_unref);
  fields = book_fields ("{\"name\": \"A\", \"summary\": \"S\", \"classification\": \"kien-nghi\"}");
  g_assert_cmpint (rd_ledger_registration_add (f->ledger, fields, ACTOR, &error), ==, 0);
  g_assert_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "no book key"));
  db = book_raw_open (f);
  g_assert_cmpint (book_raw_int (db, "SELECT count (*) FROM registrations"), ==, 0);
  g_assert_cmpint (book_raw_int (db, "SELECT count (*) FROM events WHERE kind = "
                                     "'registration-added'"),
                   ==, 0);
  sqlite3_close (db);
}

static void
test_protection_key_checks (BookFixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  guint8 other[RD_LEDGER_BOOK_KEY_SIZE] = { 9 };
  g_autofree char *sealed = NULL;
  g_autofree char *opened = NULL;
  gboolean has = FALSE;

  g_assert_true (rd_ledger_book_has_key_id (f->ledger, &has, &error));
  g_assert_true (has);
  /* The same key again is fine (every start gives it). */
  g_assert_true (
      rd_ledger_book_set_key (f->ledger, rd_test_book_key, sizeof rd_test_book_key, &error));
  g_assert_no_error (error);
  g_assert_false (rd_ledger_book_set_key (f->ledger, other, sizeof other, &error));
  g_assert_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_CORRUPT);
  g_assert_nonnull (strstr (error->message, "restore the original key file"));
  g_clear_error (&error);
  g_assert_false (rd_ledger_book_set_key (f->ledger, other, 16, &error));
  g_assert_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID);
  g_clear_error (&error);

  /* A sealed identity is bound to its registration and revision: moved, it does not open. */
  sealed =
      rd_book_seal (f->ledger, "{\"name\": \"X\"}", "receptiond registration 1 revision 1", &error);
  g_assert_no_error (error);
  opened = rd_book_open_sealed (f->ledger, sealed, "receptiond registration 1 revision 1", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (opened, ==, "{\"name\": \"X\"}");
  g_assert_null (
      rd_book_open_sealed (f->ledger, sealed, "receptiond registration 2 revision 1", &error));
  g_assert_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_CORRUPT);
}

static void
test_protection_becomes_protected (BookFixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) shown = NULL;
  g_autoptr (JsonObject) to_cao = book_fields ("{\"classification\": \"tố cáo\"}");
  g_autoptr (JsonObject) back = book_fields ("{\"classification\": \"kiến nghị\"}");
  gint64 id = book_add_registration (f->ledger, full_registration);
  sqlite3 *db;

  g_assert_true (rd_ledger_registration_update (f->ledger, id, to_cao, ACTOR, &error));
  g_assert_no_error (error);
  db = book_raw_open (f);
  /* The revision kept in clear is sealed now, the current one too. */
  g_assert_cmpint (book_raw_int (db, "SELECT count (*) FROM registration_history WHERE name IS "
                                     "NULL AND identity_sealed LIKE 'v1:%'"),
                   ==, 1);
  g_assert_cmpint (book_raw_int (db, "SELECT protected FROM registrations"), ==, 1);
  sqlite3_close (db);
  /* Nor does the text linger in freed pages or the WAL. */
  g_assert_false (book_file_contains (f, "Nguyễn Văn An"));
  g_assert_false (book_file_contains (f, "079088001234"));
  g_assert_cmpstr (json_object_get_string_member (show (f->ledger, id, NULL, &shown), "name"), ==,
                   RD_LEDGER_BOOK_REDACTED);
  g_clear_pointer (&shown, json_node_unref);
  g_assert_cmpstr (
      json_object_get_string_member (show (f->ledger, id, "kiểm tra niêm phong", &shown), "name"),
      ==, "Nguyễn Văn An");
  /* Reclassified later, it stays protected: the promise was made. */
  g_assert_true (rd_ledger_registration_update (f->ledger, id, back, ACTOR, &error));
  g_assert_no_error (error);
  g_clear_pointer (&shown, json_node_unref);
  g_assert_true (json_object_get_boolean_member (show (f->ledger, id, NULL, &shown), "protected"));
}

static char *
warnings_of (JsonNode *timing)
{
  JsonArray *w = json_object_get_array_member (json_node_get_object (timing), "warnings");
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < json_array_get_length (w); i++)
    g_string_append_printf (s, "%s|", json_array_get_string_element (w, i));
  return g_string_free (s, FALSE);
}

static void
test_schedule_and_start (BookFixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) timing = NULL;
  g_autoptr (JsonNode) shown = NULL;
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  g_autoptr (GDateTime) later = g_date_time_add_days (now, 10);
  g_autofree char *at = g_date_time_format (later, "%Y-%m-%dT%H:%M");
  gint64 a = book_add_registration (f->ledger, full_registration);
  gint64 b = book_add_registration (f->ledger, "{\"name\": \"B\", \"summary\": \"S\","
                                               " \"classification\": \"kien-nghi\"}");
  gint64 ids[] = { a, b };
  gint64 unknown[] = { a, 77 };
  gint64 twice[] = { a, a };
  g_autofree char *id = NULL;
  sqlite3 *db;

  g_assert_null (rd_ledger_session_schedule (f->ledger, "2020-01-01T10:00", ids, 2, NULL, ACTOR,
                                             NULL, &error));
  g_assert_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "not in the future"));
  g_clear_error (&error);
  g_assert_null (
      rd_ledger_session_schedule (f->ledger, "next tuesday", ids, 2, NULL, ACTOR, NULL, &error));
  g_assert_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "field \"at\""));
  g_clear_error (&error);
  g_assert_null (rd_ledger_session_schedule (f->ledger, "2026-02-30T10:00", ids, 2, NULL, ACTOR,
                                             NULL, &error));
  g_assert_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (rd_ledger_session_schedule (f->ledger, at, unknown, 2, NULL, ACTOR, NULL, &error));
  g_assert_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "no registration 77"));
  g_clear_error (&error);
  g_assert_null (rd_ledger_session_schedule (f->ledger, at, twice, 2, NULL, ACTOR, NULL, &error));
  g_assert_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (rd_ledger_session_schedule (f->ledger, at, ids, 0, NULL, ACTOR, NULL, &error));
  g_assert_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID);
  g_clear_error (&error);
  db = book_raw_open (f);
  g_assert_cmpint (book_raw_int (db, "SELECT count (*) FROM sessions"), ==, 0); /* nothing half */
  sqlite3_close (db);

  id = rd_ledger_session_schedule (f->ledger, at, ids, 2, "Tiếp định kỳ", ACTOR, &timing, &error);
  g_assert_no_error (error);
  g_assert_nonnull (timing);
  /* Neither registration is a denunciation asking for protection: no such warning. */
  {
    g_autofree char *w = warnings_of (timing);
    g_assert_null (strstr (w, "denunciation"));
  }
  {
    g_autoptr (JsonNode) t2 = NULL;
    g_autofree char *w = NULL;
    g_autofree char *id2 = NULL;
    gint64 asked[1];

    asked[0] = book_add_registration (f->ledger, "{\"name\": \"C\", \"summary\": \"S\","
                                                 " \"classification\": \"tố cáo\","
                                                 " \"protection_requested\": true}");
    id2 = rd_ledger_session_schedule (f->ledger, at, asked, 1, NULL, ACTOR, &t2, &error);
    g_assert_no_error (error);
    w = warnings_of (t2);
    g_assert_nonnull (strstr (w, "registration 3 is a denunciation whose citizen asked for "
                                 "identity protection"));
  }
  shown = rd_ledger_session_show (f->ledger, id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (shown), "state"), ==,
                   "scheduled");
  db = book_raw_open (f);
  g_assert_cmpint (book_raw_int (db, "SELECT count (*) FROM session_registrations"), ==, 3);
  g_assert_cmpint (book_raw_int (db, "SELECT count (*) FROM sessions WHERE scheduled_for "
                                     "IS NOT NULL AND started_at IS NULL"),
                   ==, 2);
  sqlite3_close (db);

  g_assert_true (rd_ledger_session_start_scheduled (f->ledger, id, "uid=0(root)", &error));
  g_assert_no_error (error);
  g_clear_pointer (&shown, json_node_unref);
  shown = rd_ledger_session_show (f->ledger, id, &error);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (shown), "state"), ==,
                   "live");
  g_assert_false (rd_ledger_session_start_scheduled (f->ledger, id, ACTOR, &error));
  g_assert_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_STATE);
  g_assert_nonnull (strstr (error->message, "it is live, not scheduled"));
  g_clear_error (&error);
  g_assert_false (rd_ledger_session_start_scheduled (f->ledger, "20991231-000000", ACTOR, &error));
  g_assert_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_NOT_FOUND);
  g_assert_true (rd_ledger_session_end (f->ledger, id, ACTOR, NULL, NULL));
}

static void
test_timing_duties (void)
{
  g_autoptr (GTimeZone) tz = g_time_zone_new_identifier ("Asia/Ho_Chi_Minh");
  /* Monday 30 Nov 2026, 09:00; a session on Friday 4 Dec: too late to notify 5 working days
   * ahead (that was Friday 27 Nov), early enough for the link test (Thursday 3 Dec). */
  g_autoptr (GDateTime) now = g_date_time_new (tz, 2026, 11, 30, 9, 0, 0);
  g_autoptr (GDateTime) friday = g_date_time_new (tz, 2026, 12, 4, 9, 0, 0);
  g_autoptr (GDateTime) next_week = g_date_time_new (tz, 2026, 12, 8, 14, 0, 0);
  g_autoptr (GDateTime) saturday = g_date_time_new (tz, 2026, 12, 12, 8, 0, 0);
  g_autoptr (GDateTime) tomorrow = g_date_time_new (tz, 2026, 12, 1, 8, 0, 0);
  g_autoptr (JsonNode) t1 = rd_ledger_book_timing (NULL, now, friday);
  g_autoptr (JsonNode) t2 = rd_ledger_book_timing (NULL, now, next_week);
  g_autoptr (JsonNode) t3 = rd_ledger_book_timing (NULL, now, saturday);
  g_autoptr (JsonNode) t4 = rd_ledger_book_timing (NULL, now, tomorrow);
  g_autofree char *w1 = warnings_of (t1), *w2 = warnings_of (t2), *w3 = warnings_of (t3),
                  *w4 = warnings_of (t4);
  JsonObject *o1 = json_node_get_object (t1);

  g_assert_cmpstr (json_object_get_string_member (o1, "notify_citizen_by"), ==, "2026-11-27");
  g_assert_cmpstr (json_object_get_string_member (o1, "test_link_by"), ==, "2026-12-03");
  g_assert_cmpstr (json_object_get_string_member (o1, "connect_by"), ==,
                   "2026-12-04T08:00:00+07:00");
  g_assert_cmpint (json_object_get_int_member (o1, "working_days_before"), ==, 3);
  g_assert_cmpstr (w1, ==,
                   "the citizen must be notified at least 5 working days before (by "
                   "27/11/2026); today is 30/11/2026|");
  /* Tuesday 8 Dec: notify by Tuesday 1 Dec, test by Monday 7 Dec: both still possible. */
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (t2), "notify_citizen_by"),
                   ==, "2026-12-01");
  g_assert_cmpstr (w2, ==, "");
  g_assert_nonnull (strstr (w3, "falls on a Saturday"));
  /* Tuesday 1 Dec: the link can still be tested today (Monday 30 Nov). */
  g_assert_null (strstr (w4, "link"));
  g_assert_nonnull (strstr (w4, "notified"));
}

static void
test_reception_records (BookFixture *f, gconstpointer data)
{
  static const struct
  {
    const char *json;
    GQuark domain;
    int code;
    const char *message;
  } bad[] = {
    { "{\"content\": \"C\", \"handling\": \"competent\", \"officer\": \"O\", \"confirmation\": "
      "\"signature\"}",
      0, RD_LEDGER_ERROR_INVALID, "field \"registration_id\" is required" },
    { "{\"registration_id\": 1, \"content\": \"C\", \"handling\": \"lost\", \"officer\": \"O\","
      " \"confirmation\": \"signature\"}",
      0, RD_LEDGER_ERROR_INVALID, "field \"handling\": \"lost\" is not one of" },
    { "{\"registration_id\": 1, \"content\": \"C\", \"handling\": \"guided\", \"handling_body\":"
      " \"TAND quận 1\", \"officer\": \"O\", \"confirmation\": \"signature\"}",
      0, RD_LEDGER_ERROR_INVALID, "field \"document_number\" is required when handling is guided" },
    { "{\"registration_id\": 1, \"content\": \"C\", \"handling\": \"refused\", \"legal_basis\":"
      " \"Điều 9\", \"officer\": \"O\", \"confirmation\": \"signature\"}",
      0, RD_LEDGER_ERROR_INVALID, "field \"refusal_reason\" is required when handling is refused" },
    { "{\"registration_id\": 1, \"content\": \"C\", \"handling\": \"competent\", \"officer\":"
      " \"O\", \"confirmation\": \"nod\"}",
      0, RD_LEDGER_ERROR_INVALID, "field \"confirmation\"" },
    { "{\"registration_id\": 1, \"content\": \"C\", \"handling\": \"competent\", \"officer\":"
      " \"O\", \"confirmation\": \"verbal\", \"reception_date\": \"2026-13-01\"}",
      0, RD_LEDGER_ERROR_INVALID, "field \"reception_date\": \"2026-13-01\" is not a date" },
    { "{\"registration_id\": 9, \"content\": \"C\", \"handling\": \"competent\", \"officer\":"
      " \"O\", \"confirmation\": \"verbal\"}",
      0, RD_LEDGER_ERROR_NOT_FOUND, "no registration 9" },
    { "{\"registration_id\": 1, \"session_id\": \"20260101-abcdef\", \"content\": \"C\","
      " \"handling\": \"competent\", \"officer\": \"O\", \"confirmation\": \"verbal\"}",
      0, RD_LEDGER_ERROR_NOT_FOUND, "no session \"20260101-abcdef\"" },
  };
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) shown = NULL;
  g_autofree char *session = NULL;
  g_autofree char *json = NULL;
  g_autoptr (JsonObject) fields = NULL;
  gint64 id;
  sqlite3 *db;

  book_add_registration (f->ledger, full_registration);
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (JsonObject) b = book_fields (bad[i].json);
      g_assert_cmpint (rd_ledger_reception_add (f->ledger, b, ACTOR, &error), ==, 0);
      g_assert_error (error, RD_LEDGER_ERROR, bad[i].code);
      if (strstr (error->message, bad[i].message) == NULL)
        g_error ("case %" G_GSIZE_FORMAT ": \"%s\" lacks \"%s\"", i, error->message,
                 bad[i].message);
      g_clear_error (&error);
    }

  session = rd_ledger_session_start (f->ledger, NULL, ACTOR, &error);
  g_assert_no_error (error);
  db = book_raw_open (f);
  /* as the recorder writes it: a row while recording, then sealed */
  g_assert_cmpint (sqlite3_exec (db,
                                 "INSERT INTO recordings (session_id, segment, path, state, "
                                 "created_at) SELECT id, 1, 'rec/a.mkv', 'recording', created_at "
                                 "FROM sessions;"
                                 "UPDATE recordings SET state = 'sealed', sha256 = 'ab12' "
                                 "WHERE segment = 1",
                                 NULL, NULL, NULL),
                   ==, SQLITE_OK);
  sqlite3_close (db);
  json = g_strdup_printf (
      "{\"registration_id\": 1, \"session_id\": \"%s\", \"content\": \"Công dân trình bày\","
      " \"handling\": \"transferred\", \"handling_body\": \"Phòng TN-MT\","
      " \"document_number\": \"123/UBND\", \"officer\": \"Phạm Thu\","
      " \"confirmation\": \"fingerprint\"}",
      session);
  fields = book_fields (json);
  id = rd_ledger_reception_add (f->ledger, fields, ACTOR, &error);
  g_assert_no_error (error);
  shown = rd_ledger_reception_show (f->ledger, id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (shown), "session_id"), ==,
                   session);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (shown), "officer"), ==,
                   "Phạm Thu");
  g_assert_cmpstr (
      json_object_get_string_member (
          json_array_get_object_element (
              json_object_get_array_member (json_node_get_object (shown), "recordings"), 0),
          "path"),
      ==, "rec/a.mkv");
  db = book_raw_open (f);
  /* Linked to the session it was received in; the record never changes. */
  g_assert_cmpint (book_raw_int (db, "SELECT count (*) FROM session_registrations"), ==, 1);
  g_assert_cmpint (book_raw_int (db, "SELECT count (*) FROM receptions"), ==, 1);
  g_assert_cmpint (sqlite3_exec (db, "UPDATE receptions SET content = 'x'", NULL, NULL, NULL), ==,
                   SQLITE_CONSTRAINT);
  g_assert_cmpint (sqlite3_exec (db, "DELETE FROM receptions", NULL, NULL, NULL), ==,
                   SQLITE_CONSTRAINT);
  {
    g_autofree char *kinds = book_last_events (db, 1);
    g_assert_cmpstr (kinds, ==, "reception-recorded");
  }
  sqlite3_close (db);
  g_clear_pointer (&shown, json_node_unref);
  shown = rd_ledger_reception_show (f->ledger, 42, &error);
  g_assert_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_NOT_FOUND);
}

static void
test_conclusions_followups_overdue (BookFixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) overdue = NULL;
  g_autoptr (JsonNode) list = NULL;
  g_autofree char *session = NULL;
  g_autofree char *scheduled = NULL;
  g_autoptr (JsonObject) c1 =
      book_fields ("{\"text\": \"Giao phòng TN-MT kiểm tra hiện trạng\","
                   " \"assignee\": \"Phòng TN-MT\", \"due\": \"2026-01-10\","
                   " \"registration_id\": 1}");
  g_autoptr (JsonObject) c2 = book_fields ("{\"text\": \"Trả lời công dân\", \"assignee\": \"VP\","
                                           " \"due\": \"2099-01-01\"}");
  g_autoptr (JsonObject) no_due = book_fields ("{\"text\": \"T\", \"assignee\": \"A\"}");
  g_autoptr (JsonObject) bad_due = book_fields ("{\"text\": \"T\", \"assignee\": \"A\","
                                                " \"due\": \"10/01/2026\"}");
  g_autoptr (JsonObject) progress = book_fields ("{\"progress\": \"Đã khảo sát\"}");
  g_autoptr (JsonObject) done = book_fields ("{\"progress\": \"Đã trả lời\", \"outcome\": "
                                             "\"Công dân đồng ý\"}");
  g_autoptr (JsonObject) no_progress = book_fields ("{\"outcome\": \"x\"}");
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  g_autoptr (GDateTime) later = g_date_time_add_days (now, 3);
  g_autofree char *at = g_date_time_format (later, "%Y-%m-%dT%H:%M");
  gint64 ids[1];
  gint64 first, second;
  JsonObject *o;

  ids[0] = book_add_registration (f->ledger, full_registration);
  book_add_registration (f->ledger, "{\"name\": \"Hộ dân tổ 5\", \"summary\": \"Kiến nghị sửa "
                                    "đường\", \"classification\": \"kiến nghị\"}");
  session = rd_ledger_session_start (f->ledger, NULL, ACTOR, &error);
  scheduled = rd_ledger_session_schedule (f->ledger, at, ids, 1, NULL, ACTOR, NULL, &error);
  g_assert_no_error (error);

  g_assert_cmpint (rd_ledger_conclusion_add (f->ledger, session, no_due, ACTOR, &error), ==, 0);
  g_assert_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "field \"due\" is required"));
  g_clear_error (&error);
  g_assert_cmpint (rd_ledger_conclusion_add (f->ledger, session, bad_due, ACTOR, &error), ==, 0);
  g_assert_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "\"10/01/2026\" is not a date YYYY-MM-DD"));
  g_clear_error (&error);
  g_assert_cmpint (rd_ledger_conclusion_add (f->ledger, "nope", c1, ACTOR, &error), ==, 0);
  g_assert_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_cmpint (rd_ledger_conclusion_add (f->ledger, scheduled, c1, ACTOR, &error), ==, 0);
  g_assert_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_STATE);
  g_clear_error (&error);

  first = rd_ledger_conclusion_add (f->ledger, session, c1, ACTOR, &error);
  g_assert_no_error (error);
  second = rd_ledger_conclusion_add (f->ledger, session, c2, ACTOR, &error);
  g_assert_no_error (error);

  g_assert_false (rd_ledger_followup_update (f->ledger, first, no_progress, ACTOR, &error));
  g_assert_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (rd_ledger_followup_update (f->ledger, 99, progress, ACTOR, &error));
  g_assert_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_true (rd_ledger_followup_update (f->ledger, first, progress, ACTOR, &error));
  g_assert_true (rd_ledger_followup_update (f->ledger, second, done, ACTOR, &error));
  g_assert_no_error (error);
  g_assert_false (rd_ledger_followup_update (f->ledger, second, progress, ACTOR, &error));
  g_assert_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_STATE);
  g_clear_error (&error);

  list = rd_ledger_conclusion_list (f->ledger, session, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (list)), ==, 2);
  o = json_array_get_object_element (json_node_get_array (list), 1);
  g_assert_cmpstr (json_object_get_string_member (o, "status"), ==, "done");
  g_assert_cmpstr (json_object_get_string_member (o, "outcome"), ==, "Công dân đồng ý");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "followups")), ==, 1);

  /* Seen on 2026-01-11: the first conclusion is a day late, the second is done. The petition,
   * registered today, is not late yet on a day before it... */
  overdue = rd_ledger_followup_overdue (f->ledger, "2026-01-11", &error);
  g_assert_no_error (error);
  o = json_node_get_object (overdue);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "conclusions")), ==, 1);
  g_assert_cmpint (
      json_object_get_int_member (
          json_array_get_object_element (json_object_get_array_member (o, "conclusions"), 0),
          "days_late"),
      ==, 1);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "petitions")), ==, 0);
  g_clear_pointer (&overdue, json_node_unref);
  /* ... and 46 days on, the petition without a result is listed (the complaint is not a
   * petition). */
  rd_ledger_set_clock_offset_for_testing (f->ledger, 46 * G_TIME_SPAN_DAY);
  overdue = rd_ledger_followup_overdue (f->ledger, NULL, &error);
  g_assert_no_error (error);
  o = json_node_get_object (overdue);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "petitions")), ==, 1);
  g_assert_cmpint (
      json_object_get_int_member (
          json_array_get_object_element (json_object_get_array_member (o, "petitions"), 0), "id"),
      ==, 2);
  g_clear_pointer (&overdue, json_node_unref);
  overdue = rd_ledger_followup_overdue (f->ledger, "2026-02-30", &error);
  g_assert_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn, data) g_test_add (path, BookFixture, data, book_set_up, fn, book_tear_down)
  ADD ("/book/registration/add-show-list", test_registration_add_show_list, NULL);
  ADD ("/book/registration/classification-forms", test_registration_classification_forms, NULL);
  ADD ("/book/registration/bad-input", test_registration_bad_input, NULL);
  ADD ("/book/registration/update-keeps-history", test_registration_update_keeps_history, NULL);
  ADD ("/book/registration/nfc", test_registration_nfc, NULL);
  ADD ("/book/protection/sealed-redacted-revealed", test_protection_sealed_redacted_revealed, NULL);
  ADD ("/book/protection/without-key", test_protection_without_key, "no key");
  ADD ("/book/protection/key-checks", test_protection_key_checks, NULL);
  ADD ("/book/protection/becomes-protected", test_protection_becomes_protected, NULL);
  ADD ("/book/schedule/schedule-and-start", test_schedule_and_start, NULL);
  g_test_add_func ("/book/schedule/timing-duties", test_timing_duties);
  ADD ("/book/reception/records", test_reception_records, NULL);
  ADD ("/book/conclusions/followups-overdue", test_conclusions_followups_overdue, NULL);
  return g_test_run ();
}
