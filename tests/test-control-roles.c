/* test-control-roles.c: the control socket's roles through the real receptiond and the real
 * receptionctl, run as an unprivileged user (nobody, uid 65534) in chosen groups: a technician
 * cannot reveal a protected identity and is told why, a supervisor can, each refusal of a reveal
 * is on the registration's record with who tried; without [control] roles every console user may
 * do everything but reveal; a role group that does not exist stops the daemon and
 * --check-config. Debian's own groups stand for the ward's: users (the socket's group),
 * operator (technicians), staff (officers), adm (supervisors). The test runs as root (it must
 * change its child's uid and groups); it skips, visibly, otherwise. */
#include <grp.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "tests/rd-test-daemon.h"

#define NOBODY 65534

typedef struct
{
  gid_t groups[4];
  int n_groups;
} Who;

static gid_t
gid_of (const char *name)
{
  struct group *g = getgrnam (name);

  if (!g)
    g_error ("group %s is not on this system (Debian has it)", name);
  return g->gr_gid;
}

/* Who: nobody in the groups named, the first one its effective group. */
static Who
nobody_in (const char *first, const char *second)
{
  Who w = { { gid_of (first) }, 1 };

  if (second)
    w.groups[w.n_groups++] = gid_of (second);
  return w;
}

/* In the child, before exec: become nobody in @data's groups. Only system calls. */
static void
become (gpointer data)
{
  const Who *w = data;

  if (setgroups (w->n_groups, w->groups) != 0 || setgid (w->groups[0]) != 0 || setuid (NOBODY) != 0)
    _exit (121);
}

/* A copy of receptionctl that nobody may run: the build tree may be closed to others (CI clones
 * with umask 077), the test's own dir is 0711. (transfer full) */
static char *
nobody_ctl (RdTestDaemon *t)
{
  g_autofree char *built =
      g_build_filename (g_getenv ("RD_TEST_BINDIR"), "bin", "receptionctl", NULL);
  char *copy = g_build_filename (t->dir, "receptionctl", NULL);
  g_autofree char *contents = NULL;
  g_autoptr (GError) error = NULL;
  gsize len;

  if (!g_file_test (copy, G_FILE_TEST_EXISTS))
    {
      g_assert_true (g_file_get_contents (built, &contents, &len, &error));
      g_assert_no_error (error);
      g_assert_true (
          g_file_set_contents_full (copy, contents, len, G_FILE_SET_CONTENTS_NONE, 0755, &error));
      g_assert_no_error (error);
      g_assert_cmpint (g_chmod (copy, 0755), ==, 0); /* the mode above is under the umask */
    }
  return copy;
}

/* Runs receptionctl --socket <socket> ARGS as @who; returns its exit code; stdout and stderr in
 * @out and @err. */
static int
ctl_as (RdTestDaemon *t, const Who *who, char **out, char **err, const char *const *args)
{
  g_autoptr (GSubprocessLauncher) launcher =
      g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GSubprocess) proc = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *path = nobody_ctl (t);
  int rc;

  g_ptr_array_add (argv, path);
  g_ptr_array_add (argv, "--socket");
  g_ptr_array_add (argv, t->socket_path);
  for (int i = 0; args[i]; i++)
    g_ptr_array_add (argv, (gpointer)args[i]);
  g_ptr_array_add (argv, NULL);
  g_subprocess_launcher_set_child_setup (launcher, become, (gpointer)who, NULL);
  proc = g_subprocess_launcher_spawnv (launcher, (const char *const *)argv->pdata, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (proc, NULL, NULL, out, err, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (proc));
  rc = g_subprocess_get_exit_status (proc);
  g_assert_cmpint (rc, !=, 121); /* the child could not become nobody */
  g_test_message ("as nobody: receptionctl %s: exit %d\nstdout: %.400s\nstderr: %s", args[0], rc,
                  *out, *err);
  return rc;
}

/* Runs it as @who expecting exit @code; returns stdout (exit 0) or stderr. */
static char *
expect_as (RdTestDaemon *t, const Who *who, int code, const char *const *args)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int rc = ctl_as (t, who, &out, &err, args);

  if (rc != code)
    g_error ("receptionctl %s as nobody: exit %d, expected %d; stdout: %s; stderr: %s", args[0], rc,
             code, out, err);
  return code == 0 ? g_steal_pointer (&out) : g_steal_pointer (&err);
}

#define AS_OK(t, who, ...) expect_as ((t), (who), 0, (const char *const[]){ __VA_ARGS__, NULL })
#define AS_FAIL(t, who, code, ...)                                                                 \
  expect_as ((t), (who), (code), (const char *const[]){ __VA_ARGS__, NULL })

/* As root (every role). */
static void
root_ok (RdTestDaemon *t, const char *const *args)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();

  g_ptr_array_add (argv, "--socket");
  g_ptr_array_add (argv, t->socket_path);
  for (int i = 0; args[i]; i++)
    g_ptr_array_add (argv, (gpointer)args[i]);
  g_ptr_array_add (argv, NULL);
  g_assert_cmpint (rd_test_run ("receptionctl", &out, &err, (const char *const *)argv->pdata), ==,
                   0);
}

#define ROOT_OK(t, ...) root_ok ((t), (const char *const[]){ __VA_ARGS__, NULL })

static gboolean
running_as_root (void)
{
  if (geteuid () == 0)
    return TRUE;
  g_test_skip ("needs root: the test runs receptionctl as another user in other groups");
  return FALSE;
}

/* Starts the daemon as root with @extra; nobody may reach the socket's directory (the socket's
 * own mode and group decide the rest). */
static RdTestDaemon *
start (const char *extra)
{
  RdTestDaemon *t = rd_test_daemon_new (extra);

  g_assert_cmpint (g_chmod (t->dir, 0711), ==, 0);
  rd_test_daemon_start (t);
  /* a protected identity (a denunciation): sealed, shown only when revealed */
  ROOT_OK (t, "registration", "add", "--name", "Trần Thị Bích", "--id-document",
           "CCCD 079188009999", "--summary", "Tố cáo cán bộ", "--classification", "to-cao");
  return t;
}

/* "kind by actor|..." of registration 1's events. */
static char *
registration_events (RdTestDaemon *t)
{
  g_autoptr (JsonNode) shown = rd_test_ctl_json (t, "registration", "show", "1", NULL);
  JsonArray *events = json_object_get_array_member (json_node_get_object (shown), "events");
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < json_array_get_length (events); i++)
    {
      JsonObject *e = json_array_get_object_element (events, i);
      g_string_append_printf (s, "%s by %s|", json_object_get_string_member (e, "kind"),
                              json_object_get_string_member (e, "actor"));
    }
  return g_string_free (s, FALSE);
}

static void
assert_has (const char *text, const char *words)
{
  if (!strstr (text, words))
    g_error ("expected \"%s\" in: %s", words, text);
}

static void
test_configured (void)
{
  g_autoptr (RdTestDaemon) t = NULL;
  Who technician = nobody_in ("users", "operator");
  Who officer = nobody_in ("users", "staff");
  Who supervisor = nobody_in ("users", "adm");
  Who outsider = nobody_in ("staff", "adm"); /* not in the socket's group */
  g_autofree char *out = NULL;
  g_autofree char *events = NULL;

  if (!running_as_root ())
    return;
  t = start ("[control]\ngroup=users\ntechnicians=operator\nofficers=staff\nsupervisors=adm\n");

  /* The technician runs the room, and only the room. */
  out = AS_OK (t, &technician, "status");
  assert_has (out, "you:      uid=65534(nobody), roles: technician\n");
  g_free (out);
  g_free (AS_OK (t, &technician, "session", "start", "--title", "Tiếp công dân"));
  g_free (AS_OK (t, &technician, "mute", "mic"));
  out = AS_FAIL (t, &technician, 1, "registration", "show", "1");
  assert_has (out, "forbidden: registration.show needs the officer role");
  g_free (out);
  out = AS_FAIL (t, &technician, 1, "registration", "show", "1", "--reveal", "--reason",
                 "Thanh tra xác minh");
  assert_has (out, "forbidden: registration.show with reveal needs the supervisor role "
                   "([control] supervisors: group adm");
  assert_has (out, "you are uid 65534(nobody) in groups 100(users), 37(operator)");
  assert_has (out, "(forbidden)");
  g_assert_null (strstr (out, "Trần Thị Bích"));

  /* The officer keeps the book, redacted; no reveal, no room. */
  g_free (out);
  out = AS_OK (t, &officer, "registration", "show", "1");
  g_assert_null (strstr (out, "Trần Thị Bích"));
  assert_has (out, "[danh tính được bảo vệ]");
  g_free (out);
  out = AS_FAIL (t, &officer, 1, "book", "export", "--from", "2026-01-01", "--to", "2026-12-31",
                 "--reveal", "--reason", "Gửi thanh tra tỉnh");
  assert_has (out, "forbidden: book.export with reveal needs the supervisor role");
  g_free (out);
  out = AS_FAIL (t, &officer, 1, "unmute", "mic");
  assert_has (out, "forbidden: unmute needs the technician role ([control] technicians: group "
                   "operator, supervisors: group adm, root, uid 0(root)); you are uid "
                   "65534(nobody) in groups 100(users), 50(staff)");

  /* The supervisor reveals, and may do the rest too. */
  g_free (out);
  out = AS_OK (t, &supervisor, "registration", "show", "1", "--reveal", "--reason",
               "Thanh tra xác minh");
  assert_has (out, "Trần Thị Bích");
  g_free (AS_OK (t, &supervisor, "unmute", "mic"));
  g_free (out);
  out = AS_OK (t, &supervisor, "status");
  assert_has (out, "roles: technician, officer, supervisor\n");

  /* Outside the socket's group nobody connects at all. */
  g_free (out);
  out = AS_FAIL (t, &outsider, 69, "status");

  /* Each refused reveal is on the registration's record, with who tried. */
  events = registration_events (t);
  g_assert_cmpstr (events, ==,
                   "registration-added by uid=0(root)|"
                   "identity-reveal-refused by uid=65534(nobody)|"
                   "identity-revealed by uid=65534(nobody)|");
  {
    g_autofree char *log = rd_test_daemon_stderr (t);
    assert_has (log, "uid=65534(nobody): forbidden: registration.show with reveal");
    assert_has (log, "console roles: technicians = group operator, officers = group staff, "
                     "supervisors = group adm; root and uid 0(root) hold every role");
  }
}

static void
test_default (void)
{
  g_autoptr (RdTestDaemon) t = NULL;
  Who member = nobody_in ("users", NULL);
  g_autofree char *out = NULL;
  g_autofree char *events = NULL;

  if (!running_as_root ())
    return;
  t = start ("[control]\ngroup=users\n");

  /* Without roles configured, a console user may do everything... */
  out = AS_OK (t, &member, "status");
  assert_has (out, "roles: technician, officer\n");
  g_free (out);
  g_free (AS_OK (t, &member, "session", "start"));
  g_free (AS_OK (t, &member, "registration", "add", "--name", "Lê Văn Cường", "--summary",
                 "Đèn đường hỏng", "--classification", "phan-anh"));
  out = AS_OK (t, &member, "registration", "show", "1");
  g_assert_null (strstr (out, "Trần Thị Bích"));
  /* ...but reveal: that needs root or receptiond's own user. */
  g_free (out);
  out = AS_FAIL (t, &member, 1, "registration", "show", "1", "--reveal", "--reason",
                 "Thanh tra xác minh");
  assert_has (out, "forbidden: registration.show with reveal needs the supervisor role "
                   "([control] supervisors is empty: only root and uid 0(root))");
  g_assert_null (strstr (out, "Trần Thị Bích"));
  ROOT_OK (t, "registration", "show", "1", "--reveal", "--reason", "Thanh tra xác minh");
  {
    g_autofree char *log = rd_test_daemon_stderr (t);
    assert_has (log, "console roles: technicians = everyone on the socket, officers = everyone "
                     "on the socket, supervisors = nobody else; root and uid 0(root) hold every "
                     "role");
  }
  events = registration_events (t);
  g_assert_cmpstr (events, ==,
                   "registration-added by uid=0(root)|"
                   "identity-reveal-refused by uid=65534(nobody)|"
                   "identity-revealed by uid=0(root)|");
}

static void
test_unknown_group (void)
{
  g_autoptr (RdTestDaemon) t =
      rd_test_daemon_new ("[control]\ntechnicians=operator\nsupervisors=rd-no-such-group\n");
  const char *argv[] = { "--config", t->config_path, "--check-config", NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *log = NULL;

  g_assert_cmpint (rd_test_run ("receptiond", &out, &err, argv), ==, 78);
  assert_has (err, "[control] supervisors: group 'rd-no-such-group' does not exist");
  assert_has (err, t->config_path);

  rd_test_daemon_spawn (t, NULL);
  g_assert_cmpint (rd_test_daemon_wait_exit (t, 20000), ==, 78);
  log = rd_test_daemon_stderr (t);
  assert_has (log, "[control] supervisors: group 'rd-no-such-group' does not exist");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/control-roles/configured", test_configured);
  g_test_add_func ("/control-roles/default", test_default);
  g_test_add_func ("/control-roles/unknown-group", test_unknown_group);
  return g_test_run ();
}
