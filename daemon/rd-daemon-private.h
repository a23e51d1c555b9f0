/* rd-daemon-private.h: RdDaemon's fields, for the daemon's own files only: rd-daemon.c (life and
 * wiring) and the control methods (rd-daemon-methods*.c), which read the parts and modules the
 * daemon owns. The parts (RdParties, RdLinks, RdSessionRecording) never include it.
 * Main context only. */
#pragma once

#include "config/rd-config.h"
#include "daemon/rd-daemon-archive.h"
#include "daemon/rd-daemon-console.h"
#include "daemon/rd-daemon-control.h"
#include "daemon/rd-daemon-links.h"
#include "daemon/rd-daemon-parties.h"
#include "daemon/rd-daemon-recording.h"
#include "daemon/rd-daemon-roles.h"
#include "daemon/rd-daemon.h"
#include "ledger/rd-ledger-chain.h"
#include "ledger/rd-ledger.h"
#include "media/rd-media-room.h"
#include "signaling/rd-signal-server.h"

struct _RdDaemon
{
  RdConfig *config;     /* the configuration in effect */
  char *config_path;    /* NULL = embedded default */
  GStrv restart_needed; /* keys changed in the file that wait for a restart */
  int lock_fd;          /* flock on <state-dir>/receptiond.lock, -1 when not held */
  RdLedger *ledger;
  RdLedgerKey *room_key; /* signs the ledger's checkpoints */
  RdRoom *room;
  RdSessionRecording *recording; /* the live session's recording */
  RdParties *parties;            /* the parties calling in */
  RdLinks *links;                /* the conferences joined */
  RdArchiver *archiver;          /* the recording archive's uploads */
  RdSignalServer *signal_server;
  RdControlServer *control;
  RdRoles *roles;     /* who may use which control method */
  RdConsole *console; /* the room console's operators and their sessions */
  guint watchdog_id;
  guint console_feed_id;     /* pushes the status to the web console's feed every second */
  char *last_status;         /* the last STATUS= sent */
  gint64 started_at_us;      /* monotonic */
  GCancellable *cancellable; /* cancelled when the daemon is freed: work in worker threads */
  guint
      workers; /* worker-thread jobs whose callback has not run: waited for at shutdown and free */
};

/* rd-daemon-book-key.c: loads <state-dir>/keys/book.key, or creates it on the first start, and
 * gives it to @ledger. */
gboolean rd_daemon_book_key_setup (RdLedger *ledger, const char *state_dir, GError **error);

/* rd-daemon-archive-package.c: writes the archive package of session @session_id, just sealed
 * (manifest.json, its signature and the room's public key, next to its segment files); logs a
 * failure, but for a session that has no package (no recording). */
void rd_daemon_archive_package (RdDaemon *d, const char *session_id);
/* Writes the package of every sealed session with recordings that has none yet (a crash came
 * between the end and the package, or an interrupted session was recovered); logs failures. */
void rd_daemon_archive_package_missing (RdDaemon *d);

/* rd-daemon-state.c: the state dir. */
gboolean rd_daemon_state_dir_prepare (const char *state_dir, int *lock_fd, GError **error);
void rd_daemon_state_dir_release (int *lock_fd);
