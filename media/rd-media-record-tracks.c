/* rd-media-record-tracks.c: which tracks an RdRecorder records, and their writers started and
 * stopped: the room's two encoded tees, each added peer's streams as they are announced (until
 * the peer closes), and the conference tracks while the room shows a conference picture. A track
 * is recorded by one running writer at most; pausing or stopping finishes them all. Main context.
 */
#include "media/rd-media-record-private.h"

typedef struct
{
  RdPeer *peer;
  char *label;
  gulong stream_id, closed_id;
} PeerEntry;

static void
peer_entry_free (gpointer data)
{
  PeerEntry *e = data;

  g_clear_signal_handler (&e->stream_id, e->peer);
  g_clear_signal_handler (&e->closed_id, e->peer);
  g_object_unref (e->peer);
  g_free (e->label);
  g_free (e);
}

void
rd_rec_tracks_init (RdRecorder *rec)
{
  rec->peers = g_ptr_array_new_with_free_func (peer_entry_free);
}

void
rd_rec_tracks_dispose (RdRecorder *rec)
{
  g_clear_pointer (&rec->peers, g_ptr_array_unref);
  if (rec->room)
    g_clear_signal_handler (&rec->layout_id, rec->room);
  if (rec->conference_mix)
    rd_room_release_mix (rec->room, RD_ROOM_KEY);
  rec->conference_mix = NULL;
}

/* A writer for @tee, unless one records it already; @until: see RdRecWriter. */
static void
add_writer_until (RdRecorder *rec, const char *track, gboolean video, const char *codec,
                  GstElement *tee, gpointer owner, GstClockTime until)
{
  g_autoptr (GError) error = NULL;
  RdRecWriter *w;

  for (guint i = 0; i < rec->writers->len; i++)
    {
      RdRecWriter *other = rec->writers->pdata[i];
      if (other->tee == tee && !other->finishing && !GST_CLOCK_TIME_IS_VALID (other->until))
        return; /* already recorded */
    }
  w = rd_rec_writer_new (rec, track, video, codec, tee, owner, &error);
  if (!w)
    {
      rd_recorder_track_failed (rec, track, error, NULL);
      return;
    }
  w->until = until;
  g_ptr_array_add (rec->writers, w);
}

static void
add_writer (RdRecorder *rec, const char *track, gboolean video, const char *codec, GstElement *tee,
            gpointer owner)
{
  add_writer_until (rec, track, video, codec, tee, owner, GST_CLOCK_TIME_NONE);
}

static const char *
room_codec (GstElement *tee, const char *fallback)
{
  g_autoptr (GstPad) sink = gst_element_get_static_pad (tee, "sink");
  g_autoptr (GstCaps) caps = sink ? gst_pad_get_current_caps (sink) : NULL;
  const char *name = caps ? gst_structure_get_name (gst_caps_get_structure (caps, 0)) : "";

  if (g_str_equal (name, "video/x-h264"))
    return "H264";
  if (g_str_equal (name, "video/x-vp8"))
    return "VP8";
  return fallback;
}

static void
on_peer_stream (RdPeer *peer, GstElement *tee, gboolean video, const char *codec,
                gpointer user_data)
{
  RdRecorder *rec = user_data;
  g_autofree char *track = NULL;

  if (rec->stopping)
    return;
  for (guint i = 0; i < rec->peers->len; i++)
    {
      PeerEntry *e = rec->peers->pdata[i];
      if (e->peer == peer)
        track = g_strdup_printf ("party-%s-%s", e->label, video ? "video" : "audio");
    }
  /* A stream announced while paused brings what the party sent from its verification on, held
   * until its lip-sync was known (a wait that can run past a pause): what of that came before
   * the pause is recorded; without this writer the party's first seconds would be in no file. */
  if (track)
    add_writer_until (rec, track, video, codec, tee, peer,
                      rec->paused ? rec->paused_at : GST_CLOCK_TIME_NONE);
}

/* on_peer_stream() for one kind of stream only: a peer's audio is linked before its video */
static void
on_peer_audio (RdPeer *peer, GstElement *tee, gboolean video, const char *codec, gpointer rec)
{
  if (!video)
    on_peer_stream (peer, tee, video, codec, rec);
}

static void
on_peer_video (RdPeer *peer, GstElement *tee, gboolean video, const char *codec, gpointer rec)
{
  if (video)
    on_peer_stream (peer, tee, video, codec, rec);
}

static void finish_writers (RdRecorder *rec, gpointer owner, gboolean all, GstClockTime at);

/* The conference tracks run while the room shows a conference picture (a layout other than
 * ROOM) and the recording runs: the picture as composited and the full mix (the room's
 * microphone and every party: what the room's key hears). */
static void
update_conference (RdRecorder *rec)
{
  RdLayout shown;
  gboolean want;

  rd_room_get_layout (rec->room, &shown);
  want = rec->started && !rec->paused && !rec->stopping && shown != RD_LAYOUT_ROOM;
  if (want == rec->conference_on)
    return;
  if (!want)
    {
      finish_writers (rec, &rec->conference_on, FALSE, GST_CLOCK_TIME_NONE);
      rec->conference_on = FALSE;
      return;
    }
  if (!rec->conference_mix)
    {
      g_autoptr (GError) error = NULL;

      rec->conference_mix = rd_room_acquire_mix (rec->room, RD_ROOM_KEY, &error);
      if (!rec->conference_mix)
        {
          g_prefix_error (&error, "conference-audio: ");
          rd_recorder_track_failed (rec, "conference-audio", error, NULL);
        }
    }
  rec->conference_on = TRUE;
  add_writer (rec, "conference-video", TRUE,
              room_codec (rd_room_get_composite_tee (rec->room), "VP8"),
              rd_room_get_composite_tee (rec->room), &rec->conference_on);
  if (rec->conference_mix)
    add_writer (rec, "conference-audio", FALSE, "OPUS", rec->conference_mix, &rec->conference_on);
  rd_room_request_keyframe (rec->room);
}

static void
on_layout_changed (RdRoom *room, gpointer user_data)
{
  update_conference (user_data);
}

void
rd_rec_tracks_attach_all (RdRecorder *rec)
{
  /* audio first: what passes its tee before its writer is linked is lost, while a video
   * track starts at a keyframe asked for when linked (an encoder that lags on a busy machine
   * still holds the pictures of that moment); setting up a writer can take a third of a second
   * on a loaded machine, which the audio linked second would miss */
  add_writer (rec, "room-audio", FALSE, "OPUS", rd_room_get_audio_tee (rec->room), NULL);
  add_writer (rec, "room-video", TRUE, room_codec (rd_room_get_video_tee (rec->room), "VP8"),
              rd_room_get_video_tee (rec->room), NULL);
  rd_room_request_keyframe (rec->room);
  for (guint i = 0; i < rec->peers->len; i++)
    {
      PeerEntry *e = rec->peers->pdata[i];
      rd_peer_foreach_stream (e->peer, on_peer_audio, rec);
      rd_peer_foreach_stream (e->peer, on_peer_video, rec);
    }
  update_conference (rec);
}

/* The writers of @owner (all: every one) finished: at once, or (@at valid) once their frames
 * reach @at (rd_rec_writer_finish_at()). */
static void
finish_writers (RdRecorder *rec, gpointer owner, gboolean all, GstClockTime at)
{
  g_autoptr (GPtrArray) chosen = g_ptr_array_new ();

  for (guint i = 0; i < rec->writers->len; i++)
    {
      RdRecWriter *w = rec->writers->pdata[i];
      if (all || w->owner == owner)
        g_ptr_array_add (chosen, w);
    }
  /* a writer may be done (and freed) at once */
  for (guint i = 0; i < chosen->len; i++)
    if (g_ptr_array_find (rec->writers, chosen->pdata[i], NULL))
      rd_rec_writer_finish_at (chosen->pdata[i], at);
}

void
rd_rec_tracks_start (RdRecorder *rec)
{
  rec->layout_id =
      g_signal_connect (rec->room, "layout-changed", G_CALLBACK (on_layout_changed), rec);
  rd_rec_tracks_attach_all (rec);
}

void
rd_rec_tracks_finish_all (RdRecorder *rec, GstClockTime at)
{
  finish_writers (rec, NULL, TRUE, at);
  rec->conference_on = FALSE;
}

static void
on_peer_closed (RdPeer *peer, const char *reason, gpointer user_data)
{
  RdRecorder *rec = user_data;

  finish_writers (rec, peer, FALSE, GST_CLOCK_TIME_NONE);
  for (guint i = 0; i < rec->peers->len; i++)
    if (((PeerEntry *)rec->peers->pdata[i])->peer == peer)
      {
        g_ptr_array_remove_index (rec->peers, i);
        break;
      }
}

void
rd_recorder_add_peer (RdRecorder *rec, RdPeer *peer, const char *label)
{
  PeerEntry *e;

  g_return_if_fail (RD_IS_RECORDER (rec) && RD_IS_PEER (peer) && label != NULL);
  if (rec->stopping || rd_peer_get_state (peer) == RD_PEER_STATE_CLOSED)
    return;
  e = g_new0 (PeerEntry, 1);
  e->peer = g_object_ref (peer);
  e->label = g_strdup (label);
  e->stream_id = g_signal_connect (peer, "stream-added", G_CALLBACK (on_peer_stream), rec);
  e->closed_id = g_signal_connect (peer, "closed", G_CALLBACK (on_peer_closed), rec);
  g_ptr_array_add (rec->peers, e);
  if (rec->started && !rec->paused)
    {
      rd_peer_foreach_stream (peer, on_peer_audio, rec);
      rd_peer_foreach_stream (peer, on_peer_video, rec);
    }
}
