/* rd-signal-whip.c: the WHIP and WHEP endpoints of RdSignalServer: routes and checks. See
 * rd-signal-whip.h for the contract and rd-signal-whip-private.h for how the server uses it.
 *
 * /whip/... and /whep/... share everything: the same rules, the same "whip-request" signal
 * (rd_whip_request_is_whep() tells them apart). A request goes through two libsoup handlers:
 * - the early handler (after the headers, before the body is read) counts the request against
 *   the address's rate limit, routes it and checks everything the headers decide (405, 401 for a
 *   missing or malformed token, 415, 413 by Content-Length, 428), so a refused upload is never
 *   buffered;
 * - the normal handler (after the body) checks its size (413) and hands the request up
 *   (rd-signal-whip-request.c) with the body unjudged: its UTF-8 and SDP checks (400) run when
 *   the handler has accepted the token. The HTTP pieces are in rd-signal-whip-http.c. */
#include "signaling/rd-signal-whip.h"
#include "signaling/rd-signal-ratelimit.h"
#include "signaling/rd-signal-whip-private.h"

#include <string.h>

#include <gst/sdp/sdp.h>

#define ENDPOINT_ALLOW    "OPTIONS, GET, HEAD, POST"
#define RESOURCE_ALLOW    "OPTIONS, GET, PATCH, DELETE"
#define PREFLIGHT_HEADERS "Authorization, Content-Type, If-Match"
#define PREFLIGHT_MAX_AGE "7200" /* seconds; the most Chromium honours */

struct _RdSignalWhip
{
  GObject *emitter; /* the RdSignalServer; not a reference (it owns us) */
  guint signal_id;
  GStrv links;             /* ICE-server Link header values (STUN and TURN), for the 201 */
  GStrv public_links;      /* STUN only, for the preflight */
  RdRateLimit *limit;      /* POST, PATCH, DELETE */
  RdRateLimit *read_limit; /* GET, HEAD, OPTIONS */
  guint reply_timeout_ms;
  double rate_per_second;
};

gboolean
rd_signal_whip_parse_route (const char *path, RdWhipRoute *route)
{
  const char *session;
  const char *slash;
  gsize session_len;

  memset (route, 0, sizeof *route);
  if (g_str_has_prefix (path, RD_WHEP_PATH_PREFIX "/"))
    route->is_whep = TRUE;
  else if (!g_str_has_prefix (path, RD_WHIP_PATH_PREFIX "/"))
    return FALSE;
  session = path + strlen (RD_WHIP_PATH_PREFIX "/"); /* both prefixes have the same length */
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

static void
answer_options (RdSignalWhip *whip, SoupServerMessage *msg, const RdWhipRoute *route)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  const char *allow = route->is_resource ? RESOURCE_ALLOW : ENDPOINT_ALLOW;

  soup_message_headers_replace (headers, "Allow", allow);
  soup_message_headers_replace (headers, "Access-Control-Allow-Methods", allow);
  soup_message_headers_replace (headers, "Access-Control-Allow-Headers", PREFLIGHT_HEADERS);
  soup_message_headers_replace (headers, "Access-Control-Max-Age", PREFLIGHT_MAX_AGE);
  if (route->is_resource)
    soup_message_headers_replace (headers, "Accept-Patch", RD_WHIP_SDPFRAG_TYPE);
  else
    {
      soup_message_headers_replace (headers, "Accept-Post", RD_WHIP_SDP_TYPE);
      /* STUN only: the preflight carries no token, and TURN credentials are for callers. */
      rd_signal_whip_append_links (msg, (const char *const *)whip->public_links);
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
  gboolean is_post = rd_signal_whip_method_is (msg, SOUP_METHOD_POST);
  gboolean is_patch = rd_signal_whip_method_is (msg, "PATCH");
  gboolean is_get = rd_signal_whip_method_is (msg, SOUP_METHOD_GET);
  SoupMessageHeaders *request_headers = soup_server_message_get_request_headers (msg);
  /* Reads (GET, HEAD, OPTIONS: cheap, and the join page polls its resource) have a budget of
   * their own, larger than the writes'. */
  gboolean writes = is_post || is_patch || rd_signal_whip_method_is (msg, SOUP_METHOD_DELETE);
  g_autofree char *key = rd_signal_whip_rate_key (msg);
  guint retry_after_s = 0;
  RdWhipRoute route;

  rd_signal_whip_limit_body (msg, is_post || is_patch);

  /* Counted before anything else, so that floods of bad requests are limited too. */
  if (!rd_rate_limit_take (writes ? whip->limit : whip->read_limit, key, g_get_monotonic_time (),
                           &retry_after_s))
    {
      rd_signal_whip_reject_early (msg, RD_WHIP_STATUS_TOO_MANY_REQUESTS, retry_after_s,
                                   "Too many requests from this address; try again later.");
      return;
    }
  if (rd_signal_whip_reject_bad_framing (msg))
    return;

  if (!rd_signal_whip_parse_route (path, &route))
    {
      rd_signal_whip_reject_early (msg, SOUP_STATUS_NOT_FOUND, 0,
                                   g_str_has_prefix (path, RD_WHEP_PATH_PREFIX)
                                       ? "No such WHEP endpoint or resource."
                                       : "No such WHIP endpoint or resource.");
      return;
    }
  if (rd_signal_whip_method_is (msg, SOUP_METHOD_OPTIONS))
    {
      answer_options (whip, msg, &route);
      return;
    }
  if (!route.is_resource && (rd_signal_whip_method_is (msg, SOUP_METHOD_GET) ||
                             rd_signal_whip_method_is (msg, SOUP_METHOD_HEAD)))
    {
      /* WHEP servers say what their endpoint takes (WHIP.md). */
      if (route.is_whep)
        soup_message_headers_replace (headers, "Content-Type", RD_WHIP_SDP_TYPE);
      soup_server_message_set_status (msg, SOUP_STATUS_NO_CONTENT, NULL);
      return;
    }
  if (route.is_resource
          ? !(is_patch || is_get || rd_signal_whip_method_is (msg, SOUP_METHOD_DELETE))
          : !is_post)
    {
      soup_message_headers_replace (headers, "Allow",
                                    route.is_resource ? RESOURCE_ALLOW : ENDPOINT_ALLOW);
      rd_signal_whip_reject_early (
          msg, SOUP_STATUS_METHOD_NOT_ALLOWED, 0,
          route.is_resource
              ? (route.is_whep ? "A WHEP resource takes GET, PATCH or DELETE."
                               : "A WHIP resource takes GET, PATCH or DELETE.")
              : (route.is_whep ? "A WHEP endpoint takes POST." : "A WHIP endpoint takes POST."));
      return;
    }

  if (!rd_signal_whip_bearer_token (request_headers))
    {
      rd_signal_whip_reject_early (msg, SOUP_STATUS_UNAUTHORIZED, 0, RD_WHIP_UNAUTHORIZED_MESSAGE);
      return;
    }
  if (is_post && !rd_signal_whip_content_type_is (request_headers, RD_WHIP_SDP_TYPE))
    {
      rd_signal_whip_reject_early (msg, SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE, 0,
                                   "The offer must be sent as " RD_WHIP_SDP_TYPE ".");
      return;
    }
  if (is_patch && !rd_signal_whip_content_type_is (request_headers, RD_WHIP_SDPFRAG_TYPE))
    {
      rd_signal_whip_reject_early (msg, SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE, 0,
                                   "A PATCH must be sent as " RD_WHIP_SDPFRAG_TYPE ".");
      return;
    }
  if ((is_post || is_patch) && rd_signal_whip_body_too_large (msg))
    {
      rd_signal_whip_reject_early (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, 0,
                                   "The body is larger than 64 KiB.");
      return;
    }
  if (is_patch && !soup_message_headers_get_one (request_headers, "If-Match"))
    {
      rd_signal_whip_reject_early (
          msg, RD_WHIP_STATUS_PRECONDITION_REQUIRED, 0,
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
  if (len < 2 || memcmp (sdp, "v=", 2) != 0) /* @sdp need not be NUL-terminated */
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

const char *
rd_signal_whip_body_problem (gboolean is_offer, const char *body, gsize len)
{
  if (memchr (body, '\0', len) || !g_utf8_validate_len (body, len, NULL))
    return "The body is not UTF-8 text.";
  return is_offer ? check_offer (body, len) : NULL;
}

static void
whip_handle (SoupServer *soup, SoupServerMessage *msg, const char *path, GHashTable *query,
             gpointer user_data)
{
  RdSignalWhip *whip = user_data;
  g_autoptr (GBytes) bytes = NULL;
  const char *body = "";
  gsize body_len = 0;
  RdWhipRoute route;

  /* The early handler answered everything else. */
  if (!rd_signal_whip_parse_route (path, &route))
    {
      rd_signal_whip_set_error (msg, SOUP_STATUS_NOT_FOUND, 0, NULL);
      return;
    }
  if (rd_signal_whip_body_too_large (msg))
    {
      rd_signal_whip_set_error (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, 0,
                                "The body is larger than 64 KiB.");
      return;
    }
  /* Kept as it came: it is judged (UTF-8, SDP) only once the handler has accepted the token
   * (rd_whip_request_accept_token()), so that nobody without a token reaches the parser. */
  if (!rd_signal_whip_method_is (msg, SOUP_METHOD_DELETE) &&
      !rd_signal_whip_method_is (msg, SOUP_METHOD_GET))
    {
      bytes = soup_message_body_flatten (soup_server_message_get_request_body (msg));
      body = g_bytes_get_data (bytes, &body_len);
      if (!body)
        body = "";
    }
  if (!g_signal_has_handler_pending (whip->emitter, whip->signal_id, 0, FALSE))
    {
      rd_signal_whip_set_error (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, RD_WHIP_NO_HANDLER_RETRY_S,
                                "The room is not taking calls now.");
      return;
    }

  rd_signal_whip_request_start (msg, &route, body, body_len, (const char *const *)whip->links,
                                whip->reply_timeout_ms, whip->emitter, whip->signal_id);
}

/* ---- The endpoint's state --------------------------------------------------------------- */

RdSignalWhip *
rd_signal_whip_new (GObject *emitter, guint signal_id, RdConfig *config)
{
  RdSignalWhip *whip = g_new0 (RdSignalWhip, 1);

  whip->emitter = emitter;
  whip->signal_id = signal_id;
  whip->links = rd_signal_whip_ice_links (config, TRUE);
  whip->public_links = rd_signal_whip_ice_links (config, FALSE);
  rd_signal_whip_set_rate (whip, RD_WHIP_RATE_PER_SECOND);
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
  rd_rate_limit_free (whip->read_limit);
  g_free (whip);
}

void
rd_signal_whip_set_rate (RdSignalWhip *whip, double per_second)
{
  rd_rate_limit_free (whip->limit);
  rd_rate_limit_free (whip->read_limit);
  whip->limit = rd_rate_limit_new (RD_WHIP_RATE_BURST, per_second, RD_WHIP_RATE_MAX_ADDRESSES);
  whip->read_limit = rd_rate_limit_new (
      RD_WHIP_READ_RATE_BURST, per_second * RD_WHIP_READ_RATE_FACTOR, RD_WHIP_RATE_MAX_ADDRESSES);
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
  soup_server_add_early_handler (soup, RD_WHEP_PATH_PREFIX, whip_early, whip, NULL);
  soup_server_add_handler (soup, RD_WHEP_PATH_PREFIX, whip_handle, whip, NULL);
}
