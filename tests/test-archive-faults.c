/* test-archive-faults.c: the archive's uploads through faults (the fixture:
 * tests/rd-test-archive.h, with the 503 proxy of tests/rd-test-s3-proxy.h in front of s3rver).
 * - a real SIGKILL of the daemon once part 1 of the multipart upload is in the ledger (the
 *   proxy holds part 2's request): the next daemon sends parts 2 and 3 only;
 * - a 503 storm (503 to the first K requests, with and without Retry-After, or to every 3rd):
 *   one attempt per 503, backing off in `archive status` (never sooner than Retry-After), then
 *   archived with every request that reached s3rver made once;
 * - a HEAD that reports an x-amz-checksum-sha256 other than the one sent: the job fails. */
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

#include "tests/rd-test-archive.h"
#include "tests/rd-test-netns.h"
#include "ledger/rd-ledger-archive.h"

static char *netns_why;

static gboolean
holding (gpointer data)
{
  return rd_test_s3_proxy_holding (data) > 0;
}

/* A real SIGKILL in the middle of a multipart upload: the proxy holds the request of part 2,
 * which the daemon sends only once part 1's ETag is in the ledger; the daemon is killed there.
 * The next daemon sends parts 2 and 3 only, under the same upload: no duplicates. */
static void
test_kill_multipart (void)
{
  RdTestArchive f = { .use_proxy = TRUE };
  g_autoptr (GError) error = NULL;
  g_autoptr (RdLedger) ledger = NULL;
  g_autoptr (RdLedgerArchiveJob) job = NULL;
  g_autoptr (GPtrArray) all = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (JsonNode) parts = NULL;
  g_autofree char *out = NULL, *job_id = NULL;
  RdLedgerArchiveObject *big;

  if (rd_test_skip_if (netns_why))
    return;
  rd_test_archive_set_up (&f, RD_TEST_S3_BUCKET, RD_TEST_S3_ACCESS_KEY, RD_TEST_S3_SECRET_KEY);
  rd_test_s3_proxy_hold (f.proxy, "partNumber=2");
  rd_test_s3_start (f.s3);
  rd_test_archive_start_daemon (f.t);
  g_assert_true (rd_test_wait_until (holding, f.proxy, RD_TEST_ARCHIVE_TIMEOUT_MS));
  rd_test_daemon_signal (f.t, SIGKILL);
  g_assert_cmpint (rd_test_daemon_wait_exit (f.t, RD_TEST_ARCHIVE_TIMEOUT_MS), ==, 128 + SIGKILL);
  rd_test_s3_proxy_release (f.proxy); /* answered 503 to nobody, never forwarded */

  ledger = rd_ledger_open (f.t->state_dir, &error);
  g_assert_no_error (error);
  job = rd_ledger_archive_job_get (ledger, f.session, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (job->state, ==, "queued");
  big = job->objects->pdata[1];
  g_assert_cmpint (big->size_bytes, ==, RD_TEST_ARCHIVE_BIG);
  g_assert_nonnull (big->upload_id);
  g_assert_null (big->etag);
  parts = json_from_string (big->parts_json, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (parts)), ==, 1);
  g_clear_pointer (&ledger, rd_ledger_close);

  rd_test_archive_start_daemon (f.t);
  rd_test_archive_wait_state (f.t, "archived");
  g_assert_true (
      rd_test_wait_until (rd_test_archive_completion_logged, f.s3, RD_TEST_ARCHIVE_TIMEOUT_MS));
  g_test_message ("s3rver:\n%s", f.s3->output->str);
  g_assert_cmpuint (rd_test_archive_log_count (f.s3, "?uploads"), ==, 1);
  for (int n = 1; n <= 3; n++)
    {
      g_autofree char *part = g_strdup_printf ("partNumber=%d", n);
      g_assert_cmpuint (rd_test_archive_log_count (f.s3, part), ==, 1);
    }
  rd_test_archive_find_objects (f.s3->dir, NULL, all);
  g_assert_cmpuint (all->len, ==, 5);
  {
    g_autoptr (JsonObject) j = rd_test_archive_first_job (f.t);
    job_id = g_strdup_printf ("%" G_GINT64_FORMAT, json_object_get_int_member (j, "id"));
  }
  g_assert_cmpint (rd_test_ctl (f.t, &out, NULL, "archive", "verify", job_id, NULL), ==, 0);
  rd_test_archive_assert_local_untouched (&f);
  rd_test_archive_tear_down (&f);
}

static gboolean
backing_off (gpointer data)
{
  g_autoptr (JsonObject) job = rd_test_archive_first_job (data);

  return job && json_object_get_int_member (job, "attempts") >= 1 &&
         !json_object_get_null_member (job, "next_at") &&
         strstr (json_object_get_string_member (job, "last_error"), "503");
}

/* A 503 storm (the first @first requests, or every @every-th, with Retry-After @retry_after
 * or none): the job backs off (attempts, next_at and the 503 in `archive status`), one attempt
 * per 503, then completes with each request that reached s3rver made once: no duplicate
 * objects, every part sent once, `archive verify` passes. */
static void
storm (guint first, guint every, guint retry_after)
{
  RdTestArchive f = {
    .use_proxy = TRUE,
    .fail_first = first,
    .fail_every = every,
    .retry_after = retry_after,
    .retry_max = retry_after ? 5 : 0,
  };
  g_autoptr (JsonObject) job = NULL;
  g_autoptr (GPtrArray) all = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *out = NULL, *job_id = NULL;

  if (rd_test_skip_if (netns_why))
    return;
  rd_test_archive_set_up (&f, RD_TEST_S3_BUCKET, RD_TEST_S3_ACCESS_KEY, RD_TEST_S3_SECRET_KEY);
  rd_test_s3_start (f.s3);
  rd_test_archive_start_daemon (f.t);
  if (first >= 2)
    g_assert_true (rd_test_wait_until (backing_off, f.t, RD_TEST_ARCHIVE_TIMEOUT_MS));
  rd_test_archive_wait_state (f.t, "archived");
  job = rd_test_archive_first_job (f.t);
  g_test_message ("%u requests, %u answered 503, %" G_GINT64_FORMAT " attempts",
                  rd_test_s3_proxy_requests (f.proxy), rd_test_s3_proxy_refused (f.proxy),
                  json_object_get_int_member (job, "attempts"));
  g_assert_cmpuint (rd_test_s3_proxy_refused (f.proxy), >=, MAX (first, 1));
  g_assert_cmpint (json_object_get_int_member (job, "attempts"), ==,
                   rd_test_s3_proxy_refused (f.proxy));
  g_assert_true (
      rd_test_wait_until (rd_test_archive_completion_logged, f.s3, RD_TEST_ARCHIVE_TIMEOUT_MS));
  g_test_message ("s3rver:\n%s", f.s3->output->str);
  rd_test_archive_find_objects (f.s3->dir, NULL, all);
  g_assert_cmpuint (all->len, ==, 5);
  g_assert_cmpuint (rd_test_archive_log_count (f.s3, "?uploads"), ==, 1);
  for (int n = 1; n <= 3; n++)
    {
      g_autofree char *part = g_strdup_printf ("partNumber=%d", n);
      g_assert_cmpuint (rd_test_archive_log_count (f.s3, part), ==, 1);
    }
  if (retry_after)
    {
      /* every wait at least the server's Retry-After (backoff alone starts at 1 s) */
      g_autofree char *log = rd_test_daemon_stderr (f.t);

      g_assert_nonnull (strstr (log, "retrying in"));
      for (guint s = 1; s < retry_after; s++)
        {
          g_autofree char *shorter = g_strdup_printf ("retrying in %u s", s);
          g_assert_null (strstr (log, shorter));
        }
    }
  rd_test_s3_proxy_calm (f.proxy);
  job_id = g_strdup_printf ("%" G_GINT64_FORMAT, json_object_get_int_member (job, "id"));
  g_assert_cmpint (rd_test_ctl (f.t, &out, NULL, "archive", "verify", job_id, NULL), ==, 0);
  rd_test_archive_assert_local_untouched (&f);
  rd_test_archive_tear_down (&f);
}

static void
test_storm_first (void)
{
  storm (4, 0, 0);
}

static void
test_storm_first_retry_after (void)
{
  storm (3, 0, 3);
}

static void
test_storm_every (void)
{
  storm (0, 3, 0);
}

/* A server that reports each object's x-amz-checksum-sha256 at the HEAD, here one that is not
 * what was sent: the check before archived refuses it (the job fails, naming the header), and
 * the local files stay. */
static void
test_head_checksum (void)
{
  RdTestArchive f = { .use_proxy = TRUE };
  g_autoptr (JsonObject) job = NULL;
  guint8 zero[32] = { 0 };
  g_autofree char *wrong = g_base64_encode (zero, sizeof zero);

  if (rd_test_skip_if (netns_why))
    return;
  rd_test_archive_set_up (&f, RD_TEST_S3_BUCKET, RD_TEST_S3_ACCESS_KEY, RD_TEST_S3_SECRET_KEY);
  rd_test_s3_proxy_set_head_header (f.proxy, "x-amz-checksum-sha256", wrong);
  rd_test_s3_start (f.s3);
  rd_test_archive_start_daemon (f.t);
  rd_test_archive_wait_state (f.t, "failed");
  job = rd_test_archive_first_job (f.t);
  g_test_message ("%s", json_object_get_string_member (job, "last_error"));
  g_assert_nonnull (strstr (json_object_get_string_member (job, "last_error"), "HEAD"));
  g_assert_nonnull (
      strstr (json_object_get_string_member (job, "last_error"), "x-amz-checksum-sha256"));
  g_assert_cmpint (json_object_get_int_member (job, "attempts"), ==, 1);
  rd_test_archive_assert_local_untouched (&f);
  rd_test_archive_tear_down (&f);
}

int
main (int argc, char **argv)
{
  if (!rd_test_enter_netns (&netns_why))
    netns_why = g_strdup_printf ("no network namespace: %s", netns_why);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/archive-faults/kill-multipart", test_kill_multipart);
  g_test_add_func ("/archive-faults/storm-first", test_storm_first);
  g_test_add_func ("/archive-faults/storm-retry-after", test_storm_first_retry_after);
  g_test_add_func ("/archive-faults/storm-every", test_storm_every);
  g_test_add_func ("/archive-faults/head-checksum", test_head_checksum);
  return g_test_run ();
}
