/* rd-test-janus.h: a real conference server nobody here wrote, as the far end of the room's
 * WHIP client: Debian's Janus (VideoRoom) behind meetecho's simple-whip-server (unpacked by
 * scripts/install-deps.sh into RD_TEST_SWS_DIR, run with Node.js). TESTING.md "A real conference
 * server as the far end".
 *
 * rd_test_janus_up() starts both in the calling process's network namespace (enter one of your
 * own first: rd-test-netns.h), Janus from a copy of /etc/janus in a temp dir (ICE only on lo,
 * only the VideoRoom plugin, the WebSocket transport for simple-whip-server and the HTTP API on
 * 127.0.0.1 for the test's own queries), and waits (polling, bounded) until both answer. When
 * a piece is missing it returns NULL with the reason: the test must g_test_skip() with it. A
 * piece that is there and does not start fails the test with its log.
 *
 * rd_test_janus_free() kills both and removes the temp dir (kept with $RD_TEST_KEEP); if the
 * test dies instead, both die with it (PR_SET_PDEATHSIG).
 *
 * Threading: the test's main thread. The HTTP requests are synchronous; waits iterate the
 * default main context. Ownership: strings and arrays returned are (transfer full). */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define RD_TEST_SWS_DIR "/opt/receptiond-test/simple-whip-server"
/* the VideoRoom demo room of Debian's janus.plugin.videoroom.jcfg */
#define RD_TEST_JANUS_ROOM 1234
/* Janus gathers no candidates on a loopback interface (its ice.c skips IFF_LOOPBACK whatever the
 * enforce list says), and its libnice did not pair its candidate with a far end's 127.0.0.1: the
 * namespace gets a veth pair with this address on one end, for Janus and for the far ends (the
 * test peer: rd_test_peer_new_full(); the daemon: ice-addresses). */
#define RD_TEST_JANUS_ICE_IP "10.250.0.1"

typedef struct
{
  char *dir;       /* temp dir: the Janus config copy, janus.log, whip-server.log */
  char *whip_base; /* "http://127.0.0.1:PORT/whip" */
  char *janus_api; /* Janus's HTTP API: "http://127.0.0.1:PORT/janus" */
  GSubprocess *janus, *sws;
  gboolean janus_exited, sws_exited; /* set from the main context when they exit */
} RdTestJanus;

RdTestJanus *rd_test_janus_up (char **why);
/* The same, with simple-whip-server checking If-Match strictly (its "strictETags": it then
 * refuses an ICE-restart PATCH whose If-Match is not "*" in quotes, so a standard `If-Match: *`
 * gets 412). */
RdTestJanus *rd_test_janus_up_strict (gboolean strict_etags, char **why);
void rd_test_janus_free (RdTestJanus *j);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RdTestJanus, rd_test_janus_free)

/* POST /whip/create: a WHIP endpoint @id publishing into room RD_TEST_JANUS_ROOM under the
 * display name @label, accepting Bearer @token. Returns its URL (<whip_base>/endpoint/<id>). */
char *rd_test_janus_create_endpoint (RdTestJanus *j, const char *id, const char *token,
                                     const char *label);

/* Asks Janus itself (HTTP API: create a session, attach janus.plugin.videoroom,
 * "listparticipants", destroy the session) for the display names of the participants of @room
 * that publish. Fails the test when Janus does not answer. */
GStrv rd_test_janus_publishers (RdTestJanus *j, guint room);

/* Waits until the publishers of @room are exactly @displays (NULL-terminated; empty: none);
 * fails the test with the last list seen and the logs' tails. */
void rd_test_janus_wait_publishers (RdTestJanus *j, guint room, const char *const *displays,
                                    guint timeout_ms);

/* Takes Janus's interface (RD_TEST_JANUS_ICE_IP) down or up again: a network cut between
 * Janus and the room, while the HTTP APIs on 127.0.0.1 keep answering. */
void rd_test_janus_set_link (RdTestJanus *j, gboolean up);

/* A subscriber in Janus's VideoRoom, signalled over the HTTP API as a browser in Janus's demos
 * is (rd-test-janus-subscriber.c): its own Janus session with janus.plugin.videoroom attached.
 * Media goes to whoever answers Janus's offer (e.g. a RD_TEST_PEER_RECVONLY test peer with ICE
 * on RD_TEST_JANUS_ICE_IP). */
typedef struct _RdTestJanusSubscriber RdTestJanusSubscriber;

/* Joins @room as a subscriber of the publisher whose display name is @display (which must be
 * publishing: the test fails otherwise, with the participants seen). Returns Janus's offer in
 * *@offer (its candidates in it). (transfer full) */
RdTestJanusSubscriber *rd_test_janus_subscribe (RdTestJanus *j, guint room, const char *display,
                                                char **offer);
/* Sends "start" with @answer (all its candidates in it); waits (bounded) until Janus says
 * "started". */
void rd_test_janus_subscriber_start (RdTestJanusSubscriber *s, const char *answer);
/* Destroys the Janus session (the subscription goes with it). */
void rd_test_janus_subscriber_free (RdTestJanusSubscriber *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RdTestJanusSubscriber, rd_test_janus_subscriber_free)

/* The last lines of Janus's and simple-whip-server's logs, for failure messages. */
char *rd_test_janus_logs (RdTestJanus *j);

G_END_DECLS
