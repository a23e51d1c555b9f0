/* bench-soak.c: does the room give back what a party took? N parties join and leave one after
 * the other (each a test party in a child process, as bench-conference's: 320x240 VP8 and a
 * tone), each until it decodes the room's picture. After the 1st, every K-th and the last: the
 * room process's RSS, open file descriptors and threads, and the elements in the room's
 * pipeline. Baselines of the same run: the room idle before the first join (descriptors,
 * threads and elements must come back to it), and the RSS after the 20th (the target: the last
 * within 10% of it; the first parties warm caches: GStreamer's plugin features, OpenSSL, libnice).
 * At the end, the threads (by name) and descriptors (by kind) the room has beyond idle: what is
 * made once on first use (GStreamer's clock thread, GLib's worker and task pool) shows there,
 * and the counts are also given against after the 1st join.
 *
 * Then M sessions are recorded (the room's tracks, 1 s each) and ended one after the other: the
 * same figures, against before the first session, the RSS against after the 10th.
 *
 * usage: bench-soak [--joins N] [--every K] [--sessions M] (root: it makes a network namespace) */
#include <glib/gstdio.h>
#include <gst/gst.h>
#include <stdio.h>
#include <string.h>

#include "bench/rd-bench-call.h"
#include "bench/rd-bench-conference.h"
#include "media/rd-media-record.h"

#define WIDTH        320
#define HEIGHT       240
#define REFERENCE_AT 20 /* the RSS the end is compared with: after this many joins */
#define SETTLE_US    (40 * G_USEC_PER_SEC) /* the longest wait for idle pool threads to end */

typedef struct
{
  gint64 rss_kb, threads;
  guint fds, elements;
} Figures;

/* A "Name:   value" line of /proc/self/status (-1 when missing). */
static gint64
status_value (const char *name)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL) ||
      !(line = strstr (status, name)))
    return -1;
  return g_ascii_strtoll (line + strlen (name), NULL, 10);
}

static guint
count_fds (void)
{
  g_autoptr (GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  guint n = 0;

  while (dir && g_dir_read_name (dir))
    n++;
  return n;
}

static guint
count_elements (RdRoom *room)
{
  GstIterator *it = gst_bin_iterate_recurse (GST_BIN (rd_room_get_pipeline (room)));
  GValue item = G_VALUE_INIT;
  guint n = 0;

  while (gst_iterator_next (it, &item) == GST_ITERATOR_OK)
    {
      n++;
      g_value_reset (&item);
    }
  g_value_unset (&item);
  gst_iterator_free (it);
  return n;
}

/* The names of @dir's entries' @what ("comm" of each thread, the target of each descriptor),
 * one per line, sorted. (transfer full) */
static GPtrArray *
names_in (const char *dir_path, gboolean threads)
{
  g_autoptr (GDir) dir = g_dir_open (dir_path, 0, NULL);
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  const char *entry;

  while (dir && (entry = g_dir_read_name (dir)))
    {
      g_autofree char *path = g_build_filename (dir_path, entry, threads ? "comm" : NULL, NULL);
      char *name = NULL;

      if (threads && g_file_get_contents (path, &name, NULL, NULL))
        g_strchomp (name);
      else if (!threads && (name = g_file_read_link (path, NULL)))
        {
          char *inode = strstr (name, ":["); /* socket:[123]: a socket, whichever */
          if (inode && g_ascii_isdigit (inode[2]))
            *inode = '\0';
        }
      if (name)
        g_ptr_array_add (names, name);
    }
  g_ptr_array_sort (names, (GCompareFunc)g_strcmp0);
  return names;
}

static int
by_text (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const char *const *)a, *(const char *const *)b);
}

/* What a thread or descriptor beyond idle is when the process makes it once, on first use, and
 * keeps it (no party can give it back), or NULL. */
static const char *
made_once (const char *name)
{
  if (g_str_equal (name, "GstSystemClock"))
    return "GStreamer's system clock thread, made at the first timed wait";
  if (g_str_equal (name, "gmain"))
    return "GLib's worker context thread, made on first use";
  if (g_str_equal (name, "anon_inode:[eventfd]"))
    return "a main context's wakeup (GLib's worker context)";
  if (g_str_has_prefix (name, "pool-"))
    return "an idle thread of GLib's shared thread pool, kept for the next job";
  if (strchr (name, ':'))
    return "an idle thread of GStreamer's task pool (named after its last task), kept for reuse";
  return NULL;
}

/* Prints what @now has that @before has not (each once as often as it is more), with what it is
 * when the process made it once; returns how many are none of those. */
static guint
print_more (const char *what, GPtrArray *before, GPtrArray *now)
{
  g_autoptr (GPtrArray) left = g_ptr_array_new ();
  guint unexplained = 0;

  for (guint i = 0; i < before->len; i++)
    g_ptr_array_add (left, before->pdata[i]); /* borrowed */
  g_ptr_array_sort (now, by_text);
  for (guint i = 0; i < now->len; i++)
    {
      const char *name = now->pdata[i], *once = made_once (name);
      guint at;

      if (g_ptr_array_find_with_equal_func (left, name, g_str_equal, &at))
        g_ptr_array_remove_index (left, at);
      else
        {
          printf ("  %s more than idle: %s (%s)\n", what, name,
                  once ? once : "NOT one the process makes once");
          unexplained += !once;
        }
    }
  return unexplained;
}

static Figures
measure (RdRoom *room)
{
  /* what a party left behind is freed on the main context: let it run a moment */
  rd_bench_wait_until (NULL, 0.5);
  return (Figures){ status_value ("VmRSS:"), status_value ("Threads:"), count_fds (),
                    count_elements (room) };
}

/* Removes @dir and the files in it (the recorder writes no subdirectories). */
static void
remove_flat (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d && (name = g_dir_read_name (d)))
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_remove (path);
    }
  g_rmdir (dir);
}

static void
on_finished (RdRecorder *rec, gpointer data)
{
  *(gboolean *)data = TRUE;
}

/* One session recorded for about @seconds (the room's tracks, into @dir) and ended: the recorder
 * started, stopped, finished (every segment sealed) and freed. FALSE if it did not finish. */
static gboolean
record_session (RdRoom *room, const char *dir, int n, double seconds)
{
  g_autofree char *id = g_strdup_printf ("20261207-%06x", n);
  g_autoptr (RdRecorder) rec = rd_recorder_new (room, dir, id, 1, 10);
  g_autoptr (GError) error = NULL;
  gboolean finished = FALSE;

  g_signal_connect (rec, "finished", G_CALLBACK (on_finished), &finished);
  if (!rd_recorder_start (rec, &error))
    {
      g_printerr ("session %d: %s\n", n, error->message);
      return FALSE;
    }
  rd_bench_wait_until (NULL, seconds);
  rd_recorder_stop (rec);
  return rd_bench_wait_until (&finished, 20.0);
}

static void
print_row (const char *when, Figures f, Figures idle)
{
  printf ("%-10s %9.1f %6u (%+3d) %7" G_GINT64_FORMAT " (%+3" G_GINT64_FORMAT ") %8u (%+3d)\n",
          when, f.rss_kb / 1024.0, f.fds, (int)f.fds - (int)idle.fds, f.threads,
          f.threads - idle.threads, f.elements, (int)f.elements - (int)idle.elements);
  fflush (stdout);
}

int
main (int argc, char **argv)
{
  gint joins = 300, every = 20, sessions = 50, party = -1, width = WIDTH, height = HEIGHT;
  GOptionEntry entries[] = {
    { "joins", 0, 0, G_OPTION_ARG_INT, &joins, "how many parties join and leave (300)", "N" },
    { "every", 0, 0, G_OPTION_ARG_INT, &every, "print every K joins (20)", "K" },
    { "sessions", 0, 0, G_OPTION_ARG_INT, &sessions,
      "then how many sessions are recorded (1 s each) and ended (50)", "M" },
    { "party", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, &party, "run as party I", "I" },
    { "width", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, &width, NULL, NULL },
    { "height", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, &height, NULL, NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) ctx =
      g_option_context_new ("- what a party leaves behind in the room");
  g_autoptr (GError) error = NULL;
  g_autoptr (RdConfig) config = NULL;
  g_autoptr (RdRoom) room = NULL;
  g_autoptr (GPtrArray) idle_threads = NULL, idle_fds = NULL;
  Figures idle, first = { 0 }, reference = { 0 }, last = { 0 };
  gint done = 0, code;
  gint64 started;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 64;
    }
  if (party >= 0)
    return rd_bench_conference_party (party, width, height); /* in the parent's namespace */
  if (joins < 1 || every < 1 || sessions < 0)
    {
      g_printerr ("--joins and --every must be at least 1, --sessions at least 0\n");
      return 64;
    }
  if (!(room = rd_bench_room_up ("bench-soak", &argc, &argv, &config, &code)))
    return code;
  printf ("bench-soak: %d parties join and leave one after the other (%dx%d VP8 and a tone, each "
          "until it decodes the room); the room process after the n-th leaves\n",
          joins, WIDTH, HEIGHT);
  printf ("%-10s %9s %11s %12s %13s\n", "after", "RSS MB", "fds (idle)", "threads", "elements");
  rd_bench_wait_until (NULL, 2.0);
  idle = measure (room);
  idle_threads = names_in ("/proc/self/task", TRUE);
  idle_fds = names_in ("/proc/self/fd", FALSE);
  print_row ("idle", idle, idle);
  started = g_get_monotonic_time ();
  for (gint n = 1; n <= joins; n++)
    {
      /* on the heap: a failed call-in may still be answered later */
      RdBenchParty *p = g_new0 (RdBenchParty, 1);
      gboolean ok = rd_bench_call_in (room, config, p, (guint)n, WIDTH, HEIGHT, 0);

      rd_bench_party_clear (p);
      if (!ok)
        break;
      g_free (p);
      done = n;
      if (n == 1 || n % every == 0 || n == joins || n == REFERENCE_AT)
        {
          g_autofree char *when = g_strdup_printf ("%d", n);
          last = measure (room);
          if (n == 1)
            first = last;
          if (n == REFERENCE_AT)
            reference = last;
          print_row (when, last, idle);
        }
    }
  {
    /* A stopped streaming task's thread goes back to GStreamer's task pool, and a finished job's
     * to GLib's pool; each pool ends a thread that stayed unused a while (GLib's default idle
     * time is 15 s). The room is idle again when they have: wait for that. */
    gint64 settle_from = g_get_monotonic_time ();
    g_autofree char *when = NULL;

    while (last.threads > idle.threads && g_get_monotonic_time () - settle_from < SETTLE_US)
      last = measure (room);
    when = g_strdup_printf ("+%.0f s", (g_get_monotonic_time () - settle_from) / 1e6);
    print_row (when, last, idle);
  }
  printf ("%d joins in %.0f s. RSS at the end %+.1f%% of after the %dth (target: within 10%%: "
          "%s); file descriptors %+d, threads %+" G_GINT64_FORMAT ", elements %+d against idle "
          "(target: 0: %s)\n",
          done, (g_get_monotonic_time () - started) / 1e6,
          reference.rss_kb ? 100.0 * (last.rss_kb - reference.rss_kb) / reference.rss_kb : 0.0,
          REFERENCE_AT,
          !reference.rss_kb                                         ? "NOT MEASURED"
          : last.rss_kb <= reference.rss_kb + reference.rss_kb / 10 ? "met"
                                                                    : "NOT MET",
          (int)last.fds - (int)idle.fds, last.threads - idle.threads,
          (int)last.elements - (int)idle.elements,
          last.fds == idle.fds && last.threads == idle.threads && last.elements == idle.elements
              ? "met"
              : "NOT MET");
  printf ("Against after the 1st: file descriptors %+d, threads %+" G_GINT64_FORMAT
          " (what the room keeps once made, listed below, is not what each party leaves)\n",
          (int)last.fds - (int)first.fds, last.threads - first.threads);
  if (sessions > 0 && done == joins)
    {
      g_autofree char *dir = g_dir_make_tmp ("bench-soak-XXXXXX", NULL);
      Figures before = measure (room), tenth = before, end = before;
      gint recorded = 0;

      printf ("then %d sessions recorded (the room's tracks, 1 s each) and ended, in %s:\n",
              sessions, dir);
      print_row ("before", before, idle);
      for (gint n = 1; n <= sessions && record_session (room, dir, n, 1.0); n++)
        {
          recorded = n;
          if (n == 1 || n % 10 == 0 || n == sessions)
            {
              g_autofree char *when = g_strdup_printf ("session %d", n);
              end = measure (room);
              if (n == 10)
                tenth = end;
              print_row (when, end, idle);
            }
        }
      printf ("%d sessions. RSS at the end %+.1f%% of after the 10th (target: within 10%%: %s); "
              "file descriptors %+d, threads %+" G_GINT64_FORMAT ", elements %+d against before "
              "the first (target: 0: %s)\n",
              recorded, 100.0 * (end.rss_kb - tenth.rss_kb) / tenth.rss_kb,
              recorded < 10                                    ? "NOT MEASURED"
              : end.rss_kb <= tenth.rss_kb + tenth.rss_kb / 10 ? "met"
                                                               : "NOT MET",
              (int)end.fds - (int)before.fds, end.threads - before.threads,
              (int)end.elements - (int)before.elements,
              end.fds == before.fds && end.threads == before.threads &&
                      end.elements == before.elements
                  ? "met"
                  : "NOT MET");
      remove_flat (dir);
      if (recorded < sessions)
        done = -1;
    }
  {
    /* what is still there: each thread by name, each descriptor by what it is */
    g_autoptr (GPtrArray) threads = names_in ("/proc/self/task", TRUE);
    g_autoptr (GPtrArray) fds = names_in ("/proc/self/fd", FALSE);
    guint unexplained = print_more ("thread", idle_threads, threads);

    unexplained += print_more ("descriptor", idle_fds, fds);
    printf ("Beyond idle at the end: %u threads or descriptors that are not the process's "
            "once-made ones (target: 0: %s)\n",
            unexplained, unexplained == 0 ? "met" : "NOT MET");
  }
  rd_room_stop (room);
  return done == joins ? 0 : 1;
}
