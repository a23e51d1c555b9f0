/* rd-signal-client-http.c: one HTTP exchange of the WHIP/WHEP client: timeout, redirects, TLS
 * and transport errors. See rd-signal-client-private.h for the contract.
 *
 * libsoup's own redirect handling is off (SOUP_MESSAGE_NO_REDIRECT): it would turn a 302 POST
 * into a GET and follow it to any scheme. The timeout is ours (a source on the context that
 * cancels the request), so it covers resolving, connecting, TLS and waiting for the answer. */
#include "signaling/rd-signal-client-private.h"
#include "signaling/rd-signal-error.h"

#include <string.h>

#define BODY_MAX   (1024 * 1024) /* a larger answer is refused, never kept */
#define READ_CHUNK (64 * 1024)

typedef struct
{
  SoupSession *session;
  GMainContext *context;
  RdSignalClientOptions options;
  char *method;
  char *url;
  char *token;
  char *token_origin; /* the URL whose origin the token is for */
  char *content_type;
  GBytes *body;
  char *if_match;
  GPtrArray *secrets; /* the client's (rd_signal_secrets_new()), or NULL */
  guint redirects;

  GCancellable *outer;
  gulong outer_id;
  GCancellable *cancellable; /* ours: cancelled by the outer one and by the timer */
  GSource *timer;
  gboolean timed_out;
  GTlsCertificateFlags tls_errors;
  SoupMessage *msg;
  GInputStream *stream; /* the response body being read */
  GByteArray *received; /* what was read of it */
  RdSignalExchangeDone done;
  gpointer user_data;
} Exchange;

static void send_one (Exchange *ex);

static void
exchange_free (Exchange *ex)
{
  if (ex->timer)
    {
      g_source_destroy (ex->timer);
      g_source_unref (ex->timer);
    }
  if (ex->outer_id)
    g_cancellable_disconnect (ex->outer, ex->outer_id);
  g_clear_object (&ex->outer);
  g_clear_object (&ex->cancellable);
  g_clear_object (&ex->msg);
  g_clear_object (&ex->stream);
  g_clear_pointer (&ex->received, g_byte_array_unref);
  g_clear_object (&ex->session);
  g_main_context_unref (ex->context);
  g_free (ex->method);
  g_free (ex->url);
  if (ex->token)
    memset (ex->token, 0, strlen (ex->token));
  g_free (ex->token);
  g_free (ex->token_origin);
  g_free (ex->content_type);
  g_clear_pointer (&ex->body, g_bytes_unref);
  g_free (ex->if_match);
  g_clear_pointer (&ex->secrets, g_ptr_array_unref);
  g_free (ex);
}

static void
finish (Exchange *ex, SoupMessage *msg, GBytes *body, GError *error)
{
  ex->done (msg, body, ex->url, error, ex->user_data);
  if (error)
    g_error_free (error);
  exchange_free (ex);
}

static GError *error_new (Exchange *ex, RdSignalError code, const char *format, ...)
    G_GNUC_PRINTF (3, 4);

static GError *
error_new (Exchange *ex, RdSignalError code, const char *format, ...)
{
  va_list args;
  g_autofree char *text = NULL;
  g_autofree char *shown = rd_signal_client_shown_url (ex->url);

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  return g_error_new (RD_SIGNAL_ERROR, code, "%s %s: %s", ex->method, shown, text);
}

/* "unknown issuer, not for this host", for a TLS error message. */
static char *
tls_reasons (GTlsCertificateFlags flags)
{
  static const struct
  {
    GTlsCertificateFlags flag;
    const char *text;
  } reasons[] = {
    { G_TLS_CERTIFICATE_UNKNOWN_CA, "signed by an unknown authority (self-signed?)" },
    { G_TLS_CERTIFICATE_BAD_IDENTITY, "not issued for this host" },
    { G_TLS_CERTIFICATE_NOT_ACTIVATED, "not valid yet" },
    { G_TLS_CERTIFICATE_EXPIRED, "expired" },
    { G_TLS_CERTIFICATE_REVOKED, "revoked" },
    { G_TLS_CERTIFICATE_INSECURE, "using an insecure algorithm" },
    { G_TLS_CERTIFICATE_GENERIC_ERROR, "unusable" },
  };
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (reasons); i++)
    if (flags & reasons[i].flag)
      g_string_append_printf (out, "%s%s", out->len ? ", " : "", reasons[i].text);
  if (!out->len)
    g_string_append (out, "refused");
  return g_string_free (out, FALSE);
}

static char *
url_host (const char *url)
{
  g_autoptr (GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);

  return g_strdup (uri && g_uri_get_host (uri) ? g_uri_get_host (uri) : "?");
}

static gboolean
on_accept_certificate (SoupMessage *msg, GTlsCertificate *certificate, GTlsCertificateFlags errors,
                       gpointer user_data)
{
  Exchange *ex = user_data;

  ex->tls_errors = errors;
  return ex->options.insecure;
}

static gboolean
on_timeout (gpointer user_data)
{
  Exchange *ex = user_data;

  ex->timed_out = TRUE;
  g_cancellable_cancel (ex->cancellable);
  return G_SOURCE_CONTINUE; /* destroyed with the exchange */
}

static void
on_outer_cancelled (GCancellable *outer, gpointer user_data)
{
  Exchange *ex = user_data;

  g_cancellable_cancel (ex->cancellable);
}

static GError *
transport_error (Exchange *ex, const GError *error)
{
  g_autofree char *host = url_host (ex->url);
  g_autoptr (GString) said = g_string_new (error->message); /* a library's words */

  rd_signal_secrets_scrub (ex->secrets, said);
  if (ex->timed_out || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    return error_new (ex, RD_SIGNAL_ERROR_TIMEOUT, "no answer within %u s", ex->options.timeout_s);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return g_error_copy (error);
  if (ex->tls_errors || error->domain == G_TLS_ERROR)
    {
      g_autofree char *reasons = tls_reasons (ex->tls_errors);

      return error_new (ex, RD_SIGNAL_ERROR_UNTRUSTED,
                        "the TLS certificate of %s is not accepted: %s", host,
                        ex->tls_errors ? reasons : said->str);
    }
  return error_new (ex, RD_SIGNAL_ERROR_CONNECT, "cannot reach %s: %s", host, said->str);
}

static gboolean
host_is_loopback (const char *host)
{
  g_autoptr (GInetAddress) addr = g_inet_address_new_from_string (host);

  return g_ascii_strcasecmp (host, "localhost") == 0 ||
         (addr && g_inet_address_get_is_loopback (addr));
}

/* @uri's port, or its scheme's default (RFC 9110 section 4.2). */
static int
effective_port (GUri *uri)
{
  if (g_uri_get_port (uri) > 0)
    return g_uri_get_port (uri);
  return g_ascii_strcasecmp (g_uri_get_scheme (uri), "http") == 0 ? 80 : 443;
}

/* Whether @a and @b have the same scheme, host and port (RFC 6454 section 4). */
static gboolean
same_origin (const char *a, const char *b)
{
  g_autoptr (GUri) from = g_uri_parse (a, G_URI_FLAGS_NONE, NULL);
  g_autoptr (GUri) to = g_uri_parse (b, G_URI_FLAGS_NONE, NULL);

  return from != NULL && to != NULL && g_uri_get_host (from) && g_uri_get_host (to) &&
         g_ascii_strcasecmp (g_uri_get_scheme (from), g_uri_get_scheme (to)) == 0 &&
         g_ascii_strcasecmp (g_uri_get_host (from), g_uri_get_host (to)) == 0 &&
         effective_port (from) == effective_port (to);
}

/* A 307/308: the next URL, or an error. */
static GError *
follow_redirect (Exchange *ex, SoupMessage *msg)
{
  const char *location =
      soup_message_headers_get_one (soup_message_get_response_headers (msg), "Location");
  g_autoptr (GError) parse_error = NULL;
  g_autofree char *next = NULL;
  g_autoptr (GUri) uri = NULL;
  const char *scheme;

  if (!location || !*location)
    return error_new (ex, RD_SIGNAL_ERROR_PROTOCOL, "%u redirect without a Location",
                      soup_message_get_status (msg));
  if (++ex->redirects > RD_SIGNAL_CLIENT_MAX_REDIRECTS)
    return error_new (ex, RD_SIGNAL_ERROR_PROTOCOL, "more than %d redirects",
                      RD_SIGNAL_CLIENT_MAX_REDIRECTS);
  next = g_uri_resolve_relative (ex->url, location, G_URI_FLAGS_NONE, &parse_error);
  rd_signal_secrets_add_url (ex->secrets, next ? next : location);
  if (next)
    uri = g_uri_parse (next, G_URI_FLAGS_NONE, NULL);
  scheme = uri ? g_uri_get_scheme (uri) : NULL;
  if (!uri || !g_uri_get_host (uri) || !*g_uri_get_host (uri) || g_uri_get_userinfo (uri))
    return error_new (ex, RD_SIGNAL_ERROR_PROTOCOL, "redirect to an unusable Location");
  if (g_ascii_strcasecmp (scheme, "https") != 0 &&
      !(ex->options.allow_http && g_ascii_strcasecmp (scheme, "http") == 0))
    return error_new (ex, RD_SIGNAL_ERROR_URL, "redirect to a %s: URL refused (https only)",
                      scheme);
  /* plain http (allowed for this machine) never carries the token off it */
  if (g_ascii_strcasecmp (scheme, "http") == 0 && !host_is_loopback (g_uri_get_host (uri)))
    return error_new (ex, RD_SIGNAL_ERROR_URL,
                      "redirect to http://%s refused (plain http only to this machine)",
                      g_uri_get_host (uri));
  g_free (ex->url);
  ex->url = g_steal_pointer (&next);
  return NULL;
}

/* The whole response is in (@body), or the exchange failed (@error, already ours). */
static void
got_response (Exchange *ex, GBytes *body, GError *error)
{
  g_autoptr (SoupMessage) msg = g_steal_pointer (&ex->msg);
  guint status;

  if (ex->timer)
    {
      g_source_destroy (ex->timer);
      g_clear_pointer (&ex->timer, g_source_unref);
    }
  /* A body not read to its end (an error, one too large) is not waited for: cancelled. */
  if (error)
    g_cancellable_cancel (ex->cancellable);
  g_clear_object (&ex->stream);
  g_clear_pointer (&ex->received, g_byte_array_unref);
  if (error)
    {
      finish (ex, NULL, NULL, error);
      return;
    }
  status = soup_message_get_status (msg);
  if (status == SOUP_STATUS_TEMPORARY_REDIRECT || status == SOUP_STATUS_PERMANENT_REDIRECT)
    {
      GError *redirect_error = follow_redirect (ex, msg);

      if (redirect_error)
        finish (ex, NULL, NULL, redirect_error);
      else
        send_one (ex);
      return;
    }
  if (status == SOUP_STATUS_MOVED_PERMANENTLY || status == SOUP_STATUS_FOUND ||
      status == SOUP_STATUS_SEE_OTHER)
    {
      GError *http_error =
          rd_signal_client_http_error (ex->method, ex->url, msg, NULL, ex->secrets);
      g_autofree char *text = g_strdup (http_error->message);

      g_clear_error (&http_error);
      finish (ex, NULL, NULL,
              g_error_new (RD_SIGNAL_ERROR, RD_SIGNAL_ERROR_HTTP,
                           "%s (only 307 and 308 redirects are followed)", text));
      return;
    }
  finish (ex, msg, body, NULL);
}

static void read_next (Exchange *ex);

static void
on_chunk (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Exchange *ex = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) chunk =
      g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &error);
  gsize size;

  if (!chunk)
    {
      got_response (ex, NULL, transport_error (ex, error));
      return;
    }
  size = g_bytes_get_size (chunk);
  if (size == 0)
    {
      g_autoptr (GBytes) body = g_byte_array_free_to_bytes (g_steal_pointer (&ex->received));

      got_response (ex, body, NULL);
      return;
    }
  if (ex->received->len + size > BODY_MAX)
    {
      got_response (ex, NULL,
                    error_new (ex, RD_SIGNAL_ERROR_PROTOCOL, "the answer is larger than %d KiB",
                               BODY_MAX / 1024));
      return;
    }
  g_byte_array_append (ex->received, g_bytes_get_data (chunk, NULL), size);
  read_next (ex);
}

static void
read_next (Exchange *ex)
{
  g_input_stream_read_bytes_async (ex->stream, READ_CHUNK, G_PRIORITY_DEFAULT, ex->cancellable,
                                   on_chunk, ex);
}

static void
on_sent (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Exchange *ex = user_data;
  g_autoptr (GError) error = NULL;

  ex->stream = soup_session_send_finish (ex->session, result, &error);
  if (!ex->stream)
    {
      got_response (ex, NULL, transport_error (ex, error));
      return;
    }
  ex->received = g_byte_array_new ();
  read_next (ex);
}

static void
send_one (Exchange *ex)
{
  SoupMessageHeaders *headers;

  ex->tls_errors = 0;
  ex->msg = soup_message_new (ex->method, ex->url);
  if (!ex->msg)
    {
      finish (ex, NULL, NULL, error_new (ex, RD_SIGNAL_ERROR_URL, "not a usable URL"));
      return;
    }
  soup_message_add_flags (ex->msg, SOUP_MESSAGE_NO_REDIRECT);
  headers = soup_message_get_request_headers (ex->msg);
  /* The token goes only to the origin it was given for: a redirect or a resource elsewhere
   * gets the request without it, as browsers drop Authorization across origins (Fetch
   * standard, "HTTP-redirect fetch"); such a server answers 401 unless it admits the request
   * some other way. */
  if (ex->token && same_origin (ex->token_origin, ex->url))
    {
      g_autofree char *auth = g_strconcat ("Bearer ", ex->token, NULL);

      soup_message_headers_replace (headers, "Authorization", auth);
      memset (auth, 0, strlen (auth));
    }
  if (ex->if_match)
    soup_message_headers_replace (headers, "If-Match", ex->if_match);
  if (ex->body)
    soup_message_set_request_body_from_bytes (ex->msg, ex->content_type, ex->body);
  g_signal_connect (ex->msg, "accept-certificate", G_CALLBACK (on_accept_certificate), ex);

  ex->timer = g_timeout_source_new_seconds (ex->options.timeout_s);
  g_source_set_callback (ex->timer, on_timeout, ex, NULL);
  g_source_attach (ex->timer, ex->context);
  soup_session_send_async (ex->session, ex->msg, G_PRIORITY_DEFAULT, ex->cancellable, on_sent, ex);
}

void
rd_signal_client_exchange (SoupSession *session, GMainContext *context,
                           const RdSignalClientOptions *options, const RdSignalRequest *request,
                           GCancellable *cancellable, RdSignalExchangeDone done, gpointer user_data)
{
  Exchange *ex = g_new0 (Exchange, 1);

  ex->session = g_object_ref (session);
  ex->context = g_main_context_ref (context);
  ex->options = *options;
  ex->options.ca_file = NULL; /* not kept; the session has the database */
  if (!ex->options.timeout_s)
    ex->options.timeout_s = RD_SIGNAL_CLIENT_TIMEOUT_DEFAULT_S;
  ex->method = g_strdup (request->method);
  ex->url = g_strdup (request->url);
  ex->token = g_strdup (request->token);
  ex->token_origin = g_strdup (request->token_origin ? request->token_origin : request->url);
  ex->content_type = g_strdup (request->content_type);
  ex->body = request->body ? g_bytes_new (request->body, strlen (request->body)) : NULL;
  ex->if_match = g_strdup (request->if_match);
  ex->secrets = request->secrets ? g_ptr_array_ref (request->secrets) : NULL;
  ex->done = done;
  ex->user_data = user_data;
  ex->cancellable = g_cancellable_new ();
  if (cancellable)
    {
      ex->outer = g_object_ref (cancellable);
      ex->outer_id = g_cancellable_connect (cancellable, G_CALLBACK (on_outer_cancelled), ex, NULL);
    }
  send_one (ex);
}
