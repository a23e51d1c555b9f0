/* rd-test-page.h: a page for the headless Chromium of a test (rd-test-chromium.h), served by the
 * test itself over plain HTTP on 127.0.0.1 (in the test's network namespace), and the page's
 * JavaScript evaluated against a running daemon (rd-test-daemon.h): a failure quotes the daemon's
 * log, so what the room did is in the test's output.
 *
 * Threading: the main context of the test's thread (the server answers there, while the test
 * waits in rd_test_chromium_*). Ownership: rd_test_page_new() (transfer full). */
#pragma once

#include <json-glib/json-glib.h>

#include "tests/rd-test-chromium.h"
#include "tests/rd-test-daemon.h"

G_BEGIN_DECLS

typedef struct _RdTestPage RdTestPage;

/* Serves the head, then a <script> of each file named (relative to RD_TEST_SRCDIR; NULL ends
 * the list), as one HTML page at rd_test_page_get_url(). Fails the test when a file cannot be
 * read or the server cannot listen. */
RdTestPage *rd_test_page_new (const char *title, const char *first_script,
                              ...) G_GNUC_NULL_TERMINATED;
/* Serves the HTML file @path (relative to RD_TEST_SRCDIR) as it is. */
RdTestPage *rd_test_page_new_from_file (const char *path);
const char *rd_test_page_get_url (RdTestPage *page);
void rd_test_page_free (RdTestPage *page);

/* Evaluates @js in the page (a promise is awaited); on an error fails the test with it and
 * @daemon's log (when not NULL). (transfer full) */
JsonNode *rd_test_page_eval (RdTestChromium *chromium, RdTestDaemon *daemon, const char *js,
                             guint timeout_ms);
/* Waits until @condition holds in the page; on timeout fails the test with @describe's value
 * and @daemon's log. Returns the condition's value. (transfer full) */
JsonNode *rd_test_page_wait (RdTestChromium *chromium, RdTestDaemon *daemon, const char *condition,
                             const char *describe, guint timeout_ms);
/* Fails the test with @what and @daemon's log (when not NULL). */
void rd_test_page_fail (RdTestDaemon *daemon, const char *what) G_GNUC_NORETURN;

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RdTestPage, rd_test_page_free)

G_END_DECLS
