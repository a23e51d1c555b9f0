/* test-media-mix.c: mix-minus (rd_room_acquire_mix): webrtcbin test parties (rd-test-peer.h),
 * each sending a tone of its own, call into one room whose microphone plays 440 Hz; what each
 * party hears is judged by the level of every tone in what it decodes. In a network namespace of
 * the test's own with only 127.0.0.1. */
#include "media/rd-media-peer.h"
#include "tests/rd-test-netns.h"
#include "tests/rd-test-peer.h"
#include "tests/rd-test-wait.h"

#include <gst/gst.h>

static const char config_text[] = "[media]\ncamera=test\nmicrophone=test\ndisplay=none\n"
                                  "speakers=none\n[network]\nice-addresses=127.0.0.1\n";

#define ROOM_HZ 440.0 /* the test microphone's tone */
/* A tone sent at volume 0.3 arrives near 0.3; one not in the mix is at Opus's noise floor. */
#define HEARD   0.1
#define UNHEARD 0.02

typedef struct
{
  RdTestPeer *tp;
  RdPeer *peer;
  double hz;
  gboolean answered, verified;
  char *answer;
  GError *error;
} Party;

typedef struct
{
  RdConfig *config;
  RdRoom *room;
  Party parties[4];
} Fixture;

static void
setup (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->config = rd_config_load_data (config_text, "test.conf", &error);
  g_assert_no_error (error);
  f->room = rd_room_new (f->config, &error);
  g_assert_no_error (error);
  g_assert_true (rd_room_start (f->room, &error));
}

static void
party_clear (Party *p)
{
  if (p->peer)
    rd_peer_close (p->peer, "test over");
  g_clear_object (&p->peer);
  g_clear_pointer (&p->tp, rd_test_peer_free);
  g_clear_pointer (&p->answer, g_free);
  g_clear_error (&p->error);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  for (guint i = 0; i < G_N_ELEMENTS (f->parties); i++)
    party_clear (&f->parties[i]);
  rd_room_stop (f->room);
  g_clear_object (&f->room);
  g_clear_pointer (&f->config, rd_config_unref);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static void
on_answer (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Party *p = user_data;

  p->answer = rd_peer_answer_finish (RD_PEER (source), result, &p->error);
  p->answered = TRUE;
}

static void
on_verified (RdPeer *peer, const char *fingerprint, Party *p)
{
  p->verified = TRUE;
}

/* Party @name calls in sending audio only, a tone of @hz, and is verified. */
static void
call_in (Fixture *f, Party *p, const char *name, double hz)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *source =
      g_strdup_printf ("audiotestsrc is-live=true freq=%.0f volume=0.3 samplesperbuffer=480", hz);
  g_autofree char *offer = NULL;

  p->hz = hz;
  p->tp = rd_test_peer_new_with_sources (RD_TEST_PEER_SENDRECV, "none", NULL, source, &error);
  g_assert_no_error (error);
  offer = rd_test_peer_create_offer (p->tp, &error);
  g_assert_no_error (error);
  p->peer = rd_peer_new (f->room, f->config, name, &error);
  g_assert_no_error (error);
  g_signal_connect (p->peer, "verified", G_CALLBACK (on_verified), p);
  rd_peer_answer_async (p->peer, offer, NULL, on_answer, p);
  WAIT_FOR (p->answered, 10, "%s: no answer", name);
  g_assert_no_error (p->error);
  g_assert_true (rd_test_peer_set_answer (p->tp, p->answer, &error));
  g_assert_no_error (error);
  WAIT_FOR (p->verified, 10, "%s: state %s, test peer %s", name,
            rd_peer_state_to_string (rd_peer_get_state (p->peer)),
            rd_test_peer_get_connection_state (p->tp));
}

/* What @p hears now, for messages: "440 Hz 0.29, 700 Hz 0.00, ...". (transfer full) */
static char *
heard (Fixture *f, Party *p)
{
  GString *s = g_string_new (NULL);

  g_string_append_printf (s, "%s hears %.0f Hz %.3f", rd_peer_get_id (p->peer), ROOM_HZ,
                          rd_test_peer_get_tone_level (p->tp, ROOM_HZ));
  for (guint i = 0; i < G_N_ELEMENTS (f->parties); i++)
    if (f->parties[i].tp)
      g_string_append_printf (s, ", %.0f Hz %.3f", f->parties[i].hz,
                              rd_test_peer_get_tone_level (p->tp, f->parties[i].hz));
  return g_string_free (s, FALSE);
}

/* TRUE when @listener hears the room and every party in @present but itself, and no party
 * outside @present, itself included. */
static gboolean
hears_right (Fixture *f, Party *listener, guint present)
{
  if (rd_test_peer_get_tone_level (listener->tp, ROOM_HZ) < HEARD)
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (f->parties); i++)
    {
      Party *p = &f->parties[i];
      double level;

      if (!p->tp)
        continue;
      level = rd_test_peer_get_tone_level (listener->tp, p->hz);
      if ((p != listener && (present & (1u << i))) ? level < HEARD : level > UNHEARD)
        return FALSE;
    }
  return TRUE;
}

/* Waits until every party in @present hears the room and the others of @present, never
 * itself; returns how long that took (s). */
static double
wait_all_hear_right (Fixture *f, guint present, double timeout_s)
{
  gint64 start = g_get_monotonic_time ();

  for (guint i = 0; i < G_N_ELEMENTS (f->parties); i++)
    {
      Party *p = &f->parties[i];
      g_autofree char *seen = NULL;

      if (!(present & (1u << i)))
        continue;
      WAIT_FOR (hears_right (f, p, present),
                MAX (0.1, timeout_s - (g_get_monotonic_time () - start) / 1e6), "%s",
                (g_free (seen), seen = heard (f, p)));
    }
  return (g_get_monotonic_time () - start) / 1e6;
}

static void
wait_s (double s)
{
  gint64 end = g_get_monotonic_time () + (gint64)(s * G_TIME_SPAN_SECOND);

  WAIT_FOR (g_get_monotonic_time () >= end, s + 1, "the clock");
}

/* For @seconds, every 50 ms: each party in @present hears every tone it should at STEADY or
 * more (a tenth of a second with a gap of 30 ms or more is below), and none it should not. */
#define STEADY 0.2
static void
assert_steady (Fixture *f, guint present, double seconds)
{
  for (int k = 0; k < seconds * 20; k++)
    {
      wait_s (0.05);
      for (guint i = 0; i < G_N_ELEMENTS (f->parties); i++)
        {
          Party *listener = &f->parties[i];
          gboolean ok;

          if (!(present & (1u << i)))
            continue;
          ok = rd_test_peer_get_tone_level (listener->tp, ROOM_HZ) >= STEADY;
          for (guint j = 0; j < G_N_ELEMENTS (f->parties); j++)
            if (f->parties[j].tp)
              {
                double level = rd_test_peer_get_tone_level (listener->tp, f->parties[j].hz);
                ok &= (i != j && (present & (1u << j))) ? level >= STEADY : level <= UNHEARD;
              }
          if (!ok)
            {
              g_autofree char *seen = heard (f, listener);
              g_error ("%.2f s into the steady part: %s", k / 20.0, seen);
            }
        }
    }
}

static void
test_three_parties (Fixture *f, gconstpointer data)
{
  static const char *names[] = { "board", "agency", "citizen" };
  static const double hz[] = { 700, 1100, 1700 };
  double took;

  for (guint i = 0; i < 3; i++)
    call_in (f, &f->parties[i], names[i], hz[i]);
  took = wait_all_hear_right (f, 0x7, 15);
  g_test_message ("all three hear the room and the two others, not themselves, %.2f s after the "
                  "third was verified",
                  took);
  /* after a second to settle (joins shift the mixes' latency), two seconds without a gap */
  wait_s (1.0);
  assert_steady (f, 0x7, 2.0);
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *seen = heard (f, &f->parties[i]);
      g_test_message ("%s", seen);
      /* the microphone and the two others */
      g_assert_cmpuint (rd_room_get_mix_inputs (f->room, names[i]), ==, 3);
    }
}

static void
test_leave_and_late_join (Fixture *f, gconstpointer data)
{
  static const char *names[] = { "board", "agency", "citizen", "late" };
  static const double hz[] = { 700, 1100, 1700, 2300 };
  g_autoptr (GstBin) pipeline = GST_BIN (gst_object_ref (rd_room_get_pipeline (f->room)));
  guint children_before = pipeline->numchildren;
  double took;

  for (guint i = 0; i < 3; i++)
    call_in (f, &f->parties[i], names[i], hz[i]);
  wait_all_hear_right (f, 0x7, 15);
  /* the citizen leaves: the others stop hearing it, within a second */
  rd_peer_close (f->parties[2].peer, "left");
  took = wait_all_hear_right (f, 0x3, 1.0);
  g_test_message ("a party's tone gone from the others' mixes %.2f s after it left", took);
  g_assert_cmpuint (rd_room_get_mix_inputs (f->room, "board"), ==, 2);
  g_assert_cmpuint (rd_room_get_mix_inputs (f->room, "citizen"), ==, 0);
  party_clear (&f->parties[2]);
  /* the two left go on without a gap */
  assert_steady (f, 0x3, 1.0);
  /* a late party is heard by the others, and hears them, within a second */
  call_in (f, &f->parties[3], names[3], hz[3]);
  took = wait_all_hear_right (f, 0xb, 1.0);
  g_test_message ("a late party heard by the others %.2f s after it was verified", took);
  wait_s (1.0);
  assert_steady (f, 0xb, 1.0);
  for (guint i = 0; i < G_N_ELEMENTS (f->parties); i++)
    party_clear (&f->parties[i]);
  /* every mix and branch went with its party */
  g_assert_cmpuint (pipeline->numchildren, ==, children_before);
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
      g_test_add_func ("/media/mix/skipped", test_skipped);
      return g_test_run ();
    }
  g_test_add ("/media/mix/three-parties", Fixture, NULL, setup, test_three_parties, teardown);
  g_test_add ("/media/mix/leave-and-late-join", Fixture, NULL, setup, test_leave_and_late_join,
              teardown);
  ret = g_test_run ();
  gst_deinit ();
  return ret;
}
