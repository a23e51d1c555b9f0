/* rd-test-call.c: see rd-test-call.h. */
#include "tests/rd-test-call.h"

#include <gst/gst.h>
#include <string.h>
#include "tests/rd-test-wait.h"

void
rd_test_peer_events_clear (RdTestPeerEvents *ev)
{
  g_free (ev->sdp);
  g_free (ev->fingerprint);
  g_clear_error (&ev->error);
  g_clear_pointer (&ev->candidates, g_ptr_array_unref);
  g_clear_pointer (&ev->held, g_ptr_array_unref);
}

void
rd_test_rooms_setup (RdTestRooms *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->config = rd_config_load_data (data ? data : RD_TEST_ROOM_CONFIG, "test.conf", &error);
  g_assert_no_error (error);
  f->offerer_room = rd_room_new (f->config, &error);
  g_assert_no_error (error);
  g_assert_true (rd_room_start (f->offerer_room, &error));
  f->answerer_room = rd_room_new (f->config, &error);
  g_assert_no_error (error);
  g_assert_true (rd_room_start (f->answerer_room, &error));
}

void
rd_test_rooms_teardown (RdTestRooms *f, gconstpointer data)
{
  rd_room_stop (f->offerer_room);
  rd_room_stop (f->answerer_room);
  g_clear_object (&f->offerer_room);
  g_clear_object (&f->answerer_room);
  g_clear_pointer (&f->config, rd_config_unref);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static void
on_verified (RdPeer *peer, const char *fingerprint, RdTestPeerEvents *ev)
{
  g_assert_cmpstr (fingerprint, ==, rd_peer_get_remote_fingerprint (peer));
  ev->verified = TRUE;
  ev->fingerprint = g_strdup (fingerprint);
}

static void
on_closed (RdPeer *peer, const char *reason, RdTestPeerEvents *ev)
{
  g_test_message ("peer %s closed: %s", rd_peer_get_id (peer), reason);
  ev->closed = TRUE;
}

static void
on_state (RdPeer *peer, int state, RdTestPeerEvents *ev)
{
  ev->last_state = state;
}

static void
on_stream_added (RdPeer *peer, GstElement *tee, gboolean video, const char *codec,
                 RdTestPeerEvents *ev)
{
  if (video)
    ev->video_added = TRUE;
  else
    ev->audio_added = TRUE;
}

static void
on_local_candidate (RdPeer *peer, const char *mid, const char *candidate, RdTestPeerEvents *ev)
{
  g_autofree char *frag = g_strdup_printf ("a=mid:%s\r\na=%s\r\n", mid, candidate);

  g_assert_true (g_str_has_prefix (candidate, "candidate:"));
  g_ptr_array_add (ev->candidates, g_strdup_printf ("%s %s", mid, candidate));
  if (ev->gathering_done)
    ev->candidates_after_done++;
  if (ev->far)
    g_assert_true (rd_peer_add_remote_candidates (ev->far, frag, NULL));
  else
    g_ptr_array_add (ev->held, g_steal_pointer (&frag));
}

static void
on_gathering_done (RdPeer *peer, RdTestPeerEvents *ev)
{
  ev->gathering_done++;
}

RdPeer *
rd_test_call_new_peer (RdRoom *room, RdConfig *config, const char *id, RdTestPeerEvents *ev)
{
  g_autoptr (GError) error = NULL;
  RdPeer *peer = rd_peer_new (room, config, id, &error);

  g_assert_no_error (error);
  ev->candidates = g_ptr_array_new_with_free_func (g_free);
  ev->held = g_ptr_array_new_with_free_func (g_free);
  g_signal_connect (peer, "verified", G_CALLBACK (on_verified), ev);
  g_signal_connect (peer, "closed", G_CALLBACK (on_closed), ev);
  g_signal_connect (peer, "state-changed", G_CALLBACK (on_state), ev);
  g_signal_connect (peer, "stream-added", G_CALLBACK (on_stream_added), ev);
  g_signal_connect (peer, "local-candidate", G_CALLBACK (on_local_candidate), ev);
  g_signal_connect (peer, "gathering-done", G_CALLBACK (on_gathering_done), ev);
  return peer;
}

void
rd_test_on_offer (GObject *source, GAsyncResult *result, gpointer user_data)
{
  RdTestPeerEvents *ev = user_data;

  ev->sdp = rd_peer_offer_finish (RD_PEER (source), result, &ev->error);
  ev->done = TRUE;
}

void
rd_test_on_answer (GObject *source, GAsyncResult *result, gpointer user_data)
{
  RdTestPeerEvents *ev = user_data;

  ev->sdp = rd_peer_answer_finish (RD_PEER (source), result, &ev->error);
  ev->done = TRUE;
}

typedef struct
{
  gboolean done, ok;
  GError *error;
} SetAnswer;

static void
on_set_answer (GObject *source, GAsyncResult *result, gpointer user_data)
{
  SetAnswer *sa = user_data;

  sa->ok = rd_peer_set_answer_finish (RD_PEER (source), result, &sa->error);
  sa->done = TRUE;
}

/* The offer of @peer (as @kind); waits for it. The gathering state when it completed. */
void
rd_test_call_offer (RdPeer *peer, RdPeerOfferKind kind, RdTestPeerEvents *ev)
{
  rd_peer_offer_async (peer, kind, NULL, rd_test_on_offer, ev);
  WAIT_FOR (ev->done, 10, "offer not done; peer %s",
            rd_peer_state_to_string (rd_peer_get_state (peer)));
  g_assert_no_error (ev->error);
  g_assert_nonnull (ev->sdp);
}

/* @answerer answers @offer_ev's offer; the offerer's candidates (held and later ones) go to it. */
void
rd_test_call_answer (RdPeer *answerer, RdTestPeerEvents *offer_ev, RdTestPeerEvents *ev)
{
  rd_peer_answer_async (answerer, offer_ev->sdp, NULL, rd_test_on_answer, ev);
  offer_ev->far = answerer;
  for (guint i = 0; i < offer_ev->held->len; i++)
    g_assert_true (rd_peer_add_remote_candidates (answerer, offer_ev->held->pdata[i], NULL));
  g_ptr_array_set_size (offer_ev->held, 0);
  WAIT_FOR (ev->done, 10, "no answer; answerer %s",
            rd_peer_state_to_string (rd_peer_get_state (answerer)));
}

GError *
rd_test_call_set_answer (RdPeer *offerer, const char *answer)
{
  SetAnswer sa = { 0 };

  rd_peer_set_answer_async (offerer, answer, NULL, on_set_answer, &sa);
  WAIT_FOR (sa.done, 10, "rd_test_call_set_answer not done");
  g_assert_true (sa.ok == (sa.error == NULL));
  return sa.error;
}

char *
rd_test_sdp_attribute (const char *sdp, const char *name)
{
  g_autofree char *key = g_strdup_printf ("a=%s:", name);
  const char *p = strstr (sdp, key);
  const char *end;

  if (!p)
    return NULL;
  p += strlen (key);
  end = strpbrk (p, "\r\n");
  return g_strndup (p, end ? (gsize)(end - p) : strlen (p));
}

void
rd_test_call_clear (RdTestCall *c)
{
  if (c->offerer)
    rd_peer_close (c->offerer, "test over");
  if (c->answerer)
    rd_peer_close (c->answerer, "test over");
  g_clear_object (&c->offerer);
  g_clear_object (&c->answerer);
  rd_test_peer_events_clear (&c->off);
  rd_test_peer_events_clear (&c->ans);
}

/* Offer (@kind, the offerer with @config), answer, answer set, both verified. */
void
rd_test_call_connect (RdTestRooms *f, RdTestCall *c, RdPeerOfferKind kind, RdConfig *config)
{
  g_autoptr (GError) error = NULL;

  c->offerer =
      rd_test_call_new_peer (f->offerer_room, config ? config : f->config, "board", &c->off);
  rd_test_call_offer (c->offerer, kind, &c->off);
  c->answerer = rd_test_call_new_peer (f->answerer_room, f->config, "ward", &c->ans);
  rd_test_call_answer (c->answerer, &c->off, &c->ans);
  g_assert_no_error (c->ans.error);
  error = rd_test_call_set_answer (c->offerer, c->ans.sdp);
  g_assert_no_error (error);
  WAIT_FOR (c->off.verified && c->ans.verified, 30,
            "offerer %s verified %d, answerer %s verified %d",
            rd_peer_state_to_string (rd_peer_get_state (c->offerer)), c->off.verified,
            rd_peer_state_to_string (rd_peer_get_state (c->answerer)), c->ans.verified);
}

RdPeer *
rd_test_call_in_test_peer (RdRoom *room, RdConfig *config, const char *id, RdTestPeer *tp)
{
  g_autoptr (GError) error = NULL;
  RdTestPeerEvents ev = { 0 };
  RdPeer *peer = rd_test_call_new_peer (room, config, id, &ev);
  g_autofree char *offer = rd_test_peer_create_offer (tp, &error);

  g_assert_no_error (error);
  rd_peer_answer_async (peer, offer, NULL, rd_test_on_answer, &ev);
  WAIT_FOR (ev.done, 10, "%s: no answer; peer %s", id,
            rd_peer_state_to_string (rd_peer_get_state (peer)));
  g_assert_no_error (ev.error);
  g_assert_true (rd_test_peer_set_answer (tp, ev.sdp, &error));
  g_assert_no_error (error);
  WAIT_FOR (ev.verified, 10, "%s: state %s, test peer %s", id,
            rd_peer_state_to_string (rd_peer_get_state (peer)),
            rd_test_peer_get_connection_state (tp));
  /* the events are this function's: nothing may write them once it returns */
  g_signal_handlers_disconnect_by_data (peer, &ev);
  rd_test_peer_events_clear (&ev);
  return peer;
}
