/* rd-media-room-mix.c: what each remote party hears (mix-minus) and what the speakers play.
 * See rd-media-room.h.
 *
 *   mic -> ... -> volume (mute) -> mic_tee -+-> queue -> opusenc -> audio_tee (the room's own)
 *                                           +-> [branch] -> mix K ...
 *   party K's decoded audio -> source tee K -+-> [branch] -> speakers' audiomixer
 *                                            +-> [branch] -> mix J, for every key J != K
 *   mix J: audiomixer -> 48 kHz mono S16 -> opusenc -> tee J -> the send streams of key J
 *
 * A key names who must not hear themselves: a party's peer, or the two peers of one
 * conference link (what the room plays from a conference never goes back to it). A mix is
 * made when the first send stream of its key asks for it and goes with the last one.
 *
 * Every branch is a leaky queue between a tee and an aggregator pad, so a stalled mix only
 * loses its own input and never holds a tee (the microphone, a party) back. A branch is taken
 * down in this order: the tee pad unlinked and released (the tee goes on without it), the
 * aggregator pad flushed (which wakes a queue thread blocked in it) and released once the mixer
 * is between two mixes (rd_room_release_mixer_pad()), then the queue stopped.
 *
 * A party's audio is mixed as it arrives, not by rtpbin's timestamps: those jump (by up to a few
 * hundred ms) when the party's first RTCP SRs set its lip-sync, and a mixer drops what jumped
 * behind what it has already mixed (a quarter second of the party lost in every mix, measured);
 * and on a busy machine the decoding runs late, which a mix heard live cannot wait for. Each
 * buffer is restamped to follow the one before it, unless that has drifted more than RESYNC_NS
 * from the buffer's arrival (a gap upstream): then it starts again at its arrival, marked
 * DISCONT. The mixer's latency (what it waits for late input) covers the decoding after arrival.
 *
 * The room's own full mix (RD_ROOM_KEY's: only recorded, as the conference's sound beside its
 * picture) is the exception: once the peer says the party's lip-sync is set and rtpbin's later
 * corrections are slewed (rd_room_mixer_time_by_stream()), its branch puts each buffer back at
 * its own timestamp (kept in a GstReferenceTimestampMeta by the restamp), the timeline the
 * party's picture is composited on, and that mixer waits RECORD_WAIT_NS more for a late one.
 * By arrival, the recorded sound would come out as late as the party's decoding and the
 * threads' scheduling make it (25 to 58 ms against its picture on a loaded machine); timed so,
 * the live mixes would drop late audio under load. The recorder takes the party's own encoded
 * streams before all this, with rtpbin's timing.
 *
 * Each mix's aggregator, like the speakers', always has one live input that never starves (the
 * microphone), and starts on its first buffer (start-time-selection=first: see the traps in
 * rd-media-room-output.c). Main context only. */
#include "media/rd-media-room-private.h"
#include "media/rd-media-error.h"

#include <math.h>

#define BRANCH_QUEUE_NS (500 * GST_MSECOND)
#define RESYNC_NS       (80 * GST_MSECOND)
/* What the room's recorded full mix waits beyond the others for a party's audio timed by its
 * own timestamps (decoding that runs late on a busy machine); nobody listens to it live */
#define RECORD_WAIT_NS (250 * GST_MSECOND)
/* What a mix waits beyond its inputs' latency for a late buffer: the threads that decode the
 * parties run late on a busy machine (a mix that does not wait drops what comes late) */
#define MIX_SLACK_NS (40 * GST_MSECOND)
#define MIX_CAPS     "audio/x-raw,format=S16LE,rate=48000,channels=1,layout=interleaved"

typedef struct
{
  GstElement *tee, *queue, *aggregator;
  GstPad *tee_pad, *aggregator_pad;
} Branch;

/* A running level of what passes a pad, for the active speaker and the status. */
typedef struct
{
  gint db100;   /* atomic: dBFS x 100, smoothed */
  gint64 at_us; /* atomic: monotonic time of the last buffer (0: none yet) */
  gboolean f32; /* the streaming thread's: samples are F32LE, else S16LE */
} Level;

/* A level with no buffer for this long is silence (a party whose audio stopped, or that sends
 * nothing while it is silent: Opus DTX, RFC 7587 section 3.1.3). */
#define LEVEL_STALE_US G_TIME_SPAN_SECOND

typedef struct
{
  char *key;
  GstElement *tee;
  GstPad *sink; /* the tee's sink pad: what rd_room_link_remote_audio() returned */
  Level level;
  /* the streaming thread's: the party's segment, and where its next buffer belongs */
  GstSegment segment;
  GstClockTime next_rt;
  gint muted;           /* atomic: rd_room_mixer_set_muted() */
  gint timed_by_stream; /* atomic: rd_room_mixer_time_by_stream(): keep its own time in a meta */
} Source;

typedef struct
{
  char *key;
  guint users;
  GstElement *mixer, *caps, *encoder, *tee;
} Mix;

struct _RdRoomMixer
{
  Level mic_level;
  GstBin *pipeline;
  GstElement *mic_tee, *speakers;
  GPtrArray *branches; /* Branch* */
  GPtrArray *sources;  /* Source* */
  GPtrArray *mixes;    /* Mix* */
  guint64 *counter;    /* buffers that reached the speakers from parties (atomic) */
};

static void
branch_free (gpointer data)
{
  Branch *b = data;

  if (b->tee_pad)
    {
      g_autoptr (GstPad) peer = gst_pad_get_peer (b->tee_pad);
      if (peer)
        gst_pad_unlink (b->tee_pad, peer);
      gst_element_release_request_pad (b->tee, b->tee_pad);
      gst_object_unref (b->tee_pad);
    }
  if (b->aggregator_pad)
    rd_room_release_mixer_pad (b->aggregator, b->aggregator_pad);
  if (b->queue)
    {
      gst_element_set_locked_state (b->queue, TRUE);
      gst_element_set_state (b->queue, GST_STATE_NULL);
      gst_bin_remove (GST_BIN (GST_OBJECT_PARENT (b->queue)), b->queue);
    }
  g_free (b);
}

static void
remove_element (GstElement *e)
{
  if (!e)
    return;
  gst_element_set_locked_state (e, TRUE);
  gst_element_set_state (e, GST_STATE_NULL);
  gst_bin_remove (GST_BIN (GST_OBJECT_PARENT (e)), e);
}

static void
source_free (gpointer data)
{
  Source *s = data;

  remove_element (s->tee);
  g_clear_object (&s->sink);
  g_free (s->key);
  g_free (s);
}

static void
mix_free (gpointer data)
{
  Mix *m = data;

  /* downstream first: no element pushes into one already stopped and gone */
  remove_element (m->tee);
  remove_element (m->encoder);
  remove_element (m->caps);
  remove_element (m->mixer);
  g_free (m->key);
  g_free (m);
}

#define SILENT_DB100 (-12700)

/* Streaming thread: the sample format of @caps for level_add(). */
static void
level_caps (Level *l, GstEvent *event)
{
  GstCaps *caps;
  const char *format;

  gst_event_parse_caps (event, &caps);
  format = gst_structure_get_string (gst_caps_get_structure (caps, 0), "format");
  l->f32 = g_strcmp0 (format, "F32LE") == 0;
}

/* Streaming thread: the buffer's mean square into the running level (fast attack, slower
 * release: a voice's pauses between words do not lose it the floor at once). */
static void
level_add (Level *l, GstBuffer *buffer)
{
  GstMapInfo map;
  double sum = 0, db;
  gsize n;
  gint old = g_atomic_int_get (&l->db100), now;

  if (!gst_buffer_map (buffer, &map, GST_MAP_READ))
    return;
  n = map.size / (l->f32 ? 4 : 2);
  for (gsize i = 0; i < n; i++)
    {
      double x = l->f32 ? ((const float *)map.data)[i] : ((const gint16 *)map.data)[i] / 32768.0;
      sum += x * x;
    }
  gst_buffer_unmap (buffer, &map);
  db = n && sum > 0 ? 10 * log10 (sum / n) : -127;
  now = (gint)(MAX (db, -127) * 100);
  /* falling: an eighth of the way each buffer, rounded down so that it reaches silence */
  g_atomic_int_set (&l->db100, now > old ? now : old + (now - old - 7) / 8);
  __atomic_store_n (&l->at_us, g_get_monotonic_time (), __ATOMIC_RELAXED);
}

/* Any thread: @l's level now, in dBFS x 100. */
static gint
level_get (Level *l, gint64 now)
{
  gint64 at = __atomic_load_n (&l->at_us, __ATOMIC_RELAXED);

  return at && now - at <= LEVEL_STALE_US ? g_atomic_int_get (&l->db100) : SILENT_DB100;
}

static GstPadProbeReturn
mic_level_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  RdRoomMixer *mx = user_data;

  if (info->type & GST_PAD_PROBE_TYPE_BUFFER)
    level_add (&mx->mic_level, GST_PAD_PROBE_INFO_BUFFER (info));
  else if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) == GST_EVENT_CAPS)
    level_caps (&mx->mic_level, GST_PAD_PROBE_INFO_EVENT (info));
  return GST_PAD_PROBE_OK;
}

/* Streaming thread: keeps the party's segment for restamp(). */
static GstPadProbeReturn
restamp_event (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  Source *s = user_data;
  GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);

  if (GST_EVENT_TYPE (event) == GST_EVENT_SEGMENT)
    gst_event_copy_segment (event, &s->segment);
  if (GST_EVENT_TYPE (event) == GST_EVENT_CAPS)
    level_caps (&s->level, event);
  if (GST_EVENT_TYPE (event) == GST_EVENT_SEGMENT || GST_EVENT_TYPE (event) == GST_EVENT_FLUSH_STOP)
    s->next_rt = GST_CLOCK_TIME_NONE;
  return GST_PAD_PROBE_OK;
}

/* The meta a restamped buffer keeps its own timestamp in (the room's recorded mix uses it). */
static GstCaps *
own_time_caps (void)
{
  static GstCaps *caps;

  if (g_once_init_enter (&caps))
    {
      GstCaps *made = gst_caps_new_empty_simple ("timestamp/x-receptiond-own-pts");
      GST_MINI_OBJECT_FLAG_SET (made, GST_MINI_OBJECT_FLAG_MAY_BE_LEAKED);
      g_once_init_leave (&caps, made);
    }
  return caps;
}

/* Streaming thread: times the buffer by its arrival, continuous with the one before; once the
 * party's lip-sync is set, its own timestamp goes with it in a meta. */
static GstPadProbeReturn
restamp (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  Source *s = user_data;
  g_autoptr (GstClock) clock = gst_element_get_clock (s->tee);
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  GstClockTime now, own_pts, rt, pts;
  gboolean resync;

  if (g_atomic_int_get (&s->muted))
    {
      /* silence in every mix and the speakers, at once; never the loudest */
      buffer = gst_buffer_make_writable (buffer);
      gst_buffer_memset (buffer, 0, 0, gst_buffer_get_size (buffer));
      GST_PAD_PROBE_INFO_DATA (info) = buffer;
      g_atomic_int_set (&s->level.db100, SILENT_DB100);
    }
  else
    level_add (&s->level, buffer);
  if (!clock || s->segment.format != GST_FORMAT_TIME)
    return GST_PAD_PROBE_OK;
  now = gst_clock_get_time (clock) - gst_element_get_base_time (s->tee);
  own_pts = GST_BUFFER_PTS (buffer);
  resync = !GST_CLOCK_TIME_IS_VALID (s->next_rt) || GST_CLOCK_DIFF (s->next_rt, now) > RESYNC_NS ||
           GST_CLOCK_DIFF (now, s->next_rt) > RESYNC_NS;
  rt = resync ? now : s->next_rt;
  pts = gst_segment_position_from_running_time (&s->segment, GST_FORMAT_TIME, rt);
  if (!GST_CLOCK_TIME_IS_VALID (pts))
    return GST_PAD_PROBE_OK;
  buffer = gst_buffer_make_writable (buffer);
  if (g_atomic_int_get (&s->timed_by_stream) && GST_CLOCK_TIME_IS_VALID (own_pts))
    gst_buffer_add_reference_timestamp_meta (buffer, own_time_caps (), own_pts,
                                             GST_CLOCK_TIME_NONE);
  GST_BUFFER_PTS (buffer) = pts;
  GST_BUFFER_DTS (buffer) = GST_CLOCK_TIME_NONE;
  if (resync)
    GST_BUFFER_FLAG_SET (buffer, GST_BUFFER_FLAG_DISCONT);
  s->next_rt = GST_BUFFER_DURATION_IS_VALID (buffer) ? rt + GST_BUFFER_DURATION (buffer)
                                                     : GST_CLOCK_TIME_NONE;
  GST_PAD_PROBE_INFO_DATA (info) = buffer;
  return GST_PAD_PROBE_OK;
}

/* Streaming thread, on a branch into the room's recorded mix: a buffer that kept its own
 * timestamp goes back to it (the mixer keeps what jitters less than its alignment threshold
 * continuous, and follows a jump that lasts). */
static GstPadProbeReturn
own_time (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  GstReferenceTimestampMeta *meta =
      gst_buffer_get_reference_timestamp_meta (buffer, own_time_caps ());
  GstClockTime own;

  if (!meta)
    return GST_PAD_PROBE_OK;
  own = meta->timestamp;
  buffer = gst_buffer_make_writable (buffer);
  GST_BUFFER_PTS (buffer) = own;
  GST_PAD_PROBE_INFO_DATA (info) = buffer;
  return GST_PAD_PROBE_OK;
}

/* @tee -> leaky queue -> a new pad of @aggregator, playing; with @own_timed, the buffers that
 * kept their own timestamp are put back at it (the room's recorded mix). FALSE when a link
 * fails. */
static gboolean
add_branch_timed (RdRoomMixer *mx, GstElement *tee, GstElement *aggregator, guint64 *counter,
                  gboolean own_timed)
{
  Branch *b = g_new0 (Branch, 1);
  g_autoptr (GstPad) q_sink = NULL;
  g_autoptr (GstPad) q_src = NULL;

  b->tee = tee;
  b->aggregator = aggregator;
  b->queue = gst_element_factory_make ("queue", NULL);
  g_object_set (b->queue, "leaky", 2 /* downstream */, "max-size-buffers", 0, "max-size-bytes", 0,
                "max-size-time", (guint64)BRANCH_QUEUE_NS, NULL);
  gst_bin_add (mx->pipeline, b->queue);
  g_ptr_array_add (mx->branches, b);
  b->aggregator_pad = gst_element_request_pad_simple (aggregator, "sink_%u");
  q_src = gst_element_get_static_pad (b->queue, "src");
  if (!b->aggregator_pad || gst_pad_link (q_src, b->aggregator_pad) != GST_PAD_LINK_OK)
    return FALSE;
  if (own_timed)
    gst_pad_add_probe (q_src, GST_PAD_PROBE_TYPE_BUFFER, own_time, NULL, NULL);
  /* on the picture's timeline (RD_ROOM_AUDIO_LEAD_NS) */
  gst_pad_set_offset (b->aggregator_pad, -(gint64)RD_ROOM_AUDIO_LEAD_NS);
  if (counter)
    gst_pad_add_probe (b->aggregator_pad,
                       GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
                       rd_room_count_buffers, counter, NULL);
  gst_element_sync_state_with_parent (b->queue);
  b->tee_pad = gst_element_request_pad_simple (tee, "src_%u");
  q_sink = gst_element_get_static_pad (b->queue, "sink");
  return b->tee_pad && gst_pad_link (b->tee_pad, q_sink) == GST_PAD_LINK_OK;
}

static gboolean
add_branch (RdRoomMixer *mx, GstElement *tee, GstElement *aggregator, guint64 *counter)
{
  return add_branch_timed (mx, tee, aggregator, counter, FALSE);
}

/* Takes down every branch out of @tee or into @aggregator (either may be NULL). */
static void
remove_branches (RdRoomMixer *mx, GstElement *tee, GstElement *aggregator)
{
  for (guint i = mx->branches->len; i-- > 0;)
    {
      Branch *b = mx->branches->pdata[i];
      if ((tee && b->tee == tee) || (aggregator && b->aggregator == aggregator))
        g_ptr_array_remove_index (mx->branches, i);
    }
}

RdRoomMixer *
rd_room_mixer_new (GstBin *pipeline, GstElement *mic_tee, GstElement *speakers, guint64 *counter)
{
  RdRoomMixer *mx = g_new0 (RdRoomMixer, 1);

  mx->pipeline = pipeline;
  mx->mic_tee = mic_tee;
  mx->speakers = speakers;
  mx->counter = counter;
  mx->mic_level.db100 = SILENT_DB100;
  {
    g_autoptr (GstPad) pad = gst_element_get_static_pad (mic_tee, "sink");
    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
                       mic_level_probe, mx, NULL);
  }
  mx->branches = g_ptr_array_new_with_free_func (branch_free);
  mx->sources = g_ptr_array_new_with_free_func (source_free);
  mx->mixes = g_ptr_array_new_with_free_func (mix_free);
  return mx;
}

void
rd_room_mixer_free (RdRoomMixer *mx)
{
  if (!mx)
    return;
  /* the pipeline is stopped: branches first, they hold pads of the tees and mixers */
  g_ptr_array_unref (mx->branches);
  g_ptr_array_unref (mx->sources);
  g_ptr_array_unref (mx->mixes);
  g_free (mx);
}

/* A new element with its floating reference sunk, or NULL. (transfer full) */
static GstElement *
make_sunk (const char *factory)
{
  GstElement *e = gst_element_factory_make (factory, NULL);

  return e ? gst_object_ref_sink (e) : NULL;
}

static Mix *
find_mix (RdRoomMixer *mx, const char *key)
{
  for (guint i = 0; i < mx->mixes->len; i++)
    if (g_strcmp0 (((Mix *)mx->mixes->pdata[i])->key, key) == 0)
      return mx->mixes->pdata[i];
  return NULL;
}

GstPad *
rd_room_mixer_add_source (RdRoomMixer *mx, GstPad *src, const char *key)
{
  Source *s = g_new0 (Source, 1);

  s->key = g_strdup (key);
  s->tee = gst_element_factory_make ("tee", NULL);
  g_object_set (s->tee, "allow-not-linked", TRUE, NULL);
  gst_bin_add (mx->pipeline, s->tee);
  g_ptr_array_add (mx->sources, s);
  s->sink = gst_element_get_static_pad (s->tee, "sink");
  gst_segment_init (&s->segment, GST_FORMAT_UNDEFINED);
  s->next_rt = GST_CLOCK_TIME_NONE;
  s->level.db100 = SILENT_DB100;
  gst_pad_add_probe (s->sink, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, restamp_event, s, NULL);
  gst_pad_add_probe (s->sink, GST_PAD_PROBE_TYPE_BUFFER, restamp, s, NULL);
  /* every branch first, so the party's first buffer reaches all of them */
  if (!add_branch (mx, s->tee, mx->speakers, mx->counter))
    goto failed;
  for (guint i = 0; i < mx->mixes->len; i++)
    {
      Mix *m = mx->mixes->pdata[i];
      if (g_strcmp0 (m->key, key) != 0 &&
          !add_branch_timed (mx, s->tee, m->mixer, NULL, g_str_equal (m->key, RD_ROOM_KEY)))
        goto failed;
    }
  gst_element_sync_state_with_parent (s->tee);
  if (gst_pad_link (src, s->sink) != GST_PAD_LINK_OK)
    goto failed;
  GST_DEBUG ("mix: party audio %s:%s added (key %s) to the speakers and %u mixes",
             GST_DEBUG_PAD_NAME (src), key, mx->mixes->len);
  return s->sink;

failed:
  GST_WARNING ("mix: cannot link %s:%s (key %s)", GST_DEBUG_PAD_NAME (src), key);
  remove_branches (mx, s->tee, NULL);
  g_ptr_array_remove_fast (mx->sources, s);
  return NULL;
}

void
rd_room_mixer_time_by_stream (RdRoomMixer *mx, GstPad *sink)
{
  for (guint i = 0; i < mx->sources->len; i++)
    {
      Source *s = mx->sources->pdata[i];
      if (s->sink == sink)
        g_atomic_int_set (&s->timed_by_stream, TRUE);
    }
}

gboolean
rd_room_mixer_remove_source (RdRoomMixer *mx, GstPad *sink)
{
  for (guint i = 0; i < mx->sources->len; i++)
    {
      Source *s = mx->sources->pdata[i];
      if (s->sink != sink)
        continue;
      {
        g_autoptr (GstPad) peer = gst_pad_get_peer (sink);
        if (peer)
          gst_pad_unlink (peer, sink);
      }
      remove_branches (mx, s->tee, NULL);
      GST_DEBUG ("mix: party audio of key %s removed", s->key);
      g_ptr_array_remove_index_fast (mx->sources, i);
      return TRUE;
    }
  return FALSE;
}

/* mixer -> 48 kHz mono -> opusenc -> tee, with a branch from the microphone and from every
 * party not of @key; playing. NULL when an element is missing or a link fails. */
static Mix *
mix_new (RdRoomMixer *mx, const char *key, GError **error)
{
  Mix *m = g_new0 (Mix, 1);
  g_autoptr (GstCaps) caps = gst_caps_from_string (MIX_CAPS);

  m->key = g_strdup (key);
  g_ptr_array_add (mx->mixes, m);
  m->mixer = make_sunk ("audiomixer");
  m->caps = make_sunk ("capsfilter");
  m->encoder = make_sunk ("opusenc");
  m->tee = make_sunk ("tee");
  if (!m->mixer || !m->caps || !m->encoder || !m->tee)
    {
      g_clear_object (&m->mixer);
      g_clear_object (&m->caps);
      g_clear_object (&m->encoder);
      g_clear_object (&m->tee);
      g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_INIT,
                   "cannot make a party's mix (audiomixer, opusenc)");
      g_ptr_array_remove_fast (mx->mixes, m);
      return NULL;
    }
  gst_bin_add_many (mx->pipeline, m->mixer, m->caps, m->encoder, m->tee, NULL);
  /* the bin holds them now */
  gst_object_unref (m->mixer), gst_object_unref (m->caps);
  gst_object_unref (m->encoder), gst_object_unref (m->tee);
  g_object_set (m->mixer, "start-time-selection", 1 /* first */, "latency",
                (guint64)(MIX_SLACK_NS + RD_ROOM_AUDIO_LEAD_NS +
                          (g_str_equal (key, RD_ROOM_KEY) ? RECORD_WAIT_NS : 0)),
                NULL);
  g_object_set (m->caps, "caps", caps, NULL);
  rd_room_set_opus_encoder (m->encoder);
  g_object_set (m->tee, "allow-not-linked", TRUE, NULL);
  if (!gst_element_link_many (m->mixer, m->caps, m->encoder, m->tee, NULL))
    {
      g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_INIT, "cannot link the mix of %s", key);
      goto failed;
    }
  gst_element_sync_state_with_parent (m->tee);
  gst_element_sync_state_with_parent (m->encoder);
  gst_element_sync_state_with_parent (m->caps);
  gst_element_sync_state_with_parent (m->mixer);
  if (!add_branch (mx, mx->mic_tee, m->mixer, NULL))
    goto link_failed;
  for (guint i = 0; i < mx->sources->len; i++)
    {
      Source *s = mx->sources->pdata[i];
      if (g_strcmp0 (s->key, key) != 0 &&
          !add_branch_timed (mx, s->tee, m->mixer, NULL, g_str_equal (key, RD_ROOM_KEY)))
        goto link_failed;
    }
  GST_DEBUG ("mix: %s made, hearing the microphone and %u parties' audio", key, mx->sources->len);
  return m;

link_failed:
  g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_PIPELINE,
               "cannot link the room's audio into the mix of %s", key);
failed:
  remove_branches (mx, NULL, m->mixer);
  g_ptr_array_remove_fast (mx->mixes, m);
  return NULL;
}

GstElement *
rd_room_mixer_acquire (RdRoomMixer *mx, const char *key, GError **error)
{
  Mix *m = find_mix (mx, key);

  if (!m && !(m = mix_new (mx, key, error)))
    return NULL;
  m->users++;
  return m->tee;
}

void
rd_room_mixer_release (RdRoomMixer *mx, const char *key)
{
  Mix *m = find_mix (mx, key);

  g_return_if_fail (m != NULL && m->users > 0);
  if (--m->users > 0)
    return;
  remove_branches (mx, NULL, m->mixer);
  g_ptr_array_remove_fast (mx->mixes, m);
  GST_DEBUG ("mix: %s gone", key);
}

void
rd_room_mixer_set_muted (RdRoomMixer *mx, const char *key, gboolean muted)
{
  for (guint i = 0; i < mx->sources->len; i++)
    {
      Source *s = mx->sources->pdata[i];
      if (g_strcmp0 (s->key, key) == 0)
        g_atomic_int_set (&s->muted, !!muted);
    }
}

double
rd_room_mixer_get_level (RdRoomMixer *mx, const char *key)
{
  gint best = SILENT_DB100;
  gint64 now = g_get_monotonic_time ();

  if (g_strcmp0 (key, RD_ROOM_KEY) == 0)
    return level_get (&mx->mic_level, now) / 100.0;
  for (guint i = 0; i < mx->sources->len; i++)
    {
      Source *s = mx->sources->pdata[i];
      if (g_strcmp0 (s->key, key) == 0)
        best = MAX (best, level_get (&s->level, now));
    }
  return best / 100.0;
}

guint
rd_room_mixer_count (RdRoomMixer *mx, const char *key)
{
  Mix *m = find_mix (mx, key);
  guint n = 0;

  for (guint i = 0; m && i < mx->branches->len; i++)
    n += ((Branch *)mx->branches->pdata[i])->aggregator == m->mixer;
  return n;
}
