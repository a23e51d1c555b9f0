/* rd-media-record.c: RdRecorder, the recording of one session. See rd-media-record.h.
 *
 * The recorder keeps a writer (rd-media-record-writer.c) per track it records: the room's two
 * encoded tees, and each added peer's streams as they are announced. Sealing a closed segment
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
  SIGNAL_FINISHED,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

typedef struct
{
  RdPeer *peer;
  char *label;
  gulong stream_id, closed_id;
} PeerEntry;

G_DEFINE_TYPE (RdRecorder, rd_recorder, G_TYPE_OBJECT)

static void
peer_entry_free (gpointer data)
{
  PeerEntry *e = data;

  g_clear_signal_handler (&e->stream_id, e->peer);
  g_clear_signal_handler (&e->closed_id, e->peer);
  g_object_unref (e->peer);
  g_free (e->label);
  g_free (e);
}

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
      rd_rec_writer_free (g_ptr_array_steal_index (rec->writers, rec->writers->len - 1));
  g_clear_pointer (&rec->peers, g_ptr_array_unref);
  if (rec->room)
    g_clear_signal_handler (&rec->layout_id, rec->room);
  if (rec->conference_mix)
    rd_room_release_mix (rec->room, RD_ROOM_KEY);
  rec->conference_mix = NULL;
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
  signals[SIGNAL_FINISHED] =
      g_signal_new ("finished", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
rd_recorder_init (RdRecorder *rec)
{
  rec->writers = g_ptr_array_new ();
  g_mutex_init (&rec->notes_lock);
  g_queue_init (&rec->notes);
  rec->peers = g_ptr_array_new_with_free_func (peer_entry_free);
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

static gboolean
sync_open_segments (gpointer data)
{
  RdRecorder *rec = data;
  g_autoptr (GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GTask) task = NULL;

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

typedef struct
{
  gint64 segment;
  char *path, *dir, *tracks_json, *sha256;
  gint64 size, duration_ns;
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

static gboolean
fsync_path (const char *path, GError **error)
{
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  int saved;

  if (fd < 0 || fsync (fd) != 0)
    {
      saved = errno;
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

  if (!fsync_path (s->path, &error) || !fsync_path (s->dir, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  map = g_mapped_file_new (s->path, FALSE, &error);
  if (!map)
    {
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

static void
seal_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  RdRecorder *rec = RD_RECORDER (source);
  Seal *s = g_task_get_task_data (G_TASK (result));
  g_autoptr (GError) error = NULL;

  rec->pending_seals--;
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    g_signal_emit (rec, signals[SIGNAL_ERROR], 0, error);
  else
    {
      rec->sealed_count++;
      g_signal_emit (rec, signals[SIGNAL_SEALED], 0, s->segment, s->path, s->sha256, s->size,
                     s->duration_ns, s->tracks_json);
    }
  maybe_finished (rec);
}

void
rd_recorder_seal (RdRecorder *rec, gint64 segment, const char *path, guint64 duration_ns,
                  const char *tracks_json)
{
  g_autoptr (GTask) task = g_task_new (rec, NULL, seal_done, NULL);
  Seal *s = g_new0 (Seal, 1);

  s->segment = segment;
  s->path = g_strdup (path);
  s->dir = g_path_get_dirname (path);
  s->tracks_json = g_strdup (tracks_json);
  s->duration_ns = (gint64)duration_ns;
  rec->pending_seals++;
  g_task_set_task_data (task, s, seal_free);
  g_task_run_in_thread (task, seal_task);
}

void
rd_recorder_emit_opened (RdRecorder *rec, gint64 segment, const char *path, const char *tracks_json)
{
  g_signal_emit (rec, signals[SIGNAL_OPENED], 0, segment, path, tracks_json);
}

/* --- writers --- */

/* "error", then "track-failed" for @track: it records nothing until a new writer opens a
 * segment of it. @finish (may be NULL) is stopped in between. */
static void
track_failed (RdRecorder *rec, const char *track, GError *error, RdRecWriter *finish)
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

  track_failed (rec, w->track, error, w);
}

static void
maybe_finished (RdRecorder *rec)
{
  gboolean told;

  g_mutex_lock (&rec->notes_lock);
  told = rec->notes.length > 0; /* a segment closed, not yet sealed */
  g_mutex_unlock (&rec->notes_lock);
  if (rec->stopping && !rec->finished && rec->writers->len == 0 && rec->pending_seals == 0 && !told)
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
  g_autoptr (RdRecorder) hold = g_object_ref (rec);

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

static void
add_writer (RdRecorder *rec, const char *track, gboolean video, const char *codec, GstElement *tee,
            gpointer owner)
{
  g_autoptr (GError) error = NULL;
  RdRecWriter *w;

  for (guint i = 0; i < rec->writers->len; i++)
    {
      RdRecWriter *other = rec->writers->pdata[i];
      if (other->tee == tee && !other->finishing)
        return; /* already recorded */
    }
  w = rd_rec_writer_new (rec, track, video, codec, tee, owner, &error);
  if (!w)
    {
      track_failed (rec, track, error, NULL);
      return;
    }
  g_ptr_array_add (rec->writers, w);
}

static const char *
room_codec (GstElement *tee, const char *fallback)
{
  g_autoptr (GstPad) sink = gst_element_get_static_pad (tee, "sink");
  g_autoptr (GstCaps) caps = sink ? gst_pad_get_current_caps (sink) : NULL;
  const char *name = caps ? gst_structure_get_name (gst_caps_get_structure (caps, 0)) : "";

  if (g_str_equal (name, "video/x-h264"))
    return "H264";
  if (g_str_equal (name, "video/x-vp8"))
    return "VP8";
  return fallback;
}

static void
on_peer_stream (RdPeer *peer, GstElement *tee, gboolean video, const char *codec,
                gpointer user_data)
{
  RdRecorder *rec = user_data;
  g_autofree char *track = NULL;

  if (rec->paused || rec->stopping)
    return;
  for (guint i = 0; i < rec->peers->len; i++)
    {
      PeerEntry *e = rec->peers->pdata[i];
      if (e->peer == peer)
        track = g_strdup_printf ("party-%s-%s", e->label, video ? "video" : "audio");
    }
  if (track)
    add_writer (rec, track, video, codec, tee, peer);
}

static void finish_writers (RdRecorder *rec, gpointer owner, gboolean all);

/* The conference tracks run while the room shows a conference picture (a layout other than
 * ROOM) and the recording runs: the picture as composited and the full mix (the room's
 * microphone and every party: what the room's key hears). */
static void
update_conference (RdRecorder *rec)
{
  RdLayout shown;
  gboolean want;

  rd_room_get_layout (rec->room, &shown);
  want = rec->started && !rec->paused && !rec->stopping && shown != RD_LAYOUT_ROOM;
  if (want == rec->conference_on)
    return;
  if (!want)
    {
      finish_writers (rec, &rec->conference_on, FALSE);
      rec->conference_on = FALSE;
      return;
    }
  if (!rec->conference_mix)
    {
      g_autoptr (GError) error = NULL;

      rec->conference_mix = rd_room_acquire_mix (rec->room, RD_ROOM_KEY, &error);
      if (!rec->conference_mix)
        {
          g_prefix_error (&error, "conference-audio: ");
          track_failed (rec, "conference-audio", error, NULL);
        }
    }
  rec->conference_on = TRUE;
  add_writer (rec, "conference-video", TRUE,
              room_codec (rd_room_get_composite_tee (rec->room), "VP8"),
              rd_room_get_composite_tee (rec->room), &rec->conference_on);
  if (rec->conference_mix)
    add_writer (rec, "conference-audio", FALSE, "OPUS", rec->conference_mix, &rec->conference_on);
  rd_room_request_keyframe (rec->room);
}

static void
on_layout_changed (RdRoom *room, gpointer user_data)
{
  update_conference (user_data);
}

static void
attach_all (RdRecorder *rec)
{
  add_writer (rec, "room-video", TRUE, room_codec (rd_room_get_video_tee (rec->room), "VP8"),
              rd_room_get_video_tee (rec->room), NULL);
  add_writer (rec, "room-audio", FALSE, "OPUS", rd_room_get_audio_tee (rec->room), NULL);
  rd_room_request_keyframe (rec->room);
  for (guint i = 0; i < rec->peers->len; i++)
    {
      PeerEntry *e = rec->peers->pdata[i];
      rd_peer_foreach_stream (e->peer, on_peer_stream, rec);
    }
  update_conference (rec);
}

static void
finish_writers (RdRecorder *rec, gpointer owner, gboolean all)
{
  g_autoptr (GPtrArray) chosen = g_ptr_array_new ();

  for (guint i = 0; i < rec->writers->len; i++)
    {
      RdRecWriter *w = rec->writers->pdata[i];
      if (all || w->owner == owner)
        g_ptr_array_add (chosen, w);
    }
  /* a writer may be done (and freed) at once */
  for (guint i = 0; i < chosen->len; i++)
    if (g_ptr_array_find (rec->writers, chosen->pdata[i], NULL))
      rd_rec_writer_finish (chosen->pdata[i]);
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
  rec->layout_id =
      g_signal_connect (rec->room, "layout-changed", G_CALLBACK (on_layout_changed), rec);
  attach_all (rec);
  rec->sync_id = g_timeout_add_seconds (1, sync_open_segments, rec);
  GST_INFO ("recording %s into %s", rec->session_id, rec->dir);
  return TRUE;
}

static void
on_peer_closed (RdPeer *peer, const char *reason, gpointer user_data)
{
  RdRecorder *rec = user_data;

  finish_writers (rec, peer, FALSE);
  for (guint i = 0; i < rec->peers->len; i++)
    if (((PeerEntry *)rec->peers->pdata[i])->peer == peer)
      {
        g_ptr_array_remove_index (rec->peers, i);
        break;
      }
}

void
rd_recorder_add_peer (RdRecorder *rec, RdPeer *peer, const char *label)
{
  PeerEntry *e;

  g_return_if_fail (RD_IS_RECORDER (rec) && RD_IS_PEER (peer) && label != NULL);
  if (rec->stopping || rd_peer_get_state (peer) == RD_PEER_STATE_CLOSED)
    return;
  e = g_new0 (PeerEntry, 1);
  e->peer = g_object_ref (peer);
  e->label = g_strdup (label);
  e->stream_id = g_signal_connect (peer, "stream-added", G_CALLBACK (on_peer_stream), rec);
  e->closed_id = g_signal_connect (peer, "closed", G_CALLBACK (on_peer_closed), rec);
  g_ptr_array_add (rec->peers, e);
  if (rec->started && !rec->paused)
    rd_peer_foreach_stream (peer, on_peer_stream, rec);
}

void
rd_recorder_pause (RdRecorder *rec)
{
  g_return_if_fail (RD_IS_RECORDER (rec));
  if (rec->paused || rec->stopping)
    return;
  rec->paused = TRUE;
  finish_writers (rec, NULL, TRUE);
  rec->conference_on = FALSE;
}

void
rd_recorder_resume (RdRecorder *rec)
{
  g_return_if_fail (RD_IS_RECORDER (rec));
  if (!rec->paused || rec->stopping)
    return;
  rec->paused = FALSE;
  attach_all (rec);
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
  finish_writers (rec, NULL, TRUE);
  rec->conference_on = FALSE;
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
