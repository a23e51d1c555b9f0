/* rd-media-peer-recv.c: what a peer receives (RdPeerRecv): webrtcbin's pad-added builds the
 * depayloader, the recorder's tee and the decoder on the streaming thread (data already flows),
 * behind a closed gate; linking to the room's compositor/mixer and "stream-added" happen on the
 * main context. See rd-media-peer.h and rd-media-peer-private.h.
 *
 * Lip-sync. webrtcbin's rtpbin times each received stream by when its packets arrive until the
 * sender's RTCP SRs (one NTP time for both streams' RTP clocks) have come for every stream; then
 * it sets a ts-offset on a jitterbuffer and that stream's timestamps jump (by up to ~100 ms
 * here), and again, a little, at later SRs. Timed by arrival, a party's audio and video would be
 * up to +-100 ms apart in the recording, constant for the call (bench/bench-av-sync). So
 * "stream-added" (the recorder's start) waits until rtpbin has had a valid SR of every stream
 * received (its jitterbuffers' "handle-sync", after rtpbin's own handler), at most SYNC_WAIT_MS
 * after the first stream is linked; from then on rtpbin's corrections are slewed (at most
 * SYNC_SLEW_NS per frame), so the recorder never sees a jump. A sender whose SRs never pass
 * rtpbin's checks (missing, or more than 1 s ahead of its RTP, as a GStreamer 1.22 webrtcbin's
 * are when its RTP session never learnt its pipeline's latency) is recorded as received after
 * that wait, timed by arrival. The display and speakers never wait. Nothing is lost to the
 * wait: what arrives from verification on is held for the recorder (rd-media-peer-hold.c) and
 * released with "stream-added", its timestamps corrected to the lip-sync known by then; a party
 * that leaves before has its holds handed over at close (rd_peer_recv_flush()). */
#include "media/rd-media-peer-private.h"

#include <gst/webrtc/webrtc.h>

/* How long a party's received streams wait for rtpbin's lip-sync (the first valid RTCP SR of
 * each) before they are announced to the recorder anyway. */
#define SYNC_WAIT_MS 2000
/* Once announced, rtpbin's later lip-sync corrections are slewed by at most this per frame. */
#define SYNC_SLEW_NS (1 * GST_MSECOND)

static void sync_on_main (RdPeer *peer, gpointer data);

/* Streaming thread (a jitterbuffer's RTCP): rtpbin has just used an SR of this stream, unless
 * the jitterbuffer found it unusable (no RTP time). */
static void
on_handle_sync (GstElement *jitterbuffer, GstStructure *s, gpointer user_data)
{
  g_autoptr (RdPeer) peer = g_weak_ref_get (&((RdPeerHandle *)user_data)->peer);
  guint64 ext = G_MAXUINT64;
  guint ssrc = 0;
  gboolean known = FALSE;

  if (!peer || !gst_structure_get_uint (s, "ssrc", &ssrc))
    return;
  if (!gst_structure_has_field (s, "inband-ntpnstime") &&
      (!gst_structure_get_uint64 (s, "sr-ext-rtptime", &ext) || ext == G_MAXUINT64))
    return;
  g_mutex_lock (&peer->lock);
  for (guint i = 0; i < peer->recv.synced_ssrcs->len; i++)
    known |= g_array_index (peer->recv.synced_ssrcs, guint32, i) == ssrc;
  if (!known)
    g_array_append_val (peer->recv.synced_ssrcs, ssrc);
  g_mutex_unlock (&peer->lock);
  if (!known)
    rd_peer_run_on_main (peer->handle, sync_on_main, NULL, NULL);
}

static void
on_new_jitterbuffer (GstElement *rtpbin, GstElement *jitterbuffer, guint session, guint ssrc,
                     gpointer user_data)
{
  g_autoptr (RdPeer) peer = g_weak_ref_get (&((RdPeerHandle *)user_data)->peer);

  if (peer)
    {
      g_mutex_lock (&peer->lock);
      if (peer->recv.jitterbuffers)
        g_hash_table_replace (peer->recv.jitterbuffers, GUINT_TO_POINTER (ssrc),
                              gst_object_ref (jitterbuffer));
      g_mutex_unlock (&peer->lock);
    }
  /* after rtpbin's handler, which it connects once this signal is done */
  g_signal_connect_data (jitterbuffer, "handle-sync", G_CALLBACK (on_handle_sync),
                         rd_peer_handle_ref (user_data), rd_peer_handle_closure_unref,
                         G_CONNECT_AFTER);
}

static void
setup_sync (RdPeer *peer)
{
  g_autoptr (GstElement) rtpbin = gst_bin_get_by_name (GST_BIN (peer->webrtc), "rtpbin");

  if (!rtpbin)
    {
      GST_WARNING ("peer %s: webrtcbin has no rtpbin; received streams are not lip-synced",
                   peer->id);
      return;
    }
  g_signal_connect_data (rtpbin, "new-jitterbuffer", G_CALLBACK (on_new_jitterbuffer),
                         rd_peer_handle_ref (peer->handle), rd_peer_handle_closure_unref, 0);
}

/* Once the lip-sync wait is over, the room mixes the party's linked audio by its timestamps
 * (the timeline its picture is composited on). Main context. */
static void
time_audio_by_stream (RdPeer *peer)
{
  g_autoptr (GPtrArray) audio = g_ptr_array_new ();

  if (!peer->recv.sync_waited)
    return;
  g_mutex_lock (&peer->lock);
  for (guint i = 0; i < peer->recv.streams->len; i++)
    {
      RdPeerRecvStream *r = peer->recv.streams->pdata[i];
      if (r->linked && !r->video && r->room_pad && !r->timed)
        g_ptr_array_add (audio, r);
    }
  g_mutex_unlock (&peer->lock);
  for (guint i = 0; i < audio->len; i++)
    {
      RdPeerRecvStream *r = audio->pdata[i];
      r->timed = TRUE;
      rd_room_time_remote_audio (peer->room, r->room_pad);
    }
}

/* From now on rtpbin's lip-sync corrections are slewed, not jumps. */
static void
slew_from_now (RdPeer *peer)
{
  g_autoptr (GstElement) rtpbin = gst_bin_get_by_name (GST_BIN (peer->webrtc), "rtpbin");

  if (rtpbin)
    g_object_set (rtpbin, "max-ts-offset-adjustment", (guint64)SYNC_SLEW_NS, NULL);
}

/* How many streams the far end was agreed to send us (transceivers receiving). */
static guint
expected_streams (RdPeer *peer)
{
  g_autoptr (GArray) transceivers = NULL;
  guint n = 0;

  g_signal_emit_by_name (peer->webrtc, "get-transceivers", &transceivers);
  for (guint i = 0; transceivers && i < transceivers->len; i++)
    {
      GstWebRTCRTPTransceiverDirection d;

      g_object_get (g_array_index (transceivers, GstWebRTCRTPTransceiver *, i), "current-direction",
                    &d, NULL);
      n += d == GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_RECVONLY ||
           d == GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDRECV;
    }
  return n;
}

/* Announces ("stream-added") the linked streams not yet announced, once every stream is
 * synced, a lone stream is all there is, or the wait is over; then releases their holds (the
 * recorder is linked by then). Main context. */
static void
announce_ready (RdPeer *peer)
{
  g_autoptr (GPtrArray) ready = g_ptr_array_new ();
  guint linked = 0, synced = 0;

  if (peer->closed)
    return;
  g_mutex_lock (&peer->lock);
  for (guint i = 0; i < peer->recv.streams->len; i++)
    {
      RdPeerRecvStream *r = peer->recv.streams->pdata[i];
      if (!r->linked)
        continue;
      linked++;
      for (guint k = 0; k < peer->recv.synced_ssrcs->len; k++)
        synced += g_array_index (peer->recv.synced_ssrcs, guint32, k) == r->ssrc;
      if (!r->announced)
        g_ptr_array_add (ready, r);
    }
  g_mutex_unlock (&peer->lock);
  if (!peer->recv.sync_waited)
    {
      guint expected = MAX (expected_streams (peer), linked);

      if (expected > 1 && !(linked == expected && synced == linked))
        return; /* wait: for the other stream, or for the SRs */
      GST_INFO ("peer %s: %u streams received, lip-synced: %u", peer->id, linked, synced);
      peer->recv.sync_waited = TRUE;
      g_clear_handle_id (&peer->recv.sync_wait_id, g_source_remove);
      slew_from_now (peer);
    }
  time_audio_by_stream (peer);
  for (guint i = 0; i < ready->len; i++)
    {
      RdPeerRecvStream *r = ready->pdata[i];
      r->announced = TRUE;
      g_signal_emit_by_name (peer, "stream-added", r->rec_tee, r->video, r->codec);
      rd_peer_hold_release (r->hold);
    }
}

static gboolean
sync_wait_over (gpointer data)
{
  RdPeer *peer = data;

  peer->recv.sync_wait_id = 0;
  GST_INFO ("peer %s: no lip-sync %d ms after its first stream (RTCP SRs missing or unusable): "
            "recorded as received",
            peer->id, SYNC_WAIT_MS);
  peer->recv.sync_waited = TRUE;
  slew_from_now (peer);
  announce_ready (peer);
  return G_SOURCE_REMOVE;
}

static void
sync_on_main (RdPeer *peer, gpointer data)
{
  announce_ready (peer);
}

static void
link_recv_on_main (RdPeer *peer, gpointer data)
{
  RdPeerRecvStream *r = data;

  r->room_pad = r->video
                    ? rd_room_link_remote_video (peer->room, r->ghost, r->decoding, peer->mix_key)
                    : rd_room_link_remote_audio (peer->room, r->ghost, peer->mix_key);
  GST_DEBUG ("peer %s: remote %s linked to the room", peer->id, r->video ? "video" : "audio");
  r->linked = TRUE;
  if (!peer->recv.sync_waited && !peer->recv.sync_wait_id)
    peer->recv.sync_wait_id = g_timeout_add (SYNC_WAIT_MS, sync_wait_over, peer);
  announce_ready (peer);
}

void
rd_peer_foreach_stream (RdPeer *peer, RdPeerStreamFunc func, gpointer user_data)
{
  g_autoptr (GPtrArray) linked = g_ptr_array_new ();

  g_return_if_fail (RD_IS_PEER (peer));
  /* only streams already announced by "stream-added" (linked on the main context) */
  g_mutex_lock (&peer->lock);
  for (guint i = 0; i < peer->recv.streams->len; i++)
    if (((RdPeerRecvStream *)peer->recv.streams->pdata[i])->announced)
      g_ptr_array_add (linked, peer->recv.streams->pdata[i]);
  g_mutex_unlock (&peer->lock);
  for (guint i = 0; i < linked->len; i++)
    {
      RdPeerRecvStream *r = linked->pdata[i];
      func (peer, r->rec_tee, r->video, r->codec, user_data);
    }
}

/* The elements after webrtcbin's src pad for @encoding, in @names: depayloader ! tee (the
 * encoded frames, for the recorder) ! decoder ...; FALSE for an encoding not received. */
static gboolean
chain_for (const char *encoding, const char *names[7])
{
  if (g_strcmp0 (encoding, "VP8") == 0)
    names[0] = "rtpvp8depay", names[1] = "tee", names[2] = "vp8dec";
  else if (g_strcmp0 (encoding, "H264") == 0)
    names[0] = "rtph264depay", names[1] = "tee", names[2] = "h264parse",
    /* H.264 is negotiated only with a decoder; without one, the error names avdec_h264 */
        names[3] = rd_media_h264_decoder () ? rd_media_h264_decoder () : "avdec_h264";
  else if (g_strcmp0 (encoding, "OPUS") == 0)
    names[0] = "rtpopusdepay", names[1] = "tee", names[2] = "opusdec", names[3] = "audioconvert",
    names[4] = "audioresample";
  else
    return FALSE;
  return TRUE;
}

/* Makes @names in the peer's bin, each linked to the one before, into @made; @tee gets the tee.
 * The number made, or -1 when one cannot be made. */
static int
make_chain (RdPeer *peer, const char *const *names, GstElement **made, GstElement **tee)
{
  int n = 0;

  for (int i = 0; names[i]; i++)
    {
      GstElement *e = gst_element_factory_make (names[i], NULL);
      if (!e)
        return -1;
      gst_bin_add (GST_BIN (peer->bin), e);
      made[n++] = e;
      if (g_str_has_prefix (names[i], "rtpvp8") || g_str_has_prefix (names[i], "rtph264"))
        g_object_set (e, "request-keyframe", TRUE, "wait-for-keyframe", TRUE, NULL);
      if (g_str_equal (names[i], "tee"))
        g_object_set (*tee = e, "allow-not-linked", TRUE, NULL);
      if (n > 1)
        gst_element_link (made[n - 2], e);
    }
  return n;
}

/* webrtcbin's streaming thread: a stream arrives. */
static void
on_pad_added (GstElement *webrtc, GstPad *pad, gpointer user_data)
{
  RdPeerHandle *h = user_data;
  g_autoptr (RdPeer) peer = g_weak_ref_get (&h->peer);
  g_autoptr (GstCaps) caps = NULL;
  const char *encoding;
  const char *names[7] = { NULL };
  GstElement *tee = NULL, *made[7];
  int n_made;
  RdPeerRecvStream *r;
  g_autoptr (GstPad) src = NULL;
  g_autoptr (GstPad) sink = NULL;
  g_autoptr (GstElement) jitterbuffer = NULL;

  if (!peer || GST_PAD_DIRECTION (pad) != GST_PAD_SRC)
    return;
  caps = gst_pad_get_current_caps (pad);
  encoding =
      caps ? gst_structure_get_string (gst_caps_get_structure (caps, 0), "encoding-name") : NULL;
  if (!chain_for (encoding, names))
    {
      GST_WARNING ("peer %s: a stream in %s, not received", peer->id, encoding);
      return;
    }
  n_made = make_chain (peer, names, made, &tee);
  if (n_made < 0)
    return;
  r = g_new0 (RdPeerRecvStream, 1);
  r->video = g_strcmp0 (encoding, "OPUS") != 0;
  r->codec = g_strcmp0 (encoding, "VP8") == 0 ? "VP8" : r->video ? "H264" : "OPUS";
  r->tee = tee;
  if (caps)
    gst_structure_get_uint (gst_caps_get_structure (caps, 0), "ssrc", (guint *)&r->ssrc);
  g_mutex_lock (&peer->lock);
  jitterbuffer = g_hash_table_lookup (peer->recv.jitterbuffers, GUINT_TO_POINTER (r->ssrc));
  jitterbuffer = jitterbuffer ? gst_object_ref (jitterbuffer) : NULL;
  g_mutex_unlock (&peer->lock);
  if (!jitterbuffer)
    GST_WARNING ("peer %s: no jitterbuffer for SSRC %u: its held frames are not lip-synced",
                 peer->id, r->ssrc);
  r->hold = rd_peer_hold_new (GST_BIN (peer->bin), tee, jitterbuffer, &r->rec_tee);
  if (!r->hold)
    r->rec_tee = tee;
  r->decoding = gst_element_get_static_pad (made[2], "sink");
  src = gst_element_get_static_pad (made[n_made - 1], "src");
  r->ghost = gst_object_ref (gst_ghost_pad_new (NULL, src));
  gst_pad_set_active (r->ghost, TRUE);
  gst_element_add_pad (peer->bin, r->ghost);
  r->gate = rd_peer_gate_new (pad);
  r->gate->rtp = TRUE;
  sink = gst_element_get_static_pad (made[0], "sink");
  gst_pad_link (pad, sink);
  for (int i = 0; i < n_made; i++)
    gst_element_sync_state_with_parent (made[i]);
  GST_DEBUG ("peer %s: receiving %s on %s", peer->id, encoding, GST_PAD_NAME (pad));
  g_mutex_lock (&peer->lock);
  g_ptr_array_add (peer->recv.streams, r);
  /* verified already: from its first frame on, for the recorder at least (the room's display
   * and mixer take it once linked, on the main context) */
  rd_peer_gate_set_open (r->gate, peer->recv.open);
  g_mutex_unlock (&peer->lock);
  rd_peer_run_on_main (h, link_recv_on_main, r, NULL);
}

void
rd_peer_recv_setup (RdPeer *peer)
{
  setup_sync (peer);
  rd_peer_connect_webrtc (peer, "pad-added", G_CALLBACK (on_pad_added));
}

static void
recv_stream_free (gpointer data)
{
  RdPeerRecvStream *r = data;

  rd_peer_gate_free (r->gate);
  rd_peer_hold_free (r->hold);
  g_clear_object (&r->ghost);
  g_clear_object (&r->decoding);
  g_free (r);
}

void
rd_peer_recv_init (RdPeer *peer)
{
  peer->recv.streams = g_ptr_array_new_with_free_func (recv_stream_free);
  peer->recv.synced_ssrcs = g_array_new (FALSE, FALSE, sizeof (guint32));
  peer->recv.jitterbuffers = g_hash_table_new_full (NULL, NULL, NULL, gst_object_unref);
}

void
rd_peer_recv_clear (RdPeer *peer)
{
  g_clear_pointer (&peer->recv.streams, g_ptr_array_unref);
  g_clear_pointer (&peer->recv.synced_ssrcs, g_array_unref);
  g_mutex_lock (&peer->lock);
  g_clear_pointer (&peer->recv.jitterbuffers, g_hash_table_unref);
  g_mutex_unlock (&peer->lock);
}

void
rd_peer_recv_open (RdPeer *peer)
{
  g_mutex_lock (&peer->lock);
  peer->recv.open = TRUE;
  for (guint i = 0; i < peer->recv.streams->len; i++)
    {
      RdPeerRecvStream *r = peer->recv.streams->pdata[i];
      rd_peer_gate_set_open (r->gate, TRUE);
      /* a keyframe from the far end: an upstream event sent into webrtcbin's src pad (pushing
       * it from the src pad is the wrong direction: GStreamer warns and drops it) */
      if (r->video)
        gst_pad_send_event (
            r->gate->pad, gst_event_new_custom (GST_EVENT_CUSTOM_UPSTREAM,
                                                gst_structure_new ("GstForceKeyUnit", "all-headers",
                                                                   G_TYPE_BOOLEAN, TRUE, NULL)));
    }
  g_mutex_unlock (&peer->lock);
}

gint
rd_peer_recv_last_seen (RdPeer *peer)
{
  gint newest = 0;

  g_mutex_lock (&peer->lock);
  for (guint i = 0; i < peer->recv.streams->len; i++)
    {
      RdPeerRecvStream *rs = peer->recv.streams->pdata[i];
      newest = MAX (newest, g_atomic_int_get (&rs->gate->last_seen));
    }
  g_mutex_unlock (&peer->lock);
  return newest;
}

/* How long a closing peer waits for its holds to reach the recorder (they go to queues that
 * never block, so milliseconds; a bound all the same). */
#define FLUSH_WAIT_US (1 * G_USEC_PER_SEC)

/* No more media from the far end, now or for streams still to come. */
static void
close_gates (RdPeer *peer)
{
  g_mutex_lock (&peer->lock);
  peer->recv.open = FALSE;
  for (guint i = 0; i < peer->recv.streams->len; i++)
    rd_peer_gate_set_open (((RdPeerRecvStream *)peer->recv.streams->pdata[i])->gate, FALSE);
  g_mutex_unlock (&peer->lock);
}

void
rd_peer_recv_flush (RdPeer *peer)
{
  g_autoptr (GPtrArray) announced = g_ptr_array_new ();

  close_gates (peer);
  if (!peer->recv.sync_waited)
    {
      GST_INFO ("peer %s: closing before its lip-sync was known: its held frames are recorded "
                "as received",
                peer->id);
      peer->recv.sync_waited = TRUE;
      g_clear_handle_id (&peer->recv.sync_wait_id, g_source_remove);
    }
  announce_ready (peer);
  /* a copy: pad-added may still append to the array on a streaming thread */
  g_mutex_lock (&peer->lock);
  for (guint i = 0; i < peer->recv.streams->len; i++)
    if (((RdPeerRecvStream *)peer->recv.streams->pdata[i])->announced)
      g_ptr_array_add (announced, peer->recv.streams->pdata[i]);
  g_mutex_unlock (&peer->lock);
  for (guint i = 0; i < announced->len; i++)
    {
      RdPeerRecvStream *r = announced->pdata[i];
      if (!rd_peer_hold_drain (r->hold, FLUSH_WAIT_US))
        GST_WARNING ("peer %s: its %s did not reach the recorder within %d ms", peer->id,
                     r->video ? "video" : "audio", (int)(FLUSH_WAIT_US / 1000));
    }
}

void
rd_peer_recv_unlink (RdPeer *peer)
{
  g_clear_handle_id (&peer->recv.sync_wait_id, g_source_remove);
  close_gates (peer);
  for (guint i = 0; i < peer->recv.streams->len; i++)
    {
      RdPeerRecvStream *r = peer->recv.streams->pdata[i];
      if (r->room_pad)
        rd_room_release_output (peer->room, r->room_pad);
      r->room_pad = NULL;
    }
}

void
rd_peer_recv_drop (RdPeer *peer)
{
  g_mutex_lock (&peer->lock);
  g_ptr_array_set_size (peer->recv.streams, 0);
  g_mutex_unlock (&peer->lock);
}
