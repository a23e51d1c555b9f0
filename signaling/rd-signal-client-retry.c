/* rd-signal-client-retry.c: Retry-After (RFC 9110 10.2.3) for the WHIP/WHEP client. See
 * rd-signal-client-private.h for the contract. */
#include "signaling/rd-signal-client-private.h"

gboolean
rd_signal_client_parse_retry_after (const char *value, GDateTime *now, guint *seconds)
{
  g_autofree char *text = NULL;
  g_autoptr (GDateTime) date = NULL;
  GTimeSpan span;

  if (!value)
    return FALSE;
  text = g_strstrip (g_strdup (value));
  if (*text && g_ascii_isdigit (*text))
    {
      guint64 n;

      if (!g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT64, &n, NULL))
        return FALSE;
      *seconds = (guint)MIN (n, (guint64)G_MAXUINT);
      return TRUE;
    }
  if (!(date = soup_date_time_new_from_http_string (text)))
    return FALSE;
  span = g_date_time_difference (date, now);
  /* Rounded up: an HTTP-date has whole seconds, and waiting less would ask too early. */
  *seconds = span <= 0 ? 0
                       : (guint)MIN ((span + G_TIME_SPAN_SECOND - 1) / G_TIME_SPAN_SECOND,
                                     (GTimeSpan)G_MAXUINT);
  return TRUE;
}
