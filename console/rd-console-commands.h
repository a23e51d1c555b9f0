/* rd-console-commands.h: receptionctl's commands, one table: words, the daemon method they call,
 * their positional arguments and options, and how the result is printed.
 *
 * Contract: rd_console_parse() turns the words after the global options into a method and its
 * params, or prints what is wrong plus the usage and returns EX_USAGE (64). Values are checked
 * here as far as their form goes (a number is a number, a duration is a duration); the daemon
 * checks the rest; a file named by an option that takes one (ledger verify --checkpoint) is read
 * and parsed here, and a problem with it returns 66 (EX_NOINPUT) or 65 (EX_DATAERR). Threading:
 * one thread. */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef void (*RdConsolePrinter) (JsonNode *result);
/* The exit code for a result the daemon returned (0, or 1 with the reason on stderr). */
typedef int (*RdConsoleVerdict) (JsonNode *result);

typedef struct
{
  const char *method;       /* (transfer none) */
  JsonNode *params;         /* (transfer full), NULL when the method takes none */
  RdConsolePrinter print;   /* the human form */
  RdConsoleVerdict verdict; /* NULL: a result is success */
  guint timeout_s;          /* the command's default --timeout; 0 for the global default */
  const char *output;       /* (transfer none) --output FILE: the result goes there, as JSON */
} RdConsoleCall;

/* The usage text, every command listed. */
const char *rd_console_usage (void);

/* Prints "receptionctl: <message>" and the usage to stderr; returns 64. */
int rd_console_usage_error (const char *format, ...) G_GNUC_PRINTF (1, 2);

/* 0 and @call filled, or 64 (usage already printed), or 65 when a --file is not a JSON object
 * (said on stderr). */
int rd_console_parse (int argc, char **argv, RdConsoleCall *call);

G_END_DECLS
