/* bench-join.c: receptiond <-> Chromium against Chromium <-> Chromium, on loopback, in a network
 * namespace of its own. For each pair, several runs, medians printed with the ratio:
 *   setup:   ms from the offer being sent (the join page's POST; the baseline's equivalent
 *            moment) to the first decoded frame of the far side's video in the browser;
 *   latency: glass-to-glass ms of that video: the far side draws the wall clock into each
 *            frame (bench-stamp.js; receptiond's test camera does the same), the browser reads
 *            it back from each displayed frame (requestVideoFrameCallback) and subtracts.
 * Targets: setup within 1.5x, latency within 2x of the Chromium pair.
 *
 * usage: bench-join [RUNS]   (as root: it makes a network namespace; needs chromium) */
#include <stdio.h>

#include "tests/rd-test-chromium.h"
#include "tests/rd-test-daemon.h"
#include "tests/rd-test-netns.h"
#include "tests/rd-test-page.h"

#define STEP_MS 30000

static char *stamp_js;

static int
compare_double (gconstpointer a, gconstpointer b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double
median (GArray *values)
{
  if (values->len == 0)
    return -1;
  g_array_sort (values, compare_double);
  return g_array_index (values, double, values->len / 2);
}

/* Evaluates @js (a promise of {setup_ms, latency_ms}) and appends the figures. */
static void
run_once (RdTestChromium *chromium, const char *js, GArray *setup, GArray *latency)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) r = rd_test_chromium_eval (chromium, js, STEP_MS, &error);
  JsonObject *o;
  double s, l = -1;

  if (!r)
    g_error ("bench run failed: %s", error->message);
  o = json_node_get_object (r);
  s = json_object_get_double_member (o, "setup_ms");
  if (!json_node_is_null (json_object_get_member (o, "latency_ms")))
    l = json_object_get_double_member (o, "latency_ms");
  g_array_append_val (setup, s);
  if (l >= 0)
    g_array_append_val (latency, l);
  printf ("  run: setup %.0f ms (answer after %.0f ms), latency %s%.0f ms\n", s,
          json_object_get_double_member (o, "answer_ms"), l < 0 ? "(no stamp) " : "", l);
  fflush (stdout);
}

int
main (int argc, char **argv)
{
  guint runs = argc > 1 ? (guint)g_ascii_strtoull (argv[1], NULL, 10) : 5;
  g_autofree char *why = NULL;
  g_autofree char *js_path = g_build_filename (RD_BENCH_SRCDIR, "bench-stamp.js", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (RdTestPage) pair = NULL;
  g_autoptr (GArray) pair_setup = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) pair_latency = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) rd_setup = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) rd_latency = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (RdTestChromium) chromium = NULL;
  g_autoptr (RdTestDaemon) t = NULL;
  g_autofree char *out = NULL;
  g_autofree char *session = NULL;

  if (runs == 0 || runs > 50)
    runs = 5;
  if (!rd_test_enter_netns (&why) || !rd_test_chromium_available (&why))
    {
      fprintf (stderr, "bench-join: cannot run: %s\n", why);
      return 77;
    }
  g_setenv ("RD_TEST_BINDIR", RD_BENCH_BINDIR, TRUE);
  if (!g_file_get_contents (js_path, &stamp_js, NULL, &error))
    g_error ("%s", error->message);

  g_setenv ("RD_TEST_SRCDIR", RD_BENCH_SRCDIR "/..", TRUE);
  pair = rd_test_page_new ("pair", "bench/bench-stamp.js", NULL);

  chromium = rd_test_chromium_start (&error);
  if (!chromium)
    g_error ("%s", error->message);

  printf ("Chromium <-> Chromium (%u runs)\n", runs);
  for (guint i = 0; i < runs; i++)
    {
      if (!rd_test_chromium_open (chromium, rd_test_page_get_url (pair), STEP_MS, &error))
        g_error ("%s", error->message);
      run_once (chromium, "runPair()", pair_setup, pair_latency);
    }

  t = rd_test_daemon_new ("[network]\nice-addresses=127.0.0.1\n");
  rd_test_daemon_start (t);
  g_assert_cmpint (rd_test_ctl (t, &out, NULL, "session", "start", "--title", "bench", NULL), ==,
                   0);
  session = g_strstrip (g_strdup (out));
  printf ("receptiond <-> Chromium (%u runs)\n", runs);
  for (guint i = 0; i < runs; i++)
    {
      g_autoptr (JsonNode) inv =
          rd_test_ctl_json (t, "session", "invite", session, "--role", "board", NULL);
      g_autofree char *inject = NULL;
      const char *join_url = json_object_get_string_member (json_node_get_object (inv), "join_url");
      g_autoptr (JsonNode) injected = NULL;

      if (!rd_test_chromium_open (chromium, join_url, STEP_MS, &error))
        g_error ("%s", error->message);
      /* The measuring functions, into the join page (which has none of its own). */
      {
        g_autoptr (JsonNode) js = json_node_new (JSON_NODE_VALUE);
        g_autofree char *quoted = NULL;
        json_node_set_string (js, stamp_js);
        quoted = json_to_string (js, FALSE);
        inject = g_strdup_printf ("(0, eval)(%s), true", quoted);
      }
      injected = rd_test_chromium_eval (chromium, inject, STEP_MS, &error);
      if (!injected)
        g_error ("%s", error->message);
      run_once (chromium, "runJoin()", rd_setup, rd_latency);
      g_clear_pointer (&injected, json_node_unref);
      injected =
          rd_test_chromium_eval (chromium, "rdJoin.leave && rdJoin.leave(), true", STEP_MS, &error);
    }

  printf ("\n%-24s %12s %14s\n", "", "setup (ms)", "latency (ms)");
  printf ("%-24s %12.0f %14.0f\n", "Chromium <-> Chromium", median (pair_setup),
          median (pair_latency));
  printf ("%-24s %12.0f %14.0f\n", "receptiond <-> Chromium", median (rd_setup),
          median (rd_latency));
  printf ("%-24s %11.2fx %13.2fx   (targets: 1.5x, 2x; medians of %u runs)\n", "ratio",
          median (rd_setup) / median (pair_setup),
          median (rd_latency) > 0 ? median (rd_latency) / median (pair_latency) : -1.0, runs);
  return 0;
}
