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
/* The same for mounts: a mount namespace of the process's own (and its children's), mounts
 * private, so a test can mount file systems (a tmpfs, a FUSE one) nobody else sees. */
gboolean rd_test_enter_mountns (char **why);
/* TRUE, with the calling test skipped visibly (g_test_skip with @why), when @why is set: e.g.
 * the reason rd_test_enter_netns() gave for not making the namespace the test needs. */
gboolean rd_test_skip_if (const char *why);

/* For tests that run whole WebRTC stacks of other people's code on many threads (CMake's
 * THIRD_PARTY_THREADS): call right after g_test_init(). Criticals stay fatal, except one known
 * race inside GStreamer 1.22 in the test process ("g_hash_table_foreach: assertion 'version ==
 * hash_table->version' failed", seen about once in 10 ASan runs of test-whip-e2e, every
 * assertion of the run holding): that one is printed with a backtrace of where it happened and
 * the test goes on, so a user-visible check decides the run, not the neighbour's race. */
void rd_test_tolerate_third_party_race (void);

/* The start of a browser test's main(): rd_test_enter_netns() (its refusal printed, and kept
 * in *@skip_reason for rd_test_skip_if()), g_test_init() and
 * rd_test_tolerate_third_party_race(). */
void rd_test_init_in_netns (int *argc, char ***argv, char **skip_reason);

G_END_DECLS
