/* rd-fuzz-replay.c: for the builds without libFuzzer (dev and asan, gcc): runs a fuzz target's
 * LLVMFuzzerTestOneInput once over every file of the directories given (its seed corpus,
 * regression inputs included), so each CI build checks them and the harness compiles with gcc's
 * warnings. Exits 1 when a directory cannot be read or holds no input; a target's own assertion
 * or a sanitizer stops it on the input that failed, which it names first. */
#include <glib.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);
int LLVMFuzzerInitialize (int *argc, char ***argv) __attribute__ ((weak));

int
main (int argc, char **argv)
{
  guint n = 0;

  if (LLVMFuzzerInitialize)
    LLVMFuzzerInitialize (&argc, &argv);
  for (int i = 1; i < argc; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GDir) dir = g_dir_open (argv[i], 0, &error);
      const char *name;

      if (!dir)
        {
          g_printerr ("%s\n", error->message);
          return 1;
        }
      while ((name = g_dir_read_name (dir)))
        {
          g_autofree char *path = g_build_filename (argv[i], name, NULL);
          g_autofree char *data = NULL;
          gsize size;

          if (!g_file_get_contents (path, &data, &size, &error))
            {
              g_printerr ("%s\n", error->message);
              return 1;
            }
          g_print ("%s\n", path);
          LLVMFuzzerTestOneInput ((const guint8 *)data, size);
          n++;
        }
    }
  g_print ("%u inputs replayed\n", n);
  return n > 0 ? 0 : 1;
}
