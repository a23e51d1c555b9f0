/* rd-daemon-recording.h: RdSessionRecording, the live session's recording. It owns the recorder
 * (media/) while a session is recorded, writes every segment the recorder opens and seals into
 * the ledger, draws the REC mark on the room's display and watches the disk
 * (rd-daemon-recording.c); rd_session_recording_recover() repairs, at start, the recordings a
 * crash left open (rd-daemon-recording-recover.c).
 *
 * Contract: recording starts with the session (rd_session_recording_start() after the ledger
 * started it) and stops before the ledger ends it (rd_session_recording_stop(), then the ledger);
 * every segment the recorder opens is a ledger row at once and is sealed there with its hash.
 * Below [storage] stop-free-mb the recording stops cleanly (segments closed and sealed) and the
 * call goes on; below warn-free-mb status says so; a session does not start below min-free-mb.
 * One session at most is recorded at a time.
 * A track that stops on an error (the recorder's "track-failed": its file cannot be made or
 * written, e.g. no file descriptor or inode left, or its format is refused) is "not recording"
 * from that moment: the REC mark gets a second line "⚠ NOT RECORDING: <track>[ +N more]", status
 * lists it (failing_tracks: the error and since when) and the error is logged once (as every
 * recorder error). It records again when the recorder opens a segment of it ("segment-opened"
 * naming it: after resume, when its stream comes again), which is logged and clears the mark.
 * A party's track that failed stays listed after the party leaves, until the recording ends.
 * A track whose disk takes no write for 5 s (the recorder's "track-stalled") is listed the same
 * way and taken off when it takes writes again ("track-resumed").
 * Gaps on the record: the span a listed track missed is a "recording-gap" event {track, from_s,
 * to_s, reason} when it records again or when the recording ends; a stop for the disk is one for
 * track "all" up to the end. At the end, "recording-finished" {at_ns, segments_sealed} and
 * "recording-coverage" (rd_coverage_of_session(), daemon/rd-daemon-coverage.h).
 *
 * Signals: "changed" (no arguments) when what rd_session_recording_status_text() shows may have
 * changed: started, paused, resumed, stopped for the disk, disk low or no longer low, a track not
 * recording or recording again. Not when
 * the recording finishes: its session ends (or the daemon stops) right after, and that is the
 * change the status shows.
 *
 * Collaborators (taken at construction, a reference each): the configuration, the ledger, the
 * room. Threading: main context only. */
#pragma once

#include <json-glib/json-glib.h>

#include "config/rd-config.h"
#include "ledger/rd-ledger.h"
#include "media/rd-media-peer.h"
#include "media/rd-media-room.h"

G_BEGIN_DECLS

#define RD_TYPE_SESSION_RECORDING (rd_session_recording_get_type ())
G_DECLARE_FINAL_TYPE (RdSessionRecording, rd_session_recording, RD, SESSION_RECORDING, GObject)

typedef void (*RdSessionRecordingDone) (gpointer data);

/* @ledger is borrowed: it must outlive the object. (transfer full) */
RdSessionRecording *rd_session_recording_new (RdConfig *config, RdLedger *ledger, RdRoom *room);
/* The configuration after a reload (the limits and segment length of the next session). */
void rd_session_recording_set_config (RdSessionRecording *rec, RdConfig *config);

/* FALSE with RD_DAEMON_ERROR_DISK naming the figures when below min-free-mb. */
gboolean rd_session_recording_check_space (RdSessionRecording *rec, GError **error);

gboolean rd_session_recording_start (RdSessionRecording *rec, const char *session_id,
                                     const char *actor, GError **error);
/* Records @peer (a party of @session_id) when that session is being recorded. */
void rd_session_recording_add_peer (RdSessionRecording *rec, const char *session_id, RdPeer *peer,
                                    const char *label);
/* Finishes the recording of @session_id (of any session when NULL); @func runs once every
 * segment is sealed (at once when that session is not being recorded). */
void rd_session_recording_stop (RdSessionRecording *rec, const char *session_id,
                                RdSessionRecordingDone func, gpointer data);
/* The same for any session, iterating the main context until done or @timeout_s (shutdown). */
void rd_session_recording_stop_and_wait (RdSessionRecording *rec, guint timeout_s);

/* Pause or resume the recording of @session_id for @reason (stripped, not empty: it goes on the
 * record). FALSE with RD_DAEMON_ERROR_CONFLICT when that session is not being recorded, its
 * recording was stopped for the disk, or it already is paused (resumed). */
gboolean rd_session_recording_set_paused (RdSessionRecording *rec, const char *session_id,
                                          gboolean paused, const char *reason, const char *actor,
                                          GError **error);

/* "off", "recording", "paused" or "stopped" (for the disk) for @session_id; *@elapsed_s (may be
 * NULL) the seconds recorded, 0 when off. */
const char *rd_session_recording_get_state (RdSessionRecording *rec, const char *session_id,
                                            gint64 *elapsed_s);
/* Seconds (ns) on @session_id's recording timeline, or -1 when it is not being recorded. */
double rd_session_recording_get_elapsed_s (RdSessionRecording *rec, const char *session_id);
gint64 rd_session_recording_get_elapsed_ns (RdSessionRecording *rec, const char *session_id);
/* ", RECORDING STOPPED (disk full)" or ", recording paused", ", N tracks not recording" and/or
 * ", disk space low" for STATUS=, "" when none applies. (transfer full) */
char *rd_session_recording_status_text (RdSessionRecording *rec);
/* {"state": off|recording|paused|stopped, session, elapsed_s, tracks, segments_sealed,
 * failing_tracks: [{track, error, since (ISO 8601 UTC), since_s (session timeline)}], reason,
 * display_mark, disk_free_mb, disk_low} as the next value of @b. */
void rd_session_recording_add_status (RdSessionRecording *rec, JsonBuilder *b);

/* rd-daemon-recording-recover.c: at start, before any session: every segment left "recording"
 * by a crash is remuxed (rd_record_repair), verified, put in place of the crashed file (which is
 * kept beside it as <name>.crashed.mkv) and sealed "repaired"; one that cannot be repaired is
 * marked unrecoverable (its file untouched); each session gets a "recording-gap" event from the
 * last media written to the restart. Blocking (a few seconds per crashed segment). */
void rd_session_recording_recover (RdLedger *ledger, RdConfig *config);

G_END_DECLS
