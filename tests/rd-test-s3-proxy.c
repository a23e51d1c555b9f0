/* rd-test-s3-proxy.c: the 503 proxy in front of s3rver. See rd-test-s3-proxy.h. */
#include "tests/rd-test-s3-proxy.h"

#include <libsoup/soup.h>
#include <string.h>

struct _RdTestS3Proxy
{
  char *upstream, *url;
  guint fail_first, fail_every, retry_after;
  gint requests, refused, calm; /* atomic */
  GThread *thread;
  GMainContext *context;
  GMainLoop *loop;
  GMutex lock;
  GCond ready;
  gboolean started;
  char *hold;                   /* under lock */
  char *head_name, *head_value; /* under lock */
  guint holding;                /* under lock */
  GCond released;               /* signalled when hold is cleared */
};

#define SLOW_DOWN                                                                                  \
  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SlowDown</Code><Message>Please "       \
  "reduce your request rate.</Message></Error>"

static gboolean
hop_by_hop (const char *name)
{
  return !g_ascii_strcasecmp (name, "Host") || !g_ascii_strcasecmp (name, "Content-Length") ||
         !g_ascii_strcasecmp (name, "Transfer-Encoding") ||
         !g_ascii_strcasecmp (name, "Connection") || !g_ascii_strcasecmp (name, "Keep-Alive");
}

static void
copy_headers (SoupMessageHeaders *from, SoupMessageHeaders *to)
{
  SoupMessageHeadersIter iter;
  const char *name, *value;

  soup_message_headers_iter_init (&iter, from);
  while (soup_message_headers_iter_next (&iter, &name, &value))
    if (!hop_by_hop (name))
      soup_message_headers_append (to, name, value);
}

static void
forward (RdTestS3Proxy *p, SoupSession *session, SoupServerMessage *msg)
{
  GUri *in = soup_server_message_get_uri (msg);
  const char *method = soup_server_message_get_method (msg);
  g_autofree char *target = g_strdup_printf ("%s%s%s%s", p->upstream, g_uri_get_path (in),
                                             g_uri_get_query (in) ? "?" : "",
                                             g_uri_get_query (in) ? g_uri_get_query (in) : "");
  g_autoptr (SoupMessage) out = soup_message_new (method, target);
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  g_autoptr (GBytes) sent = soup_message_body_flatten (body);
  g_autoptr (GBytes) got = NULL;
  g_autoptr (GError) error = NULL;
  SoupMessageHeaders *response = soup_server_message_get_response_headers (msg);
  const char *length;

  g_assert_nonnull (out);
  copy_headers (soup_server_message_get_request_headers (msg),
                soup_message_get_request_headers (out));
  if (g_bytes_get_size (sent) > 0 || g_str_equal (method, "PUT") || g_str_equal (method, "POST"))
    soup_message_set_request_body_from_bytes (
        out,
        soup_message_headers_get_content_type (soup_server_message_get_request_headers (msg), NULL),
        sent);
  got = soup_session_send_and_read (session, out, NULL, &error);
  if (!got)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_BAD_GATEWAY, NULL);
      return;
    }
  soup_server_message_set_status (msg, soup_message_get_status (out), NULL);
  copy_headers (soup_message_get_response_headers (out), response);
  length = soup_message_headers_get_one (soup_message_get_response_headers (out), "Content-Length");
  if (g_str_equal (method, "HEAD"))
    {
      g_mutex_lock (&p->lock);
      if (p->head_name)
        soup_message_headers_replace (response, p->head_name, p->head_value);
      g_mutex_unlock (&p->lock);
      /* no body; the object's length as the server gave it */
      if (length)
        soup_message_headers_set_content_length (response, g_ascii_strtoll (length, NULL, 10));
      return;
    }
  soup_server_message_set_response (
      msg, soup_message_headers_get_content_type (soup_message_get_response_headers (out), NULL),
      SOUP_MEMORY_COPY, g_bytes_get_data (got, NULL), g_bytes_get_size (got));
}

static void
handle (SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
        gpointer data)
{
  RdTestS3Proxy *p = data;
  SoupSession *session = g_object_get_data (G_OBJECT (server), "session");
  guint n = (guint)g_atomic_int_add (&p->requests, 1) + 1;
  g_autofree char *uri = g_uri_to_string (soup_server_message_get_uri (msg));
  gboolean held = FALSE;
  gboolean refuse;

  g_mutex_lock (&p->lock);
  while (p->hold && strstr (uri, p->hold))
    {
      held = TRUE;
      p->holding++;
      g_cond_wait (&p->released, &p->lock);
      p->holding--;
    }
  g_mutex_unlock (&p->lock);
  refuse = held || (!g_atomic_int_get (&p->calm) &&
                    (n <= p->fail_first || (p->fail_every && n > p->fail_first &&
                                            (n - p->fail_first) % p->fail_every == 0)));

  if (!refuse)
    {
      forward (p, session, msg);
      return;
    }
  g_atomic_int_inc (&p->refused);
  if (p->retry_after)
    {
      g_autofree char *s = g_strdup_printf ("%u", p->retry_after);
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Retry-After",
                                    s);
    }
  soup_server_message_set_status (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, NULL);
  soup_server_message_set_response (msg, "application/xml", SOUP_MEMORY_STATIC, SLOW_DOWN,
                                    strlen (SLOW_DOWN));
}

static gpointer
serve (gpointer data)
{
  RdTestS3Proxy *p = data;
  g_autoptr (SoupServer) server = soup_server_new (NULL, NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocketAddress) address = g_inet_socket_address_new_from_string ("127.0.0.1", 0);
  GSList *uris;

  g_main_context_push_thread_default (p->context);
  g_object_set_data_full (G_OBJECT (server), "session", soup_session_new (), g_object_unref);
  soup_server_add_handler (server, NULL, handle, p, NULL);
  g_assert_true (soup_server_listen (server, address, 0, &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (server);
  g_mutex_lock (&p->lock);
  p->url = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
  p->started = TRUE;
  g_cond_signal (&p->ready);
  g_mutex_unlock (&p->lock);
  g_slist_free_full (uris, (GDestroyNotify)g_uri_unref);
  g_main_loop_run (p->loop);
  soup_server_disconnect (server);
  g_main_context_pop_thread_default (p->context);
  return NULL;
}

RdTestS3Proxy *
rd_test_s3_proxy_new (const char *upstream, guint fail_first, guint fail_every, guint retry_after)
{
  RdTestS3Proxy *p = g_new0 (RdTestS3Proxy, 1);

  p->upstream = g_strdup (upstream);
  p->fail_first = fail_first;
  p->fail_every = fail_every;
  p->retry_after = retry_after;
  p->context = g_main_context_new ();
  p->loop = g_main_loop_new (p->context, FALSE);
  g_mutex_init (&p->lock);
  g_cond_init (&p->ready);
  g_cond_init (&p->released);
  p->thread = g_thread_new ("rd-test-s3-proxy", serve, p);
  g_mutex_lock (&p->lock);
  while (!p->started)
    g_cond_wait (&p->ready, &p->lock);
  g_mutex_unlock (&p->lock);
  return p;
}

static gboolean
quit (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

void
rd_test_s3_proxy_free (RdTestS3Proxy *p)
{
  if (!p)
    return;
  rd_test_s3_proxy_release (p);
  g_main_context_invoke (p->context, quit, p->loop);
  g_thread_join (p->thread);
  g_main_loop_unref (p->loop);
  g_main_context_unref (p->context);
  g_mutex_clear (&p->lock);
  g_cond_clear (&p->ready);
  g_cond_clear (&p->released);
  g_free (p->hold);
  g_free (p->head_name);
  g_free (p->head_value);
  g_free (p->upstream);
  g_free (p->url);
  g_free (p);
}

const char *
rd_test_s3_proxy_url (RdTestS3Proxy *p)
{
  return p->url;
}

void
rd_test_s3_proxy_hold (RdTestS3Proxy *p, const char *what)
{
  g_mutex_lock (&p->lock);
  g_free (p->hold);
  p->hold = g_strdup (what);
  g_mutex_unlock (&p->lock);
}

void
rd_test_s3_proxy_release (RdTestS3Proxy *p)
{
  g_mutex_lock (&p->lock);
  g_clear_pointer (&p->hold, g_free);
  g_cond_broadcast (&p->released);
  g_mutex_unlock (&p->lock);
}

guint
rd_test_s3_proxy_holding (RdTestS3Proxy *p)
{
  guint n;

  g_mutex_lock (&p->lock);
  n = p->holding;
  g_mutex_unlock (&p->lock);
  return n;
}

void
rd_test_s3_proxy_set_head_header (RdTestS3Proxy *p, const char *name, const char *value)
{
  g_mutex_lock (&p->lock);
  g_free (p->head_name);
  g_free (p->head_value);
  p->head_name = g_strdup (name);
  p->head_value = g_strdup (value);
  g_mutex_unlock (&p->lock);
}

void
rd_test_s3_proxy_calm (RdTestS3Proxy *p)
{
  g_atomic_int_set (&p->calm, 1);
}

guint
rd_test_s3_proxy_requests (RdTestS3Proxy *p)
{
  return (guint)g_atomic_int_get (&p->requests);
}

guint
rd_test_s3_proxy_refused (RdTestS3Proxy *p)
{
  return (guint)g_atomic_int_get (&p->refused);
}
