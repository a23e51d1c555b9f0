/* rd-test-s3.c: s3rver for the archive tests. See rd-test-s3.h. */
#include "tests/rd-test-s3.h"
#include "tests/rd-test-daemon.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#define START_TIMEOUT_MS 30000
#define S3_PORT          4568 /* the namespace is the test's own: nothing else listens there */

static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

RdTestS3 *
rd_test_s3_new (char **why)
{
  g_autofree char *bin =
      g_build_filename (RD_TEST_S3RVER_DIR, "node_modules", "s3rver", "bin", "s3rver.js", NULL);
  RdTestS3 *s3;
  g_autofree char *root = NULL;

  if (!g_file_test (bin, G_FILE_TEST_EXISTS))
    {
      *why = g_strdup_printf ("s3rver is not installed (%s); run scripts/install-deps.sh", bin);
      return NULL;
    }
  root = g_dir_make_tmp ("rd-test-s3-XXXXXX", NULL);
  g_assert_nonnull (root);
  s3 = g_new0 (RdTestS3, 1);
  s3->dir = g_build_filename (root, "data", NULL);
  g_assert_cmpint (g_mkdir (s3->dir, 0700), ==, 0);
  s3->port = S3_PORT;
  s3->url = g_strdup_printf ("http://127.0.0.1:%u", s3->port);
  s3->output = g_string_new (NULL);
  return s3;
}

/* Reads s3rver's output as it comes (a pipe left unread would stop it), until it ends. */
static void
on_line (GObject *source, GAsyncResult *res, gpointer data)
{
  RdTestS3Reader *r = data;
  g_autofree char *line =
      g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), res, NULL, NULL);

  if (!line)
    {
      r->ended = TRUE;
      g_clear_object (&r->in);
      if (r->gone)
        g_free (r);
      return;
    }
  if (!r->gone)
    g_string_append_printf (r->output, "%s\n", line);
  if (strstr (line, "S3rver listening on"))
    r->listening = TRUE;
  g_data_input_stream_read_line_async (r->in, G_PRIORITY_DEFAULT, NULL, on_line, r);
}

static gboolean
started (gpointer data)
{
  RdTestS3Reader *r = data;
  return r->listening || r->ended;
}

void
rd_test_s3_start (RdTestS3 *s3)
{
  g_autofree char *bin =
      g_build_filename (RD_TEST_S3RVER_DIR, "node_modules", "s3rver", "bin", "s3rver.js", NULL);
  g_autofree char *port = g_strdup_printf ("%u", s3->port);
  const char *argv[] = { "node",
                         bin,
                         "-d",
                         s3->dir,
                         "-a",
                         "127.0.0.1",
                         "-p",
                         port,
                         "--configure-bucket",
                         RD_TEST_S3_BUCKET,
                         s3->cert ? "--cert" : NULL,
                         s3->cert,
                         "--key",
                         s3->key,
                         NULL };
  g_autoptr (GSubprocessLauncher) launcher =
      g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autoptr (GError) error = NULL;
  RdTestS3Reader *r = g_new0 (RdTestS3Reader, 1);

  g_assert_null (s3->proc);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  s3->proc = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  r->output = s3->output;
  r->in = g_data_input_stream_new (g_subprocess_get_stdout_pipe (s3->proc));
  s3->reader = r;
  g_data_input_stream_read_line_async (r->in, G_PRIORITY_DEFAULT, NULL, on_line, r);
  if (!rd_test_wait_until (started, r, START_TIMEOUT_MS) || !r->listening)
    g_error ("s3rver did not start listening: %s", s3->output->str);
}

void
rd_test_s3_stop (RdTestS3 *s3)
{
  if (!s3->proc)
    return;
  g_subprocess_send_signal (s3->proc, SIGKILL);
  g_subprocess_wait (s3->proc, NULL, NULL);
  g_clear_object (&s3->proc);
  /* the reader ends on its own when it reads the end of the pipe, and frees itself */
  s3->reader->gone = TRUE;
  s3->reader = NULL;
}

char *
rd_test_s3_use_tls (RdTestS3 *s3, guint16 port)
{
  g_autofree char *root = g_path_get_dirname (s3->dir);
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr (GError) error = NULL;
  int status = 0;

  s3->cert = g_build_filename (root, "server.pem", NULL);
  s3->key = g_build_filename (root, "server.key", NULL);
  {
    const char *argv[] = { "openssl",
                           "req",
                           "-x509",
                           "-newkey",
                           "ec",
                           "-pkeyopt",
                           "ec_paramgen_curve:P-256",
                           "-nodes",
                           "-days",
                           "2",
                           "-subj",
                           "/CN=127.0.0.1",
                           "-addext",
                           "subjectAltName=IP:127.0.0.1",
                           "-keyout",
                           s3->key,
                           "-out",
                           s3->cert,
                           NULL };
    g_assert_true (g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out,
                                 &err, &status, &error));
    g_assert_no_error (error);
    if (!g_spawn_check_wait_status (status, NULL))
      g_error ("openssl req failed: %s", err);
  }
  s3->port = port;
  g_free (s3->url);
  s3->url = g_strdup_printf ("https://127.0.0.1:%u", port);
  return g_strdup (s3->cert);
}

char *
rd_test_s3_credentials (RdTestS3 *s3, const char *access, const char *secret, int mode)
{
  g_autofree char *root = g_path_get_dirname (s3->dir);
  g_autofree char *name = g_strdup_printf ("credentials-%s-%o", access, (unsigned)mode);
  char *path = g_build_filename (root, name, NULL);
  g_autofree char *text =
      g_strdup_printf ("access-key-id=%s\nsecret-access-key=%s\n", access, secret);

  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  g_assert_cmpint (g_chmod (path, mode), ==, 0);
  return path;
}

void
rd_test_s3_free (RdTestS3 *s3)
{
  g_autofree char *root = NULL;

  if (!s3)
    return;
  rd_test_s3_stop (s3);
  root = g_path_get_dirname (s3->dir);
  rd_test_rmtree (root);
  g_free (s3->dir);
  g_free (s3->url);
  g_free (s3->cert);
  g_free (s3->key);
  g_string_free (s3->output, TRUE);
  g_free (s3);
}
