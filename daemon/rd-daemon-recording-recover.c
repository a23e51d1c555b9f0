/* rd-daemon-recording-recover.c: repairing, at start, the segments a crash left open. See
 * rd-daemon-recording.h. Runs before the main loop: blocking is fine there and nothing else may
 * touch those files meanwhile.
 *
 * For a row still "recording" (the daemon died while writing it):
 *   <name>.mkv (crashed: no duration, no cues) --rd_record_repair--> <name>.repair.mkv (verified)
 *   <name>.mkv -> <name>.crashed.mkv (the original bytes, kept)
 *   <name>.repair.mkv -> <name>.mkv (the row's path never changes), directory fsynced
 *   row sealed "repaired" with the new file's hash; the original's hash and size in the event.
 * A failed repair leaves every file as it was and marks the row unrecoverable with the reason.
 *
 * Before that, a .mkv under recordings/ that no row names (a crash between the file being made
 * and its row being written) is registered as a row of its session, from its name, then
 * repaired like the others (an empty one: unrecoverable); one that cannot be registered (no such
 * session, an ended one, a number taken, a foreign name) is left as it is. Either way an event
 * "recording-orphan-found" {path, size_bytes, segment, outcome} says so; nothing is deleted. */
#include "daemon/rd-daemon-recording.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/rd-daemon-log.h"
#include "ledger/rd-ledger-recordings.h"
#include "media/rd-media-record-repair.h"

/* What the repair works with. */
typedef struct
{
  RdLedger *ledger;
  RdConfig *config;
} Recover;

static char *
sha256_of_file (const char *path, gint64 *size, GError **error)
{
  g_autoptr (GMappedFile) map = g_mapped_file_new (path, FALSE, error);
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);

  if (!map)
    return NULL;
  if (g_mapped_file_get_length (map) > 0)
    g_checksum_update (sum, (const guchar *)g_mapped_file_get_contents (map),
                       (gssize)g_mapped_file_get_length (map));
  *size = (gint64)g_mapped_file_get_length (map);
  return g_strdup (g_checksum_get_string (sum));
}

static gboolean
fsync_dir_of (const char *path, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int saved;

  if (fd >= 0 && fsync (fd) == 0)
    {
      close (fd);
      return TRUE;
    }
  saved = errno;
  if (fd >= 0)
    close (fd);
  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved), "cannot fsync %s: %s", dir,
               g_strerror (saved));
  return FALSE;
}

/* "<base>.mkv" -> "<base><suffix>" */
static char *
sibling (const char *path, const char *suffix)
{
  gsize n = strlen (path);

  if (g_str_has_suffix (path, ".mkv"))
    n -= 4;
  return g_strdup_printf ("%.*s%s", (int)n, path, suffix);
}

static char *
iso_time (gint64 unix_s)
{
  g_autoptr (GDateTime) t = g_date_time_new_from_unix_utc (unix_s);
  return g_date_time_format (t, "%Y-%m-%dT%H:%M:%SZ");
}

/* Repairs one row. FALSE with @error when it cannot be (the files are then as they were). */
static gboolean
repair_one (Recover *d, RdLedgerRecording *r, gint64 *last_write, GError **error)
{
  g_autofree char *path = g_build_filename (rd_config_get_state_dir (d->config), r->path, NULL);
  g_autofree char *repaired = sibling (path, ".repair.mkv");
  g_autofree char *crashed = sibling (path, ".crashed.mkv");
  g_autofree char *crashed_sha = NULL;
  g_autofree char *sha = NULL;
  g_autofree char *detail = NULL;
  g_autofree char *crashed_rel = NULL;
  gint64 crashed_size = 0, size = 0;
  guint64 duration = 0;
  struct stat st;

  if (g_stat (path, &st) != 0)
    {
      int saved = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved), "%s: %s", path,
                   g_strerror (saved));
      return FALSE;
    }
  *last_write = MAX (*last_write, (gint64)st.st_mtime);
  if (!(crashed_sha = sha256_of_file (path, &crashed_size, error)) ||
      !rd_record_repair (path, repaired, &duration, error))
    return FALSE;
  if (g_file_test (crashed, G_FILE_TEST_EXISTS) || g_rename (path, crashed) != 0 ||
      g_rename (repaired, path) != 0 || !fsync_dir_of (path, error) ||
      !(sha = sha256_of_file (path, &size, error)))
    {
      if (error && !*error)
        g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                     "cannot put the repaired file in place of %s (%s is there or a rename "
                     "failed: %s)",
                     path, crashed, g_strerror (errno));
      return FALSE;
    }
  crashed_rel = sibling (r->path, ".crashed.mkv");
  detail = g_strdup_printf ("{\"original_file\":\"%s\",\"original_sha256\":\"%s\","
                            "\"original_size_bytes\":%" G_GINT64_FORMAT "}",
                            crashed_rel, crashed_sha, crashed_size);
  return rd_ledger_recording_seal (d->ledger, r->session_id, r->segment,
                                   RD_RECORDING_STATE_REPAIRED, sha, size, (gint64)duration, NULL,
                                   detail, error);
}

static void
record_gap (Recover *d, const char *session_id, gint64 last_write)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) detail = json_from_string ("{}", NULL);
  JsonObject *o = json_node_get_object (detail);
  g_autofree char *from = iso_time (last_write);
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  g_autofree char *to = iso_time (now);

  json_object_set_string_member (o, "last_media_written", from);
  json_object_set_string_member (o, "restarted", to);
  json_object_set_int_member (o, "gap_s", MAX (0, now - last_write));
  if (!rd_ledger_add_event (d->ledger, session_id, "receptiond", "recording-gap", detail, &error))
    rd_log_session (G_LOG_LEVEL_WARNING, session_id, "cannot record the gap: %s", error->message);
  else
    rd_log_session (G_LOG_LEVEL_WARNING, session_id,
                    "the recording has a gap from %s (last media written) to %s (restart)", from,
                    to);
}

/* --- files without a row: a crash between a segment's file being made and its row --- */

static void
orphan_event (Recover *d, const char *session_id, const char *rel, gint64 size, gint64 segment,
              const char *outcome)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) detail = json_from_string ("{}", NULL);
  JsonObject *o = json_node_get_object (detail);

  json_object_set_string_member (o, "path", rel);
  json_object_set_int_member (o, "size_bytes", size);
  if (segment > 0)
    json_object_set_int_member (o, "segment", segment);
  json_object_set_string_member (o, "outcome", outcome);
  if (!rd_ledger_add_event (d->ledger, session_id, "receptiond", "recording-orphan-found", detail,
                            &error))
    rd_log_session (G_LOG_LEVEL_WARNING, session_id, "cannot record the file %s found: %s", rel,
                    error->message);
}

/* @name is "<session_id>-<NNNN>-<track>.mkv": the segment number, or 0. */
static gint64
segment_of (const char *name, const char *session_id)
{
  gsize n = strlen (session_id);
  char *end = NULL;
  gint64 segment;

  if (strncmp (name, session_id, n) != 0 || name[n] != '-' || !g_ascii_isdigit (name[n + 1]))
    return 0;
  segment = g_ascii_strtoll (name + n + 1, &end, 10);
  return end && *end == '-' && segment > 0 && segment < G_MAXINT ? segment : 0;
}

static void
adopt_orphan (Recover *d, const char *dir_rel, const char *session_id, const char *name)
{
  g_autofree char *rel = g_build_filename (dir_rel, name, NULL);
  g_autofree char *path = g_build_filename (rd_config_get_state_dir (d->config), rel, NULL);
  g_autoptr (GError) error = NULL;
  gint64 segment = segment_of (name, session_id);
  GStatBuf st;
  gint64 size = g_stat (path, &st) == 0 ? (gint64)st.st_size : -1;

  /* Never deleted, never renamed here. With a row it is repaired below like any segment a
   * crash left open (an empty one is marked unrecoverable); without one (its session unknown
   * or ended, its number taken, a name not the recorder's), it stays as it is, and said. */
  if (segment > 0 && rd_ledger_recording_add (d->ledger, session_id, segment, rel, NULL, &error))
    {
      rd_log_session (G_LOG_LEVEL_WARNING, session_id,
                      "%s (%" G_GINT64_FORMAT " bytes) had no ledger row (a crash as it was "
                      "made): registered as segment %" G_GINT64_FORMAT ", to be repaired",
                      rel, size, segment);
      orphan_event (d, session_id, rel, size, segment, "registered");
      return;
    }
  {
    g_autofree char *why = g_strdup_printf (
        "not registered, kept as it is: %s",
        segment > 0 ? error->message : "its name is not <session>-<segment>-<track>.mkv");
    g_autoptr (GError) lookup = NULL;
    g_autoptr (GPtrArray) rows = rd_ledger_recordings_list (d->ledger, session_id, NULL, &lookup);
    gboolean session_known = rows != NULL; /* else NOT_FOUND: said daemon-wide */

    rd_log_session (G_LOG_LEVEL_WARNING, session_known ? session_id : NULL,
                    "%s (%" G_GINT64_FORMAT " bytes) has no ledger row; %s", rel, size, why);
    orphan_event (d, session_known ? session_id : NULL, rel, size, segment, why);
  }
}

/* Every .mkv under <state>/recordings/<yyyy>/<mm>/<session>/ that no row names (the crashed
 * and repair copies recovery makes aside). */
static void
adopt_orphans (Recover *d)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) rows = rd_ledger_recordings_list (d->ledger, NULL, NULL, &error);
  g_autoptr (GHashTable) known = g_hash_table_new (g_str_hash, g_str_equal);
  const char *state_dir = rd_config_get_state_dir (d->config);
  g_autofree char *top = g_build_filename (state_dir, "recordings", NULL);
  g_autoptr (GDir) years = g_dir_open (top, 0, NULL);
  const char *y, *m, *s, *f;

  if (!rows)
    {
      rd_log_session (G_LOG_LEVEL_WARNING, NULL, "cannot look for unregistered recordings: %s",
                      error->message);
      return;
    }
  for (guint i = 0; i < rows->len; i++)
    g_hash_table_add (known, ((RdLedgerRecording *)rows->pdata[i])->path);
  while (years && (y = g_dir_read_name (years)))
    {
      g_autofree char *yp = g_build_filename (top, y, NULL);
      g_autoptr (GDir) months = g_dir_open (yp, 0, NULL);

      while (months && (m = g_dir_read_name (months)))
        {
          g_autofree char *mp = g_build_filename (yp, m, NULL);
          g_autoptr (GDir) sessions = g_dir_open (mp, 0, NULL);

          while (sessions && (s = g_dir_read_name (sessions)))
            {
              g_autofree char *sp = g_build_filename (mp, s, NULL);
              g_autofree char *dir_rel = g_build_filename ("recordings", y, m, s, NULL);
              g_autoptr (GDir) files = g_dir_open (sp, 0, NULL);
              g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);

              while (files && (f = g_dir_read_name (files)))
                {
                  g_autofree char *rel = g_build_filename (dir_rel, f, NULL);
                  if (g_str_has_suffix (f, ".mkv") && !g_str_has_suffix (f, ".crashed.mkv") &&
                      !g_str_has_suffix (f, ".repair.mkv") && !g_hash_table_contains (known, rel))
                    g_ptr_array_add (names, g_strdup (f));
                }
              g_ptr_array_sort (names, (GCompareFunc)g_strcmp0);
              for (guint i = 0; i < names->len; i++)
                adopt_orphan (d, dir_rel, s, names->pdata[i]);
            }
        }
    }
}

void
rd_session_recording_recover (RdLedger *ledger, RdConfig *config)
{
  Recover recover = { ledger, config };
  Recover *d = &recover;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) open_rows = NULL;
  g_autoptr (GHashTable) gaps = NULL;
  GHashTableIter iter;
  gpointer key, value;

  adopt_orphans (d); /* registered ones are repaired with the rest */
  open_rows = rd_ledger_recordings_list (d->ledger, NULL, RD_RECORDING_STATE_RECORDING, &error);
  if (!open_rows)
    {
      rd_log_session (G_LOG_LEVEL_WARNING, NULL, "cannot look for crashed recordings: %s",
                      error->message);
      return;
    }
  gaps = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (guint i = 0; i < open_rows->len; i++)
    {
      RdLedgerRecording *r = open_rows->pdata[i];
      g_autoptr (GError) why = NULL;
      gint64 *last = g_hash_table_lookup (gaps, r->session_id);

      if (!last)
        {
          last = g_new0 (gint64, 1);
          g_hash_table_insert (gaps, g_strdup (r->session_id), last);
        }
      if (repair_one (d, r, last, &why))
        rd_log_session (G_LOG_LEVEL_MESSAGE, r->session_id,
                        "segment %" G_GINT64_FORMAT " (%s), left open by a crash, repaired",
                        r->segment, r->path);
      else
        {
          g_autoptr (GError) mark_error = NULL;

          rd_log_session (G_LOG_LEVEL_WARNING, r->session_id,
                          "segment %" G_GINT64_FORMAT " (%s) cannot be repaired, kept as it is: "
                          "%s",
                          r->segment, r->path, why->message);
          if (!rd_ledger_recording_mark_unrecoverable (d->ledger, r->session_id, r->segment,
                                                       why->message, &mark_error))
            rd_log_session (G_LOG_LEVEL_WARNING, r->session_id, "%s", mark_error->message);
        }
    }
  g_hash_table_iter_init (&iter, gaps);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (*(gint64 *)value > 0)
      record_gap (d, key, *(gint64 *)value);
}
