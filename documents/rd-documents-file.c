/* rd-documents-file.c: see rd-documents-file.h. */
#include "documents/rd-documents-file.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <unistd.h>

gboolean
rd_documents_write_new (const char *path, RdDocumentsWriteFunc write, gpointer data, GError **error)
{
  g_autofree char *tmp = g_strconcat (path, ".XXXXXX", NULL);
  int fd = g_mkstemp_full (tmp, O_WRONLY | O_CLOEXEC, 0600);

  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "cannot create %s: %s", tmp,
                   g_strerror (saved));
      return FALSE;
    }
  close (fd);
  if (!write (tmp, data, error))
    {
      g_unlink (tmp);
      return FALSE;
    }
  if (link (tmp, path) != 0)
    {
      int saved = errno;
      g_unlink (tmp);
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "cannot create %s: %s%s", path,
                   g_strerror (saved), saved == EEXIST ? " (choose a new file name)" : "");
      return FALSE;
    }
  g_unlink (tmp);
  return TRUE;
}

GBytes *
rd_documents_render (RdDocumentsWriter writer, JsonObject *doc, const char *dir, GError **error)
{
  g_autofree char *tmpdir = g_build_filename (dir, "document-XXXXXX", NULL);
  g_autofree char *path = NULL;
  char *contents = NULL;
  gsize len = 0;
  gboolean ok;

  if (g_mkdtemp_full (tmpdir, 0700) == NULL)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "cannot create %s: %s", tmpdir,
                   g_strerror (saved));
      return NULL;
    }
  path = g_build_filename (tmpdir, "document", NULL);
  ok = writer (doc, path, error);
  if (ok)
    {
      g_autoptr (GFile) file = g_file_new_for_path (path);
      ok = g_file_load_contents (file, NULL, &contents, &len, NULL, error);
    }
  g_unlink (path);
  g_rmdir (tmpdir);
  return ok ? g_bytes_new_take (contents, len) : NULL;
}

gboolean
rd_documents_check_book (JsonObject *book, GError **error)
{
  static const char *const arrays[] = { "columns", "groups", "rows" };

  for (gsize i = 0; i < G_N_ELEMENTS (arrays); i++)
    {
      JsonNode *n = book ? json_object_get_member (book, arrays[i]) : NULL;
      if (n == NULL || !JSON_NODE_HOLDS_ARRAY (n))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "the book from the daemon has no \"%s\" list", arrays[i]);
          return FALSE;
        }
    }
  return TRUE;
}
