/* rd-daemon-commands.c: the methods of the control socket (receptionctl's commands).
 * Each takes the request's params, calls down into the modules and answers once. */
#include "daemon/rd-daemon-private.h"
#include "daemon/rd-daemon-recording.h"
#include "daemon/rd-daemon-links.h"

#include <gio/gio.h>
#include <malloc.h>
#include <string.h>
#include <unistd.h>

#include "daemon/rd-daemon-log.h"
#include "media/rd-media-devices.h"
#include "proto/rd-proto.h"
#include "ledger/rd-ledger-error.h"

typedef void (*Method) (RdDaemon *d, RdControlRequest *req, JsonObject *params);

/* A string parameter: NULL when absent; FALSE (and the request answered) when not a string or
 * required and absent. */
gboolean
rd_daemon_get_string_param (RdControlRequest *req, JsonObject *params, const char *name,
                            gboolean required, const char **out)
{
  JsonNode *n = params ? json_object_get_member (params, name) : NULL;

  *out = NULL;
  if (!n || JSON_NODE_HOLDS_NULL (n))
    {
      if (!required)
        return TRUE;
      rd_control_request_reply_error (req, RD_PROTO_CODE_INVALID_PARAMS, "missing parameter \"%s\"",
                                      name);
      return FALSE;
    }
  if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING ||
      !g_utf8_validate (json_node_get_string (n), -1, NULL) ||
      strlen (json_node_get_string (n)) > 1000)
    {
      rd_control_request_reply_error (req, RD_PROTO_CODE_INVALID_PARAMS,
                                      "parameter \"%s\" must be a string of at most 1000 bytes",
                                      name);
      return FALSE;
    }
  *out = json_node_get_string (n);
  return TRUE;
}

/* Answers a failed ledger call: a caller's mistake gets its code, anything else is logged once
 * here and reported as failed. */
void
rd_daemon_reply_ledger_error (RdControlRequest *req, const char *session_id, const GError *error)
{
  const char *code = RD_PROTO_CODE_FAILED;

  if (g_error_matches (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_NOT_FOUND))
    code = RD_PROTO_CODE_NOT_FOUND;
  else if (g_error_matches (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_STATE) ||
           g_error_matches (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_EXISTS))
    code = RD_PROTO_CODE_CONFLICT;
  else if (g_error_matches (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID))
    code = RD_PROTO_CODE_INVALID_PARAMS;
  else
    rd_log_session (G_LOG_LEVEL_WARNING, session_id, "%s failed: %s",
                    rd_control_request_get_method (req), error->message);
  rd_control_request_reply_error (req, code, "%s", error->message);
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
  return json_node_init_array (json_node_alloc (), out);
}

static void
method_status (RdDaemon *d, RdControlRequest *req, JsonObject *params)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) live = live_sessions (d, &error);
  g_autofree char *line = NULL;

  if (!live)
    {
      rd_daemon_reply_ledger_error (req, NULL, error);
      return;
    }
  line = rd_daemon_update_status (d);
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
  json_builder_set_member_name (b, "ledger");
  json_builder_begin_object (b);
  add_string (b, "path", rd_ledger_get_path (d->ledger));
  json_builder_set_member_name (b, "schema_version");
  json_builder_add_int_value (b, rd_ledger_get_schema_version (d->ledger));
  json_builder_end_object (b);
  add_disk (b, rd_config_get_state_dir (d->config));
  add_memory (b);
  add_devices (b, d->config);
  json_builder_set_member_name (b, "muted");
  rd_daemon_add_muted (b, d);
  json_builder_set_member_name (b, "recording");
  rd_daemon_recording_add_status (d, b);
  json_builder_set_member_name (b, "sessions");
  json_builder_add_value (b, g_steal_pointer (&live));
  json_builder_set_member_name (b, "parties");
  json_builder_add_value (b, rd_daemon_parties_to_json (d, NULL));
  json_builder_set_member_name (b, "links");
  json_builder_add_value (b, rd_daemon_links_to_json (d, NULL));
  json_builder_set_member_name (b, "restart_needed");
  json_builder_begin_array (b);
  for (char **k = d->restart_needed; *k; k++)
    json_builder_add_string_value (b, *k);
  json_builder_end_array (b);
  json_builder_end_object (b);
  rd_control_request_reply (req, json_builder_get_root (b));
}

static void
method_session_start (RdDaemon *d, RdControlRequest *req, JsonObject *params)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) live = NULL;
  g_autofree char *id = NULL;
  g_autofree char *status = NULL;
  const char *title, *scheduled;

  if (!rd_daemon_get_string_param (req, params, "title", FALSE, &title) ||
      !rd_daemon_get_string_param (req, params, "id", FALSE, &scheduled))
    return;
  live = rd_ledger_live_sessions (d->ledger, &error);
  if (!live)
    {
      rd_daemon_reply_ledger_error (req, NULL, error);
      return;
    }
  if (live->len > 0)
    {
      /* One room, one camera: one live session at a time. */
      rd_control_request_reply_error (req, RD_PROTO_CODE_CONFLICT,
                                      "session %s is live; end it before starting another",
                                      (char *)live->pdata[0]);
      return;
    }
  if (!rd_daemon_recording_check_space (d, &error))
    {
      /* every session is recorded: refused before anything is written */
      rd_control_request_reply_error (req, RD_PROTO_CODE_FAILED, "%s", error->message);
      return;
    }
  if (scheduled && title)
    {
      rd_control_request_reply_error (req, RD_PROTO_CODE_INVALID_PARAMS,
                                      "a scheduled session keeps the title it was scheduled with");
      return;
    }
  if (scheduled)
    {
      if (!(id = rd_daemon_book_start_scheduled (d, req, scheduled)))
        return;
    }
  else if (!(id = rd_ledger_session_start (d->ledger, title, rd_control_request_get_actor (req),
                                           &error)))
    {
      rd_daemon_reply_ledger_error (req, NULL, error);
      return;
    }
  if (!rd_daemon_recording_start (d, id, rd_control_request_get_actor (req), &error))
    {
      g_autoptr (GError) end_error = NULL;
      g_autofree char *why = g_strdup_printf ("the recording could not start: %s", error->message);

      /* a session is recorded or it is not held: ended at once, with the reason on the record */
      rd_log_session (G_LOG_LEVEL_WARNING, id, "%s", why);
      if (!rd_ledger_session_end (d->ledger, id, "receptiond", why, &end_error))
        rd_log_session (G_LOG_LEVEL_WARNING, id, "cannot end the session: %s", end_error->message);
      rd_control_request_reply_error (req, RD_PROTO_CODE_FAILED, "session %s not held: %s", id,
                                      why);
      return;
    }
  rd_log_session (G_LOG_LEVEL_MESSAGE, id, "session started by %s%s%s%s",
                  rd_control_request_get_actor (req), title ? " (\"" : "", title ? title : "",
                  title ? "\")" : "");
  status = rd_daemon_update_status (d);
  rd_control_request_reply (req, rd_ledger_session_show (d->ledger, id, NULL));
}

typedef struct
{
  RdControlRequest *req;
  char *id, *reason, *actor;
} Ending;

/* The recording is finished and sealed: now the session ends in the ledger. */
static void
session_end_recorded (RdDaemon *d, gpointer data)
{
  Ending *e = data;
  g_autoptr (GError) error = NULL;
  g_autofree char *status = NULL;

  if (!rd_ledger_session_end (d->ledger, e->id, e->actor, e->reason, &error))
    rd_daemon_reply_ledger_error (e->req, e->id, error);
  else
    {
      rd_log_session (G_LOG_LEVEL_MESSAGE, e->id, "session ended by %s: %s", e->actor, e->reason);
      status = rd_daemon_update_status (d);
      rd_control_request_reply (e->req, rd_ledger_session_show (d->ledger, e->id, NULL));
    }
  g_free (e->id);
  g_free (e->reason);
  g_free (e->actor);
  g_free (e);
}

static void
session_end_links_left (RdDaemon *d, gpointer data)
{
  Ending *e = data;

  if (d->recorder && g_strcmp0 (d->recording_session, e->id) == 0)
    rd_daemon_recording_stop (d, session_end_recorded, e);
  else
    session_end_recorded (d, e);
}

static void
method_session_end (RdDaemon *d, RdControlRequest *req, JsonObject *params)
{
  const char *id, *reason;
  Ending *e;

  if (!rd_daemon_get_string_param (req, params, "id", TRUE, &id) ||
      !rd_daemon_get_string_param (req, params, "reason", FALSE, &reason))
    return;
  e = g_new0 (Ending, 1);
  e->req = req;
  e->id = g_strdup (id);
  e->reason = g_strdup (reason ? reason : "ended by the operator");
  e->actor = g_strdup (rd_control_request_get_actor (req));
  rd_daemon_close_parties (d, id, 0, "session ended");
  /* the conferences joined are left (DELETE) first, then the recording finishes */
  rd_daemon_links_leave (d, id, "session ended", session_end_links_left, e);
}

static void
method_session_list (RdDaemon *d, RdControlRequest *req, JsonObject *params)
{
  g_autoptr (GError) error = NULL;
  JsonNode *list = rd_ledger_session_list (d->ledger, &error);

  if (!list)
    rd_daemon_reply_ledger_error (req, NULL, error);
  else
    rd_control_request_reply (req, list);
}

static void
method_session_show (RdDaemon *d, RdControlRequest *req, JsonObject *params)
{
  g_autoptr (GError) error = NULL;
  JsonNode *session;
  const char *id;

  if (!rd_daemon_get_string_param (req, params, "id", TRUE, &id))
    return;
  session = rd_ledger_session_show (d->ledger, id, &error);
  if (!session)
    {
      rd_daemon_reply_ledger_error (req, id, error);
      return;
    }
  /* The ledger's rows plus what only the running daemon knows: live connection state. */
  json_object_set_member (json_node_get_object (session), "live_parties",
                          rd_daemon_parties_to_json (d, id));
  json_object_set_member (json_node_get_object (session), "live_links",
                          rd_daemon_links_to_json (d, id));
  rd_control_request_reply (req, session);
}

static const struct
{
  const char *name;
  Method fn;
} methods[] = {
  { "status", method_status },
  { "session.start", method_session_start },
  { "session.end", method_session_end },
  { "session.list", method_session_list },
  { "session.show", method_session_show },
  { "session.invite", rd_daemon_method_session_invite },
  { "session.revoke", rd_daemon_method_session_revoke },
  { "session.join", rd_daemon_method_session_join },
  { "session.leave", rd_daemon_method_session_leave },
  { "mute", rd_daemon_method_mute },
  { "unmute", rd_daemon_method_unmute },
  { "recording.verify", rd_daemon_method_recording_verify },
  { "recording.pause", rd_daemon_method_recording_pause },
  { "recording.resume", rd_daemon_method_recording_resume },
  { "ledger.key", rd_daemon_method_ledger_key },
  { "ledger.checkpoint", rd_daemon_method_ledger_checkpoint },
  { "ledger.checkpoint.export", rd_daemon_method_ledger_checkpoint_export },
  { "ledger.verify", rd_daemon_method_ledger_verify },
  /* The reception book (rd-daemon-book.c). */
  { "registration.add", rd_daemon_book_method },
  { "registration.update", rd_daemon_book_method },
  { "registration.show", rd_daemon_book_method },
  { "registration.list", rd_daemon_book_method },
  { "session.schedule", rd_daemon_book_method },
  { "reception.add", rd_daemon_book_method },
  { "reception.show", rd_daemon_book_method },
  { "reception.list", rd_daemon_book_method },
  { "conclusion.add", rd_daemon_book_method },
  { "conclusion.list", rd_daemon_book_method },
  { "followup.update", rd_daemon_book_method },
  { "followup.overdue", rd_daemon_book_method },
  { "book.export", rd_daemon_book_method },
  { "report", rd_daemon_book_method },
};

void
rd_daemon_handle_request (RdControlRequest *req, gpointer data)
{
  const char *method = rd_control_request_get_method (req);

  for (gsize i = 0; i < G_N_ELEMENTS (methods); i++)
    if (g_str_equal (methods[i].name, method))
      {
        methods[i].fn (data, req, rd_control_request_get_params (req));
        return;
      }
  rd_control_request_reply_error (req, RD_PROTO_CODE_UNKNOWN_METHOD, "unknown method \"%s\"",
                                  method);
}
