/* rd-test-join-stub.c: the join page tests' stub WHIP server, fixture and page helpers. See
 * rd-test-join-stub.h. */
#include "tests/rd-test-join-stub.h"

#include "signaling/rd-signal-join.h"
#include "tests/rd-test-netns.h"

#include <string.h>

static char *netns_why;

static void
request_free (RdTestJoinRequest *r)
{
  g_free (r->method);
  g_free (r->path);
  g_free (r->authorization);
  g_free (r->content_type);
  g_free (r->if_match);
  g_free (r->body);
  g_free (r);
}

void
rd_test_join_enter_netns (void)
{
  if (!rd_test_enter_netns (&netns_why))
    g_assert_nonnull (netns_why);
}

/* ---- the stub server ---- */

/* An answer to @offer that Chromium accepts: same mids and kinds, one codec each, sendrecv, a
 * made-up fingerprint and no candidates (so ICE never completes). */
static char *
fake_answer (const char *offer)
{
  g_auto (GStrv) lines = g_strsplit (offer, "\n", -1);
  g_autoptr (GString) sections = g_string_new (NULL);
  g_autoptr (GString) bundle = g_string_new ("a=group:BUNDLE");
  GString *answer;
  char *kind = NULL;
  char *mid = NULL;
  char *rtpmap = NULL;

  for (guint i = 0;; i++)
    {
      char *line = lines[i] ? g_strstrip (lines[i]) : NULL;
      if (!line || g_str_has_prefix (line, "m="))
        {
          if (kind && mid && rtpmap)
            {
              g_string_append_printf (bundle, " %s", mid);
              g_string_append_printf (
                  sections,
                  "m=%s 9 UDP/TLS/RTP/SAVPF %.*s\r\nc=IN IP4 0.0.0.0\r\n"
                  "a=ice-ufrag:fAke\r\na=ice-pwd:fakefakefakefakefakefake\r\n"
                  "a=fingerprint:sha-256 "
                  "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:"
                  "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF\r\n"
                  "a=setup:active\r\na=mid:%s\r\na=sendrecv\r\na=rtcp-mux\r\na=rtpmap:%s\r\n",
                  kind, (int)strcspn (rtpmap, " "), rtpmap, mid, rtpmap);
            }
          g_clear_pointer (&kind, g_free);
          g_clear_pointer (&mid, g_free);
          g_clear_pointer (&rtpmap, g_free);
          if (!line)
            break;
          kind = g_strndup (line + 2, strcspn (line + 2, " "));
        }
      else if (g_str_has_prefix (line, "a=mid:"))
        mid = g_strdup (line + 6);
      else if (g_str_has_prefix (line, "a=rtpmap:") && !rtpmap &&
               (strstr (line, " opus/48000/2") || strstr (line, " VP8/90000")))
        rtpmap = g_strdup (line + 9);
    }
  answer = g_string_new ("v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n");
  g_string_append_printf (answer, "%s\r\n%s", bundle->str, sections->str);
  return g_string_free (answer, FALSE);
}

static void
reply_text (SoupServerMessage *msg, guint status, const char *text)
{
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_COPY, text, strlen (text));
}

static void
handle (SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
        gpointer user_data)
{
  RdTestJoin *f = user_data;
  SoupMessageHeaders *in = soup_server_message_get_request_headers (msg);
  SoupMessageHeaders *out = soup_server_message_get_response_headers (msg);
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  g_autoptr (GBytes) bytes = soup_message_body_flatten (body);
  RdTestJoinRequest *r = g_new0 (RdTestJoinRequest, 1);
  const char *method = soup_server_message_get_method (msg);

  r->method = g_strdup (method);
  r->path = g_strdup (path);
  r->authorization = g_strdup (soup_message_headers_get_one (in, "Authorization"));
  r->content_type = g_strdup (soup_message_headers_get_one (in, "Content-Type"));
  r->if_match = g_strdup (soup_message_headers_get_one (in, "If-Match"));
  r->body = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  r->when_us = g_get_monotonic_time ();
  g_ptr_array_add (f->requests, r);
  soup_message_headers_replace (out, "Cache-Control", "no-store");

  if (g_str_equal (path, "/join/" RD_TEST_JOIN_SESSION_ID) && g_str_equal (method, "GET"))
    {
      g_autoptr (GBytes) page = rd_signal_join_page ();
      soup_server_message_set_status (msg, 200, NULL);
      soup_server_message_set_response (msg, "text/html; charset=utf-8", SOUP_MEMORY_COPY,
                                        g_bytes_get_data (page, NULL), g_bytes_get_size (page));
    }
  else if (g_str_equal (path, "/whip/" RD_TEST_JOIN_SESSION_ID) && g_str_equal (method, "POST"))
    {
      if (f->answer_post)
        {
          g_assert_null (f->answerer);
          f->answerer = f->answer_post (msg, r->body);
        }
      else if (f->post_status == 201)
        {
          g_autofree char *answer = fake_answer (r->body);
          soup_server_message_set_status (msg, 201, NULL);
          soup_message_headers_replace (out, "Location", RD_TEST_JOIN_PEER_PATH);
          soup_message_headers_replace (out, "ETag", "\"" RD_TEST_JOIN_ETAG "\"");
          soup_message_headers_append (out, "Link", "<stun:127.0.0.1:3478>; rel=\"ice-server\"");
          soup_server_message_set_response (msg, "application/sdp", SOUP_MEMORY_COPY, answer,
                                            strlen (answer));
        }
      else
        {
          if (f->post_status == 401)
            soup_message_headers_replace (out, "WWW-Authenticate", "Bearer");
          if (f->post_status == 429 || f->post_status == 503)
            soup_message_headers_replace (out, "Retry-After", "7");
          reply_text (msg, f->post_status, "stub says no.");
        }
    }
  else if (g_str_equal (path, RD_TEST_JOIN_PEER_PATH) && g_str_equal (method, "PATCH"))
    {
      if (g_strcmp0 (r->if_match, "\"" RD_TEST_JOIN_ETAG "\"") == 0)
        {
          if (f->answerer)
            f->add_candidates (f->answerer, r->body);
          soup_server_message_set_status (msg, 204, NULL);
        }
      else
        reply_text (msg, r->if_match ? 412 : 428, "bad If-Match.");
    }
  else if (g_str_equal (path, RD_TEST_JOIN_PEER_PATH) && g_str_equal (method, "DELETE"))
    soup_server_message_set_status (msg, 200, NULL);
  else
    reply_text (msg, 404, "no such thing.");
}

/* ---- fixture ---- */

static gboolean
can_run (void)
{
  g_autofree char *why = NULL;

  if (netns_why)
    {
      g_test_skip (netns_why);
      return FALSE;
    }
  if (!rd_test_chromium_available (&why))
    {
      g_test_skip (why);
      return FALSE;
    }
  return TRUE;
}

void
rd_test_join_set_up (RdTestJoin *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  GSList *uris;

  f->requests = g_ptr_array_new_with_free_func ((GDestroyNotify)request_free);
  f->post_status = 201;
  if (!can_run ())
    return;
  f->server = soup_server_new ("server-header", "rd-test-join", NULL);
  soup_server_add_handler (f->server, NULL, handle, f, NULL);
  soup_server_listen (f->server, address, 0, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (f->server);
  g_assert_nonnull (uris);
  f->origin = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify)g_uri_unref);

  f->chromium = rd_test_chromium_start (&error);
  g_assert_no_error (error);
  g_test_message ("chromium started and attached in %.0f ms",
                  rd_test_chromium_get_start_ms (f->chromium));
}

void
rd_test_join_tear_down (RdTestJoin *f, gconstpointer data)
{
  g_clear_pointer (&f->chromium, rd_test_chromium_free);
  g_clear_pointer (&f->answerer, f->answerer_free);
  if (f->server)
    soup_server_disconnect (f->server);
  g_clear_object (&f->server);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_clear_pointer (&f->requests, g_ptr_array_unref);
  g_free (f->origin);
}

/* ---- helpers ---- */

JsonNode *
rd_test_join_eval (RdTestJoin *f, const char *js)
{
  g_autoptr (GError) error = NULL;
  JsonNode *node = rd_test_chromium_eval (f->chromium, js, RD_TEST_JOIN_STEP_TIMEOUT_MS, &error);

  g_assert_no_error (error);
  return node;
}

gboolean
rd_test_join_eval_bool (RdTestJoin *f, const char *js)
{
  g_autoptr (JsonNode) node = rd_test_join_eval (f, js);

  g_assert_true (JSON_NODE_HOLDS_VALUE (node));
  return json_node_get_boolean (node);
}

char *
rd_test_join_eval_string (RdTestJoin *f, const char *js)
{
  g_autoptr (JsonNode) node = rd_test_join_eval (f, js);

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_autofree char *json = json_to_string (node, FALSE);
      g_error ("%s: expected a string, got %s", js, json);
    }
  return g_strdup (json_node_get_string (node));
}

gint64
rd_test_join_eval_int (RdTestJoin *f, const char *js)
{
  g_autoptr (JsonNode) node = rd_test_join_eval (f, js);

  g_assert_true (JSON_NODE_HOLDS_VALUE (node));
  return json_node_get_int (node);
}

void
rd_test_join_wait_page (RdTestJoin *f, const char *condition, const char *describe,
                        guint timeout_ms)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) node =
      rd_test_chromium_wait (f->chromium, condition, describe, timeout_ms, &error);

  g_assert_no_error (error);
}

static gboolean
timeout_cb (gpointer user_data)
{
  *(gboolean *)user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static RdTestJoinRequest *
find_request (RdTestJoin *f, const char *method, const char *path)
{
  for (guint i = 0; i < f->requests->len; i++)
    {
      RdTestJoinRequest *r = f->requests->pdata[i];
      if (g_str_equal (r->method, method) && g_str_equal (r->path, path))
        return r;
    }
  return NULL;
}

guint
rd_test_join_count_requests (RdTestJoin *f, const char *method, const char *path)
{
  guint n = 0;

  for (guint i = 0; i < f->requests->len; i++)
    {
      RdTestJoinRequest *r = f->requests->pdata[i];
      n += g_str_equal (r->method, method) && g_str_equal (r->path, path);
    }
  return n;
}

RdTestJoinRequest *
rd_test_join_wait_request (RdTestJoin *f, const char *method, const char *path, guint timeout_ms)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add (timeout_ms, timeout_cb, &timed_out);
  RdTestJoinRequest *r;

  while (!(r = find_request (f, method, path)) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!r)
    {
      g_autoptr (GString) seen = g_string_new (NULL);
      for (guint i = 0; i < f->requests->len; i++)
        {
          RdTestJoinRequest *s = f->requests->pdata[i];
          g_string_append_printf (seen, " %s %s;", s->method, s->path);
        }
      g_error ("no %s %s within %u ms; the stub saw:%s", method, path, timeout_ms, seen->str);
    }
  g_source_remove (id);
  return r;
}

static char *
join_url (RdTestJoin *f, const char *fragment)
{
  return g_strdup_printf ("%s/join/" RD_TEST_JOIN_SESSION_ID "%s", f->origin,
                          fragment ? fragment : "");
}

void
rd_test_join_assert_no_external_requests (RdTestJoin *f)
{
  g_autoptr (GPtrArray) urls = rd_test_chromium_get_requests (f->chromium);
  g_autofree char *prefix = g_strconcat (f->origin, "/", NULL);

  g_assert_cmpuint (urls->len, >, 0);
  for (guint i = 0; i < urls->len; i++)
    {
      const char *url = urls->pdata[i];
      if (!g_str_has_prefix (url, prefix) && !g_str_has_prefix (url, "data:") &&
          !g_str_equal (url, "about:blank"))
        g_error ("the page requested %s, outside %s", url, f->origin);
    }
  for (guint i = 0; i < f->requests->len; i++)
    {
      RdTestJoinRequest *r = f->requests->pdata[i];
      if (!g_str_equal (r->path, "/join/" RD_TEST_JOIN_SESSION_ID) &&
          !g_str_equal (r->path, "/whip/" RD_TEST_JOIN_SESSION_ID) &&
          !g_str_equal (r->path, RD_TEST_JOIN_PEER_PATH))
        g_error ("the page requested %s %s (favicon? a script?)", r->method, r->path);
    }
}

void
rd_test_join_open_page (RdTestJoin *f, const char *fragment)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *url = join_url (f, fragment);
  gint64 t0 = g_get_monotonic_time ();

  rd_test_chromium_open (f->chromium, url, RD_TEST_JOIN_LOAD_TIMEOUT_MS, &error);
  g_assert_no_error (error);
  g_test_message ("page loaded in %.0f ms", (g_get_monotonic_time () - t0) / 1000.0);
}
