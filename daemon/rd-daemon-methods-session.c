/* rd-daemon-methods-session.c: the control methods of a session's life: session.start (the
 * one-live-session rule, the disk, the ledger, then the recording), session.end (parties closed,
 * links left, the recording sealed, then the ledger), session.list and session.show (with who
 * presided and the bridge points). */
#include "daemon/rd-daemon-methods.h"

#include "daemon/rd-daemon-coverage.h"
#include "daemon/rd-daemon-log.h"
#include "daemon/rd-daemon-params.h"
#include "ledger/rd-ledger-book.h"
#include "proto/rd-proto.h"

void
rd_daemon_method_session_start (RdDaemon *d, RdControlRequest *req, JsonObject *params)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) live = NULL;
  g_autofree char *id = NULL;
  const char *title, *scheduled;

  if (!rd_daemon_get_string_param (req, params, "title", FALSE, &title) ||
      !rd_daemon_get_string_param (req, params, "id", FALSE, &scheduled))
    return;
  live = rd_ledger_live_sessions (d->ledger, &error);
  if (!live)
    {
      rd_daemon_reply_ledger_error (req, NULL, error);
      return;
    }
  if (live->len > 0)
    {
      /* One room, one camera: one live session at a time. */
      rd_control_request_reply_error (req, RD_PROTO_CODE_CONFLICT,
                                      "session %s is live; end it before starting another",
                                      (char *)live->pdata[0]);
      return;
    }
  if (!rd_session_recording_check_space (d->recording, &error))
    {
      /* every session is recorded: refused before anything is written */
      rd_control_request_reply_error (req, RD_PROTO_CODE_FAILED, "%s", error->message);
      return;
    }
  if (scheduled && title)
    {
      rd_control_request_reply_error (req, RD_PROTO_CODE_INVALID_PARAMS,
                                      "a scheduled session keeps the title it was scheduled with");
      return;
    }
  if (scheduled)
    {
      if (!(id = rd_daemon_book_start_scheduled (d, req, scheduled)))
        return;
    }
  else if (!(id = rd_ledger_session_start (d->ledger, title, rd_control_request_get_actor (req),
                                           &error)))
    {
      rd_daemon_reply_ledger_error (req, NULL, error);
      return;
    }
  if (!rd_session_recording_start (d->recording, id, rd_control_request_get_actor (req), &error))
    {
      g_autoptr (GError) end_error = NULL;
      g_autofree char *why = g_strdup_printf ("the recording could not start: %s", error->message);

      /* a session is recorded or it is not held: ended at once, with the reason on the record */
      rd_log_session (G_LOG_LEVEL_WARNING, id, "%s", why);
      if (!rd_ledger_session_end (d->ledger, id, "receptiond", why, &end_error))
        rd_log_session (G_LOG_LEVEL_WARNING, id, "cannot end the session: %s", end_error->message);
      rd_control_request_reply_error (req, RD_PROTO_CODE_FAILED, "session %s not held: %s", id,
                                      why);
      return;
    }
  rd_log_session (G_LOG_LEVEL_MESSAGE, id, "session started by %s%s%s%s",
                  rd_control_request_get_actor (req), title ? " (\"" : "", title ? title : "",
                  title ? "\")" : "");
  rd_control_request_reply (req, rd_ledger_session_show (d->ledger, id, NULL));
}

typedef struct
{
  RdDaemon *daemon;
  RdControlRequest *req;
  char *id, *reason, *actor;
} Ending;

/* The recording is finished and sealed: now the session ends in the ledger. */
static void
session_end_recorded (gpointer data)
{
  Ending *e = data;
  RdDaemon *d = e->daemon;
  g_autoptr (GError) error = NULL;

  if (!rd_ledger_session_end (d->ledger, e->id, e->actor, e->reason, &error))
    rd_daemon_reply_ledger_error (e->req, e->id, error);
  else
    {
      rd_log_session (G_LOG_LEVEL_MESSAGE, e->id, "session ended by %s: %s", e->actor, e->reason);
      rd_daemon_archive_package (d, e->id);
      rd_archiver_kick (d->archiver); /* jobs that waited for the session to end */
      rd_control_request_reply (e->req, rd_ledger_session_show (d->ledger, e->id, NULL));
    }
  g_free (e->id);
  g_free (e->reason);
  g_free (e->actor);
  g_free (e);
}

/* The conferences joined are left: the recording is finished (its segments sealed). */
static void
session_end_links_left (gpointer data)
{
  Ending *e = data;

  rd_session_recording_stop (e->daemon->recording, e->id, session_end_recorded, e);
}

void
rd_daemon_method_session_end (RdDaemon *d, RdControlRequest *req, JsonObject *params)
{
  const char *id, *reason;
  Ending *e;

  if (!rd_daemon_get_string_param (req, params, "id", TRUE, &id) ||
      !rd_daemon_get_string_param (req, params, "reason", FALSE, &reason))
    return;
  e = g_new0 (Ending, 1);
  e->daemon = d;
  e->req = req;
  e->id = g_strdup (id);
  e->reason = g_strdup (reason ? reason : "ended by the operator");
  e->actor = g_strdup (rd_control_request_get_actor (req));
  rd_parties_close (d->parties, id, 0, "session ended");
  /* the conferences joined are left (DELETE) first, then the recording finishes */
  rd_links_leave (d->links, id, "session ended", session_end_links_left, e);
}

void
rd_daemon_method_session_list (RdDaemon *d, RdControlRequest *req, JsonObject *params)
{
  g_autoptr (GError) error = NULL;
  JsonNode *list = rd_ledger_session_list (d->ledger, &error);
  g_autoptr (JsonNode) duties = list ? rd_ledger_book_duties (d->ledger, &error) : NULL;

  /* Each session still scheduled gets its timing duties (and how many are late). */
  for (guint i = 0; duties && i < json_array_get_length (json_node_get_array (duties)); i++)
    {
      JsonObject *due = json_array_get_object_element (json_node_get_array (duties), i);
      JsonArray *all = json_node_get_array (list);

      for (guint j = 0; j < json_array_get_length (all); j++)
        {
          JsonObject *s = json_array_get_object_element (all, j);

          if (g_strcmp0 (json_object_get_string_member (s, "id"),
                         json_object_get_string_member (due, "id")) == 0 &&
              json_object_has_member (due, "timing"))
            {
              json_object_set_member (s, "timing",
                                      json_node_copy (json_object_get_member (due, "timing")));
              json_object_set_int_member (s, "late", json_object_get_int_member (due, "late"));
            }
        }
    }
  if (list && !duties)
    g_clear_pointer (&list, json_node_unref);
  rd_daemon_reply_or_ledger_error (req, NULL, list, &error);
}

void
rd_daemon_method_session_show (RdDaemon *d, RdControlRequest *req, JsonObject *params)
{
  g_autoptr (GError) error = NULL;
  JsonNode *session;
  JsonNode *bridge;
  const char *id;

  if (!rd_daemon_get_string_param (req, params, "id", TRUE, &id))
    return;
  session = rd_ledger_session_show (d->ledger, id, &error);
  if (!session)
    {
      rd_daemon_reply_ledger_error (req, id, error);
      return;
    }
  /* The ledger's rows plus what is made of them (the recording's coverage) and what only the
   * running daemon knows: live connection state. */
  json_object_set_member (
      json_node_get_object (session), "coverage",
      rd_coverage_of_session (json_node_get_object (session),
                              rd_session_recording_get_elapsed_ns (d->recording, id)));
  json_object_set_member (json_node_get_object (session), "live_parties",
                          rd_parties_to_json (d->parties, id));
  json_object_set_member (json_node_get_object (session), "live_links",
                          rd_links_to_json (d->links, id));
  bridge = rd_ledger_session_bridge (d->ledger, id, &error);
  if (!bridge)
    {
      json_node_unref (session);
      rd_daemon_reply_ledger_error (req, id, error);
      return;
    }
  json_object_set_member (json_node_get_object (session), "bridge", bridge);
  rd_control_request_reply (req, session);
}
