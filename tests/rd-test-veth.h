/* rd-test-veth.h: two hosts for network-fault tests (TESTING.md "two hosts with a link between
 * them"). From the test's own network namespace (enter it first: rd-test-netns.h),
 * rd_test_veth_new() makes a second, named namespace ("ip netns add", a name unique to this
 * process) joined to it by a point-to-point link with a /30 of 10.x addresses chosen per link;
 * both namespaces exist only for the test, so no packet reaches the machine's LAN or beyond.
 *
 * The link: TESTING.md says a veth pair and "tc qdisc ... netem", but this machine's kernel
 * (and so CI's) has no netem (CONFIG_NET_SCH_NETEM is not set, and there are no modules to
 * load). So the link is a pair of TAP devices, one in each namespace, and a thread of the test
 * process forwards the Ethernet frames between them: that thread is the netem, in user space
 * (a fixed delay and a random loss on each direction, and a cut). What the two hosts see is
 * the same as over a veth pair with netem on both ends.
 *
 * Faults: rd_test_veth_netem() takes netem's words ("delay 50ms loss 5%"; each direction gets
 * them, so delay 50ms = 100 ms RTT; NULL clears). rd_test_veth_set_link() takes the link down
 * (both interfaces down, nothing crosses) and up again.
 *
 * Processes on the far host: rd_test_veth_spawn_there() runs a command through "ip netns exec";
 * rd_test_veth_enter()/rd_test_veth_leave() move the calling thread into the far namespace and
 * back, so what it spawns meanwhile (rd_test_daemon_start()) lives there. Unix sockets (the
 * daemon's control socket, NOTIFY_SOCKET) are paths and work across namespaces.
 *
 * Cleanup: rd_test_veth_free() stops the link and deletes the namespace. Namespaces still
 * there when the process exits (atexit) or dies on a failed assertion (SIGABRT, SIGTRAP
 * handler) are deleted too, and rd_test_veth_new() first deletes those left by earlier test
 * processes that are gone (a ctest timeout's SIGKILL). rd_test_veth_teardown() is a
 * g_test_add() teardown for a fixture holding an RdTestVeth *.
 *
 * Threading: the test's main thread (the forwarding thread is the harness's own). Commands
 * that fail fail the test with their stderr. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct
{
  char *ns;                 /* the far namespace's name (ip netns) */
  char *here_if, *there_if; /* the link's ends: in the test's namespace, in the far one */
  char *here_ip, *there_ip; /* their addresses (no prefix) */
  int home_fd;              /* the test's own namespace, while entered */
  struct _RdTestLink *link; /* the TAP devices and the forwarding thread */
} RdTestVeth;

/* NULL with the reason when namespaces or veth pairs cannot be made here (the test skips). */
RdTestVeth *rd_test_veth_new (char **why);
void rd_test_veth_free (RdTestVeth *v);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RdTestVeth, rd_test_veth_free)

/* For g_test_add (..., RdTestVeth *, ..., NULL, test, rd_test_veth_teardown): frees *fixture. */
void rd_test_veth_teardown (gpointer fixture, gconstpointer data);

/* "delay 50ms loss 5%" (netem's "delay" and "loss" words) on each direction; NULL clears it.
 * Frames forwarded and dropped so far: rd_test_veth_counts(). */
void rd_test_veth_netem (RdTestVeth *v, const char *netem);
/* Sets the link down (FALSE) or up (TRUE), on both ends. */
void rd_test_veth_set_link (RdTestVeth *v, gboolean up);
void rd_test_veth_counts (RdTestVeth *v, guint64 *forwarded, guint64 *dropped);

/* Runs @argv in the far namespace ("ip netns exec"); it dies with the test. (transfer full) */
GSubprocess *rd_test_veth_spawn_there (RdTestVeth *v, GSubprocessFlags flags,
                                       const char *const *argv);
void rd_test_veth_enter (RdTestVeth *v);
void rd_test_veth_leave (RdTestVeth *v);

G_END_DECLS
