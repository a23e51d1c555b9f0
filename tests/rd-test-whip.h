/* rd-test-whip.h: a minimal WHIP client for tests: one HTTPS request at a time, synchronous,
 * trusting exactly the certificate in the daemon's state dir (pinned, not "accept anything").
 *
 * Threading: the calling thread (libsoup's synchronous API on its thread-default context). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  guint status;
  char *body;
  char *content_type;
  char *location;
  char *etag;
  char *www_authenticate;
  guint retry_after_s; /* 0 when absent */
  GStrv links;         /* every Link header value */
} RdTestWhipReply;

void rd_test_whip_reply_free (RdTestWhipReply *reply);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RdTestWhipReply, rd_test_whip_reply_free)

/* Sends @method to @url with @body (may be NULL) of @content_type, "Authorization: Bearer
 * @token" when @token is not NULL, and "If-Match: @if_match" when not NULL. @cert_pem_path is
 * the server certificate to trust (NULL: plain http:// to a test's own server, such as
 * simple-whip-server, or the system's CAs). Fails the test when no HTTP response comes in 20 s.
 * (transfer full) */
RdTestWhipReply *rd_test_whip_request (const char *cert_pem_path, const char *method,
                                       const char *url, const char *token, const char *content_type,
                                       const char *body, const char *if_match);

/* The same, but a 429 or 503 with Retry-After is waited out (the main context keeps running)
 * and the request sent again, up to 60 times: what a well-behaved client does. */
RdTestWhipReply *rd_test_whip_request_patiently (const char *cert_pem_path, const char *method,
                                                 const char *url, const char *token,
                                                 const char *content_type, const char *body,
                                                 const char *if_match);

G_END_DECLS
