/* test-console-e2e.c: the web console against the real receptiond, in headless Chromium, in a
 * network namespace of the test's own: operators made with receptionctl; a technician logs in,
 * sees the status over the live feed, starts a session, invites (the QR code reads back as the
 * join link), a second Chromium opens that link and appears live as a party with its network
 * figures, the recording is paused with a reason and resumed, the session ended and its
 * recording played in the page; an officer has no session controls and the daemon refuses
 * session.start anyway, adds a registration with diacritics and a reception, and exports the
 * book. Screenshots go to <build>/tests/console-screenshots/e2e-*.png. */
#include <string.h>

#include "tests/rd-test-chromium.h"
#include "tests/rd-test-daemon.h"
#include "tests/rd-test-netns.h"

#define STEP_MS 20000
#define PW_TECH "kythuat-mat-khau-1"
#define PW_OFF  "canbo-mat-khau-22"

static char *netns_skip_reason;

typedef struct
{
  RdTestDaemon *t;
  RdTestChromium *console; /* the operator's browser */
  char *base;              /* https://127.0.0.1:PORT */
  char *shots;
} E2e;

static JsonNode *
eval (RdTestChromium *c, const char *js)
{
  g_autoptr (GError) error = NULL;
  JsonNode *v = rd_test_chromium_eval (c, js, STEP_MS, &error);

  g_assert_no_error (error);
  return v;
}

static char *
eval_string (RdTestChromium *c, const char *js)
{
  g_autoptr (JsonNode) v = eval (c, js);
  return g_strdup (JSON_NODE_HOLDS_VALUE (v) ? json_node_get_string (v) : NULL);
}

static void
wait (E2e *e, RdTestChromium *c, const char *condition, const char *describe)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) v = rd_test_chromium_wait (c, condition, describe, STEP_MS, &error);

  if (error)
    {
      g_autofree char *log = rd_test_daemon_stderr (e->t);
      g_error ("%s\nthe daemon's log:\n%s", error->message, log);
    }
}

static void
open_console (E2e *e, const char *hash)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *url = g_strdup_printf ("%s/console/%s", e->base, hash);

  g_assert_true (rd_test_chromium_open (e->console, "about:blank", STEP_MS, &error));
  g_assert_true (rd_test_chromium_open (e->console, url, STEP_MS, &error));
  g_assert_no_error (error);
  wait (e, e->console, "window.rdConsole && rdConsole.rendered > 0", "window.rdConsole");
}

static void
fill (E2e *e, const char *selector, const char *value)
{
  g_autoptr (JsonNode) sel = json_node_init_string (json_node_alloc (), selector);
  g_autoptr (JsonNode) val = json_node_init_string (json_node_alloc (), value);
  g_autofree char *s = json_to_string (sel, FALSE);
  g_autofree char *v = json_to_string (val, FALSE);
  g_autofree char *js = g_strdup_printf ("(() => { const e = document.querySelector(%s); e.value = "
                                         "%s; e.dispatchEvent(new Event('change')); return 1; })()",
                                         s, v);
  g_autoptr (JsonNode) done = eval (e->console, js);
}

static void
click (E2e *e, const char *id)
{
  g_autofree char *cond = g_strdup_printf ("document.getElementById('%s')", id);
  g_autofree char *js = g_strdup_printf ("document.getElementById('%s').click(), 1", id);
  g_autoptr (JsonNode) done = NULL;

  wait (e, e->console, cond, "document.body.innerText.slice(0, 400)");
  done = eval (e->console, js);
}

static void
submit (E2e *e, const char *form)
{
  g_autofree char *js = g_strdup_printf ("document.getElementById('%s').requestSubmit(), 1", form);
  g_autoptr (JsonNode) done = eval (e->console, js);
}

static void
shoot (E2e *e, const char *name)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *file = g_strdup_printf ("e2e-%s-1280x800.png", name);
  g_autofree char *path = g_build_filename (e->shots, file, NULL);

  g_assert_true (rd_test_chromium_screenshot (e->console, path, &error));
  g_assert_no_error (error);
}

/* receptionctl operator add NAME --role ROLE, the password on its stdin. */
static void
add_operator (E2e *e, const char *name, const char *role, const char *password)
{
  g_autofree char *ctl =
      g_build_filename (g_getenv ("RD_TEST_BINDIR"), "bin", "receptionctl", NULL);
  const char *argv[] = { ctl,  "--socket", e->t->socket_path, "operator", "add", name, "--role",
                         role, NULL };
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

static void
log_in (E2e *e, const char *name, const char *password)
{
  g_autoptr (JsonNode) v = NULL;

  open_console (e, "#/login");
  fill (e, "input[name=name]", name);
  fill (e, "input[name=password]", password);
  submit (e, "login-form");
  wait (e, e->console, "rdConsole.route === 'status' && rdConsole.statusEvents > 0",
        "[rdConsole.route, rdConsole.statusEvents, document.body.innerText.slice(0, 300)]");
  v = eval (e->console, "JSON.stringify(window.__csp)");
  g_assert_cmpstr (json_node_get_string (v), ==, "[]");
}

/* zbarimg reads the invite's QR code back as @link. */
static void
assert_qr (E2e *e, const char *link)
{
  g_autofree char *src = eval_string (e->console, "document.getElementById('invite-qr').src");
  g_autofree char *path = g_build_filename (e->shots, "e2e-invite-qr.png", NULL);
  g_autofree guchar *png = NULL;
  g_autofree char *out = NULL;
  gsize size = 0;
  int status = 1;
  const char *argv[] = { "zbarimg", "--quiet", "--raw", path, NULL };

  png = g_base64_decode (src + strlen ("data:image/png;base64,"), &size);
  g_assert_true (g_file_set_contents (path, (const char *)png, size, NULL));
  g_assert_true (g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out,
                               NULL, &status, NULL));
  g_assert_cmpint (status, ==, 0);
  g_assert_cmpstr (g_strchomp (out), ==, link);
}

static void
test_console_e2e (void)
{
  g_autofree char *why = NULL;
  g_autofree char *link = NULL;
  g_autofree char *text = NULL;
  g_autoptr (RdTestChromium) party = NULL;
  g_autoptr (JsonNode) status = NULL;
  g_autoptr (JsonNode) v = NULL;
  g_autoptr (GError) error = NULL;
  E2e e = { 0 };

  if (rd_test_skip_if (netns_skip_reason))
    return;
  if (!rd_test_chromium_available (&why))
    {
      g_test_skip (why);
      return;
    }
  e.t = rd_test_daemon_new ("[network]\nice-addresses=127.0.0.1\n");
  rd_test_daemon_start (e.t);
  status = rd_test_ctl_json (e.t, "status", NULL);
  e.base = g_strdup (json_object_get_string_member (
      json_object_get_object_member (json_node_get_object (status), "listener"), "url"));
  e.base[strlen (e.base) - 1] = '\0'; /* no trailing slash */
  e.shots = g_build_filename (g_getenv ("RD_TEST_BINDIR"), "tests", "console-screenshots", NULL);
  g_assert_cmpint (g_mkdir_with_parents (e.shots, 0755), ==, 0);
  add_operator (&e, "kythuat", "technician", PW_TECH);
  add_operator (&e, "canbo", "officer", PW_OFF);

  e.console = rd_test_chromium_start (&error);
  g_assert_no_error (error);
  g_assert_true (rd_test_chromium_add_init_script (
      e.console,
      "window.__csp = []; document.addEventListener('securitypolicyviolation', "
      "(x) => window.__csp.push(x.violatedDirective + ' ' + x.blockedURI));",
      &error));
  g_assert_true (rd_test_chromium_set_viewport (e.console, 1280, 800, &error));

  /* The technician: a session, an invite and its QR code. */
  log_in (&e, "kythuat", PW_TECH);
  open_console (&e, "#/session");
  click (&e, "start-session");
  click (&e, "make-invite");
  wait (&e, e.console,
        "document.getElementById('invite-qr') && "
        "document.getElementById('invite-qr').complete",
        "document.body.innerText.slice(0, 400)");
  link = eval_string (e.console, "document.getElementById('invite-link').textContent");
  g_assert_true (g_str_has_prefix (link, e.base));
  g_assert_nonnull (strstr (link, "/join/"));
  g_assert_nonnull (strstr (link, "#token="));
  assert_qr (&e, link);
  shoot (&e, "session-invite");

  /* A browser opens the link: the party appears on the status page, live, with figures. */
  open_console (&e, "#/status");
  party = rd_test_chromium_start (&error);
  g_assert_no_error (error);
  g_assert_true (rd_test_chromium_open (party, link, STEP_MS, &error));
  g_assert_no_error (error);
  wait (&e, e.console,
        "(() => { const p = rdConsole.status && rdConsole.status.parties && "
        "rdConsole.status.parties[0]; return p && p.state === 'connected' && "
        "p.bitrate_in_kbps > 0 && "
        "document.getElementById('status-parties').innerText.includes('connected'); })()",
        "JSON.stringify(rdConsole.status && rdConsole.status.parties)");
  shoot (&e, "status-live");

  /* Pause with a reason, then resume. */
  open_console (&e, "#/session");
  fill (&e, "#rec-reason-input", "Công dân xin tạm nghỉ");
  click (&e, "pause");
  wait (&e, e.console,
        "document.getElementById('rec-badge').textContent === 'TẠM DỪNG' && "
        "document.getElementById('session-rec-reason').textContent.includes("
        "'Công dân xin tạm nghỉ')",
        "document.getElementById('session-room').innerText");
  shoot (&e, "session-paused");
  fill (&e, "#rec-reason-input", "Tiếp tục");
  click (&e, "resume");
  wait (&e, e.console, "document.getElementById('rec-badge').textContent === 'ĐANG GHI'",
        "document.getElementById('rec-badge').textContent");

  /* End (two taps) and play the recording from the history. */
  click (&e, "end-session");
  click (&e, "end-session");
  wait (&e, e.console, "document.getElementById('start-session')", "document.body.innerText");
  g_clear_pointer (&party, rd_test_chromium_free);
  open_console (&e, "#/history");
  wait (&e, e.console, "document.querySelector('#history-list a')", NULL);
  v = eval (e.console, "location.hash = document.querySelector('#history-list a')"
                       ".getAttribute('href'), 1");
  g_clear_pointer (&v, json_node_unref);
  /* The room's video (VP8 in Matroska, played as WebM). */
  wait (&e, e.console, "document.getElementById('history-recordings')", NULL);
  g_clear_pointer (&v, json_node_unref);
  v = eval (e.console,
            "[...document.querySelectorAll('#history-recordings tr')].find((r) => "
            "r.innerText.includes('room-video VP8')).querySelector('button').click(), 1");
  wait (&e, e.console,
        "(() => { const m = document.querySelector('#player video'); "
        "return m && m.readyState >= 2 && m.videoWidth > 0; })()",
        "(() => { const m = document.querySelector('#player video, #player audio'); "
        "return m ? [m.readyState, m.error && m.error.message, m.src] : "
        "document.getElementById('player').innerText; })()");
  shoot (&e, "history-session");

  /* The officer: no session controls; the daemon refuses session.start anyway. */
  click (&e, "logout");
  wait (&e, e.console, "rdConsole.route === 'login'", "rdConsole.route");
  log_in (&e, "canbo", PW_OFF);
  open_console (&e, "#/session");
  wait (&e, e.console, "document.getElementById('session-start')", NULL);
  v = eval (e.console, "document.getElementById('start-session') === null");
  g_assert_true (json_node_get_boolean (v));
  g_clear_pointer (&v, json_node_unref);
  text = eval_string (e.console, "RD.api.call('session.start', {}).then(() => 'started', "
                                 "(x) => x.status + ' ' + x.code)");
  g_assert_cmpstr (text, ==, "403 forbidden");
  g_clear_pointer (&text, g_free);

  /* A registration with diacritics and its reception; the export holds them. */
  open_console (&e, "#/book/registrations");
  fill (&e, "#name", "Nguyễn Thị Hồng Nhung");
  fill (&e, "#summary", "Đề nghị xem xét lại quyết định thu hồi đất");
  fill (&e, "#classification", "kien-nghi");
  submit (&e, "registration-form");
  wait (&e, e.console,
        "document.getElementById('registration-list').innerText.includes('Nguyễn Thị Hồng Nhung')",
        "document.body.innerText.slice(0, 600)");
  shoot (&e, "book-registrations");
  open_console (&e, "#/book/receptions");
  fill (&e, "#registration_id", "1");
  fill (&e, "#officer", "Trần Thị Bình");
  fill (&e, "#content", "Đề nghị xem xét lại quyết định thu hồi đất số 12");
  submit (&e, "reception-form");
  wait (&e, e.console,
        "document.getElementById('reception-list').innerText.includes('Trần Thị Bình')",
        "document.getElementById('reception-form-result').innerText");
  open_console (&e, "#/book/export");
  submit (&e, "export-form");
  wait (&e, e.console, "rdConsole.lastExport",
        "document.getElementById('export-form-result').innerText");
  text = eval_string (e.console, "rdConsole.lastExport.content");
  g_assert_nonnull (strstr (text, "Nguyễn Thị Hồng Nhung"));
  v = eval (e.console, "JSON.stringify(window.__csp)");
  g_assert_cmpstr (json_node_get_string (v), ==, "[]");

  g_clear_pointer (&e.console, rd_test_chromium_free);
  rd_test_daemon_free (e.t);
  g_free (e.base);
  g_free (e.shots);
}

int
main (int argc, char **argv)
{
  if (!rd_test_enter_netns (&netns_skip_reason))
    g_printerr ("# skipping: %s\n", netns_skip_reason);
  g_test_init (&argc, &argv, NULL);
  rd_test_tolerate_third_party_race ();
  g_test_add_func ("/console-e2e/technician-and-officer", test_console_e2e);
  return g_test_run ();
}
