/* rd-ledger-book-duties.c: the timing duties of a scheduled session, counted in working days of
 * the room's calendar, and the duties of every session still scheduled. See rd-ledger-book.h. */
#include "ledger/rd-ledger-book-private.h"

void
rd_ledger_book_set_calendar (RdLedger *ledger, RdCalendar *calendar)
{
  g_return_if_fail (ledger != NULL);
  g_clear_pointer (&ledger->calendar, rd_calendar_unref);
  ledger->calendar = calendar ? rd_calendar_ref (calendar) : NULL;
}

static char *
format_day (const GDate *d)
{
  return g_strdup_printf ("%04d-%02d-%02d", g_date_get_year (d), g_date_get_month (d),
                          g_date_get_day (d));
}

/* dd/mm/yyyy, as the warnings show a day to the officer. */
static char *
shown_day (const GDate *d)
{
  return g_strdup_printf ("%02d/%02d/%04d", g_date_get_day (d), g_date_get_month (d),
                          g_date_get_year (d));
}

static GDate *
local_day (GDateTime *t)
{
  g_autoptr (GDateTime) local = g_date_time_to_local (t);

  return g_date_new_dmy ((GDateDay)g_date_time_get_day_of_month (local),
                         (GDateMonth)g_date_time_get_month (local),
                         (GDateYear)g_date_time_get_year (local));
}

static const char *
state_of (const GDate *today, const GDate *by)
{
  int c = g_date_compare (today, by);

  return c > 0 ? "late" : c == 0 ? "today" : "upcoming";
}

static void
add_warning (JsonArray *warnings, char *text)
{
  json_array_add_string_element (warnings, text);
  g_free (text);
}

static void
add_duty (JsonArray *duties, const char *duty, const char *what, const char *by, const char *state)
{
  JsonObject *o = json_object_new ();

  json_object_set_string_member (o, "duty", duty);
  json_object_set_string_member (o, "what", what);
  json_object_set_string_member (o, "by", by);
  json_object_set_string_member (o, "state", state);
  json_array_add_object_element (duties, o);
}

JsonNode *
rd_ledger_book_timing (RdCalendar *calendar, GDateTime *now, GDateTime *at)
{
  static const char *const weekdays[] = { "",         "Monday", "Tuesday",  "Wednesday",
                                          "Thursday", "Friday", "Saturday", "Sunday" };
  g_autoptr (RdCalendar) law = calendar ? rd_calendar_ref (calendar) : rd_calendar_new ();
  g_autoptr (GDate) today = local_day (now);
  g_autoptr (GDate) day = local_day (at);
  g_autoptr (GDate) notify_by = rd_calendar_add_working_days (law, day, -5);
  g_autoptr (GDate) test_by = rd_calendar_add_working_days (law, day, -1);
  g_autoptr (GDateTime) connect = g_date_time_add_hours (at, -1);
  g_autoptr (GDateTime) connect_local = g_date_time_to_local (connect);
  g_autoptr (GDateTime) at_local = g_date_time_to_local (at);
  g_autoptr (GDate) connect_day = local_day (connect);
  g_autofree char *at_text = g_date_time_format (at_local, "%Y-%m-%dT%H:%M:%S%:z");
  g_autofree char *connect_text = g_date_time_format (connect_local, "%Y-%m-%dT%H:%M:%S%:z");
  g_autofree char *today_text = shown_day (today);
  g_autofree char *notify_text = format_day (notify_by);
  g_autofree char *test_text = format_day (test_by);
  g_autofree char *notify_shown = shown_day (notify_by);
  g_autofree char *test_shown = shown_day (test_by);
  g_autofree char *day_shown = shown_day (day);
  g_autofree char *day_off = NULL;
  g_autofree char *working_days = NULL;
  JsonNode *node = rd_book_detail_new ();
  JsonObject *o = json_node_get_object (node);
  JsonArray *warnings = json_array_new ();
  JsonArray *duties = json_array_new ();
  const char *origin = rd_calendar_get_origin (law);

  json_object_set_string_member (o, "scheduled_for", at_text);
  json_object_set_int_member (o, "working_days_before",
                              rd_calendar_working_days_between (law, today, day));
  json_object_set_string_member (o, "notify_citizen_by", notify_text);
  json_object_set_string_member (o, "test_link_by", test_text);
  json_object_set_string_member (o, "connect_by", connect_text);
  add_duty (duties, "notify-citizen", "notify the citizen (5 working days before)", notify_text,
            state_of (today, notify_by));
  add_duty (duties, "test-link", "test the link (1 working day before)", test_text,
            state_of (today, test_by));
  add_duty (duties, "connect", "connect (1 hour before)", connect_text,
            g_date_time_compare (now, connect) > 0     ? "late"
            : g_date_compare (today, connect_day) == 0 ? "today"
                                                       : "upcoming");
  json_object_set_array_member (o, "duties", duties);
  if (!rd_calendar_is_working_day (law, day, &day_off))
    {
      GDateWeekday w = g_date_get_weekday (day);

      json_object_set_string_member (o, "day_off", day_off);
      if (g_str_equal (day_off, "Thứ Bảy") || g_str_equal (day_off, "Chủ nhật"))
        add_warning (warnings,
                     g_strdup_printf ("the session falls on a %s (%s %s), not a working day",
                                      weekdays[w], day_off, day_shown));
      else
        add_warning (warnings, g_strdup_printf ("the session falls on a day off, %s (%s %s), not a "
                                                "working day",
                                                day_off, weekdays[w], day_shown));
    }
  if (g_date_compare (today, notify_by) > 0)
    add_warning (warnings,
                 g_strdup_printf ("the citizen must be notified at least 5 working days before "
                                  "(by %s); today is %s",
                                  notify_shown, today_text));
  if (g_date_compare (today, test_by) > 0)
    add_warning (warnings,
                 g_strdup_printf ("the link must be tested at least 1 working day before (by "
                                  "%s); today is %s",
                                  test_shown, today_text));
  json_object_set_array_member (o, "warnings", warnings);
  working_days =
      origin
          ? g_strdup_printf ("Monday to Friday, less public holidays and the days of %s", origin)
          : g_strdup ("Monday to Friday, less public holidays (Bộ luật Lao động 2019, Điều 112)");
  json_object_set_string_member (o, "working_days", working_days);
  return node;
}

/* Marks "done" the duties of session @id done since it was last moved ("duty-done" events
 * after its last "session-rescheduled": a citizen notified of the old time must be notified of
 * the new one). */
static gboolean
mark_done (RdLedger *ledger, const char *id, JsonArray *duties, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt =
      rd_ledger_prepare (ledger, error,
                         "SELECT json_extract (detail, '$.duty') FROM events WHERE session_id = ?1 "
                         "AND kind = 'duty-done' AND id > coalesce ((SELECT max (id) FROM events "
                         "WHERE session_id = ?1 AND kind = 'session-rescheduled'), 0)",
                         1, id);
  int rc;

  if (stmt == NULL)
    return FALSE;
  while ((rc = rd_ledger_step (ledger, stmt, error)) == SQLITE_ROW)
    for (guint i = 0; i < json_array_get_length (duties); i++)
      {
        JsonObject *d = json_array_get_object_element (duties, i);

        if (g_strcmp0 (json_object_get_string_member (d, "duty"),
                       (const char *)sqlite3_column_text (stmt, 0)) == 0)
          json_object_set_string_member (d, "state", "done");
      }
  return rc != 0;
}

JsonNode *
rd_ledger_book_duties (RdLedger *ledger, GError **error)
{
  g_autoptr (GDateTime) now = NULL;
  g_autofree char *now_text G_GNUC_UNUSED = rd_ledger_now (ledger, &now); /* now, not its text */
  g_autoptr (sqlite3_stmt) stmt =
      rd_ledger_prepare (ledger, error,
                         "SELECT id, title, scheduled_for FROM sessions WHERE state = 'scheduled' "
                         "ORDER BY scheduled_for, id",
                         0);
  g_autoptr (JsonNode) node = json_node_new (JSON_NODE_ARRAY);
  JsonArray *sessions = json_array_new ();
  int rc;

  json_node_take_array (node, sessions); /* the node owns it */
  g_return_val_if_fail (ledger != NULL, NULL);
  if (stmt == NULL)
    return NULL;
  while ((rc = rd_ledger_step (ledger, stmt, error)) == SQLITE_ROW)
    {
      const char *at_text = (const char *)sqlite3_column_text (stmt, 2);
      g_autoptr (GDateTime) at = at_text ? g_date_time_new_from_iso8601 (at_text, NULL) : NULL;
      JsonObject *o = json_object_new ();
      JsonNode *timing;
      JsonArray *duties;
      gint64 late = 0;

      json_array_add_object_element (sessions, o);
      json_object_set_string_member (o, "id", (const char *)sqlite3_column_text (stmt, 0));
      rd_ledger_json_set_string (o, "title", (const char *)sqlite3_column_text (stmt, 1));
      rd_ledger_json_set_string (o, "scheduled_for", at_text);
      if (at == NULL)
        continue;
      timing = rd_ledger_book_timing (ledger->calendar, now, at);
      json_object_set_member (o, "timing", timing);
      duties = json_object_get_array_member (json_node_get_object (timing), "duties");
      if (!mark_done (ledger, json_object_get_string_member (o, "id"), duties, error))
        return NULL;
      for (guint i = 0; i < json_array_get_length (duties); i++)
        late += g_str_equal (
            json_object_get_string_member (json_array_get_object_element (duties, i), "state"),
            "late");
      json_object_set_int_member (o, "late", late);
    }
  if (rc == 0)
    return NULL;
  return g_steal_pointer (&node);
}
