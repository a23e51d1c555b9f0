/* rd-daemon-methods.c: the one table of the control socket's methods: every method name the
 * daemon answers, and its handler. See rd-daemon-methods.h. */
#include "daemon/rd-daemon-methods.h"

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

static const struct
{
  const char *name;
  RdDaemonMethod fn;
} methods[] = {
  { "status", rd_daemon_method_status },
  { "session.start", rd_daemon_method_session_start },
  { "session.end", rd_daemon_method_session_end },
  { "session.list", rd_daemon_method_session_list },
  { "session.show", rd_daemon_method_session_show },
  { "session.invite", rd_daemon_method_session_invite },
  { "session.revoke", rd_daemon_method_session_revoke },
  { "session.join", method_session_join },
  { "session.leave", method_session_leave },
  { "mute", rd_daemon_method_mute },
  { "unmute", rd_daemon_method_unmute },
  { "layout", rd_daemon_method_layout },
  { "recording.verify", rd_daemon_method_recording_verify },
  { "recording.pause", rd_daemon_method_recording_pause },
  { "recording.resume", rd_daemon_method_recording_resume },
  { "ledger.key", rd_daemon_method_ledger_key },
  { "ledger.checkpoint", rd_daemon_method_ledger_checkpoint },
  { "ledger.checkpoint.export", rd_daemon_method_ledger_checkpoint_export },
  { "ledger.verify", rd_daemon_method_ledger_verify },
  { "registration.add", rd_daemon_method_registration_add },
  { "registration.update", rd_daemon_method_registration_update },
  { "registration.show", rd_daemon_method_registration_show },
  { "registration.list", rd_daemon_method_registration_list },
  { "session.schedule", rd_daemon_method_session_schedule },
  { "reception.add", rd_daemon_method_reception_add },
  { "reception.show", rd_daemon_method_reception_show },
  { "reception.list", rd_daemon_method_reception_list },
  { "conclusion.add", rd_daemon_method_conclusion_add },
  { "conclusion.list", rd_daemon_method_conclusion_list },
  { "followup.update", rd_daemon_method_followup_update },
  { "followup.overdue", rd_daemon_method_followup_overdue },
  { "book.export", rd_daemon_method_book_export },
  { "report", rd_daemon_method_report },
};

void
rd_daemon_methods_dispatch (RdControlRequest *req, gpointer daemon)
{
  const char *method = rd_control_request_get_method (req);

  for (gsize i = 0; i < G_N_ELEMENTS (methods); i++)
    if (g_str_equal (methods[i].name, method))
      {
        methods[i].fn (daemon, req, rd_control_request_get_params (req));
        return;
      }
  rd_control_request_reply_error (req, RD_PROTO_CODE_UNKNOWN_METHOD, "unknown method \"%s\"",
                                  method);
}
