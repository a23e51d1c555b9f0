/* rd-test-console-ui.c: see rd-test-console-ui.h. */
#include "tests/rd-test-console-ui.h"

#include <string.h>

void
rd_test_console_ui_watch_csp (RdTestBrowser *browser)
{
  rd_test_browser_add_init_script (browser,
                                   "window.__csp = [];"
                                   "document.addEventListener('securitypolicyviolation', (e) => "
                                   "window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));");
}

void
rd_test_console_ui_assert_no_csp (RdTestBrowser *browser)
{
  g_autofree char *seen = rd_test_browser_eval_string (browser, "JSON.stringify(window.__csp)");

  g_assert_cmpstr (seen, ==, "[]");
}

void
rd_test_console_ui_open (RdTestBrowser *browser, const char *origin, const char *hash)
{
  g_autofree char *url = g_strdup_printf ("%s/console/%s", origin, hash);

  /* From a blank page: a new document each time (a navigation that changes only the fragment
   * after the page's history.replaceState() may be dropped). */
  rd_test_browser_open (browser, "about:blank");
  rd_test_browser_open (browser, url);
  rd_test_browser_wait_for (browser, "window.rdConsole && rdConsole.rendered > 0",
                            "window.rdConsole");
}

void
rd_test_console_ui_log_in (RdTestBrowser *browser, const char *origin, const char *name,
                           const char *password)
{
  rd_test_console_ui_open (browser, origin, "#/login");
  rd_test_browser_fill (browser, "input[name=name]", name);
  rd_test_browser_fill (browser, "input[name=password]", password);
  rd_test_browser_submit (browser, "login-form");
  rd_test_browser_wait_for (
      browser, "rdConsole.route === 'status' && rdConsole.statusEvents > 0",
      "[rdConsole.route, rdConsole.statusEvents, document.body.innerText.slice(0, 300)]");
  rd_test_console_ui_assert_no_csp (browser);
}

void
rd_test_console_ui_assert_qr (RdTestBrowser *browser, const char *png_path, const char *link)
{
  g_autofree char *src =
      rd_test_browser_eval_string (browser, "document.getElementById('invite-qr').src");
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree guchar *png = NULL;
  g_autoptr (GError) error = NULL;
  gsize size = 0;
  int status = 0;
  const char *argv[] = { "zbarimg",         "--quiet", "--raw", "-Sdisable",
                         "-Sqrcode.enable", png_path,  NULL };

  g_assert_nonnull (src);
  g_assert_true (g_str_has_prefix (src, "data:image/png;base64,"));
  png = g_base64_decode (src + strlen ("data:image/png;base64,"), &size);
  g_assert_true (g_file_set_contents (png_path, (const char *)png, (gssize)size, &error));
  if (!g_find_program_in_path ("zbarimg"))
    g_error ("zbarimg is missing: scripts/install-deps.sh installs zbar-tools");
  g_assert_true (g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out,
                               &err, &status, &error));
  g_assert_no_error (error);
  g_test_message ("zbarimg read: %s", out);
  g_assert_cmpint (status, ==, 0);
  g_assert_cmpstr (g_strchomp (out), ==, link);
}

static const char *shot_prefix = "";
static const char *shot_suffix = "";

void
rd_test_console_ui_name_shots (const char *prefix, const char *suffix)
{
  shot_prefix = prefix;
  shot_suffix = suffix;
}

char *
rd_test_console_ui_shots_dir (void)
{
  char *dir = g_build_filename (g_getenv ("RD_TEST_BINDIR"), "tests", "console-screenshots", NULL);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  return dir;
}

void
rd_test_console_ui_shoot (RdTestBrowser *browser, const char *name)
{
  g_autofree char *dir = rd_test_console_ui_shots_dir ();
  g_autofree char *full = g_strdup_printf ("%s%s%s", shot_prefix, name, shot_suffix);

  rd_test_browser_shoot (browser, dir, full);
}

void
rd_test_console_ui_visit (RdTestBrowser *browser, const char *origin, const char *hash,
                          const char *js_shown, const char *name)
{
  rd_test_console_ui_open (browser, origin, hash);
  rd_test_browser_wait_for (browser, js_shown, "document.body.innerText.slice(0, 400)");
  rd_test_console_ui_shoot (browser, name);
}

/* ---- against the real daemon ---- */

char *
rd_test_console_ui_start_and_invite (RdTestBrowser *browser, const char *origin,
                                     const char *qr_name)
{
  g_autofree char *dir = rd_test_console_ui_shots_dir ();
  g_autofree char *qr = g_build_filename (dir, qr_name, NULL);
  char *link;

  rd_test_browser_click (browser, "start-session");
  rd_test_browser_click (browser, "make-invite");
  rd_test_browser_wait_for (browser,
                            "document.getElementById('invite-qr') && "
                            "document.getElementById('invite-qr').complete && "
                            "document.getElementById('invite-qr').naturalWidth > 0",
                            "document.body.innerText.slice(0, 400)");
  link =
      rd_test_browser_eval_string (browser, "document.getElementById('invite-link').textContent");
  g_assert_true (g_str_has_prefix (link, origin));
  g_assert_nonnull (strstr (link, "/join/"));
  g_assert_nonnull (strstr (link, "#token="));
  rd_test_console_ui_assert_qr (browser, qr, link);
  rd_test_console_ui_shoot (browser, "session-invite");
  return link;
}

/* @js with its "%s" replaced by @text as a JavaScript string literal (transfer full). */
static char *
js_with (const char *js, const char *text)
{
  g_autofree char *literal = rd_test_browser_js_string (text);
  GString *out = g_string_new (js);

  g_string_replace (out, "%s", literal, 1);
  return g_string_free (out, FALSE);
}

void
rd_test_console_ui_pause (RdTestBrowser *browser, const char *reason)
{
  g_autofree char *shown =
      js_with ("document.getElementById('rec-badge').textContent === 'TẠM DỪNG' && "
               "document.getElementById('session-rec-reason').textContent.includes(%s)",
               reason);

  rd_test_browser_fill (browser, "#rec-reason-input", reason);
  rd_test_browser_click (browser, "pause");
  rd_test_browser_wait_for (browser, shown, "document.getElementById('session-room').innerText");
  rd_test_console_ui_shoot (browser, "session-paused");
}

void
rd_test_console_ui_end_session (RdTestBrowser *browser)
{
  rd_test_browser_click (browser, "end-session");
  rd_test_browser_click (browser, "end-session");
  rd_test_browser_wait_for (browser, "document.getElementById('start-session')",
                            "document.body.innerText.slice(0, 400)");
}

void
rd_test_console_ui_play (RdTestBrowser *browser, const char *track)
{
  g_autofree char *row =
      js_with ("[...document.querySelectorAll('#history-recordings tr')].find((r) => "
               "r.innerText.includes(%s))",
               track);
  g_autofree char *play = g_strdup_printf ("%s.querySelector('button').click(), 1", row);
  g_autoptr (JsonNode) done = NULL;

  rd_test_browser_wait_for (browser, row,
                            "document.getElementById('history-recordings').innerText");
  done = rd_test_browser_eval (browser, play);
  rd_test_browser_wait_for (
      browser,
      "(() => { const m = document.querySelector('#player video, #player audio'); "
      "return m && m.readyState >= 2 && m.duration > 0 && "
      "(m.tagName === 'AUDIO' || m.videoWidth > 0); })()",
      "(() => { const m = document.querySelector('#player video, #player audio'); "
      "return m ? [m.tagName, m.readyState, m.networkState, m.error && "
      "[m.error.code, m.error.message], m.src] : "
      "document.getElementById('player').innerText; })()");
  rd_test_console_ui_shoot (browser, "history-session");
}

void
rd_test_console_ui_book (RdTestBrowser *browser, const char *origin, const char *name,
                         const char *officer)
{
  g_autofree char *registered =
      js_with ("document.getElementById('registration-list').innerText.includes(%s)", name);
  g_autofree char *received =
      js_with ("document.getElementById('reception-list').innerText.includes(%s)", officer);
  g_autofree char *exported = NULL;

  rd_test_console_ui_open (browser, origin, "#/book/registrations");
  rd_test_browser_fill (browser, "#name", name);
  rd_test_browser_fill (browser, "#address", "12 đường Lê Lợi, phường Bến Nghé");
  rd_test_browser_fill (browser, "#summary", "Đề nghị xem xét lại quyết định thu hồi đất");
  rd_test_browser_fill (browser, "#classification", "kien-nghi");
  rd_test_browser_submit (browser, "registration-form");
  rd_test_browser_wait_for (browser, registered, "document.body.innerText.slice(0, 600)");
  rd_test_console_ui_shoot (browser, "book-registrations");
  rd_test_console_ui_open (browser, origin, "#/book/receptions");
  rd_test_browser_fill (browser, "#registration_id", "1");
  rd_test_browser_fill (browser, "#officer", officer);
  rd_test_browser_fill (browser, "#content", "Đề nghị xem xét lại quyết định thu hồi đất số 12");
  rd_test_browser_submit (browser, "reception-form");
  rd_test_browser_wait_for (browser, received,
                            "document.getElementById('reception-form-result').innerText");
  rd_test_console_ui_shoot (browser, "book-receptions");
  rd_test_console_ui_open (browser, origin, "#/book/export");
  rd_test_browser_submit (browser, "export-form");
  rd_test_browser_wait_for (browser, "rdConsole.lastExport",
                            "document.getElementById('export-form-result').innerText");
  exported = rd_test_browser_eval_string (browser, "rdConsole.lastExport.content");
  g_assert_nonnull (exported);
  g_assert_nonnull (strstr (exported, name));
}

/* receptionctl operator add NAME --role ROLE, the password on its stdin. */
static void
add_operator (RdTestDaemon *t, const char *name, const char *role, const char *password)
{
  g_autofree char *ctl =
      g_build_filename (g_getenv ("RD_TEST_BINDIR"), "bin", "receptionctl", NULL);
  const char *argv[] = { ctl,  "--socket", t->socket_path, "operator", "add",
                         name, "--role",   role,           NULL };
  g_autoptr (GSubprocess) proc = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *input = g_strdup_printf ("%s\n", password);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  proc = g_subprocess_newv (argv,
                            G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                G_SUBPROCESS_FLAGS_STDERR_PIPE,
                            &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (proc, input, NULL, &out, &err, &error));
  g_assert_no_error (error);
  if (g_subprocess_get_exit_status (proc) != 0)
    g_error ("operator add %s: %s", name, err);
}

RdTestDaemon *
rd_test_console_ui_daemon_start (char **origin)
{
  RdTestDaemon *t = rd_test_daemon_new ("[network]\nice-addresses=127.0.0.1\n");
  g_autoptr (JsonNode) status = NULL;
  char *url;

  rd_test_daemon_start (t);
  status = rd_test_ctl_json (t, "status", NULL);
  url = g_strdup (json_object_get_string_member (
      json_object_get_object_member (json_node_get_object (status), "listener"), "url"));
  if (g_str_has_suffix (url, "/"))
    url[strlen (url) - 1] = '\0';
  *origin = url;
  add_operator (t, RD_TEST_CONSOLE_UI_TECHNICIAN, "technician",
                RD_TEST_CONSOLE_UI_TECHNICIAN_PASSWORD);
  add_operator (t, RD_TEST_CONSOLE_UI_OFFICER, "officer", RD_TEST_CONSOLE_UI_OFFICER_PASSWORD);
  return t;
}

static char *
daemon_log (gpointer data)
{
  g_autofree char *log = rd_test_daemon_stderr (data);

  return g_strdup_printf ("the daemon's log:\n%s", log);
}

void
rd_test_console_ui_quote_daemon (RdTestBrowser *browser, RdTestDaemon *t)
{
  browser->on_failure = daemon_log;
  browser->on_failure_data = t;
}
