/* rd-daemon-error.c: see rd-daemon-error.h. */
#include "daemon/rd-daemon-error.h"

#include <sysexits.h>

#include "config/rd-config-error.h"
#include "ledger/rd-ledger-error.h"
#include "media/rd-media-error.h"
#include "signaling/rd-signal-error.h"

GQuark
rd_daemon_error_quark (void)
{
  return g_quark_from_static_string ("rd-daemon-error-quark");
}

int
rd_daemon_exit_code_for_error (const GError *error)
{
  if (error->domain == RD_CONFIG_ERROR)
    return EX_CONFIG;
  if (error->domain == RD_LEDGER_ERROR)
    {
      if (error->code == RD_LEDGER_ERROR_CORRUPT || error->code == RD_LEDGER_ERROR_NEWER_SCHEMA ||
          error->code == RD_LEDGER_ERROR_KEY)
        return EX_DATAERR;
      if (error->code == RD_LEDGER_ERROR_OPEN)
        return EX_CANTCREAT;
      return EX_IOERR;
    }
  if (error->domain == RD_DAEMON_ERROR)
    {
      switch ((RdDaemonError)error->code)
        {
        case RD_DAEMON_ERROR_STATE_DIR:
          return EX_CANTCREAT;
        case RD_DAEMON_ERROR_LOCKED:
          return EX_TEMPFAIL;
        case RD_DAEMON_ERROR_CONTROL:
          return EX_CANTCREAT;
        case RD_DAEMON_ERROR_BOOK_KEY:
          return EX_DATAERR;
        case RD_DAEMON_ERROR_DISK:
          return EX_CANTCREAT;
        case RD_DAEMON_ERROR_CONFLICT:
          return EX_SOFTWARE;
        case RD_DAEMON_ERROR_ROLES:
          return EX_CONFIG;
        }
    }
  if (error->domain == RD_SIGNAL_ERROR)
    return error->code == RD_SIGNAL_ERROR_LISTEN ? EX_UNAVAILABLE : EX_CONFIG;
  if (error->domain == RD_MEDIA_ERROR)
    return error->code == RD_MEDIA_ERROR_DEVICE_CONFIG ? EX_CONFIG : EX_UNAVAILABLE;
  return EX_SOFTWARE;
}
