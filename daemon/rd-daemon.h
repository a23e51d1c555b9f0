/* rd-daemon.h: RdDaemon, the top object of receptiond. It owns the configuration, the state-dir
 * lock, the ledger, the media layer, the HTTPS signaling server and the control socket, and wires
 * them: lower layers report up to it, it calls down into them. It is the only code that logs
 * errors.
 *
 * Its parts, each an object made by rd_daemon_start() with its collaborators: RdSessionRecording
 * (rd-daemon-recording.h: the live session's recording), RdParties (rd-daemon-parties.h: the
 * parties calling in), RdLinks (rd-daemon-links.h: the conferences joined); the control
 * socket's methods are one table (rd-daemon-methods.h). A part's "changed" and every control
 * answer make RdDaemon recompute its one-line status (STATUS=, sent when it changed).
 *
 * Life: rd_daemon_new() -> rd_daemon_start() (tells the service manager READY=1 once the control
 * socket and the HTTPS listener are up) -> rd_daemon_reload() on SIGHUP, any number of times ->
 * rd_daemon_shutdown() on SIGTERM/SIGINT (ends live sessions, seals the ledger, STOPPING=1) ->
 * rd_daemon_free(). rd_daemon_free() alone (without shutdown) is what a crash looks like to the
 * ledger: live sessions stay live and are reconciled as interrupted at the next start.
 *
 * Threading: main context only.
 */
#pragma once

#include <glib.h>

#include "config/rd-config.h"

G_BEGIN_DECLS

typedef struct _RdDaemon RdDaemon;

/* @config_path is the file @config came from, re-read on reload; NULL for the embedded default
 * (nothing to reload). Takes a reference on @config. (transfer full) */
RdDaemon *rd_daemon_new (RdConfig *config, const char *config_path);

/* Brings everything up. On failure nothing is left running and @error says what failed; map it
 * to an exit code with rd_daemon_exit_code_for_error() (rd-daemon-error.h). */
gboolean rd_daemon_start (RdDaemon *daemon, GError **error);

/* Re-reads the configuration file: applies what can change at run time, keeps the rest and logs
 * which keys need a restart. A file that no longer parses is logged and ignored. */
void rd_daemon_reload (RdDaemon *daemon);

/* Ends every live session (reason @why), records the stop and tells the service manager
 * STOPPING=1. */
void rd_daemon_shutdown (RdDaemon *daemon, const char *why);

/* Accepts NULL and half-started daemons. */
void rd_daemon_free (RdDaemon *daemon);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RdDaemon, rd_daemon_free)

G_END_DECLS
