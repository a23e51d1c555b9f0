/* rd-media-private.h: helpers shared inside media/ only (never included outside media/).
 *
 * Threading: every function here may be called from any thread unless said otherwise.
 */
#pragma once

#include <gst/gst.h>
#include <gst/sdp/sdp.h>

#include "media/rd-media-room.h"

G_BEGIN_DECLS

GST_DEBUG_CATEGORY_EXTERN (rd_media_debug);

/* --- devices (rd-media-devices.c) --- */

/* The element for the first device of @device_class ("Video/Source", "Audio/Source",
 * "Audio/Sink"), searched as rd_media_probe_devices() does (bounded), or NULL. @detail gets
 * the device's name, or why there is none. (transfer floating) Main thread only. */
GstElement *rd_media_make_auto_device (const char *device_class, char **detail);

/* The bin @description ([media] @role = pipeline:...) makes, named @role, with one ghost pad
 * "src" (camera, microphone) or "sink" (display, speakers), checked as rd_media_check_devices()
 * says; no state is changed. @element, when not NULL, gets the factory name of the bin's source
 * or sink element (transfer full). NULL with RD_MEDIA_ERROR_DEVICE
 * "[media] ROLE: pipeline: WHY" otherwise. (transfer floating) Main thread only. */
GstElement *rd_media_make_pipeline_device (const char *role, const char *description,
                                           char **element, GError **error);

/* --- DTLS (rd-media-dtls.c) --- */

/* Makes webrtcbin's process-wide DTLS certificate now, in a thread of its own (once). */
void rd_media_dtls_prewarm (void);
/* Waits for that thread, if it runs (a process must not exit under it). */
void rd_media_dtls_prewarm_wait (void);

/* "AB:CD:..." (upper case): the SHA-256 of the DER bytes of the first certificate in @pem, or
 * NULL when @pem holds no certificate. (transfer full) */
char *rd_media_dtls_fingerprint_of_pem (const char *pem);

/* --- SDP offers (rd-media-sdp.c) --- */

/* The H.264 decoder installed ("openh264dec", else "avdec_h264"), or NULL: H.264 is offered and
 * accepted only when there is one. (transfer none: a static string) */
const char *rd_media_h264_decoder (void);

typedef enum
{
  RD_OFFER_CODEC_VP8,
  RD_OFFER_CODEC_H264,
  RD_OFFER_CODEC_OPUS,
} RdOfferCodec;

typedef struct
{
  guint mline;
  gboolean video;           /* else audio */
  RdOfferCodec codec;       /* the codec the answer uses */
  guint pt;                 /* its payload type in the offer */
  char *fmtp;               /* its a=fmtp parameters (H.264), or NULL */
  gboolean remote_sends;    /* offer direction sendrecv or sendonly */
  gboolean remote_receives; /* offer direction sendrecv or recvonly */
  char *mid;                /* a=mid, or NULL */
} RdOfferMedia;

typedef struct
{
  GstSDPMessage *sdp;
  GPtrArray *media;  /* RdOfferMedia*, one per m-line, in order */
  char *fingerprint; /* "sha-256 AB:CD:..." as in the offer (normalised to upper case) */
} RdOffer;

void rd_offer_free (RdOffer *offer);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RdOffer, rd_offer_free)

/* Parses and checks an offer: every m-line must be audio with Opus or video, must not be
 * rejected (port 0) or inactive, and the offer must carry a sha-256 a=fingerprint. A video
 * m-line on which the party receives must offer the room's @send_codec (VP8; or H.264 with
 * packetization-mode=1 and a baseline-family profile, constrained baseline preferred), which
 * is then the m-line's codec both ways; one on which it only sends may use VP8 or H.264 (when
 * an H.264 decoder is installed), the room's codec preferred. RD_MEDIA_ERROR_OFFER naming the
 * m-line (and what it offers and what the room sends) otherwise. (transfer full) */
RdOffer *rd_offer_parse (const char *text, RdVideoCodec send_codec, GError **error);
/* The same checks for the far end's answer to the room's offer, the messages naming "the
 * answer". (transfer full) */
RdOffer *rd_answer_parse (const char *text, RdVideoCodec send_codec, GError **error);

/* --- the room, for peers (rd-media-room.c) --- */

typedef void (*RdRoomBinMessageFunc) (GstMessage *message, gpointer user_data);

/* Bus messages (errors, warnings, element messages) from elements inside @bin go to @func on the
 * main context instead of the room's "error" signal; unwatch before removing the bin. Main context
 * only. */
void rd_room_watch_bin (RdRoom *room, GstElement *bin, RdRoomBinMessageFunc func,
                        gpointer user_data);
void rd_room_unwatch_bin (RdRoom *room, GstElement *bin);

/* Makes the ghost sink pad @ghost (of a bin fed from one of the room's tees) a firewall: a
 * fatal flow return from inside the bin (flushing, eos, not-negotiated, error) is logged once
 * and turned into OK, so that one failing consumer never stops the tee's feeder (the camera,
 * the encoders) for everyone else. The element that failed posts its own error message. Call
 * before data flows. */
void rd_media_guard_sink_pad (GstPad *ghost);

/* The main context the room was made on. (transfer none) */
GMainContext *rd_room_get_context (RdRoom *room);

G_END_DECLS
