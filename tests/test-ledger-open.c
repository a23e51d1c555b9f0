/* test-ledger-open.c: opening the session ledger's file, checked the way a user would: a fresh
 * file, files that are garbage, damaged, from a newer version or in an odd place (each refused by
 * name and left untouched), and files of older versions migrated with every row kept (or, when a
 * step fails, left exactly as they were). The file is looked at with the sqlite3 API (inspection
 * only; receptiond code above ledger/ never includes sqlite3.h). */
#include "ledger/rd-ledger.h"
#include "ledger/rd-ledger-error.h"
/* For rd_ledger_schema_migration_for_testing(): old files are built from the shipped SQL. */
#include "ledger/rd-ledger-private.h"
#include "tests/rd-test-ledger.h"
#include "tests/rd-test-sqlite.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* --- opening -----------------------------------------------------------------------------------
 */

static void
test_open_fresh (RdTestLedger *f, gconstpointer data)
{
  g_autoptr (RdLedger) ledger = rd_test_ledger_open_ok (f->dir);
  g_autoptr (GError) error = NULL;
  g_autofree char *id = NULL;
  g_autofree char *mode = NULL;
  g_autoptr (GPtrArray) live = NULL;
  sqlite3 *db;

  g_assert_cmpstr (rd_ledger_get_path (ledger), ==, f->path);
  g_assert_cmpint (rd_ledger_get_schema_version (ledger), ==, RD_LEDGER_SCHEMA_VERSION);
  g_assert_cmpint (RD_LEDGER_SCHEMA_VERSION, ==, 9);
  g_assert_true (g_file_test (f->path, G_FILE_TEST_IS_REGULAR));

  id = rd_ledger_session_start (ledger, "first", "operator", &error);
  g_assert_no_error (error);
  g_assert_true (rd_test_ledger_sidecar_exists (f->path, "-wal")); /* a write went to the WAL */
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
  /* the archive queue's tables (v8), with their three guards */
  g_assert_cmpint (rd_test_sqlite_int (db, "SELECT count(*) FROM sqlite_schema WHERE type = "
                                           "'trigger' AND name GLOB 'archive_*'"),
                   ==, 3);
  /* the console's operators (v9), with their two guards */
  g_assert_cmpint (rd_test_sqlite_int (db, "SELECT count(*) FROM sqlite_schema WHERE type = "
                                           "'trigger' AND name GLOB 'operators_*'"),
                   ==, 2);
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
  ledger = rd_test_ledger_open_ok (f->dir);
  g_assert_cmpint (rd_ledger_get_schema_version (ledger), ==, RD_LEDGER_SCHEMA_VERSION);
  live = rd_ledger_live_sessions (ledger, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (live->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (live, 0), ==, id);
}

static void
test_open_garbage (RdTestLedger *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) before = NULL;
  guint8 garbage[8192];

  for (gsize i = 0; i < sizeof garbage; i++)
    garbage[i] = (guint8)g_test_rand_int_range (0, 256);
  garbage[0] = 'X'; /* never the SQLite header by chance */
  g_assert_true (g_file_set_contents (f->path, (const char *)garbage, sizeof garbage, NULL));
  before = rd_test_ledger_read_bytes (f->path);

  error = rd_test_ledger_open_refused (f->dir, RD_LEDGER_ERROR_CORRUPT, f->path);
  g_assert_nonnull (strstr (error->message, "untouched"));
  rd_test_ledger_assert_same_bytes (before, f->path);
  g_assert_false (rd_test_ledger_sidecar_exists (f->path, "-wal"));
  g_assert_false (rd_test_ledger_sidecar_exists (f->path, "-shm"));
}

static void
test_open_damaged (RdTestLedger *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) before = NULL;
  g_autofree char *contents = NULL;
  RdLedger *ledger = rd_test_ledger_open_ok (f->dir);
  gsize length = 0;

  for (int i = 0; i < 3; i++)
    g_free (rd_ledger_session_start (ledger, "a session", "operator", NULL));
  rd_ledger_close (ledger);

  /* A real ledger whose second page (the first table's root) is overwritten. */
  g_assert_true (g_file_get_contents (f->path, &contents, &length, NULL));
  g_assert_cmpuint (length, >=, 3 * 4096);
  memset (contents + 4096, 0xAA, 4096);
  g_assert_true (g_file_set_contents (f->path, contents, length, NULL));
  before = rd_test_ledger_read_bytes (f->path);

  error = rd_test_ledger_open_refused (f->dir, RD_LEDGER_ERROR_CORRUPT, f->path);
  rd_test_ledger_assert_same_bytes (before, f->path);
}

/* @data: whether the newer file is in WAL mode (closed cleanly, so there is no -wal file). */
static void
test_open_newer_schema (RdTestLedger *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) before = NULL;
  sqlite3 *db = rd_test_sqlite_open (f->path, TRUE);

  if (GPOINTER_TO_INT (data))
    rd_test_sqlite_exec_ok (db, "PRAGMA journal_mode = WAL;");
  rd_test_sqlite_exec_ok (db, "CREATE TABLE future (x); PRAGMA user_version = 99;");
  sqlite3_close (db);
  g_assert_false (rd_test_ledger_sidecar_exists (f->path, "-wal"));
  before = rd_test_ledger_read_bytes (f->path);

  error = rd_test_ledger_open_refused (f->dir, RD_LEDGER_ERROR_NEWER_SCHEMA, f->path);
  g_assert_nonnull (strstr (error->message, "99"));
  g_assert_nonnull (strstr (error->message, "version " G_STRINGIFY (RD_LEDGER_SCHEMA_VERSION)));
  rd_test_ledger_assert_same_bytes (before, f->path);
  /* Not even a -wal or -shm file beside it. */
  g_assert_false (rd_test_ledger_sidecar_exists (f->path, "-wal"));
  g_assert_false (rd_test_ledger_sidecar_exists (f->path, "-shm"));
}

/* The newer version is only in the -wal file of a database another process has open. */
static void
test_open_newer_schema_in_wal (RdTestLedger *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) before = NULL;
  sqlite3 *db = rd_test_sqlite_open (f->path, TRUE);

  rd_test_sqlite_exec_ok (db, "PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0;"
                              "CREATE TABLE future (x); PRAGMA user_version = 99;");
  g_assert_true (rd_test_ledger_sidecar_exists (f->path, "-wal"));
  before = rd_test_ledger_read_bytes (f->path);

  error = rd_test_ledger_open_refused (f->dir, RD_LEDGER_ERROR_NEWER_SCHEMA, "99");
  rd_test_ledger_assert_same_bytes (before, f->path);
  g_assert_cmpint (rd_test_sqlite_int (db, "PRAGMA user_version"), ==, 99);
  sqlite3_close (db);
}

/* A state directory whose name means something in a URI (the checks open the file by URI). */
static void
test_open_odd_path (RdTestLedger *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) before = NULL;
  g_autofree char *dir = g_build_filename (f->dir, "a b?c=1#d%41e", NULL);
  g_autofree char *path = g_build_filename (dir, RD_LEDGER_FILE_NAME, NULL);
  RdLedger *ledger;

  g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
  g_assert_true (
      g_file_set_contents (path, "not a database, but long enough to be read", -1, NULL));
  before = rd_test_ledger_read_bytes (path);
  error = rd_test_ledger_open_refused (dir, RD_LEDGER_ERROR_CORRUPT, NULL);
  rd_test_ledger_assert_same_bytes (before, path);

  g_assert_cmpint (g_remove (path), ==, 0);
  ledger = rd_test_ledger_open_ok (dir);
  g_assert_cmpstr (rd_ledger_get_path (ledger), ==, path);
  rd_ledger_close (ledger);
  /* Reopening an existing ledger goes through the same checks. */
  ledger = rd_test_ledger_open_ok (dir);
  rd_ledger_close (ledger);
}

static void
test_open_missing_dir (RdTestLedger *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *missing = g_build_filename (f->dir, "missing", NULL);

  error = rd_test_ledger_open_refused (missing, RD_LEDGER_ERROR_OPEN, missing);
  g_assert_false (g_file_test (missing, G_FILE_TEST_EXISTS));
}

/* Works as root too: no permission bit is involved. */
static void
test_open_parent_is_file (RdTestLedger *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) before = NULL;
  g_autofree char *file = g_build_filename (f->dir, "not-a-directory", NULL);

  g_assert_true (g_file_set_contents (file, "just a file\n", -1, NULL));
  before = rd_test_ledger_read_bytes (file);
  error = rd_test_ledger_open_refused (file, RD_LEDGER_ERROR_OPEN, file);
  g_assert_nonnull (strstr (error->message, g_strerror (ENOTDIR)));
  rd_test_ledger_assert_same_bytes (before, file);
}

static void
test_open_read_only_dir (RdTestLedger *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) before = NULL;

  if (geteuid () == 0)
    {
      g_test_skip ("root ignores directory permissions (see /ledger/open/parent-is-file)");
      return;
    }
  g_assert_cmpint (g_chmod (f->dir, 0500), ==, 0);
  error = rd_test_ledger_open_refused (f->dir, RD_LEDGER_ERROR_OPEN, f->path);
  g_chmod (f->dir, 0700);
  g_assert_nonnull (strstr (error->message, g_strerror (EACCES)));
  g_assert_false (g_file_test (f->path, G_FILE_TEST_EXISTS));
  g_clear_error (&error);

  /* An existing ledger in a directory that became read-only (no room for -wal and -shm). */
  rd_ledger_close (rd_test_ledger_open_ok (f->dir));
  before = rd_test_ledger_read_bytes (f->path);
  g_assert_cmpint (g_chmod (f->dir, 0500), ==, 0);
  error = rd_test_ledger_open_refused (f->dir, RD_LEDGER_ERROR_OPEN, f->path);
  g_chmod (f->dir, 0700);
  rd_test_ledger_assert_same_bytes (before, f->path);
}

/* --- migrations --------------------------------------------------------------------------------
 */

static void
test_migrate_v0 (RdTestLedger *f, gconstpointer data)
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

  ledger = rd_test_ledger_open_ok (f->dir);
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
test_migrate_failure (RdTestLedger *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) before = NULL;
  sqlite3 *db = rd_test_sqlite_open (f->path, TRUE);

  rd_test_sqlite_exec_ok (db, "CREATE TABLE sessions (something_else);");
  sqlite3_close (db);
  before = rd_test_ledger_read_bytes (f->path);

  error = rd_test_ledger_open_refused (f->dir, RD_LEDGER_ERROR_OPEN, f->path);
  g_assert_nonnull (strstr (error->message, "sessions"));
  rd_test_ledger_assert_same_bytes (before, f->path);
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
test_migrate_v1 (RdTestLedger *f, gconstpointer data)
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
  ledger = rd_test_ledger_open_ok (f->dir);
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
  ledger = rd_test_ledger_open_ok (f->dir);
  g_assert_cmpint (rd_ledger_get_schema_version (ledger), ==, RD_LEDGER_SCHEMA_VERSION);
  g_assert_cmpint (rd_ledger_get_schema_version (ledger), ==, RD_LEDGER_SCHEMA_VERSION);
  rd_ledger_close (ledger);
}

/* A v1 file the v2 step cannot migrate (a table of the same name exists) stays v1, unchanged. */
static void
test_migrate_v1_failure (RdTestLedger *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) before = NULL;
  sqlite3 *db = rd_test_sqlite_open (f->path, TRUE);

  rd_test_sqlite_exec_ok (db, rd_ledger_schema_migration_for_testing (0));
  rd_test_sqlite_exec_ok (
      db, "CREATE TABLE invites (something_else);"
          "INSERT INTO sessions (id, state, created_at) VALUES ('s', 'live', 'then');"
          "PRAGMA user_version = 1;");
  sqlite3_close (db);
  before = rd_test_ledger_read_bytes (f->path);

  error = rd_test_ledger_open_refused (f->dir, RD_LEDGER_ERROR_OPEN, "schema version 2");
  g_assert_nonnull (strstr (error->message, "invites"));
  rd_test_ledger_assert_same_bytes (before, f->path);
}

/* Whatever the umask, the ledger and its WAL are the owner's only; an existing file readable by
 * anyone loses that. */
static void
test_open_mode (RdTestLedger *f, gconstpointer data)
{
  g_autofree char *wal = g_strconcat (f->path, "-wal", NULL);
  g_autoptr (GError) error = NULL;
  RdLedger *ledger;
  GStatBuf st;
  mode_t old = umask (0);
  g_autofree char *id = NULL;

  ledger = rd_test_ledger_open_ok (f->dir);
  umask (old);
  id = rd_ledger_session_start (ledger, "first", "operator", &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (f->path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_cmpint (g_stat (wal, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0077, ==, 0);
  rd_ledger_close (ledger);

  g_assert_cmpint (g_chmod (f->path, 0644), ==, 0);
  ledger = rd_test_ledger_open_ok (f->dir);
  g_assert_cmpint (g_stat (f->path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0640);
  rd_ledger_close (ledger);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  RD_TEST_LEDGER_ADD ("/ledger/open/fresh", test_open_fresh);
  RD_TEST_LEDGER_ADD ("/ledger/open/mode", test_open_mode);
  RD_TEST_LEDGER_ADD ("/ledger/open/garbage", test_open_garbage);
  RD_TEST_LEDGER_ADD ("/ledger/open/damaged", test_open_damaged);
  RD_TEST_LEDGER_ADD_DATA ("/ledger/open/newer-schema", GINT_TO_POINTER (FALSE),
                           test_open_newer_schema);
  RD_TEST_LEDGER_ADD_DATA ("/ledger/open/newer-schema-wal-mode", GINT_TO_POINTER (TRUE),
                           test_open_newer_schema);
  RD_TEST_LEDGER_ADD ("/ledger/open/newer-schema-in-wal", test_open_newer_schema_in_wal);
  RD_TEST_LEDGER_ADD ("/ledger/open/odd-path", test_open_odd_path);
  RD_TEST_LEDGER_ADD ("/ledger/open/missing-dir", test_open_missing_dir);
  RD_TEST_LEDGER_ADD ("/ledger/open/parent-is-file", test_open_parent_is_file);
  RD_TEST_LEDGER_ADD ("/ledger/open/read-only-dir", test_open_read_only_dir);
  RD_TEST_LEDGER_ADD ("/ledger/migrate/v0", test_migrate_v0);
  RD_TEST_LEDGER_ADD ("/ledger/migrate/failure", test_migrate_failure);
  RD_TEST_LEDGER_ADD ("/ledger/migrate/v1", test_migrate_v1);
  RD_TEST_LEDGER_ADD ("/ledger/migrate/v1-failure", test_migrate_v1_failure);

  return g_test_run ();
}
