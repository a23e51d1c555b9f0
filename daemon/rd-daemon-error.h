/* rd-daemon-error.h: the daemon module's error domain, and the exit codes (sysexits.h) that
 * errors of every module map to when receptiond cannot start.
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
  RD_DAEMON_ERROR_STATE_DIR, /* the state dir cannot be created or written */
  RD_DAEMON_ERROR_LOCKED,    /* another receptiond uses the state dir */
  RD_DAEMON_ERROR_CONTROL,   /* the control socket cannot be set up */
  RD_DAEMON_ERROR_DISK,      /* not enough free space to record a session */
  RD_DAEMON_ERROR_BOOK_KEY,  /* the book key file is unreadable, wrong, or missing while needed */
} RdDaemonError;

/* The sysexits code for a start-up failure: 78 EX_CONFIG for configuration errors, 65 EX_DATAERR
 * for a ledger, room key or book key file it must not touch (or replace), 73 EX_CANTCREAT for a
 * state dir it cannot write, 75 EX_TEMPFAIL when another instance holds the state dir, 69
 * EX_UNAVAILABLE for a listener or device that is not there, 70 EX_SOFTWARE otherwise. */
int rd_daemon_exit_code_for_error (const GError *error);

G_END_DECLS
