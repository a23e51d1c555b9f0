/* rd-signal-whip.c: the WHIP endpoint of RdSignalServer. See rd-signal-whip.h for the contract
 * and rd-signal-whip-private.h for how the server uses it.
 *
 * A request goes through two libsoup handlers on RD_WHIP_PATH_PREFIX:
 * - the early handler (after the headers, before the body is read) counts the request against
 *   the address's rate limit, routes it and checks everything the headers decide (405, 401, 415,
 *   413 by Content-Length, 428), so a refused upload is never buffered;
 * - the normal handler (after the body) checks the body (413, 400), pauses the message and
 *   hands an RdWhipRequest up through the server's "whip-request" signal.
 * The request keeps its own reference on the message and watches it: once the connection is
 * gone (or the 504 has been sent) the handler's reply is dropped and only frees the request. */
#include "signaling/rd-signal-whip.h"
#include "signaling/rd-signal-whip-private.h"
#include "signaling/rd-signal-ratelimit.h"

#include <string.h>

#include <gst/sdp/sdp.h>

#define ENDPOINT_ALLOW    "OPTIONS, GET, HEAD, POST"
#define RESOURCE_ALLOW    "OPTIONS, GET, PATCH, DELETE"
#define PREFLIGHT_HEADERS "Authorization, Content-Type, If-Match"
#define PREFLIGHT_MAX_AGE "7200" /* seconds; the most Chromium honours */
#define SDP_TYPE          "application/sdp"
#define SDPFRAG_TYPE      "application/trickle-ice-sdpfrag"
#define ERROR_TYPE        "text/plain; charset=utf-8"
#define BODY_LIMIT_KEY    "rd-signal-body-limit"

/* Codes libsoup 3.2 has no name (nor a reason phrase) for: RFC 6585. */
#define STATUS_PRECONDITION_REQUIRED 428
#define STATUS_TOO_MANY_REQUESTS     429

struct _RdSignalWhip
{
  GObject *emitter; /* the RdSignalServer; not a reference (it owns us) */
  guint signal_id;
  GStrv links;        /* ICE-server Link header values (STUN and TURN), for the 201 */
  GStrv public_links; /* STUN only, for the preflight */
  RdRateLimit *limit;
  guint reply_timeout_ms;
  double rate_per_second;
};

struct _RdWhipRequest
{
  RdWhipAction action;
  char *session_id;
  char *peer_id; /* NULL for an offer */
  char *token;   /* never logged; wiped when freed */
  char *body;
  char *if_match;
  char *remote_address;
  char *endpoint_url;
  GStrv links;

  /* The paused message; NULL once no response can or need be sent on it any more. */
  SoupServerMessage *msg;
  gulong disconnected_id;
  gulong finished_id;
  GSource *timeout;
  gboolean answered; /* a response was set: by the handler, or 504 by the timeout */
};

typedef struct
{
  goffset received;
  gboolean too_large;
} BodyLimit;

typedef struct
{
  char session_id[RD_WHIP_MAX_ID + 1];
  char peer_id[RD_WHIP_MAX_ID + 1];
  gboolean is_resource; /* /whip/<session>/<peer> rather than /whip/<session> */
} Route;

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

/* "/whip/<session>" or "/whip/<session>/<peer>" with valid ids; nothing else. */
static gboolean
parse_route (const char *path, Route *route)
{
  const char *session = path + strlen (RD_WHIP_PATH_PREFIX "/");
  const char *slash;
  gsize session_len;

  memset (route, 0, sizeof *route);
  if (!g_str_has_prefix (path, RD_WHIP_PATH_PREFIX "/"))
    return FALSE;
  slash = strchr (session, '/');
  session_len = slash ? (gsize)(slash - session) : strlen (session);
  if (!rd_signal_whip_id_is_valid (session, session_len))
    return FALSE;
  memcpy (route->session_id, session, session_len);
  if (!slash)
    return TRUE;
  if (!rd_signal_whip_id_is_valid (slash + 1, -1))
    return FALSE;
  g_strlcpy (route->peer_id, slash + 1, sizeof route->peer_id);
  route->is_resource = TRUE;
  return TRUE;
}

static gboolean
method_is (SoupServerMessage *msg, const char *method)
{
  return g_str_equal (soup_server_message_get_method (msg), method);
}

/* A final error response: text/plain @message (or the reason phrase), WWW-Authenticate for 401,
 * Retry-After for 429 and 503. */
static void
set_error (SoupServerMessage *msg, guint status, guint retry_after_s, const char *message)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  const char *phrase = status == STATUS_PRECONDITION_REQUIRED ? "Precondition Required"
                       : status == STATUS_TOO_MANY_REQUESTS   ? "Too Many Requests"
                                                              : soup_status_get_phrase (status);
  char *text = g_strconcat (message ? message : phrase, "\n", NULL);

  if (status == SOUP_STATUS_UNAUTHORIZED)
    soup_message_headers_replace (headers, "WWW-Authenticate", "Bearer");
  if ((status == STATUS_TOO_MANY_REQUESTS || status == SOUP_STATUS_SERVICE_UNAVAILABLE) &&
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
static char *
rate_key (SoupServerMessage *msg)
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
static void
reject_early (SoupServerMessage *msg, guint status, guint retry_after_s, const char *message)
{
  SoupMessageHeaders *request_headers = soup_server_message_get_request_headers (msg);
  SoupEncoding encoding = soup_message_headers_get_encoding (request_headers);

  soup_message_body_set_accumulate (soup_server_message_get_request_body (msg), FALSE);
  if (encoding == SOUP_ENCODING_CHUNKED ||
      (encoding == SOUP_ENCODING_CONTENT_LENGTH &&
       soup_message_headers_get_content_length (request_headers) > 0))
    soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Connection",
                                  "close");
  set_error (msg, status, retry_after_s, message);
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

static void
append_links (SoupServerMessage *msg, const char *const *links)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  for (gsize i = 0; links && links[i]; i++)
    soup_message_headers_append (headers, "Link", links[i]);
}

/* ---- Header checks ---------------------------------------------------------------------- */

/* The token of "Authorization: Bearer <token>" (RFC 6750 b64token), or NULL. It points into
 * the request headers: no copy of it is made here. */
static const char *
bearer_token (SoupServerMessage *msg)
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

static gboolean
content_type_is (SoupServerMessage *msg, const char *type)
{
  const char *value =
      soup_message_headers_get_content_type (soup_server_message_get_request_headers (msg), NULL);

  return value && g_ascii_strcasecmp (value, type) == 0;
}

/* The If-Match value without its quotes ("*" stays "*"); NULL when absent. */
static char *
if_match_value (SoupServerMessage *msg)
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

static void
answer_options (RdSignalWhip *whip, SoupServerMessage *msg, const Route *route)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  const char *allow = route->is_resource ? RESOURCE_ALLOW : ENDPOINT_ALLOW;

  soup_message_headers_replace (headers, "Allow", allow);
  soup_message_headers_replace (headers, "Access-Control-Allow-Methods", allow);
  soup_message_headers_replace (headers, "Access-Control-Allow-Headers", PREFLIGHT_HEADERS);
  soup_message_headers_replace (headers, "Access-Control-Max-Age", PREFLIGHT_MAX_AGE);
  if (route->is_resource)
    soup_message_headers_replace (headers, "Accept-Patch", SDPFRAG_TYPE);
  else
    {
      soup_message_headers_replace (headers, "Accept-Post", SDP_TYPE);
      /* STUN only: the preflight carries no token, and TURN credentials are for callers. */
      append_links (msg, (const char *const *)whip->public_links);
    }
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
}

/* Everything the request line and the headers decide, in the order of rd-signal-whip.h. Sets
 * the status when the request is answered here; otherwise the body is read and whip_handle()
 * runs. */
static void
whip_early (SoupServer *soup, SoupServerMessage *msg, const char *path, GHashTable *query,
            gpointer user_data)
{
  RdSignalWhip *whip = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  gboolean is_post = method_is (msg, SOUP_METHOD_POST);
  gboolean is_patch = method_is (msg, "PATCH");
  gboolean is_get = method_is (msg, SOUP_METHOD_GET);
  /* GET (a cheap read: 204 on an endpoint, the state of a resource) is not limited */
  gboolean limited = is_post || is_patch || method_is (msg, SOUP_METHOD_DELETE);
  Route route;

  rd_signal_whip_limit_body (msg, is_post || is_patch);

  /* Counted before anything else, so that floods of bad requests are limited too. */
  if (limited)
    {
      g_autofree char *key = rate_key (msg);
      guint retry_after_s = 0;

      if (!rd_rate_limit_take (whip->limit, key, g_get_monotonic_time (), &retry_after_s))
        {
          reject_early (msg, STATUS_TOO_MANY_REQUESTS, retry_after_s,
                        "Too many requests from this address; try again later.");
          return;
        }
    }

  if (!parse_route (path, &route))
    {
      reject_early (msg, SOUP_STATUS_NOT_FOUND, 0, "No such WHIP endpoint or resource.");
      return;
    }
  if (method_is (msg, SOUP_METHOD_OPTIONS))
    {
      answer_options (whip, msg, &route);
      return;
    }
  if (!route.is_resource && (method_is (msg, SOUP_METHOD_GET) || method_is (msg, SOUP_METHOD_HEAD)))
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NO_CONTENT, NULL);
      return;
    }
  if (route.is_resource ? !(is_patch || is_get || method_is (msg, SOUP_METHOD_DELETE)) : !is_post)
    {
      soup_message_headers_replace (headers, "Allow",
                                    route.is_resource ? RESOURCE_ALLOW : ENDPOINT_ALLOW);
      reject_early (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, 0,
                    route.is_resource ? "A WHIP resource takes GET, PATCH or DELETE."
                                      : "A WHIP endpoint takes POST.");
      return;
    }

  if (!bearer_token (msg))
    {
      reject_early (msg, SOUP_STATUS_UNAUTHORIZED, 0,
                    "An \"Authorization: Bearer <token>\" header is required.");
      return;
    }
  if (is_post && !content_type_is (msg, SDP_TYPE))
    {
      reject_early (msg, SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE, 0,
                    "The offer must be sent as " SDP_TYPE ".");
      return;
    }
  if (is_patch && !content_type_is (msg, SDPFRAG_TYPE))
    {
      reject_early (msg, SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE, 0,
                    "A PATCH must be sent as " SDPFRAG_TYPE ".");
      return;
    }
  if ((is_post || is_patch) && rd_signal_whip_body_too_large (msg))
    {
      reject_early (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, 0,
                    "The body is larger than 64 KiB.");
      return;
    }
  if (is_patch &&
      !soup_message_headers_get_one (soup_server_message_get_request_headers (msg), "If-Match"))
    {
      reject_early (msg, STATUS_PRECONDITION_REQUIRED, 0,
                    "A PATCH needs an If-Match header with the resource's ETag, or \"*\".");
      return;
    }
}

/* ---- Body checks ------------------------------------------------------------------------ */

/* NULL when @sdp is an SDP offer with at least one complete m= line; else what is wrong. */
static const char *
check_offer (const char *sdp, gsize len)
{
  GstSDPMessage *message = NULL;
  const char *problem = NULL;
  guint n_media;

  if (len == 0)
    return "The offer is empty.";
  if (!g_str_has_prefix (sdp, "v="))
    return "The offer does not start with a v=0 line: it is not SDP.";
  gst_sdp_message_new (&message);
  if (gst_sdp_message_parse_buffer ((const guint8 *)sdp, len, message) != GST_SDP_OK)
    problem = "The offer cannot be parsed as SDP.";
  else if (g_strcmp0 (gst_sdp_message_get_version (message), "0") != 0)
    problem = "The offer's v= line is not v=0.";
  else if ((n_media = gst_sdp_message_medias_len (message)) == 0)
    problem = "The offer has no m= line.";
  else
    for (guint i = 0; i < n_media && !problem; i++)
      {
        const GstSDPMedia *media = gst_sdp_message_get_media (message, i);
        const char *type = gst_sdp_media_get_media (media);
        const char *proto = gst_sdp_media_get_proto (media);

        if (!type || !*type || !proto || !*proto || gst_sdp_media_formats_len (media) == 0 ||
            !*gst_sdp_media_get_format (media, 0))
          problem = "An m= line of the offer is incomplete (it needs a media type, a port, a "
                    "protocol and formats).";
      }
  gst_sdp_message_free (message);
  return problem;
}

/* ---- Requests --------------------------------------------------------------------------- */

static void
source_destroy_and_unref (GSource *source)
{
  g_source_destroy (source);
  g_source_unref (source);
}

static void
request_release_message (RdWhipRequest *request)
{
  g_clear_pointer (&request->timeout, source_destroy_and_unref);
  if (!request->msg)
    return;
  g_clear_signal_handler (&request->disconnected_id, request->msg);
  g_clear_signal_handler (&request->finished_id, request->msg);
  g_clear_object (&request->msg);
}

static void
request_free (RdWhipRequest *request)
{
  request_release_message (request);
  if (request->token)
    memset (request->token, 0, strlen (request->token));
  g_free (request->token);
  g_free (request->session_id);
  g_free (request->peer_id);
  g_free (request->body);
  g_free (request->if_match);
  g_free (request->remote_address);
  g_free (request->endpoint_url);
  g_strfreev (request->links);
  g_free (request);
}

/* The message to put the response on, or NULL when the response was already given (504) or
 * the connection is gone: then the reply is dropped. */
static SoupServerMessage *
request_response_message (RdWhipRequest *request)
{
  return request->answered ? NULL : request->msg;
}

/* Sends the response now set on the message and lets go of it. */
static void
request_send (RdWhipRequest *request)
{
  request->answered = TRUE;
  if (request->msg)
    soup_server_message_unpause (request->msg);
  request_release_message (request);
}

static void
on_message_gone (SoupServerMessage *msg, gpointer user_data)
{
  RdWhipRequest *request = user_data;

  /* The connection is closed (the client left, or the server stopped): nothing can be sent,
   * and unpausing would be an error. The request lives on until the handler replies. */
  request_release_message (request);
}

static gboolean
on_reply_timeout (gpointer user_data)
{
  RdWhipRequest *request = user_data;
  SoupServerMessage *msg = request_response_message (request);

  g_clear_pointer (&request->timeout, g_source_unref); /* it is being dispatched: just drop it */
  if (msg)
    {
      set_error (msg, SOUP_STATUS_GATEWAY_TIMEOUT, 0, "The room did not answer in time.");
      request_send (request);
    }
  return G_SOURCE_REMOVE;
}

static char *
endpoint_url (SoupServerMessage *msg, const char *session_id)
{
  GUri *uri = soup_server_message_get_uri (msg);
  g_autofree char *path = g_strconcat (RD_WHIP_PATH_PREFIX "/", session_id, NULL);

  return g_uri_join (G_URI_FLAGS_NONE, "https", NULL, g_uri_get_host (uri), g_uri_get_port (uri),
                     path, NULL, NULL);
}

/* A request that passed every check: pause the message and hand the request up. */
static void
whip_handle (SoupServer *soup, SoupServerMessage *msg, const char *path, GHashTable *query,
             gpointer user_data)
{
  RdSignalWhip *whip = user_data;
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GObject) emitter = NULL;
  RdWhipRequest *request;
  const char *body = "";
  gsize body_len = 0;
  const char *problem;
  Route route;

  /* The early handler answered everything else. */
  if (!parse_route (path, &route))
    {
      set_error (msg, SOUP_STATUS_NOT_FOUND, 0, NULL);
      return;
    }
  if (rd_signal_whip_body_too_large (msg))
    {
      set_error (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, 0, "The body is larger than 64 KiB.");
      return;
    }
  if (!method_is (msg, SOUP_METHOD_DELETE) && !method_is (msg, SOUP_METHOD_GET))
    {
      bytes = soup_message_body_flatten (soup_server_message_get_request_body (msg));
      body = g_bytes_get_data (bytes, &body_len);
      if (!body)
        body = "";
      if (memchr (body, '\0', body_len) || !g_utf8_validate_len (body, body_len, NULL))
        {
          set_error (msg, SOUP_STATUS_BAD_REQUEST, 0, "The body is not UTF-8 text.");
          return;
        }
    }
  if (method_is (msg, SOUP_METHOD_POST) && (problem = check_offer (body, body_len)))
    {
      set_error (msg, SOUP_STATUS_BAD_REQUEST, 0, problem);
      return;
    }
  if (!g_signal_has_handler_pending (whip->emitter, whip->signal_id, 0, FALSE))
    {
      set_error (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, RD_WHIP_NO_HANDLER_RETRY_S,
                 "The room is not taking calls now.");
      return;
    }

  request = g_new0 (RdWhipRequest, 1);
  request->session_id = g_strdup (route.session_id);
  request->peer_id = route.is_resource ? g_strdup (route.peer_id) : NULL;
  request->token = g_strdup (bearer_token (msg));
  request->body = g_strndup (body, body_len);
  request->remote_address = g_strdup (soup_server_message_get_remote_host (msg));
  request->endpoint_url = endpoint_url (msg, route.session_id);
  request->links = g_strdupv (whip->links);
  if (method_is (msg, SOUP_METHOD_POST))
    request->action = RD_WHIP_ACTION_OFFER;
  else if (method_is (msg, SOUP_METHOD_DELETE))
    request->action = RD_WHIP_ACTION_DELETE;
  else if (method_is (msg, SOUP_METHOD_GET))
    request->action = RD_WHIP_ACTION_STATE;
  else
    {
      request->if_match = if_match_value (msg);
      request->action =
          g_str_equal (request->if_match, "*") ? RD_WHIP_ACTION_RESTART : RD_WHIP_ACTION_TRICKLE;
    }

  /* Paused before the emission, so a handler may reply at once or later alike. */
  request->msg = g_object_ref (msg);
  soup_server_message_pause (msg);
  request->disconnected_id =
      g_signal_connect (msg, "disconnected", G_CALLBACK (on_message_gone), request);
  request->finished_id = g_signal_connect (msg, "finished", G_CALLBACK (on_message_gone), request);
  request->timeout = g_timeout_source_new (whip->reply_timeout_ms);
  g_source_set_callback (request->timeout, on_reply_timeout, request, NULL);
  g_source_attach (request->timeout, g_main_context_get_thread_default ());

  /* The handler may drop the last reference to the server; after the emission, nothing here
   * touches the request (it may be freed already). */
  emitter = g_object_ref (whip->emitter);
  g_signal_emit (emitter, whip->signal_id, 0, request);
}

/* ---- Replies ---------------------------------------------------------------------------- */

/* A reply that breaks the contract of rd-signal-whip.h still answers the client (500) and ends
 * the request; the mistake is reported like a failed precondition. */
#define REPLY_RETURN_IF_FAIL(request, expr)                                                        \
  G_STMT_START                                                                                     \
  {                                                                                                \
    if (G_UNLIKELY (!(expr)))                                                                      \
      {                                                                                            \
        SoupServerMessage *misuse_msg_ = request_response_message (request);                       \
        if (misuse_msg_)                                                                           \
          {                                                                                        \
            set_error (misuse_msg_, SOUP_STATUS_INTERNAL_SERVER_ERROR, 0, NULL);                   \
            request_send (request);                                                                \
          }                                                                                        \
        request_free (request);                                                                    \
        g_return_if_fail_warning (G_LOG_DOMAIN, G_STRFUNC, #expr);                                 \
        return;                                                                                    \
      }                                                                                            \
  }                                                                                                \
  G_STMT_END

/* An ETag value that fits between the quotes of a strong entity tag (RFC 9110 etagc). */
static gboolean
etag_is_valid (const char *etag)
{
  if (!etag || !*etag)
    return FALSE;
  for (const char *p = etag; *p; p++)
    if ((guchar)*p <= 0x20 || *p == '"' || *p == 0x7f)
      return FALSE;
  return TRUE;
}

static void
set_etag (SoupServerMessage *msg, const char *etag)
{
  g_autofree char *quoted = g_strdup_printf ("\"%s\"", etag);

  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "ETag", quoted);
}

void
rd_whip_request_reply_created (RdWhipRequest *request, const char *peer_id, const char *answer_sdp,
                               const char *etag)
{
  SoupServerMessage *msg;

  g_return_if_fail (request != NULL);
  REPLY_RETURN_IF_FAIL (request, request->action == RD_WHIP_ACTION_OFFER);
  REPLY_RETURN_IF_FAIL (request, rd_signal_whip_id_is_valid (peer_id, -1));
  REPLY_RETURN_IF_FAIL (request, answer_sdp != NULL);
  REPLY_RETURN_IF_FAIL (request, etag_is_valid (etag));

  if ((msg = request_response_message (request)))
    {
      SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
      g_autofree char *location =
          g_strdup_printf (RD_WHIP_PATH_PREFIX "/%s/%s", request->session_id, peer_id);

      soup_message_headers_replace (headers, "Location", location);
      set_etag (msg, etag);
      append_links (msg, (const char *const *)request->links);
      soup_server_message_set_response (msg, SDP_TYPE, SOUP_MEMORY_COPY, answer_sdp,
                                        strlen (answer_sdp));
      soup_server_message_set_status (msg, SOUP_STATUS_CREATED, NULL);
      request_send (request);
    }
  request_free (request);
}

void
rd_whip_request_reply_empty (RdWhipRequest *request, guint status)
{
  SoupServerMessage *msg;

  g_return_if_fail (request != NULL);
  REPLY_RETURN_IF_FAIL (request, request->action == RD_WHIP_ACTION_TRICKLE ||
                                     request->action == RD_WHIP_ACTION_DELETE);
  REPLY_RETURN_IF_FAIL (request, status == SOUP_STATUS_OK || status == SOUP_STATUS_NO_CONTENT);

  if ((msg = request_response_message (request)))
    {
      soup_server_message_set_status (msg, status, NULL);
      request_send (request);
    }
  request_free (request);
}

void
rd_whip_request_reply_sdpfrag (RdWhipRequest *request, const char *sdpfrag, const char *etag)
{
  SoupServerMessage *msg;

  g_return_if_fail (request != NULL);
  REPLY_RETURN_IF_FAIL (request, request->action == RD_WHIP_ACTION_RESTART ||
                                     request->action == RD_WHIP_ACTION_TRICKLE);
  REPLY_RETURN_IF_FAIL (request, sdpfrag != NULL);
  REPLY_RETURN_IF_FAIL (request, etag_is_valid (etag));

  if ((msg = request_response_message (request)))
    {
      set_etag (msg, etag);
      soup_server_message_set_response (msg, SDPFRAG_TYPE, SOUP_MEMORY_COPY, sdpfrag,
                                        strlen (sdpfrag));
      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      request_send (request);
    }
  request_free (request);
}

void
rd_whip_request_reply_json (RdWhipRequest *request, const char *json)
{
  SoupServerMessage *msg;

  g_return_if_fail (request != NULL);
  REPLY_RETURN_IF_FAIL (request, request->action == RD_WHIP_ACTION_STATE);
  REPLY_RETURN_IF_FAIL (request, json != NULL);

  if ((msg = request_response_message (request)))
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Cache-Control",
                                    "no-store");
      soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, json,
                                        strlen (json));
      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      request_send (request);
    }
  request_free (request);
}

void
rd_whip_request_reply_error (RdWhipRequest *request, guint status, guint retry_after_s,
                             const char *message)
{
  SoupServerMessage *msg;

  g_return_if_fail (request != NULL);
  REPLY_RETURN_IF_FAIL (request, status >= 400 && status <= 599);

  if ((msg = request_response_message (request)))
    {
      set_error (msg, status, retry_after_s, message);
      request_send (request);
    }
  request_free (request);
}

#define GETTER(type, name, expr)                                                                   \
  type rd_whip_request_get_##name (RdWhipRequest *request)                                         \
  {                                                                                                \
    g_return_val_if_fail (request != NULL, (type)0);                                               \
    return (expr);                                                                                 \
  }

GETTER (RdWhipAction, action, request->action)
GETTER (const char *, session_id, request->session_id)
GETTER (const char *, peer_id, request->peer_id)
GETTER (const char *, token, request->token)
GETTER (const char *, body, request->body)
GETTER (const char *, if_match, request->if_match)
GETTER (const char *, remote_address, request->remote_address)
GETTER (const char *, endpoint_url, request->endpoint_url)

/* ---- The endpoint's state --------------------------------------------------------------- */

RdSignalWhip *
rd_signal_whip_new (GObject *emitter, guint signal_id, RdConfig *config)
{
  RdSignalWhip *whip = g_new0 (RdSignalWhip, 1);

  whip->emitter = emitter;
  whip->signal_id = signal_id;
  whip->links = rd_signal_whip_ice_links (config, TRUE);
  whip->public_links = rd_signal_whip_ice_links (config, FALSE);
  whip->limit =
      rd_rate_limit_new (RD_WHIP_RATE_BURST, RD_WHIP_RATE_PER_SECOND, RD_WHIP_RATE_MAX_ADDRESSES);
  whip->rate_per_second = RD_WHIP_RATE_PER_SECOND;
  whip->reply_timeout_ms = RD_WHIP_REPLY_TIMEOUT_MS;
  return whip;
}

void
rd_signal_whip_free (RdSignalWhip *whip)
{
  if (!whip)
    return;
  g_strfreev (whip->links);
  g_strfreev (whip->public_links);
  rd_rate_limit_free (whip->limit);
  g_free (whip);
}

void
rd_signal_whip_set_rate (RdSignalWhip *whip, double per_second)
{
  rd_rate_limit_free (whip->limit);
  whip->limit = rd_rate_limit_new (RD_WHIP_RATE_BURST, per_second, RD_WHIP_RATE_MAX_ADDRESSES);
  whip->rate_per_second = per_second;
}

double
rd_signal_whip_get_rate (RdSignalWhip *whip)
{
  return whip->rate_per_second;
}

void
rd_signal_whip_set_reply_timeout (RdSignalWhip *whip, guint timeout_ms)
{
  whip->reply_timeout_ms = timeout_ms;
}

guint
rd_signal_whip_get_reply_timeout (RdSignalWhip *whip)
{
  return whip->reply_timeout_ms;
}

void
rd_signal_whip_attach (RdSignalWhip *whip, SoupServer *soup)
{
  soup_server_add_early_handler (soup, RD_WHIP_PATH_PREFIX, whip_early, whip, NULL);
  soup_server_add_handler (soup, RD_WHIP_PATH_PREFIX, whip_handle, whip, NULL);
}
