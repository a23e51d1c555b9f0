/* rd-ledger-chain-migrate.c: the entries a change of the ledger's form adds to the chain:
 * "genesis" and "migrate" entries around a schema migration, and the keyed re-statement of the
 * registrations when the book key is given. See rd-ledger-chain.h for the contract and
 * docs/ARCHITECTURE.md for the rules migrations follow. */
#include "ledger/rd-ledger-private.h"
#include "ledger/rd-ledger-error.h"

#include <string.h>

static char *
row_key (const char *table, gint64 row_id)
{
  return g_strdup_printf ("%s\x1f%" G_GINT64_FORMAT, table, row_id);
}

static gboolean
note_row (const RdLedgerChainRow *row, gpointer data)
{
  g_hash_table_add (data, row_key (row->table, row->row_id));
  return TRUE;
}

GHashTable *
rd_ledger_chain_before_migration (RdLedger *self, int to, GError **error)
{
  g_autoptr (GHashTable) before = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  if (to <= RD_LEDGER_CHAIN_SCHEMA_VERSION)
    return g_steal_pointer (&before); /* no chain yet */
  if (!rd_ledger_chain_drop_triggers (self, error) ||
      !rd_ledger_chain_foreach_mismatch (self, note_row, before, error))
    return NULL;
  return g_steal_pointer (&before);
}

typedef struct
{
  GHashTable *before;
  GPtrArray *rows; /* RdLedgerChainRow copies (strings owned) to append */
} Sync;

static void
row_free (gpointer data)
{
  RdLedgerChainRow *row = data;

  g_free ((char *)row->table);
  g_free ((char *)row->content);
  g_free (row);
}

static gboolean
collect_changed (const RdLedgerChainRow *row, gpointer data)
{
  Sync *sync = data;
  g_autofree char *key = row_key (row->table, row->row_id);
  RdLedgerChainRow *copy;

  /* Rows already at odds with the chain stay so, for verify to report; and a migration never
   * deletes a row, so an entry without its row is not the migration's. */
  if (row->content == NULL || g_hash_table_contains (sync->before, key))
    return TRUE;
  copy = g_new0 (RdLedgerChainRow, 1);
  copy->table = g_strdup (row->table);
  copy->row_id = row->row_id;
  copy->content = g_strdup (row->content);
  g_ptr_array_add (sync->rows, copy);
  return TRUE;
}

static gboolean
append_entry (RdLedger *self, const char *table, gint64 row_id, const char *op, const char *content,
              GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;

  stmt = rd_ledger_prepare (self, error,
                            "INSERT INTO chain (seq, tbl, row_id, op, content, prev_hash, hash) "
                            "SELECT h.seq, ?1, ?2, ?3, ?4, h.prev, "
                            "rd_chain_hash (h.prev, json_array (h.seq, ?1, ?2, ?3, ?4)) FROM "
                            "(SELECT " RD_LEDGER_CHAIN_HEAD_SQL ") AS h",
                            4, table, NULL, op, content);
  return stmt != NULL && rd_ledger_bind_int64 (self, stmt, 2, row_id, error) &&
         rd_ledger_step (self, stmt, error) != 0;
}

static gint
compare_rows (gconstpointer a, gconstpointer b)
{
  const RdLedgerChainRow *x = *(RdLedgerChainRow *const *)a;
  const RdLedgerChainRow *y = *(RdLedgerChainRow *const *)b;
  int by_table = strcmp (x->table, y->table);

  if (by_table != 0)
    return by_table;
  return x->row_id < y->row_id ? -1 : x->row_id > y->row_id;
}

gboolean
rd_ledger_chain_after_migration (RdLedger *self, int to, GHashTable *before, GError **error)
{
  g_autoptr (GPtrArray) rows = g_ptr_array_new_with_free_func (row_free);
  Sync sync = { before, rows };
  const char *op = to == RD_LEDGER_CHAIN_SCHEMA_VERSION ? "genesis" : "migrate";

  if (to < RD_LEDGER_CHAIN_SCHEMA_VERSION)
    return TRUE;
  if (!rd_ledger_chain_foreach_mismatch (self, collect_changed, &sync, error))
    return FALSE;
  g_ptr_array_sort (rows, compare_rows); /* tables by name, rows by rowid */
  for (guint i = 0; i < rows->len; i++)
    {
      RdLedgerChainRow *row = rows->pdata[i];

      if (!append_entry (self, row->table, row->row_id, op, row->content, error))
        return FALSE;
    }
  if (rows->len > 0)
    g_debug ("ledger %s: %u %s entries in the chain", self->path, rows->len, op);
  return TRUE;
}

gboolean
rd_ledger_chain_rekey (RdLedger *self, gint64 *n_rows, GError **error)
{
  g_autoptr (GPtrArray) tables = NULL;
  g_autoptr (GPtrArray) rows = g_ptr_array_new_with_free_func (row_free);

  *n_rows = 0;
  g_return_val_if_fail (self->chain_key.set, FALSE);
  if (self->schema_version < RD_LEDGER_CHAIN_KEYED_SCHEMA_VERSION)
    return TRUE;
  tables = rd_ledger_chain_tables (self, error);
  if (tables == NULL)
    return FALSE;
  for (guint i = 0; i < tables->len; i++)
    {
      const char *table = tables->pdata[i];
      g_autofree char *unkeyed = NULL;
      g_autofree char *keyed = NULL;
      char *ident = NULL;
      g_autofree char *sql = NULL;
      g_autoptr (sqlite3_stmt) stmt = NULL;
      int rc;

      if (!rd_ledger_chain_table_is_keyed (table))
        continue;
      unkeyed = rd_ledger_chain_content_sql_form (self, table, "t.", FALSE, error);
      keyed = unkeyed ? rd_ledger_chain_content_sql_form (self, table, "t.", TRUE, error) : NULL;
      if (keyed == NULL)
        return FALSE;
      ident = sqlite3_mprintf ("\"%w\"", table);
      /* Only rows whose latest entry is their content now in the unkeyed form: a row changed
       * behind the chain's back stays at odds with it, for verify to report. */
      sql = g_strdup_printf (
          "SELECT t.rowid, %s FROM %s AS t JOIN "
          "(SELECT row_id, max (seq) AS seq, content FROM chain WHERE tbl = ?1 GROUP BY row_id) "
          "AS c ON c.row_id = t.rowid WHERE c.content = %s ORDER BY t.rowid",
          keyed, ident, unkeyed);
      sqlite3_free (ident);
      stmt = rd_ledger_prepare (self, error, sql, 1, table);
      if (stmt == NULL)
        return FALSE;
      while ((rc = rd_ledger_step (self, stmt, error)) == SQLITE_ROW)
        {
          RdLedgerChainRow *copy = g_new0 (RdLedgerChainRow, 1);

          copy->table = g_strdup (table);
          copy->row_id = sqlite3_column_int64 (stmt, 0);
          copy->content = g_strdup ((const char *)sqlite3_column_text (stmt, 1));
          g_ptr_array_add (rows, copy);
        }
      if (rc != SQLITE_DONE)
        return FALSE;
    }
  /* Appended after reading, in the order of rd_ledger_chain_after_migration(). */
  for (guint i = 0; i < rows->len; i++)
    {
      RdLedgerChainRow *row = rows->pdata[i];

      if (!append_entry (self, row->table, row->row_id, "migrate", row->content, error))
        return FALSE;
    }
  *n_rows = rows->len;
  return TRUE;
}
