/* rd-signal-join.c: PLACEHOLDER while the join page is being written (issue 3). */
#include "signaling/rd-signal-join.h"

GBytes *
rd_signal_join_page (void)
{
  static const char page[] = "<!doctype html><title>receptiond</title>";
  return g_bytes_new_static (page, sizeof page - 1);
}
