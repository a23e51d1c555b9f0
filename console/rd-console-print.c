/* rd-console-print.c: see rd-console-print.h. */
#include "console/rd-console-print.h"

#include <stdio.h>

static const char *
str (JsonObject *o, const char *name)
{
  JsonNode *n = o ? json_object_get_member (o, name) : NULL;

  if (!n || !JSON_NODE_HOLDS_VALUE (n))
    return "-";
  if (json_node_get_value_type (n) == G_TYPE_STRING)
    return json_node_get_string (n);
  return "-";
}

static gint64
num (JsonObject *o, const char *name)
{
  return o ? json_object_get_int_member_with_default (o, name, -1) : -1;
}

static JsonObject *
obj (JsonObject *o, const char *name)
{
  JsonNode *n = o ? json_object_get_member (o, name) : NULL;
  return n && JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
}

static JsonArray *
arr (JsonObject *o, const char *name)
{
  JsonNode *n = o ? json_object_get_member (o, name) : NULL;
  return n && JSON_NODE_HOLDS_ARRAY (n) ? json_node_get_array (n) : NULL;
}

static gboolean
flag (JsonObject *o, const char *name)
{
  return o ? json_object_get_boolean_member_with_default (o, name, FALSE) : FALSE;
}

/* Live parties with their connection state and a few stats. */
static void
print_parties (JsonArray *parties)
{
  for (guint i = 0; parties && i < json_array_get_length (parties); i++)
    {
      JsonObject *p = json_array_get_object_element (parties, i);
      printf ("  %-8s %-20s %-13s from %-15s in %4" G_GINT64_FORMAT " kbit/s out %4" G_GINT64_FORMAT
              " kbit/s lost %" G_GINT64_FORMAT " rtt %" G_GINT64_FORMAT " ms (%s)\n",
              str (p, "role"), str (p, "name"), str (p, "state"), str (p, "remote_address"),
              num (p, "bitrate_in_kbps"), num (p, "bitrate_out_kbps"), num (p, "packets_lost"),
              num (p, "rtt_ms"), str (p, "peer_id"));
    }
}

static void
print_session_line (JsonObject *s)
{
  /* A scheduled session shows when it is scheduled for, in the STARTED column. */
  printf ("  %-16s %-11s %-27s %-27s %s\n", str (s, "id"), str (s, "state"),
          g_strcmp0 (str (s, "state"), "scheduled") == 0 ? str (s, "scheduled_for")
                                                         : str (s, "started_at"),
          str (s, "ended_at"), str (s, "title"));
}

void
rd_console_print_status (JsonNode *result)
{
  JsonObject *o = json_node_get_object (result);
  JsonObject *disk = obj (o, "disk");
  JsonArray *devices = arr (o, "devices");
  JsonArray *sessions = arr (o, "sessions");
  JsonArray *restart = arr (o, "restart_needed");

  printf ("receptiond %s (pid %" G_GINT64_FORMAT ", up %" G_GINT64_FORMAT " s), room \"%s\"\n",
          str (o, "version"), num (o, "pid"), num (o, "uptime_s"), str (o, "room"));
  printf ("state:    %s\n", str (o, "status"));
  printf ("config:   %s\n", str (o, "config"));
  printf ("HTTPS:    %s (certificate %s)\n", str (obj (o, "listener"), "url"),
          str (obj (o, "listener"), "certificate_fingerprint"));
  printf ("console:  %s\n", str (o, "control_socket"));
  printf ("ledger:   %s (schema %" G_GINT64_FORMAT ")\n", str (obj (o, "ledger"), "path"),
          num (obj (o, "ledger"), "schema_version"));
  if (disk && num (disk, "total_bytes") > 0)
    {
      g_autofree char *free_text = g_format_size (num (disk, "free_bytes"));
      g_autofree char *total_text = g_format_size (num (disk, "total_bytes"));
      printf ("disk:     %s free of %s in %s\n", free_text, total_text, str (disk, "path"));
    }
  else
    printf ("disk:     unknown for %s\n", str (disk, "path"));
  printf ("devices:\n");
  for (guint i = 0; devices && i < json_array_get_length (devices); i++)
    {
      JsonObject *d = json_array_get_object_element (devices, i);
      printf ("  %-11s %-14s %-14s %-11s %s\n", str (d, "role"), str (d, "setting"),
              str (d, "element"),
              json_object_get_boolean_member_with_default (d, "available", FALSE) ? "ok"
                                                                                  : "UNAVAILABLE",
              str (d, "detail"));
    }
  printf ("muted:    mic %s, camera %s\n", flag (obj (o, "muted"), "mic") ? "MUTED" : "on",
          flag (obj (o, "muted"), "camera") ? "MUTED" : "on");
  printf ("parties:  %u\n", arr (o, "parties") ? json_array_get_length (arr (o, "parties")) : 0);
  print_parties (arr (o, "parties"));
  printf ("live sessions: %u\n", sessions ? json_array_get_length (sessions) : 0);
  for (guint i = 0; sessions && i < json_array_get_length (sessions); i++)
    print_session_line (json_array_get_object_element (sessions, i));
  if (restart && json_array_get_length (restart) > 0)
    {
      printf ("changed in the config file, waiting for a restart:");
      for (guint i = 0; i < json_array_get_length (restart); i++)
        printf (" %s", json_array_get_string_element (restart, i));
      printf ("\n");
    }
}

void
rd_console_print_session_list (JsonNode *result)
{
  JsonArray *a = json_node_get_array (result);

  if (json_array_get_length (a) == 0)
    {
      printf ("no sessions\n");
      return;
    }
  printf ("  %-16s %-11s %-27s %-27s %s\n", "ID", "STATE", "STARTED", "ENDED", "TITLE");
  for (guint i = 0; i < json_array_get_length (a); i++)
    print_session_line (json_array_get_object_element (a, i));
}

static void
print_detail (JsonNode *detail)
{
  g_autofree char *text = NULL;

  if (!detail || JSON_NODE_HOLDS_NULL (detail))
    return;
  text = json_to_string (detail, FALSE);
  printf (" %s", text);
}

void
rd_console_print_session (JsonNode *result)
{
  JsonObject *s = json_node_get_object (result);
  JsonArray *parts = arr (s, "participants");
  JsonArray *recs = arr (s, "recordings");
  JsonArray *events = arr (s, "events");

  printf ("session %s\n", str (s, "id"));
  printf ("  title:       %s\n", str (s, "title"));
  printf ("  state:       %s\n", str (s, "state"));
  printf ("  created:     %s\n", str (s, "created_at"));
  printf ("  scheduled:   %s\n", str (s, "scheduled_for"));
  printf ("  started:     %s\n", str (s, "started_at"));
  printf ("  ended:       %s\n", str (s, "ended_at"));
  printf ("  end reason:  %s\n", str (s, "end_reason"));
  printf ("participants: %u\n", parts ? json_array_get_length (parts) : 0);
  for (guint i = 0; parts && i < json_array_get_length (parts); i++)
    {
      JsonObject *p = json_array_get_object_element (parts, i);
      printf ("  %-8s %-24s joined %s left %s (%s)\n", str (p, "role"), str (p, "name"),
              str (p, "joined_at"), str (p, "left_at"), str (p, "leave_reason"));
    }
  printf ("connected now: %u\n",
          arr (s, "live_parties") ? json_array_get_length (arr (s, "live_parties")) : 0);
  print_parties (arr (s, "live_parties"));
  {
    JsonArray *invites = arr (s, "invites");
    printf ("invites: %u\n", invites ? json_array_get_length (invites) : 0);
    for (guint i = 0; invites && i < json_array_get_length (invites); i++)
      {
        JsonObject *v = json_array_get_object_element (invites, i);
        printf ("  #%" G_GINT64_FORMAT " %-8s %-20s expires %s%s%s\n", num (v, "id"),
                str (v, "role"), str (v, "name"), str (v, "expires_at"),
                g_strcmp0 (str (v, "revoked_at"), "-") ? " REVOKED " : "",
                g_strcmp0 (str (v, "revoked_at"), "-") ? str (v, "revoked_at") : "");
      }
  }
  printf ("recordings: %u\n", recs ? json_array_get_length (recs) : 0);
  for (guint i = 0; recs && i < json_array_get_length (recs); i++)
    {
      JsonObject *r = json_array_get_object_element (recs, i);
      printf ("  #%" G_GINT64_FORMAT " %s sha256 %s\n", num (r, "segment"), str (r, "path"),
              str (r, "sha256"));
    }
  printf ("events: %u\n", events ? json_array_get_length (events) : 0);
  for (guint i = 0; events && i < json_array_get_length (events); i++)
    {
      JsonObject *e = json_array_get_object_element (events, i);
      printf ("  %s  %-22s by %s", str (e, "at"), str (e, "kind"), str (e, "actor"));
      print_detail (json_object_get_member (e, "detail"));
      printf ("\n");
    }
}

void
rd_console_print_session_id (JsonNode *result)
{
  printf ("%s\n", str (json_node_get_object (result), "id"));
}

void
rd_console_print_session_ended (JsonNode *result)
{
  JsonObject *o = json_node_get_object (result);
  printf ("session %s ended at %s\n", str (o, "id"), str (o, "ended_at"));
}

void
rd_console_print_invite (JsonNode *result)
{
  JsonObject *o = json_node_get_object (result);

  printf ("invite #%" G_GINT64_FORMAT " for session %s, role %s, expires %s\n",
          num (o, "invite_id"), str (o, "session_id"), str (o, "role"), str (o, "expires"));
  printf ("join page: %s\n", str (o, "join_url"));
  printf ("WHIP URL:  %s\n", str (o, "whip_url"));
  printf ("token:     %s\n", str (o, "token"));
  printf ("(the token is shown once; only its hash is kept)\n");
}

void
rd_console_print_muted (JsonNode *result)
{
  JsonObject *o = json_node_get_object (result);
  printf ("mic %s, camera %s\n", flag (o, "mic") ? "MUTED" : "on",
          flag (o, "camera") ? "MUTED" : "on");
}
