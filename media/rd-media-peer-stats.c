/* rd-media-peer-stats.c: a peer's statistics from webrtcbin's get-stats (RdPeerStatsCache). See
 * rd-media-peer.h.
 *
 * Nothing here waits for webrtcbin. rd_peer_get_stats() returns the cached copy at once and
 * asks webrtcbin for fresh stats with a promise; webrtcbin replies on its own thread, which
 * hands the promise to the main context (rd_peer_run_on_main: dropped if the peer is gone),
 * where the reply is summed up into the cache for the next reader. One request at a time:
 * while one is unanswered (a stuck webrtcbin) nothing more is asked, and the cache only grows
 * older (updated_us says how old).
 *
 * Asked only when the daemon's figures are read (status, session show, the console's feed), and
 * at most every 2 s; the bytes and bitrates shown come from the gates' counters instead
 * (rd_peer_get_media_bytes), which cost nothing. webrtcbin 1.22
 * answering get-stats for a connected peer leaves the process's heap bigger after the peer is
 * gone (no leak under LeakSanitizer, cause unknown): test-whip-e2e's 50 short calls measured
 * +14 and +55 kB per call when status was asked only until the party was connected, +76 to
 * +223 kB per call with connected parties sampled; during one browser call read once a second
 * the heap grew about 25 kB a second, against 5 with status every 10 s. */
#include "media/rd-media-peer-private.h"

#include <string.h>

#define STATS_EVERY_US (2 * G_USEC_PER_SEC)

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
      if (gst_structure_get_uint64 (s, "packets-repaired", &u))
        sum->stats->packets_repaired += u;
      {
        /* webrtcbin 1.22 gives packets-lost (and -repaired) only for the stream whose jitter
         * buffer it has mapped to the SSRC, often the audio alone: the RTP session's own count
         * (expected less received, RFC 3550 A.3; a retransmission comes on its own SSRC, so
         * before any repair) is there for every stream */
        const GValue *v = gst_structure_get_value (s, "gst-rtpsource-stats");
        gint lost;

        if (v && GST_VALUE_HOLDS_STRUCTURE (v) &&
            gst_structure_get_int (gst_value_get_structure (v), "packets-lost", &lost) && lost > 0)
          sum->stats->packets_missing += (guint64)lost;
      }
      break;
    case GST_WEBRTC_STATS_OUTBOUND_RTP:
      if (gst_structure_get_uint64 (s, "bytes-sent", &u))
        sum->stats->bytes_sent += u;
      if (gst_structure_get_uint64 (s, "packets-sent", &u))
        sum->stats->packets_sent += u;
      break;
    case GST_WEBRTC_STATS_REMOTE_INBOUND_RTP:
      if (gst_structure_get_double (s, "round-trip-time", &d) && d >= 0)
        sum->stats->round_trip_time_s = MAX (sum->stats->round_trip_time_s, d);
      if (gst_structure_get_int64 (s, "packets-lost", &i) && i > 0)
        sum->stats->remote_packets_lost += (guint64)i;
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

/* Main context: webrtcbin's reply, if any, becomes the cache. Summed here, not on webrtcbin's
 * thread: the reply is freed where it is read, as for any other promise of the peer. */
static void
stats_on_main (RdPeer *peer, gpointer data)
{
  GstPromise *promise = data;
  const GstStructure *reply = NULL;

  g_clear_pointer (&peer->stats.pending, gst_promise_unref);
  if (gst_promise_wait (promise) == GST_PROMISE_RESULT_REPLIED)
    reply = gst_promise_get_reply (promise);
  if (!reply)
    return;
  {
    Sum sum = { &peer->stats.last, reply };
    rd_peer_stats_clear (&peer->stats.last);
    stats_reset (&peer->stats.last);
    gst_structure_foreach (reply, add_one, &sum);
    peer->stats.last.updated_us = g_get_monotonic_time ();
  }
}

/* webrtcbin's thread (or whichever ends the promise): hand it to the main context, which must
 * learn even of a promise that ended without a reply. */
static void
stats_replied (GstPromise *promise, gpointer user_data)
{
  rd_peer_run_on_main (user_data, stats_on_main, gst_promise_ref (promise),
                       (GDestroyNotify)gst_promise_unref);
}

/* Asks webrtcbin for stats unless a request is unanswered. Main context. */
static void
request_stats (RdPeer *peer)
{
  GstPromise *promise;

  if (peer->closed || !peer->webrtc)
    return;
  /* at most every STATS_EVERY_US: each answer costs heap (above) */
  if (peer->stats.asked_us && g_get_monotonic_time () - peer->stats.asked_us < STATS_EVERY_US)
    return;
  if (peer->stats.pending)
    {
      GST_DEBUG ("peer %s: webrtcbin has not answered get-stats for %" G_GINT64_FORMAT " ms",
                 peer->id, (g_get_monotonic_time () - peer->stats.asked_us) / 1000);
      return;
    }
  peer->stats.asked_us = g_get_monotonic_time ();
  promise = gst_promise_new_with_change_func (stats_replied, rd_peer_handle_ref (peer->handle),
                                              rd_peer_handle_unref);
  peer->stats.pending = promise; /* our reference */
  g_signal_emit_by_name (peer->webrtc, "get-stats", NULL, promise);
}

void
rd_peer_stats_stop (RdPeer *peer)
{
  GstPromise *pending = g_steal_pointer (&peer->stats.pending);

  if (!pending)
    return;
  /* ends it unless webrtcbin has replied; a reply after this is dropped by GstPromise */
  gst_promise_interrupt (pending);
  gst_promise_unref (pending);
}

void
rd_peer_stats_cache_init (RdPeerStatsCache *cache)
{
  stats_reset (&cache->last);
}

void
rd_peer_stats_cache_clear (RdPeerStatsCache *cache)
{
  g_clear_pointer (&cache->pending, gst_promise_unref);
  rd_peer_stats_clear (&cache->last);
}

void
rd_peer_get_media_bytes (RdPeer *peer, guint64 *received, guint64 *sent)
{
  g_return_if_fail (RD_IS_PEER (peer) && received && sent);
  *received = *sent = 0;
  g_mutex_lock (&peer->lock);
  for (guint i = 0; peer->recv.streams && i < peer->recv.streams->len; i++)
    {
      RdPeerRecvStream *r = peer->recv.streams->pdata[i];
      if (r->gate)
        *received += __atomic_load_n (&r->gate->bytes, __ATOMIC_RELAXED);
    }
  for (guint i = 0; peer->send && i < peer->send->len; i++)
    {
      RdPeerSendStream *s = peer->send->pdata[i];
      if (s->gate)
        *sent += __atomic_load_n (&s->gate->bytes, __ATOMIC_RELAXED);
    }
  g_mutex_unlock (&peer->lock);
}

guint64
rd_peer_get_media_gaps (RdPeer *peer)
{
  guint64 gaps = 0;

  g_return_val_if_fail (RD_IS_PEER (peer), 0);
  g_mutex_lock (&peer->lock);
  for (guint i = 0; peer->recv.streams && i < peer->recv.streams->len; i++)
    {
      RdPeerRecvStream *r = peer->recv.streams->pdata[i];
      if (r->gate)
        gaps += __atomic_load_n (&r->gate->gaps, __ATOMIC_RELAXED);
    }
  g_mutex_unlock (&peer->lock);
  return gaps;
}

void
rd_peer_get_stats (RdPeer *peer, RdPeerStats *stats)
{
  g_return_if_fail (RD_IS_PEER (peer) && stats);
  *stats = peer->stats.last;
  stats->selected_pair_type = g_strdup (peer->stats.last.selected_pair_type);
  request_stats (peer);
}
