/* test-join-page-call.c: the browser join page (signaling/rd-signal-join.h) in a real Chromium,
 * in a real two-way call: behind the stub WHIP server (tests/rd-test-join-stub.h, in a network
 * namespace of the test's own) a GStreamer webrtcbin answers the page's offer, sends a test
 * pattern and a tone, and counts what the browser sends. A full call against the real daemon is
 * the integration test's job. */
#include "tests/rd-test-join-stub.h"
#include "tests/rd-test-netns.h"
#include "tests/rd-test-wait.h"

#include <stdlib.h>
#include <string.h>

#include <gst/gst.h>
#include <gst/sdp/sdp.h>
#define GST_USE_UNSTABLE_API /* webrtcbin's library, as media/ uses it */
#include <gst/webrtc/webrtc.h>

/* ---- a real answerer: webrtcbin with a test pattern and a tone ---- */

typedef struct Answerer
{
  GstElement *pipeline;
  GstElement *webrtc;
  SoupServerMessage *msg; /* the paused POST, until the answer is ready */
  guint finish_id;
  gint video_buffers; /* atomic: RTP buffers received from the browser */
  gint audio_buffers;
} Answerer;

static void
answerer_free (Answerer *a)
{
  if (a->pipeline)
    gst_element_set_state (a->pipeline, GST_STATE_NULL);
  g_clear_handle_id (&a->finish_id, g_source_remove);
  g_clear_object (&a->webrtc);
  g_clear_object (&a->pipeline);
  g_free (a);
}

static GstPadProbeReturn
count_buffer (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  g_atomic_int_inc ((gint *)user_data);
  return GST_PAD_PROBE_OK;
}

/* Streaming thread: each stream from the browser goes to a fakesink, counted on the way. */
static void
answerer_pad_added (GstElement *webrtc, GstPad *pad, gpointer user_data)
{
  Answerer *a = user_data;
  g_autoptr (GstCaps) caps = NULL;
  GstElement *sink;
  g_autoptr (GstPad) sinkpad = NULL;
  const char *media = NULL;

  if (GST_PAD_DIRECTION (pad) != GST_PAD_SRC)
    return;
  caps = gst_pad_get_current_caps (pad);
  if (!caps)
    caps = gst_pad_query_caps (pad, NULL);
  if (caps && gst_caps_get_size (caps) > 0)
    media = gst_structure_get_string (gst_caps_get_structure (caps, 0), "media");
  sink = gst_element_factory_make ("fakesink", NULL);
  g_object_set (sink, "sync", FALSE, "async", FALSE, NULL);
  gst_bin_add (GST_BIN (a->pipeline), sink);
  gst_element_sync_state_with_parent (sink);
  sinkpad = gst_element_get_static_pad (sink, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, count_buffer,
                     g_strcmp0 (media, "video") == 0 ? &a->video_buffers : &a->audio_buffers, NULL);
  gst_pad_link (pad, sinkpad);
}

/* Main context: gathering is complete; send the answer with every candidate. */
static gboolean
answerer_finish (gpointer user_data)
{
  Answerer *a = user_data;
  GstWebRTCSessionDescription *local = NULL;
  g_autofree char *text = NULL;
  SoupMessageHeaders *out;

  a->finish_id = 0;
  g_object_get (a->webrtc, "local-description", &local, NULL);
  g_assert_nonnull (local);
  text = gst_sdp_message_as_text (local->sdp);
  gst_webrtc_session_description_free (local);
  out = soup_server_message_get_response_headers (a->msg);
  soup_server_message_set_status (a->msg, 201, NULL);
  soup_message_headers_replace (out, "Location", RD_TEST_JOIN_PEER_PATH);
  soup_message_headers_replace (out, "ETag", "\"" RD_TEST_JOIN_ETAG "\"");
  soup_server_message_set_response (a->msg, "application/sdp", SOUP_MEMORY_COPY, text,
                                    strlen (text));
  soup_server_message_unpause (a->msg);
  a->msg = NULL;
  return G_SOURCE_REMOVE;
}

/* webrtcbin's thread. */
static void
answerer_gathering (GObject *webrtc, GParamSpec *pspec, gpointer user_data)
{
  Answerer *a = user_data;
  GstWebRTCICEGatheringState state;

  g_object_get (webrtc, "ice-gathering-state", &state, NULL);
  if (state == GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE)
    /* Always through the main loop: the POST handler must have paused the message first. */
    g_idle_add_full (G_PRIORITY_DEFAULT, answerer_finish, a, NULL);
}

static int
offer_payload (const char *offer, const char *codec)
{
  g_autofree char *pattern = g_strdup_printf ("a=rtpmap:([0-9]+) %s", codec);
  g_autoptr (GRegex) regex = g_regex_new (pattern, 0, 0, NULL);
  g_autoptr (GMatchInfo) match = NULL;
  g_autofree char *pt = NULL;

  if (!g_regex_match (regex, offer, 0, &match))
    g_error ("the offer has no %s", codec);
  pt = g_match_info_fetch (match, 1);
  return atoi (pt);
}

static GstStructure *
promise_run (GstElement *webrtc, const char *signal_name, gpointer arg)
{
  GstPromise *promise = gst_promise_new ();
  const GstStructure *reply;
  GstStructure *copy;

  g_signal_emit_by_name (webrtc, signal_name, arg, promise);
  /* webrtcbin answers every promise from its own thread, promptly. */
  g_assert_cmpint (gst_promise_wait (promise), ==, GST_PROMISE_RESULT_REPLIED);
  reply = gst_promise_get_reply (promise);
  copy = reply ? gst_structure_copy (reply) : NULL;
  gst_promise_unref (promise);
  if (copy && gst_structure_has_field (copy, "error"))
    {
      g_autoptr (GError) error = NULL;
      gst_structure_get (copy, "error", G_TYPE_ERROR, &error, NULL);
      g_error ("webrtcbin %s: %s", signal_name, error ? error->message : "?");
    }
  return copy;
}

/* Main context, in the POST handler: answers @offer with webrtcbin; the reply goes out from
 * answerer_finish() once ICE gathering is complete. */
static gpointer
answerer_start (SoupServerMessage *msg, const char *offer)
{
  Answerer *a = g_new0 (Answerer, 1);
  g_autoptr (GError) error = NULL;
  g_autofree char *description = NULL;
  GstSDPMessage *sdp = NULL;
  GstWebRTCSessionDescription *remote;
  GstWebRTCSessionDescription *answer = NULL;
  GstStructure *reply;
  GObject *agent = NULL;
  gboolean ok = FALSE;
  int video_pt = offer_payload (offer, "VP8/90000");
  int audio_pt = offer_payload (offer, "opus/48000/2");

  description = g_strdup_printf (
      "webrtcbin name=w bundle-policy=max-bundle latency=50 "
      "videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,height=240,framerate=30/1 "
      "! videoconvert ! vp8enc deadline=1 cpu-used=8 keyframe-max-dist=30 ! rtpvp8pay pt=%d "
      "! application/x-rtp,media=video,encoding-name=VP8,clock-rate=90000,payload=%d ! w. "
      "audiotestsrc is-live=true wave=sine volume=0.3 ! audioconvert ! audioresample ! opusenc "
      "! rtpopuspay pt=%d ! application/x-rtp,media=audio,encoding-name=OPUS,clock-rate=48000,"
      "payload=%d ! w.",
      video_pt, video_pt, audio_pt, audio_pt);
  a->pipeline = gst_parse_launch (description, &error);
  g_assert_no_error (error);
  a->webrtc = gst_bin_get_by_name (GST_BIN (a->pipeline), "w");
  /* Only lo in this namespace: libnice finds nothing by itself (TESTING.md). */
  g_object_get (a->webrtc, "ice-agent", &agent, NULL);
  g_signal_emit_by_name (agent, "add-local-ip-address", "127.0.0.1", &ok);
  g_assert_true (ok);
  g_object_unref (agent);
  g_signal_connect (a->webrtc, "pad-added", G_CALLBACK (answerer_pad_added), a);
  g_signal_connect (a->webrtc, "notify::ice-gathering-state", G_CALLBACK (answerer_gathering), a);
  g_assert_cmpint (gst_element_set_state (a->pipeline, GST_STATE_PLAYING), !=,
                   GST_STATE_CHANGE_FAILURE);

  g_assert_cmpint (gst_sdp_message_new_from_text (offer, &sdp), ==, GST_SDP_OK);
  remote = gst_webrtc_session_description_new (GST_WEBRTC_SDP_TYPE_OFFER, sdp);
  reply = promise_run (a->webrtc, "set-remote-description", remote);
  g_clear_pointer (&reply, gst_structure_free);
  gst_webrtc_session_description_free (remote);
  reply = promise_run (a->webrtc, "create-answer", NULL);
  g_assert_nonnull (reply);
  gst_structure_get (reply, "answer", GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &answer, NULL);
  gst_structure_free (reply);
  g_assert_nonnull (answer);
  a->msg = msg;
  soup_server_message_pause (msg);
  reply = promise_run (a->webrtc, "set-local-description", answer);
  g_clear_pointer (&reply, gst_structure_free);
  gst_webrtc_session_description_free (answer);
  return a;
}

/* Trickled candidates from the browser (bundle: all on the first m-line). */
static void
answerer_add_candidates (gpointer answerer, const char *sdpfrag)
{
  Answerer *a = answerer;
  g_auto (GStrv) lines = g_strsplit (sdpfrag, "\n", -1);

  for (guint i = 0; lines[i]; i++)
    {
      char *line = g_strstrip (lines[i]);
      if (g_str_has_prefix (line, "a=candidate:"))
        g_signal_emit_by_name (a->webrtc, "add-ice-candidate", 0, line + 2);
    }
}

/* A real two-way call with webrtcbin behind the stub: the page decodes the far end's video and
 * audio, the far end receives the page's. */
static void
test_call (RdTestJoin *f, gconstpointer data)
{
  g_autoptr (JsonNode) stats = NULL;
  g_autofree char *json = NULL;
  RdTestJoinRequest *post;
  Answerer *a;
  gint64 t;

  if (!f->chromium)
    return;
  f->answer_post = answerer_start;
  f->add_candidates = answerer_add_candidates;
  f->answerer_free = (GDestroyNotify)answerer_free;
  rd_test_join_open_page (f, "#token=" RD_TEST_JOIN_TOKEN);
  post = rd_test_join_wait_request (f, "POST", "/whip/" RD_TEST_JOIN_SESSION_ID,
                                    RD_TEST_JOIN_STEP_TIMEOUT_MS);
  a = f->answerer;
  g_assert_nonnull (a);
  rd_test_join_wait_page (f, "rdJoin.state === 'connected'", "[rdJoin.state, rdJoin.error]",
                          RD_TEST_JOIN_STEP_TIMEOUT_MS);
  t = g_get_monotonic_time ();
  g_test_message ("connected %.0f ms after the POST", (t - post->when_us) / 1000.0);
  rd_test_join_wait_page (f, "rdJoin.stats().then((s) => s.framesDecoded > 0)", "rdJoin.stats()",
                          RD_TEST_JOIN_STEP_TIMEOUT_MS);
  t = g_get_monotonic_time ();
  g_test_message ("first remote frame decoded %.0f ms after the POST",
                  (t - post->when_us) / 1000.0);
  rd_test_join_wait_page (
      f,
      "rdJoin.stats().then((s) => s.framesDecoded > 20 && s.audioPacketsReceived > 50 "
      "&& s.audioEnergy > 0 && s.videoPacketsSent > 20 && s.audioPacketsSent > 50 && "
      "s.connectionState === 'connected')",
      "rdJoin.stats()", RD_TEST_JOIN_STEP_TIMEOUT_MS);
  g_assert_true (
      rd_test_join_eval_bool (f, "document.getElementById('remote').videoWidth === 320"));
  stats = rd_test_join_eval (f, "rdJoin.stats()");
  json = json_to_string (stats, FALSE);
  g_test_message ("stats: %s", json);

  /* And the far end got the browser's camera and microphone. */
  /* The counters change on webrtcbin's threads: WAIT_FOR wakes up to look every 10 ms. */
  WAIT_FOR (g_atomic_int_get (&a->video_buffers) >= 20 &&
                g_atomic_int_get (&a->audio_buffers) >= 50,
            RD_TEST_JOIN_STEP_TIMEOUT_MS / 1000, "%d video and %d audio RTP buffers",
            g_atomic_int_get (&a->video_buffers), g_atomic_int_get (&a->audio_buffers));
  g_test_message ("webrtcbin received %d video and %d audio RTP buffers",
                  g_atomic_int_get (&a->video_buffers), g_atomic_int_get (&a->audio_buffers));
  g_assert_cmpint (g_atomic_int_get (&a->video_buffers), >=, 20);
  g_assert_cmpint (g_atomic_int_get (&a->audio_buffers), >=, 50);

  g_assert_true (rd_test_join_eval_bool (
      f, "document.getElementById('leave').click(), rdJoin.state === 'left'"));
  rd_test_join_wait_request (f, "DELETE", RD_TEST_JOIN_PEER_PATH, RD_TEST_JOIN_STEP_TIMEOUT_MS);
  rd_test_join_assert_no_external_requests (f);
}

int
main (int argc, char **argv)
{
  /* Before anything else, before any thread: a network namespace of our own. */
  rd_test_join_enter_netns ();
  g_test_init (&argc, &argv, NULL);
  rd_test_tolerate_third_party_race ();
  gst_init (&argc, &argv);

  g_test_add ("/join/chromium/call", RdTestJoin, NULL, rd_test_join_set_up, test_call,
              rd_test_join_tear_down);
  return g_test_run ();
}
