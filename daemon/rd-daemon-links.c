/* rd-daemon-links.c: conferences the room joins (see rd-daemon-links.h): session join and
 * leave, one attempt (peer + client + offer + POST + answer), the link's ledger events and its
 * status. Staying connected is in rd-daemon-links-reconnect.c. */
#include "daemon/rd-daemon-links.h"

#include "daemon/rd-daemon-log.h"
#include "proto/rd-proto.h"

/* The first POST may wait out a 503/409 with Retry-After this long. */
#define JOIN_DEADLINE_S 30

struct _RdLinkJoin
{
  RdDaemon *daemon;
  RdControlRequest *req;
  char *session_id;
  GPtrArray *link_ids; /* char* */
  guint waiting;
  char *error; /* the first refusal */
};

/* What a callback holds: the link may be gone, or on another attempt, when it runs. */
typedef struct
{
  RdDaemon *daemon;
  char *id;
  guint generation;
} LinkRef;

gpointer
rd_daemon_link_ref (RdDaemonLink *l)
{
  LinkRef *ref = g_new0 (LinkRef, 1);
  ref->daemon = l->daemon;
  ref->id = g_strdup (l->id);
  ref->generation = l->generation;
  return ref;
}

/* The link @ref was made for, if it is still on that attempt and not leaving; frees @ref. */
RdDaemonLink *
rd_daemon_link_ref_take (gpointer data)
{
  LinkRef *ref = data;
  RdDaemonLink *l = ref->daemon->links ? g_hash_table_lookup (ref->daemon->links, ref->id) : NULL;

  if (l && (l->generation != ref->generation || l->state == RD_LINK_LEAVING ||
            l->state == RD_LINK_FAILED))
    l = NULL;
  g_free (ref->id);
  g_free (ref);
  return l;
}

const char *
rd_daemon_link_kind_name (RdDaemonLink *l)
{
  return l->kind == RD_SIGNAL_CLIENT_WHIP ? "whip" : "whep";
}

static void
ice_server_free (RdSignalIceServer *s)
{
  g_free (s->url);
  g_free (s->username);
  g_free (s->credential);
  g_free (s);
}

static void
link_free (RdDaemonLink *l)
{
  rd_daemon_link_stop_timers (l);
  if (l->cancel)
    g_cancellable_cancel (l->cancel);
  g_clear_object (&l->cancel);
  if (l->peer)
    {
      g_signal_handlers_disconnect_by_data (l->peer, l);
      rd_peer_close (l->peer, "left");
    }
  g_clear_object (&l->peer);
  g_clear_object (&l->client);
  g_clear_pointer (&l->ice_servers, g_ptr_array_unref);
  g_free (l->id);
  g_free (l->session_id);
  g_free (l->url);
  g_free (l->shown_url);
  g_free (l->token);
  g_free (l->ca_file);
  g_free (l->dropped_at);
  g_free (l->drop_reason);
  g_free (l->last_error);
  g_free (l);
}

GHashTable *
rd_daemon_links_new (void)
{
  return g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify)link_free);
}

/* scheme://host[:port]/path: the query may carry a secret, user-info is refused anyway. */
static char *
shown_url (const char *url)
{
  g_autoptr (GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);

  if (!uri || !g_uri_get_host (uri))
    return g_strdup ("(not a URL)");
  return g_uri_join (G_URI_FLAGS_NONE, g_uri_get_scheme (uri), NULL, g_uri_get_host (uri),
                     g_uri_get_port (uri), g_uri_get_path (uri), NULL, NULL);
}

/* Plain http:// only to this machine (127.0.0.0/8, ::1, localhost): a test server, or a local
 * gateway; nothing that leaves the machine goes unencrypted. */
static gboolean
is_loopback_url (const char *url)
{
  g_autoptr (GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  g_autoptr (GInetAddress) addr = NULL;
  const char *host = uri ? g_uri_get_host (uri) : NULL;

  if (!host)
    return FALSE;
  if (g_ascii_strcasecmp (host, "localhost") == 0)
    return TRUE;
  addr = g_inet_address_new_from_string (host);
  return addr && g_inet_address_get_is_loopback (addr);
}

static char *
now_iso (void)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  return g_date_time_format_iso8601 (now);
}

void
rd_daemon_link_event (RdDaemonLink *l, const char *kind, JsonObject *detail)
{
  g_autoptr (JsonNode) node = json_node_alloc ();
  g_autoptr (GError) error = NULL;
  g_autofree char *at = now_iso ();
  JsonObject *o = detail ? detail : json_object_new ();

  json_object_set_string_member (o, "link_id", l->id);
  json_object_set_string_member (o, "link_kind", rd_daemon_link_kind_name (l));
  json_object_set_string_member (o, "url", l->shown_url);
  json_object_set_string_member (o, "at", at);
  json_node_init_object (node, o);
  json_object_unref (o);
  if (!rd_ledger_add_event (l->daemon->ledger, l->session_id, "receptiond", kind, node, &error))
    rd_log_session (G_LOG_LEVEL_WARNING, l->session_id, "could not record %s in the ledger: %s",
                    kind, error->message);
}

static JsonObject *
detail_reason (const char *reason)
{
  JsonObject *o = json_object_new ();
  json_object_set_string_member (o, "reason", reason);
  return o;
}

/* --- The join waiting for its links --- */

static JsonNode *links_json (RdDaemon *d, const char *session_id, GPtrArray *only_ids);
static void link_leave (RdDaemonLink *l, const char *reason, gpointer op);

static void
join_finish (RdLinkJoin *j)
{
  RdDaemon *d = j->daemon;

  if (j->error)
    {
      /* all or nothing: the links that did get in are left again */
      for (guint i = 0; i < j->link_ids->len; i++)
        {
          RdDaemonLink *l = g_hash_table_lookup (d->links, j->link_ids->pdata[i]);
          if (l && l->state != RD_LINK_LEAVING)
            link_leave (l, "the join was refused", NULL);
        }
      rd_control_request_reply_error (j->req, RD_PROTO_CODE_FAILED, "%s", j->error);
    }
  else
    {
      g_autoptr (JsonBuilder) b = json_builder_new ();
      g_autofree char *status = rd_daemon_update_status (d);

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

/* @l's first attempt has its answer (@error NULL) or was refused. */
static void
join_report (RdDaemonLink *l, const char *error)
{
  RdLinkJoin *j = l->join;

  if (!j)
    return;
  l->join = NULL;
  if (error && !j->error)
    j->error =
        g_strdup_printf ("%s: %s", l->kind == RD_SIGNAL_CLIENT_WHIP ? "WHIP" : "WHEP", error);
  if (--j->waiting == 0)
    join_finish (j);
}

/* --- One attempt --- */

static void
on_peer_state_changed (RdPeer *peer, RdPeerState state, gpointer data)
{
  RdDaemonLink *l = data;
  g_autofree char *status = NULL;

  rd_log_session (G_LOG_LEVEL_INFO, l->session_id, "link %s (%s %s): peer %s", l->id,
                  rd_daemon_link_kind_name (l), l->shown_url, rd_peer_state_to_string (state));
  if (state == RD_PEER_STATE_CONNECTED)
    rd_daemon_link_connected (l);
  else if (state == RD_PEER_STATE_DISCONNECTED || state == RD_PEER_STATE_FAILED)
    {
      if (l->state == RD_LINK_CONNECTED)
        rd_daemon_link_dropped (l,
                                state == RD_PEER_STATE_FAILED ? "ICE failed" : "ICE disconnected");
      else if (l->state == RD_LINK_CONNECTING && state == RD_PEER_STATE_FAILED)
        rd_daemon_link_dropped (l, "ICE failed before connecting");
    }
  status = rd_daemon_update_status (l->daemon);
}

/* Closed by something else than us (we disconnect our handlers before closing). */
static void
on_peer_closed (RdPeer *peer, const char *reason, gpointer data)
{
  RdDaemonLink *l = data;
  g_autofree char *why = g_strdup_printf ("the peer closed: %s", reason);

  if (l->state == RD_LINK_RECONNECTING)
    rd_daemon_link_attempt_failed (l, why);
  else if (l->state == RD_LINK_CONNECTED || l->state == RD_LINK_CONNECTING)
    {
      if (l->join)
        rd_daemon_link_attempt_failed (l, why);
      else
        rd_daemon_link_dropped (l, why);
    }
}

static void
on_peer_security_violation (RdPeer *peer, const char *message, gpointer data)
{
  RdDaemonLink *l = data;

  rd_log_session (G_LOG_LEVEL_WARNING, l->session_id,
                  "link %s (%s): the far end's certificate does not match its answer: %s", l->id,
                  l->shown_url, message);
  rd_daemon_link_event (l, "security-violation", detail_reason (message));
}

static void
on_peer_verified (RdPeer *peer, const char *fingerprint, gpointer data)
{
  RdDaemonLink *l = data;

  rd_log_session (G_LOG_LEVEL_MESSAGE, l->session_id,
                  "link %s (%s %s): DTLS certificate verified (%s)", l->id,
                  rd_daemon_link_kind_name (l), l->shown_url, fingerprint);
}

static void
on_local_candidate (RdPeer *peer, const char *mid, const char *candidate, gpointer data)
{
  RdDaemonLink *l = data;

  if (l->client && !l->peer_answers)
    rd_signal_client_add_candidate (l->client, mid, candidate);
}

static void
on_gathering_done (RdPeer *peer, gpointer data)
{
  RdDaemonLink *l = data;

  if (l->client && !l->peer_answers)
    rd_signal_client_end_of_candidates (l->client);
}

/* A new peer for the link (handlers connected, the far end's ICE servers given, recorded when
 * it plays); FALSE with @error when the room cannot make one. */
static gboolean
link_new_peer (RdDaemonLink *l, GError **error)
{
  RdDaemon *d = l->daemon;
  g_autofree char *peer_id = NULL;

  l->generation++;
  peer_id = g_strdup_printf ("link-%s-%u", l->id, l->generation);
  l->peer = rd_peer_new (d->room, d->config, peer_id, error);
  if (!l->peer)
    return FALSE;
  for (guint i = 0; l->ice_servers && i < l->ice_servers->len; i++)
    {
      RdSignalIceServer *s = l->ice_servers->pdata[i];
      g_autoptr (GError) local = NULL;

      if (!rd_peer_add_ice_server (l->peer, s->url, s->username, s->credential, &local))
        rd_log_session (G_LOG_LEVEL_WARNING, l->session_id,
                        "link %s: an ICE server of the far end is skipped: %s", l->id,
                        local->message);
    }
  g_signal_connect (l->peer, "state-changed", G_CALLBACK (on_peer_state_changed), l);
  g_signal_connect (l->peer, "closed", G_CALLBACK (on_peer_closed), l);
  g_signal_connect (l->peer, "security-violation", G_CALLBACK (on_peer_security_violation), l);
  g_signal_connect (l->peer, "verified", G_CALLBACK (on_peer_verified), l);
  g_signal_connect (l->peer, "local-candidate", G_CALLBACK (on_local_candidate), l);
  g_signal_connect (l->peer, "gathering-done", G_CALLBACK (on_gathering_done), l);
  /* what the far end plays to the room is recorded like a party (new peer: new tracks) */
  if (l->kind == RD_SIGNAL_CLIENT_WHEP)
    rd_daemon_recording_add_party (d, l->session_id, l->peer, peer_id);
  return TRUE;
}

void
rd_daemon_link_drop_attempt (RdDaemonLink *l, const char *reason, gboolean delete_resource)
{
  if (l->cancel)
    g_cancellable_cancel (l->cancel);
  g_clear_object (&l->cancel);
  if (l->peer)
    {
      g_signal_handlers_disconnect_by_data (l->peer, l);
      rd_peer_close (l->peer, reason);
    }
  g_clear_object (&l->peer);
  l->peer_answers = FALSE;
  if (l->client && delete_resource && rd_signal_client_get_resource_url (l->client))
    /* best effort: the far end may be unreachable; the task holds the client until it ends */
    rd_signal_client_delete_async (l->client, NULL, NULL, NULL);
  g_clear_object (&l->client);
}

static void
answered (RdDaemonLink *l)
{
  rd_daemon_link_wait_connected (l);
  join_report (l, NULL);
}

static void
on_answer_set (GObject *source, GAsyncResult *res, gpointer data)
{
  RdDaemonLink *l = rd_daemon_link_ref_take (data);
  g_autoptr (GError) error = NULL;
  gboolean ok = rd_peer_set_answer_finish (RD_PEER (source), res, &error);

  if (!l || l->peer != RD_PEER (source))
    return;
  if (!ok)
    {
      g_autofree char *msg = g_strdup_printf ("the answer cannot be used: %s", error->message);
      rd_daemon_link_attempt_failed (l, msg);
      return;
    }
  answered (l);
}

static void
on_answer_sent (GObject *source, GAsyncResult *res, gpointer data)
{
  RdDaemonLink *l = rd_daemon_link_ref_take (data);
  g_autoptr (GError) error = NULL;
  gboolean ok = rd_signal_client_send_answer_finish (RD_SIGNAL_CLIENT (source), res, &error);

  if (!l || l->client != RD_SIGNAL_CLIENT (source))
    return;
  if (!ok)
    {
      rd_daemon_link_attempt_failed (l, error->message);
      return;
    }
  answered (l);
}

/* WHEP 406: the server offered instead; a new peer answers it. */
static void
on_counter_answered (GObject *source, GAsyncResult *res, gpointer data)
{
  RdDaemonLink *l = rd_daemon_link_ref_take (data);
  g_autoptr (GError) error = NULL;
  g_autofree char *answer = rd_peer_answer_finish (RD_PEER (source), res, &error);

  if (!l || l->peer != RD_PEER (source))
    return;
  if (!answer)
    {
      g_autofree char *msg =
          g_strdup_printf ("the server's counter-offer cannot be answered: %s", error->message);
      rd_daemon_link_attempt_failed (l, msg);
      return;
    }
  rd_signal_client_send_answer_async (l->client, answer, l->cancel, on_answer_sent,
                                      rd_daemon_link_ref (l));
}

static void
counter_offer (RdDaemonLink *l, const char *offer_sdp)
{
  g_autoptr (GError) error = NULL;

  rd_log_session (G_LOG_LEVEL_MESSAGE, l->session_id,
                  "link %s: the WHEP server sent a counter-offer (406); answering it", l->id);
  if (l->peer)
    {
      g_signal_handlers_disconnect_by_data (l->peer, l);
      rd_peer_close (l->peer, "replaced by the answerer of the server's counter-offer");
    }
  g_clear_object (&l->peer);
  if (!link_new_peer (l, &error))
    {
      rd_daemon_link_attempt_failed (l, error->message);
      return;
    }
  l->peer_answers = TRUE;
  rd_peer_answer_async (l->peer, offer_sdp, l->cancel, on_counter_answered, rd_daemon_link_ref (l));
}

static void
on_posted (GObject *source, GAsyncResult *res, gpointer data)
{
  RdDaemonLink *l = rd_daemon_link_ref_take (data);
  g_autoptr (GError) error = NULL;
  g_autoptr (RdSignalAnswer) answer =
      rd_signal_client_post_finish (RD_SIGNAL_CLIENT (source), res, &error);
  JsonObject *detail;

  if (!l || l->client != RD_SIGNAL_CLIENT (source))
    return;
  if (!answer)
    {
      rd_daemon_link_attempt_failed (l, error->message);
      return;
    }
  if (answer->ice_servers->len > 0)
    {
      /* kept for the next attempts: a re-POST's peer uses them from the start */
      g_clear_pointer (&l->ice_servers, g_ptr_array_unref);
      l->ice_servers = g_ptr_array_new_with_free_func ((GDestroyNotify)ice_server_free);
      for (guint i = 0; i < answer->ice_servers->len; i++)
        {
          RdSignalIceServer *s = answer->ice_servers->pdata[i], *c = g_new0 (RdSignalIceServer, 1);
          c->url = g_strdup (s->url);
          c->username = g_strdup (s->username);
          c->credential = g_strdup (s->credential);
          g_ptr_array_add (l->ice_servers, c);
        }
    }
  if (answer->links_skipped)
    rd_log_session (G_LOG_LEVEL_WARNING, l->session_id,
                    "link %s: %u malformed Link header(s) of the far end skipped", l->id,
                    answer->links_skipped);
  detail = json_object_new ();
  json_object_set_string_member (detail, "resource", answer->resource_url);
  json_object_set_int_member (detail, "ice_servers", answer->ice_servers->len);
  if (answer->counter_offer)
    json_object_set_boolean_member (detail, "counter_offer", TRUE);
  if (l->state == RD_LINK_RECONNECTING)
    {
      json_object_set_int_member (detail, "attempt", l->attempt);
      rd_daemon_link_event (l, "link-reposted", detail);
    }
  else
    rd_daemon_link_event (l, "link-joined", detail);
  rd_log_session (G_LOG_LEVEL_MESSAGE, l->session_id, "link %s (%s %s): resource created", l->id,
                  rd_daemon_link_kind_name (l), l->shown_url);
  if (answer->counter_offer)
    counter_offer (l, answer->sdp);
  else
    rd_peer_set_answer_async (l->peer, answer->sdp, l->cancel, on_answer_set,
                              rd_daemon_link_ref (l));
}

typedef struct
{
  gpointer ref;
  guint deadline_s;
} OfferRef;

static void
on_offer (GObject *source, GAsyncResult *res, gpointer data)
{
  OfferRef *o = data;
  guint deadline_s = o->deadline_s;
  RdDaemonLink *l = rd_daemon_link_ref_take (o->ref);
  g_autoptr (GError) error = NULL;
  g_autofree char *offer = rd_peer_offer_finish (RD_PEER (source), res, &error);

  g_free (o);
  if (!l || l->peer != RD_PEER (source))
    return;
  if (!offer)
    {
      g_autofree char *msg = g_strdup_printf ("the room cannot make an offer: %s", error->message);
      rd_daemon_link_attempt_failed (l, msg);
      return;
    }
  rd_signal_client_post_async (l->client, offer, deadline_s, l->cancel, on_posted,
                               rd_daemon_link_ref (l));
}

static RdSignalClient *
link_client_new (RdDaemonLink *l, GError **error)
{
  RdSignalClientOptions opts = { 0 };

  opts.ca_file = l->ca_file;
  opts.insecure = l->insecure;
  opts.allow_http = is_loopback_url (l->url);
  return rd_signal_client_new (l->kind, l->url, l->token, &opts, error);
}

void
rd_daemon_link_attempt (RdDaemonLink *l, guint deadline_s)
{
  g_autoptr (GError) error = NULL;
  OfferRef *o;

  g_clear_object (&l->cancel);
  l->cancel = g_cancellable_new ();
  if (!l->client && !(l->client = link_client_new (l, &error)))
    {
      rd_daemon_link_attempt_failed (l, error->message);
      return;
    }
  if (!link_new_peer (l, &error))
    {
      g_autofree char *msg = g_strdup_printf ("the room cannot make a peer: %s", error->message);
      rd_daemon_link_attempt_failed (l, msg);
      return;
    }
  o = g_new0 (OfferRef, 1);
  o->ref = rd_daemon_link_ref (l);
  o->deadline_s = MAX (deadline_s, 1);
  rd_peer_offer_async (
      l->peer, l->kind == RD_SIGNAL_CLIENT_WHIP ? RD_PEER_OFFER_PUBLISH : RD_PEER_OFFER_PLAY,
      l->cancel, on_offer, o);
}

void
rd_daemon_link_join_refused (RdDaemonLink *l, const char *message_in)
{
  g_autofree char *message = g_strdup (message_in); /* may be l->last_error, replaced below */
  JsonObject *detail = detail_reason (message);

  json_object_set_string_member (detail, "phase", "join");
  rd_daemon_link_event (l, "link-failed", detail);
  rd_log_session (G_LOG_LEVEL_MESSAGE, l->session_id, "link %s (%s %s): join refused: %s", l->id,
                  rd_daemon_link_kind_name (l), l->shown_url, message);
  g_free (l->last_error);
  l->last_error = g_strdup (message);
  rd_daemon_link_drop_attempt (l, "join refused", TRUE);
  l->state = RD_LINK_FAILED;
  join_report (l, message);
}

/* --- Leaving --- */

typedef struct
{
  RdDaemon *daemon;
  RdDaemonRecordingDone done;
  gpointer data;
  guint waiting;
} LeaveOp;

typedef struct
{
  RdDaemon *daemon;
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
        op->done (op->daemon, op->data);
      g_free (op);
    }
}

static void
leave_done (LeaveRef *ref, const GError *error)
{
  RdDaemon *d = ref->daemon;
  RdDaemonLink *l = d->links ? g_hash_table_lookup (d->links, ref->id) : NULL;

  if (l)
    {
      JsonObject *detail = detail_reason (ref->reason);
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
      g_hash_table_remove (d->links, ref->id);
    }
  d->links_leaving--;
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
  LeaveRef *ref = g_new0 (LeaveRef, 1);
  g_autoptr (RdSignalClient) client = NULL;

  ref->daemon = l->daemon;
  ref->id = g_strdup (l->id);
  ref->reason = g_strdup (reason);
  ref->op = op;
  if (op)
    op->waiting++;
  l->daemon->links_leaving++;
  rd_daemon_link_stop_timers (l);
  l->state = RD_LINK_LEAVING;
  client = l->client ? g_object_ref (l->client) : NULL;
  rd_daemon_link_drop_attempt (l, reason, FALSE); /* peer closed, requests in flight cancelled */
  join_report (l, "left before it was answered");
  ref->had_resource = client && rd_signal_client_get_resource_url (client);
  if (ref->had_resource)
    rd_signal_client_delete_async (client, NULL, on_deleted, ref);
  else
    g_idle_add (on_leave_now, ref);
}

void
rd_daemon_links_leave (RdDaemon *d, const char *session_id, const char *reason,
                       RdDaemonRecordingDone done, gpointer data)
{
  LeaveOp *op = g_new0 (LeaveOp, 1);
  g_autoptr (GPtrArray) victims = g_ptr_array_new ();
  GHashTableIter it;
  RdDaemonLink *l;

  op->daemon = d;
  op->done = done;
  op->data = data;
  op->waiting = 1; /* released below, after every link was asked */
  g_hash_table_iter_init (&it, d->links);
  while (g_hash_table_iter_next (&it, NULL, (gpointer *)&l))
    if ((!session_id || g_str_equal (l->session_id, session_id)) && l->state != RD_LINK_LEAVING)
      g_ptr_array_add (victims, l);
  for (guint i = 0; i < victims->len; i++)
    link_leave (victims->pdata[i], reason, op);
  leave_op_release (op);
}

void
rd_daemon_links_wait (RdDaemon *d, gint64 deadline_us)
{
  while (d->links_leaving > 0 && g_get_monotonic_time () < deadline_us)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (10000);
  if (d->links_leaving > 0)
    rd_log_session (G_LOG_LEVEL_WARNING, NULL,
                    "%u conference resource(s) not deleted in time; the far end will time them "
                    "out",
                    d->links_leaving);
}

/* --- Control methods --- */

static gboolean
get_flag (JsonObject *params, const char *name)
{
  JsonNode *n = params ? json_object_get_member (params, name) : NULL;
  return n && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_BOOLEAN &&
         json_node_get_boolean (n);
}

static RdDaemonLink *
link_new (RdDaemon *d, const char *session_id, RdSignalClientKind kind, const char *url,
          const char *token, const char *ca_file, gboolean insecure, GError **error)
{
  RdDaemonLink *l = g_new0 (RdDaemonLink, 1);

  l->daemon = d;
  l->id = rd_daemon_random_hex (4);
  l->session_id = g_strdup (session_id);
  l->kind = kind;
  l->url = g_strdup (url);
  l->shown_url = shown_url (url);
  l->token = g_strdup (token);
  l->ca_file = g_strdup (ca_file);
  l->insecure = insecure;
  l->dropped_at_rec_s = -1;
  l->client = link_client_new (l, error);
  if (!l->client)
    {
      link_free (l);
      return NULL;
    }
  return l;
}

void
rd_daemon_method_session_join (RdDaemon *d, RdControlRequest *req, JsonObject *params)
{
  const char *id, *whip, *token, *whep, *whep_token, *ca;
  gboolean insecure = get_flag (params, "insecure");
  g_autoptr (GPtrArray) live = NULL;
  g_autoptr (GError) error = NULL;
  RdDaemonLink *links[2] = { NULL, NULL };
  RdLinkJoin *j;

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
  {
    /* the same resource twice would show the room twice at the far end */
    GHashTableIter it;
    RdDaemonLink *l;
    g_hash_table_iter_init (&it, d->links);
    while (g_hash_table_iter_next (&it, NULL, (gpointer *)&l))
      if (g_str_equal (l->session_id, id) && l->state != RD_LINK_LEAVING &&
          (g_str_equal (l->url, whip) || (whep && g_str_equal (l->url, whep))))
        {
          rd_control_request_reply_error (req, RD_PROTO_CODE_CONFLICT,
                                          "session %s has already joined %s (link %s, %s); "
                                          "leave it first",
                                          id, l->shown_url, l->id, rd_daemon_link_kind_name (l));
          return;
        }
  }
  /* both URLs and tokens are checked before anything is sent */
  links[0] = link_new (d, id, RD_SIGNAL_CLIENT_WHIP, whip, token, ca, insecure, &error);
  if (links[0] && whep)
    links[1] = link_new (d, id, RD_SIGNAL_CLIENT_WHEP, whep, whep_token ? whep_token : token, ca,
                         insecure, &error);
  if (!links[0] || (whep && !links[1]))
    {
      rd_control_request_reply_error (req, RD_PROTO_CODE_INVALID_PARAMS, "%s %s",
                                      links[0] ? "--whep:" : "--whip:", error->message);
      g_clear_pointer (&links[0], link_free);
      return;
    }
  j = g_new0 (RdLinkJoin, 1);
  j->daemon = d;
  j->req = req;
  j->session_id = g_strdup (id);
  j->link_ids = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < G_N_ELEMENTS (links) && links[i]; i++)
    {
      g_ptr_array_add (j->link_ids, g_strdup (links[i]->id));
      links[i]->join = j;
      j->waiting++;
      g_hash_table_insert (d->links, links[i]->id, links[i]);
      rd_log_session (G_LOG_LEVEL_MESSAGE, id, "link %s: %s %s %s by %s", links[i]->id,
                      links[i]->kind == RD_SIGNAL_CLIENT_WHIP ? "publishing to" : "playing from",
                      rd_daemon_link_kind_name (links[i]), links[i]->shown_url,
                      rd_control_request_get_actor (req));
    }
  for (guint i = 0; i < G_N_ELEMENTS (links) && links[i]; i++)
    rd_daemon_link_attempt (links[i], JOIN_DEADLINE_S);
}

typedef struct
{
  RdControlRequest *req;
  char *session_id;
} Leaving;

static void
session_left (RdDaemon *d, gpointer data)
{
  Leaving *lv = data;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autofree char *status = rd_daemon_update_status (d);

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
rd_daemon_method_session_leave (RdDaemon *d, RdControlRequest *req, JsonObject *params)
{
  const char *id;
  GHashTableIter it;
  RdDaemonLink *l;
  gboolean any = FALSE;
  Leaving *lv;

  if (!rd_daemon_get_string_param (req, params, "id", TRUE, &id))
    return;
  g_hash_table_iter_init (&it, d->links);
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
  rd_daemon_links_leave (d, id, "left by the operator", session_left, lv);
}

/* --- Status --- */

static void
add_link (JsonBuilder *b, RdDaemonLink *l)
{
  RdPeerStats st = { 0 };
  g_autofree char *state_text = rd_daemon_link_state_text (l);
  static const char *const names[] = { "connecting", "connected", "reconnecting", "failed",
                                       "leaving" };
  guint64 total;

  if (l->peer)
    rd_peer_get_stats (l->peer, &st);
  total = st.packets_received + st.packets_lost;
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
  INT ("reconnect_seconds", rd_config_get_reconnect_seconds (l->daemon->config));
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
  INT ("packets_lost", st.packets_lost);
  json_builder_set_member_name (b, "loss_percent");
  json_builder_add_double_value (b, total ? 100.0 * st.packets_lost / total : 0.0);
  INT ("stats_age_ms",
       st.updated_us ? (g_get_monotonic_time () - st.updated_us) / 1000 : (gint64)-1);
#undef STR
#undef INT
  json_builder_end_object (b);
  rd_peer_stats_clear (&st);
}

static JsonNode *
links_json (RdDaemon *d, const char *session_id, GPtrArray *only_ids)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  GHashTableIter it;
  RdDaemonLink *l;

  json_builder_begin_array (b);
  g_hash_table_iter_init (&it, d->links);
  while (g_hash_table_iter_next (&it, NULL, (gpointer *)&l))
    if ((!session_id || g_str_equal (l->session_id, session_id)) &&
        (!only_ids || g_ptr_array_find_with_equal_func (only_ids, l->id, g_str_equal, NULL)))
      add_link (b, l);
  json_builder_end_array (b);
  return json_builder_get_root (b);
}

JsonNode *
rd_daemon_links_to_json (RdDaemon *d, const char *session_id)
{
  return links_json (d, session_id, NULL);
}

char *
rd_daemon_links_status_text (RdDaemon *d)
{
  guint n[5] = { 0 };
  GHashTableIter it;
  RdDaemonLink *l;
  GString *s = g_string_new (NULL);

  if (!d->links)
    return g_string_free (s, FALSE);
  g_hash_table_iter_init (&it, d->links);
  while (g_hash_table_iter_next (&it, NULL, (gpointer *)&l))
    n[l->state]++;
  if (g_hash_table_size (d->links) == 0)
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
