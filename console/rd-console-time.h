/* rd-console-time.h: how receptionctl shows and reads times and lays out columns, for a ward
 * officer in Việt Nam.
 *
 * Contract:
 * - Times are shown in the room's time zone ([room] timezone of the configuration receptionctl
 *   reads; Asia/Ho_Chi_Minh when it has none) as dd/mm/yyyy HH:MM, days as dd/mm/yyyy. The
 *   daemon's JSON (--json) keeps ISO 8601 as it is.
 * - A day the officer types is dd/mm/yyyy or yyyy-mm-dd; a time dd/mm/yyyy HH:MM or ISO 8601.
 *   Either is sent to the daemon as ISO ("yyyy-mm-dd", "yyyy-mm-ddTHH:MM"); a time without a
 *   zone stays without one, so the daemon reads it in the room's zone, never as UTC.
 * - Columns are padded by display width (characters, two for a wide one, none for a combining
 *   mark), never by bytes, so Vietnamese text lines up.
 *
 * Threading: one thread; rd_console_time_set_zone() before anything is shown. Returned strings
 * are (transfer full).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The zone times are shown in (a reference is kept). */
void rd_console_time_set_zone (GTimeZone *tz);

/* @text as shown: an ISO 8601 instant → "dd/mm/yyyy HH:MM" in the room's zone; "yyyy-mm-dd" →
 * "dd/mm/yyyy"; anything else (NULL → "-") as it is. */
char *rd_console_time_shown (const char *text);

/* A typed day → "yyyy-mm-dd"; NULL when it is not a real day in either form. */
char *rd_console_time_parse_day (const char *text);
/* A typed time → "yyyy-mm-ddTHH:MM[...]"; NULL when it is neither form. */
char *rd_console_time_parse_when (const char *text);
/* A typed month, mm/yyyy or yyyy-mm → "yyyy-mm"; NULL otherwise. */
char *rd_console_time_parse_month (const char *text);

/* A typed reporting period of @kind → the daemon's form (rd-ledger-book.h): "quarter" Q/YYYY
 * (1-4, or I-IV) or YYYY-Qn → "YYYY-Qn"; "half" 1/YYYY or 2/YYYY (or YYYY-Hn) → "YYYY-Hn";
 * "nine-months" YYYY → "YYYY-9M"; "year" YYYY → "YYYY". NULL otherwise. */
char *rd_console_time_parse_period (const char *kind, const char *text);

/* @text followed by spaces up to @width columns (no spaces when it is wider). */
char *rd_console_pad (const char *text, guint width);

G_END_DECLS
