/* test-av-sync.c: a remote party's audio and video line up in its recording.
 *
 * Three short calls, one after the other, of a test party whose video flashes and audio beeps on
 * one clock (RTCP SRs in capture time, as a browser sends them) into the real receptiond; each
 * call's recorded files are decoded and offset = beep - flash compared with the same party's
 * own baseline (its sources through the same encoders, no WebRTC). Before lip-sync waited for
 * the SRs, the offset was whatever the packets' arrival made it: -64 to +58 ms off in five calls
 * (bench-av-sync); now mostly within a few ms, once -18 ms in 13 calls. So: the calls' median
 * within 20 ms, and every call within 40 ms (the recording's A/V sync targets). A call's offset is
 * the median of its flashes: in about a third of calls the first 2 to 6 s are up to ~120 ms off
 * while rtpbin's estimates settle (one ASan run of 10 s calls failed on that: +46.5 ms), so calls
 * are 20 s. The party's recording must also cover the whole call: start when its media is let in
 * (its verification; it started up to 2 s later while lip-sync was awaited) and end when it
 * leaves (bench-av-sync, 20 calls: within 8 ms at the start, a median 26 ms past the end).
 * The same calls are in the conference recording (the room shows the grid, dark and silent
 * itself): its composite picture and full mix are analysed the same way, over all the calls. */
#include <gst/gst.h>
#include <math.h>

#include "bench/rd-bench-av-sync.h"
#include "tests/rd-test-netns.h"

#define CALLS         3
#define SECONDS       20    /* the first seconds can be off while rtpbin settles */
#define MAX_MEDIAN_MS 20.0  /* the calls' median offset added to the baselines' */
#define MAX_ADDED_MS  40.0  /* any call's */
#define MAX_START_MS  500.0 /* after the verification: a hole at the start */
#define MAX_END_MS    500.0 /* before the party left: a hole at the end */
/* The conference recording (composite picture, full mix) against the calls' baselines: the
 * recorded mix puts a party's audio on the timeline its picture is composited on (by arrival it
 * would be 25 to 58 ms late on a loaded machine). Held to the calls' target of 40 ms (measured
 * +4 to +19 ms in the dev build, in CI too); under AddressSanitizer the composite encoder skips
 * pictures and single flashes scatter by up to ~160 ms (+47 ms once), so there the bound only
 * catches the recording coming apart. */
#if defined(__SANITIZE_ADDRESS__)
#define MAX_CONFERENCE_MS 100.0
#else
#define MAX_CONFERENCE_MS MAX_ADDED_MS
#endif

static void
test_calls_in_sync (void)
{
  g_autofree char *why = NULL;
  RdAvSyncCall out[CALLS];
  RdAvSyncConference conference;
  g_autoptr (GArray) added = g_array_new (FALSE, FALSE, sizeof (double));
  double m;

  if (!rd_test_enter_netns (&why))
    {
      g_test_skip (why);
      return;
    }
  gst_init (NULL, NULL);
  rd_av_sync_run (CALLS, SECONDS, FALSE, out, &conference);
  for (int i = 0; i < CALLS; i++)
    {
      if (isnan (out[i].added_ms) || fabs (out[i].added_ms) > MAX_ADDED_MS)
        g_error ("call %d: the recording's A/V offset is %+.1f ms, its baseline's %+.1f ms: "
                 "%+.1f ms added (at most %.0f allowed)",
                 i + 1, out[i].recorded_ms, out[i].baseline_ms, out[i].added_ms, MAX_ADDED_MS);
      if (isnan (out[i].start_ms) || out[i].start_ms > MAX_START_MS)
        g_error ("call %d: the party's recording starts %.0f ms after its media is let in (at "
                 "most %.0f allowed)",
                 i + 1, out[i].start_ms, MAX_START_MS);
      if (isnan (out[i].end_ms) || out[i].end_ms > MAX_END_MS)
        g_error ("call %d: the party's recording ends %.0f ms before it left (at most %.0f "
                 "allowed)",
                 i + 1, out[i].end_ms, MAX_END_MS);
      g_array_append_val (added, out[i].added_ms);
    }
  g_test_message ("the conference recording's A/V offset %+.1f ms, %+.1f ms added to the calls' "
                  "baselines",
                  conference.recorded_ms, conference.added_ms);
  if (isnan (conference.added_ms) || fabs (conference.added_ms) > MAX_CONFERENCE_MS)
    g_error ("the conference recording's A/V offset is %+.1f ms, the calls' baselines' %+.1f ms: "
             "%+.1f ms added (at most %.0f allowed)",
             conference.recorded_ms, conference.baseline_ms, conference.added_ms,
             MAX_CONFERENCE_MS);
  m = rd_av_sync_median (added);
  if (fabs (m) > MAX_MEDIAN_MS)
    g_error ("the calls' recordings add a median %+.1f ms to their baselines' A/V offsets (at most "
             "%.0f allowed)",
             m, MAX_MEDIAN_MS);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  rd_test_tolerate_third_party_race ();
  g_test_add_func ("/av-sync/calls-in-sync", test_calls_in_sync);
  return g_test_run ();
}
