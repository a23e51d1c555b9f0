/* rd-test-archive.h: the archive tests' fixture: s3rver (tests/rd-test-s3.h), optionally behind
 * the 503 proxy (tests/rd-test-s3-proxy.h), and a daemon whose [archive] points at it, with a
 * sealed session of two segments (40000 bytes, and RD_TEST_ARCHIVE_BIG: three parts at
 * multipart-mb=5) written with the ledger API while the daemon is down, so that its next start
 * marks it interrupted, packages and queues it. Both run inside the test's own network
 * namespace (rd_test_enter_netns()).
 *
 * Threading: the test's main thread; waits iterate the default main context, with timeouts,
 * and fail the test with what was seen. */
#pragma once

#include <json-glib/json-glib.h>

#include "ledger/rd-ledger.h"
#include "tests/rd-test-daemon.h"
#include "tests/rd-test-s3-proxy.h"
#include "tests/rd-test-s3.h"

G_BEGIN_DECLS

#define RD_TEST_ARCHIVE_TIMEOUT_MS 60000
#define RD_TEST_ARCHIVE_BIG        (11 * 1024 * 1024 + 17) /* three parts of 5 MiB */

typedef struct
{
  RdTestS3 *s3;
  RdTestDaemon *t;
  char *session;
  char *files[3];
  char *hashes[3];
  RdLedger *ledger; /* rd_test_archive_set_up_with(): open while the daemon is down */
  /* with use_proxy, the daemon talks to s3rver through the 503 proxy */
  gboolean use_proxy;
  guint fail_first, fail_every, retry_after;
  RdTestS3Proxy *proxy;
  guint retry_max; /* retry-max-seconds; 0: 1 */
} RdTestArchive;

/* A daemon whose [archive] points at s3rver's @bucket (through the proxy with use_proxy) with
 * @access/@secret, plus @more (INI lines of [archive], may be NULL); the sealed session written
 * while it is down; f->ledger left open. Not started again yet. */
/* Starts @t and waits up to RD_TEST_ARCHIVE_TIMEOUT_MS for its READY=1: its start repairs and
 * packages the fixture's recording (an 11 MB file), which takes more than rd_test_daemon_start's
 * 20 s under the sanitizer on a loaded machine. */
void rd_test_archive_start_daemon (RdTestDaemon *t);
void rd_test_archive_set_up_with (RdTestArchive *f, const char *bucket, const char *access,
                                  const char *secret, const char *more);
/* The same, the ledger closed. */
void rd_test_archive_set_up (RdTestArchive *f, const char *bucket, const char *access,
                             const char *secret);
void rd_test_archive_tear_down (RdTestArchive *f);

/* The first job of `archive status`, or NULL. (transfer full) */
JsonObject *rd_test_archive_first_job (RdTestDaemon *t);
/* Waits until the first job is in @state. */
void rd_test_archive_wait_state (RdTestDaemon *t, const char *state);
/* TRUE once the first job has made two attempts or more (@data: the RdTestDaemon). */
gboolean rd_test_archive_retried_twice (gpointer data);
/* Appends to @out the s3rver files of objects whose name holds @name (NULL: all). */
void rd_test_archive_find_objects (const char *dir, const char *name, GPtrArray *out);
/* Asserts that both segment files are there with their SHA-256. */
void rd_test_archive_assert_local_untouched (RdTestArchive *f);
/* How many lines of s3rver's log hold @what. */
guint rd_test_archive_log_count (RdTestS3 *s3, const char *what);
/* s3rver's log comes through a pipe, read as it comes: TRUE once it holds the multipart
 * upload's completion (every earlier request's line is in then). @data: the RdTestS3. */
gboolean rd_test_archive_completion_logged (gpointer data);
/* Whether `session show @session` lists an event of @kind. */
gboolean rd_test_archive_has_event (RdTestDaemon *t, const char *session, const char *kind);

G_END_DECLS
