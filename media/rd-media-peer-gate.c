/* rd-media-peer-gate.c: RdPeerGate, the buffer probe that keeps a peer's media out of the room
 * and the room's media away from the peer until the far end is verified. See
 * rd-media-peer-private.h. */
#include "media/rd-media-peer-private.h"

/* Streaming thread: the sequence numbers an RTP packet let through shows missing (packets that
 * come after the jitter buffer and its retransmissions: lost for good). */
static void
count_gaps (RdPeerGate *gate, GstBuffer *buffer)
{
  guint8 header[4];
  guint seq, missing;

  if (gst_buffer_extract (buffer, 0, header, 4) != 4)
    return;
  seq = (guint)header[2] << 8 | header[3];
  if (gate->next_seq)
    {
      missing = (seq - (gate->next_seq - 1)) & 0xffff;
      if (missing >= 0x8000) /* late or repeated: not a gap */
        return;
      __atomic_add_fetch (&gate->gaps, missing, __ATOMIC_RELAXED);
    }
  gate->next_seq = ((seq + 1) & 0xffff) + 1;
}

static GstPadProbeReturn
gate_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  RdPeerGate *gate = user_data;

  g_atomic_int_set (&gate->last_seen, rd_peer_now_s ());

  if (g_atomic_int_get (&gate->open))
    {
      if (gate->rtp && (GST_PAD_PROBE_INFO_TYPE (info) & GST_PAD_PROBE_TYPE_BUFFER))
        count_gaps (gate, GST_PAD_PROBE_INFO_BUFFER (info));
      __atomic_add_fetch (
          &gate->bytes,
          GST_PAD_PROBE_INFO_TYPE (info) & GST_PAD_PROBE_TYPE_BUFFER_LIST
              ? gst_buffer_list_calculate_size (GST_PAD_PROBE_INFO_BUFFER_LIST (info))
              : gst_buffer_get_size (GST_PAD_PROBE_INFO_BUFFER (info)),
          __ATOMIC_RELAXED);
      return GST_PAD_PROBE_OK;
    }
  g_atomic_int_inc (&gate->dropped);
  return GST_PAD_PROBE_DROP;
}

gint
rd_peer_now_s (void)
{
  return (gint)(g_get_monotonic_time () / G_USEC_PER_SEC);
}

RdPeerGate *
rd_peer_gate_new (GstPad *pad)
{
  RdPeerGate *gate = g_new0 (RdPeerGate, 1);

  gate->pad = gst_object_ref (pad);
  gate->probe_id = gst_pad_add_probe (
      pad, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST, gate_probe, gate, NULL);
  return gate;
}

void
rd_peer_gate_set_open (RdPeerGate *gate, gboolean open)
{
  g_atomic_int_set (&gate->open, !!open);
}

void
rd_peer_gate_free (RdPeerGate *gate)
{
  if (!gate)
    return;
  /* The pad's element is in NULL by now: no probe runs any more. */
  if (gate->probe_id)
    gst_pad_remove_probe (gate->pad, gate->probe_id);
  gst_object_unref (gate->pad);
  g_free (gate);
}
