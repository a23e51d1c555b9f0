/* rd-ledger-chain-verify.c: rd_ledger_verify(): the chain recomputed, every row against its
 * latest entry, the checkpoints' signatures and heads, the sealed recordings' files, and an
 * exported checkpoint. Reads only. See rd-ledger-chain.h for the contract. */
#include "ledger/rd-ledger-private.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

/* Problems kept in the report beyond the first (all are counted). */
#define MAX_PROBLEMS 100
/* Values quoted in a problem are cut to this many bytes. */
#define MAX_QUOTE 80

typedef struct
{
  gint64 seq; /* the entry concerned, 0 when there is none */
  char *table;
  gint64 row;
  char *what;
} Problem;

static void
problem_free (gpointer data)
{
  Problem *p = data;

  g_free (p->table);
  g_free (p->what);
  g_free (p);
}

typedef struct
{
  RdLedger *ledger;
  GPtrArray *problems; /* Problem, in the order they are to be reported */
  guint n_problems;
  GCancellable *cancellable;        /* may be NULL */
  RdLedgerVerifyProgress *progress; /* may be NULL */
  gint64 unchecked; /* rows whose content could not be recomputed (keyed, and no book key) */
} Verify;

/* Chain entries walked between two looks at the cancellable. */
#define CANCEL_EVERY 4096

static void add_problem (Verify *v, gint64 seq, const char *table, gint64 row, const char *format,
                         ...) G_GNUC_PRINTF (5, 6);

static void
add_problem (Verify *v, gint64 seq, const char *table, gint64 row, const char *format, ...)
{
  Problem *p;
  va_list args;

  v->n_problems++;
  if (v->problems->len >= MAX_PROBLEMS)
    return;
  p = g_new0 (Problem, 1);
  p->seq = seq;
  p->table = g_strdup (table);
  p->row = row;
  va_start (args, format);
  p->what = g_strdup_vprintf (format, args);
  va_end (args);
  g_ptr_array_add (v->problems, p);
}

/* --- the chain itself ------------------------------------------------------------------------- */

static gboolean
check_chain (Verify *v, gint64 *n_entries, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autofree char *prev = g_strdup (RD_LEDGER_CHAIN_ZERO_HASH);
  gint64 expected = 1;
  int rc;

  stmt = rd_ledger_prepare (v->ledger, error,
                            "SELECT seq, tbl, row_id, prev_hash, hash, rd_chain_hash (coalesce "
                            "(prev_hash, ''), json_array (seq, tbl, row_id, op, content)) "
                            "FROM chain ORDER BY seq",
                            0);
  if (stmt == NULL)
    return FALSE;
  *n_entries = 0;
  while ((rc = rd_ledger_step (v->ledger, stmt, error)) == SQLITE_ROW)
    {
      gint64 seq = sqlite3_column_int64 (stmt, 0);
      const char *table = (const char *)sqlite3_column_text (stmt, 1);
      gint64 row = sqlite3_column_int64 (stmt, 2);
      const char *prev_hash = (const char *)sqlite3_column_text (stmt, 3);
      const char *hash = (const char *)sqlite3_column_text (stmt, 4);
      const char *recomputed = (const char *)sqlite3_column_text (stmt, 5);

      (*n_entries)++;
      if (*n_entries % CANCEL_EVERY == 0 &&
          g_cancellable_set_error_if_cancelled (v->cancellable, error))
        return FALSE;
      if (seq != expected)
        add_problem (v, seq, table, row,
                     "chain entry seq %" G_GINT64_FORMAT " comes where seq %" G_GINT64_FORMAT
                     " should: entries are missing or renumbered",
                     seq, expected);
      else if (g_strcmp0 (prev_hash, prev) != 0)
        add_problem (v, seq, table, row,
                     "chain entry seq %" G_GINT64_FORMAT " does not follow the entry before it: "
                     "its prev_hash is %s, the hash of seq %" G_GINT64_FORMAT " is %s "
                     "(entries reordered, removed or rewritten)",
                     seq, prev_hash ? prev_hash : "NULL", seq - 1, prev);
      else if (g_strcmp0 (hash, recomputed) != 0)
        add_problem (v, seq, table, row,
                     "chain entry seq %" G_GINT64_FORMAT " does not match its hash: it says %s, "
                     "its content hashes to %s (the entry was edited)",
                     seq, hash ? hash : "NULL", recomputed);
      expected = seq + 1;
      g_free (prev);
      prev = g_strdup (hash ? hash : "");
    }
  return rc == SQLITE_DONE;
}

/* --- rows against their latest entries -------------------------------------------------------- */

static char *
quoted (JsonNode *node)
{
  g_autofree char *text = node ? json_to_string (node, FALSE) : g_strdup ("NULL");

  if (strlen (text) > MAX_QUOTE)
    return g_strdup_printf ("%.*s...", MAX_QUOTE, text);
  return g_steal_pointer (&text);
}

static JsonObject *
parse_object (const char *text, JsonParser *parser)
{
  JsonNode *root;

  if (text == NULL || !json_parser_load_from_data (parser, text, -1, NULL))
    return NULL;
  root = json_parser_get_root (parser);
  return root && JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root) : NULL;
}

/* "column X was A, is B" for the first column that differs. */
static char *
first_difference (const char *entry_text, const char *row_text)
{
  g_autoptr (JsonParser) entry_parser = json_parser_new ();
  g_autoptr (JsonParser) row_parser = json_parser_new ();
  JsonObject *entry = parse_object (entry_text, entry_parser);
  JsonObject *row = parse_object (row_text, row_parser);
  g_autoptr (GList) names = NULL;

  if (entry == NULL || row == NULL)
    return g_strdup ("the entry's content is not a JSON object");
  names = json_object_get_members (entry);
  for (GList *l = names; l; l = l->next)
    {
      JsonNode *was = json_object_get_member (entry, l->data);
      JsonNode *is = json_object_get_member (row, l->data);

      if (is == NULL || !json_node_equal (was, is))
        {
          g_autofree char *a = quoted (was);
          g_autofree char *b = quoted (is);
          return g_strdup_printf ("column %s was %s, is %s", (char *)l->data, a, b);
        }
    }
  g_clear_pointer (&names, g_list_free);
  names = json_object_get_members (row);
  for (GList *l = names; l; l = l->next)
    if (!json_object_has_member (entry, l->data))
      {
        g_autofree char *b = quoted (json_object_get_member (row, l->data));
        return g_strdup_printf ("column %s was NULL, is %s", (char *)l->data, b);
      }
  return g_strdup ("the content is written differently");
}

static gboolean
note_mismatch (const RdLedgerChainRow *row, gpointer data)
{
  Verify *v = data;

  if (row->content == NULL)
    add_problem (v, row->seq, row->table, row->row_id,
                 "%s row %" G_GINT64_FORMAT " is gone (deleted) but is in the chain, latest at "
                 "seq %" G_GINT64_FORMAT,
                 row->table, row->row_id, row->seq);
  else if (row->entry_content == NULL)
    add_problem (v, 0, row->table, row->row_id,
                 "%s row %" G_GINT64_FORMAT " has no chain entry (written behind the ledger's "
                 "back)",
                 row->table, row->row_id);
  else
    {
      g_autofree char *diff = first_difference (row->entry_content, row->content);

      add_problem (v, row->seq, row->table, row->row_id,
                   "%s row %" G_GINT64_FORMAT
                   " differs from its latest chain entry (seq %" G_GINT64_FORMAT "): %s",
                   row->table, row->row_id, row->seq, diff);
    }
  return TRUE;
}

static gint
by_seq (gconstpointer a, gconstpointer b)
{
  const Problem *x = *(Problem *const *)a;
  const Problem *y = *(Problem *const *)b;
  guint64 sx = x->seq > 0 ? (guint64)x->seq : G_MAXUINT64; /* no entry: after the others */
  guint64 sy = y->seq > 0 ? (guint64)y->seq : G_MAXUINT64;

  return sx < sy ? -1 : sx > sy;
}

static gboolean
check_rows (Verify *v, gint64 *n_rows, GError **error)
{
  g_autoptr (GPtrArray) tables = rd_ledger_chain_tables (v->ledger, error);
  Verify rows = { v->ledger, g_ptr_array_new_with_free_func (problem_free), 0 };
  gboolean ok;

  if (tables == NULL)
    {
      g_ptr_array_unref (rows.problems);
      return FALSE;
    }
  *n_rows = 0;
  for (guint i = 0; i < tables->len; i++)
    {
      char *sql = sqlite3_mprintf ("SELECT count(*) FROM \"%w\"", (char *)tables->pdata[i]);
      g_autoptr (sqlite3_stmt) stmt = rd_ledger_prepare (v->ledger, error, sql, 0);

      sqlite3_free (sql);

      if (stmt == NULL || rd_ledger_step (v->ledger, stmt, error) != SQLITE_ROW)
        {
          g_ptr_array_unref (rows.problems);
          return FALSE;
        }
      *n_rows += sqlite3_column_int64 (stmt, 0);
      if (rd_ledger_chain_table_is_keyed (tables->pdata[i]) && !v->ledger->chain_key.set &&
          v->ledger->schema_version >= RD_LEDGER_CHAIN_KEYED_SCHEMA_VERSION)
        v->unchecked += sqlite3_column_int64 (stmt, 0);
    }
  ok = rd_ledger_chain_foreach_mismatch (v->ledger, note_mismatch, &rows, error);
  /* The first bad entry first, whatever table it is in. */
  g_ptr_array_sort (rows.problems, by_seq);
  for (guint i = 0; i < rows.problems->len; i++)
    {
      Problem *p = rows.problems->pdata[i];
      add_problem (v, p->seq, p->table, p->row, "%s", p->what);
    }
  v->n_problems += rows.n_problems - rows.problems->len; /* those not kept */
  g_ptr_array_unref (rows.problems);
  return ok;
}

/* --- checkpoints ------------------------------------------------------------------------------ */

/* The hash of chain entry @seq into @hash; FALSE with @hash NULL when there is none. */
static gboolean
hash_at (RdLedger *self, gint64 seq, char **hash, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt =
      rd_ledger_prepare (self, error, "SELECT hash FROM chain WHERE seq = ?1", 0);
  int rc;

  *hash = NULL;
  if (stmt == NULL || !rd_ledger_bind_int64 (self, stmt, 1, seq, error) ||
      (rc = rd_ledger_step (self, stmt, error)) == 0)
    return FALSE;
  if (rc == SQLITE_ROW)
    *hash = g_strdup ((const char *)sqlite3_column_text (stmt, 0));
  return TRUE;
}

/* Checks one checkpoint, stored (@table "checkpoints", @row its id) or exported (@table NULL). */
static gboolean
check_checkpoint (Verify *v, const char *name, const char *table, gint64 row, gint64 seq,
                  const char *head, const char *at, const char *public_key, const char *signature,
                  GError **error)
{
  g_autofree char *message = rd_ledger_checkpoint_message (seq, head, at);
  g_autofree char *now = NULL;
  const char *room = v->ledger->key ? rd_ledger_key_get_public_hex (v->ledger->key) : NULL;

  if (room != NULL && g_ascii_strcasecmp (public_key, room) != 0)
    add_problem (v, seq, table, row,
                 "%s is signed by another key (%s), not by this room's key (%s)", name, public_key,
                 room);
  else if (!rd_ledger_signature_check (public_key, message, signature))
    add_problem (v, seq, table, row, "%s: its signature does not verify with key %s", name,
                 public_key);
  else if (!hash_at (v->ledger, seq, &now, error))
    return FALSE;
  else if (now == NULL)
    add_problem (v, seq, table, row,
                 "%s signed the head seq %" G_GINT64_FORMAT ", which is no longer in the chain",
                 name, seq);
  else if (g_ascii_strcasecmp (now, head) != 0)
    add_problem (v, seq, table, row,
                 "%s signed the head seq %" G_GINT64_FORMAT " with hash %s; the chain's entry "
                 "%" G_GINT64_FORMAT " now has hash %s (the chain was rewritten)",
                 name, seq, head, seq, now);
  return TRUE;
}

static gboolean
check_checkpoints (Verify *v, gint64 *n_checkpoints, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  int rc;

  stmt = rd_ledger_prepare (v->ledger, error,
                            "SELECT id, seq, head_hash, at, public_key, signature "
                            "FROM checkpoints ORDER BY id",
                            0);
  if (stmt == NULL)
    return FALSE;
  *n_checkpoints = 0;
  while ((rc = rd_ledger_step (v->ledger, stmt, error)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);
      g_autofree char *name = g_strdup_printf ("checkpoint %" G_GINT64_FORMAT, id);
      const char *text[4];

      for (int i = 0; i < 4; i++)
        text[i] = (const char *)sqlite3_column_text (stmt, 2 + i);
      (*n_checkpoints)++;
      if (!text[0] || !text[1] || !text[2] || !text[3])
        add_problem (v, sqlite3_column_int64 (stmt, 1), "checkpoints", id, "%s has NULL fields",
                     name);
      else if (!check_checkpoint (v, name, "checkpoints", id, sqlite3_column_int64 (stmt, 1),
                                  text[0], text[1], text[2], text[3], error))
        return FALSE;
    }
  return rc == SQLITE_DONE;
}

static void
check_exported (Verify *v, const char *name, JsonObject *exported, GError **error, gboolean *failed)
{
  static const char *const members[] = { "head_hash", "at", "public_key", "signature" };
  const char *text[G_N_ELEMENTS (members)];
  JsonNode *seq = json_object_get_member (exported, "seq");

  if (g_strcmp0 (json_object_get_string_member_with_default (exported, "format", NULL),
                 RD_LEDGER_CHECKPOINT_FORMAT) != 0)
    {
      add_problem (v, 0, NULL, 0, "%s is not a \"%s\"", name, RD_LEDGER_CHECKPOINT_FORMAT);
      return;
    }
  if (!seq || !JSON_NODE_HOLDS_VALUE (seq) || json_node_get_value_type (seq) != G_TYPE_INT64)
    {
      add_problem (v, 0, NULL, 0, "%s has no whole number \"seq\"", name);
      return;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (members); i++)
    {
      text[i] = json_object_get_string_member_with_default (exported, members[i], NULL);
      if (text[i] == NULL)
        {
          add_problem (v, 0, NULL, 0, "%s has no string \"%s\"", name, members[i]);
          return;
        }
    }
  if (!check_checkpoint (v, name, NULL, 0, json_node_get_int (seq), text[0], text[1], text[2],
                         text[3], error))
    *failed = TRUE;
}

/* The newest checkpoint kept outside the file (rd-ledger-anchor.c): the chain must still hold
 * the head it signed. */
static void
check_anchor (Verify *v, GError **error, gboolean *failed)
{
  g_autofree char *path = NULL;
  g_autofree char *name = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autoptr (JsonNode) newest = rd_ledger_anchor_newest (v->ledger, &path, &local_error);

  if (local_error != NULL)
    add_problem (v, 0, NULL, 0, "%s", local_error->message);
  if (newest == NULL)
    return;
  name = g_strdup_printf ("the newest checkpoint kept outside the ledger (%s)", path);
  check_exported (v, name, json_node_get_object (newest), error, failed);
}

/* --- recording files -------------------------------------------------------------------------- */

/* The SHA-256 of @path's bytes, or NULL with @errsv (ECANCELED when @v's cancellable was
 * cancelled). Counts what it read into @v's progress. */
static char *
file_sha256 (Verify *v, const char *path, int *errsv)
{
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree guint8 *buf = g_malloc (1 << 16);
  FILE *f = g_fopen (path, "rbe");
  size_t n;

  if (f == NULL)
    {
      *errsv = errno;
      return NULL;
    }
  *errsv = 0;
  while ((n = fread (buf, 1, 1 << 16, f)) > 0)
    {
      g_checksum_update (sum, buf, n);
      if (v->progress)
        rd_ledger_verify_progress_add (&v->progress->bytes_done, (gint64)n);
      if (g_cancellable_is_cancelled (v->cancellable))
        {
          *errsv = ECANCELED;
          break;
        }
    }
  if (*errsv == 0 && ferror (f))
    *errsv = EIO;
  fclose (f);
  return *errsv ? NULL : g_strdup (g_checksum_get_string (sum));
}

/* How many sealed recordings there are to hash, into @v's progress. */
static gboolean
count_recordings (Verify *v, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;

  if (v->progress == NULL)
    return TRUE;
  stmt = rd_ledger_prepare (v->ledger, error,
                            "SELECT count(*) FROM recordings WHERE sealed_at IS NOT NULL", 0);
  if (stmt == NULL || rd_ledger_step (v->ledger, stmt, error) != SQLITE_ROW)
    return FALSE;
  rd_ledger_verify_progress_add (&v->progress->files, sqlite3_column_int64 (stmt, 0));
  return TRUE;
}

static gboolean
check_recordings (Verify *v, gint64 *n_files, GError **error)
{
  g_autofree char *state_dir = g_path_get_dirname (v->ledger->path);
  g_autoptr (sqlite3_stmt) stmt = NULL;
  int rc;

  stmt = rd_ledger_prepare (v->ledger, error,
                            "SELECT r.id, r.session_id, r.segment, r.path, r.sha256, "
                            "(SELECT max (seq) FROM chain WHERE tbl = 'recordings' AND "
                            "row_id = r.id) FROM recordings AS r "
                            "WHERE r.sealed_at IS NOT NULL ORDER BY r.id",
                            0);
  if (stmt == NULL || !count_recordings (v, error))
    return FALSE;
  *n_files = 0;
  while ((rc = rd_ledger_step (v->ledger, stmt, error)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);
      const char *session = (const char *)sqlite3_column_text (stmt, 1);
      gint64 segment = sqlite3_column_int64 (stmt, 2);
      const char *path = (const char *)sqlite3_column_text (stmt, 3);
      const char *expected = (const char *)sqlite3_column_text (stmt, 4);
      gint64 seq = sqlite3_column_int64 (stmt, 5);
      g_autofree char *name = g_strdup_printf ("recording %" G_GINT64_FORMAT
                                               " (session %s, segment %" G_GINT64_FORMAT ")",
                                               id, session ? session : "NULL", segment);
      g_autofree char *full = NULL;
      g_autofree char *actual = NULL;
      int errsv = 0;

      (*n_files)++;
      if (path == NULL || expected == NULL)
        {
          add_problem (v, seq, "recordings", id, "%s is sealed without a %s", name,
                       path == NULL ? "path" : "sha256");
          continue;
        }
      full = g_path_is_absolute (path) ? g_strdup (path) : g_build_filename (state_dir, path, NULL);
      actual = file_sha256 (v, full, &errsv);
      if (v->progress)
        rd_ledger_verify_progress_add (&v->progress->files_done, 1);
      if (errsv == ECANCELED)
        return !g_cancellable_set_error_if_cancelled (v->cancellable, error);
      if (actual == NULL)
        add_problem (v, seq, "recordings", id, "%s: file %s cannot be read: %s", name, full,
                     g_strerror (errsv));
      else if (g_ascii_strcasecmp (actual, expected) != 0)
        add_problem (v, seq, "recordings", id,
                     "%s: file %s has SHA-256 %s, the ledger sealed it with %s (the file was "
                     "replaced or changed)",
                     name, full, actual, expected);
    }
  return rc == SQLITE_DONE;
}

/* --- the guard triggers ---------------------------------------------------------------------- */

static void
note_guard (const char *name, const char *what, gpointer data)
{
  add_problem (data, 0, NULL, 0,
               "the append-only guard trigger %s is %s (the file was edited outside receptiond)",
               name, what);
}

/* --- the report ------------------------------------------------------------------------------- */

static void
add_int (JsonBuilder *b, const char *name, gint64 value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_int_value (b, value);
}

static void
add_problem_json (JsonBuilder *b, Problem *p)
{
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "seq");
  if (p->seq > 0)
    json_builder_add_int_value (b, p->seq);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "table");
  if (p->table)
    json_builder_add_string_value (b, p->table);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "row");
  if (p->table)
    json_builder_add_int_value (b, p->row);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "what");
  json_builder_add_string_value (b, p->what);
  json_builder_end_object (b);
}

JsonNode *
rd_ledger_verify (RdLedger *ledger, JsonObject *exported, GError **error)
{
  return rd_ledger_verify_run (ledger, exported, NULL, NULL, error);
}

JsonNode *
rd_ledger_verify_run (RdLedger *ledger, JsonObject *exported, GCancellable *cancellable,
                      RdLedgerVerifyProgress *progress, GError **error)
{
  g_autoptr (GPtrArray) problems = g_ptr_array_new_with_free_func (problem_free);
  g_autoptr (JsonBuilder) b = json_builder_new ();
  Verify v = { ledger, problems, 0, cancellable, progress };
  gint64 entries = 0, rows = 0, checkpoints = 0, files = 0;
  gboolean failed = FALSE;

  g_return_val_if_fail (ledger != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* One read transaction: one consistent view of the file. */
  if (!rd_ledger_exec (ledger, "BEGIN", error))
    goto fail;
  failed = !check_chain (&v, &entries, error) || !check_rows (&v, &rows, error) ||
           !check_checkpoints (&v, &checkpoints, error) || !check_recordings (&v, &files, error) ||
           !rd_ledger_guards_check (ledger, note_guard, &v, error);
  if (!failed)
    check_anchor (&v, error, &failed);
  if (!failed && exported != NULL)
    check_exported (&v, "the exported checkpoint", exported, error, &failed);
  rd_ledger_rollback (ledger, FALSE);
  if (failed)
    goto fail;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "ok");
  json_builder_add_boolean_value (b, v.n_problems == 0);
  add_int (b, "entries", entries);
  add_int (b, "rows", rows);
  /* Said, not hidden: a verification without the book key (a tool that has only the file)
   * checks that these rows have entries, not what the entries say. */
  add_int (b, "unchecked_rows", v.unchecked);
  add_int (b, "checkpoints", checkpoints);
  add_int (b, "recordings", files);
  json_builder_set_member_name (b, "exported_checkpoint");
  json_builder_add_boolean_value (b, exported != NULL);
  add_int (b, "problems", v.n_problems);
  json_builder_set_member_name (b, "first");
  if (problems->len > 0)
    add_problem_json (b, problems->pdata[0]);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "all");
  json_builder_begin_array (b);
  for (guint i = 0; i < problems->len; i++)
    add_problem_json (b, problems->pdata[i]);
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);

fail:
  rd_ledger_rollback (ledger, FALSE);
  g_prefix_error (error, "cannot verify ledger %s: ", ledger->path);
  return NULL;
}
