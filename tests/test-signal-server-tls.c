/* test-signal-server-tls.c: the HTTPS listener's TLS identity (signaling/rd-signal-server.h):
 * generated on first start (files, modes, fingerprint), half identities refused, bad files,
 * configured paths, a long room name; fixture in rd-test-listener.h. test-signal-server.c has the
 * listener itself. */
#include "signaling/rd-signal-server.h"
#include "signaling/rd-signal-error.h"
#include "signaling/rd-signal-tls.h"
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

/* A private key file as its owner would keep it: mode 0600. */
static void
write_key (const char *path, const char *data)
{
  g_autoptr (GError) error = NULL;

  g_file_set_contents_full (path, data, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, &error);
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

/* ---- openssl s_client against the listener ------------------------------------------- */

typedef struct
{
  gboolean done;
  char *out;
  GError *error;
} SClient;

static void
s_client_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  SClient *run = user_data;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (source), result, &run->out, NULL,
                                        &run->error);
  run->done = TRUE;
}

static gboolean
s_client_is_done (gpointer a, gconstpointer b)
{
  return ((SClient *)a)->done;
}

/* Runs "openssl s_client -connect 127.0.0.1:PORT @args..." with @input on its standard input
 * (then end of file) while the test's context serves it; whether the handshake succeeded (exit
 * status 0), with everything it printed in *@out. */
static gboolean
s_client (RdSignalServer *server, const char *input, char **out, const char *first_arg, ...)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GSubprocess) proc = NULL;
  g_autoptr (GError) error = NULL;
  SClient run = { 0 };
  va_list ap;

  g_ptr_array_add (argv, g_strdup ("openssl"));
  g_ptr_array_add (argv, g_strdup ("s_client"));
  g_ptr_array_add (argv, g_strdup ("-connect"));
  g_ptr_array_add (argv, g_strdup_printf ("127.0.0.1:%u", rd_signal_server_get_port (server)));
  va_start (ap, first_arg);
  for (const char *arg = first_arg; arg; arg = va_arg (ap, const char *))
    g_ptr_array_add (argv, g_strdup (arg));
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  proc = g_subprocess_newv ((const char *const *)argv->pdata,
                            G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                G_SUBPROCESS_FLAGS_STDERR_MERGE,
                            &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8_async (proc, input, NULL, s_client_done, &run);
  if (!rd_test_signal_wait (g_main_context_get_thread_default (),
                            2 * RD_TEST_LISTENER_TIMEOUT_S * 1000, s_client_is_done, &run, NULL))
    {
      g_subprocess_force_exit (proc);
      rd_test_signal_wait (g_main_context_get_thread_default (), 5000, s_client_is_done, &run,
                           NULL);
      g_test_fail_printf ("openssl s_client %s did not finish", first_arg);
    }
  g_assert_no_error (run.error);
  *out = run.out;
  return g_subprocess_get_if_exited (proc) && g_subprocess_get_exit_status (proc) == 0;
}

static gboolean
have_openssl (void)
{
  g_autofree char *path = g_find_program_in_path ("openssl");

  if (!path)
    g_test_skip ("no openssl program");
  return path != NULL;
}

/* What the listener refuses and what it takes: TLS 1.0 and 1.1, CBC suites (with SHA-1 and
 * SHA-256) and AES-CCM refused; TLS 1.2 with AES-GCM and ChaCha20-Poly1305, and TLS 1.3,
 * accepted. SECLEVEL=0 lets the client offer the old versions and suites at all. */
static void
test_policy (RdTestListener *f, gconstpointer data)
{
  g_autoptr (RdConfig) config = rd_test_listener_config (f, "state", "127.0.0.1:0", NULL);
  g_autoptr (RdSignalServer) server = rd_test_listener_server_new (config);
  static const char *const refused[][2] = {
    { "-tls1", "DEFAULT:@SECLEVEL=0" },
    { "-tls1_1", "DEFAULT:@SECLEVEL=0" },
    { "-tls1_2", "AES128-SHA:@SECLEVEL=0" },
    { "-tls1_2", "ECDHE-ECDSA-AES128-SHA:@SECLEVEL=0" },
    { "-tls1_2", "ECDHE-ECDSA-AES256-SHA384:@SECLEVEL=0" },
    { "-tls1_2", "ECDHE-ECDSA-AES128-CCM" },
  };
  static const char *const accepted[][2] = {
    { "-tls1_2", "ECDHE-ECDSA-AES128-GCM-SHA256" },
    { "-tls1_2", "ECDHE-ECDSA-AES256-GCM-SHA384" },
    { "-tls1_2", "ECDHE-ECDSA-CHACHA20-POLY1305" },
    { "-tls1_3", "DEFAULT" },
  };

  if (!have_openssl ())
    return;
  rd_test_listener_server_start (server);
  for (gsize i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autofree char *out = NULL;

      gboolean ok = s_client (server, "", &out, refused[i][0], "-cipher", refused[i][1], NULL);

      g_test_message ("s_client %s -cipher %s: %s", refused[i][0], refused[i][1],
                      ok ? "accepted" : "refused");
      if (ok)
        g_test_fail_printf ("s_client %s -cipher %s: accepted: %.60s", refused[i][0], refused[i][1],
                            strstr (out, "New, ") ? strstr (out, "New, ") : out);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (accepted); i++)
    {
      g_autofree char *out = NULL;

      if (!s_client (server, "", &out, accepted[i][0], "-cipher", accepted[i][1], NULL))
        g_test_fail_printf ("s_client %s -cipher %s: refused: %s", accepted[i][0], accepted[i][1],
                            out);
    }
}

/* A client that asks to renegotiate (s_client's "R" command, TLS 1.2) is refused: the
 * certificate is not presented a second time. */
static void
test_no_renegotiation (RdTestListener *f, gconstpointer data)
{
  g_autoptr (RdConfig) config = rd_test_listener_config (f, "state", "127.0.0.1:0", NULL);
  g_autoptr (RdSignalServer) server = rd_test_listener_server_new (config);
  g_autofree char *out = NULL;
  const char *renegotiating;

  if (!have_openssl ())
    return;
  rd_test_listener_server_start (server);
  s_client (server, "R\n", &out, "-tls1_2", NULL);
  renegotiating = strstr (out, "RENEGOTIATING");
  g_assert_nonnull (renegotiating); /* the first handshake succeeded */
  if (strstr (renegotiating, "depth=0"))
    g_test_fail_printf ("the renegotiation went through: %s", renegotiating);
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
  write_key (key_path, key_before);
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
  write_key (key_path, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
  assert_tls_error (config, key_path, "private key");
  after = rd_test_listener_read (key_path);
  g_assert_true (g_str_has_suffix (after, "AAAA\n-----END PRIVATE KEY-----\n"));
  g_clear_pointer (&after, g_free);

  /* Somebody else's key: both files named. */
  wrong_key = rd_test_listener_read (other_key);
  write_key (key_path, wrong_key);
  assert_tls_error (config, key_path, cert_path);

  /* An empty certificate file is not "missing". */
  write_file (cert_path, "");
  write_key (key_path, good_key);
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

/* A private key the group or others may read or write is refused, naming the file and its
 * mode, and left as it is; the certificate may be readable by all. */
static void
test_key_mode (RdTestListener *f, gconstpointer data)
{
  g_autofree char *cert_path =
      rd_test_listener_path (f, "elsewhere", "tls", "certificate.pem", NULL);
  g_autofree char *key_path =
      rd_test_listener_path (f, "elsewhere", "tls", "private-key.pem", NULL);
  g_autofree char *extra = NULL;
  g_autoptr (RdConfig) config = NULL;
  static const guint refused[] = { 0640, 0604, 0620, 0602, 0660, 0644 };

  generate_identity (f, "elsewhere");
  extra = g_strdup_printf ("certificate=%s\nprivate-key=%s", cert_path, key_path);
  config = rd_test_listener_config (f, "state", "127.0.0.1:0", extra);
  g_assert_cmpint (g_chmod (cert_path, 0644), ==, 0);
  for (gsize i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autofree char *mode = g_strdup_printf ("mode %04o", refused[i]);

      g_assert_cmpint (g_chmod (key_path, refused[i]), ==, 0);
      assert_tls_error (config, key_path, mode);
      g_assert_cmpuint (file_mode (key_path), ==, refused[i]);
    }
  g_assert_cmpint (g_chmod (key_path, 0400), ==, 0);
  {
    g_autoptr (RdSignalServer) server = rd_test_listener_server_new (config);
  }
  g_assert_cmpint (g_chmod (key_path, 0600), ==, 0);
  {
    g_autoptr (RdSignalServer) server = rd_test_listener_server_new (config);
  }
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
  /* As the daemon's main() does, before any thread and any TLS connection. */
  rd_signal_tls_init_policy ();
  g_test_init (&argc, &argv, NULL);

#define ADD(path, fn)                                                                              \
  g_test_add (path, RdTestListener, NULL, rd_test_listener_setup, fn, rd_test_listener_teardown)
  ADD ("/signal/tls/generate", test_generate);
  ADD ("/signal/tls/half-identity-refused", test_half_identity);
  ADD ("/signal/tls/bad-files", test_bad_files);
  ADD ("/signal/tls/configured-paths", test_configured_paths);
  ADD ("/signal/tls/key-mode", test_key_mode);
  ADD ("/signal/tls/long-room-name", test_long_room_name);
  ADD ("/signal/tls/policy", test_policy);
  ADD ("/signal/tls/no-renegotiation", test_no_renegotiation);
#undef ADD

  return rd_test_signal_run ();
}
