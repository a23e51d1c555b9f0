/* rd-archive-s3.h: RdArchiveS3, a client of one S3-compatible bucket (path-style URLs), over
 * libsoup 3, every request signed with AWS Signature V4 (archive/rd-archive-sigv4.h).
 *
 * Contract:
 * - rd_archive_s3_new() takes the archive URL "https://host[:port]/bucket[/prefix]" ("http://"
 *   is accepted for a server on the machine's own loopback), the region, the credentials file
 *   (two lines "access-key-id=..." and "secret-access-key=...", mode 0600 or stricter: a file
 *   others may read or write is refused naming it and its mode) and an optional CA file (PEM;
 *   then only that CA is trusted). Keys given to the calls are relative to the prefix.
 * - Every request carries x-amz-date, x-amz-content-sha256 (the body's SHA-256; the empty
 *   string's for a body-less request) and host, all signed. A single PUT also carries
 *   x-amz-checksum-sha256 (base64), which servers that know it check.
 * - Bodies are read from the file into memory one request at a time (a whole object up to the
 *   caller's threshold, or one part), so memory is bounded by the larger of the two.
 * - Answers are mapped to RD_ARCHIVE_ERROR_* (archive/rd-archive-error.h); messages name the
 *   method, the object's key and the server's own error code and message.
 *
 * Threading: the calls block (synchronous libsoup); an RdArchiveS3 is used by one thread at a
 * time: the thread that made it or, once handed over, another one (its SoupSession runs no
 * main context of its own). The request function is called in that thread.
 * Ownership: returned strings (transfer full); arguments (transfer none).
 */
#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef struct _RdArchiveS3 RdArchiveS3;

RdArchiveS3 *rd_archive_s3_new (const char *url, const char *region, const char *credentials,
                                const char *ca, GError **error);
void rd_archive_s3_free (RdArchiveS3 *s3);

/* Called after each request is answered (or failed: @status 0) with what was sent: method, URI
 * (as sent) and the request headers, for diagnostics and the signature tests. NULL removes it. */
typedef void (*RdArchiveS3RequestFunc) (const char *method, const char *uri,
                                        SoupMessageHeaders *headers, guint status,
                                        gpointer user_data);
void rd_archive_s3_set_request_func (RdArchiveS3 *s3, RdArchiveS3RequestFunc func,
                                     gpointer user_data);

/* From now on every object sent (a PUT, a multipart upload's start) carries S3 Object Lock
 * headers: x-amz-object-lock-mode COMPLIANCE and x-amz-object-lock-retain-until-date @days
 * days from the request (the bucket must have Object Lock enabled). 0: none. */
void rd_archive_s3_set_object_lock_days (RdArchiveS3 *s3, guint days);

/* The seconds the last answer (an error's) asked the client to wait in its Retry-After header
 * (a number of seconds or an HTTP date; RFC 9110 section 10.2.3), 0 when it had none. */
guint rd_archive_s3_get_retry_after (RdArchiveS3 *s3);

/* PUT @length bytes of @path from @offset as object @key; *@etag (may be NULL) the ETag. */
gboolean rd_archive_s3_put_file (RdArchiveS3 *s3, const char *key, const char *path, gint64 offset,
                                 gint64 length, char **etag, GCancellable *cancellable,
                                 GError **error);

/* The SHA-256 of @length bytes of @path from @offset, base64 (the form of
 * x-amz-checksum-sha256). (transfer full) */
char *rd_archive_s3_range_checksum (const char *path, gint64 offset, gint64 length, GError **error);

/* POST ?uploads: a new multipart upload of @key, with x-amz-checksum-algorithm SHA256 (each
 * part then carries its checksum); returns its upload id. */
char *rd_archive_s3_multipart_create (RdArchiveS3 *s3, const char *key, GCancellable *cancellable,
                                      GError **error);
/* PUT ?partNumber=@part&uploadId=@upload_id with @length bytes of @path from @offset and their
 * x-amz-checksum-sha256; returns the part's ETag. */
char *rd_archive_s3_multipart_part (RdArchiveS3 *s3, const char *key, const char *upload_id,
                                    guint part, const char *path, gint64 offset, gint64 length,
                                    GCancellable *cancellable, GError **error);
/* POST ?uploadId=@upload_id with the parts' ETags (@etags[0] is part 1) and their checksums
 * (@checksums, base64 SHA-256 as rd_archive_s3_range_checksum(), one per part); *@etag (may be
 * NULL) the object's ETag. When the answer has the object's ChecksumSHA256 (S3's composite:
 * the SHA-256 of the parts' digests, "-N"), it must be the one of these parts
 * (RD_ARCHIVE_ERROR_MISMATCH otherwise). */
gboolean rd_archive_s3_multipart_complete (RdArchiveS3 *s3, const char *key, const char *upload_id,
                                           const char *const *etags, const char *const *checksums,
                                           char **etag, GCancellable *cancellable, GError **error);

/* HEAD @key (with x-amz-checksum-mode ENABLED): its size and ETag (quotes kept as the server
 * sent them), and in *@sha256 (may be NULL) the object's SHA-256 in lowercase hex when the
 * server reported a full-object x-amz-checksum-sha256 (NULL otherwise, and for a multipart
 * upload's composite "-N" checksum). */
gboolean rd_archive_s3_head (RdArchiveS3 *s3, const char *key, gint64 *size, char **etag,
                             char **sha256, GCancellable *cancellable, GError **error);
/* GET @key, hashing the body as it comes: its size and lowercase hex SHA-256. */
gboolean rd_archive_s3_get_sha256 (RdArchiveS3 *s3, const char *key, gint64 *size, char **sha256,
                                   GCancellable *cancellable, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RdArchiveS3, rd_archive_s3_free)

G_END_DECLS
