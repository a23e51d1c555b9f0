/* rd-media-room-private.h: what rd-media-room.c (sources, encoders, control) and
 * rd-media-room-output.c (compositor, mixer, display, speakers) share. media/ only.
 * Threading: main context, except the counters (atomic, written on streaming threads). */
#pragma once

#include "media/rd-media-private.h"

G_BEGIN_DECLS

#define GST_CAT_DEFAULT rd_media_debug

#define RD_ROOM_FRAMERATE 30
/* The compositor shows, from the start of each picture it makes, the tile frame captured within
 * that picture's interval: up to one interval early, half of one on average. Every audio input
 * of a mixer (the parties' mixes, the speakers') is placed this much earlier to match, and the
 * mixer waits this much longer, so nothing is heard sooner or later than before (GStreamer's
 * GstVideoAggregator takes a buffer for the output frame whose end its start precedes). */
#define RD_ROOM_AUDIO_LEAD_NS (GST_SECOND / RD_ROOM_FRAMERATE / 2)

typedef struct _RdRoomMixer RdRoomMixer;
typedef struct _RdRoomGrab RdRoomGrab;

struct _RdRoom
{
  GObject parent_instance;

  RdConfig *config;
  GMainContext *context;
  GstPipeline *pipeline;
  GSource *bus_source;
  GstElement *video_tee, *audio_tee; /* encoded */
  GstElement *mic_tee;               /* raw: the microphone after mute, 48 kHz mono */
  GstElement *voice;                 /* webrtcdsp on the microphone, or NULL (a test tone) */
  GstElement *echo_probe;            /* webrtcechoprobe before the speakers, or NULL */
  char *echo_probe_name;             /* unique in the process (webrtcdsp finds it by name) */
  gint echo_delay_ms;                /* atomic: the latency the probe was told, -1 before */
  RdRoomMixer *mix;                  /* the parties' mixes and the speakers' inputs */
  GstElement *encoder, *balance, *volume;
  int bitrate; /* of the room's video encoders */
  /* the conference picture (rd-media-room-layout.c): the display's composited picture, encoded
   * when the layout is not ROOM, and what the parties are sent, chosen by the layout */
  GstElement *composite_valve, *composite_encoder, *composite_tee;
  GstElement *send_selector, *send_tee;
  GstPad *send_camera_pad, *send_composite_pad; /* the selector's sink pads */
  GstPad *send_wanted;           /* atomic: the one to switch to at its next keyframe, or NULL */
  GstElement *outtee;            /* the display's picture, after the REC mark */
  RdLayout layout, layout_shown; /* as asked; what is shown (AUTO resolved) */
  GHashTable *labels;            /* key -> label text */
  GHashTable *party_muted; /* key -> GUINT_TO_POINTER (1 << RdRoomTrack, or-ed), for muted keys */
  GPtrArray *tiles;        /* RdRoomTile*: the parties' video, in join order */
  char *speaker;           /* the active speaker's key, or NULL */
  gint64 speaker_since_us;
  char *candidate;
  gint64 candidate_since_us;
  GSource *speaker_source; /* the active speaker's and stalls' tick, on the room's context */
  gint64 keyframe_us;      /* atomic: when the parties' last keyframe request went through */
  GstElement *compositor, *mixer;
  GstElement *banner;     /* textoverlay on the display: the recording mark */
  GstPad *self_view_pad;  /* the compositor's pad for the room's own camera */
  GstElement *self_label; /* textoverlay on the room's own tile */
  int width, height;
  gboolean muted_mic, muted_camera;
  GHashTable *watched;          /* GstElement* bin -> Watch* */
  guint64 remote_video_frames;  /* atomic */
  guint64 remote_audio_buffers; /* atomic */
  RdRoomGrab *grabs[2];         /* the previews (rd-media-room-preview.c), by RdRoomPreview */
};

/* rd-media-room-stamp.c: draws the wall clock, machine-readable, into every I420 frame of
 * @caps_text that leaves @pad (the test camera only). */
void rd_room_add_time_stamp (GstPad *pad, const char *caps_text);

/* The bin @s (kind RD_DEVICE_PIPELINE) describes for @role, added to the room's pipeline;
 * NULL with RD_MEDIA_ERROR_DEVICE naming the key. (transfer none) */
GstElement *rd_room_make_pipeline_device (RdRoom *room, const char *role, RdDeviceSetting s,
                                          GError **error);

/* Makes @factory and adds it to the room's pipeline (or @bin when not NULL). */
GstElement *rd_room_make (RdRoom *room, GstBin *bin, const char *factory, const char *name,
                          GError **error);
gboolean rd_room_link_caps (GstElement *from, GstElement *to, const char *caps_text,
                            GError **error);
/* "video/x-raw,format=I420,width=..,height=..,framerate=30/1,..." of the room's video.
 * (transfer full) */
char *rd_room_video_caps (RdRoom *room);

/* A video encoder of the room's codec, named @name, in the pipeline. */
GstElement *rd_room_make_video_encoder (RdRoom *room, const char *name, GError **error);
/* Asks @encoder for a keyframe now. */
void rd_room_encoder_keyframe (GstElement *encoder);

/* rd-media-room-layout.c: the parties' tiles, the layouts, labels and the active speaker; the
 * composite encoder and the selector of what the parties are sent (after the outputs). */
typedef struct _RdRoomTile RdRoomTile;
typedef enum
{
  RD_ROOM_TILE_SHOWN,
  RD_ROOM_TILE_STALLED,
  RD_ROOM_TILE_FAILED,
} RdRoomTileState;
gboolean rd_room_build_composite (RdRoom *room, GError **error);
/* Emits "layout-changed" (rd-media-room.c). */
void rd_room_emit_layout_changed (RdRoom *room);
/* Emits "tile-changed" (rd-media-room.c). */
void rd_room_emit_tile_changed (RdRoom *room, const char *key, const char *state);
void rd_room_relayout (RdRoom *room);
void rd_room_layout_init (RdRoom *room);
void rd_room_layout_dispose (RdRoom *room);
/* The room's own label follows its mute state. */
void rd_room_layout_muted (RdRoom *room);

/* A textoverlay for a tile's label, in @bin (the pipeline when NULL). */
GstElement *rd_room_make_label (RdRoom *room, GstBin *bin, GError **error);

/* rd-media-room-h264.c: an H.264 encoder (constrained baseline, SPS/PPS with every IDR,
 * real-time settings), a bin @name with "sink" (raw video) and "src" pads, in the pipeline. */
GstElement *rd_room_make_h264_encoder (RdRoom *room, const char *name, int bitrate_bps,
                                       guint keyframe_max_dist, GError **error);

/* rd-media-room-voice.c: links @last (the microphone, converted) through the room's voice
 * processing when it has one (not for the test tone); returns the element to link on from.
 * (transfer none) */
GstElement *rd_room_add_voice_processing (RdRoom *room, GstElement *last, GError **error);
/* Sets a sound card's element (an audio base source or sink: alsasrc, pulsesink, ...) to
 * buffer for conversation: 40 ms of buffer in 10 ms periods, not the 200 ms GStreamer's audio
 * elements default to. Any other element is left alone. */
void rd_room_set_conversation_buffering (GstElement *element);
/* Puts the echo probe between the speakers' mix @from and @to when the echo is cancelled;
 * links them directly otherwise. */
gboolean rd_room_link_echo_probe (RdRoom *room, GstElement *from, GstElement *to, GError **error);

/* rd-media-room-output.c: the display branch (the self-view from @rawtee and the remote
 * parties' video, composited) and the speakers branch (silence and the parties' audio, mixed). */
gboolean rd_room_build_outputs (RdRoom *room, GstElement *rawtee, GError **error);
/* A pad probe counting buffers (and buffers in lists) into the guint64 @user_data (atomic). */
GstPadProbeReturn rd_room_count_buffers (GstPad *pad, GstPadProbeInfo *info, gpointer user_data);
/* Takes the tile whose handle is @sinkpad out; FALSE when it is no tile's. */
gboolean rd_room_release_tile (RdRoom *room, GstPad *sinkpad);

/* rd-media-room-preview.c: the previews of the camera (at @rawtee's sink pad) and of the
 * display's picture (at the outtee's), once both are built; dispose fails what still waits. */
void rd_room_preview_init (RdRoom *room, GstElement *rawtee);
void rd_room_preview_dispose (RdRoom *room);

/* rd-media-room.c: the room's Opus settings on @encoder (every Opus stream the room sends). */
void rd_room_set_opus_encoder (GstElement *encoder);

/* rd-media-room-mix.c: mix-minus. Parties' decoded audio ("sources") go to the speakers'
 * aggregator @speakers and to every mix but their key's; a mix is the microphone (@mic_tee) and
 * the sources of other keys, Opus encoded. @counter counts the parties' buffers reaching the
 * speakers. Main context; free after the pipeline stopped. */
RdRoomMixer *rd_room_mixer_new (GstBin *pipeline, GstElement *mic_tee, GstElement *speakers,
                                guint64 *counter);
void rd_room_mixer_free (RdRoomMixer *mx);
/* The level of @key's audio (the loudest of its sources now), in dBFS; -127 for none. */
double rd_room_mixer_get_level (RdRoomMixer *mx, const char *key);
/* Silences every source of @key (rd_room_set_party_muted). */
void rd_room_mixer_set_muted (RdRoomMixer *mx, const char *key, gboolean muted);
/* Links @src (a party's decoded audio) as a source of @key; returns the pad it is linked to (the
 * handle for rd_room_mixer_remove_source), NULL on failure. (transfer none) */
GstPad *rd_room_mixer_add_source (RdRoomMixer *mx, GstPad *src, const char *key);
/* FALSE when @sink is no source's. */
gboolean rd_room_mixer_remove_source (RdRoomMixer *mx, GstPad *sink);
/* The source @sink's own timestamps go with its buffers from now on, for the room's recorded
 * full mix (rd_room_time_remote_audio). */
void rd_room_mixer_time_by_stream (RdRoomMixer *mx, GstPad *sink);
/* The Opus tee of @key's mix, made on first use; one use taken. (transfer none) */
GstElement *rd_room_mixer_acquire (RdRoomMixer *mx, const char *key, GError **error);
void rd_room_mixer_release (RdRoomMixer *mx, const char *key);
/* How many inputs @key's mix has (the microphone and each other party's audio); 0 when there
 * is no such mix. */
guint rd_room_mixer_count (RdRoomMixer *mx, const char *key);

/* rd-media-room-mixer-pad.c: @pad (a request pad of the audiomixer @mixer) unlinked, flushed
 * and released, now or, while @mixer mixes, by its thread between two mixes (GStreamer 1.22's
 * audio aggregator mixes freed memory when a pad goes during a mix). Main context.
 * (@pad: transfer full) */
void rd_room_release_mixer_pad (GstElement *mixer, GstPad *pad);

G_END_DECLS
