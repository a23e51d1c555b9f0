/* rd-test-peer.h: a WebRTC party for tests: webrtcbin in a pipeline of its own, sending a test
 * pattern (VP8, or H.264) and a tone (Opus), counting what it decodes. Independent of receptiond's
 * code: only GStreamer and GLib.
 *
 * Use: rd_test_peer_new() -> rd_test_peer_create_offer() (the offer SDP with every local
 * candidate) -> hand it to the answerer -> rd_test_peer_set_answer() -> wait (iterating your
 * own main context) until rd_test_peer_get_connection_state() or the counters say what you
 * expect. ICE uses only 127.0.0.1 (run inside a network namespace: rd-test-netns.h). A
 * RD_TEST_PEER_RECVONLY peer answers instead: rd_test_peer_answer() takes the far end's offer.
 *
 * Threading: call from one thread. create_offer and set_answer block that thread (at most
 * 10 s) but need no main context: webrtcbin answers on its own threads. Counters and state
 * may be read at any time.
 *
 * Ownership: rd_test_peer_new() and rd_test_peer_create_offer() return (transfer full). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _RdTestPeer RdTestPeer;

typedef enum
{
  RD_TEST_PEER_SENDRECV, /* audio and video both ways (a board member in a browser) */
  RD_TEST_PEER_SENDONLY, /* sends only (a WHIP publisher) */
  RD_TEST_PEER_RECVONLY, /* answers an offer and receives what it offers, sends nothing (a
                          * conference server's subscriber); the video codec is ignored */
} RdTestPeerMode;

/* Builds and starts the pipeline. NULL with @error if an element is missing. */
RdTestPeer *rd_test_peer_new (RdTestPeerMode mode, GError **error);
/* The same, sending video in @video_codec: "VP8" or "H264" (OpenH264, constrained baseline,
 * packetization-mode=1, as browsers offer it), or "none": audio only (a citizen on a phone
 * without camera). It decodes VP8 and H.264 it receives. */
RdTestPeer *rd_test_peer_new_with_video (RdTestPeerMode mode, const char *video_codec,
                                         GError **error);
/* The same, with ICE on @ice_address instead of 127.0.0.1 (a veth end, tests/rd-test-veth.h, or
 * the address a far end such as Janus gathers on, tests/rd-test-janus.h). */
RdTestPeer *rd_test_peer_new_full (RdTestPeerMode mode, const char *video_codec,
                                   const char *ice_address, GError **error);
/* The same with sources of the caller's own: gst-launch fragments ending in raw video
 * (@video_source; NULL: audio only) and raw audio (@audio_source), e.g. a pattern that flashes
 * for a sync benchmark. Elements named there are found with rd_test_peer_get_element(). */
RdTestPeer *rd_test_peer_new_with_sources (RdTestPeerMode mode, const char *video_codec,
                                           const char *video_source, const char *audio_source,
                                           GError **error);
/* The same, with ICE on @ice_address. */
RdTestPeer *rd_test_peer_new_with_sources_full (RdTestPeerMode mode, const char *video_codec,
                                                const char *video_source, const char *audio_source,
                                                const char *ice_address, GError **error);
/* An element of the peer's pipeline by name (a GstElement*, transfer full), or NULL. The video
 * encoder is "venc"; the decoder of the far end's video, once it comes, "vdec". */
gpointer rd_test_peer_get_element (RdTestPeer *peer, const char *name);
void rd_test_peer_free (RdTestPeer *peer);

/* While @truncated, every VP8 RTP packet the peer sends is cut to its headers and each frame
 * to its frame header: the packets and frames still arrive, none can be decoded. */
void rd_test_peer_set_video_truncated (RdTestPeer *peer, gboolean truncated);
/* Makes the offer's a=fingerprint lines carry another (well-formed) SHA-256 than the
 * certificate's. Call before rd_test_peer_create_offer(). */
void rd_test_peer_set_forge_fingerprint (RdTestPeer *peer, gboolean forge);

/* The offer SDP, after ICE gathering is complete. Call once. */
char *rd_test_peer_create_offer (RdTestPeer *peer, GError **error);
gboolean rd_test_peer_set_answer (RdTestPeer *peer, const char *answer_sdp, GError **error);
/* A RD_TEST_PEER_RECVONLY peer: takes @offer_sdp (with the far end's candidates in it) and
 * returns the answer, receiving on every m-line offered, after ICE gathering is complete. Call
 * once. (transfer full) */
char *rd_test_peer_answer (RdTestPeer *peer, const char *offer_sdp, GError **error);

/* ICE restart, client side (on the libnice agent under webrtcbin, which cannot restart ICE
 * itself in 1.22): new local credentials, the far end's candidates forgotten (the pair in use
 * carries media meanwhile). Returns the application/trickle-ice-sdpfrag body to PATCH: the new
 * a=ice-ufrag/a=ice-pwd and every local candidate under the first m-line of the offer.
 * (transfer full) */
char *rd_test_peer_restart_ice (RdTestPeer *peer, GError **error);
/* Takes the far end's reply to the restart (its new credentials and candidates); connectivity
 * checks with the new credentials start. */
gboolean rd_test_peer_set_remote_ice (RdTestPeer *peer, const char *sdpfrag, GError **error);
/* How many times the ICE component has become "ready" (a nominated pair that passed its
 * checks): 1 after the first connection, one more after each successful restart. */
guint rd_test_peer_get_ice_ready_count (RdTestPeer *peer);
/* How many times a connectivity check of the far end first passed this peer's credentials: 1
 * after the first connection, one more after each restart in which the far end took the new
 * ones (a far end still using the old credentials is refused and never counts). */
guint rd_test_peer_get_ice_checked_count (RdTestPeer *peer);
/* The ice-ufrag of the far end as last set (from the answer, then from a restart). */
const char *rd_test_peer_get_remote_ufrag (RdTestPeer *peer);

/* Decoded video frames and audio buffers received from the far end so far. */
guint64 rd_test_peer_get_video_frames (RdTestPeer *peer);
/* Changes the size of the video the peer sends (320x240 at first), as a browser adapting to its
 * bandwidth does: the encoder starts again with a keyframe at the new size. */
void rd_test_peer_set_video_size (RdTestPeer *peer, int width, int height);
guint64 rd_test_peer_get_audio_buffers (RdTestPeer *peer);
/* The share (0..1) of the last picture decoded from the far end whose colour is near @rgb
 * (0xRRGGBB, each channel within 60), 0 before the first picture. Any thread. */
double rd_test_peer_get_color_share (RdTestPeer *peer, guint32 rgb);
/* The newest picture's mean colour as 0xRRGGBB (0 before the first picture), for messages. */
guint32 rd_test_peer_get_mean_color (RdTestPeer *peer);
/* "N frames decoded of P packets, K keyframes, G gaps (webrtcbin gave A pads, B of them without
 * caps)" (the video RTP packets received, the keyframes among them, the gaps in their sequence
 * numbers, and webrtcbin's source pads, those with no caps at pad-added being left alone), for
 * messages. (transfer full) */
char *rd_test_peer_describe_video (RdTestPeer *peer);
/* The amplitude (1.0: a full-scale sine) of the tone at @freq_hz in the last 100 ms of audio
 * decoded from the far end, or -1 before 100 ms have arrived. Any thread. */
double rd_test_peer_get_tone_level (RdTestPeer *peer, double freq_hz);
/* webrtcbin's connection-state as its nick: "new", "connecting", "connected", "failed", ... */
const char *rd_test_peer_get_connection_state (RdTestPeer *peer);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RdTestPeer, rd_test_peer_free)

G_END_DECLS
