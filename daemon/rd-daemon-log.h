/* rd-daemon-log.h: receptiond's structured logging.
 *
 * Contract: rd_log_install() routes every GLib message (structured, G_LOG_USE_STRUCTURED) to the
 * journal when stderr is connected to it (systemd), otherwise to stderr as one line:
 * "receptiond[<pid>]: <LEVEL>: [session <id>] <message>". rd_log_session() adds the field
 * RD_SESSION_ID so `journalctl RD_SESSION_ID=<id>` shows one session. Debug and info messages are
 * shown only when G_MESSAGES_DEBUG asks for them, as with GLib's default writer.
 *
 * Threading: any thread (the writer holds no state).
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

void rd_log_install (void);

/* Logs @format at @level with the session id field when @session_id is not NULL. */
void rd_log_session (GLogLevelFlags level, const char *session_id, const char *format, ...)
    G_GNUC_PRINTF (3, 4);

/* Logs a signed ledger checkpoint (the exported form, (transfer none)) at message level, the
 * checkpoint's JSON in the message and in the field RD_LEDGER_CHECKPOINT: a copy of every
 * checkpoint outside the state dir (`journalctl RD_LEDGER_CHECKPOINT=...`, or the journal's own
 * sealing and forwarding), which `ledger verify --checkpoint` can take back. */
void rd_log_checkpoint (JsonNode *checkpoint);

G_END_DECLS
