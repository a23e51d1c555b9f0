/* rd-signal-client.h: RdSignalClient, the room's WHIP/WHEP client (libsoup 3) for joining a
 * conference hosted elsewhere (RFC 9725 for WHIP; WHEP, draft-ietf-wish-whep, works alike).
 * HTTP only: the SDP comes from and goes to media/ through the daemon.
 *
 * Contract:
 * - One client per resource (one WHIP publish or one WHEP play). rd_signal_client_new() checks
 *   the URL (https:// only, or http:// when the options allow it; a host; no user-info) and
 *   the token (printable ASCII, no spaces), and never sends anything.
 * - rd_signal_client_post_async() POSTs the offer (Content-Type application/sdp, Authorization:
 *   Bearer <token> when there is one). It follows 307/308 redirects (at most 5, each to an
 *   https URL unless allowed, never 301/302/303: those are errors), and on 503 or 429 (WHIP) or
 *   409 (WHEP: stream not live yet) retries after Retry-After (seconds or HTTP-date; missing: 2 s;
 *   capped at 30 s) with the backoff growing while @deadline_s (from the call) allows, then fails
 *   with RD_SIGNAL_ERROR_RETRY naming the last status. In detail: 301/302/303 fail with
 *   RD_SIGNAL_ERROR_HTTP, a 6th redirect or one without Location with RD_SIGNAL_ERROR_PROTOCOL, a
 *   redirect to a scheme not allowed with RD_SIGNAL_ERROR_URL; a WHEP client also retries 503 and
 * 429; the wait is Retry-After when given, else 2 s doubling at each retry (to 30 s); a wait that
 *   would end after @deadline_s (0: no retry at all) is not started. Retries go to the URL given
 *   at rd_signal_client_new(), not to where an earlier 307 led. 201 completes with an
 * RdSignalAnswer: the answer SDP, the resource URL (Location resolved against the URL that
 * answered; a 201 without Location, or with one not https:// (http:// when allowed), is
 * RD_SIGNAL_ERROR_PROTOCOL), the ETag (quoted form kept; may be NULL), and the ICE servers of its
 * Link rel="ice-server" headers (malformed Link values are skipped and counted in @links_skipped,
 * never fatal; see rd-signal-client-private.h for the few malformations of real servers that are
 * tolerated). A WHEP 406 with an SDP body completes with
 *   @counter_offer set: the body is the server's offer, to be answered with
 *   rd_signal_client_send_answer_async(). Every other status fails with RD_SIGNAL_ERROR_HTTP,
 *   message "POST <url>: <status> <reason>: <first line of a text body>"; a body that is not
 *   application/sdp on a 201 is RD_SIGNAL_ERROR_PROTOCOL.
 * - Trickle: rd_signal_client_add_candidate() buffers local candidates; nothing is sent before
 *   the 201. After it, buffered and new candidates go out in batched PATCHes
 *   (application/trickle-ice-sdpfrag, If-Match: the ETag, or "*" without one (sent with its
 *   quotes, If-Match: "*", as RFC 9725 and simple-whip-server have it); one PATCH in
 *   flight at a time, what arrives meanwhile waits for the next).
 * rd_signal_client_end_of_candidates() adds a=end-of-candidates to the next batch. A server that
 * answers 405/501 to a trickle PATCH does not do trickle: the client stops sending them (not an
 * error; "trickle-refused" is emitted once). Other failures of a trickle PATCH emit
 * "trickle-failed" (const char *message).
 * - ICE restart: rd_signal_client_restart_ice_async() PATCHes @sdpfrag with If-Match "*"; 200
 *   completes with the server's sdpfrag body and keeps the new ETag; any other status fails with
 *   RD_SIGNAL_ERROR_HTTP (the owner then re-POSTs with a new client); a 200 without a body is
 *   RD_SIGNAL_ERROR_PROTOCOL. Trickle candidates of the old ICE session still buffered are
 *   dropped; candidates added during the restart wait for its answer (and its ETag).
 * - rd_signal_client_send_answer_async() (WHEP 406 path) PATCHes our answer as application/sdp
 *   with If-Match the ETag of the 406 (none without one); any 2xx succeeds, and only then do
 *   our candidates start to go out. Operations on the resource before there is one fail with
 *   RD_SIGNAL_ERROR_PROTOCOL.
 * - rd_signal_client_delete_async() sends DELETE to the resource (200/204/404 all count as
 *   gone; others fail with RD_SIGNAL_ERROR_HTTP); without a resource it completes at once.
 *   Candidates added after it are dropped.
 * - Every request times out after the options' timeout (default 10 s): RD_SIGNAL_ERROR_TIMEOUT
 *   naming the method and URL. A host that cannot be resolved or reached: RD_SIGNAL_ERROR_CONNECT.
 *   TLS: the system CAs, or the options' CA file only; a certificate they do not accept fails
 *   with RD_SIGNAL_ERROR_UNTRUSTED naming the host and the reason, unless the options say
 *   insecure. A CA file that cannot be used fails rd_signal_client_new() with
 *   RD_SIGNAL_ERROR_TLS. Every code is explained in signaling/rd-signal-error.h.
 * - A response body over 1 MiB is refused (RD_SIGNAL_ERROR_PROTOCOL) without being kept. A
 *   cancelled @cancellable fails the operation with G_IO_ERROR_CANCELLED, also during a
 *   Retry-After wait.
 * - Tokens are never logged and never appear in an error message (a server's error text that
 *   echoes the token has it replaced by "[token]"). Every message of the client names a URL as
 *   rd_signal_client_shown_url() shows it: without query, fragment and user-info (a WHIP URL's
 *   query may carry a secret, e.g. ?token=...); a server's text that echoes a value of the query
 *   of a URL the client sent to has it replaced by "[hidden]" (values of 4 characters or more).
 *   Server text (reason phrase, first line of a text body) is scrubbed before it is cut to 200
 *   characters, so no part of a secret straddling the cut shows.
 * - Signals: "trickle-refused" (no arguments) and "trickle-failed" (const char *message), on the
 *   client's context.
 *
 * Threading: main context only (the thread-default context at rd_signal_client_new()).
 * Ownership: rd_signal_client_new() (transfer full); RdSignalAnswer is (transfer full), free it
 * with rd_signal_answer_free(); callbacks get strings owned by the client. Every request in
 * flight (trickle PATCHes included) holds a reference on the client, so a client its owner
 * drops lives until those are answered or time out.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum
{
  RD_SIGNAL_CLIENT_WHIP,
  RD_SIGNAL_CLIENT_WHEP,
} RdSignalClientKind;

typedef struct
{
  const char *ca_file; /* NULL: the system's CAs */
  gboolean insecure;   /* accept any certificate (--insecure) */
  gboolean allow_http; /* plain http:// URLs (tests, and a LAN server the config allows) */
  guint timeout_s;     /* per request; 0: 10 s */
} RdSignalClientOptions;

typedef struct
{
  char *url;                   /* "stun:...", "turn:...", "turns:..." as in the Link header */
  char *username, *credential; /* NULL for STUN */
} RdSignalIceServer;

/* Frees @server and its strings (NULL is ignored). */
void rd_signal_ice_server_free (RdSignalIceServer *server);

typedef struct
{
  char *sdp; /* the answer, or with counter_offer the server's offer */
  gboolean counter_offer;
  char *resource_url;     /* absolute */
  char *etag;             /* e.g. "\"abc\"", or NULL */
  GPtrArray *ice_servers; /* of RdSignalIceServer*, never NULL */
  guint links_skipped;
} RdSignalAnswer;

void rd_signal_answer_free (RdSignalAnswer *answer);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RdSignalAnswer, rd_signal_answer_free)

#define RD_TYPE_SIGNAL_CLIENT (rd_signal_client_get_type ())
G_DECLARE_FINAL_TYPE (RdSignalClient, rd_signal_client, RD, SIGNAL_CLIENT, GObject)

RdSignalClient *rd_signal_client_new (RdSignalClientKind kind, const char *url, const char *token,
                                      const RdSignalClientOptions *options, GError **error);

void rd_signal_client_post_async (RdSignalClient *self, const char *offer_sdp, guint deadline_s,
                                  GCancellable *cancellable, GAsyncReadyCallback callback,
                                  gpointer user_data);
RdSignalAnswer *rd_signal_client_post_finish (RdSignalClient *self, GAsyncResult *result,
                                              GError **error);

/* WHEP 406 path: PATCH the resource with our answer (application/sdp). */
void rd_signal_client_send_answer_async (RdSignalClient *self, const char *answer_sdp,
                                         GCancellable *cancellable, GAsyncReadyCallback callback,
                                         gpointer user_data);
gboolean rd_signal_client_send_answer_finish (RdSignalClient *self, GAsyncResult *result,
                                              GError **error);

/* @mid: the m-line's a=mid; @candidate: "candidate:..." without "a=". */
void rd_signal_client_add_candidate (RdSignalClient *self, const char *mid, const char *candidate);
void rd_signal_client_end_of_candidates (RdSignalClient *self);

void rd_signal_client_restart_ice_async (RdSignalClient *self, const char *sdpfrag,
                                         GCancellable *cancellable, GAsyncReadyCallback callback,
                                         gpointer user_data);
/* The server's sdpfrag. (transfer full) */
char *rd_signal_client_restart_ice_finish (RdSignalClient *self, GAsyncResult *result,
                                           GError **error);

void rd_signal_client_delete_async (RdSignalClient *self, GCancellable *cancellable,
                                    GAsyncReadyCallback callback, gpointer user_data);
gboolean rd_signal_client_delete_finish (RdSignalClient *self, GAsyncResult *result,
                                         GError **error);

/* How the client names @url in every message it makes: "scheme://host[:port]/path", i.e. @url
 * without its query, fragment and user-info, as written otherwise (not normalised). A string
 * that is not a URL is cut the same way; NULL gives "(none)". Owners that name the URL
 * themselves (logs, status, the ledger) use this, so that no secret of a query reaches them.
 * (transfer full); a pure function, any thread. */
char *rd_signal_client_shown_url (const char *url);

/* The resource URL after the 201, NULL before. (transfer none) */
const char *rd_signal_client_get_resource_url (RdSignalClient *self);

G_END_DECLS
