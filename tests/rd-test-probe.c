/* rd-test-probe.c: see rd-test-probe.h. */
#include "tests/rd-test-probe.h"

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <stdlib.h>

#define FFPROBE_TIMEOUT_S 60

static void
stream_free (gpointer data)
{
  RdTestProbeStream *s = data;

  g_free (s->codec);
  g_free (s->type);
  g_free (s);
}

void
rd_test_probe_free (RdTestProbe *probe)
{
  if (!probe)
    return;
  g_ptr_array_unref (probe->streams);
  g_free (probe);
}

gboolean
rd_test_probe_available (void)
{
  g_autofree char *path = g_find_program_in_path ("ffprobe");
  return path != NULL;
}

static double
number_of (JsonObject *o, const char *name)
{
  const char *text = json_object_has_member (o, name)
                         ? json_object_get_string_member_with_default (o, name, NULL)
                         : NULL;
  return text ? g_ascii_strtod (text, NULL) : -1;
}

RdTestProbe *
rd_test_probe_file (const char *path, GError **error)
{
  const char *argv[] = {
    "timeout",
    G_STRINGIFY (FFPROBE_TIMEOUT_S),
    "ffprobe",
    "-v",
    "error",
    "-count_frames",
    "-show_entries",
    "stream=codec_name,codec_type,nb_read_frames,width,height:format=start_time,duration",
    "-of",
    "json",
    path,
    NULL
  };
  g_autoptr (GSubprocess) proc = NULL;
  g_autoptr (GBytes) out = NULL, err = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  RdTestProbe *probe;
  JsonObject *root, *format;
  JsonArray *streams;

  proc = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                            error);
  if (!proc || !g_subprocess_communicate (proc, NULL, NULL, &out, &err, error))
    return NULL;
  if (!g_subprocess_get_if_exited (proc) || g_subprocess_get_exit_status (proc) != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "ffprobe %s failed: %.*s", path,
                   (int)g_bytes_get_size (err), (const char *)g_bytes_get_data (err, NULL));
      return NULL;
    }
  if (!json_parser_load_from_data (parser, g_bytes_get_data (out, NULL),
                                   (gssize)g_bytes_get_size (out), error))
    return NULL;
  root = json_node_get_object (json_parser_get_root (parser));
  probe = g_new0 (RdTestProbe, 1);
  probe->streams = g_ptr_array_new_with_free_func (stream_free);
  format = json_object_get_object_member (root, "format");
  probe->start_s = format ? number_of (format, "start_time") : -1;
  probe->duration_s = format ? number_of (format, "duration") : -1;
  streams = json_object_get_array_member (root, "streams");
  for (guint i = 0; streams && i < json_array_get_length (streams); i++)
    {
      JsonObject *o = json_array_get_object_element (streams, i);
      RdTestProbeStream *s = g_new0 (RdTestProbeStream, 1);

      s->codec = g_strdup (json_object_get_string_member_with_default (o, "codec_name", ""));
      s->type = g_strdup (json_object_get_string_member_with_default (o, "codec_type", ""));
      s->frames = (gint64)number_of (o, "nb_read_frames");
      s->width = json_object_get_int_member_with_default (o, "width", 0);
      s->height = json_object_get_int_member_with_default (o, "height", 0);
      g_ptr_array_add (probe->streams, s);
    }
  return probe;
}

GStrv
rd_test_probe_frame_sizes (const char *path, GError **error)
{
  const char *argv[] = { "timeout",
                         G_STRINGIFY (FFPROBE_TIMEOUT_S),
                         "ffprobe",
                         "-v",
                         "error",
                         "-select_streams",
                         "v:0",
                         "-show_entries",
                         "frame=width,height",
                         "-of",
                         "csv=p=0:s=x",
                         path,
                         NULL };
  g_autoptr (GSubprocess) proc = NULL;
  g_autofree char *out = NULL;
  g_auto (GStrv) lines = NULL;
  g_autoptr (GPtrArray) sizes = g_ptr_array_new_with_free_func (g_free);

  proc = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE, error);
  if (!proc || !g_subprocess_communicate_utf8 (proc, NULL, NULL, &out, NULL, error))
    return NULL;
  lines = g_strsplit (out ? out : "", "\n", -1);
  for (char **l = lines; *l; l++)
    {
      g_strstrip (*l);
      if (**l && !g_ptr_array_find_with_equal_func (sizes, *l, g_str_equal, NULL))
        g_ptr_array_add (sizes, g_strdup (*l));
    }
  g_ptr_array_add (sizes, NULL);
  return (GStrv)g_ptr_array_steal (sizes, NULL);
}
