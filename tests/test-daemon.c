/* test-daemon.c: the real receptiond, started with a temporary config and a NOTIFY_SOCKET this
 * test owns, driven with the real receptionctl: readiness, status, sessions, stop, crash,
 * second instance, reload, watchdog. */
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "ledger/rd-ledger.h"
#include "tests/rd-test-daemon.h"

#define TIMEOUT_MS 20000

static JsonObject *
object (JsonNode *node)
{
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  return json_node_get_object (node);
}

static const char *
member (JsonNode *node, const char *name)
{
  return json_object_get_string_member_with_default (object (node), name, NULL);
}

/* The kinds of a session's events, space-separated, oldest first. (transfer full) */
static char *
event_kinds (JsonNode *session)
{
  JsonArray *events = json_object_get_array_member (object (session), "events");
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < json_array_get_length (events); i++)
    g_string_append_printf (
        s, "%s%s", i ? " " : "",
        json_object_get_string_member (json_array_get_object_element (events, i), "kind"));
  return g_string_free (s, FALSE);
}

static void
test_ready_and_status (void)
{
  g_autoptr (RdTestDaemon) t = rd_test_daemon_new ("[room]\nname=Phường Bến Nghé\n");
  g_autoptr (JsonNode) status = NULL;
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GSocketConnection) conn = NULL;
  g_autoptr (GUri) uri = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *out = NULL;
  JsonObject *o, *listener;
  JsonArray *devices;

  rd_test_daemon_start (t);
  g_assert_true (rd_test_daemon_has_notify (t, "STATUS=idle"));

  g_assert_cmpint (rd_test_ctl (t, &out, NULL, "status", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "Phường Bến Nghé"));
  g_assert_nonnull (strstr (out, "state:    idle"));
  g_assert_nonnull (strstr (out, t->socket_path));

  status = rd_test_ctl_json (t, "status", NULL);
  o = object (status);
  g_assert_cmpstr (member (status, "room"), ==, "Phường Bến Nghé");
  g_assert_cmpstr (member (status, "state"), ==, "idle");
  g_assert_cmpstr (member (status, "config"), ==, t->config_path);
  g_assert_cmpint (
      json_object_get_int_member (json_object_get_object_member (o, "ledger"), "schema_version"),
      ==, RD_LEDGER_SCHEMA_VERSION);
  g_assert_cmpint (
      json_object_get_int_member (json_object_get_object_member (o, "disk"), "free_bytes"), >, 0);
  devices = json_object_get_array_member (o, "devices");
  g_assert_cmpuint (json_array_get_length (devices), ==, 4);
  g_assert_cmpstr (
      json_object_get_string_member (json_array_get_object_element (devices, 0), "role"), ==,
      "camera");
  g_assert_true (
      json_object_get_boolean_member (json_array_get_object_element (devices, 0), "available"));

  /* READY=1 promised that the HTTPS listener is up: it accepts a connection now. */
  listener = json_object_get_object_member (o, "listener");
  g_assert_true (g_str_has_prefix (
      json_object_get_string_member (listener, "certificate_fingerprint"), "sha-256 "));
  uri = g_uri_parse (json_object_get_string_member (listener, "url"), G_URI_FLAGS_NONE, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (g_uri_get_scheme (uri), ==, "https");
  g_assert_cmpstr (g_uri_get_host (uri), ==, "127.0.0.1");
  g_assert_cmpint (g_uri_get_port (uri), >, 0);
  conn = g_socket_client_connect_to_host (client, "127.0.0.1", g_uri_get_port (uri), NULL, &error);
  g_assert_no_error (error);
}

static void
test_session_lifecycle (void)
{
  g_autoptr (RdTestDaemon) t = rd_test_daemon_new (NULL);
  g_autoptr (JsonNode) shown = NULL;
  g_autoptr (JsonNode) list = NULL;
  g_autofree char *id = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *live_line = NULL;
  g_autofree char *kinds = NULL;
  g_autofree char *actor = g_strdup_printf ("uid=%u(%s)", (guint)getuid (), g_get_user_name ());
  JsonArray *events;

  rd_test_daemon_start (t);
  g_assert_cmpint (rd_test_ctl (t, &out, NULL, "session", "start", "--title",
                                "Tiếp công dân định kỳ tháng 11", NULL),
                   ==, 0);
  id = g_strstrip (g_strdup (out));
  g_assert_true (g_regex_match_simple ("^[0-9]{8}-[0-9a-f]{6}$", id, 0, 0));
  live_line = g_strdup_printf ("STATUS=live: session %s, 0 parties", id);
  rd_test_daemon_wait_notify (t, live_line, 1, TIMEOUT_MS);

  /* One room, one live session. */
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (rd_test_ctl (t, NULL, &err, "session", "start", NULL), ==, 1);
  g_assert_nonnull (strstr (err, id));
  g_assert_nonnull (strstr (err, "conflict"));

  shown = rd_test_ctl_json (t, "session", "show", id, NULL);
  g_assert_cmpstr (member (shown, "state"), ==, "live");
  g_assert_cmpstr (member (shown, "title"), ==, "Tiếp công dân định kỳ tháng 11");
  g_assert_nonnull (member (shown, "started_at"));
  g_clear_pointer (&shown, json_node_unref);

  g_clear_pointer (&out, g_free);
  g_assert_cmpint (rd_test_ctl (t, &out, NULL, "session", "end", id, "--reason", "xong", NULL), ==,
                   0);
  g_assert_nonnull (strstr (out, id));
  rd_test_daemon_wait_notify (t, "STATUS=idle", 2, TIMEOUT_MS);

  shown = rd_test_ctl_json (t, "session", "show", id, NULL);
  g_assert_cmpstr (member (shown, "state"), ==, "ended");
  g_assert_cmpstr (member (shown, "end_reason"), ==, "xong");
  g_assert_nonnull (member (shown, "ended_at"));
  kinds = event_kinds (shown);
  /* started, recorded (segments sealed as they close: how many depends on timing), the
   * recording's end and what it covers, ended */
  g_assert_true (g_str_has_prefix (kinds, "session-started recording-started "));
  g_assert_true (g_str_has_suffix (kinds, " recording-finished recording-coverage session-ended"));
  {
    g_auto (GStrv) words = g_strsplit (kinds, " ", -1);
    for (guint i = 2; words[i + 3]; i++)
      g_assert_cmpstr (words[i], ==, "recording-sealed");
  }
  events = json_object_get_array_member (object (shown), "events");
  g_assert_cmpstr (
      json_object_get_string_member (json_array_get_object_element (events, 0), "actor"), ==,
      actor);
  g_assert_cmpstr (
      json_object_get_string_member (json_array_get_object_element (events, 1), "actor"), ==,
      actor);

  /* The human form shows the same rows. */
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (rd_test_ctl (t, &out, NULL, "session", "show", id, NULL), ==, 0);
  g_assert_nonnull (strstr (out, "state:       ended"));
  g_assert_nonnull (strstr (out, "session-ended"));

  list = rd_test_ctl_json (t, "session", "list", NULL);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (list)), ==, 1);

  /* Ending twice, or a session that does not exist, is refused with the reason. */
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (rd_test_ctl (t, NULL, &err, "session", "end", id, NULL), ==, 1);
  g_assert_nonnull (strstr (err, "conflict"));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (rd_test_ctl (t, NULL, &err, "session", "show", "20000101-000000", NULL), ==, 1);
  g_assert_nonnull (strstr (err, "20000101-000000"));
  g_assert_nonnull (strstr (err, "not-found"));
}

static char *
start_session (RdTestDaemon *t)
{
  g_autofree char *out = NULL;
  g_assert_cmpint (rd_test_ctl (t, &out, NULL, "session", "start", NULL), ==, 0);
  return g_strstrip (g_strdup (out));
}

static void
test_sigterm_ends_live_session (void)
{
  g_autoptr (RdTestDaemon) t = rd_test_daemon_new (NULL);
  g_autoptr (JsonNode) shown = NULL;
  g_autofree char *id = NULL;
  g_autofree char *kinds = NULL;

  rd_test_daemon_start (t);
  id = start_session (t);
  rd_test_daemon_signal (t, SIGTERM);
  g_assert_cmpint (rd_test_daemon_wait_exit (t, TIMEOUT_MS), ==, 0);
  g_assert_true (rd_test_daemon_has_notify (t, "STOPPING=1"));
  g_assert_false (g_file_test (t->socket_path, G_FILE_TEST_EXISTS));

  /* At the next start the session is ended (not interrupted), with the reason. */
  rd_test_daemon_start (t);
  shown = rd_test_ctl_json (t, "session", "show", id, NULL);
  g_assert_cmpstr (member (shown, "state"), ==, "ended");
  g_assert_nonnull (strstr (member (shown, "end_reason"), "signal"));
  kinds = event_kinds (shown);
  /* started, recorded (segments sealed as they close: how many depends on timing), the
   * recording's end and what it covers, ended */
  g_assert_true (g_str_has_prefix (kinds, "session-started recording-started "));
  g_assert_true (g_str_has_suffix (kinds, " recording-finished recording-coverage session-ended"));
  {
    g_auto (GStrv) words = g_strsplit (kinds, " ", -1);
    for (guint i = 2; words[i + 3]; i++)
      g_assert_cmpstr (words[i], ==, "recording-sealed");
  }
}

static void
test_crash_is_reconciled (void)
{
  g_autoptr (RdTestDaemon) t = rd_test_daemon_new (NULL);
  g_autoptr (JsonNode) shown = NULL;
  g_autoptr (JsonNode) status = NULL;
  g_autofree char *id = NULL;
  g_autofree char *kinds = NULL;
  g_autofree char *err = NULL;

  rd_test_daemon_start (t);
  id = start_session (t);
  rd_test_daemon_signal (t, SIGKILL);
  g_assert_cmpint (rd_test_daemon_wait_exit (t, TIMEOUT_MS), ==, 128 + SIGKILL);
  /* The killed daemon left its socket file behind; the next start replaces it. */
  g_assert_true (g_file_test (t->socket_path, G_FILE_TEST_EXISTS));

  rd_test_daemon_start (t);
  shown = rd_test_ctl_json (t, "session", "show", id, NULL);
  g_assert_cmpstr (member (shown, "state"), ==, "interrupted");
  g_assert_nonnull (member (shown, "ended_at"));
  kinds = event_kinds (shown);
  /* then the repair of what the recorder had written, if anything (test-recording-crash) */
  g_assert_true (g_str_has_prefix (kinds, "session-started recording-started session-interrupted"));
  err = rd_test_daemon_stderr (t);
  g_assert_nonnull (strstr (err, id));
  g_assert_nonnull (strstr (err, "interrupted"));
  status = rd_test_ctl_json (t, "status", NULL);
  g_assert_cmpstr (member (status, "state"), ==, "idle");
}

static void
test_second_instance_refused (void)
{
  g_autoptr (RdTestDaemon) t = rd_test_daemon_new (NULL);
  g_autoptr (JsonNode) status = NULL;
  g_autofree char *err = NULL;
  g_autofree char *pid = NULL;
  const char *argv[] = { "--config", t->config_path, NULL };

  rd_test_daemon_start (t);
  status = rd_test_ctl_json (t, "status", NULL);
  pid = g_strdup_printf ("pid %" G_GINT64_FORMAT,
                         json_object_get_int_member (object (status), "pid"));
  g_assert_cmpint (rd_test_run ("receptiond", NULL, &err, argv), ==, 75 /* EX_TEMPFAIL */);
  g_assert_nonnull (strstr (err, "another receptiond"));
  g_assert_nonnull (strstr (err, pid));
  g_assert_nonnull (strstr (err, t->state_dir));
  /* The first one is untouched and still answers. */
  g_clear_pointer (&status, json_node_unref);
  status = rd_test_ctl_json (t, "status", NULL);
  g_assert_cmpstr (member (status, "state"), ==, "idle");
}

/* Starting with @config_text (written as the file) exits with @code and says @words on stderr. */
static void
assert_refused (const char *config_text, int code, const char *words)
{
  g_autoptr (RdTestDaemon) t = rd_test_daemon_new (NULL);
  g_autofree char *err = NULL;
  const char *argv[] = { "--config", t->config_path, NULL };

  if (config_text)
    g_assert_true (g_file_set_contents (t->config_path, config_text, -1, NULL));
  else
    g_unlink (t->config_path);
  g_assert_cmpint (rd_test_run ("receptiond", NULL, &err, argv), ==, code);
  g_assert_nonnull (strstr (err, words));
}

static void
test_bad_config (void)
{
  assert_refused ("[network]\nlisten=127.0.0.1:0\nlisen=1\n", 78, "[network] lisen: unknown key");
  assert_refused ("[media]\ncamera=webcam\n", 78, "[media] camera: invalid value 'webcam'");
  assert_refused (NULL, 78, "receptiond.conf: cannot read the configuration");
}

static void
test_check_config (void)
{
  g_autoptr (RdTestDaemon) t = rd_test_daemon_new ("[room]\nname=Check\n");
  g_autofree char *out = NULL;
  const char *argv[] = { "--config", t->config_path, "--check-config", NULL };
  const char *usage[] = { "--no-such-option", NULL };

  g_assert_cmpint (rd_test_run ("receptiond", &out, NULL, argv), ==, 0);
  g_assert_nonnull (strstr (out, "valid"));
  g_assert_nonnull (strstr (out, "name=Check"));
  g_assert_nonnull (strstr (out, "camera=test"));
  /* the sound keys at their defaults, and what they come to for this room */
  g_assert_nonnull (strstr (out, "\necho-cancel=auto\nnoise-suppression=moderate\n"
                                 "gain-control=on\n"));
  g_assert_nonnull (strstr (out, "# microphone processing: none (the test tone is not processed)"));
  g_assert_cmpint (rd_test_run ("receptiond", NULL, NULL, usage), ==, 64);
}

/* [media] echo-cancel=auto with a microphone and speakers is on; a bad value names the key. */
static void
test_check_config_sound (void)
{
  g_autoptr (RdTestDaemon) t =
      rd_test_daemon_new ("[media]\nmicrophone=pipeline:audiotestsrc is-live=true\n"
                          "speakers=pipeline:fakesink\nnoise-suppression=high\n");
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  const char *argv[] = { "--config", t->config_path, "--check-config", NULL };

  g_assert_cmpint (rd_test_run ("receptiond", &out, NULL, argv), ==, 0);
  g_assert_nonnull (strstr (out, "\nnoise-suppression=high\n"));
  g_assert_nonnull (strstr (out, "# microphone processing: echo cancellation on"));
  rd_test_daemon_write_config (t, "[media]\nmicrophone=pipeline:audiotestsrc is-live=true\n"
                                  "speakers=pipeline:fakesink\necho-cancel=off\n");
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (rd_test_run ("receptiond", &out, NULL, argv), ==, 0);
  g_assert_nonnull (strstr (out, "# microphone processing: echo cancellation off"));
  rd_test_daemon_write_config (t, "[media]\necho-cancel=yes\n");
  g_assert_cmpint (rd_test_run ("receptiond", NULL, &err, argv), ==, 78 /* EX_CONFIG */);
  g_assert_nonnull (strstr (err, "echo-cancel"));
  g_assert_nonnull (strstr (err, "auto, on or off"));
}

/* A pipeline: device (media/rd-media-devices.h) is parsed by --check-config: a good one is
 * printed as written; a bad one stops it, naming the key and GStreamer's reason. */
static void
test_check_config_pipeline (void)
{
  g_autoptr (RdTestDaemon) t =
      rd_test_daemon_new ("[media]\ncamera=pipeline:videotestsrc is-live=true pattern=ball\n"
                          "speakers=pipeline:audioconvert ! fakesink\n");
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  const char *argv[] = { "--config", t->config_path, "--check-config", NULL };
  const char *start[] = { "--config", t->config_path, NULL };

  g_assert_cmpint (rd_test_run ("receptiond", &out, NULL, argv), ==, 0);
  g_assert_nonnull (strstr (out, "valid"));
  g_assert_nonnull (strstr (out, "\ncamera=pipeline:videotestsrc is-live=true pattern=ball\n"));
  g_assert_nonnull (strstr (out, "\nmicrophone=test\n"));
  g_assert_nonnull (strstr (out, "\nspeakers=pipeline:audioconvert ! fakesink\n"));

  rd_test_daemon_write_config (t, "[media]\nspeakers=pipeline:audioconvert ! nosuchsink\n");
  /* a wrong description is the configuration's fault: 78, which systemd does not restart on */
  g_assert_cmpint (rd_test_run ("receptiond", NULL, &err, argv), ==, 78 /* EX_CONFIG */);
  g_assert_nonnull (strstr (err, "[media] speakers: pipeline: no element \"nosuchsink\""));

  /* and at start, the same words (the room is built from the same check) */
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (rd_test_run ("receptiond", NULL, &err, start), ==, 78);
  g_assert_nonnull (strstr (err, "[media] speakers: pipeline: no element \"nosuchsink\""));
}

static void
test_state_dir_not_writable (void)
{
  g_autoptr (RdTestDaemon) t = rd_test_daemon_new (NULL);
  g_autofree char *blocker = g_build_filename (t->dir, "plain-file", NULL);
  g_autofree char *text = NULL;
  g_autofree char *err = NULL;
  const char *argv[] = { "--config", t->config_path, NULL };

  /* A state dir below a regular file cannot be created, even by root. */
  g_assert_true (g_file_set_contents (blocker, "x", -1, NULL));
  text = g_strdup_printf ("[control]\nsocket=%s\n[storage]\nstate-dir=%s/state\n"
                          "[network]\nlisten=127.0.0.1:0\n",
                          t->socket_path, blocker);
  g_assert_true (g_file_set_contents (t->config_path, text, -1, NULL));
  g_assert_cmpint (rd_test_run ("receptiond", NULL, &err, argv), ==, 73 /* EX_CANTCREAT */);
  g_assert_nonnull (strstr (err, blocker));
}

static void
test_corrupt_ledger_untouched (void)
{
  g_autoptr (RdTestDaemon) t = rd_test_daemon_new (NULL);
  g_autofree char *ledger = g_build_filename (t->state_dir, "ledger.sqlite", NULL);
  g_autofree char *err = NULL;
  g_autofree char *after = NULL;
  const char garbage[] = "this is not a ledger, and it must stay exactly as it is\n";
  const char *argv[] = { "--config", t->config_path, NULL };
  gsize len;

  g_assert_cmpint (g_mkdir (t->state_dir, 0750), ==, 0);
  g_assert_true (g_file_set_contents (ledger, garbage, -1, NULL));
  g_assert_cmpint (rd_test_run ("receptiond", NULL, &err, argv), ==, 65 /* EX_DATAERR */);
  g_assert_nonnull (strstr (err, ledger));
  g_assert_true (g_file_get_contents (ledger, &after, &len, NULL));
  g_assert_cmpstr (after, ==, garbage);
}

static void
test_reload (void)
{
  g_autoptr (RdTestDaemon) t = rd_test_daemon_new ("[room]\nname=Before\n");
  g_autoptr (JsonNode) before = NULL;
  g_autoptr (JsonNode) after = NULL;
  g_autoptr (JsonNode) still = NULL;
  g_autofree char *text = NULL;
  JsonArray *pending;
  const char *url;

  rd_test_daemon_start (t);
  before = rd_test_ctl_json (t, "status", NULL);
  url = json_object_get_string_member (json_object_get_object_member (object (before), "listener"),
                                       "url");

  /* room.name can change at run time; network.listen waits for a restart. */
  text = g_strdup_printf ("[room]\nname=After\n[network]\nlisten=127.0.0.1:1\n"
                          "[control]\nsocket=%s\n[storage]\nstate-dir=%s\n",
                          t->socket_path, t->state_dir);
  g_assert_true (g_file_set_contents (t->config_path, text, -1, NULL));
  rd_test_daemon_signal (t, SIGHUP);
  rd_test_daemon_wait_notify (t, "RELOADING=1", 1, TIMEOUT_MS);
  rd_test_daemon_wait_notify (t, "READY=1", 2, TIMEOUT_MS);
  after = rd_test_ctl_json (t, "status", NULL);
  g_assert_cmpstr (member (after, "room"), ==, "After");
  g_assert_cmpstr (json_object_get_string_member (
                       json_object_get_object_member (object (after), "listener"), "url"),
                   ==, url);
  pending = json_object_get_array_member (object (after), "restart_needed");
  g_assert_cmpuint (json_array_get_length (pending), ==, 1);
  g_assert_cmpstr (json_array_get_string_element (pending, 0), ==, "network.listen");

  /* A file that no longer parses changes nothing. */
  g_assert_true (g_file_set_contents (t->config_path, "[room]\nname=\n", -1, NULL));
  rd_test_daemon_signal (t, SIGHUP);
  rd_test_daemon_wait_notify (t, "READY=1", 3, TIMEOUT_MS);
  still = rd_test_ctl_json (t, "status", NULL);
  g_assert_cmpstr (member (still, "room"), ==, "After");
  g_assert_false (t->exited);
}

/* The room microphone's level in status, dBFS. */
static double
mic_level (gpointer t)
{
  g_autoptr (JsonNode) status = rd_test_ctl_json (t, "status", NULL);
  JsonObject *sound = json_object_get_object_member (object (status), "sound");
  double level = json_object_get_double_member (sound, "mic_level_dbfs");

  g_test_message ("the room's microphone: %.1f dBFS", level);
  return level;
}

static gboolean
mic_heard (gpointer t)
{
  return mic_level (t) > -40.0; /* the test tone: 440 Hz at 0.3, -13.5 dBFS */
}

static gboolean
mic_silent (gpointer t)
{
  return mic_level (t) <= -127.0;
}

/* Mute, unmute and the layout: the room's state in status, and each on the record of the live
 * session; the microphone's level in status, and at the floor while muted. */
static void
test_mute_and_layout (void)
{
  g_autoptr (RdTestDaemon) t = rd_test_daemon_new (NULL);
  g_autoptr (JsonNode) muted = NULL;
  g_autoptr (JsonNode) status = NULL;
  g_autoptr (JsonNode) shown = NULL;
  g_autofree char *id = NULL;
  g_autofree char *kinds = NULL;
  g_autofree char *err = NULL;
  JsonObject *m;

  rd_test_daemon_start (t);
  id = start_session (t);
  g_assert_true (rd_test_wait_until (mic_heard, t, TIMEOUT_MS));
  muted = rd_test_ctl_json (t, "mute", "mic", NULL);
  g_assert_true (json_object_get_boolean_member (object (muted), "mic"));
  g_assert_false (json_object_get_boolean_member (object (muted), "camera"));
  g_assert_true (rd_test_wait_until (mic_silent, t, TIMEOUT_MS));
  g_clear_pointer (&muted, json_node_unref);
  muted = rd_test_ctl_json (t, "mute", NULL);
  g_assert_true (json_object_get_boolean_member (object (muted), "camera"));
  g_clear_pointer (&muted, json_node_unref);
  muted = rd_test_ctl_json (t, "unmute", "mic", NULL);
  g_assert_true (rd_test_wait_until (mic_heard, t, TIMEOUT_MS));
  status = rd_test_ctl_json (t, "status", NULL);
  m = json_object_get_object_member (object (status), "muted");
  g_assert_false (json_object_get_boolean_member (m, "mic"));
  g_assert_true (json_object_get_boolean_member (m, "camera"));
  g_assert_cmpint (rd_test_ctl (t, NULL, &err, "mute", "speakers", NULL), ==, 1);
  g_assert_nonnull (strstr (err, "\"mic\" or \"camera\""));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (rd_test_ctl (t, NULL, &err, "mute", "mic", "--party", "nobody", NULL), !=, 0);
  g_assert_nonnull (strstr (err, "no party \"nobody\""));
  /* the test microphone is a tone, not a room: not processed (test-media-echo has a room) */
  m = json_object_get_object_member (object (status), "sound");
  g_assert_nonnull (m);
  g_assert_false (json_object_get_boolean_member (m, "processing"));
  g_assert_false (json_object_get_boolean_member (m, "echo_cancel"));
  g_assert_cmpint (json_object_get_int_member (m, "echo_delay_ms"), ==, -1);
  /* the layout: auto (showing the room's camera, no party) until told otherwise */
  m = json_object_get_object_member (object (status), "layout");
  g_assert_cmpstr (json_object_get_string_member (m, "layout"), ==, "auto");
  g_assert_cmpstr (json_object_get_string_member (m, "shown"), ==, "room");
  g_clear_pointer (&muted, json_node_unref);
  muted = rd_test_ctl_json (t, "layout", "grid", NULL);
  g_assert_cmpstr (json_object_get_string_member (object (muted), "shown"), ==, "grid");
  g_clear_pointer (&status, json_node_unref);
  status = rd_test_ctl_json (t, "status", NULL);
  m = json_object_get_object_member (object (status), "layout");
  g_assert_cmpstr (json_object_get_string_member (m, "layout"), ==, "grid");
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (rd_test_ctl (t, NULL, &err, "layout", "mosaic", NULL), ==, 1);
  g_assert_nonnull (strstr (err, "auto, room, grid or speaker, not \"mosaic\""));

  shown = rd_test_ctl_json (t, "session", "show", id, NULL);
  kinds = event_kinds (shown);
  g_assert_cmpstr (kinds, ==, "session-started recording-started mute mute unmute layout");
}

/* A citizen's invite is "citizen N", never the person's name: a name given for one is refused,
 * pointing to the book, and is nowhere in the session's record. */
static void
test_citizen_invites (void)
{
  g_autoptr (RdTestDaemon) t = rd_test_daemon_new (NULL);
  g_autoptr (JsonNode) first = NULL;
  g_autoptr (JsonNode) board = NULL;
  g_autoptr (JsonNode) second = NULL;
  g_autoptr (JsonNode) shown = NULL;
  g_autofree char *id = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *text = NULL;
  JsonArray *invites;

  rd_test_daemon_start (t);
  id = start_session (t);
  g_assert_cmpint (rd_test_ctl (t, NULL, &err, "session", "invite", id, "--role", "citizen",
                                "--name", "Nguyễn Văn An", NULL),
                   ==, 1);
  g_assert_nonnull (strstr (err, "a citizen's invite takes no name"));
  g_assert_nonnull (strstr (err, "reception book (registration add, --protect to seal it)"));
  g_assert_nonnull (strstr (err, "(invalid-params)"));
  g_assert_null (strstr (err, "Nguyễn Văn An"));

  g_assert_cmpint (rd_test_ctl (t, &out, NULL, "session", "invite", id, "--role", "citizen", NULL),
                   ==, 0);
  g_assert_nonnull (strstr (out, "role citizen (citizen 1), expires"));
  board = rd_test_ctl_json (t, "session", "invite", id, "--role", "board", "--name",
                            "Ban Tiếp công dân", NULL);
  g_assert_cmpstr (member (board, "name"), ==, "Ban Tiếp công dân");
  second = rd_test_ctl_json (t, "session", "invite", id, "--role", "citizen", NULL);
  g_assert_cmpstr (member (second, "name"), ==, "citizen 2");

  shown = rd_test_ctl_json (t, "session", "show", id, NULL);
  invites = json_object_get_array_member (object (shown), "invites");
  g_assert_cmpuint (json_array_get_length (invites), ==, 3);
  g_assert_cmpstr (
      json_object_get_string_member (json_array_get_object_element (invites, 0), "name"), ==,
      "citizen 1");
  text = json_to_string (shown, FALSE);
  g_assert_null (strstr (text, "Nguyễn"));
}

static void
test_watchdog (void)
{
  g_autoptr (RdTestDaemon) t = rd_test_daemon_new (NULL);
  const char *env[] = { "WATCHDOG_USEC=400000", NULL };

  rd_test_daemon_spawn (t, env);
  rd_test_daemon_wait_notify (t, "READY=1", 1, TIMEOUT_MS);
  rd_test_daemon_wait_notify (t, "WATCHDOG=1", 2, TIMEOUT_MS);
}

/* A state dir made open to all before the first start is restricted to the daemon (and its
 * group, to read), and the ledger in it to the daemon. */
static void
test_state_dir_restricted (void)
{
  g_autoptr (RdTestDaemon) t = rd_test_daemon_new (NULL);
  g_autofree char *ledger = g_build_filename (t->state_dir, "ledger.sqlite", NULL);
  GStatBuf st;

  g_assert_cmpint (g_mkdir (t->state_dir, 0777), ==, 0);
  g_assert_cmpint (g_chmod (t->state_dir, 0777), ==, 0);
  rd_test_daemon_start (t);
  g_assert_cmpint (g_stat (t->state_dir, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0750);
  g_assert_cmpint (g_stat (ledger, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0077, ==, 0);
  rd_test_daemon_signal (t, SIGTERM);
  g_assert_cmpint (rd_test_daemon_wait_exit (t, 30000), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/daemon/ready-and-status", test_ready_and_status);
  g_test_add_func ("/daemon/session-lifecycle", test_session_lifecycle);
  g_test_add_func ("/daemon/sigterm-ends-live-session", test_sigterm_ends_live_session);
  g_test_add_func ("/daemon/crash-is-reconciled", test_crash_is_reconciled);
  g_test_add_func ("/daemon/second-instance-refused", test_second_instance_refused);
  g_test_add_func ("/daemon/bad-config", test_bad_config);
  g_test_add_func ("/daemon/check-config", test_check_config);
  g_test_add_func ("/daemon/check-config/pipeline", test_check_config_pipeline);
  g_test_add_func ("/daemon/check-config/sound", test_check_config_sound);
  g_test_add_func ("/daemon/state-dir-not-writable", test_state_dir_not_writable);
  g_test_add_func ("/daemon/state-dir-restricted", test_state_dir_restricted);
  g_test_add_func ("/daemon/corrupt-ledger-untouched", test_corrupt_ledger_untouched);
  g_test_add_func ("/daemon/reload", test_reload);
  g_test_add_func ("/daemon/watchdog", test_watchdog);
  g_test_add_func ("/daemon/mute-and-layout", test_mute_and_layout);
  g_test_add_func ("/daemon/citizen-invites", test_citizen_invites);
  return g_test_run ();
}
