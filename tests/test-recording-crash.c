/* test-recording-crash.c: the recording through crashes, end to end: the real daemon and a
 * real party (WHIP) in a network namespace of the test's own; files checked with ffprobe and
 * ffmpeg, the ledger with receptionctl.
 *   sigkill-random: SIGKILL at moments taken in turn (random in a call, at a segment switch,
 *                   while a party joins, as one is verified, as one leaves, after a pause),
 *                   each at a random point (seed printed; RD_TEST_SEED replays it), restarted
 *                   after each, then the files, recording verify and the coverage checked;
 *                   RD_TEST_KILLS kills (default one per moment; the long form 24);
 *   orphan-files:   files a crash left with no ledger row, found at the next start. */
#include <gst/gst.h>
#include <stdlib.h>

#include "tests/rd-test-netns.h"
#include "tests/rd-test-recording.h"

#define TIMEOUT_MS RD_TEST_ROOM_TIMEOUT_MS

static char *skip_reason;

/* --- SIGKILL at random moments --- */

typedef struct
{
  RdTestRoom *r;
  guint sealed;
} Sealed;

static gboolean
sealed_more (gpointer data)
{
  Sealed *w = data;
  g_autoptr (JsonNode) hold = NULL;
  JsonObject *rec = rd_test_rec_status (w->r, &hold);
  return json_object_get_int_member_with_default (rec, "segments_sealed", 0) > w->sealed;
}

typedef struct
{
  RdTestRoom *r;
  gint64 elapsed_s; /* status said this; done when it says more */
} Tick;

static gboolean
ticked (gpointer data)
{
  Tick *t = data;
  g_autoptr (JsonNode) hold = NULL;
  return json_object_get_int_member (rd_test_rec_status (t->r, &hold), "elapsed_s") > t->elapsed_s;
}

/* The moments a kill comes at, in turn. */
typedef enum
{
  MOMENT_RANDOM,  /* 1-14 s into a call (across the segment switch at 10 s) */
  MOMENT_SWITCH,  /* as the first segment is sealed */
  MOMENT_JOINING, /* a second party has posted its offer and is connecting */
  MOMENT_JOINED,  /* a second party has just been verified */
  MOMENT_LEFT,    /* the party has just left (DELETE answered) */
  MOMENT_RESUMED, /* after a pause and a resume */
  N_MOMENTS
} Moment;

static const char *const moment_names[N_MOMENTS] = {
  "at a random moment",     "at a segment switch", "while a party joins",
  "as a party is verified", "as a party leaves",   "after a pause"
};

/* Waits until @ms have passed. */
static void
wait_ms (gint64 ms)
{
  gint64 at = g_get_monotonic_time () + ms * 1000;
  g_assert_true (rd_test_wait_until (rd_test_rec_deadline_passed, &at, (guint)ms + 5000));
}

static gint64
elapsed_s (RdTestRoom *r)
{
  g_autoptr (JsonNode) hold = NULL;
  return json_object_get_int_member (rd_test_rec_status (r, &hold), "elapsed_s");
}

/* The recorded time when status next says one more second, plus a random part of a second
 * waited after that (s; at most the status call's latency early). */
static double
wait_tick (RdTestRoom *r, GRand *rand)
{
  Tick tick = { r, elapsed_s (r) };
  gint64 frac_ms = g_rand_int_range (rand, 0, 1000);

  g_assert_true (rd_test_wait_until (ticked, &tick, 5000));
  wait_ms (frac_ms);
  return tick.elapsed_s + 1 + frac_ms / 1000.0;
}

typedef struct
{
  RdTestRoom *r;
  const char *kind;
  guint n;
} EventCount;

static guint
count_events (JsonNode *shown, const char *kind)
{
  JsonArray *events = json_object_get_array_member (rd_test_rec_obj (shown), "events");
  guint n = 0;

  for (guint i = 0; i < json_array_get_length (events); i++)
    n += g_str_equal (
        json_object_get_string_member (json_array_get_object_element (events, i), "kind"), kind);
  return n;
}

static gboolean
events_reach (gpointer data)
{
  EventCount *w = data;
  g_autoptr (JsonNode) shown =
      rd_test_ctl_json (w->r->t, "session", "show", w->r->session_id, NULL);

  return count_events (shown, w->kind) >= w->n;
}

/* Brings the room to @moment of a call with party @p (invite @inv, answered @c); a second
 * party, when the moment needs one, goes in *@p2. Returns the recorded time (s) the audio must
 * reach at the kill: exact to the tick after a wait_tick(), else the whole seconds status says. */
static double
bring_to (RdTestRoom *r, Moment moment, GRand *rand, JsonNode *inv, RdTestWhipReply *c,
          RdTestPeer **p2, RdTestWhipReply **c2, JsonNode **inv2)
{
  switch (moment)
    {
    case MOMENT_RANDOM:
      wait_ms (g_rand_int_range (rand, 1000, 14000));
      return wait_tick (r, rand);
    case MOMENT_SWITCH:
      {
        Sealed sw = { r, 0 };
        g_assert_true (rd_test_wait_until (sealed_more, &sw, 30000));
        return elapsed_s (r);
      }
    case MOMENT_JOINING:
    case MOMENT_JOINED:
      {
        wait_ms (g_rand_int_range (rand, 500, 4000));
        *inv2 = rd_test_room_invite (r, "board");
        *c2 = rd_test_room_call_in (r, *inv2, FALSE, p2);
        if (moment == MOMENT_JOINED)
          {
            EventCount w = { r, "party-verified", 2 };
            g_assert_true (rd_test_wait_until (events_reach, &w, TIMEOUT_MS));
          }
        wait_ms (g_rand_int_range (rand, 0, 400));
        return elapsed_s (r);
      }
    case MOMENT_LEFT:
      {
        g_autofree char *resource = NULL;
        g_autoptr (RdTestWhipReply) deleted = NULL;

        wait_ms (g_rand_int_range (rand, 1000, 4000));
        resource = rd_test_resource_url (rd_test_member (inv, "whip_url"), c->location);
        deleted = rd_test_whip_request (r->cert, "DELETE", resource, rd_test_member (inv, "token"),
                                        NULL, NULL, NULL);
        g_assert_cmpuint (deleted->status, ==, 200);
        wait_ms (g_rand_int_range (rand, 0, 400));
        return elapsed_s (r);
      }
    case MOMENT_RESUMED:
    default:
      {
        gint64 paused_s;
        wait_ms (g_rand_int_range (rand, 1000, 3000));
        g_assert_cmpint (rd_test_ctl (r->t, NULL, NULL, "recording", "pause", r->session_id,
                                      "--reason", "người tố cáo đề nghị giữ bí mật", NULL),
                         ==, 0);
        paused_s = elapsed_s (r);
        {
          Tick tick = { r, paused_s + 1 };
          g_assert_true (rd_test_wait_until (ticked, &tick, 5000));
        }
        g_assert_cmpint (rd_test_ctl (r->t, NULL, NULL, "recording", "resume", r->session_id,
                                      "--reason", "tiếp tục ghi", NULL),
                         ==, 0);
        wait_ms (1000);
        return wait_tick (r, rand);
      }
    }
}

/* A segment left unrecoverable by the crash may only be one the crash cut before its first
 * frame: its file is empty or holds no media (the kill came just after it was made), so nothing
 * in it was lost. Every other one would be evidence that does not play. Returns how many. */
static guint
check_unrecoverable (JsonNode *shown, int k)
{
  JsonArray *events = json_object_get_array_member (rd_test_rec_obj (shown), "events");
  guint n = 0;

  for (guint i = 0; i < json_array_get_length (events); i++)
    {
      JsonObject *e = json_array_get_object_element (events, i);
      JsonObject *d;
      const char *reason;

      if (!g_str_equal (json_object_get_string_member (e, "kind"), "recording-unrecoverable"))
        continue;
      d = json_object_get_object_member (e, "detail");
      reason = json_object_get_string_member (d, "reason");
      g_test_message ("kill %d: segment %" G_GINT64_FORMAT " unrecoverable: %s", k + 1,
                      json_object_get_int_member (d, "segment"), reason);
      if (!strstr (reason, "it holds no media") && !strstr (reason, "the file is empty"))
        g_error ("kill %d: a segment with media in it cannot be repaired: %s", k + 1, reason);
      n++;
    }
  return n;
}

/* Under AddressSanitizer a party's first audio reached its tracks up to 0.3 s after its
 * verification in 2 of 5 runs on 2026-12-08, never in the dev build nor in the 24-kill runs
 * (the sanitized test party and room both start slowly): there a gap at a party's start of at
 * most this is printed, not failed. Anywhere else, and in the dev build, it fails. */
#ifdef __SANITIZE_ADDRESS__
#define START_SLACK_S 0.5
#else
#define START_SLACK_S 0.0
#endif

/* The coverage after the crash: every audio track covers what it was due but for the pauses
 * and the crash's last second (its files are synced every second); the videos are printed (on
 * 2 cores the room's encoder may be seconds late with a keyframe, and what it never encoded
 * cannot be in any file). */
static void
check_coverage (JsonNode *shown, int k)
{
  JsonObject *coverage = json_object_get_object_member (rd_test_rec_obj (shown), "coverage");
  JsonArray *tracks = json_object_get_array_member (coverage, "tracks");

  g_assert_cmpstr (json_object_get_string_member (coverage, "ended"), ==, "interrupted");
  g_assert_cmpint (json_object_get_int_member (coverage, "overlaps"), ==, 0);
  for (guint i = 0; i < json_array_get_length (tracks); i++)
    {
      JsonObject *t = json_array_get_object_element (tracks, i);
      const char *name = json_object_get_string_member (t, "track");
      JsonArray *gaps = json_object_get_array_member (t, "gaps");
      gboolean audio = g_str_has_suffix (name, "-audio") && !g_str_has_prefix (name, "conference");

      g_test_message ("kill %d: %s due %.3f-%.3f s, %.3f of %.3f s covered, %.3f s paused", k + 1,
                      name, json_object_get_double_member (t, "due_from_s"),
                      json_object_get_double_member (t, "due_to_s"),
                      json_object_get_double_member (t, "covered_s"),
                      json_object_get_double_member (t, "due_s"),
                      json_object_get_double_member (t, "paused_s"));
      for (guint j = 0; j < json_array_get_length (gaps); j++)
        {
          JsonObject *g = json_array_get_object_element (gaps, j);
          const char *reason = json_object_get_string_member (g, "reason");

          g_test_message ("kill %d:   gap %.3f-%.3f s: %s", k + 1,
                          json_object_get_double_member (g, "from_s"),
                          json_object_get_double_member (g, "to_s"), reason);
          if (!audio)
            continue;
          if (START_SLACK_S > 0 && g_str_has_prefix (name, "party-") &&
              json_object_get_double_member (g, "from_s") ==
                  json_object_get_double_member (t, "due_from_s") &&
              json_object_get_double_member (g, "seconds") <= START_SLACK_S)
            continue; /* printed above: a sanitized party's first audio (below) */
          g_assert_nonnull (strstr (reason, "the crash"));
          g_assert_cmpfloat (json_object_get_double_member (g, "seconds"), <=, 1.5);
        }
    }
}

static void
test_sigkill_random (void)
{
  g_autoptr (RdTestRoom) r = NULL;
  g_autoptr (GRand) rand = NULL;
  g_autoptr (GPtrArray) sessions = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *out = NULL, *err = NULL;
  const char *env = g_getenv ("RD_TEST_KILLS");
  int kills = env ? atoi (env) : N_MOMENTS;
  guint32 seed;

  if (rd_test_skip_if (skip_reason))
    return;
  seed = g_getenv ("RD_TEST_SEED") ? (guint32)g_ascii_strtoull (g_getenv ("RD_TEST_SEED"), NULL, 10)
                                   : (guint32)g_get_real_time ();
  g_test_message ("seed %u (RD_TEST_SEED=%u replays these kill times), %d kills", seed, seed,
                  kills);
  g_assert_cmpint (kills, >=, 1);
  rand = g_rand_new_with_seed (seed);
  r = rd_test_rec_room_up ("[recording]\nsegment-seconds=10\n", NULL);

  for (int k = 0; k < kills; k++)
    {
      g_autoptr (JsonNode) inv = NULL, inv2 = NULL, shown = NULL;
      g_autoptr (RdTestPeer) p = NULL, p2 = NULL;
      g_autoptr (RdTestWhipReply) c = NULL, c2 = NULL;
      g_autofree char *id = NULL;
      Moment moment = (Moment)(k % N_MOMENTS);
      double recorded;
      const char *tracks[3];
      g_autofree char *pv = NULL, *pa = NULL;
      guint unrecoverable;
      int rc;

      if (k > 0)
        {
          g_autofree char *started = NULL;
          g_assert_cmpint (
              rd_test_ctl (r->t, &started, NULL, "session", "start", "--title", "again", NULL), ==,
              0);
          g_free (r->session_id);
          r->session_id = g_strstrip (g_strdup (started));
        }
      g_ptr_array_add (sessions, g_strdup (r->session_id));
      inv = rd_test_room_invite (r, "citizen");
      c = rd_test_room_call_in (r, inv, FALSE, &p);
      id = rd_test_rec_party_id (c);
      rd_test_room_wait_parties (r, 1, "connected", 20000, TIMEOUT_MS);
      g_assert_true (rd_test_wait_until (rd_test_rec_peer_has_media, p, TIMEOUT_MS));
      recorded = bring_to (r, moment, rand, inv, c, &p2, &c2, &inv2);
      g_test_message ("kill %d: %s, %.3f s recorded", k + 1, moment_names[moment], recorded);
      rd_test_daemon_signal (r->t, SIGKILL);
      g_assert_cmpint (rd_test_daemon_wait_exit (r->t, TIMEOUT_MS), ==, 128 + SIGKILL);
      g_clear_pointer (&p, rd_test_peer_free);
      g_clear_pointer (&p2, rd_test_peer_free);
      rd_test_daemon_start (r->t); /* recovery runs before READY */

      shown = rd_test_ctl_json (r->t, "session", "show", r->session_id, NULL);
      g_assert_cmpstr (rd_test_member (shown, "state"), ==, "interrupted");
      g_assert_cmpuint (rd_test_rec_rows_in (r, r->session_id, "recording"), ==, 0);
      unrecoverable = check_unrecoverable (shown, k);
      g_assert_true (rd_test_rec_has_event (shown, "recording-gap", NULL));
      check_coverage (shown, k);
      /* At most about a second lost: what status said was recorded is in the files (the
       * room's audio; the party's too while it was there). Every file plays. */
      pv = g_strdup_printf ("party-%s-video", id);
      pa = g_strdup_printf ("party-%s-audio", id);
      tracks[0] = "room-audio";
      tracks[1] = moment == MOMENT_LEFT ? NULL : pa;
      tracks[2] = NULL;
      {
        g_autoptr (GPtrArray) all = rd_test_rec_check_files (r, r->session_id, NULL, TRUE);
        g_assert_cmpuint (all->len, >, 0);
      }
      for (int t = 0; tracks[t]; t++)
        {
          g_autoptr (GPtrArray) segs = rd_test_rec_check_files (r, r->session_id, tracks[t], TRUE);
          double end = 0;

          g_assert_cmpuint (segs->len, >, 0);
          for (guint i = 0; i < segs->len; i++)
            end = MAX (end, ((RdTestRecSeg *)segs->pdata[i])->end_s);
          g_test_message ("kill %d: %s ends at %.3f s; killed at %.3f s: %.3f s lost", k + 1,
                          tracks[t], end, recorded, recorded - end);
          g_assert_cmpfloat (end, >=, recorded - 1.0);
        }
      /* verify calls a recording with an unrecoverable row not intact, even a row the crash
       * left empty (judged above: nothing in it was lost), and names the row */
      rc = rd_test_ctl (r->t, &out, &err, "recording", "verify", r->session_id, NULL);
      if (unrecoverable)
        {
          g_assert_cmpint (rc, ==, 1);
          g_assert_nonnull (strstr (err, "is unrecoverable"));
        }
      else
        g_assert_cmpint (rc, ==, 0);
      g_clear_pointer (&out, g_free);
      g_clear_pointer (&err, g_free);
    }
  /* every session's rows repaired or sealed, none left open, and the chain intact */
  for (guint i = 0; i < sessions->len; i++)
    g_assert_cmpuint (rd_test_rec_rows_in (r, sessions->pdata[i], "recording"), ==, 0);
  g_assert_cmpint (rd_test_ctl (r->t, &out, &err, "ledger", "verify", NULL), ==, 0);
}

/* --- files a crash left without a ledger row --- */

static const char *
row_state (JsonNode *shown, const char *path_suffix)
{
  JsonArray *rows = json_object_get_array_member (rd_test_rec_obj (shown), "recordings");

  for (guint i = 0; i < json_array_get_length (rows); i++)
    {
      JsonObject *row = json_array_get_object_element (rows, i);
      if (g_str_has_suffix (json_object_get_string_member (row, "path"), path_suffix))
        return json_object_get_string_member (row, "state");
    }
  return NULL;
}

static void
test_orphan_files (void)
{
  g_autoptr (RdTestRoom) r = NULL;
  g_autoptr (JsonNode) shown = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (RdTestProbe) probe = NULL;
  g_autofree char *dir = NULL, *crashed = NULL, *a = NULL, *b = NULL, *c = NULL, *out = NULL;
  g_autofree char *other_dir = NULL, *d = NULL, *a_name = NULL, *b_name = NULL, *bytes = NULL;
  g_autoptr (GDir) listing = NULL;
  const char *name;
  gsize len = 0;
  RdTestRecElapsed w;

  if (rd_test_skip_if (skip_reason))
    return;
  r = rd_test_rec_room_up (NULL, NULL);
  w = (RdTestRecElapsed){ r, 3, 2 };
  g_assert_true (rd_test_wait_until (rd_test_rec_recorded_for, &w, TIMEOUT_MS));
  rd_test_daemon_signal (r->t, SIGKILL);
  g_assert_cmpint (rd_test_daemon_wait_exit (r->t, TIMEOUT_MS), ==, 128 + SIGKILL);

  /* what a crash between a file being made and its row being written leaves: a file the
   * ledger does not know, with media in it (A) or still empty (B); and files nobody here made:
   * a foreign name (C), a session the ledger never had (D) */
  dir = g_strdup_printf ("%s/recordings/%.4s/%.2s/%s", r->t->state_dir, r->session_id,
                         r->session_id + 4, r->session_id);
  listing = g_dir_open (dir, 0, &error);
  g_assert_no_error (error);
  while ((name = g_dir_read_name (listing)))
    if (g_str_has_suffix (name, "-room-audio.mkv"))
      crashed = g_build_filename (dir, name, NULL);
  g_assert_nonnull (crashed);
  g_assert_true (g_file_get_contents (crashed, &bytes, &len, NULL));
  a_name = g_strdup_printf ("%s-0090-room-audio.mkv", r->session_id);
  b_name = g_strdup_printf ("%s-0091-room-video.mkv", r->session_id);
  a = g_build_filename (dir, a_name, NULL);
  b = g_build_filename (dir, b_name, NULL);
  c = g_build_filename (dir, "notes.mkv", NULL);
  g_assert_true (g_file_set_contents (a, bytes, (gssize)len, NULL));
  g_assert_true (g_file_set_contents (b, "", 0, NULL));
  g_assert_true (g_file_set_contents (c, "not a recording", -1, NULL));
  other_dir =
      g_build_filename (r->t->state_dir, "recordings", "2026", "01", "20260101-0a0a0a", NULL);
  g_assert_cmpint (g_mkdir_with_parents (other_dir, 0750), ==, 0);
  d = g_build_filename (other_dir, "20260101-0a0a0a-0001-room-audio.mkv", NULL);
  g_assert_true (g_file_set_contents (d, bytes, (gssize)len, NULL));

  rd_test_daemon_start (r->t);
  shown = rd_test_ctl_json (r->t, "session", "show", r->session_id, NULL);
  /* registered from their names, then treated as any segment a crash left open */
  g_assert_cmpstr (row_state (shown, a_name), ==, "repaired");
  g_assert_cmpstr (row_state (shown, b_name), ==, "unrecoverable");
  g_assert_null (row_state (shown, "notes.mkv"));
  g_assert_cmpuint (count_events (shown, "recording-orphan-found"), ==, 3); /* A, B, C */
  g_assert_cmpuint (rd_test_rec_rows_in (r, r->session_id, "recording"), ==, 0);
  probe = rd_test_probe_file (a, &error); /* the repaired one plays */
  g_assert_no_error (error);
  g_assert_cmpint (((RdTestProbeStream *)probe->streams->pdata[0])->frames, >, 0);
  /* nothing deleted: the empty file, the foreign ones, A's crashed bytes beside it */
  g_assert_true (g_file_test (b, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_test (c, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_test (d, G_FILE_TEST_IS_REGULAR));
  {
    g_autofree char *a_crashed = g_strdup_printf ("%.*s.crashed.mkv", (int)strlen (a) - 4, a);
    g_assert_true (g_file_test (a_crashed, G_FILE_TEST_IS_REGULAR));
  }
  g_assert_cmpint (rd_test_ctl (r->t, &out, NULL, "ledger", "verify", NULL), ==, 0);
}

int
main (int argc, char **argv)
{
  rd_test_enter_netns (&skip_reason); /* FALSE with the reason set when it cannot */
  g_test_init (&argc, &argv, NULL);
  rd_test_tolerate_third_party_race ();
  gst_init (&argc, &argv);
  if (!skip_reason && !rd_test_probe_available ())
    skip_reason = g_strdup ("ffprobe is not installed (package ffmpeg): recordings cannot be "
                            "checked");
  g_test_add_func ("/recording-crash/sigkill-random", test_sigkill_random);
  g_test_add_func ("/recording-crash/orphan-files", test_orphan_files);
  return g_test_run ();
}
