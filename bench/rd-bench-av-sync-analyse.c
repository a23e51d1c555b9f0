/* rd-bench-av-sync-analyse.c: decodes a recorded or baseline file and finds its flashes (the
 * first frame whose luma mean crosses mid-grey) and beeps (the first 1 ms window whose RMS
 * crosses a threshold); pairs them into offsets. See rd-bench-av-sync.c. */
#include "bench/rd-bench-av-sync-private.h"
#include "bench/rd-bench-av-sync.h"

#include <math.h>
#include <stdio.h>

/* A frame at @t (seconds) that lasts @duration (NONE: taken as 0). */
static void
note_span (Onsets *o, double t, GstClockTime duration)
{
  double end = t + (GST_CLOCK_TIME_IS_VALID (duration) ? duration / 1e9 : 0);

  if (isnan (o->first) || t < o->first)
    o->first = t;
  if (isnan (o->last) || end > o->last)
    o->last = end;
}

static void
on_video (GstElement *sink, GstBuffer *buffer, GstPad *pad, gpointer data)
{
  Onsets *o = data;
  GstMapInfo map;
  double sum = 0, mean;
  double t = GST_BUFFER_PTS (buffer) / 1e9;

  note_span (o, t, GST_BUFFER_DURATION (buffer));
  if (!gst_buffer_map (buffer, &map, GST_MAP_READ))
    return;
  for (gsize i = 0; i < map.size; i++)
    sum += map.data[i];
  mean = map.size ? sum / map.size : 0;
  gst_buffer_unmap (buffer, &map);
  if (mean > o->luma_on && !o->lit)
    g_array_append_val (o->flashes, t);
  o->lit = mean > o->luma_on;
}

static void
on_audio (GstElement *sink, GstBuffer *buffer, GstPad *pad, gpointer data)
{
  Onsets *o = data;
  GstMapInfo map;
  const gsize win = RATE / 1000;

  note_span (o, GST_BUFFER_PTS (buffer) / 1e9, GST_BUFFER_DURATION (buffer));
  if (!gst_buffer_map (buffer, &map, GST_MAP_READ))
    return;
  {
    const float *s = (const float *)map.data;
    gsize n = map.size / sizeof (float);

    for (gsize i = 0; i + win <= n; i += win)
      {
        double e = 0, rms;

        for (gsize k = 0; k < win; k++)
          e += (double)s[i + k] * s[i + k];
        rms = sqrt (e / win);
        if (rms > RMS_ON && !o->loud)
          {
            double t = GST_BUFFER_PTS (buffer) / 1e9 + (double)i / RATE;
            g_array_append_val (o->beeps, t);
          }
        o->loud = rms > RMS_ON;
      }
  }
  gst_buffer_unmap (buffer, &map);
}

static void
on_decoded_pad (GstElement *decodebin, GstPad *pad, gpointer data)
{
  GstElement *pipeline = GST_ELEMENT (gst_element_get_parent (decodebin));
  g_autoptr (GstCaps) caps = gst_pad_get_current_caps (pad);
  const char *name = gst_structure_get_name (gst_caps_get_structure (caps, 0));
  gboolean video = g_str_has_prefix (name, "video/");
  GstElement *conv = gst_element_factory_make (video ? "videoconvert" : "audioconvert", NULL);
  GstElement *filter = gst_element_factory_make ("capsfilter", NULL);
  GstElement *sink = gst_element_factory_make ("fakesink", NULL);
  g_autoptr (GstCaps) want = gst_caps_from_string (video ? "video/x-raw,format=GRAY8"
                                                         : "audio/x-raw,format=F32LE,channels=1");
  g_autoptr (GstPad) conv_sink = NULL;

  g_object_set (filter, "caps", want, NULL);
  g_object_set (sink, "sync", FALSE, "signal-handoffs", TRUE, NULL);
  g_signal_connect (sink, "handoff", G_CALLBACK (video ? on_video : on_audio), data);
  gst_bin_add_many (GST_BIN (pipeline), conv, filter, sink, NULL);
  gst_element_link_many (conv, filter, sink, NULL);
  conv_sink = gst_element_get_static_pad (conv, "sink");
  gst_pad_link (pad, conv_sink);
  gst_element_sync_state_with_parent (sink);
  gst_element_sync_state_with_parent (filter);
  gst_element_sync_state_with_parent (conv);
  gst_object_unref (pipeline);
}

/* Decodes @path to its end, adding its flash and beep onsets to @o. */
void
rd_av_analyse_file (const char *path, Onsets *o)
{
  g_autoptr (GstElement) pipeline = gst_pipeline_new (NULL);
  GstElement *src = gst_element_factory_make ("filesrc", NULL);
  GstElement *decode = gst_element_factory_make ("decodebin", NULL);
  g_autoptr (GstBus) bus = gst_element_get_bus (pipeline);
  g_autoptr (GstMessage) msg = NULL;

  g_object_set (src, "location", path, NULL);
  gst_bin_add_many (GST_BIN (pipeline), src, decode, NULL);
  gst_element_link (src, decode);
  g_signal_connect (decode, "pad-added", G_CALLBACK (on_decoded_pad), o);
  o->lit = o->loud = FALSE;
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (bus, 600 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  if (!msg || GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR)
    {
      g_autoptr (GError) err = NULL;
      if (msg)
        gst_message_parse_error (msg, &err, NULL);
      g_printerr ("cannot decode %s: %s\n", path, err ? err->message : "timed out");
    }
  gst_element_set_state (pipeline, GST_STATE_NULL);
}

static int
compare_double (gconstpointer a, gconstpointer b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

double
rd_av_sync_median (GArray *v)
{
  g_autoptr (GArray) c = g_array_copy (v);

  if (c->len == 0)
    return NAN;
  g_array_sort (c, compare_double);
  return c->len % 2
             ? g_array_index (c, double, c->len / 2)
             : (g_array_index (c, double, c->len / 2 - 1) + g_array_index (c, double, c->len / 2)) /
                   2;
}

/* Pairs each flash with the beep nearest to it (within half a period) and prints the figures.
 * Returns the drift in ms (NAN when nothing matched); *@start_out the offset at start. */
double
rd_av_report (const char *what, Onsets *o, double *start_out)
{
  g_autoptr (GArray) at = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) off = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) first = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) last = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) abs_off = g_array_new (FALSE, FALSE, sizeof (double));
  double max_abs = 0, max_at = 0, start, end, t0, t1;
  guint over = 0;

  g_array_sort (o->flashes, compare_double);
  g_array_sort (o->beeps, compare_double);
  for (guint i = 0; i < o->flashes->len; i++)
    {
      double f = g_array_index (o->flashes, double, i), best = NAN;

      for (guint k = 0; k < o->beeps->len; k++)
        {
          double d = g_array_index (o->beeps, double, k) - f;
          if (fabs (d) < PERIOD / 2e9 && (isnan (best) || fabs (d) < fabs (best)))
            best = d;
        }
      if (isnan (best))
        continue;
      g_array_append_val (at, f);
      best *= 1000;
      if (g_getenv ("RD_AV_SYNC_EACH"))
        printf ("%-9s flash at %7.3f s: beep %+6.1f ms\n", what, f, best);
      g_array_append_val (off, best);
      if (fabs (best) > max_abs)
        max_abs = fabs (best), max_at = f;
      over += fabs (best) > 40;
      {
        double a = fabs (best);
        g_array_append_val (abs_off, a);
      }
    }
  if (off->len == 0)
    {
      printf ("%-9s no flash matched a beep (%u flashes, %u beeps)\n", what, o->flashes->len,
              o->beeps->len);
      *start_out = NAN;
      return NAN;
    }
  t0 = g_array_index (at, double, 0);
  t1 = g_array_index (at, double, at->len - 1);
  for (guint i = 0; i < off->len; i++)
    {
      double t = g_array_index (at, double, i);
      if (t < t0 + WINDOW_S)
        g_array_append_val (first, g_array_index (off, double, i));
      if (t > t1 - WINDOW_S)
        g_array_append_val (last, g_array_index (off, double, i));
    }
  start = rd_av_sync_median (first);
  end = rd_av_sync_median (last);
  *start_out = start;
  g_array_sort (abs_off, compare_double);
  printf ("%-9s %4u/%4u flashes matched over %6.1f s: offset start %+7.1f ms, end %+7.1f ms, "
          "max |offset| %6.1f ms (at %.1f s), drift %+7.1f ms; |offset| median %.1f ms, "
          "p95 %.1f ms, %u over 40 ms\n",
          what, off->len, o->flashes->len, t1 - t0, start, end, max_abs, max_at, end - start,
          rd_av_sync_median (abs_off), g_array_index (abs_off, double, (abs_off->len * 95) / 100),
          over);
  return end - start;
}

void
rd_av_onsets_init (Onsets *o)
{
  o->flashes = g_array_new (FALSE, FALSE, sizeof (double));
  o->beeps = g_array_new (FALSE, FALSE, sizeof (double));
  o->first = NAN;
  o->last = NAN;
  o->luma_on = LUMA_ON;
}

void
rd_av_onsets_clear (Onsets *o)
{
  g_array_unref (o->flashes);
  g_array_unref (o->beeps);
}
