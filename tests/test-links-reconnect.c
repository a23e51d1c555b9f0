/* test-links-reconnect.c: a joined conference staying connected (tests/rd-test-links.h: two
 * daemons in the test's namespace): a cut the room gets over with an ICE restart on both sides,
 * a cut longer than the far end's patience (re-POSTs, new tracks, the recording's gap), the far
 * end's Link ICE servers used by a re-POST, and a far end gone for good (failed after
 * reconnect-seconds). Faults from outside: lo down in the namespace, SIGKILL. */
#include <signal.h>
#include <string.h>

#include "tests/rd-test-links.h"
#include "tests/rd-test-netns.h"
#include "tests/rd-test-turn.h"

static char *netns_skip_reason;

/* lo (the only link of the test's namespace) up or down: a network cut and its end. */
static gboolean
set_lo (gboolean up)
{
  const char *argv[] = { "ip", "link", "set", "lo", up ? "up" : "down", NULL };
  g_autoptr (GSubprocess) proc = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_NONE, NULL);

  return proc && g_subprocess_wait_check (proc, NULL, NULL);
}

/* A network cut: lo (the only link of the test's namespace) goes down until the room sees the
 * drop, then up again: the link comes back by itself and the far end receives media again. In
 * most runs by an ICE restart on both sides (the room as offerer, the far end as answerer, same
 * party); when the far end's own 10 s of silence ran out first, its 404 to the restart is
 * followed by a re-POST. Which one happened is asserted in full either way. (tc netem is not in
 * this kernel; the janus engineer's veth tests cover loss and a timed cut.) */
static void
test_cut_and_recover (void)
{
  g_autoptr (RdTestLinks) p = NULL;
  g_autofree char *err = NULL;
  g_autofree char *events = NULL;
  g_autoptr (JsonNode) recovered = NULL;
  g_autoptr (JsonNode) restart = NULL;
  g_autoptr (JsonNode) far_session = NULL;
  JsonArray *parts;
  const char *via;
  double back_s;

  if (rd_test_skip_if (netns_skip_reason))
    return;
  p = rd_test_links_up (NULL);
  g_assert_cmpint (rd_test_links_join (p, FALSE, &err), ==, 0);
  rd_test_links_wait (p->room, "whip", "connected", 30);
  rd_test_links_wait_far (p->far, 1, 50000);

  if (!set_lo (FALSE))
    {
      g_test_skip ("lo cannot be taken down here");
      return;
    }
  rd_test_links_wait (p->room, "whip", "reconnecting", 30);
  g_assert_true (set_lo (TRUE));
  back_s = rd_test_links_wait (p->room, "whip", "connected", 30);
  g_test_message ("link back %.1f s after lo was restored", back_s);
  {
    /* media flows again: the far end receives the room (its counters restart with the new ICE
     * session), said with both ends' figures when it does not */
    gint64 end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
    g_autofree char *seen = NULL;
    gint64 far_bytes = 0;

    while (far_bytes < 50000 && g_get_monotonic_time () < end)
      {
        g_autoptr (JsonNode) fs = rd_test_ctl_json (p->far->t, "status", NULL);
        g_autoptr (JsonNode) rs = rd_test_ctl_json (p->room->t, "status", NULL);
        JsonArray *parties = json_object_get_array_member (rd_test_links_obj (fs), "parties");
        JsonObject *party =
            json_array_get_length (parties) ? json_array_get_object_element (parties, 0) : NULL;
        JsonObject *l = rd_test_link_of_kind (rs, "whip");

        far_bytes = party ? json_object_get_int_member (party, "bytes_received") : 0;
        g_free (seen);
        seen = g_strdup_printf ("far end: party %s, %" G_GINT64_FORMAT " bytes / %" G_GINT64_FORMAT
                                " packets in; room: link %s, %" G_GINT64_FORMAT
                                " bytes / %" G_GINT64_FORMAT " out, pair %s",
                                party ? json_object_get_string_member (party, "state") : "none",
                                far_bytes,
                                party ? json_object_get_int_member (party, "packets_received") : 0,
                                l ? json_object_get_string_member (l, "state") : "none",
                                l ? json_object_get_int_member (l, "bytes_sent") : 0,
                                l ? json_object_get_int_member (l, "packets_received") : 0,
                                l ? json_object_get_string_member (l, "candidate_pair") : "none");
        if (far_bytes < 50000)
          g_usleep (RD_TEST_LINKS_POLL_US);
      }
    if (far_bytes < 50000)
      g_error ("no media at the far end 30 s after the ICE restart: %s", seen);
  }
  events = rd_test_links_events (p->room);
  recovered = rd_test_links_last_event (p->room, "link-recovered");
  g_assert_nonnull (recovered);
  via = json_object_get_string_member (rd_test_links_obj (recovered), "via");
  g_test_message ("room: %s (via %s)", events, via);
  far_session = rd_test_ctl_json (p->far->t, "session", "show", p->far->session_id, NULL);
  parts = json_object_get_array_member (rd_test_links_obj (far_session), "participants");
  if (g_str_equal (via, "ICE restart"))
    {
      /* both sides of the ICE restart: the room as offerer, the far end as answerer, for the
       * same party */
      g_assert_cmpstr (events, ==,
                       "link-joined link-connected link-dropped link-ice-restart link-recovered");
      restart = rd_test_links_last_event (p->far, "ice-restart");
      g_assert_nonnull (restart);
      g_assert_cmpuint (json_array_get_length (parts), ==, 1);
    }
  else
    {
      /* both ends notice a cut after the same 10 s of silence: when the far end gave the party
       * up first ("lost"), or the restart's PATCH met the cut, the restart is refused and the
       * room re-POSTs (the old resource DELETEd: "left") */
      JsonObject *first = json_array_get_object_element (parts, 0);
      const char *why = json_object_get_string_member (first, "leave_reason");
      g_assert_cmpstr (via, ==, "re-POST");
      g_assert_true (
          g_str_has_prefix (events, "link-joined link-connected link-dropped link-ice-restart "));
      g_assert_true (g_str_has_suffix (events, " link-reposted link-recovered"));
      g_assert_cmpuint (rd_test_count_of (events, "link-failed"), ==, 0);
      g_assert_true (g_str_equal (why, "lost") || g_str_equal (why, "left"));
      g_assert_cmpuint (json_array_get_length (parts), ==, 2);
    }
}

/* A cut longer than the far end's patience: lo stays down until the far end has given both
 * parties up (nothing received for its liveness timeout), then comes up again. Both links come
 * back by themselves with re-POSTs (new resources, new parties at the far end), the played
 * stream records into new tracks, and its gap is on the record with its times. */
static void
test_long_cut_reposts (void)
{
  g_autoptr (RdTestLinks) p = NULL;
  g_autofree char *err = NULL;
  g_autofree char *events = NULL;
  g_autoptr (JsonNode) recovered = NULL;
  g_autoptr (JsonNode) gap = NULL;
  g_autoptr (JsonNode) far_session = NULL;
  g_autoptr (JsonNode) ended = NULL;
  JsonArray *recs;
  guint second_tracks = 0;
  double back_s;

  if (rd_test_skip_if (netns_skip_reason))
    return;
  p = rd_test_links_up (NULL);
  g_assert_cmpint (rd_test_links_join (p, TRUE, &err), ==, 0);
  rd_test_links_wait (p->room, "whip", "connected", 30);
  rd_test_links_wait (p->room, "whep", "connected", 30);
  rd_test_links_wait_far (p->far, 2, 0);

  if (!set_lo (FALSE))
    {
      g_test_skip ("lo cannot be taken down here");
      return;
    }
  rd_test_links_wait (p->room, "whip", "reconnecting", 30);
  rd_test_links_wait (p->room, "whep", "reconnecting", 30);
  rd_test_links_wait_far (p->far, 0, 0); /* the far end's liveness gave them up */
  g_assert_true (set_lo (TRUE));
  /* the next re-POST is at most 4 s away (backoff cap) */
  back_s = rd_test_links_wait (p->room, "whip", "connected", 20);
  g_test_message ("WHIP link back %.1f s after lo was restored", back_s);
  rd_test_links_wait (p->room, "whep", "connected", 20);
  rd_test_links_wait_far (p->far, 2, 0);

  events = rd_test_links_events (p->room);
  g_test_message ("room: %s", events);
  g_assert_cmpuint (rd_test_count_of (events, "link-dropped"), ==, 2);
  g_assert_cmpuint (rd_test_count_of (events, "link-recovered"), ==, 2);
  g_assert_cmpuint (rd_test_count_of (events, "link-failed"), ==, 0);
  g_assert_cmpuint (rd_test_count_of (events, "link-reposted"), >=, 2);
  recovered = rd_test_links_last_event (p->room, "link-recovered");
  g_assert_cmpstr (json_object_get_string_member (rd_test_links_obj (recovered), "via"), ==,
                   "re-POST");
  /* the WHEP link's gap in the recording, on the session's timeline */
  g_assert_cmpuint (rd_test_count_of (events, "recording-gap"), ==, 1);
  gap = rd_test_links_last_event (p->room, "recording-gap");
  g_assert_cmpfloat (json_object_get_double_member (rd_test_links_obj (gap), "from_s"), >, 0);
  g_assert_cmpfloat (json_object_get_double_member (rd_test_links_obj (gap), "to_s"), >,
                     json_object_get_double_member (rd_test_links_obj (gap), "from_s") + 5);
  far_session = rd_test_ctl_json (p->far->t, "session", "show", p->far->session_id, NULL);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (
                        rd_test_links_obj (far_session), "participants")),
                    ==, 4);
  /* the played stream after the re-POST is recorded too: a second peer's video track has a
   * segment (a ledger row from its first frame: the first keyframe after the re-POST) */
  {
    gint64 end = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

    while (second_tracks == 0 && g_get_monotonic_time () < end)
      {
        g_clear_pointer (&ended, json_node_unref);
        ended = rd_test_ctl_json (p->room->t, "session", "show", p->room->session_id, NULL);
        recs = json_object_get_array_member (rd_test_links_obj (ended), "recordings");
        for (guint i = 0; i < json_array_get_length (recs); i++)
          {
            g_autofree char *row = json_to_string (json_array_get_element (recs, i), FALSE);
            /* a peer after the first: party-link-<id>-<n>-video, n > 1 */
            if (strstr (row, "party-link-") && strstr (row, "-video") && !strstr (row, "-1-video"))
              second_tracks++;
          }
        if (second_tracks == 0)
          g_usleep (RD_TEST_LINKS_POLL_US);
      }
    g_assert_cmpuint (second_tracks, >=, 1);
  }
  /* and sealed at the session's end */
  g_assert_cmpint (
      rd_test_ctl (p->room->t, NULL, NULL, "session", "end", p->room->session_id, NULL), ==, 0);
}

/* The far end is gone for good: ICE restart, re-POSTs, then the link has failed after
 * reconnect-seconds; the session goes on and leave still works. */
static void
test_far_end_gone (void)
{
  g_autoptr (RdTestLinks) p = NULL;
  g_autofree char *err = NULL;
  g_autofree char *events = NULL;
  g_autoptr (JsonNode) status = NULL;
  double failed_after;

  if (rd_test_skip_if (netns_skip_reason))
    return;
  p = rd_test_links_up ("[links]\nreconnect-seconds=10\n");
  g_assert_cmpint (rd_test_links_join (p, FALSE, &err), ==, 0);
  rd_test_links_wait (p->room, "whip", "connected", 30);
  rd_test_daemon_signal (p->far->t, SIGKILL);
  g_assert_cmpint (rd_test_daemon_wait_exit (p->far->t, 10000), ==, 128 + SIGKILL);
  rd_test_links_wait (p->room, "whip", "reconnecting", 30);
  failed_after = rd_test_links_wait (p->room, "whip", "failed", 20);
  g_test_message ("failed %.1f s after reconnecting was seen", failed_after);
  g_assert_cmpfloat (failed_after, <=, 12);
  events = rd_test_links_events (p->room);
  g_assert_true (g_str_has_prefix (events, "link-joined link-connected link-dropped "));
  g_assert_nonnull (strstr (events, "link-reposted"));
  g_assert_true (g_str_has_suffix (events, "link-failed"));
  status = rd_test_ctl_json (p->room->t, "status", NULL);
  g_assert_cmpstr (json_object_get_string_member (rd_test_links_obj (status), "state"), ==, "live");
  g_assert_nonnull (
      strstr (json_object_get_string_member (rd_test_links_obj (status), "status"), "1 FAILED"));
  g_assert_cmpint (
      rd_test_ctl (p->room->t, NULL, NULL, "session", "leave", p->room->session_id, NULL), ==, 0);
  rd_test_links_wait (p->room, NULL, NULL, 5);
}

/* The far end's ICE servers (its 201's Link headers: a TURN server with credentials) are kept
 * and given to the peer of every re-POST from the start: after a cut longer than the far end's
 * patience, the room's new peer allocates on the far end's TURN server too (coturn in the
 * test's namespace counts allocations; the far end's own peers allocate there as well). */
static void
test_link_ice_servers (void)
{
  g_autoptr (RdTestLinks) p = NULL;
  g_autoptr (RdTestTurn) turn = NULL;
  g_autoptr (JsonNode) joined = NULL;
  g_autofree char *why = NULL;
  g_autofree char *far_extra = NULL;
  g_autofree char *turn_url = NULL;
  g_autofree char *err = NULL;
  guint per_party, after;

  if (rd_test_skip_if (netns_skip_reason))
    return;
  turn = rd_test_turn_start ("board", "s3cret", &why);
  if (!turn)
    {
      g_test_skip (why);
      return;
    }
  turn_url = rd_test_turn_config_url (turn, NULL);
  far_extra = g_strdup_printf ("turn-server=%s\n", turn_url);
  p = g_new0 (RdTestLinks, 1);
  p->far = rd_test_room_up (far_extra); /* appended to its [network] group */
  p->room = rd_test_room_up (NULL);
  p->invite = rd_test_room_invite (p->far, "board");
  p->whep_url = g_strdup ("");
  g_assert_cmpint (rd_test_links_join (p, FALSE, &err), ==, 0);
  rd_test_links_wait (p->room, "whip", "connected", 30);
  rd_test_links_wait_far (p->far, 1, 0);
  joined = rd_test_links_last_event (p->room, "link-joined");
  g_assert_cmpint (json_object_get_int_member (rd_test_links_obj (joined), "ice_servers"), >=, 1);
  /* the room's first peer made its offer before the 201: only the far end's party allocated */
  per_party = rd_test_turn_count_allocations (turn);
  g_assert_cmpuint (per_party, >=, 1);

  if (!set_lo (FALSE))
    {
      g_test_skip ("lo cannot be taken down here");
      return;
    }
  rd_test_links_wait (p->room, "whip", "reconnecting", 30);
  rd_test_links_wait_far (p->far, 0, 0);
  g_assert_true (set_lo (TRUE));
  rd_test_links_wait (p->room, "whip", "connected", 30);
  rd_test_links_wait_far (p->far, 1, 0);
  /* the far end's new party allocated per_party more; the room's re-POST peer at least one */
  after = rd_test_turn_count_allocations (turn);
  if (after < 2 * per_party + 1)
    {
      g_autofree char *log = rd_test_turn_log (turn);
      g_error ("%u allocations after the re-POST (%u per far party): the room's new peer did not "
               "use the far end's TURN server; coturn's log:\n%s",
               after, per_party, log);
    }
}

int
main (int argc, char **argv)
{
  /* Before any thread exists: both daemons live in this namespace. */
  if (!rd_test_enter_netns (&netns_skip_reason))
    g_printerr ("# skipping every link test: %s\n", netns_skip_reason);
  g_test_init (&argc, &argv, NULL);
  rd_test_tolerate_third_party_race ();
  g_test_add_func ("/links-reconnect/cut-and-recover", test_cut_and_recover);
  g_test_add_func ("/links-reconnect/long-cut-reposts", test_long_cut_reposts);
  g_test_add_func ("/links-reconnect/far-end-gone", test_far_end_gone);
  g_test_add_func ("/links-reconnect/link-ice-servers", test_link_ice_servers);
  return g_test_run ();
}
