/* rd-daemon-links-attempt.c: one attempt of a link (see rd-daemon-links-private.h): a new peer
 * and client, the offer, the POST (RFC 9725 section 4.2), the answer; on the WHEP 406 path the
 * server's counter-offer is answered by a new peer. The outcome goes to the events the attempt
 * was started with: answered, connected, dropped (the peer's ICE went down) or failed. */
#include "daemon/rd-daemon-links-private.h"

#include "daemon/rd-daemon-log.h"

static void
on_peer_state_changed (RdPeer *peer, RdPeerState state, gpointer data)
{
  RdDaemonLink *l = data;

  rd_log_session (G_LOG_LEVEL_INFO, l->session_id, "link %s (%s %s): peer %s", l->id,
                  rd_daemon_link_kind_name (l), l->shown_url, rd_peer_state_to_string (state));
  if (state == RD_PEER_STATE_CONNECTED)
    l->events->connected (l);
  else if (state == RD_PEER_STATE_DISCONNECTED || state == RD_PEER_STATE_FAILED)
    {
      if (l->state == RD_LINK_CONNECTED)
        l->events->dropped (l, state == RD_PEER_STATE_FAILED ? "ICE failed" : "ICE disconnected");
      else if (l->state == RD_LINK_CONNECTING && state == RD_PEER_STATE_FAILED)
        l->events->dropped (l, "ICE failed before connecting");
    }
  rd_links_changed (l->links);
}

/* Closed by something else than us (we disconnect our handlers before closing). */
static void
on_peer_closed (RdPeer *peer, const char *reason, gpointer data)
{
  RdDaemonLink *l = data;
  g_autofree char *why = g_strdup_printf ("the peer closed: %s", reason);

  /* a join refused, a link dropped, or a re-POST failed: leaving, failed or left ones are done */
  if (l->state == RD_LINK_RECONNECTING || l->state == RD_LINK_CONNECTED ||
      l->state == RD_LINK_CONNECTING)
    l->events->failed (l, why);
}

static void
on_peer_security_violation (RdPeer *peer, const char *message, gpointer data)
{
  RdDaemonLink *l = data;

  rd_log_session (G_LOG_LEVEL_WARNING, l->session_id,
                  "link %s (%s): the far end's certificate does not match its answer: %s", l->id,
                  l->shown_url, message);
  rd_daemon_link_event (l, "security-violation", rd_daemon_link_detail_reason (message));
}

static void
on_peer_send_repaired (RdPeer *peer, const char *message, gpointer data)
{
  RdDaemonLink *l = data;

  rd_log_session (G_LOG_LEVEL_WARNING, l->session_id, "link %s (%s): %s", l->id, l->shown_url,
                  message);
  rd_daemon_link_event (l, "send-repaired", rd_daemon_link_detail_reason (message));
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
  RdLinks *d = l->links;
  g_autofree char *peer_id = NULL;

  l->generation++;
  peer_id = g_strdup_printf ("link-%s-%u", l->id, l->generation);
  l->peer = rd_peer_new (d->room, d->config, peer_id, error);
  if (!l->peer)
    return FALSE;
  if (l->mix_key)
    rd_peer_set_mix_key (l->peer, l->mix_key);
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
  g_signal_connect (l->peer, "send-repaired", G_CALLBACK (on_peer_send_repaired), l);
  g_signal_connect (l->peer, "local-candidate", G_CALLBACK (on_local_candidate), l);
  g_signal_connect (l->peer, "gathering-done", G_CALLBACK (on_gathering_done), l);
  /* what the far end plays to the room is recorded like a party (new peer: new tracks) */
  if (l->kind == RD_SIGNAL_CLIENT_WHEP)
    rd_session_recording_add_peer (d->recording, l->session_id, l->peer, peer_id);
  return TRUE;
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
      l->events->failed (l, msg);
      return;
    }
  l->events->answered (l);
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
      l->events->failed (l, error->message);
      return;
    }
  l->events->answered (l);
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
      l->events->failed (l, msg);
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
      l->events->failed (l, error->message);
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
      l->events->failed (l, error->message);
      return;
    }
  if (answer->ice_servers->len > 0)
    {
      /* kept for the next attempts: a re-POST's peer uses them from the start */
      g_clear_pointer (&l->ice_servers, g_ptr_array_unref);
      l->ice_servers = g_ptr_array_new_with_free_func ((GDestroyNotify)rd_signal_ice_server_free);
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
      l->events->failed (l, msg);
      return;
    }
  rd_signal_client_post_async (l->client, offer, deadline_s, l->cancel, on_posted,
                               rd_daemon_link_ref (l));
}

void
rd_daemon_link_attempt (RdDaemonLink *l, guint deadline_s, const RdLinkAttemptEvents *events)
{
  g_autoptr (GError) error = NULL;
  OfferRef *o;

  l->events = events;
  g_clear_object (&l->cancel);
  l->cancel = g_cancellable_new ();
  if (!l->client && !(l->client = rd_daemon_link_client_new (l, &error)))
    {
      l->events->failed (l, error->message);
      return;
    }
  if (!link_new_peer (l, &error))
    {
      g_autofree char *msg = g_strdup_printf ("the room cannot make a peer: %s", error->message);
      l->events->failed (l, msg);
      return;
    }
  o = g_new0 (OfferRef, 1);
  o->ref = rd_daemon_link_ref (l);
  o->deadline_s = MAX (deadline_s, 1);
  rd_peer_offer_async (
      l->peer, l->kind == RD_SIGNAL_CLIENT_WHIP ? RD_PEER_OFFER_PUBLISH : RD_PEER_OFFER_PLAY,
      l->cancel, on_offer, o);
}
