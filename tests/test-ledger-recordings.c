/* test-ledger-recordings.c: recording segments in the ledger (schema version 3): adding, sealing,
 * repairing, marking unrecoverable, listing, and the triggers that keep a closed segment's row
 * from ever changing, checked through the API and with the sqlite3 API on the file. */
#include "ledger/rd-ledger-recordings.h"
#include "ledger/rd-ledger-error.h"
/* For rd_ledger_schema_migration_for_testing(). */
#include "ledger/rd-ledger-private.h"
#include "tests/rd-test-invites.h"
#include "tests/rd-test-sqlite.h"

#include <glib/gstdio.h>
#include <string.h>

/* data non-NULL: no ledger opened, the test builds its own file */
typedef RdTestInvites Fixture;

#define HASH_A  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define HASH_B  "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define TRACKS  "[{\"track\":\"room-video\",\"media\":\"video\",\"codec\":\"VP8\",\"start_ns\":0}]"
#define TRACKS2 "[{\"track\":\"room-video\",\"media\":\"video\",\"codec\":\"VP8\",\"start_ns\":5}]"

/* --- helpers -----------------------------------------------------------------------------------
 */

static void
add_ok (Fixture *f, const char *session, gint64 segment, const char *tracks)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = g_strdup_printf (
      "recordings/2026/11/%s/%s-%04" G_GINT64_FORMAT "-room-video.mkv", session, session, segment);

  g_assert_true (rd_ledger_recording_add (f->ledger, session, segment, path, tracks, &error));
  g_assert_no_error (error);
}

static void
seal_ok (Fixture *f, gint64 segment, const char *state, const char *detail)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (rd_ledger_recording_seal (f->ledger, f->session, segment, state, HASH_B, 123456,
                                           300 * G_GINT64_CONSTANT (1000000000), NULL, detail,
                                           &error));
  g_assert_no_error (error);
}

static GPtrArray *
list_ok (Fixture *f, const char *session, const char *state)
{
  g_autoptr (GError) error = NULL;
  GPtrArray *rows = rd_ledger_recordings_list (f->ledger, session, state, &error);

  g_assert_no_error (error);
  g_assert_nonnull (rows);
  return rows;
}

/* The only row of @session's segment @segment. (transfer full) */
static RdLedgerRecording *
row (Fixture *f, gint64 segment)
{
  g_autoptr (GPtrArray) rows = list_ok (f, f->session, NULL);

  for (guint i = 0; i < rows->len; i++)
    {
      RdLedgerRecording *r = g_ptr_array_index (rows, i);
      if (r->segment == segment)
        return g_ptr_array_steal_index (rows, i);
    }
  g_error ("no segment %" G_GINT64_FORMAT, segment);
  return NULL;
}

/* The session's last event, which must be of @kind. (transfer full) */
static JsonObject *
last_event (Fixture *f, const char *kind)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) shown = rd_ledger_session_show (f->ledger, f->session, &error);
  JsonArray *events;
  JsonObject *event;

  g_assert_no_error (error);
  events = json_object_get_array_member (json_node_get_object (shown), "events");
  event = json_array_get_object_element (events, json_array_get_length (events) - 1);
  g_assert_cmpstr (json_object_get_string_member (event, "kind"), ==, kind);
  g_assert_cmpstr (json_object_get_string_member (event, "actor"), ==, "receptiond");
  return json_object_ref (json_object_get_object_member (event, "detail"));
}

static guint
count_events (Fixture *f)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) shown = rd_ledger_session_show (f->ledger, f->session, &error);

  g_assert_no_error (error);
  return json_array_get_length (
      json_object_get_array_member (json_node_get_object (shown), "events"));
}

static void
assert_error (GError *error, RdLedgerError code, const char *needle)
{
  g_assert_error (error, RD_LEDGER_ERROR, code);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, needle));
}

/* --- adding ------------------------------------------------------------------------------------
 */

static void
test_add_and_list (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (RdLedgerRecording) r = NULL;
  g_autoptr (GPtrArray) rows = NULL;
  g_autofree char *other = NULL;

  g_assert_cmpint (rd_ledger_recording_next_segment (f->ledger, f->session, &error), ==, 1);
  g_assert_no_error (error);
  add_ok (f, f->session, 1, TRACKS);
  add_ok (f, f->session, 3, NULL); /* numbers need not be dense: one per track and segment */
  add_ok (f, f->session, 2, TRACKS);
  g_assert_cmpint (rd_ledger_recording_next_segment (f->ledger, f->session, &error), ==, 4);

  r = row (f, 1);
  g_assert_cmpstr (r->session_id, ==, f->session);
  g_assert_cmpstr (r->state, ==, RD_RECORDING_STATE_RECORDING);
  g_assert_true (g_str_has_prefix (r->path, "recordings/2026/11/"));
  g_assert_true (g_str_has_suffix (r->path, "-0001-room-video.mkv"));
  g_assert_null (r->sha256);
  g_assert_cmpint (r->size_bytes, ==, -1);
  g_assert_cmpint (r->duration_ns, ==, -1);
  g_assert_cmpstr (r->tracks_json, ==, TRACKS);
  g_assert_true (g_regex_match_simple ("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\\.[0-9]{6}Z$",
                                       r->created_at, 0, 0));
  g_assert_null (r->sealed_at);
  g_clear_pointer (&r, rd_ledger_recording_free);
  r = row (f, 3);
  g_assert_null (r->tracks_json);

  /* A second session, started after the first ended: listed after it, by segment. */
  g_assert_true (rd_ledger_session_end (f->ledger, f->session, "operator:alice", "done", &error));
  other = rd_ledger_session_start (f->ledger, NULL, "operator:alice", &error);
  g_assert_no_error (error);
  add_ok (f, other, 2, NULL);
  add_ok (f, other, 1, NULL);
  g_assert_cmpint (rd_ledger_recording_next_segment (f->ledger, other, &error), ==, 3);

  rows = list_ok (f, NULL, NULL);
  g_assert_cmpuint (rows->len, ==, 5);
  for (guint i = 0; i < rows->len; i++)
    {
      RdLedgerRecording *x = g_ptr_array_index (rows, i);
      const char *want_session = i < 3 ? f->session : other;
      gint64 want_segment = i < 3 ? i + 1 : i - 2;

      g_assert_cmpstr (x->session_id, ==, want_session);
      g_assert_cmpint (x->segment, ==, want_segment);
    }
  g_clear_pointer (&rows, g_ptr_array_unref);
  rows = list_ok (f, other, NULL);
  g_assert_cmpuint (rows->len, ==, 2);
  g_clear_pointer (&rows, g_ptr_array_unref);
  rows = list_ok (f, other, RD_RECORDING_STATE_SEALED);
  g_assert_cmpuint (rows->len, ==, 0);

  /* The JSON view of the session (receptionctl session show) has the rows. */
  {
    g_autoptr (JsonNode) shown = rd_ledger_session_show (f->ledger, other, &error);
    JsonArray *recordings;

    g_assert_no_error (error);
    recordings = json_object_get_array_member (json_node_get_object (shown), "recordings");
    g_assert_cmpuint (json_array_get_length (recordings), ==, 2);
    g_assert_cmpstr (
        json_object_get_string_member (json_array_get_object_element (recordings, 0), "state"), ==,
        "recording");
  }
}

static void
test_add_errors (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *ended = NULL;
  guint events = count_events (f);

  add_ok (f, f->session, 1, NULL);

  g_assert_false (
      rd_ledger_recording_add (f->ledger, f->session, 1, "recordings/x.mkv", NULL, &error));
  assert_error (error, RD_LEDGER_ERROR_EXISTS, "segment 1 already");
  g_assert_nonnull (strstr (error->message, f->session));
  g_clear_error (&error);

  g_assert_false (
      rd_ledger_recording_add (f->ledger, "20260101-000000", 1, "recordings/x.mkv", NULL, &error));
  assert_error (error, RD_LEDGER_ERROR_NOT_FOUND, "no such session");
  g_assert_nonnull (strstr (error->message, "20260101-000000"));
  g_clear_error (&error);
  g_assert_cmpint (rd_ledger_recording_next_segment (f->ledger, "20260101-000000", &error), ==, 0);
  assert_error (error, RD_LEDGER_ERROR_NOT_FOUND, "no such session");
  g_clear_error (&error);

  g_assert_false (rd_ledger_recording_add (f->ledger, f->session, 0, "r.mkv", NULL, &error));
  assert_error (error, RD_LEDGER_ERROR_INVALID, "segment number 0");
  g_clear_error (&error);
  g_assert_false (rd_ledger_recording_add (f->ledger, f->session, 2, "/abs/r.mkv", NULL, &error));
  assert_error (error, RD_LEDGER_ERROR_INVALID, "relative to the state dir");
  g_clear_error (&error);
  g_assert_false (
      rd_ledger_recording_add (f->ledger, f->session, 2, "recordings/../../r.mkv", NULL, &error));
  assert_error (error, RD_LEDGER_ERROR_INVALID, "must not leave the state dir");
  g_clear_error (&error);
  g_assert_false (rd_ledger_recording_add (f->ledger, f->session, 2, "", NULL, &error));
  assert_error (error, RD_LEDGER_ERROR_INVALID, "path is empty");
  g_clear_error (&error);
  g_assert_false (rd_ledger_recording_add (f->ledger, f->session, 2, "r.mkv", "[{", &error));
  assert_error (error, RD_LEDGER_ERROR_INVALID, "tracks is not JSON");
  g_clear_error (&error);
  g_assert_false (rd_ledger_recording_add (f->ledger, f->session, 2, "r.mkv", "{}", &error));
  assert_error (error, RD_LEDGER_ERROR_INVALID, "tracks must be a JSON array");
  g_clear_error (&error);

  /* An ended session takes no new rows; an interrupted one does (recovery). */
  ended = g_strdup (f->session);
  g_assert_true (rd_ledger_session_end (f->ledger, ended, "operator:alice", "done", &error));
  g_assert_false (rd_ledger_recording_add (f->ledger, ended, 2, "r.mkv", NULL, &error));
  assert_error (error, RD_LEDGER_ERROR_STATE, "ended");
  g_clear_error (&error);

  /* Nothing of that was written. */
  {
    g_autoptr (GPtrArray) rows = list_ok (f, NULL, NULL);
    g_assert_cmpuint (rows->len, ==, 1);
  }
  g_assert_cmpuint (count_events (f), ==, events + 1); /* session-ended */
}

/* Recovery after a crash: the session is interrupted first, then the files it left are registered
 * and repaired. */
static void
test_add_interrupted (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) closed = NULL;
  g_autoptr (GPtrArray) open_rows = NULL;
  g_autoptr (JsonObject) detail = NULL;
  g_autoptr (RdLedgerRecording) r = NULL;

  add_ok (f, f->session, 1, TRACKS);
  closed = rd_ledger_reconcile_crashed (f->ledger, "crash", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (closed->len, ==, 1);

  add_ok (f, f->session, 2, NULL); /* found on disk, not in the ledger */
  open_rows = list_ok (f, NULL, RD_RECORDING_STATE_RECORDING);
  g_assert_cmpuint (open_rows->len, ==, 2);

  seal_ok (f, 1, RD_RECORDING_STATE_REPAIRED,
           "{\"original_sha256\":\"" HASH_A "\",\"original_size_bytes\":99}");
  detail = last_event (f, "recording-repaired");
  g_assert_cmpint (json_object_get_int_member (detail, "segment"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (detail, "sha256"), ==, HASH_B);
  g_assert_cmpstr (json_object_get_string_member (detail, "original_sha256"), ==, HASH_A);
  g_assert_cmpint (json_object_get_int_member (detail, "original_size_bytes"), ==, 99);
  r = row (f, 1);
  g_assert_cmpstr (r->state, ==, RD_RECORDING_STATE_REPAIRED);
  g_assert_cmpstr (r->tracks_json, ==, TRACKS); /* kept: NULL tracks at the seal */
}

/* --- sealing -----------------------------------------------------------------------------------
 */

static void
test_seal (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (RdLedgerRecording) r = NULL;
  g_autoptr (JsonObject) detail = NULL;
  g_autoptr (GPtrArray) sealed = NULL;

  add_ok (f, f->session, 1, TRACKS);
  add_ok (f, f->session, 2, TRACKS);
  g_assert_true (rd_ledger_recording_seal (f->ledger, f->session, 1, RD_RECORDING_STATE_SEALED,
                                           HASH_A, 4096, 1500000000, TRACKS2, NULL, &error));
  g_assert_no_error (error);

  r = row (f, 1);
  g_assert_cmpstr (r->state, ==, "sealed");
  g_assert_cmpstr (r->sha256, ==, HASH_A);
  g_assert_cmpint (r->size_bytes, ==, 4096);
  g_assert_cmpint (r->duration_ns, ==, 1500000000);
  g_assert_cmpstr (r->tracks_json, ==, TRACKS2); /* replaced */
  g_assert_nonnull (r->sealed_at);
  g_assert_cmpstr (r->sealed_at, >=, r->created_at);

  detail = last_event (f, "recording-sealed");
  g_assert_cmpint (json_object_get_int_member (detail, "segment"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (detail, "path"), ==, r->path);
  g_assert_cmpstr (json_object_get_string_member (detail, "sha256"), ==, HASH_A);
  g_assert_cmpint (json_object_get_int_member (detail, "size_bytes"), ==, 4096);
  g_assert_cmpint (json_object_get_int_member (detail, "duration_ns"), ==, 1500000000);

  sealed = list_ok (f, f->session, RD_RECORDING_STATE_SEALED);
  g_assert_cmpuint (sealed->len, ==, 1);
  g_clear_pointer (&sealed, g_ptr_array_unref);
  sealed = list_ok (f, f->session, RD_RECORDING_STATE_RECORDING);
  g_assert_cmpuint (sealed->len, ==, 1);
  g_assert_cmpint (((RdLedgerRecording *)sealed->pdata[0])->segment, ==, 2);

  /* A segment closes after its session has ended. */
  g_assert_true (rd_ledger_session_end (f->ledger, f->session, "operator:alice", "done", &error));
  seal_ok (f, 2, RD_RECORDING_STATE_SEALED, NULL);
}

static void
test_seal_errors (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (RdLedgerRecording) before = NULL;
  g_autoptr (RdLedgerRecording) after = NULL;
  guint events;

  add_ok (f, f->session, 1, TRACKS);
  add_ok (f, f->session, 2, TRACKS);
  seal_ok (f, 1, RD_RECORDING_STATE_SEALED, NULL);
  before = row (f, 1);
  events = count_events (f);

  /* Seal twice. */
  g_assert_false (rd_ledger_recording_seal (f->ledger, f->session, 1, RD_RECORDING_STATE_SEALED,
                                            HASH_A, 1, 1, NULL, NULL, &error));
  assert_error (error, RD_LEDGER_ERROR_STATE, "the segment is sealed, not recording");
  g_clear_error (&error);
  g_assert_false (
      rd_ledger_recording_mark_unrecoverable (f->ledger, f->session, 1, "oops", &error));
  assert_error (error, RD_LEDGER_ERROR_STATE, "sealed");
  g_clear_error (&error);

  /* Seal of an unrecoverable segment. */
  g_assert_true (
      rd_ledger_recording_mark_unrecoverable (f->ledger, f->session, 2, "no header", &error));
  g_assert_no_error (error);
  g_assert_false (rd_ledger_recording_seal (f->ledger, f->session, 2, RD_RECORDING_STATE_REPAIRED,
                                            HASH_A, 1, 1, NULL, NULL, &error));
  assert_error (error, RD_LEDGER_ERROR_STATE, "unrecoverable, not recording");
  g_clear_error (&error);
  events++;

  /* Unknown session and segment. */
  g_assert_false (rd_ledger_recording_seal (f->ledger, "nope", 1, RD_RECORDING_STATE_SEALED, HASH_A,
                                            1, 1, NULL, NULL, &error));
  assert_error (error, RD_LEDGER_ERROR_NOT_FOUND, "no such session");
  g_clear_error (&error);
  g_assert_false (rd_ledger_recording_seal (f->ledger, f->session, 9, RD_RECORDING_STATE_SEALED,
                                            HASH_A, 1, 1, NULL, NULL, &error));
  assert_error (error, RD_LEDGER_ERROR_NOT_FOUND, "no segment 9");
  g_clear_error (&error);
  g_assert_false (rd_ledger_recording_mark_unrecoverable (f->ledger, f->session, 9, "x", &error));
  assert_error (error, RD_LEDGER_ERROR_NOT_FOUND, "no segment 9");
  g_clear_error (&error);

  /* Bad arguments, each named. */
  add_ok (f, f->session, 3, NULL);
  g_assert_false (rd_ledger_recording_seal (f->ledger, f->session, 3, "recording", HASH_A, 1, 1,
                                            NULL, NULL, &error));
  assert_error (error, RD_LEDGER_ERROR_INVALID, "not \"recording\"");
  g_clear_error (&error);
  g_assert_false (rd_ledger_recording_seal (f->ledger, f->session, 3, "sealed", "ABC", 1, 1, NULL,
                                            NULL, &error));
  assert_error (error, RD_LEDGER_ERROR_INVALID, "\"ABC\" is not 64 lower-case hex");
  g_clear_error (&error);
  g_assert_false (rd_ledger_recording_seal (f->ledger, f->session, 3, "sealed", HASH_A, -1, 1, NULL,
                                            NULL, &error));
  assert_error (error, RD_LEDGER_ERROR_INVALID, "must not be negative");
  g_clear_error (&error);
  g_assert_false (rd_ledger_recording_seal (f->ledger, f->session, 3, "sealed", HASH_A, 1, 1,
                                            "{\"a\":1}", NULL, &error));
  assert_error (error, RD_LEDGER_ERROR_INVALID, "tracks must be a JSON array");
  g_clear_error (&error);
  g_assert_false (rd_ledger_recording_seal (f->ledger, f->session, 3, "sealed", HASH_A, 1, 1, NULL,
                                            "[1]", &error));
  assert_error (error, RD_LEDGER_ERROR_INVALID, "detail must be a JSON object");
  g_clear_error (&error);
  g_assert_false (rd_ledger_recording_seal (f->ledger, f->session, 3, "sealed", HASH_A, 1, 1, NULL,
                                            "{\"sha256\":\"forged\"}", &error));
  assert_error (error, RD_LEDGER_ERROR_INVALID, "must not set \"sha256\"");
  g_clear_error (&error);
  g_assert_false (rd_ledger_recording_mark_unrecoverable (f->ledger, f->session, 3, "", &error));
  assert_error (error, RD_LEDGER_ERROR_INVALID, "no reason");
  g_clear_error (&error);

  /* Nothing changed by the refusals: the sealed row is as it was, segment 3 still recording, no
   * event but the one unrecoverable. */
  after = row (f, 1);
  g_assert_cmpstr (after->sha256, ==, before->sha256);
  g_assert_cmpint (after->size_bytes, ==, before->size_bytes);
  g_assert_cmpstr (after->sealed_at, ==, before->sealed_at);
  g_clear_pointer (&after, rd_ledger_recording_free);
  after = row (f, 3);
  g_assert_cmpstr (after->state, ==, "recording");
  g_assert_cmpuint (count_events (f), ==, events);
}

static void
test_unrecoverable (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (RdLedgerRecording) r = NULL;
  g_autoptr (JsonObject) detail = NULL;

  add_ok (f, f->session, 1, TRACKS);
  g_assert_true (rd_ledger_recording_mark_unrecoverable (f->ledger, f->session, 1,
                                                         "matroskademux: no EBML header", &error));
  g_assert_no_error (error);
  r = row (f, 1);
  g_assert_cmpstr (r->state, ==, "unrecoverable");
  g_assert_null (r->sha256);
  g_assert_null (r->sealed_at);
  detail = last_event (f, "recording-unrecoverable");
  g_assert_cmpstr (json_object_get_string_member (detail, "reason"), ==,
                   "matroskademux: no EBML header");
  g_assert_cmpstr (json_object_get_string_member (detail, "path"), ==, r->path);
  g_assert_cmpint (json_object_get_int_member (detail, "segment"), ==, 1);
}

static void
test_list_errors (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) rows = NULL;

  rows = rd_ledger_recordings_list (f->ledger, "nope", NULL, &error);
  g_assert_null (rows);
  assert_error (error, RD_LEDGER_ERROR_NOT_FOUND, "no such session");
  g_clear_error (&error);
  rows = rd_ledger_recordings_list (f->ledger, NULL, "closed", &error);
  g_assert_null (rows);
  assert_error (error, RD_LEDGER_ERROR_INVALID, "no recording state \"closed\"");
  g_clear_error (&error);
  rows = list_ok (f, f->session, NULL); /* exists, no rows */
  g_assert_cmpuint (rows->len, ==, 0);
}

/* --- the triggers ------------------------------------------------------------------------------
 */

static void
test_triggers (Fixture *f, gconstpointer data)
{
  g_autofree char *sql = NULL;
  g_autofree char *hash = NULL;
  const char *refused_sealed[] = {
    "UPDATE recordings SET sha256 = '" HASH_A "' WHERE segment = 1",
    "UPDATE recordings SET state = 'recording' WHERE segment = 1",
    "UPDATE recordings SET size_bytes = 1 WHERE segment = 1",
    "UPDATE recordings SET state = 'sealed' WHERE segment = 2", /* unrecoverable */
    "DELETE FROM recordings WHERE segment = 1",
  };
  const char *refused_open[] = {
    "UPDATE recordings SET path = 'elsewhere.mkv' WHERE segment = 3",
    "UPDATE recordings SET segment = 7 WHERE segment = 3",
    "UPDATE recordings SET created_at = '2020-01-01T00:00:00.000000Z' WHERE segment = 3",
  };
  g_autofree char *bad_state = NULL;
  g_autofree char *bad_insert = NULL;
  sqlite3 *db;

  add_ok (f, f->session, 1, TRACKS);
  add_ok (f, f->session, 2, TRACKS);
  add_ok (f, f->session, 3, TRACKS);
  seal_ok (f, 1, RD_RECORDING_STATE_SEALED, NULL);
  g_assert_true (rd_ledger_recording_mark_unrecoverable (f->ledger, f->session, 2, "x", NULL));
  g_clear_pointer (&f->ledger, rd_ledger_close);

  db = rd_test_sqlite_open (f->path, TRUE);
  for (gsize i = 0; i < G_N_ELEMENTS (refused_sealed); i++)
    {
      g_autofree char *message = rd_test_sqlite_exec_fails (db, refused_sealed[i]);
      g_test_message ("%s: %s", refused_sealed[i], message);
      g_assert_nonnull (strstr (message, "the ledger is append-only"));
    }
  for (gsize i = 0; i < G_N_ELEMENTS (refused_open); i++)
    {
      g_autofree char *message = rd_test_sqlite_exec_fails (db, refused_open[i]);
      g_test_message ("%s: %s", refused_open[i], message);
      g_assert_nonnull (strstr (message, "never change"));
    }
  bad_state =
      rd_test_sqlite_exec_fails (db, "UPDATE recordings SET state = 'closed' WHERE segment = 3");
  g_assert_nonnull (strstr (bad_state, "one of recording, sealed, repaired, unrecoverable"));
  sql = sqlite3_mprintf ("INSERT INTO recordings (session_id, segment, path, state, created_at) "
                         "VALUES (%Q, 4, 'p', 'sealed', 'now')",
                         f->session);
  bad_insert = rd_test_sqlite_exec_fails (db, sql);
  g_assert_nonnull (strstr (bad_insert, "written in state 'recording'"));
  sqlite3_free (g_steal_pointer (&sql));
  sql = sqlite3_mprintf ("INSERT INTO recordings (session_id, segment, path, state, created_at) "
                         "VALUES (%Q, 0, 'p', 'recording', 'now')",
                         f->session);
  g_free (rd_test_sqlite_exec_fails (db, sql));
  sqlite3_free (g_steal_pointer (&sql));

  /* Still as sealed; the open row may still be sealed through SQL (the seal is the one change). */
  hash = rd_test_sqlite_text (db, "SELECT sha256 FROM recordings WHERE segment = 1");
  g_assert_cmpstr (hash, ==, HASH_B);
  rd_test_sqlite_exec_ok (db, "UPDATE recordings SET state = 'sealed', sha256 = '" HASH_A "' "
                              "WHERE segment = 3");
  {
    g_autofree char *n = rd_test_sqlite_text (db, "SELECT count(*) FROM recordings");
    g_autofree char *states = rd_test_sqlite_text (
        db,
        "SELECT group_concat (state, ',') FROM (SELECT state FROM recordings ORDER BY segment)");
    g_assert_cmpstr (n, ==, "3");
    g_assert_cmpstr (states, ==, "sealed,unrecoverable,sealed");
  }
  sqlite3_close (db);
}

/* A version 2 file with a recording row (no released receptiond wrote one; a test or a tool
 * might have) migrates to 3 with the row kept as it was. */
static void
test_migrate_v2 (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) rows = NULL;
  RdLedgerRecording *r;
  sqlite3 *db = rd_test_sqlite_open (f->path, TRUE);

  rd_test_sqlite_exec_ok (db, "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; BEGIN;");
  rd_test_sqlite_exec_ok (db, rd_ledger_schema_migration_for_testing (0));
  rd_test_sqlite_exec_ok (db, rd_ledger_schema_migration_for_testing (1));
  rd_test_sqlite_exec_ok (
      db, "INSERT INTO sessions (id, state, created_at, started_at, ended_at) VALUES "
          "('v2', 'ended', '2026-01-01T08:00:00.000000Z', '2026-01-01T08:00:00.000000Z',"
          " '2026-01-01T09:00:00.000000Z');"
          "INSERT INTO recordings (session_id, segment, path, state, created_at) VALUES "
          "('v2', 0, 'old.mkv', 'open', '2026-01-01T08:00:00.000000Z');"
          "PRAGMA user_version = 2; COMMIT;");
  sqlite3_close (db);

  f->ledger = rd_ledger_open (f->dir, &error);
  g_assert_no_error (error);
  g_assert_cmpint (rd_ledger_get_schema_version (f->ledger), ==, RD_LEDGER_SCHEMA_VERSION);
  rows = rd_ledger_recordings_list (f->ledger, "v2", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 1);
  r = g_ptr_array_index (rows, 0);
  g_assert_cmpstr (r->state, ==, "open");
  g_assert_cmpint (r->segment, ==, 0);
  g_assert_cmpstr (r->path, ==, "old.mkv");
  g_assert_cmpint (rd_ledger_recording_next_segment (f->ledger, "v2", &error), ==, 1);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func)                                                                            \
  g_test_add (path, Fixture, NULL, rd_test_invites_set_up, func, rd_test_invites_tear_down)
  ADD ("/ledger/recordings/add-and-list", test_add_and_list);
  ADD ("/ledger/recordings/add-errors", test_add_errors);
  ADD ("/ledger/recordings/add-interrupted", test_add_interrupted);
  ADD ("/ledger/recordings/seal", test_seal);
  ADD ("/ledger/recordings/seal-errors", test_seal_errors);
  ADD ("/ledger/recordings/unrecoverable", test_unrecoverable);
  ADD ("/ledger/recordings/list-errors", test_list_errors);
  ADD ("/ledger/recordings/triggers", test_triggers);
#undef ADD
  g_test_add ("/ledger/recordings/migrate-v2", Fixture, "own file", rd_test_invites_set_up,
              test_migrate_v2, rd_test_invites_tear_down);

  return g_test_run ();
}
