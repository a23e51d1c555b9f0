/* rd-test-ledger.c: the ledger tests' fixture and checks. See rd-test-ledger.h. */
#include "tests/rd-test-ledger.h"

#include "ledger/rd-ledger-private.h"
#include "ledger/rd-ledger-error.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>

static void
remove_tree (const char *path)
{
  GDir *dir;

  if (!g_file_test (path, G_FILE_TEST_IS_DIR) || g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      g_remove (path);
      return;
    }
  g_chmod (path, 0700);
  dir = g_dir_open (path, 0, NULL);
  if (dir != NULL)
    {
      const char *name;

      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          remove_tree (child);
        }
      g_dir_close (dir);
    }
  g_rmdir (path);
}

void
rd_test_ledger_set_up (RdTestLedger *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *name = g_path_get_basename (g_get_prgname () ? g_get_prgname () : "test-ledger");
  g_autofree char *template = g_strconcat (name, "-XXXXXX", NULL);

  f->dir = g_dir_make_tmp (template, &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, RD_LEDGER_FILE_NAME, NULL);
}

void
rd_test_ledger_chain_set_up (RdTestLedger *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  rd_test_ledger_set_up (f, data);
  f->key = rd_ledger_key_load_or_create (f->dir, &error);
  g_assert_no_error (error);
  rd_test_ledger_reopen (f);
}

void
rd_test_ledger_tear_down (RdTestLedger *f, gconstpointer data)
{
  g_clear_pointer (&f->ledger, rd_ledger_close);
  g_clear_pointer (&f->key, rd_ledger_key_free);
  remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->path);
}

GBytes *
rd_test_ledger_read_bytes (const char *path)
{
  g_autoptr (GError) error = NULL;
  char *contents = NULL;
  gsize length = 0;

  g_file_get_contents (path, &contents, &length, &error);
  g_assert_no_error (error);
  return g_bytes_new_take (contents, length);
}

void
rd_test_ledger_assert_same_bytes (GBytes *before, const char *path)
{
  g_autoptr (GBytes) after = rd_test_ledger_read_bytes (path);

  g_assert_true (g_bytes_equal (before, after));
}

gboolean
rd_test_ledger_sidecar_exists (const char *path, const char *suffix)
{
  g_autofree char *name = g_strconcat (path, suffix, NULL);

  return g_file_test (name, G_FILE_TEST_EXISTS);
}

RdLedger *
rd_test_ledger_open_ok (const char *dir)
{
  g_autoptr (GError) error = NULL;
  RdLedger *ledger = rd_ledger_open (dir, &error);

  g_assert_no_error (error);
  g_assert_nonnull (ledger);
  return ledger;
}

GError *
rd_test_ledger_open_refused (const char *dir, int code, const char *named)
{
  GError *error = NULL;
  RdLedger *ledger = rd_ledger_open (dir, &error);

  g_assert_null (ledger);
  g_assert_error (error, RD_LEDGER_ERROR, code);
  g_test_message ("%s", error->message);
  if (named != NULL)
    g_assert_nonnull (strstr (error->message, named));
  return error;
}

void
rd_test_ledger_reopen (RdTestLedger *f)
{
  g_autoptr (GError) error = NULL;

  g_clear_pointer (&f->ledger, rd_ledger_close);
  f->ledger = rd_ledger_open (f->dir, &error);
  g_assert_no_error (error);
  rd_ledger_set_key (f->ledger, f->key);
}

/* name -> SQL of the guard triggers (every trigger but the chain's generated ones) a fresh
 * ledger has: what an attacker would copy to put back the ones they dropped. */
static GHashTable *
fresh_guards (void)
{
  g_autoptr (GHashTable) guards = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("rd-test-fresh-XXXXXX", &error);
  RdLedger *fresh = NULL;

  g_assert_no_error (error);
  fresh = rd_test_ledger_open_ok (dir);
  {
    g_autoptr (sqlite3_stmt) stmt =
        rd_ledger_prepare (fresh, &error,
                           "SELECT name, sql FROM sqlite_schema WHERE type = 'trigger' AND "
                           "name NOT GLOB 'chain_a[iu]_*'",
                           0);
    g_assert_no_error (error);
    while (rd_ledger_step (fresh, stmt, &error) == SQLITE_ROW)
      g_hash_table_insert (guards, g_strdup ((const char *)sqlite3_column_text (stmt, 0)),
                           g_strdup ((const char *)sqlite3_column_text (stmt, 1)));
    g_assert_no_error (error);
  }
  rd_ledger_close (fresh);
  remove_tree (dir);
  g_assert_cmpuint (g_hash_table_size (guards), >=, 31);
  return g_steal_pointer (&guards);
}

void
rd_test_ledger_reopen_after_edit (RdTestLedger *f)
{
  g_autoptr (GHashTable) guards = fresh_guards ();
  g_autoptr (GPtrArray) missing = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer name;
  sqlite3 *db = NULL;

  /* The file as the edit left it, read without the ledger (which would refuse it). */
  g_clear_pointer (&f->ledger, rd_ledger_close);
  g_assert_cmpint (sqlite3_open_v2 (f->path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  g_hash_table_iter_init (&iter, guards);
  while (g_hash_table_iter_next (&iter, &name, NULL))
    {
      g_autoptr (sqlite3_stmt) stmt = NULL;

      g_assert_cmpint (sqlite3_prepare_v2 (db,
                                           "SELECT 1 FROM sqlite_schema WHERE type = 'trigger' "
                                           "AND name = ?1",
                                           -1, &stmt, NULL),
                       ==, SQLITE_OK);
      sqlite3_bind_text (stmt, 1, name, -1, SQLITE_STATIC);
      if (sqlite3_step (stmt) == SQLITE_DONE)
        g_ptr_array_add (missing, name);
    }
  if (missing->len > 0)
    {
      g_autoptr (GError) refused =
          rd_test_ledger_open_refused (f->dir, RD_LEDGER_ERROR_CORRUPT, "guard triggers");

      for (guint i = 0; i < missing->len; i++)
        g_assert_nonnull (strstr (refused->message, missing->pdata[i]));
      /* Put back, as the attacker would, so that the chain alone has to tell. */
      for (guint i = 0; i < missing->len; i++)
        g_assert_cmpint (
            sqlite3_exec (db, g_hash_table_lookup (guards, missing->pdata[i]), NULL, NULL, NULL),
            ==, SQLITE_OK);
    }
  sqlite3_close_v2 (db);
  rd_test_ledger_reopen (f);
}

void
rd_test_ledger_exec_ok (RdTestLedger *f, const char *sql)
{
  g_autoptr (GError) error = NULL;

  if (!rd_ledger_exec (f->ledger, sql, &error))
    g_error ("%s: %s", sql, error->message);
}

gint64
rd_test_ledger_query_int (RdTestLedger *f, const char *sql)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (sqlite3_stmt) stmt = rd_ledger_prepare (f->ledger, &error, sql, 0);

  g_assert_no_error (error);
  g_assert_cmpint (rd_ledger_step (f->ledger, stmt, &error), ==, SQLITE_ROW);
  return sqlite3_column_int64 (stmt, 0);
}

char *
rd_test_ledger_query_text (RdTestLedger *f, const char *sql)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (sqlite3_stmt) stmt = rd_ledger_prepare (f->ledger, &error, sql, 0);

  g_assert_no_error (error);
  g_assert_cmpint (rd_ledger_step (f->ledger, stmt, &error), ==, SQLITE_ROW);
  return g_strdup ((const char *)sqlite3_column_text (stmt, 0));
}

static JsonObject *
verify (RdTestLedger *f, JsonObject *exported, JsonNode **keep)
{
  g_autoptr (GError) error = NULL;
  JsonNode *report = rd_ledger_verify (f->ledger, exported, &error);
  g_autofree char *text = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (report);
  text = json_to_string (report, FALSE);
  g_test_message ("verify: %s", text);
  *keep = report;
  return json_node_get_object (report);
}

void
rd_test_ledger_assert_verifies (RdTestLedger *f, JsonObject *exported)
{
  g_autoptr (JsonNode) keep = NULL;
  JsonObject *report = verify (f, exported, &keep);

  if (!json_object_get_boolean_member (report, "ok"))
    g_error (
        "the ledger does not verify: %s",
        json_object_get_string_member (json_object_get_object_member (report, "first"), "what"));
  g_assert_cmpint (json_object_get_int_member (report, "problems"), ==, 0);
}

void
rd_test_ledger_assert_first_problem (RdTestLedger *f, JsonObject *exported, const char *table,
                                     gint64 row, gint64 seq, const char *what)
{
  g_autoptr (JsonNode) keep = NULL;
  JsonObject *report = verify (f, exported, &keep);
  JsonObject *first;
  const char *message;

  g_assert_false (json_object_get_boolean_member (report, "ok"));
  g_assert_cmpint (json_object_get_int_member (report, "problems"), >, 0);
  first = json_object_get_object_member (report, "first");
  message = json_object_get_string_member (first, "what");
  if (table != NULL)
    g_assert_cmpstr (json_object_get_string_member_with_default (first, "table", NULL), ==, table);
  if (row >= 0)
    g_assert_cmpint (json_object_get_int_member_with_default (first, "row", -1), ==, row);
  if (seq == 0)
    g_assert_true (json_object_get_null_member (first, "seq"));
  else if (seq > 0)
    g_assert_cmpint (json_object_get_int_member_with_default (first, "seq", -1), ==, seq);
  if (strstr (message, what) == NULL)
    g_error ("first problem \"%s\" does not say \"%s\"", message, what);
}

char *
rd_test_ledger_write_history (RdTestLedger *f)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, "token", -1);
  char *id = rd_ledger_session_start (f->ledger, "Tiếp công dân tháng 11", "operator", &error);
  gint64 invite, party;

  g_assert_no_error (error);
  invite = rd_ledger_invite_create (f->ledger, id, RD_LEDGER_ROLE_CITIZEN, NULL,
                                    "2999-01-01T00:00:00Z", hash, "operator", &error);
  g_assert_no_error (error);
  party = rd_ledger_participant_join (f->ledger, id, "peer-1", invite, RD_LEDGER_ROLE_CITIZEN,
                                      "citizen 1", "192.0.2.7", "receptiond", &error);
  g_assert_no_error (error);
  g_assert_true (rd_ledger_participant_verified (f->ledger, party, "sha-256 AA:BB", -1, &error));
  g_assert_cmpint (rd_ledger_add_event (f->ledger, id, "operator", "note", NULL, &error), >, 0);
  g_assert_true (rd_ledger_participant_leave (f->ledger, party, "left", -1, &error));
  g_assert_true (rd_ledger_session_end (f->ledger, id, "operator", "done", &error));
  g_assert_no_error (error);
  return id;
}
