/* test-calendar.c: the Vietnamese lunar calendar against the published dates of Tết Nguyên đán
 * and Giỗ Tổ Hùng Vương 2020-2035, the working days the law gives, and the office's file. */
#include "config/rd-config-calendar.h"
#include "config/rd-config-error.h"
#include "config/rd-config.h"

#include <glib/gstdio.h>
#include <string.h>

static GDate *
day (const char *iso)
{
  GDate *d = g_date_new ();

  g_date_set_parse (d, iso);
  g_assert_true (g_date_valid (d));
  return d;
}

static char *
iso (const GDate *d)
{
  return g_strdup_printf ("%04d-%02d-%02d", g_date_get_year (d), g_date_get_month (d),
                          g_date_get_day (d));
}

/* Mùng 1 Tết, as published in the Vietnamese calendar. 2030: the new moon is on 2 February at
 * 16:07 UT, 23:07 in Việt Nam (UTC+7) but 00:07 on the 3rd in China (UTC+8): Tết Canh Tuất is on
 * 2 February in Việt Nam, a day before the Chinese New Year (3 February), as in 2007. */
static const char *const tet[] = {
  "2020-01-25", "2021-02-12", "2022-02-01", "2023-01-22", "2024-02-10", "2025-01-29",
  "2026-02-17", "2027-02-06", "2028-01-26", "2029-02-13", "2030-02-02", "2031-01-23",
  "2032-02-11", "2033-01-31", "2034-02-19", "2035-02-08",
};

/* 10/3 âm lịch: month 3 starts on the local day of a new moon (2031: 23 March, 03:49 UT; 2032:
 * 10 April, 02:39 UT). */
static const char *const hung_kings[] = {
  "2020-04-02", "2021-04-21", "2022-04-10", "2023-04-29", "2024-04-18", "2025-04-07",
  "2026-04-26", "2027-04-16", "2028-04-04", "2029-04-23", "2030-04-12", "2031-04-01",
  "2032-04-19", "2033-04-09", "2034-04-28", "2035-04-17",
};

static void
test_lunar (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (tet); i++)
    {
      guint year = 2020 + i, ld, lm, ly;
      gboolean leap;
      g_autoptr (GDate) t = rd_lunar_to_solar (1, 1, year, FALSE);
      g_autoptr (GDate) h = rd_lunar_to_solar (10, 3, year, FALSE);
      g_autoptr (GDate) published = day (tet[i]);
      g_autofree char *t_text = iso (t);
      g_autofree char *h_text = iso (h);

      g_assert_cmpstr (t_text, ==, tet[i]);
      g_assert_cmpstr (h_text, ==, hung_kings[i]);
      /* and back */
      g_assert_true (rd_lunar_from_solar (published, &ld, &lm, &ly, &leap));
      g_assert_cmpuint (ld, ==, 1);
      g_assert_cmpuint (lm, ==, 1);
      g_assert_cmpuint (ly, ==, year);
      g_assert_false (leap);
      g_date_subtract_days (published, 1);
      g_assert_true (rd_lunar_from_solar (published, &ld, &lm, &ly, &leap));
      g_assert_cmpuint (lm, ==, 12);
      g_assert_cmpuint (ly, ==, year - 1);
      g_assert_true (ld == 29 || ld == 30);
    }
}

/* Leap months (tháng nhuận): 4 nhuận in 2020, 2 nhuận in 2023, 6 nhuận in 2025. */
static void
test_leap_months (void)
{
  g_autoptr (GDate) l2020 = rd_lunar_to_solar (1, 4, 2020, TRUE);
  g_autoptr (GDate) l2023 = rd_lunar_to_solar (1, 2, 2023, TRUE);
  g_autoptr (GDate) l2025 = rd_lunar_to_solar (1, 6, 2025, TRUE);
  g_autoptr (GDate) none = rd_lunar_to_solar (1, 5, 2025, TRUE);
  g_autofree char *a = iso (l2020);
  g_autofree char *b = iso (l2023);
  g_autofree char *c = iso (l2025);

  g_assert_cmpstr (a, ==, "2020-05-23");
  g_assert_cmpstr (b, ==, "2023-03-22");
  g_assert_cmpstr (c, ==, "2025-07-25");
  g_assert_null (none);
}

static gboolean
working (RdCalendar *c, const char *text, char **why)
{
  g_autoptr (GDate) d = day (text);

  return rd_calendar_is_working_day (c, d, why);
}

static void
test_law (void)
{
  g_autoptr (RdCalendar) c = rd_calendar_new ();
  g_autofree char *why = NULL;
  static const char *const off_2027[] = {
    "2027-01-01",                                                         /* Friday */
    "2027-02-05", "2027-02-08", "2027-02-09", "2027-02-10", "2027-02-11", /* Tết, 2 nghỉ bù */
    "2027-04-16", "2027-04-30", "2027-05-03",                             /* 1/5 a Saturday */
    "2027-09-02", "2027-09-03",                                           /* Thursday, Friday */
  };
  static const char *const working_2027[] = {
    "2027-01-04", "2027-02-04", "2027-02-12", "2027-04-15",
    "2027-04-29", "2027-05-04", "2027-09-01", "2027-09-06",
  };

  for (guint i = 0; i < G_N_ELEMENTS (off_2027); i++)
    g_assert_false (working (c, off_2027[i], NULL));
  for (guint i = 0; i < G_N_ELEMENTS (working_2027); i++)
    g_assert_true (working (c, working_2027[i], NULL));
  g_assert_false (working (c, "2027-02-06", &why));
  g_assert_cmpstr (why, ==, "Tết Nguyên đán");
  g_clear_pointer (&why, g_free);
  g_assert_false (working (c, "2027-05-03", &why));
  g_assert_cmpstr (why, ==, "nghỉ bù Ngày Quốc tế Lao động (1/5)");
  g_clear_pointer (&why, g_free);
  g_assert_false (working (c, "2027-04-16", &why));
  g_assert_cmpstr (why, ==, "Giỗ Tổ Hùng Vương (10/3 âm lịch)");
  g_clear_pointer (&why, g_free);
  g_assert_false (working (c, "2026-12-12", &why));
  g_assert_cmpstr (why, ==, "Thứ Bảy");

  /* 2022: 30/4 a Saturday, 1/5 a Sunday: 2/5 and 3/5 off. */
  g_assert_false (working (c, "2022-05-02", NULL));
  g_assert_false (working (c, "2022-05-03", NULL));
  g_assert_true (working (c, "2022-05-04", NULL));

  /* Working days across Tết 2027: 1 working day before mùng 1 is Thursday 4/2; 5 before
   * Friday 12/2 is Friday 29/1. */
  {
    g_autoptr (GDate) from = day ("2027-02-12");
    g_autoptr (GDate) one = rd_calendar_add_working_days (c, from, -1);
    g_autoptr (GDate) five = rd_calendar_add_working_days (c, from, -5);
    g_autoptr (GDate) after = rd_calendar_add_working_days (c, one, 1);
    g_autoptr (GDate) start = day ("2027-02-03");
    g_autofree char *a = iso (one);
    g_autofree char *b = iso (five);
    g_autofree char *d = iso (after);

    g_assert_cmpstr (a, ==, "2027-02-04");
    g_assert_cmpstr (b, ==, "2027-01-29");
    g_assert_cmpstr (d, ==, "2027-02-12");
    g_assert_cmpuint (rd_calendar_working_days_between (c, start, from), ==, 1);
  }
}

static void
test_file (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *why = NULL;
  g_autoptr (RdCalendar) c =
      rd_calendar_new_from_data ("# Tết 2027 as decided\n"
                                 "tet 2027 04/02/2027 2027-02-10   # Thursday to Wednesday\n"
                                 "\n"
                                 "2027-02-11 work\n"
                                 "2027-02-20 work làm bù\n"
                                 "05/04/2027 off nghỉ thêm\n",
                                 "calendar.txt", &error);

  g_assert_no_error (error);
  g_assert_cmpstr (rd_calendar_get_origin (c), ==, "calendar.txt");
  g_assert_false (working (c, "2027-02-04", &why));
  g_assert_cmpstr (why, ==, "Tết Nguyên đán");
  g_clear_pointer (&why, g_free);
  g_assert_false (working (c, "2027-02-10", NULL));
  g_assert_true (working (c, "2027-02-11", NULL));
  g_assert_true (working (c, "2027-02-20", NULL)); /* a Saturday */
  g_assert_false (working (c, "2027-04-05", &why));
  g_assert_cmpstr (why, ==, "nghỉ thêm");
}

static void
test_file_errors (void)
{
  static const struct
  {
    const char *text, *message;
  } cases[] = {
    { "2027-02-11 work\n2027-13-01 off x\n", "cal.txt:2: \"2027-13-01\" is not a day" },
    { "\n\n31/02/2027 off x\n", "cal.txt:3: \"31/02/2027\" is not a day" },
    { "2027-02-11 holiday\n", "cal.txt:1: expected: DATE off NAME" },
    { "2027-02-11 off\n", "cal.txt:1: a day off needs a name" },
    { "2027-02-11 work\n# c\n11/02/2027 off x\n", "cal.txt:3: 11/02/2027 is given twice" },
    { "tet 2027 2027-02-10 2027-02-04\n", "cal.txt:1: TO must be after FROM" },
    { "tet 27 2027-02-04 2027-02-10\n", "cal.txt:1: \"27\" is not a year" },
    { "tet 2027\n", "cal.txt:1: expected: tet YEAR FROM TO" },
    { "\xff\n", "cal.txt: not UTF-8 text" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (RdCalendar) c = rd_calendar_new_from_data (cases[i].text, "cal.txt", &error);

      g_assert_null (c);
      g_assert_error (error, RD_CONFIG_ERROR, RD_CONFIG_ERROR_INVALID);
      if (!g_str_has_prefix (error->message, cases[i].message))
        g_error ("case %u: \"%s\" does not start with \"%s\"", i, error->message, cases[i].message);
    }
}

/* [room] timezone and [calendar] file, as the configuration takes them. */
static void
test_config (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("test-calendar-XXXXXX", NULL);
  g_autofree char *good = g_build_filename (dir, "good.txt", NULL);
  g_autofree char *bad = g_build_filename (dir, "bad.txt", NULL);
  g_autofree char *good_conf = NULL;
  g_autofree char *bad_conf = NULL;
  g_autoptr (RdConfig) c = rd_config_load_data ("", "test.conf", &error);
  g_autoptr (RdConfig) with_file = NULL;
  g_autoptr (RdConfig) refused = NULL;
  g_autoptr (GDate) d = day ("2027-02-20");
  g_autofree char *expected = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (rd_config_get_timezone_name (c), ==, "Asia/Ho_Chi_Minh");
  {
    g_autoptr (GDateTime) now = g_date_time_new_now (rd_config_get_timezone (c));

    g_assert_cmpint (g_date_time_get_utc_offset (now), ==, 7 * G_TIME_SPAN_HOUR);
  }
  g_assert_null (rd_calendar_get_origin (rd_config_get_calendar (c)));
  g_assert_false (rd_calendar_is_working_day (rd_config_get_calendar (c), d, NULL));

  refused = rd_config_load_data ("[room]\ntimezone=Asia/Saigon_City\n", "test.conf", &error);
  g_assert_null (refused);
  g_assert_error (error, RD_CONFIG_ERROR, RD_CONFIG_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "test.conf: [room] timezone: invalid value "
                                            "'Asia/Saigon_City': the system knows no such"));
  g_clear_error (&error);

  g_assert_true (g_file_set_contents (good, "2027-02-20 work làm bù\n", -1, NULL));
  g_assert_true (
      g_file_set_contents (bad, "# năm 2027\n2027-02-20 work\n2027-02-30 off x\n", -1, NULL));
  good_conf = g_strdup_printf ("[room]\ntimezone=Europe/Paris\n[calendar]\nfile=%s\n", good);
  bad_conf = g_strdup_printf ("[calendar]\nfile=%s\n", bad);
  with_file = rd_config_load_data (good_conf, "test.conf", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (rd_calendar_get_origin (rd_config_get_calendar (with_file)), ==, good);
  g_assert_true (rd_calendar_is_working_day (rd_config_get_calendar (with_file), d, NULL));
  refused = rd_config_load_data (bad_conf, "test.conf", &error);
  g_assert_null (refused);
  g_assert_error (error, RD_CONFIG_ERROR, RD_CONFIG_ERROR_INVALID);
  expected = g_strdup_printf ("%s:3: \"2027-02-30\" is not a day", bad);
  g_assert_nonnull (strstr (error->message, expected));
  g_clear_error (&error);
  g_assert_null (rd_config_load_data ("[calendar]\nfile=relative.txt\n", "test.conf", &error));
  g_assert_error (error, RD_CONFIG_ERROR, RD_CONFIG_ERROR_INVALID);
  g_remove (good);
  g_remove (bad);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/calendar/lunar", test_lunar);
  g_test_add_func ("/calendar/leap-months", test_leap_months);
  g_test_add_func ("/calendar/law", test_law);
  g_test_add_func ("/calendar/file", test_file);
  g_test_add_func ("/calendar/file-errors", test_file_errors);
  g_test_add_func ("/calendar/config", test_config);
  return g_test_run ();
}
