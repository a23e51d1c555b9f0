/* rd-media-peer.c: RdPeer's transport: the peer's bin "peer-<id>" in the room's pipeline with
 * its webrtcbin, the signals, the state, and teardown. See rd-media-peer.h; the role (answerer
 * or offerer) and the pieces are described in rd-media-peer-private.h.
 *
 * The bin holds webrtcbin, a queue and payloader per stream the peer sends (fed from the room's
 * encoded tees, rd-media-peer-send.c) and a depayloader and decoder per stream it receives
 * (ghosted out and linked to the room's compositor and mixer, rd-media-peer-recv.c).
 *
 * Threads: webrtcbin calls back (promises, notify::, pad-added) on its own threads. Those
 * handlers hold an RdPeerHandle and forward to the room's main context with
 * rd_peer_run_on_main(); everything else, and every signal emission, happens there. pad-added
 * is the exception that builds the receive chain at once on the streaming thread (data is
 * already flowing), behind a closed gate; linking it to the room happens on the main context. */
#include "media/rd-media-peer-private.h"
#include "media/rd-media-error.h"

#include <gst/webrtc/webrtc.h>
#include <string.h>

#define JITTER_LATENCY_MS 50 /* LAN: webrtcbin's default is 200 ms */

enum
{
  SIGNAL_STATE_CHANGED,
  SIGNAL_VERIFIED,
  SIGNAL_SECURITY_VIOLATION,
  SIGNAL_CLOSED,
  SIGNAL_STREAM_ADDED,
  SIGNAL_LOCAL_CANDIDATE,
  SIGNAL_GATHERING_DONE,
  SIGNAL_SEND_REPAIRED,
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

  if (peer->role)
    peer->role->klass->free (peer->role);
  g_clear_pointer (&peer->remote, rd_offer_free);
  rd_peer_stats_cache_clear (&peer->stats);
  g_free (peer->remote_fingerprint);
  g_free (peer->remote_ufrag);
  g_free (peer->id);
  g_free (peer->mix_key);
  g_clear_pointer (&peer->send, g_ptr_array_unref);
  rd_peer_recv_clear (peer);
  rd_peer_verify_clear (peer);
  g_clear_pointer (&peer->webrtc_ids, g_array_unref);
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
  /* the offerer's: rd-media-peer-offer.h */
  signals[SIGNAL_LOCAL_CANDIDATE] =
      g_signal_new ("local-candidate", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                    G_TYPE_STRING, G_TYPE_STRING);
  signals[SIGNAL_GATHERING_DONE] =
      g_signal_new ("gathering-done", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_SEND_REPAIRED] = g_signal_new ("send-repaired", type, G_SIGNAL_RUN_LAST, 0, NULL,
                                                NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
rd_peer_init (RdPeer *peer)
{
  g_mutex_init (&peer->lock);
  g_cond_init (&peer->cond);
  peer->webrtc_ids = g_array_new (FALSE, FALSE, sizeof (gulong));
  peer->send = g_ptr_array_new_with_free_func (rd_peer_send_stream_free);
  rd_peer_recv_init (peer);
  rd_peer_verify_init (peer);
  rd_peer_stats_cache_init (&peer->stats);
}

void
rd_peer_set_role (RdPeer *peer, RdPeerRole *role)
{
  g_assert (!peer->role);
  peer->role = role;
  GST_DEBUG ("peer %s: the %s", peer->id, role->klass->name);
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

void
rd_peer_lost (RdPeer *peer, RdPeerState state, const char *reason)
{
  if (peer->role)
    peer->role->klass->lost (peer, state, reason);
  else
    rd_peer_close (peer, reason);
}

void
rd_peer_connect_webrtc (RdPeer *peer, const char *signal, GCallback callback)
{
  gulong id =
      g_signal_connect_data (peer->webrtc, signal, callback, rd_peer_handle_ref (peer->handle),
                             rd_peer_handle_closure_unref, 0);

  g_array_append_val (peer->webrtc_ids, id);
}

GstWebRTCRTPTransceiver *
rd_peer_last_transceiver (GstElement *webrtc)
{
  g_autoptr (GArray) transceivers = NULL;

  g_signal_emit_by_name (webrtc, "get-transceivers", &transceivers);
  if (!transceivers || transceivers->len == 0)
    return NULL;
  return gst_object_ref (
      g_array_index (transceivers, GstWebRTCRTPTransceiver *, transceivers->len - 1));
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
      if (peer->verify.verified)
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
  g_autofree char *debug = NULL;
  g_autofree char *reason = NULL;
  const char *why;

  if (GST_MESSAGE_TYPE (message) != GST_MESSAGE_ERROR || peer->closed)
    return;
  gst_message_parse_error (message, &err, &debug);
  /* the debug text's last line says why ("streaming stopped, reason not-negotiated (-4)") */
  why = debug ? strrchr (debug, '\n') : NULL;
  why = why ? why + 1 : debug;
  reason = why && *why
               ? g_strdup_printf ("error in %s: %s (%s)", GST_MESSAGE_SRC_NAME (message),
                                  err->message, why)
               : g_strdup_printf ("error in %s: %s", GST_MESSAGE_SRC_NAME (message), err->message);
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

/* The config's STUN/TURN servers, ICE addresses and relay policy on webrtcbin. */
static gboolean
configure_ice (GstElement *webrtc, RdConfig *config, GError **error)
{
  g_autoptr (GObject) agent = NULL;
  const char *const *addresses;

  if (rd_config_get_stun_server (config))
    g_object_set (webrtc, "stun-server", rd_config_get_stun_server (config), NULL);
  if (rd_config_get_turn_server (config))
    g_object_set (webrtc, "turn-server", rd_config_get_turn_server (config), NULL);
  g_object_get (webrtc, "ice-agent", &agent, NULL);
  ice_agent_no_upnp (agent);
  addresses = rd_config_get_ice_addresses (config);
  for (int i = 0; addresses && addresses[i]; i++)
    {
      gboolean ok = FALSE;
      g_signal_emit_by_name (agent, "add-local-ip-address", addresses[i], &ok);
      if (!ok)
        {
          g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_PIPELINE,
                       "ICE cannot use the address %s", addresses[i]);
          return FALSE;
        }
    }
  if (rd_config_get_force_relay (config))
    g_object_set (webrtc, "ice-transport-policy", GST_WEBRTC_ICE_TRANSPORT_POLICY_RELAY, NULL);
  return TRUE;
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
  g_autofree char *name = NULL;

  g_return_val_if_fail (RD_IS_ROOM (room) && config && peer_id, NULL);
  rd_media_dtls_prewarm (); /* no-op after the first call: rd_peer_prepare() did it */
  peer = g_object_new (RD_TYPE_PEER, NULL);
  peer->room = g_object_ref (room);
  peer->config = rd_config_ref (config);
  peer->id = g_strdup (peer_id);
  peer->mix_key = g_strdup (peer_id);
  peer->context = g_main_context_ref (rd_room_get_context (room));
  peer->handle = rd_peer_handle_new (peer);

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
  if (!configure_ice (peer->webrtc, config, error))
    {
      gst_object_unref (gst_object_ref_sink (peer->bin));
      peer->bin = NULL;
      return NULL;
    }
  rd_peer_recv_setup (peer);
  gst_bin_add (GST_BIN (peer->bin), peer->webrtc);
  rd_peer_connect_webrtc (peer, "notify::connection-state", G_CALLBACK (on_connection_state));
  gst_object_ref (peer->bin);
  gst_bin_add (GST_BIN (rd_room_get_pipeline (room)), peer->bin);
  rd_room_watch_bin (room, peer->bin, on_peer_message, peer);
  gst_element_sync_state_with_parent (peer->bin);
  return g_steal_pointer (&peer);
}

void
rd_peer_set_mix_key (RdPeer *peer, const char *key)
{
  g_return_if_fail (RD_IS_PEER (peer) && key != NULL);
  g_return_if_fail (peer->role == NULL);
  g_free (peer->mix_key);
  peer->mix_key = g_strdup (key);
}

const char *
rd_peer_get_mix_key (RdPeer *peer)
{
  g_return_val_if_fail (RD_IS_PEER (peer), NULL);
  return peer->mix_key;
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

/* Takes the peer out of the room. No signal. Safe on a half-built peer; idempotent. */
static void
teardown (RdPeer *peer)
{
  peer->closed = TRUE;
  if (peer->role)
    peer->role->klass->stop (peer);
  rd_peer_verify_stop (peer);
  if (!peer->bin)
    return;
  /* 1. no media either way; the room stops taking this peer's media */
  rd_peer_send_set_open (peer, FALSE);
  rd_peer_recv_unlink (peer);
  /* 2. the room's tees stop feeding it */
  rd_peer_send_unlink (peer);
  /* 3. stop it and take it out */
  for (guint i = 0; i < peer->webrtc_ids->len; i++)
    g_signal_handler_disconnect (peer->webrtc, g_array_index (peer->webrtc_ids, gulong, i));
  g_array_set_size (peer->webrtc_ids, 0);
  rd_room_unwatch_bin (peer->room, peer->bin);
  rd_peer_stats_stop (peer);
  rd_peer_ice_release (peer);
  gst_element_set_locked_state (peer->bin, TRUE);
  gst_element_set_state (peer->bin, GST_STATE_NULL);
  gst_bin_remove (GST_BIN (rd_room_get_pipeline (peer->room)), peer->bin);
  g_ptr_array_set_size (peer->send, 0);
  rd_peer_recv_drop (peer);
  peer->webrtc = NULL;
  g_clear_pointer (&peer->bin, gst_object_unref);
  GST_DEBUG ("peer %s: out of the room", peer->id);
}

void
rd_peer_close (RdPeer *peer, const char *reason)
{
  g_autoptr (RdPeer) hold = NULL;

  g_return_if_fail (RD_IS_PEER (peer));
  if (peer->closed && !peer->bin)
    return;
  hold = g_object_ref (peer);
  /* the recorder has everything the party sent before it goes */
  if (!peer->closed && peer->bin)
    rd_peer_recv_flush (peer);
  teardown (peer);
  if (peer->role)
    peer->role->klass->fail_pending (peer, reason);
  if (peer->state != RD_PEER_STATE_FAILED)
    rd_peer_set_state (peer, RD_PEER_STATE_CLOSED);
  GST_INFO ("peer %s closed: %s", peer->id, reason);
  g_signal_emit (peer, signals[SIGNAL_CLOSED], 0, reason);
}
