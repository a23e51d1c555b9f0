/* rd-test-console-api.h: the room console's JSON API (/console/api/) driven over HTTPS by a
 * test, against the real receptiond of an RdTestDaemon: requests with a cookie, a CSRF token
 * and an Origin, their replies, the ledger's events read with sqlite3, receptionctl with a
 * password on its stdin.
 *
 * Ownership: replies and bytes returned are (transfer full). Threading: the test's main thread.
 */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "tests/rd-test-daemon.h"

/* The test's daemon and an HTTPS session to it. */
typedef struct
{
  RdTestDaemon *t;
  char *base; /* "https://127.0.0.1:PORT" */
  SoupSession *http;
} RdTestApi;

/* An answer: its status and headers, its JSON body (NULL when none), its Set-Cookie. */
typedef struct
{
  guint status;
  JsonNode *body;
  char *set_cookie;
  char *cookie; /* the rd_console value in Set-Cookie */
  SoupMessageHeaders *headers;
} RdTestReply;

void rd_test_reply_free (RdTestReply *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RdTestReply, rd_test_reply_free)

/* Takes the daemon's self-signed certificate (on loopback): for "accept-certificate". */
gboolean rd_test_api_accept_any (SoupMessage *msg, GTlsCertificate *cert,
                                 GTlsCertificateFlags errors, gpointer data);
/* One request: @body (may be NULL) of @type; @cookie, @csrf and @origin sent when not NULL. */
RdTestReply *rd_test_api_http (RdTestApi *c, const char *method, const char *path, const char *type,
                               const char *body, const char *cookie, const char *csrf,
                               const char *origin);
/* A JSON POST from the console's own origin. */
RdTestReply *rd_test_api_post (RdTestApi *c, const char *path, const char *body, const char *cookie,
                               const char *csrf);
/* An error reply's "code" and "message". (transfer none) */
const char *rd_test_api_error_code (RdTestReply *r);
const char *rd_test_api_error_message (RdTestReply *r);
/* A string member of the reply's object. (transfer none) */
const char *rd_test_api_member (RdTestReply *r, const char *name);
/* receptionctl --socket S ARGS... (NULL-terminated) with @input on its stdin; its exit code,
 * its stderr in *@err when not NULL. */
int rd_test_api_ctl (RdTestApi *c, const char *input, char **err, ...) G_GNUC_NULL_TERMINATED;
/* POST /console/api/login. */
RdTestReply *rd_test_api_login (RdTestApi *c, const char *name, const char *password);
/* The number of ledger events of @kind whose actor and detail hold @needle. */
gint64 rd_test_api_count_events (RdTestApi *c, const char *kind, const char *needle);

typedef struct
{
  RdTestApi *c;
  const char *kind, *needle;
} RdTestApiEvent;

/* For rd_test_wait_until(): an event of the RdTestApiEvent is in the ledger. */
gboolean rd_test_api_event_seen (gpointer data);
/* Whether the file at @path holds @needle. */
gboolean rd_test_file_has (const char *path, const char *needle);
/* GET @path with @cookie: the body's bytes; the status and headers into @r. */
GBytes *rd_test_api_get_bytes (RdTestApi *c, const char *path, const char *cookie, RdTestReply *r);
/* @bytes are a baseline JPEG (ITU-T T.81): SOI first, EOI last, and its SOF0 says @width x
 * @height. */
void rd_test_assert_jpeg (GBytes *bytes, guint width, guint height);
