/* rd-daemon-methods-book.c: the control methods of the reception book. Each checks the form of
 * its own parameters (ids, reveal), hands the fields to the ledger, which checks them and writes
 * one transaction with the console user (SO_PEERCRED) as actor, and answers once. */
#include "daemon/rd-daemon-methods.h"

#include <string.h>

#include "daemon/rd-daemon-log.h"
#include "daemon/rd-daemon-params.h"
#include "ledger/rd-ledger-book.h"
#include "proto/rd-proto.h"

/* An id parameter (a whole number >= 1): FALSE (answered) when absent or not one. */
static gboolean
get_id (RdControlRequest *req, JsonObject *params, const char *name, gint64 *out)
{
  JsonNode *n = params ? json_object_get_member (params, name) : NULL;

  if (n && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_INT64 &&
      json_node_get_int (n) >= 1)
    {
      *out = json_node_get_int (n);
      return TRUE;
    }
  rd_control_request_reply_error (
      req, RD_PROTO_CODE_INVALID_PARAMS,
      n ? "parameter \"%s\" must be a whole number from 1" : "missing parameter \"%s\"", name);
  return FALSE;
}

static gboolean
get_bool (RdControlRequest *req, JsonObject *params, const char *name, gboolean *out)
{
  JsonNode *n = params ? json_object_get_member (params, name) : NULL;

  *out = FALSE;
  if (!n || JSON_NODE_HOLDS_NULL (n))
    return TRUE;
  if (JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_BOOLEAN)
    {
      *out = json_node_get_boolean (n);
      return TRUE;
    }
  rd_control_request_reply_error (req, RD_PROTO_CODE_INVALID_PARAMS,
                                  "parameter \"%s\" must be true or false", name);
  return FALSE;
}

/* The reveal reason: NULL without "reveal"; a reveal needs a reason, a reason a reveal. */
static gboolean
get_reveal (RdControlRequest *req, JsonObject *params, const char **reason)
{
  gboolean reveal;

  if (!get_bool (req, params, "reveal", &reveal) ||
      !rd_daemon_get_string_param (req, params, "reason", FALSE, reason))
    return FALSE;
  if (reveal && (*reason == NULL || **reason == '\0'))
    {
      rd_control_request_reply_error (req, RD_PROTO_CODE_INVALID_PARAMS,
                                      "revealing a protected identity needs a reason (--reason)");
      return FALSE;
    }
  if (!reveal && *reason != NULL)
    {
      rd_control_request_reply_error (req, RD_PROTO_CODE_INVALID_PARAMS,
                                      "a reason (--reason) is only for --reveal");
      return FALSE;
    }
  return TRUE;
}

/* A copy of @params without the members named in @drop (NULL-terminated). (transfer full) */
static JsonObject *
fields_without (JsonObject *params, const char *const *drop)
{
  JsonObject *fields = json_object_new ();
  g_autoptr (GList) members = params ? json_object_get_members (params) : NULL;

  for (GList *l = members; l; l = l->next)
    if (!g_strv_contains (drop, l->data))
      json_object_set_member (fields, l->data,
                              json_node_copy (json_object_get_member (params, l->data)));
  return fields;
}

static void
reply_registration (RdDaemon *d, RdControlRequest *req, gint64 id, const char *reason,
                    const char *actor)
{
  g_autoptr (GError) error = NULL;
  JsonNode *shown = rd_ledger_registration_show (d->ledger, id, reason, actor, &error);

  rd_daemon_reply_or_ledger_error (req, NULL, shown, &error);
}

void
rd_daemon_method_registration_add (RdDaemon *d, RdControlRequest *req, JsonObject *params)
{
  const char *actor = rd_control_request_get_actor (req);
  g_autoptr (GError) error = NULL;
  gint64 id = rd_ledger_registration_add (d->ledger, params, actor, &error);

  if (!id)
    {
      rd_daemon_reply_ledger_error (req, NULL, error);
      return;
    }
  rd_log_session (G_LOG_LEVEL_MESSAGE, NULL, "registration %" G_GINT64_FORMAT " added by %s", id,
                  actor);
  reply_registration (d, req, id, NULL, actor);
}

void
rd_daemon_method_registration_update (RdDaemon *d, RdControlRequest *req, JsonObject *params)
{
  const char *actor = rd_control_request_get_actor (req);
  static const char *const drop[] = { "id", NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) fields = NULL;
  gint64 id;

  if (!get_id (req, params, "id", &id))
    return;
  fields = fields_without (params, drop);
  if (!rd_ledger_registration_update (d->ledger, id, fields, actor, &error))
    {
      rd_daemon_reply_ledger_error (req, NULL, error);
      return;
    }
  reply_registration (d, req, id, NULL, actor);
}

void
rd_daemon_method_registration_show (RdDaemon *d, RdControlRequest *req, JsonObject *params)
{
  const char *actor = rd_control_request_get_actor (req);
  const char *reason;
  gint64 id;

  g_autoptr (GError) error = NULL;
  JsonNode *shown;

  if (!get_id (req, params, "id", &id) || !get_reveal (req, params, &reason))
    return;
  shown = rd_ledger_registration_show (d->ledger, id, reason, actor, &error);
  if (!shown)
    {
      rd_daemon_reply_ledger_error (req, NULL, error);
      return;
    }
  /* Only what the ledger recorded as revealed: a protected identity, with a valid reason. */
  if (reason && json_object_get_boolean_member_with_default (json_node_get_object (shown),
                                                             "protected", FALSE))
    rd_log_session (G_LOG_LEVEL_MESSAGE, NULL,
                    "registration %" G_GINT64_FORMAT ": identity revealed to %s (%s)", id, actor,
                    reason);
  rd_control_request_reply (req, shown);
}

void
rd_daemon_method_registration_list (RdDaemon *d, RdControlRequest *req, JsonObject *params)
{
  g_autoptr (GError) error = NULL;
  JsonNode *list = rd_ledger_registration_list (d->ledger, &error);

  rd_daemon_reply_or_ledger_error (req, NULL, list, &error);
}

void
rd_daemon_method_session_schedule (RdDaemon *d, RdControlRequest *req, JsonObject *params)
{
  const char *actor = rd_control_request_get_actor (req);
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr (JsonNode) timing = NULL;
  g_autofree char *id = NULL;
  JsonNode *regs = params ? json_object_get_member (params, "registrations") : NULL;
  JsonNode *shown;
  const char *at, *title;

  if (!rd_daemon_get_string_param (req, params, "at", TRUE, &at) ||
      !rd_daemon_get_string_param (req, params, "title", FALSE, &title))
    return;
  for (guint i = 0; regs && JSON_NODE_HOLDS_ARRAY (regs) &&
                    i < json_array_get_length (json_node_get_array (regs));
       i++)
    {
      JsonNode *n = json_array_get_element (json_node_get_array (regs), i);
      gint64 v = JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_INT64
                     ? json_node_get_int (n)
                     : 0;
      if (v < 1)
        break;
      g_array_append_val (ids, v);
    }
  if (!regs || !JSON_NODE_HOLDS_ARRAY (regs) ||
      ids->len != json_array_get_length (json_node_get_array (regs)))
    {
      rd_control_request_reply_error (req, RD_PROTO_CODE_INVALID_PARAMS,
                                      "parameter \"registrations\" must be a list of registration "
                                      "ids (--registration ID...)");
      return;
    }
  id = rd_ledger_session_schedule (d->ledger, at, (const gint64 *)(void *)ids->data, ids->len,
                                   title, actor, &timing, &error);
  if (!id)
    {
      rd_daemon_reply_ledger_error (req, NULL, error);
      return;
    }
  rd_log_session (G_LOG_LEVEL_MESSAGE, id, "session scheduled for %s by %s", at, actor);
  shown = rd_ledger_session_show (d->ledger, id, &error);
  if (!shown)
    {
      rd_daemon_reply_ledger_error (req, id, error);
      return;
    }
  json_object_set_member (json_node_get_object (shown), "timing", g_steal_pointer (&timing));
  rd_control_request_reply (req, shown);
}

void
rd_daemon_method_session_reschedule (RdDaemon *d, RdControlRequest *req, JsonObject *params)
{
  const char *actor = rd_control_request_get_actor (req);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) timing = NULL;
  JsonNode *shown;
  const char *id, *at, *reason;

  if (!rd_daemon_get_string_param (req, params, "id", TRUE, &id) ||
      !rd_daemon_get_string_param (req, params, "at", TRUE, &at) ||
      !rd_daemon_get_string_param (req, params, "reason", TRUE, &reason))
    return;
  if (!rd_ledger_session_reschedule (d->ledger, id, at, reason, actor, &timing, &error))
    {
      rd_daemon_reply_ledger_error (req, id, error);
      return;
    }
  rd_log_session (G_LOG_LEVEL_MESSAGE, id, "session rescheduled for %s by %s: %s", at, actor,
                  reason);
  shown = rd_ledger_session_show (d->ledger, id, &error);
  if (!shown)
    {
      rd_daemon_reply_ledger_error (req, id, error);
      return;
    }
  json_object_set_member (json_node_get_object (shown), "timing", g_steal_pointer (&timing));
  rd_control_request_reply (req, shown);
}

void
rd_daemon_method_session_cancel (RdDaemon *d, RdControlRequest *req, JsonObject *params)
{
  const char *actor = rd_control_request_get_actor (req);
  g_autoptr (GError) error = NULL;
  JsonNode *shown;
  const char *id, *reason;

  if (!rd_daemon_get_string_param (req, params, "id", TRUE, &id) ||
      !rd_daemon_get_string_param (req, params, "reason", TRUE, &reason))
    return;
  if (!rd_ledger_session_cancel (d->ledger, id, reason, actor, &error))
    {
      rd_daemon_reply_ledger_error (req, id, error);
      return;
    }
  rd_log_session (G_LOG_LEVEL_MESSAGE, id, "scheduled session cancelled by %s: %s", actor, reason);
  shown = rd_ledger_session_show (d->ledger, id, &error);
  rd_daemon_reply_or_ledger_error (req, id, shown, &error);
}

/* Answers the session's entry of the scheduled sessions' duties. */
void
rd_daemon_method_session_duty_done (RdDaemon *d, RdControlRequest *req, JsonObject *params)
{
  const char *actor = rd_control_request_get_actor (req);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) all = NULL;
  const char *id, *duty, *note;

  if (!rd_daemon_get_string_param (req, params, "id", TRUE, &id) ||
      !rd_daemon_get_string_param (req, params, "duty", TRUE, &duty) ||
      !rd_daemon_get_string_param (req, params, "note", FALSE, &note))
    return;
  if (!rd_ledger_session_duty_done (d->ledger, id, duty, note, actor, &error) ||
      !(all = rd_ledger_book_duties (d->ledger, &error)))
    {
      rd_daemon_reply_ledger_error (req, id, error);
      return;
    }
  rd_log_session (G_LOG_LEVEL_MESSAGE, id, "duty %s done, recorded by %s", duty, actor);
  for (guint i = 0; i < json_array_get_length (json_node_get_array (all)); i++)
    {
      JsonNode *s = json_array_get_element (json_node_get_array (all), i);

      if (g_strcmp0 (json_object_get_string_member (json_node_get_object (s), "id"), id) == 0)
        {
          rd_control_request_reply (req, json_node_copy (s));
          return;
        }
    }
  /* marked in a scheduled session, which the list holds */
  rd_control_request_reply_error (req, RD_PROTO_CODE_FAILED,
                                  "the duty is recorded, but the session is no longer scheduled");
}

char *
rd_daemon_book_start_scheduled (RdDaemon *d, RdControlRequest *req, const char *id)
{
  g_autoptr (GError) error = NULL;

  if (!rd_ledger_session_start_scheduled (d->ledger, id, rd_control_request_get_actor (req),
                                          &error))
    {
      rd_daemon_reply_ledger_error (req, id, error);
      return NULL;
    }
  return g_strdup (id);
}

void
rd_daemon_method_reception_add (RdDaemon *d, RdControlRequest *req, JsonObject *params)
{
  const char *actor = rd_control_request_get_actor (req);
  g_autoptr (GError) error = NULL;
  gint64 id = rd_ledger_reception_add (d->ledger, params, actor, &error);

  if (!id)
    {
      rd_daemon_reply_ledger_error (req, NULL, error);
      return;
    }
  rd_daemon_reply_or_ledger_error (req, NULL, rd_ledger_reception_show (d->ledger, id, &error),
                                   &error);
}

void
rd_daemon_method_reception_show (RdDaemon *d, RdControlRequest *req, JsonObject *params)
{
  g_autoptr (GError) error = NULL;
  gint64 id;

  if (get_id (req, params, "id", &id))
    rd_daemon_reply_or_ledger_error (req, NULL, rd_ledger_reception_show (d->ledger, id, &error),
                                     &error);
}

void
rd_daemon_method_reception_list (RdDaemon *d, RdControlRequest *req, JsonObject *params)
{
  g_autoptr (GError) error = NULL;
  const char *from, *to;

  if (rd_daemon_get_string_param (req, params, "from", FALSE, &from) &&
      rd_daemon_get_string_param (req, params, "to", FALSE, &to))
    rd_daemon_reply_or_ledger_error (
        req, NULL, rd_ledger_reception_list (d->ledger, from, to, &error), &error);
}

void
rd_daemon_method_conclusion_add (RdDaemon *d, RdControlRequest *req, JsonObject *params)
{
  const char *actor = rd_control_request_get_actor (req);
  static const char *const drop[] = { "session", NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) fields = NULL;
  g_autoptr (JsonNode) list = NULL;
  const char *session;
  gint64 id;

  if (!rd_daemon_get_string_param (req, params, "session", TRUE, &session))
    return;
  fields = fields_without (params, drop);
  id = rd_ledger_conclusion_add (d->ledger, session, fields, actor, &error);
  if (!id)
    {
      rd_daemon_reply_ledger_error (req, session, error);
      return;
    }
  list = rd_ledger_conclusion_list (d->ledger, session, &error);
  if (!list)
    {
      rd_daemon_reply_ledger_error (req, session, error);
      return;
    }
  /* The one just added: the last of its session's. */
  {
    JsonArray *a = json_node_get_array (list);
    rd_control_request_reply (
        req, json_node_copy (json_array_get_element (a, json_array_get_length (a) - 1)));
  }
}

void
rd_daemon_method_conclusion_list (RdDaemon *d, RdControlRequest *req, JsonObject *params)
{
  g_autoptr (GError) error = NULL;
  const char *session;

  if (rd_daemon_get_string_param (req, params, "session", FALSE, &session))
    rd_daemon_reply_or_ledger_error (
        req, NULL, rd_ledger_conclusion_list (d->ledger, session, &error), &error);
}

void
rd_daemon_method_followup_update (RdDaemon *d, RdControlRequest *req, JsonObject *params)
{
  const char *actor = rd_control_request_get_actor (req);
  static const char *const drop[] = { "id", NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) fields = NULL;
  g_autoptr (JsonNode) list = NULL;
  gint64 id;

  if (!get_id (req, params, "id", &id))
    return;
  fields = fields_without (params, drop);
  if (!rd_ledger_followup_update (d->ledger, id, fields, actor, &error))
    {
      rd_daemon_reply_ledger_error (req, NULL, error);
      return;
    }
  list = rd_ledger_conclusion_list (d->ledger, NULL, &error);
  if (!list)
    {
      rd_daemon_reply_ledger_error (req, NULL, error);
      return;
    }
  for (guint i = 0; i < json_array_get_length (json_node_get_array (list)); i++)
    {
      JsonObject *c = json_array_get_object_element (json_node_get_array (list), i);
      if (json_object_get_int_member (c, "id") == id)
        {
          rd_control_request_reply (
              req, json_node_copy (json_array_get_element (json_node_get_array (list), i)));
          return;
        }
    }
  rd_control_request_reply (req, NULL);
}

void
rd_daemon_method_followup_overdue (RdDaemon *d, RdControlRequest *req, JsonObject *params)
{
  g_autoptr (GError) error = NULL;
  const char *as_of;

  if (rd_daemon_get_string_param (req, params, "as_of", FALSE, &as_of))
    rd_daemon_reply_or_ledger_error (req, NULL,
                                     rd_ledger_followup_overdue (d->ledger, as_of, &error), &error);
}

void
rd_daemon_method_book_export (RdDaemon *d, RdControlRequest *req, JsonObject *params)
{
  const char *actor = rd_control_request_get_actor (req);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autofree char *content = NULL;
  const char *from, *to, *format, *separator, *reason;
  gboolean for_transfer, revealed = FALSE;
  RdLedgerBookFormat kind;
  guint rows = 0;

  if (!rd_daemon_get_string_param (req, params, "from", TRUE, &from) ||
      !rd_daemon_get_string_param (req, params, "to", TRUE, &to) ||
      !rd_daemon_get_string_param (req, params, "format", FALSE, &format) ||
      !rd_daemon_get_string_param (req, params, "separator", FALSE, &separator) ||
      !get_bool (req, params, "for_transfer", &for_transfer) || !get_reveal (req, params, &reason))
    return;
  if (format == NULL)
    format = "csv";
  if (!g_str_equal (format, "csv") && !g_str_equal (format, "json") &&
      !g_str_equal (format, "xlsx") && !g_str_equal (format, "pdf"))
    {
      rd_control_request_reply_error (req, RD_PROTO_CODE_INVALID_PARAMS,
                                      "format \"%s\" is not csv, json, xlsx or pdf", format);
      return;
    }
  if (separator != NULL && (!g_str_equal (format, "csv") ||
                            (!g_str_equal (separator, ",") && !g_str_equal (separator, ";"))))
    {
      rd_control_request_reply_error (req, RD_PROTO_CODE_INVALID_PARAMS,
                                      "separator \"%s\" is not \",\" or \";\" of a csv export",
                                      separator);
      return;
    }
  kind = g_str_equal (format, "json")      ? RD_LEDGER_BOOK_JSON
         : g_str_equal (format, "xlsx")    ? RD_LEDGER_BOOK_XLSX
         : g_str_equal (format, "pdf")     ? RD_LEDGER_BOOK_PDF
         : g_strcmp0 (separator, ";") == 0 ? RD_LEDGER_BOOK_CSV_SEMICOLON
                                           : RD_LEDGER_BOOK_CSV;
  content = rd_ledger_book_export (d->ledger, from, to, kind, reason, for_transfer, actor, &rows,
                                   &revealed, &error);
  if (!content)
    {
      rd_daemon_reply_ledger_error (req, NULL, error);
      return;
    }
  if (revealed)
    rd_log_session (G_LOG_LEVEL_MESSAGE, NULL,
                    "book %s..%s exported with protected identities revealed to %s (%s)", from, to,
                    actor, reason);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "format");
  json_builder_add_string_value (b, format);
  json_builder_set_member_name (b, "rows");
  json_builder_add_int_value (b, rows);
  json_builder_set_member_name (b, "revealed");
  json_builder_add_boolean_value (b, revealed);
  json_builder_set_member_name (b, "for_transfer");
  json_builder_add_boolean_value (b, for_transfer);
  json_builder_set_member_name (b, "content");
  json_builder_add_string_value (b, content);
  json_builder_end_object (b);
  rd_control_request_reply (req, json_builder_get_root (b));
}

/* The report for "month" (YYYY-MM) or "period" (rd_ledger_book_report()), one of them; "format"
 * (xlsx or pdf: receptionctl lays the report out as that document) is echoed in the result. */
void
rd_daemon_method_report (RdDaemon *d, RdControlRequest *req, JsonObject *params)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) report = NULL;
  const char *month, *period, *format;

  if (!rd_daemon_get_string_param (req, params, "month", FALSE, &month) ||
      !rd_daemon_get_string_param (req, params, "period", FALSE, &period) ||
      !rd_daemon_get_string_param (req, params, "format", FALSE, &format))
    return;
  if ((month == NULL) == (period == NULL))
    {
      rd_control_request_reply_error (req, RD_PROTO_CODE_INVALID_PARAMS,
                                      "give one period: month or period");
      return;
    }
  if (format != NULL && !g_str_equal (format, "xlsx") && !g_str_equal (format, "pdf"))
    {
      rd_control_request_reply_error (req, RD_PROTO_CODE_INVALID_PARAMS,
                                      "format \"%s\" is not xlsx or pdf", format);
      return;
    }
  report = rd_ledger_book_report (d->ledger, month ? month : period, &error);
  if (report != NULL && format != NULL)
    json_object_set_string_member (json_node_get_object (report), "format", format);
  rd_daemon_reply_or_ledger_error (req, NULL, g_steal_pointer (&report), &error);
}
