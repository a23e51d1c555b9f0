/* test-console-api.c: the room console's operator accounts and JSON API against the real
 * receptiond and receptionctl: operators made with receptionctl, logins, lockout, sessions and
 * their cookie, CSRF and cross-site refusals, roles, the ledger's actor, the idle timeout, and
 * that no password reaches the ledger file or the daemon's log. Plain HTTPS on 127.0.0.1. */
#define _GNU_SOURCE /* memmem */
#include <signal.h>
#include <sqlite3.h>
#include <string.h>

#include <libsoup/soup.h>

#include "tests/rd-test-daemon.h"

#define TIMEOUT_MS 20000

#define PW_ANA   "ana-correct-horse"
#define PW_OLGA  "olga-battery-staple"
#define PW_SUE   "sue-supervisor-pass"
#define PW_NEW   "ana-new-password-2"
#define PW_WRONG "definitely-wrong-1"
#define PW_TOM   "tom-from-the-console"
#define PW_TOM2  "tom-changed-it-himself"

typedef struct
{
  RdTestDaemon *t;
  char *base; /* "https://127.0.0.1:PORT" */
  SoupSession *http;
} Ctx;

typedef struct
{
  guint status;
  JsonNode *body;
  char *set_cookie;
  char *cookie; /* the rd_console value in Set-Cookie */
  SoupMessageHeaders *headers;
} Reply;

static void
reply_free (Reply *r)
{
  g_clear_pointer (&r->body, json_node_unref);
  g_free (r->set_cookie);
  g_free (r->cookie);
  g_clear_pointer (&r->headers, soup_message_headers_unref);
  g_free (r);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Reply, reply_free)

static gboolean
accept_any (SoupMessage *msg, GTlsCertificate *cert, GTlsCertificateFlags errors, gpointer data)
{
  return TRUE; /* the daemon's self-signed certificate, on loopback */
}

/* One request; @origin NULL sends none. */
static Reply *
http (Ctx *c, const char *method, const char *path, const char *type, const char *body,
      const char *cookie, const char *csrf, const char *origin)
{
  g_autofree char *url = g_strconcat (c->base, path, NULL);
  g_autoptr (SoupMessage) msg = soup_message_new (method, url);
  SoupMessageHeaders *h = soup_message_get_request_headers (msg);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = NULL;
  Reply *r = g_new0 (Reply, 1);
  const char *set;

  g_signal_connect (msg, "accept-certificate", G_CALLBACK (accept_any), NULL);
  if (cookie)
    {
      g_autofree char *v = g_strdup_printf ("rd_console=%s", cookie);
      soup_message_headers_replace (h, "Cookie", v);
    }
  if (csrf)
    soup_message_headers_replace (h, "X-CSRF-Token", csrf);
  if (origin)
    soup_message_headers_replace (h, "Origin", origin);
  if (body)
    {
      g_autoptr (GBytes) b = g_bytes_new (body, strlen (body));
      soup_message_set_request_body_from_bytes (msg, type, b);
    }
  bytes = soup_session_send_and_read (c->http, msg, NULL, &error);
  g_assert_no_error (error);
  r->status = soup_message_get_status (msg);
  r->headers = soup_message_headers_ref (soup_message_get_response_headers (msg));
  if (g_bytes_get_size (bytes) > 0)
    {
      g_autofree char *text = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
      r->body = json_from_string (text, NULL);
      g_test_message ("%s %s -> %u %s", method, path, r->status, text);
    }
  set = soup_message_headers_get_one (r->headers, "Set-Cookie");
  if (set)
    {
      r->set_cookie = g_strdup (set);
      if (g_str_has_prefix (set, "rd_console="))
        r->cookie = g_strndup (set + strlen ("rd_console="), strcspn (set, ";") - 11);
    }
  return r;
}

static Reply *
post (Ctx *c, const char *path, const char *body, const char *cookie, const char *csrf)
{
  return http (c, "POST", path, "application/json", body, cookie, csrf, c->base);
}

static const char *
error_code (Reply *r)
{
  return json_object_get_string_member (
      json_object_get_object_member (json_node_get_object (r->body), "error"), "code");
}

static const char *
error_message (Reply *r)
{
  return json_object_get_string_member (
      json_object_get_object_member (json_node_get_object (r->body), "error"), "message");
}

static const char *
member (Reply *r, const char *name)
{
  return json_object_get_string_member (json_node_get_object (r->body), name);
}

/* receptionctl --socket S ARGS... with @input on its stdin; its exit code. */
static int
ctl_with_input (Ctx *c, const char *input, char **err, ...)
{
  g_autofree char *path =
      g_build_filename (g_getenv ("RD_TEST_BINDIR"), "bin", "receptionctl", NULL);
  g_autoptr (GPtrArray) args = g_ptr_array_new ();
  g_autoptr (GSubprocess) proc = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *out = NULL;
  const char *a;
  va_list ap;

  g_ptr_array_add (args, path);
  g_ptr_array_add (args, "--socket");
  g_ptr_array_add (args, c->t->socket_path);
  va_start (ap, err);
  while ((a = va_arg (ap, const char *)))
    g_ptr_array_add (args, (gpointer)a);
  va_end (ap);
  g_ptr_array_add (args, NULL);
  proc = g_subprocess_newv ((const char *const *)args->pdata,
                            G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                G_SUBPROCESS_FLAGS_STDERR_PIPE,
                            &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (proc, input, NULL, &out, err, &error));
  g_assert_no_error (error);
  return g_subprocess_get_exit_status (proc);
}

static Reply *
login (Ctx *c, const char *name, const char *password)
{
  g_autofree char *body =
      g_strdup_printf ("{\"name\": \"%s\", \"password\": \"%s\"}", name, password);
  return post (c, "/console/api/login", body, NULL, NULL);
}

/* The number of ledger events of @kind whose detail has @needle. */
static gint64
count_events (Ctx *c, const char *kind, const char *needle)
{
  g_autofree char *path = g_build_filename (c->t->state_dir, "ledger.sqlite", NULL);
  g_autofree char *like = g_strdup_printf ("%%%s%%", needle ? needle : "");
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 n;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  g_assert_cmpint (sqlite3_prepare_v2 (db,
                                       "SELECT count(*) FROM events WHERE kind = ?1 AND "
                                       "(actor || ' ' || coalesce (detail, '')) LIKE ?2",
                                       -1, &stmt, NULL),
                   ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, kind, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, like, -1, SQLITE_STATIC);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  n = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return n;
}

typedef struct
{
  Ctx *c;
  const char *kind, *needle;
} EventWait;

static gboolean
event_seen (gpointer data)
{
  EventWait *w = data;
  return count_events (w->c, w->kind, w->needle) > 0;
}

static gboolean
file_has (const char *path, const char *needle)
{
  g_autofree char *text = NULL;
  gsize len;

  g_assert_true (g_file_get_contents (path, &text, &len, NULL));
  return memmem (text, len, needle, strlen (needle)) != NULL;
}

static void
test_console_api (void)
{
  g_autoptr (RdTestDaemon) t = rd_test_daemon_new (NULL);
  g_autoptr (JsonNode) status = NULL;
  g_autoptr (JsonNode) list = NULL;
  g_autofree char *err = NULL;
  g_autofree char *session_id = NULL;
  Ctx ctx = { 0 }, *c = &ctx;
  const char *url;

  rd_test_daemon_start (t);
  c->t = t;
  c->http = soup_session_new_with_options ("timeout", 20, NULL);
  status = rd_test_ctl_json (t, "status", NULL);
  url = json_object_get_string_member (
      json_object_get_object_member (json_node_get_object (status), "listener"), "url");
  c->base = g_strndup (url, strlen (url) - 1); /* without the final '/' */

  /* Operators, made by root on the socket; a short password is refused before the daemon. */
  g_assert_cmpint (ctl_with_input (c, "too-short\n", &err, "operator", "add", "ana", "--role",
                                   "technician", "--password-stdin", NULL),
                   ==, 65);
  g_assert_nonnull (strstr (err, "at least 10 characters"));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (
      ctl_with_input (c, PW_ANA "\n", NULL, "operator", "add", "ana", "--role", "technician", NULL),
      ==, 0);
  g_assert_cmpint (
      ctl_with_input (c, PW_OLGA "\n", NULL, "operator", "add", "olga", "--role", "officer", NULL),
      ==, 0);
  g_assert_cmpint (
      ctl_with_input (c, PW_SUE "\n", NULL, "operator", "add", "sue", "--role", "supervisor", NULL),
      ==, 0);
  g_assert_cmpint (
      ctl_with_input (c, PW_SUE "\n", &err, "operator", "add", "sue", "--role", "officer", NULL),
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
    g_autoptr (Reply) wrong = login (c, "ana", PW_WRONG);
    g_autoptr (Reply) nobody = login (c, "nobody", PW_WRONG);
    g_autoptr (Reply) ok = login (c, "ana", PW_ANA);
    g_autoptr (Reply) session = NULL;
    g_autoptr (Reply) no_session = NULL;
    g_autoptr (Reply) no_csrf = NULL;
    g_autoptr (Reply) form = NULL;
    g_autoptr (Reply) form_no_origin = NULL;
    g_autoptr (Reply) started = NULL;
    g_autoptr (Reply) refused = NULL;
    g_autoptr (Reply) out = NULL;
    g_autoptr (Reply) after = NULL;
    g_autoptr (JsonNode) sessions = NULL;
    const char *csrf;
    g_autofree char *call = NULL;

    g_assert_cmpuint (wrong->status, ==, 401);
    g_assert_cmpstr (error_code (wrong), ==, "login-failed");
    g_assert_cmpuint (nobody->status, ==, 401);
    g_assert_cmpstr (error_message (nobody), ==, error_message (wrong));
    g_assert_cmpuint (ok->status, ==, 200);
    g_assert_cmpstr (member (ok, "role"), ==, "technician");
    csrf = member (ok, "csrf");
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

    session = http (c, "GET", "/console/api/session", NULL, NULL, ok->cookie, NULL, NULL);
    g_assert_cmpuint (session->status, ==, 200);
    g_assert_cmpstr (member (session, "name"), ==, "ana");
    g_assert_cmpstr (member (session, "csrf"), ==, csrf);

    /* No session, no CSRF token, a cross-site form: refused, and nothing started. */
    call = g_strdup ("{\"method\": \"session.start\", \"params\": {\"title\": \"T\"}}");
    no_session = post (c, "/console/api/call", call, NULL, csrf);
    g_assert_cmpuint (no_session->status, ==, 401);
    g_assert_cmpstr (error_code (no_session), ==, "no-session");
    no_csrf = post (c, "/console/api/call", call, ok->cookie, NULL);
    g_assert_cmpuint (no_csrf->status, ==, 403);
    g_assert_cmpstr (error_code (no_csrf), ==, "csrf");
    form = http (c, "POST", "/console/api/call", "application/x-www-form-urlencoded",
                 "method=session.start&title=T", ok->cookie, NULL, "https://evil.example");
    g_assert_cmpuint (form->status, ==, 403);
    g_assert_cmpstr (error_code (form), ==, "cross-origin");
    form_no_origin = http (c, "POST", "/console/api/call", "application/x-www-form-urlencoded",
                           "method=session.start&title=T", ok->cookie, csrf, NULL);
    g_assert_cmpuint (form_no_origin->status, ==, 415);
    sessions = rd_test_ctl_json (t, "session", "list", NULL);
    g_assert_cmpuint (json_array_get_length (json_node_get_array (sessions)), ==, 0);

    /* The technician starts a session: on the record as the operator. */
    started = post (c, "/console/api/call", call, ok->cookie, csrf);
    g_assert_cmpuint (started->status, ==, 200);
    g_assert_cmpstr (member (started, "state"), ==, "live");
    session_id = g_strdup (member (started, "id"));
    g_assert_cmpint (count_events (c, "session-started", "operator ana (technician)"), ==, 1);
    /* ... and cannot open the book. */
    refused =
        post (c, "/console/api/call", "{\"method\": \"registration.list\"}", ok->cookie, csrf);
    g_assert_cmpuint (refused->status, ==, 403);
    g_assert_cmpstr (error_code (refused), ==, "forbidden");
    g_assert_nonnull (strstr (error_message (refused), "officer"));

    /* Logout ends the session. */
    out = post (c, "/console/api/logout", "{}", ok->cookie, csrf);
    g_assert_cmpuint (out->status, ==, 200);
    g_assert_nonnull (strstr (out->set_cookie, "Max-Age=0"));
    after = http (c, "GET", "/console/api/session", NULL, NULL, ok->cookie, NULL, NULL);
    g_assert_cmpuint (after->status, ==, 401);
    g_assert_cmpint (count_events (c, "console-logout", "\"reason\":\"logout\""), ==, 1);
  }

  {
    /* An officer cannot start a session; the method's refusal names the role. */
    g_autoptr (Reply) ok = login (c, "olga", PW_OLGA);
    g_autoptr (Reply) refused =
        post (c, "/console/api/call", "{\"method\": \"session.start\", \"params\": {}}", ok->cookie,
              member (ok, "csrf"));
    g_autoptr (Reply) book = post (c, "/console/api/call", "{\"method\": \"registration.list\"}",
                                   ok->cookie, member (ok, "csrf"));

    g_assert_cmpuint (refused->status, ==, 403);
    g_assert_nonnull (strstr (error_message (refused), "technician role"));
    g_assert_nonnull (strstr (error_message (refused), "operator olga (officer)"));
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

      g_signal_connect (msg, "accept-certificate", G_CALLBACK (accept_any), NULL);
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
      g_assert_cmpint (count_events (c, "recording-viewed", "operator olga (officer)"), ==, 1);
    }
  }

  {
    /* Lockout: five failures lock the name; the right password is refused while locked. */
    g_autoptr (Reply) last = NULL;
    g_autoptr (Reply) right = NULL;
    const char *until;

    for (int i = 0; i < 4; i++)
      {
        g_autoptr (Reply) r = login (c, "olga", PW_WRONG);
        g_assert_cmpuint (r->status, ==, 401);
      }
    last = login (c, "olga", PW_WRONG);
    g_assert_cmpuint (last->status, ==, 429);
    g_assert_cmpstr (error_code (last), ==, "locked-out");
    until = json_object_get_string_member (
        json_object_get_object_member (json_node_get_object (last->body), "error"), "until");
    g_assert_nonnull (strstr (error_message (last), until));
    g_assert_nonnull (soup_message_headers_get_one (last->headers, "Retry-After"));
    right = login (c, "olga", PW_OLGA);
    g_assert_cmpuint (right->status, ==, 429);
    g_assert_cmpint (count_events (c, "console-lockout", "\"name\":\"olga\""), ==, 1);
    g_assert_cmpint (count_events (c, "console-login-failed", "locked-out"), ==, 1);
  }

  {
    /* A new password works, the old one no longer; a disabled operator's session ends and it
     * cannot log in. */
    g_autoptr (Reply) before = login (c, "ana", PW_ANA);
    g_autoptr (Reply) old = NULL;
    g_autoptr (Reply) fresh = NULL;
    g_autoptr (Reply) gone = NULL;
    g_autoptr (Reply) refused = NULL;

    g_assert_cmpuint (before->status, ==, 200);
    g_assert_cmpint (ctl_with_input (c, PW_NEW "\n", NULL, "operator", "passwd", "ana", NULL), ==,
                     0);
    old = login (c, "ana", PW_ANA);
    g_assert_cmpuint (old->status, ==, 401);
    fresh = login (c, "ana", PW_NEW);
    g_assert_cmpuint (fresh->status, ==, 200);
    g_assert_cmpint (rd_test_ctl (t, NULL, NULL, "operator", "disable", "ana", NULL), ==, 0);
    gone = http (c, "GET", "/console/api/session", NULL, NULL, fresh->cookie, NULL, NULL);
    g_assert_cmpuint (gone->status, ==, 401);
    refused = login (c, "ana", PW_NEW);
    g_assert_cmpuint (refused->status, ==, 401);
    g_assert_cmpint (count_events (c, "console-login-failed", "\"reason\":\"disabled\""), ==, 1);
    g_assert_cmpint (count_events (c, "console-logout", "operator-disabled"), ==, 2);
  }

  {
    /* A supervisor adds an operator from the console: on the record with its address. */
    g_autoptr (Reply) ok = login (c, "sue", PW_SUE);
    g_autoptr (Reply) added =
        post (c, "/console/api/call",
              "{\"method\": \"operator.add\", \"params\": {\"name\": "
              "\"tom\", \"role\": \"technician\", \"password\": \"" PW_TOM "\"}}",
              ok->cookie, member (ok, "csrf"));
    g_autoptr (Reply) out = NULL;
    g_autoptr (Reply) tom = NULL;

    g_assert_cmpuint (added->status, ==, 200);
    g_assert_cmpint (count_events (c, "operator-added",
                                   "operator sue (supervisor) {\"name\":\"tom\",\"role\":"
                                   "\"technician\",\"address\":\"127.0.0.1\"}"),
                     ==, 1);
    tom = login (c, "tom", PW_TOM);
    g_assert_cmpuint (tom->status, ==, 200);
    out = post (c, "/console/api/logout", "{}", ok->cookie, member (ok, "csrf"));
    g_assert_cmpuint (out->status, ==, 200);
  }

  {
    /* An operator changes their own password: the current one proved (a wrong one counts
     * toward the lockout), the length rule kept, on the record, the other sessions ended. */
    g_autoptr (Reply) first = login (c, "tom", PW_TOM);
    g_autoptr (Reply) other = login (c, "tom", PW_TOM);
    const char *csrf = member (first, "csrf");
    g_autoptr (Reply) wrong =
        post (c, "/console/api/password",
              "{\"current\": \"" PW_WRONG "\", \"new\": \"" PW_TOM2 "\"}", first->cookie, csrf);
    g_autoptr (Reply) short_one =
        post (c, "/console/api/password", "{\"current\": \"" PW_TOM "\", \"new\": \"ngan-qua\"}",
              first->cookie, csrf);
    g_autoptr (Reply) no_csrf =
        post (c, "/console/api/password", "{\"current\": \"" PW_TOM "\", \"new\": \"" PW_TOM2 "\"}",
              first->cookie, NULL);
    g_autoptr (Reply) changed = NULL;
    g_autoptr (Reply) still = NULL;
    g_autoptr (Reply) gone = NULL;
    g_autoptr (Reply) old = NULL;
    g_autoptr (Reply) fresh = NULL;

    g_assert_cmpuint (wrong->status, ==, 403);
    g_assert_cmpstr (error_code (wrong), ==, "wrong-password");
    g_assert_nonnull (strstr (error_message (wrong), "current password is wrong"));
    g_assert_cmpint (count_events (c, "console-password-change-failed", "\"name\":\"tom\""), ==, 1);
    g_assert_cmpuint (short_one->status, ==, 400);
    g_assert_cmpstr (error_code (short_one), ==, "too-short");
    g_assert_nonnull (strstr (error_message (short_one), "at least 10 characters"));
    g_assert_cmpuint (no_csrf->status, ==, 403);
    g_assert_cmpstr (error_code (no_csrf), ==, "csrf");
    changed = post (c, "/console/api/password",
                    "{\"current\": \"" PW_TOM "\", \"new\": \"" PW_TOM2 "\"}", first->cookie, csrf);
    g_assert_cmpuint (changed->status, ==, 200);
    /* @other, and the login of the block above */
    g_assert_cmpint (
        json_object_get_int_member (json_node_get_object (changed->body), "sessions_ended"), ==, 2);
    g_assert_cmpint (count_events (c, "operator-password-changed",
                                   "operator tom (technician) {\"name\":\"tom\",\"role\":"
                                   "\"technician\",\"address\":\"127.0.0.1\"}"),
                     ==, 1);
    g_assert_cmpint (count_events (c, "console-logout",
                                   "\"name\":\"tom\",\"role\":\"technician\",\"reason\":"
                                   "\"password-changed\""),
                     ==, 2);
    still = http (c, "GET", "/console/api/session", NULL, NULL, first->cookie, NULL, NULL);
    g_assert_cmpuint (still->status, ==, 200);
    gone = http (c, "GET", "/console/api/session", NULL, NULL, other->cookie, NULL, NULL);
    g_assert_cmpuint (gone->status, ==, 401);
    old = login (c, "tom", PW_TOM);
    g_assert_cmpuint (old->status, ==, 401);
    fresh = login (c, "tom", PW_TOM2);
    g_assert_cmpuint (fresh->status, ==, 200);
  }

  {
    /* The idle timeout, shortened by a reload: the session ends by itself. */
    g_autoptr (Reply) ok = NULL;
    g_autoptr (Reply) gone = NULL;
    EventWait w = { c, "console-logout",
                    "\"name\":\"sue\",\"role\":\"supervisor\",\"reason\":\"idle\"" };

    rd_test_daemon_write_config (t, "[console]\nidle-timeout=1\n");
    rd_test_daemon_signal (t, SIGHUP);
    rd_test_daemon_wait_notify (t, "READY=1", 2, TIMEOUT_MS);
    ok = login (c, "sue", PW_SUE);
    g_assert_cmpuint (ok->status, ==, 200);
    g_assert_true (rd_test_wait_until (event_seen, &w, TIMEOUT_MS));
    gone = http (c, "GET", "/console/api/session", NULL, NULL, ok->cookie, NULL, NULL);
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
        g_assert_false (file_has (ledger, passwords[i]));
        if (g_file_test (wal, G_FILE_TEST_EXISTS))
          g_assert_false (file_has (wal, passwords[i]));
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
