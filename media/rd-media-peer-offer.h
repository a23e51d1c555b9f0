/* rd-media-peer-offer.h: RdPeer as the offerer, for the room joining a conference hosted
 * elsewhere: a WHIP client publishing (RFC 9725 4.2: a sendonly offer, one audio and one video
 * m-line, same msid; ICE servers from the 201's Link headers, 4.6; trickle and ICE restart by
 * PATCH, 4.3) or a WHEP client playing (a recvonly offer).
 *
 * Contract:
 * - A peer is either an answerer (rd_peer_answer_async(), a party that called in) or an offerer
 *   (this header); never both. rd_peer_offer_async() on a peer that has answered (or the other
 *   way round) fails with RD_MEDIA_ERROR_PIPELINE.
 * - rd_peer_offer_async() makes a max-bundle, rtcp-mux offer with one audio and one video
 *   m-line (same msid): RD_PEER_OFFER_PUBLISH sends the room's shared encoded audio and video
 *   (a=sendonly, WHIP), RD_PEER_OFFER_PLAY receives (a=recvonly, WHEP; the received streams go
 *   to the room's display/speakers and are announced with "stream-added" like a party's). It
 *   completes as soon as the offer is the local description, without waiting for candidates
 *   (trickle): each local candidate follows as "local-candidate", then "gathering-done" once.
 *   (Publish first waits, at most 2 s, until the room's streams reach the payloaders, so that
 *   the offer names what they send: H.264's profile-level-id from the room's SPS, a=ssrc.)
 *   The returned offer carries the candidates gathered so far (maybe none). A peer offers once:
 *   after a failed rd_peer_offer_async() it can only be closed.
 * - rd_peer_set_answer_async() sets the far end's answer. An answer that cannot be parsed, does
 *   not answer every m-line (in order, in the direction offered, with a payload type the offer
 *   named), or has no codec the room can use fails with RD_MEDIA_ERROR_OFFER naming what is
 *   wrong, and changes nothing (another answer may be set; an owner that gives up closes it).
 *   RD_MEDIA_ERROR_PIPELINE: no offer made yet, an answer already set, or the peer closed.
 * - Fingerprint check, verified/security-violation, gates and state as for a party
 *   (rd-media-peer.h): the answer's a=fingerprint is the one checked.
 * - Liveness: an offerer peer from which nothing arrives (media, RTCP or DTLS) for 5 s (playing:
 *   media flows all the time) or 10 s (publishing: only the far end's RTCP comes back), or whose
 * ICE goes disconnected/failed, or that is not verified within 30 s of its answer, goes to
 * RD_PEER_STATE_DISCONNECTED (or FAILED) and stays open: the owner decides between an ICE restart
 * and a new peer. When the far end is heard again (a restart worked, the network came back) it goes
 * back to CONNECTED. It closes only on rd_peer_close(), a security violation or an error inside its
 * pipeline.
 * - ICE restart as the offerer, in two steps: rd_peer_restart_ice_local() makes new local ICE
 *   credentials and returns an application/trickle-ice-sdpfrag body (per ICE stream its first
 *   m-line and a=mid, new a=ice-ufrag/a=ice-pwd, the local candidates known so far; later ones
 *   come as "local-candidate" again; a=end-of-candidates once gathering is done: libnice keeps
 *   its candidates across a restart and gathers no new ones); rd_peer_restart_ice_remote() takes
 * the far end's 200 body (its new credentials and candidates) and ICE checks start again. The media
 * in flight keeps its pair until a new one is nominated. Errors: RD_MEDIA_ERROR_FRAGMENT (body
 * malformed or without credentials), RD_MEDIA_ERROR_PIPELINE (peer closed or not yet answered).
 * - ICE servers: the config's stun-server/turn-server, plus any given with rd_peer_add_ice_server()
 *   before the offer (the far end's Link headers; every TURN server is used, but webrtcbin takes
 *   one STUN server: the config's, else the first one added); with the config's force-relay
 *   only relay candidates are used (webrtcbin "ice-transport-policy" relay).
 *
 * Signals (main context, in addition to rd-media-peer.h's):
 *   "local-candidate" (const char *mid, const char *candidate): @mid is the a=mid of the m-line
 *   it belongs to, @candidate an a=candidate value without the "a=" ("candidate:1 1 UDP ..."),
 *   one per gathered local candidate.
 *   "gathering-done" (): no more local candidates until the next ICE restart.
 *
 * Threading: main context only. Ownership: strings returned are (transfer full).
 */
#pragma once

#include "media/rd-media-peer.h"

G_BEGIN_DECLS

typedef enum
{
  RD_PEER_OFFER_PUBLISH, /* the room's audio and video, a=sendonly (WHIP) */
  RD_PEER_OFFER_PLAY,    /* the far end's audio and video, a=recvonly (WHEP) */
} RdPeerOfferKind;

/* An ICE server for this peer: "stun:HOST[:PORT]", "turn:HOST[:PORT][?transport=udp|tcp]" or
 * "turns:..." with @username/@credential for TURN (NULL for STUN; any characters). Before the
 * offer only (else RD_MEDIA_ERROR_PIPELINE).
 * Errors: RD_MEDIA_ERROR_ICE_SERVER (media/rd-media-error.h) naming the URL when it is not one
 * of these forms or a TURN server lacks a username or credential. */
gboolean rd_peer_add_ice_server (RdPeer *peer, const char *url, const char *username,
                                 const char *credential, GError **error);

void rd_peer_offer_async (RdPeer *peer, RdPeerOfferKind kind, GCancellable *cancellable,
                          GAsyncReadyCallback callback, gpointer user_data);
/* The offer SDP. (transfer full) */
char *rd_peer_offer_finish (RdPeer *peer, GAsyncResult *result, GError **error);

void rd_peer_set_answer_async (RdPeer *peer, const char *answer_sdp, GCancellable *cancellable,
                               GAsyncReadyCallback callback, gpointer user_data);
gboolean rd_peer_set_answer_finish (RdPeer *peer, GAsyncResult *result, GError **error);

/* The a=ice-ufrag currently in the local description (after an ICE restart, the new one).
 * (transfer none) NULL before the offer. */
const char *rd_peer_get_local_ufrag (RdPeer *peer);

char *rd_peer_restart_ice_local (RdPeer *peer, GError **error);
gboolean rd_peer_restart_ice_remote (RdPeer *peer, const char *sdpfrag, GError **error);

G_END_DECLS
