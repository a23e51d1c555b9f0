/* rd-media-peer-offer.c: the offerer role: the room joining a conference hosted elsewhere, as a
 * WHIP client publishing its audio and video or a WHEP client playing the far end's (RFC 9725
 * 4.2). See rd-media-peer-offer.h.
 *
 * The offer: the two m-lines (rd-media-peer-offer-sdp.c), then create-offer ->
 * set-local-description -> the local description's text at once (trickle: candidates follow
 * as "local-candidate", rd-media-peer-offer-ice.c). Publishing first waits (at most
 * CAPS_WAIT_MS) until the payloaders have the room's caps, so that the offer names what they
 * send. The answer is checked like a party's offer (rd_answer_parse) and against our offer,
 * then set as the remote description. Promises reply on webrtcbin's threads; each next step
 * runs on the main context (rd_peer_promise_to).
 *
 * As an offerer, a peer that loses the far end (ICE failure, silence, no verified connection in
 * time) goes to DISCONNECTED or FAILED and stays open: its owner decides between an ICE restart
 * and a new peer; heard again, it is CONNECTED again. */
#include "media/rd-media-peer-offerer-private.h"
#include "media/rd-media-error.h"

#include <string.h>

#define CAPS_POLL_MS 10
#define CAPS_WAIT_MS 2000

/* Silence before an offerer is DISCONNECTED, so that its owner tries an ICE restart well before
 * the far end's consent (RFC 7675, 30 s) expires. Playing, media arrives all the time;
 * publishing, only the far end's RTCP. */
#define PLAY_SILENCE_S    5
#define PUBLISH_SILENCE_S 10

/* --- the role --- */

static const RdPeerRoleClass offerer_class;

RdPeerOfferer *
rd_peer_offerer_of (RdPeer *peer)
{
  return peer->role && peer->role->klass == &offerer_class ? (RdPeerOfferer *)peer->role : NULL;
}

static gint
offerer_silence_timeout_s (RdPeer *peer)
{
  return rd_peer_offerer_of (peer)->kind == RD_PEER_OFFER_PLAY ? PLAY_SILENCE_S : PUBLISH_SILENCE_S;
}

/* The far end is heard again (an ICE restart worked, the network came back). */
static void
offerer_heard_again (RdPeer *peer)
{
  if (peer->state == RD_PEER_STATE_DISCONNECTED)
    rd_peer_set_state (peer, RD_PEER_STATE_CONNECTED);
}

/* An offerer stays open when lost: its owner decides between an ICE restart and a new peer. */
static void
offerer_lost (RdPeer *peer, RdPeerState state, const char *reason)
{
  GST_INFO ("peer %s (offerer): %s; staying open for its owner", peer->id, reason);
  rd_peer_set_state (peer, state);
}

static void
offerer_stop (RdPeer *peer)
{
  g_clear_handle_id (&rd_peer_offerer_of (peer)->caps_wait_id, g_source_remove);
}

static void
offerer_fail_pending (RdPeer *peer, const char *reason)
{
  RdPeerOfferer *o = rd_peer_offerer_of (peer);
  g_autoptr (GTask) task = g_steal_pointer (&o->offer_task);

  if (!task)
    task = g_steal_pointer (&o->set_answer_task);
  if (task)
    g_task_return_new_error (task, RD_MEDIA_ERROR, RD_MEDIA_ERROR_PIPELINE,
                             "peer %s closed before its offer/answer was done: %s", peer->id,
                             reason);
}

static void
offerer_free (RdPeerRole *role)
{
  RdPeerOfferer *o = (RdPeerOfferer *)role;

  g_clear_object (&o->offer_task);
  g_clear_object (&o->set_answer_task);
  g_clear_pointer (&o->local_sdp, gst_sdp_message_free);
  g_free (o->local_ufrag);
  g_free (o);
}

static const RdPeerRoleClass offerer_class = {
  .name = "offerer",
  .silence_timeout_s = offerer_silence_timeout_s,
  .heard_again = offerer_heard_again,
  .lost = offerer_lost,
  .stop = offerer_stop,
  .fail_pending = offerer_fail_pending,
  .free = offerer_free,
};

/* --- the offer --- */

static void
fail_task (RdPeer *peer, GTask **slot, GError *error)
{
  g_autoptr (GTask) task = g_steal_pointer (slot);

  if (task)
    g_task_return_error (task, error);
  else
    g_error_free (error);
}

/* FALSE (the task failed) when it is gone, cancelled, or the promise has an error. */
static gboolean
offer_step_ok (RdPeer *peer, GTask **slot, GstPromise *promise, const char *what,
               const GstStructure **reply)
{
  GError *error = NULL;

  if (!*slot)
    return FALSE;
  if (g_cancellable_set_error_if_cancelled (g_task_get_cancellable (*slot), &error))
    {
      fail_task (peer, slot, error);
      return FALSE;
    }
  *reply = rd_peer_promise_reply (promise, what, &error);
  if (error)
    {
      /* webrtcbin refusing what we made is the pipeline's fault, not the far end's */
      if (slot == &rd_peer_offerer_of (peer)->offer_task)
        error->code = RD_MEDIA_ERROR_PIPELINE;
      fail_task (peer, slot, error);
      return FALSE;
    }
  return TRUE;
}

static void
offer_local_set (RdPeer *peer, gpointer data)
{
  RdPeerOfferer *o = rd_peer_offerer_of (peer);
  const GstStructure *reply;
  GstWebRTCSessionDescription *local = NULL;
  g_autoptr (GTask) task = NULL;

  if (!offer_step_ok (peer, &o->offer_task, data, "webrtcbin refused its own offer", &reply))
    {
      /* not our local description after all: an answer is not checked against it */
      g_clear_pointer (&o->local_sdp, gst_sdp_message_free);
      return;
    }
  task = g_steal_pointer (&o->offer_task);
  rd_peer_watch_transports (peer);
  g_object_get (peer->webrtc, "local-description", &local, NULL);
  if (!local)
    {
      g_task_return_new_error (task, RD_MEDIA_ERROR, RD_MEDIA_ERROR_PIPELINE,
                               "webrtcbin has no local description");
      return;
    }
  g_task_return_pointer (task, rd_peer_offerer_offer_text (peer, local->sdp), g_free);
  gst_webrtc_session_description_free (local);
  rd_peer_offerer_check_gathering (peer); /* in case it completed before we listened */
}

static void
offer_created (RdPeer *peer, gpointer data)
{
  RdPeerOfferer *o = rd_peer_offerer_of (peer);
  const GstStructure *reply;
  GstWebRTCSessionDescription *offer = NULL;
  GstPromise *next;

  if (!offer_step_ok (peer, &o->offer_task, data, "webrtcbin cannot make an offer", &reply))
    return;
  if (reply)
    gst_structure_get (reply, "offer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &offer, NULL);
  if (!offer)
    {
      fail_task (peer, &o->offer_task,
                 g_error_new (RD_MEDIA_ERROR, RD_MEDIA_ERROR_PIPELINE, "webrtcbin made no offer"));
      return;
    }
  /* before it is set: the candidates gathering starts may reach the main context before the
   * promise does, and need its a=mid; cleared again if webrtcbin refuses it */
  gst_sdp_message_copy (offer->sdp, &o->local_sdp);
  next = rd_peer_promise_to (peer, offer_local_set);
  g_signal_emit_by_name (peer->webrtc, "set-local-description", offer, next);
  gst_promise_unref (next);
  gst_webrtc_session_description_free (offer);
}

static void
create_offer (RdPeer *peer)
{
  GstPromise *promise = rd_peer_promise_to (peer, offer_created);

  g_signal_emit_by_name (peer->webrtc, "create-offer", NULL, promise);
  gst_promise_unref (promise);
}

/* Polls (the caps come from streaming threads within a frame or two) for at most
 * CAPS_WAIT_MS; then offers with what webrtcbin knows. */
static gboolean
wait_for_caps (gpointer data)
{
  RdPeer *peer = data;
  RdPeerOfferer *o = rd_peer_offerer_of (peer);

  if (!rd_peer_offerer_caps_known (peer) &&
      g_get_monotonic_time () - o->started_us < CAPS_WAIT_MS * G_TIME_SPAN_MILLISECOND)
    return G_SOURCE_CONTINUE;
  o->caps_wait_id = 0;
  if (!rd_peer_offerer_caps_known (peer))
    GST_WARNING ("peer %s: the room's streams have no caps after %d ms; offering without them",
                 peer->id, CAPS_WAIT_MS);
  create_offer (peer);
  return G_SOURCE_REMOVE;
}

void
rd_peer_offer_async (RdPeer *peer, RdPeerOfferKind kind, GCancellable *cancellable,
                     GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (GError) error = NULL;
  RdPeerOfferer *o;

  g_return_if_fail (RD_IS_PEER (peer));
  task = g_task_new (peer, cancellable, callback, user_data);
  g_task_set_source_tag (task, rd_peer_offer_async);
  if (peer->closed || peer->role)
    {
      g_task_return_new_error (task, RD_MEDIA_ERROR, RD_MEDIA_ERROR_PIPELINE,
                               peer->closed ? "peer %s is closed"
                               : rd_peer_offerer_of (peer)
                                   ? "peer %s has tried its offer already "
                                     "(a peer offers once; make a new one)"
                                   : "peer %s is an answerer; it cannot offer",
                               peer->id);
      return;
    }
  o = g_new0 (RdPeerOfferer, 1);
  o->role.klass = &offerer_class;
  o->kind = kind;
  rd_peer_set_role (peer, &o->role);
  if (!rd_peer_offerer_add_lines (peer, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  rd_peer_offerer_watch_ice (peer);
  o->offer_task = g_steal_pointer (&task);
  rd_peer_set_state (peer, RD_PEER_STATE_CONNECTING);
  o->started_us = g_get_monotonic_time ();
  if (rd_peer_offerer_caps_known (peer))
    create_offer (peer);
  else
    {
      /* On the default context, like every timer of the peer; removed in teardown. */
      o->caps_wait_id = g_timeout_add (CAPS_POLL_MS, wait_for_caps, peer);
      g_source_set_name_by_id (o->caps_wait_id, "[receptiond] offerer waits for caps");
    }
}

char *
rd_peer_offer_finish (RdPeer *peer, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, peer), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* --- the answer --- */

static void
answer_set (RdPeer *peer, gpointer data)
{
  const GstStructure *reply;
  g_autoptr (GTask) task = NULL;

  RdPeerOfferer *o = rd_peer_offerer_of (peer);

  if (!offer_step_ok (peer, &o->set_answer_task, data, "webrtcbin refused the answer", &reply))
    return;
  task = g_steal_pointer (&o->set_answer_task);
  peer->answered = TRUE;
  rd_peer_watch_transports (peer);
  rd_peer_verify_start_timeout (peer);
  g_task_return_boolean (task, TRUE);
}

void
rd_peer_set_answer_async (RdPeer *peer, const char *answer_sdp, GCancellable *cancellable,
                          GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (RdOffer) answer = NULL;
  RdPeerOfferer *o;
  GstSDPMessage *sdp = NULL;
  GstWebRTCSessionDescription *desc;
  GstPromise *promise;

  g_return_if_fail (RD_IS_PEER (peer));
  task = g_task_new (peer, cancellable, callback, user_data);
  g_task_set_source_tag (task, rd_peer_set_answer_async);
  o = rd_peer_offerer_of (peer);
  if (peer->closed || !o || !o->local_sdp || o->offer_task || peer->remote)
    {
      g_task_return_new_error (task, RD_MEDIA_ERROR, RD_MEDIA_ERROR_PIPELINE,
                               "peer %s takes no answer (%s)", peer->id,
                               peer->closed   ? "closed"
                               : !o           ? "it is an answerer"
                               : peer->remote ? "it has one"
                                              : "its offer is not made yet");
      return;
    }
  answer = rd_answer_parse (answer_sdp, rd_config_get_video_codec (peer->config), &error);
  if (!answer || !rd_peer_offerer_check_answer (peer, answer, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  peer->remote_fingerprint = g_strdup (answer->fingerprint);
  gst_sdp_message_copy (answer->sdp, &sdp);
  peer->remote = g_steal_pointer (&answer);
  o->set_answer_task = g_steal_pointer (&task);
  desc = gst_webrtc_session_description_new (GST_WEBRTC_SDP_TYPE_ANSWER, sdp);
  promise = rd_peer_promise_to (peer, answer_set);
  g_signal_emit_by_name (peer->webrtc, "set-remote-description", desc, promise);
  gst_promise_unref (promise);
  gst_webrtc_session_description_free (desc);
}

gboolean
rd_peer_set_answer_finish (RdPeer *peer, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, peer), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
