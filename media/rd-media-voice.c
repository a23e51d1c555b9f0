/* rd-media-voice.c: the room's microphone processing. See rd-media-voice.h.
 *
 * webrtcdsp's properties: https://gstreamer.freedesktop.org/documentation/webrtcdsp/webrtcdsp.html
 * Debian 12's element is built on webrtc-audio-processing 0.3: the canceller is WebRTC's
 * "legacy" AEC with its extended filter, and delay-agnostic mode is its own delay estimator. */
#include "media/rd-media-voice.h"
#include "media/rd-media-error.h"

void
rd_voice_settings_from_config (RdVoiceSettings *settings, const RdConfig *config)
{
  settings->echo_cancel = rd_config_get_echo_cancel_active (config);
  settings->noise_suppression = rd_config_get_noise_suppression (config);
  settings->gain_control = rd_config_get_gain_control (config);
}

GstCaps *
rd_voice_caps (int channels)
{
  return gst_caps_new_simple ("audio/x-raw", "format", G_TYPE_STRING, "S16LE", "layout",
                              G_TYPE_STRING, "interleaved", "rate", G_TYPE_INT, 48000, "channels",
                              G_TYPE_INT, channels, NULL);
}

static GstElement *
make (const char *factory, const char *name, GError **error)
{
  GstElement *e = gst_element_factory_make (factory, name);

  if (!e)
    g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_INIT,
                 "GStreamer element %s is missing (gstreamer1.0-plugins-bad)", factory);
  return e;
}

GstElement *
rd_voice_new_probe (const char *name, GError **error)
{
  return make ("webrtcechoprobe", name, error);
}

GstElement *
rd_voice_new_processor (const RdVoiceSettings *settings, const char *probe_name, GError **error)
{
  GstElement *dsp = make ("webrtcdsp", NULL, error);

  if (!dsp)
    return NULL;
  g_object_set (dsp, "high-pass-filter", TRUE, "echo-cancel", settings->echo_cancel,
                "delay-agnostic", FALSE, "extended-filter", TRUE, "gain-control",
                settings->gain_control, "noise-suppression",
                settings->noise_suppression != RD_NOISE_SUPPRESSION_OFF, NULL);
  if (settings->noise_suppression != RD_NOISE_SUPPRESSION_OFF)
    /* webrtcdsp's levels: 0 low, 1 moderate, 2 high, 3 very-high */
    gst_util_set_object_arg (G_OBJECT (dsp), "noise-suppression-level",
                             rd_noise_suppression_to_string (settings->noise_suppression));
  if (settings->echo_cancel)
    g_object_set (dsp, "probe", probe_name, NULL);
  return dsp;
}
