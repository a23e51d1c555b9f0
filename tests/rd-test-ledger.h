/* rd-test-ledger.h: what the ledger's tests share: a fresh state directory per test (removed
 * afterwards, also where a test made part of it read-only), the ledger file's bytes, and for the
 * hash chain's tests a ledger opened with the room key, SQL run on the ledger's own connection
 * and rd_ledger_verify()'s report checked.
 *
 * Ownership: the fixture owns dir, path, ledger and key; rd_test_ledger_tear_down() frees them.
 * Functions returning (transfer full) say so. A failed check aborts the test with what was seen.
 * Threading: the test's main thread.
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "ledger/rd-ledger-chain.h"
#include "ledger/rd-ledger.h"
#include "ledger/rd-ledger-error.h"

typedef struct
{
  char *dir;        /* a fresh temporary state directory */
  char *path;       /* dir/ledger.sqlite */
  RdLedger *ledger; /* chain fixture: open, with the room key set; else NULL */
  RdLedgerKey *key; /* chain fixture: the room key, created in dir; else NULL */
} RdTestLedger;

/* GTest fixture functions. set_up makes the directory only; chain_set_up also creates the room
 * key and opens the ledger with it; tear_down closes and removes whatever is there. */
void rd_test_ledger_set_up (RdTestLedger *f, gconstpointer data);
void rd_test_ledger_chain_set_up (RdTestLedger *f, gconstpointer data);
void rd_test_ledger_tear_down (RdTestLedger *f, gconstpointer data);

/* g_test_add() with this fixture: the test opens the ledger itself (ADD, ADD_DATA), or gets it
 * open with the room key (ADD_CHAIN). */
#define RD_TEST_LEDGER_ADD_DATA(path, data, func)                                                  \
  g_test_add (path, RdTestLedger, data, rd_test_ledger_set_up, func, rd_test_ledger_tear_down)
#define RD_TEST_LEDGER_ADD(path, func) RD_TEST_LEDGER_ADD_DATA (path, NULL, func)
#define RD_TEST_LEDGER_ADD_CHAIN(path, func)                                                       \
  g_test_add (path, RdTestLedger, NULL, rd_test_ledger_chain_set_up, func, rd_test_ledger_tear_down)

/* The file's bytes. (transfer full) */
GBytes *rd_test_ledger_read_bytes (const char *path);
/* The file at @path still has exactly the bytes @before. */
void rd_test_ledger_assert_same_bytes (GBytes *before, const char *path);
/* Whether @path@suffix ("-wal", "-shm") exists. */
gboolean rd_test_ledger_sidecar_exists (const char *path, const char *suffix);
/* rd_ledger_open() that must succeed. (transfer full) */
RdLedger *rd_test_ledger_open_ok (const char *dir);
/* rd_ledger_open (@dir) must fail with RD_LEDGER_ERROR @code, its message (printed) naming @named
 * when not NULL. Returns the error for further checks. (transfer full) */
GError *rd_test_ledger_open_refused (const char *dir, int code, const char *named);

/* --- the chain fixture --------------------------------------------------------------------- */

/* Closes f->ledger and opens it again (as the daemon's next start would), with f->key. */
void rd_test_ledger_reopen (RdTestLedger *f);
/* After an edit by hand that dropped guard triggers: asserts the ledger now refuses to open
 * (RD_LEDGER_ERROR_CORRUPT naming each one), puts them back as an attacker would (their SQL
 * copied from a fresh ledger), then rd_test_ledger_reopen(). With none dropped, only the
 * reopen. */
void rd_test_ledger_reopen_after_edit (RdTestLedger *f);
/* SQL on the ledger's connection, which must succeed. */
void rd_test_ledger_exec_ok (RdTestLedger *f, const char *sql);
/* The first column of the first row of @sql; the row must exist. */
gint64 rd_test_ledger_query_int (RdTestLedger *f, const char *sql);
char *rd_test_ledger_query_text (RdTestLedger *f, const char *sql); /* (transfer full) */
/* rd_ledger_verify() (against @exported, a checkpoint, when not NULL) finds no problem. */
void rd_test_ledger_assert_verifies (RdTestLedger *f, JsonObject *exported);
/* Verify fails, and its first problem is about @table (NULL: any) row @row (@row < 0: any),
 * entry @seq (@seq < 0: any, 0: none), and says @what. */
void rd_test_ledger_assert_first_problem (RdTestLedger *f, JsonObject *exported, const char *table,
                                          gint64 row, gint64 seq, const char *what);
/* A small history: a session with an invite, a party that joins, is verified and leaves, an
 * event, and its end (which signs a checkpoint). Returns the session id. (transfer full) */
char *rd_test_ledger_write_history (RdTestLedger *f);
