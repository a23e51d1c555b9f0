/* rd-daemon-links-control.c: RdLinks' public API (see rd-daemon-links.h) on top of its layers:
 * session.join (the links made, their first attempts started, the join answered once all have
 * reported) and session.leave, leaving a link (DELETE), and the links' status. The top layer of
 * RdLinks: it calls rd-daemon-links.c, -attempt.c and -reconnect.c; none calls it. */
#include "daemon/rd-daemon-links-private.h"

#include "daemon/rd-daemon-log.h"
#include "daemon/rd-daemon-params.h"
#include "proto/rd-proto.h"

/* The first POST may wait out a 503/409 with Retry-After this long. */
#define JOIN_DEADLINE_S 30

/* --- The join waiting for its links --- */

static JsonNode *links_json (RdLinks *d, const char *session_id, GPtrArray *only_ids);
static void link_leave (RdDaemonLink *l, const char *reason, gpointer op);

static void
join_finish (RdLinkJoin *j)
{
  RdLinks *d = j->links;

  if (j->error)
    {
      /* all or nothing: the links that did get in are left again */
      for (guint i = 0; i < j->link_ids->len; i++)
        {
          RdDaemonLink *l = g_hash_table_lookup (d->table, j->link_ids->pdata[i]);
          if (l && l->state != RD_LINK_LEAVING)
            link_leave (l, "the join was refused", NULL);
        }
      rd_control_request_reply_error (j->req, RD_PROTO_CODE_FAILED, "%s", j->error);
    }
  else
    {
      g_autoptr (JsonBuilder) b = json_builder_new ();

      rd_links_changed (d);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "session");
      json_builder_add_string_value (b, j->session_id);
      json_builder_set_member_name (b, "links");
      json_builder_add_value (b, links_json (d, j->session_id, j->link_ids));
      json_builder_end_object (b);
      rd_control_request_reply (j->req, json_builder_get_root (b));
    }
  g_ptr_array_unref (j->link_ids);
  g_free (j->session_id);
  g_free (j->error);
  g_free (j);
}

/* --- Leaving --- */

typedef struct
{
  RdLinks *links;
  RdLinksDone done;
  gpointer data;
  guint waiting;
} LeaveOp;

typedef struct
{
  RdLinks *links;
  char *id, *reason;
  LeaveOp *op;
  gboolean had_resource;
} LeaveRef;

static void
leave_op_release (LeaveOp *op)
{
  if (op && --op->waiting == 0)
    {
      if (op->done)
        op->done (op->data);
      g_free (op);
    }
}

static void
leave_done (LeaveRef *ref, const GError *error)
{
  RdLinks *d = ref->links;
  RdDaemonLink *l = d->table ? g_hash_table_lookup (d->table, ref->id) : NULL;

  if (l)
    {
      JsonObject *detail = rd_daemon_link_detail_reason (ref->reason);
      json_object_set_boolean_member (detail, "deleted", ref->had_resource && error == NULL);
      if (error)
        json_object_set_string_member (detail, "delete_error", error->message);
      rd_daemon_link_event (l, "link-left", detail);
      if (error)
        rd_log_session (G_LOG_LEVEL_WARNING, l->session_id,
                        "link %s (%s): the resource could not be deleted: %s", l->id, l->shown_url,
                        error->message);
      else
        rd_log_session (G_LOG_LEVEL_MESSAGE, l->session_id, "link %s (%s %s) left: %s", l->id,
                        rd_daemon_link_kind_name (l), l->shown_url, ref->reason);
      g_hash_table_remove (d->table, ref->id);
    }
  d->leaving--;
  leave_op_release (ref->op);
  g_free (ref->id);
  g_free (ref->reason);
  g_free (ref);
}

static void
on_deleted (GObject *source, GAsyncResult *res, gpointer data)
{
  g_autoptr (GError) error = NULL;

  rd_signal_client_delete_finish (RD_SIGNAL_CLIENT (source), res, &error);
  leave_done (data, error);
}

static gboolean
on_leave_now (gpointer data)
{
  leave_done (data, NULL);
  return G_SOURCE_REMOVE;
}

static void
link_leave (RdDaemonLink *l, const char *reason, gpointer op_data)
{
  LeaveOp *op = op_data;
  LeaveRef *ref;
  g_autoptr (RdSignalClient) client = NULL;

  /* already leaving (a pending join whose other link was left first leaves this one too) */
  if (l->state == RD_LINK_LEAVING)
    return;
  ref = g_new0 (LeaveRef, 1);
  ref->links = l->links;
  ref->id = g_strdup (l->id);
  ref->reason = g_strdup (reason);
  ref->op = op;
  if (op)
    op->waiting++;
  l->links->leaving++;
  rd_daemon_link_stop_timers (l);
  l->state = RD_LINK_LEAVING;
  client = l->client ? g_object_ref (l->client) : NULL;
  rd_daemon_link_drop_attempt (l, reason, FALSE); /* peer closed, requests in flight cancelled */
  rd_daemon_link_join_report (l, "left before it was answered");
  ref->had_resource = client && rd_signal_client_get_resource_url (client);
  if (ref->had_resource)
    rd_signal_client_delete_async (client, NULL, on_deleted, ref);
  else
    g_idle_add (on_leave_now, ref);
}

void
rd_links_leave (RdLinks *d, const char *session_id, const char *reason, RdLinksDone done,
                gpointer data)
{
  LeaveOp *op = g_new0 (LeaveOp, 1);
  g_autoptr (GPtrArray) victims = g_ptr_array_new ();
  GHashTableIter it;
  RdDaemonLink *l;

  op->links = d;
  op->done = done;
  op->data = data;
  op->waiting = 1; /* released below, after every link was asked */
  g_hash_table_iter_init (&it, d->table);
  while (g_hash_table_iter_next (&it, NULL, (gpointer *)&l))
    if ((!session_id || g_str_equal (l->session_id, session_id)) && l->state != RD_LINK_LEAVING)
      g_ptr_array_add (victims, l);
  for (guint i = 0; i < victims->len; i++)
    link_leave (victims->pdata[i], reason, op);
  leave_op_release (op);
}

void
rd_links_wait (RdLinks *d, gint64 deadline_us)
{
  while (d->leaving > 0 && g_get_monotonic_time () < deadline_us)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (10000);
  if (d->leaving > 0)
    rd_log_session (G_LOG_LEVEL_WARNING, NULL,
                    "%u conference resource(s) not deleted in time; the far end will time them "
                    "out",
                    d->leaving);
}

/* --- Control methods --- */

static gboolean
get_flag (JsonObject *params, const char *name)
{
  JsonNode *n = params ? json_object_get_member (params, name) : NULL;
  return n && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_BOOLEAN &&
         json_node_get_boolean (n);
}

/* A link of @session_id, not leaving, to @whip or @whep (may be NULL), or NULL. */
static RdDaemonLink *
find_joined (RdLinks *d, const char *session_id, const char *whip, const char *whep)
{
  GHashTableIter it;
  RdDaemonLink *l;

  g_hash_table_iter_init (&it, d->table);
  while (g_hash_table_iter_next (&it, NULL, (gpointer *)&l))
    if (g_str_equal (l->session_id, session_id) && l->state != RD_LINK_LEAVING &&
        (g_str_equal (l->url, whip) || (whep && g_str_equal (l->url, whep))))
      return l;
  return NULL;
}

/* The join of @links (checked, nothing sent yet; the second may be NULL) waits for their first
 * attempts; @req is answered by join_finish(). */
static void
join_start (RdLinks *d, RdControlRequest *req, const char *id, RdDaemonLink *links[2])
{
  RdLinkJoin *j;

  j = g_new0 (RdLinkJoin, 1);
  j->links = d;
  j->finish = join_finish;
  j->req = req;
  j->session_id = g_strdup (id);
  j->link_ids = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < 2 && links[i]; i++)
    {
      g_ptr_array_add (j->link_ids, g_strdup (links[i]->id));
      links[i]->join = j;
      j->waiting++;
      g_hash_table_insert (d->table, links[i]->id, links[i]);
      rd_log_session (G_LOG_LEVEL_MESSAGE, id, "link %s: %s %s %s by %s", links[i]->id,
                      links[i]->kind == RD_SIGNAL_CLIENT_WHIP ? "publishing to" : "playing from",
                      rd_daemon_link_kind_name (links[i]), links[i]->shown_url,
                      rd_control_request_get_actor (req));
    }
  for (guint i = 0; i < 2 && links[i]; i++)
    rd_daemon_link_attempt (links[i], JOIN_DEADLINE_S, &rd_daemon_link_reconnect_events);
}

void
rd_links_method_join (RdLinks *d, RdControlRequest *req, JsonObject *params)
{
  const char *id, *whip, *token, *whep, *whep_token, *ca;
  gboolean insecure = get_flag (params, "insecure");
  g_autoptr (GPtrArray) live = NULL;
  g_autoptr (GError) error = NULL;
  RdDaemonLink *links[2] = { NULL, NULL };
  RdDaemonLink *l;

  if (!rd_daemon_get_string_param (req, params, "id", TRUE, &id) ||
      !rd_daemon_get_string_param (req, params, "whip", TRUE, &whip) ||
      !rd_daemon_get_string_param (req, params, "token", FALSE, &token) ||
      !rd_daemon_get_string_param (req, params, "whep", FALSE, &whep) ||
      !rd_daemon_get_string_param (req, params, "whep_token", FALSE, &whep_token) ||
      !rd_daemon_get_string_param (req, params, "ca", FALSE, &ca))
    return;
  if (whep_token && !whep)
    {
      rd_control_request_reply_error (req, RD_PROTO_CODE_INVALID_PARAMS,
                                      "--whep-token needs --whep URL");
      return;
    }
  if (ca && (!g_path_is_absolute (ca) || !g_file_test (ca, G_FILE_TEST_IS_REGULAR)))
    {
      rd_control_request_reply_error (req, RD_PROTO_CODE_INVALID_PARAMS,
                                      "--ca %s: not a file the daemon can read (give an absolute "
                                      "path to a PEM file)",
                                      ca);
      return;
    }
  live = rd_ledger_live_sessions (d->ledger, &error);
  if (!live)
    {
      rd_daemon_reply_ledger_error (req, id, error);
      return;
    }
  if (!g_ptr_array_find_with_equal_func (live, id, g_str_equal, NULL))
    {
      rd_control_request_reply_error (req, RD_PROTO_CODE_CONFLICT,
                                      "session %s is not live (start it first)", id);
      return;
    }
  if ((l = find_joined (d, id, whip, whep)))
    {
      /* the same resource twice would show the room twice at the far end */
      rd_control_request_reply_error (req, RD_PROTO_CODE_CONFLICT,
                                      "session %s has already joined %s (link %s, %s); "
                                      "leave it first",
                                      id, l->shown_url, l->id, rd_daemon_link_kind_name (l));
      return;
    }
  /* both URLs and tokens are checked before anything is sent */
  links[0] = rd_daemon_link_new (d, id, RD_SIGNAL_CLIENT_WHIP, whip, token, ca, insecure, &error);
  if (links[0] && whep)
    links[1] = rd_daemon_link_new (d, id, RD_SIGNAL_CLIENT_WHEP, whep,
                                   whep_token ? whep_token : token, ca, insecure, &error);
  if (!links[0] || (whep && !links[1]))
    {
      rd_control_request_reply_error (req, RD_PROTO_CODE_INVALID_PARAMS, "%s %s",
                                      links[0] ? "--whep:" : "--whip:", error->message);
      g_clear_pointer (&links[0], rd_daemon_link_free);
      return;
    }
  /* what the conference plays into the room (WHEP) is not sent back to it (WHIP) */
  for (guint i = 0; i < 2 && links[i]; i++)
    links[i]->mix_key = g_strdup_printf ("join-%s", links[0]->id);
  {
    g_autofree char *label = g_strdup_printf ("Hội nghị %s", links[0]->shown_url);
    rd_room_set_label (d->room, links[0]->mix_key, label);
  }
  join_start (d, req, id, links);
}

typedef struct
{
  RdControlRequest *req;
  char *session_id;
} Leaving;

static void
session_left (gpointer data)
{
  Leaving *lv = data;
  g_autoptr (JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "session");
  json_builder_add_string_value (b, lv->session_id);
  json_builder_set_member_name (b, "left");
  json_builder_add_boolean_value (b, TRUE);
  json_builder_end_object (b);
  rd_control_request_reply (lv->req, json_builder_get_root (b));
  g_free (lv->session_id);
  g_free (lv);
}

void
rd_links_method_leave (RdLinks *d, RdControlRequest *req, JsonObject *params)
{
  const char *id;
  GHashTableIter it;
  RdDaemonLink *l;
  gboolean any = FALSE;
  Leaving *lv;

  if (!rd_daemon_get_string_param (req, params, "id", TRUE, &id))
    return;
  g_hash_table_iter_init (&it, d->table);
  while (g_hash_table_iter_next (&it, NULL, (gpointer *)&l))
    any |= g_str_equal (l->session_id, id) && l->state != RD_LINK_LEAVING;
  if (!any)
    {
      rd_control_request_reply_error (req, RD_PROTO_CODE_NOT_FOUND,
                                      "session %s has joined no conference", id);
      return;
    }
  lv = g_new0 (Leaving, 1);
  lv->req = req;
  lv->session_id = g_strdup (id);
  rd_links_leave (d, id, "left by the operator", session_left, lv);
}

/* --- Status --- */

static void
add_link (JsonBuilder *b, RdDaemonLink *l)
{
  RdPeerStats st = { 0 };
  g_autofree char *state_text = rd_daemon_link_state_text (l);
  static const char *const names[] = { "connecting", "connected", "reconnecting", "failed",
                                       "leaving" };
  guint64 total, lost;

  if (l->peer)
    rd_peer_get_stats (l->peer, &st);
  /* the loss of what the link carries: publishing, what the far end reports lost of ours */
  if (l->kind == RD_SIGNAL_CLIENT_WHIP)
    lost = st.remote_packets_lost, total = st.packets_sent;
  else
    lost = st.packets_lost, total = st.packets_received + st.packets_lost;
  json_builder_begin_object (b);
#define STR(k, v)                                                                                  \
  json_builder_set_member_name (b, k);                                                             \
  if (v)                                                                                           \
    json_builder_add_string_value (b, v);                                                          \
  else                                                                                             \
    json_builder_add_null_value (b);
#define INT(k, v)                                                                                  \
  json_builder_set_member_name (b, k);                                                             \
  json_builder_add_int_value (b, v);
  STR ("id", l->id);
  STR ("session_id", l->session_id);
  STR ("kind", rd_daemon_link_kind_name (l));
  STR ("url", l->shown_url);
  STR ("resource_url", l->client ? rd_signal_client_get_resource_url (l->client) : NULL);
  STR ("state", names[l->state]);
  STR ("state_text", state_text);
  INT ("attempt", l->attempt);
  INT ("reconnect_seconds", rd_config_get_reconnect_seconds (l->links->config));
  INT ("down_s", l->state == RD_LINK_RECONNECTING
                     ? (g_get_monotonic_time () - l->dropped_at_us) / G_USEC_PER_SEC
                     : -1);
  STR ("last_error", l->last_error);
  STR ("peer_id", l->peer ? rd_peer_get_id (l->peer) : NULL);
  STR ("candidate_pair", st.selected_pair_type);
  INT ("rtt_ms", st.round_trip_time_s >= 0 ? (gint64)(st.round_trip_time_s * 1000) : -1);
  INT ("bytes_received", st.bytes_received);
  INT ("bytes_sent", st.bytes_sent);
  INT ("packets_received", st.packets_received);
  INT ("packets_sent", st.packets_sent);
  INT ("packets_lost", lost);
  json_builder_set_member_name (b, "loss_percent");
  json_builder_add_double_value (b, total ? 100.0 * lost / total : 0.0);
  INT ("stats_age_ms",
       st.updated_us ? (g_get_monotonic_time () - st.updated_us) / 1000 : (gint64)-1);
#undef STR
#undef INT
  json_builder_end_object (b);
  rd_peer_stats_clear (&st);
}

static JsonNode *
links_json (RdLinks *d, const char *session_id, GPtrArray *only_ids)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  GHashTableIter it;
  RdDaemonLink *l;

  json_builder_begin_array (b);
  g_hash_table_iter_init (&it, d->table);
  while (g_hash_table_iter_next (&it, NULL, (gpointer *)&l))
    if ((!session_id || g_str_equal (l->session_id, session_id)) &&
        (!only_ids || g_ptr_array_find_with_equal_func (only_ids, l->id, g_str_equal, NULL)))
      add_link (b, l);
  json_builder_end_array (b);
  return json_builder_get_root (b);
}

JsonNode *
rd_links_to_json (RdLinks *d, const char *session_id)
{
  return links_json (d, session_id, NULL);
}

char *
rd_links_status_text (RdLinks *d)
{
  guint n[5] = { 0 };
  GHashTableIter it;
  RdDaemonLink *l;
  GString *s = g_string_new (NULL);

  if (!d->table)
    return g_string_free (s, FALSE);
  g_hash_table_iter_init (&it, d->table);
  while (g_hash_table_iter_next (&it, NULL, (gpointer *)&l))
    n[l->state]++;
  if (g_hash_table_size (d->table) == 0)
    return g_string_free (s, FALSE);
  g_string_append_printf (s, ", links: %u connected", n[RD_LINK_CONNECTED]);
  if (n[RD_LINK_CONNECTING])
    g_string_append_printf (s, ", %u connecting", n[RD_LINK_CONNECTING]);
  if (n[RD_LINK_RECONNECTING])
    g_string_append_printf (s, ", %u RECONNECTING", n[RD_LINK_RECONNECTING]);
  if (n[RD_LINK_FAILED])
    g_string_append_printf (s, ", %u FAILED", n[RD_LINK_FAILED]);
  return g_string_free (s, FALSE);
}
