/* rd-daemon-links-reconnect.c: a link's state machine, staying connected (see rd-daemon-links.h):
 * rd_daemon_link_reconnect_events receives what each attempt reports (answered, connected,
 * dropped, failed) and starts the next attempt itself.
 *
 * Connected -> dropped (ICE disconnected/failed, the peer closed, or not connected in time):
 * an ICE restart first (new local credentials, PATCH If-Match "*", the far end's fragment back
 * to the peer); refused, or not connected within ICE_RESTART_TIMEOUT_S: re-POSTs, each with a
 * new peer and client (the far end's ICE servers from the start), after 1, 2, 4, 4... s (a link
 * back after a cut is found within 4 s), until [links] reconnect-seconds from the drop; then the
 * link has failed and the session goes on without it. Every step is a ledger event. */
#include "daemon/rd-daemon-links-private.h"

#include "daemon/rd-daemon-log.h"

/* After the answer, ICE and DTLS have this long to come up. */
#define CONNECT_TIMEOUT_S 10
/* After an ICE restart was sent, this long to be connected again before re-POSTing. */
#define ICE_RESTART_TIMEOUT_S 5
#define BACKOFF_MAX_S         4

static void link_dropped (RdDaemonLink *l, const char *reason);
static void link_attempt_failed (RdDaemonLink *l, const char *message);

static gint64
down_us (RdDaemonLink *l)
{
  return g_get_monotonic_time () - l->dropped_at_us;
}

static gint64
remaining_s (RdDaemonLink *l)
{
  return (gint64)rd_config_get_reconnect_seconds (l->links->config) - down_us (l) / G_USEC_PER_SEC;
}

/* Seconds on the session's recording timeline, or -1 when it is not being recorded. */
static double
recording_now_s (RdLinks *d, const char *session_id)
{
  return rd_session_recording_get_elapsed_s (d->recording, session_id);
}

/* Notes when media last arrived (the stats are those of the previous request: ~1 s late). */
static gboolean
on_media_tick (gpointer data)
{
  RdDaemonLink *l = data;
  RdPeerStats st = { 0 };

  if (!l->peer)
    return G_SOURCE_CONTINUE;
  rd_peer_get_stats (l->peer, &st);
  if (st.bytes_received > l->last_bytes)
    {
      l->last_bytes = st.bytes_received;
      l->last_media_us = g_get_monotonic_time ();
      l->last_media_rec_s = recording_now_s (l->links, l->session_id);
    }
  rd_peer_stats_clear (&st);
  return G_SOURCE_CONTINUE;
}

char *
rd_daemon_link_state_text (RdDaemonLink *l)
{
  switch (l->state)
    {
    case RD_LINK_CONNECTING:
      return g_strdup ("connecting");
    case RD_LINK_CONNECTED:
      return g_strdup ("connected");
    case RD_LINK_RECONNECTING:
      return g_strdup_printf ("reconnecting %" G_GINT64_FORMAT "/%u s, %s",
                              down_us (l) / G_USEC_PER_SEC,
                              rd_config_get_reconnect_seconds (l->links->config),
                              l->attempt ? "re-POST" : "ICE restart");
    case RD_LINK_FAILED:
      return g_strdup_printf ("failed: %s", l->last_error ? l->last_error : "unknown");
    case RD_LINK_LEAVING:
      return g_strdup ("leaving");
    }
  g_assert_not_reached ();
}

static void
link_fail (RdDaemonLink *l, const char *why_in)
{
  g_autofree char *why = g_strdup (why_in); /* may be l->last_error, replaced below */
  JsonObject *detail = json_object_new ();

  rd_daemon_link_stop_timers (l);
  rd_daemon_link_drop_attempt (l, "failed", TRUE);
  g_free (l->last_error);
  l->last_error = g_strdup (why);
  l->state = RD_LINK_FAILED;
  json_object_set_string_member (detail, "reason", why);
  json_object_set_string_member (detail, "dropped_at", l->dropped_at);
  json_object_set_string_member (detail, "drop_reason", l->drop_reason);
  json_object_set_int_member (detail, "down_s", down_us (l) / G_USEC_PER_SEC);
  json_object_set_int_member (detail, "reposts", l->attempt);
  rd_daemon_link_event (l, "link-failed", detail);
  rd_log_session (G_LOG_LEVEL_WARNING, l->session_id,
                  "link %s (%s %s) failed: not back after %" G_GINT64_FORMAT
                  " s and %u re-POSTs (last: %s); the session goes on without it",
                  l->id, rd_daemon_link_kind_name (l), l->shown_url, down_us (l) / G_USEC_PER_SEC,
                  l->attempt, why);
  rd_links_changed (l->links);
}

static gboolean
on_repost_timer (gpointer data)
{
  RdDaemonLink *l = data;

  l->repost_timer_id = 0;
  l->attempt++;
  rd_log_session (G_LOG_LEVEL_MESSAGE, l->session_id, "link %s (%s): re-POST %u", l->id,
                  l->shown_url, l->attempt);
  rd_daemon_link_attempt (l, (guint)MAX (remaining_s (l), 1), &rd_daemon_link_reconnect_events);
  rd_links_changed (l->links);
  return G_SOURCE_REMOVE;
}

/* The current attempt is over (@why): the next re-POST after the backoff, or failed. */
static void
schedule_repost (RdDaemonLink *l, const char *why_in)
{
  g_autofree char *why = g_strdup (why_in); /* may be l->last_error, replaced below */
  gint64 left = remaining_s (l);
  guint delay;

  g_free (l->last_error);
  l->last_error = g_strdup (why);
  g_clear_handle_id (&l->connect_timer_id, g_source_remove);
  g_clear_handle_id (&l->restart_timer_id, g_source_remove);
  g_clear_handle_id (&l->repost_timer_id, g_source_remove);
  if (left <= 0)
    {
      link_fail (l, why);
      return;
    }
  /* the old resource is deleted in the background: the far end need not time it out */
  rd_daemon_link_drop_attempt (l, "re-POST", TRUE);
  delay = MIN (1u << MIN (l->attempt, 3u), BACKOFF_MAX_S);
  delay = (guint)MIN ((gint64)delay, left);
  rd_log_session (G_LOG_LEVEL_INFO, l->session_id, "link %s: %s; re-POST in %u s", l->id, why,
                  delay);
  l->repost_timer_id = g_timeout_add_seconds (delay, on_repost_timer, l);
}

static gboolean
on_deadline (gpointer data)
{
  RdDaemonLink *l = data;

  l->deadline_timer_id = 0;
  if (l->state == RD_LINK_RECONNECTING)
    link_fail (l, l->last_error ? l->last_error : "not reconnected in time");
  return G_SOURCE_REMOVE;
}

static gboolean
on_connect_timeout (gpointer data)
{
  RdDaemonLink *l = data;
  g_autofree char *why =
      g_strdup_printf ("not connected within %d s of the answer", CONNECT_TIMEOUT_S);

  l->connect_timer_id = 0;
  if (l->state == RD_LINK_CONNECTING)
    link_dropped (l, why);
  else if (l->state == RD_LINK_RECONNECTING)
    link_attempt_failed (l, why);
  return G_SOURCE_REMOVE;
}

/* The answer is set: ICE has CONNECT_TIMEOUT_S to connect before the attempt counts as
 * failed; the join waiting for the link (if any) has its answer. */
static void
link_answered (RdDaemonLink *l)
{
  g_clear_handle_id (&l->connect_timer_id, g_source_remove);
  if (!l->peer || rd_peer_get_state (l->peer) != RD_PEER_STATE_CONNECTED)
    l->connect_timer_id = g_timeout_add_seconds (CONNECT_TIMEOUT_S, on_connect_timeout, l);
  rd_daemon_link_join_report (l, NULL);
}

static void
ice_restart_event (RdDaemonLink *l, const char *result, const char *message)
{
  JsonObject *detail = json_object_new ();

  json_object_set_string_member (detail, "result", result);
  if (message)
    json_object_set_string_member (detail, "reason", message);
  rd_daemon_link_event (l, "link-ice-restart", detail);
}

static gboolean
on_restart_timeout (gpointer data)
{
  RdDaemonLink *l = data;
  g_autofree char *why =
      g_strdup_printf ("not connected within %d s of the ICE restart", ICE_RESTART_TIMEOUT_S);

  l->restart_timer_id = 0;
  if (l->state != RD_LINK_RECONNECTING)
    return G_SOURCE_REMOVE;
  ice_restart_event (l, "timed-out", why);
  schedule_repost (l, why);
  return G_SOURCE_REMOVE;
}

static void
on_ice_restarted (GObject *source, GAsyncResult *res, gpointer data)
{
  RdDaemonLink *l = rd_daemon_link_ref_take (data);
  g_autoptr (GError) error = NULL;
  g_autofree char *frag =
      rd_signal_client_restart_ice_finish (RD_SIGNAL_CLIENT (source), res, &error);

  if (!l || l->client != RD_SIGNAL_CLIENT (source) || l->state != RD_LINK_RECONNECTING ||
      !l->restart_timer_id)
    return;
  if (frag && !rd_peer_restart_ice_remote (l->peer, frag, &error))
    g_clear_pointer (&frag, g_free);
  if (!frag)
    {
      g_autofree char *why = g_strdup_printf ("ICE restart refused: %s", error->message);
      ice_restart_event (l, "refused", error->message);
      schedule_repost (l, why);
      return;
    }
  ice_restart_event (l, "accepted", NULL);
  /* connected again -> rd_daemon_link_connected(); else on_restart_timeout() re-POSTs */
}

static void
ice_restart (RdDaemonLink *l)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *frag = rd_peer_restart_ice_local (l->peer, &error);

  if (!frag)
    {
      g_autofree char *why = g_strdup_printf ("ICE restart impossible: %s", error->message);
      ice_restart_event (l, "failed", error->message);
      schedule_repost (l, why);
      return;
    }
  l->ice_restarted = TRUE;
  l->restart_timer_id = g_timeout_add_seconds (ICE_RESTART_TIMEOUT_S, on_restart_timeout, l);
  rd_signal_client_restart_ice_async (l->client, frag, l->cancel, on_ice_restarted,
                                      rd_daemon_link_ref (l));
}

static void
link_dropped (RdDaemonLink *l, const char *reason_in)
{
  g_autofree char *reason = g_strdup (reason_in); /* may be l->last_error, replaced below */
  JsonObject *detail;
  gboolean was_connected = l->state == RD_LINK_CONNECTED;

  if (l->state == RD_LINK_RECONNECTING)
    {
      link_attempt_failed (l, reason);
      return;
    }
  if (l->state != RD_LINK_CONNECTED && l->state != RD_LINK_CONNECTING)
    return;
  if (l->join) /* the join is still waiting: it is told, not kept waiting through reconnects */
    {
      rd_daemon_link_join_refused (l, reason);
      return;
    }
  l->state = RD_LINK_RECONNECTING;
  l->dropped_at_us = g_get_monotonic_time ();
  g_free (l->dropped_at);
  {
    g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
    l->dropped_at = g_date_time_format_iso8601 (now);
  }
  l->dropped_at_rec_s = recording_now_s (l->links, l->session_id);
  g_clear_handle_id (&l->media_tick_id, g_source_remove);
  /* media stopped before the drop was noticed: the gap starts at the last media seen */
  if (l->last_media_us && l->last_media_rec_s >= 0 && l->dropped_at_rec_s >= 0)
    l->dropped_at_rec_s = l->last_media_rec_s;
  l->attempt = 0;
  l->ice_restarted = FALSE;
  g_free (l->drop_reason);
  l->drop_reason = g_strdup (reason);
  g_free (l->last_error);
  l->last_error = g_strdup (reason);
  detail = json_object_new ();
  json_object_set_string_member (detail, "reason", reason);
  json_object_set_boolean_member (detail, "was_connected", was_connected);
  if (l->last_media_us)
    json_object_set_double_member (detail, "last_media_s_ago",
                                   (g_get_monotonic_time () - l->last_media_us) /
                                       (double)G_USEC_PER_SEC);
  if (l->dropped_at_rec_s >= 0)
    json_object_set_double_member (detail, "recording_s", l->dropped_at_rec_s);
  rd_daemon_link_event (l, "link-dropped", detail);
  rd_log_session (G_LOG_LEVEL_MESSAGE, l->session_id,
                  "link %s (%s %s) dropped: %s; reconnecting for up to %u s", l->id,
                  rd_daemon_link_kind_name (l), l->shown_url, reason,
                  rd_config_get_reconnect_seconds (l->links->config));
  g_clear_handle_id (&l->connect_timer_id, g_source_remove);
  g_clear_handle_id (&l->deadline_timer_id, g_source_remove);
  /* to the millisecond (g_timeout_add_seconds() may fire a second late): reconnect-seconds is
   * what the ledger and the technician are told the room waits */
  l->deadline_timer_id =
      g_timeout_add (rd_config_get_reconnect_seconds (l->links->config) * 1000u, on_deadline, l);
  /* an ICE restart needs an offerer peer with a resource (not the WHEP 406 answerer) */
  if (l->peer && !l->peer_answers && l->client && rd_signal_client_get_resource_url (l->client))
    ice_restart (l);
  else
    schedule_repost (l, reason);
  rd_links_changed (l->links);
}

static void
link_attempt_failed (RdDaemonLink *l, const char *message)
{
  if (l->join)
    {
      rd_daemon_link_join_refused (l, message);
      return;
    }
  if (l->state == RD_LINK_CONNECTING || l->state == RD_LINK_CONNECTED)
    {
      link_dropped (l, message);
      return;
    }
  if (l->state != RD_LINK_RECONNECTING)
    return;
  if (l->attempt > 0)
    {
      JsonObject *detail = json_object_new ();
      json_object_set_int_member (detail, "attempt", l->attempt);
      json_object_set_string_member (detail, "result", "failed");
      json_object_set_string_member (detail, "reason", message);
      rd_daemon_link_event (l, "link-reposted", detail);
    }
  schedule_repost (l, message);
}

static void
link_connected (RdDaemonLink *l)
{
  RdLinks *d = l->links;
  JsonObject *detail = json_object_new ();

  if (l->state != RD_LINK_CONNECTING && l->state != RD_LINK_RECONNECTING)
    {
      json_object_unref (detail);
      return;
    }
  rd_daemon_link_stop_timers (l);
  if (l->state == RD_LINK_CONNECTING)
    {
      l->ever_connected = TRUE;
      rd_daemon_link_event (l, "link-connected", detail);
      rd_log_session (G_LOG_LEVEL_MESSAGE, l->session_id, "link %s (%s %s) connected", l->id,
                      rd_daemon_link_kind_name (l), l->shown_url);
    }
  else
    {
      double now_s = recording_now_s (d, l->session_id);
      const char *via = l->attempt ? "re-POST" : l->ice_restarted ? "ICE restart" : "ICE";

      json_object_set_string_member (detail, "via", via);
      json_object_set_string_member (detail, "dropped_at", l->dropped_at);
      json_object_set_string_member (detail, "drop_reason", l->drop_reason);
      json_object_set_double_member (detail, "down_s", down_us (l) / (double)G_USEC_PER_SEC);
      json_object_set_int_member (detail, "reposts", l->attempt);
      rd_daemon_link_event (l, "link-recovered", detail);
      rd_log_session (G_LOG_LEVEL_MESSAGE, l->session_id, "link %s (%s %s) back after %.1f s (%s)",
                      l->id, rd_daemon_link_kind_name (l), l->shown_url,
                      down_us (l) / (double)G_USEC_PER_SEC, via);
      /* what the far end played is missing from the recording for the time it was down */
      if (l->kind == RD_SIGNAL_CLIENT_WHEP && l->dropped_at_rec_s >= 0 && now_s >= 0)
        {
          JsonObject *gap = json_object_new ();
          json_object_set_string_member (gap, "reason", "the conference link was down");
          json_object_set_double_member (gap, "from_s", l->dropped_at_rec_s);
          json_object_set_double_member (gap, "to_s", now_s);
          json_object_set_string_member (gap, "tracks",
                                         l->attempt ? "new tracks from here" : "the same tracks");
          rd_daemon_link_event (l, "recording-gap", gap);
        }
    }
  l->state = RD_LINK_CONNECTED;
  l->attempt = 0;
  l->last_bytes = 0;
  l->last_media_us = 0;
  l->last_media_rec_s = -1;
  l->media_tick_id = g_timeout_add_seconds (1, on_media_tick, l);
  rd_links_changed (l->links);
}

const RdLinkAttemptEvents rd_daemon_link_reconnect_events = {
  .answered = link_answered,
  .connected = link_connected,
  .dropped = link_dropped,
  .failed = link_attempt_failed,
};
