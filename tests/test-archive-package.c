/* test-archive-package.c: a sealed session's archive package (manifest.json, manifest.json.sig,
 * room-public.pem next to its segment files), through the real daemon and console:
 * - a session recorded by the daemon (its test room) and ended with `session end`;
 * - a session the test writes with the ledger API while the daemon is down (a citizen with a
 *   network address, a pause), which the restart marks interrupted and packages.
 * `receptionctl archive check` (offline) and `openssl pkeyutl -verify` accept the package;
 * a changed byte in a segment or in the manifest is named. */
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

#include "ledger/rd-ledger-chain.h"
#include "ledger/rd-ledger-recordings.h"
#include "tests/rd-test-daemon.h"

#define TIMEOUT_MS 20000
#define CITIZEN_IP "10.99.0.7"

static char *
session_dir (RdTestDaemon *t, const char *session)
{
  g_autoptr (JsonNode) show = rd_test_ctl_json (t, "session", "show", session, NULL);
  JsonArray *recs = json_object_get_array_member (json_node_get_object (show), "recordings");
  const char *path;

  g_assert_cmpuint (json_array_get_length (recs), >, 0);
  path = json_object_get_string_member (json_array_get_object_element (recs, 0), "path");
  {
    g_autofree char *rel = g_path_get_dirname (path);
    return g_build_filename (t->state_dir, rel, NULL);
  }
}

static int
check (RdTestDaemon *t, const char *dir, const char *key, char **out, char **err)
{
  const char *argv[] = { "archive", "check", dir, key ? "--public-key" : NULL, key, NULL };
  int rc = rd_test_run ("receptionctl", out, err, argv);

  g_test_message ("archive check %s -> %d\n%s%s", dir, rc, *out, *err);
  return rc;
}

static void
assert_openssl_verifies (const char *dir, gboolean expected)
{
  g_autofree char *out = NULL, *err = NULL;
  int status = 0;
  const char *argv[] = { "openssl",           "pkeyutl", "-verify", "-pubin",        "-inkey",
                         "room-public.pem",   "-rawin",  "-in",     "manifest.json", "-sigfile",
                         "manifest.json.sig", NULL };
  g_autoptr (GError) error = NULL;

  g_assert_true (g_spawn_sync (dir, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out,
                               &err, &status, &error));
  g_assert_no_error (error);
  g_test_message ("openssl: %s%s", out, err);
  g_assert_cmpint (g_spawn_check_wait_status (status, NULL), ==, expected);
}

static gboolean
has_recording (gpointer data)
{
  RdTestDaemon *t = ((gpointer *)data)[0];
  const char *id = ((gpointer *)data)[1];
  g_autoptr (JsonNode) show = rd_test_ctl_json (t, "session", "show", id, NULL);

  return json_array_get_length (
             json_object_get_array_member (json_node_get_object (show), "recordings")) > 0;
}

/* A session the daemon records, ended by the operator: packaged at once. */
static void
test_recorded (void)
{
  g_autoptr (RdTestDaemon) t = rd_test_daemon_new (NULL);
  g_autoptr (JsonNode) started = NULL;
  g_autofree char *id = NULL, *dir = NULL, *out = NULL, *err = NULL, *text = NULL;
  g_autofree char *manifest = NULL, *key_hex = NULL;
  g_autoptr (JsonNode) key = NULL;
  gpointer data[2];

  rd_test_daemon_start (t);
  started = rd_test_ctl_json (t, "session", "start", NULL);
  id = g_strdup (json_object_get_string_member (json_node_get_object (started), "id"));
  data[0] = t;
  data[1] = id;
  g_assert_true (rd_test_wait_until (has_recording, data, TIMEOUT_MS));
  g_assert_cmpint (rd_test_ctl (t, NULL, NULL, "session", "end", id, NULL), ==, 0);
  dir = session_dir (t, id);
  manifest = g_build_filename (dir, "manifest.json", NULL);
  g_assert_true (g_file_test (manifest, G_FILE_TEST_EXISTS));

  key = rd_test_ctl_json (t, "ledger", "key", NULL);
  key_hex = g_strdup (json_object_get_string_member (json_node_get_object (key), "public_key_hex"));
  g_assert_cmpint (check (t, dir, key_hex, &out, &err), ==, 0);
  g_assert_nonnull (strstr (out, "is whole"));
  assert_openssl_verifies (dir, TRUE);
  g_assert_true (g_file_get_contents (manifest, &text, NULL, NULL));
  g_assert_nonnull (strstr (text, id));
  rd_test_daemon_signal (t, SIGTERM);
  g_assert_cmpint (rd_test_daemon_wait_exit (t, TIMEOUT_MS), ==, 0);
}

typedef struct
{
  RdTestDaemon *t;
  char *session, *dir;
  char *files[3];
} Fixture;

static void
add_segment (Fixture *f, RdLedger *ledger, gint64 n)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *rel = g_strdup_printf (
      "recordings/2026/12/%s/%s-%04" G_GINT64_FORMAT "-room-video.mkv", f->session, f->session, n);
  gsize size = 50000 + n;
  g_autofree guint8 *bytes = g_malloc (size);
  g_autofree char *hash = NULL;

  for (gsize i = 0; i < size; i++)
    bytes[i] = (guint8)g_random_int ();
  f->files[n] = g_build_filename (f->t->state_dir, rel, NULL);
  f->dir = g_path_get_dirname (f->files[n]);
  g_assert_cmpint (g_mkdir_with_parents (f->dir, 0750), ==, 0);
  g_assert_true (g_file_set_contents (f->files[n], (const char *)bytes, size, NULL));
  hash = g_compute_checksum_for_data (G_CHECKSUM_SHA256, bytes, size);
  g_assert_true (rd_ledger_recording_add (
      ledger, f->session, n, rel,
      "[{\"track\":\"room-video\",\"media\":\"video\",\"codec\":\"VP8\",\"start_ns\":0}]", &error));
  g_assert_true (rd_ledger_recording_seal (ledger, f->session, n, RD_RECORDING_STATE_SEALED, hash,
                                           size, 1000000000 * n, NULL, NULL, &error));
  g_assert_no_error (error);
}

static void
event (RdLedger *ledger, const char *session, const char *kind, const char *json)
{
  g_autoptr (JsonNode) detail = json_from_string (json, NULL);
  g_autoptr (GError) error = NULL;

  g_assert_cmpint (rd_ledger_add_event (ledger, session, "officer", kind, detail, &error), >, 0);
  g_assert_no_error (error);
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (RdLedger) ledger = NULL;

  f->t = rd_test_daemon_new (NULL);
  rd_test_daemon_start (f->t);
  rd_test_daemon_signal (f->t, SIGTERM);
  g_assert_cmpint (rd_test_daemon_wait_exit (f->t, TIMEOUT_MS), ==, 0);
  ledger = rd_ledger_open (f->t->state_dir, &error);
  g_assert_no_error (error);
  f->session = rd_ledger_session_start (ledger, "hearing", "test", &error);
  g_assert_no_error (error);
  g_assert_cmpint (rd_ledger_participant_join (ledger, f->session, "peer-1", 0,
                                               RD_LEDGER_ROLE_CITIZEN, "citizen 1", CITIZEN_IP,
                                               "receptiond", &error),
                   >, 0);
  g_assert_no_error (error);
  add_segment (f, ledger, 1);
  event (ledger, f->session, "recording-paused", "{\"reason\":\"private matter\",\"at_ns\":5}");
  event (ledger, f->session, "recording-resumed", "{\"reason\":\"done\",\"at_ns\":9}");
  add_segment (f, ledger, 2);
  g_clear_pointer (&ledger, rd_ledger_close);
  rd_test_daemon_start (f->t); /* interrupted, then packaged */
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  rd_test_daemon_signal (f->t, SIGTERM);
  rd_test_daemon_wait_exit (f->t, TIMEOUT_MS);
  g_clear_pointer (&f->t, rd_test_daemon_free);
  g_free (f->session);
  g_free (f->dir);
  for (int i = 0; i < 3; i++)
    g_free (f->files[i]);
}

static void
test_interrupted (Fixture *f, gconstpointer data)
{
  g_autofree char *path = g_build_filename (f->dir, "manifest.json", NULL);
  g_autofree char *text = NULL, *out = NULL, *err = NULL;
  g_autoptr (JsonNode) m = NULL;
  JsonObject *o, *p, *pause;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_assert_null (strstr (text, CITIZEN_IP));
  m = json_from_string (text, NULL);
  o = json_node_get_object (m);
  g_assert_cmpstr (json_object_get_string_member (o, "format"), ==, "receptiond-archive-1");
  g_assert_cmpstr (
      json_object_get_string_member (json_object_get_object_member (o, "session"), "state"), ==,
      "interrupted");
  p = json_array_get_object_element (json_object_get_array_member (o, "participants"), 0);
  g_assert_cmpstr (json_object_get_string_member (p, "role"), ==, "citizen");
  g_assert_false (json_object_has_member (p, "remote_address"));
  pause = json_array_get_object_element (json_object_get_array_member (o, "pauses"), 0);
  g_assert_cmpstr (json_object_get_string_member (pause, "reason"), ==, "private matter");
  g_assert_cmpint (json_object_get_int_member (pause, "to_ns"), ==, 9);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "files")), ==, 2);
  g_assert_cmpint (
      json_object_get_int_member (json_object_get_object_member (o, "ledger"), "withheld"), >=,
      2); /* the participant row and its party-joined event */

  g_assert_cmpint (check (f->t, f->dir, NULL, &out, &err), ==, 0);
  g_assert_nonnull (strstr (out, "2 files"));
  assert_openssl_verifies (f->dir, TRUE);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (check (f->t, f->dir,
                          "00"
                          "11223344556677889900112233445566778899001122334455"
                          "66778899001122",
                          &out, &err),
                   ==, 1);
  g_assert_nonnull (strstr (err, "not by the room key given"));
}

static void
flip_byte (const char *path, gsize at)
{
  g_autofree char *bytes = NULL;
  gsize len;

  g_assert_true (g_file_get_contents (path, &bytes, &len, NULL));
  g_assert_cmpuint (at, <, len);
  bytes[at] ^= 0x01;
  g_assert_true (g_file_set_contents (path, bytes, len, NULL));
}

static void
test_tampered (Fixture *f, gconstpointer data)
{
  g_autofree char *out = NULL, *err = NULL, *name = g_path_get_basename (f->files[2]);
  g_autofree char *manifest = g_build_filename (f->dir, "manifest.json", NULL);

  flip_byte (f->files[2], 1000);
  g_assert_cmpint (check (f->t, f->dir, NULL, &out, &err), ==, 1);
  g_assert_nonnull (strstr (err, name));
  g_assert_nonnull (strstr (err, "SHA-256"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  flip_byte (f->files[2], 1000); /* back */
  flip_byte (manifest, 20);
  g_assert_cmpint (check (f->t, f->dir, NULL, &out, &err), ==, 1);
  g_assert_nonnull (strstr (err, "manifest.json"));
  assert_openssl_verifies (f->dir, FALSE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/archive-package/recorded", test_recorded);
  g_test_add ("/archive-package/interrupted", Fixture, NULL, fixture_set_up, test_interrupted,
              fixture_tear_down);
  g_test_add ("/archive-package/tampered", Fixture, NULL, fixture_set_up, test_tampered,
              fixture_tear_down);
  return g_test_run ();
}
