/* rd-media-record-segment.c: a writer's segments. See rd-media-record.h and
 * rd-media-record-writer.c (the writer's bin).
 *
 * The probe on the pad before the muxer runs on the streaming thread and owns the segments: on
 * the first frame (video: the first keyframe) it makes a segment (a new file, created O_EXCL,
 * 0640; a muxer and a filesink for it) and links to it; when a segment is segment_seconds long
 * it closes it at the next keyframe (video; asking for one) or buffer (audio): unlink, EOS into
 * that muxer, which finalises the file (duration, cues) in this very call, then a new segment.
 * Every frame is written to the kernel as it is muxed (unbuffered filesink); nothing waits for
 * a whole GOP (splitmuxsink would keep a GOP in memory: seconds of a room, minutes of a browser
 * party). Segments opening and closing are told to the main context; there the old muxer and
 * filesink are stopped and removed (once the bus is drained, so an error their last writes
 * posted is known), and the recorder seals the file, marked incomplete when its last writes
 * failed. A segment whose file refuses a write (disk full) is abandoned on the main context:
 * closed with what the disk took and sealed, marked incomplete. */
#include "media/rd-media-record-private.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* A closed segment: stopped, removed, sealed (marked incomplete when its last writes failed:
 * their error was posted on the bus before this note, so it is known by now). */
static void
closed_on_main (Note *n)
{
  GstElement *bin = GST_ELEMENT (gst_object_get_parent (GST_OBJECT (n->mux)));
  g_autofree char *tracks = NULL;

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
      closed_on_main (n);
      break;
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

#define NOTE_MESSAGE "rd-record-note"

/* Tells the main context: a message on the pipeline's bus from the writer's bin. Every note
 * goes that way (never g_main_context_invoke: it would run here, on the streaming thread, when
 * the main context happens to be free): the bus keeps the order of a segment's opening, of
 * whatever its closing posted there (an error from a file's failed last write) and of its
 * closing, so the seal knows, and the writer is done only after. */
static void
tell_main (RdRecWriter *w, Note *n)
{
  GstStructure *s = gst_structure_new (NOTE_MESSAGE, "note", G_TYPE_POINTER, n, NULL);

  n->recorder = g_object_ref (w->recorder);
  n->writer_id = w->id;
  gst_element_post_message (w->bin, gst_message_new_element (GST_OBJECT (w->bin), s));
}

gboolean
rd_rec_segment_handle_message (GstMessage *message)
{
  const GstStructure *s = gst_message_get_structure (message);
  Note *n = NULL;

  if (GST_MESSAGE_TYPE (message) != GST_MESSAGE_ELEMENT || !s ||
      !gst_structure_has_name (s, NOTE_MESSAGE))
    return FALSE;
  gst_structure_get (s, "note", G_TYPE_POINTER, &n, NULL);
  if (n)
    {
      note_on_main (n);
      note_free (n);
    }
  return TRUE;
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

GstEvent *
rd_rec_keyframe_request (void)
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
GstPadProbeReturn
rd_rec_segment_on_buffer (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
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
          gst_pad_send_event (pad, rd_rec_keyframe_request ());
        }
    }
  if (!w->mux)
    {
      if (w->video && !key)
        {
          if (w->dropped_before_keyframe++ % KEYFRAME_RETRY_FRAMES == 0)
            gst_pad_send_event (pad, rd_rec_keyframe_request ());
          return GST_PAD_PROBE_DROP;
        }
      char *why = NULL;

      /* a track whose segment could not be made is being stopped: no new attempt (each
       * would leave another empty file behind) */
      if (w->failed)
        return GST_PAD_PROBE_DROP;
      if (!open_segment (w, pad, at, &why))
        {
          /* told once; the main context stops this track (and the ledger hears of it) */
          Note *n = g_new0 (Note, 1);
          n->kind = NOTE_FAILED;
          n->path = why;
          w->failed = TRUE;
          tell_main (w, n);
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

GstPadProbeReturn
rd_rec_segment_on_event (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
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

/* --- a segment the disk refused (main context) --- */

/* An element of the bin failed (the disk refused a write: full, gone, an I/O error): its queue
 * stopped pushing, so no EOS will ever close the open segment. Close it here with what the disk
 * took: the muxer and the file stop, the file is sealed as it is (its frames play; its muxer's
 * last writes, duration and cues, are missing), its tracks saying "incomplete" and why. */
void
rd_rec_segment_abandon (RdRecWriter *w, const char *why)
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
