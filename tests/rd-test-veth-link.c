/* rd-test-veth-link.c: the link of rd-test-veth.h: two TAP devices and a thread forwarding the
 * Ethernet frames between them with a delay and a random loss on each direction, or none while
 * the link is down (tc netem, in user space: this kernel has no sch_netem). */
#define _GNU_SOURCE
#include "tests/rd-test-veth-private.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

typedef struct
{
  gint64 due; /* monotonic */
  gsize len;
  guint8 data[];
} Frame;

struct _RdTestLink
{
  int tap[2];  /* [0] here, [1] there */
  int wake_fd; /* eventfd: stop, or parameters changed */
  GThread *thread;
  GMutex lock;
  gint64 delay_us;  /* each direction */
  guint32 loss_ppm; /* each direction, parts per million */
  gboolean down, stop;
  GQueue queue[2]; /* Frame*, to be written to tap[i] */
  guint64 forwarded, dropped;
};

static int
tap_open (const char *name, char **err)
{
  struct ifreq ifr;
  int fd = open ("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);

  if (fd < 0)
    {
      *err = g_strdup_printf ("/dev/net/tun: %s", g_strerror (errno));
      return -1;
    }
  memset (&ifr, 0, sizeof ifr);
  ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
  g_strlcpy (ifr.ifr_name, name, sizeof ifr.ifr_name);
  if (ioctl (fd, TUNSETIFF, &ifr) != 0)
    {
      *err = g_strdup_printf ("TUNSETIFF %s: %s", name, g_strerror (errno));
      close (fd);
      return -1;
    }
  return fd;
}

static gpointer
forward (gpointer data)
{
  RdTestLink *l = data;
  guint8 buf[65536];

  for (;;)
    {
      struct pollfd fds[3] = { { l->tap[0], POLLIN, 0 },
                               { l->tap[1], POLLIN, 0 },
                               { l->wake_fd, POLLIN, 0 } };
      gint64 now = g_get_monotonic_time ();
      gint64 next = G_MAXINT64;
      int timeout;

      g_mutex_lock (&l->lock);
      if (l->stop)
        {
          g_mutex_unlock (&l->lock);
          return NULL;
        }
      /* deliver what is due */
      for (int to = 0; to < 2; to++)
        {
          Frame *f;
          while ((f = g_queue_peek_head (&l->queue[to])) && f->due <= now)
            {
              g_queue_pop_head (&l->queue[to]);
              if (l->down || write (l->tap[to], f->data, f->len) < 0)
                l->dropped++;
              else
                l->forwarded++;
              g_free (f);
            }
          if (f && f->due < next)
            next = f->due;
        }
      g_mutex_unlock (&l->lock);
      timeout = next == G_MAXINT64 ? 1000 : (int)MAX (0, (next - now + 999) / 1000);
      if (poll (fds, 3, timeout) < 0 && errno != EINTR)
        g_error ("the link's poll: %s", g_strerror (errno));
      if (fds[2].revents & POLLIN)
        {
          guint64 n;
          if (read (l->wake_fd, &n, sizeof n) < 0)
            {
            }
        }
      for (int from = 0; from < 2; from++)
        {
          ssize_t len;
          if (!(fds[from].revents & POLLIN))
            continue;
          while ((len = read (l->tap[from], buf, sizeof buf)) > 0)
            {
              g_mutex_lock (&l->lock);
              if (l->down || (l->loss_ppm && g_random_int_range (0, 1000000) < (gint32)l->loss_ppm))
                l->dropped++;
              else
                {
                  Frame *f = g_malloc (sizeof (Frame) + len);
                  f->due = g_get_monotonic_time () + l->delay_us;
                  f->len = len;
                  memcpy (f->data, buf, len);
                  g_queue_push_tail (&l->queue[1 - from], f);
                }
              g_mutex_unlock (&l->lock);
            }
        }
    }
}

static void
link_wake (RdTestLink *l)
{
  guint64 one = 1;
  if (write (l->wake_fd, &one, sizeof one) < 0)
    g_error ("the link's eventfd: %s", g_strerror (errno));
}

void
rd_test_link_free (RdTestLink *l)
{
  if (l->thread)
    {
      g_mutex_lock (&l->lock);
      l->stop = TRUE;
      g_mutex_unlock (&l->lock);
      link_wake (l);
      g_thread_join (l->thread);
    }
  for (int i = 0; i < 2; i++)
    {
      g_queue_clear_full (&l->queue[i], g_free);
      if (l->tap[i] >= 0)
        close (l->tap[i]); /* the TAP devices go with their file descriptors */
    }
  if (l->wake_fd >= 0)
    close (l->wake_fd);
  g_mutex_clear (&l->lock);
  g_free (l);
}

RdTestLink *
rd_test_link_new (const char *here_if, const char *there_if, char **err)
{
  RdTestLink *l = g_new0 (RdTestLink, 1);

  g_mutex_init (&l->lock);
  l->tap[0] = l->tap[1] = l->wake_fd = -1;
  if ((l->tap[0] = tap_open (here_if, err)) < 0 || (l->tap[1] = tap_open (there_if, err)) < 0)
    {
      rd_test_link_free (l);
      return NULL;
    }
  l->wake_fd = eventfd (0, EFD_CLOEXEC | EFD_NONBLOCK);
  g_assert_cmpint (l->wake_fd, >=, 0);
  return l;
}

void
rd_test_link_start (RdTestLink *l)
{
  l->thread = g_thread_new ("rd-test-link", forward, l);
}

void
rd_test_link_set (RdTestLink *l, gint64 delay_us, guint32 loss_ppm)
{
  g_mutex_lock (&l->lock);
  l->delay_us = delay_us;
  l->loss_ppm = loss_ppm;
  g_mutex_unlock (&l->lock);
  link_wake (l);
}

void
rd_test_link_set_down (RdTestLink *l, gboolean down)
{
  g_mutex_lock (&l->lock);
  l->down = down;
  g_mutex_unlock (&l->lock);
  link_wake (l);
}

void
rd_test_link_counts (RdTestLink *l, guint64 *forwarded, guint64 *dropped)
{
  g_mutex_lock (&l->lock);
  *forwarded = l->forwarded;
  *dropped = l->dropped;
  g_mutex_unlock (&l->lock);
}
