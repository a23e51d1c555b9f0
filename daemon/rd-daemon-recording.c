/* rd-daemon-recording.c: RdSessionRecording (see rd-daemon-recording.h). The recorder (media/)
 * writes the files; this object starts it with the session, gives it each party, writes every
 * segment it opens and seals into the ledger, draws the REC mark on the room's display and
 * watches the disk. Main context only. */
#include "daemon/rd-daemon-recording-private.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "daemon/rd-daemon-coverage.h"
#include "daemon/rd-daemon-error.h"
#include "daemon/rd-daemon-log.h"
#include "ledger/rd-ledger-recordings.h"
#include "media/rd-media-record.h"

#define DISK_CHECK_EVERY_S 5

typedef struct
{
  RdSessionRecordingDone func;
  gpointer data;
} Waiter;

enum
{
  SIGNAL_CHANGED,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

G_DEFINE_TYPE (RdSessionRecording, rd_session_recording, G_TYPE_OBJECT)

static void
changed (RdSessionRecording *d)
{
  g_signal_emit (d, signals[SIGNAL_CHANGED], 0);
}

static void
rd_session_recording_dispose (GObject *object)
{
  RdSessionRecording *d = RD_SESSION_RECORDING (object);

  if (d->recorder) /* shutdown waited for it; what is left is repaired at the next start */
    g_signal_handlers_disconnect_by_data (d->recorder, d);
  g_clear_object (&d->recorder);
  g_clear_handle_id (&d->tick_id, g_source_remove);
  rd_session_recording_rows_finish (d, FALSE);
  g_clear_pointer (&d->waiters, g_array_unref);
  rd_session_recording_tracks_clear (d);
  g_clear_object (&d->room);
  g_clear_pointer (&d->config, rd_config_unref);
  G_OBJECT_CLASS (rd_session_recording_parent_class)->dispose (object);
}

static void
rd_session_recording_finalize (GObject *object)
{
  RdSessionRecording *d = RD_SESSION_RECORDING (object);

  g_free (d->session);
  g_free (d->pause_reason);
  g_free (d->stopped_why);
  G_OBJECT_CLASS (rd_session_recording_parent_class)->finalize (object);
}

static void
rd_session_recording_class_init (RdSessionRecordingClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = rd_session_recording_dispose;
  object_class->finalize = rd_session_recording_finalize;
  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
rd_session_recording_init (RdSessionRecording *d)
{
}

RdSessionRecording *
rd_session_recording_new (RdConfig *config, RdLedger *ledger, RdRoom *room)
{
  RdSessionRecording *d = g_object_new (RD_TYPE_SESSION_RECORDING, NULL);

  d->config = rd_config_ref (config);
  d->ledger = ledger;
  d->room = g_object_ref (room);
  return d;
}

void
rd_session_recording_set_config (RdSessionRecording *d, RdConfig *config)
{
  rd_config_ref (config);
  rd_config_unref (d->config);
  d->config = config;
}

/* Relative to the state dir, as the ledger keeps paths. (transfer none: points into @path) */
static const char *
relative (RdSessionRecording *d, const char *path)
{
  const char *state_dir = rd_config_get_state_dir (d->config);
  gsize n = strlen (state_dir);

  if (strncmp (path, state_dir, n) == 0 && path[n] == '/')
    return path + n + 1;
  return path;
}

/* @detail_take: (transfer full) */
static void
record_event (RdSessionRecording *d, const char *actor, const char *kind, JsonNode *detail_take)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) detail = detail_take;

  if (!rd_ledger_add_event (d->ledger, d->session, actor, kind, detail, &error))
    rd_log_session (G_LOG_LEVEL_WARNING, d->session, "cannot record \"%s\": %s", kind,
                    error->message);
}

static JsonNode *
detail_of (const char *key, const char *value)
{
  JsonNode *node = json_from_string ("{}", NULL);

  json_object_set_string_member (json_node_get_object (node), key, value);
  return node;
}

static gint64
elapsed_ns (RdSessionRecording *d)
{
  return (gint64)rd_recorder_get_elapsed_ns (d->recorder);
}

/* Seconds on the timeline as the events give them (milliseconds are enough, and readable). */
static double
seconds (gint64 ns)
{
  return (double)(ns / G_GINT64_CONSTANT (1000000)) / 1000.0;
}

void
rd_session_recording_record_gap (RdSessionRecording *d, const char *track, gint64 from_ns,
                                 gint64 to_ns, const char *reason)
{
  JsonNode *detail;
  JsonObject *o;

  if (to_ns <= from_ns)
    return;
  detail = detail_of ("track", track);
  o = json_node_get_object (detail);
  json_object_set_double_member (o, "from_s", seconds (from_ns));
  json_object_set_double_member (o, "to_s", seconds (to_ns));
  json_object_set_string_member (o, "reason", reason);
  record_event (d, "receptiond", "recording-gap", detail);
}

/* MiB free for writing at @path (G_MAXUINT64 when unknown: never refuse on a failed statvfs
 * alone); *@read_only when its file system is mounted read-only. */
static guint64
free_mb_at (const char *path, gboolean *read_only)
{
  struct statvfs st;

  if (read_only)
    *read_only = FALSE;
  if (statvfs (path, &st) != 0)
    return G_MAXUINT64;
  if (read_only)
    *read_only = (st.f_flag & ST_RDONLY) != 0;
  return (guint64)st.f_bavail * st.f_frsize / (1024 * 1024);
}

/* The least free space of the state dir and of its recordings/ (which may be a file system of
 * its own); *@where (may be NULL) the directory it was measured in. (transfer full) */
guint64
rd_session_recording_least_free_mb (RdSessionRecording *d, char **where)
{
  const char *state_dir = rd_config_get_state_dir (d->config);
  g_autofree char *recordings = g_build_filename (state_dir, "recordings", NULL);
  guint64 state_mb = free_mb_at (state_dir, NULL);
  guint64 rec_mb =
      g_file_test (recordings, G_FILE_TEST_IS_DIR) ? free_mb_at (recordings, NULL) : G_MAXUINT64;

  if (where)
    *where = g_strdup (rec_mb < state_mb ? recordings : state_dir);
  return MIN (state_mb, rec_mb);
}

gboolean
rd_session_recording_check_space (RdSessionRecording *d, GError **error)
{
  g_autofree char *where = NULL;
  guint64 free_mb = rd_session_recording_least_free_mb (d, &where);
  guint64 min_mb = rd_config_get_min_free_mb (d->config);

  if (free_mb < min_mb)
    {
      g_set_error (error, RD_DAEMON_ERROR, RD_DAEMON_ERROR_DISK,
                   "only %" G_GUINT64_FORMAT " MiB free in %s; a session is recorded and needs "
                   "at least [storage] min-free-mb = %" G_GUINT64_FORMAT " MiB",
                   free_mb, where, min_mb);
      return FALSE;
    }
  return TRUE;
}

static void
update_banner (RdSessionRecording *d)
{
  g_autofree char *text = NULL;
  g_autofree char *failing = NULL;
  guint64 s;

  if (!d->recorder)
    text = NULL;
  else if (d->stopped_why)
    text = g_strdup_printf ("REC STOPPED: %s", d->stopped_why);
  else if (rd_recorder_is_paused (d->recorder))
    text = g_strdup_printf ("REC PAUSED: %s", d->pause_reason);
  else
    {
      s = rd_recorder_get_elapsed_ns (d->recorder) / G_GUINT64_CONSTANT (1000000000);
      failing = rd_session_recording_failing_mark (d);
      text = g_strdup_printf (
          "\u25CF REC %02" G_GUINT64_FORMAT ":%02" G_GUINT64_FORMAT ":%02" G_GUINT64_FORMAT "%s%s",
          s / 3600, s / 60 % 60, s % 60, failing ? "\n" : "", failing ? failing : "");
    }
  rd_room_set_banner (d->room, text);
}

/* Stops the whole recording for good (@why, transfer full): the open segments are closed and
 * sealed with what the disk took, the call goes on, the display says REC STOPPED. */
static void
stop_for_disk (RdSessionRecording *d, char *why)
{
  JsonNode *detail = detail_of ("reason", why);

  d->stopped_why = why;
  d->stopped_at_ns = elapsed_ns (d);
  rd_recorder_pause (d->recorder);
  rd_log_session (G_LOG_LEVEL_CRITICAL, d->session, "recording stopped: %s; the call goes on",
                  d->stopped_why);
  json_object_set_int_member (json_node_get_object (detail), "at_ns", d->stopped_at_ns);
  record_event (d, "receptiond", "recording-stopped-disk", detail);
  update_banner (d);
  changed (d);
}

static char *
session_dir (RdSessionRecording *d, const char *session_id)
{
  /* <state-dir>/recordings/<yyyy>/<mm>/<id>/, from the id's date (YYYYMMDD-xxxxxx) */
  return g_strdup_printf ("%s/recordings/%.4s/%.2s/%s", rd_config_get_state_dir (d->config),
                          session_id, session_id + 4, session_id);
}

static void
check_disk (RdSessionRecording *d)
{
  guint64 free_mb = rd_session_recording_least_free_mb (d, NULL);
  gboolean low = free_mb < rd_config_get_warn_free_mb (d->config);

  if (low != d->disk_low)
    {
      d->disk_low = low;
      rd_log_session (low ? G_LOG_LEVEL_WARNING : G_LOG_LEVEL_MESSAGE, d->session,
                      "%" G_GUINT64_FORMAT
                      " MiB free for recordings (warn-free-mb = %" G_GUINT64_FORMAT ")",
                      free_mb, rd_config_get_warn_free_mb (d->config));
      changed (d);
    }
  if (free_mb < rd_config_get_stop_free_mb (d->config) && !d->stopped_why && d->recorder)
    stop_for_disk (d, g_strdup_printf ("%" G_GUINT64_FORMAT
                                       " MiB free, below stop-free-mb = %" G_GUINT64_FORMAT,
                                       free_mb, rd_config_get_stop_free_mb (d->config)));
}

static gboolean
tick (gpointer data)
{
  RdSessionRecording *d = data;

  update_banner (d);
  if (++d->ticks % DISK_CHECK_EVERY_S == 0)
    check_disk (d);
  return G_SOURCE_CONTINUE;
}

static void
on_opened (RdRecorder *rec, gint64 segment, const char *path, const char *tracks,
           RdSessionRecording *d)
{
  rd_session_recording_rows_opened (d, segment, relative (d, path), tracks);
  if (rd_session_recording_tracks_opened (d, tracks))
    {
      update_banner (d);
      changed (d);
    }
}

static void
on_sealed (RdRecorder *rec, gint64 segment, const char *path, const char *sha256, gint64 size,
           gint64 duration_ns, const char *tracks, RdSessionRecording *d)
{
  rd_session_recording_rows_sealed (d, segment, relative (d, path), sha256, size, duration_ns,
                                    tracks);
}

static void
on_error (RdRecorder *rec, GError *error, RdSessionRecording *d)
{
  g_autofree char *dir = NULL;
  gboolean read_only = FALSE;
  guint64 free_mb;

  rd_log_session (G_LOG_LEVEL_WARNING, d->session, "%s", error->message);
  record_event (d, "receptiond", "recording-error", detail_of ("message", error->message));
  if (d->stopped_why || rd_recorder_is_paused (rec))
    return;
  /* A writer failed: when the disk itself no longer takes the recording (full, or made
   * read-only), every track would fail the same way at its next write or segment: stop the
   * whole recording cleanly and say so, instead of losing the tracks one by one under a REC
   * mark. Another failure (a refused format) loses only its own track. */
  dir = session_dir (d, d->session);
  free_mb = free_mb_at (dir, &read_only);
  if (read_only || access (dir, W_OK) != 0)
    stop_for_disk (d, g_strdup_printf ("the recording directory %s is not writable (%s)",
                                       relative (d, dir), error->message));
  else if (free_mb < rd_config_get_stop_free_mb (d->config))
    stop_for_disk (d, g_strdup_printf ("disk full: %" G_GUINT64_FORMAT " MiB free in %s (%s)",
                                       free_mb, relative (d, dir), error->message));
}

/* Logged by on_error (which came first): listed, and the REC mark says so at once. */
static void
on_track_failed (RdRecorder *rec, const char *track, GError *error, RdSessionRecording *d)
{
  rd_session_recording_track_failed (d, track, error->message, elapsed_ns (d));
  update_banner (d);
  changed (d);
}

/* The "recording-coverage" event: per track, the seconds it recorded of the time it was due and
 * every gap, from the ledger's rows and events (rd_coverage_of_session()). */
static void
record_coverage (RdSessionRecording *d)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) session = NULL;

  if (rd_session_recording_rows_pending (d) > 0)
    {
      rd_log_session (G_LOG_LEVEL_WARNING, d->session,
                      "no coverage on the record: %u segment records are still waiting for the "
                      "ledger",
                      rd_session_recording_rows_pending (d));
      return;
    }
  session = rd_ledger_session_show (d->ledger, d->session, &error);
  if (!session)
    rd_log_session (G_LOG_LEVEL_WARNING, d->session, "cannot read the session for its coverage: %s",
                    error->message);
  else
    record_event (d, "receptiond", "recording-coverage",
                  rd_coverage_of_session (json_node_get_object (session), -1));
}

/* The disk takes none of @track's writes: said once, listed as not recording from @since_ns. */
static void
on_track_stalled (RdRecorder *rec, const char *track, gint64 since_ns, GError *error,
                  RdSessionRecording *d)
{
  rd_log_session (G_LOG_LEVEL_WARNING, d->session, "%s", error->message);
  record_event (d, "receptiond", "recording-error", detail_of ("message", error->message));
  rd_session_recording_track_failed (d, track, error->message, since_ns);
  update_banner (d);
  changed (d);
}

static void
on_track_resumed (RdRecorder *rec, const char *track, gint64 at_ns, RdSessionRecording *d)
{
  if (rd_session_recording_tracks_resumed (d, track, at_ns))
    {
      update_banner (d);
      changed (d);
    }
}

static void
on_finished (RdRecorder *rec, RdSessionRecording *d)
{
  g_autoptr (GArray) waiters = g_steal_pointer (&d->waiters);
  gint64 end_ns = elapsed_ns (d);
  JsonNode *detail = json_from_string ("{}", NULL);

  rd_log_session (G_LOG_LEVEL_MESSAGE, d->session, "recording finished: %u segments sealed",
                  rd_recorder_get_sealed_count (rec));
  g_signal_handlers_disconnect_by_data (rec, d);
  rd_session_recording_rows_finish (d, TRUE); /* before the session ends (no rows after) */
  /* what was not recorded, then where the timeline ends and what it holds */
  rd_session_recording_tracks_end (d, end_ns);
  if (d->stopped_why)
    rd_session_recording_record_gap (d, "all", d->stopped_at_ns, end_ns, d->stopped_why);
  json_object_set_int_member (json_node_get_object (detail), "at_ns", end_ns);
  json_object_set_int_member (json_node_get_object (detail), "segments_sealed",
                              rd_recorder_get_sealed_count (rec));
  record_event (d, "receptiond", "recording-finished", detail);
  record_coverage (d);
  g_clear_object (&d->recorder);
  g_clear_handle_id (&d->tick_id, g_source_remove);
  g_clear_pointer (&d->session, g_free);
  g_clear_pointer (&d->pause_reason, g_free);
  g_clear_pointer (&d->stopped_why, g_free);
  rd_session_recording_tracks_clear (d);
  update_banner (d);
  /* no "changed": the session ends next (or the daemon stops), and that is what the status
   * shows; a line in between would only flicker */
  for (guint i = 0; waiters && i < waiters->len; i++)
    g_array_index (waiters, Waiter, i).func (g_array_index (waiters, Waiter, i).data);
}

gboolean
rd_session_recording_start (RdSessionRecording *d, const char *session_id, const char *actor,
                            GError **error)
{
  g_autofree char *dir = NULL;
  gint64 next;
  g_autoptr (GError) local = NULL;

  g_return_val_if_fail (d->recorder == NULL, FALSE);
  dir = session_dir (d, session_id);
  next = rd_ledger_recording_next_segment (d->ledger, session_id, &local);
  if (next <= 0)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  d->recorder =
      rd_recorder_new (d->room, dir, session_id, next, rd_config_get_segment_seconds (d->config));
  d->session = g_strdup (session_id);
  g_signal_connect (d->recorder, "segment-opened", G_CALLBACK (on_opened), d);
  g_signal_connect (d->recorder, "segment-sealed", G_CALLBACK (on_sealed), d);
  g_signal_connect (d->recorder, "error", G_CALLBACK (on_error), d);
  g_signal_connect (d->recorder, "track-failed", G_CALLBACK (on_track_failed), d);
  g_signal_connect (d->recorder, "track-stalled", G_CALLBACK (on_track_stalled), d);
  g_signal_connect (d->recorder, "track-resumed", G_CALLBACK (on_track_resumed), d);
  g_signal_connect (d->recorder, "finished", G_CALLBACK (on_finished), d);
  if (!rd_recorder_start (d->recorder, error))
    {
      g_signal_handlers_disconnect_by_data (d->recorder, d);
      g_clear_object (&d->recorder);
      g_clear_pointer (&d->session, g_free);
      return FALSE;
    }
  record_event (d, actor, "recording-started", detail_of ("directory", relative (d, dir)));
  d->ticks = 0;
  d->tick_id = g_timeout_add_seconds (1, tick, d);
  check_disk (d);
  update_banner (d);
  changed (d);
  return TRUE;
}

void
rd_session_recording_add_peer (RdSessionRecording *d, const char *session_id, RdPeer *peer,
                               const char *label)
{
  if (d->recorder && g_strcmp0 (session_id, d->session) == 0)
    rd_recorder_add_peer (d->recorder, peer, label);
}

void
rd_session_recording_stop (RdSessionRecording *d, const char *session_id,
                           RdSessionRecordingDone func, gpointer data)
{
  Waiter w = { func, data };

  if (!d->recorder || (session_id && g_strcmp0 (session_id, d->session) != 0))
    {
      func (data);
      return;
    }
  if (!d->waiters)
    d->waiters = g_array_new (FALSE, FALSE, sizeof (Waiter));
  g_array_append_val (d->waiters, w);
  rd_recorder_stop (d->recorder); /* "finished" calls the waiters (at once when nothing is open) */
}

static gboolean
wake (gpointer data)
{
  *(gboolean *)data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
note_done (gpointer data)
{
  *(gboolean *)data = TRUE;
}

void
rd_session_recording_stop_and_wait (RdSessionRecording *d, guint timeout_s)
{
  gboolean done = FALSE, timed_out = FALSE;
  guint timer;

  if (!d->recorder)
    return;
  rd_session_recording_stop (d, NULL, note_done, &done);
  timer = g_timeout_add_seconds (timeout_s, wake, &timed_out);
  while (!done && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (timer);
  else
    rd_log_session (G_LOG_LEVEL_WARNING, d->session,
                    "the recording did not finish in %u s; its open segments will be repaired at "
                    "the next start",
                    timeout_s);
}

gboolean
rd_session_recording_set_paused (RdSessionRecording *d, const char *id, gboolean pause,
                                 const char *reason, const char *actor, GError **error)
{
  JsonNode *detail;

  if (!d->recorder || g_strcmp0 (id, d->session) != 0)
    {
      g_set_error (error, RD_DAEMON_ERROR, RD_DAEMON_ERROR_CONFLICT,
                   "session %s is not being recorded (not live)", id);
      return FALSE;
    }
  if (d->stopped_why)
    {
      g_set_error (error, RD_DAEMON_ERROR, RD_DAEMON_ERROR_CONFLICT,
                   "the recording of %s was stopped (%s); free disk space and start a new "
                   "session",
                   id, d->stopped_why);
      return FALSE;
    }
  if (pause == rd_recorder_is_paused (d->recorder))
    {
      g_set_error (error, RD_DAEMON_ERROR, RD_DAEMON_ERROR_CONFLICT,
                   "the recording of %s is already %s", id, pause ? "paused" : "running");
      return FALSE;
    }
  if (pause)
    {
      rd_recorder_pause (d->recorder);
      g_free (d->pause_reason);
      d->pause_reason = g_strdup (reason);
    }
  else
    {
      rd_recorder_resume (d->recorder);
      g_clear_pointer (&d->pause_reason, g_free);
    }
  detail = detail_of ("reason", reason);
  json_object_set_int_member (json_node_get_object (detail), "at_ns",
                              (gint64)rd_recorder_get_elapsed_ns (d->recorder));
  record_event (d, actor, pause ? "recording-paused" : "recording-resumed", detail);
  rd_log_session (G_LOG_LEVEL_MESSAGE, id, "recording %s by %s: %s", pause ? "paused" : "resumed",
                  actor, reason);
  update_banner (d);
  changed (d);
  return TRUE;
}
