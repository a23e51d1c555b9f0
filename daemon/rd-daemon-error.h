/* rd-daemon-error.h: the daemon module's error domain, RD_DAEMON_ERROR, and the exit codes
 * (sysexits.h) that errors of every module map to when receptiond cannot start.
 *
 * Contract: the daemon's own failures, each a condition of the machine the technician must fix
 * (the message names the path or the figures); receptiond does not start with one, and a
 * session does not start with DISK:
 *   STATE_DIR  the state dir, or a file receptiond must create in it, cannot be created or
 *              written (73 EX_CANTCREAT)
 *   LOCKED     another receptiond uses the state dir (75 EX_TEMPFAIL: try when it has stopped)
 *   CONTROL    the control socket cannot be set up (73 EX_CANTCREAT)
 *   DISK       less free space than [storage] min-free-mb for a recorded session (73)
 *   BOOK_KEY   the book key file is unreadable or wrong, or missing while the book needs it:
 *              never replaced by a new key (65 EX_DATAERR)
 *   ROLES      a group named by [control] technicians, officers or supervisors does not exist
 *              (78 EX_CONFIG; --check-config says so too)
 * and, answered to a control request (never at start):
 *   CONFLICT   the request does not fit the current state: a recording pause/resume of a
 *              session not being recorded, stopped for the disk, or already paused/running
 *
 * Threading: plain functions.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define RD_DAEMON_ERROR (rd_daemon_error_quark ())
GQuark rd_daemon_error_quark (void);

typedef enum
{
  RD_DAEMON_ERROR_STATE_DIR,
  RD_DAEMON_ERROR_LOCKED,
  RD_DAEMON_ERROR_CONTROL,
  RD_DAEMON_ERROR_DISK,
  RD_DAEMON_ERROR_BOOK_KEY,
  RD_DAEMON_ERROR_CONFLICT,
  RD_DAEMON_ERROR_ROLES,
} RdDaemonError;

/* The sysexits code for a start-up failure: 78 EX_CONFIG for configuration errors, 65 EX_DATAERR
 * for a ledger, room key or book key file it must not touch (or replace), 73 EX_CANTCREAT for a
 * state dir it cannot write, 75 EX_TEMPFAIL when another instance holds the state dir, 69
 * EX_UNAVAILABLE for a listener or device that is not there, 70 EX_SOFTWARE otherwise. */
int rd_daemon_exit_code_for_error (const GError *error);

G_END_DECLS
