/* test-conference-browsers.c: the room as a bridge between real browsers. One headless Chromium
 * runs three WHIP parties (tests/data/conference-parties.html, served by this test over plain
 * HTTP) against the real daemon, each with an invite of its own, each sending a pure tone of its
 * own (WebAudio) and a picture of one solid colour (a canvas stream); the room's test microphone
 * plays 440 Hz. In a network namespace of the test's own, where only 127.0.0.1 exists.
 *
 * Asserted from what each browser decodes:
 *   - every party hears the room and the two others, and not itself (mix-minus): over HOLD_MS
 *     each tone it should hear is at HEARD_DB or more in four samples out of five, and its own
 *     tone never comes within MARGIN_DB of the weakest of those;
 *   - every party's picture (the grid: one picture shared by all, so each sees its own tile too)
 *     shows the two others' colours;
 *   - a party that leaves (DELETE of its WHIP resource, its connection still sending) is no
 *     longer heard by the others within 1 s (plus the time any sound takes through the room to
 *     them at that moment, measured alongside), and its tile goes from their picture;
 *   - status gives each party's level and the room's: a party muted by the room is at the
 *     floor, every other and the room's microphone well above it;
 *   - after `receptionctl layout speaker`, the party that speaks loudest becomes the active
 *     speaker in status and fills the others' pictures, and the floor follows when another
 *     speaks louder. */
#include <string.h>

#include "tests/rd-test-chromium.h"
#include "tests/rd-test-daemon.h"
#include "tests/rd-test-netns.h"
#include "tests/rd-test-page.h"

#define STEP_MS 20000
/* A tone sent at 0.3 (-10.5 dBFS) arrives near that, in the mix with two others at most. */
#define HEARD_DB     (-20.0)
#define MARGIN_DB    20.0
#define HOLD_MS      1000
#define QUIET_DB     (-40.0) /* a party's tone once it has left */
#define LEAVE_MS     1000    /* ... within this of its DELETE */
#define TILE_GONE_MS 8000    /* its tile: 0.6 s measured, 3 s seen under load */
#define MARK_VOL     "0.15"  /* a party 6 dB quieter than its 0.3 ... */
#define MARK_DB      (-16.5) /* ... is heard at this */
#define QUIET_VOL    "0.1"
#define LOUD_VOL     "0.9" /* 9.5 dB above the room's 440 Hz at 0.3: beats the 6 dB margin */
/* Shares of the 640x360 picture: a 16:9 party in a 2x2 grid has a quarter (less its label);
 * the speaker's tile 480x270 (56%), a tile of the strip below it 160x90 (6%). */
#define GRID_SHARE  0.10
#define GONE_SHARE  0.01
#define BIG_SHARE   0.40
#define SMALL_SHARE 0.02

typedef struct
{
  const char *name, *role, *colour;
  int hz;
  char *token, *whip_url, *peer_id;
} Party;

static char *netns_skip_reason;

/* The browser and the daemon of the test. */
typedef struct
{
  RdTestChromium *chromium;
  RdTestDaemon *t;
} Call;

/* Evaluates JS in the page; fails the test with the page's error. (transfer full) */
static JsonNode *page_eval (Call *c, const char *format, ...) G_GNUC_PRINTF (2, 3);
static JsonNode *
page_eval (Call *c, const char *format, ...)
{
  g_autofree char *js = NULL;
  va_list args;

  va_start (args, format);
  js = g_strdup_vprintf (format, args);
  va_end (args);
  return rd_test_page_eval (c->chromium, c->t, js, STEP_MS);
}

/* Waits until the JS condition holds in the page; on timeout fails quoting every party's levels
 * and colour shares. Returns the condition's value. (transfer full) */
static JsonNode *page_wait (Call *c, guint timeout_ms, const char *format, ...)
    G_GNUC_PRINTF (3, 4);
static JsonNode *
page_wait (Call *c, guint timeout_ms, const char *format, ...)
{
  g_autofree char *js = NULL;
  va_list args;

  va_start (args, format);
  js = g_strdup_vprintf (format, args);
  va_end (args);
  return rd_test_page_wait (c->chromium, c->t, js, "conf.describe()", timeout_ms);
}

static void
log_page (Call *c, const char *what, gint64 since)
{
  g_autoptr (JsonNode) seen = page_eval (c, "conf.describe()");
  g_autofree char *text = json_to_string (seen, FALSE);

  g_test_message ("%s after %.0f ms: %s", what, (g_get_monotonic_time () - since) / 1000.0, text);
}

/* ---- the daemon's side ---- */

typedef struct
{
  RdTestDaemon *t;
  const char *speaker; /* the peer id expected */
  JsonNode *last;
  gint64 asked_us;
  gboolean done;
} StatusWait;

static gboolean
speaker_is (gpointer data)
{
  StatusWait *w = data;
  JsonObject *layout;

  /* receptionctl is a process: ask at most every 100 ms */
  if (w->done || (w->last && g_get_monotonic_time () - w->asked_us < 100000))
    return w->done;
  g_clear_pointer (&w->last, json_node_unref);
  w->last = rd_test_ctl_json (w->t, "status", NULL);
  w->asked_us = g_get_monotonic_time ();
  layout = json_object_get_object_member (json_node_get_object (w->last), "layout");
  w->done = g_strcmp0 (json_object_get_string_member (layout, "shown"), "speaker") == 0 &&
            g_strcmp0 (json_object_get_string_member_with_default (layout, "active_speaker", NULL),
                       w->speaker) == 0;
  return w->done;
}

static void
wait_speaker (RdTestDaemon *t, Party *p)
{
  StatusWait w = { t, p->peer_id, NULL, 0, FALSE };

  if (!rd_test_wait_until (speaker_is, &w, 5000))
    {
      g_autofree char *seen =
          json_to_string (json_object_get_member (json_node_get_object (w.last), "layout"), FALSE);
      g_error ("the active speaker is not %s (%s) in status: %s", p->name, p->peer_id, seen);
    }
  g_clear_pointer (&w.last, json_node_unref);
}

/* The daemon's status: @n parties, all connected, each hearing the room and the others, each
 * with its picture shown, the layout shown @layout. */
static void
assert_status (RdTestDaemon *t, Party *parties, guint n, const char *layout)
{
  g_autoptr (JsonNode) status = rd_test_ctl_json (t, "status", NULL);
  JsonObject *root = json_node_get_object (status);
  JsonArray *list = json_object_get_array_member (root, "parties");
  g_autofree char *text = json_to_string (status, FALSE);

  if (json_array_get_length (list) != n)
    g_error ("%u parties expected in status: %s", n, text);
  for (guint i = 0; i < n; i++)
    {
      JsonObject *p = json_array_get_object_element (list, i);
      gboolean known = FALSE;

      for (guint j = 0; j < n; j++)
        known |= g_str_equal (json_object_get_string_member (p, "peer_id"), parties[j].peer_id);
      if (!known || !g_str_equal (json_object_get_string_member (p, "state"), "connected") ||
          json_object_get_int_member (p, "mix_inputs") != n ||
          !g_str_equal (json_object_get_string_member (p, "tile"), "shown"))
        g_error ("party %u of status is not one of ours, connected, hearing %u, shown: %s", i, n,
                 text);
    }
  g_assert_cmpstr (
      json_object_get_string_member (json_object_get_object_member (root, "layout"), "shown"), ==,
      layout);
}

/* @p's microphone and camera are both muted by the room, or both not, in status; its level is
 * the floor when muted and heard when not, as are the room's and the other parties'. */
static void
assert_party_muted (RdTestDaemon *t, Party *p, gboolean muted)
{
  g_autoptr (JsonNode) status = rd_test_ctl_json (t, "status", NULL);
  g_autofree char *text = json_to_string (status, FALSE);
  JsonArray *all = json_object_get_array_member (json_node_get_object (status), "parties");
  gboolean found = FALSE;

  for (guint i = 0; i < json_array_get_length (all); i++)
    {
      JsonObject *o = json_array_get_object_element (all, i);
      JsonObject *m = json_object_get_object_member (o, "muted");
      double level = json_object_get_double_member (o, "level_dbfs");

      if (!g_str_equal (json_object_get_string_member (o, "peer_id"), p->peer_id))
        {
          /* the others speak at 0.3 (-13.5 dBFS) */
          if (level <= QUIET_DB)
            g_error ("a party speaking is at %.1f dBFS in status: %s", level, text);
          continue;
        }
      if (json_object_get_boolean_member (m, "mic") != muted ||
          json_object_get_boolean_member (m, "camera") != muted)
        g_error ("%s is not %s in status: %s", p->name, muted ? "muted" : "unmuted", text);
      /* a muted party is silence at once; the room's tone at 0.3 goes on */
      if (muted ? level > -127.0 : level <= QUIET_DB)
        g_error ("%s is at %.1f dBFS in status: %s", p->name, level, text);
      if (json_object_get_double_member (
              json_object_get_object_member (json_node_get_object (status), "sound"),
              "mic_level_dbfs") <= QUIET_DB)
        g_error ("the room's microphone is quiet in status: %s", text);
      found = TRUE;
    }
  if (!found)
    g_error ("%s is not in status: %s", p->name, text);
}

/* ---- the test ---- */

static void
test_three_browsers (void)
{
  Party parties[] = {
    { "red", "board", "red", 600 },
    { "green", "agency", "green", 900 },
    { "blue", "citizen", "blue", 1300 },
  };
  g_autoptr (RdTestDaemon) t = NULL;
  g_autoptr (RdTestChromium) chromium = NULL;
  g_autoptr (RdTestPage) page = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) specs = NULL;
  g_autoptr (JsonNode) joined = NULL;
  g_autoptr (JsonNode) v = NULL;
  g_autofree char *specs_json = NULL;
  g_autofree char *out = NULL;
  g_autofree char *session = NULL;
  g_autofree char *why = NULL;
  g_autoptr (JsonNode) gone = NULL;
  Call c;
  gint64 t0, deleted_ms, gone_ms[2], way_ms[2];

  if (netns_skip_reason)
    {
      g_test_skip (netns_skip_reason);
      return;
    }
  if (!rd_test_chromium_available (&why))
    {
      g_test_skip (why);
      return;
    }

  page = rd_test_page_new_from_file ("tests/data/conference-parties.html");

  t = rd_test_daemon_new ("[media]\ncamera=test\nmicrophone=test\ndisplay=none\nspeakers=none\n"
                          "[network]\nice-addresses=127.0.0.1\n");
  rd_test_daemon_start (t);
  g_assert_cmpint (rd_test_ctl (t, &out, NULL, "session", "start", NULL), ==, 0);
  session = g_strstrip (g_strdup (out));
  json_builder_begin_array (b);
  for (guint i = 0; i < G_N_ELEMENTS (parties); i++)
    {
      Party *p = &parties[i];
      g_autoptr (JsonNode) inv =
          g_str_equal (p->role, "citizen")
              ? rd_test_ctl_json (t, "session", "invite", session, "--role", p->role, NULL)
              : rd_test_ctl_json (t, "session", "invite", session, "--role", p->role, "--name",
                                  p->name, NULL);
      JsonObject *o = json_node_get_object (inv);

      p->token = g_strdup (json_object_get_string_member (o, "token"));
      p->whip_url = g_strdup (json_object_get_string_member (o, "whip_url"));
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, p->name);
      json_builder_set_member_name (b, "hz");
      json_builder_add_int_value (b, p->hz);
      json_builder_set_member_name (b, "volume");
      json_builder_add_double_value (b, 0.3);
      json_builder_set_member_name (b, "colour");
      json_builder_add_string_value (b, p->colour);
      json_builder_set_member_name (b, "endpoint");
      json_builder_add_string_value (b, p->whip_url);
      json_builder_set_member_name (b, "token");
      json_builder_add_string_value (b, p->token);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  specs = json_builder_get_root (b);
  specs_json = json_to_string (specs, FALSE);

  chromium = rd_test_chromium_start (&error);
  g_assert_no_error (error);
  g_assert_true (rd_test_chromium_open (chromium, rd_test_page_get_url (page), STEP_MS, &error));
  g_assert_no_error (error);
  c.chromium = chromium;
  c.t = t;

  /* Three parties call in at once. */
  t0 = g_get_monotonic_time ();
  joined = page_eval (&c, "conf.join(%s)", specs_json);
  for (guint i = 0; i < G_N_ELEMENTS (parties); i++)
    parties[i].peer_id = g_strdup (json_object_get_string_member (
        json_array_get_object_element (json_node_get_array (joined), i), "peerId"));
  g_test_message ("three parties answered %.0f ms after their offers were made",
                  (g_get_monotonic_time () - t0) / 1000.0);

  /* Each hears the room and the two others, not itself, ... */
  v = page_wait (&c, STEP_MS, "conf.hearsRight([0, 1, 2], %g, %g, %d)", HEARD_DB, MARGIN_DB,
                 HOLD_MS);
  {
    g_autofree char *figures = json_to_string (v, FALSE);
    g_test_message ("over %d ms, in dBFS: %s", HOLD_MS, figures);
  }
  log_page (&c, "all hear the room and the two others, not themselves", t0);
  /* ... and sees the two others. */
  g_clear_pointer (&v, json_node_unref);
  v = page_wait (&c, STEP_MS,
                 "conf.sees([1, 2], 'red', %g, 1) && conf.sees([0, 2], 'green', %g, 1) && "
                 "conf.sees([0, 1], 'blue', %g, 1)",
                 GRID_SHARE, GRID_SHARE, GRID_SHARE);
  log_page (&c, "all see the two others", t0);
  assert_status (t, parties, 3, "grid");

  /* Blue leaves (DELETE; its connection goes on sending until the others' checks are done)
   * while red and green speak 6 dB quieter: how long each one's change takes to reach the
   * other is how long any sound takes through the room to that listener at that moment, the
   * leave aside (the browsers' jitter buffers grow on a loaded machine). Blue's tone stops in
   * the room within LEAVE_MS of the DELETE, so each listener hears that within LEAVE_MS plus
   * the room's way to it, which is less than the other's whole way through the room to it. */
  g_clear_pointer (&v, json_node_unref);
  v = page_eval (&c, "conf.audioDelays()");
  g_clear_pointer (&v, json_node_unref);
  t0 = g_get_monotonic_time ();
  v = page_eval (&c,
                 "conf.setVolume(0, " MARK_VOL "), conf.setVolume(1, " MARK_VOL "), conf.leave(2)");
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (v), "status"), ==, 200);
  deleted_ms = json_object_get_int_member (json_node_get_object (v), "ms");
  g_clear_pointer (&v, json_node_unref);
  gone = page_wait (&c, 5000, "conf.goneAfter(2, [0, 1], %g)", QUIET_DB);
  for (guint i = 0; i < 2; i++)
    {
      /* the other's change, heard by listener i */
      g_clear_pointer (&v, json_node_unref);
      v = page_wait (&c, 5000, "conf.heardAfter(%u, [%u], %g, %g)", 1 - i, i, MARK_DB - 3,
                     MARK_DB + 3);
      way_ms[i] = json_node_get_int (v);
      gone_ms[i] = json_array_get_int_element (json_node_get_array (gone), i);
    }
  g_clear_pointer (&v, json_node_unref);
  v = page_eval (&c, "conf.audioDelays()");
  {
    g_autofree char *jitter = json_to_string (v, FALSE);
    g_test_message (
        "blue's tone gone from red's sound %" G_GINT64_FORMAT " ms, from green's %" G_GINT64_FORMAT
        " ms after its DELETE was sent (answered after %" G_GINT64_FORMAT " ms); "
        "green's change reached red after %" G_GINT64_FORMAT
        " ms, red's green after %" G_GINT64_FORMAT " ms; the browsers' jitter buffers held (ms) %s",
        gone_ms[0], gone_ms[1], deleted_ms, way_ms[0], way_ms[1], jitter);
  }
  g_assert_cmpint (gone_ms[0], <=, LEAVE_MS + way_ms[0]);
  g_assert_cmpint (gone_ms[1], <=, LEAVE_MS + way_ms[1]);
  g_clear_pointer (&v, json_node_unref);
  v = page_eval (&c, "conf.setVolume(0, 0.3), conf.setVolume(1, 0.3)");
  g_clear_pointer (&v, json_node_unref);
  v = page_wait (&c, TILE_GONE_MS, "conf.sees([0, 1], 'blue', 0, %g)", GONE_SHARE);
  log_page (&c, "blue's tile gone from the others' picture", t0);
  g_clear_pointer (&v, json_node_unref);
  v = page_eval (&c, "conf.close(2)");
  assert_status (t, parties, 2, "grid");
  g_clear_pointer (&v, json_node_unref);
  v = page_wait (&c, 5000, "conf.hearsRight([0, 1], %g, %g, %d)", HEARD_DB, MARGIN_DB, HOLD_MS);

  /* The speaker layout, live: the loudest party takes the floor in every picture. */
  g_assert_cmpint (rd_test_ctl (t, NULL, NULL, "layout", "speaker", NULL), ==, 0);
  for (guint i = 0; i < 2; i++)
    {
      Party *loud = &parties[i], *quiet = &parties[1 - i];

      g_clear_pointer (&v, json_node_unref);
      t0 = g_get_monotonic_time ();
      v = page_eval (&c, "conf.setVolume(%u, " LOUD_VOL "), conf.setVolume(%u, " QUIET_VOL ")", i,
                     1 - i);
      g_clear_pointer (&v, json_node_unref);
      v = page_wait (&c, 15000, "conf.sees([0, 1], '%s', %g, 1) && conf.sees([0, 1], '%s', %g, %g)",
                     loud->colour, BIG_SHARE, quiet->colour, SMALL_SHARE, GRID_SHARE);
      log_page (&c, loud->name, t0);
      wait_speaker (t, loud);
    }
  g_clear_pointer (&v, json_node_unref);

  /* The room mutes green, as a console user would: red stops hearing it and sees its tile go
   * black, at once; unmuted, both come back (both speak as loud again). */
  v = page_eval (&c, "conf.setVolume(0, 0.3), conf.setVolume(1, 0.3)");
  g_clear_pointer (&v, json_node_unref);
  t0 = g_get_monotonic_time ();
  g_assert_cmpint (rd_test_ctl (t, NULL, NULL, "mute", "--party", parties[1].peer_id, NULL), ==, 0);
  v = page_wait (&c, 5000, "conf.hearsRight([0], %g, %g, %d) && conf.sees([0], 'green', 0, %g)",
                 HEARD_DB, MARGIN_DB, HOLD_MS, GONE_SHARE);
  log_page (&c, "green muted by the room", t0);
  assert_party_muted (t, &parties[1], TRUE);
  g_clear_pointer (&v, json_node_unref);
  t0 = g_get_monotonic_time ();
  g_assert_cmpint (rd_test_ctl (t, NULL, NULL, "unmute", "--party", parties[1].peer_id, NULL), ==,
                   0);
  v = page_wait (&c, 5000, "conf.hearsRight([0, 1], %g, %g, %d) && conf.sees([0], 'green', %g, 1)",
                 HEARD_DB, MARGIN_DB, HOLD_MS, SMALL_SHARE);
  log_page (&c, "green unmuted", t0);
  assert_party_muted (t, &parties[1], FALSE);
  g_clear_pointer (&v, json_node_unref);

  for (guint i = 0; i < G_N_ELEMENTS (parties); i++)
    {
      g_free (parties[i].token);
      g_free (parties[i].whip_url);
      g_free (parties[i].peer_id);
    }
}

int
main (int argc, char **argv)
{
  if (!rd_test_enter_netns (&netns_skip_reason))
    g_printerr ("# skipping: %s\n", netns_skip_reason);
  g_test_init (&argc, &argv, NULL);
  rd_test_tolerate_third_party_race ();
  g_test_add_func ("/conference/three-browsers", test_three_browsers);
  return g_test_run ();
}
