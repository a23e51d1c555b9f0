/* rd-console-operators.h: receptionctl's operator commands (the room console's accounts):
 * reading a new password, and printing the results of operator.add/passwd/disable/list.
 *
 * Contract: rd_console_operator_password() reads the password of "operator add" and "operator
 * passwd" into @params' "password": on a terminal (stdin a tty, no --password-stdin) it asks
 * twice without echo; otherwise it reads one line from stdin (its line end dropped). It refuses
 * a password shorter than RD_CONSOLE_MIN_PASSWORD characters, two that differ and an empty
 * stdin, saying so on stderr, and removes the "password_stdin" flag from @params. The password
 * is never printed. Threading: one thread.
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define RD_CONSOLE_MIN_PASSWORD 10

/* 0, or the exit code (65: refused; 66: nothing to read). */
int rd_console_operator_password (JsonObject *params);

/* "operator.add", "operator.passwd", "operator.disable": one line. */
void rd_console_print_operator (JsonNode *result);
/* "operator.list": a table. */
void rd_console_print_operators (JsonNode *result);

G_END_DECLS
