/* bench-bridge.c: glass to glass, party to party through receptiond's conference picture,
 * against a direct Chromium <-> Chromium call in the same run, on loopback, in a network
 * namespace of its own.
 *   through the room: two Chromium WHIP parties (bench-bridge.js) call into the real daemon in
 *     the grid layout; A draws the wall clock into each frame before its encoder
 *     (bench-stamp.js), B reads it back from A's tile of the composite it decodes, on each
 *     displayed frame (requestVideoFrameCallback), and subtracts: A's encoder, the network, the
 *     room's decoder, compositor and encoder, the network again, B's decoder;
 *   direct: bench-stamp.js's runPair(), one Chromium peer connection to another (one encoder,
 *     one decoder).
 * Each run measures 60 frames (median); the figures are medians of the runs, with the ratio.
 * Target (the conference issue): through the room within 2x the direct call.
 *
 * usage: bench-bridge [RUNS]   (as root: it makes a network namespace; needs chromium) */
#include <stdio.h>

#include "tests/rd-test-chromium.h"
#include "tests/rd-test-daemon.h"
#include "tests/rd-test-netns.h"
#include "tests/rd-test-page.h"

#define STEP_MS 60000
#define FRAMES  60

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

/* Evaluates @js (a promise of {latency_ms, ...}); appends the latency, prints the run. */
static void
run_once (RdTestChromium *chromium, const char *what, const char *js, GArray *latency)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) r = rd_test_chromium_eval (chromium, js, STEP_MS, &error);
  JsonObject *o;
  JsonNode *l;

  if (!r)
    g_error ("bench run failed: %s", error->message);
  o = json_node_get_object (r);
  l = json_object_get_member (o, "latency_ms");
  if (!l || json_node_is_null (l))
    {
      printf ("  %s: no stamp read\n", what);
      return;
    }
  double v = json_node_get_double (l);
  g_array_append_val (latency, v);
  if (json_object_has_member (o, "min_ms"))
    printf ("  %s: %.0f ms (frames from %.0f to %.0f)\n", what, v,
            json_object_get_double_member (o, "min_ms"),
            json_object_get_double_member (o, "max_ms"));
  else
    printf ("  %s: %.0f ms\n", what, v);
  fflush (stdout);
}

/* {"endpoint": whip_url, "token": token} of a new invite of @session. (transfer full) */
static char *
invite_spec (RdTestDaemon *t, const char *session, const char *name)
{
  g_autoptr (JsonNode) inv =
      rd_test_ctl_json (t, "session", "invite", session, "--role", "agency", "--name", name, NULL);
  JsonObject *o = json_node_get_object (inv);

  return g_strdup_printf ("{\"endpoint\": \"%s\", \"token\": \"%s\"}",
                          json_object_get_string_member (o, "whip_url"),
                          json_object_get_string_member (o, "token"));
}

int
main (int argc, char **argv)
{
  guint runs = argc > 1 ? (guint)g_ascii_strtoull (argv[1], NULL, 10) : 5;
  g_autofree char *why = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (RdTestPage) page = NULL;
  g_autoptr (GArray) direct = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) bridged = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (RdTestChromium) chromium = NULL;
  g_autoptr (RdTestDaemon) t = NULL;
  g_autofree char *out = NULL;
  g_autofree char *session = NULL;

  if (runs == 0 || runs > 50)
    runs = 5;
  if (!rd_test_enter_netns (&why) || !rd_test_chromium_available (&why))
    {
      fprintf (stderr, "bench-bridge: cannot run: %s\n", why);
      return 77;
    }
  g_setenv ("RD_TEST_BINDIR", RD_BENCH_BINDIR, TRUE);
  g_setenv ("RD_TEST_SRCDIR", RD_BENCH_SRCDIR "/..", TRUE);
  page = rd_test_page_new ("bridge", "bench/bench-stamp.js", "bench/bench-bridge.js", NULL);

  chromium = rd_test_chromium_start (&error);
  if (!chromium)
    g_error ("%s", error->message);
  /* the room's test camera makes a 640x360 composite; in the grid of the room and two parties
   * (2x2) A's tile is the second: (320, 0), 320x180, A's 640x360 picture at half size */
  t = rd_test_daemon_new ("[media]\nlayout=grid\n[network]\nice-addresses=127.0.0.1\n");
  rd_test_daemon_start (t);
  g_assert_cmpint (rd_test_ctl (t, &out, NULL, "session", "start", "--title", "bench", NULL), ==,
                   0);
  session = g_strstrip (g_strdup (out));

  printf ("glass to glass: Chromium party A -> receptiond's composite -> Chromium party B, and a "
          "direct Chromium <-> Chromium call, alternately (%u runs of %d frames)\n",
          runs, FRAMES);
  for (guint i = 0; i < runs; i++)
    {
      g_autofree char *a = invite_spec (t, session, "A");
      g_autofree char *b = invite_spec (t, session, "B");
      g_autofree char *js =
          g_strdup_printf ("runBridge(%s, %s, {x: 320, y: 0, cell: 8}, %d)", a, b, FRAMES);

      if (!rd_test_chromium_open (chromium, rd_test_page_get_url (page), STEP_MS, &error))
        g_error ("%s", error->message);
      run_once (chromium, "A -> room -> B", js, bridged);
      if (!rd_test_chromium_open (chromium, rd_test_page_get_url (page), STEP_MS, &error))
        g_error ("%s", error->message);
      run_once (chromium, "direct", "runPair()", direct);
    }

  printf ("\n%-36s %14s\n", "", "latency (ms)");
  printf ("%-36s %14.0f\n", "Chromium <-> Chromium (baseline)", median (direct));
  printf ("%-36s %14.0f\n", "A -> receptiond composite -> B", median (bridged));
  printf ("%-36s %13.2fx   (target 2x; medians of %u runs)\n", "ratio",
          median (bridged) > 0 && median (direct) > 0 ? median (bridged) / median (direct) : -1.0,
          runs);
  return 0;
}
