/* rd-archive-sigv4.h: AWS Signature Version 4 for S3 requests, written with OpenSSL's HMAC and
 * SHA-256 (AWS docs, "Signature Version 4 signing process"; S3 API reference, "Authenticating
 * Requests (AWS Signature Version 4)").
 *
 * Contract: rd_archive_sigv4_authorization() returns the Authorization header value of one
 * request: "AWS4-HMAC-SHA256 Credential=<key id>/<yyyymmdd>/<region>/s3/aws4_request,
 * SignedHeaders=<names>, Signature=<hex>". The canonical request is built as S3 wants it:
 * - the path is URI-encoded segment by segment (RFC 3986 unreserved characters kept, '/' kept,
 *   every other byte %XX uppercase) exactly once, as rd_archive_uri_encode() encodes it for the
 *   request line; no dot-segment normalisation;
 * - the query's parameters are sorted by name, names and values URI-encoded, and a parameter
 *   without a value (`?uploads`) is "uploads=" (its value the empty string);
 * - every header given is signed: names lowercased and sorted, values trimmed with inner runs of
 *   blanks folded to one; the caller gives host, x-amz-date and x-amz-content-sha256 (the
 *   payload's SHA-256, which is also the canonical request's last line).
 * Nothing is read from the clock or the environment: the caller gives the time.
 *
 * Threading: pure functions, any thread. Ownership: returned strings (transfer full). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define RD_ARCHIVE_SHA256_EMPTY "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

typedef struct
{
  const char *method;         /* "PUT" */
  const char *path;           /* decoded, from the root: "/bucket/key with spaces.mkv" */
  const char *const *query;   /* name, value pairs, NULL-terminated; a value may be "" */
  const char *const *headers; /* name, value pairs, NULL-terminated; host, x-amz-date and
                               x-amz-content-sha256 among them */
  const char *payload_sha256; /* lowercase hex */
  const char *amz_date;       /* "20130524T000000Z", the x-amz-date header's value */
  const char *region;
  const char *access_key_id;
  const char *secret_access_key;
} RdArchiveSigv4Request;

/* @s with every byte but A-Z a-z 0-9 - _ . ~ (and '/' when @keep_slash) as %XX. */
char *rd_archive_uri_encode (const char *s, gboolean keep_slash);

/* The Authorization header value; *@canonical_request (may be NULL) gets the canonical request
 * that was signed, for diagnostics. */
char *rd_archive_sigv4_authorization (const RdArchiveSigv4Request *req, char **canonical_request);

/* The lowercase hex SHA-256 of @len bytes at @data. */
char *rd_archive_sha256_hex (const void *data, gsize len);

G_END_DECLS
