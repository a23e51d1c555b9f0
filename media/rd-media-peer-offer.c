/* rd-media-peer-offer.c: RdPeer as the offerer (the room joining a conference hosted elsewhere:
 * WHIP publish, WHEP play). See rd-media-peer-offer.h.
 *
 * The offer: one video and one audio transceiver, in that order (publish: fed from the room's
 * tees with the same payloaders as for a party, sendonly; play: recvonly), each with exactly
 * the codecs the room handles as codec-preferences. create-offer -> set-local-description ->
 * the local description's text at once (trickle: candidates follow as "local-candidate").
 * The answer is checked like a party's offer (rd_answer_parse) and against our offer (every
 * m-line answered, in order, with a payload type we offered, in the direction we asked), then
 * set as the remote description. ICE servers, our candidates and credentials:
 * rd-media-peer-offer-ice.c; ICE restart: rd-media-peer-ice.c. Promises reply on
 * webrtcbin's threads; each next step runs on the main context (rd_peer_promise_to). */
#include "media/rd-media-peer-offerer-private.h"
#include "media/rd-media-error.h"

#include <string.h>

#define PT_VP8       96
#define PT_H264      102
#define PT_OPUS      111
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

/* @send: what the room sends. Its H.264 profile-level-id is left to the payloader, which takes
 * it from the room's SPS (x264's constrained baseline is 42c01f, browsers offer 42e01f: the same
 * profile and level, but webrtcbin intersects the strings, and a fixed one here made the
 * payloader's caps fail and the far end got no video); webrtcbin writes it in the offer from
 * the payloader's caps. To receive: constrained baseline level 3.1, as browsers offer it. */
static GstCaps *
video_caps (RdOfferCodec codec, gboolean send)
{
  GstCaps *caps;

  if (codec != RD_OFFER_CODEC_H264)
    return gst_caps_new_simple ("application/x-rtp", "media", G_TYPE_STRING, "video",
                                "encoding-name", G_TYPE_STRING, "VP8", "clock-rate", G_TYPE_INT,
                                90000, "payload", G_TYPE_INT, PT_VP8, "rtcp-fb-nack-pli",
                                G_TYPE_BOOLEAN, TRUE, NULL);
  caps = gst_caps_new_simple ("application/x-rtp", "media", G_TYPE_STRING, "video", "encoding-name",
                              G_TYPE_STRING, "H264", "clock-rate", G_TYPE_INT, 90000, "payload",
                              G_TYPE_INT, PT_H264, "packetization-mode", G_TYPE_STRING, "1",
                              "rtcp-fb-nack-pli", G_TYPE_BOOLEAN, TRUE, NULL);
  if (!send)
    gst_caps_set_simple (caps, "profile-level-id", G_TYPE_STRING, "42e01f",
                         "level-asymmetry-allowed", G_TYPE_STRING, "1", NULL);
  return caps;
}

static GstCaps *
audio_caps (void)
{
  return gst_caps_new_simple ("application/x-rtp", "media", G_TYPE_STRING, "audio", "encoding-name",
                              G_TYPE_STRING, "OPUS", "clock-rate", G_TYPE_INT, 48000,
                              "encoding-params", G_TYPE_STRING, "2", "payload", G_TYPE_INT, PT_OPUS,
                              NULL);
}

/* One m-line: sendonly from the room's tee (publish) or recvonly (play). */
static gboolean
add_line (RdPeer *peer, guint mline, gboolean video, GError **error)
{
  RdOfferCodec codec = !video ? RD_OFFER_CODEC_OPUS
                       : rd_config_get_video_codec (peer->config) == RD_VIDEO_CODEC_H264
                           ? RD_OFFER_CODEC_H264
                           : RD_OFFER_CODEC_VP8;
  gboolean publish = rd_peer_offerer_of (peer)->kind == RD_PEER_OFFER_PUBLISH;
  g_autoptr (GstCaps) caps = video ? video_caps (codec, publish) : audio_caps ();
  g_autoptr (GstWebRTCRTPTransceiver) t = NULL;

  if (publish)
    {
      guint pt = !video ? PT_OPUS : codec == RD_OFFER_CODEC_H264 ? PT_H264 : PT_VP8;
      if (!rd_peer_add_send_stream (peer, mline, video, codec, pt, caps, error))
        return FALSE;
    }
  else
    {
      /* play: any video codec the room decodes, its own first */
      if (video && rd_media_h264_decoder ())
        gst_caps_append (caps, video_caps (codec == RD_OFFER_CODEC_H264 ? RD_OFFER_CODEC_VP8
                                                                        : RD_OFFER_CODEC_H264,
                                           FALSE));
      g_signal_emit_by_name (peer->webrtc, "add-transceiver",
                             GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_RECVONLY, caps, &t);
    }
  if (!t)
    t = rd_peer_last_transceiver (peer->webrtc);
  if (!t)
    {
      g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_PIPELINE,
                   "m-line %u: webrtcbin made no transceiver", mline);
      return FALSE;
    }
  g_object_set (t, "codec-preferences", caps, "direction",
                publish ? GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY
                        : GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_RECVONLY,
                NULL);
  return TRUE;
}

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

/* The media stream id of the room's tracks in this peer: "receptiond-<peer id>" (token
 * characters only). (transfer none: static per call, valid until the next) */
static const char *
peer_msid (RdPeer *peer)
{
  static char buf[80];

  g_snprintf (buf, sizeof buf, "receptiond-%s", peer->id);
  for (char *p = buf; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '.' && *p != '_')
      *p = '-';
  return buf;
}

/* The name webrtcbin gave the transceiver of m-line @mline (its track id in a=ssrc msid), or
 * NULL. (transfer full) */
static char *
transceiver_name (RdPeer *peer, guint mline)
{
  g_autoptr (GArray) transceivers = NULL;

  g_signal_emit_by_name (peer->webrtc, "get-transceivers", &transceivers);
  for (guint i = 0; transceivers && i < transceivers->len; i++)
    {
      GstWebRTCRTPTransceiver *t = g_array_index (transceivers, GstWebRTCRTPTransceiver *, i);
      guint index = G_MAXUINT;
      g_object_get (t, "mlineindex", &index, NULL);
      if (index == mline)
        return gst_object_get_name (GST_OBJECT (t));
    }
  /* not yet assigned: our offer makes its transceivers in m-line order */
  if (transceivers && mline < transceivers->len)
    return gst_object_get_name (
        GST_OBJECT (g_array_index (transceivers, GstWebRTCRTPTransceiver *, mline)));
  return NULL;
}

/* Our sink pads carry peer_msid() (webrtcbin's a=ssrc msid lines then agree with a=msid). */
static void
set_msid (RdPeer *peer)
{
  g_autoptr (GstIterator) it = gst_element_iterate_sink_pads (peer->webrtc);
  GValue item = G_VALUE_INIT;

  while (gst_iterator_next (it, &item) == GST_ITERATOR_OK)
    {
      GObject *pad = g_value_get_object (&item);
      if (g_object_class_find_property (G_OBJECT_GET_CLASS (pad), "msid"))
        g_object_set (pad, "msid", peer_msid (peer), NULL);
      g_value_reset (&item);
    }
  g_value_unset (&item);
}

/* The offer as sent: webrtcbin's max-bundle offer marks every m-line after the first
 * "bundle-only" with port 0 (RFC 8843 7.2), which servers written for browsers' offers (port 9
 * on every m-line, BUNDLE group, no bundle-only) may take as rejected lines. They are sent in
 * the browsers' form; the BUNDLE group, the credentials and the transport are the same.
 * (transfer full) */
static char *
offer_text (RdPeer *peer, const GstSDPMessage *local)
{
  GstSDPMessage *copy = NULL;
  char *text;

  gst_sdp_message_copy (local, &copy);
  for (guint i = 0; i < gst_sdp_message_medias_len (copy); i++)
    {
      GstSDPMedia *m = (GstSDPMedia *)gst_sdp_message_get_media (copy, i);
      g_autofree char *track = transceiver_name (peer, i);

      /* one media stream (WHIP: "same msid"): webrtcbin 1.22 writes msid only on a=ssrc lines,
       * and only for a stream whose caps it has seen; the media-level form does not wait */
      if (rd_peer_offerer_of (peer)->kind == RD_PEER_OFFER_PUBLISH && track &&
          !gst_sdp_media_get_attribute_val (m, "msid"))
        {
          g_autofree char *msid = g_strdup_printf ("%s %s", peer_msid (peer), track);
          gst_sdp_media_add_attribute (m, "msid", msid);
        }
      if (i == 0)
        continue;
      for (guint j = 0; j < gst_sdp_media_attributes_len (m); j++)
        if (g_strcmp0 (gst_sdp_media_get_attribute (m, j)->key, "bundle-only") == 0)
          {
            gst_sdp_media_remove_attribute (m, j);
            if (gst_sdp_media_get_port (m) == 0)
              gst_sdp_media_set_port_info (m, 9, gst_sdp_media_get_num_ports (m));
            break;
          }
    }
  text = gst_sdp_message_as_text (copy);
  gst_sdp_message_free (copy);
  return text;
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
  g_task_return_pointer (task, offer_text (peer, local->sdp), g_free);
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

/* TRUE when every webrtcbin sink pad has its caps: the payloaders have seen the room's streams.
 * Only then can webrtcbin write what they send into the offer (H.264's profile-level-id and
 * sprop-parameter-sets from the room's SPS, every stream's a=ssrc and msid). */
static gboolean
sink_caps_known (RdPeer *peer)
{
  g_autoptr (GstIterator) it = gst_element_iterate_sink_pads (peer->webrtc);
  GValue item = G_VALUE_INIT;
  gboolean all = TRUE;

  while (all && gst_iterator_next (it, &item) == GST_ITERATOR_OK)
    {
      g_autoptr (GstCaps) caps = gst_pad_get_current_caps (g_value_get_object (&item));
      const GstStructure *st = caps ? gst_caps_get_structure (caps, 0) : NULL;
      /* H.264: the caps that follow the room's SPS (the first ones may come before it) */
      all = st && (g_strcmp0 (gst_structure_get_string (st, "encoding-name"), "H264") != 0 ||
                   gst_structure_has_field (st, "profile-level-id"));
      g_value_reset (&item);
    }
  g_value_unset (&item);
  return all;
}

/* Polls (the caps come from streaming threads within a frame or two) for at most
 * CAPS_WAIT_MS; then offers with what webrtcbin knows. */
static gboolean
wait_for_caps (gpointer data)
{
  RdPeer *peer = data;
  RdPeerOfferer *o = rd_peer_offerer_of (peer);

  if (!sink_caps_known (peer) &&
      g_get_monotonic_time () - o->started_us < CAPS_WAIT_MS * G_TIME_SPAN_MILLISECOND)
    return G_SOURCE_CONTINUE;
  o->caps_wait_id = 0;
  if (!sink_caps_known (peer))
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
  if (!add_line (peer, 0, TRUE, &error) || !add_line (peer, 1, FALSE, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  set_msid (peer);
  rd_peer_offerer_watch_ice (peer);
  o->offer_task = g_steal_pointer (&task);
  rd_peer_set_state (peer, RD_PEER_STATE_CONNECTING);
  o->started_us = g_get_monotonic_time ();
  if (sink_caps_known (peer))
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

static gboolean
offered_pt (const GstSDPMedia *ours, guint pt)
{
  for (guint i = 0; i < gst_sdp_media_formats_len (ours); i++)
    if ((guint)g_ascii_strtoull (gst_sdp_media_get_format (ours, i), NULL, 10) == pt)
      return TRUE;
  return FALSE;
}

/* The answer against our offer: every m-line, in order, with what we offered. */
static gboolean
check_answer (RdPeer *peer, const RdOffer *answer, GError **error)
{
  RdPeerOfferer *o = rd_peer_offerer_of (peer);
  guint ours = gst_sdp_message_medias_len (o->local_sdp);
  gboolean publish = o->kind == RD_PEER_OFFER_PUBLISH;

  if (answer->media->len != ours)
    {
      g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_OFFER,
                   "the answer has %u m-line(s); the offer had %u (video, audio): every m-line "
                   "must be answered",
                   answer->media->len, ours);
      return FALSE;
    }
  for (guint i = 0; i < ours; i++)
    {
      const GstSDPMedia *m = gst_sdp_message_get_media (o->local_sdp, i);
      const RdOfferMedia *a = answer->media->pdata[i];
      const char *kind = gst_sdp_media_get_media (m);

      if (a->video != (g_strcmp0 (kind, "video") == 0))
        {
          g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_OFFER,
                       "m-line %u of the answer is %s; the offer's is %s", i,
                       a->video ? "video" : "audio", kind);
          return FALSE;
        }
      if (!offered_pt (m, a->pt))
        {
          g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_OFFER,
                       "m-line %u (%s) of the answer uses payload type %u, which the offer did "
                       "not name",
                       i, kind, a->pt);
          return FALSE;
        }
      if (publish ? !a->remote_receives : !a->remote_sends)
        {
          g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_OFFER,
                       "m-line %u (%s) of the answer is %s; the offer was %s", i, kind,
                       publish ? "sendonly" : "recvonly", publish ? "sendonly" : "recvonly");
          return FALSE;
        }
    }
  return TRUE;
}

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
  if (!answer || !check_answer (peer, answer, &error))
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
