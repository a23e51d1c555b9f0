/* test-console-e2e.c: the web console against the real receptiond, in headless Chromium, in a
 * network namespace of the test's own: operators made with receptionctl; a technician logs in,
 * sees the status over the live feed, starts a session, invites (the QR code reads back as the
 * join link), a second Chromium opens that link and appears live as a party with its network
 * figures (the room's test tone on the microphone's meter), the camera's and the display's
 * pictures load and come again, the recording is paused with a reason and resumed, the session
 * ended and its recording played in the page; an officer has no session controls and the daemon
 * refuses session.start anyway, adds a registration with diacritics and a reception, exports the
 * book, fetches its XLSX and PDF links and the report's PDF link, and changes her own password in
 * the page. Screenshots go to
 * <build>/tests/console-screenshots/e2e-*.png. */
#include <string.h>

#include "tests/rd-test-chromium.h"
#include "tests/rd-test-console-ui.h"
#include "tests/rd-test-netns.h"

#define PW_OFFICER_NEW "canbo-tu-doi-mat-khau"

static char *netns_skip_reason;

static void
test_console_e2e (void)
{
  g_autofree char *why = NULL;
  g_autofree char *link = NULL;
  g_autofree char *text = NULL;
  g_autofree char *base = NULL;
  g_autoptr (RdTestDaemon) t = NULL; /* first: freed after the browsers */
  g_autoptr (RdTestChromium) console = NULL;
  g_autoptr (RdTestChromium) party = NULL;
  g_autoptr (JsonNode) v = NULL;
  g_autoptr (GError) error = NULL;
  RdTestBrowser *b;

  if (rd_test_skip_if (netns_skip_reason))
    return;
  if (!rd_test_chromium_available (&why))
    {
      g_test_skip (why);
      return;
    }
  t = rd_test_console_ui_daemon_start (&base);
  console = rd_test_chromium_start (&error);
  g_assert_no_error (error);
  b = rd_test_chromium_browser (console);
  rd_test_console_ui_quote_daemon (b, t);
  rd_test_console_ui_watch_csp (b);
  rd_test_console_ui_name_shots ("e2e-", "");
  rd_test_browser_set_viewport (b, 1280, 800);

  /* The technician: a session, an invite and its QR code. */
  rd_test_console_ui_log_in (b, base, RD_TEST_CONSOLE_UI_TECHNICIAN,
                             RD_TEST_CONSOLE_UI_TECHNICIAN_PASSWORD);
  rd_test_console_ui_open (b, base, "#/session");
  link = rd_test_console_ui_start_and_invite (b, base, "e2e-invite-qr.png");

  /* A browser opens the link: the party appears on the status page, live, with figures. */
  rd_test_console_ui_open (b, base, "#/status");
  party = rd_test_chromium_start (&error);
  g_assert_no_error (error);
  rd_test_browser_open (rd_test_chromium_browser (party), link);
  rd_test_browser_wait_for (
      b,
      "(() => { const p = rdConsole.status && rdConsole.status.parties && "
      "rdConsole.status.parties[0]; return p && p.state === 'connected' && "
      "p.bitrate_in_kbps > 0 && "
      "document.getElementById('status-parties').innerText.includes('connected') && "
      "Number(document.getElementById('mic-level').dataset.dbfs) > -40; })()",
      "JSON.stringify(rdConsole.status && rdConsole.status.parties)");
  /* The pictures: both previews load as 320 px wide JPEGs and come again; the camera's (the
   * test pattern, a clock) is not one colour. */
  rd_test_browser_wait_for (b,
                            "document.getElementById('preview-camera').naturalWidth === 320 && "
                            "document.getElementById('preview-composite').naturalWidth === 320 && "
                            "rdConsole.previews >= 4",
                            "[rdConsole.previews, document.visibilityState, "
                            "document.getElementById('preview-camera').src]");
  v = rd_test_browser_eval (
      b, "(() => { const i = document.getElementById('preview-camera'); "
         "const c = document.createElement('canvas'); c.width = i.naturalWidth; "
         "c.height = i.naturalHeight; const x = c.getContext('2d'); x.drawImage(i, 0, 0); "
         "const d = x.getImageData(0, 0, c.width, c.height).data; let lo = 255, hi = 0; "
         "for (let k = 0; k < d.length; k += 4) { lo = Math.min(lo, d[k + 1]); "
         "hi = Math.max(hi, d[k + 1]); } return hi - lo; })()");
  g_assert_cmpint (json_node_get_int (v), >, 100);
  g_clear_pointer (&v, json_node_unref);
  rd_test_console_ui_shoot (b, "status-live");

  /* Pause with a reason, then resume. */
  rd_test_console_ui_open (b, base, "#/session");
  rd_test_console_ui_pause (b, "Công dân xin tạm nghỉ");
  rd_test_browser_fill (b, "#rec-reason-input", "Tiếp tục");
  rd_test_browser_click (b, "resume");
  rd_test_browser_wait_for (b, "document.getElementById('rec-badge').textContent === 'ĐANG GHI'",
                            "document.getElementById('rec-badge').textContent");

  /* End and play the room's video (VP8 in Matroska, played as WebM) from the history. */
  rd_test_console_ui_end_session (b);
  g_clear_pointer (&party, rd_test_chromium_free);
  rd_test_console_ui_open (b, base, "#/history");
  rd_test_browser_wait_for (b, "document.querySelector('#history-list a')", NULL);
  v = rd_test_browser_eval (b, "location.hash = document.querySelector('#history-list a')"
                               ".getAttribute('href'), 1");
  rd_test_console_ui_play (b, "room-video VP8");

  /* The officer: no session controls; the daemon refuses session.start anyway. */
  rd_test_browser_click (b, "logout");
  rd_test_browser_wait_for (b, "rdConsole.route === 'login'", "rdConsole.route");
  rd_test_console_ui_log_in (b, base, RD_TEST_CONSOLE_UI_OFFICER,
                             RD_TEST_CONSOLE_UI_OFFICER_PASSWORD);
  rd_test_console_ui_open (b, base, "#/session");
  rd_test_browser_wait_for (b, "document.getElementById('session-start')", NULL);
  g_assert_true (
      rd_test_browser_eval_true (b, "document.getElementById('start-session') === null"));
  text = rd_test_browser_eval_string (b, "RD.api.call('session.start', {}).then(() => 'started', "
                                         "(x) => x.status + ' ' + x.code)");
  g_assert_cmpstr (text, ==, "403 forbidden");

  /* A registration with diacritics and its reception; the export holds them. */
  rd_test_console_ui_book (b, base, "Nguyễn Thị Hồng Nhung", "Trần Thị Bình");
  /* The export tab's links to the book as XLSX and PDF, and the report's PDF link, fetched with
   * the page's session as a click does. */
  g_clear_pointer (&text, g_free);
  text = rd_test_browser_eval_string (
      b, "Promise.all(['export-xlsx', 'export-pdf'].map((id) => fetch(document.getElementById(id)"
         ".getAttribute('href'), { credentials: 'same-origin' }).then((r) => r.status + ' ' + "
         "r.headers.get('Content-Type')))).then((a) => a.join(', '))");
  g_assert_cmpstr (text, ==,
                   "200 application/vnd.openxmlformats-officedocument.spreadsheetml.sheet, "
                   "200 application/pdf");
  rd_test_console_ui_open (b, base, "#/book/report");
  rd_test_browser_wait_for (b, "document.querySelector('#report-pdf[href]')", NULL);
  g_clear_pointer (&text, g_free);
  text = rd_test_browser_eval_string (
      b, "fetch(document.getElementById('report-pdf').getAttribute('href')).then((r) => "
         "r.status + ' ' + r.headers.get('Content-Type'))");
  g_assert_cmpstr (text, ==, "200 application/pdf");

  /* The officer changes her own password: a wrong current one is refused with its reason, the
   * right one is taken, and the new one logs in. */
  rd_test_console_ui_open (b, base, "#/account");
  rd_test_browser_fill (b, "#current-password", "khong-phai-mat-khau");
  rd_test_browser_fill (b, "#new-password", PW_OFFICER_NEW);
  rd_test_browser_fill (b, "#repeat-password", PW_OFFICER_NEW);
  rd_test_browser_submit (b, "password-form");
  rd_test_browser_wait_for (b,
                            "document.getElementById('password-result').innerText.includes("
                            "'Mật khẩu hiện tại không đúng')",
                            "document.getElementById('password-result').innerText");
  rd_test_browser_fill (b, "#current-password", RD_TEST_CONSOLE_UI_OFFICER_PASSWORD);
  rd_test_browser_submit (b, "password-form");
  rd_test_browser_wait_for (
      b, "document.getElementById('password-result').innerText.includes('Đã đổi mật khẩu')",
      "document.getElementById('password-result').innerText");
  rd_test_console_ui_shoot (b, "account-password");
  rd_test_browser_click (b, "logout");
  rd_test_browser_wait_for (b, "rdConsole.route === 'login'", "rdConsole.route");
  rd_test_console_ui_log_in (b, base, RD_TEST_CONSOLE_UI_OFFICER, PW_OFFICER_NEW);
  rd_test_console_ui_assert_no_csp (b);
}

int
main (int argc, char **argv)
{
  rd_test_init_in_netns (&argc, &argv, &netns_skip_reason);
  g_test_add_func ("/console-e2e/technician-and-officer", test_console_e2e);
  return g_test_run ();
}
