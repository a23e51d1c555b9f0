/* rd-media-room-layout.c: the conference picture. See rd-media-room.h.
 *
 *   party K's decoded video -> label (textoverlay) -> compositor pad  (a tile, keyed like the mix)
 *   outtee (the display's picture, REC mark included) -> leaky queue -> valve -> encoder
 *     -> composite_tee -> send_selector.sink_1
 *   video_tee (the room's camera, encoded) --------------------------> send_selector.sink_0
 *   send_selector -> send_tee -> every party's video send stream
 *
 * One compositor makes the display's picture and the parties' picture alike, encoded once for
 * every party (a party sees its own tile too: one shared picture costs one encoder whatever the
 * number of parties, where pictures per party would cost one each). With the layout ROOM the
 * parties get the room's camera as encoded for the record, the valve stops the composite
 * encoder, and the display keeps showing the parties with the room's self-view in a corner.
 * Switching asks the newly chosen encoder for a keyframe, and the selector switches on that
 * keyframe: the two encoders' streams share no reference frames, so a party whose decoder got
 * the new stream's delta frames first would show the old picture, or garbage, until the next
 * keyframe (seconds, and far longer when a busy machine encodes few frames; a decoder finds
 * nothing wrong to ask a keyframe for).
 *
 * The active speaker (for SPEAKER) is the loudest key above SPEAKER_FLOOR_DB that has been the
 * loudest for SPEAKER_TAKE_US and beats the current one by SPEAKER_MARGIN_DB, once the current
 * one has held the floor SPEAKER_HOLD_US: a word from someone else, a cough, does not move the
 * picture. Main context only. */
#include "media/rd-media-room-private.h"
#include "media/rd-media-error.h"

#include <gst/video/video.h>
#include <string.h>

#define SPEAKER_TICK_MS   200
#define SPEAKER_FLOOR_DB  (-50.0)
#define SPEAKER_MARGIN_DB 6.0
#define SPEAKER_TAKE_US   (1 * G_USEC_PER_SEC)
#define SPEAKER_HOLD_US   (2 * G_USEC_PER_SEC)
/* A tile without a new frame for this long is marked as stalled (its last picture stays); one
 * whose party's frames keep coming in this long with none decoded has a failed decoder and is
 * taken out of the layout until a picture is decoded again. */
#define STALL_US        (2 * G_USEC_PER_SEC)
#define FAILED_FRAMES   3
#define FAILED_QUIET_US (3 * STALL_US)
/* Keyframe requests from the parties (RTCP PLI/FIR, RFC 4585 6.3.1, RFC 5104 3.5.1) reach the
 * encoders at most this often: six parties asking at once make one keyframe, not six. */
#define KEYFRAME_GAP_US (500 * G_TIME_SPAN_MILLISECOND)

struct _RdRoomTile
{
  char *key;
  GstElement *label; /* textoverlay, in the pipeline */
  GstPad *handle;    /* the label's sink pad: what rd_room_link_remote_video() returned */
  GstPad *pad;       /* the compositor's request pad */
  GstPad *encoded;   /* the decoder's sink pad (the party's encoded frames), or NULL */
  gulong encoded_probe;
  guint64 frames; /* atomic: pictures that reached the tile's label */
  guint64 frames_seen;
  gint64 moved_us;        /* monotonic: when frames last moved */
  guint64 encoded_frames; /* atomic: encoded frames into the decoder */
  guint64 encoded_seen;
  gint64 encoded_moved_us;
  guint64 encoded_at_move; /* encoded_frames when frames last moved */
  RdRoomTileState state;
  GstVideoInfo vinfo; /* the streaming thread's: the party's pictures, for blank() */
  gint camera_muted;  /* atomic: rd_room_set_party_muted() */
};

static gboolean speaker_tick (gpointer data);

/* Streaming thread: keeps the party's picture format for blank(). */
static GstPadProbeReturn
tile_caps (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  RdRoomTile *t = user_data;
  GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);
  GstCaps *caps;

  if (GST_EVENT_TYPE (event) != GST_EVENT_CAPS)
    return GST_PAD_PROBE_OK;
  gst_event_parse_caps (event, &caps);
  if (!gst_video_info_from_caps (&t->vinfo, caps))
    gst_video_info_init (&t->vinfo);
  return GST_PAD_PROBE_OK;
}

/* Streaming thread: paints @buffer, a picture of @vinfo, black (YUV: luma 16, chroma 128;
 * RGB: zeroes). */
static void
blank (GstBuffer *buffer, GstVideoInfo *vinfo)
{
  GstVideoFrame frame;
  gboolean yuv = GST_VIDEO_INFO_IS_YUV (vinfo);

  if (GST_VIDEO_INFO_FORMAT (vinfo) == GST_VIDEO_FORMAT_UNKNOWN ||
      !gst_video_frame_map (&frame, vinfo, buffer, GST_MAP_WRITE))
    return;
  for (guint p = 0; p < GST_VIDEO_FRAME_N_PLANES (&frame); p++)
    memset (GST_VIDEO_FRAME_PLANE_DATA (&frame, p), yuv ? (p == 0 ? 16 : 128) : 0,
            (gsize)GST_VIDEO_FRAME_PLANE_STRIDE (&frame, p) *
                GST_VIDEO_FRAME_COMP_HEIGHT (&frame, p));
  gst_video_frame_unmap (&frame);
}

/* Streaming thread: a muted camera's pictures reach its tile black. */
static GstPadProbeReturn
tile_blank (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  RdRoomTile *t = user_data;
  GstBuffer *buffer;

  if (!g_atomic_int_get (&t->camera_muted))
    return GST_PAD_PROBE_OK;
  buffer = gst_buffer_make_writable (GST_PAD_PROBE_INFO_BUFFER (info));
  blank (buffer, &t->vinfo);
  GST_PAD_PROBE_INFO_DATA (info) = buffer;
  return GST_PAD_PROBE_OK;
}

static void choose_send (RdRoom *room, RdLayout shown);
static GstPadProbeReturn limit_keyframes (GstPad *pad, GstPadProbeInfo *info, gpointer user_data);
static GstPadProbeReturn switch_at_keyframe (GstPad *pad, GstPadProbeInfo *info,
                                             gpointer user_data);

static void
tile_free (gpointer data)
{
  RdRoomTile *t = data;

  g_free (t->key);
  if (t->encoded && t->encoded_probe)
    gst_pad_remove_probe (t->encoded, t->encoded_probe);
  g_clear_object (&t->encoded);
  g_clear_object (&t->handle);
  g_clear_object (&t->pad);
  g_free (t);
}

GstElement *
rd_room_make_label (RdRoom *room, GstBin *bin, GError **error)
{
  GstElement *label = rd_room_make (room, bin, "textoverlay", NULL, error);

  if (label)
    g_object_set (label, "text", "", "valignment", 1 /* bottom */, "halignment", 0 /* left */,
                  "font-desc", "Sans Bold 14", "shaded-background", TRUE, "wait-text", FALSE, NULL);
  return label;
}

void
rd_room_layout_init (RdRoom *room)
{
  room->tiles = g_ptr_array_new_with_free_func (tile_free);
  room->labels = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  room->party_muted = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  room->layout = rd_config_get_layout (room->config);
  room->layout_shown = RD_LAYOUT_ROOM;
  room->speaker_source = g_timeout_source_new (SPEAKER_TICK_MS);
  g_source_set_callback (room->speaker_source, speaker_tick, room, NULL);
  g_source_attach (room->speaker_source, room->context);
}

void
rd_room_layout_dispose (RdRoom *room)
{
  if (room->speaker_source)
    {
      g_source_destroy (room->speaker_source);
      g_clear_pointer (&room->speaker_source, g_source_unref);
    }
  g_clear_pointer (&room->tiles, g_ptr_array_unref);
  g_clear_pointer (&room->labels, g_hash_table_unref);
  g_clear_pointer (&room->party_muted, g_hash_table_unref);
  g_clear_pointer (&room->speaker, g_free);
  g_clear_pointer (&room->candidate, g_free);
  g_clear_object (&room->send_camera_pad);
  g_clear_object (&room->send_composite_pad);
}

/* --- the composite encoder and the selector --- */

gboolean
rd_room_build_composite (RdRoom *room, GError **error)
{
  GstElement *q;

  q = rd_room_make (room, NULL, "queue", "composite-queue", error);
  room->composite_valve = rd_room_make (room, NULL, "valve", "composite-valve", error);
  room->composite_encoder = rd_room_make_video_encoder (room, "composite-enc", error);
  room->composite_tee = rd_room_make (room, NULL, "tee", "composite_tee", error);
  room->send_selector = rd_room_make (room, NULL, "input-selector", "send-selector", error);
  room->send_tee = rd_room_make (room, NULL, "tee", "send_tee", error);
  if (!q || !room->composite_valve || !room->composite_encoder || !room->composite_tee ||
      !room->send_selector || !room->send_tee)
    return FALSE;
  /* never holds the display back; stopped (but told the caps) while the layout is ROOM */
  g_object_set (q, "max-size-buffers", 2, "max-size-bytes", 0, "max-size-time", (guint64)0, "leaky",
                2 /* downstream */, NULL);
  g_object_set (room->composite_valve, "drop", TRUE, NULL);
  gst_util_set_object_arg (G_OBJECT (room->composite_valve), "drop-mode", "forward-sticky-events");
  g_object_set (room->composite_tee, "allow-not-linked", TRUE, NULL);
  g_object_set (room->send_tee, "allow-not-linked", TRUE, NULL);
  /* live streams: the inactive one is dropped, not held for the active one's time */
  g_object_set (room->send_selector, "sync-streams", FALSE, "cache-buffers", FALSE, NULL);
  if (!gst_element_link_many (room->outtee, q, room->composite_valve, room->composite_encoder,
                              room->composite_tee, NULL) ||
      !gst_element_link (room->send_selector, room->send_tee))
    {
      g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_INIT, "cannot link the composite encoder");
      return FALSE;
    }
  room->send_camera_pad = gst_element_request_pad_simple (room->send_selector, "sink_%u");
  room->send_composite_pad = gst_element_request_pad_simple (room->send_selector, "sink_%u");
  {
    g_autoptr (GstPad) camera = gst_element_request_pad_simple (room->video_tee, "src_%u");
    g_autoptr (GstPad) composite = gst_element_request_pad_simple (room->composite_tee, "src_%u");

    if (gst_pad_link (camera, room->send_camera_pad) != GST_PAD_LINK_OK ||
        gst_pad_link (composite, room->send_composite_pad) != GST_PAD_LINK_OK)
      {
        g_set_error (error, RD_MEDIA_ERROR, RD_MEDIA_ERROR_INIT,
                     "cannot link the parties' video selector");
        return FALSE;
      }
  }
  gst_pad_add_probe (room->send_camera_pad, GST_PAD_PROBE_TYPE_BUFFER, switch_at_keyframe, room,
                     NULL);
  gst_pad_add_probe (room->send_composite_pad, GST_PAD_PROBE_TYPE_BUFFER, switch_at_keyframe, room,
                     NULL);
  /* what the layout shows already (the config's may be other than ROOM) */
  choose_send (room, room->layout_shown);
  {
    g_autoptr (GstPad) sink = gst_element_get_static_pad (room->send_tee, "sink");
    gst_pad_add_probe (sink, GST_PAD_PROBE_TYPE_EVENT_UPSTREAM, limit_keyframes, &room->keyframe_us,
                       NULL);
  }
  return TRUE;
}

/* Any streaming thread: lets one keyframe request through per KEYFRAME_GAP_US. */
static GstPadProbeReturn
limit_keyframes (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  gint64 *last_us = user_data; /* atomic */
  GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);
  const GstStructure *s = gst_event_get_structure (event);
  gint64 now = g_get_monotonic_time (), last;

  if (GST_EVENT_TYPE (event) != GST_EVENT_CUSTOM_UPSTREAM || !s ||
      !gst_structure_has_name (s, "GstForceKeyUnit"))
    return GST_PAD_PROBE_OK;
  last = __atomic_load_n (last_us, __ATOMIC_RELAXED);
  if (now - last < KEYFRAME_GAP_US ||
      !__atomic_compare_exchange_n (last_us, &last, now, FALSE, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
    return GST_PAD_PROBE_DROP;
  return GST_PAD_PROBE_OK;
}

/* Either encoder's streaming thread: makes the selector's pad wanted next (send_wanted) the
 * active one at its first keyframe; the composite encoder is stopped once the camera is. */
static GstPadProbeReturn
switch_at_keyframe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  RdRoom *room = user_data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);

  if (g_atomic_pointer_get (&room->send_wanted) != pad ||
      GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT) ||
      !g_atomic_pointer_compare_and_exchange (&room->send_wanted, pad, NULL))
    return GST_PAD_PROBE_OK;
  GST_INFO ("the parties get the %s from its keyframe at %" GST_TIME_FORMAT,
            pad == room->send_camera_pad ? "camera" : "composite",
            GST_TIME_ARGS (GST_BUFFER_PTS (buffer)));
  g_object_set (room->send_selector, "active-pad", pad, NULL);
  if (pad == room->send_camera_pad)
    g_object_set (room->composite_valve, "drop", TRUE, NULL);
  return GST_PAD_PROBE_OK;
}

/* The parties get the camera (ROOM) or the composite (the others), from the chosen encoder's
 * next keyframe, asked for now. */
static void
choose_send (RdRoom *room, RdLayout shown)
{
  gboolean composite = shown != RD_LAYOUT_ROOM;

  if (!room->send_selector)
    return;
  if (composite)
    g_object_set (room->composite_valve, "drop", FALSE, NULL);
  g_atomic_pointer_set (&room->send_wanted,
                        composite ? room->send_composite_pad : room->send_camera_pad);
  rd_room_encoder_keyframe (composite ? room->composite_encoder : room->encoder);
}

/* --- tiles and layouts --- */

static void
place (GstPad *pad, int x, int y, int w, int h, int zorder)
{
  g_object_set (pad, "xpos", x, "ypos", y, "width", w, "height", h, "zorder", zorder, "alpha", 1.0,
                NULL);
  gst_util_set_object_arg (G_OBJECT (pad), "sizing-policy", "keep-aspect-ratio");
}

/* Today's display: parties in a grid over the whole picture, the self-view a quarter-size
 * picture in the bottom right corner (the whole picture with no party). */
static void
layout_room (RdRoom *room, GPtrArray *tiles, int w, int h)
{
  guint n = tiles->len, cols = 1, rows;

  while (cols * cols < n)
    cols++;
  rows = n ? (n + cols - 1) / cols : 1;
  for (guint i = 0; i < n; i++)
    place (((RdRoomTile *)tiles->pdata[i])->pad, (int)(i % cols) * w / (int)cols,
           (int)(i / cols) * h / (int)rows, w / (int)cols, h / (int)rows, 1);
  if (n == 0)
    place (room->self_view_pad, 0, 0, w, h, 10);
  else
    place (room->self_view_pad, w - w / 4 - w / 40, h - h / 4 - h / 40, w / 4, h / 4, 10);
}

/* The room's pad, then each of @tiles', in join order. */
static GstPad *
nth_pad (RdRoom *room, GPtrArray *tiles, guint i)
{
  return i == 0 ? room->self_view_pad : ((RdRoomTile *)tiles->pdata[i - 1])->pad;
}

static const char *
nth_key (GPtrArray *tiles, guint i)
{
  return i == 0 ? RD_ROOM_KEY : ((RdRoomTile *)tiles->pdata[i - 1])->key;
}

static void
layout_grid (RdRoom *room, GPtrArray *tiles, int w, int h)
{
  guint n = tiles->len + 1, cols = 1, rows;

  while (cols * cols < n)
    cols++;
  rows = (n + cols - 1) / cols;
  for (guint i = 0; i < n; i++)
    place (nth_pad (room, tiles, i), (int)(i % cols) * w / (int)cols,
           (int)(i / cols) * h / (int)rows, w / (int)cols, h / (int)rows, 1);
}

/* The speaker over the top three quarters, the others in a strip of quarter-size tiles below
 * (narrower when more than four). */
static void
layout_speaker (RdRoom *room, GPtrArray *tiles, int w, int h)
{
  guint n = tiles->len + 1, big = 0, k = 0;
  int tw, x0;

  for (guint i = 0; room->speaker && i < n; i++)
    if (g_str_equal (nth_key (tiles, i), room->speaker))
      big = i;
  if (n == 1)
    {
      place (room->self_view_pad, 0, 0, w, h, 1);
      return;
    }
  tw = MIN (w / 4, w / (int)(n - 1));
  x0 = (w - tw * (int)(n - 1)) / 2;
  for (guint i = 0; i < n; i++)
    if (i == big)
      place (nth_pad (room, tiles, i), 0, 0, w, h * 3 / 4, 1);
    else
      place (nth_pad (room, tiles, i), x0 + tw * (int)k++, h * 3 / 4, tw, h / 4, 1);
}

void
rd_room_relayout (RdRoom *room)
{
  RdLayout shown = room->layout;
  g_autoptr (GPtrArray) tiles = NULL;

  if (!room->tiles || !room->self_view_pad)
    return;
  /* a tile whose decoder failed has no compositor pad (tile_detach): out of the picture */
  tiles = g_ptr_array_new ();
  for (guint i = 0; i < room->tiles->len; i++)
    {
      RdRoomTile *t = room->tiles->pdata[i];
      if (t->pad)
        g_ptr_array_add (tiles, t);
    }
  if (shown == RD_LAYOUT_AUTO)
    shown = tiles->len >= 2 ? RD_LAYOUT_GRID : RD_LAYOUT_ROOM;
  if (shown == RD_LAYOUT_GRID)
    layout_grid (room, tiles, room->width, room->height);
  else if (shown == RD_LAYOUT_SPEAKER)
    layout_speaker (room, tiles, room->width, room->height);
  else
    layout_room (room, tiles, room->width, room->height);
  if (shown != room->layout_shown)
    {
      GST_INFO ("layout %s (asked: %s)", rd_layout_to_string (shown),
                rd_layout_to_string (room->layout));
      room->layout_shown = shown;
      /* told first: the recorder closes the conference tracks while the picture still flows */
      rd_room_emit_layout_changed (room);
      choose_send (room, shown);
    }
}

/* --- labels --- */

static void
update_labels (RdRoom *room)
{
  const char *own = g_hash_table_lookup (room->labels, RD_ROOM_KEY);
  g_autofree char *room_text = g_strdup_printf (
      "%s%s%s", own ? own : rd_config_get_room_name (room->config),
      room->muted_mic ? " · tắt mic" : "", room->muted_camera ? " · tắt camera" : "");

  if (room->self_label)
    g_object_set (room->self_label, "text", room_text, NULL);
  for (guint i = 0; room->tiles && i < room->tiles->len; i++)
    {
      RdRoomTile *t = room->tiles->pdata[i];
      const char *text = g_hash_table_lookup (room->labels, t->key);
      g_autofree char *shown = g_strdup_printf (
          "%s%s%s%s", text ? text : "",
          rd_room_get_party_muted (room, t->key, RD_ROOM_TRACK_MIC) ? " · tắt mic" : "",
          rd_room_get_party_muted (room, t->key, RD_ROOM_TRACK_CAMERA) ? " · tắt camera" : "",
          t->state == RD_ROOM_TILE_STALLED ? " · mất hình" : "");
      g_object_set (t->label, "text", shown, NULL);
    }
}

void
rd_room_set_label (RdRoom *room, const char *key, const char *label)
{
  g_return_if_fail (RD_IS_ROOM (room) && key != NULL);
  if (label)
    g_hash_table_replace (room->labels, g_strdup (key), g_strdup (label));
  else
    g_hash_table_remove (room->labels, key);
  update_labels (room);
}

void
rd_room_set_party_muted (RdRoom *room, const char *key, RdRoomTrack track, gboolean muted)
{
  guint flags;

  g_return_if_fail (RD_IS_ROOM (room) && key != NULL);
  flags = GPOINTER_TO_UINT (g_hash_table_lookup (room->party_muted, key));
  flags = muted ? flags | 1u << track : flags & ~(1u << track);
  if (flags)
    g_hash_table_replace (room->party_muted, g_strdup (key), GUINT_TO_POINTER (flags));
  else
    g_hash_table_remove (room->party_muted, key);
  if (track == RD_ROOM_TRACK_MIC)
    rd_room_mixer_set_muted (room->mix, key, muted);
  for (guint i = 0; track == RD_ROOM_TRACK_CAMERA && i < room->tiles->len; i++)
    {
      RdRoomTile *t = room->tiles->pdata[i];
      if (g_str_equal (t->key, key))
        g_atomic_int_set (&t->camera_muted, !!muted);
    }
  GST_INFO ("party %s: %s %s", key, track == RD_ROOM_TRACK_MIC ? "microphone" : "camera",
            muted ? "muted" : "unmuted");
  update_labels (room);
}

gboolean
rd_room_get_party_muted (RdRoom *room, const char *key, RdRoomTrack track)
{
  g_return_val_if_fail (RD_IS_ROOM (room) && key != NULL, FALSE);
  return (GPOINTER_TO_UINT (g_hash_table_lookup (room->party_muted, key)) >> track) & 1;
}

void
rd_room_layout_muted (RdRoom *room)
{
  update_labels (room);
}

/* --- the parties' video --- */

GstPad *
rd_room_link_remote_video (RdRoom *room, GstPad *src, GstPad *encoded, const char *key)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GstPad) label_src = NULL;
  RdRoomTile *t;

  g_return_val_if_fail (RD_IS_ROOM (room) && key != NULL, NULL);
  t = g_new0 (RdRoomTile, 1);
  t->key = g_strdup (key);
  t->label = rd_room_make_label (room, NULL, &error);
  t->pad = t->label ? gst_element_request_pad_simple (room->compositor, "sink_%u") : NULL;
  if (!t->pad)
    goto failed;
  label_src = gst_element_get_static_pad (t->label, "src");
  t->handle = gst_element_get_static_pad (t->label, "video_sink");
  if (gst_pad_link (label_src, t->pad) != GST_PAD_LINK_OK)
    goto failed;
  /* counted where the party's pictures reach the tile (the compositor's pad goes while the
   * tile's decoder has failed) */
  gst_video_info_init (&t->vinfo);
  t->camera_muted = rd_room_get_party_muted (room, key, RD_ROOM_TRACK_CAMERA);
  gst_pad_add_probe (t->handle, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, tile_caps, t, NULL);
  gst_pad_add_probe (t->handle, GST_PAD_PROBE_TYPE_BUFFER, tile_blank, t, NULL);
  gst_pad_add_probe (t->handle, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
                     rd_room_count_buffers, &room->remote_video_frames, NULL);
  gst_pad_add_probe (t->handle, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
                     rd_room_count_buffers, &t->frames, NULL);
  t->moved_us = t->encoded_moved_us = g_get_monotonic_time ();
  if (encoded)
    {
      t->encoded = gst_object_ref (encoded);
      t->encoded_probe =
          gst_pad_add_probe (encoded, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
                             rd_room_count_buffers, &t->encoded_frames, NULL);
    }
  gst_element_sync_state_with_parent (t->label);
  if (gst_pad_link (src, t->handle) != GST_PAD_LINK_OK)
    goto failed;
  g_ptr_array_add (room->tiles, t);
  update_labels (room);
  rd_room_relayout (room);
  return t->handle;

failed:
  GST_WARNING ("cannot make a tile for %s:%s (key %s)%s%s", GST_DEBUG_PAD_NAME (src), key,
               error ? ": " : "", error ? error->message : "");
  if (t->pad)
    gst_element_release_request_pad (room->compositor, t->pad);
  if (t->label)
    {
      gst_element_set_state (t->label, GST_STATE_NULL);
      gst_bin_remove (GST_BIN (room->pipeline), t->label);
    }
  tile_free (t);
  return NULL;
}

/* TRUE when @key is the room's or a tile's. */
static gboolean
has_key (RdRoom *room, const char *key)
{
  if (g_str_equal (key, RD_ROOM_KEY))
    return TRUE;
  for (guint i = 0; i < room->tiles->len; i++)
    if (g_str_equal (((RdRoomTile *)room->tiles->pdata[i])->key, key))
      return TRUE;
  return FALSE;
}

gboolean
rd_room_release_tile (RdRoom *room, GstPad *sinkpad)
{
  for (guint i = 0; room->tiles && i < room->tiles->len; i++)
    {
      RdRoomTile *t = room->tiles->pdata[i];
      g_autoptr (GstPad) peer = NULL;

      if (t->handle != sinkpad)
        continue;
      peer = gst_pad_get_peer (sinkpad);
      if (peer)
        gst_pad_unlink (peer, sinkpad);
      /* the compositor's pad first: it wakes a push waiting in it */
      if (t->pad)
        gst_element_release_request_pad (room->compositor, t->pad);
      gst_element_set_locked_state (t->label, TRUE);
      gst_element_set_state (t->label, GST_STATE_NULL);
      gst_bin_remove (GST_BIN (room->pipeline), t->label);
      g_ptr_array_remove_index (room->tiles, i);
      if (room->speaker && !has_key (room, room->speaker))
        g_clear_pointer (&room->speaker, g_free);
      rd_room_relayout (room);
      return TRUE;
    }
  return FALSE;
}

/* --- the active speaker --- */

static double
level_of (RdRoom *room, const char *key)
{
  return key ? rd_room_mixer_get_level (room->mix, key) : -127.0;
}

/* Takes @t's pad out of the compositor: a pad with no new picture keeps being blended with
 * its last one whatever its alpha or place, so a tile whose decoder failed must go. The label
 * stays, unlinked, and still counts what reaches it. */
static void
tile_detach (RdRoom *room, RdRoomTile *t)
{
  g_autoptr (GstPad) label_src = gst_element_get_static_pad (t->label, "src");

  if (!t->pad)
    return;
  gst_pad_unlink (label_src, t->pad);
  gst_element_release_request_pad (room->compositor, t->pad);
  g_clear_object (&t->pad);
}

/* Gives @t a compositor pad again, linked to its label. */
static void
tile_attach (RdRoom *room, RdRoomTile *t)
{
  g_autoptr (GstPad) label_src = gst_element_get_static_pad (t->label, "src");

  if (t->pad)
    return;
  t->pad = gst_element_request_pad_simple (room->compositor, "sink_%u");
  if (t->pad && gst_pad_link (label_src, t->pad) != GST_PAD_LINK_OK)
    {
      gst_element_release_request_pad (room->compositor, t->pad);
      g_clear_object (&t->pad);
    }
  if (!t->pad)
    GST_WARNING ("tile %s: no compositor pad to show it again", t->key);
}

static const char *const tile_states[] = { "shown", "stalled", "failed" };

/* What @t shows now: STALLED when no new frame reached it for STALL_US; FAILED when it has
 * shown pictures before and in that time the party's encoded frames kept coming (at least
 * FAILED_FRAMES, the last within STALL_US): its decoder makes nothing of them. FAILED holds until a
 * picture is decoded, as long as frames still come now and then (a depayloader waiting for a
 * keyframe passes only the keyframes, seconds apart): only when none has come for FAILED_QUIET_US
 * is it STALLED. */
static RdRoomTileState
tile_state_at (RdRoomTile *t, gint64 now)
{
  guint64 frames = __atomic_load_n (&t->frames, __ATOMIC_RELAXED);
  guint64 encoded = __atomic_load_n (&t->encoded_frames, __ATOMIC_RELAXED);
  gboolean failed = t->state == RD_ROOM_TILE_FAILED;

  if (encoded != t->encoded_seen)
    {
      t->encoded_seen = encoded;
      t->encoded_moved_us = now;
    }
  if (frames != t->frames_seen)
    {
      t->frames_seen = frames;
      t->moved_us = now;
      t->encoded_at_move = encoded;
    }
  if (now - t->moved_us < STALL_US)
    return RD_ROOM_TILE_SHOWN;
  /* a tile that never showed a picture is stalled: it may still be waiting for its first */
  if (t->encoded && frames > 0 &&
      now - t->encoded_moved_us < (failed ? FAILED_QUIET_US : STALL_US) &&
      (failed || encoded >= t->encoded_at_move + FAILED_FRAMES))
    return RD_ROOM_TILE_FAILED;
  return RD_ROOM_TILE_STALLED;
}

/* Marks the tiles whose party's video stopped coming (the compositor keeps showing a stalled
 * tile's last picture, the rest goes on), takes out of the layout those whose decoder failed,
 * and undoes either when pictures come again. */
static void
check_stalls (RdRoom *room, gint64 now)
{
  gboolean changed = FALSE, relayout = FALSE;

  for (guint i = 0; i < room->tiles->len; i++)
    {
      RdRoomTile *t = room->tiles->pdata[i];
      RdRoomTileState state = tile_state_at (t, now);

      if (state == t->state)
        continue;
      GST_INFO ("tile %s: %s -> %s", t->key, tile_states[t->state], tile_states[state]);
      relayout |= state == RD_ROOM_TILE_FAILED || t->state == RD_ROOM_TILE_FAILED;
      if (state == RD_ROOM_TILE_FAILED)
        tile_detach (room, t);
      else
        tile_attach (room, t);
      t->state = state;
      changed = TRUE;
      rd_room_emit_tile_changed (room, t->key, tile_states[state]);
    }
  if (!changed)
    return;
  update_labels (room);
  if (relayout)
    {
      rd_room_relayout (room);
      /* the picture changed at once, not by a tile's motion: a keyframe shows it whole */
      rd_room_encoder_keyframe (room->composite_encoder);
    }
  rd_room_emit_layout_changed (room);
}

static gboolean
speaker_tick (gpointer data)
{
  RdRoom *room = data;
  gint64 now = g_get_monotonic_time ();
  const char *loudest = NULL;
  double best = SPEAKER_FLOOR_DB;

  check_stalls (room, now);
  for (guint i = 0; i <= room->tiles->len; i++)
    {
      double level = level_of (room, nth_key (room->tiles, i));
      if (level > best)
        {
          best = level;
          loudest = nth_key (room->tiles, i);
        }
    }
  if (!loudest || g_strcmp0 (loudest, room->speaker) == 0)
    {
      g_clear_pointer (&room->candidate, g_free);
      return G_SOURCE_CONTINUE;
    }
  if (g_strcmp0 (loudest, room->candidate) != 0)
    {
      g_free (room->candidate);
      room->candidate = g_strdup (loudest);
      room->candidate_since_us = now;
    }
  if (now - room->candidate_since_us >= SPEAKER_TAKE_US &&
      (!room->speaker || (now - room->speaker_since_us >= SPEAKER_HOLD_US &&
                          best >= level_of (room, room->speaker) + SPEAKER_MARGIN_DB)))
    {
      GST_INFO ("active speaker: %s (%.1f dBFS)", loudest, best);
      g_free (room->speaker);
      room->speaker = g_strdup (loudest);
      room->speaker_since_us = now;
      g_clear_pointer (&room->candidate, g_free);
      if (room->layout_shown == RD_LAYOUT_SPEAKER)
        rd_room_relayout (room);
      rd_room_emit_layout_changed (room);
    }
  return G_SOURCE_CONTINUE;
}

void
rd_room_set_layout (RdRoom *room, RdLayout layout)
{
  g_return_if_fail (RD_IS_ROOM (room));
  room->layout = layout;
  rd_room_relayout (room);
}

RdLayout
rd_room_get_layout (RdRoom *room, RdLayout *shown)
{
  g_return_val_if_fail (RD_IS_ROOM (room), RD_LAYOUT_AUTO);
  if (shown)
    *shown = room->layout_shown;
  return room->layout;
}

const char *
rd_room_get_tile_state (RdRoom *room, const char *key)
{
  g_return_val_if_fail (RD_IS_ROOM (room), NULL);
  for (guint i = 0; key && i < room->tiles->len; i++)
    {
      RdRoomTile *t = room->tiles->pdata[i];
      if (g_str_equal (t->key, key))
        return tile_states[t->state];
    }
  return "none";
}

const char *
rd_room_get_active_speaker (RdRoom *room)
{
  g_return_val_if_fail (RD_IS_ROOM (room), NULL);
  return room->speaker;
}
