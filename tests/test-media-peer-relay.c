/* test-media-peer-relay.c: ICE servers for RdPeer as the offerer (rd_peer_add_ice_server, the
 * config's turn-server and force-relay) through a real TURN server (coturn, rd-test-turn.h)
 * started in the test's own network namespace; the call as in test-media-peer-offer.c. */
#include "tests/rd-test-call.h"
#include "tests/rd-test-netns.h"
#include "tests/rd-test-turn.h"

#include <gst/gst.h>
#include <string.h>
#include "tests/rd-test-wait.h"
#include "media/rd-media-error.h"

static void
test_ice_servers (RdTestRooms *f, gconstpointer data)
{
  static const char *const bad[] = {
    "http://turn.example.org", "turn:",     "turn:host:0", "turn:host?transport=sctp",
    "stun:host?transport=udp", "turn:ho st"
  };
  g_autoptr (GError) error = NULL;
  RdTestPeerEvents ev = { 0 };
  g_autoptr (RdPeer) peer = rd_test_call_new_peer (f->offerer_room, f->config, "board", &ev);

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_assert_false (rd_peer_add_ice_server (peer, bad[i], "u", "p", &error));
      g_assert_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_ICE_SERVER);
      g_assert_nonnull (strstr (error->message, bad[i]));
      g_clear_error (&error);
    }
  g_assert_false (rd_peer_add_ice_server (peer, "turn:127.0.0.1:3478", NULL, NULL, &error));
  g_assert_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_ICE_SERVER);
  g_assert_nonnull (strstr (error->message, "username"));
  g_clear_error (&error);
  g_assert_true (rd_peer_add_ice_server (peer, "stun:127.0.0.1:3478", NULL, NULL, &error));
  g_assert_true (
      rd_peer_add_ice_server (peer, "turn:[::1]:3478?transport=tcp", "u", "p/+=:@", &error));
  g_assert_no_error (error);
  rd_peer_close (peer, "test over");
  rd_test_peer_events_clear (&ev);
}

static RdConfig *
relay_config (RdTestTurn *turn, const char *password)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *url = rd_test_turn_config_url (turn, password);
  g_autofree char *text =
      g_strdup_printf (RD_TEST_ROOM_CONFIG "turn-server=%s\nforce-relay=true\n", url);
  RdConfig *config = rd_config_load_data (text, "relay.conf", &error);

  g_assert_no_error (error);
  return config;
}

static void
test_force_relay (RdTestRooms *f, gconstpointer data)
{
  g_autofree char *why = NULL;
  g_autoptr (RdTestTurn) turn = rd_test_turn_start ("receptiond", "s3cret", &why);
  g_autoptr (RdConfig) relay = NULL;
  RdPeerStats stats = { 0 };
  RdTestCall c = { 0 };

  if (!turn)
    {
      g_test_skip (why);
      return;
    }
  relay = relay_config (turn, NULL);
  rd_test_call_connect (f, &c, RD_PEER_OFFER_PUBLISH, relay);
  WAIT_FOR (rd_room_get_remote_video_frames (f->answerer_room) >= 10, 30,
            "ward frames %" G_GUINT64_FORMAT, rd_room_get_remote_video_frames (f->answerer_room));
  WAIT_FOR ((rd_peer_stats_clear (&stats), rd_peer_get_stats (c.offerer, &stats),
             stats.selected_pair_type != NULL),
            5, "no selected pair in the stats");
  g_test_message ("selected pair: %s; coturn allocations %u", stats.selected_pair_type,
                  rd_test_turn_count_allocations (turn));
  g_assert_cmpstr (stats.selected_pair_type, ==, "relay");
  g_assert_cmpuint (rd_test_turn_count_allocations (turn), >=, 1);
  /* no host candidate was ever given out */
  for (guint i = 0; i < c.off.candidates->len; i++)
    g_assert_nonnull (strstr (c.off.candidates->pdata[i], "typ relay"));
  g_assert_null (strstr (c.off.sdp, "typ host"));
  rd_peer_stats_clear (&stats);
  rd_test_call_clear (&c);
}

/* A TURN server given as the far end's Link header would give it (RFC 7065 URL, username and
 * credential apart; a credential with URL-reserved characters) is used: relay candidates. */
static void
test_link_turn_server (RdTestRooms *f, gconstpointer data)
{
  g_autofree char *why = NULL;
  g_autoptr (RdTestTurn) turn = rd_test_turn_start ("link-user", "s3/cr+t=x", &why);
  g_autoptr (GError) error = NULL;
  g_autofree char *url = NULL;
  gboolean relay = FALSE;
  RdTestCall c = { 0 };

  if (!turn)
    {
      g_test_skip (why);
      return;
    }
  url = g_strdup_printf ("turn:%s?transport=udp", rd_test_turn_get_address (turn));
  c.offerer = rd_test_call_new_peer (f->offerer_room, f->config, "board", &c.off);
  g_assert_true (rd_peer_add_ice_server (c.offerer, url, "link-user", "s3/cr+t=x", &error));
  g_assert_no_error (error);
  rd_test_call_offer (c.offerer, RD_PEER_OFFER_PUBLISH, &c.off);
  /* after the offer: refused */
  g_assert_false (rd_peer_add_ice_server (c.offerer, url, "link-user", "x", &error));
  g_assert_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_PIPELINE);
  g_clear_error (&error);
  WAIT_FOR (c.off.gathering_done, 30, "%u candidates, no gathering-done", c.off.candidates->len);
  for (guint i = 0; i < c.off.candidates->len; i++)
    relay |= strstr (c.off.candidates->pdata[i], "typ relay") != NULL;
  g_assert_true (relay);
  g_assert_cmpuint (rd_test_turn_count_allocations (turn), >=, 1);
  rd_test_call_clear (&c);
}

static void
test_force_relay_wrong_password (RdTestRooms *f, gconstpointer data)
{
  g_autofree char *why = NULL;
  g_autoptr (RdTestTurn) turn = rd_test_turn_start ("receptiond", "s3cret", &why);
  g_autoptr (RdConfig) relay = NULL;
  g_autoptr (GError) error = NULL;
  RdTestCall c = { 0 };

  if (!turn)
    {
      g_test_skip (why);
      return;
    }
  relay = relay_config (turn, "wrong");
  c.offerer = rd_test_call_new_peer (f->offerer_room, relay, "board", &c.off);
  rd_test_call_offer (c.offerer, RD_PEER_OFFER_PUBLISH, &c.off);
  c.answerer = rd_test_call_new_peer (f->answerer_room, f->config, "ward", &c.ans);
  rd_test_call_answer (c.answerer, &c.off, &c.ans);
  error = rd_test_call_set_answer (c.offerer, c.ans.sdp);
  g_assert_no_error (error);
  /* coturn refuses the credentials; with relay only there is nothing else to try */
  WAIT_FOR (rd_test_turn_count_refused (turn) >= 1 && c.off.gathering_done, 30,
            "coturn refused %u, gathering-done %u", rd_test_turn_count_refused (turn),
            c.off.gathering_done);
  g_assert_cmpuint (c.off.candidates->len, ==, 0);
  g_assert_null (strstr (c.off.sdp, "a=candidate"));
  WAIT_FOR (rd_peer_get_state (c.offerer) == RD_PEER_STATE_FAILED, 40, "offerer %s, verified %d",
            rd_peer_state_to_string (rd_peer_get_state (c.offerer)), c.off.verified);
  g_assert_false (c.off.verified || c.ans.verified);
  g_assert_cmpuint (rd_test_turn_count_allocations (turn), ==, 0);
  g_assert_cmpuint (rd_room_get_remote_video_frames (f->answerer_room), ==, 0);
  /* an offerer that failed stays open for its owner to decide */
  g_assert_false (c.off.closed);
  rd_test_call_clear (&c);
}

static char *skip_why;

static void
test_skipped (void)
{
  g_test_skip (skip_why);
}

int
main (int argc, char **argv)
{
  gboolean in_netns = rd_test_enter_netns (&skip_why);
  int ret;

  g_test_init (&argc, &argv, NULL);
  rd_test_tolerate_third_party_race ();
  gst_init (NULL, NULL);
  if (!in_netns)
    {
      g_test_add_func ("/media/peer-relay/skipped", test_skipped);
      return g_test_run ();
    }
  g_test_add ("/media/peer-relay/ice-servers", RdTestRooms, NULL, rd_test_rooms_setup,
              test_ice_servers, rd_test_rooms_teardown);
  g_test_add ("/media/peer-relay/force-relay", RdTestRooms, NULL, rd_test_rooms_setup,
              test_force_relay, rd_test_rooms_teardown);
  g_test_add ("/media/peer-relay/link-turn-server", RdTestRooms, NULL, rd_test_rooms_setup,
              test_link_turn_server, rd_test_rooms_teardown);
  g_test_add ("/media/peer-relay/force-relay-wrong-password", RdTestRooms, NULL,
              rd_test_rooms_setup, test_force_relay_wrong_password, rd_test_rooms_teardown);
  ret = g_test_run ();
  gst_deinit ();
  return ret;
}
