/* rd-test-daemon.h: starts the real built receptiond in a temporary state dir, with a
 * NOTIFY_SOCKET the test owns, and drives it with the real receptionctl.
 *
 * Every wait has a timeout and fails the test with what was seen. Threading: the test's main
 * thread; waits iterate the default main context. */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct
{
  char *dir;         /* temp dir holding everything below */
  char *config_path; /* <dir>/receptiond.conf */
  char *state_dir;   /* <dir>/state */
  char *socket_path; /* <dir>/control.sock */
  char *notify_path; /* <dir>/notify: the NOTIFY_SOCKET */
  char *stderr_path; /* the daemon's stderr of the last spawn */
  GSocket *notify;
  GSource *notify_source;
  GPtrArray *notifications; /* every datagram received, in order */
  GSubprocess *proc;
  gboolean exited;
  int exit_status;
} RdTestDaemon;

/* Makes the temp dir and writes a config (the dir is removed at the end unless $RD_TEST_KEEP is
 * set, for looking at the daemon's stderr.log and state after a run): state dir, socket,
 * listen=127.0.0.1:0, plus @extra (INI text appended; may be NULL). */
RdTestDaemon *rd_test_daemon_new (const char *extra);
void rd_test_daemon_free (RdTestDaemon *t);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RdTestDaemon, rd_test_daemon_free)

/* Rewrites the config file with @extra. */
void rd_test_daemon_write_config (RdTestDaemon *t, const char *extra);

/* Starts receptiond --config <config> with @env (NULL-terminated "K=V", may be NULL) added.
 * Forgets the notifications of the previous process. */
void rd_test_daemon_spawn (RdTestDaemon *t, const char *const *env);
/* Starts it and waits for READY=1. */
void rd_test_daemon_start (RdTestDaemon *t);

/* Waits until the @nth (1-based) notification equal to @line has arrived. */
void rd_test_daemon_wait_notify (RdTestDaemon *t, const char *line, guint nth, guint timeout_ms);
/* TRUE if a notification equal to @line has arrived. */
gboolean rd_test_daemon_has_notify (RdTestDaemon *t, const char *line);
/* Waits for the process to exit; returns its exit code, or 128 + N when signal N killed it. */
int rd_test_daemon_wait_exit (RdTestDaemon *t, guint timeout_ms);
void rd_test_daemon_signal (RdTestDaemon *t, int signum);
/* The daemon's stderr so far. (transfer full) */
char *rd_test_daemon_stderr (RdTestDaemon *t);

/* Runs receptionctl --socket <socket> ARGS...; returns its exit code, fills @out/@err
 * (may be NULL). */
int rd_test_ctl (RdTestDaemon *t, char **out, char **err, ...) G_GNUC_NULL_TERMINATED;
/* Starts receptionctl --socket <socket> ARGS... without waiting for it; its stdout and stderr
 * are pipes (g_subprocess_communicate_utf8_async() reads them). (transfer full) */
GSubprocess *rd_test_ctl_spawn (RdTestDaemon *t, ...) G_GNUC_NULL_TERMINATED;
/* Runs receptionctl --json ARGS..., asserts exit 0 and returns the parsed output. */
JsonNode *rd_test_ctl_json (RdTestDaemon *t, ...) G_GNUC_NULL_TERMINATED;

/* Runs any built program from the build tree's bin/ with ARGS; returns its exit code. */
int rd_test_run (const char *program, char **out, char **err, const char *const *argv);

/* Iterates the default main context until @done (@data) is TRUE, checking it at least every
 * 20 ms (for conditions other threads change, such as counters); FALSE on timeout. */
gboolean rd_test_wait_until (gboolean (*done) (gpointer data), gpointer data, guint timeout_ms);

/* Removes a directory tree (test cleanup). */
void rd_test_rmtree (const char *path);

G_END_DECLS
