/* rd-signal-error.c: see rd-signal-error.h. */
#include "signaling/rd-signal-error.h"

GQuark
rd_signal_error_quark (void)
{
  return g_quark_from_static_string ("rd-signal-error-quark");
}
