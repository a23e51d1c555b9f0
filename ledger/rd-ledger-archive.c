/* rd-ledger-archive.c: the manifest of a sealed session's archive package, signed with the room
 * key. See rd-ledger-archive.h for the contract. */
#include "ledger/rd-ledger-archive.h"
#include "ledger/rd-ledger-private.h"
#include "ledger/rd-ledger-error.h"
#include "ledger/rd-ledger-recordings.h"
#include "config/rd-config-hex.h"

#include <string.h>

#define ED25519_SIG_LEN 64

/* The chain entries of the session's rows; ?1 the session id. */
#define SESSION_ENTRIES_WHERE                                                                      \
  "(tbl = 'sessions' AND row_id = (SELECT rowid FROM sessions WHERE id = ?1)) "                    \
  "OR (tbl = 'participants' AND row_id IN (SELECT id FROM participants WHERE session_id = ?1)) "   \
  "OR (tbl = 'recordings' AND row_id IN (SELECT id FROM recordings WHERE session_id = ?1)) "       \
  "OR (tbl = 'events' AND row_id IN (SELECT id FROM events WHERE session_id = ?1))"

static const char *
member_string (JsonObject *o, const char *name)
{
  JsonNode *n = o ? json_object_get_member (o, name) : NULL;

  return n && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING
             ? json_node_get_string (n)
             : NULL;
}

static JsonNode *
dup_or_null (JsonObject *from, const char *name)
{
  JsonNode *n = json_object_get_member (from, name);

  return n ? json_node_copy (n) : json_node_new (JSON_NODE_NULL);
}

static void
copy_member (JsonObject *to, JsonObject *from, const char *name)
{
  json_object_set_member (to, name, dup_or_null (from, name));
}

/* participants as the manifest lists them; @addresses gets the citizens' remote addresses. */
static JsonArray *
manifest_participants (JsonArray *rows, GPtrArray *addresses)
{
  static const char *const columns[] = {
    "id", "role", "name", "joined_at", "left_at", "leave_reason", "dtls_fingerprint"
  };
  JsonArray *out = json_array_new ();

  for (guint i = 0; rows && i < json_array_get_length (rows); i++)
    {
      JsonObject *row = json_array_get_object_element (rows, i);
      JsonObject *p = json_object_new ();
      const char *address = member_string (row, "remote_address");

      for (guint c = 0; c < G_N_ELEMENTS (columns); c++)
        copy_member (p, row, columns[c]);
      if (g_strcmp0 (member_string (row, "role"), RD_LEDGER_ROLE_CITIZEN) != 0)
        copy_member (p, row, "remote_address");
      else if (address && *address)
        g_ptr_array_add (addresses, g_strdup (address));
      json_array_add_object_element (out, p);
    }
  return out;
}

static gboolean
holds_any (const char *text, GPtrArray *needles)
{
  for (guint i = 0; text && i < needles->len; i++)
    if (strstr (text, needles->pdata[i]))
      return TRUE;
  return FALSE;
}

/* events without a citizen's address (its members removed from the detail). */
static JsonArray *
manifest_events (JsonArray *rows, GPtrArray *addresses)
{
  JsonArray *out = json_array_new ();

  for (guint i = 0; rows && i < json_array_get_length (rows); i++)
    {
      JsonNode *e = json_node_copy (json_array_get_element (rows, i));
      JsonNode *detail = json_object_get_member (json_node_get_object (e), "detail");

      if (detail && JSON_NODE_HOLDS_OBJECT (detail))
        {
          JsonObject *d = json_node_get_object (detail);
          g_autoptr (GList) names = json_object_get_members (d);

          for (GList *l = names; l; l = l->next)
            {
              const char *value = member_string (d, l->data);
              if (value && holds_any (value, addresses))
                json_object_remove_member (d, l->data);
            }
        }
      json_array_add_element (out, e);
    }
  return out;
}

static JsonArray *
manifest_files (JsonArray *rows, char **dir, GError **error)
{
  g_autoptr (JsonArray) out = json_array_new ();

  for (guint i = 0; rows && i < json_array_get_length (rows); i++)
    {
      JsonObject *row = json_array_get_object_element (rows, i);
      const char *path = member_string (row, "path");
      const char *state = member_string (row, "state");
      g_autofree char *here = path ? g_path_get_dirname (path) : NULL;
      JsonObject *f;

      if (g_strcmp0 (state, RD_RECORDING_STATE_RECORDING) == 0)
        {
          g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_STATE,
                       "segment %" G_GINT64_FORMAT " is still recording",
                       json_object_get_int_member_with_default (row, "segment", 0));
          return NULL;
        }
      if (*dir == NULL)
        *dir = g_strdup (here);
      else if (g_strcmp0 (*dir, here) != 0)
        {
          g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID,
                       "its files are in two directories, %s and %s", *dir, here);
          return NULL;
        }
      f = json_object_new ();
      json_object_set_string_member (f, "name", path + strlen (here) + 1);
      copy_member (f, row, "segment");
      copy_member (f, row, "state");
      copy_member (f, row, "sha256");
      copy_member (f, row, "size_bytes");
      copy_member (f, row, "duration_ns");
      copy_member (f, row, "tracks");
      json_array_add_object_element (out, f);
    }
  if (json_array_get_length (out) == 0)
    {
      g_set_error_literal (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_STATE, "it has no recording");
      return NULL;
    }
  return g_steal_pointer (&out);
}

/* The pause spans from the events "recording-paused" and "recording-resumed". */
static JsonArray *
manifest_pauses (JsonArray *events)
{
  JsonArray *out = json_array_new ();
  JsonObject *open = NULL;

  for (guint i = 0; events && i < json_array_get_length (events); i++)
    {
      JsonObject *e = json_array_get_object_element (events, i);
      const char *kind = member_string (e, "kind");
      JsonNode *dn = json_object_get_member (e, "detail");
      JsonObject *d = dn && JSON_NODE_HOLDS_OBJECT (dn) ? json_node_get_object (dn) : NULL;

      if (g_strcmp0 (kind, "recording-paused") == 0 && !open && d)
        {
          open = json_object_new ();
          json_object_set_member (open, "paused_at", dup_or_null (e, "at"));
          json_object_set_null_member (open, "resumed_at");
          json_object_set_member (open, "from_ns", dup_or_null (d, "at_ns"));
          json_object_set_null_member (open, "to_ns");
          json_object_set_member (open, "reason", dup_or_null (d, "reason"));
          json_object_set_member (open, "paused_by", dup_or_null (e, "actor"));
          json_array_add_object_element (out, open);
        }
      else if (g_strcmp0 (kind, "recording-resumed") == 0 && open && d)
        {
          json_object_set_member (open, "resumed_at", dup_or_null (e, "at"));
          json_object_set_member (open, "to_ns", dup_or_null (d, "at_ns"));
          json_object_set_member (open, "resume_reason", dup_or_null (d, "reason"));
          open = NULL;
        }
    }
  return out;
}

/* The highest seq of the session's entries, 0 when none. */
static gint64
last_session_seq (RdLedger *self, const char *id, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = rd_ledger_prepare (
      self, error, "SELECT coalesce (max (seq), 0) FROM chain WHERE " SESSION_ENTRIES_WHERE, 1, id);

  if (stmt == NULL || rd_ledger_step (self, stmt, error) != SQLITE_ROW)
    return -1;
  return sqlite3_column_int64 (stmt, 0);
}

/* The latest checkpoint when it covers @seq, else a new one. */
static JsonNode *
covering_checkpoint (RdLedger *self, const char *id, gint64 seq, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autoptr (JsonNode) latest = rd_ledger_checkpoint_latest (self, &local_error);
  g_autofree char *reason = NULL;

  if (latest == NULL && !g_error_matches (local_error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_NOT_FOUND))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (latest && json_object_get_int_member (json_node_get_object (latest), "seq") >= seq)
    return g_steal_pointer (&latest);
  reason = g_strdup_printf ("archive package of session %s", id);
  return rd_ledger_checkpoint (self, reason, error);
}

static JsonArray *
manifest_entries (RdLedger *self, const char *id, gint64 up_to, GPtrArray *addresses,
                  gint64 *withheld, GError **error)
{
  g_autoptr (JsonArray) out = json_array_new ();
  g_autoptr (sqlite3_stmt) stmt = NULL;
  int rc;

  stmt = rd_ledger_prepare (
      self, error,
      "SELECT seq, tbl, row_id, op, prev_hash, hash, json_array (seq, tbl, row_id, op, content), "
      "tbl = 'participants' AND json_extract (content, '$.role') = 'citizen' "
      "FROM chain WHERE seq <= ?2 AND (" SESSION_ENTRIES_WHERE ") ORDER BY seq",
      1, id);
  if (stmt == NULL || !rd_ledger_bind_int64 (self, stmt, 2, up_to, error))
    return NULL;
  while ((rc = rd_ledger_step (self, stmt, error)) == SQLITE_ROW)
    {
      JsonObject *e = json_object_new ();
      const char *entry = (const char *)sqlite3_column_text (stmt, 6);

      json_object_set_int_member (e, "seq", sqlite3_column_int64 (stmt, 0));
      json_object_set_string_member (e, "tbl", (const char *)sqlite3_column_text (stmt, 1));
      json_object_set_int_member (e, "row_id", sqlite3_column_int64 (stmt, 2));
      json_object_set_string_member (e, "op", (const char *)sqlite3_column_text (stmt, 3));
      json_object_set_string_member (e, "prev_hash", (const char *)sqlite3_column_text (stmt, 4));
      json_object_set_string_member (e, "hash", (const char *)sqlite3_column_text (stmt, 5));
      if (sqlite3_column_int (stmt, 7) || holds_any (entry, addresses))
        {
          json_object_set_null_member (e, "entry");
          (*withheld)++;
        }
      else
        json_object_set_string_member (e, "entry", entry);
      json_array_add_object_element (out, e);
    }
  return rc == SQLITE_DONE ? g_steal_pointer (&out) : NULL;
}

static JsonNode *
build (RdLedger *self, const char *id, const char *room, char **dir, GError **error)
{
  g_autoptr (JsonNode) show = rd_ledger_session_show (self, id, error);
  g_autoptr (GPtrArray) addresses = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (JsonNode) checkpoint = NULL;
  g_autoptr (JsonArray) files = NULL;
  g_autoptr (JsonObject) session = json_object_new ();
  g_autoptr (JsonObject) manifest = json_object_new ();
  JsonObject *ledger = NULL, *key = NULL, *s;
  JsonArray *entries, *events;
  gint64 seq, withheld = 0;
  static const char *const summary[] = { "id",         "title",    "state",     "created_at",
                                         "started_at", "ended_at", "end_reason" };

  if (show == NULL)
    return NULL;
  s = json_node_get_object (show);
  if (!rd_ledger_state_is_sealed (member_string (s, "state")))
    {
      g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_STATE, "it is %s, not sealed",
                   member_string (s, "state"));
      return NULL;
    }
  if (self->key == NULL)
    {
      g_set_error_literal (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_STATE, "no room key");
      return NULL;
    }
  if (!(files = manifest_files (json_object_get_array_member (s, "recordings"), dir, error)))
    return NULL;
  for (guint i = 0; i < G_N_ELEMENTS (summary); i++)
    copy_member (session, s, summary[i]);
  json_object_set_string_member (manifest, "format", RD_LEDGER_ARCHIVE_FORMAT);
  json_object_set_string_member (manifest, "room", room);
  json_object_set_object_member (manifest, "session", g_steal_pointer (&session));
  json_object_set_array_member (
      manifest, "participants",
      manifest_participants (json_object_get_array_member (s, "participants"), addresses));
  json_object_set_array_member (manifest, "files", g_steal_pointer (&files));
  events = json_object_get_array_member (s, "events");
  json_object_set_array_member (manifest, "pauses", manifest_pauses (events));
  json_object_set_array_member (manifest, "events", manifest_events (events, addresses));

  if ((seq = last_session_seq (self, id, error)) < 0 ||
      !(checkpoint = covering_checkpoint (self, id, seq, error)))
    return NULL;
  entries = manifest_entries (self, id,
                              json_object_get_int_member (json_node_get_object (checkpoint), "seq"),
                              addresses, &withheld, error);
  if (entries == NULL)
    return NULL;
  ledger = json_object_new ();
  json_object_set_array_member (ledger, "entries", entries);
  json_object_set_int_member (ledger, "withheld", withheld);
  json_object_set_member (ledger, "checkpoint", g_steal_pointer (&checkpoint));
  json_object_set_object_member (manifest, "ledger", ledger);
  key = json_object_new ();
  json_object_set_string_member (key, "ed25519", rd_ledger_key_get_public_hex (self->key));
  json_object_set_string_member (key, "pem", rd_ledger_key_get_public_pem (self->key));
  json_object_set_object_member (manifest, "public_key", key);
  return json_node_init_object (json_node_alloc (), manifest);
}

gboolean
rd_ledger_archive_manifest (RdLedger *ledger, const char *session_id, const char *room,
                            GBytes **manifest, GBytes **signature, char **package_dir,
                            GError **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autofree char *dir = NULL;
  g_autofree char *text = NULL;
  g_autofree char *sig_hex = NULL;
  guint8 sig[ED25519_SIG_LEN];

  g_return_val_if_fail (ledger && session_id && room && manifest && signature && package_dir,
                        FALSE);
  root = build (ledger, session_id, room, &dir, &local_error);
  if (root == NULL)
    goto fail;
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  {
    g_autofree char *data = json_generator_to_data (gen, NULL);
    text = g_strconcat (data, "\n", NULL);
  }
  sig_hex = rd_ledger_key_sign (ledger->key, text, &local_error);
  if (sig_hex == NULL || !rd_hex_decode (sig_hex, sig, sizeof sig))
    goto fail;
  *signature = g_bytes_new (sig, sizeof sig);
  *package_dir = g_steal_pointer (&dir);
  {
    gsize len = strlen (text);
    *manifest = g_bytes_new_take (g_steal_pointer (&text), len);
  }
  return TRUE;

fail:
  g_propagate_prefixed_error (
      error, g_steal_pointer (&local_error),
      "cannot build the archive manifest of session %s in ledger %s: ", session_id, ledger->path);
  return FALSE;
}
