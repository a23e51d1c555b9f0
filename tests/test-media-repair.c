/* test-media-repair.c: rd_record_repair() on files truly cut short by a crash (gst-launch-1.0
 * recording VP8, and VP8 + Opus, into Matroska, killed with SIGKILL once the file holds more
 * than 2 s of media), checked with ffprobe, which nobody here wrote: the repaired file has a
 * duration (the crashed one has none) within 1 s of the media that was written, the same streams
 * and codecs, the same start time; the input's bytes are unchanged; rd_record_check_finalised()
 * tells the two apart. Also the refusals: garbage, a crash right after the header, an empty file,
 * a missing file, an existing output (never overwritten). */
#include "media/rd-media-record-repair.h"
#include "media/rd-media-error.h"
#include "media/rd-media-devices.h"

#include <gst/gst.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

typedef struct
{
  char *dir;
  char *crashed;  /* dir/crashed.mkv */
  char *repaired; /* dir/repaired.mkv */
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->dir = g_dir_make_tmp ("test-media-repair-XXXXXX", &error);
  g_assert_no_error (error);
  f->crashed = g_build_filename (f->dir, "crashed.mkv", NULL);
  f->repaired = g_build_filename (f->dir, "repaired.mkv", NULL);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_autoptr (GDir) dir = g_dir_open (f->dir, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (f->dir, name, NULL);
      g_remove (path);
    }
  g_rmdir (f->dir);
  g_free (f->dir);
  g_free (f->crashed);
  g_free (f->repaired);
}

/* --- ffprobe -----------------------------------------------------------------------------------
 */

/* ffprobe's JSON for @path with @what1 and @what2 ("-show_streams", ...). (transfer full) */
static JsonObject *
ffprobe (const char *path, const char *what1, const char *what2)
{
  const char *argv[] = { "ffprobe", "-v", "error", "-of", "json", what1, what2, path, NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status = 0;

  g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err, &status,
                &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("ffprobe %s failed: %s", path, err);
  json_parser_load_from_data (parser, out, -1, &error);
  g_assert_no_error (error);
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

/* The end of the last packet of the first stream in @path (pts + duration), in seconds; 0 if none
 * or if the file cannot be read yet. */
static double
last_packet_end_s (const char *path)
{
  const char *argv[] = { "ffprobe",
                         "-v",
                         "error",
                         "-select_streams",
                         "0",
                         "-show_entries",
                         "packet=pts_time,duration_time",
                         "-of",
                         "csv=p=0",
                         path,
                         NULL };
  g_autofree char *out = NULL;
  g_auto (GStrv) lines = NULL;
  double end = 0;

  if (!g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                     NULL, NULL, &out, NULL, NULL, NULL))
    return 0;
  lines = g_strsplit (out, "\n", -1);
  for (char **l = lines; *l; l++)
    {
      g_auto (GStrv) fields = g_strsplit (*l, ",", 2);
      double pts, duration;

      if (fields[0] == NULL || fields[1] == NULL)
        continue;
      pts = g_ascii_strtod (fields[0], NULL);
      duration = g_ascii_strtod (fields[1], NULL);
      end = MAX (end, pts + duration);
    }
  return end;
}

/* "vp8" or "vp8,opus": the codecs of @probe's streams in order. (transfer full) */
static char *
codecs (JsonObject *probe)
{
  JsonArray *streams = json_object_get_array_member (probe, "streams");
  g_autoptr (GString) s = g_string_new (NULL);

  for (guint i = 0; i < json_array_get_length (streams); i++)
    g_string_append_printf (
        s, "%s%s", i ? "," : "",
        json_object_get_string_member (json_array_get_object_element (streams, i), "codec_name"));
  return g_string_free (g_steal_pointer (&s), FALSE);
}

/* Format member @name as a number, or -1 when absent ("N/A"). */
static double
format_number (JsonObject *probe, const char *name)
{
  JsonObject *format = json_object_get_object_member (probe, "format");
  const char *text = json_object_get_string_member_with_default (format, name, NULL);

  return text ? g_ascii_strtod (text, NULL) : -1;
}

static char *
file_sha256 (const char *path)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize length = 0;

  g_file_get_contents (path, &contents, &length, &error);
  g_assert_no_error (error);
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *)contents, length);
}

/* --- a recording cut by SIGKILL ----------------------------------------------------------------
 */

/* What a crashed file holds: a room or party video track, an audio track (a party with only a
 * microphone, or the room's audio), or both in one file. */
typedef enum
{
  VIDEO,
  VIDEO_AUDIO,
  AUDIO,
} Kind;

static const char *const expected_codecs[] = { "vp8", "vp8,opus", "opus" };

/* Records into @path with gst-launch-1.0 until the file holds more than @seconds of media (in its
 * first stream), then kills the recorder with SIGKILL. Returns the end of the media in the file,
 * in seconds. */
static double
record_and_kill (const char *path, Kind kind, double seconds)
{
  g_autofree char *location = g_strdup_printf ("location=%s", path);
  g_autoptr (GStrvBuilder) argv = g_strv_builder_new ();
  g_auto (GStrv) args = NULL;
  g_autoptr (GError) error = NULL;
  GPid pid;
  gint64 deadline = g_get_monotonic_time () + 30 * G_TIME_SPAN_SECOND;
  double seen = 0;
  int status;

  g_strv_builder_addv (argv, (const char *[]){ "gst-launch-1.0", "-e", "matroskamux", "name=mux",
                                               "!", "filesink", location, NULL });
  if (kind != AUDIO)
    g_strv_builder_addv (argv, (const char *[]){ "videotestsrc", "is-live=true", "!",
                                                 "video/x-raw,width=320,height=240,framerate=30/1",
                                                 "!", "vp8enc", "deadline=1", "!", "mux.", NULL });
  if (kind != VIDEO)
    g_strv_builder_addv (argv,
                         (const char *[]){ "audiotestsrc", "is-live=true", "wave=ticks", "!",
                                           "audioconvert", "!", "opusenc", "!", "mux.", NULL });
  args = g_strv_builder_end (argv);
  g_spawn_async (NULL, args, NULL,
                 G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL, NULL,
                 NULL, &pid, &error);
  g_assert_no_error (error);

  /* Poll what ffprobe can read of the growing file (every 200 ms), up to 30 s. */
  while ((seen = last_packet_end_s (path)) <= seconds && g_get_monotonic_time () < deadline)
    g_usleep (200 * 1000);
  kill (pid, SIGKILL);
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_spawn_close_pid (pid);
  g_assert_true (WIFSIGNALED (status) && WTERMSIG (status) == SIGKILL);
  if (seen <= seconds)
    g_error ("after 30 s the recording %s held only %.2f s of media", path, seen);
  return last_packet_end_s (path);
}

static void
test_repair_crashed (Fixture *f, gconstpointer data)
{
  Kind kind = GPOINTER_TO_INT (data);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) before = NULL;
  g_autoptr (JsonObject) after = NULL;
  g_autofree char *hash_before = NULL;
  g_autofree char *hash_after = NULL;
  g_autofree char *codecs_before = NULL;
  g_autofree char *codecs_after = NULL;
  guint64 duration_ns = 0;
  guint64 header_ns = 0;
  double written, repaired_duration;
  GStatBuf st;

  written = record_and_kill (f->crashed, kind, 2.5);
  g_test_message ("the crashed file holds %.3f s of media", written);
  hash_before = file_sha256 (f->crashed);
  before = ffprobe (f->crashed, "-show_streams", "-show_format");
  /* Truly a crash file: no duration in it, for ffprobe and for the header check. */
  g_assert_cmpfloat (format_number (before, "duration"), <, 0);
  g_assert_false (rd_record_check_finalised (f->crashed, NULL, &error));
  g_assert_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_RECORDING);
  g_assert_nonnull (strstr (error->message, "neither a duration nor cues"));
  g_clear_error (&error);

  rd_record_repair (f->crashed, f->repaired, &duration_ns, &error);
  g_assert_no_error (error);

  hash_after = file_sha256 (f->crashed);
  g_assert_cmpstr (hash_after, ==, hash_before);

  after = ffprobe (f->repaired, "-show_streams", "-show_format");
  repaired_duration = format_number (after, "duration");
  g_test_message ("repaired: duration %.3f s (ffprobe), %.3f s (rd_record_repair)",
                  repaired_duration, duration_ns / 1e9);
  g_assert_cmpfloat (repaired_duration, >, 0);
  g_assert_cmpfloat (ABS (repaired_duration - written), <=, 1.0);
  g_assert_cmpfloat (ABS (duration_ns / 1e9 - written), <=, 1.0);
  codecs_before = codecs (before);
  codecs_after = codecs (after);
  g_assert_cmpstr (codecs_before, ==, expected_codecs[kind]);
  g_assert_cmpstr (codecs_after, ==, codecs_before);
  /* On the same timeline. */
  g_assert_cmpfloat (
      ABS (format_number (after, "start_time") - format_number (before, "start_time")), <=, 0.1);
  g_assert_cmpfloat (last_packet_end_s (f->repaired), >=, written - 0.1);
  g_assert_true (rd_record_check_finalised (f->repaired, &header_ns, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (header_ns, ==, duration_ns);
  g_assert_cmpint (g_stat (f->repaired, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0640);
}

/* --- refusals ----------------------------------------------------------------------------------
 */

static void
assert_refused (Fixture *f, const char *needle)
{
  g_autoptr (GError) error = NULL;
  guint64 duration_ns = 42;

  g_assert_false (rd_record_repair (f->crashed, f->repaired, &duration_ns, &error));
  g_assert_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_RECORDING);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, needle));
  g_assert_cmpuint (duration_ns, ==, 42);
}

static void
test_garbage (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *garbage = g_malloc (64 * 1024);
  g_autofree char *hash = NULL;
  g_autofree char *after = NULL;

  for (gsize i = 0; i < 64 * 1024; i++)
    garbage[i] = (char)g_random_int ();
  g_file_set_contents (f->crashed, garbage, 64 * 1024, &error);
  g_assert_no_error (error);
  hash = file_sha256 (f->crashed);
  assert_refused (f, f->crashed);
  g_assert_false (g_file_test (f->repaired, G_FILE_TEST_EXISTS)); /* removed */
  g_assert_false (rd_record_check_finalised (f->crashed, NULL, &error));
  g_assert_nonnull (strstr (error->message, "was not finalised"));
  after = file_sha256 (f->crashed);
  g_assert_cmpstr (after, ==, hash);
}

/* A crash right after the header: tracks, but not one cluster of media. Nothing to repair, and
 * said so; the input is kept as it is. */
static void
test_header_only (Fixture *f, gconstpointer data)
{
  static const guint8 cluster_id[] = { 0x1F, 0x43, 0xB6, 0x75 };
  g_autoptr (GError) error = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *hash = NULL;
  g_autofree char *after = NULL;
  gsize length = 0;
  gsize cluster;

  record_and_kill (f->crashed, VIDEO, 0.5);
  g_file_get_contents (f->crashed, &contents, &length, &error);
  g_assert_no_error (error);
  for (cluster = 0; cluster + sizeof cluster_id <= length; cluster++)
    if (memcmp (contents + cluster, cluster_id, sizeof cluster_id) == 0)
      break;
  g_assert_cmpuint (cluster + sizeof cluster_id, <=, length);
  g_file_set_contents (f->crashed, contents, cluster, &error);
  g_assert_no_error (error);
  hash = file_sha256 (f->crashed);
  assert_refused (f, "it holds no media");
  g_assert_false (g_file_test (f->repaired, G_FILE_TEST_EXISTS));
  after = file_sha256 (f->crashed);
  g_assert_cmpstr (after, ==, hash);
  /* and cut inside the header (32 bytes: a kill just after the muxer began the file) */
  g_file_set_contents (f->crashed, contents, 32, &error);
  g_assert_no_error (error);
  assert_refused (f, "it holds no media (32 bytes");
  g_assert_false (g_file_test (f->repaired, G_FILE_TEST_EXISTS));
}

static void
test_empty (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  g_file_set_contents (f->crashed, "", 0, &error);
  g_assert_no_error (error);
  assert_refused (f, "is empty");
  g_assert_false (g_file_test (f->repaired, G_FILE_TEST_EXISTS));
}

static void
test_missing (Fixture *f, gconstpointer data)
{
  assert_refused (f, "No such file");
  g_assert_false (g_file_test (f->repaired, G_FILE_TEST_EXISTS));
}

/* An existing output, maybe evidence, is neither overwritten nor removed. */
static void
test_out_exists (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *kept = NULL;

  g_file_set_contents (f->crashed, "whatever", -1, &error);
  g_assert_no_error (error);
  g_file_set_contents (f->repaired, "evidence", -1, &error);
  g_assert_no_error (error);
  assert_refused (f, f->repaired);
  {
    g_autoptr (GError) again = NULL;
    g_assert_false (rd_record_repair (f->crashed, f->repaired, NULL, &again));
    g_assert_nonnull (strstr (again->message, "never overwritten"));
  }
  g_file_get_contents (f->repaired, &kept, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (kept, ==, "evidence");
}

int
main (int argc, char *argv[])
{
  g_autoptr (GError) error = NULL;

  g_test_init (&argc, &argv, NULL);
  if (!rd_media_init (&error))
    g_error ("%s", error->message);

#define ADD(path, data, func)                                                                      \
  g_test_add (path, Fixture, data, fixture_set_up, func, fixture_tear_down)
  ADD ("/media/repair/crashed-video", GINT_TO_POINTER (VIDEO), test_repair_crashed);
  ADD ("/media/repair/crashed-video-audio", GINT_TO_POINTER (VIDEO_AUDIO), test_repair_crashed);
  ADD ("/media/repair/crashed-audio", GINT_TO_POINTER (AUDIO), test_repair_crashed);
  ADD ("/media/repair/garbage", NULL, test_garbage);
  ADD ("/media/repair/header-only", NULL, test_header_only);
  ADD ("/media/repair/empty", NULL, test_empty);
  ADD ("/media/repair/missing", NULL, test_missing);
  ADD ("/media/repair/out-exists", NULL, test_out_exists);
#undef ADD

  return g_test_run ();
}
