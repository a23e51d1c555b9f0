/* rd-signal-client-private.h: the parts of RdSignalClient (rd-signal-client.h) that are pure
 * functions, for signaling/ and its tests only.
 *
 * Contract:
 * - rd_signal_client_parse_links() reads the Link header values of a response (RFC 8288: one
 *   or several headers, each a comma-separated list of "<uri>; param=value; ..." with token
 *   or quoted-string values) and appends an RdSignalIceServer for each link whose rel holds
 *   "ice-server" and whose URI is a stun:, stuns:, turn: or turns: URI (TURN: username and
 *   credential required, credential-type absent or "password"). A value that does not parse,
 *   or an ice-server link that is not usable, is skipped and counted in the return value; links
 *   with another rel are ignored and not counted. Tolerated, because simple-whip-server (in
 *   front of Janus) sends them: an ICE URI without its <...>, a trailing ';', and ':' for '='
 *   between a parameter's name and value.
 * - rd_signal_client_parse_retry_after() reads Retry-After (RFC 9110 10.2.3): delta-seconds or
 *   an HTTP-date (a date in the past is 0 s). FALSE when absent or unreadable.
 * - Secrets: what no message of the client shows. rd_signal_secrets_new() starts the list with
 *   the token (shown as "[token]"); rd_signal_secrets_add_url() adds the values of a URL's query
 *   (shown as "[hidden]"): each value as written, percent-decoded, and form-decoded ('+' as a
 *   space), those of RD_SIGNAL_SECRET_MIN_LEN characters or more (shorter ones would blank out
 *   ordinary words of a server's text and hide nothing); a parameter without '=' is a value.
 *   rd_signal_secrets_scrub() replaces every occurrence of each, longest first (a secret that
 *   holds another is never left in part). The client adds every URL it sends to (its endpoint,
 *   the resource, each redirect's target) to its one list, and scrubs all text a server or a
 *   library wrote (reason phrases, bodies, transport errors) before it goes into a message.
 * - rd_signal_client_http_error() builds the client's error for a status it does not take:
 *   "<METHOD> <shown url>: <status> <reason>: <first line of a text body>" (the body part only
 *   for a text/... body, control characters replaced; the reason and that line are scrubbed of
 *   @secrets first, then the line is cut to 200 characters, so a secret that straddles the cut
 *   never shows in part). <shown url> is rd_signal_client_shown_url(): no query, no fragment,
 *   no user-info.
 *
 * - rd_signal_client_exchange() sends one request (Authorization: Bearer when a token is given)
 *   and follows 307/308 redirects itself (at most RD_SIGNAL_CLIENT_MAX_REDIRECTS, each to an
 *   https URL unless @options allow http; 301/302/303 are RD_SIGNAL_ERROR_HTTP, too many
 *   redirects or one without Location RD_SIGNAL_ERROR_PROTOCOL, one to a refused URL
 *   RD_SIGNAL_ERROR_URL). Each request (redirects included) times out after @options' timeout:
 *   RD_SIGNAL_ERROR_TIMEOUT; a certificate not accepted: RD_SIGNAL_ERROR_UNTRUSTED; any other
 *   transport failure: RD_SIGNAL_ERROR_CONNECT; a cancelled @cancellable: G_IO_ERROR_CANCELLED.
 *   Every message names the method and the shown URL, never the token nor a query value.
 *   @done gets the final response (any status but a redirect) or the error, on @context,
 *   exactly once.
 *
 * Threading: the exchange runs on @context; the parsers have no shared state. Ownership: as
 * each function says; @done's arguments are borrowed for the call.
 */
#pragma once

#include <libsoup/soup.h>

#include "signaling/rd-signal-client.h"

G_BEGIN_DECLS

/* Waits and limits of the client (rd-signal-client.h). */
#define RD_SIGNAL_CLIENT_MAX_REDIRECTS     5
#define RD_SIGNAL_CLIENT_RETRY_DEFAULT_S   2
#define RD_SIGNAL_CLIENT_RETRY_MAX_S       30
#define RD_SIGNAL_CLIENT_TIMEOUT_DEFAULT_S 10

/* @value: the whole Link field (several headers joined by ", ", as
 * soup_message_headers_get_list() gives them); may be NULL. Appends to @servers
 * (RdSignalIceServer*, freed with rd_signal_ice_server_free); returns how many were skipped. */
guint rd_signal_client_parse_links (const char *value, GPtrArray *servers);

/* @now: the current time (for an HTTP-date). */
gboolean rd_signal_client_parse_retry_after (const char *value, GDateTime *now, guint *seconds);

#define RD_SIGNAL_SECRET_MIN_LEN 4

/* (transfer full) GPtrArray of secrets (opaque), ref-counted; @token may be NULL. Values are
 * wiped when the array is freed. */
GPtrArray *rd_signal_secrets_new (const char *token);
void rd_signal_secrets_add_url (GPtrArray *secrets, const char *url);
/* @secrets may be NULL (nothing replaced). */
void rd_signal_secrets_scrub (GPtrArray *secrets, GString *text);

/* (transfer full); @secrets may be NULL. */
GError *rd_signal_client_http_error (const char *method, const char *url, SoupMessage *msg,
                                     GBytes *body, GPtrArray *secrets);

typedef struct
{
  const char *method;
  const char *url;
  const char *token;        /* NULL: no Authorization */
  const char *token_origin; /* the URL the token was given with: only its origin gets it */
  const char *content_type; /* with @body */
  const char *body;         /* NULL: no body */
  const char *if_match;     /* NULL: no If-Match */
  GPtrArray *secrets;       /* scrubbed from messages; redirect targets are added; may be NULL */
} RdSignalRequest;

/* @msg and @body are NULL with @error. @url: the URL that answered (after redirects). */
typedef void (*RdSignalExchangeDone) (SoupMessage *msg, GBytes *body, const char *url,
                                      const GError *error, gpointer user_data);

void rd_signal_client_exchange (SoupSession *session, GMainContext *context,
                                const RdSignalClientOptions *options,
                                const RdSignalRequest *request, GCancellable *cancellable,
                                RdSignalExchangeDone done, gpointer user_data);

/* ---- Inside RdSignalClient: rd-signal-client.c (object, POST) and rd-signal-client-trickle.c
 * (candidates, the WHEP answer, ICE restart, DELETE). ---- */

#define RD_SIGNAL_SDP_TYPE     "application/sdp"
#define RD_SIGNAL_SDPFRAG_TYPE "application/trickle-ice-sdpfrag"

enum
{
  RD_SIGNAL_CLIENT_SIGNAL_TRICKLE_REFUSED,
  RD_SIGNAL_CLIENT_SIGNAL_TRICKLE_FAILED,
  RD_SIGNAL_CLIENT_N_SIGNALS
};
extern guint rd_signal_client_signals[RD_SIGNAL_CLIENT_N_SIGNALS];

typedef struct
{
  char *mid;
  char *mline; /* "m=audio 9 UDP/TLS/RTP/SAVPF 111" */
} RdSignalMLine;

typedef struct
{
  char *mid;
  char *candidate;
} RdSignalCandidate;

struct _RdSignalClient
{
  GObject parent_instance;

  RdSignalClientKind kind;
  char *url;
  char *token;        /* never logged, wiped when freed */
  GPtrArray *secrets; /* rd_signal_secrets_new(): the token, the query values of our URLs */
  RdSignalClientOptions options;
  char *ca_file;
  SoupSession *session;
  GMainContext *context;

  char *resource_url;
  char *etag; /* quoted form as received */

  /* Trickle: what our SDP says (for the fragments) and what waits to be sent. */
  char *ufrag, *pwd;
  GPtrArray *mlines;  /* RdSignalMLine, in SDP order */
  GPtrArray *pending; /* RdSignalCandidate */
  gboolean end_pending;
  gboolean trickle_open; /* the resource exists and takes our candidates */
  gboolean trickle_in_flight;
  gboolean trickle_refused;
  gboolean restarting;
  gboolean deleted; /* DELETE sent: candidates are no longer taken */
  GSource *flush;
};

void rd_signal_client_mline_free (gpointer mline);
void rd_signal_client_candidate_free (gpointer candidate);
/* Our ICE credentials (and with @with_mlines our m-lines) from an SDP or sdpfrag of ours. */
void rd_signal_client_learn_sdp (RdSignalClient *self, const char *sdp, gboolean with_mlines);
/* Sends what waits (soon, from an idle source) when the trickle may go. */
void rd_signal_client_schedule_flush (RdSignalClient *self);
void rd_signal_client_send (RdSignalClient *self, const RdSignalRequest *request,
                            GCancellable *cancellable, RdSignalExchangeDone done,
                            gpointer user_data);
const char *rd_signal_response_header (SoupMessage *msg, const char *name);
/* (transfer full) */
char *rd_signal_response_text (GBytes *body);

G_END_DECLS
