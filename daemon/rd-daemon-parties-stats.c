/* rd-daemon-parties-stats.c: every connected party's media bytes, counted in the background
 * once a second (rd-daemon-parties-private.h), so that even the first status of a call shows
 * its bytes and bitrates; and the live parties as JSON for status and session show (see
 * rd_parties_to_json() in rd-daemon-parties.h): who, from where, the peer's state, its counted
 * bytes and bitrates, and webrtcbin's last statistics (RTT, losses), asked for when read. */
#include "daemon/rd-daemon-parties-private.h"

#include <math.h>

static void
add_int (JsonBuilder *b, const char *name, gint64 v)
{
  json_builder_set_member_name (b, name);
  json_builder_add_int_value (b, v);
}

static void
add_str (JsonBuilder *b, const char *name, const char *v)
{
  json_builder_set_member_name (b, name);
  if (v)
    json_builder_add_string_value (b, v);
  else
    json_builder_add_null_value (b);
}

/* Counts one party's media bytes and the bitrates since the tick before. Counters start again
 * when the party's streams are made again (renegotiation): no rate across that. */
static void
count_party (RdParty *p, gint64 now)
{
  guint64 in, out;
  double dt = p->counted_us ? (now - p->counted_us) / (double)G_USEC_PER_SEC : 0;

  if (!p->counted_us)
    {
      /* once, at the first tick: webrtcbin's figures (RTT) are there for the first reading */
      rd_peer_stats_clear (&p->sample);
      rd_peer_get_stats (p->peer, &p->sample);
    }
  rd_peer_get_media_bytes (p->peer, &in, &out);
  p->bitrate_in_kbps =
      dt > 0.5 && in >= p->bytes_in ? (gint64)((in - p->bytes_in) * 8 / dt / 1000) : -1;
  p->bitrate_out_kbps =
      dt > 0.5 && out >= p->bytes_out ? (gint64)((out - p->bytes_out) * 8 / dt / 1000) : -1;
  p->bytes_in = in;
  p->bytes_out = out;
  p->counted_us = now;
}

static gboolean
count_all (gpointer user_data)
{
  RdParties *parties = user_data;
  gint64 now = g_get_monotonic_time ();
  GHashTableIter it;
  RdParty *p;

  g_hash_table_iter_init (&it, parties->table);
  while (g_hash_table_iter_next (&it, NULL, (gpointer *)&p))
    if (p->peer && rd_peer_get_state (p->peer) == RD_PEER_STATE_CONNECTED)
      count_party (p, now);
  return G_SOURCE_CONTINUE;
}

void
rd_parties_start_sampling (RdParties *parties)
{
  g_return_if_fail (parties->stats_timer == 0);
  parties->stats_timer = g_timeout_add (RD_PARTIES_COUNT_MS, count_all, parties);
}

void
rd_parties_stop_sampling (RdParties *parties)
{
  g_clear_handle_id (&parties->stats_timer, g_source_remove);
}

/* One party: its bytes and bitrates as counted; webrtcbin's last statistics (never waits for
 * webrtcbin; reading them asks for fresh ones, for the next reading). */
static void
add_party (JsonBuilder *b, RdParty *p)
{
  const RdPeerStats *st = &p->sample;
  gint64 now = g_get_monotonic_time ();

  rd_peer_stats_clear (&p->sample);
  rd_peer_get_stats (p->peer, &p->sample);

  json_builder_begin_object (b);
  add_str (b, "peer_id", p->peer_id);
  add_str (b, "session_id", p->session_id);
  add_str (b, "role", p->role);
  add_str (b, "name", p->name);
  add_str (b, "remote_address", p->remote_address);
  add_str (b, "via", p->whep ? "whep" : "whip");
  add_str (b, "state", rd_peer_state_to_string (rd_peer_get_state (p->peer)));
  add_str (b, "fingerprint", rd_peer_get_remote_fingerprint (p->peer));
  /* what the party hears: the room's microphone and each other party's audio (0: it receives
   * no audio) */
  add_int (b, "mix_inputs",
           rd_room_get_mix_inputs (p->parties->room, rd_peer_get_mix_key (p->peer)));
  /* its picture in the conference: "shown", "stalled" or "none" */
  add_str (b, "tile", rd_room_get_tile_state (p->parties->room, rd_peer_get_mix_key (p->peer)));
  /* the room's mute switches on the party: out of every mix, a black tile */
  json_builder_set_member_name (b, "muted");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "mic");
  json_builder_add_boolean_value (
      b,
      rd_room_get_party_muted (p->parties->room, rd_peer_get_mix_key (p->peer), RD_ROOM_TRACK_MIC));
  json_builder_set_member_name (b, "camera");
  json_builder_add_boolean_value (b, rd_room_get_party_muted (p->parties->room,
                                                              rd_peer_get_mix_key (p->peer),
                                                              RD_ROOM_TRACK_CAMERA));
  json_builder_end_object (b);
  /* how loud the party is now, in dBFS (-127: silent, muted, or no audio) */
  json_builder_set_member_name (b, "level_dbfs");
  json_builder_add_double_value (
      b, round (rd_room_get_level (p->parties->room, rd_peer_get_mix_key (p->peer)) * 10) / 10);
  /* counted as they pass: the far end's RTP packets, the room's encoded frames */
  add_int (b, "bytes_received", (gint64)p->bytes_in);
  add_int (b, "bytes_sent", (gint64)p->bytes_out);
  add_int (b, "packets_received", st->packets_received);
  /* lost for good: webrtcbin's count, or the gaps counted in the room when it has none */
  add_int (b, "packets_lost", MAX (st->packets_lost, rd_peer_get_media_gaps (p->peer)));
  add_int (b, "packets_repaired", st->packets_repaired);
  /* what did not arrive the first time, on every stream (the RTP sessions' count, before any
   * retransmission): the one loss figure webrtcbin gives for the video as well */
  add_int (b, "packets_missing", st->packets_missing);
  /* what the party reported missing of what the room sent (its RTCP receiver reports, before
   * any retransmission): the way to the party, where the two above are the way back */
  add_int (b, "remote_packets_lost", st->remote_packets_lost);
  add_int (b, "bitrate_in_kbps", p->bitrate_in_kbps);
  add_int (b, "bitrate_out_kbps", p->bitrate_out_kbps);
  add_int (b, "rtt_ms", st->round_trip_time_s >= 0 ? (gint64)(st->round_trip_time_s * 1000) : -1);
  add_str (b, "candidate_pair", st->selected_pair_type);
  add_int (b, "stats_age_ms", st->updated_us ? (now - st->updated_us) / 1000 : -1);
  json_builder_end_object (b);
}

char *
rd_parties_label (const char *role, const char *name)
{
  if (g_strcmp0 (role, RD_LEDGER_ROLE_CITIZEN) == 0)
    return g_strdup ("Công dân");
  if (name && *name)
    return g_strdup_printf ("%s (%s)", name, role);
  return g_strdup (role);
}

JsonNode *
rd_parties_to_json (RdParties *parties, const char *session_id)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  GHashTableIter it;
  RdParty *p;

  json_builder_begin_array (b);
  g_hash_table_iter_init (&it, parties->table);
  while (g_hash_table_iter_next (&it, NULL, (gpointer *)&p))
    if (!session_id || g_str_equal (p->session_id, session_id))
      add_party (b, p);
  json_builder_end_array (b);
  return json_builder_get_root (b);
}
