/* rd-ledger-book-schedule.c: sessions scheduled for registrations, moving and cancelling them,
 * marking their duties done, and starting a scheduled session. See rd-ledger-book.h; the timing
 * duties are in rd-ledger-book-duties.c. */
#include "ledger/rd-ledger-book-private.h"
#include "ledger/rd-ledger-error.h"

#include <stdio.h>
#include <string.h>

/* @text (ISO 8601, or dd/mm/yyyy HH:MM as officers write it; local time without a zone; a space
 * may stand for the T) later than @now. */
static GDateTime *
parse_at (const char *text, GDateTime *now, GError **error)
{
  g_autofree char *copy = g_strdup (text ? text : "");
  g_autoptr (GTimeZone) local = g_time_zone_new_local ();
  g_autoptr (GDateTime) at = NULL;
  char *space;

  g_strstrip (copy);
  if (g_regex_match_simple ("^[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}[ T][0-9]{1,2}:[0-9]{2}$", copy, 0, 0))
    {
      guint d, m, y, hh, mm;

      if (sscanf (copy, "%u/%u/%u%*c%u:%u", &d, &m, &y, &hh, &mm) == 5)
        {
          g_free (copy);
          copy = g_strdup_printf ("%04u-%02u-%02uT%02u:%02u", y, m, d, hh, mm);
        }
    }
  space = strchr (copy, ' ');
  if (space)
    *space = 'T';
  /* "2026-12-07T08:30" is how people write it; GLib wants the seconds. */
  if (g_regex_match_simple ("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}([Zz+-].*)?$", copy, 0,
                            0))
    {
      char *with_seconds = g_strdup_printf ("%.16s:00%s", copy, copy + 16);
      g_free (copy);
      copy = with_seconds;
    }
  at = g_date_time_new_from_iso8601 (copy, local);
  if (at == NULL)
    {
      g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID,
                   "field \"at\": \"%s\" is not a date and time (07/12/2026 08:30, or "
                   "2026-12-07T08:30 with an optional time zone)",
                   text ? text : "");
      return NULL;
    }
  if (g_date_time_compare (at, now) <= 0)
    {
      g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID,
                   "field \"at\": %s is not in the future", text);
      return NULL;
    }
  return g_steal_pointer (&at);
}

/* Inside the transaction: registration @id exists (else NOT_FOUND); a denunciation whose
 * citizen asked for identity protection gets a warning in @notes: complex denunciations are
 * received online only when the denouncer does not ask for protection. */
static gboolean
check_registration (RdLedger *self, gint64 id, GPtrArray *notes, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = rd_ledger_prepare (
      self, error,
      "SELECT classification = 'to-cao' AND protection_requested FROM registrations WHERE id = ?1",
      0);
  int rc;

  if (stmt == NULL || !rd_ledger_bind_int64 (self, stmt, 1, id, error) ||
      (rc = rd_ledger_step (self, stmt, error)) == 0)
    return FALSE;
  if (rc == SQLITE_DONE)
    {
      g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_NOT_FOUND,
                   "no registration %" G_GINT64_FORMAT, id);
      return FALSE;
    }
  if (sqlite3_column_int (stmt, 0))
    g_ptr_array_add (notes,
                     g_strdup_printf ("registration %" G_GINT64_FORMAT
                                      " is a denunciation whose citizen asked for identity "
                                      "protection: a complex denunciation is received online "
                                      "only if the denouncer does not ask for protection",
                                      id));
  return TRUE;
}

char *
rd_ledger_session_schedule (RdLedger *ledger, const char *at, const gint64 *registration_ids,
                            guint n_registrations, const char *title, const char *actor,
                            JsonNode **timing, GError **error)
{
  g_autoptr (GDateTime) now = NULL;
  g_autoptr (GDateTime) when = NULL;
  g_autofree char *now_text = NULL;
  g_autofree char *at_text = NULL;
  g_autofree char *date = NULL;
  g_autofree char *id = NULL;
  g_autofree char *clean_title = rd_book_normalize (title);
  g_autoptr (GError) local_error = NULL;
  g_autoptr (JsonNode) detail = rd_book_detail_new ();
  g_autoptr (GPtrArray) notes = g_ptr_array_new_with_free_func (g_free);
  JsonArray *ids = json_array_new ();

  g_return_val_if_fail (ledger != NULL, NULL);
  g_return_val_if_fail (actor != NULL, NULL);

  json_object_set_array_member (json_node_get_object (detail), "registrations", ids);
  now_text = rd_ledger_now (ledger, &now);
  if (!(when = parse_at (at, now, &local_error)))
    goto fail_early;
  if (n_registrations == 0)
    {
      g_set_error_literal (&local_error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID,
                           "field \"registrations\": at least one registration is required");
      goto fail_early;
    }
  for (guint i = 0; i < n_registrations; i++)
    for (guint j = 0; j < i; j++)
      if (registration_ids[i] == registration_ids[j])
        {
          g_set_error (&local_error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID,
                       "field \"registrations\": registration %" G_GINT64_FORMAT " is given twice",
                       registration_ids[i]);
          goto fail_early;
        }
  at_text = rd_ledger_format_time (when);
  date = g_date_time_format (when, "%Y%m%d");
  if (!rd_ledger_begin (ledger, FALSE, &local_error))
    goto fail_early;
  for (guint i = 0; i < n_registrations; i++)
    if (!check_registration (ledger, registration_ids[i], notes, &local_error))
      goto fail;
  id = rd_book_insert_session (ledger, RD_SESSION_STATE_SCHEDULED, clean_title, now_text, NULL,
                               at_text, date, &local_error);
  if (id == NULL)
    goto fail;
  for (guint i = 0; i < n_registrations; i++)
    {
      g_autoptr (sqlite3_stmt) link = rd_ledger_prepare (
          ledger, &local_error,
          "INSERT INTO session_registrations (session_id, registration_id, created_at) "
          "VALUES (?1, ?2, ?3)",
          3, id, NULL, now_text);
      if (link == NULL ||
          !rd_ledger_bind_int64 (ledger, link, 2, registration_ids[i], &local_error) ||
          rd_ledger_step (ledger, link, &local_error) == 0)
        goto fail;
      json_array_add_int_element (ids, registration_ids[i]);
    }
  json_object_set_string_member (json_node_get_object (detail), "scheduled_for", at_text);
  rd_ledger_json_set_string (json_node_get_object (detail), "title", clean_title);
  if (rd_ledger_insert_event (ledger, now_text, id, actor, "session-scheduled", detail,
                              &local_error) == 0 ||
      !rd_ledger_commit (ledger, FALSE, &local_error))
    goto fail;
  if (timing)
    {
      JsonArray *warnings;

      *timing = rd_ledger_book_timing (ledger->calendar, now, when);
      warnings = json_object_get_array_member (json_node_get_object (*timing), "warnings");
      for (guint i = 0; i < notes->len; i++)
        json_array_add_string_element (warnings, notes->pdata[i]);
    }
  return g_steal_pointer (&id);

fail:
  rd_ledger_rollback (ledger, FALSE);
fail_early:
  g_propagate_prefixed_error (error, g_steal_pointer (&local_error), "cannot schedule a session: ");
  return NULL;
}

gboolean
rd_ledger_session_start_scheduled (RdLedger *ledger, const char *id, const char *actor,
                                   GError **error)
{
  g_autofree char *now = NULL;
  g_autofree char *state = NULL;
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autoptr (JsonNode) detail = rd_book_detail_new ();

  g_return_val_if_fail (ledger != NULL, FALSE);
  g_return_val_if_fail (id != NULL, FALSE);
  g_return_val_if_fail (actor != NULL, FALSE);

  now = rd_ledger_now (ledger, NULL);
  if (!rd_ledger_begin (ledger, FALSE, &local_error))
    goto fail;
  state = rd_ledger_session_state (ledger, id, &local_error);
  if (state == NULL)
    goto fail;
  if (!g_str_equal (state, RD_SESSION_STATE_SCHEDULED))
    {
      g_set_error (&local_error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_STATE, "it is %s, not scheduled",
                   state);
      goto fail;
    }
  stmt = rd_ledger_prepare (ledger, &local_error,
                            "UPDATE sessions SET state = 'live', started_at = ?2 "
                            "WHERE id = ?1 AND state = 'scheduled' "
                            "RETURNING title, scheduled_for",
                            2, id, now);
  if (stmt == NULL || rd_ledger_step (ledger, stmt, &local_error) != SQLITE_ROW)
    goto fail;
  rd_ledger_json_set_string (json_node_get_object (detail), "title",
                             (const char *)sqlite3_column_text (stmt, 0));
  rd_ledger_json_set_string (json_node_get_object (detail), "scheduled_for",
                             (const char *)sqlite3_column_text (stmt, 1));
  if (rd_ledger_step (ledger, stmt, &local_error) == 0)
    goto fail;
  g_clear_pointer (&stmt, sqlite3_finalize);
  if (rd_ledger_insert_event (ledger, now, id, actor, "session-started", detail, &local_error) ==
          0 ||
      !rd_ledger_commit (ledger, FALSE, &local_error))
    goto fail;
  return TRUE;

fail:
  g_clear_pointer (&stmt, sqlite3_finalize);
  rd_ledger_rollback (ledger, FALSE);
  g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                              "cannot start scheduled session \"%s\": ", id);
  return FALSE;
}

gboolean
rd_book_check_not_cancelled (RdLedger *self, const char *id, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = rd_ledger_prepare (
      self, error,
      "SELECT 1 FROM sessions WHERE id = ?1 AND state = 'ended' AND started_at IS NULL", 1, id);
  int rc;

  if (stmt == NULL || (rc = rd_ledger_step (self, stmt, error)) == 0)
    return FALSE;
  if (rc == SQLITE_ROW)
    {
      g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_STATE,
                   "session \"%s\" was cancelled, never held", id);
      return FALSE;
    }
  return TRUE;
}

/* Inside the transaction: session @id is scheduled (else NOT_FOUND or STATE); @scheduled_for
 * gets its time. */
static gboolean
check_scheduled (RdLedger *ledger, const char *id, char **scheduled_for, GError **error)
{
  g_autofree char *state = rd_ledger_session_state (ledger, id, error);
  g_autoptr (sqlite3_stmt) stmt = NULL;

  if (state == NULL)
    return FALSE;
  if (!g_str_equal (state, RD_SESSION_STATE_SCHEDULED))
    {
      g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_STATE,
                   "it is %s, not scheduled (only a scheduled session can be moved, cancelled or "
                   "have its duties marked)",
                   state);
      return FALSE;
    }
  stmt =
      rd_ledger_prepare (ledger, error, "SELECT scheduled_for FROM sessions WHERE id = ?1", 1, id);
  if (stmt == NULL || rd_ledger_step (ledger, stmt, error) != SQLITE_ROW)
    return FALSE;
  *scheduled_for = g_strdup ((const char *)sqlite3_column_text (stmt, 0));
  return TRUE;
}

static char *
check_reason (const char *reason, GError **error)
{
  char *clean = rd_book_normalize (reason);

  if (clean == NULL)
    g_set_error_literal (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID,
                         "field \"reason\" is required");
  return clean;
}

gboolean
rd_ledger_session_reschedule (RdLedger *ledger, const char *id, const char *at, const char *reason,
                              const char *actor, JsonNode **timing, GError **error)
{
  g_autoptr (GDateTime) now = NULL;
  g_autoptr (GDateTime) when = NULL;
  g_autofree char *now_text = NULL;
  g_autofree char *at_text = NULL;
  g_autofree char *before = NULL;
  g_autofree char *clean_reason = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autoptr (JsonNode) detail = rd_book_detail_new ();
  g_autoptr (sqlite3_stmt) stmt = NULL;
  JsonObject *o = json_node_get_object (detail);

  g_return_val_if_fail (ledger != NULL, FALSE);
  g_return_val_if_fail (id != NULL, FALSE);
  g_return_val_if_fail (actor != NULL, FALSE);

  now_text = rd_ledger_now (ledger, &now);
  if (!(clean_reason = check_reason (reason, &local_error)) ||
      !(when = parse_at (at, now, &local_error)))
    goto fail_early;
  at_text = rd_ledger_format_time (when);
  if (!rd_ledger_begin (ledger, FALSE, &local_error))
    goto fail_early;
  if (!check_scheduled (ledger, id, &before, &local_error))
    goto fail;
  stmt = rd_ledger_prepare (ledger, &local_error,
                            "UPDATE sessions SET scheduled_for = ?2 "
                            "WHERE id = ?1 AND state = 'scheduled'",
                            2, id, at_text);
  if (stmt == NULL || rd_ledger_step (ledger, stmt, &local_error) == 0)
    goto fail;
  rd_ledger_json_set_string (o, "from", before);
  json_object_set_string_member (o, "to", at_text);
  json_object_set_string_member (o, "reason", clean_reason);
  if (rd_ledger_insert_event (ledger, now_text, id, actor, "session-rescheduled", detail,
                              &local_error) == 0 ||
      !rd_ledger_commit (ledger, FALSE, &local_error))
    goto fail;
  if (timing)
    *timing = rd_ledger_book_timing (ledger->calendar, now, when);
  return TRUE;

fail:
  rd_ledger_rollback (ledger, FALSE);
fail_early:
  g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                              "cannot reschedule session \"%s\": ", id);
  return FALSE;
}

gboolean
rd_ledger_session_cancel (RdLedger *ledger, const char *id, const char *reason, const char *actor,
                          GError **error)
{
  g_autofree char *now = NULL;
  g_autofree char *before = NULL;
  g_autofree char *clean_reason = NULL;
  g_autofree char *end_reason = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autoptr (JsonNode) detail = rd_book_detail_new ();
  g_autoptr (sqlite3_stmt) stmt = NULL;
  JsonObject *o = json_node_get_object (detail);

  g_return_val_if_fail (ledger != NULL, FALSE);
  g_return_val_if_fail (id != NULL, FALSE);
  g_return_val_if_fail (actor != NULL, FALSE);

  now = rd_ledger_now (ledger, NULL);
  if (!(clean_reason = check_reason (reason, &local_error)))
    goto fail_early;
  end_reason = g_strdup_printf ("cancelled: %s", clean_reason);
  if (!rd_ledger_begin (ledger, FALSE, &local_error))
    goto fail_early;
  if (!check_scheduled (ledger, id, &before, &local_error))
    goto fail;
  stmt = rd_ledger_prepare (ledger, &local_error,
                            "UPDATE sessions SET state = 'ended', ended_at = ?2, end_reason = ?3 "
                            "WHERE id = ?1 AND state = 'scheduled'",
                            3, id, now, end_reason);
  if (stmt == NULL || rd_ledger_step (ledger, stmt, &local_error) == 0)
    goto fail;
  rd_ledger_json_set_string (o, "scheduled_for", before);
  json_object_set_string_member (o, "reason", clean_reason);
  if (rd_ledger_insert_event (ledger, now, id, actor, "session-cancelled", detail, &local_error) ==
          0 ||
      !rd_ledger_commit (ledger, FALSE, &local_error))
    goto fail;
  return TRUE;

fail:
  rd_ledger_rollback (ledger, FALSE);
fail_early:
  g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                              "cannot cancel session \"%s\": ", id);
  return FALSE;
}

gboolean
rd_ledger_session_duty_done (RdLedger *ledger, const char *id, const char *duty, const char *note,
                             const char *actor, GError **error)
{
  g_autofree char *now = NULL;
  g_autofree char *before = NULL;
  g_autofree char *clean_note = rd_book_normalize (note);
  g_autoptr (GError) local_error = NULL;
  g_autoptr (JsonNode) detail = rd_book_detail_new ();
  JsonObject *o = json_node_get_object (detail);

  g_return_val_if_fail (ledger != NULL, FALSE);
  g_return_val_if_fail (id != NULL, FALSE);
  g_return_val_if_fail (actor != NULL, FALSE);

  if (g_strcmp0 (duty, "notify-citizen") != 0 && g_strcmp0 (duty, "test-link") != 0)
    {
      g_set_error (&local_error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID,
                   "field \"duty\": \"%s\" is not notify-citizen or test-link", duty ? duty : "");
      goto fail_early;
    }
  now = rd_ledger_now (ledger, NULL);
  if (!rd_ledger_begin (ledger, FALSE, &local_error))
    goto fail_early;
  if (!check_scheduled (ledger, id, &before, &local_error))
    goto fail;
  json_object_set_string_member (o, "duty", duty);
  rd_ledger_json_set_string (o, "note", clean_note);
  if (rd_ledger_insert_event (ledger, now, id, actor, "duty-done", detail, &local_error) == 0 ||
      !rd_ledger_commit (ledger, FALSE, &local_error))
    goto fail;
  return TRUE;

fail:
  rd_ledger_rollback (ledger, FALSE);
fail_early:
  g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                              "cannot mark a duty of session \"%s\" done: ", id);
  return FALSE;
}
