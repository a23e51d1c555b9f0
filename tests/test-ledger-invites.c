/* test-ledger-invites.c: invites (bearer tokens, stored as their SHA-256) and participants in the
 * ledger (schema version 2), checked through the API and, for the evidence triggers, with the
 * sqlite3 API on the file. Expiry is tested with the ledger's test clock, not by waiting. */
#include "ledger/rd-ledger.h"
#include "ledger/rd-ledger-error.h"
/* For rd_ledger_set_clock_offset_for_testing(). */
#include "ledger/rd-ledger-private.h"
#include "tests/rd-test-sqlite.h"

#include <glib/gstdio.h>
#include <string.h>

typedef struct
{
  char *dir;  /* a fresh temporary state directory */
  char *path; /* dir/ledger.sqlite */
  RdLedger *ledger;
  char *session; /* a live session */
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->dir = g_dir_make_tmp ("test-ledger-invites-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, RD_LEDGER_FILE_NAME, NULL);
  f->ledger = rd_ledger_open (f->dir, &error);
  g_assert_no_error (error);
  f->session = rd_ledger_session_start (f->ledger, "Reception", "operator:alice", &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  const char *suffixes[] = { "", "-wal", "-shm", "-journal" };

  g_clear_pointer (&f->ledger, rd_ledger_close);
  for (gsize i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *name = g_strconcat (f->path, suffixes[i], NULL);
      g_remove (name);
    }
  g_rmdir (f->dir);
  g_free (f->session);
  g_free (f->dir);
  g_free (f->path);
}

/* --- helpers -----------------------------------------------------------------------------------
 */

static char *
token_hash (const char *token)
{
  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, token, -1);
}

/* Now + @offset as ISO 8601 with a time zone, to the second (as a console would pass it). */
static char *
time_from_now (GTimeSpan offset)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr (GDateTime) then = g_date_time_add (now, offset);

  return g_date_time_format (then, "%Y-%m-%dT%H:%M:%SZ");
}

static void
assert_timestamp (const char *text)
{
  g_assert_nonnull (text);
  g_assert_true (g_regex_match_simple ("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}"
                                       "\\.[0-9]{6}Z$",
                                       text, 0, 0));
}

static gint64
create_ok (Fixture *f, const char *session, const char *role, const char *name, const char *token)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *hash = token_hash (token);
  g_autofree char *expires = time_from_now (2 * G_TIME_SPAN_HOUR);
  gint64 id = rd_ledger_invite_create (f->ledger, session, role, name, expires, hash,
                                       "operator:alice", &error);

  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);
  return id;
}

static gint64
join_ok (Fixture *f, const char *peer_id, gint64 invite_id, const char *role, const char *name)
{
  g_autoptr (GError) error = NULL;
  gint64 id = rd_ledger_participant_join (f->ledger, f->session, peer_id, invite_id, role, name,
                                          "192.0.2.7", "receptiond", &error);

  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);
  return id;
}

static JsonNode *
show_ok (Fixture *f, const char *session)
{
  g_autoptr (GError) error = NULL;
  JsonNode *shown = rd_ledger_session_show (f->ledger, session, &error);

  g_assert_no_error (error);
  g_assert_nonnull (shown);
  return shown;
}

/* The kinds of the session's events, oldest first, joined with ",". */
static char *
event_kinds (Fixture *f, const char *session)
{
  g_autoptr (JsonNode) shown = show_ok (f, session);
  JsonArray *events = json_object_get_array_member (json_node_get_object (shown), "events");
  g_autoptr (GString) kinds = g_string_new (NULL);

  for (guint i = 0; i < json_array_get_length (events); i++)
    g_string_append_printf (
        kinds, "%s%s", i > 0 ? "," : "",
        json_object_get_string_member (json_array_get_object_element (events, i), "kind"));
  return g_string_free (g_steal_pointer (&kinds), FALSE);
}

/* The session's last event, which must be of @kind. (transfer full) */
static JsonObject *
last_event (Fixture *f, const char *session, const char *kind)
{
  g_autoptr (JsonNode) shown = show_ok (f, session);
  JsonArray *events = json_object_get_array_member (json_node_get_object (shown), "events");
  JsonObject *event;

  g_assert_cmpuint (json_array_get_length (events), >, 0);
  event = json_array_get_object_element (events, json_array_get_length (events) - 1);
  g_assert_cmpstr (json_object_get_string_member (event, "kind"), ==, kind);
  return json_object_ref (event);
}

static JsonObject *
detail_of (JsonObject *event)
{
  return json_object_get_object_member (event, "detail");
}

/* An error that refuses a token never names it or its hash, and names the session. */
static void
assert_refused (GError *error, RdLedgerError code, const char *session, const char *token,
                const char *expected)
{
  g_autofree char *hash = token_hash (token);

  g_assert_error (error, RD_LEDGER_ERROR, code);
  g_test_message ("%s", error->message);
  g_assert_null (strstr (error->message, token));
  g_assert_null (strstr (error->message, hash));
  if (session != NULL)
    g_assert_nonnull (strstr (error->message, session));
  g_assert_nonnull (strstr (error->message, expected));
}

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

/* --- invites -----------------------------------------------------------------------------------
 */

static void
test_invite_round_trip (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *hash = token_hash ("secret-token-1");
  g_autofree char *expires = time_from_now (2 * G_TIME_SPAN_HOUR);
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
  assert_timestamp (invite->created_at);
  assert_timestamp (invite->expires_at);
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
  shown = show_ok (f, f->session);
  g_assert_true (
      json_node_equal (json_object_get_member (json_node_get_object (shown), "invites"), list));
  shown_text = json_to_string (shown, FALSE);
  g_assert_null (strstr (shown_text, hash));
  g_assert_null (strstr (shown_text, "secret-token-1"));

  event = last_event (f, f->session, "invite-created");
  g_assert_cmpstr (json_object_get_string_member (event, "actor"), ==, "operator:alice");
  detail = detail_of (event);
  g_assert_cmpuint (json_object_get_size (detail), ==, 4);
  g_assert_cmpint (json_object_get_int_member (detail, "invite_id"), ==, id);
  g_assert_cmpstr (json_object_get_string_member (detail, "role"), ==, "citizen");
  g_assert_cmpstr (json_object_get_string_member (detail, "name"), ==, "citizen 1");
  g_assert_cmpstr (json_object_get_string_member (detail, "expires_at"), ==, invite->expires_at);
  g_clear_pointer (&event, json_object_unref);

  /* A second invite, no name; revoking the first leaves it valid. */
  other_id = create_ok (f, f->session, RD_LEDGER_ROLE_BOARD, NULL, "secret-token-2");
  g_assert_cmpint (other_id, >, id);

  g_assert_true (rd_ledger_invite_revoke (f->ledger, f->session, id, "operator:bob", &error));
  g_assert_no_error (error);
  event = last_event (f, f->session, "invite-revoked");
  g_assert_cmpstr (json_object_get_string_member (event, "actor"), ==, "operator:bob");
  detail = detail_of (event);
  g_assert_cmpint (json_object_get_int_member (detail, "invite_id"), ==, id);
  g_assert_cmpuint (json_object_get_size (detail), ==, 1);

  g_clear_pointer (&invite, rd_ledger_invite_free);
  invite = rd_ledger_invite_check (f->ledger, f->session, hash, &error);
  g_assert_null (invite);
  assert_refused (error, RD_LEDGER_ERROR_UNAUTHORIZED, f->session, "secret-token-1", "revoked");
  g_clear_error (&error);
  {
    g_autofree char *second_hash = token_hash ("secret-token-2");

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
  assert_timestamp (json_object_get_string_member (row, "revoked_at"));
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
  kinds = event_kinds (f, f->session);
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
test_invite_citizen_unnamed (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *hash = token_hash ("token-named");
  g_autofree char *expires = time_from_now (2 * G_TIME_SPAN_HOUR);
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

  first = create_ok (f, f->session, RD_LEDGER_ROLE_CITIZEN, NULL, "token-c1");
  create_ok (f, f->session, RD_LEDGER_ROLE_BOARD, "Ban Tiếp công dân", "token-board");
  g_assert_true (rd_ledger_invite_revoke (f->ledger, f->session, first, "operator:alice", &error));
  second = create_ok (f, f->session, RD_LEDGER_ROLE_CITIZEN, NULL, "token-c2");
  other = rd_ledger_session_start (f->ledger, "other", "operator", &error);
  g_assert_no_error (error);
  create_ok (f, other, RD_LEDGER_ROLE_CITIZEN, NULL, "token-o1");

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
test_invite_unauthorized (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (RdLedgerInvite) invite = NULL;
  g_autofree char *other = rd_ledger_session_start (f->ledger, "other", "operator", &error);
  g_autofree char *ended = rd_ledger_session_start (f->ledger, "ended", "operator", &error);
  g_autofree char *unknown = token_hash ("never-issued");
  g_autofree char *other_hash = token_hash ("token-other");
  g_autofree char *expiring_hash = token_hash ("token-expiring");
  g_autofree char *revoked_hash = token_hash ("token-revoked");
  g_autofree char *ended_hash = token_hash ("token-ended");
  g_autofree char *expected = NULL;
  gint64 other_id, expiring_id, revoked_id;

  g_assert_no_error (error);
  other_id = create_ok (f, other, RD_LEDGER_ROLE_AGENCY, "Ward 3", "token-other");
  expiring_id = create_ok (f, f->session, RD_LEDGER_ROLE_CITIZEN, NULL, "token-expiring");
  revoked_id = create_ok (f, f->session, RD_LEDGER_ROLE_CITIZEN, NULL, "token-revoked");
  create_ok (f, ended, RD_LEDGER_ROLE_BOARD, NULL, "token-ended");
  g_assert_true (rd_ledger_invite_revoke (f->ledger, f->session, revoked_id, "operator", &error));
  g_assert_true (rd_ledger_session_end (f->ledger, ended, "operator", "done", &error));
  g_assert_no_error (error);

  /* Unknown token. */
  invite = rd_ledger_invite_check (f->ledger, f->session, unknown, &error);
  g_assert_null (invite);
  assert_refused (error, RD_LEDGER_ERROR_UNAUTHORIZED, f->session, "never-issued", "unknown token");
  g_clear_error (&error);

  /* A token of another session: refused here, admitted there. */
  invite = rd_ledger_invite_check (f->ledger, f->session, other_hash, &error);
  g_assert_null (invite);
  assert_refused (error, RD_LEDGER_ERROR_UNAUTHORIZED, f->session, "token-other",
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
  assert_refused (error, RD_LEDGER_ERROR_UNAUTHORIZED, f->session, "token-revoked", "revoked (at ");
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
  assert_refused (error, RD_LEDGER_ERROR_UNAUTHORIZED, f->session, "token-expiring", expected);
  g_clear_error (&error);
  rd_ledger_set_clock_offset_for_testing (f->ledger, 0);

  /* Its session has ended. */
  invite = rd_ledger_invite_check (f->ledger, ended, ended_hash, &error);
  g_assert_null (invite);
  assert_refused (error, RD_LEDGER_ERROR_UNAUTHORIZED, ended, "token-ended", "ended");
  g_clear_error (&error);

  /* A malformed hash (here: a token passed by mistake) is a caller's bug, never echoed. */
  invite = rd_ledger_invite_check (f->ledger, f->session, "token-expiring", &error);
  g_assert_null (invite);
  assert_refused (error, RD_LEDGER_ERROR_INVALID, f->session, "token-expiring", "SHA-256");
  g_clear_error (&error);
}

static void
test_invite_invalid (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (RdLedgerInvite) invite = NULL;
  g_autoptr (JsonNode) list = NULL;
  g_autofree char *hash = token_hash ("tok-s3cr3t");
  g_autofree char *upper = g_ascii_strup (hash, -1);
  g_autofree char *short_hash = g_strndup (hash, 63);
  g_autofree char *later = time_from_now (G_TIME_SPAN_HOUR);
  g_autofree char *past = time_from_now (-G_TIME_SPAN_SECOND);
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
      assert_refused (error, RD_LEDGER_ERROR_INVALID, f->session, "tok-s3cr3t",
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
  assert_refused (error, RD_LEDGER_ERROR_INVALID, f->session, "tok-s3cr3t", "same token");
  g_clear_error (&error);

  /* No such session; an ended one. */
  g_assert_cmpint (rd_ledger_invite_create (f->ledger, "20000101-abcdef", "agency", NULL, later,
                                            upper, "operator", &error),
                   ==, 0);
  g_assert_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID); /* arguments come first */
  g_clear_error (&error);
  {
    g_autofree char *fresh = token_hash ("fresh");

    g_assert_cmpint (rd_ledger_invite_create (f->ledger, "20000101-abcdef", "agency", NULL, later,
                                              fresh, "operator", &error),
                     ==, 0);
    assert_refused (error, RD_LEDGER_ERROR_NOT_FOUND, "20000101-abcdef", "fresh",
                    "no such session");
    g_clear_error (&error);
    g_assert_true (rd_ledger_session_end (f->ledger, ended, "operator", "done", &error));
    g_assert_cmpint (rd_ledger_invite_create (f->ledger, ended, "agency", NULL, later, fresh,
                                              "operator", &error),
                     ==, 0);
    assert_refused (error, RD_LEDGER_ERROR_STATE, ended, "fresh", "ended");
    g_clear_error (&error);
  }

  /* Only the one good invite was written. */
  list = rd_ledger_invite_list (f->ledger, f->session, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (list)), ==, 1);
  kinds = event_kinds (f, f->session);
  g_assert_cmpstr (kinds, ==, "session-started,invite-created");
}

/* --- participants ------------------------------------------------------------------------------
 */

static void
test_participant_flow (Fixture *f, gconstpointer data)
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
  invite_id = create_ok (f, f->session, RD_LEDGER_ROLE_CITIZEN, NULL, "token-anna");
  other_invite = create_ok (f, other, RD_LEDGER_ROLE_CITIZEN, NULL, "token-other");

  anna = join_ok (f, "peer-1", invite_id, RD_LEDGER_ROLE_CITIZEN, "Anna");
  event = last_event (f, f->session, "party-joined");
  g_assert_cmpstr (json_object_get_string_member (event, "actor"), ==, "receptiond");
  detail = detail_of (event);
  g_assert_cmpint (json_object_get_int_member (detail, "participant_id"), ==, anna);
  g_assert_cmpstr (json_object_get_string_member (detail, "peer_id"), ==, "peer-1");
  g_assert_cmpstr (json_object_get_string_member (detail, "role"), ==, "citizen");
  g_assert_cmpstr (json_object_get_string_member (detail, "name"), ==, "Anna");
  g_assert_cmpstr (json_object_get_string_member (detail, "remote_address"), ==, "192.0.2.7");
  g_assert_cmpint (json_object_get_int_member (detail, "invite_id"), ==, invite_id);
  g_clear_pointer (&event, json_object_unref);

  g_assert_true (rd_ledger_participant_verified (f->ledger, anna, "sha-256 AB:CD", &error));
  g_assert_no_error (error);
  event = last_event (f, f->session, "party-verified");
  detail = detail_of (event);
  g_assert_cmpint (json_object_get_int_member (detail, "participant_id"), ==, anna);
  g_assert_cmpstr (json_object_get_string_member (detail, "fingerprint"), ==, "sha-256 AB:CD");
  g_clear_pointer (&event, json_object_unref);
  g_assert_false (rd_ledger_participant_verified (f->ledger, anna, "sha-256 EE:FF", &error));
  g_assert_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_STATE);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, f->session));
  g_clear_error (&error);

  g_assert_true (rd_ledger_participant_leave (f->ledger, anna, "left", &error));
  g_assert_no_error (error);
  event = last_event (f, f->session, "party-left");
  g_assert_cmpstr (json_object_get_string_member (event, "actor"), ==, "receptiond");
  detail = detail_of (event);
  g_assert_cmpint (json_object_get_int_member (detail, "participant_id"), ==, anna);
  g_assert_cmpstr (json_object_get_string_member (detail, "reason"), ==, "left");
  g_clear_pointer (&event, json_object_unref);
  g_assert_false (rd_ledger_participant_leave (f->ledger, anna, "lost", &error));
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
  g_assert_false (rd_ledger_participant_verified (f->ledger, 9999, "x", &error));
  g_assert_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "9999"));
  g_clear_error (&error);
  g_assert_false (rd_ledger_participant_leave (f->ledger, 9999, "left", &error));
  g_assert_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* Events in order; the rows as session show has them. */
  kinds = event_kinds (f, f->session);
  g_assert_cmpstr (kinds, ==,
                   "session-started,invite-created,party-joined,party-verified,party-left,"
                   "party-joined");
  shown = show_ok (f, f->session);
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
  assert_timestamp (json_object_get_string_member (party, "joined_at"));
  assert_timestamp (json_object_get_string_member (party, "left_at"));
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
test_session_end_closes_participants (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) shown = NULL;
  g_autofree char *kinds = NULL;
  JsonObject *session, *first, *second, *event;
  JsonArray *events;
  gint64 a, b;

  a = join_ok (f, "peer-a", 0, RD_LEDGER_ROLE_AGENCY, "Ward 3");
  b = join_ok (f, "peer-b", 0, RD_LEDGER_ROLE_CITIZEN, "Anna");
  g_assert_true (rd_ledger_participant_leave (f->ledger, a, "lost", &error));
  g_assert_true (rd_ledger_session_end (f->ledger, f->session, "operator:bob", "finished", &error));
  g_assert_no_error (error);

  shown = show_ok (f, f->session);
  session = json_node_get_object (shown);
  first = json_array_get_object_element (json_object_get_array_member (session, "participants"), 0);
  second =
      json_array_get_object_element (json_object_get_array_member (session, "participants"), 1);
  g_assert_cmpstr (json_object_get_string_member (first, "leave_reason"), ==, "lost");
  g_assert_cmpstr (json_object_get_string_member (second, "leave_reason"), ==, "session ended");
  g_assert_cmpstr (json_object_get_string_member (second, "left_at"), ==,
                   json_object_get_string_member (session, "ended_at"));

  kinds = event_kinds (f, f->session);
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

  g_assert_false (rd_ledger_participant_leave (f->ledger, b, "left", &error));
  g_assert_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_STATE);
  g_clear_error (&error);
  /* A party may still be verified late, and an event added, after the end. */
  g_assert_true (rd_ledger_participant_verified (f->ledger, b, "sha-256 01:02", &error));
  g_assert_no_error (error);
}

static void
test_reconcile_closes_participants (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) closed = NULL;
  g_autoptr (JsonNode) shown = NULL;
  g_autofree char *kinds = NULL;
  JsonObject *session, *party, *left, *detail;
  gint64 a;

  a = join_ok (f, "peer-a", 0, RD_LEDGER_ROLE_BOARD, NULL);
  g_assert_true (rd_ledger_participant_verified (f->ledger, a, "sha-256 AA", &error));
  g_assert_no_error (error);

  /* As after a crash. */
  g_clear_pointer (&f->ledger, rd_ledger_close);
  f->ledger = rd_ledger_open (f->dir, &error);
  g_assert_no_error (error);
  closed = rd_ledger_reconcile_crashed (f->ledger, "receptiond stopped unexpectedly", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (closed->len, ==, 1);

  shown = show_ok (f, f->session);
  session = json_node_get_object (shown);
  g_assert_cmpstr (json_object_get_string_member (session, "state"), ==, "interrupted");
  party = json_array_get_object_element (json_object_get_array_member (session, "participants"), 0);
  g_assert_cmpstr (json_object_get_string_member (party, "leave_reason"), ==, "interrupted");
  g_assert_cmpstr (json_object_get_string_member (party, "left_at"), ==,
                   json_object_get_string_member (session, "ended_at"));
  g_assert_cmpstr (json_object_get_string_member (party, "dtls_fingerprint"), ==, "sha-256 AA");
  kinds = event_kinds (f, f->session);
  g_assert_cmpstr (kinds, ==,
                   "session-started,party-joined,party-verified,party-left,session-interrupted");
  left = json_array_get_object_element (json_object_get_array_member (session, "events"), 3);
  g_assert_cmpstr (json_object_get_string_member (left, "actor"), ==, "receptiond");
  detail = detail_of (left);
  g_assert_cmpint (json_object_get_int_member (detail, "participant_id"), ==, a);
  g_assert_cmpstr (json_object_get_string_member (detail, "reason"), ==, "interrupted");
}

/* --- evidence: what the schema refuses, whatever the code does ----------------------------------
 */

static void
test_evidence_triggers (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *other_hash = token_hash ("another");
  gint64 revoked, valid, gone, present;
  const char *expected = "the ledger is append-only";
  sqlite3 *db;

  revoked = create_ok (f, f->session, RD_LEDGER_ROLE_CITIZEN, NULL, "token-1");
  valid = create_ok (f, f->session, RD_LEDGER_ROLE_BOARD, NULL, "token-2");
  g_assert_true (rd_ledger_invite_revoke (f->ledger, f->session, revoked, "operator", &error));
  gone = join_ok (f, "peer-1", valid, RD_LEDGER_ROLE_BOARD, NULL);
  present = join_ok (f, "peer-2", 0, RD_LEDGER_ROLE_CITIZEN, "Anna");
  g_assert_true (rd_ledger_participant_verified (f->ledger, gone, "sha-256 AA", &error));
  g_assert_true (rd_ledger_participant_leave (f->ledger, gone, "left", &error));
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
  g_assert_true (rd_ledger_participant_verified (f->ledger, present, "sha-256 BB", &error));
  g_assert_true (rd_ledger_participant_leave (f->ledger, present, "lost", &error));
  g_assert_no_error (error);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/ledger/invites/round-trip", test_invite_round_trip);
  ADD ("/ledger/invites/citizen-unnamed", test_invite_citizen_unnamed);
  ADD ("/ledger/invites/unauthorized", test_invite_unauthorized);
  ADD ("/ledger/invites/invalid", test_invite_invalid);
  ADD ("/ledger/participants/flow", test_participant_flow);
  ADD ("/ledger/participants/session-end", test_session_end_closes_participants);
  ADD ("/ledger/participants/reconcile", test_reconcile_closes_participants);
  ADD ("/ledger/evidence-triggers", test_evidence_triggers);
#undef ADD

  return g_test_run ();
}
