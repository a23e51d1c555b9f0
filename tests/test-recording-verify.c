/* test-recording-verify.c: `receptionctl recording verify` and the recording segments of
 * `session show`, through the real daemon and console. The recording rows and files are made by
 * the test with the ledger API while the daemon is down (SIGKILL, so the session is still live in
 * the ledger; the restart marks it interrupted), then the files are tampered with. Also the
 * console's own refusals of `recording pause|resume` without a reason (exit 64). */
#include <gio/gunixinputstream.h>
#include <glib/gstdio.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ledger/rd-ledger-recordings.h"
#include "tests/rd-test-daemon.h"

#define TIMEOUT_MS 20000
#define N_SEGMENTS 3

typedef struct
{
  RdTestDaemon *t;
  char *session;
  char *files[N_SEGMENTS + 1];    /* absolute, by segment number (1..3) */
  char *relative[N_SEGMENTS + 1]; /* as in the ledger */
} Fixture;

static char *
start_session (RdTestDaemon *t)
{
  g_autoptr (JsonNode) started = rd_test_ctl_json (t, "session", "start", NULL);

  return g_strdup (json_object_get_string_member (json_node_get_object (started), "id"));
}

/* Writes segment @n's file (pseudo-random bytes, as an encoded stream looks) and its ledger row,
 * sealed with the file's hash and size. */
static void
add_sealed_segment (Fixture *f, RdLedger *ledger, gint64 n)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_path_get_dirname (f->files[n]);
  g_autofree guint8 *bytes = g_malloc (100000 + n);
  g_autofree char *hash = NULL;

  for (gsize i = 0; i < 100000 + (gsize)n; i++)
    bytes[i] = (guint8)g_random_int ();
  g_assert_cmpint (g_mkdir_with_parents (dir, 0750), ==, 0);
  g_file_set_contents (f->files[n], (const char *)bytes, 100000 + n, &error);
  g_assert_no_error (error);
  hash = g_compute_checksum_for_data (G_CHECKSUM_SHA256, bytes, 100000 + n);
  g_assert_true (rd_ledger_recording_add (
      ledger, f->session, n, f->relative[n],
      "[{\"track\":\"room-video\",\"media\":\"video\",\"codec\":\"VP8\",\"start_ns\":0}]", &error));
  g_assert_no_error (error);
  g_assert_true (rd_ledger_recording_seal (ledger, f->session, n, RD_RECORDING_STATE_SEALED, hash,
                                           100000 + n, 1500000000 * n, NULL, NULL, &error));
  g_assert_no_error (error);
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (RdLedger) ledger = NULL;

  f->t = rd_test_daemon_new (NULL);
  rd_test_daemon_start (f->t);
  /* A session of the ledger's own (not recorded by a running daemon, whose segments would mix
   * with these): made while the daemon is stopped, marked interrupted at its next start. */
  rd_test_daemon_signal (f->t, SIGTERM);
  g_assert_cmpint (rd_test_daemon_wait_exit (f->t, TIMEOUT_MS), ==, 0);
  ledger = rd_ledger_open (f->t->state_dir, &error);
  g_assert_no_error (error);
  f->session = rd_ledger_session_start (ledger, NULL, "test", &error);
  g_assert_no_error (error);
  for (gint64 n = 1; n <= N_SEGMENTS; n++)
    {
      f->relative[n] =
          g_strdup_printf ("recordings/2026/11/%s/%s-%04" G_GINT64_FORMAT "-room-video.mkv",
                           f->session, f->session, n);
      f->files[n] = g_build_filename (f->t->state_dir, f->relative[n], NULL);
      add_sealed_segment (f, ledger, n);
    }
  g_clear_pointer (&ledger, rd_ledger_close);
  rd_test_daemon_start (f->t);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  rd_test_daemon_signal (f->t, SIGTERM);
  rd_test_daemon_wait_exit (f->t, TIMEOUT_MS);
  g_clear_pointer (&f->t, rd_test_daemon_free);
  g_free (f->session);
  for (int n = 0; n <= N_SEGMENTS; n++)
    {
      g_free (f->files[n]);
      g_free (f->relative[n]);
    }
}

/* Runs `recording verify @session`; returns the exit code, @out and @err filled. */
static int
verify (Fixture *f, const char *session, char **out, char **err)
{
  int rc = rd_test_ctl (f->t, out, err, "recording", "verify", session, NULL);

  g_test_message ("recording verify %s -> %d\n%s%s", session, rc, *out ? *out : "",
                  *err ? *err : "");
  return rc;
}

static void
test_intact (Fixture *f, gconstpointer data)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr (JsonNode) result = NULL;
  g_autoptr (GBytes) before = NULL;
  JsonArray *segments;

  g_assert_cmpint (verify (f, f->session, &out, &err), ==, 0);
  g_assert_nonnull (strstr (out, "3 recording segments, intact"));
  for (int n = 1; n <= N_SEGMENTS; n++)
    {
      g_autofree char *line = g_strdup_printf ("#%-5d ok            %s", n, f->relative[n]);
      g_assert_nonnull (strstr (out, line));
    }

  result = rd_test_ctl_json (f->t, "recording", "verify", f->session, NULL);
  g_assert_true (json_object_get_boolean_member (json_node_get_object (result), "ok"));
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (result), "session"), ==,
                   f->session);
  segments = json_object_get_array_member (json_node_get_object (result), "segments");
  g_assert_cmpuint (json_array_get_length (segments), ==, N_SEGMENTS);
  for (guint i = 0; i < N_SEGMENTS; i++)
    {
      JsonObject *s = json_array_get_object_element (segments, i);
      g_autofree char *hash = NULL;
      g_autofree char *contents = NULL;
      gsize length = 0;

      g_assert_true (g_file_get_contents (f->files[i + 1], &contents, &length, NULL));
      hash = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (guchar *)contents, length);
      g_assert_cmpint (json_object_get_int_member (s, "segment"), ==, i + 1);
      g_assert_cmpstr (json_object_get_string_member (s, "status"), ==, "ok");
      g_assert_cmpstr (json_object_get_string_member (s, "state"), ==, "sealed");
      g_assert_cmpstr (json_object_get_string_member (s, "expected_sha256"), ==, hash);
      g_assert_cmpstr (json_object_get_string_member (s, "actual_sha256"), ==, hash);
    }
}

/* One changed byte, then a deleted file: exit 1, the first bad segment named. */
static void
test_tampered (Fixture *f, gconstpointer data)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *expected = NULL;
  gsize length = 0;

  g_assert_true (g_file_get_contents (f->files[2], &contents, &length, NULL));
  contents[length / 2] ^= 0x01;
  g_assert_true (g_file_set_contents (f->files[2], contents, length, NULL));
  g_assert_cmpint (verify (f, f->session, &out, &err), ==, 1);
  g_assert_nonnull (strstr (out, "NOT INTACT"));
  g_assert_nonnull (strstr (out, "#1     ok"));
  g_assert_nonnull (strstr (out, "#2     mismatch"));
  g_assert_nonnull (strstr (out, "#3     ok"));
  expected = g_strdup_printf ("segment 2 (%s) is mismatch: its SHA-256 is not the one the ledger "
                              "sealed",
                              f->relative[2]);
  g_assert_nonnull (strstr (err, expected));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_clear_pointer (&expected, g_free);

  /* A file that lost its end: the size says so. */
  g_assert_true (g_file_set_contents (f->files[2], contents, length - 10, NULL));
  g_assert_cmpint (verify (f, f->session, &out, &err), ==, 1);
  g_assert_nonnull (strstr (err, "segment 2"));
  g_assert_nonnull (strstr (err, "99992 bytes, the ledger sealed 100002"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* Put segment 2 right, delete segment 3. */
  contents[length / 2] ^= 0x01;
  g_assert_true (g_file_set_contents (f->files[2], contents, length, NULL));
  g_assert_cmpint (g_remove (f->files[3]), ==, 0);
  g_assert_cmpint (verify (f, f->session, &out, &err), ==, 1);
  g_assert_nonnull (strstr (out, "#2     ok"));
  g_assert_nonnull (strstr (out, "#3     missing"));
  expected = g_strdup_printf ("segment 3 (%s) is missing", f->relative[3]);
  g_assert_nonnull (strstr (err, expected));
}

static void
test_errors (Fixture *f, gconstpointer data)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_assert_cmpint (verify (f, "20000101-000000", &out, &err), ==, 1);
  g_assert_nonnull (strstr (err, "not-found"));
  g_assert_nonnull (strstr (err, "20000101-000000"));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (rd_test_ctl (f->t, NULL, &err, "recording", "verify", NULL), ==, 64);
  g_assert_nonnull (strstr (err, "recording verify needs a session id"));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (rd_test_ctl (f->t, NULL, &err, "recording", "rewind", "x", NULL), ==, 64);
  g_assert_nonnull (strstr (err, "unknown command 'recording rewind'"));
}

typedef struct
{
  Fixture *f;
  const char *session;
} Waiting;

/* The room's video and audio segments are in the ledger (opened once they hold media). */
static gboolean
two_segments_open (gpointer data)
{
  Waiting *w = data;
  g_autoptr (JsonNode) r = rd_test_ctl_json (w->f->t, "recording", "verify", w->session, NULL);

  return json_array_get_length (
             json_object_get_array_member (json_node_get_object (r), "segments")) >= 2;
}

/* The daemon's own recording: while the session is live its segments are "open" (exit 0);
 * once it ended they are all sealed and intact, each file hashing to what the ledger says. */
static void
test_live_recording (Fixture *f, gconstpointer data)
{
  g_autofree char *live = start_session (f->t);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr (JsonNode) result = NULL;
  JsonArray *segments;

  g_assert_true (rd_test_wait_until (two_segments_open, &(Waiting){ f, live }, TIMEOUT_MS));
  g_assert_cmpint (verify (f, live, &out, &err), ==, 0);
  g_assert_nonnull (strstr (out, "open"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (rd_test_ctl (f->t, NULL, NULL, "session", "end", live, NULL), ==, 0);
  g_assert_cmpint (verify (f, live, &out, &err), ==, 0);
  g_assert_nonnull (strstr (out, "intact"));
  result = rd_test_ctl_json (f->t, "recording", "verify", live, NULL);
  segments = json_object_get_array_member (json_node_get_object (result), "segments");
  g_assert_cmpuint (json_array_get_length (segments), >=, 2);
  for (guint i = 0; i < json_array_get_length (segments); i++)
    {
      JsonObject *s = json_array_get_object_element (segments, i);
      g_assert_cmpstr (json_object_get_string_member (s, "state"), ==, "sealed");
      g_assert_cmpstr (json_object_get_string_member (s, "status"), ==, "ok");
    }
}

/* Hashing runs beside the main loop: while a 1 GiB segment is being re-hashed, the daemon still
 * answers `status`, and the verify answers after it. The file is sparse (no disk used); the
 * SHA-256 of 1 GiB takes seconds, a status milliseconds. */
static void
test_main_loop_free (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (RdLedger) ledger = NULL;
  g_autoptr (GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autoptr (GSubprocess) proc = NULL;
  g_autofree char *live = start_session (f->t);
  g_autofree char *rel =
      g_strdup_printf ("recordings/2026/11/%s/%s-1000-room-video.mkv", live, live);
  g_autofree char *full = g_build_filename (f->t->state_dir, rel, NULL);
  g_autofree char *dir = g_path_get_dirname (full);
  g_autofree char *ctl =
      g_build_filename (g_getenv ("RD_TEST_BINDIR"), "bin", "receptionctl", NULL);
  g_autofree char *out = NULL;
  g_autofree char *verify_out = NULL;
  g_autofree guint8 *zeros = g_malloc0 (1024 * 1024);
  const gint64 size = G_GINT64_CONSTANT (1) << 30;
  struct pollfd pfd;
  FILE *file;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0750), ==, 0);
  file = fopen (full, "w");
  g_assert_nonnull (file);
  g_assert_cmpint (ftruncate (fileno (file), size), ==, 0);
  fclose (file);
  for (gint64 i = 0; i < size / (1024 * 1024); i++)
    g_checksum_update (checksum, zeros, 1024 * 1024);
  ledger = rd_ledger_open (f->t->state_dir, &error);
  g_assert_no_error (error);
  /* segment 1000: the recorder of the live session numbers its own from 1 */
  g_assert_true (rd_ledger_recording_add (ledger, live, 1000, rel, NULL, &error));
  g_assert_true (rd_ledger_recording_seal (ledger, live, 1000, RD_RECORDING_STATE_SEALED,
                                           g_checksum_get_string (checksum), size, 1, NULL, NULL,
                                           &error));
  g_assert_no_error (error);
  g_clear_pointer (&ledger, rd_ledger_close);

  proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, ctl, "--socket",
                           f->t->socket_path, "recording", "verify", live, NULL);
  g_assert_no_error (error);
  /* Once the daemon has the verify request, status must still be answered. */
  g_assert_cmpint (rd_test_ctl (f->t, &out, NULL, "status", NULL), ==, 0);
  g_assert_nonnull (strstr (out, live));
  pfd.fd = g_unix_input_stream_get_fd (G_UNIX_INPUT_STREAM (g_subprocess_get_stdout_pipe (proc)));
  pfd.events = POLLIN;
  g_assert_cmpint (poll (&pfd, 1, 0), ==, 0); /* the verify has not answered yet */

  g_assert_true (g_subprocess_communicate_utf8 (proc, NULL, NULL, &verify_out, NULL, &error));
  g_assert_no_error (error);
  g_test_message ("%s", verify_out);
  g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 0);
  g_assert_nonnull (strstr (verify_out, "#1000  ok"));
  g_remove (full);
}

/* `session show` lists the segments: number, track, state, duration, size, SHA-256, file. */
static void
test_session_show (Fixture *f, gconstpointer data)
{
  g_autofree char *out = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *hash = NULL;
  gsize length = 0;

  g_assert_cmpint (rd_test_ctl (f->t, &out, NULL, "session", "show", f->session, NULL), ==, 0);
  g_test_message ("%s", out);
  g_assert_true (g_file_get_contents (f->files[2], &contents, &length, NULL));
  hash = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (guchar *)contents, length);
  g_assert_nonnull (strstr (out, "recording segments: 3"));
  g_assert_true (
      g_regex_match_simple ("#2 +room-video +sealed +3\\.000 s +100002 +[0-9a-f]{64}", out, 0, 0));
  g_assert_nonnull (strstr (out, hash));
  g_assert_nonnull (strstr (out, f->relative[2]));
}

/* The console refuses pause and resume without a reason before asking the daemon. */
static void
test_pause_needs_reason (Fixture *f, gconstpointer data)
{
  const char *verbs[] = { "pause", "resume" };

  for (gsize i = 0; i < G_N_ELEMENTS (verbs); i++)
    {
      g_autofree char *e1 = NULL;
      g_autofree char *e2 = NULL;
      g_autofree char *e3 = NULL;
      g_autofree char *e4 = NULL;

      g_assert_cmpint (rd_test_ctl (f->t, NULL, &e1, "recording", verbs[i], f->session, NULL), ==,
                       64);
      g_assert_nonnull (strstr (e1, "needs --reason"));
      g_assert_cmpint (
          rd_test_ctl (f->t, NULL, &e2, "recording", verbs[i], f->session, "--reason", "", NULL),
          ==, 64);
      g_assert_nonnull (strstr (e2, "--reason needs a value"));
      g_assert_cmpint (
          rd_test_ctl (f->t, NULL, &e3, "recording", verbs[i], f->session, "--reason=  ", NULL), ==,
          64);
      g_assert_nonnull (strstr (e3, "not only spaces"));
      g_assert_cmpint (rd_test_ctl (f->t, NULL, &e4, "recording", verbs[i], "--reason", "x", NULL),
                       ==, 64);
      g_assert_nonnull (strstr (e4, "needs a session id"));
    }
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/recording/verify/intact", test_intact);
  ADD ("/recording/verify/tampered", test_tampered);
  ADD ("/recording/verify/errors", test_errors);
  ADD ("/recording/verify/live-recording", test_live_recording);
  ADD ("/recording/verify/main-loop-free", test_main_loop_free);
  ADD ("/recording/session-show", test_session_show);
  ADD ("/recording/pause-needs-reason", test_pause_needs_reason);
#undef ADD
  return g_test_run ();
}
