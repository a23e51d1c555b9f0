/* rd-media-record-writer.c: one track's writer. See rd-media-record.h.
 *
 * A bin "rec-<track>-<n>" in the room's pipeline, fed from a src pad requested on the track's tee
 * (the room's encoded tee, or a peer's after its depayloader):
 *
 *   queue (leaky: a stalled disk never stalls the call) [! h264parse] ! matroskamux ! filesink
 *                                                        ^ probe: segments
 *
 * The segments themselves (the probe on the pad before the muxer, files, muxers, notes to the
 * main context) are rd-media-record-segment.c.
 * Finishing: unlink from the tee between two buffers, EOS into the bin: the probe closes the
 * open segment and says the writer is done. A writer whose file refused a write is finished at
 * once (its queue has stopped: no EOS would get through). */
#include "media/rd-media-record-private.h"
#include "media/rd-media-error.h"

#include <string.h>

#define FINISH_TIMEOUT_S 10
#define UNTIL_WAIT_MS    1000 /* rd_rec_writer_finish_at() */
/* What a writer holds while the disk is slow, by bytes, not by time: a queue's time level is
 * the sink side's running time minus the src side's, and the src side counts from the session's
 * zero until its first buffer leaves. A party joining 20 s into a session had its queue "20 s
 * full" on its second buffer whenever its first had not left yet (a burst behind the gate, or a
 * loaded machine), and the leak dropped its first frames: the keyframe its video starts with
 * (seen in bench-av-sync's log under load). 8 MiB: about 25 s of a 2.5 Mbit/s video. */
#define QUEUE_MAX_BYTES (8 * 1024 * 1024)

/* --- the writer's bin: a segment element's errors kept as they are posted (any thread) --- */

#define RD_SEGMENT_ERROR "rd-error"

typedef struct
{
  GstBin parent_instance;
} RdRecBin;

typedef struct
{
  GstBinClass parent_class;
} RdRecBinClass;

static GType rd_rec_bin_get_type (void);
G_DEFINE_TYPE (RdRecBin, rd_rec_bin, GST_TYPE_BIN)

static void
rd_rec_bin_handle_message (GstBin *bin, GstMessage *message)
{
  GstObject *src = GST_MESSAGE_SRC (message);

  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR && src &&
      g_object_get_data (G_OBJECT (src), "rd-segment"))
    {
      g_autoptr (GError) err = NULL;
      char *text;

      gst_message_parse_error (message, &err, NULL);
      text = g_strdup_printf ("%s: %s", GST_OBJECT_NAME (src), err->message);
      /* the first one: the elements after it fail in its wake */
      if (!g_object_replace_data (G_OBJECT (src), RD_SEGMENT_ERROR, NULL, text, g_free, NULL))
        g_free (text);
    }
  GST_BIN_CLASS (rd_rec_bin_parent_class)->handle_message (bin, message);
}

static void
rd_rec_bin_class_init (RdRecBinClass *klass)
{
  GST_BIN_CLASS (klass)->handle_message = rd_rec_bin_handle_message;
}

static void
rd_rec_bin_init (RdRecBin *bin)
{
}

/* The writer's bin: a GstBin that, on the posting thread, keeps the first error an element
 * marked "rd-segment" (a segment's muxer or filesink) posts, on that element, so the segment's
 * seal knows its failed writes whatever the bus is doing. (transfer floating) */
static GstElement *
rd_rec_bin_new (const char *name)
{
  return g_object_new (rd_rec_bin_get_type (), "name", name, NULL);
}

static gpointer
dup_text (gpointer text, gpointer unused)
{
  return g_strdup (text);
}

char *
rd_rec_element_dup_error (GstElement *element)
{
  return g_object_dup_data (G_OBJECT (element), RD_SEGMENT_ERROR, dup_text, NULL);
}

/* --- the writer (main context) --- */

static void
on_message (GstMessage *message, gpointer user_data)
{
  RdRecWriter *w = user_data;
  RdRecorder *rec = w->recorder;
  guint id = w->id;
  g_autoptr (RdRecorder) hold = NULL;
  g_autoptr (GError) err = NULL;
  g_autofree char *text = NULL;
  GstObject *src;
  gboolean current;

  if (GST_MESSAGE_TYPE (message) != GST_MESSAGE_ERROR)
    return;
  /* what the streaming thread told before this error was posted comes first (a segment's
   * opening before its abandonment); that may end the writer */
  hold = g_object_ref (rec);
  rd_rec_notes_drain (rec);
  if (!(w = rd_recorder_writer_by_id (rec, id)))
    return;
  gst_message_parse_error (message, &err, NULL);
  text = g_strdup_printf ("%s: %s", GST_MESSAGE_SRC_NAME (message), err->message);
  src = GST_MESSAGE_SRC (message);
  if (g_atomic_int_get (&w->broken))
    return; /* said once: the elements after the first one fail in its wake */
  g_mutex_lock (&w->lock);
  current = src == GST_OBJECT (w->mux) || src == GST_OBJECT (w->sink);
  g_mutex_unlock (&w->lock);
  if (g_object_get_data (G_OBJECT (src), "rd-segment") && !current)
    {
      /* a closed segment's last writes failed; its muxer is done, the writer is not stuck (its
       * seal says the segment is incomplete) */
      rd_recorder_writer_error (rec, w, text);
      return;
    }
  rd_rec_segment_abandon (w, text);
  rd_recorder_writer_error (rec, w, text); /* said, then finished at once */
}

static void
on_overrun (GstElement *queue, gpointer user_data)
{
  RdRecWriter *w = user_data;
  GST_WARNING ("recording %s: queue full (the disk is slow), dropping the oldest frames", w->track);
}

/* How long a queue holding frames may go without pushing one before its track is said stalled
 * (the disk takes no write): far beyond a loaded machine's scheduling, short enough for a
 * technician to act on. */
#define STALL_US (5 * G_USEC_PER_SEC)

static GstPadProbeReturn
on_pushed (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  RdRecWriter *w = data;

  __atomic_store_n (&w->pushed_us, g_get_monotonic_time (), __ATOMIC_RELAXED);
  return GST_PAD_PROBE_OK;
}

void
rd_rec_writer_check_stall (RdRecWriter *w)
{
  gint64 now = g_get_monotonic_time ();
  gint64 pushed = __atomic_load_n (&w->pushed_us, __ATOMIC_RELAXED);
  gint64 elapsed = (gint64)rd_recorder_get_elapsed_ns (w->recorder);
  guint level = 0;

  if (w->finishing || g_atomic_int_get (&w->broken) || !w->queue || pushed == 0)
    return;
  if (!w->stuck)
    {
      g_object_get (w->queue, "current-level-buffers", &level, NULL);
      if (level > 0 && now - pushed > STALL_US)
        {
          g_autoptr (GError) error = g_error_new (
              RD_MEDIA_ERROR, RD_MEDIA_ERROR_PIPELINE,
              "recording of %s: its disk has taken no write for %" G_GINT64_FORMAT " s (%u frames "
              "waiting; beyond 8 MiB the oldest are dropped)",
              w->track, (now - pushed) / G_USEC_PER_SEC, level);
          w->stuck = TRUE;
          rd_recorder_emit_stall (w->recorder, w->track, elapsed - (now - pushed) * 1000, error);
        }
    }
  else if (now - pushed < G_USEC_PER_SEC)
    {
      w->stuck = FALSE;
      rd_recorder_emit_stall (w->recorder, w->track, elapsed - (now - pushed) * 1000, NULL);
    }
}

static GstElement *
make (GstBin *bin, const char *factory, GError **error)
{
  GstElement *e = gst_element_factory_make (factory, NULL);

  if (!e)
    {
      g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_INIT,
                   "GStreamer element %s is not installed", factory);
      return NULL;
    }
  gst_bin_add (bin, e);
  return e;
}

RdRecWriter *
rd_rec_writer_new (RdRecorder *rec, const char *track, gboolean video, const char *codec,
                   GstElement *tee, gpointer owner, GError **error)
{
  static guint next_id = 1;
  RdRecWriter *w = g_new0 (RdRecWriter, 1);
  g_autofree char *bin_name = NULL;
  GstElement *queue, *last;
  g_autoptr (GstPad) queue_sink = NULL;
  g_autoptr (GstPad) out = NULL;

  w->recorder = rec;
  w->id = next_id++;
  /* unique: a track's previous writer may still be finishing (pause, then resume at once) and a
   * bin of the same name would not be added to the pipeline: the track would go unrecorded */
  bin_name = g_strdup_printf ("rec-%s-%u", track, w->id);
  w->track = g_strdup (track);
  w->video = video;
  w->codec = g_strdup (codec);
  w->owner = owner;
  w->tee = tee;
  w->last_at = GST_CLOCK_TIME_NONE;
  w->until = GST_CLOCK_TIME_NONE;
  g_mutex_init (&w->lock);
  w->bin = gst_object_ref (rd_rec_bin_new (bin_name));
  if (!(queue = make (GST_BIN (w->bin), "queue", error)))
    goto fail;
  /* a stalled disk must never stall the call: the queue drops the oldest (and says so) */
  g_object_set (queue, "max-size-time", (guint64)0, "max-size-buffers", 0, "max-size-bytes",
                QUEUE_MAX_BYTES, "leaky", 2, NULL);
  g_signal_connect (queue, "overrun", G_CALLBACK (on_overrun), w);
  w->queue = queue;
  {
    g_autoptr (GstPad) queue_src = gst_element_get_static_pad (queue, "src");
    gst_pad_add_probe (queue_src, GST_PAD_PROBE_TYPE_BUFFER, on_pushed, w, NULL);
  }
  last = queue;
  if (g_str_equal (codec, "H264"))
    {
      /* Matroska takes H.264 as avc access units; the parser converts, against a fixed filter
       * (a segment's muxer is linked only with the first frame: the parser must not decide its
       * output before, with nothing downstream) */
      GstElement *parse = make (GST_BIN (w->bin), "h264parse", error);
      GstElement *filter = parse ? make (GST_BIN (w->bin), "capsfilter", error) : NULL;
      g_autoptr (GstCaps) avc =
          gst_caps_from_string ("video/x-h264,stream-format=avc,alignment=au");

      if (!filter)
        goto fail;
      g_object_set (filter, "caps", avc, NULL);
      gst_element_link_many (last, parse, filter, NULL);
      last = filter;
    }
  out = gst_element_get_static_pad (last, "src");
  gst_pad_add_probe (out, GST_PAD_PROBE_TYPE_BUFFER, rd_rec_segment_on_buffer, w, NULL);
  gst_pad_add_probe (out, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, rd_rec_segment_on_event, w, NULL);
  queue_sink = gst_element_get_static_pad (queue, "sink");
  /* the session's timeline: time zero is the start of the recording */
  gst_pad_set_offset (queue_sink, -(gint64)rec->zero);
  w->sinkpad = gst_object_ref (gst_ghost_pad_new ("sink", queue_sink));
  /* whatever happens to the recording (a refused caps, a full disk), the tee it reads from, and
   * so the encoder every party gets, goes on */
  rd_media_guard_sink_pad (w->sinkpad);
  gst_element_add_pad (w->bin, w->sinkpad);

  gst_bin_add (GST_BIN (rd_room_get_pipeline (rec->room)), w->bin);
  rd_room_watch_bin (rec->room, w->bin, on_message, w);
  gst_element_sync_state_with_parent (w->bin);
  w->tee_pad = gst_element_request_pad_simple (tee, "src_%u");
  if (!gst_pad_link_maybe_ghosting (w->tee_pad, w->sinkpad))
    {
      g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_PIPELINE,
                   "recording %s: cannot link to the stream", track);
      rd_rec_writer_free (w);
      return NULL;
    }
  w->upstream = gst_pad_get_peer (w->sinkpad); /* the tee pad, or a ghost pad for it */
  /* the first segment starts at the next keyframe: ask for it now */
  gst_pad_send_event (w->tee_pad, rd_rec_keyframe_request ());
  GST_INFO ("recording %s (%s)", track, codec);
  return w;

fail:
  rd_rec_writer_free (w);
  return NULL;
}

static gboolean
finish_timed_out (gpointer data)
{
  RdRecWriter *w = data;
  g_autofree char *why = NULL;

  w->finish_timeout_id = 0;
  w->stalled = TRUE;
  why = g_strdup_printf ("did not finish its last segment within %d s; it is sealed if it closes "
                         "as the writer stops, else repaired at the next start",
                         FINISH_TIMEOUT_S);
  rd_recorder_writer_error (w->recorder, w, why);
  rd_recorder_writer_done (w->recorder, w);
  return G_SOURCE_REMOVE;
}

static GstPadProbeReturn
unlink_idle (GstPad *tee_pad, GstPadProbeInfo *info, gpointer user_data)
{
  GstPad *sink = user_data;
  g_autoptr (GstPad) peer = gst_pad_get_peer (sink);

  if (peer)
    gst_pad_unlink (peer, sink);
  gst_pad_send_event (sink, gst_event_new_eos ());
  return GST_PAD_PROBE_REMOVE;
}

static gboolean
broken_done (gpointer data)
{
  RdRecWriter *w = data;

  w->done_id = 0;
  rd_recorder_writer_done (w->recorder, w);
  return G_SOURCE_REMOVE;
}

static gboolean
until_timed_out (gpointer data)
{
  RdRecWriter *w = data;

  w->until_timeout_id = 0;
  rd_rec_writer_finish (w);
  return G_SOURCE_REMOVE;
}

void
rd_rec_writer_finish_at (RdRecWriter *w, GstClockTime at)
{
  GstClockTime until = __atomic_load_n (&w->until, __ATOMIC_ACQUIRE);

  if (!GST_CLOCK_TIME_IS_VALID (at) || w->finishing || g_atomic_int_get (&w->broken) ||
      w->until_timeout_id || !w->tee_pad)
    {
      rd_rec_writer_finish (w);
      return;
    }
  if (!GST_CLOCK_TIME_IS_VALID (until) || at < until)
    __atomic_store_n (&w->until, at, __ATOMIC_RELEASE);
  w->until_timeout_id = g_timeout_add (UNTIL_WAIT_MS, until_timed_out, w);
}

void
rd_rec_writer_finish (RdRecWriter *w)
{
  GstElement *tee_parent;

  if (g_atomic_int_get (&w->broken))
    {
      /* its queue stopped: no EOS gets through; its segment was closed by rd_rec_segment_abandon()
       */
      w->finishing = TRUE;
      g_clear_handle_id (&w->finish_timeout_id, g_source_remove);
      if (!w->done_id)
        w->done_id = g_idle_add (broken_done, w);
      return;
    }
  g_clear_handle_id (&w->until_timeout_id, g_source_remove);
  if (w->finishing)
    return;
  w->finishing = TRUE;
  w->finish_timeout_id = g_timeout_add_seconds (FINISH_TIMEOUT_S, finish_timed_out, w);
  tee_parent = w->tee_pad ? GST_ELEMENT (gst_object_get_parent (GST_OBJECT (w->tee_pad))) : NULL;
  if (tee_parent && GST_STATE (tee_parent) == GST_STATE_PLAYING)
    gst_pad_add_probe (w->tee_pad, GST_PAD_PROBE_TYPE_IDLE, unlink_idle,
                       gst_object_ref (w->sinkpad), gst_object_unref);
  else
    gst_pad_send_event (w->sinkpad, gst_event_new_eos ()); /* the source is gone already */
  g_clear_object (&tee_parent);
}

char *
rd_rec_writer_dup_open_path (RdRecWriter *w)
{
  char *path;

  g_mutex_lock (&w->lock);
  path = g_strdup (w->open_path);
  g_mutex_unlock (&w->lock);
  return path;
}

/* The bin out of the pipeline, its state locked (any state change of the pipeline then leaves it
 * alone). Removed before it is set to NULL: that holds the bin's state lock until its streaming
 * threads stop, and a pipeline changing state takes every child's state lock, locked or not
 * (gst_bin_element_set_state() in GStreamer 1.22): a bin stuck on a disk would hold the room. */
static void
take_out (RdRecWriter *w, GstElement *pipeline)
{
  if (w->bin && pipeline && GST_OBJECT_PARENT (w->bin) == GST_OBJECT (pipeline))
    {
      gst_element_set_locked_state (w->bin, TRUE);
      gst_bin_remove (GST_BIN (pipeline), w->bin);
    }
}

/* The part of freeing that may wait on the disk (setting the bin to NULL joins its streaming
 * threads). Any thread. */
static void
free_now (RdRecWriter *w)
{
  GstElement *pipeline = GST_ELEMENT (rd_room_get_pipeline (w->recorder->room));

  if (w->bin)
    {
      /* in the pipeline until stopped (a stalled writer's was taken out already): its pads are
       * flushing before they are unlinked, which its source's branch takes in its stride */
      gst_element_set_locked_state (w->bin, TRUE);
      gst_element_set_state (w->bin, GST_STATE_NULL);
      rd_rec_segment_close_left_open (w, "its writer stopped before the segment was closed (it "
                                         "did not finish in time)");
      take_out (w, pipeline);
    }
  if (w->upstream && w->upstream != w->tee_pad && GST_IS_GHOST_PAD (w->upstream))
    {
      g_autoptr (GstObject) parent = gst_object_get_parent (GST_OBJECT (w->upstream));
      if (parent)
        gst_element_remove_pad (GST_ELEMENT (parent), w->upstream);
    }
  g_clear_object (&w->upstream);
  if (w->tee_pad)
    {
      g_autoptr (GstObject) tee = gst_object_get_parent (GST_OBJECT (w->tee_pad));
      if (tee)
        gst_element_release_request_pad (GST_ELEMENT (tee), w->tee_pad);
    }
  g_clear_object (&w->tee_pad);
  g_clear_object (&w->mux_pad);
  gst_caps_replace (&w->caps, NULL);
  g_clear_object (&w->sinkpad);
  g_clear_object (&w->bin);
  g_mutex_clear (&w->lock);
  g_free (w->open_path);
  g_free (w->track);
  g_free (w->codec);
  g_free (w);
}

static gboolean
stalled_gone (gpointer data)
{
  GST_WARNING ("a stalled recording writer is freed: its disk answered");
  rd_recorder_stalled_writer_gone (data);
  return G_SOURCE_REMOVE;
}

static gpointer
free_stalled (gpointer data)
{
  RdRecWriter *w = data;
  RdRecorder *rec = w->recorder;
  GSource *source = g_idle_source_new ();

  free_now (w);
  /* the recorder is released on its own context: its last reference may dispose it */
  g_source_set_callback (source, stalled_gone, rec, g_object_unref);
  g_source_attach (source, rec->context);
  g_source_unref (source);
  return NULL;
}

void
rd_rec_writer_free (RdRecWriter *w)
{
  GstElement *pipeline = GST_ELEMENT (rd_room_get_pipeline (w->recorder->room));

  g_clear_handle_id (&w->finish_timeout_id, g_source_remove);
  g_clear_handle_id (&w->until_timeout_id, g_source_remove);
  g_clear_handle_id (&w->done_id, g_source_remove);
  if (w->bin && GST_OBJECT_PARENT (w->bin) == GST_OBJECT (pipeline))
    rd_room_unwatch_bin (w->recorder->room, w->bin);
  if (!w->stalled)
    {
      free_now (w);
      return;
    }
  GST_WARNING ("recording %s: its writer is freed on a thread of its own (its disk may not "
               "answer)",
               w->track);
  take_out (w, pipeline);
  g_object_ref (w->recorder);
  rd_recorder_stalled_writer_freeing (w->recorder);
  g_thread_unref (g_thread_new ("rd-rec-stalled", free_stalled, w));
}
