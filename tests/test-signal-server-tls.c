/* test-signal-server-tls.c: the HTTPS listener's TLS identity (signaling/rd-signal-server.h):
 * generated on first start (files, modes, fingerprint), half identities refused, bad files,
 * configured paths, a long room name; fixture in rd-test-listener.h. test-signal-server.c has the
 * listener itself. */
#include "signaling/rd-signal-server.h"
#include "signaling/rd-signal-error.h"
#include "tests/rd-test-listener.h"
#include "tests/rd-test-signal.h"

#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

static void
write_file (const char *path, const char *data)
{
  g_autoptr (GError) error = NULL;

  g_file_set_contents (path, data, -1, &error);
  g_assert_no_error (error);
}

static guint
file_mode (const char *path)
{
  struct stat st;

  g_assert_cmpint (stat (path, &st), ==, 0);
  return st.st_mode & 07777;
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const char *const *)a, *(const char *const *)b);
}

/* The sorted names in @dir, space-separated. */
static char *
dir_listing (const char *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  g_autoptr (GPtrArray) names = g_ptr_array_new ();
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)))
    g_ptr_array_add (names, (gpointer)name);
  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);
  return g_strjoinv (" ", (char **)names->pdata);
}

/* The fingerprint computed independently of the server: SHA-256 over the base64 body of the
 * PEM file's first certificate. */
static char *
pem_fingerprint (const char *cert_path)
{
  g_autofree char *pem = rd_test_listener_read (cert_path);
  const char *begin = strstr (pem, "-----BEGIN CERTIFICATE-----");
  const char *end = begin ? strstr (begin, "-----END CERTIFICATE-----") : NULL;
  g_autofree char *b64 = NULL;
  g_autofree guchar *der = NULL;
  g_autofree char *hex = NULL;
  gsize der_len;
  GString *out = g_string_new ("sha-256 ");

  g_assert_nonnull (end);
  begin += strlen ("-----BEGIN CERTIFICATE-----");
  b64 = g_strndup (begin, end - begin);
  der = g_base64_decode (g_strstrip (b64), &der_len);
  hex = g_compute_checksum_for_data (G_CHECKSUM_SHA256, der, der_len);
  for (int i = 0; hex[i]; i += 2)
    g_string_append_printf (out, "%s%c%c", i ? ":" : "", g_ascii_toupper (hex[i]),
                            g_ascii_toupper (hex[i + 1]));
  return g_string_free (out, FALSE);
}

/* ---- Tests ---------------------------------------------------------------------------- */

static void
test_generate (RdTestListener *f, gconstpointer data)
{
  g_autoptr (RdConfig) config =
      rd_test_listener_config (f, "state", "127.0.0.1:0", "[room]\nname=Front desk");
  g_autoptr (RdSignalServer) server = NULL;
  g_autoptr (GTlsCertificate) cert = NULL;
  g_autoptr (GPtrArray) ips = NULL;
  g_autoptr (GPtrArray) dns = NULL;
  g_autoptr (GDateTime) not_before = NULL;
  g_autoptr (GDateTime) not_after = NULL;
  g_autofree char *tls_dir = rd_test_listener_path (f, "state", "tls", NULL);
  g_autofree char *cert_path = rd_test_listener_path (f, "state", "tls", "certificate.pem", NULL);
  g_autofree char *key_path = rd_test_listener_path (f, "state", "tls", "private-key.pem", NULL);
  g_autofree char *listing = NULL;
  g_autofree char *subject = NULL;
  g_autofree char *issuer = NULL;
  g_autofree char *expected_fp = NULL;
  g_autofree char *key_pem = NULL;
  gboolean has_loopback = FALSE;
  gboolean has_localhost = FALSE;

  server = rd_test_listener_server_new (config);

  /* Files, modes, and no temporary files left behind. */
  g_assert_cmpuint (file_mode (tls_dir), ==, 0700);
  g_assert_cmpuint (file_mode (key_path), ==, 0600);
  g_assert_cmpuint (file_mode (cert_path), ==, 0600);
  listing = dir_listing (tls_dir);
  g_assert_cmpstr (listing, ==, "certificate.pem private-key.pem");
  key_pem = rd_test_listener_read (key_path);
  g_assert_true (g_str_has_prefix (key_pem, "-----BEGIN PRIVATE KEY-----\n"));

  /* Not listening yet. */
  g_assert_null (rd_signal_server_get_url (server));
  g_assert_cmpuint (rd_signal_server_get_port (server), ==, 0);

  /* The fingerprint is the SHA-256 of the certificate on disk. */
  expected_fp = pem_fingerprint (cert_path);
  g_assert_cmpstr (rd_signal_server_get_certificate_fingerprint (server), ==, expected_fp);
  g_assert_true (
      g_regex_match_simple ("^sha-256 ([0-9A-F]{2}:){31}[0-9A-F]{2}$", expected_fp, 0, 0));

  /* What the certificate says. */
  cert = rd_test_listener_cert (cert_path);
  subject = g_tls_certificate_get_subject_name (cert);
  issuer = g_tls_certificate_get_issuer_name (cert);
  g_assert_cmpstr (subject, ==, "CN=Front desk");
  g_assert_cmpstr (issuer, ==, subject);
  not_before = g_tls_certificate_get_not_valid_before (cert);
  not_after = g_tls_certificate_get_not_valid_after (cert);
  g_assert_cmpint (g_date_time_difference (not_after, not_before) / G_TIME_SPAN_SECOND, ==,
                   825 * 24 * 3600);
  ips = g_tls_certificate_get_ip_addresses (cert);
  dns = g_tls_certificate_get_dns_names (cert);
  g_assert_nonnull (ips);
  g_assert_nonnull (dns);
  for (guint i = 0; i < ips->len; i++)
    {
      g_autofree char *text = g_inet_address_to_string (ips->pdata[i]);
      has_loopback |= g_str_equal (text, "127.0.0.1");
    }
  for (guint i = 0; i < dns->len; i++)
    has_localhost |= g_bytes_get_size (dns->pdata[i]) == strlen ("localhost") &&
                     memcmp (g_bytes_get_data (dns->pdata[i], NULL), "localhost", 9) == 0;
  g_assert_true (has_loopback);
  g_assert_true (has_localhost);
  g_assert_cmpuint (ips->len, ==, 1); /* 127.0.0.1 twice (listen and loopback): once */
}

static void
generate_identity (RdTestListener *f, const char *state_dir)
{
  g_autoptr (RdConfig) config = rd_test_listener_config (f, state_dir, "127.0.0.1:0", NULL);
  g_autoptr (RdSignalServer) server = rd_test_listener_server_new (config);
}

static void
assert_tls_error (RdConfig *config, const char *must_mention, const char *must_mention_too)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (RdSignalServer) server = rd_signal_server_new (config, &error);

  g_assert_null (server);
  g_assert_error (error, RD_SIGNAL_ERROR, RD_SIGNAL_ERROR_TLS);
  g_test_message ("error: %s", error->message);
  if (!strstr (error->message, must_mention) ||
      (must_mention_too && !strstr (error->message, must_mention_too)))
    g_test_fail_printf ("error '%s' should mention '%s'%s%s", error->message, must_mention,
                        must_mention_too ? " and " : "", must_mention_too ? must_mention_too : "");
}

static void
test_half_identity (RdTestListener *f, gconstpointer data)
{
  g_autoptr (RdConfig) config = rd_test_listener_config (f, "state", "127.0.0.1:0", NULL);
  g_autofree char *tls_dir = rd_test_listener_path (f, "state", "tls", NULL);
  g_autofree char *cert_path = rd_test_listener_path (f, "state", "tls", "certificate.pem", NULL);
  g_autofree char *key_path = rd_test_listener_path (f, "state", "tls", "private-key.pem", NULL);
  g_autofree char *cert_before = NULL;
  g_autofree char *cert_after = NULL;
  g_autofree char *key_before = NULL;
  g_autofree char *key_after = NULL;
  g_autofree char *listing = NULL;

  /* Certificate present, key missing: refuse, touch nothing, create nothing. */
  generate_identity (f, "state");
  cert_before = rd_test_listener_read (cert_path);
  key_before = rd_test_listener_read (key_path);
  g_assert_cmpint (g_unlink (key_path), ==, 0);
  assert_tls_error (config, key_path, "missing");
  cert_after = rd_test_listener_read (cert_path);
  g_assert_cmpstr (cert_after, ==, cert_before);
  g_assert_false (rd_test_listener_exists (key_path));
  listing = dir_listing (tls_dir);
  g_assert_cmpstr (listing, ==, "certificate.pem");

  /* Key present, certificate missing: the same. */
  write_file (key_path, key_before);
  g_assert_cmpint (g_unlink (cert_path), ==, 0);
  assert_tls_error (config, cert_path, "missing");
  key_after = rd_test_listener_read (key_path);
  g_assert_cmpstr (key_after, ==, key_before);
  g_assert_false (rd_test_listener_exists (cert_path));
  g_clear_pointer (&listing, g_free);
  listing = dir_listing (tls_dir);
  g_assert_cmpstr (listing, ==, "private-key.pem");
}

static void
test_bad_files (RdTestListener *f, gconstpointer data)
{
  g_autoptr (RdConfig) config = rd_test_listener_config (f, "state", "127.0.0.1:0", NULL);
  g_autofree char *cert_path = rd_test_listener_path (f, "state", "tls", "certificate.pem", NULL);
  g_autofree char *key_path = rd_test_listener_path (f, "state", "tls", "private-key.pem", NULL);
  g_autofree char *other_key = rd_test_listener_path (f, "other", "tls", "private-key.pem", NULL);
  g_autofree char *good_cert = NULL;
  g_autofree char *good_key = NULL;
  g_autofree char *after = NULL;
  g_autofree char *wrong_key = NULL;

  generate_identity (f, "state");
  generate_identity (f, "other");
  good_cert = rd_test_listener_read (cert_path);
  good_key = rd_test_listener_read (key_path);

  /* A garbage certificate: named, kept as it is. */
  write_file (cert_path, "this is not a certificate\n");
  assert_tls_error (config, cert_path, "certificate");
  after = rd_test_listener_read (cert_path);
  g_assert_cmpstr (after, ==, "this is not a certificate\n");
  g_clear_pointer (&after, g_free);
  after = rd_test_listener_read (key_path);
  g_assert_cmpstr (after, ==, good_key);
  g_clear_pointer (&after, g_free);

  /* A garbage key: named, kept. */
  write_file (cert_path, good_cert);
  write_file (key_path, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
  assert_tls_error (config, key_path, "private key");
  after = rd_test_listener_read (key_path);
  g_assert_true (g_str_has_suffix (after, "AAAA\n-----END PRIVATE KEY-----\n"));
  g_clear_pointer (&after, g_free);

  /* Somebody else's key: both files named. */
  wrong_key = rd_test_listener_read (other_key);
  write_file (key_path, wrong_key);
  assert_tls_error (config, key_path, cert_path);

  /* An empty certificate file is not "missing". */
  write_file (cert_path, "");
  write_file (key_path, good_key);
  assert_tls_error (config, cert_path, NULL);
  after = rd_test_listener_read (cert_path);
  g_assert_cmpstr (after, ==, "");
}

static void
test_configured_paths (RdTestListener *f, gconstpointer data)
{
  g_autofree char *cert_path =
      rd_test_listener_path (f, "elsewhere", "tls", "certificate.pem", NULL);
  g_autofree char *key_path =
      rd_test_listener_path (f, "elsewhere", "tls", "private-key.pem", NULL);
  g_autofree char *state_tls = rd_test_listener_path (f, "state", "tls", NULL);
  g_autofree char *extra = NULL;
  g_autofree char *missing_extra = NULL;
  g_autofree char *missing_cert = rd_test_listener_path (f, "nowhere", "cert.pem", NULL);
  g_autofree char *missing_key = rd_test_listener_path (f, "nowhere", "key.pem", NULL);
  g_autofree char *missing_dir = rd_test_listener_path (f, "nowhere", NULL);
  g_autofree char *expected_fp = NULL;
  g_autoptr (RdConfig) config = NULL;
  g_autoptr (RdConfig) missing_config = NULL;
  g_autoptr (RdSignalServer) server = NULL;
  g_autoptr (GTlsCertificate) cert = NULL;

  generate_identity (f, "elsewhere");
  expected_fp = pem_fingerprint (cert_path);
  cert = rd_test_listener_cert (cert_path);

  extra = g_strdup_printf ("certificate=%s\nprivate-key=%s", cert_path, key_path);
  config = rd_test_listener_config (f, "state", "127.0.0.1:0", extra);
  server = rd_test_listener_server_new (config);
  g_assert_cmpstr (rd_signal_server_get_certificate_fingerprint (server), ==, expected_fp);
  g_assert_false (rd_test_listener_exists (state_tls)); /* nothing generated */
  rd_test_listener_server_start (server);
  rd_test_listener_assert_status (server, cert, "GET", "/health", SOUP_STATUS_OK);

  /* Configured files are never generated. */
  missing_extra = g_strdup_printf ("certificate=%s\nprivate-key=%s", missing_cert, missing_key);
  missing_config = rd_test_listener_config (f, "state", "127.0.0.1:0", missing_extra);
  assert_tls_error (missing_config, missing_cert, NULL);
  g_assert_false (rd_test_listener_exists (missing_dir));
  g_assert_false (rd_test_listener_exists (state_tls));
}

static void
test_long_room_name (RdTestListener *f, gconstpointer data)
{
  GString *name = g_string_new (NULL);
  g_autofree char *room = NULL;
  g_autoptr (RdConfig) config = NULL;
  g_autoptr (RdSignalServer) server = NULL;
  g_autofree char *cert_path = rd_test_listener_path (f, "state", "tls", "certificate.pem", NULL);
  g_autoptr (GTlsCertificate) cert = NULL;
  g_autofree char *subject = NULL;
  g_autofree char *expected = NULL;

  for (int i = 0; i < 100; i++)
    g_string_append (name, "\xc3\xa9"); /* é: 100 characters, 200 bytes */
  room = g_strdup_printf ("[room]\nname=%s", name->str);
  config = rd_test_listener_config (f, "state", "127.0.0.1:0", room);
  server = rd_test_listener_server_new (config);
  cert = rd_test_listener_cert (cert_path);
  subject = g_tls_certificate_get_subject_name (cert);
  g_string_truncate (name, 64 * 2);
  expected = g_strdup_printf ("CN=%s", name->str);
  g_assert_cmpstr (subject, ==, expected);
  g_string_free (name, TRUE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, fn)                                                                              \
  g_test_add (path, RdTestListener, NULL, rd_test_listener_setup, fn, rd_test_listener_teardown)
  ADD ("/signal/tls/generate", test_generate);
  ADD ("/signal/tls/half-identity-refused", test_half_identity);
  ADD ("/signal/tls/bad-files", test_bad_files);
  ADD ("/signal/tls/configured-paths", test_configured_paths);
  ADD ("/signal/tls/long-room-name", test_long_room_name);
#undef ADD

  return rd_test_signal_run ();
}
