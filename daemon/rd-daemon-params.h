/* rd-daemon-params.h: what every control method shares: reading a string parameter, and
 * answering a failed ledger call with the protocol's code for it (proto/rd-proto.h).
 *
 * Contract: a helper that returns FALSE has answered the request (the request is gone).
 * Threading: main context only. */
#pragma once

#include <json-glib/json-glib.h>

#include "daemon/rd-daemon-control.h"

G_BEGIN_DECLS

/* A string parameter of at most 1000 bytes of UTF-8: *@out NULL when absent; FALSE (and the
 * request answered) when it is not a string, or is required and absent. */
gboolean rd_daemon_get_string_param (RdControlRequest *req, JsonObject *params, const char *name,
                                     gboolean required, const char **out);
/* Answers a failed ledger call with the code of its error; logs (once) what is not the caller's
 * mistake. */
void rd_daemon_reply_ledger_error (RdControlRequest *req, const char *session_id,
                                   const GError *error);
/* Answers with @result (transfer full), or as rd_daemon_reply_ledger_error() with *@error when
 * @result is NULL. @error is a pointer so that it is read after the call that made @result:
 * rd_daemon_reply_or_ledger_error (req, NULL, rd_ledger_x (ledger, &error), &error). */
void rd_daemon_reply_or_ledger_error (RdControlRequest *req, const char *session_id,
                                      JsonNode *result, GError **error);

G_END_DECLS
