/* rd-media-peer-recv.c: what a peer receives: webrtcbin's pad-added builds the depayloader,
 * the recorder's tee and the decoder on the streaming thread (data already flows), behind a
 * closed gate; linking to the room's compositor/mixer and "stream-added" happen on the main
 * context. See rd-media-peer.h. */
#include "media/rd-media-peer-private.h"

#include <gst/webrtc/webrtc.h>

static gboolean
have_element (const char *name)
{
  g_autoptr (GstElementFactory) f = gst_element_factory_find (name);
  return f != NULL;
}

static void
link_recv_on_main (RdPeer *peer, gpointer data)
{
  RecvStream *r = data;

  r->room_pad = r->video ? rd_room_link_remote_video (peer->room, r->ghost)
                         : rd_room_link_remote_audio (peer->room, r->ghost);
  GST_DEBUG ("peer %s: remote %s linked to the room", peer->id, r->video ? "video" : "audio");
  rd_peer_gate_set_open (r->gate, r->room_pad && peer->verified);
  g_signal_emit_by_name (peer, "stream-added", r->tee, r->video, r->codec);
}

void
rd_peer_foreach_stream (RdPeer *peer, RdPeerStreamFunc func, gpointer user_data)
{
  g_autoptr (GPtrArray) linked = g_ptr_array_new ();

  g_return_if_fail (RD_IS_PEER (peer));
  /* only streams already announced by "stream-added" (linked on the main context) */
  g_mutex_lock (&peer->lock);
  for (guint i = 0; i < peer->recv->len; i++)
    if (((RecvStream *)peer->recv->pdata[i])->room_pad)
      g_ptr_array_add (linked, peer->recv->pdata[i]);
  g_mutex_unlock (&peer->lock);
  for (guint i = 0; i < linked->len; i++)
    {
      RecvStream *r = linked->pdata[i];
      func (peer, r->tee, r->video, r->codec, user_data);
    }
}

void
rd_peer_on_pad_added (GstElement *webrtc, GstPad *pad, gpointer user_data)
{
  Handle *h = user_data;
  g_autoptr (RdPeer) peer = g_weak_ref_get (&h->peer);
  g_autoptr (GstCaps) caps = NULL;
  const char *encoding;
  const char *names[7] = { NULL };
  GstElement *prev = NULL, *first = NULL, *tee = NULL, *made[7];
  int n_made = 0;
  RecvStream *r;
  g_autoptr (GstPad) src = NULL;

  if (!peer || GST_PAD_DIRECTION (pad) != GST_PAD_SRC)
    return;
  caps = gst_pad_get_current_caps (pad);
  encoding =
      caps ? gst_structure_get_string (gst_caps_get_structure (caps, 0), "encoding-name") : NULL;
  /* depayloader ! tee (encoded frames, for the recorder) ! decoder ... */
  if (g_strcmp0 (encoding, "VP8") == 0)
    names[0] = "rtpvp8depay", names[1] = "tee", names[2] = "vp8dec";
  else if (g_strcmp0 (encoding, "H264") == 0)
    names[0] = "rtph264depay", names[1] = "tee", names[2] = "h264parse",
    names[3] = have_element ("openh264dec") ? "openh264dec" : "avdec_h264";
  else if (g_strcmp0 (encoding, "OPUS") == 0)
    names[0] = "rtpopusdepay", names[1] = "tee", names[2] = "opusdec", names[3] = "audioconvert",
    names[4] = "audioresample";
  else
    {
      GST_WARNING ("peer %s: a stream in %s, not received", peer->id, encoding);
      return;
    }
  for (int i = 0; names[i]; i++)
    {
      GstElement *e = gst_element_factory_make (names[i], NULL);
      if (!e)
        return;
      gst_bin_add (GST_BIN (peer->bin), e);
      made[n_made++] = e;
      if (g_str_has_prefix (names[i], "rtpvp8") || g_str_has_prefix (names[i], "rtph264"))
        g_object_set (e, "request-keyframe", TRUE, "wait-for-keyframe", TRUE, NULL);
      if (g_str_equal (names[i], "tee"))
        g_object_set (tee = e, "allow-not-linked", TRUE, NULL);
      if (prev)
        gst_element_link (prev, e);
      else
        first = e;
      prev = e;
    }
  r = g_new0 (RecvStream, 1);
  r->video = g_strcmp0 (encoding, "OPUS") != 0;
  r->codec = g_strcmp0 (encoding, "VP8") == 0 ? "VP8" : r->video ? "H264" : "OPUS";
  r->tee = tee;
  src = gst_element_get_static_pad (prev, "src");
  r->ghost = gst_object_ref (gst_ghost_pad_new (NULL, src));
  gst_pad_set_active (r->ghost, TRUE);
  gst_element_add_pad (peer->bin, r->ghost);
  r->gate = rd_peer_gate_new (pad);
  {
    g_autoptr (GstPad) sink = gst_element_get_static_pad (first, "sink");
    gst_pad_link (pad, sink);
  }
  for (int i = 0; i < n_made; i++)
    gst_element_sync_state_with_parent (made[i]);
  GST_DEBUG ("peer %s: receiving %s on %s", peer->id, encoding, GST_PAD_NAME (pad));
  g_mutex_lock (&peer->lock);
  g_ptr_array_add (peer->recv, r);
  g_mutex_unlock (&peer->lock);
  rd_peer_run_on_main (h, link_recv_on_main, r, NULL);
}
