/* test-ledger-invites.c: invites (bearer tokens, stored as their SHA-256) in the ledger (schema
 * version 2), checked through the API and, for what a refusal must not write, with the sqlite3
 * API on the file. Expiry is tested with the ledger's test clock, not by waiting. */
#include "tests/rd-test-invites.h"
/* For rd_ledger_set_clock_offset_for_testing(). */
#include "ledger/rd-ledger-private.h"
#include "tests/rd-test-sqlite.h"

#include <string.h>

static void
test_invite_round_trip (RdTestInvites *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *hash = rd_test_invites_token_hash ("secret-token-1");
  g_autofree char *expires = rd_test_invites_time_from_now (2 * G_TIME_SPAN_HOUR);
  g_autoptr (RdLedgerInvite) invite = NULL;
  g_autoptr (RdLedgerInvite) second = NULL;
  g_autoptr (JsonNode) list = NULL;
  g_autoptr (JsonNode) shown = NULL;
  g_autoptr (JsonObject) event = NULL;
  g_autofree char *shown_text = NULL;
  g_autofree char *kinds = NULL;
  g_autofree char *expected_expiry = NULL;
  JsonObject *row, *detail;
  gint64 id, other_id;
  sqlite3 *db;

  id = rd_ledger_invite_create (f->ledger, f->session, RD_LEDGER_ROLE_CITIZEN, NULL, expires, hash,
                                "operator:alice", &error);
  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);

  invite = rd_ledger_invite_check (f->ledger, f->session, hash, &error);
  g_assert_no_error (error);
  g_assert_nonnull (invite);
  g_assert_cmpint (invite->id, ==, id);
  g_assert_cmpstr (invite->session_id, ==, f->session);
  g_assert_cmpstr (invite->role, ==, "citizen");
  g_assert_cmpstr (invite->name, ==, "citizen 1");
  rd_test_invites_assert_timestamp (invite->created_at);
  rd_test_invites_assert_timestamp (invite->expires_at);
  g_assert_null (invite->revoked_at);
  /* Stored as the ledger stores times: the same instant, with microseconds. */
  expected_expiry = g_strdup_printf ("%.19s.000000Z", expires);
  g_assert_cmpstr (invite->expires_at, ==, expected_expiry);

  /* The list and session show: no hash. */
  list = rd_ledger_invite_list (f->ledger, f->session, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (list)), ==, 1);
  row = json_array_get_object_element (json_node_get_array (list), 0);
  g_assert_cmpuint (json_object_get_size (row), ==, 6);
  g_assert_cmpint (json_object_get_int_member (row, "id"), ==, id);
  g_assert_cmpstr (json_object_get_string_member (row, "role"), ==, "citizen");
  g_assert_cmpstr (json_object_get_string_member (row, "name"), ==, "citizen 1");
  g_assert_cmpstr (json_object_get_string_member (row, "created_at"), ==, invite->created_at);
  g_assert_cmpstr (json_object_get_string_member (row, "expires_at"), ==, invite->expires_at);
  g_assert_true (json_object_get_null_member (row, "revoked_at"));
  shown = rd_test_invites_show_ok (f, f->session);
  g_assert_true (
      json_node_equal (json_object_get_member (json_node_get_object (shown), "invites"), list));
  shown_text = json_to_string (shown, FALSE);
  g_assert_null (strstr (shown_text, hash));
  g_assert_null (strstr (shown_text, "secret-token-1"));

  event = rd_test_invites_last_event (f, f->session, "invite-created");
  g_assert_cmpstr (json_object_get_string_member (event, "actor"), ==, "operator:alice");
  detail = rd_test_invites_detail_of (event);
  g_assert_cmpuint (json_object_get_size (detail), ==, 4);
  g_assert_cmpint (json_object_get_int_member (detail, "invite_id"), ==, id);
  g_assert_cmpstr (json_object_get_string_member (detail, "role"), ==, "citizen");
  g_assert_cmpstr (json_object_get_string_member (detail, "name"), ==, "citizen 1");
  g_assert_cmpstr (json_object_get_string_member (detail, "expires_at"), ==, invite->expires_at);
  g_clear_pointer (&event, json_object_unref);

  /* A second invite, no name; revoking the first leaves it valid. */
  other_id =
      rd_test_invites_create_ok (f, f->session, RD_LEDGER_ROLE_BOARD, NULL, "secret-token-2");
  g_assert_cmpint (other_id, >, id);

  g_assert_true (rd_ledger_invite_revoke (f->ledger, f->session, id, "operator:bob", &error));
  g_assert_no_error (error);
  event = rd_test_invites_last_event (f, f->session, "invite-revoked");
  g_assert_cmpstr (json_object_get_string_member (event, "actor"), ==, "operator:bob");
  detail = rd_test_invites_detail_of (event);
  g_assert_cmpint (json_object_get_int_member (detail, "invite_id"), ==, id);
  g_assert_cmpuint (json_object_get_size (detail), ==, 1);

  g_clear_pointer (&invite, rd_ledger_invite_free);
  invite = rd_ledger_invite_check (f->ledger, f->session, hash, &error);
  g_assert_null (invite);
  rd_test_invites_assert_refused (error, RD_LEDGER_ERROR_UNAUTHORIZED, f->session, "secret-token-1",
                                  "revoked");
  g_clear_error (&error);
  {
    g_autofree char *second_hash = rd_test_invites_token_hash ("secret-token-2");

    second = rd_ledger_invite_check (f->ledger, f->session, second_hash, &error);
    g_assert_no_error (error);
    g_assert_cmpint (second->id, ==, other_id);
    g_assert_cmpstr (second->role, ==, "board");
    g_assert_null (second->name);
  }

  g_clear_pointer (&list, json_node_unref);
  list = rd_ledger_invite_list (f->ledger, f->session, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (list)), ==, 2);
  row = json_array_get_object_element (json_node_get_array (list), 0);
  rd_test_invites_assert_timestamp (json_object_get_string_member (row, "revoked_at"));
  g_assert_true (json_object_get_null_member (
      json_array_get_object_element (json_node_get_array (list), 1), "name"));

  /* Revoking twice, an unknown invite, or one of another session. */
  g_assert_false (rd_ledger_invite_revoke (f->ledger, f->session, id, "operator:bob", &error));
  g_assert_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_STATE);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, f->session));
  g_assert_nonnull (strstr (error->message, "already revoked"));
  g_clear_error (&error);
  g_assert_false (rd_ledger_invite_revoke (f->ledger, f->session, 9999, "operator", &error));
  g_assert_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_NOT_FOUND);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "9999"));
  g_clear_error (&error);
  {
    g_autofree char *other = rd_ledger_session_start (f->ledger, NULL, "operator", &error);

    g_assert_no_error (error);
    g_assert_false (rd_ledger_invite_revoke (f->ledger, other, other_id, "operator", &error));
    g_assert_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_NOT_FOUND);
    g_test_message ("%s", error->message);
    g_assert_nonnull (strstr (error->message, other));
    g_clear_error (&error);
  }
  g_assert_null (rd_ledger_invite_list (f->ledger, "20000101-abcdef", &error));
  g_assert_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* The refusals wrote nothing; no event mentions a hash. */
  kinds = rd_test_invites_event_kinds (f, f->session);
  g_assert_cmpstr (kinds, ==, "session-started,invite-created,invite-created,invite-revoked");
  db = rd_test_sqlite_open (f->path, FALSE);
  g_assert_cmpint (rd_test_sqlite_int (db, "SELECT count(*) FROM events WHERE detail LIKE '%' || "
                                           "(SELECT token_sha256 FROM invites LIMIT 1) || '%'"),
                   ==, 0);
  g_assert_cmpint (
      rd_test_sqlite_int (db, "SELECT count(*) FROM invites WHERE revoked_at IS NOT NULL"), ==, 1);
  sqlite3_close (db);
}

/* A citizen's invite is "citizen N", numbered in its session (revoked ones counted); a name
 * given for a citizen is refused and nothing of it is written, anywhere; other roles keep
 * theirs. */
static void
test_invite_citizen_unnamed (RdTestInvites *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *hash = rd_test_invites_token_hash ("token-named");
  g_autofree char *expires = rd_test_invites_time_from_now (2 * G_TIME_SPAN_HOUR);
  g_autofree char *other = NULL;
  g_autoptr (JsonNode) list = NULL;
  g_autoptr (JsonNode) other_list = NULL;
  sqlite3 *db;
  JsonArray *rows;
  gint64 first, second;

  g_assert_cmpint (rd_ledger_invite_create (f->ledger, f->session, RD_LEDGER_ROLE_CITIZEN,
                                            "Nguyễn Văn An", expires, hash, "operator:alice",
                                            &error),
                   ==, 0);
  g_assert_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "a citizen's invite takes no name"));
  g_assert_nonnull (strstr (error->message, "reception book"));
  g_assert_null (strstr (error->message, "Nguyễn Văn An"));
  g_clear_error (&error);

  first = rd_test_invites_create_ok (f, f->session, RD_LEDGER_ROLE_CITIZEN, NULL, "token-c1");
  rd_test_invites_create_ok (f, f->session, RD_LEDGER_ROLE_BOARD, "Ban Tiếp công dân",
                             "token-board");
  g_assert_true (rd_ledger_invite_revoke (f->ledger, f->session, first, "operator:alice", &error));
  second = rd_test_invites_create_ok (f, f->session, RD_LEDGER_ROLE_CITIZEN, NULL, "token-c2");
  other = rd_ledger_session_start (f->ledger, "other", "operator", &error);
  g_assert_no_error (error);
  rd_test_invites_create_ok (f, other, RD_LEDGER_ROLE_CITIZEN, NULL, "token-o1");

  list = rd_ledger_invite_list (f->ledger, f->session, &error);
  g_assert_no_error (error);
  rows = json_node_get_array (list);
  g_assert_cmpuint (json_array_get_length (rows), ==, 3);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (rows, 0), "name"),
                   ==, "citizen 1");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (rows, 1), "name"),
                   ==, "Ban Tiếp công dân");
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (rows, 2), "id"), ==,
                   second);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (rows, 2), "name"),
                   ==, "citizen 2");
  other_list = rd_ledger_invite_list (f->ledger, other, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (
                       json_array_get_object_element (json_node_get_array (other_list), 0), "name"),
                   ==, "citizen 1");

  /* The refused name is nowhere in the file: rows, events, chain. */
  db = rd_test_sqlite_open (f->path, FALSE);
  g_assert_cmpint (rd_test_sqlite_int (db, "SELECT count(*) FROM chain WHERE content LIKE "
                                           "'%Nguyễn%'"),
                   ==, 0);
  g_assert_cmpint (rd_test_sqlite_int (db, "SELECT count(*) FROM events WHERE detail LIKE "
                                           "'%Nguyễn%'"),
                   ==, 0);
  g_assert_cmpint (rd_test_sqlite_int (db, "SELECT count(*) FROM invites WHERE name LIKE "
                                           "'%Nguyễn%'"),
                   ==, 0);
  g_assert_cmpint (rd_test_sqlite_int (db, "SELECT count(*) FROM chain WHERE content LIKE "
                                           "'%citizen 2%'"),
                   >, 0);
  sqlite3_close (db);
}

static void
test_invite_unauthorized (RdTestInvites *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (RdLedgerInvite) invite = NULL;
  g_autofree char *other = rd_ledger_session_start (f->ledger, "other", "operator", &error);
  g_autofree char *ended = rd_ledger_session_start (f->ledger, "ended", "operator", &error);
  g_autofree char *unknown = rd_test_invites_token_hash ("never-issued");
  g_autofree char *other_hash = rd_test_invites_token_hash ("token-other");
  g_autofree char *expiring_hash = rd_test_invites_token_hash ("token-expiring");
  g_autofree char *revoked_hash = rd_test_invites_token_hash ("token-revoked");
  g_autofree char *ended_hash = rd_test_invites_token_hash ("token-ended");
  g_autofree char *expected = NULL;
  gint64 other_id, expiring_id, revoked_id;

  g_assert_no_error (error);
  other_id = rd_test_invites_create_ok (f, other, RD_LEDGER_ROLE_AGENCY, "Ward 3", "token-other");
  expiring_id =
      rd_test_invites_create_ok (f, f->session, RD_LEDGER_ROLE_CITIZEN, NULL, "token-expiring");
  revoked_id =
      rd_test_invites_create_ok (f, f->session, RD_LEDGER_ROLE_CITIZEN, NULL, "token-revoked");
  rd_test_invites_create_ok (f, ended, RD_LEDGER_ROLE_BOARD, NULL, "token-ended");
  g_assert_true (rd_ledger_invite_revoke (f->ledger, f->session, revoked_id, "operator", &error));
  g_assert_true (rd_ledger_session_end (f->ledger, ended, "operator", "done", &error));
  g_assert_no_error (error);

  /* Unknown token. */
  invite = rd_ledger_invite_check (f->ledger, f->session, unknown, &error);
  g_assert_null (invite);
  rd_test_invites_assert_refused (error, RD_LEDGER_ERROR_UNAUTHORIZED, f->session, "never-issued",
                                  "unknown token");
  g_clear_error (&error);

  /* A token of another session: refused here, admitted there. */
  invite = rd_ledger_invite_check (f->ledger, f->session, other_hash, &error);
  g_assert_null (invite);
  rd_test_invites_assert_refused (error, RD_LEDGER_ERROR_UNAUTHORIZED, f->session, "token-other",
                                  "another session");
  g_assert_null (strstr (error->message, other)); /* which one is not this caller's business */
  g_clear_error (&error);
  invite = rd_ledger_invite_check (f->ledger, other, other_hash, &error);
  g_assert_no_error (error);
  g_assert_cmpint (invite->id, ==, other_id);
  g_clear_pointer (&invite, rd_ledger_invite_free);

  /* Revoked. */
  invite = rd_ledger_invite_check (f->ledger, f->session, revoked_hash, &error);
  g_assert_null (invite);
  rd_test_invites_assert_refused (error, RD_LEDGER_ERROR_UNAUTHORIZED, f->session, "token-revoked",
                                  "revoked (at ");
  g_clear_error (&error);

  /* Expired: the ledger's clock moves on instead of the test waiting. Just before expiry it still
   * admits; at and after expiry (2 h) it does not. */
  rd_ledger_set_clock_offset_for_testing (f->ledger, 2 * G_TIME_SPAN_HOUR - G_TIME_SPAN_MINUTE);
  invite = rd_ledger_invite_check (f->ledger, f->session, expiring_hash, &error);
  g_assert_no_error (error);
  g_assert_cmpint (invite->id, ==, expiring_id);
  expected = g_strdup_printf ("expired (at %s)", invite->expires_at);
  g_clear_pointer (&invite, rd_ledger_invite_free);
  rd_ledger_set_clock_offset_for_testing (f->ledger, 2 * G_TIME_SPAN_HOUR + G_TIME_SPAN_SECOND);
  invite = rd_ledger_invite_check (f->ledger, f->session, expiring_hash, &error);
  g_assert_null (invite);
  rd_test_invites_assert_refused (error, RD_LEDGER_ERROR_UNAUTHORIZED, f->session, "token-expiring",
                                  expected);
  g_clear_error (&error);
  rd_ledger_set_clock_offset_for_testing (f->ledger, 0);

  /* Its session has ended. */
  invite = rd_ledger_invite_check (f->ledger, ended, ended_hash, &error);
  g_assert_null (invite);
  rd_test_invites_assert_refused (error, RD_LEDGER_ERROR_UNAUTHORIZED, ended, "token-ended",
                                  "ended");
  g_clear_error (&error);

  /* A malformed hash (here: a token passed by mistake) is a caller's bug, never echoed. */
  invite = rd_ledger_invite_check (f->ledger, f->session, "token-expiring", &error);
  g_assert_null (invite);
  rd_test_invites_assert_refused (error, RD_LEDGER_ERROR_INVALID, f->session, "token-expiring",
                                  "SHA-256");
  g_clear_error (&error);
}

static void
test_invite_invalid (RdTestInvites *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (RdLedgerInvite) invite = NULL;
  g_autoptr (JsonNode) list = NULL;
  g_autofree char *hash = rd_test_invites_token_hash ("tok-s3cr3t");
  g_autofree char *upper = g_ascii_strup (hash, -1);
  g_autofree char *short_hash = g_strndup (hash, 63);
  g_autofree char *later = rd_test_invites_time_from_now (G_TIME_SPAN_HOUR);
  g_autofree char *past = rd_test_invites_time_from_now (-G_TIME_SPAN_SECOND);
  g_autofree char *kinds = NULL;
  g_autofree char *ended = rd_ledger_session_start (f->ledger, NULL, "operator", &error);
  const struct
  {
    const char *role;
    const char *expires;
    const char *hash;
    const char *expected;
  } invalid[] = {
    { "mayor", later, hash, "role \"mayor\"" },
    { NULL, later, hash, "no role" },
    { "Citizen", later, hash, "role \"Citizen\"" },
    { "citizen", past, hash, "is not later than now" },
    { "citizen", "2999-01-01T00:00:00", hash, "time zone" }, /* no zone: not UTC for sure */
    { "citizen", "in two hours", hash, "time zone" },
    { "citizen", NULL, hash, "expiry" },
    { "citizen", later, upper, "SHA-256" },
    { "citizen", later, short_hash, "SHA-256" },
    { "citizen", later, "tok-s3cr3t", "SHA-256" },
    { "citizen", later, NULL, "SHA-256" },
  };

  g_assert_no_error (error);
  for (gsize i = 0; i < G_N_ELEMENTS (invalid); i++)
    {
      gint64 id = rd_ledger_invite_create (f->ledger, f->session, invalid[i].role, "x",
                                           invalid[i].expires, invalid[i].hash, "operator", &error);

      g_assert_cmpint (id, ==, 0);
      rd_test_invites_assert_refused (error, RD_LEDGER_ERROR_INVALID, f->session, "tok-s3cr3t",
                                      invalid[i].expected);
      g_clear_error (&error);
    }

  /* Another zone is converted to UTC; the same hash twice is refused. */
  g_assert_cmpint (rd_ledger_invite_create (f->ledger, f->session, "agency", NULL,
                                            "2999-06-01T12:00:00+07:00", hash, "operator", &error),
                   >, 0);
  g_assert_no_error (error);
  invite = rd_ledger_invite_check (f->ledger, f->session, hash, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (invite->expires_at, ==, "2999-06-01T05:00:00.000000Z");
  g_assert_cmpint (rd_ledger_invite_create (f->ledger, f->session, "agency", NULL, later, hash,
                                            "operator", &error),
                   ==, 0);
  rd_test_invites_assert_refused (error, RD_LEDGER_ERROR_INVALID, f->session, "tok-s3cr3t",
                                  "same token");
  g_clear_error (&error);

  /* No such session; an ended one. */
  g_assert_cmpint (rd_ledger_invite_create (f->ledger, "20000101-abcdef", "agency", NULL, later,
                                            upper, "operator", &error),
                   ==, 0);
  g_assert_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID); /* arguments come first */
  g_clear_error (&error);
  {
    g_autofree char *fresh = rd_test_invites_token_hash ("fresh");

    g_assert_cmpint (rd_ledger_invite_create (f->ledger, "20000101-abcdef", "agency", NULL, later,
                                              fresh, "operator", &error),
                     ==, 0);
    rd_test_invites_assert_refused (error, RD_LEDGER_ERROR_NOT_FOUND, "20000101-abcdef", "fresh",
                                    "no such session");
    g_clear_error (&error);
    g_assert_true (rd_ledger_session_end (f->ledger, ended, "operator", "done", &error));
    g_assert_cmpint (rd_ledger_invite_create (f->ledger, ended, "agency", NULL, later, fresh,
                                              "operator", &error),
                     ==, 0);
    rd_test_invites_assert_refused (error, RD_LEDGER_ERROR_STATE, ended, "fresh", "ended");
    g_clear_error (&error);
  }

  /* Only the one good invite was written. */
  list = rd_ledger_invite_list (f->ledger, f->session, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (list)), ==, 1);
  kinds = rd_test_invites_event_kinds (f, f->session);
  g_assert_cmpstr (kinds, ==, "session-started,invite-created");
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  RD_TEST_INVITES_ADD ("/ledger/invites/round-trip", test_invite_round_trip);
  RD_TEST_INVITES_ADD ("/ledger/invites/citizen-unnamed", test_invite_citizen_unnamed);
  RD_TEST_INVITES_ADD ("/ledger/invites/unauthorized", test_invite_unauthorized);
  RD_TEST_INVITES_ADD ("/ledger/invites/invalid", test_invite_invalid);

  return g_test_run ();
}
