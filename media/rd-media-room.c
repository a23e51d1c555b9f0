/* rd-media-room.c: the room's pipeline: sources, the shared encoders, control. See
 * rd-media-room.h; the display and speakers branches are in rd-media-room-output.c.
 *
 * Topology (one pipeline for the daemon's life; peers are bins added to it):
 *
 *   camera -> [convert/scale/rate] -> caps -> [clockoverlay] -> I420 -> rawtee
 *     rawtee -> queue -> videobalance (mute) -> vp8enc | h264enc bin -> video_tee -> peers, ..
 *     (the H.264 bin, [media] video-codec=h264, is in rd-media-room-h264.c)
 *     rawtee -> [self-view bin] -> compositor -> display          (rd-media-room-output.c)
 *   mic -> convert/resample -> 48 kHz mono -> volume (mute) -> queue -> opusenc -> audio_tee
 *   silence + peers' decoded audio -> audiomixer -> speakers      (rd-media-room-output.c)
 *
 * The tees carry encoded frames, not RTP: each peer payloads them itself with the payload type
 * its offer chose (offers choose different payload types, and each peer needs its own SSRC and
 * sequence numbers anyway).
 *
 * A tee hands any fatal flow return of one branch (flushing, eos, not-negotiated) back to the
 * element that feeds it, which then stops: one bad consumer would stop the room's encoder for
 * everyone. So every consumer outside the room's core (each peer, the self-view) starts with a
 * guarded ghost pad (rd_media_guard_sink_pad) that reports the failure once and returns OK. */
#include "media/rd-media-room.h"
#include "media/rd-media-devices.h"
#include "media/rd-media-error.h"

#include "media/rd-media-room-private.h"

/* Real cameras are encoded at 720p30; the test pattern at 360p30 keeps CI cheap. */
#define CAMERA_WIDTH      1280
#define CAMERA_HEIGHT     720
#define CAMERA_BITRATE    1500000
#define TEST_WIDTH        640
#define TEST_HEIGHT       360
#define TEST_BITRATE      600000
#define FRAMERATE         RD_ROOM_FRAMERATE
#define KEYFRAME_MAX_DIST (2 * FRAMERATE) /* frames: a keyframe at least every 2 s */
#define VP8_CPU_USED      6               /* 4 (best) .. 16 (fastest) in real-time mode */
#define OPUS_BITRATE      48000
#define START_TIMEOUT_S   10

typedef struct
{
  RdRoomBinMessageFunc func;
  gpointer user_data;
} Watch;

enum
{
  SIGNAL_ERROR,
  SIGNAL_LAYOUT_CHANGED,
  SIGNAL_TILE_CHANGED,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

G_DEFINE_TYPE (RdRoom, rd_room, G_TYPE_OBJECT)

static void
rd_room_dispose (GObject *object)
{
  RdRoom *room = RD_ROOM (object);

  rd_room_stop (room);
  rd_room_preview_dispose (room);
  rd_room_layout_dispose (room);
  g_clear_pointer (&room->mix, rd_room_mixer_free);
  if (room->bus_source)
    {
      g_source_destroy (room->bus_source);
      g_clear_pointer (&room->bus_source, g_source_unref);
    }
  g_clear_pointer (&room->self_view_pad, gst_object_unref);
  g_clear_object (&room->pipeline);
  G_OBJECT_CLASS (rd_room_parent_class)->dispose (object);
}

static void
rd_room_finalize (GObject *object)
{
  RdRoom *room = RD_ROOM (object);

  g_clear_pointer (&room->watched, g_hash_table_unref);
  g_clear_pointer (&room->config, rd_config_unref);
  g_clear_pointer (&room->echo_probe_name, g_free);
  g_clear_pointer (&room->context, g_main_context_unref);
  G_OBJECT_CLASS (rd_room_parent_class)->finalize (object);
}

static void
rd_room_class_init (RdRoomClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = rd_room_dispose;
  object_class->finalize = rd_room_finalize;
  signals[SIGNAL_ERROR] = g_signal_new ("error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                        NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
  signals[SIGNAL_LAYOUT_CHANGED] =
      g_signal_new ("layout-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                    NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_TILE_CHANGED] =
      g_signal_new ("tile-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                    NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
  if (!rd_media_debug)
    GST_DEBUG_CATEGORY_INIT (rd_media_debug, "receptiond-media", 0, "receptiond media");
}

static void
rd_room_init (RdRoom *room)
{
  room->watched = g_hash_table_new_full (NULL, NULL, NULL, g_free);
}

/* --- building --- */

GstElement *
rd_room_make (RdRoom *room, GstBin *bin, const char *factory, const char *name, GError **error)
{
  GstElement *e = gst_element_factory_make (factory, name);

  if (!e)
    {
      g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_INIT,
                   "cannot make the GStreamer element %s (not installed?)", factory);
      return NULL;
    }
  gst_bin_add (bin ? bin : GST_BIN (room->pipeline), e);
  return e;
}

static GstElement *
make (RdRoom *room, const char *factory, const char *name, GError **error)
{
  return rd_room_make (room, NULL, factory, name, error);
}

static GstElement *
chain (RdRoom *room, GstElement *from, GError **error, ...)
{
  va_list args;
  const char *factory;
  GstElement *prev = from;

  va_start (args, error);
  while ((factory = va_arg (args, const char *)))
    {
      GstElement *e = make (room, factory, NULL, error);
      if (!e)
        {
          va_end (args);
          return NULL;
        }
      if (prev && !gst_element_link (prev, e))
        {
          g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_INIT, "cannot link %s to %s",
                       GST_OBJECT_NAME (prev), GST_OBJECT_NAME (e));
          va_end (args);
          return NULL;
        }
      prev = e;
    }
  va_end (args);
  return prev;
}

gboolean
rd_room_link_caps (GstElement *from, GstElement *to, const char *caps_text, GError **error)
{
  g_autoptr (GstCaps) caps = gst_caps_from_string (caps_text);

  if (!gst_element_link_filtered (from, to, caps))
    {
      g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_INIT, "cannot link %s to %s with %s",
                   GST_OBJECT_NAME (from), GST_OBJECT_NAME (to), caps_text);
      return FALSE;
    }
  return TRUE;
}

/* A device source for @role: @factory with device=@s.name when named, else the first device of
 * @device_class. NULL without @error when "auto" found none: the caller makes its stand-in. */
static GstElement *
make_device (RdRoom *room, RdDeviceSetting s, const char *role, const char *factory,
             const char *device_class, GError **error)
{
  g_autofree char *detail = NULL;
  GstElement *src;

  if (s.kind == RD_DEVICE_NAMED)
    {
      src = make (room, factory, role, error);
      if (!src)
        {
          g_prefix_error (error, "%s %s: ", role, s.name);
          if (error && *error)
            (*error)->code = RD_MEDIA_ERROR_DEVICE;
          return NULL;
        }
      g_object_set (src, "device", s.name, NULL);
      return src;
    }
  src = rd_media_make_auto_device (device_class, &detail);
  if (!src)
    {
      GST_INFO ("%s auto: %s: using the stand-in", role, detail);
      return NULL;
    }
  GST_INFO ("%s auto: %s", role, detail);
  gst_object_set_name (GST_OBJECT (src), role);
  gst_bin_add (GST_BIN (room->pipeline), src);
  return src;
}

/* The bin a pipeline: setting describes, in the room's pipeline (rd-media-devices-pipeline.c). */
GstElement *
rd_room_make_pipeline_device (RdRoom *room, const char *role, RdDeviceSetting s, GError **error)
{
  GstElement *bin = rd_media_make_pipeline_device (role, s.description, NULL, error);

  if (bin)
    gst_bin_add (GST_BIN (room->pipeline), bin);
  return bin;
}

static GstElement *
make_camera (RdRoom *room, gboolean *is_test, GError **error)
{
  RdDeviceSetting s = rd_config_get_camera (room->config);
  GstElement *src = NULL;

  *is_test = FALSE;
  if (s.kind == RD_DEVICE_PIPELINE)
    return rd_room_make_pipeline_device (room, "camera", s, error);
  if (s.kind == RD_DEVICE_NAMED || s.kind == RD_DEVICE_AUTO)
    {
      src = make_device (room, s, "camera", "v4l2src", "Video/Source", error);
      if (src || s.kind == RD_DEVICE_NAMED)
        return src;
      /* The "camera unavailable" slate: a still pattern (text needs the pango plugin). */
      src = make (room, "videotestsrc", "camera", error);
      if (src)
        g_object_set (src, "is-live", TRUE, "pattern", 2 /* black */, NULL);
      *is_test = TRUE;
      return src;
    }
  if (s.kind == RD_DEVICE_TEST)
    {
      src = make (room, "videotestsrc", "camera", error);
      if (src)
        g_object_set (src, "is-live", TRUE, "pattern", 18 /* ball: moves */, NULL);
      *is_test = TRUE;
      return src;
    }
  g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_DEVICE, "the camera cannot be none");
  return NULL;
}

static GstElement *
make_microphone (RdRoom *room, GError **error)
{
  RdDeviceSetting s = rd_config_get_microphone (room->config);
  GstElement *src = NULL;

  if (s.kind == RD_DEVICE_PIPELINE)
    return rd_room_make_pipeline_device (room, "microphone", s, error);
  if (s.kind == RD_DEVICE_NAMED || s.kind == RD_DEVICE_AUTO)
    {
      src = make_device (room, s, "microphone", "alsasrc", "Audio/Source", error);
      if (src)
        rd_room_set_conversation_buffering (src);
      if (src || s.kind == RD_DEVICE_NAMED)
        return src;
      src = make (room, "audiotestsrc", "microphone", error); /* no microphone: silence */
      if (src)
        g_object_set (src, "is-live", TRUE, "wave", 4 /* silence */, NULL);
      return src;
    }
  if (s.kind == RD_DEVICE_TEST)
    {
      src = make (room, "audiotestsrc", "microphone", error);
      if (src)
        g_object_set (src, "is-live", TRUE, "freq", 440.0, "volume", 0.3, NULL);
      return src;
    }
  g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_DEVICE, "the microphone cannot be none");
  return NULL;
}

char *
rd_room_video_caps (RdRoom *room)
{
  return g_strdup_printf ("video/x-raw,format=I420,width=%d,height=%d,framerate=%d/1,"
                          "pixel-aspect-ratio=1/1,interlace-mode=progressive",
                          room->width, room->height, FRAMERATE);
}

/* camera -> [convert, scale, rate] -> room caps -> [clockoverlay] -> I420 -> rawtee
 * A pipeline camera's picture is left as it comes: no clock. */
static GstElement *
build_camera (RdRoom *room, gint *bitrate, GError **error)
{
  gboolean is_test;
  gboolean is_pipeline = rd_config_get_camera (room->config).kind == RD_DEVICE_PIPELINE;
  GstElement *src, *last, *convert, *overlay = NULL, *rawtee;
  g_autofree char *caps = NULL;

  src = make_camera (room, &is_test, error);
  if (!src)
    return NULL;
  room->width = is_test ? TEST_WIDTH : CAMERA_WIDTH;
  room->height = is_test ? TEST_HEIGHT : CAMERA_HEIGHT;
  *bitrate = is_test ? TEST_BITRATE : CAMERA_BITRATE;
  caps = rd_room_video_caps (room);
  if (is_test)
    last = src;
  else if (!(last = chain (room, src, error, "videoconvert", "videoscale", "videorate", NULL)))
    return NULL;
  convert = make (room, "videoconvert", NULL, error);
  if (!convert)
    return NULL;
  if (!is_pipeline)
    overlay = gst_element_factory_make ("clockoverlay", NULL);
  if (overlay)
    {
      gst_bin_add (GST_BIN (room->pipeline), overlay);
      /* Below the test camera's time stamp row (rd-media-room-stamp.c). */
      g_object_set (overlay, "time-format", "%d/%m/%Y %H:%M:%S", "halignment", 0 /* left */,
                    "valignment", 2 /* top */, "shaded-background", TRUE, "ypad", 24, NULL);
      if (!rd_room_link_caps (last, overlay, caps, error) || !gst_element_link (overlay, convert))
        return NULL;
    }
  else
    {
      if (!is_pipeline)
        GST_INFO ("no clockoverlay (gstreamer1.0-x): the camera has no clock");
      if (!rd_room_link_caps (last, convert, caps, error))
        return NULL;
    }
  rawtee = make (room, "tee", "rawtee", error);
  if (!rawtee || !rd_room_link_caps (convert, rawtee, caps, error))
    return NULL;
  if (is_test)
    {
      g_autoptr (GstPad) out = gst_element_get_static_pad (convert, "src");
      rd_room_add_time_stamp (out, caps);
    }
  return rawtee;
}

/* A video encoder of the room's codec named @name, in the pipeline: VP8 in real-time mode, or
 * the H.264 bin (rd-media-room-h264.c). */
GstElement *
rd_room_make_video_encoder (RdRoom *room, const char *name, GError **error)
{
  GstElement *enc;

  if (rd_config_get_video_codec (room->config) == RD_VIDEO_CODEC_H264)
    return rd_room_make_h264_encoder (room, name, room->bitrate, KEYFRAME_MAX_DIST, error);
  enc = make (room, "vp8enc", name, error);
  /* One thread: libvpx's VP8 encoder syncs its row threads by spinning, and two encoders with
   * two threads each on 2 cores spent their time in those spin loops (perf: 83 % of the
   * daemon's samples in two libvpx instructions). Measured on this machine with the test
   * camera, the idle room took 17 % of a core with threads=2 and 9 % with 1; with the
   * composite encoder running too, 120 % and 12 %. One thread keeps up with 720p30 (an SMPTE
   * pattern with a clock: 23 % of a core). */
  if (enc)
    g_object_set (enc, "deadline", (gint64)1, "cpu-used", VP8_CPU_USED, "threads", 1,
                  "token-partitions", 2, "keyframe-max-dist", KEYFRAME_MAX_DIST, "end-usage",
                  1 /* cbr */, "target-bitrate", room->bitrate, "lag-in-frames", 0,
                  "error-resilient", 1 /* default */, "buffer-size", 1000, "buffer-initial-size",
                  500, "buffer-optimal-size", 600, "undershoot", 95, NULL);
  return enc;
}

static gboolean
build_video (RdRoom *room, GError **error)
{
  GstElement *rawtee, *q;
  gint bitrate = 0;

  rawtee = build_camera (room, &bitrate, error);
  if (!rawtee)
    return FALSE;
  room->bitrate = bitrate;
  /* The encoder never holds the camera back: a leaky queue drops frames rather than block. */
  q = make (room, "queue", "encqueue", error);
  room->balance = make (room, "videobalance", "camera-mute", error);
  room->encoder = rd_room_make_video_encoder (
      room, rd_config_get_video_codec (room->config) == RD_VIDEO_CODEC_H264 ? "h264enc" : "vp8enc",
      error);
  room->video_tee = make (room, "tee", "video_tee", error);
  if (!q || !room->balance || !room->encoder || !room->video_tee)
    return FALSE;
  g_object_set (q, "max-size-buffers", 2, "max-size-bytes", 0, "max-size-time", (guint64)0, "leaky",
                2 /* downstream */, NULL);
  g_object_set (room->video_tee, "allow-not-linked", TRUE, NULL);
  if (!gst_element_link_many (rawtee, q, room->balance, room->encoder, room->video_tee, NULL))
    {
      g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_INIT, "cannot link the video encoder");
      return FALSE;
    }
  if (!rd_room_build_outputs (room, rawtee, error) || !rd_room_build_composite (room, error))
    return FALSE;
  rd_room_preview_init (room, rawtee);
  return TRUE;
}

void
rd_room_set_opus_encoder (GstElement *encoder)
{
  g_object_set (encoder, "bitrate", OPUS_BITRATE, "frame-size", 20, "inband-fec", TRUE,
                "packet-loss-percentage", 5, NULL);
}

/* mic -> convert/resample -> 48 kHz mono -> [processing] -> volume (mute) -> mic_tee -> queue
 *   -> opusenc -> audio_tee; mic_tee also feeds every party's mix (rd-media-room-mix.c) */
static gboolean
build_audio (RdRoom *room, GError **error)
{
  GstElement *src, *last, *q, *enc;

  src = make_microphone (room, error);
  if (!src || !(last = chain (room, src, error, "audioconvert", "audioresample", NULL)))
    return FALSE;
  if (!(last = rd_room_add_voice_processing (room, last, error)))
    return FALSE;
  room->volume = make (room, "volume", "mic-mute", error);
  room->mic_tee = make (room, "tee", "mic_tee", error);
  q = make (room, "queue", "opusqueue", error);
  enc = make (room, "opusenc", "opusenc", error);
  room->audio_tee = make (room, "tee", "audio_tee", error);
  if (!room->volume || !room->mic_tee || !q || !enc || !room->audio_tee)
    return FALSE;
  rd_room_set_opus_encoder (enc);
  g_object_set (room->audio_tee, "allow-not-linked", TRUE, NULL);
  g_object_set (room->mic_tee, "allow-not-linked", TRUE, NULL);
  if (!rd_room_link_caps (last, room->volume, "audio/x-raw,rate=48000,channels=1", error) ||
      !gst_element_link_many (room->volume, room->mic_tee, q, enc, room->audio_tee, NULL))
    {
      g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_INIT, "cannot link the Opus encoder");
      return FALSE;
    }
  return TRUE;
}

/* Walks up from @object to the pipeline. Sets *@watch to the watched bin on the way. FALSE when
 * @object is no longer in the pipeline (a removed peer's late message). */
static gboolean
find_watch (RdRoom *room, GstObject *object, Watch **watch)
{
  g_autoptr (GstObject) o = object ? gst_object_ref (object) : NULL;

  *watch = NULL;
  while (o)
    {
      GstObject *parent;

      if (o == GST_OBJECT (room->pipeline))
        return TRUE;
      if (!*watch)
        *watch = g_hash_table_lookup (room->watched, o);
      parent = gst_object_get_parent (o);
      gst_object_unref (o);
      o = parent;
    }
  return FALSE;
}

static gboolean
on_bus_message (GstBus *bus, GstMessage *message, gpointer user_data)
{
  RdRoom *room = user_data;
  Watch *watch;

  if (GST_MESSAGE_TYPE (message) != GST_MESSAGE_ERROR &&
      GST_MESSAGE_TYPE (message) != GST_MESSAGE_WARNING &&
      GST_MESSAGE_TYPE (message) != GST_MESSAGE_ELEMENT)
    return G_SOURCE_CONTINUE;
  if (!find_watch (room, GST_MESSAGE_SRC (message), &watch))
    {
      GST_DEBUG ("ignoring a message from %s, no longer in the room",
                 GST_MESSAGE_SRC_NAME (message));
      return G_SOURCE_CONTINUE;
    }
  if (watch)
    {
      watch->func (message, watch->user_data);
      return G_SOURCE_CONTINUE;
    }
  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ELEMENT)
    return G_SOURCE_CONTINUE; /* only a watched bin would want those */
  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR)
    {
      g_autoptr (GError) err = NULL;
      g_autofree char *debug = NULL;
      g_autoptr (GError) error = NULL;

      gst_message_parse_error (message, &err, &debug);
      GST_DEBUG ("error from %s: %s (%s)", GST_MESSAGE_SRC_NAME (message), err->message, debug);
      error = g_error_new (RD_MEDIA_ERROR, RD_MEDIA_ERROR_PIPELINE, "%s: %s",
                           GST_MESSAGE_SRC_NAME (message), err->message);
      g_signal_emit (room, signals[SIGNAL_ERROR], 0, error);
    }
  return G_SOURCE_CONTINUE;
}

RdRoom *
rd_room_new (RdConfig *config, GError **error)
{
  g_autoptr (RdRoom) room = NULL;
  g_autoptr (GstBus) bus = NULL;

  g_return_val_if_fail (config != NULL, NULL);
  if (!rd_media_init (error))
    return NULL;
  room = g_object_new (RD_TYPE_ROOM, NULL);
  room->config = rd_config_ref (config);
  room->context = g_main_context_ref_thread_default ();
  room->pipeline = GST_PIPELINE (gst_object_ref_sink (gst_pipeline_new ("room")));
  rd_room_layout_init (room);
  if (!build_video (room, error) || !build_audio (room, error))
    return NULL;
  room->mix = rd_room_mixer_new (GST_BIN (room->pipeline), room->mic_tee, room->mixer,
                                 &room->remote_audio_buffers);
  bus = gst_pipeline_get_bus (room->pipeline);
  room->bus_source = gst_bus_create_watch (bus);
  g_source_set_callback (room->bus_source, G_SOURCE_FUNC (on_bus_message), room, NULL);
  g_source_attach (room->bus_source, room->context);
  GST_INFO ("room built: %dx%d@%d", room->width, room->height, FRAMERATE);
  return g_steal_pointer (&room);
}

gboolean
rd_room_start (RdRoom *room, GError **error)
{
  GstStateChangeReturn ret;
  g_autoptr (GstBus) bus = NULL;
  g_autoptr (GstMessage) msg = NULL;

  g_return_val_if_fail (RD_IS_ROOM (room), FALSE);
  ret = gst_element_set_state (GST_ELEMENT (room->pipeline), GST_STATE_PLAYING);
  if (ret != GST_STATE_CHANGE_FAILURE)
    ret = gst_element_get_state (GST_ELEMENT (room->pipeline), NULL, NULL,
                                 START_TIMEOUT_S * GST_SECOND);
  if (ret == GST_STATE_CHANGE_SUCCESS || ret == GST_STATE_CHANGE_NO_PREROLL)
    return TRUE;
  bus = gst_pipeline_get_bus (room->pipeline);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  if (msg)
    {
      g_autoptr (GError) err = NULL;
      gst_message_parse_error (msg, &err, NULL);
      g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_DEVICE, "cannot start the room: %s: %s",
                   GST_MESSAGE_SRC_NAME (msg), err->message);
    }
  else
    g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_PIPELINE,
                 ret == GST_STATE_CHANGE_ASYNC ? "cannot start the room: not playing after %d s"
                                               : "cannot start the room (%d s)",
                 START_TIMEOUT_S);
  gst_element_set_state (GST_ELEMENT (room->pipeline), GST_STATE_NULL);
  return FALSE;
}

void
rd_room_stop (RdRoom *room)
{
  g_return_if_fail (RD_IS_ROOM (room));
  if (room->pipeline)
    gst_element_set_state (GST_ELEMENT (room->pipeline), GST_STATE_NULL);
}

void
rd_room_set_muted (RdRoom *room, RdRoomTrack track, gboolean muted)
{
  g_return_if_fail (RD_IS_ROOM (room));
  muted = !!muted;
  if (track == RD_ROOM_TRACK_MIC)
    {
      room->muted_mic = muted;
      g_object_set (room->volume, "mute", muted, NULL);
    }
  else
    {
      /* Black: no contrast, brightness all the way down, no colour. */
      room->muted_camera = muted;
      g_object_set (room->balance, "contrast", muted ? 0.0 : 1.0, "brightness", muted ? -1.0 : 0.0,
                    "saturation", muted ? 0.0 : 1.0, NULL);
    }
  rd_room_layout_muted (room);
}

gboolean
rd_room_get_muted (RdRoom *room, RdRoomTrack track)
{
  g_return_val_if_fail (RD_IS_ROOM (room), FALSE);
  return track == RD_ROOM_TRACK_MIC ? room->muted_mic : room->muted_camera;
}

void
rd_room_encoder_keyframe (GstElement *encoder)
{
  g_autoptr (GstPad) pad = gst_element_get_static_pad (encoder, "src");

  /* What gst_video_event_new_upstream_force_key_unit() makes, without linking gstvideo. */
  gst_pad_send_event (pad,
                      gst_event_new_custom (
                          GST_EVENT_CUSTOM_UPSTREAM,
                          gst_structure_new ("GstForceKeyUnit", "running-time", GST_TYPE_CLOCK_TIME,
                                             GST_CLOCK_TIME_NONE, "all-headers", G_TYPE_BOOLEAN,
                                             TRUE, "count", G_TYPE_UINT, 0, NULL)));
}

void
rd_room_request_keyframe (RdRoom *room)
{
  g_return_if_fail (RD_IS_ROOM (room));
  rd_room_encoder_keyframe (room->encoder);
  if (room->composite_encoder)
    rd_room_encoder_keyframe (room->composite_encoder);
}

GstPipeline *
rd_room_get_pipeline (RdRoom *room)
{
  g_return_val_if_fail (RD_IS_ROOM (room), NULL);
  return room->pipeline;
}

GstElement *
rd_room_get_video_tee (RdRoom *room)
{
  g_return_val_if_fail (RD_IS_ROOM (room), NULL);
  return room->video_tee;
}

GstElement *
rd_room_get_send_video_tee (RdRoom *room)
{
  g_return_val_if_fail (RD_IS_ROOM (room), NULL);
  return room->send_tee;
}

GstElement *
rd_room_get_composite_tee (RdRoom *room)
{
  g_return_val_if_fail (RD_IS_ROOM (room), NULL);
  return room->composite_tee;
}

void
rd_room_emit_layout_changed (RdRoom *room)
{
  g_signal_emit (room, signals[SIGNAL_LAYOUT_CHANGED], 0);
}

void
rd_room_emit_tile_changed (RdRoom *room, const char *key, const char *state)
{
  g_signal_emit (room, signals[SIGNAL_TILE_CHANGED], 0, key, state);
}

GstElement *
rd_room_get_audio_tee (RdRoom *room)
{
  g_return_val_if_fail (RD_IS_ROOM (room), NULL);
  return room->audio_tee;
}

GMainContext *
rd_room_get_context (RdRoom *room)
{
  return room->context;
}

void
rd_room_watch_bin (RdRoom *room, GstElement *bin, RdRoomBinMessageFunc func, gpointer user_data)
{
  Watch *watch = g_new (Watch, 1);

  watch->func = func;
  watch->user_data = user_data;
  g_hash_table_replace (room->watched, bin, watch);
}

void
rd_room_unwatch_bin (RdRoom *room, GstElement *bin)
{
  g_hash_table_remove (room->watched, bin);
}

void
rd_room_set_banner (RdRoom *room, const char *text)
{
  g_return_if_fail (RD_IS_ROOM (room));
  if (room->banner)
    g_object_set (room->banner, "text", text ? text : "", NULL);
}

char *
rd_room_dup_banner (RdRoom *room)
{
  char *text = NULL;

  g_return_val_if_fail (RD_IS_ROOM (room), NULL);
  if (room->banner)
    g_object_get (room->banner, "text", &text, NULL);
  return text;
}
