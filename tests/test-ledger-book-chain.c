/* test-ledger-book-chain.c: the reception book's registrations in the hash chain. Someone who
 * has the ledger file and guesses a protected citizen's identity must not be able to confirm
 * the guess by hashing: the rows are chained as HMAC-SHA-256 under a key derived from the book
 * key (which is not in the file). A ledger whose chain holds the older unkeyed form is
 * re-stated in the keyed one when the book key is given, but never a row changed behind the
 * chain's back. */
#include "tests/rd-test-book.h"

#include "ledger/rd-ledger-chain.h"

#define ACTOR "uid=1000(officer)"

/* The identity the attacker guesses, as the officer typed it. */
#define NAME     "Nguyễn Văn An"
#define ADDRESS  "12 Lê Lợi, Phường Bến Nghé"
#define DOCUMENT "079123456789"
#define CONTACT  "0901234567"

static const char identity_fields[] =
    "\"name\": \"" NAME "\", \"address\": \"" ADDRESS "\", \"id_document\": \"" DOCUMENT
    "\", \"contact\": \"" CONTACT "\"";

/* The content of the revision-1 rows of registration @id (its history row and the registrations
 * row it was), as the chain wrote them, rebuilt from what the file holds now with the guessed
 * identity put back in place of the sealed one. (transfer full) */
static GPtrArray *
guessed_rows (sqlite3 *db, gint64 id)
{
  static const char *const sql[] = {
    /* registration_history, columns in table order */
    "SELECT json_patch ('{}', json_object ('id', id, 'registration_id', registration_id, "
    "'revision', revision, 'updated_at', updated_at, 'updated_by', updated_by, 'superseded_at', "
    "superseded_at, 'classification', classification, 'protection_requested', "
    "protection_requested, 'protected', protected, 'name', ?2, 'address', ?3, 'id_document', ?4, "
    "'contact', ?5, 'identity_sealed', NULL, 'summary', summary, 'people_count', people_count, "
    "'prior_body', prior_body, 'attachments', attachments)) FROM registration_history "
    "WHERE registration_id = ?1 AND revision = 1",
    /* registrations as it was at revision 1 (the history row holds its values) */
    "SELECT json_patch ('{}', json_object ('id', r.id, 'revision', 1, 'created_at', r.created_at, "
    "'created_by', r.created_by, 'updated_at', h.updated_at, 'updated_by', h.updated_by, "
    "'classification', h.classification, 'protection_requested', h.protection_requested, "
    "'protected', h.protected, 'name', ?2, 'address', ?3, 'id_document', ?4, 'contact', ?5, "
    "'identity_sealed', NULL, 'summary', h.summary, 'people_count', h.people_count, "
    "'prior_body', h.prior_body, 'attachments', h.attachments)) FROM registrations AS r JOIN "
    "registration_history AS h ON h.registration_id = r.id AND h.revision = 1 WHERE r.id = ?1",
  };
  GPtrArray *rows = g_ptr_array_new_with_free_func (g_free);

  for (gsize i = 0; i < G_N_ELEMENTS (sql); i++)
    {
      sqlite3_stmt *stmt = NULL;
      const char *guess[] = { NAME, ADDRESS, DOCUMENT, CONTACT };

      g_assert_cmpint (sqlite3_prepare_v2 (db, sql[i], -1, &stmt, NULL), ==, SQLITE_OK);
      sqlite3_bind_int64 (stmt, 1, id);
      for (int g = 0; g < 4; g++)
        sqlite3_bind_text (stmt, g + 2, guess[g], -1, SQLITE_STATIC);
      g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
      g_ptr_array_add (rows, g_strdup ((const char *)sqlite3_column_text (stmt, 0)));
      sqlite3_finalize (stmt);
    }
  return rows;
}

/* Whether the chain of the file in @f's directory confirms the guessed identity of registration
 * @id: the SHA-256 (or, given @book_key, the HMAC the ledger computes) of a rebuilt row found in
 * an entry's content. The attacker's side: the file and the guess, nothing of receptiond. */
static gboolean
identity_confirmed (BookFixture *f, gint64 id, const guint8 *book_key)
{
  sqlite3 *db = book_raw_open (f);
  g_autoptr (GPtrArray) rows = guessed_rows (db, id);
  gboolean found = FALSE;

  for (guint i = 0; i < rows->len && !found; i++)
    {
      const char *row = rows->pdata[i];
      g_autofree char *hash = NULL;
      g_autofree char *sql = NULL;

      if (book_key == NULL)
        hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, row, -1);
      else
        {
          RdLedgerChainKey key;

          rd_ledger_chain_key_derive (&key, book_key);
          hash =
              g_compute_hmac_for_string (G_CHECKSUM_SHA256, key.bytes, sizeof key.bytes, row, -1);
        }
      sql = g_strdup_printf ("SELECT count (*) FROM chain WHERE instr (content, '%s') > 0", hash);
      found = book_raw_int (db, sql) > 0;
    }
  sqlite3_close (db);
  return found;
}

/* A registration made with the identity in clear, then put under protection (its revision 1
 * is sealed in the history), as a citizen who asks for protection after registering. */
static gint64
add_then_protect (RdLedger *ledger)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *json = g_strdup_printf (
      "{%s, \"summary\": \"Đề nghị sửa đường\", \"classification\": \"kien-nghi\"}",
      identity_fields);
  gint64 id = book_add_registration (ledger, json);
  g_autoptr (JsonObject) change = book_fields ("{\"protection_requested\": true}");

  g_assert_true (rd_ledger_registration_update (ledger, id, change, ACTOR, &error));
  g_assert_no_error (error);
  return id;
}

static JsonNode *
verify_ok (RdLedger *ledger)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) report = rd_ledger_verify (ledger, NULL, &error);
  g_autofree char *text = NULL;

  g_assert_no_error (error);
  text = json_to_string (report, FALSE);
  if (!json_object_get_boolean_member (json_node_get_object (report), "ok"))
    g_error ("verify: %s", text);
  return g_steal_pointer (&report);
}

static void
test_identity_not_confirmable (BookFixture *f, gconstpointer data)
{
  gint64 id = add_then_protect (f->ledger);
  g_autoptr (JsonNode) report = verify_ok (f->ledger);
  sqlite3 *db;

  /* The identity is sealed in every row now. */
  g_assert_false (book_file_contains (f, NAME));
  /* Hashing the guess the way an unkeyed chain did finds nothing... */
  g_assert_false (identity_confirmed (f, id, NULL));
  /* ...while the same rebuilt rows with the book key are found: the rows are rebuilt right, and
   * it is the key, which is not in the file, that stands between the file and the guess. */
  g_assert_true (identity_confirmed (f, id, rd_test_book_key));
  db = book_raw_open (f);
  g_assert_cmpint (book_raw_int (db, "SELECT count (*) FROM chain WHERE tbl LIKE 'registration%' "
                                     "AND content NOT LIKE '{\"hmac-sha256\":\"%'"),
                   ==, 0);
  g_assert_cmpint (book_raw_int (db, "SELECT count (*) FROM chain WHERE tbl LIKE 'registration%'"),
                   >=, 4);
  sqlite3_close (db);
}

static void
on_verified (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (GError) error = NULL;

  *(JsonNode **)data = rd_ledger_verify_finish (result, &error);
  g_assert_no_error (error);
}

/* rd_ledger_verify_async()'s report: its worker's own connection gets the chain key too. */
static JsonNode *
verify_async (RdLedger *ledger)
{
  JsonNode *report = NULL;

  rd_ledger_verify_async (ledger, NULL, NULL, NULL, on_verified, &report);
  while (report == NULL)
    g_main_context_iteration (NULL, TRUE);
  return report;
}

static void
test_verify_without_key (BookFixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) keyed = NULL;
  g_autoptr (JsonNode) unkeyed = NULL;
  JsonObject *o;
  sqlite3 *db;
  gint64 rows;

  add_then_protect (f->ledger);
  keyed = verify_ok (f->ledger);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (keyed), "unchecked_rows"), ==,
                   0);
  g_clear_pointer (&keyed, json_node_unref);
  keyed = verify_async (f->ledger);
  g_assert_true (json_object_get_boolean_member (json_node_get_object (keyed), "ok"));
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (keyed), "unchecked_rows"), ==,
                   0);
  /* A tool that has only the file: the chain is still checked, the registrations' content is
   * not, and the report says so. */
  g_clear_pointer (&f->ledger, rd_ledger_close);
  f->ledger = rd_ledger_open (f->dir, &error);
  g_assert_no_error (error);
  unkeyed = verify_ok (f->ledger);
  o = json_node_get_object (unkeyed);
  db = book_raw_open (f);
  rows = book_raw_int (db, "SELECT (SELECT count (*) FROM registrations) + "
                           "(SELECT count (*) FROM registration_history)");
  g_assert_cmpint (json_object_get_int_member (o, "unchecked_rows"), ==, rows);
  g_assert_cmpint (json_object_get_int_member (o, "entries"), ==,
                   book_raw_int (db, "SELECT count (*) FROM chain"));
  /* A registration row written behind the chain's back is still found without the key. */
  rd_test_sqlite_exec_ok (
      db, "DROP TRIGGER chain_ai_registration_history; INSERT INTO registration_history "
          "(registration_id, revision, updated_at, updated_by, superseded_at, classification, "
          "protection_requested, protected, name, summary, people_count, attachments) SELECT "
          "id, 9, updated_at, updated_by, updated_at, classification, 0, 0, 'X', 'S', 1, '[]' "
          "FROM registrations LIMIT 1");
  sqlite3_close (db);
  g_clear_pointer (&unkeyed, json_node_unref);
  unkeyed = rd_ledger_verify (f->ledger, NULL, &error);
  g_assert_no_error (error);
  o = json_node_get_object (unkeyed);
  g_assert_false (json_object_get_boolean_member (o, "ok"));
  g_assert_nonnull (
      strstr (json_object_get_string_member (json_object_get_object_member (o, "first"), "what"),
              "has no chain entry"));
}

/* A ledger of schema version 5 (registrations chained as {"sha256": ...}), written by the ledger
 * itself stopped at that version, with one history row then changed behind the chain's back. */
static void
test_migrate_unkeyed (BookFixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) report = NULL;
  g_autofree char *first = NULL;
  g_autofree char *json = NULL;
  gint64 id, denounced, other, tampered_row, rows, unkeyed_entries, entries_before;
  g_autoptr (JsonObject) change = book_fields ("{\"summary\": \"Đề nghị sửa cống\"}");
  JsonObject *o;
  sqlite3 *db;

  f->ledger = rd_ledger_open_at_version_for_testing (f->dir, 5, &error);
  g_assert_no_error (error);
  g_assert_cmpint (rd_ledger_get_schema_version (f->ledger), ==, 5);
  g_assert_true (
      rd_ledger_book_set_key (f->ledger, rd_test_book_key, sizeof rd_test_book_key, &error));
  g_assert_no_error (error);
  id = add_then_protect (f->ledger);
  json = g_strdup_printf ("{%s, \"summary\": \"Tố cáo\", \"classification\": \"to-cao\"}",
                          identity_fields);
  denounced = book_add_registration (f->ledger, json);
  other = book_add_registration (f->ledger, "{\"name\": \"Lê Thị Bình\", \"summary\": \"S\", "
                                            "\"classification\": \"phan-anh\"}");
  g_assert_true (rd_ledger_registration_update (f->ledger, other, change, ACTOR, &error));
  g_assert_no_error (error);
  g_clear_pointer (&report, json_node_unref);
  report = verify_ok (f->ledger);
  g_clear_pointer (&f->ledger, rd_ledger_close);

  db = book_raw_open (f);
  g_assert_cmpint (book_raw_int (db, "PRAGMA user_version"), ==, 5);
  unkeyed_entries = book_raw_int (db, "SELECT count (*) FROM chain WHERE tbl LIKE "
                                      "'registration%' AND content LIKE '{\"sha256\":\"%'");
  g_assert_cmpint (unkeyed_entries, ==,
                   book_raw_int (db, "SELECT count (*) FROM chain WHERE tbl LIKE 'registration%'"));
  rows = book_raw_int (db, "SELECT (SELECT count (*) FROM registrations) + "
                           "(SELECT count (*) FROM registration_history)");
  g_assert_cmpint (rows, ==, 5); /* 3 registrations, 2 history rows */
  /* The old form lets the file alone confirm the guess: what this change is about. */
  g_assert_true (identity_confirmed (f, id, NULL));
  /* Behind the chain's back: the clear history row of "other" given a forged seal. */
  g_assert_cmpint (other, ==, 3);
  tampered_row = book_raw_int (db, "SELECT id FROM registration_history WHERE registration_id = 3");
  rd_test_sqlite_exec_ok (db, "DROP TRIGGER chain_au_registration_history; "
                              "UPDATE registration_history SET identity_sealed = 'v1:forged', "
                              "name = NULL, address = NULL, id_document = NULL, contact = NULL "
                              "WHERE registration_id = 3");
  entries_before = book_raw_int (db, "SELECT count (*) FROM chain");
  sqlite3_close (db);

  /* Opened by this version (schema 6 or later), nothing re-stated yet (the key is not known at
   * open). */
  f->ledger = rd_ledger_open (f->dir, &error);
  g_assert_no_error (error);
  g_assert_cmpint (rd_ledger_get_schema_version (f->ledger), ==, RD_LEDGER_SCHEMA_VERSION);
  db = book_raw_open (f);
  g_assert_cmpint (book_raw_int (db, "SELECT count (*) FROM chain"), ==, entries_before);
  sqlite3_close (db);

  /* The book key: every row still matching its unkeyed entry gets a keyed "migrate" entry. */
  g_assert_true (
      rd_ledger_book_set_key (f->ledger, rd_test_book_key, sizeof rd_test_book_key, &error));
  g_assert_no_error (error);
  db = book_raw_open (f);
  g_assert_cmpint (book_raw_int (db, "SELECT count (*) FROM chain WHERE op = 'migrate'"), ==,
                   rows - 1);
  g_assert_cmpint (book_raw_int (db, "SELECT count (*) FROM chain WHERE op = 'migrate' AND "
                                     "content NOT LIKE '{\"hmac-sha256\":\"%'"),
                   ==, 0);
  g_assert_cmpint (book_raw_int (db, "SELECT count (*) FROM chain WHERE op = 'migrate' AND "
                                     "tbl = 'registration_history' AND row_id = "
                                     "(SELECT id FROM registration_history WHERE "
                                     "registration_id = 3)"),
                   ==, 0);
  g_assert_cmpint (book_raw_int (db, "SELECT json_extract (detail, '$.rows') FROM events WHERE "
                                     "kind = 'chain-rekeyed'"),
                   ==, rows - 1);
  sqlite3_close (db);
  /* Given again (every start does), nothing more is written. */
  g_assert_true (
      rd_ledger_book_set_key (f->ledger, rd_test_book_key, sizeof rd_test_book_key, &error));
  db = book_raw_open (f);
  g_assert_cmpint (book_raw_int (db, "SELECT count (*) FROM events WHERE kind = 'chain-rekeyed'"),
                   ==, 1);
  sqlite3_close (db);

  /* The tampered row is not laundered: verify names it, and only it. */
  g_clear_pointer (&report, json_node_unref);
  report = rd_ledger_verify (f->ledger, NULL, &error);
  g_assert_no_error (error);
  o = json_node_get_object (report);
  g_assert_false (json_object_get_boolean_member (o, "ok"));
  g_assert_cmpint (json_object_get_int_member (o, "problems"), ==, 1);
  o = json_object_get_object_member (o, "first");
  g_assert_cmpstr (json_object_get_string_member (o, "table"), ==, "registration_history");
  g_assert_cmpint (json_object_get_int_member (o, "row"), ==, tampered_row);
  first = g_strdup (json_object_get_string_member (o, "what"));
  g_assert_nonnull (strstr (first, "differs from its latest chain entry"));

  /* New rows are keyed. What the old entries say stays in the chain for good: the guess is still
   * confirmed from them (README, "Tamper evidence"). */
  g_assert_true (identity_confirmed (f, id, NULL));
  /* The keyed entries re-state the rows as they are now, sealed: no clear identity in them. */
  g_assert_false (identity_confirmed (f, id, rd_test_book_key));
  {
    g_autoptr (JsonObject) more = book_fields ("{\"summary\": \"Tố cáo (bổ sung)\"}");
    g_autofree char *sql = NULL;

    g_assert_true (rd_ledger_registration_update (f->ledger, denounced, more, ACTOR, &error));
    g_assert_no_error (error);
    db = book_raw_open (f);
    sql = g_strdup_printf ("SELECT count (*) FROM chain WHERE seq > %" G_GINT64_FORMAT
                           " AND tbl LIKE 'registration%%'",
                           book_raw_int (db, "SELECT max (seq) FROM chain WHERE op = 'migrate'"));
    g_assert_cmpint (book_raw_int (db, sql), ==, 2); /* the history row and the new revision */
    g_clear_pointer (&sql, g_free);
    sql = g_strdup_printf ("SELECT count (*) FROM chain WHERE seq > %" G_GINT64_FORMAT
                           " AND tbl LIKE 'registration%%' AND content LIKE '{\"sha256\":%%'",
                           book_raw_int (db, "SELECT max (seq) FROM chain WHERE op = 'migrate'"));
    g_assert_cmpint (book_raw_int (db, sql), ==, 0);
    sqlite3_close (db);
  }
}

/* A fresh directory only: the test opens its ledger itself. */
static void
set_up_dir_only (BookFixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->dir = g_dir_make_tmp ("test-book-chain-XXXXXX", &error);
  g_assert_no_error (error);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/book-chain/identity-not-confirmable", BookFixture, NULL, book_set_up,
              test_identity_not_confirmable, book_tear_down);
  g_test_add ("/book-chain/verify-without-key", BookFixture, NULL, book_set_up,
              test_verify_without_key, book_tear_down);
  g_test_add ("/book-chain/migrate-unkeyed", BookFixture, NULL, set_up_dir_only,
              test_migrate_unkeyed, book_tear_down);
  return g_test_run ();
}
