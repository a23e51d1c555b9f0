/* rd-test-veth.c: see rd-test-veth.h. */
#define _GNU_SOURCE
#include "tests/rd-test-veth.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <unistd.h>

#define NETNS_DIR "/run/netns"
#define PREFIX    "rd-test-"
#define MAX_LIVE  8

/* The namespaces this process made and has not deleted yet: paths ready for the abort handler,
 * which may only make system calls. */
static char live[MAX_LIVE][128];
static guint made;

static void
forget (const char *ns)
{
  g_autofree char *path = g_build_filename (NETNS_DIR, ns, NULL);
  for (guint i = 0; i < MAX_LIVE; i++)
    if (strcmp (live[i], path) == 0)
      live[i][0] = '\0';
}

/* What "ip netns del" does: the namespace goes once its last process has gone. */
static void
delete_live (void)
{
  for (guint i = 0; i < MAX_LIVE; i++)
    if (live[i][0])
      {
        umount2 (live[i], MNT_DETACH);
        unlink (live[i]);
        live[i][0] = '\0';
      }
}

static void
on_abort (int sig)
{
  delete_live ();
  signal (sig, SIG_DFL);
  raise (sig);
}

/* Runs @argv; TRUE on exit 0, else FALSE with *err (stderr, or why it did not run). */
static gboolean
run (const char *const *argv, char **err)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *e = NULL;
  int status = 0;

  if (!g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                     NULL, NULL, NULL, &e, &status, &error))
    {
      *err = g_strdup (error->message);
      return FALSE;
    }
  if (!g_spawn_check_wait_status (status, NULL))
    {
      g_autofree char *cmd = g_strjoinv (" ", (char **)argv);
      *err = g_strdup_printf ("%s: %s", cmd, g_strstrip (e));
      return FALSE;
    }
  return TRUE;
}

/* Runs @argv; fails the test when it fails. */
static void
must (const char *const *argv)
{
  g_autofree char *err = NULL;
  if (!run (argv, &err))
    g_error ("%s", err);
}

/* Deletes the namespaces left by earlier test processes that no longer run. */
static void
sweep_stale (void)
{
  g_autoptr (GDir) dir = g_dir_open (NETNS_DIR, 0, NULL);
  const char *name;

  while (dir && (name = g_dir_read_name (dir)))
    {
      char *end = NULL;
      guint64 pid;

      /* "rd-test-<pid>-<n>" */
      if (!g_str_has_prefix (name, PREFIX))
        continue;
      pid = g_ascii_strtoull (name + strlen (PREFIX), &end, 10);
      if (!end || *end != '-' || pid == 0 || pid > G_MAXINT)
        continue;
      if ((pid_t)pid == getpid () || kill ((pid_t)pid, 0) == 0 || errno != ESRCH)
        continue;
      {
        g_autofree char *err = NULL;
        const char *const argv[] = { "ip", "netns", "del", name, NULL };
        if (run (argv, &err))
          g_test_message ("deleted network namespace %s left by a test process that is gone", name);
      }
    }
}

/* --- The link: two TAP devices and a thread forwarding frames between them --- */

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
  struct _RdTestLink *l = data;
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
link_wake (struct _RdTestLink *l)
{
  guint64 one = 1;
  if (write (l->wake_fd, &one, sizeof one) < 0)
    g_error ("the link's eventfd: %s", g_strerror (errno));
}

static void
link_free (struct _RdTestLink *l)
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

RdTestVeth *
rd_test_veth_new (char **why)
{
  static gboolean hooked;
  RdTestVeth *v;
  g_autofree char *err = NULL;
  guint slot;
  guint n = made++;

  if (!hooked)
    {
      hooked = TRUE;
      atexit (delete_live);
      signal (SIGABRT, on_abort);
      signal (SIGTRAP, on_abort); /* g_error() */
    }
  sweep_stale ();
  for (slot = 0; slot < MAX_LIVE && live[slot][0]; slot++)
    ;
  g_assert_cmpuint (slot, <, MAX_LIVE);

  v = g_new0 (RdTestVeth, 1);
  v->home_fd = -1;
  v->ns = g_strdup_printf (PREFIX "%d-%u", (int)getpid (), n);
  v->here_if = g_strdup ("rdlink0");
  v->there_if = g_strdup ("rdlink1");
  /* a /30 per pair made by this process; both ends only exist inside the test's namespaces */
  v->here_ip = g_strdup_printf ("10.251.%u.%u", (n / 64) % 256, (n % 64) * 4 + 1);
  v->there_ip = g_strdup_printf ("10.251.%u.%u", (n / 64) % 256, (n % 64) * 4 + 2);
  {
    const char *const add[] = { "ip", "netns", "add", v->ns, NULL };
    if (!run (add, &err))
      {
        *why = g_strdup_printf ("cannot make a second network namespace: %s", err);
        rd_test_veth_free (v);
        return NULL;
      }
  }
  g_snprintf (live[slot], sizeof live[slot], NETNS_DIR "/%s", v->ns);
  v->link = g_new0 (struct _RdTestLink, 1);
  g_mutex_init (&v->link->lock);
  v->link->tap[0] = v->link->tap[1] = v->link->wake_fd = -1;
  if ((v->link->tap[0] = tap_open (v->here_if, &err)) < 0 ||
      (v->link->tap[1] = tap_open (v->there_if, &err)) < 0)
    {
      *why = g_strdup_printf ("cannot make the link's TAP devices: %s", err);
      rd_test_veth_free (v);
      return NULL;
    }
  v->link->wake_fd = eventfd (0, EFD_CLOEXEC | EFD_NONBLOCK);
  g_assert_cmpint (v->link->wake_fd, >=, 0);
  {
    g_autofree char *here_cidr = g_strdup_printf ("%s/30", v->here_ip);
    g_autofree char *there_cidr = g_strdup_printf ("%s/30", v->there_ip);
    const char *const move[] = { "ip", "link", "set", v->there_if, "netns", v->ns, NULL };
    const char *const addr_here[] = { "ip", "addr", "add", here_cidr, "dev", v->here_if, NULL };
    const char *const up_here[] = { "ip", "link", "set", v->here_if, "up", NULL };
    const char *const addr_there[] = { "ip",       "-n",  v->ns,       "addr", "add",
                                       there_cidr, "dev", v->there_if, NULL };
    const char *const up_there[] = { "ip", "-n", v->ns, "link", "set", v->there_if, "up", NULL };
    const char *const lo_there[] = { "ip", "-n", v->ns, "link", "set", "lo", "up", NULL };

    if (!run (move, &err))
      {
        *why = g_strdup_printf ("cannot move a TAP device into the second namespace: %s", err);
        rd_test_veth_free (v);
        return NULL;
      }
    must (addr_here);
    must (up_here);
    must (addr_there);
    must (up_there);
    must (lo_there);
  }
  v->link->thread = g_thread_new ("rd-test-link", forward, v->link);
  g_test_message ("two hosts: %s (%s, here) <-> %s (%s, namespace %s)", v->here_ip, v->here_if,
                  v->there_ip, v->there_if, v->ns);
  return v;
}

void
rd_test_veth_free (RdTestVeth *v)
{
  if (!v)
    return;
  if (v->home_fd >= 0)
    rd_test_veth_leave (v);
  g_clear_pointer (&v->link, link_free);
  if (v->ns)
    {
      g_autofree char *err = NULL;
      g_autofree char *path = g_build_filename (NETNS_DIR, v->ns, NULL);
      const char *const del[] = { "ip", "netns", "del", v->ns, NULL };
      if (g_file_test (path, G_FILE_TEST_EXISTS) && !run (del, &err))
        g_printerr ("# could not delete network namespace %s: %s\n", v->ns, err);
      forget (v->ns);
    }
  g_free (v->ns);
  g_free (v->here_if);
  g_free (v->there_if);
  g_free (v->here_ip);
  g_free (v->there_ip);
  g_free (v);
}

void
rd_test_veth_teardown (gpointer fixture, gconstpointer data)
{
  RdTestVeth **v = fixture;
  g_clear_pointer (v, rd_test_veth_free);
}

/* "50ms", "1s", "500us" in microseconds; -1 when not a time. */
static gint64
parse_time (const char *w)
{
  char *end = NULL;
  double x = g_ascii_strtod (w, &end);

  if (end == w || x < 0)
    return -1;
  if (g_str_equal (end, "ms"))
    return (gint64)(x * 1000);
  if (g_str_equal (end, "us"))
    return (gint64)x;
  if (g_str_equal (end, "s"))
    return (gint64)(x * G_USEC_PER_SEC);
  return -1;
}

void
rd_test_veth_netem (RdTestVeth *v, const char *netem)
{
  g_auto (GStrv) words = g_strsplit (netem ? netem : "", " ", -1);
  gint64 delay = 0;
  guint32 loss = 0;

  for (char **w = words; *w; w++)
    {
      if (!**w)
        continue;
      if (g_str_equal (*w, "delay") && w[1] && (delay = parse_time (w[1])) >= 0)
        w++;
      else if (g_str_equal (*w, "loss") && w[1] && g_str_has_suffix (w[1], "%"))
        {
          double p = g_ascii_strtod (w[1], NULL);
          g_assert_true (p >= 0 && p <= 100);
          loss = (guint32)(p * 10000);
          w++;
        }
      else
        g_error ("netem \"%s\": only \"delay TIME\" and \"loss P%%\" are emulated", netem);
    }
  g_mutex_lock (&v->link->lock);
  v->link->delay_us = delay;
  v->link->loss_ppm = loss;
  g_mutex_unlock (&v->link->lock);
  link_wake (v->link);
  g_test_message ("netem on each direction: %s", netem ? netem : "(cleared)");
}

void
rd_test_veth_counts (RdTestVeth *v, guint64 *forwarded, guint64 *dropped)
{
  g_mutex_lock (&v->link->lock);
  *forwarded = v->link->forwarded;
  *dropped = v->link->dropped;
  g_mutex_unlock (&v->link->lock);
}

void
rd_test_veth_set_link (RdTestVeth *v, gboolean up)
{
  const char *state = up ? "up" : "down";
  const char *const here[] = { "ip", "link", "set", v->here_if, state, NULL };
  const char *const there[] = { "ip", "-n", v->ns, "link", "set", v->there_if, state, NULL };

  g_mutex_lock (&v->link->lock);
  v->link->down = !up;
  g_mutex_unlock (&v->link->lock);
  must (here);
  must (there);
  g_test_message ("link %s", state);
}

static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

GSubprocess *
rd_test_veth_spawn_there (RdTestVeth *v, GSubprocessFlags flags, const char *const *argv)
{
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (flags);
  g_autoptr (GPtrArray) args = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  GSubprocess *proc;

  g_ptr_array_add (args, "ip");
  g_ptr_array_add (args, "netns");
  g_ptr_array_add (args, "exec");
  g_ptr_array_add (args, v->ns);
  for (const char *const *a = argv; *a; a++)
    g_ptr_array_add (args, (gpointer)*a);
  g_ptr_array_add (args, NULL);
  /* ip netns exec execs the command in the same process: the death signal stays set */
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  proc = g_subprocess_launcher_spawnv (launcher, (const char *const *)args->pdata, &error);
  g_assert_no_error (error);
  return proc;
}

void
rd_test_veth_enter (RdTestVeth *v)
{
  g_autofree char *path = g_build_filename (NETNS_DIR, v->ns, NULL);
  int fd;

  g_assert_cmpint (v->home_fd, <, 0);
  v->home_fd = open ("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (v->home_fd < 0)
    g_error ("open /proc/thread-self/ns/net: %s", g_strerror (errno));
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0 || setns (fd, CLONE_NEWNET) != 0)
    g_error ("cannot enter network namespace %s: %s", v->ns, g_strerror (errno));
  close (fd);
}

void
rd_test_veth_leave (RdTestVeth *v)
{
  g_assert_cmpint (v->home_fd, >=, 0);
  if (setns (v->home_fd, CLONE_NEWNET) != 0)
    g_error ("cannot go back to the test's network namespace: %s", g_strerror (errno));
  close (v->home_fd);
  v->home_fd = -1;
}
