/* rd-test-archive.c: the archive tests' fixture. See rd-test-archive.h. */
#include "tests/rd-test-archive.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

#include "ledger/rd-ledger-recordings.h"

static void
add_segment (RdTestArchive *f, RdLedger *ledger, gint64 n, gsize size)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *rel = g_strdup_printf (
      "recordings/2026/12/%s/%s-%04" G_GINT64_FORMAT "-room-video.mkv", f->session, f->session, n);
  g_autofree guint8 *bytes = g_malloc (size);
  g_autofree char *dir = NULL;

  for (gsize i = 0; i < size; i++)
    bytes[i] = (guint8)g_random_int ();
  f->files[n] = g_build_filename (f->t->state_dir, rel, NULL);
  dir = g_path_get_dirname (f->files[n]);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0750), ==, 0);
  g_assert_true (g_file_set_contents (f->files[n], (const char *)bytes, size, NULL));
  f->hashes[n] = g_compute_checksum_for_data (G_CHECKSUM_SHA256, bytes, size);
  g_assert_true (rd_ledger_recording_add (ledger, f->session, n, rel, NULL, &error));
  g_assert_true (rd_ledger_recording_seal (ledger, f->session, n, RD_RECORDING_STATE_SEALED,
                                           f->hashes[n], size, 1000000000 * n, NULL, NULL, &error));
  g_assert_no_error (error);
}

/* A daemon whose [archive] points at s3rver's @bucket with @access/@secret; a sealed session
 * of two segments written while it is down. Not started again yet. */
void
rd_test_archive_set_up_with (RdTestArchive *f, const char *bucket, const char *access,
                             const char *secret, const char *more)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (RdLedger) ledger = NULL;
  g_autofree char *creds = NULL, *extra = NULL, *why = NULL;

  f->s3 = rd_test_s3_new (&why);
  g_assert_nonnull (f->s3);
  creds = rd_test_s3_credentials (f->s3, access, secret, 0600);
  if (f->use_proxy)
    f->proxy = rd_test_s3_proxy_new (f->s3->url, f->fail_first, f->fail_every, f->retry_after);
  extra = g_strdup_printf ("[archive]\nurl=%s/%s/city\ncredentials=%s\nmultipart-mb=5\n"
                           "retry-max-seconds=%u\n%s",
                           f->proxy ? rd_test_s3_proxy_url (f->proxy) : f->s3->url, bucket, creds,
                           f->retry_max ? f->retry_max : 1, more ? more : "");
  f->t = rd_test_daemon_new (extra);
  rd_test_archive_start_daemon (f->t);
  rd_test_daemon_signal (f->t, SIGTERM);
  g_assert_cmpint (rd_test_daemon_wait_exit (f->t, RD_TEST_ARCHIVE_TIMEOUT_MS), ==, 0);
  ledger = rd_ledger_open (f->t->state_dir, &error);
  g_assert_no_error (error);
  f->session = rd_ledger_session_start (ledger, "hearing", "test", &error);
  g_assert_no_error (error);
  add_segment (f, ledger, 1, 40000);
  add_segment (f, ledger, 2, RD_TEST_ARCHIVE_BIG);
  f->ledger = g_steal_pointer (&ledger); /* closed by rd_test_archive_set_up() or the test */
}

void
rd_test_archive_set_up (RdTestArchive *f, const char *bucket, const char *access,
                        const char *secret)
{
  rd_test_archive_set_up_with (f, bucket, access, secret, NULL);
  g_clear_pointer (&f->ledger, rd_ledger_close);
}

void
rd_test_archive_tear_down (RdTestArchive *f)
{
  if (f->t)
    {
      rd_test_daemon_signal (f->t, SIGTERM);
      rd_test_daemon_wait_exit (f->t, RD_TEST_ARCHIVE_TIMEOUT_MS);
    }
  g_clear_pointer (&f->t, rd_test_daemon_free);
  g_clear_pointer (&f->proxy, rd_test_s3_proxy_free);
  g_clear_pointer (&f->s3, rd_test_s3_free);
  g_free (f->session);
  for (int i = 0; i < 3; i++)
    {
      g_free (f->files[i]);
      g_free (f->hashes[i]);
    }
}

/* The first job of `archive status`. (transfer full) */
JsonObject *
rd_test_archive_first_job (RdTestDaemon *t)
{
  g_autoptr (JsonNode) status = rd_test_ctl_json (t, "archive", "status", NULL);
  JsonArray *jobs = json_object_get_array_member (json_node_get_object (status), "jobs");

  return json_array_get_length (jobs) ? json_object_ref (json_array_get_object_element (jobs, 0))
                                      : NULL;
}

typedef struct
{
  RdTestDaemon *t;
  const char *state;
} Want;

static gboolean
job_in_state (gpointer data)
{
  Want *w = data;
  g_autoptr (JsonObject) job = rd_test_archive_first_job (w->t);

  return job && g_strcmp0 (json_object_get_string_member (job, "state"), w->state) == 0;
}

void
rd_test_archive_wait_state (RdTestDaemon *t, const char *state)
{
  Want w = { t, state };

  if (!rd_test_wait_until (job_in_state, &w, RD_TEST_ARCHIVE_TIMEOUT_MS))
    {
      g_autofree char *out = NULL;
      rd_test_ctl (t, &out, NULL, "archive", "status", NULL);
      g_error ("the archive job is not %s: %s", state, out);
    }
}

/* The s3rver files of objects whose name holds @name (a directory walk). */
void
rd_test_archive_find_objects (const char *dir, const char *name, GPtrArray *out)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *entry;

  while (d && (entry = g_dir_read_name (d)))
    {
      g_autofree char *path = g_build_filename (dir, entry, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        rd_test_archive_find_objects (path, name, out);
      else if (g_str_has_suffix (entry, "._S3rver_object") && (!name || strstr (entry, name)))
        g_ptr_array_add (out, g_steal_pointer (&path));
    }
}

void
rd_test_archive_assert_local_untouched (RdTestArchive *f)
{
  for (int n = 1; n <= 2; n++)
    {
      g_autofree char *bytes = NULL;
      g_autofree char *hash = NULL;
      gsize len;

      g_assert_true (g_file_get_contents (f->files[n], &bytes, &len, NULL));
      hash = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (guint8 *)bytes, len);
      g_assert_cmpstr (hash, ==, f->hashes[n]);
    }
}

gboolean
rd_test_archive_retried_twice (gpointer data)
{
  g_autoptr (JsonObject) job = rd_test_archive_first_job (data);

  return job && json_object_get_int_member (job, "attempts") >= 2;
}

/* How many lines of s3rver's log hold @what. */
guint
rd_test_archive_log_count (RdTestS3 *s3, const char *what)
{
  g_auto (GStrv) lines = g_strsplit (s3->output->str, "\n", -1);
  guint n = 0;

  for (char **l = lines; *l; l++)
    n += strstr (*l, what) != NULL;
  return n;
}

/* s3rver's log comes through a pipe, read as it comes: TRUE once it holds the multipart
 * upload's completion (every earlier request's line is in then). */
gboolean
rd_test_archive_completion_logged (gpointer data)
{
  return rd_test_archive_log_count (data, ".mkv?uploadId=") >= 1;
}

gboolean
rd_test_archive_has_event (RdTestDaemon *t, const char *session, const char *kind)
{
  g_autoptr (JsonNode) show = rd_test_ctl_json (t, "session", "show", session, NULL);
  JsonArray *events = json_object_get_array_member (json_node_get_object (show), "events");

  for (guint i = 0; i < json_array_get_length (events); i++)
    if (g_strcmp0 (
            json_object_get_string_member (json_array_get_object_element (events, i), "kind"),
            kind) == 0)
      return TRUE;
  return FALSE;
}

void
rd_test_archive_start_daemon (RdTestDaemon *t)
{
  rd_test_daemon_spawn (t, NULL);
  rd_test_daemon_wait_notify (t, "READY=1", 1, RD_TEST_ARCHIVE_TIMEOUT_MS);
}
