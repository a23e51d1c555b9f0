/* rd-console-time.c: see rd-console-time.h. */
#include "console/rd-console-time.h"

#include <stdio.h>
#include <string.h>

static GTimeZone *zone;

void
rd_console_time_set_zone (GTimeZone *tz)
{
  g_clear_pointer (&zone, g_time_zone_unref);
  zone = tz ? g_time_zone_ref (tz) : NULL;
}

static GTimeZone *
room_zone (void)
{
  if (zone == NULL)
    {
      zone = g_time_zone_new_identifier ("Asia/Ho_Chi_Minh");
      if (zone == NULL) /* no tz database: Việt Nam has kept UTC+7 since 1975 */
        zone = g_time_zone_new_offset (7 * 3600);
    }
  return zone;
}

static gboolean
is_iso_day (const char *text)
{
  return g_regex_match_simple ("^[0-9]{4}-[0-9]{2}-[0-9]{2}$", text, 0, 0);
}

char *
rd_console_time_shown (const char *text)
{
  g_autoptr (GDateTime) t = NULL;
  g_autoptr (GDateTime) local = NULL;

  if (text == NULL)
    return g_strdup ("-");
  if (is_iso_day (text))
    return g_strdup_printf ("%.2s/%.2s/%.4s", text + 8, text + 5, text);
  /* only an instant: a time with its zone (a stored time, or one the daemon shows) */
  if (!g_regex_match_simple ("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+(Z|[+-][0-9:]+)$", text, 0, 0) ||
      !(t = g_date_time_new_from_iso8601 (text, NULL)))
    return g_strdup (text);
  local = g_date_time_to_timezone (t, room_zone ());
  return g_date_time_format (local, "%d/%m/%Y %H:%M");
}

char *
rd_console_time_parse_day (const char *text)
{
  guint d, m, y;
  char tail;

  if (text == NULL)
    return NULL;
  if (is_iso_day (text))
    {
      if (sscanf (text, "%4u-%2u-%2u", &y, &m, &d) != 3)
        return NULL;
    }
  else if (!g_regex_match_simple ("^[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}$", text, 0, 0) ||
           sscanf (text, "%u/%u/%u%c", &d, &m, &y, &tail) != 3)
    return NULL;
  if (!g_date_valid_dmy ((GDateDay)d, (GDateMonth)m, (GDateYear)y))
    return NULL;
  return g_strdup_printf ("%04u-%02u-%02u", y, m, d);
}

char *
rd_console_time_parse_when (const char *text)
{
  g_auto (GStrv) parts = NULL;
  g_autofree char *day = NULL;
  guint hh, mm;
  char tail;

  if (text == NULL)
    return NULL;
  if (g_regex_match_simple ("^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}", text, 0, 0))
    return g_strdup (text); /* ISO: the daemon reads it, with its zone if it has one */
  parts = g_strsplit_set (text, " T", 2);
  if (g_strv_length (parts) != 2 || !(day = rd_console_time_parse_day (parts[0])) ||
      sscanf (parts[1], "%u:%u%c", &hh, &mm, &tail) != 2 || hh > 23 || mm > 59)
    return NULL;
  return g_strdup_printf ("%sT%02u:%02u", day, hh, mm);
}

char *
rd_console_time_parse_month (const char *text)
{
  guint m, y;
  char tail;

  if (text == NULL)
    return NULL;
  if (!(g_regex_match_simple ("^[0-9]{4}-[0-9]{2}$", text, 0, 0) &&
        sscanf (text, "%4u-%2u", &y, &m) == 2) &&
      !(g_regex_match_simple ("^[0-9]{1,2}/[0-9]{4}$", text, 0, 0) &&
        sscanf (text, "%u/%u%c", &m, &y, &tail) == 2))
    return NULL;
  if (m < 1 || m > 12)
    return NULL;
  return g_strdup_printf ("%04u-%02u", y, m);
}

char *
rd_console_time_parse_period (const char *kind, const char *text)
{
  static const char *const roman[] = { "I", "II", "III", "IV" };
  guint n = 0, y = 0;
  char tail;

  if (text == NULL || kind == NULL)
    return NULL;
  if (g_str_equal (kind, "year") || g_str_equal (kind, "nine-months"))
    {
      if (!g_regex_match_simple ("^[0-9]{4}$", text, 0, 0) || sscanf (text, "%4u", &y) != 1)
        return NULL;
      return g_strdup_printf ("%04u%s", y, g_str_equal (kind, "year") ? "" : "-9M");
    }
  if (!g_str_equal (kind, "quarter") && !g_str_equal (kind, "half"))
    return NULL;
  if (g_regex_match_simple ("^[0-9]/[0-9]{4}$", text, 0, 0))
    sscanf (text, "%u/%u%c", &n, &y, &tail);
  else if (g_regex_match_simple ("^[0-9]{4}-[QH][0-9]$", text, 0, 0) &&
           text[5] == (g_str_equal (kind, "quarter") ? 'Q' : 'H'))
    {
      n = (guint)(text[6] - '0');
      y = (guint)g_ascii_strtoull (text, NULL, 10);
    }
  else if (g_str_equal (kind, "quarter"))
    for (guint i = 0; i < G_N_ELEMENTS (roman); i++)
      {
        gsize len = strlen (roman[i]);
        if (g_str_has_prefix (text, roman[i]) && text[len] == '/' &&
            g_regex_match_simple ("^[0-9]{4}$", text + len + 1, 0, 0))
          {
            n = i + 1;
            y = (guint)g_ascii_strtoull (text + len + 1, NULL, 10);
          }
      }
  if (n < 1 || n > (g_str_equal (kind, "quarter") ? 4u : 2u) || y < 1900)
    return NULL;
  return g_strdup_printf ("%04u-%c%u", y, g_str_equal (kind, "quarter") ? 'Q' : 'H', n);
}

/* How many terminal columns @text takes. */
static guint
display_width (const char *text)
{
  guint width = 0;

  if (text == NULL || !g_utf8_validate (text, -1, NULL))
    return text ? (guint)strlen (text) : 0;
  for (const char *p = text; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_ismark (c) || g_unichar_iszerowidth (c))
        continue;
      width += g_unichar_iswide (c) ? 2 : 1;
    }
  return width;
}

char *
rd_console_pad (const char *text, guint width)
{
  guint w = display_width (text ? text : "");
  GString *out = g_string_new (text ? text : "");

  for (; w < width; w++)
    g_string_append_c (out, ' ');
  return g_string_free (out, FALSE);
}
