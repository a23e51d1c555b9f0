/* test-media-peer-offer.c: RdPeer as the offerer (media/rd-media-peer-offer.h) against RdPeer as
 * the answerer, each in a room of its own in this process (two RdRooms: the "board" that offers
 * and the "ward" that answers), in a network namespace of the test's own with only 127.0.0.1;
 * TURN through a real coturn started in that namespace. */
#include "media/rd-media-peer-offer.h"
#include "tests/rd-test-netns.h"
#include "tests/rd-test-turn.h"

#include <gst/gst.h>
#include <string.h>
#include "tests/rd-test-wait.h"

#define ROOM_CONFIG                                                                                \
  "[media]\ncamera=test\nmicrophone=test\ndisplay=none\nspeakers=none\n"                           \
  "[network]\nice-addresses=127.0.0.1\n"

typedef struct
{
  RdConfig *config;
  RdRoom *offerer_room, *answerer_room;
} Fixture;

/* What one peer said. */
typedef struct
{
  gboolean done, verified, closed, video_added, audio_added;
  char *sdp, *fingerprint;
  GError *error;
  GPtrArray *candidates; /* "mid candidate:..." in order */
  guint gathering_done, candidates_after_done;
  RdPeer *far;     /* the answerer, once it has the offer: our candidates go to it */
  GPtrArray *held; /* sdpfrags for it until then */
  RdPeerState last_state;
} Ev;

static void
ev_clear (Ev *ev)
{
  g_free (ev->sdp);
  g_free (ev->fingerprint);
  g_clear_error (&ev->error);
  g_clear_pointer (&ev->candidates, g_ptr_array_unref);
  g_clear_pointer (&ev->held, g_ptr_array_unref);
}

static void
setup (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->config = rd_config_load_data (ROOM_CONFIG, "test.conf", &error);
  g_assert_no_error (error);
  f->offerer_room = rd_room_new (f->config, &error);
  g_assert_no_error (error);
  g_assert_true (rd_room_start (f->offerer_room, &error));
  f->answerer_room = rd_room_new (f->config, &error);
  g_assert_no_error (error);
  g_assert_true (rd_room_start (f->answerer_room, &error));
}

static void
teardown (Fixture *f, gconstpointer data)
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
on_verified (RdPeer *peer, const char *fingerprint, Ev *ev)
{
  g_assert_cmpstr (fingerprint, ==, rd_peer_get_remote_fingerprint (peer));
  ev->verified = TRUE;
  ev->fingerprint = g_strdup (fingerprint);
}

static void
on_closed (RdPeer *peer, const char *reason, Ev *ev)
{
  g_test_message ("peer %s closed: %s", rd_peer_get_id (peer), reason);
  ev->closed = TRUE;
}

static void
on_state (RdPeer *peer, int state, Ev *ev)
{
  ev->last_state = state;
}

static void
on_stream_added (RdPeer *peer, GstElement *tee, gboolean video, const char *codec, Ev *ev)
{
  if (video)
    ev->video_added = TRUE;
  else
    ev->audio_added = TRUE;
}

static void
on_local_candidate (RdPeer *peer, const char *mid, const char *candidate, Ev *ev)
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
on_gathering_done (RdPeer *peer, Ev *ev)
{
  ev->gathering_done++;
}

static RdPeer *
new_peer (RdRoom *room, RdConfig *config, const char *id, Ev *ev)
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

static void
on_offer (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Ev *ev = user_data;

  ev->sdp = rd_peer_offer_finish (RD_PEER (source), result, &ev->error);
  ev->done = TRUE;
}

static void
on_answer (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Ev *ev = user_data;

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
static void
make_offer (RdPeer *peer, RdPeerOfferKind kind, Ev *ev)
{
  rd_peer_offer_async (peer, kind, NULL, on_offer, ev);
  WAIT_FOR (ev->done, 10, "offer not done; peer %s",
            rd_peer_state_to_string (rd_peer_get_state (peer)));
  g_assert_no_error (ev->error);
  g_assert_nonnull (ev->sdp);
}

/* @answerer answers @offer_ev's offer; the offerer's candidates (held and later ones) go to it. */
static void
make_answer (RdPeer *answerer, Ev *offer_ev, Ev *ev)
{
  rd_peer_answer_async (answerer, offer_ev->sdp, NULL, on_answer, ev);
  offer_ev->far = answerer;
  for (guint i = 0; i < offer_ev->held->len; i++)
    g_assert_true (rd_peer_add_remote_candidates (answerer, offer_ev->held->pdata[i], NULL));
  g_ptr_array_set_size (offer_ev->held, 0);
  WAIT_FOR (ev->done, 10, "no answer; answerer %s",
            rd_peer_state_to_string (rd_peer_get_state (answerer)));
}

static GError *
set_answer (RdPeer *offerer, const char *answer)
{
  SetAnswer sa = { 0 };

  rd_peer_set_answer_async (offerer, answer, NULL, on_set_answer, &sa);
  WAIT_FOR (sa.done, 10, "set_answer not done");
  g_assert_true (sa.ok == (sa.error == NULL));
  return sa.error;
}

/* @sdp without its candidate lines; the candidates as an sdpfrag ("a=mid:" + lines). */
static char *
split_candidates (const char *sdp, char **frag)
{
  g_auto (GStrv) lines = g_strsplit (sdp, "\r\n", -1);
  GString *out = g_string_new (NULL), *cands = g_string_new (NULL);
  const char *mid = NULL;

  for (char **l = lines; *l; l++)
    {
      if (g_str_has_prefix (*l, "a=mid:") && !mid)
        mid = *l;
      if (g_str_has_prefix (*l, "a=candidate:") || g_str_has_prefix (*l, "a=end-of-candidates"))
        g_string_append_printf (cands, "%s\r\n", *l);
      else if (**l)
        g_string_append_printf (out, "%s\r\n", *l);
    }
  *frag = g_strdup_printf ("%s\r\n%s", mid ? mid : "", cands->str);
  g_string_free (cands, TRUE);
  return g_string_free (out, FALSE);
}

static char *
attribute (const char *sdp, const char *name)
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

typedef struct
{
  RdPeer *offerer, *answerer;
  Ev off, ans;
} Call;

static void
call_clear (Call *c)
{
  if (c->offerer)
    rd_peer_close (c->offerer, "test over");
  if (c->answerer)
    rd_peer_close (c->answerer, "test over");
  g_clear_object (&c->offerer);
  g_clear_object (&c->answerer);
  ev_clear (&c->off);
  ev_clear (&c->ans);
}

/* Offer (@kind, the offerer with @config), answer, answer set, both verified. */
static void
connect_call (Fixture *f, Call *c, RdPeerOfferKind kind, RdConfig *config)
{
  g_autoptr (GError) error = NULL;

  c->offerer = new_peer (f->offerer_room, config ? config : f->config, "board", &c->off);
  make_offer (c->offerer, kind, &c->off);
  c->answerer = new_peer (f->answerer_room, f->config, "ward", &c->ans);
  make_answer (c->answerer, &c->off, &c->ans);
  g_assert_no_error (c->ans.error);
  error = set_answer (c->offerer, c->ans.sdp);
  g_assert_no_error (error);
  WAIT_FOR (c->off.verified && c->ans.verified, 15,
            "offerer %s verified %d, answerer %s verified %d",
            rd_peer_state_to_string (rd_peer_get_state (c->offerer)), c->off.verified,
            rd_peer_state_to_string (rd_peer_get_state (c->answerer)), c->ans.verified);
}

static void
test_publish (Fixture *f, gconstpointer data)
{
  Call c = { 0 };
  g_autofree char *answer_fp = NULL;
  g_autofree char *offer_fp = NULL;
  RdPeerStats stats = { 0 };

  connect_call (f, &c, RD_PEER_OFFER_PUBLISH, NULL);
  g_assert_nonnull (strstr (c.off.sdp, "a=sendonly"));
  g_assert_null (strstr (c.off.sdp, "a=recvonly"));
  g_assert_nonnull (strstr (c.off.sdp, "a=group:BUNDLE"));
  g_assert_nonnull (strstr (c.off.sdp, "VP8/90000"));
  g_assert_nonnull (strstr (c.off.sdp, "OPUS/48000/2"));
  /* in the browsers' form: port 9 on every m-line, no bundle-only */
  g_assert_nonnull (strstr (c.off.sdp, "m=audio 9 "));
  g_assert_null (strstr (c.off.sdp, "bundle-only"));
  g_assert_nonnull (strstr (c.ans.sdp, "a=recvonly"));
  /* each side checked the other's certificate against the other's SDP */
  answer_fp = attribute (c.ans.sdp, "fingerprint");
  offer_fp = attribute (c.off.sdp, "fingerprint");
  g_assert_cmpstr (c.off.fingerprint, ==, rd_peer_get_remote_fingerprint (c.offerer));
  g_assert_true (g_ascii_strcasecmp (rd_peer_get_remote_fingerprint (c.offerer), answer_fp) == 0);
  g_assert_true (g_ascii_strcasecmp (rd_peer_get_remote_fingerprint (c.answerer), offer_fp) == 0);
  g_assert_cmpint (rd_peer_get_state (c.offerer), ==, RD_PEER_STATE_CONNECTED);
  WAIT_FOR (rd_room_get_remote_video_frames (f->answerer_room) >= 30 &&
                rd_room_get_remote_audio_buffers (f->answerer_room) >= 25,
            15, "the ward got %" G_GUINT64_FORMAT " frames, %" G_GUINT64_FORMAT " audio buffers",
            rd_room_get_remote_video_frames (f->answerer_room),
            rd_room_get_remote_audio_buffers (f->answerer_room));
  /* publishing sends only */
  g_assert_cmpuint (rd_room_get_remote_video_frames (f->offerer_room), ==, 0);
  g_assert_false (c.off.video_added || c.off.audio_added);
  WAIT_FOR ((rd_peer_stats_clear (&stats), rd_peer_get_stats (c.offerer, &stats),
             stats.bytes_sent > 0 && stats.selected_pair_type),
            5, "offerer stats: tx %" G_GUINT64_FORMAT " B, pair %s", stats.bytes_sent,
            stats.selected_pair_type);
  g_assert_cmpstr (stats.selected_pair_type, ==, "host");
  rd_peer_stats_clear (&stats);
  call_clear (&c);
}

/* The room plays the far end's stream; the far end is the room's own answerer given a recvonly
 * offer: a WHEP viewer, answered sendonly with the room's media. */
static void
test_play_and_whep_viewer (Fixture *f, gconstpointer data)
{
  Call c = { 0 };
  gint64 end;
  guint64 frames;

  connect_call (f, &c, RD_PEER_OFFER_PLAY, NULL);
  g_assert_nonnull (strstr (c.off.sdp, "a=recvonly"));
  g_assert_null (strstr (c.off.sdp, "a=sendonly"));
  g_assert_nonnull (strstr (c.ans.sdp, "a=sendonly"));
  WAIT_FOR (c.off.video_added && c.off.audio_added &&
                rd_room_get_remote_video_frames (f->offerer_room) >= 30 &&
                rd_room_get_remote_audio_buffers (f->offerer_room) >= 25,
            15,
            "stream-added video %d audio %d; the board room got %" G_GUINT64_FORMAT
            " frames, %" G_GUINT64_FORMAT " audio buffers",
            c.off.video_added, c.off.audio_added, rd_room_get_remote_video_frames (f->offerer_room),
            rd_room_get_remote_audio_buffers (f->offerer_room));
  g_assert_cmpuint (rd_room_get_remote_video_frames (f->answerer_room), ==, 0);
  /* A viewer sends no media, only RTCP: the answerer must not take it for lost (its liveness
   * timeout is 10 s). Watched for 12 s: both stay connected and frames keep coming. */
  frames = rd_room_get_remote_video_frames (f->offerer_room);
  end = g_get_monotonic_time () + 12 * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < end)
    {
      g_main_context_iteration (NULL, FALSE);
      g_assert_false (c.ans.closed);
      g_assert_cmpint (rd_peer_get_state (c.answerer), ==, RD_PEER_STATE_CONNECTED);
      g_usleep (20 * 1000);
    }
  g_assert_cmpint (rd_peer_get_state (c.offerer), ==, RD_PEER_STATE_CONNECTED);
  /* still coming (at a rate the shared 2 cores allow: two rooms encode and decode here) */
  g_assert_cmpuint (rd_room_get_remote_video_frames (f->offerer_room), >, frames);
  g_test_message ("the board room got %" G_GUINT64_FORMAT " frames in the 12 s",
                  rd_room_get_remote_video_frames (f->offerer_room) - frames);
  call_clear (&c);
}

/* Trickle: the offer is ready before gathering ends (a STUN server that never answers keeps it
 * going), candidates come as "local-candidate", "gathering-done" once, none after it; an
 * answer without candidates, its candidates given later, connects. */
static void
test_trickle (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (RdConfig) slow = rd_config_load_data (
      ROOM_CONFIG "stun-server=stun://127.0.0.1:3479\n", "slow-stun.conf", &error);
  g_autofree char *bare = NULL;
  g_autofree char *frag = NULL;
  Call c = { 0 };
  gboolean done_at_offer;

  g_assert_no_error (error);
  c.offerer = new_peer (f->offerer_room, slow, "board", &c.off);
  make_offer (c.offerer, RD_PEER_OFFER_PUBLISH, &c.off);
  done_at_offer = c.off.gathering_done > 0;
  g_assert_false (done_at_offer);
  c.answerer = new_peer (f->answerer_room, f->config, "ward", &c.ans);
  make_answer (c.answerer, &c.off, &c.ans);
  g_assert_no_error (c.ans.error);
  bare = split_candidates (c.ans.sdp, &frag);
  g_assert_null (strstr (bare, "a=candidate"));
  g_assert_nonnull (strstr (frag, "a=candidate"));
  error = set_answer (c.offerer, bare);
  g_assert_no_error (error);
  g_assert_true (rd_peer_add_remote_candidates (c.offerer, frag, &error));
  g_assert_no_error (error);
  WAIT_FOR (c.off.verified && c.ans.verified &&
                rd_room_get_remote_video_frames (f->answerer_room) >= 30,
            15, "verified %d/%d, ward frames %" G_GUINT64_FORMAT, c.off.verified, c.ans.verified,
            rd_room_get_remote_video_frames (f->answerer_room));
  WAIT_FOR (c.off.gathering_done > 0, 20, "%u candidates, no gathering-done",
            c.off.candidates->len);
  g_assert_cmpuint (c.off.candidates->len, >=, 1);
  for (guint i = 0; i < c.off.candidates->len; i++)
    g_test_message ("local-candidate %s", (char *)c.off.candidates->pdata[i]);
  g_assert_cmpuint (c.off.gathering_done, ==, 1);
  g_assert_cmpuint (c.off.candidates_after_done, ==, 0);
  call_clear (&c);
}

static gint ready_count; /* READY states of the offerer's libnice component */

static void
on_component_state (GObject *agent, guint stream, guint component, guint state, gpointer data)
{
  if (state == 4 /* NICE_COMPONENT_STATE_READY */)
    g_atomic_int_inc (&ready_count);
}

static GObject *
nice_agent_of_peer (RdRoom *room, const char *id)
{
  g_autofree char *name = g_strdup_printf ("peer-%s", id);
  g_autoptr (GstElement) bin = gst_bin_get_by_name (GST_BIN (rd_room_get_pipeline (room)), name);
  g_autoptr (GstElement) webrtc = gst_bin_get_by_name (GST_BIN (bin), "webrtc");
  g_autoptr (GObject) ice = NULL;
  GObject *agent = NULL;

  g_object_get (webrtc, "ice-agent", &ice, NULL);
  g_object_get (ice, "agent", &agent, NULL);
  return agent;
}

/* ICE restart with the room as the offerer against the room's answerer restart. */
static void
test_ice_restart (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GObject) agent = NULL;
  g_autofree char *old_local = NULL;
  g_autofree char *old_remote = NULL;
  g_autofree char *frag = NULL;
  g_autofree char *reply = NULL;
  g_autofree char *new_remote = NULL;
  g_autofree char *frag_ufrag = NULL;
  Call c = { 0 };
  guint64 frames;
  gint ready_before;

  connect_call (f, &c, RD_PEER_OFFER_PUBLISH, NULL);
  agent = nice_agent_of_peer (f->offerer_room, "board");
  g_signal_connect (agent, "component-state-changed", G_CALLBACK (on_component_state), NULL);
  WAIT_FOR (rd_room_get_remote_video_frames (f->answerer_room) >= 30, 15,
            "ward frames %" G_GUINT64_FORMAT, rd_room_get_remote_video_frames (f->answerer_room));
  old_local = g_strdup (rd_peer_get_local_ufrag (c.offerer));
  old_remote = attribute (c.ans.sdp, "ice-ufrag");
  g_assert_nonnull (old_local);
  ready_before = g_atomic_int_get (&ready_count);

  frag = rd_peer_restart_ice_local (c.offerer, &error);
  g_assert_no_error (error);
  g_test_message ("restart fragment:\n%s", frag);
  frag_ufrag = attribute (frag, "ice-ufrag");
  g_assert_cmpstr (frag_ufrag, ==, rd_peer_get_local_ufrag (c.offerer));
  g_assert_cmpstr (frag_ufrag, !=, old_local);
  g_assert_nonnull (strstr (frag, "a=mid:"));
  g_assert_nonnull (strstr (frag, "a=candidate:"));
  g_assert_true (rd_peer_sdpfrag_restarts_ice (c.answerer, frag));
  reply = rd_peer_restart_ice (c.answerer, frag, &error);
  g_assert_no_error (error);
  new_remote = attribute (reply, "ice-ufrag");
  g_assert_cmpstr (new_remote, !=, old_remote);
  g_assert_true (rd_peer_restart_ice_remote (c.offerer, reply, &error));
  g_assert_no_error (error);
  /* a reply with the same credentials again is refused, changing nothing */
  g_assert_false (rd_peer_restart_ice_remote (c.offerer, reply, &error));
  g_assert_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_FRAGMENT);
  g_clear_error (&error);

  frames = rd_room_get_remote_video_frames (f->answerer_room);
  WAIT_FOR (g_atomic_int_get (&ready_count) > ready_before &&
                rd_room_get_remote_video_frames (f->answerer_room) > frames + 15,
            15, "READY %d -> %d, ward frames +%" G_GUINT64_FORMAT, ready_before,
            g_atomic_int_get (&ready_count),
            rd_room_get_remote_video_frames (f->answerer_room) - frames);
  g_assert_cmpint (rd_peer_get_state (c.offerer), ==, RD_PEER_STATE_CONNECTED);
  g_assert_false (c.ans.closed || c.off.closed);
  g_signal_handlers_disconnect_by_func (agent, on_component_state, NULL);
  call_clear (&c);
}

static gint cut; /* atomic: the answerer's network is "cut" */

static GstPadProbeReturn
drop_when_cut (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  return g_atomic_int_get (&cut) ? GST_PAD_PROBE_DROP : GST_PAD_PROBE_OK;
}

/* Everything the answerer sends (RTP, RTCP, DTLS) is dropped while cut is set, as a network
 * cut would (libnice's own STUN keepalives still pass: only the room's liveness can tell). */
static guint
cut_answerer_output (RdRoom *room, const char *id)
{
  g_autofree char *name = g_strdup_printf ("peer-%s", id);
  g_autoptr (GstElement) bin = gst_bin_get_by_name (GST_BIN (rd_room_get_pipeline (room)), name);
  g_autoptr (GstIterator) it = gst_bin_iterate_recurse (GST_BIN (bin));
  GValue item = G_VALUE_INIT;
  guint n = 0;

  while (gst_iterator_next (it, &item) == GST_ITERATOR_OK)
    {
      GstElement *e = g_value_get_object (&item);
      GstElementFactory *factory = gst_element_get_factory (e);
      if (factory && g_str_equal (GST_OBJECT_NAME (factory), "nicesink"))
        {
          g_autoptr (GstPad) sink = gst_element_get_static_pad (e, "sink");
          gst_pad_add_probe (sink, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
                             drop_when_cut, NULL, NULL);
          n++;
        }
      g_value_reset (&item);
    }
  g_value_unset (&item);
  return n;
}

/* An offerer that hears nothing for the liveness timeout goes to disconnected and stays open
 * (its owner decides); when the far end is heard again it is connected again. */
static void
test_offerer_liveness (Fixture *f, gconstpointer data)
{
  Call c = { 0 };
  guint64 frames;
  gint64 cut_at;

  connect_call (f, &c, RD_PEER_OFFER_PLAY, NULL);
  WAIT_FOR (rd_room_get_remote_video_frames (f->offerer_room) >= 30, 15,
            "board frames %" G_GUINT64_FORMAT, rd_room_get_remote_video_frames (f->offerer_room));
  g_assert_cmpuint (cut_answerer_output (f->answerer_room, "ward"), >=, 1);
  g_atomic_int_set (&cut, 1);
  cut_at = g_get_monotonic_time ();
  WAIT_FOR (rd_peer_get_state (c.offerer) == RD_PEER_STATE_DISCONNECTED, 20, "offerer %s",
            rd_peer_state_to_string (rd_peer_get_state (c.offerer)));
  g_test_message ("offerer disconnected %.1f s after the cut",
                  (g_get_monotonic_time () - cut_at) / 1e6);
  g_assert_false (c.off.closed);
  /* still open: it stays so while the cut lasts */
  frames = rd_room_get_remote_video_frames (f->offerer_room);
  g_atomic_int_set (&cut, 0);
  WAIT_FOR (rd_peer_get_state (c.offerer) == RD_PEER_STATE_CONNECTED &&
                rd_room_get_remote_video_frames (f->offerer_room) > frames + 10,
            15, "offerer %s, frames +%" G_GUINT64_FORMAT,
            rd_peer_state_to_string (rd_peer_get_state (c.offerer)),
            rd_room_get_remote_video_frames (f->offerer_room) - frames);
  g_assert_false (c.off.closed);
  call_clear (&c);
}

static void
expect_answer_error (RdPeer *offerer, const char *answer, const char *part)
{
  g_autoptr (GError) error = set_answer (offerer, answer);

  g_assert_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_OFFER);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, part));
}

static char *
replace (const char *text, const char *from, const char *to)
{
  g_auto (GStrv) parts = g_strsplit (text, from, -1);
  return g_strjoinv (to, parts);
}

static void
test_bad_answers (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *h265 = NULL;
  g_autofree char *one_line = NULL;
  g_autofree char *other_pt = NULL;
  g_autofree char *second = NULL;
  const char *audio;
  Call c = { 0 };
  Ev again = { 0 };

  c.offerer = new_peer (f->offerer_room, f->config, "board", &c.off);
  /* before the offer: no answer */
  error = set_answer (c.offerer, "v=0\r\n");
  g_assert_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_PIPELINE);
  g_clear_error (&error);
  make_offer (c.offerer, RD_PEER_OFFER_PUBLISH, &c.off);
  c.answerer = new_peer (f->answerer_room, f->config, "ward", &c.ans);
  make_answer (c.answerer, &c.off, &c.ans);
  g_assert_no_error (c.ans.error);

  expect_answer_error (c.offerer, "hello", "the answer is not SDP");
  expect_answer_error (c.offerer, "v=0\r\nbroken", "the answer");
  h265 = replace (c.ans.sdp, "VP8/90000", "H265/90000");
  expect_answer_error (c.offerer, h265, "m-line 0 (video) answers with H265");
  audio = strstr (c.ans.sdp, "m=audio");
  g_assert_nonnull (audio);
  one_line = g_strndup (c.ans.sdp, audio - c.ans.sdp);
  expect_answer_error (c.offerer, one_line, "the answer has 1 m-line(s); the offer had 2");
  other_pt = replace (c.ans.sdp, "a=rtpmap:96 VP8", "a=rtpmap:97 VP8");
  {
    g_autofree char *t = replace (other_pt, "UDP/TLS/RTP/SAVPF 96", "UDP/TLS/RTP/SAVPF 97");
    expect_answer_error (c.offerer, t, "payload type 97");
  }
  /* An offerer cannot answer, nor offer twice. */
  rd_peer_answer_async (c.offerer, c.off.sdp, NULL, on_answer, &again);
  WAIT_FOR (again.done, 5, "answer_async on an offerer");
  g_assert_error (again.error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_PIPELINE);
  ev_clear (&again);
  memset (&again, 0, sizeof again);
  rd_peer_offer_async (c.offerer, RD_PEER_OFFER_PLAY, NULL, on_offer, &again);
  WAIT_FOR (again.done, 5, "second offer");
  g_assert_error (again.error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_PIPELINE);
  ev_clear (&again);
  /* the good answer still works after the refused ones */
  second = g_strdup (c.ans.sdp);
  error = set_answer (c.offerer, second);
  g_assert_no_error (error);
  WAIT_FOR (c.off.verified && c.ans.verified, 15, "verified %d/%d", c.off.verified, c.ans.verified);
  call_clear (&c);
}

static void
test_ice_servers (Fixture *f, gconstpointer data)
{
  static const char *const bad[] = {
    "http://turn.example.org", "turn:",     "turn:host:0", "turn:host?transport=sctp",
    "stun:host?transport=udp", "turn:ho st"
  };
  g_autoptr (GError) error = NULL;
  Ev ev = { 0 };
  g_autoptr (RdPeer) peer = new_peer (f->offerer_room, f->config, "board", &ev);

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_assert_false (rd_peer_add_ice_server (peer, bad[i], "u", "p", &error));
      g_assert_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_ICE_SERVER);
      g_assert_nonnull (strstr (error->message, bad[i]));
      g_clear_error (&error);
    }
  g_assert_false (rd_peer_add_ice_server (peer, "turn:127.0.0.1:3478", NULL, NULL, &error));
  g_assert_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_ICE_SERVER);
  g_assert_nonnull (strstr (error->message, "username"));
  g_clear_error (&error);
  g_assert_true (rd_peer_add_ice_server (peer, "stun:127.0.0.1:3478", NULL, NULL, &error));
  g_assert_true (
      rd_peer_add_ice_server (peer, "turn:[::1]:3478?transport=tcp", "u", "p/+=:@", &error));
  g_assert_no_error (error);
  rd_peer_close (peer, "test over");
  ev_clear (&ev);
}

static RdConfig *
relay_config (RdTestTurn *turn, const char *password)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *url = rd_test_turn_config_url (turn, password);
  g_autofree char *text = g_strdup_printf (ROOM_CONFIG "turn-server=%s\nforce-relay=true\n", url);
  RdConfig *config = rd_config_load_data (text, "relay.conf", &error);

  g_assert_no_error (error);
  return config;
}

static void
test_force_relay (Fixture *f, gconstpointer data)
{
  g_autofree char *why = NULL;
  g_autoptr (RdTestTurn) turn = rd_test_turn_start ("receptiond", "s3cret", &why);
  g_autoptr (RdConfig) relay = NULL;
  RdPeerStats stats = { 0 };
  Call c = { 0 };

  if (!turn)
    {
      g_test_skip (why);
      return;
    }
  relay = relay_config (turn, NULL);
  connect_call (f, &c, RD_PEER_OFFER_PUBLISH, relay);
  WAIT_FOR (rd_room_get_remote_video_frames (f->answerer_room) >= 30, 15,
            "ward frames %" G_GUINT64_FORMAT, rd_room_get_remote_video_frames (f->answerer_room));
  WAIT_FOR ((rd_peer_stats_clear (&stats), rd_peer_get_stats (c.offerer, &stats),
             stats.selected_pair_type != NULL),
            5, "no selected pair in the stats");
  g_test_message ("selected pair: %s; coturn allocations %u", stats.selected_pair_type,
                  rd_test_turn_count_allocations (turn));
  g_assert_cmpstr (stats.selected_pair_type, ==, "relay");
  g_assert_cmpuint (rd_test_turn_count_allocations (turn), >=, 1);
  /* no host candidate was ever given out */
  for (guint i = 0; i < c.off.candidates->len; i++)
    g_assert_nonnull (strstr (c.off.candidates->pdata[i], "typ relay"));
  g_assert_null (strstr (c.off.sdp, "typ host"));
  rd_peer_stats_clear (&stats);
  call_clear (&c);
}

/* A TURN server given as the far end's Link header would give it (RFC 7065 URL, username and
 * credential apart; a credential with URL-reserved characters) is used: relay candidates. */
static void
test_link_turn_server (Fixture *f, gconstpointer data)
{
  g_autofree char *why = NULL;
  g_autoptr (RdTestTurn) turn = rd_test_turn_start ("link-user", "s3/cr+t=x", &why);
  g_autoptr (GError) error = NULL;
  g_autofree char *url = NULL;
  gboolean relay = FALSE;
  Call c = { 0 };

  if (!turn)
    {
      g_test_skip (why);
      return;
    }
  url = g_strdup_printf ("turn:%s?transport=udp", rd_test_turn_get_address (turn));
  c.offerer = new_peer (f->offerer_room, f->config, "board", &c.off);
  g_assert_true (rd_peer_add_ice_server (c.offerer, url, "link-user", "s3/cr+t=x", &error));
  g_assert_no_error (error);
  make_offer (c.offerer, RD_PEER_OFFER_PUBLISH, &c.off);
  /* after the offer: refused */
  g_assert_false (rd_peer_add_ice_server (c.offerer, url, "link-user", "x", &error));
  g_assert_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_PIPELINE);
  g_clear_error (&error);
  WAIT_FOR (c.off.gathering_done, 15, "%u candidates, no gathering-done", c.off.candidates->len);
  for (guint i = 0; i < c.off.candidates->len; i++)
    relay |= strstr (c.off.candidates->pdata[i], "typ relay") != NULL;
  g_assert_true (relay);
  g_assert_cmpuint (rd_test_turn_count_allocations (turn), >=, 1);
  call_clear (&c);
}

static void
test_force_relay_wrong_password (Fixture *f, gconstpointer data)
{
  g_autofree char *why = NULL;
  g_autoptr (RdTestTurn) turn = rd_test_turn_start ("receptiond", "s3cret", &why);
  g_autoptr (RdConfig) relay = NULL;
  g_autoptr (GError) error = NULL;
  Call c = { 0 };

  if (!turn)
    {
      g_test_skip (why);
      return;
    }
  relay = relay_config (turn, "wrong");
  c.offerer = new_peer (f->offerer_room, relay, "board", &c.off);
  make_offer (c.offerer, RD_PEER_OFFER_PUBLISH, &c.off);
  c.answerer = new_peer (f->answerer_room, f->config, "ward", &c.ans);
  make_answer (c.answerer, &c.off, &c.ans);
  error = set_answer (c.offerer, c.ans.sdp);
  g_assert_no_error (error);
  /* coturn refuses the credentials; with relay only there is nothing else to try */
  WAIT_FOR (rd_test_turn_count_refused (turn) >= 1 && c.off.gathering_done, 15,
            "coturn refused %u, gathering-done %u", rd_test_turn_count_refused (turn),
            c.off.gathering_done);
  g_assert_cmpuint (c.off.candidates->len, ==, 0);
  g_assert_null (strstr (c.off.sdp, "a=candidate"));
  WAIT_FOR (rd_peer_get_state (c.offerer) == RD_PEER_STATE_FAILED, 40, "offerer %s, verified %d",
            rd_peer_state_to_string (rd_peer_get_state (c.offerer)), c.off.verified);
  g_assert_false (c.off.verified || c.ans.verified);
  g_assert_cmpuint (rd_test_turn_count_allocations (turn), ==, 0);
  g_assert_cmpuint (rd_room_get_remote_video_frames (f->answerer_room), ==, 0);
  /* an offerer that failed stays open for its owner to decide */
  g_assert_false (c.off.closed);
  call_clear (&c);
}

static char *skip_why;

static void
test_skipped (void)
{
  g_test_skip (skip_why);
}

int
main (int argc, char **argv)
{
  gboolean in_netns = rd_test_enter_netns (&skip_why);
  int ret;

  g_test_init (&argc, &argv, NULL);
  gst_init (NULL, NULL);
  if (!in_netns)
    {
      g_test_add_func ("/media/peer-offer/skipped", test_skipped);
      return g_test_run ();
    }
  g_test_add ("/media/peer-offer/publish", Fixture, NULL, setup, test_publish, teardown);
  g_test_add ("/media/peer-offer/play-and-whep-viewer", Fixture, NULL, setup,
              test_play_and_whep_viewer, teardown);
  g_test_add ("/media/peer-offer/trickle", Fixture, NULL, setup, test_trickle, teardown);
  g_test_add ("/media/peer-offer/ice-restart", Fixture, NULL, setup, test_ice_restart, teardown);
  g_test_add ("/media/peer-offer/offerer-liveness", Fixture, NULL, setup, test_offerer_liveness,
              teardown);
  g_test_add ("/media/peer-offer/bad-answers", Fixture, NULL, setup, test_bad_answers, teardown);
  g_test_add ("/media/peer-offer/ice-servers", Fixture, NULL, setup, test_ice_servers, teardown);
  g_test_add ("/media/peer-offer/force-relay", Fixture, NULL, setup, test_force_relay, teardown);
  g_test_add ("/media/peer-offer/link-turn-server", Fixture, NULL, setup, test_link_turn_server,
              teardown);
  g_test_add ("/media/peer-offer/force-relay-wrong-password", Fixture, NULL, setup,
              test_force_relay_wrong_password, teardown);
  ret = g_test_run ();
  gst_deinit ();
  return ret;
}
