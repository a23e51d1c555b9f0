/* rd-daemon-methods-status.c: what the daemon says about itself: the one-line STATUS= for the
 * service manager (rd_daemon_status_line(), sent by rd-daemon.c when it changes) and the
 * "status" control method's report. */
#include "daemon/rd-daemon-methods.h"

#include <gio/gio.h>
#include <malloc.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "daemon/rd-daemon-log.h"
#include "daemon/rd-daemon-params.h"
#include "ledger/rd-ledger-book.h"
#include "media/rd-media-devices.h"
#include "proto/rd-proto.h"

char *
rd_daemon_status_line (RdDaemon *d)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) live = rd_ledger_live_sessions (d->ledger, &error);
  g_autofree char *links = NULL;
  g_autofree char *recording = NULL;
  guint n;

  if (!live)
    return g_strdup_printf ("ledger unreadable: %s", error->message);
  if (live->len == 0)
    return g_strdup ("idle");
  n = rd_parties_count (d->parties, live->pdata[0], TRUE);
  links = rd_links_status_text (d->links);
  recording = rd_session_recording_status_text (d->recording);
  return g_strdup_printf ("live: session %s, %u part%s%s%s", (char *)live->pdata[0], n,
                          n == 1 ? "y" : "ies", links, recording);
}

static void
add_disk (JsonBuilder *b, const char *dir)
{
  g_autoptr (GFile) file = g_file_new_for_path (dir);
  g_autoptr (GFileInfo) info = g_file_query_filesystem_info (
      file, G_FILE_ATTRIBUTE_FILESYSTEM_FREE "," G_FILE_ATTRIBUTE_FILESYSTEM_SIZE, NULL, NULL);

  json_builder_set_member_name (b, "disk");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "path");
  json_builder_add_string_value (b, dir);
  if (info)
    {
      json_builder_set_member_name (b, "free_bytes");
      json_builder_add_int_value (
          b, (gint64)g_file_info_get_attribute_uint64 (info, G_FILE_ATTRIBUTE_FILESYSTEM_FREE));
      json_builder_set_member_name (b, "total_bytes");
      json_builder_add_int_value (
          b, (gint64)g_file_info_get_attribute_uint64 (info, G_FILE_ATTRIBUTE_FILESYSTEM_SIZE));
    }
  json_builder_end_object (b);
}

/* The daemon's memory: what the kernel holds for it, and what of the heap is in use (the
 * difference is free memory the allocator keeps for reuse). */
static void
add_memory (JsonBuilder *b)
{
  struct mallinfo2 mi = mallinfo2 ();
  g_autofree char *status = NULL;
  const char *rss;

  json_builder_set_member_name (b, "memory");
  json_builder_begin_object (b);
  if (g_file_get_contents ("/proc/self/status", &status, NULL, NULL) &&
      (rss = strstr (status, "VmRSS:")))
    {
      json_builder_set_member_name (b, "rss_kb");
      json_builder_add_int_value (b, g_ascii_strtoll (rss + 6, NULL, 10));
    }
  json_builder_set_member_name (b, "heap_in_use_kb");
  json_builder_add_int_value (b, (gint64)(mi.uordblks + mi.hblkhd) / 1024);
  json_builder_end_object (b);
}

static void
add_devices (JsonBuilder *b, RdConfig *config)
{
  g_autoptr (GPtrArray) devices = rd_media_probe_devices (config);

  json_builder_set_member_name (b, "devices");
  json_builder_begin_array (b);
  for (guint i = 0; i < devices->len; i++)
    {
      RdMediaDevice *dev = devices->pdata[i];
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "role");
      json_builder_add_string_value (b, dev->role);
      json_builder_set_member_name (b, "setting");
      json_builder_add_string_value (b, dev->setting);
      json_builder_set_member_name (b, "element");
      json_builder_add_string_value (b, dev->element);
      json_builder_set_member_name (b, "available");
      json_builder_add_boolean_value (b, dev->available);
      json_builder_set_member_name (b, "detail");
      json_builder_add_string_value (b, dev->detail);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
}

/* The microphone's processing and level: {processing, echo_cancel, noise_suppression,
 * gain_control, echo_delay_ms} (rd_room_get_voice_state), mic_level_dbfs (rd_room_get_level). */
static void
add_voice (JsonBuilder *b, RdDaemon *d)
{
  RdRoomVoiceState v;

  rd_room_get_voice_state (d->room, &v);
  json_builder_set_member_name (b, "sound");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "processing");
  json_builder_add_boolean_value (b, v.processing);
  json_builder_set_member_name (b, "echo_cancel");
  json_builder_add_boolean_value (b, v.echo_cancel);
  json_builder_set_member_name (b, "noise_suppression");
  json_builder_add_string_value (
      b, rd_noise_suppression_to_string (v.processing ? v.noise_suppression
                                                      : RD_NOISE_SUPPRESSION_OFF));
  json_builder_set_member_name (b, "gain_control");
  json_builder_add_boolean_value (b, v.gain_control);
  json_builder_set_member_name (b, "echo_delay_ms");
  json_builder_add_int_value (b, v.echo_delay_ms);
  /* the room's microphone as the parties get it (after its mute), in dBFS; -127: silent */
  json_builder_set_member_name (b, "mic_level_dbfs");
  json_builder_add_double_value (b, round (rd_room_get_level (d->room, RD_ROOM_KEY) * 10) / 10);
  json_builder_end_object (b);
}

static void
add_string (JsonBuilder *b, const char *name, const char *value)
{
  json_builder_set_member_name (b, name);
  if (value)
    json_builder_add_string_value (b, value);
  else
    json_builder_add_null_value (b);
}

/* The live sessions from the ledger's list (which is newest first). */
static JsonNode *
live_sessions (RdDaemon *d, GError **error)
{
  g_autoptr (JsonNode) all = rd_ledger_session_list (d->ledger, error);
  JsonArray *out;

  if (!all)
    return NULL;
  out = json_array_new ();
  for (guint i = 0; i < json_array_get_length (json_node_get_array (all)); i++)
    {
      JsonObject *s = json_array_get_object_element (json_node_get_array (all), i);
      if (g_strcmp0 (json_object_get_string_member (s, "state"), RD_SESSION_STATE_LIVE) == 0)
        json_array_add_object_element (out, json_object_ref (s));
    }
  {
    JsonNode *node = json_node_new (JSON_NODE_ARRAY);

    json_node_take_array (node, out);
    return node;
  }
}

/* The status as "status" answers it; without "you" when @req is NULL. NULL with @error when the
 * ledger cannot be read. (transfer full) */
static JsonNode *
status_json (RdDaemon *d, RdControlRequest *req, GError **error)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) live = live_sessions (d, error);
  g_autoptr (JsonNode) scheduled = live ? rd_ledger_book_duties (d->ledger, error) : NULL;
  g_autofree char *line = NULL;

  if (!scheduled)
    return NULL;
  line = rd_daemon_status_line (d);
  json_builder_begin_object (b);
  add_string (b, "version", RD_VERSION);
  add_string (b, "room", rd_config_get_room_name (d->config));
  add_string (b, "config", rd_config_get_origin (d->config));
  json_builder_set_member_name (b, "pid");
  json_builder_add_int_value (b, getpid ());
  json_builder_set_member_name (b, "uptime_s");
  json_builder_add_int_value (b, (g_get_monotonic_time () - d->started_at_us) / G_USEC_PER_SEC);
  add_string (b, "state", json_array_get_length (json_node_get_array (live)) ? "live" : "idle");
  add_string (b, "status", line);
  json_builder_set_member_name (b, "listener");
  json_builder_begin_object (b);
  add_string (b, "url", rd_signal_server_get_url (d->signal_server));
  add_string (b, "certificate_fingerprint",
              rd_signal_server_get_certificate_fingerprint (d->signal_server));
  json_builder_end_object (b);
  add_string (b, "control_socket", rd_config_get_control_socket (d->config));
  /* who asks, and the roles they hold (rd-daemon-roles.h) */
  if (req)
    {
      json_builder_set_member_name (b, "you");
      json_builder_begin_object (b);
      add_string (b, "user", rd_control_request_get_actor (req));
      json_builder_set_member_name (b, "roles");
      json_builder_begin_array (b);
      for (RdRole r = RD_ROLE_TECHNICIAN; r <= RD_ROLE_SUPERVISOR; r++)
        if (rd_roles_allow (d->roles, req, r))
          json_builder_add_string_value (b, rd_role_name (r));
      json_builder_end_array (b);
      json_builder_end_object (b);
    }
  json_builder_set_member_name (b, "ledger");
  json_builder_begin_object (b);
  add_string (b, "path", rd_ledger_get_path (d->ledger));
  json_builder_set_member_name (b, "schema_version");
  json_builder_add_int_value (b, rd_ledger_get_schema_version (d->ledger));
  json_builder_end_object (b);
  add_disk (b, rd_config_get_state_dir (d->config));
  json_builder_set_member_name (b, "archive");
  {
    JsonNode *archive = rd_archiver_status (d->archiver, NULL);
    if (archive)
      {
        json_object_remove_member (json_node_get_object (archive), "jobs");
        json_builder_add_value (b, archive);
      }
    else
      json_builder_add_null_value (b);
  }
  add_memory (b);
  add_devices (b, d->config);
  json_builder_set_member_name (b, "muted");
  rd_daemon_add_muted (b, d);
  json_builder_set_member_name (b, "layout");
  rd_daemon_add_layout (b, d);
  add_voice (b, d);
  json_builder_set_member_name (b, "recording");
  rd_session_recording_add_status (d->recording, b);
  json_builder_set_member_name (b, "sessions");
  json_builder_add_value (b, g_steal_pointer (&live));
  /* The sessions still scheduled and their timing duties, which are late. */
  json_builder_set_member_name (b, "scheduled");
  json_builder_add_value (b, g_steal_pointer (&scheduled));
  add_string (b, "timezone", rd_config_get_timezone_name (d->config));
  json_builder_set_member_name (b, "parties");
  json_builder_add_value (b, rd_parties_to_json (d->parties, NULL));
  json_builder_set_member_name (b, "links");
  json_builder_add_value (b, rd_links_to_json (d->links, NULL));
  json_builder_set_member_name (b, "restart_needed");
  json_builder_begin_array (b);
  for (char **k = d->restart_needed; *k; k++)
    json_builder_add_string_value (b, *k);
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

void
rd_daemon_method_status (RdDaemon *d, RdControlRequest *req, JsonObject *params)
{
  g_autoptr (GError) error = NULL;
  JsonNode *status = status_json (d, req, &error);

  if (!status)
    {
      rd_daemon_reply_ledger_error (req, NULL, error);
      return;
    }
  rd_control_request_reply (req, status);
}

void
rd_daemon_push_console_status (RdDaemon *d)
{
  RdSignalConsoleEvents *events = rd_signal_server_get_console_events (d->signal_server);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) status = NULL;
  g_autofree char *json = NULL;

  if (rd_signal_console_events_count (events) == 0)
    return;
  status = status_json (d, NULL, &error);
  if (!status)
    {
      rd_log_session (G_LOG_LEVEL_WARNING, NULL, "the console's status feed: %s", error->message);
      return;
    }
  json = json_to_string (status, FALSE);
  rd_signal_console_events_push (events, json);
}
