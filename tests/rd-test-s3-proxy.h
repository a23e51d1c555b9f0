/* rd-test-s3-proxy.h: a small HTTP proxy in front of s3rver that answers 503 Slow Down to some
 * requests (the first K, or every Nth) and forwards the others unchanged, for the archive's
 * 503 storm test. It listens on 127.0.0.1 (the test's own network namespace) and serves in a
 * thread of its own, so a test blocked on receptionctl does not stop it.
 *
 * Threading: new/free and the counters from the test's main thread; the counters are atomic.
 * Ownership: rd_test_s3_proxy_new() (transfer full), rd_test_s3_proxy_free(). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _RdTestS3Proxy RdTestS3Proxy;

/* Forwards to @upstream (http://host:port) and answers 503 to requests 1..@fail_first and to
 * every @fail_every-th request after them (0: none), with "Retry-After: @retry_after" when
 * @retry_after > 0. */
RdTestS3Proxy *rd_test_s3_proxy_new (const char *upstream, guint fail_first, guint fail_every,
                                     guint retry_after);
void rd_test_s3_proxy_free (RdTestS3Proxy *p);
/* http://127.0.0.1:PORT */
const char *rd_test_s3_proxy_url (RdTestS3Proxy *p);
/* From now on adds header @name: @value to every answer to a HEAD (a server that reports a
 * checksum). */
void rd_test_s3_proxy_set_head_header (RdTestS3Proxy *p, const char *name, const char *value);
/* From now on forwards every request. */
void rd_test_s3_proxy_calm (RdTestS3Proxy *p);
/* Holds the requests whose URI (path and query) contains @what, unanswered, until
 * rd_test_s3_proxy_release(); then answers them 503 without forwarding them (the client that
 * sent them may be gone). While one is held the proxy serves nothing else. */
void rd_test_s3_proxy_hold (RdTestS3Proxy *p, const char *what);
void rd_test_s3_proxy_release (RdTestS3Proxy *p);
/* How many requests are held now. */
guint rd_test_s3_proxy_holding (RdTestS3Proxy *p);
/* Requests seen, and those answered 503. */
guint rd_test_s3_proxy_requests (RdTestS3Proxy *p);
guint rd_test_s3_proxy_refused (RdTestS3Proxy *p);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RdTestS3Proxy, rd_test_s3_proxy_free)

G_END_DECLS
