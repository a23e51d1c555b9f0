/* test-ledger-chain.c: the ledger's tamper evidence, checked the way an auditor would: the chain
 * as written (its first entry recomputed by hand from the documented format), the room key, the
 * migration of a version 2 file, tables and columns added later, and a property test (random
 * histories always verify). The attacks, each of which rd_ledger_verify() must name, are in
 * test-ledger-chain-tamper.c. */
#include "ledger/rd-ledger-chain.h"
#include "ledger/rd-ledger-error.h"
/* The attacks use the ledger's connection and test hooks (ledger/rd-ledger-private.h). */
#include "ledger/rd-ledger-private.h"
#include "tests/rd-test-ledger.h"
#include "tests/rd-test-wait.h"

#include <glib/gstdio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EVP_PKEY, EVP_PKEY_free)

/* --- the chain as written --------------------------------------------------------------------- */

static void
test_chain_written (RdTestLedger *f, gconstpointer data)
{
  g_autofree char *id = rd_test_ledger_write_history (f);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) latest = NULL;
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree char *first_content = NULL;
  g_autofree char *first_hash = NULL;
  g_autofree char *entry = NULL;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  JsonObject *checkpoint;

  /* Every row written has an entry, in order, and the session's end signed the head. */
  g_assert_cmpint (
      rd_test_ledger_query_int (f, "SELECT count(*) FROM chain WHERE tbl = 'sessions' AND op = "
                                   "'insert'"),
      ==, 1);
  g_assert_cmpint (
      rd_test_ledger_query_int (f, "SELECT count(*) FROM chain WHERE tbl = 'sessions' AND op = "
                                   "'update'"),
      ==, 1);
  g_assert_cmpint (
      rd_test_ledger_query_int (f, "SELECT count(*) FROM chain WHERE tbl = 'participants'"), ==, 3);
  g_assert_cmpint (rd_test_ledger_query_int (f, "SELECT count(*) FROM chain WHERE tbl = 'events'"),
                   ==, rd_test_ledger_query_int (f, "SELECT count(*) FROM events"));
  g_assert_cmpint (rd_test_ledger_query_int (f, "SELECT count(*) FROM checkpoints"), ==, 1);
  g_assert_cmpint (rd_test_ledger_query_int (f, "SELECT max (seq) FROM chain"), ==,
                   rd_test_ledger_query_int (f, "SELECT count(*) FROM chain"));
  latest = rd_ledger_checkpoint_latest (f->ledger, &error);
  g_assert_no_error (error);
  checkpoint = json_node_get_object (latest);
  g_assert_cmpstr (json_object_get_string_member (checkpoint, "format"), ==,
                   RD_LEDGER_CHECKPOINT_FORMAT);
  g_assert_cmpstr (json_object_get_string_member (checkpoint, "public_key"), ==,
                   rd_ledger_key_get_public_hex (f->key));
  g_assert_nonnull (strstr (json_object_get_string_member (checkpoint, "reason"), id));
  /* The checkpoint's own row is chained right after the head it signed. */
  g_assert_cmpint (json_object_get_int_member (checkpoint, "seq") + 1, ==,
                   rd_test_ledger_query_int (f, "SELECT max (seq) FROM chain"));

  /* The first entry, recomputed by hand as the header documents it. */
  first_content = rd_test_ledger_query_text (f, "SELECT content FROM chain WHERE seq = 1");
  g_assert_nonnull (strstr (first_content, "\"title\":\"Tiếp công dân tháng 11\""));
  g_assert_null (strstr (first_content, "ended_at")); /* NULL columns are left out */
  json_builder_begin_array (b);
  json_builder_add_int_value (b, 1);
  json_builder_add_string_value (b, "sessions");
  json_builder_add_int_value (b, 1);
  json_builder_add_string_value (b, "insert");
  json_builder_add_string_value (b, first_content);
  json_builder_end_array (b);
  json_generator_set_root (gen, json_builder_get_root (b));
  entry = json_generator_to_data (gen, NULL);
  g_checksum_update (sum, (const guchar *)RD_LEDGER_CHAIN_ZERO_HASH, 64);
  g_checksum_update (sum, (const guchar *)entry, -1);
  first_hash = rd_test_ledger_query_text (f, "SELECT hash FROM chain WHERE seq = 1");
  g_assert_cmpstr (first_hash, ==, g_checksum_get_string (sum));

  rd_test_ledger_assert_verifies (f, NULL);
  rd_test_ledger_assert_verifies (f, checkpoint);
  /* Reopening changes nothing: the triggers are already what the schema calls for. */
  rd_test_ledger_reopen (f);
  rd_test_ledger_assert_verifies (f, checkpoint);
}

/* --- the room key ----------------------------------------------------------------------------- */

static char *
key_path (RdTestLedger *f)
{
  return g_build_filename (f->dir, RD_LEDGER_KEY_DIR, RD_LEDGER_KEY_FILE, NULL);
}

static void
assert_key_refused (RdTestLedger *f, const char *what)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = key_path (f);
  g_autoptr (RdLedgerKey) key = rd_ledger_key_load_or_create (f->dir, &error);

  g_assert_null (key);
  g_assert_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_KEY);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, path));
  g_assert_nonnull (strstr (error->message, what));
}

static void
test_key (RdTestLedger *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = key_path (f);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autoptr (RdLedgerKey) again = NULL;
  g_autoptr (EVP_PKEY) other = NULL;
  FILE *out;
  struct stat st;

  /* Created once, private, and the same key the next time. */
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 07777, ==, 0600);
  g_assert_cmpint (g_stat (dir, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 07777, ==, 0700);
  g_assert_cmpuint (strlen (rd_ledger_key_get_public_hex (f->key)), ==, 64);
  g_assert_true (
      g_str_has_prefix (rd_ledger_key_get_public_pem (f->key), "-----BEGIN PUBLIC KEY-----"));
  again = rd_ledger_key_load_or_create (f->dir, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (rd_ledger_key_get_public_hex (again), ==, rd_ledger_key_get_public_hex (f->key));

  /* Too open. */
  g_assert_cmpint (g_chmod (path, 0644), ==, 0);
  assert_key_refused (f, "0644");
  g_assert_cmpint (g_chmod (path, 0600), ==, 0);

  /* Not a key: refused, and left as it is (never replaced by a new key). */
  g_file_get_contents (path, &before, NULL, NULL);
  g_assert_true (g_file_set_contents_full (path, "not a key\n", -1, G_FILE_SET_CONTENTS_CONSISTENT,
                                           0600, &error));
  assert_key_refused (f, "not a PEM private key");
  g_file_get_contents (path, &after, NULL, NULL);
  g_assert_cmpstr (after, ==, "not a key\n");

  /* A key of another type. */
  other = EVP_PKEY_Q_keygen (NULL, NULL, "X25519");
  g_assert_nonnull (other);
  out = fopen (path, "w");
  g_assert_nonnull (out);
  g_assert_cmpint (PEM_write_PrivateKey (out, other, NULL, NULL, 0, NULL, NULL), ==, 1);
  fclose (out);
  assert_key_refused (f, "not Ed25519");

  /* Not a file. */
  g_remove (path);
  g_assert_cmpint (g_mkdir (path, 0700), ==, 0);
  assert_key_refused (f, "not a regular file");
  g_rmdir (path);

  /* The original key, put back, is accepted again. */
  g_assert_true (
      g_file_set_contents_full (path, before, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, &error));
  g_clear_pointer (&again, rd_ledger_key_free);
  again = rd_ledger_key_load_or_create (f->dir, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (rd_ledger_key_get_public_hex (again), ==, rd_ledger_key_get_public_hex (f->key));
}

/* --- migrations and schema changes ------------------------------------------------------------ */

/* A version 2 file with rows, as receptiond 2 left it: the chain starts with a genesis entry per
 * row (tables by name, rows by rowid) and verifies. */
static void
test_migrate_v2 (RdTestLedger *f, gconstpointer data)
{
  g_autofree char *path = g_build_filename (f->dir, RD_LEDGER_FILE_NAME, NULL);
  g_autofree char *order = NULL;
  g_autofree char *id = NULL;
  g_autoptr (GError) error = NULL;
  sqlite3 *db = NULL;
  gint64 rows;

  g_clear_pointer (&f->ledger, rd_ledger_close);
  g_remove (path);
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, rd_ledger_schema_migration_for_testing (0), 0, 0, 0), ==, 0);
  g_assert_cmpint (sqlite3_exec (db, rd_ledger_schema_migration_for_testing (1), 0, 0, 0), ==, 0);
  g_assert_cmpint (
      sqlite3_exec (
          db,
          "INSERT INTO sessions (id, title, state, created_at, started_at, ended_at, end_reason)"
          " VALUES ('v2-b', 'second', 'ended', '2026-01-02T08:00:00.000000Z', "
          "'2026-01-02T08:00:00.000000Z', '2026-01-02T09:00:00.000000Z', 'done'),"
          " ('v2-a', 'first', 'ended', '2026-01-01T08:00:00.000000Z', "
          "'2026-01-01T08:00:00.000000Z', '2026-01-01T09:00:00.000000Z', 'done');"
          "INSERT INTO events (at, session_id, actor, kind, detail) VALUES "
          "('2026-01-01T08:00:00.000000Z', 'v2-a', 'operator', 'session-started', '{}'),"
          "('2026-01-02T08:00:00.000000Z', 'v2-b', 'operator', 'session-started', '{}');"
          "INSERT INTO participants (session_id, role, joined_at) VALUES "
          "('v2-a', 'citizen', '2026-01-01T08:01:00.000000Z');"
          "PRAGMA user_version = 2;",
          0, 0, 0),
      ==, 0);
  sqlite3_close (db);

  rd_test_ledger_reopen (f);
  g_assert_cmpint (rd_ledger_get_schema_version (f->ledger), ==, RD_LEDGER_SCHEMA_VERSION);
  rows = rd_test_ledger_query_int (
      f, "SELECT (SELECT count(*) FROM sessions) + (SELECT count(*) FROM events) + "
         "(SELECT count(*) FROM participants)");
  g_assert_cmpint (rd_test_ledger_query_int (f, "SELECT count(*) FROM chain"), ==, rows);
  g_assert_cmpint (rd_test_ledger_query_int (f, "SELECT count(*) FROM chain WHERE op = 'genesis'"),
                   ==, rows);
  order = rd_test_ledger_query_text (f, "SELECT group_concat (tbl || ':' || row_id, ' ') FROM "
                                        "(SELECT tbl, row_id FROM chain ORDER BY seq)");
  g_assert_cmpstr (order, ==, "events:1 events:2 participants:1 sessions:1 sessions:2");
  rd_test_ledger_assert_verifies (f, NULL);

  /* And it goes on as any chained ledger. */
  id = rd_ledger_session_start (f->ledger, NULL, "operator", &error);
  g_assert_no_error (error);
  g_assert_true (rd_ledger_session_end (f->ledger, id, "operator", "done", &error));
  g_assert_cmpint (rd_test_ledger_query_int (f, "SELECT count(*) FROM chain WHERE op = 'genesis'"),
                   ==, rows);
  rd_test_ledger_assert_verifies (f, NULL);
}

/* What later migrations do: a new table, a new nullable column (no row's content changes), a
 * new column with a default (every row changes: "migrate" entries) - with a row already at odds
 * with the chain before the step, which must stay reported, not absorbed. */
static void
test_later_migration (RdTestLedger *f, gconstpointer data)
{
  g_autofree char *id = rd_test_ledger_write_history (f);
  g_autoptr (GHashTable) before = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *content = NULL;
  gint64 sessions = rd_test_ledger_query_int (f, "SELECT count(*) FROM sessions");

  /* A step adding a table and a nullable column, as a migration would (and its reopen). */
  rd_test_ledger_exec_ok (f,
                          "CREATE TABLE later_things (id INTEGER PRIMARY KEY, name TEXT NOT NULL, "
                          "photo BLOB); ALTER TABLE sessions ADD COLUMN scheduled_at TEXT;");
  rd_test_ledger_reopen (f);
  rd_test_ledger_assert_verifies (f, NULL);
  rd_test_ledger_exec_ok (
      f, "INSERT INTO later_things (name, photo) VALUES ('Trần Thị B', x'00ff10');");
  g_assert_cmpint (
      rd_test_ledger_query_int (f, "SELECT count(*) FROM chain WHERE tbl = 'later_things'"), ==, 1);
  content = rd_test_ledger_query_text (f, "SELECT content FROM chain WHERE tbl = 'later_things'");
  g_assert_nonnull (strstr (content, "\"photo\":{\"blob\":\"00FF10\"}"));
  rd_test_ledger_assert_verifies (f, NULL);
  rd_test_ledger_exec_ok (
      f, "DROP TRIGGER chain_au_later_things; UPDATE later_things SET photo = x'00ff11';");
  rd_test_ledger_reopen (f);
  rd_test_ledger_assert_first_problem (f, NULL, "later_things", 1, -1,
                                       "column photo was {\"blob\":\"00FF10\"}");
  rd_test_ledger_exec_ok (
      f, "DROP TRIGGER chain_au_later_things; UPDATE later_things SET photo = x'00ff10';");
  rd_test_ledger_reopen (f);
  rd_test_ledger_assert_verifies (f, NULL);

  /* A row tampered with before the next step: the step must not launder it. */
  rd_test_ledger_exec_ok (f, "DROP TRIGGER events_no_update; DROP TRIGGER chain_au_events;"
                             "UPDATE events SET actor = 'nobody' WHERE id = 1;");
  g_assert_true (rd_ledger_begin (f->ledger, FALSE, &error));
  before = rd_ledger_chain_before_migration (f->ledger, RD_LEDGER_CHAIN_SCHEMA_VERSION + 1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_hash_table_size (before), ==, 1);
  rd_test_ledger_exec_ok (f, "ALTER TABLE sessions ADD COLUMN kind TEXT NOT NULL DEFAULT 'online';"
                             "UPDATE events SET detail = '{}' WHERE detail IS NULL AND id <> 1;");
  g_assert_true (rd_ledger_chain_after_migration (f->ledger, RD_LEDGER_CHAIN_SCHEMA_VERSION + 1,
                                                  before, &error));
  g_assert_no_error (error);
  g_assert_true (rd_ledger_commit (f->ledger, FALSE, &error));
  rd_test_ledger_reopen_after_edit (f);
  g_assert_cmpint (
      rd_test_ledger_query_int (f, "SELECT count(*) FROM chain WHERE op = 'migrate' AND tbl = "
                                   "'sessions'"),
      ==, sessions);
  rd_test_ledger_assert_first_problem (f, NULL, "events", 1, -1,
                                       "column actor was \"operator\", is \"nobody\"");
}

/* --- property: random histories always verify ------------------------------------------------- */

static void
test_property_random_histories (RdTestLedger *f, gconstpointer data)
{
  const char *seed_env = g_getenv ("RD_TEST_SEED");
  guint32 seed = seed_env ? (guint32)g_ascii_strtoull (seed_env, NULL, 10) : 20261128;
  g_autoptr (GRand) rand = g_rand_new_with_seed (seed);
  g_autoptr (GPtrArray) sessions = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GArray) invites = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr (GArray) parties = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autofree char *live = NULL;
  guint n_ops = 400, n_recordings = 0;
  const char *roles[] = { RD_LEDGER_ROLE_BOARD, RD_LEDGER_ROLE_AGENCY, RD_LEDGER_ROLE_CITIZEN };

  g_test_message ("seed %u (set RD_TEST_SEED to replay another), %u operations", seed, n_ops);
  for (guint op = 0; op < n_ops; op++)
    {
      g_autoptr (GError) error = NULL;
      guint what = g_rand_int_range (rand, 0, 10);
      const char *role = roles[g_rand_int_range (rand, 0, 3)];

      /* Operations may be refused (a party that already left, a session that ended): the
       * refusal must leave the chain as sound as a success. */
      switch (what)
        {
        case 0:
          if (live == NULL)
            {
              live = rd_ledger_session_start (f->ledger, g_rand_boolean (rand) ? "t" : NULL,
                                              "operator", &error);
              g_assert_no_error (error);
              g_ptr_array_add (sessions, g_strdup (live));
            }
          else
            {
              g_assert_true (rd_ledger_session_end (f->ledger, live, "operator", "done", &error));
              g_clear_pointer (&live, g_free);
            }
          break;
        case 1:
          if (sessions->len > 0)
            {
              /* Refused for a sealed session: fine, as said above. */
              g_autofree char *hash = g_strdup_printf ("%064x", op);
              gint64 id = rd_ledger_invite_create (
                  f->ledger, sessions->pdata[g_rand_int_range (rand, 0, (gint32)sessions->len)],
                  role, NULL, "2999-01-01T00:00:00Z", hash, "operator", &error);
              if (id > 0)
                g_array_append_val (invites, id);
            }
          break;
        case 2:
          if (invites->len > 0)
            rd_ledger_invite_revoke (
                f->ledger, live ? live : "none",
                g_array_index (invites, gint64, g_rand_int_range (rand, 0, (gint32)invites->len)),
                "operator", &error);
          break;
        case 3:
          if (live != NULL)
            {
              gint64 id = rd_ledger_participant_join (f->ledger, live, NULL, 0, role, "P",
                                                      "192.0.2.1", "receptiond", &error);
              g_assert_no_error (error);
              g_array_append_val (parties, id);
            }
          break;
        case 4:
          if (parties->len > 0)
            rd_ledger_participant_verified (
                f->ledger,
                g_array_index (parties, gint64, g_rand_int_range (rand, 0, (gint32)parties->len)),
                "sha-256 AA", -1, &error);
          break;
        case 5:
          if (parties->len > 0)
            rd_ledger_participant_leave (
                f->ledger,
                g_array_index (parties, gint64, g_rand_int_range (rand, 0, (gint32)parties->len)),
                "left", -1, &error);
          break;
        case 6:
          rd_ledger_add_event (f->ledger, live, "operator", "note", NULL, &error);
          g_assert_no_error (error);
          break;
        case 7:
          if (live != NULL)
            {
              g_autofree char *name = g_strdup_printf ("rec-%u.mkv", n_recordings);
              g_autofree char *file = g_build_filename (f->dir, name, NULL);
              g_autofree char *hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, name, -1);
              g_autofree char *sql = g_strdup_printf (
                  "INSERT INTO recordings (session_id, segment, path, state, created_at) VALUES "
                  "('%s', %u, '%s', 'recording', '2026-01-01T00:00:00.000000Z');"
                  "UPDATE recordings SET state = 'sealed', sha256 = '%s', sealed_at = "
                  "'2026-01-01T01:00:00.000000Z' WHERE rowid = last_insert_rowid ();",
                  live, n_recordings + 1, name, hash);

              g_assert_true (g_file_set_contents (file, name, -1, &error));
              rd_test_ledger_exec_ok (f, sql);
              n_recordings++;
            }
          break;
        case 8:
          {
            g_autoptr (JsonNode) checkpoint =
                rd_ledger_checkpoint (f->ledger, "property test", &error);

            g_assert_no_error (error);
            g_assert_nonnull (checkpoint);
          }
          break;
        case 9:
          /* A crash: reopened, the live session reconciled as interrupted. */
          {
            g_autoptr (GPtrArray) closed = NULL;

            rd_test_ledger_reopen (f);
            closed = rd_ledger_reconcile_crashed (f->ledger, "crash", &error);
            g_assert_no_error (error);
            g_clear_pointer (&live, g_free);
          }
          break;
        }
      if (op % 40 == 39)
        rd_test_ledger_assert_verifies (f, NULL);
    }
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (JsonNode) head = rd_ledger_checkpoint (f->ledger, "end of the test", &error);

    g_assert_no_error (error);
    rd_test_ledger_assert_verifies (f, json_node_get_object (head));
  }
  g_test_message ("%" G_GINT64_FORMAT " chain entries, %u recordings, %u sessions",
                  rd_test_ledger_query_int (f, "SELECT count(*) FROM chain"), n_recordings,
                  sessions->len);
}

/* --- verification off the caller's thread ------------------------------------------------------
 */

/* A sealed recording of @size bytes (a sparse file: zeros) in session @id, sealed with its real
 * hash. Returns the file's path. (transfer full) */
static char *
add_sealed_zeros (RdTestLedger *f, const char *id, gint64 size)
{
  g_autofree char *path = g_build_filename (f->dir, "zeros.mkv", NULL);
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree guint8 *zeros = g_malloc0 (1 << 16);
  g_autofree char *sql = NULL;
  FILE *file = g_fopen (path, "wbe");

  g_assert_nonnull (file);
  g_assert_cmpint (ftruncate (fileno (file), size), ==, 0);
  fclose (file);
  for (gint64 left = size; left > 0; left -= 1 << 16)
    g_checksum_update (sum, zeros, MIN (left, 1 << 16));
  sql = g_strdup_printf ("INSERT INTO recordings (session_id, segment, path, state, created_at) "
                         "VALUES ('%s', 1, 'zeros.mkv', 'recording', "
                         "'2026-01-01T00:00:00.000000Z');"
                         "UPDATE recordings SET state = 'sealed', sha256 = '%s', sealed_at = "
                         "'2026-01-01T01:00:00.000000Z' WHERE rowid = last_insert_rowid ();",
                         id, g_checksum_get_string (sum));
  rd_test_ledger_exec_ok (f, sql);
  return g_steal_pointer (&path);
}

static void
on_verified (GObject *source, GAsyncResult *result, gpointer data)
{
  *(GAsyncResult **)data = g_object_ref (result);
}

/* Runs the main context until the verification started with on_verified and @slot ends. */
static JsonNode *
wait_verified (GAsyncResult **slot, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  WAIT_FOR (*slot != NULL, 60, "no result");
  result = g_steal_pointer (slot);
  return rd_ledger_verify_finish (result, error);
}

/* The worker's report is the synchronous one; progress counts the files and their bytes; the
 * ledger's own connection may be closed meanwhile; a cancelled verification says so. */
static void
test_verify_async (RdTestLedger *f, gconstpointer data)
{
  g_autofree char *id = rd_test_ledger_write_history (f);
  g_autofree char *zeros = add_sealed_zeros (f, id, 8 << 20);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) expected = rd_ledger_verify (f->ledger, NULL, &error);
  g_autoptr (JsonNode) report = NULL;
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autofree char *expected_text = NULL;
  g_autofree char *report_text = NULL;
  GAsyncResult *slot = NULL;
  RdLedgerVerifyProgress progress = { 0 };

  g_assert_no_error (error);
  g_assert_true (json_object_get_boolean_member (json_node_get_object (expected), "ok"));

  rd_ledger_verify_async (f->ledger, NULL, &progress, NULL, on_verified, &slot);
  /* The worker has a connection of its own: the caller's may close and reopen. */
  rd_test_ledger_reopen (f);
  report = wait_verified (&slot, &error);
  g_assert_no_error (error);
  expected_text = json_to_string (expected, FALSE);
  report_text = json_to_string (report, FALSE);
  g_assert_cmpstr (report_text, ==, expected_text);
  g_assert_cmpint (rd_ledger_verify_progress_get (&progress.files), ==, 1);
  g_assert_cmpint (rd_ledger_verify_progress_get (&progress.files_done), ==, 1);
  g_assert_cmpint (rd_ledger_verify_progress_get (&progress.bytes_done), ==, 8 << 20);

  /* Cancelled before it reaches the file: it stops at its first read and says it was
   * cancelled, not that the ledger is bad. */
  g_clear_pointer (&report, json_node_unref);
  g_cancellable_cancel (cancellable);
  rd_ledger_verify_async (f->ledger, NULL, NULL, cancellable, on_verified, &slot);
  report = wait_verified (&slot, &error);
  g_assert_null (report);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, f->path));
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  RD_TEST_LEDGER_ADD_CHAIN ("/ledger/chain/written", test_chain_written);
  RD_TEST_LEDGER_ADD_CHAIN ("/ledger/chain/key", test_key);
  RD_TEST_LEDGER_ADD_CHAIN ("/ledger/chain/migrate/v2", test_migrate_v2);
  RD_TEST_LEDGER_ADD_CHAIN ("/ledger/chain/migrate/later", test_later_migration);
  RD_TEST_LEDGER_ADD_CHAIN ("/ledger/chain/property/random-histories",
                            test_property_random_histories);
  RD_TEST_LEDGER_ADD_CHAIN ("/ledger/chain/verify/async", test_verify_async);

  return g_test_run ();
}
