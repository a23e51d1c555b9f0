/* test-media-room.c: RdRoom (media/rd-media-room.h) with the test camera and microphone and no
 * display or speakers: the shared encoders, keyframes on request, mute, stop. Runs in a
 * network namespace of its own like every media test. */
#include "media/rd-media-room.h"
#include "media/rd-media-error.h"
#include "tests/rd-test-netns.h"

#include <gst/gst.h>
#include <string.h>
#include "tests/rd-test-wait.h"

static const char config_text[] = "[media]\ncamera=test\nmicrophone=test\ndisplay=none\n"
                                  "speakers=none\n[network]\nice-addresses=127.0.0.1\n";

/* What a branch hung on a tee saw; written on streaming threads. */
typedef struct
{
  gint buffers, keyframes;
  gint last_keyframe_at; /* buffer index */
  gint peak;             /* audio: largest |sample| of the last buffer; video: largest luma */
  char *caps;
} Seen;

static GstPadProbeReturn
seen_encoded (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  Seen *seen = data;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  gint n = g_atomic_int_add (&seen->buffers, 1);

  if (!GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_DELTA_UNIT))
    {
      g_atomic_int_set (&seen->last_keyframe_at, n);
      g_atomic_int_inc (&seen->keyframes);
    }
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
seen_audio_peak (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  Seen *seen = data;
  GstMapInfo map;
  gint peak = 0;

  if (gst_buffer_map (GST_PAD_PROBE_INFO_BUFFER (info), &map, GST_MAP_READ))
    {
      const gint16 *s = (const gint16 *)map.data;
      for (gsize i = 0; i < map.size / 2; i++)
        peak = MAX (peak, ABS ((gint)s[i]));
      gst_buffer_unmap (GST_PAD_PROBE_INFO_BUFFER (info), &map);
    }
  g_atomic_int_set (&seen->peak, peak);
  g_atomic_int_inc (&seen->buffers);
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
seen_video_peak (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  Seen *seen = data;
  g_autoptr (GstCaps) caps = gst_pad_get_current_caps (pad);
  GstMapInfo map;
  gint peak = 0, w = 0, h = 0;

  if (caps)
    {
      gst_structure_get_int (gst_caps_get_structure (caps, 0), "width", &w);
      gst_structure_get_int (gst_caps_get_structure (caps, 0), "height", &h);
    }
  if (gst_buffer_map (GST_PAD_PROBE_INFO_BUFFER (info), &map, GST_MAP_READ))
    {
      /* I420: the luma plane comes first, w x h bytes */
      for (gsize i = 0; i < MIN (map.size, (gsize)w * h); i++)
        peak = MAX (peak, map.data[i]);
      gst_buffer_unmap (GST_PAD_PROBE_INFO_BUFFER (info), &map);
    }
  g_atomic_int_set (&seen->peak, peak);
  g_atomic_int_inc (&seen->buffers);
  return GST_PAD_PROBE_OK;
}

/* tee -> queue [-> @decoder] -> fakesink, with @probe on the fakesink's sink pad. */
static void
hang_branch (RdRoom *room, GstElement *tee, const char *decoder, GstPadProbeCallback probe,
             Seen *seen)
{
  g_autofree char *desc = g_strdup_printf ("queue %s%s ! fakesink name=out sync=false async=false",
                                           decoder ? "! " : "", decoder ? decoder : "");
  g_autoptr (GError) error = NULL;
  GstElement *bin = gst_parse_bin_from_description (desc, TRUE, &error);
  g_autoptr (GstElement) out = NULL;
  g_autoptr (GstPad) pad = NULL;
  g_autoptr (GstPad) sink = NULL;
  GstPad *tee_pad;

  g_assert_no_error (error);
  out = gst_bin_get_by_name (GST_BIN (bin), "out");
  pad = gst_element_get_static_pad (out, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, probe, seen, NULL);
  gst_bin_add (GST_BIN (rd_room_get_pipeline (room)), bin);
  /* Playing before it is linked: a tee hands a branch's "flushing" back to the encoder, which
   * then stops for good. */
  g_assert_true (gst_element_sync_state_with_parent (bin));
  tee_pad = gst_element_request_pad_simple (tee, "src_%u");
  sink = gst_element_get_static_pad (bin, "sink");
  g_assert_cmpint (gst_pad_link (tee_pad, sink), ==, GST_PAD_LINK_OK);
  gst_object_unref (tee_pad);
}

static RdRoom *
start_room_with (const char *text, RdConfig **config)
{
  g_autoptr (GError) error = NULL;
  RdRoom *room;

  *config = rd_config_load_data (text, "test.conf", &error);
  g_assert_no_error (error);
  room = rd_room_new (*config, &error);
  g_assert_no_error (error);
  g_assert_true (rd_room_start (room, &error));
  g_assert_no_error (error);
  return room;
}

static RdRoom *
start_room (RdConfig **config)
{
  return start_room_with (config_text, config);
}

static void
stop_room (RdRoom *room, RdConfig *config)
{
  GstState state;

  rd_room_stop (room);
  rd_room_stop (room); /* idempotent */
  gst_element_get_state (GST_ELEMENT (rd_room_get_pipeline (room)), &state, NULL, 0);
  g_assert_cmpint (state, ==, GST_STATE_NULL);
  g_object_unref (room);
  rd_config_unref (config);
}

static void
test_encoders (void)
{
  RdConfig *config;
  RdRoom *room = start_room (&config);
  Seen video = { 0 }, audio = { 0 };
  g_autoptr (GstPad) vpad = gst_element_get_static_pad (rd_room_get_video_tee (room), "sink");
  g_autoptr (GstPad) apad = gst_element_get_static_pad (rd_room_get_audio_tee (room), "sink");
  g_autoptr (GstCaps) vcaps = NULL;
  g_autoptr (GstCaps) acaps = NULL;

  hang_branch (room, rd_room_get_video_tee (room), NULL, seen_encoded, &video);
  hang_branch (room, rd_room_get_audio_tee (room), NULL, seen_encoded, &audio);
  WAIT_FOR (g_atomic_int_get (&video.buffers) >= 30 && g_atomic_int_get (&audio.buffers) >= 25, 10,
            "%d video frames, %d audio packets", video.buffers, audio.buffers);
  vcaps = gst_pad_get_current_caps (vpad);
  acaps = gst_pad_get_current_caps (apad);
  g_assert_true (gst_structure_has_name (gst_caps_get_structure (vcaps, 0), "video/x-vp8"));
  g_assert_true (gst_structure_has_name (gst_caps_get_structure (acaps, 0), "audio/x-opus"));
  g_assert_cmpint (video.keyframes, >=, 1);
  g_assert_cmpuint (rd_room_get_remote_video_frames (room), ==, 0);
  stop_room (room, config);
}

static void
test_keyframe_on_request (void)
{
  RdConfig *config;
  RdRoom *room = start_room (&config);
  Seen video = { 0 };
  gint asked_at, keyframes;

  hang_branch (room, rd_room_get_video_tee (room), NULL, seen_encoded, &video);
  WAIT_FOR (g_atomic_int_get (&video.keyframes) >= 1 &&
                g_atomic_int_get (&video.buffers) - g_atomic_int_get (&video.last_keyframe_at) >=
                    10,
            10, "%d frames, %d keyframes", video.buffers, video.keyframes);
  asked_at = g_atomic_int_get (&video.buffers);
  keyframes = g_atomic_int_get (&video.keyframes);
  rd_room_request_keyframe (room);
  /* The encoder's own interval is 2 s (60 frames): within 10 frames it can only be ours. */
  WAIT_FOR (g_atomic_int_get (&video.keyframes) > keyframes, 5, "%d frames since asking",
            video.buffers - asked_at);
  g_assert_cmpint (video.last_keyframe_at - asked_at, <, 10);
  g_test_message ("keyframe %d frames after the request", video.last_keyframe_at - asked_at);
  stop_room (room, config);
}

static void
test_mute (void)
{
  RdConfig *config;
  RdRoom *room = start_room (&config);
  Seen audio = { 0 }, video = { 0 };
  gint count;

  hang_branch (room, rd_room_get_audio_tee (room), "opusdec ! audio/x-raw,format=S16LE",
               seen_audio_peak, &audio);
  hang_branch (room, rd_room_get_video_tee (room), "vp8dec ! video/x-raw,format=I420",
               seen_video_peak, &video);
  WAIT_FOR (g_atomic_int_get (&audio.peak) > 3000 && g_atomic_int_get (&video.peak) > 200, 10,
            "audio peak %d, video peak luma %d", audio.peak, video.peak);
  g_assert_false (rd_room_get_muted (room, RD_ROOM_TRACK_MIC));
  rd_room_set_muted (room, RD_ROOM_TRACK_MIC, TRUE);
  rd_room_set_muted (room, RD_ROOM_TRACK_CAMERA, TRUE);
  g_assert_true (rd_room_get_muted (room, RD_ROOM_TRACK_MIC));
  g_assert_true (rd_room_get_muted (room, RD_ROOM_TRACK_CAMERA));
  /* Opus and VP8 are lossy: silence decodes to (near) zero, black to luma near 16. */
  WAIT_FOR (g_atomic_int_get (&audio.peak) < 30 && g_atomic_int_get (&video.peak) < 40, 5,
            "audio peak %d, video peak luma %d", audio.peak, video.peak);
  /* and the streams go on */
  count = g_atomic_int_get (&video.buffers);
  WAIT_FOR (g_atomic_int_get (&video.buffers) > count + 10, 5, "%d", video.buffers - count);
  rd_room_set_muted (room, RD_ROOM_TRACK_MIC, FALSE);
  rd_room_set_muted (room, RD_ROOM_TRACK_CAMERA, FALSE);
  WAIT_FOR (g_atomic_int_get (&audio.peak) > 3000 && g_atomic_int_get (&video.peak) > 200, 5,
            "audio peak %d, video peak luma %d", audio.peak, video.peak);
  stop_room (room, config);
}

/* @probe on the sink pad of the room's element @name ("display", "speakers"). */
static void
watch_sink (RdRoom *room, const char *name, GstPadProbeCallback probe, Seen *seen)
{
  g_autoptr (GstElement) sink = gst_bin_get_by_name (GST_BIN (rd_room_get_pipeline (room)), name);
  g_autoptr (GstPad) pad = NULL;

  g_assert_nonnull (sink);
  pad = gst_element_get_static_pad (sink, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, probe, seen, NULL);
}

/* With display=none and speakers=none the composited picture (the self-view, full screen with
 * no party) and the mix still run at their rates, for the recorder; and they never stop the
 * encoders. */
static void
test_outputs (void)
{
  RdConfig *config;
  RdRoom *room = start_room (&config);
  Seen display = { 0 }, speakers = { 0 }, video = { 0 };
  gint64 t0;
  gint d0, s0, v0;

  watch_sink (room, "display", seen_video_peak, &display);
  watch_sink (room, "speakers", seen_audio_peak, &speakers);
  hang_branch (room, rd_room_get_video_tee (room), NULL, seen_encoded, &video);
  /* the test pattern's ball is white: the self-view is on the display */
  WAIT_FOR (g_atomic_int_get (&display.peak) > 200 && g_atomic_int_get (&speakers.buffers) > 0 &&
                g_atomic_int_get (&video.buffers) > 0,
            10, "display %d frames (peak luma %d), speakers %d buffers, encoder %d frames",
            display.buffers, display.peak, speakers.buffers, video.buffers);
  t0 = g_get_monotonic_time ();
  d0 = g_atomic_int_get (&display.buffers);
  s0 = g_atomic_int_get (&speakers.buffers);
  v0 = g_atomic_int_get (&video.buffers);
  /* and they go on: one more second's worth of each (30 frames, 100 buffers of 10 ms) */
  WAIT_FOR (g_atomic_int_get (&display.buffers) >= d0 + 30 &&
                g_atomic_int_get (&speakers.buffers) >= s0 + 100 &&
                g_atomic_int_get (&video.buffers) >= v0 + 30,
            5, "display %d frames, speakers %d buffers, encoder %d frames", display.buffers - d0,
            speakers.buffers - s0, video.buffers - v0);
  g_test_message ("a second's worth of display, speakers and encoder in %.0f ms",
                  (g_get_monotonic_time () - t0) / 1000.0);
  g_assert_cmpint (g_atomic_int_get (&speakers.peak), ==, 0); /* no party: silence */
  stop_room (room, config);
}

static void
test_bad_display (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (RdConfig) config = rd_config_load_data (
      "[media]\ncamera=test\nmicrophone=test\ndisplay=nosuchvideosink\nspeakers=none\n",
      "test.conf", &error);
  g_autoptr (RdRoom) room = NULL;

  if (!config)
    {
      g_test_skip ("the config refuses the display name itself");
      return;
    }
  room = rd_room_new (config, &error);
  g_assert_null (room);
  g_assert_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_DEVICE);
  g_assert_nonnull (strstr (error->message, "nosuchvideosink"));
}

static gboolean
has_factory (GstBin *bin, const char *factory)
{
  g_autoptr (GstIterator) it = gst_bin_iterate_recurse (bin);
  GValue item = G_VALUE_INIT;
  gboolean found = FALSE;

  while (!found && gst_iterator_next (it, &item) == GST_ITERATOR_OK)
    {
      GstElementFactory *f = gst_element_get_factory (g_value_get_object (&item));
      found = f && g_str_equal (GST_OBJECT_NAME (f), factory);
      g_value_reset (&item);
    }
  g_value_unset (&item);
  return found;
}

/* All four devices as pipeline: descriptions (media/rd-media-devices.h): the room takes the
 * camera and the microphone from them, and the display and the speakers play into them. */
static void
test_pipeline_devices (void)
{
  RdConfig *config;
  RdRoom *room = start_room_with (
      "[media]\ncamera=pipeline:videotestsrc is-live=true pattern=ball\n"
      "microphone=pipeline:audiotestsrc is-live=true freq=1000\n"
      "display=pipeline:fakesink\nspeakers=pipeline: audioconvert ! fakesink name=out\n"
      "[network]\nice-addresses=127.0.0.1\n",
      &config);
  GstBin *pipeline = GST_BIN (rd_room_get_pipeline (room));
  g_autoptr (GstElement) camera = gst_bin_get_by_name (pipeline, "camera");
  Seen display = { 0 }, speakers = { 0 }, audio = { 0 }, video = { 0 };
  gint d0, s0;

  /* the bins, named after their keys; a pipeline camera's picture gets no clock */
  g_assert_true (GST_IS_BIN (camera));
  g_assert_true (has_factory (GST_BIN (camera), "videotestsrc"));
  g_assert_false (has_factory (pipeline, "clockoverlay"));
  watch_sink (room, "display", seen_video_peak, &display);
  watch_sink (room, "speakers", seen_audio_peak, &speakers);
  hang_branch (room, rd_room_get_audio_tee (room), "opusdec ! audio/x-raw,format=S16LE",
               seen_audio_peak, &audio);
  hang_branch (room, rd_room_get_video_tee (room), "vp8dec ! video/x-raw,format=I420",
               seen_video_peak, &video);
  /* the ball is white: the pipeline camera is on the display and in the encoder; the tone is
   * loud: the pipeline microphone is in the Opus stream */
  WAIT_FOR (g_atomic_int_get (&display.peak) > 200 && g_atomic_int_get (&video.peak) > 200 &&
                g_atomic_int_get (&audio.peak) > 3000 && g_atomic_int_get (&speakers.buffers) > 0,
            10,
            "display %d frames (peak luma %d), encoder %d frames (peak %d), mic peak %d, "
            "speakers %d buffers",
            display.buffers, display.peak, video.buffers, video.peak, audio.peak, speakers.buffers);
  /* and go on at their rates: half a second of each */
  d0 = g_atomic_int_get (&display.buffers);
  s0 = g_atomic_int_get (&speakers.buffers);
  WAIT_FOR (g_atomic_int_get (&display.buffers) >= d0 + 15 &&
                g_atomic_int_get (&speakers.buffers) >= s0 + 50,
            5, "display %d frames, speakers %d buffers", display.buffers - d0,
            speakers.buffers - s0);
  g_assert_cmpint (g_atomic_int_get (&speakers.peak), ==, 0); /* no party: silence */
  g_clear_object (&camera);
  stop_room (room, config);
}

/* A description the check refuses stops the room from being built, naming the key. */
static void
test_bad_pipeline_device (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (RdConfig) config = rd_config_load_data (
      "[media]\nspeakers=pipeline:fakesink name=a fakesink name=b\n", "test.conf", &error);
  g_autoptr (RdRoom) room = NULL;

  g_assert_no_error (error);
  room = rd_room_new (config, &error);
  g_assert_null (room);
  g_assert_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_DEVICE_CONFIG);
  g_assert_cmpstr (error->message, ==,
                   "[media] speakers: pipeline: has 2 unlinked sink pads (a:sink, b:sink), "
                   "needs one");
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
  int ret;

  g_test_init (&argc, &argv, NULL);
  gst_init (NULL, NULL);
  if (!in_netns)
    {
      g_test_add_func ("/media/room/skipped", test_skipped);
      return g_test_run ();
    }
  g_test_add_func ("/media/room/encoders", test_encoders);
  g_test_add_func ("/media/room/keyframe-on-request", test_keyframe_on_request);
  g_test_add_func ("/media/room/mute", test_mute);
  g_test_add_func ("/media/room/outputs", test_outputs);
  g_test_add_func ("/media/room/bad-display", test_bad_display);
  g_test_add_func ("/media/room/pipeline-devices", test_pipeline_devices);
  g_test_add_func ("/media/room/bad-pipeline-device", test_bad_pipeline_device);
  ret = g_test_run ();
  /* Everything is gone by now: GST_TRACERS=leaks reports what is not (at gst_deinit). */
  gst_deinit ();
  return ret;
}
