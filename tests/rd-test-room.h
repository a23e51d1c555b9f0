/* rd-test-room.h: a real receptiond with a live session, and remote parties calling into it
 * over WHIP (a webrtcbin test peer and a real HTTPS client), for end-to-end tests. Callers
 * enter a network namespace of their own first (rd_test_enter_netns). Main thread only. */
#pragma once

#include "tests/rd-test-daemon.h"
#include "tests/rd-test-peer.h"
#include "tests/rd-test-whip.h"

G_BEGIN_DECLS

#define RD_TEST_ROOM_TIMEOUT_MS 20000

typedef struct
{
  RdTestDaemon *t;
  char *cert;       /* the daemon's generated certificate: the only one the client trusts */
  char *session_id; /* the live session */
} RdTestRoom;

/* Starts the daemon (@extra config, whole groups, e.g. "[media]\n...", may be NULL; then ICE on
 * 127.0.0.1) and a session. (transfer full) */
RdTestRoom *rd_test_room_up (const char *extra);
void rd_test_room_free (RdTestRoom *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RdTestRoom, rd_test_room_free)

/* A fresh invite for the live session (token, whip_url, ...): a board's or agency's named
 * "Ban Tiếp công dân", a citizen's unnamed ("citizen N"). (transfer full) */
JsonNode *rd_test_room_invite (RdTestRoom *r, const char *role);
/* A string member of a JSON object node, or NULL. (transfer none) */
const char *rd_test_member (JsonNode *n, const char *name);
/* A party calls in with @inv's token (forging its fingerprint if @forge): a test peer makes its
 * offer, POSTs it (waiting out 429s), 201 expected, the answer applied. *@peer_out gets the peer.
 * (transfer full) */
RdTestWhipReply *rd_test_room_call_in (RdTestRoom *r, JsonNode *inv, gboolean forge,
                                       RdTestPeer **peer_out);
/* The same with a test peer sending @video_codec ("VP8", "H264"). */
RdTestWhipReply *rd_test_room_call_in_with (RdTestRoom *r, JsonNode *inv, const char *video_codec,
                                            gboolean forge, RdTestPeer **peer_out);
/* The same with @peer, made by the caller (transfer none). */
RdTestWhipReply *rd_test_room_call_in_peer (RdTestRoom *r, JsonNode *inv, RdTestPeer *peer);
/* The resource URL from a Location header and the endpoint URL. (transfer full) */
char *rd_test_resource_url (const char *whip_url, const char *location);
/* Waits (up to @timeout_ms) until @n parties are in status, all in @state with >= @min_bytes_in
 * received (n = 0: none left); fails the test with the last status seen. */
void rd_test_room_wait_parties (RdTestRoom *r, guint n, const char *state, guint64 min_bytes_in,
                                guint timeout_ms);

G_END_DECLS
