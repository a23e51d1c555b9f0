/* rd-media-record-segment.c: a writer's segments. See rd-media-record.h and
 * rd-media-record-writer.c (the writer's bin).
 *
 * The probe on the pad before the muxer runs on the streaming thread and owns the segments: on
 * the first frame (video: the first keyframe) it makes a segment (a muxer and a filesink, linked,
 * then a new file, created O_EXCL, 0640) and links to it; when a segment is segment_seconds long
 * it closes it at the next keyframe (video; asking for one) or buffer (audio): unlink, EOS into
 * that muxer, which finalises the file (duration, cues) in this very call, then a new segment.
 * Every frame is written to the kernel as it is muxed (unbuffered filesink); nothing waits for
 * a whole GOP (splitmuxsink would keep a GOP in memory: seconds of a room, minutes of a browser
 * party). Segments opening and closing are told to the main context as notes in the recorder's
 * own queue (never through the bus: a note there is dropped once the writer's bin is out of the
 * pipeline, and the segment would never be sealed); there the old muxer and filesink are
 * stopped and removed, and the recorder seals the file, marked incomplete when its muxer or
 * file posted an error (kept on the element as it was posted). A segment whose file refuses a
 * write (disk full) is abandoned on the main context: closed with what the disk took and
 * sealed, marked incomplete. */
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
/* A frame is given at most this long (Opus's longest packet, RFC 6716 3.2.5; a video frame at
 * 8.3 fps): a longer time since the frame before is a hole in the stream, not a long frame. */
#define MAX_FRAME_DURATION (120 * GST_MSECOND)

/* --- what the streaming thread tells the main context --- */

typedef enum
{
  NOTE_OPENED,
  NOTE_CLOSED,
  NOTE_DONE,
  NOTE_FAILED, /* a segment could not be made: @path says why */
  NOTE_UNTIL,  /* a frame from the writer's @until on came: what it was made for is in */
} NoteKind;

typedef struct
{
  guint writer_id;
  NoteKind kind;
  gint64 segment;
  char *path, *tracks_json;
  GstElement *mux, *sink; /* NOTE_CLOSED: to stop and remove (refs) */
  GstClockTime duration;
} Note;

static void
note_free (gpointer data)
{
  Note *n = data;

  g_free (n->path);
  g_free (n->tracks_json);
  g_clear_object (&n->mux);
  g_clear_object (&n->sink);
  g_free (n);
}

static char *with_incomplete (const char *tracks_json, const char *why);

/* A closed segment: stopped, removed, sealed; marked incomplete when its muxer or file failed
 * (their errors are kept on them as they are posted, on the posting thread: rd_rec_bin_new();
 * this also sees an error the file's closing posts here). */
static void
closed_on_main (RdRecorder *rec, Note *n)
{
  GstElement *bin = GST_ELEMENT (gst_object_get_parent (GST_OBJECT (n->mux)));
  g_autofree char *mux_error = NULL;
  g_autofree char *sink_error = NULL;
  g_autofree char *tracks = NULL;
  const char *why;

  gst_element_set_state (n->mux, GST_STATE_NULL);
  gst_element_set_state (n->sink, GST_STATE_NULL); /* closes the file */
  if (bin)
    {
      gst_bin_remove_many (GST_BIN (bin), n->mux, n->sink, NULL);
      gst_object_unref (bin);
    }
  mux_error = rd_rec_element_dup_error (n->mux);
  sink_error = rd_rec_element_dup_error (n->sink);
  why = sink_error ? sink_error : mux_error; /* the file's own error says more */
  tracks = why ? with_incomplete (n->tracks_json, why) : g_strdup (n->tracks_json);
  rd_recorder_seal (rec, n->segment, n->path, n->duration, tracks);
}

static void
note_on_main (RdRecorder *rec, Note *n)
{
  RdRecWriter *w = rd_recorder_writer_by_id (rec, n->writer_id);

  switch (n->kind)
    {
    case NOTE_OPENED:
      rd_recorder_emit_opened (rec, n->segment, n->path, n->tracks_json);
      break;
    case NOTE_CLOSED:
      closed_on_main (rec, n); /* whether or not its writer is still there */
      break;
    case NOTE_DONE:
      if (w)
        rd_recorder_writer_done (rec, w);
      break;
    case NOTE_FAILED:
      if (w)
        rd_recorder_writer_error (rec, w, n->path); /* said, and this track stops */
      break;
    case NOTE_UNTIL:
      if (w)
        rd_rec_writer_finish (w);
      break;
    }
}

void
rd_rec_notes_drain (RdRecorder *rec)
{
  g_autoptr (RdRecorder) hold G_GNUC_UNUSED = g_object_ref (rec); /* across the handlers */
  gboolean any = FALSE;

  for (;;)
    {
      Note *n;

      g_mutex_lock (&rec->notes_lock);
      n = g_queue_pop_head (&rec->notes);
      g_mutex_unlock (&rec->notes_lock);
      if (!n)
        break;
      note_on_main (rec, n);
      note_free (n);
      any = TRUE;
    }
  if (any)
    rd_recorder_check_finished (rec);
}

void
rd_rec_notes_clear (RdRecorder *rec)
{
  g_mutex_lock (&rec->notes_lock);
  rec->disposed = TRUE;
  g_queue_clear_full (&rec->notes, note_free);
  g_mutex_unlock (&rec->notes_lock);
}

static gboolean
drain_on_main (gpointer data)
{
  RdRecorder *rec = data;

  g_mutex_lock (&rec->notes_lock);
  rec->notes_scheduled = FALSE; /* a note told from now on schedules another drain */
  g_mutex_unlock (&rec->notes_lock);
  rd_rec_notes_drain (rec);
  return G_SOURCE_REMOVE;
}

/* Tells the main context (any thread). The note joins the recorder's queue, whatever becomes of
 * the writer's bin (taken out of the pipeline, the pipeline stopped: a note on its bus would be
 * dropped there), and is handled on the main context in the order told: a segment's opening
 * before its closing, a writer's last segment before its end. The drain is an idle source
 * attached to the context (never g_main_context_invoke: that runs the function right here, on
 * the streaming thread, whenever the main context happens to be free), at the default priority,
 * as the bus; it holds a reference on the recorder until it has run. Bus messages of a writer
 * are handled after draining (rd-media-record-writer.c: on_message), so whatever a note told
 * before an error was posted is known when the error is. */
static void
tell_main (RdRecWriter *w, Note *n)
{
  RdRecorder *rec = w->recorder;
  gboolean schedule;

  n->writer_id = w->id;
  g_mutex_lock (&rec->notes_lock);
  if (rec->disposed)
    {
      g_mutex_unlock (&rec->notes_lock);
      GST_WARNING ("recording %s: the recorder is gone; note %d dropped", w->track, n->kind);
      note_free (n);
      return;
    }
  g_queue_push_tail (&rec->notes, n);
  schedule = !rec->notes_scheduled;
  rec->notes_scheduled = TRUE;
  g_mutex_unlock (&rec->notes_lock);
  if (schedule)
    {
      GSource *source = g_idle_source_new ();

      g_source_set_priority (source, G_PRIORITY_DEFAULT);
      g_source_set_static_name (source, "rd-record-notes");
      g_source_set_callback (source, drain_on_main, g_object_ref (rec), g_object_unref);
      g_source_attach (source, rec->context);
      g_source_unref (source);
    }
}

/* The segment's track: @start, the stamp of its first frame; @arrived, when that frame reached
 * the writer (a party's frames are stamped ahead of their arrival by its playout delay: jitter
 * buffer and lip-sync); @end, the end of its last frame. Times on the session's timeline. */
static char *
tracks_json (RdRecWriter *w, GstClockTime start, GstClockTime arrived, GstClockTime end)
{
  g_autoptr (GString) s = g_string_new (NULL);

  g_string_append_printf (s,
                          "[{\"track\":\"%s\",\"media\":\"%s\",\"codec\":\"%s\","
                          "\"start_ns\":%" G_GUINT64_FORMAT,
                          w->track, w->video ? "video" : "audio", w->codec, start);
  if (GST_CLOCK_TIME_IS_VALID (arrived))
    g_string_append_printf (s, ",\"arrived_ns\":%" G_GUINT64_FORMAT, arrived);
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

/* Takes a segment's chain that could not be made whole out of the bin again. */
static void
discard_chain (RdRecWriter *w, GstPad *pad, GstElement *mux, GstPad *mux_pad, GstElement *sink)
{
  if (mux_pad)
    {
      if (gst_pad_is_linked (mux_pad))
        gst_pad_unlink (pad, mux_pad);
      gst_element_release_request_pad (mux, mux_pad);
    }
  gst_element_set_locked_state (mux, TRUE);
  gst_element_set_locked_state (sink, TRUE);
  gst_element_set_state (mux, GST_STATE_NULL);
  gst_element_set_state (sink, GST_STATE_NULL);
  gst_bin_remove_many (GST_BIN (w->bin), mux, sink, NULL);
}

/* FALSE with *@why set when no segment could be made. Its file is made only once the muxer and
 * the file sink are there and linked, and its chain is started right after: a segment that
 * cannot be set up leaves no empty file behind (each would be an orphan without media at the
 * next start); its failure is told (NOTE_FAILED: an error naming the track and why, and the
 * track stops). Should the started chain still fail to open the file we just made (it is then
 * empty: nothing was written), that file is removed again. */
static gboolean
open_segment (RdRecWriter *w, GstPad *pad, GstClockTime at, GstClockTime arrived, char **why)
{
  g_autofree char *path = NULL;
  g_autoptr (GstPad) mux_pad = NULL;
  GstElement *mux, *sink;
  GstPadLinkReturn linked;
  gboolean inner;
  gint64 segment = 0;
  Note *n;

  mux = gst_element_factory_make ("matroskamux", NULL);
  sink = gst_element_factory_make ("filesink", NULL);
  if (!mux || !sink)
    {
      *why = g_strdup_printf ("cannot make its next segment: GStreamer element %s is not "
                              "installed (gstreamer1.0-plugins-good)",
                              mux ? "filesink" : "matroskamux");
      if (mux)
        gst_object_unref (gst_object_ref_sink (mux));
      if (sink)
        gst_object_unref (gst_object_ref_sink (sink));
      return FALSE;
    }
  g_object_set_data (G_OBJECT (mux), "rd-segment", GINT_TO_POINTER (1));
  g_object_set_data (G_OBJECT (sink), "rd-segment", GINT_TO_POINTER (1));
  g_object_set (mux, "max-cluster-duration", (gint64)MAX_CLUSTER_DURATION, NULL);
  /* every write reaches the kernel at once; the recorder fdatasyncs each second */
  g_object_set (sink, "buffer-mode", 2 /* unbuffered */, "sync", FALSE, "async", FALSE, NULL);
  gst_bin_add_many (GST_BIN (w->bin), mux, sink, NULL);
  mux_pad = gst_element_request_pad_simple (mux, w->video ? "video_%u" : "audio_%u");
  inner = gst_element_link (mux, sink);
  linked = inner && mux_pad ? gst_pad_link (pad, mux_pad) : GST_PAD_LINK_REFUSED;
  if (linked != GST_PAD_LINK_OK)
    {
      g_autoptr (GstCaps) caps = gst_pad_get_current_caps (pad);
      g_autofree char *format = caps ? gst_caps_to_string (caps) : g_strdup ("(not known yet)");

      *why = g_strdup_printf ("cannot link its next segment's muxer (%s); the stream is %s",
                              !inner     ? "the muxer does not link to the file sink"
                              : !mux_pad ? "the muxer gave no pad"
                                         : gst_pad_link_get_name (linked),
                              format);
      discard_chain (w, pad, mux, mux_pad, sink);
      return FALSE;
    }
  if (!(path = new_file (w, &segment, why)))
    {
      discard_chain (w, pad, mux, mux_pad, sink);
      return FALSE;
    }
  g_object_set (sink, "location", path, NULL);
  if (!gst_element_sync_state_with_parent (sink) || !gst_element_sync_state_with_parent (mux))
    {
      g_autofree char *error = rd_rec_element_dup_error (sink);
      GStatBuf st;

      if (!error)
        error = rd_rec_element_dup_error (mux);
      discard_chain (w, pad, mux, mux_pad, sink);
      /* ours, made a moment ago, and nothing written: no evidence to keep */
      if (g_stat (path, &st) == 0 && st.st_size == 0)
        g_unlink (path);
      *why = g_strdup_printf ("cannot start writing %s: %s", path,
                              error ? error : "its muxer or file sink did not start");
      return FALSE;
    }
  g_mutex_lock (&w->lock);
  w->mux = mux;
  w->sink = sink;
  w->mux_pad = g_steal_pointer (&mux_pad);
  w->open_segment = segment;
  w->open_at = at;
  w->open_arrived = arrived;
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
  n->tracks_json = tracks_json (w, at, arrived, GST_CLOCK_TIME_NONE);
  tell_main (w, n);
  return TRUE;
}

/* Ends the open segment: its muxer writes the duration and cues as the EOS goes through. */
static void
close_segment (RdRecWriter *w, GstPad *pad)
{
  Note *n;
  GstPad *mux_pad;

  g_mutex_lock (&w->lock);
  if (!w->mux)
    {
      /* none open, or abandoned on the main context just now (which seals it) */
      g_mutex_unlock (&w->lock);
      return;
    }
  mux_pad = g_steal_pointer (&w->mux_pad);
  n = g_new0 (Note, 1);
  n->kind = NOTE_CLOSED;
  n->segment = w->open_segment;
  n->path = g_steal_pointer (&w->open_path);
  n->mux = g_object_ref (w->mux);
  n->sink = g_object_ref (w->sink);
  n->duration = w->last_end > w->open_at ? w->last_end - w->open_at : 0;
  n->tracks_json = tracks_json (w, w->open_at, w->open_arrived, w->last_end);
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
  GstClockTime until = __atomic_load_n (&w->until, __ATOMIC_ACQUIRE);
  gboolean key = !GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT);

  if (!GST_CLOCK_TIME_IS_VALID (at) || g_atomic_int_get (&w->broken))
    return GST_PAD_PROBE_DROP;
  if (GST_CLOCK_TIME_IS_VALID (until) && at >= until)
    {
      /* paused or stopped from @until on: nothing of that is recorded, and this writer is done */
      if (!w->until_told)
        {
          Note *n = g_new0 (Note, 1);
          n->kind = NOTE_UNTIL;
          w->until_told = TRUE;
          tell_main (w, n);
        }
      return GST_PAD_PROBE_DROP;
    }
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
      if (!open_segment (w, pad, at, rd_recorder_get_elapsed_ns (w->recorder), &why))
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
       * short where the duration goes): give every frame the time since the previous one, up
       * to MAX_FRAME_DURATION. Uncapped, the last frame of a segment after a stall (a loaded
       * machine: 0.9 s) lasted the stall, and its segment overlapped the next one by as much. */
      buffer = gst_buffer_make_writable (buffer);
      GST_BUFFER_DURATION (buffer) = GST_CLOCK_TIME_IS_VALID (w->last_at) && at > w->last_at
                                         ? MIN (at - w->last_at, MAX_FRAME_DURATION)
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

/* --- a segment left open when its writer stopped (any thread) --- */

void
rd_rec_segment_close_left_open (RdRecWriter *w, const char *why)
{
  Note *n;

  g_mutex_lock (&w->lock);
  if (!w->mux)
    {
      g_mutex_unlock (&w->lock); /* closed (its note seals it), or never opened */
      return;
    }
  n = g_new0 (Note, 1);
  n->kind = NOTE_CLOSED;
  n->segment = w->open_segment;
  n->path = g_steal_pointer (&w->open_path);
  /* the note's own references (the bin holds the elements; w->mux and w->sink borrow them) */
  n->mux = gst_object_ref (g_steal_pointer (&w->mux));
  n->sink = gst_object_ref (g_steal_pointer (&w->sink));
  n->duration = GST_CLOCK_TIME_IS_VALID (w->last_end) && w->last_end > w->open_at
                    ? w->last_end - w->open_at
                    : 0;
  {
    g_autofree char *plain = tracks_json (w, w->open_at, w->open_arrived, w->last_end);
    n->tracks_json = with_incomplete (plain, why);
  }
  g_clear_object (&w->mux_pad);
  g_mutex_unlock (&w->lock);
  GST_WARNING ("recording %s: segment %" G_GINT64_FORMAT " left open: %s", w->track, n->segment,
               why);
  tell_main (w, n); /* sealed there, as it is */
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
  GstClockTime open_at, open_arrived, last_end;
  g_autofree char *tracks = NULL;

  g_atomic_int_set (&w->broken, 1);
  g_mutex_lock (&w->lock);
  mux = g_steal_pointer (&w->mux);
  sink = g_steal_pointer (&w->sink);
  mux_pad = g_steal_pointer (&w->mux_pad);
  path = g_steal_pointer (&w->open_path);
  segment = w->open_segment;
  open_at = w->open_at;
  open_arrived = w->open_arrived;
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
  GST_WARNING ("recording %s: segment %" G_GINT64_FORMAT " cut short: %s", w->track, segment, why);
  {
    g_autofree char *plain = tracks_json (w, open_at, open_arrived, last_end);
    tracks = with_incomplete (plain, why);
  }
  rd_recorder_seal (
      w->recorder, segment, path,
      GST_CLOCK_TIME_IS_VALID (last_end) && last_end > open_at ? last_end - open_at : 0, tracks);
  g_free (path);
}
