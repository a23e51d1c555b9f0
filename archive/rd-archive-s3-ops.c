/* rd-archive-s3-ops.c: RdArchiveS3's operations: PUT, multipart upload (create, part,
 * complete), HEAD and a hashing GET. See rd-archive-s3.h for the contract. */
#include "archive/rd-archive-s3-private.h"
#include "archive/rd-archive-error.h"
#include "archive/rd-archive-sigv4.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#define GET_CHUNK (256 * 1024)

/* The SHA-256 of @body, base64. (transfer full) */
static char *
body_checksum (GBytes *body)
{
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 digest[32];
  gsize digest_len = sizeof digest;

  g_checksum_update (sum, g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  g_checksum_get_digest (sum, digest, &digest_len);
  return g_base64_encode (digest, digest_len);
}

/* @length bytes of @path from @offset. */
static GBytes *
read_range (const char *path, gint64 offset, gint64 length, GError **error)
{
  g_autofree guint8 *buf = NULL;
  gint64 done = 0;
  int fd = open (path, O_RDONLY | O_CLOEXEC);

  if (fd < 0)
    {
      g_set_error (error, RD_ARCHIVE_ERROR, RD_ARCHIVE_ERROR_IO, "cannot read %s: %s", path,
                   g_strerror (errno));
      return NULL;
    }
  buf = g_malloc (MAX (length, 1));
  while (done < length)
    {
      ssize_t n = pread (fd, buf + done, length - done, offset + done);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          g_set_error (error, RD_ARCHIVE_ERROR, RD_ARCHIVE_ERROR_IO,
                       "cannot read %s at %" G_GINT64_FORMAT ": %s", path, offset + done,
                       n < 0 ? g_strerror (errno) : "the file is shorter than expected");
          close (fd);
          return NULL;
        }
      done += n;
    }
  close (fd);
  return g_bytes_new_take (g_steal_pointer (&buf), length);
}

char *
rd_archive_s3_range_checksum (const char *path, gint64 offset, gint64 length, GError **error)
{
  g_autoptr (GBytes) body = read_range (path, offset, length, error);

  return body ? body_checksum (body) : NULL;
}

/* @headers (name, value pairs) with the Object Lock headers when set; @until holds the date.
 * (transfer container) */
static GPtrArray *
with_lock (RdArchiveS3 *s3, const char *const *headers, char **until)
{
  GPtrArray *all = g_ptr_array_new ();

  for (guint i = 0; headers && headers[i]; i++)
    g_ptr_array_add (all, (gpointer)headers[i]);
  if (s3->object_lock_days)
    {
      g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
      g_autoptr (GDateTime) at = g_date_time_add_days (now, (gint)s3->object_lock_days);

      *until = g_date_time_format (at, "%Y-%m-%dT%H:%M:%SZ");
      g_ptr_array_add (all, "x-amz-object-lock-mode");
      g_ptr_array_add (all, "COMPLIANCE");
      g_ptr_array_add (all, "x-amz-object-lock-retain-until-date");
      g_ptr_array_add (all, *until);
    }
  g_ptr_array_add (all, NULL);
  return all;
}

static char *
response_etag (SoupMessage *msg, const char *what, GError **error)
{
  const char *etag = soup_message_headers_get_one (soup_message_get_response_headers (msg), "ETag");

  if (!etag || !*etag)
    {
      g_set_error (error, RD_ARCHIVE_ERROR, RD_ARCHIVE_ERROR_PROTOCOL, "%s: no ETag in the answer",
                   what);
      return NULL;
    }
  return g_strdup (etag);
}

gboolean
rd_archive_s3_put_file (RdArchiveS3 *s3, const char *key, const char *path, gint64 offset,
                        gint64 length, char **etag, GCancellable *cancellable, GError **error)
{
  g_autoptr (GBytes) body = read_range (path, offset, length, error);
  g_autoptr (SoupMessage) msg = NULL;
  g_autoptr (GBytes) answer = NULL;
  g_autofree char *checksum = NULL;
  g_autofree char *what = g_strdup_printf ("PUT %s", key);

  if (!body)
    return FALSE;
  checksum = body_checksum (body);
  {
    const char *headers[] = { "x-amz-checksum-sha256", checksum, NULL };
    g_autofree char *until = NULL;
    g_autoptr (GPtrArray) all = with_lock (s3, headers, &until);

    answer = rd_archive_s3_request (s3, "PUT", key, NULL, body, (const char *const *)all->pdata,
                                    &msg, NULL, cancellable, error);
  }
  if (!answer)
    return FALSE;
  if (etag && !(*etag = response_etag (msg, what, error)))
    return FALSE;
  return TRUE;
}

char *
rd_archive_s3_multipart_create (RdArchiveS3 *s3, const char *key, GCancellable *cancellable,
                                GError **error)
{
  const char *query[] = { "uploads", "", NULL };
  const char *headers[] = { "x-amz-checksum-algorithm", "SHA256", NULL };
  g_autofree char *until = NULL;
  g_autoptr (GPtrArray) all = with_lock (s3, headers, &until);
  g_autoptr (GBytes) answer =
      rd_archive_s3_request (s3, "POST", key, query, NULL, (const char *const *)all->pdata, NULL,
                             NULL, cancellable, error);
  g_autofree char *text = NULL;
  char *id;

  if (!answer)
    return NULL;
  text = g_strndup (g_bytes_get_data (answer, NULL), g_bytes_get_size (answer));
  id = rd_archive_xml_member (text, "UploadId");
  if (!id || !*id)
    {
      g_free (id);
      g_set_error (error, RD_ARCHIVE_ERROR, RD_ARCHIVE_ERROR_PROTOCOL,
                   "POST %s?uploads: no UploadId in the answer", key);
      return NULL;
    }
  return id;
}

char *
rd_archive_s3_multipart_part (RdArchiveS3 *s3, const char *key, const char *upload_id, guint part,
                              const char *path, gint64 offset, gint64 length,
                              GCancellable *cancellable, GError **error)
{
  g_autofree char *number = g_strdup_printf ("%u", part);
  const char *query[] = { "partNumber", number, "uploadId", upload_id, NULL };
  g_autoptr (GBytes) body = read_range (path, offset, length, error);
  g_autoptr (SoupMessage) msg = NULL;
  g_autoptr (GBytes) answer = NULL;
  g_autofree char *what = g_strdup_printf ("PUT %s part %u", key, part);
  g_autofree char *checksum = NULL;

  if (!body)
    return NULL;
  checksum = body_checksum (body);
  {
    const char *headers[] = { "x-amz-checksum-sha256", checksum, NULL };
    answer = rd_archive_s3_request (s3, "PUT", key, query, body, headers, &msg, NULL, cancellable,
                                    error);
  }
  return answer ? response_etag (msg, what, error) : NULL;
}

gboolean
rd_archive_s3_multipart_complete (RdArchiveS3 *s3, const char *key, const char *upload_id,
                                  const char *const *etags, const char *const *checksums,
                                  char **etag, GCancellable *cancellable, GError **error)
{
  const char *query[] = { "uploadId", upload_id, NULL };
  g_autoptr (GString) xml = g_string_new ("<CompleteMultipartUpload>");
  g_autoptr (GBytes) body = NULL;
  g_autoptr (GBytes) answer = NULL;
  g_autofree char *text = NULL;
  g_autofree char *code = NULL;
  g_autofree char *got = NULL;
  g_autoptr (GChecksum) composite = g_checksum_new (G_CHECKSUM_SHA256);
  guint n = 0;

  for (guint i = 0; etags[i]; i++, n++)
    {
      g_string_append_printf (xml, "<Part><PartNumber>%u</PartNumber><ETag>%s</ETag>", i + 1,
                              etags[i]);
      if (checksums && checksums[i])
        {
          gsize len = 0;
          g_autofree guchar *raw = g_base64_decode (checksums[i], &len);

          g_string_append_printf (xml, "<ChecksumSHA256>%s</ChecksumSHA256>", checksums[i]);
          g_checksum_update (composite, raw, len);
        }
      g_string_append (xml, "</Part>");
    }
  g_string_append (xml, "</CompleteMultipartUpload>");
  body = g_bytes_new (xml->str, xml->len);
  answer =
      rd_archive_s3_request (s3, "POST", key, query, body, NULL, NULL, NULL, cancellable, error);
  if (!answer)
    return FALSE;
  /* S3 may answer 200 and still fail, in the body (S3 API reference, CompleteMultipartUpload) */
  text = g_strndup (g_bytes_get_data (answer, NULL), g_bytes_get_size (answer));
  if ((code = rd_archive_xml_member (text, "Code")) && strstr (text, "<Error>"))
    {
      g_set_error (error, RD_ARCHIVE_ERROR, RD_ARCHIVE_ERROR_TRANSIENT,
                   "POST %s?uploadId: the server failed to complete it: %s", key, code);
      return FALSE;
    }
  if (checksums && (got = rd_archive_xml_member (text, "ChecksumSHA256")))
    {
      guint8 digest[32];
      gsize digest_len = sizeof digest;
      g_autofree char *b64 = NULL, *want = NULL;

      g_checksum_get_digest (composite, digest, &digest_len);
      b64 = g_base64_encode (digest, digest_len);
      want = g_strdup_printf ("%s-%u", b64, n);
      if (!g_str_equal (got, want))
        {
          g_set_error (error, RD_ARCHIVE_ERROR, RD_ARCHIVE_ERROR_MISMATCH,
                       "POST %s?uploadId: the server's checksum of the object is %s, the parts "
                       "sent make %s",
                       key, got, want);
          return FALSE;
        }
    }
  if (etag && !(*etag = rd_archive_xml_member (text, "ETag")))
    {
      g_set_error (error, RD_ARCHIVE_ERROR, RD_ARCHIVE_ERROR_PROTOCOL,
                   "POST %s?uploadId: no ETag in the answer", key);
      return FALSE;
    }
  if (etag && g_str_has_prefix (*etag, "&quot;"))
    {
      g_autofree char *raw = *etag;
      g_auto (GStrv) parts = g_strsplit (raw, "&quot;", -1);
      *etag = g_strjoinv ("\"", parts);
    }
  return TRUE;
}

gboolean
rd_archive_s3_head (RdArchiveS3 *s3, const char *key, gint64 *size, char **etag, char **sha256,
                    GCancellable *cancellable, GError **error)
{
  const char *headers[] = { "x-amz-checksum-mode", "ENABLED", NULL };
  g_autoptr (SoupMessage) msg = NULL;
  g_autoptr (GBytes) answer =
      rd_archive_s3_request (s3, "HEAD", key, NULL, NULL, headers, &msg, NULL, cancellable, error);
  g_autofree char *what = g_strdup_printf ("HEAD %s", key);
  const char *sum;

  if (!answer)
    return FALSE;
  *size = soup_message_headers_get_content_length (soup_message_get_response_headers (msg));
  sum = soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                      "x-amz-checksum-sha256");
  if (sha256)
    {
      gsize len = 0;
      g_autofree guchar *raw = sum && !strchr (sum, '-') ? g_base64_decode (sum, &len) : NULL;

      *sha256 = NULL;
      if (raw && len == 32)
        {
          GString *hex = g_string_sized_new (64);
          for (gsize i = 0; i < len; i++)
            g_string_append_printf (hex, "%02x", raw[i]);
          *sha256 = g_string_free (hex, FALSE);
        }
    }
  return (*etag = response_etag (msg, what, error)) != NULL;
}

gboolean
rd_archive_s3_get_sha256 (RdArchiveS3 *s3, const char *key, gint64 *size, char **sha256,
                          GCancellable *cancellable, GError **error)
{
  g_autoptr (SoupMessage) msg = NULL;
  g_autoptr (GInputStream) stream = NULL;
  g_autoptr (GBytes) answer = NULL;
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree guint8 *buf = g_malloc (GET_CHUNK);
  gssize n;

  answer =
      rd_archive_s3_request (s3, "GET", key, NULL, NULL, NULL, &msg, &stream, cancellable, error);
  if (!answer)
    return FALSE;
  *size = 0;
  while ((n = g_input_stream_read (stream, buf, GET_CHUNK, cancellable, error)) > 0)
    {
      g_checksum_update (sum, buf, n);
      *size += n;
    }
  if (n < 0)
    {
      g_prefix_error (error, "GET %s: ", key);
      (*error)->domain = RD_ARCHIVE_ERROR;
      (*error)->code = RD_ARCHIVE_ERROR_TRANSIENT;
      return FALSE;
    }
  *sha256 = g_strdup (g_checksum_get_string (sum));
  return TRUE;
}
