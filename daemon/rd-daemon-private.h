/* rd-daemon-private.h: RdDaemon's fields, shared by the files of the daemon module only
 * (rd-daemon.c, rd-daemon-commands.c, rd-daemon-parties.c, rd-daemon-state.c, rd-daemon-book*.c).
 * Main context
 * only. */
#pragma once

#include "config/rd-config.h"
#include "daemon/rd-daemon-control.h"
#include "daemon/rd-daemon.h"
#include "ledger/rd-ledger-chain.h"
#include "ledger/rd-ledger.h"
#include "media/rd-media-record.h"
#include "media/rd-media-room.h"
#include "signaling/rd-signal-server.h"
#include "signaling/rd-signal-whip.h"

typedef struct _RdDaemonParty RdDaemonParty;
typedef struct _RdDaemonLink RdDaemonLink;

struct _RdDaemon
{
  RdConfig *config;     /* the configuration in effect */
  char *config_path;    /* NULL = embedded default */
  GStrv restart_needed; /* keys changed in the file that wait for a restart */
  int lock_fd;          /* flock on <state-dir>/receptiond.lock, -1 when not held */
  RdLedger *ledger;
  RdLedgerKey *room_key; /* signs the ledger's checkpoints */
  RdRoom *room;
  GHashTable *parties; /* peer id -> RdDaemonParty (owned) */
  GHashTable *links;   /* link id -> RdDaemonLink (owned): conferences joined (rd-daemon-links.c) */
  guint links_leaving; /* DELETEs in flight (shutdown waits for them) */
  RdSignalServer *signal_server;
  RdControlServer *control;
  guint watchdog_id;
  char *last_status; /* the last STATUS= sent */
  /* rd-daemon-recording.c: the live session's recording */
  RdRecorder *recorder;
  char *recording_session, *recording_pause_reason, *recording_stopped_why;
  guint recording_tick_id, recording_ticks;
  GArray *recording_waiters; /* Waiter: called when the recorder has finished */
  gboolean disk_low;         /* free space below warn-free-mb */
  gint64 started_at_us;      /* monotonic */
  GCancellable *cancellable; /* cancelled when the daemon is freed: work in worker threads */
};

/* rd-daemon-commands.c: the control socket's methods. */
void rd_daemon_handle_request (RdControlRequest *request, gpointer daemon);
/* A string parameter: NULL when absent; FALSE (and the request answered) when it is not a
 * string, or is required and absent. */
gboolean rd_daemon_get_string_param (RdControlRequest *req, JsonObject *params, const char *name,
                                     gboolean required, const char **out);
/* Answers a failed ledger call with the code of its error; logs (once) what is not the caller's
 * mistake. */
void rd_daemon_reply_ledger_error (RdControlRequest *req, const char *session_id,
                                   const GError *error);

/* rd-daemon-invites.c: invitations and mute. */
void rd_daemon_method_session_invite (RdDaemon *d, RdControlRequest *req, JsonObject *params);
void rd_daemon_method_session_revoke (RdDaemon *d, RdControlRequest *req, JsonObject *params);
void rd_daemon_method_mute (RdDaemon *d, RdControlRequest *req, JsonObject *params);
void rd_daemon_method_unmute (RdDaemon *d, RdControlRequest *req, JsonObject *params);
/* {"mic": bool, "camera": bool} as the next value of @b. */
void rd_daemon_add_muted (JsonBuilder *b, RdDaemon *d);

/* rd-daemon-recording-verify.c: "recording.verify" {"session"}: re-hashes the session's recording
 * files in a worker thread and compares them with the ledger; the request is answered when done. */
void rd_daemon_method_recording_verify (RdDaemon *d, RdControlRequest *req, JsonObject *params);
/* rd-daemon-ledger.c: the ledger's tamper evidence (key, checkpoints, verify). */
void rd_daemon_method_ledger_key (RdDaemon *d, RdControlRequest *req, JsonObject *params);
void rd_daemon_method_ledger_checkpoint (RdDaemon *d, RdControlRequest *req, JsonObject *params);
void rd_daemon_method_ledger_checkpoint_export (RdDaemon *d, RdControlRequest *req,
                                                JsonObject *params);
void rd_daemon_method_ledger_verify (RdDaemon *d, RdControlRequest *req, JsonObject *params);

/* rd-daemon-parties.c: remote parties (WHIP requests -> peers -> ledger rows). */
GHashTable *rd_daemon_parties_new (void);
void rd_daemon_on_whip_request (RdSignalServer *server, RdWhipRequest *request, gpointer daemon);
/* Closes the parties of @session_id (all when NULL), only those of @invite_id when > 0. */
void rd_daemon_close_parties (RdDaemon *daemon, const char *session_id, gint64 invite_id,
                              const char *reason);
/* Parties of @session_id (all when NULL); connected ones only if @connected_only. */
guint rd_daemon_count_parties (RdDaemon *daemon, const char *session_id, gboolean connected_only);
/* A JSON array of the live parties of @session_id (all when NULL) with their stats.
 * (transfer full) */
JsonNode *rd_daemon_parties_to_json (RdDaemon *daemon, const char *session_id);
/* 2 * @n_bytes hex digits from the kernel's CSPRNG (n_bytes <= 64). (transfer full) */
char *rd_daemon_random_hex (gsize n_bytes);
/* SHA-256 hex of a bearer token: all the ledger ever keeps of it. (transfer full) */
char *rd_daemon_token_hash (const char *token);

/* rd-daemon-book.c: the reception book's methods (registrations, schedule, receptions,
 * conclusions, follow-ups, book export, report): one entry point, dispatching on the method. */
void rd_daemon_book_method (RdDaemon *d, RdControlRequest *req, JsonObject *params);
/* session.start ID: starts scheduled session @id (the one-live-session rule already checked). */
char *rd_daemon_book_start_scheduled (RdDaemon *d, RdControlRequest *req, const char *id);

/* rd-daemon-book-key.c: loads <state-dir>/keys/book.key, or creates it on the first start, and
 * gives it to the ledger. */
gboolean rd_daemon_book_key_setup (RdDaemon *d, const char *state_dir, GError **error);

/* rd-daemon-state.c: the state dir. */
gboolean rd_daemon_state_dir_prepare (const char *state_dir, int *lock_fd, GError **error);
void rd_daemon_state_dir_release (int *lock_fd);

/* rd-daemon.c: recomputes the one-line status for the service manager; returns it.
 * (transfer full) */
char *rd_daemon_update_status (RdDaemon *daemon);
