/* bench-conference.c: what the conference bridge costs the room. For n = 1..N parties (each a
 * test party, tests/rd-test-peer.h, sending a moving 640x360 picture at 30 fps in VP8 and a
 * tone), in the grid layout, after the n-th party joined and settled: the room's CPU (% of one
 * core) and RSS, and the composite frames dropped (buffers entering "composite-queue" against
 * buffers leaving "composite-enc"). Baselines of the same run: the room with no party, and what
 * one test party costs its own process (a webrtcbin endpoint sending 360p and decoding the
 * composite).
 *
 * The parties run in child processes (this program again, with --party), each in the network
 * namespace the parent made, exchanging offer and answer with the parent over pipes; so
 * getrusage (RUSAGE_SELF) and /proc/self/status measure the room and its RdPeers alone.
 *
 * usage: bench-conference [--parties N] [--seconds S] [--samples K] [--width W --height H]
 * (root: it makes a network namespace). Each figure is the median of K windows of S seconds. */
#include <gst/gst.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "media/rd-media-peer.h"
#include "tests/rd-test-peer.h"
#include "bench/rd-bench-call.h"
#include "bench/rd-bench-conference.h"

static gint width = 640, height = 360;

/* --- the room (parent) --- */

typedef struct
{
  gint64 wall_us, cpu_us, rss_kb, party_ticks;
  guint64 composited, encoded;
} Snapshot;

static gint composited, encoded; /* atomic: buffers into composite-queue, out of composite-enc */

static GstPadProbeReturn
count_buffers (GstPad *pad, GstPadProbeInfo *info, gpointer counter)
{
  guint n = 1;

  if (GST_PAD_PROBE_INFO_TYPE (info) & GST_PAD_PROBE_TYPE_BUFFER_LIST)
    n = gst_buffer_list_length (GST_PAD_PROBE_INFO_BUFFER_LIST (info));
  g_atomic_int_add ((gint *)counter, n);
  return GST_PAD_PROBE_OK;
}

static gboolean
probe_pad (RdRoom *room, const char *element, const char *pad_name, gint *counter)
{
  g_autoptr (GstElement) e = gst_bin_get_by_name (GST_BIN (rd_room_get_pipeline (room)), element);
  g_autoptr (GstPad) pad = e ? gst_element_get_static_pad (e, pad_name) : NULL;

  if (!pad)
    return FALSE;
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST, count_buffers,
                     counter, NULL);
  return TRUE;
}

static gint64
rss_kb (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL) ||
      !(line = strstr (status, "VmRSS:")))
    return 0;
  return g_ascii_strtoll (line + 6, NULL, 10);
}

/* utime + stime of process @pid in clock ticks (fields 14 and 15 of /proc/PID/stat). */
static gint64
process_ticks (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", pid);
  g_autofree char *stat = NULL;
  g_auto (GStrv) fields = NULL;
  const char *after;

  if (!g_file_get_contents (path, &stat, NULL, NULL) || !(after = strrchr (stat, ')')))
    return 0;
  fields = g_strsplit (after + 2, " ", 0); /* fields[0] is field 3 (state) */
  if (g_strv_length (fields) < 13)
    return 0;
  return g_ascii_strtoll (fields[11], NULL, 10) + g_ascii_strtoll (fields[12], NULL, 10);
}

static void
snapshot (Snapshot *s, RdBenchParty *parties, guint n)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  s->wall_us = g_get_monotonic_time ();
  s->cpu_us = ru.ru_utime.tv_sec * G_USEC_PER_SEC + ru.ru_utime.tv_usec +
              ru.ru_stime.tv_sec * G_USEC_PER_SEC + ru.ru_stime.tv_usec;
  s->rss_kb = rss_kb ();
  s->composited = (guint)g_atomic_int_get (&composited);
  s->encoded = (guint)g_atomic_int_get (&encoded);
  s->party_ticks = 0;
  for (guint i = 0; i < n; i++)
    s->party_ticks += process_ticks (parties[i].pid);
}

/* The room's CPU ticks by thread name (GStreamer names a streaming thread after its pad, e.g.
 * "composite-queu" for the composite encoder's; threads of one name are summed). (transfer full) */
static GHashTable *
thread_ticks (void)
{
  GHashTable *ticks = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GDir) dir = g_dir_open ("/proc/self/task", 0, NULL);
  const char *tid;

  while (dir && (tid = g_dir_read_name (dir)))
    {
      g_autofree char *path = g_strdup_printf ("/proc/self/task/%s/stat", tid);
      g_autofree char *stat = NULL;
      g_auto (GStrv) fields = NULL;
      char *open, *close;
      gint64 t;

      if (!g_file_get_contents (path, &stat, NULL, NULL) || !(open = strchr (stat, '(')) ||
          !(close = strrchr (stat, ')')))
        continue;
      *close = '\0';
      fields = g_strsplit (close + 2, " ", 0);
      if (g_strv_length (fields) < 13)
        continue;
      t = g_ascii_strtoll (fields[11], NULL, 10) + g_ascii_strtoll (fields[12], NULL, 10);
      t += GPOINTER_TO_SIZE (g_hash_table_lookup (ticks, open + 1));
      g_hash_table_replace (ticks, g_strdup (open + 1), GSIZE_TO_POINTER (t));
    }
  return ticks;
}

typedef struct
{
  const char *name;
  double pct;
} Busy;

static gint
busier (gconstpointer a, gconstpointer b)
{
  double d = ((const Busy *)b)->pct - ((const Busy *)a)->pct;

  return d > 0 ? 1 : d < 0 ? -1 : 0;
}

/* Prints the @top busiest thread names between @before and @after, % of one core. */
static void
print_busiest (GHashTable *before, GHashTable *after, double wall_s, guint top)
{
  g_autoptr (GArray) busy = g_array_new (FALSE, FALSE, sizeof (Busy));
  GHashTableIter it;
  gpointer name, t;

  g_hash_table_iter_init (&it, after);
  while (g_hash_table_iter_next (&it, &name, &t))
    {
      Busy b = { name, 100.0 *
                           (GPOINTER_TO_SIZE (t) -
                            (double)GPOINTER_TO_SIZE (g_hash_table_lookup (before, name))) /
                           sysconf (_SC_CLK_TCK) / wall_s };
      g_array_append_val (busy, b);
    }
  g_array_sort (busy, busier);
  printf ("          busiest room threads:");
  for (guint i = 0; i < MIN (top, busy->len); i++)
    printf (" %s %.0f%%", g_array_index (busy, Busy, i).name, g_array_index (busy, Busy, i).pct);
  printf ("\n");
}

static double
median (GArray *a)
{
  double *v = (double *)a->data;

  if (a->len == 0)
    return NAN;
  for (guint i = 1; i < a->len; i++)
    for (guint j = i; j > 0 && v[j - 1] > v[j]; j--)
      {
        double t = v[j];
        v[j] = v[j - 1];
        v[j - 1] = t;
      }
  return a->len % 2 ? v[a->len / 2] : (v[a->len / 2 - 1] + v[a->len / 2]) / 2;
}

static const char *
loadavg (void)
{
  static char text[64];
  g_autofree char *s = NULL;

  if (!g_file_get_contents ("/proc/loadavg", &s, NULL, NULL))
    return "?";
  g_strlcpy (text, s, sizeof text);
  text[strcspn (text, "\n")] = '\0';
  return text;
}

/* Sends @command to party @p, returns its reply line's number (NAN when it does not answer). */
static double
ask (RdBenchParty *p, const char *command)
{
  char line[256];

  fprintf (p->to, "%s\n", command);
  fflush (p->to);
  return fgets (line, sizeof line, p->from) ? g_ascii_strtod (line, NULL) : NAN;
}

/* Party 0's tone switched on (at the time its process reports) until party 1 hears it at half
 * its level (0.15 of 0.3; the level is over the last 100 ms decoded, so about 50 ms of the
 * figure is that window), in ms; the median of @tries. NAN when never heard within 3 s. */
static double
audio_latency_ms (RdBenchParty *parties, guint tries)
{
  g_autoptr (GArray) ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autofree char *level = g_strdup_printf ("level %d", 600); /* party 0's tone */

  for (guint k = 0; k < tries; k++)
    {
      double on;
      gint64 end;

      ask (&parties[0], "mute 1");
      end = g_get_monotonic_time () + 3 * G_TIME_SPAN_SECOND;
      while (ask (&parties[1], level) > 0.02 && g_get_monotonic_time () < end)
        g_usleep (5000);
      on = ask (&parties[0], "mute 0");
      end = g_get_monotonic_time () + 3 * G_TIME_SPAN_SECOND;
      while (g_get_monotonic_time () < end)
        {
          if (ask (&parties[1], level) >= 0.15)
            {
              double v = (g_get_monotonic_time () - on) / 1000.0;
              g_array_append_val (ms, v);
              break;
            }
          g_usleep (2000);
        }
    }
  return median (ms);
}

/* The composite's size: the room's test camera's (media/rd-media-room.c). */
#define COMPOSITE_W 640
#define COMPOSITE_H 360
#define G2G_FRAMES  30

/* Glass to glass, party 0's picture to party 1 through the room, in the grid of the room and
 * @n parties (party 0's tile is the second; the picture scaled into it keeping its aspect
 * ratio, centred, as rd-media-room-layout.c places it): the median ms of G2G_FRAMES pictures.
 * And in *@direct_ms the baseline of the same moment: the room's camera to party 1 with the
 * layout `room` (one webrtcbin to webrtcbin hop: encoded once, sent, decoded), read from the
 * test camera's stamp. The layout goes back to grid. */
static double
video_latency_ms (RdRoom *room, RdBenchParty *parties, guint n, double *direct_ms)
{
  guint tiles = n + 1, cols = 1, rows;
  double tw, th, scale, x, y, via;
  g_autofree char *request = NULL;

  while (cols * cols < tiles)
    cols++;
  rows = (tiles + cols - 1) / cols;
  tw = COMPOSITE_W / (int)cols;
  th = COMPOSITE_H / (int)rows;
  scale = MIN (tw / width, th / height);
  x = (int)(1 % cols) * COMPOSITE_W / (int)cols + (tw - width * scale) / 2;
  y = (int)(1 / cols) * COMPOSITE_H / (int)rows + (th - height * scale) / 2;
  request = g_strdup_printf ("g2g %f %f %f %d %d", x, y, rd_bench_party_stamp_cell (width) * scale,
                             RD_BENCH_PARTY_STAMP_BITS, G2G_FRAMES);
  via = ask (&parties[1], request);
  rd_room_set_layout (room, RD_LAYOUT_ROOM);
  rd_bench_wait_until (NULL, 1.0);
  *direct_ms = ask (&parties[1], "g2g 0 0 16 32 " G_STRINGIFY (G2G_FRAMES));
  rd_room_set_layout (room, RD_LAYOUT_GRID);
  rd_bench_wait_until (NULL, 2.0);
  return via;
}

/* Measures @samples windows of @seconds with @n parties and prints the row. */
static void
measure (RdRoom *room, guint n, RdBenchParty *parties, guint samples, double seconds)
{
  double direct = NAN, via = NAN;

  g_autoptr (GArray) cpu = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) drops = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) party_cpu = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) fps = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) fps_in = g_array_new (FALSE, FALSE, sizeof (double));
  double rss_mb = 0;
  g_autoptr (GHashTable) threads_before = NULL;
  g_autoptr (GHashTable) threads_after = NULL;

  for (guint k = 0; k < samples; k++)
    {
      Snapshot a, b;
      double wall, in, out, v;

      snapshot (&a, parties, n);
      g_clear_pointer (&threads_before, g_hash_table_unref);
      threads_before = thread_ticks ();
      rd_bench_wait_until (NULL, seconds);
      g_clear_pointer (&threads_after, g_hash_table_unref);
      threads_after = thread_ticks ();
      snapshot (&b, parties, n);
      wall = (b.wall_us - a.wall_us) / 1e6;
      v = 100.0 * (b.cpu_us - a.cpu_us) / (b.wall_us - a.wall_us);
      g_array_append_val (cpu, v);
      in = b.composited - a.composited;
      out = b.encoded - a.encoded;
      v = in > 0 ? 100.0 * MAX (0, in - out) / in : NAN;
      g_array_append_val (drops, v);
      v = out / wall;
      g_array_append_val (fps, v);
      v = in / wall;
      g_array_append_val (fps_in, v);
      if (n > 0)
        {
          v = 100.0 * (b.party_ticks - a.party_ticks) / sysconf (_SC_CLK_TCK) / wall / n;
          g_array_append_val (party_cpu, v);
        }
      rss_mb = MAX (rss_mb, b.rss_kb / 1024.0);
    }
  if (n >= 2)
    via = video_latency_ms (room, parties, n, &direct);
  printf ("%7u %9.1f %8.1f %11.2f %6.1f/%4.1f %13.1f %9.0f %8.0f %8.0f %5.2f   %s\n", n,
          median (cpu), rss_mb, median (drops), median (fps_in), median (fps), median (party_cpu),
          n >= 2 ? audio_latency_ms (parties, samples) : NAN, via, direct, via / direct,
          loadavg ());
  print_busiest (threads_before, threads_after, seconds, 5);
  fflush (stdout);
}

int
main (int argc, char **argv)
{
  gint parties_max = 6, seconds = 10, samples = 3, party = -1;
  GOptionEntry entries[] = {
    { "parties", 0, 0, G_OPTION_ARG_INT, &parties_max, "up to how many parties (6)", "N" },
    { "seconds", 0, 0, G_OPTION_ARG_INT, &seconds, "each measuring window (10)", "S" },
    { "samples", 0, 0, G_OPTION_ARG_INT, &samples, "windows per row; medians (3)", "K" },
    { "width", 0, 0, G_OPTION_ARG_INT, &width, "the parties' picture (640)", "W" },
    { "height", 0, 0, G_OPTION_ARG_INT, &height, "(360)", "H" },
    { "party", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, &party, "run as party I", "I" },
    { NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("- what the conference bridge costs");
  g_autoptr (GError) error = NULL;
  g_autoptr (RdConfig) config = NULL;
  g_autoptr (RdRoom) room = NULL;
  g_autofree RdBenchParty *parties = NULL;
  guint joined = 0;
  int code;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 64;
    }
  if (party >= 0)
    return rd_bench_conference_party (party, width, height); /* in the parent's namespace */
  if (parties_max < 1 || seconds < 1 || samples < 1)
    {
      g_printerr ("--parties, --seconds and --samples must be at least 1\n");
      return 64;
    }
  if (!(room = rd_bench_room_up ("bench-conference", &argc, &argv, &config, &code)))
    return code;
  rd_room_set_layout (room, RD_LAYOUT_GRID);
  if (!probe_pad (room, "composite-queue", "sink", &composited) ||
      !probe_pad (room, "composite-enc", "src", &encoded))
    {
      g_printerr ("bench-conference: no composite-queue or composite-enc in the room\n");
      return 1;
    }
  printf ("bench-conference: %d parties max, %dx%d at 30 fps VP8 + a tone each, grid layout; "
          "median of %d windows of %d s; %ld cores; load before: %s\n",
          parties_max, width, height, samples, seconds, sysconf (_SC_NPROCESSORS_ONLN), loadavg ());
  printf ("parties  room CPU%%   RSS MB  comp drop%%  fps in/out  party CPU%%ea  A->B ms  A->B g2g "
          "room->B  ratio   load "
          "(1 5 15 ...)\n");
  rd_bench_wait_until (NULL, 2.0);
  measure (room, 0, NULL, samples, seconds);
  parties = g_new0 (RdBenchParty, parties_max);
  for (guint n = 1; n <= (guint)parties_max; n++)
    {
      if (!rd_bench_call_in (room, config, &parties[n - 1], n - 1, width, height, 2.0))
        break;
      joined = n;
      measure (room, n, parties, samples, seconds);
    }
  printf ("room CPU: the room process alone (RdRoom + one RdPeer per party), %% of one core; RSS: "
          "its VmRSS (max over the windows); comp drop: frames into composite-queue not out of "
          "composite-enc (fps in/out: into composite-queue, out of composite-enc); party CPU: each "
          "test party's own process (baseline: a webrtcbin endpoint "
          "sending %dx%d and decoding the composite); A->B: party 0's tone on until party 1 "
          "hears it at half level (includes ~50 ms of the 100 ms level window); A->B g2g: glass "
          "to glass, party 0's picture (stamped before its encoder) to party 1 (read after its "
          "decoder) through the composite, median of %d pictures; room->B: the baseline, a "
          "direct call: the room's camera to party 1 with the layout room (one hop, no "
          "composite); ratio: A->B g2g / room->B\n",
          width, height, G2G_FRAMES);
  for (guint i = 0; i < (guint)parties_max; i++)
    rd_bench_party_clear (&parties[i]);
  rd_room_stop (room);
  return joined == (guint)parties_max ? 0 : 1;
}
