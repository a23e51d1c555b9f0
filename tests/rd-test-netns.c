/* rd-test-netns.c: see rd-test-netns.h. */
#define _GNU_SOURCE
#include "tests/rd-test-netns.h"

#include <errno.h>
#include <execinfo.h>
#include <net/if.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

gboolean
rd_test_enter_mountns (char **why)
{
  if (unshare (CLONE_NEWNS) != 0 || mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
    {
      *why = g_strdup_printf ("cannot make a private mount namespace: %s; run as root",
                              g_strerror (errno));
      return FALSE;
    }
  return TRUE;
}

gboolean
rd_test_skip_if (const char *why)
{
  if (why)
    g_test_skip (why);
  return why != NULL;
}

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

#define KNOWN_RACE "g_hash_table_foreach: assertion 'version == hash_table->version' failed"

static GLogWriterOutput
write_log (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  GLogWriterOutput written = g_log_writer_default (level, fields, n_fields, user_data);
  const char *message = NULL;
  const char *domain = NULL;

  if (!(level & G_LOG_LEVEL_CRITICAL))
    return written;
  for (gsize i = 0; i < n_fields; i++)
    if (g_str_equal (fields[i].key, "MESSAGE"))
      message = fields[i].value;
    else if (g_str_equal (fields[i].key, "GLIB_DOMAIN"))
      domain = fields[i].value;
  if (g_strcmp0 (domain, "GLib") == 0 && message && strstr (message, KNOWN_RACE))
    {
      void *frames[32];
      int n = backtrace (frames, G_N_ELEMENTS (frames));

      g_printerr ("# the known GStreamer 1.22 race (not fatal here), raised at:\n");
      backtrace_symbols_fd (frames, n, STDERR_FILENO);
      return written;
    }
  G_BREAKPOINT (); /* every other critical is as fatal as g_test_init() makes it */
  return written;
}

void
rd_test_tolerate_third_party_race (void)
{
  /* g_test_init() made criticals always fatal, which aborts before any writer could decide:
   * the writer decides instead. */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_WARNING);
  g_log_set_writer_func (write_log, NULL, NULL);
}

void
rd_test_init_in_netns (int *argc, char ***argv, char **skip_reason)
{
  if (!rd_test_enter_netns (skip_reason))
    g_printerr ("# skipping: %s\n", *skip_reason);
  g_test_init (argc, argv, NULL);
  rd_test_tolerate_third_party_race ();
}
