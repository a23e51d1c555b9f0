/* test-recording-ledger.c: the recording while the ledger refuses to write, end to end: the
 * real daemon and a real party (WHIP) in a network namespace of the test's own.
 *   ledger-busy: another program holds the ledger's write lock longer than receptiond waits for
 *                it (SQLite's busy timeout, 5 s), while segments open and seal. What the ledger
 *                refused is kept, shown in status, and written once the lock is gone: not one
 *                segment stays "recording" while the daemon runs on, nothing needs the next
 *                start's recovery, and the chain verifies. */
#include <gst/gst.h>
#include <sqlite3.h>

#include "ledger/rd-ledger.h"
#include "tests/rd-test-netns.h"
#include "tests/rd-test-recording.h"

#define TIMEOUT_MS RD_TEST_ROOM_TIMEOUT_MS

static char *skip_reason;

typedef struct
{
  RdTestRoom *r;
  gint64 at_least, at_most; /* ledger_writes_pending wanted */
  gint64 seen;
  char *status; /* the status line, last seen */
} Pending;

static gboolean
pending_in_range (gpointer data)
{
  Pending *w = data;
  g_autoptr (JsonNode) hold = NULL;
  JsonObject *rec = rd_test_rec_status (w->r, &hold);

  w->seen = json_object_get_int_member (rec, "ledger_writes_pending");
  g_free (w->status);
  w->status = g_strdup (json_object_get_string_member (rd_test_rec_obj (hold), "status"));
  return w->seen >= w->at_least && w->seen <= w->at_most;
}

static void
test_ledger_busy (void)
{
  g_autoptr (RdTestRoom) r = NULL;
  g_autoptr (JsonNode) inv = NULL;
  g_autoptr (RdTestPeer) p = NULL;
  g_autoptr (RdTestWhipReply) c = NULL;
  g_autoptr (GPtrArray) segs = NULL;
  g_autofree char *path = NULL, *out = NULL, *err = NULL;
  sqlite3 *db = NULL;
  char *message = NULL;
  RdTestRecElapsed w;
  RdTestRecRows rw;
  Pending pw;
  guint rows;

  if (rd_test_skip_if (skip_reason))
    return;
  r = rd_test_rec_room_up ("[recording]\nsegment-seconds=10\n", NULL);
  inv = rd_test_room_invite (r, "board");
  c = rd_test_room_call_in (r, inv, FALSE, &p);
  rd_test_room_wait_parties (r, 1, "connected", 20000, TIMEOUT_MS);
  w = (RdTestRecElapsed){ r, 0, 4 }; /* every track written */
  g_assert_true (rd_test_wait_until (rd_test_rec_recorded_for, &w, TIMEOUT_MS));

  /* another program takes the write lock (WAL: status and reads go on) */
  path = g_build_filename (r->t->state_dir, RD_LEDGER_FILE_NAME, NULL);
  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  /* the daemon may be in a write of its own (a row, an event): wait for it, as any program would */
  sqlite3_busy_timeout (db, 10000);
  g_assert_cmpint (sqlite3_exec (db, "BEGIN EXCLUSIVE", NULL, NULL, &message), ==, SQLITE_OK);
  pw = (Pending){ r, 1, G_MAXINT64, 0, NULL };
  if (!rd_test_wait_until (pending_in_range, &pw, 60000))
    g_error ("no segment waited for the ledger while it was locked: %" G_GINT64_FORMAT
             " pending (%s)",
             pw.seen, pw.status);
  g_test_message ("locked: %" G_GINT64_FORMAT " ledger writes pending; status: %s", pw.seen,
                  pw.status);
  g_assert_nonnull (strstr (pw.status, "waiting for the ledger"));
  g_assert_cmpint (sqlite3_exec (db, "ROLLBACK", NULL, NULL, &message), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_close (db), ==, SQLITE_OK);

  /* written once the lock is gone, while the session goes on */
  pw = (Pending){ r, 0, 0, 0, pw.status };
  if (!rd_test_wait_until (pending_in_range, &pw, 60000))
    g_error ("%" G_GINT64_FORMAT " ledger writes still pending after the lock went (%s)", pw.seen,
             pw.status);
  g_free (pw.status);

  /* the session ends: every row sealed in this run (none left to a repair), files and chain
   * verified */
  g_assert_cmpint (rd_test_ctl (r->t, NULL, NULL, "session", "end", r->session_id, NULL), ==, 0);
  rw = (RdTestRecRows){ r, r->session_id };
  g_assert_true (rd_test_wait_until (rd_test_rec_none_recording, &rw, TIMEOUT_MS));
  rows = rd_test_rec_rows_in (r, r->session_id, NULL);
  g_assert_cmpuint (rd_test_rec_rows_in (r, r->session_id, "sealed"), ==, rows);
  g_test_message ("%u segments, all sealed", rows);
  segs = rd_test_rec_check_files (r, r->session_id, NULL, FALSE);
  g_assert_cmpuint (segs->len, ==, rows);
  g_assert_cmpint (rd_test_ctl (r->t, &out, &err, "recording", "verify", r->session_id, NULL), ==,
                   0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (rd_test_ctl (r->t, &out, &err, "ledger", "verify", NULL), ==, 0);
  g_clear_pointer (&p, rd_test_peer_free);
}

int
main (int argc, char **argv)
{
  if (!rd_test_enter_netns (&skip_reason))
    g_printerr ("# %s\n", skip_reason);
  g_test_init (&argc, &argv, NULL);
  rd_test_tolerate_third_party_race ();
  gst_init (NULL, NULL);
  g_test_add_func ("/recording-ledger/ledger-busy", test_ledger_busy);
  return g_test_run ();
}
