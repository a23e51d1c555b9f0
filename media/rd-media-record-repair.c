/* rd-media-record-repair.c: remuxing a Matroska file a crash left without cues and duration,
 * then reading the result back. See rd-media-record-repair.h for the contract. */
#include "media/rd-media-record-repair.h"
#include "media/rd-media-error.h"

#include <errno.h>
#include <fcntl.h>
#include <gst/gst.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* One pass over a file: the streams the demuxer found, and the first failure seen in a streaming
 * thread (reported in preference to the "not-linked" error that follows it). */
typedef struct
{
  GMutex lock;
  GstElement *pipeline; /* (unowned) */
  GstElement *mux;      /* (unowned) the remux pass's matroskamux; NULL when verifying */
  guint n_streams;
  GArray *buffers; /* verify: buffers seen per stream (gint), by stream index */
  char *failure;
} Pass;

static void
pass_clear (Pass *p)
{
  g_mutex_clear (&p->lock);
  g_clear_pointer (&p->buffers, g_array_unref);
  g_clear_pointer (&p->failure, g_free);
}

static void
pass_fail (Pass *p, char *failure)
{
  g_mutex_lock (&p->lock);
  if (p->failure == NULL)
    p->failure = failure;
  else
    g_free (failure);
  g_mutex_unlock (&p->lock);
}

/* matroskademux names its pads video_%u, audio_%u and subtitle_%u, as matroskamux names its
 * request pads. */
static const char *
mux_template_for (GstPad *pad)
{
  const char *templates[] = { "video_%u", "audio_%u", "subtitle_%u" };
  g_autofree char *name = gst_pad_get_name (pad);

  for (gsize i = 0; i < G_N_ELEMENTS (templates); i++)
    if (strncmp (name, templates[i], strlen (templates[i]) - 2) == 0) /* "video_" */
      return templates[i];
  return NULL;
}

/* An unbounded queue (in time and buffers): the demuxer's one thread must never block on one
 * stream while another waits for data, in either pass. */
static GstElement *
unbounded_queue (void)
{
  GstElement *queue = gst_element_factory_make ("queue", NULL);

  g_object_set (queue, "max-size-buffers", 0, "max-size-time", (guint64)0, "max-size-bytes", 0,
                NULL);
  return queue;
}

/* matroskademux starts its segment at the file's first timestamp, so the muxer would start the
 * repaired file at 0: a segment from 0 keeps every timestamp where it was (the session's
 * timeline, as the recorder wrote it). */
static GstPadProbeReturn
keep_timestamps (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);
  GstSegment segment;

  if (GST_EVENT_TYPE (event) != GST_EVENT_SEGMENT)
    return GST_PAD_PROBE_OK;
  gst_segment_init (&segment, GST_FORMAT_TIME);
  gst_event_unref (event);
  GST_PAD_PROBE_INFO_DATA (info) = gst_event_new_segment (&segment);
  return GST_PAD_PROBE_OK;
}

/* Remux pass: demuxer pad -> unbounded queue -> a matroskamux pad of the same kind. */
static void
on_remux_pad (GstElement *demux, GstPad *pad, gpointer data)
{
  Pass *p = data;
  const char *template = mux_template_for (pad);
  g_autofree char *name = gst_pad_get_name (pad);
  g_autoptr (GstPad) queue_sink = NULL;
  g_autoptr (GstPad) queue_src = NULL;
  GstPad *mux_pad;
  GstElement *queue;

  if (template == NULL)
    {
      pass_fail (p, g_strdup_printf ("stream %s is of a kind matroskamux cannot take", name));
      return;
    }
  queue = unbounded_queue ();
  gst_bin_add (GST_BIN (p->pipeline), queue);
  mux_pad = gst_element_request_pad_simple (p->mux, template);
  queue_sink = gst_element_get_static_pad (queue, "sink");
  queue_src = gst_element_get_static_pad (queue, "src");
  if (mux_pad == NULL || gst_pad_link (queue_src, mux_pad) != GST_PAD_LINK_OK ||
      gst_pad_link (pad, queue_sink) != GST_PAD_LINK_OK)
    {
      pass_fail (p, g_strdup_printf ("stream %s cannot be linked to matroskamux", name));
      g_clear_object (&mux_pad);
      return;
    }
  gst_pad_add_probe (queue_src, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, keep_timestamps, NULL, NULL);
  /* matroskamux keeps its request pads; this reference is ours. */
  gst_object_unref (mux_pad);
  gst_element_sync_state_with_parent (queue);
  g_mutex_lock (&p->lock);
  p->n_streams++;
  g_mutex_unlock (&p->lock);
}

typedef struct
{
  Pass *pass;
  guint index;
} Counter;

static GstPadProbeReturn
count_buffer (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  Counter *c = data;

  g_mutex_lock (&c->pass->lock);
  g_array_index (c->pass->buffers, gint, c->index)++;
  g_mutex_unlock (&c->pass->lock);
  return GST_PAD_PROBE_OK;
}

/* Verify pass: demuxer pad (counting buffers) -> queue -> fakesink. Each sink prerolls in its
 * queue's thread (with the demuxer's one thread, a prerolled sink would block the others). */
static void
on_verify_pad (GstElement *demux, GstPad *pad, gpointer data)
{
  Pass *p = data;
  g_autoptr (GstPad) queue_sink = NULL;
  GstElement *queue = unbounded_queue ();
  GstElement *sink = gst_element_factory_make ("fakesink", NULL);
  Counter *c = g_new0 (Counter, 1);
  gint zero = 0;

  g_object_set (sink, "sync", FALSE, NULL);
  gst_bin_add_many (GST_BIN (p->pipeline), queue, sink, NULL);
  queue_sink = gst_element_get_static_pad (queue, "sink");
  g_mutex_lock (&p->lock);
  c->pass = p;
  c->index = p->n_streams++;
  g_array_append_val (p->buffers, zero);
  g_mutex_unlock (&p->lock);
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, count_buffer, c, g_free);
  if (!gst_element_link (queue, sink) || gst_pad_link (pad, queue_sink) != GST_PAD_LINK_OK)
    {
      g_autofree char *name = gst_pad_get_name (pad);
      pass_fail (p, g_strdup_printf ("stream %s cannot be read", name));
      return;
    }
  gst_element_sync_state_with_parent (sink);
  gst_element_sync_state_with_parent (queue);
}

/* Waits up to @timeout for one of @types (an error always ends the wait). FALSE with @error
 * saying @what failed and why, when the pass failed or the time ran out. */
static gboolean
wait_for (Pass *p, GstBus *bus, GstMessageType types, GstClockTime timeout, const char *what,
          GError **error)
{
  g_autoptr (GstMessage) msg = gst_bus_timed_pop_filtered (bus, timeout, types | GST_MESSAGE_ERROR);
  g_autoptr (GError) gst_error = NULL;
  g_autofree char *debug = NULL;
  g_autofree char *failure = NULL;

  g_mutex_lock (&p->lock);
  failure = g_strdup (p->failure);
  g_mutex_unlock (&p->lock);
  if (msg != NULL && GST_MESSAGE_TYPE (msg) != GST_MESSAGE_ERROR && failure == NULL)
    return TRUE;
  if (failure != NULL)
    g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_RECORDING, "%s: %s", what, failure);
  else if (msg == NULL)
    g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_RECORDING,
                 "%s: not done after %" G_GUINT64_FORMAT " s", what, timeout / GST_SECOND);
  else
    {
      gst_message_parse_error (msg, &gst_error, &debug);
      g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_RECORDING, "%s: %s: %s", what,
                   GST_OBJECT_NAME (GST_MESSAGE_SRC (msg)), gst_error->message);
    }
  return FALSE;
}

/* filesrc location=@path ! matroskademux, in a new pipeline. */
static GstElement *
demux_pipeline (const char *path, GstElement **out_demux, GError **error)
{
  GstElement *pipeline = gst_pipeline_new ("rd-record-repair");
  GstElement *src = gst_element_factory_make ("filesrc", NULL);
  GstElement *demux = gst_element_factory_make ("matroskademux", NULL);

  if (src == NULL || demux == NULL)
    {
      g_set_error_literal (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_INIT,
                           "filesrc or matroskademux is missing (gstreamer1.0-plugins-good)");
      g_clear_object (&src);
      g_clear_object (&demux);
      gst_object_unref (pipeline);
      return NULL;
    }
  g_object_set (src, "location", path, NULL);
  gst_bin_add_many (GST_BIN (pipeline), src, demux, NULL);
  gst_element_link (src, demux);
  *out_demux = demux;
  return pipeline;
}

/* Remuxes @in_path into @out_fd. Returns the number of streams, 0 on error. */
static guint
remux (const char *in_path, int out_fd, GstClockTime timeout, GError **error)
{
  Pass p = { 0 };
  g_autoptr (GstBus) bus = NULL;
  GstElement *demux, *sink;
  GstElement *pipeline = demux_pipeline (in_path, &demux, error);
  guint n_streams = 0;

  if (pipeline == NULL)
    return 0;
  g_mutex_init (&p.lock);
  p.pipeline = pipeline;
  p.mux = gst_element_factory_make ("matroskamux", NULL);
  sink = gst_element_factory_make ("fdsink", NULL);
  g_object_set (p.mux, "writing-app", "receptiond (repaired recording)", NULL);
  g_object_set (sink, "fd", out_fd, "sync", FALSE, NULL);
  gst_bin_add_many (GST_BIN (pipeline), p.mux, sink, NULL);
  gst_element_link (p.mux, sink);
  g_signal_connect (demux, "pad-added", G_CALLBACK (on_remux_pad), &p);

  bus = gst_element_get_bus (pipeline);
  if (gst_element_set_state (pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    pass_fail (&p, g_strdup ("the pipeline does not start"));
  if (wait_for (&p, bus, GST_MESSAGE_EOS, timeout, "remuxing it", error))
    {
      if (p.n_streams == 0)
        g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_RECORDING, "it has no streams");
      else
        n_streams = p.n_streams;
    }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
  pass_clear (&p);
  return n_streams;
}

/* Reads @path to the end (@n_streams streams, each with buffers), then checks that it was
 * finalised (a duration in its header, and cues). @duration_ns gets the header's duration. */
static gboolean
verify (const char *path, guint n_streams, GstClockTime timeout, guint64 *duration_ns,
        GError **error)
{
  Pass p = { 0 };
  g_autoptr (GstBus) bus = NULL;
  GstElement *demux;
  GstElement *pipeline = demux_pipeline (path, &demux, error);
  guint64 duration = 0;
  gboolean ok = FALSE;

  if (pipeline == NULL)
    return FALSE;
  g_mutex_init (&p.lock);
  p.pipeline = pipeline;
  p.buffers = g_array_new (FALSE, TRUE, sizeof (gint));
  g_signal_connect (demux, "pad-added", G_CALLBACK (on_verify_pad), &p);
  bus = gst_element_get_bus (pipeline);

  if (gst_element_set_state (pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    pass_fail (&p, g_strdup ("the pipeline does not start"));
  if (!wait_for (&p, bus, GST_MESSAGE_EOS, timeout, "reading the repaired file back", error))
    goto out;
  if (p.n_streams != n_streams)
    {
      g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_RECORDING,
                   "the repaired file has %u streams, the original %u", p.n_streams, n_streams);
      goto out;
    }
  for (guint i = 0; i < p.buffers->len; i++)
    if (g_array_index (p.buffers, gint, i) == 0)
      {
        g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_RECORDING,
                     "stream %u has no media data (nothing was written before the cut)", i);
        goto out;
      }
  if (!rd_record_check_finalised (path, &duration, error))
    goto out;
  if (duration_ns != NULL)
    *duration_ns = duration;
  ok = TRUE;

out:
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
  pass_clear (&p);
  return ok;
}

/* fsync()s the directory holding @path, so that its new entry survives a power loss. */
static gboolean
sync_directory (const char *path, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int saved_errno;

  if (fd >= 0 && fsync (fd) == 0)
    {
      close (fd);
      return TRUE;
    }
  saved_errno = errno;
  if (fd >= 0)
    close (fd);
  g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_RECORDING, "cannot fsync directory %s: %s",
               dir, g_strerror (saved_errno));
  return FALSE;
}

gboolean
rd_record_repair (const char *in_path, const char *out_path, guint64 *duration_ns, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  GStatBuf st;
  GstClockTime timeout;
  guint n_streams;
  int fd;

  g_return_val_if_fail (in_path != NULL, FALSE);
  g_return_val_if_fail (out_path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (g_stat (in_path, &st) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_RECORDING, "cannot repair %s: %s", in_path,
                   g_strerror (saved_errno));
      return FALSE;
    }
  if (!S_ISREG (st.st_mode) || st.st_size == 0)
    {
      g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_RECORDING, "cannot repair %s: %s", in_path,
                   !S_ISREG (st.st_mode) ? "not a regular file"
                                         : "the file is empty (nothing was recorded in it)");
      return FALSE;
    }
  if (!rd_record_holds_media (in_path))
    {
      g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_RECORDING,
                   "cannot repair %s: it holds no media (%" G_GINT64_FORMAT " bytes of Matroska "
                   "header; the cut came before its first frame was written)",
                   in_path, (gint64)st.st_size);
      return FALSE;
    }
  timeout = (60 + (GstClockTime)st.st_size / (1024 * 1024)) * GST_SECOND;

  fd = open (out_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (fd >= 0)
    fchmod (fd, 0640); /* whatever the process's umask, like the segments it repairs */
  if (fd < 0)
    {
      int saved_errno = errno;

      g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_RECORDING,
                   "cannot repair %s into %s: %s%s", in_path, out_path, g_strerror (saved_errno),
                   saved_errno == EEXIST ? " (an existing file is never overwritten)" : "");
      return FALSE;
    }

  n_streams = remux (in_path, fd, timeout, &local_error);
  if (n_streams > 0 && fsync (fd) != 0)
    {
      int saved_errno = errno;

      g_set_error (&local_error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_RECORDING, "cannot fsync %s: %s",
                   out_path, g_strerror (saved_errno));
    }
  close (fd);
  if (local_error == NULL && sync_directory (out_path, &local_error) &&
      verify (out_path, n_streams, timeout, duration_ns, &local_error))
    return TRUE;

  /* Only the file this call created, which never counted as evidence. */
  g_unlink (out_path);
  g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                              "cannot repair %s into %s: ", in_path, out_path);
  return FALSE;
}
