/* test-media-peer.c: RdPeer (media/rd-media-peer.h) against a webrtcbin test peer
 * (rd-test-peer.h), in a network namespace of the test's own with only 127.0.0.1. */
#include "media/rd-media-peer.h"
#include "media/rd-media-error.h"
#include "tests/rd-test-netns.h"
#include "tests/rd-test-peer.h"

#include <gst/gst.h>
#include <string.h>
#include "tests/rd-test-wait.h"

static const char config_text[] = "[media]\ncamera=test\nmicrophone=test\ndisplay=none\n"
                                  "speakers=none\n[network]\nice-addresses=127.0.0.1\n";
/* The same room sending H.264 (g_test_add's data for setup). */
static const char config_h264[] = "[media]\ncamera=test\nmicrophone=test\ndisplay=none\n"
                                  "speakers=none\nvideo-codec=h264\n"
                                  "[network]\nice-addresses=127.0.0.1\n";

typedef struct
{
  RdConfig *config;
  RdRoom *room;
} Fixture;

typedef struct
{
  gboolean done, verified, violation, closed;
  char *answer, *closed_reason, *violation_message;
  GError *error;
} Events;

static void
events_clear (Events *ev)
{
  g_free (ev->answer);
  g_free (ev->closed_reason);
  g_free (ev->violation_message);
  g_clear_error (&ev->error);
}

static void
setup (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->config = rd_config_load_data (data ? data : config_text, "test.conf", &error);
  g_assert_no_error (error);
  f->room = rd_room_new (f->config, &error);
  g_assert_no_error (error);
  g_assert_true (rd_room_start (f->room, &error));
  g_assert_no_error (error);
}

static void
teardown (Fixture *f, gconstpointer data)
{
  rd_room_stop (f->room);
  g_clear_object (&f->room);
  g_clear_pointer (&f->config, rd_config_unref);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static void
on_answer (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Events *ev = user_data;

  ev->answer = rd_peer_answer_finish (RD_PEER (source), result, &ev->error);
  ev->done = TRUE;
}

static void
on_verified (RdPeer *peer, const char *fingerprint, Events *ev)
{
  g_assert_cmpstr (fingerprint, ==, rd_peer_get_remote_fingerprint (peer));
  ev->verified = TRUE;
}

static void
on_violation (RdPeer *peer, const char *message, Events *ev)
{
  ev->violation = TRUE;
  ev->violation_message = g_strdup (message);
}

static void
on_closed (RdPeer *peer, const char *reason, Events *ev)
{
  g_assert_false (ev->closed); /* once */
  ev->closed = TRUE;
  ev->closed_reason = g_strdup (reason);
}

/* A peer for @offer with @ev watching it; answers and waits for the answer. */
static RdPeer *
answer (Fixture *f, const char *id, const char *offer, Events *ev)
{
  g_autoptr (GError) error = NULL;
  RdPeer *peer = rd_peer_new (f->room, f->config, id, &error);

  g_assert_no_error (error);
  g_signal_connect (peer, "verified", G_CALLBACK (on_verified), ev);
  g_signal_connect (peer, "security-violation", G_CALLBACK (on_violation), ev);
  g_signal_connect (peer, "closed", G_CALLBACK (on_closed), ev);
  rd_peer_answer_async (peer, offer, NULL, on_answer, ev);
  WAIT_FOR (ev->done, 10, "state %s", rd_peer_state_to_string (rd_peer_get_state (peer)));
  return peer;
}

static char *
offer_of (RdTestPeer *tp)
{
  g_autoptr (GError) error = NULL;
  char *offer = rd_test_peer_create_offer (tp, &error);

  g_assert_no_error (error);
  g_assert_nonnull (strstr (offer, "a=candidate:"));
  return offer;
}

static void
test_sendrecv (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (RdTestPeer) tp = rd_test_peer_new (RD_TEST_PEER_SENDRECV, &error);
  g_autofree char *offer = NULL;
  g_autoptr (RdPeer) peer = NULL;
  Events ev = { 0 };
  gint64 start;
  RdPeerStats stats = { 0 };

  g_assert_no_error (error);
  offer = offer_of (tp);
  start = g_get_monotonic_time ();
  peer = answer (f, "p1", offer, &ev);
  g_assert_no_error (ev.error);
  g_assert_nonnull (strstr (ev.answer, "a=sendrecv"));
  g_assert_nonnull (strstr (ev.answer, "a=candidate:"));
  g_assert_nonnull (strstr (ev.answer, "VP8/90000"));
  g_assert_null (strstr (ev.answer, "a=rtpmap:96 H264")); /* only what the room handles */
  g_assert_true (rd_test_peer_set_answer (tp, ev.answer, &error));
  g_assert_no_error (error);
  WAIT_FOR (ev.verified, 10, "peer %s, test peer %s",
            rd_peer_state_to_string (rd_peer_get_state (peer)),
            rd_test_peer_get_connection_state (tp));
  g_test_message ("offer to verified connection: %.0f ms",
                  (g_get_monotonic_time () - start) / 1000.0);
  g_assert_cmpint (rd_peer_get_state (peer), ==, RD_PEER_STATE_CONNECTED);
  WAIT_FOR (rd_test_peer_get_video_frames (tp) >= 30 && rd_test_peer_get_audio_buffers (tp) >= 25 &&
                rd_room_get_remote_video_frames (f->room) >= 30 &&
                rd_room_get_remote_audio_buffers (f->room) >= 25,
            15,
            "test peer decoded %" G_GUINT64_FORMAT " frames, %" G_GUINT64_FORMAT
            " audio buffers; room got %" G_GUINT64_FORMAT " frames, %" G_GUINT64_FORMAT
            " audio buffers",
            rd_test_peer_get_video_frames (tp), rd_test_peer_get_audio_buffers (tp),
            rd_room_get_remote_video_frames (f->room), rd_room_get_remote_audio_buffers (f->room));
  g_test_message ("offer to 30 frames both ways: %.0f ms",
                  (g_get_monotonic_time () - start) / 1000.0);
  /* The peer's cached stats catch up within a refresh or two. */
  WAIT_FOR ((rd_peer_stats_clear (&stats), rd_peer_get_stats (peer, &stats),
             stats.bytes_received > 0 && stats.bytes_sent > 0),
            5, "stats: rx %" G_GUINT64_FORMAT " B, tx %" G_GUINT64_FORMAT " B",
            stats.bytes_received, stats.bytes_sent);
  g_assert_cmpuint (stats.bytes_received, >, 0);
  g_assert_cmpuint (stats.bytes_sent, >, 0);
  g_assert_cmpuint (stats.packets_received, >, 0);
  g_test_message ("stats: rx %" G_GUINT64_FORMAT " B, tx %" G_GUINT64_FORMAT
                  " B, lost %" G_GUINT64_FORMAT ", rtt %.3f s, pair %s",
                  stats.bytes_received, stats.bytes_sent, stats.packets_lost,
                  stats.round_trip_time_s, stats.selected_pair_type);
  rd_peer_stats_clear (&stats);
  rd_peer_close (peer, "test over");
  g_assert_true (ev.closed);
  g_assert_cmpstr (ev.closed_reason, ==, "test over");
  g_assert_cmpint (rd_peer_get_state (peer), ==, RD_PEER_STATE_CLOSED);
  events_clear (&ev);
}

/* Largest |sample| (S16LE) that reached the room's speakers since start; streaming thread. */
static GstPadProbeReturn
speakers_peak (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  gint *peak = data;
  GstMapInfo map;
  g_autoptr (GstCaps) caps = gst_pad_get_current_caps (pad);

  g_assert_cmpstr (gst_structure_get_string (gst_caps_get_structure (caps, 0), "format"), ==,
                   "S16LE");
  if (gst_buffer_map (GST_PAD_PROBE_INFO_BUFFER (info), &map, GST_MAP_READ))
    {
      const gint16 *s = (const gint16 *)map.data;
      for (gsize i = 0; i < map.size / 2; i++)
        if (ABS ((gint)s[i]) > g_atomic_int_get (peak))
          g_atomic_int_set (peak, ABS ((gint)s[i]));
      gst_buffer_unmap (GST_PAD_PROBE_INFO_BUFFER (info), &map);
    }
  return GST_PAD_PROBE_OK;
}

static void
test_sendonly (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (RdTestPeer) tp = rd_test_peer_new (RD_TEST_PEER_SENDONLY, &error);
  g_autofree char *offer = NULL;
  g_autoptr (RdPeer) peer = NULL;
  g_autoptr (GstElement) speakers = NULL;
  g_autoptr (GstPad) speakers_pad = NULL;
  gint peak = 0;
  gulong probe;
  Events ev = { 0 };

  g_assert_no_error (error);
  /* The publisher's tone is mixed into the speakers (not dropped as late by the mixer). */
  speakers = gst_bin_get_by_name (GST_BIN (rd_room_get_pipeline (f->room)), "speakers");
  speakers_pad = gst_element_get_static_pad (speakers, "sink");
  probe = gst_pad_add_probe (speakers_pad, GST_PAD_PROBE_TYPE_BUFFER, speakers_peak, &peak, NULL);
  offer = offer_of (tp);
  g_assert_nonnull (strstr (offer, "a=sendonly"));
  peer = answer (f, "publisher", offer, &ev);
  g_assert_no_error (ev.error);
  g_assert_nonnull (strstr (ev.answer, "a=recvonly"));
  g_assert_null (strstr (ev.answer, "a=sendrecv"));
  g_assert_true (rd_test_peer_set_answer (tp, ev.answer, &error));
  WAIT_FOR (ev.verified && rd_room_get_remote_video_frames (f->room) >= 30 &&
                rd_room_get_remote_audio_buffers (f->room) >= 25 && g_atomic_int_get (&peak) > 3000,
            15,
            "verified %d, room got %" G_GUINT64_FORMAT " frames, %" G_GUINT64_FORMAT
            " audio; peak on the speakers %d",
            ev.verified, rd_room_get_remote_video_frames (f->room),
            rd_room_get_remote_audio_buffers (f->room), peak);
  /* The room sends nothing to a publisher. */
  g_assert_cmpuint (rd_test_peer_get_video_frames (tp), ==, 0);
  g_assert_cmpuint (rd_test_peer_get_audio_buffers (tp), ==, 0);
  rd_peer_close (peer, "done");
  gst_pad_remove_probe (speakers_pad, probe);
  events_clear (&ev);
}

static void
test_forged_fingerprint (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (RdTestPeer) tp = rd_test_peer_new (RD_TEST_PEER_SENDRECV, &error);
  g_autofree char *offer = NULL;
  g_autoptr (RdPeer) peer = NULL;
  Events ev = { 0 };
  guint64 elements_before;

  g_assert_no_error (error);
  elements_before = GST_BIN (rd_room_get_pipeline (f->room))->numchildren;
  rd_test_peer_set_forge_fingerprint (tp, TRUE);
  offer = offer_of (tp);
  peer = answer (f, "impostor", offer, &ev);
  g_assert_no_error (ev.error);
  g_assert_true (rd_test_peer_set_answer (tp, ev.answer, &error));
  WAIT_FOR (ev.closed, 10, "peer %s, test peer %s, verified %d",
            rd_peer_state_to_string (rd_peer_get_state (peer)),
            rd_test_peer_get_connection_state (tp), ev.verified);
  g_assert_true (ev.violation);
  g_assert_false (ev.verified);
  g_assert_nonnull (strstr (ev.violation_message, "fingerprint"));
  g_assert_nonnull (strstr (ev.closed_reason, "security"));
  g_assert_cmpint (rd_peer_get_state (peer), ==, RD_PEER_STATE_CLOSED);
  /* Gone from the pipeline, and nothing of it reached the room, nor the room it. */
  g_assert_cmpuint (GST_BIN (rd_room_get_pipeline (f->room))->numchildren, ==, elements_before);
  g_assert_cmpuint (rd_room_get_remote_video_frames (f->room), ==, 0);
  g_assert_cmpuint (rd_room_get_remote_audio_buffers (f->room), ==, 0);
  g_assert_cmpuint (rd_test_peer_get_video_frames (tp), ==, 0);
  g_assert_cmpuint (rd_test_peer_get_audio_buffers (tp), ==, 0);
  events_clear (&ev);
}

static void
expect_offer_error (Fixture *f, const char *offer, const char *part)
{
  Events ev = { 0 };
  g_autoptr (RdPeer) peer = answer (f, "bad", offer, &ev);

  g_assert_error (ev.error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_OFFER);
  g_test_message ("%s", ev.error->message);
  g_assert_nonnull (strstr (ev.error->message, part));
  rd_peer_close (peer, "bad offer");
  events_clear (&ev);
}

static char *
replace (const char *text, const char *from, const char *to)
{
  g_auto (GStrv) parts = g_strsplit (text, from, -1);
  return g_strjoinv (to, parts);
}

static void
test_unusable_offers (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (RdTestPeer) tp = rd_test_peer_new (RD_TEST_PEER_SENDRECV, &error);
  g_autofree char *offer = offer_of (tp);
  g_autofree char *h265 = replace (offer, "VP8/90000", "H265/90000");
  g_autofree char *no_opus = replace (offer, "OPUS/48000", "PCMU/8000");
  g_autofree char *no_fp = replace (offer, "a=fingerprint:", "a=x-fingerprint:");

  expect_offer_error (f, h265, "m-line 0 (video)");
  expect_offer_error (f, no_opus, "m-line 1 (audio)");
  expect_offer_error (f, no_fp, "fingerprint");
  expect_offer_error (f, "hello", "not SDP");
  expect_offer_error (f, "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\nm=\r\n", "");
  g_assert_cmpuint (rd_room_get_remote_video_frames (f->room), ==, 0);
}

typedef struct
{
  GMutex lock;
  GCond cond;
  gboolean entered, released;
} Stuck;

/* Runs on webrtcbin's own thread when it answers get-stats: holds that thread until released,
 * as a webrtcbin stuck in some operation would. */
static void
hold_webrtcbin (GstPromise *promise, gpointer data)
{
  Stuck *st = data;

  g_mutex_lock (&st->lock);
  st->entered = TRUE;
  g_cond_broadcast (&st->cond);
  while (!st->released)
    g_cond_wait (&st->cond, &st->lock);
  g_mutex_unlock (&st->lock);
}

/* A webrtcbin that answers nothing never holds the main context: the peer's stats come from
 * its cache at once (only older), nothing more is asked while a request is unanswered, and
 * fresh stats come back once webrtcbin answers again. */
static void
test_stats_never_wait (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (RdTestPeer) tp = rd_test_peer_new (RD_TEST_PEER_SENDRECV, &error);
  g_autofree char *offer = offer_of (tp);
  g_autoptr (RdPeer) peer = NULL;
  g_autoptr (GstElement) bin = NULL;
  g_autoptr (GstElement) webrtc = NULL;
  RdPeerStats stats = { 0 };
  Events ev = { 0 };
  Stuck st = { 0 };
  GstPromise *promise;
  gint64 stuck_at, before, slowest = 0, updated;

  peer = answer (f, "stuck", offer, &ev);
  g_assert_no_error (ev.error);
  g_assert_true (rd_test_peer_set_answer (tp, ev.answer, &error));
  WAIT_FOR (ev.verified, 10, "peer %s", rd_peer_state_to_string (rd_peer_get_state (peer)));
  WAIT_FOR (
      (rd_peer_stats_clear (&stats), rd_peer_get_stats (peer, &stats), stats.bytes_received > 0), 5,
      "stats: rx %" G_GUINT64_FORMAT " B", stats.bytes_received);

  /* Hold webrtcbin's thread with a get-stats of our own. */
  bin = gst_bin_get_by_name (GST_BIN (rd_room_get_pipeline (f->room)), "peer-stuck");
  webrtc = gst_bin_get_by_name (GST_BIN (bin), "webrtc");
  g_mutex_init (&st.lock);
  g_cond_init (&st.cond);
  promise = gst_promise_new_with_change_func (hold_webrtcbin, &st, NULL);
  g_signal_emit_by_name (webrtc, "get-stats", NULL, promise);
  gst_promise_unref (promise);
  g_mutex_lock (&st.lock);
  while (!st.entered)
    g_cond_wait (&st.cond, &st.lock);
  g_mutex_unlock (&st.lock);

  /* A reply webrtcbin gave before it was held reaches the main context first. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  /* For 3 s the main context runs and status-like reads return at once. */
  stuck_at = g_get_monotonic_time ();
  while (g_get_monotonic_time () - stuck_at < 3 * G_USEC_PER_SEC)
    {
      before = g_get_monotonic_time ();
      rd_peer_stats_clear (&stats);
      rd_peer_get_stats (peer, &stats);
      g_main_context_iteration (NULL, FALSE);
      slowest = MAX (slowest, g_get_monotonic_time () - before);
      g_usleep (10000);
    }
  g_test_message ("webrtcbin held for 3 s: slowest stats read + main loop turn %.1f ms; the "
                  "cached copy is %.1f s old",
                  slowest / 1000.0, (g_get_monotonic_time () - stats.updated_us) / 1e6);
  g_assert_cmpint (slowest, <, 100 * 1000);
  g_assert_cmpint (stats.updated_us, >, 0);
  g_assert_cmpint (stats.updated_us, <=, stuck_at); /* nothing new while stuck */
  updated = stats.updated_us;

  /* Released: the cache is refreshed again. */
  g_mutex_lock (&st.lock);
  st.released = TRUE;
  g_cond_broadcast (&st.cond);
  g_mutex_unlock (&st.lock);
  WAIT_FOR (
      (rd_peer_stats_clear (&stats), rd_peer_get_stats (peer, &stats), stats.updated_us > updated),
      5, "stats updated at %" G_GINT64_FORMAT " us", stats.updated_us);
  rd_peer_stats_clear (&stats);
  rd_peer_close (peer, "test over");
  events_clear (&ev);
  g_mutex_clear (&st.lock);
  g_cond_clear (&st.cond);
}

/* What the room sends @id, for messages: each payloader's RTP sequence number and each queue's
 * fill (a stream that sends moves its sequence number). (transfer full) */
static char *
describe_send (Fixture *f, const char *id)
{
  g_autofree char *name = g_strdup_printf ("peer-%s", id);
  g_autoptr (GstElement) bin = gst_bin_get_by_name (GST_BIN (rd_room_get_pipeline (f->room)), name);
  g_autoptr (GstIterator) it = NULL;
  GString *out = g_string_new (NULL);
  GValue item = G_VALUE_INIT;

  if (!bin)
    return g_string_free (out, FALSE);
  it = gst_bin_iterate_recurse (GST_BIN (bin));
  while (gst_iterator_next (it, &item) == GST_ITERATOR_OK)
    {
      GstElement *e = g_value_get_object (&item);
      const char *factory = GST_OBJECT_NAME (gst_element_get_factory (e));
      GstStructure *stats = NULL;
      guint level = 0, seqnum = 0;

      if (g_str_has_prefix (factory, "rtp") && g_str_has_suffix (factory, "pay"))
        {
          g_object_get (e, "stats", &stats, NULL);
          if (stats)
            gst_structure_get_uint (stats, "seqnum", &seqnum);
          g_string_append_printf (out, "%s seqnum %u; ", GST_OBJECT_NAME (e), seqnum);
          g_clear_pointer (&stats, gst_structure_free);
        }
      else if (g_str_equal (factory, "queue"))
        {
          g_object_get (e, "current-level-buffers", &level, NULL);
          g_string_append_printf (out, "%s %u buffers; ", GST_OBJECT_NAME (e), level);
        }
      g_value_reset (&item);
    }
  g_value_unset (&item);
  return g_string_free (out, FALSE);
}

/* A room sending H.264 and a party sending H.264 (as browsers offer it): the answer names
 * H.264 packetization-mode=1 only, and both sides decode the other's video. */
static void
test_h264_sendrecv (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (RdTestPeer) tp = rd_test_peer_new_with_video (RD_TEST_PEER_SENDRECV, "H264", &error);
  g_autofree char *offer = NULL;
  g_autoptr (RdPeer) peer = NULL;
  Events ev = { 0 };
  gint64 start;

  g_assert_no_error (error);
  offer = offer_of (tp);
  start = g_get_monotonic_time ();
  peer = answer (f, "h1", offer, &ev);
  g_assert_no_error (ev.error);
  g_assert_nonnull (strstr (ev.answer, "H264/90000"));
  g_assert_nonnull (strstr (ev.answer, "packetization-mode=1"));
  g_assert_null (strstr (ev.answer, "VP8/90000"));
  g_assert_true (rd_test_peer_set_answer (tp, ev.answer, &error));
  g_assert_no_error (error);
  WAIT_FOR (rd_test_peer_get_video_frames (tp) >= 30 && rd_test_peer_get_audio_buffers (tp) >= 25 &&
                rd_room_get_remote_video_frames (f->room) >= 30,
            15,
            "test peer's H.264: %s; %" G_GUINT64_FORMAT
            " audio buffers; room got %" G_GUINT64_FORMAT " frames (peer %s); sent: %s",
            rd_test_peer_describe_video (tp), rd_test_peer_get_audio_buffers (tp),
            rd_room_get_remote_video_frames (f->room),
            rd_peer_state_to_string (rd_peer_get_state (peer)), describe_send (f, "h1"));
  g_test_message ("H.264: offer to 30 frames both ways: %.0f ms",
                  (g_get_monotonic_time () - start) / 1000.0);
  rd_peer_close (peer, "test over");
  events_clear (&ev);
}

/* The payloader's thread: its first buffer refused as a failed negotiation would be. The queue
 * before it stops for good on such an answer (GStreamer's queue pauses its task), and nothing
 * the room encodes reaches the party any more. */
static GstPadProbeReturn
refuse_once (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  gint *refused = data;

  if (!g_atomic_int_compare_and_exchange (refused, 0, 1))
    return GST_PAD_PROBE_OK;
  gst_buffer_unref (GST_PAD_PROBE_INFO_BUFFER (info));
  GST_PAD_PROBE_INFO_DATA (info) = NULL;
  GST_PAD_PROBE_INFO_FLOW_RETURN (info) = GST_FLOW_NOT_NEGOTIATED;
  return GST_PAD_PROBE_HANDLED;
}

static void
on_send_repaired (RdPeer *peer, const char *message, char **said)
{
  g_free (*said);
  *said = g_strdup (message);
}

/* The element of @factory in peer @id's bin. (transfer full) */
static GstElement *
peer_element (Fixture *f, const char *id, const char *factory)
{
  g_autofree char *name = g_strdup_printf ("peer-%s", id);
  g_autoptr (GstElement) bin = gst_bin_get_by_name (GST_BIN (rd_room_get_pipeline (f->room)), name);
  g_autoptr (GstIterator) it = NULL;
  GValue item = G_VALUE_INIT;
  GstElement *found = NULL;

  g_assert_nonnull (bin);
  it = gst_bin_iterate_recurse (GST_BIN (bin));
  while (!found && gst_iterator_next (it, &item) == GST_ITERATOR_OK)
    {
      GstElement *e = g_value_get_object (&item);
      if (g_str_equal (GST_OBJECT_NAME (gst_element_get_factory (e)), factory))
        found = gst_object_ref (e);
      g_value_reset (&item);
    }
  g_value_unset (&item);
  g_assert_nonnull (found);
  return found;
}

/* The room's H.264 send branch to a party stopped by a failed negotiation (issue seen under
 * load: the party decoded no frame of the room while the room got the party's): the peer sees
 * its stream send nothing, makes it again and the party decodes the room's video again, the
 * same RTP stream from a keyframe. */
static void
test_send_branch_repaired (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (RdTestPeer) tp = rd_test_peer_new_with_video (RD_TEST_PEER_SENDRECV, "H264", &error);
  g_autoptr (GstElement) pay = NULL;
  g_autoptr (GstPad) pay_sink = NULL;
  g_autofree char *offer = NULL, *said = NULL;
  g_autoptr (RdPeer) peer = NULL;
  Events ev = { 0 };
  gint refused = 0;
  guint64 frames;
  gint64 start;

  g_assert_no_error (error);
  offer = offer_of (tp);
  peer = answer (f, "h1", offer, &ev);
  g_signal_connect (peer, "send-repaired", G_CALLBACK (on_send_repaired), &said);
  g_assert_no_error (ev.error);
  g_assert_true (rd_test_peer_set_answer (tp, ev.answer, &error));
  g_assert_no_error (error);
  WAIT_FOR (rd_test_peer_get_video_frames (tp) >= 30, 15,
            "test peer's video: %s (peer %s); sent: %s", rd_test_peer_describe_video (tp),
            rd_peer_state_to_string (rd_peer_get_state (peer)), describe_send (f, "h1"));

  pay = peer_element (f, "h1", "rtph264pay");
  pay_sink = gst_element_get_static_pad (pay, "sink");
  gst_pad_add_probe (pay_sink, GST_PAD_PROBE_TYPE_BUFFER, refuse_once, &refused, NULL);
  WAIT_FOR (g_atomic_int_get (&refused), 5, "no frame reached the payloader");
  frames = rd_test_peer_get_video_frames (tp);
  start = g_get_monotonic_time ();
  WAIT_FOR (said != NULL, 20,
            "the stream was not made again; the party decoded %" G_GUINT64_FORMAT
            " frames since it stopped",
            rd_test_peer_get_video_frames (tp) - frames);
  g_test_message ("%.1f s after the refusal: %s", (g_get_monotonic_time () - start) / 1e6, said);
  g_assert_nonnull (strstr (said, "video stream got the room's video but sent nothing"));
  /* the stopped branch really sent nothing: the party's picture froze until it was made again */
  g_assert_cmpuint (rd_test_peer_get_video_frames (tp) - frames, <, 30);
  frames = rd_test_peer_get_video_frames (tp);
  WAIT_FOR (rd_test_peer_get_video_frames (tp) >= frames + 30, 10,
            "after the repair the party decoded %" G_GUINT64_FORMAT " frames: %s",
            rd_test_peer_get_video_frames (tp) - frames, rd_test_peer_describe_video (tp));
  g_assert_cmpint (rd_peer_get_state (peer), ==, RD_PEER_STATE_CONNECTED);
  {
    g_autofree char *video = rd_test_peer_describe_video (tp);
    g_test_message ("party's video: %s", video);
  }
  rd_peer_close (peer, "test over");
  events_clear (&ev);
}

/* An offer the room cannot send its video in is refused, naming what was offered and what the
 * room sends; a party that only sends may use the other codec. */
static void
test_codec_mismatch (Fixture *f, gconstpointer data)
{
  gboolean room_h264 = data != NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (RdTestPeer) tp =
      rd_test_peer_new_with_video (RD_TEST_PEER_SENDRECV, room_h264 ? "VP8" : "H264", &error);
  g_autoptr (RdTestPeer) sender =
      rd_test_peer_new_with_video (RD_TEST_PEER_SENDONLY, room_h264 ? "VP8" : "H264", &error);
  g_autofree char *offer = offer_of (tp);
  g_autofree char *send_offer = offer_of (sender);
  g_autoptr (RdPeer) peer = NULL;
  Events ev = { 0 };

  if (room_h264)
    {
      g_autoptr (RdTestPeer) h264 =
          rd_test_peer_new_with_video (RD_TEST_PEER_SENDRECV, "H264", &error);
      g_autofree char *h264_offer = offer_of (h264);
      g_autofree char *mode0 = replace (h264_offer, "packetization-mode=1", "packetization-mode=0");
      expect_offer_error (f, offer, "offers VP8");
      expect_offer_error (f, offer, "the room sends H.264 constrained baseline");
      expect_offer_error (f, mode0, "H264 (packetization-mode=0");
    }
  else
    {
      expect_offer_error (f, offer, "offers H264 (packetization-mode=1");
      expect_offer_error (f, offer, "the room sends VP8 (video-codec=vp8)");
    }
  peer = answer (f, "sender", send_offer, &ev);
  g_assert_no_error (ev.error);
  g_assert_nonnull (strstr (ev.answer, room_h264 ? "VP8/90000" : "H264/90000"));
  g_assert_nonnull (strstr (ev.answer, "a=recvonly"));
  rd_peer_close (peer, "test over");
  events_clear (&ev);
}

/* Elements in the pipeline (recursively) and request pads on the room's tees and mixers. */
static void
count_room (RdRoom *room, guint *elements, guint *pads)
{
  g_autoptr (GstIterator) it = gst_bin_iterate_recurse (GST_BIN (rd_room_get_pipeline (room)));
  GValue item = G_VALUE_INIT;

  *elements = 0;
  *pads = 0;
  while (gst_iterator_next (it, &item) == GST_ITERATOR_OK)
    {
      GstElement *e = g_value_get_object (&item);
      (*elements)++;
      *pads += e->numpads;
      g_value_reset (&item);
    }
  g_value_unset (&item);
}

static gsize
rss_kib (void)
{
  g_autofree char *status = NULL;
  const char *p;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL) ||
      !(p = strstr (status, "VmRSS:")))
    return 0;
  return (gsize)g_ascii_strtoull (p + 6, NULL, 10);
}

static void
test_join_leave (Fixture *f, gconstpointer data)
{
  guint elements0, pads0, elements, pads;
  gsize rss_after_first = 0;

  count_room (f->room, &elements0, &pads0);
  for (int i = 0; i < 20; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (RdTestPeer) tp = rd_test_peer_new (RD_TEST_PEER_SENDRECV, &error);
      g_autofree char *offer = offer_of (tp);
      g_autofree char *id = g_strdup_printf ("p%d", i);
      guint64 frames = rd_room_get_remote_video_frames (f->room);
      Events ev = { 0 };
      g_autoptr (RdPeer) peer = answer (f, id, offer, &ev);

      g_assert_no_error (ev.error);
      g_assert_true (rd_test_peer_set_answer (tp, ev.answer, &error));
      WAIT_FOR (ev.verified && rd_room_get_remote_video_frames (f->room) > frames + 5 &&
                    rd_test_peer_get_video_frames (tp) > 5,
                15,
                "round %d: verified %d, room frames %" G_GUINT64_FORMAT
                "; party's video %s; sent: %s",
                i, ev.verified, rd_room_get_remote_video_frames (f->room) - frames,
                rd_test_peer_describe_video (tp), describe_send (f, id));
      rd_peer_close (peer, "left");
      events_clear (&ev);
      count_room (f->room, &elements, &pads);
      g_assert_cmpuint (elements, ==, elements0);
      /* a mixer's pad goes once the mixer is between two mixes (rd_room_release_mixer_pad) */
      WAIT_FOR ((count_room (f->room, &elements, &pads), pads == pads0), 5,
                "round %d: %u pads in the room, %u before the first", i, pads, pads0);
      if (i == 0)
        rss_after_first = rss_kib ();
    }
  g_test_message ("RSS after the first join/leave %zu KiB, after the 20th %zu KiB", rss_after_first,
                  rss_kib ());
}

static char *why;

static void
test_skipped (void)
{
  g_test_skip (why);
}

int
main (int argc, char **argv)
{
  gboolean in_netns = rd_test_enter_netns (&why);
  int ret;

  g_test_init (&argc, &argv, NULL);
  rd_test_tolerate_third_party_race ();
  gst_init (NULL, NULL);
  if (!in_netns)
    {
      g_test_add_func ("/media/peer/skipped", test_skipped);
      return g_test_run ();
    }
  g_test_add ("/media/peer/sendrecv", Fixture, NULL, setup, test_sendrecv, teardown);
  g_test_add ("/media/peer/sendonly", Fixture, NULL, setup, test_sendonly, teardown);
  g_test_add ("/media/peer/forged-fingerprint", Fixture, NULL, setup, test_forged_fingerprint,
              teardown);
  g_test_add ("/media/peer/unusable-offers", Fixture, NULL, setup, test_unusable_offers, teardown);
  g_test_add ("/media/peer/join-leave", Fixture, NULL, setup, test_join_leave, teardown);
  g_test_add ("/media/peer/stats-never-wait", Fixture, NULL, setup, test_stats_never_wait,
              teardown);
  g_test_add ("/media/peer/h264-sendrecv", Fixture, config_h264, setup, test_h264_sendrecv,
              teardown);
  g_test_add ("/media/peer/send-branch-repaired", Fixture, config_h264, setup,
              test_send_branch_repaired, teardown);
  g_test_add ("/media/peer/h264-room-refuses-vp8-only", Fixture, config_h264, setup,
              test_codec_mismatch, teardown);
  g_test_add ("/media/peer/vp8-room-refuses-h264-only", Fixture, NULL, setup, test_codec_mismatch,
              teardown);
  ret = g_test_run ();
  /* Everything is gone by now: GST_TRACERS=leaks reports what is not (at gst_deinit). */
  gst_deinit ();
  return ret;
}
