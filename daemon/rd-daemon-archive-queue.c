/* rd-daemon-archive-queue.c: queueing a sealed session's package for the archive, and the
 * backlog for `archive status` and `status`. See rd-daemon-archive.h. */
#include "daemon/rd-daemon-archive-private.h"
#include "daemon/rd-daemon-log.h"
#include "ledger/rd-ledger-error.h"

/* An object for file @name of the package (its SHA-256 computed when @sha256 is NULL). */
static RdLedgerArchiveObject *
object (RdArchiver *a, const char *dir, const char *session, const char *name, gint64 size,
        const char *sha256, GError **error)
{
  g_autofree char *path = g_build_filename (a->state_dir, dir, name, NULL);
  g_auto (GStrv) parts = g_strsplit (dir, "/", -1); /* recordings/<yyyy>/<mm>/<session> */
  guint n = g_strv_length (parts);
  RdLedgerArchiveObject *o;
  g_autofree char *data = NULL;
  gsize len = 0;

  if (n < 3)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s: not a recording directory", dir);
      return NULL;
    }
  if (!sha256 && !g_file_get_contents (path, &data, &len, error))
    return NULL;
  o = g_new0 (RdLedgerArchiveObject, 1);
  o->name = g_strdup (name);
  o->key = g_strdup_printf ("%s/%s/%s/%s/%s", a->room, parts[n - 3], parts[n - 2], session, name);
  o->size_bytes = sha256 ? size : (gint64)len;
  o->sha256 = sha256 ? g_strdup (sha256)
                     : g_compute_checksum_for_data (G_CHECKSUM_SHA256, (guint8 *)data, len);
  return o;
}

void
rd_archiver_enqueue (RdArchiver *a, const char *session_id, const char *dir)
{
  static const char *const last[] = { RD_LEDGER_ARCHIVE_MANIFEST_SIG,
                                      RD_LEDGER_ARCHIVE_PUBLIC_KEY_PEM,
                                      RD_LEDGER_ARCHIVE_MANIFEST };
  g_autoptr (GPtrArray) objects =
      g_ptr_array_new_with_free_func ((GDestroyNotify)rd_ledger_archive_object_free);
  g_autofree char *manifest_path = NULL;
  g_autofree char *text = NULL;
  g_autoptr (JsonNode) manifest = NULL;
  g_autoptr (GError) error = NULL;
  JsonArray *files;

  if (!rd_archiver_is_enabled (a))
    return;
  manifest_path = g_build_filename (a->state_dir, dir, RD_LEDGER_ARCHIVE_MANIFEST, NULL);
  if (!g_file_get_contents (manifest_path, &text, NULL, &error) ||
      !(manifest = json_from_string (text, &error)) || !JSON_NODE_HOLDS_OBJECT (manifest))
    goto fail;
  files = json_object_get_array_member (json_node_get_object (manifest), "files");
  for (guint i = 0; files && i < json_array_get_length (files); i++)
    {
      JsonObject *f = json_array_get_object_element (files, i);
      RdLedgerArchiveObject *o;

      if (!json_object_get_string_member_with_default (f, "sha256", NULL))
        continue; /* an unrecoverable segment: no file */
      o = object (a, dir, session_id, json_object_get_string_member (f, "name"),
                  json_object_get_int_member (f, "size_bytes"),
                  json_object_get_string_member (f, "sha256"), &error);
      if (!o)
        goto fail;
      g_ptr_array_add (objects, o);
    }
  for (guint i = 0; i < G_N_ELEMENTS (last); i++)
    {
      RdLedgerArchiveObject *o = object (a, dir, session_id, last[i], 0, NULL, &error);
      if (!o)
        goto fail;
      g_ptr_array_add (objects, o);
    }
  if (!rd_ledger_archive_enqueue (a->ledger, session_id, objects, &error))
    {
      if (g_error_matches (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_EXISTS))
        return;
      goto fail;
    }
  rd_log_session (G_LOG_LEVEL_MESSAGE, session_id, "queued for the archive: %u objects",
                  objects->len);
  rd_archiver_kick (a);
  return;

fail:
  rd_log_session (G_LOG_LEVEL_WARNING, session_id, "cannot queue the session for the archive: %s",
                  error ? error->message : "manifest.json is not a JSON object");
}

JsonNode *
rd_archiver_status (RdArchiver *a, GError **error)
{
  g_autoptr (JsonNode) jobs = rd_ledger_archive_list (a->ledger, error);
  g_autoptr (JsonObject) out = NULL;
  gint64 queued = 0, failed = 0, archived = 0, backlog = 0;
  JsonArray *arr;

  if (!jobs)
    return NULL;
  arr = json_node_get_array (jobs);
  for (guint i = 0; i < json_array_get_length (arr); i++)
    {
      JsonObject *j = json_array_get_object_element (arr, i);
      const char *state = json_object_get_string_member (j, "state");

      json_object_set_boolean_member (
          j, "held",
          rd_ledger_archive_is_held (a->ledger, json_object_get_string_member (j, "session")));
      if (g_strcmp0 (state, RD_ARCHIVE_JOB_ARCHIVED) == 0)
        archived++;
      else
        {
          if (g_strcmp0 (state, RD_ARCHIVE_JOB_FAILED) == 0)
            failed++;
          else
            queued++;
          backlog += json_object_get_int_member (j, "bytes") -
                     json_object_get_int_member (j, "bytes_uploaded");
        }
    }
  out = json_object_new ();
  json_object_set_boolean_member (out, "enabled", rd_archiver_is_enabled (a));
  if (a->job)
    json_object_set_int_member (out, "running", a->job->id);
  else
    json_object_set_null_member (out, "running");
  if (a->held && queued > 0)
    json_object_set_string_member (out, "waiting", "a live session (during-session=false)");
  else
    json_object_set_null_member (out, "waiting");
  json_object_set_int_member (out, "queued", queued);
  json_object_set_int_member (out, "failed", failed);
  json_object_set_int_member (out, "archived", archived);
  json_object_set_int_member (out, "backlog_bytes", backlog);
  json_object_set_member (out, "jobs", g_steal_pointer (&jobs));
  return json_node_init_object (json_node_alloc (), out);
}
