/* rd-archive-error.h: the archive module's error domain (RD_ARCHIVE_ERROR): what a caller does
 * about each code.
 *
 * - CONFIG: the archive settings cannot work (URL, credentials file and its mode, CA file);
 *   nothing is sent until they are fixed.
 * - AUTH: the server refused the credentials or the signature (403: InvalidAccessKeyId,
 *   SignatureDoesNotMatch, AccessDenied): will not heal by retrying.
 * - NO_BUCKET: the bucket does not exist (404 NoSuchBucket): will not heal by retrying.
 * - NOT_FOUND: no such object (404 NoSuchKey), or the multipart upload is gone (NoSuchUpload):
 *   upload it again.
 * - REFUSED: another 4xx the server will refuse again (the message carries its code).
 * - TRANSIENT: the server or the network failed (5xx, 408, 429, connection, timeout, TLS
 *   handshake): retry later.
 * - PROTOCOL: the answer is not what S3 answers (no ETag, no UploadId).
 * - IO: a local file cannot be read.
 * - MISMATCH: an object on the server differs from what was sent (size, checksum, ETag). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define RD_ARCHIVE_ERROR (rd_archive_error_quark ())
GQuark rd_archive_error_quark (void);

typedef enum
{
  RD_ARCHIVE_ERROR_CONFIG,
  RD_ARCHIVE_ERROR_AUTH,
  RD_ARCHIVE_ERROR_NO_BUCKET,
  RD_ARCHIVE_ERROR_NOT_FOUND,
  RD_ARCHIVE_ERROR_REFUSED,
  RD_ARCHIVE_ERROR_TRANSIENT,
  RD_ARCHIVE_ERROR_PROTOCOL,
  RD_ARCHIVE_ERROR_IO,
  RD_ARCHIVE_ERROR_MISMATCH,
} RdArchiveError;

G_END_DECLS
