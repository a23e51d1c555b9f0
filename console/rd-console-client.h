/* rd-console-client.h: receptionctl's side of the control protocol (proto/rd-proto.h).
 *
 * Contract: rd_console_call() connects to the daemon's socket, sends one request, waits for its
 * reply (at most @timeout_s seconds) and returns the reply's "result". Errors
 * (console/rd-console-error.h): RD_CONSOLE_ERROR_UNREACHABLE when nothing answers at the socket,
 * RD_CONSOLE_ERROR_PROTOCOL when the answer is not a reply, RD_CONSOLE_ERROR_DAEMON when the
 * daemon answered with an error (the message is the daemon's, followed by its code in
 * parentheses).
 *
 * Threading: blocking calls, one thread. Ownership: the result is (transfer full).
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Takes ownership of @params (may be NULL). (transfer full) */
JsonNode *rd_console_call (const char *socket_path, const char *method, JsonNode *params,
                           guint timeout_s, GError **error);

G_END_DECLS
