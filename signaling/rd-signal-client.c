/* rd-signal-client.c: RdSignalClient, the room's WHIP/WHEP client. See rd-signal-client.h for
 * the contract; one HTTP exchange (timeout, redirects, TLS) is rd-signal-client-http.c.
 *
 * Every operation keeps a reference on the client until its answer, so a client dropped by its
 * owner lives until what it sent is answered or timed out. Trickle: candidates wait in
 * @pending; once the resource exists (201, or the WHEP counter-offer's answer accepted) an idle
 * source sends what has gathered as one PATCH; while it is in flight, or while an ICE restart
 * is, new candidates wait for the next one. */
#include "signaling/rd-signal-client.h"
#include "signaling/rd-signal-error.h"
#include "signaling/rd-signal-client-private.h"

#include <string.h>

guint rd_signal_client_signals[RD_SIGNAL_CLIENT_N_SIGNALS];

G_DEFINE_FINAL_TYPE (RdSignalClient, rd_signal_client, G_TYPE_OBJECT)

/* ---- Small helpers ---------------------------------------------------------------------- */

void
rd_signal_answer_free (RdSignalAnswer *answer)
{
  if (!answer)
    return;
  g_free (answer->sdp);
  g_free (answer->resource_url);
  g_free (answer->etag);
  g_clear_pointer (&answer->ice_servers, g_ptr_array_unref);
  g_free (answer);
}

const char *
rd_signal_response_header (SoupMessage *msg, const char *name)
{
  return soup_message_headers_get_one (soup_message_get_response_headers (msg), name);
}

static gboolean
response_is (SoupMessage *msg, const char *type)
{
  const char *value =
      soup_message_headers_get_content_type (soup_message_get_response_headers (msg), NULL);

  return value && g_ascii_strcasecmp (value, type) == 0;
}

char *
rd_signal_response_text (GBytes *body)
{
  gsize len = 0;
  const char *data = body ? g_bytes_get_data (body, &len) : NULL;

  return g_strndup (data ? data : "", len);
}

/* ---- Construction ----------------------------------------------------------------------- */

/* An http(s) URL with a host and no user-info, https unless @allow_http. */
static gboolean
url_is_allowed (const char *url, gboolean allow_http)
{
  g_autoptr (GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  const char *scheme = uri ? g_uri_get_scheme (uri) : NULL;

  return uri && g_uri_get_host (uri) && *g_uri_get_host (uri) && !g_uri_get_userinfo (uri) &&
         (g_ascii_strcasecmp (scheme, "https") == 0 ||
          (allow_http && g_ascii_strcasecmp (scheme, "http") == 0));
}

static gboolean
check_url (const char *url, gboolean allow_http, GError **error)
{
  g_autoptr (GUri) uri = url ? g_uri_parse (url, G_URI_FLAGS_NONE, NULL) : NULL;
  g_autofree char *shown = rd_signal_client_shown_url (url);
  const char *scheme;

  if (!uri)
    {
      g_set_error (error, RD_SIGNAL_ERROR, RD_SIGNAL_ERROR_URL, "'%s' is not a URL", shown);
      return FALSE;
    }
  scheme = g_uri_get_scheme (uri);
  if (g_ascii_strcasecmp (scheme, "https") != 0 &&
      !(allow_http && g_ascii_strcasecmp (scheme, "http") == 0))
    {
      g_set_error (error, RD_SIGNAL_ERROR, RD_SIGNAL_ERROR_URL,
                   "'%s': only https:// URLs are allowed%s", shown,
                   allow_http ? " (or http://)" : "");
      return FALSE;
    }
  if (!g_uri_get_host (uri) || !*g_uri_get_host (uri))
    {
      g_set_error (error, RD_SIGNAL_ERROR, RD_SIGNAL_ERROR_URL, "'%s' has no host", shown);
      return FALSE;
    }
  if (g_uri_get_userinfo (uri))
    {
      /* Not repeated: a user-info part may hold a password. */
      g_set_error (error, RD_SIGNAL_ERROR, RD_SIGNAL_ERROR_URL,
                   "the URL of %s carries a user name or password; give a token instead",
                   g_uri_get_host (uri));
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_token (const char *token, GError **error)
{
  if (!token)
    return TRUE;
  if (!*token)
    {
      g_set_error_literal (error, RD_SIGNAL_ERROR, RD_SIGNAL_ERROR_URL, "the token is empty");
      return FALSE;
    }
  for (const char *p = token; *p; p++)
    if ((guchar)*p <= 0x20 || (guchar)*p >= 0x7f)
      {
        /* Never the token itself, nor the offending character's neighbours. */
        g_set_error (error, RD_SIGNAL_ERROR, RD_SIGNAL_ERROR_URL,
                     "the token has a character that is not printable ASCII or is a space "
                     "(at position %d)",
                     (int)(p - token) + 1);
        return FALSE;
      }
  return TRUE;
}

RdSignalClient *
rd_signal_client_new (RdSignalClientKind kind, const char *url, const char *token,
                      const RdSignalClientOptions *options, GError **error)
{
  static const RdSignalClientOptions defaults = { 0 };
  g_autoptr (RdSignalClient) self = NULL;
  g_autoptr (GTlsDatabase) database = NULL;

  g_return_val_if_fail (kind == RD_SIGNAL_CLIENT_WHIP || kind == RD_SIGNAL_CLIENT_WHEP, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!options)
    options = &defaults;
  if (!check_url (url, options->allow_http, error) || !check_token (token, error))
    return NULL;
  if (options->ca_file)
    {
      g_autoptr (GError) ca_error = NULL;

      if (!(database = g_tls_file_database_new (options->ca_file, &ca_error)))
        {
          g_set_error (error, RD_SIGNAL_ERROR, RD_SIGNAL_ERROR_TLS,
                       "the CA file %s cannot be used: %s", options->ca_file, ca_error->message);
          return NULL;
        }
    }

  self = g_object_new (RD_TYPE_SIGNAL_CLIENT, NULL);
  self->kind = kind;
  self->url = g_strdup (url);
  self->token = g_strdup (token);
  self->secrets = rd_signal_secrets_new (token);
  rd_signal_secrets_add_url (self->secrets, url);
  self->options = *options;
  self->ca_file = g_strdup (options->ca_file);
  self->options.ca_file = self->ca_file;
  if (!self->options.timeout_s)
    self->options.timeout_s = RD_SIGNAL_CLIENT_TIMEOUT_DEFAULT_S;
  self->context = g_main_context_ref_thread_default ();
  /* Our own timeout per request (rd-signal-client-http.c); libsoup's would only cover I/O. */
  self->session = soup_session_new_with_options ("timeout", 0, "idle-timeout", 60, "user-agent",
                                                 "receptiond", NULL);
  if (database)
    soup_session_set_tls_database (self->session, database);
  return g_steal_pointer (&self);
}

static void
rd_signal_client_init (RdSignalClient *self)
{
  self->mlines = g_ptr_array_new_with_free_func (rd_signal_client_mline_free);
  self->pending = g_ptr_array_new_with_free_func (rd_signal_client_candidate_free);
}

static void
rd_signal_client_finalize (GObject *object)
{
  RdSignalClient *self = RD_SIGNAL_CLIENT (object);

  if (self->flush)
    {
      g_source_destroy (self->flush);
      g_clear_pointer (&self->flush, g_source_unref);
    }
  if (self->session)
    soup_session_abort (self->session);
  g_clear_object (&self->session);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_free (self->url);
  if (self->token)
    memset (self->token, 0, strlen (self->token));
  g_free (self->token);
  g_clear_pointer (&self->secrets, g_ptr_array_unref);
  g_free (self->ca_file);
  g_free (self->resource_url);
  g_free (self->etag);
  g_free (self->ufrag);
  g_free (self->pwd);
  g_ptr_array_unref (self->mlines);
  g_ptr_array_unref (self->pending);
  G_OBJECT_CLASS (rd_signal_client_parent_class)->finalize (object);
}

static void
rd_signal_client_class_init (RdSignalClientClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = rd_signal_client_finalize;

  /* The server does not take trickle PATCHes (405/501); emitted once, none are sent after. */
  rd_signal_client_signals[RD_SIGNAL_CLIENT_SIGNAL_TRICKLE_REFUSED] =
      g_signal_new ("trickle-refused", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                    NULL, G_TYPE_NONE, 0);
  /* A trickle PATCH failed otherwise: (const char *message). Later ones are still sent. */
  rd_signal_client_signals[RD_SIGNAL_CLIENT_SIGNAL_TRICKLE_FAILED] =
      g_signal_new ("trickle-failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                    NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

const char *
rd_signal_client_get_resource_url (RdSignalClient *self)
{
  g_return_val_if_fail (RD_IS_SIGNAL_CLIENT (self), NULL);
  return self->resource_url;
}

void
rd_signal_client_send (RdSignalClient *self, const RdSignalRequest *request,
                       GCancellable *cancellable, RdSignalExchangeDone done, gpointer user_data)
{
  RdSignalRequest with_secrets = *request;

  with_secrets.secrets = self->secrets;
  with_secrets.token_origin = self->url;
  rd_signal_client_exchange (self->session, self->context, &self->options, &with_secrets,
                             cancellable, done, user_data);
}

/* ---- POST ------------------------------------------------------------------------------- */

typedef struct
{
  char *offer;
  guint deadline_s;
  gint64 deadline_us; /* monotonic */
  guint attempts;
  guint backoff_s; /* the next wait without Retry-After */
  GSource *wait;
  GSource *cancel_wait;
} PostData;

static void
post_data_free (gpointer data)
{
  PostData *d = data;

  g_free (d->offer);
  if (d->wait)
    {
      g_source_destroy (d->wait);
      g_source_unref (d->wait);
    }
  if (d->cancel_wait)
    {
      g_source_destroy (d->cancel_wait);
      g_source_unref (d->cancel_wait);
    }
  g_free (d);
}

static void post_send (GTask *task);

static void
post_stop_waiting (PostData *d)
{
  g_source_destroy (d->wait);
  g_clear_pointer (&d->wait, g_source_unref);
  if (d->cancel_wait)
    {
      g_source_destroy (d->cancel_wait);
      g_clear_pointer (&d->cancel_wait, g_source_unref);
    }
}

static gboolean
on_retry_due (gpointer user_data)
{
  GTask *task = user_data;

  post_stop_waiting (g_task_get_task_data (task));
  post_send (task);
  return G_SOURCE_REMOVE;
}

static gboolean
on_retry_cancelled (GCancellable *cancellable, gpointer user_data)
{
  GTask *task = user_data;

  post_stop_waiting (g_task_get_task_data (task));
  g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "Operation was cancelled");
  g_object_unref (task);
  return G_SOURCE_REMOVE;
}

/* 503, 429 (or a WHEP 409): wait and try again while the deadline allows; FALSE when it does not.
 */
static gboolean
post_retry (GTask *task, SoupMessage *msg)
{
  RdSignalClient *self = g_task_get_source_object (task);
  PostData *d = g_task_get_task_data (task);
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  guint wait_s;
  GCancellable *cancellable = g_task_get_cancellable (task);

  if (rd_signal_client_parse_retry_after (rd_signal_response_header (msg, "Retry-After"), now,
                                          &wait_s))
    wait_s = MIN (wait_s, RD_SIGNAL_CLIENT_RETRY_MAX_S);
  else
    {
      wait_s = d->backoff_s;
      d->backoff_s = MIN (d->backoff_s * 2, RD_SIGNAL_CLIENT_RETRY_MAX_S);
    }
  if (g_get_monotonic_time () + wait_s * G_USEC_PER_SEC > d->deadline_us)
    return FALSE;

  d->wait = g_timeout_source_new_seconds (wait_s);
  if (wait_s == 0)
    {
      g_source_unref (d->wait);
      d->wait = g_timeout_source_new (0);
    }
  g_source_set_callback (d->wait, on_retry_due, task, NULL);
  g_source_attach (d->wait, self->context);
  if (cancellable)
    {
      d->cancel_wait = g_cancellable_source_new (cancellable);
      g_source_set_callback (d->cancel_wait, G_SOURCE_FUNC (on_retry_cancelled), task, NULL);
      g_source_attach (d->cancel_wait, self->context);
    }
  return TRUE;
}

static RdSignalAnswer *
answer_new (RdSignalClient *self, SoupMessage *msg, GBytes *body, const char *url,
            gboolean counter_offer, GError **error)
{
  const char *location = rd_signal_response_header (msg, "Location");
  g_autoptr (RdSignalAnswer) answer = g_new0 (RdSignalAnswer, 1);
  g_autoptr (GError) resolve_error = NULL;
  g_autofree char *shown = rd_signal_client_shown_url (url);
  guint status = soup_message_get_status (msg);

  if (!location || !*location)
    {
      g_set_error (error, RD_SIGNAL_ERROR, RD_SIGNAL_ERROR_PROTOCOL,
                   "POST %s: %u without a Location header", shown, status);
      return NULL;
    }
  if (!response_is (msg, RD_SIGNAL_SDP_TYPE) || !body || g_bytes_get_size (body) == 0)
    {
      g_set_error (error, RD_SIGNAL_ERROR, RD_SIGNAL_ERROR_PROTOCOL,
                   "POST %s: %u without an application/sdp body", shown, status);
      return NULL;
    }
  answer->resource_url = g_uri_resolve_relative (url, location, G_URI_FLAGS_NONE, &resolve_error);
  if (answer->resource_url && !url_is_allowed (answer->resource_url, self->options.allow_http))
    {
      g_autofree char *shown_location = rd_signal_client_shown_url (answer->resource_url);

      /* PATCH and DELETE carry the token: the resource is held to the endpoint's rule. */
      g_set_error (error, RD_SIGNAL_ERROR, RD_SIGNAL_ERROR_PROTOCOL,
                   "POST %s: %u with a Location (%s) that is not an https URL", shown, status,
                   shown_location);
      return NULL;
    }
  if (!answer->resource_url)
    {
      g_set_error (error, RD_SIGNAL_ERROR, RD_SIGNAL_ERROR_PROTOCOL,
                   "POST %s: %u with a Location that is not a URL", shown, status);
      return NULL;
    }
  answer->sdp = rd_signal_response_text (body);
  answer->counter_offer = counter_offer;
  answer->ice_servers = g_ptr_array_new_with_free_func ((GDestroyNotify)rd_signal_ice_server_free);
  answer->links_skipped = rd_signal_client_parse_links (
      soup_message_headers_get_list (soup_message_get_response_headers (msg), "Link"),
      answer->ice_servers);
  if (rd_signal_response_header (msg, "ETag") && *rd_signal_response_header (msg, "ETag"))
    answer->etag = g_strstrip (g_strdup (rd_signal_response_header (msg, "ETag")));

  g_free (self->resource_url);
  self->resource_url = g_strdup (answer->resource_url);
  rd_signal_secrets_add_url (self->secrets, self->resource_url);
  g_free (self->etag);
  self->etag = g_strdup (answer->etag);
  return g_steal_pointer (&answer);
}

static void
on_posted (SoupMessage *msg, GBytes *body, const char *url, const GError *error, gpointer user_data)
{
  GTask *task = user_data; /* our reference */
  RdSignalClient *self = g_task_get_source_object (task);
  PostData *d = g_task_get_task_data (task);
  GError *answer_error = NULL;
  RdSignalAnswer *answer;
  guint status;

  if (error)
    {
      g_task_return_error (task, g_error_copy (error));
      g_object_unref (task);
      return;
    }
  status = soup_message_get_status (msg);
  if (status == SOUP_STATUS_CREATED ||
      (status == SOUP_STATUS_NOT_ACCEPTABLE && self->kind == RD_SIGNAL_CLIENT_WHEP &&
       response_is (msg, RD_SIGNAL_SDP_TYPE)))
    {
      gboolean counter = status != SOUP_STATUS_CREATED;

      if (!(answer = answer_new (self, msg, body, url, counter, &answer_error)))
        g_task_return_error (task, answer_error);
      else
        {
          /* A counter-offer is answered first; our candidates belong to that answer. */
          if (!counter)
            {
              self->trickle_open = TRUE;
              rd_signal_client_schedule_flush (self);
            }
          g_task_return_pointer (task, answer, (GDestroyNotify)rd_signal_answer_free);
        }
      g_object_unref (task);
      return;
    }
  /* 429 too: a receptiond answers it while the same invite's previous offer is still being
   * answered (a re-POST after a drop can overtake it), with a Retry-After of its own */
  if (status == SOUP_STATUS_SERVICE_UNAVAILABLE || status == 429 /* Too Many Requests */ ||
      (status == SOUP_STATUS_CONFLICT && self->kind == RD_SIGNAL_CLIENT_WHEP))
    {
      g_autofree char *shown = rd_signal_client_shown_url (url);
      g_autoptr (GString) reason = g_string_new (soup_message_get_reason_phrase (msg));

      if (post_retry (task, msg))
        return;
      rd_signal_secrets_scrub (self->secrets, reason); /* the server's words */
      g_task_return_new_error (task, RD_SIGNAL_ERROR, RD_SIGNAL_ERROR_RETRY,
                               "POST %s: still %u %s after %u attempt%s; gave up at the %u s "
                               "deadline",
                               shown, status, reason->str, d->attempts, d->attempts == 1 ? "" : "s",
                               d->deadline_s);
      g_object_unref (task);
      return;
    }
  g_task_return_error (task, rd_signal_client_http_error ("POST", url, msg, body, self->secrets));
  g_object_unref (task);
}

static void
post_send (GTask *task)
{
  RdSignalClient *self = g_task_get_source_object (task);
  PostData *d = g_task_get_task_data (task);
  RdSignalRequest request = {
    .method = "POST",
    .url = self->url,
    .token = self->token,
    .content_type = RD_SIGNAL_SDP_TYPE,
    .body = d->offer,
  };

  d->attempts++;
  rd_signal_client_send (self, &request, g_task_get_cancellable (task), on_posted, task);
}

void
rd_signal_client_post_async (RdSignalClient *self, const char *offer_sdp, guint deadline_s,
                             GCancellable *cancellable, GAsyncReadyCallback callback,
                             gpointer user_data)
{
  GTask *task;
  PostData *d;

  g_return_if_fail (RD_IS_SIGNAL_CLIENT (self));
  g_return_if_fail (offer_sdp != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, rd_signal_client_post_async);
  d = g_new0 (PostData, 1);
  d->offer = g_strdup (offer_sdp);
  d->deadline_s = deadline_s;
  d->deadline_us = g_get_monotonic_time () + (gint64)deadline_s * G_USEC_PER_SEC;
  d->backoff_s = RD_SIGNAL_CLIENT_RETRY_DEFAULT_S;
  g_task_set_task_data (task, d, post_data_free);
  rd_signal_client_learn_sdp (self, offer_sdp, TRUE);
  post_send (task);
}

RdSignalAnswer *
rd_signal_client_post_finish (RdSignalClient *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
