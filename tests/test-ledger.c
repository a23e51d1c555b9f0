/* test-ledger.c: the session ledger's sessions and events, checked the way a user would: through
 * its API, and by looking at the file with the sqlite3 API (inspection only; receptiond code above
 * ledger/ never includes sqlite3.h); and its append-only triggers. Opening and migrating the file
 * are in test-ledger-open.c. */
#include "ledger/rd-ledger.h"
#include "ledger/rd-ledger-error.h"
/* rd-test-sqlite.h registers the chain's SQL function from the ledger's private hooks. */
#include "ledger/rd-ledger-private.h"
#include "tests/rd-test-ledger.h"
#include "tests/rd-test-sqlite.h"

#include <string.h>

static void
assert_timestamp (const char *text)
{
  g_assert_nonnull (text);
  g_assert_true (g_regex_match_simple ("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}"
                                       "\\.[0-9]{6}Z$",
                                       text, 0, 0));
}

static gboolean
ids_contain (GPtrArray *ids, const char *id)
{
  return g_ptr_array_find_with_equal_func (ids, id, g_str_equal, NULL);
}

/* --- sessions and events -----------------------------------------------------------------------
 */

static JsonObject *
event_at (JsonObject *session, guint index)
{
  JsonArray *events = json_object_get_array_member (session, "events");

  g_assert_cmpuint (json_array_get_length (events), >, index);
  return json_array_get_object_element (events, index);
}

static void
test_session_round_trip (RdTestLedger *f, gconstpointer data)
{
  g_autoptr (RdLedger) ledger = rd_test_ledger_open_ok (f->dir);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) detail = json_from_string ("{\"text\": \"hello\", \"n\": 3}", NULL);
  g_autoptr (JsonNode) list = NULL;
  g_autoptr (JsonNode) shown = NULL;
  g_autoptr (GPtrArray) live = NULL;
  g_autofree char *id = NULL;
  g_autofree char *date = NULL;
  JsonObject *summary, *session, *event;
  const char *created_at;
  gint64 note_id, daemon_event;
  gboolean ok;

  id = rd_ledger_session_start (ledger, "Visit of Ms. Ivanova", "operator:alice", &error);
  g_assert_no_error (error);
  g_assert_true (g_regex_match_simple ("^[0-9]{8}-[0-9a-f]{6}$", id, 0, 0));

  live = rd_ledger_live_sessions (ledger, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (live->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (live, 0), ==, id);
  g_clear_pointer (&live, g_ptr_array_unref);

  note_id = rd_ledger_add_event (ledger, id, "operator:alice", "note", detail, &error);
  g_assert_no_error (error);
  g_assert_cmpint (note_id, >, 0);
  daemon_event = rd_ledger_add_event (ledger, NULL, "receptiond", "config-reloaded", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (daemon_event, >, note_id);

  ok = rd_ledger_session_end (ledger, id, "operator:bob", "finished", &error);
  g_assert_no_error (error);
  g_assert_true (ok);

  live = rd_ledger_live_sessions (ledger, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (live->len, ==, 0);

  list = rd_ledger_session_list (ledger, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (list));
  g_assert_cmpuint (json_array_get_length (json_node_get_array (list)), ==, 1);
  summary = json_array_get_object_element (json_node_get_array (list), 0);
  g_assert_cmpstr (json_object_get_string_member (summary, "id"), ==, id);
  g_assert_cmpstr (json_object_get_string_member (summary, "title"), ==, "Visit of Ms. Ivanova");
  g_assert_cmpstr (json_object_get_string_member (summary, "state"), ==, "ended");
  g_assert_cmpstr (json_object_get_string_member (summary, "end_reason"), ==, "finished");
  g_assert_cmpint (json_object_get_int_member (summary, "participants"), ==, 0);
  assert_timestamp (json_object_get_string_member (summary, "created_at"));
  assert_timestamp (json_object_get_string_member (summary, "started_at"));
  assert_timestamp (json_object_get_string_member (summary, "ended_at"));
  g_assert_cmpstr (json_object_get_string_member (summary, "ended_at"), >=,
                   json_object_get_string_member (summary, "started_at"));
  /* The id carries the UTC date the session was created. */
  created_at = json_object_get_string_member (summary, "created_at");
  date = g_strdup_printf ("%.4s%.2s%.2s-", created_at, created_at + 5, created_at + 8);
  g_assert_true (g_str_has_prefix (id, date));

  shown = rd_ledger_session_show (ledger, id, &error);
  g_assert_no_error (error);
  session = json_node_get_object (shown);
  g_assert_cmpstr (json_object_get_string_member (session, "state"), ==, "ended");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (session, "participants")),
                    ==, 0);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (session, "recordings")),
                    ==, 0);
  /* Three events of this session, oldest first; the daemon-wide one is not among them. */
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (session, "events")), ==,
                    3);
  event = event_at (session, 0);
  g_assert_cmpstr (json_object_get_string_member (event, "kind"), ==, "session-started");
  g_assert_cmpstr (json_object_get_string_member (event, "actor"), ==, "operator:alice");
  g_assert_cmpstr (
      json_object_get_string_member (json_object_get_object_member (event, "detail"), "title"), ==,
      "Visit of Ms. Ivanova");
  assert_timestamp (json_object_get_string_member (event, "at"));
  event = event_at (session, 1);
  g_assert_cmpstr (json_object_get_string_member (event, "kind"), ==, "note");
  g_assert_cmpint (json_object_get_int_member (event, "id"), ==, note_id);
  g_assert_true (json_node_equal (json_object_get_member (event, "detail"), detail));
  event = event_at (session, 2);
  g_assert_cmpstr (json_object_get_string_member (event, "kind"), ==, "session-ended");
  g_assert_cmpstr (json_object_get_string_member (event, "actor"), ==, "operator:bob");
  g_assert_cmpint (json_object_get_int_member (event, "id"), >, daemon_event);
  g_assert_cmpstr (
      json_object_get_string_member (json_object_get_object_member (event, "detail"), "reason"), ==,
      "finished");
}

static void
test_session_list_order (RdTestLedger *f, gconstpointer data)
{
  g_autoptr (RdLedger) ledger = rd_test_ledger_open_ok (f->dir);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) list = NULL;
  g_autoptr (GPtrArray) live = NULL;
  g_autofree char *first = rd_ledger_session_start (ledger, "first", "operator", &error);
  g_autofree char *second = rd_ledger_session_start (ledger, NULL, "operator", &error);
  JsonArray *array;
  JsonObject *newest;

  g_assert_no_error (error);
  g_assert_cmpstr (first, !=, second);

  list = rd_ledger_session_list (ledger, &error);
  g_assert_no_error (error);
  array = json_node_get_array (list);
  g_assert_cmpuint (json_array_get_length (array), ==, 2);
  newest = json_array_get_object_element (array, 0);
  g_assert_cmpstr (json_object_get_string_member (newest, "id"), ==, second);
  g_assert_true (json_object_get_null_member (newest, "title"));
  g_assert_true (json_object_get_null_member (newest, "ended_at"));
  g_assert_true (json_object_get_null_member (newest, "end_reason"));
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (array, 1), "id"),
                   ==, first);

  live = rd_ledger_live_sessions (ledger, &error); /* oldest first */
  g_assert_no_error (error);
  g_assert_cmpuint (live->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (live, 0), ==, first);
  g_assert_cmpstr (g_ptr_array_index (live, 1), ==, second);
}

static void
test_session_errors (RdTestLedger *f, gconstpointer data)
{
  g_autoptr (RdLedger) ledger = rd_test_ledger_open_ok (f->dir);
  g_autoptr (GError) error = NULL;
  g_autofree char *id = rd_ledger_session_start (ledger, NULL, "operator", &error);
  g_autofree char *other = NULL;
  g_autoptr (JsonNode) shown = NULL;
  gboolean ok;
  gint64 event_id;

  g_assert_no_error (error);

  ok = rd_ledger_session_end (ledger, "20000101-abcdef", "operator", "done", &error);
  g_assert_false (ok);
  g_assert_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_NOT_FOUND);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "20000101-abcdef"));
  g_clear_error (&error);

  ok = rd_ledger_session_end (ledger, id, "operator", "done", &error);
  g_assert_no_error (error);
  g_assert_true (ok);
  ok = rd_ledger_session_end (ledger, id, "operator", "again", &error);
  g_assert_false (ok);
  g_assert_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_STATE);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, id));
  g_assert_nonnull (strstr (error->message, "ended"));
  g_clear_error (&error);

  shown = rd_ledger_session_show (ledger, "20000101-abcdef", &error);
  g_assert_null (shown);
  g_assert_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_NOT_FOUND);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "20000101-abcdef"));
  g_clear_error (&error);

  event_id = rd_ledger_add_event (ledger, "20000101-abcdef", "operator", "note", NULL, &error);
  g_assert_cmpint (event_id, ==, 0);
  g_assert_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_NOT_FOUND);
  g_test_message ("%s", error->message);
  g_clear_error (&error);

  /* The failed calls left no transaction open: the ledger still writes, and the refused end
   * recorded nothing. */
  other = rd_ledger_session_start (ledger, NULL, "operator", &error);
  g_assert_no_error (error);
  g_assert_nonnull (other);
  shown = rd_ledger_session_show (ledger, id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (shown), "end_reason"), ==,
                   "done");
  g_assert_cmpuint (
      json_array_get_length (json_object_get_array_member (json_node_get_object (shown), "events")),
      ==, 2);
}

/* Two sessions whose first random id is the same: the second must get another one. */
static void
test_session_id_collision (RdTestLedger *f, gconstpointer data)
{
  g_autoptr (RdLedger) ledger = rd_test_ledger_open_ok (f->dir);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) live = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autofree char *expected_suffix = NULL;

  g_random_set_seed (7);
  expected_suffix = g_strdup_printf ("-%06x", (guint)g_random_int_range (0, 0x1000000));
  g_random_set_seed (7);
  first = rd_ledger_session_start (ledger, NULL, "operator", &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_suffix (first, expected_suffix));
  g_random_set_seed (7);
  second = rd_ledger_session_start (ledger, NULL, "operator", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (first, !=, second);

  live = rd_ledger_live_sessions (ledger, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (live->len, ==, 2);
  g_assert_true (ids_contain (live, first));
  g_assert_true (ids_contain (live, second));
}

static void
test_reconcile_crashed (RdTestLedger *f, gconstpointer data)
{
  g_autoptr (RdLedger) ledger = rd_test_ledger_open_ok (f->dir);
  g_autoptr (GError) error = NULL;
  g_autofree char *a = rd_ledger_session_start (ledger, "a", "operator", &error);
  g_autofree char *b = rd_ledger_session_start (ledger, "b", "operator", &error);
  g_autofree char *c = rd_ledger_session_start (ledger, "c", "operator", &error);
  g_autofree char *b_ended_at = NULL;
  g_autoptr (GPtrArray) closed = NULL;
  g_autoptr (GPtrArray) again = NULL;
  g_autoptr (GPtrArray) live = NULL;
  g_autoptr (JsonNode) shown_a = NULL;
  g_autoptr (JsonNode) shown_b = NULL;
  g_autoptr (JsonNode) shown_b_after = NULL;
  JsonObject *session, *event;

  g_assert_no_error (error);
  g_assert_true (rd_ledger_session_end (ledger, b, "operator", "done", &error));
  g_assert_no_error (error);
  shown_b = rd_ledger_session_show (ledger, b, &error);
  g_assert_no_error (error);

  /* As after a crash: a new connection finds a and c still live. */
  g_clear_pointer (&ledger, rd_ledger_close);
  ledger = rd_test_ledger_open_ok (f->dir);
  closed = rd_ledger_reconcile_crashed (ledger, "receptiond stopped unexpectedly", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (closed->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (closed, 0), ==, a);
  g_assert_cmpstr (g_ptr_array_index (closed, 1), ==, c);

  shown_a = rd_ledger_session_show (ledger, a, &error);
  g_assert_no_error (error);
  session = json_node_get_object (shown_a);
  g_assert_cmpstr (json_object_get_string_member (session, "state"), ==, "interrupted");
  g_assert_cmpstr (json_object_get_string_member (session, "end_reason"), ==,
                   "receptiond stopped unexpectedly");
  assert_timestamp (json_object_get_string_member (session, "ended_at"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (session, "events")), ==,
                    2);
  event = event_at (session, 1);
  g_assert_cmpstr (json_object_get_string_member (event, "kind"), ==, "session-interrupted");
  g_assert_cmpstr (json_object_get_string_member (event, "actor"), ==, "receptiond");
  g_assert_cmpstr (
      json_object_get_string_member (json_object_get_object_member (event, "detail"), "reason"), ==,
      "receptiond stopped unexpectedly");

  /* The ended session is exactly as it was. */
  shown_b_after = rd_ledger_session_show (ledger, b, &error);
  g_assert_no_error (error);
  g_assert_true (json_node_equal (shown_b, shown_b_after));
  b_ended_at =
      g_strdup (json_object_get_string_member (json_node_get_object (shown_b_after), "end_reason"));
  g_assert_cmpstr (b_ended_at, ==, "done");

  live = rd_ledger_live_sessions (ledger, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (live->len, ==, 0);
  again = rd_ledger_reconcile_crashed (ledger, "again", &error);
  g_assert_no_error (error);
  g_assert_nonnull (again);
  g_assert_cmpuint (again->len, ==, 0);
}

/* Participants and recordings are written by later API; here they come from sqlite3 directly. */
static void
test_show_participants_recordings (RdTestLedger *f, gconstpointer data)
{
  g_autoptr (RdLedger) ledger = rd_test_ledger_open_ok (f->dir);
  g_autoptr (GError) error = NULL;
  g_autofree char *id = rd_ledger_session_start (ledger, NULL, "operator", &error);
  g_autofree char *insert = NULL;
  g_autoptr (JsonNode) list = NULL;
  g_autoptr (JsonNode) shown = NULL;
  JsonObject *session, *party, *recording;
  JsonArray *tracks;
  sqlite3 *db;

  g_assert_no_error (error);
  db = rd_test_sqlite_open (f->path, TRUE);
  insert = sqlite3_mprintf (
      "INSERT INTO participants (session_id, role, name, remote_address, joined_at) "
      "VALUES (%Q, 'citizen', 'Anna', '192.0.2.7', '2026-01-01T10:00:00.000000Z');"
      "INSERT INTO recordings (session_id, segment, path, size_bytes, tracks, state, created_at) "
      "VALUES (%Q, 1, 'rec/1.mkv', 1234567890123, '[{\"kind\": \"audio\"}]', 'recording', "
      "'2026-01-01T10:00:00.000000Z');",
      id, id);
  rd_test_sqlite_exec_ok (db, insert);
  sqlite3_free (g_steal_pointer (&insert));
  sqlite3_close (db);

  list = rd_ledger_session_list (ledger, &error);
  g_assert_no_error (error);
  g_assert_cmpint (
      json_object_get_int_member (json_array_get_object_element (json_node_get_array (list), 0),
                                  "participants"),
      ==, 1);

  shown = rd_ledger_session_show (ledger, id, &error);
  g_assert_no_error (error);
  session = json_node_get_object (shown);
  party = json_array_get_object_element (json_object_get_array_member (session, "participants"), 0);
  g_assert_cmpstr (json_object_get_string_member (party, "name"), ==, "Anna");
  g_assert_cmpstr (json_object_get_string_member (party, "role"), ==, "citizen");
  g_assert_true (json_object_get_null_member (party, "dtls_fingerprint"));
  g_assert_true (json_object_get_null_member (party, "left_at"));
  recording =
      json_array_get_object_element (json_object_get_array_member (session, "recordings"), 0);
  g_assert_cmpint (json_object_get_int_member (recording, "size_bytes"), ==, 1234567890123);
  g_assert_cmpint (json_object_get_int_member (recording, "segment"), ==, 1);
  g_assert_true (json_object_get_null_member (recording, "sha256"));
  tracks = json_object_get_array_member (recording, "tracks");
  g_assert_nonnull (tracks);
  g_assert_cmpstr (
      json_object_get_string_member (json_array_get_object_element (tracks, 0), "kind"), ==,
      "audio");
}

/* --- the append-only triggers ------------------------------------------------------------------
 */

static void
test_append_only (RdTestLedger *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *id = NULL;
  g_autofree char *insert = NULL;
  RdLedger *ledger = rd_test_ledger_open_ok (f->dir);
  const char *refused[] = {
    "DELETE FROM events",
    "DELETE FROM sessions",
    "DELETE FROM participants",
    "DELETE FROM recordings",
    "UPDATE events SET kind = 'rewritten'",
    "UPDATE sessions SET end_reason = 'rewritten'", /* sealed: ended below */
  };
  sqlite3 *db;

  id = rd_ledger_session_start (ledger, NULL, "operator", &error);
  g_assert_no_error (error);
  g_assert_cmpint (rd_ledger_add_event (ledger, id, "operator", "note", NULL, &error), >, 0);
  g_assert_true (rd_ledger_session_end (ledger, id, "operator", "done", &error));
  rd_ledger_close (ledger);

  db = rd_test_sqlite_open (f->path, TRUE);
  insert = sqlite3_mprintf (
      "INSERT INTO participants (session_id, role, joined_at) VALUES (%Q, 'citizen', 'now');"
      "INSERT INTO recordings (session_id, segment, path, state, created_at) "
      "VALUES (%Q, 1, 'p', 'recording', 'now');",
      id, id);
  rd_test_sqlite_exec_ok (db, insert);
  sqlite3_free (g_steal_pointer (&insert));

  for (gsize i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autofree char *message = rd_test_sqlite_exec_fails (db, refused[i]);

      g_test_message ("%s: %s", refused[i], message);
      g_assert_nonnull (strstr (message, "the ledger is append-only"));
    }
  g_assert_cmpint (rd_test_sqlite_int (db, "SELECT count(*) FROM events"), ==, 3);
  g_assert_cmpint (
      rd_test_sqlite_int (db, "SELECT count(*) FROM sessions WHERE end_reason = 'done'"), ==, 1);
  g_assert_cmpint (rd_test_sqlite_int (db, "SELECT count(*) FROM events WHERE kind = 'rewritten'"),
                   ==, 0);
  g_assert_cmpint (rd_test_sqlite_int (db, "SELECT count(*) FROM sessions"), ==, 1);
  g_assert_cmpint (rd_test_sqlite_int (db, "SELECT count(*) FROM participants"), ==, 1);
  g_assert_cmpint (rd_test_sqlite_int (db, "SELECT count(*) FROM recordings"), ==, 1);
  sqlite3_close (db);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  RD_TEST_LEDGER_ADD ("/ledger/session/round-trip", test_session_round_trip);
  RD_TEST_LEDGER_ADD ("/ledger/session/list-order", test_session_list_order);
  RD_TEST_LEDGER_ADD ("/ledger/session/errors", test_session_errors);
  RD_TEST_LEDGER_ADD ("/ledger/session/id-collision", test_session_id_collision);
  RD_TEST_LEDGER_ADD ("/ledger/session/reconcile-crashed", test_reconcile_crashed);
  RD_TEST_LEDGER_ADD ("/ledger/session/participants-recordings", test_show_participants_recordings);
  RD_TEST_LEDGER_ADD ("/ledger/append-only", test_append_only);

  return g_test_run ();
}
