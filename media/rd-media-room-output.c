/* rd-media-room-output.c: the room's display and speakers branches. See rd-media-room.h.
 *
 *   rawtee -> [self-view bin: guard -> leaky queue -> videoconvert -> room caps -> label] -+
 *   parties' tiles (rd-media-room-layout.c) ----------------------------------------------+
 *     -> compositor -> room caps -> textoverlay (the REC mark) -> outtee -> videoconvert
 *     -> display (fakesink for none); outtee also feeds the composite encoder
 *   silence (live) + peers' decoded audio -> audiomixer -> 48 kHz stereo -> [echo probe]
 *     -> audioconvert
 *     -> speakers (fakesink for none); the parties' audio reaches the speakers' audiomixer
 *     through rd-media-room-mix.c, which also makes each party's mix
 *
 * The self-view is composited with display=none too: the recorder and a real display read the
 * composited picture. Each aggregator always has one live pad that never starves (the camera,
 * the silence), so it keeps producing with no party.
 *
 * Two traps of GstAggregator 1.22 in a live pipeline, both seen as intermittent failures:
 * - Start: going to PLAYING, the bin gives every element the clock before it sets each one's
 *   base time, and a live aggregator only checks that it has a clock. With base time 0 each
 *   wait returns at once and it produces seconds of empty output in microseconds; then all its
 *   real input is "late" (the display shows nothing for seconds, the mix drops the parties).
 *   start-time-selection=first makes it wait for its first buffer, which only comes once the
 *   live sources run, with every base time set.
 * - No pad is "ignore-inactive": when all of an aggregator's pads are inactive at a timeout
 *   (the one above, at start) it decides it is EOS, for good: the speakers went dead, a party's
 *   audio blocked in its first caps event and never arrived, and the self-view's EOS went back
 *   through the raw tee and stopped the camera (the self-view's guard now also keeps any such
 *   failure from reaching the camera).
 */
#include "media/rd-media-room-private.h"
#include "media/rd-media-error.h"

/* --- guarded pads --- */

static GQuark
guard_quark (void)
{
  return g_quark_from_static_string ("rd-media-guard-reported");
}

static GstFlowReturn
guard_result (GstPad *pad, GstFlowReturn ret)
{
  if (ret == GST_FLOW_OK || ret == GST_FLOW_NOT_LINKED)
    return ret;
  if (ret != GST_FLOW_FLUSHING && !g_object_get_qdata (G_OBJECT (pad), guard_quark ()))
    {
      g_object_set_qdata (G_OBJECT (pad), guard_quark (), GINT_TO_POINTER (1));
      GST_WARNING_OBJECT (pad, "branch failed (%s); the stream feeding it goes on",
                          gst_flow_get_name (ret));
    }
  return GST_FLOW_OK;
}

static GstFlowReturn
guarded_chain (GstPad *pad, GstObject *parent, GstBuffer *buffer)
{
  return guard_result (pad, gst_proxy_pad_chain_default (pad, parent, buffer));
}

static GstFlowReturn
guarded_chain_list (GstPad *pad, GstObject *parent, GstBufferList *list)
{
  return guard_result (pad, gst_proxy_pad_chain_list_default (pad, parent, list));
}

void
rd_media_guard_sink_pad (GstPad *ghost)
{
  g_return_if_fail (GST_IS_GHOST_PAD (ghost) && GST_PAD_IS_SINK (ghost));
  gst_pad_set_chain_function (ghost, guarded_chain);
  gst_pad_set_chain_list_function (ghost, guarded_chain_list);
}

/* display or speakers */
static GstElement *
make_output (RdRoom *room, RdDeviceSetting s, gboolean video, GError **error)
{
  const char *role = video ? "display" : "speakers";
  GstElement *sink = NULL;

  switch (s.kind)
    {
    case RD_DEVICE_NONE:
      sink = rd_room_make (room, NULL, "fakesink", role, error);
      if (sink)
        g_object_set (sink, "sync", FALSE, "async", FALSE, NULL);
      return sink;
    case RD_DEVICE_NAMED:
      sink = rd_room_make (room, NULL, video ? s.name : "alsasink", role, error);
      if (!sink)
        {
          g_prefix_error (error, "%s %s: ", role, s.name);
          if (error && *error)
            (*error)->code = RD_MEDIA_ERROR_DEVICE;
          return NULL;
        }
      if (!video)
        {
          g_object_set (sink, "device", s.name, NULL);
          rd_room_set_conversation_buffering (sink);
        }
      return sink;
    case RD_DEVICE_AUTO:
      if (video)
        return rd_room_make (room, NULL, "autovideosink", role, error);
      {
        g_autofree char *detail = NULL;
        sink = rd_media_make_auto_device ("Audio/Sink", &detail);
        if (sink)
          {
            gst_object_set_name (GST_OBJECT (sink), role);
            gst_bin_add (GST_BIN (room->pipeline), sink);
            rd_room_set_conversation_buffering (sink);
            return sink;
          }
        g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_DEVICE, "speakers auto: %s", detail);
        return NULL;
      }
    case RD_DEVICE_PIPELINE:
      return rd_room_make_pipeline_device (room, role, s, error);
    case RD_DEVICE_TEST:
      break;
    }
  g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_DEVICE, "the %s has no test setting", role);
  return NULL;
}

/* rawtee -> [guarded ghost -> leaky queue -> videoconvert -> room caps -> label -> ghost]
 *   -> compositor */
static gboolean
build_self_view (RdRoom *room, GstElement *rawtee, GError **error)
{
  GstBin *bin = GST_BIN (gst_bin_new ("self-view"));
  GstElement *q, *convert, *caps;
  g_autofree char *caps_text = rd_room_video_caps (room);
  g_autoptr (GstCaps) room_caps = gst_caps_from_string (caps_text);
  g_autoptr (GstPad) q_sink = NULL;
  g_autoptr (GstPad) caps_src = NULL;
  GstPad *sink, *src;

  gst_bin_add (GST_BIN (room->pipeline), GST_ELEMENT (bin));
  q = rd_room_make (room, bin, "queue", NULL, error);
  convert = rd_room_make (room, bin, "videoconvert", NULL, error);
  caps = rd_room_make (room, bin, "capsfilter", NULL, error);
  room->self_label = rd_room_make_label (room, bin, error);
  if (!q || !convert || !caps || !room->self_label)
    return FALSE;
  /* The display never holds the camera back: the self-view drops frames rather than block. */
  g_object_set (q, "max-size-buffers", 2, "max-size-bytes", 0, "max-size-time", (guint64)0, "leaky",
                2 /* downstream */, NULL);
  g_object_set (caps, "caps", room_caps, NULL);
  if (!gst_element_link_many (q, convert, caps, room->self_label, NULL))
    {
      g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_INIT, "cannot link the self-view");
      return FALSE;
    }
  q_sink = gst_element_get_static_pad (q, "sink");
  caps_src = gst_element_get_static_pad (room->self_label, "src");
  sink = gst_ghost_pad_new ("sink", q_sink);
  src = gst_ghost_pad_new ("src", caps_src);
  rd_media_guard_sink_pad (sink);
  gst_element_add_pad (GST_ELEMENT (bin), sink);
  gst_element_add_pad (GST_ELEMENT (bin), src);
  room->self_view_pad = gst_element_request_pad_simple (room->compositor, "sink_%u");
  if (!gst_element_link (rawtee, GST_ELEMENT (bin)) ||
      gst_pad_link (src, room->self_view_pad) != GST_PAD_LINK_OK)
    {
      g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_INIT, "cannot link the self-view");
      return FALSE;
    }
  return TRUE;
}

static gboolean
build_display (RdRoom *room, GstElement *rawtee, GError **error)
{
  GstElement *sink, *convert;
  g_autofree char *caps = rd_room_video_caps (room);

  room->compositor = rd_room_make (room, NULL, "compositor", "compositor", error);
  room->banner = rd_room_make (room, NULL, "textoverlay", "banner", error);
  room->outtee = rd_room_make (room, NULL, "tee", "outtee", error);
  sink = make_output (room, rd_config_get_display (room->config), TRUE, error);
  convert = rd_room_make (room, NULL, "videoconvert", NULL, error);
  if (!room->compositor || !room->banner || !room->outtee || !sink || !convert)
    return FALSE;
  g_object_set (room->compositor, "background", 1 /* black */, "start-time-selection",
                1 /* first */, NULL);
  /* the recording mark (REC and the elapsed time, or why it is paused), top right */
  g_object_set (room->banner, "text", "", "valignment", 2 /* top */, "halignment", 2 /* right */,
                "font-desc", "Sans Bold 18", "shaded-background", TRUE, NULL);
  if (!build_self_view (room, rawtee, error) ||
      !rd_room_link_caps (room->compositor, room->banner, caps, error) ||
      !gst_element_link (room->banner, room->outtee) || !gst_element_link (room->outtee, convert) ||
      !gst_element_link (convert, sink))
    return FALSE;
  return TRUE;
}

static gboolean
build_speakers (RdRoom *room, GError **error)
{
  GstElement *silence, *sink, *convert;

  silence = rd_room_make (room, NULL, "audiotestsrc", "silence", error);
  room->mixer = rd_room_make (room, NULL, "audiomixer", "mixer", error);
  sink = make_output (room, rd_config_get_speakers (room->config), FALSE, error);
  convert = rd_room_make (room, NULL, "audioconvert", NULL, error);
  if (!silence || !room->mixer || !sink || !convert)
    return FALSE;
  g_object_set (silence, "is-live", TRUE, "wave", 4 /* silence */, "samplesperbuffer", 480, NULL);
  /* the parties' audio comes RD_ROOM_AUDIO_LEAD_NS early (rd-media-room-mix.c): waited for */
  g_object_set (room->mixer, "start-time-selection", 1 /* first */, "latency",
                (guint64)RD_ROOM_AUDIO_LEAD_NS, NULL);
  if (!rd_room_link_caps (silence, room->mixer, "audio/x-raw,format=S16LE,rate=48000,channels=2",
                          error) ||
      !rd_room_link_echo_probe (room, room->mixer, convert, error) ||
      !gst_element_link (convert, sink))
    return FALSE;
  return TRUE;
}

gboolean
rd_room_build_outputs (RdRoom *room, GstElement *rawtee, GError **error)
{
  if (!build_display (room, rawtee, error) || !build_speakers (room, error))
    return FALSE;
  rd_room_relayout (room);
  return TRUE;
}

GstPadProbeReturn
rd_room_count_buffers (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  guint64 *counter = user_data;

  if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST)
    __atomic_add_fetch (counter, gst_buffer_list_length (GST_PAD_PROBE_INFO_BUFFER_LIST (info)),
                        __ATOMIC_RELAXED);
  else
    __atomic_add_fetch (counter, 1, __ATOMIC_RELAXED);
  return GST_PAD_PROBE_OK;
}

GstPad *
rd_room_link_remote_audio (RdRoom *room, GstPad *src, const char *key)
{
  g_return_val_if_fail (RD_IS_ROOM (room), NULL);
  g_return_val_if_fail (key != NULL, NULL);
  GstPad *sink = rd_room_mixer_add_source (room->mix, src, key);

  if (sink && rd_room_get_party_muted (room, key, RD_ROOM_TRACK_MIC))
    rd_room_mixer_set_muted (room->mix, key, TRUE);
  return sink;
}

void
rd_room_time_remote_audio (RdRoom *room, GstPad *sinkpad)
{
  g_return_if_fail (RD_IS_ROOM (room) && sinkpad != NULL);
  rd_room_mixer_time_by_stream (room->mix, sinkpad);
}

void
rd_room_release_output (RdRoom *room, GstPad *sinkpad)
{
  g_return_if_fail (RD_IS_ROOM (room));
  if (!rd_room_release_tile (room, sinkpad) && !rd_room_mixer_remove_source (room->mix, sinkpad))
    g_return_if_reached ();
}

GstElement *
rd_room_acquire_mix (RdRoom *room, const char *key, GError **error)
{
  g_return_val_if_fail (RD_IS_ROOM (room), NULL);
  g_return_val_if_fail (key != NULL, NULL);
  return rd_room_mixer_acquire (room->mix, key, error);
}

void
rd_room_release_mix (RdRoom *room, const char *key)
{
  g_return_if_fail (RD_IS_ROOM (room));
  rd_room_mixer_release (room->mix, key);
}

guint
rd_room_get_mix_inputs (RdRoom *room, const char *key)
{
  g_return_val_if_fail (RD_IS_ROOM (room), 0);
  return rd_room_mixer_count (room->mix, key);
}

double
rd_room_get_level (RdRoom *room, const char *key)
{
  g_return_val_if_fail (RD_IS_ROOM (room), RD_ROOM_LEVEL_FLOOR);
  g_return_val_if_fail (key != NULL, RD_ROOM_LEVEL_FLOOR);
  return MAX (rd_room_mixer_get_level (room->mix, key), RD_ROOM_LEVEL_FLOOR);
}

guint64
rd_room_get_remote_video_frames (RdRoom *room)
{
  g_return_val_if_fail (RD_IS_ROOM (room), 0);
  return __atomic_load_n (&room->remote_video_frames, __ATOMIC_RELAXED);
}

guint64
rd_room_get_remote_audio_buffers (RdRoom *room)
{
  g_return_val_if_fail (RD_IS_ROOM (room), 0);
  return __atomic_load_n (&room->remote_audio_buffers, __ATOMIC_RELAXED);
}
