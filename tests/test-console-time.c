/* test-console-time.c: how receptionctl reads and shows days and times (dd/mm/yyyy HH:MM in the
 * room's zone) and pads columns by display width, not bytes. */
#include "console/rd-console-time.h"

static void
test_parse (void)
{
  static const struct
  {
    char *(*parse) (const char *);
    const char *in, *out;
  } cases[] = {
    { rd_console_time_parse_day, "05/12/2026", "2026-12-05" },
    { rd_console_time_parse_day, "5/1/2027", "2027-01-05" },
    { rd_console_time_parse_day, "2026-12-05", "2026-12-05" },
    { rd_console_time_parse_day, "31/02/2026", NULL },
    { rd_console_time_parse_day, "2026-13-01", NULL },
    { rd_console_time_parse_day, "12/2026", NULL },
    { rd_console_time_parse_day, "05/12/2026x", NULL },
    { rd_console_time_parse_when, "04/01/2027 08:30", "2027-01-04T08:30" },
    { rd_console_time_parse_when, "4/1/2027 8:30", "2027-01-04T08:30" },
    { rd_console_time_parse_when, "2027-01-04T08:30", "2027-01-04T08:30" },
    { rd_console_time_parse_when, "2027-01-04T08:30+07:00", "2027-01-04T08:30+07:00" },
    { rd_console_time_parse_when, "04/01/2027 24:00", NULL },
    { rd_console_time_parse_when, "04/01/2027", NULL },
    { rd_console_time_parse_when, "mai", NULL },
    { rd_console_time_parse_month, "12/2026", "2026-12" },
    { rd_console_time_parse_month, "2026-12", "2026-12" },
    { rd_console_time_parse_month, "13/2026", NULL },
    { rd_console_time_parse_month, "2026-1", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *got = cases[i].parse (cases[i].in);

      g_assert_cmpstr (got, ==, cases[i].out);
    }
}

/* Reporting periods as typed for report --quarter/--half/--nine-months/--year. */
static void
test_parse_period (void)
{
  static const struct
  {
    const char *kind, *in, *out;
  } cases[] = {
    { "quarter", "4/2026", "2026-Q4" },
    { "quarter", "IV/2026", "2026-Q4" },
    { "quarter", "I/2027", "2027-Q1" },
    { "quarter", "2026-Q2", "2026-Q2" },
    { "quarter", "5/2026", NULL },
    { "quarter", "0/2026", NULL },
    { "quarter", "V/2026", NULL },
    { "quarter", "2026-H1", NULL },
    { "half", "1/2026", "2026-H1" },
    { "half", "2/2026", "2026-H2" },
    { "half", "2026-H2", "2026-H2" },
    { "half", "3/2026", NULL },
    { "nine-months", "2026", "2026-9M" },
    { "nine-months", "9/2026", NULL },
    { "year", "2026", "2026" },
    { "year", "26", NULL },
    { "year", "2026x", NULL },
    { "month", "2026", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *got = rd_console_time_parse_period (cases[i].kind, cases[i].in);

      if (g_strcmp0 (got, cases[i].out) != 0)
        g_error ("%s %s: got %s, not %s", cases[i].kind, cases[i].in, got ? got : "NULL",
                 cases[i].out ? cases[i].out : "NULL");
    }
}

static void
test_shown (void)
{
  g_autoptr (GTimeZone) hcm = g_time_zone_new_identifier ("Asia/Ho_Chi_Minh");
  g_autoptr (GTimeZone) paris = g_time_zone_new_identifier ("Europe/Paris");
  g_autofree char *a = NULL, *b = NULL, *c = NULL, *d = NULL, *e = NULL, *f = NULL;

  rd_console_time_set_zone (hcm);
  a = rd_console_time_shown ("2027-01-04T01:30:00.000000Z");
  b = rd_console_time_shown ("2027-01-04T08:30:00+07:00");
  c = rd_console_time_shown ("2026-12-31");
  d = rd_console_time_shown (NULL);
  e = rd_console_time_shown ("cancelled: x");
  g_assert_cmpstr (a, ==, "04/01/2027 08:30");
  g_assert_cmpstr (b, ==, "04/01/2027 08:30");
  g_assert_cmpstr (c, ==, "31/12/2026");
  g_assert_cmpstr (d, ==, "-");
  g_assert_cmpstr (e, ==, "cancelled: x");
  rd_console_time_set_zone (paris);
  f = rd_console_time_shown ("2027-01-04T01:30:00.000000Z");
  g_assert_cmpstr (f, ==, "04/01/2027 02:30");
  rd_console_time_set_zone (NULL);
}

static void
test_pad (void)
{
  /* "Nguyễn" is 6 columns in 9 bytes (NFC), or more bytes with combining marks (NFD); "中文" is
   * 4 columns. */
  g_autofree char *nfc = rd_console_pad ("Nguyễn", 8);
  g_autofree char *nfd = rd_console_pad ("Nguye\xcc\x82\xcc\x83n", 8);
  g_autofree char *wide = rd_console_pad ("中文", 6);
  g_autofree char *over = rd_console_pad ("phường Bến Nghé", 4);

  g_assert_cmpstr (nfc, ==, "Nguyễn  ");
  g_assert_cmpstr (nfd, ==, "Nguye\xcc\x82\xcc\x83n  ");
  g_assert_cmpstr (wide, ==, "中文  ");
  g_assert_cmpstr (over, ==, "phường Bến Nghé");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/console-time/parse", test_parse);
  g_test_add_func ("/console-time/parse-period", test_parse_period);
  g_test_add_func ("/console-time/shown", test_shown);
  g_test_add_func ("/console-time/pad", test_pad);
  return g_test_run ();
}
