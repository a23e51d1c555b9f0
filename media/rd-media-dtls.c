/* rd-media-dtls.c: the process's DTLS certificate and certificate fingerprints. See
 * rd-media-private.h.
 *
 * webrtcbin 1.22 makes its DTLS agents from dtlssrtpdec's "pem" (GstWebRTCDTLSTransport's
 * "certificate" forwards to it) and caches one agent per PEM string, so giving every transport
 * the same PEM shares one agent (one SSL_CTX) between every peer. Without it every webrtcbin
 * shares one RSA-2048 certificate generated at first use (about 0.2 s on the first peer). */
#include "media/rd-media-private.h"

#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "media/rd-media-devices.h"

GST_DEBUG_CATEGORY (rd_media_debug);

/* 30 days: the certificate lives only as long as the process. */
#define CERT_VALID_DAYS 30

static char *
make_pem (GError **error)
{
  EVP_PKEY *key = NULL;
  X509 *cert = NULL;
  BIO *bio = NULL;
  X509_NAME *name;
  char *pem = NULL;
  char *data;
  long len;

  key = EVP_EC_gen ("P-256");
  cert = X509_new ();
  bio = BIO_new (BIO_s_mem ());
  if (!key || !cert || !bio)
    goto out;
  if (!X509_set_version (cert, 2) ||
      !ASN1_INTEGER_set_uint64 (X509_get_serialNumber (cert),
                                ((guint64)g_random_int () << 31) ^ g_random_int ()) ||
      !X509_gmtime_adj (X509_getm_notBefore (cert), -24 * 3600) ||
      !X509_gmtime_adj (X509_getm_notAfter (cert), (long)CERT_VALID_DAYS * 24 * 3600) ||
      !X509_set_pubkey (cert, key))
    goto out;
  name = X509_get_subject_name (cert);
  if (!X509_NAME_add_entry_by_txt (name, "CN", MBSTRING_ASC, (const guchar *)"receptiond", -1, -1,
                                   0) ||
      !X509_set_issuer_name (cert, name) || !X509_sign (cert, key, EVP_sha256 ()))
    goto out;
  if (!PEM_write_bio_X509 (bio, cert) ||
      !PEM_write_bio_PrivateKey (bio, key, NULL, NULL, 0, NULL, NULL))
    goto out;
  len = BIO_get_mem_data (bio, &data);
  pem = g_strndup (data, len);
out:
  if (!pem)
    g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_INIT,
                 "cannot make the DTLS certificate (OpenSSL failed)");
  BIO_free (bio);
  X509_free (cert);
  EVP_PKEY_free (key);
  return pem;
}

const char *
rd_media_dtls_pem (GError **error)
{
  static GMutex lock;
  static char *pem;
  const char *ret;

  g_mutex_lock (&lock);
  if (!pem)
    {
      gint64 start = g_get_monotonic_time ();
      pem = make_pem (error);
      GST_DEBUG ("made the ECDSA DTLS certificate in %" G_GINT64_FORMAT " us",
                 g_get_monotonic_time () - start);
    }
  ret = pem;
  g_mutex_unlock (&lock);
  return ret;
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
