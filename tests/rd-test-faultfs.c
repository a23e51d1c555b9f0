/* rd-test-faultfs.c: a disk that misbehaves on demand, for the recording's fault tests. A FUSE
 * file system (libfuse 3) that passes everything through to BACKING, mounted on MOUNTPOINT:
 *
 *   rd-test-faultfs BACKING MOUNTPOINT
 *
 * Faults, switched by signals (each toggles):
 *   SIGUSR1  hold writes: every write() and fsync() waits (checked every 10 ms) until released,
 *            as a disk that stopped answering; everything else still answers;
 *   SIGUSR2  fail fsync() and fdatasync() with EIO, as a disk whose cache could not be flushed.
 * It prints "held N" (writes waiting) on stderr each second while any is, and exits on SIGTERM
 * (fuse unmounts), and dies with the process that started it. Root only; the test mounts it in a
 * mount namespace of its own. */
#define FUSE_USE_VERSION 31
#define _GNU_SOURCE

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <glib.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

static int backing_fd = -1;
static volatile sig_atomic_t hold_writes, fail_fsync;
static int held;

static void
on_signal (int sig)
{
  if (sig == SIGUSR1)
    hold_writes = !hold_writes;
  else if (sig == SIGUSR2)
    fail_fsync = !fail_fsync;
}

/* Path below the backing dir ("." for the root). */
static const char *
rel (const char *path)
{
  return path[1] ? path + 1 : ".";
}

static void
wait_released (void)
{
  struct timespec ten_ms = { 0, 10 * 1000 * 1000 };
  time_t said = 0;

  if (!hold_writes)
    return;
  __atomic_add_fetch (&held, 1, __ATOMIC_SEQ_CST);
  while (hold_writes)
    {
      if (time (NULL) != said)
        {
          said = time (NULL);
          fprintf (stderr, "held %d\n", __atomic_load_n (&held, __ATOMIC_SEQ_CST));
        }
      nanosleep (&ten_ms, NULL);
    }
  __atomic_sub_fetch (&held, 1, __ATOMIC_SEQ_CST);
}

static int
ff_getattr (const char *path, struct stat *st, struct fuse_file_info *fi)
{
  int r = fi ? fstat ((int)fi->fh, st) : fstatat (backing_fd, rel (path), st, AT_SYMLINK_NOFOLLOW);
  return r < 0 ? -errno : 0;
}

static int
ff_readdir (const char *path, void *buf, fuse_fill_dir_t fill, G_GNUC_UNUSED off_t off,
            G_GNUC_UNUSED struct fuse_file_info *fi, G_GNUC_UNUSED enum fuse_readdir_flags flags)
{
  int fd = openat (backing_fd, rel (path), O_RDONLY | O_DIRECTORY);
  DIR *dir = fd >= 0 ? fdopendir (fd) : NULL;
  struct dirent *e;

  if (!dir)
    {
      int err = errno;
      if (fd >= 0)
        close (fd);
      return -err;
    }
  while ((e = readdir (dir)))
    fill (buf, e->d_name, NULL, 0, 0);
  closedir (dir);
  return 0;
}

static int
ff_mkdir (const char *path, mode_t mode)
{
  return mkdirat (backing_fd, rel (path), mode) < 0 ? -errno : 0;
}

static int
ff_unlink (const char *path)
{
  return unlinkat (backing_fd, rel (path), 0) < 0 ? -errno : 0;
}

static int
ff_rmdir (const char *path)
{
  return unlinkat (backing_fd, rel (path), AT_REMOVEDIR) < 0 ? -errno : 0;
}

static int
ff_rename (const char *from, const char *to, unsigned int flags)
{
  return renameat2 (backing_fd, rel (from), backing_fd, rel (to), flags) < 0 ? -errno : 0;
}

static int
ff_chmod (const char *path, mode_t mode, struct fuse_file_info *fi)
{
  int r = fi ? fchmod ((int)fi->fh, mode) : fchmodat (backing_fd, rel (path), mode, 0);
  return r < 0 ? -errno : 0;
}

static int
ff_chown (const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi)
{
  int r = fi ? fchown ((int)fi->fh, uid, gid)
             : fchownat (backing_fd, rel (path), uid, gid, AT_SYMLINK_NOFOLLOW);
  return r < 0 ? -errno : 0;
}

static int
ff_truncate (const char *path, off_t size, struct fuse_file_info *fi)
{
  int r;

  if (fi)
    r = ftruncate ((int)fi->fh, size);
  else
    {
      int fd = openat (backing_fd, rel (path), O_WRONLY);
      if (fd < 0)
        return -errno;
      r = ftruncate (fd, size);
      close (fd);
    }
  return r < 0 ? -errno : 0;
}

static int
ff_utimens (const char *path, const struct timespec tv[2], struct fuse_file_info *fi)
{
  int r = fi ? futimens ((int)fi->fh, tv) : utimensat (backing_fd, rel (path), tv, 0);
  return r < 0 ? -errno : 0;
}

static int
ff_open (const char *path, struct fuse_file_info *fi)
{
  int fd = openat (backing_fd, rel (path), fi->flags & ~O_NOFOLLOW);

  if (fd < 0)
    return -errno;
  fi->fh = (uint64_t)fd;
  return 0;
}

static int
ff_create (const char *path, mode_t mode, struct fuse_file_info *fi)
{
  int fd = openat (backing_fd, rel (path), fi->flags | O_CREAT, mode);

  if (fd < 0)
    return -errno;
  fi->fh = (uint64_t)fd;
  return 0;
}

static int
ff_read (const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
  ssize_t n = pread ((int)fi->fh, buf, size, off);
  return n < 0 ? -errno : (int)n;
}

static int
ff_write (const char *path, const char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
  ssize_t n;

  wait_released ();
  n = pwrite ((int)fi->fh, buf, size, off);
  return n < 0 ? -errno : (int)n;
}

static int
ff_statfs (const char *path, struct statvfs *st)
{
  return fstatvfs (backing_fd, st) < 0 ? -errno : 0;
}

static int
ff_release (const char *path, struct fuse_file_info *fi)
{
  close ((int)fi->fh);
  return 0;
}

static int
ff_fsync (const char *path, int datasync, struct fuse_file_info *fi)
{
  wait_released ();
  if (fail_fsync)
    return -EIO;
  return (datasync ? fdatasync ((int)fi->fh) : fsync ((int)fi->fh)) < 0 ? -errno : 0;
}

static int
ff_fsyncdir (const char *path, int datasync, struct fuse_file_info *fi)
{
  return fail_fsync ? -EIO : 0;
}

static int
ff_access (const char *path, int mask)
{
  return faccessat (backing_fd, rel (path), mask, 0) < 0 ? -errno : 0;
}

static void *
ff_init (struct fuse_conn_info *conn, struct fuse_config *cfg)
{
  cfg->use_ino = 1;
  cfg->entry_timeout = 0;
  cfg->attr_timeout = 0;
  cfg->negative_timeout = 0;
  cfg->direct_io = 1; /* every write() reaches ff_write: a held disk holds the writer */
  return NULL;
}

static const struct fuse_operations ops = {
  .init = ff_init,
  .getattr = ff_getattr,
  .readdir = ff_readdir,
  .mkdir = ff_mkdir,
  .unlink = ff_unlink,
  .rmdir = ff_rmdir,
  .rename = ff_rename,
  .chmod = ff_chmod,
  .chown = ff_chown,
  .truncate = ff_truncate,
  .utimens = ff_utimens,
  .open = ff_open,
  .create = ff_create,
  .read = ff_read,
  .write = ff_write,
  .statfs = ff_statfs,
  .release = ff_release,
  .fsync = ff_fsync,
  .fsyncdir = ff_fsyncdir,
  .access = ff_access,
};

int
main (int argc, char **argv)
{
  char *fuse_argv[] = { argv[0], "-f", "-o", "default_permissions,allow_other", NULL, NULL };
  struct sigaction sa = { 0 };

  if (argc != 3)
    {
      fprintf (stderr, "usage: %s BACKING MOUNTPOINT\n", argv[0]);
      return 64;
    }
  backing_fd = open (argv[1], O_RDONLY | O_DIRECTORY);
  if (backing_fd < 0)
    {
      fprintf (stderr, "%s: cannot open %s: %s\n", argv[0], argv[1], strerror (errno));
      return 66;
    }
  prctl (PR_SET_PDEATHSIG, SIGKILL); /* gone with the test: the held writers get ENOTCONN */
  sa.sa_handler = on_signal;
  sigaction (SIGUSR1, &sa, NULL);
  sigaction (SIGUSR2, &sa, NULL);
  fuse_argv[4] = argv[2];
  return fuse_main (5, fuse_argv, &ops, NULL);
}
