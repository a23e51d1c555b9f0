/* rd-daemon-console-password.c: an operator changes their own password from the console (POST
 * /console/api/password {"current", "new"}). The current password is checked and the new one
 * hashed in a worker thread, as a login's; a wrong current password counts toward the login
 * lockouts. See rd-daemon-console.h for the contract. */
#include "daemon/rd-daemon-console-private.h"
#include "ledger/rd-ledger-error.h"

#include <string.h>

#include <openssl/crypto.h>

typedef struct
{
  RdConsole *console; /* counts the job in console->logins until on_changed */
  RdConsoleRequest *req;
  char *key; /* the session's: it may end while the job runs */
  char *current;
  char *fresh;
  RdLedgerOperator *op;
} PasswordJob;

static void
cleanse_free (char *text)
{
  if (text)
    OPENSSL_cleanse (text, strlen (text));
  g_free (text);
}

static void
password_job_free (PasswordJob *job)
{
  g_free (job->key);
  cleanse_free (job->current);
  cleanse_free (job->fresh);
  rd_ledger_operator_free (job->op);
  g_free (job);
}

/* Returns the new password's hash; NULL without an error when the current one is wrong. */
static void
change_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  PasswordJob *job = data;
  GError *error = NULL;
  RdLedgerPassword *pw;

  if (!rd_ledger_password_matches (&job->op->password, job->current))
    {
      g_task_return_pointer (task, NULL, NULL);
      return;
    }
  pw = rd_ledger_password_new (job->fresh, &error);
  if (pw)
    g_task_return_pointer (task, pw, g_free);
  else
    g_task_return_error (task, error);
}

static void
wrong_password (RdConsole *c, RdConsoleRequest *req, RdConsoleSession *s)
{
  const char *address = rd_console_request_get_remote_address (req);
  g_autoptr (JsonObject) detail = json_object_new ();
  g_autoptr (RdLedgerOperator) op = rd_ledger_operator_get (c->ledger, s->name, NULL);

  json_object_set_string_member (detail, "name", s->name);
  json_object_set_string_member (detail, "role", s->role);
  json_object_set_string_member (detail, "reason", "wrong-password");
  rd_console_event (c, s->actor, "console-password-change-failed", address, detail);
  rd_console_count_failures (c, s->name, op, address);
  if (rd_console_refuse_if_locked (c, req, s->name, address))
    return;
  rd_console_request_reply_error (req, SOUP_STATUS_FORBIDDEN, "wrong-password",
                                  "The current password is wrong; the password is unchanged.", NULL,
                                  0, FALSE);
}

static void
on_changed (GObject *source, GAsyncResult *result, gpointer data)
{
  PasswordJob *job = g_task_get_task_data (G_TASK (result));
  RdConsole *c = job->console;
  RdConsoleRequest *req = job->req;
  g_autoptr (GError) error = NULL;
  g_autofree RdLedgerPassword *pw = g_task_propagate_pointer (G_TASK (result), &error);
  g_autoptr (JsonObject) detail = json_object_new ();
  g_autoptr (JsonNode) body = NULL;
  RdConsoleSession *s;
  gboolean ok;
  guint ended;

  if (rd_console_job_done (c, &c->logins, req))
    return;
  s = g_hash_table_lookup (c->sessions, job->key);
  if (!s)
    {
      rd_console_request_reply_error (req, SOUP_STATUS_UNAUTHORIZED, "session-expired",
                                      "Your session has ended; please log in again.", NULL, 0,
                                      TRUE);
      return;
    }
  if (!pw && !error)
    {
      wrong_password (c, req, s);
      return;
    }
  if (!pw)
    {
      rd_console_request_reply_error (req, SOUP_STATUS_INTERNAL_SERVER_ERROR, "failed",
                                      error->message, NULL, 0, FALSE);
      return;
    }
  json_object_set_string_member (detail, "address", rd_console_request_get_remote_address (req));
  ok = rd_ledger_operator_passwd (c->ledger, s->name, pw, s->actor, detail, &error);
  OPENSSL_cleanse (pw, sizeof *pw);
  if (!ok)
    {
      rd_console_request_reply_error (
          req,
          g_error_matches (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_STATE)
              ? SOUP_STATUS_CONFLICT
              : SOUP_STATUS_INTERNAL_SERVER_ERROR,
          "failed", error->message, NULL, 0, FALSE);
      return;
    }
  ended = rd_console_end_sessions_but (c, s->name, s->key, "password-changed");
  body = json_from_string ("{}", NULL);
  json_object_set_string_member (json_node_get_object (body), "name", s->name);
  json_object_set_string_member (json_node_get_object (body), "role", s->role);
  json_object_set_int_member (json_node_get_object (body), "sessions_ended", ended);
  rd_console_request_reply_json (req, SOUP_STATUS_OK, body, NULL);
}

void
rd_console_change_password (RdConsole *c, RdConsoleRequest *req, RdConsoleSession *s)
{
  JsonObject *body = rd_console_request_get_body (req);
  const char *current = rd_console_string_member (body, "current", 1000);
  const char *fresh = rd_console_string_member (body, "new", 1000);
  g_autoptr (GError) error = NULL;
  g_autoptr (GTask) task = NULL;
  RdLedgerOperator *op;
  PasswordJob *job;

  if (!current || !fresh)
    {
      rd_console_request_reply_error (
          req, SOUP_STATUS_BAD_REQUEST, "bad-request",
          "A password change takes {\"current\": ..., \"new\": ...} (at most 1000 bytes each).",
          NULL, 0, FALSE);
      return;
    }
  if (g_utf8_strlen (fresh, -1) < RD_DAEMON_CONSOLE_MIN_PASSWORD)
    {
      g_autofree char *message = g_strdup_printf (
          "The new password is too short: at least %d characters.", RD_DAEMON_CONSOLE_MIN_PASSWORD);
      g_autoptr (JsonObject) extra = json_object_new ();

      json_object_set_int_member (extra, "min_length", RD_DAEMON_CONSOLE_MIN_PASSWORD);
      rd_console_request_reply_error (req, SOUP_STATUS_BAD_REQUEST, "too-short", message, extra, 0,
                                      FALSE);
      return;
    }
  if (c->logins >= RD_CONSOLE_MAX_CHECKING)
    {
      rd_console_request_reply_error (req, SOUP_STATUS_SERVICE_UNAVAILABLE, "busy",
                                      "Too many password checks at once; try again in a second.",
                                      NULL, 1, FALSE);
      return;
    }
  if (rd_console_refuse_if_locked (c, req, s->name, rd_console_request_get_remote_address (req)))
    return;
  op = rd_ledger_operator_get (c->ledger, s->name, &error);
  if (!op || op->disabled)
    {
      rd_console_request_reply_error (req, SOUP_STATUS_CONFLICT, "failed",
                                      op ? "This operator is disabled." : error->message, NULL, 0,
                                      FALSE);
      rd_ledger_operator_free (op);
      return;
    }
  job = g_new0 (PasswordJob, 1);
  job->console = c;
  job->req = req;
  job->key = g_strdup (s->key);
  job->current = g_strdup (current);
  job->fresh = g_strdup (fresh);
  job->op = op;
  c->logins++;
  task = g_task_new (NULL, NULL, on_changed, NULL);
  g_task_set_source_tag (task, rd_console_change_password);
  g_task_set_task_data (task, job, (GDestroyNotify)password_job_free);
  g_task_run_in_thread (task, change_thread);
}
