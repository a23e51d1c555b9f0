/* test-coverage.c: rd_coverage_of_session() on sessions written out as "session show" gives
 * them: what each track holds of the time it was due, and every gap with its reason. */
#include <json-glib/json-glib.h>

#include "daemon/rd-daemon-coverage.h"

#define S(x) ((gint64)((x)*1e9))

/* One recording row: @track from @from to @to seconds (@to < 0: open, no end yet). */
static char *
row (int segment, const char *state, const char *track, double from, double to)
{
  const char *media = g_str_has_suffix (track, "video") ? "video" : "audio";

  if (to < 0)
    return g_strdup_printf ("{\"segment\":%d,\"state\":\"%s\",\"duration_ns\":null,\"tracks\":"
                            "[{\"track\":\"%s\",\"media\":\"%s\",\"start_ns\":%" G_GINT64_FORMAT
                            "}]}",
                            segment, state, track, media, S (from));
  return g_strdup_printf (
      "{\"segment\":%d,\"state\":\"%s\",\"duration_ns\":%" G_GINT64_FORMAT
      ",\"tracks\":[{\"track\":\"%s\",\"media\":\"%s\",\"start_ns\":%" G_GINT64_FORMAT
      ",\"end_ns\":%" G_GINT64_FORMAT "}]}",
      segment, state, S (to - from), track, media, S (from), S (to));
}

static char *
event (const char *kind, const char *detail)
{
  return g_strdup_printf ("{\"kind\":\"%s\",\"detail\":%s}", kind, detail);
}

/* A session of @rows and @events (NULL-terminated lists, taken), with participant 1 = peer
 * "p1"; its coverage at @now_ns. */
static JsonNode *
coverage_of (char **rows, char **events, gint64 now_ns)
{
  g_autofree char *r = g_strjoinv (",", rows);
  g_autofree char *e = g_strjoinv (",", events);
  g_autofree char *text = g_strdup_printf (
      "{\"id\":\"S\",\"participants\":[{\"id\":1,\"peer_id\":\"p1\"}],\"recordings\":[%s],"
      "\"events\":[%s]}",
      r, e);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) session = json_from_string (text, &error);
  JsonNode *coverage;

  g_assert_no_error (error);
  coverage = rd_coverage_of_session (json_node_get_object (session), now_ns);
  {
    g_autofree char *shown = json_to_string (coverage, FALSE);
    g_test_message ("%s", shown);
  }
  g_strfreev (rows);
  g_strfreev (events);
  return coverage;
}

static char **
list (char *first, ...)
{
  GPtrArray *a = g_ptr_array_new ();
  va_list ap;

  va_start (ap, first);
  for (char *s = first; s; s = va_arg (ap, char *))
    g_ptr_array_add (a, s);
  va_end (ap);
  g_ptr_array_add (a, NULL);
  return (char **)g_ptr_array_free (a, FALSE);
}

static JsonObject *
track (JsonNode *coverage, const char *name)
{
  JsonArray *tracks = json_object_get_array_member (json_node_get_object (coverage), "tracks");

  for (guint i = 0; i < json_array_get_length (tracks); i++)
    if (g_str_equal (
            json_object_get_string_member (json_array_get_object_element (tracks, i), "track"),
            name))
      return json_array_get_object_element (tracks, i);
  g_error ("no track %s in the coverage", name);
}

static JsonArray *
gaps (JsonNode *coverage, const char *name)
{
  return json_object_get_array_member (track (coverage, name), "gaps");
}

static double
num (JsonObject *o, const char *name)
{
  return json_object_get_double_member (o, name);
}

/* Segments end to end, finished: all due time recorded, no gap. */
static void
test_whole (void)
{
  g_autoptr (JsonNode) c = coverage_of (
      list (row (1, "sealed", "room-video", 0, 10), row (2, "sealed", "room-audio", 0, 10),
            row (3, "sealed", "room-video", 10, 20.5), row (4, "sealed", "room-audio", 10, 20.5),
            NULL),
      list (event ("recording-finished", "{\"at_ns\":20500000000}"), NULL), -1);
  JsonObject *o = json_node_get_object (c);

  g_assert_cmpstr (json_object_get_string_member (o, "ended"), ==, "finished");
  g_assert_cmpfloat_with_epsilon (num (o, "end_s"), 20.5, 1e-9);
  g_assert_cmpint (json_object_get_int_member (o, "gaps"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (o, "overlaps"), ==, 0);
  g_assert_cmpfloat_with_epsilon (num (track (c, "room-video"), "recorded_s"), 20.5, 1e-9);
  g_assert_cmpfloat_with_epsilon (num (track (c, "room-video"), "due_s"), 20.5, 1e-9);
  g_assert_cmpfloat_with_epsilon (num (track (c, "room-video"), "covered_s"), 20.5, 1e-9);
  g_assert_cmpfloat_with_epsilon (num (o, "covered_s"), 41, 1e-9);
  g_assert_cmpstr (json_object_get_string_member (track (c, "room-audio"), "kind"), ==, "room");
}

/* A pause is not due: no gap; a hole nobody explains is one, counted as unexplained. */
static void
test_pause_and_hole (void)
{
  g_autoptr (JsonNode) c = coverage_of (
      list (row (1, "sealed", "room-audio", 0, 10), row (2, "sealed", "room-audio", 15, 20),
            row (3, "sealed", "room-audio", 22, 30), NULL),
      list (event ("recording-paused", "{\"reason\":\"r\",\"at_ns\":10000000000}"),
            event ("recording-resumed", "{\"reason\":\"r\",\"at_ns\":15000000000}"),
            event ("recording-finished", "{\"at_ns\":30000000000}"), NULL),
      -1);
  JsonArray *g = gaps (c, "room-audio");

  g_assert_cmpfloat_with_epsilon (num (track (c, "room-audio"), "paused_s"), 5, 1e-9);
  g_assert_cmpfloat_with_epsilon (num (track (c, "room-audio"), "due_s"), 25, 1e-9);
  g_assert_cmpfloat_with_epsilon (num (track (c, "room-audio"), "covered_s"), 23, 1e-9);
  g_assert_cmpuint (json_array_get_length (g), ==, 1);
  g_assert_cmpfloat_with_epsilon (num (json_array_get_object_element (g, 0), "from_s"), 20, 1e-9);
  g_assert_cmpfloat_with_epsilon (num (json_array_get_object_element (g, 0), "to_s"), 22, 1e-9);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (g, 0), "reason"),
                   ==, "nothing recorded, and no cause on record");
  g_assert_cmpfloat_with_epsilon (num (json_node_get_object (c), "unexplained_s"), 2, 1e-9);
}

/* A failed track's gap event and a disk stop give the gaps their reasons. */
static void
test_causes (void)
{
  g_autoptr (JsonNode) c = coverage_of (
      list (row (1, "sealed", "room-audio", 0, 10), row (2, "sealed", "room-audio", 18, 25),
            row (3, "sealed", "room-video", 0, 25), NULL),
      list (event ("recording-gap", "{\"track\":\"room-audio\",\"from_s\":10.0,\"to_s\":18.0,"
                                    "\"reason\":\"No space left on device\"}"),
            event ("recording-stopped-disk", "{\"reason\":\"disk full\",\"at_ns\":25000000000}"),
            event ("recording-finished", "{\"at_ns\":40000000000}"), NULL),
      -1);
  JsonArray *audio = gaps (c, "room-audio");
  JsonArray *video = gaps (c, "room-video");

  g_assert_cmpuint (json_array_get_length (audio), ==, 2);
  g_assert_cmpstr (
      json_object_get_string_member (json_array_get_object_element (audio, 0), "reason"), ==,
      "No space left on device");
  g_assert_cmpstr (
      json_object_get_string_member (json_array_get_object_element (audio, 1), "reason"), ==,
      "disk full");
  g_assert_cmpuint (json_array_get_length (video), ==, 1);
  g_assert_cmpfloat_with_epsilon (num (json_array_get_object_element (video, 0), "seconds"), 15,
                                  1e-9);
  g_assert_cmpfloat_with_epsilon (num (json_node_get_object (c), "unexplained_s"), 0, 1e-9);
}

/* A party is due from its verification to its leaving; 20 ms late is no gap, 2 s of video is. */
static void
test_party (void)
{
  g_autoptr (JsonNode) c = coverage_of (
      list (row (1, "sealed", "room-audio", 0, 30), row (2, "sealed", "party-p1-audio", 5.02, 12),
            row (3, "sealed", "party-p1-video", 7, 12), row (4, "sealed", "party-far-audio", 1, 4),
            row (5, "sealed", "party-far-audio", 6, 9), NULL),
      list (event ("party-joined", "{\"participant_id\":1,\"peer_id\":\"p1\"}"),
            event ("party-verified", "{\"participant_id\":1,\"recording_ns\":5000000000}"),
            event ("party-left", "{\"participant_id\":1,\"recording_ns\":12000000000}"),
            event ("recording-gap", "{\"from_s\":4.0,\"to_s\":6.0,\"reason\":\"link down\"}"),
            event ("recording-finished", "{\"at_ns\":30000000000}"), NULL),
      -1);
  JsonObject *audio = track (c, "party-p1-audio");
  JsonArray *video = gaps (c, "party-p1-video");
  JsonArray *far = gaps (c, "party-far-audio");

  g_assert_cmpstr (json_object_get_string_member (audio, "kind"), ==, "party");
  g_assert_cmpfloat_with_epsilon (num (audio, "due_from_s"), 5, 1e-9);
  g_assert_cmpfloat_with_epsilon (num (audio, "due_to_s"), 12, 1e-9);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (audio, "gaps")), ==, 0);
  g_assert_cmpuint (json_array_get_length (video), ==, 1);
  g_assert_cmpfloat_with_epsilon (num (json_array_get_object_element (video, 0), "from_s"), 5,
                                  1e-9);
  /* a link's far end: due from its first frame to its last; the link's gap explains its hole */
  g_assert_cmpstr (json_object_get_string_member (track (c, "party-far-audio"), "kind"), ==,
                   "link");
  g_assert_cmpuint (json_array_get_length (far), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (far, 0), "reason"),
                   ==, "link down");
  /* the room's track is not the link's */
  g_assert_cmpuint (json_array_get_length (gaps (c, "room-audio")), ==, 0);
}

/* One sealed row whose first frame, stamped @from, reached the writer at @arrived. */
static char *
row_arrived (int segment, const char *track, double from, double to, double arrived)
{
  return g_strdup_printf (
      "{\"segment\":%d,\"state\":\"sealed\",\"duration_ns\":%" G_GINT64_FORMAT
      ",\"tracks\":[{\"track\":\"%s\",\"media\":\"audio\",\"start_ns\":%" G_GINT64_FORMAT
      ",\"arrived_ns\":%" G_GINT64_FORMAT ",\"end_ns\":%" G_GINT64_FORMAT "}]}",
      segment, S (to - from), track, S (from), S (arrived), S (to));
}

/* A party's frames are stamped ahead of their arrival (its playout delay): after its
 * verification or a resume its first segment starts that much later, and the span before it is
 * not due. A track whose first frame came when it was stamped has no such lead: the same span
 * after a resume is a gap. */
static void
test_resume_lead (void)
{
  g_autoptr (JsonNode) c = coverage_of (
      list (row_arrived (1, "party-p1-audio", 1.05, 8.3, 1.0),
            row (2, "sealed", "room-audio", 0, 8),
            row_arrived (3, "party-p1-audio", 12.4, 20, 12.1),
            row_arrived (4, "room-audio", 12.4, 20, 12.4), NULL),
      list (event ("party-verified", "{\"participant_id\":1,\"recording_ns\":1000000000}"),
            event ("recording-paused", "{\"reason\":\"r\",\"at_ns\":8000000000}"),
            event ("recording-resumed", "{\"reason\":\"r\",\"at_ns\":12000000000}"),
            event ("party-left", "{\"participant_id\":1,\"recording_ns\":20000000000}"),
            event ("recording-finished", "{\"at_ns\":20000000000}"), NULL),
      -1);
  JsonArray *room = gaps (c, "room-audio");

  g_assert_cmpuint (json_array_get_length (gaps (c, "party-p1-audio")), ==, 0);
  g_assert_cmpfloat_with_epsilon (num (track (c, "party-p1-audio"), "paused_s"), 4.3, 1e-9);
  /* verified at 1.0 s, its first frame stamped 50 ms ahead of its arrival: due from 1.05 s */
  g_assert_cmpfloat_with_epsilon (num (track (c, "party-p1-audio"), "due_from_s"), 1.05, 1e-9);
  /* due 1.05-8 and 12.3-20 s (the resume at 12 s, its lead 0.3 s): all but 12.3-12.4 s held */
  g_assert_cmpfloat_with_epsilon (num (track (c, "party-p1-audio"), "due_s"), 14.65, 1e-9);
  g_assert_cmpfloat_with_epsilon (num (track (c, "party-p1-audio"), "covered_s"), 14.55, 1e-9);
  g_assert_cmpuint (json_array_get_length (room), ==, 1);
  g_assert_cmpfloat_with_epsilon (num (json_array_get_object_element (room, 0), "from_s"), 12,
                                  1e-9);
  g_assert_cmpfloat_with_epsilon (num (json_array_get_object_element (room, 0), "to_s"), 12.4,
                                  1e-9);
}

/* After a crash the timeline ends at the last media written; while live, now, with the open
 * segment holding up to now; conference tracks are never due. */
static void
test_interrupted_live_conference (void)
{
  g_autoptr (JsonNode) crashed = coverage_of (
      list (row (1, "repaired", "room-audio", 0, 7.5), row (2, "sealed", "room-video", 0, 7),
            row (3, "unrecoverable", "room-video", 7, -1),
            row (4, "sealed", "conference-video", 1, 2),
            row (5, "sealed", "conference-video", 5, 6), NULL),
      list (NULL), -1);
  g_autoptr (JsonNode) tail = coverage_of (list (row (1, "repaired", "room-audio", 0, 6.2),
                                                 row (2, "repaired", "room-video", 0, 7), NULL),
                                           list (NULL), -1);
  g_autoptr (JsonNode) live = coverage_of (list (row (1, "sealed", "room-audio", 0, 10),
                                                 row (2, "recording", "room-audio", 10, -1), NULL),
                                           list (NULL), S (14));

  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (crashed), "ended"), ==,
                   "interrupted");
  g_assert_cmpfloat_with_epsilon (num (json_node_get_object (crashed), "end_s"), 7.5, 1e-9);
  g_assert_cmpuint (json_array_get_length (gaps (crashed, "room-audio")), ==, 0);
  /* 0.5 s of video is under a second: not a gap, however it came */
  g_assert_cmpuint (json_array_get_length (gaps (crashed, "room-video")), ==, 0);
  g_assert_cmpuint (json_array_get_length (gaps (crashed, "conference-video")), ==, 0);
  g_assert_cmpfloat_with_epsilon (num (track (crashed, "conference-video"), "recorded_s"), 2, 1e-9);
  g_assert_cmpfloat_with_epsilon (num (json_node_get_object (crashed), "due_s"), 15, 1e-9);
  g_assert_cmpfloat_with_epsilon (num (json_node_get_object (crashed), "covered_s"), 14.5, 1e-9);

  /* a track's last second before a crash is the crash's */
  g_assert_cmpuint (json_array_get_length (gaps (tail, "room-audio")), ==, 1);
  g_assert_nonnull (
      g_strstr_len (json_object_get_string_member (
                        json_array_get_object_element (gaps (tail, "room-audio"), 0), "reason"),
                    -1, "the crash"));
  g_assert_cmpfloat_with_epsilon (num (json_node_get_object (tail), "unexplained_s"), 0, 1e-9);

  /* a party that left just before the crash: its writer was still draining when the daemon was
   * killed, so its missing end is the crash's; one that left long before has no such excuse */
  {
    g_autoptr (JsonNode) left = NULL;

    for (int k = 0; k < 2; k++)
      {
        g_autofree char *leave = g_strdup_printf (
            "{\"participant_id\":1,\"recording_ns\":%" G_GINT64_FORMAT "}", S (k ? 2.0 : 3.7));
        const char *reason;

        g_clear_pointer (&left, json_node_unref);
        left = coverage_of (
            list (row (1, "repaired", "room-audio", 0, 4.0),
                  row (2, "repaired", "party-p1-audio", 0.2, k ? 1.6 : 3.3), NULL),
            list (event ("party-joined", "{\"participant_id\":1,\"peer_id\":\"p1\"}"),
                  event ("party-verified", "{\"participant_id\":1,\"recording_ns\":200000000}"),
                  event ("party-left", leave), NULL),
            -1);
        g_assert_cmpuint (json_array_get_length (gaps (left, "party-p1-audio")), ==, 1);
        reason = json_object_get_string_member (
            json_array_get_object_element (gaps (left, "party-p1-audio"), 0), "reason");
        if (k == 0)
          g_assert_nonnull (g_strstr_len (reason, -1, "the crash"));
        else
          g_assert_cmpstr (reason, ==, "nothing recorded, and no cause on record");
      }
  }

  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (live), "ended"), ==,
                   "live");
  g_assert_cmpfloat_with_epsilon (num (track (live, "room-audio"), "recorded_s"), 14, 1e-9);
  g_assert_cmpuint (json_array_get_length (gaps (live, "room-audio")), ==, 0);
}

/* A gap on the record inside a segment (a stalled disk dropped frames) is a gap all the same. */
static void
test_gap_inside_segment (void)
{
  g_autoptr (JsonNode) c = coverage_of (
      list (row (1, "sealed", "room-audio", 0, 30), NULL),
      list (event ("recording-gap", "{\"track\":\"room-audio\",\"from_s\":12.0,\"to_s\":19.5,"
                                    "\"reason\":\"its disk has taken no write for 5 s\"}"),
            event ("recording-finished", "{\"at_ns\":30000000000}"), NULL),
      -1);
  JsonArray *g = gaps (c, "room-audio");

  g_assert_cmpuint (json_array_get_length (g), ==, 1);
  g_assert_cmpfloat_with_epsilon (num (json_array_get_object_element (g, 0), "seconds"), 7.5, 1e-9);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (g, 0), "reason"),
                   ==, "its disk has taken no write for 5 s");
  g_assert_cmpfloat_with_epsilon (num (track (c, "room-audio"), "covered_s"), 22.5, 1e-9);
}

/* Two segments of a track claiming the same time are an overlap; a switch's shared frame is not. */
static void
test_overlap (void)
{
  g_autoptr (JsonNode) c = coverage_of (
      list (row (1, "sealed", "room-audio", 0, 10.02), row (2, "sealed", "room-audio", 10, 20),
            row (3, "sealed", "room-audio", 19.1, 30), NULL),
      list (event ("recording-finished", "{\"at_ns\":30000000000}"), NULL), -1);
  JsonArray *o = json_object_get_array_member (track (c, "room-audio"), "overlaps");

  g_assert_cmpint (json_object_get_int_member (json_node_get_object (c), "overlaps"), ==, 1);
  g_assert_cmpuint (json_array_get_length (o), ==, 1);
  g_assert_cmpfloat_with_epsilon (num (json_array_get_object_element (o, 0), "from_s"), 19.1, 1e-9);
  g_assert_cmpfloat_with_epsilon (num (json_array_get_object_element (o, 0), "to_s"), 20, 1e-9);
  g_assert_cmpfloat_with_epsilon (num (track (c, "room-audio"), "covered_s"), 30, 1e-9);
}

/* An unrecoverable segment's hole says so. */
static void
test_unrecoverable (void)
{
  g_autoptr (JsonNode) c = coverage_of (
      list (row (1, "sealed", "room-audio", 0, 10), row (2, "unrecoverable", "room-audio", 10, -1),
            row (3, "sealed", "room-audio", 20, 30), NULL),
      list (event ("recording-finished", "{\"at_ns\":30000000000}"), NULL), -1);
  JsonArray *g = gaps (c, "room-audio");

  g_assert_cmpuint (json_array_get_length (g), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (g, 0), "reason"),
                   ==, "its segment could not be recovered after a crash");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/coverage/whole", test_whole);
  g_test_add_func ("/coverage/pause-and-hole", test_pause_and_hole);
  g_test_add_func ("/coverage/causes", test_causes);
  g_test_add_func ("/coverage/party", test_party);
  g_test_add_func ("/coverage/resume-lead", test_resume_lead);
  g_test_add_func ("/coverage/interrupted-live-conference", test_interrupted_live_conference);
  g_test_add_func ("/coverage/unrecoverable", test_unrecoverable);
  g_test_add_func ("/coverage/overlap", test_overlap);
  g_test_add_func ("/coverage/gap-inside-segment", test_gap_inside_segment);
  return g_test_run ();
}
