/* test-netfault.c: network faults between two hosts (tests/rd-test-veth.h): the test's own
 * network namespace and a second one joined by a veth pair, with tc netem and link cuts.
 *
 * - the harness itself: a receptiond on the far host, a party (the C test peer) on this one
 *   calls it over the veth with 5% loss and 50 ms delay each way (100 ms RTT): media flows both
 *   ways, and the daemon's own statistics show the RTT and the losses the link was given. */
#include <string.h>

#include "tests/rd-test-daemon.h"
#include "tests/rd-test-netns.h"
#include "tests/rd-test-peer.h"
#include "tests/rd-test-veth.h"
#include "tests/rd-test-wait.h"
#include "tests/rd-test-whip.h"

static char *netns_skip_reason;

typedef struct
{
  RdTestVeth *veth;
} Fixture;

/* The two hosts, or FALSE after a visible skip. */
static gboolean
two_hosts (Fixture *f)
{
  g_autofree char *why = NULL;

  if (netns_skip_reason)
    {
      g_test_skip (netns_skip_reason);
      return FALSE;
    }
  f->veth = rd_test_veth_new (&why);
  if (!f->veth)
    {
      g_test_skip (why);
      return FALSE;
    }
  return TRUE;
}

/* A receptiond on the far host (listening and doing ICE on its veth end). (transfer full) */
static RdTestDaemon *
far_daemon (RdTestVeth *v, const char *extra)
{
  g_autofree char *config = g_strdup_printf ("[network]\nlisten=%s:0\nice-addresses=%s\n%s",
                                             v->there_ip, v->there_ip, extra ? extra : "");
  RdTestDaemon *t = rd_test_daemon_new (config);

  rd_test_veth_enter (v);
  rd_test_daemon_spawn (t, NULL);
  rd_test_veth_leave (v);
  rd_test_daemon_wait_notify (t, "READY=1", 1, 20000);
  return t;
}

/* The first party in the daemon's status (NULL when none). (transfer none: inside @status) */
static JsonObject *
first_party (JsonNode *status)
{
  JsonArray *parties = json_object_get_array_member (json_node_get_object (status), "parties");
  return parties && json_array_get_length (parties) > 0 ? json_array_get_object_element (parties, 0)
                                                        : NULL;
}

typedef struct
{
  RdTestDaemon *t;
  JsonNode *status; /* the last one seen */
  gint64 min_rtt_ms, min_lost;
} PartyWait;

static gboolean
party_shows_link (gpointer data)
{
  PartyWait *w = data;
  JsonObject *p;

  g_clear_pointer (&w->status, json_node_unref);
  w->status = rd_test_ctl_json (w->t, "status", NULL);
  p = first_party (w->status);
  return p && g_str_equal (json_object_get_string_member (p, "state"), "connected") &&
         json_object_get_int_member (p, "rtt_ms") >= w->min_rtt_ms &&
         json_object_get_int_member (p, "packets_lost") >= w->min_lost;
}

static void
test_call_over_lossy_link (Fixture *f, gconstpointer data)
{
  g_autoptr (RdTestDaemon) t = NULL;
  g_autoptr (RdTestPeer) peer = NULL;
  g_autoptr (RdTestWhipReply) created = NULL;
  g_autoptr (JsonNode) inv = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *session = NULL;
  g_autofree char *offer = NULL;
  g_autofree char *cert = NULL;
  PartyWait w = { 0 };
  guint64 frames;

  if (!two_hosts (f))
    return;
  rd_test_veth_netem (f->veth, "delay 50ms loss 5%");
  t = far_daemon (f->veth, NULL);
  cert = g_build_filename (t->state_dir, "tls", "certificate.pem", NULL);
  g_assert_cmpint (rd_test_ctl (t, &out, NULL, "session", "start", NULL), ==, 0);
  session = g_strstrip (g_strdup (out));
  inv = rd_test_ctl_json (t, "session", "invite", session, "--role", "board", NULL);
  /* the invite's URL is the far host's address */
  g_assert_nonnull (strstr (json_object_get_string_member (json_node_get_object (inv), "whip_url"),
                            f->veth->there_ip));

  peer = rd_test_peer_new_full (RD_TEST_PEER_SENDRECV, "VP8", f->veth->here_ip, &error);
  g_assert_no_error (error);
  offer = rd_test_peer_create_offer (peer, &error);
  g_assert_no_error (error);
  created = rd_test_whip_request_patiently (
      cert, "POST", json_object_get_string_member (json_node_get_object (inv), "whip_url"),
      json_object_get_string_member (json_node_get_object (inv), "token"), "application/sdp", offer,
      NULL);
  g_assert_cmpuint (created->status, ==, 201);
  g_assert_true (rd_test_peer_set_answer (peer, created->body, &error));
  g_assert_no_error (error);

  /* media both ways over the lossy link */
  WAIT_FOR (rd_test_peer_get_video_frames (peer) >= 60 &&
                rd_test_peer_get_audio_buffers (peer) >= 50,
            30, "%" G_GUINT64_FORMAT " frames, %" G_GUINT64_FORMAT " audio buffers, state %s",
            rd_test_peer_get_video_frames (peer), rd_test_peer_get_audio_buffers (peer),
            rd_test_peer_get_connection_state (peer));
  /* the daemon's statistics show the link we made: ~100 ms RTT, and losses */
  w.t = t;
  w.min_rtt_ms = 90;
  w.min_lost = 1;
  if (!rd_test_wait_until (party_shows_link, &w, 30000))
    {
      g_autofree char *seen = json_to_string (w.status, TRUE);
      g_error ("the party never showed connected, rtt_ms >= 90 and packets_lost >= 1: %s", seen);
    }
  {
    JsonObject *p = first_party (w.status);
    g_test_message ("over the veth: rtt %" G_GINT64_FORMAT " ms, %" G_GINT64_FORMAT
                    " packets lost of %" G_GINT64_FORMAT ", pair %s",
                    json_object_get_int_member (p, "rtt_ms"),
                    json_object_get_int_member (p, "packets_lost"),
                    json_object_get_int_member (p, "packets_received"),
                    json_object_get_string_member_with_default (p, "candidate_pair", "?"));
    g_assert_cmpint (json_object_get_int_member (p, "rtt_ms"), <, 1000);
  }
  /* and the video keeps coming */
  frames = rd_test_peer_get_video_frames (peer);
  WAIT_FOR (rd_test_peer_get_video_frames (peer) >= frames + 60, 20,
            "%" G_GUINT64_FORMAT " frames (had %" G_GUINT64_FORMAT ")",
            rd_test_peer_get_video_frames (peer), frames);
  json_node_unref (w.status);
}

int
main (int argc, char **argv)
{
  if (!rd_test_enter_netns (&netns_skip_reason))
    g_printerr ("# %s\n", netns_skip_reason);
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/netfault/veth-call-over-lossy-link", Fixture, NULL, NULL, test_call_over_lossy_link,
              (void (*) (Fixture *, gconstpointer))rd_test_veth_teardown);
  return g_test_run ();
}
