/* rd-daemon-state.c: the state dir: created if missing, proven writable, and locked so that a
 * second receptiond on the same state dir refuses to start. */
#include "daemon/rd-daemon-private.h"
#include "daemon/rd-daemon-error.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sys/file.h>
#include <unistd.h>

#define LOCK_NAME "receptiond.lock"

static char *
read_holder_pid (int fd)
{
  char buf[32] = { 0 };
  ssize_t n = pread (fd, buf, sizeof buf - 1, 0);

  if (n <= 0)
    return g_strdup ("unknown");
  return g_strstrip (g_strndup (buf, n));
}

gboolean
rd_daemon_state_dir_prepare (const char *state_dir, int *lock_fd, GError **error)
{
  g_autofree char *path = g_build_filename (state_dir, LOCK_NAME, NULL);
  g_autofree char *pid = NULL;
  GStatBuf st;
  int fd;

  if (g_mkdir_with_parents (state_dir, 0750) != 0)
    {
      g_set_error (error, RD_DAEMON_ERROR, RD_DAEMON_ERROR_STATE_DIR,
                   "state dir %s: cannot create it: %s", state_dir, g_strerror (errno));
      return FALSE;
    }
  /* An existing directory keeps what it had, minus what the daemon's own would not give:
   * write for the group, anything for others (recordings and the ledger are evidence). */
  if (g_stat (state_dir, &st) == 0 && (st.st_mode & 0027) != 0 &&
      g_chmod (state_dir, st.st_mode & 0750) != 0)
    {
      g_set_error (error, RD_DAEMON_ERROR, RD_DAEMON_ERROR_STATE_DIR,
                   "state dir %s is open to others (mode %04o) and cannot be restricted: %s",
                   state_dir, (unsigned)(st.st_mode & 07777), g_strerror (errno));
      return FALSE;
    }
  fd = open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0)
    {
      g_set_error (error, RD_DAEMON_ERROR, RD_DAEMON_ERROR_STATE_DIR,
                   "state dir %s is not writable: cannot create %s: %s", state_dir, LOCK_NAME,
                   g_strerror (errno));
      return FALSE;
    }
  if (flock (fd, LOCK_EX | LOCK_NB) != 0)
    {
      int saved = errno;
      g_autofree char *holder = read_holder_pid (fd);
      close (fd);
      if (saved == EWOULDBLOCK)
        g_set_error (error, RD_DAEMON_ERROR, RD_DAEMON_ERROR_LOCKED,
                     "another receptiond (pid %s) is already using state dir %s", holder,
                     state_dir);
      else
        g_set_error (error, RD_DAEMON_ERROR, RD_DAEMON_ERROR_STATE_DIR,
                     "state dir %s: cannot lock %s: %s", state_dir, LOCK_NAME, g_strerror (saved));
      return FALSE;
    }
  pid = g_strdup_printf ("%d\n", (int)getpid ());
  if (ftruncate (fd, 0) != 0 || pwrite (fd, pid, strlen (pid), 0) != (ssize_t)strlen (pid))
    {
      int saved = errno;
      close (fd);
      g_set_error (error, RD_DAEMON_ERROR, RD_DAEMON_ERROR_STATE_DIR,
                   "state dir %s is not writable: cannot write %s: %s", state_dir, LOCK_NAME,
                   g_strerror (saved));
      return FALSE;
    }
  *lock_fd = fd;
  return TRUE;
}

void
rd_daemon_state_dir_release (int *lock_fd)
{
  if (*lock_fd >= 0)
    {
      close (*lock_fd);
      *lock_fd = -1;
    }
}
