/* test-console-firefox.c: the web console against the real receptiond in headless Firefox
 * (Debian's firefox-esr, over WebDriver BiDi: tests/rd-test-firefox.h), in a network namespace
 * of the test's own: the console must work in Firefox as in Chromium (test-console-e2e).
 *
 * Operators made with receptionctl; a wrong password is refused with its message; a
 * technician logs in, starts a session, invites (the QR code Firefox drew reads back as the
 * join link; the copy button copies it), pauses the recording with a reason; the status page
 * follows the live feed (a resume made with receptionctl shows without a reload); the session
 * ends and its recording plays (VP8 and Opus in Matroska, played as WebM, in a <video> and an
 * <audio>); an officer adds a registration with diacritics and its reception, sees every tab
 * of the book and exports it. No page raises a Content-Security-Policy violation, every
 * request goes to the daemon, and every page is photographed at 1280x800 and 800x1280 as
 * <build>/tests/console-screenshots/<page>-firefox-WxH.png. */
#include <string.h>

#include "tests/rd-test-console-ui.h"
#include "tests/rd-test-firefox.h"
#include "tests/rd-test-netns.h"

static char *netns_skip_reason;

/* Every request the page made went to the daemon (or stayed in the page). */
static void
assert_requests_local (RdTestFirefox *firefox, const char *base)
{
  g_autoptr (GPtrArray) requests = rd_test_firefox_get_requests (firefox);

  g_assert_cmpuint (requests->len, >, 0);
  for (guint i = 0; i < requests->len; i++)
    {
      const char *url = requests->pdata[i];
      if (!g_str_has_prefix (url, base) && !g_str_has_prefix (url, "data:") &&
          !g_str_has_prefix (url, "blob:") && !g_str_has_prefix (url, "about:"))
        g_error ("firefox requested %s", url);
    }
}

/* The status page follows the live feed: a resume made with receptionctl shows without a
 * reload of the page. */
static void
check_live_status (RdTestBrowser *b, RdTestDaemon *t, const char *base, const char *session)
{
  g_autoptr (JsonNode) before = NULL;
  g_autoptr (JsonNode) after = NULL;

  rd_test_console_ui_open (b, base, "#/status");
  rd_test_browser_wait_for (b, "document.getElementById('rec-badge').textContent === 'TẠM DỪNG'",
                            "document.getElementById('status-recording').innerText");
  before = rd_test_browser_eval (b, "rdConsole.statusEvents");
  g_assert_cmpint (rd_test_ctl (t, NULL, NULL, "recording", "resume", session, "--reason",
                                "Tiếp tục phiên", NULL),
                   ==, 0);
  rd_test_browser_wait_for (b,
                            "document.getElementById('rec-badge').textContent === 'ĐANG GHI' && "
                            "rdConsole.rendered === 1",
                            "[rdConsole.rendered, rdConsole.statusEvents, "
                            "document.getElementById('status-recording').innerText]");
  after = rd_test_browser_eval (b, "rdConsole.statusEvents");
  g_assert_cmpint (json_node_get_int (after), >, json_node_get_int (before));
  rd_test_console_ui_shoot (b, "status-live");
}

static void
test_console_firefox (void)
{
  g_autofree char *why = NULL;
  g_autofree char *base = NULL;
  g_autofree char *link = NULL;
  g_autofree char *text = NULL;
  g_autofree char *session = NULL;
  g_autofree char *hash = NULL;
  g_autoptr (RdTestDaemon) t = NULL; /* first: freed after the browser */
  g_autoptr (RdTestFirefox) firefox = NULL;
  g_autoptr (GError) error = NULL;
  gint64 t0 = g_get_monotonic_time ();
  RdTestBrowser *b;

  if (rd_test_skip_if (netns_skip_reason))
    return;
  if (!rd_test_firefox_available (&why))
    {
      g_test_skip (why);
      return;
    }
  t = rd_test_console_ui_daemon_start (&base);
  firefox = rd_test_firefox_start (&error);
  g_assert_no_error (error);
  g_test_message ("firefox started (BiDi session open) in %.0f ms",
                  rd_test_firefox_get_start_ms (firefox));
  b = rd_test_firefox_browser (firefox);
  rd_test_console_ui_quote_daemon (b, t);
  rd_test_console_ui_watch_csp (b);
  rd_test_console_ui_name_shots ("", "-firefox");
  rd_test_browser_set_viewport (b, 1280, 800);

  /* A wrong password: refused, with its message. */
  rd_test_console_ui_visit (b, base, "#/login", "document.getElementById('login-form')", "login");
  rd_test_browser_fill (b, "input[name=name]", RD_TEST_CONSOLE_UI_TECHNICIAN);
  rd_test_browser_fill (b, "input[name=password]", "sai-mat-khau");
  rd_test_browser_submit (b, "login-form");
  rd_test_browser_wait_for (b, "document.getElementById('login-result').textContent", NULL);
  text = rd_test_browser_eval_string (b, "document.getElementById('login-result').textContent");
  g_assert_cmpstr (text, ==, "Tên đăng nhập hoặc mật khẩu không đúng.");
  rd_test_console_ui_shoot (b, "login-refused");

  /* The technician: the status page, a session, an invite (its QR code drawn by Firefox reads
   * back as the link), a pause with a reason. */
  rd_test_console_ui_log_in (b, base, RD_TEST_CONSOLE_UI_TECHNICIAN,
                             RD_TEST_CONSOLE_UI_TECHNICIAN_PASSWORD);
  rd_test_console_ui_shoot (b, "status-idle");
  rd_test_console_ui_visit (b, base, "#/session", "document.getElementById('start-session')",
                            "session-idle");
  rd_test_browser_fill (b, "#session-title", "Tiếp công dân định kỳ");
  link = rd_test_console_ui_start_and_invite (b, base, "invite-qr-firefox.png");
  rd_test_browser_click (b, "copy-link");
  rd_test_browser_wait_for (
      b, "document.getElementById('copied').textContent.trim() === 'Đã sao chép'",
      "document.getElementById('copied').textContent");
  rd_test_console_ui_pause (b, "Công dân xin tạm nghỉ");
  session = rd_test_browser_eval_string (b, "rdConsole.status.sessions[0].id");
  check_live_status (b, t, base, session);

  /* End; the history, and the room's recording played: VP8 in a <video>, Opus in an <audio>
   * (Matroska, played as WebM). */
  rd_test_console_ui_open (b, base, "#/session");
  rd_test_console_ui_end_session (b);
  rd_test_console_ui_visit (b, base, "#/history", "document.querySelector('#history-list a')",
                            "history");
  hash = g_strdup_printf ("#/history/%s", session);
  rd_test_console_ui_open (b, base, hash);
  rd_test_console_ui_play (b, "room-audio OPUS");
  rd_test_console_ui_play (b, "room-video VP8");

  /* The officer: a registration with diacritics and its reception, the export, and every other
   * tab of the book. */
  rd_test_browser_click (b, "logout");
  rd_test_browser_wait_for (b, "rdConsole.route === 'login'", "rdConsole.route");
  rd_test_console_ui_log_in (b, base, RD_TEST_CONSOLE_UI_OFFICER,
                             RD_TEST_CONSOLE_UI_OFFICER_PASSWORD);
  rd_test_console_ui_book (b, base, "Nguyễn Thị Hồng Nhung", "Trần Thị Bình");
  rd_test_console_ui_shoot (b, "book-export");
  rd_test_console_ui_visit (b, base, "#/book/schedule", "document.getElementById('schedule-list')",
                            "book-schedule");
  rd_test_console_ui_visit (b, base, "#/book/conclusions",
                            "document.getElementById('conclusion-list')", "book-conclusions");
  rd_test_console_ui_open (b, base, "#/book/report");
  rd_test_browser_submit (b, "report-form");
  rd_test_browser_wait_for (b, "document.getElementById('report-result').innerText",
                            "document.getElementById('message').innerText");
  rd_test_console_ui_shoot (b, "book-report");

  rd_test_console_ui_assert_no_csp (b);
  assert_requests_local (firefox, base);
  g_test_message ("firefox: the whole console in %.1f s", (g_get_monotonic_time () - t0) / 1e6);
}

int
main (int argc, char **argv)
{
  rd_test_init_in_netns (&argc, &argv, &netns_skip_reason);
  g_test_add_func ("/console-firefox/technician-and-officer", test_console_firefox);
  return g_test_run ();
}
