/* test-daemon-ledger.c: the ledger's tamper evidence through the real daemon and the real
 * receptionctl: the room key, checkpoints and their export for the city board, verify before
 * and after the file was edited with the sqlite3 tool while the daemon was stopped, and a room
 * key file the daemon must refuse. */
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

#include "tests/rd-test-daemon.h"

#define TIMEOUT_MS 30000

static const char *
member (JsonNode *node, const char *name)
{
  return json_object_get_string_member_with_default (json_node_get_object (node), name, NULL);
}

static void
stop (RdTestDaemon *t)
{
  rd_test_daemon_signal (t, SIGTERM);
  g_assert_cmpint (rd_test_daemon_wait_exit (t, TIMEOUT_MS), ==, 0);
}

static void
test_ledger_commands (void)
{
  g_autoptr (RdTestDaemon) t = rd_test_daemon_new (NULL);
  g_autoptr (JsonNode) key = NULL;
  g_autoptr (JsonNode) key_again = NULL;
  g_autoptr (JsonNode) exported = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *id = NULL;
  g_autofree char *file = g_build_filename (t->dir, "head.json", NULL);
  g_autofree char *not_json = g_build_filename (t->dir, "not.json", NULL);
  g_autofree char *missing = g_build_filename (t->dir, "missing.json", NULL);
  g_autofree char *ledger = NULL;
  g_autofree char *sqlite3_tool = g_find_program_in_path ("sqlite3");
  g_autofree char *edit = NULL;
  JsonObject *head;

  rd_test_daemon_start (t);
  key = rd_test_ctl_json (t, "ledger", "key", NULL);
  g_assert_cmpstr (member (key, "algorithm"), ==, "Ed25519");
  g_assert_cmpuint (strlen (member (key, "public_key_hex")), ==, 64);
  g_assert_true (g_str_has_prefix (member (key, "public_key_pem"), "-----BEGIN PUBLIC KEY-----"));
  g_assert_cmpint (rd_test_ctl (t, &out, NULL, "ledger", "key", NULL), ==, 0);
  g_assert_nonnull (strstr (out, member (key, "public_key_hex")));
  g_assert_nonnull (strstr (out, "hex"));
  g_assert_nonnull (strstr (out, "-----BEGIN PUBLIC KEY-----"));

  /* No checkpoint before the first session ends: said so. */
  g_assert_cmpint (rd_test_ctl (t, NULL, &err, "ledger", "checkpoint", "export", NULL), ==, 1);
  g_assert_nonnull (strstr (err, "no checkpoint yet"));

  /* A session's end signs the head; so does the command. */
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (rd_test_ctl (t, &out, NULL, "session", "start", NULL), ==, 0);
  id = g_strstrip (g_strdup (out));
  g_assert_cmpint (rd_test_ctl (t, NULL, NULL, "session", "end", id, NULL), ==, 0);
  exported = rd_test_ctl_json (t, "ledger", "checkpoint", "export", NULL);
  g_assert_nonnull (strstr (member (exported, "reason"), id));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (rd_test_ctl (t, &out, NULL, "ledger", "checkpoint", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "checkpoint signed: seq"));
  g_assert_nonnull (strstr (out, "requested by uid="));

  /* Exported to a file for the board; verify finds it in the chain. */
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (
      rd_test_ctl (t, &out, NULL, "ledger", "checkpoint", "export", "--output", file, NULL), ==, 0);
  g_assert_nonnull (strstr (out, file));
  g_assert_true (json_parser_load_from_file (parser, file, &error));
  g_assert_no_error (error);
  head = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (head, "format"), ==,
                   "receptiond-ledger-checkpoint-1");
  g_assert_cmpstr (json_object_get_string_member (head, "public_key"), ==,
                   member (key, "public_key_hex"));
  g_assert_cmpuint (strlen (json_object_get_string_member (head, "signature")), ==, 128);
  g_assert_cmpint (json_object_get_int_member (head, "seq"), >,
                   json_object_get_int_member (json_node_get_object (exported), "seq"));

  g_clear_pointer (&out, g_free);
  g_assert_cmpint (rd_test_ctl (t, &out, NULL, "ledger", "verify", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "ledger verified"));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (rd_test_ctl (t, &out, NULL, "ledger", "verify", "--checkpoint", file, NULL), ==,
                   0);
  g_assert_nonnull (strstr (out, "exported checkpoint found in the chain"));

  /* A checkpoint file that cannot be read, or is not JSON. */
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (rd_test_ctl (t, NULL, &err, "ledger", "verify", "--checkpoint", missing, NULL),
                   ==, 66);
  g_assert_nonnull (strstr (err, missing));
  g_assert_true (g_file_set_contents (not_json, "seq=3\n", -1, NULL));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (rd_test_ctl (t, NULL, &err, "ledger", "verify", "--checkpoint", not_json, NULL),
                   ==, 65);
  g_assert_nonnull (strstr (err, "--checkpoint"));

  /* The same key after a restart. */
  stop (t);
  rd_test_daemon_start (t);
  key_again = rd_test_ctl_json (t, "ledger", "key", NULL);
  g_assert_cmpstr (member (key_again, "public_key_hex"), ==, member (key, "public_key_hex"));

  if (sqlite3_tool == NULL)
    {
      g_test_skip ("the sqlite3 tool is not installed: the edit by hand is not tried");
      return;
    }
  /* The session's end reason edited by hand while the daemon was stopped. */
  stop (t);
  ledger = g_build_filename (t->state_dir, "ledger.sqlite", NULL);
  edit = g_strdup_printf ("DROP TRIGGER sessions_sealed; DROP TRIGGER chain_au_sessions; "
                          "UPDATE sessions SET end_reason = 'no one came' WHERE id = '%s';",
                          id);
  {
    const char *argv[] = { sqlite3_tool, ledger, edit, NULL };
    int status;

    g_assert_true (g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL,
                                 &status, &error));
    g_assert_true (g_spawn_check_wait_status (status, &error));
  }
  rd_test_daemon_start (t);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (rd_test_ctl (t, NULL, &err, "ledger", "verify", NULL), ==, 1);
  g_test_message ("%s", err);
  g_assert_nonnull (strstr (err, "verify-failed"));
  g_assert_nonnull (strstr (err, "sessions row 1"));
  g_assert_nonnull (strstr (err, "end_reason"));
  g_assert_nonnull (strstr (err, "no one came"));
  g_assert_nonnull (strstr (err, "seq "));
}

/* A room key file that is not a key: the daemon refuses to start, names the file, leaves it. */
static void
test_bad_key_refused (void)
{
  g_autoptr (RdTestDaemon) t = rd_test_daemon_new (NULL);
  g_autofree char *keys = g_build_filename (t->state_dir, "keys", NULL);
  g_autofree char *path = g_build_filename (keys, "room-ed25519.pem", NULL);
  g_autofree char *err = NULL;
  g_autofree char *after = NULL;
  const char *argv[] = { "--config", t->config_path, NULL };

  g_assert_cmpint (g_mkdir_with_parents (keys, 0700), ==, 0);
  g_assert_true (
      g_file_set_contents_full (path, "garbage\n", -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, NULL));
  g_assert_cmpint (rd_test_run ("receptiond", NULL, &err, argv), ==, 65 /* EX_DATAERR */);
  g_assert_nonnull (strstr (err, path));
  g_assert_true (g_file_get_contents (path, &after, NULL, NULL));
  g_assert_cmpstr (after, ==, "garbage\n");
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/daemon/ledger/commands", test_ledger_commands);
  g_test_add_func ("/daemon/ledger/bad-key-refused", test_bad_key_refused);
  return g_test_run ();
}
