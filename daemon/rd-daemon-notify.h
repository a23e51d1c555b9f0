/* rd-daemon-notify.h: the systemd service manager protocol (sd_notify).
 *
 * Contract: each call sends one notification when the daemon runs under a service manager
 * ($NOTIFY_SOCKET set) and does nothing otherwise. A send never blocks: a notification the
 * manager cannot queue at once is dropped. rd_notify_watchdog_interval_ms() returns half the
 * watchdog period the manager asked for ($WATCHDOG_USEC), or 0 when there is no watchdog.
 *
 * Threading: main thread.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

void rd_notify_ready (void);
void rd_notify_stopping (void);
void rd_notify_reloading (void);
void rd_notify_watchdog (void);
void rd_notify_status (const char *status);
guint rd_notify_watchdog_interval_ms (void);

G_END_DECLS
