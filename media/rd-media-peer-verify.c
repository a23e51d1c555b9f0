/* rd-media-peer-verify.c: a peer's verification and liveness. See rd-media-peer-private.h.
 *
 * Verification: webrtcbin 1.22 does not compare the remote certificate with the far end's
 * a=fingerprint (RFC 8842 5.1 says to). Once a DTLS transport is connected (webrtcbin's
 * thread), its remote certificate goes to the main context and its SHA-256 (of the DER bytes)
 * is compared there. A match opens every gate, so that an impostor neither shows nor hears the
 * room; a mismatch emits "security-violation" and closes the peer.
 *
 * Liveness: webrtcbin 1.22 does not run ICE consent freshness (RFC 7675) itself. Once verified,
 * a timer looks every 2 s at when anything last arrived: on a receive gate, or on webrtcbin's
 * nicesrc (RTP, RTCP or DTLS: a viewer or a WHIP server sends only RTCP). Silence longer than
 * the role's silence_timeout_s makes the peer lost; what that means is the role's. */
#include "media/rd-media-peer-private.h"

#include <string.h>

#define CONNECT_TIMEOUT_S 30 /* from the answer to a verified connection */
#define LIVENESS_PERIOD_S 2

/* TRUE when the SHA-256 of @pem's certificate is @expected ("sha-256 AB:..", any case).
 * *@actual gets "sha-256 AB:.." of @pem, or NULL if @pem holds no certificate. */
static gboolean
fingerprint_matches (const char *expected, const char *pem, char **actual)
{
  g_autofree char *got = rd_media_dtls_fingerprint_of_pem (pem);
  const char *hex;

  *actual = got ? g_strdup_printf ("sha-256 %s", got) : NULL;
  if (!got || !expected || !g_str_has_prefix (expected, "sha-256 "))
    return FALSE;
  hex = expected + strlen ("sha-256 ");
  return g_ascii_strcasecmp (hex, got) == 0;
}

void
rd_peer_verify_init (RdPeer *peer)
{
  peer->verify.transports = g_ptr_array_new_with_free_func (gst_object_unref);
  peer->verify.transport_ids = g_array_new (FALSE, FALSE, sizeof (gulong));
  peer->verify.transport_probes = g_ptr_array_new_with_free_func (gst_object_unref);
}

void
rd_peer_verify_clear (RdPeer *peer)
{
  g_clear_pointer (&peer->verify.transports, g_ptr_array_unref);
  g_clear_pointer (&peer->verify.transport_ids, g_array_unref);
  g_clear_pointer (&peer->verify.transport_probes, g_ptr_array_unref);
}

void
rd_peer_verify_stop (RdPeer *peer)
{
  RdPeerVerify *v = &peer->verify;

  g_clear_handle_id (&v->connect_timeout_id, g_source_remove);
  g_clear_handle_id (&v->liveness_id, g_source_remove);
  for (guint i = 0; i < v->transports->len; i++)
    g_signal_handler_disconnect (v->transports->pdata[i],
                                 g_array_index (v->transport_ids, gulong, i));
  g_ptr_array_set_size (v->transports, 0);
  g_array_set_size (v->transport_ids, 0);
  g_ptr_array_set_size (v->transport_probes, 0);
}

/* --- liveness --- */

static GstPadProbeReturn
transport_input (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  RdPeer *peer = user_data;

  g_atomic_int_set (&peer->verify.transport_last_seen, rd_peer_now_s ());
  return GST_PAD_PROBE_OK;
}

/* Probes webrtcbin's nicesrc elements, once each. */
static void
watch_transport_input (RdPeer *peer)
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
      if (!src || g_ptr_array_find (peer->verify.transport_probes, src, NULL))
        continue;
      /* the probe's data is the peer: the pad lives in the peer's bin, which goes (in NULL)
       * before the peer is finalized */
      gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
                         transport_input, peer, NULL);
      g_ptr_array_add (peer->verify.transport_probes, g_steal_pointer (&src));
    }
  g_value_unset (&item);
}

/* Every LIVENESS_PERIOD_S once verified: is anything still arriving from the far end, and does
 * what the peer sends leave it (rd_peer_send_watch)? Keeps running; a role that closes the peer
 * removes it with the teardown. */
static gboolean
check_liveness (gpointer data)
{
  RdPeer *peer = data;
  gint newest =
      MAX (peer->verify.verified_at, g_atomic_int_get (&peer->verify.transport_last_seen));
  gint timeout_s = peer->role->klass->silence_timeout_s (peer);

  newest = MAX (newest, rd_peer_recv_last_seen (peer));
  if (rd_peer_now_s () - newest < timeout_s)
    {
      if (peer->role->klass->heard_again)
        peer->role->klass->heard_again (peer);
      rd_peer_send_watch (peer);
      return G_SOURCE_CONTINUE;
    }
  GST_INFO ("peer %s: nothing received for %d s", peer->id, timeout_s);
  rd_peer_lost (peer, RD_PEER_STATE_DISCONNECTED, "lost");
  return G_SOURCE_CONTINUE;
}

/* --- the connect timeout --- */

static gboolean
connect_timeout (gpointer user_data)
{
  RdPeer *peer = user_data;

  peer->verify.connect_timeout_id = 0;
  rd_peer_lost (peer, RD_PEER_STATE_FAILED,
                "no verified connection within " G_STRINGIFY (CONNECT_TIMEOUT_S) " s");
  return G_SOURCE_REMOVE;
}

void
rd_peer_verify_start_timeout (RdPeer *peer)
{
  /* On the default context, like every timer of the peer; removed in teardown. */
  peer->verify.connect_timeout_id = g_timeout_add_seconds_full (
      G_PRIORITY_DEFAULT, CONNECT_TIMEOUT_S, connect_timeout, peer, NULL);
}

/* --- verification --- */

static void
verify_on_main (RdPeer *peer, gpointer data)
{
  const char *pem = data;
  g_autofree char *actual = NULL;

  if (peer->verify.verified)
    return;
  if (!fingerprint_matches (peer->remote_fingerprint, pem, &actual))
    {
      g_autofree char *message = g_strdup_printf (
          "the DTLS certificate of peer %s has the fingerprint %s, but its offer says %s", peer->id,
          actual ? actual : "(none)", peer->remote_fingerprint);
      GST_WARNING ("%s", message);
      g_signal_emit_by_name (peer, "security-violation", message);
      rd_peer_close (peer, "security violation: DTLS fingerprint mismatch");
      return;
    }
  peer->verify.verified = TRUE;
  peer->verify.verified_at = rd_peer_now_s ();
  g_clear_handle_id (&peer->verify.connect_timeout_id, g_source_remove);
  watch_transport_input (peer);
  peer->verify.liveness_id = g_timeout_add_seconds (LIVENESS_PERIOD_S, check_liveness, peer);
  rd_peer_send_set_open (peer, TRUE);
  rd_peer_recv_open (peer);
  rd_room_request_keyframe (peer->room);
  rd_peer_set_state (peer, RD_PEER_STATE_CONNECTED);
  g_signal_emit_by_name (peer, "verified", actual);
}

/* webrtcbin's thread */
static void
on_dtls_state (GObject *transport, GParamSpec *pspec, gpointer user_data)
{
  GstWebRTCDTLSTransportState state;
  char *pem = NULL;

  g_object_get (transport, "state", &state, NULL);
  if (state != GST_WEBRTC_DTLS_TRANSPORT_STATE_CONNECTED)
    return;
  g_object_get (transport, "remote-certificate", &pem, NULL);
  rd_peer_run_on_main (user_data, verify_on_main, pem, g_free);
}

void
rd_peer_watch_transports (RdPeer *peer)
{
  g_autoptr (GArray) transceivers = NULL;

  g_signal_emit_by_name (peer->webrtc, "get-transceivers", &transceivers);
  for (guint i = 0; transceivers && i < transceivers->len; i++)
    {
      GstWebRTCRTPTransceiver *t = g_array_index (transceivers, GstWebRTCRTPTransceiver *, i);
      GstWebRTCDTLSTransport *transport = NULL;
      gulong id;

      g_autoptr (GObject) sender = NULL;
      g_autoptr (GObject) receiver = NULL;

      g_object_get (t, "sender", &sender, "receiver", &receiver, NULL);
      if (sender)
        g_object_get (sender, "transport", &transport, NULL);
      if (!transport && receiver)
        g_object_get (receiver, "transport", &transport, NULL);
      if (!transport || g_ptr_array_find (peer->verify.transports, transport, NULL))
        {
          g_clear_object (&transport);
          continue;
        }
      id = g_signal_connect_data (transport, "notify::state", G_CALLBACK (on_dtls_state),
                                  rd_peer_handle_ref (peer->handle), rd_peer_handle_closure_unref,
                                  0);
      g_ptr_array_add (peer->verify.transports, transport);
      g_array_append_val (peer->verify.transport_ids, id);
      on_dtls_state (G_OBJECT (transport), NULL, peer->handle);
    }
}
