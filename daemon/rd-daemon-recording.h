/* rd-daemon-recording.h: the live session's recording, wired to the ledger, the display's REC
 * mark and the disk (rd-daemon-recording.c), and the repair of recordings a crash left open
 * (rd-daemon-recording-recover.c). Daemon module only.
 *
 * Contract: recording starts with the session (rd_daemon_recording_start() after the ledger
 * started it) and stops before the ledger ends it (rd_daemon_recording_stop(), then the ledger);
 * every segment the recorder opens is a ledger row at once and is sealed there with its hash.
 * Below [storage] stop-free-mb the recording stops cleanly (segments closed and sealed) and the
 * call goes on; below warn-free-mb status says so; a session does not start below min-free-mb.
 * Threading: main context only. */
#pragma once

#include "daemon/rd-daemon-private.h"
#include "media/rd-media-record.h"

G_BEGIN_DECLS

typedef void (*RdDaemonRecordingDone) (RdDaemon *daemon, gpointer data);

/* FALSE with RD_DAEMON_ERROR_DISK naming the figures when below min-free-mb. */
gboolean rd_daemon_recording_check_space (RdDaemon *daemon, GError **error);

gboolean rd_daemon_recording_start (RdDaemon *daemon, const char *session_id, const char *actor,
                                    GError **error);
/* Records @peer (a party of @session_id) when that session is being recorded. */
void rd_daemon_recording_add_party (RdDaemon *daemon, const char *session_id, RdPeer *peer,
                                    const char *label);
/* Finishes the recording; @func runs once every segment is sealed (at once when none runs). */
void rd_daemon_recording_stop (RdDaemon *daemon, RdDaemonRecordingDone func, gpointer data);
/* The same, iterating the main context until done or @timeout_s (shutdown). */
void rd_daemon_recording_stop_and_wait (RdDaemon *daemon, guint timeout_s);

void rd_daemon_method_recording_pause (RdDaemon *d, RdControlRequest *req, JsonObject *params);
void rd_daemon_method_recording_resume (RdDaemon *d, RdControlRequest *req, JsonObject *params);
/* {"state": off|recording|paused|stopped, session, elapsed_s, tracks, segments_sealed, reason,
 * display_mark, disk_free_mb, disk_low} as the next value of @b. */
void rd_daemon_recording_add_status (RdDaemon *daemon, JsonBuilder *b);

/* rd-daemon-recording-recover.c: at start, before any session: every segment left "recording"
 * by a crash is remuxed (rd_record_repair), verified, put in place of the crashed file (which is
 * kept beside it as <name>.crashed.mkv) and sealed "repaired"; one that cannot be repaired is
 * marked unrecoverable (its file untouched); each session gets a "recording-gap" event from the
 * last media written to the restart. Blocking (a few seconds per crashed segment). */
void rd_daemon_recording_recover (RdDaemon *daemon);

G_END_DECLS
