/* rd-signal-whip.h: the WHIP endpoint of RdSignalServer (RFC 9725; ../shared/reference/WHIP.md).
 *
 * Paths (part of the contract): endpoint POST /whip/<session-id>, resource
 * /whip/<session-id>/<peer-id>. Ids are [A-Za-z0-9_-]{1,64}; anything else is 404.
 *
 * What signaling decides by itself (HTTP rules, no knowledge of sessions or tokens):
 * - OPTIONS (CORS preflight, no token): 200 with Accept-Post: application/sdp, the Allow and
 *   Access-Control-Allow-Methods/-Headers headers and the Link ice-server headers.
 * - GET/HEAD on an endpoint: 204, no body. Other methods: 405 with Allow.
 * - POST/PATCH/DELETE without "Authorization: Bearer <token>": 401 with
 *   "WWW-Authenticate: Bearer". The token is handed up, never logged or kept.
 * - POST: Content-Type other than application/sdp: 415; body over 64 KiB: 413; a body that is
 *   not an SDP offer with at least one m= line: 400.
 * - PATCH: Content-Type other than application/trickle-ice-sdpfrag: 415; no If-Match: 428.
 * - More than a burst of POST/PATCH/DELETE from one address: 429 with Retry-After.
 * - Every response carries the CORS headers (see rd-signal-server.h).
 * Everything else (does the session exist, is the token valid for it, is the offer usable, does
 * the ETag match) is decided by whoever handles the "whip-request" signal of RdSignalServer:
 *   void handler (RdSignalServer *server, RdWhipRequest *request, gpointer user_data)
 * which must answer the request exactly once, now or later, with one of the reply functions.
 * The HTTP response waits (the message is paused) until then. A request not answered within 30 s
 * is answered 504 by signaling and its later reply is ignored.
 *
 * Threading: main context only. Ownership: the request belongs to signaling; the handler may
 * keep the pointer (transfer none) until it replies; strings are owned by the request.
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
} RdWhipAction;

typedef struct _RdWhipRequest RdWhipRequest;

RdWhipAction rd_whip_request_get_action (RdWhipRequest *request);
const char *rd_whip_request_get_session_id (RdWhipRequest *request);
/* NULL for an offer. */
const char *rd_whip_request_get_peer_id (RdWhipRequest *request);
/* The bearer token as sent. Never log it. */
const char *rd_whip_request_get_token (RdWhipRequest *request);
/* The body (NUL-terminated, valid UTF-8); "" for DELETE. */
const char *rd_whip_request_get_body (RdWhipRequest *request);
/* The If-Match value without quotes ("*" for a restart); NULL when absent. */
const char *rd_whip_request_get_if_match (RdWhipRequest *request);
/* The client's IP address as text. */
const char *rd_whip_request_get_remote_address (RdWhipRequest *request);
/* The request's own endpoint URL ("https://host:port/whip/<session-id>"). */
const char *rd_whip_request_get_endpoint_url (RdWhipRequest *request);

/* 201 Created: body @answer_sdp (application/sdp), Location /whip/<session>/<@peer_id>, ETag
 * "<@etag>", and the Link ice-server headers of the configured STUN/TURN servers. */
void rd_whip_request_reply_created (RdWhipRequest *request, const char *peer_id,
                                    const char *answer_sdp, const char *etag);
/* 204 No Content (trickle accepted) or 200 OK (delete). */
void rd_whip_request_reply_empty (RdWhipRequest *request, guint status);
/* 200 OK with an application/trickle-ice-sdpfrag body and a new ETag (ICE restart). */
void rd_whip_request_reply_sdpfrag (RdWhipRequest *request, const char *sdpfrag, const char *etag);
/* An error status with a text/plain @message (one sentence saying what was wrong). 401 adds
 * WWW-Authenticate: Bearer; 429/503 add Retry-After: @retry_after_s when > 0. */
void rd_whip_request_reply_error (RdWhipRequest *request, guint status, guint retry_after_s,
                                  const char *message);

G_END_DECLS
