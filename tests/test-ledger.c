/* test-ledger.c: the session ledger, checked the way a user would: through its API, and by
 * looking at the file with the sqlite3 API (inspection only; receptiond code above ledger/ never
 * includes sqlite3.h). */
#include "ledger/rd-ledger.h"
/* For rd_ledger_schema_migration_for_testing(): old files are built from the shipped SQL. */
#include "ledger/rd-ledger-private.h"
#include "tests/rd-test-sqlite.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

typedef struct
{
  char *dir;  /* a fresh temporary state directory */
  char *path; /* dir/ledger.sqlite */
} Fixture;

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

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->dir = g_dir_make_tmp ("test-ledger-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, RD_LEDGER_FILE_NAME, NULL);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->path);
}

/* --- helpers: the file seen through the sqlite3 API ------------------------------------------ */

static GBytes *
read_bytes (const char *path)
{
  g_autoptr (GError) error = NULL;
  char *contents = NULL;
  gsize length = 0;

  g_file_get_contents (path, &contents, &length, &error);
  g_assert_no_error (error);
  return g_bytes_new_take (contents, length);
}

static void
assert_same_bytes (GBytes *before, const char *path)
{
  g_autoptr (GBytes) after = read_bytes (path);

  g_assert_true (g_bytes_equal (before, after));
}

static gboolean
sidecar_exists (const char *path, const char *suffix)
{
  g_autofree char *name = g_strconcat (path, suffix, NULL);

  return g_file_test (name, G_FILE_TEST_EXISTS);
}

static RdLedger *
open_ok (const char *dir)
{
  g_autoptr (GError) error = NULL;
  RdLedger *ledger = rd_ledger_open (dir, &error);

  g_assert_no_error (error);
  g_assert_nonnull (ledger);
  return ledger;
}

static void
assert_timestamp (const char *text)
{
  g_assert_nonnull (text);
  g_assert_true (g_regex_match_simple ("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}"
                                       "\\.[0-9]{6}Z$",
                                       text, 0, 0));
}

static gboolean
ids_contain (GPtrArray *ids, const char *id)
{
  return g_ptr_array_find_with_equal_func (ids, id, g_str_equal, NULL);
}

/* --- opening -----------------------------------------------------------------------------------
 */

static void
test_open_fresh (Fixture *f, gconstpointer data)
{
  g_autoptr (RdLedger) ledger = open_ok (f->dir);
  g_autoptr (GError) error = NULL;
  g_autofree char *id = NULL;
  g_autofree char *mode = NULL;
  g_autoptr (GPtrArray) live = NULL;
  sqlite3 *db;

  g_assert_cmpstr (rd_ledger_get_path (ledger), ==, f->path);
  g_assert_cmpint (rd_ledger_get_schema_version (ledger), ==, RD_LEDGER_SCHEMA_VERSION);
  g_assert_cmpint (RD_LEDGER_SCHEMA_VERSION, ==, 5);
  g_assert_true (g_file_test (f->path, G_FILE_TEST_IS_REGULAR));

  id = rd_ledger_session_start (ledger, "first", "operator", &error);
  g_assert_no_error (error);
  g_assert_true (sidecar_exists (f->path, "-wal")); /* a write went to the WAL */
  g_clear_pointer (&ledger, rd_ledger_close);

  db = rd_test_sqlite_open (f->path, TRUE);
  mode = rd_test_sqlite_text (db, "PRAGMA journal_mode");
  g_assert_cmpstr (mode, ==, "wal");
  g_assert_cmpint (rd_test_sqlite_int (db, "PRAGMA user_version"), ==, RD_LEDGER_SCHEMA_VERSION);
  g_assert_cmpint (
      rd_test_sqlite_int (db, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN "
                              "('sessions', 'participants', 'recordings', 'events', 'invites', "
                              "'chain', 'checkpoints')"),
      ==, 7);
  /* The evidence triggers of the session tables' migrations (9 of v1-v2, 4 of the recordings'
   * v3, 4 of the chain's v4; the book's are checked in test-ledger-book), and two chain triggers
   * (after insert, after update) for each chained table: every table but the chain itself. */
  g_assert_cmpint (
      rd_test_sqlite_int (db, "SELECT count(*) FROM sqlite_schema WHERE type = 'trigger' "
                              "AND name NOT GLOB 'chain_a[iu]_*' AND tbl_name IN ('sessions', "
                              "'participants', 'recordings', 'events', 'invites', 'chain', "
                              "'checkpoints')"),
      ==, 17);
  g_assert_cmpint (
      rd_test_sqlite_int (db, "SELECT count(*) FROM sqlite_schema WHERE type = 'trigger' "
                              "AND name GLOB 'chain_a[iu]_*'"),
      ==,
      2 * rd_test_sqlite_int (db, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' "
                                  "AND name NOT IN ('chain') AND name NOT GLOB 'sqlite_*'"));
  g_assert_cmpint (
      rd_test_sqlite_int (db, "SELECT count(*) FROM pragma_foreign_key_list('participants') "
                              "WHERE \"table\" = 'invites'"),
      ==, 1);
  g_assert_cmpint (rd_test_sqlite_int (db,
                                       "SELECT count(*) FROM pragma_foreign_key_list('invites') "
                                       "WHERE \"table\" = 'sessions'"),
                   ==, 1);
  g_assert_cmpint (
      rd_test_sqlite_int (db, "SELECT count(*) FROM pragma_foreign_key_list('participants') "
                              "WHERE \"table\" = 'sessions'"),
      ==, 1);
  g_assert_cmpint (rd_test_sqlite_int (db, "SELECT count(*) FROM sessions"), ==, 1);
  sqlite3_close (db);

  /* Reopening finds what was written, at the same version. */
  ledger = open_ok (f->dir);
  g_assert_cmpint (rd_ledger_get_schema_version (ledger), ==, RD_LEDGER_SCHEMA_VERSION);
  live = rd_ledger_live_sessions (ledger, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (live->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (live, 0), ==, id);
}

static void
test_open_garbage (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) before = NULL;
  RdLedger *ledger;
  guint8 garbage[8192];

  for (gsize i = 0; i < sizeof garbage; i++)
    garbage[i] = (guint8)g_test_rand_int_range (0, 256);
  garbage[0] = 'X'; /* never the SQLite header by chance */
  g_assert_true (g_file_set_contents (f->path, (const char *)garbage, sizeof garbage, NULL));
  before = read_bytes (f->path);

  ledger = rd_ledger_open (f->dir, &error);
  g_assert_null (ledger);
  g_assert_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_CORRUPT);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, f->path));
  g_assert_nonnull (strstr (error->message, "untouched"));
  assert_same_bytes (before, f->path);
  g_assert_false (sidecar_exists (f->path, "-wal"));
  g_assert_false (sidecar_exists (f->path, "-shm"));
}

static void
test_open_damaged (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) before = NULL;
  g_autofree char *contents = NULL;
  RdLedger *ledger = open_ok (f->dir);
  gsize length = 0;

  for (int i = 0; i < 3; i++)
    g_free (rd_ledger_session_start (ledger, "a session", "operator", NULL));
  rd_ledger_close (ledger);

  /* A real ledger whose second page (the first table's root) is overwritten. */
  g_assert_true (g_file_get_contents (f->path, &contents, &length, NULL));
  g_assert_cmpuint (length, >=, 3 * 4096);
  memset (contents + 4096, 0xAA, 4096);
  g_assert_true (g_file_set_contents (f->path, contents, length, NULL));
  before = read_bytes (f->path);

  ledger = rd_ledger_open (f->dir, &error);
  g_assert_null (ledger);
  g_assert_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_CORRUPT);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, f->path));
  assert_same_bytes (before, f->path);
}

/* @data: whether the newer file is in WAL mode (closed cleanly, so there is no -wal file). */
static void
test_open_newer_schema (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) before = NULL;
  RdLedger *ledger;
  sqlite3 *db = rd_test_sqlite_open (f->path, TRUE);

  if (GPOINTER_TO_INT (data))
    rd_test_sqlite_exec_ok (db, "PRAGMA journal_mode = WAL;");
  rd_test_sqlite_exec_ok (db, "CREATE TABLE future (x); PRAGMA user_version = 99;");
  sqlite3_close (db);
  g_assert_false (sidecar_exists (f->path, "-wal"));
  before = read_bytes (f->path);

  ledger = rd_ledger_open (f->dir, &error);
  g_assert_null (ledger);
  g_assert_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_NEWER_SCHEMA);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, f->path));
  g_assert_nonnull (strstr (error->message, "99"));
  g_assert_nonnull (strstr (error->message, "version " G_STRINGIFY (RD_LEDGER_SCHEMA_VERSION)));
  assert_same_bytes (before, f->path);
  /* Not even a -wal or -shm file beside it. */
  g_assert_false (sidecar_exists (f->path, "-wal"));
  g_assert_false (sidecar_exists (f->path, "-shm"));
}

/* The newer version is only in the -wal file of a database another process has open. */
static void
test_open_newer_schema_in_wal (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) before = NULL;
  RdLedger *ledger;
  sqlite3 *db = rd_test_sqlite_open (f->path, TRUE);

  rd_test_sqlite_exec_ok (db, "PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0;"
                              "CREATE TABLE future (x); PRAGMA user_version = 99;");
  g_assert_true (sidecar_exists (f->path, "-wal"));
  before = read_bytes (f->path);

  ledger = rd_ledger_open (f->dir, &error);
  g_assert_null (ledger);
  g_assert_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_NEWER_SCHEMA);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "99"));
  assert_same_bytes (before, f->path);
  g_assert_cmpint (rd_test_sqlite_int (db, "PRAGMA user_version"), ==, 99);
  sqlite3_close (db);
}

/* A state directory whose name means something in a URI (the checks open the file by URI). */
static void
test_open_odd_path (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) before = NULL;
  g_autofree char *dir = g_build_filename (f->dir, "a b?c=1#d%41e", NULL);
  g_autofree char *path = g_build_filename (dir, RD_LEDGER_FILE_NAME, NULL);
  RdLedger *ledger;

  g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
  g_assert_true (
      g_file_set_contents (path, "not a database, but long enough to be read", -1, NULL));
  before = read_bytes (path);
  ledger = rd_ledger_open (dir, &error);
  g_assert_null (ledger);
  g_assert_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_CORRUPT);
  g_test_message ("%s", error->message);
  assert_same_bytes (before, path);

  g_assert_cmpint (g_remove (path), ==, 0);
  ledger = open_ok (dir);
  g_assert_cmpstr (rd_ledger_get_path (ledger), ==, path);
  rd_ledger_close (ledger);
  /* Reopening an existing ledger goes through the same checks. */
  ledger = open_ok (dir);
  rd_ledger_close (ledger);
}

static void
test_open_missing_dir (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *missing = g_build_filename (f->dir, "missing", NULL);
  RdLedger *ledger = rd_ledger_open (missing, &error);

  g_assert_null (ledger);
  g_assert_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_OPEN);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, missing));
  g_assert_false (g_file_test (missing, G_FILE_TEST_EXISTS));
}

/* Works as root too: no permission bit is involved. */
static void
test_open_parent_is_file (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) before = NULL;
  g_autofree char *file = g_build_filename (f->dir, "not-a-directory", NULL);
  RdLedger *ledger;

  g_assert_true (g_file_set_contents (file, "just a file\n", -1, NULL));
  before = read_bytes (file);
  ledger = rd_ledger_open (file, &error);
  g_assert_null (ledger);
  g_assert_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_OPEN);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, file));
  g_assert_nonnull (strstr (error->message, g_strerror (ENOTDIR)));
  assert_same_bytes (before, file);
}

static void
test_open_read_only_dir (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) before = NULL;
  RdLedger *ledger;

  if (geteuid () == 0)
    {
      g_test_skip ("root ignores directory permissions (see /ledger/open/parent-is-file)");
      return;
    }
  g_assert_cmpint (g_chmod (f->dir, 0500), ==, 0);
  ledger = rd_ledger_open (f->dir, &error);
  g_chmod (f->dir, 0700);
  g_assert_null (ledger);
  g_assert_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_OPEN);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, f->path));
  g_assert_nonnull (strstr (error->message, g_strerror (EACCES)));
  g_assert_false (g_file_test (f->path, G_FILE_TEST_EXISTS));
  g_clear_error (&error);

  /* An existing ledger in a directory that became read-only (no room for -wal and -shm). */
  rd_ledger_close (open_ok (f->dir));
  before = read_bytes (f->path);
  g_assert_cmpint (g_chmod (f->dir, 0500), ==, 0);
  ledger = rd_ledger_open (f->dir, &error);
  g_chmod (f->dir, 0700);
  g_assert_null (ledger);
  g_assert_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_OPEN);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, f->path));
  assert_same_bytes (before, f->path);
}

/* --- migrations --------------------------------------------------------------------------------
 */

static void
test_migrate_v0 (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *note = NULL;
  g_autofree char *mode = NULL;
  g_autofree char *id = NULL;
  RdLedger *ledger;
  sqlite3 *db = rd_test_sqlite_open (f->path, TRUE);

  rd_test_sqlite_exec_ok (db, "CREATE TABLE notes (text); INSERT INTO notes VALUES ('keep me');");
  g_assert_cmpint (rd_test_sqlite_int (db, "PRAGMA user_version"), ==, 0);
  sqlite3_close (db);

  ledger = open_ok (f->dir);
  g_assert_cmpint (rd_ledger_get_schema_version (ledger), ==, RD_LEDGER_SCHEMA_VERSION);
  id = rd_ledger_session_start (ledger, NULL, "operator", &error);
  g_assert_no_error (error);
  rd_ledger_close (ledger);

  db = rd_test_sqlite_open (f->path, TRUE);
  note = rd_test_sqlite_text (db, "SELECT text FROM notes");
  g_assert_cmpstr (note, ==, "keep me");
  g_assert_cmpint (rd_test_sqlite_int (db, "PRAGMA user_version"), ==, RD_LEDGER_SCHEMA_VERSION);
  g_assert_cmpint (rd_test_sqlite_int (db, "SELECT count(*) FROM sessions"), ==, 1);
  mode = rd_test_sqlite_text (db, "PRAGMA journal_mode");
  g_assert_cmpstr (mode, ==, "wal");
  sqlite3_close (db);
}

/* A migration that fails is rolled back, and the file is as it was (not even in WAL mode). */
static void
test_migrate_failure (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) before = NULL;
  RdLedger *ledger;
  sqlite3 *db = rd_test_sqlite_open (f->path, TRUE);

  rd_test_sqlite_exec_ok (db, "CREATE TABLE sessions (something_else);");
  sqlite3_close (db);
  before = read_bytes (f->path);

  ledger = rd_ledger_open (f->dir, &error);
  g_assert_null (ledger);
  g_assert_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_OPEN);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, f->path));
  g_assert_nonnull (strstr (error->message, "sessions"));
  assert_same_bytes (before, f->path);
}

/* A version 1 ledger, as receptiond 1 left it (WAL mode, closed cleanly): a live session "v1-live"
 * with a participant still in, an ended session "v1-ended" with one that left, their events. */
static void
write_v1_ledger (const char *path)
{
  sqlite3 *db = rd_test_sqlite_open (path, TRUE);

  rd_test_sqlite_exec_ok (db, "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; BEGIN;");
  rd_test_sqlite_exec_ok (db, rd_ledger_schema_migration_for_testing (0));
  rd_test_sqlite_exec_ok (
      db, "INSERT INTO sessions (id, title, state, created_at, started_at) VALUES "
          "('v1-live', 'still live', 'live', '2026-01-01T09:00:00.000000Z',"
          " '2026-01-01T09:00:00.000000Z');"
          "INSERT INTO sessions (id, title, state, created_at, started_at, ended_at, end_reason) "
          "VALUES ('v1-ended', NULL, 'ended', '2026-01-01T08:00:00.000000Z',"
          " '2026-01-01T08:00:00.000000Z', '2026-01-01T08:30:00.000000Z', 'done');"
          "INSERT INTO participants (session_id, role, name, remote_address, dtls_fingerprint,"
          " joined_at) VALUES ('v1-live', 'citizen', 'Anna', '192.0.2.7', 'sha-256 AA:BB',"
          " '2026-01-01T09:01:00.000000Z');"
          "INSERT INTO participants (session_id, role, name, joined_at, left_at, leave_reason) "
          "VALUES ('v1-ended', 'board', 'Board', '2026-01-01T08:01:00.000000Z',"
          " '2026-01-01T08:29:00.000000Z', 'left');"
          "INSERT INTO events (at, session_id, actor, kind, detail) VALUES "
          "('2026-01-01T08:00:00.000000Z', 'v1-ended', 'operator', 'session-started', "
          "'{\"title\": null}'),"
          "('2026-01-01T08:30:00.000000Z', 'v1-ended', 'operator', 'session-ended', "
          "'{\"reason\": \"done\"}'),"
          "('2026-01-01T09:00:00.000000Z', 'v1-live', 'operator', 'session-started', "
          "'{\"title\": \"still live\"}'),"
          "('2026-01-01T09:00:01.000000Z', NULL, 'receptiond', 'daemon-started', NULL);");
  rd_test_sqlite_exec_ok (db, "PRAGMA user_version = 1; COMMIT;");
  sqlite3_close (db);
}

static void
test_migrate_v1 (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) closed = NULL;
  g_autoptr (JsonNode) shown = NULL;
  g_autofree char *reason = NULL;
  g_autofree char *token_hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, "t", -1);
  JsonObject *session, *party;
  RdLedger *ledger;
  sqlite3 *db;

  write_v1_ledger (f->path);
  ledger = open_ok (f->dir);
  g_assert_cmpint (rd_ledger_get_schema_version (ledger), ==, RD_LEDGER_SCHEMA_VERSION);
  g_assert_cmpint (rd_ledger_get_schema_version (ledger), ==, RD_LEDGER_SCHEMA_VERSION);

  /* Rows kept, new columns NULL. */
  shown = rd_ledger_session_show (ledger, "v1-live", &error);
  g_assert_no_error (error);
  session = json_node_get_object (shown);
  g_assert_cmpstr (json_object_get_string_member (session, "title"), ==, "still live");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (session, "events")), ==,
                    1);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (session, "invites")), ==,
                    0);
  party = json_array_get_object_element (json_object_get_array_member (session, "participants"), 0);
  g_assert_cmpstr (json_object_get_string_member (party, "name"), ==, "Anna");
  g_assert_cmpstr (json_object_get_string_member (party, "dtls_fingerprint"), ==, "sha-256 AA:BB");
  g_assert_true (json_object_get_null_member (party, "peer_id"));
  g_assert_true (json_object_get_null_member (party, "invite_id"));
  g_assert_true (json_object_get_null_member (party, "left_at"));
  g_clear_pointer (&shown, json_node_unref);

  /* The v1 party still in is closed with its session after the crash that left it live. */
  closed = rd_ledger_reconcile_crashed (ledger, "found live", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (closed->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (closed, 0), ==, "v1-live");

  /* The new tables work on the migrated file. */
  g_assert_cmpint (rd_ledger_invite_create (ledger, "v1-live", RD_LEDGER_ROLE_CITIZEN, NULL,
                                            "2999-01-01T00:00:00Z", token_hash, "operator", &error),
                   ==, 0);
  g_assert_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_STATE); /* now interrupted */
  g_clear_error (&error);
  g_free (rd_ledger_session_start (ledger, NULL, "operator", &error));
  g_assert_no_error (error);
  rd_ledger_close (ledger);

  db = rd_test_sqlite_open (f->path, TRUE);
  g_assert_cmpint (rd_test_sqlite_int (db, "PRAGMA user_version"), ==, RD_LEDGER_SCHEMA_VERSION);
  g_assert_cmpint (rd_test_sqlite_int (db, "SELECT count(*) FROM sessions"), ==, 3);
  g_assert_cmpint (rd_test_sqlite_int (db, "SELECT count(*) FROM participants"), ==, 2);
  g_assert_cmpint (rd_test_sqlite_int (db, "SELECT count(*) FROM events WHERE session_id IS NULL"),
                   ==, 1);
  g_assert_cmpint (rd_test_sqlite_int (db, "SELECT count(*) FROM participants "
                                           "WHERE peer_id IS NULL AND invite_id IS NULL"),
                   ==, 2);
  reason = rd_test_sqlite_text (
      db, "SELECT leave_reason FROM participants WHERE session_id = 'v1-live'");
  g_assert_cmpstr (reason, ==, "interrupted");
  g_clear_pointer (&reason, g_free);
  reason = rd_test_sqlite_text (
      db, "SELECT leave_reason FROM participants WHERE session_id = 'v1-ended'");
  g_assert_cmpstr (reason, ==, "left");
  g_assert_cmpint (
      rd_test_sqlite_int (db, "SELECT count(*) FROM sessions WHERE id = 'v1-ended' AND "
                              "ended_at = '2026-01-01T08:30:00.000000Z' AND end_reason = 'done'"),
      ==, 1);
  g_assert_cmpint (rd_test_sqlite_int (db, "SELECT count(*) FROM invites"), ==, 0);
  sqlite3_close (db);

  /* Opening again migrates nothing. */
  ledger = open_ok (f->dir);
  g_assert_cmpint (rd_ledger_get_schema_version (ledger), ==, RD_LEDGER_SCHEMA_VERSION);
  g_assert_cmpint (rd_ledger_get_schema_version (ledger), ==, RD_LEDGER_SCHEMA_VERSION);
  rd_ledger_close (ledger);
}

/* A v1 file the v2 step cannot migrate (a table of the same name exists) stays v1, unchanged. */
static void
test_migrate_v1_failure (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) before = NULL;
  RdLedger *ledger;
  sqlite3 *db = rd_test_sqlite_open (f->path, TRUE);

  rd_test_sqlite_exec_ok (db, rd_ledger_schema_migration_for_testing (0));
  rd_test_sqlite_exec_ok (
      db, "CREATE TABLE invites (something_else);"
          "INSERT INTO sessions (id, state, created_at) VALUES ('s', 'live', 'then');"
          "PRAGMA user_version = 1;");
  sqlite3_close (db);
  before = read_bytes (f->path);

  ledger = rd_ledger_open (f->dir, &error);
  g_assert_null (ledger);
  g_assert_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_OPEN);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "schema version 2"));
  g_assert_nonnull (strstr (error->message, "invites"));
  assert_same_bytes (before, f->path);
}

/* --- sessions and events -----------------------------------------------------------------------
 */

static JsonObject *
event_at (JsonObject *session, guint index)
{
  JsonArray *events = json_object_get_array_member (session, "events");

  g_assert_cmpuint (json_array_get_length (events), >, index);
  return json_array_get_object_element (events, index);
}

static void
test_session_round_trip (Fixture *f, gconstpointer data)
{
  g_autoptr (RdLedger) ledger = open_ok (f->dir);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) detail = json_from_string ("{\"text\": \"hello\", \"n\": 3}", NULL);
  g_autoptr (JsonNode) list = NULL;
  g_autoptr (JsonNode) shown = NULL;
  g_autoptr (GPtrArray) live = NULL;
  g_autofree char *id = NULL;
  g_autofree char *date = NULL;
  JsonObject *summary, *session, *event;
  const char *created_at;
  gint64 note_id, daemon_event;
  gboolean ok;

  id = rd_ledger_session_start (ledger, "Visit of Ms. Ivanova", "operator:alice", &error);
  g_assert_no_error (error);
  g_assert_true (g_regex_match_simple ("^[0-9]{8}-[0-9a-f]{6}$", id, 0, 0));

  live = rd_ledger_live_sessions (ledger, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (live->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (live, 0), ==, id);
  g_clear_pointer (&live, g_ptr_array_unref);

  note_id = rd_ledger_add_event (ledger, id, "operator:alice", "note", detail, &error);
  g_assert_no_error (error);
  g_assert_cmpint (note_id, >, 0);
  daemon_event = rd_ledger_add_event (ledger, NULL, "receptiond", "config-reloaded", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (daemon_event, >, note_id);

  ok = rd_ledger_session_end (ledger, id, "operator:bob", "finished", &error);
  g_assert_no_error (error);
  g_assert_true (ok);

  live = rd_ledger_live_sessions (ledger, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (live->len, ==, 0);

  list = rd_ledger_session_list (ledger, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (list));
  g_assert_cmpuint (json_array_get_length (json_node_get_array (list)), ==, 1);
  summary = json_array_get_object_element (json_node_get_array (list), 0);
  g_assert_cmpstr (json_object_get_string_member (summary, "id"), ==, id);
  g_assert_cmpstr (json_object_get_string_member (summary, "title"), ==, "Visit of Ms. Ivanova");
  g_assert_cmpstr (json_object_get_string_member (summary, "state"), ==, "ended");
  g_assert_cmpstr (json_object_get_string_member (summary, "end_reason"), ==, "finished");
  g_assert_cmpint (json_object_get_int_member (summary, "participants"), ==, 0);
  assert_timestamp (json_object_get_string_member (summary, "created_at"));
  assert_timestamp (json_object_get_string_member (summary, "started_at"));
  assert_timestamp (json_object_get_string_member (summary, "ended_at"));
  g_assert_cmpstr (json_object_get_string_member (summary, "ended_at"), >=,
                   json_object_get_string_member (summary, "started_at"));
  /* The id carries the UTC date the session was created. */
  created_at = json_object_get_string_member (summary, "created_at");
  date = g_strdup_printf ("%.4s%.2s%.2s-", created_at, created_at + 5, created_at + 8);
  g_assert_true (g_str_has_prefix (id, date));

  shown = rd_ledger_session_show (ledger, id, &error);
  g_assert_no_error (error);
  session = json_node_get_object (shown);
  g_assert_cmpstr (json_object_get_string_member (session, "state"), ==, "ended");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (session, "participants")),
                    ==, 0);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (session, "recordings")),
                    ==, 0);
  /* Three events of this session, oldest first; the daemon-wide one is not among them. */
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (session, "events")), ==,
                    3);
  event = event_at (session, 0);
  g_assert_cmpstr (json_object_get_string_member (event, "kind"), ==, "session-started");
  g_assert_cmpstr (json_object_get_string_member (event, "actor"), ==, "operator:alice");
  g_assert_cmpstr (
      json_object_get_string_member (json_object_get_object_member (event, "detail"), "title"), ==,
      "Visit of Ms. Ivanova");
  assert_timestamp (json_object_get_string_member (event, "at"));
  event = event_at (session, 1);
  g_assert_cmpstr (json_object_get_string_member (event, "kind"), ==, "note");
  g_assert_cmpint (json_object_get_int_member (event, "id"), ==, note_id);
  g_assert_true (json_node_equal (json_object_get_member (event, "detail"), detail));
  event = event_at (session, 2);
  g_assert_cmpstr (json_object_get_string_member (event, "kind"), ==, "session-ended");
  g_assert_cmpstr (json_object_get_string_member (event, "actor"), ==, "operator:bob");
  g_assert_cmpint (json_object_get_int_member (event, "id"), >, daemon_event);
  g_assert_cmpstr (
      json_object_get_string_member (json_object_get_object_member (event, "detail"), "reason"), ==,
      "finished");
}

static void
test_session_list_order (Fixture *f, gconstpointer data)
{
  g_autoptr (RdLedger) ledger = open_ok (f->dir);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) list = NULL;
  g_autoptr (GPtrArray) live = NULL;
  g_autofree char *first = rd_ledger_session_start (ledger, "first", "operator", &error);
  g_autofree char *second = rd_ledger_session_start (ledger, NULL, "operator", &error);
  JsonArray *array;
  JsonObject *newest;

  g_assert_no_error (error);
  g_assert_cmpstr (first, !=, second);

  list = rd_ledger_session_list (ledger, &error);
  g_assert_no_error (error);
  array = json_node_get_array (list);
  g_assert_cmpuint (json_array_get_length (array), ==, 2);
  newest = json_array_get_object_element (array, 0);
  g_assert_cmpstr (json_object_get_string_member (newest, "id"), ==, second);
  g_assert_true (json_object_get_null_member (newest, "title"));
  g_assert_true (json_object_get_null_member (newest, "ended_at"));
  g_assert_true (json_object_get_null_member (newest, "end_reason"));
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (array, 1), "id"),
                   ==, first);

  live = rd_ledger_live_sessions (ledger, &error); /* oldest first */
  g_assert_no_error (error);
  g_assert_cmpuint (live->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (live, 0), ==, first);
  g_assert_cmpstr (g_ptr_array_index (live, 1), ==, second);
}

static void
test_session_errors (Fixture *f, gconstpointer data)
{
  g_autoptr (RdLedger) ledger = open_ok (f->dir);
  g_autoptr (GError) error = NULL;
  g_autofree char *id = rd_ledger_session_start (ledger, NULL, "operator", &error);
  g_autofree char *other = NULL;
  g_autoptr (JsonNode) shown = NULL;
  gboolean ok;
  gint64 event_id;

  g_assert_no_error (error);

  ok = rd_ledger_session_end (ledger, "20000101-abcdef", "operator", "done", &error);
  g_assert_false (ok);
  g_assert_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_NOT_FOUND);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "20000101-abcdef"));
  g_clear_error (&error);

  ok = rd_ledger_session_end (ledger, id, "operator", "done", &error);
  g_assert_no_error (error);
  g_assert_true (ok);
  ok = rd_ledger_session_end (ledger, id, "operator", "again", &error);
  g_assert_false (ok);
  g_assert_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_STATE);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, id));
  g_assert_nonnull (strstr (error->message, "ended"));
  g_clear_error (&error);

  shown = rd_ledger_session_show (ledger, "20000101-abcdef", &error);
  g_assert_null (shown);
  g_assert_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_NOT_FOUND);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "20000101-abcdef"));
  g_clear_error (&error);

  event_id = rd_ledger_add_event (ledger, "20000101-abcdef", "operator", "note", NULL, &error);
  g_assert_cmpint (event_id, ==, 0);
  g_assert_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_NOT_FOUND);
  g_test_message ("%s", error->message);
  g_clear_error (&error);

  /* The failed calls left no transaction open: the ledger still writes, and the refused end
   * recorded nothing. */
  other = rd_ledger_session_start (ledger, NULL, "operator", &error);
  g_assert_no_error (error);
  g_assert_nonnull (other);
  shown = rd_ledger_session_show (ledger, id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (shown), "end_reason"), ==,
                   "done");
  g_assert_cmpuint (
      json_array_get_length (json_object_get_array_member (json_node_get_object (shown), "events")),
      ==, 2);
}

/* Two sessions whose first random id is the same: the second must get another one. */
static void
test_session_id_collision (Fixture *f, gconstpointer data)
{
  g_autoptr (RdLedger) ledger = open_ok (f->dir);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) live = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autofree char *expected_suffix = NULL;

  g_random_set_seed (7);
  expected_suffix = g_strdup_printf ("-%06x", (guint)g_random_int_range (0, 0x1000000));
  g_random_set_seed (7);
  first = rd_ledger_session_start (ledger, NULL, "operator", &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_suffix (first, expected_suffix));
  g_random_set_seed (7);
  second = rd_ledger_session_start (ledger, NULL, "operator", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (first, !=, second);

  live = rd_ledger_live_sessions (ledger, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (live->len, ==, 2);
  g_assert_true (ids_contain (live, first));
  g_assert_true (ids_contain (live, second));
}

static void
test_reconcile_crashed (Fixture *f, gconstpointer data)
{
  g_autoptr (RdLedger) ledger = open_ok (f->dir);
  g_autoptr (GError) error = NULL;
  g_autofree char *a = rd_ledger_session_start (ledger, "a", "operator", &error);
  g_autofree char *b = rd_ledger_session_start (ledger, "b", "operator", &error);
  g_autofree char *c = rd_ledger_session_start (ledger, "c", "operator", &error);
  g_autofree char *b_ended_at = NULL;
  g_autoptr (GPtrArray) closed = NULL;
  g_autoptr (GPtrArray) again = NULL;
  g_autoptr (GPtrArray) live = NULL;
  g_autoptr (JsonNode) shown_a = NULL;
  g_autoptr (JsonNode) shown_b = NULL;
  g_autoptr (JsonNode) shown_b_after = NULL;
  JsonObject *session, *event;

  g_assert_no_error (error);
  g_assert_true (rd_ledger_session_end (ledger, b, "operator", "done", &error));
  g_assert_no_error (error);
  shown_b = rd_ledger_session_show (ledger, b, &error);
  g_assert_no_error (error);

  /* As after a crash: a new connection finds a and c still live. */
  g_clear_pointer (&ledger, rd_ledger_close);
  ledger = open_ok (f->dir);
  closed = rd_ledger_reconcile_crashed (ledger, "receptiond stopped unexpectedly", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (closed->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (closed, 0), ==, a);
  g_assert_cmpstr (g_ptr_array_index (closed, 1), ==, c);

  shown_a = rd_ledger_session_show (ledger, a, &error);
  g_assert_no_error (error);
  session = json_node_get_object (shown_a);
  g_assert_cmpstr (json_object_get_string_member (session, "state"), ==, "interrupted");
  g_assert_cmpstr (json_object_get_string_member (session, "end_reason"), ==,
                   "receptiond stopped unexpectedly");
  assert_timestamp (json_object_get_string_member (session, "ended_at"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (session, "events")), ==,
                    2);
  event = event_at (session, 1);
  g_assert_cmpstr (json_object_get_string_member (event, "kind"), ==, "session-interrupted");
  g_assert_cmpstr (json_object_get_string_member (event, "actor"), ==, "receptiond");
  g_assert_cmpstr (
      json_object_get_string_member (json_object_get_object_member (event, "detail"), "reason"), ==,
      "receptiond stopped unexpectedly");

  /* The ended session is exactly as it was. */
  shown_b_after = rd_ledger_session_show (ledger, b, &error);
  g_assert_no_error (error);
  g_assert_true (json_node_equal (shown_b, shown_b_after));
  b_ended_at =
      g_strdup (json_object_get_string_member (json_node_get_object (shown_b_after), "end_reason"));
  g_assert_cmpstr (b_ended_at, ==, "done");

  live = rd_ledger_live_sessions (ledger, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (live->len, ==, 0);
  again = rd_ledger_reconcile_crashed (ledger, "again", &error);
  g_assert_no_error (error);
  g_assert_nonnull (again);
  g_assert_cmpuint (again->len, ==, 0);
}

/* Participants and recordings are written by later API; here they come from sqlite3 directly. */
static void
test_show_participants_recordings (Fixture *f, gconstpointer data)
{
  g_autoptr (RdLedger) ledger = open_ok (f->dir);
  g_autoptr (GError) error = NULL;
  g_autofree char *id = rd_ledger_session_start (ledger, NULL, "operator", &error);
  g_autofree char *insert = NULL;
  g_autoptr (JsonNode) list = NULL;
  g_autoptr (JsonNode) shown = NULL;
  JsonObject *session, *party, *recording;
  JsonArray *tracks;
  sqlite3 *db;

  g_assert_no_error (error);
  db = rd_test_sqlite_open (f->path, TRUE);
  insert = sqlite3_mprintf (
      "INSERT INTO participants (session_id, role, name, remote_address, joined_at) "
      "VALUES (%Q, 'citizen', 'Anna', '192.0.2.7', '2026-01-01T10:00:00.000000Z');"
      "INSERT INTO recordings (session_id, segment, path, size_bytes, tracks, state, created_at) "
      "VALUES (%Q, 1, 'rec/1.mkv', 1234567890123, '[{\"kind\": \"audio\"}]', 'recording', "
      "'2026-01-01T10:00:00.000000Z');",
      id, id);
  rd_test_sqlite_exec_ok (db, insert);
  sqlite3_free (g_steal_pointer (&insert));
  sqlite3_close (db);

  list = rd_ledger_session_list (ledger, &error);
  g_assert_no_error (error);
  g_assert_cmpint (
      json_object_get_int_member (json_array_get_object_element (json_node_get_array (list), 0),
                                  "participants"),
      ==, 1);

  shown = rd_ledger_session_show (ledger, id, &error);
  g_assert_no_error (error);
  session = json_node_get_object (shown);
  party = json_array_get_object_element (json_object_get_array_member (session, "participants"), 0);
  g_assert_cmpstr (json_object_get_string_member (party, "name"), ==, "Anna");
  g_assert_cmpstr (json_object_get_string_member (party, "role"), ==, "citizen");
  g_assert_true (json_object_get_null_member (party, "dtls_fingerprint"));
  g_assert_true (json_object_get_null_member (party, "left_at"));
  recording =
      json_array_get_object_element (json_object_get_array_member (session, "recordings"), 0);
  g_assert_cmpint (json_object_get_int_member (recording, "size_bytes"), ==, 1234567890123);
  g_assert_cmpint (json_object_get_int_member (recording, "segment"), ==, 1);
  g_assert_true (json_object_get_null_member (recording, "sha256"));
  tracks = json_object_get_array_member (recording, "tracks");
  g_assert_nonnull (tracks);
  g_assert_cmpstr (
      json_object_get_string_member (json_array_get_object_element (tracks, 0), "kind"), ==,
      "audio");
}

/* --- the append-only triggers ------------------------------------------------------------------
 */

static void
test_append_only (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *id = NULL;
  g_autofree char *insert = NULL;
  RdLedger *ledger = open_ok (f->dir);
  const char *refused[] = {
    "DELETE FROM events",
    "DELETE FROM sessions",
    "DELETE FROM participants",
    "DELETE FROM recordings",
    "UPDATE events SET kind = 'rewritten'",
    "UPDATE sessions SET end_reason = 'rewritten'", /* sealed: ended below */
  };
  sqlite3 *db;

  id = rd_ledger_session_start (ledger, NULL, "operator", &error);
  g_assert_no_error (error);
  g_assert_cmpint (rd_ledger_add_event (ledger, id, "operator", "note", NULL, &error), >, 0);
  g_assert_true (rd_ledger_session_end (ledger, id, "operator", "done", &error));
  rd_ledger_close (ledger);

  db = rd_test_sqlite_open (f->path, TRUE);
  insert = sqlite3_mprintf (
      "INSERT INTO participants (session_id, role, joined_at) VALUES (%Q, 'citizen', 'now');"
      "INSERT INTO recordings (session_id, segment, path, state, created_at) "
      "VALUES (%Q, 1, 'p', 'recording', 'now');",
      id, id);
  rd_test_sqlite_exec_ok (db, insert);
  sqlite3_free (g_steal_pointer (&insert));

  for (gsize i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autofree char *message = rd_test_sqlite_exec_fails (db, refused[i]);

      g_test_message ("%s: %s", refused[i], message);
      g_assert_nonnull (strstr (message, "the ledger is append-only"));
    }
  g_assert_cmpint (rd_test_sqlite_int (db, "SELECT count(*) FROM events"), ==, 3);
  g_assert_cmpint (
      rd_test_sqlite_int (db, "SELECT count(*) FROM sessions WHERE end_reason = 'done'"), ==, 1);
  g_assert_cmpint (rd_test_sqlite_int (db, "SELECT count(*) FROM events WHERE kind = 'rewritten'"),
                   ==, 0);
  g_assert_cmpint (rd_test_sqlite_int (db, "SELECT count(*) FROM sessions"), ==, 1);
  g_assert_cmpint (rd_test_sqlite_int (db, "SELECT count(*) FROM participants"), ==, 1);
  g_assert_cmpint (rd_test_sqlite_int (db, "SELECT count(*) FROM recordings"), ==, 1);
  sqlite3_close (db);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD_DATA(path, data, func)                                                                 \
  g_test_add (path, Fixture, data, fixture_set_up, func, fixture_tear_down)
#define ADD(path, func) ADD_DATA (path, NULL, func)
  ADD ("/ledger/open/fresh", test_open_fresh);
  ADD ("/ledger/open/garbage", test_open_garbage);
  ADD ("/ledger/open/damaged", test_open_damaged);
  ADD_DATA ("/ledger/open/newer-schema", GINT_TO_POINTER (FALSE), test_open_newer_schema);
  ADD_DATA ("/ledger/open/newer-schema-wal-mode", GINT_TO_POINTER (TRUE), test_open_newer_schema);
  ADD ("/ledger/open/newer-schema-in-wal", test_open_newer_schema_in_wal);
  ADD ("/ledger/open/odd-path", test_open_odd_path);
  ADD ("/ledger/open/missing-dir", test_open_missing_dir);
  ADD ("/ledger/open/parent-is-file", test_open_parent_is_file);
  ADD ("/ledger/open/read-only-dir", test_open_read_only_dir);
  ADD ("/ledger/migrate/v0", test_migrate_v0);
  ADD ("/ledger/migrate/failure", test_migrate_failure);
  ADD ("/ledger/migrate/v1", test_migrate_v1);
  ADD ("/ledger/migrate/v1-failure", test_migrate_v1_failure);
  ADD ("/ledger/session/round-trip", test_session_round_trip);
  ADD ("/ledger/session/list-order", test_session_list_order);
  ADD ("/ledger/session/errors", test_session_errors);
  ADD ("/ledger/session/id-collision", test_session_id_collision);
  ADD ("/ledger/session/reconcile-crashed", test_reconcile_crashed);
  ADD ("/ledger/session/participants-recordings", test_show_participants_recordings);
  ADD ("/ledger/append-only", test_append_only);
#undef ADD
#undef ADD_DATA

  return g_test_run ();
}
