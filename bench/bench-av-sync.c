/* bench-av-sync.c: A/V sync of a party's recording (targets: drift < 40 ms over a long call; each
 * call's offset within +-20 ms of its baseline). The measurement is rd-bench-av-sync.h's.
 *
 * One call (default, 600 s): its offsets at start and end and the drift. --calls N: N calls, each
 * recorded for --seconds S; each call's offset against its own baseline, then the medians and the
 * worst, and when each party's recording starts. The per-call offset is what lip-sync (RTCP SR)
 * decides; the drift is a long call's. --broken-sr: the party sends GStreamer 1.22's default SRs,
 * which no receiver can use (what receptiond then records: timed by arrival).
 *
 * usage: bench-av-sync [--calls N] [--seconds S] [--broken-sr] [--keep]
 * (RD_AV_SYNC_EACH=1 in the environment prints every flash with its beep, here and in test-av-sync)
 * (root: it makes a network namespace) */
#include <gst/gst.h>
#include <math.h>
#include <stdio.h>

#include "bench/rd-bench-av-sync.h"
#include "tests/rd-test-netns.h"

int
main (int argc, char **argv)
{
  gint seconds = 600, calls = 1;
  gboolean keep = FALSE, broken_sr = FALSE;
  GOptionEntry entries[] = {
    { "seconds", 0, 0, G_OPTION_ARG_INT, &seconds, "how long each call is recorded (600)", "S" },
    { "calls", 0, 0, G_OPTION_ARG_INT, &calls, "how many calls, one after the other (1)", "N" },
    { "keep", 0, 0, G_OPTION_ARG_NONE, &keep, "keep the state dir and the baseline files", NULL },
    { "broken-sr", 0, 0, G_OPTION_ARG_NONE, &broken_sr,
      "the party sends GStreamer 1.22's default RTCP SRs, which are unusable", NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("- A/V sync of a recorded party");
  g_autoptr (GError) error = NULL;
  g_autofree char *why = NULL;
  g_autoptr (GArray) rec_offsets = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) base_offsets = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) added = g_array_new (FALSE, FALSE, sizeof (double));
  RdAvSyncConference conference;
  g_autoptr (GArray) starts = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) ends = g_array_new (FALSE, FALSE, sizeof (double));
  double worst_edge = 0;
  guint edges = 0;
  g_autofree RdAvSyncCall *out = NULL;
  double worst_added = 0;
  guint measured = 0;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 64;
    }
  if (calls < 1 || seconds < 4)
    {
      g_printerr ("--calls must be at least 1 and --seconds at least 4\n");
      return 64;
    }
  if (!rd_test_enter_netns (&why))
    {
      g_printerr ("bench-av-sync: %s\n", why);
      return 77;
    }
  g_setenv ("RD_TEST_BINDIR", RD_BENCH_BINDIR, TRUE);
  if (keep)
    g_setenv ("RD_TEST_KEEP", "1", TRUE);
  gst_init (&argc, &argv);

  out = g_new0 (RdAvSyncCall, calls);
  rd_av_sync_run (calls, seconds, broken_sr, out, &conference);
  for (int i = 0; i < calls; i++)
    {
      if (!isnan (out[i].start_ms))
        g_array_append_val (starts, out[i].start_ms);
      if (!isnan (out[i].end_ms))
        g_array_append_val (ends, out[i].end_ms);
      if (!isnan (out[i].start_ms) && !isnan (out[i].end_ms))
        {
          /* a hole at either edge: starting late or ending early (the other way is no hole) */
          worst_edge = MAX (worst_edge, MAX (out[i].start_ms, out[i].end_ms));
          edges++;
        }
      if (isnan (out[i].added_ms))
        continue;
      g_array_append_val (rec_offsets, out[i].recorded_ms);
      g_array_append_val (base_offsets, out[i].baseline_ms);
      g_array_append_val (added, out[i].added_ms);
      worst_added = MAX (worst_added, fabs (out[i].added_ms));
      measured++;
    }
  printf ("%u of %d calls measured: offset median recorded %+.1f ms, baseline %+.1f ms, added "
          "%+.1f ms; worst |added| %.1f ms; a party's recording starts a median %.0f ms after its "
          "media is let in\n",
          measured, calls, rd_av_sync_median (rec_offsets), rd_av_sync_median (base_offsets),
          rd_av_sync_median (added), worst_added, rd_av_sync_median (starts));
  printf ("a party's recording ends a median %.0f ms before it left; the worst edge (a start "
          "after its verification or an end before its leaving) %.0f ms\n",
          rd_av_sync_median (ends), worst_edge);
  printf ("the conference recording (composite and full mix): offset %+.1f ms, the calls' "
          "baselines %+.1f ms, added %+.1f ms\n",
          conference.recorded_ms, conference.baseline_ms, conference.added_ms);
  printf ("target every party's tracks cover its verified time within 100 ms at both ends: %s\n",
          edges < (guint)calls ? "NOT MEASURED"
          : worst_edge <= 100  ? "met"
                               : "NOT MET");
  printf ("target every call within +-20 ms of its baseline: %s\n",
          measured < (guint)calls ? "NOT MEASURED"
          : worst_added <= 20     ? "met"
                                  : "NOT MET");
  if (calls == 1)
    printf ("target drift < 40 ms: %+.1f ms: %s\n", out[0].drift_ms,
            isnan (out[0].drift_ms)       ? "NOT MEASURED"
            : fabs (out[0].drift_ms) < 40 ? "met"
                                          : "NOT MET");
  return measured == (guint)calls ? 0 : 1;
}
