/* test-console-api.c: the room console's operator accounts and JSON API against the real
 * receptiond and receptionctl: operators made with receptionctl, logins, lockout, sessions and
 * their cookie, CSRF and cross-site refusals, roles, the ledger's actor, an operator's own
 * password change, the pictures' previews, the idle timeout, and that no password reaches the
 * ledger file or the daemon's log. Plain HTTPS on 127.0.0.1. */
#include <signal.h>
#include <string.h>

#include "tests/rd-test-console-api.h"

#define TIMEOUT_MS 20000

#define PW_ANA   "ana-correct-horse"
#define PW_OLGA  "olga-battery-staple"
#define PW_SUE   "sue-supervisor-pass"
#define PW_NEW   "ana-new-password-2"
#define PW_WRONG "definitely-wrong-1"
#define PW_TOM   "tom-from-the-console"
#define PW_TOM2  "tom-changed-it-himself"

static void
test_console_api (void)
{
  g_autoptr (RdTestDaemon) t = rd_test_daemon_new (NULL);
  g_autoptr (JsonNode) status = NULL;
  g_autoptr (JsonNode) list = NULL;
  g_autofree char *err = NULL;
  g_autofree char *session_id = NULL;
  RdTestApi ctx = { 0 }, *c = &ctx;
  const char *url;

  rd_test_daemon_start (t);
  c->t = t;
  c->http = soup_session_new_with_options ("timeout", 20, NULL);
  status = rd_test_ctl_json (t, "status", NULL);
  url = json_object_get_string_member (
      json_object_get_object_member (json_node_get_object (status), "listener"), "url");
  c->base = g_strndup (url, strlen (url) - 1); /* without the final '/' */

  /* Operators, made by root on the socket; a short password is refused before the daemon. */
  g_assert_cmpint (rd_test_api_ctl (c, "too-short\n", &err, "operator", "add", "ana", "--role",
                                    "technician", "--password-stdin", NULL),
                   ==, 65);
  g_assert_nonnull (strstr (err, "at least 10 characters"));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (rd_test_api_ctl (c, PW_ANA "\n", NULL, "operator", "add", "ana", "--role",
                                    "technician", NULL),
                   ==, 0);
  g_assert_cmpint (
      rd_test_api_ctl (c, PW_OLGA "\n", NULL, "operator", "add", "olga", "--role", "officer", NULL),
      ==, 0);
  g_assert_cmpint (rd_test_api_ctl (c, PW_SUE "\n", NULL, "operator", "add", "sue", "--role",
                                    "supervisor", NULL),
                   ==, 0);
  g_assert_cmpint (
      rd_test_api_ctl (c, PW_SUE "\n", &err, "operator", "add", "sue", "--role", "officer", NULL),
      ==, 1);
  g_assert_nonnull (strstr (err, "exists"));
  g_clear_pointer (&err, g_free);
  list = rd_test_ctl_json (t, "operator", "list", NULL);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (list)), ==, 3);
  g_assert_cmpstr (json_object_get_string_member (
                       json_array_get_object_element (json_node_get_array (list), 0), "name"),
                   ==, "ana");
  g_assert_false (strstr (json_to_string (list, FALSE), "hash"));

  {
    /* Login; the cookie's attributes; the session. */
    g_autoptr (RdTestReply) wrong = rd_test_api_login (c, "ana", PW_WRONG);
    g_autoptr (RdTestReply) nobody = rd_test_api_login (c, "nobody", PW_WRONG);
    g_autoptr (RdTestReply) ok = rd_test_api_login (c, "ana", PW_ANA);
    g_autoptr (RdTestReply) session = NULL;
    g_autoptr (RdTestReply) no_session = NULL;
    g_autoptr (RdTestReply) no_csrf = NULL;
    g_autoptr (RdTestReply) form = NULL;
    g_autoptr (RdTestReply) form_no_origin = NULL;
    g_autoptr (RdTestReply) started = NULL;
    g_autoptr (RdTestReply) refused = NULL;
    g_autoptr (RdTestReply) out = NULL;
    g_autoptr (RdTestReply) after = NULL;
    g_autoptr (JsonNode) sessions = NULL;
    const char *csrf;
    g_autofree char *call = NULL;

    g_assert_cmpuint (wrong->status, ==, 401);
    g_assert_cmpstr (rd_test_api_error_code (wrong), ==, "login-failed");
    g_assert_cmpuint (nobody->status, ==, 401);
    g_assert_cmpstr (rd_test_api_error_message (nobody), ==, rd_test_api_error_message (wrong));
    g_assert_cmpuint (ok->status, ==, 200);
    g_assert_cmpstr (rd_test_api_member (ok, "role"), ==, "technician");
    csrf = rd_test_api_member (ok, "csrf");
    g_assert_cmpuint (strlen (csrf), ==, 64);
    g_assert_nonnull (ok->cookie);
    g_assert_cmpuint (strlen (ok->cookie), ==, 64);
    g_assert_nonnull (strstr (ok->set_cookie, "; Path=/console/"));
    g_assert_nonnull (strstr (ok->set_cookie, "; Secure"));
    g_assert_nonnull (strstr (ok->set_cookie, "; HttpOnly"));
    g_assert_nonnull (strstr (ok->set_cookie, "; SameSite=Strict"));
    g_assert_cmpstr (soup_message_headers_get_one (ok->headers, "Cache-Control"), ==, "no-store");
    g_assert_cmpstr (soup_message_headers_get_one (ok->headers, "X-Content-Type-Options"), ==,
                     "nosniff");
    g_assert_nonnull (strstr (soup_message_headers_get_one (ok->headers, "Content-Security-Policy"),
                              "frame-ancestors 'none'"));
    g_assert_null (soup_message_headers_get_one (ok->headers, "Access-Control-Allow-Origin"));

    session =
        rd_test_api_http (c, "GET", "/console/api/session", NULL, NULL, ok->cookie, NULL, NULL);
    g_assert_cmpuint (session->status, ==, 200);
    g_assert_cmpstr (rd_test_api_member (session, "name"), ==, "ana");
    g_assert_cmpstr (rd_test_api_member (session, "csrf"), ==, csrf);

    /* No session, no CSRF token, a cross-site form: refused, and nothing started. */
    call = g_strdup ("{\"method\": \"session.start\", \"params\": {\"title\": \"T\"}}");
    no_session = rd_test_api_post (c, "/console/api/call", call, NULL, csrf);
    g_assert_cmpuint (no_session->status, ==, 401);
    g_assert_cmpstr (rd_test_api_error_code (no_session), ==, "no-session");
    no_csrf = rd_test_api_post (c, "/console/api/call", call, ok->cookie, NULL);
    g_assert_cmpuint (no_csrf->status, ==, 403);
    g_assert_cmpstr (rd_test_api_error_code (no_csrf), ==, "csrf");
    form =
        rd_test_api_http (c, "POST", "/console/api/call", "application/x-www-form-urlencoded",
                          "method=session.start&title=T", ok->cookie, NULL, "https://evil.example");
    g_assert_cmpuint (form->status, ==, 403);
    g_assert_cmpstr (rd_test_api_error_code (form), ==, "cross-origin");
    form_no_origin =
        rd_test_api_http (c, "POST", "/console/api/call", "application/x-www-form-urlencoded",
                          "method=session.start&title=T", ok->cookie, csrf, NULL);
    g_assert_cmpuint (form_no_origin->status, ==, 415);
    sessions = rd_test_ctl_json (t, "session", "list", NULL);
    g_assert_cmpuint (json_array_get_length (json_node_get_array (sessions)), ==, 0);

    /* The technician starts a session: on the record as the operator. */
    started = rd_test_api_post (c, "/console/api/call", call, ok->cookie, csrf);
    g_assert_cmpuint (started->status, ==, 200);
    g_assert_cmpstr (rd_test_api_member (started, "state"), ==, "live");
    session_id = g_strdup (rd_test_api_member (started, "id"));
    g_assert_cmpint (rd_test_api_count_events (c, "session-started", "operator ana (technician)"),
                     ==, 1);
    /* ... and cannot open the book. */
    refused = rd_test_api_post (c, "/console/api/call", "{\"method\": \"registration.list\"}",
                                ok->cookie, csrf);
    g_assert_cmpuint (refused->status, ==, 403);
    g_assert_cmpstr (rd_test_api_error_code (refused), ==, "forbidden");
    g_assert_nonnull (strstr (rd_test_api_error_message (refused), "officer"));

    /* Logout ends the session. */
    out = rd_test_api_post (c, "/console/api/logout", "{}", ok->cookie, csrf);
    g_assert_cmpuint (out->status, ==, 200);
    g_assert_nonnull (strstr (out->set_cookie, "Max-Age=0"));
    after = rd_test_api_http (c, "GET", "/console/api/session", NULL, NULL, ok->cookie, NULL, NULL);
    g_assert_cmpuint (after->status, ==, 401);
    g_assert_cmpint (rd_test_api_count_events (c, "console-logout", "\"reason\":\"logout\""), ==,
                     1);
  }

  {
    /* An officer cannot start a session; the method's refusal names the role. */
    g_autoptr (RdTestReply) ok = rd_test_api_login (c, "olga", PW_OLGA);
    g_autoptr (RdTestReply) refused =
        rd_test_api_post (c, "/console/api/call", "{\"method\": \"session.start\", \"params\": {}}",
                          ok->cookie, rd_test_api_member (ok, "csrf"));
    g_autoptr (RdTestReply) book =
        rd_test_api_post (c, "/console/api/call", "{\"method\": \"registration.list\"}", ok->cookie,
                          rd_test_api_member (ok, "csrf"));

    g_assert_cmpuint (refused->status, ==, 403);
    g_assert_nonnull (strstr (rd_test_api_error_message (refused), "technician role"));
    g_assert_nonnull (strstr (rd_test_api_error_message (refused), "operator olga (officer)"));
    g_assert_cmpuint (book->status, ==, 200);

    /* The ended session's first segment, for playback: a range of it, as a browser asks. */
    g_assert_cmpint (rd_test_ctl (t, NULL, NULL, "session", "end", session_id, NULL), ==, 0);
    {
      g_autofree char *path =
          g_strdup_printf ("/console/api/recording?session=%s&segment=1", session_id);
      g_autofree char *full = g_strconcat (c->base, path, NULL);
      g_autoptr (SoupMessage) msg = soup_message_new ("GET", full);
      g_autoptr (GBytes) bytes = NULL;
      g_autoptr (GError) error = NULL;
      SoupMessageHeaders *h = soup_message_get_request_headers (msg);
      g_autofree char *cookie = g_strdup_printf ("rd_console=%s", ok->cookie);

      g_signal_connect (msg, "accept-certificate", G_CALLBACK (rd_test_api_accept_any), NULL);
      soup_message_headers_replace (h, "Cookie", cookie);
      soup_message_headers_replace (h, "Range", "bytes=0-99");
      bytes = soup_session_send_and_read (c->http, msg, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (soup_message_get_status (msg), ==, 206);
      g_assert_cmpuint (g_bytes_get_size (bytes), ==, 100);
      g_assert_true (g_str_has_suffix (
          soup_message_headers_get_content_type (soup_message_get_response_headers (msg), NULL),
          "/webm"));
      /* a Matroska file starts with the EBML magic */
      g_assert_cmpmem (g_bytes_get_data (bytes, NULL), 4, "\x1a\x45\xdf\xa3", 4);
      g_assert_cmpint (rd_test_api_count_events (c, "recording-viewed", "operator olga (officer)"),
                       ==, 1);
    }
  }

  {
    /* Lockout: five failures lock the name; the right password is refused while locked. */
    g_autoptr (RdTestReply) last = NULL;
    g_autoptr (RdTestReply) right = NULL;
    const char *until;

    for (int i = 0; i < 4; i++)
      {
        g_autoptr (RdTestReply) r = rd_test_api_login (c, "olga", PW_WRONG);
        g_assert_cmpuint (r->status, ==, 401);
      }
    last = rd_test_api_login (c, "olga", PW_WRONG);
    g_assert_cmpuint (last->status, ==, 429);
    g_assert_cmpstr (rd_test_api_error_code (last), ==, "locked-out");
    until = json_object_get_string_member (
        json_object_get_object_member (json_node_get_object (last->body), "error"), "until");
    g_assert_nonnull (strstr (rd_test_api_error_message (last), until));
    g_assert_nonnull (soup_message_headers_get_one (last->headers, "Retry-After"));
    right = rd_test_api_login (c, "olga", PW_OLGA);
    g_assert_cmpuint (right->status, ==, 429);
    g_assert_cmpint (rd_test_api_count_events (c, "console-lockout", "\"name\":\"olga\""), ==, 1);
    g_assert_cmpint (rd_test_api_count_events (c, "console-login-failed", "locked-out"), ==, 1);
  }

  {
    /* A new password works, the old one no longer; a disabled operator's session ends and it
     * cannot log in. */
    g_autoptr (RdTestReply) before = rd_test_api_login (c, "ana", PW_ANA);
    g_autoptr (RdTestReply) old = NULL;
    g_autoptr (RdTestReply) fresh = NULL;
    g_autoptr (RdTestReply) gone = NULL;
    g_autoptr (RdTestReply) refused = NULL;

    g_assert_cmpuint (before->status, ==, 200);
    g_assert_cmpint (rd_test_api_ctl (c, PW_NEW "\n", NULL, "operator", "passwd", "ana", NULL), ==,
                     0);
    old = rd_test_api_login (c, "ana", PW_ANA);
    g_assert_cmpuint (old->status, ==, 401);
    fresh = rd_test_api_login (c, "ana", PW_NEW);
    g_assert_cmpuint (fresh->status, ==, 200);
    g_assert_cmpint (rd_test_ctl (t, NULL, NULL, "operator", "disable", "ana", NULL), ==, 0);
    gone =
        rd_test_api_http (c, "GET", "/console/api/session", NULL, NULL, fresh->cookie, NULL, NULL);
    g_assert_cmpuint (gone->status, ==, 401);
    refused = rd_test_api_login (c, "ana", PW_NEW);
    g_assert_cmpuint (refused->status, ==, 401);
    g_assert_cmpint (
        rd_test_api_count_events (c, "console-login-failed", "\"reason\":\"disabled\""), ==, 1);
    g_assert_cmpint (rd_test_api_count_events (c, "console-logout", "operator-disabled"), ==, 2);
  }

  {
    /* A supervisor adds an operator from the console: on the record with its address. */
    g_autoptr (RdTestReply) ok = rd_test_api_login (c, "sue", PW_SUE);
    g_autoptr (RdTestReply) added =
        rd_test_api_post (c, "/console/api/call",
                          "{\"method\": \"operator.add\", \"params\": {\"name\": "
                          "\"tom\", \"role\": \"technician\", \"password\": \"" PW_TOM "\"}}",
                          ok->cookie, rd_test_api_member (ok, "csrf"));
    g_autoptr (RdTestReply) out = NULL;
    g_autoptr (RdTestReply) tom = NULL;

    g_assert_cmpuint (added->status, ==, 200);
    g_assert_cmpint (
        rd_test_api_count_events (c, "operator-added",
                                  "operator sue (supervisor) {\"name\":\"tom\",\"role\":"
                                  "\"technician\",\"address\":\"127.0.0.1\"}"),
        ==, 1);
    tom = rd_test_api_login (c, "tom", PW_TOM);
    g_assert_cmpuint (tom->status, ==, 200);
    out = rd_test_api_post (c, "/console/api/logout", "{}", ok->cookie,
                            rd_test_api_member (ok, "csrf"));
    g_assert_cmpuint (out->status, ==, 200);
  }

  {
    /* An operator changes their own password: the current one proved (a wrong one counts
     * toward the lockout), the length rule kept, on the record, the other sessions ended. */
    g_autoptr (RdTestReply) first = rd_test_api_login (c, "tom", PW_TOM);
    g_autoptr (RdTestReply) other = rd_test_api_login (c, "tom", PW_TOM);
    const char *csrf = rd_test_api_member (first, "csrf");
    g_autoptr (RdTestReply) wrong = rd_test_api_post (
        c, "/console/api/password", "{\"current\": \"" PW_WRONG "\", \"new\": \"" PW_TOM2 "\"}",
        first->cookie, csrf);
    g_autoptr (RdTestReply) short_one = rd_test_api_post (
        c, "/console/api/password", "{\"current\": \"" PW_TOM "\", \"new\": \"ngan-qua\"}",
        first->cookie, csrf);
    g_autoptr (RdTestReply) no_csrf = rd_test_api_post (
        c, "/console/api/password", "{\"current\": \"" PW_TOM "\", \"new\": \"" PW_TOM2 "\"}",
        first->cookie, NULL);
    g_autoptr (RdTestReply) changed = NULL;
    g_autoptr (RdTestReply) still = NULL;
    g_autoptr (RdTestReply) gone = NULL;
    g_autoptr (RdTestReply) old = NULL;
    g_autoptr (RdTestReply) fresh = NULL;

    g_assert_cmpuint (wrong->status, ==, 403);
    g_assert_cmpstr (rd_test_api_error_code (wrong), ==, "wrong-password");
    g_assert_nonnull (strstr (rd_test_api_error_message (wrong), "current password is wrong"));
    g_assert_cmpint (
        rd_test_api_count_events (c, "console-password-change-failed", "\"name\":\"tom\""), ==, 1);
    g_assert_cmpuint (short_one->status, ==, 400);
    g_assert_cmpstr (rd_test_api_error_code (short_one), ==, "too-short");
    g_assert_nonnull (strstr (rd_test_api_error_message (short_one), "at least 10 characters"));
    g_assert_cmpuint (no_csrf->status, ==, 403);
    g_assert_cmpstr (rd_test_api_error_code (no_csrf), ==, "csrf");
    changed = rd_test_api_post (c, "/console/api/password",
                                "{\"current\": \"" PW_TOM "\", \"new\": \"" PW_TOM2 "\"}",
                                first->cookie, csrf);
    g_assert_cmpuint (changed->status, ==, 200);
    /* @other, and the login of the block above */
    g_assert_cmpint (
        json_object_get_int_member (json_node_get_object (changed->body), "sessions_ended"), ==, 2);
    g_assert_cmpint (
        rd_test_api_count_events (c, "operator-password-changed",
                                  "operator tom (technician) {\"name\":\"tom\",\"role\":"
                                  "\"technician\",\"address\":\"127.0.0.1\"}"),
        ==, 1);
    g_assert_cmpint (
        rd_test_api_count_events (c, "console-logout",
                                  "\"name\":\"tom\",\"role\":\"technician\",\"reason\":"
                                  "\"password-changed\""),
        ==, 2);
    still =
        rd_test_api_http (c, "GET", "/console/api/session", NULL, NULL, first->cookie, NULL, NULL);
    g_assert_cmpuint (still->status, ==, 200);
    gone =
        rd_test_api_http (c, "GET", "/console/api/session", NULL, NULL, other->cookie, NULL, NULL);
    g_assert_cmpuint (gone->status, ==, 401);
    old = rd_test_api_login (c, "tom", PW_TOM);
    g_assert_cmpuint (old->status, ==, 401);
    fresh = rd_test_api_login (c, "tom", PW_TOM2);
    g_assert_cmpuint (fresh->status, ==, 200);
    /* The wrong change and the old password's login were two failures of the name; three more
     * wrong current passwords reach the lockout, as failed logins would. */
    for (guint i = 0; i < 3; i++)
      {
        g_autoptr (RdTestReply) r =
            rd_test_api_post (c, "/console/api/password",
                              "{\"current\": \"" PW_WRONG "\", \"new\": \"" PW_WRONG "-2\"}",
                              fresh->cookie, rd_test_api_member (fresh, "csrf"));

        g_assert_cmpuint (r->status, ==, i < 2 ? 403 : 429);
        if (i == 2)
          g_assert_cmpstr (rd_test_api_error_code (r), ==, "locked-out");
      }
    g_assert_cmpint (rd_test_api_count_events (c, "console-lockout", "\"name\":\"tom\""), ==, 1);
  }

  {
    /* The previews, to any live session: JPEGs 320 px wide (the test camera is 16:9), not
     * kept; another source is 404, no session 401. */
    const char *sources[] = { "camera", "composite" };
    g_autoptr (RdTestReply) ok = rd_test_api_login (c, "sue", PW_SUE);

    for (guint i = 0; i < G_N_ELEMENTS (sources); i++)
      {
        g_autofree char *path = g_strdup_printf ("/console/api/preview?source=%s", sources[i]);
        g_autoptr (RdTestReply) r = g_new0 (RdTestReply, 1);
        g_autoptr (GBytes) jpeg = rd_test_api_get_bytes (c, path, ok->cookie, r);

        g_assert_cmpuint (r->status, ==, 200);
        g_assert_cmpstr (soup_message_headers_get_content_type (r->headers, NULL), ==,
                         "image/jpeg");
        g_assert_cmpstr (soup_message_headers_get_one (r->headers, "Cache-Control"), ==,
                         "no-store");
        rd_test_assert_jpeg (jpeg, 320, 180);
      }
    {
      g_autoptr (RdTestReply) other = rd_test_api_http (
          c, "GET", "/console/api/preview?source=screen", NULL, NULL, ok->cookie, NULL, NULL);
      g_autoptr (RdTestReply) nobody = rd_test_api_http (
          c, "GET", "/console/api/preview?source=camera", NULL, NULL, NULL, NULL, NULL);

      g_assert_cmpuint (other->status, ==, 404);
      g_assert_nonnull (strstr (rd_test_api_error_message (other), "source=camera"));
      g_assert_cmpuint (nobody->status, ==, 401);
    }
    {
      g_autoptr (RdTestReply) out = rd_test_api_post (c, "/console/api/logout", "{}", ok->cookie,
                                                      rd_test_api_member (ok, "csrf"));
      g_assert_cmpuint (out->status, ==, 200);
    }
  }

  {
    /* The idle timeout, shortened by a reload: the session ends by itself. */
    g_autoptr (RdTestReply) ok = NULL;
    g_autoptr (RdTestReply) gone = NULL;
    RdTestApiEvent w = { c, "console-logout",
                         "\"name\":\"sue\",\"role\":\"supervisor\",\"reason\":\"idle\"" };

    rd_test_daemon_write_config (t, "[console]\nidle-timeout=1\n");
    rd_test_daemon_signal (t, SIGHUP);
    rd_test_daemon_wait_notify (t, "READY=1", 2, TIMEOUT_MS);
    ok = rd_test_api_login (c, "sue", PW_SUE);
    g_assert_cmpuint (ok->status, ==, 200);
    g_assert_true (rd_test_wait_until (rd_test_api_event_seen, &w, TIMEOUT_MS));
    gone = rd_test_api_http (c, "GET", "/console/api/session", NULL, NULL, ok->cookie, NULL, NULL);
    g_assert_cmpuint (gone->status, ==, 401);
  }

  /* No password anywhere on the record or in the log. */
  {
    const char *passwords[] = { PW_ANA, PW_OLGA, PW_SUE, PW_NEW, PW_WRONG, PW_TOM, PW_TOM2 };
    g_autofree char *ledger = g_build_filename (t->state_dir, "ledger.sqlite", NULL);
    g_autofree char *wal = g_build_filename (t->state_dir, "ledger.sqlite-wal", NULL);
    g_autofree char *log = rd_test_daemon_stderr (t);

    for (gsize i = 0; i < G_N_ELEMENTS (passwords); i++)
      {
        g_assert_false (rd_test_file_has (ledger, passwords[i]));
        if (g_file_test (wal, G_FILE_TEST_EXISTS))
          g_assert_false (rd_test_file_has (wal, passwords[i]));
        g_assert_null (strstr (log, passwords[i]));
      }
  }

  g_object_unref (c->http);
  g_free (c->base);
  rd_test_daemon_signal (t, SIGTERM);
  g_assert_cmpint (rd_test_daemon_wait_exit (t, TIMEOUT_MS), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/console-api/operators-and-sessions", test_console_api);
  return g_test_run ();
}
