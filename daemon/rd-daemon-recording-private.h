/* rd-daemon-recording-private.h: what the files of RdSessionRecording share
 * (rd-daemon-recording.c: the recording's life, ledger rows, REC mark and disk watch;
 * rd-daemon-recording-status.c: what it shows; rd-daemon-recording-tracks.c: the tracks not
 * recording; rd-daemon-recording-rows.c: the segments' ledger writes, retried). See
 * rd-daemon-recording.h for the contract. Main context only. */
#pragma once

#include "daemon/rd-daemon-recording.h"
#include "media/rd-media-record.h"

G_BEGIN_DECLS

struct _RdSessionRecording
{
  GObject parent;
  RdConfig *config;
  RdLedger *ledger; /* borrowed */
  RdRoom *room;
  RdRecorder *recorder; /* while a session is recorded */
  char *session, *pause_reason, *stopped_why;
  gint64 stopped_at_ns; /* on the timeline, when stopped_why */
  guint tick_id, ticks;
  GArray *waiters;    /* Waiter: called when the recorder has finished */
  gboolean disk_low;  /* free space below warn-free-mb */
  GPtrArray *failing; /* the tracks not recording (rd-daemon-recording-tracks.c), or NULL */
  /* rd-daemon-recording-rows.c */
  GPtrArray *rows; /* the ledger writes still to make, in order, or NULL */
  guint retry_id;  /* the next attempt, while the ledger refuses */
  guint retry_ms;  /* the wait before it */
};

/* The least MiB free of the state dir and of its recordings/ (G_MAXUINT64 when unknown);
 * *@where (may be NULL) the directory it was measured in. (transfer full) */
guint64 rd_session_recording_least_free_mb (RdSessionRecording *rec, char **where);

/* rd-daemon-recording-rows.c: a segment opened (@path relative to the state dir) and sealed,
 * written to the ledger now, or later in order if the ledger refuses for a while. */
void rd_session_recording_rows_opened (RdSessionRecording *rec, gint64 segment, const char *path,
                                       const char *tracks);
void rd_session_recording_rows_sealed (RdSessionRecording *rec, gint64 segment, const char *path,
                                       const char *sha256, gint64 size, gint64 duration_ns,
                                       const char *tracks);
/* How many writes are waiting for the ledger. */
guint rd_session_recording_rows_pending (RdSessionRecording *rec);
/* The recording is over: a last try (@last_try; not when the ledger may be closed already);
 * what is left is said and left to the next start. */
void rd_session_recording_rows_finish (RdSessionRecording *rec, gboolean last_try);

/* A "recording-gap" event: @track (or "all") recorded nothing from @from_ns to @to_ns on the
 * session's timeline, because of @reason. Not when @to_ns <= @from_ns. */
void rd_session_recording_record_gap (RdSessionRecording *rec, const char *track, gint64 from_ns,
                                      gint64 to_ns, const char *reason);

/* rd-daemon-recording-tracks.c */
/* @track stopped on @error at @at_ns on the session's timeline: listed (since its first failure
 * since it last recorded). */
void rd_session_recording_track_failed (RdSessionRecording *rec, const char *track,
                                        const char *error, gint64 at_ns);
/* A segment of the tracks in @tracks_json (as "segment-opened" says) opened: they record again,
 * and the span each listed one missed is a gap on the record. TRUE when one was listed (said in
 * the log). */
gboolean rd_session_recording_tracks_opened (RdSessionRecording *rec, const char *tracks_json);
/* @track, listed, records again from @at_ns without a new segment (its disk took writes again):
 * the span it missed is a gap on the record; said in the log. TRUE when it was listed. */
gboolean rd_session_recording_tracks_resumed (RdSessionRecording *rec, const char *track,
                                              gint64 at_ns);
/* The recording ended at @end_ns: a gap on the record for every track listed, then forgotten. */
void rd_session_recording_tracks_end (RdSessionRecording *rec, gint64 end_ns);
/* Forgets every track listed. */
void rd_session_recording_tracks_clear (RdSessionRecording *rec);
guint rd_session_recording_failing_count (RdSessionRecording *rec);
/* The REC mark's line naming the first of them (a party's id cut short) and how many more,
 * NULL when none. (transfer full) */
char *rd_session_recording_failing_mark (RdSessionRecording *rec);
/* [{track, error, since (ISO 8601, UTC), since_s}] as the next value of @b. */
void rd_session_recording_add_failing (RdSessionRecording *rec, JsonBuilder *b);

G_END_DECLS
