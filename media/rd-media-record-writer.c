/* rd-media-record-writer.c: one track's writer. See rd-media-record.h.
 *
 * A bin "rec-<track>-<n>" in the room's pipeline, fed from a src pad requested on the track's tee
 * (the room's encoded tee, or a peer's after its depayloader):
 *
 *   queue (leaky: a stalled disk never stalls the call) [! h264parse] ! matroskamux ! filesink
 *                                                        ^ probe: segments
 *
 * The probe on the pad before the muxer runs on the streaming thread and owns the segments: on
 * the first frame (video: the first keyframe) it makes a segment (a new file, created O_EXCL,
 * 0640; a muxer and a filesink for it) and links to it; when a segment is segment_seconds long
 * it closes it at the next keyframe (video; asking for one) or buffer (audio): unlink, EOS into
 * that muxer, which finalises the file (duration, cues) in this very call, then a new segment.
 * Every frame is written to the kernel as it is muxed (unbuffered filesink); nothing waits for
 * a whole GOP (splitmuxsink would keep a GOP in memory: seconds of a room, minutes of a browser
 * party). Segments opening and closing are told to the main context; there the old muxer and
 * filesink are stopped and removed, and the recorder seals the file.
 * Finishing: unlink from the tee between two buffers, EOS into the bin: the probe closes the
 * open segment and says the writer is done. */
#include "media/rd-media-record-private.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FINISH_TIMEOUT_S       10
#define QUEUE_MAX_TIME         (3 * GST_SECOND)
#define MAX_CLUSTER_DURATION   GST_SECOND
#define KEYFRAME_RETRY_FRAMES  3 /* ask for a keyframe again after so many frames without */
#define DEFAULT_FRAME_DURATION (GST_SECOND / 30)

/* --- what the streaming thread tells the main context --- */

typedef enum
{
  NOTE_OPENED,
  NOTE_CLOSED,
  NOTE_DONE,
  NOTE_FAILED, /* a segment could not be made: @path says why */
} NoteKind;

typedef struct
{
  RdRecorder *recorder; /* ref */
  guint writer_id;
  NoteKind kind;
  gint64 segment;
  char *path, *tracks_json;
  GstElement *mux, *sink; /* NOTE_CLOSED: to stop and remove (refs) */
  GstClockTime duration;
  char *incomplete; /* NOTE_CLOSED: its muxer's last writes failed (the error) */
} Note;

static void
note_free (gpointer data)
{
  Note *n = data;

  g_object_unref (n->recorder);
  g_free (n->path);
  g_free (n->tracks_json);
  g_free (n->incomplete);
  g_clear_object (&n->mux);
  g_clear_object (&n->sink);
  g_free (n);
}

static RdRecWriter *
writer_by_id (RdRecorder *rec, guint id)
{
  for (guint i = 0; i < rec->writers->len; i++)
    if (((RdRecWriter *)rec->writers->pdata[i])->id == id)
      return rec->writers->pdata[i];
  return NULL;
}

static char *with_incomplete (const char *tracks_json, const char *why);

/* The error a segment's muxer or file posted (transfer full), or NULL; forgotten. */
static char *
take_failure (RdRecorder *rec, GstElement *mux, GstElement *sink)
{
  char *mux_error = NULL, *sink_error = NULL;
  gpointer key;

  if (g_hash_table_steal_extended (rec->failed, mux, &key, (gpointer *)&mux_error))
    gst_object_unref (key);
  if (g_hash_table_steal_extended (rec->failed, sink, &key, (gpointer *)&sink_error))
    gst_object_unref (key);
  if (sink_error)
    {
      g_free (mux_error); /* the file's own error says more */
      return sink_error;
    }
  return mux_error;
}

/* A closed segment, after every message its muxer and file posted while closing was handled:
 * stopped, removed, sealed (marked incomplete when its last writes failed). */
static gboolean
closed_on_main (gpointer data)
{
  Note *n = data;
  GstElement *bin = GST_ELEMENT (gst_object_get_parent (GST_OBJECT (n->mux)));
  g_autofree char *tracks = NULL;

  g_ptr_array_remove (n->recorder->closing, n);
  gst_element_set_state (n->mux, GST_STATE_NULL);
  gst_element_set_state (n->sink, GST_STATE_NULL); /* closes the file */
  if (bin)
    {
      gst_bin_remove_many (GST_BIN (bin), n->mux, n->sink, NULL);
      gst_object_unref (bin);
    }
  n->incomplete = take_failure (n->recorder, n->mux, n->sink);
  tracks =
      n->incomplete ? with_incomplete (n->tracks_json, n->incomplete) : g_strdup (n->tracks_json);
  rd_recorder_seal (n->recorder, n->segment, n->path, n->duration, tracks);
  return G_SOURCE_REMOVE;
}

static gboolean
note_on_main (gpointer data)
{
  Note *n = data;
  RdRecWriter *w = writer_by_id (n->recorder, n->writer_id);

  switch (n->kind)
    {
    case NOTE_OPENED:
      rd_recorder_emit_opened (n->recorder, n->segment, n->path, n->tracks_json);
      break;
    case NOTE_CLOSED:
      {
        /* A failed last write (cues, duration) was posted on the bus before this note: seal
         * once the bus is drained (low priority), so the seal can say so. */
        Note *later = g_new0 (Note, 1);
        g_autoptr (GSource) source = g_idle_source_new ();

        *later = *n;
        later->recorder = g_object_ref (n->recorder);
        n->path = n->tracks_json = NULL;
        n->mux = n->sink = NULL;
        g_ptr_array_add (later->recorder->closing, later);
        g_source_set_priority (source, G_PRIORITY_LOW);
        g_source_set_callback (source, closed_on_main, later, note_free);
        g_source_attach (source, later->recorder->context);
        break;
      }
    case NOTE_DONE:
      if (w)
        rd_recorder_writer_done (n->recorder, w);
      break;
    case NOTE_FAILED:
      if (w)
        rd_recorder_writer_error (n->recorder, w, n->path); /* said, and this track stops */
      break;
    }
  return G_SOURCE_REMOVE;
}

static void
tell_main (RdRecWriter *w, Note *n)
{
  /* always a source: g_main_context_invoke would run it here, on the streaming thread, when
   * the main context happens to be free */
  g_autoptr (GSource) source = g_idle_source_new ();

  n->recorder = g_object_ref (w->recorder);
  n->writer_id = w->id;
  /* a writer is done (and stops hearing its bin's messages) only once the bus is drained: an
   * error its last segment's file posted while closing still reaches that segment's seal */
  g_source_set_priority (source, n->kind == NOTE_DONE ? G_PRIORITY_LOW : G_PRIORITY_DEFAULT);
  g_source_set_callback (source, note_on_main, n, note_free);
  g_source_attach (source, w->recorder->context);
}

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

/* @tracks_json (one track, from tracks_json()) with "incomplete": @why: the segment ends
 * without its muxer's last writes (duration, cues) or its last frames. */
static char *
with_incomplete (const char *tracks_json, const char *why)
{
  g_autofree char *text = g_strdup (why);
  gsize n = strlen (tracks_json);

  for (char *c = text; *c; c++) /* a JSON string without escapes */
    if (*c == '"' || *c == '\\' || (guchar)*c < 0x20)
      *c = '\'';
  g_return_val_if_fail (g_str_has_suffix (tracks_json, "}]"), g_strdup (tracks_json));
  return g_strdup_printf ("%.*s,\"incomplete\":\"%s\"}]", (int)(n - 2), tracks_json, text);
}

static GstEvent *
keyframe_request (void)
{
  return gst_event_new_custom (
      GST_EVENT_CUSTOM_UPSTREAM,
      gst_structure_new ("GstForceKeyUnit", "all-headers", G_TYPE_BOOLEAN, TRUE, NULL));
}

/* --- segments (streaming thread) --- */

/* The next segment's file, made exclusively (an existing file is never overwritten: the number
 * moves on). (transfer full) */
static char *
new_file (RdRecWriter *w, gint64 *segment, char **why)
{
  RdRecorder *rec = w->recorder;

  for (int attempt = 0; attempt < 1000; attempt++)
    {
      gint n = g_atomic_int_add (&rec->next_segment, 1);
      char *path = g_strdup_printf ("%s/%s-%04d-%s.mkv", rec->dir, rec->session_id, n, w->track);
      int fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);

      if (fd >= 0)
        {
          fchmod (fd, 0640); /* whatever the process's umask: the archive's group reads it */
          close (fd);
          *segment = n;
          return path;
        }
      if (errno != EEXIST)
        {
          *why = g_strdup_printf ("cannot create %s: %s", path, g_strerror (errno));
          g_free (path);
          return NULL;
        }
      g_free (path);
    }
  *why = g_strdup_printf ("no free file name in %s", rec->dir);
  return NULL;
}

/* FALSE with *@why set when no segment could be made. */
static gboolean
open_segment (RdRecWriter *w, GstPad *pad, GstClockTime at, char **why)
{
  g_autofree char *path = NULL;
  g_autoptr (GstPad) mux_pad = NULL;
  GstElement *mux, *sink;
  gint64 segment = 0;
  Note *n;

  if (!(path = new_file (w, &segment, why)))
    return FALSE;
  mux = gst_element_factory_make ("matroskamux", NULL);
  sink = gst_element_factory_make ("filesink", NULL);
  g_object_set_data (G_OBJECT (mux), "rd-segment", GINT_TO_POINTER (1));
  g_object_set_data (G_OBJECT (sink), "rd-segment", GINT_TO_POINTER (1));
  g_object_set (mux, "max-cluster-duration", (gint64)MAX_CLUSTER_DURATION, NULL);
  /* every write reaches the kernel at once; the recorder fdatasyncs each second */
  g_object_set (sink, "location", path, "buffer-mode", 2 /* unbuffered */, "sync", FALSE, "async",
                FALSE, NULL);
  gst_bin_add_many (GST_BIN (w->bin), mux, sink, NULL);
  gst_element_link (mux, sink);
  mux_pad = gst_element_request_pad_simple (mux, w->video ? "video_%u" : "audio_%u");
  gst_element_sync_state_with_parent (sink);
  gst_element_sync_state_with_parent (mux);
  if (!mux_pad || gst_pad_link (pad, mux_pad) != GST_PAD_LINK_OK)
    {
      *why = g_strdup_printf ("cannot link the muxer of %s", path);
      return FALSE;
    }
  g_mutex_lock (&w->lock);
  w->mux = mux;
  w->sink = sink;
  w->mux_pad = g_steal_pointer (&mux_pad);
  w->open_segment = segment;
  w->open_at = at;
  g_free (w->open_path);
  w->open_path = g_strdup (path);
  g_mutex_unlock (&w->lock);
  w->keyframe_asked = FALSE;
  GST_INFO ("recording %s: segment %" G_GINT64_FORMAT " opened at %" GST_TIME_FORMAT, w->track,
            segment, GST_TIME_ARGS (at));
  n = g_new0 (Note, 1);
  n->kind = NOTE_OPENED;
  n->segment = segment;
  n->path = g_steal_pointer (&path);
  n->tracks_json = tracks_json (w, at, GST_CLOCK_TIME_NONE);
  tell_main (w, n);
  return TRUE;
}

/* Ends the open segment: its muxer writes the duration and cues as the EOS goes through. */
static void
close_segment (RdRecWriter *w, GstPad *pad)
{
  Note *n;
  GstPad *mux_pad;

  if (!w->mux)
    return;
  g_mutex_lock (&w->lock);
  mux_pad = g_steal_pointer (&w->mux_pad);
  n = g_new0 (Note, 1);
  n->kind = NOTE_CLOSED;
  n->segment = w->open_segment;
  n->path = g_steal_pointer (&w->open_path);
  n->mux = g_object_ref (w->mux);
  n->sink = g_object_ref (w->sink);
  n->duration = w->last_end > w->open_at ? w->last_end - w->open_at : 0;
  n->tracks_json = tracks_json (w, w->open_at, w->last_end);
  w->mux = w->sink = NULL;
  g_mutex_unlock (&w->lock);
  gst_pad_unlink (pad, mux_pad);
  GST_INFO ("recording %s: segment %" G_GINT64_FORMAT " closing", w->track, n->segment);
  gst_pad_send_event (mux_pad, gst_event_new_eos ());
  GST_INFO ("recording %s: segment %" G_GINT64_FORMAT " closed", w->track, n->segment);
  gst_element_release_request_pad (n->mux, mux_pad);
  gst_object_unref (mux_pad);
  tell_main (w, n);
}

static GstClockTime
running_time (GstPad *pad, GstClockTime ts)
{
  g_autoptr (GstEvent) event = gst_pad_get_sticky_event (pad, GST_EVENT_SEGMENT, 0);
  const GstSegment *segment = NULL;

  if (!event || !GST_CLOCK_TIME_IS_VALID (ts))
    return GST_CLOCK_TIME_NONE;
  gst_event_parse_segment (event, &segment);
  return gst_segment_to_running_time (segment, GST_FORMAT_TIME, ts);
}

/* Every buffer on its way to the muxer: only what falls inside the session (a packet
 * straddling its time zero would have a negative time), video from a keyframe on; segments
 * opened and closed here. */
static GstPadProbeReturn
on_buffer (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  RdRecWriter *w = user_data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  GstClockTime at = running_time (pad, GST_BUFFER_PTS (buffer));
  gboolean key = !GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT);

  if (!GST_CLOCK_TIME_IS_VALID (at) || g_atomic_int_get (&w->broken))
    return GST_PAD_PROBE_DROP;
  if (w->mux && at >= w->open_at + w->recorder->segment_ns)
    {
      if (!w->video || key)
        close_segment (w, pad);
      else if (!w->keyframe_asked)
        {
          w->keyframe_asked = TRUE; /* the segment ends at the next keyframe */
          gst_pad_send_event (pad, keyframe_request ());
        }
    }
  if (!w->mux)
    {
      if (w->video && !key)
        {
          if (w->dropped_before_keyframe++ % KEYFRAME_RETRY_FRAMES == 0)
            gst_pad_send_event (pad, keyframe_request ());
          return GST_PAD_PROBE_DROP;
        }
      char *why = NULL;

      if (!open_segment (w, pad, at, &why))
        {
          /* told once; the main context stops this track (and the ledger hears of it) */
          if (!w->failed)
            {
              Note *n = g_new0 (Note, 1);
              n->kind = NOTE_FAILED;
              n->path = why;
              w->failed = TRUE;
              tell_main (w, n);
            }
          else
            g_free (why);
          return GST_PAD_PROBE_DROP;
        }
    }
  if (!GST_BUFFER_DURATION_IS_VALID (buffer))
    {
      /* A depayloaded frame has no duration. matroskamux 1.22 finalises a segment whose media
       * lasts 0 ns (one frame, say, just before a stop) with a broken header (a Void one byte
       * short where the duration goes): give every frame the time since the previous one. */
      buffer = gst_buffer_make_writable (buffer);
      GST_BUFFER_DURATION (buffer) = GST_CLOCK_TIME_IS_VALID (w->last_at) && at > w->last_at
                                         ? at - w->last_at
                                         : DEFAULT_FRAME_DURATION;
      GST_PAD_PROBE_INFO_DATA (info) = buffer;
    }
  w->last_at = at;
  w->last_end = at + GST_BUFFER_DURATION (buffer);
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
on_event (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  RdRecWriter *w = user_data;
  GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);
  Note *n;

  if (GST_EVENT_TYPE (event) == GST_EVENT_CAPS)
    {
      GstCaps *caps;

      /* A stream that changes (a browser lowers its resolution): Matroska cannot change a
       * track's format inside a file, so the segment ends here and the next one starts with the
       * new format (video: at its keyframe, which a new resolution brings). */
      gst_event_parse_caps (event, &caps);
      if (w->mux && w->caps && !gst_caps_is_equal (w->caps, caps))
        close_segment (w, pad);
      gst_caps_replace (&w->caps, caps);
      return GST_PAD_PROBE_OK;
    }
  if (GST_EVENT_TYPE (event) != GST_EVENT_EOS)
    return GST_PAD_PROBE_OK;
  close_segment (w, pad);
  n = g_new0 (Note, 1);
  n->kind = NOTE_DONE;
  tell_main (w, n);
  return GST_PAD_PROBE_DROP; /* the segment's muxer had its own */
}

/* --- the writer (main context) --- */

/* An element of the bin failed (the disk refused a write: full, gone, an I/O error): its queue
 * stopped pushing, so no EOS will ever close the open segment. Close it here with what the disk
 * took: the muxer and the file stop, the file is sealed as it is (its frames play; its muxer's
 * last writes, duration and cues, are missing), its tracks saying "incomplete" and why. */
static void
abandon_segment (RdRecWriter *w, const char *why)
{
  GstElement *mux, *sink;
  GstPad *mux_pad;
  char *path;
  gint64 segment;
  GstClockTime open_at, last_end;
  g_autofree char *tracks = NULL;

  g_atomic_int_set (&w->broken, 1);
  g_mutex_lock (&w->lock);
  mux = g_steal_pointer (&w->mux);
  sink = g_steal_pointer (&w->sink);
  mux_pad = g_steal_pointer (&w->mux_pad);
  path = g_steal_pointer (&w->open_path);
  segment = w->open_segment;
  open_at = w->open_at;
  last_end = w->last_end;
  g_mutex_unlock (&w->lock);
  if (!mux)
    return; /* no segment open, or closing already (its NOTE_CLOSED seals it) */
  gst_element_set_state (mux, GST_STATE_NULL);
  gst_element_set_state (sink, GST_STATE_NULL); /* closes the file */
  if (mux_pad)
    {
      g_autoptr (GstPad) peer = gst_pad_get_peer (mux_pad);
      if (peer)
        gst_pad_unlink (peer, mux_pad);
      gst_element_release_request_pad (mux, mux_pad);
      gst_object_unref (mux_pad);
    }
  gst_bin_remove_many (GST_BIN (w->bin), mux, sink, NULL);
  g_free (take_failure (w->recorder, mux, sink));
  GST_WARNING ("recording %s: segment %" G_GINT64_FORMAT " cut short: %s", w->track, segment, why);
  {
    g_autofree char *plain = tracks_json (w, open_at, last_end);
    tracks = with_incomplete (plain, why);
  }
  rd_recorder_seal (
      w->recorder, segment, path,
      GST_CLOCK_TIME_IS_VALID (last_end) && last_end > open_at ? last_end - open_at : 0, tracks);
  g_free (path);
}

static void
on_message (GstMessage *message, gpointer user_data)
{
  RdRecWriter *w = user_data;
  g_autoptr (GError) err = NULL;
  g_autofree char *text = NULL;
  GstObject *src;
  gboolean current;

  if (GST_MESSAGE_TYPE (message) != GST_MESSAGE_ERROR)
    return;
  gst_message_parse_error (message, &err, NULL);
  text = g_strdup_printf ("%s: %s", GST_MESSAGE_SRC_NAME (message), err->message);
  src = GST_MESSAGE_SRC (message);
  if (g_object_get_data (G_OBJECT (src), "rd-segment") &&
      !g_hash_table_contains (w->recorder->failed, src))
    g_hash_table_insert (w->recorder->failed, gst_object_ref (src), g_strdup (text));
  if (g_atomic_int_get (&w->broken))
    return; /* said once: the elements after the first one fail in its wake */
  g_mutex_lock (&w->lock);
  current = src == GST_OBJECT (w->mux) || src == GST_OBJECT (w->sink);
  g_mutex_unlock (&w->lock);
  if (g_object_get_data (G_OBJECT (src), "rd-segment") && !current)
    {
      /* a closed segment's last writes failed; its muxer is done, the writer is not stuck (the
       * seal says the segment is incomplete) */
      rd_recorder_writer_error (w->recorder, w, text);
      return;
    }
  abandon_segment (w, text);
  rd_recorder_writer_error (w->recorder, w, text); /* said, then finished at once */
}

static void
on_overrun (GstElement *queue, gpointer user_data)
{
  RdRecWriter *w = user_data;
  GST_WARNING ("recording %s: queue full (the disk is slow), dropping the oldest frames", w->track);
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
  g_mutex_init (&w->lock);
  w->bin = gst_object_ref (gst_bin_new (bin_name));
  if (!(queue = make (GST_BIN (w->bin), "queue", error)))
    goto fail;
  /* a stalled disk must never stall the call: the queue drops the oldest (and says so) */
  g_object_set (queue, "max-size-time", (guint64)QUEUE_MAX_TIME, "max-size-buffers", 0,
                "max-size-bytes", 0, "leaky", 2, NULL);
  g_signal_connect (queue, "overrun", G_CALLBACK (on_overrun), w);
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
  gst_pad_add_probe (out, GST_PAD_PROBE_TYPE_BUFFER, on_buffer, w, NULL);
  gst_pad_add_probe (out, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, on_event, w, NULL);
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

static gboolean
broken_done (gpointer data)
{
  RdRecWriter *w = data;

  w->done_id = 0;
  rd_recorder_writer_done (w->recorder, w);
  return G_SOURCE_REMOVE;
}

void
rd_rec_writer_finish (RdRecWriter *w)
{
  GstElement *tee_parent;

  if (g_atomic_int_get (&w->broken))
    {
      /* its queue stopped: no EOS gets through; its segment was closed by abandon_segment() */
      w->finishing = TRUE;
      g_clear_handle_id (&w->finish_timeout_id, g_source_remove);
      if (!w->done_id)
        w->done_id = g_idle_add (broken_done, w);
      return;
    }
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

void
rd_rec_writer_free (RdRecWriter *w)
{
  GstElement *pipeline = GST_ELEMENT (rd_room_get_pipeline (w->recorder->room));

  g_clear_handle_id (&w->finish_timeout_id, g_source_remove);
  g_clear_handle_id (&w->done_id, g_source_remove);
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
