/* rd-test-client.h: the fixture of the WHIP/WHEP client's tests (test-signal-client*.c): a
 * SoupServer of the test's on 127.0.0.1 (plain HTTP; rd_test_client_listen() also serves
 * HTTPS) that records every request and answers from a script: one reply per request, in
 * order, the last one repeated; a reply of status 0 is held (no answer until
 * rd_test_client_release(), or ever). Waits fail the test after RD_TEST_CLIENT_WAIT_MS with
 * what was seen; no fixed sleeps.
 *
 * Threading: the test's thread, with the fixture's context pushed as its thread-default one
 * (rd_test_client_setup() to rd_test_client_teardown()). Ownership: as each function says;
 * strings in RdTestSeen belong to the fixture. */
#pragma once

#include "signaling/rd-signal-client.h"

#include <libsoup/soup.h>

G_BEGIN_DECLS

/* How long a wait may take before the test fails. */
#define RD_TEST_CLIENT_WAIT_MS (15 * 1000)
#define RD_TEST_TOKEN          "s3cret-Token.never~shown"
#define RD_TEST_SDP_TYPE       "application/sdp"
#define RD_TEST_SDPFRAG_TYPE   "application/trickle-ice-sdpfrag"

#define RD_TEST_OFFER                                                                              \
  "v=0\r\n"                                                                                        \
  "o=- 1 1 IN IP4 127.0.0.1\r\n"                                                                   \
  "s=-\r\n"                                                                                        \
  "t=0 0\r\n"                                                                                      \
  "a=group:BUNDLE video0 audio1\r\n"                                                               \
  "m=video 9 UDP/TLS/RTP/SAVPF 96\r\n"                                                             \
  "a=mid:video0\r\n"                                                                               \
  "a=ice-ufrag:offerUfrag\r\n"                                                                     \
  "a=ice-pwd:offerPasswordOfferPassword\r\n"                                                       \
  "a=sendonly\r\n"                                                                                 \
  "a=rtpmap:96 VP8/90000\r\n"                                                                      \
  "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"                                                            \
  "a=mid:audio1\r\n"                                                                               \
  "a=sendonly\r\n"                                                                                 \
  "a=rtpmap:111 opus/48000/2\r\n"
#define RD_TEST_ANSWER                                                                             \
  "v=0\r\no=- 2 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n"
#define RD_TEST_CAND1 "candidate:1 1 UDP 2122194687 127.0.0.1 50001 typ host"
#define RD_TEST_CAND2 "candidate:2 1 UDP 2122194687 127.0.0.1 50002 typ host"
#define RD_TEST_CAND3 "candidate:3 1 UDP 2122194687 127.0.0.1 50003 typ host"
#define RD_TEST_CAND4 "candidate:4 1 UDP 2122194687 127.0.0.1 50004 typ host"
#define RD_TEST_RESTART_FRAG                                                                       \
  "a=ice-ufrag:newUfrag\r\na=ice-pwd:newPasswordNewPasswordX\r\nm=video 9 UDP/TLS/RTP/SAVPF "      \
  "96\r\na=mid:video0\r\n"
#define RD_TEST_RESTART_ANSWER "a=ice-ufrag:srvU\r\na=ice-pwd:serverPasswordServerPass\r\n"
/* One reply of the scripted server. */
typedef struct
{
  guint status;        /* 0: hold (no answer until released) */
  const char *headers; /* "Name: value\n..." */
  const char *content_type;
  const char *body;
  const char *reason; /* NULL: the status's own */
} RdTestReply;

/* One request as the server saw it. */
typedef struct
{
  char *method;
  char *path;
  char *auth;
  char *if_match;
  char *content_type;
  char *body;
} RdTestSeen;

/* The fixture: a scripted server on 127.0.0.1 (plain HTTP) in a main context of its own. */
typedef struct
{
  char *tmpdir;
  GMainContext *context;
  SoupServer *server;
  char *base;      /* "http://127.0.0.1:PORT" */
  GPtrArray *seen; /* RdTestSeen */
  GPtrArray *held; /* SoupServerMessage, paused */
  const RdTestReply *script;
  guint script_len;
  guint script_pos;
  guint refused;
  GPtrArray *failures; /* trickle-failed messages */
} RdTestClientFixture;

/* A condition rd_test_client_wait_until() waits for. */
typedef gboolean (*RdTestClientCondition) (RdTestClientFixture *f, gconstpointer data);

/* The server's replies from now on: one per request, in order, the last one repeated. */
#define RD_TEST_SCRIPT(f, ...)                                                                     \
  G_STMT_START                                                                                     \
  {                                                                                                \
    static const RdTestReply script_[] = { __VA_ARGS__ };                                          \
    (f)->script = script_;                                                                         \
    (f)->script_len = G_N_ELEMENTS (script_);                                                      \
    (f)->script_pos = 0;                                                                           \
  }                                                                                                \
  G_STMT_END

/* A 201 with @location_header, ETag "etag-1" and the answer. */
#define RD_TEST_CREATED(location_header)                                                           \
  {                                                                                                \
    201, location_header "\nETag: \"etag-1\"", RD_TEST_SDP_TYPE, RD_TEST_ANSWER                    \
  }

void rd_test_client_setup (RdTestClientFixture *f, gconstpointer data);
void rd_test_client_teardown (RdTestClientFixture *f, gconstpointer data);

/* The scripted server's handler (also for a server of the test's own). */
void rd_test_client_handle (SoupServer *server, SoupServerMessage *msg, const char *path,
                            GHashTable *query, gpointer user_data);
/* Answers the oldest held request with @reply. */
void rd_test_client_release (RdTestClientFixture *f, const RdTestReply *reply);
/* Listens on 127.0.0.1, a free port; "http(s)://127.0.0.1:PORT". (transfer full) */
char *rd_test_client_listen (SoupServer *server, SoupServerListenOptions options);

/* Runs the context until @cond holds or the wait times out; whether it holds. */
gboolean rd_test_client_wait_until (RdTestClientFixture *f, RdTestClientCondition cond,
                                    gconstpointer data);
void rd_test_client_wait_seen (RdTestClientFixture *f, guint n);
void rd_test_client_wait_held (RdTestClientFixture *f, guint n);
/* Runs what is ready on the context (idle sources included) without blocking. */
void rd_test_client_drain (RdTestClientFixture *f);
/* A GAsyncReadyCallback storing a reference on the result in *(GAsyncResult **)user_data. */
void rd_test_client_on_result (GObject *source, GAsyncResult *result, gpointer user_data);
/* (transfer none): *@slot */
GAsyncResult *rd_test_client_wait_result (RdTestClientFixture *f, GAsyncResult **slot,
                                          const char *what);
/* The @i-th request the server saw. (transfer none) */
RdTestSeen *rd_test_client_seen (RdTestClientFixture *f, guint i);

/* A client of @kind for f->base + @path with RD_TEST_TOKEN (allow_http, 10 s). */
RdSignalClient *rd_test_client_new (RdTestClientFixture *f, RdSignalClientKind kind,
                                    const char *path);
/* POSTs RD_TEST_OFFER and waits for the result. */
RdSignalAnswer *rd_test_client_post (RdTestClientFixture *f, RdSignalClient *client,
                                     guint deadline_s, GError **error);
gboolean rd_test_client_delete (RdTestClientFixture *f, RdSignalClient *client, GError **error);
/* @message holds no part of @secret: none of its 8-character substrings (all of it when
 * shorter). */
void rd_test_client_assert_hides (const char *message, const char *secret);
/* @error has @code, mentions @mention (unless NULL), and no part of the token. */
void rd_test_client_assert_error (const GError *error, int code, const char *mention);
/* "trickle-refused" and "trickle-failed" handlers counting into f->refused, f->failures. */
void rd_test_client_on_refused (RdSignalClient *client, gpointer user_data);
void rd_test_client_on_failed (RdSignalClient *client, const char *message, gpointer user_data);
/* @text has @line followed by CRLF. */
gboolean rd_test_client_has_line (const char *text, const char *line);

G_END_DECLS
