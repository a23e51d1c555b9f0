/* rd-console-print-duties.c: the timing duties of scheduled sessions, as status, session list
 * and session duty-done show them. See rd-console-print.h. */
#include "console/rd-console-print.h"

#include <stdio.h>

#include "console/rd-console-time.h"

static const char *
str (JsonObject *o, const char *name)
{
  JsonNode *n = o ? json_object_get_member (o, name) : NULL;

  if (n && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING)
    return json_node_get_string (n);
  return "-";
}

static JsonObject *
obj (JsonObject *o, const char *name)
{
  JsonNode *n = o ? json_object_get_member (o, name) : NULL;
  return n && JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
}

void
rd_console_print_duties (JsonObject *timing, const char *indent)
{
  JsonNode *n = timing ? json_object_get_member (timing, "duties") : NULL;
  JsonArray *duties = n && JSON_NODE_HOLDS_ARRAY (n) ? json_node_get_array (n) : NULL;

  if (timing && json_object_has_member (timing, "day_off"))
    printf ("%sDAY OFF: the session falls on %s\n", indent, str (timing, "day_off"));
  for (guint i = 0; duties && i < json_array_get_length (duties); i++)
    {
      JsonObject *d = json_array_get_object_element (duties, i);
      g_autofree char *by = rd_console_time_shown (str (d, "by"));
      g_autofree char *what = rd_console_pad (str (d, "what"), 44);
      const char *state = str (d, "state");

      printf ("%s%s by %s%s\n", indent, what, by,
              g_str_equal (state, "late")    ? "  LATE"
              : g_str_equal (state, "today") ? "  due today"
              : g_str_equal (state, "done")  ? "  done"
                                             : "");
    }
}

void
rd_console_print_scheduled (JsonArray *scheduled, const char *timezone)
{
  gint64 late = 0;

  for (guint i = 0; scheduled && i < json_array_get_length (scheduled); i++)
    late += MAX (0, json_object_get_int_member_with_default (
                        json_array_get_object_element (scheduled, i), "late", 0));
  printf ("scheduled sessions: %u", scheduled ? json_array_get_length (scheduled) : 0);
  if (late > 0)
    printf (", %" G_GINT64_FORMAT " dut%s LATE", late, late == 1 ? "y" : "ies");
  printf (" (times in %s)\n", timezone);
  for (guint i = 0; scheduled && i < json_array_get_length (scheduled); i++)
    {
      JsonObject *s = json_array_get_object_element (scheduled, i);
      g_autofree char *at = rd_console_time_shown (str (s, "scheduled_for"));
      g_autofree char *id = rd_console_pad (str (s, "id"), 16);

      printf ("  %s %s %s\n", id, at, str (s, "title"));
      rd_console_print_duties (obj (s, "timing"), "      ");
    }
}

void
rd_console_print_session_duties (JsonNode *result)
{
  JsonObject *s = json_node_get_object (result);
  g_autofree char *at = rd_console_time_shown (str (s, "scheduled_for"));

  printf ("session %s, scheduled for %s\n", str (s, "id"), at);
  rd_console_print_duties (obj (s, "timing"), "  ");
}
