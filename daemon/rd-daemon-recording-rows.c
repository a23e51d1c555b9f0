/* rd-daemon-recording-rows.c: the recording's segments in the ledger. Each segment the recorder
 * opens and seals is written as it happens; a write the ledger refuses for a reason that can
 * pass (RD_LEDGER_ERROR_IO: the database busy beyond its timeout, its disk full, an I/O error)
 * is kept, said once, and written again later (after 1 s, then twice as long each time, up to
 * 30 s), in order: a segment's "opened" before its seal. So a segment sealed on disk does not
 * stay "recording" in the ledger while the daemon runs on. What is still unwritten when the
 * recording finishes is said, and left to the next start's recovery (a row still "recording" is
 * repaired; a file without a row is registered, or said why not). Main context only. */
#include "daemon/rd-daemon-recording-private.h"

#include "daemon/rd-daemon-log.h"
#include "ledger/rd-ledger-error.h"
#include "ledger/rd-ledger-recordings.h"

#define RETRY_FIRST_MS 1000
#define RETRY_MAX_MS   30000

typedef struct
{
  gboolean seal; /* else: opened */
  char *session;
  gint64 segment;
  char *path; /* relative to the state dir */
  char *tracks, *sha256;
  gint64 size, duration_ns;
  guint attempts;
  char *first_error;
} Row;

static void
row_free (gpointer data)
{
  Row *row = data;

  g_free (row->session);
  g_free (row->path);
  g_free (row->tracks);
  g_free (row->sha256);
  g_free (row->first_error);
  g_free (row);
}

static gboolean
write_row (RdSessionRecording *d, Row *row, GError **error)
{
  if (row->seal)
    return rd_ledger_recording_seal (d->ledger, row->session, row->segment,
                                     RD_RECORDING_STATE_SEALED, row->sha256, row->size,
                                     row->duration_ns, row->tracks, NULL, error);
  return rd_ledger_recording_add (d->ledger, row->session, row->segment, row->path, row->tracks,
                                  error);
}

static const char *
what (Row *row)
{
  return row->seal ? "seal" : "row";
}

static void schedule (RdSessionRecording *d);

/* Writes what is pending, in order; stops at the first refusal (what follows may depend on
 * it). */
static void
flush (RdSessionRecording *d)
{
  while (d->rows && d->rows->len > 0)
    {
      Row *row = d->rows->pdata[0];
      g_autoptr (GError) error = NULL;

      row->attempts++;
      if (!write_row (d, row, &error))
        {
          if (g_error_matches (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_IO))
            {
              if (!row->first_error)
                {
                  rd_log_session (G_LOG_LEVEL_WARNING, row->session,
                                  "segment %" G_GINT64_FORMAT " (%s): the ledger refused its %s: "
                                  "%s; written again when it takes it",
                                  row->segment, row->path, what (row), error->message);
                  row->first_error = g_strdup (error->message);
                }
              schedule (d);
              return;
            }
          /* a refusal that stays (the session ended, the row was never added): said, and the
           * next start's recovery reads the file */
          rd_log_session (G_LOG_LEVEL_WARNING, row->session,
                          "segment %" G_GINT64_FORMAT " (%s, SHA-256 %s): its %s is not in the "
                          "ledger: %s",
                          row->segment, row->path, row->sha256 ? row->sha256 : "not yet",
                          what (row), error->message);
        }
      else if (row->first_error)
        rd_log_session (G_LOG_LEVEL_MESSAGE, row->session,
                        "segment %" G_GINT64_FORMAT " (%s): its %s is in the ledger after %u "
                        "attempts (first refused: %s)",
                        row->segment, row->path, what (row), row->attempts, row->first_error);
      g_ptr_array_remove_index (d->rows, 0);
    }
  d->retry_ms = 0;
}

static gboolean
retry (gpointer data)
{
  RdSessionRecording *d = data;

  d->retry_id = 0;
  flush (d);
  return G_SOURCE_REMOVE;
}

static void
schedule (RdSessionRecording *d)
{
  if (d->retry_id)
    return;
  d->retry_ms = d->retry_ms ? MIN (d->retry_ms * 2, RETRY_MAX_MS) : RETRY_FIRST_MS;
  d->retry_id = g_timeout_add (d->retry_ms, retry, d);
}

static void
push (RdSessionRecording *d, Row *row)
{
  if (!d->rows)
    d->rows = g_ptr_array_new_with_free_func (row_free);
  g_ptr_array_add (d->rows, row);
  if (!d->retry_id) /* else the ledger is refusing: this waits its turn */
    flush (d);
}

void
rd_session_recording_rows_opened (RdSessionRecording *d, gint64 segment, const char *path,
                                  const char *tracks)
{
  Row *row = g_new0 (Row, 1);

  row->session = g_strdup (d->session);
  row->segment = segment;
  row->path = g_strdup (path);
  row->tracks = g_strdup (tracks);
  push (d, row);
}

void
rd_session_recording_rows_sealed (RdSessionRecording *d, gint64 segment, const char *path,
                                  const char *sha256, gint64 size, gint64 duration_ns,
                                  const char *tracks)
{
  Row *row = g_new0 (Row, 1);

  row->seal = TRUE;
  row->session = g_strdup (d->session);
  row->segment = segment;
  row->path = g_strdup (path);
  row->sha256 = g_strdup (sha256);
  row->size = size;
  row->duration_ns = duration_ns;
  row->tracks = g_strdup (tracks);
  push (d, row);
}

guint
rd_session_recording_rows_pending (RdSessionRecording *d)
{
  return d->rows ? d->rows->len : 0;
}

void
rd_session_recording_rows_finish (RdSessionRecording *d, gboolean last_try)
{
  g_clear_handle_id (&d->retry_id, g_source_remove);
  if (last_try)
    flush (d);
  g_clear_handle_id (&d->retry_id, g_source_remove);
  for (guint i = 0; d->rows && i < d->rows->len; i++)
    {
      Row *row = d->rows->pdata[i];
      rd_log_session (G_LOG_LEVEL_WARNING, row->session,
                      "segment %" G_GINT64_FORMAT " (%s): its %s is still not in the ledger (%s); "
                      "left to the next start's recovery",
                      row->segment, row->path, what (row), row->first_error);
    }
  g_clear_pointer (&d->rows, g_ptr_array_unref);
  d->retry_ms = 0;
}
