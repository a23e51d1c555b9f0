/* rd-test-signal.h: a real libsoup HTTPS client for the signaling tests (test-signal-whip*.c,
 * test-signal-server*.c): one request at a time per exchange, the server's certificate pinned
 * (accepted only when it is the @expected one, never "accept anything"), and what happened
 * (socket events, the certificate check, 1xx, the end) recorded for failure messages.
 *
 * Threading: the caller's thread-default main context (the exchange runs while it is iterated).
 * Ownership: rd_test_https_start() (transfer full), freed with rd_test_https_free() after
 * rd_test_https_finish(); @expected is borrowed and must outlive the exchange. */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

/* Iterates @context until @cond (@a, @b) holds or @timeout_ms went by; whether it holds. */
gboolean rd_test_signal_wait (GMainContext *context, guint timeout_ms,
                              gboolean (*cond) (gpointer a, gconstpointer b), gpointer a,
                              gconstpointer b);
/* Removes @path and everything below it (symbolic links not followed). */
void rd_test_signal_rm_rf (const char *path);
/* g_test_run (), or 77 (skipped) without a TLS backend (glib-networking). */
int rd_test_signal_run (void);
/* How many file descriptors this process has open. */
guint rd_test_signal_count_fds (void);

typedef struct
{
  const char *method;
  const char *path;         /* "/...", appended to the base URL */
  const char *auth;         /* the whole Authorization value; NULL: none */
  const char *content_type; /* NULL: none */
  const char *body;         /* NULL: no body */
  gssize body_len;          /* 0 or -1: strlen (body) */
  const char *if_match;
  gboolean expect_continue;
  GInputStream *stream; /* instead of body */
  gssize stream_len;    /* -1: chunked */
} RdTestHttpsRequest;

typedef struct
{
  SoupSession *session;
  SoupMessage *msg;
  GCancellable *cancellable;
  GTlsCertificate *expected;
  GString *seen; /* what happened, for failure messages */
  gboolean accept_called;
  gboolean peer_matched;
  gboolean done;
  GBytes *body;
  GError *error;
} RdTestHttpsExchange;

/* Starts @req against @base_url ("https://127.0.0.1:PORT/"). */
RdTestHttpsExchange *rd_test_https_start (const char *base_url, const RdTestHttpsRequest *req,
                                          GTlsCertificate *expected);
/* Iterates the thread-default context until @ex is done or @timeout_ms went by ("TIMEOUT" is
 * added to what was seen); whether it is done. */
gboolean rd_test_https_wait (RdTestHttpsExchange *ex, guint timeout_ms);
/* Done with a response (no error) from a server that presented the expected certificate. */
gboolean rd_test_https_ok (RdTestHttpsExchange *ex);
/* Cancels @ex if it is still running and waits until it has finished. */
void rd_test_https_finish (RdTestHttpsExchange *ex);
void rd_test_https_free (RdTestHttpsExchange *ex);

G_END_DECLS
