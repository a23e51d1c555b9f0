/* rd-proto-error.h: the control protocol's error domain, RD_PROTO_ERROR.
 *
 * Contract: the rd_proto_* functions that read a message fail only with this code:
 *   MALFORMED  the line is not a well-formed message (not UTF-8, not JSON, not an object, or
 *              a request without a "method" string or with "params" that is not an object);
 *              the message says which. The daemon answers such a request "bad-request"; the
 *              console reports such a reply as RD_CONSOLE_ERROR_PROTOCOL.
 * The codes carried inside error replies ("bad-request", "conflict", ...) are strings of the
 * protocol itself, listed in rd-proto.h, not codes of this domain.
 *
 * Threading: rd_proto_error_quark() may be called from any thread.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define RD_PROTO_ERROR (rd_proto_error_quark ())
GQuark rd_proto_error_quark (void);

typedef enum
{
  RD_PROTO_ERROR_MALFORMED,
} RdProtoError;

G_END_DECLS
