/* rd-media-room-stamp.c: the test camera's machine-readable clock. Each frame carries the wall
 * clock (milliseconds since 1970, low 32 bits, most significant bit first) as 32 cells of
 * 16x16 pixels, white = 1, black = 0, along the top-left of the picture. A receiver that reads
 * it back and subtracts it from its own clock (same machine, or synchronised clocks) measures
 * glass-to-glass latency: bench/bench-stamp.js does, for bench/bench-join.c. Only the test
 * camera has it; a real camera's picture is never drawn on. */
#include "media/rd-media-room-private.h"

#include <gst/video/video.h>
#include <string.h>

#define CELL 16
#define BITS 32

static void
fill (GstVideoFrame *frame, guint plane, gint x, gint y, gint w, gint h, guint8 value)
{
  guint8 *data = GST_VIDEO_FRAME_PLANE_DATA (frame, plane);
  gint stride = GST_VIDEO_FRAME_PLANE_STRIDE (frame, plane);

  for (gint row = y; row < y + h; row++)
    memset (data + (gsize)row * stride + x, value, w);
}

static GstPadProbeReturn
stamp_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  GstVideoInfo *vinfo = user_data;
  GstBuffer *buffer = gst_buffer_make_writable (GST_PAD_PROBE_INFO_BUFFER (info));
  guint32 ms = (guint32)((guint64)g_get_real_time () / 1000);
  GstVideoFrame frame;

  GST_PAD_PROBE_INFO_DATA (info) = buffer;
  if (GST_VIDEO_INFO_WIDTH (vinfo) < BITS * CELL || GST_VIDEO_INFO_HEIGHT (vinfo) < CELL ||
      !gst_video_frame_map (&frame, vinfo, buffer, GST_MAP_WRITE))
    return GST_PAD_PROBE_OK;
  for (gint i = 0; i < BITS; i++)
    {
      gboolean bit = (ms >> (BITS - 1 - i)) & 1;
      fill (&frame, 0, i * CELL, 0, CELL, CELL, bit ? 235 : 16);  /* Y: video white / black */
      fill (&frame, 1, i * CELL / 2, 0, CELL / 2, CELL / 2, 128); /* U, V: no colour */
      fill (&frame, 2, i * CELL / 2, 0, CELL / 2, CELL / 2, 128);
    }
  gst_video_frame_unmap (&frame);
  return GST_PAD_PROBE_OK;
}

void
rd_room_add_time_stamp (GstPad *pad, const char *caps_text)
{
  g_autoptr (GstCaps) caps = gst_caps_from_string (caps_text);
  GstVideoInfo *vinfo = gst_video_info_new ();

  if (!caps || !gst_video_info_from_caps (vinfo, caps) ||
      GST_VIDEO_INFO_FORMAT (vinfo) != GST_VIDEO_FORMAT_I420)
    {
      GST_WARNING ("no time stamp on the test camera: caps %s are not I420", caps_text);
      gst_video_info_free (vinfo);
      return;
    }
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, stamp_probe, vinfo,
                     (GDestroyNotify)gst_video_info_free);
}
