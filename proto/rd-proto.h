/* rd-proto.h: the control protocol between receptiond and receptionctl.
 *
 * Contract: over a Unix stream socket, each message is one JSON object on one line ('\n'
 * terminated; the encoder never emits a raw newline inside a message).
 *   request:  {"method": "session.start", "params": {...}}            (params optional)
 *   reply:    {"ok": true, "result": <any>}
 *          or {"ok": false, "error": {"code": "<RD_PROTO_CODE_*>", "message": "<sentence>"}}
 * A client may send several requests on one connection; replies come back in order, one per
 * request. A request line longer than RD_PROTO_MAX_REQUEST bytes is refused with "too-large" and
 * the connection is closed. A connection silent for RD_PROTO_IDLE_TIMEOUT_S seconds is closed.
 *
 * Threading: plain functions, no shared state. Ownership: returned nodes/strings are
 * (transfer full); arguments are (transfer none) unless the name says "take".
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define RD_PROTO_MAX_REQUEST    (64 * 1024)
#define RD_PROTO_MAX_REPLY      (16 * 1024 * 1024)
#define RD_PROTO_IDLE_TIMEOUT_S 10

/* Error codes carried in replies. */
#define RD_PROTO_CODE_BAD_REQUEST    "bad-request"    /* not JSON, or not a request object */
#define RD_PROTO_CODE_TOO_LARGE      "too-large"      /* request over RD_PROTO_MAX_REQUEST */
#define RD_PROTO_CODE_UNKNOWN_METHOD "unknown-method" /* no such method */
#define RD_PROTO_CODE_INVALID_PARAMS "invalid-params" /* a parameter is missing or wrong */
#define RD_PROTO_CODE_NOT_FOUND      "not-found"      /* the named session/object does not exist */
#define RD_PROTO_CODE_CONFLICT       "conflict"       /* not allowed in the object's state */
#define RD_PROTO_CODE_FAILED         "failed"         /* the daemon tried and failed */
#define RD_PROTO_CODE_TIMEOUT        "timeout"        /* no complete request in time */
#define RD_PROTO_CODE_VERIFY_FAILED  "verify-failed"  /* ledger verify found a problem */
#define RD_PROTO_CODE_FORBIDDEN      "forbidden"      /* the caller lacks the method's role */

/* Serialises @message and appends '\n'. (transfer full) */
char *rd_proto_encode (JsonNode *message, gsize *length);

/* Parses one line (without its '\n') into a JSON object node; RD_PROTO_ERROR_MALFORMED
 * (proto/rd-proto-error.h) when it is not one. (transfer full) */
JsonNode *rd_proto_decode (const char *line, gsize length, GError **error);
/* FALSE with RD_PROTO_ERROR_MALFORMED when JSON @text escapes a NUL character (\u0000) in a
 * string: json-glib keeps such a string only up to the NUL, silently. rd_proto_decode() checks
 * it; whoever parses JSON from elsewhere for a request (a file) checks it first. */
gboolean rd_proto_check_no_nul (const char *text, gsize length, GError **error);

/* Builds a request; @params may be NULL. Takes ownership of @params. (transfer full) */
JsonNode *rd_proto_request_new (const char *method, JsonNode *params);

/* Builds replies. rd_proto_reply_ok takes ownership of @result (may be NULL). (transfer full) */
JsonNode *rd_proto_reply_ok (JsonNode *result);
JsonNode *rd_proto_reply_error (const char *code, const char *message);

/* Reads a request: its method (owned by @request) and params object (NULL if absent);
 * RD_PROTO_ERROR_MALFORMED when it is not a request. */
gboolean rd_proto_parse_request (JsonNode *request, const char **method, JsonObject **params,
                                 GError **error);

G_END_DECLS
