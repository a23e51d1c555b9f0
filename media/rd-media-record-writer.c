/* rd-media-record-writer.c: one track's writer. See rd-media-record.h.
 *
 * A bin "rec-<track>" in the room's pipeline: queue ! [h264parse] ! splitmuxsink, fed from a
 * src pad requested on the track's tee (the room's encoded tee, or a peer's after its
 * depayloader). splitmuxsink (async-finalize) makes a new matroskamux + filesink per segment,
 * split on keyframes; we name each file (format-location-full, on the streaming thread: the
 * file is created O_EXCL there, 0640) and hear of segments opening and closing as element
 * messages on the room's bus (main context). Finishing: unlink from the tee between two
 * buffers, EOS into the bin, and wait for the EOS the bin forwards (bounded). */
#include "media/rd-media-record-private.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#define FINISH_TIMEOUT_S      10
#define QUEUE_MAX_TIME        (3 * GST_SECOND)
#define MAX_CLUSTER_DURATION  GST_SECOND
#define KEYFRAME_RETRY_FRAMES 10 /* ask for a keyframe again after so many frames without */

static char *
tracks_json (RdRecWriter *w, GstClockTime start, GstClockTime end)
{
  g_autoptr (GString) s = g_string_new (NULL);

  g_string_append_printf (s,
                          "[{\"track\":\"%s\",\"media\":\"%s\",\"codec\":\"%s\","
                          "\"start_ns\":%" G_GUINT64_FORMAT,
                          w->track, w->video ? "video" : "audio", w->codec, start);
  if (GST_CLOCK_TIME_IS_VALID (end))
    g_string_append_printf (s, ",\"end_ns\":%" G_GUINT64_FORMAT, end);
  g_string_append (s, "}]");
  return g_string_free (g_steal_pointer (&s), FALSE);
}

/* Streaming thread: the next segment's file, made exclusively. */
static char *
on_format_location (GstElement *splitmux, guint fragment, GstSample *first, gpointer user_data)
{
  RdRecWriter *w = user_data;
  RdRecorder *rec = w->recorder;

  for (int attempt = 0; attempt < 1000; attempt++)
    {
      gint n = g_atomic_int_add (&rec->next_segment, 1);
      char *path = g_strdup_printf ("%s/%s-%04d-%s.mkv", rec->dir, rec->session_id, n, w->track);
      int fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);

      if (fd >= 0 || errno != EEXIST)
        {
          if (fd >= 0)
            close (fd);
          else
            GST_WARNING ("cannot create %s: %s", path, g_strerror (errno));
          g_mutex_lock (&w->lock);
          g_hash_table_insert (w->paths, g_strdup (path), GINT_TO_POINTER (n));
          g_mutex_unlock (&w->lock);
          return path; /* when it could not be made, filesink reports why */
        }
      g_free (path);
    }
  return NULL;
}

static void
on_sink_added (GstElement *splitmux, GstElement *sink, gpointer user_data)
{
  /* every write reaches the kernel at once; the recorder fdatasyncs each second */
  g_object_set (sink, "buffer-mode", 2 /* unbuffered */, NULL);
}

static void
on_muxer_added (GstElement *splitmux, GstElement *muxer, gpointer user_data)
{
  g_object_set (muxer, "max-cluster-duration", (gint64)MAX_CLUSTER_DURATION, NULL);
}

static void
segment_opened (RdRecWriter *w, const GstStructure *s)
{
  const char *location = gst_structure_get_string (s, "location");
  GstClockTime at = GST_CLOCK_TIME_NONE;
  g_autofree char *json = NULL;
  gpointer n = NULL;

  gst_structure_get_clock_time (s, "running-time", &at);
  g_mutex_lock (&w->lock);
  n = g_hash_table_lookup (w->paths, location);
  g_mutex_unlock (&w->lock);
  g_free (w->open_path);
  w->open_path = g_strdup (location);
  w->open_segment = GPOINTER_TO_INT (n);
  w->open_at = at;
  w->announced = FALSE;
  if (!GST_CLOCK_TIME_IS_VALID (w->first_at))
    w->first_at = at;
  rd_rec_writer_announce (w);
}

/* "segment-opened" once the segment holds media: splitmuxsink also opens a segment for an EOS
 * that comes before any frame (a writer stopped just after it started), and that empty file is
 * not part of the session. Called again from the recorder's 1 s timer until it is announced. */
void
rd_rec_writer_announce (RdRecWriter *w)
{
  g_autofree char *json = NULL;

  if (!w->open_path || w->announced || g_atomic_int_get (&w->buffers) == 0)
    return;
  w->announced = TRUE;
  json = tracks_json (w, w->open_at, GST_CLOCK_TIME_NONE);
  rd_recorder_emit_opened (w->recorder, w->open_segment, w->open_path, json);
}

static void
segment_closed (RdRecWriter *w, const GstStructure *s)
{
  const char *location = gst_structure_get_string (s, "location");
  GstClockTime at = GST_CLOCK_TIME_NONE;
  gint64 segment;
  GstClockTime start;
  g_autofree char *json = NULL;

  gst_structure_get_clock_time (s, "running-time", &at);
  if (g_strcmp0 (location, w->open_path) == 0)
    rd_rec_writer_announce (w); /* held media, and closed within a second of opening */
  g_mutex_lock (&w->lock);
  segment = GPOINTER_TO_INT (g_hash_table_lookup (w->paths, location));
  g_hash_table_remove (w->paths, location);
  g_mutex_unlock (&w->lock);
  start = g_strcmp0 (location, w->open_path) == 0 ? w->open_at : GST_CLOCK_TIME_NONE;
  if (g_strcmp0 (location, w->open_path) == 0)
    g_clear_pointer (&w->open_path, g_free);
  if (g_atomic_int_get (&w->buffers) == 0)
    {
      /* closed before its first frame (a writer stopped just after it started): the empty
       * container holds nothing of the session and was never announced; it goes */
      g_unlink (location);
      rd_recorder_discard (w->recorder, segment, location);
      return;
    }
  json = tracks_json (w, GST_CLOCK_TIME_IS_VALID (start) ? start : 0, at);
  rd_recorder_seal (w->recorder, segment, location,
                    GST_CLOCK_TIME_IS_VALID (start) && at > start ? at - start : 0, json);
}

/* Done once finishing, the EOS went through, and no segment is open or about to be. */
static void
maybe_done (RdRecWriter *w)
{
  gboolean none_pending;

  if (!w->finishing || !w->eos_seen || w->open_path)
    return;
  g_mutex_lock (&w->lock);
  none_pending = g_hash_table_size (w->paths) == 0;
  g_mutex_unlock (&w->lock);
  if (none_pending)
    rd_recorder_writer_done (w->recorder, w);
}

static void
on_message (GstMessage *message, gpointer user_data)
{
  RdRecWriter *w = user_data;
  const GstStructure *s = gst_message_get_structure (message);

  switch (GST_MESSAGE_TYPE (message))
    {
    case GST_MESSAGE_ELEMENT:
      if (gst_structure_has_name (s, "splitmuxsink-fragment-opened"))
        segment_opened (w, s);
      else if (gst_structure_has_name (s, "splitmuxsink-fragment-closed"))
        segment_closed (w, s);
      else if (gst_structure_has_name (s, "GstBinForwarded"))
        {
          g_autoptr (GstMessage) inner = NULL;

          gst_structure_get (s, "message", GST_TYPE_MESSAGE, &inner, NULL);
          if (inner && GST_MESSAGE_TYPE (inner) == GST_MESSAGE_EOS)
            w->eos_seen = TRUE;
        }
      maybe_done (w);
      break;
    case GST_MESSAGE_ERROR:
      {
        g_autoptr (GError) err = NULL;
        g_autofree char *text = NULL;

        gst_message_parse_error (message, &err, NULL);
        text = g_strdup_printf ("%s: %s", GST_MESSAGE_SRC_NAME (message), err->message);
        rd_recorder_writer_error (w->recorder, w, text);
        break;
      }
    default:
      break;
    }
}

static GstEvent *
keyframe_request (void)
{
  return gst_event_new_custom (
      GST_EVENT_CUSTOM_UPSTREAM,
      gst_structure_new ("GstForceKeyUnit", "all-headers", G_TYPE_BOOLEAN, TRUE, NULL));
}

/* What goes to splitmuxsink (on the queue's src pad, streaming thread): only what falls inside
 * the session (a packet straddling its time zero would have a negative time, which the muxer
 * drops), video from a keyframe on. Counted, to know a segment that got nothing. */
static GstPadProbeReturn
count_buffer (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  RdRecWriter *w = user_data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  g_autoptr (GstEvent) event = gst_pad_get_sticky_event (pad, GST_EVENT_SEGMENT, 0);
  const GstSegment *segment = NULL;

  if (event)
    gst_event_parse_segment (event, &segment);
  if (!segment || !GST_BUFFER_PTS_IS_VALID (buffer) ||
      !GST_CLOCK_TIME_IS_VALID (
          gst_segment_to_running_time (segment, GST_FORMAT_TIME, GST_BUFFER_PTS (buffer))))
    return GST_PAD_PROBE_DROP;
  /* A video segment must start on a keyframe: drop what comes before the first one, and ask
   * again while waiting (a request made as the stream starts can be lost). */
  if (w->video && g_atomic_int_get (&w->buffers) == 0 &&
      GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT))
    {
      if (w->dropped_before_keyframe++ % KEYFRAME_RETRY_FRAMES == 0)
        gst_pad_send_event (pad, keyframe_request ());
      return GST_PAD_PROBE_DROP;
    }
  g_atomic_int_inc (&w->buffers);
  return GST_PAD_PROBE_OK;
}

static void
on_overrun (GstElement *queue, gpointer user_data)
{
  RdRecWriter *w = user_data;
  GST_WARNING ("recording %s: queue full, dropping the oldest frames", w->track);
}

static GstElement *
make (GstBin *bin, const char *factory, const char *name, GError **error)
{
  GstElement *e = gst_element_factory_make (factory, name);

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
  g_autofree char *bin_name = g_strdup_printf ("rec-%s", track);
  RdRecWriter *w = g_new0 (RdRecWriter, 1);
  GstElement *queue, *splitmux, *last;
  g_autoptr (GstPad) queue_sink = NULL;
  g_autoptr (GstPad) mux_sink = NULL;
  g_autoptr (GstPad) src = NULL;

  w->recorder = rec;
  w->track = g_strdup (track);
  w->video = video;
  w->codec = g_strdup (codec);
  w->owner = owner;
  w->tee = tee;
  w->open_at = w->first_at = GST_CLOCK_TIME_NONE;
  g_mutex_init (&w->lock);
  w->paths = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  w->bin = gst_object_ref (gst_bin_new (bin_name));
  g_object_set (w->bin, "message-forward", TRUE, NULL);
  if (!(queue = make (GST_BIN (w->bin), "queue", NULL, error)))
    goto fail;
  /* a stalled disk must never stall the call: the queue drops the oldest (and says so) */
  g_object_set (queue, "max-size-time", (guint64)QUEUE_MAX_TIME, "max-size-buffers", 0,
                "max-size-bytes", 0, "leaky", 2, NULL);
  last = queue;
  g_signal_connect (queue, "overrun", G_CALLBACK (on_overrun), w);
  {
    g_autoptr (GstPad) queue_src = gst_element_get_static_pad (queue, "src");
    gst_pad_add_probe (queue_src, GST_PAD_PROBE_TYPE_BUFFER, count_buffer, w, NULL);
  }
  if (g_str_equal (codec, "H264"))
    {
      GstElement *parse = make (GST_BIN (w->bin), "h264parse", NULL, error);
      if (!parse)
        goto fail;
      gst_element_link (last, parse);
      last = parse;
    }
  if (!(splitmux = make (GST_BIN (w->bin), "splitmuxsink", "splitmux", error)))
    goto fail;
  g_object_set (splitmux, "async-finalize", TRUE, "muxer-factory", "matroskamux", "max-size-time",
                rec->segment_ns, "send-keyframe-requests", TRUE, NULL);
  g_signal_connect (splitmux, "format-location-full", G_CALLBACK (on_format_location), w);
  g_signal_connect (splitmux, "sink-added", G_CALLBACK (on_sink_added), w);
  g_signal_connect (splitmux, "muxer-added", G_CALLBACK (on_muxer_added), w);
  mux_sink = gst_element_request_pad_simple (splitmux, video ? "video" : "audio_%u");
  src = gst_element_get_static_pad (last, "src");
  if (!mux_sink || gst_pad_link (src, mux_sink) != GST_PAD_LINK_OK)
    {
      g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_PIPELINE,
                   "recording %s: cannot link to splitmuxsink", track);
      goto fail;
    }
  queue_sink = gst_element_get_static_pad (queue, "sink");
  /* the session's timeline: time zero is the start of the recording */
  gst_pad_set_offset (queue_sink, -(gint64)rec->zero);
  w->sink = gst_object_ref (gst_ghost_pad_new ("sink", queue_sink));
  gst_element_add_pad (w->bin, w->sink);

  gst_bin_add (GST_BIN (rd_room_get_pipeline (rec->room)), w->bin);
  rd_room_watch_bin (rec->room, w->bin, on_message, w);
  gst_element_sync_state_with_parent (w->bin);
  w->tee_pad = gst_element_request_pad_simple (tee, "src_%u");
  if (gst_pad_link_maybe_ghosting (w->tee_pad, w->sink) == FALSE)
    {
      g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_PIPELINE,
                   "recording %s: cannot link to the stream", track);
      rd_rec_writer_free (w);
      return NULL;
    }
  /* the first segment starts at the next keyframe: ask for it now */
  w->upstream = gst_pad_get_peer (w->sink); /* the tee pad, or a ghost pad for it */
  gst_pad_send_event (w->tee_pad, keyframe_request ());
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

  w->finish_timeout_id = 0;
  rd_recorder_writer_error (w->recorder, w,
                            "did not finish its last segment in time; it may need repair");
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

void
rd_rec_writer_finish (RdRecWriter *w)
{
  GstElement *tee_parent;

  if (w->finishing)
    return;
  w->finishing = TRUE;
  w->finish_timeout_id = g_timeout_add_seconds (FINISH_TIMEOUT_S, finish_timed_out, w);
  if (!w->sink)
    {
      w->eos_seen = TRUE;
      maybe_done (w);
      return;
    }
  tee_parent = w->tee_pad ? GST_ELEMENT (gst_object_get_parent (GST_OBJECT (w->tee_pad))) : NULL;
  if (tee_parent && GST_STATE (tee_parent) == GST_STATE_PLAYING)
    gst_pad_add_probe (w->tee_pad, GST_PAD_PROBE_TYPE_IDLE, unlink_idle, gst_object_ref (w->sink),
                       gst_object_unref);
  else
    gst_pad_send_event (w->sink, gst_event_new_eos ()); /* the source is gone already */
  g_clear_object (&tee_parent);
}

char *
rd_rec_writer_dup_open_path (RdRecWriter *w)
{
  return g_strdup (w->open_path);
}

void
rd_rec_writer_free (RdRecWriter *w)
{
  GstElement *pipeline = GST_ELEMENT (rd_room_get_pipeline (w->recorder->room));

  g_clear_handle_id (&w->finish_timeout_id, g_source_remove);
  if (w->bin && GST_OBJECT_PARENT (w->bin) == GST_OBJECT (pipeline))
    {
      rd_room_unwatch_bin (w->recorder->room, w->bin);
      gst_element_set_locked_state (w->bin, TRUE);
      gst_element_set_state (w->bin, GST_STATE_NULL);
      gst_bin_remove (GST_BIN (pipeline), w->bin);
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
  g_clear_object (&w->sink);
  g_clear_object (&w->bin);
  g_hash_table_unref (w->paths);
  g_mutex_clear (&w->lock);
  g_free (w->open_path);
  g_free (w->track);
  g_free (w->codec);
  g_free (w);
}
