/* rd-bench-av-sync.c: the machinery of bench-av-sync (and of test-av-sync): see
 * rd-bench-av-sync.h.
 *
 * A test party calls the real receptiond over WHIP sending video that flashes white and audio
 * that beeps at the same moments: every PERIOD of the source's own running time (one clock for
 * both), a 100 ms window in which the black frames are painted white and the silent samples
 * carry a 1 kHz tone. The room records each call. Then the party's two recorded file series
 * (video, audio; session timeline) are decoded with GStreamer: flash = the first frame whose luma
 * mean crosses mid-grey, beep = the first 1 ms window whose RMS crosses a threshold. offset =
 * beep - flash (positive: audio late).
 *
 * Baseline, same call: the party also muxes its own raw sources (same encoders, before WebRTC)
 * into a local Matroska file, analysed the same way: what the source, the encoders and this
 * analysis contribute on their own.
 *
 * Figures per series: offset at start and at end (each the median of the flashes in the first
 * and last WINDOW_S), max |offset| over single flashes, drift = end - start, flashes matched. */
#include <gst/gst.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bench/rd-bench-av-sync-private.h"
#include "bench/rd-bench-av-sync.h"
#include "tests/rd-test-room.h"

#define TIMEOUT_MS 30000

static gboolean
in_flash (GstClockTime t)
{
  return t % PERIOD < FLASH;
}

/* --- the source: flashes and beeps on the pipeline's running time --- */

static GstPadProbeReturn
paint_video (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  GstMapInfo map;

  if (!GST_BUFFER_PTS_IS_VALID (buffer) || !in_flash (GST_BUFFER_PTS (buffer)))
    return GST_PAD_PROBE_OK;
  buffer = gst_buffer_make_writable (buffer);
  if (gst_buffer_map (buffer, &map, GST_MAP_WRITE))
    {
      memset (map.data, 235, MIN (map.size, (gsize)WIDTH * HEIGHT)); /* I420: the Y plane */
      gst_buffer_unmap (buffer, &map);
    }
  GST_PAD_PROBE_INFO_DATA (info) = buffer;
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
gate_audio (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  GstMapInfo map;
  GstClockTime pts = GST_BUFFER_PTS (buffer);

  if (!GST_BUFFER_PTS_IS_VALID (buffer))
    return GST_PAD_PROBE_OK;
  buffer = gst_buffer_make_writable (buffer);
  if (gst_buffer_map (buffer, &map, GST_MAP_WRITE))
    {
      gint16 *s = (gint16 *)map.data;
      gsize n = map.size / sizeof (gint16);

      for (gsize i = 0; i < n; i++)
        if (!in_flash (pts + gst_util_uint64_scale (i, GST_SECOND, RATE)))
          s[i] = 0;
      gst_buffer_unmap (buffer, &map);
    }
  GST_PAD_PROBE_INFO_DATA (info) = buffer;
  return GST_PAD_PROBE_OK;
}

static void
add_probe (RdTestPeer *peer, const char *name, GstPadProbeCallback cb)
{
  g_autoptr (GstElement) e = rd_test_peer_get_element (peer, name);
  g_autoptr (GstPad) pad = NULL;

  g_assert_nonnull (e);
  pad = gst_element_get_static_pad (e, "src");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, cb, NULL, NULL);
}

/* --- the calls --- */

typedef struct
{
  RdTestPeer *peer;
  char *party, *baseline, *resource, *token;
  gint64 connected_us; /* when status first showed it connected */
} Call;

static gboolean
time_reached (gpointer data)
{
  return g_get_monotonic_time () >= *(gint64 *)data;
}

/* The party's RTCP SRs. A GStreamer 1.22 webrtcbin sender whose pipeline was already playing
 * when webrtcbin made its transport (every test party) never gets a LATENCY event into its RTP
 * session ("Can't determine running time for this packet without knowing configured latency"
 * for every packet), and by default (rtcp-sync-send-time) its SRs map the send time, which needs
 * that latency: each SR's RTP time is then extrapolated from an unknown time, ahead of the true
 * one by about the pipeline's running time. Receivers drop those (rtpjitterbuffer: "too far
 * ahead", over 1 s) but for an occasional first one, off by up to a frame. A browser's SRs map
 * the capture time, and are right from the first. So that the party behaves as a browser does,
 * its SRs map the capture time (rtcp-sync-send-time off); --broken-sr leaves GStreamer's
 * default. */

static void
capture_time_srs (RdTestPeer *peer)
{
  g_autoptr (GstElement) webrtc = rd_test_peer_get_element (peer, "webrtc");
  g_autoptr (GstElement) rtpbin = gst_bin_get_by_name (GST_BIN (webrtc), "rtpbin");

  g_assert_nonnull (rtpbin);
  g_object_set (rtpbin, "rtcp-sync-send-time", FALSE, NULL);
}

/* A test party calls in, its raw sources teed to its own baseline file @baseline. */
static void
call_in (RdTestRoom *r, Call *c, gboolean broken_sr)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) inv = NULL;
  g_autoptr (RdTestWhipReply) created = NULL;
  g_autofree char *video_src = NULL, *offer = NULL;

  /* the raw sources, teed: to the party's encoders (WebRTC), and through the same encoders to
   * the local baseline file */
  video_src = g_strdup_printf (
      "videotestsrc name=vsrc is-live=true pattern=black "
      "! video/x-raw,format=I420,width=%d,height=%d,framerate=30/1 ! tee name=vt "
      "vt. ! queue ! vp8enc deadline=1 cpu-used=8 keyframe-max-dist=30 lag-in-frames=0 "
      "target-bitrate=300000 ! bmux. matroskamux name=bmux ! filesink location=%s "
      "audiotestsrc name=asrc is-live=true freq=1000 volume=0.5 samplesperbuffer=480 "
      "! audio/x-raw,format=S16LE,rate=%d,channels=1 ! tee name=at "
      "at. ! queue ! audioconvert ! opusenc ! bmux. "
      "vt. ! queue",
      WIDTH, HEIGHT, c->baseline, RATE);
  c->peer = rd_test_peer_new_with_sources (RD_TEST_PEER_SENDONLY, "VP8", video_src, "at. ! queue",
                                           &error);
  if (!c->peer)
    g_error ("the test party: %s", error->message);
  add_probe (c->peer, "vsrc", paint_video);
  add_probe (c->peer, "asrc", gate_audio);
  if (!broken_sr)
    capture_time_srs (c->peer);

  inv = rd_test_room_invite (r, "citizen");
  c->token = g_strdup (rd_test_member (inv, "token"));
  offer = rd_test_peer_create_offer (c->peer, &error);
  g_assert_no_error (error);
  created = rd_test_whip_request_patiently (r->cert, "POST", rd_test_member (inv, "whip_url"),
                                            c->token, "application/sdp", offer, NULL);
  g_assert_cmpuint (created->status, ==, 201);
  g_assert_true (rd_test_peer_set_answer (c->peer, created->body, &error));
  c->party = g_path_get_basename (created->location);
  c->resource = rd_test_resource_url (rd_test_member (inv, "whip_url"), created->location);
  rd_test_room_wait_parties (r, 1, "connected", 20000, TIMEOUT_MS);
  c->connected_us = g_get_monotonic_time ();
}

/* The party hangs up (DELETE) and its pipeline stops; the baseline file ends there (no EOS:
 * matroskademux reads a file without its index, and the recorder's files are what is being
 * measured). */
static void
hang_up (RdTestRoom *r, Call *c)
{
  g_autoptr (RdTestWhipReply) deleted =
      rd_test_whip_request (r->cert, "DELETE", c->resource, c->token, NULL, NULL, NULL);

  g_assert_cmpuint (deleted->status, ==, 200);
  g_clear_pointer (&c->peer, rd_test_peer_free);
  rd_test_room_wait_parties (r, 0, NULL, 0, TIMEOUT_MS);
}

static double
seconds_between (const char *from, const char *to)
{
  g_autoptr (GDateTime) a = from ? g_date_time_new_from_iso8601 (from, NULL) : NULL;
  g_autoptr (GDateTime) b = to ? g_date_time_new_from_iso8601 (to, NULL) : NULL;

  return a && b ? g_date_time_difference (b, a) / 1e6 : NAN;
}

/* When @party's media was first let through (its "party-verified" event; with @left, when it
 * left: its "party-left"), in seconds on the session's timeline (from "recording-started");
 * NAN if the ledger does not say. */
static double
party_event_at (JsonObject *shown, const char *party, gboolean left)
{
  JsonArray *events = json_object_get_array_member (shown, "events");
  const char *started = NULL, *verified = NULL;
  gint64 participant = -1;

  for (guint i = 0; events && i < json_array_get_length (events); i++)
    {
      JsonObject *e = json_array_get_object_element (events, i);
      const char *kind = json_object_get_string_member_with_default (e, "kind", "");
      JsonObject *d = json_object_get_member (e, "detail") &&
                              JSON_NODE_HOLDS_OBJECT (json_object_get_member (e, "detail"))
                          ? json_object_get_object_member (e, "detail")
                          : NULL;

      if (g_str_equal (kind, "recording-started") && !started)
        started = json_object_get_string_member (e, "at");
      else if (g_str_equal (kind, "party-joined") && d &&
               g_strcmp0 (json_object_get_string_member_with_default (d, "peer_id", ""), party) ==
                   0)
        participant = json_object_get_int_member_with_default (d, "participant_id", -1);
      else if (g_str_equal (kind, left ? "party-left" : "party-verified") && d &&
               participant >= 0 &&
               json_object_get_int_member_with_default (d, "participant_id", -2) == participant)
        verified = json_object_get_string_member (e, "at");
    }
  return seconds_between (started, verified);
}

/* Analyses the recorded files whose names end with @suffix_v or @suffix_a (a video and an audio
 * series) into @rec. */
static void
analyse_tracks (RdTestRoom *r, JsonArray *rows, const char *suffix_v, const char *suffix_a,
                Onsets *rec)
{

  for (guint i = 0; i < json_array_get_length (rows); i++)
    {
      const char *path =
          json_object_get_string_member (json_array_get_object_element (rows, i), "path");
      if (g_str_has_suffix (path, suffix_v) || g_str_has_suffix (path, suffix_a))
        {
          g_autofree char *abs = g_build_filename (r->t->state_dir, path, NULL);
          rd_av_analyse_file (abs, rec);
          printf ("analysed %s\n", path);
        }
    }
}

/* Analyses the party's recorded files (video and audio series) into @rec. */
static void
analyse_party (RdTestRoom *r, JsonArray *rows, const char *party, Onsets *rec)
{
  g_autofree char *suffix_v = g_strdup_printf ("-party-%s-video.mkv", party);
  g_autofree char *suffix_a = g_strdup_printf ("-party-%s-audio.mkv", party);

  analyse_tracks (r, rows, suffix_v, suffix_a, rec);
}

/* The conference recording over all the calls, against the calls' baselines. */
static void
analyse_conference (RdTestRoom *r, JsonArray *rows, GArray *baselines, RdAvSyncConference *out)
{
  Onsets rec;
  double start;

  rd_av_onsets_init (&rec);
  rec.luma_on = CONFERENCE_LUMA_ON;
  analyse_tracks (r, rows, "-conference-video.mkv", "-conference-audio.mkv", &rec);
  rd_av_report ("conference", &rec, &start);
  out->recorded_ms = start;
  out->baseline_ms = rd_av_sync_median (baselines);
  out->added_ms = start - out->baseline_ms;
  printf ("conference recording: offset %+7.1f ms, the calls' baselines %+7.1f ms, added by the "
          "bridge and the recorder %+7.1f ms\n",
          out->recorded_ms, out->baseline_ms, out->added_ms);
  rd_av_onsets_clear (&rec);
}

void
rd_av_sync_run (int calls, int seconds, gboolean broken_sr, RdAvSyncCall *out,
                RdAvSyncConference *conference)
{
  g_autoptr (RdTestRoom) r = NULL;
  g_autoptr (JsonNode) shown = NULL;
  g_autoptr (GArray) baselines = g_array_new (FALSE, FALSE, sizeof (double));
  Call *c;
  JsonArray *rows;

  /* the grid: the conference picture is encoded and recorded with one party; the room silent
   * and its test camera dark (a ball on black: 640x360, as cheap as the default), so the
   * conference recording's flashes and beeps are the party's */
  r = rd_test_room_up ("[media]\nlayout=grid\n"
                       "microphone=pipeline:audiotestsrc is-live=true wave=silence\n");
  c = g_new0 (Call, calls);
  for (int i = 0; i < calls; i++)
    {
      gint64 until;
      g_autofree char *name = g_strdup_printf ("baseline-%d.mkv", i + 1);

      c[i].baseline = g_build_filename (r->t->dir, name, NULL);
      call_in (r, &c[i], broken_sr);
      printf ("bench-av-sync: call %d/%d: party %s calling, recording %d s (flash + beep every "
              "%.0f s)\n",
              i + 1, calls, c[i].party, seconds, PERIOD / 1e9);
      fflush (stdout);
      until = c[i].connected_us + (gint64)seconds * G_USEC_PER_SEC;
      if (!rd_test_wait_until (time_reached, &until, (seconds + 60) * 1000))
        g_error ("call %d did not last %d s", i + 1, seconds);
      hang_up (r, &c[i]);
    }
  /* every segment sealed before the files are read */
  g_assert_cmpint (rd_test_ctl (r->t, NULL, NULL, "session", "end", r->session_id, NULL), ==, 0);
  shown = rd_test_ctl_json (r->t, "session", "show", r->session_id, NULL);
  rows = json_object_get_array_member (json_node_get_object (shown), "recordings");

  printf ("offset = beep - flash (positive: audio late); start/end = medians over the first/last "
          "%.0f s of a call\n",
          WINDOW_S);
  for (int i = 0; i < calls; i++)
    {
      Onsets base, rec;
      double base_start, rec_start;
      RdAvSyncCall *o = &out[i];

      rd_av_onsets_init (&base);
      rd_av_onsets_init (&rec);
      rd_av_analyse_file (c[i].baseline, &base);
      analyse_party (r, rows, c[i].party, &rec);
      printf ("call %d (party %s):\n", i + 1, c[i].party);
      rd_av_report ("baseline", &base, &base_start);
      o->drift_ms = rd_av_report ("recorded", &rec, &rec_start);
      o->recorded_ms = rec_start;
      o->baseline_ms = base_start;
      o->added_ms = rec_start - base_start;
      g_array_append_val (baselines, base_start);
      o->start_ms =
          (rec.first - party_event_at (json_node_get_object (shown), c[i].party, FALSE)) * 1000;
      o->end_ms =
          (party_event_at (json_node_get_object (shown), c[i].party, TRUE) - rec.last) * 1000;
      printf ("call %d: offset recorded %+7.1f ms, baseline %+7.1f ms, added by WebRTC and the "
              "recorder %+7.1f ms; the party's recording starts %.0f ms after its media is let in "
              "(verified) and ends %.0f ms before it left\n",
              i + 1, o->recorded_ms, o->baseline_ms, o->added_ms, o->start_ms, o->end_ms);
      rd_av_onsets_clear (&base);
      rd_av_onsets_clear (&rec);
      g_free (c[i].party);
      g_free (c[i].baseline);
      g_free (c[i].resource);
      g_free (c[i].token);
    }
  g_free (c);
  if (conference)
    analyse_conference (r, rows, baselines, conference);
}
