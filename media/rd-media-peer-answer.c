/* rd-media-peer-answer.c: the answerer role: a party calling in (WHIP, RFC 9725 4.2; or a WHEP
 * viewer), its offer answered by the room. See rd-media-peer.h.
 *
 * The answer: the offer is checked (rd_offer_parse), then for each m-line in order a transceiver
 * is made with exactly the codec and payload type chosen from the offer (a send stream from the
 * room's tee when the room sends on it, a recvonly transceiver otherwise), so webrtcbin's
 * answer can only hold what the room handles. Then set-remote-description -> create-answer ->
 * set-local-description -> ICE gathering complete (at most GATHER_TIMEOUT_MS) -> the local
 * description's text. Each promise replies on webrtcbin's thread; the next step runs on the
 * main context.
 *
 * As an answerer, a peer that loses its party (ICE failure, silence, no verified connection in
 * time) closes: the party calls again if it can. Silence means nothing for LIVENESS_TIMEOUT_S:
 * a party always sends something (a muted track still sends silence or black frames, and
 * RTCP). RFC 7675's consent expiry is 30 s; at 30 s a party's 10 s network cut could be
 * survived by an ICE restart, but a link's re-POST made during the cut then gathered without
 * its TURN server, so a lost party is given up sooner. */
#include "media/rd-media-peer-private.h"
#include "media/rd-media-error.h"

#include <string.h>

#define GATHER_TIMEOUT_MS  5000 /* answer with what was gathered by then */
#define LIVENESS_TIMEOUT_S 10

typedef struct
{
  RdPeerRole role;
  GTask *task; /* rd_peer_answer_async()'s, until the answer is ready */
  guint gather_timeout_id;
} RdPeerAnswerer;

static const RdPeerRoleClass answerer_class;

/* The peer's answerer, or NULL when it has no role or is an offerer. */
static RdPeerAnswerer *
answerer_of (RdPeer *peer)
{
  return peer->role && peer->role->klass == &answerer_class ? (RdPeerAnswerer *)peer->role : NULL;
}

/* --- the role --- */

static gint
answerer_silence_timeout_s (RdPeer *peer)
{
  return LIVENESS_TIMEOUT_S;
}

static void
answerer_lost (RdPeer *peer, RdPeerState state, const char *reason)
{
  if (state == RD_PEER_STATE_FAILED)
    rd_peer_set_state (peer, state);
  rd_peer_close (peer, reason);
}

static void
answerer_stop (RdPeer *peer)
{
  g_clear_handle_id (&answerer_of (peer)->gather_timeout_id, g_source_remove);
}

static void
answerer_fail_pending (RdPeer *peer, const char *reason)
{
  g_autoptr (GTask) task = g_steal_pointer (&answerer_of (peer)->task);

  if (task)
    g_task_return_new_error (task, RD_MEDIA_ERROR, RD_MEDIA_ERROR_PIPELINE,
                             "peer %s closed before its answer was ready: %s", peer->id, reason);
}

static void
answerer_free (RdPeerRole *role)
{
  RdPeerAnswerer *a = (RdPeerAnswerer *)role;

  g_clear_object (&a->task);
  g_free (a);
}

static const RdPeerRoleClass answerer_class = {
  .name = "answerer",
  .silence_timeout_s = answerer_silence_timeout_s,
  .heard_again = NULL,
  .lost = answerer_lost,
  .stop = answerer_stop,
  .fail_pending = answerer_fail_pending,
  .free = answerer_free,
};

/* --- the transceivers --- */

static char *
codec_caps (const RdOfferMedia *m)
{
  static const char *const names[] = { "VP8", "H264", "OPUS" };

  return g_strdup_printf ("application/x-rtp,media=%s,encoding-name=%s,clock-rate=%u,payload=%u",
                          m->video ? "video" : "audio", names[m->codec], m->video ? 90000u : 48000u,
                          m->pt);
}

/* The offer's H.264 a=fmtp parameters into @caps, so the answer names the same profile. Not
 * sprop-parameter-sets: those are the party's own SPS/PPS, not the room's. Not profile-level-id
 * either when the room sends on this line (@we_send): webrtcbin accepts a payloader's caps only
 * if they intersect these, and a payloader says 42e01f (from the encoder's caps) or 42c01f (from
 * x264's SPS, once seen): the same constrained baseline 3.1, but as strings they differ, and
 * whichever came second would fail to negotiate, leaving the party without video. The answer
 * still names the offer's profile-level-id (webrtcbin intersects with the offer). */
static void
copy_h264_fmtp (GstCaps *caps, const char *fmtp, gboolean we_send)
{
  g_auto (GStrv) params = g_strsplit (fmtp, ";", -1);

  for (char **p = params; *p; p++)
    {
      g_auto (GStrv) kv = g_strsplit (g_strstrip (*p), "=", 2);
      if (kv[0] && kv[1] && g_ascii_strcasecmp (kv[0], "sprop-parameter-sets") != 0 &&
          !(we_send && g_ascii_strcasecmp (kv[0], "profile-level-id") == 0))
        gst_caps_set_simple (caps, kv[0], G_TYPE_STRING, kv[1], NULL);
    }
}

static gboolean
setup_media (RdPeer *peer, const RdOffer *offer, GError **error)
{
  for (guint i = 0; i < offer->media->len; i++)
    {
      const RdOfferMedia *m = offer->media->pdata[i];
      g_autofree char *text = codec_caps (m);
      g_autoptr (GstCaps) caps = gst_caps_from_string (text);
      /* rd_offer_parse() made the codec of a line the party receives on the room's */
      gboolean we_send = m->remote_receives;
      gboolean we_receive = m->remote_sends;
      g_autoptr (GstWebRTCRTPTransceiver) t = NULL;

      if (m->fmtp && m->codec == RD_OFFER_CODEC_H264)
        copy_h264_fmtp (caps, m->fmtp, we_send);
      if (we_send)
        {
          if (!rd_peer_add_send_stream (peer, m->mline, m->video, m->codec, m->pt, caps, error))
            return FALSE;
        }
      else
        g_signal_emit_by_name (peer->webrtc, "add-transceiver",
                               GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_RECVONLY, caps, &t);
      if (!t)
        t = rd_peer_last_transceiver (peer->webrtc);
      if (!t)
        {
          g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_PIPELINE,
                       "m-line %u: webrtcbin made no transceiver", m->mline);
          return FALSE;
        }
      g_object_set (t, "codec-preferences", caps, "direction",
                    we_send && we_receive ? GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDRECV
                    : we_send             ? GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY
                                          : GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_RECVONLY,
                    NULL);
      GST_DEBUG ("peer %s: m-line %u %s pt %u, %s%s", peer->id, m->mline, text, m->pt,
                 we_send ? "send" : "", we_receive ? "recv" : "");
    }
  return TRUE;
}

/* --- the steps --- */

static void
fail_answer (RdPeer *peer, GError *error)
{
  g_autoptr (GTask) task = g_steal_pointer (&answerer_of (peer)->task);
  g_autofree char *reason = g_strdup (error->message);

  if (task)
    g_task_return_error (task, error);
  else
    g_error_free (error);
  rd_peer_close (peer, reason);
}

/* FALSE (and the answer failed) when the task is gone or cancelled, or the promise has an
 * error. */
static gboolean
step_ok (RdPeer *peer, GstPromise *promise, const char *what)
{
  RdPeerAnswerer *a = answerer_of (peer);
  GError *error = NULL;

  if (!a->task)
    return FALSE;
  if (g_cancellable_set_error_if_cancelled (g_task_get_cancellable (a->task), &error) ||
      (!rd_peer_promise_reply (promise, what, &error) && error))
    {
      fail_answer (peer, error);
      return FALSE;
    }
  return TRUE;
}

static void
finish_answer (RdPeer *peer)
{
  RdPeerAnswerer *a = answerer_of (peer);
  g_autoptr (GTask) task = NULL;
  GstWebRTCSessionDescription *local = NULL;
  char *text;

  if (!a->task)
    return;
  g_clear_handle_id (&a->gather_timeout_id, g_source_remove);
  task = g_steal_pointer (&a->task);
  g_object_get (peer->webrtc, "local-description", &local, NULL);
  if (!local)
    {
      g_task_return_new_error (task, RD_MEDIA_ERROR, RD_MEDIA_ERROR_PIPELINE,
                               "webrtcbin has no local description");
      return;
    }
  text = gst_sdp_message_as_text (local->sdp);
  gst_webrtc_session_description_free (local);
  g_task_return_pointer (task, text, g_free);
}

static void
gathering_on_main (RdPeer *peer, gpointer data)
{
  GstWebRTCICEGatheringState state;

  if (!answerer_of (peer)->task || !peer->answered)
    return;
  g_object_get (peer->webrtc, "ice-gathering-state", &state, NULL);
  if (state == GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE)
    finish_answer (peer);
}

static void
on_gathering_state (GObject *webrtc, GParamSpec *pspec, gpointer user_data)
{
  rd_peer_run_on_main (user_data, gathering_on_main, NULL, NULL);
}

static gboolean
gather_timeout (gpointer user_data)
{
  RdPeer *peer = user_data;

  answerer_of (peer)->gather_timeout_id = 0;
  GST_DEBUG ("peer %s: ICE gathering not complete after %d ms; answering with what there is",
             peer->id, GATHER_TIMEOUT_MS);
  finish_answer (peer);
  return G_SOURCE_REMOVE;
}

static void
local_set (RdPeer *peer, gpointer data)
{
  RdPeerAnswerer *a = answerer_of (peer);

  if (!step_ok (peer, data, "webrtcbin refused its own answer"))
    return;
  peer->answered = TRUE;
  rd_peer_watch_transports (peer);
  a->gather_timeout_id =
      g_timeout_add_full (G_PRIORITY_DEFAULT, GATHER_TIMEOUT_MS, gather_timeout, peer, NULL);
  g_source_set_name_by_id (a->gather_timeout_id, "[receptiond] peer ICE gathering");
  gathering_on_main (peer, NULL);
}

/* The m-line of @answer that webrtcbin rejected (port 0, not bundle-only, no format), or -1. */
static int
rejected_mline (const GstWebRTCSessionDescription *answer)
{
  for (guint i = 0; i < gst_sdp_message_medias_len (answer->sdp); i++)
    {
      const GstSDPMedia *media = gst_sdp_message_get_media (answer->sdp, i);
      if (gst_sdp_media_get_port (media) == 0 &&
          !gst_sdp_media_get_attribute_val (media, "bundle-only") &&
          gst_sdp_media_formats_len (media) == 0)
        return (int)i;
    }
  return -1;
}

static void
answer_created (RdPeer *peer, gpointer data)
{
  GstPromise *promise = data, *next;
  GstWebRTCSessionDescription *answer = NULL;
  const GstStructure *reply;
  int rejected;

  if (!step_ok (peer, promise, "webrtcbin cannot answer the offer"))
    return;
  reply = gst_promise_get_reply (promise);
  if (reply)
    gst_structure_get (reply, "answer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &answer, NULL);
  if (!answer)
    {
      fail_answer (peer, g_error_new (RD_MEDIA_ERROR, RD_MEDIA_ERROR_OFFER,
                                      "webrtcbin made no answer to the offer"));
      return;
    }
  /* Every m-line must be answered: none may be rejected. */
  rejected = rejected_mline (answer);
  if (rejected >= 0)
    {
      GError *error =
          g_error_new (RD_MEDIA_ERROR, RD_MEDIA_ERROR_OFFER,
                       "m-line %d (%s) cannot be answered with the codec the offer named", rejected,
                       gst_sdp_media_get_media (gst_sdp_message_get_media (answer->sdp, rejected)));
      gst_webrtc_session_description_free (answer);
      fail_answer (peer, error);
      return;
    }
  next = rd_peer_promise_to (peer, local_set);
  g_signal_emit_by_name (peer->webrtc, "set-local-description", answer, next);
  gst_promise_unref (next); /* webrtcbin takes its own reference */
  gst_webrtc_session_description_free (answer);
}

static void
remote_set (RdPeer *peer, gpointer data)
{
  GstPromise *promise;

  if (!step_ok (peer, data, "webrtcbin refused the offer"))
    return;
  promise = rd_peer_promise_to (peer, answer_created);
  g_signal_emit_by_name (peer->webrtc, "create-answer", NULL, promise);
  gst_promise_unref (promise);
}

void
rd_peer_answer_async (RdPeer *peer, const char *offer_sdp, GCancellable *cancellable,
                      GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (RdOffer) offer = NULL;
  RdPeerAnswerer *a;
  GstSDPMessage *sdp = NULL;
  GstWebRTCSessionDescription *desc;
  GstPromise *promise;

  g_return_if_fail (RD_IS_PEER (peer));
  task = g_task_new (peer, cancellable, callback, user_data);
  g_task_set_source_tag (task, rd_peer_answer_async);
  if (peer->closed || peer->role)
    {
      g_task_return_new_error (task, RD_MEDIA_ERROR, RD_MEDIA_ERROR_PIPELINE,
                               peer->closed         ? "peer %s is closed"
                               : answerer_of (peer) ? "peer %s already has an offer"
                                                    : "peer %s is an offerer; it cannot answer",
                               peer->id);
      return;
    }
  offer = rd_offer_parse (offer_sdp, rd_config_get_video_codec (peer->config), &error);
  if (!offer)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  a = g_new0 (RdPeerAnswerer, 1);
  a->role.klass = &answerer_class;
  rd_peer_set_role (peer, &a->role);
  peer->remote = g_steal_pointer (&offer);
  if (!setup_media (peer, peer->remote, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  peer->remote_fingerprint = g_strdup (peer->remote->fingerprint);
  a->task = g_steal_pointer (&task);
  rd_peer_connect_webrtc (peer, "notify::ice-gathering-state", G_CALLBACK (on_gathering_state));
  gst_sdp_message_copy (peer->remote->sdp, &sdp);
  desc = gst_webrtc_session_description_new (GST_WEBRTC_SDP_TYPE_OFFER, sdp);
  rd_peer_set_state (peer, RD_PEER_STATE_CONNECTING);
  rd_peer_verify_start_timeout (peer);
  promise = rd_peer_promise_to (peer, remote_set);
  g_signal_emit_by_name (peer->webrtc, "set-remote-description", desc, promise);
  gst_promise_unref (promise);
  gst_webrtc_session_description_free (desc);
}

char *
rd_peer_answer_finish (RdPeer *peer, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, peer), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* --- ICE restart (RFC 8445 9; a WHIP PATCH with new credentials, RFC 9725 4.3) --- */

char *
rd_peer_restart_ice (RdPeer *peer, const char *sdpfrag, GError **error)
{
  g_autofree char *ufrag = NULL;
  g_autofree char *pwd = NULL;
  g_autoptr (RdPeerIce) ice = NULL;

  g_return_val_if_fail (RD_IS_PEER (peer), NULL);
  if (peer->role && !answerer_of (peer))
    {
      g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_PIPELINE,
                   "peer %s is the offerer: it restarts ICE with rd_peer_restart_ice_local()",
                   peer->id);
      return NULL;
    }
  if (peer->closed || !peer->answered)
    {
      g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_PIPELINE,
                   "peer %s cannot restart ICE (%s)", peer->id,
                   peer->closed ? "closed" : "not answered yet");
      return NULL;
    }
  if (!rd_peer_ice_parse_credentials (sdpfrag, &ufrag, &pwd, error))
    return NULL;
  if (g_strcmp0 (ufrag, rd_peer_ice_remote_ufrag (peer)) == 0)
    {
      g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_FRAGMENT,
                   "a=ice-ufrag:%s is the current one; an ICE restart needs new credentials",
                   ufrag);
      return NULL;
    }
  ice = rd_peer_ice_new (peer, error);
  if (!ice)
    return NULL;
  /* Nothing has changed so far; from here on the restart is done. */
  rd_peer_ice_restart_local (ice);
  rd_peer_ice_set_remote (peer, ice, ufrag, pwd);
  GST_INFO ("peer %s: ICE restarted on %u stream(s), the party's ufrag now %s", peer->id,
            rd_peer_ice_n_streams (ice), ufrag);
  /* The party's new candidates, like trickled ones (webrtcbin resolves .local names). */
  rd_peer_add_remote_candidates (peer, sdpfrag, NULL);
  return rd_peer_ice_local_fragment (ice, peer->remote->sdp, TRUE, NULL);
}
