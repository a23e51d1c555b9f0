/* rd-media-peer-verify.c: RdPeer's gates and the DTLS fingerprint check (webrtcbin 1.22 does
 * not compare the remote certificate with the offer's a=fingerprint; RFC 8842 5.1 says to).
 *
 * A gate is a pad probe that drops buffers (events pass) until it is opened. Every pad that
 * carries a peer's media into the room (webrtcbin's src pads) or the room's media to the peer
 * (the queues after the room's tees) has one; they open only once the remote certificate has
 * matched the fingerprint, so an impostor neither shows nor hears the room. */
#include "media/rd-media-peer-private.h"

#include <string.h>

static GstPadProbeReturn
gate_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  RdPeerGate *gate = user_data;

  g_atomic_int_set (&gate->last_seen, rd_peer_now_s ());

  if (g_atomic_int_get (&gate->open))
    return GST_PAD_PROBE_OK;
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

gboolean
rd_peer_fingerprint_matches (const char *expected, const char *pem, char **actual)
{
  g_autofree char *got = rd_media_dtls_fingerprint_of_pem (pem);
  const char *hex;

  *actual = got ? g_strdup_printf ("sha-256 %s", got) : NULL;
  if (!got || !expected || !g_str_has_prefix (expected, "sha-256 "))
    return FALSE;
  hex = expected + strlen ("sha-256 ");
  return g_ascii_strcasecmp (hex, got) == 0;
}

/* --- liveness of the transport --- */

static GstPadProbeReturn
transport_input (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  RdPeer *peer = user_data;

  g_atomic_int_set (&peer->transport_last_seen, rd_peer_now_s ());
  return GST_PAD_PROBE_OK;
}

void
rd_peer_watch_transport_input (RdPeer *peer)
{
  g_autoptr (GstIterator) it = NULL;
  GValue item = G_VALUE_INIT;

  if (!peer->webrtc)
    return;
  it = gst_bin_iterate_recurse (GST_BIN (peer->webrtc));
  while (gst_iterator_next (it, &item) == GST_ITERATOR_OK)
    {
      GstElement *e = g_value_get_object (&item);
      GstElementFactory *f = gst_element_get_factory (e);
      g_autoptr (GstPad) src = NULL;

      g_value_reset (&item);
      if (!f || g_strcmp0 (GST_OBJECT_NAME (f), "nicesrc") != 0)
        continue;
      src = gst_element_get_static_pad (e, "src");
      if (!src || g_ptr_array_find (peer->transport_probes, src, NULL))
        continue;
      /* the probe's data is the peer: the pad lives in the peer's bin, which goes (in NULL)
       * before the peer is finalized */
      gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
                         transport_input, peer, NULL);
      g_ptr_array_add (peer->transport_probes, g_steal_pointer (&src));
    }
  g_value_unset (&item);
}

void
rd_peer_lost (RdPeer *peer, RdPeerState state, const char *reason)
{
  if (!peer->offerer)
    {
      if (state == RD_PEER_STATE_FAILED)
        rd_peer_set_state (peer, state);
      rd_peer_close (peer, reason);
      return;
    }
  GST_INFO ("peer %s (offerer): %s; staying open for its owner", peer->id, reason);
  rd_peer_set_state (peer, state);
}
