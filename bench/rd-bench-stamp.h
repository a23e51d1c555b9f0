/* rd-bench-stamp.h: a wall-clock stamp drawn into I420 video frames and read back after the
 * frames went through encoders, networks and compositors, for glass-to-glass latency on one
 * machine (every process reads the same CLOCK_REALTIME).
 *
 * The stamp is the low @bits bits of the real-time clock in milliseconds, most significant bit
 * first, as @bits square cells of @cell pixels in a row from (@x, @y): white (luma 235) = 1,
 * black (16) = 0; a checked stamp has a second row below, each cell the first's opposite, and a
 * reading where the two rows do not agree is refused. The room's test camera draws an unchecked
 * one with 32 cells of 16 px at (0, 0) (media/rd-media-room-stamp.c). A tile of a composite is
 * a scaled picture: its cells are read at fractional sizes.
 *
 * Threading: any; no state. Frames are mapped by the caller. */
#pragma once

#include <gst/video/video.h>

G_BEGIN_DECLS

/* Draws the stamp of now into @frame (I420, mapped writable). Cells outside the frame are
 * left out. */
void rd_bench_stamp_draw (GstVideoFrame *frame, int x, int y, int cell, int bits, gboolean checked);

/* The milliseconds since the stamp in @frame (I420) at (@x, @y) with cells of @cell pixels was
 * drawn (modulo 2^@bits), or -1 when it is not a stamp: a cell neither clearly black nor
 * clearly white, or outside the frame, a checked stamp's rows that disagree, or an age beyond
 * @max_ms. */
double rd_bench_stamp_age_ms (GstVideoFrame *frame, double x, double y, double cell, int bits,
                              gboolean checked, double max_ms);

G_END_DECLS
