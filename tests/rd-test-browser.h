/* rd-test-browser.h: one shape for the real browsers the tests drive, whatever protocol drives
 * them (rd-test-chromium.h: the Chrome DevTools Protocol; rd-test-firefox.h: WebDriver BiDi),
 * and the steps a test takes in a page with any of them.
 *
 * A driver fills in an RdTestBrowserDriver; its handle starts with an RdTestBrowser
 * (rd_test_chromium_browser(), rd_test_firefox_browser()). The driver's calls are synchronous
 * with a bound and report failures as GErrors. The steps below assert instead: each takes at
 * most the browser's step_ms, and a failing one fails the test with what the page showed, the
 * browser's name and what on_failure adds (e.g. a daemon's log).
 *
 * Threading: the thread that started the browser. Ownership: an RdTestBrowser belongs to its
 * driver's handle and lives as long as it; returned JsonNodes and strings are the caller's. */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct _RdTestBrowser RdTestBrowser;

typedef struct
{
  const char *name; /* "chromium", "firefox": for messages */
  /* Navigates to @url and waits for its load (a new document each time). */
  gboolean (*open) (RdTestBrowser *browser, const char *url, guint timeout_ms, GError **error);
  /* Evaluates @js_expression in the page with a user gesture, awaiting a promise; its value as
   * JSON (a JSON null node for undefined). A thrown exception is an error with its text. */
  JsonNode *(*eval) (RdTestBrowser *browser, const char *js_expression, guint timeout_ms,
                     GError **error);
  /* Runs @js in every document loaded from now on, before the document's own scripts (the
   * page's Content-Security-Policy does not apply to it). */
  gboolean (*add_init_script) (RdTestBrowser *browser, const char *js, GError **error);
  /* Lays the page out at @width x @height CSS pixels, scale 1. */
  gboolean (*set_viewport) (RdTestBrowser *browser, int width, int height, GError **error);
  /* Writes the page's viewport to @png_path as PNG. */
  gboolean (*screenshot) (RdTestBrowser *browser, const char *png_path, GError **error);
  /* The error for a browser that is gone (dead is set), with what it last said. */
  void (*dead_error) (RdTestBrowser *browser, GError **error);
} RdTestBrowserDriver;

struct _RdTestBrowser
{
  const RdTestBrowserDriver *driver;
  guint step_ms; /* each asserting step's bound; 20000 unless the test sets it */
  /* When set, called as an asserting step fails; its text (transfer full) is quoted. */
  char *(*on_failure) (gpointer data);
  gpointer on_failure_data;
  /* The driver's: the context its calls iterate, whether the browser is gone, and the
   * answers received (id (gint64 *) -> message (JsonNode *)). */
  GMainContext *context;
  gboolean dead;
  GHashTable *replies;
};

/* Waits until @js_condition is truthy in the page, re-evaluating it every 20 ms inside the
 * page, for at most @timeout_ms; returns the truthy value (transfer full). The error on timeout
 * quotes @js_condition and the value of @js_describe (if not NULL), an expression that tells
 * what was seen instead. */
JsonNode *rd_test_browser_wait (RdTestBrowser *browser, const char *js_condition,
                                const char *js_describe, guint timeout_ms, GError **error);

/* @text as a JavaScript string literal (transfer full). */
char *rd_test_browser_js_string (const char *text);

/* ---- asserting steps ---- */

/* Opens @url (a new document, even when only the fragment differs from the current one). */
void rd_test_browser_open (RdTestBrowser *browser, const char *url);
/* The value of @js (transfer full). */
JsonNode *rd_test_browser_eval (RdTestBrowser *browser, const char *js);
/* The value of @js as a string: NULL when it is not one (transfer full). */
char *rd_test_browser_eval_string (RdTestBrowser *browser, const char *js);
/* TRUE when @js is the boolean true. */
gboolean rd_test_browser_eval_true (RdTestBrowser *browser, const char *js);
/* rd_test_browser_wait() with the step's bound, failing the test on timeout. */
void rd_test_browser_wait_for (RdTestBrowser *browser, const char *js_condition,
                               const char *js_describe);
/* Sets the value of the element at @selector and fires its change event. */
void rd_test_browser_fill (RdTestBrowser *browser, const char *selector, const char *value);
/* Waits for the element with @id, then clicks it. */
void rd_test_browser_click (RdTestBrowser *browser, const char *id);
/* Submits the form with @id as its submit button would (requestSubmit). */
void rd_test_browser_submit (RdTestBrowser *browser, const char *form_id);
void rd_test_browser_add_init_script (RdTestBrowser *browser, const char *js);
void rd_test_browser_set_viewport (RdTestBrowser *browser, int width, int height);
/* The page at 1280x800 and at 800x1280, each checked for horizontal overflow of the page and
 * written as <dir>/<name>-1280x800.png and <name>-800x1280.png; the viewport is 1280x800 after. */
void rd_test_browser_shoot (RdTestBrowser *browser, const char *dir, const char *name);

/* ---- for drivers ---- */

/* Sets up @browser for @driver on the thread-default context; _clear() frees what it holds. */
void rd_test_browser_init (RdTestBrowser *browser, const RdTestBrowserDriver *driver);
void rd_test_browser_clear (RdTestBrowser *browser);
/* What a driver waits for: TRUE when @browser (the start of its handle) has it. */
typedef gboolean (*RdTestBrowserDone) (RdTestBrowser *browser, gconstpointer data);
/* Iterates the context until @done (@browser, @data) holds (TRUE); or until the browser is dead
 * (FALSE, the driver's dead_error); or @timeout_ms pass (FALSE, G_IO_ERROR_TIMED_OUT naming
 * @what). */
gboolean rd_test_browser_iterate (RdTestBrowser *browser, RdTestBrowserDone done,
                                  gconstpointer data, guint timeout_ms, const char *what,
                                  GError **error);
/* Waits for the answer to the command @id (@method, for the error) and takes it out of the
 * replies (transfer full); NULL with @error on timeout or death. */
JsonNode *rd_test_browser_wait_reply (RdTestBrowser *browser, gint64 id, const char *method,
                                      guint timeout_ms, GError **error);

/* Defines `static const RdTestBrowserDriver driver` for a handle of type @Type (which starts
 * with its RdTestBrowser) from its functions PREFIX_open, _eval, _add_init_script,
 * _set_viewport and _screenshot and its static set_dead_error(), which take the handle as their
 * first argument. */
#define RD_TEST_BROWSER_DRIVER(Type, prefix, browser_name)                                         \
  static gboolean driver_open (RdTestBrowser *b, const char *url, guint ms, GError **error)        \
  {                                                                                                \
    return prefix##_open ((Type *)b, url, ms, error);                                              \
  }                                                                                                \
  static JsonNode *driver_eval (RdTestBrowser *b, const char *js, guint ms, GError **error)        \
  {                                                                                                \
    return prefix##_eval ((Type *)b, js, ms, error);                                               \
  }                                                                                                \
  static gboolean driver_add_init_script (RdTestBrowser *b, const char *js, GError **error)        \
  {                                                                                                \
    return prefix##_add_init_script ((Type *)b, js, error);                                        \
  }                                                                                                \
  static gboolean driver_set_viewport (RdTestBrowser *b, int w, int h, GError **error)             \
  {                                                                                                \
    return prefix##_set_viewport ((Type *)b, w, h, error);                                         \
  }                                                                                                \
  static gboolean driver_screenshot (RdTestBrowser *b, const char *path, GError **error)           \
  {                                                                                                \
    return prefix##_screenshot ((Type *)b, path, error);                                           \
  }                                                                                                \
  static const RdTestBrowserDriver driver = {                                                      \
    .name = browser_name,                                                                          \
    .open = driver_open,                                                                           \
    .eval = driver_eval,                                                                           \
    .add_init_script = driver_add_init_script,                                                     \
    .set_viewport = driver_set_viewport,                                                           \
    .screenshot = driver_screenshot,                                                               \
  }

/* The browser's binary: $@env_var when set and not empty, else @fallback. */
const char *rd_test_browser_path (const char *env_var, const char *fallback);
/* TRUE when @path is an executable; otherwise FALSE and *@why (if not NULL) names it and the
 * Debian @package that scripts/install-deps.sh installs. */
gboolean rd_test_browser_installed (const char *path, const char *package, char **why);

/* The browser's processes. */

/* Makes the child of @launcher the leader of a process group of its own, killed (SIGKILL) when
 * the test process dies. */
void rd_test_browser_launcher_setup (GSubprocessLauncher *launcher);
/* Starts a watcher (transfer full) that, once the test closes its stdin or dies, kills
 * @browser's process group and removes @dir: an aborted test leaves nothing behind. */
GSubprocess *rd_test_browser_watch (GSubprocess *browser, const char *dir, GError **error);
/* Kills @browser's process group at once and reaps @browser. NULL is fine. */
void rd_test_browser_kill (GSubprocess *browser);
/* Lets @watcher finish (the group killed, @dir removed) and waits for it; without a watcher
 * (NULL: the browser never started) removes @dir itself. */
void rd_test_browser_unwatch (GSubprocess *watcher, const char *dir);

G_END_DECLS
