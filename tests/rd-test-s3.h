/* rd-test-s3.h: s3rver (npm, installed by scripts/install-deps.sh into RD_TEST_S3RVER_DIR), a
 * real S3 server, started by the test inside the network namespace the test made
 * (rd_test_enter_netns()): every S3 connection of the archive tests stays there.
 *
 * s3rver accepts the credentials S3RVER / S3RVER and checks their signatures (a request signed
 * with other credentials is refused 403). The bucket "archive" exists from the start.
 * Threading: the test's main thread; waits iterate the default main context, with timeouts. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define RD_TEST_S3RVER_DIR    "/opt/receptiond-test/s3rver"
#define RD_TEST_S3_BUCKET     "archive"
#define RD_TEST_S3_ACCESS_KEY "S3RVER"
#define RD_TEST_S3_SECRET_KEY "S3RVER"

typedef struct
{
  GDataInputStream *in;
  GString *output; /* the server's: not touched once @gone */
  gboolean listening, ended, gone;
} RdTestS3Reader;

typedef struct
{
  char *dir;    /* its data directory (removed by rd_test_s3_free) */
  guint16 port; /* on 127.0.0.1 inside the namespace */
  char *url;    /* http://127.0.0.1:PORT, https:// with TLS */
  GSubprocess *proc;
  GString *output;        /* what it printed */
  RdTestS3Reader *reader; /* its output, read as it comes */
  char *cert, *key;       /* TLS, when set */
} RdTestS3;

/* NULL, with the reason in *@why, when s3rver is not installed. (transfer full) */
RdTestS3 *rd_test_s3_new (char **why);
/* Starts it (again: same data, same port) and waits until it listens. */
void rd_test_s3_start (RdTestS3 *s3);
/* SIGKILL, waits for it to be gone. */
void rd_test_s3_stop (RdTestS3 *s3);
void rd_test_s3_free (RdTestS3 *s3);
/* Serves HTTPS on @port from now on, with a certificate for 127.0.0.1 made here (openssl);
 * returns the certificate's PEM file, for ca=. Call before rd_test_s3_start(). */
char *rd_test_s3_use_tls (RdTestS3 *s3, guint16 port);
/* Writes a credentials file (mode @mode) in the data directory's parent; returns its path. */
char *rd_test_s3_credentials (RdTestS3 *s3, const char *access, const char *secret, int mode);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RdTestS3, rd_test_s3_free)

G_END_DECLS
