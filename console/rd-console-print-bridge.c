/* rd-console-print-bridge.c: who presided over a session and its bridge points, with who
 * attended at each and the parties that connected with each point's invite. See
 * rd-console-print.h. */
#include "console/rd-console-print.h"

#include <stdio.h>

static const char *
text (JsonObject *o, const char *name)
{
  JsonNode *n = o ? json_object_get_member (o, name) : NULL;

  if (n && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING)
    return json_node_get_string (n);
  return NULL;
}

static gint64
number (JsonObject *o, const char *name)
{
  JsonNode *n = o ? json_object_get_member (o, name) : NULL;

  if (n && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_INT64)
    return json_node_get_int (n);
  return -1;
}

static JsonArray *
list (JsonObject *o, const char *name)
{
  JsonNode *n = o ? json_object_get_member (o, name) : NULL;

  return n && JSON_NODE_HOLDS_ARRAY (n) ? json_node_get_array (n) : NULL;
}

static JsonObject *
object (JsonObject *o, const char *name)
{
  JsonNode *n = o ? json_object_get_member (o, name) : NULL;

  return n && JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
}

static void
print_person (const char *indent, JsonObject *p)
{
  const char *position = text (p, "position");

  printf ("%s%s%s%s\n", indent, text (p, "name") ? text (p, "name") : "-", position ? ", " : "",
          position ? position : "");
}

/* The bridge object ({presiding, bridge_points}); @parties (may be NULL) are the session's
 * participants, each shown under the point whose invite it came with. */
static void
print_bridge (JsonObject *bridge, JsonArray *parties)
{
  JsonObject *presiding = object (bridge, "presiding");
  JsonArray *points = list (bridge, "bridge_points");

  printf ("presiding officer: ");
  if (presiding)
    print_person ("", presiding);
  else
    printf ("-\n");
  printf ("bridge points: %u\n", points ? json_array_get_length (points) : 0);
  for (guint i = 0; points && i < json_array_get_length (points); i++)
    {
      JsonObject *p = json_array_get_object_element (points, i);
      JsonArray *people = list (p, "attendees");
      gint64 invite = number (p, "invite_id");

      printf ("  %s: %s", g_strcmp0 (text (p, "kind"), "central") == 0 ? "central" : "component",
              text (p, "name") ? text (p, "name") : "-");
      if (invite > 0)
        printf (" (invite #%" G_GINT64_FORMAT ")", invite);
      printf ("\n    attendees: %u\n", people ? json_array_get_length (people) : 0);
      for (guint k = 0; people && k < json_array_get_length (people); k++)
        print_person ("      ", json_array_get_object_element (people, k));
      for (guint k = 0; invite > 0 && parties && k < json_array_get_length (parties); k++)
        {
          JsonObject *party = json_array_get_object_element (parties, k);

          if (number (party, "invite_id") == invite)
            printf ("    party %s %s, joined %s, left %s\n", text (party, "role"),
                    text (party, "name") ? text (party, "name") : "-",
                    text (party, "joined_at") ? text (party, "joined_at") : "-",
                    text (party, "left_at") ? text (party, "left_at") : "-");
        }
    }
}

void
rd_console_print_bridge (JsonNode *result)
{
  if (result && JSON_NODE_HOLDS_OBJECT (result))
    print_bridge (json_node_get_object (result), NULL);
}

void
rd_console_print_session_bridge (JsonObject *session)
{
  JsonObject *bridge = object (session, "bridge");

  if (bridge)
    print_bridge (bridge, list (session, "participants"));
}
