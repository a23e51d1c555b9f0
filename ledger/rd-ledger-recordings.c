/* rd-ledger-recordings.c: the recording segments of sessions: adding, sealing, marking
 * unrecoverable, listing. See rd-ledger-recordings.h for the contract. */
#include "ledger/rd-ledger-recordings.h"
#include "ledger/rd-ledger-private.h"
#include "ledger/rd-ledger-error.h"

#include <string.h>

/* Who writes the recording events (the recorder reports them through the daemon). */
#define LEDGER_ACTOR "receptiond"

void
rd_ledger_recording_free (RdLedgerRecording *r)
{
  if (r == NULL)
    return;
  g_free (r->session_id);
  g_free (r->path);
  g_free (r->state);
  g_free (r->sha256);
  g_free (r->tracks_json);
  g_free (r->created_at);
  g_free (r->sealed_at);
  g_free (r);
}

static gboolean
state_is_valid (const char *state)
{
  return g_strcmp0 (state, RD_RECORDING_STATE_RECORDING) == 0 ||
         g_strcmp0 (state, RD_RECORDING_STATE_SEALED) == 0 ||
         g_strcmp0 (state, RD_RECORDING_STATE_REPAIRED) == 0 ||
         g_strcmp0 (state, RD_RECORDING_STATE_UNRECOVERABLE) == 0;
}

static gboolean
check_segment (gint64 segment, GError **error)
{
  if (segment >= 1)
    return TRUE;
  g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID,
               "segment number %" G_GINT64_FORMAT " (segments are numbered from 1)", segment);
  return FALSE;
}

/* A path relative to the state dir that stays inside it. */
static gboolean
check_path (const char *path, GError **error)
{
  g_auto (GStrv) parts = NULL;

  if (path == NULL || *path == '\0')
    {
      g_set_error_literal (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID,
                           "the recording's path is empty");
      return FALSE;
    }
  if (g_path_is_absolute (path) || !g_utf8_validate (path, -1, NULL))
    {
      g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID,
                   "recording path \"%s\" must be relative to the state dir", path);
      return FALSE;
    }
  parts = g_strsplit (path, "/", -1);
  for (char **p = parts; *p; p++)
    if (g_str_equal (*p, ".."))
      {
        g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID,
                     "recording path \"%s\" must not leave the state dir (\"..\")", path);
        return FALSE;
      }
  return TRUE;
}

/* @text parsed; it must be JSON of @type (@what names it in the error). (transfer full) */
static JsonNode *
parse_json (const char *text, JsonNodeType type, const char *what, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  g_autoptr (GError) local_error = NULL;
  JsonNode *root;

  if (!json_parser_load_from_data (parser, text, -1, &local_error))
    {
      g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID, "%s is not JSON (%s)", what,
                   local_error->message);
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || JSON_NODE_TYPE (root) != type)
    {
      g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID, "%s must be a JSON %s", what,
                   type == JSON_NODE_ARRAY ? "array" : "object");
      return NULL;
    }
  return json_node_copy (root);
}

static gboolean
check_tracks (const char *tracks_json, GError **error)
{
  g_autoptr (JsonNode) tracks = NULL;

  if (tracks_json == NULL)
    return TRUE;
  tracks = parse_json (tracks_json, JSON_NODE_ARRAY, "the tracks", error);
  return tracks != NULL;
}

static gboolean
check_sha256 (const char *sha256, GError **error)
{
  if (sha256 != NULL && strlen (sha256) == 64 && strspn (sha256, "0123456789abcdef") == 64)
    return TRUE;
  g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID,
               "the SHA-256 \"%s\" is not 64 lower-case hex digits", sha256 ? sha256 : "(none)");
  return FALSE;
}

gboolean
rd_ledger_recording_add (RdLedger *l, const char *session_id, gint64 segment, const char *path,
                         const char *tracks_json, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree char *now = NULL;
  g_autofree char *state = NULL;
  int rc;

  g_return_val_if_fail (l != NULL, FALSE);
  g_return_val_if_fail (session_id != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_segment (segment, &local_error) || !check_path (path, &local_error) ||
      !check_tracks (tracks_json, &local_error))
    goto fail_early;

  now = rd_ledger_now (l, NULL);
  if (!rd_ledger_begin (l, FALSE, &local_error))
    goto fail;
  state = rd_ledger_session_state (l, session_id, &local_error);
  if (state == NULL)
    goto fail;
  if (g_strcmp0 (state, RD_SESSION_STATE_ENDED) == 0)
    {
      g_set_error_literal (&local_error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_STATE,
                           "the session is ended (only a live or interrupted session takes new "
                           "recordings)");
      goto fail;
    }
  stmt = rd_ledger_prepare (l, &local_error,
                            "INSERT INTO recordings (session_id, segment, path, tracks, state, "
                            "created_at) VALUES (?1, ?2, ?3, ?4, 'recording', ?5)",
                            5, session_id, NULL, path, tracks_json, now);
  if (stmt == NULL || !rd_ledger_bind_int64 (l, stmt, 2, segment, &local_error))
    goto fail;
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_CONSTRAINT_UNIQUE)
    {
      g_set_error (&local_error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_EXISTS,
                   "the session has a segment %" G_GINT64_FORMAT " already", segment);
      goto fail;
    }
  if (rc != SQLITE_DONE)
    {
      rd_ledger_set_db_error (&local_error, l->db, rc, RD_LEDGER_ERROR_IO, "cannot insert it");
      goto fail;
    }
  g_clear_pointer (&stmt, sqlite3_finalize);
  if (!rd_ledger_commit (l, FALSE, &local_error))
    goto fail;
  g_debug ("ledger %s: session %s, segment %" G_GINT64_FORMAT " recording to %s", l->path,
           session_id, segment, path);
  return TRUE;

fail:
  g_clear_pointer (&stmt, sqlite3_finalize);
  rd_ledger_rollback (l, FALSE);
fail_early:
  g_propagate_prefixed_error (
      error, g_steal_pointer (&local_error),
      "cannot add segment %" G_GINT64_FORMAT " of session \"%s\" to ledger %s: ", segment,
      session_id, l->path);
  return FALSE;
}

/* Inside the caller's transaction: the path of segment @segment of @session_id, which must be in
 * state "recording" (NOT_FOUND: no such session or segment; STATE: another state). */
static char *
lookup_recording (RdLedger *self, const char *session_id, gint64 segment, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autofree char *state = NULL;
  const char *row_state;
  int rc;

  state = rd_ledger_session_state (self, session_id, error);
  if (state == NULL)
    return NULL;
  stmt = rd_ledger_prepare (self, error,
                            "SELECT path, state FROM recordings WHERE session_id = ?1 "
                            "AND segment = ?2",
                            1, session_id);
  if (stmt == NULL || !rd_ledger_bind_int64 (self, stmt, 2, segment, error) ||
      (rc = rd_ledger_step (self, stmt, error)) == 0)
    return NULL;
  if (rc == SQLITE_DONE)
    {
      g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_NOT_FOUND,
                   "the session has no segment %" G_GINT64_FORMAT, segment);
      return NULL;
    }
  row_state = (const char *)sqlite3_column_text (stmt, 1);
  if (g_strcmp0 (row_state, RD_RECORDING_STATE_RECORDING) != 0)
    {
      g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_STATE,
                   "the segment is %s, not recording (a closed segment never changes)", row_state);
      return NULL;
    }
  return g_strdup ((const char *)sqlite3_column_text (stmt, 0));
}

/* The seal event's detail: the fixed members, then @extra's, which must not reuse their names.
 * (transfer full) */
static JsonNode *
seal_detail (gint64 segment, const char *path, const char *sha256, gint64 size_bytes,
             gint64 duration_ns, const char *extra_json, GError **error)
{
  g_autoptr (JsonNode) extra = NULL;
  g_autoptr (JsonNode) detail = json_node_new (JSON_NODE_OBJECT);
  JsonObject *object = json_object_new ();
  JsonObjectIter iter;
  const char *name;
  JsonNode *value;

  json_node_take_object (detail, object);
  json_object_set_int_member (object, "segment", segment);
  json_object_set_string_member (object, "path", path);
  json_object_set_string_member (object, "sha256", sha256);
  json_object_set_int_member (object, "size_bytes", size_bytes);
  json_object_set_int_member (object, "duration_ns", duration_ns);
  if (extra_json == NULL)
    return g_steal_pointer (&detail);

  extra = parse_json (extra_json, JSON_NODE_OBJECT, "the seal's detail", error);
  if (extra == NULL)
    return NULL;
  json_object_iter_init (&iter, json_node_get_object (extra));
  while (json_object_iter_next (&iter, &name, &value))
    {
      if (json_object_has_member (object, name))
        {
          g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID,
                       "the seal's detail must not set \"%s\" (the ledger writes it)", name);
          return NULL;
        }
      json_object_set_member (object, name, json_node_copy (value));
    }
  return g_steal_pointer (&detail);
}

gboolean
rd_ledger_recording_seal (RdLedger *l, const char *session_id, gint64 segment, const char *state,
                          const char *sha256, gint64 size_bytes, gint64 duration_ns,
                          const char *tracks_json, const char *detail_json, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (JsonNode) detail = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree char *now = NULL;
  g_autofree char *path = NULL;
  gboolean repaired;

  g_return_val_if_fail (l != NULL, FALSE);
  g_return_val_if_fail (session_id != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  repaired = g_strcmp0 (state, RD_RECORDING_STATE_REPAIRED) == 0;
  if (!repaired && g_strcmp0 (state, RD_RECORDING_STATE_SEALED) != 0)
    {
      g_set_error (&local_error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID,
                   "a segment is sealed as \"sealed\" or \"repaired\", not \"%s\"",
                   state ? state : "(none)");
      goto fail_early;
    }
  if (!check_segment (segment, &local_error) || !check_sha256 (sha256, &local_error) ||
      !check_tracks (tracks_json, &local_error))
    goto fail_early;
  if (size_bytes < 0 || duration_ns < 0)
    {
      g_set_error (&local_error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID,
                   "size %" G_GINT64_FORMAT " bytes and duration %" G_GINT64_FORMAT
                   " ns must not be negative",
                   size_bytes, duration_ns);
      goto fail_early;
    }

  now = rd_ledger_now (l, NULL);
  if (!rd_ledger_begin (l, TRUE, &local_error))
    goto fail;
  path = lookup_recording (l, session_id, segment, &local_error);
  if (path == NULL)
    goto fail;
  detail = seal_detail (segment, path, sha256, size_bytes, duration_ns, detail_json, &local_error);
  if (detail == NULL)
    goto fail;
  stmt = rd_ledger_prepare (l, &local_error,
                            "UPDATE recordings SET state = ?1, sha256 = ?2, "
                            "tracks = coalesce (?3, tracks), sealed_at = ?4, size_bytes = ?6, "
                            "duration_ns = ?7 "
                            "WHERE session_id = ?5 AND segment = ?8 AND state = 'recording'",
                            5, state, sha256, tracks_json, now, session_id);
  if (stmt == NULL || !rd_ledger_bind_int64 (l, stmt, 6, size_bytes, &local_error) ||
      !rd_ledger_bind_int64 (l, stmt, 7, duration_ns, &local_error) ||
      !rd_ledger_bind_int64 (l, stmt, 8, segment, &local_error) ||
      rd_ledger_step (l, stmt, &local_error) == 0)
    goto fail;
  g_clear_pointer (&stmt, sqlite3_finalize);
  if (rd_ledger_insert_event (l, now, session_id, LEDGER_ACTOR,
                              repaired ? "recording-repaired" : "recording-sealed", detail,
                              &local_error) == 0 ||
      !rd_ledger_commit (l, TRUE, &local_error))
    goto fail;
  g_debug ("ledger %s: session %s, segment %" G_GINT64_FORMAT " %s (%s)", l->path, session_id,
           segment, state, sha256);
  return TRUE;

fail:
  g_clear_pointer (&stmt, sqlite3_finalize);
  rd_ledger_rollback (l, TRUE);
fail_early:
  g_propagate_prefixed_error (
      error, g_steal_pointer (&local_error),
      "cannot seal segment %" G_GINT64_FORMAT " of session \"%s\" in ledger %s: ", segment,
      session_id, l->path);
  return FALSE;
}

gboolean
rd_ledger_recording_mark_unrecoverable (RdLedger *l, const char *session_id, gint64 segment,
                                        const char *why, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (JsonNode) detail = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree char *now = NULL;
  g_autofree char *path = NULL;
  JsonObject *object;

  g_return_val_if_fail (l != NULL, FALSE);
  g_return_val_if_fail (session_id != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_segment (segment, &local_error))
    goto fail_early;
  if (why == NULL || *why == '\0')
    {
      g_set_error_literal (&local_error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID,
                           "no reason given for why it is unrecoverable");
      goto fail_early;
    }

  now = rd_ledger_now (l, NULL);
  if (!rd_ledger_begin (l, TRUE, &local_error))
    goto fail;
  path = lookup_recording (l, session_id, segment, &local_error);
  if (path == NULL)
    goto fail;
  stmt = rd_ledger_prepare (l, &local_error,
                            "UPDATE recordings SET state = 'unrecoverable' "
                            "WHERE session_id = ?1 AND segment = ?2 AND state = 'recording'",
                            1, session_id);
  if (stmt == NULL || !rd_ledger_bind_int64 (l, stmt, 2, segment, &local_error) ||
      rd_ledger_step (l, stmt, &local_error) == 0)
    goto fail;
  g_clear_pointer (&stmt, sqlite3_finalize);

  detail = json_node_new (JSON_NODE_OBJECT);
  object = json_object_new ();
  json_node_take_object (detail, object);
  json_object_set_int_member (object, "segment", segment);
  json_object_set_string_member (object, "path", path);
  json_object_set_string_member (object, "reason", why);
  if (rd_ledger_insert_event (l, now, session_id, LEDGER_ACTOR, "recording-unrecoverable", detail,
                              &local_error) == 0 ||
      !rd_ledger_commit (l, TRUE, &local_error))
    goto fail;
  g_debug ("ledger %s: session %s, segment %" G_GINT64_FORMAT " unrecoverable: %s", l->path,
           session_id, segment, why);
  return TRUE;

fail:
  g_clear_pointer (&stmt, sqlite3_finalize);
  rd_ledger_rollback (l, TRUE);
fail_early:
  g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                              "cannot mark segment %" G_GINT64_FORMAT
                              " of session \"%s\" unrecoverable in ledger %s: ",
                              segment, session_id, l->path);
  return FALSE;
}

static char *
column_text (sqlite3_stmt *stmt, int i)
{
  return g_strdup ((const char *)sqlite3_column_text (stmt, i));
}

static gint64
column_int64_or (sqlite3_stmt *stmt, int i, gint64 fallback)
{
  return sqlite3_column_type (stmt, i) == SQLITE_NULL ? fallback : sqlite3_column_int64 (stmt, i);
}

static RdLedgerRecording *
row_new (sqlite3_stmt *stmt)
{
  RdLedgerRecording *r = g_new0 (RdLedgerRecording, 1);

  r->session_id = column_text (stmt, 0);
  r->segment = sqlite3_column_int64 (stmt, 1);
  r->path = column_text (stmt, 2);
  r->state = column_text (stmt, 3);
  r->sha256 = column_text (stmt, 4);
  r->size_bytes = column_int64_or (stmt, 5, -1);
  r->duration_ns = column_int64_or (stmt, 6, -1);
  r->tracks_json = column_text (stmt, 7);
  r->created_at = column_text (stmt, 8);
  r->sealed_at = column_text (stmt, 9);
  return r;
}

GPtrArray *
rd_ledger_recordings_list (RdLedger *l, const char *session_id, const char *state, GError **error)
{
  g_autoptr (GPtrArray) rows =
      g_ptr_array_new_with_free_func ((GDestroyNotify)rd_ledger_recording_free);
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree char *session_state_text = NULL;
  gboolean ok = FALSE;
  int rc;

  g_return_val_if_fail (l != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (state != NULL && !state_is_valid (state))
    {
      g_set_error (&local_error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID,
                   "no recording state \"%s\" (recording, sealed, repaired, unrecoverable)", state);
      goto fail;
    }
  /* One read transaction: the session's existence and its rows are one snapshot. */
  if (!rd_ledger_exec (l, "BEGIN", &local_error))
    goto fail;
  if (session_id != NULL &&
      (session_state_text = rd_ledger_session_state (l, session_id, &local_error)) == NULL)
    goto done;
  stmt = rd_ledger_prepare (l, &local_error,
                            "SELECT r.session_id, r.segment, r.path, r.state, r.sha256, "
                            "r.size_bytes, r.duration_ns, r.tracks, r.created_at, r.sealed_at "
                            "FROM recordings r JOIN sessions s ON s.id = r.session_id "
                            "WHERE (?1 IS NULL OR r.session_id = ?1) "
                            "AND (?2 IS NULL OR r.state = ?2) "
                            "ORDER BY s.created_at, s.id, r.segment",
                            2, session_id, state);
  if (stmt == NULL)
    goto done;
  while ((rc = rd_ledger_step (l, stmt, &local_error)) == SQLITE_ROW)
    g_ptr_array_add (rows, row_new (stmt));
  ok = rc == SQLITE_DONE;

done:
  g_clear_pointer (&stmt, sqlite3_finalize);
  rd_ledger_rollback (l, FALSE); /* nothing was written; ends the read transaction */
  if (ok)
    return g_steal_pointer (&rows);
fail:
  g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                              "cannot list the recordings of %s%s%s in ledger %s: ",
                              session_id ? "session \"" : "all sessions",
                              session_id ? session_id : "", session_id ? "\"" : "", l->path);
  return NULL;
}

gint64
rd_ledger_recording_next_segment (RdLedger *l, const char *session_id, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree char *state = NULL;
  gint64 next = 0;
  int rc;

  g_return_val_if_fail (l != NULL, 0);
  g_return_val_if_fail (session_id != NULL, 0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0);

  if (!rd_ledger_exec (l, "BEGIN", &local_error))
    goto fail;
  if ((state = rd_ledger_session_state (l, session_id, &local_error)) == NULL)
    goto done;
  stmt = rd_ledger_prepare (l, &local_error,
                            "SELECT coalesce (max (segment), 0) + 1 FROM recordings "
                            "WHERE session_id = ?1",
                            1, session_id);
  if (stmt == NULL || (rc = rd_ledger_step (l, stmt, &local_error)) == 0)
    goto done;
  next = sqlite3_column_int64 (stmt, 0);

done:
  g_clear_pointer (&stmt, sqlite3_finalize);
  rd_ledger_rollback (l, FALSE);
  if (next > 0)
    return next;
fail:
  g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                              "cannot find the next segment number of session \"%s\" in ledger "
                              "%s: ",
                              session_id, l->path);
  return 0;
}
