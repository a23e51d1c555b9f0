/* test-media-record.c: RdRecorder (media/rd-media-record.h) on the room's test camera and
 * microphone and a webrtcbin test party, files checked with ffprobe. In a network namespace of
 * the test's own (the party is a WebRTC connection). */
#include "media/rd-media-record.h"
#include "tests/rd-test-netns.h"
#include "tests/rd-test-peer.h"
#include "tests/rd-test-probe.h"
#include "tests/rd-test-wait.h"

#include <glib/gstdio.h>
#include <gst/gst.h>
#include <string.h>
#include <sys/stat.h>

static const char config_text[] = "[media]\ncamera=test\nmicrophone=test\ndisplay=none\n"
                                  "speakers=none\n[network]\nice-addresses=127.0.0.1\n";

typedef struct
{
  gint64 segment;
  char *path, *sha256, *tracks;
  gint64 size, duration_ns;
} Sealed;

typedef struct
{
  RdConfig *config;
  RdRoom *room;
  char *dir;
  RdRecorder *rec;
  GPtrArray *sealed; /* Sealed* in the order announced */
  guint opened, errors;
  gint64 frames;     /* counted by ffprobe in the tracks checked */
  gint encoded;      /* atomic: frames out of the room's video encoder while recording */
  double verified_s; /* the party's verification on the session's timeline (-1: not yet) */
  gboolean finished;
} Fixture;

static void
sealed_free (gpointer data)
{
  Sealed *s = data;

  g_free (s->path);
  g_free (s->sha256);
  g_free (s->tracks);
  g_free (s);
}

static void
on_opened (RdRecorder *rec, gint64 segment, const char *path, const char *tracks, Fixture *f)
{
  g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_nonnull (strstr (path, "/S1-"));
  f->opened++;
}

static void
on_sealed (RdRecorder *rec, gint64 segment, const char *path, const char *sha256, gint64 size,
           gint64 duration_ns, const char *tracks, Fixture *f)
{
  Sealed *s = g_new0 (Sealed, 1);

  s->segment = segment;
  s->path = g_strdup (path);
  s->sha256 = g_strdup (sha256);
  s->tracks = g_strdup (tracks);
  s->size = size;
  s->duration_ns = duration_ns;
  g_ptr_array_add (f->sealed, s);
}

static void
on_error (RdRecorder *rec, GError *error, Fixture *f)
{
  g_test_message ("recorder error: %s", error->message);
  f->errors++;
}

static void
on_finished (RdRecorder *rec, Fixture *f)
{
  f->finished = TRUE;
}

/* Why recordings cannot be checked here, or NULL. */
static const char *
no_ffprobe (void)
{
  return rd_test_probe_available ()
             ? NULL
             : "ffprobe is not installed (package ffmpeg): recordings cannot be checked";
}

static void make_recorder (Fixture *f, guint segment_seconds);

static void
setup (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->config = rd_config_load_data (config_text, "test.conf", &error);
  g_assert_no_error (error);
  f->room = rd_room_new (f->config, &error);
  g_assert_no_error (error);
  g_assert_true (rd_room_start (f->room, &error));
  f->dir = g_dir_make_tmp ("rd-record-XXXXXX", &error);
  g_assert_no_error (error);
  f->sealed = g_ptr_array_new_with_free_func (sealed_free);
  make_recorder (f, 2 /* s per segment */);
}

static void
make_recorder (Fixture *f, guint segment_seconds)
{
  g_clear_object (&f->rec);
  f->rec = rd_recorder_new (f->room, f->dir, "S1", 1, segment_seconds);
  g_signal_connect (f->rec, "segment-opened", G_CALLBACK (on_opened), f);
  g_signal_connect (f->rec, "segment-sealed", G_CALLBACK (on_sealed), f);
  g_signal_connect (f->rec, "error", G_CALLBACK (on_error), f);
  g_signal_connect (f->rec, "finished", G_CALLBACK (on_finished), f);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  g_autoptr (GDir) dir = g_dir_open (f->dir, 0, NULL);
  const char *name;

  g_clear_object (&f->rec);
  rd_room_stop (f->room);
  g_clear_object (&f->room);
  g_clear_pointer (&f->config, rd_config_unref);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  if (!g_getenv ("RD_TEST_KEEP"))
    {
      while (dir && (name = g_dir_read_name (dir)))
        {
          g_autofree char *path = g_build_filename (f->dir, name, NULL);
          g_unlink (path);
        }
      g_rmdir (f->dir);
    }
  g_free (f->dir);
  g_ptr_array_unref (f->sealed);
}

static void
stop_and_wait (Fixture *f)
{
  rd_recorder_stop (f->rec);
  WAIT_FOR (f->finished, 20, "%u writers still running, %u sealed",
            rd_recorder_get_track_count (f->rec), f->sealed->len);
  g_assert_cmpuint (f->errors, ==, 0);
}

static guint
count_sealed (Fixture *f, const char *track)
{
  guint n = 0;

  for (guint i = 0; i < f->sealed->len; i++)
    n += strstr (((Sealed *)f->sealed->pdata[i])->path, track) != NULL;
  return n;
}

static gint
by_segment (gconstpointer a, gconstpointer b)
{
  const Sealed *x = *(Sealed *const *)a, *y = *(Sealed *const *)b;
  return x->segment < y->segment ? -1 : x->segment > y->segment;
}

/* Every sealed segment of @track, checked: hash and size as announced, 0640, one stream of
 * @codec with frames, and (if @contiguous) back to back with the previous one. Returns the total
 * duration (s) and the first segment's start (s). */
static double
check_track (Fixture *f, const char *track, const char *codec, gboolean contiguous,
             double *first_start)
{
  double total = 0, end = -1;
  gboolean first = TRUE;

  *first_start = -1;
  g_ptr_array_sort (f->sealed, by_segment); /* sealing runs in threads: any order */
  for (guint i = 0; i < f->sealed->len; i++)
    {
      Sealed *s = f->sealed->pdata[i];
      g_autofree char *contents = NULL;
      g_autofree char *sum = NULL;
      g_autoptr (GError) error = NULL;
      g_autoptr (RdTestProbe) probe = NULL;
      gsize len;
      struct stat st;

      if (!strstr (s->path, track))
        continue;
      g_assert_true (g_file_get_contents (s->path, &contents, &len, &error));
      sum = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *)contents, len);
      g_assert_cmpstr (sum, ==, s->sha256);
      g_assert_cmpint ((gint64)len, ==, s->size);
      g_assert_cmpint (g_stat (s->path, &st), ==, 0);
      g_assert_cmpint (st.st_mode & 0777, ==, 0640);
      probe = rd_test_probe_file (s->path, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (probe->streams->len, ==, 1);
      g_assert_cmpstr (((RdTestProbeStream *)probe->streams->pdata[0])->codec, ==, codec);
      g_assert_cmpint (((RdTestProbeStream *)probe->streams->pdata[0])->frames, >, 0);
      g_assert_cmpfloat (probe->duration_s, >, 0);
      f->frames += ((RdTestProbeStream *)probe->streams->pdata[0])->frames;
      g_test_message ("%s: start %.3f s, %.3f s, %" G_GINT64_FORMAT " bytes", s->path,
                      probe->start_s, probe->duration_s, s->size);
      if (first)
        *first_start = probe->start_s;
      /* segments follow each other; a short hole can be the source's own (the room's encoder
       * drops frames rather than hold the camera back when the 2 cores are busy with the test
       * party too). What the recorder itself must not lose is checked by counting frames. */
      if (contiguous && !first && ABS (probe->start_s - end) >= 0.5)
        g_error ("%s starts at %.3f s, the segment before it ended at %.3f s", s->path,
                 probe->start_s, end);
      end = probe->start_s + probe->duration_s;
      first = FALSE;
      total += probe->duration_s;
    }
  return total;
}

static GstPadProbeReturn
count_encoded (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  Fixture *f = user_data;
  g_atomic_int_inc (&f->encoded);
  return GST_PAD_PROBE_OK;
}

static void
test_room (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  double video_start, audio_start, video_s, audio_s, elapsed_s;
  g_autoptr (GstPad) encoded = gst_element_get_static_pad (rd_room_get_video_tee (f->room), "sink");
  gulong probe;

  if (rd_test_skip_if (no_ffprobe ()))
    return;
  probe = gst_pad_add_probe (encoded, GST_PAD_PROBE_TYPE_BUFFER, count_encoded, f, NULL);
  g_assert_true (rd_recorder_start (f->rec, &error));
  g_assert_no_error (error);
  WAIT_FOR (count_sealed (f, "room-video") >= 2 && count_sealed (f, "room-audio") >= 2, 20,
            "%u segments opened, %u sealed", f->opened, f->sealed->len);
  elapsed_s = rd_recorder_get_elapsed_ns (f->rec) / 1e9;
  stop_and_wait (f);
  gst_pad_remove_probe (encoded, probe);
  g_assert_cmpuint (rd_recorder_get_track_count (f->rec), ==, 0);
  video_s = check_track (f, "room-video", "vp8", TRUE, &video_start);
  /* every frame the encoder made while recording is in the files (the recorder may wait for
   * the first keyframe: a few frames at most) */
  g_test_message ("encoded %d frames, recorded %" G_GINT64_FORMAT, g_atomic_int_get (&f->encoded),
                  f->frames);
  g_assert_cmpint (f->frames, <=, g_atomic_int_get (&f->encoded));
  g_assert_cmpint (f->frames, >=, g_atomic_int_get (&f->encoded) - 3);
  audio_s = check_track (f, "room-audio", "opus", TRUE, &audio_start);
  g_test_message ("recorded %.2f s video, %.2f s audio in %.2f s", video_s, audio_s, elapsed_s);
  /* the whole session, on the session's timeline, A/V starting together */
  g_assert_cmpfloat (ABS (video_s - elapsed_s), <, 1.0);
  g_assert_cmpfloat (ABS (audio_s - elapsed_s), <, 1.0);
  g_assert_cmpfloat (video_start, <, 0.5);
  g_assert_cmpfloat (ABS (video_start - audio_start), <, 0.1);
}

static void
test_pause (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  guint before;
  guint64 paused_at;
  double video_start, audio_start;
  Sealed *last = NULL, *next = NULL;

  if (rd_test_skip_if (no_ffprobe ()))
    return;
  g_assert_true (rd_recorder_start (f->rec, &error));
  WAIT_FOR (f->opened >= 2, 10, "%u segments opened", f->opened);
  rd_recorder_pause (f->rec);
  g_assert_true (rd_recorder_is_paused (f->rec));
  WAIT_FOR (rd_recorder_get_track_count (f->rec) == 0 && f->sealed->len == f->opened, 10,
            "%u opened, %u sealed", f->opened, f->sealed->len);
  before = f->opened;
  g_ptr_array_sort (f->sealed, by_segment);
  last = f->sealed->pdata[f->sealed->len - 1];
  paused_at = rd_recorder_get_elapsed_ns (f->rec);
  /* nothing is written while paused: wait a second of session time */
  WAIT_FOR (rd_recorder_get_elapsed_ns (f->rec) > paused_at + GST_SECOND, 5, "clock stuck");
  g_assert_cmpuint (f->opened, ==, before);
  rd_recorder_resume (f->rec);
  WAIT_FOR (f->opened >= before + 2, 10, "%u segments opened after resume", f->opened - before);
  stop_and_wait (f);
  g_ptr_array_sort (f->sealed, by_segment);
  for (guint i = 0; i < f->sealed->len && !next; i++)
    if (((Sealed *)f->sealed->pdata[i])->segment > last->segment)
      next = f->sealed->pdata[i];
  g_assert_nonnull (next);
  check_track (f, "room-video", "vp8", FALSE, &video_start);
  check_track (f, "room-audio", "opus", FALSE, &audio_start);
  /* the pause is a hole on the timeline, not silence: the next segment starts after it */
  {
    g_autoptr (RdTestProbe) a = rd_test_probe_file (last->path, &error);
    g_autoptr (RdTestProbe) b = rd_test_probe_file (next->path, &error);
    g_assert_no_error (error);
    g_test_message ("before the pause ends at %.3f s, after starts at %.3f s",
                    a->start_s + a->duration_s, b->start_s);
    g_assert_cmpfloat (b->start_s, >, a->start_s + a->duration_s + 0.9);
  }
}

static void
store_result (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **)user_data = g_object_ref (result);
}

static void
on_verified (RdPeer *peer, const char *fingerprint, Fixture *f)
{
  f->verified_s = rd_recorder_get_elapsed_ns (f->rec) / 1e9;
}

/* Party "p1" (@tp) calls in and is recorded: the peer, answered and connected to @tp. Its
 * verification's time goes to f->verified_s. */
static RdPeer *
join_party (Fixture *f, RdTestPeer *tp)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *offer = rd_test_peer_create_offer (tp, &error);
  g_autofree char *answer = NULL;
  GAsyncResult *result = NULL;
  RdPeer *peer;

  g_assert_no_error (error);
  peer = rd_peer_new (f->room, f->config, "p1", &error);
  g_assert_no_error (error);
  f->verified_s = -1;
  g_signal_connect (peer, "verified", G_CALLBACK (on_verified), f);
  rd_recorder_add_peer (f->rec, peer, "p1");
  rd_peer_answer_async (peer, offer, NULL, store_result, &result);
  WAIT_FOR (result != NULL, 10, "no answer");
  answer = rd_peer_answer_finish (peer, result, &error);
  g_clear_object (&result);
  g_assert_no_error (error);
  g_assert_true (rd_test_peer_set_answer (tp, answer, &error));
  g_assert_no_error (error);
  return peer;
}

static void
test_party (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (RdTestPeer) tp = rd_test_peer_new (RD_TEST_PEER_SENDRECV, &error);
  g_autoptr (RdPeer) peer = NULL;
  double video_start, audio_start, room_start, joined_s;

  if (rd_test_skip_if (no_ffprobe ()))
    return;
  g_assert_no_error (error);
  g_assert_true (rd_recorder_start (f->rec, &error));
  WAIT_FOR (f->opened >= 2, 10, "%u segments opened", f->opened);
  /* a party joins a session under way (its writer's queue must not count from the session's
   * zero: it once dropped a late party's first frames) */
  WAIT_FOR (rd_recorder_get_elapsed_ns (f->rec) >= 4 * G_TIME_SPAN_SECOND * 1000, 10,
            "the recording at %.1f s", rd_recorder_get_elapsed_ns (f->rec) / 1e9);
  joined_s = rd_recorder_get_elapsed_ns (f->rec) / 1e9;
  peer = join_party (f, tp);
  WAIT_FOR (count_sealed (f, "party-p1-video") >= 1 && count_sealed (f, "party-p1-audio") >= 1, 20,
            "%u opened, %u sealed; peer %s", f->opened, f->sealed->len,
            rd_peer_state_to_string (rd_peer_get_state (peer)));
  rd_peer_close (peer, "test over");
  WAIT_FOR (rd_recorder_get_track_count (f->rec) == 2, 10, "%u tracks",
            rd_recorder_get_track_count (f->rec));
  stop_and_wait (f);
  check_track (f, "room-video", "vp8", TRUE, &room_start);
  check_track (f, "party-p1-video", "vp8", TRUE, &video_start);
  check_track (f, "party-p1-audio", "opus", TRUE, &audio_start);
  /* the party joined later: its files start later on the same timeline */
  g_test_message ("room from %.3f s, party (joined at %.3f s, verified at %.3f s) video from "
                  "%.3f s, audio from %.3f s",
                  room_start, joined_s, f->verified_s, video_start, audio_start);
  g_assert_cmpfloat (f->verified_s, >=, joined_s);
  g_assert_cmpfloat (video_start, >=, joined_s);
  g_assert_cmpfloat (audio_start, >=, joined_s);
  /* From its first frame: what the party sends from its verification on is in its files, not
   * only what came once its lip-sync was known (up to 2 s later, rd-media-peer-recv.c). The
   * first frames can be from a little before the verification (packets that arrived while the
   * DTLS check ran, let out by the jitterbuffer after it); the video starts at the first
   * keyframe, asked for on verification (a round trip and an encode later). */
  g_assert_cmpfloat (audio_start, >, f->verified_s - 0.5);
  g_assert_cmpfloat (audio_start, <, f->verified_s + 0.5);
  g_assert_cmpfloat (video_start, <, f->verified_s + 1.0);
  g_assert_cmpfloat (audio_start, <=, video_start + 0.1);
}

static GstPadProbeReturn
drop_buffer (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  return GST_PAD_PROBE_DROP;
}

static void
drop_if_rtcp (GstElement *rtpbin, GstPad *pad, gpointer user_data)
{
  if (g_str_has_prefix (GST_PAD_NAME (pad), "send_rtcp_src_"))
    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST, drop_buffer,
                       NULL, NULL);
}

/* @tp sends no RTCP (so no SR: the room never learns its lip-sync). Before its first offer. */
static void
withhold_rtcp (RdTestPeer *tp)
{
  g_autoptr (GstElement) webrtc = rd_test_peer_get_element (tp, "webrtc");
  g_autoptr (GstElement) rtpbin = gst_bin_get_by_name (GST_BIN (webrtc), "rtpbin");

  g_assert_nonnull (rtpbin);
  g_signal_connect (rtpbin, "pad-added", G_CALLBACK (drop_if_rtcp), NULL);
}

/* A party that stays half a second (a name said, "I object") and leaves before its lip-sync is
 * known (its SRs withheld here: the room waits 2 s for them) is in its files all the same, from
 * its verification to its leaving. */
static void
test_party_leaves_at_once (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (RdTestPeer) tp = rd_test_peer_new (RD_TEST_PEER_SENDRECV, &error);
  g_autoptr (RdPeer) peer = NULL;
  double video_start, audio_start, audio_s, video_s, left_s;
  guint tracks_then;

  if (rd_test_skip_if (no_ffprobe ()))
    return;
  g_assert_no_error (error);
  g_assert_true (rd_recorder_start (f->rec, &error));
  WAIT_FOR (f->opened >= 2, 10, "%u segments opened", f->opened);
  withhold_rtcp (tp);
  peer = join_party (f, tp);
  WAIT_FOR (f->verified_s >= 0, 20, "peer %s", rd_peer_state_to_string (rd_peer_get_state (peer)));
  WAIT_FOR (rd_recorder_get_elapsed_ns (f->rec) / 1e9 >= f->verified_s + 0.6, 10, "clock stuck");
  tracks_then = rd_recorder_get_track_count (f->rec);
  left_s = rd_recorder_get_elapsed_ns (f->rec) / 1e9;
  rd_peer_close (peer, "test over");
  g_test_message ("verified at %.3f s, left at %.3f s; %u tracks recording then", f->verified_s,
                  left_s, tracks_then);
  /* the case at hand: the party's tracks had not started (the room's two only) */
  g_assert_cmpuint (tracks_then, ==, 2);
  WAIT_FOR (count_sealed (f, "party-p1-video") >= 1 && count_sealed (f, "party-p1-audio") >= 1, 20,
            "%u opened, %u sealed", f->opened, f->sealed->len);
  stop_and_wait (f);
  video_s = check_track (f, "party-p1-video", "vp8", TRUE, &video_start);
  audio_s = check_track (f, "party-p1-audio", "opus", TRUE, &audio_start);
  g_test_message ("the party's video from %.3f s (%.3f s), audio from %.3f s (%.3f s)", video_start,
                  video_s, audio_start, audio_s);
  g_assert_cmpfloat (audio_start, >, f->verified_s - 0.5);
  g_assert_cmpfloat (audio_start, <, f->verified_s + 0.5);
  /* to its leaving: the audio holds (most of) the time between, not a frame or two */
  g_assert_cmpfloat (audio_start + audio_s, >, left_s - 0.3);
  g_assert_cmpfloat (audio_s, >=, 0.3);
  g_assert_cmpfloat (video_start, <, left_s);
}

typedef struct
{
  char *last;
} Errors;

static void
on_error_message (RdRecorder *rec, GError *error, Errors *e)
{
  g_free (e->last);
  e->last = g_strdup (error->message);
}

/* The next segment cannot be made (its directory became a file): the recorder says so, naming
 * the file, and stops those tracks; nothing is dropped in silence. */
static void
test_cannot_create (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *moved = g_strconcat (f->dir, ".moved", NULL);
  Errors e = { NULL };

  g_assert_true (rd_recorder_start (f->rec, &error));
  WAIT_FOR (f->opened >= 2, 10, "%u segments opened", f->opened);
  g_signal_connect (f->rec, "error", G_CALLBACK (on_error_message), &e);
  g_assert_cmpint (g_rename (f->dir, moved), ==, 0);
  g_assert_true (g_file_set_contents (f->dir, "not a directory", -1, NULL));
  rd_recorder_pause (f->rec);  /* the open segments close (in the moved directory) */
  rd_recorder_resume (f->rec); /* the next ones cannot be made */
  WAIT_FOR (e.last && strstr (e.last, "cannot create"), 10, "last error: %s",
            e.last ? e.last : "(none)");
  g_test_message ("%s", e.last);
  g_assert_nonnull (strstr (e.last, f->dir));
  WAIT_FOR (rd_recorder_get_track_count (f->rec) == 0, 15, "%u tracks still recording",
            rd_recorder_get_track_count (f->rec));
  f->errors = 0; /* expected here */
  rd_recorder_stop (f->rec);
  WAIT_FOR (f->finished, 20, "not finished");
  g_unlink (f->dir);
  g_assert_cmpint (g_rename (moved, f->dir), ==, 0); /* for the teardown to remove */
  g_free (e.last);
}

/* A party's video changes size mid-call (a browser adapting to its bandwidth): Matroska cannot
 * change a track's format inside a file, so the recording starts a new segment at the new size;
 * nothing fails, nothing is lost. */
static void
test_party_resizes (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (RdTestPeer) tp = rd_test_peer_new (RD_TEST_PEER_SENDRECV, &error);
  g_autoptr (RdPeer) peer = NULL;
  gboolean small = FALSE, large = FALSE;
  guint before;

  if (rd_test_skip_if (no_ffprobe ()))
    return;
  g_assert_no_error (error);
  g_assert_true (rd_recorder_start (f->rec, &error));
  peer = join_party (f, tp);
  WAIT_FOR (count_sealed (f, "party-p1-video") >= 1, 20, "%u opened, %u sealed", f->opened,
            f->sealed->len);
  before = count_sealed (f, "party-p1-video");
  rd_test_peer_set_video_size (tp, 640, 480);
  WAIT_FOR (count_sealed (f, "party-p1-video") >= before + 2, 20, "%u party video segments",
            count_sealed (f, "party-p1-video"));
  rd_peer_close (peer, "test over");
  stop_and_wait (f); /* no recorder error: a caps change is a new segment, not a failure */
  for (guint i = 0; i < f->sealed->len; i++)
    {
      Sealed *s = f->sealed->pdata[i];
      g_autoptr (RdTestProbe) probe = NULL;
      RdTestProbeStream *stream;

      if (!strstr (s->path, "party-p1-video"))
        continue;
      probe = rd_test_probe_file (s->path, &error);
      g_assert_no_error (error);
      stream = probe->streams->pdata[0];
      g_test_message ("%s: %" G_GINT64_FORMAT "x%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT " frames",
                      s->path, stream->width, stream->height, stream->frames);
      g_assert_cmpint (stream->frames, >, 0);
      {
        /* every frame of a file has the size its track header says (one format per file) */
        g_auto (GStrv) sizes = rd_test_probe_frame_sizes (s->path, &error);
        g_autofree char *header = g_strdup_printf ("%" G_GINT64_FORMAT "x%" G_GINT64_FORMAT,
                                                   stream->width, stream->height);
        g_assert_no_error (error);
        g_assert_cmpuint (g_strv_length (sizes), ==, 1);
        g_assert_cmpstr (sizes[0], ==, header);
      }
      small = small || (stream->width == 320 && stream->height == 240);
      large = large || (stream->width == 640 && stream->height == 480);
    }
  g_assert_true (small);
  g_assert_true (large);
}

/* --- the session ends while a segment's closing writes stall (a slow disk) --- */

typedef struct
{
  GMutex lock;
  GCond cond;
  gboolean stall; /* an EOS reaching a segment's file waits while set */
  guint stalled;  /* segments whose closing waited */
  Fixture *f;
  GstElement *pipeline;
} Stall;

static GstPadProbeReturn
stall_eos (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  Stall *st = user_data;

  if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) != GST_EVENT_EOS)
    return GST_PAD_PROBE_OK;
  g_mutex_lock (&st->lock);
  if (st->stall)
    st->stalled++;
  while (st->stall)
    g_cond_wait (&st->cond, &st->lock);
  g_mutex_unlock (&st->lock);
  return GST_PAD_PROBE_OK;
}

/* Each segment's file sink, found by its location, gets a probe that holds the muxer's last
 * writes (its EOS, after duration and cues) while the disk "stalls". */
static void
on_opened_stall (RdRecorder *rec, gint64 segment, const char *path, const char *tracks, Stall *st)
{
  g_autoptr (GstIterator) it = gst_bin_iterate_recurse (GST_BIN (st->pipeline));
  GValue item = G_VALUE_INIT;
  guint found = 0;

  while (gst_iterator_next (it, &item) == GST_ITERATOR_OK)
    {
      GstElement *e = g_value_get_object (&item);
      GstElementFactory *factory = gst_element_get_factory (e);
      g_autofree char *location = NULL;

      if (factory && g_str_equal (GST_OBJECT_NAME (factory), "filesink"))
        {
          g_object_get (e, "location", &location, NULL);
          if (g_strcmp0 (location, path) == 0)
            {
              g_autoptr (GstPad) sink = gst_element_get_static_pad (e, "sink");
              gst_pad_add_probe (sink, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, stall_eos, st, NULL);
              found++;
            }
        }
      g_value_reset (&item);
    }
  g_value_unset (&item);
  g_assert_cmpuint (found, ==, 1);
}

/* The writer gave up waiting for its last segment to close (the stalled disk): the disk comes
 * back right then, as the writer stops. */
static void
on_error_unstall (RdRecorder *rec, GError *error, Stall *st)
{
  if (!strstr (error->message, "did not finish its last segment"))
    return;
  g_mutex_lock (&st->lock);
  st->stall = FALSE;
  g_cond_broadcast (&st->cond);
  g_mutex_unlock (&st->lock);
}

static void
on_finished_count (RdRecorder *rec, guint *sealed_then)
{
  *sealed_then = rd_recorder_get_sealed_count (rec);
}

/* The session ends (@data NULL) or a party leaves (@data "party") while the disk holds the
 * last segments' closing writes for longer than the recorder waits for them: the writers are
 * stopped and taken out of the pipeline while their streaming threads are still closing those
 * segments. The segments close as the writers stop, and each is sealed (hash, size) before
 * "finished", as the ledger needs it: not one is left 'recording' for the next start to
 * repair. */
static void
test_stop_while_closing (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (RdTestPeer) tp = NULL;
  g_autoptr (RdPeer) peer = NULL;
  Stall st = { .f = f };
  guint sealed_then = G_MAXUINT;
  guint64 joined_ns;
  double start;

  if (rd_test_skip_if (no_ffprobe ()))
    return;
  /* segments longer than the test: the only closing is the one the stop makes */
  make_recorder (f, 600);
  g_mutex_init (&st.lock);
  g_cond_init (&st.cond);
  st.pipeline = GST_ELEMENT (rd_room_get_pipeline (f->room));
  g_signal_connect (f->rec, "segment-opened", G_CALLBACK (on_opened_stall), &st);
  g_signal_connect (f->rec, "error", G_CALLBACK (on_error_unstall), &st);
  g_signal_connect (f->rec, "finished", G_CALLBACK (on_finished_count), &sealed_then);
  g_assert_true (rd_recorder_start (f->rec, &error));
  WAIT_FOR (f->opened >= 2 && rd_recorder_get_elapsed_ns (f->rec) > 2 * GST_SECOND, 20,
            "%u segments opened", f->opened);
  if (data)
    {
      tp = rd_test_peer_new (RD_TEST_PEER_SENDRECV, &error);
      g_assert_no_error (error);
      peer = join_party (f, tp);
      WAIT_FOR (f->opened >= 4, 20, "%u segments opened; peer %s", f->opened,
                rd_peer_state_to_string (rd_peer_get_state (peer)));
      joined_ns = rd_recorder_get_elapsed_ns (f->rec);
      WAIT_FOR (rd_recorder_get_elapsed_ns (f->rec) > joined_ns + 2 * GST_SECOND, 10,
                "clock stuck");
    }
  g_mutex_lock (&st.lock);
  st.stall = TRUE;
  g_mutex_unlock (&st.lock);
  if (data)
    {
      rd_peer_close (peer, "test over"); /* the party's segments close, stalled */
      WAIT_FOR (rd_recorder_get_track_count (f->rec) == 2 && f->sealed->len == 2, 40,
                "%u tracks, %u opened, %u sealed, %u stalled", rd_recorder_get_track_count (f->rec),
                f->opened, f->sealed->len, st.stalled);
      g_assert_cmpuint (count_sealed (f, "party-p1"), ==, 2);
    }
  rd_recorder_stop (f->rec);
  WAIT_FOR (f->finished, 40, "%u writers still running, %u opened, %u sealed, %u stalled",
            rd_recorder_get_track_count (f->rec), f->opened, f->sealed->len, st.stalled);
  g_test_message ("%u segments opened, %u sealed (%u when finished), %u closings stalled, "
                  "%u errors",
                  f->opened, f->sealed->len, sealed_then, st.stalled, f->errors);
  g_assert_cmpuint (st.stalled, >=, 1); /* the case at hand happened */
  g_assert_cmpuint (f->errors, >=, 1);  /* and was said */
  g_assert_cmpuint (sealed_then, ==, f->opened);
  g_assert_cmpuint (f->sealed->len, ==, f->opened);
  check_track (f, "room-video", "vp8", TRUE, &start);
  check_track (f, "room-audio", "opus", TRUE, &start);
  if (data)
    {
      check_track (f, "party-p1-video", "vp8", TRUE, &start);
      check_track (f, "party-p1-audio", "opus", TRUE, &start);
    }
  g_signal_handlers_disconnect_by_data (f->rec, &st);
  g_signal_handlers_disconnect_by_data (f->rec, &sealed_then);
  g_cond_clear (&st.cond);
  g_mutex_clear (&st.lock);
}

/* --- a segment that cannot be set up --- */

/* The next segments cannot be made (the muxer's plugin is gone: a broken upgrade): the recorder
 * says so, naming the element, and stops those tracks; no file is left behind without media
 * (each would be an orphan, "unrecoverable", at the next start), and what was recorded is kept
 * and sealed. */
static void
test_no_muxer (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  GstRegistry *registry = gst_registry_get ();
  g_autoptr (GstPluginFeature) mux = gst_registry_lookup_feature (registry, "matroskamux");
  g_autoptr (GDir) dir = NULL;
  Errors e = { NULL };
  const char *name;
  guint files = 0;

  g_assert_nonnull (mux);
  g_assert_true (rd_recorder_start (f->rec, &error));
  WAIT_FOR (f->opened >= 2, 10, "%u segments opened", f->opened);
  g_signal_connect (f->rec, "error", G_CALLBACK (on_error_message), &e);
  gst_registry_remove_feature (registry, mux);
  /* the next segments (at the 2 s rollover) cannot be made */
  WAIT_FOR (rd_recorder_get_track_count (f->rec) == 0, 15,
            "%u tracks still recording; last "
            "error: %s",
            rd_recorder_get_track_count (f->rec), e.last ? e.last : "(none)");
  g_assert_true (gst_registry_add_feature (registry, mux));
  g_test_message ("%s", e.last);
  g_assert_nonnull (e.last);
  g_assert_nonnull (strstr (e.last, "matroskamux"));
  f->errors = 0; /* expected here */
  rd_recorder_stop (f->rec);
  WAIT_FOR (f->finished, 20, "not finished");
  g_assert_cmpuint (f->sealed->len, ==, f->opened);
  dir = g_dir_open (f->dir, 0, &error);
  g_assert_no_error (error);
  while ((name = g_dir_read_name (dir)))
    {
      g_autofree char *path = g_build_filename (f->dir, name, NULL);
      gboolean announced = FALSE;
      GStatBuf st;

      for (guint i = 0; i < f->sealed->len; i++)
        if (g_str_equal (((Sealed *)f->sealed->pdata[i])->path, path))
          announced = TRUE;
      g_assert_cmpint (g_stat (path, &st), ==, 0);
      g_test_message ("%s: %" G_GINT64_FORMAT " bytes%s", name, (gint64)st.st_size,
                      announced ? "" : " (never announced)");
      g_assert_true (announced);
      g_assert_cmpint (st.st_size, >, 0);
      files++;
    }
  g_assert_cmpuint (files, ==, f->opened);
  g_signal_handlers_disconnect_by_data (f->rec, &e);
  g_free (e.last);
}

static char *why;

static void
test_skipped (void)
{
  g_test_skip (why);
}

int
main (int argc, char **argv)
{
  gboolean in_netns = rd_test_enter_netns (&why);

  g_test_init (&argc, &argv, NULL);
  rd_test_tolerate_third_party_race ();
  gst_init (NULL, NULL);
  g_test_add ("/media/record/room", Fixture, NULL, setup, test_room, teardown);
  g_test_add ("/media/record/pause", Fixture, NULL, setup, test_pause, teardown);
  g_test_add ("/media/record/cannot-create", Fixture, NULL, setup, test_cannot_create, teardown);
  g_test_add ("/media/record/stop-while-closing", Fixture, NULL, setup, test_stop_while_closing,
              teardown);
  g_test_add ("/media/record/no-muxer", Fixture, NULL, setup, test_no_muxer, teardown);
  if (in_netns)
    {
      g_test_add ("/media/record/party", Fixture, NULL, setup, test_party, teardown);
      g_test_add ("/media/record/party-leaves-while-closing", Fixture, "party", setup,
                  test_stop_while_closing, teardown);
      g_test_add ("/media/record/party-resizes", Fixture, NULL, setup, test_party_resizes,
                  teardown);
      g_test_add ("/media/record/party-leaves-at-once", Fixture, NULL, setup,
                  test_party_leaves_at_once, teardown);
    }
  else
    g_test_add_func ("/media/record/party/skipped", test_skipped);
  return g_test_run ();
}
