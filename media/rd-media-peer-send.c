/* rd-media-peer-send.c: what a peer sends: the room's shared encoded video and the peer's own
 * mix of audio (rd_room_acquire_mix), one RdPeerSendStream per m-line the far end receives on,
 * behind a gate. See
 * rd-media-peer-private.h. Payloading is per peer because each far end picks its own payload
 * types. Main context, except the idle probe that unlinks a stream (the tee's thread). */
#include "media/rd-media-peer-private.h"
#include "media/rd-media-error.h"

#include <gst/video/video.h>

#define UNLINK_TIMEOUT_MS 1000

/* The payloader of @codec with payload type @pt, or NULL. (transfer floating) */
static GstElement *
make_payloader (gboolean video, RdOfferCodec codec, guint pt)
{
  GstElement *pay = gst_element_factory_make (!video                         ? "rtpopuspay"
                                              : codec == RD_OFFER_CODEC_H264 ? "rtph264pay"
                                                                             : "rtpvp8pay",
                                              NULL);

  if (!pay)
    return NULL;
  g_object_set (pay, "pt", pt, NULL);
  if (codec == RD_OFFER_CODEC_VP8)
    g_object_set (pay, "picture-id-mode", 2 /* 15 bit */, NULL);
  else if (codec == RD_OFFER_CODEC_H264)
    {
      /* packetization-mode=1 (FU-A, STAP-A); SPS/PPS with every IDR; no waiting to aggregate */
      g_object_set (pay, "config-interval", -1, NULL);
      gst_util_set_object_arg (G_OBJECT (pay), "aggregate-mode", "zero-latency");
    }
  return pay;
}

/* The queue's thread: it is full, and lets its oldest frames go. */
static void
on_overrun (GstElement *queue, gpointer user_data)
{
  RdPeerSendStream *s = user_data;

  g_atomic_int_compare_and_exchange (&s->need_keyframe, 0, 1);
}

/* The queue's thread: a video frame refers to the frames before it, back to a keyframe. After
 * the queue let frames go (this peer's send path stalled) and before the gate's first frame,
 * the frames that follow would decode into the wrong picture, or garbage, and a decoder sees
 * nothing wrong to ask a keyframe for (the payloader numbers what it gets without a gap): they
 * are dropped until a keyframe, asked for once (the room limits how often: rd-media-room.h). */
static GstPadProbeReturn
keyframe_guard (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  RdPeerSendStream *s = user_data;

  if (!g_atomic_int_get (&s->need_keyframe))
    return GST_PAD_PROBE_OK;
  if (!GST_BUFFER_FLAG_IS_SET (GST_PAD_PROBE_INFO_BUFFER (info), GST_BUFFER_FLAG_DELTA_UNIT))
    {
      g_atomic_int_set (&s->need_keyframe, 0);
      return GST_PAD_PROBE_OK;
    }
  if (g_atomic_int_compare_and_exchange (&s->need_keyframe, 1, 2))
    gst_pad_send_event (pad,
                        gst_video_event_new_upstream_force_key_unit (GST_CLOCK_TIME_NONE, TRUE, 0));
  return GST_PAD_PROBE_DROP;
}

/* tee -> [ghost] queue -> (gate) payloader -> webrtcbin sink pad */
gboolean
rd_peer_add_send_stream (RdPeer *peer, guint mline, gboolean video, RdOfferCodec codec, guint pt,
                         GstCaps *caps, GError **error)
{
  GstElement *tee = video ? rd_room_get_send_video_tee (peer->room)
                          : rd_room_acquire_mix (peer->room, peer->mix_key, error);
  GstElement *queue, *pay;
  GstPadTemplate *templ =
      gst_element_class_get_pad_template (GST_ELEMENT_GET_CLASS (peer->webrtc), "sink_%u");
  g_autoptr (GstPad) sink = NULL;
  g_autoptr (GstPad) pay_src = NULL;
  g_autoptr (GstPad) queue_sink = NULL;
  g_autoptr (GstPad) queue_src = NULL;
  RdPeerSendStream *s;

  if (!tee)
    return FALSE;
  s = g_new0 (RdPeerSendStream, 1);
  s->tee = tee;
  s->mix = !video;
  g_ptr_array_add (peer->send, s);
  queue = gst_element_factory_make ("queue", NULL);
  pay = make_payloader (video, codec, pt);
  if (!queue || !pay)
    {
      g_clear_object (&queue);
      g_clear_object (&pay);
      g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_INIT, "cannot make a payloader");
      return FALSE;
    }
  g_object_set (queue, "leaky", 2 /* downstream */, "max-size-buffers", 0, "max-size-bytes", 0,
                "max-size-time", (guint64)200 * GST_MSECOND, NULL);
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
  queue_sink = gst_element_get_static_pad (queue, "sink");
  s->queue_sink = gst_object_ref (gst_ghost_pad_new (NULL, queue_sink));
  /* Nothing in this peer (a payloader refusing caps, webrtcbin flushing) may stop the room's
   * encoder, which the tee would do on any fatal return. */
  rd_media_guard_sink_pad (s->queue_sink);
  gst_pad_set_active (s->queue_sink, TRUE);
  gst_element_add_pad (peer->bin, s->queue_sink);
  queue_src = gst_element_get_static_pad (queue, "src");
  s->gate = rd_peer_gate_new (queue_src);
  if (video)
    {
      s->need_keyframe = 1;
      g_signal_connect (queue, "overrun", G_CALLBACK (on_overrun), s);
      gst_pad_add_probe (queue_src, GST_PAD_PROBE_TYPE_BUFFER, keyframe_guard, s, NULL);
    }
  gst_element_sync_state_with_parent (pay);
  gst_element_sync_state_with_parent (queue);
  s->tee_pad = gst_element_request_pad_simple (tee, "src_%u");
  if (gst_pad_link (s->tee_pad, s->queue_sink) != GST_PAD_LINK_OK)
    {
      gst_element_release_request_pad (tee, s->tee_pad);
      g_clear_object (&s->tee_pad);
    }
  if (!s->tee_pad)
    {
      g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_PIPELINE,
                   "m-line %u: cannot link the room's %s tee", mline, video ? "video" : "audio");
      return FALSE;
    }
  return TRUE;
}

void
rd_peer_send_stream_free (gpointer data)
{
  RdPeerSendStream *s = data;

  rd_peer_gate_free (s->gate);
  g_clear_object (&s->tee_pad);
  g_clear_object (&s->queue_sink);
  g_free (s);
}

void
rd_peer_send_set_open (RdPeer *peer, gboolean open)
{
  g_mutex_lock (&peer->lock);
  for (guint i = 0; i < peer->send->len; i++)
    {
      RdPeerSendStream *s = peer->send->pdata[i];
      if (s->gate)
        rd_peer_gate_set_open (s->gate, open);
    }
  g_mutex_unlock (&peer->lock);
}

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

void
rd_peer_send_unlink (RdPeer *peer)
{
  gint64 deadline = g_get_monotonic_time () + UNLINK_TIMEOUT_MS * G_TIME_SPAN_MILLISECOND;

  /* each tee pad is unlinked between two buffers */
  for (guint i = 0; i < peer->send->len; i++)
    {
      RdPeerSendStream *s = peer->send->pdata[i];
      if (s->tee_pad)
        gst_pad_add_probe (s->tee_pad, GST_PAD_PROBE_TYPE_IDLE, unlink_when_idle, peer, NULL);
    }
  g_mutex_lock (&peer->lock);
  for (guint i = 0; i < peer->send->len; i++)
    {
      RdPeerSendStream *s = peer->send->pdata[i];
      while (s->tee_pad && !s->unlinked)
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
      if (s->tee_pad)
        gst_element_release_request_pad (s->tee, s->tee_pad);
      g_clear_object (&s->tee_pad);
      /* the peer's mix goes with its last user */
      if (s->mix)
        rd_room_release_mix (peer->room, peer->mix_key);
      s->mix = FALSE;
    }
}
