/* test-netfault.c: network faults between two hosts (tests/rd-test-veth.h): the test's own
 * network namespace and a second one joined by a link with delay, loss and cuts.
 *
 * - the harness itself: a receptiond on the far host, a party (the C test peer) on this one
 *   calls it over the link with 5% loss and 50 ms delay each way (100 ms RTT): media flows both
 *   ways, and the daemon's own statistics show the RTT and the losses the link was given;
 * - a joined conference's network faults: the room (a receptiond here) joins the far daemon's
 * session (receptionctl session join --whip URL --whep URL: the room publishes to it and plays it);
 *   - 5% loss and 100 ms RTT for a minute: both links stay connected the whole minute (no drop
 *     in the ledger), media keeps flowing, the room's link measures the RTT and the far end
 *     counts the losses, and the recordings are complete: the room's own and the far end's
 *     (recording verify ok on both; the far end's video of the room ~ the minute, by ffprobe);
 *   - the link down 10 s, then up: both links drop and are connected again by themselves within
 *     5 s of the link returning; the ledger tells it (link-dropped, then link-ice-restart or
 *     link-reposted, link-recovered, each with its time) and the recording of the played
 *     stream goes on with a recording-gap marker. */
#include <string.h>

#include "tests/rd-test-far.h"
#include "tests/rd-test-room.h"
#include "tests/rd-test-netns.h"
#include "tests/rd-test-peer.h"
#include "tests/rd-test-veth.h"
#include "tests/rd-test-wait.h"
#include "tests/rd-test-whip.h"

static char *netns_skip_reason;

/* The room also plays the far end over WHEP (FALSE: WHIP only, for a receptiond without WHEP). */
#define ROOM_JOINS_WHEP TRUE

typedef struct
{
  RdTestVeth *veth;
} Fixture;

/* The two hosts, or FALSE after a visible skip. */
static gboolean
two_hosts (Fixture *f)
{
  g_autofree char *why = NULL;

  if (rd_test_skip_if (netns_skip_reason))
    return FALSE;
  f->veth = rd_test_veth_new (&why);
  if (!f->veth)
    {
      g_test_skip (why);
      return FALSE;
    }
  return TRUE;
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
  p = rd_test_first_party (w->status);
  return p && g_str_equal (json_object_get_string_member (p, "state"), "connected") &&
         json_object_get_int_member (p, "rtt_ms") >= w->min_rtt_ms &&
         json_object_get_int_member (p, "packets_lost") +
                 json_object_get_int_member (p, "packets_repaired") +
                 json_object_get_int_member (p, "packets_missing") +
                 json_object_get_int_member (p, "remote_packets_lost") >=
             w->min_lost;
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
  /* the far host has its end of the link (seen from a process run there) */
  {
    const char *const argv[] = { "ip", "-4", "-o", "addr", "show", "dev", f->veth->there_if, NULL };
    g_autoptr (GSubprocess) p =
        rd_test_veth_spawn_there (f->veth, G_SUBPROCESS_FLAGS_STDOUT_PIPE, argv);
    g_autofree char *addrs = NULL;
    g_assert_true (g_subprocess_communicate_utf8 (p, NULL, NULL, &addrs, NULL, NULL));
    g_assert_nonnull (strstr (addrs, f->veth->there_ip));
  }
  rd_test_veth_netem (f->veth, "delay 50ms loss 5%");
  t = rd_test_far_daemon (f->veth, NULL);
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
  /* the daemon's statistics show the link we made: ~100 ms RTT, and losses either way: on the
   * way in, lost for good or repaired by retransmission (NACK/RTX can repair every one of them:
   * 0 lost for good was seen after 30 s of 5% loss, and once 0 of either over 2879 packets);
   * on the way out, what the party's receiver reports count missing */
  w.t = t;
  w.min_rtt_ms = 90;
  w.min_lost = 1;
  if (!rd_test_wait_until (party_shows_link, &w, 30000))
    {
      g_autofree char *seen = json_to_string (w.status, TRUE);
      guint64 forwarded = 0, dropped = 0;

      rd_test_veth_counts (f->veth, &forwarded, &dropped);
      g_error ("the party never showed connected, rtt_ms >= 90 and packets lost (either way) or "
               "repaired >= 1 (the link forwarded %" G_GUINT64_FORMAT
               " frames and dropped %" G_GUINT64_FORMAT "): %s",
               forwarded, dropped, seen);
    }
  {
    JsonObject *p = rd_test_first_party (w.status);
    g_test_message ("over the veth: rtt %" G_GINT64_FORMAT " ms, %" G_GINT64_FORMAT
                    " packets missing the first time, %" G_GINT64_FORMAT
                    " repaired and %" G_GINT64_FORMAT " lost of %" G_GINT64_FORMAT ", pair %s",
                    json_object_get_int_member (p, "rtt_ms"),
                    json_object_get_int_member (p, "packets_missing"),
                    json_object_get_int_member (p, "packets_repaired"),
                    json_object_get_int_member (p, "packets_lost"),
                    json_object_get_int_member (p, "packets_received"),
                    json_object_get_string_member_with_default (p, "candidate_pair", "?"));
    g_assert_cmpint (json_object_get_int_member (p, "rtt_ms"), <, 1000);
  }
  /* the link dropped about 5% of the frames it carried */
  {
    guint64 forwarded, dropped;
    rd_test_veth_counts (f->veth, &forwarded, &dropped);
    g_test_message ("the link forwarded %" G_GUINT64_FORMAT " frames, dropped %" G_GUINT64_FORMAT,
                    forwarded, dropped);
    g_assert_cmpfloat (100.0 * dropped / (forwarded + dropped), >, 3);
    g_assert_cmpfloat (100.0 * dropped / (forwarded + dropped), <, 7);
  }
  /* and the video keeps coming */
  frames = rd_test_peer_get_video_frames (peer);
  WAIT_FOR (rd_test_peer_get_video_frames (peer) >= frames + 60, 20,
            "%" G_GUINT64_FORMAT " frames (had %" G_GUINT64_FORMAT ")",
            rd_test_peer_get_video_frames (peer), frames);
  json_node_unref (w.status);
}

static void
test_lossy_minute (Fixture *f, gconstpointer data)
{
  g_autoptr (RdTestFar) r = NULL;
  g_autofree char *events = NULL;
  gint64 start, start_real, next_check;
  gint64 sent = 0, far_received = 0;
  guint checks = 0;
  double video_s;
  gint64 frames;

  if (!two_hosts (f))
    return;
  rd_test_veth_netem (f->veth, "delay 50ms loss 5%");
  r = rd_test_far_join (f->veth, ROOM_JOINS_WHEP);
  rd_test_far_wait_links (r, "connected", 30);
  rd_test_far_wait_parties (r, 10000, 30);
  start = g_get_monotonic_time ();
  start_real = g_get_real_time ();
  next_check = start;
  /* a minute, looked at every 5 s: both links connected, and more media each time */
  while (g_get_monotonic_time () - start < 60 * G_USEC_PER_SEC)
    {
      g_autoptr (JsonNode) status = NULL;
      g_autofree char *states = NULL;
      JsonNode *far_status;
      JsonObject *party;
      gint64 in, out;

      next_check += 5 * G_USEC_PER_SEC;
      rd_test_run_until (next_check);
      states = rd_test_far_link_states (r, &status);
      if (!g_str_equal (states,
                        ROOM_JOINS_WHEP ? "whep:connected whip:connected" : "whip:connected"))
        {
          g_autofree char *text = json_to_string (status, TRUE);
          g_error ("%.0f s into the lossy minute the links are %s: %s",
                   (g_get_monotonic_time () - start) / 1e6, states, text);
        }
      /* what the room sends, and what the far end receives of it, grow every time */
      out = json_object_get_int_member (rd_test_far_link_of (status, "whip"), "bytes_sent");
      far_status = rd_test_ctl_json (r->far, "status", NULL);
      party = rd_test_far_party_via (far_status, "whip");
      g_assert_nonnull (party);
      g_assert_cmpstr (json_object_get_string_member (party, "state"), ==, "connected");
      in = json_object_get_int_member (party, "bytes_received");
      g_assert_cmpint (out, >, sent);
      g_assert_cmpint (in, >, far_received);
      sent = out;
      far_received = in;
      if (++checks == 12)
        {
          JsonObject *l = rd_test_far_link_of (status, "whip");
          g_test_message ("after a minute: the room's link: rtt %" G_GINT64_FORMAT
                          " ms, loss %.1f%%, %" G_GINT64_FORMAT
                          " bytes out; the far end's party: rtt %" G_GINT64_FORMAT
                          " ms, %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT
                          " packets lost, %" G_GINT64_FORMAT " bytes in",
                          json_object_get_int_member (l, "rtt_ms"),
                          json_object_get_double_member (l, "loss_percent"), out,
                          json_object_get_int_member (party, "rtt_ms"),
                          json_object_get_int_member (party, "packets_lost"),
                          json_object_get_int_member (party, "packets_received"), in);
          /* the link we made is the one the media crossed: the room measures its RTT (RTCP from
           * the far end). The far end counts what it lost for good (NACK + RTX repair most of
           * the 5%: 0 was seen). The room's publishing link shows the loss the far end's RTCP
           * reports count on the wire, before repair, over all the room sent (retransmissions
           * included, the last report lagging): 1.5% and 3.6% were seen against the link's 5%,
           * while the far end lost 3.2% and 2.4% for good; so it is bounded by what the link
           * drops, not by what the far end kept */
          g_assert_cmpint (json_object_get_int_member (l, "rtt_ms"), >=, 90);
          {
            double far_got = json_object_get_int_member (party, "packets_received");
            double far_lost = json_object_get_int_member (party, "packets_lost");
            double room_percent = json_object_get_double_member (l, "loss_percent");

            g_assert_cmpfloat (far_got, >, 0);
            if (far_lost >= 20) /* not all of them in the last report's few seconds */
              g_assert_cmpfloat (room_percent, >, 0);
            /* twice what the link drops: a figure above it would be wrong arithmetic */
            g_assert_cmpfloat (room_percent, <=, 10.0);
          }
        }
      json_node_unref (far_status);
    }
  /* the far end received the room all along */
  rd_test_far_wait_parties (r, 100000, 10);
  events = rd_test_far_link_events (r);
  g_test_message ("link events: %s", events);
  if (rd_test_count (events, "link-dropped") != 0)
    {
      g_autofree char *story = rd_test_far_link_story (r, start_real);
      g_error ("a link dropped during the lossy minute; the ledger, in seconds from the minute's "
               "start:\n%s",
               story);
    }
  video_s = rd_test_far_end_and_verify (r, &frames);
  /* the far end recorded the room the whole minute: it had the room's media before the minute
   * began, but its recording starts at the first keyframe it could decode, which under loss
   * may come a few seconds later (seen: 55.7 s of the minute, 60.1 s). How many frames made it is
   * printed, not asserted: on a loaded machine the room's own encoder runs well under its 30 fps
   * (seen: 6 fps), and what a 5% loss costs the far end's recording on top (a VP8 frame with a
   * packet lost for good is dropped up to the next keyframe) is a figure to watch, not a pass mark
   * yet. */
  g_assert_cmpfloat (video_s, >=, 54);
  g_assert_cmpint (frames, >, 0);
}

/* TRUE when at least one link dropped and every link that dropped has recovered. */
static gboolean
dropped_all_recovered (const char *events)
{
  guint dropped = rd_test_count (events, "link-dropped");

  return dropped >= 1 && rd_test_count (events, "link-recovered") >= dropped;
}

static void
test_cut_ten_seconds (Fixture *f, gconstpointer data)
{
  g_autoptr (RdTestFar) r = NULL;
  g_autofree char *events = NULL;
  gint64 cut_at, up_at, sent;
  g_autofree char *story = NULL;
  const guint n = ROOM_JOINS_WHEP ? 2 : 1;
  gint64 frames;
  double back_s;

  if (!two_hosts (f))
    return;
  r = rd_test_far_join (f->veth, ROOM_JOINS_WHEP);
  rd_test_far_wait_links (r, "connected", 30);
  rd_test_far_wait_parties (r, 10000, 20);

  rd_test_veth_set_link (f->veth, FALSE);
  cut_at = g_get_monotonic_time ();
  /* the cut lasts 10 s; what the room says meanwhile is logged */
  while (g_get_monotonic_time () - cut_at < 10 * G_USEC_PER_SEC)
    {
      g_autofree char *states = rd_test_far_link_states (r, NULL);
      g_test_message ("%.1f s into the cut: %s", (g_get_monotonic_time () - cut_at) / 1e6, states);
      rd_test_run_until (
          MIN (g_get_monotonic_time () + G_USEC_PER_SEC, cut_at + 10 * G_USEC_PER_SEC));
    }
  rd_test_veth_set_link (f->veth, TRUE);
  up_at = g_get_real_time ();
  /* every link that dropped recovered by itself: the ledger says when. The player (WHEP) hears
   * nothing for the whole cut and always drops (after ~5 s); the publisher (WHIP) only sends, and
   * whether ICE calls it disconnected within a 10 s cut is libnice's timing (9.5 s seen, and
   * not at all): a link that never dropped must simply be connected and sending again below. */
  WAIT_FOR (dropped_all_recovered ((g_free (events), events = rd_test_far_link_events (r))), 30,
            "link events %s", events);
  back_s = rd_test_far_recovered_after (r, up_at);
  g_test_message ("link events: %s; the last recovery %.1f s after the link came back", events,
                  back_s);
  story = rd_test_far_link_story (r, up_at);
  g_test_message ("the ledger, in seconds from the link's return:\n%s", story);
  if (back_s > 5.0)
    {
      g_error ("the last link recovered %.1f s after the link came back (at most 5 s); the "
               "ledger, in seconds from the link's return:\n%s",
               back_s, story);
    }
  rd_test_far_wait_links (r, "connected", 5);

  /* media again: what the room sends grows */
  {
    g_autoptr (JsonNode) status = NULL;
    g_autofree char *states = rd_test_far_link_states (r, &status);
    sent = json_object_get_int_member (rd_test_far_link_of (status, "whip"), "bytes_sent");
  }
  {
    gint64 end = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
    gint64 now_sent = sent;
    while (now_sent < sent + 20000 && g_get_monotonic_time () < end)
      {
        g_autoptr (JsonNode) status = NULL;
        g_autofree char *states = rd_test_far_link_states (r, &status);
        now_sent = json_object_get_int_member (rd_test_far_link_of (status, "whip"), "bytes_sent");
        g_usleep (200 * 1000);
      }
    g_assert_cmpint (now_sent, >=, sent + 20000);
  }
  /* and the far end has the room (again) with media */
  rd_test_far_wait_parties (r, 10000, 20);

  g_clear_pointer (&events, g_free);
  events = rd_test_far_link_events (r);
  g_assert_cmpuint (rd_test_count (events, "link-dropped"), >=, 1);
  g_assert_cmpuint (rd_test_count (events, "link-dropped"), <=, n);
  g_assert_cmpuint (rd_test_count (events, "link-ice-restart") +
                        rd_test_count (events, "link-reposted"),
                    >=, rd_test_count (events, "link-dropped"));
  g_assert_cmpuint (rd_test_count (events, "link-recovered"), ==,
                    rd_test_count (events, "link-dropped"));
  /* the gap marker is on the played (recorded) stream, WHEP's; the room's own tracks have none */
  if (ROOM_JOINS_WHEP)
    g_assert_cmpuint (rd_test_count (events, "recording-gap"), >=, 1);
  g_assert_cmpfloat (rd_test_far_end_and_verify (r, &frames), >, 0);
}

int
main (int argc, char **argv)
{
  if (!rd_test_enter_netns (&netns_skip_reason))
    g_printerr ("# %s\n", netns_skip_reason);
  g_test_init (&argc, &argv, NULL);
  rd_test_tolerate_third_party_race ();
  g_test_add ("/netfault/veth-call-over-lossy-link", Fixture, NULL, NULL, test_call_over_lossy_link,
              (void (*) (Fixture *, gconstpointer))rd_test_veth_teardown);
  g_test_add ("/netfault/lossy-minute", Fixture, NULL, NULL, test_lossy_minute,
              (void (*) (Fixture *, gconstpointer))rd_test_veth_teardown);
  g_test_add ("/netfault/cut-ten-seconds", Fixture, NULL, NULL, test_cut_ten_seconds,
              (void (*) (Fixture *, gconstpointer))rd_test_veth_teardown);
  return g_test_run ();
}
