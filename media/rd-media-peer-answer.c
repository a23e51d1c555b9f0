/* rd-media-peer-answer.c: RdPeer's offer/answer, trickle candidates and statistics. See
 * rd-media-peer.h.
 *
 * The answer: the offer is checked (rd_offer_parse), then for each m-line in order a transceiver
 * is made with exactly the codec and payload type chosen from the offer (a sink pad fed from the
 * room's tee when the room sends on it, a recvonly transceiver otherwise), so webrtcbin's
 * answer can only hold what the room handles. Then set-remote-description -> create-answer ->
 * set-local-description -> ICE gathering complete (at most GATHER_TIMEOUT_MS) -> the local
 * description's text. Each promise replies on webrtcbin's thread; the next step runs on the
 * main context. */
#include "media/rd-media-peer-private.h"
#include "media/rd-media-error.h"

#include <string.h>

static char *
codec_caps (const RdOfferMedia *m)
{
  static const char *const names[] = { "VP8", "H264", "OPUS" };

  return g_strdup_printf ("application/x-rtp,media=%s,encoding-name=%s,clock-rate=%u,payload=%u",
                          m->video ? "video" : "audio", names[m->codec], m->video ? 90000u : 48000u,
                          m->pt);
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

/* tee -> [ghost] queue -> (gate) payloader -> webrtcbin sink pad */
gboolean
rd_peer_add_send_stream (RdPeer *peer, guint mline, gboolean video, RdOfferCodec codec, guint pt,
                         GstCaps *caps, GError **error)
{
  GstElement *tee = video ? rd_room_get_video_tee (peer->room) : rd_room_get_audio_tee (peer->room);
  GstElement *queue = gst_element_factory_make ("queue", NULL);
  GstElement *pay = gst_element_factory_make (!video                         ? "rtpopuspay"
                                              : codec == RD_OFFER_CODEC_H264 ? "rtph264pay"
                                                                             : "rtpvp8pay",
                                              NULL);
  GstPadTemplate *templ =
      gst_element_class_get_pad_template (GST_ELEMENT_GET_CLASS (peer->webrtc), "sink_%u");
  g_autoptr (GstPad) sink = NULL;
  g_autoptr (GstPad) pay_src = NULL;
  g_autoptr (GstPad) queue_sink = NULL;
  g_autoptr (GstPad) queue_src = NULL;
  RdPeerSendStream *s;

  if (!queue || !pay)
    {
      g_clear_object (&queue);
      g_clear_object (&pay);
      g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_INIT, "cannot make a payloader");
      return FALSE;
    }
  g_object_set (queue, "leaky", 2 /* downstream */, "max-size-buffers", 0, "max-size-bytes", 0,
                "max-size-time", (guint64)200 * GST_MSECOND, NULL);
  g_object_set (pay, "pt", pt, NULL);
  if (codec == RD_OFFER_CODEC_VP8)
    g_object_set (pay, "picture-id-mode", 2 /* 15 bit */, NULL);
  else if (codec == RD_OFFER_CODEC_H264)
    {
      /* packetization-mode=1 (FU-A, STAP-A); SPS/PPS with every IDR; no waiting to aggregate */
      g_object_set (pay, "config-interval", -1, NULL);
      gst_util_set_object_arg (G_OBJECT (pay), "aggregate-mode", "zero-latency");
    }
  gst_bin_add_many (GST_BIN (peer->bin), queue, pay, NULL);
  sink = gst_element_request_pad (peer->webrtc, templ, NULL, caps);
  pay_src = gst_element_get_static_pad (pay, "src");
  if (!sink || !gst_element_link (queue, pay) || gst_pad_link (pay_src, sink) != GST_PAD_LINK_OK)
    {
      g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_PIPELINE,
                   "m-line %u: cannot link the room's %s to webrtcbin", mline,
                   video ? "video" : "audio");
      return FALSE;
    }
  s = g_new0 (RdPeerSendStream, 1);
  s->tee = tee;
  queue_sink = gst_element_get_static_pad (queue, "sink");
  s->queue_sink = gst_object_ref (gst_ghost_pad_new (NULL, queue_sink));
  /* Nothing in this peer (a payloader refusing caps, webrtcbin flushing) may stop the room's
   * encoder, which the tee would do on any fatal return. */
  rd_media_guard_sink_pad (s->queue_sink);
  gst_pad_set_active (s->queue_sink, TRUE);
  gst_element_add_pad (peer->bin, s->queue_sink);
  queue_src = gst_element_get_static_pad (queue, "src");
  s->gate = rd_peer_gate_new (queue_src);
  gst_element_sync_state_with_parent (pay);
  gst_element_sync_state_with_parent (queue);
  s->tee_pad = gst_element_request_pad_simple (tee, "src_%u");
  if (gst_pad_link (s->tee_pad, s->queue_sink) != GST_PAD_LINK_OK)
    {
      gst_element_release_request_pad (tee, s->tee_pad);
      g_clear_object (&s->tee_pad);
      s->tee = NULL;
    }
  g_ptr_array_add (peer->send, s);
  if (!s->tee_pad)
    {
      g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_PIPELINE,
                   "m-line %u: cannot link the room's %s tee", mline, video ? "video" : "audio");
      return FALSE;
    }
  return TRUE;
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
        {
          /* keep the offer's profile so the answer names the same one */
          g_auto (GStrv) params = g_strsplit (m->fmtp, ";", -1);
          for (char **p = params; *p; p++)
            {
              g_auto (GStrv) kv = g_strsplit (g_strstrip (*p), "=", 2);
              /* Not sprop-parameter-sets: those are the party's own SPS/PPS, not the room's.
               * Not profile-level-id either when the room sends on this line: webrtcbin
               * accepts a payloader's caps only if they intersect these, and a payloader says
               * 42e01f (from the encoder's caps) or 42c01f (from x264's SPS, once seen): the
               * same constrained baseline 3.1, but as strings they differ, and whichever came
               * second failed to negotiate and the party got no video at all. The answer still
               * names the offer's profile-level-id (webrtcbin intersects with the offer). */
              if (kv[0] && kv[1] && g_ascii_strcasecmp (kv[0], "sprop-parameter-sets") != 0 &&
                  !(we_send && g_ascii_strcasecmp (kv[0], "profile-level-id") == 0))
                gst_caps_set_simple (caps, kv[0], G_TYPE_STRING, kv[1], NULL);
            }
        }
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
  g_autoptr (GTask) task = g_steal_pointer (&peer->answer_task);
  g_autofree char *reason = g_strdup (error->message);

  if (task)
    g_task_return_error (task, error);
  else
    g_error_free (error);
  rd_peer_close (peer, reason);
}

/* FALSE (and the answer failed) when the task was cancelled or the promise has an error. */
static gboolean
step_ok (RdPeer *peer, GstPromise *promise, const char *what)
{
  const GstStructure *reply;
  GError *error = NULL;

  if (!peer->answer_task)
    return FALSE;
  if (g_cancellable_set_error_if_cancelled (g_task_get_cancellable (peer->answer_task), &error))
    {
      fail_answer (peer, error);
      return FALSE;
    }
  if (!promise)
    return TRUE;
  /* webrtcbin replies with no structure when a description was set */
  reply = gst_promise_wait (promise) == GST_PROMISE_RESULT_REPLIED ? gst_promise_get_reply (promise)
                                                                   : NULL;
  if (gst_promise_wait (promise) != GST_PROMISE_RESULT_REPLIED ||
      (reply && gst_structure_has_field (reply, "error")))
    {
      g_autoptr (GError) werr = NULL;
      if (reply)
        gst_structure_get (reply, "error", G_TYPE_ERROR, &werr, NULL);
      fail_answer (peer, g_error_new (RD_MEDIA_ERROR, RD_MEDIA_ERROR_OFFER, "%s: %s", what,
                                      werr ? werr->message : "no reply from webrtcbin"));
      return FALSE;
    }
  return TRUE;
}

const GstStructure *
rd_peer_promise_reply (GstPromise *promise, const char *what, GError **error)
{
  const GstStructure *reply = NULL;
  g_autoptr (GError) werr = NULL;

  if (gst_promise_wait (promise) == GST_PROMISE_RESULT_REPLIED)
    reply = gst_promise_get_reply (promise);
  if (gst_promise_wait (promise) == GST_PROMISE_RESULT_REPLIED &&
      !(reply && gst_structure_has_field (reply, "error")))
    return reply;
  if (reply)
    gst_structure_get (reply, "error", G_TYPE_ERROR, &werr, NULL);
  g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_OFFER, "%s: %s", what,
               werr ? werr->message : "no reply from webrtcbin");
  return NULL;
}

typedef struct
{
  RdPeerHandle *handle;
  RdPeerFunc func;
} PromiseStep;

static void
promise_step_free (gpointer data)
{
  PromiseStep *st = data;

  rd_peer_handle_unref (st->handle);
  g_free (st);
}

static void
promise_changed (GstPromise *promise, gpointer user_data)
{
  PromiseStep *st = user_data;

  rd_peer_run_on_main (st->handle, st->func, gst_promise_ref (promise),
                       (GDestroyNotify)gst_promise_unref);
}

GstPromise *
rd_peer_promise_to (RdPeer *peer, RdPeerFunc func)
{
  PromiseStep *st = g_new (PromiseStep, 1);

  st->handle = rd_peer_handle_ref (peer->handle);
  st->func = func;
  return gst_promise_new_with_change_func (promise_changed, st, promise_step_free);
}

static void
finish_answer (RdPeer *peer)
{
  g_autoptr (GTask) task = NULL;
  GstWebRTCSessionDescription *local = NULL;
  char *text;

  if (!peer->answer_task)
    return;
  g_clear_handle_id (&peer->gather_timeout_id, g_source_remove);
  task = g_steal_pointer (&peer->answer_task);
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

  if (!peer->answer_task || !peer->answered)
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

  peer->gather_timeout_id = 0;
  GST_DEBUG ("peer %s: ICE gathering not complete after %d ms; answering with what there is",
             peer->id, GATHER_TIMEOUT_MS);
  finish_answer (peer);
  return G_SOURCE_REMOVE;
}

static void
local_set (RdPeer *peer, gpointer data)
{
  if (!step_ok (peer, data, "webrtcbin refused its own answer"))
    return;
  peer->answered = TRUE;
  rd_peer_watch_transports (peer);
  peer->gather_timeout_id =
      g_timeout_add_full (G_PRIORITY_DEFAULT, GATHER_TIMEOUT_MS, gather_timeout, peer, NULL);
  g_source_set_name_by_id (peer->gather_timeout_id, "[receptiond] peer ICE gathering");
  gathering_on_main (peer, NULL);
}

static void
answer_created (RdPeer *peer, gpointer data)
{
  GstPromise *promise = data, *next;
  GstWebRTCSessionDescription *answer = NULL;
  const GstStructure *reply;

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
  for (guint i = 0; i < gst_sdp_message_medias_len (answer->sdp); i++)
    {
      const GstSDPMedia *media = gst_sdp_message_get_media (answer->sdp, i);
      if (gst_sdp_media_get_port (media) == 0 &&
          !gst_sdp_media_get_attribute_val (media, "bundle-only") &&
          gst_sdp_media_formats_len (media) == 0)
        {
          gst_webrtc_session_description_free (answer);
          fail_answer (peer, g_error_new (RD_MEDIA_ERROR, RD_MEDIA_ERROR_OFFER,
                                          "m-line %u (%s) cannot be answered with the codec "
                                          "the offer named",
                                          i, gst_sdp_media_get_media (media)));
          return;
        }
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

static gboolean
connect_timeout (gpointer user_data)
{
  RdPeer *peer = user_data;

  peer->connect_timeout_id = 0;
  rd_peer_set_state (peer, RD_PEER_STATE_FAILED);
  rd_peer_close (peer, "no verified connection within " G_STRINGIFY (CONNECT_TIMEOUT_S) " s");
  return G_SOURCE_REMOVE;
}

void
rd_peer_answer_async (RdPeer *peer, const char *offer_sdp, GCancellable *cancellable,
                      GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (GError) error = NULL;
  GstSDPMessage *sdp = NULL;
  GstWebRTCSessionDescription *desc;
  GstPromise *promise;

  g_return_if_fail (RD_IS_PEER (peer));
  task = g_task_new (peer, cancellable, callback, user_data);
  g_task_set_source_tag (task, rd_peer_answer_async);
  if (peer->closed || peer->offer || peer->offerer)
    {
      g_task_return_new_error (task, RD_MEDIA_ERROR, RD_MEDIA_ERROR_PIPELINE,
                               peer->closed    ? "peer %s is closed"
                               : peer->offerer ? "peer %s is an offerer; it cannot answer"
                                               : "peer %s already has an offer",
                               peer->id);
      return;
    }
  peer->offer = rd_offer_parse (offer_sdp, rd_config_get_video_codec (peer->config), &error);
  if (!peer->offer || !setup_media (peer, peer->offer, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  peer->remote_fingerprint = g_strdup (peer->offer->fingerprint);
  peer->answer_task = g_steal_pointer (&task);
  peer->webrtc_ids[3] = g_signal_connect_data (
      peer->webrtc, "notify::ice-gathering-state", G_CALLBACK (on_gathering_state),
      rd_peer_handle_ref (peer->handle), rd_peer_handle_closure_unref, 0);
  gst_sdp_message_copy (peer->offer->sdp, &sdp);
  desc = gst_webrtc_session_description_new (GST_WEBRTC_SDP_TYPE_OFFER, sdp);
  rd_peer_set_state (peer, RD_PEER_STATE_CONNECTING);
  peer->connect_timeout_id = g_timeout_add_seconds_full (G_PRIORITY_DEFAULT, CONNECT_TIMEOUT_S,
                                                         connect_timeout, peer, NULL);
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

/* --- trickle --- */

gboolean
rd_peer_add_remote_candidates (RdPeer *peer, const char *sdpfrag, GError **error)
{
  g_auto (GStrv) lines = NULL;
  int mline = 0, m_seen = -1;

  g_return_val_if_fail (RD_IS_PEER (peer), FALSE);
  if (peer->closed || !peer->offer)
    {
      g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_PIPELINE,
                   "peer %s takes no candidates (%s)", peer->id,
                   peer->closed ? "closed" : "no offer yet");
      return FALSE;
    }
  lines = g_strsplit (sdpfrag ? sdpfrag : "", "\n", -1);
  for (char **l = lines; *l; l++)
    {
      char *line = g_strstrip (*l);

      if (g_str_has_prefix (line, "m="))
        mline = ++m_seen;
      else if (g_str_has_prefix (line, "a=mid:"))
        {
          for (guint i = 0; i < peer->offer->media->len; i++)
            {
              RdOfferMedia *m = peer->offer->media->pdata[i];
              if (g_strcmp0 (m->mid, line + strlen ("a=mid:")) == 0)
                mline = (int)m->mline;
            }
        }
      else if (g_str_has_prefix (line, "a=candidate:"))
        g_signal_emit_by_name (peer->webrtc, "add-ice-candidate", (guint)mline, line + 2);
    }
  return TRUE;
}
