/* rd-media-peer-private.h: what RdPeer's files (rd-media-peer*.c) share. media/ only.
 *
 * An RdPeer is one webrtcbin in the room, the transport (rd-media-peer.c), plus the role it
 * takes with its first role call: the answerer, a party calling in (rd_peer_answer_async(),
 * rd-media-peer-answer.c), or the offerer, the room publishing or playing elsewhere
 * (rd_peer_offer_async(), rd-media-peer-offer*.c). What differs between the roles sits behind
 * RdPeerRoleClass; only a role's own files know which role a peer has. The pieces below are
 * every peer's, each in its own file with its contract here.
 *
 * Threading: webrtcbin calls back on its own threads (signals, promises, pad-added). Those
 * callbacks hold an RdPeerHandle and cross to the peer's main context with rd_peer_run_on_main()
 * before they touch the peer; that is the media boundary. Everything else, and every signal
 * emission, runs on the main context, unless a piece says otherwise. */
#pragma once

#include "media/rd-media-peer-offer.h"
#include "media/rd-media-peer.h"
#include "media/rd-media-private.h"

#include <gst/webrtc/webrtc.h>

G_BEGIN_DECLS

#define GST_CAT_DEFAULT rd_media_debug

/* --- the handle and promises (rd-media-peer-handle.c) ---
 * RdPeerHandle is a counted weak reference to a peer: the data of every callback webrtcbin makes
 * on its threads, so that a callback never keeps a peer alive nor reaches a finalized one.
 * rd_peer_run_on_main() takes work from any thread to the peer's main context and drops it if
 * the peer is gone or closed by then; rd_peer_promise_to() makes a webrtcbin promise whose reply
 * is handled that way. Any thread, except where said. */

typedef struct
{
  gatomicrefcount rc;
  GWeakRef peer;
} RdPeerHandle;

typedef void (*RdPeerFunc) (RdPeer *peer, gpointer data);

/* (transfer full) */
RdPeerHandle *rd_peer_handle_new (RdPeer *peer);
RdPeerHandle *rd_peer_handle_ref (RdPeerHandle *h);
void rd_peer_handle_unref (gpointer data);
/* For g_signal_connect_data(). */
void rd_peer_handle_closure_unref (gpointer data, GClosure *closure);
/* Runs @func on the peer's main context unless the peer is gone or closed by then; @destroy
 * frees @data in every case. */
void rd_peer_run_on_main (RdPeerHandle *h, RdPeerFunc func, gpointer data, GDestroyNotify destroy);
/* A promise whose reply runs @func (with the promise) on the main context. (transfer full) */
GstPromise *rd_peer_promise_to (RdPeer *peer, RdPeerFunc func);
/* The reply of a finished promise, or NULL with @error (RD_MEDIA_ERROR_OFFER, what: @what) on
 * no reply or an error in it. (transfer none) */
const GstStructure *rd_peer_promise_reply (GstPromise *promise, const char *what, GError **error);

/* --- the role (rd-media-peer-answer.c, rd-media-peer-offer.c) ---
 * A role is attached once (rd_peer_set_role()) and lives until the peer is finalized. Its
 * class says how the peer reacts to the far end going quiet or away and what it has to undo
 * at teardown; the role's own data follows RdPeerRole in the role's struct. Main context. */

typedef struct _RdPeerRole RdPeerRole;

typedef struct
{
  const char *name; /* "answerer", "offerer" */
  /* Once verified, how long the far end may send nothing before rd_peer_lost(). */
  gint (*silence_timeout_s) (RdPeer *peer);
  /* Something arrived again after a silence that made the peer lost. NULL: nothing to do. */
  void (*heard_again) (RdPeer *peer);
  /* The far end is lost (ICE or DTLS failed, silence, no verified connection in time); @state
   * is RD_PEER_STATE_DISCONNECTED or FAILED. */
  void (*lost) (RdPeer *peer, RdPeerState state, const char *reason);
  /* Teardown (maybe twice): removes the role's own sources. */
  void (*stop) (RdPeer *peer);
  /* rd_peer_close(), after teardown: fails the role's unfinished task with @reason. */
  void (*fail_pending) (RdPeer *peer, const char *reason);
  void (*free) (RdPeerRole *role);
} RdPeerRoleClass;

struct _RdPeerRole
{
  const RdPeerRoleClass *klass;
};

/* --- gates (rd-media-peer-gate.c) ---
 * A gate is a buffer probe on a pad that carries media between the room and the far end: it
 * drops every buffer (events pass) until opened, and notes the monotonic second each buffer
 * passes (whether dropped or not). open, dropped and last_seen are atomics: the probe runs on
 * streaming threads, rd_peer_gate_set_open() on the main context. */

typedef struct
{
  GstPad *pad;
  gulong probe_id;
  gint open;      /* atomic */
  gint dropped;   /* atomic: buffers dropped while closed */
  gint last_seen; /* atomic: monotonic second of the last buffer, 0 before the first */
  guint64 bytes;  /* atomic: the bytes let through */
  /* RTP gates (set before the pad is linked): the sequence numbers missing from what was let
   * through (atomic), and the next one expected + 1 (0: none yet; the streaming thread's) */
  gboolean rtp;
  guint64 gaps;
  guint next_seq;
} RdPeerGate;

/* The monotonic clock in whole seconds (what last_seen holds). Any thread. */
gint rd_peer_now_s (void);
/* (transfer full) */
RdPeerGate *rd_peer_gate_new (GstPad *pad);
void rd_peer_gate_set_open (RdPeerGate *gate, gboolean open);
/* Removes the probe. Call once the pad's element is in NULL. */
void rd_peer_gate_free (RdPeerGate *gate);

/* --- what the peer sends (rd-media-peer-send.c) ---
 * A send stream carries one of the room's encoded streams to the far end (the shared video; the
 * peer's own mix of audio, rd_room_acquire_mix): the room's
 * tee -> the bin's ghost pad -> queue -> gate -> payloader (the m-line's payload type) -> a
 * webrtcbin sink pad. Its gate opens on verification. The streams live in peer->send; the
 * unlinked flags are under peer->lock (an idle probe on the tee's thread sets them). */

typedef struct
{
  GstPad *tee_pad; /* requested from the room's tee */
  GstElement *tee;
  gboolean mix;        /* the tee is the peer's mix (audio), one use of it taken */
  GstPad *queue_sink;  /* our queue's sink pad */
  RdPeerGate *gate;    /* on the queue's src pad */
  gboolean unlinked;   /* under peer->lock */
  gulong unlink_probe; /* the idle probe taking it off the tee, while one waits */
  /* atomic (video): 0, or the frames that leave the queue are dropped until a keyframe, 1
   * before it is asked for and 2 after (rd-media-peer-send.c) */
  gint need_keyframe;
  /* what the branch is made of, to make it again */
  gboolean video;
  RdOfferCodec codec;
  guint pt, mline;
  GstPad *webrtc_sink;     /* webrtcbin's sink pad (owned) */
  GstElement *queue, *pay; /* the branch (the peer's bin holds them) */
  /* atomics: buffers that reached the ghost pad from the room, and the payloader sent */
  guint64 in, sent;
  /* the watch's (main context): the counts at its last look, since when (monotonic s) the
   * stream sends nothing though media reaches it, and whether a keyframe was asked for since */
  guint64 watch_in, watch_sent;
  gint quiet_since;
  gboolean watch_asked;
} RdPeerSendStream;

/* A send stream for m-line @mline, its webrtcbin sink pad requested with @caps. Main context. */
gboolean rd_peer_add_send_stream (RdPeer *peer, guint mline, gboolean video, RdOfferCodec codec,
                                  guint pt, GstCaps *caps, GError **error);
void rd_peer_send_stream_free (gpointer data);
void rd_peer_send_set_open (RdPeer *peer, gboolean open);
/* Teardown: takes every stream off the room's tees between two buffers (at most 1 s, then at
 * once) and releases the tee pads. Main context. */
void rd_peer_send_unlink (RdPeer *peer);
/* Every few seconds once verified (the liveness check): a stream whose queue gets the room's
 * media while its payloader sends nothing (a queue stopped by a failed negotiation, a payloader
 * stuck) is asked for a keyframe after 3 s (video) and made again after 6 s: a new queue and
 * payloader, going on with the same SSRC and numbering, from a keyframe; the peer emits
 * "send-repaired". A stream that cannot be made again closes the peer. Main context. */
void rd_peer_send_watch (RdPeer *peer);

/* --- what a party sent before its lip-sync was known (rd-media-peer-hold.c) ---
 * A hold is the recorder's branch of a receive stream: the stream's tee -> a queue -> a tee for
 * the recorder. Until released, the queue keeps what arrives (bounded by bytes, the oldest
 * dropped); on release it lets it go with its timestamps corrected to the lip-sync rtpbin has
 * by then. New on the streaming thread that builds the stream; the rest on the main context. */

typedef struct _RdPeerHold RdPeerHold;

/* Builds tee -> queue -> a new tee in @bin; @out gets the new tee (the recorder's). @jitterbuffer
 * (may be NULL: no correction) is rtpbin's jitterbuffer of the stream. NULL when GStreamer
 * lacks queue or tee. (transfer full) */
RdPeerHold *rd_peer_hold_new (GstBin *bin, GstElement *tee, GstElement *jitterbuffer,
                              GstElement **out);
/* Lets what was held go, corrected; from now on frames pass as they come. Idempotent. */
void rd_peer_hold_release (RdPeerHold *hold);
/* Before the bin stops: releases, sends EOS after what is queued and waits (at most
 * @timeout_us) until it has left the queue: every held frame is then with the recorder. FALSE
 * when the wait ran out. */
gboolean rd_peer_hold_drain (RdPeerHold *hold, gint64 timeout_us);
/* Once the bin is in NULL. */
void rd_peer_hold_free (RdPeerHold *hold);

/* --- what the peer receives, and lip-sync (rd-media-peer-recv.c) ---
 * webrtcbin's pad-added builds a receive stream on its streaming thread (data already flows):
 * depayloader -> tee (the encoded frames, for the recorder) -> decoder -> the bin's ghost pad,
 * behind a gate on webrtcbin's src pad that opens on verification; the tee also feeds the
 * recorder's hold. Linking to the room's compositor/mixer, the lip-sync wait and "stream-added"
 * happen on the main context. streams, synced_ssrcs, jitterbuffers and open are under
 * peer->lock (streaming threads use them); the rest is the main context's. */

typedef struct
{
  gboolean video;
  const char *codec;          /* "VP8", "H264", "OPUS" (static) */
  GstElement *tee;            /* after the depayloader: the encoded frames */
  GstElement *rec_tee;        /* the recorder's: @tee's frames from verification, once released */
  RdPeerHold *hold;           /* between the two; NULL: @rec_tee is @tee */
  GstPad *ghost;              /* the bin's src pad with the decoded media */
  GstPad *decoding;           /* the sink pad of the element after the tee (the decoding) */
  GstPad *room_pad;           /* the room's compositor / mixer pad, once linked */
  RdPeerGate *gate;           /* on webrtcbin's src pad */
  guint32 ssrc;               /* the far end's SSRC of this stream (its caps) */
  gboolean linked, announced; /* linked to the room; "stream-added" emitted */
  gboolean timed;             /* audio: mixed by its timestamps (rd_room_time_remote_audio) */
} RdPeerRecvStream;

typedef struct
{
  GPtrArray *streams;   /* RdPeerRecvStream*, under peer->lock */
  guint sync_wait_id;   /* the wait for the SRs; 0 when not running */
  gboolean sync_waited; /* the wait is over: streams are announced as they are linked */
  GArray *synced_ssrcs; /* guint32, under peer->lock: the streams rtpbin has had a valid SR of */
  GHashTable *jitterbuffers; /* SSRC -> rtpbin's jitterbuffer (a reference), under peer->lock */
  gboolean open;             /* under peer->lock: verified; the gates of new streams open at once */
} RdPeerRecv;

void rd_peer_recv_init (RdPeer *peer);
void rd_peer_recv_clear (RdPeer *peer);
/* Connects webrtcbin's pad-added and rtpbin's jitterbuffers (lip-sync). At construction. */
void rd_peer_recv_setup (RdPeer *peer);
/* Verified: opens the gates of the streams (and of those still to come: from their first frame,
 * the recorder's hold has them; the room's display and mixer once linked) and asks the far end
 * for a keyframe. */
void rd_peer_recv_open (RdPeer *peer);
/* The monotonic second anything last arrived on a receive stream (0: never). */
gint rd_peer_recv_last_seen (RdPeer *peer);
/* Before teardown: closes the gates, announces every stream linked and not yet announced, and
 * hands the recorder what the holds have (the party's first frames, even when it leaves before
 * its lip-sync was known). */
void rd_peer_recv_flush (RdPeer *peer);
/* Teardown: closes the gates, the room stops taking the streams; rd_peer_recv_drop() once the
 * bin is in NULL. */
void rd_peer_recv_unlink (RdPeer *peer);
void rd_peer_recv_drop (RdPeer *peer);

/* --- verification and liveness (rd-media-peer-verify.c) ---
 * webrtcbin 1.22 does not compare the far end's DTLS certificate with its a=fingerprint (RFC
 * 8842 5.1 says to); this piece does, once each DTLS transport is connected, and only then
 * opens the gates. Until verified, a connect timeout runs; once verified, a liveness timer
 * watches what arrives (the receive gates and webrtcbin's nicesrc: RTP, RTCP or DTLS). What a
 * timeout or silence does is the role's (RdPeerRoleClass). transport_last_seen is an atomic
 * (set on streaming threads); the rest is the main context's. */

typedef struct
{
  GPtrArray *transports; /* GstWebRTCDTLSTransport* watched for "state" */
  GArray *transport_ids; /* their handler ids */
  gboolean verified;     /* the certificate matched */
  gint verified_at;      /* monotonic second of the verification */
  guint connect_timeout_id, liveness_id;
  gint transport_last_seen;    /* atomic: monotonic second of the last input on a nicesrc */
  GPtrArray *transport_probes; /* GstPad* of the nicesrc probed (the probes go with the bin) */
} RdPeerVerify;

void rd_peer_verify_init (RdPeer *peer);
void rd_peer_verify_clear (RdPeer *peer);
/* Watches every transceiver's DTLS transport for "connected", once each (after a description
 * was set, when the transports exist). */
void rd_peer_watch_transports (RdPeer *peer);
/* Starts the wait for a verified connection (30 s); rd_peer_lost(FAILED) when it runs out. */
void rd_peer_verify_start_timeout (RdPeer *peer);
/* Teardown: removes the timers and the transports' handlers; forgets the probed pads. */
void rd_peer_verify_stop (RdPeer *peer);

/* --- ICE (rd-media-peer-ice.c) ---
 * Trickled candidates from the far end, its current ice-ufrag, and ICE restarts (RFC 8445 9)
 * done on webrtcbin's libnice agent, which webrtcbin 1.22 does not do itself. RdPeerIce holds
 * that agent and its ICE streams for one restart. Main context. */

typedef struct _RdPeerIce RdPeerIce;

/* The one ice-ufrag/ice-pwd pair of @sdpfrag (session- or media-level, every occurrence
 * agreeing: one ICE session per peer with max-bundle), well-formed (RFC 8839 5.4), or
 * RD_MEDIA_ERROR_FRAGMENT. */
gboolean rd_peer_ice_parse_credentials (const char *sdpfrag, char **ufrag, char **pwd,
                                        GError **error);
/* The fragment parsers below are pure (no peer, no GStreamer object): they take any text, as
 * a PATCH body arrives, and are what the fuzz target exercises.
 *
 * TRUE when @sdpfrag has an a=ice-ufrag line whose value differs from @current (NULL: any
 * a=ice-ufrag differs). */
gboolean rd_peer_sdpfrag_names_other_ufrag (const char *sdpfrag, const char *current);
/* One a=candidate line of a trickle fragment: the m-line it is for and the line without its
 * "a=" ("candidate:...", as webrtcbin's add-ice-candidate takes it). */
typedef struct
{
  guint mline;
  char *candidate;
} RdPeerFragCandidate;
/* The a=candidate lines of @sdpfrag (lines split at LF, surrounding whitespace dropped), in
 * order. A candidate is for m-line 0 until the fragment's first m= line; each m= line moves to
 * the next m-line (0, 1, ...), and an a=mid naming the mid of one of @media (RdOfferMedia*, the
 * far end's description; may be NULL) moves to that media's m-line (an unknown mid changes
 * nothing). (transfer full: a GArray of RdPeerFragCandidate that frees their strings) */
GArray *rd_peer_sdpfrag_candidates (const char *sdpfrag, const GPtrArray *media);
/* The far end's ice-ufrag as last set: from its description until a restart. (transfer none) */
const char *rd_peer_ice_remote_ufrag (RdPeer *peer);
/* webrtcbin's libnice agent and ICE streams, or NULL with RD_MEDIA_ERROR_PIPELINE when it
 * exposes none. (transfer full) */
RdPeerIce *rd_peer_ice_new (RdPeer *peer, GError **error);
void rd_peer_ice_free (RdPeerIce *ice);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RdPeerIce, rd_peer_ice_free)
guint rd_peer_ice_n_streams (RdPeerIce *ice);
/* New local credentials on every stream; the far end's candidates and checks forgotten (the
 * pair in use carries media until a new one is nominated). */
void rd_peer_ice_restart_local (RdPeerIce *ice);
/* The far end's new credentials on every stream; @ufrag becomes the current remote ufrag. */
void rd_peer_ice_set_remote (RdPeer *peer, RdPeerIce *ice, const char *ufrag, const char *pwd);
/* Our side as an application/trickle-ice-sdpfrag: per ICE stream its first m-line and a=mid as
 * in @sdp, the local credentials, every local candidate and, with @end, a=end-of-candidates.
 * @ufrag (may be NULL) gets the first stream's ice-ufrag. (transfer full) */
char *rd_peer_ice_local_fragment (RdPeerIce *ice, const GstSDPMessage *sdp, gboolean end,
                                  char **ufrag);
/* Teardown, before the bin goes to NULL: frees the agent's TURN allocations on the server. */
void rd_peer_ice_release (RdPeer *peer);

/* --- stats (rd-media-peer-stats.c) ---
 * The last reply of webrtcbin's get-stats, summed up on the main context; one request at a
 * time. */

typedef struct
{
  RdPeerStats last;    /* updated_us 0: no reply yet */
  GstPromise *pending; /* the unanswered get-stats request (a reference), or NULL */
  gint64 asked_us;     /* when it was made */
} RdPeerStatsCache;

void rd_peer_stats_cache_init (RdPeerStatsCache *cache);
void rd_peer_stats_cache_clear (RdPeerStatsCache *cache);
/* Teardown, before webrtcbin goes to NULL: interrupts an unanswered request. webrtcbin 1.22
 * stops its thread with the request still queued and frees its promise unanswered, which
 * GStreamer warns about (a warning is fatal in the tests). */
void rd_peer_stats_stop (RdPeer *peer);

/* --- the transport (rd-media-peer.c) --- */

struct _RdPeer
{
  GObject parent_instance;

  RdRoom *room;
  RdConfig *config;
  char *id;
  char *mix_key; /* who it must not hear: its id, or what rd_peer_set_mix_key() set */
  GMainContext *context;
  RdPeerHandle *handle;
  GstElement *bin, *webrtc;
  GArray *webrtc_ids; /* gulong: handlers on webrtcbin, disconnected at teardown */
  RdPeerState state;
  gboolean closed;
  GMutex lock;      /* what streaming threads reach: the stream arrays, synced_ssrcs */
  GCond cond;       /* a send stream was unlinked */
  RdPeerRole *role; /* NULL until the first role call */

  /* the far end: its offer (answerer) or its answer (offerer), as the role set it */
  RdOffer *remote;
  char *remote_fingerprint;
  char *remote_ufrag; /* its ice-ufrag after an ICE restart; NULL: the description's */
  gboolean answered;  /* an answer is set, ours or the far end's */

  GPtrArray *send; /* RdPeerSendStream* */
  RdPeerRecv recv;
  RdPeerVerify verify;
  RdPeerStatsCache stats;
};

/* Attaches @role (transfer full) to a peer that has none. */
void rd_peer_set_role (RdPeer *peer, RdPeerRole *role);
/* Connects @callback to webrtcbin's @signal with a handle reference as its data; disconnected
 * at teardown. */
void rd_peer_connect_webrtc (RdPeer *peer, const char *signal, GCallback callback);
/* The transceiver webrtcbin made last (the one just requested or added). (transfer full) */
GstWebRTCRTPTransceiver *rd_peer_last_transceiver (GstElement *webrtc);
void rd_peer_set_state (RdPeer *peer, RdPeerState state);
/* The far end is lost: the role decides (RdPeerRoleClass.lost); a peer without a role closes. */
void rd_peer_lost (RdPeer *peer, RdPeerState state, const char *reason);

G_END_DECLS
