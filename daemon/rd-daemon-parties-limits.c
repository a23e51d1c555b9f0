/* rd-daemon-parties-limits.c: how many parties a session takes (see rd-daemon-parties.h): the
 * session's max-parties, one party per invite and path, and the cap on parties still being set
 * up. Main context only. */
#include "daemon/rd-daemon-parties-private.h"

#include "daemon/rd-daemon-log.h"

/* At most this many parties of a session not yet connected (fewer when max-parties is smaller).
 * Setting a party up is what costs (a webrtcbin, its sockets, ICE and DTLS) and it lasts until
 * the party connects or, if it never does, for the peer's 30 s connect timeout. A reception
 * room's parties (board, agency, citizen, an interpreter) connect within seconds, and four at
 * once covers a meeting whose parties all join at its start; the cap bounds what a handful of
 * leaked tokens can hold without connecting to that, rather than to max-parties. */
#define MAX_UNCONNECTED 4
/* Retry-After: an offer of the same invite and path is being answered (a second or so). */
#define RETRY_ANSWERING_S 2
/* Retry-After: too many parties are still connecting (each connects or times out in 30 s). */
#define RETRY_UNCONNECTED_S 5
/* Retry-After: the session is full (a place frees only when a party leaves). */
#define RETRY_FULL_S 30

gboolean
rd_parties_admit (RdParties *parties, RdWhipRequest *req, const char *session_id, gint64 invite_id,
                  gboolean whep)
{
  guint max_parties = rd_config_get_max_parties (parties->config);
  guint max_unconnected = MIN (MAX_UNCONNECTED, max_parties);
  guint places = 0, unconnected = 0;
  gboolean answering = FALSE;
  GHashTableIter it;
  RdParty *p;

  g_hash_table_iter_init (&it, parties->table);
  while (g_hash_table_iter_next (&it, NULL, (gpointer *)&p))
    {
      /* The invite's earlier party on this path gives its place to the new one (replaced once
       * the new one is answered), so it counts for neither limit. */
      gboolean same = p->invite_id == invite_id && p->whep == whep;

      if (!g_str_equal (p->session_id, session_id))
        continue;
      answering |= same && p->pending_offer != NULL;
      places += !same;
      unconnected += !same && rd_peer_get_state (p->peer) != RD_PEER_STATE_CONNECTED;
    }

  if (answering)
    {
      rd_whip_request_reply_error (req, 429, RETRY_ANSWERING_S,
                                   "An earlier offer with this invite is still being answered; "
                                   "one party per invite at a time.");
      return FALSE;
    }
  if (places >= max_parties)
    {
      g_autofree char *why = g_strdup_printf (
          "This session is full: it takes %u parties at once (max-parties).", max_parties);
      rd_log_session (G_LOG_LEVEL_MESSAGE, session_id,
                      "refused a party from %s: the session has its %u parties (max-parties)",
                      rd_whip_request_get_remote_address (req), max_parties);
      rd_whip_request_reply_error (req, 503, RETRY_FULL_S, why);
      return FALSE;
    }
  if (unconnected >= max_unconnected)
    {
      g_autofree char *why = g_strdup_printf (
          "Too many parties of this session are not yet connected (at most %u at once).",
          max_unconnected);
      rd_log_session (G_LOG_LEVEL_INFO, session_id,
                      "refused a party from %s: %u parties not yet connected",
                      rd_whip_request_get_remote_address (req), unconnected);
      rd_whip_request_reply_error (req, 429, RETRY_UNCONNECTED_S, why);
      return FALSE;
    }
  return TRUE;
}

void
rd_parties_replace_earlier (RdParties *parties, RdParty *p)
{
  g_autoptr (GPtrArray) earlier = g_ptr_array_new ();
  GHashTableIter it;
  RdParty *q;

  g_hash_table_iter_init (&it, parties->table);
  while (g_hash_table_iter_next (&it, NULL, (gpointer *)&q))
    if (q != p && q->invite_id == p->invite_id && q->whep == p->whep &&
        g_str_equal (q->session_id, p->session_id))
      g_ptr_array_add (earlier, q);
  /* Closing removes from the table: collect first. */
  for (guint i = 0; i < earlier->len; i++)
    {
      q = earlier->pdata[i];
      rd_log_session (G_LOG_LEVEL_MESSAGE, p->session_id,
                      "party %s replaces party %s (the same invite called again)", p->peer_id,
                      q->peer_id);
      rd_party_close (q, "replaced: the same invite called again");
    }
}
