/* rd-test-janus.c: see rd-test-janus.h. */
#include "tests/rd-test-janus.h"

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#include "tests/rd-test-daemon.h"
#include "tests/rd-test-janus-private.h"

#define JANUS_HTTP_PORT 8088 /* Debian's defaults; the test's namespace has nothing else */
#define JANUS_WS_PORT   8188
#define SWS_PORT        7080
#define READY_TIMEOUT_S 30
/* RD_TEST_JANUS_ICE_IP's interface (see rd-test-janus.h) */
#define JANUS_IFACE      "rdjanus0"
#define JANUS_IFACE_PEER "rdjanus1"

static const char janus_plugins_dir[] = "/usr/lib/x86_64-linux-gnu/janus/plugins";
static const char janus_videoroom[] =
    "/usr/lib/x86_64-linux-gnu/janus/plugins/libjanus_videoroom.so";

guint
rd_test_janus_http (const char *method, const char *url, const char *json, guint timeout_s,
                    char **body_out, GError **error)
{
  g_autoptr (SoupSession) session = soup_session_new_with_options ("timeout", timeout_s, NULL);
  g_autoptr (SoupMessage) msg = soup_message_new (method, url);
  g_autoptr (GBytes) body = NULL;

  g_assert_nonnull (msg);
  if (json)
    {
      g_autoptr (GBytes) bytes = g_bytes_new (json, strlen (json));
      soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
    }
  body = soup_session_send_and_read (session, msg, NULL, error);
  if (!body)
    return 0;
  if (body_out)
    *body_out = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  return soup_message_get_status (msg);
}

static char *
tail (const char *path, gsize max)
{
  g_autofree char *text = NULL;
  gsize len = 0;

  if (!g_file_get_contents (path, &text, &len, NULL))
    return g_strdup ("(no log)");
  return g_strdup (len > max ? text + len - max : text);
}

char *
rd_test_janus_logs (RdTestJanus *j)
{
  g_autofree char *janus_log = g_build_filename (j->dir, "janus.log", NULL);
  g_autofree char *sws_log = g_build_filename (j->dir, "whip-server.log", NULL);
  g_autofree char *a = tail (janus_log, 3000);
  g_autofree char *b = tail (sws_log, 2000);

  return g_strdup_printf ("\n--- janus.log (tail)%s:\n%s\n--- whip-server.log (tail)%s:\n%s",
                          j->janus_exited ? ", Janus has EXITED" : "", a,
                          j->sws_exited ? ", simple-whip-server has EXITED" : "", b);
}

static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static void
on_exited (GObject *source, GAsyncResult *res, gpointer data)
{
  if (g_subprocess_wait_finish (G_SUBPROCESS (source), res, NULL))
    *(gboolean *)data = TRUE;
}

static GSubprocess *
spawn (const char *log, const char *cwd, const char *const *env, gboolean *exited,
       const char *const *argv)
{
  g_autoptr (GSubprocessLauncher) launcher =
      g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autoptr (GError) error = NULL;
  GSubprocess *proc;

  g_subprocess_launcher_set_stdout_file_path (launcher, log);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  if (cwd)
    g_subprocess_launcher_set_cwd (launcher, cwd);
  for (const char *const *e = env; e && *e; e += 2)
    g_subprocess_launcher_setenv (launcher, e[0], e[1], TRUE);
  proc = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  g_subprocess_wait_async (proc, NULL, on_exited, exited);
  return proc;
}

/* Replaces the first @what in @text by @by; fails the test when it is not there (a Janus whose
 * shipped configuration changed). */
static char *
edit (const char *file, char *text, const char *what, const char *by)
{
  char *at = strstr (text, what);
  GString *s;

  if (!at)
    g_error ("%s: \"%s\" not found: Janus's shipped configuration is not what this harness "
             "knows",
             file, what);
  s = g_string_new_len (text, at - text);
  g_string_append (s, by);
  g_string_append (s, at + strlen (what));
  g_free (text);
  return g_string_free (s, FALSE);
}

static void
edit_file (const char *dir, const char *name, const char *const *pairs)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  char *text = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  for (const char *const *p = pairs; *p; p += 2)
    text = edit (path, text, p[0], p[1]);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  g_free (text);
}

/* Copies /etc/janus into @dir and narrows it to what the tests need. */
static void
write_janus_config (const char *dir)
{
  g_autoptr (GDir) etc = g_dir_open ("/etc/janus", 0, NULL);
  g_autoptr (GString) disabled = g_string_new (NULL);
  g_autoptr (GDir) plugins = g_dir_open (janus_plugins_dir, 0, NULL);
  g_autofree char *plugins_line = NULL;
  g_autofree char *http_port = g_strdup_printf ("port = %d", JANUS_HTTP_PORT);
  g_autofree char *ws_port = g_strdup_printf ("ws_port = %d", JANUS_WS_PORT);
  const char *name;

  g_assert_nonnull (etc);
  while ((name = g_dir_read_name (etc)))
    {
      g_autofree char *from = g_build_filename ("/etc/janus", name, NULL);
      g_autofree char *to = g_build_filename (dir, name, NULL);
      g_autofree char *text = NULL;
      gsize len;
      if (g_file_get_contents (from, &text, &len, NULL))
        g_assert_true (g_file_set_contents (to, text, len, NULL));
    }
  /* Every plugin but the VideoRoom is left out: less to load, nothing else listening. */
  while (plugins && (name = g_dir_read_name (plugins)))
    if (g_str_has_suffix (name, ".so") && !g_str_equal (name, "libjanus_videoroom.so"))
      g_string_append_printf (disabled, "%s%s", disabled->len ? "," : "", name);
  plugins_line = g_strdup_printf ("plugins: {\n\tdisable = \"%s\"", disabled->str);
  {
    const char *const janus[] = {
      /* ICE on our veth end only */
      "nat: {", "nat: {\n\tice_enforce_list = \"" JANUS_IFACE "\"", "plugins: {", plugins_line,
      /* the WebSocket transport (simple-whip-server) and HTTP (the test's queries) only */
      "transports: {",
      "transports: {\n\tdisable = \"libjanus_mqtt.so,libjanus_nanomsg.so,libjanus_pfunix.so,"
      "libjanus_rabbitmq.so\"",
      NULL
    };
    const char *const http[] = { "\t#ip = \"192.168.0.1\"", "\tip = \"127.0.0.1\"", "port = 8088",
                                 http_port, NULL };
    const char *const ws[] = { "\t#ws_ip = \"192.168.0.1\"", "\tws_ip = \"127.0.0.1\"",
                               "ws_port = 8188", ws_port, NULL };
    edit_file (dir, "janus.jcfg", janus);
    edit_file (dir, "janus.transport.http.jcfg", http);
    edit_file (dir, "janus.transport.websockets.jcfg", ws);
  }
}

static gboolean
on_tick (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* Polls @url (GET) until it answers 200, while both processes live; fails the test with the
 * logs after READY_TIMEOUT_S. */
static void
wait_http_ok (RdTestJanus *j, const char *what, const char *url)
{
  gint64 end = g_get_monotonic_time () + READY_TIMEOUT_S * G_TIME_SPAN_SECOND;
  g_autofree char *last = g_strdup ("no attempt");

  for (;;)
    {
      g_autoptr (GError) error = NULL;
      guint status = rd_test_janus_http ("GET", url, NULL, 1, NULL, &error);
      gint64 next = g_get_monotonic_time () + 100 * G_TIME_SPAN_MILLISECOND;
      guint tick;

      if (status == 200)
        return;
      g_free (last);
      last = status ? g_strdup_printf ("HTTP %u", status) : g_strdup (error->message);
      /* take in the exit notifications, wait a little before the next try */
      tick = g_timeout_add (10, on_tick, NULL);
      while (g_get_monotonic_time () < next)
        g_main_context_iteration (NULL, TRUE);
      g_source_remove (tick);
      if (j->janus_exited || j->sws_exited || g_get_monotonic_time () > end)
        {
          g_autofree char *logs = rd_test_janus_logs (j);
          g_error ("%s (%s) not ready after %d s; last answer: %s%s", what, url, READY_TIMEOUT_S,
                   last, logs);
        }
    }
}

/* Runs ip ARGS...; FALSE with *why naming the command and its error. */
static gboolean
ip (char **why, ...)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *err = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *cmd = NULL;
  int status = 0;
  const char *a;
  va_list ap;

  g_ptr_array_add (argv, "ip");
  va_start (ap, why);
  while ((a = va_arg (ap, const char *)))
    g_ptr_array_add (argv, (gpointer)a);
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  if (g_spawn_sync (NULL, (char **)argv->pdata, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, &err,
                    &status, &error) &&
      g_spawn_check_wait_status (status, NULL))
    return TRUE;
  cmd = g_strjoinv (" ", (char **)argv->pdata);
  *why = g_strdup_printf ("cannot give Janus an interface: %s: %s", cmd,
                          error ? error->message : g_strstrip (err));
  return FALSE;
}

RdTestJanus *
rd_test_janus_up (char **why)
{
  return rd_test_janus_up_strict (FALSE, why);
}

RdTestJanus *
rd_test_janus_up_strict (gboolean strict_etags, char **why)
{
  g_autofree char *janus = g_find_program_in_path ("janus");
  g_autofree char *node = g_find_program_in_path ("node");
  g_autofree char *server = g_build_filename (RD_TEST_SWS_DIR, "src", "server.js", NULL);
  g_autofree char *express = g_build_filename (RD_TEST_SWS_DIR, "node_modules", "express", NULL);
  g_autoptr (GError) error = NULL;
  RdTestJanus *j;

  if (!janus || !g_file_test ("/etc/janus/janus.jcfg", G_FILE_TEST_EXISTS) ||
      !g_file_test (janus_videoroom, G_FILE_TEST_EXISTS))
    {
      *why = g_strdup ("Janus is not installed (Debian package janus: scripts/install-deps.sh)");
      return NULL;
    }
  if (!node)
    {
      *why = g_strdup ("node is not installed (scripts/install-deps.sh)");
      return NULL;
    }
  if (!g_file_test (server, G_FILE_TEST_EXISTS) || !g_file_test (express, G_FILE_TEST_IS_DIR))
    {
      *why = g_strdup_printf ("simple-whip-server is not unpacked in %s with its Node modules "
                              "(scripts/install-deps.sh does it)",
                              RD_TEST_SWS_DIR);
      return NULL;
    }

  /* a pair left by an earlier test of this process that failed before its teardown */
  if (!ip (why, "link", "del", JANUS_IFACE, NULL)) /* none: the usual case */
    g_clear_pointer (why, g_free);
  if (!ip (why, "link", "add", JANUS_IFACE, "type", "veth", "peer", "name", JANUS_IFACE_PEER,
           NULL) ||
      !ip (why, "addr", "add", RD_TEST_JANUS_ICE_IP "/32", "dev", JANUS_IFACE, NULL) ||
      !ip (why, "link", "set", JANUS_IFACE, "up", NULL) ||
      !ip (why, "link", "set", JANUS_IFACE_PEER, "up", NULL))
    return NULL;

  j = g_new0 (RdTestJanus, 1);
  j->dir = g_dir_make_tmp ("rd-test-janus-XXXXXX", &error);
  g_assert_no_error (error);
  j->whip_base = g_strdup_printf ("http://127.0.0.1:%d/whip", SWS_PORT);
  j->janus_api = g_strdup_printf ("http://127.0.0.1:%d/janus", JANUS_HTTP_PORT);
  write_janus_config (j->dir);
  {
    g_autofree char *config = g_build_filename (j->dir, "janus.jcfg", NULL);
    g_autofree char *log = g_build_filename (j->dir, "janus.log", NULL);
    g_autofree char *info = g_strdup_printf ("%s/info", j->janus_api);
    const char *const argv[] = { janus, "-F", j->dir, "-C", config, "--debug-level=4", NULL };
    j->janus = spawn (log, NULL, NULL, &j->janus_exited, argv);
    wait_http_ok (j, "Janus's HTTP API", info);
  }
  {
    g_autofree char *log = g_build_filename (j->dir, "whip-server.log", NULL);
    g_autofree char *src = g_build_filename (RD_TEST_SWS_DIR, "src", NULL);
    g_autofree char *ws = g_strdup_printf ("ws://127.0.0.1:%d", JANUS_WS_PORT);
    g_autofree char *port = g_strdup_printf ("%d", SWS_PORT);
    g_autofree char *health = g_strdup_printf ("%s/healthcheck", j->whip_base);
    const char *const env[] = { "RD_SWS_JANUS",
                                ws,
                                "RD_SWS_PORT",
                                port,
                                "RD_SWS_STRICT_ETAGS",
                                strict_etags ? "1" : "0",
                                "DEBUG",
                                "whip:info,whip:warn,whip:error,janus:error",
                                NULL };
    const char *const argv[] = { node, "server.js", NULL };
    j->sws = spawn (log, src, env, &j->sws_exited, argv);
    /* its REST API only listens once it is connected to Janus */
    wait_http_ok (j, "simple-whip-server", health);
  }
  return j;
}

static void
stop (GSubprocess *proc, gboolean *exited)
{
  if (!proc)
    return;
  if (!*exited)
    {
      g_subprocess_force_exit (proc);
      g_subprocess_wait (proc, NULL, NULL);
      /* let the async wait's callback run (it points at @exited) */
      while (!*exited && g_main_context_iteration (NULL, TRUE))
        ;
    }
  g_object_unref (proc);
}

void
rd_test_janus_free (RdTestJanus *j)
{
  if (!j)
    return;
  stop (j->sws, &j->sws_exited);
  stop (j->janus, &j->janus_exited);
  {
    g_autofree char *why = NULL;
    if (!ip (&why, "link", "del", JANUS_IFACE, NULL)) /* its peer goes with it */
      g_printerr ("# %s\n", why);
  }
  if (g_getenv ("RD_TEST_KEEP"))
    g_printerr ("# RD_TEST_KEEP: kept %s (janus.log, whip-server.log)\n", j->dir);
  else
    rd_test_rmtree (j->dir);
  g_free (j->dir);
  g_free (j->whip_base);
  g_free (j->janus_api);
  g_free (j);
}

char *
rd_test_janus_create_endpoint (RdTestJanus *j, const char *id, const char *token, const char *label)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *json = NULL;
  g_autofree char *url = g_strdup_printf ("%s/create", j->whip_base);
  g_autofree char *body = NULL;
  g_autoptr (GError) error = NULL;
  guint status;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "id");
  json_builder_add_string_value (b, id);
  json_builder_set_member_name (b, "room");
  json_builder_add_int_value (b, RD_TEST_JANUS_ROOM);
  json_builder_set_member_name (b, "secret");
  json_builder_add_string_value (b, "adminpwd");
  json_builder_set_member_name (b, "token");
  json_builder_add_string_value (b, token);
  json_builder_set_member_name (b, "label");
  json_builder_add_string_value (b, label);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json = json_to_string (root, FALSE);
  status = rd_test_janus_http ("POST", url, json, 10, &body, &error);
  if (status != 200)
    {
      g_autofree char *logs = rd_test_janus_logs (j);
      g_error ("POST %s %s: %u %s%s", url, json, status, status ? body : error->message, logs);
    }
  return g_strdup_printf ("%s/endpoint/%s", j->whip_base, id);
}

JsonObject *
rd_test_janus_request (RdTestJanus *j, const char *path, const char *json, const char *expect,
                       JsonNode **keep)
{
  g_autofree char *url = g_strdup_printf ("%s%s", j->janus_api, path);
  g_autofree char *body = NULL;
  g_autoptr (GError) error = NULL;
  guint status = rd_test_janus_http ("POST", url, json, 10, &body, &error);
  JsonObject *o;

  if (status != 200)
    {
      g_autofree char *logs = rd_test_janus_logs (j);
      g_error ("Janus API POST %s %s: %u %s%s", url, json, status, status ? body : error->message,
               logs);
    }
  *keep = json_from_string (body, &error);
  if (!*keep || !JSON_NODE_HOLDS_OBJECT (*keep))
    g_error ("Janus API POST %s: not a JSON object: %s", url, body);
  o = json_node_get_object (*keep);
  if (!g_str_equal (json_object_get_string_member_with_default (o, "janus", ""), expect))
    g_error ("Janus API POST %s %s: %s", url, json, body);
  return o;
}

GStrv
rd_test_janus_publishers (RdTestJanus *j, guint room)
{
  g_autoptr (JsonNode) created = NULL;
  g_autoptr (JsonNode) attached = NULL;
  g_autoptr (JsonNode) listed = NULL;
  g_autoptr (JsonNode) destroyed = NULL;
  g_autoptr (GStrvBuilder) names = g_strv_builder_new ();
  g_autofree char *session_path = NULL;
  g_autofree char *handle_path = NULL;
  g_autofree char *list = NULL;
  JsonObject *o, *data;
  JsonArray *parts;
  gint64 session, handle;

  o = rd_test_janus_request (j, "", "{\"janus\":\"create\",\"transaction\":\"rd1\"}", "success",
                             &created);
  session = json_object_get_int_member (json_object_get_object_member (o, "data"), "id");
  session_path = g_strdup_printf ("/%" G_GINT64_FORMAT, session);
  o = rd_test_janus_request (j, session_path,
                             "{\"janus\":\"attach\",\"plugin\":\"janus.plugin.videoroom\","
                             "\"transaction\":\"rd2\"}",
                             "success", &attached);
  handle = json_object_get_int_member (json_object_get_object_member (o, "data"), "id");
  handle_path = g_strdup_printf ("%s/%" G_GINT64_FORMAT, session_path, handle);
  list = g_strdup_printf ("{\"janus\":\"message\",\"transaction\":\"rd3\",\"body\":"
                          "{\"request\":\"listparticipants\",\"room\":%u}}",
                          room);
  o = rd_test_janus_request (j, handle_path, list, "success", &listed);
  data = json_object_get_object_member (json_object_get_object_member (o, "plugindata"), "data");
  if (!json_object_has_member (data, "participants"))
    {
      g_autofree char *text = json_to_string (listed, FALSE);
      g_error ("Janus: listparticipants of room %u: %s", room, text);
    }
  parts = json_object_get_array_member (data, "participants");
  for (guint i = 0; i < json_array_get_length (parts); i++)
    {
      JsonObject *p = json_array_get_object_element (parts, i);
      if (json_object_get_boolean_member_with_default (p, "publisher", FALSE))
        g_strv_builder_add (names,
                            json_object_get_string_member_with_default (p, "display", "(none)"));
    }
  rd_test_janus_request (j, session_path, "{\"janus\":\"destroy\",\"transaction\":\"rd4\"}",
                         "success", &destroyed);
  return g_strv_builder_end (names);
}

void
rd_test_janus_wait_publishers (RdTestJanus *j, guint room, const char *const *displays,
                               guint timeout_ms)
{
  gint64 end = g_get_monotonic_time () + (gint64)timeout_ms * G_TIME_SPAN_MILLISECOND;
  g_auto (GStrv) seen = NULL;

  for (;;)
    {
      gint64 next = g_get_monotonic_time () + 200 * G_TIME_SPAN_MILLISECOND;
      guint tick;

      g_strfreev (seen);
      seen = rd_test_janus_publishers (j, room);
      if (g_strv_equal ((const char *const *)seen, displays))
        return;
      if (g_get_monotonic_time () > end)
        {
          g_autofree char *want = g_strjoinv ("\", \"", (char **)displays);
          g_autofree char *got = g_strjoinv ("\", \"", seen);
          g_autofree char *logs = rd_test_janus_logs (j);
          g_error ("waited %u ms for the publishers of Janus room %u to be [\"%s\"]; they are "
                   "[\"%s\"]%s",
                   timeout_ms, room, want, got, logs);
        }
      /* the main context runs meanwhile (the daemon's notifications, exits) */
      tick = g_timeout_add (10, on_tick, NULL);
      while (g_get_monotonic_time () < next)
        g_main_context_iteration (NULL, TRUE);
      g_source_remove (tick);
    }
}

void
rd_test_janus_set_link (RdTestJanus *j, gboolean up)
{
  g_autofree char *why = NULL;

  if (!ip (&why, "link", "set", JANUS_IFACE, up ? "up" : "down", NULL))
    g_error ("%s", why);
  g_test_message ("Janus's interface %s", up ? "up" : "down");
}
