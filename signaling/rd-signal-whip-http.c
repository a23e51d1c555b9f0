/* rd-signal-whip-http.c: the HTTP pieces of the WHIP/WHEP endpoint that do not depend on the
 * route: error responses, rate-limit keys, request bodies kept under the limit, the ICE-server
 * Link headers and the header checks. See rd-signal-whip-private.h. */
#include "signaling/rd-signal-whip-private.h"
#include "signaling/rd-signal-accept.h"

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
  char *text;

  /* One 401 for every bad token (missing, malformed, unknown, expired, revoked, for another
   * session): the caller learns nothing about why, nor about the session. */
  if (status == SOUP_STATUS_UNAUTHORIZED)
    {
      message = RD_WHIP_UNAUTHORIZED_MESSAGE;
      soup_message_headers_replace (headers, "WWW-Authenticate", "Bearer");
    }
  text = g_strconcat (message ? message : phrase, "\n", NULL);
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
  return rd_signal_address_key (soup_server_message_get_remote_address (msg));
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

const char *
rd_signal_whip_framing_problem (SoupMessageHeaders *headers)
{
  SoupMessageHeadersIter iter;
  const char *name, *value;
  guint n_lengths = 0;
  gboolean chunked = FALSE;

  soup_message_headers_iter_init (&iter, headers);
  while (soup_message_headers_iter_next (&iter, &name, &value))
    if (g_ascii_strcasecmp (name, "Content-Length") == 0)
      {
        n_lengths++;
        if (*value == '\0' || value[strspn (value, "0123456789")] != '\0')
          return "The Content-Length is not a number of bytes.";
      }
    else if (g_ascii_strcasecmp (name, "Transfer-Encoding") == 0)
      chunked = TRUE;
  if (n_lengths > 1)
    return "The request has more than one Content-Length.";
  if (n_lengths == 1 && chunked)
    return "The request has both Content-Length and Transfer-Encoding.";
  return NULL;
}

static void
on_refusal_written (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GIOStream) stream = user_data;

  g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, NULL);
  g_io_stream_close_async (stream, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
}

gboolean
rd_signal_whip_reject_bad_framing (SoupServerMessage *msg)
{
  const char *problem =
      rd_signal_whip_framing_problem (soup_server_message_get_request_headers (msg));
  g_autoptr (GDateTime) now = NULL;
  g_autofree char *date = NULL;
  GIOStream *stream;
  char *response;

  if (!problem)
    return FALSE;
  /* libsoup reads the body it was announced (it may never come, or be a smuggled request)
   * before it answers, whatever the status: the connection is taken from it, answered 400 here
   * and closed. */
  stream = soup_server_message_steal_connection (msg);
  if (!stream)
    return TRUE;
  now = g_date_time_new_now_utc ();
  date = soup_date_time_to_string (now, SOUP_DATE_HTTP);
  response = g_strdup_printf (
      "HTTP/1.1 400 Bad Request\r\nDate: %s\r\nConnection: close\r\n"
      "Access-Control-Allow-Origin: *\r\nAccess-Control-Expose-Headers: Location, ETag, Link\r\n"
      "Content-Type: text/plain; charset=utf-8\r\nContent-Length: %zu\r\n\r\n%s\n",
      date, strlen (problem) + 1, problem);
  /* Kept with the stream until it is written and closed. */
  g_object_set_data_full (G_OBJECT (stream), "rd-refusal", response, g_free);
  g_output_stream_write_all_async (g_io_stream_get_output_stream (stream), response,
                                   strlen (response), G_PRIORITY_DEFAULT, NULL, on_refusal_written,
                                   stream);
  return TRUE;
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
rd_signal_whip_bearer_token (SoupMessageHeaders *headers)
{
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
rd_signal_whip_content_type_is (SoupMessageHeaders *headers, const char *type)
{
  const char *value = soup_message_headers_get_content_type (headers, NULL);

  return value && g_ascii_strcasecmp (value, type) == 0;
}

/* The If-Match value without its quotes ("*" stays "*"); NULL when absent. */
char *
rd_signal_whip_if_match (SoupMessageHeaders *headers)
{
  const char *raw = soup_message_headers_get_one (headers, "If-Match");
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
