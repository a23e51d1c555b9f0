/* test-recording-faults.c: the recording under real faults, end to end: the real daemon, a real
 * party calling in over WHIP, in network and mount namespaces of the test's own (the daemon it
 * spawns inherits them). Files are checked with ffprobe and ffmpeg (tools nobody here wrote),
 * the ledger with receptionctl (session show, recording verify, ledger verify).
 *   disk-full:    the recordings' file system (a tmpfs) filled up mid-call by another writer;
 *   read-only:    the session's directory bind-mounted read-only mid-call;
 *   sigkill:      SIGKILL at random moments (seed printed; RD_TEST_SEED to replay), restart;
 *   leave-mid-keyframe: a party gone on the first packets of a keyframe;
 *   orphan-files: files a crash left with no ledger row, found at the next start. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <gst/gst.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "tests/rd-test-netns.h"
#include "tests/rd-test-probe.h"
#include "tests/rd-test-room.h"

#define TIMEOUT_MS RD_TEST_ROOM_TIMEOUT_MS
#define KILLS      5

static char *skip_reason;

static gboolean
skipped (void)
{
  if (skip_reason)
    g_test_skip (skip_reason);
  return skip_reason != NULL;
}

static JsonObject *
obj (JsonNode *n)
{
  return json_node_get_object (n);
}

/* A mount namespace of the test's own, private: nothing mounted here is seen outside. */
static gboolean
enter_mountns (char **why)
{
  if (unshare (CLONE_NEWNS) != 0 || mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
    {
      *why = g_strdup_printf ("cannot make a private mount namespace: %s; run as root",
                              g_strerror (errno));
      return FALSE;
    }
  return TRUE;
}

/* The daemon (with @extra config) and a live session; @before_start (may be NULL) runs on the
 * state dir before the daemon does. */
static RdTestRoom *
room_up (const char *extra, void (*before_start) (const char *state_dir))
{
  RdTestRoom *r = g_new0 (RdTestRoom, 1);
  g_autofree char *config =
      g_strdup_printf ("[network]\nice-addresses=127.0.0.1\n%s", extra ? extra : "");
  g_autofree char *out = NULL;

  r->t = rd_test_daemon_new (config);
  if (before_start)
    before_start (r->t->state_dir);
  rd_test_daemon_start (r->t);
  r->cert = g_build_filename (r->t->state_dir, "tls", "certificate.pem", NULL);
  g_assert_cmpint (rd_test_ctl (r->t, &out, NULL, "session", "start", "--title", "faults", NULL),
                   ==, 0);
  r->session_id = g_strstrip (g_strdup (out));
  return r;
}

static char *
party_id (RdTestWhipReply *created)
{
  return g_path_get_basename (created->location);
}

static gboolean
has_event (JsonNode *shown, const char *kind, const char **detail_out)
{
  JsonArray *events = json_object_get_array_member (obj (shown), "events");

  for (guint i = 0; i < json_array_get_length (events); i++)
    {
      JsonObject *e = json_array_get_object_element (events, i);
      if (g_str_equal (json_object_get_string_member (e, "kind"), kind))
        {
          if (detail_out)
            {
              JsonNode *d = json_object_get_member (e, "detail");
              static char *last;
              g_free (last);
              last = d ? json_to_string (d, FALSE) : g_strdup ("");
              *detail_out = last;
            }
          return TRUE;
        }
    }
  return FALSE;
}

typedef struct
{
  RdTestRoom *r;
  const char *kind;
} EventWait;

static gboolean
event_seen (gpointer data)
{
  EventWait *w = data;
  g_autoptr (JsonNode) shown =
      rd_test_ctl_json (w->r->t, "session", "show", w->r->session_id, NULL);
  return has_event (shown, w->kind, NULL);
}

/* The number of the session's ledger rows in @state (any state when NULL). */
static guint
rows_in (RdTestRoom *r, const char *session, const char *state)
{
  g_autoptr (JsonNode) shown = rd_test_ctl_json (r->t, "session", "show", session, NULL);
  JsonArray *rows = json_object_get_array_member (obj (shown), "recordings");
  guint n = 0;

  for (guint i = 0; i < json_array_get_length (rows); i++)
    n += !state || g_str_equal (json_object_get_string_member (
                                    json_array_get_object_element (rows, i), "state"),
                                state);
  return n;
}

typedef struct
{
  RdTestRoom *r;
  const char *session;
} Rows;

static gboolean
none_recording (gpointer data)
{
  Rows *w = data;
  return rows_in (w->r, w->session, "recording") == 0;
}

/* ffmpeg decodes every frame of @path, stopping at the first error (-xerror): what a player
 * would show. FALSE with ffmpeg's words in *@why. */
static gboolean
decodes_cleanly (const char *path, char **why)
{
  const char *argv[] = { "ffmpeg", "-nostdin", "-v",   "error", "-xerror", "-i",
                         path,     "-f",       "null", "-",     NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) proc = g_subprocess_newv (
      argv, G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_autofree char *err = NULL;

  if (!proc || !g_subprocess_communicate_utf8 (proc, NULL, NULL, NULL, &err, &error))
    {
      *why = g_strdup (error->message);
      return FALSE;
    }
  if (g_subprocess_get_if_exited (proc) && g_subprocess_get_exit_status (proc) == 0)
    return TRUE;
  *why = g_strdup_printf ("ffmpeg: %s", err);
  return FALSE;
}

typedef struct
{
  char *path, *state;
  double start_s, end_s;
  gint64 frames;
  gint64 size;
  gboolean video;
  char *incomplete; /* the row's tracks say the segment was cut short, and why */
} Seg;

static void
seg_free (gpointer data)
{
  Seg *s = data;
  g_free (s->path);
  g_free (s->state);
  g_free (s->incomplete);
  g_free (s);
}

/* Every row of @session whose track is @track (NULL: all): its file exists, ffprobe reads it
 * (frames > 0, a track) and ffmpeg decodes it without an error, unless @allow_empty_last and it
 * is the last of its track with no media in it. Returns them, probed. */
static GPtrArray *
check_files (RdTestRoom *r, const char *session, const char *track)
{
  g_autoptr (JsonNode) shown = rd_test_ctl_json (r->t, "session", "show", session, NULL);
  JsonArray *rows = json_object_get_array_member (obj (shown), "recordings");
  GPtrArray *out = g_ptr_array_new_with_free_func (seg_free);
  g_autofree char *suffix = track ? g_strdup_printf ("-%s.mkv", track) : NULL;

  for (guint i = 0; i < json_array_get_length (rows); i++)
    {
      JsonObject *row = json_array_get_object_element (rows, i);
      const char *path = json_object_get_string_member (row, "path");
      g_autoptr (GError) error = NULL;
      g_autoptr (RdTestProbe) probe = NULL;
      g_autofree char *why = NULL;
      Seg *s;
      GStatBuf st;

      if (suffix && !g_str_has_suffix (path, suffix))
        continue;
      s = g_new0 (Seg, 1);
      s->path = g_build_filename (r->t->state_dir, path, NULL);
      s->state = g_strdup (json_object_get_string_member (row, "state"));
      if (json_object_has_member (row, "tracks") &&
          JSON_NODE_HOLDS_ARRAY (json_object_get_member (row, "tracks")))
        {
          JsonArray *tracks = json_object_get_array_member (row, "tracks");
          if (json_array_get_length (tracks) > 0)
            s->incomplete = g_strdup (json_object_get_string_member_with_default (
                json_array_get_object_element (tracks, 0), "incomplete", NULL));
        }
      g_assert_cmpint (g_stat (s->path, &st), ==, 0);
      s->size = st.st_size;
      probe = rd_test_probe_file (s->path, &error);
      if (!probe)
        g_error ("%s (%s, %" G_GINT64_FORMAT " bytes) does not play: %s", path, s->state, s->size,
                 error->message);
      g_assert_cmpuint (probe->streams->len, ==, 1);
      s->frames = ((RdTestProbeStream *)probe->streams->pdata[0])->frames;
      s->video = g_strcmp0 (((RdTestProbeStream *)probe->streams->pdata[0])->type, "video") == 0;
      s->start_s = probe->start_s;
      s->end_s = probe->start_s + MAX (probe->duration_s, 0);
      g_test_message ("%s: %s, %" G_GINT64_FORMAT " bytes, %.3f-%.3f s, %" G_GINT64_FORMAT
                      " frames",
                      path, s->state, s->size, s->start_s, s->end_s, s->frames);
      g_assert_cmpint (s->frames, >, 0);
      if (!decodes_cleanly (s->path, &why))
        g_error ("%s (%s) does not decode cleanly: %s", path, s->state, why);
      g_ptr_array_add (out, s);
    }
  return out;
}

static gboolean
peer_has_media (gpointer data)
{
  return rd_test_peer_get_audio_buffers (data) >= 20;
}

typedef struct
{
  RdTestRoom *r;
  gint64 elapsed_s, tracks;
} Elapsed;

static gboolean
recorded_for (gpointer data)
{
  Elapsed *w = data;
  g_autoptr (JsonNode) status = rd_test_ctl_json (w->r->t, "status", NULL);
  JsonObject *rec = json_object_get_object_member (obj (status), "recording");

  return json_object_get_int_member_with_default (rec, "elapsed_s", 0) >= w->elapsed_s &&
         json_object_get_int_member_with_default (rec, "tracks", 0) == w->tracks;
}

static JsonObject *
recording_status (RdTestRoom *r, JsonNode **hold)
{
  *hold = rd_test_ctl_json (r->t, "status", NULL);
  return json_object_get_object_member (obj (*hold), "recording");
}

typedef struct
{
  RdTestPeer *peer;
  guint64 at_least;
} MoreAudio;

static gboolean
more_audio (gpointer data)
{
  MoreAudio *m = data;
  return rd_test_peer_get_audio_buffers (m->peer) >= m->at_least;
}

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
  Elapsed w;
  EventWait ew;
  Rows rw;
  guint cut_short = 0;

  if (skipped ())
    return;
  r = room_up ("[storage]\nstop-free-mb=1\nmin-free-mb=2\nwarn-free-mb=2\n", mount_small_tmpfs);
  inv = rd_test_room_invite (r, "citizen");
  c = rd_test_room_call_in (r, inv, FALSE, &p);
  rd_test_room_wait_parties (r, 1, "connected", 20000, TIMEOUT_MS);
  w = (Elapsed){ r, 0, 4 }; /* every track written, then 3 s more of each */
  g_assert_true (rd_test_wait_until (recorded_for, &w, TIMEOUT_MS));
  w.elapsed_s = json_object_get_int_member (recording_status (r, &hold), "elapsed_s") + 3;
  g_clear_pointer (&hold, json_node_unref);
  g_assert_true (rd_test_wait_until (recorded_for, &w, TIMEOUT_MS));

  fill_up (tmpfs_dir);
  ew = (EventWait){ r, "recording-stopped-disk" };
  g_assert_true (rd_test_wait_until (event_seen, &ew, TIMEOUT_MS));
  rw = (Rows){ r, r->session_id };
  g_assert_true (rd_test_wait_until (none_recording, &rw, TIMEOUT_MS));

  /* the daemon lives, says so on the display, and the call goes on */
  rec = recording_status (r, &hold);
  g_assert_cmpstr (json_object_get_string_member (rec, "state"), ==, "stopped");
  g_assert_true (
      g_str_has_prefix (json_object_get_string_member (rec, "display_mark"), "REC STOPPED: "));
  g_test_message ("display: %s", json_object_get_string_member (rec, "display_mark"));
  rd_test_room_wait_parties (r, 1, "connected", 0, TIMEOUT_MS);
  {
    /* the party still hears the room */
    MoreAudio more = { p, rd_test_peer_get_audio_buffers (p) + 50 };
    g_assert_true (rd_test_wait_until (more_audio, &more, TIMEOUT_MS));
  }

  shown = rd_test_ctl_json (r->t, "session", "show", r->session_id, NULL);
  g_assert_true (has_event (shown, "recording-stopped-disk", &detail));
  g_test_message ("recording-stopped-disk: %s", detail);
  g_assert_true (has_event (shown, "recording-error", &detail));
  g_test_message ("recording-error: %s", detail);
  /* everything written before is kept and plays: every row sealed, each file read back */
  g_assert_cmpuint (rows_in (r, r->session_id, NULL), >=, 4);
  g_assert_cmpuint (rows_in (r, r->session_id, "sealed"), ==, rows_in (r, r->session_id, NULL));
  segs = check_files (r, r->session_id, NULL);
  /* 3 s of every track were recorded: at least 2 s of it in each file (a segment cut short has no
   * duration in its header: its frames are counted; 20 ms audio frames, the room's video is >= 10
   * fps) */
  for (guint i = 0; i < segs->len; i++)
    {
      Seg *seg = segs->pdata[i];
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
  Elapsed w;
  EventWait ew;
  Rows rw;
  guint rows_before;
  g_autoptr (GHashTable) sizes = NULL;

  if (skipped ())
    return;
  r = room_up ("[recording]\nsegment-seconds=10\n", NULL);
  inv = rd_test_room_invite (r, "citizen");
  c = rd_test_room_call_in (r, inv, FALSE, &p);
  rd_test_room_wait_parties (r, 1, "connected", 20000, TIMEOUT_MS);
  w = (Elapsed){ r, 2, 4 };
  g_assert_true (rd_test_wait_until (recorded_for, &w, TIMEOUT_MS));
  rows_before = rows_in (r, r->session_id, NULL);
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
  ew = (EventWait){ r, "recording-error" };
  g_assert_true (rd_test_wait_until (event_seen, &ew, 30000));
  ew = (EventWait){ r, "recording-stopped-disk" };
  g_assert_true (rd_test_wait_until (event_seen, &ew, TIMEOUT_MS));
  rw = (Rows){ r, r->session_id };
  g_assert_true (rd_test_wait_until (none_recording, &rw, TIMEOUT_MS));
  rec = recording_status (r, &hold);
  g_assert_cmpstr (json_object_get_string_member (rec, "state"), ==, "stopped");
  g_test_message ("display: %s", json_object_get_string_member (rec, "display_mark"));
  rd_test_room_wait_parties (r, 1, "connected", 0, TIMEOUT_MS); /* the call goes on */

  shown = rd_test_ctl_json (r->t, "session", "show", r->session_id, NULL);
  g_assert_true (has_event (shown, "recording-error", &detail));
  g_test_message ("recording-error: %s", detail);
  g_assert_nonnull (strstr (detail, "Read-only file system"));
  /* nothing already written lost: the first segments all sealed, read back, re-hashed */
  g_assert_cmpuint (rows_in (r, r->session_id, NULL), ==, rows_before);
  g_assert_cmpuint (rows_in (r, r->session_id, "sealed"), ==, rows_before);
  segs = check_files (r, r->session_id, NULL);
  for (guint i = 0; i < segs->len; i++)
    {
      Seg *seg = segs->pdata[i];
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

/* --- SIGKILL at random moments --- */

static gboolean
deadline_passed (gpointer data)
{
  return g_get_monotonic_time () >= *(gint64 *)data;
}

typedef struct
{
  RdTestRoom *r;
  guint sealed;
} Sealed;

static gboolean
sealed_more (gpointer data)
{
  Sealed *w = data;
  g_autoptr (JsonNode) hold = NULL;
  JsonObject *rec = recording_status (w->r, &hold);
  return json_object_get_int_member_with_default (rec, "segments_sealed", 0) > w->sealed;
}

typedef struct
{
  RdTestRoom *r;
  gint64 elapsed_s; /* status said this; done when it says more */
} Tick;

static gboolean
ticked (gpointer data)
{
  Tick *t = data;
  g_autoptr (JsonNode) hold = NULL;
  return json_object_get_int_member (recording_status (t->r, &hold), "elapsed_s") > t->elapsed_s;
}

static void
test_sigkill_random (void)
{
  g_autoptr (RdTestRoom) r = NULL;
  g_autoptr (GRand) rand = NULL;
  g_autoptr (GPtrArray) sessions = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *out = NULL, *err = NULL;
  guint32 seed;

  if (skipped ())
    return;
  seed = g_getenv ("RD_TEST_SEED") ? (guint32)g_ascii_strtoull (g_getenv ("RD_TEST_SEED"), NULL, 10)
                                   : (guint32)g_get_real_time ();
  g_test_message ("seed %u (RD_TEST_SEED=%u replays these kill times)", seed, seed);
  rand = g_rand_new_with_seed (seed);
  r = room_up ("[recording]\nsegment-seconds=10\n", NULL);

  for (int k = 0; k < KILLS; k++)
    {
      g_autoptr (JsonNode) inv = NULL, hold = NULL, shown = NULL;
      g_autoptr (RdTestPeer) p = NULL;
      g_autoptr (RdTestWhipReply) c = NULL;
      g_autofree char *id = NULL;
      gint64 at;
      double recorded; /* s, when killed (at most the status call's latency early) */
      const char *tracks[3];
      g_autofree char *pv = NULL, *pa = NULL;

      if (k > 0)
        {
          g_autofree char *started = NULL;
          g_assert_cmpint (
              rd_test_ctl (r->t, &started, NULL, "session", "start", "--title", "again", NULL), ==,
              0);
          g_free (r->session_id);
          r->session_id = g_strstrip (g_strdup (started));
        }
      g_ptr_array_add (sessions, g_strdup (r->session_id));
      inv = rd_test_room_invite (r, "citizen");
      c = rd_test_room_call_in (r, inv, FALSE, &p);
      id = party_id (c);
      rd_test_room_wait_parties (r, 1, "connected", 20000, TIMEOUT_MS);
      g_assert_true (rd_test_wait_until (peer_has_media, p, TIMEOUT_MS));
      if (k == KILLS - 1)
        {
          /* right at a segment switch: as the first segment is sealed */
          Sealed sw = { r, 0 };
          g_assert_true (rd_test_wait_until (sealed_more, &sw, 30000));
          g_test_message ("kill %d: at a segment switch", k + 1);
        }
      else
        {
          gint64 ms = g_rand_int_range (rand, 1000, 14000); /* across the switch at 10 s */
          at = g_get_monotonic_time () + ms * 1000;
          g_test_message ("kill %d: %" G_GINT64_FORMAT " ms into the call", k + 1, ms);
          g_assert_true (rd_test_wait_until (deadline_passed, &at, 20000));
        }
      {
        /* the recorded time, to the tick: status says whole seconds; the moment it says one
         * more, a random part of a second is waited, then the kill */
        Tick tick = { r, json_object_get_int_member (recording_status (r, &hold), "elapsed_s") };
        gint64 frac_ms = g_rand_int_range (rand, 0, 1000);

        g_assert_true (rd_test_wait_until (ticked, &tick, 5000));
        at = g_get_monotonic_time () + frac_ms * 1000;
        g_assert_true (rd_test_wait_until (deadline_passed, &at, 5000));
        recorded = tick.elapsed_s + 1 + frac_ms / 1000.0;
      }
      rd_test_daemon_signal (r->t, SIGKILL);
      g_assert_cmpint (rd_test_daemon_wait_exit (r->t, TIMEOUT_MS), ==, 128 + SIGKILL);
      g_clear_pointer (&p, rd_test_peer_free);
      rd_test_daemon_start (r->t); /* recovery runs before READY */

      shown = rd_test_ctl_json (r->t, "session", "show", r->session_id, NULL);
      g_assert_cmpstr (rd_test_member (shown, "state"), ==, "interrupted");
      g_assert_cmpuint (rows_in (r, r->session_id, "recording"), ==, 0);
      g_assert_cmpuint (rows_in (r, r->session_id, "unrecoverable"), ==, 0);
      g_assert_true (has_event (shown, "recording-gap", NULL));
      /* At most about a second lost: what status said was recorded is in the files. Checked on
       * the audio tracks (a frame every 20 ms whatever the load); the videos must play and
       * their ends are printed: on 2 cores shared with the test party (and, here, with other
       * test runs) the room's encoder can produce a frame every second or less, and what it
       * never encoded cannot be in any file. The writer is the same code for both. */
      pv = g_strdup_printf ("party-%s-video", id);
      pa = g_strdup_printf ("party-%s-audio", id);
      tracks[0] = "room-audio";
      tracks[1] = pa;
      tracks[2] = NULL;
      for (int t = 0; t < 2; t++)
        {
          g_autoptr (GPtrArray) segs = check_files (r, r->session_id, t ? pv : "room-video");
          double end = 0;

          for (guint i = 0; i < segs->len; i++)
            end = MAX (end, ((Seg *)segs->pdata[i])->end_s);
          g_test_message ("kill %d: %s ends at %.3f s; killed at %.3f s", k + 1,
                          t ? pv : "room-video", end, recorded);
        }
      for (int t = 0; tracks[t]; t++)
        {
          g_autoptr (GPtrArray) segs = check_files (r, r->session_id, tracks[t]);
          double end = 0;

          g_assert_cmpuint (segs->len, >, 0);
          for (guint i = 0; i < segs->len; i++)
            end = MAX (end, ((Seg *)segs->pdata[i])->end_s);
          g_test_message ("kill %d: %s ends at %.3f s; killed at %.3f s: %.3f s lost", k + 1,
                          tracks[t], end, recorded, recorded - end);
          g_assert_cmpfloat (end, >=, recorded - 1.0);
        }
      g_assert_cmpint (rd_test_ctl (r->t, &out, &err, "recording", "verify", r->session_id, NULL),
                       ==, 0);
      g_clear_pointer (&out, g_free);
      g_clear_pointer (&err, g_free);
    }
  /* every session's rows repaired or sealed, none left open, and the chain intact */
  for (guint i = 0; i < sessions->len; i++)
    g_assert_cmpuint (rows_in (r, sessions->pdata[i], "recording"), ==, 0);
  g_assert_cmpint (rd_test_ctl (r->t, &out, &err, "ledger", "verify", NULL), ==, 0);
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
  Elapsed w;

  if (skipped ())
    return;
  r = room_up (NULL, NULL);
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
  id = party_id (c);
  rd_test_room_wait_parties (r, 1, "connected", 20000, TIMEOUT_MS);
  w = (Elapsed){ r, 3, 4 };
  g_assert_true (rd_test_wait_until (recorded_for, &w, TIMEOUT_MS));
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

  pv = g_strdup_printf ("party-%s-video", id);
  segs = check_files (r, r->session_id, pv); /* every frame decodes, the header is whole */
  g_assert_cmpuint (segs->len, >, 0);
  for (guint i = 0; i < segs->len; i++)
    {
      g_assert_cmpstr (((Seg *)segs->pdata[i])->state, ==, "sealed");
      g_assert_cmpfloat (((Seg *)segs->pdata[i])->end_s, >, ((Seg *)segs->pdata[i])->start_s);
    }
  g_assert_cmpint (rd_test_ctl (r->t, &out, &err, "recording", "verify", r->session_id, NULL), ==,
                   0);
}

/* --- files a crash left without a ledger row --- */

static const char *
row_state (JsonNode *shown, const char *path_suffix)
{
  JsonArray *rows = json_object_get_array_member (obj (shown), "recordings");

  for (guint i = 0; i < json_array_get_length (rows); i++)
    {
      JsonObject *row = json_array_get_object_element (rows, i);
      if (g_str_has_suffix (json_object_get_string_member (row, "path"), path_suffix))
        return json_object_get_string_member (row, "state");
    }
  return NULL;
}

static guint
count_events (JsonNode *shown, const char *kind)
{
  JsonArray *events = json_object_get_array_member (obj (shown), "events");
  guint n = 0;

  for (guint i = 0; i < json_array_get_length (events); i++)
    n += g_str_equal (
        json_object_get_string_member (json_array_get_object_element (events, i), "kind"), kind);
  return n;
}

static void
test_orphan_files (void)
{
  g_autoptr (RdTestRoom) r = NULL;
  g_autoptr (JsonNode) shown = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (RdTestProbe) probe = NULL;
  g_autofree char *dir = NULL, *crashed = NULL, *a = NULL, *b = NULL, *c = NULL, *out = NULL;
  g_autofree char *other_dir = NULL, *d = NULL, *a_name = NULL, *b_name = NULL, *bytes = NULL;
  g_autoptr (GDir) listing = NULL;
  const char *name;
  gsize len = 0;
  Elapsed w;

  if (skipped ())
    return;
  r = room_up (NULL, NULL);
  w = (Elapsed){ r, 3, 2 };
  g_assert_true (rd_test_wait_until (recorded_for, &w, TIMEOUT_MS));
  rd_test_daemon_signal (r->t, SIGKILL);
  g_assert_cmpint (rd_test_daemon_wait_exit (r->t, TIMEOUT_MS), ==, 128 + SIGKILL);

  /* what a crash between a file being made and its row being written leaves: a file the
   * ledger does not know, with media in it (A) or still empty (B); and files nobody here made:
   * a foreign name (C), a session the ledger never had (D) */
  dir = g_strdup_printf ("%s/recordings/%.4s/%.2s/%s", r->t->state_dir, r->session_id,
                         r->session_id + 4, r->session_id);
  listing = g_dir_open (dir, 0, &error);
  g_assert_no_error (error);
  while ((name = g_dir_read_name (listing)))
    if (g_str_has_suffix (name, "-room-audio.mkv"))
      crashed = g_build_filename (dir, name, NULL);
  g_assert_nonnull (crashed);
  g_assert_true (g_file_get_contents (crashed, &bytes, &len, NULL));
  a_name = g_strdup_printf ("%s-0090-room-audio.mkv", r->session_id);
  b_name = g_strdup_printf ("%s-0091-room-video.mkv", r->session_id);
  a = g_build_filename (dir, a_name, NULL);
  b = g_build_filename (dir, b_name, NULL);
  c = g_build_filename (dir, "notes.mkv", NULL);
  g_assert_true (g_file_set_contents (a, bytes, (gssize)len, NULL));
  g_assert_true (g_file_set_contents (b, "", 0, NULL));
  g_assert_true (g_file_set_contents (c, "not a recording", -1, NULL));
  other_dir =
      g_build_filename (r->t->state_dir, "recordings", "2026", "01", "20260101-0a0a0a", NULL);
  g_assert_cmpint (g_mkdir_with_parents (other_dir, 0750), ==, 0);
  d = g_build_filename (other_dir, "20260101-0a0a0a-0001-room-audio.mkv", NULL);
  g_assert_true (g_file_set_contents (d, bytes, (gssize)len, NULL));

  rd_test_daemon_start (r->t);
  shown = rd_test_ctl_json (r->t, "session", "show", r->session_id, NULL);
  /* registered from their names, then treated as any segment a crash left open */
  g_assert_cmpstr (row_state (shown, a_name), ==, "repaired");
  g_assert_cmpstr (row_state (shown, b_name), ==, "unrecoverable");
  g_assert_null (row_state (shown, "notes.mkv"));
  g_assert_cmpuint (count_events (shown, "recording-orphan-found"), ==, 3); /* A, B, C */
  g_assert_cmpuint (rows_in (r, r->session_id, "recording"), ==, 0);
  probe = rd_test_probe_file (a, &error); /* the repaired one plays */
  g_assert_no_error (error);
  g_assert_cmpint (((RdTestProbeStream *)probe->streams->pdata[0])->frames, >, 0);
  /* nothing deleted: the empty file, the foreign ones, A's crashed bytes beside it */
  g_assert_true (g_file_test (b, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_test (c, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_test (d, G_FILE_TEST_IS_REGULAR));
  {
    g_autofree char *a_crashed = g_strdup_printf ("%.*s.crashed.mkv", (int)strlen (a) - 4, a);
    g_assert_true (g_file_test (a_crashed, G_FILE_TEST_IS_REGULAR));
  }
  g_assert_cmpint (rd_test_ctl (r->t, &out, NULL, "ledger", "verify", NULL), ==, 0);
}

int
main (int argc, char **argv)
{
  rd_test_enter_netns (&skip_reason); /* FALSE with the reason set when it cannot */
  if (!skip_reason)
    enter_mountns (&skip_reason);
  g_test_init (&argc, &argv, NULL);
  gst_init (&argc, &argv);
  if (!skip_reason && !rd_test_probe_available ())
    skip_reason = g_strdup ("ffprobe is not installed (package ffmpeg): recordings cannot be "
                            "checked");
  g_test_add_func ("/recording-faults/disk-full", test_disk_full);
  g_test_add_func ("/recording-faults/read-only", test_read_only);
  g_test_add_func ("/recording-faults/sigkill-random", test_sigkill_random);
  g_test_add_func ("/recording-faults/leave-mid-keyframe", test_leave_mid_keyframe);
  g_test_add_func ("/recording-faults/orphan-files", test_orphan_files);
  return g_test_run ();
}
