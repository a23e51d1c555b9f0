/* rd-daemon-methods-layout.c: the control method "layout" (what the parties and the display see,
 * rd_room_set_layout()) and the layout's part of status. */
#include "daemon/rd-daemon-methods.h"
#include "daemon/rd-daemon-log.h"
#include "daemon/rd-daemon-params.h"
#include "daemon/rd-daemon-private.h"
#include "media/rd-media-room.h"
#include "proto/rd-proto.h"

void
rd_daemon_add_layout (JsonBuilder *b, RdDaemon *d)
{
  RdLayout shown;
  RdLayout asked = rd_room_get_layout (d->room, &shown);
  const char *speaker = rd_room_get_active_speaker (d->room);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "layout");
  json_builder_add_string_value (b, rd_layout_to_string (asked));
  json_builder_set_member_name (b, "shown");
  json_builder_add_string_value (b, rd_layout_to_string (shown));
  json_builder_set_member_name (b, "active_speaker");
  if (speaker)
    json_builder_add_string_value (b, speaker);
  else
    json_builder_add_null_value (b);
  json_builder_end_object (b);
}

/* layout: {"name": "auto"|"room"|"grid"|"speaker"}; recorded on the live session's record. */
void
rd_daemon_method_layout (RdDaemon *d, RdControlRequest *req, JsonObject *params)
{
  g_autoptr (GPtrArray) live = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) detail = json_from_string ("{}", NULL);
  const char *name, *session;
  RdLayout layout;

  if (!rd_daemon_get_string_param (req, params, "name", TRUE, &name))
    return;
  if (!rd_layout_from_string (name, &layout))
    {
      rd_control_request_reply_error (req, RD_PROTO_CODE_INVALID_PARAMS,
                                      "\"name\" must be auto, room, grid or speaker, not \"%s\"",
                                      name);
      return;
    }
  rd_room_set_layout (d->room, layout);
  live = rd_ledger_live_sessions (d->ledger, &error);
  session = live && live->len ? live->pdata[0] : NULL;
  json_object_set_string_member (json_node_get_object (detail), "layout", name);
  if (!rd_ledger_add_event (d->ledger, session, rd_control_request_get_actor (req), "layout",
                            detail, &error))
    rd_log_session (G_LOG_LEVEL_WARNING, session, "could not record the layout in the ledger: %s",
                    error ? error->message : "?");
  rd_log_session (G_LOG_LEVEL_MESSAGE, session, "layout %s by %s", name,
                  rd_control_request_get_actor (req));
  rd_daemon_add_layout (b, d);
  rd_control_request_reply (req, json_builder_get_root (b));
}
