/* rd-bench-av-sync-private.h: what rd-bench-av-sync*.c share: the source's timing and the
 * analysis of decoded files (rd-bench-av-sync-analyse.c). Main thread only. */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define PERIOD   (2 * GST_SECOND)
#define FLASH    (100 * GST_MSECOND)
#define WINDOW_S 60.0
#define RATE     48000
#define WIDTH    320
#define HEIGHT   240
#define RMS_ON   0.05 /* the tone is at 0.5; silence is 0 (opus noise well below) */
#define LUMA_ON  128.0
/* The conference picture: the party's picture is a third of it (the grid of the room's test
 * camera, a ball on black, and one party, each tile keeping its aspect ratio): a flash lifts its
 * mean from about 25 to about 100. */
#define CONFERENCE_LUMA_ON 50.0

typedef struct
{
  GArray *flashes, *beeps; /* onsets, seconds */
  gboolean lit, loud;
  double luma_on; /* a frame whose luma mean is above this is lit (LUMA_ON unless set) */
  double first;   /* the earliest frame of every file analysed, seconds (NAN: none) */
  double last;    /* the latest end of a frame (its time plus duration), seconds (NAN: none) */
} Onsets;

void rd_av_onsets_init (Onsets *o);
void rd_av_onsets_clear (Onsets *o);
/* Decodes @path to its end, adding its flash and beep onsets to @o. */
void rd_av_analyse_file (const char *path, Onsets *o);
/* Pairs each flash with the beep nearest to it (within half a period) and prints the figures
 * as @what. Returns the drift in ms (NAN when nothing matched); *@start_out the offset at
 * start. */
double rd_av_report (const char *what, Onsets *o, double *start_out);

G_END_DECLS
