/* rd-daemon-recording-status.c: what RdSessionRecording shows (see rd-daemon-recording.h): the
 * state of a session's recording (for the join page and the links' timeline), its words in
 * STATUS= and its object in the status report. Reads the recording; changes nothing. */
#include "daemon/rd-daemon-recording-private.h"

#include "media/rd-media-record.h"

const char *
rd_session_recording_get_state (RdSessionRecording *d, const char *session_id, gint64 *elapsed_s)
{
  gboolean ours = d->recorder && (!session_id || g_strcmp0 (d->session, session_id) == 0);

  if (elapsed_s)
    *elapsed_s =
        ours ? (gint64)(rd_recorder_get_elapsed_ns (d->recorder) / G_GUINT64_CONSTANT (1000000000))
             : 0;
  if (!ours)
    return "off";
  return d->stopped_why ? "stopped" : rd_recorder_is_paused (d->recorder) ? "paused" : "recording";
}

gint64
rd_session_recording_get_elapsed_ns (RdSessionRecording *d, const char *session_id)
{
  if (!d->recorder || g_strcmp0 (d->session, session_id) != 0)
    return -1;
  return (gint64)rd_recorder_get_elapsed_ns (d->recorder);
}

double
rd_session_recording_get_elapsed_s (RdSessionRecording *d, const char *session_id)
{
  gint64 ns = rd_session_recording_get_elapsed_ns (d, session_id);

  return ns < 0 ? -1 : ns / 1e9;
}

char *
rd_session_recording_status_text (RdSessionRecording *d)
{
  guint failing = rd_session_recording_failing_count (d);
  guint rows = rd_session_recording_rows_pending (d);
  g_autofree char *tracks =
      failing ? g_strdup_printf (", %u track%s not recording", failing, failing == 1 ? "" : "s")
              : NULL;
  g_autofree char *pending = rows ? g_strdup_printf (", %u segment record%s waiting for the ledger",
                                                     rows, rows == 1 ? "" : "s")
                                  : NULL;

  return g_strdup_printf ("%s%s%s%s",
                          d->stopped_why    ? ", RECORDING STOPPED (disk full)"
                          : d->pause_reason ? ", recording paused"
                                            : "",
                          tracks ? tracks : "", pending ? pending : "",
                          d->disk_low ? ", disk space low" : "");
}

void
rd_session_recording_add_status (RdSessionRecording *d, JsonBuilder *b)
{
  g_autofree char *banner = rd_room_dup_banner (d->room);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "state");
  json_builder_add_string_value (b, rd_session_recording_get_state (d, NULL, NULL));
  if (d->recorder)
    {
      json_builder_set_member_name (b, "session");
      json_builder_add_string_value (b, d->session);
      json_builder_set_member_name (b, "elapsed_s");
      json_builder_add_int_value (
          b, (gint64)(rd_recorder_get_elapsed_ns (d->recorder) / G_GUINT64_CONSTANT (1000000000)));
      json_builder_set_member_name (b, "tracks");
      json_builder_add_int_value (b, rd_recorder_get_track_count (d->recorder));
      json_builder_set_member_name (b, "segments_sealed");
      json_builder_add_int_value (b, rd_recorder_get_sealed_count (d->recorder));
      json_builder_set_member_name (b, "failing_tracks");
      rd_session_recording_add_failing (d, b);
      if (d->pause_reason || d->stopped_why)
        {
          json_builder_set_member_name (b, "reason");
          json_builder_add_string_value (b, d->stopped_why ? d->stopped_why : d->pause_reason);
        }
    }
  /* the segments opened or sealed that the ledger has not taken yet (rd-daemon-recording-rows.c) */
  json_builder_set_member_name (b, "ledger_writes_pending");
  json_builder_add_int_value (b, rd_session_recording_rows_pending (d));
  json_builder_set_member_name (b, "display_mark");
  json_builder_add_string_value (b, banner ? banner : "");
  json_builder_set_member_name (b, "disk_free_mb");
  json_builder_add_int_value (
      b, (gint64)MIN (rd_session_recording_least_free_mb (d, NULL), G_MAXINT64));
  json_builder_set_member_name (b, "disk_low");
  json_builder_add_boolean_value (b, d->disk_low);
  json_builder_end_object (b);
}
