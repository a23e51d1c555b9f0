/* rd-signal-client-trickle.c: what RdSignalClient does with its resource once it exists: trickle
 * PATCHes, the WHEP counter-offer's answer, ICE restart and DELETE. See rd-signal-client.h for
 * the contract.
 *
 * A trickle fragment (RFC 8840, RFC 9725 4.3.1) has, for each m-line that has candidates to
 * send, the m= line of our SDP (port 9), its a=mid, our a=ice-ufrag/a=ice-pwd, the candidates
 * and, after the last ones, a=end-of-candidates. */
#include "signaling/rd-signal-client.h"
#include "signaling/rd-signal-error.h"
#include "signaling/rd-signal-client-private.h"

#include <string.h>

#define DEFAULT_MLINE "m=audio 9 UDP/TLS/RTP/SAVPF 0"
/* If-Match "*" in quotes, as RFC 9725 writes it and simple-whip-server (Janus) requires (it
 * answers 412 to a bare *); our own server takes both. */
#define ANY_ETAG "\"*\""

void
rd_signal_client_mline_free (gpointer data)
{
  RdSignalMLine *m = data;

  g_free (m->mid);
  g_free (m->mline);
  g_free (m);
}

void
rd_signal_client_candidate_free (gpointer data)
{
  RdSignalCandidate *c = data;

  g_free (c->mid);
  g_free (c->candidate);
  g_free (c);
}

static void
take_etag (RdSignalClient *self, SoupMessage *msg)
{
  const char *etag = rd_signal_response_header (msg, "ETag");

  if (etag && *etag)
    {
      g_free (self->etag);
      self->etag = g_strstrip (g_strdup (etag));
    }
}

void
rd_signal_client_learn_sdp (RdSignalClient *self, const char *sdp, gboolean with_mlines)
{
  g_auto (GStrv) lines = g_strsplit (sdp, "\n", -1);
  RdSignalMLine *current = NULL;
  gboolean ufrag_seen = FALSE, pwd_seen = FALSE;

  if (with_mlines)
    g_ptr_array_set_size (self->mlines, 0);
  for (guint i = 0; lines[i]; i++)
    {
      char *line = g_strchomp (lines[i]);

      if (with_mlines && g_str_has_prefix (line, "m="))
        {
          g_auto (GStrv) f = g_strsplit (line + 2, " ", 4);

          current = g_new0 (RdSignalMLine, 1);
          if (g_strv_length (f) == 4)
            current->mline = g_strdup_printf ("m=%s 9 %s %s", f[0], f[2], f[3]);
          else
            current->mline = g_strdup (DEFAULT_MLINE);
          g_ptr_array_add (self->mlines, current);
        }
      else if (with_mlines && current && !current->mid && g_str_has_prefix (line, "a=mid:"))
        current->mid = g_strdup (line + strlen ("a=mid:"));
      else if (!ufrag_seen && g_str_has_prefix (line, "a=ice-ufrag:"))
        {
          g_free (self->ufrag);
          self->ufrag = g_strdup (line + strlen ("a=ice-ufrag:"));
          ufrag_seen = TRUE;
        }
      else if (!pwd_seen && g_str_has_prefix (line, "a=ice-pwd:"))
        {
          g_free (self->pwd);
          self->pwd = g_strdup (line + strlen ("a=ice-pwd:"));
          pwd_seen = TRUE;
        }
    }
}

/* ---- Trickle ---------------------------------------------------------------------------- */

static void
append_section (RdSignalClient *self, GString *out, const char *mid)
{
  const char *mline = DEFAULT_MLINE;

  for (guint i = 0; i < self->mlines->len; i++)
    {
      RdSignalMLine *m = self->mlines->pdata[i];
      if (g_strcmp0 (m->mid, mid) == 0)
        mline = m->mline;
    }
  g_string_append_printf (out, "%s\r\na=mid:%s\r\n", mline, mid);
  if (self->ufrag)
    g_string_append_printf (out, "a=ice-ufrag:%s\r\n", self->ufrag);
  if (self->pwd)
    g_string_append_printf (out, "a=ice-pwd:%s\r\n", self->pwd);
}

/* The fragment for what waits; empties @pending. */
static char *
take_fragment (RdSignalClient *self)
{
  g_autoptr (GPtrArray) mids = g_ptr_array_new ();
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < self->pending->len; i++)
    {
      RdSignalCandidate *c = self->pending->pdata[i];
      if (!g_ptr_array_find_with_equal_func (mids, c->mid, g_str_equal, NULL))
        g_ptr_array_add (mids, c->mid);
    }
  if (mids->len == 0)
    {
      RdSignalMLine *first = self->mlines->len ? self->mlines->pdata[0] : NULL;
      g_ptr_array_add (mids, first && first->mid ? first->mid : "0");
    }
  for (guint m = 0; m < mids->len; m++)
    {
      append_section (self, out, mids->pdata[m]);
      for (guint i = 0; i < self->pending->len; i++)
        {
          RdSignalCandidate *c = self->pending->pdata[i];
          if (g_str_equal (c->mid, mids->pdata[m]))
            g_string_append_printf (out, "a=%s\r\n", c->candidate);
        }
      if (self->end_pending)
        g_string_append (out, "a=end-of-candidates\r\n");
    }
  g_ptr_array_set_size (self->pending, 0);
  self->end_pending = FALSE;
  return g_string_free (out, FALSE);
}

static void
on_trickled (SoupMessage *msg, GBytes *body, const char *url, const GError *error,
             gpointer user_data)
{
  RdSignalClient *self = user_data; /* our reference */
  guint status = msg ? soup_message_get_status (msg) : 0;

  self->trickle_in_flight = FALSE;
  if (error)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_signal_emit (self, rd_signal_client_signals[RD_SIGNAL_CLIENT_SIGNAL_TRICKLE_FAILED], 0,
                       error->message);
    }
  else if (status == SOUP_STATUS_METHOD_NOT_ALLOWED || status == SOUP_STATUS_NOT_IMPLEMENTED)
    {
      self->trickle_refused = TRUE;
      g_ptr_array_set_size (self->pending, 0);
      g_signal_emit (self, rd_signal_client_signals[RD_SIGNAL_CLIENT_SIGNAL_TRICKLE_REFUSED], 0);
    }
  else if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      g_autoptr (GError) http_error =
          rd_signal_client_http_error ("PATCH", url, msg, body, self->secrets);

      g_signal_emit (self, rd_signal_client_signals[RD_SIGNAL_CLIENT_SIGNAL_TRICKLE_FAILED], 0,
                     http_error->message);
    }
  rd_signal_client_schedule_flush (self);
  g_object_unref (self);
}

static gboolean
flush (gpointer user_data)
{
  RdSignalClient *self = user_data;
  g_autofree char *fragment = NULL;
  RdSignalRequest request = {
    .method = "PATCH",
    .url = self->resource_url,
    .token = self->token,
    .content_type = RD_SIGNAL_SDPFRAG_TYPE,
    .if_match = self->etag ? self->etag : ANY_ETAG,
  };

  g_clear_pointer (&self->flush, g_source_unref);
  if (!self->trickle_open || self->trickle_refused || self->trickle_in_flight || self->restarting ||
      (!self->pending->len && !self->end_pending))
    return G_SOURCE_REMOVE;
  fragment = take_fragment (self);
  request.body = fragment;
  self->trickle_in_flight = TRUE;
  rd_signal_client_send (self, &request, NULL, on_trickled, g_object_ref (self));
  return G_SOURCE_REMOVE;
}

void
rd_signal_client_schedule_flush (RdSignalClient *self)
{
  if (self->flush || !self->trickle_open || self->trickle_refused || self->trickle_in_flight ||
      self->restarting || (!self->pending->len && !self->end_pending))
    return;
  /* From an idle source: candidates that arrive together go in one PATCH. */
  self->flush = g_idle_source_new ();
  g_source_set_callback (self->flush, flush, self, NULL);
  g_source_attach (self->flush, self->context);
}

void
rd_signal_client_add_candidate (RdSignalClient *self, const char *mid, const char *candidate)
{
  RdSignalCandidate *c;

  g_return_if_fail (RD_IS_SIGNAL_CLIENT (self));
  g_return_if_fail (mid != NULL && candidate != NULL);

  if (self->trickle_refused || self->deleted)
    return;
  c = g_new0 (RdSignalCandidate, 1);
  c->mid = g_strdup (mid);
  c->candidate = g_strdup (g_str_has_prefix (candidate, "a=") ? candidate + 2 : candidate);
  g_strstrip (c->candidate);
  g_ptr_array_add (self->pending, c);
  rd_signal_client_schedule_flush (self);
}

void
rd_signal_client_end_of_candidates (RdSignalClient *self)
{
  g_return_if_fail (RD_IS_SIGNAL_CLIENT (self));

  if (self->trickle_refused || self->deleted)
    return;
  self->end_pending = TRUE;
  rd_signal_client_schedule_flush (self);
}

/* ---- Requests on the resource ----------------------------------------------------------- */

static gboolean
need_resource (RdSignalClient *self, GTask *task, const char *what)
{
  g_autofree char *shown = NULL;

  if (self->resource_url)
    return TRUE;
  shown = rd_signal_client_shown_url (self->url);
  g_task_return_new_error (task, RD_SIGNAL_ERROR, RD_SIGNAL_ERROR_PROTOCOL,
                           "%s %s: there is no resource yet (no 201)", what, shown);
  g_object_unref (task);
  return FALSE;
}

static void
on_answer_sent (SoupMessage *msg, GBytes *body, const char *url, const GError *error,
                gpointer user_data)
{
  GTask *task = user_data;
  RdSignalClient *self = g_task_get_source_object (task);

  if (error)
    g_task_return_error (task, g_error_copy (error));
  else if (!SOUP_STATUS_IS_SUCCESSFUL (soup_message_get_status (msg)))
    g_task_return_error (task,
                         rd_signal_client_http_error ("PATCH", url, msg, body, self->secrets));
  else
    {
      take_etag (self, msg);
      self->trickle_open = TRUE;
      rd_signal_client_schedule_flush (self);
      g_task_return_boolean (task, TRUE);
    }
  g_object_unref (task);
}

void
rd_signal_client_send_answer_async (RdSignalClient *self, const char *answer_sdp,
                                    GCancellable *cancellable, GAsyncReadyCallback callback,
                                    gpointer user_data)
{
  GTask *task;
  RdSignalRequest request = {
    .method = "PATCH",
    .content_type = RD_SIGNAL_SDP_TYPE,
    .body = answer_sdp,
  };

  g_return_if_fail (RD_IS_SIGNAL_CLIENT (self));
  g_return_if_fail (answer_sdp != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, rd_signal_client_send_answer_async);
  if (!need_resource (self, task, "PATCH"))
    return;
  rd_signal_client_learn_sdp (self, answer_sdp, TRUE);
  request.url = self->resource_url;
  request.token = self->token;
  request.if_match = self->etag;
  rd_signal_client_send (self, &request, cancellable, on_answer_sent, task);
}

gboolean
rd_signal_client_send_answer_finish (RdSignalClient *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
on_restarted (SoupMessage *msg, GBytes *body, const char *url, const GError *error,
              gpointer user_data)
{
  GTask *task = user_data;
  RdSignalClient *self = g_task_get_source_object (task);
  guint status = msg ? soup_message_get_status (msg) : 0;

  self->restarting = FALSE;
  if (error)
    g_task_return_error (task, g_error_copy (error));
  else if (status != SOUP_STATUS_OK)
    g_task_return_error (task,
                         rd_signal_client_http_error ("PATCH", url, msg, body, self->secrets));
  else if (!body || g_bytes_get_size (body) == 0)
    {
      g_autofree char *shown = rd_signal_client_shown_url (url);

      g_task_return_new_error (task, RD_SIGNAL_ERROR, RD_SIGNAL_ERROR_PROTOCOL,
                               "PATCH %s: 200 to an ICE restart without the server's sdpfrag",
                               shown);
    }
  else
    {
      take_etag (self, msg);
      g_task_return_pointer (task, rd_signal_response_text (body), g_free);
    }
  rd_signal_client_schedule_flush (self);
  g_object_unref (task);
}

void
rd_signal_client_restart_ice_async (RdSignalClient *self, const char *sdpfrag,
                                    GCancellable *cancellable, GAsyncReadyCallback callback,
                                    gpointer user_data)
{
  GTask *task;
  RdSignalRequest request = {
    .method = "PATCH",
    .content_type = RD_SIGNAL_SDPFRAG_TYPE,
    .body = sdpfrag,
    .if_match = ANY_ETAG,
  };

  g_return_if_fail (RD_IS_SIGNAL_CLIENT (self));
  g_return_if_fail (sdpfrag != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, rd_signal_client_restart_ice_async);
  if (!need_resource (self, task, "PATCH"))
    return;
  /* Candidates of the old ICE session are of no use any more; new ones wait for the 200. */
  g_ptr_array_set_size (self->pending, 0);
  self->end_pending = FALSE;
  self->restarting = TRUE;
  rd_signal_client_learn_sdp (self, sdpfrag, FALSE);
  request.url = self->resource_url;
  request.token = self->token;
  rd_signal_client_send (self, &request, cancellable, on_restarted, task);
}

char *
rd_signal_client_restart_ice_finish (RdSignalClient *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
on_deleted (SoupMessage *msg, GBytes *body, const char *url, const GError *error,
            gpointer user_data)
{
  GTask *task = user_data;
  RdSignalClient *self = g_task_get_source_object (task);
  guint status = msg ? soup_message_get_status (msg) : 0;

  if (error)
    g_task_return_error (task, g_error_copy (error));
  else if (status == SOUP_STATUS_OK || status == SOUP_STATUS_NO_CONTENT ||
           status == SOUP_STATUS_NOT_FOUND)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task,
                         rd_signal_client_http_error ("DELETE", url, msg, body, self->secrets));
  g_object_unref (task);
}

void
rd_signal_client_delete_async (RdSignalClient *self, GCancellable *cancellable,
                               GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task;
  RdSignalRequest request = { .method = "DELETE" };

  g_return_if_fail (RD_IS_SIGNAL_CLIENT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, rd_signal_client_delete_async);
  /* Nothing more goes to a resource being deleted. */
  self->deleted = TRUE;
  self->trickle_open = FALSE;
  g_ptr_array_set_size (self->pending, 0);
  self->end_pending = FALSE;
  if (!self->resource_url)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }
  request.url = self->resource_url;
  request.token = self->token;
  rd_signal_client_send (self, &request, cancellable, on_deleted, task);
}

gboolean
rd_signal_client_delete_finish (RdSignalClient *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
