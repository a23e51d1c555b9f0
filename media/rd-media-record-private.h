/* rd-media-record-private.h: what rd-media-record.c (the recorder: start, pause, stop, sealing),
 * rd-media-record-tracks.c (which tracks it records) and rd-media-record-writer.c (one track's
 * writer bin: its segments, muxer and file) share. media/ only. Threading: main context, except
 * where a field says otherwise. */
#pragma once

#include "media/rd-media-private.h"
#include "media/rd-media-record.h"

G_BEGIN_DECLS

#define GST_CAT_DEFAULT rd_media_debug

typedef struct _RdRecWriter RdRecWriter;

struct _RdRecorder
{
  GObject parent_instance;

  RdRoom *room;
  GMainContext *context; /* the main context: where the streaming threads' notes go */
  char *dir;
  char *session_id;
  guint64 segment_ns;
  gint next_segment;      /* atomic: taken on streaming threads when a segment file is made */
  GstClockTime zero;      /* the pipeline's running time at start */
  GstClockTime paused_at; /* session time of the pause, while paused */
  gboolean started, paused, stopping, finished;
  GPtrArray *writers; /* RdRecWriter*, running or finishing */
  /* what the streaming threads tell the main context (rd-media-record-segment.c), in the order
   * told: any thread pushes under @notes_lock, the main context drains */
  GMutex notes_lock;
  GQueue notes;
  gboolean notes_scheduled; /* a drain is attached to @context */
  gboolean disposed;        /* notes told from now on are dropped (nobody hears them) */
  GPtrArray *peers;         /* PeerEntry* (rd-media-record-tracks.c) */
  guint sync_id;            /* the 1 s fdatasync timer */
  gint syncing;             /* atomic: a fdatasync pass is running */
  guint pending_seals;
  guint sealed_count;
  /* writers given up on (a disk that did not answer in time) being freed on threads of their
   * own: "finished" waits for them, at most STALLED_GRACE_S after the first, so a segment their
   * stop closes is sealed before it; a disk that hangs on does not hold the stop */
  guint stalled_freeing;
  GSource *stalled_grace; /* on @context, until it fires; NULL when none or over */
  gboolean stalled_grace_over;
  /* the conference tracks: recorded while the room shows a conference picture */
  gulong layout_id;           /* on the room's "layout-changed" */
  GstElement *conference_mix; /* the room's full mix (one use of it), once first recorded */
  gboolean conference_on;     /* its writers run; their owner is &conference_on */
};

struct _RdRecWriter
{
  RdRecorder *recorder; /* owner */
  guint id;             /* names the writer in notes from the streaming thread */
  char *track;          /* "room-video", "party-<label>-audio" */
  gboolean video;
  char *codec;
  gpointer owner;  /* the RdPeer it records; NULL for the room; the recorder's conference_on for
                      the conference tracks */
  GstPad *tee_pad; /* requested from the source tee */
  GstElement *tee; /* (unowned) */
  GstElement *bin; /* "rec-<track>-<n>": queue [! parser] ! (per segment: matroskamux ! filesink) */
  GstPad *sinkpad; /* the bin's ghost sink pad */
  GstPad *upstream; /* what @sinkpad was linked to: the tee pad or a ghost pad of the peer's bin */
  gboolean finishing;
  /* frames stamped from this session time on are not recorded, and the first of them ends the
   * writer (atomic: set on the main context while the writer streams): a writer made while the
   * recording is paused, for what a party sent before the pause (held for its lip-sync,
   * announced after), or one asked to finish at a time (rd_rec_writer_finish_at());
   * GST_CLOCK_TIME_NONE for every other writer */
  GstClockTime until;
  gboolean until_told;    /* streaming thread: the first frame from @until on was told */
  guint until_timeout_id; /* rd_rec_writer_finish_at()'s bound on the wait */
  guint finish_timeout_id;
  gboolean stalled; /* it did not finish in time: its disk may not be answering */
  /* the open segment: written on the streaming thread; @lock for readers elsewhere */
  GMutex lock;
  GstElement *mux, *sink;
  GstPad *mux_pad;
  char *open_path;
  gint64 open_segment;
  GstClockTime open_at, last_end; /* session time of its first frame, and of the end so far */
  GstClockTime open_arrived;      /* session time its first frame reached the writer */
  GstClockTime last_at;           /* streaming thread: session time of the last frame */
  gboolean keyframe_asked;        /* streaming thread: the segment ends at the next keyframe */
  GstCaps *caps;                  /* streaming thread: the format of the stream so far */
  guint dropped_before_keyframe;  /* streaming thread */
  gboolean failed;                /* streaming thread: a segment could not be made (said once) */
  gint broken; /* atomic: an element of the bin failed (a write refused): nothing more goes in */
  GstElement *queue; /* (unowned) the bin's first element */
  gint64 pushed_us;  /* atomic: monotonic time the queue last pushed a buffer on (0: never) */
  gboolean stuck;    /* main: said "track-stalled", not yet "track-resumed" */
  guint done_id;     /* a broken writer's end, on the main context */
};

/* rd-media-record-writer.c */
/* The first error @element posted ("name: message"), or NULL. Any thread. (transfer full) */
char *rd_rec_element_dup_error (GstElement *element);
RdRecWriter *rd_rec_writer_new (RdRecorder *recorder, const char *track, gboolean video,
                                const char *codec, GstElement *tee, gpointer owner, GError **error);
/* Unlinks from the source, sends EOS; the writer reports back with rd_recorder_writer_done(). */
void rd_rec_writer_finish (RdRecWriter *writer);
/* Finishes @writer once a frame stamped @at (session time) or later reaches it, or after 1 s:
 * what was stamped before may still be on its way (a party's frames reach the room its jitter
 * buffer's latency after their stamps, more on a loaded machine; the room's encoder lags too).
 * At once when @at is GST_CLOCK_TIME_NONE, or it is finishing, broken, or asked already. */
void rd_rec_writer_finish_at (RdRecWriter *writer, GstClockTime at);
/* Sets the bin to NULL, takes it out of the pipeline, frees; a stalled writer's (its streaming
 * thread may be stuck in a write to a disk that does not answer) on a thread of its own, which
 * holds the recorder until done, so the main context never waits on the disk. */
void rd_rec_writer_free (RdRecWriter *writer);
/* Main context, each second: a writer whose queue holds frames but has pushed none for 5 s (its
 * disk takes no write) is "track-stalled"; once it pushes again, "track-resumed". */
void rd_rec_writer_check_stall (RdRecWriter *writer);
/* The open segment's path (transfer full) or NULL, for the fdatasync pass. */
char *rd_rec_writer_dup_open_path (RdRecWriter *writer);

/* rd-media-record-segment.c */
/* The probes on the pad before the muxer (streaming thread): segments made, split, closed. */
GstPadProbeReturn rd_rec_segment_on_buffer (GstPad *pad, GstPadProbeInfo *info, gpointer writer);
GstPadProbeReturn rd_rec_segment_on_event (GstPad *pad, GstPadProbeInfo *info, gpointer writer);
/* Main context: the writer's file refused a write (@why): its open segment is closed with what
 * the disk took and sealed marked incomplete; nothing more goes in. */
void rd_rec_segment_abandon (RdRecWriter *writer, const char *why);
/* Main context: handles every note the streaming threads told so far, in order. Call before
 * acting on a bus message of a writer (its notes were told before it was posted), and after a
 * writer's bin is stopped (its last notes are told by then). */
void rd_rec_notes_drain (RdRecorder *recorder);
/* Frees notes never handled (the recorder is being disposed). */
void rd_rec_notes_clear (RdRecorder *recorder);
/* Any thread, once the writer's bin is stopped: a segment still open (its EOS never reached the
 * muxer: the writer was given up, its disk not answering) is sealed as it is on the main
 * context, its tracks "incomplete" with @why, instead of staying open until the next start. */
void rd_rec_segment_close_left_open (RdRecWriter *writer, const char *why);
/* A GstForceKeyUnit upstream event (transfer full). */
GstEvent *rd_rec_keyframe_request (void);

/* rd-media-record-tracks.c */
/* Sets up and releases what the tracks part of the recorder owns: @peers, the "layout-changed"
 * handler and the conference mix. */
void rd_rec_tracks_init (RdRecorder *recorder);
void rd_rec_tracks_dispose (RdRecorder *recorder);
/* At start: follows the room's layout, then rd_rec_tracks_attach_all(). */
void rd_rec_tracks_start (RdRecorder *recorder);
/* Starts a writer for every track to record now that has none running: the room's, the added
 * peers' streams, and the conference tracks if the room shows a conference picture. */
void rd_rec_tracks_attach_all (RdRecorder *recorder);
/* Finishes every writer (pause, stop); the conference tracks are off. With @at valid (the
 * stop), each writer first records what was stamped before @at (rd_rec_writer_finish_at());
 * else (the pause) at once: a resume may follow within a party's lag, and a writer still
 * finishing then would claim the stamps of the next one. */
void rd_rec_tracks_finish_all (RdRecorder *recorder, GstClockTime at);

/* rd-media-record.c: called by writers and tracks on the main context. */
/* "error", then "track-failed" for @track: it records nothing until a new writer opens a
 * segment of it. @finish (may be NULL) is stopped in between. */
/* Emits "track-stalled" (@since_ns on the timeline) or, @error NULL, "track-resumed" (@at_ns). */
void rd_recorder_emit_stall (RdRecorder *recorder, const char *track, gint64 at_ns,
                             const GError *error);
void rd_recorder_track_failed (RdRecorder *recorder, const char *track, GError *error,
                               RdRecWriter *finish);
void rd_recorder_emit_opened (RdRecorder *recorder, gint64 segment, const char *path,
                              const char *tracks_json);
void rd_recorder_seal (RdRecorder *recorder, gint64 segment, const char *path, guint64 duration_ns,
                       const char *tracks_json);
void rd_recorder_writer_error (RdRecorder *recorder, RdRecWriter *writer, const char *message);
void rd_recorder_writer_done (RdRecorder *recorder, RdRecWriter *writer);
/* The writer of that id, or NULL when it is gone. */
RdRecWriter *rd_recorder_writer_by_id (RdRecorder *recorder, guint id);
/* Emits "finished" if stopping and everything is done and sealed. */
void rd_recorder_check_finished (RdRecorder *recorder);
/* A stalled writer is being freed on a thread of its own (rd-media-record-writer.c). Main
 * context. */
void rd_recorder_stalled_writer_freeing (RdRecorder *recorder);
/* ... and that thread is done: what its segment told is drained (sealed) before "finished".
 * Main context. */
void rd_recorder_stalled_writer_gone (RdRecorder *recorder);

G_END_DECLS
