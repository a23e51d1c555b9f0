/* rd-test-chromium.c: see rd-test-chromium.h. */
#define _GNU_SOURCE
#include "tests/rd-test-chromium.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <gio/gio.h>
#include <gio/gunixinputstream.h>
#include <gio/gunixoutputstream.h>
#include <glib-unix.h>

#define DEFAULT_CHROMIUM "/usr/bin/chromium"
/* Spawning chromium up to its page being attached. */
#define START_TIMEOUT_MS 30000
/* Any DevTools command that is not an evaluation. */
#define COMMAND_TIMEOUT_MS 10000
/* How much of chromium's stderr an error quotes. */
#define STDERR_TAIL_BYTES 1500

struct _RdTestChromium
{
  RdTestBrowser shape; /* first: the driver's calls cast it back */
  char *dir;
  char *log_path;
  GSubprocess *browser;
  GSubprocess *cleaner;
  GOutputStream *to_browser;
  GInputStream *from_browser;
  GCancellable *cancellable;
  gboolean read_pending;
  char *read_error;
  guint8 chunk[65536];
  GByteArray *inbox;
  gint64 next_id;
  char *page_target_id;
  char *session_id;
  guint load_events;
  GPtrArray *requests; /* char *, URLs */
  double start_ms;
};

static const char *
chromium_path (void)
{
  return rd_test_browser_path ("RD_TEST_CHROMIUM", DEFAULT_CHROMIUM);
}

gboolean
rd_test_chromium_available (char **why)
{
  return rd_test_browser_installed (chromium_path (), "chromium", why);
}

/* ---- the browser's stderr, for error messages ---- */

static char *
stderr_tail (RdTestChromium *self)
{
  g_autofree char *text = NULL;
  gsize length = 0;

  if (!self->log_path || !g_file_get_contents (self->log_path, &text, &length, NULL))
    return g_strdup ("(no stderr captured)");
  if (length > STDERR_TAIL_BYTES)
    return g_strdup_printf ("...%s", text + length - STDERR_TAIL_BYTES);
  return g_steal_pointer (&text);
}

static void
set_dead_error (RdTestChromium *self, GError **error)
{
  g_autofree char *tail = stderr_tail (self);

  g_set_error (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE,
               "chromium closed its DevTools pipe (%s); its stderr ends with:\n%s",
               self->read_error ? self->read_error : "it exited", tail);
}

/* ---- incoming messages ---- */

static void
print_console (JsonObject *params)
{
  JsonArray *args = json_object_get_array_member (params, "args");
  g_autoptr (GString) line = g_string_new (NULL);

  for (guint i = 0; args && i < json_array_get_length (args); i++)
    {
      JsonObject *arg = json_array_get_object_element (args, i);
      JsonNode *value = json_object_get_member (arg, "value");

      if (line->len)
        g_string_append_c (line, ' ');
      if (value && JSON_NODE_HOLDS_VALUE (value) &&
          json_node_get_value_type (value) == G_TYPE_STRING)
        g_string_append (line, json_node_get_string (value));
      else if (value)
        {
          g_autofree char *json = json_to_string (value, FALSE);
          g_string_append (line, json);
        }
      else if (json_object_has_member (arg, "description"))
        g_string_append (line, json_object_get_string_member (arg, "description"));
      else
        g_string_append (line, json_object_get_string_member_with_default (arg, "type", "?"));
    }
  g_test_message ("chromium console.%s: %s",
                  json_object_get_string_member_with_default (params, "type", "log"), line->str);
}

static const char *
exception_text (JsonObject *details)
{
  JsonObject *exception = json_object_get_object_member (details, "exception");

  if (exception && json_object_has_member (exception, "description"))
    return json_object_get_string_member (exception, "description");
  if (exception && json_object_has_member (exception, "value"))
    {
      JsonNode *value = json_object_get_member (exception, "value");
      if (JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_STRING)
        return json_node_get_string (value);
    }
  return json_object_get_string_member_with_default (details, "text", "exception");
}

static void
handle_event (RdTestChromium *self, const char *method, JsonObject *params)
{
  if (g_str_equal (method, "Target.targetCreated") && !self->page_target_id)
    {
      JsonObject *info = json_object_get_object_member (params, "targetInfo");
      if (info &&
          g_strcmp0 (json_object_get_string_member_with_default (info, "type", ""), "page") == 0)
        self->page_target_id = g_strdup (json_object_get_string_member (info, "targetId"));
    }
  else if (g_str_equal (method, "Page.loadEventFired"))
    self->load_events++;
  else if (g_str_equal (method, "Network.requestWillBeSent"))
    {
      JsonObject *request = json_object_get_object_member (params, "request");
      if (request && json_object_has_member (request, "url"))
        g_ptr_array_add (self->requests, g_strdup (json_object_get_string_member (request, "url")));
    }
  else if (g_str_equal (method, "Runtime.consoleAPICalled"))
    print_console (params);
  else if (g_str_equal (method, "Runtime.exceptionThrown"))
    {
      JsonObject *details = json_object_get_object_member (params, "exceptionDetails");
      g_test_message ("chromium page exception: %s", details ? exception_text (details) : "?");
    }
}

static void
handle_message (RdTestChromium *self, const char *text, gsize length)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  JsonObject *message;

  if (!json_parser_load_from_data (parser, text, length, &error))
    {
      g_test_message ("chromium: unparsable DevTools message: %s", error->message);
      return;
    }
  if (!JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return;
  message = json_node_get_object (json_parser_get_root (parser));
  if (json_object_has_member (message, "id"))
    {
      gint64 *id = g_new (gint64, 1);
      *id = json_object_get_int_member (message, "id");
      g_hash_table_replace (self->shape.replies, id, json_parser_steal_root (parser));
    }
  else if (json_object_has_member (message, "method"))
    {
      JsonObject *params = json_object_get_object_member (message, "params");
      g_autoptr (JsonObject) empty = json_object_new ();
      handle_event (self, json_object_get_string_member (message, "method"),
                    params ? params : empty);
    }
}

static void read_next (RdTestChromium *self);

static void
read_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  RdTestChromium *self = user_data;
  g_autoptr (GError) error = NULL;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);
  guint start = 0;

  self->read_pending = FALSE;
  if (n <= 0)
    {
      self->shape.dead = TRUE;
      if (error && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        self->read_error = g_strdup (error->message);
      return;
    }
  g_byte_array_append (self->inbox, self->chunk, (guint)n);
  for (guint i = 0; i < self->inbox->len; i++)
    if (self->inbox->data[i] == '\0')
      {
        handle_message (self, (const char *)self->inbox->data + start, i - start);
        start = i + 1;
      }
  g_byte_array_remove_range (self->inbox, 0, start);
  read_next (self);
}

static void
read_next (RdTestChromium *self)
{
  self->read_pending = TRUE;
  g_input_stream_read_async (self->from_browser, self->chunk, sizeof self->chunk,
                             G_PRIORITY_DEFAULT, self->cancellable, read_done, self);
}

/* ---- waiting ---- */

static gboolean
page_target_known (RdTestBrowser *handle, gconstpointer data)
{
  RdTestChromium *self = (RdTestChromium *)handle;

  return self->page_target_id != NULL;
}

static gboolean
page_loaded (RdTestBrowser *handle, gconstpointer data)
{
  RdTestChromium *self = (RdTestChromium *)handle;

  return self->load_events > 0;
}

/* ---- commands ---- */

/* Sends @method with @params (transfer full, may be NULL) to the browser (@session NULL) or a
 * session and returns its "result" (transfer full). */
static JsonNode *
call (RdTestChromium *self, const char *session, const char *method, JsonNode *params_in,
      guint timeout_ms, GError **error)
{
  g_autoptr (JsonNode) params = params_in;
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *text = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autoptr (JsonNode) reply = NULL;
  gint64 id = ++self->next_id;
  JsonObject *object;
  JsonNode *result;

  if (self->shape.dead)
    {
      set_dead_error (self, error);
      return NULL;
    }
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_int_value (builder, id);
  json_builder_set_member_name (builder, "method");
  json_builder_add_string_value (builder, method);
  if (params)
    {
      json_builder_set_member_name (builder, "params");
      json_builder_add_value (builder, g_steal_pointer (&params));
    }
  if (session)
    {
      json_builder_set_member_name (builder, "sessionId");
      json_builder_add_string_value (builder, session);
    }
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  text = json_to_string (root, FALSE);
  /* The message and its NUL terminator. */
  if (!g_output_stream_write_all (self->to_browser, text, strlen (text) + 1, NULL, NULL,
                                  &local_error))
    {
      self->read_error = g_strdup_printf ("writing %s: %s", method, local_error->message);
      set_dead_error (self, error);
      return NULL;
    }
  reply = rd_test_browser_wait_reply (&self->shape, id, method, timeout_ms, error);
  if (!reply)
    return NULL;
  object = json_node_get_object (reply);
  if (json_object_has_member (object, "error"))
    {
      JsonObject *err = json_object_get_object_member (object, "error");
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "chromium: %s failed: %s", method,
                   err ? json_object_get_string_member_with_default (err, "message", "?") : "?");
      return NULL;
    }
  result = json_object_get_member (object, "result");
  return result ? json_node_copy (result)
                : json_node_init_object (json_node_alloc (), json_object_new ());
}

/* A params object from pairs of (name, GType, value) ended by NULL: G_TYPE_STRING (const char
 * *), G_TYPE_INT (int) or G_TYPE_BOOLEAN (gboolean). */
static JsonNode *
params_new (const char *first_name, ...)
{
  g_autoptr (JsonBuilder) builder = json_builder_new ();
  const char *name = first_name;
  va_list ap;

  json_builder_begin_object (builder);
  va_start (ap, first_name);
  while (name)
    {
      GType type = va_arg (ap, GType);
      json_builder_set_member_name (builder, name);
      if (type == G_TYPE_STRING)
        json_builder_add_string_value (builder, va_arg (ap, const char *));
      else if (type == G_TYPE_INT)
        json_builder_add_int_value (builder, va_arg (ap, int));
      else
        json_builder_add_boolean_value (builder, va_arg (ap, gboolean));
      name = va_arg (ap, const char *);
    }
  va_end (ap);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

/* ---- processes ---- */

gboolean
rd_test_chromium_open (RdTestChromium *self, const char *url, guint timeout_ms, GError **error)
{
  g_autoptr (JsonNode) result = NULL;
  JsonObject *object;

  self->load_events = 0;
  result = call (self, self->session_id, "Page.navigate",
                 params_new ("url", G_TYPE_STRING, url, NULL), timeout_ms, error);
  if (!result)
    return FALSE;
  object = json_node_get_object (result);
  if (json_object_has_member (object, "errorText"))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "chromium: navigating to %s: %s", url,
                   json_object_get_string_member (object, "errorText"));
      return FALSE;
    }
  /* Only the fragment changed: a same-document navigation, which loads nothing. Reload, so
   * every open() runs the page from scratch. */
  if (!json_object_has_member (object, "loaderId"))
    {
      g_clear_pointer (&result, json_node_unref);
      self->load_events = 0;
      result = call (self, self->session_id, "Page.reload",
                     params_new ("ignoreCache", G_TYPE_BOOLEAN, TRUE, NULL), timeout_ms, error);
      if (!result)
        return FALSE;
    }
  return rd_test_browser_iterate (&self->shape, page_loaded, NULL, timeout_ms, "load event", error);
}

/* ---- the shape every browser has (rd-test-browser.h) ---- */

RD_TEST_BROWSER_DRIVER (RdTestChromium, rd_test_chromium, "chromium");

RdTestBrowser *
rd_test_chromium_browser (RdTestChromium *self)
{
  return &self->shape;
}

RdTestChromium *
rd_test_chromium_start (GError **error)
{
  g_autoptr (RdTestChromium) self = NULL;
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (JsonNode) result = NULL;
  g_autofree char *why = NULL;
  g_autofree char *user_data_dir = NULL;
  g_autofree char *crash_dir = NULL;
  int to_browser[2] = { -1, -1 };
  int from_browser[2] = { -1, -1 };
  gint64 t0 = g_get_monotonic_time ();

  if (!rd_test_chromium_available (&why))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, why);
      return NULL;
    }
  /* A write to the pipe of a chromium that just died must be an error, not a SIGPIPE. */
  signal (SIGPIPE, SIG_IGN);

  self = g_new0 (RdTestChromium, 1);
  rd_test_browser_init (&self->shape, &driver);
  self->cancellable = g_cancellable_new ();
  self->inbox = g_byte_array_new ();
  self->requests = g_ptr_array_new_with_free_func (g_free);
  self->dir = g_dir_make_tmp ("rd-test-chromium-XXXXXX", error);
  if (!self->dir)
    return NULL;
  user_data_dir = g_build_filename (self->dir, "profile", NULL);
  crash_dir = g_build_filename (self->dir, "crashes", NULL);
  self->log_path = g_build_filename (self->dir, "chromium.log", NULL);

  if (!g_unix_open_pipe (to_browser, FD_CLOEXEC, error) ||
      !g_unix_open_pipe (from_browser, FD_CLOEXEC, error))
    {
      if (to_browser[0] >= 0)
        {
          close (to_browser[0]);
          close (to_browser[1]);
        }
      return NULL;
    }
  self->to_browser = g_unix_output_stream_new (to_browser[1], TRUE);
  self->from_browser = g_unix_input_stream_new (from_browser[0], TRUE);

  {
    g_autofree char *user_data_arg = g_strdup_printf ("--user-data-dir=%s", user_data_dir);
    g_autofree char *crash_arg = g_strdup_printf ("--crash-dumps-dir=%s", crash_dir);
    const char *const argv[] = {
      chromium_path (),
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--no-default-browser-check",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-extensions",
      "--disable-default-apps",
      "--password-store=basic",
      user_data_arg,
      crash_arg,
      "--use-fake-device-for-media-stream",
      "--use-fake-ui-for-media-stream",
      "--allow-loopback-in-peer-connection",
      "--ignore-certificate-errors",
      "--remote-debugging-pipe",
      "about:blank",
      NULL,
    };

    launcher = g_subprocess_launcher_new (g_getenv ("RD_TEST_CHROMIUM_STDERR")
                                              ? G_SUBPROCESS_FLAGS_NONE
                                              : G_SUBPROCESS_FLAGS_STDERR_MERGE);
    if (!g_getenv ("RD_TEST_CHROMIUM_STDERR"))
      g_subprocess_launcher_set_stdout_file_path (launcher, self->log_path);
    g_subprocess_launcher_take_fd (launcher, to_browser[0], 3);
    g_subprocess_launcher_take_fd (launcher, from_browser[1], 4);
    rd_test_browser_launcher_setup (launcher);
    self->browser = g_subprocess_launcher_spawnv (launcher, argv, error);
    /* Closes our copies of the browser's pipe ends, so its death is our EOF. */
    g_clear_object (&launcher);
    if (!self->browser)
      return NULL;
  }

  self->cleaner = rd_test_browser_watch (self->browser, self->dir, error);
  if (!self->cleaner)
    return NULL;

  read_next (self);
  result = call (self, NULL, "Target.setDiscoverTargets",
                 params_new ("discover", G_TYPE_BOOLEAN, TRUE, NULL), START_TIMEOUT_MS, error);
  if (!result)
    return NULL;
  g_clear_pointer (&result, json_node_unref);
  if (!rd_test_browser_iterate (&self->shape, page_target_known, NULL, START_TIMEOUT_MS,
                                "page target", error))
    return NULL;
  result = call (self, NULL, "Target.attachToTarget",
                 params_new ("targetId", G_TYPE_STRING, self->page_target_id, "flatten",
                             G_TYPE_BOOLEAN, TRUE, NULL),
                 COMMAND_TIMEOUT_MS, error);
  if (!result)
    return NULL;
  self->session_id = g_strdup (
      json_object_get_string_member_with_default (json_node_get_object (result), "sessionId", ""));
  g_clear_pointer (&result, json_node_unref);
  for (guint i = 0; i < 3; i++)
    {
      const char *domain[] = { "Page.enable", "Runtime.enable", "Network.enable" };
      result = call (self, self->session_id, domain[i], NULL, COMMAND_TIMEOUT_MS, error);
      if (!result)
        return NULL;
      g_clear_pointer (&result, json_node_unref);
    }
  self->start_ms = (g_get_monotonic_time () - t0) / 1000.0;
  return g_steal_pointer (&self);
}

JsonNode *
rd_test_chromium_eval (RdTestChromium *self, const char *js_expression, guint timeout_ms,
                       GError **error)
{
  g_autoptr (JsonNode) result = NULL;
  JsonObject *object;
  JsonObject *remote;

  result = call (self, self->session_id, "Runtime.evaluate",
                 params_new ("expression", G_TYPE_STRING, js_expression, "awaitPromise",
                             G_TYPE_BOOLEAN, TRUE, "returnByValue", G_TYPE_BOOLEAN, TRUE,
                             "userGesture", G_TYPE_BOOLEAN, TRUE, NULL),
                 timeout_ms, error);
  if (!result)
    return NULL;
  object = json_node_get_object (result);
  if (json_object_has_member (object, "exceptionDetails"))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "in the page: %s",
                   exception_text (json_object_get_object_member (object, "exceptionDetails")));
      return NULL;
    }
  remote = json_object_get_object_member (object, "result");
  if (remote && json_object_has_member (remote, "value"))
    return json_node_copy (json_object_get_member (remote, "value"));
  return json_node_init_null (json_node_alloc ());
}

JsonNode *
rd_test_chromium_wait (RdTestChromium *self, const char *js_condition, const char *js_describe,
                       guint timeout_ms, GError **error)
{
  return rd_test_browser_wait (&self->shape, js_condition, js_describe, timeout_ms, error);
}

gboolean
rd_test_chromium_add_init_script (RdTestChromium *self, const char *js, GError **error)
{
  g_autoptr (JsonNode) result =
      call (self, self->session_id, "Page.addScriptToEvaluateOnNewDocument",
            params_new ("source", G_TYPE_STRING, js, NULL), 10000, error);
  return result != NULL;
}

gboolean
rd_test_chromium_set_viewport (RdTestChromium *self, int width, int height, GError **error)
{
  g_autoptr (JsonNode) result =
      call (self, self->session_id, "Emulation.setDeviceMetricsOverride",
            params_new ("width", G_TYPE_INT, width, "height", G_TYPE_INT, height,
                        "deviceScaleFactor", G_TYPE_INT, 1, "mobile", G_TYPE_BOOLEAN, FALSE, NULL),
            10000, error);
  return result != NULL;
}

gboolean
rd_test_chromium_screenshot (RdTestChromium *self, const char *png_path, GError **error)
{
  g_autoptr (JsonNode) result =
      call (self, self->session_id, "Page.captureScreenshot",
            params_new ("format", G_TYPE_STRING, "png", NULL), 20000, error);
  g_autofree guchar *png = NULL;
  gsize size = 0;

  if (!result)
    return FALSE;
  png = g_base64_decode (json_object_get_string_member (json_node_get_object (result), "data"),
                         &size);
  return g_file_set_contents (png_path, (const char *)png, size, error);
}

GPtrArray *
rd_test_chromium_get_requests (RdTestChromium *self)
{
  GPtrArray *copy = g_ptr_array_new_full (self->requests->len, g_free);

  for (guint i = 0; i < self->requests->len; i++)
    g_ptr_array_add (copy, g_strdup (self->requests->pdata[i]));
  return copy;
}

double
rd_test_chromium_get_start_ms (RdTestChromium *self)
{
  return self->start_ms;
}

static gboolean
read_finished (RdTestBrowser *handle, gconstpointer data)
{
  RdTestChromium *self = (RdTestChromium *)handle;

  return !self->read_pending;
}

void
rd_test_chromium_free (RdTestChromium *self)
{
  if (!self)
    return;
  rd_test_browser_kill (self->browser);
  if (self->read_pending)
    {
      g_cancellable_cancel (self->cancellable);
      /* The callback must run before self goes; the pipe is closed by now, so it is prompt. */
      self->shape.dead = FALSE;
      rd_test_browser_iterate (&self->shape, read_finished, NULL, 5000, "end of the DevTools pipe",
                               NULL);
    }
  rd_test_browser_unwatch (self->cleaner, self->dir);
  g_clear_object (&self->browser);
  g_clear_object (&self->cleaner);
  g_clear_object (&self->to_browser);
  g_clear_object (&self->from_browser);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->inbox, g_byte_array_unref);
  rd_test_browser_clear (&self->shape);
  g_clear_pointer (&self->requests, g_ptr_array_unref);
  g_free (self->read_error);
  g_free (self->page_target_id);
  g_free (self->session_id);
  g_free (self->log_path);
  g_free (self->dir);
  g_free (self);
}
