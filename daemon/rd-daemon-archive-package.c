/* rd-daemon-archive-package.c: writes a sealed session's archive package next to its segment
 * files: manifest.json (rd_ledger_archive_manifest()), manifest.json.sig (the 64 raw bytes of its
 * Ed25519 signature, as `openssl pkeyutl -verify -rawin -sigfile` reads it) and room-public.pem.
 * Each file is written to a temporary name, fsync'ed and renamed (g_file_set_contents_full), the
 * manifest last: a package whose manifest.json exists is complete. Main context only. */
#include "daemon/rd-daemon-private.h"
#include "daemon/rd-daemon-log.h"
#include "ledger/rd-ledger-archive.h"
#include "ledger/rd-ledger-error.h"
#include "ledger/rd-ledger-recordings.h"

#include <string.h>

static gboolean
write_file (const char *dir, const char *name, gconstpointer data, gsize len, GError **error)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);

  return g_file_set_contents_full (path, data, len, G_FILE_SET_CONTENTS_CONSISTENT, 0640, error);
}

static gboolean
package (RdDaemon *d, const char *session_id, GError **error)
{
  g_autoptr (GBytes) manifest = NULL;
  g_autoptr (GBytes) signature = NULL;
  g_autofree char *rel = NULL;
  g_autofree char *dir = NULL;
  const char *pem;
  gsize len;
  gconstpointer data;

  if (!rd_ledger_archive_manifest (d->ledger, session_id, rd_config_get_room_name (d->config),
                                   &manifest, &signature, &rel, error))
    return FALSE;
  dir = g_build_filename (rd_config_get_state_dir (d->config), rel, NULL);
  pem = rd_ledger_key_get_public_pem (d->room_key);
  data = g_bytes_get_data (signature, &len);
  if (!write_file (dir, RD_LEDGER_ARCHIVE_MANIFEST_SIG, data, len, error) ||
      !write_file (dir, RD_LEDGER_ARCHIVE_PUBLIC_KEY_PEM, pem, strlen (pem), error))
    return FALSE;
  data = g_bytes_get_data (manifest, &len);
  if (!write_file (dir, RD_LEDGER_ARCHIVE_MANIFEST, data, len, error))
    return FALSE;
  rd_log_session (G_LOG_LEVEL_MESSAGE, session_id, "archive package written in %s", dir);
  rd_archiver_enqueue (d->archiver, session_id, rel);
  return TRUE;
}

void
rd_daemon_archive_package (RdDaemon *d, const char *session_id)
{
  g_autoptr (GError) error = NULL;

  if (!package (d, session_id, &error) &&
      !g_error_matches (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_STATE))
    rd_log_session (G_LOG_LEVEL_WARNING, session_id, "%s", error->message);
}

/* Whether @session_id has recordings whose directory holds no manifest yet; a package written
 * but not queued (a crash between the two) is queued. */
static gboolean
lacks_package (RdDaemon *d, const char *session_id)
{
  g_autoptr (GPtrArray) rows = rd_ledger_recordings_list (d->ledger, session_id, NULL, NULL);
  g_autoptr (RdLedgerArchiveJob) job = rd_ledger_archive_job_get (d->ledger, session_id, 0, NULL);
  RdLedgerRecording *first;
  g_autofree char *dir = NULL;
  g_autofree char *manifest = NULL;

  /* a queued session had its package (its local files may since be deleted, once archived) */
  if (rows == NULL || rows->len == 0 || job)
    return FALSE;
  first = rows->pdata[0];
  dir = g_path_get_dirname (first->path);
  manifest =
      g_build_filename (rd_config_get_state_dir (d->config), dir, RD_LEDGER_ARCHIVE_MANIFEST, NULL);
  if (!g_file_test (manifest, G_FILE_TEST_EXISTS))
    return TRUE;
  rd_archiver_enqueue (d->archiver, session_id, dir); /* written, not queued yet */
  return FALSE;
}

void
rd_daemon_archive_package_missing (RdDaemon *d)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) list = rd_ledger_session_list (d->ledger, &error);
  JsonArray *sessions;

  if (list == NULL)
    {
      rd_log_session (G_LOG_LEVEL_WARNING, NULL, "cannot look for sessions to package: %s",
                      error->message);
      return;
    }
  sessions = json_node_get_array (list);
  for (guint i = 0; i < json_array_get_length (sessions); i++)
    {
      JsonObject *s = json_array_get_object_element (sessions, i);
      const char *id = json_object_get_string_member (s, "id");
      const char *state = json_object_get_string_member (s, "state");

      if ((g_strcmp0 (state, RD_SESSION_STATE_ENDED) != 0 &&
           g_strcmp0 (state, RD_SESSION_STATE_INTERRUPTED) != 0) ||
          !lacks_package (d, id))
        continue;
      if (!package (d, id, &error))
        {
          rd_log_session (G_LOG_LEVEL_WARNING, id, "%s", error->message);
          g_clear_error (&error);
        }
    }
}
