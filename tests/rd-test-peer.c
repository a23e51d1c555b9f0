/* rd-test-peer.c: see rd-test-peer.h. */
#include "tests/rd-test-peer.h"

#include <gst/gst.h>
#include <gst/sdp/sdp.h>
#include <gst/webrtc/webrtc.h>
#include <nice/agent.h>
#include <math.h>
#include <string.h>

#define WAIT_S      10
#define TONE_WINDOW 4800 /* 100 ms at 48 kHz */
#define PICTURE_W   64
#define PICTURE_H   36
/* After the decoder, like a browser's renderer: the newest picture, scaled down before it is
 * converted. A busy machine decodes late; a chain that kept every picture would fall seconds
 * behind what the room sends (and the tests would judge a picture long gone). */
#define PICTURE_CHAIN                                                                              \
  "queue leaky=downstream max-size-buffers=1 max-size-bytes=0 max-size-time=0 ! videoscale "       \
  "! video/x-raw,width=64,height=36,pixel-aspect-ratio=1/1 ! videoconvert "                        \
  "! video/x-raw,format=RGB ! fakesink name=out"

struct _RdTestPeer
{
  RdTestPeerMode mode;
  gboolean forge;
  GstElement *pipeline, *webrtc;
  GMutex lock;
  GCond cond;
  gboolean gathered;
  guint64 video_frames, audio_buffers; /* atomic */
  /* the far end's video RTP packets, the gaps in their sequence numbers, and the newest
   * sequence number + 1 (0: none yet): the video streaming thread's, read for messages */
  guint64 video_packets, video_gaps, video_keyframes;
  guint video_next_seq;
  /* atomic: webrtcbin's source pads, and those left alone for having no caps yet */
  guint pads_added, pads_without_caps;
  NiceAgent *agent; /* libnice under webrtcbin */
  gulong agent_state_id, agent_request_id;
  guint ice_ready;    /* atomic: times the component became ready */
  guint ice_checked;  /* atomic: times the far end's checks first passed our credentials */
  char *remote_ufrag; /* the far end's, as last set */
  gint truncate;      /* atomic: rd_test_peer_set_video_truncated() */
  gulong truncate_probe;
  /* the last TONE_WINDOW samples decoded from the far end (48 kHz mono), under lock */
  gint16 tone[TONE_WINDOW];
  guint tone_pos;
  guint64 tone_total;
  /* the last picture decoded from the far end, RGB, PICTURE_W x PICTURE_H, under lock */
  guint8 picture[PICTURE_W * PICTURE_H * 3];
  gboolean have_picture;
};

/* Streaming thread: counts the far end's video packets and the gaps between them. */
static GstPadProbeReturn
count_rtp (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  RdTestPeer *peer = user_data;
  guint8 header[4];
  guint seq;

  if (gst_buffer_extract (GST_PAD_PROBE_INFO_BUFFER (info), 0, header, 4) != 4)
    return GST_PAD_PROBE_OK;
  seq = (guint)header[2] << 8 | header[3];
  __atomic_add_fetch (&peer->video_packets, 1, __ATOMIC_RELAXED);
  if (peer->video_next_seq && seq != peer->video_next_seq - 1)
    __atomic_add_fetch (&peer->video_gaps, 1, __ATOMIC_RELAXED);
  peer->video_next_seq = (seq + 1) % 65536 + 1;
  return GST_PAD_PROBE_OK;
}

/* Streaming thread: counts the keyframes that reach the far end's video decoder. */
static GstPadProbeReturn
count_keyframes (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  RdTestPeer *peer = user_data;

  if (!GST_BUFFER_FLAG_IS_SET (GST_PAD_PROBE_INFO_BUFFER (info), GST_BUFFER_FLAG_DELTA_UNIT))
    __atomic_add_fetch (&peer->video_keyframes, 1, __ATOMIC_RELAXED);
  return GST_PAD_PROBE_OK;
}

/* Streaming thread: keeps the newest decoded picture (scaled down). */
static GstPadProbeReturn
keep_picture (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  RdTestPeer *peer = user_data;
  GstMapInfo map;

  if (!gst_buffer_map (GST_PAD_PROBE_INFO_BUFFER (info), &map, GST_MAP_READ))
    return GST_PAD_PROBE_OK;
  g_mutex_lock (&peer->lock);
  if (map.size >= sizeof peer->picture)
    {
      /* RGB rows of PICTURE_W * 3 bytes are 4-byte aligned (PICTURE_W is a multiple of 4) */
      memcpy (peer->picture, map.data, sizeof peer->picture);
      peer->have_picture = TRUE;
    }
  g_mutex_unlock (&peer->lock);
  gst_buffer_unmap (GST_PAD_PROBE_INFO_BUFFER (info), &map);
  return GST_PAD_PROBE_OK;
}

/* Streaming thread: keeps the newest TONE_WINDOW samples of what the far end sent. */
static GstPadProbeReturn
keep_samples (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  RdTestPeer *peer = user_data;
  GstMapInfo map;

  if (!gst_buffer_map (GST_PAD_PROBE_INFO_BUFFER (info), &map, GST_MAP_READ))
    return GST_PAD_PROBE_OK;
  g_mutex_lock (&peer->lock);
  for (gsize i = 0; i + 1 < map.size; i += 2)
    {
      peer->tone[peer->tone_pos] = (gint16)GST_READ_UINT16_LE (map.data + i);
      peer->tone_pos = (peer->tone_pos + 1) % TONE_WINDOW;
      peer->tone_total++;
    }
  g_mutex_unlock (&peer->lock);
  gst_buffer_unmap (GST_PAD_PROBE_INFO_BUFFER (info), &map);
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
count (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  __atomic_add_fetch ((guint64 *)user_data, 1, __ATOMIC_RELAXED);
  return GST_PAD_PROBE_OK;
}

/* Runs on a streaming thread. */
static void
on_pad_added (GstElement *webrtc, GstPad *pad, RdTestPeer *peer)
{
  g_autoptr (GstCaps) caps = gst_pad_get_current_caps (pad);
  const char *enc;
  g_autoptr (GError) error = NULL;
  GstElement *bin;
  g_autoptr (GstPad) sink = NULL;
  g_autoptr (GstPad) out = NULL;
  gboolean video;

  if (GST_PAD_DIRECTION (pad) != GST_PAD_SRC)
    return;
  g_atomic_int_inc (&peer->pads_added);
  if (!caps)
    {
      g_atomic_int_inc (&peer->pads_without_caps);
      return;
    }
  enc = gst_structure_get_string (gst_caps_get_structure (caps, 0), "encoding-name");
  video = g_strcmp0 (enc, "VP8") == 0 || g_strcmp0 (enc, "H264") == 0;
  if (!video && g_strcmp0 (enc, "OPUS") != 0)
    return;
  bin = gst_parse_bin_from_description (
      !video ? "rtpopusdepay ! opusdec ! audioconvert ! audioresample "
               "! audio/x-raw,format=S16LE,rate=48000,channels=1 ! fakesink name=out"
      : g_strcmp0 (enc, "VP8") == 0
          ? "rtpvp8depay ! vp8dec name=vdec ! " PICTURE_CHAIN
          : "rtph264depay request-keyframe=true wait-for-keyframe=true ! h264parse "
            "! openh264dec name=vdec ! " PICTURE_CHAIN,
      TRUE, &error);
  g_assert_no_error (error);
  {
    GstElement *fake = gst_bin_get_by_name (GST_BIN (bin), "out");
    g_object_set (fake, "sync", FALSE, "async", FALSE, NULL);
    out = gst_element_get_static_pad (fake, "sink");
    gst_object_unref (fake);
  }
  gst_pad_add_probe (out, GST_PAD_PROBE_TYPE_BUFFER, count,
                     video ? &peer->video_frames : &peer->audio_buffers, NULL);
  gst_pad_add_probe (out, GST_PAD_PROBE_TYPE_BUFFER, video ? keep_picture : keep_samples, peer,
                     NULL);
  gst_bin_add (GST_BIN (peer->pipeline), bin);
  sink = gst_element_get_static_pad (bin, "sink");
  if (video)
    {
      GstElement *vdec = gst_bin_get_by_name (GST_BIN (bin), "vdec");
      g_autoptr (GstPad) vdec_sink = gst_element_get_static_pad (vdec, "sink");

      gst_pad_add_probe (sink, GST_PAD_PROBE_TYPE_BUFFER, count_rtp, peer, NULL);
      gst_pad_add_probe (vdec_sink, GST_PAD_PROBE_TYPE_BUFFER, count_keyframes, peer, NULL);
      gst_object_unref (vdec);
    }
  gst_pad_link (pad, sink);
  gst_element_sync_state_with_parent (bin);
}

static void
on_gathering (GObject *webrtc, GParamSpec *pspec, RdTestPeer *peer)
{
  GstWebRTCICEGatheringState state;

  g_object_get (webrtc, "ice-gathering-state", &state, NULL);
  g_mutex_lock (&peer->lock);
  peer->gathered = state == GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE;
  g_cond_broadcast (&peer->cond);
  g_mutex_unlock (&peer->lock);
}

/* libnice's thread. */
static void
on_component_state (NiceAgent *agent, guint stream_id, guint component_id, guint state,
                    RdTestPeer *peer)
{
  if (state == NICE_COMPONENT_STATE_READY)
    g_atomic_int_inc (&peer->ice_ready);
}

/* libnice's thread: the first connectivity check from the far end that passed our current
 * credentials (libnice says so once per stream, and again after each restart). */
static void
on_first_request (NiceAgent *agent, guint stream_id, RdTestPeer *peer)
{
  g_atomic_int_inc (&peer->ice_checked);
}

RdTestPeer *
rd_test_peer_new (RdTestPeerMode mode, GError **error)
{
  return rd_test_peer_new_with_video (mode, "VP8", error);
}

RdTestPeer *
rd_test_peer_new_with_video (RdTestPeerMode mode, const char *video_codec, GError **error)
{
  return rd_test_peer_new_full (mode, video_codec, "127.0.0.1", error);
}

static RdTestPeer *peer_new (RdTestPeerMode mode, const char *video_codec, const char *video_source,
                             const char *audio_source, const char *ice_address, GError **error);

static const char *
default_video_source (const char *video_codec)
{
  return g_strcmp0 (video_codec, "none") == 0
             ? NULL
             : "videotestsrc is-live=true pattern=smpte "
               "! capsfilter name=size caps=video/x-raw,width=320,height=240,framerate=30/1";
}

RdTestPeer *
rd_test_peer_new_full (RdTestPeerMode mode, const char *video_codec, const char *ice_address,
                       GError **error)
{
  return peer_new (mode, video_codec, default_video_source (video_codec),
                   "audiotestsrc is-live=true freq=660", ice_address, error);
}

RdTestPeer *
rd_test_peer_new_with_sources (RdTestPeerMode mode, const char *video_codec,
                               const char *video_source, const char *audio_source, GError **error)
{
  return peer_new (mode, video_codec, video_source, audio_source, "127.0.0.1", error);
}

RdTestPeer *
rd_test_peer_new_with_sources_full (RdTestPeerMode mode, const char *video_codec,
                                    const char *video_source, const char *audio_source,
                                    const char *ice_address, GError **error)
{
  return peer_new (mode, video_codec, video_source, audio_source, ice_address, error);
}

static RdTestPeer *
peer_new (RdTestPeerMode mode, const char *video_codec, const char *video_source,
          const char *audio_source, const char *ice_address, GError **error)
{
  static const char vp8[] =
      "vp8enc name=venc deadline=1 cpu-used=8 keyframe-max-dist=30 lag-in-frames=0 "
      "target-bitrate=300000 "
      "! rtpvp8pay pt=96 picture-id-mode=15-bit ! application/x-rtp,media=video,"
      "encoding-name=VP8,payload=96,clock-rate=90000";
  /* what a browser offers: constrained baseline, packetization-mode=1 */
  static const char h264[] =
      "openh264enc name=venc complexity=low gop-size=30 bitrate=300000 "
      "! video/x-h264,profile=constrained-baseline ! rtph264pay pt=102 config-interval=-1 "
      "! application/x-rtp,media=video,encoding-name=H264,payload=102,clock-rate=90000,"
      "packetization-mode=(string)1";
  static const char audio[] =
      "audioconvert ! audioresample ! opusenc "
      "! rtpopuspay pt=111 ! application/x-rtp,media=audio,encoding-name=OPUS,payload=111,"
      "clock-rate=48000";
  g_autofree char *description =
      mode == RD_TEST_PEER_RECVONLY
          ? g_strdup ("webrtcbin name=webrtc bundle-policy=max-bundle latency=50")
      : !video_source
          ? g_strdup_printf ("webrtcbin name=webrtc bundle-policy=max-bundle latency=50 "
                             "%s ! %s ! webrtc.sink_0",
                             audio_source, audio)
          : g_strdup_printf ("webrtcbin name=webrtc bundle-policy=max-bundle latency=50 "
                             "%s ! %s ! webrtc.sink_0 %s ! %s ! webrtc.sink_1",
                             video_source, g_strcmp0 (video_codec, "H264") == 0 ? h264 : vp8,
                             audio_source, audio);
  RdTestPeer *peer;
  GObject *agent = NULL;
  gboolean ok = FALSE;

  if (!gst_is_initialized ())
    gst_init (NULL, NULL);
  peer = g_new0 (RdTestPeer, 1);
  peer->mode = mode;
  g_mutex_init (&peer->lock);
  g_cond_init (&peer->cond);
  peer->pipeline = gst_parse_launch (description, error);
  if (peer->pipeline && !GST_IS_PIPELINE (peer->pipeline))
    {
      /* webrtcbin alone (RD_TEST_PEER_RECVONLY): gst_parse_launch() returns the element */
      GstElement *alone = peer->pipeline;
      peer->pipeline = gst_pipeline_new (NULL);
      gst_bin_add (GST_BIN (peer->pipeline), alone);
    }
  if (!peer->pipeline)
    {
      rd_test_peer_free (peer);
      return NULL;
    }
  peer->webrtc = gst_bin_get_by_name (GST_BIN (peer->pipeline), "webrtc");
  g_object_get (peer->webrtc, "ice-agent", &agent, NULL);
  g_signal_emit_by_name (agent, "add-local-ip-address", ice_address, &ok);
  /* No UPnP-IGD client per agent (GUPnP contexts, their ports can collide in a namespace). */
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (agent), "agent"))
    {
      g_object_get (agent, "agent", &peer->agent, NULL);
      if (peer->agent && g_object_class_find_property (G_OBJECT_GET_CLASS (peer->agent), "upnp"))
        g_object_set (peer->agent, "upnp", FALSE, NULL);
    }
  if (peer->agent)
    {
      peer->agent_state_id = g_signal_connect (peer->agent, "component-state-changed",
                                               G_CALLBACK (on_component_state), peer);
      peer->agent_request_id = g_signal_connect (peer->agent, "initial-binding-request-received",
                                                 G_CALLBACK (on_first_request), peer);
    }
  g_object_unref (agent);
  g_signal_connect (peer->webrtc, "pad-added", G_CALLBACK (on_pad_added), peer);
  g_signal_connect (peer->webrtc, "notify::ice-gathering-state", G_CALLBACK (on_gathering), peer);
  if (mode == RD_TEST_PEER_SENDONLY)
    {
      g_autoptr (GArray) transceivers = NULL;
      g_signal_emit_by_name (peer->webrtc, "get-transceivers", &transceivers);
      for (guint i = 0; i < transceivers->len; i++)
        g_object_set (g_array_index (transceivers, GObject *, i), "direction",
                      GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY, NULL);
    }
  if (gst_element_set_state (peer->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    {
      g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_STATE_CHANGE,
                   "the test peer's pipeline does not play");
      rd_test_peer_free (peer);
      return NULL;
    }
  return peer;
}

void
rd_test_peer_free (RdTestPeer *peer)
{
  if (!peer)
    return;
  if (peer->pipeline)
    {
      gst_element_set_state (peer->pipeline, GST_STATE_NULL);
      gst_object_unref (peer->pipeline);
    }
  if (peer->agent)
    {
      g_clear_signal_handler (&peer->agent_state_id, peer->agent);
      g_clear_signal_handler (&peer->agent_request_id, peer->agent);
    }
  g_clear_object (&peer->agent);
  g_clear_pointer (&peer->webrtc, gst_object_unref);
  g_free (peer->remote_ufrag);
  g_mutex_clear (&peer->lock);
  g_cond_clear (&peer->cond);
  g_free (peer);
}

/* How many bytes of the VP8 RTP packet @d (@n bytes) to keep so that no frame in it can be
 * decoded: the RTP header (RFC 3550 5.1, with its CSRCs and extension), the VP8 payload
 * descriptor (RFC 7741 4.2) and, in a frame's first packet, its frame tag (3 bytes) and for a
 * keyframe its start code and size (7 more; RFC 6386 9.1), in a later packet one byte: every
 * partition is cut away, however small the frame (a still picture's inter frames are a few
 * bytes), so the decoder finds each one truncated. */
static gsize
undecodable_size (const guint8 *d, gsize n)
{
  gsize at = 12 + 4 * (gsize)(d[0] & 0x0f), start;

  if ((d[0] & 0x10) && at + 4 <= n) /* header extension */
    at += 4 + 4 * (gsize)((d[at + 2] << 8) | d[at + 3]);
  if (at >= n)
    return n;
  start = at;
  if (d[at] & 0x80 && at + 1 < n) /* X: extended control bits */
    {
      guint8 x = d[at + 1];
      at += 2;
      if (x & 0x80 && at < n) /* I: picture id, 7 or 15 bits */
        at += (d[at] & 0x80) ? 2 : 1;
      at += (x & 0x40) ? 1 : 0; /* L: TL0PICIDX */
      at += (x & 0x30) ? 1 : 0; /* T or K */
    }
  else
    at += 1;
  if (at < n && (d[start] & 0x10)) /* S: the frame starts here */
    at += (d[at] & 0x01) ? 3 : 10; /* inter frame: the tag; keyframe: tag, start code, size */
  else
    at += 1; /* a depayloader drops a packet with no payload, and with it the frame */
  return MIN (at, n);
}

/* Cuts an RTP packet of VP8 to undecodable_size(). */
static gboolean
truncate_packet (GstBuffer **buffer, guint idx, gpointer user_data)
{
  GstMapInfo map;
  gsize keep;

  if (!gst_buffer_map (*buffer, &map, GST_MAP_READ))
    return TRUE;
  keep = map.size >= 12 ? undecodable_size (map.data, map.size) : map.size;
  gst_buffer_unmap (*buffer, &map);
  if (keep < gst_buffer_get_size (*buffer))
    {
      *buffer = gst_buffer_make_writable (*buffer);
      gst_buffer_resize (*buffer, 0, keep);
    }
  return TRUE;
}

/* On the video payloader's src pad: truncate_packet() while peer->truncate is set. */
static GstPadProbeReturn
truncate_packets (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  RdTestPeer *peer = user_data;

  if (!g_atomic_int_get (&peer->truncate))
    return GST_PAD_PROBE_OK;
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST)
    {
      GstBufferList *list = gst_buffer_list_make_writable (GST_PAD_PROBE_INFO_BUFFER_LIST (info));
      gst_buffer_list_foreach (list, truncate_packet, NULL);
      GST_PAD_PROBE_INFO_DATA (info) = list;
    }
  else
    {
      GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
      truncate_packet (&buffer, 0, NULL);
      GST_PAD_PROBE_INFO_DATA (info) = buffer;
    }
  return GST_PAD_PROBE_OK;
}

void
rd_test_peer_set_video_truncated (RdTestPeer *peer, gboolean truncated)
{
  if (!peer->truncate_probe)
    {
      g_autoptr (GstElement) venc = rd_test_peer_get_element (peer, "venc");
      g_autoptr (GstPad) enc_src = NULL;
      g_autoptr (GstPad) pay_sink = NULL;
      g_autoptr (GstElement) pay = NULL;
      g_autoptr (GstPad) pay_src = NULL;

      g_assert_nonnull (venc); /* a peer that sends video */
      enc_src = gst_element_get_static_pad (venc, "src");
      pay_sink = gst_pad_get_peer (enc_src);
      pay = gst_pad_get_parent_element (pay_sink);
      pay_src = gst_element_get_static_pad (pay, "src");
      peer->truncate_probe =
          gst_pad_add_probe (pay_src, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
                             truncate_packets, peer, NULL);
    }
  g_atomic_int_set (&peer->truncate, truncated);
}

void
rd_test_peer_set_forge_fingerprint (RdTestPeer *peer, gboolean forge)
{
  peer->forge = forge;
}

/* Waits for @promise's reply (which may be no structure). FALSE with @error on an error. */
static gboolean
wait_reply (GstPromise *promise, const char *what, const GstStructure **out, GError **error)
{
  const GstStructure *reply = NULL;

  if (gst_promise_wait (promise) != GST_PROMISE_RESULT_REPLIED ||
      ((reply = gst_promise_get_reply (promise)) && gst_structure_has_field (reply, "error")))
    {
      g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_FAILED, "test peer: %s failed", what);
      return FALSE;
    }
  if (out)
    *out = reply;
  return TRUE;
}

/* Every hex digit of the sha-256 fingerprints replaced by another. */
static void
forge (char *sdp)
{
  for (char *p = strstr (sdp, "a=fingerprint:sha-256 "); p;
       p = strstr (p, "a=fingerprint:sha-256 "))
    {
      p += strlen ("a=fingerprint:sha-256 ");
      for (; *p && *p != '\r' && *p != '\n'; p++)
        if (g_ascii_isxdigit (*p))
          *p = *p == 'A' ? 'B' : 'A';
    }
}

/* Makes the @type ("offer" or "answer") and sets it as the local description; then its SDP once
 * ICE gathering is complete, or NULL with @error. */
static char *
create_local (RdTestPeer *peer, const char *type, GError **error)
{
  g_autoptr (GstPromise) promise = gst_promise_new ();
  g_autofree char *signal = g_strdup_printf ("create-%s", type);
  GstWebRTCSessionDescription *made = NULL;
  GstWebRTCSessionDescription *local = NULL;
  const GstStructure *reply = NULL;
  gint64 deadline = g_get_monotonic_time () + WAIT_S * G_TIME_SPAN_SECOND;
  gboolean gathered;
  char *text;

  g_signal_emit_by_name (peer->webrtc, signal, NULL, promise);
  if (!wait_reply (promise, signal, &reply, error) || !reply)
    return NULL;
  gst_structure_get (reply, type, GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &made, NULL);
  if (!made)
    {
      g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_FAILED, "test peer: %s gave no %s", signal,
                   type);
      return NULL;
    }
  gst_promise_unref (promise);
  promise = gst_promise_new ();
  g_signal_emit_by_name (peer->webrtc, "set-local-description", made, promise);
  gst_webrtc_session_description_free (made);
  if (!wait_reply (promise, "set-local-description", NULL, error))
    return NULL;
  g_mutex_lock (&peer->lock);
  while (!peer->gathered && g_cond_wait_until (&peer->cond, &peer->lock, deadline))
    ;
  gathered = peer->gathered;
  g_mutex_unlock (&peer->lock);
  if (!gathered)
    {
      g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_FAILED,
                   "test peer: ICE gathering not complete after %d s", WAIT_S);
      return NULL;
    }
  g_object_get (peer->webrtc, "local-description", &local, NULL);
  text = gst_sdp_message_as_text (local->sdp);
  gst_webrtc_session_description_free (local);
  return text;
}

char *
rd_test_peer_create_offer (RdTestPeer *peer, GError **error)
{
  char *text = create_local (peer, "offer", error);

  if (text && peer->forge)
    forge (text);
  return text;
}

char *
rd_test_peer_answer (RdTestPeer *peer, const char *offer_sdp, GError **error)
{
  g_autoptr (GstPromise) promise = gst_promise_new ();
  GstSDPMessage *sdp = NULL;
  GstWebRTCSessionDescription *offer;

  g_return_val_if_fail (peer->mode == RD_TEST_PEER_RECVONLY, NULL);
  if (gst_sdp_message_new_from_text (offer_sdp, &sdp) != GST_SDP_OK)
    {
      g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_FAILED, "test peer: bad offer SDP");
      return NULL;
    }
  offer = gst_webrtc_session_description_new (GST_WEBRTC_SDP_TYPE_OFFER, sdp);
  g_signal_emit_by_name (peer->webrtc, "set-remote-description", offer, promise);
  gst_webrtc_session_description_free (offer);
  if (!wait_reply (promise, "set-remote-description (offer)", NULL, error))
    return NULL;
  return create_local (peer, "answer", error);
}

gboolean
rd_test_peer_set_answer (RdTestPeer *peer, const char *answer_sdp, GError **error)
{
  g_autoptr (GstPromise) promise = gst_promise_new ();
  GstSDPMessage *sdp = NULL;
  GstWebRTCSessionDescription *answer;

  if (gst_sdp_message_new_from_text (answer_sdp, &sdp) != GST_SDP_OK)
    {
      g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_FAILED, "test peer: bad answer SDP");
      return FALSE;
    }
  for (guint i = 0; !peer->remote_ufrag && i < gst_sdp_message_medias_len (sdp); i++)
    peer->remote_ufrag = g_strdup (
        gst_sdp_media_get_attribute_val (gst_sdp_message_get_media (sdp, i), "ice-ufrag"));
  answer = gst_webrtc_session_description_new (GST_WEBRTC_SDP_TYPE_ANSWER, sdp);
  g_signal_emit_by_name (peer->webrtc, "set-remote-description", answer, promise);
  gst_webrtc_session_description_free (answer);
  return wait_reply (promise, "set-remote-description (answer)", NULL, error);
}

guint64
rd_test_peer_get_video_frames (RdTestPeer *peer)
{
  return __atomic_load_n (&peer->video_frames, __ATOMIC_RELAXED);
}

double
rd_test_peer_get_tone_level (RdTestPeer *peer, double freq_hz)
{
  /* Goertzel over the window: the amplitude of @freq_hz, 1.0 = a full-scale sine */
  double coeff = 2.0 * cos (2.0 * G_PI * freq_hz / 48000.0), s1 = 0, s2 = 0, power;

  g_mutex_lock (&peer->lock);
  if (peer->tone_total < TONE_WINDOW)
    {
      g_mutex_unlock (&peer->lock);
      return -1;
    }
  for (guint i = 0; i < TONE_WINDOW; i++)
    {
      double x = peer->tone[(peer->tone_pos + i) % TONE_WINDOW] / 32768.0;
      double s0 = x + coeff * s1 - s2;
      s2 = s1;
      s1 = s0;
    }
  g_mutex_unlock (&peer->lock);
  power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  return 2.0 * sqrt (MAX (power, 0.0)) / TONE_WINDOW;
}

double
rd_test_peer_get_color_share (RdTestPeer *peer, guint32 rgb)
{
  guint n = 0;

  g_mutex_lock (&peer->lock);
  for (guint i = 0; peer->have_picture && i < PICTURE_W * PICTURE_H; i++)
    {
      const guint8 *p = peer->picture + 3 * i;
      n += ABS ((int)p[0] - (int)((rgb >> 16) & 0xff)) <= 60 &&
           ABS ((int)p[1] - (int)((rgb >> 8) & 0xff)) <= 60 &&
           ABS ((int)p[2] - (int)(rgb & 0xff)) <= 60;
    }
  g_mutex_unlock (&peer->lock);
  return n / (double)(PICTURE_W * PICTURE_H);
}

char *
rd_test_peer_describe_video (RdTestPeer *peer)
{
  return g_strdup_printf ("%" G_GUINT64_FORMAT " frames decoded of %" G_GUINT64_FORMAT
                          " packets, %" G_GUINT64_FORMAT " keyframes, %" G_GUINT64_FORMAT
                          " gaps (webrtcbin gave %u pads, %u of them without caps)",
                          rd_test_peer_get_video_frames (peer),
                          __atomic_load_n (&peer->video_packets, __ATOMIC_RELAXED),
                          __atomic_load_n (&peer->video_keyframes, __ATOMIC_RELAXED),
                          __atomic_load_n (&peer->video_gaps, __ATOMIC_RELAXED),
                          (guint)g_atomic_int_get (&peer->pads_added),
                          (guint)g_atomic_int_get (&peer->pads_without_caps));
}

guint32
rd_test_peer_get_mean_color (RdTestPeer *peer)
{
  guint64 sum[3] = { 0 };
  guint n = PICTURE_W * PICTURE_H;

  g_mutex_lock (&peer->lock);
  for (guint i = 0; peer->have_picture && i < n; i++)
    for (guint c = 0; c < 3; c++)
      sum[c] += peer->picture[3 * i + c];
  g_mutex_unlock (&peer->lock);
  return (guint32)(sum[0] / n) << 16 | (guint32)(sum[1] / n) << 8 | (guint32)(sum[2] / n);
}

guint64
rd_test_peer_get_audio_buffers (RdTestPeer *peer)
{
  return __atomic_load_n (&peer->audio_buffers, __ATOMIC_RELAXED);
}

const char *
rd_test_peer_get_connection_state (RdTestPeer *peer)
{
  GstWebRTCPeerConnectionState state;
  GEnumClass *klass;
  GEnumValue *v;

  g_object_get (peer->webrtc, "connection-state", &state, NULL);
  klass = g_type_class_ref (GST_TYPE_WEBRTC_PEER_CONNECTION_STATE);
  v = g_enum_get_value (klass, state);
  g_type_class_unref (klass);
  return v ? v->value_nick : "?";
}

/* The libnice stream of the first transceiver's ICE transport (max-bundle: the only one), 0
 * when there is none yet. */
static guint
ice_stream_id (RdTestPeer *peer)
{
  g_autoptr (GArray) transceivers = NULL;
  g_autoptr (GObject) sender = NULL;
  g_autoptr (GObject) dtls = NULL;
  g_autoptr (GObject) ice = NULL;
  g_autoptr (GObject) stream = NULL;
  guint id = 0;

  g_signal_emit_by_name (peer->webrtc, "get-transceivers", &transceivers);
  if (!transceivers || transceivers->len == 0)
    return 0;
  g_object_get (g_array_index (transceivers, GObject *, 0), "sender", &sender, NULL);
  if (sender)
    g_object_get (sender, "transport", &dtls, NULL);
  if (dtls)
    g_object_get (dtls, "transport", &ice, NULL);
  if (ice && g_object_class_find_property (G_OBJECT_GET_CLASS (ice), "stream"))
    g_object_get (ice, "stream", &stream, NULL);
  if (stream)
    g_object_get (stream, "stream-id", &id, NULL);
  return id;
}

char *
rd_test_peer_restart_ice (RdTestPeer *peer, GError **error)
{
  guint id = ice_stream_id (peer);
  GstWebRTCSessionDescription *local = NULL;
  g_autofree char *ufrag = NULL;
  g_autofree char *pwd = NULL;
  GString *frag;
  GSList *cands;

  if (!peer->agent || !id)
    {
      g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_FAILED,
                   "test peer: no libnice agent or ICE stream to restart");
      return NULL;
    }
  nice_agent_restart_stream (peer->agent, id);
  nice_agent_get_local_credentials (peer->agent, id, &ufrag, &pwd);
  frag = g_string_new (NULL);
  g_string_append_printf (frag, "a=ice-ufrag:%s\r\na=ice-pwd:%s\r\n", ufrag, pwd);
  g_object_get (peer->webrtc, "local-description", &local, NULL);
  if (local && gst_sdp_message_medias_len (local->sdp) > 0)
    {
      const GstSDPMedia *m = gst_sdp_message_get_media (local->sdp, 0);
      g_string_append_printf (frag, "m=%s 9 %s", gst_sdp_media_get_media (m),
                              gst_sdp_media_get_proto (m));
      for (guint i = 0; i < gst_sdp_media_formats_len (m); i++)
        g_string_append_printf (frag, " %s", gst_sdp_media_get_format (m, i));
      g_string_append_printf (frag, "\r\na=mid:%s\r\n", gst_sdp_media_get_attribute_val (m, "mid"));
    }
  if (local)
    gst_webrtc_session_description_free (local);
  cands = nice_agent_get_local_candidates (peer->agent, id, NICE_COMPONENT_TYPE_RTP);
  for (GSList *c = cands; c; c = c->next)
    {
      g_autofree char *line = nice_agent_generate_local_candidate_sdp (peer->agent, c->data);
      g_string_append_printf (frag, "%s\r\n", line);
    }
  g_slist_free_full (cands, (GDestroyNotify)nice_candidate_free);
  g_string_append (frag, "a=end-of-candidates\r\n");
  return g_string_free (frag, FALSE);
}

gboolean
rd_test_peer_set_remote_ice (RdTestPeer *peer, const char *sdpfrag, GError **error)
{
  guint id = ice_stream_id (peer);
  g_auto (GStrv) lines = g_strsplit (sdpfrag ? sdpfrag : "", "\n", -1);
  const char *ufrag = NULL, *pwd = NULL;
  GSList *cands = NULL;

  for (char **l = lines; *l; l++)
    {
      char *line = g_strstrip (*l);
      if (g_str_has_prefix (line, "a=ice-ufrag:"))
        ufrag = line + strlen ("a=ice-ufrag:");
      else if (g_str_has_prefix (line, "a=ice-pwd:"))
        pwd = line + strlen ("a=ice-pwd:");
      else if (g_str_has_prefix (line, "a=candidate:") && id)
        {
          NiceCandidate *c = nice_agent_parse_remote_candidate_sdp (peer->agent, id, line);
          if (c)
            cands = g_slist_append (cands, c);
        }
    }
  if (!id || !ufrag || !pwd || !cands)
    {
      g_slist_free_full (cands, (GDestroyNotify)nice_candidate_free);
      g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_FAILED,
                   "test peer: the restart reply lacks %s",
                   !id      ? "(no ICE stream here)"
                   : !ufrag ? "a=ice-ufrag"
                   : !pwd   ? "a=ice-pwd"
                            : "candidates");
      return FALSE;
    }
  nice_agent_set_remote_credentials (peer->agent, id, ufrag, pwd);
  nice_agent_set_remote_candidates (peer->agent, id, NICE_COMPONENT_TYPE_RTP, cands);
  g_slist_free_full (cands, (GDestroyNotify)nice_candidate_free);
  g_free (peer->remote_ufrag);
  peer->remote_ufrag = g_strdup (ufrag);
  return TRUE;
}

guint
rd_test_peer_get_ice_checked_count (RdTestPeer *peer)
{
  return (guint)g_atomic_int_get (&peer->ice_checked);
}

guint
rd_test_peer_get_ice_ready_count (RdTestPeer *peer)
{
  return (guint)g_atomic_int_get (&peer->ice_ready);
}

const char *
rd_test_peer_get_remote_ufrag (RdTestPeer *peer)
{
  return peer->remote_ufrag;
}

void
rd_test_peer_set_video_size (RdTestPeer *peer, int width, int height)
{
  g_autoptr (GstElement) size = gst_bin_get_by_name (GST_BIN (peer->pipeline), "size");
  g_autoptr (GstCaps) caps =
      gst_caps_new_simple ("video/x-raw", "width", G_TYPE_INT, width, "height", G_TYPE_INT, height,
                           "framerate", GST_TYPE_FRACTION, 30, 1, NULL);

  g_return_if_fail (size != NULL); /* a peer that sends video */
  g_object_set (size, "caps", caps, NULL);
}

gpointer
rd_test_peer_get_element (RdTestPeer *peer, const char *name)
{
  return gst_bin_get_by_name (GST_BIN (peer->pipeline), name);
}
