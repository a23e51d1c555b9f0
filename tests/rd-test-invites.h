/* rd-test-invites.h: what the ledger tests of invites, participants and recordings share
 * (test-ledger-invites, test-ledger-participants, test-ledger-recordings): a fresh state
 * directory with a ledger opened in it (no room key) and a live session started by
 * "operator:alice" (with g_test_add's data non-NULL: the directory alone, for a test that builds
 * its own file), and checks through the ledger's API.
 *
 * Ownership: the fixture owns dir, path, ledger and session; rd_test_invites_tear_down() closes
 * the ledger and removes the file and the directory. Functions returning (transfer full) say so.
 * A failed check aborts the test with what was seen. Threading: the test's main thread.
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "ledger/rd-ledger.h"
#include "ledger/rd-ledger-error.h"

typedef struct
{
  char *dir;  /* a fresh temporary state directory */
  char *path; /* dir/ledger.sqlite */
  RdLedger *ledger;
  char *session; /* a live session */
} RdTestInvites;

void rd_test_invites_set_up (RdTestInvites *f, gconstpointer data);
void rd_test_invites_tear_down (RdTestInvites *f, gconstpointer data);

/* g_test_add() with this fixture. */
#define RD_TEST_INVITES_ADD(path, func)                                                            \
  g_test_add (path, RdTestInvites, NULL, rd_test_invites_set_up, func, rd_test_invites_tear_down)

/* The SHA-256 of @token in lower-case hex, as the ledger stores it. (transfer full) */
char *rd_test_invites_token_hash (const char *token);
/* Now + @offset as ISO 8601 with a time zone, to the second (as a console would pass it).
 * (transfer full) */
char *rd_test_invites_time_from_now (GTimeSpan offset);
/* @text is a ledger time: UTC, with microseconds. */
void rd_test_invites_assert_timestamp (const char *text);
/* An invite to @session for @role (and @name), valid for 2 h, for @token's hash, created by
 * "operator:alice"; it must succeed. Returns its id. */
gint64 rd_test_invites_create_ok (RdTestInvites *f, const char *session, const char *role,
                                  const char *name, const char *token);
/* rd_ledger_session_show() that must succeed. (transfer full) */
JsonNode *rd_test_invites_show_ok (RdTestInvites *f, const char *session);
/* The kinds of the session's events, oldest first, joined with ",". (transfer full) */
char *rd_test_invites_event_kinds (RdTestInvites *f, const char *session);
/* The session's last event, which must be of @kind. (transfer full) */
JsonObject *rd_test_invites_last_event (RdTestInvites *f, const char *session, const char *kind);
/* @event's "detail" member. (transfer none) */
JsonObject *rd_test_invites_detail_of (JsonObject *event);
/* @error is RD_LEDGER_ERROR @code refusing @token: its message (printed) never names @token or
 * its hash, names @session when not NULL, and contains @expected. */
void rd_test_invites_assert_refused (GError *error, RdLedgerError code, const char *session,
                                     const char *token, const char *expected);
