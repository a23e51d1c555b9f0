/* rd-console-error.h: receptionctl's error domain, RD_CONSOLE_ERROR.
 *
 * Contract: rd_console_call() (rd-console-client.h) fails only with these codes; receptionctl
 * prints the message and exits with the status given here. What each code means to a caller:
 *   UNREACHABLE  nothing answers at the control socket: receptiond is not running, or the
 *                socket path or its permissions are wrong (69 EX_UNAVAILABLE)
 *   PROTOCOL     the connection broke or timed out before a reply, or what came back is not a
 *                reply of the control protocol (proto/rd-proto.h) (76 EX_PROTOCOL)
 *   DAEMON       receptiond answered with an error: the request was understood and refused or
 *                failed; the message is receptiond's, followed by its reply code in
 *                parentheses, e.g. "... (conflict)" (1)
 *
 * Threading: rd_console_error_quark() may be called from any thread.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define RD_CONSOLE_ERROR (rd_console_error_quark ())
GQuark rd_console_error_quark (void);

typedef enum
{
  RD_CONSOLE_ERROR_UNREACHABLE,
  RD_CONSOLE_ERROR_PROTOCOL,
  RD_CONSOLE_ERROR_DAEMON,
} RdConsoleError;

G_END_DECLS
