/* rd-media-error.c: see rd-media-error.h. */
#include "media/rd-media-error.h"

GQuark
rd_media_error_quark (void)
{
  return g_quark_from_static_string ("rd-media-error-quark");
}
