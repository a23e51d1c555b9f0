/* test-archive-upload.c: the daemon hands sealed sessions to the archive: s3rver (a real S3
 * server) and the daemon both run inside the test's own network namespace. A session is made
 * with the ledger API while the daemon is down (one segment big enough for a multipart upload
 * at multipart-mb=5); the restart marks it interrupted, packages and queues it.
 * - happy path: archived, `archive verify` (full and --quick) passes, a changed byte in an
 *   object on the server makes `archive verify` fail naming it;
 * - the server down at first: the job waits and retries (retry-max-seconds=1), and once the
 *   server is up the session is archived with exactly its objects on the server;
 * - a restart in the middle of a multipart upload (its id and first part in the ledger, as a
 *   daemon stopped after that part leaves them): the next daemon sends only the other parts;
 * - a real SIGKILL of the daemon once part 1 of the multipart upload is in the ledger (the
 *   proxy holds part 2's request): the next daemon sends parts 2 and 3 only;
 * - a 503 storm (a proxy in front of s3rver answering 503 to the first K requests, with and
 *   without Retry-After, or to every 3rd): one attempt per 503, backing off in `archive
 *   status` (never sooner than Retry-After), then archived with every request that reached
 *   s3rver made once;
 * - a job due while a session is live waits for the session's end (during-session=false);
 * - retention: keep-local-days=0 deletes nothing while the session is held, everything of the
 *   job once released (with events), and `recording verify` then checks the archive's copies
 *   (HEAD by default, --full a download: a changed byte fails naming the object);
 *   keep-local-days=1 keeps the files after the archival; keep-local-days=3 with the daemon's
 *   clock moved on by libfaketime (Debian's faketime; the product reads the system clock):
 *   2 days later the files stay, 4 days later they stay while held and go once released;
 * - wrong credentials, a missing bucket: the job fails with the server's reason after one
 *   attempt, and the local files are untouched. */
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

#include "archive/rd-archive-s3.h"
#include "ledger/rd-ledger-archive.h"
#include "ledger/rd-ledger-recordings.h"
#include "tests/rd-test-daemon.h"
#include "tests/rd-test-netns.h"
#include "tests/rd-test-s3-proxy.h"
#include "tests/rd-test-s3.h"

#define TIMEOUT_MS 60000
#define BIG        (11 * 1024 * 1024 + 17) /* three parts of 5 MiB */

static char *netns_why;

typedef struct
{
  RdTestS3 *s3;
  RdTestDaemon *t;
  char *session;
  char *files[3];
  char *hashes[3];
  RdLedger *ledger; /* set_up_with(): open while the daemon is down */
  /* with use_proxy, the daemon talks to s3rver through the 503 proxy */
  gboolean use_proxy;
  guint fail_first, fail_every, retry_after;
  RdTestS3Proxy *proxy;
  guint retry_max; /* retry-max-seconds; 0: 1 */
} Fixture;

static void
add_segment (Fixture *f, RdLedger *ledger, gint64 n, gsize size)
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
static void
set_up_with (Fixture *f, const char *bucket, const char *access, const char *secret,
             const char *more)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (RdLedger) ledger = NULL;
  g_autofree char *creds = NULL, *extra = NULL;

  f->s3 = rd_test_s3_new (&netns_why);
  g_assert_nonnull (f->s3);
  creds = rd_test_s3_credentials (f->s3, access, secret, 0600);
  if (f->use_proxy)
    f->proxy = rd_test_s3_proxy_new (f->s3->url, f->fail_first, f->fail_every, f->retry_after);
  extra = g_strdup_printf ("[archive]\nurl=%s/%s/city\ncredentials=%s\nmultipart-mb=5\n"
                           "retry-max-seconds=%u\n%s",
                           f->proxy ? rd_test_s3_proxy_url (f->proxy) : f->s3->url, bucket, creds,
                           f->retry_max ? f->retry_max : 1, more ? more : "");
  f->t = rd_test_daemon_new (extra);
  rd_test_daemon_start (f->t);
  rd_test_daemon_signal (f->t, SIGTERM);
  g_assert_cmpint (rd_test_daemon_wait_exit (f->t, TIMEOUT_MS), ==, 0);
  ledger = rd_ledger_open (f->t->state_dir, &error);
  g_assert_no_error (error);
  f->session = rd_ledger_session_start (ledger, "hearing", "test", &error);
  g_assert_no_error (error);
  add_segment (f, ledger, 1, 40000);
  add_segment (f, ledger, 2, BIG);
  f->ledger = g_steal_pointer (&ledger); /* closed by set_up() or the test */
}

static void
set_up (Fixture *f, const char *bucket, const char *access, const char *secret)
{
  set_up_with (f, bucket, access, secret, NULL);
  g_clear_pointer (&f->ledger, rd_ledger_close);
}

static void
tear_down (Fixture *f)
{
  if (f->t)
    {
      rd_test_daemon_signal (f->t, SIGTERM);
      rd_test_daemon_wait_exit (f->t, TIMEOUT_MS);
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
static JsonObject *
first_job (RdTestDaemon *t)
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
  g_autoptr (JsonObject) job = first_job (w->t);

  return job && g_strcmp0 (json_object_get_string_member (job, "state"), w->state) == 0;
}

static void
wait_state (RdTestDaemon *t, const char *state)
{
  Want w = { t, state };

  if (!rd_test_wait_until (job_in_state, &w, TIMEOUT_MS))
    {
      g_autofree char *out = NULL;
      rd_test_ctl (t, &out, NULL, "archive", "status", NULL);
      g_error ("the archive job is not %s: %s", state, out);
    }
}

/* The s3rver files of objects whose name holds @name (a directory walk). */
static void
find_objects (const char *dir, const char *name, GPtrArray *out)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *entry;

  while (d && (entry = g_dir_read_name (d)))
    {
      g_autofree char *path = g_build_filename (dir, entry, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        find_objects (path, name, out);
      else if (g_str_has_suffix (entry, "._S3rver_object") && (!name || strstr (entry, name)))
        g_ptr_array_add (out, g_steal_pointer (&path));
    }
}

static void
assert_local_untouched (Fixture *f)
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

static void
test_happy (void)
{
  Fixture f = { 0 };
  g_autofree char *out = NULL, *err = NULL, *name = NULL, *job_id = NULL;
  g_autoptr (JsonObject) job = NULL;
  g_autoptr (GPtrArray) objects = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) all = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (JsonNode) status = NULL;

  if (rd_test_skip_if (netns_why))
    return;
  set_up (&f, RD_TEST_S3_BUCKET, RD_TEST_S3_ACCESS_KEY, RD_TEST_S3_SECRET_KEY);
  rd_test_s3_start (f.s3);
  rd_test_daemon_start (f.t);
  wait_state (f.t, "archived");
  job = first_job (f.t);
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
  find_objects (f.s3->dir, NULL, all);
  g_assert_cmpuint (all->len, ==, 5);
  name = g_path_get_basename (f.files[1]);
  find_objects (f.s3->dir, name, objects);
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
  assert_local_untouched (&f);
  tear_down (&f);
}

static gboolean
retried_twice (gpointer data)
{
  g_autoptr (JsonObject) job = first_job (data);

  return job && json_object_get_int_member (job, "attempts") >= 2;
}

static void
test_server_down (void)
{
  Fixture f = { 0 };
  g_autoptr (JsonObject) job = NULL;
  g_autoptr (GPtrArray) all = g_ptr_array_new_with_free_func (g_free);
  Want w;

  if (rd_test_skip_if (netns_why))
    return;
  set_up (&f, RD_TEST_S3_BUCKET, RD_TEST_S3_ACCESS_KEY, RD_TEST_S3_SECRET_KEY);
  rd_test_daemon_start (f.t); /* s3rver not started: connections refused */
  w.t = f.t;
  w.state = "queued";
  g_assert_true (rd_test_wait_until (job_in_state, &w, TIMEOUT_MS));
  g_assert_true (rd_test_wait_until (retried_twice, f.t, TIMEOUT_MS));
  job = first_job (f.t);
  g_assert_nonnull (strstr (json_object_get_string_member (job, "last_error"), "connect"));
  rd_test_s3_start (f.s3);
  wait_state (f.t, "archived");
  find_objects (f.s3->dir, NULL, all);
  g_assert_cmpuint (all->len, ==, 5); /* no duplicates */
  assert_local_untouched (&f);
  tear_down (&f);
}

/* How many lines of s3rver's log hold @what. */
static guint
log_count (RdTestS3 *s3, const char *what)
{
  g_auto (GStrv) lines = g_strsplit (s3->output->str, "\n", -1);
  guint n = 0;

  for (char **l = lines; *l; l++)
    n += strstr (*l, what) != NULL;
  return n;
}

/* s3rver's log comes through a pipe, read as it comes: TRUE once it holds the multipart
 * upload's completion (every earlier request's line is in then). */
static gboolean
completion_logged (gpointer data)
{
  return log_count (data, ".mkv?uploadId=") >= 1;
}

static void
test_resume (void)
{
  Fixture f = { 0 };
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
  set_up (&f, RD_TEST_S3_BUCKET, RD_TEST_S3_ACCESS_KEY, RD_TEST_S3_SECRET_KEY);
  rd_test_daemon_start (f.t); /* no server: the job is queued and waits */
  g_assert_true (rd_test_wait_until (retried_twice, f.t, TIMEOUT_MS));
  rd_test_daemon_signal (f.t, SIGTERM);
  g_assert_cmpint (rd_test_daemon_wait_exit (f.t, TIMEOUT_MS), ==, 0);

  /* what a daemon stopped after the first part leaves: the upload's id and one part's ETag */
  rd_test_s3_start (f.s3);
  ledger = rd_ledger_open (f.t->state_dir, &error);
  g_assert_no_error (error);
  job = rd_ledger_archive_job_get (ledger, f.session, 0, &error);
  g_assert_no_error (error);
  big = job->objects->pdata[1];
  g_assert_cmpint (big->size_bytes, ==, BIG);
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

  rd_test_daemon_start (f.t);
  wait_state (f.t, "archived");
  g_assert_true (rd_test_wait_until (completion_logged, f.s3, TIMEOUT_MS));
  g_test_message ("s3rver:\n%s", f.s3->output->str);
  g_assert_cmpuint (log_count (f.s3, "partNumber=1"), ==, 1); /* the test's, not again */
  g_assert_cmpuint (log_count (f.s3, "partNumber=2"), ==, 1);
  g_assert_cmpuint (log_count (f.s3, "partNumber=3"), ==, 1);
  g_assert_cmpuint (log_count (f.s3, "?uploads"), ==, 1);
  find_objects (f.s3->dir, NULL, all);
  g_assert_cmpuint (all->len, ==, 5);
  {
    g_autoptr (JsonObject) j = first_job (f.t);
    job_id = g_strdup_printf ("%" G_GINT64_FORMAT, json_object_get_int_member (j, "id"));
  }
  g_assert_cmpint (rd_test_ctl (f.t, &out, NULL, "archive", "verify", job_id, NULL), ==, 0);
  tear_down (&f);
}

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
  Fixture f = { .use_proxy = TRUE };
  g_autoptr (GError) error = NULL;
  g_autoptr (RdLedger) ledger = NULL;
  g_autoptr (RdLedgerArchiveJob) job = NULL;
  g_autoptr (GPtrArray) all = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (JsonNode) parts = NULL;
  g_autofree char *out = NULL, *job_id = NULL;
  RdLedgerArchiveObject *big;

  if (rd_test_skip_if (netns_why))
    return;
  set_up (&f, RD_TEST_S3_BUCKET, RD_TEST_S3_ACCESS_KEY, RD_TEST_S3_SECRET_KEY);
  rd_test_s3_proxy_hold (f.proxy, "partNumber=2");
  rd_test_s3_start (f.s3);
  rd_test_daemon_start (f.t);
  g_assert_true (rd_test_wait_until (holding, f.proxy, TIMEOUT_MS));
  rd_test_daemon_signal (f.t, SIGKILL);
  g_assert_cmpint (rd_test_daemon_wait_exit (f.t, TIMEOUT_MS), ==, 128 + SIGKILL);
  rd_test_s3_proxy_release (f.proxy); /* answered 503 to nobody, never forwarded */

  ledger = rd_ledger_open (f.t->state_dir, &error);
  g_assert_no_error (error);
  job = rd_ledger_archive_job_get (ledger, f.session, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (job->state, ==, "queued");
  big = job->objects->pdata[1];
  g_assert_cmpint (big->size_bytes, ==, BIG);
  g_assert_nonnull (big->upload_id);
  g_assert_null (big->etag);
  parts = json_from_string (big->parts_json, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (parts)), ==, 1);
  g_clear_pointer (&ledger, rd_ledger_close);

  rd_test_daemon_start (f.t);
  wait_state (f.t, "archived");
  g_assert_true (rd_test_wait_until (completion_logged, f.s3, TIMEOUT_MS));
  g_test_message ("s3rver:\n%s", f.s3->output->str);
  g_assert_cmpuint (log_count (f.s3, "?uploads"), ==, 1);
  for (int n = 1; n <= 3; n++)
    {
      g_autofree char *part = g_strdup_printf ("partNumber=%d", n);
      g_assert_cmpuint (log_count (f.s3, part), ==, 1);
    }
  find_objects (f.s3->dir, NULL, all);
  g_assert_cmpuint (all->len, ==, 5);
  {
    g_autoptr (JsonObject) j = first_job (f.t);
    job_id = g_strdup_printf ("%" G_GINT64_FORMAT, json_object_get_int_member (j, "id"));
  }
  g_assert_cmpint (rd_test_ctl (f.t, &out, NULL, "archive", "verify", job_id, NULL), ==, 0);
  assert_local_untouched (&f);
  tear_down (&f);
}

static gboolean
backing_off (gpointer data)
{
  g_autoptr (JsonObject) job = first_job (data);

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
  Fixture f = {
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
  set_up (&f, RD_TEST_S3_BUCKET, RD_TEST_S3_ACCESS_KEY, RD_TEST_S3_SECRET_KEY);
  rd_test_s3_start (f.s3);
  rd_test_daemon_start (f.t);
  if (first >= 2)
    g_assert_true (rd_test_wait_until (backing_off, f.t, TIMEOUT_MS));
  wait_state (f.t, "archived");
  job = first_job (f.t);
  g_test_message ("%u requests, %u answered 503, %" G_GINT64_FORMAT " attempts",
                  rd_test_s3_proxy_requests (f.proxy), rd_test_s3_proxy_refused (f.proxy),
                  json_object_get_int_member (job, "attempts"));
  g_assert_cmpuint (rd_test_s3_proxy_refused (f.proxy), >=, MAX (first, 1));
  g_assert_cmpint (json_object_get_int_member (job, "attempts"), ==,
                   rd_test_s3_proxy_refused (f.proxy));
  g_assert_true (rd_test_wait_until (completion_logged, f.s3, TIMEOUT_MS));
  g_test_message ("s3rver:\n%s", f.s3->output->str);
  find_objects (f.s3->dir, NULL, all);
  g_assert_cmpuint (all->len, ==, 5);
  g_assert_cmpuint (log_count (f.s3, "?uploads"), ==, 1);
  for (int n = 1; n <= 3; n++)
    {
      g_autofree char *part = g_strdup_printf ("partNumber=%d", n);
      g_assert_cmpuint (log_count (f.s3, part), ==, 1);
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
  assert_local_untouched (&f);
  tear_down (&f);
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

static gboolean
has_event (RdTestDaemon *t, const char *session, const char *kind)
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

/* `recording verify` of a session whose local files are gone: archived, with the objects' keys,
 * checked on the server; a changed byte there fails --full naming the object. */
static void
assert_verify_archived (Fixture *f)
{
  g_autofree char *out = NULL, *err = NULL, *name = NULL;
  g_autoptr (GPtrArray) objects = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (JsonNode) report = NULL;
  JsonArray *segments;

  g_assert_cmpint (rd_test_ctl (f->t, &out, &err, "recording", "verify", f->session, NULL), ==, 0);
  g_test_message ("%s%s", out, err);
  g_assert_nonnull (strstr (out, "intact"));
  g_assert_nonnull (strstr (out, "HEAD"));
  report = rd_test_ctl_json (f->t, "recording", "verify", f->session, "--full", NULL);
  g_assert_true (json_object_get_boolean_member (json_node_get_object (report), "ok"));
  segments = json_object_get_array_member (json_node_get_object (report), "segments");
  g_assert_cmpuint (json_array_get_length (segments), ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      JsonObject *s = json_array_get_object_element (segments, i);
      g_autofree char *base = g_path_get_basename (f->files[i + 1]);
      g_autofree char *key = g_strdup_printf ("/%s/%s", f->session, base);

      g_assert_cmpstr (json_object_get_string_member (s, "status"), ==, "archived");
      g_assert_nonnull (strstr (json_object_get_string_member (s, "detail"), key));
      g_assert_nonnull (strstr (json_object_get_string_member (s, "detail"), "SHA-256"));
    }

  name = g_path_get_basename (f->files[2]);
  find_objects (f->s3->dir, name, objects);
  g_assert_cmpuint (objects->len, ==, 1);
  {
    g_autofree char *bytes = NULL;
    gsize len;
    g_assert_true (g_file_get_contents (objects->pdata[0], &bytes, &len, NULL));
    bytes[len / 3] ^= 0x01;
    g_assert_true (g_file_set_contents (objects->pdata[0], bytes, len, NULL));
  }
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (
      rd_test_ctl (f->t, &out, &err, "recording", "verify", f->session, "--full", NULL), ==, 1);
  g_test_message ("%s%s", out, err);
  g_assert_nonnull (strstr (err, "archive-mismatch"));
  g_assert_nonnull (strstr (err, name));
  g_assert_nonnull (strstr (err, "SHA-256"));
}

/* keep-local-days=0 with a legal hold: the files stay while held, go once released; with
 * keep-local-days=1 they stay after the archival. */
static void
test_retention (void)
{
  Fixture f = { 0 }, g = { 0 };
  g_autoptr (GError) error = NULL;
  g_autofree char *out = NULL, *dir = NULL;

  if (rd_test_skip_if (netns_why))
    return;
  set_up_with (&f, RD_TEST_S3_BUCKET, RD_TEST_S3_ACCESS_KEY, RD_TEST_S3_SECRET_KEY,
               "keep-local-days=0\n");
  g_assert_true (rd_ledger_archive_set_hold (f.ledger, f.session, TRUE, "case 12/2026 appealed",
                                             "test", &error));
  g_assert_no_error (error);
  g_clear_pointer (&f.ledger, rd_ledger_close);
  rd_test_s3_start (f.s3);
  rd_test_daemon_start (f.t);
  wait_state (f.t, "archived"); /* the retention pass ran right after the archival */
  assert_local_untouched (&f);
  g_assert_false (has_event (f.t, f.session, "local-files-deleted"));
  {
    g_autoptr (JsonObject) job = first_job (f.t);
    g_assert_true (json_object_get_boolean_member (job, "held"));
  }
  g_assert_cmpint (rd_test_ctl (f.t, &out, NULL, "archive", "release", f.session, NULL), ==, 64);
  g_assert_cmpint (rd_test_ctl (f.t, &out, NULL, "archive", "release", f.session, "--reason",
                                "appeal decided", NULL),
                   ==, 0);
  for (int n = 1; n <= 2; n++)
    g_assert_false (g_file_test (f.files[n], G_FILE_TEST_EXISTS));
  dir = g_path_get_dirname (f.files[1]);
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
  g_assert_true (has_event (f.t, f.session, "archive-release"));
  g_assert_true (has_event (f.t, f.session, "local-files-deleted"));
  g_assert_cmpint (
      rd_test_ctl (f.t, &out, NULL, "archive", "release", f.session, "--reason", "again", NULL), ==,
      1);
  assert_verify_archived (&f);
  tear_down (&f);

  set_up_with (&g, RD_TEST_S3_BUCKET, RD_TEST_S3_ACCESS_KEY, RD_TEST_S3_SECRET_KEY,
               "keep-local-days=1\n");
  g_clear_pointer (&g.ledger, rd_ledger_close);
  rd_test_s3_start (g.s3);
  rd_test_daemon_start (g.t);
  wait_state (g.t, "archived");
  assert_local_untouched (&g);
  tear_down (&g);
}

#define LIBFAKETIME "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"

/* Restarts the daemon with its wall clock @days days ahead (libfaketime; its monotonic clock,
 * which paces timers, left alone) and waits until it is ready: the retention pass at start
 * has run. */
static void
restart_days_later (RdTestDaemon *t, int days)
{
  g_autofree char *offset = g_strdup_printf ("FAKETIME=+%dd", days);
  const char *env[] = { "LD_PRELOAD=" LIBFAKETIME,
                        offset,
                        "FAKETIME_DONT_FAKE_MONOTONIC=1",
                        "FAKETIME_DONT_RESET=1",
                        "ASAN_OPTIONS=verify_asan_link_order=0",
                        NULL };

  rd_test_daemon_signal (t, SIGTERM);
  g_assert_cmpint (rd_test_daemon_wait_exit (t, TIMEOUT_MS), ==, 0);
  rd_test_daemon_spawn (t, env);
  rd_test_daemon_wait_notify (t, "READY=1", 1, 20000);
}

/* keep-local-days=3 against the daemon's clock: kept 2 days after the archival, kept 4 days
 * after while held, deleted once released (keep_local_days 3 on the record). */
static void
test_retention_days (void)
{
  Fixture f = { 0 };
  g_autoptr (JsonNode) show = NULL;
  g_autofree char *out = NULL;
  JsonArray *events;
  gboolean found = FALSE;

  if (rd_test_skip_if (netns_why))
    return;
  if (!g_file_test (LIBFAKETIME, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("no " LIBFAKETIME " (Debian's faketime, scripts/install-deps.sh)");
      return;
    }
  set_up_with (&f, RD_TEST_S3_BUCKET, RD_TEST_S3_ACCESS_KEY, RD_TEST_S3_SECRET_KEY,
               "keep-local-days=3\n");
  g_clear_pointer (&f.ledger, rd_ledger_close);
  rd_test_s3_start (f.s3);
  rd_test_daemon_start (f.t);
  wait_state (f.t, "archived");
  assert_local_untouched (&f);

  restart_days_later (f.t, 2);
  assert_local_untouched (&f);
  g_assert_false (has_event (f.t, f.session, "local-files-deleted"));
  g_assert_cmpint (rd_test_ctl (f.t, &out, NULL, "archive", "hold", f.session, "--reason",
                                "complaint 7/2026 pending", NULL),
                   ==, 0);

  restart_days_later (f.t, 4);
  assert_local_untouched (&f);
  g_assert_false (has_event (f.t, f.session, "local-files-deleted"));
  g_assert_cmpint (rd_test_ctl (f.t, &out, NULL, "archive", "release", f.session, "--reason",
                                "complaint 7/2026 closed", NULL),
                   ==, 0);
  for (int n = 1; n <= 2; n++)
    g_assert_false (g_file_test (f.files[n], G_FILE_TEST_EXISTS));
  show = rd_test_ctl_json (f.t, "session", "show", f.session, NULL);
  events = json_object_get_array_member (json_node_get_object (show), "events");
  for (guint i = 0; i < json_array_get_length (events); i++)
    {
      JsonObject *e = json_array_get_object_element (events, i);
      JsonNode *detail = json_object_get_member (e, "detail");

      if (g_strcmp0 (json_object_get_string_member (e, "kind"), "local-files-deleted") != 0)
        continue;
      g_assert_cmpint (
          json_object_get_int_member (json_node_get_object (detail), "keep_local_days"), ==, 3);
      found = TRUE;
    }
  g_assert_true (found);
  tear_down (&f);
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
  Fixture f = { 0 };
  g_autoptr (JsonNode) started = NULL;
  g_autoptr (JsonObject) job = NULL;
  g_autofree char *live = NULL;

  if (rd_test_skip_if (netns_why))
    return;
  set_up (&f, RD_TEST_S3_BUCKET, RD_TEST_S3_ACCESS_KEY, RD_TEST_S3_SECRET_KEY);
  rd_test_daemon_start (f.t); /* no server yet: the job fails once and waits (1 s at most) */
  g_assert_true (rd_test_wait_until (retried_twice, f.t, TIMEOUT_MS));
  started = rd_test_ctl_json (f.t, "session", "start", NULL);
  live = g_strdup (json_object_get_string_member (json_node_get_object (started), "id"));
  rd_test_s3_start (f.s3);
  /* the next attempt comes due during the session and is held */
  g_assert_true (rd_test_wait_until (held_by_session, f.t, TIMEOUT_MS));
  job = first_job (f.t);
  g_assert_cmpstr (json_object_get_string_member (job, "state"), ==, "queued");
  g_assert_cmpuint (log_count (f.s3, "PUT"), ==, 0);
  g_assert_cmpint (rd_test_ctl (f.t, NULL, NULL, "session", "end", live, NULL), ==, 0);
  wait_state (f.t, "archived"); /* both sessions: the one just ended goes after */
  tear_down (&f);
}

static void
refused (const char *bucket, const char *access, const char *secret, const char *want)
{
  Fixture f = { 0 };
  g_autoptr (JsonObject) job = NULL;
  g_autofree char *out = NULL;

  if (rd_test_skip_if (netns_why))
    return;
  set_up (&f, bucket, access, secret);
  rd_test_s3_start (f.s3);
  rd_test_daemon_start (f.t);
  wait_state (f.t, "failed");
  job = first_job (f.t);
  g_test_message ("%s", json_object_get_string_member (job, "last_error"));
  g_assert_nonnull (strstr (json_object_get_string_member (job, "last_error"), want));
  g_assert_cmpint (json_object_get_int_member (job, "attempts"), ==, 1);
  g_assert_true (json_object_get_null_member (job, "next_at"));
  g_assert_cmpint (rd_test_ctl (f.t, &out, NULL, "archive", "status", NULL), ==, 0);
  g_assert_nonnull (strstr (out, want));
  assert_local_untouched (&f);
  tear_down (&f);
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
  g_test_add_func ("/archive-upload/kill-multipart", test_kill_multipart);
  g_test_add_func ("/archive-upload/storm-first", test_storm_first);
  g_test_add_func ("/archive-upload/storm-retry-after", test_storm_first_retry_after);
  g_test_add_func ("/archive-upload/storm-every", test_storm_every);
  g_test_add_func ("/archive-upload/live-session", test_live_session);
  g_test_add_func ("/archive-upload/retention", test_retention);
  g_test_add_func ("/archive-upload/retention-days", test_retention_days);
  g_test_add_func ("/archive-upload/wrong-credentials", test_wrong_credentials);
  g_test_add_func ("/archive-upload/missing-bucket", test_missing_bucket);
  return g_test_run ();
}
