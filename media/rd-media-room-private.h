/* rd-media-room-private.h: what rd-media-room.c (sources, encoders, control) and
 * rd-media-room-output.c (compositor, mixer, display, speakers) share. media/ only.
 * Threading: main context, except the counters (atomic, written on streaming threads). */
#pragma once

#include "media/rd-media-private.h"

G_BEGIN_DECLS

#define GST_CAT_DEFAULT rd_media_debug

#define RD_ROOM_FRAMERATE 30

struct _RdRoom
{
  GObject parent_instance;

  RdConfig *config;
  GMainContext *context;
  GstPipeline *pipeline;
  GSource *bus_source;
  GstElement *video_tee, *audio_tee; /* encoded */
  GstElement *encoder, *balance, *volume;
  GstElement *compositor, *mixer;
  GstElement *banner;    /* textoverlay on the display: the recording mark */
  GstPad *self_view_pad; /* the compositor's pad for the room's own camera */
  int width, height;
  gboolean muted_mic, muted_camera;
  GPtrArray *remote_video_pads; /* compositor sink pads, in join order */
  GPtrArray *remote_audio_pads; /* audiomixer sink pads */
  GHashTable *watched;          /* GstElement* bin -> Watch* */
  guint64 remote_video_frames;  /* atomic */
  guint64 remote_audio_buffers; /* atomic */
};

/* rd-media-room-stamp.c: draws the wall clock, machine-readable, into every I420 frame of
 * @caps_text that leaves @pad (the test camera only). */
void rd_room_add_time_stamp (GstPad *pad, const char *caps_text);

/* Makes @factory and adds it to the room's pipeline (or @bin when not NULL). */
GstElement *rd_room_make (RdRoom *room, GstBin *bin, const char *factory, const char *name,
                          GError **error);
gboolean rd_room_link_caps (GstElement *from, GstElement *to, const char *caps_text,
                            GError **error);
/* "video/x-raw,format=I420,width=..,height=..,framerate=30/1,..." of the room's video.
 * (transfer full) */
char *rd_room_video_caps (RdRoom *room);

/* rd-media-room-h264.c: the shared H.264 encoder (constrained baseline, SPS/PPS with every
 * IDR, real-time settings), a bin with "sink" (raw video) and "src" pads, in the pipeline. */
GstElement *rd_room_make_h264_encoder (RdRoom *room, int bitrate_bps, guint keyframe_max_dist,
                                       GError **error);

/* rd-media-room-output.c: the display branch (the self-view from @rawtee and the remote
 * parties' video, composited) and the speakers branch (silence and the parties' audio, mixed). */
gboolean rd_room_build_outputs (RdRoom *room, GstElement *rawtee, GError **error);

G_END_DECLS
