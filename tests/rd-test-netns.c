/* rd-test-netns.c: see rd-test-netns.h. */
#define _GNU_SOURCE
#include "tests/rd-test-netns.h"

#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

gboolean
rd_test_enter_netns (char **why)
{
  struct ifreq ifr;
  int fd;

  if (unshare (CLONE_NEWNET) != 0)
    {
      *why = g_strdup_printf ("cannot make a network namespace (unshare: %s); run as root",
                              g_strerror (errno));
      return FALSE;
    }
  fd = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    {
      *why = g_strdup_printf ("socket: %s", g_strerror (errno));
      return FALSE;
    }
  memset (&ifr, 0, sizeof ifr);
  g_strlcpy (ifr.ifr_name, "lo", sizeof ifr.ifr_name);
  if (ioctl (fd, SIOCGIFFLAGS, &ifr) != 0 ||
      (ifr.ifr_flags |= IFF_UP | IFF_RUNNING, ioctl (fd, SIOCSIFFLAGS, &ifr) != 0))
    {
      *why = g_strdup_printf ("cannot bring lo up in the new namespace: %s", g_strerror (errno));
      close (fd);
      return FALSE;
    }
  close (fd);
  return TRUE;
}
