/* rd-test-veth-private.h: the link under rd-test-veth.h (rd-test-veth-link.c): two TAP devices,
 * here_if and there_if, and a thread forwarding frames between them with a delay and a loss per
 * direction, nothing while down. rd_test_link_new() opens the devices (they live as long as the
 * link: moving one into another namespace keeps it attached); rd_test_link_start() starts the
 * thread; the setters may be called from the test's thread at any time. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _RdTestLink RdTestLink;

/* NULL with *err when a TAP device cannot be made. (transfer full) */
RdTestLink *rd_test_link_new (const char *here_if, const char *there_if, char **err);
void rd_test_link_start (RdTestLink *l);
void rd_test_link_free (RdTestLink *l);
void rd_test_link_set (RdTestLink *l, gint64 delay_us, guint32 loss_ppm);
void rd_test_link_set_down (RdTestLink *l, gboolean down);
void rd_test_link_counts (RdTestLink *l, guint64 *forwarded, guint64 *dropped);

G_END_DECLS
