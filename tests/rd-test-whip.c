/* rd-test-whip.c: see rd-test-whip.h. */
#include "tests/rd-test-whip.h"

#include <libsoup/soup.h>
#include <string.h>

void
rd_test_whip_reply_free (RdTestWhipReply *r)
{
  if (!r)
    return;
  g_free (r->body);
  g_free (r->content_type);
  g_free (r->location);
  g_free (r->etag);
  g_free (r->www_authenticate);
  g_strfreev (r->links);
  g_free (r);
}

static gboolean
on_accept_certificate (SoupMessage *msg, GTlsCertificate *peer, GTlsCertificateFlags errors,
                       gpointer data)
{
  GTlsCertificate *pinned = data;
  return g_tls_certificate_is_same (peer, pinned);
}

RdTestWhipReply *
rd_test_whip_request (const char *cert_pem_path, const char *method, const char *url,
                      const char *token, const char *content_type, const char *body,
                      const char *if_match)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GTlsCertificate) pinned =
      cert_pem_path ? g_tls_certificate_new_from_file (cert_pem_path, &error) : NULL;
  g_autoptr (SoupSession) session = soup_session_new_with_options ("timeout", 20, NULL);
  g_autoptr (SoupMessage) msg = soup_message_new (method, url);
  g_autoptr (GBytes) reply_body = NULL;
  g_autoptr (GStrvBuilder) links = g_strv_builder_new ();
  RdTestWhipReply *r = g_new0 (RdTestWhipReply, 1);
  SoupMessageHeaders *headers;
  SoupMessageHeadersIter it;
  const char *name, *value;

  g_assert_no_error (error);
  g_assert_nonnull (msg);
  if (pinned)
    g_signal_connect (msg, "accept-certificate", G_CALLBACK (on_accept_certificate), pinned);
  headers = soup_message_get_request_headers (msg);
  if (token)
    {
      g_autofree char *auth = g_strdup_printf ("Bearer %s", token);
      soup_message_headers_replace (headers, "Authorization", auth);
    }
  if (if_match)
    soup_message_headers_replace (headers, "If-Match", if_match);
  if (body)
    {
      g_autoptr (GBytes) bytes = g_bytes_new (body, strlen (body));
      soup_message_set_request_body_from_bytes (msg, content_type, bytes);
    }
  reply_body = soup_session_send_and_read (session, msg, NULL, &error);
  if (!reply_body)
    g_error ("%s %s: no HTTP response: %s", method, url, error->message);

  r->status = soup_message_get_status (msg);
  r->body = g_strndup (g_bytes_get_data (reply_body, NULL), g_bytes_get_size (reply_body));
  headers = soup_message_get_response_headers (msg);
  r->content_type = g_strdup (soup_message_headers_get_one (headers, "Content-Type"));
  r->location = g_strdup (soup_message_headers_get_one (headers, "Location"));
  r->etag = g_strdup (soup_message_headers_get_one (headers, "ETag"));
  r->www_authenticate = g_strdup (soup_message_headers_get_one (headers, "WWW-Authenticate"));
  if (soup_message_headers_get_one (headers, "Retry-After"))
    r->retry_after_s =
        (guint)g_ascii_strtoull (soup_message_headers_get_one (headers, "Retry-After"), NULL, 10);
  soup_message_headers_iter_init (&it, headers);
  while (soup_message_headers_iter_next (&it, &name, &value))
    if (g_ascii_strcasecmp (name, "Link") == 0)
      g_strv_builder_add (links, value);
  r->links = g_strv_builder_end (links);
  g_test_message ("%s %s -> %u %s", method, url, r->status, r->body);
  return r;
}

static gboolean
on_waited (gpointer data)
{
  *(gboolean *)data = TRUE;
  return G_SOURCE_REMOVE;
}

RdTestWhipReply *
rd_test_whip_request_patiently (const char *cert_pem_path, const char *method, const char *url,
                                const char *token, const char *content_type, const char *body,
                                const char *if_match)
{
  for (int attempt = 0;; attempt++)
    {
      RdTestWhipReply *r =
          rd_test_whip_request (cert_pem_path, method, url, token, content_type, body, if_match);
      gboolean waited = FALSE;

      if ((r->status != 429 && r->status != 503) || r->retry_after_s == 0 || attempt >= 60)
        return r;
      g_timeout_add_seconds (r->retry_after_s, on_waited, &waited);
      rd_test_whip_reply_free (r);
      while (!waited)
        g_main_context_iteration (NULL, TRUE);
    }
}
