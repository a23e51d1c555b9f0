/* test-recording-faults.c: the recording under real faults, end to end: the real daemon, a real
 * party calling in over WHIP, in network and mount namespaces of the test's own (the daemon it
 * spawns inherits them). Files are checked with ffprobe and ffmpeg (tools nobody here wrote),
 * the ledger with receptionctl (session show, recording verify, ledger verify).
 *   disk-full:    the recordings' file system (a tmpfs) filled up mid-call by another writer;
 *   read-only:    the session's directory bind-mounted read-only mid-call;
 *   track-lost:   no file (inode) left while the disk has room: the tracks stop, the REC mark
 *                 and status say which at once, and they record again once files can be made;
 *   leave-mid-keyframe: a party gone on the first packets of a keyframe.
 * Crashes (SIGKILL, files without rows) are test-recording-crash.c. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <gst/gst.h>
#include <sys/mount.h>
#include <unistd.h>

#include "tests/rd-test-netns.h"
#include "tests/rd-test-recording.h"

#define TIMEOUT_MS RD_TEST_ROOM_TIMEOUT_MS

static char *skip_reason;

/* --- disk full --- */

static char *tmpfs_dir;

static void
mount_small_tmpfs (const char *state_dir)
{
  tmpfs_dir = g_build_filename (state_dir, "recordings", NULL);
  g_assert_cmpint (g_mkdir_with_parents (tmpfs_dir, 0750), ==, 0);
  if (mount ("rd-test-recordings", tmpfs_dir, "tmpfs", 0, "size=64m,mode=0750") != 0)
    g_error ("mount tmpfs on %s: %s", tmpfs_dir, g_strerror (errno));
}

/* Another writer takes every free byte of @dir's file system. */
static void
fill_up (const char *dir)
{
  g_autofree char *path = g_build_filename (dir, "filler", NULL);
  static char block[64 * 1024];
  int fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  gint64 total = 0;

  g_assert_cmpint (fd, >=, 0);
  memset (block, 0x5a, sizeof block);
  for (;;)
    {
      ssize_t n = write (fd, block, sizeof block);
      if (n > 0)
        total += n;
      else if (n < 0 && errno != EINTR)
        break;
    }
  g_assert_cmpint (errno, ==, ENOSPC);
  /* the last pages: byte by byte */
  while (write (fd, block, 1) == 1)
    total++;
  close (fd);
  g_test_message ("the disk filled up with %" G_GINT64_FORMAT " bytes", total);
}

static void
test_disk_full (void)
{
  g_autoptr (RdTestRoom) r = NULL;
  g_autoptr (JsonNode) inv = NULL, shown = NULL, hold = NULL;
  g_autoptr (RdTestPeer) p = NULL;
  g_autoptr (RdTestWhipReply) c = NULL;
  g_autoptr (GPtrArray) segs = NULL;
  g_autofree char *out = NULL, *err = NULL, *first_session = NULL;
  const char *detail = NULL;
  JsonObject *rec;
  RdTestRecElapsed w;
  RdTestRecEventWait ew;
  RdTestRecRows rw;
  guint cut_short = 0;

  if (rd_test_skip_if (skip_reason))
    return;
  r = rd_test_rec_room_up ("[storage]\nstop-free-mb=1\nmin-free-mb=2\nwarn-free-mb=2\n",
                           mount_small_tmpfs);
  inv = rd_test_room_invite (r, "citizen");
  c = rd_test_room_call_in (r, inv, FALSE, &p);
  rd_test_room_wait_parties (r, 1, "connected", 20000, TIMEOUT_MS);
  w = (RdTestRecElapsed){ r, 0, 4 }; /* every track written, then 3 s more of each */
  g_assert_true (rd_test_wait_until (rd_test_rec_recorded_for, &w, TIMEOUT_MS));
  w.elapsed_s = json_object_get_int_member (rd_test_rec_status (r, &hold), "elapsed_s") + 3;
  g_clear_pointer (&hold, json_node_unref);
  g_assert_true (rd_test_wait_until (rd_test_rec_recorded_for, &w, TIMEOUT_MS));

  fill_up (tmpfs_dir);
  ew = (RdTestRecEventWait){ r, "recording-stopped-disk" };
  g_assert_true (rd_test_wait_until (rd_test_rec_event_seen, &ew, TIMEOUT_MS));
  rw = (RdTestRecRows){ r, r->session_id };
  g_assert_true (rd_test_wait_until (rd_test_rec_none_recording, &rw, TIMEOUT_MS));

  /* the daemon lives, says so on the display, and the call goes on */
  rec = rd_test_rec_status (r, &hold);
  g_assert_cmpstr (json_object_get_string_member (rec, "state"), ==, "stopped");
  g_assert_true (
      g_str_has_prefix (json_object_get_string_member (rec, "display_mark"), "REC STOPPED: "));
  g_test_message ("display: %s", json_object_get_string_member (rec, "display_mark"));
  rd_test_room_wait_parties (r, 1, "connected", 0, TIMEOUT_MS);
  {
    /* the party still hears the room */
    RdTestRecMoreAudio more = { p, rd_test_peer_get_audio_buffers (p) + 50 };
    g_assert_true (rd_test_wait_until (rd_test_rec_more_audio, &more, TIMEOUT_MS));
  }

  shown = rd_test_ctl_json (r->t, "session", "show", r->session_id, NULL);
  g_assert_true (rd_test_rec_has_event (shown, "recording-stopped-disk", &detail));
  g_test_message ("recording-stopped-disk: %s", detail);
  g_assert_true (rd_test_rec_has_event (shown, "recording-error", &detail));
  g_test_message ("recording-error: %s", detail);
  /* everything written before is kept and plays: every row sealed, each file read back */
  g_assert_cmpuint (rd_test_rec_rows_in (r, r->session_id, NULL), >=, 4);
  g_assert_cmpuint (rd_test_rec_rows_in (r, r->session_id, "sealed"), ==,
                    rd_test_rec_rows_in (r, r->session_id, NULL));
  segs = rd_test_rec_check_files (r, r->session_id, NULL, FALSE);
  /* 3 s of every track were recorded: at least 2 s of it in each file (a segment cut short has no
   * duration in its header: its frames are counted; 20 ms audio frames, the room's video is >= 10
   * fps) */
  for (guint i = 0; i < segs->len; i++)
    {
      RdTestRecSeg *seg = segs->pdata[i];
      g_assert_cmpint (seg->frames, >=,
                       seg->video ? 5 : 100); /* the room encodes slowly on 2 busy cores */
      if (seg->end_s <= seg->start_s)         /* no duration: cut short, and the ledger says so */
        g_assert_nonnull (seg->incomplete);
      if (seg->incomplete)
        {
          g_test_message ("%s: incomplete: %s", seg->path, seg->incomplete);
          cut_short++;
        }
    }
  g_assert_cmpuint (cut_short, >, 0); /* the ledger says which segments the disk cut short */
  g_assert_cmpint (rd_test_ctl (r->t, &out, &err, "recording", "verify", r->session_id, NULL), ==,
                   0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (rd_test_ctl (r->t, &out, &err, "ledger", "verify", NULL), ==, 0);
  g_clear_pointer (&err, g_free);

  /* the session ends; a new one is refused while the disk is full, saying why */
  g_assert_cmpint (rd_test_ctl (r->t, NULL, NULL, "session", "end", r->session_id, NULL), ==, 0);
  first_session = g_strdup (r->session_id);
  g_assert_cmpint (rd_test_ctl (r->t, NULL, &err, "session", "start", NULL), ==, 1);
  g_test_message ("%s", err);
  g_assert_nonnull (strstr (err, "min-free-mb"));
  g_assert_nonnull (strstr (err, "recordings"));
  g_clear_pointer (&p, rd_test_peer_free);
  rd_test_daemon_signal (r->t, SIGTERM);
  g_assert_cmpint (rd_test_daemon_wait_exit (r->t, TIMEOUT_MS), ==, 0);
  g_assert_cmpint (umount2 (tmpfs_dir, MNT_DETACH), ==, 0);
  g_clear_pointer (&tmpfs_dir, g_free);
}

/* --- read-only --- */

static void
test_read_only (void)
{
  g_autoptr (RdTestRoom) r = NULL;
  g_autoptr (JsonNode) inv = NULL, shown = NULL, hold = NULL;
  g_autoptr (RdTestPeer) p = NULL;
  g_autoptr (RdTestWhipReply) c = NULL;
  g_autoptr (GPtrArray) segs = NULL;
  g_autofree char *dir = NULL, *out = NULL, *err = NULL, *probe_path = NULL;
  const char *detail = NULL;
  JsonObject *rec;
  RdTestRecElapsed w;
  RdTestRecEventWait ew;
  RdTestRecRows rw;
  guint rows_before;
  g_autoptr (GHashTable) sizes = NULL;

  if (rd_test_skip_if (skip_reason))
    return;
  r = rd_test_rec_room_up ("[recording]\nsegment-seconds=10\n", NULL);
  inv = rd_test_room_invite (r, "citizen");
  c = rd_test_room_call_in (r, inv, FALSE, &p);
  rd_test_room_wait_parties (r, 1, "connected", 20000, TIMEOUT_MS);
  w = (RdTestRecElapsed){ r, 2, 4 };
  g_assert_true (rd_test_wait_until (rd_test_rec_recorded_for, &w, TIMEOUT_MS));
  rows_before = rd_test_rec_rows_in (r, r->session_id, NULL);
  /* what is written so far, file by file: none of it may be lost */
  sizes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  {
    g_autofree char *d0 = g_strdup_printf ("%s/recordings/%.4s/%.2s/%s", r->t->state_dir,
                                           r->session_id, r->session_id + 4, r->session_id);
    g_autoptr (GDir) listing = g_dir_open (d0, 0, NULL);
    const char *name;

    while (listing && (name = g_dir_read_name (listing)))
      {
        g_autofree char *path = g_build_filename (d0, name, NULL);
        GStatBuf st;
        g_assert_cmpint (g_stat (path, &st), ==, 0);
        g_hash_table_insert (sizes, g_steal_pointer (&path), GSIZE_TO_POINTER (st.st_size));
      }
    g_assert_cmpuint (g_hash_table_size (sizes), ==, rows_before);
  }

  /* the open files stay writable (opened before); nothing new can be made in the directory */
  dir = g_strdup_printf ("%s/recordings/%.4s/%.2s/%s", r->t->state_dir, r->session_id,
                         r->session_id + 4, r->session_id);
  g_assert_cmpint (mount (dir, dir, NULL, MS_BIND, NULL), ==, 0);
  g_assert_cmpint (mount (NULL, dir, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL), ==, 0);
  probe_path = g_build_filename (dir, "probe", NULL);
  g_assert_cmpint (open (probe_path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600), ==, -1);
  g_assert_cmpint (errno, ==, EROFS);

  /* at the next segment (10 s) */
  ew = (RdTestRecEventWait){ r, "recording-error" };
  g_assert_true (rd_test_wait_until (rd_test_rec_event_seen, &ew, 30000));
  ew = (RdTestRecEventWait){ r, "recording-stopped-disk" };
  g_assert_true (rd_test_wait_until (rd_test_rec_event_seen, &ew, TIMEOUT_MS));
  rw = (RdTestRecRows){ r, r->session_id };
  g_assert_true (rd_test_wait_until (rd_test_rec_none_recording, &rw, TIMEOUT_MS));
  rec = rd_test_rec_status (r, &hold);
  g_assert_cmpstr (json_object_get_string_member (rec, "state"), ==, "stopped");
  g_test_message ("display: %s", json_object_get_string_member (rec, "display_mark"));
  rd_test_room_wait_parties (r, 1, "connected", 0, TIMEOUT_MS); /* the call goes on */

  shown = rd_test_ctl_json (r->t, "session", "show", r->session_id, NULL);
  g_assert_true (rd_test_rec_has_event (shown, "recording-error", &detail));
  g_test_message ("recording-error: %s", detail);
  g_assert_nonnull (strstr (detail, "Read-only file system"));
  /* nothing already written lost: the first segments all sealed, read back, re-hashed */
  g_assert_cmpuint (rd_test_rec_rows_in (r, r->session_id, NULL), ==, rows_before);
  g_assert_cmpuint (rd_test_rec_rows_in (r, r->session_id, "sealed"), ==, rows_before);
  segs = rd_test_rec_check_files (r, r->session_id, NULL, FALSE);
  for (guint i = 0; i < segs->len; i++)
    {
      RdTestRecSeg *seg = segs->pdata[i];
      /* every byte there before the remount is still there (the file grew until the stop) */
      g_assert_true (g_hash_table_contains (sizes, seg->path));
      g_assert_cmpint (seg->size, >=,
                       (gint64)GPOINTER_TO_SIZE (g_hash_table_lookup (sizes, seg->path)));
      g_assert_null (seg->incomplete); /* closed cleanly: the open files stayed writable */
    }
  g_assert_cmpint (rd_test_ctl (r->t, &out, &err, "recording", "verify", r->session_id, NULL), ==,
                   0);
  g_assert_cmpint (rd_test_ctl (r->t, NULL, NULL, "session", "end", r->session_id, NULL), ==, 0);
  g_clear_pointer (&p, rd_test_peer_free);
  rd_test_daemon_signal (r->t, SIGTERM);
  g_assert_cmpint (rd_test_daemon_wait_exit (r->t, TIMEOUT_MS), ==, 0);
  g_assert_cmpint (umount2 (dir, MNT_DETACH), ==, 0);
}

/* --- a track that cannot write while the disk has room: no inode left --- */

/* The recordings' file system with room to spare but few files (inodes). */
static void
mount_few_inodes (const char *state_dir)
{
  tmpfs_dir = g_build_filename (state_dir, "recordings", NULL);
  g_assert_cmpint (g_mkdir_with_parents (tmpfs_dir, 0750), ==, 0);
  if (mount ("rd-test-recordings", tmpfs_dir, "tmpfs", 0, "size=64m,nr_inodes=200,mode=0750") != 0)
    g_error ("mount tmpfs on %s: %s", tmpfs_dir, g_strerror (errno));
}

/* Another writer takes every free inode of @dir's file system: the files it made. */
static GPtrArray *
take_inodes (const char *dir)
{
  GPtrArray *made = g_ptr_array_new_with_free_func (g_free);

  for (;;)
    {
      char *path = g_strdup_printf ("%s/filler-%u", dir, made->len);
      int fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

      if (fd < 0)
        {
          g_assert_cmpint (errno, ==, ENOSPC);
          g_free (path);
          break;
        }
      close (fd);
      g_ptr_array_add (made, path);
    }
  g_test_message ("%u inodes taken", made->len);
  return made;
}

static void
pause_resume (RdTestRoom *r)
{
  g_assert_cmpint (
      rd_test_ctl (r->t, NULL, NULL, "recording", "pause", r->session_id, "--reason", "test", NULL),
      ==, 0);
  g_assert_cmpint (rd_test_ctl (r->t, NULL, NULL, "recording", "resume", r->session_id, "--reason",
                                "test", NULL),
                   ==, 0);
}

typedef struct
{
  RdTestRoom *r;
  const char *track; /* listed as failing; NULL: none listed and the mark plain */
} FailingWait;

static gboolean
failing_shown (gpointer data)
{
  FailingWait *w = data;
  g_autoptr (JsonNode) hold = NULL;
  JsonObject *rec = rd_test_rec_status (w->r, &hold);
  JsonArray *failing = json_object_has_member (rec, "failing_tracks")
                           ? json_object_get_array_member (rec, "failing_tracks")
                           : NULL;
  const char *mark = json_object_get_string_member (rec, "display_mark");

  if (!failing)
    return FALSE;
  if (!w->track)
    return json_array_get_length (failing) == 0 && g_str_has_prefix (mark, "\u25CF REC ") &&
           !strchr (mark, '\n');
  for (guint i = 0; i < json_array_get_length (failing); i++)
    if (g_str_equal (
            json_object_get_string_member (json_array_get_object_element (failing, i), "track"),
            w->track))
      return strstr (mark, "\n\u26A0 NOT RECORDING: ") != NULL;
  return FALSE;
}

static void
test_track_lost (void)
{
  g_autoptr (RdTestRoom) r = NULL;
  g_autoptr (JsonNode) inv = NULL, hold = NULL;
  g_autoptr (RdTestPeer) p = NULL;
  g_autoptr (RdTestWhipReply) c = NULL;
  g_autoptr (GPtrArray) fillers = NULL;
  g_autofree char *status_text = NULL;
  JsonObject *rec, *first;
  JsonArray *failing;
  RdTestRecElapsed w;
  RdTestRecStderrWait sw;
  FailingWait fw;

  if (rd_test_skip_if (skip_reason))
    return;
  r = rd_test_rec_room_up ("[storage]\nstop-free-mb=1\nmin-free-mb=2\nwarn-free-mb=2\n",
                           mount_few_inodes);
  inv = rd_test_room_invite (r, "citizen");
  c = rd_test_room_call_in (r, inv, FALSE, &p);
  rd_test_room_wait_parties (r, 1, "connected", 20000, TIMEOUT_MS);
  w = (RdTestRecElapsed){ r, 1, 4 };
  g_assert_true (rd_test_wait_until (rd_test_rec_recorded_for, &w, TIMEOUT_MS));

  /* no file can be made: the tracks' next segments fail (made at once by a pause and resume),
   * while the disk has room (the recording as a whole goes on) */
  fillers = take_inodes (tmpfs_dir);
  pause_resume (r);
  sw = (RdTestRecStderrWait){ r, "recording of room-audio: cannot create" };
  g_assert_true (rd_test_wait_until (rd_test_rec_stderr_has, &sw, TIMEOUT_MS));
  /* the mark and status say so at once */
  fw = (FailingWait){ r, "room-audio" };
  g_assert_true (rd_test_wait_until (failing_shown, &fw, 2000));
  rec = rd_test_rec_status (r, &hold);
  g_assert_cmpstr (json_object_get_string_member (rec, "state"), ==, "recording");
  g_test_message ("display: %s", json_object_get_string_member (rec, "display_mark"));
  failing = json_object_get_array_member (rec, "failing_tracks");
  first = json_array_get_object_element (failing, 0);
  g_assert_nonnull (strstr (json_object_get_string_member (first, "error"),
                            g_strerror (ENOSPC))); /* "No space left on device" */
  g_assert_true (g_str_has_suffix (json_object_get_string_member (first, "since"), "Z"));
  g_assert_cmpint (json_object_get_int_member (first, "since_s"), >=, 1);
  g_clear_pointer (&hold, json_node_unref);
  status_text = rd_test_daemon_stderr (r->t); /* logged once, by the daemon */
  {
    g_auto (GStrv) parts = g_strsplit (status_text, "recording of room-audio: cannot create", -1);
    g_assert_cmpuint (g_strv_length (parts), ==, 2);
  }

  /* files can be made again: the tracks record at their next segment (after a resume) */
  for (guint i = 0; i < fillers->len; i++)
    g_assert_cmpint (unlink (fillers->pdata[i]), ==, 0);
  pause_resume (r);
  fw = (FailingWait){ r, NULL };
  g_assert_true (rd_test_wait_until (failing_shown, &fw, TIMEOUT_MS));
  sw = (RdTestRecStderrWait){ r, "recording of room-audio records again" };
  g_assert_true (rd_test_wait_until (rd_test_rec_stderr_has, &sw, TIMEOUT_MS));

  g_assert_cmpint (rd_test_ctl (r->t, NULL, NULL, "session", "end", r->session_id, NULL), ==, 0);

  /* the span it missed is on the record, with its cause, and the coverage explains every gap */
  {
    g_autoptr (JsonNode) shown = rd_test_ctl_json (r->t, "session", "show", r->session_id, NULL);
    JsonArray *events = json_object_get_array_member (json_node_get_object (shown), "events");
    JsonObject *coverage = json_object_get_object_member (json_node_get_object (shown), "coverage");
    JsonObject *gap = NULL;

    for (guint i = 0; i < json_array_get_length (events); i++)
      {
        JsonObject *e = json_array_get_object_element (events, i);
        JsonObject *d = json_object_get_object_member (e, "detail");
        if (g_str_equal (json_object_get_string_member (e, "kind"), "recording-gap") &&
            g_strcmp0 (json_object_get_string_member_with_default (d, "track", ""), "room-audio") ==
                0)
          gap = d;
      }
    g_assert_nonnull (gap);
    g_test_message ("room-audio gap %.3f-%.3f s: %s", json_object_get_double_member (gap, "from_s"),
                    json_object_get_double_member (gap, "to_s"),
                    json_object_get_string_member (gap, "reason"));
    g_assert_cmpfloat (json_object_get_double_member (gap, "from_s"), <,
                       json_object_get_double_member (gap, "to_s"));
    g_assert_nonnull (strstr (json_object_get_string_member (gap, "reason"), g_strerror (ENOSPC)));
    rd_test_rec_print_coverage (coverage);
    g_assert_cmpfloat (json_object_get_double_member (coverage, "unexplained_s"), ==, 0);
  }
  g_clear_pointer (&p, rd_test_peer_free);
  rd_test_daemon_signal (r->t, SIGTERM);
  g_assert_cmpint (rd_test_daemon_wait_exit (r->t, TIMEOUT_MS), ==, 0);
  g_assert_cmpint (umount2 (tmpfs_dir, MNT_DETACH), ==, 0);
  g_clear_pointer (&tmpfs_dir, g_free);
}

/* --- a party gone on the first packets of a keyframe --- */

typedef struct
{
  gint cut;      /* atomic: the peer's video stops here (1) */
  guint packets; /* of the keyframe, let through */
} Cut;

/* TRUE when the RTP packet starts a VP8 keyframe (RFC 7741: S=1, partition 0, P=0). */
static gboolean
starts_vp8_keyframe (const guint8 *b, gsize n)
{
  gsize off = 12 + 4 * (b[0] & 0x0f);
  guint8 d;

  if (n < 12 || (b[1] & 0x7f) != 96)
    return FALSE;
  if (b[0] & 0x10) /* header extension */
    {
      if (n < off + 4)
        return FALSE;
      off += 4 + 4 * ((b[off + 2] << 8) | b[off + 3]);
    }
  if (n < off + 1)
    return FALSE;
  d = b[off];
  if (!(d & 0x10) || (d & 0x07) != 0) /* S, PID 0 */
    return FALSE;
  off++;
  if (d & 0x80) /* X */
    {
      guint8 x = b[off++];
      if (x & 0x80) /* I */
        off += (b[off] & 0x80) ? 2 : 1;
      if (x & 0x40) /* L */
        off++;
      if (x & 0x30) /* T or K */
        off++;
    }
  return n > off && (b[off] & 0x01) == 0;
}

static GstPadProbeReturn
cut_in_keyframe (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  Cut *cut = data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  GstMapInfo map;

  if (g_atomic_int_get (&cut->cut))
    return GST_PAD_PROBE_DROP;
  if (cut->packets > 0)
    {
      /* inside the keyframe: a few of its packets go out, then nothing */
      if (++cut->packets > 3)
        {
          g_atomic_int_set (&cut->cut, 1);
          return GST_PAD_PROBE_DROP;
        }
      return GST_PAD_PROBE_OK;
    }
  if (gst_buffer_map (buffer, &map, GST_MAP_READ))
    {
      if (starts_vp8_keyframe (map.data, map.size))
        cut->packets = 1;
      gst_buffer_unmap (buffer, &map);
    }
  return GST_PAD_PROBE_OK;
}

static gboolean
is_cut (gpointer data)
{
  return g_atomic_int_get (&((Cut *)data)->cut);
}

typedef struct
{
  RdTestRoom *r;
  const char *track;
} TrackOpened;

/* TRUE once the session's record lists a segment of the track (its file exists): status counts
 * a track from when its writer waits for its first keyframe, before any file. */
static gboolean
track_opened (gpointer data)
{
  TrackOpened *t = data;
  g_autoptr (JsonNode) shown =
      rd_test_ctl_json (t->r->t, "session", "show", t->r->session_id, NULL);
  g_autofree char *text = json_to_string (shown, FALSE);

  return strstr (text, t->track) != NULL;
}

static void
test_leave_mid_keyframe (void)
{
  g_autoptr (RdTestRoom) r = NULL;
  g_autoptr (JsonNode) inv = NULL;
  g_autoptr (RdTestWhipReply) c = NULL, deleted = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) segs = NULL;
  g_autofree char *offer = NULL, *id = NULL, *pv = NULL, *resource = NULL;
  g_autofree char *out = NULL, *err = NULL;
  RdTestPeer *p;
  Cut cut = { 0, 0 };
  RdTestRecElapsed w;

  if (rd_test_skip_if (skip_reason))
    return;
  r = rd_test_rec_room_up (NULL, NULL);
  inv = rd_test_room_invite (r, "citizen");
  /* big keyframes: noise at 640x480, many packets each */
  p = rd_test_peer_new_with_sources (
      RD_TEST_PEER_SENDONLY, "VP8",
      "videotestsrc is-live=true pattern=snow ! video/x-raw,width=640,height=480,framerate=30/1",
      "audiotestsrc is-live=true freq=660", &error);
  g_assert_no_error (error);
  offer = rd_test_peer_create_offer (p, &error);
  g_assert_no_error (error);
  c = rd_test_whip_request_patiently (r->cert, "POST", rd_test_member (inv, "whip_url"),
                                      rd_test_member (inv, "token"), "application/sdp", offer,
                                      NULL);
  g_assert_cmpuint (c->status, ==, 201);
  g_assert_true (rd_test_peer_set_answer (p, c->body, &error));
  id = rd_test_rec_party_id (c);
  rd_test_room_wait_parties (r, 1, "connected", 20000, TIMEOUT_MS);
  w = (RdTestRecElapsed){ r, 3, 4 };
  g_assert_true (rd_test_wait_until (rd_test_rec_recorded_for, &w, TIMEOUT_MS));
  pv = g_strdup_printf ("party-%s-video", id);
  {
    TrackOpened opened = { r, pv };
    g_assert_true (rd_test_wait_until (track_opened, &opened, TIMEOUT_MS));
  }
  {
    g_autoptr (GstElement) webrtc = rd_test_peer_get_element (p, "webrtc");
    g_autoptr (GstPad) sink = gst_element_get_static_pad (webrtc, "sink_0");
    g_assert_nonnull (sink);
    gst_pad_add_probe (sink, GST_PAD_PROBE_TYPE_BUFFER, cut_in_keyframe, &cut, NULL);
  }
  g_assert_true (rd_test_wait_until (is_cut, &cut, TIMEOUT_MS)); /* the next keyframe (1 s) */
  /* the party is gone: its pipeline stops at once, and it hangs up */
  rd_test_peer_free (p);
  resource = rd_test_resource_url (rd_test_member (inv, "whip_url"), c->location);
  deleted = rd_test_whip_request (r->cert, "DELETE", resource, rd_test_member (inv, "token"), NULL,
                                  NULL, NULL);
  g_assert_cmpuint (deleted->status, ==, 200);
  rd_test_room_wait_parties (r, 0, NULL, 0, TIMEOUT_MS);
  g_assert_cmpint (rd_test_ctl (r->t, NULL, NULL, "session", "end", r->session_id, NULL), ==, 0);

  segs = rd_test_rec_check_files (r, r->session_id, pv,
                                  FALSE); /* every frame decodes, the header is whole */
  g_assert_cmpuint (segs->len, >, 0);
  for (guint i = 0; i < segs->len; i++)
    {
      g_assert_cmpstr (((RdTestRecSeg *)segs->pdata[i])->state, ==, "sealed");
      g_assert_cmpfloat (((RdTestRecSeg *)segs->pdata[i])->end_s, >,
                         ((RdTestRecSeg *)segs->pdata[i])->start_s);
    }
  g_assert_cmpint (rd_test_ctl (r->t, &out, &err, "recording", "verify", r->session_id, NULL), ==,
                   0);
}

int
main (int argc, char **argv)
{
  rd_test_enter_netns (&skip_reason); /* FALSE with the reason set when it cannot */
  if (!skip_reason)
    rd_test_enter_mountns (&skip_reason);
  g_test_init (&argc, &argv, NULL);
  rd_test_tolerate_third_party_race ();
  gst_init (&argc, &argv);
  if (!skip_reason && !rd_test_probe_available ())
    skip_reason = g_strdup ("ffprobe is not installed (package ffmpeg): recordings cannot be "
                            "checked");
  g_test_add_func ("/recording-faults/disk-full", test_disk_full);
  g_test_add_func ("/recording-faults/read-only", test_read_only);
  g_test_add_func ("/recording-faults/track-lost", test_track_lost);
  g_test_add_func ("/recording-faults/leave-mid-keyframe", test_leave_mid_keyframe);
  return g_test_run ();
}
