/* test-echo-browser.c: the room's echo cancellation heard by a real browser. The daemon's
 * speakers and microphone are pipelines that make a room's air ([media] speakers=pipeline:,
 * microphone=pipeline:): what the speakers play comes back into the microphone at -6 dB, with
 * the near end's voice (the 440 Hz the page knows as the room's). One Chromium WHIP party
 * (tests/data/conference-parties.html, served by this test over plain HTTP) sends a pure tone.
 *
 * Asserted from what the browser decodes, over a whole second:
 *   - echo-cancel=on: it hears the near end at -20 dBFS or more, and its own tone at least 31 dB
 *     below it (the echo arrives 6 dB below the near end without cancellation: 25 dB more);
 *   - echo-cancel=off, the same room: its own tone comes back within 12 dB of the near end (so
 *     the test can fail).
 * In a network namespace of the test's own, where only 127.0.0.1 exists. */
#include "tests/rd-test-chromium.h"
#include "tests/rd-test-daemon.h"
#include "tests/rd-test-netns.h"
#include "tests/rd-test-page.h"

#define STEP_MS            20000
#define HEARD_DB           (-20.0)
#define ECHO_ON_MARGIN_DB  31.0
#define ECHO_OFF_MARGIN_DB 12.0
#define HOLD_MS            1000

#define AIR_CONFIG                                                                                 \
  "[media]\ncamera=test\ndisplay=none\nnoise-suppression=off\ngain-control=off\n"                  \
  "speakers=pipeline:interaudiosink channel=air\n"                                                 \
  "microphone=pipeline:audiomixer name=air "                                                       \
  "interaudiosrc channel=air ! audioconvert ! volume volume=0.5 ! air. "                           \
  "audiotestsrc is-live=true freq=440 volume=0.3 samplesperbuffer=480 ! air.\n"                    \
  "echo-cancel=%s\n[network]\nice-addresses=127.0.0.1\n"

static char *netns_skip_reason;

/* A daemon with the room's air and echo-cancel=@mode, and one more party of the page, sending
 * @hz, called in. Returns the daemon. (transfer full) */
static RdTestDaemon *
call_in (RdTestChromium *chromium, const char *mode, int hz)
{
  g_autofree char *config = g_strdup_printf (AIR_CONFIG, mode);
  g_autofree char *out = NULL;
  g_autofree char *spec = NULL;
  g_autofree char *js = NULL;
  g_autoptr (JsonNode) inv = NULL;
  g_autoptr (JsonNode) joined = NULL;
  RdTestDaemon *t = rd_test_daemon_new (config);
  JsonObject *o;

  rd_test_daemon_start (t);
  g_assert_cmpint (rd_test_ctl (t, &out, NULL, "session", "start", NULL), ==, 0);
  g_strstrip (out);
  inv = rd_test_ctl_json (t, "session", "invite", out, "--role", "board", "--name", "board", NULL);
  o = json_node_get_object (inv);
  spec = g_strdup_printf ("[{\"name\": \"board-%s\", \"hz\": %d, \"volume\": 0.3, \"colour\": "
                          "\"red\", \"endpoint\": \"%s\", \"token\": \"%s\"}]",
                          mode, hz, json_object_get_string_member (o, "whip_url"),
                          json_object_get_string_member (o, "token"));
  js = g_strdup_printf ("conf.join(%s)", spec);
  joined = rd_test_page_eval (chromium, t, js, STEP_MS);
  return t;
}

static void
test_echo (void)
{
  g_autoptr (RdTestChromium) chromium = NULL;
  g_autoptr (RdTestPage) page = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) v = NULL;
  g_autofree char *why = NULL;
  g_autofree char *figures = NULL;
  g_autofree char *js = NULL;
  RdTestDaemon *t;

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
  chromium = rd_test_chromium_start (&error);
  g_assert_no_error (error);
  g_assert_true (rd_test_chromium_open (chromium, rd_test_page_get_url (page), STEP_MS, &error));
  g_assert_no_error (error);

  /* cancelled: the near end heard, the party's own tone 31 dB under it, for a second */
  t = call_in (chromium, "on", 1000);
  js = g_strdup_printf ("conf.hearsRight([0], %g, %g, %d)", HEARD_DB, ECHO_ON_MARGIN_DB, HOLD_MS);
  v = rd_test_page_wait (chromium, t, js, "conf.describe()", STEP_MS);
  figures = json_to_string (v, FALSE);
  g_test_message ("echo-cancel=on, over %d ms, in dBFS: %s", HOLD_MS, figures);
  g_clear_pointer (&v, json_node_unref);
  v = rd_test_page_eval (chromium, t, "conf.close(0)", STEP_MS);
  g_clear_pointer (&v, json_node_unref);
  rd_test_daemon_free (t);

  /* the same room without it: the party's tone comes back */
  t = call_in (chromium, "off", 1200);
  g_clear_pointer (&js, g_free);
  js = g_strdup_printf ("(() => { const w = conf.describe()[1].dB1s;"
                        " return w['440'] && w['1200'] && +w['440'][0] >= %g &&"
                        " +w['1200'][0] >= +w['440'][0] - %g ? w : false; })()",
                        HEARD_DB, ECHO_OFF_MARGIN_DB);
  v = rd_test_page_wait (chromium, t, js, "conf.describe()", STEP_MS);
  g_clear_pointer (&figures, g_free);
  figures = json_to_string (v, FALSE);
  g_test_message ("echo-cancel=off, over the last second, [min, max] dBFS: %s", figures);
  g_clear_pointer (&v, json_node_unref);
  rd_test_daemon_free (t);
}

int
main (int argc, char **argv)
{
  if (!rd_test_enter_netns (&netns_skip_reason))
    g_printerr ("# skipping: %s\n", netns_skip_reason);
  g_test_init (&argc, &argv, NULL);
  rd_test_tolerate_third_party_race ();
  g_test_add_func ("/echo/browser", test_echo);
  return g_test_run ();
}
