/* rd-test-console-api.c: see rd-test-console-api.h. */
#define _GNU_SOURCE /* memmem */
#include "tests/rd-test-console-api.h"

#include <sqlite3.h>
#include <string.h>

void
rd_test_reply_free (RdTestReply *r)
{
  g_clear_pointer (&r->body, json_node_unref);
  g_free (r->set_cookie);
  g_free (r->cookie);
  g_clear_pointer (&r->headers, soup_message_headers_unref);
  g_free (r);
}

gboolean
rd_test_api_accept_any (SoupMessage *msg, GTlsCertificate *cert, GTlsCertificateFlags errors,
                        gpointer data)
{
  return TRUE; /* the daemon's self-signed certificate, on loopback */
}

/* One request; @origin NULL sends none. */
RdTestReply *
rd_test_api_http (RdTestApi *c, const char *method, const char *path, const char *type,
                  const char *body, const char *cookie, const char *csrf, const char *origin)
{
  g_autofree char *url = g_strconcat (c->base, path, NULL);
  g_autoptr (SoupMessage) msg = soup_message_new (method, url);
  SoupMessageHeaders *h = soup_message_get_request_headers (msg);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = NULL;
  RdTestReply *r = g_new0 (RdTestReply, 1);
  const char *set;

  g_signal_connect (msg, "accept-certificate", G_CALLBACK (rd_test_api_accept_any), NULL);
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

RdTestReply *
rd_test_api_post (RdTestApi *c, const char *path, const char *body, const char *cookie,
                  const char *csrf)
{
  return rd_test_api_http (c, "POST", path, "application/json", body, cookie, csrf, c->base);
}

const char *
rd_test_api_error_code (RdTestReply *r)
{
  return json_object_get_string_member (
      json_object_get_object_member (json_node_get_object (r->body), "error"), "code");
}

const char *
rd_test_api_error_message (RdTestReply *r)
{
  return json_object_get_string_member (
      json_object_get_object_member (json_node_get_object (r->body), "error"), "message");
}

const char *
rd_test_api_member (RdTestReply *r, const char *name)
{
  return json_object_get_string_member (json_node_get_object (r->body), name);
}

/* receptionctl --socket S ARGS... with @input on its stdin; its exit code. */
int
rd_test_api_ctl (RdTestApi *c, const char *input, char **err, ...)
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

RdTestReply *
rd_test_api_login (RdTestApi *c, const char *name, const char *password)
{
  g_autofree char *body =
      g_strdup_printf ("{\"name\": \"%s\", \"password\": \"%s\"}", name, password);
  return rd_test_api_post (c, "/console/api/login", body, NULL, NULL);
}

/* The number of ledger events of @kind whose detail has @needle. */
gint64
rd_test_api_count_events (RdTestApi *c, const char *kind, const char *needle)
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

gboolean
rd_test_api_event_seen (gpointer data)
{
  RdTestApiEvent *w = data;
  return rd_test_api_count_events (w->c, w->kind, w->needle) > 0;
}

gboolean
rd_test_file_has (const char *path, const char *needle)
{
  g_autofree char *text = NULL;
  gsize len;

  g_assert_true (g_file_get_contents (path, &text, &len, NULL));
  return memmem (text, len, needle, strlen (needle)) != NULL;
}

/* GET @path with @cookie: the body's bytes, the status and the headers in @r. */
GBytes *
rd_test_api_get_bytes (RdTestApi *c, const char *path, const char *cookie, RdTestReply *r)
{
  g_autofree char *url = g_strconcat (c->base, path, NULL);
  g_autoptr (SoupMessage) msg = soup_message_new ("GET", url);
  g_autofree char *value = g_strdup_printf ("rd_console=%s", cookie);
  g_autoptr (GError) error = NULL;
  GBytes *bytes;

  g_signal_connect (msg, "accept-certificate", G_CALLBACK (rd_test_api_accept_any), NULL);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Cookie", value);
  bytes = soup_session_send_and_read (c->http, msg, NULL, &error);
  g_assert_no_error (error);
  r->status = soup_message_get_status (msg);
  r->headers = soup_message_headers_ref (soup_message_get_response_headers (msg));
  return bytes;
}

/* A baseline JPEG (ITU-T T.81): SOI first, EOI last, and its SOF0 says @width x @height. */
void
rd_test_assert_jpeg (GBytes *bytes, guint width, guint height)
{
  gsize n;
  const guint8 *d = g_bytes_get_data (bytes, &n);
  gsize i = 2;

  g_assert_cmpuint (n, >, 100);
  g_assert_true (d[0] == 0xff && d[1] == 0xd8 && d[n - 2] == 0xff && d[n - 1] == 0xd9);
  while (i + 9 < n && d[i] == 0xff && d[i + 1] != 0xc0)
    i += 2 + (d[i + 2] << 8 | d[i + 3]); /* the next segment */
  g_assert_true (i + 9 < n && d[i] == 0xff && d[i + 1] == 0xc0);
  g_assert_cmpuint (d[i + 5] << 8 | d[i + 6], ==, height);
  g_assert_cmpuint (d[i + 7] << 8 | d[i + 8], ==, width);
}