/* test-console-download.c: the reception book and the monthly report downloaded from the room
 * console's JSON API as XLSX and PDF, against the real receptiond and receptionctl: an officer
 * and a supervisor download them (the ZIP and PDF magic, the XLSX's shared strings read back
 * with Python's zipfile: the registration's Vietnamese name there, the protected one not, the
 * same text as receptionctl's file), the headers of a download, a technician and a request
 * without a session refused, the "console-download" events naming the operator, and nothing
 * left in the state directory. Plain HTTPS on 127.0.0.1. */
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "tests/rd-test-console-api.h"

#define TIMEOUT_MS 20000
#define PYTHON     "/usr/bin/python3"
#define XLSX_TYPE  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

#define PW_OLGA "olga-battery-staple"
#define PW_SUE  "sue-supervisor-pass"
#define PW_ANA  "ana-correct-horse"

#define NAME      "Nguyễn Thị Hằng"
#define PROTECTED "Lê Cường"

/* The XLSX's xl/sharedStrings.xml, read with Python's zipfile (not by the code that wrote it);
 * NULL, with the test skipped, when Python cannot run. (transfer full) */
static char *
shared_strings (GBytes *xlsx)
{
  g_autofree char *path = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) p = NULL;
  char *out = NULL;
  int fd = g_file_open_tmp ("test-console-download-XXXXXX.xlsx", &path, &error);

  g_assert_no_error (error);
  close (fd);
  g_assert_true (
      g_file_set_contents (path, g_bytes_get_data (xlsx, NULL), g_bytes_get_size (xlsx), &error));
  p = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, PYTHON, "-c",
                        "import sys, zipfile; sys.stdout.write(zipfile.ZipFile(sys.argv[1])"
                        ".read('xl/sharedStrings.xml').decode('utf-8'))",
                        path, NULL);
  if (p == NULL)
    {
      g_test_skip_printf ("%s cannot run: %s", PYTHON, error->message);
      g_unlink (path);
      return NULL;
    }
  g_assert_true (g_subprocess_communicate_utf8 (p, NULL, NULL, &out, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_successful (p));
  g_unlink (path);
  return out;
}

/* GET @path as @cookie's operator: a 200 of @type saved as a file ending in @ext. (transfer
 * full) */
static GBytes *
download (RdTestApi *c, const char *path, const char *cookie, const char *type, const char *ext)
{
  g_autoptr (RdTestReply) r = g_new0 (RdTestReply, 1);
  g_autoptr (GBytes) bytes = rd_test_api_get_bytes (c, path, cookie, r);
  const char *disposition = soup_message_headers_get_one (r->headers, "Content-Disposition");
  g_autofree char *suffix = g_strdup_printf (".%s\";", ext);

  g_assert_cmpuint (r->status, ==, 200);
  g_assert_cmpstr (soup_message_headers_get_content_type (r->headers, NULL), ==, type);
  g_assert_cmpstr (soup_message_headers_get_one (r->headers, "Cache-Control"), ==, "no-store");
  g_assert_nonnull (disposition);
  g_assert_true (g_str_has_prefix (disposition, "attachment; filename=\""));
  g_assert_nonnull (strstr (disposition, suffix));
  g_assert_nonnull (strstr (disposition, "; filename*=UTF-8''"));
  return g_steal_pointer (&bytes);
}

static void
assert_pdf (GBytes *pdf)
{
  gsize n;
  const char *d = g_bytes_get_data (pdf, &n);

  g_assert_cmpuint (n, >, 1000);
  g_assert_cmpmem (d, 5, "%PDF-", 5);
  g_assert_nonnull (g_strstr_len (d + n - 32, 32, "%%EOF"));
}

static void
assert_zip (GBytes *zip)
{
  g_assert_cmpuint (g_bytes_get_size (zip), >, 1000);
  g_assert_cmpmem (g_bytes_get_data (zip, NULL), 4, "PK\x03\x04", 4);
}

static void
test_downloads (void)
{
  g_autoptr (RdTestDaemon) t = rd_test_daemon_new (NULL);
  g_autoptr (JsonNode) status = NULL;
  RdTestApi ctx = { 0 }, *c = &ctx;
  const char *url;

  rd_test_daemon_start (t);
  c->t = t;
  c->http = soup_session_new_with_options ("timeout", 20, NULL);
  status = rd_test_ctl_json (t, "status", NULL);
  url = json_object_get_string_member (
      json_object_get_object_member (json_node_get_object (status), "listener"), "url");
  c->base = g_strndup (url, strlen (url) - 1); /* without the final '/' */

  g_assert_cmpint (
      rd_test_api_ctl (c, PW_OLGA "\n", NULL, "operator", "add", "olga", "--role", "officer", NULL),
      ==, 0);
  g_assert_cmpint (rd_test_api_ctl (c, PW_SUE "\n", NULL, "operator", "add", "sue", "--role",
                                    "supervisor", NULL),
                   ==, 0);
  g_assert_cmpint (rd_test_api_ctl (c, PW_ANA "\n", NULL, "operator", "add", "ana", "--role",
                                    "technician", NULL),
                   ==, 0);
  /* Two receptions in November: one citizen by name, one whose identity is protected. */
  g_assert_cmpint (rd_test_ctl (t, NULL, NULL, "registration", "add", "--name", NAME, "--summary",
                                "Tranh chấp đất đai", "--classification", "khieu-nai", NULL),
                   ==, 0);
  g_assert_cmpint (rd_test_ctl (t, NULL, NULL, "registration", "add", "--name", PROTECTED,
                                "--summary", "Phản ánh", "--classification", "phan-anh",
                                "--protect", NULL),
                   ==, 0);
  for (int i = 1; i <= 2; i++)
    {
      g_autofree char *id = g_strdup_printf ("%d", i);
      g_assert_cmpint (rd_test_ctl (t, NULL, NULL, "reception", "add", "--registration", id,
                                    "--content", "Khiếu nại", "--handling", "competent",
                                    "--officer", "Phạm Thu", "--confirmation", "signature",
                                    "--date", "2026-11-03", NULL),
                       ==, 0);
    }

  {
    /* The officer: the book as XLSX and PDF, the report as XLSX and PDF. */
    g_autoptr (RdTestReply) ok = rd_test_api_login (c, "olga", PW_OLGA);
    g_autoptr (GBytes) xlsx = NULL, pdf = NULL, report_xlsx = NULL, report_pdf = NULL;
    g_autofree char *strings = NULL;

    g_assert_cmpuint (ok->status, ==, 200);
    xlsx = download (c, "/console/api/book.xlsx?from=2026-11-01&to=2026-11-30", ok->cookie,
                     XLSX_TYPE, "xlsx");
    assert_zip (xlsx);
    strings = shared_strings (xlsx);
    if (strings)
      {
        g_assert_nonnull (strstr (strings, NAME));
        g_assert_null (strstr (strings, PROTECTED)); /* masked, as receptionctl's export */
      }
    {
      /* ... and the same text as receptionctl's file of the same days. */
      g_autofree char *dir = g_dir_make_tmp ("test-console-download-XXXXXX", NULL);
      g_autofree char *path = g_build_filename (dir, "book.xlsx", NULL);
      g_autofree char *contents = NULL;
      gsize len = 0;

      g_assert_cmpint (rd_test_ctl (t, NULL, NULL, "book", "export", "--from", "2026-11-01", "--to",
                                    "2026-11-30", "--format", "xlsx", "--output", path, NULL),
                       ==, 0);
      g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
      if (strings)
        {
          g_autoptr (GBytes) theirs = g_bytes_new_take (g_steal_pointer (&contents), len);
          g_autofree char *their_strings = shared_strings (theirs);

          g_assert_cmpstr (their_strings, ==, strings);
        }
      g_unlink (path);
      g_rmdir (dir);
    }
    pdf = download (c, "/console/api/book.pdf?from=2026-11-01&to=2026-11-30", ok->cookie,
                    "application/pdf", "pdf");
    assert_pdf (pdf);
    report_xlsx =
        download (c, "/console/api/report.xlsx?month=2026-11", ok->cookie, XLSX_TYPE, "xlsx");
    assert_zip (report_xlsx);
    report_pdf =
        download (c, "/console/api/report.pdf?month=2026-11", ok->cookie, "application/pdf", "pdf");
    assert_pdf (report_pdf);
    g_assert_cmpint (rd_test_api_count_events (c, "console-download", "operator olga (officer)"),
                     ==, 4);
    g_assert_cmpint (rd_test_api_count_events (c, "book-exported", "operator olga (officer)"), ==,
                     2);
  }

  {
    /* The supervisor may too; the period is checked by the method, a missing one here. */
    g_autoptr (RdTestReply) ok = rd_test_api_login (c, "sue", PW_SUE);
    g_autoptr (GBytes) pdf = download (c, "/console/api/book.pdf?from=2026-11-01&to=2026-11-30",
                                       ok->cookie, "application/pdf", "pdf");
    g_autoptr (RdTestReply) no_period =
        rd_test_api_http (c, "GET", "/console/api/report.pdf", NULL, NULL, ok->cookie, NULL, NULL);
    g_autoptr (RdTestReply) bad_month = rd_test_api_http (
        c, "GET", "/console/api/report.xlsx?month=2026-13", NULL, NULL, ok->cookie, NULL, NULL);

    assert_pdf (pdf);
    g_assert_cmpuint (no_period->status, ==, 400);
    g_assert_cmpstr (rd_test_api_error_code (no_period), ==, "bad-request");
    g_assert_cmpuint (bad_month->status, ==, 400);
    g_assert_cmpint (rd_test_api_count_events (c, "console-download", "operator sue (supervisor)"),
                     ==, 1);
  }

  {
    /* A technician and a request without a session are refused, and nothing is recorded. */
    g_autoptr (RdTestReply) ok = rd_test_api_login (c, "ana", PW_ANA);
    g_autoptr (RdTestReply) technician =
        rd_test_api_http (c, "GET", "/console/api/book.xlsx?from=2026-11-01&to=2026-11-30", NULL,
                          NULL, ok->cookie, NULL, NULL);
    g_autoptr (RdTestReply) report = rd_test_api_http (
        c, "GET", "/console/api/report.pdf?month=2026-11", NULL, NULL, ok->cookie, NULL, NULL);
    g_autoptr (RdTestReply) nobody =
        rd_test_api_http (c, "GET", "/console/api/book.pdf?from=2026-11-01&to=2026-11-30", NULL,
                          NULL, NULL, NULL, NULL);
    g_autoptr (RdTestReply) post = rd_test_api_post (c, "/console/api/book.pdf", "{}", ok->cookie,
                                                     rd_test_api_member (ok, "csrf"));

    g_assert_cmpuint (technician->status, ==, 403);
    g_assert_cmpstr (rd_test_api_error_code (technician), ==, "forbidden");
    g_assert_cmpuint (report->status, ==, 403);
    g_assert_cmpuint (nobody->status, ==, 401);
    g_assert_cmpstr (rd_test_api_error_code (nobody), ==, "no-session");
    g_assert_cmpuint (post->status, ==, 405);
    g_assert_cmpint (rd_test_api_count_events (c, "console-download", "technician"), ==, 0);
    g_assert_cmpint (rd_test_api_count_events (c, "console-download", NULL), ==, 5);
  }

  {
    /* Nothing of the documents stays in the state directory. */
    g_autoptr (GDir) dir = g_dir_open (t->state_dir, 0, NULL);
    const char *name;

    g_assert_nonnull (dir);
    while ((name = g_dir_read_name (dir)))
      g_assert_false (g_str_has_prefix (name, "document-"));
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
  g_test_add_func ("/console-download/book-and-report", test_downloads);
  return g_test_run ();
}
