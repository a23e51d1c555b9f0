/* test-join-call.c: a real browser (headless Chromium, fake camera and microphone) opens the
 * join URL that `receptionctl session invite` printed and is in a two-way call with the room
 * through the real daemon, in a network namespace of the test's own. Asserts from the browser's
 * getStats() that it decodes the room's video and hears its audio, and from the daemon that it
 * receives the browser's media, with current figures (bytes, bitrates) in the first status asked
 * during the call; then the browser leaves and the ledger says so. */
#include <string.h>

#include "tests/rd-test-chromium.h"
#include "tests/rd-test-daemon.h"
#include "tests/rd-test-netns.h"

#define STEP_MS 20000

static char *netns_skip_reason;

typedef struct
{
  RdTestDaemon *t;
  guint64 min_bytes;
  JsonNode *last;
} PartyWait;

static gboolean
party_connected (gpointer data)
{
  PartyWait *w = data;
  JsonArray *parties;
  JsonObject *p;

  g_clear_pointer (&w->last, json_node_unref);
  w->last = rd_test_ctl_json (w->t, "status", NULL);
  parties = json_object_get_array_member (json_node_get_object (w->last), "parties");
  if (json_array_get_length (parties) != 1)
    return FALSE;
  p = json_array_get_object_element (parties, 0);
  return g_str_equal (json_object_get_string_member (p, "state"), "connected") &&
         json_object_get_int_member (p, "bytes_received") >= (gint64)w->min_bytes;
}

static gboolean
no_party (gpointer data)
{
  PartyWait *w = data;
  g_clear_pointer (&w->last, json_node_unref);
  w->last = rd_test_ctl_json (w->t, "status", NULL);
  return json_array_get_length (
             json_object_get_array_member (json_node_get_object (w->last), "parties")) == 0;
}

static gboolean
time_reached (gpointer data)
{
  return g_get_monotonic_time () >= *(gint64 *)data;
}

/* The first status of the call, nothing having asked for stats before, shows the party's
 * figures: the daemon counts every connected party's media bytes once a second (two counts give
 * a rate) and asks webrtcbin for its statistics once at the first count. Its promise: bytes and
 * rates two counts after the party is connected, webrtcbin's figures known; that much (and a
 * margin) is let pass after the browser saw the room's media at @media_us. */
static void
assert_first_status_current (RdTestDaemon *t, gint64 media_us)
{
  gint64 deadline = media_us + 3 * G_USEC_PER_SEC;
  g_autoptr (JsonNode) status = NULL;
  g_autofree char *seen = NULL;
  JsonArray *parties;
  JsonObject *p;

  g_assert_true (rd_test_wait_until (time_reached, &deadline, STEP_MS));
  status = rd_test_ctl_json (t, "status", NULL);
  parties = json_object_get_array_member (json_node_get_object (status), "parties");
  g_assert_cmpuint (json_array_get_length (parties), ==, 1);
  p = json_array_get_object_element (parties, 0);
  seen = json_to_string (json_array_get_element (parties, 0), FALSE);
  g_test_message ("first status of the call: %s", seen);
  g_assert_cmpstr (json_object_get_string_member (p, "state"), ==, "connected");
  g_assert_cmpint (json_object_get_int_member (p, "bytes_received"), >, 0);
  g_assert_cmpint (json_object_get_int_member (p, "bytes_sent"), >, 0);
  g_assert_cmpint (json_object_get_int_member (p, "bitrate_in_kbps"), >, 0);
  g_assert_cmpint (json_object_get_int_member (p, "bitrate_out_kbps"), >, 0);
  g_assert_cmpint (json_object_get_int_member (p, "stats_age_ms"), >=, 0);
}

static void
wait_daemon (PartyWait *w, gboolean (*done) (gpointer), const char *what)
{
  if (!rd_test_wait_until (done, w, STEP_MS))
    {
      g_autofree char *seen = json_to_string (w->last, TRUE);
      g_error ("waited for %s; the daemon's last status: %s", what, seen);
    }
}

/* @data: the daemon's [media] settings ("" for the defaults: VP8). */
static void
test_browser_call (gconstpointer data)
{
  const char *media = data;
  g_autofree char *config = g_strdup_printf ("%s[network]\nice-addresses=127.0.0.1\n", media);
  g_autoptr (JsonNode) codec = NULL;
  g_autoptr (RdTestDaemon) t = NULL;
  g_autoptr (RdTestChromium) chromium = NULL;
  g_autoptr (JsonNode) inv = NULL;
  g_autoptr (JsonNode) stats = NULL;
  g_autoptr (JsonNode) seen = NULL;
  g_autoptr (JsonNode) shown = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *session = NULL;
  g_autofree char *why = NULL;
  PartyWait w = { 0 };
  JsonObject *s, *part;
  gint64 opened, media_us;

  if (rd_test_skip_if (netns_skip_reason))
    return;
  if (!rd_test_chromium_available (&why))
    {
      g_test_skip (why);
      return;
    }
  t = rd_test_daemon_new (config);
  rd_test_daemon_start (t);
  g_assert_cmpint (rd_test_ctl (t, &out, NULL, "session", "start", NULL), ==, 0);
  session = g_strstrip (g_strdup (out));
  inv = rd_test_ctl_json (t, "session", "invite", session, "--role", "citizen", NULL);

  chromium = rd_test_chromium_start (&error);
  g_assert_no_error (error);
  opened = g_get_monotonic_time ();
  g_assert_true (rd_test_chromium_open (
      chromium, json_object_get_string_member (json_node_get_object (inv), "join_url"), STEP_MS,
      &error));
  g_assert_no_error (error);

  /* The browser decodes the room's picture and hears its tone. */
  seen = rd_test_chromium_wait (chromium,
                                "rdJoin.stats().then((s) => s.framesDecoded >= 30 && "
                                "s.audioEnergy > 0 && s.connectionState === 'connected')",
                                "rdJoin.stats().then((s) => JSON.stringify([rdJoin.state, "
                                "rdJoin.error, s]))",
                                STEP_MS, &error);
  g_assert_no_error (error);
  media_us = g_get_monotonic_time ();
  g_test_message ("join URL opened -> 30 frames of the room decoded: %.0f ms",
                  (media_us - opened) / 1000.0);
  assert_first_status_current (t, media_us);
  stats = rd_test_chromium_eval (chromium, "rdJoin.stats()", STEP_MS, &error);
  g_assert_no_error (error);
  s = json_node_get_object (stats);
  g_assert_cmpint (json_object_get_int_member (s, "framesDecoded"), >=, 30);
  g_assert_cmpint (json_object_get_int_member (s, "audioPacketsReceived"), >, 0);
  /* ... in the codec the room is set to send */
  codec = rd_test_chromium_eval (
      chromium,
      "rdJoin.pc.getStats().then((r) => { let m = ''; r.forEach((x) => { "
      "if (x.type === 'inbound-rtp' && x.kind === 'video' && r.get(x.codecId)) "
      "m = r.get(x.codecId).mimeType; }); return m; })",
      STEP_MS, &error);
  g_assert_no_error (error);
  g_test_message ("the browser decodes the room's %s", json_node_get_string (codec));
  g_assert_cmpstr (json_node_get_string (codec), ==,
                   strstr (media, "h264") ? "video/H264" : "video/VP8");

  /* The page shows the room's recording mark, as the room tells it (GET of the resource). */
  g_clear_pointer (&seen, json_node_unref);
  seen =
      rd_test_chromium_wait (chromium,
                             "rdJoin.recording && !document.getElementById('rec').hidden && "
                             "document.getElementById('rec').textContent.startsWith('\u25CF REC ')",
                             "JSON.stringify([rdJoin.recording, "
                             "document.getElementById('rec').textContent])",
                             STEP_MS, &error);
  g_assert_no_error (error);
  g_assert_cmpint (rd_test_ctl (t, NULL, NULL, "recording", "pause", session, "--reason",
                                "the citizen asked", NULL),
                   ==, 0);
  g_clear_pointer (&seen, json_node_unref);
  seen = rd_test_chromium_wait (chromium,
                                "rdJoin.recordingPaused && "
                                "document.getElementById('rec').textContent === '\u23F8 REC'",
                                "JSON.stringify([rdJoin.recordingPaused, "
                                "document.getElementById('rec').textContent])",
                                STEP_MS, &error);
  g_assert_no_error (error);
  g_assert_cmpint (
      rd_test_ctl (t, NULL, NULL, "recording", "resume", session, "--reason", "done", NULL), ==, 0);

  /* The room receives the browser's media. */
  w.t = t;
  w.min_bytes = 50000;
  wait_daemon (&w, party_connected, "the browser's party to be connected with 50 kB received");

  /* Leaving: DELETE from the page; the party is gone and the ledger says why. */
  g_clear_pointer (&seen, json_node_unref);
  seen = rd_test_chromium_eval (chromium, "document.getElementById('leave').click(), rdJoin.state",
                                STEP_MS, &error);
  g_assert_no_error (error);
  wait_daemon (&w, no_party, "the browser's party to leave");
  shown = rd_test_ctl_json (t, "session", "show", session, NULL);
  part = json_array_get_object_element (
      json_object_get_array_member (json_node_get_object (shown), "participants"), 0);
  g_assert_cmpstr (json_object_get_string_member (part, "role"), ==, "citizen");
  g_assert_cmpstr (json_object_get_string_member (part, "leave_reason"), ==, "left");
  g_assert_true (
      g_str_has_prefix (json_object_get_string_member (part, "dtls_fingerprint"), "sha-256 "));
  g_clear_pointer (&w.last, json_node_unref);
}

int
main (int argc, char **argv)
{
  if (!rd_test_enter_netns (&netns_skip_reason))
    g_printerr ("# skipping: %s\n", netns_skip_reason);
  g_test_init (&argc, &argv, NULL);
  rd_test_tolerate_third_party_race ();
  g_test_add_data_func ("/join-call/browser", "", test_browser_call);
  g_test_add_data_func ("/join-call/browser-h264", "[media]\nvideo-codec=h264\n",
                        test_browser_call);
  return g_test_run ();
}
