/* rd-bench-av-sync.h: a party's A/V sync in its recording, measured end to end: a test party
 * whose video flashes and audio beeps on one clock calls a real receptiond (@calls calls, one
 * after the other, a new party each, @seconds each, same session); each call's recorded files and
 * its own baseline (the party's sources through the same encoders, no WebRTC) are decoded and
 * offset = beep - flash measured (see rd-bench-av-sync.c). Prints the details as it goes.
 *
 * The caller has entered a network namespace of its own (rd_test_enter_netns), set
 * RD_TEST_BINDIR and called gst_init(). Main thread only; fails (g_error/g_assert) when the call
 * cannot be set up. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  double recorded_ms; /* the recording's offset (median of the call's first minute); NAN: none */
  double baseline_ms; /* the baseline's, the same way */
  double added_ms;    /* recorded - baseline: what WebRTC and the recorder add */
  double drift_ms;    /* recorded offset at the end - at the start */
  double start_ms;    /* the party's recording starts this long after its media is let in */
  double end_ms;      /* and ends this long before the party left (negative: after) */
} RdAvSyncCall;

/* The conference recording (conference-video and conference-audio: the composite picture and
 * the room's full mix), over all the calls: the room shows the grid, its own camera dark (the
 * test camera) and its microphone silent, so the party's flashes and beeps are all there is. */
typedef struct
{
  double recorded_ms; /* median offset of the flashes of the first WINDOW_S; NAN: none matched */
  double baseline_ms; /* the calls' baselines' median, for comparison */
  double added_ms;    /* recorded - baseline */
} RdAvSyncConference;

/* @broken_sr: the party keeps GStreamer 1.22's default RTCP SRs (unusable, see
 * capture_time_srs()); else it sends capture-time SRs, as a browser does. @out: @calls entries;
 * @conference (may be NULL) the conference recording's figures. */
void rd_av_sync_run (int calls, int seconds, gboolean broken_sr, RdAvSyncCall *out,
                     RdAvSyncConference *conference);
/* The median of a GArray of doubles (NAN when empty). */
double rd_av_sync_median (GArray *v);

G_END_DECLS
