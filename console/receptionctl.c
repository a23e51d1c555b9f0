/* receptionctl: the room console, a client of receptiond's control socket.
 *
 *   receptionctl [--socket PATH] [--config FILE] [--json] [--timeout S] COMMAND [ARGS]
 *
 * Exit codes: 0 success, 1 the daemon refused or failed the command (ledger verify: found a
 * problem; archive check: the package is not whole), 64 usage, 65/66 a file given to read is not
 * JSON (object) / cannot be read, 69 daemon not reachable, 73 --output file exists or cannot be
 * written, 76 garbled reply, 78 the config file to find the socket in is invalid. */
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "config/rd-config.h"
#include "console/rd-console-archive.h"
#include "console/rd-console-book.h"
#include "console/rd-console-client.h"
#include "console/rd-console-commands.h"
#include "console/rd-console-error.h"
#include "console/rd-console-operators.h"
#include "console/rd-console-time.h"

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
  *value = *i + 1 < argc ? argv[++*i] : NULL;
  return TRUE;
}

/* The socket: --socket, else the one in the configuration the daemon reads. Times are shown in
 * that configuration's [room] timezone (with --socket alone, the standard configuration's when
 * it loads, else the default's). */
static char *
find_socket (const char *socket_opt, const char *config_opt, GError **error)
{
  g_autoptr (RdConfig) config = NULL;

  if (config_opt)
    config = rd_config_load_file (config_opt, error);
  else if (socket_opt)
    config = rd_config_load_standard (NULL);
  else
    config = rd_config_load_standard (error);
  if (config)
    rd_console_time_set_zone (rd_config_get_timezone (config));
  else if (config_opt)
    return NULL;
  if (socket_opt)
    return g_strdup (socket_opt);
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
  RdConsoleCall call = { 0 };
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
          fputs (rd_console_usage (), stdout);
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
        return rd_console_usage_error ("unknown option '%s'", argv[i]);
      if (slot && (!v || !*v))
        return rd_console_usage_error ("%s needs a value", argv[i]);
      if (slot)
        *slot = v;
    }
  if (timeout_opt && !g_ascii_string_to_unsigned (timeout_opt, 10, 1, 3600, &timeout_s, NULL))
    return rd_console_usage_error ("--timeout: '%s' is not a number of seconds (1-3600)",
                                   timeout_opt);

  /* offline: reads a folder, never the daemon */
  if (argc - i >= 2 && g_str_equal (argv[i], "archive") && g_str_equal (argv[i + 1], "check"))
    return rd_console_archive_check (argc - i - 2, argv + i + 2, json);
  rc = rd_console_parse (argc - i, argv + i, &call);
  if (rc != 0)
    {
      g_clear_pointer (&call.params, json_node_unref);
      return rc;
    }
  if (g_str_equal (call.method, "operator.add") || g_str_equal (call.method, "operator.passwd"))
    {
      rc = rd_console_operator_password (json_node_get_object (call.params));
      if (rc != 0)
        {
          g_clear_pointer (&call.params, json_node_unref);
          return rc;
        }
    }
  socket_path = find_socket (socket_opt, config_opt, &error);
  if (!socket_path)
    {
      g_clear_pointer (&call.params, json_node_unref);
      fprintf (stderr, "receptionctl: %s\n", error->message);
      return EX_CONFIG;
    }

  if (!timeout_opt && call.timeout_s)
    timeout_s = call.timeout_s;
  /* Checked before the daemon exports (and records the export): the file is never replaced. */
  if (call.output && g_file_test (call.output, G_FILE_TEST_EXISTS))
    {
      g_clear_pointer (&call.params, json_node_unref);
      fprintf (stderr, "receptionctl: --output %s exists; choose a new file name\n", call.output);
      return EX_CANTCREAT;
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
  if (call.output)
    {
      if (!rd_console_write_output (result, call.output, &error))
        {
          fprintf (stderr, "receptionctl: %s\n", error->message);
          return EX_CANTCREAT;
        }
      json_object_remove_member (json_node_get_object (result), "content");
      if (!json)
        {
          JsonObject *o = json_node_get_object (result);
          if (json_object_has_member (o, "rows"))
            printf ("wrote %s (%" G_GINT64_FORMAT " rows)\n", call.output,
                    json_object_get_int_member (o, "rows"));
          else
            printf ("wrote %s\n", call.output);
          return EX_OK;
        }
    }
  if (json)
    {
      g_autofree char *text = json_to_string (result, TRUE);
      printf ("%s\n", text);
    }
  else
    call.print (result);
  return call.verdict ? call.verdict (result) : EX_OK;
}
