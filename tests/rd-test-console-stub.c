/* rd-test-console-stub.c: the web console served by a test (see rd-test-console-stub.h). */
#include "tests/rd-test-console-stub.h"

#include <string.h>

#include "signaling/rd-signal-console-assets.h"
#include "signaling/rd-signal-console.h"

#define PASSWORD     "mat-khau-dung"
#define MAX_FAILURES 3
#define SESSION_ID   "20261207-a1b2c3"
#define JOIN_URL                                                                                   \
  "https://192.0.2.10:8443/join/" SESSION_ID "#token=q7Yx0Lm2Vb9Kd4Ws1Rt8Hn6Jp3Zc5Fg0Ae7Uo2Ix4Ny&" \
  "name=Nguy%E1%BB%85n%20V%C4%83n%20An"

static const char *
role_of (const char *name)
{
  if (g_strcmp0 (name, "kythuat") == 0)
    return "technician";
  if (g_strcmp0 (name, "canbo") == 0)
    return "officer";
  if (g_strcmp0 (name, "giamsat") == 0)
    return "supervisor";
  return NULL;
}

static void
reply_json (SoupServerMessage *msg, guint status, const char *json)
{
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, json, strlen (json));
  soup_server_message_set_status (msg, status, NULL);
}

static void
reply_error (SoupServerMessage *msg, guint status, const char *code, const char *message)
{
  g_autofree char *json =
      g_strdup_printf ("{\"error\":{\"code\":\"%s\",\"message\":\"%s\"}}", code, message);
  reply_json (msg, status, json);
}

/* The logged-in name of the request's cookie, or NULL. */
static char *
cookie_name (SoupServerMessage *msg)
{
  const char *header =
      soup_message_headers_get_one (soup_server_message_get_request_headers (msg), "Cookie");
  GHashTable *pairs = header ? soup_header_parse_semi_param_list (header) : NULL;
  const char *value = pairs ? g_hash_table_lookup (pairs, RD_SIGNAL_CONSOLE_COOKIE) : NULL;
  char *name = role_of (value) ? g_strdup (value) : NULL;

  if (pairs)
    soup_header_free_param_list (pairs);
  return name;
}

static char *
me_json (const char *name)
{
  return g_strdup_printf ("{\"name\":\"%s\",\"role\":\"%s\",\"csrf\":\"csrf-%s\"}", name,
                          role_of (name), name);
}

static JsonObject *
body_object (SoupServerMessage *msg, JsonParser *parser)
{
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  g_autoptr (GBytes) bytes = soup_message_body_flatten (body);
  gsize size = 0;
  const char *data = g_bytes_get_data (bytes, &size);

  if (!size || !json_parser_load_from_data (parser, data, size, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return NULL;
  return json_node_get_object (json_parser_get_root (parser));
}

static void
handle_login (RdTestConsole *stub, SoupServerMessage *msg, JsonObject *body)
{
  const char *name = body ? json_object_get_string_member_with_default (body, "name", "") : "";
  const char *password =
      body ? json_object_get_string_member_with_default (body, "password", "") : "";
  guint failures = GPOINTER_TO_UINT (g_hash_table_lookup (stub->failures, name));
  g_autofree char *cookie = NULL;
  g_autofree char *me = NULL;

  if (failures >= MAX_FAILURES)
    {
      reply_error (msg, 429, "locked-out", "Thử lại sau 15 phút.");
      return;
    }
  if (!role_of (name) || !g_str_equal (password, PASSWORD))
    {
      g_hash_table_insert (stub->failures, g_strdup (name), GUINT_TO_POINTER (failures + 1));
      reply_error (msg, 401, "login-failed", "wrong name or password");
      return;
    }
  g_hash_table_remove (stub->failures, name);
  cookie = g_strdup_printf ("%s=%s; HttpOnly; SameSite=Strict; Path=/console/",
                            RD_SIGNAL_CONSOLE_COOKIE, name);
  soup_message_headers_append (soup_server_message_get_response_headers (msg), "Set-Cookie",
                               cookie);
  me = me_json (name);
  reply_json (msg, 200, me);
}

char *
rd_test_console_status (RdTestConsole *stub)
{
  g_autoptr (GString) s = g_string_new (NULL);
  g_autofree char *recording =
      !stub->live_session ? g_strdup ("{\"state\":\"idle\"}")
      : stub->rec_reason
          ? g_strdup_printf ("{\"state\":\"%s\",\"session\":\"%s\",\"elapsed_s\":61,"
                             "\"reason\":\"%s\"}",
                             stub->rec_state, stub->live_session, stub->rec_reason)
          : g_strdup_printf ("{\"state\":\"%s\",\"session\":\"%s\",\"elapsed_s\":61}",
                             stub->rec_state, stub->live_session);

  g_string_append_printf (
      s,
      "{\"version\":\"test\",\"room\":\"Phòng tiếp dân phường Bến Nghé\",\"state\":\"%s\","
      "\"status\":\"%s\",\"uptime_s\":3725,\"timezone\":\"Asia/Ho_Chi_Minh\","
      "\"disk\":{\"path\":\"/var/lib/receptiond\",\"free_bytes\":412000000000,"
      "\"total_bytes\":500000000000},\"memory\":{\"rss_kb\":81000,\"heap_in_use_kb\":38000},"
      "\"devices\":[{\"role\":\"camera\",\"setting\":\"auto\",\"element\":\"v4l2src\","
      "\"available\":true,\"detail\":\"/dev/video0\"},{\"role\":\"microphone\",\"setting\":"
      "\"auto\",\"element\":\"alsasrc\",\"available\":true,\"detail\":\"hw:1\"}],"
      "\"muted\":{\"mic\":false,\"camera\":false},\"sound\":{\"processing\":true,"
      "\"echo_cancel\":true,\"noise_suppression\":\"moderate\",\"gain_control\":false,"
      "\"echo_delay_ms\":60,\"mic_level_dbfs\":-18.2},\"layout\":{\"layout\":\"auto\",\"shown\":"
      "\"room\"},\"recording\":%s,\"sessions\":[",
      stub->live_session ? "live" : "idle", stub->live_session ? "live, recording" : "idle",
      recording);
  if (stub->live_session)
    g_string_append_printf (s,
                            "{\"id\":\"%s\",\"title\":\"Tiếp công dân định kỳ\",\"state\":"
                            "\"live\",\"started_at\":\"2026-12-07T01:30:00Z\"}",
                            stub->live_session);
  g_string_append (
      s, "],\"scheduled\":[{\"id\":\"20261210-0c0c0c\",\"title\":\"Đối thoại khiếu nại đất đai\","
         "\"scheduled_for\":\"2026-12-10T08:30:00+07:00\",\"late\":1,\"timing\":{\"duties\":["
         "{\"duty\":\"notify-citizen\",\"what\":\"Báo công dân\",\"by\":\"2026-12-03\","
         "\"state\":\"late\"},{\"duty\":\"test-link\",\"what\":\"Thử đường truyền\",\"by\":"
         "\"2026-12-09\",\"state\":\"upcoming\"}]}}],\"parties\":[");
  for (guint i = 0; i < stub->parties; i++)
    g_string_append_printf (
        s,
        "%s{\"peer_id\":\"p%u\",\"session_id\":\"%s\",\"role\":\"citizen\",\"name\":\"Nguyễn "
        "Văn An\",\"remote_address\":\"10.0.0.%u\",\"via\":\"whip\",\"state\":\"connected\","
        "\"bytes_received\":1200000,\"bytes_sent\":1300000,\"packets_received\":2000,"
        "\"packets_lost\":3,\"remote_packets_lost\":1,\"bitrate_in_kbps\":812,"
        "\"bitrate_out_kbps\":905,\"rtt_ms\":24,\"candidate_pair\":\"host\","
        "\"stats_age_ms\":400,\"level_dbfs\":-127.0}",
        i ? "," : "", i, stub->live_session ? stub->live_session : "", i + 2);
  g_string_append (s, "],\"links\":[],\"restart_needed\":[]}");
  return g_string_free (g_steal_pointer (&s), FALSE);
}

void
rd_test_console_push (RdTestConsole *stub)
{
  g_autofree char *json = rd_test_console_status (stub);
  rd_signal_console_events_push (stub->events, json);
}

static gboolean
allowed (const char *role, const char *method)
{
  static const char *const any[] = { "status", "session.list", "session.show", NULL };
  static const char *const book[] = { "registration.",    "reception.", "conclusion.",
                                      "followup.",        "book.",      "report",
                                      "session.schedule", NULL };

  if (g_str_equal (role, "supervisor") || g_strv_contains (any, method))
    return TRUE;
  for (const char *const *b = book; *b; b++)
    if (g_str_has_prefix (method, *b))
      return g_str_equal (role, "officer");
  return g_str_equal (role, "technician");
}

static void
stub_set_identity (RdTestConsole *stub, gint64 id, const char *name)
{
  g_hash_table_insert (stub->identities, GINT_TO_POINTER ((int)id), g_strdup (name));
}

/* The answer of @method, or NULL for an unknown one. (transfer full) */
static char *
call_method (RdTestConsole *stub, const char *method, JsonObject *params)
{
  if (g_str_equal (method, "status"))
    return rd_test_console_status (stub);
  if (g_str_equal (method, "session.start"))
    {
      g_free (stub->live_session);
      stub->live_session = g_strdup (SESSION_ID);
      g_free (stub->rec_state);
      stub->rec_state = g_strdup ("recording");
      rd_test_console_push (stub);
      return g_strdup ("{\"id\":\"" SESSION_ID "\"}");
    }
  if (g_str_equal (method, "session.end"))
    {
      g_clear_pointer (&stub->live_session, g_free);
      stub->parties = 0;
      rd_test_console_push (stub);
      return g_strdup ("{\"id\":\"" SESSION_ID "\",\"state\":\"ended\"}");
    }
  if (g_str_equal (method, "session.invite"))
    return g_strdup_printf (
        "{\"invite_id\":7,\"session_id\":\"%s\",\"role\":\"%s\",\"name\":"
        "\"%s\",\"join_url\":\"%s\"}",
        SESSION_ID, json_object_get_string_member (params, "role"),
        json_object_get_string_member_with_default (params, "name", "citizen 1"), JOIN_URL);
  if (g_str_equal (method, "recording.pause") || g_str_equal (method, "recording.resume"))
    {
      gboolean pause = g_str_equal (method, "recording.pause");
      g_free (stub->rec_state);
      stub->rec_state = g_strdup (pause ? "paused" : "recording");
      g_free (stub->rec_reason);
      stub->rec_reason = pause ? g_strdup (json_object_get_string_member (params, "reason")) : NULL;
      rd_test_console_push (stub);
      return g_strdup ("{}");
    }
  if (g_str_equal (method, "session.list"))
    return g_strdup ("[{\"id\":\"20261206-ffee01\",\"title\":\"Tiếp công dân\",\"state\":"
                     "\"ended\",\"started_at\":\"2026-12-06T02:00:00Z\",\"ended_at\":"
                     "\"2026-12-06T03:15:00Z\",\"participants\":2}]");
  if (g_str_equal (method, "session.show"))
    return g_strdup_printf (
        "{\"id\":\"%s\",\"title\":\"Tiếp công dân\",\"state\":\"ended\",\"started_at\":"
        "\"2026-12-06T02:00:00Z\",\"ended_at\":\"2026-12-06T03:15:00Z\",\"invites\":[{\"id\":7,"
        "\"role\":\"citizen\",\"name\":\"Nguyễn Văn An\"}],\"participants\":[{\"name\":\"Nguyễn "
        "Văn An\",\"role\":\"citizen\",\"remote_address\":\"10.0.0.2\",\"joined_at\":"
        "\"2026-12-06T02:01:00Z\",\"left_at\":\"2026-12-06T03:14:00Z\",\"leave_reason\":\"left\"}"
        "],\"recordings\":[{\"segment\":1,\"state\":\"sealed\",\"created_at\":"
        "\"2026-12-06T02:00:01Z\",\"tracks\":\"[{\\\"track\\\":\\\"room-video\\\",\\\"media\\\":"
        "\\\"video\\\",\\\"codec\\\":\\\"VP8\\\"}]\"}],\"events\":[{\"at\":"
        "\"2026-12-06T02:00:00Z\",\"actor\":\"kythuat (technician)\",\"kind\":"
        "\"session-started\"},{\"at\":\"2026-12-06T02:30:00Z\",\"actor\":\"kythuat "
        "(technician)\",\"kind\":\"recording-paused\",\"detail\":{\"reason\":\"công dân xin "
        "nghỉ\"}}]}",
        json_object_get_string_member_with_default (params, "id", SESSION_ID));
  if (g_str_equal (method, "registration.add"))
    {
      JsonObject *row = json_object_new ();
      const char *cls = json_object_get_string_member_with_default (params, "classification", "");
      gint64 id = json_array_get_length (stub->registrations) + 1;
      gboolean protect =
          g_str_equal (cls, "to-cao") ||
          json_object_get_boolean_member_with_default (params, "protection_requested", FALSE);
      json_object_set_int_member (row, "id", id);
      json_object_set_string_member (row, "created_at", "2026-12-07T02:00:00Z");
      json_object_set_string_member (row, "classification", cls);
      json_object_set_boolean_member (row, "protected", protect);
      json_object_set_string_member (row, "name",
                                     protect ? "[danh tính được bảo vệ]"
                                             : json_object_get_string_member (params, "name"));
      /* what a reveal shows (the daemon keeps it sealed; the list never has it) */
      stub_set_identity (stub, id, json_object_get_string_member (params, "name"));
      json_object_set_string_member (row, "summary",
                                     json_object_get_string_member (params, "summary"));
      json_object_set_int_member (
          row, "people_count", json_object_get_int_member_with_default (params, "people_count", 1));
      json_array_add_object_element (stub->registrations, row);
      return g_strdup_printf ("{\"id\":%" G_GINT64_FORMAT "}", id);
    }
  if (g_str_equal (method, "registration.show"))
    {
      gint64 id = json_object_get_int_member_with_default (params, "id", 0);
      const char *name = g_hash_table_lookup (stub->identities, GINT_TO_POINTER ((int)id));
      gboolean reveal = json_object_get_boolean_member_with_default (params, "reveal", FALSE);
      return g_strdup_printf ("{\"id\":%" G_GINT64_FORMAT ",\"name\":\"%s\",\"address\":"
                              "\"12 đường Lê Lợi\"}",
                              id, reveal && name ? name : "[danh tính được bảo vệ]");
    }
  if (g_str_equal (method, "registration.list"))
    {
      g_autoptr (JsonNode) node = json_node_init_array (json_node_alloc (), stub->registrations);
      return json_to_string (node, FALSE);
    }
  if (g_str_equal (method, "reception.list") || g_str_equal (method, "conclusion.list"))
    return g_strdup (g_str_equal (method, "reception.list")
                         ? "[{\"id\":1,\"reception_date\":\"2026-12-06\",\"registration_id\":1,"
                           "\"session_id\":\"20261206-ffee01\",\"content\":\"Khiếu nại về "
                           "đền bù đất\",\"handling\":\"competent\",\"officer\":\"Trần Thị "
                           "Bình\"}]"
                         : "[{\"id\":3,\"session_id\":\"20261206-ffee01\",\"text\":\"Trả lời "
                           "công dân bằng văn bản\",\"assignee\":\"Phòng TN-MT\",\"due\":"
                           "\"2026-11-30\",\"state\":\"open\"}]");
  if (g_str_equal (method, "followup.overdue"))
    return g_strdup ("{\"today\":\"2026-12-07\",\"conclusions\":[{\"id\":3,\"days_late\":5}],"
                     "\"petitions\":[]}");
  if (g_str_equal (method, "book.export"))
    return g_strdup ("{\"format\":\"csv\",\"rows\":1,\"revealed\":false,\"for_transfer\":false,"
                     "\"content\":\"STT,Ngày tiếp,Họ tên\\n1,06/12/2026,Nguyễn Văn An\\n\"}");
  if (g_str_equal (method, "report"))
    return g_strdup ("{\"title\":\"Báo cáo công tác tiếp công dân\",\"period_vi\":\"tháng 12 "
                     "năm 2026\",\"receptions\":1,\"by_classification\":{\"khiếu nại\":1}}");
  if (g_str_equal (method, "mute") || g_str_equal (method, "unmute") ||
      g_str_equal (method, "layout") || g_str_equal (method, "session.revoke") ||
      g_str_equal (method, "session.schedule") || g_str_equal (method, "reception.add") ||
      g_str_equal (method, "conclusion.add") || g_str_equal (method, "followup.update"))
    return g_strdup ("{\"id\":1}");
  return NULL;
}

static void
handle_call (RdTestConsole *stub, SoupServerMessage *msg, const char *name, JsonObject *body)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  g_autofree char *csrf = g_strdup_printf ("csrf-%s", name);
  const char *method = body ? json_object_get_string_member_with_default (body, "method", "") : "";
  JsonObject *params = body && json_object_has_member (body, "params")
                           ? json_object_get_object_member (body, "params")
                           : NULL;
  g_autoptr (JsonObject) empty = json_object_new ();
  g_autofree char *params_json = NULL;
  g_autofree char *answer = NULL;

  {
    g_autoptr (JsonNode) node = json_node_init_object (json_node_alloc (), params ? params : empty);
    params_json = json_to_string (node, FALSE);
  }
  g_ptr_array_add (stub->calls, g_strdup_printf ("%s %s %s", name, method, params_json));
  if (g_strcmp0 (soup_message_headers_get_one (headers, "X-CSRF-Token"), csrf) != 0)
    {
      reply_error (msg, 403, "csrf", "missing or wrong CSRF token");
      return;
    }
  if (!allowed (role_of (name), method))
    {
      reply_error (msg, 403, "forbidden", "your role may not do this");
      return;
    }
  answer = call_method (stub, method, params ? params : empty);
  if (!answer)
    {
      reply_error (msg, 400, "unknown-method", method);
      return;
    }
  reply_json (msg, 200, answer);
}

static void
handle_api (SoupServer *soup, SoupServerMessage *msg, const char *path, GHashTable *query,
            gpointer user_data)
{
  RdTestConsole *stub = user_data;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autofree char *name = cookie_name (msg);
  JsonObject *body = body_object (msg, parser);
  g_autofree char *me = NULL;

  if (g_str_equal (path, "/console/api/login"))
    {
      handle_login (stub, msg, body);
      return;
    }
  if (!name)
    {
      reply_error (msg, 401, "not-logged-in", "log in first");
      return;
    }
  if (g_str_equal (path, "/console/api/session"))
    {
      me = me_json (name);
      reply_json (msg, 200, me);
    }
  else if (g_str_equal (path, "/console/api/logout"))
    {
      soup_message_headers_append (soup_server_message_get_response_headers (msg), "Set-Cookie",
                                   "rd_console=; Max-Age=0; Path=/console/");
      reply_json (msg, 200, "{}");
    }
  else if (g_str_equal (path, "/console/api/call"))
    handle_call (stub, msg, name, body);
  else if (g_str_equal (path, "/console/api/recording") && stub->recording_path)
    {
      g_autofree char *data = NULL;
      gsize size = 0;
      g_assert_true (g_file_get_contents (stub->recording_path, &data, &size, NULL));
      soup_server_message_set_response (msg, "video/webm", SOUP_MEMORY_TAKE,
                                        g_steal_pointer (&data), size);
      soup_server_message_set_status (msg, 200, NULL);
    }
  else
    reply_error (msg, 404, "not-found", path);
}

/* As the daemon does: the status every second (and at once when something changes). */
static gboolean
push_tick (gpointer user_data)
{
  rd_test_console_push (user_data);
  return G_SOURCE_CONTINUE;
}

static gboolean
check_cookie (const char *cookie, gpointer user_data)
{
  return role_of (cookie) != NULL;
}

RdTestConsole *
rd_test_console_new (void)
{
  g_autoptr (RdTestConsole) stub = g_new0 (RdTestConsole, 1);
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr (GError) error = NULL;
  GSList *uris;

  stub->calls = g_ptr_array_new_with_free_func (g_free);
  stub->failures = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  stub->registrations = json_array_new ();
  stub->identities = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  stub->rec_state = g_strdup ("recording");
  stub->events = rd_signal_console_events_new ();
  rd_signal_console_events_set_check (stub->events, check_cookie, stub);
  stub->server = soup_server_new ("server-header", "rd-test-console", NULL);
  rd_signal_console_assets_attach (stub->server);
  soup_server_add_handler (stub->server, "/console/api", handle_api, stub, NULL);
  rd_signal_console_events_attach (stub->events, stub->server);
  soup_server_listen (stub->server, address, 0, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (stub->server);
  stub->origin = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify)g_uri_unref);
  rd_test_console_push (stub);
  stub->push_timer = g_timeout_add (1000, push_tick, stub);
  return g_steal_pointer (&stub);
}

guint
rd_test_console_count_calls (RdTestConsole *stub, const char *method)
{
  g_autofree char *needle = g_strdup_printf (" %s ", method);
  guint n = 0;

  for (guint i = 0; i < stub->calls->len; i++)
    if (strstr (stub->calls->pdata[i], needle))
      n++;
  return n;
}

void
rd_test_console_free (RdTestConsole *stub)
{
  if (!stub)
    return;
  g_clear_handle_id (&stub->push_timer, g_source_remove);
  if (stub->server)
    soup_server_disconnect (stub->server);
  g_clear_object (&stub->server);
  g_clear_pointer (&stub->events, rd_signal_console_events_free);
  g_clear_pointer (&stub->calls, g_ptr_array_unref);
  g_clear_pointer (&stub->failures, g_hash_table_unref);
  g_clear_pointer (&stub->registrations, json_array_unref);
  g_clear_pointer (&stub->identities, g_hash_table_unref);
  g_free (stub->origin);
  g_free (stub->live_session);
  g_free (stub->rec_state);
  g_free (stub->rec_reason);
  g_free (stub->recording_path);
  g_free (stub);
}
