/* bench-echo: what the room's microphone processing (media/rd-media-voice.h) does to the echo
 * of its own speakers, and to the voice of the person in the room.
 *
 *   bench-echo [--runs N] [--delays MS,MS,...] [--unreported MS]   (3, 50,120,250 and 20)
 *
 * Speech from espeak-ng (Vietnamese: the far end is the board speaking through the room's
 * speakers, the near end another voice in the room) is resampled to 48 kHz mono. The room's
 * air is simulated exactly: the microphone hears the far end delayed by the echo path and at
 * -6 dB, plus the near end. The far end goes through the probe and the microphone through the
 * processor, as in the room, 10 ms at a time in lockstep (faster than real time; the delay is
 * in the signal, not in reported latency, so the canceller must find it itself, as in a room).
 *
 * The pipeline reports the echo path minus --unreported (default 20 ms) as its latency, as a
 * room's devices report their buffering; the canceller finds the rest. Each run is 28 s: 0-10 s far
 * end alone (single talk: the echo), 10-16 s near end alone, 16-28 s both (double talk). Figures:
 *   ERLE      echo return loss enhancement, 10 log10(mic energy / output energy) over 4-10 s
 *             (frames where the far end speaks);
 *   conv      the time from which ERLE over every following 0.5 s window of far-end speech
 *             stays >= 25 dB until 10 s ("never" when it does not);
 *   loss-st   near-end loss in single talk, 10 log10(near energy / output energy), 11-16 s;
 *   loss-dt   near-end loss in double talk: the output's least-squares projection on the
 *             near-end signal, -20 log10(gain), 17-28 s;
 *   cpu       the processing's CPU time as a share of the audio's duration (one core);
 *   adds      the delay the processing adds to the near end's voice (its sub-band filters).
 * Each figure is the median over the runs (the speech starts at another offset each run).
 * The baseline, same run: processing off (the microphone as it is). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <glib/gstdio.h>
#include <gst/app/gstappsink.h>
#include <gst/gst.h>

#include "media/rd-media-voice.h"

#define RATE      48000
#define FRAME     (RATE / 100)
#define SECONDS   28
#define N_SAMPLES (SECONDS * RATE)
#define ECHO_GAIN 0.5 /* -6 dB */

static const char far_text[] =
    "Xin chào, đây là Ban tiếp công dân thành phố. Chúng tôi đã nhận được đơn của ông và sẽ trả "
    "lời trong thời hạn luật định. Đề nghị ông trình bày rõ nội dung vụ việc, thời gian và địa "
    "điểm xảy ra, cùng các giấy tờ liên quan mà ông đang có.";
static const char near_text[] =
    "Tôi tên là Nguyễn Văn An, ở tổ dân phố số năm. Tôi xin phản ánh việc cấp giấy chứng nhận "
    "quyền sử dụng đất cho gia đình tôi bị chậm hơn một năm so với quy định.";

static void
die (const char *what, GError *error)
{
  fprintf (stderr, "bench-echo: %s%s%s\n", what, error ? ": " : "", error ? error->message : "");
  exit (1);
}

/* espeak-ng's @voice saying @text, at 48 kHz mono, as floats in [-1, 1]. */
static GArray *
speech (const char *voice, const char *text, const char *dir)
{
  g_autofree char *wav = g_build_filename (dir, voice[3] ? "near.wav" : "far.wav", NULL);
  const char *argv[] = { "espeak-ng", "-v", voice, "-s", "150", "-w", wav, text, NULL };
  g_autoptr (GError) error = NULL;
  int status;

  if (!g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL,
                     &status, &error) ||
      !g_spawn_check_wait_status (status, &error))
    die ("espeak-ng (scripts/install-deps.sh installs it)", error);

  g_autofree char *desc =
      g_strdup_printf ("filesrc location=\"%s\" ! wavparse ! audioconvert ! audioresample ! "
                       "audio/x-raw,format=F32LE,rate=%d,channels=1 ! appsink name=out sync=false",
                       wav, RATE);
  g_autoptr (GstElement) pipeline = gst_parse_launch (desc, &error);
  if (!pipeline)
    die ("decoding the speech", error);
  g_autoptr (GstElement) sink = gst_bin_get_by_name (GST_BIN (pipeline), "out");
  GArray *samples = g_array_new (FALSE, FALSE, sizeof (float));
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  for (GstSample *s; (s = gst_app_sink_pull_sample (GST_APP_SINK (sink)));)
    {
      GstMapInfo map;
      GstBuffer *b = gst_sample_get_buffer (s);
      gst_buffer_map (b, &map, GST_MAP_READ);
      g_array_append_vals (samples, map.data, map.size / sizeof (float));
      gst_buffer_unmap (b, &map);
      gst_sample_unref (s);
    }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  if (samples->len < RATE)
    die ("espeak-ng made less than a second of speech", NULL);
  return samples;
}

/* @src looped from @offset over the sample range [from, to) of @out (the rest left alone). */
static void
place (float *out, const GArray *src, guint offset, int from, int to)
{
  for (int i = from; i < to; i++)
    out[i] += g_array_index (src, float, (offset + (guint)(i - from)) % src->len);
}

typedef struct
{
  GstPad *pad;
} Feed;

static void
feed_start (Feed *f, GstElement *element, const char *id, GstCaps *caps)
{
  GstSegment segment;
  g_autoptr (GstPad) sink = gst_element_get_static_pad (element, "sink");

  f->pad = gst_pad_new (id, GST_PAD_SRC);
  gst_pad_set_active (f->pad, TRUE);
  if (gst_pad_link (f->pad, sink) != GST_PAD_LINK_OK)
    die ("cannot link a feed", NULL);
  gst_pad_push_event (f->pad, gst_event_new_stream_start (id));
  gst_pad_push_event (f->pad, gst_event_new_caps (caps));
  gst_segment_init (&segment, GST_FORMAT_TIME);
  gst_pad_push_event (f->pad, gst_event_new_segment (&segment));
}

static void
feed_push (Feed *f, const float *x, int frame)
{
  GstBuffer *b = gst_buffer_new_allocate (NULL, FRAME * 2, NULL);
  GstMapInfo map;

  gst_buffer_map (b, &map, GST_MAP_WRITE);
  gint16 *s = (gint16 *)map.data;
  for (int i = 0; i < FRAME; i++)
    s[i] = (gint16)CLAMP (lrint (x[i] * 32767.0), -32768, 32767);
  gst_buffer_unmap (b, &map);
  GST_BUFFER_PTS (b) = (GstClockTime)frame * 10 * GST_MSECOND;
  GST_BUFFER_DURATION (b) = 10 * GST_MSECOND;
  if (gst_pad_push (f->pad, b) != GST_FLOW_OK)
    die ("the processing refused a frame", NULL);
}

static GstFlowReturn
collect (GstAppSink *sink, gpointer user_data)
{
  GArray *out = user_data;
  GstSample *s = gst_app_sink_pull_sample (sink);
  GstMapInfo map;
  GstBuffer *b = gst_sample_get_buffer (s);

  gst_buffer_map (b, &map, GST_MAP_READ);
  for (gsize i = 0; i < map.size / 2; i++)
    {
      float v = ((gint16 *)map.data)[i] / 32768.0f;
      g_array_append_val (out, v);
    }
  gst_buffer_unmap (b, &map);
  gst_sample_unref (s);
  return GST_FLOW_OK;
}

static double
cpu_seconds (void)
{
  struct rusage u;

  getrusage (RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

/* Runs @mic through the processor (NULL settings: untouched) with @far as its echo reference,
 * the pipeline's latency being @reported_ms (with @agnostic: none, and the canceller in
 * delay-agnostic mode). (transfer full) the output, as long as @mic; *@cpu the CPU seconds it
 * took. */
static float *
process (const RdVoiceSettings *settings, gboolean agnostic, int reported_ms, const float *far,
         const float *mic, double *cpu)
{
  float *out = g_new0 (float, N_SAMPLES);
  g_autoptr (GError) error = NULL;
  g_autoptr (GstCaps) caps = rd_voice_caps (1);
  GstElement *pipeline = gst_pipeline_new (NULL);
  GstElement *probe = NULL, *probe_sink, *dsp, *sink = gst_element_factory_make ("appsink", NULL);
  GArray *got = g_array_sized_new (FALSE, FALSE, sizeof (float), N_SAMPLES);
  g_autofree char *probe_name = g_strdup_printf ("bench-echo-probe-%p", (void *)pipeline);
  Feed far_feed = { 0 }, mic_feed = { 0 };
  GstAppSinkCallbacks callbacks = { .new_sample = collect };

  if (settings)
    {
      probe = rd_voice_new_probe (probe_name, &error);
      dsp = probe ? rd_voice_new_processor (settings, probe_name, &error) : NULL;
      if (dsp && agnostic)
        g_object_set (dsp, "delay-agnostic", TRUE, NULL);
    }
  else
    dsp = gst_element_factory_make ("identity", NULL);
  if (!dsp || !sink)
    die ("cannot make the processing", error);
  g_object_set (sink, "sync", FALSE, "async", FALSE, NULL);
  gst_app_sink_set_callbacks (GST_APP_SINK (sink), &callbacks, got, NULL);
  gst_bin_add_many (GST_BIN (pipeline), dsp, sink, NULL);
  gst_element_link (dsp, sink);
  if (probe)
    {
      probe_sink = gst_element_factory_make ("fakesink", NULL);
      g_object_set (probe_sink, "sync", FALSE, "async", FALSE, NULL);
      gst_bin_add_many (GST_BIN (pipeline), probe, probe_sink, NULL);
      gst_element_link (probe, probe_sink);
    }
  if (gst_element_set_state (pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    die ("the processing does not start", NULL);
  if (probe)
    {
      g_autoptr (GstPad) src = gst_element_get_static_pad (probe, "src");
      /* what a running pipeline tells the probe; without it the probe gives no reference */
      gst_pad_send_event (src, gst_event_new_latency (reported_ms * GST_MSECOND));
      feed_start (&far_feed, probe, "far", caps);
    }
  feed_start (&mic_feed, dsp, "mic", caps);

  double start = cpu_seconds ();
  for (int f = 0; f < N_SAMPLES / FRAME; f++)
    {
      if (probe)
        feed_push (&far_feed, far + f * FRAME, f);
      feed_push (&mic_feed, mic + f * FRAME, f);
    }
  *cpu = cpu_seconds () - start;
  gst_element_set_state (pipeline, GST_STATE_NULL);
  memcpy (out, got->data, MIN (got->len, (guint)N_SAMPLES) * sizeof (float));
  g_array_unref (got);
  g_clear_object (&far_feed.pad);
  g_clear_object (&mic_feed.pad);
  gst_object_unref (pipeline);
  return out;
}

static double
energy (const float *x, int from, int to)
{
  double e = 0;

  for (int i = from; i < to; i++)
    e += (double)x[i] * x[i];
  return e;
}

static double
db (double ratio)
{
  return 10.0 * log10 (MAX (ratio, 1e-12));
}

typedef struct
{
  double erle, conv, loss_st, loss_dt, cpu, delay_ms;
} Figures;

static void
measure (const float *near, const float *echo, const float *mic, const float *out, double cpu,
         Figures *f)
{
  /* the windows where the far end speaks: its echo 30 dB below its loudest second */
  const int w = RATE / 2;
  double peak = 0;

  for (int i = 0; i + w <= 10 * RATE; i += w)
    peak = MAX (peak, energy (echo, i, i + w));
  f->conv = NAN;
  for (int i = 10 * RATE - w; i >= 0; i -= w)
    {
      if (energy (echo, i, i + w) < peak * 1e-3)
        continue;
      if (db (energy (mic, i, i + w) / MAX (energy (out, i, i + w), 1e-12)) < 25.0)
        break;
      f->conv = (double)i / RATE;
    }
  f->erle = db (energy (mic, 4 * RATE, 10 * RATE) / MAX (energy (out, 4 * RATE, 10 * RATE), 1e-12));
  f->loss_st =
      db (energy (near, 11 * RATE, 16 * RATE) / MAX (energy (out, 11 * RATE, 16 * RATE), 1e-12));
  /* the processing delays its output (the canceller's sub-band filters): find by how much,
   * within 20 ms, on the near end alone, and project the double talk at that lag */
  int lag = 0;
  double best = -G_MAXDOUBLE;
  for (int l = 0; l <= RATE / 50; l++)
    {
      double c = 0;
      for (int i = 11 * RATE; i < 16 * RATE; i++)
        c += (double)out[i + l] * near[i];
      if (c > best)
        best = c, lag = l;
    }
  double cross = 0, self = 0;
  for (int i = 17 * RATE; i < 28 * RATE - lag; i++)
    {
      cross += (double)out[i + lag] * near[i];
      self += (double)near[i] * near[i];
    }
  f->loss_dt = -20.0 * log10 (MAX (cross / self, 1e-6));
  f->cpu = 100.0 * cpu / SECONDS;
  f->delay_ms = 1000.0 * lag / RATE;
}

static int
compare_doubles (const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  /* NaN ("never") sorts last */
  if (isnan (x) || isnan (y))
    return isnan (x) - isnan (y);
  return x < y ? -1 : x > y;
}

static double
median (double *v, int n)
{
  qsort (v, n, sizeof *v, compare_doubles);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void
print_row (const char *what, int delay_ms, Figures *runs, int n)
{
  double v[6][64];
  char conv[32];

  for (int i = 0; i < n; i++)
    {
      v[0][i] = runs[i].erle;
      v[1][i] = runs[i].conv;
      v[2][i] = runs[i].loss_st;
      v[3][i] = runs[i].loss_dt;
      v[4][i] = runs[i].cpu;
      v[5][i] = runs[i].delay_ms;
    }
  double c = median (v[1], n);
  if (isnan (c))
    g_strlcpy (conv, "never", sizeof conv);
  else
    g_snprintf (conv, sizeof conv, "%.1f s", c);
  printf ("%-26s %6d ms %8.1f dB %9s %8.1f dB %8.1f dB %6.1f %% %6.1f ms\n", what, delay_ms,
          median (v[0], n), conv, median (v[2], n), median (v[3], n), median (v[4], n),
          median (v[5], n));
}

int
main (int argc, char **argv)
{
  int runs = 3, unreported = 20;
  g_autofree char *delays_text = g_strdup ("50,120,250");
  GOptionEntry entries[] = {
    { "runs", 0, 0, G_OPTION_ARG_INT, &runs, "runs per delay (median)", "N" },
    { "delays", 0, 0, G_OPTION_ARG_STRING, &delays_text, "echo paths in ms", "MS,MS,..." },
    { "unreported", 0, 0, G_OPTION_ARG_INT, &unreported,
      "of each echo path, the part the pipeline's latency does not report", "MS" },
    { NULL },
  };
  g_autoptr (GOptionContext) context = g_option_context_new (NULL);
  g_autoptr (GError) error = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_add_group (context, gst_init_get_option_group ());
  if (!g_option_context_parse (context, &argc, &argv, &error))
    die ("options", error);
  if (runs < 1 || runs > 64)
    die ("--runs is from 1 to 64", NULL);

  g_autofree char *dir = g_dir_make_tmp ("bench-echo-XXXXXX", &error);
  if (!dir)
    die ("a temporary directory", error);
  g_autoptr (GArray) far_speech = speech ("vi", far_text, dir);
  g_autoptr (GArray) near_speech = speech ("vi+f3", near_text, dir);
  g_auto (GStrv) delays = g_strsplit (delays_text, ",", -1);
  const struct
  {
    const char *name;
    RdVoiceSettings settings;
    gboolean agnostic;
  } modes[] = {
    { "echo-cancel (ns, agc off)", { TRUE, RD_NOISE_SUPPRESSION_OFF, FALSE }, FALSE },
    { "room default (ns mod, agc)", { TRUE, RD_NOISE_SUPPRESSION_MODERATE, TRUE }, FALSE },
    { "delay-agnostic, unreported", { TRUE, RD_NOISE_SUPPRESSION_OFF, FALSE }, TRUE },
  };

  printf ("bench-echo: %d run(s) each, speech by espeak-ng, echo at -6 dB, 48 kHz, 10 ms frames;\n"
          "of each echo path %d ms is not in the pipeline's latency (the air, a device's own\n"
          "buffering); the delay-agnostic row reports none of it\n",
          runs, unreported);
  printf ("%-26s %9s %11s %9s %11s %11s %8s %9s\n", "processing", "echo", "ERLE", "conv", "loss-st",
          "loss-dt", "cpu", "adds");
  for (guint d = 0; delays[d]; d++)
    {
      int delay_ms = atoi (delays[d]);
      Figures base[64], got[G_N_ELEMENTS (modes)][64];

      if (delay_ms < 0 || delay_ms > 1000 || unreported < 0 || unreported > delay_ms)
        die ("a delay is from 0 to 1000 ms, and --unreported at most the smallest delay", NULL);
      int reported = delay_ms - unreported;
      for (int r = 0; r < runs; r++)
        {
          int delay = delay_ms * RATE / 1000;
          float *far = g_new0 (float, N_SAMPLES), *near = g_new0 (float, N_SAMPLES);
          float *echo = g_new0 (float, N_SAMPLES), *mic = g_new0 (float, N_SAMPLES);
          guint offset = (guint)r * 3 * RATE;
          double cpu;

          place (far, far_speech, offset, 0, 10 * RATE);
          place (far, far_speech, offset + 10 * RATE, 16 * RATE, 28 * RATE);
          place (near, near_speech, offset, 10 * RATE, 28 * RATE);
          for (int i = delay; i < N_SAMPLES; i++)
            echo[i] = (float)(ECHO_GAIN * far[i - delay]);
          for (int i = 0; i < N_SAMPLES; i++)
            mic[i] = echo[i] + near[i];

          float *out = process (NULL, FALSE, 0, far, mic, &cpu);
          measure (near, echo, mic, out, cpu, &base[r]);
          g_free (out);
          for (guint m = 0; m < G_N_ELEMENTS (modes); m++)
            {
              out = process (&modes[m].settings, modes[m].agnostic,
                             modes[m].agnostic ? 0 : reported, far, mic, &cpu);
              measure (near, echo, mic, out, cpu, &got[m][r]);
              g_free (out);
            }
          g_free (far);
          g_free (near);
          g_free (echo);
          g_free (mic);
        }
      print_row ("off (baseline)", delay_ms, base, runs);
      for (guint m = 0; m < G_N_ELEMENTS (modes); m++)
        print_row (modes[m].name, delay_ms, got[m], runs);
    }
  printf ("targets (50 and 120 ms): ERLE >= 25 dB within 2 s; loss-st <= 3 dB; loss-dt <= 6 dB\n");
  g_autofree char *far_wav = g_build_filename (dir, "far.wav", NULL);
  g_autofree char *near_wav = g_build_filename (dir, "near.wav", NULL);
  g_unlink (far_wav);
  g_unlink (near_wav);
  g_rmdir (dir);
  return 0;
}
