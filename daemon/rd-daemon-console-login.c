/* rd-daemon-console-login.c: the room console's logins, lockouts and sessions. See
 * rd-daemon-console.h for the contract. */
#include "daemon/rd-daemon-console-private.h"
#include "daemon/rd-daemon-log.h"
#include "daemon/rd-daemon-token.h"
#include "ledger/rd-ledger-operators.h"

#include <string.h>

#include <openssl/crypto.h>

/* Failed logins of one name or from one address. */
typedef struct
{
  GArray *times_us;     /* monotonic times of the failures within the window */
  gint64 locked_until;  /* monotonic; 0: not locked */
  GDateTime *until_utc; /* the same in UTC, for the message */
} Failures;

static void
failures_free (Failures *f)
{
  g_array_unref (f->times_us);
  g_clear_pointer (&f->until_utc, g_date_time_unref);
  g_free (f);
}

GHashTable *
rd_console_failures_new (void)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify)failures_free);
}

void
rd_console_session_free (RdConsoleSession *s)
{
  if (!s)
    return;
  g_free (s->key);
  g_free (s->name);
  g_free (s->role);
  g_free (s->actor);
  if (s->csrf)
    OPENSSL_cleanse (s->csrf, strlen (s->csrf));
  g_free (s->csrf);
  g_free (s->address);
  g_clear_pointer (&s->viewed, g_hash_table_unref);
  g_free (s);
}

void
rd_console_event (RdConsole *c, const char *actor, const char *kind, const char *address,
                  JsonObject *detail)
{
  g_autoptr (JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autoptr (GError) error = NULL;
  JsonObject *o = detail ? json_object_ref (detail) : json_object_new ();

  json_object_set_string_member (o, "address", address ? address : "");
  json_node_take_object (node, o);
  if (!rd_ledger_add_event (c->ledger, NULL, actor, kind, node, &error))
    rd_log_session (G_LOG_LEVEL_WARNING, NULL, "could not record %s of %s in the ledger: %s", kind,
                    actor, error->message);
}

void
rd_console_session_end (RdConsole *c, RdConsoleSession *s, const char *reason)
{
  g_autoptr (JsonObject) detail = json_object_new ();

  json_object_set_string_member (detail, "name", s->name);
  json_object_set_string_member (detail, "role", s->role);
  json_object_set_string_member (detail, "reason", reason);
  rd_console_event (c, s->actor, "console-logout", s->address, detail);
  g_hash_table_remove (c->sessions, s->key); /* frees @s */
}

/* Why @s has ended at @now, or NULL while it is live. */
static const char *
ended_why (RdConsole *c, RdConsoleSession *s, gint64 now)
{
  if (now - s->created_us >= (gint64)RD_CONSOLE_MAX_AGE_S * G_USEC_PER_SEC)
    return "max-age";
  if (now - s->last_us >= (gint64)rd_config_get_console_idle_timeout (c->config) * G_USEC_PER_SEC)
    return "idle";
  return NULL;
}

static gboolean
on_sweep (gpointer data)
{
  RdConsole *c = data;
  gint64 now = g_get_monotonic_time ();
  g_autoptr (GList) sessions = g_hash_table_get_values (c->sessions);

  for (GList *l = sessions; l; l = l->next)
    {
      const char *why = ended_why (c, l->data, now);

      if (why)
        rd_console_session_end (c, l->data, why);
    }
  if (g_hash_table_size (c->sessions) > 0)
    return G_SOURCE_CONTINUE;
  c->sweep_id = 0;
  return G_SOURCE_REMOVE;
}

guint
rd_console_end_sessions_of (RdConsole *c, const char *name, const char *reason)
{
  return rd_console_end_sessions_but (c, name, NULL, reason);
}

guint
rd_console_end_sessions_but (RdConsole *c, const char *name, const char *keep, const char *reason)
{
  g_autoptr (GList) sessions = g_hash_table_get_values (c->sessions);
  guint n = 0;

  for (GList *l = sessions; l; l = l->next)
    if (g_str_equal (((RdConsoleSession *)l->data)->name, name) &&
        g_strcmp0 (((RdConsoleSession *)l->data)->key, keep) != 0)
      {
        rd_console_session_end (c, l->data, reason);
        n++;
      }
  return n;
}

RdConsoleSession *
rd_console_session_of (RdConsole *c, RdConsoleRequest *req, gboolean action)
{
  const char *cookie = rd_console_request_get_cookie (req);
  g_autofree char *key = cookie && *cookie ? rd_daemon_token_hash (cookie) : NULL;
  RdConsoleSession *s = key ? g_hash_table_lookup (c->sessions, key) : NULL;
  gint64 now = g_get_monotonic_time ();
  const char *why = s ? ended_why (c, s, now) : NULL;

  if (!s || why)
    {
      if (s)
        rd_console_session_end (c, s, why);
      rd_console_request_reply_error (
          req, SOUP_STATUS_UNAUTHORIZED, s ? "session-expired" : "no-session",
          s ? "Your session has ended; please log in again." : "Please log in.", NULL, 0,
          cookie != NULL);
      return NULL;
    }
  if (action)
    s->last_us = now;
  return s;
}

gboolean
rd_console_cookie_is_live (RdConsole *c, const char *cookie)
{
  g_autofree char *key = cookie && *cookie ? rd_daemon_token_hash (cookie) : NULL;
  RdConsoleSession *s = key ? g_hash_table_lookup (c->sessions, key) : NULL;
  const char *why = s ? ended_why (c, s, g_get_monotonic_time ()) : NULL;

  if (s && why)
    rd_console_session_end (c, s, why);
  return s && !why;
}

/* ---- Lockouts ---------------------------------------------------------------------------- */

static Failures *
failures_get (RdConsole *c, const char *key, gint64 now, gboolean create)
{
  Failures *f = g_hash_table_lookup (c->failures, key);

  if (f && f->locked_until && f->locked_until <= now)
    {
      f->locked_until = 0;
      g_clear_pointer (&f->until_utc, g_date_time_unref);
      g_array_set_size (f->times_us, 0);
    }
  while (f && f->times_us->len &&
         now - g_array_index (f->times_us, gint64, 0) >
             (gint64)RD_CONSOLE_FAILURE_WINDOW_S * G_USEC_PER_SEC)
    g_array_remove_index (f->times_us, 0);
  if (f || !create)
    return f;
  if (g_hash_table_size (c->failures) >= RD_CONSOLE_MAX_TRACKED)
    {
      /* forget what is neither locked nor recent; if all are, the table stops growing */
      GHashTableIter iter;
      gpointer v;

      g_hash_table_iter_init (&iter, c->failures);
      while (g_hash_table_iter_next (&iter, NULL, &v))
        if (!((Failures *)v)->locked_until && ((Failures *)v)->times_us->len == 0)
          g_hash_table_iter_remove (&iter);
      if (g_hash_table_size (c->failures) >= RD_CONSOLE_MAX_TRACKED)
        return NULL;
    }
  f = g_new0 (Failures, 1);
  f->times_us = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_hash_table_insert (c->failures, g_strdup (key), f);
  return f;
}

/* Answers @req 429 for @f (locked). */
static void
reply_locked (RdConsoleRequest *req, Failures *f, gboolean name_scope, gint64 now)
{
  g_autoptr (JsonObject) extra = json_object_new ();
  g_autofree char *until = g_date_time_format (f->until_utc, "%Y-%m-%dT%H:%M:%SZ");
  g_autofree char *message = NULL;
  guint after = (guint)((f->locked_until - now + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC);

  message = g_strdup_printf ("Too many failed logins %s. Try again after %s (in %u seconds).",
                             name_scope ? "for this name" : "from this address", until, after);
  json_object_set_string_member (extra, "until", until);
  json_object_set_int_member (extra, "retry_after_s", after);
  rd_console_request_reply_error (req, 429, "locked-out", message, extra, after, FALSE);
}

/* The lock on @name or @address now, or NULL. */
static Failures *
locked (RdConsole *c, const char *name_key, const char *address_key, gint64 now,
        gboolean *name_scope)
{
  Failures *f = failures_get (c, name_key, now, FALSE);

  *name_scope = TRUE;
  if (f && f->locked_until)
    return f;
  *name_scope = FALSE;
  f = failures_get (c, address_key, now, FALSE);
  return f && f->locked_until ? f : NULL;
}

/* "console-login-failed" for a login from @address refused for @reason; the name is written
 * only when it is an operator's (@op). */
static void
record_failure (RdConsole *c, const RdLedgerOperator *op, const char *reason, const char *address)
{
  g_autoptr (JsonObject) detail = json_object_new ();

  if (op)
    {
      json_object_set_string_member (detail, "name", op->name);
      json_object_set_string_member (detail, "role", op->role);
    }
  json_object_set_string_member (detail, "reason", reason);
  rd_console_event (c, "console", "console-login-failed", address, detail);
}

/* Counts a failure against @key; TRUE when it reaches @limit (then locked, event written). */
static gboolean
count_failure (RdConsole *c, const char *key, guint limit, gint64 now, const char *scope,
               const char *name, const char *address)
{
  Failures *f = failures_get (c, key, now, TRUE);
  g_autoptr (JsonObject) detail = NULL;
  g_autofree char *until = NULL;

  if (!f)
    return FALSE;
  g_array_append_val (f->times_us, now);
  if (f->times_us->len < limit)
    return FALSE;
  f->locked_until = now + (gint64)RD_CONSOLE_LOCKOUT_S * G_USEC_PER_SEC;
  {
    g_autoptr (GDateTime) utc = g_date_time_new_now_utc ();
    g_autoptr (GDateTime) later = g_date_time_add_seconds (utc, RD_CONSOLE_LOCKOUT_S + 1);

    /* whole seconds, rounded up: the lock has ended at the time said */
    f->until_utc = g_date_time_add_seconds (later, -g_date_time_get_seconds (later) +
                                                       g_date_time_get_second (later));
  }
  until = g_date_time_format (f->until_utc, "%Y-%m-%dT%H:%M:%SZ");
  detail = json_object_new ();
  json_object_set_string_member (detail, "scope", scope);
  if (name)
    json_object_set_string_member (detail, "name", name);
  json_object_set_string_member (detail, "until", until);
  json_object_set_int_member (detail, "failures", f->times_us->len);
  rd_console_event (c, "console", "console-lockout", address, detail);
  rd_log_session (G_LOG_LEVEL_WARNING, NULL,
                  "console: %s locked out until %s after %u failed "
                  "logins",
                  name ? name : address, until, f->times_us->len);
  return TRUE;
}

gboolean
rd_console_refuse_if_locked (RdConsole *c, RdConsoleRequest *req, const char *name,
                             const char *address)
{
  g_autofree char *name_key = g_strconcat ("name:", name, NULL);
  g_autofree char *address_key = g_strconcat ("address:", address, NULL);
  gint64 now = g_get_monotonic_time ();
  gboolean name_scope;
  Failures *lock = locked (c, name_key, address_key, now, &name_scope);

  if (!lock)
    return FALSE;
  reply_locked (req, lock, name_scope, now);
  return TRUE;
}

void
rd_console_count_failures (RdConsole *c, const char *name, const RdLedgerOperator *op,
                           const char *address)
{
  g_autofree char *name_key = g_strconcat ("name:", name, NULL);
  g_autofree char *address_key = g_strconcat ("address:", address, NULL);
  gint64 now = g_get_monotonic_time ();

  count_failure (c, name_key, RD_CONSOLE_MAX_FAILURES, now, "name", op ? op->name : NULL, address);
  count_failure (c, address_key, RD_CONSOLE_MAX_ADDRESS_FAILURES, now, "address", NULL, address);
}

/* ---- Login ------------------------------------------------------------------------------- */

typedef struct
{
  RdConsole *console; /* counts the job in console->logins until on_checked */
  RdConsoleRequest *req;
  char *name;
  char *password;
  RdLedgerOperator *op; /* NULL: no such operator (a stand-in hash is checked) */
} LoginJob;

static void
login_job_free (LoginJob *job)
{
  g_free (job->name);
  if (job->password)
    OPENSSL_cleanse (job->password, strlen (job->password));
  g_free (job->password);
  rd_ledger_operator_free (job->op);
  g_free (job);
}

/* A hash at today's cost that no password matches, checked for names that are not operators, so
 * that they take as long as the others. */
static const RdLedgerPassword *
stand_in (void)
{
  static RdLedgerPassword pw;
  static gsize done;

  if (g_once_init_enter (&done))
    {
      pw.n = RD_LEDGER_SCRYPT_N;
      pw.r = RD_LEDGER_SCRYPT_R;
      pw.p = RD_LEDGER_SCRYPT_P;
      g_once_init_leave (&done, 1);
    }
  return &pw;
}

static void
check_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  LoginJob *job = data;
  gboolean ok =
      rd_ledger_password_matches (job->op ? &job->op->password : stand_in (), job->password);

  g_task_return_boolean (task, ok && job->op != NULL);
}

static void
login_succeeded (RdConsole *c, RdConsoleRequest *req, const RdLedgerOperator *op)
{
  RdConsoleSession *s = g_new0 (RdConsoleSession, 1);
  g_autofree char *cookie = rd_daemon_random_hex (32);
  g_autoptr (JsonObject) detail = json_object_new ();
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr (GDateTime) expires = g_date_time_add_seconds (now, RD_CONSOLE_MAX_AGE_S);
  g_autofree char *expires_text = g_date_time_format_iso8601 (expires);
  g_autoptr (JsonNode) body = NULL;

  s->key = rd_daemon_token_hash (cookie);
  s->name = g_strdup (op->name);
  s->role = g_strdup (op->role);
  s->actor = g_strdup_printf ("operator %s (%s)", op->name, op->role);
  s->csrf = rd_daemon_random_hex (32);
  s->address = g_strdup (rd_console_request_get_remote_address (req));
  s->created_us = s->last_us = g_get_monotonic_time ();
  s->viewed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_hash_table_replace (c->sessions, s->key, s);
  if (!c->sweep_id)
    c->sweep_id = g_timeout_add_seconds (1, on_sweep, c);

  json_object_set_string_member (detail, "name", s->name);
  json_object_set_string_member (detail, "role", s->role);
  rd_console_event (c, s->actor, "console-login", s->address, detail);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, s->name);
  json_builder_set_member_name (b, "role");
  json_builder_add_string_value (b, s->role);
  json_builder_set_member_name (b, "csrf");
  json_builder_add_string_value (b, s->csrf);
  json_builder_set_member_name (b, "idle_timeout_s");
  json_builder_add_int_value (b, rd_config_get_console_idle_timeout (c->config));
  json_builder_set_member_name (b, "expires_at");
  json_builder_add_string_value (b, expires_text);
  json_builder_end_object (b);
  body = json_builder_get_root (b);
  rd_console_request_reply_json (req, SOUP_STATUS_OK, body, cookie);
  OPENSSL_cleanse (cookie, strlen (cookie));
}

gboolean
rd_console_job_done (RdConsole *c, guint *count, RdConsoleRequest *req)
{
  (*count)--;
  if (!c->freed)
    return FALSE;
  rd_console_request_reply_error (req, SOUP_STATUS_SERVICE_UNAVAILABLE, "unavailable",
                                  "The room is stopping.", NULL, 0, FALSE);
  if (c->logins == 0 && c->downloads == 0)
    g_free (c);
  return TRUE;
}

static void
on_checked (GObject *source, GAsyncResult *result, gpointer data)
{
  LoginJob *job = g_task_get_task_data (G_TASK (result));
  RdConsole *c = job->console;
  RdConsoleRequest *req = job->req;
  gboolean ok = g_task_propagate_boolean (G_TASK (result), NULL);
  const char *address = rd_console_request_get_remote_address (req);

  if (rd_console_job_done (c, &c->logins, req))
    return;
  if (ok && !job->op->disabled)
    {
      login_succeeded (c, req, job->op);
      return;
    }
  record_failure (c, job->op,
                  !job->op            ? "unknown-name"
                  : job->op->disabled ? "disabled"
                                      : "wrong-password",
                  address);
  rd_console_count_failures (c, job->name, job->op, address);
  if (rd_console_refuse_if_locked (c, req, job->name, address))
    return;
  rd_console_request_reply_error (req, SOUP_STATUS_UNAUTHORIZED, "login-failed",
                                  "The name or the password is wrong.", NULL, 0, FALSE);
}

const char *
rd_console_string_member (JsonObject *o, const char *name, gsize max)
{
  JsonNode *n = o ? json_object_get_member (o, name) : NULL;
  const char *s;

  if (!n || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING)
    return NULL;
  s = json_node_get_string (n);
  return strlen (s) <= max ? s : NULL;
}

void
rd_console_login (RdConsole *c, RdConsoleRequest *req)
{
  JsonObject *body = rd_console_request_get_body (req);
  const char *name = rd_console_string_member (body, "name", 64);
  const char *password = rd_console_string_member (body, "password", 1000);
  const char *address = rd_console_request_get_remote_address (req);
  g_autofree char *name_key = NULL;
  g_autofree char *address_key = NULL;
  g_autoptr (GTask) task = NULL;
  gint64 now = g_get_monotonic_time ();
  gboolean name_scope;
  Failures *lock;
  LoginJob *job;

  if (!name || !*name || !password)
    {
      rd_console_request_reply_error (req, SOUP_STATUS_BAD_REQUEST, "bad-request",
                                      "A login takes {\"name\": ..., \"password\": ...}.", NULL, 0,
                                      FALSE);
      return;
    }
  if (c->logins >= RD_CONSOLE_MAX_CHECKING)
    {
      rd_console_request_reply_error (req, SOUP_STATUS_SERVICE_UNAVAILABLE, "busy",
                                      "Too many logins at once; try again in a second.", NULL, 1,
                                      FALSE);
      return;
    }
  name_key = g_strconcat ("name:", name, NULL);
  address_key = g_strconcat ("address:", address, NULL);
  if ((lock = locked (c, name_key, address_key, now, &name_scope)))
    {
      g_autoptr (RdLedgerOperator) op = rd_ledger_operator_get (c->ledger, name, NULL);

      record_failure (c, op, "locked-out", address);
      reply_locked (req, lock, name_scope, now);
      return;
    }
  job = g_new0 (LoginJob, 1);
  job->console = c;
  job->req = req;
  job->name = g_strdup (name);
  job->password = g_strdup (password);
  job->op = rd_ledger_operator_get (c->ledger, name, NULL);
  c->logins++;
  task = g_task_new (NULL, NULL, on_checked, NULL);
  g_task_set_source_tag (task, rd_console_login);
  g_task_set_task_data (task, job, (GDestroyNotify)login_job_free);
  g_task_run_in_thread (task, check_thread);
}
