/* rd-signal-whip-request.c: RdWhipRequest, a WHIP/WHEP request handed up through the server's
 * "whip-request" signal, and the handler's replies. See rd-signal-whip.h for the contract.
 *
 * The request keeps its own reference on the paused message and watches it: once the
 * connection is gone (or the 504 has been sent) the handler's reply is dropped and only frees
 * the request. */
#include "signaling/rd-signal-whip-private.h"
#include "signaling/rd-signal-whip.h"

#include <string.h>

struct _RdWhipRequest
{
  RdWhipAction action;
  gboolean is_whep;
  char *session_id;
  char *peer_id; /* NULL for an offer */
  char *token;   /* never logged; wiped when freed */
  char *body;    /* as it came (NUL-terminated copy; may hold NULs): judged once accepted */
  gsize body_len;
  gboolean token_accepted; /* rd_whip_request_accept_token() passed: the body is fit */
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

static const char *
route_prefix (const RdWhipRoute *route)
{
  return route->is_whep ? RD_WHEP_PATH_PREFIX : RD_WHIP_PATH_PREFIX;
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
      rd_signal_whip_set_error (msg, SOUP_STATUS_GATEWAY_TIMEOUT, 0,
                                "The room did not answer in time.");
      request_send (request);
    }
  return G_SOURCE_REMOVE;
}

static char *
endpoint_url (SoupServerMessage *msg, const RdWhipRoute *route)
{
  GUri *uri = soup_server_message_get_uri (msg);
  g_autofree char *path = g_strconcat (route_prefix (route), "/", route->session_id, NULL);

  return g_uri_join (G_URI_FLAGS_NONE, "https", NULL, g_uri_get_host (uri), g_uri_get_port (uri),
                     path, NULL, NULL);
}

/* A request that passed every check: pause the message and hand the request up. */
void
rd_signal_whip_request_start (SoupServerMessage *msg, const RdWhipRoute *route, const char *body,
                              gsize body_len, const char *const *links, guint reply_timeout_ms,
                              GObject *emitter_in, guint signal_id)
{
  g_autoptr (GObject) emitter = NULL;
  RdWhipRequest *request = g_new0 (RdWhipRequest, 1);

  request->is_whep = route->is_whep;
  request->session_id = g_strdup (route->session_id);
  request->peer_id = route->is_resource ? g_strdup (route->peer_id) : NULL;
  request->token =
      g_strdup (rd_signal_whip_bearer_token (soup_server_message_get_request_headers (msg)));
  request->body = g_malloc (body_len + 1);
  memcpy (request->body, body, body_len);
  request->body[body_len] = '\0';
  request->body_len = body_len;
  request->remote_address = g_strdup (soup_server_message_get_remote_host (msg));
  request->endpoint_url = endpoint_url (msg, route);
  request->links = g_strdupv ((GStrv)links);
  if (rd_signal_whip_method_is (msg, SOUP_METHOD_POST))
    request->action = RD_WHIP_ACTION_OFFER;
  else if (rd_signal_whip_method_is (msg, SOUP_METHOD_DELETE))
    request->action = RD_WHIP_ACTION_DELETE;
  else if (rd_signal_whip_method_is (msg, SOUP_METHOD_GET))
    request->action = RD_WHIP_ACTION_STATE;
  else
    {
      request->if_match = rd_signal_whip_if_match (soup_server_message_get_request_headers (msg));
      request->action =
          g_str_equal (request->if_match, "*") ? RD_WHIP_ACTION_RESTART : RD_WHIP_ACTION_TRICKLE;
    }

  /* Paused before the emission, so a handler may reply at once or later alike. */
  request->msg = g_object_ref (msg);
  soup_server_message_pause (msg);
  request->disconnected_id =
      g_signal_connect (msg, "disconnected", G_CALLBACK (on_message_gone), request);
  request->finished_id = g_signal_connect (msg, "finished", G_CALLBACK (on_message_gone), request);
  request->timeout = g_timeout_source_new (reply_timeout_ms);
  g_source_set_callback (request->timeout, on_reply_timeout, request, NULL);
  g_source_attach (request->timeout, g_main_context_get_thread_default ());

  /* The handler may drop the last reference to the server; after the emission, nothing here
   * touches the request (it may be freed already). */
  emitter = g_object_ref (emitter_in);
  g_signal_emit (emitter, signal_id, 0, request);
}

/* ---- Replies ---------------------------------------------------------------------------- */

/* A reply that breaks the contract of rd-signal-whip.h still answers the client (500) and ends
 * the request; the mistake is reported like a failed precondition. */
static void
reply_misuse (RdWhipRequest *request, const char *func, const char *expr)
{
  SoupServerMessage *msg = request_response_message (request);

  if (msg)
    {
      rd_signal_whip_set_error (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, 0, NULL);
      request_send (request);
    }
  request_free (request);
  g_return_if_fail_warning (G_LOG_DOMAIN, func, expr);
}

#define REPLY_RETURN_IF_FAIL(request, expr)                                                        \
  G_STMT_START                                                                                     \
  {                                                                                                \
    if (G_UNLIKELY (!(expr)))                                                                      \
      {                                                                                            \
        reply_misuse (request, G_STRFUNC, #expr);                                                  \
        return;                                                                                    \
      }                                                                                            \
  }                                                                                                \
  G_STMT_END

#define REPLY_RETURN_VAL_IF_FAIL(request, expr, val)                                               \
  G_STMT_START                                                                                     \
  {                                                                                                \
    if (G_UNLIKELY (!(expr)))                                                                      \
      {                                                                                            \
        reply_misuse (request, G_STRFUNC, #expr);                                                  \
        return (val);                                                                              \
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
          g_strdup_printf ("%s/%s/%s", request->is_whep ? RD_WHEP_PATH_PREFIX : RD_WHIP_PATH_PREFIX,
                           request->session_id, peer_id);

      soup_message_headers_replace (headers, "Location", location);
      set_etag (msg, etag);
      rd_signal_whip_append_links (msg, (const char *const *)request->links);
      soup_server_message_set_response (msg, RD_WHIP_SDP_TYPE, SOUP_MEMORY_COPY, answer_sdp,
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
      soup_server_message_set_response (msg, RD_WHIP_SDPFRAG_TYPE, SOUP_MEMORY_COPY, sdpfrag,
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
      rd_signal_whip_set_error (msg, status, retry_after_s, message);
      request_send (request);
    }
  request_free (request);
}

gboolean
rd_whip_request_accept_token (RdWhipRequest *request)
{
  const char *problem;

  g_return_val_if_fail (request != NULL, FALSE);
  REPLY_RETURN_VAL_IF_FAIL (request, !request->token_accepted, FALSE);

  problem = rd_signal_whip_body_problem (request->action == RD_WHIP_ACTION_OFFER, request->body,
                                         request->body_len);
  if (problem)
    {
      rd_whip_request_reply_error (request, SOUP_STATUS_BAD_REQUEST, 0, problem);
      return FALSE;
    }
  request->token_accepted = TRUE;
  return TRUE;
}

const char *
rd_whip_request_get_body (RdWhipRequest *request)
{
  g_return_val_if_fail (request != NULL, NULL);
  /* Nothing of the body is read for a caller whose token was not accepted. */
  g_return_val_if_fail (request->token_accepted, NULL);
  return request->body;
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
GETTER (const char *, if_match, request->if_match)
GETTER (const char *, remote_address, request->remote_address)
GETTER (const char *, endpoint_url, request->endpoint_url)

gboolean
rd_whip_request_is_whep (RdWhipRequest *request)
{
  g_return_val_if_fail (request != NULL, FALSE);
  return request->is_whep;
}
