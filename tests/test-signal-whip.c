/* test-signal-whip.c: the WHIP endpoint (signaling/rd-signal-whip.h) and the join page of
 * RdSignalServer, what it refuses and what it routes: every 4xx and 5xx that signaling decides
 * (bad SDP, token, route, method, ETag, size, type, rate limit, no handler, a wrong reply),
 * OPTIONS, GET and HEAD, the join page, and the rate limiter, ICE-server links and body limit
 * units. Driven by a real libsoup client over HTTPS on 127.0.0.1 against a real server whose
 * "whip-request" handler is the test's (rd-test-endpoint.h); the token must never appear in a
 * log message. test-signal-whip-replies.c has the replies (201, 204, 200), WHEP, late replies. */
#include "signaling/rd-signal-accept.h"
#include "signaling/rd-signal-join.h"
#include "signaling/rd-signal-ratelimit.h"
#include "signaling/rd-signal-whip-private.h"
#include "tests/rd-test-endpoint.h"

#include <string.h>

#include <libsoup/soup.h>

/* ---- 4xx decided by signaling ----------------------------------------------------------- */

static void
test_bad_sdp (RdTestEndpoint *f, gconstpointer data)
{
  RdTestHttpsRequest req = rd_test_endpoint_post_offer;

  req.body = "hello, this is not SDP";
  rd_test_endpoint_expect_error (f, &req, SOUP_STATUS_BAD_REQUEST, "v=0");
  req.body = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n";
  rd_test_endpoint_expect_error (f, &req, SOUP_STATUS_BAD_REQUEST, "no m= line");
  req.body = "v=1\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\n";
  rd_test_endpoint_expect_error (f, &req, SOUP_STATUS_BAD_REQUEST, "v=0");
  req.body = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio\r\n";
  rd_test_endpoint_expect_error (f, &req, SOUP_STATUS_BAD_REQUEST, "m= line");
  req.body = "v=0\r\ns=\xff\xfe\r\nm=audio 9 RTP/AVP 0\r\n";
  rd_test_endpoint_expect_error (f, &req, SOUP_STATUS_BAD_REQUEST, "UTF-8");
  req.body = "v=0\r\n\0m=audio 9 RTP/AVP 0\r\n";
  req.body_len = 25;
  rd_test_endpoint_expect_error (f, &req, SOUP_STATUS_BAD_REQUEST, "UTF-8");
  req.body = "";
  req.body_len = -1;
  rd_test_endpoint_expect_error (f, &req, SOUP_STATUS_BAD_REQUEST, "empty");
  /* Each went up first (the token is judged before the body), none with a body. */
  g_assert_cmpuint (f->seen->len, ==, 7);
  for (guint i = 0; i < f->seen->len; i++)
    g_assert_null (((RdTestEndpointSeen *)f->seen->pdata[i])->body);
}

/* The one 401 every refused token gets (rd-signal-whip.h): the body of @req's 401, which must
 * equal @expected when that is not NULL. (transfer full) */
static char *
expect_unauthorized (RdTestEndpoint *f, const RdTestHttpsRequest *req, const char *expected)
{
  g_autoptr (RdTestEndpointResponse) response = rd_test_endpoint_expect (f, req, 401);

  g_assert_nonnull (response);
  g_assert_cmpstr (rd_test_endpoint_header (response, "WWW-Authenticate"), ==, "Bearer");
  if (expected)
    g_assert_cmpstr (response->body, ==, expected);
  return g_strdup (response->body);
}

static void
test_unauthorized (RdTestEndpoint *f, gconstpointer data)
{
  const char *const bad[] = { NULL,
                              "Basic YWxpY2U6cGFzcw==",
                              "Bearer",
                              "Bearer ",
                              "Bearer two tokens",
                              "Bearer tok\"en",
                              "Token " RD_EP_TOKEN };
  RdTestHttpsRequest post = rd_test_endpoint_post_offer;
  RdTestHttpsRequest patch = { .method = "PATCH",
                               .path = RD_EP_RESOURCE,
                               .content_type = RD_EP_SDPFRAG_TYPE,
                               .body = RD_EP_CANDIDATES,
                               .if_match = "\"etag-1\"" };
  RdTestHttpsRequest del = { .method = "DELETE", .path = RD_EP_RESOURCE };
  g_autofree char *first = NULL;
  g_autofree char *refused = NULL;

  post.auth = NULL;
  first = expect_unauthorized (f, &post, NULL);
  g_assert_nonnull (strstr (first, "Authorization"));
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      post.auth = bad[i];
      g_free (expect_unauthorized (f, &post, first));
    }
  g_free (expect_unauthorized (f, &patch, first));
  g_free (expect_unauthorized (f, &del, first));
  /* Authentication comes first: also before the content type and the size. */
  post.auth = NULL;
  post.content_type = "text/plain";
  g_free (expect_unauthorized (f, &post, first));
  g_assert_cmpuint (f->seen->len, ==, 0);

  /* A well-formed token that the handler refuses, whatever the handler's reason: the same 401
   * as a missing one, so that no refusal tells a caller why its token failed. */
  f->answer = RD_EP_ANSWER_UNAUTHORIZED;
  refused = expect_unauthorized (f, &rd_test_endpoint_post_offer, first);
  g_assert_null (strstr (refused, "session"));
  g_assert_cmpuint (f->seen->len, ==, 1);
  g_assert_true (rd_test_endpoint_last_seen (f)->token_ok);
}

/* The token is judged before the body: a refused token gets its 401 whatever the body is (not
 * SDP, not UTF-8), so that nobody without a token reaches the offer parser. */
static void
test_token_before_body (RdTestEndpoint *f, gconstpointer data)
{
  RdTestHttpsRequest post = rd_test_endpoint_post_offer;
  RdTestHttpsRequest patch = { .method = "PATCH",
                               .path = RD_EP_RESOURCE,
                               .auth = RD_EP_AUTH,
                               .content_type = RD_EP_SDPFRAG_TYPE,
                               .body = "a=ice-ufrag:\xff\xfe\r\n",
                               .if_match = "\"etag-1\"" };
  RdTestHttpsRequest missing = rd_test_endpoint_post_offer;
  g_autofree char *first = NULL;

  missing.auth = NULL;
  first = expect_unauthorized (f, &missing, NULL);
  f->answer = RD_EP_ANSWER_UNAUTHORIZED;
  post.body = "hello, this is not SDP";
  g_free (expect_unauthorized (f, &post, first));
  post.body = "v=0\r\ns=\xff\xfe\r\nm=audio 9 RTP/AVP 0\r\n";
  g_free (expect_unauthorized (f, &post, first));
  post.body = "";
  g_free (expect_unauthorized (f, &post, first));
  g_free (expect_unauthorized (f, &patch, first));
  g_assert_cmpuint (f->seen->len, ==, 4);
}

static void
test_not_found (RdTestEndpoint *f, gconstpointer data)
{
  g_autofree char *long_id = g_strnfill (RD_WHIP_MAX_ID + 1, 'a');
  g_autofree char *max_id = g_strnfill (RD_WHIP_MAX_ID, 'a');
  g_autofree char *too_long = g_strconcat ("/whip/", long_id, NULL);
  g_autofree char *too_long_peer = g_strconcat (RD_EP_ENDPOINT "/", long_id, NULL);
  g_autofree char *longest = g_strconcat ("/whip/", max_id, NULL);
  const char *const paths[] = {
    "/whip",
    "/whip/",
    "/whip/bad!id",
    "/whip/a.b",
    "/whip/a%2Fb",
    "/whip/a%20b",
    RD_EP_ENDPOINT "/",
    RD_EP_RESOURCE "/",
    RD_EP_RESOURCE "/more",
    "/whipx/" RD_EP_SESSION,
    "/whip//peer",
    "/nothing",
    too_long,
    too_long_peer,
  };
  RdTestHttpsRequest get = { .method = "GET" };
  RdTestHttpsRequest longest_get = { .method = "GET", .path = longest };
  RdTestHttpsRequest post = rd_test_endpoint_post_offer;
  RdTestHttpsRequest options = { .method = "OPTIONS", .path = "/whip/bad!id" };
  g_autoptr (RdTestEndpointResponse) ok = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      get.path = paths[i];
      rd_test_endpoint_expect_error (f, &get, SOUP_STATUS_NOT_FOUND, NULL);
    }
  post.path = "/whip/bad!id";
  rd_test_endpoint_expect_error (f, &post, SOUP_STATUS_NOT_FOUND, "No such WHIP");
  post.path = too_long_peer;
  post.method = "DELETE";
  rd_test_endpoint_expect_error (f, &post, SOUP_STATUS_NOT_FOUND, "No such WHIP");
  rd_test_endpoint_expect_error (f, &options, SOUP_STATUS_NOT_FOUND, NULL);
  /* The longest id is still an id. */
  ok = rd_test_endpoint_expect (f, &longest_get, SOUP_STATUS_NO_CONTENT);
  g_assert_nonnull (ok);
  g_assert_cmpuint (f->seen->len, ==, 0);
}

static void
test_method_not_allowed (RdTestEndpoint *f, gconstpointer data)
{
  const struct
  {
    const char *method, *path, *allow;
  } cases[] = {
    { "PUT", RD_EP_ENDPOINT, RD_EP_ENDPOINT_ALLOW },
    { "PATCH", RD_EP_ENDPOINT, RD_EP_ENDPOINT_ALLOW },
    { "DELETE", RD_EP_ENDPOINT, RD_EP_ENDPOINT_ALLOW },
    { "HEAD", RD_EP_RESOURCE, RD_EP_RESOURCE_ALLOW },
    { "POST", RD_EP_RESOURCE, RD_EP_RESOURCE_ALLOW },
    { "PUT", RD_EP_RESOURCE, RD_EP_RESOURCE_ALLOW },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      RdTestHttpsRequest req = { .method = cases[i].method,
                                 .path = cases[i].path,
                                 .auth = RD_EP_AUTH };
      g_autoptr (RdTestEndpointResponse) response =
          rd_test_endpoint_expect (f, &req, SOUP_STATUS_METHOD_NOT_ALLOWED);

      g_assert_nonnull (response);
      g_assert_cmpstr (rd_test_endpoint_header (response, "Allow"), ==, cases[i].allow);
    }
  g_assert_cmpuint (f->seen->len, ==, 0);
}

static void
test_precondition_failed (RdTestEndpoint *f, gconstpointer data)
{
  RdTestHttpsRequest req = { .method = "PATCH",
                             .path = RD_EP_RESOURCE,
                             .auth = RD_EP_AUTH,
                             .content_type = RD_EP_SDPFRAG_TYPE,
                             .body = RD_EP_CANDIDATES,
                             .if_match = "\"stale\"" };

  f->answer = RD_EP_ANSWER_STALE_ETAG;
  f->reply_later = TRUE;
  rd_test_endpoint_expect_error (f, &req, SOUP_STATUS_PRECONDITION_FAILED, "ETag");
  g_assert_cmpuint (f->seen->len, ==, 1);
  g_assert_cmpstr (rd_test_endpoint_last_seen (f)->if_match, ==, "stale");
}

static void
test_too_large (RdTestEndpoint *f, gconstpointer data)
{
  const gsize big = 10 * 1024 * 1024;
  gsize over = 70 * 1024;
  g_autofree char *body = g_malloc (over);
  g_autofree char *huge = g_malloc0 (big);
  g_autoptr (GBytes) huge_bytes = NULL;
  g_autoptr (GInputStream) held_back = NULL;
  g_autoptr (GInputStream) drained = NULL;
  g_autoptr (GInputStream) chunked = NULL;
  RdTestHttpsRequest req = rd_test_endpoint_post_offer;
  RdTestHttpsRequest patch = { .method = "PATCH",
                               .path = RD_EP_RESOURCE,
                               .auth = RD_EP_AUTH,
                               .content_type = RD_EP_SDPFRAG_TYPE,
                               .if_match = "\"etag-1\"" };

  /* A 70 KiB offer that is SDP all along. */
  memset (body, 'a', over);
  memcpy (body, RD_EP_OFFER, strlen (RD_EP_OFFER));
  for (gsize i = strlen (RD_EP_OFFER); i + 8 < over; i += 64)
    memcpy (body + i, "\r\na=x:", 6);
  req.body = body;
  req.body_len = over;
  rd_test_endpoint_expect_error (f, &req, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "64 KiB");
  patch.body = body;
  patch.body_len = over;
  rd_test_endpoint_expect_error (f, &patch, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "64 KiB");

  /* The same without a length (chunked): cut off as it arrives. */
  chunked = g_memory_input_stream_new_from_data (body, over, NULL);
  req.body = NULL;
  req.stream = chunked;
  req.stream_len = -1;
  rd_test_endpoint_expect_error (f, &req, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "64 KiB");

  /* 10 MB announced with "Expect: 100-continue": refused on the headers, the body never sent. */
  huge_bytes = g_bytes_new_static (huge, big);
  held_back = g_memory_input_stream_new_from_bytes (huge_bytes);
  req.stream = held_back;
  req.stream_len = big;
  req.expect_continue = TRUE;
  rd_test_endpoint_expect_error (f, &req, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "64 KiB");
  g_assert_cmpint (g_seekable_tell (G_SEEKABLE (held_back)), ==, 0);

  /* 10 MB sent at once: refused on the headers, read and dropped. */
  drained = g_memory_input_stream_new_from_bytes (huge_bytes);
  req.stream = drained;
  req.expect_continue = FALSE;
  rd_test_endpoint_expect_error (f, &req, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "64 KiB");

  g_assert_cmpuint (f->seen->len, ==, 0);
}

static void
test_unsupported_type (RdTestEndpoint *f, gconstpointer data)
{
  RdTestHttpsRequest req = rd_test_endpoint_post_offer;
  RdTestHttpsRequest patch = { .method = "PATCH",
                               .path = RD_EP_RESOURCE,
                               .auth = RD_EP_AUTH,
                               .content_type = RD_EP_SDP_TYPE,
                               .body = RD_EP_CANDIDATES,
                               .if_match = "\"etag-1\"" };
  g_autofree char *big = g_strnfill (70 * 1024, 'x');

  req.content_type = "text/plain";
  rd_test_endpoint_expect_error (f, &req, SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE, RD_EP_SDP_TYPE);
  req.content_type = NULL;
  rd_test_endpoint_expect_error (f, &req, SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE, RD_EP_SDP_TYPE);
  req.content_type = "application/sdpx";
  rd_test_endpoint_expect_error (f, &req, SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE, RD_EP_SDP_TYPE);
  /* The content type is checked before the size. */
  req.content_type = "text/plain";
  req.body = big;
  rd_test_endpoint_expect_error (f, &req, SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE, RD_EP_SDP_TYPE);
  rd_test_endpoint_expect_error (f, &patch, SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE, RD_EP_SDPFRAG_TYPE);
  /* ... and before If-Match. */
  patch.if_match = NULL;
  rd_test_endpoint_expect_error (f, &patch, SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE, RD_EP_SDPFRAG_TYPE);
  g_assert_cmpuint (f->seen->len, ==, 0);
}

static void
test_precondition_required (RdTestEndpoint *f, gconstpointer data)
{
  RdTestHttpsRequest req = { .method = "PATCH",
                             .path = RD_EP_RESOURCE,
                             .auth = RD_EP_AUTH,
                             .content_type = RD_EP_SDPFRAG_TYPE,
                             .body = RD_EP_CANDIDATES };
  g_autoptr (RdTestEndpointResponse) response = rd_test_endpoint_expect (f, &req, 428);

  g_assert_nonnull (response);
  g_assert_true (strstr (response->body, "If-Match") != NULL);
  g_assert_cmpstr (soup_message_get_reason_phrase (response->msg), ==, "Precondition Required");
  g_assert_cmpuint (f->seen->len, ==, 0);
}

/* POST/PATCH/DELETE from one address are limited (burst, then a steady rate), counted before
 * any other check; GET, HEAD and OPTIONS have a budget of their own, larger (the join page asks
 * for its resource every 2 s), and are limited too. */
static void
test_rate_limit (RdTestEndpoint *f, gconstpointer data)
{
  RdTestHttpsRequest unauthorized = rd_test_endpoint_post_offer;
  RdTestHttpsRequest patch = rd_test_endpoint_trickle;
  RdTestHttpsRequest del = { .method = "DELETE", .path = RD_EP_RESOURCE, .auth = RD_EP_AUTH };
  RdTestHttpsRequest bad_path = rd_test_endpoint_post_offer;
  RdTestHttpsRequest get = { .method = "GET", .path = RD_EP_ENDPOINT };
  RdTestHttpsRequest options = { .method = "OPTIONS", .path = RD_EP_ENDPOINT };
  g_autoptr (RdTestEndpointResponse) limited = NULL;
  g_autoptr (RdTestEndpointResponse) got = NULL;
  g_autoptr (RdTestEndpointResponse) preflight = NULL;
  gint64 start = g_get_monotonic_time ();
  double elapsed_s;
  guint passed = 0;

  /* Almost no refill: what follows is about which requests are counted, not about how fast
   * the server is (under AddressSanitizer each TLS request takes long enough to earn a token
   * back at the real rate). The refill itself is tested in /whip/unit/rate-limit. */
  g_object_set (f->server, "whip-rate-per-second", 0.01, NULL);
  unauthorized.auth = NULL;
  /* Refused requests (401 here) count too. */
  for (;;)
    {
      g_autoptr (RdTestEndpointResponse) response = rd_test_endpoint_fetch (f, &unauthorized);

      g_assert_nonnull (response);
      if (soup_message_get_status (response->msg) == 429)
        {
          limited = g_steal_pointer (&response);
          break;
        }
      g_assert_cmpuint (soup_message_get_status (response->msg), ==, SOUP_STATUS_UNAUTHORIZED);
      passed++;
      if (passed > 200)
        {
          g_test_fail_printf ("no 429 after %u POSTs", passed);
          return;
        }
    }
  elapsed_s = (double)(g_get_monotonic_time () - start) / G_USEC_PER_SEC;
  g_test_message ("%u requests passed in %.2f s before the first 429", passed, elapsed_s);
  g_assert_cmpuint (passed, >=, RD_WHIP_RATE_BURST);
  g_assert_cmpfloat (passed, <=, RD_WHIP_RATE_BURST + 0.01 * elapsed_s + 1);
  rd_test_endpoint_assert_cors (limited);
  /* Retry-After: when the next token is back: at most 1/rate = 100 s. */
  g_assert_nonnull (rd_test_endpoint_header (limited, "Retry-After"));
  g_assert_cmpuint (g_ascii_strtoull (rd_test_endpoint_header (limited, "Retry-After"), NULL, 10),
                    >=, 1);
  g_assert_cmpuint (g_ascii_strtoull (rd_test_endpoint_header (limited, "Retry-After"), NULL, 10),
                    <=, 100);
  g_assert_cmpstr (soup_message_get_reason_phrase (limited->msg), ==, "Too Many Requests");
  g_assert_true (strstr (limited->body, "Too many requests") != NULL);

  /* The same address is limited for PATCH, DELETE and even for a path that does not exist. */
  rd_test_endpoint_expect_error (f, &rd_test_endpoint_post_offer, 429, "Too many requests");
  rd_test_endpoint_expect_error (f, &patch, 429, "Too many requests");
  rd_test_endpoint_expect_error (f, &del, 429, "Too many requests");
  bad_path.path = "/whip/bad!id";
  rd_test_endpoint_expect_error (f, &bad_path, 429, "Too many requests");
  /* Reading has its own budget: not spent by the writes above. */
  got = rd_test_endpoint_expect (f, &get, SOUP_STATUS_NO_CONTENT);
  preflight = rd_test_endpoint_expect (f, &options, SOUP_STATUS_OK);
  g_assert_nonnull (got);
  g_assert_nonnull (preflight);
  /* ... and it ends too. */
  for (passed = 2;; passed++)
    {
      g_autoptr (RdTestEndpointResponse) response =
          rd_test_endpoint_fetch (f, passed % 2 ? &options : &get);

      g_assert_nonnull (response);
      if (soup_message_get_status (response->msg) == 429)
        {
          g_assert_nonnull (rd_test_endpoint_header (response, "Retry-After"));
          break;
        }
      if (passed > 3 * RD_WHIP_READ_RATE_BURST)
        {
          g_test_fail_printf ("no 429 after %u GET and OPTIONS", passed);
          return;
        }
    }
  g_test_message ("%u GET and OPTIONS passed before the first 429", passed);
  g_assert_cmpuint (passed, >=, RD_WHIP_READ_RATE_BURST);
  g_assert_cmpuint (f->seen->len, ==, 0);
}

/* Clients are counted by address, an IPv6 one by its /64 (rotating the rest of the address
 * escapes nothing); an IPv4-mapped IPv6 address is its IPv4 one. */
static void
test_address_key (void)
{
  static const char *const cases[][2] = {
    { "192.0.2.7", "192.0.2.7" },
    { "2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64" },
    { "2001:db8:1:2::1", "2001:db8:1:2::/64" },
    { "2001:db8:1:3::1", "2001:db8:1:3::/64" },
    { "::ffff:192.0.2.7", "192.0.2.7" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GInetAddress) inet = g_inet_address_new_from_string (cases[i][0]);
      g_autoptr (GSocketAddress) address = g_inet_socket_address_new (inet, 443);
      g_autofree char *key = rd_signal_address_key (address);

      g_assert_cmpstr (key, ==, cases[i][1]);
    }
}

static void
test_no_handler (RdTestEndpoint *f, gconstpointer data)
{
  g_autoptr (RdTestEndpointResponse) response = NULL;

  g_clear_signal_handler (&f->handler_id, f->server);
  response =
      rd_test_endpoint_expect (f, &rd_test_endpoint_post_offer, SOUP_STATUS_SERVICE_UNAVAILABLE);
  g_assert_nonnull (response);
  g_assert_cmpstr (rd_test_endpoint_header (response, "Retry-After"), ==, "5");
  g_assert_cmpuint (f->seen->len, ==, 0);
}

/* A reply that does not fit the request is reported as a failed precondition; the client still
 * gets an answer (500) instead of waiting for the timeout. */
static void
test_wrong_reply (RdTestEndpoint *f, gconstpointer data)
{
  RdTestHttpsRequest del = { .method = "DELETE", .path = RD_EP_RESOURCE, .auth = RD_EP_AUTH };

  f->answer = RD_EP_ANSWER_WRONG_KIND;
  g_test_expect_message (NULL, G_LOG_LEVEL_CRITICAL,
                         "*rd_whip_request_reply_created*request->action == RD_WHIP_ACTION_OFFER*");
  rd_test_endpoint_expect_error (f, &del, SOUP_STATUS_INTERNAL_SERVER_ERROR,
                                 "Internal Server Error");
  g_test_assert_expected_messages ();
  g_assert_cmpuint (f->seen->len, ==, 1);
}

/* ---- OPTIONS, GET, HEAD, the join page -------------------------------------------------- */

static void
test_options (RdTestEndpoint *f, gconstpointer data)
{
  RdTestHttpsRequest endpoint = { .method = "OPTIONS", .path = RD_EP_ENDPOINT };
  RdTestHttpsRequest resource = { .method = "OPTIONS", .path = RD_EP_RESOURCE };
  g_autoptr (RdTestEndpointResponse) e = rd_test_endpoint_expect (f, &endpoint, SOUP_STATUS_OK);
  g_autoptr (RdTestEndpointResponse) r = rd_test_endpoint_expect (f, &resource, SOUP_STATUS_OK);

  g_assert_nonnull (e);
  g_assert_cmpstr (rd_test_endpoint_header (e, "Accept-Post"), ==, RD_EP_SDP_TYPE);
  g_assert_cmpstr (rd_test_endpoint_header (e, "Allow"), ==, RD_EP_ENDPOINT_ALLOW);
  g_assert_cmpstr (rd_test_endpoint_header (e, "Access-Control-Allow-Methods"), ==,
                   RD_EP_ENDPOINT_ALLOW);
  g_assert_cmpstr (rd_test_endpoint_header (e, "Access-Control-Allow-Headers"), ==,
                   "Authorization, Content-Type, If-Match");
  g_assert_cmpstr (rd_test_endpoint_header (e, "Access-Control-Max-Age"), ==, "7200");
  /* No TURN credentials to a caller without a token. */
  g_assert_cmpstr (rd_test_endpoint_header_list (e, "Link"), ==, RD_EP_LINK_STUN);
  g_assert_cmpstr (e->body, ==, "");

  g_assert_nonnull (r);
  g_assert_cmpstr (rd_test_endpoint_header (r, "Allow"), ==, RD_EP_RESOURCE_ALLOW);
  g_assert_cmpstr (rd_test_endpoint_header (r, "Access-Control-Allow-Methods"), ==,
                   RD_EP_RESOURCE_ALLOW);
  g_assert_cmpstr (rd_test_endpoint_header (r, "Access-Control-Allow-Headers"), ==,
                   "Authorization, Content-Type, If-Match");
  g_assert_cmpstr (rd_test_endpoint_header (r, "Accept-Patch"), ==, RD_EP_SDPFRAG_TYPE);
  g_assert_null (rd_test_endpoint_header (r, "Accept-Post"));
  g_assert_cmpuint (f->seen->len, ==, 0);
}

static void
test_get_head (RdTestEndpoint *f, gconstpointer data)
{
  RdTestHttpsRequest get = { .method = "GET", .path = RD_EP_ENDPOINT };
  RdTestHttpsRequest head = { .method = "HEAD", .path = RD_EP_ENDPOINT };
  g_autoptr (RdTestEndpointResponse) g = rd_test_endpoint_expect (f, &get, SOUP_STATUS_NO_CONTENT);
  g_autoptr (RdTestEndpointResponse) h = rd_test_endpoint_expect (f, &head, SOUP_STATUS_NO_CONTENT);

  g_assert_nonnull (g);
  g_assert_nonnull (h);
  g_assert_cmpstr (g->body, ==, "");
  g_assert_cmpstr (h->body, ==, "");
  g_assert_cmpuint (f->seen->len, ==, 0);
}

static void
test_join_page (RdTestEndpoint *f, gconstpointer data)
{
  RdTestHttpsRequest get = { .method = "GET", .path = "/join/" RD_EP_SESSION };
  RdTestHttpsRequest head = { .method = "HEAD", .path = "/join/" RD_EP_SESSION };
  RdTestHttpsRequest post = {
    .method = "POST", .path = "/join/" RD_EP_SESSION, .content_type = "text/plain", .body = "x"
  };
  g_autoptr (RdTestEndpointResponse) page = rd_test_endpoint_expect (f, &get, SOUP_STATUS_OK);
  g_autoptr (RdTestEndpointResponse) headers_only =
      rd_test_endpoint_expect (f, &head, SOUP_STATUS_OK);
  g_autoptr (RdTestEndpointResponse) wrong =
      rd_test_endpoint_expect (f, &post, SOUP_STATUS_METHOD_NOT_ALLOWED);
  g_autoptr (GBytes) expected = rd_signal_join_page ();
  g_autofree char *expected_text =
      g_strndup (g_bytes_get_data (expected, NULL), g_bytes_get_size (expected));
  const char *csp;
  const char *const not_found[] = { "/join", "/join/", "/join/bad!id",
                                    "/join/" RD_EP_SESSION "/x" };

  g_assert_nonnull (page);
  g_assert_cmpstr (rd_test_endpoint_header (page, "Content-Type"), ==, "text/html; charset=utf-8");
  g_assert_cmpstr (rd_test_endpoint_header (page, "Cache-Control"), ==, "no-store");
  g_assert_cmpstr (page->body, ==, expected_text);
  csp = rd_test_endpoint_header (page, "Content-Security-Policy");
  g_assert_nonnull (csp);
  g_test_message ("CSP: %s", csp);
  g_assert_true (g_str_has_prefix (csp, "default-src 'self'; "));
  g_assert_nonnull (strstr (csp, "script-src 'self' 'unsafe-inline'"));
  g_assert_nonnull (strstr (csp, "style-src 'self' 'unsafe-inline'"));
  g_assert_nonnull (strstr (csp, "frame-ancestors 'none'"));
  /* Nothing from anywhere else: no scheme, host or wildcard source. */
  g_assert_null (strstr (csp, "http"));
  g_assert_null (strstr (csp, "*"));
  g_assert_null (strstr (csp, "blob:"));
  /* data: only for images (the page's empty icon). */
  g_assert_nonnull (strstr (csp, "img-src 'self' data:;"));
  g_assert_true (strstr (csp, "data:") == g_strrstr (csp, "data:"));

  g_assert_nonnull (headers_only);
  g_assert_cmpstr (rd_test_endpoint_header (headers_only, "Content-Type"), ==,
                   "text/html; charset=utf-8");
  g_assert_cmpstr (rd_test_endpoint_header (headers_only, "Content-Security-Policy"), ==, csp);
  g_assert_cmpstr (headers_only->body, ==, "");

  g_assert_nonnull (wrong);
  g_assert_cmpstr (rd_test_endpoint_header (wrong, "Allow"), ==, "GET, HEAD");

  for (gsize i = 0; i < G_N_ELEMENTS (not_found); i++)
    {
      RdTestHttpsRequest req = { .method = "GET", .path = not_found[i] };
      g_autoptr (RdTestEndpointResponse) response =
          rd_test_endpoint_expect (f, &req, SOUP_STATUS_NOT_FOUND);
      g_assert_nonnull (response);
    }
}

/* ---- Units: the rate limiter and the ICE-server links ----------------------------------- */

static void
test_rate_limit_unit (void)
{
  g_autoptr (RdRateLimit) limit = rd_rate_limit_new (3, 2, 2);
  const gint64 s = G_USEC_PER_SEC;
  guint retry = 0;

  for (int i = 0; i < 3; i++)
    g_assert_true (rd_rate_limit_take (limit, "a", 0, NULL));
  g_assert_false (rd_rate_limit_take (limit, "a", 0, &retry));
  g_assert_cmpuint (retry, ==, 1);
  /* Refused attempts spend nothing: half a second later one token is back. */
  g_assert_false (rd_rate_limit_take (limit, "a", s / 4, &retry));
  g_assert_true (rd_rate_limit_take (limit, "a", s / 2, NULL));
  g_assert_false (rd_rate_limit_take (limit, "a", s / 2, NULL));

  /* Other keys have their own bucket; at most two buckets are kept, the least recently used
   * goes (a is now older than b). */
  g_assert_true (rd_rate_limit_take (limit, "b", s / 2, NULL));
  g_assert_cmpuint (rd_rate_limit_get_size (limit), ==, 2);
  g_assert_true (rd_rate_limit_take (limit, "c", s / 2, NULL));
  g_assert_cmpuint (rd_rate_limit_get_size (limit), ==, 2);
  /* b survived with two tokens left: two more pass, the third does not. */
  g_assert_true (rd_rate_limit_take (limit, "b", s / 2, NULL));
  g_assert_true (rd_rate_limit_take (limit, "b", s / 2, NULL));
  g_assert_false (rd_rate_limit_take (limit, "b", s / 2, NULL));

  /* Buckets idle long enough to be full again are forgotten. */
  g_assert_true (rd_rate_limit_take (limit, "d", 10 * s, NULL));
  g_assert_cmpuint (rd_rate_limit_get_size (limit), ==, 1);

  /* Slow refill: one token every 1/per_second, rounded up to whole seconds. */
  {
    g_autoptr (RdRateLimit) slow = rd_rate_limit_new (1, 1, 10);
    g_assert_true (rd_rate_limit_take (slow, "x", 0, NULL));
    g_assert_false (rd_rate_limit_take (slow, "x", s / 10, &retry));
    g_assert_cmpuint (retry, ==, 1);
    g_assert_true (rd_rate_limit_take (slow, "x", s, NULL));
  }

  /* Many addresses: memory stays bounded. */
  {
    g_autoptr (RdRateLimit) many = rd_rate_limit_new (20, 2, 100);
    for (int i = 0; i < 10000; i++)
      {
        char key[32];
        g_snprintf (key, sizeof key, "10.0.%d.%d", i / 256, i % 256);
        g_assert_true (rd_rate_limit_take (many, key, i, NULL));
      }
    g_assert_cmpuint (rd_rate_limit_get_size (many), ==, 100);
  }
}

typedef struct
{
  gboolean got;
  goffset kept; /* bytes of the request body in memory when the handler ran */
  gboolean too_large;
} BodySeen;

static void
limit_keep (SoupServer *soup, SoupServerMessage *msg, const char *path, GHashTable *query,
            gpointer user_data)
{
  rd_signal_whip_limit_body (msg, TRUE);
}

static void
limit_drop (SoupServer *soup, SoupServerMessage *msg, const char *path, GHashTable *query,
            gpointer user_data)
{
  rd_signal_whip_limit_body (msg, FALSE);
}

static void
limit_record (SoupServer *soup, SoupServerMessage *msg, const char *path, GHashTable *query,
              gpointer user_data)
{
  BodySeen *seen = user_data;

  seen->got = TRUE;
  seen->kept = soup_server_message_get_request_body (msg)->length;
  seen->too_large = rd_signal_whip_body_too_large (msg);
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
}

/* What a request body leaves in the server's memory, seen from a handler (plain HTTP on
 * 127.0.0.1, the same libsoup server code without TLS). */
static BodySeen
post_body (RdTestEndpoint *f, const char *base_url, const char *path, GBytes *bytes,
           gboolean chunked)
{
  g_autoptr (GInputStream) stream = g_memory_input_stream_new_from_bytes (bytes);
  RdTestHttpsRequest req = { .method = "POST",
                             .path = path,
                             .content_type = "application/octet-stream",
                             .stream = stream,
                             .stream_len = chunked ? -1 : (gssize)g_bytes_get_size (bytes) };
  BodySeen *seen = g_object_get_data (G_OBJECT (f->server), "body-seen");
  BodySeen result;
  RdTestHttpsExchange *ex;

  memset (seen, 0, sizeof *seen);
  ex = rd_test_endpoint_start_at (f, base_url, &req);
  if (!rd_test_endpoint_wait_until (f, rd_test_endpoint_exchange_done, ex) || ex->error ||
      soup_message_get_status (ex->msg) != SOUP_STATUS_OK || !seen->got)
    g_test_fail_printf ("POST %s (%zu bytes): no 200 from the handler; seen:%s", path,
                        g_bytes_get_size (bytes), ex->seen->str);
  rd_test_https_finish (ex);
  rd_test_https_free (ex);
  result = *seen;
  return result;
}

/* Bodies over the limit are never kept whole, whether announced or chunked; bodies on paths
 * that take none are never kept at all. */
static void
test_body_limit (RdTestEndpoint *f, gconstpointer data)
{
  g_autoptr (SoupServer) soup = soup_server_new (NULL, NULL);
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) huge = g_bytes_new_take (g_malloc0 (10 * 1024 * 1024), 10 * 1024 * 1024);
  g_autoptr (GBytes) over = g_bytes_new_take (g_malloc0 (70 * 1024), 70 * 1024);
  g_autoptr (GBytes) under = g_bytes_new_take (g_malloc0 (RD_WHIP_MAX_BODY), RD_WHIP_MAX_BODY);
  g_autofree char *base_url = NULL;
  BodySeen *seen = g_new0 (BodySeen, 1);
  BodySeen got;
  GSList *uris;

  g_object_set_data_full (G_OBJECT (f->server), "body-seen", seen, g_free);
  soup_server_add_early_handler (soup, "/keep", limit_keep, NULL, NULL);
  soup_server_add_handler (soup, "/keep", limit_record, seen, NULL);
  soup_server_add_early_handler (soup, "/drop", limit_drop, NULL, NULL);
  soup_server_add_handler (soup, "/drop", limit_record, seen, NULL);
  g_assert_true (soup_server_listen (soup, address, 0, &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (soup);
  base_url = g_uri_to_string (uris->data);
  g_slist_free_full (uris, (GDestroyNotify)g_uri_unref);

  got = post_body (f, base_url, "/keep", under, FALSE);
  g_assert_cmpint (got.kept, ==, RD_WHIP_MAX_BODY);
  g_assert_false (got.too_large);
  got = post_body (f, base_url, "/keep", under, TRUE);
  g_assert_cmpint (got.kept, ==, RD_WHIP_MAX_BODY);
  g_assert_false (got.too_large);
  got = post_body (f, base_url, "/keep", huge, FALSE);
  g_assert_cmpint (got.kept, ==, 0);
  g_assert_true (got.too_large);
  got = post_body (f, base_url, "/keep", over, TRUE);
  g_assert_cmpint (got.kept, ==, 0);
  g_assert_true (got.too_large);
  got = post_body (f, base_url, "/drop", under, FALSE);
  g_assert_cmpint (got.kept, ==, 0);
  g_assert_false (got.too_large);
  soup_server_disconnect (soup);
}

static void
check_links (const char *network, const char *const *expected)
{
  g_autofree char *tmpdir = g_dir_make_tmp ("test-signal-whip-XXXXXX", NULL);
  g_autoptr (RdConfig) config = rd_test_endpoint_config_new (tmpdir, network);
  g_auto (GStrv) links = rd_signal_whip_ice_links (config, TRUE);

  g_assert_cmpstrv (links, expected);
  rd_test_signal_rm_rf (tmpdir);
}

static void
test_ice_links (void)
{
  const char *const none[] = { NULL };
  const char *const both[] = { RD_EP_LINK_STUN, RD_EP_LINK_TURN, NULL };
  const char *const v6[] = { "<stun:[2001:db8::1]:3478>; rel=\"ice-server\"", NULL };
  const char *const no_port[] = {
    "<stun:stun.example.org>; rel=\"ice-server\"",
    "<turns:turn.example.org?transport=tcp>; rel=\"ice-server\"; username=\"bob@x\"; "
    "credential=\"a\\\"b\\\\c\"; credential-type=\"password\"",
    NULL
  };
  const char *const unsafe[] = { RD_EP_LINK_STUN, NULL };

  check_links ("", none);
  check_links ("stun-server=" RD_EP_STUN_SERVER "\nturn-server=" RD_EP_TURN_SERVER "\n", both);
  check_links ("stun-server=stun://[2001:db8::1]:3478\n", v6);
  /* Percent-escapes are the config's: decoded, then quoted for the header. */
  check_links ("stun-server=stun://stun.example.org\n"
               "turn-server=turns://bob%40x:a%22b%5Cc@turn.example.org\n",
               no_port);
  /* A password with a line break cannot go into a header: that server is left out. */
  check_links ("stun-server=" RD_EP_STUN_SERVER
               "\nturn-server=turn://u:p%0D%0AX-Evil:1@h.example:1\n",
               unsafe);
}

int
main (int argc, char **argv)
{
  if (!rd_test_endpoint_init (&argc, &argv))
    return 77;

  g_test_add_func ("/whip/unit/rate-limit", test_rate_limit_unit);
  g_test_add_func ("/whip/unit/address-key", test_address_key);
  g_test_add_func ("/whip/unit/ice-links", test_ice_links);
#define ADD(path, fn)                                                                              \
  g_test_add (path, RdTestEndpoint, NULL, rd_test_endpoint_setup, fn, rd_test_endpoint_teardown)
  ADD ("/whip/unit/body-limit", test_body_limit);
  ADD ("/whip/400-bad-sdp", test_bad_sdp);
  ADD ("/whip/401-unauthorized", test_unauthorized);
  ADD ("/whip/401-token-before-body", test_token_before_body);
  ADD ("/whip/404-not-found", test_not_found);
  ADD ("/whip/405-method-not-allowed", test_method_not_allowed);
  ADD ("/whip/412-precondition-failed", test_precondition_failed);
  ADD ("/whip/413-too-large", test_too_large);
  ADD ("/whip/415-unsupported-type", test_unsupported_type);
  ADD ("/whip/428-precondition-required", test_precondition_required);
  ADD ("/whip/429-rate-limit", test_rate_limit);
  ADD ("/whip/503-no-handler", test_no_handler);
  ADD ("/whip/500-wrong-reply", test_wrong_reply);
  ADD ("/whip/options", test_options);
  ADD ("/whip/get-head", test_get_head);
  ADD ("/join/page", test_join_page);
#undef ADD

  return rd_test_endpoint_run ();
}
