/* rd-media-record.h: RdRecorder, the recording of one session.
 *
 * Contract:
 * - One file series per TRACK (a stream): the room's video, the room's audio, and each remote
 *   party's video and audio as received, never re-encoded; and, while the room shows a
 *   conference picture (a layout other than ROOM), "conference-video" (that picture, as sent
 *   to the parties) and "conference-audio" (the room's microphone and every party, mixed): the
 *   session as the room saw and heard it, for playback. A track that starts late (a party
 *   joining) or stops early (leaving) has files for exactly the time it was there; a track never
 *   waits for another one (a party sending only audio records only audio).
 * - Every file is on the session's timeline: its timestamps are the time since
 *   rd_recorder_start(), so files of the same session line up with no offset table (a party
 *   joining at 5:00 has a first file starting at 5:00).
 * - Matroska, segmented on keyframes every @segment_seconds; a finished segment is never written
 *   again. Every frame goes to the kernel as it is muxed (no GOP is held back) and the open
 *   files are fdatasync'ed every second, so a crash loses at most about a second; a closed segment
 * is fsync'ed with its directory, hashed (SHA-256) and only then announced as sealed.
 * - Files are `<dir>/<session-id>-<NNNN>-<track>.mkv`, mode 0640, created exclusively (an
 *   existing file is never overwritten: the number moves on). NNNN counts segments of the
 *   session across all tracks, from @first_segment.
 * - Pause finishes every open segment and records nothing until resume (a gap, never silence);
 *   stop finishes everything and emits "finished" once every segment is sealed.
 * - A failing writer (disk full, a refused caps) loses only its own track, reported by "error".
 *
 * Signals (main context):
 *   "segment-opened" (gint64 segment, const char *path, const char *tracks_json): made with its
 *                     first frame
 *   "segment-sealed" (gint64 segment, const char *path, const char *sha256, gint64 size_bytes,
 *                     gint64 duration_ns, const char *tracks_json)
 *   "error" (GError *error): RD_MEDIA_ERROR_PIPELINE naming the track and what failed.
 *   "track-failed" (const char *track, GError *error): right after an "error" that stopped
 *                     @track (its file could not be made or written, its format was refused, its
 *                     writer could not be built or did not finish): it records nothing from now
 *                     on. It records again at the next "segment-opened" naming it in tracks_json
 *                     (a new writer: after resume, when its stream comes again, when the
 *                     conference picture shows again); nothing else says so.
 *   "track-stalled" (const char *track, gint64 since_ns, GError *error): @track's queue holds
 *                     frames but has pushed none for 5 s (its disk takes no write; the oldest
 *                     frames are dropped, 8 MiB held), since @since_ns on the timeline. Once.
 *   "track-resumed" (const char *track, gint64 at_ns): it pushes again, since @at_ns; what it
 *                     dropped meanwhile is in no file.
 *   "finished": after rd_recorder_stop(), every writer is done and every segment sealed.
 *   tracks_json is [{"track":..,"media":"video"|"audio","codec":..,"start_ns":..,"arrived_ns":..
 *                    [,"end_ns":..]}]: start_ns is the first frame's stamp, arrived_ns when it
 *                    reached the writer (a party's frames are stamped ahead of their arrival by
 *                    its playout delay: its jitter buffer and lip-sync).
 *
 * Threading: main context only (as RdRoom). Ownership: (transfer full); the recorder holds a
 * reference on its room and on every peer added until the peer closes.
 */
#pragma once

#include "media/rd-media-peer.h"
#include "media/rd-media-room.h"

G_BEGIN_DECLS

#define RD_TYPE_RECORDER (rd_recorder_get_type ())
G_DECLARE_FINAL_TYPE (RdRecorder, rd_recorder, RD, RECORDER, GObject)

/* (transfer full) */
RdRecorder *rd_recorder_new (RdRoom *room, const char *dir, const char *session_id,
                             gint64 first_segment, guint segment_seconds);

/* Creates @dir (0750) and starts recording the room's tracks; the session's time zero is now. */
gboolean rd_recorder_start (RdRecorder *recorder, GError **error);

/* Records @peer's streams under "party-<label>-video|audio", those it has and those it adds,
 * until it closes. */
void rd_recorder_add_peer (RdRecorder *recorder, RdPeer *peer, const char *label);

void rd_recorder_pause (RdRecorder *recorder);
void rd_recorder_resume (RdRecorder *recorder);
gboolean rd_recorder_is_paused (RdRecorder *recorder);

/* Finishes everything; "finished" follows (at once when nothing is open). Idempotent. */
void rd_recorder_stop (RdRecorder *recorder);

/* Time since start (ns; also from a streaming thread once started), segments sealed so far,
 * writers running. */
guint64 rd_recorder_get_elapsed_ns (RdRecorder *recorder);
guint rd_recorder_get_sealed_count (RdRecorder *recorder);
guint rd_recorder_get_track_count (RdRecorder *recorder);

G_END_DECLS
