/* rd-daemon-console.c: the room console's JSON API in the daemon: routes, the CSRF check, calls
 * of the control methods as an operator, recordings for playback and the pictures' preview. Logins
 * and sessions are in rd-daemon-console-login.c. See rd-daemon-console.h for the contract. */
#include "daemon/rd-daemon-console-private.h"
#include "daemon/rd-daemon-log.h"
#include "ledger/rd-ledger-recordings.h"
#include "media/rd-media-error.h"
#include "proto/rd-proto.h"

#include <string.h>

#include <openssl/crypto.h>

RdConsole *
rd_console_new (RdConfig *config, RdLedger *ledger, RdRoom *room, RdConsoleDispatch dispatch,
                RdControlAnswering answering, gpointer user_data)
{
  RdConsole *c = g_new0 (RdConsole, 1);

  c->config = rd_config_ref (config);
  c->ledger = ledger;
  c->room = room;
  c->dispatch = dispatch;
  c->answering = answering;
  c->user_data = user_data;
  c->sessions = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                       (GDestroyNotify)rd_console_session_free);
  c->failures = rd_console_failures_new ();
  return c;
}

void
rd_console_free (RdConsole *c)
{
  if (!c)
    return;
  g_clear_handle_id (&c->sweep_id, g_source_remove);
  g_clear_pointer (&c->sessions, g_hash_table_unref);
  g_clear_pointer (&c->failures, g_hash_table_unref);
  g_clear_pointer (&c->config, rd_config_unref);
  if (c->logins > 0 || c->downloads > 0)
    c->freed = TRUE; /* the last login check's or download's callback frees it */
  else
    g_free (c);
}

void
rd_console_set_config (RdConsole *c, RdConfig *config)
{
  rd_config_ref (config);
  rd_config_unref (c->config);
  c->config = config;
}

/* The session of @req with its CSRF token checked (constant time); NULL when answered. */
static RdConsoleSession *
session_with_csrf (RdConsole *c, RdConsoleRequest *req)
{
  RdConsoleSession *s = rd_console_session_of (c, req, TRUE); /* NULL: @req answered and gone */
  const char *token;

  if (!s)
    return NULL;
  token = rd_console_request_get_csrf (req);
  if (!token || strlen (token) != strlen (s->csrf) ||
      CRYPTO_memcmp (token, s->csrf, strlen (s->csrf)) != 0)
    {
      rd_console_request_reply_error (req, SOUP_STATUS_FORBIDDEN, "csrf",
                                      "The request lacks this session's X-CSRF-Token.", NULL, 0,
                                      FALSE);
      return NULL;
    }
  return s;
}

static void
reply_session (RdConsole *c, RdConsoleRequest *req)
{
  RdConsoleSession *s = rd_console_session_of (c, req, FALSE);
  g_autoptr (JsonNode) body = NULL;
  JsonObject *o;

  if (!s)
    return;
  body = json_from_string ("{}", NULL);
  o = json_node_get_object (body);
  json_object_set_string_member (o, "name", s->name);
  json_object_set_string_member (o, "role", s->role);
  json_object_set_string_member (o, "csrf", s->csrf);
  json_object_set_int_member (o, "idle_timeout_s", rd_config_get_console_idle_timeout (c->config));
  rd_console_request_reply_json (req, SOUP_STATUS_OK, body, NULL);
}

static void
logout (RdConsole *c, RdConsoleRequest *req)
{
  RdConsoleSession *s = session_with_csrf (c, req);

  if (!s)
    return;
  rd_console_session_end (c, s, "logout");
  rd_console_request_reply_json (req, SOUP_STATUS_OK, NULL, "");
}

guint
rd_console_status_of (const char *code)
{
  static const struct
  {
    const char *code;
    guint status;
  } map[] = {
    { RD_PROTO_CODE_FORBIDDEN, 403 },   { RD_PROTO_CODE_UNKNOWN_METHOD, 404 },
    { RD_PROTO_CODE_NOT_FOUND, 404 },   { RD_PROTO_CODE_INVALID_PARAMS, 400 },
    { RD_PROTO_CODE_BAD_REQUEST, 400 }, { RD_PROTO_CODE_CONFLICT, 409 },
    { RD_PROTO_CODE_FAILED, 500 },      { RD_PROTO_CODE_TOO_LARGE, 413 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (map); i++)
    if (g_strcmp0 (code, map[i].code) == 0)
      return map[i].status;
  return 422;
}

/* A call on its way: the daemon's status is recomputed before its answer, as for the socket's. */
typedef struct
{
  RdConsoleRequest *req;
  RdControlAnswering answering;
  gpointer user_data; /* the daemon's: outlives every request */
} Call;

/* The method's reply message (the socket's form): its result as 200, its error mapped. */
static void
on_method_reply (JsonNode *reply, gpointer data)
{
  g_autofree Call *pending = data;
  RdConsoleRequest *req = pending->req;
  g_autoptr (JsonNode) owned = reply;
  JsonObject *o = json_node_get_object (reply);

  if (pending->answering)
    pending->answering (pending->user_data);
  if (json_object_get_boolean_member_with_default (o, "ok", FALSE))
    {
      rd_console_request_reply_json (req, SOUP_STATUS_OK, json_object_get_member (o, "result"),
                                     NULL);
      return;
    }
  {
    JsonObject *error = json_object_get_object_member (o, "error");
    const char *code = json_object_get_string_member_with_default (error, "code", "failed");

    rd_console_request_reply_error (
        req, rd_console_status_of (code), code,
        json_object_get_string_member_with_default (error, "message", "failed"), NULL, 0, FALSE);
  }
}

static void
call (RdConsole *c, RdConsoleRequest *req)
{
  RdConsoleSession *s = session_with_csrf (c, req); /* NULL: @req answered and gone */
  JsonObject *body;
  JsonNode *method, *params;
  Call *pending;

  if (!s)
    return;
  body = rd_console_request_get_body (req);
  method = json_object_get_member (body, "method");
  params = json_object_get_member (body, "params");
  if (!method || !JSON_NODE_HOLDS_VALUE (method) ||
      json_node_get_value_type (method) != G_TYPE_STRING ||
      (params && !JSON_NODE_HOLDS_OBJECT (params) && !JSON_NODE_HOLDS_NULL (params)))
    {
      rd_console_request_reply_error (req, SOUP_STATUS_BAD_REQUEST, "bad-request",
                                      "A call is {\"method\": \"...\", \"params\": {...}}.", NULL,
                                      0, FALSE);
      return;
    }
  pending = g_new0 (Call, 1);
  pending->req = req;
  pending->answering = c->answering;
  pending->user_data = c->user_data;
  c->dispatch (rd_control_request_new_operator (
                   json_node_get_string (method),
                   params && JSON_NODE_HOLDS_OBJECT (params) ? json_node_get_object (params) : NULL,
                   s->name, s->role, rd_console_request_get_remote_address (req), on_method_reply,
                   pending),
               c->user_data);
}

/* What a browser plays a segment as: WebM when every track is VP8, VP9 or Opus. */
static const char *
content_type_of (const RdLedgerRecording *r)
{
  g_autoptr (JsonNode) tracks = r->tracks_json ? json_from_string (r->tracks_json, NULL) : NULL;
  JsonArray *a = tracks && JSON_NODE_HOLDS_ARRAY (tracks) ? json_node_get_array (tracks) : NULL;
  gboolean video = FALSE;

  if (!a || json_array_get_length (a) == 0)
    return "video/x-matroska";
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      JsonObject *t = json_array_get_object_element (a, i);
      const char *codec = t ? json_object_get_string_member_with_default (t, "codec", "") : "";

      if (g_ascii_strcasecmp (codec, "VP8") != 0 && g_ascii_strcasecmp (codec, "VP9") != 0 &&
          g_ascii_strcasecmp (codec, "Opus") != 0)
        return "video/x-matroska";
      video |=
          g_strcmp0 (json_object_get_string_member_with_default (t, "media", ""), "video") == 0;
    }
  return video ? "video/webm" : "audio/webm";
}

/* "recording-viewed" on session @session's record: who fetched segment @segment, from where. */
static void
record_viewed (RdConsole *c, RdConsoleSession *s, const char *session, gint64 segment,
               const char *address)
{
  g_autoptr (JsonNode) detail = json_from_string ("{}", NULL);
  g_autoptr (GError) error = NULL;
  JsonObject *o = json_node_get_object (detail);

  json_object_set_int_member (o, "segment", segment);
  json_object_set_string_member (o, "address", address);
  if (!rd_ledger_add_event (c->ledger, session, s->actor, "recording-viewed", detail, &error))
    rd_log_session (G_LOG_LEVEL_WARNING, session,
                    "could not record that %s viewed segment %" G_GINT64_FORMAT
                    " in the ledger: %s",
                    s->actor, segment, error->message);
}

/* GET /console/api/recording?session=S&segment=N: a sealed (or repaired) segment's file. */
static void
recording (RdConsole *c, RdConsoleRequest *req)
{
  RdConsoleSession *s = rd_console_session_of (c, req, TRUE); /* NULL: @req answered and gone */
  const char *session, *segment_text;
  g_autoptr (GPtrArray) rows = NULL;
  gint64 segment = 0;

  if (!s)
    return;
  session = rd_console_request_get_query (req, "session");
  segment_text = rd_console_request_get_query (req, "segment");
  if (!session || !segment_text ||
      !g_ascii_string_to_signed (segment_text, 10, 1, G_MAXINT64, &segment, NULL))
    {
      rd_console_request_reply_error (req, SOUP_STATUS_BAD_REQUEST, "bad-request",
                                      "A recording is ?session=ID&segment=N.", NULL, 0, FALSE);
      return;
    }
  rows = rd_ledger_recordings_list (c->ledger, session, NULL, NULL);
  for (guint i = 0; rows && i < rows->len; i++)
    {
      RdLedgerRecording *r = rows->pdata[i];

      if (r->segment == segment && (g_strcmp0 (r->state, RD_RECORDING_STATE_SEALED) == 0 ||
                                    g_strcmp0 (r->state, RD_RECORDING_STATE_REPAIRED) == 0))
        {
          g_autofree char *path =
              g_build_filename (rd_config_get_state_dir (c->config), r->path, NULL);
          g_autofree char *seen = g_strdup_printf ("%s/%" G_GINT64_FORMAT, session, segment);

          /* once per console session: a player asks for many ranges of one file */
          if (g_hash_table_add (s->viewed, g_steal_pointer (&seen)))
            record_viewed (c, s, session, segment, rd_console_request_get_remote_address (req));
          rd_console_request_reply_file (req, path, content_type_of (r));
          return;
        }
    }
  rd_console_request_reply_error (req, SOUP_STATUS_NOT_FOUND, "not-found",
                                  "The session has no such sealed segment.", NULL, 0, FALSE);
}

static void
on_preview (GObject *source, GAsyncResult *result, gpointer data)
{
  RdConsoleRequest *req = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) jpeg = rd_room_preview_finish (RD_ROOM (source), result, &error);

  if (jpeg)
    rd_console_request_reply_bytes (req, "image/jpeg", jpeg);
  else if (g_error_matches (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_NO_PICTURE))
    rd_console_request_reply_error (req, SOUP_STATUS_SERVICE_UNAVAILABLE, "no-picture",
                                    error->message, NULL, 1, FALSE);
  else
    rd_console_request_reply_error (req, SOUP_STATUS_INTERNAL_SERVER_ERROR, "failed",
                                    error->message, NULL, 0, FALSE);
}

/* GET /console/api/preview?source=camera|composite: a JPEG of the room's camera or of the
 * display's picture. Looking is not an action: it does not keep a session from its idle end. */
static void
preview (RdConsole *c, RdConsoleRequest *req)
{
  RdConsoleSession *s = rd_console_session_of (c, req, FALSE); /* NULL: @req answered and gone */
  const char *source;
  RdRoomPreview which;

  if (!s)
    return;
  source = rd_console_request_get_query (req, "source");
  if (g_strcmp0 (source, "camera") == 0)
    which = RD_ROOM_PREVIEW_CAMERA;
  else if (g_strcmp0 (source, "composite") == 0)
    which = RD_ROOM_PREVIEW_COMPOSITE;
  else
    {
      rd_console_request_reply_error (req, SOUP_STATUS_NOT_FOUND, "not-found",
                                      "No such preview: ?source=camera or ?source=composite.", NULL,
                                      0, FALSE);
      return;
    }
  rd_room_preview_async (c->room, which, NULL, on_preview, req);
}

void
rd_console_handle (RdConsole *c, RdConsoleRequest *req)
{
  switch (rd_console_request_get_api (req))
    {
    case RD_CONSOLE_API_LOGIN:
      rd_console_login (c, req);
      return;
    case RD_CONSOLE_API_LOGOUT:
      logout (c, req);
      return;
    case RD_CONSOLE_API_SESSION:
      reply_session (c, req);
      return;
    case RD_CONSOLE_API_CALL:
      call (c, req);
      return;
    case RD_CONSOLE_API_RECORDING:
      recording (c, req);
      return;
    case RD_CONSOLE_API_PREVIEW:
      preview (c, req);
      return;
    case RD_CONSOLE_API_BOOK_XLSX:
    case RD_CONSOLE_API_BOOK_PDF:
    case RD_CONSOLE_API_REPORT_XLSX:
    case RD_CONSOLE_API_REPORT_PDF:
      rd_console_download (c, req);
      return;
    case RD_CONSOLE_API_PASSWORD:
      {
        RdConsoleSession *s = session_with_csrf (c, req); /* NULL: @req answered and gone */

        if (s)
          rd_console_change_password (c, req, s);
      }
      return;
    }
  g_assert_not_reached ();
}
