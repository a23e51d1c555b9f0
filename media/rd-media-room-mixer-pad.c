/* rd-media-room-mixer-pad.c: taking a pad out of an audiomixer that is mixing.
 *
 * GStreamer 1.22's audio aggregator lets go of its object lock for every pad it mixes and then
 * walks on through its list of sink pads (gst_audio_aggregator_aggregate() and
 * gst_audio_aggregator_mix_buffer()). A pad released from another thread in that moment is
 * taken out of the list and freed under the mixer's thread, which then mixes freed memory
 * ("invalid unclassed pointer in cast to 'GstAudioMixerPad'", or a crash). GStreamer fixed it
 * in 1.23.1 ("audioaggregator: Make access to the pad list thread-safe while mixing",
 * https://gitlab.freedesktop.org/gstreamer/gstreamer/-/issues/3052); Debian 12 has 1.22.0.
 *
 * So a pad is unlinked and flushed at once (a thread blocked pushing into it returns), and is
 * released only where the mixer cannot be mixing: at once when the task of the mixer's source
 * pad is not running (its stream lock is free, and held until the pad is gone), else by the
 * mixer's own thread as it pushes its next buffer, between two mixes. A live mixer pushes one
 * every few ms; what a stopped one still holds goes with it. Main context, but the probe. */
#include "media/rd-media-room-private.h"

typedef struct
{
  GMutex lock;
  GPtrArray *pads; /* GstPad*, owned: to release */
  gint count;      /* atomic: pads->len, read without the lock for every buffer */
} Pending;

static GQuark
pending_quark (void)
{
  return g_quark_from_static_string ("rd-mixer-pads-to-release");
}

static void
pending_free (gpointer data)
{
  Pending *p = data;

  /* the mixer is being finalized: its dispose released every pad still on it */
  g_ptr_array_unref (p->pads);
  g_mutex_clear (&p->lock);
  g_free (p);
}

/* The mixer's thread, pushing a buffer: not mixing. */
static GstPadProbeReturn
release_pending (GstPad *src, GstPadProbeInfo *info, gpointer user_data)
{
  Pending *p = user_data;
  g_autoptr (GPtrArray) pads = NULL;
  g_autoptr (GstElement) mixer = NULL;

  if (!g_atomic_int_get (&p->count) || !(mixer = gst_pad_get_parent_element (src)))
    return GST_PAD_PROBE_OK;
  g_mutex_lock (&p->lock);
  pads = g_steal_pointer (&p->pads);
  p->pads = g_ptr_array_new_with_free_func (gst_object_unref);
  g_atomic_int_set (&p->count, 0);
  g_mutex_unlock (&p->lock);
  for (guint i = 0; i < pads->len; i++)
    gst_element_release_request_pad (mixer, pads->pdata[i]);
  return GST_PAD_PROBE_OK;
}

void
rd_room_release_mixer_pad (GstElement *mixer, GstPad *pad)
{
  g_autoptr (GstPad) src = gst_element_get_static_pad (mixer, "src");
  g_autoptr (GstPad) peer = gst_pad_get_peer (pad);
  Pending *p;

  if (peer)
    gst_pad_unlink (peer, pad);
  gst_pad_set_active (pad, FALSE);
  if (GST_PAD_STREAM_TRYLOCK (src))
    {
      gst_element_release_request_pad (mixer, pad);
      GST_PAD_STREAM_UNLOCK (src);
      gst_object_unref (pad);
      return;
    }
  p = g_object_get_qdata (G_OBJECT (mixer), pending_quark ());
  if (!p)
    {
      p = g_new0 (Pending, 1);
      g_mutex_init (&p->lock);
      p->pads = g_ptr_array_new_with_free_func (gst_object_unref);
      g_object_set_qdata_full (G_OBJECT (mixer), pending_quark (), p, pending_free);
      gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
                         release_pending, p, NULL);
    }
  g_mutex_lock (&p->lock);
  g_ptr_array_add (p->pads, pad);
  g_atomic_int_set (&p->count, p->pads->len);
  g_mutex_unlock (&p->lock);
  GST_DEBUG ("mix: %s:%s released once %s is between two mixes", GST_DEBUG_PAD_NAME (pad),
             GST_ELEMENT_NAME (mixer));
}
