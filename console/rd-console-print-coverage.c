/* rd-console-print-coverage.c: the recording's coverage, as "session show" and "recording
 * verify" give it (daemon/rd-daemon-coverage.h): per track the seconds its files cover of the
 * seconds it was due, then each gap with its reason. */
#include "console/rd-console-print.h"

#include <stdio.h>

static double
seconds (JsonObject *o, const char *name)
{
  return o ? json_object_get_double_member_with_default (o, name, 0) : 0;
}

static const char *
text (JsonObject *o, const char *name)
{
  const char *s = o ? json_object_get_string_member_with_default (o, name, NULL) : NULL;

  return s ? s : "-";
}

void
rd_console_print_coverage (JsonObject *coverage)
{
  JsonNode *node = coverage ? json_object_get_member (coverage, "tracks") : NULL;
  JsonArray *tracks = node && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
  gint64 gaps = coverage ? json_object_get_int_member_with_default (coverage, "gaps", 0) : 0;

  if (!tracks || json_array_get_length (tracks) == 0)
    return;
  printf ("recording coverage (timeline %s at %.3f s): %" G_GINT64_FORMAT " gap%s, %.3f s "
          "without a cause on record\n",
          text (coverage, "ended"), seconds (coverage, "end_s"), gaps, gaps == 1 ? "" : "s",
          seconds (coverage, "unexplained_s"));
  printf ("  %-34s %-10s %9s %9s %10s %10s\n", "TRACK", "KIND", "DUE FROM", "DUE TO", "COVERED",
          "DUE");
  for (guint i = 0; i < json_array_get_length (tracks); i++)
    {
      JsonObject *t = json_array_get_object_element (tracks, i);
      JsonNode *g = json_object_get_member (t, "gaps");
      JsonArray *list = g && JSON_NODE_HOLDS_ARRAY (g) ? json_node_get_array (g) : NULL;

      printf ("  %-34s %-10s %9.3f %9.3f %8.3f s %8.3f s\n", text (t, "track"), text (t, "kind"),
              seconds (t, "due_from_s"), seconds (t, "due_to_s"), seconds (t, "covered_s"),
              seconds (t, "due_s"));
      for (guint j = 0; list && j < json_array_get_length (list); j++)
        {
          JsonObject *gap = json_array_get_object_element (list, j);

          printf ("    GAP %.3f-%.3f s (%.3f s): %s\n", seconds (gap, "from_s"),
                  seconds (gap, "to_s"), seconds (gap, "seconds"), text (gap, "reason"));
        }
      g = json_object_get_member (t, "overlaps");
      list = g && JSON_NODE_HOLDS_ARRAY (g) ? json_node_get_array (g) : NULL;
      for (guint j = 0; list && j < json_array_get_length (list); j++)
        {
          JsonObject *o = json_array_get_object_element (list, j);

          printf ("    OVERLAP %.3f-%.3f s: two of its files claim this time\n",
                  seconds (o, "from_s"), seconds (o, "to_s"));
        }
    }
}
