/* rd-signal-whip-http.c: the HTTP pieces of the WHIP/WHEP endpoint that do not depend on the
 * route: error responses, rate-limit keys, request bodies kept under the limit, the ICE-server
 * Link headers and the header checks. See rd-signal-whip-private.h. */
#include "signaling/rd-signal-whip-private.h"

#include <string.h>

#define ERROR_TYPE     "text/plain; charset=utf-8"
#define BODY_LIMIT_KEY "rd-signal-body-limit"

typedef struct
{
  goffset received;
  gboolean too_large;
} BodyLimit;

/* ---- Small helpers ---------------------------------------------------------------------- */

gboolean
rd_signal_whip_id_is_valid (const char *id, gssize len)
{
  gsize n;

  if (!id)
    return FALSE;
  n = len < 0 ? strlen (id) : (gsize)len;
  if (n == 0 || n > RD_WHIP_MAX_ID)
    return FALSE;
  for (gsize i = 0; i < n; i++)
    if (!g_ascii_isalnum (id[i]) && id[i] != '-' && id[i] != '_')
      return FALSE;
  return TRUE;
}

gboolean
rd_signal_whip_method_is (SoupServerMessage *msg, const char *method)
{
  return g_str_equal (soup_server_message_get_method (msg), method);
}

/* A final error response: text/plain @message (or the reason phrase), WWW-Authenticate for 401,
 * Retry-After for 429 and 503. */
void
rd_signal_whip_set_error (SoupServerMessage *msg, guint status, guint retry_after_s,
                          const char *message)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  const char *phrase = status == RD_WHIP_STATUS_PRECONDITION_REQUIRED ? "Precondition Required"
                       : status == RD_WHIP_STATUS_TOO_MANY_REQUESTS
                           ? "Too Many Requests"
                           : soup_status_get_phrase (status);
  char *text = g_strconcat (message ? message : phrase, "\n", NULL);

  if (status == SOUP_STATUS_UNAUTHORIZED)
    soup_message_headers_replace (headers, "WWW-Authenticate", "Bearer");
  if ((status == RD_WHIP_STATUS_TOO_MANY_REQUESTS || status == SOUP_STATUS_SERVICE_UNAVAILABLE) &&
      retry_after_s > 0)
    {
      char value[16];
      g_snprintf (value, sizeof value, "%u", retry_after_s);
      soup_message_headers_replace (headers, "Retry-After", value);
    }
  soup_server_message_set_response (msg, ERROR_TYPE, SOUP_MEMORY_TAKE, text, strlen (text));
  soup_server_message_set_status (msg, status, phrase);
}

/* The key a client is rate-limited by: its address, or its /64 for IPv6 (one host usually has a
 * whole /64). An IPv4 client on a dual-stack socket (::ffff:a.b.c.d) keeps its own address. */
char *
rd_signal_whip_rate_key (SoupServerMessage *msg)
{
  GSocketAddress *remote = soup_server_message_get_remote_address (msg);
  GInetAddress *inet;
  guint8 bytes[16];
  static const guint8 v4_mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
  g_autoptr (GInetAddress) prefix = NULL;
  g_autofree char *text = NULL;

  if (!G_IS_INET_SOCKET_ADDRESS (remote))
    return g_strdup ("?");
  inet = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (remote));
  if (g_inet_address_get_family (inet) != G_SOCKET_FAMILY_IPV6)
    return g_inet_address_to_string (inet);
  memcpy (bytes, g_inet_address_to_bytes (inet), sizeof bytes);
  if (memcmp (bytes, v4_mapped, sizeof v4_mapped) == 0)
    return g_inet_address_to_string (inet);
  memset (bytes + 8, 0, 8);
  prefix = g_inet_address_new_from_bytes (bytes, G_SOCKET_FAMILY_IPV6);
  text = g_inet_address_to_string (prefix);
  return g_strconcat (text, "/64", NULL);
}

/* ---- Request bodies: never more than RD_WHIP_MAX_BODY in memory ------------------------- */

static void
on_got_chunk (SoupServerMessage *msg, GBytes *chunk, gpointer user_data)
{
  BodyLimit *limit = user_data;

  limit->received += g_bytes_get_size (chunk);
  if (limit->received > RD_WHIP_MAX_BODY && !limit->too_large)
    {
      SoupMessageBody *body = soup_server_message_get_request_body (msg);

      limit->too_large = TRUE;
      soup_message_body_set_accumulate (body, FALSE);
      soup_message_body_truncate (body);
    }
}

void
rd_signal_whip_limit_body (SoupServerMessage *msg, gboolean keep_body)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  BodyLimit *limit = g_new0 (BodyLimit, 1);

  g_object_set_data_full (G_OBJECT (msg), BODY_LIMIT_KEY, limit, g_free);
  if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH &&
      soup_message_headers_get_content_length (headers) > RD_WHIP_MAX_BODY)
    limit->too_large = TRUE;
  if (!keep_body || limit->too_large)
    soup_message_body_set_accumulate (body, FALSE);
  g_signal_connect (msg, "got-chunk", G_CALLBACK (on_got_chunk), limit);
}

gboolean
rd_signal_whip_body_too_large (SoupServerMessage *msg)
{
  BodyLimit *limit = g_object_get_data (G_OBJECT (msg), BODY_LIMIT_KEY);

  return limit && limit->too_large;
}

/* A status set before the body is read: the body (if any) is read and dropped, and the
 * connection is not reused, in case the client holds the body back (Expect: 100-continue). */
void
rd_signal_whip_reject_early (SoupServerMessage *msg, guint status, guint retry_after_s,
                             const char *message)
{
  SoupMessageHeaders *request_headers = soup_server_message_get_request_headers (msg);
  SoupEncoding encoding = soup_message_headers_get_encoding (request_headers);

  soup_message_body_set_accumulate (soup_server_message_get_request_body (msg), FALSE);
  if (encoding == SOUP_ENCODING_CHUNKED ||
      (encoding == SOUP_ENCODING_CONTENT_LENGTH &&
       soup_message_headers_get_content_length (request_headers) > 0))
    soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Connection",
                                  "close");
  rd_signal_whip_set_error (msg, status, retry_after_s, message);
}

/* ---- ICE servers ------------------------------------------------------------------------ */

/* @s as an RFC 8288 quoted-string, or NULL when it holds a control character. */
static char *
quoted_string (const char *s)
{
  GString *out = g_string_new ("\"");

  for (const char *p = s; *p; p++)
    {
      if ((guchar)*p < 0x20 || *p == 0x7f)
        {
          g_string_free (out, TRUE);
          return NULL;
        }
      if (*p == '"' || *p == '\\')
        g_string_append_c (out, '\\');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
  return g_string_free (out, FALSE);
}

/* "host:port" for an ICE URI (RFC 7064/7065), IPv6 in brackets; NULL for a host with characters
 * that have no place in one. */
static char *
ice_host_port (GUri *uri)
{
  const char *host = g_uri_get_host (uri);
  gboolean v6 = strchr (host, ':') != NULL;
  GString *out = g_string_new (v6 ? "[" : "");

  for (const char *p = host; *p; p++)
    if (!g_ascii_isalnum (*p) && !strchr (".-:", *p))
      {
        g_string_free (out, TRUE);
        return NULL;
      }
  g_string_append (out, host);
  if (v6)
    g_string_append_c (out, ']');
  if (g_uri_get_port (uri) > 0)
    g_string_append_printf (out, ":%d", g_uri_get_port (uri));
  return g_string_free (out, FALSE);
}

/* stun://host:port -> <stun:host:port>; turn://u:p@host:port -> <turn:host:port?transport=udp>
 * with username "u" and credential "p"; turns://... -> <turns:host:port?transport=tcp>. */
static char *
ice_link (const char *server)
{
  g_autoptr (GUri) uri = g_uri_parse (server, G_URI_FLAGS_HAS_PASSWORD, NULL);
  g_autofree char *host_port = NULL;
  g_autofree char *username = NULL;
  g_autofree char *credential = NULL;
  const char *scheme;

  if (!uri || !g_uri_get_host (uri) || !(host_port = ice_host_port (uri)))
    return NULL;
  scheme = g_uri_get_scheme (uri);
  if (g_str_equal (scheme, "stun"))
    return g_strdup_printf ("<stun:%s>; rel=\"ice-server\"", host_port);
  if (!g_uri_get_user (uri) || !g_uri_get_password (uri) ||
      !(username = quoted_string (g_uri_get_user (uri))) ||
      !(credential = quoted_string (g_uri_get_password (uri))))
    return NULL;
  return g_strdup_printf ("<%s:%s?transport=%s>; rel=\"ice-server\"; username=%s; "
                          "credential=%s; credential-type=\"password\"",
                          scheme, host_port, g_str_equal (scheme, "turns") ? "tcp" : "udp",
                          username, credential);
}

GStrv
rd_signal_whip_ice_links (RdConfig *config, gboolean with_turn)
{
  g_autoptr (GStrvBuilder) builder = g_strv_builder_new ();
  const char *servers[] = { rd_config_get_stun_server (config),
                            with_turn ? rd_config_get_turn_server (config) : NULL };

  for (gsize i = 0; i < G_N_ELEMENTS (servers); i++)
    {
      g_autofree char *link = servers[i] ? ice_link (servers[i]) : NULL;
      if (link)
        g_strv_builder_add (builder, link);
    }
  return g_strv_builder_end (builder);
}

void
rd_signal_whip_append_links (SoupServerMessage *msg, const char *const *links)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  for (gsize i = 0; links && links[i]; i++)
    soup_message_headers_append (headers, "Link", links[i]);
}

/* ---- Header checks ---------------------------------------------------------------------- */

/* The token of "Authorization: Bearer <token>" (RFC 6750 b64token), or NULL. It points into
 * the request headers: no copy of it is made here. */
const char *
rd_signal_whip_bearer_token (SoupServerMessage *msg)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  /* The list form: two Authorization headers join with a comma, which no token contains. */
  const char *value = soup_message_headers_get_list (headers, "Authorization");
  const char *p, *start;

  if (!value || g_ascii_strncasecmp (value, "Bearer ", strlen ("Bearer ")) != 0)
    return NULL;
  p = value + strlen ("Bearer ");
  while (*p == ' ')
    p++;
  start = p;
  while (g_ascii_isalnum (*p) || (*p && strchr ("-._~+/", *p)))
    p++;
  if (p == start)
    return NULL;
  while (*p == '=')
    p++;
  if (*p != '\0' || p - start > RD_WHIP_MAX_TOKEN)
    return NULL;
  return start;
}

gboolean
rd_signal_whip_content_type_is (SoupServerMessage *msg, const char *type)
{
  const char *value =
      soup_message_headers_get_content_type (soup_server_message_get_request_headers (msg), NULL);

  return value && g_ascii_strcasecmp (value, type) == 0;
}

/* The If-Match value without its quotes ("*" stays "*"); NULL when absent. */
char *
rd_signal_whip_if_match (SoupServerMessage *msg)
{
  const char *raw =
      soup_message_headers_get_one (soup_server_message_get_request_headers (msg), "If-Match");
  g_autofree char *value = NULL;
  gsize len;

  if (!raw)
    return NULL;
  value = g_strstrip (g_strdup (raw));
  len = strlen (value);
  if (len >= 2 && value[0] == '"' && value[len - 1] == '"' && !memchr (value + 1, '"', len - 2))
    return g_strndup (value + 1, len - 2);
  return g_steal_pointer (&value);
}
