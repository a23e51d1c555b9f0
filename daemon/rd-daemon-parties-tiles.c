/* rd-daemon-parties-tiles.c: a party's tile in the conference picture (RdRoom "tile-changed").
 * When its video keeps arriving and cannot be decoded, the room takes the tile out of the
 * layout; the daemon logs it and records it in the session's ledger events
 * ("party-video-undecodable"), and again when that ends ("party-video-decoded", its detail's
 * tile saying how: "shown", a picture decoded, or "stalled", no video arriving any more).
 * The party's encoded video is recorded as received all along. A tile that stalls (no video
 * arriving: the network) is shown in status ("tile") and not logged. Main context. */
#include "daemon/rd-daemon-log.h"
#include "daemon/rd-daemon-parties-private.h"

static void
on_tile_changed (RdRoom *room, const char *key, const char *state, gpointer data)
{
  RdParties *parties = data;
  gboolean failed = g_str_equal (state, "failed");
  GHashTableIter it;
  RdParty *p;

  g_hash_table_iter_init (&it, parties->table);
  while (g_hash_table_iter_next (&it, NULL, (gpointer *)&p))
    {
      if (g_strcmp0 (rd_peer_get_mix_key (p->peer), key) != 0 || p->video_failed == failed)
        continue;
      p->video_failed = failed;
      if (failed)
        rd_log_session (G_LOG_LEVEL_WARNING, p->session_id,
                        "party %s: its video arrives but cannot be decoded; it is out of the "
                        "conference picture (recorded as received)",
                        p->peer_id);
      else
        rd_log_session (G_LOG_LEVEL_MESSAGE, p->session_id, "party %s: %s", p->peer_id,
                        g_str_equal (state, "shown")
                            ? "its video is decoded again; back in the conference picture"
                            : "its undecodable video stopped arriving");
      rd_party_add_event (p, failed ? "party-video-undecodable" : "party-video-decoded",
                          rd_parties_detail ("tile", state, NULL));
    }
}

void
rd_parties_watch_tiles (RdParties *parties)
{
  g_signal_connect (parties->room, "tile-changed", G_CALLBACK (on_tile_changed), parties);
}
