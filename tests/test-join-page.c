/* test-join-page.c: the browser join page (signaling/rd-signal-join.h) in a real Chromium.
 *
 * In a network namespace of its own (only lo), a small libsoup server on 127.0.0.1 serves
 * rd_signal_join_page() at /join/S1 and a stub WHIP endpoint at /whip/S1 that records every
 * request and answers what the test asks for. Headless Chromium (tests/rd-test-chromium.h, fake
 * camera and microphone) opens /join/S1#token=...; the test checks what the page sends and what it
 * shows. http://127.0.0.1 is a secure context for Chromium, so getUserMedia works without TLS.
 *
 * The stub answers the offer either with a syntactically valid answer that leads nowhere (no
 * candidates: enough for Location/ETag/PATCH/DELETE and the UI), or, in the call test, with the
 * answer of a GStreamer webrtcbin that sends a test pattern and a tone and counts what the browser
 * sends. A full call against the real daemon is the integration test's job. */
#include "signaling/rd-signal-join.h"
#include "tests/rd-test-chromium.h"
#include "tests/rd-test-netns.h"

#include <stdlib.h>
#include <string.h>

#include <gst/gst.h>
#include <gst/sdp/sdp.h>
#define GST_USE_UNSTABLE_API /* webrtcbin's library, as media/ uses it */
#include <gst/webrtc/webrtc.h>
#include <libsoup/soup.h>

#define SESSION_ID "S1"
#define TOKEN      "T0k3n-abc_DEF"
#define PEER_PATH  "/whip/" SESSION_ID "/P1"
#define ETAG       "e1"
/* Bounds for waits that should take well under a second. */
#define LOAD_TIMEOUT_MS 15000
#define STEP_TIMEOUT_MS 10000

static char *netns_why;

typedef struct
{
  char *method;
  char *path;
  char *authorization;
  char *content_type;
  char *if_match;
  char *body;
  gint64 when_us;
} Request;

static void
request_free (Request *r)
{
  g_free (r->method);
  g_free (r->path);
  g_free (r->authorization);
  g_free (r->content_type);
  g_free (r->if_match);
  g_free (r->body);
  g_free (r);
}

typedef struct
{
  SoupServer *server;
  char *origin; /* http://127.0.0.1:<port> */
  GPtrArray *requests;
  /* How the stub answers the POST: 201 (the fake answer) or an error status. */
  guint post_status;
  /* Answer the POST with a real webrtcbin (see Answerer) instead of the fake answer. */
  gboolean real_answer;
  struct Answerer *answerer;
  RdTestChromium *chromium;
} Fixture;

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
  soup_message_headers_replace (out, "Location", PEER_PATH);
  soup_message_headers_replace (out, "ETag", "\"" ETAG "\"");
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
static Answerer *
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
answerer_add_candidates (Answerer *a, const char *sdpfrag)
{
  g_auto (GStrv) lines = g_strsplit (sdpfrag, "\n", -1);

  for (guint i = 0; lines[i]; i++)
    {
      char *line = g_strstrip (lines[i]);
      if (g_str_has_prefix (line, "a=candidate:"))
        g_signal_emit_by_name (a->webrtc, "add-ice-candidate", 0, line + 2);
    }
}

/* ---- the stub server ---- */

/* An answer to @offer that Chromium accepts: same mids and kinds, one codec each, sendrecv, a
 * made-up fingerprint and no candidates (so ICE never completes). */
static char *
fake_answer (const char *offer)
{
  g_auto (GStrv) lines = g_strsplit (offer, "\n", -1);
  g_autoptr (GString) sections = g_string_new (NULL);
  g_autoptr (GString) bundle = g_string_new ("a=group:BUNDLE");
  GString *answer;
  char *kind = NULL;
  char *mid = NULL;
  char *rtpmap = NULL;

  for (guint i = 0;; i++)
    {
      char *line = lines[i] ? g_strstrip (lines[i]) : NULL;
      if (!line || g_str_has_prefix (line, "m="))
        {
          if (kind && mid && rtpmap)
            {
              g_string_append_printf (bundle, " %s", mid);
              g_string_append_printf (
                  sections,
                  "m=%s 9 UDP/TLS/RTP/SAVPF %.*s\r\nc=IN IP4 0.0.0.0\r\n"
                  "a=ice-ufrag:fAke\r\na=ice-pwd:fakefakefakefakefakefake\r\n"
                  "a=fingerprint:sha-256 "
                  "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:"
                  "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF\r\n"
                  "a=setup:active\r\na=mid:%s\r\na=sendrecv\r\na=rtcp-mux\r\na=rtpmap:%s\r\n",
                  kind, (int)strcspn (rtpmap, " "), rtpmap, mid, rtpmap);
            }
          g_clear_pointer (&kind, g_free);
          g_clear_pointer (&mid, g_free);
          g_clear_pointer (&rtpmap, g_free);
          if (!line)
            break;
          kind = g_strndup (line + 2, strcspn (line + 2, " "));
        }
      else if (g_str_has_prefix (line, "a=mid:"))
        mid = g_strdup (line + 6);
      else if (g_str_has_prefix (line, "a=rtpmap:") && !rtpmap &&
               (strstr (line, " opus/48000/2") || strstr (line, " VP8/90000")))
        rtpmap = g_strdup (line + 9);
    }
  answer = g_string_new ("v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n");
  g_string_append_printf (answer, "%s\r\n%s", bundle->str, sections->str);
  return g_string_free (answer, FALSE);
}

static void
reply_text (SoupServerMessage *msg, guint status, const char *text)
{
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_COPY, text, strlen (text));
}

static void
handle (SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
        gpointer user_data)
{
  Fixture *f = user_data;
  SoupMessageHeaders *in = soup_server_message_get_request_headers (msg);
  SoupMessageHeaders *out = soup_server_message_get_response_headers (msg);
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  g_autoptr (GBytes) bytes = soup_message_body_flatten (body);
  Request *r = g_new0 (Request, 1);
  const char *method = soup_server_message_get_method (msg);

  r->method = g_strdup (method);
  r->path = g_strdup (path);
  r->authorization = g_strdup (soup_message_headers_get_one (in, "Authorization"));
  r->content_type = g_strdup (soup_message_headers_get_one (in, "Content-Type"));
  r->if_match = g_strdup (soup_message_headers_get_one (in, "If-Match"));
  r->body = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  r->when_us = g_get_monotonic_time ();
  g_ptr_array_add (f->requests, r);
  soup_message_headers_replace (out, "Cache-Control", "no-store");

  if (g_str_equal (path, "/join/" SESSION_ID) && g_str_equal (method, "GET"))
    {
      g_autoptr (GBytes) page = rd_signal_join_page ();
      soup_server_message_set_status (msg, 200, NULL);
      soup_server_message_set_response (msg, "text/html; charset=utf-8", SOUP_MEMORY_COPY,
                                        g_bytes_get_data (page, NULL), g_bytes_get_size (page));
    }
  else if (g_str_equal (path, "/whip/" SESSION_ID) && g_str_equal (method, "POST"))
    {
      if (f->real_answer)
        {
          g_assert_null (f->answerer);
          f->answerer = answerer_start (msg, r->body);
        }
      else if (f->post_status == 201)
        {
          g_autofree char *answer = fake_answer (r->body);
          soup_server_message_set_status (msg, 201, NULL);
          soup_message_headers_replace (out, "Location", PEER_PATH);
          soup_message_headers_replace (out, "ETag", "\"" ETAG "\"");
          soup_message_headers_append (out, "Link", "<stun:127.0.0.1:3478>; rel=\"ice-server\"");
          soup_server_message_set_response (msg, "application/sdp", SOUP_MEMORY_COPY, answer,
                                            strlen (answer));
        }
      else
        {
          if (f->post_status == 401)
            soup_message_headers_replace (out, "WWW-Authenticate", "Bearer");
          if (f->post_status == 429 || f->post_status == 503)
            soup_message_headers_replace (out, "Retry-After", "7");
          reply_text (msg, f->post_status, "stub says no.");
        }
    }
  else if (g_str_equal (path, PEER_PATH) && g_str_equal (method, "PATCH"))
    {
      if (g_strcmp0 (r->if_match, "\"" ETAG "\"") == 0)
        {
          if (f->answerer)
            answerer_add_candidates (f->answerer, r->body);
          soup_server_message_set_status (msg, 204, NULL);
        }
      else
        reply_text (msg, r->if_match ? 412 : 428, "bad If-Match.");
    }
  else if (g_str_equal (path, PEER_PATH) && g_str_equal (method, "DELETE"))
    soup_server_message_set_status (msg, 200, NULL);
  else
    reply_text (msg, 404, "no such thing.");
}

/* ---- fixture ---- */

static gboolean
can_run (void)
{
  g_autofree char *why = NULL;

  if (netns_why)
    {
      g_test_skip (netns_why);
      return FALSE;
    }
  if (!rd_test_chromium_available (&why))
    {
      g_test_skip (why);
      return FALSE;
    }
  return TRUE;
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  GSList *uris;

  f->requests = g_ptr_array_new_with_free_func ((GDestroyNotify)request_free);
  f->post_status = 201;
  if (!can_run ())
    return;
  f->server = soup_server_new ("server-header", "rd-test-join", NULL);
  soup_server_add_handler (f->server, NULL, handle, f, NULL);
  soup_server_listen (f->server, address, 0, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (f->server);
  g_assert_nonnull (uris);
  f->origin = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify)g_uri_unref);

  f->chromium = rd_test_chromium_start (&error);
  g_assert_no_error (error);
  g_test_message ("chromium started and attached in %.0f ms",
                  rd_test_chromium_get_start_ms (f->chromium));
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_clear_pointer (&f->chromium, rd_test_chromium_free);
  g_clear_pointer (&f->answerer, answerer_free);
  if (f->server)
    soup_server_disconnect (f->server);
  g_clear_object (&f->server);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_clear_pointer (&f->requests, g_ptr_array_unref);
  g_free (f->origin);
}

/* ---- helpers ---- */

static JsonNode *
eval (Fixture *f, const char *js)
{
  g_autoptr (GError) error = NULL;
  JsonNode *node = rd_test_chromium_eval (f->chromium, js, STEP_TIMEOUT_MS, &error);

  g_assert_no_error (error);
  return node;
}

static gboolean
eval_bool (Fixture *f, const char *js)
{
  g_autoptr (JsonNode) node = eval (f, js);

  g_assert_true (JSON_NODE_HOLDS_VALUE (node));
  return json_node_get_boolean (node);
}

static char *
eval_string (Fixture *f, const char *js)
{
  g_autoptr (JsonNode) node = eval (f, js);

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_autofree char *json = json_to_string (node, FALSE);
      g_error ("%s: expected a string, got %s", js, json);
    }
  return g_strdup (json_node_get_string (node));
}

static gint64
eval_int (Fixture *f, const char *js)
{
  g_autoptr (JsonNode) node = eval (f, js);

  g_assert_true (JSON_NODE_HOLDS_VALUE (node));
  return json_node_get_int (node);
}

static void
wait_page (Fixture *f, const char *condition, const char *describe, guint timeout_ms)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) node =
      rd_test_chromium_wait (f->chromium, condition, describe, timeout_ms, &error);

  g_assert_no_error (error);
}

static gboolean
timeout_cb (gpointer user_data)
{
  *(gboolean *)user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static Request *
find_request (Fixture *f, const char *method, const char *path)
{
  for (guint i = 0; i < f->requests->len; i++)
    {
      Request *r = f->requests->pdata[i];
      if (g_str_equal (r->method, method) && g_str_equal (r->path, path))
        return r;
    }
  return NULL;
}

static guint
count_requests (Fixture *f, const char *method, const char *path)
{
  guint n = 0;

  for (guint i = 0; i < f->requests->len; i++)
    {
      Request *r = f->requests->pdata[i];
      n += g_str_equal (r->method, method) && g_str_equal (r->path, path);
    }
  return n;
}

/* Iterates the main context until the stub has seen @method @path. */
static Request *
wait_request (Fixture *f, const char *method, const char *path, guint timeout_ms)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add (timeout_ms, timeout_cb, &timed_out);
  Request *r;

  while (!(r = find_request (f, method, path)) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!r)
    {
      g_autoptr (GString) seen = g_string_new (NULL);
      for (guint i = 0; i < f->requests->len; i++)
        {
          Request *s = f->requests->pdata[i];
          g_string_append_printf (seen, " %s %s;", s->method, s->path);
        }
      g_error ("no %s %s within %u ms; the stub saw:%s", method, path, timeout_ms, seen->str);
    }
  g_source_remove (id);
  return r;
}

static char *
join_url (Fixture *f, const char *fragment)
{
  return g_strdup_printf ("%s/join/" SESSION_ID "%s", f->origin, fragment ? fragment : "");
}

/* Every request the page made (as the browser saw them) stayed on our origin (data: is inline),
 * and every request the stub saw was to one of our paths. */
static void
assert_no_external_requests (Fixture *f)
{
  g_autoptr (GPtrArray) urls = rd_test_chromium_get_requests (f->chromium);
  g_autofree char *prefix = g_strconcat (f->origin, "/", NULL);

  g_assert_cmpuint (urls->len, >, 0);
  for (guint i = 0; i < urls->len; i++)
    {
      const char *url = urls->pdata[i];
      if (!g_str_has_prefix (url, prefix) && !g_str_has_prefix (url, "data:") &&
          !g_str_equal (url, "about:blank"))
        g_error ("the page requested %s, outside %s", url, f->origin);
    }
  for (guint i = 0; i < f->requests->len; i++)
    {
      Request *r = f->requests->pdata[i];
      if (!g_str_equal (r->path, "/join/" SESSION_ID) &&
          !g_str_equal (r->path, "/whip/" SESSION_ID) && !g_str_equal (r->path, PEER_PATH))
        g_error ("the page requested %s %s (favicon? a script?)", r->method, r->path);
    }
}

/* The m= sections of @sdp, each from its m= line up to the next. */
static GPtrArray *
sdp_sections (const char *sdp)
{
  GPtrArray *sections = g_ptr_array_new_with_free_func (g_free);
  const char *p = strstr (sdp, "\nm=");

  while (p)
    {
      const char *next = strstr (p + 1, "\nm=");
      g_ptr_array_add (sections, next ? g_strndup (p + 1, next - p - 1) : g_strdup (p + 1));
      p = next;
    }
  return sections;
}

static void
open_page (Fixture *f, const char *fragment)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *url = join_url (f, fragment);
  gint64 t0 = g_get_monotonic_time ();

  rd_test_chromium_open (f->chromium, url, LOAD_TIMEOUT_MS, &error);
  g_assert_no_error (error);
  g_test_message ("page loaded in %.0f ms", (g_get_monotonic_time () - t0) / 1000.0);
}

/* ---- tests ---- */

/* The embedded bytes are the page: UTF-8 HTML that names nothing outside itself. */
static void
test_page_self_contained (void)
{
  g_autoptr (GBytes) page = rd_signal_join_page ();
  gsize size = 0;
  const char *text = g_bytes_get_data (page, &size);
  g_autofree char *copy = g_strndup (text, size);
  const char *forbidden[] = { "http:", "https:",  "ws:",     "wss:",    "src=",
                              "url(",  "@import", "<iframe", "<object", "<embed" };
  const char *href;

  g_assert_cmpuint (size, >, 1000);
  g_assert_cmpuint (strlen (copy), ==, size);
  g_assert_true (g_utf8_validate (text, size, NULL));
  g_assert_true (g_str_has_prefix (copy, "<!doctype html>"));
  g_assert_nonnull (strstr (copy, "<meta charset=\"utf-8\">"));
  g_assert_nonnull (strstr (copy, "<title>Phòng tiếp công dân trực tuyến</title>"));
  for (guint i = 0; i < G_N_ELEMENTS (forbidden); i++)
    if (strstr (copy, forbidden[i]))
      g_error ("the page contains \"%s\"", forbidden[i]);
  for (href = strstr (copy, "href="); href; href = strstr (href + 1, "href="))
    g_assert_true (g_str_has_prefix (href, "href=\"data:,\""));
  /* Static data: the same bytes every time. */
  {
    g_autoptr (GBytes) again = rd_signal_join_page ();
    g_assert_true (g_bytes_get_data (again, NULL) == (gconstpointer)text);
  }
}

/* The page opens the fake camera, POSTs a sendrecv offer with the token from the fragment,
 * follows Location/ETag, mutes without renegotiating and DELETEs its resource on Leave. */
static void
test_offer_and_leave (Fixture *f, gconstpointer data)
{
  g_autofree char *who = NULL;
  g_autofree char *resource = NULL;
  g_autoptr (GPtrArray) sections = NULL;
  Request *post;
  Request *del;
  gint64 loaded_us;
  guint patches;

  if (!f->chromium)
    return;
  open_page (f, "#token=" TOKEN "&name=Nguy%E1%BB%85n%20V%C4%83n%20A");
  loaded_us = g_get_monotonic_time ();

  /* The fake camera's frames reach the local preview. */
  wait_page (f, "document.getElementById('local').videoWidth > 0",
             "[rdJoin.state, rdJoin.error, document.getElementById('local').readyState]",
             STEP_TIMEOUT_MS);
  g_test_message ("local preview playing %.0f ms after load",
                  (g_get_monotonic_time () - loaded_us) / 1000.0);
  who = eval_string (f, "document.getElementById('who').textContent");
  g_assert_cmpstr (who, ==, "Nguyễn Văn A");

  post = wait_request (f, "POST", "/whip/" SESSION_ID, STEP_TIMEOUT_MS);
  g_test_message ("offer POSTed %.0f ms after load", (post->when_us - loaded_us) / 1000.0);
  g_assert_cmpstr (post->authorization, ==, "Bearer " TOKEN);
  g_assert_nonnull (post->content_type);
  g_assert_true (g_str_has_prefix (post->content_type, "application/sdp"));
  g_assert_true (g_str_has_prefix (post->body, "v=0\r\n"));
  g_assert_nonnull (strstr (post->body, "\r\na=group:BUNDLE "));
  /* It waited for gathering: the loopback candidate is in the offer itself. */
  g_assert_nonnull (strstr (post->body, "a=candidate:"));
  g_assert_nonnull (strstr (post->body, " 127.0.0.1 "));
  sections = sdp_sections (post->body);
  g_assert_cmpuint (sections->len, ==, 2);
  g_assert_true (g_str_has_prefix (sections->pdata[0], "m=audio "));
  g_assert_true (g_str_has_prefix (sections->pdata[1], "m=video "));
  for (guint i = 0; i < sections->len; i++)
    {
      const char *s = sections->pdata[i];
      g_assert_nonnull (strstr (s, "\r\na=sendrecv\r\n"));
      g_assert_nonnull (strstr (s, "\r\na=rtcp-mux\r\n"));
      g_assert_nonnull (strstr (s, "\r\na=fingerprint:sha-256 "));
      g_assert_nonnull (strstr (s, "\r\na=setup:actpass\r\n"));
      g_assert_nonnull (strstr (s, "\r\na=msid:"));
    }
  g_assert_nonnull (strstr (sections->pdata[0], " opus/48000"));
  g_assert_nonnull (strstr (sections->pdata[1], " VP8/90000"));

  /* The 201 was understood. */
  wait_page (f, "rdJoin.state === 'connecting' && rdJoin.resource !== null",
             "[rdJoin.state, rdJoin.error]", STEP_TIMEOUT_MS);
  resource = eval_string (f, "rdJoin.resource");
  g_assert_true (g_str_has_prefix (resource, f->origin));
  g_assert_cmpstr (resource + strlen (f->origin), ==, PEER_PATH);
  g_assert_true (eval_bool (f, "rdJoin.etag === '" ETAG "'"));
  g_assert_true (eval_bool (f, "rdJoin.iceServers.length === 1 && "
                               "rdJoin.iceServers[0].urls === 'stun:127.0.0.1:3478'"));
  g_assert_true (eval_bool (f, "rdJoin.pc.signalingState === 'stable'"));
  g_assert_true (eval_bool (f, "document.getElementById('error').hidden"));
  g_assert_true (eval_bool (f, "document.getElementById('rec').hidden"));
  /* The REC hook. */
  g_assert_true (eval_bool (f, "rdJoin.setRecording(true), "
                               "getComputedStyle(document.getElementById('rec')).display "
                               "!== 'none'"));
  g_assert_true (
      eval_bool (f, "rdJoin.setRecording(false), document.getElementById('rec').hidden"));
  {
    g_autoptr (JsonNode) stats = eval (f, "rdJoin.stats()");
    JsonObject *o = json_node_get_object (stats);
    const char *keys[] = { "framesDecoded", "audioPacketsReceived", "audioEnergy", "packetsSent",
                           "connectionState" };
    for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
      g_assert_true (json_object_has_member (o, keys[i]));
  }

  /* Mute buttons: track.enabled flips, nothing is renegotiated, the senders keep their track. */
  g_assert_true (eval_bool (f, "rdJoin.localStream.getAudioTracks()[0].enabled"));
  g_assert_true (eval_bool (f, "document.getElementById('mute-mic').click(), "
                               "!rdJoin.localStream.getAudioTracks()[0].enabled"));
  g_assert_true (eval_bool (f, "document.getElementById('mute-mic')"
                               ".getAttribute('aria-pressed') === 'true'"));
  g_assert_true (eval_bool (f, "document.getElementById('mute-camera').click(), "
                               "!rdJoin.localStream.getVideoTracks()[0].enabled"));
  g_assert_true (eval_bool (f, "document.getElementById('mute-camera')"
                               ".getAttribute('aria-pressed') === 'true'"));
  g_assert_true (eval_bool (f, "rdJoin.pc.getSenders().length === 2 && "
                               "rdJoin.pc.getSenders().every((s) => s.track && "
                               "s.track.readyState === 'live' && !s.track.enabled)"));
  g_assert_true (eval_bool (f, "document.getElementById('mute-mic').click(), "
                               "rdJoin.localStream.getAudioTracks()[0].enabled"));
  g_assert_true (eval_bool (f, "rdJoin.pc.signalingState === 'stable'"));
  g_assert_cmpuint (count_requests (f, "POST", "/whip/" SESSION_ID), ==, 1);

  /* Leave: DELETE on the resource with the token, tracks stopped. */
  g_assert_true (
      eval_bool (f, "document.getElementById('leave').click(), rdJoin.state === 'left'"));
  del = wait_request (f, "DELETE", PEER_PATH, STEP_TIMEOUT_MS);
  g_assert_cmpstr (del->authorization, ==, "Bearer " TOKEN);
  g_assert_true (eval_bool (f, "rdJoin.pc === null && rdJoin.localStream === null"));
  g_assert_true (eval_bool (f, "document.getElementById('leave').disabled"));

  /* Trickle PATCHes, if any candidate came late, were well-formed. */
  patches = count_requests (f, "PATCH", PEER_PATH);
  g_test_message ("%u trickle PATCH(es)", patches);
  for (guint i = 0; i < f->requests->len; i++)
    {
      Request *r = f->requests->pdata[i];
      if (!g_str_equal (r->method, "PATCH"))
        continue;
      g_test_message ("PATCH body:\n%s", r->body);
      g_assert_cmpstr (r->content_type, ==, "application/trickle-ice-sdpfrag");
      g_assert_cmpstr (r->if_match, ==, "\"" ETAG "\"");
      g_assert_cmpstr (r->authorization, ==, "Bearer " TOKEN);
    }
  assert_no_external_requests (f);
}

/* Each refusal of the POST is shown as what it means for the user. */
static void
test_http_errors (Fixture *f, gconstpointer data)
{
  const struct
  {
    guint status;
    const char *kind;
    const char *vi; /* part of the Vietnamese text shown */
    const char *en; /* part of the English text shown */
    gboolean retry; /* the Try again button is offered */
  } cases[] = {
    { 401, "token", "hết hạn", "expired", FALSE },
    { 403, "token", "không hợp lệ", "invalid", FALSE },
    { 404, "session", "Không tìm thấy phiên", "not found", FALSE },
    { 422, "codec", "định dạng", "no audio/video format", FALSE },
    { 429, "slow-down", "Quá nhiều yêu cầu", "Too many requests", TRUE },
    { 500, "server", "Lỗi máy chủ", "Server error", TRUE },
    { 503, "busy", "đang bận", "busy", TRUE },
  };

  if (!f->chromium)
    return;
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = NULL;
      g_autofree char *detail = NULL;
      g_autofree char *status_text = NULL;
      g_autofree char *status_js = NULL;

      f->post_status = cases[i].status;
      g_ptr_array_set_size (f->requests, 0);
      open_page (f, "#token=" TOKEN);
      wait_request (f, "POST", "/whip/" SESSION_ID, STEP_TIMEOUT_MS);
      wait_page (f, "rdJoin.state === 'error'", "[rdJoin.state, rdJoin.error]", STEP_TIMEOUT_MS);
      g_assert_cmpint (eval_int (f, "rdJoin.error.status"), ==, cases[i].status);
      {
        g_autofree char *kind = eval_string (f, "rdJoin.error.kind");
        g_assert_cmpstr (kind, ==, cases[i].kind);
      }
      g_assert_false (eval_bool (f, "document.getElementById('error').hidden"));
      text = eval_string (f, "document.getElementById('error').innerText");
      g_test_message ("%u -> %s", cases[i].status, text);
      g_assert_nonnull (strstr (text, cases[i].vi));
      g_assert_nonnull (strstr (text, cases[i].en));
      /* The server's own sentence and the status are shown too. */
      detail = eval_string (f, "document.getElementById('detail').textContent");
      status_text = g_strdup_printf ("HTTP %u", cases[i].status);
      g_assert_nonnull (strstr (detail, status_text));
      g_assert_nonnull (strstr (detail, "stub says no."));
      if (cases[i].status == 429 || cases[i].status == 503)
        g_assert_nonnull (strstr (detail, "Retry-After: 7"));
      status_js = g_strdup_printf ("!document.getElementById('retry').hidden === %s",
                                   cases[i].retry ? "true" : "false");
      g_assert_true (eval_bool (f, status_js));
      g_assert_true (eval_bool (f, "rdJoin.pc === null && rdJoin.resource === null"));
      if (!cases[i].retry)
        /* Nothing a retry could fix: the camera is released. */
        g_assert_true (eval_bool (f, "rdJoin.localStream === null"));
      assert_no_external_requests (f);
    }
}

/* A link without a token never reaches the WHIP endpoint and says what is wrong. */
static void
test_no_token (Fixture *f, gconstpointer data)
{
  g_autofree char *text = NULL;

  if (!f->chromium)
    return;
  open_page (f, NULL);
  wait_page (f, "rdJoin.state === 'error'", "[rdJoin.state, rdJoin.error]", STEP_TIMEOUT_MS);
  g_assert_true (eval_bool (f, "rdJoin.error.kind === 'no-token'"));
  text = eval_string (f, "document.getElementById('error').innerText");
  g_assert_nonnull (strstr (text, "thiếu mã truy cập"));
  g_assert_nonnull (strstr (text, "access code is missing"));
  /* The page decided before any fetch or getUserMedia: nothing can still be in flight. */
  g_assert_true (eval_bool (f, "rdJoin.localStream === null && rdJoin.pc === null"));
  g_assert_cmpuint (count_requests (f, "POST", "/whip/" SESSION_ID), ==, 0);
  assert_no_external_requests (f);
}

/* With #ice=trickle the page POSTs at once and sends its candidates by PATCH (RFC 8840 sdpfrag,
 * If-Match with the ETag), ending with end-of-candidates. */
static void
test_trickle (Fixture *f, gconstpointer data)
{
  g_autoptr (GString) all = g_string_new (NULL);
  Request *post;
  guint patches = 0;

  if (!f->chromium)
    return;
  open_page (f, "#token=" TOKEN "&ice=trickle");
  post = wait_request (f, "POST", "/whip/" SESSION_ID, STEP_TIMEOUT_MS);
  g_string_append (all, post->body);
  /* Every candidate, then end-of-candidates, PATCHed and accepted. */
  wait_page (f, "rdJoin.trickle.ended", "[rdJoin.state, rdJoin.trickle]", STEP_TIMEOUT_MS);
  g_assert_true (eval_bool (f, "rdJoin.trickle.lastStatus === 204"));
  for (guint i = 0; i < f->requests->len; i++)
    {
      Request *r = f->requests->pdata[i];
      if (!g_str_equal (r->method, "PATCH"))
        continue;
      patches++;
      g_test_message ("PATCH body:\n%s", r->body);
      g_assert_cmpstr (r->path, ==, PEER_PATH);
      g_assert_cmpstr (r->content_type, ==, "application/trickle-ice-sdpfrag");
      g_assert_cmpstr (r->if_match, ==, "\"" ETAG "\"");
      g_assert_cmpstr (r->authorization, ==, "Bearer " TOKEN);
      g_assert_true (g_str_has_prefix (r->body, "a=ice-ufrag:"));
      g_assert_nonnull (strstr (r->body, "\r\na=ice-pwd:"));
      g_assert_nonnull (strstr (r->body, "\r\nm=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=mid:0\r\n"));
      g_string_append (all, r->body);
    }
  g_assert_cmpuint (patches, >, 0);
  /* Between the offer and the PATCHes, the loopback host candidate went out exactly once. */
  {
    g_autoptr (GRegex) re =
        g_regex_new ("a=candidate:\\S+ 1 udp \\d+ 127\\.0\\.0\\.1 ", 0, 0, NULL);
    g_autoptr (GMatchInfo) match = NULL;
    guint n = 0;
    for (g_regex_match (re, all->str, 0, &match); g_match_info_matches (match);
         g_match_info_next (match, NULL))
      n++;
    g_assert_cmpuint (n, ==, 1);
  }
  g_assert_nonnull (strstr (all->str, "a=end-of-candidates\r\n"));
  assert_no_external_requests (f);
}

/* A real two-way call with webrtcbin behind the stub: the page decodes the far end's video and
 * audio, the far end receives the page's. */
static void
test_call (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonNode) stats = NULL;
  g_autofree char *json = NULL;
  Request *post;
  gint64 t;
  gboolean timed_out = FALSE;
  guint id;

  if (!f->chromium)
    return;
  f->real_answer = TRUE;
  open_page (f, "#token=" TOKEN);
  post = wait_request (f, "POST", "/whip/" SESSION_ID, STEP_TIMEOUT_MS);
  wait_page (f, "rdJoin.state === 'connected'", "[rdJoin.state, rdJoin.error]", STEP_TIMEOUT_MS);
  t = g_get_monotonic_time ();
  g_test_message ("connected %.0f ms after the POST", (t - post->when_us) / 1000.0);
  wait_page (f, "rdJoin.stats().then((s) => s.framesDecoded > 0)", "rdJoin.stats()",
             STEP_TIMEOUT_MS);
  t = g_get_monotonic_time ();
  g_test_message ("first remote frame decoded %.0f ms after the POST",
                  (t - post->when_us) / 1000.0);
  wait_page (f,
             "rdJoin.stats().then((s) => s.framesDecoded > 20 && s.audioPacketsReceived > 50 "
             "&& s.audioEnergy > 0 && s.videoPacketsSent > 20 && s.audioPacketsSent > 50 && "
             "s.connectionState === 'connected')",
             "rdJoin.stats()", STEP_TIMEOUT_MS);
  g_assert_true (eval_bool (f, "document.getElementById('remote').videoWidth === 320"));
  stats = eval (f, "rdJoin.stats()");
  json = json_to_string (stats, FALSE);
  g_test_message ("stats: %s", json);

  /* And the far end got the browser's camera and microphone. */
  id = g_timeout_add (STEP_TIMEOUT_MS, timeout_cb, &timed_out);
  while (!timed_out && (g_atomic_int_get (&f->answerer->video_buffers) < 20 ||
                        g_atomic_int_get (&f->answerer->audio_buffers) < 50))
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  g_test_message ("webrtcbin received %d video and %d audio RTP buffers",
                  g_atomic_int_get (&f->answerer->video_buffers),
                  g_atomic_int_get (&f->answerer->audio_buffers));
  g_assert_cmpint (g_atomic_int_get (&f->answerer->video_buffers), >=, 20);
  g_assert_cmpint (g_atomic_int_get (&f->answerer->audio_buffers), >=, 50);

  g_assert_true (
      eval_bool (f, "document.getElementById('leave').click(), rdJoin.state === 'left'"));
  wait_request (f, "DELETE", PEER_PATH, STEP_TIMEOUT_MS);
  assert_no_external_requests (f);
}

int
main (int argc, char **argv)
{
  /* Before anything else, before any thread: a network namespace of our own. */
  if (!rd_test_enter_netns (&netns_why))
    g_assert_nonnull (netns_why);
  g_test_init (&argc, &argv, NULL);
  rd_test_tolerate_third_party_race ();
  gst_init (&argc, &argv);

  g_test_add_func ("/join/page/self-contained", test_page_self_contained);
  g_test_add ("/join/chromium/offer-and-leave", Fixture, NULL, fixture_setup, test_offer_and_leave,
              fixture_teardown);
  g_test_add ("/join/chromium/http-errors", Fixture, NULL, fixture_setup, test_http_errors,
              fixture_teardown);
  g_test_add ("/join/chromium/no-token", Fixture, NULL, fixture_setup, test_no_token,
              fixture_teardown);
  g_test_add ("/join/chromium/trickle", Fixture, NULL, fixture_setup, test_trickle,
              fixture_teardown);
  g_test_add ("/join/chromium/call", Fixture, NULL, fixture_setup, test_call, fixture_teardown);
  return g_test_run ();
}
