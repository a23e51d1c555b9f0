/* rd-media-peer.c: RdPeer, one remote party's webrtcbin in the room. See rd-media-peer.h.
 *
 * A peer is a bin "peer-<id>" in the room's pipeline holding webrtcbin, a queue and payloader
 * per stream it sends (fed from the room's encoded tees) and a depayloader and decoder per
 * stream it receives (ghosted out and linked to the room's compositor and mixer). Payloading is
 * per peer because each offer picks its own payload types.
 *
 * Threads: webrtcbin calls back (promises, notify::, pad-added) on its own threads. Those
 * handlers hold a RdPeerHandle (a weak reference to the peer) and forward to the room's main
 * context with run_on_main(); everything else, and every signal emission, happens there. pad-added
 * is the exception that builds the receive chain at once on the streaming thread (data is already
 * flowing), behind a closed gate; linking it to the room happens on the main context. */
#include "media/rd-media-peer-private.h"
#include "media/rd-media-error.h"

#include <gst/webrtc/webrtc.h>
#include <string.h>

enum
{
  SIGNAL_STATE_CHANGED,
  SIGNAL_VERIFIED,
  SIGNAL_SECURITY_VIOLATION,
  SIGNAL_CLOSED,
  SIGNAL_STREAM_ADDED,
  SIGNAL_LOCAL_CANDIDATE,
  SIGNAL_GATHERING_DONE,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

G_DEFINE_TYPE (RdPeer, rd_peer, G_TYPE_OBJECT)

static void teardown (RdPeer *peer);

const char *
rd_peer_state_to_string (RdPeerState state)
{
  static const char *const names[] = { "new",          "connecting", "connected",
                                       "disconnected", "failed",     "closed" };

  return (guint)state < G_N_ELEMENTS (names) ? names[state] : "?";
}

void
rd_peer_stats_clear (RdPeerStats *stats)
{
  g_clear_pointer (&stats->selected_pair_type, g_free);
}

/* --- GObject --- */

static void
rd_peer_dispose (GObject *object)
{
  RdPeer *peer = RD_PEER (object);

  teardown (peer);
  G_OBJECT_CLASS (rd_peer_parent_class)->dispose (object);
}

static void
rd_peer_finalize (GObject *object)
{
  RdPeer *peer = RD_PEER (object);

  g_clear_pointer (&peer->offer, rd_offer_free);
  g_clear_pointer (&peer->local_sdp, gst_sdp_message_free);
  g_free (peer->local_ufrag);
  g_free (peer->local_pwd);
  g_clear_pointer (&peer->transport_probes, g_ptr_array_unref);
  rd_peer_stats_clear (&peer->stats);
  g_free (peer->remote_fingerprint);
  g_free (peer->remote_ufrag);
  g_free (peer->id);
  g_clear_pointer (&peer->send, g_ptr_array_unref);
  g_clear_pointer (&peer->recv, g_ptr_array_unref);
  g_clear_pointer (&peer->transports, g_ptr_array_unref);
  g_clear_pointer (&peer->transport_ids, g_array_unref);
  g_clear_pointer (&peer->synced_ssrcs, g_array_unref);
  g_clear_pointer (&peer->handle, rd_peer_handle_unref);
  g_clear_object (&peer->room);
  g_clear_pointer (&peer->config, rd_config_unref);
  g_clear_pointer (&peer->context, g_main_context_unref);
  g_mutex_clear (&peer->lock);
  g_cond_clear (&peer->cond);
  G_OBJECT_CLASS (rd_peer_parent_class)->finalize (object);
}

static void
rd_peer_class_init (RdPeerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GType type = G_TYPE_FROM_CLASS (klass);

  object_class->dispose = rd_peer_dispose;
  object_class->finalize = rd_peer_finalize;
  signals[SIGNAL_STATE_CHANGED] = g_signal_new ("state-changed", type, G_SIGNAL_RUN_LAST, 0, NULL,
                                                NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT);
  signals[SIGNAL_VERIFIED] = g_signal_new ("verified", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                           G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[SIGNAL_SECURITY_VIOLATION] =
      g_signal_new ("security-violation", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE,
                    1, G_TYPE_STRING);
  signals[SIGNAL_CLOSED] = g_signal_new ("closed", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                         G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[SIGNAL_STREAM_ADDED] =
      g_signal_new ("stream-added", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 3,
                    GST_TYPE_ELEMENT, G_TYPE_BOOLEAN, G_TYPE_STRING);
  /* as the offerer: rd-media-peer-offer.h */
  signals[SIGNAL_LOCAL_CANDIDATE] =
      g_signal_new ("local-candidate", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                    G_TYPE_STRING, G_TYPE_STRING);
  signals[SIGNAL_GATHERING_DONE] =
      g_signal_new ("gathering-done", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
send_stream_free (gpointer data)
{
  RdPeerSendStream *s = data;

  rd_peer_gate_free (s->gate);
  g_clear_object (&s->tee_pad);
  g_clear_object (&s->queue_sink);
  g_free (s);
}

static void
recv_stream_free (gpointer data)
{
  RdPeerRecvStream *r = data;

  rd_peer_gate_free (r->gate);
  g_clear_object (&r->ghost);
  g_free (r);
}

static void
rd_peer_init (RdPeer *peer)
{
  g_mutex_init (&peer->lock);
  g_cond_init (&peer->cond);
  peer->send = g_ptr_array_new_with_free_func (send_stream_free);
  peer->recv = g_ptr_array_new_with_free_func (recv_stream_free);
  peer->transports = g_ptr_array_new_with_free_func (gst_object_unref);
  peer->transport_ids = g_array_new (FALSE, FALSE, sizeof (gulong));
  peer->transport_probes = g_ptr_array_new_with_free_func (gst_object_unref);
  peer->synced_ssrcs = g_array_new (FALSE, FALSE, sizeof (guint32));
  rd_peer_stats_init (peer);
}

void
rd_peer_set_state (RdPeer *peer, RdPeerState state)
{
  if (peer->state == state)
    return;
  GST_INFO ("peer %s: %s -> %s", peer->id, rd_peer_state_to_string (peer->state),
            rd_peer_state_to_string (state));
  peer->state = state;
  g_signal_emit (peer, signals[SIGNAL_STATE_CHANGED], 0, (int)state);
}

/* --- verification --- */

static void
open_gates (RdPeer *peer)
{
  g_mutex_lock (&peer->lock);
  for (guint i = 0; i < peer->send->len; i++)
    rd_peer_gate_set_open (((RdPeerSendStream *)peer->send->pdata[i])->gate, TRUE);
  for (guint i = 0; i < peer->recv->len; i++)
    {
      RdPeerRecvStream *r = peer->recv->pdata[i];
      rd_peer_gate_set_open (r->gate, r->room_pad != NULL);
      /* a keyframe from the party: an upstream event sent into webrtcbin's src pad (pushing it
       * from the src pad is the wrong direction: GStreamer warns and drops it) */
      if (r->video)
        gst_pad_send_event (
            r->gate->pad, gst_event_new_custom (GST_EVENT_CUSTOM_UPSTREAM,
                                                gst_structure_new ("GstForceKeyUnit", "all-headers",
                                                                   G_TYPE_BOOLEAN, TRUE, NULL)));
    }
  g_mutex_unlock (&peer->lock);
}

/* Every few seconds once verified: is anything still arriving from the party? */
static gboolean
check_liveness (gpointer data)
{
  RdPeer *peer = data;
  gint newest = MAX (peer->verified_at, g_atomic_int_get (&peer->transport_last_seen));
  gint timeout_s = LIVENESS_TIMEOUT_S;

  g_mutex_lock (&peer->lock);
  for (guint i = 0; i < peer->recv->len; i++)
    {
      RdPeerRecvStream *rs = peer->recv->pdata[i];
      newest = MAX (newest, g_atomic_int_get (&rs->gate->last_seen));
    }
  g_mutex_unlock (&peer->lock);
  if (peer->offerer)
    timeout_s =
        peer->offer_kind == RD_PEER_OFFER_PLAY ? OFFERER_PLAY_SILENCE_S : OFFERER_PUBLISH_SILENCE_S;
  if (rd_peer_now_s () - newest < timeout_s)
    {
      /* an offerer that was lost and hears the far end again (an ICE restart worked) */
      if (peer->offerer && peer->state == RD_PEER_STATE_DISCONNECTED)
        rd_peer_set_state (peer, RD_PEER_STATE_CONNECTED);
      return G_SOURCE_CONTINUE;
    }
  GST_INFO ("peer %s: nothing received for %d s", peer->id, timeout_s);
  if (peer->offerer)
    {
      rd_peer_lost (peer, RD_PEER_STATE_DISCONNECTED, "lost");
      return G_SOURCE_CONTINUE; /* the owner decides; we keep watching */
    }
  peer->liveness_id = 0;
  rd_peer_close (peer, "lost");
  return G_SOURCE_REMOVE;
}

static void
verify_on_main (RdPeer *peer, gpointer data)
{
  const char *pem = data;
  g_autofree char *actual = NULL;

  if (peer->verified)
    return;
  if (!rd_peer_fingerprint_matches (peer->remote_fingerprint, pem, &actual))
    {
      g_autofree char *message = g_strdup_printf (
          "the DTLS certificate of peer %s has the fingerprint %s, but its offer says %s", peer->id,
          actual ? actual : "(none)", peer->remote_fingerprint);
      GST_WARNING ("%s", message);
      g_signal_emit (peer, signals[SIGNAL_SECURITY_VIOLATION], 0, message);
      rd_peer_close (peer, "security violation: DTLS fingerprint mismatch");
      return;
    }
  peer->verified = TRUE;
  peer->verified_at = rd_peer_now_s ();
  g_clear_handle_id (&peer->connect_timeout_id, g_source_remove);
  rd_peer_watch_transport_input (peer);
  /* Like the connect timeout: on the default context, removed in teardown. */
  peer->liveness_id = g_timeout_add_seconds (2, check_liveness, peer);
  open_gates (peer);
  rd_room_request_keyframe (peer->room);
  rd_peer_set_state (peer, RD_PEER_STATE_CONNECTED);
  g_signal_emit (peer, signals[SIGNAL_VERIFIED], 0, actual);
}

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
      if (!transport || g_ptr_array_find (peer->transports, transport, NULL))
        {
          g_clear_object (&transport);
          continue;
        }
      id = g_signal_connect_data (transport, "notify::state", G_CALLBACK (on_dtls_state),
                                  rd_peer_handle_ref (peer->handle), rd_peer_handle_closure_unref,
                                  0);
      g_ptr_array_add (peer->transports, transport);
      g_array_append_val (peer->transport_ids, id);
      on_dtls_state (G_OBJECT (transport), NULL, peer->handle);
    }
}

/* --- connection state --- */

static void
connection_state_on_main (RdPeer *peer, gpointer data)
{
  GstWebRTCPeerConnectionState state = GPOINTER_TO_INT (data);

  GST_DEBUG ("peer %s: webrtcbin connection state %d", peer->id, state);
  switch (state)
    {
    case GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTED:
      if (peer->verified)
        rd_peer_set_state (peer, RD_PEER_STATE_CONNECTED);
      break;
    case GST_WEBRTC_PEER_CONNECTION_STATE_DISCONNECTED:
      rd_peer_set_state (peer, RD_PEER_STATE_DISCONNECTED);
      break;
    case GST_WEBRTC_PEER_CONNECTION_STATE_FAILED:
      rd_peer_lost (peer, RD_PEER_STATE_FAILED, "connection failed (ICE or DTLS)");
      break;
    case GST_WEBRTC_PEER_CONNECTION_STATE_CLOSED:
      rd_peer_close (peer, "connection closed");
      break;
    default:
      break;
    }
}

static void
on_connection_state (GObject *webrtc, GParamSpec *pspec, gpointer user_data)
{
  GstWebRTCPeerConnectionState state;

  g_object_get (webrtc, "connection-state", &state, NULL);
  rd_peer_run_on_main (user_data, connection_state_on_main, GINT_TO_POINTER (state), NULL);
}

/* --- bus messages from inside the peer --- */

static void
on_peer_message (GstMessage *message, gpointer user_data)
{
  RdPeer *peer = user_data;
  g_autoptr (GError) err = NULL;
  g_autofree char *reason = NULL;

  if (GST_MESSAGE_TYPE (message) != GST_MESSAGE_ERROR || peer->closed)
    return;
  gst_message_parse_error (message, &err, NULL);
  reason = g_strdup_printf ("error in %s: %s", GST_MESSAGE_SRC_NAME (message), err->message);
  rd_peer_set_state (peer, RD_PEER_STATE_FAILED);
  rd_peer_close (peer, reason);
}

/* --- construction --- */

/* UPnP off on libnice's agent under webrtcbin's @ice_agent (GstWebRTCNice, 1.20+, exposes it as
 * "agent"). Otherwise each peer's gathering starts a UPnP-IGD client: a GUPnP context, SSDP
 * multicast on every network, a listening port of its own (in a namespace two of those can
 * collide, and GUPnP warns). receptiond's ICE addresses come from the configuration; it never
 * asks a router to open ports. */
static void
ice_agent_no_upnp (GObject *ice_agent)
{
  g_autoptr (GObject) nice = NULL;

  if (!ice_agent || !g_object_class_find_property (G_OBJECT_GET_CLASS (ice_agent), "agent"))
    return;
  g_object_get (ice_agent, "agent", &nice, NULL);
  if (nice && g_object_class_find_property (G_OBJECT_GET_CLASS (nice), "upnp"))
    g_object_set (nice, "upnp", FALSE, NULL);
}

void
rd_peer_prepare (void)
{
  rd_media_dtls_prewarm ();
}

void
rd_peer_prepare_wait (void)
{
  rd_media_dtls_prewarm_wait ();
}

RdPeer *
rd_peer_new (RdRoom *room, RdConfig *config, const char *peer_id, GError **error)
{
  g_autoptr (RdPeer) peer = NULL;
  GObject *agent = NULL;
  const char *const *addresses;
  g_autofree char *name = NULL;

  g_return_val_if_fail (RD_IS_ROOM (room) && config && peer_id, NULL);
  rd_media_dtls_prewarm (); /* no-op after the first call: rd_peer_prepare() did it */
  peer = g_object_new (RD_TYPE_PEER, NULL);
  peer->room = g_object_ref (room);
  peer->config = rd_config_ref (config);
  peer->id = g_strdup (peer_id);
  peer->context = g_main_context_ref (rd_room_get_context (room));
  peer->handle = g_new0 (RdPeerHandle, 1);
  g_atomic_ref_count_init (&peer->handle->rc);
  g_weak_ref_init (&peer->handle->peer, peer);

  name = g_strdup_printf ("peer-%s", peer_id);
  peer->bin = gst_bin_new (name);
  peer->webrtc = gst_element_factory_make ("webrtcbin", "webrtc");
  if (!peer->webrtc)
    {
      g_clear_object (&peer->bin);
      g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_INIT, "cannot make webrtcbin");
      return NULL;
    }
  g_object_set (peer->webrtc, "bundle-policy", GST_WEBRTC_BUNDLE_POLICY_MAX_BUNDLE, "latency",
                JITTER_LATENCY_MS, NULL);
  if (rd_config_get_stun_server (config))
    g_object_set (peer->webrtc, "stun-server", rd_config_get_stun_server (config), NULL);
  if (rd_config_get_turn_server (config))
    g_object_set (peer->webrtc, "turn-server", rd_config_get_turn_server (config), NULL);
  g_object_get (peer->webrtc, "ice-agent", &agent, NULL);
  ice_agent_no_upnp (agent);
  addresses = rd_config_get_ice_addresses (config);
  for (int i = 0; addresses && addresses[i]; i++)
    {
      gboolean ok = FALSE;
      g_signal_emit_by_name (agent, "add-local-ip-address", addresses[i], &ok);
      if (!ok)
        {
          g_object_unref (agent);
          gst_object_unref (gst_object_ref_sink (peer->bin));
          peer->bin = NULL;
          g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_PIPELINE,
                       "ICE cannot use the address %s", addresses[i]);
          return NULL;
        }
    }
  g_clear_object (&agent);
  if (rd_config_get_force_relay (config))
    g_object_set (peer->webrtc, "ice-transport-policy", GST_WEBRTC_ICE_TRANSPORT_POLICY_RELAY,
                  NULL);
  rd_peer_recv_setup_sync (peer);
  gst_bin_add (GST_BIN (peer->bin), peer->webrtc);
  peer->webrtc_ids[1] =
      g_signal_connect_data (peer->webrtc, "pad-added", G_CALLBACK (rd_peer_on_pad_added),
                             rd_peer_handle_ref (peer->handle), rd_peer_handle_closure_unref, 0);
  peer->webrtc_ids[2] = g_signal_connect_data (
      peer->webrtc, "notify::connection-state", G_CALLBACK (on_connection_state),
      rd_peer_handle_ref (peer->handle), rd_peer_handle_closure_unref, 0);
  gst_object_ref (peer->bin);
  gst_bin_add (GST_BIN (rd_room_get_pipeline (room)), peer->bin);
  rd_room_watch_bin (room, peer->bin, on_peer_message, peer);
  gst_element_sync_state_with_parent (peer->bin);
  return g_steal_pointer (&peer);
}

const char *
rd_peer_get_id (RdPeer *peer)
{
  g_return_val_if_fail (RD_IS_PEER (peer), NULL);
  return peer->id;
}

RdPeerState
rd_peer_get_state (RdPeer *peer)
{
  g_return_val_if_fail (RD_IS_PEER (peer), RD_PEER_STATE_CLOSED);
  return peer->state;
}

const char *
rd_peer_get_remote_fingerprint (RdPeer *peer)
{
  g_return_val_if_fail (RD_IS_PEER (peer), NULL);
  return peer->remote_fingerprint;
}

/* --- teardown --- */

static GstPadProbeReturn
unlink_when_idle (GstPad *tee_pad, GstPadProbeInfo *info, gpointer user_data)
{
  RdPeer *peer = user_data;

  g_mutex_lock (&peer->lock);
  for (guint i = 0; i < peer->send->len; i++)
    {
      RdPeerSendStream *s = peer->send->pdata[i];
      if (s->tee_pad == tee_pad && !s->unlinked)
        {
          gst_pad_unlink (tee_pad, s->queue_sink);
          s->unlinked = TRUE;
        }
    }
  g_cond_broadcast (&peer->cond);
  g_mutex_unlock (&peer->lock);
  return GST_PAD_PROBE_REMOVE;
}

/* Takes the peer out of the room. No signal. Safe on a half-built peer; idempotent. */
static void
teardown (RdPeer *peer)
{
  gint64 deadline = g_get_monotonic_time () + UNLINK_TIMEOUT_MS * G_TIME_SPAN_MILLISECOND;

  peer->closed = TRUE;
  g_clear_handle_id (&peer->gather_timeout_id, g_source_remove);
  g_clear_handle_id (&peer->connect_timeout_id, g_source_remove);
  g_clear_handle_id (&peer->liveness_id, g_source_remove);
  g_clear_handle_id (&peer->offer_wait_id, g_source_remove);
  g_clear_handle_id (&peer->sync_wait_id, g_source_remove);
  if (!peer->bin)
    return;
  g_mutex_lock (&peer->lock);
  for (guint i = 0; i < peer->send->len; i++)
    rd_peer_gate_set_open (((RdPeerSendStream *)peer->send->pdata[i])->gate, FALSE);
  for (guint i = 0; i < peer->recv->len; i++)
    rd_peer_gate_set_open (((RdPeerRecvStream *)peer->recv->pdata[i])->gate, FALSE);
  g_mutex_unlock (&peer->lock);

  /* 1. the room stops taking this peer's media */
  for (guint i = 0; i < peer->recv->len; i++)
    {
      RdPeerRecvStream *r = peer->recv->pdata[i];
      if (r->room_pad)
        rd_room_release_output (peer->room, r->room_pad);
      r->room_pad = NULL;
    }
  /* 2. the room's tees stop feeding it: unlink each tee pad between two buffers */
  for (guint i = 0; i < peer->send->len; i++)
    gst_pad_add_probe (((RdPeerSendStream *)peer->send->pdata[i])->tee_pad, GST_PAD_PROBE_TYPE_IDLE,
                       unlink_when_idle, peer, NULL);
  g_mutex_lock (&peer->lock);
  for (guint i = 0; i < peer->send->len; i++)
    {
      RdPeerSendStream *s = peer->send->pdata[i];
      while (!s->unlinked)
        if (!g_cond_wait_until (&peer->cond, &peer->lock, deadline))
          {
            GST_WARNING ("peer %s: tee pad not idle in time; unlinking anyway", peer->id);
            gst_pad_unlink (s->tee_pad, s->queue_sink);
            s->unlinked = TRUE;
          }
    }
  g_mutex_unlock (&peer->lock);
  for (guint i = 0; i < peer->send->len; i++)
    {
      RdPeerSendStream *s = peer->send->pdata[i];
      gst_element_release_request_pad (s->tee, s->tee_pad);
    }
  /* 3. stop it and take it out */
  for (guint i = 0; i < peer->transports->len; i++)
    g_signal_handler_disconnect (peer->transports->pdata[i],
                                 g_array_index (peer->transport_ids, gulong, i));
  g_ptr_array_set_size (peer->transports, 0);
  g_array_set_size (peer->transport_ids, 0);
  g_ptr_array_set_size (peer->transport_probes, 0);
  for (gsize i = 0; i < G_N_ELEMENTS (peer->webrtc_ids); i++)
    g_clear_signal_handler (&peer->webrtc_ids[i], peer->webrtc);
  rd_room_unwatch_bin (peer->room, peer->bin);
  rd_peer_ice_release (peer);
  gst_element_set_locked_state (peer->bin, TRUE);
  gst_element_set_state (peer->bin, GST_STATE_NULL);
  gst_bin_remove (GST_BIN (rd_room_get_pipeline (peer->room)), peer->bin);
  g_ptr_array_set_size (peer->send, 0);
  g_mutex_lock (&peer->lock);
  g_ptr_array_set_size (peer->recv, 0);
  g_mutex_unlock (&peer->lock);
  peer->webrtc = NULL;
  g_clear_pointer (&peer->bin, gst_object_unref);
  GST_DEBUG ("peer %s: out of the room", peer->id);
}

void
rd_peer_close (RdPeer *peer, const char *reason)
{
  g_autoptr (RdPeer) hold = NULL;
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (RD_IS_PEER (peer));
  if (peer->closed && !peer->bin)
    return;
  hold = g_object_ref (peer);
  teardown (peer);
  task = g_steal_pointer (&peer->answer_task);
  if (task)
    g_task_return_new_error (task, RD_MEDIA_ERROR, RD_MEDIA_ERROR_PIPELINE,
                             "peer %s closed before its answer was ready: %s", peer->id, reason);
  g_clear_object (&task);
  task = g_steal_pointer (&peer->offer_task);
  if (!task)
    task = g_steal_pointer (&peer->set_answer_task);
  if (task)
    g_task_return_new_error (task, RD_MEDIA_ERROR, RD_MEDIA_ERROR_PIPELINE,
                             "peer %s closed before its offer/answer was done: %s", peer->id,
                             reason);
  if (peer->state != RD_PEER_STATE_FAILED)
    rd_peer_set_state (peer, RD_PEER_STATE_CLOSED);
  GST_INFO ("peer %s closed: %s", peer->id, reason);
  g_signal_emit (peer, signals[SIGNAL_CLOSED], 0, reason);
}
