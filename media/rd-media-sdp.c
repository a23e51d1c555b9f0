/* rd-media-sdp.c: parsing and checking SDP offers. See rd-media-private.h. */
#include "media/rd-media-private.h"

#include <stdlib.h>
#include <string.h>

#include "media/rd-media-error.h"

void
rd_offer_free (RdOffer *offer)
{
  if (!offer)
    return;
  if (offer->sdp)
    gst_sdp_message_free (offer->sdp);
  g_clear_pointer (&offer->media, g_ptr_array_unref);
  g_free (offer->fingerprint);
  g_free (offer);
}

static void
offer_media_free (RdOfferMedia *m)
{
  g_free (m->fmtp);
  g_free (m->mid);
  g_free (m);
}

const char *
rd_media_h264_decoder (void)
{
  static const char *const decoders[] = { "openh264dec", "avdec_h264" };

  for (gsize i = 0; i < G_N_ELEMENTS (decoders); i++)
    {
      g_autoptr (GstElementFactory) f = gst_element_factory_find (decoders[i]);
      if (f)
        return decoders[i];
    }
  return NULL;
}

/* The first payload type of @media whose a=rtpmap names @encoding (case-insensitive) at
 * @clock_rate, or -1. */
static int
find_codec (const GstSDPMedia *media, const char *encoding, guint clock_rate, const char **fmtp)
{
  for (guint i = 0; i < gst_sdp_media_formats_len (media); i++)
    {
      const char *fmt = gst_sdp_media_get_format (media, i);
      int pt = atoi (fmt);
      for (guint j = 0; j < gst_sdp_media_attributes_len (media); j++)
        {
          const GstSDPAttribute *a = gst_sdp_media_get_attribute (media, j);
          g_auto (GStrv) parts = NULL;
          char *slash;
          guint rate;

          if (g_strcmp0 (a->key, "rtpmap") != 0 || !a->value || atoi (a->value) != pt)
            continue;
          parts = g_strsplit (a->value, " ", 2);
          if (!parts[0] || !parts[1])
            continue;
          slash = strchr (parts[1], '/');
          if (!slash)
            continue;
          rate = (guint)g_ascii_strtoull (slash + 1, NULL, 10);
          *slash = '\0';
          if (g_ascii_strcasecmp (parts[1], encoding) != 0 || rate != clock_rate)
            continue;
          if (fmtp)
            {
              g_autofree char *prefix = g_strdup_printf ("%d ", pt);
              *fmtp = NULL;
              for (guint k = 0; k < gst_sdp_media_attributes_len (media); k++)
                {
                  const GstSDPAttribute *f = gst_sdp_media_get_attribute (media, k);
                  if (g_strcmp0 (f->key, "fmtp") == 0 && f->value &&
                      g_str_has_prefix (f->value, prefix))
                    *fmtp = f->value + strlen (prefix);
                }
            }
          return pt;
        }
    }
  return -1;
}

/* TRUE when the a=rtpmap of payload type @pt names @encoding at @clock_rate. */
static gboolean
find_codec_pt (const GstSDPMedia *media, int pt, const char *encoding, guint clock_rate)
{
  for (guint j = 0; j < gst_sdp_media_attributes_len (media); j++)
    {
      const GstSDPAttribute *a = gst_sdp_media_get_attribute (media, j);
      g_auto (GStrv) parts = NULL;

      if (g_strcmp0 (a->key, "rtpmap") != 0 || !a->value || atoi (a->value) != pt)
        continue;
      parts = g_strsplit_set (a->value, " /", 4);
      if (parts[0] && parts[1] && parts[2] && g_ascii_strcasecmp (parts[1], encoding) == 0 &&
          (guint)g_ascii_strtoull (parts[2], NULL, 10) == clock_rate)
        return TRUE;
    }
  return FALSE;
}

/* The a=fmtp parameters of payload type @pt in @media, or NULL. (transfer none) */
static const char *
fmtp_of (const GstSDPMedia *media, int pt)
{
  g_autofree char *prefix = g_strdup_printf ("%d ", pt);

  for (guint k = 0; k < gst_sdp_media_attributes_len (media); k++)
    {
      const GstSDPAttribute *f = gst_sdp_media_get_attribute (media, k);
      if (g_strcmp0 (f->key, "fmtp") == 0 && f->value && g_str_has_prefix (f->value, prefix))
        return f->value + strlen (prefix);
    }
  return NULL;
}

/* The value of @name in "a=1;b=2" fmtp parameters, or NULL. (transfer full) */
static char *
fmtp_param (const char *fmtp, const char *name)
{
  g_auto (GStrv) params = g_strsplit (fmtp ? fmtp : "", ";", -1);

  for (char **p = params; *p; p++)
    {
      g_auto (GStrv) kv = g_strsplit (g_strstrip (*p), "=", 2);
      if (kv[0] && kv[1] && g_ascii_strcasecmp (kv[0], name) == 0)
        return g_strdup (g_strstrip (kv[1]));
    }
  return NULL;
}

/* An H.264 payload type of @media the room can send its stream in: packetization-mode=1 and a
 * baseline-family profile-level-id (42xxxx; absent means 42000a, RFC 6184 8.1), constrained
 * baseline (constraint_set1, 42e0/42c0..) preferred. -1 if none. */
static int
find_h264_cb (const GstSDPMedia *media, const char **fmtp)
{
  int best = -1, best_score = 0;

  for (guint i = 0; i < gst_sdp_media_formats_len (media); i++)
    {
      int pt = atoi (gst_sdp_media_get_format (media, i));
      const char *f = fmtp_of (media, pt);
      g_autofree char *mode = fmtp_param (f, "packetization-mode");
      g_autofree char *profile = fmtp_param (f, "profile-level-id");
      int score;

      if (find_codec_pt (media, pt, "H264", 90000) == FALSE || g_strcmp0 (mode, "1") != 0)
        continue;
      if (profile && (strlen (profile) != 6 || g_ascii_strncasecmp (profile, "42", 2) != 0))
        continue;
      /* profile-iop bit 0x40 = constraint_set1: constrained baseline */
      score = profile && (g_ascii_xdigit_value (profile[2]) & 0x4) ? 2 : 1;
      if (score > best_score)
        best = pt, best_score = score, *fmtp = f;
    }
  return best;
}

/* "VP8, H264 (packetization-mode=0 profile 640c1f), rtx": what @media offers, for messages.
 * (transfer full) */
static char *
offered_codecs (const GstSDPMedia *media)
{
  GString *out = g_string_new (NULL);

  for (guint j = 0; j < gst_sdp_media_attributes_len (media); j++)
    {
      const GstSDPAttribute *a = gst_sdp_media_get_attribute (media, j);
      g_auto (GStrv) parts = NULL;

      if (g_strcmp0 (a->key, "rtpmap") != 0 || !a->value)
        continue;
      parts = g_strsplit_set (a->value, " /", 3);
      if (!parts[0] || !parts[1])
        continue;
      g_string_append_printf (out, "%s%s", out->len ? ", " : "", parts[1]);
      if (g_ascii_strcasecmp (parts[1], "H264") == 0)
        {
          const char *f = fmtp_of (media, atoi (parts[0]));
          g_autofree char *mode = fmtp_param (f, "packetization-mode");
          g_autofree char *profile = fmtp_param (f, "profile-level-id");
          g_string_append_printf (out, " (packetization-mode=%s, profile-level-id=%s)",
                                  mode ? mode : "0", profile ? profile : "42000a");
        }
    }
  if (!out->len)
    g_string_append (out, "no codec");
  return g_string_free (out, FALSE);
}

/* "sha-256 AB:CD..." from an a=fingerprint value, or NULL if it is not sha-256 or malformed. */
static char *
parse_fingerprint (const char *value)
{
  g_auto (GStrv) parts = NULL;
  g_autofree char *copy = NULL;
  char *hex;
  gsize len;

  if (!value)
    return NULL;
  copy = g_strstrip (g_strdup (value));
  parts = g_strsplit_set (copy, " \t", 2);
  if (!parts[0] || !parts[1] || g_ascii_strcasecmp (parts[0], "sha-256") != 0)
    return NULL;
  hex = g_ascii_strup (g_strstrip (parts[1]), -1);
  len = strlen (hex);
  /* 32 bytes: "XX:" * 31 + "XX" */
  if (len != 95)
    {
      g_free (hex);
      return NULL;
    }
  for (gsize i = 0; i < len; i++)
    if ((i % 3 == 2) ? hex[i] != ':' : !g_ascii_isxdigit (hex[i]))
      {
        g_free (hex);
        return NULL;
      }
  return hex;
}

static const char *
direction_of (const GstSDPMedia *media, const GstSDPMessage *sdp)
{
  static const char *const dirs[] = { "sendrecv", "sendonly", "recvonly", "inactive" };

  for (gsize i = 0; i < G_N_ELEMENTS (dirs); i++)
    if (gst_sdp_media_get_attribute_val (media, dirs[i]))
      return dirs[i];
  for (gsize i = 0; i < G_N_ELEMENTS (dirs); i++)
    if (gst_sdp_message_get_attribute_val (sdp, dirs[i]))
      return dirs[i];
  return "sendrecv";
}

RdOffer *
rd_offer_parse (const char *text, RdVideoCodec send_codec, GError **error)
{
  g_autoptr (RdOffer) offer = g_new0 (RdOffer, 1);
  g_autofree char *session_fp = NULL;
  g_autofree char *media_fp = NULL; /* freed on every return, errors included */

  if (!text || !g_str_has_prefix (text, "v=0"))
    {
      g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_OFFER,
                   "the offer is not SDP (it does not start with v=0)");
      return NULL;
    }
  if (gst_sdp_message_new_from_text (text, &offer->sdp) != GST_SDP_OK)
    {
      g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_OFFER, "the offer's SDP cannot be parsed");
      return NULL;
    }
  if (gst_sdp_message_medias_len (offer->sdp) == 0)
    {
      g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_OFFER, "the offer has no m-line");
      return NULL;
    }
  session_fp = parse_fingerprint (gst_sdp_message_get_attribute_val (offer->sdp, "fingerprint"));
  offer->media = g_ptr_array_new_with_free_func ((GDestroyNotify)offer_media_free);

  for (guint i = 0; i < gst_sdp_message_medias_len (offer->sdp); i++)
    {
      const GstSDPMedia *media = gst_sdp_message_get_media (offer->sdp, i);
      const char *kind = gst_sdp_media_get_media (media);
      const char *proto = gst_sdp_media_get_proto (media);
      const char *dir = direction_of (media, offer->sdp);
      const char *fp_attr = gst_sdp_media_get_attribute_val (media, "fingerprint");
      const char *fmtp = NULL;
      RdOfferMedia *m;
      int pt = -1;
      RdOfferCodec codec = RD_OFFER_CODEC_VP8;

      if (gst_sdp_media_get_port (media) == 0 &&
          !gst_sdp_media_get_attribute_val (media, "bundle-only"))
        {
          g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_OFFER,
                       "m-line %u (%s) is rejected by the offer itself (port 0)", i,
                       kind ? kind : "?");
          return NULL;
        }
      if (!proto || !strstr (proto, "RTP/SAVPF"))
        {
          g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_OFFER,
                       "m-line %u (%s) uses the transport %s; only UDP/TLS/RTP/SAVPF is supported",
                       i, kind ? kind : "?", proto ? proto : "(none)");
          return NULL;
        }
      if (g_strcmp0 (dir, "inactive") == 0)
        {
          g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_OFFER, "m-line %u (%s) is inactive", i,
                       kind ? kind : "?");
          return NULL;
        }
      if (g_strcmp0 (kind, "video") == 0)
        {
          gboolean party_receives = g_strcmp0 (dir, "sendonly") != 0;
          int vp8 = find_codec (media, "VP8", 90000, NULL);
          const char *h264_fmtp = NULL;
          int h264 = rd_media_h264_decoder () ? find_codec (media, "H264", 90000, &h264_fmtp) : -1;

          if (send_codec == RD_VIDEO_CODEC_H264)
            {
              /* what the room sends, if offered; else, for a party that only sends, VP8 */
              const char *cb_fmtp = NULL;
              int cb = find_h264_cb (media, &cb_fmtp);
              if (cb >= 0)
                pt = cb, fmtp = cb_fmtp, codec = RD_OFFER_CODEC_H264;
              else if (!party_receives && h264 >= 0)
                pt = h264, fmtp = h264_fmtp, codec = RD_OFFER_CODEC_H264;
              else if (!party_receives)
                pt = vp8, codec = RD_OFFER_CODEC_VP8;
            }
          else if (vp8 >= 0)
            pt = vp8, codec = RD_OFFER_CODEC_VP8;
          else if (!party_receives)
            pt = h264, fmtp = h264_fmtp, codec = RD_OFFER_CODEC_H264;
          if (pt < 0)
            {
              g_autofree char *offered = offered_codecs (media);
              if (party_receives)
                g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_OFFER,
                             "m-line %u (video) offers %s; the room sends %s (video-codec=%s)", i,
                             offered,
                             send_codec == RD_VIDEO_CODEC_H264
                                 ? "H.264 constrained baseline with packetization-mode=1"
                                 : "VP8",
                             rd_video_codec_to_string (send_codec));
              else
                g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_OFFER,
                             "m-line %u (video) offers %s: neither VP8 nor H.264", i, offered);
              return NULL;
            }
        }
      else if (g_strcmp0 (kind, "audio") == 0)
        {
          pt = find_codec (media, "opus", 48000, NULL);
          codec = RD_OFFER_CODEC_OPUS;
          if (pt < 0)
            {
              g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_OFFER,
                           "m-line %u (audio) does not offer Opus", i);
              return NULL;
            }
        }
      else
        {
          g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_OFFER,
                       "m-line %u is %s; only audio and video are supported", i,
                       kind ? kind : "(none)");
          return NULL;
        }
      if (fp_attr)
        {
          g_autofree char *fp = parse_fingerprint (fp_attr);
          if (!fp)
            {
              g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_OFFER,
                           "m-line %u: a=fingerprint:%s is not a sha-256 fingerprint", i, fp_attr);
              return NULL;
            }
          if (media_fp && g_strcmp0 (media_fp, fp) != 0)
            {
              g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_OFFER,
                           "m-line %u: its a=fingerprint differs from an earlier m-line's", i);
              return NULL;
            }
          if (!media_fp)
            media_fp = g_steal_pointer (&fp);
        }
      m = g_new0 (RdOfferMedia, 1);
      m->mline = i;
      m->video = codec != RD_OFFER_CODEC_OPUS;
      m->codec = codec;
      m->pt = (guint)pt;
      m->fmtp = g_strdup (fmtp);
      m->remote_sends = g_strcmp0 (dir, "recvonly") != 0;
      m->remote_receives = g_strcmp0 (dir, "sendonly") != 0;
      m->mid = g_strdup (gst_sdp_media_get_attribute_val (media, "mid"));
      g_ptr_array_add (offer->media, m);
    }
  if (media_fp && session_fp && g_strcmp0 (media_fp, session_fp) != 0)
    {
      g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_OFFER,
                   "the offer's session and media a=fingerprint differ");
      return NULL;
    }
  if (!media_fp && !session_fp)
    {
      g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_OFFER,
                   gst_sdp_message_get_attribute_val (offer->sdp, "fingerprint")
                       ? "the offer's a=fingerprint is not a sha-256 fingerprint"
                       : "the offer has no a=fingerprint");
      return NULL;
    }
  offer->fingerprint = g_strdup_printf ("sha-256 %s", media_fp ? media_fp : session_fp);
  return g_steal_pointer (&offer);
}

/* The same words as for an offer, said of an answer. */
static char *
as_answer (const char *message)
{
  static const char *const pairs[][2] = {
    { "rejected by the offer itself", "rejected by the answer" },
    { "the offer", "the answer" },
    { ") offers ", ") answers with " },
  };
  char *text = g_strdup (message);

  for (gsize i = 0; i < G_N_ELEMENTS (pairs); i++)
    {
      g_auto (GStrv) parts = g_strsplit (text, pairs[i][0], -1);
      g_free (text);
      text = g_strjoinv (pairs[i][1], parts);
    }
  return text;
}

RdOffer *
rd_answer_parse (const char *text, RdVideoCodec send_codec, GError **error)
{
  g_autoptr (GError) local = NULL;
  RdOffer *answer = rd_offer_parse (text, send_codec, &local);

  if (!answer)
    {
      g_autofree char *message = as_answer (local->message);
      g_set_error_literal (error, local->domain, local->code, message);
    }
  return answer;
}
