/* rd-media-peer-offer.c: RdPeer as the offerer (the room joining a conference hosted elsewhere:
 * WHIP publish, WHEP play). See rd-media-peer-offer.h.
 *
 * The offer: one video and one audio transceiver, in that order (publish: fed from the room's
 * tees with the same payloaders as for a party, sendonly; play: recvonly), each with exactly
 * the codecs the room handles as codec-preferences. create-offer -> set-local-description ->
 * the local description's text at once (trickle: candidates follow as "local-candidate").
 * The answer is checked like a party's offer (rd_answer_parse) and against our offer (every
 * m-line answered, in order, with a payload type we offered, in the direction we asked), then
 * set as the remote description. ICE restart: rd-media-peer-ice.c. Promises reply on
 * webrtcbin's threads; each next step runs on the main context (rd_peer_promise_to). */
#include "media/rd-media-peer-private.h"

#include <string.h>

#define PT_VP8  96
#define PT_H264 102
#define PT_OPUS 111

/* --- ICE servers --- */

/* "HOST[:PORT]" (HOST may be [IPv6]) is well-formed. */
static gboolean
host_port_ok (const char *hp)
{
  const char *colon;

  if (*hp == '[')
    {
      const char *close = strchr (hp, ']');
      if (!close || close == hp + 1)
        return FALSE;
      colon = close[1] == ':' ? close + 1 : NULL;
      if (!colon && close[1] != '\0')
        return FALSE;
    }
  else
    {
      colon = strchr (hp, ':');
      if (colon == hp || *hp == '\0')
        return FALSE;
      for (const char *p = hp; *p && p != colon; p++)
        if (!g_ascii_isalnum (*p) && *p != '.' && *p != '-')
          return FALSE;
    }
  if (colon)
    {
      guint64 port = 0;
      if (!g_ascii_string_to_unsigned (colon + 1, 10, 1, 65535, &port, NULL))
        return FALSE;
    }
  return TRUE;
}

gboolean
rd_peer_add_ice_server (RdPeer *peer, const char *url, const char *username, const char *credential,
                        GError **error)
{
  g_autofree char *rest = NULL;
  char *query;
  gboolean turn, turns, ok = FALSE;

  g_return_val_if_fail (RD_IS_PEER (peer), FALSE);
  if (peer->closed || peer->local_sdp || peer->offer)
    {
      g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_PIPELINE,
                   "peer %s: ICE servers are added before the offer", peer->id);
      return FALSE;
    }
  turns = url && g_str_has_prefix (url, "turns:");
  turn = url && (turns || g_str_has_prefix (url, "turn:"));
  if (!url || !(turn || g_str_has_prefix (url, "stun:")))
    {
      g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_ICE_SERVER,
                   "ICE server '%s': not a stun:, turn: or turns: URL", url ? url : "(none)");
      return FALSE;
    }
  rest = g_strdup (strchr (url, ':') + 1);
  query = strchr (rest, '?');
  if (query)
    *query++ = '\0';
  if (!host_port_ok (rest) || (query && (!turn || (g_strcmp0 (query, "transport=udp") != 0 &&
                                                   g_strcmp0 (query, "transport=tcp") != 0))))
    {
      g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_ICE_SERVER,
                   "ICE server '%s': expected %s:HOST[:PORT]%s", url,
                   turns  ? "turns"
                   : turn ? "turn"
                          : "stun",
                   turn ? "[?transport=udp|tcp]" : " (no query)");
      return FALSE;
    }
  if (!turn)
    {
      g_autofree char *current = NULL;
      g_object_get (peer->webrtc, "stun-server", &current, NULL);
      if (current)
        {
          /* webrtcbin takes one STUN server; the configured one stays */
          GST_INFO ("peer %s: STUN server %s not used, %s is", peer->id, url, current);
          return TRUE;
        }
      {
        g_autofree char *stun = g_strdup_printf ("stun://%s", rest);
        g_object_set (peer->webrtc, "stun-server", stun, NULL);
      }
      return TRUE;
    }
  if (!username || !*username || !credential || !*credential)
    {
      g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_ICE_SERVER,
                   "ICE server '%s': a TURN server needs a username and a credential", url);
      return FALSE;
    }
  {
    g_autofree char *user = g_uri_escape_string (username, NULL, FALSE);
    g_autofree char *pass = g_uri_escape_string (credential, NULL, FALSE);
    g_autofree char *uri = g_strdup_printf ("%s://%s:%s@%s%s%s", turns ? "turns" : "turn", user,
                                            pass, rest, query ? "?" : "", query ? query : "");
    g_signal_emit_by_name (peer->webrtc, "add-turn-server", uri, &ok);
  }
  if (!ok)
    {
      g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_ICE_SERVER,
                   "ICE server '%s': webrtcbin refused it", url);
      return FALSE;
    }
  return TRUE;
}

/* --- trickle: our candidates, up to the owner --- */

typedef struct
{
  guint mline;
  char *candidate;
} Candidate;

static void
candidate_free (gpointer data)
{
  Candidate *c = data;

  g_free (c->candidate);
  g_free (c);
}

static void
candidate_on_main (RdPeer *peer, gpointer data)
{
  Candidate *c = data;
  const char *value = c->candidate;
  const char *mid = NULL;

  if (g_str_has_prefix (value, "a="))
    value += 2;
  if (!*value || !peer->local_sdp) /* an empty one ends the candidates: gathering-done says it */
    return;
  if (c->mline < gst_sdp_message_medias_len (peer->local_sdp))
    mid = gst_sdp_media_get_attribute_val (gst_sdp_message_get_media (peer->local_sdp, c->mline),
                                           "mid");
  g_signal_emit_by_name (peer, "local-candidate", mid ? mid : "0", value);
}

static void
on_ice_candidate (GstElement *webrtc, guint mline, const char *candidate, gpointer user_data)
{
  Candidate *c = g_new (Candidate, 1);

  c->mline = mline;
  c->candidate = g_strdup (candidate ? candidate : "");
  rd_peer_run_on_main (user_data, candidate_on_main, c, candidate_free);
}

static void
gathering_on_main (RdPeer *peer, gpointer data)
{
  GstWebRTCICEGatheringState state;

  g_object_get (peer->webrtc, "ice-gathering-state", &state, NULL);
  if (state != GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE || peer->gathering_done)
    return;
  peer->gathering_done = TRUE;
  g_signal_emit_by_name (peer, "gathering-done");
}

static void
on_gathering_state (GObject *webrtc, GParamSpec *pspec, gpointer user_data)
{
  rd_peer_run_on_main (user_data, gathering_on_main, NULL, NULL);
}

/* --- the offer --- */

static gboolean
h264_decoder_installed (void)
{
  static const char *const decoders[] = { "openh264dec", "avdec_h264" };

  for (gsize i = 0; i < G_N_ELEMENTS (decoders); i++)
    {
      g_autoptr (GstElementFactory) f = gst_element_factory_find (decoders[i]);
      if (f)
        return TRUE;
    }
  return FALSE;
}

static GstCaps *
video_caps (RdOfferCodec codec)
{
  if (codec == RD_OFFER_CODEC_H264)
    /* what the room's encoder makes: constrained baseline, level 3.1 */
    return gst_caps_new_simple ("application/x-rtp", "media", G_TYPE_STRING, "video",
                                "encoding-name", G_TYPE_STRING, "H264", "clock-rate", G_TYPE_INT,
                                90000, "payload", G_TYPE_INT, PT_H264, "packetization-mode",
                                G_TYPE_STRING, "1", "profile-level-id", G_TYPE_STRING, "42e01f",
                                "level-asymmetry-allowed", G_TYPE_STRING, "1", "rtcp-fb-nack-pli",
                                G_TYPE_BOOLEAN, TRUE, NULL);
  return gst_caps_new_simple ("application/x-rtp", "media", G_TYPE_STRING, "video", "encoding-name",
                              G_TYPE_STRING, "VP8", "clock-rate", G_TYPE_INT, 90000, "payload",
                              G_TYPE_INT, PT_VP8, "rtcp-fb-nack-pli", G_TYPE_BOOLEAN, TRUE, NULL);
}

static GstCaps *
audio_caps (void)
{
  return gst_caps_new_simple ("application/x-rtp", "media", G_TYPE_STRING, "audio", "encoding-name",
                              G_TYPE_STRING, "OPUS", "clock-rate", G_TYPE_INT, 48000,
                              "encoding-params", G_TYPE_STRING, "2", "payload", G_TYPE_INT, PT_OPUS,
                              NULL);
}

static GstWebRTCRTPTransceiver *
last_transceiver (GstElement *webrtc)
{
  g_autoptr (GArray) transceivers = NULL;

  g_signal_emit_by_name (webrtc, "get-transceivers", &transceivers);
  if (!transceivers || transceivers->len == 0)
    return NULL;
  return gst_object_ref (
      g_array_index (transceivers, GstWebRTCRTPTransceiver *, transceivers->len - 1));
}

/* One m-line: sendonly from the room's tee (publish) or recvonly (play). */
static gboolean
add_line (RdPeer *peer, guint mline, gboolean video, GError **error)
{
  RdOfferCodec codec = !video ? RD_OFFER_CODEC_OPUS
                       : rd_config_get_video_codec (peer->config) == RD_VIDEO_CODEC_H264
                           ? RD_OFFER_CODEC_H264
                           : RD_OFFER_CODEC_VP8;
  g_autoptr (GstCaps) caps = video ? video_caps (codec) : audio_caps ();
  g_autoptr (GstWebRTCRTPTransceiver) t = NULL;
  gboolean publish = peer->offer_kind == RD_PEER_OFFER_PUBLISH;

  if (publish)
    {
      guint pt = !video ? PT_OPUS : codec == RD_OFFER_CODEC_H264 ? PT_H264 : PT_VP8;
      if (!rd_peer_add_send_stream (peer, mline, video, codec, pt, caps, error))
        return FALSE;
    }
  else
    {
      /* play: any video codec the room decodes, its own first */
      if (video && h264_decoder_installed ())
        gst_caps_append (caps, video_caps (codec == RD_OFFER_CODEC_H264 ? RD_OFFER_CODEC_VP8
                                                                        : RD_OFFER_CODEC_H264));
      g_signal_emit_by_name (peer->webrtc, "add-transceiver",
                             GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_RECVONLY, caps, &t);
    }
  if (!t)
    t = last_transceiver (peer->webrtc);
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
      if (slot == &peer->offer_task)
        error->code = RD_MEDIA_ERROR_PIPELINE;
      fail_task (peer, slot, error);
      return FALSE;
    }
  return TRUE;
}

/* The offer as sent: webrtcbin's max-bundle offer marks every m-line after the first
 * "bundle-only" with port 0 (RFC 8843 7.2), which servers written for browsers' offers (port 9
 * on every m-line, BUNDLE group, no bundle-only) may take as rejected lines. They are sent in
 * the browsers' form; the BUNDLE group, the credentials and the transport are the same.
 * (transfer full) */
static char *
offer_text (const GstSDPMessage *local)
{
  GstSDPMessage *copy = NULL;
  char *text;

  gst_sdp_message_copy (local, &copy);
  for (guint i = 1; i < gst_sdp_message_medias_len (copy); i++)
    {
      GstSDPMedia *m = (GstSDPMedia *)gst_sdp_message_get_media (copy, i);
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
  const GstStructure *reply;
  GstWebRTCSessionDescription *local = NULL;
  g_autoptr (GTask) task = NULL;

  if (!offer_step_ok (peer, &peer->offer_task, data, "webrtcbin refused its own offer", &reply))
    return;
  task = g_steal_pointer (&peer->offer_task);
  rd_peer_watch_transports (peer);
  g_object_get (peer->webrtc, "local-description", &local, NULL);
  if (!local)
    {
      g_task_return_new_error (task, RD_MEDIA_ERROR, RD_MEDIA_ERROR_PIPELINE,
                               "webrtcbin has no local description");
      return;
    }
  g_task_return_pointer (task, offer_text (local->sdp), g_free);
  gst_webrtc_session_description_free (local);
  gathering_on_main (peer, NULL); /* in case it completed before we listened */
}

static void
offer_created (RdPeer *peer, gpointer data)
{
  const GstStructure *reply;
  GstWebRTCSessionDescription *offer = NULL;
  GstPromise *next;

  if (!offer_step_ok (peer, &peer->offer_task, data, "webrtcbin cannot make an offer", &reply))
    return;
  if (reply)
    gst_structure_get (reply, "offer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &offer, NULL);
  if (!offer)
    {
      fail_task (peer, &peer->offer_task,
                 g_error_new (RD_MEDIA_ERROR, RD_MEDIA_ERROR_PIPELINE, "webrtcbin made no offer"));
      return;
    }
  gst_sdp_message_copy (offer->sdp, &peer->local_sdp);
  next = rd_peer_promise_to (peer, offer_local_set);
  g_signal_emit_by_name (peer->webrtc, "set-local-description", offer, next);
  gst_promise_unref (next);
  gst_webrtc_session_description_free (offer);
}

void
rd_peer_offer_async (RdPeer *peer, RdPeerOfferKind kind, GCancellable *cancellable,
                     GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (GError) error = NULL;
  GstPromise *promise;

  g_return_if_fail (RD_IS_PEER (peer));
  task = g_task_new (peer, cancellable, callback, user_data);
  g_task_set_source_tag (task, rd_peer_offer_async);
  if (peer->closed || peer->offerer || peer->offer || peer->answer_task)
    {
      g_task_return_new_error (task, RD_MEDIA_ERROR, RD_MEDIA_ERROR_PIPELINE,
                               peer->closed    ? "peer %s is closed"
                               : peer->offerer ? "peer %s has made its offer already"
                                               : "peer %s is an answerer; it cannot offer",
                               peer->id);
      return;
    }
  peer->offerer = TRUE;
  peer->offer_kind = kind;
  if (!add_line (peer, 0, TRUE, &error) || !add_line (peer, 1, FALSE, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  peer->webrtc_ids[0] =
      g_signal_connect_data (peer->webrtc, "on-ice-candidate", G_CALLBACK (on_ice_candidate),
                             rd_peer_handle_ref (peer->handle), rd_peer_handle_closure_unref, 0);
  peer->webrtc_ids[3] = g_signal_connect_data (
      peer->webrtc, "notify::ice-gathering-state", G_CALLBACK (on_gathering_state),
      rd_peer_handle_ref (peer->handle), rd_peer_handle_closure_unref, 0);
  peer->offer_task = g_steal_pointer (&task);
  rd_peer_set_state (peer, RD_PEER_STATE_CONNECTING);
  promise = rd_peer_promise_to (peer, offer_created);
  g_signal_emit_by_name (peer->webrtc, "create-offer", NULL, promise);
  gst_promise_unref (promise);
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
  guint ours = gst_sdp_message_medias_len (peer->local_sdp);
  gboolean publish = peer->offer_kind == RD_PEER_OFFER_PUBLISH;

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
      const GstSDPMedia *m = gst_sdp_message_get_media (peer->local_sdp, i);
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

static gboolean
offerer_connect_timeout (gpointer user_data)
{
  RdPeer *peer = user_data;

  peer->connect_timeout_id = 0;
  rd_peer_lost (peer, RD_PEER_STATE_FAILED,
                "no verified connection within " G_STRINGIFY (CONNECT_TIMEOUT_S) " s");
  return G_SOURCE_REMOVE;
}

static void
answer_set (RdPeer *peer, gpointer data)
{
  const GstStructure *reply;
  g_autoptr (GTask) task = NULL;

  if (!offer_step_ok (peer, &peer->set_answer_task, data, "webrtcbin refused the answer", &reply))
    return;
  task = g_steal_pointer (&peer->set_answer_task);
  peer->answered = TRUE;
  rd_peer_watch_transports (peer);
  peer->connect_timeout_id = g_timeout_add_seconds_full (G_PRIORITY_DEFAULT, CONNECT_TIMEOUT_S,
                                                         offerer_connect_timeout, peer, NULL);
  g_task_return_boolean (task, TRUE);
}

void
rd_peer_set_answer_async (RdPeer *peer, const char *answer_sdp, GCancellable *cancellable,
                          GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (RdOffer) answer = NULL;
  GstSDPMessage *sdp = NULL;
  GstWebRTCSessionDescription *desc;
  GstPromise *promise;

  g_return_if_fail (RD_IS_PEER (peer));
  task = g_task_new (peer, cancellable, callback, user_data);
  g_task_set_source_tag (task, rd_peer_set_answer_async);
  if (peer->closed || !peer->offerer || !peer->local_sdp || peer->offer_task || peer->offer)
    {
      g_task_return_new_error (task, RD_MEDIA_ERROR, RD_MEDIA_ERROR_PIPELINE,
                               "peer %s takes no answer (%s)", peer->id,
                               peer->closed     ? "closed"
                               : !peer->offerer ? "it is an answerer"
                               : peer->offer    ? "it has one"
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
  peer->offer = g_steal_pointer (&answer);
  peer->set_answer_task = g_steal_pointer (&task);
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

/* --- our credentials --- */

static const char *
local_attribute (RdPeer *peer, const char *name)
{
  const char *v = NULL;

  if (!peer->local_sdp)
    return NULL;
  for (guint i = 0; !v && i < gst_sdp_message_medias_len (peer->local_sdp); i++)
    v = gst_sdp_media_get_attribute_val (gst_sdp_message_get_media (peer->local_sdp, i), name);
  return v ? v : gst_sdp_message_get_attribute_val (peer->local_sdp, name);
}

const char *
rd_peer_get_local_ufrag (RdPeer *peer)
{
  g_return_val_if_fail (RD_IS_PEER (peer), NULL);
  return peer->local_ufrag ? peer->local_ufrag : local_attribute (peer, "ice-ufrag");
}

const char *
rd_peer_get_local_pwd (RdPeer *peer)
{
  g_return_val_if_fail (RD_IS_PEER (peer), NULL);
  return peer->local_pwd ? peer->local_pwd : local_attribute (peer, "ice-pwd");
}
