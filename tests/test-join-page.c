/* test-join-page.c: the browser join page (signaling/rd-signal-join.h) in a real Chromium.
 *
 * In a network namespace of its own (only lo), a small libsoup server on 127.0.0.1 serves
 * rd_signal_join_page() at /join/S1 and a stub WHIP endpoint at /whip/S1 that records every
 * request and answers what the test asks for (tests/rd-test-join-stub.h). Headless Chromium
 * (tests/rd-test-chromium.h, fake camera and microphone) opens /join/S1#token=...; the test checks
 * what the page sends and what it shows. http://127.0.0.1 is a secure context for Chromium, so
 * getUserMedia works without TLS.
 *
 * Here the stub answers the offer with a syntactically valid answer that leads nowhere (no
 * candidates: enough for Location/ETag/PATCH/DELETE and the UI), or refuses it. The call with a
 * real answerer is test-join-page-call.c; a full call against the real daemon is the integration
 * test's job. */
#include "signaling/rd-signal-join.h"
#include "tests/rd-test-join-stub.h"
#include "tests/rd-test-netns.h"

#include <string.h>

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
test_offer_and_leave (RdTestJoin *f, gconstpointer data)
{
  g_autofree char *who = NULL;
  g_autofree char *resource = NULL;
  g_autoptr (GPtrArray) sections = NULL;
  RdTestJoinRequest *post;
  RdTestJoinRequest *del;
  gint64 loaded_us;
  guint patches;

  if (!f->chromium)
    return;
  rd_test_join_open_page (f, "#token=" RD_TEST_JOIN_TOKEN "&name=Nguy%E1%BB%85n%20V%C4%83n%20A");
  loaded_us = g_get_monotonic_time ();

  /* The fake camera's frames reach the local preview. */
  rd_test_join_wait_page (
      f, "document.getElementById('local').videoWidth > 0",
      "[rdJoin.state, rdJoin.error, document.getElementById('local').readyState]",
      RD_TEST_JOIN_STEP_TIMEOUT_MS);
  g_test_message ("local preview playing %.0f ms after load",
                  (g_get_monotonic_time () - loaded_us) / 1000.0);
  who = rd_test_join_eval_string (f, "document.getElementById('who').textContent");
  g_assert_cmpstr (who, ==, "Nguyễn Văn A");

  post = rd_test_join_wait_request (f, "POST", "/whip/" RD_TEST_JOIN_SESSION_ID,
                                    RD_TEST_JOIN_STEP_TIMEOUT_MS);
  g_test_message ("offer POSTed %.0f ms after load", (post->when_us - loaded_us) / 1000.0);
  g_assert_cmpstr (post->authorization, ==, "Bearer " RD_TEST_JOIN_TOKEN);
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
  rd_test_join_wait_page (f, "rdJoin.state === 'connecting' && rdJoin.resource !== null",
                          "[rdJoin.state, rdJoin.error]", RD_TEST_JOIN_STEP_TIMEOUT_MS);
  resource = rd_test_join_eval_string (f, "rdJoin.resource");
  g_assert_true (g_str_has_prefix (resource, f->origin));
  g_assert_cmpstr (resource + strlen (f->origin), ==, RD_TEST_JOIN_PEER_PATH);
  g_assert_true (rd_test_join_eval_bool (f, "rdJoin.etag === '" RD_TEST_JOIN_ETAG "'"));
  g_assert_true (rd_test_join_eval_bool (f, "rdJoin.iceServers.length === 1 && "
                                            "rdJoin.iceServers[0].urls === 'stun:127.0.0.1:3478'"));
  g_assert_true (rd_test_join_eval_bool (f, "rdJoin.pc.signalingState === 'stable'"));
  g_assert_true (rd_test_join_eval_bool (f, "document.getElementById('error').hidden"));
  g_assert_true (rd_test_join_eval_bool (f, "document.getElementById('rec').hidden"));
  /* The REC hook. */
  g_assert_true (rd_test_join_eval_bool (f,
                                         "rdJoin.setRecording(true), "
                                         "getComputedStyle(document.getElementById('rec')).display "
                                         "!== 'none'"));
  g_assert_true (rd_test_join_eval_bool (
      f, "rdJoin.setRecording(false), document.getElementById('rec').hidden"));
  {
    g_autoptr (JsonNode) stats = rd_test_join_eval (f, "rdJoin.stats()");
    JsonObject *o = json_node_get_object (stats);
    const char *keys[] = { "framesDecoded", "audioPacketsReceived", "audioEnergy", "packetsSent",
                           "connectionState" };
    for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
      g_assert_true (json_object_has_member (o, keys[i]));
  }

  /* Mute buttons: track.enabled flips, nothing is renegotiated, the senders keep their track. */
  g_assert_true (rd_test_join_eval_bool (f, "rdJoin.localStream.getAudioTracks()[0].enabled"));
  g_assert_true (rd_test_join_eval_bool (f, "document.getElementById('mute-mic').click(), "
                                            "!rdJoin.localStream.getAudioTracks()[0].enabled"));
  g_assert_true (rd_test_join_eval_bool (f, "document.getElementById('mute-mic')"
                                            ".getAttribute('aria-pressed') === 'true'"));
  g_assert_true (rd_test_join_eval_bool (f, "document.getElementById('mute-camera').click(), "
                                            "!rdJoin.localStream.getVideoTracks()[0].enabled"));
  g_assert_true (rd_test_join_eval_bool (f, "document.getElementById('mute-camera')"
                                            ".getAttribute('aria-pressed') === 'true'"));
  g_assert_true (rd_test_join_eval_bool (f, "rdJoin.pc.getSenders().length === 2 && "
                                            "rdJoin.pc.getSenders().every((s) => s.track && "
                                            "s.track.readyState === 'live' && !s.track.enabled)"));
  g_assert_true (rd_test_join_eval_bool (f, "document.getElementById('mute-mic').click(), "
                                            "rdJoin.localStream.getAudioTracks()[0].enabled"));
  g_assert_true (rd_test_join_eval_bool (f, "rdJoin.pc.signalingState === 'stable'"));
  g_assert_cmpuint (rd_test_join_count_requests (f, "POST", "/whip/" RD_TEST_JOIN_SESSION_ID), ==,
                    1);

  /* Leave: DELETE on the resource with the token, tracks stopped. */
  g_assert_true (rd_test_join_eval_bool (
      f, "document.getElementById('leave').click(), rdJoin.state === 'left'"));
  del =
      rd_test_join_wait_request (f, "DELETE", RD_TEST_JOIN_PEER_PATH, RD_TEST_JOIN_STEP_TIMEOUT_MS);
  g_assert_cmpstr (del->authorization, ==, "Bearer " RD_TEST_JOIN_TOKEN);
  g_assert_true (rd_test_join_eval_bool (f, "rdJoin.pc === null && rdJoin.localStream === null"));
  g_assert_true (rd_test_join_eval_bool (f, "document.getElementById('leave').disabled"));

  /* Trickle PATCHes, if any candidate came late, were well-formed. */
  patches = rd_test_join_count_requests (f, "PATCH", RD_TEST_JOIN_PEER_PATH);
  g_test_message ("%u trickle PATCH(es)", patches);
  for (guint i = 0; i < f->requests->len; i++)
    {
      RdTestJoinRequest *r = f->requests->pdata[i];
      if (!g_str_equal (r->method, "PATCH"))
        continue;
      g_test_message ("PATCH body:\n%s", r->body);
      g_assert_cmpstr (r->content_type, ==, "application/trickle-ice-sdpfrag");
      g_assert_cmpstr (r->if_match, ==, "\"" RD_TEST_JOIN_ETAG "\"");
      g_assert_cmpstr (r->authorization, ==, "Bearer " RD_TEST_JOIN_TOKEN);
    }
  rd_test_join_assert_no_external_requests (f);
}

/* Each refusal of the POST is shown as what it means for the user. */
static void
test_http_errors (RdTestJoin *f, gconstpointer data)
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
      rd_test_join_open_page (f, "#token=" RD_TEST_JOIN_TOKEN);
      rd_test_join_wait_request (f, "POST", "/whip/" RD_TEST_JOIN_SESSION_ID,
                                 RD_TEST_JOIN_STEP_TIMEOUT_MS);
      rd_test_join_wait_page (f, "rdJoin.state === 'error'", "[rdJoin.state, rdJoin.error]",
                              RD_TEST_JOIN_STEP_TIMEOUT_MS);
      g_assert_cmpint (rd_test_join_eval_int (f, "rdJoin.error.status"), ==, cases[i].status);
      {
        g_autofree char *kind = rd_test_join_eval_string (f, "rdJoin.error.kind");
        g_assert_cmpstr (kind, ==, cases[i].kind);
      }
      g_assert_false (rd_test_join_eval_bool (f, "document.getElementById('error').hidden"));
      text = rd_test_join_eval_string (f, "document.getElementById('error').innerText");
      g_test_message ("%u -> %s", cases[i].status, text);
      g_assert_nonnull (strstr (text, cases[i].vi));
      g_assert_nonnull (strstr (text, cases[i].en));
      /* The server's own sentence and the status are shown too. */
      detail = rd_test_join_eval_string (f, "document.getElementById('detail').textContent");
      status_text = g_strdup_printf ("HTTP %u", cases[i].status);
      g_assert_nonnull (strstr (detail, status_text));
      g_assert_nonnull (strstr (detail, "stub says no."));
      if (cases[i].status == 429 || cases[i].status == 503)
        g_assert_nonnull (strstr (detail, "Retry-After: 7"));
      status_js = g_strdup_printf ("!document.getElementById('retry').hidden === %s",
                                   cases[i].retry ? "true" : "false");
      g_assert_true (rd_test_join_eval_bool (f, status_js));
      g_assert_true (rd_test_join_eval_bool (f, "rdJoin.pc === null && rdJoin.resource === null"));
      if (!cases[i].retry)
        /* Nothing a retry could fix: the camera is released. */
        g_assert_true (rd_test_join_eval_bool (f, "rdJoin.localStream === null"));
      rd_test_join_assert_no_external_requests (f);
    }
}

/* A link without a token never reaches the WHIP endpoint and says what is wrong. */
static void
test_no_token (RdTestJoin *f, gconstpointer data)
{
  g_autofree char *text = NULL;

  if (!f->chromium)
    return;
  rd_test_join_open_page (f, NULL);
  rd_test_join_wait_page (f, "rdJoin.state === 'error'", "[rdJoin.state, rdJoin.error]",
                          RD_TEST_JOIN_STEP_TIMEOUT_MS);
  g_assert_true (rd_test_join_eval_bool (f, "rdJoin.error.kind === 'no-token'"));
  text = rd_test_join_eval_string (f, "document.getElementById('error').innerText");
  g_assert_nonnull (strstr (text, "thiếu mã truy cập"));
  g_assert_nonnull (strstr (text, "access code is missing"));
  /* The page decided before any fetch or getUserMedia: nothing can still be in flight. */
  g_assert_true (rd_test_join_eval_bool (f, "rdJoin.localStream === null && rdJoin.pc === null"));
  g_assert_cmpuint (rd_test_join_count_requests (f, "POST", "/whip/" RD_TEST_JOIN_SESSION_ID), ==,
                    0);
  rd_test_join_assert_no_external_requests (f);
}

/* With #ice=trickle the page POSTs at once and sends its candidates by PATCH (RFC 8840 sdpfrag,
 * If-Match with the ETag), ending with end-of-candidates. */
static void
test_trickle (RdTestJoin *f, gconstpointer data)
{
  g_autoptr (GString) all = g_string_new (NULL);
  RdTestJoinRequest *post;
  guint patches = 0;

  if (!f->chromium)
    return;
  rd_test_join_open_page (f, "#token=" RD_TEST_JOIN_TOKEN "&ice=trickle");
  post = rd_test_join_wait_request (f, "POST", "/whip/" RD_TEST_JOIN_SESSION_ID,
                                    RD_TEST_JOIN_STEP_TIMEOUT_MS);
  g_string_append (all, post->body);
  /* Every candidate, then end-of-candidates, PATCHed and accepted. */
  rd_test_join_wait_page (f, "rdJoin.trickle.ended", "[rdJoin.state, rdJoin.trickle]",
                          RD_TEST_JOIN_STEP_TIMEOUT_MS);
  g_assert_true (rd_test_join_eval_bool (f, "rdJoin.trickle.lastStatus === 204"));
  for (guint i = 0; i < f->requests->len; i++)
    {
      RdTestJoinRequest *r = f->requests->pdata[i];
      if (!g_str_equal (r->method, "PATCH"))
        continue;
      patches++;
      g_test_message ("PATCH body:\n%s", r->body);
      g_assert_cmpstr (r->path, ==, RD_TEST_JOIN_PEER_PATH);
      g_assert_cmpstr (r->content_type, ==, "application/trickle-ice-sdpfrag");
      g_assert_cmpstr (r->if_match, ==, "\"" RD_TEST_JOIN_ETAG "\"");
      g_assert_cmpstr (r->authorization, ==, "Bearer " RD_TEST_JOIN_TOKEN);
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
  rd_test_join_assert_no_external_requests (f);
}

int
main (int argc, char **argv)
{
  /* Before anything else, before any thread: a network namespace of our own. */
  rd_test_join_enter_netns ();
  g_test_init (&argc, &argv, NULL);
  rd_test_tolerate_third_party_race ();

  g_test_add_func ("/join/page/self-contained", test_page_self_contained);
  g_test_add ("/join/chromium/offer-and-leave", RdTestJoin, NULL, rd_test_join_set_up,
              test_offer_and_leave, rd_test_join_tear_down);
  g_test_add ("/join/chromium/http-errors", RdTestJoin, NULL, rd_test_join_set_up, test_http_errors,
              rd_test_join_tear_down);
  g_test_add ("/join/chromium/no-token", RdTestJoin, NULL, rd_test_join_set_up, test_no_token,
              rd_test_join_tear_down);
  g_test_add ("/join/chromium/trickle", RdTestJoin, NULL, rd_test_join_set_up, test_trickle,
              rd_test_join_tear_down);
  return g_test_run ();
}
