/* test-ledger-book-duties.c: the timing duties of scheduled sessions counted in Việt Nam's
 * working days (around Tết 2027 and 30/4-1/5 every duty lands on a working day), the warning
 * naming a holiday, the list of duties with those late, and moving or cancelling a scheduled
 * session on the record. The ledger's clock is pinned to 4 January 2027, 09:00 in Hà Nội. */
#include "tests/rd-test-book.h"
#include "ledger/rd-ledger-book-private.h"
#include "ledger/rd-ledger-error.h"

#define ACTOR "uid=1000(officer)"

static void
pin_clock (RdLedger *ledger, int year, int month, int day, int hour)
{
  g_autoptr (GTimeZone) tz = g_time_zone_new_identifier ("Asia/Ho_Chi_Minh");
  g_autoptr (GDateTime) pinned = g_date_time_new (tz, year, month, day, hour, 0, 0);
  g_autoptr (GDateTime) real = g_date_time_new_now_utc ();

  rd_ledger_set_clock_offset_for_testing (ledger, g_date_time_difference (pinned, real));
}

static char *
schedule (RdLedger *ledger, const char *at, JsonNode **timing)
{
  g_autoptr (GError) error = NULL;
  gint64 reg = book_add_registration (
      ledger, "{\"name\": \"A\", \"summary\": \"S\", \"classification\": \"kien-nghi\"}");
  char *id = rd_ledger_session_schedule (ledger, at, &reg, 1, "T", ACTOR, timing, &error);

  g_assert_no_error (error);
  g_assert_nonnull (id);
  return id;
}

static GDate *
parse_day (const char *iso)
{
  GDate *d = g_date_new ();

  g_date_set_parse (d, iso);
  g_assert_true (g_date_valid (d));
  return d;
}

/* Every day-duty of @timing is a working day and before the session's day. */
static void
assert_duties_on_working_days (RdCalendar *calendar, JsonObject *timing, const char *session_day)
{
  JsonArray *duties = json_object_get_array_member (timing, "duties");
  g_autoptr (GDate) day = parse_day (session_day);

  g_assert_cmpuint (json_array_get_length (duties), ==, 3);
  for (guint i = 0; i < 2; i++)
    {
      JsonObject *duty = json_array_get_object_element (duties, i);
      g_autoptr (GDate) by = parse_day (json_object_get_string_member (duty, "by"));
      g_autofree char *why = NULL;

      if (!rd_calendar_is_working_day (calendar, by, &why))
        g_error ("duty %s on %s, a day off (%s)", json_object_get_string_member (duty, "duty"),
                 json_object_get_string_member (duty, "by"), why);
      g_assert_cmpint (g_date_compare (by, day), <, 0);
    }
}

static void
test_tet_and_may_day (BookFixture *f, gconstpointer data)
{
  g_autoptr (RdCalendar) calendar = rd_calendar_new ();
  static const struct
  {
    const char *at, *day, *notify, *test;
  } cases[] = {
    /* Friday 12/2/2027, the first working day after Tết (5/2 to 11/2 off): the day before is
     * Thursday 4/2, five before Friday 29/1. */
    { "2027-02-12T08:30", "2027-02-12", "2027-01-29", "2027-02-04" },
    /* Thursday 4/2/2027, the last working day before Tết. */
    { "04/02/2027 14:00", "2027-02-04", "2027-01-28", "2027-02-03" },
    /* Tuesday 4/5/2027: 30/4 (Friday), 1/5 (Saturday) and its nghỉ bù Monday 3/5 are off. */
    { "2027-05-04T08:00", "2027-05-04", "2027-04-23", "2027-04-29" },
    /* Monday 19/4/2027: Giỗ Tổ was Friday 16/4. */
    { "19/04/2027 08:00", "2027-04-19", "2027-04-09", "2027-04-15" },
  };

  rd_ledger_book_set_calendar (f->ledger, calendar);
  pin_clock (f->ledger, 2027, 1, 4, 9);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (JsonNode) timing = NULL;
      g_autofree char *id = schedule (f->ledger, cases[i].at, &timing);
      JsonObject *o = json_node_get_object (timing);

      g_assert_cmpstr (json_object_get_string_member (o, "notify_citizen_by"), ==, cases[i].notify);
      g_assert_cmpstr (json_object_get_string_member (o, "test_link_by"), ==, cases[i].test);
      g_assert_false (json_object_has_member (o, "day_off"));
      g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "warnings")), ==,
                        0);
      assert_duties_on_working_days (calendar, o, cases[i].day);
    }
}

static void
test_warns_naming_the_holiday (BookFixture *f, gconstpointer data)
{
  g_autoptr (JsonNode) tet = NULL;
  g_autoptr (JsonNode) compensatory = NULL;
  g_autofree char *a = NULL, *b = NULL;
  JsonArray *w;

  pin_clock (f->ledger, 2027, 1, 4, 9);
  a = schedule (f->ledger, "08/02/2027 09:00", &tet);
  b = schedule (f->ledger, "2027-05-03T09:00", &compensatory);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (tet), "day_off"), ==,
                   "Tết Nguyên đán");
  w = json_object_get_array_member (json_node_get_object (tet), "warnings");
  g_assert_cmpstr (json_array_get_string_element (w, 0), ==,
                   "the session falls on a day off, Tết Nguyên đán (Monday 08/02/2027), not a "
                   "working day");
  w = json_object_get_array_member (json_node_get_object (compensatory), "warnings");
  g_assert_cmpstr (json_array_get_string_element (w, 0), ==,
                   "the session falls on a day off, nghỉ bù Ngày Quốc tế Lao động (1/5) (Monday "
                   "03/05/2027), not a working day");
}

static const char *
duty_state (JsonObject *session, guint i)
{
  JsonArray *duties =
      json_object_get_array_member (json_object_get_object_member (session, "timing"), "duties");

  return json_object_get_string_member (json_array_get_object_element (duties, i), "state");
}

static void
test_duties_late_reschedule_cancel (BookFixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) list = NULL;
  g_autoptr (JsonNode) timing = NULL;
  g_autofree char *soon = NULL, *later = NULL;
  JsonArray *sessions;
  sqlite3 *db;

  pin_clock (f->ledger, 2027, 1, 4, 9);
  /* Wednesday 6/1: notify by Tuesday 29/12/2026 (late: 1/1 is off), test on Tuesday 5/1 (upcoming).
   */
  soon = schedule (f->ledger, "06/01/2027 10:00", NULL);
  later = schedule (f->ledger, "2027-03-01T10:00", NULL);
  list = rd_ledger_book_duties (f->ledger, &error);
  g_assert_no_error (error);
  sessions = json_node_get_array (list);
  g_assert_cmpuint (json_array_get_length (sessions), ==, 2);
  g_assert_cmpstr (
      json_object_get_string_member (json_array_get_object_element (sessions, 0), "id"), ==, soon);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (sessions, 0), "late"),
                   ==, 1);
  g_assert_cmpstr (duty_state (json_array_get_object_element (sessions, 0), 0), ==, "late");
  g_assert_cmpstr (duty_state (json_array_get_object_element (sessions, 0), 1), ==, "upcoming");
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (sessions, 1), "late"),
                   ==, 0);

  /* Done: no longer late; for a duty the ledger does not track, refused. */
  g_assert_true (
      rd_ledger_session_duty_done (f->ledger, soon, "notify-citizen", "gọi điện", ACTOR, &error));
  g_assert_no_error (error);
  g_assert_false (rd_ledger_session_duty_done (f->ledger, soon, "connect", NULL, ACTOR, &error));
  g_assert_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID);
  g_clear_error (&error);
  g_clear_pointer (&list, json_node_unref);
  list = rd_ledger_book_duties (f->ledger, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (duty_state (json_array_get_object_element (json_node_get_array (list), 0), 0),
                   ==, "done");
  g_assert_cmpint (json_object_get_int_member (
                       json_array_get_object_element (json_node_get_array (list), 0), "late"),
                   ==, 0);

  /* Moved to a later day: the citizen must be told again; on the record with its reason. */
  g_assert_false (
      rd_ledger_session_reschedule (f->ledger, soon, "20/01/2027 10:00", "", ACTOR, NULL, &error));
  g_assert_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "field \"reason\" is required"));
  g_clear_error (&error);
  g_assert_true (rd_ledger_session_reschedule (f->ledger, soon, "20/01/2027 10:00",
                                               "công dân xin dời lịch", ACTOR, &timing, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (timing), "scheduled_for"),
                   ==, "2027-01-20T10:00:00+07:00");
  g_clear_pointer (&list, json_node_unref);
  list = rd_ledger_book_duties (f->ledger, &error);
  g_assert_cmpint (json_object_get_int_member (
                       json_array_get_object_element (json_node_get_array (list), 0), "late"),
                   ==, 0);
  g_assert_cmpstr (duty_state (json_array_get_object_element (json_node_get_array (list), 0), 0),
                   ==, "upcoming");

  /* Cancelled: sealed as ended, never started; the list no longer has it. */
  g_assert_true (
      rd_ledger_session_cancel (f->ledger, later, "vụ việc đã được giải quyết", ACTOR, &error));
  g_assert_no_error (error);
  g_assert_false (rd_ledger_session_cancel (f->ledger, later, "again", ACTOR, &error));
  g_assert_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_STATE);
  g_assert_nonnull (strstr (error->message, "it is ended, not scheduled"));
  g_clear_error (&error);
  g_assert_false (rd_ledger_session_reschedule (f->ledger, later, "2027-03-02T10:00", "x", ACTOR,
                                                NULL, &error));
  g_assert_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_STATE);
  g_clear_error (&error);
  g_assert_false (rd_ledger_session_cancel (f->ledger, "20991231-000000", "x", ACTOR, &error));
  g_assert_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_clear_pointer (&list, json_node_unref);
  list = rd_ledger_book_duties (f->ledger, &error);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (list)), ==, 1);
  /* Nothing is recorded as held in a session that never was. */
  {
    g_autoptr (JsonObject) conclusion =
        book_fields ("{\"text\": \"T\", \"assignee\": \"A\", \"due\": \"2027-02-01\"}");
    g_autofree char *reception_json = g_strdup_printf (
        "{\"registration_id\": 1, \"session_id\": \"%s\", \"content\": \"C\", \"handling\": "
        "\"competent\", \"officer\": \"O\", \"confirmation\": \"verbal\"}",
        later);
    g_autoptr (JsonObject) reception = book_fields (reception_json);

    g_assert_cmpint (rd_ledger_conclusion_add (f->ledger, later, conclusion, ACTOR, &error), ==, 0);
    g_assert_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_STATE);
    g_assert_nonnull (strstr (error->message, "was cancelled, never held"));
    g_clear_error (&error);
    g_assert_cmpint (rd_ledger_reception_add (f->ledger, reception, ACTOR, &error), ==, 0);
    g_assert_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_STATE);
    g_assert_nonnull (strstr (error->message, "was cancelled, never held"));
    g_clear_error (&error);
  }

  db = book_raw_open (f);
  g_assert_cmpint (book_raw_int (db, "SELECT count (*) FROM sessions WHERE scheduled_for = "
                                     "'2027-01-20T03:00:00.000000Z' AND state = 'scheduled'"),
                   ==, 1);
  g_assert_cmpint (book_raw_int (db, "SELECT count (*) FROM events WHERE kind = "
                                     "'session-rescheduled' AND json_extract (detail, '$.reason') "
                                     "= 'công dân xin dời lịch' AND json_extract (detail, "
                                     "'$.from') = '2027-01-06T03:00:00.000000Z'"),
                   ==, 1);
  g_assert_cmpint (book_raw_int (db, "SELECT count (*) FROM sessions WHERE state = 'ended' AND "
                                     "started_at IS NULL AND end_reason = 'cancelled: vụ việc đã "
                                     "được giải quyết'"),
                   ==, 1);
  g_assert_cmpint (book_raw_int (db, "SELECT count (*) FROM events WHERE kind = "
                                     "'session-cancelled'"),
                   ==, 1);
  sqlite3_close (db);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/book-duties/tet-and-may-day", BookFixture, NULL, book_set_up, test_tet_and_may_day,
              book_tear_down);
  g_test_add ("/book-duties/warns-naming-the-holiday", BookFixture, NULL, book_set_up,
              test_warns_naming_the_holiday, book_tear_down);
  g_test_add ("/book-duties/late-reschedule-cancel", BookFixture, NULL, book_set_up,
              test_duties_late_reschedule_cancel, book_tear_down);
  return g_test_run ();
}
