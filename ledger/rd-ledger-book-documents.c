/* rd-ledger-book-documents.c: what the book's printed documents hold (the refusal notice, the
 * receipt of documents, the session record, the notice of conclusions), for the console to lay
 * out. See rd-ledger-book.h. */
#include "ledger/rd-ledger-book-private.h"
#include "ledger/rd-ledger-error.h"

#include <string.h>

/* The identity of registration @id at @revision, or for a record that did not name its revision
 * (0), at the revision in force at @recorded_at (as the book's rows, rd-ledger-book-rows.c; the
 * current one when @recorded_at is NULL), opened when sealed and @reveal, else redacted when
 * protected: {registration_id, revision, name, address, id_document,
 * protected, revealed}. Appends @id to @revealed_ids when it reveals. Inside the caller's
 * transaction. (transfer full) */
static JsonObject *
citizen (RdLedger *self, gint64 id, gint64 revision, const char *recorded_at, gboolean reveal,
         GArray *revealed_ids, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = rd_ledger_prepare (
      self, error,
      "SELECT v.name, v.address, v.id_document, v.contact, v.identity_sealed, g.protected, "
      " v.revision FROM (SELECT id AS registration_id, revision, name, address, id_document, "
      " contact, identity_sealed FROM registrations UNION ALL SELECT registration_id, revision, "
      " name, address, id_document, contact, identity_sealed FROM registration_history) v "
      "JOIN registrations g ON g.id = v.registration_id "
      "WHERE v.registration_id = ?2 AND v.revision = CASE WHEN ?3 > 0 THEN ?3 ELSE "
      " coalesce ((SELECT min (h.revision) FROM registration_history h "
      "  WHERE h.registration_id = ?2 AND h.superseded_at > ?1), g.revision) END",
      1, recorded_at);
  JsonObject *out;
  int rc;

  if (stmt == NULL || !rd_ledger_bind_int64 (self, stmt, 2, id, error) ||
      !rd_ledger_bind_int64 (self, stmt, 3, revision, error) ||
      (rc = rd_ledger_step (self, stmt, error)) == 0)
    return NULL;
  if (rc == SQLITE_DONE)
    {
      g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_NOT_FOUND,
                   "no registration %" G_GINT64_FORMAT, id);
      return NULL;
    }
  revision = sqlite3_column_int64 (stmt, 6);
  if (sqlite3_column_int (stmt, 5) && !reveal)
    {
      out = json_object_new ();
      json_object_set_string_member (out, "name", RD_LEDGER_BOOK_REDACTED);
      json_object_set_string_member (out, "address", RD_LEDGER_BOOK_REDACTED);
      json_object_set_string_member (out, "id_document", RD_LEDGER_BOOK_REDACTED);
    }
  else
    {
      out = rd_book_identity (self, id, revision, (const char *)sqlite3_column_text (stmt, 0),
                              (const char *)sqlite3_column_text (stmt, 1),
                              (const char *)sqlite3_column_text (stmt, 2),
                              (const char *)sqlite3_column_text (stmt, 3),
                              (const char *)sqlite3_column_text (stmt, 4), error);
      if (out == NULL)
        return NULL;
      json_object_remove_member (out, "contact");
      if (sqlite3_column_int (stmt, 5))
        g_array_append_val (revealed_ids, id);
    }
  json_object_set_int_member (out, "registration_id", id);
  json_object_set_int_member (out, "revision", revision);
  json_object_set_boolean_member (out, "protected", sqlite3_column_int (stmt, 5));
  json_object_set_boolean_member (out, "revealed", sqlite3_column_int (stmt, 5) && reveal);
  return out;
}

/* The receptions of session @id, each with its citizen as recorded. */
static JsonArray *
session_receptions (RdLedger *self, const char *id, gboolean reveal, GArray *revealed_ids,
                    GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = rd_ledger_prepare (
      self, error,
      "SELECT r.id, r.registration_id, coalesce (r.registration_revision, 0), r.content, "
      "r.handling, g.classification, r.created_at FROM receptions r JOIN registrations g ON g.id = "
      "r.registration_id WHERE r.session_id = ?1 ORDER BY r.id",
      1, id);
  g_autoptr (JsonArray) out = json_array_new ();
  int rc;

  if (stmt == NULL)
    return NULL;
  while ((rc = rd_ledger_step (self, stmt, error)) == SQLITE_ROW)
    {
      JsonObject *r = json_object_new ();
      JsonObject *who =
          citizen (self, sqlite3_column_int64 (stmt, 1), sqlite3_column_int64 (stmt, 2),
                   (const char *)sqlite3_column_text (stmt, 6), reveal, revealed_ids, error);

      json_array_add_object_element (out, r);
      if (who == NULL)
        return NULL;
      json_object_set_int_member (r, "id", sqlite3_column_int64 (stmt, 0));
      json_object_set_string_member (r, "content", (const char *)sqlite3_column_text (stmt, 3));
      json_object_set_string_member (r, "handling", (const char *)sqlite3_column_text (stmt, 4));
      json_object_set_string_member (
          r, "classification_vi",
          rd_book_classification_vi ((const char *)sqlite3_column_text (stmt, 5)));
      json_object_set_object_member (r, "citizen", who);
    }
  return rc == SQLITE_DONE ? g_steal_pointer (&out) : NULL;
}

/* The recording's pauses and resumptions, from the session's events: [{at, kind (paused,
 * resumed), reason, by}]. */
static JsonArray *
pauses (JsonObject *session)
{
  JsonArray *events = json_object_get_array_member (session, "events");
  JsonArray *out = json_array_new ();

  for (guint i = 0; events && i < json_array_get_length (events); i++)
    {
      JsonObject *e = json_array_get_object_element (events, i);
      const char *kind = json_object_get_string_member_with_default (e, "kind", "");
      JsonNode *detail = json_object_get_member (e, "detail");
      JsonObject *p;

      if (!g_str_equal (kind, "recording-paused") && !g_str_equal (kind, "recording-resumed"))
        continue;
      p = json_object_new ();
      json_object_set_string_member (p, "at", json_object_get_string_member (e, "at"));
      json_object_set_string_member (p, "kind", kind + strlen ("recording-"));
      rd_ledger_json_set_string (p, "reason",
                                 detail && JSON_NODE_HOLDS_OBJECT (detail)
                                     ? json_object_get_string_member_with_default (
                                           json_node_get_object (detail), "reason", NULL)
                                     : NULL);
      json_object_set_string_member (p, "by", json_object_get_string_member (e, "actor"));
      json_array_add_object_element (out, p);
    }
  return out;
}

/* Reads the parts a document of @kind about @id needs that are not identities (each with its
 * own read), into @doc; the session's id into @session_id. */
static gboolean
read_parts (RdLedger *ledger, const char *kind, const char *id, JsonObject *doc, char **session_id,
            GError **error)
{
  g_autoptr (JsonNode) session = NULL, bridge = NULL, conclusions = NULL;

  if (g_str_equal (kind, "refusal"))
    {
      gint64 n = g_ascii_strtoll (id, NULL, 10);
      g_autoptr (JsonNode) reception = rd_ledger_reception_show (ledger, n, error);
      JsonObject *r;

      if (reception == NULL)
        return FALSE;
      r = json_node_get_object (reception);
      if (!g_str_equal (json_object_get_string_member_with_default (r, "handling", ""), "refused"))
        {
          g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_STATE,
                       "reception record %s was not refused (handling: %s)", id,
                       json_object_get_string_member_with_default (r, "handling", ""));
          return FALSE;
        }
      json_object_remove_member (r, "recordings");
      *session_id = g_strdup (json_object_get_string_member_with_default (r, "session_id", NULL));
      json_object_set_object_member (doc, "reception", json_object_ref (r));
      if (*session_id == NULL)
        return TRUE;
    }
  else if (g_str_equal (kind, "receipt"))
    return TRUE;
  else
    *session_id = g_strdup (id);
  session = rd_ledger_session_show (ledger, *session_id, error);
  bridge = session ? rd_ledger_session_bridge (ledger, *session_id, error) : NULL;
  if (bridge == NULL)
    return FALSE;
  json_object_set_object_member (doc, "session", json_object_ref (json_node_get_object (session)));
  json_object_set_array_member (doc, "pauses", pauses (json_node_get_object (session)));
  json_object_remove_member (json_object_get_object_member (doc, "session"), "events");
  json_object_remove_member (json_object_get_object_member (doc, "session"), "invites");
  json_object_set_member (
      doc, "presiding",
      json_node_copy (json_object_get_member (json_node_get_object (bridge), "presiding")));
  json_object_set_member (
      doc, "bridge_points",
      json_node_copy (json_object_get_member (json_node_get_object (bridge), "bridge_points")));
  if (g_str_equal (kind, "conclusions"))
    {
      conclusions = rd_ledger_conclusion_list (ledger, *session_id, error);
      if (conclusions == NULL)
        return FALSE;
      json_object_set_member (doc, "conclusions", json_node_copy (conclusions));
    }
  return TRUE;
}

JsonNode *
rd_ledger_book_document (RdLedger *ledger, const char *kind, const char *id,
                         const char *reveal_reason, const char *actor, GError **error)
{
  static const char *const kinds[] = { "refusal", "receipt", "record", "conclusions", NULL };
  g_autoptr (GError) local_error = NULL;
  g_autoptr (GArray) revealed_ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr (JsonNode) detail = rd_book_detail_new ();
  g_autoptr (JsonObject) doc = json_object_new ();
  g_autofree char *reason = NULL, *now = NULL, *session_id = NULL;
  gint64 number = 0;

  g_return_val_if_fail (ledger != NULL, NULL);
  g_return_val_if_fail (actor != NULL, NULL);

  if (kind == NULL || !g_strv_contains (kinds, kind) || id == NULL || *id == '\0')
    {
      g_set_error (&local_error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID,
                   "no document \"%s\" (refusal, receipt, record or conclusions)",
                   kind ? kind : "");
      goto fail_early;
    }
  if ((g_str_equal (kind, "refusal") || g_str_equal (kind, "receipt")) &&
      !g_ascii_string_to_signed (id, 10, 1, G_MAXINT64, &number, NULL))
    {
      g_set_error (&local_error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID,
                   "\"%s\" is not a record number", id);
      goto fail_early;
    }
  reason = rd_book_reveal_reason (reveal_reason, &local_error);
  if (reveal_reason != NULL && reason == NULL)
    goto fail_early;
  json_object_set_string_member (doc, "kind", kind);
  if (g_str_equal (kind, "receipt"))
    {
      g_autoptr (JsonNode) registration =
          rd_ledger_registration_show (ledger, number, reason, actor, &local_error);
      if (registration == NULL)
        goto fail_early;
      json_object_set_object_member (doc, "registration",
                                     json_object_ref (json_node_get_object (registration)));
    }
  else if (!read_parts (ledger, kind, id, doc, &session_id, &local_error))
    goto fail_early;

  now = rd_ledger_now (ledger, NULL);
  /* A write transaction: the document, and any reveal, are on the record with what they hold. */
  if (!rd_ledger_begin (ledger, FALSE, &local_error))
    goto fail_early;
  if (g_str_equal (kind, "refusal"))
    {
      JsonObject *r = json_object_get_object_member (doc, "reception");
      JsonObject *who =
          citizen (ledger, json_object_get_int_member (r, "registration_id"),
                   json_object_get_int_member_with_default (r, "registration_revision", 0),
                   json_object_get_string_member_with_default (r, "created_at", NULL),
                   reason != NULL, revealed_ids, &local_error);
      if (who == NULL)
        goto fail;
      json_object_set_object_member (doc, "citizen", who);
    }
  if (g_str_equal (kind, "record"))
    {
      JsonArray *receptions =
          session_receptions (ledger, session_id, reason != NULL, revealed_ids, &local_error);
      if (receptions == NULL)
        goto fail;
      json_object_set_array_member (doc, "receptions", receptions);
    }
  if (revealed_ids->len > 0)
    {
      g_autofree char *purpose = g_strdup_printf ("document %s %s", kind, id);
      if (!rd_book_record_reveal (ledger, now, actor, reason, purpose, revealed_ids, &local_error))
        goto fail;
    }
  json_object_set_string_member (json_node_get_object (detail), "document", kind);
  json_object_set_string_member (json_node_get_object (detail), "id", id);
  json_object_set_boolean_member (json_node_get_object (detail), "revealed",
                                  revealed_ids->len > 0 ||
                                      (g_str_equal (kind, "receipt") && reason != NULL));
  if (rd_ledger_insert_event (ledger, now, session_id, actor, "document-issued", detail,
                              &local_error) == 0 ||
      !rd_ledger_commit (ledger, FALSE, &local_error))
    goto fail;
  return json_node_init_object (json_node_alloc (), doc);

fail:
  rd_ledger_rollback (ledger, FALSE);
fail_early:
  g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                              "cannot make the %s %s: ", kind ? kind : "document", id ? id : "");
  return NULL;
}
