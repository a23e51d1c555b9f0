/* rd-ledger-invites.c: invites, the bearer tokens that admit a remote party to one session in one
 * role. The ledger only ever sees a token's SHA-256; it never writes the hash anywhere but the
 * invites row, and never puts it (or the token) in an event, a JSON view or an error message.
 * See rd-ledger.h for the contract. */
#include "ledger/rd-ledger-private.h"
#include "ledger/rd-ledger-error.h"

#include <string.h>

void
rd_ledger_invite_free (RdLedgerInvite *invite)
{
  if (invite == NULL)
    return;
  g_free (invite->session_id);
  g_free (invite->role);
  g_free (invite->name);
  g_free (invite->created_at);
  g_free (invite->expires_at);
  g_free (invite->revoked_at);
  g_free (invite);
}

/* Whether @role is one of RD_LEDGER_ROLE_*. */
static gboolean
role_is_valid (const char *role)
{
  return g_strcmp0 (role, RD_LEDGER_ROLE_BOARD) == 0 ||
         g_strcmp0 (role, RD_LEDGER_ROLE_AGENCY) == 0 ||
         g_strcmp0 (role, RD_LEDGER_ROLE_CITIZEN) == 0;
}

gboolean
rd_ledger_check_role (const char *role, GError **error)
{
  if (role_is_valid (role))
    return TRUE;
  if (role == NULL)
    g_set_error_literal (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID,
                         "no role (board, agency or citizen)");
  else
    g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID,
                 "role \"%s\" is not board, agency or citizen", role);
  return FALSE;
}

void
rd_ledger_json_set_string (JsonObject *object, const char *name, const char *value)
{
  if (value != NULL)
    json_object_set_string_member (object, name, value);
  else
    json_object_set_null_member (object, name);
}

/* 64 lowercase hex digits, the form the hash is stored in (the schema checks it too). */
static gboolean
is_sha256_hex (const char *hex)
{
  if (hex == NULL || strlen (hex) != 64)
    return FALSE;
  for (const char *c = hex; *c != '\0'; c++)
    if (!g_ascii_isdigit (*c) && !(*c >= 'a' && *c <= 'f'))
      return FALSE;
  return TRUE;
}

static gboolean
check_token_hash (const char *token_sha256_hex, GError **error)
{
  if (is_sha256_hex (token_sha256_hex))
    return TRUE;
  /* Not even a malformed hash is repeated: it may be a token passed by mistake. */
  g_set_error_literal (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID,
                       "the token hash is not a SHA-256 in 64 lowercase hex digits");
  return FALSE;
}

/* Parses @text (ISO 8601 with a time zone), which must be later than @now, into the stored form:
 * UTC with microseconds, fixed width, so that the string comparison in rd_ledger_invite_check()
 * compares times. */
static char *
parse_expiry (const char *text, GDateTime *now, GError **error)
{
  g_autoptr (GDateTime) time = NULL;

  if (text != NULL)
    time = g_date_time_new_from_iso8601 (text, NULL); /* NULL: a time zone is required */
  if (time == NULL)
    {
      g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID,
                   "expiry \"%s\" is not an ISO 8601 time with a time zone",
                   text != NULL ? text : "(none)");
      return NULL;
    }
  if (g_date_time_compare (time, now) <= 0)
    {
      g_autofree char *now_text = rd_ledger_format_time (now);

      g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID,
                   "expiry %s is not later than now (%s)", text, now_text);
      return NULL;
    }
  return rd_ledger_format_time (time);
}

/* A citizen is not named in an invite: invites, their events and the chain are shown to every
 * console user and kept in clear for good, while a citizen's identity belongs in the reception
 * book, where it can be sealed. */
static gboolean
check_name (const char *role, const char *name, GError **error)
{
  if (name == NULL || g_strcmp0 (role, RD_LEDGER_ROLE_CITIZEN) != 0)
    return TRUE;
  g_set_error_literal (
      error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID,
      "a citizen's invite takes no name: it is called \"citizen N\" (N its number in the "
      "session), since invites and their events are in clear for every console user; the "
      "citizen's name goes in the reception book (registration add, --protect to seal it)");
  return FALSE;
}

/* "citizen N" for the session's next citizen invite, N counting its citizen invites (revoked
 * ones too) from 1. Inside the caller's transaction. */
static char *
citizen_label (RdLedger *ledger, const char *session_id, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = rd_ledger_prepare (
      ledger, error, "SELECT count(*) FROM invites WHERE session_id = ?1 AND role = ?2", 2,
      session_id, RD_LEDGER_ROLE_CITIZEN);

  if (stmt == NULL || rd_ledger_step (ledger, stmt, error) != SQLITE_ROW)
    return NULL;
  return g_strdup_printf ("citizen %" G_GINT64_FORMAT, (gint64)sqlite3_column_int64 (stmt, 0) + 1);
}

static JsonNode *
created_detail (gint64 invite_id, const char *role, const char *name, const char *expires_at)
{
  JsonNode *detail = json_node_new (JSON_NODE_OBJECT);
  JsonObject *object = json_object_new ();

  json_object_set_int_member (object, "invite_id", invite_id);
  json_object_set_string_member (object, "role", role);
  rd_ledger_json_set_string (object, "name", name);
  json_object_set_string_member (object, "expires_at", expires_at);
  json_node_take_object (detail, object);
  return detail;
}

gint64
rd_ledger_invite_create (RdLedger *ledger, const char *session_id, const char *role,
                         const char *name, const char *expires_at, const char *token_sha256_hex,
                         const char *actor, GError **error)
{
  g_autoptr (GDateTime) now = NULL;
  g_autofree char *at = NULL;
  g_autofree char *expires = NULL;
  g_autofree char *label = NULL;
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (JsonNode) detail = NULL;
  g_autoptr (GError) local_error = NULL;
  gint64 invite_id;
  int rc;

  g_return_val_if_fail (ledger != NULL, 0);
  g_return_val_if_fail (session_id != NULL, 0);
  g_return_val_if_fail (actor != NULL, 0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0);

  at = rd_ledger_now (ledger, &now);
  if (!rd_ledger_check_role (role, &local_error) ||
      !check_token_hash (token_sha256_hex, &local_error) ||
      !(expires = parse_expiry (expires_at, now, &local_error)) ||
      !check_name (role, name, &local_error))
    goto fail_early;

  if (!rd_ledger_begin (ledger, FALSE, &local_error))
    goto fail;
  if (!rd_ledger_session_is_open (ledger, session_id, &local_error))
    goto fail;
  if (g_str_equal (role, RD_LEDGER_ROLE_CITIZEN))
    {
      if (!(label = citizen_label (ledger, session_id, &local_error)))
        goto fail;
      name = label;
    }

  stmt = rd_ledger_prepare (ledger, &local_error,
                            "INSERT INTO invites "
                            "(session_id, role, name, token_sha256, created_at, expires_at) "
                            "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                            6, session_id, role, name, token_sha256_hex, at, expires);
  if (stmt == NULL)
    goto fail;
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_CONSTRAINT_UNIQUE)
    {
      /* Only a caller that reuses a token gets here (random 256-bit tokens do not collide). */
      g_set_error_literal (&local_error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID,
                           "another invite has the same token");
      goto fail;
    }
  if (rc != SQLITE_DONE)
    {
      rd_ledger_set_db_error (&local_error, ledger->db, rc, RD_LEDGER_ERROR_IO,
                              "cannot insert the invite");
      goto fail;
    }
  invite_id = sqlite3_last_insert_rowid (ledger->db);

  detail = created_detail (invite_id, role, name, expires);
  if (rd_ledger_insert_event (ledger, at, session_id, actor, "invite-created", detail,
                              &local_error) == 0 ||
      !rd_ledger_commit (ledger, FALSE, &local_error))
    goto fail;
  g_debug ("ledger %s: invite %" G_GINT64_FORMAT " (%s) for session %s, until %s, by %s",
           ledger->path, invite_id, role, session_id, expires, actor);
  return invite_id;

fail:
  rd_ledger_rollback (ledger, FALSE);
fail_early:
  g_propagate_prefixed_error (
      error, g_steal_pointer (&local_error),
      "cannot create an invite for session \"%s\" in ledger %s: ", session_id, ledger->path);
  return 0;
}

static char *
column_text (sqlite3_stmt *stmt, int i)
{
  return g_strdup ((const char *)sqlite3_column_text (stmt, i));
}

RdLedgerInvite *
rd_ledger_invite_check (RdLedger *ledger, const char *session_id, const char *token_sha256_hex,
                        GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (RdLedgerInvite) invite = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree char *now = NULL;
  g_autofree char *state = NULL;
  int rc;

  g_return_val_if_fail (ledger != NULL, NULL);
  g_return_val_if_fail (session_id != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!check_token_hash (token_sha256_hex, &local_error))
    goto fail;
  now = rd_ledger_now (ledger, NULL);

  /* An index lookup on the UNIQUE hash column. Its timing may depend on the hash's bytes; that is
   * acceptable: the attacker would learn about SHA-256 values of tokens, which does not help to
   * find a token (a preimage), unlike timing a comparison of the tokens themselves. One statement,
   * so the invite and its session's state are one snapshot. */
  stmt = rd_ledger_prepare (ledger, &local_error,
                            "SELECT i.id, i.session_id, i.role, i.name, i.created_at, "
                            "i.expires_at, i.revoked_at, s.state "
                            "FROM invites i JOIN sessions s ON s.id = i.session_id "
                            "WHERE i.token_sha256 = ?1",
                            1, token_sha256_hex);
  if (stmt == NULL || (rc = rd_ledger_step (ledger, stmt, &local_error)) == 0)
    goto fail_io;
  if (rc == SQLITE_DONE)
    {
      g_set_error_literal (&local_error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_UNAUTHORIZED,
                           "unknown token");
      goto fail;
    }
  invite = g_new0 (RdLedgerInvite, 1);
  invite->id = sqlite3_column_int64 (stmt, 0);
  invite->session_id = column_text (stmt, 1);
  invite->role = column_text (stmt, 2);
  invite->name = column_text (stmt, 3);
  invite->created_at = column_text (stmt, 4);
  invite->expires_at = column_text (stmt, 5);
  invite->revoked_at = column_text (stmt, 6);
  state = column_text (stmt, 7);

  if (g_strcmp0 (invite->session_id, session_id) != 0)
    g_set_error (&local_error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_UNAUTHORIZED,
                 "the token is for another session (invite %" G_GINT64_FORMAT ")", invite->id);
  else if (invite->revoked_at != NULL)
    g_set_error (&local_error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_UNAUTHORIZED,
                 "invite %" G_GINT64_FORMAT " was revoked (at %s)", invite->id, invite->revoked_at);
  /* Both in the one fixed-width UTC form (rd-ledger.h), so string order is time order. */
  else if (strcmp (invite->expires_at, now) <= 0)
    g_set_error (&local_error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_UNAUTHORIZED,
                 "invite %" G_GINT64_FORMAT " expired (at %s)", invite->id, invite->expires_at);
  else if (rd_ledger_state_is_sealed (state))
    g_set_error (&local_error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_UNAUTHORIZED,
                 "invite %" G_GINT64_FORMAT " is for a session that is %s", invite->id, state);
  if (local_error != NULL)
    goto fail;
  return g_steal_pointer (&invite);

fail:
  g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                              "token refused for session \"%s\": ", session_id);
  return NULL;

fail_io:
  g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                              "cannot check a token for session \"%s\" in ledger %s: ", session_id,
                              ledger->path);
  return NULL;
}

gboolean
rd_ledger_invite_revoke (RdLedger *ledger, const char *session_id, gint64 invite_id,
                         const char *actor, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (JsonNode) detail = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree char *now = NULL;
  int rc;

  g_return_val_if_fail (ledger != NULL, FALSE);
  g_return_val_if_fail (session_id != NULL, FALSE);
  g_return_val_if_fail (actor != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  now = rd_ledger_now (ledger, NULL);
  if (!rd_ledger_begin (ledger, FALSE, &local_error))
    goto fail;
  stmt = rd_ledger_prepare (ledger, &local_error,
                            "SELECT revoked_at FROM invites WHERE session_id = ?1 AND id = ?2", 1,
                            session_id);
  if (stmt == NULL || !rd_ledger_bind_int64 (ledger, stmt, 2, invite_id, &local_error) ||
      (rc = rd_ledger_step (ledger, stmt, &local_error)) == 0)
    goto fail;
  if (rc == SQLITE_DONE)
    {
      g_set_error_literal (&local_error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_NOT_FOUND,
                           "the session has no such invite");
      goto fail;
    }
  if (sqlite3_column_type (stmt, 0) != SQLITE_NULL)
    {
      g_set_error (&local_error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_STATE,
                   "it was already revoked (at %s)", (const char *)sqlite3_column_text (stmt, 0));
      goto fail;
    }
  g_clear_pointer (&stmt, sqlite3_finalize);

  stmt = rd_ledger_prepare (
      ledger, &local_error,
      "UPDATE invites SET revoked_at = ?1 WHERE id = ?2 AND revoked_at IS NULL", 1, now);
  if (stmt == NULL || !rd_ledger_bind_int64 (ledger, stmt, 2, invite_id, &local_error) ||
      rd_ledger_step (ledger, stmt, &local_error) == 0)
    goto fail;
  if (sqlite3_changes (ledger->db) != 1) /* checked above, in this transaction: a bug */
    {
      g_set_error_literal (&local_error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_STATE,
                           "it was revoked meanwhile");
      goto fail;
    }

  detail = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (detail, json_object_new ());
  json_object_set_int_member (json_node_get_object (detail), "invite_id", invite_id);
  if (rd_ledger_insert_event (ledger, now, session_id, actor, "invite-revoked", detail,
                              &local_error) == 0 ||
      !rd_ledger_commit (ledger, FALSE, &local_error))
    goto fail;
  g_debug ("ledger %s: invite %" G_GINT64_FORMAT " of session %s revoked by %s", ledger->path,
           invite_id, session_id, actor);
  return TRUE;

fail:
  g_clear_pointer (&stmt, sqlite3_finalize);
  rd_ledger_rollback (ledger, FALSE);
  g_propagate_prefixed_error (
      error, g_steal_pointer (&local_error),
      "cannot revoke invite %" G_GINT64_FORMAT " of session \"%s\" in ledger %s: ", invite_id,
      session_id, ledger->path);
  return FALSE;
}
