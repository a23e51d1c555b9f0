/* rd-test-client.c: the fixture of the WHIP/WHEP client's tests; see rd-test-client.h. */
#include "tests/rd-test-client.h"
#include "tests/rd-test-signal.h"
#include "signaling/rd-signal-error.h"

#include <string.h>

#include <glib/gstdio.h>

/* ---- The scripted server ---------------------------------------------------------------- */

static void
seen_free (gpointer data)
{
  RdTestSeen *s = data;

  g_free (s->method);
  g_free (s->path);
  g_free (s->auth);
  g_free (s->if_match);
  g_free (s->content_type);
  g_free (s->body);
  g_free (s);
}

static void
set_reply (SoupServerMessage *msg, const RdTestReply *reply)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  g_auto (GStrv) lines = g_strsplit (reply->headers ? reply->headers : "", "\n", -1);

  for (guint i = 0; lines[i]; i++)
    {
      char *colon = strchr (lines[i], ':');
      if (!colon)
        continue;
      *colon = '\0';
      soup_message_headers_append (headers, lines[i], g_strstrip (colon + 1));
    }
  if (reply->body)
    soup_server_message_set_response (msg, reply->content_type, SOUP_MEMORY_COPY, reply->body,
                                      strlen (reply->body));
  soup_server_message_set_status (msg, reply->status, reply->reason);
}

void
rd_test_client_handle (SoupServer *server, SoupServerMessage *msg, const char *path,
                       GHashTable *query, gpointer user_data)
{
  RdTestClientFixture *f = user_data;
  SoupMessageHeaders *in = soup_server_message_get_request_headers (msg);
  g_autoptr (GBytes) body = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  RdTestSeen *s = g_new0 (RdTestSeen, 1);
  const RdTestReply *reply;
  gsize len = 0;
  const char *data = g_bytes_get_data (body, &len);

  s->method = g_strdup (soup_server_message_get_method (msg));
  s->path = g_strdup (path);
  s->auth = g_strdup (soup_message_headers_get_one (in, "Authorization"));
  s->if_match = g_strdup (soup_message_headers_get_one (in, "If-Match"));
  s->content_type = g_strdup (soup_message_headers_get_content_type (in, NULL));
  s->body = g_strndup (data ? data : "", len);
  g_ptr_array_add (f->seen, s);

  g_assert_nonnull (f->script);
  reply = &f->script[MIN (f->script_pos, f->script_len - 1)];
  f->script_pos++;
  if (reply->status == 0)
    {
      soup_server_message_pause (msg);
      g_ptr_array_add (f->held, g_object_ref (msg));
      return;
    }
  set_reply (msg, reply);
}

/* Answers the oldest held request with @reply. */
void
rd_test_client_release (RdTestClientFixture *f, const RdTestReply *reply)
{
  SoupServerMessage *msg;

  g_assert_cmpuint (f->held->len, >, 0);
  msg = f->held->pdata[0];
  g_ptr_array_remove_index (f->held, 0);
  set_reply (msg, reply);
  soup_server_message_unpause (msg);
  g_object_unref (msg);
}

char *
rd_test_client_listen (SoupServer *server, SoupServerListenOptions options)
{
  g_autoptr (GError) error = NULL;
  GSList *uris;
  char *base;

  g_assert_true (
      soup_server_listen_local (server, 0, options | SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (server);
  g_assert_nonnull (uris);
  base = g_strdup_printf ("%s://127.0.0.1:%d", g_uri_get_scheme (uris->data),
                          g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify)g_uri_unref);
  return base;
}

void
rd_test_client_setup (RdTestClientFixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->tmpdir = g_dir_make_tmp ("test-signal-client-XXXXXX", &error);
  g_assert_no_error (error);
  f->context = g_main_context_new ();
  g_main_context_push_thread_default (f->context);
  f->seen = g_ptr_array_new_with_free_func (seen_free);
  f->held = g_ptr_array_new ();
  f->failures = g_ptr_array_new_with_free_func (g_free);
  f->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (f->server, NULL, rd_test_client_handle, f, NULL);
  f->base = rd_test_client_listen (f->server, 0);
}

void
rd_test_client_teardown (RdTestClientFixture *f, gconstpointer data)
{
  while (f->held->len)
    {
      static const RdTestReply gone = { 503 };
      rd_test_client_release (f, &gone);
    }
  soup_server_disconnect (f->server);
  g_clear_object (&f->server);
  while (g_main_context_iteration (f->context, FALSE))
    ;
  g_main_context_pop_thread_default (f->context);
  g_main_context_unref (f->context);
  g_ptr_array_unref (f->seen);
  g_ptr_array_unref (f->held);
  g_ptr_array_unref (f->failures);
  g_free (f->base);
  rd_test_signal_rm_rf (f->tmpdir);
  g_free (f->tmpdir);
}

/* ---- Waiting ---------------------------------------------------------------------------- */

typedef struct
{
  RdTestClientFixture *f;
  RdTestClientCondition cond;
} Wait;

static gboolean
holds (gpointer a, gconstpointer data)
{
  Wait *w = a;

  return w->cond (w->f, data);
}

gboolean
rd_test_client_wait_until (RdTestClientFixture *f, RdTestClientCondition cond, gconstpointer data)
{
  Wait w = { f, cond };

  return rd_test_signal_wait (f->context, RD_TEST_CLIENT_WAIT_MS, holds, &w, data);
}

static gboolean
result_ready (RdTestClientFixture *f, gconstpointer data)
{
  return *(GAsyncResult *const *)data != NULL;
}

static gboolean
seen_at_least (RdTestClientFixture *f, gconstpointer data)
{
  return f->seen->len >= GPOINTER_TO_UINT (data);
}

static gboolean
held_at_least (RdTestClientFixture *f, gconstpointer data)
{
  return f->held->len >= GPOINTER_TO_UINT (data);
}

void
rd_test_client_wait_seen (RdTestClientFixture *f, guint n)
{
  if (!rd_test_client_wait_until (f, seen_at_least, GUINT_TO_POINTER (n)))
    g_error ("the server saw %u requests in %d ms, expected %u", f->seen->len,
             RD_TEST_CLIENT_WAIT_MS, n);
}

void
rd_test_client_wait_held (RdTestClientFixture *f, guint n)
{
  if (!rd_test_client_wait_until (f, held_at_least, GUINT_TO_POINTER (n)))
    g_error ("%u requests held after %d ms, expected %u", f->held->len, RD_TEST_CLIENT_WAIT_MS, n);
}

/* Runs what is ready on the context (idle sources included) without blocking. */
void
rd_test_client_drain (RdTestClientFixture *f)
{
  while (g_main_context_iteration (f->context, FALSE))
    ;
}

void
rd_test_client_on_result (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **)user_data = g_object_ref (result);
}

GAsyncResult *
rd_test_client_wait_result (RdTestClientFixture *f, GAsyncResult **slot, const char *what)
{
  if (!rd_test_client_wait_until (f, result_ready, slot))
    g_error ("%s: no result within %d ms (server saw %u requests)", what, RD_TEST_CLIENT_WAIT_MS,
             f->seen->len);
  return *slot;
}

RdTestSeen *
rd_test_client_seen (RdTestClientFixture *f, guint i)
{
  g_assert_cmpuint (i, <, f->seen->len);
  return f->seen->pdata[i];
}

/* ---- The client ------------------------------------------------------------------------- */

RdSignalClient *
rd_test_client_new (RdTestClientFixture *f, RdSignalClientKind kind, const char *path)
{
  RdSignalClientOptions options = { .allow_http = TRUE, .timeout_s = 10 };
  g_autofree char *url = g_strconcat (f->base, path, NULL);
  g_autoptr (GError) error = NULL;
  RdSignalClient *client = rd_signal_client_new (kind, url, RD_TEST_TOKEN, &options, &error);

  g_assert_no_error (error);
  return client;
}

RdSignalAnswer *
rd_test_client_post (RdTestClientFixture *f, RdSignalClient *client, guint deadline_s,
                     GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  rd_signal_client_post_async (client, RD_TEST_OFFER, deadline_s, NULL, rd_test_client_on_result,
                               &result);
  return rd_signal_client_post_finish (client, rd_test_client_wait_result (f, &result, "POST"),
                                       error);
}

gboolean
rd_test_client_delete (RdTestClientFixture *f, RdSignalClient *client, GError **error)
{
  g_autoptr (GAsyncResult) result = NULL;

  rd_signal_client_delete_async (client, NULL, rd_test_client_on_result, &result);
  return rd_signal_client_delete_finish (client, rd_test_client_wait_result (f, &result, "DELETE"),
                                         error);
}

void
rd_test_client_assert_hides (const char *message, const char *secret)
{
  gsize len = strlen (secret), part = MIN (len, 8);

  for (gsize i = 0; i + part <= len; i++)
    {
      g_autofree char *piece = g_strndup (secret + i, part);

      if (strstr (message, piece))
        g_error ("'%s' shows '%s', a part of a secret", message, piece);
    }
}

void
rd_test_client_assert_error (const GError *error, int code, const char *mention)
{
  g_assert_nonnull (error);
  g_test_message ("error: %s", error->message);
  g_assert_error (error, RD_SIGNAL_ERROR, code);
  if (mention && !strstr (error->message, mention))
    g_error ("error '%s' should mention '%s'", error->message, mention);
  rd_test_client_assert_hides (error->message, RD_TEST_TOKEN);
}

void
rd_test_client_on_refused (RdSignalClient *client, gpointer user_data)
{
  ((RdTestClientFixture *)user_data)->refused++;
}

void
rd_test_client_on_failed (RdSignalClient *client, const char *message, gpointer user_data)
{
  g_ptr_array_add (((RdTestClientFixture *)user_data)->failures, g_strdup (message));
}

gboolean
rd_test_client_has_line (const char *text, const char *line)
{
  g_autofree char *with_eol = g_strconcat (line, "\r\n", NULL);

  return strstr (text, with_eol) != NULL;
}
