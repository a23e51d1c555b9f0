/* rd-media-peer-offer-sdp.c: the offerer's SDP: the two m-lines of its offer (transceivers with
 * the codecs the room handles), the offer's text as sent, and the far end's answer checked
 * against it (RFC 9725 4.2: one audio and one video m-line, same msid, every m-line answered).
 * See rd-media-peer-offerer-private.h. Main context. */
#include "media/rd-media-peer-offerer-private.h"
#include "media/rd-media-error.h"

#include <string.h>

#define PT_VP8  96
#define PT_H264 102
#define PT_OPUS 111

/* @send: what the room sends. Its H.264 profile-level-id is left to the payloader, which takes
 * it from the room's SPS (x264's constrained baseline is 42c01f, browsers offer 42e01f: the same
 * profile and level, but webrtcbin intersects the strings, so a fixed one here would make the
 * payloader's caps fail and leave the far end without video); webrtcbin writes it in the offer from
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
char *
rd_peer_offerer_offer_text (RdPeer *peer, const GstSDPMessage *local)
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

/* TRUE when every webrtcbin sink pad has its caps: the payloaders have seen the room's streams.
 * Only then can webrtcbin write what they send into the offer (H.264's profile-level-id and
 * sprop-parameter-sets from the room's SPS, every stream's a=ssrc and msid). */
gboolean
rd_peer_offerer_caps_known (RdPeer *peer)
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

gboolean
rd_peer_offerer_add_lines (RdPeer *peer, GError **error)
{
  if (!add_line (peer, 0, TRUE, error) || !add_line (peer, 1, FALSE, error))
    return FALSE;
  set_msid (peer);
  return TRUE;
}

static gboolean
offered_pt (const GstSDPMedia *ours, guint pt)
{
  for (guint i = 0; i < gst_sdp_media_formats_len (ours); i++)
    if ((guint)g_ascii_strtoull (gst_sdp_media_get_format (ours, i), NULL, 10) == pt)
      return TRUE;
  return FALSE;
}

/* The answer against our offer: every m-line, in order, with what we offered. */
gboolean
rd_peer_offerer_check_answer (RdPeer *peer, const RdOffer *answer, GError **error)
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
