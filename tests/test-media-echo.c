/* test-media-echo.c: the room's echo cancellation ([media] echo-cancel, rd-media-voice.h) with a
 * simulated room. The speakers and the microphone are pipelines ([media] speakers=pipeline:,
 * microphone=pipeline:): what the speakers play goes through the room's "air" (an inter-audio
 * channel) and comes back into the microphone at -6 dB, mixed with the near end's voice, a
 * 660 Hz tone. A webrtcbin test party (rd-test-peer.h) sends 1000 Hz: with echo cancellation the
 * party hears the near end and not its own tone coming back (at least 25 dB below where it is
 * without); with echo-cancel=off the same room sends the echo back (so the test can fail). In a
 * network namespace of the test's own with only 127.0.0.1. */
#include "media/rd-media-peer.h"
#include "media/rd-media-room.h"
#include "tests/rd-test-call.h"
#include "tests/rd-test-netns.h"
#include "tests/rd-test-peer.h"
#include "tests/rd-test-wait.h"

#include <math.h>

#include <gst/gst.h>

#define PARTY_HZ 1000.0
#define NEAR_HZ  660.0
/* The echo without cancellation: the party's 0.3 at -6 dB against the near end's 0.3, about
 * -6 dB; with it, at least 25 dB lower. */
#define ECHO_OFF_DB (-12.0)
#define ECHO_ON_DB  (-6.0 - 25.0)

/* noise-suppression and gain-control off: a steady tone is what a noise suppressor removes,
 * and the levels are the test's measure */
#define ROOM_CONFIG                                                                                \
  "[media]\ncamera=test\ndisplay=none\nnoise-suppression=off\ngain-control=off\n"                  \
  "speakers=pipeline:interaudiosink channel=rd-test-air\n"                                         \
  "microphone=pipeline:audiomixer name=air "                                                       \
  "interaudiosrc channel=rd-test-air ! audioconvert ! volume volume=0.5 ! air. "                   \
  "audiotestsrc is-live=true freq=660 volume=0.3 samplesperbuffer=480 ! air.\n"
#define NETWORK_CONFIG "[network]\nice-addresses=127.0.0.1\n"

typedef struct
{
  RdConfig *config;
  RdRoom *room;
  RdTestPeer *tp;
  RdPeer *peer;
} Fixture;

static void
setup (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *text =
      g_strdup_printf ("%s%s%s", ROOM_CONFIG, (const char *)data, NETWORK_CONFIG);

  f->config = rd_config_load_data (text, "test.conf", &error);
  g_assert_no_error (error);
  f->room = rd_room_new (f->config, &error);
  g_assert_no_error (error);
  g_assert_true (rd_room_start (f->room, &error));
}

static void
teardown (Fixture *f, gconstpointer data)
{
  if (f->peer)
    rd_peer_close (f->peer, "test over");
  g_clear_object (&f->peer);
  g_clear_pointer (&f->tp, rd_test_peer_free);
  rd_room_stop (f->room);
  g_clear_object (&f->room);
  g_clear_pointer (&f->config, rd_config_unref);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static void
call_in (Fixture *f)
{
  g_autoptr (GError) error = NULL;

  f->tp = rd_test_peer_new_with_sources (
      RD_TEST_PEER_SENDRECV, "none", NULL,
      "audiotestsrc is-live=true freq=1000 volume=0.3 samplesperbuffer=480", &error);
  g_assert_no_error (error);
  f->peer = rd_test_call_in_test_peer (f->room, f->config, "board", f->tp);
}

/* The party's own tone in what it hears, in dB against the near end's voice. */
static double
echo_db (Fixture *f, double *near)
{
  double own = rd_test_peer_get_tone_level (f->tp, PARTY_HZ);

  *near = rd_test_peer_get_tone_level (f->tp, NEAR_HZ);
  return 20.0 * log10 (MAX (own, 1e-6) / MAX (*near, 1e-6));
}

static gboolean
tick (gpointer data)
{
  *(gboolean *)data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Waits until the echo has been at or under @max_db (or, with @above, at or over it) for a whole
 * second, within @timeout_s; fails naming the levels seen. */
static void
wait_echo (Fixture *f, double limit_db, gboolean above, int timeout_s)
{
  gint64 deadline = g_get_monotonic_time () + timeout_s * G_USEC_PER_SEC, since = -1;
  double db = 0, near = 0, best = above ? -200 : 200;

  while (g_get_monotonic_time () < deadline)
    {
      db = echo_db (f, &near);
      if (near < 0 || (above ? db < limit_db : db > limit_db))
        since = -1;
      else if (since < 0)
        since = g_get_monotonic_time ();
      else if (g_get_monotonic_time () - since >= G_USEC_PER_SEC)
        {
          g_test_message ("echo %.1f dB against the near end (%.3f)", db, near);
          return;
        }
      if (near >= 0)
        best = above ? MAX (best, db) : MIN (best, db);
      /* the levels are sampled every 10 ms; the main context runs in between */
      gboolean ticked = FALSE;
      g_timeout_add (10, tick, &ticked);
      while (!ticked)
        g_main_context_iteration (NULL, TRUE);
    }
  g_error ("the party's echo was %s %.1f dB for a second within %d s: last %.1f dB (near end "
           "%.3f), %s %.1f dB",
           above ? "never above" : "never below", limit_db, timeout_s, db, near,
           above ? "highest" : "lowest", best);
}

static void
test_cancelled (Fixture *f, gconstpointer data)
{
  RdRoomVoiceState v;
  double near;

  call_in (f);
  /* ERLE is reached within 2 s of speech (bench-echo); the party's audio takes its own seconds
   * to arrive and settle */
  wait_echo (f, ECHO_ON_DB, FALSE, 15);
  echo_db (f, &near);
  g_assert_cmpfloat (near, >, 0.1); /* the near end is heard, not cancelled with the echo */
  rd_room_get_voice_state (f->room, &v);
  g_assert_true (v.processing);
  g_assert_true (v.echo_cancel);
  g_assert_false (v.gain_control);
  g_assert_cmpint (v.noise_suppression, ==, RD_NOISE_SUPPRESSION_OFF);
  g_assert_cmpint (v.echo_delay_ms, >=, 0);
}

static void
test_not_cancelled (Fixture *f, gconstpointer data)
{
  RdRoomVoiceState v;

  call_in (f);
  wait_echo (f, ECHO_OFF_DB, TRUE, 15);
  rd_room_get_voice_state (f->room, &v);
  g_assert_true (v.processing);
  g_assert_false (v.echo_cancel);
  g_assert_cmpint (v.echo_delay_ms, ==, -1);
}

static char *why;

static void
test_skipped (void)
{
  g_test_skip (why);
}

int
main (int argc, char **argv)
{
  gboolean in_netns = rd_test_enter_netns (&why);
  int ret;

  g_test_init (&argc, &argv, NULL);
  rd_test_tolerate_third_party_race ();
  gst_init (NULL, NULL);
  if (!in_netns)
    {
      g_test_add_func ("/media/echo/skipped", test_skipped);
      return g_test_run ();
    }
  g_test_add ("/media/echo/cancelled", Fixture, "echo-cancel=on\n", setup, test_cancelled,
              teardown);
  g_test_add ("/media/echo/off-echoes", Fixture, "echo-cancel=off\n", setup, test_not_cancelled,
              teardown);
  ret = g_test_run ();
  gst_deinit ();
  return ret;
}
