/* rd-ledger-book-period.c: the reporting periods of the book's report (a month, a quarter, six
 * months, nine months, a year of the calendar). See rd-ledger-book-private.h. */
#include "ledger/rd-ledger-book-private.h"
#include "ledger/rd-ledger-error.h"

#include <string.h>

void
rd_book_period_clear (RdBookPeriod *p)
{
  g_clear_pointer (&p->label, g_free);
  g_clear_pointer (&p->from, g_free);
  g_clear_pointer (&p->to, g_free);
}

/* @text[@at..] as a number of exactly @digits digits in [@min, @max], or -1. */
static int
digits_at (const char *text, gsize at, gsize digits, int min, int max)
{
  int n = 0;

  if (strlen (text) < at + digits)
    return -1;
  for (gsize i = at; i < at + digits; i++)
    {
      if (!g_ascii_isdigit (text[i]))
        return -1;
      n = n * 10 + (text[i] - '0');
    }
  return n >= min && n <= max ? n : -1;
}

gboolean
rd_book_parse_period (const char *text, RdBookPeriod *p, GError **error)
{
  static const char *const roman[] = { "I", "II", "III", "IV" };
  gsize len = text ? strlen (text) : 0;
  int year = text ? digits_at (text, 0, 4, 1900, 9999) : -1;
  int first = 0, last = 0, n;
  g_autoptr (GDate) end = NULL;

  memset (p, 0, sizeof *p);
  if (year > 0 && len == 7 && text[4] == '-' && g_ascii_isdigit (text[5]) &&
      g_ascii_isdigit (text[6]))
    {
      if ((n = digits_at (text, 5, 2, 1, 12)) < 0)
        {
          g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID,
                       "month \"%s\" is not a month YYYY-MM", text);
          return FALSE;
        }
      p->kind = "month";
      first = last = n;
      p->label = g_strdup_printf ("tháng %02d năm %d", n, year);
    }
  else if (year > 0 && len == 7 && text[4] == '-' && text[5] == 'Q' &&
           (n = digits_at (text, 6, 1, 1, 4)) > 0)
    {
      p->kind = "quarter";
      first = 3 * n - 2;
      last = 3 * n;
      p->label = g_strdup_printf ("quý %s năm %d", roman[n - 1], year);
    }
  else if (year > 0 && len == 7 && text[4] == '-' && text[5] == 'H' &&
           (n = digits_at (text, 6, 1, 1, 2)) > 0)
    {
      p->kind = "half";
      first = n == 1 ? 1 : 7;
      last = n == 1 ? 6 : 12;
      p->label = g_strdup_printf ("6 tháng %s năm %d", n == 1 ? "đầu" : "cuối", year);
    }
  else if (year > 0 && len == 7 && g_str_equal (text + 4, "-9M"))
    {
      p->kind = "nine-months";
      first = 1;
      last = 9;
      p->label = g_strdup_printf ("9 tháng năm %d", year);
    }
  else if (year > 0 && len == 4)
    {
      p->kind = "year";
      first = 1;
      last = 12;
      p->label = g_strdup_printf ("năm %d", year);
    }
  else
    {
      g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID,
                   "period \"%s\" is not a month YYYY-MM, a quarter YYYY-Q1..Q4, six months "
                   "YYYY-H1 or YYYY-H2, nine months YYYY-9M or a year YYYY",
                   text ? text : "");
      return FALSE;
    }
  end = g_date_new_dmy (1, (GDateMonth)last, (GDateYear)year);
  g_date_add_months (end, 1);
  g_date_subtract_days (end, 1);
  p->from = g_strdup_printf ("%04d-%02d-01", year, first);
  p->to = g_strdup_printf ("%04d-%02d-%02d", year, last, g_date_get_day (end));
  return TRUE;
}
