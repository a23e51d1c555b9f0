/* rd-media-peer-hold.c: RdPeerHold, what a party sent before its lip-sync was known, held for
 * the recorder. See rd-media-peer-private.h.
 *
 *   tee (after the depayloader) -> queue (blocked until released) -> tee (the recorder's)
 *
 * While held, each frame going into the queue is stamped (a GstReferenceTimestampMeta) with the
 * ts-offset its rtpjitterbuffer applied to it; on release every stamped frame leaving the queue
 * gets the offset the jitterbuffer has then instead (GStreamer's rtpbin sets that offset from
 * the RTCP SRs, RFC 3550 6.4.1: one NTP time for every stream of the sender), so what was held
 * is in sync with what follows. Frames going in after the release pass untouched. */
#include "media/rd-media-peer-private.h"

/* What a held stream keeps at most, by bytes: the lip-sync wait is at most 2 s; this is about
 * 13 s of a 2.5 Mbit/s video. When full, the oldest frames go. */
#define HOLD_MAX_BYTES (4 * 1024 * 1024)

struct _RdPeerHold
{
  GstElement *queue;
  GstElement *jitterbuffer; /* rtpbin's jitterbuffer of the stream, or NULL: no correction */
  GstPad *src;              /* the queue's src pad */
  gulong block_id;          /* the block on @src until released; 0 after */
  gint released;            /* atomic: frames going in are no longer stamped */
  gint64 final_offset;      /* the ts-offset at the release (written before the block goes) */
  GMutex lock;
  GCond cond;
  gboolean eos_out; /* under @lock: an EOS left the queue */
};

static GstCaps *
stamp_caps (void)
{
  static GstCaps *caps;

  if (g_once_init_enter (&caps))
    {
      GstCaps *made = gst_caps_new_empty_simple ("timestamp/x-receptiond-ts-offset");
      GST_MINI_OBJECT_FLAG_SET (made, GST_MINI_OBJECT_FLAG_MAY_BE_LEAKED);
      g_once_init_leave (&caps, made);
    }
  return caps;
}

static gint64
current_offset (RdPeerHold *hold)
{
  gint64 offset = 0;

  if (hold->jitterbuffer)
    g_object_get (hold->jitterbuffer, "ts-offset", &offset, NULL);
  return offset;
}

/* The queue's streaming threads: a frame going in while held carries the offset it has. */
static gboolean
stamp_one (GstBuffer **buf, guint idx, gpointer offset)
{
  *buf = gst_buffer_make_writable (*buf);
  gst_buffer_add_reference_timestamp_meta (*buf, stamp_caps (), (GstClockTime) * (gint64 *)offset,
                                           GST_CLOCK_TIME_NONE);
  return TRUE;
}

static GstPadProbeReturn
on_in (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  RdPeerHold *hold = user_data;
  gint64 offset;

  if (g_atomic_int_get (&hold->released))
    return GST_PAD_PROBE_OK;
  offset = current_offset (hold);
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER)
    {
      GstBuffer *buf = gst_pad_probe_info_get_buffer (info);
      stamp_one (&buf, 0, &offset);
      GST_PAD_PROBE_INFO_DATA (info) = buf;
    }
  else if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST)
    {
      GstBufferList *list =
          gst_buffer_list_make_writable (gst_pad_probe_info_get_buffer_list (info));
      gst_buffer_list_foreach (list, stamp_one, &offset);
      GST_PAD_PROBE_INFO_DATA (info) = list;
    }
  return GST_PAD_PROBE_OK;
}

static GstClockTime
shifted (GstClockTime t, gint64 by)
{
  if (!GST_CLOCK_TIME_IS_VALID (t))
    return t;
  return by < 0 && (guint64)-by > t ? 0 : t + by;
}

/* A held frame leaving: the offset it had is replaced by the one at the release. */
static gboolean
correct_one (GstBuffer **buf, guint idx, gpointer user_data)
{
  RdPeerHold *hold = user_data;
  GstReferenceTimestampMeta *meta = gst_buffer_get_reference_timestamp_meta (*buf, stamp_caps ());
  gint64 by;

  if (!meta)
    return TRUE;
  by = hold->final_offset - (gint64)meta->timestamp;
  *buf = gst_buffer_make_writable (*buf);
  meta = gst_buffer_get_reference_timestamp_meta (*buf, stamp_caps ());
  gst_buffer_remove_meta (*buf, (GstMeta *)meta);
  GST_BUFFER_PTS (*buf) = shifted (GST_BUFFER_PTS (*buf), by);
  GST_BUFFER_DTS (*buf) = shifted (GST_BUFFER_DTS (*buf), by);
  return TRUE;
}

static GstPadProbeReturn
on_out (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  RdPeerHold *hold = user_data;

  if (info->type & GST_PAD_PROBE_TYPE_BUFFER)
    {
      GstBuffer *buf = gst_pad_probe_info_get_buffer (info);
      correct_one (&buf, 0, hold);
      GST_PAD_PROBE_INFO_DATA (info) = buf;
    }
  else if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST)
    {
      GstBufferList *list = gst_pad_probe_info_get_buffer_list (info);
      if (gst_buffer_list_length (list) > 0)
        {
          list = gst_buffer_list_make_writable (list);
          gst_buffer_list_foreach (list, correct_one, hold);
          GST_PAD_PROBE_INFO_DATA (info) = list;
        }
    }
  else if (info->type & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM &&
           GST_EVENT_TYPE (gst_pad_probe_info_get_event (info)) == GST_EVENT_EOS)
    {
      g_mutex_lock (&hold->lock);
      hold->eos_out = TRUE;
      g_cond_broadcast (&hold->cond);
      g_mutex_unlock (&hold->lock);
    }
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
on_blocked (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  return GST_PAD_PROBE_OK; /* stays blocked until the probe is removed */
}

RdPeerHold *
rd_peer_hold_new (GstBin *bin, GstElement *tee, GstElement *jitterbuffer, GstElement **out)
{
  GstElement *queue = gst_element_factory_make ("queue", NULL);
  GstElement *rec_tee = gst_element_factory_make ("tee", NULL);
  RdPeerHold *hold;
  g_autoptr (GstPad) sink = NULL;

  if (!queue || !rec_tee)
    {
      g_clear_pointer (&queue, gst_object_unref);
      g_clear_pointer (&rec_tee, gst_object_unref);
      return NULL;
    }
  hold = g_new0 (RdPeerHold, 1);
  g_mutex_init (&hold->lock);
  g_cond_init (&hold->cond);
  hold->queue = queue;
  hold->jitterbuffer = jitterbuffer ? gst_object_ref (jitterbuffer) : NULL;
  g_object_set (queue, "max-size-time", (guint64)0, "max-size-buffers", 0, "max-size-bytes",
                HOLD_MAX_BYTES, "leaky", 2, NULL);
  g_object_set (rec_tee, "allow-not-linked", TRUE, NULL);
  gst_bin_add_many (bin, queue, rec_tee, NULL);
  gst_element_link_many (tee, queue, rec_tee, NULL);
  sink = gst_element_get_static_pad (queue, "sink");
  hold->src = gst_element_get_static_pad (queue, "src");
  gst_pad_add_probe (sink, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST, on_in, hold,
                     NULL);
  hold->block_id =
      gst_pad_add_probe (hold->src, GST_PAD_PROBE_TYPE_BLOCK_DOWNSTREAM, on_blocked, NULL, NULL);
  gst_pad_add_probe (hold->src,
                     GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST |
                         GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
                     on_out, hold, NULL);
  gst_element_sync_state_with_parent (queue);
  gst_element_sync_state_with_parent (rec_tee);
  *out = rec_tee;
  return hold;
}

void
rd_peer_hold_release (RdPeerHold *hold)
{
  if (!hold || !hold->block_id)
    return;
  hold->final_offset = current_offset (hold);
  g_atomic_int_set (&hold->released, TRUE);
  gst_pad_remove_probe (hold->src, hold->block_id);
  hold->block_id = 0;
  GST_DEBUG ("held frames released, at ts-offset %" G_GINT64_FORMAT " ns", hold->final_offset);
}

gboolean
rd_peer_hold_drain (RdPeerHold *hold, gint64 timeout_us)
{
  g_autoptr (GstPad) sink = NULL;
  gint64 until = g_get_monotonic_time () + timeout_us;
  gboolean out;

  if (!hold)
    return TRUE;
  rd_peer_hold_release (hold);
  sink = gst_element_get_static_pad (hold->queue, "sink");
  if (!gst_pad_send_event (sink, gst_event_new_eos ()))
    return TRUE; /* EOS already, or flushing: nothing will come out */
  g_mutex_lock (&hold->lock);
  while (!hold->eos_out)
    if (!g_cond_wait_until (&hold->cond, &hold->lock, until))
      break;
  out = hold->eos_out;
  g_mutex_unlock (&hold->lock);
  return out;
}

void
rd_peer_hold_free (RdPeerHold *hold)
{
  if (!hold)
    return;
  /* the queue is in NULL by now: no probe runs any more */
  g_clear_object (&hold->src);
  g_clear_object (&hold->jitterbuffer);
  g_mutex_clear (&hold->lock);
  g_cond_clear (&hold->cond);
  g_free (hold);
}
