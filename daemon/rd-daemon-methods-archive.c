/* rd-daemon-methods-archive.c: the archive's control methods: archive.status (the backlog and
 * every job), archive.retry (queue a job again) and archive.verify (its objects on the server,
 * HEAD with quick, else downloaded and re-hashed), archive.hold and archive.release (a legal
 * hold on a session's local files, with a reason on the record). See rd-daemon-methods.h. */
#include "daemon/rd-daemon-archive.h"
#include "daemon/rd-daemon-error.h"
#include "daemon/rd-daemon-log.h"
#include "daemon/rd-daemon-methods.h"
#include "daemon/rd-daemon-params.h"
#include "ledger/rd-ledger-archive.h"
#include "ledger/rd-ledger-error.h"
#include "proto/rd-proto.h"

void
rd_daemon_method_archive_status (RdDaemon *d, RdControlRequest *req, JsonObject *params)
{
  g_autoptr (GError) error = NULL;
  JsonNode *status = rd_archiver_status (d->archiver, &error);

  if (!status)
    rd_control_request_reply_error (req, RD_PROTO_CODE_FAILED, "%s", error->message);
  else
    rd_control_request_reply (req, status);
}

static gboolean
job_param (RdControlRequest *req, JsonObject *params, gint64 *id)
{
  JsonNode *n = params ? json_object_get_member (params, "id") : NULL;

  if (!n || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_INT64 ||
      json_node_get_int (n) < 1)
    {
      rd_control_request_reply_error (req, RD_PROTO_CODE_INVALID_PARAMS,
                                      "\"id\" must be an archive job's number");
      return FALSE;
    }
  *id = json_node_get_int (n);
  return TRUE;
}

void
rd_daemon_method_archive_retry (RdDaemon *d, RdControlRequest *req, JsonObject *params)
{
  g_autoptr (GError) error = NULL;
  gint64 id;

  if (!job_param (req, params, &id))
    return;
  if (!rd_ledger_archive_job_retry (d->ledger, id, rd_control_request_get_actor (req), &error))
    {
      rd_control_request_reply_error (
          req,
          g_error_matches (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_NOT_FOUND)
              ? RD_PROTO_CODE_NOT_FOUND
          : g_error_matches (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_STATE) ? RD_PROTO_CODE_CONFLICT
                                                                            : RD_PROTO_CODE_FAILED,
          "%s", error->message);
      return;
    }
  rd_log_session (G_LOG_LEVEL_MESSAGE, NULL, "archive job %" G_GINT64_FORMAT " queued again by %s",
                  id, rd_control_request_get_actor (req));
  rd_archiver_kick (d->archiver);
  rd_control_request_reply (req, rd_archiver_status (d->archiver, NULL));
}

typedef struct
{
  RdDaemon *d; /* counts the job in d->workers until on_verified */
  RdControlRequest *req;
} Verifying;

static void
on_verified (JsonNode *report, const GError *error, gpointer data)
{
  Verifying *v = data;

  v->d->workers--;
  if (!report)
    rd_control_request_reply_error (
        v->req,
        g_error_matches (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_NOT_FOUND)
            ? RD_PROTO_CODE_NOT_FOUND
        : g_error_matches (error, RD_DAEMON_ERROR, RD_DAEMON_ERROR_CONFLICT)
            ? RD_PROTO_CODE_CONFLICT
            : RD_PROTO_CODE_FAILED,
        "%s", error->message);
  else
    {
      JsonObject *o = json_node_get_object (report);
      if (!json_object_get_boolean_member (o, "ok"))
        rd_log_session (G_LOG_LEVEL_WARNING, json_object_get_string_member (o, "session"),
                        "archive verify: %s", json_object_get_string_member (o, "first_problem"));
      rd_control_request_reply (v->req, json_node_ref (report));
    }
  g_free (v);
}

void
rd_daemon_method_archive_verify (RdDaemon *d, RdControlRequest *req, JsonObject *params)
{
  Verifying *v;
  gint64 id;

  if (!job_param (req, params, &id))
    return;
  v = g_new0 (Verifying, 1);
  v->d = d;
  v->req = req;
  d->workers++;
  rd_archiver_verify (d->archiver, id,
                      json_object_get_boolean_member_with_default (params, "quick", FALSE),
                      d->cancellable, on_verified, v);
}

static void
set_hold (RdDaemon *d, RdControlRequest *req, JsonObject *params, gboolean hold)
{
  g_autoptr (GError) error = NULL;
  const char *session, *reason;

  if (!rd_daemon_get_string_param (req, params, "session", TRUE, &session) ||
      !rd_daemon_get_string_param (req, params, "reason", TRUE, &reason))
    return;
  if (!rd_ledger_archive_set_hold (d->ledger, session, hold, reason,
                                   rd_control_request_get_actor (req), &error))
    {
      rd_daemon_reply_ledger_error (req, session, error);
      return;
    }
  rd_log_session (G_LOG_LEVEL_MESSAGE, session, "%s by %s: %s",
                  hold ? "held (its local files stay)" : "released",
                  rd_control_request_get_actor (req), reason);
  if (!hold)
    rd_archiver_retain (d->archiver);
  rd_control_request_reply (req, rd_archiver_status (d->archiver, NULL));
}

void
rd_daemon_method_archive_hold (RdDaemon *d, RdControlRequest *req, JsonObject *params)
{
  set_hold (d, req, params, TRUE);
}

void
rd_daemon_method_archive_release (RdDaemon *d, RdControlRequest *req, JsonObject *params)
{
  set_hold (d, req, params, FALSE);
}
