/* test-janus-interop.c: a real conference server nobody here wrote (Janus's VideoRoom behind
 * simple-whip-server, tests/rd-test-janus.h) as the far end, in a network namespace of the
 * test's own.
 *
 * - the harness itself: the C test peer (a webrtcbin WHIP publisher independent of receptiond)
 *   publishes to simple-whip-server, Janus lists it as a publisher of the room, DELETE of the
 *   resource removes it; a wrong token is refused and publishes nothing. */
#include <string.h>

#include "tests/rd-test-janus.h"
#include "tests/rd-test-netns.h"
#include "tests/rd-test-peer.h"
#include "tests/rd-test-wait.h"
#include "tests/rd-test-whip.h"

#define TIMEOUT_MS 20000

static char *netns_skip_reason;

/* The harness, or NULL after a visible skip. */
static RdTestJanus *
janus_or_skip (void)
{
  g_autofree char *why = NULL;
  RdTestJanus *j;

  if (netns_skip_reason)
    {
      g_test_skip (netns_skip_reason);
      return NULL;
    }
  j = rd_test_janus_up (&why);
  if (!j)
    g_test_skip (why);
  return j;
}

static char *
resource_url (const char *endpoint, const char *location)
{
  g_autoptr (GUri) base = g_uri_parse (endpoint, G_URI_FLAGS_NONE, NULL);
  g_autoptr (GUri) abs = g_uri_parse_relative (base, location, G_URI_FLAGS_NONE, NULL);
  g_assert_nonnull (abs);
  return g_uri_to_string (abs);
}

static void
test_peer_publishes (void)
{
  g_autoptr (RdTestJanus) j = janus_or_skip ();
  g_autoptr (RdTestPeer) peer = NULL;
  g_autoptr (RdTestWhipReply) refused = NULL;
  g_autoptr (RdTestWhipReply) created = NULL;
  g_autoptr (RdTestWhipReply) deleted = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *endpoint = NULL;
  g_autofree char *offer = NULL;
  g_autofree char *resource = NULL;
  const char *const none[] = { NULL };
  const char *const the_peer[] = { "rd-test-peer", NULL };

  if (!j)
    return;
  endpoint = rd_test_janus_create_endpoint (j, "room1", "s3cret", "rd-test-peer");
  rd_test_janus_wait_publishers (j, RD_TEST_JANUS_ROOM, none, TIMEOUT_MS);

  peer = rd_test_peer_new_full (RD_TEST_PEER_SENDONLY, "VP8", RD_TEST_JANUS_ICE_IP, &error);
  g_assert_no_error (error);
  offer = rd_test_peer_create_offer (peer, &error);
  g_assert_no_error (error);

  /* the wrong token: refused, nothing published */
  refused = rd_test_whip_request (NULL, "POST", endpoint, "wrong", "application/sdp", offer, NULL);
  g_assert_cmpuint (refused->status, ==, 403);

  created = rd_test_whip_request (NULL, "POST", endpoint, "s3cret", "application/sdp", offer, NULL);
  g_assert_cmpuint (created->status, ==, 201);
  g_assert_true (g_str_has_prefix (created->content_type, "application/sdp"));
  g_assert_nonnull (created->location);
  g_assert_nonnull (created->etag);
  g_assert_true (rd_test_peer_set_answer (peer, created->body, &error));
  g_assert_no_error (error);
  WAIT_FOR (g_str_equal (rd_test_peer_get_connection_state (peer), "connected"), 20,
            "connection state %s", rd_test_peer_get_connection_state (peer));
  /* Janus itself says the peer publishes (its PeerConnection is up) */
  rd_test_janus_wait_publishers (j, RD_TEST_JANUS_ROOM, the_peer, TIMEOUT_MS);

  resource = resource_url (endpoint, created->location);
  deleted = rd_test_whip_request (NULL, "DELETE", resource, "s3cret", NULL, NULL, NULL);
  g_assert_cmpuint (deleted->status, ==, 200);
  rd_test_janus_wait_publishers (j, RD_TEST_JANUS_ROOM, none, TIMEOUT_MS);
}

int
main (int argc, char **argv)
{
  if (!rd_test_enter_netns (&netns_skip_reason))
    g_printerr ("# %s\n", netns_skip_reason);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/janus/test-peer-publishes", test_peer_publishes);
  return g_test_run ();
}
