/* rd-console-report.c: see rd-console-report.h. */
#include "console/rd-console-report.h"

#include <stdio.h>

#include "console/rd-console-time.h"

#define LABEL_WIDTH 56 /* display columns of the console's first column */

static const char *
str (JsonObject *o, const char *name)
{
  const char *s = json_object_get_string_member_with_default (o, name, NULL);
  return s ? s : "";
}

/* "(từ dd/mm/yyyy đến dd/mm/yyyy)". (transfer full) */
static char *
span (JsonObject *report)
{
  g_autofree char *from = rd_console_time_shown (str (report, "from"));
  g_autofree char *to = rd_console_time_shown (str (report, "to"));

  return g_strdup_printf ("Từ ngày %s đến ngày %s; số liệu theo hồ sơ ghi tại buổi tiếp", from, to);
}

/* A line's label as shown: a part gets "- " before it. (transfer full) */
static char *
label_of (JsonObject *line)
{
  gint64 level = json_object_get_int_member_with_default (line, "level", 1);
  return g_strdup_printf ("%s%s", level == 2 ? "- " : "", str (line, "label"));
}

void
rd_console_print_report_table (JsonObject *report)
{
  JsonArray *lines = json_object_get_array_member (report, "lines");
  g_autofree char *when = span (report);
  g_autofree char *head = rd_console_pad ("Chỉ tiêu", LABEL_WIDTH);

  printf ("%s\n%s\n%s\n\n", str (report, "title"), when, str (report, "form"));
  printf ("%s %8s  %s\n", head, "Số lượng", "Đơn vị tính");
  for (guint i = 0; lines && i < json_array_get_length (lines); i++)
    {
      JsonObject *l = json_array_get_object_element (lines, i);
      gint64 level = json_object_get_int_member_with_default (l, "level", 1);
      g_autofree char *label = label_of (l);
      g_autofree char *indented =
          g_strdup_printf ("%*s%s", (int)(level > 0 ? 2 * level : 0), "", label);
      g_autofree char *padded = rd_console_pad (indented, LABEL_WIDTH);

      if (level == 0)
        printf ("%s%s\n", i ? "\n" : "", label);
      else
        printf ("%s %8" G_GINT64_FORMAT "  %s\n", padded,
                json_object_get_int_member_with_default (l, "value", 0), str (l, "unit"));
    }
}
