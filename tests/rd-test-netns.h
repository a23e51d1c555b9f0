/* rd-test-netns.h: every test that makes a WebRTC connection runs in a network namespace of its
 * own (TESTING.md): only "lo" exists, so ICE can offer and probe nothing but 127.0.0.1.
 *
 * rd_test_enter_netns() moves the calling process (and every child it starts afterwards) into a
 * new network namespace and brings lo up. Call it first in main(), before any thread starts.
 * It returns FALSE with the reason when that is not allowed (not root, no CAP_SYS_ADMIN);
 * the test must then skip visibly with that reason, never pass. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean rd_test_enter_netns (char **why);

G_END_DECLS
