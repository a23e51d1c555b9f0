/* rd-test-recording.h: what the recording fault and crash tests share: a live room started
 * with a hook on its state dir, the session's ledger rows and events as receptionctl shows them,
 * and each recorded file checked with tools nobody here wrote (ffprobe reads it, ffmpeg decodes
 * every frame with -xerror). Header only; the test's main thread. */
#pragma once

#include <glib/gstdio.h>
#include <string.h>

#include "tests/rd-test-probe.h"
#include "tests/rd-test-room.h"

static inline JsonObject *
rd_test_rec_obj (JsonNode *n)
{
  return json_node_get_object (n);
}

/* The daemon (with @extra config) and a live session; @before_start (may be NULL) runs on the
 * state dir before the daemon does. (transfer full) */
static inline RdTestRoom *
rd_test_rec_room_up (const char *extra, void (*before_start) (const char *state_dir))
{
  RdTestRoom *r = g_new0 (RdTestRoom, 1);
  g_autofree char *config =
      g_strdup_printf ("[network]\nice-addresses=127.0.0.1\n%s", extra ? extra : "");
  g_autofree char *out = NULL;

  r->t = rd_test_daemon_new (config);
  if (before_start)
    before_start (r->t->state_dir);
  rd_test_daemon_start (r->t);
  r->cert = g_build_filename (r->t->state_dir, "tls", "certificate.pem", NULL);
  g_assert_cmpint (rd_test_ctl (r->t, &out, NULL, "session", "start", "--title", "faults", NULL),
                   ==, 0);
  r->session_id = g_strstrip (g_strdup (out));
  return r;
}

static inline char *
rd_test_rec_party_id (RdTestWhipReply *created)
{
  return g_path_get_basename (created->location);
}

static inline gboolean
rd_test_rec_has_event (JsonNode *shown, const char *kind, const char **detail_out)
{
  JsonArray *events = json_object_get_array_member (rd_test_rec_obj (shown), "events");

  for (guint i = 0; i < json_array_get_length (events); i++)
    {
      JsonObject *e = json_array_get_object_element (events, i);
      if (g_str_equal (json_object_get_string_member (e, "kind"), kind))
        {
          if (detail_out)
            {
              JsonNode *d = json_object_get_member (e, "detail");
              static char *last;
              g_free (last);
              last = d ? json_to_string (d, FALSE) : g_strdup ("");
              *detail_out = last;
            }
          return TRUE;
        }
    }
  return FALSE;
}

typedef struct
{
  RdTestRoom *r;
  const char *kind;
} RdTestRecEventWait;

static inline gboolean
rd_test_rec_event_seen (gpointer data)
{
  RdTestRecEventWait *w = data;
  g_autoptr (JsonNode) shown =
      rd_test_ctl_json (w->r->t, "session", "show", w->r->session_id, NULL);
  return rd_test_rec_has_event (shown, w->kind, NULL);
}

typedef struct
{
  RdTestRoom *r;
  const char *text;
} RdTestRecStderrWait;

/* TRUE once the daemon's stderr holds @text (a wait condition). */
static inline gboolean
rd_test_rec_stderr_has (gpointer data)
{
  RdTestRecStderrWait *w = data;
  g_autofree char *err = rd_test_daemon_stderr (w->r->t);

  return strstr (err, w->text) != NULL;
}

/* The number of the session's ledger rows in @state (any state when NULL). */
static inline guint
rd_test_rec_rows_in (RdTestRoom *r, const char *session, const char *state)
{
  g_autoptr (JsonNode) shown = rd_test_ctl_json (r->t, "session", "show", session, NULL);
  JsonArray *rows = json_object_get_array_member (rd_test_rec_obj (shown), "recordings");
  guint n = 0;

  for (guint i = 0; i < json_array_get_length (rows); i++)
    n += !state || g_str_equal (json_object_get_string_member (
                                    json_array_get_object_element (rows, i), "state"),
                                state);
  return n;
}

typedef struct
{
  RdTestRoom *r;
  const char *session;
} RdTestRecRows;

static inline gboolean
rd_test_rec_none_recording (gpointer data)
{
  RdTestRecRows *w = data;
  return rd_test_rec_rows_in (w->r, w->session, "recording") == 0;
}

/* ffmpeg decodes every frame of @path, stopping at the first error (-xerror): what a player
 * would show. FALSE with ffmpeg's words in *@why. */
static inline gboolean
rd_test_rec_decodes_cleanly (const char *path, char **why)
{
  const char *argv[] = { "ffmpeg", "-nostdin", "-v",   "error", "-xerror", "-i",
                         path,     "-f",       "null", "-",     NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) proc = g_subprocess_newv (
      argv, G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_autofree char *err = NULL;

  if (!proc || !g_subprocess_communicate_utf8 (proc, NULL, NULL, NULL, &err, &error))
    {
      *why = g_strdup (error->message);
      return FALSE;
    }
  if (g_subprocess_get_if_exited (proc) && g_subprocess_get_exit_status (proc) == 0)
    return TRUE;
  *why = g_strdup_printf ("ffmpeg: %s", err);
  return FALSE;
}

typedef struct
{
  char *path, *state;
  double start_s, end_s;
  gint64 frames;
  gint64 size;
  gboolean video;
  char *incomplete; /* the row's tracks say the segment was cut short, and why */
} RdTestRecSeg;

static inline void
rd_test_rec_seg_free (gpointer data)
{
  RdTestRecSeg *s = data;
  g_free (s->path);
  g_free (s->state);
  g_free (s->incomplete);
  g_free (s);
}

/* Every row of @session whose track is @track (NULL: all), but unrecoverable ones when
 * @skip_unrecoverable: its file exists, ffprobe reads it (frames > 0, a track) and ffmpeg decodes
 * it without an error. Returns them, probed. */
static inline GPtrArray *
rd_test_rec_check_files (RdTestRoom *r, const char *session, const char *track,
                         gboolean skip_unrecoverable)
{
  g_autoptr (JsonNode) shown = rd_test_ctl_json (r->t, "session", "show", session, NULL);
  JsonArray *rows = json_object_get_array_member (rd_test_rec_obj (shown), "recordings");
  GPtrArray *out = g_ptr_array_new_with_free_func (rd_test_rec_seg_free);
  g_autofree char *suffix = track ? g_strdup_printf ("-%s.mkv", track) : NULL;

  for (guint i = 0; i < json_array_get_length (rows); i++)
    {
      JsonObject *row = json_array_get_object_element (rows, i);
      const char *path = json_object_get_string_member (row, "path");
      g_autoptr (GError) error = NULL;
      g_autoptr (RdTestProbe) probe = NULL;
      g_autofree char *why = NULL;
      RdTestRecSeg *s;
      GStatBuf st;

      if (suffix && !g_str_has_suffix (path, suffix))
        continue;
      if (skip_unrecoverable &&
          g_strcmp0 (json_object_get_string_member (row, "state"), "unrecoverable") == 0)
        {
          /* nothing to play: its reason is the caller's to judge (a crash test accepts only a
           * file the kill cut before its first frame) */
          g_test_message ("%s: unrecoverable, not probed", path);
          continue;
        }
      s = g_new0 (RdTestRecSeg, 1);
      s->path = g_build_filename (r->t->state_dir, path, NULL);
      s->state = g_strdup (json_object_get_string_member (row, "state"));
      if (json_object_has_member (row, "tracks") &&
          JSON_NODE_HOLDS_ARRAY (json_object_get_member (row, "tracks")))
        {
          JsonArray *tracks = json_object_get_array_member (row, "tracks");
          if (json_array_get_length (tracks) > 0)
            s->incomplete = g_strdup (json_object_get_string_member_with_default (
                json_array_get_object_element (tracks, 0), "incomplete", NULL));
        }
      g_assert_cmpint (g_stat (s->path, &st), ==, 0);
      s->size = st.st_size;
      probe = rd_test_probe_file (s->path, &error);
      if (!probe)
        g_error ("%s (%s, %" G_GINT64_FORMAT " bytes) does not play: %s", path, s->state, s->size,
                 error->message);
      g_assert_cmpuint (probe->streams->len, ==, 1);
      s->frames = ((RdTestProbeStream *)probe->streams->pdata[0])->frames;
      s->video = g_strcmp0 (((RdTestProbeStream *)probe->streams->pdata[0])->type, "video") == 0;
      s->start_s = probe->start_s;
      s->end_s = probe->start_s + MAX (probe->duration_s, 0);
      g_test_message ("%s: %s, %" G_GINT64_FORMAT " bytes, %.3f-%.3f s, %" G_GINT64_FORMAT
                      " frames",
                      path, s->state, s->size, s->start_s, s->end_s, s->frames);
      g_assert_cmpint (s->frames, >, 0);
      if (!rd_test_rec_decodes_cleanly (s->path, &why))
        g_error ("%s (%s) does not decode cleanly: %s", path, s->state, why);
      g_ptr_array_add (out, s);
    }
  return out;
}

/* Prints a track of "session show"'s coverage (daemon/rd-daemon-coverage.h) and its gaps. */
static inline void
rd_test_rec_print_track (JsonObject *t)
{
  JsonArray *gaps = json_object_get_array_member (t, "gaps");

  g_test_message (
      "%s: due %.3f-%.3f s (%.3f s), covered %.3f s, paused %.3f s, %u gaps",
      json_object_get_string_member (t, "track"), json_object_get_double_member (t, "due_from_s"),
      json_object_get_double_member (t, "due_to_s"), json_object_get_double_member (t, "due_s"),
      json_object_get_double_member (t, "covered_s"), json_object_get_double_member (t, "paused_s"),
      json_array_get_length (gaps));
  for (guint j = 0; j < json_array_get_length (gaps); j++)
    {
      JsonObject *g = json_array_get_object_element (gaps, j);
      g_test_message ("  gap %.3f-%.3f s: %s", json_object_get_double_member (g, "from_s"),
                      json_object_get_double_member (g, "to_s"),
                      json_object_get_string_member (g, "reason"));
    }
}

/* Prints every track of "session show"'s coverage object. */
static inline void
rd_test_rec_print_coverage (JsonObject *coverage)
{
  JsonArray *tracks = json_object_get_array_member (coverage, "tracks");

  for (guint i = 0; i < json_array_get_length (tracks); i++)
    rd_test_rec_print_track (json_array_get_object_element (tracks, i));
}

static inline gboolean
rd_test_rec_peer_has_media (gpointer data)
{
  return rd_test_peer_get_audio_buffers (data) >= 20;
}

typedef struct
{
  RdTestRoom *r;
  gint64 elapsed_s, tracks;
} RdTestRecElapsed;

static inline gboolean
rd_test_rec_recorded_for (gpointer data)
{
  RdTestRecElapsed *w = data;
  g_autoptr (JsonNode) status = rd_test_ctl_json (w->r->t, "status", NULL);
  JsonObject *rec = json_object_get_object_member (rd_test_rec_obj (status), "recording");

  return json_object_get_int_member_with_default (rec, "elapsed_s", 0) >= w->elapsed_s &&
         json_object_get_int_member_with_default (rec, "tracks", 0) == w->tracks;
}

static inline JsonObject *
rd_test_rec_status (RdTestRoom *r, JsonNode **hold)
{
  *hold = rd_test_ctl_json (r->t, "status", NULL);
  return json_object_get_object_member (rd_test_rec_obj (*hold), "recording");
}

typedef struct
{
  RdTestPeer *peer;
  guint64 at_least;
} RdTestRecMoreAudio;

static inline gboolean
rd_test_rec_more_audio (gpointer data)
{
  RdTestRecMoreAudio *m = data;
  return rd_test_peer_get_audio_buffers (m->peer) >= m->at_least;
}

static inline gboolean
rd_test_rec_deadline_passed (gpointer data)
{
  return g_get_monotonic_time () >= *(gint64 *)data;
}
