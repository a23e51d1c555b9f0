/* rd-daemon-parties-stats.c: every connected party's stats, sampled in the background (twice
 * a second apart once it is connected, then every two seconds while someone reads them:
 * rd-daemon-parties-private.h), so that even the first status of a call shows its bytes, rates
 * and RTT; and the live parties as JSON for status and session show (see rd_parties_to_json()
 * in rd-daemon-parties.h): who, from where, the peer's state and its last sample, with bitrates
 * over the time between two samples. Showing the parties reads the samples and asks nothing. */
#include "daemon/rd-daemon-parties-private.h"

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

/* Samples one party's stats: the copy webrtcbin last gave (asking for the next one), and the
 * bitrates over the time since the previous reply, when that is over half a second. Counters
 * start again after an ICE restart (a new transport): no rate across that. FALSE when there was
 * no new reply to take. */
static gboolean
sample_party (RdParty *p)
{
  RdPeerStats st = { 0 };
  double dt;

  rd_peer_get_stats (p->peer, &st);
  if (!st.updated_us || st.updated_us <= p->sample.updated_us)
    {
      rd_peer_stats_clear (&st);
      return FALSE;
    }
  dt = p->sample.updated_us ? (st.updated_us - p->sample.updated_us) / (double)G_USEC_PER_SEC : 0;
  if (dt > 0 && dt <= 0.5)
    {
      /* Too close to the last sample for a rate: keep that one as the base. */
      rd_peer_stats_clear (&st);
      return FALSE;
    }
  p->bitrate_in_kbps =
      dt > 0 && st.bytes_received >= p->sample.bytes_received
          ? (gint64)((st.bytes_received - p->sample.bytes_received) * 8 / dt / 1000)
          : -1;
  p->bitrate_out_kbps = dt > 0 && st.bytes_sent >= p->sample.bytes_sent
                            ? (gint64)((st.bytes_sent - p->sample.bytes_sent) * 8 / dt / 1000)
                            : -1;
  rd_peer_stats_clear (&p->sample);
  p->sample = st;
  return TRUE;
}

static gboolean
sample_all (gpointer user_data)
{
  RdParties *parties = user_data;
  GHashTableIter it;
  RdParty *p;

  /* Connected peers only: before that there is nothing to count. */
  g_hash_table_iter_init (&it, parties->table);
  while (g_hash_table_iter_next (&it, NULL, (gpointer *)&p))
    if (p->peer && rd_peer_get_state (p->peer) == RD_PEER_STATE_CONNECTED &&
        g_get_monotonic_time () >= p->next_sample_us &&
        (p->samples < RD_PARTIES_STATS_QUICK ||
         g_get_monotonic_time () < parties->watched_until_us))
      {
        if (sample_party (p))
          p->samples++;
        /* a little early: the timer ticks once a second */
        p->next_sample_us = g_get_monotonic_time () - 100 * 1000 +
                            (p->samples < RD_PARTIES_STATS_QUICK ? RD_PARTIES_STATS_INTERVAL_MS
                                                                 : RD_PARTIES_STATS_SLOW_MS) *
                                (gint64)1000;
      }
  return G_SOURCE_CONTINUE;
}

void
rd_parties_start_sampling (RdParties *parties)
{
  g_return_if_fail (parties->stats_timer == 0);
  parties->stats_timer = g_timeout_add (RD_PARTIES_STATS_INTERVAL_MS, sample_all, parties);
}

void
rd_parties_stop_sampling (RdParties *parties)
{
  g_clear_handle_id (&parties->stats_timer, g_source_remove);
}

/* One party, with its last sampled stats (never waits for webrtcbin, never asks it). */
static void
add_party (JsonBuilder *b, RdParty *p)
{
  const RdPeerStats *st = &p->sample;
  gint64 now = g_get_monotonic_time ();

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
  add_int (b, "bytes_received", st->bytes_received);
  add_int (b, "bytes_sent", st->bytes_sent);
  add_int (b, "packets_received", st->packets_received);
  add_int (b, "packets_lost", st->packets_lost);
  add_int (b, "packets_repaired", st->packets_repaired);
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

  parties->watched_until_us = g_get_monotonic_time () + RD_PARTIES_STATS_WATCH_S * G_USEC_PER_SEC;
  json_builder_begin_array (b);
  g_hash_table_iter_init (&it, parties->table);
  while (g_hash_table_iter_next (&it, NULL, (gpointer *)&p))
    if (!session_id || g_str_equal (p->session_id, session_id))
      add_party (b, p);
  json_builder_end_array (b);
  return json_builder_get_root (b);
}
