/* rd-test-console-ui.h: the web console's steps in a real browser (rd-test-browser.h), shared by
 * the tests that drive it against the stub API (test-console-page) and against the real daemon
 * (test-console-e2e in Chromium, test-console-firefox): opening a page, logging in, the policy
 * violations the page raised, reading the invite's QR code back; and the real daemon they use,
 * with operators made by receptionctl.
 *
 * Each step asserts (a failure fails the test). @origin is https://HOST:PORT, no trailing slash.
 * Threading: the test's main thread. Ownership: returned strings are the caller's. */
#pragma once

#include "tests/rd-test-browser.h"
#include "tests/rd-test-daemon.h"

G_BEGIN_DECLS

/* The operators rd_test_console_ui_daemon_start() makes. */
#define RD_TEST_CONSOLE_UI_TECHNICIAN          "kythuat"
#define RD_TEST_CONSOLE_UI_TECHNICIAN_PASSWORD "kythuat-mat-khau-1"
#define RD_TEST_CONSOLE_UI_OFFICER             "canbo"
#define RD_TEST_CONSOLE_UI_OFFICER_PASSWORD    "canbo-mat-khau-22"

/* Collects the page's Content-Security-Policy violations from before its first script (an init
 * script), in window.__csp. */
void rd_test_console_ui_watch_csp (RdTestBrowser *browser);
/* No violation since the page loaded. */
void rd_test_console_ui_assert_no_csp (RdTestBrowser *browser);
/* Opens <origin>/console/<hash> as a new document and waits for its first page drawn. */
void rd_test_console_ui_open (RdTestBrowser *browser, const char *origin, const char *hash);
/* Logs @name in with @password on the login page; waits for the status page and its first
 * event of the live feed; no policy violation on the way. */
void rd_test_console_ui_log_in (RdTestBrowser *browser, const char *origin, const char *name,
                                const char *password);
/* The invite's QR code image (#invite-qr, a PNG data: URL drawn by the page) written to
 * @png_path and read back with zbarimg (Debian's zbar-tools) as @link. */
void rd_test_console_ui_assert_qr (RdTestBrowser *browser, const char *png_path, const char *link);
/* <build>/tests/console-screenshots, made if missing (transfer full). */
char *rd_test_console_ui_shots_dir (void);
/* How the photographs below are named: <prefix><name><suffix>-WxH.png (both empty unless
 * set; the strings must outlive the test). */
void rd_test_console_ui_name_shots (const char *prefix, const char *suffix);
/* rd_test_browser_shoot() into that directory, at 1280x800 and at 800x1280. */
void rd_test_console_ui_shoot (RdTestBrowser *browser, const char *name);
/* Opens @hash, waits for @js_shown and photographs the page as @name. */
void rd_test_console_ui_visit (RdTestBrowser *browser, const char *origin, const char *hash,
                               const char *js_shown, const char *name);

/* ---- against the real daemon ---- */

/* The steps below photograph the pages they end on ("session-invite", "session-paused",
 * "history-session", "book-registrations", "book-receptions").
 *
 * On the session page with no live session: starts one, makes a citizen's invite and checks
 * its QR code (written as @qr_name in the screenshots' directory) reads back as its join link,
 * which is returned (transfer full). */
char *rd_test_console_ui_start_and_invite (RdTestBrowser *browser, const char *origin,
                                           const char *qr_name);
/* On the session page: pauses the recording with @reason and waits for the badge and the
 * reason to show. */
void rd_test_console_ui_pause (RdTestBrowser *browser, const char *reason);
/* On the session page: ends the live session (two taps). */
void rd_test_console_ui_end_session (RdTestBrowser *browser);
/* On a session's history page: plays the recording listed as @track (e.g. "room-video VP8")
 * and waits until it has data to show (a picture for a video). */
void rd_test_console_ui_play (RdTestBrowser *browser, const char *track);
/* An officer's: the registration of @name (a "kiến nghị"), then a reception of it by
 * @officer; each waits to be listed. Then the book's export, which holds @name. */
void rd_test_console_ui_book (RdTestBrowser *browser, const char *origin, const char *name,
                              const char *officer);

/* The real receptiond (rd-test-daemon.h) with ICE on loopback, started, with the technician
 * and the officer above made by receptionctl; *@origin is its HTTPS listener's origin
 * (transfer full). */
RdTestDaemon *rd_test_console_ui_daemon_start (char **origin);
/* Makes @browser's failing steps quote @daemon's log. */
void rd_test_console_ui_quote_daemon (RdTestBrowser *browser, RdTestDaemon *daemon);

G_END_DECLS
