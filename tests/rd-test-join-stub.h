/* rd-test-join-stub.h: what the join page's tests share: a stub WHIP server on 127.0.0.1 in
 * the test's own network namespace, serving rd_signal_join_page() at /join/S1 and a WHIP endpoint
 * at /whip/S1 (resource /whip/S1/P1) that records every request and answers what the test asks
 * for, and headless Chromium (tests/rd-test-chromium.h) to open the page and look at it.
 *
 * The stub answers the offer with a syntactically valid answer that leads nowhere (no
 * candidates: enough for Location/ETag/PATCH/DELETE and the UI), with an error status
 * (post_status), or through answer_post (a real answerer the test brings).
 *
 * Ownership: the fixture owns its server, Chromium, requests and answerer (freed with
 * answerer_free); requests returned are owned by the fixture. A failed check or a wait that times
 * out aborts the test with what was seen.
 * Threading: the test's main thread; the stub runs on the default main context, which the waits
 * iterate.
 */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "tests/rd-test-chromium.h"

#define RD_TEST_JOIN_SESSION_ID "S1"
#define RD_TEST_JOIN_TOKEN      "T0k3n-abc_DEF"
#define RD_TEST_JOIN_PEER_PATH  "/whip/" RD_TEST_JOIN_SESSION_ID "/P1"
#define RD_TEST_JOIN_ETAG       "e1"
/* Bounds for waits that should take well under a second. */
#define RD_TEST_JOIN_LOAD_TIMEOUT_MS 15000
#define RD_TEST_JOIN_STEP_TIMEOUT_MS 10000

typedef struct
{
  char *method;
  char *path;
  char *authorization;
  char *content_type;
  char *if_match;
  char *body;
  gint64 when_us;
} RdTestJoinRequest;

/* Main context, in the stub's POST handler: answers @offer, pausing @msg until the answer is
 * ready; returns the answerer. (transfer full) */
typedef gpointer (*RdTestJoinAnswerFunc) (SoupServerMessage *msg, const char *offer);
/* Main context: candidates PATCHed to the resource (an RFC 8840 sdpfrag). */
typedef void (*RdTestJoinCandidatesFunc) (gpointer answerer, const char *sdpfrag);

typedef struct
{
  SoupServer *server;
  char *origin; /* http://127.0.0.1:<port> */
  GPtrArray *requests;
  /* How the stub answers the POST: 201 (the fake answer) or an error status. */
  guint post_status;
  /* When set, the POST is answered by answer_post instead (a real answerer), and candidates
   * PATCHed go to add_candidates. */
  RdTestJoinAnswerFunc answer_post;
  RdTestJoinCandidatesFunc add_candidates;
  gpointer answerer; /* what answer_post returned */
  GDestroyNotify answerer_free;
  RdTestChromium *chromium; /* NULL when the test is skipped (see rd_test_join_set_up()) */
} RdTestJoin;

/* Call first in main(), before g_test_init() and any thread: a network namespace of the test's
 * own (rd_test_enter_netns()). When that is not allowed every fixture test is skipped, visibly. */
void rd_test_join_enter_netns (void);

/* GTest fixture functions. set_up starts the stub and Chromium, or skips the test (g_test_skip,
 * saying why: no namespace, no Chromium), leaving f->chromium NULL: the test then returns. */
void rd_test_join_set_up (RdTestJoin *f, gconstpointer data);
void rd_test_join_tear_down (RdTestJoin *f, gconstpointer data);

/* Opens /join/S1@fragment (@fragment may be NULL) and waits for it to load. */
void rd_test_join_open_page (RdTestJoin *f, const char *fragment);
/* The value of a JavaScript expression in the page. (transfer full) */
JsonNode *rd_test_join_eval (RdTestJoin *f, const char *js);
gboolean rd_test_join_eval_bool (RdTestJoin *f, const char *js);
char *rd_test_join_eval_string (RdTestJoin *f, const char *js); /* (transfer full) */
gint64 rd_test_join_eval_int (RdTestJoin *f, const char *js);
/* Waits until @condition holds in the page; on timeout fails showing @describe's value. */
void rd_test_join_wait_page (RdTestJoin *f, const char *condition, const char *describe,
                             guint timeout_ms);

/* How many @method @path requests the stub has seen. */
guint rd_test_join_count_requests (RdTestJoin *f, const char *method, const char *path);
/* Iterates the main context until the stub has seen @method @path. (transfer none) */
RdTestJoinRequest *rd_test_join_wait_request (RdTestJoin *f, const char *method, const char *path,
                                              guint timeout_ms);
/* Every request the page made (as the browser saw them) stayed on our origin (data: is inline),
 * and every request the stub saw was to one of our paths. */
void rd_test_join_assert_no_external_requests (RdTestJoin *f);
