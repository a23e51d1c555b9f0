/* rd-ledger-chain-verify-async.c: rd_ledger_verify_async(): the verification in a GTask worker,
 * on a read-only connection the worker opens and closes itself. See rd-ledger-chain.h for the
 * contract. */
#include "ledger/rd-ledger-private.h"
#include "ledger/rd-ledger-error.h"

#include <string.h>

/* As long as the main connection waits for a lock (rd-ledger.c). */
#define READER_BUSY_TIMEOUT_MS 5000

typedef struct
{
  char *path;                 /* the ledger's file */
  RdLedgerKey *key;           /* a reference, or NULL */
  RdLedgerChainKey chain_key; /* a copy: the keyed tables' rows are recomputed only with it */
  JsonNode *exported;
  RdLedgerVerifyProgress *progress; /* the caller's, or NULL */
} Job;

static void
job_free (Job *job)
{
  g_free (job->path);
  g_clear_pointer (&job->key, rd_ledger_key_free);
  explicit_bzero (&job->chain_key, sizeof job->chain_key);
  g_clear_pointer (&job->exported, json_node_unref);
  g_free (job);
}

gint64
rd_ledger_verify_progress_get (const gint64 *member)
{
  return __atomic_load_n (member, __ATOMIC_RELAXED);
}

void
rd_ledger_verify_progress_add (gint64 *member, gint64 n)
{
  __atomic_add_fetch (member, n, __ATOMIC_RELAXED);
}

/* A read-only RdLedger on @job's file: only what verification reads (the connection, the
 * path, the schema version, the keys). */
static RdLedger *
open_reader (Job *job, GError **error)
{
  g_autoptr (RdLedger) reader = g_new0 (RdLedger, 1);
  int rc;

  reader->path = g_strdup (job->path);
  rc =
      sqlite3_open_v2 (reader->path, &reader->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK)
    {
      rd_ledger_set_db_error (error, reader->db, rc, RD_LEDGER_ERROR_OPEN,
                              "cannot open ledger %s to verify it", reader->path);
      return NULL;
    }
  sqlite3_extended_result_codes (reader->db, 1);
  sqlite3_busy_timeout (reader->db, READER_BUSY_TIMEOUT_MS);
  sqlite3_db_config (reader->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
  reader->chain_key = job->chain_key;
  if (!rd_ledger_chain_register (reader->db, &reader->chain_key))
    {
      rd_ledger_set_db_error (error, reader->db, SQLITE_ERROR, RD_LEDGER_ERROR_OPEN,
                              "cannot register the hash chain's function on ledger %s",
                              reader->path);
      return NULL;
    }
  if (!rd_ledger_schema_check (reader->db, reader->path, FALSE, &reader->schema_version, error))
    return NULL;
  if (job->key)
    reader->key = rd_ledger_key_ref (job->key);
  return g_steal_pointer (&reader);
}

static void
verify_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  Job *job = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (RdLedger) reader = open_reader (job, &error);
  JsonNode *report = NULL;

  if (reader)
    report =
        rd_ledger_verify_run (reader, job->exported ? json_node_get_object (job->exported) : NULL,
                              cancellable, job->progress, &error);
  if (report)
    g_task_return_pointer (task, report, (GDestroyNotify)json_node_unref);
  else
    g_task_return_error (task, g_steal_pointer (&error));
}

void
rd_ledger_verify_async (RdLedger *ledger, JsonObject *exported, RdLedgerVerifyProgress *progress,
                        GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  Job *job;

  g_return_if_fail (ledger != NULL);

  job = g_new0 (Job, 1);
  job->path = g_strdup (ledger->path);
  job->key = ledger->key ? rd_ledger_key_ref (ledger->key) : NULL;
  job->chain_key = ledger->chain_key;
  job->progress = progress;
  if (exported)
    {
      /* A deep copy: JsonObject's references are not for two threads. */
      g_autoptr (JsonNode) node = json_node_init_object (json_node_alloc (), exported);
      g_autofree char *text = json_to_string (node, FALSE);

      job->exported = json_from_string (text, NULL);
    }
  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, rd_ledger_verify_async);
  /* The worker's own error, which names the ledger, rather than GTask's bare one. */
  g_task_set_check_cancellable (task, FALSE);
  g_task_set_task_data (task, job, (GDestroyNotify)job_free);
  g_task_run_in_thread (task, verify_thread);
}

JsonNode *
rd_ledger_verify_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == rd_ledger_verify_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
