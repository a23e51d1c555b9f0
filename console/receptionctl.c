/* receptionctl: the room console, a client of receptiond's control socket.
 *
 *   receptionctl [--socket PATH] [--config FILE] [--json] [--timeout S] COMMAND [ARGS]
 *
 * Exit codes: 0 success, 1 the daemon refused or failed the command, 64 usage, 69 daemon not
 * reachable, 76 garbled reply, 78 the config file to find the socket in is invalid. */
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "config/rd-config.h"
#include "console/rd-console-client.h"
#include "console/rd-console-print.h"

static const char usage_text[] =
    "usage: receptionctl [--socket PATH] [--config FILE] [--json] [--timeout SECONDS] COMMAND\n"
    "\n"
    "commands:\n"
    "  status                         the daemon, its devices, listener, ledger, disk, sessions\n"
    "  session start [--title TITLE]  start a session now; prints its id\n"
    "  session end ID [--reason R]    end a live session\n"
    "  session list                   every session, newest first\n"
    "  session show ID                one session: participants, recordings, events\n"
    "\n"
    "Without --socket, the socket is read from the configuration receptiond uses\n"
    "(--config FILE, else " RD_CONFIG_SYSTEM_PATH " if it exists, else the embedded default).\n"
    "--json prints the daemon's result as JSON for scripts.\n";

typedef void (*Printer) (JsonNode *result);

typedef struct
{
  const char *method;
  JsonNode *params;
  Printer print;
} Call;

static int usage_error (const char *format, ...) G_GNUC_PRINTF (1, 2);

static int
usage_error (const char *format, ...)
{
  va_list ap;

  fputs ("receptionctl: ", stderr);
  va_start (ap, format);
  vfprintf (stderr, format, ap);
  va_end (ap);
  fputs ("\n\n", stderr);
  fputs (usage_text, stderr);
  return EX_USAGE;
}

/* Takes "--name VALUE" or "--name=VALUE" at argv[*i]; advances *i. */
static gboolean
take_option (char **argv, int argc, int *i, const char *name, const char **value)
{
  size_t n = strlen (name);

  if (strncmp (argv[*i], name, n) != 0)
    return FALSE;
  if (argv[*i][n] == '=')
    {
      *value = argv[*i] + n + 1;
      return TRUE;
    }
  if (argv[*i][n] != '\0')
    return FALSE;
  if (*i + 1 >= argc)
    {
      *value = NULL;
      return TRUE;
    }
  *value = argv[++*i];
  return TRUE;
}

static void
print_session_id (JsonNode *result)
{
  JsonObject *o = json_node_get_object (result);
  printf ("%s\n", json_object_get_string_member_with_default (o, "id", "?"));
}

static void
print_session_ended (JsonNode *result)
{
  JsonObject *o = json_node_get_object (result);
  printf ("session %s ended at %s\n", json_object_get_string_member_with_default (o, "id", "?"),
          json_object_get_string_member_with_default (o, "ended_at", "?"));
}

/* Parses "session ..." words into a call. Returns 0 or EX_USAGE. */
static int
parse_session (int argc, char **argv, Call *call)
{
  const char *verb = argc > 0 ? argv[0] : NULL;
  const char *id = NULL, *title = NULL, *reason = NULL;
  JsonObject *params = json_object_new ();

  call->params = json_node_init_object (json_node_alloc (), params);
  json_object_unref (params);
  if (!verb)
    return usage_error ("'session' needs a subcommand");
  for (int i = 1; i < argc; i++)
    {
      const char *v;
      if (g_str_equal (verb, "start") && take_option (argv, argc, &i, "--title", &v))
        {
          if (!v)
            return usage_error ("--title needs a value");
          title = v;
        }
      else if (g_str_equal (verb, "end") && take_option (argv, argc, &i, "--reason", &v))
        {
          if (!v || !*v)
            return usage_error ("--reason needs a value");
          reason = v;
        }
      else if (argv[i][0] == '-' || id)
        return usage_error ("session %s: unexpected argument '%s'", verb, argv[i]);
      else
        id = argv[i];
    }

  if (g_str_equal (verb, "start") || g_str_equal (verb, "list"))
    {
      if (id)
        return usage_error ("session %s takes no id", verb);
    }
  else if (g_str_equal (verb, "end") || g_str_equal (verb, "show"))
    {
      if (!id)
        return usage_error ("session %s needs a session id", verb);
      json_object_set_string_member (params, "id", id);
    }
  else
    return usage_error ("unknown command 'session %s'", verb);

  if (title)
    json_object_set_string_member (params, "title", title);
  if (reason)
    json_object_set_string_member (params, "reason", reason);
  call->method = g_str_equal (verb, "start")  ? "session.start"
                 : g_str_equal (verb, "end")  ? "session.end"
                 : g_str_equal (verb, "list") ? "session.list"
                                              : "session.show";
  call->print = g_str_equal (verb, "start")  ? print_session_id
                : g_str_equal (verb, "end")  ? print_session_ended
                : g_str_equal (verb, "list") ? rd_console_print_session_list
                                             : rd_console_print_session;
  return 0;
}

static int
parse_command (int argc, char **argv, Call *call)
{
  if (argc == 0)
    return usage_error ("no command given");
  if (g_str_equal (argv[0], "status"))
    {
      if (argc > 1)
        return usage_error ("status: unexpected argument '%s'", argv[1]);
      call->method = "status";
      call->print = rd_console_print_status;
      return 0;
    }
  if (g_str_equal (argv[0], "session"))
    return parse_session (argc - 1, argv + 1, call);
  return usage_error ("unknown command '%s'", argv[0]);
}

/* The socket: --socket, else the one in the configuration the daemon reads. */
static char *
find_socket (const char *socket_opt, const char *config_opt, GError **error)
{
  g_autoptr (RdConfig) config = NULL;

  if (socket_opt)
    return g_strdup (socket_opt);
  config = config_opt ? rd_config_load_file (config_opt, error) : rd_config_load_standard (error);
  return config ? g_strdup (rd_config_get_control_socket (config)) : NULL;
}

int
main (int argc, char **argv)
{
  const char *socket_opt = NULL, *config_opt = NULL, *timeout_opt = NULL;
  gboolean json = FALSE;
  g_autofree char *socket_path = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) result = NULL;
  Call call = { 0 };
  guint64 timeout_s = 30;
  int i, rc;

  setlocale (LC_ALL, "");
  for (i = 1; i < argc && argv[i][0] == '-'; i++)
    {
      const char **slot = NULL;
      const char *v;

      if (g_str_equal (argv[i], "--json"))
        json = TRUE;
      else if (g_str_equal (argv[i], "--help") || g_str_equal (argv[i], "-h"))
        {
          fputs (usage_text, stdout);
          return EX_OK;
        }
      else if (g_str_equal (argv[i], "--version"))
        {
          printf ("receptionctl %s\n", RD_VERSION);
          return EX_OK;
        }
      else if (take_option (argv, argc, &i, "--socket", &v))
        slot = &socket_opt;
      else if (take_option (argv, argc, &i, "--config", &v))
        slot = &config_opt;
      else if (take_option (argv, argc, &i, "--timeout", &v))
        slot = &timeout_opt;
      else
        return usage_error ("unknown option '%s'", argv[i]);
      if (slot && (!v || !*v))
        return usage_error ("%s needs a value", argv[i]);
      if (slot)
        *slot = v;
    }
  if (timeout_opt && !g_ascii_string_to_unsigned (timeout_opt, 10, 1, 3600, &timeout_s, NULL))
    return usage_error ("--timeout: '%s' is not a number of seconds (1-3600)", timeout_opt);

  rc = parse_command (argc - i, argv + i, &call);
  if (rc != 0)
    {
      g_clear_pointer (&call.params, json_node_unref);
      return rc;
    }
  socket_path = find_socket (socket_opt, config_opt, &error);
  if (!socket_path)
    {
      g_clear_pointer (&call.params, json_node_unref);
      fprintf (stderr, "receptionctl: %s\n", error->message);
      return EX_CONFIG;
    }

  result = rd_console_call (socket_path, call.method, call.params, (guint)timeout_s, &error);
  if (!result)
    {
      fprintf (stderr, "receptionctl: %s\n", error->message);
      if (g_error_matches (error, RD_CONSOLE_ERROR, RD_CONSOLE_ERROR_UNREACHABLE))
        return EX_UNAVAILABLE;
      if (g_error_matches (error, RD_CONSOLE_ERROR, RD_CONSOLE_ERROR_PROTOCOL))
        return EX_PROTOCOL;
      return 1;
    }
  if (json)
    {
      g_autofree char *text = json_to_string (result, TRUE);
      printf ("%s\n", text);
    }
  else
    call.print (result);
  return EX_OK;
}
