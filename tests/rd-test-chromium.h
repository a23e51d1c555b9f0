/* rd-test-chromium.h: a real browser for tests: Debian's headless chromium, driven with the
 * Chrome DevTools Protocol (https://chromedevtools.github.io/devtools-protocol/).
 *
 * rd_test_chromium_start() runs chromium in the caller's network namespace (the test must have
 * called rd_test_enter_netns() first: chromium makes WebRTC connections) with the flags of
 * TESTING.md (fake camera and microphone, loopback ICE candidates, certificate errors ignored,
 * no background networking) and a fresh --user-data-dir. It is driven over
 * --remote-debugging-pipe (fds 3 and 4, NUL-terminated JSON messages): no TCP port, nothing to
 * poll for. One page target is attached (flattened session) with the Page, Runtime and Network
 * domains enabled.
 *
 * Every call is synchronous with a bound: it iterates the thread-default GMainContext of the
 * thread that called _start() until the answer arrives or the timeout passes, so servers that the
 * test runs on that context keep answering meanwhile. Console messages and uncaught exceptions
 * of the page are printed with g_test_message(); every URL the page requested is kept (see
 * rd_test_chromium_get_requests()).
 *
 * Cleanup: chromium runs in a process group of its own with PR_SET_PDEATHSIG (SIGKILL) and a
 * small watcher process removes the user-data-dir and kills that group once the test process is
 * gone, so an aborted test leaves nothing behind either. rd_test_chromium_free() does the same
 * at once and waits for it.
 *
 * When chromium is not installed, _start() fails with G_IO_ERROR_NOT_FOUND and
 * rd_test_chromium_available() says why: the test must then g_test_skip() with that reason.
 * RD_TEST_CHROMIUM=<path> picks another binary; RD_TEST_CHROMIUM_STDERR=1 lets its stderr
 * through (otherwise it goes to a file whose tail is quoted when chromium dies).
 *
 * Threading: one thread. Ownership: returned JsonNodes and arrays are the caller's. */
#pragma once

#include "tests/rd-test-browser.h"

G_BEGIN_DECLS

typedef struct _RdTestChromium RdTestChromium;

/* TRUE when the chromium binary exists; otherwise FALSE and *@why (if not NULL) says so. */
gboolean rd_test_chromium_available (char **why);

/* Starts chromium on about:blank and attaches to its page. NULL with @error on failure. */
RdTestChromium *rd_test_chromium_start (GError **error);
/* The same page in the shape every browser has, for rd-test-browser.h's steps (transfer none). */
RdTestBrowser *rd_test_chromium_browser (RdTestChromium *chromium);

/* Navigates the page to @url and waits (up to @timeout_ms) for its load event. */
gboolean rd_test_chromium_open (RdTestChromium *chromium, const char *url, guint timeout_ms,
                                GError **error);

/* Evaluates @js_expression in the page (Runtime.evaluate: awaitPromise, returnByValue, with a
 * user gesture) and returns its value as JSON (a JSON null node for undefined). A thrown
 * exception or rejected promise is an error carrying its description. */
JsonNode *rd_test_chromium_eval (RdTestChromium *chromium, const char *js_expression,
                                 guint timeout_ms, GError **error);

/* rd_test_browser_wait() on this page. */
JsonNode *rd_test_chromium_wait (RdTestChromium *chromium, const char *js_condition,
                                 const char *js_describe, guint timeout_ms, GError **error);

/* Runs @js in every document the page loads from now on, before the document's own scripts
 * (Page.addScriptToEvaluateOnNewDocument; the page's Content-Security-Policy does not apply). */
gboolean rd_test_chromium_add_init_script (RdTestChromium *chromium, const char *js,
                                           GError **error);
/* Lays the page out at @width x @height CSS pixels (scale 1), as a screen of that size would. */
gboolean rd_test_chromium_set_viewport (RdTestChromium *chromium, int width, int height,
                                        GError **error);
/* Writes what the page shows (its viewport) to @png_path as PNG. */
gboolean rd_test_chromium_screenshot (RdTestChromium *chromium, const char *png_path,
                                      GError **error);

/* Every URL the page has requested so far (Network.requestWillBeSent), in order. */
GPtrArray *rd_test_chromium_get_requests (RdTestChromium *chromium);

/* Milliseconds from spawning chromium to its page being attached (for reports). */
double rd_test_chromium_get_start_ms (RdTestChromium *chromium);

/* Kills chromium (the whole process group), removes its user-data-dir. NULL is fine. */
void rd_test_chromium_free (RdTestChromium *chromium);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RdTestChromium, rd_test_chromium_free)

G_END_DECLS
