/* rd-console-file.c: see rd-console-file.h. */
#include "console/rd-console-file.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <unistd.h>

gboolean
rd_console_write_new (const char *path, RdConsoleWriteFunc write, gpointer data, GError **error)
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
