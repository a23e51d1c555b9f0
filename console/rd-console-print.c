/* rd-console-print.c: see rd-console-print.h. */
#include "console/rd-console-print.h"

#include <stdio.h>

#include "console/rd-console-time.h"

static void print_layout_line (JsonObject *o);
static void print_sound_line (JsonObject *o);

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

static double
o_double (JsonObject *o, const char *name)
{
  return o ? json_object_get_double_member_with_default (o, name, 0) : 0;
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

/* Conferences joined: kind, state, URL, candidate pair, RTT, loss. */
static void
print_links (JsonArray *links)
{
  for (guint i = 0; links && i < json_array_get_length (links); i++)
    {
      JsonObject *l = json_array_get_object_element (links, i);
      printf ("  %-4s %-30s %s\n       pair %s rtt %" G_GINT64_FORMAT
              " ms loss %.1f%% (%" G_GINT64_FORMAT " packets lost) (link %s)\n",
              str (l, "kind"), str (l, "state_text"), str (l, "url"), str (l, "candidate_pair"),
              num (l, "rtt_ms"), o_double (l, "loss_percent"), num (l, "packets_lost"),
              str (l, "id"));
    }
}

/* What a state is to the officer: a session ended without having started was cancelled. */
static const char *
shown_state (JsonObject *s)
{
  if (g_strcmp0 (str (s, "state"), "ended") == 0 && g_strcmp0 (str (s, "started_at"), "-") == 0 &&
      g_str_has_prefix (str (s, "end_reason"), "cancelled"))
    return "cancelled";
  return str (s, "state");
}

static void
print_session_line (JsonObject *s)
{
  /* A scheduled session shows when it is scheduled for, in the STARTED column. */
  g_autofree char *id = rd_console_pad (str (s, "id"), 16);
  g_autofree char *state = rd_console_pad (shown_state (s), 11);
  g_autofree char *started = rd_console_time_shown (g_strcmp0 (str (s, "state"), "scheduled") == 0
                                                        ? str (s, "scheduled_for")
                                                        : str (s, "started_at"));
  g_autofree char *ended = rd_console_time_shown (str (s, "ended_at"));
  g_autofree char *started_col = rd_console_pad (started, 16);
  g_autofree char *ended_col = rd_console_pad (ended, 16);

  printf ("  %s %s %s %s %s\n", id, state, started_col, ended_col, str (s, "title"));
  if (obj (s, "timing"))
    rd_console_print_duties (obj (s, "timing"), "      ");
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
  {
    JsonArray *roles = arr (obj (o, "you"), "roles");
    g_autoptr (GString) held = g_string_new (NULL);

    for (guint i = 0; roles && i < json_array_get_length (roles); i++)
      g_string_append_printf (held, "%s%s", i ? ", " : "",
                              json_array_get_string_element (roles, i));
    printf ("you:      %s, roles: %s\n", str (obj (o, "you"), "user"),
            held->len ? held->str : "none (status and listings only)");
  }
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
  {
    JsonObject *a = obj (o, "archive");
    if (a && json_object_get_boolean_member_with_default (a, "enabled", FALSE))
      {
        g_autofree char *backlog = g_format_size (num (a, "backlog_bytes"));
        printf ("archive:  %" G_GINT64_FORMAT " queued (%s to upload), %" G_GINT64_FORMAT
                " failed, %" G_GINT64_FORMAT " archived\n",
                num (a, "queued"), backlog, num (a, "failed"), num (a, "archived"));
      }
    else
      printf ("archive:  off ([archive] url not set)\n");
  }
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
  if (obj (o, "layout"))
    print_layout_line (obj (o, "layout"));
  if (obj (o, "sound"))
    print_sound_line (obj (o, "sound"));
  printf ("parties:  %u\n", arr (o, "parties") ? json_array_get_length (arr (o, "parties")) : 0);
  print_parties (arr (o, "parties"));
  if (arr (o, "links") && json_array_get_length (arr (o, "links")) > 0)
    {
      printf ("links:    %u\n", json_array_get_length (arr (o, "links")));
      print_links (arr (o, "links"));
    }
  printf ("live sessions: %u\n", sessions ? json_array_get_length (sessions) : 0);
  for (guint i = 0; sessions && i < json_array_get_length (sessions); i++)
    print_session_line (json_array_get_object_element (sessions, i));
  rd_console_print_scheduled (arr (o, "scheduled"), str (o, "timezone"));
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
  printf ("  %-16s %-11s %-16s %-16s %s\n", "ID", "STATE", "STARTED", "ENDED", "TITLE");
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

/* "room-video,room-audio": the track names of a segment's "tracks" array. (transfer full) */
static char *
track_names (JsonObject *r)
{
  JsonArray *tracks = arr (r, "tracks");
  g_autoptr (GString) names = g_string_new (NULL);

  for (guint i = 0; tracks && i < json_array_get_length (tracks); i++)
    {
      JsonNode *t = json_array_get_element (tracks, i);
      JsonObject *o = JSON_NODE_HOLDS_OBJECT (t) ? json_node_get_object (t) : NULL;

      g_string_append_printf (names, "%s%s", names->len ? "," : "", str (o, "track"));
    }
  if (names->len == 0)
    g_string_append (names, "-");
  return g_string_free (g_steal_pointer (&names), FALSE);
}

/* One recording segment of "session show": number, tracks, state, duration, size, SHA-256, and
 * its file below. */
static void
print_segment (JsonObject *r)
{
  g_autofree char *tracks = track_names (r);
  g_autofree char *duration = NULL;
  g_autofree char *size = NULL;

  duration = num (r, "duration_ns") >= 0
                 ? g_strdup_printf ("%.3f s", (double)num (r, "duration_ns") / 1e9)
                 : g_strdup ("-");
  size = num (r, "size_bytes") >= 0 ? g_strdup_printf ("%" G_GINT64_FORMAT, num (r, "size_bytes"))
                                    : g_strdup ("-");
  printf ("  #%-5" G_GINT64_FORMAT " %-26s %-13s %10s %10s %s\n", num (r, "segment"), tracks,
          str (r, "state"), duration, size, str (r, "sha256"));
  printf ("         %s\n", str (r, "path"));
}

/* The playback recording: the conference tracks (the picture as the parties saw it and the full
 * mix), recorded while the room showed a conference picture; the other tracks are the evidence,
 * one per source. */
static void
print_playback (JsonArray *recs)
{
  guint n = 0;

  for (guint i = 0; recs && i < json_array_get_length (recs); i++)
    {
      g_autofree char *tracks = track_names (json_array_get_object_element (recs, i));
      n += g_str_has_prefix (tracks, "conference-");
    }
  if (n == 0)
    return;
  printf ("playback recording (the conference as the room showed and mixed it): %u segments\n", n);
  for (guint i = 0; recs && i < json_array_get_length (recs); i++)
    {
      JsonObject *r = json_array_get_object_element (recs, i);
      g_autofree char *tracks = track_names (r);
      if (g_str_has_prefix (tracks, "conference-"))
        printf ("  #%-5" G_GINT64_FORMAT " %-18s %s\n", num (r, "segment"), tracks,
                str (r, "path"));
    }
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
  printf ("  state:       %s\n", shown_state (s));
  {
    g_autofree char *created = rd_console_time_shown (str (s, "created_at"));
    g_autofree char *scheduled = rd_console_time_shown (str (s, "scheduled_for"));
    g_autofree char *started = rd_console_time_shown (str (s, "started_at"));
    g_autofree char *ended = rd_console_time_shown (str (s, "ended_at"));

    printf ("  created:     %s\n", created);
    printf ("  scheduled:   %s\n", scheduled);
    printf ("  started:     %s\n", started);
    printf ("  ended:       %s\n", ended);
  }
  printf ("  end reason:  %s\n", str (s, "end_reason"));
  printf ("participants: %u\n", parts ? json_array_get_length (parts) : 0);
  for (guint i = 0; parts && i < json_array_get_length (parts); i++)
    {
      JsonObject *p = json_array_get_object_element (parts, i);
      g_autofree char *name = rd_console_pad (str (p, "name"), 24);
      g_autofree char *joined = rd_console_time_shown (str (p, "joined_at"));
      g_autofree char *left = rd_console_time_shown (str (p, "left_at"));

      printf ("  %-8s %s joined %s left %s (%s)\n", str (p, "role"), name, joined, left,
              str (p, "leave_reason"));
    }
  rd_console_print_session_bridge (s);
  printf ("connected now: %u\n",
          arr (s, "live_parties") ? json_array_get_length (arr (s, "live_parties")) : 0);
  print_parties (arr (s, "live_parties"));
  if (arr (s, "live_links") && json_array_get_length (arr (s, "live_links")) > 0)
    {
      printf ("conferences joined: %u\n", json_array_get_length (arr (s, "live_links")));
      print_links (arr (s, "live_links"));
    }
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
  printf ("recording segments: %u\n", recs ? json_array_get_length (recs) : 0);
  if (recs && json_array_get_length (recs) > 0)
    printf ("  %-6s %-26s %-13s %10s %10s %s\n", "#", "TRACKS", "STATE", "DURATION", "SIZE",
            "SHA-256");
  for (guint i = 0; recs && i < json_array_get_length (recs); i++)
    print_segment (json_array_get_object_element (recs, i));
  print_playback (recs);
  rd_console_print_coverage (obj (s, "coverage"));
  printf ("events: %u\n", events ? json_array_get_length (events) : 0);
  for (guint i = 0; events && i < json_array_get_length (events); i++)
    {
      JsonObject *e = json_array_get_object_element (events, i);
      g_autofree char *at = rd_console_time_shown (str (e, "at"));

      printf ("  %s  %-22s by %s", at, str (e, "kind"), str (e, "actor"));
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
  g_autofree char *ended = rd_console_time_shown (str (o, "ended_at"));

  printf ("session %s ended at %s\n", str (o, "id"), ended);
}

void
rd_console_print_invite (JsonNode *result)
{
  JsonObject *o = json_node_get_object (result);

  const char *name = str (o, "name");
  g_autofree char *named =
      g_str_equal (name, "-") ? g_strdup ("") : g_strdup_printf (" (%s)", name);

  printf ("invite #%" G_GINT64_FORMAT " for session %s, role %s%s, expires %s\n",
          num (o, "invite_id"), str (o, "session_id"), str (o, "role"), named, str (o, "expires"));
  printf ("join page: %s\n", str (o, "join_url"));
  printf ("WHIP URL:  %s\n", str (o, "whip_url"));
  printf ("token:     %s\n", str (o, "token"));
  printf ("(the token is shown once; only its hash is kept)\n");
}

void
rd_console_print_muted (JsonNode *result)
{
  JsonObject *o = json_node_get_object (result);
  if (str (o, "party"))
    printf ("party %s: ", str (o, "party"));
  printf ("mic %s, camera %s\n", flag (o, "mic") ? "MUTED" : "on",
          flag (o, "camera") ? "MUTED" : "on");
}

/* {"processing", "echo_cancel", "noise_suppression", "gain_control", "echo_delay_ms"} */
static void
print_sound_line (JsonObject *o)
{
  if (!flag (o, "processing"))
    {
      printf ("sound:    microphone not processed (a test tone)\n");
      return;
    }
  printf ("sound:    echo cancellation %s", flag (o, "echo_cancel") ? "on" : "off");
  if (flag (o, "echo_cancel") && num (o, "echo_delay_ms") >= 0)
    printf (" (speakers' delay %" G_GINT64_FORMAT " ms)", num (o, "echo_delay_ms"));
  printf (", noise suppression %s, gain control %s\n", str (o, "noise_suppression"),
          flag (o, "gain_control") ? "on" : "off");
}

/* {"layout", "shown", "active_speaker"} */
static void
print_layout_line (JsonObject *o)
{
  printf ("layout:   %s (showing %s)", str (o, "layout"), str (o, "shown"));
  if (json_object_get_string_member_with_default (o, "active_speaker", NULL))
    printf (", active speaker %s", str (o, "active_speaker"));
  printf ("\n");
}

void
rd_console_print_layout (JsonNode *result)
{
  print_layout_line (json_node_get_object (result));
}

void
rd_console_print_recording_verify (JsonNode *result)
{
  JsonObject *o = json_node_get_object (result);
  JsonArray *segments = arr (o, "segments");
  guint n = segments ? json_array_get_length (segments) : 0;

  printf ("session %s: %u recording segment%s, %s\n", str (o, "session"), n, n == 1 ? "" : "s",
          flag (o, "ok") ? "intact" : "NOT INTACT");
  for (guint i = 0; i < n; i++)
    {
      JsonObject *s = json_array_get_object_element (segments, i);
      const char *detail = str (s, "detail");

      printf ("  #%-5" G_GINT64_FORMAT " %-13s %s%s%s\n", num (s, "segment"), str (s, "status"),
              str (s, "path"), g_strcmp0 (detail, "-") ? ": " : "",
              g_strcmp0 (detail, "-") ? detail : "");
    }
  if (obj (o, "archive") && !flag (obj (o, "archive"), "ok"))
    printf ("  in the archive: %s\n", str (obj (o, "archive"), "first_problem"));
  rd_console_print_coverage (obj (o, "coverage"));
}

int
rd_console_recording_verify_verdict (JsonNode *result)
{
  JsonObject *o = JSON_NODE_HOLDS_OBJECT (result) ? json_node_get_object (result) : NULL;
  JsonArray *segments = arr (o, "segments");
  JsonObject *bad = NULL;

  if (flag (o, "ok"))
    return 0;
  /* The first segment that is neither ok, archived nor open; else the first open one (open
   * after the session is over); else the archive's first problem. */
  for (guint i = 0; segments && i < json_array_get_length (segments) && !bad; i++)
    {
      JsonObject *s = json_array_get_object_element (segments, i);
      if (g_strcmp0 (str (s, "status"), "ok") != 0 && g_strcmp0 (str (s, "status"), "open") != 0 &&
          g_strcmp0 (str (s, "status"), "archived") != 0)
        bad = s;
    }
  for (guint i = 0; segments && i < json_array_get_length (segments) && !bad; i++)
    {
      JsonObject *s = json_array_get_object_element (segments, i);
      if (g_strcmp0 (str (s, "status"), "open") == 0)
        bad = s;
    }
  if (bad)
    fprintf (stderr,
             "receptionctl: the recording of session %s is not intact: segment %" G_GINT64_FORMAT
             " (%s) is %s%s%s\n",
             str (o, "session"), num (bad, "segment"), str (bad, "path"), str (bad, "status"),
             g_strcmp0 (str (bad, "detail"), "-") ? ": " : "",
             g_strcmp0 (str (bad, "detail"), "-") ? str (bad, "detail")
             : g_strcmp0 (str (bad, "status"), "open") == 0
                 ? " (still being recorded, but the session is over)"
                 : "");
  else if (obj (o, "archive") && !flag (obj (o, "archive"), "ok"))
    fprintf (stderr,
             "receptionctl: the recording of session %s is not intact: in the archive, %s\n",
             str (o, "session"), str (obj (o, "archive"), "first_problem"));
  else
    fprintf (stderr, "receptionctl: the recording of session %s is not intact\n",
             str (o, "session"));
  return 1;
}

void
rd_console_print_recording_control (JsonNode *result)
{
  JsonObject *o = JSON_NODE_HOLDS_OBJECT (result) ? json_node_get_object (result) : NULL;

  printf ("session %s: recording %s (reason: %s)\n", str (o, "session"), str (o, "recording"),
          str (o, "reason"));
}

void
rd_console_print_ledger_key (JsonNode *result)
{
  JsonObject *o = json_node_get_object (result);

  printf ("room key (%s), public key in hex (the raw 32 bytes):\n%s\n", str (o, "algorithm"),
          str (o, "public_key_hex"));
  printf ("public key in PEM (SubjectPublicKeyInfo):\n%s", str (o, "public_key_pem"));
}

void
rd_console_print_checkpoint (JsonNode *result)
{
  JsonObject *o = json_node_get_object (result);

  printf ("checkpoint signed: seq %" G_GINT64_FORMAT ", head %s, at %s (%s)\n", num (o, "seq"),
          str (o, "head_hash"), str (o, "at"), str (o, "reason"));
}

void
rd_console_print_checkpoint_export (JsonNode *result)
{
  g_autofree char *text = json_to_string (result, TRUE);

  printf ("%s\n", text);
}

void
rd_console_print_verify (JsonNode *result)
{
  JsonObject *o = json_node_get_object (result);

  printf ("ledger verified: %" G_GINT64_FORMAT " chain entries, %" G_GINT64_FORMAT
          " rows, %" G_GINT64_FORMAT " signed checkpoints, %" G_GINT64_FORMAT
          " sealed recording files%s\n",
          num (o, "entries"), num (o, "rows"), num (o, "checkpoints"), num (o, "recordings"),
          flag (o, "exported_checkpoint") ? ", exported checkpoint found in the chain" : "");
  if (num (o, "unchecked_rows") > 0)
    printf ("  %" G_GINT64_FORMAT " registration rows not compared with their entries: no book "
            "key\n",
            num (o, "unchecked_rows"));
}

void
rd_console_print_session_join (JsonNode *result)
{
  JsonObject *o = json_node_get_object (result);

  printf ("session %s joined:\n", str (o, "session"));
  print_links (arr (o, "links"));
}

void
rd_console_print_session_left (JsonNode *result)
{
  printf ("session %s: left every conference (DELETE sent)\n",
          str (json_node_get_object (result), "session"));
}
