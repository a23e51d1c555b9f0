/* rd-media-peer-private.h: what RdPeer's files (rd-media-peer*.c) share. media/ only.
 * Threading: a gate's open flag is read on streaming threads and set on the main context. */
#pragma once

#include "media/rd-media-peer-offer.h"
#include "media/rd-media-peer.h"
#include "media/rd-media-private.h"

#include <gst/webrtc/webrtc.h>

G_BEGIN_DECLS

typedef struct
{
  GstPad *pad;
  gulong probe_id;
  gint open;      /* atomic */
  gint dropped;   /* atomic: buffers dropped while closed */
  gint last_seen; /* atomic: monotonic second of the last buffer, 0 before the first */
} RdPeerGate;

/* The monotonic clock in whole seconds (what last_seen holds). */
gint rd_peer_now_s (void);
/* Drops every buffer through @pad until opened; notes when each passes. (transfer full) */
RdPeerGate *rd_peer_gate_new (GstPad *pad);
void rd_peer_gate_set_open (RdPeerGate *gate, gboolean open);
/* Removes the probe. Call once the pad's element is in NULL. */
void rd_peer_gate_free (RdPeerGate *gate);

#define GST_CAT_DEFAULT rd_media_debug

#define JITTER_LATENCY_MS 50   /* LAN: webrtcbin's default is 200 ms */
#define GATHER_TIMEOUT_MS 5000 /* answer with what was gathered by then */
#define CONNECT_TIMEOUT_S 30   /* from the answer to a verified connection */
#define UNLINK_TIMEOUT_MS 1000
/* How long a party's received streams wait for rtpbin's lip-sync (the first valid RTCP SR of
 * each) before they are announced to the recorder anyway (rd-media-peer-recv.c). */
#define SYNC_WAIT_MS 2000
/* Once announced, rtpbin's later lip-sync corrections are slewed by at most this per frame. */
#define SYNC_SLEW_NS (1 * GST_MSECOND)
/* A verified party from which nothing arrives for this long is lost (its browser died, its
 * network went): webrtcbin 1.22 does not run ICE consent freshness (RFC 7675) itself. Senders
 * always send something: a muted track still sends silence / black frames and RTCP. (RFC
 * 7675's consent expiry is 30 s; 30 here was tried: a party's 10 s network cut could then be
 * survived by an ICE restart, but a link's re-POST made during the cut then gathered without
 * its TURN server; left at 10 s, see the session note.) */
#define LIVENESS_TIMEOUT_S 10
/* An offerer (the room in a conference) is DISCONNECTED after this much silence, so that its
 * owner tries an ICE restart well before the far end's consent expires. Playing, media arrives
 * all the time; publishing, only the far end's RTCP. */
#define OFFERER_PLAY_SILENCE_S    5
#define OFFERER_PUBLISH_SILENCE_S 10

typedef struct
{
  gatomicrefcount rc;
  GWeakRef peer;
} RdPeerHandle;

typedef void (*RdPeerFunc) (RdPeer *peer, gpointer data);

typedef struct
{
  GstPad *tee_pad; /* requested from the room's tee */
  GstElement *tee;
  GstPad *queue_sink; /* our queue's sink pad */
  RdPeerGate *gate;   /* on the queue's src pad */
  gboolean unlinked;  /* under peer->lock */
} RdPeerSendStream;

typedef struct
{
  gboolean video;
  const char *codec; /* "VP8", "H264", "OPUS" (static) */
  GstElement *tee;   /* after the depayloader: the encoded frames, for the recorder */
  GstPad *ghost;     /* the bin's src pad with the decoded media */
  GstPad *room_pad;  /* the room's compositor / mixer pad, once linked */
  RdPeerGate *gate;  /* on webrtcbin's src pad */

  /* lip-sync (rd-media-peer-recv.c); linked and announced on the main context */
  guint32 ssrc;               /* the party's SSRC of this stream (its caps) */
  gboolean linked, announced; /* linked to the room; "stream-added" emitted */
} RdPeerRecvStream;

struct _RdPeer
{
  GObject parent_instance;

  RdRoom *room;
  RdConfig *config;
  char *id;
  GMainContext *context;
  RdPeerHandle *handle;
  GstElement *bin, *webrtc;
  RdPeerState state;
  RdOffer *offer; /* the far end's description: a party's offer, or the answer to our offer */
  char *remote_fingerprint;
  char *remote_ufrag; /* the party's ice-ufrag after an ICE restart; NULL: the offer's */
  GTask *answer_task;
  GMutex lock;
  GCond cond;
  GPtrArray *send;       /* RdPeerSendStream* */
  GPtrArray *recv;       /* RdPeerRecvStream*; appended on streaming threads under lock */
  GPtrArray *transports; /* GstWebRTCDTLSTransport* watched for "state" */
  GArray *transport_ids; /* their handler ids */
  gulong webrtc_ids[4];
  guint gather_timeout_id, connect_timeout_id, liveness_id;
  /* lip-sync (rd-media-peer-recv.c), main context but synced_ssrcs (under lock) */
  guint sync_wait_id;   /* the wait for the SRs; 0 when not running */
  gboolean sync_waited; /* the wait is over: streams are announced as they are linked */
  GArray *synced_ssrcs; /* guint32: the streams rtpbin has had a valid SR of */

  gint verified_at;                    /* monotonic second of the verification */
  RdPeerStats stats;                   /* the last reply of get-stats (updated_us 0: none yet) */
  gboolean stats_pending;              /* a get-stats request is unanswered */
  gint64 stats_asked_us;               /* when it was made */
  gboolean verified, closed, answered; /* answered: an answer is set, ours or the far end's */
  /* as the offerer (rd-media-peer-offer.c) */
  gboolean offerer;
  RdPeerOfferKind offer_kind;
  GTask *offer_task, *set_answer_task;
  GstSDPMessage *local_sdp;      /* our offer as set (m-lines, mids, payload types) */
  char *local_ufrag, *local_pwd; /* after an ICE restart; NULL: the offer's */
  gboolean gathering_done;
  guint offer_wait_id;     /* polls until the payloaders have caps (publish) */
  gint64 offer_started_us; /* when the offer was asked for */
  /* liveness: the monotonic second (atomic) anything last came in on the ICE transport (RTP,
   * RTCP or DTLS; a viewer or a WHIP server sends only RTCP), seen on webrtcbin's nicesrc */
  gint transport_last_seen;
  GPtrArray *transport_probes; /* GstPad* of the nicesrc probed (each probe removes itself) */
};

RdPeerHandle *rd_peer_handle_ref (RdPeerHandle *h);
void rd_peer_handle_unref (gpointer data);
void rd_peer_handle_closure_unref (gpointer data, GClosure *closure);
/* Runs @func on the peer's main context unless the peer is gone or closed by then; @destroy
 * frees @data in every case. Any thread. */
void rd_peer_run_on_main (RdPeerHandle *h, RdPeerFunc func, gpointer data, GDestroyNotify destroy);
/* rd-media-peer-recv.c: webrtcbin's "pad-added" (streaming thread; @user_data a RdPeerHandle). */
void rd_peer_on_pad_added (GstElement *webrtc, GstPad *pad, gpointer user_data);
/* rd-media-peer-recv.c: lip-sync on webrtcbin's internal rtpbin (at construction). */
void rd_peer_recv_setup_sync (RdPeer *peer);
/* Main context. */
void rd_peer_set_state (RdPeer *peer, RdPeerState state);
/* Watches the DTLS transports of every transceiver for "connected" (main context). */
void rd_peer_watch_transports (RdPeer *peer);
/* Probes webrtcbin's nicesrc elements (once each) to keep transport_last_seen. Main context. */
void rd_peer_watch_transport_input (RdPeer *peer);
/* The state after a liveness or ICE failure: an answerer closes with @reason, an offerer goes
 * to @state and stays open (its owner decides). Main context. */
void rd_peer_lost (RdPeer *peer, RdPeerState state, const char *reason);

/* rd-media-peer-offer-ice.c: our candidates and gathering up to the owner (connects webrtcbin's
 * signals), and "gathering-done" if gathering is complete and it was not emitted yet. */
void rd_peer_offer_watch_ice (RdPeer *peer);
void rd_peer_offer_check_gathering (RdPeer *peer);

/* rd-media-peer-ice.c: frees the ICE agent's TURN allocations; before the peer's bin goes to
 * NULL. Main context. */
void rd_peer_ice_release (RdPeer *peer);

/* rd-media-peer-answer.c, shared with the offerer */
/* tee -> queue -> (gate) payloader (@codec, @pt) -> a webrtcbin sink pad with @caps */
gboolean rd_peer_add_send_stream (RdPeer *peer, guint mline, gboolean video, RdOfferCodec codec,
                                  guint pt, GstCaps *caps, GError **error);
/* The transceiver webrtcbin made last (the one just requested or added). (transfer full) */
GstWebRTCRTPTransceiver *rd_peer_last_transceiver (GstElement *webrtc);
/* A promise whose reply runs @func (with the promise) on the main context. (transfer full) */
GstPromise *rd_peer_promise_to (RdPeer *peer, RdPeerFunc func);
/* The reply of a finished promise, or NULL with @error (what: @what) on no reply or an error
 * in it. (transfer none) */
const GstStructure *rd_peer_promise_reply (GstPromise *promise, const char *what, GError **error);

/* rd-media-peer-stats.c: the stats cache (empty until the first reply). */
void rd_peer_stats_init (RdPeer *peer);

/* TRUE when the SHA-256 of @pem's certificate is @expected ("sha-256 AB:..", any case).
 * *@actual gets "sha-256 AB:.." of @pem, or NULL if @pem holds no certificate. */
gboolean rd_peer_fingerprint_matches (const char *expected, const char *pem, char **actual);

G_END_DECLS
