/* rd-config-calendar.c: working days in Việt Nam (Bộ luật Lao động 2019, Điều 112) and the
 * office's file of the days the government moves each year. See rd-config-calendar.h; the
 * lunar dates come from rd-config-lunar.c. Reading the file is rd-config.c's; this file only
 * parses its text. */
#include "config/rd-config-calendar.h"
#include "config/rd-config-error.h"

#include <stdio.h>
#include <string.h>

#define TET "Tết Nguyên đán"

typedef struct
{
  gboolean working;
  char *name; /* off: never NULL */
} Entry;

typedef struct
{
  guint32 from, to; /* GDate Julian days, both included */
} Span;

struct _RdCalendar
{
  gatomicrefcount ref;
  char *origin;
  GHashTable *entries; /* GDate Julian day → Entry */
  GHashTable *tet;     /* lunar year → Span */
  GMutex lock;
  GHashTable *years; /* solar year → GHashTable (Julian day → name), under lock */
};

static void
entry_free (gpointer p)
{
  Entry *e = p;

  g_free (e->name);
  g_free (e);
}

RdCalendar *
rd_calendar_new (void)
{
  RdCalendar *c = g_new0 (RdCalendar, 1);

  g_atomic_ref_count_init (&c->ref);
  c->entries = g_hash_table_new_full (NULL, NULL, NULL, entry_free);
  c->tet = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  g_mutex_init (&c->lock);
  c->years = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify)g_hash_table_unref);
  return c;
}

RdCalendar *
rd_calendar_ref (RdCalendar *calendar)
{
  g_atomic_ref_count_inc (&calendar->ref);
  return calendar;
}

void
rd_calendar_unref (RdCalendar *calendar)
{
  if (calendar == NULL || !g_atomic_ref_count_dec (&calendar->ref))
    return;
  g_free (calendar->origin);
  g_hash_table_unref (calendar->entries);
  g_hash_table_unref (calendar->tet);
  g_hash_table_unref (calendar->years);
  g_mutex_clear (&calendar->lock);
  g_free (calendar);
}

const char *
rd_calendar_get_origin (const RdCalendar *calendar)
{
  return calendar->origin;
}

/* dd/mm/yyyy or yyyy-mm-dd; FALSE for anything else or a day that does not exist. */
static gboolean
parse_day (const char *text, guint32 *julian)
{
  guint d, m, y;
  char tail;

  if (sscanf (text, "%2u/%2u/%4u%c", &d, &m, &y, &tail) != 3 &&
      !(sscanf (text, "%4u-%2u-%2u%c", &y, &m, &d, &tail) == 3 && strlen (text) == 10))
    return FALSE;
  if (!g_date_valid_dmy ((GDateDay)d, (GDateMonth)m, (GDateYear)y) || y < 1900 || y > 2199)
    return FALSE;
  {
    g_autoptr (GDate) date = g_date_new_dmy ((GDateDay)d, (GDateMonth)m, (GDateYear)y);

    *julian = g_date_get_julian (date);
  }
  return TRUE;
}

/* One line, split at blanks: @words[0..]. */
static gboolean
parse_line (RdCalendar *c, char **words, const char *line, char **why)
{
  guint n = g_strv_length (words);
  guint32 day, to;

  if (g_str_equal (words[0], "tet"))
    {
      guint64 year;
      Span *span;

      if (n != 4)
        return (*why = g_strdup ("expected: tet YEAR FROM TO")), FALSE;
      if (!g_ascii_string_to_unsigned (words[1], 10, 1900, 2199, &year, NULL))
        return (*why = g_strdup_printf ("\"%s\" is not a year from 1900 to 2199", words[1])), FALSE;
      if (!parse_day (words[2], &day) || !parse_day (words[3], &to))
        return (*why = g_strdup ("FROM and TO are days: dd/mm/yyyy or yyyy-mm-dd")), FALSE;
      if (to < day || to - day > 30)
        return (*why = g_strdup ("TO must be after FROM, at most 30 days later")), FALSE;
      if (g_hash_table_contains (c->tet, GUINT_TO_POINTER (year)))
        return (*why = g_strdup_printf ("Tết %s is given twice", words[1])), FALSE;
      span = g_new (Span, 1);
      span->from = day;
      span->to = to;
      g_hash_table_insert (c->tet, GUINT_TO_POINTER (year), span);
      return TRUE;
    }
  if (!parse_day (words[0], &day))
    return (*why = g_strdup_printf ("\"%s\" is not a day (dd/mm/yyyy or yyyy-mm-dd) nor \"tet\"",
                                    words[0])),
           FALSE;
  if (n < 2 || !(g_str_equal (words[1], "off") || g_str_equal (words[1], "work")))
    return (*why = g_strdup ("expected: DATE off NAME, or DATE work [NAME]")), FALSE;
  if (g_hash_table_contains (c->entries, GUINT_TO_POINTER (day)))
    return (*why = g_strdup_printf ("%s is given twice", words[0])), FALSE;
  {
    Entry *e = g_new0 (Entry, 1);
    /* the name: the rest of the line after the keyword */
    const char *rest = strstr (line, words[1]) + strlen (words[1]);

    rest += strspn (rest, " \t");
    e->working = g_str_equal (words[1], "work");
    e->name = *rest ? g_strdup (rest) : NULL;
    if (!e->working && e->name == NULL)
      {
        entry_free (e);
        return (*why = g_strdup ("a day off needs a name (e.g. \"nghỉ bù Tết\")")), FALSE;
      }
    g_hash_table_insert (c->entries, GUINT_TO_POINTER (day), e);
  }
  return TRUE;
}

RdCalendar *
rd_calendar_new_from_data (const char *data, const char *origin, GError **error)
{
  g_autoptr (RdCalendar) c = rd_calendar_new ();
  g_auto (GStrv) lines = NULL;

  g_return_val_if_fail (data != NULL && origin != NULL, NULL);
  c->origin = g_strdup (origin);
  if (!g_utf8_validate (data, -1, NULL))
    {
      g_set_error (error, RD_CONFIG_ERROR, RD_CONFIG_ERROR_INVALID, "%s: not UTF-8 text", origin);
      return NULL;
    }
  lines = g_strsplit (data, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      g_autofree char *why = NULL;
      g_auto (GStrv) words = NULL;
      g_autoptr (GStrvBuilder) kept = g_strv_builder_new ();
      char *line = lines[i];
      char *hash = strchr (line, '#');

      if (hash)
        *hash = '\0';
      g_strstrip (line);
      if (*line == '\0')
        continue;
      words = g_strsplit_set (line, " \t", -1);
      for (guint w = 0; words[w]; w++)
        if (*words[w])
          g_strv_builder_add (kept, words[w]);
      g_clear_pointer (&words, g_strfreev);
      words = g_strv_builder_end (kept);
      if (!parse_line (c, words, line, &why))
        {
          g_set_error (error, RD_CONFIG_ERROR, RD_CONFIG_ERROR_INVALID, "%s:%u: %s", origin, i + 1,
                       why);
          return NULL;
        }
    }
  return g_steal_pointer (&c);
}

static gboolean
is_weekend (guint32 julian)
{
  g_autoptr (GDate) d = g_date_new_julian (julian);
  GDateWeekday w = g_date_get_weekday (d);

  return w == G_DATE_SATURDAY || w == G_DATE_SUNDAY;
}

static guint32
julian_dmy (int d, int m, int y)
{
  g_autoptr (GDate) date = g_date_new_dmy ((GDateDay)d, (GDateMonth)m, (GDateYear)y);

  return g_date_get_julian (date);
}

/* Adds holiday @name on @day to @days, and to @owed (Julian days, in order) when it falls on a
 * weekend and @compensated. */
static void
add_holiday (GHashTable *days, GArray *owed, guint32 day, const char *name, gboolean compensated)
{
  if (g_hash_table_contains (days, GUINT_TO_POINTER (day)))
    return;
  g_hash_table_insert (days, GUINT_TO_POINTER (day), g_strdup (name));
  if (compensated && is_weekend (day))
    g_array_append_val (owed, day);
}

/* The day next to 2/9 (see the header). */
static guint32
national_day_neighbour (int year)
{
  guint32 day = julian_dmy (2, 9, year);
  g_autoptr (GDate) d = g_date_new_julian (day);
  GDateWeekday w = g_date_get_weekday (d);

  return (w == G_DATE_SUNDAY || w == G_DATE_MONDAY || w == G_DATE_THURSDAY) ? day + 1 : day - 1;
}

static int
compare_julian (gconstpointer a, gconstpointer b)
{
  guint32 x = *(const guint32 *)a, y = *(const guint32 *)b;

  return (x > y) - (x < y);
}

/* The law's days off in solar @year, holidays and nghỉ bù: Julian day → name. */
static GHashTable *
build_year (RdCalendar *c, int year)
{
  GHashTable *days = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  g_autoptr (GArray) owed = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autoptr (GDate) tet = rd_lunar_to_solar (1, 1, (guint)year, FALSE);
  g_autoptr (GDate) hung_kings = rd_lunar_to_solar (10, 3, (guint)year, FALSE);
  const Span *span = g_hash_table_lookup (c->tet, GUINT_TO_POINTER (year));

  add_holiday (days, owed, julian_dmy (1, 1, year), "Tết Dương lịch", TRUE);
  if (span)
    for (guint32 d = span->from; d <= span->to; d++)
      add_holiday (days, owed, d, TET, FALSE);
  else if (tet)
    for (guint32 d = g_date_get_julian (tet) - 1; d <= g_date_get_julian (tet) + 3; d++)
      add_holiday (days, owed, d, TET, TRUE);
  if (hung_kings)
    add_holiday (days, owed, g_date_get_julian (hung_kings), "Giỗ Tổ Hùng Vương (10/3 âm lịch)",
                 TRUE);
  add_holiday (days, owed, julian_dmy (30, 4, year), "Ngày Chiến thắng (30/4)", TRUE);
  add_holiday (days, owed, julian_dmy (1, 5, year), "Ngày Quốc tế Lao động (1/5)", TRUE);
  add_holiday (days, owed, julian_dmy (2, 9, year), "Quốc khánh (2/9)", TRUE);
  add_holiday (days, owed, national_day_neighbour (year), "Quốc khánh (ngày liền kề 2/9)", TRUE);
  /* Each holiday on a weekend gives the next day that is neither a weekend nor a day off. */
  g_array_sort (owed, compare_julian);
  for (guint i = 0; i < owed->len; i++)
    {
      guint32 from = g_array_index (owed, guint32, i);
      guint32 d = from + 1;
      const char *name = g_hash_table_lookup (days, GUINT_TO_POINTER (from));

      while (is_weekend (d) || g_hash_table_contains (days, GUINT_TO_POINTER (d)))
        d++;
      g_hash_table_insert (days, GUINT_TO_POINTER (d), g_strdup_printf ("nghỉ bù %s", name));
    }
  return days;
}

gboolean
rd_calendar_is_working_day (RdCalendar *calendar, const GDate *day, char **why)
{
  guint32 julian = g_date_get_julian (day);
  const Entry *e = g_hash_table_lookup (calendar->entries, GUINT_TO_POINTER (julian));
  GDateWeekday w = g_date_get_weekday (day);
  int year = g_date_get_year (day);
  const char *name = NULL;
  g_autofree char *holiday = NULL;

  if (e)
    {
      if (!e->working && why)
        *why = g_strdup (e->name);
      return e->working;
    }
  g_mutex_lock (&calendar->lock);
  {
    GHashTable *days = g_hash_table_lookup (calendar->years, GINT_TO_POINTER (year));

    if (days == NULL)
      {
        days = build_year (calendar, year);
        g_hash_table_insert (calendar->years, GINT_TO_POINTER (year), days);
      }
    holiday = g_strdup (g_hash_table_lookup (days, GUINT_TO_POINTER (julian)));
  }
  g_mutex_unlock (&calendar->lock);
  if (holiday)
    name = holiday;
  else if (w == G_DATE_SATURDAY)
    name = "Thứ Bảy";
  else if (w == G_DATE_SUNDAY)
    name = "Chủ nhật";
  if (name && why)
    *why = g_strdup (name);
  return name == NULL;
}

GDate *
rd_calendar_add_working_days (RdCalendar *calendar, const GDate *day, int n)
{
  GDate *d = g_date_copy (day);

  while (n != 0)
    {
      if (n > 0)
        g_date_add_days (d, 1);
      else
        g_date_subtract_days (d, 1);
      if (rd_calendar_is_working_day (calendar, d, NULL))
        n += n > 0 ? -1 : 1;
    }
  return d;
}

guint
rd_calendar_working_days_between (RdCalendar *calendar, const GDate *a, const GDate *b)
{
  g_autoptr (GDate) d = g_date_copy (a);
  guint n = 0;

  for (g_date_add_days (d, 1); g_date_compare (d, b) < 0; g_date_add_days (d, 1))
    n += rd_calendar_is_working_day (calendar, d, NULL);
  return n;
}
