/* rd-media-room-h264.c: the room's shared H.264 encoder ([media] video-codec = h264). See
 * rd-media-room-private.h.
 *
 * One bin (named by the caller: the camera's, the composite's): encoder -> video/x-h264
 * constrained-baseline byte-stream -> h264parse (SPS/PPS before every IDR, so a party that joins
 * decodes from the keyframe it is sent). The encoder is x264enc tuned for real time
 * (tune=zerolatency: no B-frames, no lookahead; speed-preset=ultrafast) on ONE thread:
 * zerolatency's sliced threads cut each picture into several slices, and OpenH264's decoder (a
 * party's, or the test peer's) then conceals and drops every frame that came over RTP (seen here;
 * one slice decodes cleanly). openh264enc (complexity low, camera usage) is used when x264 is not
 * installed. CPU measured here for 20 s of the test pattern with a clock, live at 30 fps, beyond
 * the source's own: x264 0.3 s at 640x360 and 0.7 s at 1280x720 (1.5 % and 3.5 % of a core);
 * OpenH264 0.3 s and 1.1 s; the room's vp8enc about 15 s at 640x360. The peers' rtph264pay
 * packetizes with packetization-mode=1 (FU-A/STAP-A). */
#include "media/rd-media-room-private.h"
#include "media/rd-media-error.h"

static GstElement *
make_encoder (int bitrate_bps, guint keyframe_max_dist)
{
  GstElement *enc = gst_element_factory_make ("x264enc", "x264enc");

  if (enc)
    {
      gst_util_set_object_arg (G_OBJECT (enc), "tune", "zerolatency");
      gst_util_set_object_arg (G_OBJECT (enc), "speed-preset", "ultrafast");
      g_object_set (enc, "bitrate", (guint)(bitrate_bps / 1000), "key-int-max", keyframe_max_dist,
                    "bframes", 0, "byte-stream", TRUE, "threads", 1, "sliced-threads", FALSE,
                    "vbv-buf-capacity", 300 /* ms */, NULL);
      return enc;
    }
  enc = gst_element_factory_make ("openh264enc", "openh264enc");
  if (enc)
    {
      gst_util_set_object_arg (G_OBJECT (enc), "complexity", "low");
      gst_util_set_object_arg (G_OBJECT (enc), "rate-control", "bitrate");
      gst_util_set_object_arg (G_OBJECT (enc), "usage-type", "camera");
      /* its default slice mode (n-slices, num-slices=1) makes one slice per picture */
      g_object_set (enc, "bitrate", (guint)bitrate_bps, "gop-size", keyframe_max_dist, NULL);
    }
  return enc;
}

GstElement *
rd_room_make_h264_encoder (RdRoom *room, const char *name, int bitrate_bps, guint keyframe_max_dist,
                           GError **error)
{
  GstElement *bin, *enc, *filter, *parse;
  g_autoptr (GstCaps) caps = NULL;
  g_autoptr (GstPad) sink = NULL;
  g_autoptr (GstPad) src = NULL;

  enc = make_encoder (bitrate_bps, keyframe_max_dist);
  if (!enc)
    {
      g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_INIT,
                   "video-codec=h264 needs an H.264 encoder: x264enc (gstreamer1.0-plugins-ugly) "
                   "or openh264enc (gstreamer1.0-plugins-bad); neither is installed");
      return NULL;
    }
  bin = gst_bin_new (name);
  gst_bin_add (GST_BIN (bin), enc);
  filter = rd_room_make (room, GST_BIN (bin), "capsfilter", NULL, error);
  parse = filter ? rd_room_make (room, GST_BIN (bin), "h264parse", NULL, error) : NULL;
  if (!parse)
    {
      gst_object_unref (gst_object_ref_sink (bin));
      return NULL;
    }
  /* Level 3.1 fixed (x264 encodes to it, h264parse keeps it): payloaders then derive
   * profile-level-id=42e01f, what browsers offer. Left to x264 (3.0 at 640x360), a payloader
   * negotiating after h264parse had put the level in the caps met webrtcbin's 42e01f with
   * 42e01e, failed, and that party got no video. */
  caps = gst_caps_from_string ("video/x-h264,profile=constrained-baseline,level=(string)3.1,"
                               "stream-format=byte-stream,alignment=au");
  g_object_set (filter, "caps", caps, NULL);
  g_object_set (parse, "config-interval", -1, NULL);
  if (!gst_element_link_many (enc, filter, parse, NULL))
    {
      gst_object_unref (gst_object_ref_sink (bin));
      g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_INIT,
                   "%s cannot make H.264 constrained baseline", GST_ELEMENT_NAME (enc));
      return NULL;
    }
  sink = gst_element_get_static_pad (enc, "sink");
  src = gst_element_get_static_pad (parse, "src");
  gst_element_add_pad (bin, gst_ghost_pad_new ("sink", sink));
  gst_element_add_pad (bin, gst_ghost_pad_new ("src", src));
  gst_bin_add (GST_BIN (room->pipeline), bin);
  GST_INFO ("room video: H.264 constrained baseline from %s", GST_ELEMENT_NAME (enc));
  return bin;
}
