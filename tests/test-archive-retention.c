/* test-archive-retention.c: retention and legal hold of archived sessions' local files (the
 * fixture: tests/rd-test-archive.h).
 * - keep-local-days=0 deletes nothing while the session is held, everything of the job once
 *   released (with events), and `recording verify` then checks the archive's copies (HEAD by
 *   default, --full a download: a changed byte fails naming the object; without [archive] url
 *   it says the copies cannot be checked); keep-local-days=1
 *   keeps the files after the archival;
 * - keep-local-days=3 with the daemon's clock moved on by libfaketime (Debian's faketime; the
 *   product reads the system clock): 2 days later the files stay, 4 days later they stay while
 *   held and go once released. */
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

#include "ledger/rd-ledger-archive.h"
#include "tests/rd-test-archive.h"
#include "tests/rd-test-netns.h"

static char *netns_why;

/* `recording verify` of a session whose local files are gone: archived, with the objects' keys,
 * checked on the server; a changed byte there fails --full naming the object. */
static void
assert_verify_archived (RdTestArchive *f)
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
  rd_test_archive_find_objects (f->s3->dir, name, objects);
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
  RdTestArchive f = { 0 }, g = { 0 };
  g_autoptr (GError) error = NULL;
  g_autofree char *out = NULL, *err = NULL, *dir = NULL;

  if (rd_test_skip_if (netns_why))
    return;
  rd_test_archive_set_up_with (&f, RD_TEST_S3_BUCKET, RD_TEST_S3_ACCESS_KEY, RD_TEST_S3_SECRET_KEY,
                               "keep-local-days=0\n");
  g_assert_true (rd_ledger_archive_set_hold (f.ledger, f.session, TRUE, "case 12/2026 appealed",
                                             "test", &error));
  g_assert_no_error (error);
  g_clear_pointer (&f.ledger, rd_ledger_close);
  rd_test_s3_start (f.s3);
  rd_test_archive_start_daemon (f.t);
  rd_test_archive_wait_state (f.t,
                              "archived"); /* the retention pass ran right after the archival */
  rd_test_archive_assert_local_untouched (&f);
  g_assert_false (rd_test_archive_has_event (f.t, f.session, "local-files-deleted"));
  {
    g_autoptr (JsonObject) job = rd_test_archive_first_job (f.t);
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
  g_assert_true (rd_test_archive_has_event (f.t, f.session, "archive-release"));
  g_assert_true (rd_test_archive_has_event (f.t, f.session, "local-files-deleted"));
  g_assert_cmpint (
      rd_test_ctl (f.t, &out, NULL, "archive", "release", f.session, "--reason", "again", NULL), ==,
      1);
  assert_verify_archived (&f);

  /* without [archive] url the archive's copies cannot be checked: not intact, saying why */
  rd_test_daemon_signal (f.t, SIGTERM);
  g_assert_cmpint (rd_test_daemon_wait_exit (f.t, RD_TEST_ARCHIVE_TIMEOUT_MS), ==, 0);
  rd_test_daemon_write_config (f.t, NULL);
  rd_test_archive_start_daemon (f.t);
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (rd_test_ctl (f.t, &out, &err, "recording", "verify", f.session, NULL), ==, 1);
  g_test_message ("%s%s", out, err);
  g_assert_nonnull (strstr (err, "archive-unchecked"));
  g_assert_nonnull (strstr (err, "url"));
  rd_test_archive_tear_down (&f);

  rd_test_archive_set_up_with (&g, RD_TEST_S3_BUCKET, RD_TEST_S3_ACCESS_KEY, RD_TEST_S3_SECRET_KEY,
                               "keep-local-days=1\n");
  g_clear_pointer (&g.ledger, rd_ledger_close);
  rd_test_s3_start (g.s3);
  rd_test_archive_start_daemon (g.t);
  rd_test_archive_wait_state (g.t, "archived");
  rd_test_archive_assert_local_untouched (&g);
  rd_test_archive_tear_down (&g);
}

#define LIBFAKETIME "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"

/* Restarts the daemon with its wall clock @days days ahead (libfaketime; its monotonic clock,
 * which paces timers, left alone) and waits until it is ready: the retention pass at start
 * has run. */
static void
restart_days_later (RdTestDaemon *t, int days)
{
  g_autofree char *offset = g_strdup_printf ("FAKETIME=+%dd", days);
  /* the sanitizer build's own options kept (no leak check at exit: the daemon's exit code is
   * the test's), and libfaketime allowed ahead of the ASan runtime */
  const char *asan = g_getenv ("ASAN_OPTIONS");
  g_autofree char *asan_options = g_strdup_printf ("ASAN_OPTIONS=%s%sverify_asan_link_order=0",
                                                   asan ? asan : "", asan && *asan ? ":" : "");
  const char *env[] = { "LD_PRELOAD=" LIBFAKETIME, offset,       "FAKETIME_DONT_FAKE_MONOTONIC=1",
                        "FAKETIME_DONT_RESET=1",   asan_options, NULL };

  rd_test_daemon_signal (t, SIGTERM);
  g_assert_cmpint (rd_test_daemon_wait_exit (t, RD_TEST_ARCHIVE_TIMEOUT_MS), ==, 0);
  rd_test_daemon_spawn (t, env);
  rd_test_daemon_wait_notify (t, "READY=1", 1, RD_TEST_ARCHIVE_TIMEOUT_MS);
}

/* keep-local-days=3 against the daemon's clock: kept 2 days after the archival, kept 4 days
 * after while held, deleted once released (keep_local_days 3 on the record). */
static void
test_retention_days (void)
{
  RdTestArchive f = { 0 };
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
  rd_test_archive_set_up_with (&f, RD_TEST_S3_BUCKET, RD_TEST_S3_ACCESS_KEY, RD_TEST_S3_SECRET_KEY,
                               "keep-local-days=3\n");
  g_clear_pointer (&f.ledger, rd_ledger_close);
  rd_test_s3_start (f.s3);
  rd_test_archive_start_daemon (f.t);
  rd_test_archive_wait_state (f.t, "archived");
  rd_test_archive_assert_local_untouched (&f);

  restart_days_later (f.t, 2);
  rd_test_archive_assert_local_untouched (&f);
  g_assert_false (rd_test_archive_has_event (f.t, f.session, "local-files-deleted"));
  g_assert_cmpint (rd_test_ctl (f.t, &out, NULL, "archive", "hold", f.session, "--reason",
                                "complaint 7/2026 pending", NULL),
                   ==, 0);

  restart_days_later (f.t, 4);
  rd_test_archive_assert_local_untouched (&f);
  g_assert_false (rd_test_archive_has_event (f.t, f.session, "local-files-deleted"));
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
  rd_test_archive_tear_down (&f);
}

int
main (int argc, char **argv)
{
  if (!rd_test_enter_netns (&netns_why))
    netns_why = g_strdup_printf ("no network namespace: %s", netns_why);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/archive-retention/retention", test_retention);
  g_test_add_func ("/archive-retention/retention-days", test_retention_days);
  return g_test_run ();
}
