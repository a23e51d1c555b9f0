/* rd-daemon-notify.c: see rd-daemon-notify.h.
 *
 * The protocol (sd_notify(3)) is one datagram of "KEY=VALUE" lines to the AF_UNIX socket named
 * by $NOTIFY_SOCKET ('@' = abstract namespace). It is written here rather than with libsystemd's
 * sd_notify() because that call blocks when the socket's queue is full: measured, a reader that
 * stalled (a test harness busy elsewhere) froze the daemon's main loop, control socket and all,
 * for as long as it stalled. Here every send is MSG_DONTWAIT: a notification that cannot be
 * queued at once is dropped (the next STATUS= says the same thing again). */
#include "daemon/rd-daemon-notify.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int
notify_fd (struct sockaddr_un *addr, socklen_t *len)
{
  static int fd = -2;
  static struct sockaddr_un cached;
  static socklen_t cached_len;

  if (fd == -2)
    {
      const char *path = g_getenv ("NOTIFY_SOCKET");
      gsize n = path ? strlen (path) : 0;

      fd = -1;
      if (n > 0 && n < sizeof cached.sun_path && (path[0] == '/' || path[0] == '@'))
        {
          memset (&cached, 0, sizeof cached);
          cached.sun_family = AF_UNIX;
          memcpy (cached.sun_path, path, n);
          if (path[0] == '@')
            cached.sun_path[0] = '\0';
          cached_len = (socklen_t)(offsetof (struct sockaddr_un, sun_path) + n);
          fd = socket (AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        }
    }
  *addr = cached;
  *len = cached_len;
  return fd;
}

static void
notify (const char *state)
{
  struct sockaddr_un addr;
  socklen_t len;
  int fd = notify_fd (&addr, &len);

  if (fd < 0)
    return;
  /* Dropped when the manager's queue is full: never wait for it. */
  (void)sendto (fd, state, strlen (state), MSG_DONTWAIT | MSG_NOSIGNAL, (struct sockaddr *)&addr,
                len);
}

void
rd_notify_ready (void)
{
  notify ("READY=1");
}

void
rd_notify_stopping (void)
{
  notify ("STOPPING=1");
}

void
rd_notify_reloading (void)
{
  notify ("RELOADING=1");
}

void
rd_notify_watchdog (void)
{
  notify ("WATCHDOG=1");
}

void
rd_notify_status (const char *status)
{
  g_autofree char *line = g_strdup_printf ("STATUS=%s", status);
  notify (line);
}

guint
rd_notify_watchdog_interval_ms (void)
{
  const char *usec_text = g_getenv ("WATCHDOG_USEC");
  const char *pid_text = g_getenv ("WATCHDOG_PID");
  guint64 usec, pid;

  if (!usec_text || !g_ascii_string_to_unsigned (usec_text, 10, 1, G_MAXUINT64, &usec, NULL))
    return 0;
  /* The watchdog is ours only if no other pid was named (sd_watchdog_enabled(3)). */
  if (pid_text && g_ascii_string_to_unsigned (pid_text, 10, 1, G_MAXUINT32, &pid, NULL) &&
      pid != (guint64)getpid ())
    return 0;
  return (guint)MAX (usec / 2000, 1);
}
