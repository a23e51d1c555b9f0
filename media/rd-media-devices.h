/* rd-media-devices.h: GStreamer start-up and the room's device check (`receptionctl status`).
 *
 * Contract: rd_media_init() initialises GStreamer and checks, from one table, that every element
 * receptiond's pipelines use is installed; when some are not, the error names each missing
 * element and the Debian package that provides it. rd_media_probe_devices() reports, for each
 * of the room's four roles (camera, microphone, display, speakers, in that order), which
 * element the configured setting resolves to and whether it can be used now:
 *   test          -> videotestsrc / audiotestsrc
 *   none          -> fakesink
 *   auto          -> camera, microphone, speakers: the first Video/Source, Audio/Source or
 *                    Audio/Sink device GStreamer's device providers list (as GstDeviceMonitor
 *                    would), with the element that device makes (v4l2src, pulsesrc, ...);
 *                    display: autovideosink when there is a display to show it on
 *                    ($DISPLAY, $WAYLAND_DISPLAY or a /dev/dri/card*)
 *   /dev/videoN   -> v4l2src, when the path is a V4L2 video capture device the daemon may open
 *   other names   -> microphone: alsasrc, speakers: alsasink (an ALSA device name such as
 *                    hw:1,0 or plughw:CARD=USB); display: the named GStreamer video sink
 *   pipeline:...  -> the bin's source (camera, microphone) or sink (display, speakers) element,
 *                    when the description passes rd_media_check_devices(); used as described,
 *                    never searched for or replaced by a stand-in
 * A device is available exactly when element is non-NULL. The probe never opens an audio
 * device or starts streaming, so it can run while the room's pipeline holds the devices; it
 * only opens a named camera for a VIDIOC_QUERYCAP, which V4L2 allows alongside streaming.
 *
 * Errors: rd_media_init() fails with RD_MEDIA_ERROR_INIT (media/rd-media-error.h). Nothing here
 * logs; the daemon reports what it is returned.
 *
 * Threading: main thread only. rd_media_probe_devices() may block briefly while the device
 * providers look for devices: a few milliseconds normally, at most 2 s per "auto" role when a
 * sound server does not answer (the search then goes on in a worker thread, and the role reads
 * as unavailable until it ends).
 *
 * Ownership: rd_media_probe_devices() returns a new array that owns its elements (free it with
 * g_ptr_array_unref); every string in an RdMediaDevice belongs to that device.
 */
#pragma once

#include <glib.h>

#include "config/rd-config.h"

G_BEGIN_DECLS

typedef struct
{
  char *role;         /* "camera", "microphone", "display" or "speakers" */
  char *setting;      /* as configured: "test", "auto", "none", "/dev/video0", "hw:1,0",
                         "pipeline:...", ... */
  char *element;      /* the GStreamer element that will be used, e.g. "videotestsrc",
                         "v4l2src", "fakesink", "autovideosink"; NULL if none is usable */
  gboolean available; /* element != NULL */
  char *detail;       /* a sentence for people: "test pattern", "no camera found: the slate will
                         be shown", "/dev/video0: no such device" */
} RdMediaDevice;

void rd_media_device_free (RdMediaDevice *d);

/* Initialises GStreamer (gst_init_check) and checks that the elements receptiond needs exist.
 * May be called again; later calls only repeat the check. */
gboolean rd_media_init (GError **error);

/* Checks every role of @config that is a pipeline (RD_DEVICE_PIPELINE): its description
 * parses into a bin (every element exists, every property is valid), the bin's elements leave
 * exactly one pad unlinked, a src pad for camera and microphone or a sink pad for display and
 * speakers (and none of the other direction, unless an element adds pads while it runs, as
 * decodebin does), and that pad's caps meet raw video (camera, display) or raw audio (microphone,
 * speakers). The bins are made and dropped, never started: no device is opened. Initialises
 * GStreamer (gst_init_check) when a role is a pipeline and it is not yet; does nothing else for
 * the other roles. FALSE with RD_MEDIA_ERROR_DEVICE for the first role that fails, the message
 * naming the key and GStreamer's reason: "[media] camera: pipeline: no element \"foo\"",
 * "[media] speakers: pipeline: has 2 unlinked sink pads (fakesink0:sink, fakesink1:sink), needs
 * one"; RD_MEDIA_ERROR_INIT when GStreamer cannot start. */
gboolean rd_media_check_devices (RdConfig *config, GError **error);

/* The four roles of @config, in the order camera, microphone, display, speakers. Call after a
 * successful rd_media_init(). (transfer full): a GPtrArray of RdMediaDevice* with its free
 * function set. */
GPtrArray *rd_media_probe_devices (RdConfig *config);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RdMediaDevice, rd_media_device_free)

G_END_DECLS
