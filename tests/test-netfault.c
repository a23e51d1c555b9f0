/* test-netfault.c: network faults between two hosts (tests/rd-test-veth.h): the test's own
 * network namespace and a second one joined by a veth pair, with tc netem and link cuts.
 *
 * - the harness itself: a receptiond on the far host, a party (the C test peer) on this one
 *   calls it over the veth with 5% loss and 50 ms delay each way (100 ms RTT): media flows both
 *   ways, and the daemon's own statistics show the RTT and the losses the link was given;
 * - issue 6's network faults: the room (a receptiond here) joins the far daemon's session
 *   (receptionctl session join --whip; not --whep yet: receptiond serves no WHEP endpoint, a
 *   POST to /whep/<session> is 404, so a receptiond cannot be a WHEP far end; ROOM_JOINS_WHEP
 *   below turns it on):
 *   - 5% loss and 100 ms RTT for a minute: the link stays connected the whole minute (no drop
 *     in the ledger), media keeps flowing, the link's statistics show the RTT and losses made,
 *     and the recordings are complete: the room's own and the far end's of the room (recording
 *     verify ok on both; the far end's video of the room ~ the minute long);
 *   - the link down 10 s, then up: the room sees the drop, and the link is connected again by
 *     itself within 5 s of the link returning; the ledger tells it (link-dropped, then
 *     link-ice-restart or link-reposted, link-recovered, each with its time) and the recording
 *     goes on with a recording-gap marker. */
#include <string.h>

#include "tests/rd-test-daemon.h"
#include "tests/rd-test-room.h"
#include "tests/rd-test-netns.h"
#include "tests/rd-test-peer.h"
#include "tests/rd-test-veth.h"
#include "tests/rd-test-wait.h"
#include "tests/rd-test-whip.h"

static char *netns_skip_reason;

/* The room also plays the far end over WHEP (once receptiond serves /whep/<session>). */
#define ROOM_JOINS_WHEP FALSE

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

/* Runs the main context until the monotonic time @until: the length of a fault, or the pace of
 * looking at a call that must hold (not a wait for an event). */
static void
run_until (gint64 until)
{
  guint tick = g_timeout_add (10, rd_test_wait_wake, NULL);
  while (g_get_monotonic_time () < until)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (tick);
}

/* --- The room joins the far daemon --- */

typedef struct
{
  RdTestDaemon *far, *room;
  char *far_cert, *far_session, *room_session;
  char *whip_url, *whep_url, *token;
} Rooms;

static void
rooms_free (Rooms *r)
{
  rd_test_daemon_free (r->room);
  rd_test_daemon_free (r->far);
  g_free (r->far_cert);
  g_free (r->far_session);
  g_free (r->room_session);
  g_free (r->whip_url);
  g_free (r->whep_url);
  g_free (r->token);
  g_free (r);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Rooms, rooms_free)

static char *
start_session (RdTestDaemon *t)
{
  g_autofree char *out = NULL;
  g_assert_cmpint (rd_test_ctl (t, &out, NULL, "session", "start", NULL), ==, 0);
  return g_strstrip (g_strdup (out));
}

/* The far daemon (live session, an invite for the board) on the far host, the room here; the
 * room joins it with --whip and --whep, both links connected, the far end has both parties. */
static Rooms *
rooms_joined (RdTestVeth *v)
{
  Rooms *r = g_new0 (Rooms, 1);
  g_autofree char *config = g_strdup_printf ("[network]\nice-addresses=%s\n", v->here_ip);
  g_autoptr (JsonNode) inv = NULL;
  g_autoptr (GString) whep = NULL;
  g_autofree char *err = NULL;

  r->far = far_daemon (v, NULL);
  r->far_cert = g_build_filename (r->far->state_dir, "tls", "certificate.pem", NULL);
  r->far_session = start_session (r->far);
  inv = rd_test_ctl_json (r->far, "session", "invite", r->far_session, "--role", "board", NULL);
  r->whip_url = g_strdup (json_object_get_string_member (json_node_get_object (inv), "whip_url"));
  r->token = g_strdup (json_object_get_string_member (json_node_get_object (inv), "token"));
  whep = g_string_new (r->whip_url);
  g_string_replace (whep, "/whip/", "/whep/", 1);
  r->whep_url = g_string_free (g_steal_pointer (&whep), FALSE);

  r->room = rd_test_daemon_new (config);
  rd_test_daemon_start (r->room);
  r->room_session = start_session (r->room);
  if ((ROOM_JOINS_WHEP
           ? rd_test_ctl (r->room, NULL, &err, "session", "join", r->room_session, "--whip",
                          r->whip_url, "--token", r->token, "--whep", r->whep_url, "--whep-token",
                          r->token, "--ca", r->far_cert, NULL)
           : rd_test_ctl (r->room, NULL, &err, "session", "join", r->room_session, "--whip",
                          r->whip_url, "--token", r->token, "--ca", r->far_cert, NULL)) != 0)
    g_error ("session join failed: %s", err);
  return r;
}

/* "whip:STATE whep:STATE" of the room's links; *@status_out gets the status. (transfer full) */
static char *
link_states (Rooms *r, JsonNode **status_out)
{
  g_autoptr (JsonNode) status = rd_test_ctl_json (r->room, "status", NULL);
  JsonObject *o = json_node_get_object (status);
  JsonArray *links =
      json_object_has_member (o, "links") ? json_object_get_array_member (o, "links") : NULL;
  g_autoptr (GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; links && i < json_array_get_length (links); i++)
    {
      JsonObject *l = json_array_get_object_element (links, i);
      g_ptr_array_add (parts, g_strdup_printf ("%s:%s", json_object_get_string_member (l, "kind"),
                                               json_object_get_string_member (l, "state")));
    }
  g_ptr_array_sort (parts, (GCompareFunc)g_strcmp0); /* whep after whip: "whep" < "whip" */
  g_ptr_array_add (parts, NULL);
  if (status_out)
    *status_out = g_steal_pointer (&status);
  return g_strjoinv (" ", (char **)parts->pdata);
}

static JsonObject *
link_of (JsonNode *status, const char *kind)
{
  JsonArray *links = json_object_get_array_member (json_node_get_object (status), "links");
  for (guint i = 0; links && i < json_array_get_length (links); i++)
    {
      JsonObject *l = json_array_get_object_element (links, i);
      if (g_str_equal (json_object_get_string_member (l, "kind"), kind))
        return l;
    }
  g_error ("no %s link in the room's status", kind);
}

/* Polls until both links are @state (every 100 ms); fails with the last status. Returns the
 * seconds it took. */
static double
wait_links (Rooms *r, const char *state, guint timeout_s)
{
  g_autofree char *want = ROOM_JOINS_WHEP ? g_strdup_printf ("whep:%s whip:%s", state, state)
                                          : g_strdup_printf ("whip:%s", state);
  gint64 start = g_get_monotonic_time ();
  g_autofree char *seen = NULL;
  g_autoptr (JsonNode) status = NULL;

  for (;;)
    {
      g_free (seen);
      g_clear_pointer (&status, json_node_unref);
      seen = link_states (r, &status);
      if (g_str_equal (seen, want))
        return (g_get_monotonic_time () - start) / (double)G_USEC_PER_SEC;
      if (g_get_monotonic_time () - start > timeout_s * G_USEC_PER_SEC)
        {
          g_autofree char *text = json_to_string (status, TRUE);
          g_error ("waited %u s for the links to be %s; they are %s; status: %s", timeout_s, state,
                   seen, text);
        }
      /* poll again in 100 ms; what the main context has meanwhile is taken in */
      g_usleep (100 * 1000);
      while (g_main_context_iteration (NULL, FALSE))
        ;
    }
}

/* The room session's link-* and recording-gap events, "kind@at" each, space-separated; and each
 * must have its time. (transfer full) */
static char *
link_events (Rooms *r)
{
  g_autoptr (JsonNode) shown = rd_test_ctl_json (r->room, "session", "show", r->room_session, NULL);
  JsonArray *events = json_object_get_array_member (json_node_get_object (shown), "events");
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < json_array_get_length (events); i++)
    {
      JsonObject *e = json_array_get_object_element (events, i);
      const char *kind = json_object_get_string_member (e, "kind");
      g_autofree char *text = json_to_string (json_array_get_element (events, i), FALSE);
      if (!g_str_has_prefix (kind, "link-") && !g_str_equal (kind, "recording-gap"))
        continue;
      g_assert_nonnull (strstr (text, "\"at\""));
      g_string_append_printf (s, "%s%s", s->len ? " " : "", kind);
    }
  return g_string_free (s, FALSE);
}

static guint
count (const char *haystack, const char *word)
{
  guint n = 0;
  for (const char *p = strstr (haystack, word); p; p = strstr (p + 1, word))
    n++;
  return n;
}

/* Seconds of @daemon's @session recorded in tracks whose path has @part and "-video". */
static double
video_seconds (RdTestDaemon *daemon, const char *session, const char *part)
{
  g_autoptr (JsonNode) shown = rd_test_ctl_json (daemon, "session", "show", session, NULL);
  JsonArray *recs = json_object_get_array_member (json_node_get_object (shown), "recordings");
  double s = 0;

  for (guint i = 0; i < json_array_get_length (recs); i++)
    {
      JsonObject *rec = json_array_get_object_element (recs, i);
      const char *path = json_object_get_string_member (rec, "path");
      if (strstr (path, part) && strstr (path, "-video") &&
          !json_object_get_null_member (rec, "duration_ns"))
        s += json_object_get_int_member (rec, "duration_ns") / 1e9;
    }
  return s;
}

/* Ends both sessions; every recording segment of both verifies; returns the seconds of video
 * of the room that the far end recorded (its party tracks). */
static double
end_and_verify (Rooms *r)
{
  g_autofree char *out = NULL;
  double room_s, far_s;

  g_assert_cmpint (rd_test_ctl (r->room, NULL, NULL, "session", "end", r->room_session, NULL), ==,
                   0);
  g_assert_cmpint (rd_test_ctl (r->far, NULL, NULL, "session", "end", r->far_session, NULL), ==, 0);
  g_assert_cmpint (rd_test_ctl (r->room, &out, NULL, "recording", "verify", r->room_session, NULL),
                   ==, 0);
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (rd_test_ctl (r->far, &out, NULL, "recording", "verify", r->far_session, NULL),
                   ==, 0);
  room_s = video_seconds (r->room, r->room_session, "room-video");
  far_s = video_seconds (r->far, r->far_session, "party-");
  g_test_message ("recorded: the room's own video %.1f s; the far end's video of the room %.1f s",
                  room_s, far_s);
  return far_s;
}

static void
test_lossy_minute (Fixture *f, gconstpointer data)
{
  g_autoptr (Rooms) r = NULL;
  g_autofree char *events = NULL;
  gint64 start, next_check;
  gint64 sent = 0, far_received = 0;
  guint checks = 0;
  double video_s;

  if (!two_hosts (f))
    return;
  rd_test_veth_netem (f->veth, "delay 50ms loss 5%");
  r = rooms_joined (f->veth);
  wait_links (r, "connected", 30);
  rd_test_room_wait_parties (&(RdTestRoom){ .t = r->far }, ROOM_JOINS_WHEP ? 2 : 1, "connected",
                             10000, 30000);
  start = g_get_monotonic_time ();
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
      run_until (next_check);
      states = link_states (r, &status);
      if (!g_str_equal (states,
                        ROOM_JOINS_WHEP ? "whep:connected whip:connected" : "whip:connected"))
        {
          g_autofree char *text = json_to_string (status, TRUE);
          g_error ("%.0f s into the lossy minute the links are %s: %s",
                   (g_get_monotonic_time () - start) / 1e6, states, text);
        }
      /* what the room sends, and what the far end receives of it, grow every time */
      out = json_object_get_int_member (link_of (status, "whip"), "bytes_sent");
      far_status = rd_test_ctl_json (r->far, "status", NULL);
      party = first_party (far_status);
      g_assert_nonnull (party);
      g_assert_cmpstr (json_object_get_string_member (party, "state"), ==, "connected");
      in = json_object_get_int_member (party, "bytes_received");
      g_assert_cmpint (out, >, sent);
      g_assert_cmpint (in, >, far_received);
      sent = out;
      far_received = in;
      if (++checks == 12)
        {
          JsonObject *l = link_of (status, "whip");
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
           * the far end), the far end counts the losses (a receiver has no RTT of its own) */
          g_assert_cmpint (json_object_get_int_member (l, "rtt_ms"), >=, 90);
          g_assert_cmpint (json_object_get_int_member (party, "packets_lost"), >, 0);
        }
      json_node_unref (far_status);
    }
  /* the far end received the room all along */
  rd_test_room_wait_parties (&(RdTestRoom){ .t = r->far }, ROOM_JOINS_WHEP ? 2 : 1, "connected",
                             100000, 10000);
  events = link_events (r);
  g_test_message ("link events: %s", events);
  g_assert_cmpuint (count (events, "link-dropped"), ==, 0);
  video_s = end_and_verify (r);
  /* the far end recorded the room the whole minute (and the joining before it) */
  g_assert_cmpfloat (video_s, >=, 58);
}

/* Seconds from @since_us (real time) to the last link-recovered event's "at". */
static double
recovered_after (Rooms *r, gint64 since_us)
{
  g_autoptr (JsonNode) shown = rd_test_ctl_json (r->room, "session", "show", r->room_session, NULL);
  JsonArray *events = json_object_get_array_member (json_node_get_object (shown), "events");
  double last = -1;

  for (guint i = 0; i < json_array_get_length (events); i++)
    {
      JsonObject *e = json_array_get_object_element (events, i);
      g_autofree char *text = json_to_string (json_array_get_element (events, i), FALSE);
      const char *at;
      g_autoptr (GDateTime) t = NULL;

      if (!g_str_equal (json_object_get_string_member (e, "kind"), "link-recovered"))
        continue;
      at = strstr (text, "\"at\":\"");
      g_assert_nonnull (at);
      {
        g_autofree char *iso = g_strndup (at + 6, strcspn (at + 6, "\""));
        t = g_date_time_new_from_iso8601 (iso, NULL);
        g_assert_nonnull (t);
      }
      last = MAX (last, (g_date_time_to_unix (t) * G_USEC_PER_SEC +
                         g_date_time_get_microsecond (t) - since_us) /
                            1e6);
    }
  return last;
}

static void
test_cut_ten_seconds (Fixture *f, gconstpointer data)
{
  g_autoptr (Rooms) r = NULL;
  g_autofree char *events = NULL;
  gint64 cut_at, up_at, sent;
  const guint n = ROOM_JOINS_WHEP ? 2 : 1;
  double back_s;

  if (!two_hosts (f))
    return;
  r = rooms_joined (f->veth);
  wait_links (r, "connected", 30);
  rd_test_room_wait_parties (&(RdTestRoom){ .t = r->far }, ROOM_JOINS_WHEP ? 2 : 1, "connected",
                             10000, 20000);

  rd_test_veth_set_link (f->veth, FALSE);
  cut_at = g_get_monotonic_time ();
  /* the cut lasts 10 s; what the room says meanwhile is logged */
  while (g_get_monotonic_time () - cut_at < 10 * G_USEC_PER_SEC)
    {
      g_autofree char *states = link_states (r, NULL);
      g_test_message ("%.1f s into the cut: %s", (g_get_monotonic_time () - cut_at) / 1e6, states);
      run_until (MIN (g_get_monotonic_time () + G_USEC_PER_SEC, cut_at + 10 * G_USEC_PER_SEC));
    }
  rd_test_veth_set_link (f->veth, TRUE);
  up_at = g_get_real_time ();
  /* every link dropped and recovered by itself: the ledger says when */
  WAIT_FOR (count ((g_free (events), events = link_events (r)), "link-recovered") >= n, 30,
            "link events %s", events);
  back_s = recovered_after (r, up_at);
  g_test_message ("link events: %s; the last recovery %.1f s after the link came back", events,
                  back_s);
  g_assert_cmpfloat (back_s, <=, 5.0);
  wait_links (r, "connected", 5);

  /* media again: what the room sends grows */
  {
    g_autoptr (JsonNode) status = NULL;
    g_autofree char *states = link_states (r, &status);
    sent = json_object_get_int_member (link_of (status, "whip"), "bytes_sent");
  }
  {
    gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
    gint64 now_sent = sent;
    while (now_sent < sent + 50000 && g_get_monotonic_time () < end)
      {
        g_autoptr (JsonNode) status = NULL;
        g_autofree char *states = link_states (r, &status);
        now_sent = json_object_get_int_member (link_of (status, "whip"), "bytes_sent");
        g_usleep (200 * 1000);
      }
    g_assert_cmpint (now_sent, >=, sent + 50000);
  }
  /* and the far end has the room (again) with media */
  rd_test_room_wait_parties (&(RdTestRoom){ .t = r->far }, ROOM_JOINS_WHEP ? 2 : 1, "connected",
                             10000, 20000);

  g_clear_pointer (&events, g_free);
  events = link_events (r);
  g_assert_cmpuint (count (events, "link-dropped"), ==, n);
  g_assert_cmpuint (count (events, "link-ice-restart") + count (events, "link-reposted"), >=, n);
  g_assert_cmpuint (count (events, "link-recovered"), ==, n);
  /* the gap marker is on the played (recorded) stream, WHEP's; the room's own tracks have none */
  if (ROOM_JOINS_WHEP)
    g_assert_cmpuint (count (events, "recording-gap"), >=, 1);
  g_assert_cmpfloat (end_and_verify (r), >, 0);
}

int
main (int argc, char **argv)
{
  if (!rd_test_enter_netns (&netns_skip_reason))
    g_printerr ("# %s\n", netns_skip_reason);
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/netfault/veth-call-over-lossy-link", Fixture, NULL, NULL, test_call_over_lossy_link,
              (void (*) (Fixture *, gconstpointer))rd_test_veth_teardown);
  g_test_add ("/netfault/lossy-minute", Fixture, NULL, NULL, test_lossy_minute,
              (void (*) (Fixture *, gconstpointer))rd_test_veth_teardown);
  g_test_add ("/netfault/cut-ten-seconds", Fixture, NULL, NULL, test_cut_ten_seconds,
              (void (*) (Fixture *, gconstpointer))rd_test_veth_teardown);
  return g_test_run ();
}
