/* rd-daemon-params.c: the control methods' shared helpers. See rd-daemon-params.h. */
#include "daemon/rd-daemon-params.h"

#include <string.h>

#include "daemon/rd-daemon-log.h"
#include "ledger/rd-ledger-error.h"
#include "ledger/rd-ledger.h"
#include "proto/rd-proto.h"

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

void
rd_daemon_reply_or_ledger_error (RdControlRequest *req, const char *session_id, JsonNode *result,
                                 GError **error)
{
  if (result)
    rd_control_request_reply (req, result);
  else
    rd_daemon_reply_ledger_error (req, session_id, *error);
}
