/* rd-ledger-guards.c: the ledger's append-only guard triggers (sessions_no_delete,
 * recordings_sealed, ...) checked against what the migrations created. Without them another
 * program (the sqlite3 tool) can delete or rewrite rows; the hash chain shows such a change, but
 * a file whose guards were dropped is itself evidence of tampering, so the daemon refuses it at
 * open and verification names each one. See rd-ledger-private.h for the contract. */
#include "ledger/rd-ledger-private.h"
#include "ledger/rd-ledger-error.h"

#include <string.h>

#define CREATE "CREATE TRIGGER "
#define END    "END;"

/* name -> "CREATE TRIGGER name ... END" (the text SQLite keeps in sqlite_schema: the statement
 * without its semicolon), for every trigger the migrations up to @version create. */
static GHashTable *
guards_expected (int version)
{
  GHashTable *expected = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  for (int v = 0; v < MIN (version, RD_LEDGER_SCHEMA_VERSION); v++)
    {
      const char *sql = rd_ledger_schema_migration (v);
      const char *p = sql;

      while ((p = strstr (p, CREATE)) != NULL)
        {
          const char *name = p + strlen (CREATE);
          const char *name_end = name + strcspn (name, " ");
          const char *end = strstr (name_end, END);

          g_assert (end != NULL); /* the migrations are ours: a trigger always ends with END; */
          g_hash_table_insert (expected, g_strndup (name, (gsize)(name_end - name)),
                               g_strndup (p, (gsize)(end + strlen (END) - 1 - p)));
          p = end;
        }
    }
  return expected;
}

gboolean
rd_ledger_guards_check (RdLedger *self, RdLedgerGuardFunc fn, gpointer data, GError **error)
{
  /* The file's own version: a file migrated only part way (a test's) has that version's. */
  g_autoptr (GHashTable) expected = guards_expected (self->schema_version);
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (GList) names = NULL;
  int rc;

  stmt = rd_ledger_prepare (self, error,
                            "SELECT sql FROM sqlite_schema WHERE type = 'trigger' "
                            "AND name = ?1",
                            0);
  if (stmt == NULL)
    return FALSE;
  names = g_list_sort (g_hash_table_get_keys (expected), (GCompareFunc)strcmp);
  for (GList *l = names; l; l = l->next)
    {
      sqlite3_reset (stmt);
      if (sqlite3_bind_text (stmt, 1, l->data, -1, SQLITE_STATIC) != SQLITE_OK)
        {
          rd_ledger_set_db_error (error, self->db, SQLITE_ERROR, RD_LEDGER_ERROR_IO,
                                  "cannot look for trigger %s", (char *)l->data);
          return FALSE;
        }
      rc = rd_ledger_step (self, stmt, error);
      if (rc == 0)
        return FALSE;
      if (rc == SQLITE_DONE)
        fn (l->data, "missing", data);
      else if (g_strcmp0 ((const char *)sqlite3_column_text (stmt, 0),
                          g_hash_table_lookup (expected, l->data)) != 0)
        fn (l->data, "changed", data);
    }
  return TRUE;
}

static void
note (const char *name, const char *what, gpointer data)
{
  GString *list = data;

  g_string_append_printf (list, "%s%s (%s)", list->len ? ", " : "", name, what);
}

gboolean
rd_ledger_guards_require (RdLedger *self, GError **error)
{
  g_autoptr (GString) list = g_string_new (NULL);

  if (!rd_ledger_guards_check (self, note, list, error))
    {
      g_prefix_error (error, "cannot check the guard triggers of ledger %s: ", self->path);
      return FALSE;
    }
  if (list->len == 0)
    return TRUE;
  g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_CORRUPT,
               "ledger %s has lost append-only guard triggers: %s; the file was edited outside "
               "receptiond; it was left untouched, for investigation",
               self->path, list->str);
  return FALSE;
}
