/* rd-test-far.c: see rd-test-far.h. */
#include "tests/rd-test-far.h"

#include <string.h>

#include "tests/rd-test-probe.h"
#include "tests/rd-test-wait.h"

/* A receptiond on the far host (listening and doing ICE on its veth end). (transfer full) */
RdTestDaemon *
rd_test_far_daemon (RdTestVeth *v, const char *extra)
{
  g_autofree char *config = g_strdup_printf ("[network]\nlisten=%s:0\nice-addresses=%s\n%s",
                                             v->there_ip, v->there_ip, extra ? extra : "");
  RdTestDaemon *t = rd_test_daemon_new (config);

  rd_test_veth_enter (v);
  rd_test_daemon_spawn (t, NULL);
  rd_test_veth_leave (v);
  rd_test_daemon_wait_notify (t, "READY=1", 1, 20000);
  return t;
}

/* The first party in the daemon's status (NULL when none). (transfer none: inside @status) */
JsonObject *
rd_test_first_party (JsonNode *status)
{
  JsonArray *parties = json_object_get_array_member (json_node_get_object (status), "parties");
  return parties && json_array_get_length (parties) > 0 ? json_array_get_object_element (parties, 0)
                                                        : NULL;
}

/* Runs the main context until the monotonic time @until: the length of a fault, or the pace of
 * looking at a call that must hold (not a wait for an event). */
void
rd_test_run_until (gint64 until)
{
  guint tick = g_timeout_add (10, rd_test_wait_wake, NULL);
  while (g_get_monotonic_time () < until)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (tick);
}

void
rd_test_far_free (RdTestFar *r)
{
  rd_test_daemon_free (r->room);
  rd_test_daemon_free (r->far);
  g_free (r->far_cert);
  g_free (r->far_session);
  g_free (r->room_session);
  g_free (r->whip_url);
  g_free (r->whep_url);
  g_free (r->token);
  g_free (r);
}

static char *
start_session (RdTestDaemon *t)
{
  g_autofree char *out = NULL;
  g_assert_cmpint (rd_test_ctl (t, &out, NULL, "session", "start", NULL), ==, 0);
  return g_strstrip (g_strdup (out));
}

RdTestFar *
rd_test_far_join (RdTestVeth *v, gboolean whep)
{
  RdTestFar *r = g_new0 (RdTestFar, 1);
  g_autofree char *config = g_strdup_printf ("[network]\nice-addresses=%s\n", v->here_ip);
  g_autoptr (JsonNode) inv = NULL;
  g_autoptr (GString) whep_url = NULL;
  g_autofree char *err = NULL;

  r->whep = whep;
  r->far = rd_test_far_daemon (v, NULL);
  r->far_cert = g_build_filename (r->far->state_dir, "tls", "certificate.pem", NULL);
  r->far_session = start_session (r->far);
  inv = rd_test_ctl_json (r->far, "session", "invite", r->far_session, "--role", "board", NULL);
  r->whip_url = g_strdup (json_object_get_string_member (json_node_get_object (inv), "whip_url"));
  r->token = g_strdup (json_object_get_string_member (json_node_get_object (inv), "token"));
  whep_url = g_string_new (r->whip_url);
  g_string_replace (whep_url, "/whip/", "/whep/", 1);
  r->whep_url = g_string_free (g_steal_pointer (&whep_url), FALSE);

  r->room = rd_test_daemon_new (config);
  rd_test_daemon_start (r->room);
  r->room_session = start_session (r->room);
  if ((r->whep ? rd_test_ctl (r->room, NULL, &err, "session", "join", r->room_session, "--whip",
                              r->whip_url, "--token", r->token, "--whep", r->whep_url,
                              "--whep-token", r->token, "--ca", r->far_cert, NULL)
               : rd_test_ctl (r->room, NULL, &err, "session", "join", r->room_session, "--whip",
                              r->whip_url, "--token", r->token, "--ca", r->far_cert, NULL)) != 0)
    g_error ("session join failed: %s", err);
  return r;
}

/* "whip:STATE whep:STATE" of the room's links; *@status_out gets the status. (transfer full) */
static gint
by_text (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(char *const *)a, *(char *const *)b);
}

char *
rd_test_far_link_states (RdTestFar *r, JsonNode **status_out)
{
  g_autoptr (JsonNode) status = rd_test_ctl_json (r->room, "status", NULL);
  JsonObject *o = json_node_get_object (status);
  JsonArray *links =
      json_object_has_member (o, "links") ? json_object_get_array_member (o, "links") : NULL;
  g_autoptr (GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; links && i < json_array_get_length (links); i++)
    {
      JsonObject *l = json_array_get_object_element (links, i);
      g_ptr_array_add (parts, g_strdup_printf ("%s:%s", json_object_get_string_member (l, "kind"),
                                               json_object_get_string_member (l, "state")));
    }
  g_ptr_array_sort (parts, by_text); /* "whep:..." before "whip:..." */
  g_ptr_array_add (parts, NULL);
  if (status_out)
    *status_out = g_steal_pointer (&status);
  return g_strjoinv (" ", (char **)parts->pdata);
}

JsonObject *
rd_test_far_link_of (JsonNode *status, const char *kind)
{
  JsonArray *links = json_object_get_array_member (json_node_get_object (status), "links");
  for (guint i = 0; links && i < json_array_get_length (links); i++)
    {
      JsonObject *l = json_array_get_object_element (links, i);
      if (g_str_equal (json_object_get_string_member (l, "kind"), kind))
        return l;
    }
  g_error ("no %s link in the room's status", kind);
}

/* Polls until both links are @state (every 100 ms); fails with the last status. Returns the
 * seconds it took. */
double
rd_test_far_wait_links (RdTestFar *r, const char *state, guint timeout_s)
{
  g_autofree char *want = r->whep ? g_strdup_printf ("whep:%s whip:%s", state, state)
                                  : g_strdup_printf ("whip:%s", state);
  gint64 start = g_get_monotonic_time ();
  g_autofree char *seen = NULL;
  g_autoptr (JsonNode) status = NULL;

  for (;;)
    {
      g_free (seen);
      g_clear_pointer (&status, json_node_unref);
      seen = rd_test_far_link_states (r, &status);
      if (g_str_equal (seen, want))
        return (g_get_monotonic_time () - start) / (double)G_USEC_PER_SEC;
      if (g_get_monotonic_time () - start > timeout_s * G_USEC_PER_SEC)
        {
          g_autofree char *text = json_to_string (status, TRUE);
          g_error ("waited %u s for the links to be %s; they are %s; status: %s", timeout_s, state,
                   seen, text);
        }
      /* poll again in 100 ms; what the main context has meanwhile is taken in */
      g_usleep (100 * 1000);
      while (g_main_context_iteration (NULL, FALSE))
        ;
    }
}

/* The room session's link-* and recording-gap events, "kind@at" each, space-separated; and each
 * must have its time. (transfer full) */
char *
rd_test_far_link_events (RdTestFar *r)
{
  g_autoptr (JsonNode) shown = rd_test_ctl_json (r->room, "session", "show", r->room_session, NULL);
  JsonArray *events = json_object_get_array_member (json_node_get_object (shown), "events");
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < json_array_get_length (events); i++)
    {
      JsonObject *e = json_array_get_object_element (events, i);
      const char *kind = json_object_get_string_member (e, "kind");
      g_autofree char *text = json_to_string (json_array_get_element (events, i), FALSE);
      if (!g_str_has_prefix (kind, "link-") && !g_str_equal (kind, "recording-gap"))
        continue;
      g_assert_nonnull (strstr (text, "\"at\""));
      g_string_append_printf (s, "%s%s", s->len ? " " : "", kind);
    }
  return g_string_free (s, FALSE);
}

guint
rd_test_count (const char *haystack, const char *word)
{
  guint n = 0;
  for (const char *p = strstr (haystack, word); p; p = strstr (p + 1, word))
    n++;
  return n;
}

/* Seconds of @daemon's @session recorded in tracks whose path has @part and "-video". */
static double
video_seconds (RdTestDaemon *daemon, const char *session, const char *part, double *probed_s,
               gint64 *frames)
{
  g_autoptr (JsonNode) shown = rd_test_ctl_json (daemon, "session", "show", session, NULL);
  JsonArray *recs = json_object_get_array_member (json_node_get_object (shown), "recordings");
  double s = 0;

  *probed_s = 0;
  *frames = 0;
  for (guint i = 0; i < json_array_get_length (recs); i++)
    {
      JsonObject *rec = json_array_get_object_element (recs, i);
      const char *path = json_object_get_string_member (rec, "path");
      g_autofree char *file = NULL;
      g_autoptr (RdTestProbe) probe = NULL;
      g_autoptr (GError) error = NULL;

      if (!strstr (path, part) || !strstr (path, "-video"))
        continue;
      if (!json_object_get_null_member (rec, "duration_ns"))
        s += json_object_get_int_member (rec, "duration_ns") / 1e9;
      /* and what ffprobe, which nobody here wrote, says of the file */
      file = g_build_filename (daemon->state_dir, path, NULL);
      probe = rd_test_probe_file (file, &error);
      g_assert_no_error (error);
      *probed_s += MAX (probe->duration_s, 0);
      for (guint k = 0; k < probe->streams->len; k++)
        *frames += ((RdTestProbeStream *)probe->streams->pdata[k])->frames;
    }
  return s;
}

/* Ends both sessions; every recording segment of both verifies; returns the seconds of video
 * of the room that the far end recorded (its party tracks). */
double
rd_test_far_end_and_verify (RdTestFar *r, gint64 *far_frames_out)
{
  g_autofree char *out = NULL;
  double room_s, far_s, room_probed_s, far_probed_s;
  gint64 room_frames, far_frames;

  g_assert_cmpint (rd_test_ctl (r->room, NULL, NULL, "session", "end", r->room_session, NULL), ==,
                   0);
  g_assert_cmpint (rd_test_ctl (r->far, NULL, NULL, "session", "end", r->far_session, NULL), ==, 0);
  g_assert_cmpint (rd_test_ctl (r->room, &out, NULL, "recording", "verify", r->room_session, NULL),
                   ==, 0);
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (rd_test_ctl (r->far, &out, NULL, "recording", "verify", r->far_session, NULL),
                   ==, 0);
  room_s = video_seconds (r->room, r->room_session, "room-video", &room_probed_s, &room_frames);
  far_s = video_seconds (r->far, r->far_session, "party-", &far_probed_s, &far_frames);
  g_test_message (
      "recorded: the room's own video %.1f s in the ledger, %.1f s and %" G_GINT64_FORMAT
      " frames by ffprobe; the far end's video of the room %.1f s in the ledger, "
      "%.1f s and %" G_GINT64_FORMAT " frames by ffprobe",
      room_s, room_probed_s, room_frames, far_s, far_probed_s, far_frames);
  *far_frames_out = far_frames;
  return far_probed_s;
}

/* Seconds from @since_us (real time) to the last link-recovered event's "at". */
double
rd_test_far_recovered_after (RdTestFar *r, gint64 since_us)
{
  g_autoptr (JsonNode) shown = rd_test_ctl_json (r->room, "session", "show", r->room_session, NULL);
  JsonArray *events = json_object_get_array_member (json_node_get_object (shown), "events");
  double last = -1;

  for (guint i = 0; i < json_array_get_length (events); i++)
    {
      JsonObject *e = json_array_get_object_element (events, i);
      g_autofree char *text = json_to_string (json_array_get_element (events, i), FALSE);
      const char *at;
      g_autoptr (GDateTime) t = NULL;

      if (!g_str_equal (json_object_get_string_member (e, "kind"), "link-recovered"))
        continue;
      at = strstr (text, "\"at\":\"");
      g_assert_nonnull (at);
      {
        g_autofree char *iso = g_strndup (at + 6, strcspn (at + 6, "\""));
        t = g_date_time_new_from_iso8601 (iso, NULL);
        g_assert_nonnull (t);
      }
      last = MAX (last, (g_date_time_to_unix (t) * G_USEC_PER_SEC +
                         g_date_time_get_microsecond (t) - since_us) /
                            1e6);
    }
  return last;
}

JsonObject *
rd_test_far_party_via (JsonNode *far_status, const char *via)
{
  JsonArray *parties = json_object_get_array_member (json_node_get_object (far_status), "parties");
  for (guint i = 0; parties && i < json_array_get_length (parties); i++)
    {
      JsonObject *p = json_array_get_object_element (parties, i);
      if (g_strcmp0 (json_object_get_string_member_with_default (p, "via", "whip"), via) == 0)
        return p;
    }
  return NULL;
}

void
rd_test_far_wait_parties (RdTestFar *r, gint64 min_bytes, guint timeout_s)
{
  gint64 end = g_get_monotonic_time () + timeout_s * G_USEC_PER_SEC;
  guint want = r->whep ? 2 : 1;

  for (;;)
    {
      g_autoptr (JsonNode) status = rd_test_ctl_json (r->far, "status", NULL);
      JsonArray *parties = json_object_get_array_member (json_node_get_object (status), "parties");
      JsonObject *whip = rd_test_far_party_via (status, "whip");
      guint connected = 0;

      for (guint i = 0; parties && i < json_array_get_length (parties); i++)
        connected += g_str_equal (
            json_object_get_string_member (json_array_get_object_element (parties, i), "state"),
            "connected");
      if (connected == want && json_array_get_length (parties) == want && whip &&
          json_object_get_int_member (whip, "bytes_received") > min_bytes)
        return;
      if (g_get_monotonic_time () > end)
        {
          g_autofree char *text = json_to_string (
              json_object_get_member (json_node_get_object (status), "parties"), TRUE);
          g_error ("waited %u s for the far end to have %u parties connected, the WHIP one with "
                   "> %" G_GINT64_FORMAT " bytes received; its parties: %s",
                   timeout_s, want, min_bytes, text);
        }
      rd_test_run_until (g_get_monotonic_time () + 200 * 1000);
    }
}

static double
seconds_since (const char *iso, gint64 since_us)
{
  g_autoptr (GDateTime) t = g_date_time_new_from_iso8601 (iso, NULL);
  g_assert_nonnull (t);
  return (g_date_time_to_unix (t) * G_USEC_PER_SEC + g_date_time_get_microsecond (t) - since_us) /
         1e6;
}

char *
rd_test_far_link_story (RdTestFar *r, gint64 since_us)
{
  g_autoptr (JsonNode) shown = rd_test_ctl_json (r->room, "session", "show", r->room_session, NULL);
  JsonArray *events = json_object_get_array_member (json_node_get_object (shown), "events");
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < json_array_get_length (events); i++)
    {
      JsonObject *e = json_array_get_object_element (events, i);
      const char *kind = json_object_get_string_member (e, "kind");
      JsonNode *dn = json_object_get_member (e, "detail");
      JsonObject *d = dn && JSON_NODE_HOLDS_OBJECT (dn) ? json_node_get_object (dn) : NULL;
      static const char *const says[] = { "reason", "result", "via", "down_s", NULL };

      if (!d || (!g_str_has_prefix (kind, "link-") && !g_str_equal (kind, "recording-gap")))
        continue;
      g_string_append_printf (
          s, "%+7.1f s  %-16s %-4s",
          seconds_since (json_object_get_string_member_with_default (d, "at", ""), since_us), kind,
          json_object_get_string_member_with_default (d, "link_kind", "?"));
      for (const char *const *k = says; *k; k++)
        if (json_object_has_member (d, *k))
          {
            g_autofree char *v = json_to_string (json_object_get_member (d, *k), FALSE);
            g_string_append_printf (s, " %s=%s", *k, v);
          }
      g_string_append_c (s, '\n');
    }
  return g_string_free (s, FALSE);
}
