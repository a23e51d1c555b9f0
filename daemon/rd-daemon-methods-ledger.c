/* rd-daemon-methods-ledger.c: the control methods of the ledger's tamper evidence: the room's
 * public key, signed checkpoints (made, and exported for the city board), and verification. */
#include "daemon/rd-daemon-methods.h"

#include "daemon/rd-daemon-log.h"
#include "daemon/rd-daemon-params.h"
#include "proto/rd-proto.h"

void
rd_daemon_method_ledger_key (RdDaemon *d, RdControlRequest *req, JsonObject *params)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "algorithm");
  json_builder_add_string_value (b, "Ed25519");
  json_builder_set_member_name (b, "public_key_hex");
  json_builder_add_string_value (b, rd_ledger_key_get_public_hex (d->room_key));
  json_builder_set_member_name (b, "public_key_pem");
  json_builder_add_string_value (b, rd_ledger_key_get_public_pem (d->room_key));
  json_builder_set_member_name (b, "path");
  json_builder_add_string_value (b, rd_ledger_key_get_path (d->room_key));
  json_builder_end_object (b);
  rd_control_request_reply (req, json_builder_get_root (b));
}

void
rd_daemon_method_ledger_checkpoint (RdDaemon *d, RdControlRequest *req, JsonObject *params)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *reason = g_strdup_printf ("requested by %s", rd_control_request_get_actor (req));
  JsonNode *checkpoint = rd_ledger_checkpoint (d->ledger, reason, &error);

  /* Logged by the ledger's checkpoint function (rd_log_checkpoint), as every checkpoint is. */
  rd_daemon_reply_or_ledger_error (req, NULL, checkpoint, &error);
}

void
rd_daemon_method_ledger_checkpoint_export (RdDaemon *d, RdControlRequest *req, JsonObject *params)
{
  g_autoptr (GError) error = NULL;
  JsonNode *checkpoint = rd_ledger_checkpoint_latest (d->ledger, &error);

  rd_daemon_reply_or_ledger_error (req, NULL, checkpoint, &error);
}

typedef struct
{
  RdDaemon *d;           /* counts the job in d->workers until on_verified: it outlives it */
  RdControlRequest *req; /* answered in on_verified */
  RdLedgerVerifyProgress progress; /* written by the worker: freed only in on_verified */
} VerifyJob;

static void
on_verified (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autofree VerifyJob *job = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) report = rd_ledger_verify_finish (result, &error);
  RdControlRequest *req = job->req;
  JsonObject *r, *first;

  job->d->workers--;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      /* the daemon is stopping (and waits for this): answered, so that the request is freed
       * and the client, while the control server is up, told why */
      rd_control_request_reply_error (req, RD_PROTO_CODE_FAILED,
                                      "ledger verify not finished: the daemon is stopping");
      return;
    }
  if (!report)
    {
      rd_daemon_reply_ledger_error (req, NULL, error);
      return;
    }
  r = json_node_get_object (report);
  if (json_object_get_boolean_member (r, "ok"))
    {
      rd_control_request_reply (req, g_steal_pointer (&report));
      return;
    }
  /* Evidence of tampering (or a lost file) is worth the log, once, here. */
  first = json_object_get_object_member (r, "first");
  rd_log_session (G_LOG_LEVEL_WARNING, NULL,
                  "ledger verify (by %s) failed: %s (%" G_GINT64_FORMAT " problem%s)",
                  rd_control_request_get_actor (req), json_object_get_string_member (first, "what"),
                  json_object_get_int_member (r, "problems"),
                  json_object_get_int_member (r, "problems") == 1 ? "" : "s");
  rd_control_request_reply_error (req, RD_PROTO_CODE_VERIFY_FAILED,
                                  "ledger verify failed: %s (%" G_GINT64_FORMAT " problem%s "
                                  "in all)",
                                  json_object_get_string_member (first, "what"),
                                  json_object_get_int_member (r, "problems"),
                                  json_object_get_int_member (r, "problems") == 1 ? "" : "s");
}

/* {"checkpoint": {...}} (optional): an exported checkpoint to find in the chain. The chain walk
 * and the re-hashing of every sealed file run in a worker thread (rd_ledger_verify_async), so
 * the main loop (status, signaling, recording, the watchdog) never waits for the disk; the
 * request is answered when it is done. */
void
rd_daemon_method_ledger_verify (RdDaemon *d, RdControlRequest *req, JsonObject *params)
{
  JsonNode *exported = params ? json_object_get_member (params, "checkpoint") : NULL;
  VerifyJob *job;

  if (exported && !JSON_NODE_HOLDS_OBJECT (exported))
    {
      rd_control_request_reply_error (req, RD_PROTO_CODE_INVALID_PARAMS,
                                      "\"checkpoint\" must be an exported checkpoint (a JSON "
                                      "object)");
      return;
    }
  job = g_new0 (VerifyJob, 1);
  job->d = d;
  job->req = req;
  d->workers++;
  rd_ledger_verify_async (d->ledger, exported ? json_node_get_object (exported) : NULL,
                          &job->progress, d->cancellable, on_verified, job);
}
