/* bench-chain: what the ledger's hash chain costs a write.
 *
 *   bench-chain [RUNS] [EVENTS]   (defaults 5 and 2000; the ledger goes in $TMPDIR)
 *
 * Each run makes a fresh ledger and appends EVENTS events with rd_ledger_add_event() (one
 * transaction each, as the daemon writes them), once with the chain's triggers and once with
 * them dropped (the baseline, same run, alternating which goes first), then the same number of
 * plain INSERTs inside one transaction (the triggers' own cost, without commits). Prints the
 * median inserts/s of each over RUNS runs and the ratio, and how fast verify reads the chain. */
#include <stdio.h>
#include <stdlib.h>

#include "ledger/rd-ledger-chain.h"
#include "ledger/rd-ledger-private.h"

static int
compare_doubles (const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double
median (double *v, int n)
{
  qsort (v, n, sizeof *v, compare_doubles);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void
check (gboolean ok, GError *error)
{
  if (!ok)
    {
      fprintf (stderr, "bench-chain: %s\n", error ? error->message : "failed");
      exit (1);
    }
}

static void
drop_chain_triggers (RdLedger *ledger)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) tables = rd_ledger_chain_tables (ledger, &error);

  check (tables != NULL, error);
  for (guint i = 0; i < tables->len; i++)
    {
      char *sql = sqlite3_mprintf ("DROP TRIGGER \"chain_ai_%w\"; DROP TRIGGER \"chain_au_%w\";",
                                   (char *)tables->pdata[i], (char *)tables->pdata[i]);
      check (rd_ledger_exec (ledger, sql, &error), error);
      sqlite3_free (sql);
    }
}

typedef struct
{
  double api_per_s;  /* rd_ledger_add_event(), one transaction each */
  double bulk_per_s; /* INSERT INTO events, all in one transaction */
  double verify_entries_per_s;
} Result;

static Result
run_once (gboolean chained, int n)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("bench-chain-XXXXXX", &error);
  g_autofree char *id = NULL;
  g_autoptr (sqlite3_stmt) insert = NULL;
  RdLedger *ledger;
  Result r = { 0 };
  gint64 t0;

  check (dir != NULL, error);
  ledger = rd_ledger_open (dir, &error);
  check (ledger != NULL, error);
  if (!chained)
    drop_chain_triggers (ledger);
  id = rd_ledger_session_start (ledger, "bench", "bench", &error);
  check (id != NULL, error);

  t0 = g_get_monotonic_time ();
  for (int i = 0; i < n; i++)
    {
      g_autoptr (JsonNode) detail = json_from_string ("{\"n\": 1, \"text\": \"a note\"}", NULL);
      check (rd_ledger_add_event (ledger, id, "bench", "note", detail, &error) > 0, error);
    }
  r.api_per_s = n / ((g_get_monotonic_time () - t0) / 1e6);

  t0 = g_get_monotonic_time ();
  check (rd_ledger_begin (ledger, FALSE, &error), error);
  insert = rd_ledger_prepare (ledger, &error,
                              "INSERT INTO events (at, session_id, actor, kind, detail) VALUES "
                              "('2026-01-01T00:00:00.000000Z', ?1, 'bench', 'note', "
                              "'{\"n\": 1, \"text\": \"a note\"}')",
                              1, id);
  check (insert != NULL, error);
  for (int i = 0; i < n; i++)
    {
      check (rd_ledger_step (ledger, insert, &error) == SQLITE_DONE, error);
      sqlite3_reset (insert);
    }
  g_clear_pointer (&insert, sqlite3_finalize);
  check (rd_ledger_commit (ledger, FALSE, &error), error);
  r.bulk_per_s = n / ((g_get_monotonic_time () - t0) / 1e6);

  if (chained)
    {
      g_autoptr (JsonNode) report = NULL;
      gint64 entries;

      t0 = g_get_monotonic_time ();
      report = rd_ledger_verify (ledger, NULL, &error);
      check (report != NULL, error);
      check (json_object_get_boolean_member (json_node_get_object (report), "ok"), NULL);
      entries = json_object_get_int_member (json_node_get_object (report), "entries");
      r.verify_entries_per_s = entries / ((g_get_monotonic_time () - t0) / 1e6);
    }
  rd_ledger_close (ledger);
  {
    g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", dir);
    if (system (cmd) != 0)
      fprintf (stderr, "bench-chain: could not remove %s\n", dir);
  }
  return r;
}

int
main (int argc, char **argv)
{
  int runs = argc > 1 ? atoi (argv[1]) : 5;
  int n = argc > 2 ? atoi (argv[2]) : 2000;
  g_autofree double *api_on = NULL, *api_off = NULL, *bulk_on = NULL, *bulk_off = NULL;
  g_autofree double *verify = NULL;

  if (runs < 1 || n < 1)
    {
      fprintf (stderr, "usage: bench-chain [RUNS] [EVENTS]\n");
      return 64;
    }
  api_on = g_new0 (double, runs);
  api_off = g_new0 (double, runs);
  bulk_on = g_new0 (double, runs);
  bulk_off = g_new0 (double, runs);
  verify = g_new0 (double, runs);
  printf ("bench-chain: %d runs of %d events each, ledger in %s\n", runs, n, g_get_tmp_dir ());
  for (int i = 0; i < runs; i++)
    {
      Result on, off;

      if (i % 2 == 0)
        {
          on = run_once (TRUE, n);
          off = run_once (FALSE, n);
        }
      else
        {
          off = run_once (FALSE, n);
          on = run_once (TRUE, n);
        }
      api_on[i] = on.api_per_s;
      api_off[i] = off.api_per_s;
      bulk_on[i] = on.bulk_per_s;
      bulk_off[i] = off.bulk_per_s;
      verify[i] = on.verify_entries_per_s;
      printf ("  run %d: events/s %.0f chained, %.0f without; bulk inserts/s %.0f chained, %.0f "
              "without\n",
              i + 1, on.api_per_s, off.api_per_s, on.bulk_per_s, off.bulk_per_s);
    }
  {
    double a_on = median (api_on, runs), a_off = median (api_off, runs);
    double b_on = median (bulk_on, runs), b_off = median (bulk_off, runs);

    printf ("events through the API (one transaction each), median: %.0f/s with the chain, "
            "%.0f/s without: %.2fx the time\n",
            a_on, a_off, a_off / a_on);
    printf ("bulk INSERTs (one transaction), median: %.0f/s with the chain, %.0f/s without: "
            "%.2fx the time\n",
            b_on, b_off, b_off / b_on);
    printf ("verify, median: %.0f chain entries/s\n", median (verify, runs));
  }
  return 0;
}
