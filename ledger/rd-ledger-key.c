/* rd-ledger-key.c: the room's Ed25519 key (created once, never replaced) and the signatures of
 * checkpoints. See rd-ledger-chain.h for the contract.
 *
 * The key lives in ledger/ because it exists only to sign and check the ledger's checkpoints: a
 * module of its own would add a layer for three functions, and nothing else signs. */
#include "ledger/rd-ledger-private.h"
#include "ledger/rd-ledger-error.h"
#include "config/rd-config-hex.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_KEY_FILE_SIZE  (64 * 1024)
#define ED25519_PUBLIC_LEN 32
#define ED25519_SIG_LEN    64

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BIO, BIO_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EVP_PKEY, EVP_PKEY_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EVP_PKEY_CTX, EVP_PKEY_CTX_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EVP_MD_CTX, EVP_MD_CTX_free)

struct _RdLedgerKey
{
  EVP_PKEY *pkey;
  char *path;
  char *public_hex;
  char *public_pem;
};

static void
key_clear (gpointer data)
{
  RdLedgerKey *key = data;

  EVP_PKEY_free (key->pkey);
  g_free (key->path);
  g_free (key->public_hex);
  g_free (key->public_pem);
}

void
rd_ledger_key_free (RdLedgerKey *key)
{
  if (key != NULL)
    g_rc_box_release_full (key, key_clear);
}

RdLedgerKey *
rd_ledger_key_ref (RdLedgerKey *key)
{
  return g_rc_box_acquire (key);
}

const char *
rd_ledger_key_get_path (RdLedgerKey *key)
{
  return key->path;
}

const char *
rd_ledger_key_get_public_hex (RdLedgerKey *key)
{
  return key->public_hex;
}

const char *
rd_ledger_key_get_public_pem (RdLedgerKey *key)
{
  return key->public_pem;
}

/* The reason of the most recent OpenSSL error; clears the error queue. */
static const char *
openssl_reason (void)
{
  const char *reason = ERR_reason_error_string (ERR_peek_last_error ());

  ERR_clear_error ();
  return reason ? reason : "unknown OpenSSL error";
}

static gboolean
fill_public (RdLedgerKey *key, GError **error)
{
  guint8 raw[ED25519_PUBLIC_LEN];
  size_t len = sizeof raw;
  g_autoptr (BIO) bio = BIO_new (BIO_s_mem ());
  char *data = NULL;
  long n;

  if (EVP_PKEY_get_raw_public_key (key->pkey, raw, &len) != 1 || len != sizeof raw || !bio ||
      PEM_write_bio_PUBKEY (bio, key->pkey) != 1)
    {
      g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_KEY,
                   "room key %s: cannot read its public key: %s", key->path, openssl_reason ());
      return FALSE;
    }
  key->public_hex = rd_hex_encode (raw, len);
  n = BIO_get_mem_data (bio, &data);
  key->public_pem = g_strndup (data, n);
  return TRUE;
}

static int
no_passphrase (char *buf, int size, int rwflag, void *user_data)
{
  return -1; /* never prompt: an encrypted key is an error */
}

/* Reads and parses an existing key file. */
static EVP_PKEY *
load_key (const char *path, GError **error)
{
  g_autofree char *data = NULL;
  g_autoptr (BIO) bio = NULL;
  g_autoptr (EVP_PKEY) pkey = NULL;
  struct stat st;
  gsize done = 0;
  int fd = g_open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW, 0);

  if (fd < 0)
    {
      int errsv = errno;
      g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_KEY, "room key %s: cannot open: %s",
                   path, g_strerror (errsv));
      return NULL;
    }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode) || st.st_size > MAX_KEY_FILE_SIZE)
    {
      g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_KEY,
                   "room key %s: not a regular file of at most %d bytes", path, MAX_KEY_FILE_SIZE);
      close (fd);
      return NULL;
    }
  if ((st.st_mode & 077) != 0)
    {
      g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_KEY,
                   "room key %s: mode %04o lets others read the private key; it must be 0600 "
                   "(chmod 600 it after checking nobody copied it)",
                   path, (unsigned)(st.st_mode & 07777));
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
          g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_KEY, "room key %s: cannot read: %s",
                       path, g_strerror (errsv));
          OPENSSL_cleanse (data, done);
          close (fd);
          return NULL;
        }
      done += n;
    }
  close (fd);
  bio = BIO_new_mem_buf (data, (int)done);
  pkey = bio ? PEM_read_bio_PrivateKey (bio, NULL, no_passphrase, NULL) : NULL;
  OPENSSL_cleanse (data, done);
  if (!pkey)
    {
      g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_KEY,
                   "room key %s: not a PEM private key (%s)", path, openssl_reason ());
      return NULL;
    }
  if (EVP_PKEY_get_id (pkey) != EVP_PKEY_ED25519)
    {
      g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_KEY,
                   "room key %s: a %s key, not Ed25519", path, EVP_PKEY_get0_type_name (pkey));
      return NULL;
    }
  return g_steal_pointer (&pkey);
}

/* Creates a new key at @path: written to a temporary file (0600) and linked into place, which
 * fails rather than replace a file that appeared meanwhile. */
static gboolean
create_key (const char *path, GError **error)
{
  g_autoptr (EVP_PKEY_CTX) ctx = EVP_PKEY_CTX_new_id (EVP_PKEY_ED25519, NULL);
  g_autoptr (EVP_PKEY) pkey = NULL;
  g_autoptr (BIO) bio = BIO_new (BIO_s_mem ());
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *tmp = g_strconcat (path, ".XXXXXX", NULL);
  char *pem = NULL;
  long len;
  gsize done = 0;
  int errsv = 0;
  int fd;

  if (g_mkdir_with_parents (dir, 0700) != 0 || g_chmod (dir, 0700) != 0)
    {
      errsv = errno;
      g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_KEY,
                   "room key %s: cannot create the directory %s: %s", path, dir,
                   g_strerror (errsv));
      return FALSE;
    }
  if (!ctx || EVP_PKEY_keygen_init (ctx) != 1 || EVP_PKEY_keygen (ctx, &pkey) != 1 || !bio ||
      PEM_write_bio_PrivateKey (bio, pkey, NULL, NULL, 0, NULL, NULL) != 1)
    {
      g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_KEY,
                   "room key %s: cannot generate an Ed25519 key: %s", path, openssl_reason ());
      return FALSE;
    }
  len = BIO_get_mem_data (bio, &pem);

  fd = g_mkstemp_full (tmp, O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      errsv = errno;
      g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_KEY, "room key %s: cannot create %s: %s",
                   path, tmp, g_strerror (errsv));
      return FALSE;
    }
  while (done < (gsize)len && errsv == 0)
    {
      gssize n = write (fd, pem + done, len - done);
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
  if (errsv == 0 && link (tmp, path) != 0)
    errsv = errno;
  g_unlink (tmp);
  if (errsv != 0)
    {
      g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_KEY, "room key %s: cannot create: %s",
                   path, g_strerror (errsv));
      return FALSE;
    }
  fd = g_open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
  if (fd >= 0)
    {
      fsync (fd);
      close (fd);
    }
  return TRUE;
}

RdLedgerKey *
rd_ledger_key_load_or_create (const char *state_dir, GError **error)
{
  g_autofree char *path = NULL;
  RdLedgerKey *key;
  EVP_PKEY *pkey;
  struct stat st;

  g_return_val_if_fail (state_dir != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  path = g_build_filename (state_dir, RD_LEDGER_KEY_DIR, RD_LEDGER_KEY_FILE, NULL);
  if (lstat (path, &st) != 0)
    {
      int errsv = errno;

      if (errsv != ENOENT)
        {
          g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_KEY, "room key %s: %s", path,
                       g_strerror (errsv));
          return NULL;
        }
      if (!create_key (path, error))
        return NULL;
      g_debug ("created the room key %s", path);
    }
  pkey = load_key (path, error);
  if (!pkey)
    return NULL;
  key = g_rc_box_new0 (RdLedgerKey);
  key->pkey = pkey;
  key->path = g_steal_pointer (&path);
  if (!fill_public (key, error))
    {
      rd_ledger_key_free (key);
      return NULL;
    }
  return key;
}

char *
rd_ledger_key_sign (RdLedgerKey *key, const char *message, GError **error)
{
  g_autoptr (EVP_MD_CTX) ctx = EVP_MD_CTX_new ();
  guint8 sig[ED25519_SIG_LEN];
  size_t len = sizeof sig;

  if (!ctx || EVP_DigestSignInit (ctx, NULL, NULL, NULL, key->pkey) != 1 ||
      EVP_DigestSign (ctx, sig, &len, (const guint8 *)message, strlen (message)) != 1)
    {
      g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_KEY, "cannot sign with room key %s: %s",
                   key->path, openssl_reason ());
      return NULL;
    }
  return rd_hex_encode (sig, len);
}

gboolean
rd_ledger_signature_check (const char *public_hex, const char *message, const char *signature_hex)
{
  guint8 pub[ED25519_PUBLIC_LEN], sig[ED25519_SIG_LEN];
  g_autoptr (EVP_PKEY) pkey = NULL;
  g_autoptr (EVP_MD_CTX) ctx = NULL;
  gboolean ok;

  if (!rd_hex_decode (public_hex, pub, sizeof pub) ||
      !rd_hex_decode (signature_hex, sig, sizeof sig))
    return FALSE;
  pkey = EVP_PKEY_new_raw_public_key (EVP_PKEY_ED25519, NULL, pub, sizeof pub);
  ctx = EVP_MD_CTX_new ();
  ok = pkey && ctx && EVP_DigestVerifyInit (ctx, NULL, NULL, NULL, pkey) == 1 &&
       EVP_DigestVerify (ctx, sig, sizeof sig, (const guint8 *)message, strlen (message)) == 1;
  ERR_clear_error ();
  return ok;
}

char *
rd_ledger_checkpoint_message (gint64 seq, const char *head_hash, const char *at)
{
  return g_strdup_printf ("%s\nseq=%" G_GINT64_FORMAT "\nhead=%s\nat=%s\n",
                          RD_LEDGER_CHECKPOINT_FORMAT, seq, head_hash, at);
}
