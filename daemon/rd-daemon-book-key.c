/* rd-daemon-book-key.c: the reception book's key file, <state-dir>/keys/book.key: 32 bytes from
 * the kernel's CSPRNG, mode 0600 in a 0700 directory, created on the first start and never
 * replaced. A key file that exists but cannot be read, has the wrong size or is open to other
 * users stops the start (nothing is regenerated over it); so does a missing file when the ledger
 * remembers a key, since the identities sealed with it would be lost. */
#include "daemon/rd-daemon-private.h"
#include "daemon/rd-daemon-error.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/rd-daemon-log.h"
#include "ledger/rd-ledger-book.h"

#define KEY_DIR  "keys"
#define KEY_FILE "book.key"

static gboolean key_error (GError **error, const char *path, const char *format, ...)
    G_GNUC_PRINTF (3, 4);

static gboolean
key_error (GError **error, const char *path, const char *format, ...)
{
  g_autofree char *what = NULL;
  va_list args;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, RD_DAEMON_ERROR, RD_DAEMON_ERROR_BOOK_KEY,
               "book key %s %s; receptiond does not start without the key that seals the "
               "denouncers' identities, and never makes a new one over it",
               path, what);
  return FALSE;
}

static gboolean
read_key (int fd, const char *path, guint8 *key, GError **error)
{
  struct stat st;
  ssize_t n;

  if (fstat (fd, &st) != 0)
    return key_error (error, path, "cannot be read: %s", g_strerror (errno));
  if (!S_ISREG (st.st_mode))
    return key_error (error, path, "is not a regular file");
  if (st.st_size != RD_LEDGER_BOOK_KEY_SIZE)
    return key_error (error, path, "has %jd bytes, not %d", (intmax_t)st.st_size,
                      RD_LEDGER_BOOK_KEY_SIZE);
  if ((st.st_mode & 077) != 0)
    return key_error (error, path, "is open to other users (mode %04o); chmod 600 it",
                      (unsigned)(st.st_mode & 07777));
  n = pread (fd, key, RD_LEDGER_BOOK_KEY_SIZE, 0);
  if (n != RD_LEDGER_BOOK_KEY_SIZE)
    return key_error (error, path, "cannot be read: %s", n < 0 ? g_strerror (errno) : "short read");
  return TRUE;
}

static gboolean
create_key (const char *dir, const char *path, guint8 *key, GError **error)
{
  int fd, dir_fd;
  gboolean ok;

  if (getrandom (key, RD_LEDGER_BOOK_KEY_SIZE, 0) != RD_LEDGER_BOOK_KEY_SIZE)
    return key_error (error, path, "cannot be made: no random bytes: %s", g_strerror (errno));
  fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      g_set_error (error, RD_DAEMON_ERROR, RD_DAEMON_ERROR_STATE_DIR,
                   "book key %s cannot be created: %s", path, g_strerror (errno));
      return FALSE;
    }
  ok = write (fd, key, RD_LEDGER_BOOK_KEY_SIZE) == RD_LEDGER_BOOK_KEY_SIZE && fsync (fd) == 0;
  if (!ok)
    {
      int saved = errno;
      close (fd);
      unlink (path); /* ours, just made, incomplete: nothing was sealed with it */
      g_set_error (error, RD_DAEMON_ERROR, RD_DAEMON_ERROR_STATE_DIR,
                   "book key %s cannot be written: %s", path, g_strerror (saved));
      return FALSE;
    }
  close (fd);
  /* The new name is durable before anything is sealed with the key. */
  dir_fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0)
    {
      fsync (dir_fd);
      close (dir_fd);
    }
  return TRUE;
}

gboolean
rd_daemon_book_key_setup (RdLedger *ledger, const char *state_dir, GError **error)
{
  g_autofree char *dir = g_build_filename (state_dir, KEY_DIR, NULL);
  g_autofree char *path = g_build_filename (dir, KEY_FILE, NULL);
  guint8 key[RD_LEDGER_BOOK_KEY_SIZE];
  gboolean remembered = FALSE;
  gboolean ok;
  int fd;

  if (mkdir (dir, 0700) != 0 && errno != EEXIST)
    {
      g_set_error (error, RD_DAEMON_ERROR, RD_DAEMON_ERROR_STATE_DIR,
                   "cannot create the key directory %s: %s", dir, g_strerror (errno));
      return FALSE;
    }
  fd = open (path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd >= 0)
    {
      ok = read_key (fd, path, key, error);
      close (fd);
    }
  else if (errno != ENOENT)
    ok = key_error (error, path, "cannot be opened: %s", g_strerror (errno));
  else if (!rd_ledger_book_has_key_id (ledger, &remembered, error))
    ok = FALSE;
  else if (remembered)
    ok = key_error (error, path,
                    "is missing, but the ledger has protected identities sealed with a key; "
                    "restore the file from a backup");
  else
    {
      ok = create_key (dir, path, key, error);
      if (ok)
        rd_log_session (G_LOG_LEVEL_MESSAGE, NULL, "book key %s created", path);
    }
  if (ok)
    ok = rd_ledger_book_set_key (ledger, key, sizeof key, error);
  explicit_bzero (key, sizeof key);
  return ok;
}
