/* rd-test-listener.h: the fixture of the HTTPS listener's tests (test-signal-server*.c): a
 * temporary directory and a main context of the test's own, configs with state under it, servers
 * made and started or the test fails, and a real HTTPS client (rd-test-signal.h) pinned to the
 * certificate a test expects.
 *
 * Threading: the test's thread, with the fixture's context pushed as its thread-default one
 * (rd_test_listener_setup() to rd_test_listener_teardown()). Ownership: as each function says. */
#pragma once

#include "signaling/rd-signal-server.h"

#include <libsoup/soup.h>

G_BEGIN_DECLS

/* How long one HTTP exchange may take before the test fails. */
#define RD_TEST_LISTENER_TIMEOUT_S 10

typedef struct
{
  char *tmpdir;
  GMainContext *context;
} RdTestListener;

void rd_test_listener_setup (RdTestListener *f, gconstpointer data);
void rd_test_listener_teardown (RdTestListener *f, gconstpointer data);

/* A config with state under @state_dir (relative to the fixture's tmpdir), listening on @listen,
 * plus @extra INI lines for [network] and, after them, any other groups. (transfer full) */
RdConfig *rd_test_listener_config (RdTestListener *f, const char *state_dir, const char *listen,
                                   const char *extra);
/* The fixture's tmpdir joined with the parts. (transfer full) */
char *rd_test_listener_path (RdTestListener *f, const char *first, ...) G_GNUC_NULL_TERMINATED;
/* (transfer full) */
char *rd_test_listener_read (const char *path);
gboolean rd_test_listener_exists (const char *path);
/* (transfer full) */
GTlsCertificate *rd_test_listener_cert (const char *cert_path);
/* (transfer full) */
RdSignalServer *rd_test_listener_server_new (RdConfig *config);
void rd_test_listener_server_start (RdSignalServer *server);

/* Sends @method @path to @server, accepting only @expected as the server's certificate.
 * Returns the message (status and headers) and the body, or NULL after failing the test.
 * (transfer full) */
SoupMessage *rd_test_listener_fetch (RdSignalServer *server, const char *method, const char *path,
                                     GTlsCertificate *expected, GBytes **body_out);
void rd_test_listener_assert_cors (SoupMessage *msg);
/* @method @path and expect @status with the CORS headers. */
void rd_test_listener_assert_status (RdSignalServer *server, GTlsCertificate *expected,
                                     const char *method, const char *path, guint status);

G_END_DECLS
