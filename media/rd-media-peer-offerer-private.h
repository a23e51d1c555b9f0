/* rd-media-peer-offerer-private.h: the offerer role's data, shared by its two files
 * (rd-media-peer-offer.c: the offer, the answer, the role; rd-media-peer-offer-ice.c: ICE
 * servers, trickle, credentials, restarts). media/ only. Main context. */
#pragma once

#include "media/rd-media-peer-private.h"

G_BEGIN_DECLS

typedef struct
{
  RdPeerRole role;
  RdPeerOfferKind kind;
  GTask *offer_task;        /* rd_peer_offer_async()'s, until the offer is set */
  GTask *set_answer_task;   /* rd_peer_set_answer_async()'s, until the answer is set */
  GstSDPMessage *local_sdp; /* our offer as set (m-lines, mids, payload types) */
  char *local_ufrag;        /* after an ICE restart; NULL: the offer's */
  gboolean gathering_done;  /* "gathering-done" was emitted */
  guint caps_wait_id;       /* polls until the payloaders have caps (publish) */
  gint64 started_us;        /* when the offer was asked for */
} RdPeerOfferer;

/* The peer's offerer, or NULL when it has no role or is an answerer. */
RdPeerOfferer *rd_peer_offerer_of (RdPeer *peer);

/* rd-media-peer-offer-sdp.c: the video and the audio m-line (transceivers; publish: send
 * streams from the room's tees), and our sink pads' msid. */
gboolean rd_peer_offerer_add_lines (RdPeer *peer, GError **error);
/* TRUE when every webrtcbin sink pad has its caps: the payloaders have seen the room's streams.
 * Only then can webrtcbin write what they send into the offer (H.264's profile-level-id and
 * sprop-parameter-sets from the room's SPS, every stream's a=ssrc and msid). */
gboolean rd_peer_offerer_caps_known (RdPeer *peer);
/* Our offer @local as sent. (transfer full) */
char *rd_peer_offerer_offer_text (RdPeer *peer, const GstSDPMessage *local);
/* The far end's answer against our offer: every m-line, in order, with a payload type we
 * offered, in the direction we asked; RD_MEDIA_ERROR_OFFER naming what is wrong. */
gboolean rd_peer_offerer_check_answer (RdPeer *peer, const RdOffer *answer, GError **error);

/* rd-media-peer-offer-ice.c: connects webrtcbin's candidates and gathering state, which go up
 * to the owner as "local-candidate" and "gathering-done". */
void rd_peer_offerer_watch_ice (RdPeer *peer);
/* "gathering-done" if gathering is complete and it was not emitted yet. */
void rd_peer_offerer_check_gathering (RdPeer *peer);

G_END_DECLS
