/* rd-daemon-notify.c: see rd-daemon-notify.h. */
#include "daemon/rd-daemon-notify.h"

#ifdef RD_HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>
#endif

static void
notify (const char *state)
{
#ifdef RD_HAVE_LIBSYSTEMD
  sd_notify (0, state);
#endif
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
#ifdef RD_HAVE_LIBSYSTEMD
  uint64_t usec = 0;
  if (sd_watchdog_enabled (0, &usec) > 0 && usec > 0)
    return (guint)MAX (usec / 2000, 1);
#endif
  return 0;
}
