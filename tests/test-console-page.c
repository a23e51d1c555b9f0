/* test-console-page.c: the web console (signaling/console/) in a real headless Chromium, against
 * the stub API of tests/rd-test-console-stub.h (the console's own files and status feed, a room
 * kept in memory), in a network namespace of the test's own.
 *
 * Checks: the files carry the strict Content-Security-Policy and no page raises a violation
 * (a listener installed before the page's scripts); the page is in Vietnamese by default and
 * English on the switch (remembered across a reload); a wrong password, then the lockout
 * message; a technician starts a session, invites (the QR code decodes with zbarimg to the join
 * link), sees a party appear live over the feed with its level and the microphone's as meters,
 * pauses with a reason, plays a recording; an officer has no session controls and the API
 * refuses session.start anyway, and adds a registration with diacritics, exports the book; overdue
 * and late items are highlighted. Every page is photographed at 1280x800 and 800x1280 into
 * <build>/tests/console-screenshots/.
 *
 * The same against the daemon's real API (operator accounts, sessions, CSRF) is
 * test-console-e2e's job. */
#include <string.h>

#include "signaling/rd-signal-console-assets.h"
#include "tests/rd-test-chromium.h"
#include "tests/rd-test-console-stub.h"
#include "tests/rd-test-console-ui.h"
#include "tests/rd-test-netns.h"

#define STEP_MS  15000
#define PASSWORD "mat-khau-dung"

static char *netns_skip_reason;

typedef struct
{
  RdTestConsole *stub;
  RdTestChromium *chromium;
  RdTestBrowser *b; /* the same page, for the shared steps */
  char *shots;      /* the screenshots' directory */
} Fixture;

static void
set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *why = NULL;

  if (rd_test_skip_if (netns_skip_reason))
    return;
  if (!rd_test_chromium_available (&why))
    {
      g_test_skip (why);
      return;
    }
  f->stub = rd_test_console_new ();
  f->chromium = rd_test_chromium_start (&error);
  g_assert_no_error (error);
  f->b = rd_test_chromium_browser (f->chromium);
  f->b->step_ms = STEP_MS;
  rd_test_console_ui_watch_csp (f->b);
  rd_test_browser_set_viewport (f->b, 1280, 800);
  f->shots = rd_test_console_ui_shots_dir ();
}

static void
tear_down (Fixture *f, gconstpointer data)
{
  g_clear_pointer (&f->chromium, rd_test_chromium_free);
  g_clear_pointer (&f->stub, rd_test_console_free);
  g_free (f->shots);
}

/* ---- tests ---- */

/* The files: the page names only its own files; none holds inline script, style or handlers. */
static void
test_files (void)
{
  g_autoptr (GBytes) page = rd_signal_console_assets_lookup ("index.html");
  g_autofree char *html = g_strndup (g_bytes_get_data (page, NULL), g_bytes_get_size (page));
  const char *names[] = { "console.css",        "console-i18n.js",   "console-util.js",
                          "console-qr.js",      "console-status.js", "console-session.js",
                          "console-history.js", "console-book.js",   "console.js" };
  g_autoptr (GRegex) handler = g_regex_new ("<[^>]*\\son[a-z]+=", G_REGEX_CASELESS, 0, NULL);

  g_assert_true (g_str_has_prefix (html, "<!doctype html>"));
  g_assert_null (strstr (html, "<style"));
  g_assert_null (strstr (html, "style="));
  g_assert_null (strstr (html, "<script>"));
  g_assert_false (g_regex_match (handler, html, 0, NULL));
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr (GBytes) file = rd_signal_console_assets_lookup (names[i]);
      g_assert_nonnull (file);
      g_assert_true (
          g_utf8_validate (g_bytes_get_data (file, NULL), g_bytes_get_size (file), NULL));
      g_assert_nonnull (strstr (html, names[i]));
    }
  g_assert_null (rd_signal_console_assets_lookup ("../CMakeLists.txt"));
  g_assert_null (rd_signal_console_assets_lookup (".hidden"));
  g_assert_null (rd_signal_console_assets_lookup ("console.gresource.xml"));
}

/* The policy is in force (an injected inline script does not run and is reported), every file
 * carries it with its type, and the page alone raises no violation. Vietnamese first. */
static void
test_policy_and_language (Fixture *f, gconstpointer data)
{
  g_autofree char *headers = NULL;
  g_autofree char *title = NULL;
  g_autofree char *nav = NULL;

  if (!f->chromium)
    return;
  rd_test_console_ui_open (f->b, f->stub->origin, "#/login");
  rd_test_console_ui_assert_no_csp (f->b);
  title = rd_test_browser_eval_string (
      f->b, "document.querySelector('#login-form h2').textContent + '|' + "
            "document.title + '|' + document.documentElement.lang");
  g_assert_cmpstr (title, ==, "Đăng nhập|Bảng điều khiển phòng tiếp công dân|vi");
  headers = rd_test_browser_eval_string (
      f->b, "Promise.all(['', 'console.css', 'console.js', 'console-qr.js'].map((n) => fetch(n)"
            ".then((r) => [r.status, r.headers.get('content-type'), "
            "r.headers.get('content-security-policy'), r.headers.get('x-content-type-options')]"
            ".join(' | ')))).then((a) => a.join('\\n'))");
  g_test_message ("%s", headers);
  g_assert_nonnull (strstr (headers, "200 | text/html; charset=utf-8 | default-src 'self'; img-src "
                                     "'self' data: blob:; media-src 'self' blob:; connect-src "
                                     "'self'; frame-ancestors 'none'; base-uri 'none'; "
                                     "form-action 'self' | nosniff"));
  g_assert_nonnull (strstr (headers, "200 | text/css; charset=utf-8 | default-src 'self';"));
  g_assert_nonnull (strstr (headers, "200 | text/javascript; charset=utf-8 | default-src 'self';"));
  rd_test_console_ui_shoot (f->b, "login");

  /* An inline script is refused, and the refusal seen. */
  g_autoptr (JsonNode) injected = rd_test_browser_eval (
      f->b, "(() => { const s = document.createElement('script'); s.textContent = "
            "'window.__ran = 1'; document.body.appendChild(s); return true; })()");
  rd_test_browser_wait_for (f->b, "window.__csp.length > 0", "window.__csp");
  g_autoptr (JsonNode) ran = rd_test_browser_eval (f->b, "window.__ran === undefined");
  g_assert_true (json_node_get_boolean (ran));

  /* English on the switch, kept across a reload; Vietnamese again. */
  rd_test_console_ui_open (f->b, f->stub->origin, "#/login");
  rd_test_browser_click (f->b, "lang");
  rd_test_browser_wait_for (f->b,
                            "document.querySelector('#login-form h2').textContent === 'Log in'",
                            "document.querySelector('#login-form h2').textContent");
  rd_test_console_ui_open (f->b, f->stub->origin, "#/login");
  nav = rd_test_browser_eval_string (f->b, "document.getElementById('lang').textContent + '|' + "
                                           "document.documentElement.lang");
  g_assert_cmpstr (nav, ==, "Tiếng Việt|en");
  rd_test_browser_click (f->b, "lang");
  rd_test_browser_wait_for (f->b,
                            "document.querySelector('#login-form h2').textContent === 'Đăng nhập'",
                            "document.querySelector('#login-form h2').textContent");
  rd_test_console_ui_assert_no_csp (f->b);
}

static void
test_lockout (Fixture *f, gconstpointer data)
{
  g_autofree char *text = NULL;

  if (!f->chromium)
    return;
  rd_test_console_ui_open (f->b, f->stub->origin, "#/login");
  for (int i = 0; i < 3; i++)
    {
      rd_test_browser_fill (f->b, "input[name=name]", "kythuat");
      rd_test_browser_fill (f->b, "input[name=password]", "sai");
      g_autoptr (JsonNode) v =
          rd_test_browser_eval (f->b, "document.getElementById('login-result').textContent = '',"
                                      "document.getElementById('login-form').requestSubmit(), 1");
      rd_test_browser_wait_for (f->b, "document.getElementById('login-result').textContent", NULL);
      text =
          rd_test_browser_eval_string (f->b, "document.getElementById('login-result').textContent");
      g_assert_cmpstr (text, ==, "Tên đăng nhập hoặc mật khẩu không đúng.");
      g_clear_pointer (&text, g_free);
    }
  rd_test_browser_fill (f->b, "input[name=password]", PASSWORD);
  g_autoptr (JsonNode) v =
      rd_test_browser_eval (f->b, "document.getElementById('login-result').textContent = '',"
                                  "document.getElementById('login-form').requestSubmit(), 1");
  rd_test_browser_wait_for (f->b, "document.getElementById('login-result').textContent", NULL);
  text = rd_test_browser_eval_string (f->b, "document.getElementById('login-result').textContent");
  g_test_message ("after three wrong passwords: %s", text);
  g_assert_true (g_str_has_prefix (text, "Tài khoản tạm bị khóa"));
  g_assert_nonnull (strstr (text, "Thử lại sau 15 phút."));
  rd_test_console_ui_shoot (f->b, "login-locked");
  rd_test_console_ui_assert_no_csp (f->b);
}

/* A short VP8 WebM for the stub to serve as a recording, or NULL without gst-launch-1.0. */
static char *
make_recording (Fixture *f)
{
  g_autofree char *path = g_build_filename (f->shots, "segment-1.webm", NULL);
  g_autofree char *location = g_strdup_printf ("location=%s", path);
  const char *argv[] = { "gst-launch-1.0",
                         "-q",
                         "videotestsrc",
                         "num-buffers=30",
                         "!",
                         "video/x-raw,width=320,height=240,framerate=15/1",
                         "!",
                         "vp8enc",
                         "deadline=1",
                         "!",
                         "webmmux",
                         "!",
                         "filesink",
                         location,
                         NULL };
  int status = 1;

  if (!g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL,
                     &status, NULL) ||
      status != 0)
    return NULL;
  return g_steal_pointer (&path);
}

/* A technician: status live over the feed, a session started, an invite with its QR code, a
 * party appearing live, a pause with a reason, the history and a recording played; no book. */
static void
test_technician (Fixture *f, gconstpointer data)
{
  g_autofree char *link = NULL;
  g_autofree char *qr = NULL;
  g_autofree char *text = NULL;
  g_autoptr (JsonNode) v = NULL;
  gint64 events;

  if (!f->chromium)
    return;
  f->stub->recording_path = make_recording (f);
  rd_test_console_ui_log_in (f->b, f->stub->origin, "kythuat", PASSWORD);
  text = rd_test_browser_eval_string (f->b, "document.getElementById('nav').innerText");
  g_assert_nonnull (strstr (text, "Trạng thái"));
  g_assert_null (strstr (text, "Sổ tiếp dân"));
  g_clear_pointer (&text, g_free);
  rd_test_browser_wait_for (f->b,
                            "document.getElementById('status-scheduled').querySelector('tr.late')",
                            "document.body.innerText.slice(0, 400)");
  rd_test_console_ui_shoot (f->b, "status-idle");

  /* The book is not the technician's: its route falls back to the status page. */
  rd_test_console_ui_open (f->b, f->stub->origin, "#/book/registrations");
  rd_test_browser_wait_for (f->b, "rdConsole.route === 'status'", "rdConsole.route");

  rd_test_console_ui_open (f->b, f->stub->origin, "#/session");
  rd_test_browser_wait_for (f->b, "document.getElementById('start-session')",
                            "[location.href, rdConsole.route, rdConsole.rendered]");
  rd_test_console_ui_shoot (f->b, "session-idle");
  rd_test_browser_fill (f->b, "#session-title", "Tiếp công dân định kỳ");
  rd_test_browser_click (f->b, "start-session");
  rd_test_browser_wait_for (f->b, "document.getElementById('make-invite')",
                            "document.body.innerText.slice(0, 300)");
  g_assert_cmpuint (rd_test_console_count_calls (f->stub, "session.start"), ==, 1);
  v = rd_test_browser_eval (f->b, "document.getElementById('invite-name').disabled");
  g_assert_true (json_node_get_boolean (v)); /* a citizen's invite has no name */
  g_clear_pointer (&v, json_node_unref);
  v = rd_test_browser_eval (
      f->b, "(() => { const r = document.getElementById('invite-role'); r.value = 'board'; "
            "r.dispatchEvent(new Event('change')); return true; })()");
  g_clear_pointer (&v, json_node_unref);
  rd_test_browser_fill (f->b, "#invite-name", "Nguyễn Văn An");
  rd_test_browser_click (f->b, "make-invite");
  rd_test_browser_wait_for (
      f->b, "document.getElementById('invite-qr') && document.getElementById('invite-qr').complete",
      "document.getElementById('session-invite').innerText");
  link = rd_test_browser_eval_string (f->b, "document.getElementById('invite-link').textContent");
  qr = g_build_filename (f->shots, "invite-qr.png", NULL);
  rd_test_console_ui_assert_qr (f->b, qr, link);
  rd_test_browser_click (f->b, "copy-link");
  rd_test_browser_wait_for (
      f->b, "document.getElementById('copied').textContent.trim() === 'Đã sao chép'",
      "document.getElementById('copied').textContent");
  rd_test_console_ui_shoot (f->b, "session-invite");

  /* A party joins: the status page shows it without a reload, from the feed, across the
   * feed's reconnections (each stream lasts a second here). */
  rd_signal_console_events_set_max_age (f->stub->events, 1);
  rd_test_console_ui_open (f->b, f->stub->origin, "#/status");
  rd_test_browser_wait_for (f->b, "rdConsole.statusEvents >= 4", "rdConsole.statusEvents");
  g_clear_pointer (&v, json_node_unref);
  v = rd_test_browser_eval (f->b, "document.querySelector('#who .badge').textContent");
  g_assert_cmpstr (json_node_get_string (v), ==, "Trực tiếp");
  g_clear_pointer (&v, json_node_unref);
  v = rd_test_browser_eval (f->b, "rdConsole.statusEvents");
  events = json_node_get_int (v);
  f->stub->parties = 1;
  rd_test_console_push (f->stub);
  rd_test_browser_wait_for (
      f->b, "document.getElementById('status-parties').innerText.includes('Nguyễn Văn An')",
      "document.getElementById('status-parties').innerText");
  g_clear_pointer (&v, json_node_unref);
  v = rd_test_browser_eval (f->b, "rdConsole.statusEvents");
  g_assert_cmpint (json_node_get_int (v), >, events);
  g_assert_cmpint (rd_signal_console_events_count (f->stub->events), >=, 1);
  text = rd_test_browser_eval_string (f->b, "document.getElementById('status-parties').innerText");
  g_assert_nonnull (strstr (text, "812"));
  g_assert_nonnull (strstr (text, "905"));
  g_clear_pointer (&text, g_free);
  /* Levels as meters: the room's microphone at -18.2 dBFS, the party silent (the floor). */
  text = rd_test_browser_eval_string (
      f->b, "[document.querySelector('#mic-level .meter > div').style.width, "
            "document.getElementById('level-p0').dataset.dbfs, "
            "document.querySelector('#level-p0 .meter > div').style.width].join(' ')");
  g_assert_cmpstr (text, ==, "70% -127 0%");
  g_clear_pointer (&text, g_free);
  /* The stub has no pictures: the preview says so (the real ones: test-console-e2e). */
  rd_test_browser_wait_for (f->b,
                            "document.querySelector('#status-preview figcaption').textContent"
                            ".endsWith('chưa có hình')",
                            "document.getElementById('status-preview').innerText");
  rd_test_console_ui_shoot (f->b, "status-live");

  /* Pause with a reason: the badge and the reason, live. */
  rd_test_console_ui_open (f->b, f->stub->origin, "#/session");
  rd_test_browser_wait_for (f->b, "document.getElementById('pause')",
                            "document.body.innerText.slice(0, 400)");
  rd_test_browser_click (f->b, "pause");
  rd_test_browser_wait_for (
      f->b, "document.getElementById('message').innerText.includes('Hãy nhập lý do')",
      "document.getElementById('message').innerText");
  rd_test_browser_fill (f->b, "#rec-reason-input", "Công dân xin tạm nghỉ");
  rd_test_browser_click (f->b, "pause");
  rd_test_browser_wait_for (
      f->b,
      "document.getElementById('rec-badge').textContent === 'TẠM DỪNG' && "
      "document.getElementById('session-rec-reason').textContent.includes('Công dân xin')",
      "document.getElementById('session-room').innerText");
  rd_test_console_ui_shoot (f->b, "session-paused");

  /* History: the list, a session, its recording played. */
  rd_test_console_ui_open (f->b, f->stub->origin, "#/history");
  rd_test_browser_wait_for (f->b, "document.getElementById('history-list')", NULL);
  rd_test_console_ui_shoot (f->b, "history");
  rd_test_console_ui_open (f->b, f->stub->origin, "#/history/20261206-ffee01");
  rd_test_browser_wait_for (
      f->b,
      "document.getElementById('history-events') && "
      "document.getElementById('history-events').innerText.includes('06/12/2026 09:30')",
      "document.body.innerText.slice(0, 600)");
  if (f->stub->recording_path)
    {
      rd_test_browser_click (f->b, "play-1");
      rd_test_browser_wait_for (f->b,
                                "document.getElementById('player-1').readyState >= 2 && "
                                "document.getElementById('player-1').videoWidth === 320",
                                "[document.getElementById('player-1').readyState, "
                                "document.getElementById('player-1').error && "
                                "document.getElementById('player-1').error.message]");
    }
  else
    g_test_message ("no gst-launch-1.0: the recording's playback is not checked");
  rd_test_console_ui_shoot (f->b, "history-session");
  rd_test_console_ui_assert_no_csp (f->b);
}

/* An officer: no session controls, the API refuses session.start anyway; the book. */
static void
test_officer (Fixture *f, gconstpointer data)
{
  g_autofree char *text = NULL;
  g_autofree char *refused = NULL;
  g_autoptr (JsonNode) v = NULL;

  if (!f->chromium)
    return;
  rd_test_console_ui_log_in (f->b, f->stub->origin, "canbo", PASSWORD);
  rd_test_console_ui_open (f->b, f->stub->origin, "#/session");
  rd_test_browser_wait_for (f->b, "document.getElementById('session-start')", NULL);
  v = rd_test_browser_eval (f->b, "document.getElementById('start-session') === null");
  g_assert_true (json_node_get_boolean (v));
  refused =
      rd_test_browser_eval_string (f->b, "RD.api.call('session.start', {}).then(() => 'started', "
                                         "(e) => e.status + ' ' + e.code)");
  g_assert_cmpstr (refused, ==, "403 forbidden");
  g_assert_null (f->stub->live_session);
  /* ... and a state change without the CSRF token is refused too. */
  g_clear_pointer (&refused, g_free);
  refused = rd_test_browser_eval_string (
      f->b, "fetch('/console/api/call', {method: 'POST', headers: "
            "{'Content-Type': 'application/json'}, body: JSON.stringify("
            "{method: 'registration.list'})}).then((r) => String(r.status))");
  g_assert_cmpstr (refused, ==, "403");

  rd_test_console_ui_open (f->b, f->stub->origin, "#/book/registrations");
  rd_test_browser_wait_for (f->b, "document.getElementById('registration-form')",
                            "document.body.innerText.slice(0, 300)");
  rd_test_console_ui_shoot (f->b, "book-registrations-empty");
  rd_test_browser_fill (f->b, "#name", "Nguyễn Thị Hồng Nhung");
  rd_test_browser_fill (f->b, "#address", "12 đường Lê Lợi, phường Bến Nghé");
  rd_test_browser_fill (f->b, "#summary", "Đề nghị xem xét lại quyết định thu hồi đất");
  rd_test_browser_fill (f->b, "#classification", "kien-nghi");
  g_clear_pointer (&v, json_node_unref);
  v = rd_test_browser_eval (f->b,
                            "document.getElementById('registration-form').requestSubmit(), 1");
  rd_test_browser_wait_for (
      f->b,
      "document.getElementById('registration-list').innerText.includes('Nguyễn Thị Hồng Nhung')",
      "document.getElementById('registration-form-result').innerText");
  rd_test_browser_fill (f->b, "#name", "Lê Văn Tố");
  rd_test_browser_fill (f->b, "#summary", "Tố cáo cán bộ địa chính");
  rd_test_browser_fill (f->b, "#classification", "to-cao");
  g_clear_pointer (&v, json_node_unref);
  v = rd_test_browser_eval (f->b,
                            "document.getElementById('registration-form').requestSubmit(), 1");
  rd_test_browser_wait_for (
      f->b,
      "document.getElementById('registration-list').innerText.includes('danh tính được bảo vệ')",
      "document.getElementById('registration-list').innerText");
  {
    gboolean found = FALSE;
    for (guint i = 0; i < f->stub->calls->len; i++)
      if (strstr (f->stub->calls->pdata[i],
                  "canbo registration.add {\"name\":\"Nguyễn Thị Hồng Nhung\""))
        found = TRUE;
    g_assert_true (found);
  }
  rd_test_console_ui_shoot (f->b, "book-registrations");

  rd_test_console_ui_visit (f->b, f->stub->origin, "#/book/schedule",
                            "document.querySelector('#schedule-list tr.late')", "book-schedule");
  rd_test_console_ui_visit (
      f->b, f->stub->origin, "#/book/receptions",
      "document.getElementById('reception-list').innerText.includes('06/12/2026')",
      "book-receptions");
  rd_test_console_ui_visit (f->b, f->stub->origin, "#/book/conclusions",
                            "document.querySelector('#conclusion-list tr.overdue')",
                            "book-conclusions");

  rd_test_console_ui_open (f->b, f->stub->origin, "#/book/export");
  rd_test_browser_wait_for (f->b, "document.getElementById('export-form')", NULL);
  g_clear_pointer (&v, json_node_unref);
  v = rd_test_browser_eval (f->b, "document.getElementById('export-form').requestSubmit(), 1");
  rd_test_browser_wait_for (f->b, "rdConsole.lastExport",
                            "document.getElementById('export-form-result').innerText");
  g_clear_pointer (&text, g_free);
  text = rd_test_browser_eval_string (f->b, "rdConsole.lastExport.content");
  g_assert_nonnull (strstr (text, "Nguyễn Văn An"));
  rd_test_console_ui_shoot (f->b, "book-export");
  rd_test_console_ui_open (f->b, f->stub->origin, "#/book/report");
  g_clear_pointer (&v, json_node_unref);
  v = rd_test_browser_eval (f->b, "document.getElementById('report-form').requestSubmit(), 1");
  rd_test_browser_wait_for (
      f->b, "document.getElementById('report-result').innerText.includes('tháng 12 năm 2026')",
      "document.getElementById('report-result').innerText");
  rd_test_console_ui_shoot (f->b, "book-report");
  rd_test_console_ui_assert_no_csp (f->b);
}

/* A supervisor reveals a protected identity with a reason; the call carries both. */
static void
test_supervisor_reveal (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonNode) v = NULL;
  gboolean found = FALSE;

  if (!f->chromium)
    return;
  rd_test_console_ui_log_in (f->b, f->stub->origin, "giamsat", PASSWORD);
  rd_test_console_ui_open (f->b, f->stub->origin, "#/book/registrations");
  rd_test_browser_wait_for (f->b, "document.getElementById('registration-form')", NULL);
  rd_test_browser_fill (f->b, "#name", "Lê Văn Tố");
  rd_test_browser_fill (f->b, "#summary", "Tố cáo cán bộ địa chính");
  rd_test_browser_fill (f->b, "#classification", "to-cao");
  v = rd_test_browser_eval (f->b,
                            "document.getElementById('registration-form').requestSubmit(), 1");
  rd_test_browser_wait_for (f->b, "document.getElementById('reveal-1')",
                            "document.getElementById('registration-list').innerText");
  rd_test_browser_click (f->b, "reveal-1");
  rd_test_browser_wait_for (
      f->b, "document.getElementById('message').innerText.includes('Hãy nhập lý do')", NULL);
  rd_test_browser_fill (f->b, "#registration-list input", "Thanh tra theo yêu cầu của chủ tịch");
  rd_test_browser_click (f->b, "reveal-1");
  rd_test_browser_wait_for (
      f->b, "document.getElementById('registration-list').innerText.includes('Lê Văn Tố')",
      "document.getElementById('registration-list').innerText");
  for (guint i = 0; i < f->stub->calls->len; i++)
    if (strstr (f->stub->calls->pdata[i], "giamsat registration.show") &&
        strstr (f->stub->calls->pdata[i], "\"reveal\":true") &&
        strstr (f->stub->calls->pdata[i], "Thanh tra theo yêu cầu của chủ tịch"))
      found = TRUE;
  g_assert_true (found);
  rd_test_console_ui_shoot (f->b, "book-registrations-revealed");
  rd_test_console_ui_assert_no_csp (f->b);
}

int
main (int argc, char **argv)
{
  rd_test_init_in_netns (&argc, &argv, &netns_skip_reason);
  g_test_add_func ("/console-page/files", test_files);
  g_test_add ("/console-page/policy-and-language", Fixture, NULL, set_up, test_policy_and_language,
              tear_down);
  g_test_add ("/console-page/lockout", Fixture, NULL, set_up, test_lockout, tear_down);
  g_test_add ("/console-page/technician", Fixture, NULL, set_up, test_technician, tear_down);
  g_test_add ("/console-page/officer", Fixture, NULL, set_up, test_officer, tear_down);
  g_test_add ("/console-page/supervisor-reveal", Fixture, NULL, set_up, test_supervisor_reveal,
              tear_down);
  return g_test_run ();
}
