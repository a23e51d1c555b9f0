/* rd-test-firefox.h: a second real browser for tests: Debian's headless firefox-esr, driven
 * with WebDriver BiDi (W3C, https://w3c.github.io/webdriver-bidi/) over a WebSocket (libsoup).
 *
 * rd_test_firefox_start() runs firefox in the caller's network namespace (the test must have
 * called rd_test_enter_netns() first, so firefox can reach nothing but loopback) with
 * --headless, --remote-debugging-port=0 (it says the port it took on stderr: "WebDriver BiDi
 * listening on ws://127.0.0.1:PORT") and a fresh profile whose user.js
 * ($RD_TEST_SRCDIR/tests/data/firefox-user.js) turns off every feature that reaches the network
 * by itself (updates, telemetry, safe browsing, captive portal and connectivity checks, remote
 * settings, Normandy and studies, DNS over HTTPS, push, add-on and plugin downloads,
 * prefetching). HOME is a fresh directory too. The test connects to
 * ws://127.0.0.1:PORT/session, opens a session (session.new) accepting the daemon's self-signed
 * certificate (acceptInsecureCerts) and drives the first top-level browsing context.
 *
 * Every call is synchronous with a bound: it iterates the thread-default GMainContext of the
 * thread that called _start() until the answer arrives or the timeout passes, so servers that the
 * test runs on that context keep answering meanwhile. The page's console messages and uncaught
 * errors (log.entryAdded) are printed with g_test_message(); every URL the page requested
 * (network.beforeRequestSent) is kept (rd_test_firefox_get_requests()).
 *
 * Cleanup as rd-test-chromium.h's: firefox runs in a process group of its own that dies with
 * the test, and a watcher removes the profile once the test is gone.
 *
 * When firefox is not installed, _start() fails with G_IO_ERROR_NOT_FOUND and
 * rd_test_firefox_available() says why: the test must then g_test_skip() with that reason.
 * RD_TEST_FIREFOX=<path> picks another binary; RD_TEST_FIREFOX_STDERR=1 copies its stderr to
 * the test's (otherwise only its tail is kept, quoted when firefox dies).
 *
 * libsoup's debug messages (several for every WebSocket frame) are dropped from _start() on.
 *
 * Threading: one thread. Ownership: returned JsonNodes and arrays are the caller's. */
#pragma once

#include "tests/rd-test-browser.h"

G_BEGIN_DECLS

typedef struct _RdTestFirefox RdTestFirefox;

/* TRUE when the firefox binary exists; otherwise FALSE and *@why (if not NULL) says so. */
gboolean rd_test_firefox_available (char **why);

/* Starts firefox on about:blank and opens a BiDi session. NULL with @error on failure. */
RdTestFirefox *rd_test_firefox_start (GError **error);
/* Its page in the shape every browser has (transfer none): rd-test-browser.h's driver calls
 * and steps. Navigations wait for the load event (wait: complete); evaluations
 * (script.evaluate: awaitPromise, with user activation) return values as
 * rd_test_chromium_eval() does (a DOM node or other platform object is an empty object,
 * undefined is null); init scripts are preload scripts (script.addPreloadScript); screenshots
 * show the viewport (browsingContext.captureScreenshot). */
RdTestBrowser *rd_test_firefox_browser (RdTestFirefox *firefox);

/* Every URL the page has requested so far, in order. */
GPtrArray *rd_test_firefox_get_requests (RdTestFirefox *firefox);
/* Milliseconds from spawning firefox to its BiDi session being open (for reports). */
double rd_test_firefox_get_start_ms (RdTestFirefox *firefox);

/* Kills firefox (the whole process group), removes its profile. NULL is fine. */
void rd_test_firefox_free (RdTestFirefox *firefox);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RdTestFirefox, rd_test_firefox_free)

G_END_DECLS
