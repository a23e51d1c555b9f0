/* rd-daemon-methods-invites.c: the control methods for remote parties: invitations (bearer tokens
 * bound to a session and a role), their revocation, and the room's mute switches. */
#include "daemon/rd-daemon-methods.h"

#include "daemon/rd-daemon-log.h"
#include "daemon/rd-daemon-params.h"
#include "daemon/rd-daemon-token.h"
#include "media/rd-media-room.h"
#include "proto/rd-proto.h"

#define INVITE_DEFAULT_S (4 * 3600)
#define INVITE_MAX_S     (30 * 24 * 3600)

/* The name the ledger gave invite @invite_id (a citizen's "citizen N"); NULL when none.
 * (transfer full) */
static char *
invite_name (RdDaemon *d, const char *session_id, gint64 invite_id)
{
  g_autoptr (JsonNode) list = rd_ledger_invite_list (d->ledger, session_id, NULL);
  JsonArray *rows = list ? json_node_get_array (list) : NULL;

  for (guint i = 0; rows && i < json_array_get_length (rows); i++)
    {
      JsonObject *row = json_array_get_object_element (rows, i);
      if (json_object_get_int_member (row, "id") == invite_id)
        return g_strdup (json_object_get_string_member_with_default (row, "name", NULL));
    }
  return NULL;
}

static char *
iso_in (gint64 seconds)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr (GDateTime) then = g_date_time_add_seconds (now, (gdouble)seconds);
  return g_date_time_format_iso8601 (then);
}

void
rd_daemon_method_session_invite (RdDaemon *d, RdControlRequest *req, JsonObject *params)
{
  const char *id, *role, *name;
  gint64 expires_in = INVITE_DEFAULT_S;
  g_autofree char *token = NULL;
  g_autofree char *hash = NULL;
  g_autofree char *expires_at = NULL;
  g_autofree char *whip_url = NULL;
  g_autofree char *join_url = NULL;
  g_autofree char *label = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  const char *base = rd_signal_server_get_url (d->signal_server);
  gint64 invite_id;

  if (!rd_daemon_get_string_param (req, params, "id", TRUE, &id) ||
      !rd_daemon_get_string_param (req, params, "role", TRUE, &role) ||
      !rd_daemon_get_string_param (req, params, "name", FALSE, &name))
    return;
  if (params && json_object_has_member (params, "expires_in_s"))
    {
      JsonNode *n = json_object_get_member (params, "expires_in_s");
      if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_INT64 ||
          json_node_get_int (n) < 60 || json_node_get_int (n) > INVITE_MAX_S)
        {
          rd_control_request_reply_error (req, RD_PROTO_CODE_INVALID_PARAMS,
                                          "\"expires_in_s\" must be a whole number of seconds "
                                          "from 60 to %d (30 days)",
                                          INVITE_MAX_S);
          return;
        }
      expires_in = json_node_get_int (n);
    }

  token = rd_daemon_random_hex (32);
  hash = rd_daemon_token_hash (token);
  expires_at = iso_in (expires_in);
  invite_id = rd_ledger_invite_create (d->ledger, id, role, name, expires_at, hash,
                                       rd_control_request_get_actor (req), &error);
  if (!invite_id)
    {
      rd_daemon_reply_ledger_error (req, id, error);
      return;
    }
  rd_log_session (G_LOG_LEVEL_MESSAGE, id, "invite %" G_GINT64_FORMAT " (%s) created by %s",
                  invite_id, role, rd_control_request_get_actor (req));
  label = invite_name (d, id, invite_id);
  whip_url = g_strdup_printf ("%swhip/%s", base, id);
  join_url = g_strdup_printf ("%sjoin/%s#token=%s", base, id, token);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "invite_id");
  json_builder_add_int_value (b, invite_id);
  json_builder_set_member_name (b, "session_id");
  json_builder_add_string_value (b, id);
  json_builder_set_member_name (b, "role");
  json_builder_add_string_value (b, role);
  json_builder_set_member_name (b, "name");
  if (label)
    json_builder_add_string_value (b, label);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "token");
  json_builder_add_string_value (b, token);
  json_builder_set_member_name (b, "whip_url");
  json_builder_add_string_value (b, whip_url);
  json_builder_set_member_name (b, "join_url");
  json_builder_add_string_value (b, join_url);
  json_builder_set_member_name (b, "expires");
  json_builder_add_string_value (b, expires_at);
  json_builder_end_object (b);
  rd_control_request_reply (req, json_builder_get_root (b));
}

void
rd_daemon_method_session_revoke (RdDaemon *d, RdControlRequest *req, JsonObject *params)
{
  g_autoptr (GError) error = NULL;
  const char *id;
  JsonNode *n = params ? json_object_get_member (params, "invite_id") : NULL;
  gint64 invite_id;

  if (!rd_daemon_get_string_param (req, params, "id", TRUE, &id))
    return;
  if (!n || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_INT64 ||
      json_node_get_int (n) <= 0)
    {
      rd_control_request_reply_error (req, RD_PROTO_CODE_INVALID_PARAMS,
                                      "\"invite_id\" must be a positive whole number");
      return;
    }
  invite_id = json_node_get_int (n);
  if (!rd_ledger_invite_revoke (d->ledger, id, invite_id, rd_control_request_get_actor (req),
                                &error))
    {
      rd_daemon_reply_ledger_error (req, id, error);
      return;
    }
  /* A revoked invitation stops working at once, for the calls it already opened too. */
  rd_parties_close (d->parties, id, invite_id, "invite revoked");
  rd_log_session (G_LOG_LEVEL_MESSAGE, id, "invite %" G_GINT64_FORMAT " revoked by %s", invite_id,
                  rd_control_request_get_actor (req));
  rd_control_request_reply (req, rd_ledger_session_show (d->ledger, id, NULL));
}

/* mute/unmute: {"track": "mic"|"camera"|null (both), "party": peer id|null (the room's own)}. */
static void
set_muted (RdDaemon *d, RdControlRequest *req, JsonObject *params, gboolean muted)
{
  g_autoptr (GPtrArray) live = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  const char *track, *party, *key = NULL, *party_session = NULL;
  gboolean mic, camera;

  if (!rd_daemon_get_string_param (req, params, "track", FALSE, &track) ||
      !rd_daemon_get_string_param (req, params, "party", FALSE, &party))
    return;
  if (party && !(key = rd_parties_get_key (d->parties, party, &party_session)))
    {
      rd_control_request_reply_error (req, RD_PROTO_CODE_NOT_FOUND,
                                      "no party \"%s\" is in the room (receptionctl status lists "
                                      "the parties)",
                                      party);
      return;
    }
  if (track && !g_str_equal (track, "mic") && !g_str_equal (track, "camera"))
    {
      rd_control_request_reply_error (req, RD_PROTO_CODE_INVALID_PARAMS,
                                      "\"track\" must be \"mic\" or \"camera\" (or absent for "
                                      "both), not \"%s\"",
                                      track);
      return;
    }
  mic = !track || g_str_equal (track, "mic");
  camera = !track || g_str_equal (track, "camera");
  if (mic)
    key ? rd_room_set_party_muted (d->room, key, RD_ROOM_TRACK_MIC, muted)
        : rd_room_set_muted (d->room, RD_ROOM_TRACK_MIC, muted);
  if (camera)
    key ? rd_room_set_party_muted (d->room, key, RD_ROOM_TRACK_CAMERA, muted)
        : rd_room_set_muted (d->room, RD_ROOM_TRACK_CAMERA, muted);

  /* On the record of the party's session, or the live one (or the daemon's when none is). */
  live = rd_ledger_live_sessions (d->ledger, &error);
  if (!party_session && live && live->len)
    party_session = live->pdata[0];
  {
    g_autoptr (JsonNode) detail = json_from_string ("{}", NULL);
    json_object_set_string_member (json_node_get_object (detail), "track",
                                   track ? track : "mic+camera");
    if (party)
      json_object_set_string_member (json_node_get_object (detail), "party", party);
    if (!rd_ledger_add_event (d->ledger, party_session, rd_control_request_get_actor (req),
                              muted ? "mute" : "unmute", detail, &error))
      rd_log_session (G_LOG_LEVEL_WARNING, NULL, "could not record the %s in the ledger: %s",
                      muted ? "mute" : "unmute", error ? error->message : "?");
  }
  rd_log_session (G_LOG_LEVEL_MESSAGE, party_session, "%s %s%s%s by %s",
                  muted ? "muted" : "unmuted", track ? track : "mic and camera",
                  party ? " of party " : "", party ? party : "",
                  rd_control_request_get_actor (req));
  if (party)
    {
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "party");
      json_builder_add_string_value (b, party);
      json_builder_set_member_name (b, "mic");
      json_builder_add_boolean_value (b, rd_room_get_party_muted (d->room, key, RD_ROOM_TRACK_MIC));
      json_builder_set_member_name (b, "camera");
      json_builder_add_boolean_value (b,
                                      rd_room_get_party_muted (d->room, key, RD_ROOM_TRACK_CAMERA));
      json_builder_end_object (b);
    }
  else
    rd_daemon_add_muted (b, d);
  rd_control_request_reply (req, json_builder_get_root (b));
}

void
rd_daemon_method_mute (RdDaemon *d, RdControlRequest *req, JsonObject *params)
{
  set_muted (d, req, params, TRUE);
}

void
rd_daemon_method_unmute (RdDaemon *d, RdControlRequest *req, JsonObject *params)
{
  set_muted (d, req, params, FALSE);
}

void
rd_daemon_add_muted (JsonBuilder *b, RdDaemon *d)
{
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "mic");
  json_builder_add_boolean_value (b, rd_room_get_muted (d->room, RD_ROOM_TRACK_MIC));
  json_builder_set_member_name (b, "camera");
  json_builder_add_boolean_value (b, rd_room_get_muted (d->room, RD_ROOM_TRACK_CAMERA));
  json_builder_end_object (b);
}
