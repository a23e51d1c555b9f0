/* rd-test-endpoint.h: the fixture of the WHIP endpoint's tests (test-signal-whip*.c): a started
 * RdSignalServer (HTTPS on 127.0.0.1, a STUN and a TURN server configured) whose "whip-request"
 * handler is the test's: it records what it got (RdTestEndpointSeen) and replies as the test
 * says (at once, from an idle callback, or holds the request); a real HTTPS client
 * (rd-test-signal.h) pinned to the server's certificate; waits that fail the test after
 * RD_EP_WAIT_TIMEOUT_MS with what was seen; and a GLib log writer that fails the run if the
 * bearer token ever appears in a log message, whatever its level.
 *
 * Threading: the test's thread, with the fixture's context pushed as its thread-default one
 * (rd_test_endpoint_setup() to rd_test_endpoint_teardown()). Ownership: as each function says;
 * what RdTestEndpointSeen holds belongs to the fixture. */
#pragma once

#include "signaling/rd-signal-server.h"
#include "signaling/rd-signal-whip.h"
#include "tests/rd-test-signal.h"

#include <libsoup/soup.h>

G_BEGIN_DECLS

/* How long one HTTP exchange (or any other wait) may take before the test fails. */
#define RD_EP_WAIT_TIMEOUT_MS (10 * 1000)
#define RD_EP_TOKEN           "tok3n.Never-Logged_~+/x42=="
#define RD_EP_AUTH            "Bearer " RD_EP_TOKEN
#define RD_EP_SESSION         "sess-1"
#define RD_EP_ENDPOINT        "/whip/" RD_EP_SESSION
#define RD_EP_RESOURCE        "/whip/" RD_EP_SESSION "/peer-1"
#define RD_EP_WHEP_ENDPOINT   "/whep/" RD_EP_SESSION
#define RD_EP_WHEP_RESOURCE   "/whep/" RD_EP_SESSION "/peer-1"
#define RD_EP_SDP_TYPE        "application/sdp"
#define RD_EP_SDPFRAG_TYPE    "application/trickle-ice-sdpfrag"
#define RD_EP_EXPOSE          "Location, ETag, Link"
#define RD_EP_ENDPOINT_ALLOW  "OPTIONS, GET, HEAD, POST"
#define RD_EP_RESOURCE_ALLOW  "OPTIONS, GET, PATCH, DELETE"

#define RD_EP_STUN_SERVER "stun://stun.example.org:3478"
#define RD_EP_TURN_SERVER "turn://alice:pa55word@turn.example.org:3479"
#define RD_EP_LINK_STUN   "<stun:stun.example.org:3478>; rel=\"ice-server\""
#define RD_EP_LINK_TURN                                                                            \
  "<turn:turn.example.org:3479?transport=udp>; rel=\"ice-server\"; username=\"alice\"; "           \
  "credential=\"pa55word\"; credential-type=\"password\""

#define RD_EP_OFFER                                                                                \
  "v=0\r\n"                                                                                        \
  "o=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n"                                                 \
  "s=-\r\n"                                                                                        \
  "t=0 0\r\n"                                                                                      \
  "a=group:BUNDLE 0 1\r\n"                                                                         \
  "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"                                                            \
  "c=IN IP4 0.0.0.0\r\n"                                                                           \
  "a=mid:0\r\n"                                                                                    \
  "a=sendrecv\r\n"                                                                                 \
  "a=rtpmap:111 opus/48000/2\r\n"                                                                  \
  "m=video 9 UDP/TLS/RTP/SAVPF 96\r\n"                                                             \
  "c=IN IP4 0.0.0.0\r\n"                                                                           \
  "a=mid:1\r\n"                                                                                    \
  "a=sendrecv\r\n"                                                                                 \
  "a=rtpmap:96 VP8/90000\r\n"
#define RD_EP_ANSWER                                                                               \
  "v=0\r\n"                                                                                        \
  "o=- 1 1 IN IP4 127.0.0.1\r\n"                                                                   \
  "s=-\r\n"                                                                                        \
  "t=0 0\r\n"                                                                                      \
  "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"                                                            \
  "a=mid:0\r\n"                                                                                    \
  "a=sendrecv\r\n"
#define RD_EP_CANDIDATES                                                                           \
  "a=ice-ufrag:EsAw\r\n"                                                                           \
  "a=ice-pwd:P2uYro0UCOQ4zxjKXaWCBui1\r\n"                                                         \
  "m=audio 9 UDP/TLS/RTP/SAVPF 0\r\n"                                                              \
  "a=mid:0\r\n"                                                                                    \
  "a=candidate:1 1 UDP 2122194687 127.0.0.1 61764 typ host\r\n"
#define RD_EP_RESTART_ANSWER                                                                       \
  "a=ice-ufrag:newU\r\n"                                                                           \
  "a=ice-pwd:newPasswordnewPassword\r\n"                                                           \
  "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"                                                            \
  "a=mid:0\r\n"                                                                                    \
  "a=candidate:1 1 UDP 2122194687 127.0.0.1 50000 typ host\r\n"

typedef enum
{
  RD_EP_ANSWER_NORMAL,       /* 201 / 204 / 200 sdpfrag / 200, as the action asks */
  RD_EP_ANSWER_UNAUTHORIZED, /* 401: the token is not valid for the session */
  RD_EP_ANSWER_STALE_ETAG,   /* 412: If-Match does not match */
  RD_EP_ANSWER_WRONG_KIND,   /* a 201 to whatever came: a programming error unless it is an offer */
} RdTestEndpointAnswer;

typedef struct
{
  RdWhipAction action;
  gboolean is_whep;
  char *session_id;
  char *peer_id;
  gboolean token_ok;
  char *body;
  char *if_match;
  char *remote_address;
  char *endpoint_url;
} RdTestEndpointSeen;

typedef struct
{
  char *tmpdir;
  GMainContext *context;
  RdConfig *config;
  RdSignalServer *server;
  GTlsCertificate *cert;
  gulong handler_id;

  RdTestEndpointAnswer answer;
  gboolean reply_later; /* from an idle callback rather than inside the emission */
  gboolean hold;        /* keep the request in held, reply when the test says */
  GPtrArray *seen;      /* RdTestEndpointSeen */
  GPtrArray *held;      /* RdWhipRequest, not answered yet */
} RdTestEndpoint;

typedef gboolean (*RdTestEndpointCondition) (RdTestEndpoint *f, gpointer data);

typedef struct
{
  SoupMessage *msg;
  char *body; /* NUL-terminated */
} RdTestEndpointResponse;

/* g_test_init () and the token guard as the GLib log writer (self-checked); FALSE without a TLS
 * backend (glib-networking): the caller then exits 77. */
gboolean rd_test_endpoint_init (int *argc, char ***argv);
/* g_test_run (), failed also when a log message carried the token. */
int rd_test_endpoint_run (void);

void rd_test_endpoint_setup (RdTestEndpoint *f, gconstpointer data);
void rd_test_endpoint_teardown (RdTestEndpoint *f, gconstpointer data);
/* A config with its state in @tmpdir/state, listening on 127.0.0.1:0, @network_extra lines in
 * [network]. (transfer full) */
RdConfig *rd_test_endpoint_config_new (const char *tmpdir, const char *network_extra);

/* Iterates the context until @cond holds; FALSE after RD_EP_WAIT_TIMEOUT_MS. */
gboolean rd_test_endpoint_wait_until (RdTestEndpoint *f, RdTestEndpointCondition cond,
                                      gpointer data);
gboolean rd_test_endpoint_seen_at_least (RdTestEndpoint *f, gpointer data);
gboolean rd_test_endpoint_fds_at_most (RdTestEndpoint *f, gpointer data);

/* Starts @req against @base_url (or the fixture's server), pinned to the fixture's certificate. */
RdTestHttpsExchange *rd_test_endpoint_start_at (RdTestEndpoint *f, const char *base_url,
                                                const RdTestHttpsRequest *req);
RdTestHttpsExchange *rd_test_endpoint_start (RdTestEndpoint *f, const RdTestHttpsRequest *req);
gboolean rd_test_endpoint_exchange_done (RdTestEndpoint *f, gpointer data);

void rd_test_endpoint_response_free (RdTestEndpointResponse *response);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RdTestEndpointResponse, rd_test_endpoint_response_free)
/* Sends @req and waits for the response; NULL after failing the test with what was seen. */
RdTestEndpointResponse *rd_test_endpoint_fetch (RdTestEndpoint *f, const RdTestHttpsRequest *req);
const char *rd_test_endpoint_header (RdTestEndpointResponse *response, const char *name);
const char *rd_test_endpoint_header_list (RdTestEndpointResponse *response, const char *name);
void rd_test_endpoint_assert_cors (RdTestEndpointResponse *response);
/* Sends @req, expects @status with the CORS headers; the response (NULL on failure). */
RdTestEndpointResponse *rd_test_endpoint_expect (RdTestEndpoint *f, const RdTestHttpsRequest *req,
                                                 guint status);
/* An error response: @status, CORS, a text/plain body that mentions @mention. */
void rd_test_endpoint_expect_error (RdTestEndpoint *f, const RdTestHttpsRequest *req, guint status,
                                    const char *mention);
/* The last request the handler saw. (transfer none) */
RdTestEndpointSeen *rd_test_endpoint_last_seen (RdTestEndpoint *f);

/* POST RD_EP_OFFER to RD_EP_ENDPOINT with the token. */
extern const RdTestHttpsRequest rd_test_endpoint_post_offer;
/* PATCH RD_EP_CANDIDATES to RD_EP_RESOURCE with the token, If-Match "etag-1" (the 201's). */
extern const RdTestHttpsRequest rd_test_endpoint_trickle;

G_END_DECLS
