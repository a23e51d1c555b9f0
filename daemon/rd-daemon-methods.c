/* rd-daemon-methods.c: the one table of the control socket's methods: every method name the
 * daemon answers, the role it needs, and its handler; the role is checked here, before the
 * handler runs. See rd-daemon-methods.h. */
#include "daemon/rd-daemon-methods.h"

#include "daemon/rd-daemon-log.h"
#include "proto/rd-proto.h"

/* The conferences joined are RdLinks' own: its handlers take the part, not the daemon. */
static void
method_session_join (RdDaemon *d, RdControlRequest *req, JsonObject *params)
{
  rd_links_method_join (d->links, req, params);
}

static void
method_session_leave (RdDaemon *d, RdControlRequest *req, JsonObject *params)
{
  rd_links_method_leave (d->links, req, params);
}

#define ANY  RD_ROLE_ANYONE
#define TECH RD_ROLE_TECHNICIAN
#define OFF  RD_ROLE_OFFICER
#define SUP  RD_ROLE_SUPERVISOR

/* Every method, the role it needs (rd-daemon-roles.h) and its handler. A method that can reveal
 * protected identities ("reveals": its "reveal" param) needs the supervisor role for that. */
static const struct
{
  const char *name;
  RdRole role;
  gboolean reveals;
  RdDaemonMethod fn;
} methods[] = {
  { "status", ANY, FALSE, rd_daemon_method_status },
  { "session.start", TECH, FALSE, rd_daemon_method_session_start },
  { "session.end", TECH, FALSE, rd_daemon_method_session_end },
  { "session.list", ANY, FALSE, rd_daemon_method_session_list },
  { "session.show", ANY, FALSE, rd_daemon_method_session_show },
  { "session.invite", TECH, FALSE, rd_daemon_method_session_invite },
  { "session.revoke", TECH, FALSE, rd_daemon_method_session_revoke },
  { "session.join", TECH, FALSE, method_session_join },
  { "session.leave", TECH, FALSE, method_session_leave },
  { "mute", TECH, FALSE, rd_daemon_method_mute },
  { "unmute", TECH, FALSE, rd_daemon_method_unmute },
  { "layout", TECH, FALSE, rd_daemon_method_layout },
  { "recording.verify", TECH, FALSE, rd_daemon_method_recording_verify },
  { "recording.pause", TECH, FALSE, rd_daemon_method_recording_pause },
  { "recording.resume", TECH, FALSE, rd_daemon_method_recording_resume },
  { "ledger.key", ANY, FALSE, rd_daemon_method_ledger_key },
  { "ledger.checkpoint", TECH, FALSE, rd_daemon_method_ledger_checkpoint },
  { "ledger.checkpoint.export", ANY, FALSE, rd_daemon_method_ledger_checkpoint_export },
  { "ledger.verify", TECH, FALSE, rd_daemon_method_ledger_verify },
  { "archive.status", ANY, FALSE, rd_daemon_method_archive_status },
  { "archive.retry", TECH, FALSE, rd_daemon_method_archive_retry },
  { "archive.verify", TECH, FALSE, rd_daemon_method_archive_verify },
  { "archive.hold", TECH, FALSE, rd_daemon_method_archive_hold },
  { "archive.release", TECH, FALSE, rd_daemon_method_archive_release },
  { "registration.add", OFF, FALSE, rd_daemon_method_registration_add },
  { "registration.update", OFF, FALSE, rd_daemon_method_registration_update },
  { "registration.show", OFF, TRUE, rd_daemon_method_registration_show },
  { "registration.list", OFF, FALSE, rd_daemon_method_registration_list },
  { "session.schedule", OFF, FALSE, rd_daemon_method_session_schedule },
  { "session.presiding", OFF, FALSE, rd_daemon_method_session_presiding },
  { "session.bridge-point", OFF, FALSE, rd_daemon_method_session_bridge_point },
  { "session.attendee", OFF, FALSE, rd_daemon_method_session_attendee },
  { "session.reschedule", OFF, FALSE, rd_daemon_method_session_reschedule },
  { "session.cancel", OFF, FALSE, rd_daemon_method_session_cancel },
  { "session.duty-done", OFF, FALSE, rd_daemon_method_session_duty_done },
  { "reception.add", OFF, FALSE, rd_daemon_method_reception_add },
  { "reception.show", OFF, FALSE, rd_daemon_method_reception_show },
  { "reception.list", OFF, FALSE, rd_daemon_method_reception_list },
  { "conclusion.add", OFF, FALSE, rd_daemon_method_conclusion_add },
  { "conclusion.list", OFF, FALSE, rd_daemon_method_conclusion_list },
  { "followup.update", OFF, FALSE, rd_daemon_method_followup_update },
  { "followup.overdue", OFF, FALSE, rd_daemon_method_followup_overdue },
  { "book.export", OFF, TRUE, rd_daemon_method_book_export },
  { "report", OFF, FALSE, rd_daemon_method_report },
  { "document.refusal", OFF, TRUE, rd_daemon_method_document_refusal },
  { "document.receipt", OFF, TRUE, rd_daemon_method_document_receipt },
  { "document.record", OFF, TRUE, rd_daemon_method_document_record },
  { "document.conclusions", OFF, TRUE, rd_daemon_method_document_conclusions },
  { "operator.add", SUP, FALSE, rd_daemon_method_operator_add },
  { "operator.passwd", SUP, FALSE, rd_daemon_method_operator_passwd },
  { "operator.disable", SUP, FALSE, rd_daemon_method_operator_disable },
  { "operator.list", SUP, FALSE, rd_daemon_method_operator_list },
};

#undef ANY
#undef TECH
#undef OFF
#undef SUP

/* Whether the request asks for a reveal: any "reveal" param but false or null counts (the
 * handler refuses one that is not a boolean, after this check). */
static gboolean
asks_reveal (JsonObject *params)
{
  JsonNode *n = params ? json_object_get_member (params, "reveal") : NULL;

  if (!n || JSON_NODE_HOLDS_NULL (n))
    return FALSE;
  return !(JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_BOOLEAN &&
           !json_node_get_boolean (n));
}

/* A reveal refused for the role is on the record, like a reveal done: who tried, what, why. */
static void
record_refused_reveal (RdDaemon *d, RdControlRequest *req, const char *method, JsonObject *params)
{
  g_autoptr (JsonNode) detail = json_from_string ("{}", NULL);
  JsonObject *o = json_node_get_object (detail);
  g_autoptr (GError) error = NULL;
  static const char *const copied[] = { "id", "from", "to", "reason" };

  json_object_set_string_member (o, "method", method);
  json_object_set_string_member (o, "needs", rd_role_name (RD_ROLE_SUPERVISOR));
  for (gsize i = 0; i < G_N_ELEMENTS (copied); i++)
    {
      JsonNode *n = params ? json_object_get_member (params, copied[i]) : NULL;

      if (n && JSON_NODE_HOLDS_VALUE (n) &&
          (json_node_get_value_type (n) == G_TYPE_STRING ||
           json_node_get_value_type (n) == G_TYPE_INT64))
        /* "id" is the registration's: registration show lists the event with it */
        json_object_set_member (o, g_str_equal (copied[i], "id") ? "registration_id" : copied[i],
                                json_node_copy (n));
    }
  if (!rd_ledger_add_event (d->ledger, NULL, rd_control_request_get_actor (req),
                            "identity-reveal-refused", detail, &error))
    rd_log_session (G_LOG_LEVEL_WARNING, NULL,
                    "could not record a refused reveal by %s in the ledger: %s",
                    rd_control_request_get_actor (req), error->message);
}

void
rd_daemon_methods_dispatch (RdControlRequest *req, gpointer daemon)
{
  RdDaemon *d = daemon;
  const char *method = rd_control_request_get_method (req);
  JsonObject *params = rd_control_request_get_params (req);

  for (gsize i = 0; i < G_N_ELEMENTS (methods); i++)
    if (g_str_equal (methods[i].name, method))
      {
        gboolean reveal = methods[i].reveals && asks_reveal (params);
        RdRole role = reveal ? RD_ROLE_SUPERVISOR : methods[i].role;

        if (!rd_roles_allow (d->roles, req, role))
          {
            g_autofree char *what = g_strdup_printf ("%s%s", method, reveal ? " with reveal" : "");
            g_autofree char *why = rd_roles_refusal (d->roles, req, what, role);

            if (reveal)
              {
                record_refused_reveal (d, req, method, params);
                rd_log_session (G_LOG_LEVEL_WARNING, NULL, "%s: %s",
                                rd_control_request_get_actor (req), why);
              }
            rd_control_request_reply_error (req, RD_PROTO_CODE_FORBIDDEN, "%s", why);
            return;
          }
        methods[i].fn (d, req, params);
        return;
      }
  rd_control_request_reply_error (req, RD_PROTO_CODE_UNKNOWN_METHOD, "unknown method \"%s\"",
                                  method);
}
