/* rd-daemon.c: RdDaemon's life (start, reload, shutdown) and its wiring: the parts (recording,
 * parties, links) are made here with their collaborators; their "changed", and every answer of
 * the control socket, make this file recompute the one-line status, sent to the service manager
 * when it changed. No other file sends STATUS=. See rd-daemon.h. */
#include "daemon/rd-daemon-private.h"

#include "daemon/rd-daemon-log.h"
#include "daemon/rd-daemon-methods.h"
#include "daemon/rd-daemon-notify.h"
#include "ledger/rd-ledger-book.h"
#include "media/rd-media-devices.h"
#include "media/rd-media-peer.h"
#include "media/rd-media-room.h"

/* SIGTERM: the recorder closes and seals its segments within this, else they are repaired at
 * the next start. */
#define SHUTDOWN_RECORDING_TIMEOUT_S 15
#define CONSOLE_FEED_MS              1000

RdDaemon *
rd_daemon_new (RdConfig *config, const char *config_path)
{
  RdDaemon *d = g_new0 (RdDaemon, 1);

  d->config = rd_config_ref (config);
  d->config_path = g_strdup (config_path);
  d->restart_needed = g_new0 (char *, 1);
  d->lock_fd = -1;
  d->started_at_us = g_get_monotonic_time ();
  d->cancellable = g_cancellable_new ();
  return d;
}

/* Every checkpoint the ledger signs goes to the journal too. */
static void
on_checkpoint (JsonNode *checkpoint, gpointer data)
{
  rd_log_checkpoint (checkpoint);
}

/* Recomputes the status line; only a change is news for the service manager (status is asked
 * for often). Returns the line. (transfer full) */
static char *
update_status (RdDaemon *d)
{
  char *line = rd_daemon_status_line (d);

  if (g_strcmp0 (line, d->last_status) != 0)
    {
      rd_notify_status (line);
      g_free (d->last_status);
      d->last_status = g_strdup (line);
    }
  return line;
}

/* A part's "changed", and the control server's "about to answer" (any method may have started
 * or ended a session). */
static void
on_changed (gpointer daemon)
{
  g_free (update_status (daemon));
}

static void
on_whip_request (RdSignalServer *server, RdWhipRequest *request, gpointer data)
{
  RdDaemon *d = data;

  rd_parties_handle_request (d->parties, request);
}

static void
on_console_request (RdSignalServer *server, RdConsoleRequest *request, gpointer data)
{
  RdDaemon *d = data;

  rd_console_handle (d->console, request);
}

/* The console's status feed: is this cookie a live operator session? */
static gboolean
on_console_session (RdSignalServer *server, const char *cookie, gpointer data)
{
  RdDaemon *d = data;

  return d->console && rd_console_cookie_is_live (d->console, cookie);
}

static gboolean
on_watchdog (gpointer data)
{
  rd_notify_watchdog ();
  return G_SOURCE_CONTINUE;
}

/* The web console's live status: built and sent only while a console watches. */
static gboolean
on_console_feed (gpointer data)
{
  rd_daemon_push_console_status (data);
  return G_SOURCE_CONTINUE;
}

static void
log_event_failure (const char *what, GError *error)
{
  rd_log_session (G_LOG_LEVEL_WARNING, NULL, "could not record %s in the ledger: %s", what,
                  error->message);
}

/* Closes, as interrupted, the sessions a crash left live, and says so. */
static gboolean
reconcile (RdDaemon *d, GError **error)
{
  g_autoptr (GPtrArray) closed = rd_ledger_reconcile_crashed (
      d->ledger, "receptiond stopped without ending the session (crash or power loss)", error);

  if (!closed)
    return FALSE;
  for (guint i = 0; i < closed->len; i++)
    rd_log_session (G_LOG_LEVEL_WARNING, closed->pdata[i],
                    "session was live when receptiond last stopped unexpectedly; marked "
                    "interrupted");
  return TRUE;
}

/* The room's pipeline reported an error (a device gone, an element failing): said once, here,
 * and on the record of the live session if there is one. */
static void
on_room_error (RdRoom *room, GError *err, gpointer data)
{
  RdDaemon *d = data;
  g_autoptr (GError) local = NULL;
  g_autoptr (GPtrArray) live = rd_ledger_live_sessions (d->ledger, NULL);
  const char *session = live && live->len ? live->pdata[0] : NULL;
  g_autoptr (JsonNode) detail = json_from_string ("{}", NULL);

  rd_log_session (G_LOG_LEVEL_WARNING, session, "room media error: %s", err->message);
  json_object_set_string_member (json_node_get_object (detail), "message", err->message);
  if (!rd_ledger_add_event (d->ledger, session, "receptiond", "media-error", detail, &local))
    log_event_failure ("a media error", local);
}

/* The session's parts, wired: the recording below the parties and the links (which give it
 * their peers); each one's "changed" recomputes the status. */
static void
make_parts (RdDaemon *d)
{
  d->recording = rd_session_recording_new (d->config, d->ledger, d->room);
  d->parties = rd_parties_new (d->config, d->ledger, d->room, d->recording);
  d->links = rd_links_new (d->config, d->ledger, d->room, d->recording);
  g_signal_connect_swapped (d->recording, "changed", G_CALLBACK (on_changed), d);
  g_signal_connect_swapped (d->parties, "changed", G_CALLBACK (on_changed), d);
  g_signal_connect_swapped (d->links, "changed", G_CALLBACK (on_changed), d);
}

/* "daemon-started" on the ledger's record, with the version and where the configuration came
 * from. */
static void
record_started (RdDaemon *d)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) detail = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "version");
  json_builder_add_string_value (b, RD_VERSION);
  json_builder_set_member_name (b, "config");
  json_builder_add_string_value (b, rd_config_get_origin (d->config));
  json_builder_end_object (b);
  detail = json_builder_get_root (b);
  if (!rd_ledger_add_event (d->ledger, NULL, "receptiond", "daemon-started", detail, &local))
    log_event_failure ("the daemon's start", local);
}

gboolean
rd_daemon_start (RdDaemon *d, GError **error)
{
  const char *state_dir = rd_config_get_state_dir (d->config);
  g_autofree char *status = NULL;
  guint watchdog_ms;

  if (!rd_daemon_state_dir_prepare (state_dir, &d->lock_fd, error))
    return FALSE;
  if (!rd_media_init (error))
    return FALSE;
  /* The room key first: the crash reconciliation below signs a checkpoint with it. */
  d->room_key = rd_ledger_key_load_or_create (state_dir, error);
  if (!d->room_key)
    return FALSE;
  d->ledger = rd_ledger_open (state_dir, error);
  if (!d->ledger)
    return FALSE;
  rd_ledger_set_key (d->ledger, d->room_key);
  rd_ledger_set_checkpoint_func (d->ledger, on_checkpoint, NULL);
  rd_ledger_book_set_calendar (d->ledger, rd_config_get_calendar (d->config));
  if (!reconcile (d, error) || !rd_daemon_book_key_setup (d->ledger, state_dir, error))
    return FALSE;
  d->room = rd_room_new (d->config, error);
  if (!d->room)
    return FALSE;
  g_signal_connect (d->room, "error", G_CALLBACK (on_room_error), d);
  if (!rd_room_start (d->room, error))
    return FALSE;
  /* crashed sessions' open segments, before anything new */
  rd_session_recording_recover (d->ledger, d->config);
  d->archiver = rd_archiver_new (d->config, d->ledger);
  rd_daemon_archive_package_missing (d);
  make_parts (d);
  d->signal_server = rd_signal_server_new (d->config, error);
  if (!d->signal_server)
    return FALSE;
  g_signal_connect (d->signal_server, "whip-request", G_CALLBACK (on_whip_request), d);
  /* the console's operators run the control methods, through the one table */
  d->console =
      rd_console_new (d->config, d->ledger, d->room, rd_daemon_methods_dispatch, on_changed, d);
  g_signal_connect (d->signal_server, "console-request", G_CALLBACK (on_console_request), d);
  g_signal_connect (d->signal_server, "console-session", G_CALLBACK (on_console_session), d);
  if (!rd_signal_server_start (d->signal_server, error))
    return FALSE;
  d->roles = rd_roles_new (d->config, error);
  if (!d->roles)
    return FALSE;
  d->control = rd_control_server_new (rd_config_get_control_socket (d->config),
                                      rd_config_get_control_group (d->config),
                                      rd_daemon_methods_dispatch, on_changed, d, error);
  if (!d->control)
    return FALSE;

  record_started (d);
  rd_archiver_kick (d->archiver); /* what the last run left, or a restart interrupted */
  rd_archiver_retain (d->archiver);

  rd_peer_prepare (); /* the DTLS certificate, in the background: no caller waits for it */
  d->console_feed_id = g_timeout_add (CONSOLE_FEED_MS, on_console_feed, d);
  watchdog_ms = rd_notify_watchdog_interval_ms ();
  if (watchdog_ms > 0)
    d->watchdog_id = g_timeout_add (watchdog_ms, on_watchdog, d);

  status = update_status (d);
  {
    g_autofree char *roles = rd_roles_describe (d->roles);
    rd_log_session (G_LOG_LEVEL_MESSAGE, NULL, "%s", roles);
  }
  rd_log_session (G_LOG_LEVEL_MESSAGE, NULL,
                  "receptiond %s ready: room \"%s\", console socket %s, HTTPS %s, state %s (%s)",
                  RD_VERSION, rd_config_get_room_name (d->config),
                  rd_config_get_control_socket (d->config),
                  rd_signal_server_get_url (d->signal_server), state_dir, status);
  rd_notify_ready ();
  return TRUE;
}

/* The file's new configuration, with the keys that need a restart kept at their running values.
 * Fills @pending with those keys. */
static RdConfig *
merge_reloadable (RdConfig *running, RdConfig *fresh, GPtrArray *pending, GError **error)
{
  g_auto (GStrv) changed = rd_config_diff (running, fresh);
  g_autofree char *fresh_text = rd_config_to_data (fresh);
  g_autofree char *running_text = rd_config_to_data (running);
  g_autoptr (GKeyFile) merged = g_key_file_new ();
  g_autoptr (GKeyFile) old = g_key_file_new ();
  g_autofree char *text = NULL;

  if (!g_key_file_load_from_data (merged, fresh_text, -1, G_KEY_FILE_NONE, error) ||
      !g_key_file_load_from_data (old, running_text, -1, G_KEY_FILE_NONE, error))
    return NULL;
  for (char **k = changed; *k; k++)
    {
      g_auto (GStrv) parts = NULL;
      g_autofree char *value = NULL;

      if (rd_config_key_is_reloadable (*k))
        continue;
      g_ptr_array_add (pending, g_strdup (*k));
      parts = g_strsplit (*k, ".", 2);
      value = g_key_file_get_value (old, parts[0], parts[1], NULL);
      g_key_file_set_value (merged, parts[0], parts[1], value ? value : "");
    }
  text = g_key_file_to_data (merged, NULL, NULL);
  return rd_config_load_data (text, rd_config_get_origin (fresh), error);
}

void
rd_daemon_reload (RdDaemon *d)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (RdConfig) fresh = NULL;
  g_autoptr (RdConfig) merged = NULL;
  g_autoptr (GPtrArray) pending = g_ptr_array_new_with_free_func (g_free);
  g_auto (GStrv) applied = NULL;
  g_autofree char *pending_text = NULL;
  g_autofree char *applied_text = NULL;
  g_autofree char *status = NULL;

  if (!d->config_path)
    {
      rd_log_session (G_LOG_LEVEL_MESSAGE, NULL,
                      "reload: running on the embedded default; there is no file to re-read");
      return;
    }
  rd_notify_reloading ();
  fresh = rd_config_load_file (d->config_path, &error);
  if (fresh)
    merged = merge_reloadable (d->config, fresh, pending, &error);
  if (!merged)
    {
      rd_log_session (G_LOG_LEVEL_WARNING, NULL,
                      "reload failed, the running configuration stays in effect: %s",
                      error->message);
      rd_notify_ready ();
      return;
    }
  applied = rd_config_diff (d->config, merged);
  g_ptr_array_add (pending, NULL);
  g_strfreev (d->restart_needed);
  d->restart_needed = (GStrv)g_ptr_array_steal (pending, NULL);
  g_clear_pointer (&d->config, rd_config_unref);
  d->config = g_steal_pointer (&merged);
  if (d->console)
    rd_console_set_config (d->console, d->config);
  if (d->recording)
    {
      rd_session_recording_set_config (d->recording, d->config);
      rd_parties_set_config (d->parties, d->config);
      rd_links_set_config (d->links, d->config);
    }

  applied_text = g_strjoinv (", ", applied);
  pending_text = g_strjoinv (", ", d->restart_needed);
  rd_log_session (G_LOG_LEVEL_MESSAGE, NULL, "reloaded %s: applied: %s; needs a restart: %s",
                  d->config_path, *applied ? applied_text : "nothing changed",
                  *d->restart_needed ? pending_text : "nothing");
  status = update_status (d);
  rd_notify_ready ();
}

/* Cancels the work in worker threads and waits for their callbacks: a cancelled worker stops
 * at its next look at the cancellable; its callback answers its request (while the control
 * server is up, the client is told) and frees what it holds and what its thread writes to. */
static void
stop_workers (RdDaemon *d)
{
  g_cancellable_cancel (d->cancellable);
  while (d->workers > 0)
    g_main_context_iteration (NULL, TRUE);
}

void
rd_daemon_shutdown (RdDaemon *d, const char *why)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) live = NULL;
  gint64 started_us = g_get_monotonic_time ();

  rd_notify_stopping ();
  rd_notify_status ("stopping");
  stop_workers (d); /* before the requests they answer are dropped */
  /* no upload starts now; the sessions ended below are queued at the next start */
  g_clear_pointer (&d->archiver, rd_archiver_free);
  g_clear_pointer (&d->control, rd_control_server_free);
  g_clear_handle_id (&d->console_feed_id, g_source_remove);
  if (d->signal_server)
    rd_signal_server_stop (d->signal_server);
  if (d->parties)
    rd_parties_close (d->parties, NULL, 0, why);
  /* the conferences joined get their DELETE while the recording finishes, both within the
   * same 15 s */
  if (d->links)
    rd_links_leave (d->links, NULL, why, NULL, NULL);
  /* the recording is finished (segments sealed) before its session ends */
  if (d->recording)
    rd_session_recording_stop_and_wait (d->recording, SHUTDOWN_RECORDING_TIMEOUT_S);
  if (d->links)
    rd_links_wait (d->links, started_us + SHUTDOWN_RECORDING_TIMEOUT_S * G_USEC_PER_SEC);
  if (!d->ledger)
    return;
  live = rd_ledger_live_sessions (d->ledger, &error);
  if (!live)
    {
      rd_log_session (G_LOG_LEVEL_WARNING, NULL,
                      "cannot read the live sessions to end them (%s); they will be marked "
                      "interrupted at the next start",
                      error->message);
      return;
    }
  for (guint i = 0; i < live->len; i++)
    {
      const char *id = live->pdata[i];
      if (rd_ledger_session_end (d->ledger, id, "receptiond", why, &error))
        {
          rd_log_session (G_LOG_LEVEL_MESSAGE, id, "session ended: %s", why);
          rd_daemon_archive_package (d, id);
        }
      else
        {
          rd_log_session (G_LOG_LEVEL_WARNING, id, "cannot end the session: %s", error->message);
          g_clear_error (&error);
        }
    }
  {
    g_autoptr (JsonNode) detail = json_from_string ("{}", NULL);
    json_object_set_string_member (json_node_get_object (detail), "reason", why);
    if (!rd_ledger_add_event (d->ledger, NULL, "receptiond", "daemon-stopped", detail, &error))
      log_event_failure ("the daemon's stop", error);
  }
}

void
rd_daemon_free (RdDaemon *d)
{
  if (!d)
    return;
  rd_peer_prepare_wait ();
  stop_workers (d);
  g_clear_object (&d->cancellable);
  g_clear_handle_id (&d->watchdog_id, g_source_remove);
  g_clear_handle_id (&d->console_feed_id, g_source_remove);
  g_clear_pointer (&d->control, rd_control_server_free);
  g_clear_pointer (&d->roles, rd_roles_free);
  g_clear_pointer (&d->console, rd_console_free);
  if (d->signal_server)
    g_signal_handlers_disconnect_by_data (d->signal_server, d);
  g_clear_object (&d->signal_server);
  /* disposed here, before the room stops: their peers close first; what the recording left
   * open (shutdown waited for it, or there was none) is repaired at the next start */
  if (d->links)
    {
      g_signal_handlers_disconnect_by_data (d->links, d);
      g_object_run_dispose (G_OBJECT (d->links));
    }
  g_clear_object (&d->links);
  if (d->parties)
    {
      g_signal_handlers_disconnect_by_data (d->parties, d);
      g_object_run_dispose (G_OBJECT (d->parties));
    }
  g_clear_object (&d->parties);
  if (d->recording)
    {
      g_signal_handlers_disconnect_by_data (d->recording, d);
      g_object_run_dispose (G_OBJECT (d->recording));
    }
  g_clear_object (&d->recording);
  if (d->room)
    {
      g_signal_handlers_disconnect_by_data (d->room, d);
      rd_room_stop (d->room);
    }
  g_clear_object (&d->room);
  g_clear_pointer (&d->archiver, rd_archiver_free);
  g_clear_pointer (&d->ledger, rd_ledger_close);
  g_clear_pointer (&d->room_key, rd_ledger_key_free);
  rd_daemon_state_dir_release (&d->lock_fd);
  g_clear_pointer (&d->config, rd_config_unref);
  g_strfreev (d->restart_needed);
  g_free (d->config_path);
  g_free (d->last_status);
  g_free (d);
}
