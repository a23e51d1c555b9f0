/* rd-signal-console-api.c: the room console's JSON API: routes, the HTTP checks signaling makes
 * alone, and RdConsoleRequest, handed up through "console-request" and answered by the daemon.
 * See rd-signal-console.h for the contract. */
#include "signaling/rd-signal-console-private.h"
#include "signaling/rd-signal-console.h"
#include "signaling/rd-signal-whip-private.h"

#include <string.h>

struct _RdConsoleRequest
{
  RdConsoleApi api;
  JsonNode *body; /* POST: an object */
  char *cookie;
  char *csrf;
  GHashTable *query; /* decoded name -> value */
  char *remote_address;

  SoupServerMessage *msg; /* NULL once nothing can be sent on it */
  gulong disconnected_id;
  gulong finished_id;
  guint timeout_id;
  gboolean answered;
};

/* Where requests go up: the server and its "console-request" signal. */
typedef struct
{
  GObject *emitter; /* not a reference: it outlives the SoupServer */
  guint signal_id;
} Emitter;

static const struct
{
  const char *path;
  const char *method;
  RdConsoleApi api;
} routes[] = {
  { RD_SIGNAL_CONSOLE_API_PATH "/login", "POST", RD_CONSOLE_API_LOGIN },
  { RD_SIGNAL_CONSOLE_API_PATH "/logout", "POST", RD_CONSOLE_API_LOGOUT },
  { RD_SIGNAL_CONSOLE_API_PATH "/session", "GET", RD_CONSOLE_API_SESSION },
  { RD_SIGNAL_CONSOLE_API_PATH "/call", "POST", RD_CONSOLE_API_CALL },
  { RD_SIGNAL_CONSOLE_API_PATH "/recording", "GET", RD_CONSOLE_API_RECORDING },
  { RD_SIGNAL_CONSOLE_API_PATH "/password", "POST", RD_CONSOLE_API_PASSWORD },
  { RD_SIGNAL_CONSOLE_API_PATH "/preview", "GET", RD_CONSOLE_API_PREVIEW },
  { RD_SIGNAL_CONSOLE_API_PATH "/book.xlsx", "GET", RD_CONSOLE_API_BOOK_XLSX },
  { RD_SIGNAL_CONSOLE_API_PATH "/book.pdf", "GET", RD_CONSOLE_API_BOOK_PDF },
  { RD_SIGNAL_CONSOLE_API_PATH "/report.xlsx", "GET", RD_CONSOLE_API_REPORT_XLSX },
  { RD_SIGNAL_CONSOLE_API_PATH "/report.pdf", "GET", RD_CONSOLE_API_REPORT_PDF },
};

/* {"error": {"code", "message", ...@extra}} as @status on @msg. */
static void
set_error (SoupServerMessage *msg, guint status, const char *code, const char *message,
           JsonObject *extra)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *text = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "error");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "code");
  json_builder_add_string_value (b, code);
  json_builder_set_member_name (b, "message");
  json_builder_add_string_value (b, message);
  if (extra)
    {
      JsonObjectIter iter;
      const char *name;
      JsonNode *value;

      json_object_iter_init (&iter, extra);
      while (json_object_iter_next (&iter, &name, &value))
        if (!g_str_equal (name, "code") && !g_str_equal (name, "message"))
          {
            json_builder_set_member_name (b, name);
            json_builder_add_value (b, json_node_copy (value));
          }
    }
  json_builder_end_object (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  text = json_to_string (root, FALSE);
  rd_signal_console_set_headers (msg);
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, text, strlen (text));
}

/* The value of cookie @name in the request's Cookie headers, or NULL. (transfer full) */
static char *
cookie_value (SoupMessageHeaders *headers, const char *name)
{
  const char *header = soup_message_headers_get_list (headers, "Cookie");
  g_auto (GStrv) parts = NULL;
  gsize name_len = strlen (name);

  if (!header)
    return NULL;
  parts = g_strsplit_set (header, ";,", -1);
  for (char **p = parts; *p; p++)
    {
      const char *c = *p;

      while (*c == ' ' || *c == '\t')
        c++;
      if (strncmp (c, name, name_len) == 0 && c[name_len] == '=')
        return g_strstrip (g_strdup (c + name_len + 1));
    }
  return NULL;
}

/* Whether a POST comes from a page of another origin: its Origin (when sent) is not
 * "https://<Host>", or the browser says the request is cross-site. */
static gboolean
is_cross_origin (SoupMessageHeaders *headers)
{
  const char *origin = soup_message_headers_get_one (headers, "Origin");
  const char *host = soup_message_headers_get_one (headers, "Host");
  const char *site = soup_message_headers_get_one (headers, "Sec-Fetch-Site");
  g_autofree char *own = NULL;

  if (site && g_ascii_strcasecmp (site, "cross-site") == 0)
    return TRUE;
  if (!origin)
    return FALSE;
  if (!host)
    return TRUE;
  own = g_strconcat ("https://", host, NULL);
  return g_ascii_strcasecmp (origin, own) != 0;
}

/* Reads the body into memory for a POST, up to the WHIP body limit; drops any other. */
static void
console_early (SoupServer *soup, SoupServerMessage *msg, const char *path, GHashTable *query,
               gpointer user_data)
{
  if (rd_signal_whip_reject_bad_framing (msg))
    return;
  rd_signal_whip_limit_body (msg, rd_signal_whip_method_is (msg, SOUP_METHOD_POST));
}

static void
request_release (RdConsoleRequest *r)
{
  g_clear_handle_id (&r->timeout_id, g_source_remove);
  if (!r->msg)
    return;
  g_clear_signal_handler (&r->disconnected_id, r->msg);
  g_clear_signal_handler (&r->finished_id, r->msg);
  g_clear_object (&r->msg);
}

static void
request_free (RdConsoleRequest *r)
{
  request_release (r);
  g_clear_pointer (&r->body, json_node_unref);
  if (r->cookie)
    memset (r->cookie, 0, strlen (r->cookie));
  g_free (r->cookie);
  g_free (r->csrf);
  g_clear_pointer (&r->query, g_hash_table_unref);
  g_free (r->remote_address);
  g_free (r);
}

/* The message to answer on, or NULL when the reply is to be dropped. */
static SoupServerMessage *
response_message (RdConsoleRequest *r)
{
  return r->answered ? NULL : r->msg;
}

static void
request_send (RdConsoleRequest *r)
{
  r->answered = TRUE;
  if (r->msg)
    soup_server_message_unpause (r->msg);
  request_release (r);
}

static void
on_message_gone (SoupServerMessage *msg, gpointer user_data)
{
  request_release (user_data);
}

static gboolean
on_timeout (gpointer user_data)
{
  RdConsoleRequest *r = user_data;
  SoupServerMessage *msg = response_message (r);

  r->timeout_id = 0;
  if (msg)
    {
      set_error (msg, SOUP_STATUS_GATEWAY_TIMEOUT, "timeout", "The room did not answer in time.",
                 NULL);
      request_send (r);
    }
  return G_SOURCE_REMOVE;
}

static void
console_handler (SoupServer *soup, SoupServerMessage *msg, const char *path, GHashTable *query,
                 gpointer user_data)
{
  const Emitter *up = user_data;
  GObject *emitter = up->emitter;
  guint signal_id = up->signal_id;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  g_autoptr (GObject) keep = NULL;
  g_autoptr (JsonNode) body = NULL;
  RdConsoleRequest *r;
  gssize route = -1;
  gboolean is_post = rd_signal_whip_method_is (msg, SOUP_METHOD_POST);

  for (gsize i = 0; i < G_N_ELEMENTS (routes); i++)
    if (g_str_equal (path, routes[i].path))
      route = i;
  if (route < 0)
    {
      set_error (msg, SOUP_STATUS_NOT_FOUND, "not-found", "No such console API.", NULL);
      return;
    }
  if (!rd_signal_whip_method_is (msg, routes[route].method) &&
      !(routes[route].api == RD_CONSOLE_API_RECORDING &&
        rd_signal_whip_method_is (msg, SOUP_METHOD_HEAD)))
    {
      set_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "method-not-allowed",
                 "This console API takes another method.", NULL);
      soup_message_headers_replace (
          soup_server_message_get_response_headers (msg), "Allow",
          routes[route].api == RD_CONSOLE_API_RECORDING ? "GET, HEAD" : routes[route].method);
      return;
    }
  if (is_post && is_cross_origin (headers))
    {
      set_error (msg, SOUP_STATUS_FORBIDDEN, "cross-origin",
                 "The console takes changes only from its own pages.", NULL);
      return;
    }
  if (is_post && !rd_signal_whip_content_type_is (headers, "application/json"))
    {
      set_error (msg, SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type",
                 "The console API takes application/json.", NULL);
      return;
    }
  if (rd_signal_whip_body_too_large (msg))
    {
      set_error (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "too-large",
                 "The request body is larger than 64 KiB.", NULL);
      return;
    }
  if (is_post)
    {
      SoupMessageBody *req_body = soup_server_message_get_request_body (msg);
      g_autoptr (GBytes) bytes = soup_message_body_flatten (req_body);
      gsize len;
      const char *data = g_bytes_get_data (bytes, &len);

      if (len > 0 && g_utf8_validate_len (data, len, NULL) && !memchr (data, 0, len))
        {
          g_autofree char *text = g_strndup (data, len);
          body = json_from_string (text, NULL);
        }
      if (!body || !JSON_NODE_HOLDS_OBJECT (body))
        {
          set_error (msg, SOUP_STATUS_BAD_REQUEST, "bad-request",
                     "The request body must be a JSON object.", NULL);
          return;
        }
    }
  if (!g_signal_has_handler_pending (emitter, signal_id, 0, FALSE))
    {
      set_error (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "unavailable",
                 "The console is not available yet.", NULL);
      return;
    }

  r = g_new0 (RdConsoleRequest, 1);
  r->api = routes[route].api;
  r->body = g_steal_pointer (&body);
  r->cookie = cookie_value (headers, RD_SIGNAL_CONSOLE_COOKIE);
  r->csrf = g_strdup (soup_message_headers_get_one (headers, "X-CSRF-Token"));
  r->query = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  if (query)
    {
      GHashTableIter iter;
      gpointer k, v;

      g_hash_table_iter_init (&iter, query);
      while (g_hash_table_iter_next (&iter, &k, &v))
        g_hash_table_insert (r->query, g_strdup (k), g_strdup (v));
    }
  r->remote_address = g_strdup (soup_server_message_get_remote_host (msg));
  r->msg = g_object_ref (msg);
  soup_server_message_pause (msg);
  r->disconnected_id = g_signal_connect (msg, "disconnected", G_CALLBACK (on_message_gone), r);
  r->finished_id = g_signal_connect (msg, "finished", G_CALLBACK (on_message_gone), r);
  r->timeout_id = g_timeout_add (RD_SIGNAL_CONSOLE_REPLY_TIMEOUT_MS, on_timeout, r);
  keep = g_object_ref (emitter);
  g_signal_emit (emitter, signal_id, 0, r);
}

void
rd_signal_console_attach (SoupServer *soup, GObject *emitter, guint signal_id)
{
  Emitter *up = g_new0 (Emitter, 1);

  up->emitter = emitter;
  up->signal_id = signal_id;
  soup_server_add_early_handler (soup, RD_SIGNAL_CONSOLE_API_PATH, console_early, NULL, NULL);
  soup_server_add_handler (soup, RD_SIGNAL_CONSOLE_API_PATH, console_handler, up, g_free);
}

RdConsoleApi
rd_console_request_get_api (RdConsoleRequest *r)
{
  return r->api;
}

JsonObject *
rd_console_request_get_body (RdConsoleRequest *r)
{
  return r->body ? json_node_get_object (r->body) : NULL;
}

const char *
rd_console_request_get_cookie (RdConsoleRequest *r)
{
  return r->cookie;
}

const char *
rd_console_request_get_csrf (RdConsoleRequest *r)
{
  return r->csrf;
}

const char *
rd_console_request_get_query (RdConsoleRequest *r, const char *name)
{
  return g_hash_table_lookup (r->query, name);
}

const char *
rd_console_request_get_remote_address (RdConsoleRequest *r)
{
  return r->remote_address;
}

static void
set_cookie (SoupServerMessage *msg, const char *value)
{
  g_autofree char *header = NULL;

  if (!value)
    return;
  header = g_strdup_printf ("%s=%s; Path=/console/;%s Secure; HttpOnly; SameSite=Strict",
                            RD_SIGNAL_CONSOLE_COOKIE, value, *value ? "" : " Max-Age=0;");
  soup_message_headers_append (soup_server_message_get_response_headers (msg), "Set-Cookie",
                               header);
}

void
rd_console_request_reply_json (RdConsoleRequest *r, guint status, JsonNode *body,
                               const char *cookie)
{
  SoupServerMessage *msg = response_message (r);

  if (msg)
    {
      char *text = body ? json_to_string (body, FALSE) : g_strdup ("{}");

      rd_signal_console_set_headers (msg);
      set_cookie (msg, cookie);
      soup_server_message_set_status (msg, status, NULL);
      soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, text,
                                        strlen (text));
      request_send (r);
    }
  request_free (r);
}

void
rd_console_request_reply_error (RdConsoleRequest *r, guint status, const char *code,
                                const char *message, JsonObject *extra, guint retry_after_s,
                                gboolean clear_cookie)
{
  SoupServerMessage *msg = response_message (r);

  if (msg)
    {
      set_error (msg, status, code, message, extra);
      if (clear_cookie)
        set_cookie (msg, "");
      if (retry_after_s > 0)
        {
          g_autofree char *after = g_strdup_printf ("%u", retry_after_s);
          soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                        "Retry-After", after);
        }
      request_send (r);
    }
  request_free (r);
}

/* @msg answers 200 with @bytes as @content_type, with the console's headers. */
static void
set_ok_body (SoupServerMessage *msg, const char *content_type, GBytes *bytes)
{
  rd_signal_console_set_headers (msg);
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_message_headers_set_content_type (soup_server_message_get_response_headers (msg),
                                         content_type, NULL);
  soup_message_body_append_bytes (soup_server_message_get_response_body (msg), bytes);
}

void
rd_console_request_reply_file (RdConsoleRequest *r, const char *path, const char *content_type)
{
  SoupServerMessage *msg = response_message (r);
  g_autoptr (GMappedFile) file = NULL;

  if (!msg)
    {
      request_free (r);
      return;
    }
  file = g_mapped_file_new (path, FALSE, NULL);
  if (!file)
    {
      rd_console_request_reply_error (r, SOUP_STATUS_NOT_FOUND, "not-found",
                                      "The recording's file cannot be read.", NULL, 0, FALSE);
      return;
    }
  {
    g_autoptr (GBytes) bytes = g_mapped_file_get_bytes (file);

    soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Accept-Ranges",
                                  "bytes");
    set_ok_body (msg, content_type, bytes);
  }
  request_send (r);
  request_free (r);
}

void
rd_console_request_reply_bytes (RdConsoleRequest *r, const char *content_type, GBytes *bytes)
{
  SoupServerMessage *msg = response_message (r);

  if (msg)
    {
      set_ok_body (msg, content_type, bytes);
      request_send (r);
    }
  request_free (r);
}

void
rd_console_request_reply_attachment (RdConsoleRequest *r, const char *content_type, GBytes *bytes,
                                     const char *ascii_name, const char *name)
{
  SoupServerMessage *msg = response_message (r);

  if (msg)
    {
      g_autofree char *escaped = g_uri_escape_string (name, NULL, FALSE);
      g_autofree char *disposition =
          g_strdup_printf ("attachment; filename=\"%s\"; filename*=UTF-8''%s", ascii_name, escaped);

      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "Content-Disposition", disposition);
      rd_console_request_reply_bytes (r, content_type, bytes);
      return;
    }
  request_free (r);
}
