/* rd-ledger-book-registrations.c: citizens' registrations: add and update (a new revision, the
 * old one kept, identities sealed when protected). Views are in
 * rd-ledger-book-registration-views.c. See rd-ledger-book.h. */
#include "ledger/rd-ledger-book-private.h"
#include "ledger/rd-ledger-error.h"

#include <string.h>

static char *
identity_json (const RdBookRegistration *r)
{
  g_autoptr (JsonNode) node = rd_book_detail_new ();
  JsonObject *o = json_node_get_object (node);

  rd_ledger_json_set_string (o, "name", r->name);
  rd_ledger_json_set_string (o, "address", r->address);
  rd_ledger_json_set_string (o, "id_document", r->id_document);
  rd_ledger_json_set_string (o, "contact", r->contact);
  return json_to_string (node, FALSE);
}

static gboolean
is_protected (const RdBookRegistration *r)
{
  return g_strcmp0 (r->classification, "to-cao") == 0 || r->protection_requested;
}

/* Whether the ledger has the columns of RD_BOOK_ROWS_SCHEMA_VERSION. */
static gboolean
rows_form (RdLedger *self)
{
  return self->schema_version >= RD_BOOK_ROWS_SCHEMA_VERSION;
}

/* Binds the row's values to ?3.. of an INSERT or UPDATE whose ?1 is the id, ?2 the revision. */
static gboolean
write_row (RdLedger *self, const char *sql, gint64 id, gint64 revision, const RdBookRegistration *r,
           gboolean protect, const char *at, const char *actor, GError **error)
{
  g_autofree char *sealed = NULL;
  g_autofree char *representatives = NULL;
  g_autoptr (sqlite3_stmt) stmt = NULL;

  if (protect)
    {
      g_autofree char *plain = identity_json (r);
      g_autofree char *aad = rd_book_identity_aad (id, revision);

      sealed = rd_book_seal (self, plain, aad, error);
      explicit_bzero (plain, strlen (plain));
      if (!sealed)
        return FALSE;
    }
  if (protect && r->representatives)
    {
      g_autofree char *aad = rd_book_representatives_aad (id, revision);

      representatives = rd_book_seal (self, r->representatives, aad, error);
      if (!representatives)
        return FALSE;
    }
  else
    representatives = g_strdup (r->representatives);
  stmt = rd_ledger_prepare (self, error, sql, 0);
  if (stmt == NULL)
    return FALSE;
  {
    const char *texts[] = { at,
                            actor,
                            r->classification,
                            protect ? NULL : r->name,
                            protect ? NULL : r->address,
                            protect ? NULL : r->id_document,
                            protect ? NULL : r->contact,
                            sealed,
                            r->summary,
                            r->prior_body,
                            r->attachments,
                            r->field,
                            representatives };
    /* ?3..?13, then ?17 (field) and ?18 (representatives). */
    for (gsize i = 0; i < G_N_ELEMENTS (texts); i++)
      if ((i < 11 || (int)i + 6 <= sqlite3_bind_parameter_count (stmt)) &&
          sqlite3_bind_text (stmt, i < 11 ? (int)i + 3 : (int)i + 6, texts[i], -1,
                             SQLITE_TRANSIENT) != SQLITE_OK)
        {
          rd_ledger_set_db_error (error, self->db, SQLITE_ERROR, RD_LEDGER_ERROR_IO, "bind");
          return FALSE;
        }
  }
  return rd_ledger_bind_int64 (self, stmt, 1, id, error) &&
         rd_ledger_bind_int64 (self, stmt, 2, revision, error) &&
         rd_ledger_bind_int64 (self, stmt, 14, r->protection_requested, error) &&
         rd_ledger_bind_int64 (self, stmt, 15, protect, error) &&
         rd_ledger_bind_int64 (self, stmt, 16, r->people_count, error) &&
         (r->repeat_of == 0 || sqlite3_bind_parameter_count (stmt) < 19 ||
          rd_ledger_bind_int64 (self, stmt, 19, r->repeat_of, error)) &&
         rd_ledger_step (self, stmt, error) != 0;
}

/* A repeated matter names an earlier registration that exists. */
static gboolean
check_repeat_of (RdLedger *self, gint64 id, gint64 repeat_of, GError **error)
{
  g_autoptr (GError) local = NULL;

  if (repeat_of == 0)
    return TRUE;
  if (repeat_of >= id)
    {
      g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID,
                   "field \"repeat_of\": %" G_GINT64_FORMAT
                   " is not an earlier registration than %" G_GINT64_FORMAT,
                   repeat_of, id);
      return FALSE;
    }
  if (rd_book_registration_exists (self, repeat_of, &local))
    return TRUE;
  g_propagate_prefixed_error (error, g_steal_pointer (&local), "field \"repeat_of\": ");
  return FALSE;
}

/* Every registration row, protected or not (it may be later), enters the chain as a hash keyed
 * with a key derived from the book key (rd-ledger-chain.h). */
static gboolean
need_chain_key (RdLedger *self, GError **error)
{
  if (self->chain_key.set)
    return TRUE;
  g_set_error_literal (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID,
                       "no book key: registrations enter the hash chain only as a hash keyed "
                       "with it, and protected identities are sealed with it");
  return FALSE;
}

gint64
rd_ledger_registration_add (RdLedger *ledger, JsonObject *fields, const char *actor, GError **error)
{
  g_auto (RdBookRegistration) r = { .people_count = 1 };
  g_autofree char *now = NULL;
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autoptr (JsonNode) detail = rd_book_detail_new ();
  gint64 id = 0;

  g_return_val_if_fail (ledger != NULL, 0);
  g_return_val_if_fail (actor != NULL, 0);

  if (!rd_book_registration_parse (&r, fields, TRUE, &local_error) ||
      !need_chain_key (ledger, &local_error))
    goto fail_early;
  now = rd_ledger_now (ledger, NULL);
  if (!rd_ledger_begin (ledger, FALSE, &local_error))
    goto fail_early;
  stmt = rd_ledger_prepare (ledger, &local_error,
                            "SELECT coalesce (max (id), 0) + 1 FROM registrations", 0);
  if (stmt == NULL || rd_ledger_step (ledger, stmt, &local_error) != SQLITE_ROW)
    goto fail;
  id = sqlite3_column_int64 (stmt, 0);
  g_clear_pointer (&stmt, sqlite3_finalize);
  if (!check_repeat_of (ledger, id, r.repeat_of, &local_error))
    goto fail;
  if (!write_row (ledger,
                  rows_form (ledger)
                      ? "INSERT INTO registrations (id, revision, created_at, created_by, "
                        "updated_at, updated_by, classification, name, address, id_document, "
                        "contact, identity_sealed, summary, prior_body, attachments, "
                        "protection_requested, protected, people_count, field, representatives, "
                        "repeat_of) VALUES (?1, ?2, ?3, ?4, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
                        "?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)"
                      : "INSERT INTO registrations (id, revision, created_at, created_by, "
                        "updated_at, updated_by, classification, name, address, id_document, "
                        "contact, identity_sealed, summary, prior_body, attachments, "
                        "protection_requested, protected, people_count) VALUES (?1, ?2, ?3, ?4, "
                        "?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
                  id, 1, &r, is_protected (&r), now, actor, &local_error))
    goto fail;
  json_object_set_int_member (json_node_get_object (detail), "registration_id", id);
  json_object_set_string_member (json_node_get_object (detail), "classification", r.classification);
  json_object_set_boolean_member (json_node_get_object (detail), "protected", is_protected (&r));
  if (rd_ledger_insert_event (ledger, now, NULL, actor, "registration-added", detail,
                              &local_error) == 0 ||
      !rd_ledger_commit (ledger, FALSE, &local_error))
    goto fail;
  return id;

fail:
  g_clear_pointer (&stmt, sqlite3_finalize);
  rd_ledger_rollback (ledger, FALSE);
fail_early:
  g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                              "cannot add the registration: ");
  return 0;
}

static const char *
col (sqlite3_stmt *stmt, int i)
{
  return (const char *)sqlite3_column_text (stmt, i);
}

sqlite3_stmt *
rd_book_registration_row (RdLedger *self, gint64 id, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = rd_ledger_prepare (
      self, error,
      self->schema_version >= RD_BOOK_ROWS_SCHEMA_VERSION
          ? "SELECT " RD_BOOK_REGISTRATION_COLUMNS " FROM registrations WHERE id = ?1"
          : "SELECT " RD_BOOK_REGISTRATION_COLUMNS_BEFORE_ROWS
            ", NULL, NULL, NULL FROM registrations WHERE id = ?1",
      0);
  int rc;

  if (stmt == NULL || !rd_ledger_bind_int64 (self, stmt, 1, id, error) ||
      (rc = rd_ledger_step (self, stmt, error)) == 0)
    return NULL;
  if (rc == SQLITE_DONE)
    {
      g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_NOT_FOUND,
                   "no registration %" G_GINT64_FORMAT, id);
      return NULL;
    }
  return g_steal_pointer (&stmt);
}

static gboolean
load (RdLedger *self, sqlite3_stmt *row, RdBookRegistration *r, GError **error)
{
  g_autoptr (JsonObject) identity = rd_book_identity (
      self, sqlite3_column_int64 (row, 0), sqlite3_column_int64 (row, 1), col (row, 9),
      col (row, 10), col (row, 11), col (row, 12), col (row, 13), error);

  if (identity == NULL)
    return FALSE;
  r->classification = g_strdup (col (row, 6));
  r->protection_requested = sqlite3_column_int (row, 7);
  r->name = g_strdup (json_object_get_string_member_with_default (identity, "name", NULL));
  r->address = g_strdup (json_object_get_string_member_with_default (identity, "address", NULL));
  r->id_document =
      g_strdup (json_object_get_string_member_with_default (identity, "id_document", NULL));
  r->contact = g_strdup (json_object_get_string_member_with_default (identity, "contact", NULL));
  r->summary = g_strdup (col (row, 14));
  r->people_count = sqlite3_column_int64 (row, 15);
  r->prior_body = g_strdup (col (row, 16));
  r->attachments = g_strdup (col (row, 17));
  r->field = g_strdup (col (row, 18));
  r->repeat_of = sqlite3_column_int64 (row, 19);
  if (col (row, 20))
    {
      g_autoptr (JsonArray) names = rd_book_representatives (
          self, sqlite3_column_int64 (row, 0), sqlite3_column_int64 (row, 1), col (row, 20), error);
      g_autoptr (JsonNode) node = NULL;

      if (names == NULL)
        return FALSE;
      node = json_node_init_array (json_node_alloc (), names);
      r->representatives = json_to_string (node, FALSE);
    }
  return TRUE;
}

/* Seals the identity kept in clear in earlier revisions of @id (it has just come under
 * protection). */
static gboolean
seal_history (RdLedger *self, gint64 id, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = rd_ledger_prepare (
      self, error,
      rows_form (self) ? "SELECT revision, name, address, id_document, contact, representatives "
                         "FROM registration_history WHERE registration_id = ?1 "
                         "AND identity_sealed IS NULL"
                       : "SELECT revision, name, address, id_document, contact, NULL "
                         "FROM registration_history WHERE registration_id = ?1 "
                         "AND identity_sealed IS NULL",
      0);
  g_autoptr (GArray) revisions = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr (GPtrArray) plains = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) groups = g_ptr_array_new_with_free_func (g_free);
  int rc;

  if (stmt == NULL || !rd_ledger_bind_int64 (self, stmt, 1, id, error))
    return FALSE;
  while ((rc = rd_ledger_step (self, stmt, error)) == SQLITE_ROW)
    {
      RdBookRegistration old = { 0 };
      gint64 revision = sqlite3_column_int64 (stmt, 0);

      old.name = (char *)col (stmt, 1);
      old.address = (char *)col (stmt, 2);
      old.id_document = (char *)col (stmt, 3);
      old.contact = (char *)col (stmt, 4);
      g_array_append_val (revisions, revision);
      g_ptr_array_add (plains, identity_json (&old));
      g_ptr_array_add (groups, g_strdup (col (stmt, 5)));
    }
  if (rc == 0)
    return FALSE;
  g_clear_pointer (&stmt, sqlite3_finalize);
  for (guint i = 0; i < revisions->len; i++)
    {
      gint64 revision = g_array_index (revisions, gint64, i);
      g_autofree char *aad = rd_book_identity_aad (id, revision);
      g_autofree char *sealed = rd_book_seal (self, plains->pdata[i], aad, error);
      g_autofree char *group_aad = rd_book_representatives_aad (id, revision);
      const char *group = groups->pdata[i];
      g_autofree char *group_sealed = NULL;
      g_autoptr (sqlite3_stmt) update = NULL;

      if (!sealed)
        return FALSE;
      /* Representatives are sealed in the same update: the history row accepts one. */
      if (group && !g_str_has_prefix (group, "v1:") &&
          !(group_sealed = rd_book_seal (self, group, group_aad, error)))
        return FALSE;
      update = rd_ledger_prepare (
          self, error,
          rows_form (self) ? "UPDATE registration_history SET identity_sealed = ?3, "
                             "name = NULL, address = NULL, id_document = NULL, contact = NULL, "
                             "representatives = coalesce (?4, representatives) "
                             "WHERE registration_id = ?1 AND revision = ?2"
                           : "UPDATE registration_history SET identity_sealed = ?3, "
                             "name = NULL, address = NULL, id_document = NULL, contact = NULL "
                             "WHERE registration_id = ?1 AND revision = ?2 AND ?4 IS NULL",
          0);
      if (update == NULL || !rd_ledger_bind_int64 (self, update, 1, id, error) ||
          !rd_ledger_bind_int64 (self, update, 2, revision, error) ||
          sqlite3_bind_text (update, 3, sealed, -1, SQLITE_TRANSIENT) != SQLITE_OK ||
          sqlite3_bind_text (update, 4, group_sealed, -1, SQLITE_TRANSIENT) != SQLITE_OK ||
          rd_ledger_step (self, update, error) == 0)
        return FALSE;
    }
  return TRUE;
}

gboolean
rd_ledger_registration_update (RdLedger *ledger, gint64 id, JsonObject *fields, const char *actor,
                               GError **error)
{
  g_auto (RdBookRegistration) r = { 0 };
  g_auto (RdBookRegistration) checked = { 0 };
  g_autofree char *now = NULL;
  g_autoptr (sqlite3_stmt) row = NULL;
  g_autoptr (sqlite3_stmt) copy = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autoptr (JsonNode) detail = rd_book_detail_new ();
  g_autoptr (GList) members = NULL;
  JsonArray *changed = json_array_new ();
  gboolean was_protected, protect;
  gint64 revision;

  g_return_val_if_fail (ledger != NULL, FALSE);
  g_return_val_if_fail (actor != NULL, FALSE);

  json_object_set_array_member (json_node_get_object (detail), "fields", changed);
  if (fields == NULL || json_object_get_size (fields) == 0)
    {
      g_set_error_literal (&local_error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID,
                           "no field to change");
      goto fail_early;
    }
  /* The fields are checked before the registration is read, and applied to it after. */
  if (!rd_book_registration_parse (&checked, fields, FALSE, &local_error) ||
      !need_chain_key (ledger, &local_error))
    goto fail_early;
  now = rd_ledger_now (ledger, NULL);
  if (!rd_ledger_begin (ledger, FALSE, &local_error))
    goto fail_early;
  row = rd_book_registration_row (ledger, id, &local_error);
  if (row == NULL || !load (ledger, row, &r, &local_error) ||
      !rd_book_registration_parse (&r, fields, FALSE, &local_error))
    goto fail;
  revision = sqlite3_column_int64 (row, 1);
  was_protected = sqlite3_column_int (row, 8);
  g_clear_pointer (&row, sqlite3_finalize);
  protect = was_protected || is_protected (&r);
  if (!check_repeat_of (ledger, id, r.repeat_of, &local_error))
    goto fail;

  copy = rd_ledger_prepare (
      ledger, &local_error,
      rows_form (ledger)
          ? "INSERT INTO registration_history (registration_id, revision, updated_at, "
            "updated_by, superseded_at, classification, protection_requested, protected, name, "
            "address, id_document, contact, identity_sealed, summary, people_count, prior_body, "
            "attachments, field, repeat_of, representatives) "
            "SELECT id, revision, updated_at, updated_by, ?2, classification, "
            "protection_requested, protected, name, address, id_document, contact, "
            "identity_sealed, summary, people_count, prior_body, attachments, field, repeat_of, "
            "representatives FROM registrations WHERE id = ?1"
          : "INSERT INTO registration_history (registration_id, revision, updated_at, "
            "updated_by, superseded_at, classification, protection_requested, protected, name, "
            "address, id_document, contact, identity_sealed, summary, people_count, prior_body, "
            "attachments) "
            "SELECT id, revision, updated_at, updated_by, ?2, classification, "
            "protection_requested, protected, name, address, id_document, contact, "
            "identity_sealed, summary, people_count, prior_body, attachments FROM registrations "
            "WHERE id = ?1",
      0);
  if (copy == NULL || !rd_ledger_bind_int64 (ledger, copy, 1, id, &local_error) ||
      sqlite3_bind_text (copy, 2, now, -1, SQLITE_TRANSIENT) != SQLITE_OK ||
      rd_ledger_step (ledger, copy, &local_error) == 0)
    goto fail;
  if (protect && !was_protected && !seal_history (ledger, id, &local_error))
    goto fail;
  if (!write_row (ledger,
                  rows_form (ledger)
                      ? "UPDATE registrations SET revision = ?2, updated_at = ?3, updated_by = ?4, "
                        "classification = ?5, name = ?6, address = ?7, id_document = ?8, "
                        "contact = ?9, identity_sealed = ?10, summary = ?11, prior_body = ?12, "
                        "attachments = ?13, protection_requested = ?14, protected = ?15, "
                        "people_count = ?16, field = ?17, representatives = ?18, repeat_of = ?19 "
                        "WHERE id = ?1"
                      : "UPDATE registrations SET revision = ?2, updated_at = ?3, updated_by = ?4, "
                        "classification = ?5, name = ?6, address = ?7, id_document = ?8, "
                        "contact = ?9, identity_sealed = ?10, summary = ?11, prior_body = ?12, "
                        "attachments = ?13, protection_requested = ?14, protected = ?15, "
                        "people_count = ?16 WHERE id = ?1",
                  id, revision + 1, &r, protect, now, actor, &local_error))
    goto fail;

  members = json_object_get_members (fields);
  for (GList *l = members; l; l = l->next)
    json_array_add_string_element (changed, l->data);
  json_object_set_int_member (json_node_get_object (detail), "registration_id", id);
  json_object_set_int_member (json_node_get_object (detail), "revision", revision + 1);
  json_object_set_boolean_member (json_node_get_object (detail), "protected", protect);
  if (rd_ledger_insert_event (ledger, now, NULL, actor, "registration-updated", detail,
                              &local_error) == 0 ||
      !rd_ledger_commit (ledger, FALSE, &local_error))
    goto fail;
  if (protect && !was_protected)
    {
      /* The identity was in clear until now: move the WAL (which holds the old pages) into the
       * database, where secure_delete zeroes what was freed, and empty it. Best effort: the
       * update itself is committed. */
      g_autoptr (GError) checkpoint_error = NULL;
      if (!rd_ledger_exec (ledger, "PRAGMA wal_checkpoint (TRUNCATE)", &checkpoint_error))
        g_debug ("ledger %s: checkpoint after sealing registration %" G_GINT64_FORMAT ": %s",
                 ledger->path, id, checkpoint_error->message);
    }
  return TRUE;

fail:
  g_clear_pointer (&row, sqlite3_finalize);
  g_clear_pointer (&copy, sqlite3_finalize);
  rd_ledger_rollback (ledger, FALSE);
fail_early:
  g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                              "cannot update registration %" G_GINT64_FORMAT ": ", id);
  return FALSE;
}
