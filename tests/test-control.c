/* test-control.c: the control socket against bad clients (malformed, oversized, unknown,
 * silent, pipelined), and receptionctl's usage errors and exit codes. */
#include <gio/gunixsocketaddress.h>
#include <string.h>
#include <sys/stat.h>

#include "proto/rd-proto.h"
#include "tests/rd-test-daemon.h"

static GSocketConnection *
connect_raw (RdTestDaemon *t)
{
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GSocketAddress) addr = g_unix_socket_address_new (t->socket_path);
  g_autoptr (GError) error = NULL;
  GSocketConnection *conn;

  g_socket_client_set_timeout (client, 30);
  conn = g_socket_client_connect (client, G_SOCKET_CONNECTABLE (addr), NULL, &error);
  g_assert_no_error (error);
  return conn;
}

static void
send_raw (GSocketConnection *conn, const char *data, gsize len)
{
  g_autoptr (GError) error = NULL;
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (conn)), data, len, NULL,
                             NULL, &error);
  g_assert_no_error (error);
}

/* Reads one reply line and returns it parsed, or NULL when the daemon closed the connection.
 * The line reader is kept on the connection: it may have buffered the next reply already. */
static JsonNode *
read_reply (GSocketConnection *conn)
{
  GDataInputStream *in = g_object_get_data (G_OBJECT (conn), "rd-test-reader");
  g_autoptr (GError) error = NULL;
  g_autofree char *line = NULL;
  gsize len;

  if (!in)
    {
      in = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (conn)));
      g_filter_input_stream_set_close_base_stream (G_FILTER_INPUT_STREAM (in), FALSE);
      g_object_set_data_full (G_OBJECT (conn), "rd-test-reader", in, g_object_unref);
    }
  line = g_data_input_stream_read_line (in, &len, NULL, &error);
  g_assert_no_error (error);
  if (!line)
    return NULL;
  g_test_message ("reply: %s", line);
  return rd_proto_decode (line, len, &error);
}

static void
assert_error_reply (JsonNode *reply, const char *code, const char *words)
{
  JsonObject *o, *e;

  g_assert_nonnull (reply);
  o = json_node_get_object (reply);
  g_assert_false (json_object_get_boolean_member (o, "ok"));
  e = json_object_get_object_member (o, "error");
  g_assert_cmpstr (json_object_get_string_member (e, "code"), ==, code);
  g_assert_nonnull (strstr (json_object_get_string_member (e, "message"), words));
}

static void
test_bad_requests (void)
{
  g_autoptr (RdTestDaemon) t = rd_test_daemon_new (NULL);
  g_autoptr (GSocketConnection) conn = NULL;
  static const struct
  {
    const char *line, *code, *words;
  } cases[] = {
    { "this is not json\n", RD_PROTO_CODE_BAD_REQUEST, "not JSON" },
    { "[1, 2]\n", RD_PROTO_CODE_BAD_REQUEST, "not a JSON object" },
    { "{\"params\": {}}\n", RD_PROTO_CODE_BAD_REQUEST, "no \"method\"" },
    { "{\"method\": \"status\", \"params\": 3}\n", RD_PROTO_CODE_BAD_REQUEST, "\"params\"" },
    { "{\"method\": \"reboot\"}\n", RD_PROTO_CODE_UNKNOWN_METHOD, "reboot" },
    { "{\"method\": \"session.show\"}\n", RD_PROTO_CODE_INVALID_PARAMS, "\"id\"" },
    { "{\"method\": \"session.end\", \"params\": {\"id\": 7}}\n", RD_PROTO_CODE_INVALID_PARAMS,
      "\"id\" must be a string" },
    { "\xff\xfe\n", RD_PROTO_CODE_BAD_REQUEST, "UTF-8" },
    /* json-glib would keep "A" of "A\u0000B" without a word */
    { "{\"method\": \"session.start\", \"params\": {\"title\": \"A\\u0000B\"}}\n",
      RD_PROTO_CODE_BAD_REQUEST, "NUL character" },
  };

  rd_test_daemon_start (t);
  conn = connect_raw (t);
  /* Every bad request gets its own clear answer, and the connection stays usable. */
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (JsonNode) reply = NULL;
      send_raw (conn, cases[i].line, strlen (cases[i].line));
      reply = read_reply (conn);
      assert_error_reply (reply, cases[i].code, cases[i].words);
    }
}

static void
test_pipelined_requests (void)
{
  g_autoptr (RdTestDaemon) t = rd_test_daemon_new (NULL);
  g_autoptr (GSocketConnection) conn = NULL;
  g_autoptr (JsonNode) first = NULL;
  g_autoptr (JsonNode) second = NULL;
  const char two[] = "{\"method\":\"session.start\",\"params\":{\"title\":\"A\"}}\n"
                     "{\"method\":\"session.list\"}\n";
  JsonObject *started;
  JsonArray *list;

  rd_test_daemon_start (t);
  conn = connect_raw (t);
  send_raw (conn, two, strlen (two));
  first = read_reply (conn);
  second = read_reply (conn);
  g_assert_nonnull (first);
  g_assert_nonnull (second);
  /* Answered one at a time, in order: the list already holds the session just started. */
  started = json_object_get_object_member (json_node_get_object (first), "result");
  list = json_object_get_array_member (json_node_get_object (second), "result");
  g_assert_cmpuint (json_array_get_length (list), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (list, 0), "id"),
                   ==, json_object_get_string_member (started, "id"));
}

static void
test_oversized_request (void)
{
  g_autoptr (RdTestDaemon) t = rd_test_daemon_new (NULL);
  g_autoptr (GSocketConnection) conn = NULL;
  g_autoptr (JsonNode) reply = NULL;
  g_autoptr (JsonNode) after = NULL;
  g_autoptr (JsonNode) status = NULL;
  gsize size = RD_PROTO_MAX_REQUEST + 4096;
  g_autofree char *big = g_malloc (size);

  rd_test_daemon_start (t);
  conn = connect_raw (t);
  memset (big, 'x', size);
  send_raw (conn, big, size);
  reply = read_reply (conn);
  assert_error_reply (reply, RD_PROTO_CODE_TOO_LARGE, "larger than 65536 bytes");
  after = read_reply (conn); /* then the daemon hangs up */
  g_assert_null (after);
  status = rd_test_ctl_json (t, "status", NULL);
  g_assert_nonnull (status);
}

static void
test_silent_client (void)
{
  g_autoptr (RdTestDaemon) t = rd_test_daemon_new (NULL);
  g_autoptr (GSocketConnection) silent = NULL;
  g_autoptr (GSocketConnection) half = NULL;
  g_autoptr (JsonNode) status = NULL;
  g_autoptr (JsonNode) reply = NULL;
  g_autoptr (JsonNode) half_reply = NULL;
  gint64 start;

  rd_test_daemon_start (t);
  silent = connect_raw (t);
  half = connect_raw (t);
  send_raw (half, "{\"method\": \"sta", 15);
  /* While two clients hold connections without finishing a request, others are served. */
  start = g_get_monotonic_time ();
  status = rd_test_ctl_json (t, "status", NULL);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);
  /* Each is told why and disconnected after the idle timeout. */
  reply = read_reply (silent);
  assert_error_reply (reply, RD_PROTO_CODE_TIMEOUT, "no complete request");
  half_reply = read_reply (half);
  assert_error_reply (half_reply, RD_PROTO_CODE_TIMEOUT, "no complete request");
}

static void
test_socket_mode (void)
{
  g_autoptr (RdTestDaemon) t = rd_test_daemon_new (NULL);
  struct stat st;

  rd_test_daemon_start (t);
  g_assert_cmpint (stat (t->socket_path, &st), ==, 0);
  g_assert_true (S_ISSOCK (st.st_mode));
  g_assert_cmpint (st.st_mode & 0777, ==, 0660);
}

static void
test_console_usage (void)
{
  g_autoptr (RdTestDaemon) t = rd_test_daemon_new (NULL);
  g_autofree char *err = NULL;
  const char *const *const usage_cases[] = {
    (const char *const[]){ NULL },
    (const char *const[]){ "frobnicate", NULL },
    (const char *const[]){ "session", NULL },
    (const char *const[]){ "session", "end", NULL },
    (const char *const[]){ "session", "show", "a", "b", NULL },
    (const char *const[]){ "session", "start", "--title", NULL },
    (const char *const[]){ "status", "extra", NULL },
    (const char *const[]){ "--socket", NULL },
    (const char *const[]){ "--bogus", "status", NULL },
    (const char *const[]){ "--timeout", "0", "status", NULL },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (usage_cases); i++)
    {
      g_clear_pointer (&err, g_free);
      g_assert_cmpint (rd_test_run ("receptionctl", NULL, &err, usage_cases[i]), ==, 64);
      g_assert_nonnull (strstr (err, "usage: receptionctl"));
    }

  /* No daemon at the socket: 69 (EX_UNAVAILABLE), naming the socket. */
  {
    const char *argv[] = { "--socket", t->socket_path, "status", NULL };
    g_clear_pointer (&err, g_free);
    g_assert_cmpint (rd_test_run ("receptionctl", NULL, &err, argv), ==, 69);
    g_assert_nonnull (strstr (err, t->socket_path));
  }
  /* Without --socket, the socket comes from the config file the daemon reads. */
  {
    g_autoptr (JsonNode) status = NULL;
    g_autofree char *out = NULL;
    const char *argv[] = { "--config", t->config_path, "--json", "status", NULL };
    rd_test_daemon_start (t);
    g_assert_cmpint (rd_test_run ("receptionctl", &out, NULL, argv), ==, 0);
    status = json_from_string (out, NULL);
    g_assert_nonnull (status);
    g_assert_cmpstr (json_object_get_string_member (json_node_get_object (status), "state"), ==,
                     "idle");
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/control/bad-requests", test_bad_requests);
  g_test_add_func ("/control/pipelined-requests", test_pipelined_requests);
  g_test_add_func ("/control/oversized-request", test_oversized_request);
  g_test_add_func ("/control/silent-client", test_silent_client);
  g_test_add_func ("/control/socket-mode", test_socket_mode);
  g_test_add_func ("/console/usage", test_console_usage);
  return g_test_run ();
}
