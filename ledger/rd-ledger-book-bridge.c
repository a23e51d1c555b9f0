/* rd-ledger-book-bridge.c: who presided over a session, its bridge points (điểm cầu trung tâm /
 * thành phần) and who attended at each. Rows never change. See rd-ledger-book.h. */
#include "ledger/rd-ledger-book-private.h"
#include "ledger/rd-ledger-error.h"

static const char *
col (sqlite3_stmt *stmt, int i)
{
  return (const char *)sqlite3_column_text (stmt, i);
}

/* Inside the transaction: the session exists. */
static gboolean
session_exists (RdLedger *self, const char *id, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt =
      rd_ledger_prepare (self, error, "SELECT 1 FROM sessions WHERE id = ?1", 1, id);
  int rc;

  if (stmt == NULL || (rc = rd_ledger_step (self, stmt, error)) == 0)
    return FALSE;
  if (rc == SQLITE_ROW)
    return TRUE;
  g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_NOT_FOUND, "no session \"%s\"", id);
  return FALSE;
}

/* Runs @insert (bound by the caller: ?1.. as it says) and an event @kind with @detail on
 * session @session_id, in one transaction; the new row's id, or 0. */
static gint64
insert_with_event (RdLedger *self, const char *session_id, sqlite3_stmt *insert, const char *now,
                   const char *actor, const char *kind, JsonNode *detail, GError **error)
{
  gint64 id;

  if (rd_ledger_step (self, insert, error) == 0)
    return 0;
  id = sqlite3_last_insert_rowid (self->db);
  json_object_set_int_member (json_node_get_object (detail), "id", id);
  if (rd_ledger_insert_event (self, now, session_id, actor, kind, detail, error) == 0)
    return 0;
  return id;
}

static gboolean
map_constraint (RdLedger *self, GError **error, const char *what)
{
  if (error && *error && sqlite3_extended_errcode (self->db) == SQLITE_CONSTRAINT_UNIQUE)
    {
      g_clear_error (error);
      g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_STATE, "%s", what);
    }
  return FALSE;
}

gboolean
rd_ledger_session_presiding_set (RdLedger *ledger, const char *session_id, JsonObject *fields,
                                 const char *actor, GError **error)
{
  static const char *const known[] = { "name", "position", NULL };
  g_autofree char *name = NULL, *position = NULL, *now = NULL;
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autoptr (JsonNode) detail = rd_book_detail_new ();

  g_return_val_if_fail (ledger != NULL && session_id != NULL && actor != NULL, FALSE);

  if (!rd_book_check_known (fields, known, &local_error) ||
      !rd_book_get_text (fields, "name", TRUE, &name, &local_error) ||
      !rd_book_get_text (fields, "position", FALSE, &position, &local_error))
    goto fail_early;
  now = rd_ledger_now (ledger, NULL);
  if (!rd_ledger_begin (ledger, FALSE, &local_error))
    goto fail_early;
  if (!session_exists (ledger, session_id, &local_error))
    goto fail;
  stmt = rd_ledger_prepare (ledger, &local_error,
                            "INSERT INTO session_presiding (session_id, name, position, "
                            "created_at, created_by) VALUES (?1, ?2, ?3, ?4, ?5)",
                            5, session_id, name, position, now, actor);
  rd_ledger_json_set_string (json_node_get_object (detail), "name", name);
  if (stmt == NULL || insert_with_event (ledger, session_id, stmt, now, actor,
                                         "presiding-officer-set", detail, &local_error) == 0)
    {
      map_constraint (ledger, &local_error, "the session's presiding officer is already recorded");
      goto fail;
    }
  g_clear_pointer (&stmt, sqlite3_finalize);
  if (!rd_ledger_commit (ledger, FALSE, &local_error))
    goto fail;
  return TRUE;

fail:
  g_clear_pointer (&stmt, sqlite3_finalize);
  rd_ledger_rollback (ledger, FALSE);
fail_early:
  g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                              "cannot record who presided over session %s: ", session_id);
  return FALSE;
}

gint64
rd_ledger_bridge_point_add (RdLedger *ledger, const char *session_id, JsonObject *fields,
                            const char *actor, GError **error)
{
  static const char *const known[] = { "name", "kind", "invite_id", NULL };
  g_autofree char *name = NULL, *kind = NULL, *now = NULL;
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autoptr (JsonNode) detail = rd_book_detail_new ();
  gint64 invite_id = 0, id;

  g_return_val_if_fail (ledger != NULL && session_id != NULL && actor != NULL, 0);

  if (!rd_book_check_known (fields, known, &local_error) ||
      !rd_book_get_text (fields, "name", TRUE, &name, &local_error) ||
      !rd_book_get_text (fields, "kind", TRUE, &kind, &local_error) ||
      !rd_book_get_int (fields, "invite_id", FALSE, 1, G_MAXINT64, &invite_id, &local_error))
    goto fail_early;
  if (!g_str_equal (kind, "central") && !g_str_equal (kind, "component"))
    {
      g_set_error (&local_error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID,
                   "field \"kind\": \"%s\" is not central or component", kind);
      goto fail_early;
    }
  now = rd_ledger_now (ledger, NULL);
  if (!rd_ledger_begin (ledger, FALSE, &local_error))
    goto fail_early;
  if (!session_exists (ledger, session_id, &local_error))
    goto fail;
  if (invite_id > 0)
    {
      g_autoptr (sqlite3_stmt) check = rd_ledger_prepare (
          ledger, &local_error, "SELECT 1 FROM invites WHERE id = ?2 AND session_id = ?1", 1,
          session_id);
      int rc;

      if (check == NULL || !rd_ledger_bind_int64 (ledger, check, 2, invite_id, &local_error) ||
          (rc = rd_ledger_step (ledger, check, &local_error)) == 0)
        goto fail;
      if (rc == SQLITE_DONE)
        {
          g_set_error (&local_error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_NOT_FOUND,
                       "field \"invite_id\": no invite %" G_GINT64_FORMAT " of this session",
                       invite_id);
          goto fail;
        }
    }
  stmt = rd_ledger_prepare (ledger, &local_error,
                            "INSERT INTO bridge_points (session_id, kind, name, invite_id, "
                            "created_at, created_by) VALUES (?1, ?2, ?3, ?6, ?4, ?5)",
                            5, session_id, kind, name, now, actor);
  if (stmt != NULL && invite_id > 0 &&
      !rd_ledger_bind_int64 (ledger, stmt, 6, invite_id, &local_error))
    goto fail;
  rd_ledger_json_set_string (json_node_get_object (detail), "kind", kind);
  rd_ledger_json_set_string (json_node_get_object (detail), "name", name);
  if (stmt == NULL || (id = insert_with_event (ledger, session_id, stmt, now, actor,
                                               "bridge-point-added", detail, &local_error)) == 0)
    {
      map_constraint (ledger, &local_error,
                      g_str_equal (kind, "central")
                          ? "the session has its central bridge point, or one of that name"
                          : "the session has a bridge point of that name");
      goto fail;
    }
  g_clear_pointer (&stmt, sqlite3_finalize);
  if (!rd_ledger_commit (ledger, FALSE, &local_error))
    goto fail;
  return id;

fail:
  g_clear_pointer (&stmt, sqlite3_finalize);
  rd_ledger_rollback (ledger, FALSE);
fail_early:
  g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                              "cannot add a bridge point to session %s: ", session_id);
  return 0;
}

gint64
rd_ledger_bridge_point_attend (RdLedger *ledger, const char *session_id, JsonObject *fields,
                               const char *actor, GError **error)
{
  static const char *const known[] = { "bridge_point", "name", "position", NULL };
  g_autofree char *point = NULL, *name = NULL, *position = NULL, *now = NULL;
  g_autoptr (sqlite3_stmt) find = NULL;
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autoptr (JsonNode) detail = rd_book_detail_new ();
  gint64 point_id, id;
  int rc;

  g_return_val_if_fail (ledger != NULL && session_id != NULL && actor != NULL, 0);

  if (!rd_book_check_known (fields, known, &local_error) ||
      !rd_book_get_text (fields, "bridge_point", TRUE, &point, &local_error) ||
      !rd_book_get_text (fields, "name", TRUE, &name, &local_error) ||
      !rd_book_get_text (fields, "position", FALSE, &position, &local_error))
    goto fail_early;
  now = rd_ledger_now (ledger, NULL);
  if (!rd_ledger_begin (ledger, FALSE, &local_error))
    goto fail_early;
  if (!session_exists (ledger, session_id, &local_error))
    goto fail;
  find = rd_ledger_prepare (ledger, &local_error,
                            "SELECT id FROM bridge_points WHERE session_id = ?1 AND name = ?2", 2,
                            session_id, point);
  if (find == NULL || (rc = rd_ledger_step (ledger, find, &local_error)) == 0)
    goto fail;
  if (rc == SQLITE_DONE)
    {
      g_set_error (&local_error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_NOT_FOUND,
                   "field \"bridge_point\": the session has no bridge point \"%s\"", point);
      goto fail;
    }
  point_id = sqlite3_column_int64 (find, 0);
  stmt = rd_ledger_prepare (ledger, &local_error,
                            "INSERT INTO bridge_point_attendees (bridge_point_id, name, position, "
                            "created_at, created_by) VALUES (?5, ?1, ?2, ?3, ?4)",
                            4, name, position, now, actor);
  if (stmt == NULL || !rd_ledger_bind_int64 (ledger, stmt, 5, point_id, &local_error))
    goto fail;
  json_object_set_int_member (json_node_get_object (detail), "bridge_point_id", point_id);
  if ((id = insert_with_event (ledger, session_id, stmt, now, actor, "attendee-added", detail,
                               &local_error)) == 0)
    goto fail;
  g_clear_pointer (&stmt, sqlite3_finalize);
  g_clear_pointer (&find, sqlite3_finalize);
  if (!rd_ledger_commit (ledger, FALSE, &local_error))
    goto fail;
  return id;

fail:
  g_clear_pointer (&stmt, sqlite3_finalize);
  g_clear_pointer (&find, sqlite3_finalize);
  rd_ledger_rollback (ledger, FALSE);
fail_early:
  g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                              "cannot add an attendee to session %s: ", session_id);
  return 0;
}

JsonObject *
rd_book_session_bridge (RdLedger *self, const char *session_id, GError **error)
{
  g_autoptr (JsonObject) out = json_object_new ();
  g_autoptr (sqlite3_stmt) presiding = NULL;
  g_autoptr (sqlite3_stmt) points = NULL;
  g_autoptr (sqlite3_stmt) people = NULL;
  JsonArray *list = json_array_new ();
  int rc;

  json_object_set_array_member (out, "bridge_points", list);
  json_object_set_null_member (out, "presiding");
  if (session_id == NULL)
    return g_steal_pointer (&out);
  presiding = rd_ledger_prepare (
      self, error, "SELECT name, position FROM session_presiding WHERE session_id = ?1", 1,
      session_id);
  if (presiding == NULL || (rc = rd_ledger_step (self, presiding, error)) == 0)
    return NULL;
  if (rc == SQLITE_ROW)
    {
      JsonObject *p = json_object_new ();

      rd_ledger_json_set_string (p, "name", col (presiding, 0));
      rd_ledger_json_set_string (p, "position", col (presiding, 1));
      json_object_set_object_member (out, "presiding", p);
    }
  /* The central point first, then the components in the order they were added. */
  points = rd_ledger_prepare (self, error,
                              "SELECT id, kind, name, invite_id FROM bridge_points "
                              "WHERE session_id = ?1 ORDER BY kind <> 'central', id",
                              1, session_id);
  people = rd_ledger_prepare (self, error,
                              "SELECT name, position FROM bridge_point_attendees "
                              "WHERE bridge_point_id = ?1 ORDER BY id",
                              0);
  if (points == NULL || people == NULL)
    return NULL;
  while ((rc = rd_ledger_step (self, points, error)) == SQLITE_ROW)
    {
      JsonObject *p = json_object_new ();
      JsonArray *attendees = json_array_new ();
      int prc;

      json_object_set_int_member (p, "id", sqlite3_column_int64 (points, 0));
      rd_ledger_json_set_string (p, "kind", col (points, 1));
      rd_ledger_json_set_string (p, "name", col (points, 2));
      if (sqlite3_column_type (points, 3) == SQLITE_INTEGER)
        json_object_set_int_member (p, "invite_id", sqlite3_column_int64 (points, 3));
      json_object_set_array_member (p, "attendees", attendees);
      json_array_add_object_element (list, p);
      sqlite3_reset (people);
      if (!rd_ledger_bind_int64 (self, people, 1, sqlite3_column_int64 (points, 0), error))
        return NULL;
      while ((prc = rd_ledger_step (self, people, error)) == SQLITE_ROW)
        {
          JsonObject *a = json_object_new ();

          rd_ledger_json_set_string (a, "name", col (people, 0));
          rd_ledger_json_set_string (a, "position", col (people, 1));
          json_array_add_object_element (attendees, a);
        }
      if (prc == 0)
        return NULL;
    }
  return rc == SQLITE_DONE ? g_steal_pointer (&out) : NULL;
}

JsonNode *
rd_ledger_session_bridge (RdLedger *ledger, const char *session_id, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  JsonObject *o = NULL;

  g_return_val_if_fail (ledger != NULL && session_id != NULL, NULL);

  if (rd_ledger_exec (ledger, "BEGIN", &local_error))
    {
      o = rd_book_session_bridge (ledger, session_id, &local_error);
      rd_ledger_rollback (ledger, FALSE);
    }
  if (o == NULL)
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                                  "cannot read the bridge points of session %s: ", session_id);
      return NULL;
    }
  {
    JsonNode *node = json_node_init_object (json_node_alloc (), o);

    json_object_unref (o);
    return node;
  }
}
