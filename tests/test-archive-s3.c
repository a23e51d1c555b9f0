/* test-archive-s3.c: the archive's S3 client (archive/) against s3rver, a real S3 server
 * started inside the test's own network namespace, and its signatures against AWS's published
 * examples and against botocore's computation of every request the client sent
 * (tests/archive-sigv4-botocore.py, run with Debian's /usr/bin/python3). */
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "archive/rd-archive-error.h"
#include "archive/rd-archive-s3.h"
#include "archive/rd-archive-sigv4.h"
#include "tests/rd-test-daemon.h"
#include "tests/rd-test-netns.h"
#include "tests/rd-test-s3.h"

/* @call, its error shown when it fails */
#define CHECK(call)                                                                                \
  G_STMT_START                                                                                     \
  {                                                                                                \
    gboolean ok_ = (call);                                                                         \
    g_assert_no_error (error);                                                                     \
    g_assert_true (ok_);                                                                           \
  }                                                                                                \
  G_STMT_END

#define REGION  "us-east-1"
#define PART    (5 * 1024 * 1024) /* S3's smallest part but the last */
#define AWS_KEY "AKIAIOSFODNN7EXAMPLE"
#define AWS_SEC "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

static char *netns_why;
static RdTestS3 *server;
static JsonArray *captured; /* every request sent, for botocore */

/* AWS's examples (S3 API reference, "Examples: Signature Calculations in AWS Signature
 * Version 4"), with a query parameter without a value (?lifecycle) among them. */
static void
test_aws_examples (void)
{
  static const struct
  {
    const char *path;
    const char *query[5];
    const char *range;
    const char *signature;
  } cases[] = {
    { "/test.txt",
      { NULL },
      "bytes=0-9",
      "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41" },
    { "/",
      { "lifecycle", "", NULL },
      NULL,
      "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543" },
    { "/",
      { "prefix", "J", "max-keys", "2", NULL },
      NULL,
      "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const char *headers[] = { "Host",
                                "examplebucket.s3.amazonaws.com",
                                "x-amz-date",
                                "20130524T000000Z",
                                "x-amz-content-sha256",
                                RD_ARCHIVE_SHA256_EMPTY,
                                cases[i].range ? "Range" : NULL,
                                cases[i].range,
                                NULL };
      RdArchiveSigv4Request req = { "GET",
                                    cases[i].path,
                                    cases[i].query,
                                    headers,
                                    RD_ARCHIVE_SHA256_EMPTY,
                                    "20130524T000000Z",
                                    "us-east-1",
                                    AWS_KEY,
                                    AWS_SEC };
      g_autofree char *canonical = NULL;
      g_autofree char *auth = rd_archive_sigv4_authorization (&req, &canonical);
      g_autofree char *want = g_strdup_printf ("Signature=%s", cases[i].signature);

      g_test_message ("%s\n%s", canonical, auth);
      g_assert_true (g_str_has_suffix (auth, want));
      g_assert_true (g_str_has_prefix (auth, "AWS4-HMAC-SHA256 Credential=" AWS_KEY
                                             "/20130524/us-east-1/s3/aws4_request, "));
    }
}

static void
capture (const char *method, const char *uri, SoupMessageHeaders *headers, guint status,
         gpointer data)
{
  const char *const *creds = data;
  JsonObject *r = json_object_new ();
  JsonObject *h = json_object_new ();
  SoupMessageHeadersIter iter;
  const char *name, *value;

  soup_message_headers_iter_init (&iter, headers);
  while (soup_message_headers_iter_next (&iter, &name, &value))
    json_object_set_string_member (h, name, value);
  json_object_set_string_member (r, "method", method);
  json_object_set_string_member (r, "uri", uri);
  json_object_set_object_member (r, "headers", h);
  json_object_set_string_member (r, "region", REGION);
  json_object_set_string_member (r, "access_key_id", creds[0]);
  json_object_set_string_member (r, "secret_access_key", creds[1]);
  json_array_add_object_element (captured, r);
}

static const char *const good_creds[] = { RD_TEST_S3_ACCESS_KEY, RD_TEST_S3_SECRET_KEY };

static RdArchiveS3 *
client (const char *bucket_path, const char *access, const char *secret, int mode, GError **error)
{
  g_autofree char *creds = rd_test_s3_credentials (server, access, secret, mode);
  g_autofree char *url = g_strdup_printf ("%s/%s", server->url, bucket_path);
  RdArchiveS3 *s3 = rd_archive_s3_new (url, REGION, creds, NULL, error);

  if (s3 && g_str_equal (access, RD_TEST_S3_ACCESS_KEY))
    rd_archive_s3_set_request_func (s3, capture, (gpointer)good_creds);
  return s3;
}

/* A file of @size pseudo-random bytes; its SHA-256 in *@sha256. */
static char *
make_file (const char *name, gsize size, char **sha256)
{
  g_autofree char *root = g_path_get_dirname (server->dir);
  char *path = g_build_filename (root, name, NULL);
  g_autofree guint8 *bytes = g_malloc (size);

  for (gsize i = 0; i < size; i++)
    bytes[i] = (guint8)g_random_int ();
  g_assert_true (g_file_set_contents (path, (const char *)bytes, size, NULL));
  *sha256 = g_compute_checksum_for_data (G_CHECKSUM_SHA256, bytes, size);
  return path;
}

static void
test_put_head_get (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (RdArchiveS3) s3 = NULL;
  g_autofree char *sha = NULL, *path = NULL, *etag = NULL, *head_etag = NULL, *got = NULL;
  const char *key = "Reception room/2026/12/20261207-abcdef/a file ű+=&~.mkv";
  gint64 size = 0;

  if (rd_test_skip_if (netns_why))
    return;
  s3 = client (RD_TEST_S3_BUCKET "/city/rooms", RD_TEST_S3_ACCESS_KEY, RD_TEST_S3_SECRET_KEY, 0600,
               &error);
  g_assert_no_error (error);
  path = make_file ("small", 70001, &sha);
  CHECK (rd_archive_s3_put_file (s3, key, path, 0, 70001, &etag, NULL, &error));
  CHECK (rd_archive_s3_head (s3, key, &size, &head_etag, NULL, NULL, &error));
  g_assert_cmpint (size, ==, 70001);
  g_assert_cmpstr (head_etag, ==, etag);
  CHECK (rd_archive_s3_get_sha256 (s3, key, &size, &got, NULL, &error));
  g_assert_cmpint (size, ==, 70001);
  g_assert_cmpstr (got, ==, sha);

  g_assert_false (rd_archive_s3_head (s3, "no such object", &size, &head_etag, NULL, NULL, &error));
  g_assert_error (error, RD_ARCHIVE_ERROR, RD_ARCHIVE_ERROR_NOT_FOUND);
}

static void
test_multipart (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (RdArchiveS3) s3 = NULL;
  g_autofree char *sha = NULL, *path = NULL, *upload = NULL, *etag = NULL, *got = NULL;
  g_autofree char *head_etag = NULL;
  const char *key = "room/2026/12/20261207-abcdef/big.mkv";
  gsize total = 2 * PART + 12345;
  char *etags[4] = { NULL }, *sums[4] = { NULL };
  gint64 size = 0;

  if (rd_test_skip_if (netns_why))
    return;
  s3 = client (RD_TEST_S3_BUCKET, RD_TEST_S3_ACCESS_KEY, RD_TEST_S3_SECRET_KEY, 0400, &error);
  g_assert_no_error (error);
  path = make_file ("big", total, &sha);
  upload = rd_archive_s3_multipart_create (s3, key, NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 3; i++)
    {
      gint64 off = (gint64)i * PART, len = MIN ((gint64)PART, (gint64)total - off);
      etags[i] =
          rd_archive_s3_multipart_part (s3, key, upload, i + 1, path, off, len, NULL, &error);
      g_assert_no_error (error);
      sums[i] = rd_archive_s3_range_checksum (path, off, len, &error);
      g_assert_no_error (error);
    }
  CHECK (rd_archive_s3_multipart_complete (s3, key, upload, (const char *const *)etags,
                                           (const char *const *)sums, &etag, NULL, &error));
  g_test_message ("multipart ETag %s", etag);
  CHECK (rd_archive_s3_head (s3, key, &size, &head_etag, NULL, NULL, &error));
  g_assert_cmpint (size, ==, (gint64)total);
  g_assert_cmpstr (head_etag, ==, etag);
  CHECK (rd_archive_s3_get_sha256 (s3, key, &size, &got, NULL, &error));
  g_assert_cmpstr (got, ==, sha);
  for (guint i = 0; i < 3; i++)
    {
      g_free (etags[i]);
      g_free (sums[i]);
    }
}

static void
test_refusals (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (RdArchiveS3) s3 = NULL;
  g_autofree char *sha = NULL, *path = NULL, *creds = NULL, *url = NULL;

  if (rd_test_skip_if (netns_why))
    return;
  path = make_file ("refused", 1000, &sha);

  /* wrong credentials: s3rver checks signatures of its own */
  s3 = client (RD_TEST_S3_BUCKET, "WRONGKEY", "wrong-secret", 0600, &error);
  g_assert_no_error (error);
  g_assert_false (rd_archive_s3_put_file (s3, "x", path, 0, 1000, NULL, NULL, &error));
  g_test_message ("%s", error->message);
  g_assert_error (error, RD_ARCHIVE_ERROR, RD_ARCHIVE_ERROR_AUTH);
  g_assert_nonnull (strstr (error->message, "403"));
  g_clear_error (&error);
  g_clear_pointer (&s3, rd_archive_s3_free);

  /* no such bucket */
  s3 = client ("no-such-bucket", RD_TEST_S3_ACCESS_KEY, RD_TEST_S3_SECRET_KEY, 0600, &error);
  g_assert_false (rd_archive_s3_put_file (s3, "x", path, 0, 1000, NULL, NULL, &error));
  g_test_message ("%s", error->message);
  g_assert_error (error, RD_ARCHIVE_ERROR, RD_ARCHIVE_ERROR_NO_BUCKET);
  g_assert_nonnull (strstr (error->message, "NoSuchBucket"));
  g_clear_error (&error);
  g_clear_pointer (&s3, rd_archive_s3_free);

  /* a credentials file others may read */
  creds = rd_test_s3_credentials (server, RD_TEST_S3_ACCESS_KEY, RD_TEST_S3_SECRET_KEY, 0644);
  url = g_strdup_printf ("%s/%s", server->url, RD_TEST_S3_BUCKET);
  g_assert_null (rd_archive_s3_new (url, REGION, creds, NULL, &error));
  g_assert_error (error, RD_ARCHIVE_ERROR, RD_ARCHIVE_ERROR_CONFIG);
  g_assert_nonnull (strstr (error->message, creds));
  g_assert_nonnull (strstr (error->message, "0644"));
  g_clear_error (&error);

  /* not a bucket URL */
  g_assert_null (rd_archive_s3_new ("ftp://host/b", REGION, creds, NULL, &error));
  g_assert_error (error, RD_ARCHIVE_ERROR, RD_ARCHIVE_ERROR_CONFIG);
  g_clear_error (&error);

  /* the server down: transient */
  s3 = client (RD_TEST_S3_BUCKET, RD_TEST_S3_ACCESS_KEY, RD_TEST_S3_SECRET_KEY, 0600, &error);
  rd_test_s3_stop (server);
  g_assert_false (rd_archive_s3_put_file (s3, "x", path, 0, 1000, NULL, NULL, &error));
  g_test_message ("%s", error->message);
  g_assert_error (error, RD_ARCHIVE_ERROR, RD_ARCHIVE_ERROR_TRANSIENT);
  g_clear_error (&error);
  rd_test_s3_start (server);
  CHECK (rd_archive_s3_put_file (s3, "x", path, 0, 1000, NULL, NULL, &error));
}

/* HTTPS with a private CA (ca=): trusted only with it. */
static void
test_tls (void)
{
  g_autoptr (RdTestS3) tls = NULL;
  g_autoptr (RdArchiveS3) s3 = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *why = NULL, *ca = NULL, *creds = NULL, *url = NULL, *sha = NULL;
  g_autofree char *path = NULL, *etag = NULL;
  gint64 size = 0;

  if (rd_test_skip_if (netns_why))
    return;
  tls = rd_test_s3_new (&why);
  g_assert_nonnull (tls);
  ca = rd_test_s3_use_tls (tls, 4569);
  rd_test_s3_start (tls);
  creds = rd_test_s3_credentials (tls, RD_TEST_S3_ACCESS_KEY, RD_TEST_S3_SECRET_KEY, 0600);
  url = g_strdup_printf ("%s/%s", tls->url, RD_TEST_S3_BUCKET);
  path = make_file ("tls", 3000, &sha);

  s3 = rd_archive_s3_new (url, REGION, creds, NULL, &error); /* the system's CAs */
  g_assert_no_error (error);
  g_assert_false (rd_archive_s3_put_file (s3, "t", path, 0, 3000, NULL, NULL, &error));
  g_test_message ("%s", error->message);
  g_assert_error (error, RD_ARCHIVE_ERROR, RD_ARCHIVE_ERROR_TRANSIENT);
  g_clear_error (&error);
  g_clear_pointer (&s3, rd_archive_s3_free);

  s3 = rd_archive_s3_new (url, REGION, creds, ca, &error);
  g_assert_no_error (error);
  CHECK (rd_archive_s3_put_file (s3, "t", path, 0, 3000, NULL, NULL, &error));
  CHECK (rd_archive_s3_head (s3, "t", &size, &etag, NULL, NULL, &error));
  g_assert_cmpint (size, ==, 3000);
}

/* object-lock-days: a PUT and a multipart start carry Object Lock's headers, COMPLIANCE until
 * that many days from now (s3rver stores the objects; botocore checks their signatures). */
static void
test_object_lock (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (RdArchiveS3) s3 = NULL;
  g_autofree char *sha = NULL, *path = NULL, *upload = NULL;
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr (GDateTime) soon = g_date_time_add_days (now, 30);
  g_autofree char *day = g_date_time_format (soon, "%Y-%m-%dT");
  guint before;

  if (rd_test_skip_if (netns_why))
    return;
  s3 = client (RD_TEST_S3_BUCKET, RD_TEST_S3_ACCESS_KEY, RD_TEST_S3_SECRET_KEY, 0600, &error);
  g_assert_no_error (error);
  rd_archive_s3_set_object_lock_days (s3, 30);
  path = make_file ("locked", 4000, &sha);
  before = json_array_get_length (captured);
  CHECK (rd_archive_s3_put_file (s3, "locked.mkv", path, 0, 4000, NULL, NULL, &error));
  upload = rd_archive_s3_multipart_create (s3, "locked-big.mkv", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (captured), ==, before + 2);
  for (guint i = before; i < before + 2; i++)
    {
      JsonObject *h =
          json_object_get_object_member (json_array_get_object_element (captured, i), "headers");
      const char *until = json_object_get_string_member (h, "x-amz-object-lock-retain-until-date");

      g_assert_cmpstr (json_object_get_string_member (h, "x-amz-object-lock-mode"), ==,
                       "COMPLIANCE");
      g_assert_true (g_str_has_prefix (until, day));
      g_assert_true (g_str_has_suffix (until, "Z"));
      g_assert_nonnull (strstr (json_object_get_string_member (h, "Authorization"),
                                "x-amz-object-lock-mode;x-amz-object-lock-retain-until-date"));
    }
}

/* Whether a captured request whose URI holds @uri_part carries header @name. */
static gboolean
captured_with (const char *uri_part, const char *name)
{
  for (guint i = 0; i < json_array_get_length (captured); i++)
    {
      JsonObject *r = json_array_get_object_element (captured, i);
      if (strstr (json_object_get_string_member (r, "uri"), uri_part) &&
          json_object_has_member (json_object_get_object_member (r, "headers"), name))
        return TRUE;
    }
  return FALSE;
}

/* Every request the client sent with the right credentials, signed as botocore signs it: among
 * them the multipart start with its checksum algorithm, parts with their checksums and the
 * Object Lock headers. */
static void
test_botocore (void)
{
  g_autofree char *script =
      g_build_filename (g_getenv ("RD_TEST_SRCDIR"), "tests", "archive-sigv4-botocore.py", NULL);
  g_autofree char *root = g_path_get_dirname (server->dir);
  g_autofree char *file = g_build_filename (root, "requests.json", NULL);
  g_autoptr (JsonNode) node = json_node_init_array (json_node_alloc (), captured);
  g_autofree char *out = NULL, *err = NULL, *json = NULL;
  g_autoptr (GError) error = NULL;
  const char *argv[] = { "/usr/bin/python3", script, file, NULL };
  int status;

  if (rd_test_skip_if (netns_why))
    return;
  g_assert_cmpuint (json_array_get_length (captured), >=, 10);
  g_assert_true (captured_with ("?uploads", "x-amz-checksum-algorithm"));
  g_assert_true (captured_with ("partNumber=", "x-amz-checksum-sha256"));
  g_assert_true (captured_with ("locked", "x-amz-object-lock-retain-until-date"));
  json = json_to_string (node, TRUE);
  g_assert_true (g_file_set_contents (file, json, -1, NULL));
  g_assert_true (
      g_spawn_sync (NULL, (char **)argv, NULL, 0, NULL, NULL, &out, &err, &status, &error));
  g_assert_no_error (error);
  g_test_message ("%s%s", out, err);
  if (WIFEXITED (status) && WEXITSTATUS (status) == 77)
    {
      g_test_skip (err);
      return;
    }
  g_assert_true (g_spawn_check_wait_status (status, NULL));
}

int
main (int argc, char **argv)
{
  g_autofree char *why = NULL;
  int rc;

  if (!rd_test_enter_netns (&netns_why))
    netns_why = g_strdup_printf ("no network namespace: %s", netns_why);
  g_test_init (&argc, &argv, NULL);
  captured = json_array_new ();
  if (!netns_why && !(server = rd_test_s3_new (&why)))
    netns_why = g_steal_pointer (&why);
  if (server)
    rd_test_s3_start (server);
  g_test_add_func ("/archive-s3/aws-examples", test_aws_examples);
  g_test_add_func ("/archive-s3/put-head-get", test_put_head_get);
  g_test_add_func ("/archive-s3/multipart", test_multipart);
  g_test_add_func ("/archive-s3/refusals", test_refusals);
  g_test_add_func ("/archive-s3/tls", test_tls);
  g_test_add_func ("/archive-s3/object-lock", test_object_lock);
  g_test_add_func ("/archive-s3/botocore", test_botocore);
  rc = g_test_run ();
  g_clear_pointer (&server, rd_test_s3_free);
  json_array_unref (captured);
  return rc;
}
