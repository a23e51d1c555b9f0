/* rd-fuzz-whip.c: libFuzzer target for what the WHIP/WHEP endpoint reads from a request before
 * any handler sees it (signaling/rd-signal-whip.c, rd-signal-whip-http.c): the route
 * (/whip/<session>[/<peer>], the same under /whep), the body framing, the Authorization bearer
 * token, the Content-Type, If-Match, and the body checks (UTF-8, and an offer's SDP). Anyone
 * who can reach the listener controls these bytes. The input is a raw HTTP/1.1 request: libsoup
 * parses its head as the server does, and what follows the blank line is the body. */
#include "signaling/rd-signal-whip-private.h"

#include <string.h>

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

#define B64TOKEN_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/"

static void
check_route (const char *path)
{
  RdWhipRoute route;
  g_autofree char *again = NULL;

  if (!rd_signal_whip_parse_route (path, &route))
    return;
  /* A route is valid ids only, and says exactly what the path says. */
  g_assert_true (rd_signal_whip_id_is_valid (route.session_id, -1));
  g_assert_true (!route.is_resource || rd_signal_whip_id_is_valid (route.peer_id, -1));
  g_assert_true (route.is_resource || route.peer_id[0] == '\0');
  again = g_strconcat (route.is_whep ? RD_WHEP_PATH_PREFIX : RD_WHIP_PATH_PREFIX, "/",
                       route.session_id, route.is_resource ? "/" : "", route.peer_id, NULL);
  g_assert_cmpstr (again, ==, path);
}

static void
check_headers (SoupMessageHeaders *headers)
{
  const char *token = rd_signal_whip_bearer_token (headers);
  g_autofree char *if_match = rd_signal_whip_if_match (headers);

  (void)rd_signal_whip_framing_problem (headers);
  (void)rd_signal_whip_content_type_is (headers, RD_WHIP_SDP_TYPE);
  (void)rd_signal_whip_content_type_is (headers, RD_WHIP_SDPFRAG_TYPE);
  if (token)
    {
      const char *value = soup_message_headers_get_list (headers, "Authorization");

      gsize chars = strspn (token, B64TOKEN_CHARS);

      /* A b64token (RFC 6750 section 2.1) within the limit, ending the header value. */
      g_assert_nonnull (value);
      g_assert_true (g_str_has_suffix (value, token));
      g_assert_cmpuint (chars, >, 0);
      g_assert_cmpuint (chars + strspn (token + chars, "="), ==, strlen (token));
      g_assert_cmpuint (strlen (token), <=, RD_WHIP_MAX_TOKEN);
    }
  if (if_match)
    g_assert_nonnull (soup_message_headers_get_one (headers, "If-Match"));
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  const char *text = (const char *)data;
  const char *end = g_strstr_len (text, size, "\r\n\r\n");
  gsize head_len = end ? (gsize)(end - text) + 4 : size;
  SoupMessageHeaders *headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);
  g_autofree char *method = NULL;
  g_autofree char *path = NULL;
  SoupHTTPVersion version;

  if (head_len > G_MAXINT)
    head_len = G_MAXINT;
  if (soup_headers_parse_request (text, (int)head_len, headers, &method, &path, &version) ==
      SOUP_STATUS_OK)
    {
      g_autofree char *url =
          path[0] == '/' ? g_strconcat ("https://localhost", path, NULL) : g_strdup (path);
      g_autoptr (GUri) uri = g_uri_parse (url, SOUP_HTTP_URI_FLAGS, NULL);

      /* The path as the server hands it to the handlers (still percent-encoded). */
      if (uri)
        check_route (g_uri_get_path (uri));
      check_headers (headers);
      if (!rd_signal_whip_framing_problem (headers))
        (void)rd_signal_whip_body_problem (g_str_equal (method, "POST"), text + head_len,
                                           size - head_len);
    }
  soup_message_headers_unref (headers);
  return 0;
}
