/* rd-test-browser.c: see rd-test-browser.h. */
#define _GNU_SOURCE
#include "tests/rd-test-browser.h"

#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#define DEFAULT_STEP_MS 20000

static guint
step_ms (RdTestBrowser *self)
{
  return self->step_ms ? self->step_ms : DEFAULT_STEP_MS;
}

/* Fails the test with @error's message, the browser's name and what on_failure adds. */
static void
fail (RdTestBrowser *self, const char *what, const GError *error)
{
  g_autofree char *more = self->on_failure ? self->on_failure (self->on_failure_data) : NULL;

  g_error ("%s: %s: %s%s%s", self->driver->name, what, error ? error->message : "failed",
           more ? "\n" : "", more ? more : "");
}

JsonNode *
rd_test_browser_wait (RdTestBrowser *self, const char *js_condition, const char *js_describe,
                      guint timeout_ms, GError **error)
{
  g_autoptr (JsonNode) condition_node = json_node_init_string (json_node_alloc (), js_condition);
  g_autofree char *condition_literal = json_to_string (condition_node, FALSE);
  g_autofree char *js = g_strdup_printf (
      "(async () => {\n"
      "  const deadline = Date.now() + %u;\n"
      "  let last;\n"
      "  for (;;) {\n"
      "    let v;\n"
      "    try { v = await (%s); } catch (e) { last = String(e); }\n"
      "    if (v) return v;\n"
      "    if (Date.now() > deadline) {\n"
      "      let seen = last;\n"
      "      try { seen = JSON.stringify(await (%s)); } catch (e) { seen = String(e); }\n"
      "      throw new Error('timed out after %u ms waiting for ' + %s + '; seen: ' + seen);\n"
      "    }\n"
      "    await new Promise((r) => setTimeout(r, 20));\n"
      "  }\n"
      "})()",
      timeout_ms, js_condition, js_describe ? js_describe : "undefined", timeout_ms,
      condition_literal);

  /* The page enforces the deadline; ours is a backstop. */
  return self->driver->eval (self, js, timeout_ms + 5000, error);
}

void
rd_test_browser_open (RdTestBrowser *self, const char *url)
{
  g_autoptr (GError) error = NULL;

  if (!self->driver->open (self, url, step_ms (self), &error))
    fail (self, url, error);
}

JsonNode *
rd_test_browser_eval (RdTestBrowser *self, const char *js)
{
  g_autoptr (GError) error = NULL;
  JsonNode *value = self->driver->eval (self, js, step_ms (self), &error);

  if (!value)
    fail (self, js, error);
  return value;
}

char *
rd_test_browser_eval_string (RdTestBrowser *self, const char *js)
{
  g_autoptr (JsonNode) value = rd_test_browser_eval (self, js);

  if (JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_STRING)
    return g_strdup (json_node_get_string (value));
  return NULL;
}

gboolean
rd_test_browser_eval_true (RdTestBrowser *self, const char *js)
{
  g_autoptr (JsonNode) value = rd_test_browser_eval (self, js);

  return JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_BOOLEAN &&
         json_node_get_boolean (value);
}

void
rd_test_browser_wait_for (RdTestBrowser *self, const char *js_condition, const char *js_describe)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) value =
      rd_test_browser_wait (self, js_condition, js_describe, step_ms (self), &error);

  if (!value)
    fail (self, "waiting", error);
}

char *
rd_test_browser_js_string (const char *text)
{
  g_autoptr (JsonNode) node = json_node_init_string (json_node_alloc (), text);
  return json_to_string (node, FALSE);
}

void
rd_test_browser_fill (RdTestBrowser *self, const char *selector, const char *value)
{
  g_autofree char *s = rd_test_browser_js_string (selector);
  g_autofree char *v = rd_test_browser_js_string (value);
  g_autofree char *js = g_strdup_printf ("(() => { const e = document.querySelector(%s); e.value = "
                                         "%s; e.dispatchEvent(new Event('change')); return 1; })()",
                                         s, v);
  g_autoptr (JsonNode) done = rd_test_browser_eval (self, js);
}

void
rd_test_browser_click (RdTestBrowser *self, const char *id)
{
  g_autofree char *i = rd_test_browser_js_string (id);
  g_autofree char *cond = g_strdup_printf ("document.getElementById(%s)", i);
  g_autofree char *js = g_strdup_printf ("document.getElementById(%s).click(), 1", i);
  g_autoptr (JsonNode) done = NULL;

  rd_test_browser_wait_for (self, cond, "document.body.innerText.slice(0, 400)");
  done = rd_test_browser_eval (self, js);
}

void
rd_test_browser_submit (RdTestBrowser *self, const char *form_id)
{
  g_autofree char *i = rd_test_browser_js_string (form_id);
  g_autofree char *js = g_strdup_printf ("document.getElementById(%s).requestSubmit(), 1", i);
  g_autoptr (JsonNode) done = rd_test_browser_eval (self, js);
}

void
rd_test_browser_add_init_script (RdTestBrowser *self, const char *js)
{
  g_autoptr (GError) error = NULL;

  if (!self->driver->add_init_script (self, js, &error))
    fail (self, "adding an init script", error);
}

void
rd_test_browser_set_viewport (RdTestBrowser *self, int width, int height)
{
  g_autoptr (GError) error = NULL;

  if (!self->driver->set_viewport (self, width, height, &error))
    fail (self, "setting the viewport", error);
}

void
rd_test_browser_shoot (RdTestBrowser *self, const char *dir, const char *name)
{
  static const int sizes[][2] = { { 800, 1280 }, { 1280, 800 } };

  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *file = g_strdup_printf ("%s-%dx%d.png", name, sizes[i][0], sizes[i][1]);
      g_autofree char *path = g_build_filename (dir, file, NULL);

      rd_test_browser_set_viewport (self, sizes[i][0], sizes[i][1]);
      /* Laid out at the new size: no horizontal scrolling of the page itself. */
      if (!rd_test_browser_eval_true (
              self, "new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => "
                    "r(document.documentElement.scrollWidth <= innerWidth))))"))
        g_error ("%s: %s overflows %d px", self->driver->name, name, sizes[i][0]);
      if (!self->driver->screenshot (self, path, &error))
        fail (self, path, error);
    }
}

/* ---- for drivers ---- */

static gboolean
timeout_cb (gpointer user_data)
{
  *(gboolean *)user_data = TRUE;
  return G_SOURCE_REMOVE;
}

void
rd_test_browser_init (RdTestBrowser *self, const RdTestBrowserDriver *driver)
{
  self->driver = driver;
  self->context = g_main_context_ref_thread_default ();
  self->replies =
      g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, (GDestroyNotify)json_node_unref);
}

void
rd_test_browser_clear (RdTestBrowser *self)
{
  g_clear_pointer (&self->replies, g_hash_table_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
}

gboolean
rd_test_browser_iterate (RdTestBrowser *self, RdTestBrowserDone done, gconstpointer data,
                         guint timeout_ms, const char *what, GError **error)
{
  gboolean timed_out = FALSE;
  g_autoptr (GSource) timeout = g_timeout_source_new (timeout_ms);
  gboolean ok = FALSE;

  g_source_set_callback (timeout, timeout_cb, &timed_out, NULL);
  g_source_attach (timeout, self->context);
  for (;;)
    {
      if (done (self, data))
        {
          ok = TRUE;
          break;
        }
      if (self->dead)
        {
          self->driver->dead_error (self, error);
          break;
        }
      if (timed_out)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "%s: no %s within %u ms",
                       self->driver->name, what, timeout_ms);
          break;
        }
      g_main_context_iteration (self->context, TRUE);
    }
  g_source_destroy (timeout);
  return ok;
}

static gboolean
reply_arrived (RdTestBrowser *self, gconstpointer data)
{
  return g_hash_table_contains (self->replies, data);
}

JsonNode *
rd_test_browser_wait_reply (RdTestBrowser *self, gint64 id, const char *method, guint timeout_ms,
                            GError **error)
{
  g_autofree char *what = g_strdup_printf ("answer to %s", method);
  gpointer key = NULL;
  gpointer reply = NULL;

  if (!rd_test_browser_iterate (self, reply_arrived, &id, timeout_ms, what, error))
    return NULL;
  g_hash_table_steal_extended (self->replies, &id, &key, &reply);
  g_free (key);
  return reply;
}

/* ---- processes ---- */

const char *
rd_test_browser_path (const char *env_var, const char *fallback)
{
  const char *path = g_getenv (env_var);

  return path && *path ? path : fallback;
}

gboolean
rd_test_browser_installed (const char *path, const char *package, char **why)
{
  if (g_file_test (path, G_FILE_TEST_IS_EXECUTABLE))
    return TRUE;
  if (why)
    *why = g_strdup_printf ("%s is not installed (Debian package \"%s\"; "
                            "scripts/install-deps.sh installs it)",
                            path, package);
  return FALSE;
}

static void
browser_child_setup (gpointer user_data)
{
  pid_t parent = (pid_t)GPOINTER_TO_INT (user_data);

  /* Dies with the test, even when the test is killed; and takes its helpers along as a group. */
  prctl (PR_SET_PDEATHSIG, SIGKILL);
  if (getppid () != parent)
    _exit (127);
  setpgid (0, 0);
}

void
rd_test_browser_launcher_setup (GSubprocessLauncher *launcher)
{
  g_subprocess_launcher_set_child_setup (launcher, browser_child_setup,
                                         GINT_TO_POINTER ((int)getpid ()), NULL);
}

static void
watcher_child_setup (gpointer user_data)
{
  /* Not in the test's session: a ^C to the test must not stop the cleanup. */
  setsid ();
}

/* Waits for stdin to close (the test freed us, or died), then kills the browser's process group
 * and removes its directory. */
static const char watcher_script[] =
    /* dash: "kill -SIG -PGID", no "--" (dash's kill takes "--" for a pid and fails). */
    "cat >/dev/null\n"
    "kill -KILL -\"$1\" 2>/dev/null\n"
    "i=0\n"
    /* Until no member runs any more (zombies write nothing; pid 1 may never reap them). */
    "while pgrep -g \"$1\" -r R,S,D,T,t >/dev/null && [ $i -lt 100 ]; do\n"
    "  sleep 0.02; i=$((i+1))\n"
    "done\n"
    "rm -rf -- \"$2\"\n";

GSubprocess *
rd_test_browser_watch (GSubprocess *browser, const char *dir, GError **error)
{
  const char *pid = g_subprocess_get_identifier (browser);
  const char *const argv[] = {
    "/bin/sh", "-c", watcher_script, "rd-test-browser-cleanup", pid ? pid : "0", dir, NULL
  };
  g_autoptr (GSubprocessLauncher) launcher =
      g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE);

  g_subprocess_launcher_set_child_setup (launcher, watcher_child_setup, NULL, NULL);
  return g_subprocess_launcher_spawnv (launcher, argv, error);
}

void
rd_test_browser_kill (GSubprocess *browser)
{
  const char *pid;

  if (!browser)
    return;
  pid = g_subprocess_get_identifier (browser);
  if (pid)
    kill (-(pid_t)g_ascii_strtoll (pid, NULL, 10), SIGKILL);
  g_subprocess_force_exit (browser);
  g_subprocess_wait (browser, NULL, NULL);
}

void
rd_test_browser_unwatch (GSubprocess *watcher, const char *dir)
{
  if (watcher)
    {
      g_output_stream_close (g_subprocess_get_stdin_pipe (watcher), NULL, NULL);
      g_subprocess_wait (watcher, NULL, NULL);
    }
  else if (dir)
    {
      /* The browser never started; the directory holds nothing running. */
      const char *const argv[] = { "rm", "-rf", "--", dir, NULL };
      g_autoptr (GSubprocess) rm = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_NONE, NULL);
      if (rm)
        g_subprocess_wait (rm, NULL, NULL);
    }
}
