/* rd-test-janus-subscriber.c: a VideoRoom subscriber over Janus's HTTP API (rd-test-janus.h).
 * Janus answers a plugin "message" with "ack" and sends the plugin's reply as an event, taken
 * with a long poll (GET on the session: one event, or a keepalive after 30 s). */
#include <string.h>

#include "tests/rd-test-janus-private.h"

#define EVENT_TIMEOUT_S 20

struct _RdTestJanusSubscriber
{
  RdTestJanus *j;
  char *session_path; /* "/<session id>" */
  char *handle_path;  /* "/<session id>/<handle id>" */
  guint transactions;
};

/* Sends @body (a VideoRoom request, JSON) with @jsep (may be NULL) as a plugin message; returns
 * its transaction. (transfer full) */
static char *
send_message (RdTestJanusSubscriber *s, const char *body, const char *jsep)
{
  g_autoptr (JsonNode) acked = NULL;
  char *transaction = g_strdup_printf ("rdsub%u", ++s->transactions);
  g_autofree char *json =
      g_strdup_printf ("{\"janus\":\"message\",\"transaction\":\"%s\",\"body\":%s%s%s}",
                       transaction, body, jsep ? ",\"jsep\":" : "", jsep ? jsep : "");

  rd_test_janus_request (s->j, s->handle_path, json, "ack", &acked);
  return transaction;
}

/* Long-polls the session until the event of @transaction comes; its plugin data (an error
 * there fails the test). Other events (webrtcup, media, keepalives) are passed over. *@keep
 * holds the event. (transfer none) */
static JsonObject *
wait_event (RdTestJanusSubscriber *s, const char *transaction, JsonNode **keep)
{
  gint64 end = g_get_monotonic_time () + EVENT_TIMEOUT_S * G_TIME_SPAN_SECOND;
  g_autofree char *url = g_strdup_printf ("%s%s", s->j->janus_api, s->session_path);
  g_autoptr (GString) passed = g_string_new (NULL);

  for (;;)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *body = NULL;
      gint64 left_s = (end - g_get_monotonic_time ()) / G_TIME_SPAN_SECOND;
      guint status;
      JsonObject *o, *data;

      if (left_s < 0)
        {
          g_autofree char *logs = rd_test_janus_logs (s->j);
          g_error ("no Janus event for transaction %s in %d s; passed over: %s%s", transaction,
                   EVENT_TIMEOUT_S, passed->str, logs);
        }
      status = rd_test_janus_http ("GET", url, NULL, (guint)left_s + 1, &body, &error);
      if (status == 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
        continue; /* the deadline decides */
      if (status != 200)
        {
          g_autofree char *logs = rd_test_janus_logs (s->j);
          g_error ("Janus long poll GET %s: %u %s%s", url, status, status ? body : error->message,
                   logs);
        }
      g_clear_pointer (keep, json_node_unref);
      *keep = json_from_string (body, NULL);
      if (!*keep || !JSON_NODE_HOLDS_OBJECT (*keep))
        g_error ("Janus long poll GET %s: not a JSON object: %s", url, body);
      o = json_node_get_object (*keep);
      if (g_strcmp0 (json_object_get_string_member_with_default (o, "transaction", NULL),
                     transaction) != 0 ||
          !json_object_has_member (o, "plugindata"))
        {
          g_string_append_printf (passed, "%s%s", passed->len ? ", " : "",
                                  json_object_get_string_member_with_default (o, "janus", "?"));
          continue;
        }
      data =
          json_object_get_object_member (json_object_get_object_member (o, "plugindata"), "data");
      if (!data || json_object_has_member (data, "error"))
        g_error ("Janus event for %s: %s", transaction, body);
      return data;
    }
}

/* The id of the publisher shown as @display in @room, from listparticipants on @s's handle. */
static gint64
feed_of (RdTestJanusSubscriber *s, guint room, const char *display)
{
  g_autoptr (JsonNode) listed = NULL;
  g_autofree char *list =
      g_strdup_printf ("{\"janus\":\"message\",\"transaction\":\"rdlist\",\"body\":"
                       "{\"request\":\"listparticipants\",\"room\":%u}}",
                       room);
  JsonObject *o = rd_test_janus_request (s->j, s->handle_path, list, "success", &listed);
  JsonObject *data =
      json_object_get_object_member (json_object_get_object_member (o, "plugindata"), "data");
  JsonArray *parts = json_object_has_member (data, "participants")
                         ? json_object_get_array_member (data, "participants")
                         : NULL;
  g_autofree char *text = NULL;

  for (guint i = 0; parts && i < json_array_get_length (parts); i++)
    {
      JsonObject *p = json_array_get_object_element (parts, i);
      if (json_object_get_boolean_member_with_default (p, "publisher", FALSE) &&
          g_strcmp0 (json_object_get_string_member_with_default (p, "display", NULL), display) == 0)
        return json_object_get_int_member (p, "id");
    }
  text = json_to_string (listed, FALSE);
  g_error ("no publisher \"%s\" in Janus room %u: %s", display, room, text);
  return 0;
}

RdTestJanusSubscriber *
rd_test_janus_subscribe (RdTestJanus *j, guint room, const char *display, char **offer)
{
  RdTestJanusSubscriber *s = g_new0 (RdTestJanusSubscriber, 1);
  g_autoptr (JsonNode) created = NULL;
  g_autoptr (JsonNode) attached = NULL;
  g_autoptr (JsonNode) event = NULL;
  g_autofree char *join = NULL;
  g_autofree char *transaction = NULL;
  JsonObject *o, *data, *jsep = NULL;

  s->j = j;
  o = rd_test_janus_request (j, "", "{\"janus\":\"create\",\"transaction\":\"rdsub\"}", "success",
                             &created);
  s->session_path = g_strdup_printf (
      "/%" G_GINT64_FORMAT,
      json_object_get_int_member (json_object_get_object_member (o, "data"), "id"));
  o = rd_test_janus_request (j, s->session_path,
                             "{\"janus\":\"attach\",\"plugin\":\"janus.plugin.videoroom\","
                             "\"transaction\":\"rdattach\"}",
                             "success", &attached);
  s->handle_path = g_strdup_printf (
      "%s/%" G_GINT64_FORMAT, s->session_path,
      json_object_get_int_member (json_object_get_object_member (o, "data"), "id"));

  join = g_strdup_printf ("{\"request\":\"join\",\"ptype\":\"subscriber\",\"room\":%u,"
                          "\"streams\":[{\"feed\":%" G_GINT64_FORMAT "}]}",
                          room, feed_of (s, room, display));
  transaction = send_message (s, join, NULL);
  data = wait_event (s, transaction, &event);
  o = json_node_get_object (event);
  if (json_object_has_member (o, "jsep"))
    jsep = json_object_get_object_member (o, "jsep");
  if (g_strcmp0 (json_object_get_string_member_with_default (data, "videoroom", NULL),
                 "attached") != 0 ||
      !jsep ||
      g_strcmp0 (json_object_get_string_member_with_default (jsep, "type", NULL), "offer") != 0)
    {
      g_autofree char *text = json_to_string (event, FALSE);
      g_error ("Janus's reply to a subscriber's join has no offer: %s", text);
    }
  *offer = g_strdup (json_object_get_string_member (jsep, "sdp"));
  return s;
}

void
rd_test_janus_subscriber_start (RdTestJanusSubscriber *s, const char *answer)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (JsonNode) event = NULL;
  g_autofree char *jsep = NULL;
  g_autofree char *transaction = NULL;
  JsonObject *data;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "answer");
  json_builder_set_member_name (b, "sdp");
  json_builder_add_string_value (b, answer);
  /* every candidate is in the SDP: Janus waits for no trickle */
  json_builder_set_member_name (b, "trickle");
  json_builder_add_boolean_value (b, FALSE);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  jsep = json_to_string (root, FALSE);
  transaction = send_message (s, "{\"request\":\"start\"}", jsep);
  data = wait_event (s, transaction, &event);
  if (g_strcmp0 (json_object_get_string_member_with_default (data, "started", NULL), "ok") != 0)
    {
      g_autofree char *text = json_to_string (event, FALSE);
      g_error ("Janus's reply to a subscriber's start: %s", text);
    }
}

void
rd_test_janus_subscriber_free (RdTestJanusSubscriber *s)
{
  if (!s)
    return;
  if (s->session_path && !s->j->janus_exited)
    {
      /* best effort: the harness kills Janus next anyway */
      g_autofree char *url = g_strdup_printf ("%s%s", s->j->janus_api, s->session_path);
      rd_test_janus_http ("POST", url, "{\"janus\":\"destroy\",\"transaction\":\"rdbye\"}", 5, NULL,
                          NULL);
    }
  g_free (s->session_path);
  g_free (s->handle_path);
  g_free (s);
}
