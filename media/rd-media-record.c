/* rd-media-record.c: RdRecorder, the recording of one session. See rd-media-record.h.
 *
 * The recorder keeps a writer (rd-media-record-writer.c) per track it records; which tracks
 * those are is rd-media-record-tracks.c's. This file has its lifecycle (start, pause, resume,
 * stop, "finished"), its signals, and the writers' reports back. Sealing a closed segment
 * (fsync the file and its directory, SHA-256, size) runs in a worker thread; the result comes
 * back to the main context as "segment-sealed". A 1 s timer fdatasyncs the open segments, also
 * in a worker thread. */
#include "media/rd-media-record-private.h"
#include "media/rd-media-error.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <unistd.h>

enum
{
  SIGNAL_OPENED,
  SIGNAL_SEALED,
  SIGNAL_ERROR,
  SIGNAL_TRACK_FAILED,
  SIGNAL_TRACK_STALLED,
  SIGNAL_TRACK_RESUMED,
  SIGNAL_FINISHED,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

G_DEFINE_TYPE (RdRecorder, rd_recorder, G_TYPE_OBJECT)

static void
rd_recorder_dispose (GObject *object)
{
  RdRecorder *rec = RD_RECORDER (object);

  g_clear_handle_id (&rec->sync_id, g_source_remove);
  /* Nobody holds the recorder any more (a pending note would: its drain holds a reference), so
   * nobody hears what the writers still tell while they stop: their open segments stay
   * 'recording' and are repaired at the next start. */
  rd_rec_notes_clear (rec);
  if (rec->writers)
    while (rec->writers->len)
      {
        RdRecWriter *w = g_ptr_array_steal_index (rec->writers, rec->writers->len - 1);

        /* told to finish and not done: its disk may not answer (freed on a thread) */
        w->stalled = w->stalled || w->finishing;
        rd_rec_writer_free (w);
      }
  if (rec->stalled_grace)
    {
      g_source_destroy (rec->stalled_grace);
      g_clear_pointer (&rec->stalled_grace, g_source_unref);
    }
  rd_rec_tracks_dispose (rec);
  G_OBJECT_CLASS (rd_recorder_parent_class)->dispose (object);
}

static void
rd_recorder_finalize (GObject *object)
{
  RdRecorder *rec = RD_RECORDER (object);

  g_clear_pointer (&rec->writers, g_ptr_array_unref);
  g_queue_clear (&rec->notes); /* empty: cleared at dispose */
  g_mutex_clear (&rec->notes_lock);
  g_clear_object (&rec->room);
  g_clear_pointer (&rec->context, g_main_context_unref);
  g_free (rec->dir);
  g_free (rec->session_id);
  G_OBJECT_CLASS (rd_recorder_parent_class)->finalize (object);
}

static void
rd_recorder_class_init (RdRecorderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GType type = G_TYPE_FROM_CLASS (klass);

  object_class->dispose = rd_recorder_dispose;
  object_class->finalize = rd_recorder_finalize;
  signals[SIGNAL_OPENED] =
      g_signal_new ("segment-opened", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 3,
                    G_TYPE_INT64, G_TYPE_STRING, G_TYPE_STRING);
  signals[SIGNAL_SEALED] = g_signal_new ("segment-sealed", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                         NULL, G_TYPE_NONE, 6, G_TYPE_INT64, G_TYPE_STRING,
                                         G_TYPE_STRING, G_TYPE_INT64, G_TYPE_INT64, G_TYPE_STRING);
  signals[SIGNAL_ERROR] = g_signal_new ("error", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                        G_TYPE_NONE, 1, G_TYPE_ERROR);
  signals[SIGNAL_TRACK_FAILED] =
      g_signal_new ("track-failed", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                    G_TYPE_STRING, G_TYPE_ERROR);
  signals[SIGNAL_TRACK_STALLED] =
      g_signal_new ("track-stalled", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 3,
                    G_TYPE_STRING, G_TYPE_INT64, G_TYPE_ERROR);
  signals[SIGNAL_TRACK_RESUMED] =
      g_signal_new ("track-resumed", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                    G_TYPE_STRING, G_TYPE_INT64);
  signals[SIGNAL_FINISHED] =
      g_signal_new ("finished", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
rd_recorder_init (RdRecorder *rec)
{
  rec->writers = g_ptr_array_new ();
  g_mutex_init (&rec->notes_lock);
  g_queue_init (&rec->notes);
  rd_rec_tracks_init (rec);
}

RdRecorder *
rd_recorder_new (RdRoom *room, const char *dir, const char *session_id, gint64 first_segment,
                 guint segment_seconds)
{
  RdRecorder *rec;

  g_return_val_if_fail (RD_IS_ROOM (room), NULL);
  g_return_val_if_fail (dir != NULL && session_id != NULL && first_segment > 0, NULL);
  rec = g_object_new (RD_TYPE_RECORDER, NULL);
  rec->room = g_object_ref (room);
  rec->context = g_main_context_ref_thread_default ();
  rec->dir = g_strdup (dir);
  rec->session_id = g_strdup (session_id);
  rec->next_segment = (gint)first_segment;
  rec->segment_ns = (guint64)MAX (segment_seconds, 1) * GST_SECOND;
  return rec;
}

/* --- fdatasync of the open segments, each second --- */

static void
sync_task (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  GPtrArray *paths = data;

  for (guint i = 0; i < paths->len; i++)
    {
      int fd = open (paths->pdata[i], O_RDONLY | O_CLOEXEC);
      if (fd >= 0)
        {
          fdatasync (fd);
          close (fd);
        }
    }
}

static void
sync_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  RdRecorder *rec = RD_RECORDER (source);

  g_atomic_int_set (&rec->syncing, 0);
}

void
rd_recorder_emit_stall (RdRecorder *rec, const char *track, gint64 at_ns, const GError *error)
{
  if (error)
    g_signal_emit (rec, signals[SIGNAL_TRACK_STALLED], 0, track, at_ns, error);
  else
    g_signal_emit (rec, signals[SIGNAL_TRACK_RESUMED], 0, track, at_ns);
}

static gboolean
sync_open_segments (gpointer data)
{
  RdRecorder *rec = data;
  g_autoptr (GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GTask) task = NULL;

  for (guint i = 0; i < rec->writers->len; i++)
    rd_rec_writer_check_stall (rec->writers->pdata[i]);

  for (guint i = 0; i < rec->writers->len; i++)
    {
      char *path = rd_rec_writer_dup_open_path (rec->writers->pdata[i]);
      if (path)
        g_ptr_array_add (paths, path);
    }
  if (paths->len == 0 || !g_atomic_int_compare_and_exchange (&rec->syncing, 0, 1))
    return G_SOURCE_CONTINUE;
  task = g_task_new (rec, NULL, sync_done, NULL);
  g_task_set_task_data (task, g_steal_pointer (&paths), (GDestroyNotify)g_ptr_array_unref);
  g_task_run_in_thread (task, sync_task);
  return G_SOURCE_CONTINUE;
}

/* --- sealing --- */

/* A seal the disk refused in a way it may get over (fsync failed with EIO: a disk that could not
 * flush its cache; ENOSPC, EAGAIN, ...) is tried again after 1, 2, 4, 8 and 16 s, the segment
 * still counted as pending (the recording does not finish before), then given up; a file that is
 * gone is given up at once. Given up, its row stays "recording" and the next start's recovery
 * repairs it. Each failure is an "error". */
#define SEAL_TRIES 6

typedef struct
{
  RdRecorder *recorder; /* (unowned: pending_seals keeps it from finishing) */
  gint64 segment;
  char *path, *dir, *tracks_json, *sha256;
  gint64 size, duration_ns;
  guint tries;
  gboolean transient; /* the last try failed in a way a later one may not */
} Seal;

static void
seal_free (gpointer data)
{
  Seal *s = data;

  g_free (s->path);
  g_free (s->dir);
  g_free (s->tracks_json);
  g_free (s->sha256);
  g_free (s);
}

/* A failure the disk may get over (it could not write its cache, it was full, it was busy):
 * worth a later try, unlike a file that is gone. */
static gboolean
may_pass (int err)
{
  return err == EIO || err == ENOSPC || err == EDQUOT || err == EAGAIN || err == EINTR ||
         err == ETIMEDOUT || err == EBUSY;
}

static gboolean
fsync_path (const char *path, gboolean *transient, GError **error)
{
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  int saved;

  if (fd < 0 || fsync (fd) != 0)
    {
      saved = errno;
      *transient = may_pass (saved);
      if (fd >= 0)
        close (fd);
      g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_PIPELINE, "cannot fsync %s: %s", path,
                   g_strerror (saved));
      return FALSE;
    }
  close (fd);
  return TRUE;
}

static void
seal_task (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  Seal *s = data;
  GError *error = NULL;
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autoptr (GMappedFile) map = NULL;

  s->transient = FALSE;
  if (!fsync_path (s->path, &s->transient, &error) || !fsync_path (s->dir, &s->transient, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  map = g_mapped_file_new (s->path, FALSE, &error);
  if (!map)
    {
      s->transient = g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_IO) ||
                     g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_AGAIN) ||
                     g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_INTR);
      g_task_return_error (task, error);
      return;
    }
  if (g_mapped_file_get_length (map) > 0)
    g_checksum_update (sum, (const guchar *)g_mapped_file_get_contents (map),
                       (gssize)g_mapped_file_get_length (map));
  s->size = (gint64)g_mapped_file_get_length (map);
  s->sha256 = g_strdup (g_checksum_get_string (sum));
  g_task_return_boolean (task, TRUE);
}

static void maybe_finished (RdRecorder *rec);

static void seal_run (RdRecorder *rec, Seal *s);

static gboolean
seal_again (gpointer data)
{
  Seal *s = data;
  RdRecorder *rec = s->recorder; /* the timer's reference */

  seal_run (rec, s);
  g_object_unref (rec);
  return G_SOURCE_REMOVE;
}

static void
seal_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  RdRecorder *rec = RD_RECORDER (source);
  Seal *s = g_task_get_task_data (G_TASK (result));
  g_autoptr (GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      Seal *again;
      GSource *timer;

      if (++s->tries >= SEAL_TRIES || !s->transient)
        {
          g_prefix_error (&error,
                          "segment %" G_GINT64_FORMAT " not sealed (%u %s; its row stays "
                          "open and the next start repairs it): ",
                          s->segment, s->tries, s->tries == 1 ? "try" : "tries");
          rec->pending_seals--;
          g_signal_emit (rec, signals[SIGNAL_ERROR], 0, error);
          maybe_finished (rec);
          return;
        }
      g_prefix_error (&error, "segment %" G_GINT64_FORMAT " not sealed yet (tried again in %u s): ",
                      s->segment, 1u << (s->tries - 1));
      g_signal_emit (rec, signals[SIGNAL_ERROR], 0, error);
      /* the task owns @s: the next try gets a copy */
      again = g_new0 (Seal, 1);
      *again = *s;
      again->path = g_strdup (s->path);
      again->dir = g_strdup (s->dir);
      again->tracks_json = g_strdup (s->tracks_json);
      again->sha256 = NULL;
      g_object_ref (rec); /* until the timer fires */
      timer = g_timeout_source_new_seconds (1u << (s->tries - 1));
      g_source_set_callback (timer, seal_again, again, NULL);
      g_source_attach (timer, rec->context);
      g_source_unref (timer);
      return;
    }
  rec->pending_seals--;
  rec->sealed_count++;
  g_signal_emit (rec, signals[SIGNAL_SEALED], 0, s->segment, s->path, s->sha256, s->size,
                 s->duration_ns, s->tracks_json);
  maybe_finished (rec);
}

static void
seal_run (RdRecorder *rec, Seal *s)
{
  g_autoptr (GTask) task = g_task_new (rec, NULL, seal_done, NULL);

  g_task_set_task_data (task, s, seal_free);
  g_task_run_in_thread (task, seal_task);
}

void
rd_recorder_seal (RdRecorder *rec, gint64 segment, const char *path, guint64 duration_ns,
                  const char *tracks_json)
{
  Seal *s = g_new0 (Seal, 1);

  s->recorder = rec;
  s->segment = segment;
  s->path = g_strdup (path);
  s->dir = g_path_get_dirname (path);
  s->tracks_json = g_strdup (tracks_json);
  s->duration_ns = (gint64)duration_ns;
  rec->pending_seals++;
  seal_run (rec, s);
}

void
rd_recorder_emit_opened (RdRecorder *rec, gint64 segment, const char *path, const char *tracks_json)
{
  g_signal_emit (rec, signals[SIGNAL_OPENED], 0, segment, path, tracks_json);
}

/* --- writers --- */

void
rd_recorder_track_failed (RdRecorder *rec, const char *track, GError *error, RdRecWriter *finish)
{
  g_autofree char *name = g_strdup (track); /* may be @finish's, which a handler may free */

  g_signal_emit (rec, signals[SIGNAL_ERROR], 0, error);
  if (finish)
    rd_rec_writer_finish (finish); /* only this track stops */
  g_signal_emit (rec, signals[SIGNAL_TRACK_FAILED], 0, name, error);
}

void
rd_recorder_writer_error (RdRecorder *rec, RdRecWriter *w, const char *message)
{
  g_autoptr (GError) error = g_error_new (RD_MEDIA_ERROR, RD_MEDIA_ERROR_PIPELINE,
                                          "recording of %s: %s", w->track, message);

  rd_recorder_track_failed (rec, w->track, error, w);
}

static void
maybe_finished (RdRecorder *rec)
{
  gboolean told;

  g_mutex_lock (&rec->notes_lock);
  told = rec->notes.length > 0; /* a segment closed, not yet sealed */
  g_mutex_unlock (&rec->notes_lock);
  if (rec->stopping && !rec->finished && rec->writers->len == 0 && rec->pending_seals == 0 &&
      !told && (rec->stalled_freeing == 0 || rec->stalled_grace_over))
    {
      rec->finished = TRUE;
      g_clear_handle_id (&rec->sync_id, g_source_remove);
      GST_INFO ("recording of %s finished: %u segments sealed", rec->session_id, rec->sealed_count);
      g_signal_emit (rec, signals[SIGNAL_FINISHED], 0);
    }
}

void
rd_recorder_writer_done (RdRecorder *rec, RdRecWriter *w)
{
  /* a handler of a signal below may drop the last other reference */
  g_autoptr (RdRecorder) hold G_GNUC_UNUSED = g_object_ref (rec);

  GST_DEBUG ("writer %s done", w->track);
  g_ptr_array_remove (rec->writers, w);
  rd_rec_writer_free (w);
  /* its bin stopped: whatever its streaming thread told is queued by now (a segment it closed
   * while we gave up waiting for it: sealed now, before "finished") */
  rd_rec_notes_drain (rec);
  maybe_finished (rec);
}

RdRecWriter *
rd_recorder_writer_by_id (RdRecorder *rec, guint id)
{
  for (guint i = 0; i < rec->writers->len; i++)
    if (((RdRecWriter *)rec->writers->pdata[i])->id == id)
      return rec->writers->pdata[i];
  return NULL;
}

void
rd_recorder_check_finished (RdRecorder *rec)
{
  maybe_finished (rec);
}

/* How long "finished" waits for stalled writers' threads (a disk that answers late). */
#define STALLED_GRACE_S 2

static gboolean
stalled_grace_over (gpointer data)
{
  RdRecorder *rec = data;

  g_clear_pointer (&rec->stalled_grace, g_source_unref);
  rec->stalled_grace_over = TRUE;
  rd_rec_notes_drain (rec);
  maybe_finished (rec);
  return G_SOURCE_REMOVE;
}

void
rd_recorder_stalled_writer_freeing (RdRecorder *rec)
{
  rec->stalled_freeing++;
  /* disposed: nobody waits for "finished" (and the timer would outlive the recorder) */
  if (rec->disposed || rec->stalled_grace || rec->stalled_grace_over)
    return;
  rec->stalled_grace = g_timeout_source_new_seconds (STALLED_GRACE_S);
  g_source_set_callback (rec->stalled_grace, stalled_grace_over, rec, NULL);
  g_source_attach (rec->stalled_grace, rec->context);
}

void
rd_recorder_stalled_writer_gone (RdRecorder *rec)
{
  g_return_if_fail (rec->stalled_freeing > 0);
  rec->stalled_freeing--;
  if (rec->disposed)
    return;
  rd_rec_notes_drain (rec);
  maybe_finished (rec);
}

gboolean
rd_recorder_start (RdRecorder *rec, GError **error)
{
  GstElement *pipeline;
  GstClock *clock;

  g_return_val_if_fail (RD_IS_RECORDER (rec), FALSE);
  g_return_val_if_fail (!rec->started, FALSE);
  if (g_mkdir_with_parents (rec->dir, 0750) != 0)
    {
      int saved = errno;
      g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_PIPELINE,
                   "cannot create the recording directory %s: %s", rec->dir, g_strerror (saved));
      return FALSE;
    }
  pipeline = GST_ELEMENT (rd_room_get_pipeline (rec->room));
  clock = gst_element_get_clock (pipeline);
  if (!clock)
    {
      g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_PIPELINE,
                   "cannot record %s: the room's pipeline is not running", rec->session_id);
      return FALSE;
    }
  rec->zero = gst_clock_get_time (clock) - gst_element_get_base_time (pipeline);
  gst_object_unref (clock);
  rec->started = TRUE;
  rd_rec_tracks_start (rec);
  rec->sync_id = g_timeout_add_seconds (1, sync_open_segments, rec);
  GST_INFO ("recording %s into %s", rec->session_id, rec->dir);
  return TRUE;
}

void
rd_recorder_pause (RdRecorder *rec)
{
  g_return_if_fail (RD_IS_RECORDER (rec));
  if (rec->paused || rec->stopping)
    return;
  rec->paused = TRUE;
  rec->paused_at = rd_recorder_get_elapsed_ns (rec);
  rd_rec_tracks_finish_all (rec, GST_CLOCK_TIME_NONE);
}

void
rd_recorder_resume (RdRecorder *rec)
{
  g_return_if_fail (RD_IS_RECORDER (rec));
  if (!rec->paused || rec->stopping)
    return;
  rec->paused = FALSE;
  rd_rec_tracks_attach_all (rec);
}

gboolean
rd_recorder_is_paused (RdRecorder *rec)
{
  return rec->paused;
}

void
rd_recorder_stop (RdRecorder *rec)
{
  g_return_if_fail (RD_IS_RECORDER (rec));
  if (rec->stopping)
    return;
  rec->stopping = TRUE;
  /* what was stamped before now is recorded, though it may reach its writer a little later */
  rd_rec_tracks_finish_all (rec, rd_recorder_get_elapsed_ns (rec));
  maybe_finished (rec);
}

guint64
rd_recorder_get_elapsed_ns (RdRecorder *rec)
{
  GstElement *pipeline = GST_ELEMENT (rd_room_get_pipeline (rec->room));
  g_autoptr (GstClock) clock = gst_element_get_clock (pipeline);

  if (!rec->started || !clock)
    return 0;
  return gst_clock_get_time (clock) - gst_element_get_base_time (pipeline) - rec->zero;
}

guint
rd_recorder_get_sealed_count (RdRecorder *rec)
{
  return rec->sealed_count;
}

guint
rd_recorder_get_track_count (RdRecorder *rec)
{
  guint n = 0;

  for (guint i = 0; i < rec->writers->len; i++)
    n += !((RdRecWriter *)rec->writers->pdata[i])->finishing;
  return n;
}
