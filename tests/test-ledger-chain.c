/* test-ledger-chain.c: the ledger's tamper evidence, checked the way an auditor would: write a
 * history through the ledger's API, change it the way an attacker with the file would (the
 * sqlite3 tool, or SQL on the file after removing the triggers in the way), and expect
 * rd_ledger_verify() to name the first bad entry. Plus the room key, the migration of a
 * version 2 file, tables and columns added later, and a property test. */
#include "ledger/rd-ledger-chain.h"
/* The attacks use the ledger's connection and test hooks (ledger/rd-ledger-private.h). */
#include "ledger/rd-ledger-private.h"

#include <glib/gstdio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/stat.h>

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EVP_PKEY, EVP_PKEY_free)

typedef struct
{
  char *dir;
  RdLedger *ledger;
  RdLedgerKey *key;
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
reopen (Fixture *f)
{
  g_autoptr (GError) error = NULL;

  g_clear_pointer (&f->ledger, rd_ledger_close);
  f->ledger = rd_ledger_open (f->dir, &error);
  g_assert_no_error (error);
  rd_ledger_set_key (f->ledger, f->key);
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->dir = g_dir_make_tmp ("test-ledger-chain-XXXXXX", &error);
  g_assert_no_error (error);
  f->key = rd_ledger_key_load_or_create (f->dir, &error);
  g_assert_no_error (error);
  reopen (f);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_clear_pointer (&f->ledger, rd_ledger_close);
  g_clear_pointer (&f->key, rd_ledger_key_free);
  remove_tree (f->dir);
  g_free (f->dir);
}

static void
exec_ok (Fixture *f, const char *sql)
{
  g_autoptr (GError) error = NULL;

  if (!rd_ledger_exec (f->ledger, sql, &error))
    g_error ("%s: %s", sql, error->message);
}

static gint64
query_int (Fixture *f, const char *sql)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (sqlite3_stmt) stmt = rd_ledger_prepare (f->ledger, &error, sql, 0);

  g_assert_no_error (error);
  g_assert_cmpint (rd_ledger_step (f->ledger, stmt, &error), ==, SQLITE_ROW);
  return sqlite3_column_int64 (stmt, 0);
}

static char *
query_text (Fixture *f, const char *sql)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (sqlite3_stmt) stmt = rd_ledger_prepare (f->ledger, &error, sql, 0);

  g_assert_no_error (error);
  g_assert_cmpint (rd_ledger_step (f->ledger, stmt, &error), ==, SQLITE_ROW);
  return g_strdup ((const char *)sqlite3_column_text (stmt, 0));
}

static JsonObject *
verify (Fixture *f, JsonObject *exported, JsonNode **keep)
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

static void
assert_verifies (Fixture *f, JsonObject *exported)
{
  g_autoptr (JsonNode) keep = NULL;
  JsonObject *report = verify (f, exported, &keep);

  if (!json_object_get_boolean_member (report, "ok"))
    g_error (
        "the ledger does not verify: %s",
        json_object_get_string_member (json_object_get_object_member (report, "first"), "what"));
  g_assert_cmpint (json_object_get_int_member (report, "problems"), ==, 0);
}

/* Verify fails, and its first problem is about @table (NULL: any) row @row (@row < 0: any),
 * entry @seq (@seq < 0: any, 0: none), and says @what. */
static void
assert_first_problem (Fixture *f, JsonObject *exported, const char *table, gint64 row, gint64 seq,
                      const char *what)
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

/* A small history: a session with an invite, a party that joins, is verified and leaves, an
 * event, and its end (which signs a checkpoint). Returns the session id. */
static char *
write_history (Fixture *f)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, "token", -1);
  char *id = rd_ledger_session_start (f->ledger, "Tiếp công dân tháng 11", "operator", &error);
  gint64 invite, party;

  g_assert_no_error (error);
  invite = rd_ledger_invite_create (f->ledger, id, RD_LEDGER_ROLE_CITIZEN, "Nguyễn Văn A",
                                    "2999-01-01T00:00:00Z", hash, "operator", &error);
  g_assert_no_error (error);
  party = rd_ledger_participant_join (f->ledger, id, "peer-1", invite, RD_LEDGER_ROLE_CITIZEN,
                                      "Nguyễn Văn A", "192.0.2.7", "receptiond", &error);
  g_assert_no_error (error);
  g_assert_true (rd_ledger_participant_verified (f->ledger, party, "sha-256 AA:BB", &error));
  g_assert_cmpint (rd_ledger_add_event (f->ledger, id, "operator", "note", NULL, &error), >, 0);
  g_assert_true (rd_ledger_participant_leave (f->ledger, party, "left", &error));
  g_assert_true (rd_ledger_session_end (f->ledger, id, "operator", "done", &error));
  g_assert_no_error (error);
  return id;
}

/* --- the chain as written --------------------------------------------------------------------- */

static void
test_chain_written (Fixture *f, gconstpointer data)
{
  g_autofree char *id = write_history (f);
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
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM chain WHERE tbl = 'sessions' AND op = "
                                 "'insert'"),
                   ==, 1);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM chain WHERE tbl = 'sessions' AND op = "
                                 "'update'"),
                   ==, 1);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM chain WHERE tbl = 'participants'"), ==, 3);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM chain WHERE tbl = 'events'"), ==,
                   query_int (f, "SELECT count(*) FROM events"));
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM checkpoints"), ==, 1);
  g_assert_cmpint (query_int (f, "SELECT max (seq) FROM chain"), ==,
                   query_int (f, "SELECT count(*) FROM chain"));
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
                   query_int (f, "SELECT max (seq) FROM chain"));

  /* The first entry, recomputed by hand as the header documents it. */
  first_content = query_text (f, "SELECT content FROM chain WHERE seq = 1");
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
  first_hash = query_text (f, "SELECT hash FROM chain WHERE seq = 1");
  g_assert_cmpstr (first_hash, ==, g_checksum_get_string (sum));

  assert_verifies (f, NULL);
  assert_verifies (f, checkpoint);
  /* Reopening changes nothing: the triggers are already what the schema calls for. */
  reopen (f);
  assert_verifies (f, checkpoint);
}

/* --- the room key ----------------------------------------------------------------------------- */

static char *
key_path (Fixture *f)
{
  return g_build_filename (f->dir, RD_LEDGER_KEY_DIR, RD_LEDGER_KEY_FILE, NULL);
}

static void
assert_key_refused (Fixture *f, const char *what)
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
test_key (Fixture *f, gconstpointer data)
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

/* --- tampering -------------------------------------------------------------------------------- */

static gint64
session_rowid (Fixture *f, const char *id)
{
  g_autofree char *sql = g_strdup_printf ("SELECT rowid FROM sessions WHERE id = '%s'", id);

  return query_int (f, sql);
}

/* A row edited with the sqlite3 command-line tool, as someone with the file would. */
static void
test_tamper_sqlite3_tool (Fixture *f, gconstpointer data)
{
  g_autofree char *id = write_history (f);
  g_autofree char *sqlite3_tool = g_find_program_in_path ("sqlite3");
  g_autofree char *path = g_build_filename (f->dir, RD_LEDGER_FILE_NAME, NULL);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *edit = NULL;
  g_autoptr (GError) error = NULL;
  gint64 rowid = session_rowid (f, id);
  gint64 seq = query_int (f, "SELECT max (seq) FROM chain WHERE tbl = 'sessions'");
  int status;

  if (sqlite3_tool == NULL)
    {
      g_test_skip ("the sqlite3 tool is not installed (scripts/install-deps.sh installs it)");
      return;
    }
  g_clear_pointer (&f->ledger, rd_ledger_close);

  /* Without removing the triggers, the tool cannot even write. */
  edit = g_strdup_printf ("UPDATE participants SET name = 'Someone else';");
  {
    const char *argv[] = { sqlite3_tool, path, edit, NULL };
    g_assert_true (g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
                                 &status, &error));
    g_test_message ("sqlite3 without dropping triggers: %s", err);
    g_assert_false (g_spawn_check_wait_status (status, NULL));
    g_assert_nonnull (strstr (err, "rd_chain_hash"));
  }
  g_clear_pointer (&edit, g_free);
  g_clear_pointer (&err, g_free);
  g_clear_pointer (&out, g_free);

  /* With them out of the way: the sealed session's end reason is rewritten. */
  edit = g_strdup_printf ("DROP TRIGGER sessions_sealed; DROP TRIGGER chain_au_sessions;"
                          "UPDATE sessions SET end_reason = 'technical fault' WHERE id = '%s';",
                          id);
  {
    const char *argv[] = { sqlite3_tool, path, edit, NULL };
    g_assert_true (g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
                                 &status, &error));
    g_assert_true (g_spawn_check_wait_status (status, &error));
    g_assert_no_error (error);
  }

  reopen (f);
  assert_first_problem (f, NULL, "sessions", rowid, seq,
                        "column end_reason was \"done\", is \"technical fault\"");
}

/* A deleted event. */
static void
test_tamper_deleted_row (Fixture *f, gconstpointer data)
{
  g_autofree char *id = write_history (f);
  gint64 seq = query_int (f, "SELECT seq FROM chain WHERE tbl = 'events' AND row_id = 2");

  exec_ok (f, "DROP TRIGGER events_no_delete; DELETE FROM events WHERE id = 2;");
  reopen (f);
  assert_first_problem (f, NULL, "events", 2, seq, "is gone (deleted)");
}

/* A row inserted behind the ledger's back (no entry), and a row edited with its chain trigger
 * gone. */
static void
test_tamper_inserted_row (Fixture *f, gconstpointer data)
{
  g_autofree char *id = write_history (f);
  g_autofree char *insert = g_strdup_printf (
      "DROP TRIGGER chain_ai_events; INSERT INTO events (at, session_id, actor, kind) "
      "VALUES ('2026-01-01T00:00:00.000000Z', '%s', 'operator', 'forged');",
      id);

  exec_ok (f, insert);
  reopen (f);
  assert_first_problem (f, NULL, "events", -1, 0, "has no chain entry");
}

/* Two chain entries swapped. */
static void
test_tamper_reordered_chain (Fixture *f, gconstpointer data)
{
  g_autofree char *id = write_history (f);

  exec_ok (f, "DROP TRIGGER chain_no_update;"
              "UPDATE chain SET seq = -3 WHERE seq = 3; UPDATE chain SET seq = 3 WHERE seq = 4;"
              "UPDATE chain SET seq = 4 WHERE seq = -3;");
  reopen (f);
  assert_first_problem (f, NULL, "events", -1, 3, "does not follow the entry before it");
}

/* One entry's content edited to match an edited row. */
static void
test_tamper_edited_entry (Fixture *f, gconstpointer data)
{
  g_autofree char *id = write_history (f);

  exec_ok (f, "DROP TRIGGER chain_no_update; DROP TRIGGER participants_evidence;"
              "DROP TRIGGER chain_au_participants;"
              "UPDATE participants SET remote_address = '198.51.100.1';"
              "UPDATE chain SET content = json_set (content, '$.remote_address', "
              "'198.51.100.1') WHERE tbl = 'participants';");
  reopen (f);
  /* The earliest edited entry is the participant's insert. */
  assert_first_problem (f, NULL, "participants", 1,
                        query_int (f, "SELECT min (seq) FROM chain WHERE tbl = 'participants'"),
                        "does not match its hash");
}

/* Rewrites the whole chain from seq 1 after the rows were changed, as an attacker who knows the
 * format would, re-signing every stored checkpoint with @signer (NULL: a garbage signature). The
 * chain's and the changed tables' triggers must be gone. */
static void
rewrite_chain (Fixture *f, RdLedgerKey *signer)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *content = rd_ledger_chain_content_sql (f->ledger, "checkpoints", "t.", &error);
  g_autofree char *content_sql =
      g_strdup_printf ("SELECT %s FROM checkpoints AS t WHERE id = ?1", content);
  gint64 n = query_int (f, "SELECT max (seq) FROM chain");

  g_assert_no_error (error);
  for (gint64 seq = 1; seq <= n; seq++)
    {
      g_autoptr (sqlite3_stmt) entry = NULL;
      g_autoptr (sqlite3_stmt) update = NULL;
      g_autofree char *table = NULL;
      gint64 row;
      g_autofree char *sql =
          g_strdup_printf ("SELECT tbl, row_id FROM chain WHERE seq = %" G_GINT64_FORMAT, seq);

      entry = rd_ledger_prepare (f->ledger, &error, sql, 0);
      g_assert_cmpint (rd_ledger_step (f->ledger, entry, &error), ==, SQLITE_ROW);
      table = g_strdup ((const char *)sqlite3_column_text (entry, 0));
      row = sqlite3_column_int64 (entry, 1);
      g_clear_pointer (&entry, sqlite3_finalize);

      if (g_str_equal (table, "checkpoints"))
        {
          g_autofree char *cp =
              g_strdup_printf ("SELECT seq, at FROM checkpoints WHERE id = %" G_GINT64_FORMAT, row);
          g_autoptr (sqlite3_stmt) stmt = rd_ledger_prepare (f->ledger, &error, cp, 0);
          g_autofree char *head = NULL;
          g_autofree char *at = NULL;
          g_autofree char *message = NULL;
          g_autofree char *signature = NULL;
          g_autofree char *head_sql = NULL;
          gint64 head_seq;

          g_assert_cmpint (rd_ledger_step (f->ledger, stmt, &error), ==, SQLITE_ROW);
          head_seq = sqlite3_column_int64 (stmt, 0);
          at = g_strdup ((const char *)sqlite3_column_text (stmt, 1));
          head_sql =
              g_strdup_printf ("SELECT hash FROM chain WHERE seq = %" G_GINT64_FORMAT, head_seq);
          head = query_text (f, head_sql);
          message = rd_ledger_checkpoint_message (head_seq, head, at);
          signature = signer ? rd_ledger_key_sign (signer, message, &error) : g_strnfill (128, 'a');
          g_assert_no_error (error);
          g_clear_pointer (&stmt, sqlite3_finalize);
          stmt = rd_ledger_prepare (f->ledger, &error,
                                    "UPDATE checkpoints SET head_hash = ?1, signature = ?2, "
                                    "public_key = ?3 WHERE id = ?4",
                                    3, head, signature,
                                    signer ? rd_ledger_key_get_public_hex (signer)
                                           : rd_ledger_key_get_public_hex (f->key));
          g_assert_true (rd_ledger_bind_int64 (f->ledger, stmt, 4, row, &error));
          g_assert_cmpint (rd_ledger_step (f->ledger, stmt, &error), ==, SQLITE_DONE);
          g_clear_pointer (&stmt, sqlite3_finalize);
          /* Its entry holds its new content. */
          stmt = rd_ledger_prepare (f->ledger, &error, content_sql, 0);
          g_assert_true (rd_ledger_bind_int64 (f->ledger, stmt, 1, row, &error));
          g_assert_cmpint (rd_ledger_step (f->ledger, stmt, &error), ==, SQLITE_ROW);
          update =
              rd_ledger_prepare (f->ledger, &error, "UPDATE chain SET content = ?1 WHERE seq = ?2",
                                 1, (const char *)sqlite3_column_text (stmt, 0));
          g_assert_true (rd_ledger_bind_int64 (f->ledger, update, 2, seq, &error));
          g_assert_cmpint (rd_ledger_step (f->ledger, update, &error), ==, SQLITE_DONE);
          g_clear_pointer (&update, sqlite3_finalize);
        }
      update = rd_ledger_prepare (
          f->ledger, &error,
          "UPDATE chain SET prev_hash = p.prev, hash = rd_chain_hash (p.prev, json_array (seq, "
          "tbl, "
          "row_id, op, content)) FROM (SELECT coalesce ((SELECT hash FROM chain WHERE seq = ?1 - "
          "1), '" RD_LEDGER_CHAIN_ZERO_HASH "') AS prev) AS p WHERE seq = ?1",
          0);
      g_assert_no_error (error);
      g_assert_true (rd_ledger_bind_int64 (f->ledger, update, 1, seq, &error));
      g_assert_cmpint (rd_ledger_step (f->ledger, update, &error), ==, SQLITE_DONE);
    }
}

/* Drops what stands in the way of rewriting session @id's title and its history. */
static void
forge_title (Fixture *f, const char *id)
{
  g_autofree char *sql = g_strdup_printf (
      "DROP TRIGGER chain_no_update; DROP TRIGGER sessions_sealed;"
      "DROP TRIGGER checkpoints_no_update; DROP TRIGGER chain_au_sessions;"
      "DROP TRIGGER chain_au_checkpoints;"
      "UPDATE sessions SET title = 'forged' WHERE id = '%s';"
      "UPDATE chain SET content = json_set (content, '$.title', 'forged') "
      "WHERE tbl = 'sessions' AND row_id = (SELECT rowid FROM sessions WHERE id = '%s');",
      id, id);

  exec_ok (f, sql);
}

/* The whole chain rewritten and re-signed with the room key itself (an attacker with root on
 * the room's machine): nothing in the ledger can show it, the exported checkpoint does. */
static void
test_tamper_rewritten_chain (Fixture *f, gconstpointer data)
{
  g_autofree char *id = write_history (f);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) exported = rd_ledger_checkpoint_latest (f->ledger, &error);
  g_autofree char *text = json_to_string (exported, TRUE);
  g_autoptr (JsonNode) read_back = NULL;
  JsonObject *board;
  gint64 head;

  g_assert_no_error (error);
  /* What the board keeps is the file's text. */
  read_back = json_from_string (text, &error);
  g_assert_no_error (error);
  board = json_node_get_object (read_back);
  head = json_object_get_int_member (board, "seq");
  assert_verifies (f, board);

  forge_title (f, id);
  rewrite_chain (f, f->key);
  reopen (f);
  assert_verifies (f, NULL);
  assert_first_problem (f, board, NULL, -1, head, "(the chain was rewritten)");
}

/* Checkpoints with bad signatures: an exported file edited, a ledger checkpoint re-signed with
 * garbage, and one signed by another key. */
static void
test_tamper_bad_signature (Fixture *f, gconstpointer data)
{
  g_autofree char *id = write_history (f);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) exported = rd_ledger_checkpoint_latest (f->ledger, &error);
  g_autoptr (JsonNode) edited = json_node_copy (exported);
  g_autofree char *other_dir = g_build_filename (f->dir, "elsewhere", NULL);
  g_autoptr (RdLedgerKey) other = NULL;
  JsonObject *file = json_node_get_object (edited);
  g_autofree char *signature = g_strdup (json_object_get_string_member (file, "signature"));
  gint64 head = json_object_get_int_member (file, "seq");

  signature[10] = signature[10] == '0' ? '1' : '0';
  json_object_set_string_member (file, "signature", signature);
  assert_first_problem (f, file, NULL, -1, head, "its signature does not verify");
  /* An exported checkpoint of someone else's key. */
  g_assert_cmpint (g_mkdir (other_dir, 0700), ==, 0);
  other = rd_ledger_key_load_or_create (other_dir, &error);
  g_assert_no_error (error);
  json_object_set_string_member (file, "public_key", rd_ledger_key_get_public_hex (other));
  assert_first_problem (f, file, NULL, -1, head, "signed by another key");

  /* In the ledger: rewritten consistently, but without the room key to sign it. */
  forge_title (f, id);
  rewrite_chain (f, NULL);
  reopen (f);
  assert_first_problem (f, NULL, "checkpoints", 1, -1, "its signature does not verify");
  exec_ok (f, "DROP TRIGGER chain_au_checkpoints;"); /* back since the reopen */
  rewrite_chain (f, other);
  reopen (f);
  assert_first_problem (f, NULL, "checkpoints", 1, -1, "signed by another key");
}

/* A sealed recording's file replaced, then gone. */
static void
test_tamper_recording_file (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *id = rd_ledger_session_start (f->ledger, NULL, "operator", &error);
  g_autofree char *rec_dir = g_build_filename (f->dir, "recordings", NULL);
  g_autofree char *file = g_build_filename (rec_dir, "seg-0.mkv", NULL);
  g_autofree char *hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, "the recording", -1);
  g_autofree char *insert = NULL;
  gint64 seq;

  g_assert_no_error (error);
  g_assert_cmpint (g_mkdir (rec_dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (file, "the recording", -1, &error));
  /* As the recorder will: a row while recording, sealed with the file's hash at the end. */
  insert = g_strdup_printf ("INSERT INTO recordings (session_id, segment, path, state, created_at)"
                            " VALUES ('%s', 1, 'recordings/seg-0.mkv', 'recording', "
                            "'2026-01-01T00:00:00.000000Z');"
                            "UPDATE recordings SET state = 'sealed', sha256 = '%s', "
                            "sealed_at = '2026-01-01T01:00:00.000000Z' WHERE id = 1;",
                            id, hash);
  exec_ok (f, insert);
  g_assert_true (rd_ledger_session_end (f->ledger, id, "operator", "done", &error));
  assert_verifies (f, NULL);
  seq = query_int (f, "SELECT max (seq) FROM chain WHERE tbl = 'recordings'");

  g_assert_true (g_file_set_contents (file, "another recording", -1, &error));
  assert_first_problem (f, NULL, "recordings", 1, seq, "the file was replaced or changed");
  g_remove (file);
  assert_first_problem (f, NULL, "recordings", 1, seq, "No such file");
}

/* --- migrations and schema changes ------------------------------------------------------------ */

/* A version 2 file with rows, as receptiond 2 left it: the chain starts with a genesis entry per
 * row (tables by name, rows by rowid) and verifies. */
static void
test_migrate_v2 (Fixture *f, gconstpointer data)
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

  reopen (f);
  g_assert_cmpint (rd_ledger_get_schema_version (f->ledger), ==, RD_LEDGER_SCHEMA_VERSION);
  rows = query_int (f, "SELECT (SELECT count(*) FROM sessions) + (SELECT count(*) FROM events) + "
                       "(SELECT count(*) FROM participants)");
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM chain"), ==, rows);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM chain WHERE op = 'genesis'"), ==, rows);
  order = query_text (f, "SELECT group_concat (tbl || ':' || row_id, ' ') FROM "
                         "(SELECT tbl, row_id FROM chain ORDER BY seq)");
  g_assert_cmpstr (order, ==, "events:1 events:2 participants:1 sessions:1 sessions:2");
  assert_verifies (f, NULL);

  /* And it goes on as any chained ledger. */
  id = rd_ledger_session_start (f->ledger, NULL, "operator", &error);
  g_assert_no_error (error);
  g_assert_true (rd_ledger_session_end (f->ledger, id, "operator", "done", &error));
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM chain WHERE op = 'genesis'"), ==, rows);
  assert_verifies (f, NULL);
}

/* What later migrations do: a new table, a new nullable column (no row's content changes), a
 * new column with a default (every row changes: "migrate" entries) - with a row already at odds
 * with the chain before the step, which must stay reported, not absorbed. */
static void
test_later_migration (Fixture *f, gconstpointer data)
{
  g_autofree char *id = write_history (f);
  g_autoptr (GHashTable) before = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *content = NULL;
  gint64 sessions = query_int (f, "SELECT count(*) FROM sessions");

  /* A step adding a table and a nullable column, as a migration would (and its reopen). */
  exec_ok (f, "CREATE TABLE later_things (id INTEGER PRIMARY KEY, name TEXT NOT NULL, "
              "photo BLOB); ALTER TABLE sessions ADD COLUMN scheduled_at TEXT;");
  reopen (f);
  assert_verifies (f, NULL);
  exec_ok (f, "INSERT INTO later_things (name, photo) VALUES ('Trần Thị B', x'00ff10');");
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM chain WHERE tbl = 'later_things'"), ==, 1);
  content = query_text (f, "SELECT content FROM chain WHERE tbl = 'later_things'");
  g_assert_nonnull (strstr (content, "\"photo\":{\"blob\":\"00FF10\"}"));
  assert_verifies (f, NULL);
  exec_ok (f, "DROP TRIGGER chain_au_later_things; UPDATE later_things SET photo = x'00ff11';");
  reopen (f);
  assert_first_problem (f, NULL, "later_things", 1, -1, "column photo was {\"blob\":\"00FF10\"}");
  exec_ok (f, "DROP TRIGGER chain_au_later_things; UPDATE later_things SET photo = x'00ff10';");
  reopen (f);
  assert_verifies (f, NULL);

  /* A row tampered with before the next step: the step must not launder it. */
  exec_ok (f, "DROP TRIGGER events_no_update; DROP TRIGGER chain_au_events;"
              "UPDATE events SET actor = 'nobody' WHERE id = 1;");
  g_assert_true (rd_ledger_begin (f->ledger, FALSE, &error));
  before = rd_ledger_chain_before_migration (f->ledger, RD_LEDGER_CHAIN_SCHEMA_VERSION + 1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_hash_table_size (before), ==, 1);
  exec_ok (f, "ALTER TABLE sessions ADD COLUMN kind TEXT NOT NULL DEFAULT 'online';"
              "UPDATE events SET detail = '{}' WHERE detail IS NULL AND id <> 1;");
  g_assert_true (rd_ledger_chain_after_migration (f->ledger, RD_LEDGER_CHAIN_SCHEMA_VERSION + 1,
                                                  before, &error));
  g_assert_no_error (error);
  g_assert_true (rd_ledger_commit (f->ledger, FALSE, &error));
  reopen (f);
  g_assert_cmpint (query_int (f, "SELECT count(*) FROM chain WHERE op = 'migrate' AND tbl = "
                                 "'sessions'"),
                   ==, sessions);
  assert_first_problem (f, NULL, "events", 1, -1, "column actor was \"operator\", is \"nobody\"");
}

/* --- property: random histories always verify ------------------------------------------------- */

static void
test_property_random_histories (Fixture *f, gconstpointer data)
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
                "sha-256 AA", &error);
          break;
        case 5:
          if (parties->len > 0)
            rd_ledger_participant_leave (
                f->ledger,
                g_array_index (parties, gint64, g_rand_int_range (rand, 0, (gint32)parties->len)),
                "left", &error);
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
              exec_ok (f, sql);
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

            reopen (f);
            closed = rd_ledger_reconcile_crashed (f->ledger, "crash", &error);
            g_assert_no_error (error);
            g_clear_pointer (&live, g_free);
          }
          break;
        }
      if (op % 40 == 39)
        assert_verifies (f, NULL);
    }
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (JsonNode) head = rd_ledger_checkpoint (f->ledger, "end of the test", &error);

    g_assert_no_error (error);
    assert_verifies (f, json_node_get_object (head));
  }
  g_test_message ("%" G_GINT64_FORMAT " chain entries, %u recordings, %u sessions",
                  query_int (f, "SELECT count(*) FROM chain"), n_recordings, sessions->len);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/ledger/chain/written", test_chain_written);
  ADD ("/ledger/chain/key", test_key);
  ADD ("/ledger/chain/tamper/sqlite3-tool", test_tamper_sqlite3_tool);
  ADD ("/ledger/chain/tamper/deleted-row", test_tamper_deleted_row);
  ADD ("/ledger/chain/tamper/inserted-row", test_tamper_inserted_row);
  ADD ("/ledger/chain/tamper/reordered-chain", test_tamper_reordered_chain);
  ADD ("/ledger/chain/tamper/edited-entry", test_tamper_edited_entry);
  ADD ("/ledger/chain/tamper/rewritten-chain", test_tamper_rewritten_chain);
  ADD ("/ledger/chain/tamper/bad-signature", test_tamper_bad_signature);
  ADD ("/ledger/chain/tamper/recording-file", test_tamper_recording_file);
  ADD ("/ledger/chain/migrate/v2", test_migrate_v2);
  ADD ("/ledger/chain/migrate/later", test_later_migration);
  ADD ("/ledger/chain/property/random-histories", test_property_random_histories);
#undef ADD

  return g_test_run ();
}
