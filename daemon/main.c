/* main.c: receptiond's entry point. Options, the top object, signals, the main loop, sysexits
 * codes; nothing else lives here. */
#include <glib-unix.h>
#include <locale.h>
#include <malloc.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sysexits.h>
#include <time.h>

#include "daemon/rd-daemon-error.h"
#include "daemon/rd-daemon-log.h"
#include "daemon/rd-daemon-roles.h"
#include "daemon/rd-daemon.h"
#include "media/rd-media-devices.h"
#include "signaling/rd-signal-tls.h"

typedef struct
{
  GMainLoop *loop;
  RdDaemon *daemon;
} App;

static gboolean
on_stop_signal (gpointer data)
{
  App *app = data;

  rd_daemon_shutdown (app->daemon, "receptiond stopped by a signal (SIGTERM/SIGINT)");
  g_main_loop_quit (app->loop);
  return G_SOURCE_CONTINUE; /* removed by main() with the others */
}

static gboolean
on_sighup (gpointer data)
{
  App *app = data;

  rd_daemon_reload (app->daemon);
  return G_SOURCE_CONTINUE;
}

/* The daemon's local time is the room's ([room] timezone): the book's days, GLib's local zone
 * and SQLite's 'localtime' all follow TZ. Set once, before any thread could read it. */
static void
use_room_time_zone (RdConfig *config)
{
  GTimeZone *tz = rd_config_get_timezone (config);
  const char *name = rd_config_get_timezone_name (config);

  if (g_strcmp0 (g_time_zone_get_identifier (tz), name) == 0)
    g_setenv ("TZ", name, TRUE);
  else
    {
      /* no tz database: the zone's fixed offset, in POSIX form (whose sign is the other way) */
      gint32 offset = g_time_zone_get_offset (tz, 0);
      guint a = (guint)ABS (offset);
      g_autofree char *posix =
          g_strdup_printf ("<%c%02u%02u>%c%u:%02u", offset < 0 ? '-' : '+', a / 3600, a % 3600 / 60,
                           offset < 0 ? '+' : '-', a / 3600, a % 3600 / 60);

      g_setenv ("TZ", posix, TRUE);
    }
  tzset ();
}

int
main (int argc, char **argv)
{
  g_autofree char *config_path = NULL;
  gboolean check_config = FALSE, version = FALSE;
  GOptionEntry entries[] = {
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path,
      "Configuration file (default: " RD_CONFIG_SYSTEM_PATH
      " if it exists, else the embedded default)",
      "FILE" },
    { "check-config", 0, 0, G_OPTION_ARG_NONE, &check_config,
      "Validate the configuration, print it with every key, and exit", NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", NULL },
    { NULL },
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("- online citizen reception room daemon");
  g_autoptr (GError) error = NULL;
  g_autoptr (RdConfig) config = NULL;
  g_autoptr (GMainLoop) loop = NULL;
  g_autoptr (RdDaemon) daemon = NULL;
  App app;
  guint sig_ids[3];

  rd_signal_tls_init_policy (); /* first: before any thread and any TLS connection */
  setlocale (LC_ALL, "");
  /* webrtcbin starts and stops many threads per party; with glibc's default of one memory pool
   * per thread (up to 8 per core) the daemon's memory grows with every call until the pools are
   * all full. Two pools keep it flat (measured: tests/test-whip-e2e.c /whip-e2e/fifty-calls). */
  mallopt (M_ARENA_MAX, 2);
  /* Descriptors: the soft limit up to the hard one, so that what signaling keeps in reserve
   * (signaling/rd-signal-accept.h) is there for recording and the ledger. */
  struct rlimit nofile;
  if (getrlimit (RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < nofile.rlim_max)
    {
      nofile.rlim_cur = nofile.rlim_max;
      setrlimit (RLIMIT_NOFILE, &nofile);
    }
  rd_log_install ();
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error) || argc > 1)
    {
      fprintf (stderr, "receptiond: %s\nTry 'receptiond --help'.\n",
               error ? error->message : "unexpected argument");
      return EX_USAGE;
    }
  if (version)
    {
      printf ("receptiond %s\n", RD_VERSION);
      return EX_OK;
    }

  if (config_path)
    config = rd_config_load_file (config_path, &error);
  else if (g_file_test (RD_CONFIG_SYSTEM_PATH, G_FILE_TEST_EXISTS))
    config = rd_config_load_file (config_path = g_strdup (RD_CONFIG_SYSTEM_PATH), &error);
  else
    config = rd_config_new_default ();
  if (!config)
    {
      fprintf (stderr, "receptiond: %s\n", error->message);
      return EX_CONFIG;
    }
  use_room_time_zone (config);
  if (check_config)
    {
      g_autoptr (RdRoles) roles = rd_roles_new (config, &error);
      g_autofree char *text = NULL;

      /* Pipeline devices are GStreamer's to parse: the room's own check, without starting. */
      if (!roles || !rd_media_check_devices (config, &error))
        {
          fprintf (stderr, "receptiond: %s\n", error->message);
          return rd_daemon_exit_code_for_error (error);
        }
      text = rd_config_to_data (config);
      printf ("# %s: valid\n%s", rd_config_get_origin (config), text);
      printf ("# microphone processing: %s\n",
              rd_config_get_microphone (config).kind == RD_DEVICE_TEST
                  ? "none (the test tone is not processed)"
              : rd_config_get_echo_cancel_active (config) ? "echo cancellation on"
                                                          : "echo cancellation off");
      return EX_OK;
    }

  loop = g_main_loop_new (NULL, FALSE);
  daemon = rd_daemon_new (config, config_path);
  /* Before the start, which sends READY=1: a SIGTERM that follows READY at once must find the
   * handler (it runs when the loop does), not the default action. */
  app = (App){ loop, daemon };
  sig_ids[0] = g_unix_signal_add (SIGTERM, on_stop_signal, &app);
  sig_ids[1] = g_unix_signal_add (SIGINT, on_stop_signal, &app);
  sig_ids[2] = g_unix_signal_add (SIGHUP, on_sighup, &app);
  if (!rd_daemon_start (daemon, &error))
    {
      rd_log_session (G_LOG_LEVEL_WARNING, NULL, "cannot start: %s", error->message);
      return rd_daemon_exit_code_for_error (error);
    }
  g_main_loop_run (loop);
  for (gsize i = 0; i < G_N_ELEMENTS (sig_ids); i++)
    g_source_remove (sig_ids[i]);
  return EX_OK;
}
