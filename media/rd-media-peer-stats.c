/* rd-media-peer-stats.c: rd_peer_get_stats() from webrtcbin's get-stats. See rd-media-peer.h.
 *
 * webrtcbin answers get-stats on its own thread, so the main context may wait for it; the wait
 * is bounded and a late reply only touches the refcounted Wait. */
#include "media/rd-media-peer-private.h"

#include <string.h>

#define STATS_TIMEOUT_MS 1000

typedef struct
{
  gatomicrefcount rc;
  GMutex lock;
  GCond cond;
  gboolean done;
} Wait;

static void
wait_unref (gpointer data)
{
  Wait *w = data;

  if (g_atomic_ref_count_dec (&w->rc))
    {
      g_mutex_clear (&w->lock);
      g_cond_clear (&w->cond);
      g_free (w);
    }
}

static void
stats_replied (GstPromise *promise, gpointer user_data)
{
  Wait *w = user_data;

  g_mutex_lock (&w->lock);
  w->done = TRUE;
  g_cond_broadcast (&w->cond);
  g_mutex_unlock (&w->lock);
}

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

void
rd_peer_stats_from_webrtc (GstElement *webrtc, RdPeerStats *stats, guint timeout_ms)
{
  Wait *w = g_new0 (Wait, 1);
  g_autoptr (GstPromise) promise = NULL;
  gint64 deadline = g_get_monotonic_time () + timeout_ms * G_TIME_SPAN_MILLISECOND;
  gboolean done;

  memset (stats, 0, sizeof *stats);
  stats->round_trip_time_s = -1;
  g_atomic_ref_count_init (&w->rc);
  g_mutex_init (&w->lock);
  g_cond_init (&w->cond);
  g_atomic_ref_count_inc (&w->rc);
  promise = gst_promise_new_with_change_func (stats_replied, w, wait_unref);
  g_signal_emit_by_name (webrtc, "get-stats", NULL, promise);
  g_mutex_lock (&w->lock);
  while (!w->done && g_cond_wait_until (&w->cond, &w->lock, deadline))
    ;
  done = w->done;
  g_mutex_unlock (&w->lock);
  wait_unref (w);
  if (!done)
    {
      gst_promise_interrupt (promise);
      return;
    }
  if (gst_promise_wait (promise) == GST_PROMISE_RESULT_REPLIED && gst_promise_get_reply (promise))
    {
      Sum sum = { stats, gst_promise_get_reply (promise) };
      gst_structure_foreach (sum.all, add_one, &sum);
    }
}

void
rd_peer_get_stats (RdPeer *peer, RdPeerStats *stats)
{
  g_return_if_fail (RD_IS_PEER (peer) && stats);
  if (!peer->webrtc)
    {
      memset (stats, 0, sizeof *stats);
      stats->round_trip_time_s = -1;
      return;
    }
  rd_peer_stats_from_webrtc (peer->webrtc, stats, STATS_TIMEOUT_MS);
}
