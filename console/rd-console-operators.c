/* rd-console-operators.c: receptionctl's operator commands. See rd-console-operators.h. */
#include "console/rd-console-operators.h"

#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <termios.h>
#include <unistd.h>

#include <openssl/crypto.h>

/* One line from @in without its line end; NULL at end of input. (transfer full) */
static char *
read_line (FILE *in)
{
  char *line = NULL;
  size_t cap = 0;
  ssize_t n = getline (&line, &cap, in);

  if (n < 0)
    {
      free (line);
      return NULL;
    }
  while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
    line[--n] = '\0';
  {
    char *copy = g_strdup (line);
    OPENSSL_cleanse (line, cap);
    free (line);
    return copy;
  }
}

static void
wipe (char *s)
{
  if (s)
    OPENSSL_cleanse (s, strlen (s));
  g_free (s);
}

/* Asks @prompt on stderr and reads a line from the terminal on stdin without echo. */
static char *
ask (const char *prompt)
{
  struct termios old, quiet;
  char *line;

  fputs (prompt, stderr);
  fflush (stderr);
  if (tcgetattr (STDIN_FILENO, &old) != 0)
    return read_line (stdin);
  quiet = old;
  quiet.c_lflag &= ~(tcflag_t)ECHO;
  quiet.c_lflag |= ECHONL;
  tcsetattr (STDIN_FILENO, TCSAFLUSH, &quiet);
  line = read_line (stdin);
  tcsetattr (STDIN_FILENO, TCSAFLUSH, &old);
  return line;
}

int
rd_console_operator_password (JsonObject *params)
{
  gboolean from_stdin = json_object_has_member (params, "password_stdin") || !isatty (STDIN_FILENO);
  char *password = NULL;

  json_object_remove_member (params, "password_stdin");
  if (from_stdin)
    password = read_line (stdin);
  else
    {
      char *again = NULL;

      password = ask ("New password: ");
      again = password ? ask ("The same password again: ") : NULL;
      if (password && (!again || strcmp (password, again) != 0))
        {
          wipe (again);
          wipe (password);
          fprintf (stderr, "receptionctl: the two passwords differ; nothing was changed\n");
          return EX_DATAERR;
        }
      wipe (again);
    }
  if (!password)
    {
      fprintf (stderr, "receptionctl: no password given (stdin ended)\n");
      return EX_NOINPUT;
    }
  if (!g_utf8_validate (password, -1, NULL) ||
      g_utf8_strlen (password, -1) < RD_CONSOLE_MIN_PASSWORD)
    {
      wipe (password);
      fprintf (stderr, "receptionctl: the password is too short: it needs at least %d characters\n",
               RD_CONSOLE_MIN_PASSWORD);
      return EX_DATAERR;
    }
  json_object_set_string_member (params, "password", password);
  wipe (password);
  return 0;
}

void
rd_console_print_operator (JsonNode *result)
{
  JsonObject *o = JSON_NODE_HOLDS_OBJECT (result) ? json_node_get_object (result) : NULL;

  if (!o)
    return;
  printf ("operator %s (%s)", json_object_get_string_member_with_default (o, "name", "?"),
          json_object_get_string_member_with_default (o, "role", "?"));
  if (json_object_has_member (o, "sessions_ended"))
    printf (": disabled, %" G_GINT64_FORMAT " console session(s) ended",
            json_object_get_int_member (o, "sessions_ended"));
  printf ("\n");
}

void
rd_console_print_operators (JsonNode *result)
{
  JsonArray *a = JSON_NODE_HOLDS_ARRAY (result) ? json_node_get_array (result) : NULL;
  guint n = a ? json_array_get_length (a) : 0;

  if (n == 0)
    {
      printf ("no operators (add one: receptionctl operator add NAME --role ROLE)\n");
      return;
    }
  printf ("%-20s %-11s %-9s %-28s %s\n", "NAME", "ROLE", "STATE", "CHANGED", "BY");
  for (guint i = 0; i < n; i++)
    {
      JsonObject *o = json_array_get_object_element (a, i);

      printf ("%-20s %-11s %-9s %-28s %s\n",
              json_object_get_string_member_with_default (o, "name", "?"),
              json_object_get_string_member_with_default (o, "role", "?"),
              json_object_get_boolean_member_with_default (o, "disabled", FALSE) ? "disabled"
                                                                                 : "active",
              json_object_get_string_member_with_default (o, "changed_at", ""),
              json_object_get_string_member_with_default (o, "changed_by", ""));
    }
}
