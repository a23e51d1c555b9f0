/* test-ledger-participants.c: the parties of a session in the ledger (schema version 2): joining
 * (with an invite or without), verification, leaving, and their closing when the session ends or
 * is reconciled after a crash, through the API; and the evidence triggers and CHECK constraints
 * of invites and participants, with the sqlite3 API on the file. */
#include "tests/rd-test-invites.h"
#include "tests/rd-test-sqlite.h"

#include <string.h>

/* --- participants ------------------------------------------------------------------------------
 */

static gint64
join_ok (RdTestInvites *f, const char *peer_id, gint64 invite_id, const char *role,
         const char *name)
{
  g_autoptr (GError) error = NULL;
  gint64 id = rd_ledger_participant_join (f->ledger, f->session, peer_id, invite_id, role, name,
                                          "192.0.2.7", "receptiond", &error);

  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);
  return id;
}

static void
test_participant_flow (RdTestInvites *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) shown = NULL;
  g_autoptr (JsonNode) list = NULL;
  g_autoptr (JsonObject) event = NULL;
  g_autofree char *kinds = NULL;
  g_autofree char *other = rd_ledger_session_start (f->ledger, NULL, "operator", &error);
  JsonArray *parties;
  JsonObject *party, *detail;
  gint64 invite_id, other_invite, anna, walk_in;

  g_assert_no_error (error);
  invite_id = rd_test_invites_create_ok (f, f->session, RD_LEDGER_ROLE_CITIZEN, NULL, "token-anna");
  other_invite = rd_test_invites_create_ok (f, other, RD_LEDGER_ROLE_CITIZEN, NULL, "token-other");

  anna = join_ok (f, "peer-1", invite_id, RD_LEDGER_ROLE_CITIZEN, "Anna");
  event = rd_test_invites_last_event (f, f->session, "party-joined");
  g_assert_cmpstr (json_object_get_string_member (event, "actor"), ==, "receptiond");
  detail = rd_test_invites_detail_of (event);
  g_assert_cmpint (json_object_get_int_member (detail, "participant_id"), ==, anna);
  g_assert_cmpstr (json_object_get_string_member (detail, "peer_id"), ==, "peer-1");
  g_assert_cmpstr (json_object_get_string_member (detail, "role"), ==, "citizen");
  g_assert_cmpstr (json_object_get_string_member (detail, "name"), ==, "Anna");
  g_assert_cmpstr (json_object_get_string_member (detail, "remote_address"), ==, "192.0.2.7");
  g_assert_cmpint (json_object_get_int_member (detail, "invite_id"), ==, invite_id);
  g_clear_pointer (&event, json_object_unref);

  g_assert_true (
      rd_ledger_participant_verified (f->ledger, anna, "sha-256 AB:CD", 1500000000, &error));
  g_assert_no_error (error);
  event = rd_test_invites_last_event (f, f->session, "party-verified");
  detail = rd_test_invites_detail_of (event);
  g_assert_cmpint (json_object_get_int_member (detail, "participant_id"), ==, anna);
  g_assert_cmpstr (json_object_get_string_member (detail, "fingerprint"), ==, "sha-256 AB:CD");
  /* where on the recording's timeline it was verified: where its tracks must start */
  g_assert_cmpint (json_object_get_int_member_with_default (detail, "recording_ns", -1), ==,
                   1500000000);
  g_clear_pointer (&event, json_object_unref);
  g_assert_false (rd_ledger_participant_verified (f->ledger, anna, "sha-256 EE:FF", -1, &error));
  g_assert_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_STATE);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, f->session));
  g_clear_error (&error);

  g_assert_true (rd_ledger_participant_leave (f->ledger, anna, "left", 9000000000, &error));
  g_assert_no_error (error);
  event = rd_test_invites_last_event (f, f->session, "party-left");
  g_assert_cmpstr (json_object_get_string_member (event, "actor"), ==, "receptiond");
  detail = rd_test_invites_detail_of (event);
  g_assert_cmpint (json_object_get_int_member (detail, "participant_id"), ==, anna);
  g_assert_cmpstr (json_object_get_string_member (detail, "reason"), ==, "left");
  g_assert_cmpint (json_object_get_int_member_with_default (detail, "recording_ns", -1), ==,
                   9000000000);
  g_clear_pointer (&event, json_object_unref);
  g_assert_false (rd_ledger_participant_leave (f->ledger, anna, "lost", -1, &error));
  g_assert_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_STATE);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "already left"));
  g_clear_error (&error);

  /* A party without an invite (0), with nothing optional. */
  walk_in = rd_ledger_participant_join (f->ledger, f->session, NULL, 0, RD_LEDGER_ROLE_BOARD, NULL,
                                        NULL, "receptiond", &error);
  g_assert_no_error (error);
  g_assert_cmpint (walk_in, >, anna);

  /* Refusals. */
  g_assert_cmpint (rd_ledger_participant_join (f->ledger, f->session, "p", other_invite,
                                               RD_LEDGER_ROLE_CITIZEN, NULL, NULL, "receptiond",
                                               &error),
                   ==, 0);
  g_assert_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_NOT_FOUND);
  g_test_message ("%s", error->message);
  g_clear_error (&error);
  g_assert_cmpint (rd_ledger_participant_join (f->ledger, f->session, "p", invite_id,
                                               RD_LEDGER_ROLE_BOARD, NULL, NULL, "receptiond",
                                               &error),
                   ==, 0);
  g_assert_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID);
  g_test_message ("%s", error->message);
  g_clear_error (&error);
  g_assert_cmpint (rd_ledger_participant_join (f->ledger, f->session, "p", 0, "mayor", NULL, NULL,
                                               "receptiond", &error),
                   ==, 0);
  g_assert_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_cmpint (rd_ledger_participant_join (f->ledger, "20000101-abcdef", "p", 0, "board", NULL,
                                               NULL, "receptiond", &error),
                   ==, 0);
  g_assert_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_true (rd_ledger_session_end (f->ledger, other, "operator", "done", &error));
  g_assert_cmpint (rd_ledger_participant_join (f->ledger, other, "p", other_invite,
                                               RD_LEDGER_ROLE_CITIZEN, NULL, NULL, "receptiond",
                                               &error),
                   ==, 0);
  g_assert_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_STATE);
  g_test_message ("%s", error->message);
  g_clear_error (&error);
  g_assert_false (rd_ledger_participant_verified (f->ledger, 9999, "x", -1, &error));
  g_assert_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "9999"));
  g_clear_error (&error);
  g_assert_false (rd_ledger_participant_leave (f->ledger, 9999, "left", -1, &error));
  g_assert_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* Events in order; the rows as session show has them. */
  kinds = rd_test_invites_event_kinds (f, f->session);
  g_assert_cmpstr (kinds, ==,
                   "session-started,invite-created,party-joined,party-verified,party-left,"
                   "party-joined");
  shown = rd_test_invites_show_ok (f, f->session);
  parties = json_object_get_array_member (json_node_get_object (shown), "participants");
  g_assert_cmpuint (json_array_get_length (parties), ==, 2);
  party = json_array_get_object_element (parties, 0);
  g_assert_cmpint (json_object_get_int_member (party, "id"), ==, anna);
  g_assert_cmpstr (json_object_get_string_member (party, "peer_id"), ==, "peer-1");
  g_assert_cmpint (json_object_get_int_member (party, "invite_id"), ==, invite_id);
  g_assert_cmpstr (json_object_get_string_member (party, "role"), ==, "citizen");
  g_assert_cmpstr (json_object_get_string_member (party, "name"), ==, "Anna");
  g_assert_cmpstr (json_object_get_string_member (party, "remote_address"), ==, "192.0.2.7");
  g_assert_cmpstr (json_object_get_string_member (party, "dtls_fingerprint"), ==, "sha-256 AB:CD");
  rd_test_invites_assert_timestamp (json_object_get_string_member (party, "joined_at"));
  rd_test_invites_assert_timestamp (json_object_get_string_member (party, "left_at"));
  g_assert_cmpstr (json_object_get_string_member (party, "left_at"), >=,
                   json_object_get_string_member (party, "joined_at"));
  g_assert_cmpstr (json_object_get_string_member (party, "leave_reason"), ==, "left");
  party = json_array_get_object_element (parties, 1);
  g_assert_cmpint (json_object_get_int_member (party, "id"), ==, walk_in);
  g_assert_true (json_object_get_null_member (party, "peer_id"));
  g_assert_true (json_object_get_null_member (party, "invite_id"));
  g_assert_true (json_object_get_null_member (party, "dtls_fingerprint"));
  g_assert_true (json_object_get_null_member (party, "left_at"));

  list = rd_ledger_session_list (f->ledger, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < json_array_get_length (json_node_get_array (list)); i++)
    {
      JsonObject *summary = json_array_get_object_element (json_node_get_array (list), i);

      if (g_strcmp0 (json_object_get_string_member (summary, "id"), f->session) == 0)
        g_assert_cmpint (json_object_get_int_member (summary, "participants"), ==, 2);
    }
}

static void
test_session_end_closes_participants (RdTestInvites *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) shown = NULL;
  g_autofree char *kinds = NULL;
  JsonObject *session, *first, *second, *event;
  JsonArray *events;
  gint64 a, b;

  a = join_ok (f, "peer-a", 0, RD_LEDGER_ROLE_AGENCY, "Ward 3");
  b = join_ok (f, "peer-b", 0, RD_LEDGER_ROLE_CITIZEN, "Anna");
  g_assert_true (rd_ledger_participant_leave (f->ledger, a, "lost", -1, &error));
  g_assert_true (rd_ledger_session_end (f->ledger, f->session, "operator:bob", "finished", &error));
  g_assert_no_error (error);

  shown = rd_test_invites_show_ok (f, f->session);
  session = json_node_get_object (shown);
  first = json_array_get_object_element (json_object_get_array_member (session, "participants"), 0);
  second =
      json_array_get_object_element (json_object_get_array_member (session, "participants"), 1);
  g_assert_cmpstr (json_object_get_string_member (first, "leave_reason"), ==, "lost");
  g_assert_cmpstr (json_object_get_string_member (second, "leave_reason"), ==, "session ended");
  g_assert_cmpstr (json_object_get_string_member (second, "left_at"), ==,
                   json_object_get_string_member (session, "ended_at"));

  kinds = rd_test_invites_event_kinds (f, f->session);
  g_assert_cmpstr (kinds, ==,
                   "session-started,party-joined,party-joined,party-left,party-left,session-ended");
  events = json_object_get_array_member (session, "events");
  event = json_array_get_object_element (events, 4);
  g_assert_cmpstr (json_object_get_string_member (event, "actor"), ==, "operator:bob");
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (event, "detail"),
                                               "participant_id"),
                   ==, b);
  g_assert_cmpstr (
      json_object_get_string_member (json_object_get_object_member (event, "detail"), "reason"), ==,
      "session ended");

  g_assert_false (rd_ledger_participant_leave (f->ledger, b, "left", -1, &error));
  g_assert_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_STATE);
  g_clear_error (&error);
  /* A party may still be verified late, and an event added, after the end. */
  g_assert_true (rd_ledger_participant_verified (f->ledger, b, "sha-256 01:02", -1, &error));
  g_assert_no_error (error);
}

static void
test_reconcile_closes_participants (RdTestInvites *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) closed = NULL;
  g_autoptr (JsonNode) shown = NULL;
  g_autofree char *kinds = NULL;
  JsonObject *session, *party, *left, *detail;
  gint64 a;

  a = join_ok (f, "peer-a", 0, RD_LEDGER_ROLE_BOARD, NULL);
  g_assert_true (rd_ledger_participant_verified (f->ledger, a, "sha-256 AA", -1, &error));
  g_assert_no_error (error);

  /* As after a crash. */
  g_clear_pointer (&f->ledger, rd_ledger_close);
  f->ledger = rd_ledger_open (f->dir, &error);
  g_assert_no_error (error);
  closed = rd_ledger_reconcile_crashed (f->ledger, "receptiond stopped unexpectedly", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (closed->len, ==, 1);

  shown = rd_test_invites_show_ok (f, f->session);
  session = json_node_get_object (shown);
  g_assert_cmpstr (json_object_get_string_member (session, "state"), ==, "interrupted");
  party = json_array_get_object_element (json_object_get_array_member (session, "participants"), 0);
  g_assert_cmpstr (json_object_get_string_member (party, "leave_reason"), ==, "interrupted");
  g_assert_cmpstr (json_object_get_string_member (party, "left_at"), ==,
                   json_object_get_string_member (session, "ended_at"));
  g_assert_cmpstr (json_object_get_string_member (party, "dtls_fingerprint"), ==, "sha-256 AA");
  kinds = rd_test_invites_event_kinds (f, f->session);
  g_assert_cmpstr (kinds, ==,
                   "session-started,party-joined,party-verified,party-left,session-interrupted");
  left = json_array_get_object_element (json_object_get_array_member (session, "events"), 3);
  g_assert_cmpstr (json_object_get_string_member (left, "actor"), ==, "receptiond");
  detail = rd_test_invites_detail_of (left);
  g_assert_cmpint (json_object_get_int_member (detail, "participant_id"), ==, a);
  g_assert_cmpstr (json_object_get_string_member (detail, "reason"), ==, "interrupted");
}

/* --- evidence: what the schema refuses, whatever the code does ----------------------------------
 */

/* Runs @sql, which must fail with a message containing @expected. */
static void
raw_exec_refused (sqlite3 *db, const char *sql, const char *expected)
{
  char *message = NULL;
  int rc = sqlite3_exec (db, sql, NULL, NULL, &message);

  g_test_message ("%s: %s", sql, message ? message : "(accepted)");
  g_assert_cmpint (rc, !=, SQLITE_OK);
  g_assert_nonnull (message);
  g_assert_nonnull (strstr (message, expected));
  sqlite3_free (message);
}

static void
test_evidence_triggers (RdTestInvites *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *other_hash = rd_test_invites_token_hash ("another");
  gint64 revoked, valid, gone, present;
  const char *expected = "the ledger is append-only";
  sqlite3 *db;

  revoked = rd_test_invites_create_ok (f, f->session, RD_LEDGER_ROLE_CITIZEN, NULL, "token-1");
  valid = rd_test_invites_create_ok (f, f->session, RD_LEDGER_ROLE_BOARD, NULL, "token-2");
  g_assert_true (rd_ledger_invite_revoke (f->ledger, f->session, revoked, "operator", &error));
  gone = join_ok (f, "peer-1", valid, RD_LEDGER_ROLE_BOARD, NULL);
  present = join_ok (f, "peer-2", 0, RD_LEDGER_ROLE_CITIZEN, "Anna");
  g_assert_true (rd_ledger_participant_verified (f->ledger, gone, "sha-256 AA", -1, &error));
  g_assert_true (rd_ledger_participant_leave (f->ledger, gone, "left", -1, &error));
  g_assert_no_error (error);

  db = rd_test_sqlite_open (f->path, FALSE);
  rd_test_sqlite_exec_ok (db, "PRAGMA foreign_keys = ON");
  {
    char *refused[] = {
      g_strdup ("DELETE FROM invites"),
      g_strdup_printf ("UPDATE invites SET token_sha256 = '%s' WHERE id = %" G_GINT64_FORMAT,
                       other_hash, valid),
      g_strdup_printf ("UPDATE invites SET revoked_at = NULL WHERE id = %" G_GINT64_FORMAT,
                       revoked), /* un-revoking */
      g_strdup_printf ("UPDATE invites SET revoked_at = '2026-01-01T00:00:00.000000Z' "
                       "WHERE id = %" G_GINT64_FORMAT,
                       revoked), /* revoking again, another time */
      g_strdup_printf ("UPDATE invites SET expires_at = '2999-01-01T00:00:00.000000Z' "
                       "WHERE id = %" G_GINT64_FORMAT,
                       valid),
      g_strdup_printf ("UPDATE invites SET role = 'citizen' WHERE id = %" G_GINT64_FORMAT, valid),
      g_strdup_printf ("UPDATE invites SET revoked_at = '2026-01-01T00:00:00.000000Z', "
                       "name = 'x' WHERE id = %" G_GINT64_FORMAT,
                       valid), /* revoking, and something else with it */
      g_strdup ("DELETE FROM participants"),
      g_strdup_printf ("UPDATE participants SET left_at = '2026-01-01T00:00:00.000000Z' "
                       "WHERE id = %" G_GINT64_FORMAT,
                       gone), /* rewriting left_at */
      g_strdup_printf ("UPDATE participants SET leave_reason = 'lost' WHERE id = %" G_GINT64_FORMAT,
                       gone),
      g_strdup_printf ("UPDATE participants SET left_at = NULL, leave_reason = NULL "
                       "WHERE id = %" G_GINT64_FORMAT,
                       gone), /* coming back */
      g_strdup_printf ("UPDATE participants SET dtls_fingerprint = 'forged' "
                       "WHERE id = %" G_GINT64_FORMAT,
                       gone),
      g_strdup_printf ("UPDATE participants SET name = 'someone else' WHERE id = %" G_GINT64_FORMAT,
                       present),
      g_strdup_printf ("UPDATE participants SET invite_id = %" G_GINT64_FORMAT
                       " WHERE id = %" G_GINT64_FORMAT,
                       valid, present),
      g_strdup_printf ("UPDATE participants SET leave_reason = 'left' WHERE id = %" G_GINT64_FORMAT,
                       present), /* a reason without left_at */
      NULL,
    };

    for (gsize i = 0; refused[i] != NULL; i++)
      {
        raw_exec_refused (db, refused[i], expected);
        g_free (refused[i]);
      }
  }

  /* The CHECK constraints: the hash's form, the time's form, the role. */
  {
    g_autofree char *insert = NULL;

    insert = g_strdup_printf ("INSERT INTO invites (session_id, role, token_sha256, created_at, "
                              "expires_at) VALUES ('%s', 'citizen', 'abc', "
                              "'2026-01-01T00:00:00.000000Z', '2999-01-01T00:00:00.000000Z')",
                              f->session);
    raw_exec_refused (db, insert, "CHECK constraint failed");
    g_free (insert);
    insert = g_strdup_printf ("INSERT INTO invites (session_id, role, token_sha256, created_at, "
                              "expires_at) VALUES ('%s', 'citizen', '%s', "
                              "'2026-01-01T00:00:00.000000Z', '2999-01-01T00:00:00Z')",
                              f->session, other_hash);
    raw_exec_refused (db, insert, "CHECK constraint failed");
    g_free (insert);
    insert = g_strdup_printf ("INSERT INTO invites (session_id, role, token_sha256, created_at, "
                              "expires_at) VALUES ('%s', 'mayor', '%s', "
                              "'2026-01-01T00:00:00.000000Z', '2999-01-01T00:00:00.000000Z')",
                              f->session, other_hash);
    raw_exec_refused (db, insert, "CHECK constraint failed");
  }

  /* Nothing changed. */
  g_assert_cmpint (rd_test_sqlite_int (db, "SELECT count(*) FROM invites"), ==, 2);
  g_assert_cmpint (
      rd_test_sqlite_int (db, "SELECT count(*) FROM invites WHERE revoked_at IS NOT NULL"), ==, 1);
  g_assert_cmpint (rd_test_sqlite_int (db, "SELECT count(*) FROM participants"), ==, 2);
  g_assert_cmpint (
      rd_test_sqlite_int (db, "SELECT count(*) FROM participants WHERE leave_reason = 'left' "
                              "AND dtls_fingerprint = 'sha-256 AA'"),
      ==, 1);
  g_assert_cmpint (rd_test_sqlite_int (db,
                                       "SELECT count(*) FROM participants WHERE left_at IS NULL "
                                       "AND name = 'Anna' AND invite_id IS NULL"),
                   ==, 1);
  sqlite3_close (db);

  /* What the triggers allow is exactly what the API does, and it still works. */
  g_assert_true (rd_ledger_invite_revoke (f->ledger, f->session, valid, "operator", &error));
  g_assert_true (rd_ledger_participant_verified (f->ledger, present, "sha-256 BB", -1, &error));
  g_assert_true (rd_ledger_participant_leave (f->ledger, present, "lost", -1, &error));
  g_assert_no_error (error);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  RD_TEST_INVITES_ADD ("/ledger/participants/flow", test_participant_flow);
  RD_TEST_INVITES_ADD ("/ledger/participants/session-end", test_session_end_closes_participants);
  RD_TEST_INVITES_ADD ("/ledger/participants/reconcile", test_reconcile_closes_participants);
  RD_TEST_INVITES_ADD ("/ledger/evidence-triggers", test_evidence_triggers);

  return g_test_run ();
}
