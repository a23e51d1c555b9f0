/* rd-test-daemon.c: see rd-test-daemon.h. */
#include "tests/rd-test-daemon.h"

#include <errno.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

static char *
bin_path (const char *program)
{
  const char *bindir = g_getenv ("RD_TEST_BINDIR");
  g_assert_nonnull (bindir);
  return g_build_filename (bindir, "bin", program, NULL);
}

static gboolean
on_notify (GSocket *socket, GIOCondition cond, gpointer data)
{
  RdTestDaemon *t = data;
  char buf[4096];
  gssize n;

  while ((n = g_socket_receive (socket, buf, sizeof buf - 1, NULL, NULL)) > 0)
    {
      g_auto (GStrv) lines = NULL;
      buf[n] = '\0';
      lines = g_strsplit (buf, "\n", -1);
      for (char **l = lines; *l; l++)
        if (**l)
          g_ptr_array_add (t->notifications, g_strdup (*l));
    }
  return G_SOURCE_CONTINUE;
}

void
rd_test_daemon_write_config (RdTestDaemon *t, const char *extra)
{
  g_autoptr (GKeyFile) theirs = g_key_file_new ();
  /* a key given twice is refused: @extra's listen= (the far host's) replaces ours */
  gboolean own_listen = extra && g_key_file_load_from_data (theirs, extra, -1, 0, NULL) &&
                        g_key_file_has_key (theirs, "network", "listen", NULL);
  g_autofree char *text = g_strdup_printf ("[network]\n%s"
                                           "[control]\nsocket=%s\n"
                                           "[storage]\nstate-dir=%s\n%s",
                                           own_listen ? "" : "listen=127.0.0.1:0\n", t->socket_path,
                                           t->state_dir, extra ? extra : "");
  g_assert_true (g_file_set_contents (t->config_path, text, -1, NULL));
}

RdTestDaemon *
rd_test_daemon_new (const char *extra)
{
  RdTestDaemon *t = g_new0 (RdTestDaemon, 1);
  g_autoptr (GSocketAddress) addr = NULL;
  g_autoptr (GError) error = NULL;

  t->dir = g_dir_make_tmp ("rd-test-XXXXXX", &error);
  g_assert_no_error (error);
  t->config_path = g_build_filename (t->dir, "receptiond.conf", NULL);
  t->state_dir = g_build_filename (t->dir, "state", NULL);
  t->socket_path = g_build_filename (t->dir, "control.sock", NULL);
  t->notify_path = g_build_filename (t->dir, "notify", NULL);
  t->stderr_path = g_build_filename (t->dir, "stderr.log", NULL);
  t->notifications = g_ptr_array_new_with_free_func (g_free);
  rd_test_daemon_write_config (t, extra);

  t->notify = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_DEFAULT,
                            &error);
  g_assert_no_error (error);
  addr = g_unix_socket_address_new (t->notify_path);
  g_assert_true (g_socket_bind (t->notify, addr, TRUE, &error));
  g_assert_no_error (error);
  g_socket_set_blocking (t->notify, FALSE);
  t->notify_source = g_socket_create_source (t->notify, G_IO_IN, NULL);
  g_source_set_callback (t->notify_source, G_SOURCE_FUNC (on_notify), t, NULL);
  g_source_attach (t->notify_source, NULL);
  return t;
}

static void
on_exited (GObject *source, GAsyncResult *res, gpointer data)
{
  RdTestDaemon *t = data;

  if (!g_subprocess_wait_finish (G_SUBPROCESS (source), res, NULL))
    return; /* cancelled: the test is being torn down */
  t->exited = TRUE;
  t->exit_status = g_subprocess_get_status (G_SUBPROCESS (source));
}

static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

void
rd_test_daemon_spawn (RdTestDaemon *t, const char *const *env)
{
  g_autoptr (GSubprocessLauncher) launcher =
      g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_autofree char *daemon = bin_path ("receptiond");
  g_autoptr (GError) error = NULL;

  g_clear_object (&t->proc);
  t->exited = FALSE;
  g_ptr_array_set_size (t->notifications, 0); /* what a new process says starts afresh */
  g_subprocess_launcher_setenv (launcher, "NOTIFY_SOCKET", t->notify_path, TRUE);
  g_subprocess_launcher_unsetenv (launcher, "WATCHDOG_USEC");
  g_subprocess_launcher_unsetenv (launcher, "WATCHDOG_PID");
  for (const char *const *e = env; e && *e; e++)
    {
      g_auto (GStrv) kv = g_strsplit (*e, "=", 2);
      g_subprocess_launcher_setenv (launcher, kv[0], kv[1], TRUE);
    }
  g_subprocess_launcher_set_stderr_file_path (launcher, t->stderr_path);
  /* If the test dies (a failed assertion aborts it), the daemon dies with it instead of holding
   * ctest's output pipe open until the timeout. */
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  t->proc =
      g_subprocess_launcher_spawn (launcher, &error, daemon, "--config", t->config_path, NULL);
  g_assert_no_error (error);
  g_subprocess_wait_async (t->proc, NULL, on_exited, t);
}

static gboolean
on_deadline (gpointer data)
{
  *(gboolean *)data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Iterates the main context until @done(t, data) or the timeout; returns done's last answer. */
static gboolean
wait_for (RdTestDaemon *t, gboolean (*done) (RdTestDaemon *, gconstpointer), gconstpointer data,
          guint timeout_ms)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add (timeout_ms, on_deadline, &timed_out);

  while (!done (t, data) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  return done (t, data);
}

static guint
count_notify (RdTestDaemon *t, const char *line)
{
  guint n = 0;
  for (guint i = 0; i < t->notifications->len; i++)
    n += g_str_equal (t->notifications->pdata[i], line);
  return n;
}

typedef struct
{
  const char *line;
  guint nth;
} NotifyWait;

static gboolean
notify_done (RdTestDaemon *t, gconstpointer data)
{
  const NotifyWait *w = data;
  return count_notify (t, w->line) >= w->nth || t->exited;
}

static char *
seen (RdTestDaemon *t)
{
  g_autoptr (GString) s = g_string_new (NULL);
  g_autofree char *err = rd_test_daemon_stderr (t);

  for (guint i = 0; i < t->notifications->len; i++)
    g_string_append_printf (s, "%s%s", i ? " | " : "", (char *)t->notifications->pdata[i]);
  if (t->exited)
    g_string_append_printf (s, "; the daemon exited with status %d", t->exit_status);
  g_string_append_printf (s, "; its stderr:\n%s", err);
  return g_string_free (g_steal_pointer (&s), FALSE);
}

void
rd_test_daemon_wait_notify (RdTestDaemon *t, const char *line, guint nth, guint timeout_ms)
{
  NotifyWait w = { line, nth };

  if (!wait_for (t, notify_done, &w, timeout_ms) || count_notify (t, line) < nth)
    {
      g_autofree char *what = seen (t);
      g_error ("waited %u ms for notification #%u \"%s\"; seen: %s", timeout_ms, nth, line, what);
    }
}

gboolean
rd_test_daemon_has_notify (RdTestDaemon *t, const char *line)
{
  /* Take in what is already queued on the socket. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  return count_notify (t, line) > 0;
}

void
rd_test_daemon_start (RdTestDaemon *t)
{
  rd_test_daemon_spawn (t, NULL);
  rd_test_daemon_wait_notify (t, "READY=1", 1, 20000);
}

static gboolean
exit_done (RdTestDaemon *t, gconstpointer data)
{
  return t->exited;
}

int
rd_test_daemon_wait_exit (RdTestDaemon *t, guint timeout_ms)
{
  if (!wait_for (t, exit_done, NULL, timeout_ms))
    {
      g_autofree char *what = seen (t);
      g_error ("waited %u ms for receptiond to exit; seen: %s", timeout_ms, what);
    }
  if (WIFSIGNALED (t->exit_status))
    return 128 + WTERMSIG (t->exit_status);
  return WEXITSTATUS (t->exit_status);
}

void
rd_test_daemon_signal (RdTestDaemon *t, int signum)
{
  g_assert_nonnull (t->proc);
  g_subprocess_send_signal (t->proc, signum);
}

char *
rd_test_daemon_stderr (RdTestDaemon *t)
{
  char *text = NULL;
  if (!g_file_get_contents (t->stderr_path, &text, NULL, NULL))
    return g_strdup ("");
  return text;
}

int
rd_test_run (const char *program, char **out, char **err, const char *const *argv)
{
  g_autofree char *path = bin_path (program);
  g_autoptr (GPtrArray) args = g_ptr_array_new ();
  g_autoptr (GSubprocess) proc = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *o = NULL;
  g_autofree char *e = NULL;

  g_ptr_array_add (args, path);
  for (const char *const *a = argv; a && *a; a++)
    g_ptr_array_add (args, (gpointer)*a);
  g_ptr_array_add (args, NULL);
  proc =
      g_subprocess_newv ((const char *const *)args->pdata,
                         G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (proc, NULL, NULL, &o, &e, &error));
  g_assert_no_error (error);
  /* Enough to see what happened; a status polled in a loop must not flood the log. */
  if (!g_subprocess_get_if_exited (proc))
    g_error ("%s was killed by signal %d; stderr: %s", program, g_subprocess_get_term_sig (proc),
             e);
  g_test_message ("%s: exit %d\nstdout: %.600s%s\nstderr: %s", program,
                  g_subprocess_get_exit_status (proc), o, strlen (o) > 600 ? "..." : "", e);
  if (out)
    *out = g_steal_pointer (&o);
  if (err)
    *err = g_steal_pointer (&e);
  return g_subprocess_get_exit_status (proc);
}

static int
ctl_va (RdTestDaemon *t, char **out, char **err, gboolean json, va_list ap)
{
  g_autoptr (GPtrArray) args = g_ptr_array_new ();
  const char *a;

  g_ptr_array_add (args, "--socket");
  g_ptr_array_add (args, t->socket_path);
  if (json)
    g_ptr_array_add (args, "--json");
  while ((a = va_arg (ap, const char *)))
    g_ptr_array_add (args, (gpointer)a);
  g_ptr_array_add (args, NULL);
  return rd_test_run ("receptionctl", out, err, (const char *const *)args->pdata);
}

int
rd_test_ctl (RdTestDaemon *t, char **out, char **err, ...)
{
  va_list ap;
  int rc;

  va_start (ap, err);
  rc = ctl_va (t, out, err, FALSE, ap);
  va_end (ap);
  return rc;
}

GSubprocess *
rd_test_ctl_spawn (RdTestDaemon *t, ...)
{
  g_autofree char *path = bin_path ("receptionctl");
  g_autoptr (GPtrArray) args = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  GSubprocess *proc;
  const char *a;
  va_list ap;

  g_ptr_array_add (args, path);
  g_ptr_array_add (args, "--socket");
  g_ptr_array_add (args, t->socket_path);
  va_start (ap, t);
  while ((a = va_arg (ap, const char *)))
    g_ptr_array_add (args, (gpointer)a);
  va_end (ap);
  g_ptr_array_add (args, NULL);
  proc =
      g_subprocess_newv ((const char *const *)args->pdata,
                         G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_assert_no_error (error);
  return proc;
}

JsonNode *
rd_test_ctl_json (RdTestDaemon *t, ...)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr (GError) error = NULL;
  va_list ap;
  int rc;

  va_start (ap, t);
  rc = ctl_va (t, &out, &err, TRUE, ap);
  va_end (ap);
  if (rc != 0)
    g_error ("receptionctl --json failed with %d: %s", rc, err);
  {
    JsonNode *node = json_from_string (out, &error);
    g_assert_no_error (error);
    g_assert_nonnull (node);
    return node;
  }
}

static gboolean
on_tick (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

gboolean
rd_test_wait_until (gboolean (*done) (gpointer data), gpointer data, guint timeout_ms)
{
  gboolean timed_out = FALSE, ok;
  guint deadline = g_timeout_add (timeout_ms, on_deadline, &timed_out);
  guint tick = g_timeout_add (20, on_tick, NULL);

  /* the answer is the last look: asked once more after the loop, a condition that reads the
   * daemon's status could see a later state than the one that ended the wait */
  while (!(ok = done (data)) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (tick);
  if (!timed_out)
    g_source_remove (deadline);
  return ok;
}

void
rd_test_rmtree (const char *path)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir)
    while ((name = g_dir_read_name (dir)))
      {
        g_autofree char *child = g_build_filename (path, name, NULL);
        if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
          rd_test_rmtree (child);
        else
          g_unlink (child);
      }
  g_rmdir (path);
}

void
rd_test_daemon_free (RdTestDaemon *t)
{
  if (!t)
    return;
  if (t->proc && !t->exited)
    {
      /* Kill it and wait for the wait callback, which holds a pointer to @t. */
      g_subprocess_force_exit (t->proc);
      if (!wait_for (t, exit_done, NULL, 10000))
        g_error ("receptiond (killed) did not report its exit within 10 s");
    }
  g_clear_object (&t->proc);
  if (t->notify_source)
    {
      g_source_destroy (t->notify_source);
      g_source_unref (t->notify_source);
    }
  g_clear_object (&t->notify);
  if (g_getenv ("RD_TEST_KEEP"))
    g_printerr ("# RD_TEST_KEEP: kept %s (the daemon's stderr is in stderr.log)\n", t->dir);
  else
    rd_test_rmtree (t->dir);
  g_ptr_array_unref (t->notifications);
  g_free (t->dir);
  g_free (t->config_path);
  g_free (t->state_dir);
  g_free (t->socket_path);
  g_free (t->notify_path);
  g_free (t->stderr_path);
  g_free (t);
}
