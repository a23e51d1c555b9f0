/* rd-signal-whip-private.h: how RdSignalServer (rd-signal-server.c) and the WHIP endpoint
 * (rd-signal-whip.c) are joined; for signaling/ and its tests only.
 *
 * Contract: an RdSignalWhip is the per-server state of the WHIP endpoint (its rate limiter, the
 * ICE-server Link headers of the config, the reply timeout). rd_signal_whip_attach() registers
 * the /whip handlers (early and normal) on a SoupServer. Requests that pass the HTTP checks of
 * rd-signal-whip.h are handed up by emitting @signal_id on @emitter (the RdSignalServer), or
 * answered 503 when no handler is connected to it.
 *
 * Threading: main context only. Ownership: the server owns the RdSignalWhip and keeps it alive
 * longer than any SoupServer it is attached to; requests in flight do not point at it.
 */
#pragma once

#include <libsoup/soup.h>

#include "config/rd-config.h"
#include "signaling/rd-signal-whip.h"

G_BEGIN_DECLS

#define RD_WHIP_PATH_PREFIX "/whip"
#define RD_WHEP_PATH_PREFIX "/whep" /* same length as RD_WHIP_PATH_PREFIX */

#define RD_WHIP_SDP_TYPE     "application/sdp"
#define RD_WHIP_SDPFRAG_TYPE "application/trickle-ice-sdpfrag"
/* Codes libsoup 3.2 has no name (nor a reason phrase) for: RFC 6585. */
#define RD_WHIP_STATUS_PRECONDITION_REQUIRED 428
#define RD_WHIP_STATUS_TOO_MANY_REQUESTS     429

/* Limits (rd-signal-whip.h). */
#define RD_WHIP_MAX_BODY           (64 * 1024) /* bytes; larger: 413 */
#define RD_WHIP_MAX_ID             64          /* characters of a session or peer id */
#define RD_WHIP_MAX_TOKEN          1024        /* characters of a bearer token; longer: 401 */
#define RD_WHIP_REPLY_TIMEOUT_MS   30000       /* unanswered this long: 504 */
#define RD_WHIP_RATE_BURST         20          /* POST/PATCH/DELETE per address at once ... */
#define RD_WHIP_RATE_PER_SECOND    2           /* ... and this many a second after that */
#define RD_WHIP_RATE_MAX_ADDRESSES 4096        /* buckets kept; the least recently used goes */
#define RD_WHIP_READ_RATE_BURST    60          /* GET/HEAD/OPTIONS per address at once ... */
#define RD_WHIP_READ_RATE_FACTOR   5           /* ... and this many times the write rate after */
#define RD_WHIP_NO_HANDLER_RETRY_S 5           /* Retry-After on the 503 without a handler */

typedef struct _RdSignalWhip RdSignalWhip;

/* (transfer full) */
RdSignalWhip *rd_signal_whip_new (GObject *emitter, guint signal_id, RdConfig *config);
void rd_signal_whip_free (RdSignalWhip *whip);

/* The rate limit's refill (requests a second per address after the burst). */
void rd_signal_whip_set_rate (RdSignalWhip *whip, double per_second);
double rd_signal_whip_get_rate (RdSignalWhip *whip);
void rd_signal_whip_set_reply_timeout (RdSignalWhip *whip, guint timeout_ms);
guint rd_signal_whip_get_reply_timeout (RdSignalWhip *whip);

/* Adds the handlers for RD_WHIP_PATH_PREFIX and RD_WHEP_PATH_PREFIX to @soup; they use @whip until
 * @soup is gone. */
void rd_signal_whip_attach (RdSignalWhip *whip, SoupServer *soup);

/* TRUE when @id is a valid session or peer id: [A-Za-z0-9_-]{1,64}. */
gboolean rd_signal_whip_id_is_valid (const char *id, gssize len);

/* Stops @msg's request body from being kept in memory (it is still read and discarded) and
 * marks the message as over the limit once more than RD_WHIP_MAX_BODY bytes arrive or are
 * announced. For every path that takes no body, and for every WHIP request. */
void rd_signal_whip_limit_body (SoupServerMessage *msg, gboolean keep_body);

/* Answers @msg 400 and closes its connection, before its body is read, when its body length is
 * ambiguous (RFC 9112 section 6.3): more than one Content-Length, a Content-Length that is not
 * digits, or one with Transfer-Encoding; whether it did. Every early handler calls it first. */
gboolean rd_signal_whip_reject_bad_framing (SoupServerMessage *msg);
gboolean rd_signal_whip_body_too_large (SoupServerMessage *msg);

/* The "Link: <...>; rel=\"ice-server\"..." values for the config's STUN and TURN servers, in
 * that order; empty when neither is set. A server whose user name or password cannot be put in
 * a quoted-string (control characters) is left out. (transfer full) */
GStrv rd_signal_whip_ice_links (RdConfig *config, gboolean with_turn);

/* ---- Shared by rd-signal-whip.c (routes, checks), rd-signal-whip-http.c (HTTP pieces) and
 * rd-signal-whip-request.c (RdWhipRequest, replies). ---- */

typedef struct
{
  char session_id[RD_WHIP_MAX_ID + 1];
  char peer_id[RD_WHIP_MAX_ID + 1];
  gboolean is_resource; /* /whip/<session>/<peer> rather than /whip/<session> */
  gboolean is_whep;     /* under /whep */
} RdWhipRoute;

/* The request parsers below are pure (no message, no I/O): they take the path and the request
 * headers as libsoup parsed them, and are what the fuzz target exercises.
 *
 * TRUE, filling @route, for "/whip/<session>", "/whip/<session>/<peer>" or the same under
 * /whep, with valid ids (rd_signal_whip_id_is_valid()); FALSE for anything else. */
gboolean rd_signal_whip_parse_route (const char *path, RdWhipRoute *route);
/* NULL when the body length @headers announce is unambiguous (RFC 9112 section 6.3); else the
 * sentence of the 400. */
const char *rd_signal_whip_framing_problem (SoupMessageHeaders *headers);

gboolean rd_signal_whip_method_is (SoupServerMessage *msg, const char *method);
/* A final error response: text/plain @message (or the reason phrase), WWW-Authenticate for 401,
 * Retry-After for 429 and 503. */
void rd_signal_whip_set_error (SoupServerMessage *msg, guint status, guint retry_after_s,
                               const char *message);
/* The same before the body is read (the connection is not reused when a body follows). */
void rd_signal_whip_reject_early (SoupServerMessage *msg, guint status, guint retry_after_s,
                                  const char *message);
/* The key a client is rate-limited by. (transfer full) */
char *rd_signal_whip_rate_key (SoupServerMessage *msg);
void rd_signal_whip_append_links (SoupServerMessage *msg, const char *const *links);
/* The token of "Authorization: Bearer <token>" (RFC 6750 b64token, at most RD_WHIP_MAX_TOKEN
 * characters) in the request @headers, pointing into them; NULL if none or malformed. */
const char *rd_signal_whip_bearer_token (SoupMessageHeaders *headers);
/* TRUE when the request @headers' Content-Type (parameters ignored) is @type. */
gboolean rd_signal_whip_content_type_is (SoupMessageHeaders *headers, const char *type);
/* The request @headers' If-Match value without its quotes; NULL when absent. (transfer full) */
char *rd_signal_whip_if_match (SoupMessageHeaders *headers);
/* NULL when @body (@len bytes, maybe with NULs, not necessarily NUL-terminated) is fit to hand to
 * the handler: UTF-8 text without NULs and, for an offer, an SDP offer (v=0) with at least one
 * complete m= line; else the sentence of the 400. Only for a request whose token the handler
 * accepted. */
const char *rd_signal_whip_body_problem (gboolean is_offer, const char *body, gsize len);
/* The text of every 401, whatever the reason (rd-signal-whip.h). */
#define RD_WHIP_UNAUTHORIZED_MESSAGE "A valid \"Authorization: Bearer <token>\" header is required."
/* Pauses @msg and emits @signal_id on @emitter with a new RdWhipRequest for it. */
void rd_signal_whip_request_start (SoupServerMessage *msg, const RdWhipRoute *route,
                                   const char *body, gsize body_len, const char *const *links,
                                   guint reply_timeout_ms, GObject *emitter, guint signal_id);

G_END_DECLS
