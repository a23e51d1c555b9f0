/* rd-media-room-voice.c: the room's voice processing (rd-media-voice.h) in its pipeline.
 *
 *   microphone -> convert/resample -> 48 kHz mono S16LE -> webrtcdsp -> (mute, mixes, encoder)
 *   speakers' mix -> 48 kHz stereo S16LE -> webrtcechoprobe -> convert -> speakers
 *
 * The probe stamps what it passes with its play-out time: its running time plus the pipeline's
 * latency (the LATENCY event every sink's path gets). The canceller is told that delay and
 * covers the rest of the echo path (the air, a device's unreported buffering) with its own
 * adaptive filter, some tens of milliseconds (bench-echo measures how far). A test microphone is
 * a generated tone, not a room: it is not processed. */
#include "media/rd-media-error.h"
#include "media/rd-media-room-private.h"
#include "media/rd-media-voice.h"

#include <string.h>
#include <unistd.h>

static const char *
probe_name (RdRoom *room)
{
  static gint counter;

  if (!room->echo_probe_name)
    room->echo_probe_name =
        g_strdup_printf ("rd-echo-probe-%d-%d", (int)getpid (), g_atomic_int_add (&counter, 1));
  return room->echo_probe_name;
}

/* FALSE when the microphone is not processed. */
static gboolean
voice_settings (RdRoom *room, RdVoiceSettings *settings)
{
  rd_voice_settings_from_config (settings, room->config);
  return rd_config_get_microphone (room->config).kind != RD_DEVICE_TEST;
}

GstElement *
rd_room_add_voice_processing (RdRoom *room, GstElement *last, GError **error)
{
  RdVoiceSettings settings;
  g_autoptr (GstCaps) caps = rd_voice_caps (1);

  if (!voice_settings (room, &settings))
    return last;
  room->voice = rd_voice_new_processor (&settings, probe_name (room), error);
  if (!room->voice)
    return NULL;
  gst_bin_add (GST_BIN (room->pipeline), room->voice);
  if (!gst_element_link_filtered (last, room->voice, caps))
    {
      g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_INIT,
                   "cannot link the microphone to its processing (webrtcdsp)");
      return NULL;
    }
  return room->voice;
}

void
rd_room_set_conversation_buffering (GstElement *element)
{
  GObjectClass *klass = G_OBJECT_GET_CLASS (element);

  /* GstAudioBaseSrc and GstAudioBaseSink's properties, in microseconds */
  if (g_object_class_find_property (klass, "buffer-time") &&
      g_object_class_find_property (klass, "latency-time"))
    g_object_set (element, "buffer-time", (gint64)40000, "latency-time", (gint64)10000, NULL);
}

static GstPadProbeReturn
on_latency (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  RdRoom *room = user_data;
  GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);
  GstClockTime latency;

  if (GST_EVENT_TYPE (event) == GST_EVENT_LATENCY)
    {
      gst_event_parse_latency (event, &latency);
      g_atomic_int_set (&room->echo_delay_ms, (gint)(latency / GST_MSECOND));
    }
  return GST_PAD_PROBE_OK;
}

gboolean
rd_room_link_echo_probe (RdRoom *room, GstElement *from, GstElement *to, GError **error)
{
  RdVoiceSettings settings;
  g_autoptr (GstCaps) caps = rd_voice_caps (2);

  g_atomic_int_set (&room->echo_delay_ms, -1);
  if (!voice_settings (room, &settings) || !settings.echo_cancel)
    return rd_room_link_caps (from, to, "audio/x-raw,rate=48000,channels=2", error);
  room->echo_probe = rd_voice_new_probe (probe_name (room), error);
  if (!room->echo_probe)
    return FALSE;
  gst_bin_add (GST_BIN (room->pipeline), room->echo_probe);
  if (!gst_element_link_filtered (from, room->echo_probe, caps) ||
      !gst_element_link (room->echo_probe, to))
    {
      g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_INIT,
                   "cannot link the speakers' echo reference (webrtcechoprobe)");
      return FALSE;
    }
  g_autoptr (GstPad) src = gst_element_get_static_pad (room->echo_probe, "src");
  gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_EVENT_UPSTREAM, on_latency, room, NULL);
  return TRUE;
}

void
rd_room_get_voice_state (RdRoom *room, RdRoomVoiceState *state)
{
  memset (state, 0, sizeof *state);
  state->echo_delay_ms = -1;
  state->processing = room->voice != NULL;
  if (!room->voice)
    return;
  g_object_get (room->voice, "echo-cancel", &state->echo_cancel, "gain-control",
                &state->gain_control, NULL);
  state->noise_suppression = rd_config_get_noise_suppression (room->config);
  if (state->echo_cancel)
    state->echo_delay_ms = g_atomic_int_get (&room->echo_delay_ms);
}
