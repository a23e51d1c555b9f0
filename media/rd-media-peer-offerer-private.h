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

/* rd-media-peer-offer-ice.c: connects webrtcbin's candidates and gathering state, which go up
 * to the owner as "local-candidate" and "gathering-done". */
void rd_peer_offerer_watch_ice (RdPeer *peer);
/* "gathering-done" if gathering is complete and it was not emitted yet. */
void rd_peer_offerer_check_gathering (RdPeer *peer);

G_END_DECLS
