/* rd-media-voice.h: the room's microphone processing: echo cancellation, noise suppression,
 * automatic gain and a high-pass filter (GStreamer's webrtcdsp, WebRTC's audio processing
 * module), with the echo reference taken by a webrtcechoprobe on the speakers' path.
 *
 * Contract: a processor works on 10 ms frames of 48 kHz S16LE interleaved audio, and so does its
 * probe (webrtcdsp refuses a probe at another rate). The probe is found by its name, process-wide
 * (webrtcdsp looks it up in a global list when it starts): each room gives its own unique name.
 * The probe stamps what it passes with its play-out time (running time plus the pipeline's
 * latency), and the canceller takes the reference it pairs with each microphone frame by that
 * time: the delay the pipeline reports is known exactly, and the canceller's adaptive filter
 * covers the rest (the air, a device's unreported buffering) up to about 50 ms (bench-echo).
 * webrtcdsp's delay-agnostic mode is not used: on Debian 12's webrtc-audio-processing 0.3 it
 * did not find a 120 ms echo path within 10 s of speech (bench-echo's delay-agnostic row).
 * Echo cancellation off makes a processor that never looks for a probe.
 *
 * Errors: RD_MEDIA_ERROR_INIT when an element is missing. Nothing here logs.
 * Threading: any thread; the elements are then the caller's to add to a pipeline.
 * Ownership: each function returns a floating element (transfer floating), as
 * gst_element_factory_make.
 */
#pragma once

#include <gst/gst.h>

#include "config/rd-config.h"

G_BEGIN_DECLS

typedef struct
{
  gboolean echo_cancel;
  RdNoiseSuppression noise_suppression;
  gboolean gain_control;
} RdVoiceSettings;

/* The settings @config asks for ([media] echo-cancel resolved against the speakers,
 * noise-suppression, gain-control). */
void rd_voice_settings_from_config (RdVoiceSettings *settings, const RdConfig *config);

/* The caps processor and probe work on, for @channels. (transfer full) */
GstCaps *rd_voice_caps (int channels);

/* A webrtcechoprobe named @name: put it where the speakers' audio leaves the room's mix. */
GstElement *rd_voice_new_probe (const char *name, GError **error);

/* A webrtcdsp set as @settings says, reading the echo reference from the probe @probe_name. */
GstElement *rd_voice_new_processor (const RdVoiceSettings *settings, const char *probe_name,
                                    GError **error);

G_END_DECLS
