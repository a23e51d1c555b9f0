/* rd-test-firefox.c: see rd-test-firefox.h. */
#include "tests/rd-test-firefox.h"

#include <signal.h>
#include <string.h>

#include <libsoup/soup.h>

#define DEFAULT_FIREFOX "/usr/bin/firefox-esr"
/* Spawning firefox up to its BiDi session being open. */
#define START_TIMEOUT_MS 30000
/* Any command that is not a navigation or an evaluation. */
#define COMMAND_TIMEOUT_MS 10000
/* How much of firefox's stderr an error quotes. */
#define STDERR_TAIL_BYTES 1500
#define LISTENING         "WebDriver BiDi listening on "

struct _RdTestFirefox
{
  RdTestBrowser shape; /* first: the driver's calls cast it back */
  char *dir;
  GSubprocess *process;
  GSubprocess *watcher;
  GDataInputStream *stderr_lines;
  GCancellable *cancellable;
  gboolean stderr_pending;
  GString *stderr_tail;
  char *ws_url; /* from the "listening" line */
  SoupSession *soup;
  SoupWebsocketConnection *ws;
  char *connect_error;
  gboolean connect_done;
  gint64 next_id;
  char *context_id;    /* the browsing context driven */
  GPtrArray *requests; /* char *, URLs */
  double start_ms;
};

static const char *
firefox_path (void)
{
  return rd_test_browser_path ("RD_TEST_FIREFOX", DEFAULT_FIREFOX);
}

gboolean
rd_test_firefox_available (char **why)
{
  return rd_test_browser_installed (firefox_path (), "firefox-esr", why);
}

/* ---- firefox's stderr: the listening line, and a tail for error messages ---- */

static void read_stderr (RdTestFirefox *self);

static void
stderr_line (GObject *source, GAsyncResult *result, gpointer user_data)
{
  RdTestFirefox *self = user_data;
  g_autofree char *line =
      g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), result, NULL, NULL);
  const char *at;

  self->stderr_pending = FALSE;
  if (!line)
    {
      self->shape.dead = TRUE; /* firefox is gone (or we cancelled) */
      return;
    }
  if (g_getenv ("RD_TEST_FIREFOX_STDERR"))
    g_printerr ("firefox: %s\n", line);
  g_string_append_printf (self->stderr_tail, "%s\n", line);
  if (self->stderr_tail->len > 4 * STDERR_TAIL_BYTES)
    g_string_erase (self->stderr_tail, 0, self->stderr_tail->len - STDERR_TAIL_BYTES);
  at = strstr (line, LISTENING);
  if (at && !self->ws_url)
    self->ws_url = g_strstrip (g_strdup (at + strlen (LISTENING)));
  read_stderr (self);
}

static void
read_stderr (RdTestFirefox *self)
{
  self->stderr_pending = TRUE;
  g_data_input_stream_read_line_async (self->stderr_lines, G_PRIORITY_DEFAULT, self->cancellable,
                                       stderr_line, self);
}

static void
set_dead_error (RdTestFirefox *self, GError **error)
{
  const char *tail = self->stderr_tail->str;

  if (self->stderr_tail->len > STDERR_TAIL_BYTES)
    tail += self->stderr_tail->len - STDERR_TAIL_BYTES;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE,
               "firefox exited or closed its WebDriver BiDi connection; its stderr ends with:\n%s",
               tail);
}

/* ---- waiting ---- */

static gboolean
listening (RdTestBrowser *handle, gconstpointer data)
{
  RdTestFirefox *self = (RdTestFirefox *)handle;

  return self->ws_url != NULL;
}

static gboolean
connected (RdTestBrowser *handle, gconstpointer data)
{
  RdTestFirefox *self = (RdTestFirefox *)handle;

  return self->connect_done;
}

/* ---- messages ---- */

static void
handle_event (RdTestFirefox *self, const char *method, JsonObject *params)
{
  if (g_str_equal (method, "log.entryAdded"))
    g_test_message ("firefox %s.%s: %s",
                    json_object_get_string_member_with_default (params, "type", "log"),
                    json_object_get_string_member_with_default (params, "level", "?"),
                    json_object_get_string_member_with_default (params, "text", ""));
  else if (g_str_equal (method, "network.beforeRequestSent"))
    {
      JsonObject *request = json_object_get_object_member (params, "request");
      if (request && json_object_has_member (request, "url"))
        g_ptr_array_add (self->requests, g_strdup (json_object_get_string_member (request, "url")));
    }
}

static void
on_message (SoupWebsocketConnection *ws, SoupWebsocketDataType type, GBytes *message,
            gpointer user_data)
{
  RdTestFirefox *self = user_data;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  gsize size = 0;
  const char *text = g_bytes_get_data (message, &size);
  JsonObject *object;

  if (!json_parser_load_from_data (parser, text, (gssize)size, &error))
    {
      g_test_message ("firefox: unparsable BiDi message: %s", error->message);
      return;
    }
  if (!JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return;
  object = json_node_get_object (json_parser_get_root (parser));
  if (json_object_has_member (object, "id") && !json_object_get_null_member (object, "id"))
    {
      gint64 *id = g_new (gint64, 1);
      *id = json_object_get_int_member (object, "id");
      g_hash_table_replace (self->shape.replies, id, json_parser_steal_root (parser));
    }
  else if (json_object_has_member (object, "method"))
    {
      JsonObject *params = json_object_get_object_member (object, "params");
      g_autoptr (JsonObject) empty = json_object_new ();
      handle_event (self, json_object_get_string_member (object, "method"),
                    params ? params : empty);
    }
}

static void
on_closed (SoupWebsocketConnection *ws, gpointer user_data)
{
  ((RdTestFirefox *)user_data)->shape.dead = TRUE;
}

/* Sends @method with @params (transfer full; NULL: {}) and returns its "result" (transfer
 * full). */
static JsonNode *
call (RdTestFirefox *self, const char *method, JsonNode *params_in, guint timeout_ms,
      GError **error)
{
  g_autoptr (JsonNode) params = params_in;
  g_autoptr (JsonObject) message = json_object_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *text = NULL;
  g_autoptr (JsonNode) answer = NULL;
  gint64 id = ++self->next_id;
  JsonObject *reply;
  JsonNode *result;

  if (self->shape.dead)
    {
      set_dead_error (self, error);
      return NULL;
    }
  json_object_set_int_member (message, "id", id);
  json_object_set_string_member (message, "method", method);
  json_object_set_member (message, "params",
                          params ? g_steal_pointer (&params)
                                 : json_node_init_object (json_node_alloc (), json_object_new ()));
  root = json_node_init_object (json_node_alloc (), message);
  text = json_to_string (root, FALSE);
  soup_websocket_connection_send_text (self->ws, text);
  answer = rd_test_browser_wait_reply (&self->shape, id, method, timeout_ms, error);
  if (!answer)
    return NULL;
  reply = json_node_get_object (answer);
  if (g_strcmp0 (json_object_get_string_member_with_default (reply, "type", ""), "success") != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "firefox: %s failed: %s: %s", method,
                   json_object_get_string_member_with_default (reply, "error", "?"),
                   json_object_get_string_member_with_default (reply, "message", ""));
      return NULL;
    }
  result = json_object_get_member (reply, "result");
  return result ? json_node_copy (result)
                : json_node_init_object (json_node_alloc (), json_object_new ());
}

/* A params object {"context": <the page>} to add members to (transfer full). */
static JsonObject *
context_params (RdTestFirefox *self)
{
  JsonObject *params = json_object_new ();

  json_object_set_string_member (params, "context", self->context_id);
  return params;
}

static JsonNode *
node_of (JsonObject *object)
{
  return json_node_init_object (json_node_alloc (), object);
}

/* ---- values: a BiDi RemoteValue as the JSON value it holds ---- */

static JsonNode *value_to_json (JsonObject *remote);

static JsonNode *
list_to_json (JsonArray *items)
{
  JsonArray *out = json_array_new ();

  for (guint i = 0; items && i < json_array_get_length (items); i++)
    json_array_add_element (out, value_to_json (json_array_get_object_element (items, i)));
  return json_node_init_array (json_node_alloc (), out);
}

static JsonNode *
map_to_json (JsonArray *pairs)
{
  JsonObject *out = json_object_new ();

  for (guint i = 0; pairs && i < json_array_get_length (pairs); i++)
    {
      JsonArray *pair = json_array_get_array_element (pairs, i);
      JsonNode *key = json_array_get_element (pair, 0);
      const char *name = JSON_NODE_HOLDS_VALUE (key) ? json_node_get_string (key)
                                                     : json_object_get_string_member_with_default (
                                                           json_node_get_object (key), "value", "");
      json_object_set_member (out, name ? name : "",
                              value_to_json (json_array_get_object_element (pair, 1)));
    }
  return json_node_init_object (json_node_alloc (), out);
}

static JsonNode *
value_to_json (JsonObject *remote)
{
  const char *type = json_object_get_string_member_with_default (remote, "type", "undefined");
  JsonNode *value = json_object_get_member (remote, "value");

  if (g_str_equal (type, "string") || g_str_equal (type, "boolean") ||
      g_str_equal (type, "bigint") || g_str_equal (type, "date"))
    return value ? json_node_copy (value) : json_node_init_null (json_node_alloc ());
  if (g_str_equal (type, "number"))
    {
      /* NaN and the infinities are strings, as JSON has no such numbers; -0 is 0. */
      if (value && JSON_NODE_HOLDS_VALUE (value) &&
          json_node_get_value_type (value) == G_TYPE_STRING)
        return g_str_equal (json_node_get_string (value), "-0")
                   ? json_node_init_int (json_node_alloc (), 0)
                   : json_node_init_null (json_node_alloc ());
      return value ? json_node_copy (value) : json_node_init_null (json_node_alloc ());
    }
  if (g_str_equal (type, "array") || g_str_equal (type, "set"))
    return list_to_json (value && JSON_NODE_HOLDS_ARRAY (value) ? json_node_get_array (value)
                                                                : NULL);
  if (g_str_equal (type, "object") || g_str_equal (type, "map"))
    return map_to_json (value && JSON_NODE_HOLDS_ARRAY (value) ? json_node_get_array (value)
                                                               : NULL);
  if (g_str_equal (type, "undefined") || g_str_equal (type, "null"))
    return json_node_init_null (json_node_alloc ());
  /* A node, a window, a function, an error...: an empty object, as a by-value copy has. */
  return json_node_init_object (json_node_alloc (), json_object_new ());
}

/* ---- the shape every browser has ---- */

static JsonNode *
firefox_eval (RdTestFirefox *self, const char *js_expression, guint timeout_ms, GError **error)
{
  JsonObject *params = json_object_new ();
  JsonObject *target = json_object_new ();
  g_autoptr (JsonNode) result = NULL;
  JsonObject *object;

  json_object_set_string_member (target, "context", self->context_id);
  json_object_set_string_member (params, "expression", js_expression);
  json_object_set_object_member (params, "target", target);
  json_object_set_boolean_member (params, "awaitPromise", TRUE);
  json_object_set_boolean_member (params, "userActivation", TRUE);
  json_object_set_string_member (params, "resultOwnership", "none");
  result = call (self, "script.evaluate", node_of (params), timeout_ms, error);
  if (!result)
    return NULL;
  object = json_node_get_object (result);
  if (g_strcmp0 (json_object_get_string_member_with_default (object, "type", ""), "exception") == 0)
    {
      JsonObject *details = json_object_get_object_member (object, "exceptionDetails");
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "in the page: %s",
                   details ? json_object_get_string_member_with_default (details, "text", "?")
                           : "?");
      return NULL;
    }
  return value_to_json (json_object_get_object_member (object, "result"));
}

static gboolean
firefox_open (RdTestFirefox *self, const char *url, guint timeout_ms, GError **error)
{
  g_autoptr (JsonNode) before = firefox_eval (self, "location.href", timeout_ms, error);
  g_autoptr (JsonNode) result = NULL;
  g_autofree char *was = NULL;
  const char *now_hash = strchr (url, '#');
  JsonObject *params;

  if (!before)
    return FALSE;
  was = g_strdup (JSON_NODE_HOLDS_VALUE (before) ? json_node_get_string (before) : "");
  if (strchr (was, '#'))
    *strchr (was, '#') = '\0';
  params = context_params (self);
  json_object_set_string_member (params, "url", url);
  json_object_set_string_member (params, "wait", "complete");
  result = call (self, "browsingContext.navigate", node_of (params), timeout_ms, error);
  if (!result)
    return FALSE;
  /* Only the fragment changed: a same-document navigation, which loads nothing. Reload, so
   * every open() runs the page from scratch. */
  if (now_hash && strlen (was) == (gsize)(now_hash - url) && strncmp (was, url, strlen (was)) == 0)
    {
      g_clear_pointer (&result, json_node_unref);
      params = context_params (self);
      json_object_set_boolean_member (params, "ignoreCache", TRUE);
      json_object_set_string_member (params, "wait", "complete");
      result = call (self, "browsingContext.reload", node_of (params), timeout_ms, error);
    }
  return result != NULL;
}

static gboolean
firefox_add_init_script (RdTestFirefox *self, const char *js, GError **error)
{
  JsonObject *params = json_object_new ();
  g_autofree char *function = g_strdup_printf ("() => {\n%s\n}", js);
  g_autoptr (JsonNode) result = NULL;

  json_object_set_string_member (params, "functionDeclaration", function);
  result = call (self, "script.addPreloadScript", node_of (params), COMMAND_TIMEOUT_MS, error);
  return result != NULL;
}

static gboolean
firefox_set_viewport (RdTestFirefox *self, int width, int height, GError **error)
{
  JsonObject *params = context_params (self);
  JsonObject *viewport = json_object_new ();
  g_autoptr (JsonNode) result = NULL;

  json_object_set_int_member (viewport, "width", width);
  json_object_set_int_member (viewport, "height", height);
  json_object_set_object_member (params, "viewport", viewport);
  json_object_set_int_member (params, "devicePixelRatio", 1);
  result = call (self, "browsingContext.setViewport", node_of (params), COMMAND_TIMEOUT_MS, error);
  return result != NULL;
}

static gboolean
firefox_screenshot (RdTestFirefox *self, const char *png_path, GError **error)
{
  g_autoptr (JsonNode) result = call (self, "browsingContext.captureScreenshot",
                                      node_of (context_params (self)), 20000, error);
  g_autofree guchar *png = NULL;
  gsize size = 0;

  if (!result)
    return FALSE;
  png = g_base64_decode (
      json_object_get_string_member_with_default (json_node_get_object (result), "data", ""),
      &size);
  return g_file_set_contents (png_path, (const char *)png, (gssize)size, error);
}

RD_TEST_BROWSER_DRIVER (RdTestFirefox, firefox, "firefox");

RdTestBrowser *
rd_test_firefox_browser (RdTestFirefox *self)
{
  return &self->shape;
}

/* ---- starting ---- */

static void
connect_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  RdTestFirefox *self = user_data;
  g_autoptr (GError) error = NULL;

  self->ws = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);
  if (!self->ws)
    self->connect_error = g_strdup (error->message);
  self->connect_done = TRUE;
}

static void
drop_message (const char *domain, GLogLevelFlags level, const char *message, gpointer data)
{
}

/* Spawns firefox with a fresh profile and HOME under self->dir, its stderr read line by line. */
static gboolean
spawn (RdTestFirefox *self, GError **error)
{
  g_autofree char *profile = g_build_filename (self->dir, "profile", NULL);
  g_autofree char *home = g_build_filename (self->dir, "home", NULL);
  g_autofree char *prefs = g_build_filename (profile, "user.js", NULL);
  g_autofree char *source =
      g_build_filename (g_getenv ("RD_TEST_SRCDIR"), "tests", "data", "firefox-user.js", NULL);
  g_autofree char *user_js = NULL;
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (
      G_SUBPROCESS_FLAGS_STDERR_PIPE | G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  const char *const argv[] = { firefox_path (),
                               "--headless",
                               "--no-remote",
                               "--new-instance",
                               "--profile",
                               profile,
                               "--remote-debugging-port=0",
                               "about:blank",
                               NULL };

  if (g_mkdir_with_parents (profile, 0700) != 0 || g_mkdir_with_parents (home, 0700) != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot make %s", profile);
      return FALSE;
    }
  if (!g_file_get_contents (source, &user_js, NULL, error) ||
      !g_file_set_contents (prefs, user_js, -1, error))
    return FALSE;
  g_subprocess_launcher_setenv (launcher, "HOME", home, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_CACHE_HOME", home, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_CONFIG_HOME", home, TRUE);
  g_subprocess_launcher_setenv (launcher, "MOZ_CRASHREPORTER_DISABLE", "1", TRUE);
  g_subprocess_launcher_unsetenv (launcher, "DISPLAY");
  g_subprocess_launcher_unsetenv (launcher, "WAYLAND_DISPLAY");
  rd_test_browser_launcher_setup (launcher);
  self->process = g_subprocess_launcher_spawnv (launcher, argv, error);
  if (!self->process)
    return FALSE;
  self->stderr_lines = g_data_input_stream_new (g_subprocess_get_stderr_pipe (self->process));
  read_stderr (self);
  self->watcher = rd_test_browser_watch (self->process, self->dir, error);
  return self->watcher != NULL;
}

/* Opens the BiDi session on the first top-level browsing context. */
static gboolean
open_session (RdTestFirefox *self, GError **error)
{
  JsonObject *params = json_object_new ();
  JsonObject *capabilities = json_object_new ();
  JsonObject *always = json_object_new ();
  JsonArray *events = json_array_new ();
  g_autoptr (JsonNode) result = NULL;
  JsonArray *contexts;

  json_object_set_boolean_member (always, "acceptInsecureCerts", TRUE);
  json_object_set_object_member (capabilities, "alwaysMatch", always);
  json_object_set_object_member (params, "capabilities", capabilities);
  result = call (self, "session.new", node_of (params), START_TIMEOUT_MS, error);
  if (!result)
    return FALSE;
  g_clear_pointer (&result, json_node_unref);
  result = call (self, "browsingContext.getTree", NULL, COMMAND_TIMEOUT_MS, error);
  if (!result)
    return FALSE;
  contexts = json_object_get_array_member (json_node_get_object (result), "contexts");
  if (contexts && json_array_get_length (contexts) > 0)
    self->context_id = g_strdup (
        json_object_get_string_member (json_array_get_object_element (contexts, 0), "context"));
  else
    {
      params = json_object_new ();
      json_object_set_string_member (params, "type", "tab");
      g_clear_pointer (&result, json_node_unref);
      result = call (self, "browsingContext.create", node_of (params), COMMAND_TIMEOUT_MS, error);
      if (!result)
        return FALSE;
      self->context_id =
          g_strdup (json_object_get_string_member (json_node_get_object (result), "context"));
    }
  json_array_add_string_element (events, "log.entryAdded");
  json_array_add_string_element (events, "network.beforeRequestSent");
  params = json_object_new ();
  json_object_set_array_member (params, "events", events);
  g_clear_pointer (&result, json_node_unref);
  result = call (self, "session.subscribe", node_of (params), COMMAND_TIMEOUT_MS, error);
  return result != NULL;
}

RdTestFirefox *
rd_test_firefox_start (GError **error)
{
  static gsize dropping = 0; /* the handler's id */
  g_autoptr (RdTestFirefox) self = NULL;
  g_autoptr (SoupMessage) msg = NULL;
  g_autofree char *why = NULL;
  g_autofree char *session_url = NULL;
  gint64 t0 = g_get_monotonic_time ();

  if (!rd_test_firefox_available (&why))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, why);
      return NULL;
    }
  signal (SIGPIPE, SIG_IGN);
  /* libsoup's debug messages: a few lines for every WebSocket frame. */
  if (g_once_init_enter (&dropping))
    g_once_init_leave (&dropping,
                       g_log_set_handler ("libsoup", G_LOG_LEVEL_DEBUG, drop_message, NULL));
  self = g_new0 (RdTestFirefox, 1);
  rd_test_browser_init (&self->shape, &driver);
  self->cancellable = g_cancellable_new ();
  self->stderr_tail = g_string_new (NULL);
  self->requests = g_ptr_array_new_with_free_func (g_free);
  self->dir = g_dir_make_tmp ("rd-test-firefox-XXXXXX", error);
  if (!self->dir || !spawn (self, error))
    return NULL;
  if (!rd_test_browser_iterate (&self->shape, listening, NULL, START_TIMEOUT_MS,
                                "\"" LISTENING "\" line", error))
    return NULL;

  g_test_message ("firefox: WebDriver BiDi listening %.0f ms after the spawn",
                  (g_get_monotonic_time () - t0) / 1000.0);
  session_url = g_strdup_printf ("%s/session", self->ws_url);
  self->soup = soup_session_new ();
  msg = soup_message_new (SOUP_METHOD_GET, session_url);
  if (!msg)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "firefox: bad BiDi URL %s", session_url);
      return NULL;
    }
  soup_session_websocket_connect_async (self->soup, msg, NULL, NULL, G_PRIORITY_DEFAULT,
                                        self->cancellable, connect_done, self);
  if (!rd_test_browser_iterate (&self->shape, connected, NULL, START_TIMEOUT_MS,
                                "WebSocket connection", error))
    return NULL;
  if (!self->ws)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "firefox: connecting to %s: %s",
                   session_url, self->connect_error);
      return NULL;
    }
  /* Screenshots are larger than libsoup's default limit of 128 KiB a message. */
  soup_websocket_connection_set_max_incoming_payload_size (self->ws, 0);
  g_signal_connect (self->ws, "message", G_CALLBACK (on_message), self);
  g_signal_connect (self->ws, "closed", G_CALLBACK (on_closed), self);
  if (!open_session (self, error))
    return NULL;
  self->start_ms = (g_get_monotonic_time () - t0) / 1000.0;
  return g_steal_pointer (&self);
}

GPtrArray *
rd_test_firefox_get_requests (RdTestFirefox *self)
{
  return g_ptr_array_copy (self->requests, (GCopyFunc)(void (*) (void))g_strdup, NULL);
}

double
rd_test_firefox_get_start_ms (RdTestFirefox *self)
{
  return self->start_ms;
}

static gboolean
pending_done (RdTestBrowser *handle, gconstpointer data)
{
  RdTestFirefox *self = (RdTestFirefox *)handle;

  return !self->stderr_pending && (self->connect_done || !self->soup);
}

void
rd_test_firefox_free (RdTestFirefox *self)
{
  if (!self)
    return;
  if (self->ws)
    g_signal_handlers_disconnect_by_data (self->ws, self);
  rd_test_browser_kill (self->process);
  g_cancellable_cancel (self->cancellable);
  /* The callbacks must run before self goes; the pipes are closed by now, so it is prompt. */
  self->shape.dead = FALSE;
  rd_test_browser_iterate (&self->shape, pending_done, NULL, 5000, "end of firefox's stderr", NULL);
  rd_test_browser_unwatch (self->watcher, self->dir);
  g_clear_object (&self->ws);
  g_clear_object (&self->soup);
  g_clear_object (&self->stderr_lines);
  g_clear_object (&self->process);
  g_clear_object (&self->watcher);
  g_clear_object (&self->cancellable);
  rd_test_browser_clear (&self->shape);
  g_clear_pointer (&self->requests, g_ptr_array_unref);
  if (self->stderr_tail)
    g_string_free (self->stderr_tail, TRUE);
  g_free (self->ws_url);
  g_free (self->connect_error);
  g_free (self->context_id);
  g_free (self->dir);
  g_free (self);
}
