/* rd-config-calendar.h: working days in Việt Nam, and the Vietnamese lunar calendar they need.
 *
 * Contract:
 * - A day is a working day unless it is a Saturday or a Sunday, a public holiday of Bộ luật Lao
 *   động 2019 Điều 112 (Tết Dương lịch 1/1; Tết Nguyên đán: the last day of the lunar year and
 *   the first four of the new one; Giỗ Tổ Hùng Vương 10/3 lunar; 30/4; 1/5; Quốc khánh 2/9 and
 *   one day next to it), a compensatory day (nghỉ bù: each holiday that falls on a Saturday or
 *   Sunday gives the next day that is neither, Điều 112 khoản 3), or a day off the calendar's
 *   file adds; a day the file names as a working day is one, whatever the rules say.
 * - The day next to 2/9 is the Prime Minister's yearly choice; by default it is the one that
 *   joins a weekend: 3/9 when 2/9 is a Sunday, Monday or Thursday, 1/9 otherwise.
 * - The lunar calendar is computed for UTC+7 (the Vietnamese calendar's meridian), valid for
 *   lunar years 1900 to 2199.
 * - The file is text, UTF-8, one entry per line; '#' starts a comment, blank lines are skipped:
 *     DATE off NAME       a day off (a swapped or an extra day off), called NAME
 *     DATE work [NAME]    a working day (a make-up day, or a default day the government moved)
 *     tet YEAR FROM TO    the Tết holiday of lunar year YEAR is FROM to TO (both included),
 *                         replacing the default five days; its weekend days give no nghỉ bù
 *   DATE, FROM and TO are dd/mm/yyyy or yyyy-mm-dd. An error is RD_CONFIG_ERROR_INVALID naming
 *   the file and the line (origin:LINE: what is wrong).
 *
 * Threading: an RdCalendar is immutable once built and may be used from any thread (its yearly
 * tables are filled under a lock). Functions returning text or dates return (transfer full)
 * unless said otherwise; arguments are (transfer none).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _RdCalendar RdCalendar;

/* The law's rules only. (transfer full) */
RdCalendar *rd_calendar_new (void);

/* The law's rules with the entries of @data (the file's text, read from @origin: named in
 * errors). (transfer full) */
RdCalendar *rd_calendar_new_from_data (const char *data, const char *origin, GError **error);

RdCalendar *rd_calendar_ref (RdCalendar *calendar);
void rd_calendar_unref (RdCalendar *calendar);

/* Where the entries came from: the file's path, or NULL for the law's rules only. (transfer
 * none) */
const char *rd_calendar_get_origin (const RdCalendar *calendar);

/* Whether @day is a working day. When it is not, @why (may be NULL) gets what it is, in
 * Vietnamese: "Thứ Bảy", "Chủ nhật", "Tết Nguyên đán", "Giỗ Tổ Hùng Vương (10/3 âm lịch)", "nghỉ
 * bù Quốc khánh", a file entry's name... (transfer full) */
gboolean rd_calendar_is_working_day (RdCalendar *calendar, const GDate *day, char **why);

/* The day @n working days after @day (before it when @n < 0; @day itself when 0). (transfer
 * full) */
GDate *rd_calendar_add_working_days (RdCalendar *calendar, const GDate *day, int n);

/* Working days strictly between @a and @b (0 unless @a < @b). */
guint rd_calendar_working_days_between (RdCalendar *calendar, const GDate *a, const GDate *b);

/* The Vietnamese lunar date of @day (UTC+7): day 1..30, month 1..12, lunar year, and whether
 * the month is a leap month (tháng nhuận). FALSE outside the valid range. */
gboolean rd_lunar_from_solar (const GDate *day, guint *lunar_day, guint *lunar_month,
                              guint *lunar_year, gboolean *leap);

/* The solar day of a lunar date; NULL when there is no such day (a leap month the year does not
 * have, a day 30 of a 29-day month, outside the valid range). (transfer full) */
GDate *rd_lunar_to_solar (guint lunar_day, guint lunar_month, guint lunar_year, gboolean leap);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RdCalendar, rd_calendar_unref)

G_END_DECLS
