/* test-recording-disk.c: the recording on a disk that misbehaves, end to end: the real daemon and
 * a real party (WHIP), in network and mount namespaces of the test's own, the recordings' file
 * system a FUSE pass-through (tests/rd-test-faultfs.c) whose writes the test can hold and whose
 * fsync it can make fail.
 *   hangs:        the disk stops answering writes while the recording pauses: its writers
 *                 cannot finish; they are given up after 10 s and the daemon goes on answering
 *                 (status within a second all along), records again once the disk answers, and
 *                 every segment ends sealed;
 *   fsync-fails:  fsync fails (EIO) as segments are sealed: each seal is tried again until the
 *                 disk takes it; nothing is left open;
 *   stop-while-hung: the daemon stopped while the disk hangs exits all the same; the next start
 *                 repairs what it left open;
 *   stall:        the disk takes no write mid-call: the tracks are said not recording within
 *                 seconds, record again when it answers, and the span is a gap on the record. */
#define _GNU_SOURCE
#include <errno.h>
#include <gst/gst.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "tests/rd-test-netns.h"
#include "tests/rd-test-recording.h"

#define TIMEOUT_MS RD_TEST_ROOM_TIMEOUT_MS

static char *skip_reason;
static GSubprocess *faultfs;
static char *mountpoint;

static gboolean
is_mounted (gpointer data)
{
  const char *state_dir = data;
  GStatBuf a, b;

  return g_stat (state_dir, &a) == 0 && g_stat (mountpoint, &b) == 0 && a.st_dev != b.st_dev;
}

/* <state>/recordings becomes the fault file system over <state>/recordings-disk. */
static void
mount_faultfs (const char *state_dir)
{
  g_autofree char *backing = g_build_filename (state_dir, "recordings-disk", NULL);
  g_autofree char *tool =
      g_build_filename (g_getenv ("RD_TEST_BINDIR"), "tests", "rd-test-faultfs", NULL);
  g_autoptr (GError) error = NULL;

  mountpoint = g_build_filename (state_dir, "recordings", NULL);
  g_assert_cmpint (g_mkdir_with_parents (backing, 0750), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (mountpoint, 0750), ==, 0);
  faultfs = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                              &error, tool, backing, mountpoint, NULL);
  g_assert_no_error (error);
  if (!rd_test_wait_until (is_mounted, (gpointer)state_dir, 10000))
    g_error ("%s did not mount on %s in 10 s", tool, mountpoint);
}

static void
unmount_faultfs (void)
{
  g_subprocess_send_signal (faultfs, SIGTERM);
  g_subprocess_wait (faultfs, NULL, NULL);
  umount2 (mountpoint, MNT_DETACH); /* if it did not */
  g_clear_object (&faultfs);
  g_clear_pointer (&mountpoint, g_free);
}

/* SIGUSR1 toggles held writes, SIGUSR2 failing fsync. */
static void
toggle (int sig)
{
  g_subprocess_send_signal (faultfs, sig);
}

static void
on_exited (GObject *proc, GAsyncResult *result, gpointer data)
{
  g_subprocess_wait_finish (G_SUBPROCESS (proc), result, NULL);
  *(gboolean *)data = TRUE;
}

static gboolean
flag_set (gpointer data)
{
  return *(gboolean *)data;
}

/* `receptionctl status` answered: its "recording" object (*@hold keeps it), and how long it took
 * in *@ms. Fails when it takes more than 5 s: the daemon's main loop is stuck. */
static JsonObject *
status_timed (RdTestRoom *r, JsonNode **hold, double *ms)
{
  gint64 t0 = g_get_monotonic_time ();
  g_autoptr (GSubprocess) proc = rd_test_ctl_spawn (r->t, "--json", "status", NULL);
  g_autoptr (GError) error = NULL;
  g_autofree char *out = NULL, *err = NULL;
  gboolean exited = FALSE;

  g_subprocess_wait_async (proc, NULL, on_exited, &exited);
  if (!rd_test_wait_until (flag_set, &exited, 5000))
    {
      g_subprocess_force_exit (proc);
      g_error ("status did not answer in 5 s: the daemon's main loop waits on the disk");
    }
  *ms = (g_get_monotonic_time () - t0) / 1000.0;
  g_assert_true (g_subprocess_communicate_utf8 (proc, NULL, NULL, &out, &err, &error));
  g_assert_no_error (error);
  if (g_subprocess_get_exit_status (proc) != 0 || !out || !*out)
    {
      g_autofree char *daemon_err = rd_test_daemon_stderr (r->t);
      g_error ("receptionctl status failed (exit %d): %s; the daemon's stderr:\n%s",
               g_subprocess_get_exit_status (proc), err ? err : "", daemon_err);
    }
  *hold = json_from_string (out, &error);
  g_assert_no_error (error);
  return json_object_get_object_member (json_node_get_object (*hold), "recording");
}

typedef struct
{
  RdTestRoom *r;
  gint64 tracks;
  double worst_ms;
  guint calls;
} Answering;

/* TRUE once status counts @tracks writers recording, or (@tracks < 0) lists tracks that are not
 * recording; the slowest answer so far in worst_ms. */
static gboolean
writers_are (gpointer data)
{
  Answering *a = data;
  g_autoptr (JsonNode) hold = NULL;
  double ms;
  JsonObject *rec = status_timed (a->r, &hold, &ms);

  a->worst_ms = MAX (a->worst_ms, ms);
  a->calls++;
  if (a->tracks < 0)
    return json_array_get_length (json_object_get_array_member (rec, "failing_tracks")) > 0;
  return json_object_get_int_member_with_default (rec, "tracks", -1) == a->tracks;
}

static void
call_in (RdTestRoom *r, JsonNode **inv, RdTestPeer **p, RdTestWhipReply **c)
{
  RdTestRecElapsed w;

  *inv = rd_test_room_invite (r, "citizen");
  *c = rd_test_room_call_in (r, *inv, FALSE, p);
  rd_test_room_wait_parties (r, 1, "connected", 20000, TIMEOUT_MS);
  w = (RdTestRecElapsed){ r, 2, 4 };
  g_assert_true (rd_test_wait_until (rd_test_rec_recorded_for, &w, TIMEOUT_MS));
}

static void
end_and_verify (RdTestRoom *r, RdTestPeer **p)
{
  RdTestRecRows rows = { r, r->session_id };
  g_autofree char *out = NULL, *err = NULL;

  g_assert_cmpint (rd_test_ctl (r->t, NULL, NULL, "session", "end", r->session_id, NULL), ==, 0);
  g_clear_pointer (p, rd_test_peer_free);
  /* every segment sealed (a given-up writer's last one once its disk answered) */
  if (!rd_test_wait_until (rd_test_rec_none_recording, &rows, TIMEOUT_MS))
    g_error ("%u segments of %s are still open",
             rd_test_rec_rows_in (r, r->session_id, "recording"), r->session_id);
  g_assert_cmpint (rd_test_ctl (r->t, &out, &err, "recording", "verify", r->session_id, NULL), ==,
                   0);
  g_test_message ("%s", out);
}

static void
test_hangs (void)
{
  g_autoptr (RdTestRoom) r = NULL;
  g_autoptr (JsonNode) inv = NULL, hold = NULL;
  g_autoptr (RdTestPeer) p = NULL;
  g_autoptr (RdTestWhipReply) c = NULL;
  Answering a;
  double ms;
  JsonObject *rec;

  if (rd_test_skip_if (skip_reason))
    return;
  r = rd_test_rec_room_up (NULL, mount_faultfs);
  call_in (r, &inv, &p, &c);

  /* the disk stops answering; the recording pauses, so its writers must finish their files */
  toggle (SIGUSR1);
  g_assert_cmpint (rd_test_ctl (r->t, NULL, NULL, "recording", "pause", r->session_id, "--reason",
                                "thử đĩa treo", NULL),
                   ==, 0);
  /* they cannot (every write waits): given up after 10 s, while the daemon answers at once */
  a = (Answering){ r, -1, 0, 0 };
  if (!rd_test_wait_until (writers_are, &a, 30000))
    g_error ("the writers were not given up in 30 s");
  rec = status_timed (r, &hold, &ms); /* once more, after they were freed */
  a.worst_ms = MAX (a.worst_ms, ms);
  g_test_message ("status answered %u times while the disk hung, the slowest in %.0f ms; "
                  "display: %s",
                  a.calls + 1, a.worst_ms, json_object_get_string_member (rec, "display_mark"));
  g_assert_cmpfloat (a.worst_ms, <, 1000);
  g_assert_nonnull (strstr (
      json_object_get_string_member (
          json_array_get_object_element (json_object_get_array_member (rec, "failing_tracks"), 0),
          "error"),
      "did not finish its last segment"));
  g_clear_pointer (&hold, json_node_unref);

  /* the disk answers again: the recording resumes, and every file ends sealed */
  toggle (SIGUSR1);
  g_assert_cmpint (rd_test_ctl (r->t, NULL, NULL, "recording", "resume", r->session_id, "--reason",
                                "đĩa trả lời", NULL),
                   ==, 0);
  a = (Answering){ r, 4, 0, 0 };
  g_assert_true (rd_test_wait_until (writers_are, &a, TIMEOUT_MS));
  end_and_verify (r, &p);
  rd_test_daemon_signal (r->t, SIGTERM);
  g_assert_cmpint (rd_test_daemon_wait_exit (r->t, TIMEOUT_MS), ==, 0);
  unmount_faultfs ();
}

static void
test_fsync_fails (void)
{
  g_autoptr (RdTestRoom) r = NULL;
  g_autoptr (JsonNode) inv = NULL;
  g_autoptr (RdTestPeer) p = NULL;
  g_autoptr (RdTestWhipReply) c = NULL;
  RdTestRecStderrWait sw;

  if (rd_test_skip_if (skip_reason))
    return;
  r = rd_test_rec_room_up (NULL, mount_faultfs);
  call_in (r, &inv, &p, &c);

  /* fsync fails as the pause closes the segments: their seals are refused, said, and tried
   * again; once the disk flushes, they are sealed */
  toggle (SIGUSR2);
  g_assert_cmpint (rd_test_ctl (r->t, NULL, NULL, "recording", "pause", r->session_id, "--reason",
                                "thử fsync", NULL),
                   ==, 0);
  sw = (RdTestRecStderrWait){ r, "not sealed yet (tried again in 1 s)" };
  g_assert_true (rd_test_wait_until (rd_test_rec_stderr_has, &sw, TIMEOUT_MS));
  g_assert_cmpuint (rd_test_rec_rows_in (r, r->session_id, "recording"), >, 0);
  toggle (SIGUSR2);
  {
    RdTestRecRows rows = { r, r->session_id };
    g_assert_true (rd_test_wait_until (rd_test_rec_none_recording, &rows, TIMEOUT_MS));
  }
  end_and_verify (r, &p);
  rd_test_daemon_signal (r->t, SIGTERM);
  g_assert_cmpint (rd_test_daemon_wait_exit (r->t, TIMEOUT_MS), ==, 0);
  unmount_faultfs ();
}

/* The disk stops taking writes mid-call, the recording going on: within seconds the tracks are
 * listed as not recording (the REC mark says so); once the disk answers they record again in
 * the same segments, and the span they dropped is a gap on the record and in the coverage. */
static void
test_stall (void)
{
  g_autoptr (RdTestRoom) r = NULL;
  g_autoptr (JsonNode) inv = NULL, hold = NULL, shown = NULL;
  g_autoptr (RdTestPeer) p = NULL;
  g_autoptr (RdTestWhipReply) c = NULL;
  JsonObject *rec, *audio = NULL;
  JsonArray *tracks;
  Answering a;
  double ms;

  if (rd_test_skip_if (skip_reason))
    return;
  r = rd_test_rec_room_up (NULL, mount_faultfs);
  call_in (r, &inv, &p, &c);
  toggle (SIGUSR1);
  a = (Answering){ r, -1, 0, 0 };
  if (!rd_test_wait_until (writers_are, &a, 20000))
    g_error ("no track was said not recording 20 s into a disk that takes no write");
  rec = status_timed (r, &hold, &ms);
  g_test_message (
      "display: %s; %s", json_object_get_string_member (rec, "display_mark"),
      json_object_get_string_member (
          json_array_get_object_element (json_object_get_array_member (rec, "failing_tracks"), 0),
          "error"));
  g_assert_nonnull (strstr (json_object_get_string_member (rec, "display_mark"), "NOT RECORDING"));
  g_clear_pointer (&hold, json_node_unref);
  toggle (SIGUSR1);
  {
    RdTestRecStderrWait sw = { r, "records again" };
    g_assert_true (rd_test_wait_until (rd_test_rec_stderr_has, &sw, TIMEOUT_MS));
  }
  end_and_verify (r, &p);
  shown = rd_test_ctl_json (r->t, "session", "show", r->session_id, NULL);
  tracks = json_object_get_array_member (
      json_object_get_object_member (json_node_get_object (shown), "coverage"), "tracks");
  for (guint i = 0; i < json_array_get_length (tracks); i++)
    if (g_str_equal (
            json_object_get_string_member (json_array_get_object_element (tracks, i), "track"),
            "room-audio"))
      audio = json_array_get_object_element (tracks, i);
  g_assert_nonnull (audio);
  {
    JsonArray *gaps = json_object_get_array_member (audio, "gaps");
    JsonObject *gap;

    g_assert_cmpuint (json_array_get_length (gaps), >=, 1);
    gap = json_array_get_object_element (gaps, 0);
    g_test_message ("room-audio gap %.3f-%.3f s: %s", json_object_get_double_member (gap, "from_s"),
                    json_object_get_double_member (gap, "to_s"),
                    json_object_get_string_member (gap, "reason"));
    g_assert_cmpfloat (json_object_get_double_member (gap, "seconds"), >=, 4.0);
    g_assert_nonnull (strstr (json_object_get_string_member (gap, "reason"), "taken no write"));
  }
  rd_test_daemon_signal (r->t, SIGTERM);
  g_assert_cmpint (rd_test_daemon_wait_exit (r->t, TIMEOUT_MS), ==, 0);
  unmount_faultfs ();
}

/* The daemon is stopped (SIGTERM) while the disk hangs: its shutdown is done all the same (the
 * writers given up, the session ended in the ledger). The process itself can end only once the
 * disk answers: the kernel does not end a process while one of its threads waits in fsync(2) on
 * it (uninterruptible), as with a hung NFS hard mount. It then exits at once; at the next start
 * every segment it left open is repaired and the record verifies. */
static void
test_stop_while_hung (void)
{
  g_autoptr (RdTestRoom) r = NULL;
  g_autoptr (JsonNode) inv = NULL, shown = NULL;
  g_autoptr (RdTestPeer) p = NULL;
  g_autoptr (RdTestWhipReply) c = NULL;
  g_autofree char *out = NULL, *err = NULL;
  gint64 t0;

  if (rd_test_skip_if (skip_reason))
    return;
  r = rd_test_rec_room_up (NULL, mount_faultfs);
  call_in (r, &inv, &p, &c);
  toggle (SIGUSR1);
  t0 = g_get_monotonic_time ();
  rd_test_daemon_signal (r->t, SIGTERM);
  {
    RdTestRecStderrWait sw = { r, "session ended: receptiond stopped" };
    if (!rd_test_wait_until (rd_test_rec_stderr_has, &sw, 30000))
      g_error ("the shutdown did not end the session in 30 s with the disk hung");
  }
  g_test_message ("shutdown done in %.1f s with the disk hung",
                  (g_get_monotonic_time () - t0) / 1e6);
  g_clear_pointer (&p, rd_test_peer_free);
  toggle (SIGUSR1);
  t0 = g_get_monotonic_time ();
  g_assert_cmpint (rd_test_daemon_wait_exit (r->t, 10000), ==, 0);
  g_test_message ("exited %.1f s after the disk answered", (g_get_monotonic_time () - t0) / 1e6);

  rd_test_daemon_start (r->t); /* recovery runs before READY */
  shown = rd_test_ctl_json (r->t, "session", "show", r->session_id, NULL);
  g_assert_cmpuint (rd_test_rec_rows_in (r, r->session_id, "recording"), ==, 0);
  g_assert_cmpint (rd_test_ctl (r->t, &out, &err, "recording", "verify", r->session_id, NULL), ==,
                   0);
  g_test_message ("%s", out);
  rd_test_daemon_signal (r->t, SIGTERM);
  g_assert_cmpint (rd_test_daemon_wait_exit (r->t, TIMEOUT_MS), ==, 0);
  unmount_faultfs ();
}

int
main (int argc, char **argv)
{
  g_autofree char *tool = NULL;

  rd_test_enter_netns (&skip_reason); /* FALSE with the reason set when it cannot */
  if (!skip_reason)
    rd_test_enter_mountns (&skip_reason);
  g_test_init (&argc, &argv, NULL);
  rd_test_tolerate_third_party_race ();
  gst_init (&argc, &argv);
  tool = g_build_filename (g_getenv ("RD_TEST_BINDIR"), "tests", "rd-test-faultfs", NULL);
  if (!skip_reason && !rd_test_probe_available ())
    skip_reason = g_strdup ("ffprobe is not installed (package ffmpeg): recordings cannot be "
                            "checked");
  if (!skip_reason && !g_file_test ("/dev/fuse", G_FILE_TEST_EXISTS))
    skip_reason = g_strdup ("no /dev/fuse: the fault file system cannot be mounted");
  if (!skip_reason && !g_file_test (tool, G_FILE_TEST_IS_EXECUTABLE))
    skip_reason = g_strdup_printf ("%s is not built (libfuse3-dev missing?)", tool);
  g_test_add_func ("/recording-disk/hangs", test_hangs);
  g_test_add_func ("/recording-disk/fsync-fails", test_fsync_fails);
  g_test_add_func ("/recording-disk/stop-while-hung", test_stop_while_hung);
  g_test_add_func ("/recording-disk/stall", test_stall);
  return g_test_run ();
}
