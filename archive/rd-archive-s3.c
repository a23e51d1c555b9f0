/* rd-archive-s3.c: RdArchiveS3's settings (URL, credentials, CA) and its one signed request.
 * The operations are in rd-archive-s3-ops.c. See rd-archive-s3.h for the contract. */
#include "archive/rd-archive-s3-private.h"
#include "archive/rd-archive-error.h"
#include "archive/rd-archive-sigv4.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#define REQUEST_TIMEOUT_S 60
#define MAX_CREDENTIALS   4096

GQuark
rd_archive_error_quark (void)
{
  return g_quark_from_static_string ("rd-archive-error-quark");
}

static gboolean
read_credentials (RdArchiveS3 *s3, const char *path, GError **error)
{
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;
  gsize len = 0;
  struct stat st;

  if (stat (path, &st) != 0)
    {
      g_set_error (error, RD_ARCHIVE_ERROR, RD_ARCHIVE_ERROR_CONFIG, "archive credentials %s: %s",
                   path, g_strerror (errno));
      return FALSE;
    }
  if (st.st_mode & 077)
    {
      g_set_error (error, RD_ARCHIVE_ERROR, RD_ARCHIVE_ERROR_CONFIG,
                   "archive credentials %s: mode %04o lets others read or write it; it must be "
                   "0600 or stricter (chmod 600 %s)",
                   path, (unsigned)(st.st_mode & 07777), path);
      return FALSE;
    }
  if (!g_file_get_contents (path, &text, &len, error))
    {
      g_prefix_error (error, "archive credentials: ");
      (*error)->domain = RD_ARCHIVE_ERROR;
      (*error)->code = RD_ARCHIVE_ERROR_CONFIG;
      return FALSE;
    }
  lines = g_strsplit (text, "\n", -1);
  for (char **l = lines; *l; l++)
    {
      char *line = g_strstrip (*l);
      if (g_str_has_prefix (line, "access-key-id="))
        rd_archive_set_str (&s3->access_key_id, line + strlen ("access-key-id="));
      else if (g_str_has_prefix (line, "secret-access-key="))
        rd_archive_set_str (&s3->secret_access_key, line + strlen ("secret-access-key="));
    }
  explicit_bzero (text, len);
  if (!s3->access_key_id || !s3->secret_access_key)
    {
      g_set_error (error, RD_ARCHIVE_ERROR, RD_ARCHIVE_ERROR_CONFIG,
                   "archive credentials %s: needs the lines access-key-id=... and "
                   "secret-access-key=...",
                   path);
      return FALSE;
    }
  return TRUE;
}

static gboolean
parse_url (RdArchiveS3 *s3, const char *url, GError **error)
{
  g_autoptr (GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  const char *scheme = uri ? g_uri_get_scheme (uri) : NULL;
  const char *path = uri ? g_uri_get_path (uri) : NULL;
  g_auto (GStrv) parts = NULL;

  if (!uri || !g_uri_get_host (uri) ||
      (g_strcmp0 (scheme, "https") && g_strcmp0 (scheme, "http")) || g_uri_get_query (uri) ||
      g_uri_get_fragment (uri) || g_uri_get_userinfo (uri) || !path || path[0] != '/' ||
      path[1] == '\0' || path[1] == '/')
    {
      g_set_error (error, RD_ARCHIVE_ERROR, RD_ARCHIVE_ERROR_CONFIG,
                   "archive url %s: not https://HOST[:PORT]/BUCKET[/PREFIX]", url);
      return FALSE;
    }
  parts = g_strsplit (path + 1, "/", 2);
  s3->bucket = g_strdup (parts[0]);
  s3->prefix = parts[1] && *parts[1] ? g_strdup (parts[1]) : NULL;
  if (s3->prefix && g_str_has_suffix (s3->prefix, "/"))
    s3->prefix[strlen (s3->prefix) - 1] = '\0';
  s3->host = g_uri_get_port (uri) > 0
                 ? g_strdup_printf ("%s:%d", g_uri_get_host (uri), g_uri_get_port (uri))
                 : g_strdup (g_uri_get_host (uri));
  s3->base = g_strdup_printf ("%s://%s", scheme, s3->host);
  return TRUE;
}

RdArchiveS3 *
rd_archive_s3_new (const char *url, const char *region, const char *credentials, const char *ca,
                   GError **error)
{
  g_autoptr (RdArchiveS3) s3 = g_new0 (RdArchiveS3, 1);

  g_return_val_if_fail (url && region && credentials, NULL);
  s3->region = g_strdup (region);
  if (!parse_url (s3, url, error) || !read_credentials (s3, credentials, error))
    return NULL;
  s3->session = soup_session_new_with_options ("timeout", REQUEST_TIMEOUT_S, "idle-timeout",
                                               REQUEST_TIMEOUT_S, "user-agent", "receptiond", NULL);
  if (ca)
    {
      g_autoptr (GError) local = NULL;
      g_autoptr (GTlsDatabase) db = g_tls_file_database_new (ca, &local);

      if (!db)
        {
          g_set_error (error, RD_ARCHIVE_ERROR, RD_ARCHIVE_ERROR_CONFIG, "archive ca %s: %s", ca,
                       local->message);
          return NULL;
        }
      soup_session_set_tls_database (s3->session, db);
    }
  return g_steal_pointer (&s3);
}

void
rd_archive_s3_free (RdArchiveS3 *s3)
{
  if (!s3)
    return;
  g_clear_object (&s3->session);
  g_free (s3->region);
  g_free (s3->bucket);
  g_free (s3->prefix);
  g_free (s3->base);
  g_free (s3->host);
  g_free (s3->access_key_id);
  if (s3->secret_access_key)
    explicit_bzero (s3->secret_access_key, strlen (s3->secret_access_key));
  g_free (s3->secret_access_key);
  g_free (s3);
}

void
rd_archive_s3_set_object_lock_days (RdArchiveS3 *s3, guint days)
{
  s3->object_lock_days = days;
}

guint
rd_archive_s3_get_retry_after (RdArchiveS3 *s3)
{
  return s3->retry_after;
}

/* Retry-After's seconds from now (a delay or an HTTP date), 0 when absent or past. */
static guint
retry_after (SoupMessage *msg)
{
  const char *v =
      soup_message_headers_get_one (soup_message_get_response_headers (msg), "Retry-After");
  guint64 n;

  if (!v)
    return 0;
  if (g_ascii_string_to_unsigned (v, 10, 0, G_MAXUINT, &n, NULL))
    return (guint)n;
  {
    g_autoptr (GDateTime) at = soup_date_time_new_from_http_string (v);
    g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
    GTimeSpan d = at ? g_date_time_difference (at, now) : 0;

    return d > 0 ? (guint)MIN (d / G_TIME_SPAN_SECOND, G_MAXUINT) : 0;
  }
}

void
rd_archive_s3_set_request_func (RdArchiveS3 *s3, RdArchiveS3RequestFunc func, gpointer user_data)
{
  s3->request_func = func;
  s3->request_data = user_data;
}

/* The path of @key (relative to the prefix), decoded: "/bucket/prefix/key". */
static char *
object_path (RdArchiveS3 *s3, const char *key)
{
  return s3->prefix ? g_strdup_printf ("/%s/%s/%s", s3->bucket, s3->prefix, key)
                    : g_strdup_printf ("/%s/%s", s3->bucket, key);
}

char *
rd_archive_xml_member (const char *body, const char *name)
{
  g_autofree char *open = g_strdup_printf ("<%s>", name);
  g_autofree char *close = g_strdup_printf ("</%s>", name);
  const char *a = body ? strstr (body, open) : NULL;
  const char *b = a ? strstr (a, close) : NULL;

  return b ? g_strndup (a + strlen (open), b - a - strlen (open)) : NULL;
}

static void
set_status_error (GError **error, const char *what, guint status, const char *body)
{
  g_autofree char *code = rd_archive_xml_member (body, "Code");
  g_autofree char *message = rd_archive_xml_member (body, "Message");
  RdArchiveError c;

  if (status == 403 || status == 401)
    c = RD_ARCHIVE_ERROR_AUTH;
  else if (status == 404 && g_strcmp0 (code, "NoSuchBucket") == 0)
    c = RD_ARCHIVE_ERROR_NO_BUCKET;
  else if (status == 404)
    c = RD_ARCHIVE_ERROR_NOT_FOUND;
  else if (status >= 500 || status == 408 || status == 429)
    c = RD_ARCHIVE_ERROR_TRANSIENT;
  else
    c = RD_ARCHIVE_ERROR_REFUSED;
  g_set_error (error, RD_ARCHIVE_ERROR, c, "%s: HTTP %u %s%s%s%s", what, status,
               soup_status_get_phrase (status) ? soup_status_get_phrase (status) : "",
               code ? ": " : "", code ? code : "", message ? " (" : "");
  if (message)
    {
      char *full = g_strdup_printf ("%s%s)", (*error)->message, message);
      g_free ((*error)->message);
      (*error)->message = full;
    }
}

GBytes *
rd_archive_s3_request (RdArchiveS3 *s3, const char *method, const char *key,
                       const char *const *query, GBytes *body, const char *const *extra_headers,
                       SoupMessage **out_msg, GInputStream **out_stream, GCancellable *cancellable,
                       GError **error)
{
  g_autofree char *path = object_path (s3, key);
  g_autofree char *encoded = rd_archive_uri_encode (path, TRUE);
  g_autofree char *payload = NULL;
  g_autofree char *auth = NULL;
  g_autofree char *what = g_strdup_printf ("%s %s", method, key);
  g_autoptr (GString) uri = g_string_new (s3->base);
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *amz_date = g_date_time_format (now, "%Y%m%dT%H%M%SZ");
  g_autoptr (GPtrArray) headers = g_ptr_array_new ();
  g_autoptr (SoupMessage) msg = NULL;
  g_autoptr (GInputStream) stream = NULL;
  g_autoptr (GError) local = NULL;
  g_autoptr (GBytes) answer = NULL;
  SoupMessageHeaders *h;
  RdArchiveSigv4Request req = { 0 };
  guint status;

  g_string_append (uri, encoded);
  for (guint i = 0; query && query[i]; i += 2)
    {
      g_autofree char *name = rd_archive_uri_encode (query[i], FALSE);
      g_autofree char *value = rd_archive_uri_encode (query[i + 1], FALSE);

      g_string_append_printf (uri, "%c%s%s%s", i ? '&' : '?', name, *value ? "=" : "", value);
    }
  payload = body ? rd_archive_sha256_hex (g_bytes_get_data (body, NULL), g_bytes_get_size (body))
                 : g_strdup (RD_ARCHIVE_SHA256_EMPTY);
  g_ptr_array_add (headers, "host");
  g_ptr_array_add (headers, s3->host);
  g_ptr_array_add (headers, "x-amz-content-sha256");
  g_ptr_array_add (headers, payload);
  g_ptr_array_add (headers, "x-amz-date");
  g_ptr_array_add (headers, amz_date);
  for (guint i = 0; extra_headers && extra_headers[i]; i++)
    g_ptr_array_add (headers, (gpointer)extra_headers[i]);
  g_ptr_array_add (headers, NULL);

  req.method = method;
  req.path = path;
  req.query = query;
  req.headers = (const char *const *)headers->pdata;
  req.payload_sha256 = payload;
  req.amz_date = amz_date;
  req.region = s3->region;
  req.access_key_id = s3->access_key_id;
  req.secret_access_key = s3->secret_access_key;
  auth = rd_archive_sigv4_authorization (&req, NULL);

  msg = soup_message_new (method, uri->str);
  if (!msg)
    {
      g_set_error (error, RD_ARCHIVE_ERROR, RD_ARCHIVE_ERROR_CONFIG, "%s: bad URI %s", what,
                   uri->str);
      return NULL;
    }
  h = soup_message_get_request_headers (msg);
  for (guint i = 0; i + 1 < headers->len; i += 2)
    soup_message_headers_replace (h, headers->pdata[i], headers->pdata[i + 1]);
  soup_message_headers_replace (h, "Authorization", auth);
  if (body)
    soup_message_set_request_body_from_bytes (msg, NULL, body);
  soup_message_add_flags (msg, SOUP_MESSAGE_NO_REDIRECT);

  stream = soup_session_send (s3->session, msg, cancellable, &local);
  status = stream ? soup_message_get_status (msg) : 0;
  s3->retry_after = stream ? retry_after (msg) : 0;
  if (s3->request_func)
    s3->request_func (method, uri->str, h, status, s3->request_data);
  if (!stream)
    {
      g_set_error (error, RD_ARCHIVE_ERROR, RD_ARCHIVE_ERROR_TRANSIENT, "%s: %s", what,
                   local->message);
      return NULL;
    }
  if (out_stream && status >= 200 && status < 300)
    {
      *out_stream = g_steal_pointer (&stream);
      *out_msg = g_steal_pointer (&msg);
      return g_bytes_new (NULL, 0);
    }
  {
    g_autoptr (GOutputStream) mem = g_memory_output_stream_new_resizable ();
    if (g_output_stream_splice (mem, stream, G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, cancellable,
                                &local) < 0)
      {
        g_set_error (error, RD_ARCHIVE_ERROR, RD_ARCHIVE_ERROR_TRANSIENT, "%s: %s", what,
                     local->message);
        return NULL;
      }
    answer = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (mem));
  }
  if (status < 200 || status >= 300)
    {
      g_autofree char *text =
          g_strndup (g_bytes_get_data (answer, NULL), g_bytes_get_size (answer));
      set_status_error (error, what, status, text);
      return NULL;
    }
  if (out_msg)
    *out_msg = g_steal_pointer (&msg);
  return g_steal_pointer (&answer);
}
