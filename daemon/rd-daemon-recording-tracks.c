/* rd-daemon-recording-tracks.c: the tracks of the live recording that are not recording (see
 * rd-daemon-recording.h): listed when the recorder says "track-failed", taken off the list when
 * a segment of the track opens ("segment-opened" naming it), all forgotten when the recording
 * finishes. The span a track did not record is a "recording-gap" event when it ends: at that
 * segment's start, or at the recording's end. Main context only. */
#include "daemon/rd-daemon-recording-private.h"

#include <string.h>

#include "daemon/rd-daemon-log.h"

typedef struct
{
  char *track;
  char *error;      /* the latest */
  GDateTime *since; /* the first failure since it last recorded, UTC */
  gint64 at_ns;     /* the same on the session's timeline */
} Failing;

static void
failing_free (gpointer data)
{
  Failing *f = data;

  g_free (f->track);
  g_free (f->error);
  g_date_time_unref (f->since);
  g_free (f);
}

static Failing *
find (RdSessionRecording *d, const char *track)
{
  for (guint i = 0; d->failing && i < d->failing->len; i++)
    if (g_str_equal (((Failing *)d->failing->pdata[i])->track, track))
      return d->failing->pdata[i];
  return NULL;
}

void
rd_session_recording_track_failed (RdSessionRecording *d, const char *track, const char *error,
                                   gint64 at_ns)
{
  Failing *f = find (d, track);

  if (!d->failing)
    d->failing = g_ptr_array_new_with_free_func (failing_free);
  if (!f)
    {
      f = g_new0 (Failing, 1);
      f->track = g_strdup (track);
      f->since = g_date_time_new_now_utc ();
      f->at_ns = at_ns;
      g_ptr_array_add (d->failing, f);
    }
  g_free (f->error);
  f->error = g_strdup (error);
}

gboolean
rd_session_recording_tracks_opened (RdSessionRecording *d, const char *tracks_json)
{
  g_autoptr (JsonNode) node = NULL;
  JsonArray *tracks;
  gboolean cleared = FALSE;

  if (!d->failing || d->failing->len == 0)
    return FALSE;
  node = json_from_string (tracks_json, NULL);
  if (!node || !JSON_NODE_HOLDS_ARRAY (node))
    return FALSE;
  tracks = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (tracks); i++)
    {
      JsonNode *e = json_array_get_element (tracks, i);
      const char *track =
          JSON_NODE_HOLDS_OBJECT (e)
              ? json_object_get_string_member_with_default (json_node_get_object (e), "track", NULL)
              : NULL;
      Failing *f = track ? find (d, track) : NULL;

      if (!f)
        continue;
      rd_log_session (G_LOG_LEVEL_MESSAGE, d->session, "recording of %s records again", track);
      rd_session_recording_record_gap (
          d, track, f->at_ns,
          json_object_get_int_member_with_default (json_node_get_object (e), "start_ns", f->at_ns),
          f->error);
      g_ptr_array_remove (d->failing, f);
      cleared = TRUE;
    }
  return cleared;
}

gboolean
rd_session_recording_tracks_resumed (RdSessionRecording *d, const char *track, gint64 at_ns)
{
  Failing *f = find (d, track);

  if (!f)
    return FALSE;
  rd_log_session (G_LOG_LEVEL_MESSAGE, d->session, "recording of %s records again", track);
  rd_session_recording_record_gap (d, track, f->at_ns, at_ns, f->error);
  g_ptr_array_remove (d->failing, f);
  return TRUE;
}

void
rd_session_recording_tracks_end (RdSessionRecording *d, gint64 end_ns)
{
  for (guint i = 0; d->failing && i < d->failing->len; i++)
    {
      Failing *f = d->failing->pdata[i];

      rd_session_recording_record_gap (d, f->track, f->at_ns, end_ns, f->error);
    }
  rd_session_recording_tracks_clear (d);
}

void
rd_session_recording_tracks_clear (RdSessionRecording *d)
{
  g_clear_pointer (&d->failing, g_ptr_array_unref);
}

guint
rd_session_recording_failing_count (RdSessionRecording *d)
{
  return d->failing ? d->failing->len : 0;
}

/* @track as the mark shows it: a party's label (an id) cut to 8 characters. (transfer full) */
static char *
short_name (const char *track)
{
  const char *label = g_str_has_prefix (track, "party-") ? track + strlen ("party-") : NULL;
  const char *kind = label ? strrchr (label, '-') : NULL;

  if (!kind || kind - label <= 9)
    return g_strdup (track);
  return g_strdup_printf ("party-%.8s\u2026%s", label, kind);
}

char *
rd_session_recording_failing_mark (RdSessionRecording *d)
{
  guint n = rd_session_recording_failing_count (d);
  g_autofree char *first = NULL;

  if (n == 0)
    return NULL;
  first = short_name (((Failing *)d->failing->pdata[0])->track);
  if (n == 1)
    return g_strdup_printf ("\u26A0 NOT RECORDING: %s", first);
  return g_strdup_printf ("\u26A0 NOT RECORDING: %s +%u more", first, n - 1);
}

void
rd_session_recording_add_failing (RdSessionRecording *d, JsonBuilder *b)
{
  json_builder_begin_array (b);
  for (guint i = 0; d->failing && i < d->failing->len; i++)
    {
      Failing *f = d->failing->pdata[i];
      g_autofree char *since = g_date_time_format_iso8601 (f->since);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "track");
      json_builder_add_string_value (b, f->track);
      json_builder_set_member_name (b, "error");
      json_builder_add_string_value (b, f->error);
      json_builder_set_member_name (b, "since");
      json_builder_add_string_value (b, since);
      json_builder_set_member_name (b, "since_s");
      json_builder_add_int_value (b, f->at_ns / G_GINT64_CONSTANT (1000000000));
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
}
