/* test-links.c: the room joins a conference hosted elsewhere (receptionctl session join/leave),
 * receptiond <-> receptiond in a network namespace of the test's own (tests/rd-test-links.h):
 * refusals, publishing, playing and recording, a counter-offering WHEP server, leaving on
 * leave, session end and SIGTERM. Staying connected is test-links-reconnect.c. */
#include <libsoup/soup.h>
#include <signal.h>
#include <string.h>

#include "tests/rd-test-links.h"
#include "tests/rd-test-netns.h"

static char *netns_skip_reason;

/* Bad input and refusals: a clear error, exit 1 (64 for usage), and a daemon that still
 * answers with no link left behind. */
static void
test_refusals (void)
{
  g_autoptr (RdTestLinks) p = NULL;
  g_autofree char *err = NULL;
  g_autofree char *events = NULL;
  g_autofree char *unreachable = NULL;
  int rc;

  if (rd_test_skip_if (netns_skip_reason))
    return;
  p = rd_test_links_up (NULL);

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
  rd_test_links_wait (p->room, NULL, NULL, 10);
  events = rd_test_links_events (p->room);
  g_assert_nonnull (strstr (events, "link-failed"));
  g_assert_null (strstr (events, "link-connected"));
  rd_test_links_wait_far (p->far, 0, 0);
}

/* Publish: the far end takes the room as a party and receives its media; leave deletes it. */
static void
test_publish_and_leave (void)
{
  g_autoptr (RdTestLinks) p = NULL;
  g_autoptr (JsonNode) far_session = NULL;
  g_autofree char *err = NULL;
  g_autofree char *events = NULL;
  g_autoptr (RdTestPeer) caller = NULL;
  JsonArray *parts;

  if (rd_test_skip_if (netns_skip_reason))
    return;
  p = rd_test_links_up (NULL);
  g_assert_cmpint (rd_test_links_join (p, FALSE, &err), ==, 0);
  rd_test_links_wait (p->room, "whip", "connected", 30);
  /* frames arrive at the far end: more than 100 kB of the room's media */
  rd_test_links_wait_far (p->far, 1, 100000);
  /* the same endpoint again is refused, naming the link that has it */
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (rd_test_links_join (p, FALSE, &err), ==, 1);
  g_assert_nonnull (strstr (err, "already joined"));
  {
    g_autoptr (JsonNode) status = rd_test_ctl_json (p->room->t, "status", NULL);
    JsonObject *l = rd_test_link_of_kind (status, "whip");
    g_assert_nonnull (l);
    g_assert_cmpstr (json_object_get_string_member (l, "candidate_pair"), ==, "host");
    g_assert_nonnull (json_object_get_string_member (l, "resource_url"));
    g_assert_nonnull (strstr (
        json_object_get_string_member (status ? rd_test_links_obj (status) : NULL, "status"),
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

  {
    /* a session mixes a joined conference and a party that called in */
    g_autoptr (JsonNode) inv = rd_test_room_invite (p->room, "citizen");
    g_autoptr (RdTestWhipReply) created = rd_test_room_call_in (p->room, inv, FALSE, &caller);
    g_autoptr (JsonNode) status = NULL;

    rd_test_room_wait_parties (p->room, 1, "connected", 0, RD_TEST_ROOM_TIMEOUT_MS);
    status = rd_test_ctl_json (p->room->t, "status", NULL);
    g_assert_nonnull (strstr (json_object_get_string_member (rd_test_links_obj (status), "status"),
                              "1 party, links: 1 connected"));
  }
  g_assert_cmpint (
      rd_test_ctl (p->room->t, NULL, NULL, "session", "leave", p->room->session_id, NULL), ==, 0);
  /* leaving the conference leaves the party that called in where it is */
  rd_test_room_wait_parties (p->room, 1, "connected", 0, RD_TEST_ROOM_TIMEOUT_MS);
  /* DELETE seen: the far end's party left, with the reason it gives a DELETE */
  rd_test_links_wait_far (p->far, 0, 0);
  far_session = rd_test_ctl_json (p->far->t, "session", "show", p->far->session_id, NULL);
  parts = json_object_get_array_member (rd_test_links_obj (far_session), "participants");
  g_assert_cmpuint (json_array_get_length (parts), ==, 1);
  g_assert_cmpstr (
      json_object_get_string_member (json_array_get_object_element (parts, 0), "leave_reason"), ==,
      "left");
  rd_test_links_wait (p->room, NULL, NULL, 5);
  events = rd_test_links_events (p->room);
  g_assert_cmpstr (events, ==, "link-joined link-connected link-left");
  rd_test_links_assert_no_token (p->room, rd_test_member (p->invite, "token"));
}

/* TRUE when @shown (session show) has a segment of a played link's video. */
static gboolean
records_link_video (JsonNode *shown)
{
  JsonArray *recs = json_object_get_array_member (rd_test_links_obj (shown), "recordings");

  for (guint i = 0; recs && i < json_array_get_length (recs); i++)
    {
      g_autofree char *row = json_to_string (json_array_get_element (recs, i), FALSE);
      if (strstr (row, "party-link-") && strstr (row, "-video"))
        return TRUE;
    }
  return FALSE;
}

static gboolean
link_video_opened (gpointer data)
{
  RdTestLinks *p = data;
  g_autoptr (JsonNode) shown =
      rd_test_ctl_json (p->room->t, "session", "show", p->room->session_id, NULL);

  return records_link_video (shown);
}

/* Play: the room plays the far end's room over WHEP and records it like a party. */
static void
test_play_and_record (void)
{
  g_autoptr (RdTestLinks) p = NULL;
  g_autoptr (JsonNode) ended = NULL;
  g_autofree char *err = NULL;

  if (rd_test_skip_if (netns_skip_reason))
    return;
  p = rd_test_links_up (NULL);
  if (rd_test_links_join (p, TRUE, &err) != 0)
    g_error ("session join --whep failed: %s", err);
  rd_test_links_wait (p->room, "whip", "connected", 30);
  rd_test_links_wait (p->room, "whep", "connected", 30);
  /* the far end has the room twice: the publisher and the player */
  rd_test_links_wait_far (p->far, 2, 0);
  {
    /* the room receives the far end's media */
    gint64 end = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
    gint64 bytes = 0;
    while (bytes < 100000 && g_get_monotonic_time () < end)
      {
        g_autoptr (JsonNode) status = rd_test_ctl_json (p->room->t, "status", NULL);
        bytes =
            json_object_get_int_member (rd_test_link_of_kind (status, "whep"), "bytes_received");
        if (bytes < 100000)
          g_usleep (RD_TEST_LINKS_POLL_US);
      }
    g_assert_cmpint (bytes, >=, 100000);
  }
  /* the played stream's video is being recorded (a party's tracks start once its lip-sync is
   * known and its first keyframe came: seconds under ASan) */
  g_assert_true (rd_test_wait_until (link_video_opened, p, 30000));
  /* ending the session leaves both (DELETE) and seals the recording, the played stream in it */
  g_assert_cmpint (
      rd_test_ctl (p->room->t, NULL, NULL, "session", "end", p->room->session_id, NULL), ==, 0);
  rd_test_links_wait_far (p->far, 0, 0);
  ended = rd_test_ctl_json (p->room->t, "session", "show", p->room->session_id, NULL);
  g_assert_true (records_link_video (ended));
}

/* SIGTERM with a link up: the far end sees the DELETE (its party leaves with "left"). */
static void
test_shutdown_deletes (void)
{
  g_autoptr (RdTestLinks) p = NULL;
  g_autoptr (JsonNode) far_session = NULL;
  g_autofree char *err = NULL;
  JsonArray *parts;

  if (rd_test_skip_if (netns_skip_reason))
    return;
  p = rd_test_links_up (NULL);
  g_assert_cmpint (rd_test_links_join (p, FALSE, &err), ==, 0);
  rd_test_links_wait (p->room, "whip", "connected", 30);
  rd_test_links_wait_far (p->far, 1, 0);
  rd_test_daemon_signal (p->room->t, SIGTERM);
  g_assert_cmpint (rd_test_daemon_wait_exit (p->room->t, 15000), ==, 0);
  rd_test_links_wait_far (p->far, 0, 0);
  far_session = rd_test_ctl_json (p->far->t, "session", "show", p->far->session_id, NULL);
  parts = json_object_get_array_member (rd_test_links_obj (far_session), "participants");
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
  g_autoptr (RdTestLinks) p = NULL;
  g_autoptr (JsonNode) joined = NULL;
  g_autofree char *err = NULL;
  CounterServer *c;
  gint64 end, bytes = 0;

  if (rd_test_skip_if (netns_skip_reason))
    return;
  p = rd_test_links_up (NULL);
  c = counter_server_start ();
  if (rd_test_ctl (p->room->t, NULL, &err, "session", "join", p->room->session_id, "--whip",
                   rd_test_member (p->invite, "whip_url"), "--token",
                   rd_test_member (p->invite, "token"), "--ca", p->far->cert, "--whep", c->url,
                   NULL) != 0)
    g_error ("session join with a counter-offering WHEP server failed: %s", err);
  g_assert_cmpuint (g_atomic_int_get (&c->posts), ==, 1);
  g_assert_cmpuint (g_atomic_int_get (&c->answers), ==, 1);
  rd_test_links_wait (p->room, "whep", "connected", 30);
  end = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  while (bytes < 50000 && g_get_monotonic_time () < end)
    {
      g_autoptr (JsonNode) status = rd_test_ctl_json (p->room->t, "status", NULL);
      bytes = json_object_get_int_member (rd_test_link_of_kind (status, "whep"), "bytes_received");
      if (bytes < 50000)
        g_usleep (RD_TEST_LINKS_POLL_US);
    }
  g_assert_cmpint (bytes, >=, 50000);
  joined = rd_test_links_last_event (p->room, "link-joined");
  g_assert_nonnull (joined);
  g_assert_cmpint (
      rd_test_ctl (p->room->t, NULL, NULL, "session", "leave", p->room->session_id, NULL), ==, 0);
  g_assert_cmpuint (g_atomic_int_get (&c->deletes), ==, 1);
  counter_server_stop (c);
}

/* session end with a link up: DELETE before the session ends (the far end's party left). */
static void
test_session_end_deletes (void)
{
  g_autoptr (RdTestLinks) p = NULL;
  g_autofree char *err = NULL;
  g_autofree char *events = NULL;

  if (rd_test_skip_if (netns_skip_reason))
    return;
  p = rd_test_links_up (NULL);
  /* --insecure instead of --ca: the far end's self-signed certificate is taken as it is */
  g_assert_cmpint (rd_test_ctl (p->room->t, NULL, &err, "session", "join", p->room->session_id,
                                "--whip", rd_test_member (p->invite, "whip_url"), "--token",
                                rd_test_member (p->invite, "token"), "--insecure", NULL),
                   ==, 0);
  rd_test_links_wait (p->room, "whip", "connected", 30);
  rd_test_links_wait_far (p->far, 1, 0);
  g_assert_cmpint (
      rd_test_ctl (p->room->t, NULL, NULL, "session", "end", p->room->session_id, NULL), ==, 0);
  rd_test_links_wait_far (p->far, 0, 0);
  rd_test_links_wait (p->room, NULL, NULL, 5);
  events = rd_test_links_events (p->room);
  g_assert_cmpstr (events, ==, "link-joined link-connected link-left");
}

int
main (int argc, char **argv)
{
  /* Before any thread exists: both daemons live in this namespace. */
  if (!rd_test_enter_netns (&netns_skip_reason))
    g_printerr ("# skipping every link test: %s\n", netns_skip_reason);
  g_test_init (&argc, &argv, NULL);
  rd_test_tolerate_third_party_race ();
  g_test_add_func ("/links/refusals", test_refusals);
  g_test_add_func ("/links/publish-and-leave", test_publish_and_leave);
  g_test_add_func ("/links/play-and-record", test_play_and_record);
  g_test_add_func ("/links/shutdown-deletes", test_shutdown_deletes);
  g_test_add_func ("/links/whep-counter-offer", test_whep_counter_offer);
  g_test_add_func ("/links/session-end-deletes", test_session_end_deletes);
  return g_test_run ();
}
