/* rd-signal-console-events.c: the console's status feed (see rd-signal-console-events.h). Each
 * open stream is a paused chunked response: a push appends a chunk and unpauses it. */
#include "signaling/rd-signal-console-events.h"
#include "signaling/rd-signal-console.h"

#include <string.h>

#define STREAM_KEY "rd-signal-console-stream"
#define RETRY      "retry: 1000\n\n"
#define NOT_LOGGED_IN                                                                              \
  "{\"error\":{\"code\":\"not-logged-in\",\"message\":\"log in to the console first\"}}"

struct _RdSignalConsoleEvents
{
  RdSignalConsoleCheck check;
  gpointer check_data;
  char *last;      /* the last status pushed, NULL before the first */
  guint max_age_s; /* how long a stream stays open */
  GPtrArray *open; /* SoupServerMessage (a reference each) of the open streams */
};

typedef struct
{
  RdSignalConsoleEvents *events;
  SoupServerMessage *msg; /* borrowed: the entry in events->open holds it */
  char *cookie;
  guint end_timer;
  gboolean ending;
} Stream;

static void
stream_free (Stream *s)
{
  g_clear_handle_id (&s->end_timer, g_source_remove);
  g_free (s->cookie);
  g_free (s);
}

/* libsoup is done with the message, or its connection is gone: forget the stream (the signal's
 * emission holds the message while the list lets go of it). */
static void
on_finished (SoupServerMessage *msg, gpointer user_data)
{
  RdSignalConsoleEvents *events = user_data;

  g_signal_handlers_disconnect_by_func (msg, on_finished, user_data);
  g_object_set_data (G_OBJECT (msg), STREAM_KEY, NULL);
  g_ptr_array_remove_fast (events->open, msg);
}

static void
stream_write (SoupServerMessage *msg, const char *text)
{
  soup_message_body_append (soup_server_message_get_response_body (msg), SOUP_MEMORY_COPY, text,
                            strlen (text));
  soup_server_message_unpause (msg);
}

/* "event: status" and each line of @json as a "data:" line. */
static void
stream_send_status (SoupServerMessage *msg, const char *json)
{
  g_autoptr (GString) event = g_string_new ("event: status\n");
  g_auto (GStrv) lines = g_strsplit (json, "\n", -1);

  for (char **l = lines; *l; l++)
    g_string_append_printf (event, "data: %s\n", *l);
  g_string_append_c (event, '\n');
  stream_write (msg, event->str);
}

static void
stream_end (Stream *s)
{
  if (s->ending)
    return;
  s->ending = TRUE;
  g_clear_handle_id (&s->end_timer, g_source_remove);
  soup_message_body_complete (soup_server_message_get_response_body (s->msg));
  soup_server_message_unpause (s->msg);
}

static gboolean
stream_end_timeout (gpointer user_data)
{
  Stream *s = user_data;

  s->end_timer = 0;
  stream_end (s);
  return G_SOURCE_REMOVE;
}

/* The value of the console's cookie in the request, or NULL. (transfer full) */
static char *
request_cookie (SoupServerMessage *msg)
{
  const char *header =
      soup_message_headers_get_one (soup_server_message_get_request_headers (msg), "Cookie");
  GHashTable *pairs = header ? soup_header_parse_semi_param_list (header) : NULL;
  char *value = pairs ? g_strdup (g_hash_table_lookup (pairs, RD_SIGNAL_CONSOLE_COOKIE)) : NULL;

  if (pairs)
    soup_header_free_param_list (pairs);
  return value;
}

static gboolean
session_live (RdSignalConsoleEvents *events, const char *cookie)
{
  return cookie && *cookie && events->check && events->check (cookie, events->check_data);
}

static void
handle_events (SoupServer *soup, SoupServerMessage *msg, const char *path, GHashTable *query,
               gpointer user_data)
{
  RdSignalConsoleEvents *events = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  const char *method = soup_server_message_get_method (msg);
  g_autofree char *cookie = NULL;
  Stream *s;

  rd_signal_console_set_headers (msg);
  if (!g_str_equal (path, RD_SIGNAL_CONSOLE_EVENTS_PATH))
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      return;
    }
  if (!g_str_equal (method, "GET"))
    {
      soup_message_headers_replace (headers, "Allow", "GET");
      soup_server_message_set_status (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, NULL);
      return;
    }
  cookie = request_cookie (msg);
  if (!session_live (events, cookie))
    {
      soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_STATIC, NOT_LOGGED_IN,
                                        strlen (NOT_LOGGED_IN));
      soup_server_message_set_status (msg, SOUP_STATUS_UNAUTHORIZED, NULL);
      return;
    }
  soup_message_headers_replace (headers, "Content-Type", "text/event-stream; charset=utf-8");
  soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);

  s = g_new0 (Stream, 1);
  s->events = events;
  s->msg = msg;
  s->cookie = g_steal_pointer (&cookie);
  s->end_timer = g_timeout_add_seconds (events->max_age_s, stream_end_timeout, s);
  g_object_set_data_full (G_OBJECT (msg), STREAM_KEY, s, (GDestroyNotify)stream_free);
  g_ptr_array_add (events->open, g_object_ref (msg));
  g_signal_connect (msg, "finished", G_CALLBACK (on_finished), events);
  g_signal_connect (msg, "disconnected", G_CALLBACK (on_finished), events);

  soup_message_body_append (soup_server_message_get_response_body (msg), SOUP_MEMORY_STATIC, RETRY,
                            strlen (RETRY));
  if (events->last)
    stream_send_status (msg, events->last);
}

RdSignalConsoleEvents *
rd_signal_console_events_new (void)
{
  RdSignalConsoleEvents *events = g_new0 (RdSignalConsoleEvents, 1);

  events->open = g_ptr_array_new_with_free_func (g_object_unref);
  events->max_age_s = RD_SIGNAL_CONSOLE_EVENTS_MAX_S;
  return events;
}

void
rd_signal_console_events_set_check (RdSignalConsoleEvents *events, RdSignalConsoleCheck check,
                                    gpointer user_data)
{
  g_return_if_fail (events != NULL);
  events->check = check;
  events->check_data = user_data;
}

void
rd_signal_console_events_set_max_age (RdSignalConsoleEvents *events, guint seconds)
{
  g_return_if_fail (events != NULL && seconds >= 1);
  events->max_age_s = seconds;
}

void
rd_signal_console_events_attach (RdSignalConsoleEvents *events, SoupServer *soup)
{
  g_return_if_fail (events != NULL);
  g_return_if_fail (SOUP_IS_SERVER (soup));
  soup_server_add_handler (soup, RD_SIGNAL_CONSOLE_EVENTS_PATH, handle_events, events, NULL);
}

/* Runs @func on each open stream; a stream may finish meanwhile (its message then has no
 * stream any more and is skipped). */
static void
each_stream (RdSignalConsoleEvents *events, void (*func) (Stream *s, gpointer data), gpointer data)
{
  g_autoptr (GPtrArray) snapshot = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < events->open->len; i++)
    g_ptr_array_add (snapshot, g_object_ref (events->open->pdata[i]));
  for (guint i = 0; i < snapshot->len; i++)
    {
      Stream *s = g_object_get_data (G_OBJECT (snapshot->pdata[i]), STREAM_KEY);
      if (s && !s->ending)
        func (s, data);
    }
}

static void
push_one (Stream *s, gpointer data)
{
  if (!session_live (s->events, s->cookie))
    stream_end (s);
  else
    stream_send_status (s->msg, data);
}

void
rd_signal_console_events_push (RdSignalConsoleEvents *events, const char *json)
{
  g_return_if_fail (events != NULL);
  g_return_if_fail (json != NULL);
  g_free (events->last);
  events->last = g_strdup (json);
  each_stream (events, push_one, events->last);
}

guint
rd_signal_console_events_count (RdSignalConsoleEvents *events)
{
  g_return_val_if_fail (events != NULL, 0);
  return events->open->len;
}

static void
end_one (Stream *s, gpointer data)
{
  stream_end (s);
}

void
rd_signal_console_events_close_all (RdSignalConsoleEvents *events)
{
  g_return_if_fail (events != NULL);
  each_stream (events, end_one, NULL);
}

void
rd_signal_console_events_free (RdSignalConsoleEvents *events)
{
  if (!events)
    return;
  rd_signal_console_events_close_all (events);
  /* Streams libsoup has not finished yet: forget them (their messages keep their own data). */
  for (guint i = 0; i < events->open->len; i++)
    g_signal_handlers_disconnect_by_func (events->open->pdata[i], on_finished, events);
  g_ptr_array_unref (events->open);
  g_free (events->last);
  g_free (events);
}
