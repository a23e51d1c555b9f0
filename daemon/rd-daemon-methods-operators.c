/* rd-daemon-methods-operators.c: the room console's operator accounts ("operator.add",
 * "operator.passwd", "operator.disable", "operator.list"; supervisor role). A password is
 * hashed in a worker thread (scrypt costs tens of milliseconds on purpose) and never appears in
 * a reply, a log line or the ledger: only its hash does. */
#include "daemon/rd-daemon-console.h"
#include "daemon/rd-daemon-methods.h"
#include "daemon/rd-daemon-params.h"
#include "ledger/rd-ledger-operators.h"
#include "proto/rd-proto.h"

#include <string.h>

#include <openssl/crypto.h>

typedef struct
{
  RdDaemon *d; /* counts the job in d->workers until on_hashed: it outlives it */
  RdControlRequest *req;
  char *name;
  char *role; /* NULL: a new password for @name */
  char *password;
} HashJob;

static void
hash_job_free (HashJob *job)
{
  g_free (job->name);
  g_free (job->role);
  if (job->password)
    OPENSSL_cleanse (job->password, strlen (job->password));
  g_free (job->password);
  g_free (job);
}

static void
hash_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  HashJob *job = data;
  GError *error = NULL;
  RdLedgerPassword *pw = rd_ledger_password_new (job->password, &error);

  if (pw)
    g_task_return_pointer (task, pw, g_free);
  else
    g_task_return_error (task, error);
}

/* The event detail of a change: where an operator's request came from (the console). */
static JsonObject *
origin_detail (RdControlRequest *req)
{
  JsonObject *o = json_object_new ();
  const char *address = rd_control_request_get_address (req);

  if (address)
    json_object_set_string_member (o, "address", address);
  return o;
}

/* {"name", "role"} of the operator just changed. */
static JsonNode *
operator_result (const char *name, const char *role)
{
  JsonNode *node = json_from_string ("{}", NULL);

  json_object_set_string_member (json_node_get_object (node), "name", name);
  json_object_set_string_member (json_node_get_object (node), "role", role);
  return node;
}

static void
on_hashed (GObject *source, GAsyncResult *result, gpointer data)
{
  HashJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr (GError) error = NULL;
  g_autofree RdLedgerPassword *pw = g_task_propagate_pointer (G_TASK (result), &error);
  g_autoptr (RdLedgerOperator) op = NULL;
  g_autoptr (JsonObject) origin = origin_detail (job->req);
  RdDaemon *d = job->d;
  gboolean ok;

  d->workers--;
  if (!pw)
    {
      rd_control_request_reply_error (job->req, RD_PROTO_CODE_FAILED, "%s", error->message);
      return;
    }
  if (job->role)
    ok = rd_ledger_operator_add (d->ledger, job->name, job->role, pw,
                                 rd_control_request_get_actor (job->req), origin, &error);
  else
    ok = rd_ledger_operator_passwd (d->ledger, job->name, pw,
                                    rd_control_request_get_actor (job->req), origin, &error);
  OPENSSL_cleanse (pw, sizeof *pw);
  if (!ok)
    {
      rd_daemon_reply_ledger_error (job->req, NULL, error);
      return;
    }
  op = rd_ledger_operator_get (d->ledger, job->name, NULL);
  rd_control_request_reply (job->req, operator_result (job->name, op ? op->role : job->role));
}

/* The "password" param: at least RD_DAEMON_CONSOLE_MIN_PASSWORD characters, at most 1000 bytes
 * of UTF-8. FALSE: answered (the password itself never in the answer). */
static gboolean
get_password (RdControlRequest *req, JsonObject *params, const char **out)
{
  JsonNode *n = params ? json_object_get_member (params, "password") : NULL;

  *out = n && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING
             ? json_node_get_string (n)
             : NULL;
  if (!*out || strlen (*out) > 1000 || !g_utf8_validate (*out, -1, NULL))
    {
      rd_control_request_reply_error (req, RD_PROTO_CODE_INVALID_PARAMS,
                                      "\"password\" must be a text of at most 1000 bytes");
      return FALSE;
    }
  if (g_utf8_strlen (*out, -1) < RD_DAEMON_CONSOLE_MIN_PASSWORD)
    {
      rd_control_request_reply_error (req, RD_PROTO_CODE_INVALID_PARAMS,
                                      "the password is too short: at least %d characters",
                                      RD_DAEMON_CONSOLE_MIN_PASSWORD);
      return FALSE;
    }
  return TRUE;
}

static void
start_hash (RdDaemon *d, RdControlRequest *req, const char *name, const char *role,
            const char *password)
{
  g_autoptr (GTask) task = g_task_new (NULL, d->cancellable, on_hashed, NULL);
  HashJob *job = g_new0 (HashJob, 1);

  job->d = d;
  job->req = req;
  job->name = g_strdup (name);
  job->role = g_strdup (role);
  job->password = g_strdup (password);
  d->workers++;
  g_task_set_source_tag (task, start_hash);
  g_task_set_task_data (task, job, (GDestroyNotify)hash_job_free);
  g_task_run_in_thread (task, hash_thread);
}

/* {name, role, password} */
void
rd_daemon_method_operator_add (RdDaemon *d, RdControlRequest *req, JsonObject *params)
{
  const char *name, *role, *password;
  g_autoptr (GError) error = NULL;
  g_autoptr (RdLedgerOperator) existing = NULL;

  if (!rd_daemon_get_string_param (req, params, "name", TRUE, &name) ||
      !rd_daemon_get_string_param (req, params, "role", TRUE, &role))
    return;
  if (!rd_ledger_operator_check_role (role, &error))
    {
      rd_control_request_reply_error (req, RD_PROTO_CODE_INVALID_PARAMS, "%s", error->message);
      return;
    }
  /* a taken name is said before the password costs anything */
  existing = rd_ledger_operator_get (d->ledger, name, NULL);
  if (existing)
    {
      rd_control_request_reply_error (req, RD_PROTO_CODE_CONFLICT,
                                      "operator \"%s\" exists (a disabled operator keeps its "
                                      "name)",
                                      name);
      return;
    }
  if (!get_password (req, params, &password))
    return;
  start_hash (d, req, name, role, password);
}

/* {name, password} */
void
rd_daemon_method_operator_passwd (RdDaemon *d, RdControlRequest *req, JsonObject *params)
{
  const char *name, *password;
  g_autoptr (GError) error = NULL;
  g_autoptr (RdLedgerOperator) op = NULL;

  if (!rd_daemon_get_string_param (req, params, "name", TRUE, &name))
    return;
  op = rd_ledger_operator_get (d->ledger, name, &error);
  if (!op)
    {
      rd_daemon_reply_ledger_error (req, NULL, error);
      return;
    }
  if (op->disabled)
    {
      rd_control_request_reply_error (req, RD_PROTO_CODE_CONFLICT, "operator \"%s\" is disabled",
                                      name);
      return;
    }
  if (!get_password (req, params, &password))
    return;
  start_hash (d, req, name, NULL, password);
}

/* {name}: disabled for good; its console sessions end now. */
void
rd_daemon_method_operator_disable (RdDaemon *d, RdControlRequest *req, JsonObject *params)
{
  const char *name;
  g_autoptr (GError) error = NULL;
  g_autoptr (RdLedgerOperator) op = NULL;
  g_autoptr (JsonObject) origin = origin_detail (req);
  guint ended;

  if (!rd_daemon_get_string_param (req, params, "name", TRUE, &name))
    return;
  if (!rd_ledger_operator_disable (d->ledger, name, rd_control_request_get_actor (req), origin,
                                   &error) ||
      !(op = rd_ledger_operator_get (d->ledger, name, &error)))
    {
      rd_daemon_reply_ledger_error (req, NULL, error);
      return;
    }
  ended = rd_console_end_sessions_of (d->console, name, "operator-disabled");
  {
    JsonNode *result = operator_result (name, op->role);

    json_object_set_int_member (json_node_get_object (result), "sessions_ended", ended);
    rd_control_request_reply (req, result);
  }
}

void
rd_daemon_method_operator_list (RdDaemon *d, RdControlRequest *req, JsonObject *params)
{
  g_autoptr (GError) error = NULL;

  rd_daemon_reply_or_ledger_error (req, NULL, rd_ledger_operator_list (d->ledger, &error), &error);
}
