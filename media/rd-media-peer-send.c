/* rd-media-peer-send.c: what a peer sends: the room's shared encoded video and the peer's own
 * mix of audio (rd_room_acquire_mix), one RdPeerSendStream per m-line the far end receives on,
 * behind a gate, and watched: a stream that gets the room's media but sends nothing is made
 * again. See rd-media-peer-private.h. Payloading is per peer because each far end picks its own
 * payload types. Main context, except the probes (streaming threads). */
#include "media/rd-media-peer-private.h"
#include "media/rd-media-error.h"

#include <gst/video/video.h>

#define UNLINK_TIMEOUT_MS 1000
/* The watch (rd_peer_send_watch): how long a stream may get the room's media and send none
 * before a keyframe is asked for again (video), and before its queue and payloader are made
 * again. Far beyond a keyframe's wait on a loaded machine (the room answers one at once; the
 * encoder makes one at least every 2 s of frames). */
#define QUIET_KEYFRAME_S 3
#define QUIET_REBUILD_S  6

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

/* The payloader's thread: what it sends. */
static GstPadProbeReturn
count_sent (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  RdPeerSendStream *s = user_data;

  __atomic_add_fetch (&s->sent, 1, __ATOMIC_RELAXED);
  return GST_PAD_PROBE_OK;
}

/* The tee's thread: what reaches the stream from the room. */
static GstPadProbeReturn
count_in (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  RdPeerSendStream *s = user_data;

  __atomic_add_fetch (&s->in, 1, __ATOMIC_RELAXED);
  return GST_PAD_PROBE_OK;
}

/* A payloader made again goes on where @old stopped: same SSRC, the next sequence number, the
 * same RTP time base (RFC 3550 5.1: to the far end it is the same stream). */
static void
continue_numbering (GstElement *old, GstElement *pay)
{
  GstStructure *stats = NULL;
  guint ssrc, seqnum, ts_base;

  g_object_get (old, "stats", &stats, NULL);
  if (stats && gst_structure_get_uint (stats, "ssrc", &ssrc) &&
      gst_structure_get_uint (stats, "seqnum", &seqnum) &&
      gst_structure_get_uint (stats, "timestamp-offset", &ts_base))
    g_object_set (pay, "ssrc", ssrc, "seqnum-offset", (gint)((seqnum + 1) & 0xffff),
                  "timestamp-offset", ts_base, NULL);
  g_clear_pointer (&stats, gst_structure_free);
}

/* [ghost] -> queue -> (gate) payloader -> webrtcbin's sink pad: the queue and payloader made
 * (again, after @old_pay, when it is set), the ghost pad made the first time, else pointed at the
 * new queue. The gate starts closed. */
static gboolean
make_branch (RdPeer *peer, RdPeerSendStream *s, GstElement *old_pay, GError **error)
{
  GstElement *queue = gst_element_factory_make ("queue", NULL);
  GstElement *pay = make_payloader (s->video, s->codec, s->pt);
  g_autoptr (GstPad) pay_src = NULL;
  g_autoptr (GstPad) queue_sink = NULL;
  g_autoptr (GstPad) queue_src = NULL;

  if (!queue || !pay)
    {
      g_clear_object (&queue);
      g_clear_object (&pay);
      g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_INIT, "cannot make a payloader");
      return FALSE;
    }
  g_object_set (queue, "leaky", 2 /* downstream */, "max-size-buffers", 0, "max-size-bytes", 0,
                "max-size-time", (guint64)200 * GST_MSECOND, NULL);
  if (old_pay)
    continue_numbering (old_pay, pay);
  gst_bin_add_many (GST_BIN (peer->bin), queue, pay, NULL);
  s->queue = queue;
  s->pay = pay;
  pay_src = gst_element_get_static_pad (pay, "src");
  if (!gst_element_link (queue, pay) || gst_pad_link (pay_src, s->webrtc_sink) != GST_PAD_LINK_OK)
    {
      g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_PIPELINE,
                   "m-line %u: cannot link the room's %s to webrtcbin", s->mline,
                   s->video ? "video" : "audio");
      return FALSE;
    }
  gst_pad_add_probe (pay_src, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
                     count_sent, s, NULL);
  queue_sink = gst_element_get_static_pad (queue, "sink");
  if (s->queue_sink)
    gst_ghost_pad_set_target (GST_GHOST_PAD (s->queue_sink), queue_sink);
  else
    {
      s->queue_sink = gst_object_ref (gst_ghost_pad_new (NULL, queue_sink));
      /* Nothing in this peer (a payloader refusing caps, webrtcbin flushing) may stop the room's
       * encoder, which the tee would do on any fatal return. */
      rd_media_guard_sink_pad (s->queue_sink);
      gst_pad_set_active (s->queue_sink, TRUE);
      gst_element_add_pad (peer->bin, s->queue_sink);
      gst_pad_add_probe (s->queue_sink, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
                         count_in, s, NULL);
    }
  queue_src = gst_element_get_static_pad (queue, "src");
  s->gate = rd_peer_gate_new (queue_src);
  if (s->video)
    {
      s->need_keyframe = 1;
      g_signal_connect (queue, "overrun", G_CALLBACK (on_overrun), s);
      gst_pad_add_probe (queue_src, GST_PAD_PROBE_TYPE_BUFFER, keyframe_guard, s, NULL);
    }
  gst_element_sync_state_with_parent (pay);
  gst_element_sync_state_with_parent (queue);
  return TRUE;
}

/* tee -> [ghost] queue -> (gate) payloader -> webrtcbin sink pad */
gboolean
rd_peer_add_send_stream (RdPeer *peer, guint mline, gboolean video, RdOfferCodec codec, guint pt,
                         GstCaps *caps, GError **error)
{
  GstElement *tee = video ? rd_room_get_send_video_tee (peer->room)
                          : rd_room_acquire_mix (peer->room, peer->mix_key, error);
  GstPadTemplate *templ =
      gst_element_class_get_pad_template (GST_ELEMENT_GET_CLASS (peer->webrtc), "sink_%u");
  RdPeerSendStream *s;

  if (!tee)
    return FALSE;
  s = g_new0 (RdPeerSendStream, 1);
  s->tee = tee;
  s->mix = !video;
  s->video = video;
  s->codec = codec;
  s->pt = pt;
  s->mline = mline;
  g_ptr_array_add (peer->send, s);
  s->webrtc_sink = gst_element_request_pad (peer->webrtc, templ, NULL, caps);
  if (!s->webrtc_sink)
    {
      g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_PIPELINE,
                   "m-line %u: webrtcbin gives no pad for the room's %s", mline,
                   video ? "video" : "audio");
      return FALSE;
    }
  if (!make_branch (peer, s, NULL, error))
    return FALSE;
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
  g_clear_object (&s->webrtc_sink);
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

/* Takes @only (NULL: every stream) off the room's tees between two buffers, waiting at most
 * UNLINK_TIMEOUT_MS, then unlinking anyway. */
static void
unlink_from_tees (RdPeer *peer, RdPeerSendStream *only)
{
  gint64 deadline = g_get_monotonic_time () + UNLINK_TIMEOUT_MS * G_TIME_SPAN_MILLISECOND;

  for (guint i = 0; i < peer->send->len; i++)
    {
      RdPeerSendStream *s = peer->send->pdata[i];
      if (s->tee_pad && (!only || s == only))
        s->unlink_probe =
            gst_pad_add_probe (s->tee_pad, GST_PAD_PROBE_TYPE_IDLE, unlink_when_idle, peer, NULL);
    }
  g_mutex_lock (&peer->lock);
  for (guint i = 0; i < peer->send->len; i++)
    {
      RdPeerSendStream *s = peer->send->pdata[i];
      while (s->tee_pad && (!only || s == only) && !s->unlinked)
        if (!g_cond_wait_until (&peer->cond, &peer->lock, deadline))
          {
            GST_WARNING ("peer %s: tee pad not idle in time; unlinking anyway", peer->id);
            /* the probe must not fire later: it would take a stream made again off the tee,
             * or find the peer gone */
            if (s->unlink_probe)
              gst_pad_remove_probe (s->tee_pad, s->unlink_probe);
            gst_pad_unlink (s->tee_pad, s->queue_sink);
            s->unlinked = TRUE;
          }
      s->unlink_probe = 0;
    }
  g_mutex_unlock (&peer->lock);
}

void
rd_peer_send_unlink (RdPeer *peer)
{
  unlink_from_tees (peer, NULL);
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

/* --- the watch --- */

/* What a rebuild took out of the peer's bin, stopped on a thread of its own: a payloader stuck
 * in a push would hold whoever sets it to NULL. */
typedef struct
{
  GstElement *queue, *pay;
  RdPeerGate *gate; /* its probe is on the queue: freed once that is stopped */
} Retired;

static gpointer
stop_retired (gpointer data)
{
  Retired *r = data;

  gst_element_set_state (r->queue, GST_STATE_NULL);
  gst_element_set_state (r->pay, GST_STATE_NULL);
  rd_peer_gate_free (r->gate);
  gst_object_unref (r->queue);
  gst_object_unref (r->pay);
  g_free (r);
  return NULL;
}

/* @s's queue and payloader made again, between two of the tee's buffers; the far end gets the
 * same RTP stream on (continue_numbering), from a keyframe (the new branch asks for one). */
static gboolean
rebuild (RdPeer *peer, RdPeerSendStream *s, GError **error)
{
  Retired *old = g_new0 (Retired, 1);
  g_autoptr (GstPad) old_src = gst_element_get_static_pad (s->pay, "src");
  gboolean ok;

  old->queue = gst_object_ref (s->queue);
  old->pay = gst_object_ref (s->pay);
  old->gate = s->gate;
  unlink_from_tees (peer, s);
  gst_pad_unlink (old_src, s->webrtc_sink); /* what the old payloader sends goes nowhere now */
  g_mutex_lock (&peer->lock);               /* rd_peer_get_media_bytes() reads the gate */
  ok = make_branch (peer, s, old->pay, error);
  if (ok)
    {
      s->gate->bytes = old->gate->bytes;
      rd_peer_gate_set_open (s->gate, g_atomic_int_get (&old->gate->open));
    }
  else
    old->gate = NULL; /* still the stream's (make_branch() failed before a new one) */
  g_mutex_unlock (&peer->lock);
  gst_bin_remove_many (GST_BIN (peer->bin), old->queue, old->pay, NULL);
  g_thread_unref (g_thread_new ("rd-send-retire", stop_retired, old));
  if (!ok)
    return FALSE;
  g_mutex_lock (&peer->lock);
  s->unlinked = gst_pad_link (s->tee_pad, s->queue_sink) != GST_PAD_LINK_OK;
  g_mutex_unlock (&peer->lock);
  if (s->unlinked)
    {
      g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_PIPELINE,
                   "m-line %u: cannot link the room's %s tee again", s->mline,
                   s->video ? "video" : "audio");
      return FALSE;
    }
  return TRUE;
}

void
rd_peer_send_watch (RdPeer *peer)
{
  gint now = rd_peer_now_s ();

  for (guint i = 0; i < peer->send->len; i++)
    {
      RdPeerSendStream *s = peer->send->pdata[i];
      guint64 in = __atomic_load_n (&s->in, __ATOMIC_RELAXED);
      guint64 sent = __atomic_load_n (&s->sent, __ATOMIC_RELAXED);
      const char *what = s->video ? "video" : "audio";
      gboolean quiet = s->tee_pad && !s->unlinked && g_atomic_int_get (&s->gate->open) &&
                       in != s->watch_in && sent == s->watch_sent;
      g_autoptr (GError) error = NULL;
      g_autofree char *message = NULL;

      s->watch_in = in;
      s->watch_sent = sent;
      if (!quiet)
        {
          s->quiet_since = 0;
          continue;
        }
      if (!s->quiet_since)
        s->quiet_since = now;
      if (s->video && now - s->quiet_since >= QUIET_KEYFRAME_S && !s->watch_asked)
        {
          GST_WARNING ("peer %s: the room's video reaches its stream but none is sent for %d s; "
                       "asking a keyframe",
                       peer->id, now - s->quiet_since);
          s->watch_asked = TRUE;
          g_atomic_int_set (&s->need_keyframe, 1);
          rd_room_request_keyframe (peer->room);
        }
      if (now - s->quiet_since < QUIET_REBUILD_S)
        continue;
      s->quiet_since = 0;
      s->watch_asked = FALSE;
      if (!rebuild (peer, s, &error))
        {
          message = g_strdup_printf ("its %s stream sent nothing for %d s and could not be made "
                                     "again: %s",
                                     what, QUIET_REBUILD_S, error->message);
          rd_peer_close (peer, message);
          return;
        }
      message = g_strdup_printf ("its %s stream got the room's %s but sent nothing for %d s: "
                                 "made again, from a keyframe",
                                 what, what, QUIET_REBUILD_S);
      GST_WARNING ("peer %s: %s", peer->id, message);
      g_signal_emit_by_name (peer, "send-repaired", message);
    }
}
