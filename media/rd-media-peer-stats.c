/* rd-media-peer-stats.c: RdPeer's statistics from webrtcbin's get-stats. See rd-media-peer.h.
 *
 * Nothing here waits for webrtcbin. Every STATS_PERIOD_MS (and once at once) a timer on the
 * peer's main context asks webrtcbin for stats with a promise; webrtcbin replies on its own
 * thread, where the reply is summed up into an RdPeerStats, which is handed to the main
 * context (rd_peer_run_on_main: dropped if the peer is gone) and becomes the cached copy that
 * rd_peer_get_stats() returns. One request at a time: while one is unanswered (a stuck
 * webrtcbin), the timer asks nothing more, and the cache only grows older (updated_us says
 * how old). */
#include "media/rd-media-peer-private.h"

#include <string.h>

#define STATS_PERIOD_MS 1000

typedef struct
{
  RdPeerStats *stats;
  const GstStructure *all;
} Sum;

static gboolean
add_one (GQuark field, const GValue *value, gpointer user_data)
{
  Sum *sum = user_data;
  const GstStructure *s;
  GstWebRTCStatsType type;
  guint64 u = 0;
  gint64 i = 0;
  double d;

  if (!GST_VALUE_HOLDS_STRUCTURE (value))
    return TRUE;
  s = gst_value_get_structure (value);
  if (!gst_structure_get (s, "type", GST_TYPE_WEBRTC_STATS_TYPE, &type, NULL))
    return TRUE;
  switch (type)
    {
    case GST_WEBRTC_STATS_INBOUND_RTP:
      if (gst_structure_get_uint64 (s, "bytes-received", &u))
        sum->stats->bytes_received += u;
      if (gst_structure_get_uint64 (s, "packets-received", &u))
        sum->stats->packets_received += u;
      if (gst_structure_get_int64 (s, "packets-lost", &i) && i > 0)
        sum->stats->packets_lost += (guint64)i;
      break;
    case GST_WEBRTC_STATS_OUTBOUND_RTP:
      if (gst_structure_get_uint64 (s, "bytes-sent", &u))
        sum->stats->bytes_sent += u;
      break;
    case GST_WEBRTC_STATS_REMOTE_INBOUND_RTP:
      if (gst_structure_get_double (s, "round-trip-time", &d) && d >= 0)
        sum->stats->round_trip_time_s = MAX (sum->stats->round_trip_time_s, d);
      break;
    case GST_WEBRTC_STATS_CANDIDATE_PAIR:
      {
        const char *local_id = gst_structure_get_string (s, "local-candidate-id");
        const GstStructure *local = NULL;
        const char *kind;

        if (local_id && gst_structure_get (sum->all, local_id, GST_TYPE_STRUCTURE, &local, NULL))
          {
            kind = gst_structure_get_string (local, "candidate-type");
            if (kind && !sum->stats->selected_pair_type)
              sum->stats->selected_pair_type = g_strdup (kind);
            gst_structure_free ((GstStructure *)local);
          }
      }
      break;
    default:
      break;
    }
  return TRUE;
}

static void
stats_reset (RdPeerStats *stats)
{
  memset (stats, 0, sizeof *stats);
  stats->round_trip_time_s = -1;
}

/* Main context: the reply (or NULL when webrtcbin gave none) becomes the cache. */
static void
stats_on_main (RdPeer *peer, gpointer data)
{
  RdPeerStats *fresh = data;

  peer->stats_pending = FALSE;
  if (!fresh)
    return;
  rd_peer_stats_clear (&peer->stats);
  peer->stats = *fresh;
  fresh->selected_pair_type = NULL; /* moved */
}

static void
stats_free (gpointer data)
{
  RdPeerStats *stats = data;

  if (stats)
    rd_peer_stats_clear (stats);
  g_free (stats);
}

/* webrtcbin's thread (or whichever ends the promise). */
static void
stats_replied (GstPromise *promise, gpointer user_data)
{
  Handle *h = user_data;
  RdPeerStats *fresh = NULL;
  const GstStructure *reply = NULL;

  if (gst_promise_wait (promise) == GST_PROMISE_RESULT_REPLIED)
    reply = gst_promise_get_reply (promise);
  if (reply)
    {
      Sum sum = { g_new0 (RdPeerStats, 1), reply };
      stats_reset (sum.stats);
      gst_structure_foreach (reply, add_one, &sum);
      sum.stats->updated_us = g_get_monotonic_time ();
      fresh = sum.stats;
    }
  /* Even without a reply: the main context must learn that the request is over. */
  rd_peer_run_on_main (h, stats_on_main, fresh, stats_free);
}

static gboolean
stats_tick (gpointer data)
{
  RdPeer *peer = data;
  GstPromise *promise;

  if (peer->closed || !peer->webrtc)
    return G_SOURCE_CONTINUE;
  if (peer->stats_pending)
    {
      GST_DEBUG ("peer %s: webrtcbin has not answered get-stats for %" G_GINT64_FORMAT " ms",
                 peer->id, (g_get_monotonic_time () - peer->stats_asked_us) / 1000);
      return G_SOURCE_CONTINUE;
    }
  peer->stats_pending = TRUE;
  peer->stats_asked_us = g_get_monotonic_time ();
  promise = gst_promise_new_with_change_func (stats_replied, rd_peer_handle_ref (peer->handle),
                                              rd_peer_handle_unref);
  g_signal_emit_by_name (peer->webrtc, "get-stats", NULL, promise);
  gst_promise_unref (promise);
  return G_SOURCE_CONTINUE;
}

void
rd_peer_stats_start (RdPeer *peer)
{
  GSource *source;

  stats_reset (&peer->stats);
  source = g_timeout_source_new (STATS_PERIOD_MS);
  g_source_set_callback (source, stats_tick, peer, NULL);
  g_source_set_name (source, "[receptiond] peer stats");
  peer->stats_source = source;
  g_source_attach (source, peer->context);
  stats_tick (peer);
}

void
rd_peer_stats_stop (RdPeer *peer)
{
  if (peer->stats_source)
    {
      g_source_destroy (peer->stats_source);
      g_clear_pointer (&peer->stats_source, g_source_unref);
    }
}

void
rd_peer_get_stats (RdPeer *peer, RdPeerStats *stats)
{
  g_return_if_fail (RD_IS_PEER (peer) && stats);
  *stats = peer->stats;
  stats->selected_pair_type = g_strdup (peer->stats.selected_pair_type);
}
