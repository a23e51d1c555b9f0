/* rd-test-sqlite.h: a ledger file seen through the sqlite3 API, for the ledger's tests (reads,
 * and the writes an attacker or an old version would make). Header-only; main thread.
 * Every connection registers the chain's SQL functions, as receptiond's own do
 * (rd-ledger-chain.h): without it SQLite refuses any write to a chained table. */
#pragma once

#include <glib.h>
#include <sqlite3.h>

#include "ledger/rd-ledger-chain.h"
#include "ledger/rd-ledger-private.h"

/* Opens @path read-write (creating it if @create). */
static inline sqlite3 *
rd_test_sqlite_open (const char *path, gboolean create)
{
  sqlite3 *db = NULL;
  int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);

  g_assert_cmpint (sqlite3_open_v2 (path, &db, flags, NULL), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  g_assert_true (rd_ledger_chain_register (db, NULL));
  return db;
}

/* Runs @sql, which must succeed (the test fails with SQLite's message otherwise). */
static inline void
rd_test_sqlite_exec_ok (sqlite3 *db, const char *sql)
{
  char *message = NULL;

  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    g_error ("%s: %s", sql, message);
}

/* Runs @sql, which must fail; returns SQLite's message. (transfer full) */
static inline char *
rd_test_sqlite_exec_fails (sqlite3 *db, const char *sql)
{
  char *message = NULL;
  char *copy;

  g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, &message), !=, SQLITE_OK);
  copy = g_strdup (message);
  sqlite3_free (message);
  return copy;
}

/* The first column of the first row of @sql as text, NULL when no row. (transfer full) */
static inline char *
rd_test_sqlite_text (sqlite3 *db, const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  char *text = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    text = g_strdup ((const char *)sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  return text;
}

/* The first column of the first row of @sql as a number; the row must exist. */
static inline gint64
rd_test_sqlite_int (sqlite3 *db, const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  gint64 value;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return value;
}
