/* test-console-page.c: the web console (signaling/console/) in a real headless Chromium, against
 * the stub API of tests/rd-test-console-stub.h (the console's own files and status feed, a room
 * kept in memory), in a network namespace of the test's own.
 *
 * Checks: the files carry the strict Content-Security-Policy and no page raises a violation
 * (a listener installed before the page's scripts); the page is in Vietnamese by default and
 * English on the switch (remembered across a reload); a wrong password, then the lockout
 * message; a technician starts a session, invites (the QR code decodes with zbarimg to the join
 * link), sees a party appear live over the feed, pauses with a reason, plays a recording; an
 * officer has no session controls and the API refuses session.start anyway, and adds a
 * registration with diacritics, exports the book; overdue and late items are highlighted. Every
 * page is photographed at 1280x800 and 800x1280 into <build>/tests/console-screenshots/.
 *
 * The same against the daemon's real API (operator accounts, sessions, CSRF) is
 * test-console-e2e's job. */
#include <string.h>

#include "signaling/rd-signal-console-assets.h"
#include "tests/rd-test-chromium.h"
#include "tests/rd-test-console-stub.h"
#include "tests/rd-test-netns.h"

#define STEP_MS  15000
#define PASSWORD "mat-khau-dung"

static char *netns_skip_reason;

typedef struct
{
  RdTestConsole *stub;
  RdTestChromium *chromium;
  char *shots; /* the screenshots' directory */
} Fixture;

/* Every violation of the page's policy, from before its first script runs. */
static const char csp_listener[] = "window.__csp = [];"
                                   "document.addEventListener('securitypolicyviolation', (e) => "
                                   "window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));";

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
  g_assert_true (rd_test_chromium_add_init_script (f->chromium, csp_listener, &error));
  g_assert_no_error (error);
  g_assert_true (rd_test_chromium_set_viewport (f->chromium, 1280, 800, &error));
  f->shots = g_build_filename (g_getenv ("RD_TEST_BINDIR"), "tests", "console-screenshots", NULL);
  g_assert_cmpint (g_mkdir_with_parents (f->shots, 0755), ==, 0);
}

static void
tear_down (Fixture *f, gconstpointer data)
{
  g_clear_pointer (&f->chromium, rd_test_chromium_free);
  g_clear_pointer (&f->stub, rd_test_console_free);
  g_free (f->shots);
}

static JsonNode *
eval (Fixture *f, const char *js)
{
  g_autoptr (GError) error = NULL;
  JsonNode *v = rd_test_chromium_eval (f->chromium, js, STEP_MS, &error);

  g_assert_no_error (error);
  return v;
}

static char *
eval_string (Fixture *f, const char *js)
{
  g_autoptr (JsonNode) v = eval (f, js);
  return g_strdup (JSON_NODE_HOLDS_VALUE (v) ? json_node_get_string (v) : NULL);
}

static void
wait (Fixture *f, const char *condition, const char *describe)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) v =
      rd_test_chromium_wait (f->chromium, condition, describe, STEP_MS, &error);

  g_assert_no_error (error);
}

static void
open_page (Fixture *f, const char *hash)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *url = g_strdup_printf ("%s/console/%s", f->stub->origin, hash);

  /* From a blank page: a new document each time (a navigation that changes only the fragment
   * after the page's history.replaceState() may be dropped). */
  g_assert_true (rd_test_chromium_open (f->chromium, "about:blank", STEP_MS, &error));
  g_assert_no_error (error);
  g_assert_true (rd_test_chromium_open (f->chromium, url, STEP_MS, &error));
  g_assert_no_error (error);
  wait (f, "window.rdConsole && rdConsole.rendered > 0", "window.rdConsole");
}

/* No violation of the policy since the page loaded. */
static void
assert_no_csp_violation (Fixture *f)
{
  g_autofree char *seen = eval_string (f, "JSON.stringify(window.__csp)");
  g_assert_cmpstr (seen, ==, "[]");
}

/* The page at both sizes: <name>-1280x800.png and <name>-800x1280.png. */
static void
shoot (Fixture *f, const char *name)
{
  static const int sizes[][2] = { { 1280, 800 }, { 800, 1280 } };

  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *file = g_strdup_printf ("%s-%dx%d.png", name, sizes[i][0], sizes[i][1]);
      g_autofree char *path = g_build_filename (f->shots, file, NULL);
      g_autoptr (JsonNode) v = NULL;

      g_assert_true (rd_test_chromium_set_viewport (f->chromium, sizes[i][0], sizes[i][1], &error));
      g_assert_no_error (error);
      /* Laid out at the new size: no horizontal scrolling of the page itself. */
      v = eval (f, "new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => "
                   "r(document.documentElement.scrollWidth <= innerWidth))))");
      if (!json_node_get_boolean (v))
        g_error ("%s overflows %d px", name, sizes[i][0]);
      g_assert_true (rd_test_chromium_screenshot (f->chromium, path, &error));
      g_assert_no_error (error);
    }
  g_assert_true (rd_test_chromium_set_viewport (f->chromium, 1280, 800, NULL));
}

static void
fill (Fixture *f, const char *selector, const char *value)
{
  g_autoptr (JsonNode) sel = json_node_init_string (json_node_alloc (), selector);
  g_autoptr (JsonNode) val = json_node_init_string (json_node_alloc (), value);
  g_autofree char *s = json_to_string (sel, FALSE);
  g_autofree char *v = json_to_string (val, FALSE);
  g_autofree char *js = g_strdup_printf ("(() => { const e = document.querySelector(%s); "
                                         "e.value = %s; return true; })()",
                                         s, v);
  g_autoptr (JsonNode) done = eval (f, js);
}

static void
click (Fixture *f, const char *id)
{
  g_autofree char *cond = g_strdup_printf ("document.getElementById('%s')", id);
  g_autofree char *js = g_strdup_printf ("document.getElementById('%s').click(), true", id);

  wait (f, cond, "document.body.innerText.slice(0, 300)");
  g_autoptr (JsonNode) done = eval (f, js);
}

static void
log_in (Fixture *f, const char *name)
{
  open_page (f, "#/login");
  fill (f, "input[name=name]", name);
  fill (f, "input[name=password]", PASSWORD);
  g_autoptr (JsonNode) done = eval (f, "document.getElementById('login-form').requestSubmit(), 1");
  wait (f, "rdConsole.route === 'status' && rdConsole.statusEvents > 0",
        "[rdConsole.route, rdConsole.statusEvents, document.body.innerText.slice(0, 200)]");
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
  open_page (f, "#/login");
  assert_no_csp_violation (f);
  title = eval_string (f, "document.querySelector('#login-form h2').textContent + '|' + "
                          "document.title + '|' + document.documentElement.lang");
  g_assert_cmpstr (title, ==, "Đăng nhập|Bảng điều khiển phòng tiếp công dân|vi");
  headers = eval_string (
      f, "Promise.all(['', 'console.css', 'console.js', 'console-qr.js'].map((n) => fetch(n)"
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
  shoot (f, "login");

  /* An inline script is refused, and the refusal seen. */
  g_autoptr (JsonNode) injected =
      eval (f, "(() => { const s = document.createElement('script'); s.textContent = "
               "'window.__ran = 1'; document.body.appendChild(s); return true; })()");
  wait (f, "window.__csp.length > 0", "window.__csp");
  g_autoptr (JsonNode) ran = eval (f, "window.__ran === undefined");
  g_assert_true (json_node_get_boolean (ran));

  /* English on the switch, kept across a reload; Vietnamese again. */
  open_page (f, "#/login");
  click (f, "lang");
  wait (f, "document.querySelector('#login-form h2').textContent === 'Log in'",
        "document.querySelector('#login-form h2').textContent");
  open_page (f, "#/login");
  nav = eval_string (f, "document.getElementById('lang').textContent + '|' + "
                        "document.documentElement.lang");
  g_assert_cmpstr (nav, ==, "Tiếng Việt|en");
  click (f, "lang");
  wait (f, "document.querySelector('#login-form h2').textContent === 'Đăng nhập'",
        "document.querySelector('#login-form h2').textContent");
  assert_no_csp_violation (f);
}

static void
test_lockout (Fixture *f, gconstpointer data)
{
  g_autofree char *text = NULL;

  if (!f->chromium)
    return;
  open_page (f, "#/login");
  for (int i = 0; i < 3; i++)
    {
      fill (f, "input[name=name]", "kythuat");
      fill (f, "input[name=password]", "sai");
      g_autoptr (JsonNode) v = eval (f, "document.getElementById('login-result').textContent = '',"
                                        "document.getElementById('login-form').requestSubmit(), 1");
      wait (f, "document.getElementById('login-result').textContent", NULL);
      text = eval_string (f, "document.getElementById('login-result').textContent");
      g_assert_cmpstr (text, ==, "Tên đăng nhập hoặc mật khẩu không đúng.");
      g_clear_pointer (&text, g_free);
    }
  fill (f, "input[name=password]", PASSWORD);
  g_autoptr (JsonNode) v = eval (f, "document.getElementById('login-result').textContent = '',"
                                    "document.getElementById('login-form').requestSubmit(), 1");
  wait (f, "document.getElementById('login-result').textContent", NULL);
  text = eval_string (f, "document.getElementById('login-result').textContent");
  g_test_message ("after three wrong passwords: %s", text);
  g_assert_true (g_str_has_prefix (text, "Tài khoản tạm bị khóa"));
  g_assert_nonnull (strstr (text, "Thử lại sau 15 phút."));
  shoot (f, "login-locked");
  assert_no_csp_violation (f);
}

/* The QR code on the page decodes (zbarimg, from Debian's zbar-tools) to the link shown. */
static void
assert_qr_decodes (Fixture *f, const char *link)
{
  g_autofree char *src = eval_string (f, "document.getElementById('invite-qr').src");
  g_autofree char *path = g_build_filename (f->shots, "invite-qr.png", NULL);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree guchar *png = NULL;
  g_autoptr (GError) error = NULL;
  gsize size = 0;
  int status = 0;
  const char *argv[] = {
    "zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", path, NULL
  };

  g_assert_true (g_str_has_prefix (src, "data:image/png;base64,"));
  png = g_base64_decode (src + strlen ("data:image/png;base64,"), &size);
  g_assert_true (g_file_set_contents (path, (const char *)png, size, &error));
  if (!g_find_program_in_path ("zbarimg"))
    g_error ("zbarimg is missing: scripts/install-deps.sh installs zbar-tools");
  g_assert_true (g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out,
                               &err, &status, &error));
  g_assert_no_error (error);
  g_test_message ("zbarimg read: %s", out);
  g_assert_cmpint (status, ==, 0);
  g_assert_cmpstr (g_strchomp (out), ==, link);
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
  g_autofree char *text = NULL;
  g_autoptr (JsonNode) v = NULL;
  gint64 events;

  if (!f->chromium)
    return;
  f->stub->recording_path = make_recording (f);
  log_in (f, "kythuat");
  text = eval_string (f, "document.getElementById('nav').innerText");
  g_assert_nonnull (strstr (text, "Trạng thái"));
  g_assert_null (strstr (text, "Sổ tiếp dân"));
  g_clear_pointer (&text, g_free);
  wait (f, "document.getElementById('status-scheduled').querySelector('tr.late')",
        "document.body.innerText.slice(0, 400)");
  shoot (f, "status-idle");

  /* The book is not the technician's: its route falls back to the status page. */
  open_page (f, "#/book/registrations");
  wait (f, "rdConsole.route === 'status'", "rdConsole.route");

  open_page (f, "#/session");
  wait (f, "document.getElementById('start-session')",
        "[location.href, rdConsole.route, rdConsole.rendered]");
  shoot (f, "session-idle");
  fill (f, "#session-title", "Tiếp công dân định kỳ");
  click (f, "start-session");
  wait (f, "document.getElementById('make-invite')", "document.body.innerText.slice(0, 300)");
  g_assert_cmpuint (rd_test_console_count_calls (f->stub, "session.start"), ==, 1);
  v = eval (f, "document.getElementById('invite-name').disabled");
  g_assert_true (json_node_get_boolean (v)); /* a citizen's invite has no name */
  g_clear_pointer (&v, json_node_unref);
  v = eval (f, "(() => { const r = document.getElementById('invite-role'); r.value = 'board'; "
               "r.dispatchEvent(new Event('change')); return true; })()");
  g_clear_pointer (&v, json_node_unref);
  fill (f, "#invite-name", "Nguyễn Văn An");
  click (f, "make-invite");
  wait (f, "document.getElementById('invite-qr') && document.getElementById('invite-qr').complete",
        "document.getElementById('session-invite').innerText");
  link = eval_string (f, "document.getElementById('invite-link').textContent");
  assert_qr_decodes (f, link);
  click (f, "copy-link");
  wait (f, "document.getElementById('copied').textContent.trim() === 'Đã sao chép'",
        "document.getElementById('copied').textContent");
  shoot (f, "session-invite");

  /* A party joins: the status page shows it without a reload, from the feed, across the
   * feed's reconnections (each stream lasts a second here). */
  rd_signal_console_events_set_max_age (f->stub->events, 1);
  open_page (f, "#/status");
  wait (f, "rdConsole.statusEvents >= 4", "rdConsole.statusEvents");
  g_clear_pointer (&v, json_node_unref);
  v = eval (f, "document.querySelector('#who .badge').textContent");
  g_assert_cmpstr (json_node_get_string (v), ==, "Trực tiếp");
  g_clear_pointer (&v, json_node_unref);
  v = eval (f, "rdConsole.statusEvents");
  events = json_node_get_int (v);
  f->stub->parties = 1;
  rd_test_console_push (f->stub);
  wait (f, "document.getElementById('status-parties').innerText.includes('Nguyễn Văn An')",
        "document.getElementById('status-parties').innerText");
  g_clear_pointer (&v, json_node_unref);
  v = eval (f, "rdConsole.statusEvents");
  g_assert_cmpint (json_node_get_int (v), >, events);
  g_assert_cmpint (rd_signal_console_events_count (f->stub->events), >=, 1);
  text = eval_string (f, "document.getElementById('status-parties').innerText");
  g_assert_nonnull (strstr (text, "812"));
  g_assert_nonnull (strstr (text, "905"));
  g_clear_pointer (&text, g_free);
  shoot (f, "status-live");

  /* Pause with a reason: the badge and the reason, live. */
  open_page (f, "#/session");
  wait (f, "document.getElementById('pause')", "document.body.innerText.slice(0, 400)");
  click (f, "pause");
  wait (f, "document.getElementById('message').innerText.includes('Hãy nhập lý do')",
        "document.getElementById('message').innerText");
  fill (f, "#rec-reason-input", "Công dân xin tạm nghỉ");
  click (f, "pause");
  wait (f,
        "document.getElementById('rec-badge').textContent === 'TẠM DỪNG' && "
        "document.getElementById('session-rec-reason').textContent.includes('Công dân xin')",
        "document.getElementById('session-room').innerText");
  shoot (f, "session-paused");

  /* History: the list, a session, its recording played. */
  open_page (f, "#/history");
  wait (f, "document.getElementById('history-list')", NULL);
  shoot (f, "history");
  open_page (f, "#/history/20261206-ffee01");
  wait (f,
        "document.getElementById('history-events') && "
        "document.getElementById('history-events').innerText.includes('06/12/2026 09:30')",
        "document.body.innerText.slice(0, 600)");
  if (f->stub->recording_path)
    {
      click (f, "play-1");
      wait (f,
            "document.getElementById('player-1').readyState >= 2 && "
            "document.getElementById('player-1').videoWidth === 320",
            "[document.getElementById('player-1').readyState, "
            "document.getElementById('player-1').error && "
            "document.getElementById('player-1').error.message]");
    }
  else
    g_test_message ("no gst-launch-1.0: the recording's playback is not checked");
  shoot (f, "history-session");
  assert_no_csp_violation (f);
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
  log_in (f, "canbo");
  open_page (f, "#/session");
  wait (f, "document.getElementById('session-start')", NULL);
  v = eval (f, "document.getElementById('start-session') === null");
  g_assert_true (json_node_get_boolean (v));
  refused = eval_string (f, "RD.api.call('session.start', {}).then(() => 'started', "
                            "(e) => e.status + ' ' + e.code)");
  g_assert_cmpstr (refused, ==, "403 forbidden");
  g_assert_null (f->stub->live_session);
  /* ... and a state change without the CSRF token is refused too. */
  g_clear_pointer (&refused, g_free);
  refused = eval_string (f, "fetch('/console/api/call', {method: 'POST', headers: "
                            "{'Content-Type': 'application/json'}, body: JSON.stringify("
                            "{method: 'registration.list'})}).then((r) => String(r.status))");
  g_assert_cmpstr (refused, ==, "403");

  open_page (f, "#/book/registrations");
  wait (f, "document.getElementById('registration-form')", "document.body.innerText.slice(0, 300)");
  shoot (f, "book-registrations-empty");
  fill (f, "#name", "Nguyễn Thị Hồng Nhung");
  fill (f, "#address", "12 đường Lê Lợi, phường Bến Nghé");
  fill (f, "#summary", "Đề nghị xem xét lại quyết định thu hồi đất");
  fill (f, "#classification", "kien-nghi");
  g_clear_pointer (&v, json_node_unref);
  v = eval (f, "document.getElementById('registration-form').requestSubmit(), 1");
  wait (f,
        "document.getElementById('registration-list').innerText.includes('Nguyễn Thị Hồng Nhung')",
        "document.getElementById('registration-form-result').innerText");
  fill (f, "#name", "Lê Văn Tố");
  fill (f, "#summary", "Tố cáo cán bộ địa chính");
  fill (f, "#classification", "to-cao");
  g_clear_pointer (&v, json_node_unref);
  v = eval (f, "document.getElementById('registration-form').requestSubmit(), 1");
  wait (f,
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
  shoot (f, "book-registrations");

  open_page (f, "#/book/schedule");
  wait (f, "document.querySelector('#schedule-list tr.late')", "document.body.innerText");
  shoot (f, "book-schedule");
  open_page (f, "#/book/receptions");
  wait (f, "document.getElementById('reception-list').innerText.includes('06/12/2026')",
        "document.body.innerText");
  shoot (f, "book-receptions");
  open_page (f, "#/book/conclusions");
  wait (f, "document.querySelector('#conclusion-list tr.overdue')", "document.body.innerText");
  shoot (f, "book-conclusions");

  open_page (f, "#/book/export");
  wait (f, "document.getElementById('export-form')", NULL);
  g_clear_pointer (&v, json_node_unref);
  v = eval (f, "document.getElementById('export-form').requestSubmit(), 1");
  wait (f, "rdConsole.lastExport", "document.getElementById('export-form-result').innerText");
  g_clear_pointer (&text, g_free);
  text = eval_string (f, "rdConsole.lastExport.content");
  g_assert_nonnull (strstr (text, "Nguyễn Văn An"));
  shoot (f, "book-export");
  open_page (f, "#/book/report");
  g_clear_pointer (&v, json_node_unref);
  v = eval (f, "document.getElementById('report-form').requestSubmit(), 1");
  wait (f, "document.getElementById('report-result').innerText.includes('tháng 12 năm 2026')",
        "document.getElementById('report-result').innerText");
  shoot (f, "book-report");
  assert_no_csp_violation (f);
}

/* A supervisor reveals a protected identity with a reason; the call carries both. */
static void
test_supervisor_reveal (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonNode) v = NULL;
  gboolean found = FALSE;

  if (!f->chromium)
    return;
  log_in (f, "giamsat");
  open_page (f, "#/book/registrations");
  wait (f, "document.getElementById('registration-form')", NULL);
  fill (f, "#name", "Lê Văn Tố");
  fill (f, "#summary", "Tố cáo cán bộ địa chính");
  fill (f, "#classification", "to-cao");
  v = eval (f, "document.getElementById('registration-form').requestSubmit(), 1");
  wait (f, "document.getElementById('reveal-1')",
        "document.getElementById('registration-list').innerText");
  click (f, "reveal-1");
  wait (f, "document.getElementById('message').innerText.includes('Hãy nhập lý do')", NULL);
  fill (f, "#registration-list input", "Thanh tra theo yêu cầu của chủ tịch");
  click (f, "reveal-1");
  wait (f, "document.getElementById('registration-list').innerText.includes('Lê Văn Tố')",
        "document.getElementById('registration-list').innerText");
  for (guint i = 0; i < f->stub->calls->len; i++)
    if (strstr (f->stub->calls->pdata[i], "giamsat registration.show") &&
        strstr (f->stub->calls->pdata[i], "\"reveal\":true") &&
        strstr (f->stub->calls->pdata[i], "Thanh tra theo yêu cầu của chủ tịch"))
      found = TRUE;
  g_assert_true (found);
  shoot (f, "book-registrations-revealed");
  assert_no_csp_violation (f);
}

int
main (int argc, char **argv)
{
  if (!rd_test_enter_netns (&netns_skip_reason))
    g_printerr ("# skipping: %s\n", netns_skip_reason);
  g_test_init (&argc, &argv, NULL);
  rd_test_tolerate_third_party_race ();
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
