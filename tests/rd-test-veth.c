/* rd-test-veth.c: see rd-test-veth.h. */
#define _GNU_SOURCE
#include "tests/rd-test-veth.h"
#include "tests/rd-test-veth-private.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
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
  if (!(v->link = rd_test_link_new (v->here_if, v->there_if, &err)))
    {
      *why = g_strdup_printf ("cannot make the link's TAP devices: %s", err);
      rd_test_veth_free (v);
      return NULL;
    }
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
  rd_test_link_start (v->link);
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
  g_clear_pointer (&v->link, rd_test_link_free);
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
  rd_test_link_set (v->link, delay, loss);
  g_test_message ("netem on each direction: %s", netem ? netem : "(cleared)");
}

void
rd_test_veth_counts (RdTestVeth *v, guint64 *forwarded, guint64 *dropped)
{
  rd_test_link_counts (v->link, forwarded, dropped);
}

void
rd_test_veth_set_link (RdTestVeth *v, gboolean up)
{
  const char *state = up ? "up" : "down";
  const char *const here[] = { "ip", "link", "set", v->here_if, state, NULL };
  const char *const there[] = { "ip", "-n", v->ns, "link", "set", v->there_if, state, NULL };

  rd_test_link_set_down (v->link, !up);
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
