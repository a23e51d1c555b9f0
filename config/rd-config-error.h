/* rd-config-error.h: the config module's error domain, RD_CONFIG_ERROR.
 *
 * Contract: rd_config_* functions fail only with these codes; the message names the file and,
 * where there is one, the line, group, key and accepted values, so it can be shown to the
 * technician as it is. To a caller every code means the same: the configuration was not taken
 * (a reload keeps the running one; at start-up receptiond exits 78 EX_CONFIG). The code says
 * what to fix:
 *   NOT_FOUND  the file does not exist
 *   READ       the file exists but cannot be read (permissions, a directory, I/O)
 *   SYNTAX     not INI (GKeyFile) syntax or not UTF-8, or a key given twice or localized
 *   UNKNOWN    a group or key receptiond does not know (a typo: nothing is silently ignored)
 *   INVALID    a known key with a value outside what it accepts, or keys that contradict
 *              each other
 *
 * Threading: rd_config_error_quark() may be called from any thread.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define RD_CONFIG_ERROR (rd_config_error_quark ())
GQuark rd_config_error_quark (void);

typedef enum
{
  RD_CONFIG_ERROR_NOT_FOUND,
  RD_CONFIG_ERROR_READ,
  RD_CONFIG_ERROR_SYNTAX,
  RD_CONFIG_ERROR_UNKNOWN,
  RD_CONFIG_ERROR_INVALID,
} RdConfigError;

G_END_DECLS
