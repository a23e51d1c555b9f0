/* rd-media-dtls.c: the process's DTLS certificate and certificate fingerprints. See
 * rd-media-private.h.
 *
 * webrtcbin 1.22: every dtlsdec without a "pem" shares one agent whose RSA-2048 certificate is
 * generated once per process, at first use (0.2 s on an idle machine here, 2.8 s measured on a
 * loaded one), inside the first peer's set-remote-description. receptiond makes it at start, in
 * a thread, so no caller waits for it. Giving the transports a certificate of our own through
 * dtlssrtpdec's "pem" was tried and dropped: the answer's a=fingerprint and the certificate
 * presented in the handshake then disagree, and Chromium aborts the handshake (alert 46,
 * certificate unknown); webrtcbin peers do not check, so only a browser test shows it. */
#include "media/rd-media-private.h"

#include <string.h>

GST_DEBUG_CATEGORY (rd_media_debug);

static gpointer
prewarm_thread (gpointer data)
{
  gint64 start = g_get_monotonic_time ();
  GstElement *dec = gst_element_factory_make ("dtlsdec", NULL);

  if (dec)
    gst_object_unref (gst_object_ref_sink (dec));
  GST_DEBUG ("webrtcbin's DTLS certificate ready after %" G_GINT64_FORMAT " us",
             g_get_monotonic_time () - start);
  return NULL;
}

static GMutex prewarm_lock;
static GThread *prewarm;
static gboolean prewarm_started;

void
rd_media_dtls_prewarm (void)
{
  g_mutex_lock (&prewarm_lock);
  if (!prewarm_started)
    {
      prewarm_started = TRUE;
      prewarm = g_thread_new ("rd-dtls-cert", prewarm_thread, NULL);
    }
  g_mutex_unlock (&prewarm_lock);
}

void
rd_media_dtls_prewarm_wait (void)
{
  GThread *thread;

  g_mutex_lock (&prewarm_lock);
  thread = g_steal_pointer (&prewarm);
  g_mutex_unlock (&prewarm_lock);
  if (thread)
    g_thread_join (thread);
}

char *
rd_media_dtls_fingerprint_of_pem (const char *pem)
{
  static const char begin[] = "-----BEGIN CERTIFICATE-----";
  static const char end[] = "-----END CERTIFICATE-----";
  const char *b, *e;
  g_autofree char *body = NULL;
  g_autofree guint8 *der = NULL;
  gsize der_len = 0;
  g_autoptr (GChecksum) sum = NULL;
  guint8 digest[32];
  gsize digest_len = sizeof digest;
  GString *out;

  if (!pem)
    return NULL;
  b = strstr (pem, begin);
  if (!b)
    return NULL;
  b += strlen (begin);
  e = strstr (b, end);
  if (!e)
    return NULL;
  body = g_strndup (b, e - b);
  der = g_base64_decode (body, &der_len); /* skips the line breaks */
  if (der_len == 0)
    return NULL;
  sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_checksum_update (sum, der, der_len);
  g_checksum_get_digest (sum, digest, &digest_len);
  out = g_string_sized_new (96);
  for (gsize i = 0; i < digest_len; i++)
    g_string_append_printf (out, "%s%02X", i ? ":" : "", digest[i]);
  return g_string_free (out, FALSE);
}
