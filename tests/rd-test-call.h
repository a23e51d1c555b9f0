/* rd-test-call.h: two rooms in one process, the "board" (offerer) and the "ward" (answerer),
 * and a call between them through RdPeer as offerer and RdPeer as answerer, for the media tests
 * of the room as offerer (test-media-peer-offer, test-media-peer-relay). Callers enter a
 * network namespace of their own first (rd-test-netns.h): ICE only on 127.0.0.1.
 *
 * Threading: the main thread, iterating the default main context while waiting (WAIT_FOR).
 * Ownership: returned strings and peers are (transfer full); RdTestCall owns its peers and
 * events (rd_test_call_clear closes the peers). */
#pragma once

#include "media/rd-media-peer-offer.h"
#include "tests/rd-test-peer.h"

G_BEGIN_DECLS

#define RD_TEST_ROOM_CONFIG                                                                        \
  "[media]\ncamera=test\nmicrophone=test\ndisplay=none\nspeakers=none\n"                           \
  "[network]\nice-addresses=127.0.0.1\n"

/* A g_test_add() fixture: the two rooms, started, on one config: the test data's text, or
 * RD_TEST_ROOM_CONFIG when NULL. */
typedef struct
{
  RdConfig *config;
  RdRoom *offerer_room, *answerer_room;
} RdTestRooms;

/* What one peer said (its signals and async results). */
typedef struct
{
  gboolean done, verified, closed, video_added, audio_added;
  char *sdp, *fingerprint;
  GError *error;
  GPtrArray *candidates; /* "mid candidate:..." in order */
  guint gathering_done, candidates_after_done;
  RdPeer *far;     /* the answerer, once it has the offer: our candidates go to it */
  GPtrArray *held; /* sdpfrags for it until then */
  RdPeerState last_state;
} RdTestPeerEvents;

typedef struct
{
  RdPeer *offerer, *answerer;
  RdTestPeerEvents off, ans;
} RdTestCall;

void rd_test_rooms_setup (RdTestRooms *f, gconstpointer data);
void rd_test_rooms_teardown (RdTestRooms *f, gconstpointer data);
void rd_test_peer_events_clear (RdTestPeerEvents *ev);
/* A peer in @room watched by @ev (its local candidates go to ev->far once set). */
RdPeer *rd_test_call_new_peer (RdRoom *room, RdConfig *config, const char *id,
                               RdTestPeerEvents *ev);
/* GAsyncReadyCallbacks filling a RdTestPeerEvents (sdp, error, done). */
void rd_test_on_offer (GObject *source, GAsyncResult *result, gpointer user_data);
void rd_test_on_answer (GObject *source, GAsyncResult *result, gpointer user_data);
/* The offer of @peer as @kind, waited for; ev->sdp. */
void rd_test_call_offer (RdPeer *peer, RdPeerOfferKind kind, RdTestPeerEvents *ev);
/* @answerer answers @offer_ev's offer (its candidates, held and later, go to it); ev->sdp. */
void rd_test_call_answer (RdPeer *answerer, RdTestPeerEvents *offer_ev, RdTestPeerEvents *ev);
/* Sets @answer on @offerer, waited for; the error, or NULL. */
GError *rd_test_call_set_answer (RdPeer *offerer, const char *answer);
/* Offer (@kind; the offerer with @config, or the rooms' when NULL), answer, both verified. */
void rd_test_call_connect (RdTestRooms *f, RdTestCall *c, RdPeerOfferKind kind, RdConfig *config);
void rd_test_call_clear (RdTestCall *c);
/* A webrtcbin test party (rd-test-peer.h) calls into @room: its offer answered by a new RdPeer
 * @id, the answer set on @tp, the peer verified (10 s each; the test fails naming what was seen).
 * (transfer full) the room's peer. */
RdPeer *rd_test_call_in_test_peer (RdRoom *room, RdConfig *config, const char *id, RdTestPeer *tp);
/* The value of the first a=@name: in @sdp, or NULL. */
char *rd_test_sdp_attribute (const char *sdp, const char *name);

G_END_DECLS
