/* test-links.c: the room joins a conference hosted elsewhere (receptionctl session join/leave),
 * receptiond <-> receptiond in a network namespace of the test's own: one daemon is the room,
 * the other the far end (a live session with an invite; it takes the room as a party, over its
 * own WHIP endpoint, and plays its room over /whep). Driven with the real receptionctl only;
 * faults are made from outside (a killed far end, tc netem on lo), never by hooks in the daemon. */
#include <libsoup/soup.h>
#include <signal.h>
#include <string.h>

#include "tests/rd-test-netns.h"
#include "tests/rd-test-room.h"
#include "tests/rd-test-turn.h"

#define POLL_US (250 * 1000)

static char *netns_skip_reason;

static JsonObject *
obj (JsonNode *n)
{
  g_assert_true (JSON_NODE_HOLDS_OBJECT (n));
  return json_node_get_object (n);
}

/* The far end: a live session and an invite for the board. */
typedef struct
{
  RdTestRoom *far, *room;
  JsonNode *invite;
  char *whep_url;
} Pair;

static Pair *
pair_up (const char *room_extra)
{
  Pair *p = g_new0 (Pair, 1);
  g_autoptr (GString) whep = NULL;

  p->far = rd_test_room_up (NULL);
  p->room = rd_test_room_up (room_extra);
  p->invite = rd_test_room_invite (p->far, "board");
  whep = g_string_new (rd_test_member (p->invite, "whip_url"));
  g_string_replace (whep, "/whip/", "/whep/", 1);
  p->whep_url = g_string_free (g_steal_pointer (&whep), FALSE);
  return p;
}

static void
pair_free (Pair *p)
{
  rd_test_room_free (p->room);
  rd_test_room_free (p->far);
  json_node_unref (p->invite);
  g_free (p->whep_url);
  g_free (p);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Pair, pair_free)

/* receptionctl session join on the room, into the far end's WHIP (and WHEP) endpoint. */
static int
join (Pair *p, gboolean whep, char **err)
{
  if (whep)
    return rd_test_ctl (p->room->t, NULL, err, "session", "join", p->room->session_id, "--whip",
                        rd_test_member (p->invite, "whip_url"), "--token",
                        rd_test_member (p->invite, "token"), "--whep", p->whep_url, "--ca",
                        p->far->cert, NULL);
  return rd_test_ctl (p->room->t, NULL, err, "session", "join", p->room->session_id, "--whip",
                      rd_test_member (p->invite, "whip_url"), "--token",
                      rd_test_member (p->invite, "token"), "--ca", p->far->cert, NULL);
}

/* The room's links from status, and the status as text for failure messages. */
static JsonArray *
links_of (JsonNode *status)
{
  return json_object_get_array_member (obj (status), "links");
}

static JsonObject *
link_of_kind (JsonNode *status, const char *kind)
{
  JsonArray *links = links_of (status);
  for (guint i = 0; i < json_array_get_length (links); i++)
    {
      JsonObject *l = json_array_get_object_element (links, i);
      if (g_str_equal (json_object_get_string_member (l, "kind"), kind))
        return l;
    }
  return NULL;
}

/* Polls the room's status until its @kind link is in @state (NULL: no link left at all); fails
 * with the last status seen. Returns the seconds it took. */
static double
wait_link (RdTestRoom *r, const char *kind, const char *state, guint timeout_s)
{
  gint64 start = g_get_monotonic_time (), end = start + timeout_s * G_USEC_PER_SEC;
  g_autoptr (JsonNode) status = NULL;

  for (;;)
    {
      JsonObject *l;

      g_clear_pointer (&status, json_node_unref);
      status = rd_test_ctl_json (r->t, "status", NULL);
      l = kind ? link_of_kind (status, kind) : NULL;
      if (state ? l && g_str_equal (json_object_get_string_member (l, "state"), state)
                : json_array_get_length (links_of (status)) == 0)
        return (g_get_monotonic_time () - start) / (double)G_USEC_PER_SEC;
      if (g_get_monotonic_time () > end)
        {
          g_autofree char *seen =
              json_to_string (json_object_get_member (obj (status), "links"), TRUE);
          g_error ("waited %u s for the %s link to be %s; links: %s", timeout_s,
                   kind ? kind : "any", state ? state : "gone", seen);
        }
      g_usleep (POLL_US);
    }
}

/* The far end's parties: @n of them connected with more than @min_bytes received each. */
static void
wait_far_parties (RdTestRoom *far, guint n, guint64 min_bytes)
{
  rd_test_room_wait_parties (far, n, n ? "connected" : NULL, min_bytes, 30000);
}

/* The kinds of the session's events starting with "link-" (and recording-gap), in order. */
static char *
link_events (RdTestRoom *r)
{
  g_autoptr (JsonNode) shown = rd_test_ctl_json (r->t, "session", "show", r->session_id, NULL);
  JsonArray *events = json_object_get_array_member (obj (shown), "events");
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < json_array_get_length (events); i++)
    {
      JsonObject *e = json_array_get_object_element (events, i);
      const char *kind = json_object_get_string_member (e, "kind");
      if (g_str_has_prefix (kind, "link-") || g_str_equal (kind, "recording-gap"))
        g_string_append_printf (s, "%s%s", s->len ? " " : "", kind);
    }
  return g_string_free (s, FALSE);
}

/* The detail of the last event of @kind in @r's session, or NULL. (transfer full) */
static JsonNode *
last_event_detail (RdTestRoom *r, const char *kind)
{
  g_autoptr (JsonNode) shown = rd_test_ctl_json (r->t, "session", "show", r->session_id, NULL);
  JsonArray *events = json_object_get_array_member (obj (shown), "events");

  for (guint i = json_array_get_length (events); i-- > 0;)
    {
      JsonObject *e = json_array_get_object_element (events, i);
      if (g_str_equal (json_object_get_string_member (e, "kind"), kind))
        return json_node_copy (json_object_get_member (e, "detail"));
    }
  return NULL;
}

/* The token must never be on the record. */
static void
assert_no_token (RdTestRoom *r, const char *token)
{
  g_autoptr (JsonNode) shown = rd_test_ctl_json (r->t, "session", "show", r->session_id, NULL);
  g_autofree char *text = json_to_string (shown, FALSE);
  g_autofree char *log = rd_test_daemon_stderr (r->t);

  g_assert_null (strstr (text, token));
  g_assert_null (strstr (log, token));
}

static gboolean
skip_without_netns (void)
{
  if (netns_skip_reason)
    g_test_skip (netns_skip_reason);
  return netns_skip_reason != NULL;
}

/* Bad input and refusals: a clear error, exit 1 (64 for usage), and a daemon that still
 * answers with no link left behind. */
static void
test_refusals (void)
{
  g_autoptr (Pair) p = NULL;
  g_autofree char *err = NULL;
  g_autofree char *events = NULL;
  g_autofree char *unreachable = NULL;
  int rc;

  if (skip_without_netns ())
    return;
  p = pair_up (NULL);

  /* usage: --whip is required */
  rc = rd_test_ctl (p->room->t, NULL, &err, "session", "join", p->room->session_id, NULL);
  g_assert_cmpint (rc, ==, 64);
  g_clear_pointer (&err, g_free);

  /* not a live session */
  rc = rd_test_ctl (p->room->t, NULL, &err, "session", "join", "20000101-000000", "--whip",
                    rd_test_member (p->invite, "whip_url"), NULL);
  g_assert_cmpint (rc, ==, 1);
  g_assert_nonnull (strstr (err, "not live"));
  g_clear_pointer (&err, g_free);

  /* not a URL the client takes; plain http only to this machine */
  rc = rd_test_ctl (p->room->t, NULL, &err, "session", "join", p->room->session_id, "--whip",
                    "ftp://127.0.0.1/whip", NULL);
  g_assert_cmpint (rc, ==, 1);
  g_assert_nonnull (strstr (err, "--whip"));
  g_clear_pointer (&err, g_free);
  rc = rd_test_ctl (p->room->t, NULL, &err, "session", "join", p->room->session_id, "--whip",
                    "http://192.0.2.1/whip/x", NULL);
  g_assert_cmpint (rc, ==, 1);
  g_assert_nonnull (strstr (err, "http"));
  g_clear_pointer (&err, g_free);

  /* unreachable: nothing listens on port 1 */
  unreachable = g_strdup ("https://127.0.0.1:1/whip/x");
  rc = rd_test_ctl (p->room->t, NULL, &err, "session", "join", p->room->session_id, "--whip",
                    unreachable, NULL);
  g_assert_cmpint (rc, ==, 1);
  g_assert_nonnull (strstr (err, "127.0.0.1:1"));
  g_clear_pointer (&err, g_free);

  /* the far end's certificate is self-signed: refused without --ca or --insecure */
  rc = rd_test_ctl (p->room->t, NULL, &err, "session", "join", p->room->session_id, "--whip",
                    rd_test_member (p->invite, "whip_url"), "--token",
                    rd_test_member (p->invite, "token"), NULL);
  g_assert_cmpint (rc, ==, 1);
  g_assert_true (strstr (err, "TLS") || strstr (err, "certificate"));
  g_clear_pointer (&err, g_free);

  /* a token the far end does not know: its 401 is named */
  rc = rd_test_ctl (p->room->t, NULL, &err, "session", "join", p->room->session_id, "--whip",
                    rd_test_member (p->invite, "whip_url"), "--token", "not-the-token", "--ca",
                    p->far->cert, NULL);
  g_assert_cmpint (rc, ==, 1);
  g_assert_nonnull (strstr (err, "401"));
  g_clear_pointer (&err, g_free);

  /* a --ca that is not a file */
  rc = rd_test_ctl (p->room->t, NULL, &err, "session", "join", p->room->session_id, "--whip",
                    rd_test_member (p->invite, "whip_url"), "--ca", "/nonexistent/ca.pem", NULL);
  g_assert_cmpint (rc, ==, 1);
  g_assert_nonnull (strstr (err, "--ca"));
  g_clear_pointer (&err, g_free);

  /* nothing joined: nothing to leave */
  rc = rd_test_ctl (p->room->t, NULL, &err, "session", "leave", p->room->session_id, NULL);
  g_assert_cmpint (rc, ==, 1);
  g_clear_pointer (&err, g_free);

  /* the daemon still answers, holds no link, and the refusals are on the record */
  wait_link (p->room, NULL, NULL, 10);
  events = link_events (p->room);
  g_assert_nonnull (strstr (events, "link-failed"));
  g_assert_null (strstr (events, "link-connected"));
  wait_far_parties (p->far, 0, 0);
}

/* Publish: the far end takes the room as a party and receives its media; leave deletes it. */
static void
test_publish_and_leave (void)
{
  g_autoptr (Pair) p = NULL;
  g_autoptr (JsonNode) far_session = NULL;
  g_autofree char *err = NULL;
  g_autofree char *events = NULL;
  JsonArray *parts;

  if (skip_without_netns ())
    return;
  p = pair_up (NULL);
  g_assert_cmpint (join (p, FALSE, &err), ==, 0);
  wait_link (p->room, "whip", "connected", 30);
  /* frames arrive at the far end: more than 100 kB of the room's media */
  wait_far_parties (p->far, 1, 100000);
  /* the same endpoint again is refused, naming the link that has it */
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (join (p, FALSE, &err), ==, 1);
  g_assert_nonnull (strstr (err, "already joined"));
  {
    g_autoptr (JsonNode) status = rd_test_ctl_json (p->room->t, "status", NULL);
    JsonObject *l = link_of_kind (status, "whip");
    g_assert_nonnull (l);
    g_assert_cmpstr (json_object_get_string_member (l, "candidate_pair"), ==, "host");
    g_assert_nonnull (json_object_get_string_member (l, "resource_url"));
    g_assert_nonnull (
        strstr (json_object_get_string_member (status ? obj (status) : NULL, "status"),
                "links: 1 connected"));
  }
  {
    /* the technician's view */
    g_autofree char *out = NULL;
    g_assert_cmpint (rd_test_ctl (p->room->t, &out, NULL, "status", NULL), ==, 0);
    g_assert_nonnull (strstr (out, "links:    1"));
    g_assert_nonnull (strstr (out, "whip connected"));
    g_assert_nonnull (strstr (out, "pair host"));
  }

  g_assert_cmpint (
      rd_test_ctl (p->room->t, NULL, NULL, "session", "leave", p->room->session_id, NULL), ==, 0);
  /* DELETE seen: the far end's party left, with the reason it gives a DELETE */
  wait_far_parties (p->far, 0, 0);
  far_session = rd_test_ctl_json (p->far->t, "session", "show", p->far->session_id, NULL);
  parts = json_object_get_array_member (obj (far_session), "participants");
  g_assert_cmpuint (json_array_get_length (parts), ==, 1);
  g_assert_cmpstr (
      json_object_get_string_member (json_array_get_object_element (parts, 0), "leave_reason"), ==,
      "left");
  wait_link (p->room, NULL, NULL, 5);
  events = link_events (p->room);
  g_assert_cmpstr (events, ==, "link-joined link-connected link-left");
  assert_no_token (p->room, rd_test_member (p->invite, "token"));
}

/* Play: the room plays the far end's room over WHEP and records it like a party. */
static void
test_play_and_record (void)
{
  g_autoptr (Pair) p = NULL;
  g_autoptr (JsonNode) ended = NULL;
  g_autofree char *err = NULL;
  JsonArray *recs;
  gboolean link_video = FALSE;

  if (skip_without_netns ())
    return;
  p = pair_up (NULL);
  if (join (p, TRUE, &err) != 0)
    g_error ("session join --whep failed: %s", err);
  wait_link (p->room, "whip", "connected", 30);
  wait_link (p->room, "whep", "connected", 30);
  /* the far end has the room twice: the publisher and the player */
  wait_far_parties (p->far, 2, 0);
  {
    /* the room receives the far end's media */
    gint64 end = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
    gint64 bytes = 0;
    while (bytes < 100000 && g_get_monotonic_time () < end)
      {
        g_autoptr (JsonNode) status = rd_test_ctl_json (p->room->t, "status", NULL);
        bytes = json_object_get_int_member (link_of_kind (status, "whep"), "bytes_received");
        if (bytes < 100000)
          g_usleep (POLL_US);
      }
    g_assert_cmpint (bytes, >=, 100000);
  }
  /* ending the session leaves both (DELETE) and seals the recording, the played stream in it */
  g_assert_cmpint (
      rd_test_ctl (p->room->t, NULL, NULL, "session", "end", p->room->session_id, NULL), ==, 0);
  wait_far_parties (p->far, 0, 0);
  ended = rd_test_ctl_json (p->room->t, "session", "show", p->room->session_id, NULL);
  recs = json_object_get_array_member (obj (ended), "recordings");
  for (guint i = 0; i < json_array_get_length (recs); i++)
    {
      g_autofree char *row = json_to_string (json_array_get_element (recs, i), FALSE);
      if (strstr (row, "party-link-") && strstr (row, "-video"))
        link_video = TRUE;
    }
  g_assert_true (link_video);
}

/* How many times @word is in the space-separated @list. */
static guint
count_of (const char *list, const char *word)
{
  g_auto (GStrv) words = g_strsplit (list, " ", -1);
  guint n = 0;

  for (char **w = words; *w; w++)
    n += g_str_equal (*w, word);
  return n;
}

/* A network cut: lo (the only link of the test's namespace) goes down until the room sees the
 * drop, then up again: the link comes back by itself (ICE restart, or re-POST if the far end
 * has given the party up meanwhile) and the far end receives media again. (tc netem is not in
 * every kernel; the janus engineer's veth/netem tests cover loss and a timed cut.) */
static void
test_cut_and_recover (void)
{
  g_autoptr (Pair) p = NULL;
  g_autofree char *err = NULL;
  g_autofree char *events = NULL;
  const char *cut[] = { "ip", "link", "set", "lo", "down", NULL };
  const char *uncut[] = { "ip", "link", "set", "lo", "up", NULL };
  g_autoptr (GSubprocess) proc = NULL;
  g_autoptr (JsonNode) recovered = NULL;
  g_autoptr (JsonNode) restart = NULL;
  g_autoptr (JsonNode) far_session = NULL;
  double back_s;

  if (skip_without_netns ())
    return;
  p = pair_up (NULL);
  g_assert_cmpint (join (p, FALSE, &err), ==, 0);
  wait_link (p->room, "whip", "connected", 30);
  wait_far_parties (p->far, 1, 50000);

  proc = g_subprocess_newv (cut, G_SUBPROCESS_FLAGS_NONE, NULL);
  if (!proc || !g_subprocess_wait_check (proc, NULL, NULL))
    {
      g_test_skip ("lo cannot be taken down here");
      return;
    }
  wait_link (p->room, "whip", "reconnecting", 30);
  g_clear_object (&proc);
  proc = g_subprocess_newv (uncut, G_SUBPROCESS_FLAGS_NONE, NULL);
  g_assert_true (proc && g_subprocess_wait_check (proc, NULL, NULL));
  back_s = wait_link (p->room, "whip", "connected", 30);
  g_test_message ("link back %.1f s after lo was restored", back_s);
  wait_far_parties (p->far, 1, 50000);
  events = link_events (p->room);
  g_assert_cmpstr (events, ==,
                   "link-joined link-connected link-dropped link-ice-restart link-recovered");
  /* both sides of the ICE restart: the room as offerer, the far end as answerer, same party */
  recovered = last_event_detail (p->room, "link-recovered");
  g_assert_nonnull (recovered);
  g_assert_cmpstr (json_object_get_string_member (obj (recovered), "via"), ==, "ICE restart");
  restart = last_event_detail (p->far, "ice-restart");
  g_assert_nonnull (restart);
  far_session = rd_test_ctl_json (p->far->t, "session", "show", p->far->session_id, NULL);
  g_assert_cmpuint (
      json_array_get_length (json_object_get_array_member (obj (far_session), "participants")), ==,
      1);
}

/* A cut longer than the far end's patience: lo stays down until the far end has given both
 * parties up (nothing received for its liveness timeout), then comes up again. Both links come
 * back by themselves with re-POSTs (new resources, new parties at the far end), the played
 * stream records into new tracks, and its gap is on the record with its times. */
static void
test_long_cut_reposts (void)
{
  g_autoptr (Pair) p = NULL;
  g_autofree char *err = NULL;
  g_autofree char *events = NULL;
  const char *cut[] = { "ip", "link", "set", "lo", "down", NULL };
  const char *uncut[] = { "ip", "link", "set", "lo", "up", NULL };
  g_autoptr (GSubprocess) proc = NULL;
  g_autoptr (JsonNode) recovered = NULL;
  g_autoptr (JsonNode) gap = NULL;
  g_autoptr (JsonNode) far_session = NULL;
  g_autoptr (JsonNode) ended = NULL;
  JsonArray *recs;
  guint second_tracks = 0;
  double back_s;

  if (skip_without_netns ())
    return;
  p = pair_up (NULL);
  g_assert_cmpint (join (p, TRUE, &err), ==, 0);
  wait_link (p->room, "whip", "connected", 30);
  wait_link (p->room, "whep", "connected", 30);
  wait_far_parties (p->far, 2, 0);

  proc = g_subprocess_newv (cut, G_SUBPROCESS_FLAGS_NONE, NULL);
  if (!proc || !g_subprocess_wait_check (proc, NULL, NULL))
    {
      g_test_skip ("lo cannot be taken down here");
      return;
    }
  wait_link (p->room, "whip", "reconnecting", 30);
  wait_link (p->room, "whep", "reconnecting", 30);
  wait_far_parties (p->far, 0, 0); /* the far end's liveness gave them up */
  g_clear_object (&proc);
  proc = g_subprocess_newv (uncut, G_SUBPROCESS_FLAGS_NONE, NULL);
  g_assert_true (proc && g_subprocess_wait_check (proc, NULL, NULL));
  /* the next re-POST is at most 8 s away (backoff cap) */
  back_s = wait_link (p->room, "whip", "connected", 20);
  g_test_message ("WHIP link back %.1f s after lo was restored", back_s);
  wait_link (p->room, "whep", "connected", 20);
  wait_far_parties (p->far, 2, 0);

  events = link_events (p->room);
  g_test_message ("room: %s", events);
  g_assert_cmpuint (count_of (events, "link-dropped"), ==, 2);
  g_assert_cmpuint (count_of (events, "link-recovered"), ==, 2);
  g_assert_cmpuint (count_of (events, "link-failed"), ==, 0);
  g_assert_cmpuint (count_of (events, "link-reposted"), >=, 2);
  recovered = last_event_detail (p->room, "link-recovered");
  g_assert_cmpstr (json_object_get_string_member (obj (recovered), "via"), ==, "re-POST");
  /* the WHEP link's gap in the recording, on the session's timeline */
  g_assert_cmpuint (count_of (events, "recording-gap"), ==, 1);
  gap = last_event_detail (p->room, "recording-gap");
  g_assert_cmpfloat (json_object_get_double_member (obj (gap), "from_s"), >, 0);
  g_assert_cmpfloat (json_object_get_double_member (obj (gap), "to_s"), >,
                     json_object_get_double_member (obj (gap), "from_s") + 5);
  far_session = rd_test_ctl_json (p->far->t, "session", "show", p->far->session_id, NULL);
  g_assert_cmpuint (
      json_array_get_length (json_object_get_array_member (obj (far_session), "participants")), ==,
      4);
  /* the played stream after the re-POST is recorded too: a second peer's tracks */
  {
    gint64 end = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
    gint64 bytes = 0;
    while (bytes < 50000 && g_get_monotonic_time () < end)
      {
        g_autoptr (JsonNode) status = rd_test_ctl_json (p->room->t, "status", NULL);
        bytes = json_object_get_int_member (link_of_kind (status, "whep"), "bytes_received");
        if (bytes < 50000)
          g_usleep (POLL_US);
      }
    g_assert_cmpint (bytes, >=, 50000);
  }
  g_assert_cmpint (
      rd_test_ctl (p->room->t, NULL, NULL, "session", "end", p->room->session_id, NULL), ==, 0);
  ended = rd_test_ctl_json (p->room->t, "session", "show", p->room->session_id, NULL);
  recs = json_object_get_array_member (obj (ended), "recordings");
  for (guint i = 0; i < json_array_get_length (recs); i++)
    {
      g_autofree char *row = json_to_string (json_array_get_element (recs, i), FALSE);
      if (strstr (row, "party-link-") && strstr (row, "-2-video"))
        second_tracks++;
    }
  g_assert_cmpuint (second_tracks, >=, 1);
}

/* The far end is gone for good: ICE restart, re-POSTs, then the link has failed after
 * reconnect-seconds; the session goes on and leave still works. */
static void
test_far_end_gone (void)
{
  g_autoptr (Pair) p = NULL;
  g_autofree char *err = NULL;
  g_autofree char *events = NULL;
  g_autoptr (JsonNode) status = NULL;
  double failed_after;

  if (skip_without_netns ())
    return;
  p = pair_up ("[links]\nreconnect-seconds=10\n");
  g_assert_cmpint (join (p, FALSE, &err), ==, 0);
  wait_link (p->room, "whip", "connected", 30);
  rd_test_daemon_signal (p->far->t, SIGKILL);
  g_assert_cmpint (rd_test_daemon_wait_exit (p->far->t, 10000), ==, 128 + SIGKILL);
  wait_link (p->room, "whip", "reconnecting", 30);
  failed_after = wait_link (p->room, "whip", "failed", 20);
  g_test_message ("failed %.1f s after reconnecting was seen", failed_after);
  g_assert_cmpfloat (failed_after, <=, 12);
  events = link_events (p->room);
  g_assert_true (g_str_has_prefix (events, "link-joined link-connected link-dropped "));
  g_assert_nonnull (strstr (events, "link-reposted"));
  g_assert_true (g_str_has_suffix (events, "link-failed"));
  status = rd_test_ctl_json (p->room->t, "status", NULL);
  g_assert_cmpstr (json_object_get_string_member (obj (status), "state"), ==, "live");
  g_assert_nonnull (strstr (json_object_get_string_member (obj (status), "status"), "1 FAILED"));
  g_assert_cmpint (
      rd_test_ctl (p->room->t, NULL, NULL, "session", "leave", p->room->session_id, NULL), ==, 0);
  wait_link (p->room, NULL, NULL, 5);
}

/* SIGTERM with a link up: the far end sees the DELETE (its party leaves with "left"). */
static void
test_shutdown_deletes (void)
{
  g_autoptr (Pair) p = NULL;
  g_autoptr (JsonNode) far_session = NULL;
  g_autofree char *err = NULL;
  JsonArray *parts;

  if (skip_without_netns ())
    return;
  p = pair_up (NULL);
  g_assert_cmpint (join (p, FALSE, &err), ==, 0);
  wait_link (p->room, "whip", "connected", 30);
  wait_far_parties (p->far, 1, 0);
  rd_test_daemon_signal (p->room->t, SIGTERM);
  g_assert_cmpint (rd_test_daemon_wait_exit (p->room->t, 15000), ==, 0);
  wait_far_parties (p->far, 0, 0);
  far_session = rd_test_ctl_json (p->far->t, "session", "show", p->far->session_id, NULL);
  parts = json_object_get_array_member (obj (far_session), "participants");
  g_assert_cmpstr (
      json_object_get_string_member (json_array_get_object_element (parts, 0), "leave_reason"), ==,
      "left");
}

/* A WHEP server that answers every POST with 406 and an offer of its own (RFC 9725's
 * counter-offer, as some WHEP servers do), on 127.0.0.1 over plain HTTP, in a thread of its own
 * (receptionctl blocks the test's thread while the join waits for it). Its offer is a test peer
 * that sends a test pattern; the room's answer comes back as a PATCH. */
typedef struct
{
  GThread *thread;
  GMainContext *context;
  GMainLoop *loop;
  SoupServer *server;
  RdTestPeer *peer;
  char *url;
  GMutex lock;
  GCond ready;
  guint posts, answers, deletes;
} CounterServer;

static void
counter_handle (SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
                gpointer data)
{
  CounterServer *c = data;
  const char *method = soup_server_message_get_method (msg);
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  g_autoptr (GError) error = NULL;

  if (g_str_equal (method, "POST") && g_str_equal (path, "/whep/room"))
    {
      g_autofree char *offer = NULL;

      if (c->peer)
        {
          soup_server_message_set_status (msg, 409, NULL);
          return;
        }
      c->peer = rd_test_peer_new (RD_TEST_PEER_SENDONLY, &error);
      g_assert_no_error (error);
      offer = rd_test_peer_create_offer (c->peer, &error);
      g_assert_no_error (error);
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Location",
                                    "/whep/room/r1");
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "ETag",
                                    "\"e1\"");
      soup_server_message_set_status (msg, 406, NULL);
      soup_server_message_set_response (msg, "application/sdp", SOUP_MEMORY_COPY, offer,
                                        strlen (offer));
      g_atomic_int_inc (&c->posts);
      return;
    }
  if (g_str_equal (method, "PATCH") && g_str_equal (path, "/whep/room/r1") && c->peer)
    {
      const char *type = soup_message_headers_get_content_type (
          soup_server_message_get_request_headers (msg), NULL);
      if (g_strcmp0 (type, "application/sdp") == 0)
        {
          g_autofree char *answer = g_strndup (body->data, body->length);
          g_assert_true (rd_test_peer_set_answer (c->peer, answer, &error));
          g_assert_no_error (error);
          g_atomic_int_inc (&c->answers);
        }
      /* trickle fragments after the answer are taken and ignored (the answer had them all) */
      soup_server_message_set_status (msg, 204, NULL);
      return;
    }
  if (g_str_equal (method, "DELETE") && g_str_equal (path, "/whep/room/r1"))
    {
      g_atomic_int_inc (&c->deletes);
      soup_server_message_set_status (msg, 200, NULL);
      return;
    }
  soup_server_message_set_status (msg, 404, NULL);
}

static gpointer
counter_thread (gpointer data)
{
  CounterServer *c = data;
  g_autoptr (GError) error = NULL;
  GSList *uris;

  g_main_context_push_thread_default (c->context);
  c->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (c->server, "/whep", counter_handle, c, NULL);
  g_assert_true (soup_server_listen_local (c->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (c->server);
  g_mutex_lock (&c->lock);
  c->url = g_strdup_printf ("http://127.0.0.1:%d/whep/room", g_uri_get_port (uris->data));
  g_cond_signal (&c->ready);
  g_mutex_unlock (&c->lock);
  g_slist_free_full (uris, (GDestroyNotify)g_uri_unref);
  g_main_loop_run (c->loop);
  g_clear_object (&c->server);
  g_clear_pointer (&c->peer, rd_test_peer_free);
  g_main_context_pop_thread_default (c->context);
  return NULL;
}

static CounterServer *
counter_server_start (void)
{
  CounterServer *c = g_new0 (CounterServer, 1);

  c->context = g_main_context_new ();
  c->loop = g_main_loop_new (c->context, FALSE);
  g_mutex_init (&c->lock);
  g_cond_init (&c->ready);
  c->thread = g_thread_new ("counter-offer-server", counter_thread, c);
  g_mutex_lock (&c->lock);
  while (!c->url)
    g_cond_wait (&c->ready, &c->lock);
  g_mutex_unlock (&c->lock);
  return c;
}

static void
counter_server_stop (CounterServer *c)
{
  g_main_loop_quit (c->loop);
  g_thread_join (c->thread);
  g_main_loop_unref (c->loop);
  g_main_context_unref (c->context);
  g_mutex_clear (&c->lock);
  g_cond_clear (&c->ready);
  g_free (c->url);
  g_free (c);
}

/* WHEP 406: the room answers the server's own offer with a new answerer peer, PATCHes the
 * answer, plays and records what it receives; leaving DELETEs the resource. */
static void
test_whep_counter_offer (void)
{
  g_autoptr (Pair) p = NULL;
  g_autoptr (JsonNode) joined = NULL;
  g_autofree char *err = NULL;
  CounterServer *c;
  gint64 end, bytes = 0;

  if (skip_without_netns ())
    return;
  p = pair_up (NULL);
  c = counter_server_start ();
  if (rd_test_ctl (p->room->t, NULL, &err, "session", "join", p->room->session_id, "--whip",
                   rd_test_member (p->invite, "whip_url"), "--token",
                   rd_test_member (p->invite, "token"), "--ca", p->far->cert, "--whep", c->url,
                   NULL) != 0)
    g_error ("session join with a counter-offering WHEP server failed: %s", err);
  g_assert_cmpuint (g_atomic_int_get (&c->posts), ==, 1);
  g_assert_cmpuint (g_atomic_int_get (&c->answers), ==, 1);
  wait_link (p->room, "whep", "connected", 30);
  end = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  while (bytes < 50000 && g_get_monotonic_time () < end)
    {
      g_autoptr (JsonNode) status = rd_test_ctl_json (p->room->t, "status", NULL);
      bytes = json_object_get_int_member (link_of_kind (status, "whep"), "bytes_received");
      if (bytes < 50000)
        g_usleep (POLL_US);
    }
  g_assert_cmpint (bytes, >=, 50000);
  joined = last_event_detail (p->room, "link-joined");
  g_assert_nonnull (joined);
  g_assert_cmpint (
      rd_test_ctl (p->room->t, NULL, NULL, "session", "leave", p->room->session_id, NULL), ==, 0);
  g_assert_cmpuint (g_atomic_int_get (&c->deletes), ==, 1);
  counter_server_stop (c);
}

/* The far end's ICE servers (its 201's Link headers: a TURN server with credentials) are kept
 * and given to the peer of every re-POST from the start: after a cut longer than the far end's
 * patience, the room's new peer allocates on the far end's TURN server too (coturn in the
 * test's namespace counts allocations; the far end's own peers allocate there as well). */
static void
test_link_ice_servers (void)
{
  g_autoptr (Pair) p = NULL;
  g_autoptr (RdTestTurn) turn = NULL;
  g_autoptr (JsonNode) joined = NULL;
  g_autofree char *why = NULL;
  g_autofree char *far_extra = NULL;
  g_autofree char *turn_url = NULL;
  g_autofree char *err = NULL;
  const char *cut[] = { "ip", "link", "set", "lo", "down", NULL };
  const char *uncut[] = { "ip", "link", "set", "lo", "up", NULL };
  g_autoptr (GSubprocess) proc = NULL;
  guint per_party, after;

  if (skip_without_netns ())
    return;
  turn = rd_test_turn_start ("board", "s3cret", &why);
  if (!turn)
    {
      g_test_skip (why);
      return;
    }
  turn_url = rd_test_turn_config_url (turn, NULL);
  far_extra = g_strdup_printf ("turn-server=%s\n", turn_url);
  p = g_new0 (Pair, 1);
  p->far = rd_test_room_up (far_extra); /* appended to its [network] group */
  p->room = rd_test_room_up (NULL);
  p->invite = rd_test_room_invite (p->far, "board");
  p->whep_url = g_strdup ("");
  g_assert_cmpint (join (p, FALSE, &err), ==, 0);
  wait_link (p->room, "whip", "connected", 30);
  wait_far_parties (p->far, 1, 0);
  joined = last_event_detail (p->room, "link-joined");
  g_assert_cmpint (json_object_get_int_member (obj (joined), "ice_servers"), >=, 1);
  /* the room's first peer made its offer before the 201: only the far end's party allocated */
  per_party = rd_test_turn_count_allocations (turn);
  g_assert_cmpuint (per_party, >=, 1);

  proc = g_subprocess_newv (cut, G_SUBPROCESS_FLAGS_NONE, NULL);
  if (!proc || !g_subprocess_wait_check (proc, NULL, NULL))
    {
      g_test_skip ("lo cannot be taken down here");
      return;
    }
  wait_link (p->room, "whip", "reconnecting", 30);
  wait_far_parties (p->far, 0, 0);
  g_clear_object (&proc);
  proc = g_subprocess_newv (uncut, G_SUBPROCESS_FLAGS_NONE, NULL);
  g_assert_true (proc && g_subprocess_wait_check (proc, NULL, NULL));
  wait_link (p->room, "whip", "connected", 30);
  wait_far_parties (p->far, 1, 0);
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

/* session end with a link up: DELETE before the session ends (the far end's party left). */
static void
test_session_end_deletes (void)
{
  g_autoptr (Pair) p = NULL;
  g_autofree char *err = NULL;
  g_autofree char *events = NULL;

  if (skip_without_netns ())
    return;
  p = pair_up (NULL);
  /* --insecure instead of --ca: the far end's self-signed certificate is taken as it is */
  g_assert_cmpint (rd_test_ctl (p->room->t, NULL, &err, "session", "join", p->room->session_id,
                                "--whip", rd_test_member (p->invite, "whip_url"), "--token",
                                rd_test_member (p->invite, "token"), "--insecure", NULL),
                   ==, 0);
  wait_link (p->room, "whip", "connected", 30);
  wait_far_parties (p->far, 1, 0);
  g_assert_cmpint (
      rd_test_ctl (p->room->t, NULL, NULL, "session", "end", p->room->session_id, NULL), ==, 0);
  wait_far_parties (p->far, 0, 0);
  wait_link (p->room, NULL, NULL, 5);
  events = link_events (p->room);
  g_assert_cmpstr (events, ==, "link-joined link-connected link-left");
}

int
main (int argc, char **argv)
{
  /* Before any thread exists: both daemons live in this namespace. */
  if (!rd_test_enter_netns (&netns_skip_reason))
    g_printerr ("# skipping every link test: %s\n", netns_skip_reason);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/links/refusals", test_refusals);
  g_test_add_func ("/links/publish-and-leave", test_publish_and_leave);
  g_test_add_func ("/links/play-and-record", test_play_and_record);
  g_test_add_func ("/links/whep-counter-offer", test_whep_counter_offer);
  g_test_add_func ("/links/cut-and-recover", test_cut_and_recover);
  g_test_add_func ("/links/long-cut-reposts", test_long_cut_reposts);
  g_test_add_func ("/links/link-ice-servers", test_link_ice_servers);
  g_test_add_func ("/links/far-end-gone", test_far_end_gone);
  g_test_add_func ("/links/session-end-deletes", test_session_end_deletes);
  g_test_add_func ("/links/shutdown-deletes", test_shutdown_deletes);
  return g_test_run ();
}
