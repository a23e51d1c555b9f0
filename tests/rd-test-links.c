/* rd-test-links.c: see rd-test-links.h. */
#include "tests/rd-test-links.h"

#include <string.h>

JsonObject *
rd_test_links_obj (JsonNode *n)
{
  g_assert_true (JSON_NODE_HOLDS_OBJECT (n));
  return json_node_get_object (n);
}

RdTestLinks *
rd_test_links_up (const char *room_extra)
{
  RdTestLinks *p = g_new0 (RdTestLinks, 1);
  g_autoptr (GString) whep = NULL;

  p->far = rd_test_room_up (NULL);
  p->room = rd_test_room_up (room_extra);
  p->invite = rd_test_room_invite (p->far, "board");
  whep = g_string_new (rd_test_member (p->invite, "whip_url"));
  g_string_replace (whep, "/whip/", "/whep/", 1);
  p->whep_url = g_string_free (g_steal_pointer (&whep), FALSE);
  return p;
}

void
rd_test_links_free (RdTestLinks *p)
{
  rd_test_room_free (p->room);
  rd_test_room_free (p->far);
  json_node_unref (p->invite);
  g_free (p->whep_url);
  g_free (p);
}
/* receptionctl session join on the room, into the far end's WHIP (and WHEP) endpoint. */
int
rd_test_links_join (RdTestLinks *p, gboolean whep, char **err)
{
  if (whep)
    return rd_test_ctl (p->room->t, NULL, err, "session", "join", p->room->session_id, "--whip",
                        rd_test_member (p->invite, "whip_url"), "--token",
                        rd_test_member (p->invite, "token"), "--whep", p->whep_url, "--ca",
                        p->far->cert, NULL);
  return rd_test_ctl (p->room->t, NULL, err, "session", "join", p->room->session_id, "--whip",
                      rd_test_member (p->invite, "whip_url"), "--token",
                      rd_test_member (p->invite, "token"), "--ca", p->far->cert, NULL);
}

/* The room's links from status, and the status as text for failure messages. */
JsonArray *
rd_test_links_of (JsonNode *status)
{
  return json_object_get_array_member (rd_test_links_obj (status), "links");
}

JsonObject *
rd_test_link_of_kind (JsonNode *status, const char *kind)
{
  JsonArray *links = rd_test_links_of (status);
  for (guint i = 0; i < json_array_get_length (links); i++)
    {
      JsonObject *l = json_array_get_object_element (links, i);
      if (g_str_equal (json_object_get_string_member (l, "kind"), kind))
        return l;
    }
  return NULL;
}

/* Polls the room's status until its @kind link is in @state (NULL: no link left at all); fails
 * with the last status seen. Returns the seconds it took. */
double
rd_test_links_wait (RdTestRoom *r, const char *kind, const char *state, guint timeout_s)
{
  gint64 start = g_get_monotonic_time (), end = start + timeout_s * G_USEC_PER_SEC;
  g_autoptr (JsonNode) status = NULL;

  for (;;)
    {
      JsonObject *l;

      g_clear_pointer (&status, json_node_unref);
      status = rd_test_ctl_json (r->t, "status", NULL);
      l = kind ? rd_test_link_of_kind (status, kind) : NULL;
      if (state ? l && g_str_equal (json_object_get_string_member (l, "state"), state)
                : json_array_get_length (rd_test_links_of (status)) == 0)
        return (g_get_monotonic_time () - start) / (double)G_USEC_PER_SEC;
      if (g_get_monotonic_time () > end)
        {
          g_autofree char *seen =
              json_to_string (json_object_get_member (rd_test_links_obj (status), "links"), TRUE);
          g_error ("waited %u s for the %s link to be %s; links: %s", timeout_s,
                   kind ? kind : "any", state ? state : "gone", seen);
        }
      g_usleep (RD_TEST_LINKS_POLL_US);
    }
}

/* The far end's parties: @n of them connected with more than @min_bytes received each. */
void
rd_test_links_wait_far (RdTestRoom *far, guint n, guint64 min_bytes)
{
  rd_test_room_wait_parties (far, n, n ? "connected" : NULL, min_bytes, 30000);
}

/* The kinds of the session's events starting with "link-" (and recording-gap), in order. */
char *
rd_test_links_events (RdTestRoom *r)
{
  g_autoptr (JsonNode) shown = rd_test_ctl_json (r->t, "session", "show", r->session_id, NULL);
  JsonArray *events = json_object_get_array_member (rd_test_links_obj (shown), "events");
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < json_array_get_length (events); i++)
    {
      JsonObject *e = json_array_get_object_element (events, i);
      const char *kind = json_object_get_string_member (e, "kind");
      if (g_str_has_prefix (kind, "link-") || g_str_equal (kind, "recording-gap"))
        g_string_append_printf (s, "%s%s", s->len ? " " : "", kind);
    }
  return g_string_free (s, FALSE);
}

/* The detail of the last event of @kind in @r's session, or NULL. (transfer full) */
JsonNode *
rd_test_links_last_event (RdTestRoom *r, const char *kind)
{
  g_autoptr (JsonNode) shown = rd_test_ctl_json (r->t, "session", "show", r->session_id, NULL);
  JsonArray *events = json_object_get_array_member (rd_test_links_obj (shown), "events");

  for (guint i = json_array_get_length (events); i-- > 0;)
    {
      JsonObject *e = json_array_get_object_element (events, i);
      if (g_str_equal (json_object_get_string_member (e, "kind"), kind))
        return json_node_copy (json_object_get_member (e, "detail"));
    }
  return NULL;
}

/* The token must never be on the record. */
void
rd_test_links_assert_no_token (RdTestRoom *r, const char *token)
{
  g_autoptr (JsonNode) shown = rd_test_ctl_json (r->t, "session", "show", r->session_id, NULL);
  g_autofree char *text = json_to_string (shown, FALSE);
  g_autofree char *log = rd_test_daemon_stderr (r->t);

  g_assert_null (strstr (text, token));
  g_assert_null (strstr (log, token));
}

/* How many times @word is in the space-separated @list. */
guint
rd_test_count_of (const char *list, const char *word)
{
  g_auto (GStrv) words = g_strsplit (list, " ", -1);
  guint n = 0;

  for (char **w = words; *w; w++)
    n += g_str_equal (*w, word);
  return n;
}
