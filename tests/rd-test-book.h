/* rd-test-book.h: helpers shared by the reception book's ledger tests: a fresh ledger with a
 * book key in a temporary directory, fields from JSON text, and looking at the file with the
 * sqlite3 API. Header-only (static inline) so each test program stays one source file.
 * Threading: the test's main thread. */
#pragma once

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>

#include "ledger/rd-ledger-book.h"
#include "ledger/rd-ledger-private.h"
#include "tests/rd-test-sqlite.h"

typedef struct
{
  char *dir;
  RdLedger *ledger;
} BookFixture;

static const guint8 rd_test_book_key[RD_LEDGER_BOOK_KEY_SIZE] = {
  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16,
  17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32,
};

static inline void
book_set_up (BookFixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->dir = g_dir_make_tmp ("test-book-XXXXXX", &error);
  g_assert_no_error (error);
  f->ledger = rd_ledger_open (f->dir, &error);
  g_assert_no_error (error);
  if (data == NULL) /* tests that need no key pass a non-NULL data */
    {
      g_assert_true (
          rd_ledger_book_set_key (f->ledger, rd_test_book_key, sizeof rd_test_book_key, &error));
      g_assert_no_error (error);
    }
}

static inline void
book_tear_down (BookFixture *f, gconstpointer data)
{
  g_autofree char *wal = NULL, *shm = NULL, *db = NULL;

  g_clear_pointer (&f->ledger, rd_ledger_close);
  db = g_build_filename (f->dir, RD_LEDGER_FILE_NAME, NULL);
  wal = g_strconcat (db, "-wal", NULL);
  shm = g_strconcat (db, "-shm", NULL);
  if (g_getenv ("RD_TEST_KEEP") == NULL)
    {
      g_remove (db);
      g_remove (wal);
      g_remove (shm);
      g_rmdir (f->dir);
    }
  g_free (f->dir);
}

/* A JSON object from @text (which must parse). (transfer full) */
static inline JsonObject *
book_fields (const char *text)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) node = json_from_string (text, &error);

  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  return json_object_ref (json_node_get_object (node));
}

static inline gint64
book_add_registration (RdLedger *ledger, const char *json)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) fields = book_fields (json);
  gint64 id = rd_ledger_registration_add (ledger, fields, "uid=1000(officer)", &error);

  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);
  return id;
}

static inline sqlite3 *
book_raw_open (BookFixture *f)
{
  g_autofree char *path = g_build_filename (f->dir, RD_LEDGER_FILE_NAME, NULL);
  return rd_test_sqlite_open (path, FALSE);
}

static inline gint64
book_raw_int (sqlite3 *db, const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  gint64 value = -1;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return value;
}

/* The kinds of the ledger's last @n events, oldest first, space-separated. (transfer full) */
static inline char *
book_last_events (sqlite3 *db, int n)
{
  g_autoptr (GPtrArray) kinds = g_ptr_array_new_with_free_func (g_free);
  GString *s = g_string_new (NULL);
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (
      sqlite3_prepare_v2 (db, "SELECT kind FROM events ORDER BY id DESC LIMIT ?1", -1, &stmt, NULL),
      ==, SQLITE_OK);
  sqlite3_bind_int (stmt, 1, n);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_ptr_array_insert (kinds, 0, g_strdup ((const char *)sqlite3_column_text (stmt, 0)));
  sqlite3_finalize (stmt);
  for (guint i = 0; i < kinds->len; i++)
    g_string_append_printf (s, "%s%s", i ? " " : "", (char *)kinds->pdata[i]);
  return g_string_free (s, FALSE);
}

/* Whether @needle occurs in the bytes of the ledger file or its WAL. */
static inline gboolean
book_file_contains (BookFixture *f, const char *needle)
{
  const char *suffixes[] = { "", "-wal" };

  for (gsize i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *path = g_strconcat (f->dir, "/" RD_LEDGER_FILE_NAME, suffixes[i], NULL);
      g_autofree char *contents = NULL;
      gsize length = 0;

      gsize n = strlen (needle);

      if (!g_file_get_contents (path, &contents, &length, NULL))
        continue;
      for (gsize at = 0; at + n <= length; at++)
        if (memcmp (contents + at, needle, n) == 0)
          return TRUE;
    }
  return FALSE;
}
