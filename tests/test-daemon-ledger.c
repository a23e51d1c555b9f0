/* test-daemon-ledger.c: the ledger's tamper evidence through the real daemon and the real
 * receptionctl: the room key, checkpoints and their export for the city board, verify before
 * and after the file was edited with the sqlite3 tool while the daemon was stopped, and a room
 * key file the daemon must refuse. */
#include <fcntl.h>
#include <glib/gstdio.h>
#include <unistd.h>
#include <signal.h>
#include <string.h>

#include "tests/rd-test-daemon.h"
#include "tests/rd-test-wait.h"

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

/* Runs the sqlite3 tool on @path with @sql, which must succeed; returns its output.
 * (transfer full) */
static char *
sqlite3_run (const char *tool, const char *path, const char *sql)
{
  const char *argv[] = { tool, path, sql, NULL };
  g_autoptr (GError) error = NULL;
  char *out = NULL;
  int status;

  g_assert_true (g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, NULL,
                               &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, &error));
  return out;
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
  g_autofree char *guard = NULL;
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
  /* Copied out of the ledger file as it was signed: to the state dir's checkpoints file and to
   * the log (the journal's RD_LEDGER_CHECKPOINT field under systemd). */
  {
    g_autofree char *anchor_path =
        g_build_filename (t->state_dir, "checkpoints", "checkpoints.jsonl", NULL);
    g_autofree char *anchor = NULL;
    g_autofree char *log = rd_test_daemon_stderr (t);

    g_assert_true (g_file_get_contents (anchor_path, &anchor, NULL, NULL));
    g_assert_nonnull (strstr (anchor, member (exported, "signature")));
    g_assert_nonnull (strstr (log, "ledger checkpoint at seq"));
    g_assert_nonnull (strstr (log, member (exported, "signature")));
  }
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
  guard = sqlite3_run (sqlite3_tool, ledger,
                       "SELECT sql || ';' FROM sqlite_schema WHERE name = 'sessions_sealed';");
  g_assert_true (g_str_has_prefix (guard, "CREATE TRIGGER sessions_sealed"));
  edit = g_strdup_printf ("DROP TRIGGER sessions_sealed; DROP TRIGGER chain_au_sessions; "
                          "UPDATE sessions SET end_reason = 'no one came' WHERE id = '%s';",
                          id);
  g_free (sqlite3_run (sqlite3_tool, ledger, edit));
  /* The guard trigger is missing: the daemon refuses the file, naming it. */
  {
    const char *argv[] = { "--config", t->config_path, NULL };

    g_clear_pointer (&err, g_free);
    g_assert_cmpint (rd_test_run ("receptiond", NULL, &err, argv), ==, 65 /* EX_DATAERR */);
    g_assert_nonnull (strstr (err, "sessions_sealed (missing)"));
  }
  /* Put back as it was (an attacker who knew): the chain still tells. */
  g_free (sqlite3_run (sqlite3_tool, ledger, guard));
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

typedef struct
{
  RdTestDaemon *t;
  const char *session;
} SegmentWait;

static gboolean
has_segment (gpointer data)
{
  SegmentWait *w = data;
  g_autoptr (JsonNode) shown = rd_test_ctl_json (w->t, "recording", "verify", w->session, NULL);

  return json_array_get_length (
             json_object_get_array_member (json_node_get_object (shown), "segments")) > 0;
}

static void
set_true (gpointer data)
{
  *(gboolean *)data = TRUE;
}

static void
on_ctl_done (GObject *source, GAsyncResult *result, gpointer data)
{
  *(GAsyncResult **)data = g_object_ref (result);
}

/* Starts @t, records a session until it has a segment, ends it, and replaces that segment's
 * file by a sparse file of @mib MiB (zeros: a verify re-hashes it for seconds). Its path.
 * (transfer full) */
static char *
start_with_big_segment (RdTestDaemon *t, guint mib)
{
  g_autoptr (JsonNode) shown = NULL;
  g_autofree char *out = NULL;
  g_autofree char *id = NULL;
  char *file;
  SegmentWait w;
  int fd;

  rd_test_daemon_start (t);
  g_assert_cmpint (rd_test_ctl (t, &out, NULL, "session", "start", NULL), ==, 0);
  id = g_strstrip (g_strdup (out));
  w = (SegmentWait){ t, id };
  g_assert_true (rd_test_wait_until (has_segment, &w, TIMEOUT_MS));
  g_assert_cmpint (rd_test_ctl (t, NULL, NULL, "session", "end", id, NULL), ==, 0);
  shown = rd_test_ctl_json (t, "recording", "verify", id, NULL);
  file = g_build_filename (
      t->state_dir,
      json_object_get_string_member (
          json_array_get_object_element (
              json_object_get_array_member (json_node_get_object (shown), "segments"), 0),
          "path"),
      NULL);
  fd = g_open (file, O_WRONLY | O_TRUNC | O_CLOEXEC, 0);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (ftruncate (fd, (off_t)mib << 20), ==, 0);
  g_assert_cmpint (close (fd), ==, 0);
  return file;
}

/* A ledger verify that re-hashes a large file (a sealed segment replaced by a 512 MiB sparse
 * file: seconds of hashing) runs beside the main loop: status keeps answering the whole time,
 * each in a small part of the verify's time, and the verify still names the replaced file. */
static void
test_verify_beside_main_loop (void)
{
  g_autoptr (RdTestDaemon) t = rd_test_daemon_new (NULL);
  g_autoptr (GSubprocess) verify = NULL;
  g_autoptr (GAsyncResult) done = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *err = NULL;
  g_autofree char *file = NULL;
  gint64 started, took, slowest = 0, answered = 0;

  file = start_with_big_segment (t, 512);

  verify = rd_test_ctl_spawn (t, "ledger", "verify", NULL);
  g_subprocess_communicate_utf8_async (verify, NULL, NULL, on_ctl_done, &done);
  started = g_get_monotonic_time ();
  /* Bounded: at most 600 status requests, and 120 s. */
  for (int i = 0; i < 600 && done == NULL; i++)
    {
      gint64 asked = g_get_monotonic_time ();

      g_assert_cmpint (rd_test_ctl (t, NULL, NULL, "status", NULL), ==, 0);
      slowest = MAX (slowest, g_get_monotonic_time () - asked);
      /* The next status in 100 ms, or as soon as the verify ends. */
      {
        gboolean tick = FALSE;
        guint pace = g_timeout_add_once (100, set_true, &tick);

        while (!tick && done == NULL)
          g_main_context_iteration (NULL, TRUE);
        if (!tick)
          g_source_remove (pace);
      }
      if (done == NULL)
        answered++;
      g_assert_cmpint (g_get_monotonic_time () - started, <, 120 * G_USEC_PER_SEC);
    }
  if (done == NULL)
    WAIT_FOR (done != NULL, 120, "ledger verify still running");
  took = g_get_monotonic_time () - started;
  g_test_message ("verify took %.1f s; %" G_GINT64_FORMAT " status answered meanwhile, the "
                  "slowest in %" G_GINT64_FORMAT " ms",
                  took / 1e6, answered, slowest / 1000);
  g_assert_true (g_subprocess_communicate_utf8_finish (verify, done, NULL, &err, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_subprocess_get_exit_status (verify), ==, 1);
  g_assert_nonnull (strstr (err, "verify-failed"));
  g_assert_nonnull (strstr (err, file));
  /* Before, the first status waited for the whole verify (seconds per GiB): none was
   * answered meanwhile, and the one asked took the verify's time. Now several are, each in a
   * small part of it. The bound is relative, so that a loaded machine (slower hashing, slower
   * receptionctl starts, alike) tells the same. */
  g_assert_cmpint (answered, >=, 3);
  g_assert_cmpint (slowest, <, took / 4);
}

/* Whether the daemon has @path open (its worker is reading it). */
typedef struct
{
  RdTestDaemon *t;
  const char *path;
} OpenWait;

static gboolean
has_open (gpointer data)
{
  OpenWait *w = data;
  g_autofree char *dir = g_strdup_printf ("/proc/%s/fd", g_subprocess_get_identifier (w->t->proc));
  g_autoptr (GDir) fds = g_dir_open (dir, 0, NULL);
  const char *name;

  while (fds && (name = g_dir_read_name (fds)))
    {
      g_autofree char *link = g_build_filename (dir, name, NULL);
      g_autofree char *target = g_file_read_link (link, NULL);

      if (g_strcmp0 (target, w->path) == 0)
        return TRUE;
    }
  return FALSE;
}

/* The daemon stopped while a ledger verify runs (re-hashing a 4 GiB file): the worker is
 * cancelled, the daemon exits cleanly at once after answering the verify (its job freed, the
 * worker done: nothing of it is left at exit), and the client is told why. */
static void
test_stop_during_verify (void)
{
  g_autoptr (RdTestDaemon) t = rd_test_daemon_new (NULL);
  g_autoptr (GSubprocess) verify = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *file = NULL;
  g_autofree char *err = NULL;
  OpenWait w;
  gint64 stopped;

  file = start_with_big_segment (t, 4096);
  verify = rd_test_ctl_spawn (t, "ledger", "verify", NULL);
  w = (OpenWait){ t, file };
  g_assert_true (rd_test_wait_until (has_open, &w, TIMEOUT_MS));
  stopped = g_get_monotonic_time ();
  stop (t);
  g_test_message ("stopped in %.1f s", (g_get_monotonic_time () - stopped) / 1e6);
  g_assert_true (g_subprocess_communicate_utf8 (verify, NULL, NULL, NULL, &err, &error));
  g_assert_no_error (error);
  g_test_message ("%s", err);
  g_assert_cmpint (g_subprocess_get_exit_status (verify), !=, 0);
  g_assert_nonnull (strstr (err, "the daemon is stopping"));
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
  g_test_add_func ("/daemon/ledger/verify-beside-main-loop", test_verify_beside_main_loop);
  g_test_add_func ("/daemon/ledger/stop-during-verify", test_stop_during_verify);
  return g_test_run ();
}
