/* rd-daemon-private.h: RdDaemon's fields, shared by the files of the daemon module only
 * (rd-daemon.c, rd-daemon-commands.c, rd-daemon-state.c). Main context only. */
#pragma once

#include "config/rd-config.h"
#include "daemon/rd-daemon-control.h"
#include "daemon/rd-daemon.h"
#include "ledger/rd-ledger.h"
#include "signaling/rd-signal-server.h"

struct _RdDaemon
{
  RdConfig *config;     /* the configuration in effect */
  char *config_path;    /* NULL = embedded default */
  GStrv restart_needed; /* keys changed in the file that wait for a restart */
  int lock_fd;          /* flock on <state-dir>/receptiond.lock, -1 when not held */
  RdLedger *ledger;
  RdSignalServer *signal_server;
  RdControlServer *control;
  guint watchdog_id;
  gint64 started_at_us; /* monotonic */
};

/* rd-daemon-commands.c: the control socket's methods. */
void rd_daemon_handle_request (RdControlRequest *request, gpointer daemon);

/* rd-daemon-state.c: the state dir. */
gboolean rd_daemon_state_dir_prepare (const char *state_dir, int *lock_fd, GError **error);
void rd_daemon_state_dir_release (int *lock_fd);

/* rd-daemon.c: recomputes the one-line status for the service manager; returns it.
 * (transfer full) */
char *rd_daemon_update_status (RdDaemon *daemon);
