/* test-archive-upload.c: the daemon hands sealed sessions to the archive (the fixture:
 * tests/rd-test-archive.h).
 * - happy path: archived, `archive verify` (full and --quick) passes, a changed byte in an
 *   object on the server makes `archive verify` fail naming it;
 * - the server down at first: the job waits and retries (retry-max-seconds=1), and once the
 *   server is up the session is archived with exactly its objects on the server;
 * - a restart in the middle of a multipart upload (its id and first part in the ledger, as a
 *   daemon stopped after that part leaves them): the next daemon sends only the other parts;
 * - a job due while a session is live waits for the session's end (during-session=false);
 * - wrong credentials, a missing bucket: the job fails with the server's reason after one
 *   attempt, and the local files are untouched. */
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

#include "tests/rd-test-archive.h"
#include "tests/rd-test-netns.h"
#include "archive/rd-archive-s3.h"
#include "ledger/rd-ledger-archive.h"

static char *netns_why;

static void
test_happy (void)
{
  RdTestArchive f = { 0 };
  g_autofree char *out = NULL, *err = NULL, *name = NULL, *job_id = NULL;
  g_autoptr (JsonObject) job = NULL;
  g_autoptr (GPtrArray) objects = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) all = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (JsonNode) status = NULL;

  if (rd_test_skip_if (netns_why))
    return;
  rd_test_archive_set_up (&f, RD_TEST_S3_BUCKET, RD_TEST_S3_ACCESS_KEY, RD_TEST_S3_SECRET_KEY);
  rd_test_s3_start (f.s3);
  rd_test_archive_start_daemon (f.t);
  rd_test_archive_wait_state (f.t, "archived");
  job = rd_test_archive_first_job (f.t);
  g_assert_cmpint (json_object_get_int_member (job, "objects"), ==, 5);
  g_assert_cmpint (json_object_get_int_member (job, "attempts"), ==, 0);
  job_id = g_strdup_printf ("%" G_GINT64_FORMAT, json_object_get_int_member (job, "id"));
  status = rd_test_ctl_json (f.t, "status", NULL);
  g_assert_cmpint (
      json_object_get_int_member (
          json_object_get_object_member (json_node_get_object (status), "archive"), "archived"),
      ==, 1);

  g_assert_cmpint (rd_test_ctl (f.t, &out, &err, "archive", "verify", job_id, NULL), ==, 0);
  g_test_message ("%s%s", out, err);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (rd_test_ctl (f.t, &out, &err, "archive", "verify", job_id, "--quick", NULL), ==,
                   0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* exactly the package's objects, under <prefix>/<room>/<yyyy>/<mm>/<session>/ */
  rd_test_archive_find_objects (f.s3->dir, NULL, all);
  g_assert_cmpuint (all->len, ==, 5);
  name = g_path_get_basename (f.files[1]);
  rd_test_archive_find_objects (f.s3->dir, name, objects);
  g_assert_cmpuint (objects->len, ==, 1);
  g_assert_nonnull (strstr (objects->pdata[0], f.session));
  {
    g_autofree char *bytes = NULL;
    gsize len;
    g_assert_true (g_file_get_contents (objects->pdata[0], &bytes, &len, NULL));
    bytes[len / 2] ^= 0x20;
    g_assert_true (g_file_set_contents (objects->pdata[0], bytes, len, NULL));
  }
  g_assert_cmpint (rd_test_ctl (f.t, &out, &err, "archive", "verify", job_id, NULL), ==, 1);
  g_test_message ("%s%s", out, err);
  g_assert_nonnull (strstr (err, name));
  g_assert_nonnull (strstr (err, "SHA-256"));
  rd_test_archive_assert_local_untouched (&f);
  rd_test_archive_tear_down (&f);
}

static void
test_server_down (void)
{
  RdTestArchive f = { 0 };
  g_autoptr (JsonObject) job = NULL;
  g_autoptr (GPtrArray) all = g_ptr_array_new_with_free_func (g_free);

  if (rd_test_skip_if (netns_why))
    return;
  rd_test_archive_set_up (&f, RD_TEST_S3_BUCKET, RD_TEST_S3_ACCESS_KEY, RD_TEST_S3_SECRET_KEY);
  rd_test_archive_start_daemon (f.t); /* s3rver not started: connections refused */
  rd_test_archive_wait_state (f.t, "queued");
  g_assert_true (
      rd_test_wait_until (rd_test_archive_retried_twice, f.t, RD_TEST_ARCHIVE_TIMEOUT_MS));
  job = rd_test_archive_first_job (f.t);
  g_assert_nonnull (strstr (json_object_get_string_member (job, "last_error"), "connect"));
  rd_test_s3_start (f.s3);
  rd_test_archive_wait_state (f.t, "archived");
  rd_test_archive_find_objects (f.s3->dir, NULL, all);
  g_assert_cmpuint (all->len, ==, 5); /* no duplicates */
  rd_test_archive_assert_local_untouched (&f);
  rd_test_archive_tear_down (&f);
}

static void
test_resume (void)
{
  RdTestArchive f = { 0 };
  g_autoptr (GError) error = NULL;
  g_autoptr (RdLedger) ledger = NULL;
  g_autoptr (RdLedgerArchiveJob) job = NULL;
  g_autoptr (RdArchiveS3) s3 = NULL;
  g_autoptr (GPtrArray) all = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *url = NULL, *creds = NULL, *etag = NULL, *parts = NULL, *out = NULL;
  g_autofree char *job_id = NULL;
  RdLedgerArchiveObject *big;

  if (rd_test_skip_if (netns_why))
    return;
  rd_test_archive_set_up (&f, RD_TEST_S3_BUCKET, RD_TEST_S3_ACCESS_KEY, RD_TEST_S3_SECRET_KEY);
  rd_test_archive_start_daemon (f.t); /* no server: the job is queued and waits */
  g_assert_true (
      rd_test_wait_until (rd_test_archive_retried_twice, f.t, RD_TEST_ARCHIVE_TIMEOUT_MS));
  rd_test_daemon_signal (f.t, SIGTERM);
  g_assert_cmpint (rd_test_daemon_wait_exit (f.t, RD_TEST_ARCHIVE_TIMEOUT_MS), ==, 0);

  /* what a daemon stopped after the first part leaves: the upload's id and one part's ETag */
  rd_test_s3_start (f.s3);
  ledger = rd_ledger_open (f.t->state_dir, &error);
  g_assert_no_error (error);
  job = rd_ledger_archive_job_get (ledger, f.session, 0, &error);
  g_assert_no_error (error);
  big = job->objects->pdata[1];
  g_assert_cmpint (big->size_bytes, ==, RD_TEST_ARCHIVE_BIG);
  url = g_strdup_printf ("%s/%s/city", f.s3->url, RD_TEST_S3_BUCKET);
  creds = rd_test_s3_credentials (f.s3, RD_TEST_S3_ACCESS_KEY, RD_TEST_S3_SECRET_KEY, 0600);
  s3 = rd_archive_s3_new (url, "us-east-1", creds, NULL, &error);
  g_assert_no_error (error);
  big->upload_id = rd_archive_s3_multipart_create (s3, big->key, NULL, &error);
  g_assert_no_error (error);
  etag = rd_archive_s3_multipart_part (s3, big->key, big->upload_id, 1, f.files[2], 0,
                                       5 * 1024 * 1024, NULL, &error);
  g_assert_no_error (error);
  {
    g_autoptr (JsonArray) parts_array = json_array_new ();
    g_autoptr (JsonNode) node = json_node_new (JSON_NODE_ARRAY);

    json_array_add_string_element (parts_array, etag);
    json_node_set_array (node, parts_array);
    big->parts_json = json_to_string (node, FALSE);
  }
  rd_ledger_archive_object_update (ledger, big, &error);
  g_assert_no_error (error);
  g_clear_pointer (&ledger, rd_ledger_close);

  rd_test_archive_start_daemon (f.t);
  rd_test_archive_wait_state (f.t, "archived");
  g_assert_true (
      rd_test_wait_until (rd_test_archive_completion_logged, f.s3, RD_TEST_ARCHIVE_TIMEOUT_MS));
  g_test_message ("s3rver:\n%s", f.s3->output->str);
  g_assert_cmpuint (rd_test_archive_log_count (f.s3, "partNumber=1"), ==,
                    1); /* the test's, not again */
  g_assert_cmpuint (rd_test_archive_log_count (f.s3, "partNumber=2"), ==, 1);
  g_assert_cmpuint (rd_test_archive_log_count (f.s3, "partNumber=3"), ==, 1);
  g_assert_cmpuint (rd_test_archive_log_count (f.s3, "?uploads"), ==, 1);
  rd_test_archive_find_objects (f.s3->dir, NULL, all);
  g_assert_cmpuint (all->len, ==, 5);
  {
    g_autoptr (JsonObject) j = rd_test_archive_first_job (f.t);
    job_id = g_strdup_printf ("%" G_GINT64_FORMAT, json_object_get_int_member (j, "id"));
  }
  g_assert_cmpint (rd_test_ctl (f.t, &out, NULL, "archive", "verify", job_id, NULL), ==, 0);
  rd_test_archive_tear_down (&f);
}

static gboolean
held_by_session (gpointer data)
{
  g_autoptr (JsonNode) status = rd_test_ctl_json (data, "archive", "status", NULL);
  JsonObject *o = json_node_get_object (status);

  return json_object_get_string_member_with_default (o, "waiting", NULL) != NULL;
}

/* during-session=false: a job due while a session is live waits for its end. */
static void
test_live_session (void)
{
  RdTestArchive f = { 0 };
  g_autoptr (JsonNode) started = NULL;
  g_autoptr (JsonObject) job = NULL;
  g_autofree char *live = NULL;

  if (rd_test_skip_if (netns_why))
    return;
  rd_test_archive_set_up (&f, RD_TEST_S3_BUCKET, RD_TEST_S3_ACCESS_KEY, RD_TEST_S3_SECRET_KEY);
  rd_test_archive_start_daemon (
      f.t); /* no server yet: the job fails once and waits (1 s at most) */
  g_assert_true (
      rd_test_wait_until (rd_test_archive_retried_twice, f.t, RD_TEST_ARCHIVE_TIMEOUT_MS));
  started = rd_test_ctl_json (f.t, "session", "start", NULL);
  live = g_strdup (json_object_get_string_member (json_node_get_object (started), "id"));
  rd_test_s3_start (f.s3);
  /* the next attempt comes due during the session and is held */
  g_assert_true (rd_test_wait_until (held_by_session, f.t, RD_TEST_ARCHIVE_TIMEOUT_MS));
  job = rd_test_archive_first_job (f.t);
  g_assert_cmpstr (json_object_get_string_member (job, "state"), ==, "queued");
  g_assert_cmpuint (rd_test_archive_log_count (f.s3, "PUT"), ==, 0);
  g_assert_cmpint (rd_test_ctl (f.t, NULL, NULL, "session", "end", live, NULL), ==, 0);
  rd_test_archive_wait_state (f.t, "archived"); /* both sessions: the one just ended goes after */
  rd_test_archive_tear_down (&f);
}

static void
refused (const char *bucket, const char *access, const char *secret, const char *want)
{
  RdTestArchive f = { 0 };
  g_autoptr (JsonObject) job = NULL;
  g_autofree char *out = NULL;

  if (rd_test_skip_if (netns_why))
    return;
  rd_test_archive_set_up (&f, bucket, access, secret);
  rd_test_s3_start (f.s3);
  rd_test_archive_start_daemon (f.t);
  rd_test_archive_wait_state (f.t, "failed");
  job = rd_test_archive_first_job (f.t);
  g_test_message ("%s", json_object_get_string_member (job, "last_error"));
  g_assert_nonnull (strstr (json_object_get_string_member (job, "last_error"), want));
  g_assert_cmpint (json_object_get_int_member (job, "attempts"), ==, 1);
  g_assert_true (json_object_get_null_member (job, "next_at"));
  g_assert_cmpint (rd_test_ctl (f.t, &out, NULL, "archive", "status", NULL), ==, 0);
  g_assert_nonnull (strstr (out, want));
  rd_test_archive_assert_local_untouched (&f);
  rd_test_archive_tear_down (&f);
}

static void
test_wrong_credentials (void)
{
  refused (RD_TEST_S3_BUCKET, "WRONGKEY", "not-the-secret", "403");
}

static void
test_missing_bucket (void)
{
  refused ("no-such-bucket", RD_TEST_S3_ACCESS_KEY, RD_TEST_S3_SECRET_KEY, "NoSuchBucket");
}

int
main (int argc, char **argv)
{
  if (!rd_test_enter_netns (&netns_why))
    netns_why = g_strdup_printf ("no network namespace: %s", netns_why);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/archive-upload/happy", test_happy);
  g_test_add_func ("/archive-upload/server-down", test_server_down);
  g_test_add_func ("/archive-upload/resume", test_resume);
  g_test_add_func ("/archive-upload/live-session", test_live_session);
  g_test_add_func ("/archive-upload/wrong-credentials", test_wrong_credentials);
  g_test_add_func ("/archive-upload/missing-bucket", test_missing_bucket);
  return g_test_run ();
}
