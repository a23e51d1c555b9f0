/* rd-ledger-anchor.c: the signed checkpoints copied out of the ledger file, so that cutting the
 * end of the chain (entries, rows and checkpoints deleted together) no longer leaves a ledger
 * that verifies: the newest copy outside names a head the chain must still hold. See
 * rd-ledger-private.h for the contract. */
#include "ledger/rd-ledger-private.h"
#include "ledger/rd-ledger-error.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

static char *
anchor_path (RdLedger *self)
{
  g_autofree char *state_dir = g_path_get_dirname (self->path);

  return g_build_filename (state_dir, RD_LEDGER_ANCHOR_DIR, RD_LEDGER_ANCHOR_FILE, NULL);
}

/* The seq of the newest checkpoint in the file, 0 when there is none: read once, then known
 * from what rd_ledger_anchor_sync() appended. */
static gboolean
anchored_seq (RdLedger *self, gint64 *seq, GError **error)
{
  g_autoptr (JsonNode) newest = NULL;
  g_autoptr (GError) local_error = NULL;

  if (self->anchored_known)
    {
      *seq = self->anchored_seq;
      return TRUE;
    }
  newest = rd_ledger_anchor_newest (self, NULL, &local_error);
  if (local_error)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  *seq = newest ? json_object_get_int_member (json_node_get_object (newest), "seq") : 0;
  self->anchored_seq = *seq;
  self->anchored_known = TRUE;
  return TRUE;
}

static gboolean
write_all (int fd, const char *text, gsize length)
{
  while (length > 0)
    {
      ssize_t n = write (fd, text, length);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      text += n;
      length -= (gsize)n;
    }
  return TRUE;
}

void
rd_ledger_set_checkpoint_func (RdLedger *ledger, RdLedgerCheckpointFunc func, gpointer user_data)
{
  g_return_if_fail (ledger != NULL);
  ledger->checkpoint_func = func;
  ledger->checkpoint_data = user_data;
}

gboolean
rd_ledger_anchor_sync (RdLedger *self, GError **error)
{
  g_autofree char *path = anchor_path (self);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (GString) lines = g_string_new (NULL);
  g_autoptr (GPtrArray) appended = g_ptr_array_new_with_free_func ((GDestroyNotify)json_node_unref);
  gint64 after = 0;
  int rc, fd, saved_errno;

  if (!anchored_seq (self, &after, error))
    return FALSE;
  stmt = rd_ledger_prepare (self, error,
                            "SELECT seq, head_hash, at, reason, public_key, signature "
                            "FROM checkpoints WHERE seq > ?1 ORDER BY id",
                            0);
  if (stmt == NULL || !rd_ledger_bind_int64 (self, stmt, 1, after, error))
    goto fail;
  while ((rc = rd_ledger_step (self, stmt, error)) == SQLITE_ROW)
    {
      g_autoptr (JsonNode) checkpoint = rd_ledger_checkpoint_row_json (stmt);
      g_autofree char *text = json_to_string (checkpoint, FALSE);

      g_string_append_printf (lines, "%s\n", text);
      g_ptr_array_add (appended, g_steal_pointer (&checkpoint));
    }
  if (rc != SQLITE_DONE)
    goto fail;
  if (lines->len == 0)
    return TRUE;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      saved_errno = errno;
      g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_IO, "cannot make %s: %s", dir,
                   g_strerror (saved_errno));
      goto fail;
    }
  fd = g_open (path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0 || !write_all (fd, lines->str, lines->len) || fdatasync (fd) != 0)
    {
      saved_errno = errno;
      self->anchored_known = FALSE; /* what the file holds now: read at the next sync */
      if (fd >= 0)
        close (fd);
      g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_IO, "cannot append to %s: %s", path,
                   g_strerror (saved_errno));
      goto fail;
    }
  close (fd);
  self->anchored_seq =
      json_object_get_int_member (json_node_get_object (appended->pdata[appended->len - 1]), "seq");
  for (guint i = 0; self->checkpoint_func && i < appended->len; i++)
    self->checkpoint_func (appended->pdata[i], self->checkpoint_data);
  return TRUE;

fail:
  g_prefix_error (error, "cannot copy the checkpoints of ledger %s out of it: ", self->path);
  return FALSE;
}

JsonNode *
rd_ledger_anchor_newest (RdLedger *self, char **path_out, GError **error)
{
  g_autofree char *path = anchor_path (self);
  g_autofree char *contents = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autoptr (JsonNode) node = NULL;
  g_auto (GStrv) lines = NULL;
  JsonObject *object;
  JsonNode *seq;
  guint n, last;

  if (path_out)
    *path_out = g_strdup (path);
  if (!g_file_get_contents (path, &contents, NULL, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return NULL;
      g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_IO, "cannot read %s: %s", path,
                   local_error->message);
      return NULL;
    }
  /* The last complete line: a line without its newline is a write cut short by a crash. */
  lines = g_strsplit (contents, "\n", -1);
  n = g_strv_length (lines);
  if (n < 2)
    return NULL;
  last = n - 2;
  node = json_from_string (lines[last], NULL);
  object = node && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
  seq = object ? json_object_get_member (object, "seq") : NULL;
  if (seq == NULL || !JSON_NODE_HOLDS_VALUE (seq) || json_node_get_value_type (seq) != G_TYPE_INT64)
    {
      g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_CORRUPT,
                   "%s line %u is not a checkpoint", path, last + 1);
      return NULL;
    }
  return g_steal_pointer (&node);
}
