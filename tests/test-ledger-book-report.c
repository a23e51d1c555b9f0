/* test-ledger-book-report.c: the periodic report (rd_ledger_book_report()) over a book that spans
 * months, quarters and both halves of 2026, checked line by line: receptions (lượt) and people,
 * online (a session with a component bridge point) and in person, matters (vụ việc) new and
 * repeated (a repeat-of link, or a registration received in an earlier period), groups and their
 * people, matters by classification and lĩnh vực, handling; every period form and its days; and
 * counts as recorded: editing registrations afterwards changes no line. */
#include "tests/rd-test-book.h"
#include "ledger/rd-ledger-error.h"

#define ACTOR "uid=1000(officer)"

static void
add_reception (RdLedger *ledger, gint64 registration, const char *date, const char *session,
               const char *handling)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *json = g_strdup_printf (
      "{\"registration_id\": %" G_GINT64_FORMAT ", \"reception_date\": \"%s\"%s%s%s, "
      "\"content\": \"Trình bày\", %s, \"officer\": \"Phạm Thu\", \"confirmation\": "
      "\"signature\"}",
      registration, date, session ? ", \"session_id\": \"" : "", session ? session : "",
      session ? "\"" : "", handling);
  g_autoptr (JsonObject) fields = book_fields (json);

  g_assert_cmpint (rd_ledger_reception_add (ledger, fields, ACTOR, &error), >, 0);
  g_assert_no_error (error);
}

#define COMPETENT "\"handling\": \"competent\""
#define GUIDED                                                                                     \
  "\"handling\": \"guided\", \"handling_body\": \"TAND\", \"document_number\": \"1/HD\""
#define TRANSFERRED                                                                                \
  "\"handling\": \"transferred\", \"handling_body\": \"Thanh tra\", \"document_number\": \"2/CV\""
#define REFUSED                                                                                    \
  "\"handling\": \"refused\", \"legal_basis\": \"Điều 9 Luật Tiếp công dân\", "           \
  "\"refusal_reason\": \"Say rượu\""

/* The book of 2026:
 *   1 khiếu nại, đất đai, 1 person    received 10/01 (in person), 05/03, 20/04 (transferred)
 *   2 tố cáo, protected, 1 person     received 09/08
 *   3 kiến nghị, đất đai, a group of 12 with representatives
 *                                     received 15/02 online (guided), 11/11
 *   4 phản ánh, repeats 1, no field   received 02/04 (refused)
 *   5 khiếu nại, nhà ở, 6 people (a group by its size, no representatives)
 *                                     received 08/08 */
static void
add_book (RdLedger *ledger)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) central = book_fields ("{\"name\": \"UBND phường\", \"kind\": "
                                                "\"central\"}");
  g_autoptr (JsonObject) component = book_fields ("{\"name\": \"Tổ dân phố 3\", \"kind\": "
                                                  "\"component\"}");
  g_autofree char *session = NULL;

  book_add_registration (ledger, "{\"name\": \"Nguyễn Văn An\", \"summary\": \"S\", "
                                 "\"classification\": \"khieu-nai\", \"field\": \"đất đai\"}");
  book_add_registration (ledger, "{\"name\": \"Người tố cáo\", \"summary\": \"S\", "
                                 "\"classification\": \"to-cao\", \"field\": \"tham nhũng\"}");
  book_add_registration (ledger, "{\"name\": \"Lê Thị Năm\", \"summary\": \"S\", "
                                 "\"classification\": \"kien-nghi\", \"field\": \"đất đai\", "
                                 "\"people_count\": 12, \"representatives\": [\"Lê Thị Năm\", "
                                 "\"Trần Văn Sáu\"]}");
  book_add_registration (ledger, "{\"name\": \"Nguyễn Văn An\", \"summary\": \"S\", "
                                 "\"classification\": \"phan-anh\", \"repeat_of\": 1}");
  book_add_registration (ledger, "{\"name\": \"Phạm Bảy\", \"summary\": \"S\", "
                                 "\"classification\": \"khieu-nai\", \"field\": \"nhà ở\", "
                                 "\"people_count\": 6}");
  session = rd_ledger_session_start (ledger, NULL, ACTOR, &error);
  g_assert_no_error (error);
  g_assert_cmpint (rd_ledger_bridge_point_add (ledger, session, central, ACTOR, &error), >, 0);
  g_assert_cmpint (rd_ledger_bridge_point_add (ledger, session, component, ACTOR, &error), >, 0);
  g_assert_no_error (error);

  add_reception (ledger, 1, "2026-01-10", NULL, COMPETENT);
  add_reception (ledger, 3, "2026-02-15", session, GUIDED);
  add_reception (ledger, 1, "2026-03-05", NULL, COMPETENT);
  add_reception (ledger, 4, "2026-04-02", NULL, REFUSED);
  add_reception (ledger, 1, "2026-04-20", NULL, TRANSFERRED);
  add_reception (ledger, 5, "2026-08-08", NULL, COMPETENT);
  add_reception (ledger, 2, "2026-08-09", NULL, COMPETENT);
  add_reception (ledger, 3, "2026-11-11", NULL, COMPETENT);
}

static JsonNode *
report (RdLedger *ledger, const char *period)
{
  g_autoptr (GError) error = NULL;
  JsonNode *r = rd_ledger_book_report (ledger, period, &error);

  g_assert_no_error (error);
  g_assert_nonnull (r);
  return r;
}

/* The value of line @key (which must be there, once). */
static gint64
value (JsonNode *r, const char *key)
{
  JsonArray *lines = json_object_get_array_member (json_node_get_object (r), "lines");
  gint64 found = -1;

  for (guint i = 0; i < json_array_get_length (lines); i++)
    {
      JsonObject *l = json_array_get_object_element (lines, i);
      if (g_str_equal (json_object_get_string_member (l, "key"), key))
        {
          g_assert_cmpint (found, ==, -1);
          found = json_object_get_int_member (l, "value");
        }
    }
  if (found < 0)
    g_error ("no line %s", key);
  return found;
}

/* "key=value ..." of every line with a value, for a whole-report comparison. (transfer full) */
static char *
summary (JsonNode *r)
{
  JsonArray *lines = json_object_get_array_member (json_node_get_object (r), "lines");
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < json_array_get_length (lines); i++)
    {
      JsonObject *l = json_array_get_object_element (lines, i);
      if (json_object_has_member (l, "value"))
        g_string_append_printf (s, "%s=%" G_GINT64_FORMAT " ",
                                json_object_get_string_member (l, "key"),
                                json_object_get_int_member (l, "value"));
    }
  return g_string_free (s, FALSE);
}

static void
test_periods (BookFixture *f, gconstpointer data)
{
  static const struct
  {
    const char *period, *kind, *vi, *from, *to;
  } cases[] = {
    { "2026-02", "month", "tháng 02 năm 2026", "2026-02-01", "2026-02-28" },
    { "2028-02", "month", "tháng 02 năm 2028", "2028-02-01", "2028-02-29" },
    { "2026-Q1", "quarter", "quý I năm 2026", "2026-01-01", "2026-03-31" },
    { "2026-Q4", "quarter", "quý IV năm 2026", "2026-10-01", "2026-12-31" },
    { "2026-H1", "half", "6 tháng đầu năm 2026", "2026-01-01", "2026-06-30" },
    { "2026-H2", "half", "6 tháng cuối năm 2026", "2026-07-01", "2026-12-31" },
    { "2026-9M", "nine-months", "9 tháng năm 2026", "2026-01-01", "2026-09-30" },
    { "2026", "year", "năm 2026", "2026-01-01", "2026-12-31" },
  };
  static const char *const bad[] = { "2026-13", "2026-Q5", "2026-H3", "2026-8M",
                                     "26",      "2026-1",  "",        "Q1-2026" };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (JsonNode) r = report (f->ledger, cases[i].period);
      JsonObject *o = json_node_get_object (r);
      g_autofree char *title =
          g_strconcat ("BÁO CÁO KẾT QUẢ CÔNG TÁC TIẾP CÔNG DÂN ", cases[i].vi, NULL);

      g_assert_cmpstr (json_object_get_string_member (o, "period"), ==, cases[i].kind);
      g_assert_cmpstr (json_object_get_string_member (o, "period_vi"), ==, cases[i].vi);
      g_assert_cmpstr (json_object_get_string_member (o, "from"), ==, cases[i].from);
      g_assert_cmpstr (json_object_get_string_member (o, "to"), ==, cases[i].to);
      g_assert_cmpstr (json_object_get_string_member (o, "title"), ==, title);
      g_assert_cmpint (json_object_has_member (o, "month"), ==,
                       g_str_equal (cases[i].kind, "month"));
      g_assert_cmpint (value (r, "receptions"), ==, 0);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (JsonNode) r = rd_ledger_book_report (f->ledger, bad[i], &error);

      g_assert_null (r);
      g_assert_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID);
      g_assert_nonnull (strstr (error->message, bad[i]));
    }
}

static void
test_cells (BookFixture *f, gconstpointer data)
{
  g_autoptr (JsonNode) jan = NULL, q1 = NULL, q2 = NULL, h1 = NULL, h2 = NULL, nine = NULL;
  g_autoptr (JsonNode) year = NULL, nov = NULL;

  add_book (f->ledger);
  jan = report (f->ledger, "2026-01");
  g_assert_cmpint (value (jan, "receptions"), ==, 1);
  g_assert_cmpint (value (jan, "receptions_in_person"), ==, 1);
  g_assert_cmpint (value (jan, "receptions_online"), ==, 0);
  g_assert_cmpint (value (jan, "matters_new"), ==, 1);

  /* Q1: 1 twice (10/01, 05/03) in person, 3 once online: three receptions, two matters. */
  q1 = report (f->ledger, "2026-Q1");
  g_assert_cmpint (value (q1, "receptions"), ==, 3);
  g_assert_cmpint (value (q1, "receptions_in_person"), ==, 2);
  g_assert_cmpint (value (q1, "receptions_online"), ==, 1);
  g_assert_cmpint (value (q1, "people"), ==, 1 + 12 + 1);
  g_assert_cmpint (value (q1, "matters"), ==, 2);
  g_assert_cmpint (value (q1, "matters_old"), ==, 0);
  g_assert_cmpint (value (q1, "matters_new"), ==, 2);
  g_assert_cmpint (value (q1, "groups"), ==, 1);
  g_assert_cmpint (value (q1, "group_people"), ==, 12);
  g_assert_cmpint (value (q1, "group_matters_old"), ==, 0);
  g_assert_cmpint (value (q1, "group_matters_new"), ==, 1);
  g_assert_cmpint (value (q1, "class:khieu-nai"), ==, 1);
  g_assert_cmpint (value (q1, "class:kien-nghi"), ==, 1);
  g_assert_cmpint (value (q1, "class:to-cao"), ==, 0);
  g_assert_cmpint (value (q1, "field:đất đai"), ==, 2);
  g_assert_cmpint (value (q1, "handling:competent"), ==, 2);
  g_assert_cmpint (value (q1, "handling:guided"), ==, 1);

  /* Q2: 4 repeats 1 (cũ by its link), 1 was received in Q1 (cũ by its history). */
  q2 = report (f->ledger, "2026-Q2");
  g_assert_cmpint (value (q2, "receptions"), ==, 2);
  g_assert_cmpint (value (q2, "matters"), ==, 2);
  g_assert_cmpint (value (q2, "matters_old"), ==, 2);
  g_assert_cmpint (value (q2, "matters_new"), ==, 0);
  g_assert_cmpint (value (q2, "class:phan-anh"), ==, 1);
  g_assert_cmpint (value (q2, "field:"), ==, 1); /* 4 has no lĩnh vực */
  g_assert_cmpint (value (q2, "handling:refused"), ==, 1);
  g_assert_cmpint (value (q2, "handling:transferred"), ==, 1);
  g_assert_cmpint (value (q2, "outcome:resolved"), ==, 2);

  h1 = report (f->ledger, "2026-H1");
  g_assert_cmpint (value (h1, "receptions"), ==, 5);
  g_assert_cmpint (value (h1, "matters"), ==, 3);
  g_assert_cmpint (value (h1, "matters_old"), ==, 1); /* 4, by its link */
  g_assert_cmpint (value (h1, "matters_new"), ==, 2);
  g_assert_cmpint (value (h1, "people"), ==, 1 + 12 + 1 + 1 + 1);

  /* H2: 5 (a group of 6 by its size), 2 (tố cáo), 3 again (a group, received in H1: cũ). */
  h2 = report (f->ledger, "2026-H2");
  g_assert_cmpint (value (h2, "receptions"), ==, 3);
  g_assert_cmpint (value (h2, "groups"), ==, 2);
  g_assert_cmpint (value (h2, "group_people"), ==, 6 + 12);
  g_assert_cmpint (value (h2, "group_matters_old"), ==, 1);
  g_assert_cmpint (value (h2, "group_matters_new"), ==, 1);
  g_assert_cmpint (value (h2, "class:to-cao"), ==, 1);
  g_assert_cmpint (value (h2, "class:khieu-nai"), ==, 1);
  g_assert_cmpint (value (h2, "field:nhà ở"), ==, 1);
  g_assert_cmpint (value (h2, "field:tham nhũng"), ==, 1);

  nine = report (f->ledger, "2026-9M");
  g_assert_cmpint (value (nine, "receptions"), ==, 7);
  g_assert_cmpint (value (nine, "matters"), ==, 5);

  year = report (f->ledger, "2026");
  g_assert_cmpint (value (year, "receptions"), ==, 8);
  g_assert_cmpint (value (year, "receptions_online"), ==, 1);
  g_assert_cmpint (value (year, "people"), ==, 1 + 12 + 1 + 1 + 1 + 6 + 1 + 12);
  g_assert_cmpint (value (year, "matters"), ==, 5);
  g_assert_cmpint (value (year, "matters_old"), ==, 1);
  g_assert_cmpint (value (year, "groups"), ==, 3);
  g_assert_cmpint (value (year, "group_people"), ==, 12 + 6 + 12);
  g_assert_cmpint (value (year, "group_matters_new"), ==, 2);
  g_assert_cmpint (value (year, "by_classification"), ==, 5);
  g_assert_cmpint (value (year, "field:đất đai"), ==, 2);
  g_assert_cmpint (value (year, "by_handling"), ==, 8);
  g_assert_cmpint (value (year, "handling:competent"), ==, 5);
  g_assert_cmpint (value (year, "registrations"), ==, 5);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (year), "receptions"), ==, 8);

  nov = report (f->ledger, "2026-11");
  g_assert_cmpint (value (nov, "receptions"), ==, 1);
  g_assert_cmpint (value (nov, "matters_old"), ==, 1);
}

/* Registrations edited after their receptions: what was recorded is what is counted. */
static void
test_as_recorded (BookFixture *f, gconstpointer data)
{
  static const char *const periods[] = { "2026-Q1", "2026-Q2", "2026-H2", "2026" };
  g_autoptr (GPtrArray) before = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) edit1 = book_fields ("{\"classification\": \"phan-anh\", "
                                              "\"people_count\": 9, \"field\": \"nhà ở\"}");
  g_autoptr (JsonObject) edit3 = book_fields ("{\"people_count\": 2, \"representatives\": []}");
  g_autoptr (JsonObject) edit4 = book_fields ("{\"repeat_of\": 0}");

  add_book (f->ledger);
  for (gsize i = 0; i < G_N_ELEMENTS (periods); i++)
    {
      g_autoptr (JsonNode) r = report (f->ledger, periods[i]);
      g_ptr_array_add (before, summary (r));
    }
  g_assert_true (rd_ledger_registration_update (f->ledger, 1, edit1, ACTOR, &error));
  g_assert_no_error (error);
  g_assert_true (rd_ledger_registration_update (f->ledger, 3, edit3, ACTOR, &error));
  g_assert_no_error (error);
  g_assert_true (rd_ledger_registration_update (f->ledger, 4, edit4, ACTOR, &error));
  g_assert_no_error (error);
  for (gsize i = 0; i < G_N_ELEMENTS (periods); i++)
    {
      g_autoptr (JsonNode) r = report (f->ledger, periods[i]);
      g_autofree char *after = summary (r);

      g_assert_cmpstr (after, ==, before->pdata[i]);
    }
  /* A reception made now is of the edited registration. */
  add_reception (f->ledger, 1, "2026-12-01", NULL, COMPETENT);
  {
    g_autoptr (JsonNode) dec = report (f->ledger, "2026-12");
    g_assert_cmpint (value (dec, "people"), ==, 9);
    g_assert_cmpint (value (dec, "class:phan-anh"), ==, 1);
    g_assert_cmpint (value (dec, "field:nhà ở"), ==, 1);
    g_assert_cmpint (value (dec, "groups"), ==, 1); /* nine people: a group by its size */
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add (path, BookFixture, NULL, book_set_up, fn, book_tear_down)
  ADD ("/book/report/periods", test_periods);
  ADD ("/book/report/cells", test_cells);
  ADD ("/book/report/as-recorded", test_as_recorded);
  return g_test_run ();
}
