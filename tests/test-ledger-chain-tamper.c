/* test-ledger-chain-tamper.c: the ledger's tamper evidence against an attacker who has the file:
 * rows edited with the sqlite3 tool, rows deleted, inserted, entries reordered or edited, the
 * whole chain rewritten and re-signed (with the room key, with garbage, with another key), a
 * sealed recording's file replaced; rd_ledger_verify() must name the first bad entry. The rest of
 * the chain (as written, the room key, migrations, a property test) is in test-ledger-chain.c. */
#include "ledger/rd-ledger-chain.h"
#include "ledger/rd-ledger-error.h"
/* The attacks use the ledger's connection and test hooks (ledger/rd-ledger-private.h). */
#include "ledger/rd-ledger-private.h"
#include "tests/rd-test-ledger.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>

/* --- tampering -------------------------------------------------------------------------------- */

static gint64
session_rowid (RdTestLedger *f, const char *id)
{
  g_autofree char *sql = g_strdup_printf ("SELECT rowid FROM sessions WHERE id = '%s'", id);

  return rd_test_ledger_query_int (f, sql);
}

/* A row edited with the sqlite3 command-line tool, as someone with the file would. */
static void
test_tamper_sqlite3_tool (RdTestLedger *f, gconstpointer data)
{
  g_autofree char *id = rd_test_ledger_write_history (f);
  g_autofree char *sqlite3_tool = g_find_program_in_path ("sqlite3");
  g_autofree char *path = g_build_filename (f->dir, RD_LEDGER_FILE_NAME, NULL);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *edit = NULL;
  g_autoptr (GError) error = NULL;
  gint64 rowid = session_rowid (f, id);
  gint64 seq = rd_test_ledger_query_int (f, "SELECT max (seq) FROM chain WHERE tbl = 'sessions'");
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

  rd_test_ledger_reopen_after_edit (f);
  rd_test_ledger_assert_first_problem (f, NULL, "sessions", rowid, seq,
                                       "column end_reason was \"done\", is \"technical fault\"");
}

/* A deleted event. */
static void
test_tamper_deleted_row (RdTestLedger *f, gconstpointer data)
{
  g_autofree char *id = rd_test_ledger_write_history (f);
  gint64 seq =
      rd_test_ledger_query_int (f, "SELECT seq FROM chain WHERE tbl = 'events' AND row_id = 2");

  rd_test_ledger_exec_ok (f, "DROP TRIGGER events_no_delete; DELETE FROM events WHERE id = 2;");
  rd_test_ledger_reopen_after_edit (f);
  rd_test_ledger_assert_first_problem (f, NULL, "events", 2, seq, "is gone (deleted)");
}

/* A row inserted behind the ledger's back (no entry), and a row edited with its chain trigger
 * gone. */
static void
test_tamper_inserted_row (RdTestLedger *f, gconstpointer data)
{
  g_autofree char *id = rd_test_ledger_write_history (f);
  g_autofree char *insert = g_strdup_printf (
      "DROP TRIGGER chain_ai_events; INSERT INTO events (at, session_id, actor, kind) "
      "VALUES ('2026-01-01T00:00:00.000000Z', '%s', 'operator', 'forged');",
      id);

  rd_test_ledger_exec_ok (f, insert);
  rd_test_ledger_reopen_after_edit (f);
  rd_test_ledger_assert_first_problem (f, NULL, "events", -1, 0, "has no chain entry");
}

/* Two chain entries swapped. */
static void
test_tamper_reordered_chain (RdTestLedger *f, gconstpointer data)
{
  g_autofree char *id = rd_test_ledger_write_history (f);

  rd_test_ledger_exec_ok (
      f, "DROP TRIGGER chain_no_update;"
         "UPDATE chain SET seq = -3 WHERE seq = 3; UPDATE chain SET seq = 3 WHERE seq = 4;"
         "UPDATE chain SET seq = 4 WHERE seq = -3;");
  rd_test_ledger_reopen_after_edit (f);
  rd_test_ledger_assert_first_problem (f, NULL, "events", -1, 3,
                                       "does not follow the entry before it");
}

/* One entry's content edited to match an edited row. */
static void
test_tamper_edited_entry (RdTestLedger *f, gconstpointer data)
{
  g_autofree char *id = rd_test_ledger_write_history (f);

  rd_test_ledger_exec_ok (f, "DROP TRIGGER chain_no_update; DROP TRIGGER participants_evidence;"
                             "DROP TRIGGER chain_au_participants;"
                             "UPDATE participants SET remote_address = '198.51.100.1';"
                             "UPDATE chain SET content = json_set (content, '$.remote_address', "
                             "'198.51.100.1') WHERE tbl = 'participants';");
  rd_test_ledger_reopen_after_edit (f);
  /* The earliest edited entry is the participant's insert. */
  rd_test_ledger_assert_first_problem (
      f, NULL, "participants", 1,
      rd_test_ledger_query_int (f, "SELECT min (seq) FROM chain WHERE tbl = 'participants'"),
      "does not match its hash");
}

/* Rewrites the whole chain from seq 1 after the rows were changed, as an attacker who knows the
 * format would, re-signing every stored checkpoint with @signer (NULL: a garbage signature). The
 * chain's and the changed tables' triggers must be gone. */
static void
rewrite_chain (RdTestLedger *f, RdLedgerKey *signer)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *content = rd_ledger_chain_content_sql (f->ledger, "checkpoints", "t.", &error);
  g_autofree char *content_sql =
      g_strdup_printf ("SELECT %s FROM checkpoints AS t WHERE id = ?1", content);
  gint64 n = rd_test_ledger_query_int (f, "SELECT max (seq) FROM chain");

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
          head = rd_test_ledger_query_text (f, head_sql);
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
forge_title (RdTestLedger *f, const char *id)
{
  g_autofree char *sql = g_strdup_printf (
      "DROP TRIGGER chain_no_update; DROP TRIGGER sessions_sealed;"
      "DROP TRIGGER checkpoints_no_update; DROP TRIGGER chain_au_sessions;"
      "DROP TRIGGER chain_au_checkpoints;"
      "UPDATE sessions SET title = 'forged' WHERE id = '%s';"
      "UPDATE chain SET content = json_set (content, '$.title', 'forged') "
      "WHERE tbl = 'sessions' AND row_id = (SELECT rowid FROM sessions WHERE id = '%s');",
      id, id);

  rd_test_ledger_exec_ok (f, sql);
}

/* The whole chain rewritten and re-signed with the room key itself (an attacker with root on
 * the room's machine): nothing in the ledger file can show it; the checkpoints kept outside it
 * do, and once those are gone too, the exported checkpoint does. */
static void
test_tamper_rewritten_chain (RdTestLedger *f, gconstpointer data)
{
  g_autofree char *id = rd_test_ledger_write_history (f);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) exported = rd_ledger_checkpoint_latest (f->ledger, &error);
  g_autofree char *text = json_to_string (exported, TRUE);
  g_autoptr (JsonNode) read_back = NULL;
  g_autofree char *anchor = g_build_filename (f->dir, "checkpoints", "checkpoints.jsonl", NULL);
  JsonObject *board;
  gint64 head;

  g_assert_no_error (error);
  /* What the board keeps is the file's text. */
  read_back = json_from_string (text, &error);
  g_assert_no_error (error);
  board = json_node_get_object (read_back);
  head = json_object_get_int_member (board, "seq");
  rd_test_ledger_assert_verifies (f, board);

  forge_title (f, id);
  rewrite_chain (f, f->key);
  rd_test_ledger_reopen_after_edit (f);
  /* The copy of the checkpoints kept outside the ledger file shows it. */
  rd_test_ledger_assert_first_problem (f, NULL, NULL, -1, head,
                                       "kept outside the ledger (" /* path */);
  /* Removed too (the next open copies the forged checkpoints out again): nothing on the room's
   * machine can show it any more; the exported checkpoint does. */
  g_assert_cmpint (g_unlink (anchor), ==, 0);
  rd_test_ledger_reopen (f);
  rd_test_ledger_assert_verifies (f, NULL);
  rd_test_ledger_assert_first_problem (f, board, NULL, -1, head, "(the chain was rewritten)");
}

/* The end of the chain cut: the entries after a checkpoint deleted with their rows and the
 * checkpoints that signed them. The ledger alone is consistent; the newest checkpoint kept
 * outside it names a head the chain no longer holds. */
static void
test_tamper_cut_tail (RdTestLedger *f, gconstpointer data)
{
  g_autofree char *id = rd_test_ledger_write_history (f);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) newest = NULL;
  gint64 kept = rd_test_ledger_query_int (f, "SELECT max (seq) FROM chain");
  gint64 events = rd_test_ledger_query_int (f, "SELECT max (id) FROM events");
  gint64 checkpoints = rd_test_ledger_query_int (f, "SELECT max (id) FROM checkpoints");
  g_autofree char *cut = NULL;

  g_assert_cmpint (rd_ledger_add_event (f->ledger, NULL, "operator", "note", NULL, &error), >, 0);
  newest = rd_ledger_checkpoint (f->ledger, "after the note", &error);
  g_assert_no_error (error);
  cut = g_strdup_printf ("DROP TRIGGER chain_no_delete; DROP TRIGGER events_no_delete;"
                         "DROP TRIGGER checkpoints_no_delete;"
                         "DELETE FROM chain WHERE seq > %" G_GINT64_FORMAT ";"
                         "DELETE FROM events WHERE id > %" G_GINT64_FORMAT ";"
                         "DELETE FROM checkpoints WHERE id > %" G_GINT64_FORMAT ";",
                         kept, events, checkpoints);
  rd_test_ledger_exec_ok (f, cut);
  rd_test_ledger_reopen_after_edit (f);
  rd_test_ledger_assert_first_problem (
      f, NULL, NULL, -1, json_object_get_int_member (json_node_get_object (newest), "seq"),
      "which is no longer in the chain");
}

/* Checkpoints with bad signatures: an exported file edited, a ledger checkpoint re-signed with
 * garbage, and one signed by another key. */
static void
test_tamper_bad_signature (RdTestLedger *f, gconstpointer data)
{
  g_autofree char *id = rd_test_ledger_write_history (f);
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
  rd_test_ledger_assert_first_problem (f, file, NULL, -1, head, "its signature does not verify");
  /* An exported checkpoint of someone else's key. */
  g_assert_cmpint (g_mkdir (other_dir, 0700), ==, 0);
  other = rd_ledger_key_load_or_create (other_dir, &error);
  g_assert_no_error (error);
  json_object_set_string_member (file, "public_key", rd_ledger_key_get_public_hex (other));
  rd_test_ledger_assert_first_problem (f, file, NULL, -1, head, "signed by another key");

  /* In the ledger: rewritten consistently, but without the room key to sign it. */
  forge_title (f, id);
  rewrite_chain (f, NULL);
  rd_test_ledger_reopen_after_edit (f);
  rd_test_ledger_assert_first_problem (f, NULL, "checkpoints", 1, -1,
                                       "its signature does not verify");
  /* Back since the reopen (the chain's trigger) and since the guards were put back. */
  rd_test_ledger_exec_ok (f, "DROP TRIGGER chain_au_checkpoints; DROP TRIGGER chain_no_update;"
                             "DROP TRIGGER checkpoints_no_update;");
  rewrite_chain (f, other);
  rd_test_ledger_reopen_after_edit (f);
  rd_test_ledger_assert_first_problem (f, NULL, "checkpoints", 1, -1, "signed by another key");
}

/* A sealed recording's file replaced, then gone. */
static void
test_tamper_recording_file (RdTestLedger *f, gconstpointer data)
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
  rd_test_ledger_exec_ok (f, insert);
  g_assert_true (rd_ledger_session_end (f->ledger, id, "operator", "done", &error));
  rd_test_ledger_assert_verifies (f, NULL);
  seq = rd_test_ledger_query_int (f, "SELECT max (seq) FROM chain WHERE tbl = 'recordings'");

  g_assert_true (g_file_set_contents (file, "another recording", -1, &error));
  rd_test_ledger_assert_first_problem (f, NULL, "recordings", 1, seq,
                                       "the file was replaced or changed");
  g_remove (file);
  rd_test_ledger_assert_first_problem (f, NULL, "recordings", 1, seq, "No such file");
}

/* Guard triggers dropped or neutered, nothing else changed: verify names each one, and the next
 * open refuses the file, naming them, without writing to it. */
static void
test_tamper_guards (RdTestLedger *f, gconstpointer data)
{
  g_autofree char *id = rd_test_ledger_write_history (f);
  g_autoptr (GError) refused = NULL;
  g_autoptr (GBytes) before = NULL;

  rd_test_ledger_exec_ok (f, "DROP TRIGGER events_no_delete; DROP TRIGGER recordings_sealed;"
                             "CREATE TRIGGER recordings_sealed BEFORE UPDATE ON recordings "
                             "BEGIN SELECT 1; END;");
  rd_test_ledger_assert_first_problem (f, NULL, NULL, -1, 0,
                                       "guard trigger events_no_delete is missing");
  g_clear_pointer (&f->ledger, rd_ledger_close);
  before = rd_test_ledger_read_bytes (f->path);
  refused = rd_test_ledger_open_refused (f->dir, RD_LEDGER_ERROR_CORRUPT, "guard triggers");
  g_assert_nonnull (strstr (refused->message, "events_no_delete (missing)"));
  g_assert_nonnull (strstr (refused->message, "recordings_sealed (changed)"));
  rd_test_ledger_assert_same_bytes (before, f->path);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  RD_TEST_LEDGER_ADD_CHAIN ("/ledger/chain/tamper/sqlite3-tool", test_tamper_sqlite3_tool);
  RD_TEST_LEDGER_ADD_CHAIN ("/ledger/chain/tamper/deleted-row", test_tamper_deleted_row);
  RD_TEST_LEDGER_ADD_CHAIN ("/ledger/chain/tamper/inserted-row", test_tamper_inserted_row);
  RD_TEST_LEDGER_ADD_CHAIN ("/ledger/chain/tamper/reordered-chain", test_tamper_reordered_chain);
  RD_TEST_LEDGER_ADD_CHAIN ("/ledger/chain/tamper/edited-entry", test_tamper_edited_entry);
  RD_TEST_LEDGER_ADD_CHAIN ("/ledger/chain/tamper/rewritten-chain", test_tamper_rewritten_chain);
  RD_TEST_LEDGER_ADD_CHAIN ("/ledger/chain/tamper/bad-signature", test_tamper_bad_signature);
  RD_TEST_LEDGER_ADD_CHAIN ("/ledger/chain/tamper/recording-file", test_tamper_recording_file);
  RD_TEST_LEDGER_ADD_CHAIN ("/ledger/chain/tamper/guards", test_tamper_guards);
  RD_TEST_LEDGER_ADD_CHAIN ("/ledger/chain/tamper/cut-tail", test_tamper_cut_tail);

  return g_test_run ();
}
