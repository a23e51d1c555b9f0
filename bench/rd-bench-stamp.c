/* rd-bench-stamp.c: see rd-bench-stamp.h. */
#include "bench/rd-bench-stamp.h"

#include <string.h>

#define WHITE 235
#define BLACK 16

static guint32
mask_of (int bits)
{
  return bits >= 32 ? G_MAXUINT32 : (1u << bits) - 1;
}

static void
fill (GstVideoFrame *frame, guint plane, int x, int y, int w, int h, guint8 value)
{
  guint8 *data = GST_VIDEO_FRAME_PLANE_DATA (frame, plane);
  int stride = GST_VIDEO_FRAME_PLANE_STRIDE (frame, plane);

  for (int row = y; row < y + h; row++)
    memset (data + (gsize)row * stride + x, value, w);
}

void
rd_bench_stamp_draw (GstVideoFrame *frame, int x, int y, int cell, int bits, gboolean checked)
{
  guint32 ms = (guint32)((guint64)g_get_real_time () / 1000) & mask_of (bits);
  int width = GST_VIDEO_FRAME_WIDTH (frame), height = GST_VIDEO_FRAME_HEIGHT (frame);

  /* even positions and sizes: the chroma planes are half the size */
  x &= ~1, y &= ~1, cell &= ~1;
  if (cell <= 0 || y + (checked ? 2 : 1) * cell > height)
    return;
  for (int row = 0; row < (checked ? 2 : 1); row++)
    for (int i = 0; i < bits && x + (i + 1) * cell <= width; i++)
      {
        gboolean bit = ((ms >> (bits - 1 - i)) & 1) != (row == 1);
        int cy = y + row * cell;

        fill (frame, 0, x + i * cell, cy, cell, cell, bit ? WHITE : BLACK);
        fill (frame, 1, (x + i * cell) / 2, cy / 2, cell / 2, cell / 2, 128);
        fill (frame, 2, (x + i * cell) / 2, cy / 2, cell / 2, cell / 2, 128);
      }
}

/* The mean luma of the 2x2 pixels around (@x, @y), or -1 outside the frame. */
static int
luma_at (GstVideoFrame *frame, double x, double y)
{
  const guint8 *data = GST_VIDEO_FRAME_PLANE_DATA (frame, 0);
  int stride = GST_VIDEO_FRAME_PLANE_STRIDE (frame, 0);
  int px = (int)x, py = (int)y;

  if (px < 0 || py < 0 || px + 1 >= GST_VIDEO_FRAME_WIDTH (frame) ||
      py + 1 >= GST_VIDEO_FRAME_HEIGHT (frame))
    return -1;
  return (data[py * stride + px] + data[py * stride + px + 1] + data[(py + 1) * stride + px] +
          data[(py + 1) * stride + px + 1]) /
         4;
}

/* The bit of the cell at (@x, @y), or -1 when it is neither clearly black nor white. */
static int
bit_at (GstVideoFrame *frame, double x, double y)
{
  int luma = luma_at (frame, x, y);

  if (luma < 0 || (luma > BLACK + 64 && luma < WHITE - 64))
    return -1;
  return luma >= (BLACK + WHITE) / 2;
}

double
rd_bench_stamp_age_ms (GstVideoFrame *frame, double x, double y, double cell, int bits,
                       gboolean checked, double max_ms)
{
  guint32 mask = mask_of (bits), now, v = 0, age;

  for (int i = 0; i < bits; i++)
    {
      double cx = x + (i + 0.5) * cell - 0.5;
      int bit = bit_at (frame, cx, y + 0.5 * cell - 0.5);

      if (bit < 0 || (checked && bit_at (frame, cx, y + 1.5 * cell - 0.5) != !bit))
        return -1;
      v = (v << 1) | (guint32)bit;
    }
  now = (guint32)((guint64)g_get_real_time () / 1000) & mask;
  age = (now - v) & mask;
  return age > max_ms ? -1.0 : (double)age;
}
