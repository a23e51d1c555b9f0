/* rd-ledger.c: opening and closing the ledger, and the SQLite helpers the other ledger files use.
 * See rd-ledger.h for the contract. */
#include "ledger/rd-ledger-private.h"
#include "ledger/rd-ledger-error.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

GQuark
rd_ledger_error_quark (void)
{
  return g_quark_from_static_string ("rd-ledger-error-quark");
}

/* How long a statement waits for a lock held by another connection (receptionctl reading, or a
 * backup tool) before failing with SQLITE_BUSY. */
#define BUSY_TIMEOUT_MS 5000

/* SQLite's message for the connection's last error, with errno after a failed OS call. */
static char *
db_message (sqlite3 *db, int rc)
{
  const char *message = db != NULL ? sqlite3_errmsg (db) : sqlite3_errstr (rc);
  int primary = rc & 0xff;
  int sys_errno = db != NULL ? sqlite3_system_errno (db) : 0;

  if (sys_errno != 0 &&
      (primary == SQLITE_CANTOPEN || primary == SQLITE_IOERR || primary == SQLITE_FULL ||
       primary == SQLITE_READONLY || primary == SQLITE_PERM))
    return g_strdup_printf ("%s (%s)", message, g_strerror (sys_errno));
  return g_strdup (message);
}

static RdLedgerError
code_for (int rc, RdLedgerError code)
{
  if ((rc & 0xff) == SQLITE_CORRUPT || (rc & 0xff) == SQLITE_NOTADB)
    return RD_LEDGER_ERROR_CORRUPT;
  return code;
}

void
rd_ledger_set_db_error (GError **error, sqlite3 *db, int rc, RdLedgerError code, const char *format,
                        ...)
{
  g_autofree char *what = NULL;
  g_autofree char *message = db_message (db, rc);
  va_list args;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, RD_LEDGER_ERROR, code_for (rc, code), "%s: %s", what, message);
}

/* For the helpers below, whose callers prefix what they were doing. */
static void
set_io_error (RdLedger *self, int rc, GError **error)
{
  g_autofree char *message = db_message (self->db, rc);

  g_set_error_literal (error, RD_LEDGER_ERROR, code_for (rc, RD_LEDGER_ERROR_IO), message);
}

gboolean
rd_ledger_exec (RdLedger *self, const char *sql, GError **error)
{
  int rc = sqlite3_exec (self->db, sql, NULL, NULL, NULL);

  if (rc != SQLITE_OK)
    {
      set_io_error (self, rc, error);
      return FALSE;
    }
  return TRUE;
}

sqlite3_stmt *
rd_ledger_prepare (RdLedger *self, GError **error, const char *sql, int n_params, ...)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  va_list args;
  int rc;

  rc = sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    {
      set_io_error (self, rc, error);
      return NULL;
    }

  va_start (args, n_params);
  for (int i = 1; i <= n_params && rc == SQLITE_OK; i++)
    rc = sqlite3_bind_text (stmt, i, va_arg (args, const char *), -1, SQLITE_STATIC);
  va_end (args);
  if (rc != SQLITE_OK)
    {
      set_io_error (self, rc, error);
      return NULL;
    }
  return g_steal_pointer (&stmt);
}

gboolean
rd_ledger_bind_int64 (RdLedger *self, sqlite3_stmt *stmt, int index, gint64 value, GError **error)
{
  int rc = sqlite3_bind_int64 (stmt, index, value);

  if (rc != SQLITE_OK)
    {
      set_io_error (self, rc, error);
      return FALSE;
    }
  return TRUE;
}

int
rd_ledger_step (RdLedger *self, sqlite3_stmt *stmt, GError **error)
{
  int rc = sqlite3_step (stmt);

  if (rc == SQLITE_ROW || rc == SQLITE_DONE)
    return rc;
  set_io_error (self, rc, error);
  return 0;
}

static gboolean
set_synchronous (RdLedger *self, const char *level, GError **error)
{
  g_autofree char *sql = g_strconcat ("PRAGMA synchronous = ", level, NULL);

  if (!rd_ledger_exec (self, sql, error))
    {
      g_prefix_error (error, "cannot set synchronous = %s: ", level);
      return FALSE;
    }
  return TRUE;
}

static void
restore_synchronous (RdLedger *self)
{
  g_autoptr (GError) error = NULL;

  if (!set_synchronous (self, "NORMAL", &error))
    g_debug ("ledger %s: %s", self->path, error->message);
}

gboolean
rd_ledger_begin (RdLedger *self, gboolean sealing, GError **error)
{
  /* A sealing write is not attempted at all unless it can be made durable. */
  if (sealing && !set_synchronous (self, "FULL", error))
    return FALSE;
  if (!rd_ledger_exec (self, "BEGIN IMMEDIATE", error))
    {
      if (sealing)
        restore_synchronous (self);
      return FALSE;
    }
  return TRUE;
}

gboolean
rd_ledger_commit (RdLedger *self, gboolean sealing, GError **error)
{
  gboolean ok = rd_ledger_exec (self, "COMMIT", error);

  if (!ok && !sqlite3_get_autocommit (self->db))
    sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
  if (sealing)
    restore_synchronous (self);
  if (ok && self->anchor_pending)
    {
      g_autoptr (GError) local_error = NULL;

      /* The checkpoint is committed whatever becomes of its copy: a copy that cannot be
       * written now is appended by the next checkpoint or the next open. */
      if (!rd_ledger_anchor_sync (self, &local_error))
        g_debug ("%s", local_error->message);
    }
  self->anchor_pending = FALSE;
  return ok;
}

void
rd_ledger_rollback (RdLedger *self, gboolean sealing)
{
  self->anchor_pending = FALSE;
  /* SQLite may already have rolled back (after SQLITE_FULL, SQLITE_IOERR, ...). */
  if (!sqlite3_get_autocommit (self->db))
    sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
  if (sealing)
    restore_synchronous (self);
}

char *
rd_ledger_format_time (GDateTime *time)
{
  g_autoptr (GDateTime) utc = g_date_time_to_utc (time);

  /* Not g_date_time_format_iso8601(): it drops the fraction when it is zero. */
  return g_date_time_format (utc, "%Y-%m-%dT%H:%M:%S.%fZ");
}

char *
rd_ledger_now (RdLedger *self, GDateTime **out_now)
{
  g_autoptr (GDateTime) real = g_date_time_new_now_utc ();
  g_autoptr (GDateTime) now = g_date_time_add (real, self->clock_offset);
  char *text = rd_ledger_format_time (now);

  if (out_now != NULL)
    *out_now = g_steal_pointer (&now);
  return text;
}

void
rd_ledger_set_clock_offset_for_testing (RdLedger *self, GTimeSpan offset)
{
  g_return_if_fail (self != NULL);
  self->clock_offset = offset;
}

/* Reads a one-row, one-text-column pragma such as "PRAGMA journal_mode". */
static char *
query_text (RdLedger *self, const char *sql, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = rd_ledger_prepare (self, error, sql, 0);

  if (stmt == NULL || rd_ledger_step (self, stmt, error) != SQLITE_ROW)
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_IO, "ledger %s: %s returned nothing",
                     self->path, sql);
      return NULL;
    }
  return g_strdup ((const char *)sqlite3_column_text (stmt, 0));
}

/* Sets a pragma and reads it back, since SQLite ignores what it cannot do. */
static gboolean
set_pragma (RdLedger *self, const char *name, const char *value, GError **error)
{
  g_autofree char *set = g_strdup_printf ("PRAGMA %s = %s", name, value);
  g_autofree char *get = g_strdup_printf ("PRAGMA %s", name);
  g_autofree char *now = NULL;
  g_autoptr (GError) local_error = NULL;

  if (!rd_ledger_exec (self, set, &local_error) || !(now = query_text (self, get, &local_error)))
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                                  "cannot set %s = %s on ledger %s: ", name, value, self->path);
      return FALSE;
    }
  if (g_ascii_strcasecmp (now, value) != 0)
    {
      g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_OPEN,
                   "cannot set %s = %s on ledger %s: it stayed %s", name, value, self->path, now);
      return FALSE;
    }
  return TRUE;
}

/* SQLite reports the errno of its last attempt (often ENOENT from a read-only retry), so say
 * what is wrong with the directory when that is the cause. */
static void
explain_directory (const char *path, GError *error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  int saved_errno;
  char *message;

  if (strstr (error->message, "the state directory") != NULL || g_access (dir, W_OK | X_OK) == 0)
    return;
  saved_errno = errno;
  message = g_strdup_printf ("%s; the state directory %s: %s", error->message, dir,
                             g_strerror (saved_errno));
  g_free (error->message);
  error->message = message;
}

/* The ledger holds invite names and sealed identities: only its owner reads it, whatever the
 * process umask. A new file is made 0600 before SQLite opens it (its -wal and -shm files take
 * the database's mode); an existing one loses any permission for others. A failure here is left
 * for the open to report. */
static void
restrict_mode (const char *path)
{
  GStatBuf st;
  int fd = g_open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

  if (fd >= 0)
    close (fd);
  else if (g_stat (path, &st) == 0 && S_ISREG (st.st_mode) && (st.st_mode & 0007) != 0)
    g_chmod (path, st.st_mode & 0770);
}

/* Everything rd_ledger_open() does after the read-only checks. */
static gboolean
open_read_write (RdLedger *self, gboolean deferred, GError **error)
{
  int rc;

  rc = sqlite3_open_v2 (self->path, &self->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
  if (rc != SQLITE_OK)
    {
      g_autofree char *dir = g_path_get_dirname (self->path);

      if (g_access (dir, W_OK | X_OK) != 0)
        {
          int saved_errno = errno;

          g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_OPEN,
                       "cannot open ledger %s: the state directory %s: %s", self->path, dir,
                       g_strerror (saved_errno));
        }
      else
        rd_ledger_set_db_error (error, self->db, rc, RD_LEDGER_ERROR_OPEN, "cannot open ledger %s",
                                self->path);
      return FALSE;
    }
  sqlite3_extended_result_codes (self->db, 1);
  sqlite3_busy_timeout (self->db, BUSY_TIMEOUT_MS);
  if (!rd_ledger_chain_register (self->db, &self->chain_key))
    {
      rd_ledger_set_db_error (error, self->db, SQLITE_ERROR, RD_LEDGER_ERROR_OPEN,
                              "cannot register the hash chain's function on ledger %s", self->path);
      return FALSE;
    }
  /* No writable_schema, no journal_mode = OFF, no reading the file as a blob. */
  sqlite3_db_config (self->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);

  /* Checked again on this connection: the file may have changed since (another process, or a
   * hot journal rolled back just now), and this is the version the migrations start from. */
  if (!rd_ledger_schema_check (self->db, self->path, deferred, &self->schema_version, error))
    return FALSE;

  /* Migrate before WAL mode, so a migration that fails leaves the file as it was. */
  return set_pragma (self, "foreign_keys", "1", error) && rd_ledger_schema_migrate (self, error) &&
         rd_ledger_guards_require (self, error) && rd_ledger_chain_install_triggers (self, error) &&
         rd_ledger_anchor_sync (self, error) && set_pragma (self, "journal_mode", "wal", error) &&
         set_pragma (self, "synchronous", "1", error); /* 1 is NORMAL */
}

static RdLedger *
open_at (const char *state_dir, int version, GError **error)
{
  g_autoptr (RdLedger) self = NULL;
  g_autoptr (GError) local_error = NULL;
  gboolean deferred = FALSE;

  g_return_val_if_fail (state_dir != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_new0 (RdLedger, 1);
  self->path = g_build_filename (state_dir, RD_LEDGER_FILE_NAME, NULL);
  self->target_version = version;

  /* Decide on an existing file before writing a single byte to it (not even WAL mode). */
  if (!rd_ledger_schema_check_file (self->path, &deferred, error))
    return NULL;
  restrict_mode (self->path);

  if (!open_read_write (self, deferred, &local_error))
    {
      /* Failures here are about opening the file (read-only directory, locked, ...). */
      if (local_error->domain == RD_LEDGER_ERROR && local_error->code == RD_LEDGER_ERROR_IO)
        local_error->code = RD_LEDGER_ERROR_OPEN;
      if (g_error_matches (local_error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_OPEN))
        explain_directory (self->path, local_error);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  g_debug ("opened ledger %s (schema version %d)", self->path, self->schema_version);
  return g_steal_pointer (&self);
}

RdLedger *
rd_ledger_open (const char *state_dir, GError **error)
{
  return open_at (state_dir, RD_LEDGER_SCHEMA_VERSION, error);
}

RdLedger *
rd_ledger_open_at_version_for_testing (const char *state_dir, int version, GError **error)
{
  g_return_val_if_fail (version >= 0 && version <= RD_LEDGER_SCHEMA_VERSION, NULL);
  return open_at (state_dir, version, error);
}

void
rd_ledger_close (RdLedger *ledger)
{
  if (ledger == NULL)
    return;
  /* close_v2: a statement left unfinalized by a bug must not keep the file open forever. */
  sqlite3_close_v2 (ledger->db);
  g_clear_pointer (&ledger->key, rd_ledger_key_free);
  explicit_bzero (ledger->book_key, sizeof ledger->book_key);
  explicit_bzero (&ledger->chain_key, sizeof ledger->chain_key);
  g_clear_pointer (&ledger->calendar, rd_calendar_unref);
  g_free (ledger->path);
  g_free (ledger);
}

const char *
rd_ledger_get_path (RdLedger *ledger)
{
  g_return_val_if_fail (ledger != NULL, NULL);
  return ledger->path;
}

int
rd_ledger_get_schema_version (RdLedger *ledger)
{
  g_return_val_if_fail (ledger != NULL, -1);
  return ledger->schema_version;
}
