/* rd-config-lunar.c: the Vietnamese lunar calendar (âm lịch), computed for UTC+7.
 *
 * The method is the one Hồ Ngọc Đức describes publicly ("Thuật toán tính âm lịch", "Computing
 * the Vietnamese lunar calendar", with the rules of the calendar): a lunar month starts on the
 * local day of a new moon; month 11 is the month holding the winter solstice; a year with 13
 * months between two months 11 has as leap month the first month holding no major solar term
 * (no multiple of 30° of the sun's longitude). New moons use the series of Jean Meeus,
 * "Astronomical Algorithms" (1998), chapter 49, shortened to its main terms, and the sun's
 * longitude the low-precision formula of chapter 25; both on the Julian day. The code here is
 * written from that description. See rd-config-calendar.h. */
#include "config/rd-config-calendar.h"

#include <math.h>

/* UTC+7, in days. */
#define TIME_ZONE (7.0 / 24.0)
/* The Julian day of the new moon of 1900-01-01 (k = 0 in new_moon()) and the mean synodic
 * month. */
#define EPOCH_NEW_MOON 2415021.076998695
#define SYNODIC_MONTH  29.530588853
/* GDate's Julian day 1 is 0001-01-01 (proleptic Gregorian); the astronomers' is 1721426. */
#define GDATE_TO_JD 1721425
#define FIRST_YEAR  1900
#define LAST_YEAR   2199

static gint64
jd_from_gdate (const GDate *d)
{
  return (gint64)g_date_get_julian (d) + GDATE_TO_JD;
}

static GDate *
gdate_from_jd (gint64 jd)
{
  return g_date_new_julian ((guint32)(jd - GDATE_TO_JD));
}

static gint64
jd_from_dmy (int day, int month, int year)
{
  g_autoptr (GDate) d = g_date_new_dmy ((GDateDay)day, (GDateMonth)month, (GDateYear)year);

  return jd_from_gdate (d);
}

/* The instant (Julian day, UT) of the @k-th new moon after 1900-01-01. */
static double
new_moon (int k)
{
  const double dr = G_PI / 180.0;
  double t = k / 1236.85, t2 = t * t, t3 = t2 * t;
  double jd1 = 2415020.75933 + 29.53058868 * k + 0.0001178 * t2 - 0.000000155 * t3;
  double m = 359.2242 + 29.10535608 * k - 0.0000333 * t2 - 0.00000347 * t3;    /* sun */
  double mpr = 306.0253 + 385.81691806 * k + 0.0107306 * t2 + 0.00001236 * t3; /* moon */
  double f = 21.2964 + 390.67050646 * k - 0.0016528 * t2 - 0.00000239 * t3;    /* latitude */
  double c1, delta_t;

  jd1 += 0.00033 * sin ((166.56 + 132.87 * t - 0.009173 * t2) * dr);
  c1 = (0.1734 - 0.000393 * t) * sin (m * dr) + 0.0021 * sin (2 * dr * m);
  c1 = c1 - 0.4068 * sin (mpr * dr) + 0.0161 * sin (dr * 2 * mpr);
  c1 = c1 - 0.0004 * sin (dr * 3 * mpr);
  c1 = c1 + 0.0104 * sin (dr * 2 * f) - 0.0051 * sin (dr * (m + mpr));
  c1 = c1 - 0.0074 * sin (dr * (m - mpr)) + 0.0004 * sin (dr * (2 * f + m));
  c1 = c1 - 0.0004 * sin (dr * (2 * f - m)) - 0.0006 * sin (dr * (2 * f + mpr));
  c1 = c1 + 0.0010 * sin (dr * (2 * f - mpr)) + 0.0005 * sin (dr * (2 * mpr + m));
  /* ΔT (TT - UT), in days */
  if (t < -11)
    delta_t = 0.001 + 0.000839 * t + 0.0002261 * t2 - 0.00000845 * t3 - 0.000000081 * t * t3;
  else
    delta_t = -0.000278 + 0.000265 * t + 0.000262 * t2;
  return jd1 + c1 - delta_t;
}

/* The sun's apparent longitude, radians in [0, 2π), at Julian day @jd (UT). */
static double
sun_longitude (double jd)
{
  const double dr = G_PI / 180.0;
  double t = (jd - 2451545.0) / 36525, t2 = t * t;
  double m = 357.52910 + 35999.05030 * t - 0.0001559 * t2 - 0.00000048 * t * t2;
  double l0 = 280.46645 + 36000.76983 * t + 0.0003032 * t2;
  double dl = (1.914600 - 0.004817 * t - 0.000014 * t2) * sin (dr * m);
  double l;

  dl += (0.019993 - 0.000101 * t) * sin (dr * 2 * m) + 0.000290 * sin (dr * 3 * m);
  l = (l0 + dl) * dr;
  return l - 2 * G_PI * floor (l / (2 * G_PI));
}

/* The local day (Julian day number) of the @k-th new moon. */
static gint64
new_moon_day (int k)
{
  return (gint64)floor (new_moon (k) + 0.5 + TIME_ZONE);
}

/* Which of the 12 major solar terms' arcs (0..11, 30° each) the sun is in at the start of local
 * day @jd. */
static int
sun_arc (gint64 jd)
{
  return (int)floor (sun_longitude ((double)jd - 0.5 - TIME_ZONE) / G_PI * 6);
}

/* The first day of lunar month 11 of the lunar year that ends in solar year @year, i.e. the
 * month holding the winter solstice of @year. */
static gint64
month_11 (int year)
{
  gint64 off = jd_from_dmy (31, 12, year) - 2415021;
  int k = (int)floor (off / SYNODIC_MONTH);
  gint64 nm = new_moon_day (k);

  if (sun_arc (nm) >= 9) /* the sun is past 270°: the solstice is in the month before */
    nm = new_moon_day (k - 1);
  return nm;
}

/* In a 13-month year starting at month 11 @a11: the index (1..13) of the leap month, the first
 * month after @a11 during which the sun enters no new arc. */
static int
leap_month_offset (gint64 a11)
{
  int k = (int)floor ((a11 - EPOCH_NEW_MOON) / SYNODIC_MONTH + 0.5);
  int i = 1;
  int arc = sun_arc (new_moon_day (k + i));
  int last;

  do
    {
      last = arc;
      i++;
      arc = sun_arc (new_moon_day (k + i));
    }
  while (arc != last && i < 14);
  return i - 1;
}

gboolean
rd_lunar_from_solar (const GDate *day, guint *lunar_day, guint *lunar_month, guint *lunar_year,
                     gboolean *leap)
{
  int year = g_date_get_year (day);
  gint64 jd = jd_from_gdate (day);
  int k = (int)floor ((jd - EPOCH_NEW_MOON) / SYNODIC_MONTH);
  gint64 month_start = new_moon_day (k + 1);
  gint64 a11, b11;
  int ly, diff, lm;
  gboolean is_leap = FALSE;

  if (year < FIRST_YEAR || year > LAST_YEAR)
    return FALSE;
  if (month_start > jd)
    month_start = new_moon_day (k);
  a11 = b11 = month_11 (year);
  if (a11 >= month_start)
    {
      ly = year;
      a11 = month_11 (year - 1);
    }
  else
    {
      ly = year + 1;
      b11 = month_11 (year + 1);
    }
  diff = (int)((month_start - a11) / 29);
  lm = diff + 11;
  if (b11 - a11 > 365)
    {
      int leap_diff = leap_month_offset (a11);

      if (diff >= leap_diff)
        {
          lm = diff + 10;
          is_leap = diff == leap_diff;
        }
    }
  if (lm > 12)
    lm -= 12;
  if (lm >= 11 && diff < 4)
    ly -= 1;
  *lunar_day = (guint)(jd - month_start + 1);
  *lunar_month = (guint)lm;
  *lunar_year = (guint)ly;
  *leap = is_leap;
  return TRUE;
}

GDate *
rd_lunar_to_solar (guint lunar_day, guint lunar_month, guint lunar_year, gboolean leap)
{
  gint64 a11, b11, month_start, next_start;
  int k, off;

  if (lunar_year < FIRST_YEAR || lunar_year > LAST_YEAR || lunar_month < 1 || lunar_month > 12 ||
      lunar_day < 1 || lunar_day > 30)
    return NULL;
  if (lunar_month < 11)
    {
      a11 = month_11 ((int)lunar_year - 1);
      b11 = month_11 ((int)lunar_year);
    }
  else
    {
      a11 = month_11 ((int)lunar_year);
      b11 = month_11 ((int)lunar_year + 1);
    }
  k = (int)floor (0.5 + (a11 - EPOCH_NEW_MOON) / SYNODIC_MONTH);
  off = (int)lunar_month - 11;
  if (off < 0)
    off += 12;
  if (b11 - a11 > 365)
    {
      int leap_off = leap_month_offset (a11);
      int leap_month = leap_off - 2;

      if (leap_month < 0)
        leap_month += 12;
      if (leap && (int)lunar_month != leap_month)
        return NULL;
      if (leap || off >= leap_off)
        off++;
    }
  else if (leap)
    return NULL;
  month_start = new_moon_day (k + off);
  next_start = new_moon_day (k + off + 1);
  if (month_start + lunar_day - 1 >= next_start)
    return NULL;
  return gdate_from_jd (month_start + lunar_day - 1);
}
