/* rd-daemon-methods-bridge.c: the control methods that say who presided over a session, its
 * bridge points (điểm cầu trung tâm / thành phần) and who attended at each. The ledger checks
 * the fields and writes each in one transaction with the console user as actor; every method
 * answers with the session's presiding officer and bridge points as they now stand. */
#include "daemon/rd-daemon-methods.h"

#include "daemon/rd-daemon-log.h"
#include "daemon/rd-daemon-params.h"
#include "ledger/rd-ledger-book.h"

/* @params without "id": the fields for the ledger. (transfer full) */
static JsonObject *
fields_of (JsonObject *params)
{
  JsonObject *fields = json_object_new ();
  g_autoptr (GList) members = params ? json_object_get_members (params) : NULL;

  for (GList *l = members; l; l = l->next)
    if (!g_str_equal (l->data, "id"))
      json_object_set_member (fields, l->data,
                              json_node_copy (json_object_get_member (params, l->data)));
  return fields;
}

static void
reply_bridge (RdDaemon *d, RdControlRequest *req, const char *id)
{
  g_autoptr (GError) error = NULL;

  rd_daemon_reply_or_ledger_error (req, id, rd_ledger_session_bridge (d->ledger, id, &error),
                                   &error);
}

void
rd_daemon_method_session_presiding (RdDaemon *d, RdControlRequest *req, JsonObject *params)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) fields = NULL;
  const char *id;

  if (!rd_daemon_get_string_param (req, params, "id", TRUE, &id))
    return;
  fields = fields_of (params);
  if (!rd_ledger_session_presiding_set (d->ledger, id, fields, rd_control_request_get_actor (req),
                                        &error))
    {
      rd_daemon_reply_ledger_error (req, id, error);
      return;
    }
  reply_bridge (d, req, id);
}

void
rd_daemon_method_session_bridge_point (RdDaemon *d, RdControlRequest *req, JsonObject *params)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) fields = NULL;
  const char *id;

  if (!rd_daemon_get_string_param (req, params, "id", TRUE, &id))
    return;
  fields = fields_of (params);
  if (rd_ledger_bridge_point_add (d->ledger, id, fields, rd_control_request_get_actor (req),
                                  &error) == 0)
    {
      rd_daemon_reply_ledger_error (req, id, error);
      return;
    }
  reply_bridge (d, req, id);
}

void
rd_daemon_method_session_attendee (RdDaemon *d, RdControlRequest *req, JsonObject *params)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) fields = NULL;
  const char *id;

  if (!rd_daemon_get_string_param (req, params, "id", TRUE, &id))
    return;
  fields = fields_of (params);
  if (rd_ledger_bridge_point_attend (d->ledger, id, fields, rd_control_request_get_actor (req),
                                     &error) == 0)
    {
      rd_daemon_reply_ledger_error (req, id, error);
      return;
    }
  reply_bridge (d, req, id);
}
