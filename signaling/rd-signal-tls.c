/* rd-signal-tls.c: loading and generating the HTTPS identity. See rd-signal-tls.h. */
#define _GNU_SOURCE /* renameat2, RENAME_NOREPLACE */
#include "signaling/rd-signal-tls.h"
#include "signaling/rd-signal-error.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

/* PEM files larger than this are not what we are looking for. */
#define MAX_PEM_SIZE (1024 * 1024)
/* RFC 5280 ub-common-name, in characters. */
#define MAX_COMMON_NAME 64

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BIO, BIO_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (BIGNUM, BN_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EVP_PKEY, EVP_PKEY_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (X509, X509_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (X509_EXTENSION, X509_EXTENSION_free)

/* A NUL-terminated buffer holding key material: wiped before it is freed. */
typedef char Secret;

static void
secret_free (Secret *secret)
{
  OPENSSL_cleanse (secret, strlen (secret));
  g_free (secret);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Secret, secret_free)

/* The reason of the most recent OpenSSL error ("no start line"); clears the error queue. */
static char *
openssl_reason (void)
{
  const char *reason = ERR_reason_error_string (ERR_peek_last_error ());
  char *out = g_strdup (reason ? reason : "unknown OpenSSL error");

  ERR_clear_error ();
  return out;
}

static int
no_passphrase (char *buf, int size, int rwflag, void *user_data)
{
  return -1; /* never prompt on a terminal: an encrypted key is an error */
}

/* Whether @path exists, as a file or as a (possibly dangling) symbolic link. */
static gboolean
path_exists (const char *what, const char *path, gboolean *exists, GError **error)
{
  struct stat st;
  int errsv;

  if (lstat (path, &st) == 0)
    {
      *exists = TRUE;
      return TRUE;
    }
  errsv = errno;
  if (errsv == ENOENT)
    {
      *exists = FALSE;
      return TRUE;
    }
  g_set_error (error, RD_SIGNAL_ERROR, RD_SIGNAL_ERROR_TLS, "%s %s: %s", what, path,
               g_strerror (errsv));
  return FALSE;
}

/* Reads a whole regular file of at most MAX_PEM_SIZE bytes, NUL-terminated. A @secret file
 * (the private key) must be its owner's alone: no permission bit for the group or others. */
static char *
read_pem_file (const char *what, const char *path, gboolean secret, GError **error)
{
  g_autofree char *data = NULL;
  struct stat st;
  gsize done = 0;
  int fd = g_open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY, 0);

  if (fd < 0)
    {
      int errsv = errno;
      g_set_error (error, RD_SIGNAL_ERROR, RD_SIGNAL_ERROR_TLS, "%s %s: cannot open: %s", what,
                   path, g_strerror (errsv));
      return NULL;
    }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode) || st.st_size > MAX_PEM_SIZE)
    {
      g_set_error (error, RD_SIGNAL_ERROR, RD_SIGNAL_ERROR_TLS,
                   "%s %s: not a regular file of at most %d bytes", what, path, MAX_PEM_SIZE);
      close (fd);
      return NULL;
    }
  if (secret && (st.st_mode & 077) != 0)
    {
      g_set_error (error, RD_SIGNAL_ERROR, RD_SIGNAL_ERROR_TLS,
                   "%s %s: mode %04o lets users other than its owner read or change it; it must "
                   "be 0600 or 0400, owned by the user receptiond runs as (chmod 600 it after "
                   "checking nobody copied it)",
                   what, path, (unsigned)(st.st_mode & 07777));
      close (fd);
      return NULL;
    }
  data = g_malloc0 (st.st_size + 1);
  while (done < (gsize)st.st_size)
    {
      gssize n = read (fd, data + done, st.st_size - done);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          int errsv = n < 0 ? errno : EIO;
          g_set_error (error, RD_SIGNAL_ERROR, RD_SIGNAL_ERROR_TLS, "%s %s: cannot read: %s", what,
                       path, g_strerror (errsv));
          OPENSSL_cleanse (data, done);
          close (fd);
          return NULL;
        }
      done += n;
    }
  close (fd);
  return g_steal_pointer (&data);
}

static GTlsCertificate *
load (const char *cert_path, const char *key_path, GError **error)
{
  g_autofree char *cert_pem = NULL;
  g_autoptr (Secret) key_pem = NULL;
  g_autoptr (Secret) both = NULL;
  g_autoptr (BIO) cert_bio = NULL;
  g_autoptr (BIO) key_bio = NULL;
  g_autoptr (X509) x509 = NULL;
  g_autoptr (EVP_PKEY) pkey = NULL;
  g_autoptr (GError) local = NULL;
  GTlsCertificate *cert;

  cert_pem = read_pem_file ("TLS certificate", cert_path, FALSE, error);
  if (!cert_pem)
    return NULL;
  key_pem = read_pem_file ("TLS private key", key_path, TRUE, error);
  if (!key_pem)
    return NULL;

  ERR_clear_error ();
  cert_bio = BIO_new_mem_buf (cert_pem, -1);
  x509 = cert_bio ? PEM_read_bio_X509 (cert_bio, NULL, no_passphrase, NULL) : NULL;
  if (!x509)
    {
      g_autofree char *reason = openssl_reason ();
      g_set_error (error, RD_SIGNAL_ERROR, RD_SIGNAL_ERROR_TLS,
                   "TLS certificate %s: not a PEM X.509 certificate (%s)", cert_path, reason);
      return NULL;
    }
  key_bio = BIO_new_mem_buf (key_pem, -1);
  pkey = key_bio ? PEM_read_bio_PrivateKey (key_bio, NULL, no_passphrase, NULL) : NULL;
  if (!pkey)
    {
      g_autofree char *reason = openssl_reason ();
      g_set_error (error, RD_SIGNAL_ERROR, RD_SIGNAL_ERROR_TLS,
                   "TLS private key %s: not an unencrypted PEM private key (%s)", key_path, reason);
      return NULL;
    }
  if (X509_check_private_key (x509, pkey) != 1)
    {
      ERR_clear_error ();
      g_set_error (error, RD_SIGNAL_ERROR, RD_SIGNAL_ERROR_TLS,
                   "TLS private key %s does not belong to the certificate in %s", key_path,
                   cert_path);
      return NULL;
    }

  /* The same bytes that were checked, so a file replaced meanwhile cannot slip in. */
  both = g_strconcat (cert_pem, "\n", key_pem, NULL);
  cert = g_tls_certificate_new_from_pem (both, -1, &local);
  if (!cert)
    {
      g_set_error (error, RD_SIGNAL_ERROR, RD_SIGNAL_ERROR_TLS,
                   "TLS certificate %s with private key %s: %s", cert_path, key_path,
                   local->message);
      return NULL;
    }
  return cert;
}

/* "DNS:localhost,IP:a,IP:b": @ips normalised, wildcards and duplicates dropped. */
static char *
subject_alt_names (const char *const *ips)
{
  g_autoptr (GPtrArray) seen = g_ptr_array_new_with_free_func (g_free);
  GString *out = g_string_new ("DNS:localhost");

  for (const char *const *p = ips; p && *p; p++)
    {
      g_autoptr (GInetAddress) addr = g_inet_address_new_from_string (*p);
      char *text;

      if (!addr || g_inet_address_get_is_any (addr))
        continue;
      text = g_inet_address_to_string (addr);
      if (g_ptr_array_find_with_equal_func (seen, text, g_str_equal, NULL))
        {
          g_free (text);
          continue;
        }
      g_string_append_printf (out, ",IP:%s", text);
      g_ptr_array_add (seen, text);
    }
  return g_string_free (out, FALSE);
}

static gboolean
add_extension (X509 *x509, int nid, const char *value)
{
  X509V3_CTX ctx;
  g_autoptr (X509_EXTENSION) ext = NULL;

  X509V3_set_ctx_nodb (&ctx);
  X509V3_set_ctx (&ctx, x509, x509, NULL, NULL, 0);
  ext = X509V3_EXT_nconf_nid (NULL, &ctx, nid, value);
  return ext && X509_add_ext (x509, ext, -1) == 1;
}

/* A self-signed ECDSA P-256 certificate and its key, PEM-encoded. */
static gboolean
make_identity (const char *common_name, const char *const *ips, char **cert_pem_out,
               Secret **key_pem_out, GError **error)
{
  g_autoptr (EVP_PKEY) pkey = NULL;
  g_autoptr (X509) x509 = NULL;
  g_autoptr (BIGNUM) serial = NULL;
  g_autoptr (BIO) cert_bio = NULL;
  g_autoptr (BIO) key_bio = NULL;
  g_autofree char *cn = NULL;
  g_autofree char *san = subject_alt_names (ips);
  X509_NAME *name;
  char *data;
  long len;
  gboolean ok;

  if (common_name && *common_name && g_utf8_validate (common_name, -1, NULL))
    cn = g_utf8_substring (common_name, 0, MIN (g_utf8_strlen (common_name, -1), MAX_COMMON_NAME));
  else
    cn = g_strdup ("receptiond");

  ERR_clear_error ();
  pkey = EVP_PKEY_Q_keygen (NULL, NULL, "EC", "P-256");
  x509 = X509_new ();
  serial = BN_new ();
  ok = pkey && x509 && serial;
  ok = ok && X509_set_version (x509, X509_VERSION_3);
  /* 159 random bits, top bit set: positive, non-zero, 20 bytes in DER (RFC 5280 4.1.2.2). */
  ok = ok && BN_rand (serial, 159, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY);
  ok = ok && BN_to_ASN1_INTEGER (serial, X509_get_serialNumber (x509));
  name = ok ? X509_get_subject_name (x509) : NULL;
  ok = ok &&
       X509_NAME_add_entry_by_txt (name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0);
  ok = ok && X509_set_issuer_name (x509, name);
  ok = ok && X509_gmtime_adj (X509_getm_notBefore (x509), 0);
  ok = ok && X509_time_adj_ex (X509_getm_notAfter (x509), RD_SIGNAL_TLS_VALIDITY_DAYS, 0, NULL);
  ok = ok && X509_set_pubkey (x509, pkey);
  ok = ok && add_extension (x509, NID_basic_constraints, "critical,CA:FALSE");
  ok = ok && add_extension (x509, NID_key_usage, "critical,digitalSignature");
  ok = ok && add_extension (x509, NID_ext_key_usage, "serverAuth");
  ok = ok && add_extension (x509, NID_subject_key_identifier, "hash");
  ok = ok && add_extension (x509, NID_subject_alt_name, san);
  ok = ok && X509_sign (x509, pkey, EVP_sha256 ()) > 0;
  cert_bio = ok ? BIO_new (BIO_s_mem ()) : NULL;
  key_bio = ok ? BIO_new (BIO_s_mem ()) : NULL;
  ok = ok && cert_bio && key_bio;
  ok = ok && PEM_write_bio_X509 (cert_bio, x509);
  ok = ok && PEM_write_bio_PrivateKey (key_bio, pkey, NULL, NULL, 0, NULL, NULL);
  if (!ok)
    {
      g_autofree char *reason = openssl_reason ();
      g_set_error (error, RD_SIGNAL_ERROR, RD_SIGNAL_ERROR_TLS,
                   "cannot generate a self-signed certificate: %s", reason);
      return FALSE;
    }

  len = BIO_get_mem_data (cert_bio, &data);
  *cert_pem_out = g_strndup (data, len);
  len = BIO_get_mem_data (key_bio, &data);
  *key_pem_out = g_strndup (data, len);
  OPENSSL_cleanse (data, len);
  return TRUE;
}

/* Writes @data to a new file mode 0600 next to @path and syncs it; returns its name. */
static char *
write_temp (const char *what, const char *path, const char *data, GError **error)
{
  g_autofree char *tmp = g_strconcat (path, ".XXXXXX", NULL);
  gsize len = strlen (data), done = 0;
  int fd = g_mkstemp_full (tmp, O_WRONLY | O_CLOEXEC, 0600);
  int errsv = 0;

  if (fd < 0)
    {
      errsv = errno;
      g_set_error (error, RD_SIGNAL_ERROR, RD_SIGNAL_ERROR_TLS, "%s %s: cannot create %s: %s", what,
                   path, tmp, g_strerror (errsv));
      return NULL;
    }
  while (done < len && errsv == 0)
    {
      gssize n = write (fd, data + done, len - done);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        errsv = n < 0 ? errno : EIO;
      else
        done += n;
    }
  if (errsv == 0 && fsync (fd) != 0)
    errsv = errno;
  if (close (fd) != 0 && errsv == 0)
    errsv = errno;
  if (errsv != 0)
    {
      g_unlink (tmp);
      g_set_error (error, RD_SIGNAL_ERROR, RD_SIGNAL_ERROR_TLS, "%s %s: cannot write %s: %s", what,
                   path, tmp, g_strerror (errsv));
      return NULL;
    }
  return g_steal_pointer (&tmp);
}

/* Renames @tmp to @path, failing rather than replacing an existing @path. */
static gboolean
rename_no_replace (const char *what, const char *tmp, const char *path, GError **error)
{
  int errsv;

  if (renameat2 (AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) == 0)
    return TRUE;
  errsv = errno;
  if (errsv == EINVAL || errsv == ENOSYS)
    {
      /* The file system has no RENAME_NOREPLACE: a hard link does not replace either. */
      if (link (tmp, path) == 0)
        {
          g_unlink (tmp);
          return TRUE;
        }
      errsv = errno;
    }
  g_set_error (error, RD_SIGNAL_ERROR, RD_SIGNAL_ERROR_TLS, "%s %s: cannot create: %s", what, path,
               g_strerror (errsv));
  return FALSE;
}

static gboolean
sync_dir (const char *path, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  int fd = g_open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
  int errsv = 0;

  if (fd < 0 || fsync (fd) != 0)
    errsv = errno;
  if (fd >= 0)
    close (fd);
  if (errsv != 0)
    {
      g_set_error (error, RD_SIGNAL_ERROR, RD_SIGNAL_ERROR_TLS, "cannot sync directory %s: %s", dir,
                   g_strerror (errsv));
      return FALSE;
    }
  return TRUE;
}

/* Creates the directory of @path mode 0700, or restricts an existing one to 0700. */
static gboolean
make_private_dir (const char *path, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  struct stat st;

  if (g_mkdir_with_parents (dir, 0700) != 0 || stat (dir, &st) != 0 ||
      ((st.st_mode & 0077) != 0 && g_chmod (dir, 0700) != 0))
    {
      int errsv = errno;
      g_set_error (error, RD_SIGNAL_ERROR, RD_SIGNAL_ERROR_TLS,
                   "cannot create the private directory %s: %s", dir, g_strerror (errsv));
      return FALSE;
    }
  return TRUE;
}

static gboolean
generate (const char *cert_path, const char *key_path, const char *common_name,
          const char *const *ips, GError **error)
{
  g_autofree char *cert_pem = NULL;
  g_autoptr (Secret) key_pem = NULL;
  g_autofree char *cert_tmp = NULL;
  g_autofree char *key_tmp = NULL;

  if (!make_private_dir (key_path, error) || !make_private_dir (cert_path, error))
    return FALSE;
  if (!make_identity (common_name, ips, &cert_pem, &key_pem, error))
    return FALSE;

  key_tmp = write_temp ("TLS private key", key_path, key_pem, error);
  if (!key_tmp)
    return FALSE;
  cert_tmp = write_temp ("TLS certificate", cert_path, cert_pem, error);
  if (!cert_tmp)
    {
      g_unlink (key_tmp);
      return FALSE;
    }
  if (!rename_no_replace ("TLS private key", key_tmp, key_path, error))
    {
      g_unlink (key_tmp);
      g_unlink (cert_tmp);
      return FALSE;
    }
  if (!rename_no_replace ("TLS certificate", cert_tmp, cert_path, error))
    {
      /* The key was created a moment ago by this call: without its certificate it is useless,
       * and leaving it would make every later start refuse. */
      g_unlink (key_path);
      g_unlink (cert_tmp);
      return FALSE;
    }
  return sync_dir (key_path, error) && sync_dir (cert_path, error);
}

GTlsCertificate *
rd_signal_tls_load_or_create (const char *cert_path, const char *key_path, const char *common_name,
                              const char *const *ip_addresses, gboolean generate_if_missing,
                              GError **error)
{
  gboolean have_cert, have_key;

  g_return_val_if_fail (cert_path != NULL, NULL);
  g_return_val_if_fail (key_path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!path_exists ("TLS certificate", cert_path, &have_cert, error) ||
      !path_exists ("TLS private key", key_path, &have_key, error))
    return NULL;

  if (!have_cert && !have_key && generate_if_missing)
    {
      if (!generate (cert_path, key_path, common_name, ip_addresses, error))
        return NULL;
    }
  else if (have_cert != have_key && generate_if_missing)
    {
      g_set_error (error, RD_SIGNAL_ERROR, RD_SIGNAL_ERROR_TLS,
                   "%s %s is missing but %s exists; refusing to generate a new identity over it "
                   "(restore the missing file or remove both)",
                   have_cert ? "TLS private key" : "TLS certificate",
                   have_cert ? key_path : cert_path, have_cert ? cert_path : key_path);
      return NULL;
    }

  return load (cert_path, key_path, error);
}

char *
rd_signal_tls_fingerprint (GTlsCertificate *cert)
{
  g_autoptr (GByteArray) der = NULL;
  g_autoptr (GChecksum) checksum = NULL;
  guint8 digest[32];
  gsize digest_len = sizeof digest;
  GString *out;

  g_return_val_if_fail (G_IS_TLS_CERTIFICATE (cert), NULL);

  g_object_get (cert, "certificate", &der, NULL);
  g_return_val_if_fail (der != NULL, NULL);
  checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_checksum_update (checksum, der->data, der->len);
  g_checksum_get_digest (checksum, digest, &digest_len);

  out = g_string_new ("sha-256 ");
  for (gsize i = 0; i < digest_len; i++)
    g_string_append_printf (out, "%s%02X", i ? ":" : "", digest[i]);
  return g_string_free (out, FALSE);
}
