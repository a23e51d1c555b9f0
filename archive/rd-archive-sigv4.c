/* rd-archive-sigv4.c: AWS Signature Version 4 for S3. See rd-archive-sigv4.h.
 *
 * Why not libcurl's CURLOPT_AWS_SIGV4: the libcurl of Debian 12 (7.88) signs a query parameter
 * without a value (`?uploads`) differently from S3, and hashes the body itself unless the caller
 * sets x-amz-content-sha256; HTTP goes through libsoup 3 (already the daemon's HTTP library), so
 * the signature is these few functions over OpenSSL's HMAC and SHA-256. */
#include "archive/rd-archive-sigv4.h"
#include "config/rd-config-hex.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>

#define SHA256_LEN 32

char *
rd_archive_uri_encode (const char *s, gboolean keep_slash)
{
  GString *out = g_string_sized_new (strlen (s) + 16);

  for (const guchar *p = (const guchar *)s; *p; p++)
    {
      if (g_ascii_isalnum (*p) || *p == '-' || *p == '_' || *p == '.' || *p == '~' ||
          (keep_slash && *p == '/'))
        g_string_append_c (out, (char)*p);
      else
        g_string_append_printf (out, "%%%02X", *p);
    }
  return g_string_free (out, FALSE);
}

char *
rd_archive_sha256_hex (const void *data, gsize len)
{
  guint8 md[SHA256_LEN];
  unsigned int n = 0;

  if (EVP_Digest (data, len, md, &n, EVP_sha256 (), NULL) != 1 || n != SHA256_LEN)
    g_error ("SHA-256 failed"); /* only without memory: OpenSSL's default provider has it */
  return rd_hex_encode (md, n);
}

static void
hmac (const guint8 *key, gsize key_len, const char *data, guint8 out[SHA256_LEN])
{
  unsigned int n = 0;

  if (!HMAC (EVP_sha256 (), key, (int)key_len, (const guchar *)data, strlen (data), out, &n) ||
      n != SHA256_LEN)
    g_error ("HMAC-SHA-256 failed");
}

typedef struct
{
  char *name, *value;
} Pair;

static void
pair_clear (gpointer p)
{
  g_free (((Pair *)p)->name);
  g_free (((Pair *)p)->value);
}

static int
pair_cmp (gconstpointer a, gconstpointer b)
{
  int c = strcmp (((const Pair *)a)->name, ((const Pair *)b)->name);

  return c ? c : strcmp (((const Pair *)a)->value, ((const Pair *)b)->value);
}

/* A header value trimmed, inner runs of blanks folded to one space. */
static char *
fold (const char *value)
{
  GString *out = g_string_new (NULL);
  gboolean blank = FALSE;

  for (const char *p = value; *p; p++)
    {
      if (*p == ' ' || *p == '\t')
        blank = out->len > 0;
      else
        {
          if (blank)
            g_string_append_c (out, ' ');
          blank = FALSE;
          g_string_append_c (out, *p);
        }
    }
  return g_string_free (out, FALSE);
}

static char *
canonical_request (const RdArchiveSigv4Request *req, char **signed_headers)
{
  g_autoptr (GArray) query = g_array_new (FALSE, FALSE, sizeof (Pair));
  g_autoptr (GArray) headers = g_array_new (FALSE, FALSE, sizeof (Pair));
  g_autoptr (GString) out = g_string_new (req->method);
  g_autoptr (GString) names = g_string_new (NULL);
  g_autofree char *path = rd_archive_uri_encode (req->path, TRUE);

  g_array_set_clear_func (query, pair_clear);
  g_array_set_clear_func (headers, pair_clear);
  for (guint i = 0; req->query && req->query[i]; i += 2)
    {
      Pair p = { rd_archive_uri_encode (req->query[i], FALSE),
                 rd_archive_uri_encode (req->query[i + 1] ? req->query[i + 1] : "", FALSE) };
      g_array_append_val (query, p);
    }
  for (guint i = 0; req->headers && req->headers[i]; i += 2)
    {
      Pair p = { g_ascii_strdown (req->headers[i], -1), fold (req->headers[i + 1]) };
      g_array_append_val (headers, p);
    }
  g_array_sort (query, pair_cmp);
  g_array_sort (headers, pair_cmp);

  g_string_append_printf (out, "\n%s\n", path);
  for (guint i = 0; i < query->len; i++)
    {
      Pair *p = &g_array_index (query, Pair, i);
      g_string_append_printf (out, "%s%s=%s", i ? "&" : "", p->name, p->value);
    }
  g_string_append_c (out, '\n');
  for (guint i = 0; i < headers->len; i++)
    {
      Pair *p = &g_array_index (headers, Pair, i);
      g_string_append_printf (out, "%s:%s\n", p->name, p->value);
      g_string_append_printf (names, "%s%s", i ? ";" : "", p->name);
    }
  g_string_append_printf (out, "\n%s\n%s", names->str, req->payload_sha256);
  *signed_headers = g_strdup (names->str);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

char *
rd_archive_sigv4_authorization (const RdArchiveSigv4Request *req, char **canonical_out)
{
  g_autofree char *signed_headers = NULL;
  g_autofree char *canonical = canonical_request (req, &signed_headers);
  g_autofree char *canonical_hash = rd_archive_sha256_hex (canonical, strlen (canonical));
  g_autofree char *date = g_strndup (req->amz_date, 8);
  g_autofree char *scope = g_strdup_printf ("%s/%s/s3/aws4_request", date, req->region);
  g_autofree char *to_sign =
      g_strdup_printf ("AWS4-HMAC-SHA256\n%s\n%s\n%s", req->amz_date, scope, canonical_hash);
  g_autofree char *secret = g_strconcat ("AWS4", req->secret_access_key, NULL);
  g_autofree char *signature = NULL;
  guint8 k[SHA256_LEN], k2[SHA256_LEN];

  hmac ((const guint8 *)secret, strlen (secret), date, k);
  hmac (k, sizeof k, req->region, k2);
  hmac (k2, sizeof k2, "s3", k);
  hmac (k, sizeof k, "aws4_request", k2);
  hmac (k2, sizeof k2, to_sign, k);
  signature = rd_hex_encode (k, sizeof k);
  memset (k2, 0, sizeof k2);
  memset (secret, 0, strlen (secret));
  if (canonical_out)
    *canonical_out = g_steal_pointer (&canonical);
  return g_strdup_printf ("AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s",
                          req->access_key_id, scope, signed_headers, signature);
}
