/* rd-archive-s3-private.h: what rd-archive-s3.c and rd-archive-s3-ops.c share: the client's
 * fields and its one signed request. Threading and ownership as in rd-archive-s3.h. */
#pragma once

#include "archive/rd-archive-s3.h"

G_BEGIN_DECLS

struct _RdArchiveS3
{
  SoupSession *session;
  char *region;
  char *bucket;
  char *prefix; /* without slashes at its ends; NULL for none */
  char *base;   /* "https://host[:port]" */
  char *host;   /* "host[:port]", the signed Host header */
  char *access_key_id;
  char *secret_access_key;
  guint object_lock_days; /* 0: none */
  guint retry_after;      /* seconds the last answer's Retry-After asked for, 0: none */
  RdArchiveS3RequestFunc request_func;
  gpointer request_data;
};

static inline void
rd_archive_set_str (char **field, const char *value)
{
  g_free (*field);
  *field = (value && *value) ? g_strdup (value) : NULL;
}

/* One signed request of @method on @key (relative to the prefix) with @query (name, value
 * pairs, NULL-terminated; may be NULL), @body (may be NULL) and @extra_headers (name, value
 * pairs, signed too; may be NULL). Returns the body of a 2xx answer; anything else is an error
 * as rd-archive-error.h says. *@out_msg (may be NULL) gets the message, for its response headers.
 * With @out_stream, a 2xx answer's body is not read: *@out_stream gets it (and an empty GBytes
 * is returned). (transfer full) */
GBytes *rd_archive_s3_request (RdArchiveS3 *s3, const char *method, const char *key,
                               const char *const *query, GBytes *body,
                               const char *const *extra_headers, SoupMessage **out_msg,
                               GInputStream **out_stream, GCancellable *cancellable,
                               GError **error);

/* The text of the first <@name>...</@name> in @body, or NULL. (transfer full) */
char *rd_archive_xml_member (const char *body, const char *name);

G_END_DECLS
