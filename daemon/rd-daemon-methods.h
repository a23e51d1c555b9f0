/* rd-daemon-methods.h: the control socket's methods (receptionctl's commands). The one table of
 * every method name and its handler is in rd-daemon-methods.c; each handler is in the file
 * named after what it works on.
 *
 * Contract: a handler reads its params (rd-daemon-params.h), calls down into the daemon's parts
 * and modules, and answers the request exactly once, at once or later. Handlers never recompute
 * the daemon's status: RdDaemon does that before every answer is sent.
 * Threading: main context only. */
#pragma once

#include "daemon/rd-daemon-private.h"

G_BEGIN_DECLS

typedef void (*RdDaemonMethod) (RdDaemon *d, RdControlRequest *req, JsonObject *params);

/* rd-daemon-methods.c: the RdControlHandler of the daemon's control server: finds the request's
 * method in the table and calls it; an unknown method is answered unknown-method. */
void rd_daemon_methods_dispatch (RdControlRequest *req, gpointer daemon);

/* rd-daemon-methods-status.c: "status" (the daemon, its listener, ledger, disk, memory, devices,
 * recording, sessions, parties, links). */
void rd_daemon_method_status (RdDaemon *d, RdControlRequest *req, JsonObject *params);
/* Sends the status to the web console's feed (rd-signal-console-events.h) when a stream is open
 * (nothing is built otherwise). */
void rd_daemon_push_console_status (RdDaemon *d);
/* The one-line status for the service manager's STATUS=. (transfer full) */
char *rd_daemon_status_line (RdDaemon *d);

/* rd-daemon-methods-session.c: a session's life. */
void rd_daemon_method_session_start (RdDaemon *d, RdControlRequest *req, JsonObject *params);
void rd_daemon_method_session_end (RdDaemon *d, RdControlRequest *req, JsonObject *params);
void rd_daemon_method_session_list (RdDaemon *d, RdControlRequest *req, JsonObject *params);
void rd_daemon_method_session_show (RdDaemon *d, RdControlRequest *req, JsonObject *params);

/* rd-daemon-methods-invites.c: invitations (bearer tokens bound to a session and a role) and the
 * room's mute switches. */
void rd_daemon_method_session_invite (RdDaemon *d, RdControlRequest *req, JsonObject *params);
void rd_daemon_method_session_revoke (RdDaemon *d, RdControlRequest *req, JsonObject *params);
void rd_daemon_method_mute (RdDaemon *d, RdControlRequest *req, JsonObject *params);
void rd_daemon_method_unmute (RdDaemon *d, RdControlRequest *req, JsonObject *params);
/* {"mic": bool, "camera": bool} as the next value of @b. */
void rd_daemon_add_muted (JsonBuilder *b, RdDaemon *d);
/* rd-daemon-methods-layout.c */
void rd_daemon_method_layout (RdDaemon *d, RdControlRequest *req, JsonObject *params);
void rd_daemon_add_layout (JsonBuilder *b, RdDaemon *d);

/* rd-daemon-methods-recording.c: "recording.pause"/"recording.resume" {session, reason};
 * "recording.verify" {session}: re-hashes the session's recording files in a worker thread and
 * compares them with the ledger; the request is answered when done. */
void rd_daemon_method_recording_pause (RdDaemon *d, RdControlRequest *req, JsonObject *params);
void rd_daemon_method_recording_resume (RdDaemon *d, RdControlRequest *req, JsonObject *params);
void rd_daemon_method_recording_verify (RdDaemon *d, RdControlRequest *req, JsonObject *params);

/* rd-daemon-methods-ledger.c: the ledger's tamper evidence (key, checkpoints, verify). */
void rd_daemon_method_ledger_key (RdDaemon *d, RdControlRequest *req, JsonObject *params);
void rd_daemon_method_ledger_checkpoint (RdDaemon *d, RdControlRequest *req, JsonObject *params);
void rd_daemon_method_ledger_checkpoint_export (RdDaemon *d, RdControlRequest *req,
                                                JsonObject *params);
void rd_daemon_method_ledger_verify (RdDaemon *d, RdControlRequest *req, JsonObject *params);
/* rd-daemon-methods-archive.c */
void rd_daemon_method_archive_status (RdDaemon *d, RdControlRequest *req, JsonObject *params);
void rd_daemon_method_archive_retry (RdDaemon *d, RdControlRequest *req, JsonObject *params);
void rd_daemon_method_archive_verify (RdDaemon *d, RdControlRequest *req, JsonObject *params);
void rd_daemon_method_archive_hold (RdDaemon *d, RdControlRequest *req, JsonObject *params);
void rd_daemon_method_archive_release (RdDaemon *d, RdControlRequest *req, JsonObject *params);

/* rd-daemon-methods-book.c: the reception book (registrations, schedule, receptions,
 * conclusions, follow-ups, export, report); the console user is the actor of each change. */
void rd_daemon_method_registration_add (RdDaemon *d, RdControlRequest *req, JsonObject *params);
void rd_daemon_method_registration_update (RdDaemon *d, RdControlRequest *req, JsonObject *params);
void rd_daemon_method_registration_show (RdDaemon *d, RdControlRequest *req, JsonObject *params);
void rd_daemon_method_registration_list (RdDaemon *d, RdControlRequest *req, JsonObject *params);
void rd_daemon_method_session_schedule (RdDaemon *d, RdControlRequest *req, JsonObject *params);
void rd_daemon_method_session_reschedule (RdDaemon *d, RdControlRequest *req, JsonObject *params);
void rd_daemon_method_session_cancel (RdDaemon *d, RdControlRequest *req, JsonObject *params);
void rd_daemon_method_session_duty_done (RdDaemon *d, RdControlRequest *req, JsonObject *params);
void rd_daemon_method_reception_add (RdDaemon *d, RdControlRequest *req, JsonObject *params);
void rd_daemon_method_reception_show (RdDaemon *d, RdControlRequest *req, JsonObject *params);
void rd_daemon_method_reception_list (RdDaemon *d, RdControlRequest *req, JsonObject *params);
void rd_daemon_method_conclusion_add (RdDaemon *d, RdControlRequest *req, JsonObject *params);
void rd_daemon_method_conclusion_list (RdDaemon *d, RdControlRequest *req, JsonObject *params);
void rd_daemon_method_followup_update (RdDaemon *d, RdControlRequest *req, JsonObject *params);
void rd_daemon_method_followup_overdue (RdDaemon *d, RdControlRequest *req, JsonObject *params);
void rd_daemon_method_book_export (RdDaemon *d, RdControlRequest *req, JsonObject *params);
void rd_daemon_method_report (RdDaemon *d, RdControlRequest *req, JsonObject *params);
/* rd-daemon-methods-documents.c: what the printed documents hold (the refusal notice, the
 * receipt of documents, the session record, the notice of conclusions), as
 * rd_ledger_book_document() gives it, with "format": "pdf" for receptionctl to lay it out. */
void rd_daemon_method_document_refusal (RdDaemon *d, RdControlRequest *req, JsonObject *params);
void rd_daemon_method_document_receipt (RdDaemon *d, RdControlRequest *req, JsonObject *params);
void rd_daemon_method_document_record (RdDaemon *d, RdControlRequest *req, JsonObject *params);
void rd_daemon_method_document_conclusions (RdDaemon *d, RdControlRequest *req, JsonObject *params);
/* rd-daemon-methods-bridge.c: who presided over a session, its bridge points and attendees;
 * each answers with the session's rd_ledger_session_bridge(). */
void rd_daemon_method_session_presiding (RdDaemon *d, RdControlRequest *req, JsonObject *params);
void rd_daemon_method_session_bridge_point (RdDaemon *d, RdControlRequest *req, JsonObject *params);
void rd_daemon_method_session_attendee (RdDaemon *d, RdControlRequest *req, JsonObject *params);
/* rd-daemon-methods-operators.c: the room console's operator accounts (supervisor role):
 * "operator.add" {name, role, password}, "operator.passwd" {name, password} (the password hashed
 * in a worker thread; at least RD_DAEMON_CONSOLE_MIN_PASSWORD characters), "operator.disable"
 * {name} (its console sessions end), "operator.list". */
void rd_daemon_method_operator_add (RdDaemon *d, RdControlRequest *req, JsonObject *params);
void rd_daemon_method_operator_passwd (RdDaemon *d, RdControlRequest *req, JsonObject *params);
void rd_daemon_method_operator_disable (RdDaemon *d, RdControlRequest *req, JsonObject *params);
void rd_daemon_method_operator_list (RdDaemon *d, RdControlRequest *req, JsonObject *params);
/* session.start ID: starts scheduled session @id (the one-live-session rule already checked);
 * NULL when refused (@req answered). (transfer full) */
char *rd_daemon_book_start_scheduled (RdDaemon *d, RdControlRequest *req, const char *id);

G_END_DECLS
