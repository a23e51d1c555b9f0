/* rd-bench-conference.h: the two halves of bench-conference. The parent (bench-conference.c)
 * runs the room and measures; each party is the same program run again as a child
 * (rd-bench-conference-party.c), talking to the parent over its stdin and stdout:
 *
 *   child -> parent: its offer, then a line "END"; parent -> child: the answer, then "END";
 *   then one request per line, one reply line each:
 *     "stats"          -> "<connection state> <video frames decoded> <audio buffers decoded>"
 *     "mute 0|1"       -> the monotonic time (us, the same clock in every process) the tone
 *                         was switched on or off
 *     "level HZ"       -> the level (0..1) of the tone HZ in what it decodes
 *     "g2g X Y CELL BITS N" -> the median age in ms of the wall-clock stamps (rd-bench-stamp.h)
 *                         read at (X, Y) with cells of CELL px and BITS bits in the next N
 *                         pictures it decodes (at most 5 s), or "nan" when none was readable.
 *
 * Every party sends a moving ball of its own colour, W x H at 30 fps, with a checked stamp of 16
 * cells of W/16 px along its top (rd_bench_party_stamp_cell), and a tone of 600 + 200 * index Hz.
 * Threading: each side's main thread. */
#pragma once

#include <stdio.h>

#include <glib.h>

G_BEGIN_DECLS

#define RD_BENCH_PARTY_STAMP_BITS 16

/* Runs party @index sending @width x @height; the process's exit status. */
int rd_bench_conference_party (int index, int width, int height);
/* Lines from @in up to one "END" line, or NULL at EOF. (transfer full) */
char *rd_bench_read_block (FILE *in);

/* The cell of a party's stamp for its picture @width px wide. */
static inline int
rd_bench_party_stamp_cell (int width)
{
  return width / RD_BENCH_PARTY_STAMP_BITS;
}

G_END_DECLS
