/* rd-media-room.h: RdRoom, the room's GStreamer pipeline. It lives as long as the daemon.
 *
 * Contract:
 * - Sources follow the config: camera test = videotestsrc is-live=true with a clock overlay,
 *   /dev/videoN = v4l2src, auto = the first camera found or a "camera unavailable" slate;
 *   microphone test = audiotestsrc is-live=true, auto/named = pulsesrc/alsasrc. Display none =
 *   fakesink, auto/named = the sink; speakers likewise. Any of the four given as pipeline:...
 *   is the bin it describes (rd_media_check_devices()), as is: no stand-in when it fails, no
 *   clock drawn on a pipeline camera's picture.
 * - The room is encoded ONCE: video (VP8, real-time settings: deadline=1, cpu-used>=4,
 *   keyframe-max-dist bounded, error-resilient; or with [media] video-codec=h264 H.264
 *   constrained baseline, x264 zero-latency, SPS/PPS with every IDR) and audio (Opus) each go to a
 * tee of encoded RTP-ready streams that every peer (and, later, the recorder) links to. A new
 * consumer asks for a keyframe (rd_room_request_keyframe) so its first picture comes at once.
 * - Remote parties' decoded video is composited with the room's self-view (no party: the
 *   self-view full screen; one party: full screen with the self-view in a corner; more: a grid),
 *   also with display=none (the composited picture is what a display or recorder shows); their
 *   audio is mixed with silence to the speakers. Both run at their rates with no party.
 * - The conference picture: the display's compositor lays out the room's camera and every
 *   party's video as the layout says, each tile labelled, with the REC mark; unless the layout
 *   is ROOM it is encoded once and sent to every party instead of the camera (rd-media-room-
 *   layout.c). The recorder's room video stays the camera.
 * - Mix-minus: each remote party hears the microphone and every other party, never itself
 *   (rd_room_acquire_mix): one Opus encoder per key that receives audio. The room's own audio
 *   tee (the microphone alone) is the room's record.
 * - No consumer can stop the shared encoders: a peer or the self-view that fails (refuses caps,
 *   flushes, ends) only loses its own branch, and reports it on the bus.
 * - Mute sends silence (mic) or black (camera) without renegotiating: the encoded streams go on.
 * - Adding and removing consumers never stops the pipeline.
 *
 * Signals (on the main context the room was made on):
 *   "error" (GError *error): an element of the room's own pipeline (a device, an encoder, the
 *   compositor or mixer; not a peer's, which its RdPeer handles) posted an error:
 *   RD_MEDIA_ERROR_PIPELINE, the message "<element>: <GStreamer's message>". The branch it
 *   names may have stopped; the daemon should log it and may restart the room. Warnings are
 *   not emitted.
 *   "layout-changed": the layout shown (rd_room_get_layout's @shown) or the active speaker
 *   changed.
 *   "tile-changed" (const char *key, const char *state): @key's tile went to @state
 *   (rd_room_get_tile_state's words, not "none").
 *
 * Threading: create, start, stop and call everything from the main context.
 *
 * Ownership: rd_room_new() returns (transfer full); the room keeps a reference on @config.
 */
#pragma once

#include <gio/gio.h>
#include <gst/gst.h>

#include "config/rd-config.h"

G_BEGIN_DECLS

typedef enum
{
  RD_ROOM_TRACK_MIC,
  RD_ROOM_TRACK_CAMERA,
} RdRoomTrack;

/* The key (rd_room_acquire_mix, rd_room_set_label) of the room's own camera and microphone. */
#define RD_ROOM_KEY "room"

#define RD_TYPE_ROOM (rd_room_get_type ())
G_DECLARE_FINAL_TYPE (RdRoom, rd_room, RD, ROOM, GObject)

/* Builds the pipeline (not yet playing). Errors are RD_MEDIA_ERROR_DEVICE/INIT naming the
 * element or device. (transfer full) */
RdRoom *rd_room_new (RdConfig *config, GError **error);

/* Sets the pipeline to PLAYING and waits (bounded) until it is; FALSE with @error otherwise. */
gboolean rd_room_start (RdRoom *room, GError **error);
/* Sets the pipeline to NULL. Idempotent. */
void rd_room_stop (RdRoom *room);

void rd_room_set_muted (RdRoom *room, RdRoomTrack track, gboolean muted);

/* The microphone's processing as it runs ([media] echo-cancel, noise-suppression, gain-control;
 * rd-media-voice.h). echo_delay_ms: the speakers' delay the canceller aligns its reference by
 * (the pipeline's latency), -1 before the pipeline has one or without echo cancellation. */
typedef struct
{
  gboolean processing; /* FALSE for a test microphone (a tone is not processed) */
  gboolean echo_cancel;
  RdNoiseSuppression noise_suppression;
  gboolean gain_control;
  int echo_delay_ms;
} RdRoomVoiceState;
void rd_room_get_voice_state (RdRoom *room, RdRoomVoiceState *state);
gboolean rd_room_get_muted (RdRoom *room, RdRoomTrack track);

/* The text drawn over the display's picture, top right (the recording mark: "● REC 00:12:34");
 * NULL or "" for none. rd_room_dup_banner() returns what is drawn now. (transfer full) */
void rd_room_set_banner (RdRoom *room, const char *text);
char *rd_room_dup_banner (RdRoom *room);

/* Asks the shared video encoder for a keyframe now. */
void rd_room_request_keyframe (RdRoom *room);

/* For media/ only (peers, recorder): the pipeline, and the tees of encoded video (VP8 frames, or
 * H.264 byte-stream access units as the config says)
 * and audio (Opus packets) to request src pads from. (transfer none) */
GstPipeline *rd_room_get_pipeline (RdRoom *room);
GstElement *rd_room_get_video_tee (RdRoom *room);
/* What the parties are sent: the room's camera (layout ROOM) or the conference picture, encoded
 * like the video tee's. */
GstElement *rd_room_get_send_video_tee (RdRoom *room);
/* The conference picture, encoded (it flows while the layout shown is not ROOM). */
GstElement *rd_room_get_composite_tee (RdRoom *room);
GstElement *rd_room_get_audio_tee (RdRoom *room);
/* Links a remote party's decoded raw video pad to the display as @key's tile (labelled with
 * @key's label; @encoded, when not NULL, is the sink pad of its decoder: the tile's decoder
 * has failed when frames go in there and no picture comes out), or its decoded audio pad to the
 * speakers and to the mix of every key but @key (mix-minus). Returns the pad @src is linked to, the
 * handle for rd_room_release_output(). (transfer none) */
GstPad *rd_room_link_remote_video (RdRoom *room, GstPad *src, GstPad *encoded, const char *key);
GstPad *rd_room_link_remote_audio (RdRoom *room, GstPad *src, const char *key);
/* Takes that party's video or audio out of the display, or the speakers and every mix, at once. */
void rd_room_release_output (RdRoom *room, GstPad *sinkpad);
/* The audio linked at @sinkpad (from rd_room_link_remote_audio()) has its lip-sync set, and
 * later corrections come slewed, not as jumps: from now on the room's recorded full mix places
 * it at its own timestamps, on the timeline its party's picture is composited on (the mixes
 * heard live keep timing it by its arrival). */
void rd_room_time_remote_audio (RdRoom *room, GstPad *sinkpad);

/* Mix-minus, for media/ only (peers). A key names who must not hear themselves: one party, or
 * the peers of one conference link. rd_room_acquire_mix() returns the tee of Opus packets of
 * what @key hears: the microphone (after mute) and the audio of every remote party linked with
 * another key, joining and leaving as they do. Each call takes one use, given back with
 * rd_room_release_mix(); the mix goes with its last use. NULL with @error
 * (RD_MEDIA_ERROR_INIT/PIPELINE) when it cannot be made. (transfer none) */
GstElement *rd_room_acquire_mix (RdRoom *room, const char *key, GError **error);
void rd_room_release_mix (RdRoom *room, const char *key);
/* How many inputs @key's mix has now (the microphone plus each other party's audio); 0 when
 * @key has no mix. */
guint rd_room_get_mix_inputs (RdRoom *room, const char *key);

/* The level of @key's sound now, in dBFS (the RMS of its samples, full scale 0; it rises at
 * once and falls over about a second): RD_ROOM_KEY is the room's microphone after its mute
 * switch, any other key the loudest of that party's (or link's) decoded audio as the mixes
 * get it, after its mute switch. RD_ROOM_LEVEL_FLOOR for digital silence, a muted microphone,
 * a key with no audio, or audio that has not come for a second. Any key. */
#define RD_ROOM_LEVEL_FLOOR (-127.0)
double rd_room_get_level (RdRoom *room, const char *key);

/* The conference picture. @layout (rd-config.h) takes effect at once; AUTO is ROOM with at
 * most one party's video, GRID with more. rd_room_get_layout() returns what was asked and, in
 * *@shown, what is shown now. A tile's label is @key's (the room's own: RD_ROOM_KEY, "room";
 * default the room's name, with its mute marks); NULL removes it. The active speaker is the
 * key that has held the floor by its audio level (hold time and hysteresis), or NULL. */
void rd_room_set_layout (RdRoom *room, RdLayout layout);
RdLayout rd_room_get_layout (RdRoom *room, RdLayout *shown);
void rd_room_set_label (RdRoom *room, const char *key, const char *label);
/* A remote party's mute switches, by its key, for its streams linked now and later: a muted
 * microphone is silence in every mix and in the speakers at once (and never the active
 * speaker); a muted camera is a black tile. Its label is marked (" · tắt mic", " · tắt camera").
 * What the party sends is recorded as it comes: its own tracks are the evidence. */
void rd_room_set_party_muted (RdRoom *room, const char *key, RdRoomTrack track, gboolean muted);
gboolean rd_room_get_party_muted (RdRoom *room, const char *key, RdRoomTrack track);
const char *rd_room_get_active_speaker (RdRoom *room);
/* @key's tile: "shown", "stalled" (no new picture for 2 s: its last one stays, marked "mất
 * hình"), "failed" (for 2 s its party's frames came in and none could be decoded: it is out
 * of the layout until one is), or "none". (transfer none) */
const char *rd_room_get_tile_state (RdRoom *room, const char *key);

/* Still pictures for the console's preview. */
typedef enum
{
  RD_ROOM_PREVIEW_CAMERA,    /* the room's camera as it comes (before its mute, as the self-view) */
  RD_ROOM_PREVIEW_COMPOSITE, /* the display's picture: the conference picture, REC mark included */
} RdRoomPreview;
#define RD_ROOM_PREVIEW_WIDTH 320 /* pixels; the height keeps the picture's aspect ratio */

/* The next picture of @source, RD_ROOM_PREVIEW_WIDTH wide, as a JPEG (RFC 2046 image/jpeg, JFIF).
 * Nothing runs for it while no picture is asked for: the next picture that passes is taken and
 * encoded in a worker thread, for every request waiting for @source; a picture made less than
 * half a second ago is given again. Fails with RD_MEDIA_ERROR_NO_PICTURE when none comes within
 * 2 s (the pipeline is not playing, the camera stopped), RD_MEDIA_ERROR_PIPELINE when it cannot
 * be encoded or the room is disposed. Main context; @callback on the caller's thread-default
 * context. */
void rd_room_preview_async (RdRoom *room, RdRoomPreview source, GCancellable *cancellable,
                            GAsyncReadyCallback callback, gpointer user_data);
/* The JPEG's bytes. (transfer full) */
GBytes *rd_room_preview_finish (RdRoom *room, GAsyncResult *result, GError **error);

/* Counters for tests and status: buffers that reached the display / speakers from remote
 * parties since start. */
guint64 rd_room_get_remote_video_frames (RdRoom *room);
guint64 rd_room_get_remote_audio_buffers (RdRoom *room);

G_END_DECLS
