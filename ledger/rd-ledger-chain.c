/* rd-ledger-chain.c: the hash chain's machinery: the hash functions, the triggers generated from
 * the schema, and rows compared with their entries. The entries migrations add are in
 * rd-ledger-chain-migrate.c, checkpoints in rd-ledger-chain-checkpoint.c, verification in
 * rd-ledger-chain-verify.c. See rd-ledger-chain.h for the contract. */
#include "ledger/rd-ledger-private.h"
#include "ledger/rd-ledger-book.h"
#include "ledger/rd-ledger-error.h"

#include <string.h>

/* Names of the generated triggers: chain_ai_<table> (after insert), chain_au_<table>. */
#define TRIGGER_GLOB "chain_a[iu]_*"

static void
chain_hash_fn (sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
  const unsigned char *prev = sqlite3_value_text (argv[0]);
  const unsigned char *entry = sqlite3_value_text (argv[1]);
  g_autoptr (GChecksum) sum = NULL;

  if (prev == NULL || entry == NULL)
    {
      sqlite3_result_error (ctx, "rd_chain_hash: prev_hash and entry must not be NULL", -1);
      return;
    }
  sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_checksum_update (sum, prev, sqlite3_value_bytes (argv[0]));
  g_checksum_update (sum, entry, sqlite3_value_bytes (argv[1]));
  sqlite3_result_text (ctx, g_checksum_get_string (sum), -1, SQLITE_TRANSIENT);
}

/* rd_chain_hmac (text): HMAC-SHA-256 of text under the chain key the function was registered
 * with (its user data); an error while there is none. */
static void
chain_hmac_fn (sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
  const RdLedgerChainKey *key = sqlite3_user_data (ctx);
  const unsigned char *text = sqlite3_value_text (argv[0]);
  g_autoptr (GHmac) hmac = NULL;

  if (key == NULL || !key->set)
    {
      sqlite3_result_error (ctx,
                            "rd_chain_hmac: no book key: the reception book's registrations enter "
                            "the chain only as a hash keyed with it",
                            -1);
      return;
    }
  if (text == NULL)
    {
      sqlite3_result_error (ctx, "rd_chain_hmac: the text must not be NULL", -1);
      return;
    }
  hmac = g_hmac_new (G_CHECKSUM_SHA256, key->bytes, sizeof key->bytes);
  g_hmac_update (hmac, text, sqlite3_value_bytes (argv[0]));
  sqlite3_result_text (ctx, g_hmac_get_string (hmac), -1, SQLITE_TRANSIENT);
}

gboolean
rd_ledger_chain_register (sqlite3 *db, const RdLedgerChainKey *key)
{
  /* rd_chain_hmac is not SQLITE_INNOCUOUS: its result depends on a secret. */
  return sqlite3_create_function_v2 (db, "rd_chain_hash", 2,
                                     SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL,
                                     chain_hash_fn, NULL, NULL, NULL) == SQLITE_OK &&
         sqlite3_create_function_v2 (db, "rd_chain_hmac", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
                                     (void *)key, chain_hmac_fn, NULL, NULL, NULL) == SQLITE_OK;
}

void
rd_ledger_chain_key_derive (RdLedgerChainKey *out, const guint8 *book_key)
{
  static const char label[] = "receptiond-chain-hmac-1";
  g_autoptr (GHmac) hmac = g_hmac_new (G_CHECKSUM_SHA256, book_key, RD_LEDGER_BOOK_KEY_SIZE);
  gsize len = sizeof out->bytes;

  g_hmac_update (hmac, (const guchar *)label, strlen (label));
  g_hmac_get_digest (hmac, out->bytes, &len);
  out->set = len == sizeof out->bytes;
}

gboolean
rd_ledger_chain_table_is_keyed (const char *table)
{
  return g_str_has_prefix (table, "registration");
}

static char *
quote (const char *text, char mark)
{
  GString *out = g_string_new (NULL);

  g_string_append_c (out, mark);
  for (const char *p = text; *p; p++)
    {
      if (*p == mark)
        g_string_append_c (out, mark); /* doubled, as SQL quotes it */
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, mark);
  return g_string_free (out, FALSE);
}

GPtrArray *
rd_ledger_chain_tables (RdLedger *self, GError **error)
{
  g_autoptr (GPtrArray) tables = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (sqlite3_stmt) stmt = NULL;
  int rc;

  stmt = rd_ledger_prepare (self, error,
                            "SELECT name, wr FROM pragma_table_list "
                            "WHERE schema = 'main' AND type = 'table' AND name <> 'chain' "
                            "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
                            0);
  if (stmt == NULL)
    return NULL;
  while ((rc = rd_ledger_step (self, stmt, error)) == SQLITE_ROW)
    {
      const char *name = (const char *)sqlite3_column_text (stmt, 0);

      if (sqlite3_column_int (stmt, 1) != 0)
        {
          g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_IO,
                       "table \"%s\" is WITHOUT ROWID; the chain covers only tables with rowids",
                       name);
          return NULL;
        }
      g_ptr_array_add (tables, g_strdup (name));
    }
  return rc == SQLITE_DONE ? g_steal_pointer (&tables) : NULL;
}

char *
rd_ledger_chain_content_sql_form (RdLedger *self, const char *table, const char *prefix,
                                  gboolean keyed, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (GString) sql = g_string_new ("json_patch ('{}', json_object (");
  gboolean first = TRUE;
  int rc;

  stmt = rd_ledger_prepare (self, error, "SELECT name FROM pragma_table_info (?1) ORDER BY cid", 1,
                            table);
  if (stmt == NULL)
    return NULL;
  while ((rc = rd_ledger_step (self, stmt, error)) == SQLITE_ROW)
    {
      const char *name = (const char *)sqlite3_column_text (stmt, 0);
      g_autofree char *literal = quote (name, '\'');
      g_autofree char *ident = quote (name, '"');

      /* NULL is left out by json_patch; a BLOB, which JSON cannot hold, becomes {"blob": HEX}. */
      g_string_append_printf (sql,
                              "%s%s, iif (typeof (%s%s) = 'blob', "
                              "json_object ('blob', hex (%s%s)), %s%s)",
                              first ? "" : ", ", literal, prefix, ident, prefix, ident, prefix,
                              ident);
      first = FALSE;
    }
  if (rc != SQLITE_DONE)
    return NULL;
  g_string_append (sql, "))");
  /* Tables that may hold a citizen's identity in clear before it is protected (the reception
   * book's registrations and their history): the chain keeps only a hash of the row, so that
   * sealing an identity later leaves no clear copy in the chain, which never changes. The hash
   * is keyed (HMAC under a key derived from the book key, which is not in the file): an unkeyed
   * one would let anyone holding the file confirm a guessed identity by hashing it. A change is
   * still caught; the report names the row, not the column. */
  if (rd_ledger_chain_table_is_keyed (table))
    {
      g_string_prepend (sql, keyed ? "json_object ('hmac-sha256', rd_chain_hmac ("
                                   : "json_object ('sha256', rd_chain_hash ('', ");
      g_string_append (sql, "))");
    }
  return g_strdup (sql->str);
}

char *
rd_ledger_chain_content_sql (RdLedger *self, const char *table, const char *prefix, GError **error)
{
  return rd_ledger_chain_content_sql_form (
      self, table, prefix, self->schema_version >= RD_LEDGER_CHAIN_KEYED_SCHEMA_VERSION, error);
}

static char *
trigger_sql (const char *table, const char *op, const char *content)
{
  g_autofree char *name = g_strdup_printf ("chain_a%c_%s", op[0], table);
  g_autofree char *name_ident = quote (name, '"');
  g_autofree char *ident = quote (table, '"');
  g_autofree char *literal = quote (table, '\'');

  return g_strdup_printf (
      "CREATE TRIGGER %s AFTER %s ON %s BEGIN "
      "INSERT INTO chain (seq, tbl, row_id, op, content, prev_hash, hash) "
      "SELECT h.seq, %s, NEW.rowid, '%s', h.content, h.prev, "
      "rd_chain_hash (h.prev, json_array (h.seq, %s, NEW.rowid, '%s', h.content)) "
      "FROM (SELECT " RD_LEDGER_CHAIN_HEAD_SQL ", %s AS content) AS h; END",
      name_ident, g_str_equal (op, "insert") ? "INSERT" : "UPDATE", ident, literal, op, literal, op,
      content);
}

/* name -> CREATE TRIGGER text, for every generated trigger the schema calls for. */
static GHashTable *
expected_triggers (RdLedger *self, GError **error)
{
  g_autoptr (GHashTable) expected = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr (GPtrArray) tables = rd_ledger_chain_tables (self, error);

  if (tables == NULL)
    return NULL;
  for (guint i = 0; i < tables->len; i++)
    {
      const char *table = tables->pdata[i];
      g_autofree char *content = rd_ledger_chain_content_sql (self, table, "NEW.", error);

      if (content == NULL)
        return NULL;
      g_hash_table_insert (expected, g_strdup_printf ("chain_ai_%s", table),
                           trigger_sql (table, "insert", content));
      g_hash_table_insert (expected, g_strdup_printf ("chain_au_%s", table),
                           trigger_sql (table, "update", content));
    }
  return g_steal_pointer (&expected);
}

/* name -> SQL of the generated triggers the file has. */
static GHashTable *
existing_triggers (RdLedger *self, GError **error)
{
  g_autoptr (GHashTable) existing = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr (sqlite3_stmt) stmt = NULL;
  int rc;

  stmt = rd_ledger_prepare (self, error,
                            "SELECT name, sql FROM sqlite_schema "
                            "WHERE type = 'trigger' AND name GLOB '" TRIGGER_GLOB "'",
                            0);
  if (stmt == NULL)
    return NULL;
  while ((rc = rd_ledger_step (self, stmt, error)) == SQLITE_ROW)
    g_hash_table_insert (existing, g_strdup ((const char *)sqlite3_column_text (stmt, 0)),
                         g_strdup ((const char *)sqlite3_column_text (stmt, 1)));
  return rc == SQLITE_DONE ? g_steal_pointer (&existing) : NULL;
}

static gboolean
drop_triggers (RdLedger *self, GHashTable *existing, GError **error)
{
  GHashTableIter iter;
  gpointer name;

  g_hash_table_iter_init (&iter, existing);
  while (g_hash_table_iter_next (&iter, &name, NULL))
    {
      g_autofree char *ident = quote (name, '"');
      g_autofree char *sql = g_strdup_printf ("DROP TRIGGER %s", ident);

      if (!rd_ledger_exec (self, sql, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
same_triggers (GHashTable *a, GHashTable *b)
{
  GHashTableIter iter;
  gpointer name, sql;

  if (g_hash_table_size (a) != g_hash_table_size (b))
    return FALSE;
  g_hash_table_iter_init (&iter, a);
  while (g_hash_table_iter_next (&iter, &name, &sql))
    if (g_strcmp0 (sql, g_hash_table_lookup (b, name)) != 0)
      return FALSE;
  return TRUE;
}

gboolean
rd_ledger_chain_install_triggers (RdLedger *self, GError **error)
{
  g_autoptr (GHashTable) expected = NULL;
  g_autoptr (GHashTable) existing = NULL;
  GHashTableIter iter;
  gpointer sql;

  if (!rd_ledger_begin (self, FALSE, error))
    goto fail;
  expected = expected_triggers (self, error);
  existing = expected ? existing_triggers (self, error) : NULL;
  if (existing == NULL)
    goto fail;
  if (same_triggers (expected, existing))
    {
      rd_ledger_rollback (self, FALSE); /* nothing written */
      return TRUE;
    }
  if (!drop_triggers (self, existing, error))
    goto fail;
  g_hash_table_iter_init (&iter, expected);
  while (g_hash_table_iter_next (&iter, NULL, &sql))
    if (!rd_ledger_exec (self, sql, error))
      goto fail;
  if (!rd_ledger_commit (self, FALSE, error))
    goto fail;
  g_debug ("ledger %s: chain triggers (re)made for %u tables", self->path,
           g_hash_table_size (expected) / 2);
  return TRUE;

fail:
  rd_ledger_rollback (self, FALSE);
  g_prefix_error (error, "cannot set up the hash chain's triggers in ledger %s: ", self->path);
  return FALSE;
}

/* Rows of @table that disagree with the chain, then its entries whose row is gone. */
static gboolean
table_mismatches (RdLedger *self, const char *table,
                  gboolean (*fn) (const RdLedgerChainRow *row, gpointer data), gpointer data,
                  gboolean *stop, GError **error)
{
  gboolean unkeyed = rd_ledger_chain_table_is_keyed (table) && !self->chain_key.set &&
                     self->schema_version >= RD_LEDGER_CHAIN_KEYED_SCHEMA_VERSION;
  /* Without the key a keyed row's content cannot be recomputed: it is taken as its latest
   * entry's, so only a row without an entry, or an entry without its row, is found. */
  g_autofree char *content = unkeyed ? g_strdup ("coalesce (c.content, '')")
                                     : rd_ledger_chain_content_sql (self, table, "t.", error);
  g_autofree char *ident = quote (table, '"');
  g_autofree char *rows_sql = NULL;
  g_autofree char *gone_sql = NULL;
  g_autoptr (sqlite3_stmt) stmt = NULL;
  int rc = 0;

  if (content == NULL)
    return FALSE;
  /* The bare column content comes from the row holding max (seq) (SQLite's rule for one min/max
   * aggregate). */
  rows_sql = g_strdup_printf (
      "SELECT t.rowid, %s, c.seq, c.content FROM %s AS t LEFT JOIN "
      "(SELECT row_id, max (seq) AS seq, content FROM chain WHERE tbl = ?1 GROUP BY row_id) AS c "
      "ON c.row_id = t.rowid ORDER BY t.rowid",
      content, ident);
  stmt = rd_ledger_prepare (self, error, rows_sql, 1, table);
  if (stmt == NULL)
    return FALSE;
  while (!*stop && (rc = rd_ledger_step (self, stmt, error)) == SQLITE_ROW)
    {
      RdLedgerChainRow row = {
        .table = table,
        .row_id = sqlite3_column_int64 (stmt, 0),
        .content = (const char *)sqlite3_column_text (stmt, 1),
        .seq = sqlite3_column_int64 (stmt, 2),
        .entry_content = (const char *)sqlite3_column_text (stmt, 3),
      };
      if (g_strcmp0 (row.content, row.entry_content) != 0 && !fn (&row, data))
        *stop = TRUE;
    }
  if (*stop)
    return TRUE;
  if (rc != SQLITE_DONE)
    return FALSE;
  g_clear_pointer (&stmt, sqlite3_finalize);

  gone_sql = g_strdup_printf ("SELECT row_id, max (seq), content FROM chain WHERE tbl = ?1 "
                              "AND row_id NOT IN (SELECT rowid FROM %s) GROUP BY row_id",
                              ident);
  stmt = rd_ledger_prepare (self, error, gone_sql, 1, table);
  if (stmt == NULL)
    return FALSE;
  while (!*stop && (rc = rd_ledger_step (self, stmt, error)) == SQLITE_ROW)
    {
      RdLedgerChainRow row = {
        .table = table,
        .row_id = sqlite3_column_int64 (stmt, 0),
        .seq = sqlite3_column_int64 (stmt, 1),
        .entry_content = (const char *)sqlite3_column_text (stmt, 2),
      };
      if (!fn (&row, data))
        *stop = TRUE;
    }
  return *stop || rc == SQLITE_DONE;
}

gboolean
rd_ledger_chain_foreach_mismatch (RdLedger *self,
                                  gboolean (*fn) (const RdLedgerChainRow *row, gpointer data),
                                  gpointer data, GError **error)
{
  g_autoptr (GPtrArray) tables = rd_ledger_chain_tables (self, error);
  g_autoptr (sqlite3_stmt) stmt = NULL;
  gboolean stop = FALSE;
  int rc = 0;

  if (tables == NULL)
    return FALSE;
  for (guint i = 0; i < tables->len && !stop; i++)
    if (!table_mismatches (self, tables->pdata[i], fn, data, &stop, error))
      return FALSE;
  if (stop)
    return TRUE;

  /* Entries of tables that are no longer there: every such row is gone. */
  stmt = rd_ledger_prepare (self, error,
                            "SELECT tbl, row_id, max (seq), content FROM chain WHERE tbl NOT IN "
                            "(SELECT name FROM pragma_table_list WHERE schema = 'main') "
                            "GROUP BY tbl, row_id",
                            0);
  if (stmt == NULL)
    return FALSE;
  while (!stop && (rc = rd_ledger_step (self, stmt, error)) == SQLITE_ROW)
    {
      RdLedgerChainRow row = {
        .table = (const char *)sqlite3_column_text (stmt, 0),
        .row_id = sqlite3_column_int64 (stmt, 1),
        .seq = sqlite3_column_int64 (stmt, 2),
        .entry_content = (const char *)sqlite3_column_text (stmt, 3),
      };
      if (!fn (&row, data))
        stop = TRUE;
    }
  return stop || rc == SQLITE_DONE;
}

gboolean
rd_ledger_chain_drop_triggers (RdLedger *self, GError **error)
{
  g_autoptr (GHashTable) existing = existing_triggers (self, error);

  return existing != NULL && drop_triggers (self, existing, error);
}
