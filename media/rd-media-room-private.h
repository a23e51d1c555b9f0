/* rd-media-room-private.h: what rd-media-room.c (sources, encoders, control) and
 * rd-media-room-output.c (compositor, mixer, display, speakers) share. media/ only.
 * Threading: main context, except the counters (atomic, written on streaming threads). */
#pragma once

#include "media/rd-media-private.h"

G_BEGIN_DECLS

#define GST_CAT_DEFAULT rd_media_debug

#define RD_ROOM_FRAMERATE 30

typedef struct _RdRoomMixer RdRoomMixer;

struct _RdRoom
{
  GObject parent_instance;

  RdConfig *config;
  GMainContext *context;
  GstPipeline *pipeline;
  GSource *bus_source;
  GstElement *video_tee, *audio_tee; /* encoded */
  GstElement *mic_tee;               /* raw: the microphone after mute, 48 kHz mono */
  RdRoomMixer *mix;                  /* the parties' mixes and the speakers' inputs */
  GstElement *encoder, *balance, *volume;
  GstElement *compositor, *mixer;
  GstElement *banner;    /* textoverlay on the display: the recording mark */
  GstPad *self_view_pad; /* the compositor's pad for the room's own camera */
  int width, height;
  gboolean muted_mic, muted_camera;
  GPtrArray *remote_video_pads; /* compositor sink pads, in join order */
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

/* rd-media-room.c: the room's Opus settings on @encoder (every Opus stream the room sends). */
void rd_room_set_opus_encoder (GstElement *encoder);

/* rd-media-room-mix.c: mix-minus. Parties' decoded audio ("sources") go to the speakers'
 * aggregator @speakers and to every mix but their key's; a mix is the microphone (@mic_tee) and
 * the sources of other keys, Opus encoded. @counter counts the parties' buffers reaching the
 * speakers. Main context; free after the pipeline stopped. */
RdRoomMixer *rd_room_mixer_new (GstBin *pipeline, GstElement *mic_tee, GstElement *speakers,
                                guint64 *counter);
void rd_room_mixer_free (RdRoomMixer *mx);
/* Links @src (a party's decoded audio) as a source of @key; returns the pad it is linked to (the
 * handle for rd_room_mixer_remove_source), NULL on failure. (transfer none) */
GstPad *rd_room_mixer_add_source (RdRoomMixer *mx, GstPad *src, const char *key);
/* FALSE when @sink is no source's. */
gboolean rd_room_mixer_remove_source (RdRoomMixer *mx, GstPad *sink);
/* The Opus tee of @key's mix, made on first use; one use taken. (transfer none) */
GstElement *rd_room_mixer_acquire (RdRoomMixer *mx, const char *key, GError **error);
void rd_room_mixer_release (RdRoomMixer *mx, const char *key);
/* How many inputs @key's mix has (the microphone and each other party's audio); *@hears is
 * FALSE when there is no such mix. */
guint rd_room_mixer_count (RdRoomMixer *mx, const char *key, gboolean *hears);

G_END_DECLS
