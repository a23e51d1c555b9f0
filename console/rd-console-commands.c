/* rd-console-commands.c: see rd-console-commands.h. */
#include "console/rd-console-commands.h"

#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "config/rd-config.h"
#include "console/rd-console-print.h"

typedef enum
{
  ARG_STRING,
  ARG_TEXT,      /* a string with something in it besides spaces (a reason on the record) */
  ARG_INT,       /* a positive whole number */
  ARG_DURATION,  /* sent as seconds */
  ARG_JSON_FILE, /* a file read here, its JSON sent */
  ARG_OUTPUT,    /* a file the result is written to, here; not sent */
} ArgKind;

typedef struct
{
  const char *flag;  /* "--title"; NULL for a positional argument */
  const char *param; /* the params member it fills */
  ArgKind kind;
  gboolean required;
} ArgSpec;

typedef struct
{
  const char *words[3]; /* the command words, e.g. { "session", "start" } */
  const char *method;
  RdConsolePrinter print;
  ArgSpec args[6]; /* positional ones first, in order */
  RdConsoleVerdict verdict;
  guint timeout_s; /* default --timeout for a command that may take long; 0 = global default */
} CommandSpec;

static const CommandSpec commands[] = {
  { { "status" }, "status", rd_console_print_status, { { 0 } } },
  { { "session", "start" },
    "session.start",
    rd_console_print_session_id,
    { { "--title", "title", ARG_STRING, FALSE } } },
  { { "session", "end" },
    "session.end",
    rd_console_print_session_ended,
    { { NULL, "id", ARG_STRING, TRUE }, { "--reason", "reason", ARG_STRING, FALSE } } },
  { { "session", "list" }, "session.list", rd_console_print_session_list, { { 0 } } },
  { { "session", "show" },
    "session.show",
    rd_console_print_session,
    { { NULL, "id", ARG_STRING, TRUE } } },
  { { "session", "invite" },
    "session.invite",
    rd_console_print_invite,
    { { NULL, "id", ARG_STRING, TRUE },
      { "--role", "role", ARG_STRING, TRUE },
      { "--name", "name", ARG_STRING, FALSE },
      { "--expires", "expires_in_s", ARG_DURATION, FALSE } } },
  { { "session", "revoke" },
    "session.revoke",
    rd_console_print_session,
    { { NULL, "id", ARG_STRING, TRUE }, { NULL, "invite_id", ARG_INT, TRUE } } },
  { { "mute" }, "mute", rd_console_print_muted, { { NULL, "track", ARG_STRING, FALSE } } },
  { { "unmute" }, "unmute", rd_console_print_muted, { { NULL, "track", ARG_STRING, FALSE } } },
  /* Re-hashing a long session's files takes a while: 10 minutes unless --timeout says. */
  { { "recording", "verify" },
    "recording.verify",
    rd_console_print_recording_verify,
    { { NULL, "session", ARG_STRING, TRUE } },
    rd_console_recording_verify_verdict,
    600 },
  { { "recording", "pause" },
    "recording.pause",
    rd_console_print_recording_control,
    { { NULL, "session", ARG_STRING, TRUE }, { "--reason", "reason", ARG_TEXT, TRUE } } },
  { { "recording", "resume" },
    "recording.resume",
    rd_console_print_recording_control,
    { { NULL, "session", ARG_STRING, TRUE }, { "--reason", "reason", ARG_TEXT, TRUE } } },
  { { "ledger", "key" }, "ledger.key", rd_console_print_ledger_key, { { 0 } } },
  { { "ledger", "checkpoint" }, "ledger.checkpoint", rd_console_print_checkpoint, { { 0 } } },
  { { "ledger", "checkpoint", "export" },
    "ledger.checkpoint.export",
    rd_console_print_checkpoint_export,
    { { "--output", "output", ARG_OUTPUT, FALSE } } },
  { { "ledger", "verify" },
    "ledger.verify",
    rd_console_print_verify,
    { { "--checkpoint", "checkpoint", ARG_JSON_FILE, FALSE } } },
};

static const char usage_text[] =
    "usage: receptionctl [--socket PATH] [--config FILE] [--json] [--timeout SECONDS] COMMAND\n"
    "\n"
    "commands:\n"
    "  status                          the daemon, devices, listener, ledger, disk, sessions,\n"
    "                                  parties\n"
    "  session start [--title TITLE]   start a session now; prints its id\n"
    "  session end ID [--reason R]     end a live session (its parties are disconnected)\n"
    "  session list                    every session, newest first\n"
    "  session show ID                 one session: parties, invites, recordings, events\n"
    "  session invite ID --role board|agency|citizen [--name NAME] [--expires 2h]\n"
    "                                  a bearer token for one remote party, with its WHIP and\n"
    "                                  join URLs (expires: 90s, 30m, 2h, 1d; default 4h)\n"
    "  session revoke ID INVITE-ID     revoke an invite; its parties are disconnected\n"
    "  mute [mic|camera]               send silence / black to every party (both if omitted)\n"
    "  unmute [mic|camera]             undo mute\n"
    "  recording verify ID             re-hash the session's recording files and compare them\n"
    "                                  with the ledger; exit 1 naming the first bad segment\n"
    "  recording pause ID --reason TEXT\n"
    "                                  stop recording the live session, on the record (who,\n"
    "                                  when, why); the paused span is a gap, never silence\n"
    "  recording resume ID --reason TEXT\n"
    "                                  record again\n"
    "  ledger key                      the room's Ed25519 public key (hex and PEM)\n"
    "  ledger checkpoint               sign the ledger's hash chain head now\n"
    "  ledger checkpoint export [--output FILE]\n"
    "                                  the latest signed head as JSON, to hand to the city board\n"
    "  ledger verify [--checkpoint FILE]\n"
    "                                  recompute the hash chain, check every row, signature and\n"
    "                                  sealed recording (and that an exported head is still in "
    "the\n"
    "                                  chain); exits 1 naming the first bad entry\n"
    "\n"
    "Without --socket, the socket is read from the configuration receptiond uses\n"
    "(--config FILE, else " RD_CONFIG_SYSTEM_PATH " if it exists, else the embedded default).\n"
    "--json prints the daemon's result as JSON for scripts.\n";

const char *
rd_console_usage (void)
{
  return usage_text;
}

int
rd_console_usage_error (const char *format, ...)
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

gboolean
rd_console_parse_duration (const char *text, gint64 *seconds)
{
  static const struct
  {
    char unit;
    gint64 factor;
  } units[] = { { 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 } };
  g_autofree char *number = g_strdup (text);
  gsize len = strlen (number);
  gint64 factor = 1;
  guint64 n;

  if (len > 1 && g_ascii_isalpha (number[len - 1]))
    {
      gboolean known = FALSE;
      for (gsize i = 0; i < G_N_ELEMENTS (units); i++)
        if (number[len - 1] == units[i].unit)
          {
            factor = units[i].factor;
            known = TRUE;
          }
      if (!known)
        return FALSE;
      number[len - 1] = '\0';
    }
  if (!g_ascii_string_to_unsigned (number, 10, 1, G_MAXINT32, &n, NULL))
    return FALSE;
  *seconds = (gint64)n * factor;
  return TRUE;
}

static guint
n_words (const CommandSpec *c)
{
  guint n = 0;
  while (n < G_N_ELEMENTS (c->words) && c->words[n])
    n++;
  return n;
}

static const char *
command_name (const CommandSpec *c)
{
  static char name[96];
  g_snprintf (name, sizeof name, "%s%s%s%s%s", c->words[0], c->words[1] ? " " : "",
              c->words[1] ? c->words[1] : "", c->words[2] ? " " : "",
              c->words[2] ? c->words[2] : "");
  return name;
}

/* Reads @path as a JSON object into member @spec->param of @params; 0, or an exit code with
 * the reason printed. */
static int
set_json_file (const CommandSpec *c, const ArgSpec *spec, JsonObject *params, const char *path)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  JsonNode *root;

  if (!json_parser_load_from_file (parser, path, &error))
    {
      fprintf (stderr, "receptionctl: %s %s: %s\n", command_name (c), spec->flag, error->message);
      return error->domain == G_FILE_ERROR ? EX_NOINPUT : EX_DATAERR;
    }
  root = json_parser_get_root (parser);
  if (!root || !JSON_NODE_HOLDS_OBJECT (root))
    {
      fprintf (stderr, "receptionctl: %s %s: %s is not a JSON object\n", command_name (c),
               spec->flag, path);
      return EX_DATAERR;
    }
  json_object_set_member (params, spec->param, json_node_copy (root));
  return 0;
}

/* Sets @spec's member of @params from @value; FALSE (usage printed) when the form is wrong. */
static gboolean
set_value (const CommandSpec *c, const ArgSpec *spec, JsonObject *params, const char *value,
           RdConsoleCall *call)
{
  gint64 number;
  guint64 u;

  switch (spec->kind)
    {
    case ARG_JSON_FILE: /* handled by set_json_file() */
      return FALSE;
    case ARG_OUTPUT:
      call->output = value;
      return TRUE;
    case ARG_STRING:
      json_object_set_string_member (params, spec->param, value);
      return TRUE;
    case ARG_TEXT:
      {
        g_autofree char *stripped = g_strstrip (g_strdup (value));

        if (*stripped == '\0')
          {
            rd_console_usage_error ("%s: %s needs a value that is not only spaces",
                                    command_name (c), spec->flag ? spec->flag : spec->param);
            return FALSE;
          }
        json_object_set_string_member (params, spec->param, stripped);
        return TRUE;
      }
    case ARG_INT:
      if (!g_ascii_string_to_unsigned (value, 10, 1, G_MAXINT64, &u, NULL))
        break;
      json_object_set_int_member (params, spec->param, (gint64)u);
      return TRUE;
    case ARG_DURATION:
      if (!rd_console_parse_duration (value, &number))
        break;
      json_object_set_int_member (params, spec->param, number);
      return TRUE;
    }
  rd_console_usage_error ("%s: '%s' is not a valid %s", command_name (c), value,
                          spec->kind == ARG_INT ? "number" : "duration (90s, 30m, 2h, 1d)");
  return FALSE;
}

/* The positional parameter that names a session ("id" for session commands, "session" for
 * recording commands). */
static gboolean
is_session (const char *param)
{
  return g_str_equal (param, "id") || g_str_equal (param, "session");
}

static int
parse_args (const CommandSpec *c, int argc, char **argv, JsonObject *params, RdConsoleCall *call)
{
  guint next_positional = 0;

  for (int i = 0; i < argc; i++)
    {
      const ArgSpec *spec = NULL;
      const char *value = NULL;

      if (argv[i][0] == '-' && argv[i][1] != '\0')
        {
          const char *eq = strchr (argv[i], '=');
          gsize flag_len = eq ? (gsize)(eq - argv[i]) : strlen (argv[i]);
          for (const ArgSpec *a = c->args; a->param; a++)
            if (a->flag && strlen (a->flag) == flag_len && !strncmp (a->flag, argv[i], flag_len))
              spec = a;
          if (!spec)
            return rd_console_usage_error ("%s: unknown option '%s'", command_name (c), argv[i]);
          value = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
          if (!value || !*value)
            return rd_console_usage_error ("%s: %s needs a value", command_name (c), spec->flag);
        }
      else
        {
          guint k = 0;
          for (const ArgSpec *a = c->args; a->param; a++)
            if (!a->flag && k++ == next_positional)
              spec = a;
          if (!spec)
            return rd_console_usage_error ("%s: unexpected argument '%s'", command_name (c),
                                           argv[i]);
          next_positional++;
          value = argv[i];
        }
      if (spec->kind == ARG_JSON_FILE)
        {
          int rc = set_json_file (c, spec, params, value);
          if (rc != 0)
            return rc;
        }
      else if (!set_value (c, spec, params, value, call))
        return EX_USAGE;
    }
  for (const ArgSpec *a = c->args; a->param; a++)
    if (a->required && a->kind != ARG_OUTPUT && !json_object_has_member (params, a->param))
      return a->flag ? rd_console_usage_error ("%s needs %s", command_name (c), a->flag)
                     : rd_console_usage_error ("%s needs a%s %s", command_name (c),
                                               is_session (a->param) ? " session" : "n",
                                               is_session (a->param) ? "id" : a->param);
  return 0;
}

int
rd_console_parse (int argc, char **argv, RdConsoleCall *call)
{
  const CommandSpec *best = NULL;
  guint best_words = 0;
  g_autoptr (JsonObject) params = NULL;
  int rc;

  if (argc == 0)
    return rd_console_usage_error ("no command given");
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      guint n = n_words (&commands[i]);
      gboolean match = (guint)argc >= n;
      for (guint w = 0; match && w < n; w++)
        match = g_str_equal (argv[w], commands[i].words[w]);
      if (match && n > best_words)
        {
          best = &commands[i];
          best_words = n;
        }
    }
  if (!best)
    {
      if (g_str_equal (argv[0], "session") || g_str_equal (argv[0], "recording") ||
          g_str_equal (argv[0], "ledger"))
        return argc > 1 ? rd_console_usage_error ("unknown command '%s %s'", argv[0], argv[1])
                        : rd_console_usage_error ("'%s' needs a subcommand", argv[0]);
      return rd_console_usage_error ("unknown command '%s'", argv[0]);
    }
  params = json_object_new ();
  rc = parse_args (best, argc - (int)best_words, argv + best_words, params, call);
  if (rc != 0)
    return rc;
  call->method = best->method;
  call->print = best->print;
  call->verdict = best->verdict;
  call->timeout_s = best->timeout_s;
  call->params =
      json_object_get_size (params) ? json_node_init_object (json_node_alloc (), params) : NULL;
  return 0;
}
