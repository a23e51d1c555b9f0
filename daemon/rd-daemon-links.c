/* rd-daemon-links.c: RdLinks itself (see rd-daemon-links.h) and what every layer of a link uses:
 * a link's making and freeing, the references callbacks hold, its ledger events, its timers,
 * dropping its current attempt, and the join waiting for it. Calls no other file of RdLinks. */
#include "daemon/rd-daemon-links-private.h"

#include "daemon/rd-daemon-log.h"
#include "daemon/rd-daemon-token.h"
#include "proto/rd-proto.h"

/* What a callback holds: the link may be gone, or on another attempt, when it runs. */
typedef struct
{
  RdLinks *links;
  char *id;
  guint generation;
} LinkRef;

gpointer
rd_daemon_link_ref (RdDaemonLink *l)
{
  LinkRef *ref = g_new0 (LinkRef, 1);
  ref->links = l->links;
  ref->id = g_strdup (l->id);
  ref->generation = l->generation;
  return ref;
}

/* The link @ref was made for, if it is still on that attempt and not leaving; frees @ref. */
RdDaemonLink *
rd_daemon_link_ref_take (gpointer data)
{
  LinkRef *ref = data;
  RdDaemonLink *l = ref->links->table ? g_hash_table_lookup (ref->links->table, ref->id) : NULL;

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

void
rd_daemon_link_free (RdDaemonLink *l)
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
  if (l->mix_key && l->links && l->kind == RD_SIGNAL_CLIENT_WHIP)
    rd_room_set_label (l->links->room, l->mix_key, NULL);
  g_free (l->mix_key);
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

enum
{
  SIGNAL_CHANGED,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

G_DEFINE_TYPE (RdLinks, rd_links, G_TYPE_OBJECT)

static void
rd_links_dispose (GObject *object)
{
  RdLinks *links = RD_LINKS (object);

  g_clear_pointer (&links->table, g_hash_table_destroy);
  g_clear_object (&links->recording);
  g_clear_object (&links->room);
  g_clear_pointer (&links->config, rd_config_unref);
  G_OBJECT_CLASS (rd_links_parent_class)->dispose (object);
}

static void
rd_links_class_init (RdLinksClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = rd_links_dispose;
  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
rd_links_init (RdLinks *links)
{
  links->table =
      g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify)rd_daemon_link_free);
}

RdLinks *
rd_links_new (RdConfig *config, RdLedger *ledger, RdRoom *room, RdSessionRecording *recording)
{
  RdLinks *links = g_object_new (RD_TYPE_LINKS, NULL);

  links->config = rd_config_ref (config);
  links->ledger = ledger;
  links->room = g_object_ref (room);
  links->recording = g_object_ref (recording);
  return links;
}

void
rd_links_set_config (RdLinks *links, RdConfig *config)
{
  rd_config_ref (config);
  rd_config_unref (links->config);
  links->config = config;
}

void
rd_links_changed (RdLinks *links)
{
  g_signal_emit (links, signals[SIGNAL_CHANGED], 0);
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
  if (!rd_ledger_add_event (l->links->ledger, l->session_id, "receptiond", kind, node, &error))
    rd_log_session (G_LOG_LEVEL_WARNING, l->session_id, "could not record %s in the ledger: %s",
                    kind, error->message);
}

JsonObject *
rd_daemon_link_detail_reason (const char *reason)
{
  JsonObject *o = json_object_new ();
  json_object_set_string_member (o, "reason", reason);
  return o;
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

RdSignalClient *
rd_daemon_link_client_new (RdDaemonLink *l, GError **error)
{
  RdSignalClientOptions opts = { 0 };

  opts.ca_file = l->ca_file;
  opts.insecure = l->insecure;
  opts.allow_http = is_loopback_url (l->url);
  return rd_signal_client_new (l->kind, l->url, l->token, &opts, error);
}

void
rd_daemon_link_join_refused (RdDaemonLink *l, const char *message_in)
{
  g_autofree char *message = g_strdup (message_in); /* may be l->last_error, replaced below */
  JsonObject *detail = rd_daemon_link_detail_reason (message);

  json_object_set_string_member (detail, "phase", "join");
  rd_daemon_link_event (l, "link-failed", detail);
  rd_log_session (G_LOG_LEVEL_MESSAGE, l->session_id, "link %s (%s %s): join refused: %s", l->id,
                  rd_daemon_link_kind_name (l), l->shown_url, message);
  g_free (l->last_error);
  l->last_error = g_strdup (message);
  rd_daemon_link_drop_attempt (l, "join refused", TRUE);
  l->state = RD_LINK_FAILED;
  rd_daemon_link_join_report (l, message);
}

RdDaemonLink *
rd_daemon_link_new (RdLinks *d, const char *session_id, RdSignalClientKind kind, const char *url,
                    const char *token, const char *ca_file, gboolean insecure, GError **error)
{
  RdDaemonLink *l = g_new0 (RdDaemonLink, 1);

  l->links = d;
  l->id = rd_daemon_random_hex (4);
  l->session_id = g_strdup (session_id);
  l->kind = kind;
  l->url = g_strdup (url);
  l->shown_url = rd_signal_client_shown_url (url);
  l->token = g_strdup (token);
  l->ca_file = g_strdup (ca_file);
  l->insecure = insecure;
  l->dropped_at_rec_s = -1;
  l->client = rd_daemon_link_client_new (l, error);
  if (!l->client)
    {
      rd_daemon_link_free (l);
      return NULL;
    }
  return l;
}

void
rd_daemon_link_stop_timers (RdDaemonLink *l)
{
  g_clear_handle_id (&l->connect_timer_id, g_source_remove);
  g_clear_handle_id (&l->restart_timer_id, g_source_remove);
  g_clear_handle_id (&l->repost_timer_id, g_source_remove);
  g_clear_handle_id (&l->deadline_timer_id, g_source_remove);
  g_clear_handle_id (&l->media_tick_id, g_source_remove);
}

/* @l's first attempt has its answer (@error NULL) or was refused. */
void
rd_daemon_link_join_report (RdDaemonLink *l, const char *error)
{
  RdLinkJoin *j = l->join;

  if (!j)
    return;
  l->join = NULL;
  if (error && !j->error)
    j->error =
        g_strdup_printf ("%s: %s", l->kind == RD_SIGNAL_CLIENT_WHIP ? "WHIP" : "WHEP", error);
  if (--j->waiting == 0)
    j->finish (j);
}
