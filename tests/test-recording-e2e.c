/* test-recording-e2e.c: the real daemon records a session with parties calling in over WHIP,
 * in a network namespace of the test's own. The files are checked with ffprobe (a tool nobody
 * here wrote), the ledger with receptionctl: a two-party session recorded, ended and verified;
 * a SIGKILL mid-call repaired at the next start with at most a second lost; pausing only with
 * a reason, shown on the display, a hole in the files; no session below min-free-mb. */
#include <glib/gstdio.h>
#include <gst/gst.h>
#include <string.h>

#include "tests/rd-test-netns.h"
#include "tests/rd-test-probe.h"
#include "tests/rd-test-recording.h"
#include "tests/rd-test-room.h"

#define TIMEOUT_MS RD_TEST_ROOM_TIMEOUT_MS

static char *skip_reason;

static gboolean
peer_has_media (gpointer data)
{
  RdTestPeer *peer = data;
  return rd_test_peer_get_video_frames (peer) >= 30 && rd_test_peer_get_audio_buffers (peer) >= 20;
}

typedef struct
{
  char *path; /* absolute */
  char *state;
  double start_s, end_s;
  gint64 frames;
  char *codec;
} Segment;

static void
segment_free (gpointer data)
{
  Segment *s = data;
  g_free (s->path);
  g_free (s->state);
  g_free (s->codec);
  g_free (s);
}

/* The session's segments of @track ("room-video", "party-<id>-audio") in order, each probed. */
static GPtrArray *
segments_of (RdTestRoom *r, JsonNode *shown, const char *track)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (segment_free);
  JsonArray *rows = json_object_get_array_member (rd_test_rec_obj (shown), "recordings");
  g_autofree char *suffix = g_strdup_printf ("-%s.mkv", track);

  for (guint i = 0; i < json_array_get_length (rows); i++)
    {
      JsonObject *row = json_array_get_object_element (rows, i);
      const char *path = json_object_get_string_member (row, "path");
      g_autoptr (GError) error = NULL;
      g_autoptr (RdTestProbe) probe = NULL;
      Segment *s;

      if (!g_str_has_suffix (path, suffix))
        continue;
      s = g_new0 (Segment, 1);
      s->path = g_build_filename (r->t->state_dir, path, NULL);
      s->state = g_strdup (json_object_get_string_member (row, "state"));
      probe = rd_test_probe_file (s->path, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (probe->streams->len, ==, 1);
      g_assert_cmpfloat (probe->duration_s, >, 0); /* finalised: the header has it */
      s->start_s = probe->start_s;
      s->end_s = probe->start_s + probe->duration_s;
      s->frames = ((RdTestProbeStream *)probe->streams->pdata[0])->frames;
      s->codec = g_strdup (((RdTestProbeStream *)probe->streams->pdata[0])->codec);
      g_test_message ("%s: %s, %s, %.3f-%.3f s, %" G_GINT64_FORMAT " frames", path, s->state,
                      s->codec, s->start_s, s->end_s, s->frames);
      g_ptr_array_add (out, s);
    }
  return out;
}

/* Checks a track's segments: @codec, frames in each, back to back; returns its first start
 * and last end. */
static void
check_track (GPtrArray *segments, const char *codec, const char *state, double *start, double *end)
{
  g_assert_cmpuint (segments->len, >, 0);
  for (guint i = 0; i < segments->len; i++)
    {
      Segment *s = segments->pdata[i];
      g_assert_cmpstr (s->codec, ==, codec);
      g_assert_cmpint (s->frames, >, 0);
      if (state)
        g_assert_cmpstr (s->state, ==, state);
      if (i > 0) /* a short hole may be the room encoder's own (2 busy cores), not a loss */
        g_assert_cmpfloat (ABS (s->start_s - ((Segment *)segments->pdata[i - 1])->end_s), <, 0.5);
    }
  *start = ((Segment *)segments->pdata[0])->start_s;
  *end = ((Segment *)segments->pdata[segments->len - 1])->end_s;
}

static gint64
iso_us (JsonNode *n, const char *member)
{
  g_autoptr (GDateTime) t = g_date_time_new_from_iso8601 (rd_test_member (n, member), NULL);
  g_assert_nonnull (t);
  return g_date_time_to_unix (t) * G_USEC_PER_SEC + g_date_time_get_microsecond (t);
}

/* @track's object in "session show"'s coverage (daemon/rd-daemon-coverage.h); fails when it is
 * not there. */
static JsonObject *
coverage_of (JsonNode *shown, const char *track)
{
  JsonObject *coverage = json_object_get_object_member (rd_test_rec_obj (shown), "coverage");
  JsonArray *tracks = json_object_get_array_member (coverage, "tracks");

  for (guint i = 0; i < json_array_get_length (tracks); i++)
    {
      JsonObject *t = json_array_get_object_element (tracks, i);
      if (g_str_equal (json_object_get_string_member (t, "track"), track))
        {
          rd_test_rec_print_track (t);
          return t;
        }
    }
  g_error ("no track %s in the session's coverage", track);
}

static guint
gap_count (JsonObject *track)
{
  return json_array_get_length (json_object_get_array_member (track, "gaps"));
}

/* What the files miss of the time @track was due, in seconds. */
static double
missed_s (JsonObject *track)
{
  return json_object_get_double_member (track, "due_s") -
         json_object_get_double_member (track, "covered_s");
}

static gboolean
has_event (JsonNode *shown, const char *kind, const char *actor_prefix)
{
  JsonArray *events = json_object_get_array_member (rd_test_rec_obj (shown), "events");

  for (guint i = 0; i < json_array_get_length (events); i++)
    {
      JsonObject *e = json_array_get_object_element (events, i);
      if (g_str_equal (json_object_get_string_member (e, "kind"), kind) &&
          (!actor_prefix ||
           g_str_has_prefix (json_object_get_string_member (e, "actor"), actor_prefix)))
        return TRUE;
    }
  return FALSE;
}

typedef struct
{
  RdTestRoom *r;
  const char *party; /* its id */
} PartyFiles;

/* The party's audio and video are both in files the ledger lists. */
static gboolean
party_recorded (gpointer data)
{
  PartyFiles *w = data;
  g_autoptr (JsonNode) shown =
      rd_test_ctl_json (w->r->t, "session", "show", w->r->session_id, NULL);
  JsonArray *rows = json_object_get_array_member (rd_test_rec_obj (shown), "recordings");
  g_autofree char *video = g_strdup_printf ("-party-%s-video.mkv", w->party);
  g_autofree char *audio = g_strdup_printf ("-party-%s-audio.mkv", w->party);
  gboolean have_video = FALSE, have_audio = FALSE;

  for (guint i = 0; i < json_array_get_length (rows); i++)
    {
      const char *path =
          json_object_get_string_member (json_array_get_object_element (rows, i), "path");
      have_video |= g_str_has_suffix (path, video);
      have_audio |= g_str_has_suffix (path, audio);
    }
  return have_video && have_audio;
}

static void
test_two_parties (void)
{
  g_autoptr (RdTestRoom) r = NULL;
  g_autoptr (JsonNode) inv1 = NULL, inv2 = NULL, shown = NULL;
  g_autoptr (RdTestPeer) p1 = NULL, p2 = NULL;
  g_autoptr (RdTestWhipReply) c1 = NULL, c2 = NULL, deleted = NULL;
  g_autofree char *id1 = NULL, *id2 = NULL, *resource = NULL, *out = NULL, *err = NULL;
  double vs, ve, as, ae, s, e;
  double session_s;

  if (rd_test_skip_if (skip_reason))
    return;
  r = rd_test_room_up (NULL);
  inv1 = rd_test_room_invite (r, "board");
  inv2 = rd_test_room_invite (r, "citizen");
  c1 = rd_test_room_call_in (r, inv1, FALSE, &p1);
  c2 = rd_test_room_call_in (r, inv2, FALSE, &p2);
  id1 = rd_test_rec_party_id (c1);
  id2 = rd_test_rec_party_id (c2);
  rd_test_room_wait_parties (r, 2, "connected", 20000, TIMEOUT_MS);
  g_assert_true (rd_test_wait_until (peer_has_media, p1, TIMEOUT_MS));
  g_assert_true (rd_test_wait_until (peer_has_media, p2, TIMEOUT_MS));
  /* both parties' tracks are being written: a party's streams reach the recorder once its
   * lip-sync is known, up to 2 s after it connected */
  for (int k = 0; k < 2; k++)
    {
      PartyFiles w = { r, k ? id2 : id1 };
      if (!rd_test_wait_until (party_recorded, &w, TIMEOUT_MS))
        g_error ("party %s's audio and video are not both in the ledger's recordings", w.party);
    }
  /* party 1 leaves early */
  resource = rd_test_resource_url (rd_test_member (inv1, "whip_url"), c1->location);
  deleted = rd_test_whip_request (r->cert, "DELETE", resource, rd_test_member (inv1, "token"), NULL,
                                  NULL, NULL);
  g_assert_cmpuint (deleted->status, ==, 200);
  rd_test_room_wait_parties (r, 1, "connected", 0, TIMEOUT_MS);
  g_assert_cmpint (rd_test_ctl (r->t, NULL, NULL, "session", "end", r->session_id, NULL), ==, 0);

  /* the whole record, re-hashed */
  g_assert_cmpint (rd_test_ctl (r->t, &out, &err, "recording", "verify", r->session_id, NULL), ==,
                   0);
  g_test_message ("%s", out);
  g_assert_nonnull (strstr (out, "intact"));

  shown = rd_test_ctl_json (r->t, "session", "show", r->session_id, NULL);
  session_s = (iso_us (shown, "ended_at") - iso_us (shown, "started_at")) / 1e6;
  {
    g_autoptr (GPtrArray) v = segments_of (r, shown, "room-video");
    g_autoptr (GPtrArray) a = segments_of (r, shown, "room-audio");
    check_track (v, "vp8", "sealed", &vs, &ve);
    check_track (a, "opus", "sealed", &as, &ae);
    g_test_message ("room: video %.3f-%.3f s, audio %.3f-%.3f s, session %.3f s", vs, ve, as, ae,
                    session_s);
    /* the session in full, on one timeline, A/V together. The room's video starts with its
     * first keyframe captured after the start; here two test parties and the daemon share 2
     * cores, the encoder runs late and drops frames, so that can be a second late (the
     * 100 ms alignment of an unloaded room is checked in test-media-record). */
    g_assert_cmpfloat (ABS ((ae - as) - session_s), <, 1.0);
    g_assert_cmpfloat (ABS ((ve - as) - session_s), <, 1.0);
    g_assert_cmpfloat (ABS (vs - as), <, 1.0);
  }
  for (int k = 0; k < 2; k++)
    {
      g_autofree char *tv = g_strdup_printf ("party-%s-video", k ? id2 : id1);
      g_autofree char *ta = g_strdup_printf ("party-%s-audio", k ? id2 : id1);
      g_autoptr (GPtrArray) v = segments_of (r, shown, tv);
      g_autoptr (GPtrArray) a = segments_of (r, shown, ta);

      check_track (v, "vp8", "sealed", &s, &e);
      g_assert_cmpfloat (s, >, 0); /* joined after the start: its files start later */
      g_assert_cmpfloat (e, <=, session_s + 0.5); /* nothing after the session ended */
      check_track (a, "opus", "sealed", &s, &e);
      /* each party's tracks hold its whole call, from its verification to its leaving (the
       * ledger's party-verified and party-left on the recording's timeline) */
      g_assert_cmpstr (json_object_get_string_member (coverage_of (shown, ta), "kind"), ==,
                       "party");
      g_assert_cmpuint (gap_count (coverage_of (shown, ta)), ==, 0);
      g_assert_cmpuint (gap_count (coverage_of (shown, tv)), ==, 0);
      g_assert_cmpfloat (missed_s (coverage_of (shown, ta)), <, 0.2);
    }
  /* the room's tracks hold the whole session; the ledger says where its timeline ends */
  g_assert_cmpuint (gap_count (coverage_of (shown, "room-audio")), ==, 0);
  g_assert_cmpuint (gap_count (coverage_of (shown, "room-video")), ==, 0);
  g_assert_cmpstr (
      json_object_get_string_member (
          json_object_get_object_member (rd_test_rec_obj (shown), "coverage"), "ended"),
      ==, "finished");
  g_assert_true (has_event (shown, "recording-finished", "receptiond"));
  g_assert_true (has_event (shown, "recording-coverage", "receptiond"));
  /* and no two files of a track claim the same time */
  g_assert_cmpint (
      json_object_get_int_member (
          json_object_get_object_member (rd_test_rec_obj (shown), "coverage"), "overlaps"),
      ==, 0);
  /* while both were there the room showed them in a grid: that conference, as the parties saw
   * and heard it, is the playback recording, sealed with the rest */
  {
    g_autoptr (GPtrArray) v = segments_of (r, shown, "conference-video");
    g_autoptr (GPtrArray) a = segments_of (r, shown, "conference-audio");
    g_autofree char *text = NULL;

    check_track (v, "vp8", "sealed", &s, &e);
    check_track (a, "opus", "sealed", &s, &e);
    g_assert_cmpint (rd_test_ctl (r->t, &text, NULL, "session", "show", r->session_id, NULL), ==,
                     0);
    g_assert_nonnull (strstr (text, "playback recording"));
  }
}

static void
test_sigkill (void)
{
  g_autoptr (RdTestRoom) r = NULL;
  g_autoptr (JsonNode) inv = NULL, shown = NULL, status = NULL;
  g_autoptr (RdTestPeer) p = NULL;
  g_autoptr (RdTestWhipReply) c = NULL;
  g_autofree char *id = NULL, *out = NULL, *err = NULL;
  RdTestRecElapsed w;
  gint64 before_kill_s;
  double vs, ve, as, ae;

  if (rd_test_skip_if (skip_reason))
    return;
  r = rd_test_room_up (NULL);
  inv = rd_test_room_invite (r, "board");
  c = rd_test_room_call_in (r, inv, FALSE, &p);
  id = rd_test_rec_party_id (c);
  rd_test_room_wait_parties (r, 1, "connected", 20000, TIMEOUT_MS);
  w = (RdTestRecElapsed){ r, 4, 4 }; /* the room's two tracks and the party's two */
  g_assert_true (rd_test_wait_until (rd_test_rec_recorded_for, &w, TIMEOUT_MS));
  status = rd_test_ctl_json (r->t, "status", NULL);
  before_kill_s = json_object_get_int_member (
      json_object_get_object_member (rd_test_rec_obj (status), "recording"), "elapsed_s");
  rd_test_daemon_signal (r->t, SIGKILL);
  g_assert_cmpint (rd_test_daemon_wait_exit (r->t, TIMEOUT_MS), ==, 128 + SIGKILL);
  g_clear_pointer (&p, rd_test_peer_free);

  rd_test_daemon_start (r->t);
  shown = rd_test_ctl_json (r->t, "session", "show", r->session_id, NULL);
  g_assert_cmpstr (rd_test_member (shown, "state"), ==, "interrupted");
  g_assert_true (has_event (shown, "recording-gap", "receptiond"));
  g_assert_true (has_event (shown, "recording-repaired", "receptiond"));
  {
    g_autoptr (GPtrArray) v = segments_of (r, shown, "room-video");
    g_autoptr (GPtrArray) a = segments_of (r, shown, "room-audio");
    g_autoptr (GPtrArray) pv = NULL;
    g_autofree char *tv = g_strdup_printf ("party-%s-video", id);
    Segment *last;
    g_autofree char *crashed = NULL;

    check_track (v, "vp8", NULL, &vs, &ve);
    check_track (a, "opus", NULL, &as, &ae);
    g_test_message ("before the kill %" G_GINT64_FORMAT " s recorded; repaired video ends at "
                    "%.3f s, audio at %.3f s",
                    before_kill_s, ve, ae);
    /* at most a second lost: what was recorded when status said so is in the files */
    g_assert_cmpfloat (ve, >=, before_kill_s - 1.0);
    g_assert_cmpfloat (ae, >=, before_kill_s - 1.0);
    last = v->pdata[v->len - 1];
    g_assert_cmpstr (last->state, ==, "repaired");
    /* the crashed bytes are kept beside the repaired file */
    crashed = g_strdup_printf ("%.*s.crashed.mkv", (int)(strlen (last->path) - 4), last->path);
    g_assert_true (g_file_test (crashed, G_FILE_TEST_IS_REGULAR));
    pv = segments_of (r, shown, tv);
    check_track (pv, "vp8", NULL, &vs, &ve);
  }
  /* every segment still what the ledger says, and the ledger's chain intact */
  g_assert_cmpint (rd_test_ctl (r->t, &out, &err, "recording", "verify", r->session_id, NULL), ==,
                   0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (rd_test_ctl (r->t, &out, &err, "ledger", "verify", NULL), ==, 0);
}

static gboolean
paused_files_closed (gpointer data)
{
  RdTestRoom *r = data;
  g_autoptr (JsonNode) status = rd_test_ctl_json (r->t, "status", NULL);
  JsonObject *rec = json_object_get_object_member (rd_test_rec_obj (status), "recording");

  return g_str_equal (json_object_get_string_member (rec, "state"), "paused") &&
         json_object_get_int_member (rec, "tracks") == 0;
}

static void
test_pause (void)
{
  g_autoptr (RdTestRoom) r = NULL;
  g_autoptr (JsonNode) status = NULL, shown = NULL;
  g_autofree char *err = NULL;
  RdTestRecElapsed w;
  gint64 paused_at;
  JsonObject *rec;

  if (rd_test_skip_if (skip_reason))
    return;
  r = rd_test_room_up (NULL);
  w = (RdTestRecElapsed){ r, 2, 2 };
  g_assert_true (rd_test_wait_until (rd_test_rec_recorded_for, &w, TIMEOUT_MS));
  /* no reason, no pause */
  g_assert_cmpint (rd_test_ctl (r->t, NULL, &err, "recording", "pause", r->session_id, NULL), ==,
                   64);
  g_assert_cmpint (rd_test_ctl (r->t, NULL, NULL, "recording", "pause", r->session_id, "--reason",
                                "bảo vệ người tố cáo", NULL),
                   ==, 0);
  status = rd_test_ctl_json (r->t, "status", NULL);
  rec = json_object_get_object_member (rd_test_rec_obj (status), "recording");
  g_assert_cmpstr (json_object_get_string_member (rec, "state"), ==, "paused");
  g_assert_cmpstr (json_object_get_string_member (rec, "display_mark"), ==,
                   "REC PAUSED: bảo vệ người tố cáo");
  paused_at = json_object_get_int_member (rec, "elapsed_s");
  {
    /* the service manager is told too */
    g_autofree char *line =
        g_strdup_printf ("STATUS=live: session %s, 0 parties, recording paused", r->session_id);
    rd_test_daemon_wait_notify (r->t, line, 1, TIMEOUT_MS);
  }
  g_assert_true (rd_test_wait_until (paused_files_closed, r, TIMEOUT_MS));
  w = (RdTestRecElapsed){ r, paused_at + 3, 0 }; /* three seconds of session with nothing written */
  g_assert_true (rd_test_wait_until (rd_test_rec_recorded_for, &w, TIMEOUT_MS));
  g_assert_cmpint (rd_test_ctl (r->t, NULL, NULL, "recording", "resume", r->session_id, "--reason",
                                "xong phần bảo mật", NULL),
                   ==, 0);
  w = (RdTestRecElapsed){ r, paused_at + 5, 2 };
  g_assert_true (rd_test_wait_until (rd_test_rec_recorded_for, &w, TIMEOUT_MS));
  g_assert_cmpint (rd_test_ctl (r->t, NULL, NULL, "session", "end", r->session_id, NULL), ==, 0);

  shown = rd_test_ctl_json (r->t, "session", "show", r->session_id, NULL);
  g_assert_true (has_event (shown, "recording-paused", "uid="));
  g_assert_true (has_event (shown, "recording-resumed", "uid="));
  {
    g_autoptr (GPtrArray) v = segments_of (r, shown, "room-video");
    gboolean hole = FALSE;

    for (guint i = 1; i < v->len; i++)
      {
        Segment *a = v->pdata[i - 1], *b = v->pdata[i];
        /* the pause is a hole in the timeline (about 3 s), never silence or black */
        if (b->start_s - a->end_s > 2.0)
          hole = TRUE;
        g_assert_cmpint (b->frames, >, 0);
      }
    g_assert_true (hole);
  }
  /* a pause is not a gap: the coverage takes it out of the time due */
  g_assert_cmpuint (gap_count (coverage_of (shown, "room-audio")), ==, 0);
  g_assert_cmpfloat (json_object_get_double_member (coverage_of (shown, "room-audio"), "paused_s"),
                     >=, 2.5);
  g_assert_cmpfloat (missed_s (coverage_of (shown, "room-audio")), <, 0.3);
}

/* Drops the RTCP sender reports @data's session sends (an RTCP compound starting with an SR,
 * RFC 3550 6.4.1; receiver reports and feedback pass): the far end never has its lip-sync. */
static GstPadProbeReturn
drop_sr (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  guint8 head[2];

  if (gst_buffer_extract (buffer, 0, head, 2) == 2 && head[1] == 200)
    return GST_PAD_PROBE_DROP;
  return GST_PAD_PROBE_OK;
}

static void
on_rtpbin_pad (GstElement *rtpbin, GstPad *pad, gpointer data)
{
  if (g_str_has_prefix (GST_PAD_NAME (pad), "send_rtcp_src_"))
    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, drop_sr, NULL, NULL);
}

/* Pauses the recording now (@why), resumes it (@again) once the session ran 3 s more with nothing
 * written, and ends the session once 2 s more were recorded with its 4 tracks. Returns the
 * recording's elapsed_s at the pause. */
static double
pause_resume_end (RdTestRoom *r, const char *why, const char *again)
{
  g_autoptr (JsonNode) status = NULL;
  RdTestRecElapsed w;
  double paused_s;

  g_assert_cmpint (
      rd_test_ctl (r->t, NULL, NULL, "recording", "pause", r->session_id, "--reason", why, NULL),
      ==, 0);
  status = rd_test_ctl_json (r->t, "status", NULL);
  paused_s = (double)json_object_get_int_member (
      json_object_get_object_member (rd_test_rec_obj (status), "recording"), "elapsed_s");
  w = (RdTestRecElapsed){ r, (gint64)paused_s + 3, 0 };
  g_assert_true (rd_test_wait_until (rd_test_rec_recorded_for, &w, TIMEOUT_MS));
  g_assert_cmpint (
      rd_test_ctl (r->t, NULL, NULL, "recording", "resume", r->session_id, "--reason", again, NULL),
      ==, 0);
  w = (RdTestRecElapsed){ r, (gint64)paused_s + 5, 4 };
  g_assert_true (rd_test_wait_until (rd_test_rec_recorded_for, &w, TIMEOUT_MS));
  g_assert_cmpint (rd_test_ctl (r->t, NULL, NULL, "session", "end", r->session_id, NULL), ==, 0);
  return paused_s;
}

/* A party's streams reach the recorder once its lip-sync is known, with what it sent from its
 * verification on, held till then: up to 2 s after it connects (a test party's RTCP SRs are
 * not usable, so the whole wait). A pause inside that wait: what the party sent before the
 * pause is still in its files, though its streams are announced while paused. */
static void
test_pause_before_lip_sync (void)
{
  g_autoptr (RdTestRoom) r = NULL;
  g_autoptr (JsonNode) inv = NULL, shown = NULL;
  g_autoptr (RdTestPeer) p = NULL;
  g_autoptr (RdTestWhipReply) c = NULL;
  g_autofree char *id = NULL, *ta = NULL, *tv = NULL;
  double paused_s;

  if (rd_test_skip_if (skip_reason))
    return;
  r = rd_test_room_up (NULL);
  inv = rd_test_room_invite (r, "board");
  {
    /* a party whose SRs never come: the room waits the whole 2 s for its lip-sync */
    g_autoptr (GError) error = NULL;
    g_autoptr (GstElement) webrtc = NULL;
    g_autoptr (GstElement) rtpbin = NULL;

    p = rd_test_peer_new_with_video (RD_TEST_PEER_SENDRECV, "VP8", &error);
    g_assert_no_error (error);
    webrtc = rd_test_peer_get_element (p, "webrtc");
    rtpbin = gst_bin_get_by_name (GST_BIN (webrtc), "rtpbin");
    g_assert_nonnull (rtpbin);
    g_signal_connect (rtpbin, "pad-added", G_CALLBACK (on_rtpbin_pad), NULL);
    c = rd_test_room_call_in_peer (r, inv, p);
  }
  id = rd_test_rec_party_id (c);
  ta = g_strdup_printf ("party-%s-audio", id);
  tv = g_strdup_printf ("party-%s-video", id);
  /* some of its media in (a few hundred ms), its first SRs not yet */
  rd_test_room_wait_parties (r, 1, "connected", 20000, TIMEOUT_MS);
  {
    PartyFiles pf = { r, id };
    if (party_recorded (&pf))
      g_error ("the party's lip-sync was known before the pause: the case is not reached");
  }
  /* the lip-sync wait ends in the pause */
  paused_s = pause_resume_end (r, "bảo vệ người tố cáo", "xong phần bảo mật");

  shown = rd_test_ctl_json (r->t, "session", "show", r->session_id, NULL);
  {
    g_autoptr (GPtrArray) a = segments_of (r, shown, ta);
    g_autoptr (GPtrArray) v = segments_of (r, shown, tv);

    /* its first audio and video files are from before the pause (elapsed_s is whole
     * seconds), the next ones from after it */
    g_assert_cmpuint (a->len, >=, 2);
    g_assert_cmpuint (v->len, >=, 2);
    g_assert_cmpfloat (((Segment *)a->pdata[0])->start_s, <, paused_s + 1);
    g_assert_cmpfloat (((Segment *)v->pdata[0])->start_s, <, paused_s + 1);
    g_assert_cmpfloat (((Segment *)a->pdata[1])->start_s, >=, paused_s + 2.5);
  }
  /* and nothing of what it was due is missing: the pause is the only hole */
  g_assert_cmpuint (gap_count (coverage_of (shown, ta)), ==, 0);
  g_assert_cmpfloat (missed_s (coverage_of (shown, ta)), <, 0.3);
  g_assert_cmpfloat (json_object_get_double_member (coverage_of (shown, ta), "paused_s"), >=, 2.5);
}

/* The recording-resumed event's at_ns, in seconds (the first one). */
static double
resumed_at_s (JsonNode *shown)
{
  JsonArray *events = json_object_get_array_member (rd_test_rec_obj (shown), "events");

  for (guint i = 0; i < json_array_get_length (events); i++)
    {
      JsonObject *e = json_array_get_object_element (events, i);
      if (g_str_equal (json_object_get_string_member (e, "kind"), "recording-resumed"))
        return json_object_get_int_member (json_object_get_object_member (e, "detail"), "at_ns") /
               1e9;
    }
  g_error ("no recording-resumed event");
}

/* @track has a gap starting less than half a second before @at or within a second after it. */
static gboolean
gap_near (JsonObject *track, double at)
{
  JsonArray *gaps = json_object_get_array_member (track, "gaps");

  for (guint i = 0; i < json_array_get_length (gaps); i++)
    {
      double from =
          json_object_get_double_member (json_array_get_object_element (gaps, i), "from_s");
      if (from > at - 0.5 && from < at + 1.0)
        return TRUE;
    }
  return FALSE;
}

/* A party in the call while the recording is paused and resumed: each of its tracks starts
 * again at the resume, within what the coverage calls a gap (0.25 s of audio). */
static void
test_pause_resume_party (void)
{
  g_autoptr (RdTestRoom) r = NULL;
  g_autoptr (JsonNode) inv = NULL, shown = NULL, status = NULL;
  g_autoptr (RdTestPeer) p = NULL;
  g_autoptr (RdTestWhipReply) c = NULL;
  g_autofree char *id = NULL, *ta = NULL;
  double resumed_s;
  RdTestRecElapsed w;

  if (rd_test_skip_if (skip_reason))
    return;
  r = rd_test_room_up (NULL);
  inv = rd_test_room_invite (r, "board");
  c = rd_test_room_call_in (r, inv, FALSE, &p);
  id = rd_test_rec_party_id (c);
  ta = g_strdup_printf ("party-%s-audio", id);
  rd_test_room_wait_parties (r, 1, "connected", 20000, TIMEOUT_MS);
  {
    PartyFiles pf = { r, id };
    g_assert_true (rd_test_wait_until (party_recorded, &pf, TIMEOUT_MS));
  }
  /* a second of it recorded with all four tracks */
  w = (RdTestRecElapsed){
    r, json_object_get_int_member (rd_test_rec_status (r, &status), "elapsed_s") + 1, 4
  };
  g_assert_true (rd_test_wait_until (rd_test_rec_recorded_for, &w, TIMEOUT_MS));
  pause_resume_end (r, "tạm dừng", "tiếp tục");

  shown = rd_test_ctl_json (r->t, "session", "show", r->session_id, NULL);
  resumed_s = resumed_at_s (shown);
  g_test_message ("resumed at %.3f s", resumed_s);
  {
    g_autoptr (GPtrArray) a = segments_of (r, shown, ta);
    g_autoptr (GPtrArray) ra = segments_of (r, shown, "room-audio");
    g_autoptr (GPtrArray) v = segments_of (r, shown, "room-video");
  }
  /* the resume is no gap on either track; the room's has none at all (a party's last frames at
   * the session's end are another matter: the parties are closed first, and what is still in
   * a party's jitter buffer then is dropped, a tenth of a second, more on a loaded machine) */
  g_assert_false (gap_near (coverage_of (shown, ta), resumed_s));
  g_assert_cmpuint (gap_count (coverage_of (shown, "room-audio")), ==, 0);
}

static gboolean
recording_state_is (gpointer data)
{
  RdTestRecElapsed *w = data; /* elapsed_s unused: state "stopped" with @tracks writers */
  g_autoptr (JsonNode) status = rd_test_ctl_json (w->r->t, "status", NULL);
  JsonObject *rec = json_object_get_object_member (rd_test_rec_obj (status), "recording");

  return g_str_equal (json_object_get_string_member (rec, "state"), "stopped") &&
         json_object_get_int_member_with_default (rec, "tracks", -1) == w->tracks;
}

/* No room left on the disk (stop-free-mb raised above what is free, by a reload): the recording
 * stops cleanly, every segment sealed, the call goes on, the ledger and the display say so. */
static void
test_disk_stop (void)
{
  g_autoptr (RdTestRoom) r = NULL;
  g_autoptr (JsonNode) inv = NULL, shown = NULL, status = NULL;
  g_autoptr (RdTestPeer) p = NULL;
  g_autoptr (RdTestWhipReply) c = NULL;
  g_autofree char *err = NULL, *line = NULL;
  JsonArray *rows;
  RdTestRecElapsed w;

  if (rd_test_skip_if (skip_reason))
    return;
  r = rd_test_room_up (NULL);
  inv = rd_test_room_invite (r, "board");
  c = rd_test_room_call_in (r, inv, FALSE, &p);
  rd_test_room_wait_parties (r, 1, "connected", 20000, TIMEOUT_MS);
  w = (RdTestRecElapsed){ r, 2, 4 };
  g_assert_true (rd_test_wait_until (rd_test_rec_recorded_for, &w, TIMEOUT_MS));
  rd_test_daemon_write_config (r->t, "[storage]\nstop-free-mb=9000000\nmin-free-mb=9000001\n"
                                     "warn-free-mb=10000000\n[network]\n"
                                     "ice-addresses=127.0.0.1\n");
  rd_test_daemon_signal (r->t, SIGHUP);
  w = (RdTestRecElapsed){ r, 0, 0 };
  g_assert_true (rd_test_wait_until (recording_state_is, &w, TIMEOUT_MS));
  status = rd_test_ctl_json (r->t, "status", NULL);
  g_assert_true (g_str_has_prefix (
      json_object_get_string_member (
          json_object_get_object_member (rd_test_rec_obj (status), "recording"), "display_mark"),
      "REC STOPPED: "));
  line = g_strdup_printf ("STATUS=live: session %s, 1 party, RECORDING STOPPED (disk full), "
                          "disk space low",
                          r->session_id);
  rd_test_daemon_wait_notify (r->t, line, 1, TIMEOUT_MS);
  rd_test_room_wait_parties (r, 1, "connected", 0, TIMEOUT_MS); /* the call goes on */
  /* and goes on unrecorded for two seconds more */
  w = (RdTestRecElapsed){ r,
                          json_object_get_int_member (
                              json_object_get_object_member (rd_test_rec_obj (status), "recording"),
                              "elapsed_s") +
                              2,
                          0 };
  g_assert_true (rd_test_wait_until (rd_test_rec_recorded_for, &w, TIMEOUT_MS));
  g_assert_cmpint (
      rd_test_ctl (r->t, NULL, &err, "recording", "resume", r->session_id, "--reason", "try", NULL),
      ==, 1);
  shown = rd_test_ctl_json (r->t, "session", "show", r->session_id, NULL);
  g_assert_true (has_event (shown, "recording-stopped-disk", "receptiond"));
  rows = json_object_get_array_member (rd_test_rec_obj (shown), "recordings");
  g_assert_cmpuint (json_array_get_length (rows), >=, 4);
  for (guint i = 0; i < json_array_get_length (rows); i++)
    g_assert_cmpstr (
        json_object_get_string_member (json_array_get_object_element (rows, i), "state"), ==,
        "sealed");
  g_assert_cmpint (rd_test_ctl (r->t, NULL, NULL, "session", "end", r->session_id, NULL), ==, 0);
  /* from the stop to the end nothing was recorded: a gap of every track, with its cause */
  g_clear_pointer (&shown, json_node_unref);
  shown = rd_test_ctl_json (r->t, "session", "show", r->session_id, NULL);
  g_assert_true (has_event (shown, "recording-gap", "receptiond"));
  {
    JsonObject *t = coverage_of (shown, "room-audio");
    JsonObject *gap;

    g_assert_cmpuint (gap_count (t), ==, 1);
    gap = json_array_get_object_element (json_object_get_array_member (t, "gaps"), 0);
    g_test_message ("gap: %s", json_object_get_string_member (gap, "reason"));
    g_assert_nonnull (strstr (json_object_get_string_member (gap, "reason"), "stop-free-mb"));
  }
}

static gboolean
peer_has_audio (gpointer data)
{
  return rd_test_peer_get_audio_buffers (data) >= 50;
}

/* A party with only a microphone: only its audio is recorded, nothing waits for its video. */
static void
test_audio_only_party (void)
{
  g_autoptr (RdTestRoom) r = NULL;
  g_autoptr (JsonNode) inv = NULL, shown = NULL;
  g_autoptr (RdTestPeer) p = NULL;
  g_autoptr (RdTestWhipReply) c = NULL;
  g_autofree char *id = NULL, *tv = NULL, *ta = NULL, *out = NULL, *err = NULL;
  double s, e;

  if (rd_test_skip_if (skip_reason))
    return;
  r = rd_test_room_up (NULL);
  inv = rd_test_room_invite (r, "citizen");
  c = rd_test_room_call_in_with (r, inv, "none", FALSE, &p);
  id = rd_test_rec_party_id (c);
  rd_test_room_wait_parties (r, 1, "connected", 20000, TIMEOUT_MS);
  g_assert_true (rd_test_wait_until (peer_has_audio, p, TIMEOUT_MS));
  g_assert_cmpint (rd_test_ctl (r->t, NULL, NULL, "session", "end", r->session_id, NULL), ==, 0);
  g_assert_cmpint (rd_test_ctl (r->t, &out, &err, "recording", "verify", r->session_id, NULL), ==,
                   0);
  shown = rd_test_ctl_json (r->t, "session", "show", r->session_id, NULL);
  tv = g_strdup_printf ("party-%s-video", id);
  ta = g_strdup_printf ("party-%s-audio", id);
  {
    g_autoptr (GPtrArray) pa = segments_of (r, shown, ta);
    g_autoptr (GPtrArray) pv = segments_of (r, shown, tv);
    g_autoptr (GPtrArray) rv = segments_of (r, shown, "room-video");

    check_track (pa, "opus", "sealed", &s, &e);
    g_assert_cmpuint (pv->len, ==, 0);
    check_track (rv, "vp8", "sealed", &s, &e);
  }
}

typedef struct
{
  RdTestRoom *r;
  guint n;
} Segments;

static gboolean
has_segments (gpointer data)
{
  Segments *w = data;
  g_autoptr (JsonNode) v =
      rd_test_ctl_json (w->r->t, "recording", "verify", w->r->session_id, NULL);

  return json_array_get_length (json_object_get_array_member (rd_test_rec_obj (v), "segments")) >=
         w->n;
}

/* SIGTERM just after a segment switch (the room's two tracks split at 10 s): every segment is
 * closed, sealed and playable, the session ended, nothing left to repair. */
static void
test_sigterm_at_switch (void)
{
  g_autoptr (RdTestRoom) r = NULL;
  g_autoptr (JsonNode) shown = NULL;
  g_autofree char *out = NULL, *err = NULL;
  double s, e;
  Segments w;

  if (rd_test_skip_if (skip_reason))
    return;
  r = rd_test_room_up ("[recording]\nsegment-seconds=10\n");
  w = (Segments){ r, 3 }; /* two first segments, and the first of the next ones */
  g_assert_true (rd_test_wait_until (has_segments, &w, 30000));
  rd_test_daemon_signal (r->t, SIGTERM);
  g_assert_cmpint (rd_test_daemon_wait_exit (r->t, TIMEOUT_MS), ==, 0);

  rd_test_daemon_start (r->t);
  shown = rd_test_ctl_json (r->t, "session", "show", r->session_id, NULL);
  g_assert_cmpstr (rd_test_member (shown, "state"), ==, "ended");
  g_assert_false (has_event (shown, "recording-repaired", NULL));
  {
    g_autoptr (GPtrArray) v = segments_of (r, shown, "room-video");
    g_autoptr (GPtrArray) a = segments_of (r, shown, "room-audio");
    check_track (v, "vp8", "sealed", &s, &e);
    check_track (a, "opus", "sealed", &s, &e);
    g_assert_cmpuint (v->len + a->len, >=, 3);
  }
  g_assert_cmpint (rd_test_ctl (r->t, &out, &err, "recording", "verify", r->session_id, NULL), ==,
                   0);
}

static void
test_no_space (void)
{
  g_autoptr (RdTestDaemon) t = NULL;
  g_autofree char *err = NULL;
  g_autoptr (JsonNode) list = NULL;

  /* more free space asked for than any disk here has */
  t = rd_test_daemon_new ("[storage]\nstop-free-mb=1\nmin-free-mb=10000000\n"
                          "warn-free-mb=10000000\n");
  rd_test_daemon_start (t);
  g_assert_cmpint (rd_test_ctl (t, NULL, &err, "session", "start", NULL), ==, 1);
  g_test_message ("%s", err);
  g_assert_nonnull (strstr (err, "min-free-mb"));
  list = rd_test_ctl_json (t, "session", "list", NULL);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (list)), ==, 0);
}

int
main (int argc, char **argv)
{
  rd_test_enter_netns (&skip_reason); /* FALSE with the reason set when it cannot */
  g_test_init (&argc, &argv, NULL);
  rd_test_tolerate_third_party_race ();
  if (!skip_reason && !rd_test_probe_available ())
    skip_reason = g_strdup ("ffprobe is not installed (package ffmpeg): recordings cannot be "
                            "checked");
  g_test_add_func ("/recording-e2e/two-parties", test_two_parties);
  g_test_add_func ("/recording-e2e/sigkill", test_sigkill);
  g_test_add_func ("/recording-e2e/pause", test_pause);
  g_test_add_func ("/recording-e2e/pause-before-lip-sync", test_pause_before_lip_sync);
  g_test_add_func ("/recording-e2e/pause-resume-party", test_pause_resume_party);
  g_test_add_func ("/recording-e2e/no-space", test_no_space);
  g_test_add_func ("/recording-e2e/disk-stop", test_disk_stop);
  g_test_add_func ("/recording-e2e/audio-only-party", test_audio_only_party);
  g_test_add_func ("/recording-e2e/sigterm-at-switch", test_sigterm_at_switch);
  return g_test_run ();
}
