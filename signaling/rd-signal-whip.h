/* rd-signal-whip.h: the WHIP and WHEP endpoints of RdSignalServer (WHIP: RFC 9725; WHEP:
 * draft-ietf-wish-whep).
 *
 * Paths (part of the contract): WHIP endpoint POST /whip/<session-id>, resource
 * /whip/<session-id>/<peer-id>; WHEP endpoint POST /whep/<session-id>, resource
 * /whep/<session-id>/<peer-id>. Ids are [A-Za-z0-9_-]{1,64}; anything else is 404. WHEP follows
 * every rule below exactly as WHIP does (the offer is the player's, usually recvonly), and its
 * requests come up through the same "whip-request" signal: rd_whip_request_is_whep() tells
 * them apart, and the 201's Location and the endpoint URL are under /whep. The one difference
 * signaling makes itself: GET/HEAD on a WHEP endpoint also carries
 * "Content-Type: application/sdp" (what it takes), as WHEP servers do.
 *
 * What signaling decides by itself (HTTP rules, no knowledge of sessions or tokens), in this
 * order. None of it depends on which sessions exist: an unknown session id gets what a live one
 * gets.
 * - More than a burst of POST/PATCH/DELETE from one address (20 at once, then 2 a second; an
 *   IPv6 address counts by its /64), or of GET/HEAD/OPTIONS (a budget of their own: 60 at once,
 *   then 10 a second): 429 with Retry-After. Counted before any other check.
 * - A request whose body length is ambiguous (two Content-Length headers, Content-Length with
 *   Transfer-Encoding, a Content-Length that is not digits): 400, and the connection closed
 *   without reading further (on every path, not only WHIP/WHEP).
 * - OPTIONS (CORS preflight, no token): 200 with the Allow and Access-Control-Allow-Methods/
 *   -Headers/-Max-Age headers; on an endpoint also Accept-Post: application/sdp and the Link
 *   ice-server headers of the STUN server only (TURN credentials go only to a caller with a
 *   token, on the 201), on a resource Accept-Patch: application/trickle-ice-sdpfrag.
 * - GET/HEAD on an endpoint: 204, no body. Other methods: 405 with Allow.
 * - POST/PATCH/DELETE/GET of a resource without a well-formed "Authorization: Bearer <token>":
 *   401. The token is handed up, never logged or kept.
 * - POST: Content-Type other than application/sdp (parameters allowed): 415; body over 64 KiB:
 *   413 (by Content-Length before the body is read, or as it arrives).
 * - PATCH: Content-Type other than application/trickle-ice-sdpfrag: 415; body over 64 KiB: 413;
 *   no If-Match: 428.
 * - No handler connected to "whip-request": 503 with Retry-After.
 * - Every response carries the CORS headers (see rd-signal-server.h); errors have a text/plain
 *   body saying what was wrong, except 401: every 401, signaling's or the handler's, whatever
 *   the reason (missing, malformed, unknown, expired, revoked, for another session or role),
 *   has the same body and "WWW-Authenticate: Bearer", so that it tells nothing about why.
 * Everything else (does the session exist, is the token valid for it, is the offer usable, does
 * the ETag match) is decided by whoever handles the "whip-request" signal of RdSignalServer:
 *   void handler (RdSignalServer *server, RdWhipRequest *request, gpointer user_data)
 * which must answer the request exactly once, now or later, with one of the reply functions.
 * The handler judges the token first: until it calls rd_whip_request_accept_token() the body
 * is not even checked as text, and rd_whip_request_get_body() gives nothing. That call checks
 * the body (UTF-8 without NULs; for POST an SDP offer, v=0, with at least one complete m= line)
 * and answers 400 itself when it is not.
 * The HTTP response waits (the message is paused) until then. A request not answered within 30 s
 * is answered 504 by signaling and its later reply is ignored; so is the reply to a request whose
 * client has gone (or whose server was stopped) meanwhile. Either way the reply is still due:
 * it is what frees the request.
 *
 * Threading: main context only. Ownership: the request belongs to signaling; the handler may
 * keep the pointer (transfer none) until it replies, which frees it (also after a 504 or a lost
 * client); strings are owned by the request. A reply that breaks the rules below (a status or
 * reply kind that does not fit the action, an invalid peer id or ETag) is a programming error:
 * it is reported as a failed precondition, the client gets 500 and the request is freed.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  RD_WHIP_ACTION_OFFER,   /* POST: body = SDP offer */
  RD_WHIP_ACTION_TRICKLE, /* PATCH with If-Match "<etag>": body = candidates (sdpfrag) */
  RD_WHIP_ACTION_RESTART, /* PATCH with If-Match "*": body = new ice-ufrag/ice-pwd (sdpfrag) */
  RD_WHIP_ACTION_DELETE,  /* DELETE the resource */
  RD_WHIP_ACTION_STATE,   /* GET the resource (beyond WHIP; the join page polls it): JSON */
} RdWhipAction;

typedef struct _RdWhipRequest RdWhipRequest;

RdWhipAction rd_whip_request_get_action (RdWhipRequest *request);
const char *rd_whip_request_get_session_id (RdWhipRequest *request);
/* NULL for an offer. */
const char *rd_whip_request_get_peer_id (RdWhipRequest *request);
/* The bearer token as sent. Never log it. */
const char *rd_whip_request_get_token (RdWhipRequest *request);
/* Tells signaling that the handler accepted the request's token: only now is the body checked.
 * TRUE: it is fit, and rd_whip_request_get_body() gives it. FALSE: it is not; the request was
 * answered 400 (saying what is wrong) and freed, and must not be used any more. Once per
 * request. */
gboolean rd_whip_request_accept_token (RdWhipRequest *request);
/* The body (NUL-terminated, valid UTF-8); "" for DELETE and GET. Only after
 * rd_whip_request_accept_token() returned TRUE (before: NULL, and a critical). */
const char *rd_whip_request_get_body (RdWhipRequest *request);
/* The If-Match value without quotes ("*" for a restart); NULL when absent. */
const char *rd_whip_request_get_if_match (RdWhipRequest *request);
/* The client's IP address as text. */
const char *rd_whip_request_get_remote_address (RdWhipRequest *request);
/* The request's own endpoint URL ("https://host:port/whip/<session-id>", or /whep/...). */
const char *rd_whip_request_get_endpoint_url (RdWhipRequest *request);
/* TRUE for a request under /whep (a player asking for the room's stream), FALSE under /whip. */
gboolean rd_whip_request_is_whep (RdWhipRequest *request);

/* 201 Created: body @answer_sdp (application/sdp), Location /whip/<session>/<@peer_id> (or
 * /whep/... for a WHEP request), ETag
 * "<@etag>", and the Link ice-server headers of the configured STUN/TURN servers. Offers only;
 * @peer_id follows the id rule, @etag is non-empty without quotes, spaces or controls. */
void rd_whip_request_reply_created (RdWhipRequest *request, const char *peer_id,
                                    const char *answer_sdp, const char *etag);
/* 204 No Content (trickle accepted) or 200 OK (delete); trickle and delete only. */
void rd_whip_request_reply_empty (RdWhipRequest *request, guint status);
/* 200 OK with an application/trickle-ice-sdpfrag body and a new ETag: an ICE restart, asked
 * with If-Match "*" or, with the current ETag, by a fragment with new credentials (PATCH only). */
void rd_whip_request_reply_sdpfrag (RdWhipRequest *request, const char *sdpfrag, const char *etag);
/* 200 OK with an application/json body (@json, an object): the answer to a GET of the resource,
 * e.g. the recording state for the join page's REC mark. */
void rd_whip_request_reply_json (RdWhipRequest *request, const char *json);
/* An error status (400-599) with a text/plain @message (one sentence saying what was wrong;
 * NULL: the reason phrase). 401 has the one body of every 401 instead of @message and adds
 * WWW-Authenticate: Bearer; 429/503 add Retry-After: @retry_after_s when > 0. Any action. */
void rd_whip_request_reply_error (RdWhipRequest *request, guint status, guint retry_after_s,
                                  const char *message);

G_END_DECLS
