/* rd-media-peer.h: RdPeer, one remote party (one webrtcbin) in the room.
 *
 * A peer takes one of two roles with its first role call, for good: the answerer
 * (rd_peer_answer_async(): a party calling in by WHIP, RFC 9725, or a WHEP viewer; this header)
 * or the offerer (rd_peer_offer_async(): the room publishing or playing elsewhere;
 * rd-media-peer-offer.h). What is said here of verification, gates, stats and received streams
 * holds for both.
 *
 * Contract:
 * - rd_peer_answer_async() takes the remote party's SDP offer (sendonly, sendrecv or recvonly),
 *   answers it (recvonly, sendrecv or sendonly: the room's shared encoded video and the
 *   party's own mix of audio (the room's microphone and every other party) are sent on every
 *   m-line the party receives on; a recvonly offer is a WHEP viewer, which gets
 *   the room's media and sends none), waits until ICE gathering is complete, and returns the
 *   full answer SDP (with every local candidate). The room is the answerer here; for the room
 *   as the offerer see rd-media-peer-offer.h. An offer with no usable codec (neither VP8/H.264
 * video nor Opus audio), or that cannot be parsed, fails with RD_MEDIA_ERROR_OFFER and the peer is
 * unusable.
 * - ICE uses only the config's ice-addresses when set (add-local-ip-address on the ICE agent);
 *   STUN/TURN from the config; with its force-relay, only relay candidates (ice-transport-policy
 *   relay). A peer's TURN allocations are freed on the server when it closes.
 * - Liveness: a verified party from which nothing arrives on its transport (media, RTCP or DTLS;
 *   a viewer sends only RTCP) for 10 s is lost: it closes ("lost"), as on ICE failure. The DTLS
 * certificate is webrtcbin's, one per process, shared by every peer of the process (no per-peer RSA
 * generation).
 * - DTLS fingerprint check (webrtcbin 1.22 does not do it): once DTLS is connected, the remote
 *   certificate's SHA-256 (of its DER bytes) is compared with the offer's a=fingerprint. Until it
 *   matches, no remote buffer passes to the room's display, speakers or any recorder. On a
 *   mismatch the peer emits "security-violation" and closes itself ("closed" follows).
 * - The peer re-emits everything on the main context; no signal is ever emitted from a
 *   GStreamer thread.
 *
 * Signals (all on the main context):
 *   "state-changed" (RdPeerState state)
 *   "verified" (const char *fingerprint): the remote certificate matched; media now flows.
 *   "security-violation" (const char *message): the remote certificate did not match.
 *   "closed" (const char *reason): the peer is gone (closed, failed, ICE timed out, violation);
 *   emitted once.
 *   "stream-added" (GstElement *tee, gboolean video, const char *codec): see
 *   rd_peer_foreach_stream().
 *   "send-repaired" (const char *message): a stream the peer sends got the room's media but
 *   sent nothing for 6 s (a queue a failed negotiation stopped, say); its queue and payloader
 *   were made again and the far end gets the same RTP stream on, from a keyframe.
 *
 * Threading: main context only, as for RdRoom. Ownership: (transfer full) objects; the peer
 * holds a reference on its room.
 */
#pragma once

#include <gio/gio.h>

#include "media/rd-media-room.h"

G_BEGIN_DECLS

typedef enum
{
  RD_PEER_STATE_NEW,
  RD_PEER_STATE_CONNECTING,
  RD_PEER_STATE_CONNECTED, /* ICE + DTLS connected and the fingerprint verified */
  RD_PEER_STATE_DISCONNECTED,
  RD_PEER_STATE_FAILED,
  RD_PEER_STATE_CLOSED,
} RdPeerState;

const char *rd_peer_state_to_string (RdPeerState state);

typedef struct
{
  guint64 bytes_received, bytes_sent;
  guint64 packets_received, packets_lost; /* lost for good, after retransmissions */
  guint64 packets_repaired;               /* lost on the way, then retransmitted (NACK/RTX) */
  guint64 packets_missing; /* not received the first time, per RTP session (RFC 3550 A.3) */
  guint64 packets_sent, remote_packets_lost; /* lost of ours, as the far end's RTCP reports */
  double round_trip_time_s;                  /* < 0 when unknown */
  char *selected_pair_type;                  /* "host", "srflx", "relay", or NULL */
  gint64 updated_us; /* monotonic time of webrtcbin's reply; 0: no reply yet */
} RdPeerStats;

void rd_peer_stats_clear (RdPeerStats *stats);

#define RD_TYPE_PEER (rd_peer_get_type ())
G_DECLARE_FINAL_TYPE (RdPeer, rd_peer, RD, PEER, GObject)

/* Makes the process's DTLS certificate in the background now (call once at start), so that the
 * first party does not wait for it; rd_peer_prepare_wait() before the process exits (the
 * thread must not be running under exit). Any thread. */
void rd_peer_prepare (void);
void rd_peer_prepare_wait (void);

/* Adds a webrtcbin for party @peer_id to @room. (transfer full) */
RdPeer *rd_peer_new (RdRoom *room, RdConfig *config, const char *peer_id, GError **error);

const char *rd_peer_get_id (RdPeer *peer);
/* Mix-minus (rd_room_acquire_mix): the key of what the peer sends and receives, its id unless
 * set here. Peers that are one far end (a conference's WHIP and WHEP links) share a key, so
 * what one plays into the room is not sent back by the other. Call before the first role call.
 * (transfer none) */
void rd_peer_set_mix_key (RdPeer *peer, const char *key);
const char *rd_peer_get_mix_key (RdPeer *peer);
RdPeerState rd_peer_get_state (RdPeer *peer);
/* The a=fingerprint of the offer ("sha-256 AB:..."), NULL before the offer. (transfer none) */
const char *rd_peer_get_remote_fingerprint (RdPeer *peer);

void rd_peer_answer_async (RdPeer *peer, const char *offer_sdp, GCancellable *cancellable,
                           GAsyncReadyCallback callback, gpointer user_data);
/* The answer SDP. (transfer full) */
char *rd_peer_answer_finish (RdPeer *peer, GAsyncResult *result, GError **error);

/* Trickle: adds the candidates of an application/trickle-ice-sdpfrag body. */
gboolean rd_peer_add_remote_candidates (RdPeer *peer, const char *sdpfrag, GError **error);

/* TRUE when @sdpfrag names an a=ice-ufrag other than the party's current one (RFC 8840: such a
 * fragment asks for an ICE restart, whatever its If-Match). */
gboolean rd_peer_sdpfrag_restarts_ice (RdPeer *peer, const char *sdpfrag);
/* ICE restart (RFC 8445 9): @sdpfrag (application/trickle-ice-sdpfrag) carries the party's new
 * a=ice-ufrag/a=ice-pwd (one pair, session- or media-level) and maybe candidates. The peer
 * makes new local credentials, forgets the party's old candidates and checks (the pair in use
 * carries media until the party nominates a new one: the call goes on), takes the new ones,
 * and returns the room's side as an application/trickle-ice-sdpfrag body: per ICE stream its
 * first m-line and a=mid (as offered), the new a=ice-ufrag/a=ice-pwd, every local candidate
 * and a=end-of-candidates. Fails, changing nothing, with RD_MEDIA_ERROR_FRAGMENT when the
 * credentials are missing, malformed or unchanged, RD_MEDIA_ERROR_PIPELINE when the peer is
 * closed or not answered yet. (transfer full) */
char *rd_peer_restart_ice (RdPeer *peer, const char *sdpfrag, GError **error);

/* Fills @stats (free with rd_peer_stats_clear) with the last statistics webrtcbin gave (all
 * zero, updated_us 0, before the first reply) and asks webrtcbin for fresh ones for the next
 * call, unless it asked less than 2 s ago. Never waits: the reply is cached on the main context;
 * one request at a time, so a webrtcbin that does not answer only leaves the copy older
 * (updated_us). */
void rd_peer_get_stats (RdPeer *peer, RdPeerStats *stats);
/* The media bytes let through between the room and the far end so far, counted as they pass
 * (no webrtcbin call, always current): received, the far end's RTP packets (headers included);
 * sent, the room's encoded frames handed to the payloaders. Main context. */
void rd_peer_get_media_bytes (RdPeer *peer, guint64 *received, guint64 *sent);
/* The far end's RTP packets missing from what reached the room (sequence gaps after the jitter
 * buffer and its retransmissions: lost for good), counted as they pass; webrtcbin 1.22's
 * get-stats leaves packets-lost out when it has not mapped the stream's jitter buffer (seen
 * with a peer-reflexive pair). Main context. */
guint64 rd_peer_get_media_gaps (RdPeer *peer);

/* For the recorder (media/ only): the party's received streams, encoded (VP8 frames, H.264
 * access units as depayloaded, Opus packets), each a tee to request a src pad from. They sit
 * behind the fingerprint gate: nothing flows before "verified". "stream-added" (GstElement *tee,
 * gboolean video, const char *codec) announces each one on the main context once it is linked
 * and lip-synced: once the sender's RTCP SRs have timed every stream received on one clock, or
 * 2 s after the first stream without them (then timed by arrival; later
 * corrections are slewed, never a jump); rd_peer_foreach_stream() calls @func for those
 * announced so far. The tees live in the peer's bin and go with it when the peer closes. */
typedef void (*RdPeerStreamFunc) (RdPeer *peer, GstElement *tee, gboolean video, const char *codec,
                                  gpointer user_data);
void rd_peer_foreach_stream (RdPeer *peer, RdPeerStreamFunc func, gpointer user_data);

/* Tears the peer down at once and emits "closed" with @reason (if not yet closed). */
void rd_peer_close (RdPeer *peer, const char *reason);

G_END_DECLS
