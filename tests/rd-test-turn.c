/* rd-test-turn.c: see rd-test-turn.h. */
#include "tests/rd-test-turn.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <sys/prctl.h>
#include <string.h>

#define TURN_PORT 3478 /* the namespace is the test's own: nothing else listens there */

struct _RdTestTurn
{
  GSubprocess *process;
  char *dir, *log_path, *user, *password, *address;
};

char *
rd_test_turn_log (RdTestTurn *turn)
{
  char *text = NULL;

  if (!g_file_get_contents (turn->log_path, &text, NULL, NULL))
    return g_strdup ("");
  return text;
}

static guint
count (RdTestTurn *turn, const char *what)
{
  g_autofree char *log = rd_test_turn_log (turn);
  guint n = 0;

  for (const char *p = strstr (log, what); p; p = strstr (p + 1, what))
    n++;
  return n;
}

/* In the child: it goes when the test does, even when the test aborts (a failed assertion skips
 * rd_test_turn_stop) and would otherwise leave coturn running in the namespace. */
static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

RdTestTurn *
rd_test_turn_start (const char *user, const char *password, char **why)
{
  g_autoptr (RdTestTurn) turn = g_new0 (RdTestTurn, 1);
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *exe = g_find_program_in_path ("turnserver");
  g_autofree char *listen = NULL;
  g_autofree char *userarg = NULL;
  g_autofree char *db = NULL;
  gint64 end;

  if (!exe)
    {
      *why = g_strdup ("coturn's turnserver is not installed (scripts/install-deps.sh installs "
                       "the Debian package coturn)");
      return NULL;
    }
  turn->dir = g_dir_make_tmp ("rd-test-turn-XXXXXX", &error);
  if (!turn->dir)
    {
      *why = g_strdup_printf ("no temporary directory: %s", error->message);
      return NULL;
    }
  turn->log_path = g_build_filename (turn->dir, "turnserver.log", NULL);
  turn->user = g_strdup (user);
  turn->password = g_strdup (password);
  turn->address = g_strdup_printf ("127.0.0.1:%d", TURN_PORT);
  listen = g_strdup_printf ("--listening-port=%d", TURN_PORT);
  userarg = g_strdup_printf ("--user=%s:%s", user, password);
  db = g_strdup_printf ("--userdb=%s/turndb", turn->dir);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_INHERIT);
  g_subprocess_launcher_set_stdout_file_path (launcher, turn->log_path);
  g_subprocess_launcher_set_stderr_file_path (launcher, turn->log_path);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  turn->process = g_subprocess_launcher_spawn (
      launcher, &error, exe, "-n", "--listening-ip=127.0.0.1", "--relay-ip=127.0.0.1", listen,
      "--lt-cred-mech", userarg, "--realm=receptiond.test", db, "--no-cli", "--no-tls", "--no-dtls",
      "--allow-loopback-peers", "--min-port=49152", "--max-port=49352", "--log-file=stdout",
      "--simple-log", "--verbose", "--no-software-attribute", NULL);
  if (!turn->process)
    {
      *why = g_strdup_printf ("turnserver does not start: %s", error->message);
      return NULL;
    }
  end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (count (turn, "UDP listener opened on") == 0)
    {
      if (g_get_monotonic_time () > end || !g_subprocess_get_identifier (turn->process))
        {
          g_autofree char *log = rd_test_turn_log (turn);
          *why = g_strdup_printf ("turnserver did not listen within 10 s; its log:\n%s", log);
          return NULL;
        }
      g_usleep (20 * 1000); /* polling its log: the process gives no other sign */
    }
  return g_steal_pointer (&turn);
}

static void
on_exited (GObject *source, GAsyncResult *result, gpointer data)
{
  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  *(gboolean *)data = TRUE;
}

void
rd_test_turn_stop (RdTestTurn *turn)
{
  if (!turn)
    return;
  if (turn->process)
    {
      g_autoptr (GMainContext) ctx = g_main_context_new ();
      gint64 end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
      gboolean exited = FALSE;

      g_main_context_push_thread_default (ctx);
      g_subprocess_wait_async (turn->process, NULL, on_exited, &exited);
      g_subprocess_send_signal (turn->process, SIGTERM);
      while (!exited && g_get_monotonic_time () < end)
        if (!g_main_context_iteration (ctx, FALSE))
          g_usleep (10 * 1000);
      if (!exited)
        g_subprocess_force_exit (turn->process);
      while (!exited)
        g_main_context_iteration (ctx, TRUE);
      g_main_context_pop_thread_default (ctx);
      g_clear_object (&turn->process);
    }
  if (turn->dir)
    {
      g_autoptr (GDir) d = g_dir_open (turn->dir, 0, NULL);
      const char *name;
      while (d && (name = g_dir_read_name (d)))
        {
          g_autofree char *path = g_build_filename (turn->dir, name, NULL);
          g_unlink (path);
        }
      g_rmdir (turn->dir);
    }
  g_free (turn->dir);
  g_free (turn->log_path);
  g_free (turn->user);
  g_free (turn->password);
  g_free (turn->address);
  g_free (turn);
}

const char *
rd_test_turn_get_address (RdTestTurn *turn)
{
  return turn->address;
}

char *
rd_test_turn_config_url (RdTestTurn *turn, const char *password)
{
  return g_strdup_printf ("turn://%s:%s@%s", turn->user, password ? password : turn->password,
                          turn->address);
}

guint
rd_test_turn_count_allocations (RdTestTurn *turn)
{
  return count (turn, "ALLOCATE processed, success");
}

guint
rd_test_turn_count_refused (RdTestTurn *turn)
{
  return count (turn, "401");
}
