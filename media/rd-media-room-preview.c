/* rd-media-room-preview.c: still pictures of the room's camera and of the display's picture,
 * as JPEG, for the console's preview. See rd-media-room.h.
 *
 *   rawtee (the camera, raw) ---- sink pad: [probe while a picture is asked for]
 *   outtee (the display's picture, REC mark included) ---- sink pad: [the same]
 *
 * Nothing is added to the pipeline and nothing runs while nobody asks: a request adds a buffer
 * probe to the source's pad, which keeps a reference to the next picture; the main context
 * takes the probe off again and a worker thread scales and encodes that one picture
 * (gst_video_convert_sample(), a pipeline of its own, for that picture only), which goes to
 * every request waiting for that source. A picture made less than REUSE_US ago is given again:
 * several consoles looking cost one encoding. Main context, but the probe (streaming thread)
 * and the encoding (worker thread). */
#include "media/rd-media-error.h"
#include "media/rd-media-room-private.h"

#include <gst/video/video.h>

#define WAIT_MS  2000
#define REUSE_US (500 * G_TIME_SPAN_MILLISECOND)

struct _RdRoomGrab
{
  RdRoomPreview source;
  RdRoom *room;          /* main: NULL once the room is gone */
  GMainContext *context; /* the room's */
  GstPad *pad;           /* where the pictures pass */
  GMutex lock;           /* guards @sample */
  GstSample *sample;     /* the picture taken by the probe, not yet given to the main context */
  gulong probe;          /* main: the probe waiting for a picture, or 0 */
  GSource *timeout;      /* main: the end of that wait */
  gboolean encoding;     /* main: a worker thread is encoding a picture */
  GPtrArray *waiting;    /* main: GTask* of the requests waiting */
  GBytes *jpeg;          /* main: the last picture made, and when */
  gint64 jpeg_us;
};

static RdRoomGrab *
grab_ref (RdRoomGrab *g)
{
  return g_atomic_rc_box_acquire (g);
}

static void
grab_clear (gpointer data)
{
  RdRoomGrab *g = data;

  g_clear_pointer (&g->sample, gst_sample_unref);
  g_clear_object (&g->pad);
  g_clear_pointer (&g->waiting, g_ptr_array_unref);
  g_clear_pointer (&g->jpeg, g_bytes_unref);
  g_clear_pointer (&g->context, g_main_context_unref);
  g_mutex_clear (&g->lock);
}

static void
grab_unref (gpointer data)
{
  g_atomic_rc_box_release_full (data, grab_clear);
}

/* Main: answers every waiting request with @jpeg, or @error. */
static void
answer (RdRoomGrab *g, GBytes *jpeg, const GError *error)
{
  g_autoptr (GPtrArray) waiting = g->waiting;

  g->waiting = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < waiting->len; i++)
    if (jpeg)
      g_task_return_pointer (waiting->pdata[i], g_bytes_ref (jpeg), (GDestroyNotify)g_bytes_unref);
    else
      g_task_return_error (waiting->pdata[i], g_error_copy (error));
}

/* Main: the wait is over (a picture came, or none in time, or the room is going). */
static void
stop_waiting (RdRoomGrab *g)
{
  if (g->probe)
    gst_pad_remove_probe (g->pad, g->probe);
  g->probe = 0;
  if (g->timeout)
    {
      g_source_destroy (g->timeout);
      g_clear_pointer (&g->timeout, g_source_unref);
    }
}

/* Worker thread: the picture, scaled to RD_ROOM_PREVIEW_WIDTH wide, as JPEG. */
static void
encode_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  GstSample *sample = data;
  GstVideoInfo info;
  g_autoptr (GstCaps) to = NULL;
  g_autoptr (GstSample) jpeg = NULL;
  g_autoptr (GError) error = NULL;
  GstBuffer *buffer;
  GstMapInfo map;
  int height;

  if (!gst_video_info_from_caps (&info, gst_sample_get_caps (sample)) || info.width <= 0)
    {
      g_task_return_new_error (task, RD_MEDIA_ERROR, RD_MEDIA_ERROR_PIPELINE,
                               "the preview's picture has no video format");
      return;
    }
  height = MAX (2, (int)((gint64)RD_ROOM_PREVIEW_WIDTH * info.height / info.width) & ~1);
  to =
      gst_caps_new_simple ("image/jpeg", "width", G_TYPE_INT, RD_ROOM_PREVIEW_WIDTH, "height",
                           G_TYPE_INT, height, "pixel-aspect-ratio", GST_TYPE_FRACTION, 1, 1, NULL);
  jpeg = gst_video_convert_sample (sample, to, WAIT_MS * GST_MSECOND, &error);
  buffer = jpeg ? gst_sample_get_buffer (jpeg) : NULL;
  if (!buffer || !gst_buffer_map (buffer, &map, GST_MAP_READ))
    {
      g_task_return_new_error (task, RD_MEDIA_ERROR, RD_MEDIA_ERROR_PIPELINE,
                               "cannot encode the preview as JPEG (jpegenc, "
                               "gstreamer1.0-plugins-good): %s",
                               error ? error->message : "no picture");
      return;
    }
  g_task_return_pointer (task, g_bytes_new (map.data, map.size), (GDestroyNotify)g_bytes_unref);
  gst_buffer_unmap (buffer, &map);
}

static void
on_encoded (GObject *source, GAsyncResult *result, gpointer data)
{
  RdRoomGrab *g = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) jpeg = g_task_propagate_pointer (G_TASK (result), &error);

  if (g->room)
    {
      g->encoding = FALSE;
      if (jpeg)
        {
          g_clear_pointer (&g->jpeg, g_bytes_unref);
          g->jpeg = g_bytes_ref (jpeg);
          g->jpeg_us = g_get_monotonic_time ();
        }
      answer (g, jpeg, error);
    }
  grab_unref (g);
}

/* Main: the probe has taken a picture. */
static gboolean
on_grabbed (gpointer data)
{
  RdRoomGrab *g = data;
  GstSample *sample;
  GTask *task;

  if (!g->room || !g->probe)
    return G_SOURCE_REMOVE; /* the room is gone, or the wait ended without it */
  stop_waiting (g);
  g_mutex_lock (&g->lock);
  sample = g_steal_pointer (&g->sample);
  g_mutex_unlock (&g->lock);
  if (!sample)
    return G_SOURCE_REMOVE;
  g->encoding = TRUE;
  task = g_task_new (NULL, NULL, on_encoded, grab_ref (g));
  g_task_set_source_tag (task, on_grabbed);
  g_task_set_task_data (task, sample, (GDestroyNotify)gst_sample_unref);
  g_task_run_in_thread (task, encode_thread);
  g_object_unref (task);
  return G_SOURCE_REMOVE;
}

/* Streaming thread: keeps the first picture that passes while the probe is on. */
static GstPadProbeReturn
grab_probe (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  RdRoomGrab *g = data;
  g_autoptr (GstCaps) caps = gst_pad_get_current_caps (pad);
  gboolean first;

  if (!caps)
    return GST_PAD_PROBE_OK;
  g_mutex_lock (&g->lock);
  first = g->sample == NULL;
  if (first)
    g->sample = gst_sample_new (GST_PAD_PROBE_INFO_BUFFER (info), caps, NULL, NULL);
  g_mutex_unlock (&g->lock);
  /* the main context takes the probe off (a probe that removed itself could not be told apart
   * from one still on) */
  if (first)
    g_main_context_invoke_full (g->context, G_PRIORITY_DEFAULT, on_grabbed, grab_ref (g),
                                grab_unref);
  return GST_PAD_PROBE_OK;
}

static gboolean
on_timeout (gpointer data)
{
  RdRoomGrab *g = data;
  g_autoptr (GError) error = NULL;

  stop_waiting (g);
  g_mutex_lock (&g->lock);
  g_clear_pointer (&g->sample, gst_sample_unref);
  g_mutex_unlock (&g->lock);
  error = g_error_new (RD_MEDIA_ERROR, RD_MEDIA_ERROR_NO_PICTURE, "the %s gave no picture in %d s",
                       g->source == RD_ROOM_PREVIEW_CAMERA ? "camera" : "display's picture",
                       WAIT_MS / 1000);
  answer (g, NULL, error);
  return G_SOURCE_REMOVE;
}

void
rd_room_preview_async (RdRoom *room, RdRoomPreview source, GCancellable *cancellable,
                       GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  RdRoomGrab *g;

  g_return_if_fail (RD_IS_ROOM (room));
  g_return_if_fail (source == RD_ROOM_PREVIEW_CAMERA || source == RD_ROOM_PREVIEW_COMPOSITE);
  task = g_task_new (room, cancellable, callback, user_data);
  g_task_set_source_tag (task, rd_room_preview_async);
  g = room->grabs[source];
  if (g->jpeg && g_get_monotonic_time () - g->jpeg_us < REUSE_US)
    {
      g_task_return_pointer (task, g_bytes_ref (g->jpeg), (GDestroyNotify)g_bytes_unref);
      return;
    }
  g_ptr_array_add (g->waiting, g_steal_pointer (&task));
  if (g->encoding || g->probe)
    return; /* a picture is on its way */
  /* one a probe taken off too late may have left */
  g_mutex_lock (&g->lock);
  g_clear_pointer (&g->sample, gst_sample_unref);
  g_mutex_unlock (&g->lock);
  g->probe =
      gst_pad_add_probe (g->pad, GST_PAD_PROBE_TYPE_BUFFER, grab_probe, grab_ref (g), grab_unref);
  g->timeout = g_timeout_source_new (WAIT_MS);
  g_source_set_callback (g->timeout, on_timeout, g, NULL);
  g_source_attach (g->timeout, room->context);
}

GBytes *
rd_room_preview_finish (RdRoom *room, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, room), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
rd_room_preview_init (RdRoom *room, GstElement *rawtee)
{
  GstElement *tees[] = { rawtee, room->outtee };

  for (guint i = 0; i < G_N_ELEMENTS (tees); i++)
    {
      RdRoomGrab *g = g_atomic_rc_box_new0 (RdRoomGrab);

      g->source = i;
      g->room = room;
      g->context = g_main_context_ref (room->context);
      g->pad = gst_element_get_static_pad (tees[i], "sink");
      g_mutex_init (&g->lock);
      g->waiting = g_ptr_array_new_with_free_func (g_object_unref);
      room->grabs[i] = g;
    }
}

void
rd_room_preview_dispose (RdRoom *room)
{
  g_autoptr (GError) error =
      g_error_new_literal (RD_MEDIA_ERROR, RD_MEDIA_ERROR_PIPELINE, "the room has stopped");

  for (guint i = 0; i < G_N_ELEMENTS (room->grabs); i++)
    {
      RdRoomGrab *g = g_steal_pointer (&room->grabs[i]);

      if (!g)
        continue;
      stop_waiting (g);
      answer (g, NULL, error);
      g->room = NULL;
      grab_unref (g);
    }
}
