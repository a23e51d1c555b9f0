/* rd-daemon-methods-documents.c: the control methods that give what the book's printed
 * documents hold (document.refusal, document.receipt, document.record, document.conclusions;
 * receptionctl lays them out as PDF). Each is one rd_ledger_book_document() call with the
 * console user as actor; revealing a protected identity needs the supervisor role (the methods
 * table) and a reason, and is logged once here. */
#include "daemon/rd-daemon-methods.h"

#include "daemon/rd-daemon-log.h"
#include "daemon/rd-daemon-params.h"
#include "ledger/rd-ledger-book.h"
#include "proto/rd-proto.h"

static void
document (RdDaemon *d, RdControlRequest *req, JsonObject *params, const char *kind)
{
  const char *actor = rd_control_request_get_actor (req);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) doc = NULL;
  JsonNode *reveal_node = params ? json_object_get_member (params, "reveal") : NULL;
  gboolean reveal = FALSE;
  const char *id, *reason;

  if (!rd_daemon_get_string_param (req, params, "id", TRUE, &id) ||
      !rd_daemon_get_string_param (req, params, "reason", FALSE, &reason))
    return;
  if (reveal_node != NULL && (!JSON_NODE_HOLDS_VALUE (reveal_node) ||
                              json_node_get_value_type (reveal_node) != G_TYPE_BOOLEAN))
    {
      rd_control_request_reply_error (req, RD_PROTO_CODE_INVALID_PARAMS,
                                      "\"reveal\" must be true or false");
      return;
    }
  reveal = reveal_node != NULL && json_node_get_boolean (reveal_node);
  if (reveal != (reason != NULL))
    {
      rd_control_request_reply_error (req, RD_PROTO_CODE_INVALID_PARAMS,
                                      reveal ? "revealing a protected identity needs a reason "
                                               "(--reason)"
                                             : "a reason (--reason) is only for --reveal");
      return;
    }
  doc = rd_ledger_book_document (d->ledger, kind, id, reason, actor, &error);
  if (doc == NULL)
    {
      rd_daemon_reply_ledger_error (req, NULL, error);
      return;
    }
  if (reveal)
    rd_log_session (G_LOG_LEVEL_MESSAGE, NULL,
                    "document %s %s issued with protected identities revealed to %s (%s)", kind, id,
                    actor, reason);
  json_object_set_string_member (json_node_get_object (doc), "format", "pdf");
  rd_control_request_reply (req, g_steal_pointer (&doc));
}

void
rd_daemon_method_document_refusal (RdDaemon *d, RdControlRequest *req, JsonObject *params)
{
  document (d, req, params, "refusal");
}

void
rd_daemon_method_document_receipt (RdDaemon *d, RdControlRequest *req, JsonObject *params)
{
  document (d, req, params, "receipt");
}

void
rd_daemon_method_document_record (RdDaemon *d, RdControlRequest *req, JsonObject *params)
{
  document (d, req, params, "record");
}

void
rd_daemon_method_document_conclusions (RdDaemon *d, RdControlRequest *req, JsonObject *params)
{
  document (d, req, params, "conclusions");
}
