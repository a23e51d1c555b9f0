/* rd-ledger-participants.c: the parties of a session, one row per connection: joining, the
 * verified DTLS fingerprint, leaving. See rd-ledger.h for the contract. */
#include "ledger/rd-ledger-private.h"
#include "ledger/rd-ledger-error.h"

/* Who writes the events the daemon reports without naming an actor. */
#define LEDGER_ACTOR "receptiond"

static JsonNode *
detail_new (gint64 participant_id)
{
  JsonNode *detail = json_node_new (JSON_NODE_OBJECT);

  json_node_take_object (detail, json_object_new ());
  json_object_set_int_member (json_node_get_object (detail), "participant_id", participant_id);
  return detail;
}

/* Inside the caller's transaction: checks that session @session_id has invite @invite_id for
 * @role. */
static gboolean
check_invite (RdLedger *self, const char *session_id, gint64 invite_id, const char *role,
              GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  const char *invite_role;
  int rc;

  stmt = rd_ledger_prepare (
      self, error, "SELECT role FROM invites WHERE session_id = ?1 AND id = ?2", 1, session_id);
  if (stmt == NULL || !rd_ledger_bind_int64 (self, stmt, 2, invite_id, error) ||
      (rc = rd_ledger_step (self, stmt, error)) == 0)
    return FALSE;
  if (rc == SQLITE_DONE)
    {
      g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_NOT_FOUND,
                   "the session has no invite %" G_GINT64_FORMAT, invite_id);
      return FALSE;
    }
  invite_role = (const char *)sqlite3_column_text (stmt, 0);
  if (g_strcmp0 (invite_role, role) != 0)
    {
      g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID,
                   "invite %" G_GINT64_FORMAT " is for the role %s, not %s", invite_id, invite_role,
                   role);
      return FALSE;
    }
  return TRUE;
}

gint64
rd_ledger_participant_join (RdLedger *ledger, const char *session_id, const char *peer_id,
                            gint64 invite_id, const char *role, const char *name,
                            const char *remote_address, const char *actor, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (JsonNode) detail = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree char *now = NULL;
  JsonObject *object;
  gint64 participant_id;

  g_return_val_if_fail (ledger != NULL, 0);
  g_return_val_if_fail (session_id != NULL, 0);
  g_return_val_if_fail (actor != NULL, 0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0);

  now = rd_ledger_now (ledger, NULL);
  if (!rd_ledger_check_role (role, &local_error))
    goto fail_early;
  if (invite_id < 0)
    {
      g_set_error (&local_error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID,
                   "invite id %" G_GINT64_FORMAT " (0 is none)", invite_id);
      goto fail_early;
    }

  if (!rd_ledger_begin (ledger, FALSE, &local_error))
    goto fail;
  if (!rd_ledger_session_is_open (ledger, session_id, &local_error))
    goto fail;
  if (invite_id > 0 && !check_invite (ledger, session_id, invite_id, role, &local_error))
    goto fail;

  stmt = rd_ledger_prepare (ledger, &local_error,
                            "INSERT INTO participants "
                            "(session_id, peer_id, role, name, remote_address, joined_at, "
                            "invite_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                            6, session_id, peer_id, role, name, remote_address, now);
  /* ?7 left unbound is NULL: no invite. */
  if (stmt == NULL ||
      (invite_id > 0 && !rd_ledger_bind_int64 (ledger, stmt, 7, invite_id, &local_error)) ||
      rd_ledger_step (ledger, stmt, &local_error) == 0)
    goto fail;
  participant_id = sqlite3_last_insert_rowid (ledger->db);

  detail = detail_new (participant_id);
  object = json_node_get_object (detail);
  rd_ledger_json_set_string (object, "peer_id", peer_id);
  json_object_set_string_member (object, "role", role);
  rd_ledger_json_set_string (object, "name", name);
  rd_ledger_json_set_string (object, "remote_address", remote_address);
  if (invite_id > 0)
    json_object_set_int_member (object, "invite_id", invite_id);
  else
    json_object_set_null_member (object, "invite_id");
  if (rd_ledger_insert_event (ledger, now, session_id, actor, "party-joined", detail,
                              &local_error) == 0 ||
      !rd_ledger_commit (ledger, FALSE, &local_error))
    goto fail;
  g_debug ("ledger %s: participant %" G_GINT64_FORMAT " (%s, peer %s) joined session %s",
           ledger->path, participant_id, role, peer_id ? peer_id : "none", session_id);
  return participant_id;

fail:
  g_clear_pointer (&stmt, sqlite3_finalize);
  rd_ledger_rollback (ledger, FALSE);
fail_early:
  g_propagate_prefixed_error (
      error, g_steal_pointer (&local_error),
      "cannot record a party joining session \"%s\" in ledger %s: ", session_id, ledger->path);
  return 0;
}

/* Inside the caller's transaction: participant @participant_id's session (NULL with
 * RD_LEDGER_ERROR_NOT_FOUND if there is no such participant), its recorded DTLS fingerprint and
 * when it left (NULL if not yet). */
static char *
participant_lookup (RdLedger *self, gint64 participant_id, char **out_fingerprint,
                    char **out_left_at, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  int rc;

  stmt = rd_ledger_prepare (self, error,
                            "SELECT session_id, dtls_fingerprint, left_at FROM participants "
                            "WHERE id = ?1",
                            0);
  if (stmt == NULL || !rd_ledger_bind_int64 (self, stmt, 1, participant_id, error) ||
      (rc = rd_ledger_step (self, stmt, error)) == 0)
    return NULL;
  if (rc == SQLITE_DONE)
    {
      g_set_error_literal (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_NOT_FOUND,
                           "no such participant");
      return NULL;
    }
  *out_fingerprint = g_strdup ((const char *)sqlite3_column_text (stmt, 1));
  *out_left_at = g_strdup ((const char *)sqlite3_column_text (stmt, 2));
  return g_strdup ((const char *)sqlite3_column_text (stmt, 0));
}

gboolean
rd_ledger_participant_verified (RdLedger *ledger, gint64 participant_id, const char *fingerprint,
                                gint64 recording_ns, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (JsonNode) detail = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree char *now = NULL;
  g_autofree char *session_id = NULL;
  g_autofree char *recorded = NULL;
  g_autofree char *left_at = NULL;

  g_return_val_if_fail (ledger != NULL, FALSE);
  g_return_val_if_fail (fingerprint != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  now = rd_ledger_now (ledger, NULL);
  if (!rd_ledger_begin (ledger, FALSE, &local_error))
    goto fail;
  session_id = participant_lookup (ledger, participant_id, &recorded, &left_at, &local_error);
  if (session_id == NULL)
    goto fail;
  if (recorded != NULL)
    {
      g_set_error (&local_error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_STATE,
                   "its DTLS fingerprint is already recorded (%s)", recorded);
      goto fail;
    }
  stmt = rd_ledger_prepare (ledger, &local_error,
                            "UPDATE participants SET dtls_fingerprint = ?1 "
                            "WHERE id = ?2 AND dtls_fingerprint IS NULL",
                            1, fingerprint);
  if (stmt == NULL || !rd_ledger_bind_int64 (ledger, stmt, 2, participant_id, &local_error) ||
      rd_ledger_step (ledger, stmt, &local_error) == 0)
    goto fail;

  detail = detail_new (participant_id);
  json_object_set_string_member (json_node_get_object (detail), "fingerprint", fingerprint);
  if (recording_ns >= 0)
    json_object_set_int_member (json_node_get_object (detail), "recording_ns", recording_ns);
  if (rd_ledger_insert_event (ledger, now, session_id, LEDGER_ACTOR, "party-verified", detail,
                              &local_error) == 0 ||
      !rd_ledger_commit (ledger, FALSE, &local_error))
    goto fail;
  return TRUE;

fail:
  g_clear_pointer (&stmt, sqlite3_finalize);
  rd_ledger_rollback (ledger, FALSE);
  g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                              "cannot record the DTLS fingerprint of participant %" G_GINT64_FORMAT
                              " (session %s) in ledger %s: ",
                              participant_id, session_id ? session_id : "unknown", ledger->path);
  return FALSE;
}

/* Inside the caller's transaction: participant @participant_id of @session_id, still in, leaves. */
static gboolean
record_leave (RdLedger *self, gint64 participant_id, const char *session_id, const char *at,
              const char *actor, const char *reason, gint64 recording_ns, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (JsonNode) detail = NULL;

  stmt = rd_ledger_prepare (self, error,
                            "UPDATE participants SET left_at = ?1, leave_reason = ?2 "
                            "WHERE id = ?3 AND left_at IS NULL",
                            2, at, reason);
  if (stmt == NULL || !rd_ledger_bind_int64 (self, stmt, 3, participant_id, error) ||
      rd_ledger_step (self, stmt, error) == 0)
    return FALSE;
  if (sqlite3_changes (self->db) != 1)
    {
      g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_STATE,
                   "participant %" G_GINT64_FORMAT " has already left", participant_id);
      return FALSE;
    }
  detail = detail_new (participant_id);
  rd_ledger_json_set_string (json_node_get_object (detail), "reason", reason);
  if (recording_ns >= 0)
    json_object_set_int_member (json_node_get_object (detail), "recording_ns", recording_ns);
  return rd_ledger_insert_event (self, at, session_id, actor, "party-left", detail, error) != 0;
}

gboolean
rd_ledger_participant_leave (RdLedger *ledger, gint64 participant_id, const char *reason,
                             gint64 recording_ns, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autofree char *now = NULL;
  g_autofree char *session_id = NULL;
  g_autofree char *fingerprint = NULL;
  g_autofree char *left_at = NULL;

  g_return_val_if_fail (ledger != NULL, FALSE);
  g_return_val_if_fail (reason != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  now = rd_ledger_now (ledger, NULL);
  if (!rd_ledger_begin (ledger, FALSE, &local_error))
    goto fail;
  session_id = participant_lookup (ledger, participant_id, &fingerprint, &left_at, &local_error);
  if (session_id == NULL)
    goto fail;
  if (left_at != NULL)
    {
      g_set_error (&local_error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_STATE, "it already left (at %s)",
                   left_at);
      goto fail;
    }
  if (!record_leave (ledger, participant_id, session_id, now, LEDGER_ACTOR, reason, recording_ns,
                     &local_error) ||
      !rd_ledger_commit (ledger, FALSE, &local_error))
    goto fail;
  g_debug ("ledger %s: participant %" G_GINT64_FORMAT " left session %s (%s)", ledger->path,
           participant_id, session_id, reason);
  return TRUE;

fail:
  rd_ledger_rollback (ledger, FALSE);
  g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                              "cannot record participant %" G_GINT64_FORMAT
                              " (session %s) leaving in ledger %s: ",
                              participant_id, session_id ? session_id : "unknown", ledger->path);
  return FALSE;
}

gboolean
rd_ledger_participants_close_open (RdLedger *self, const char *session_id, const char *at,
                                   const char *actor, const char *reason, GError **error)
{
  g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr (sqlite3_stmt) stmt = NULL;
  int rc;

  stmt = rd_ledger_prepare (self, error,
                            "SELECT id FROM participants WHERE session_id = ?1 AND left_at IS NULL "
                            "ORDER BY id",
                            1, session_id);
  if (stmt == NULL)
    return FALSE;
  while ((rc = rd_ledger_step (self, stmt, error)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);

      g_array_append_val (ids, id);
    }
  if (rc == 0)
    return FALSE;
  g_clear_pointer (&stmt, sqlite3_finalize);

  for (guint i = 0; i < ids->len; i++)
    if (!record_leave (self, g_array_index (ids, gint64, i), session_id, at, actor, reason, -1,
                       error))
      return FALSE;
  return TRUE;
}
