/* rd-test-turn.h: a real TURN server (coturn's turnserver) for tests, on 127.0.0.1 inside the
 * test's own network namespace (enter it first: rd-test-netns.h). Long-term credentials
 * (lt-cred-mech) with one user, UDP and TCP on one port, no TLS, no CLI; relay addresses on
 * 127.0.0.1 too (loopback peers allowed, which only a test may do). Its log (verbose) is
 * kept in a temporary directory, removed on stop.
 *
 * Threading: one thread. Ownership: rd_test_turn_start() returns (transfer full); strings are
 * (transfer none), valid until rd_test_turn_stop(). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _RdTestTurn RdTestTurn;

/* Starts turnserver with @user/@password and waits (at most 10 s) until it listens. NULL with
 * *@why (transfer full) when coturn is not installed or does not start (the caller skips
 * visibly or fails). */
RdTestTurn *rd_test_turn_start (const char *user, const char *password, char **why);
/* Stops it (SIGTERM, then SIGKILL after 5 s) and removes its directory. NULL is fine. */
void rd_test_turn_stop (RdTestTurn *turn);

/* "127.0.0.1:PORT" */
const char *rd_test_turn_get_address (RdTestTurn *turn);
/* A receptiond turn-server value: "turn://USER:PASSWORD@127.0.0.1:PORT" with @password (the
 * server's own when NULL). (transfer full) */
char *rd_test_turn_config_url (RdTestTurn *turn, const char *password);
/* How many allocations coturn has granted (log lines "ALLOCATE processed, success") and
 * refused for bad credentials (401 after a MESSAGE-INTEGRITY), so far. */
guint rd_test_turn_count_allocations (RdTestTurn *turn);
guint rd_test_turn_count_refused (RdTestTurn *turn);
/* The whole log so far (for failure messages). (transfer full) */
char *rd_test_turn_log (RdTestTurn *turn);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RdTestTurn, rd_test_turn_stop)

G_END_DECLS
