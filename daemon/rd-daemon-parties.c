/* rd-daemon-parties.c: RdParties (see rd-daemon-parties.h): WHIP/WHEP requests -> peers ->
 * ledger rows, and peer events -> ledger rows and HTTP replies. Main context only. */
#include "daemon/rd-daemon-parties-private.h"

#include "daemon/rd-daemon-log.h"
#include "daemon/rd-daemon-token.h"
#include "media/rd-media-peer.h"
#include "media/rd-media-error.h"
#include "ledger/rd-ledger-error.h"

enum
{
  SIGNAL_CHANGED,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

G_DEFINE_TYPE (RdParties, rd_parties, G_TYPE_OBJECT)

static void
party_free (RdParty *p)
{
  if (p->cancel)
    g_cancellable_cancel (p->cancel);
  if (p->peer)
    g_signal_handlers_disconnect_by_data (p->peer, p);
  if (p->peer && p->parties)
    rd_room_set_label (p->parties->room, p->peer_id, NULL);
  g_clear_object (&p->peer);
  g_clear_object (&p->cancel);
  g_free (p->peer_id);
  g_free (p->session_id);
  g_free (p->role);
  g_free (p->name);
  g_free (p->remote_address);
  g_free (p->etag);
  g_free (p->leave_reason);
  rd_peer_stats_clear (&p->sample);
  g_free (p);
}

static void
changed (RdParties *parties)
{
  g_signal_emit (parties, signals[SIGNAL_CHANGED], 0);
}

static void
rd_parties_dispose (GObject *object)
{
  RdParties *parties = RD_PARTIES (object);

  rd_parties_stop_sampling (parties);
  g_clear_pointer (&parties->table, g_hash_table_destroy);
  g_clear_object (&parties->recording);
  if (parties->room)
    g_signal_handlers_disconnect_by_data (parties->room, parties);
  g_clear_object (&parties->room);
  g_clear_pointer (&parties->config, rd_config_unref);
  G_OBJECT_CLASS (rd_parties_parent_class)->dispose (object);
}

static void
rd_parties_class_init (RdPartiesClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = rd_parties_dispose;
  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
rd_parties_init (RdParties *parties)
{
  parties->table =
      g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify)party_free);
}

RdParties *
rd_parties_new (RdConfig *config, RdLedger *ledger, RdRoom *room, RdSessionRecording *recording)
{
  RdParties *parties = g_object_new (RD_TYPE_PARTIES, NULL);

  parties->config = rd_config_ref (config);
  parties->ledger = ledger;
  parties->room = g_object_ref (room);
  parties->recording = g_object_ref (recording);
  rd_parties_watch_tiles (parties);
  rd_parties_start_sampling (parties);
  return parties;
}

void
rd_parties_set_config (RdParties *parties, RdConfig *config)
{
  rd_config_ref (config);
  rd_config_unref (parties->config);
  parties->config = config;
}

const char *
rd_parties_get_key (RdParties *parties, const char *peer_id, const char **session_id)
{
  RdParty *p = g_hash_table_lookup (parties->table, peer_id);

  if (!p)
    return NULL;
  *session_id = p->session_id;
  return rd_peer_get_mix_key (p->peer);
}

guint
rd_parties_count (RdParties *parties, const char *session_id, gboolean connected_only)
{
  GHashTableIter it;
  RdParty *p;
  guint n = 0;

  g_hash_table_iter_init (&it, parties->table);
  while (g_hash_table_iter_next (&it, NULL, (gpointer *)&p))
    if ((!session_id || g_str_equal (p->session_id, session_id)) &&
        (!connected_only || rd_peer_get_state (p->peer) == RD_PEER_STATE_CONNECTED))
      n++;
  return n;
}

JsonNode *
rd_parties_detail (const char *first_key, ...)
{
  JsonObject *o = json_object_new ();
  const char *key = first_key;
  va_list ap;

  va_start (ap, first_key);
  while (key)
    {
      const char *value = va_arg (ap, const char *);
      if (value)
        json_object_set_string_member (o, key, value);
      else
        json_object_set_null_member (o, key);
      key = va_arg (ap, const char *);
    }
  va_end (ap);
  {
    JsonNode *node = json_node_new (JSON_NODE_OBJECT);

    json_node_take_object (node, o);
    return node;
  }
}

void
rd_party_add_event (RdParty *p, const char *kind, JsonNode *detail_take)
{
  g_autoptr (JsonNode) detail = detail_take;
  g_autoptr (GError) error = NULL;

  json_object_set_string_member (json_node_get_object (detail), "peer_id", p->peer_id);
  if (!rd_ledger_add_event (p->parties->ledger, p->session_id, "receptiond", kind, detail, &error))
    rd_log_session (G_LOG_LEVEL_WARNING, p->session_id, "could not record %s in the ledger: %s",
                    kind, error->message);
}

static void
on_peer_verified (RdPeer *peer, const char *fingerprint, gpointer data)
{
  RdParty *p = data;
  g_autoptr (GError) error = NULL;

  rd_log_session (G_LOG_LEVEL_MESSAGE, p->session_id,
                  "party %s (%s%s%s) connected, DTLS certificate verified (%s)", p->peer_id,
                  p->role, p->name ? ", " : "", p->name ? p->name : "", fingerprint);
  if (p->participant_id &&
      !rd_ledger_participant_verified (
          p->parties->ledger, p->participant_id, fingerprint,
          rd_session_recording_get_elapsed_ns (p->parties->recording, p->session_id), &error))
    rd_log_session (G_LOG_LEVEL_WARNING, p->session_id, "could not record the verification: %s",
                    error->message);
  changed (p->parties);
}

static void
on_peer_security_violation (RdPeer *peer, const char *message, gpointer data)
{
  RdParty *p = data;

  rd_log_session (G_LOG_LEVEL_WARNING, p->session_id,
                  "party %s refused: %s; its media was never shown, played or recorded", p->peer_id,
                  message);
  rd_party_add_event (p, "security-violation",
                      rd_parties_detail ("message", message, "remote_address", p->remote_address,
                                         "offered_fingerprint",
                                         rd_peer_get_remote_fingerprint (peer), NULL));
  g_free (p->leave_reason);
  p->leave_reason = g_strdup_printf ("security: %s", message);
}

/* The room's media to the party stopped and was made again (rd-media-peer.h): what the party
 * saw or heard froze for that long, which the record says. */
static void
on_peer_send_repaired (RdPeer *peer, const char *message, gpointer data)
{
  RdParty *p = data;

  rd_log_session (G_LOG_LEVEL_WARNING, p->session_id, "party %s: %s", p->peer_id, message);
  rd_party_add_event (p, "party-send-repaired", rd_parties_detail ("message", message, NULL));
}

static void
on_peer_state_changed (RdPeer *peer, RdPeerState state, gpointer data)
{
  RdParty *p = data;

  rd_log_session (G_LOG_LEVEL_INFO, p->session_id, "party %s: %s", p->peer_id,
                  rd_peer_state_to_string (state));
  changed (p->parties);
}

/* The peer is gone: record why, forget the party. Any later request for it gets 404. */
static void
on_peer_closed (RdPeer *peer, const char *reason, gpointer data)
{
  RdParty *p = data;
  RdParties *parties = p->parties;
  const char *why = p->leave_reason ? p->leave_reason : reason;
  g_autoptr (GError) error = NULL;

  if (p->pending_offer)
    {
      rd_whip_request_reply_error (p->pending_offer, 500, 0,
                                   "the connection closed before it "
                                   "was answered");
      p->pending_offer = NULL;
    }
  if (p->participant_id &&
      !rd_ledger_participant_leave (
          parties->ledger, p->participant_id, why,
          rd_session_recording_get_elapsed_ns (parties->recording, p->session_id), &error))
    rd_log_session (G_LOG_LEVEL_WARNING, p->session_id, "could not record party %s leaving: %s",
                    p->peer_id, error->message);
  rd_log_session (G_LOG_LEVEL_MESSAGE, p->session_id, "party %s left: %s", p->peer_id, why);
  g_hash_table_remove (parties->table, p->peer_id);
  changed (parties);
}

void
rd_party_close (RdParty *p, const char *reason)
{
  if (!p->leave_reason)
    p->leave_reason = g_strdup (reason);
  rd_peer_close (p->peer, reason);
}

/* Closes every party of @session_id (all parties when NULL), or those of @invite_id when > 0. */
void
rd_parties_close (RdParties *parties, const char *session_id, gint64 invite_id, const char *reason)
{
  g_autoptr (GPtrArray) victims = g_ptr_array_new ();
  GHashTableIter it;
  RdParty *p;

  g_hash_table_iter_init (&it, parties->table);
  while (g_hash_table_iter_next (&it, NULL, (gpointer *)&p))
    if ((!session_id || g_str_equal (p->session_id, session_id)) &&
        (invite_id <= 0 || p->invite_id == invite_id))
      g_ptr_array_add (victims, p);
  /* Closing removes from the table: collect first. */
  for (guint i = 0; i < victims->len; i++)
    rd_party_close (victims->pdata[i], reason);
}

/* Checks the request's bearer token against the session's invites, before anything else of the
 * request is looked at; answers 401 when it fails. The wire says the same for every reason
 * (rd-signal-whip.h); the reason goes to the log at info level, for the technician.
 * (transfer full) */
static RdLedgerInvite *
authorize (RdParties *parties, RdWhipRequest *req)
{
  g_autofree char *hash = rd_daemon_token_hash (rd_whip_request_get_token (req));
  g_autoptr (GError) error = NULL;
  RdLedgerInvite *invite;

  invite =
      rd_ledger_invite_check (parties->ledger, rd_whip_request_get_session_id (req), hash, &error);
  if (invite)
    return invite;
  if (g_error_matches (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_UNAUTHORIZED))
    {
      rd_log_session (G_LOG_LEVEL_INFO, rd_whip_request_get_session_id (req),
                      "refused a %s request from %s: %s",
                      rd_whip_request_is_whep (req) ? "WHEP" : "WHIP",
                      rd_whip_request_get_remote_address (req), error->message);
      rd_whip_request_reply_error (req, 401, 0, NULL);
    }
  else
    {
      rd_log_session (G_LOG_LEVEL_WARNING, rd_whip_request_get_session_id (req),
                      "cannot check a token: %s", error->message);
      rd_whip_request_reply_error (req, 500, 0, "the ledger could not be read");
    }
  return NULL;
}

typedef struct
{
  GWeakRef parties; /* gone when the daemon dropped them before the answer */
  char *peer_id;
} PartyRef;

static void
on_answered (GObject *source, GAsyncResult *res, gpointer data)
{
  PartyRef *ref = data;
  g_autoptr (RdParties) parties = g_weak_ref_get (&ref->parties);
  /* The party may have left while the answer was made: then it is not in the table. */
  RdParty *p =
      parties && parties->table ? g_hash_table_lookup (parties->table, ref->peer_id) : NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *answer = rd_peer_answer_finish (RD_PEER (source), res, &error);
  RdWhipRequest *req;

  g_weak_ref_clear (&ref->parties);
  g_free (ref->peer_id);
  g_free (ref);
  if (!p || p->peer != RD_PEER (source))
    return;
  req = g_steal_pointer (&p->pending_offer);
  if (!answer)
    {
      gboolean bad_offer = g_error_matches (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_OFFER);
      if (!bad_offer)
        rd_log_session (G_LOG_LEVEL_WARNING, p->session_id, "cannot answer party %s: %s",
                        p->peer_id, error->message);
      if (req)
        rd_whip_request_reply_error (req, bad_offer ? 422 : 500, 0, error->message);
      rd_party_close (p, bad_offer ? "unusable offer" : "failed");
      return;
    }
  p->participant_id =
      rd_ledger_participant_join (parties->ledger, p->session_id, p->peer_id, p->invite_id, p->role,
                                  p->name, p->remote_address, "receptiond", &error);
  if (!p->participant_id)
    {
      /* No ledger row, no call: a session's record must name everyone in it. */
      rd_log_session (G_LOG_LEVEL_WARNING, p->session_id, "cannot record party %s: %s", p->peer_id,
                      error->message);
      if (req)
        rd_whip_request_reply_error (req, 500, 0, "the ledger could not record the party");
      rd_party_close (p, "ledger failure");
      return;
    }
  rd_log_session (G_LOG_LEVEL_MESSAGE, p->session_id, "party %s (%s) joining from %s%s", p->peer_id,
                  p->role, p->remote_address, p->whep ? " to play the room's stream (WHEP)" : "");
  /* One party per invite and path: one that called again takes the place of the earlier. */
  rd_parties_replace_earlier (parties, p);
  if (req)
    rd_whip_request_reply_created (req, p->peer_id, answer, p->etag);
  changed (parties);
}

static void
handle_offer (RdParties *parties, RdWhipRequest *req)
{
  const char *session_id = rd_whip_request_get_session_id (req);
  g_autoptr (RdLedgerInvite) invite = NULL;
  g_autoptr (GPtrArray) live = NULL;
  g_autoptr (GError) error = NULL;
  RdParty *p;

  /* The token first: without one valid for this session, nothing else is said (whether the
   * session exists, whether the offer is usable). */
  invite = authorize (parties, req);
  if (!invite)
    return;
  live = rd_ledger_live_sessions (parties->ledger, &error);
  if (!live)
    {
      rd_whip_request_reply_error (req, 500, 0, "the ledger could not be read");
      return;
    }
  if (!g_ptr_array_find_with_equal_func (live, session_id, g_str_equal, NULL))
    {
      rd_whip_request_reply_error (req, 404, 0, "the session is not live");
      return;
    }
  /* Then a place for the party, and only then is the offer read. */
  if (!rd_parties_admit (parties, req, session_id, invite->id, rd_whip_request_is_whep (req)) ||
      !rd_whip_request_accept_token (req))
    return;

  p = g_new0 (RdParty, 1);
  p->parties = parties;
  p->sample.round_trip_time_s = -1;
  p->bitrate_in_kbps = p->bitrate_out_kbps = -1;
  p->peer_id = rd_daemon_random_hex (16);
  p->etag = rd_daemon_random_hex (12);
  p->session_id = g_strdup (session_id);
  p->role = g_strdup (invite->role);
  p->name = g_strdup (invite->name);
  p->invite_id = invite->id;
  p->remote_address = g_strdup (rd_whip_request_get_remote_address (req));
  /* WHEP: answered like a party's POST (same invites, same gate); the peer answers the
   * player's recvonly offer with the room's media */
  p->whep = rd_whip_request_is_whep (req);
  p->cancel = g_cancellable_new ();
  p->peer = rd_peer_new (parties->room, parties->config, p->peer_id, &error);
  if (!p->peer)
    {
      rd_log_session (G_LOG_LEVEL_WARNING, session_id, "cannot create a peer: %s", error->message);
      rd_whip_request_reply_error (req, 500, 0, "the room could not take the call");
      party_free (p);
      return;
    }
  /* recorded from its first verified frame (nothing passes the gate before) until it leaves */
  rd_session_recording_add_peer (parties->recording, p->session_id, p->peer, p->peer_id);
  {
    g_autofree char *label = rd_parties_label (p->role, p->name);
    rd_room_set_label (parties->room, p->peer_id, label);
  }
  g_signal_connect (p->peer, "verified", G_CALLBACK (on_peer_verified), p);
  g_signal_connect (p->peer, "security-violation", G_CALLBACK (on_peer_security_violation), p);
  g_signal_connect (p->peer, "state-changed", G_CALLBACK (on_peer_state_changed), p);
  g_signal_connect (p->peer, "send-repaired", G_CALLBACK (on_peer_send_repaired), p);
  g_signal_connect (p->peer, "closed", G_CALLBACK (on_peer_closed), p);
  g_hash_table_insert (parties->table, p->peer_id, p);
  p->pending_offer = req;
  {
    PartyRef *ref = g_new0 (PartyRef, 1);
    g_weak_ref_init (&ref->parties, parties);
    ref->peer_id = g_strdup (p->peer_id);
    rd_peer_answer_async (p->peer, rd_whip_request_get_body (req), p->cancel, on_answered, ref);
  }
}

/* The party a PATCH/DELETE/GET names, if the token owns it; otherwise answers and returns NULL.
 * The token is checked first (401); then a resource is found only among the parties of the
 * token's own invite, of the session and path (/whip or /whep) it names: anything else is 404,
 * as for a party that has left, and is left alone. */
static RdParty *
find_owned_party (RdParties *parties, RdWhipRequest *req)
{
  g_autoptr (RdLedgerInvite) invite = authorize (parties, req);
  RdParty *p;

  if (!invite)
    return NULL;
  p = g_hash_table_lookup (parties->table, rd_whip_request_get_peer_id (req));
  if (!p || !g_str_equal (p->session_id, rd_whip_request_get_session_id (req)) ||
      p->whep != rd_whip_request_is_whep (req) || p->invite_id != invite->id)
    {
      rd_whip_request_reply_error (req, 404, 0, "no such resource (the party has left?)");
      return NULL;
    }
  return p;
}

/* ICE restart: new credentials from the party, new ones from the room, a new ETag; the call
 * goes on. A fragment that cannot restart changes nothing (400): the ICE session stays. */
static void
restart_ice (RdParty *p, RdWhipRequest *req)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *frag = rd_peer_restart_ice (p->peer, rd_whip_request_get_body (req), &error);

  if (!frag)
    {
      gboolean bad = g_error_matches (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_FRAGMENT);
      if (!bad)
        rd_log_session (G_LOG_LEVEL_WARNING, p->session_id, "cannot restart ICE for party %s: %s",
                        p->peer_id, error->message);
      rd_whip_request_reply_error (req, bad ? 400 : 409, 0, error->message);
      return;
    }
  g_free (p->etag);
  p->etag = rd_daemon_random_hex (12);
  rd_log_session (G_LOG_LEVEL_MESSAGE, p->session_id, "party %s restarted ICE (from %s)",
                  p->peer_id, rd_whip_request_get_remote_address (req));
  rd_party_add_event (
      p, "ice-restart",
      rd_parties_detail ("remote_address", rd_whip_request_get_remote_address (req), NULL));
  rd_whip_request_reply_sdpfrag (req, frag, p->etag);
}

/* PATCH with If-Match "<etag>": trickle, or a restart when the fragment has new credentials
 * (RFC 8840 4.4); with If-Match "*": a restart. */
static void
handle_patch (RdParties *parties, RdWhipRequest *req)
{
  RdParty *p = find_owned_party (parties, req);
  const char *body;
  g_autoptr (GError) error = NULL;

  /* answered (404/401/400), and so freed: @req must not be read any more */
  if (!p || !rd_whip_request_accept_token (req))
    return;
  body = rd_whip_request_get_body (req);
  if (rd_whip_request_get_action (req) == RD_WHIP_ACTION_RESTART)
    restart_ice (p, req);
  else if (g_strcmp0 (rd_whip_request_get_if_match (req), p->etag) != 0)
    rd_whip_request_reply_error (req, 412, 0, "If-Match does not name the current ICE session");
  else if (rd_peer_sdpfrag_restarts_ice (p->peer, body))
    restart_ice (p, req);
  else if (!rd_peer_add_remote_candidates (p->peer, body, &error))
    rd_whip_request_reply_error (req, 400, 0, error->message);
  else
    rd_whip_request_reply_empty (req, 204);
}

static void
handle_delete (RdParties *parties, RdWhipRequest *req)
{
  RdParty *p = find_owned_party (parties, req);

  if (!p)
    return;
  rd_party_close (p, "left");
  rd_whip_request_reply_empty (req, 200);
}

/* GET of a party's own resource: what the join page shows (REC mark). Not the pause reason:
 * that may itself be about protecting someone. */
static void
handle_state (RdParties *parties, RdWhipRequest *req)
{
  RdParty *p = find_owned_party (parties, req);
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *json = NULL;
  const char *state;
  gint64 elapsed;

  if (!p)
    return;
  state = rd_session_recording_get_state (parties->recording, p->session_id, &elapsed);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "recording");
  json_builder_add_string_value (b, state);
  json_builder_set_member_name (b, "elapsed_s");
  json_builder_add_int_value (b, elapsed);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json = json_to_string (root, FALSE);
  rd_whip_request_reply_json (req, json);
}

void
rd_parties_handle_request (RdParties *parties, RdWhipRequest *req)
{
  switch (rd_whip_request_get_action (req))
    {
    case RD_WHIP_ACTION_OFFER:
      handle_offer (parties, req);
      return;
    case RD_WHIP_ACTION_TRICKLE:
    case RD_WHIP_ACTION_RESTART:
      handle_patch (parties, req);
      return;
    case RD_WHIP_ACTION_DELETE:
      handle_delete (parties, req);
      return;
    case RD_WHIP_ACTION_STATE:
      handle_state (parties, req);
      return;
    }
  rd_whip_request_reply_error (req, 400, 0, "unknown request");
}
