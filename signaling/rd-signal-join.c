/* rd-signal-join.c: the join page (see rd-signal-join.h). The bytes are join/join.html,
 * embedded at build time by join/embed.cmake. */
#include "signaling/rd-signal-join.h"

#include <stddef.h>

/* Defined in the generated rd-signal-join-page.c. */
extern const unsigned char rd_signal_join_html[];
extern const size_t rd_signal_join_html_size;

GBytes *
rd_signal_join_page (void)
{
  return g_bytes_new_static (rd_signal_join_html, rd_signal_join_html_size);
}
