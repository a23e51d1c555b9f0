/* rd-bench-call.c: a test party in a child process called into the room. See rd-bench-call.h. */
#include "bench/rd-bench-call.h"

#include <string.h>
#include <sys/wait.h>

#include "bench/rd-bench-conference.h"
#include "tests/rd-test-netns.h"

static const char config_text[] = "[media]\ncamera=test\nmicrophone=test\ndisplay=none\n"
                                  "speakers=none\n[network]\nice-addresses=127.0.0.1\n";

RdRoom *
rd_bench_room_up (const char *program, int *argc, char ***argv, RdConfig **config, int *exit_code)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *why = NULL;
  RdRoom *room = NULL;

  if (!rd_test_enter_netns (&why))
    {
      g_printerr ("%s: %s\n", program, why);
      *exit_code = 77;
      return NULL;
    }
  gst_init (argc, argv);
  *config = rd_config_load_data (config_text, "bench.conf", &error);
  if (*config)
    room = rd_room_new (*config, &error);
  if (!room || !rd_room_start (room, &error))
    {
      g_printerr ("%s: %s\n", program, error->message);
      g_clear_object (&room);
      *exit_code = 1;
      return NULL;
    }
  return room;
}

static gboolean
wake (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

gboolean
rd_bench_wait_until (gboolean *done, double s)
{
  gint64 end = g_get_monotonic_time () + (gint64)(s * G_TIME_SPAN_SECOND);
  guint source = g_timeout_add (10, wake, NULL);

  while (!(done && *done) && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (source);
  return !done || *done;
}

static void
on_answer (GObject *source, GAsyncResult *result, gpointer user_data)
{
  RdBenchParty *p = user_data;

  p->answer = rd_peer_answer_finish (RD_PEER (source), result, &p->error);
  p->answered = TRUE;
}

static void
on_verified (RdPeer *peer, const char *fingerprint, RdBenchParty *p)
{
  p->verified = TRUE;
}

gint64
rd_bench_party_frames (RdBenchParty *p)
{
  char state[64];
  guint64 frames, audio;
  char line[256];

  fputs ("stats\n", p->to);
  fflush (p->to);
  if (!fgets (line, sizeof line, p->from) ||
      sscanf (line, "%63s %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT, state, &frames, &audio) != 3)
    return -1;
  return (gint64)frames;
}

gboolean
rd_bench_call_in (RdRoom *room, RdConfig *config, RdBenchParty *p, guint index, int width,
                  int height, double settle_s)
{
  g_autofree char *w = g_strdup_printf ("%d", width);
  g_autofree char *h = g_strdup_printf ("%d", height);
  g_autofree char *i = g_strdup_printf ("%u", index);
  g_autofree char *id = g_strdup_printf ("party%u", index);
  char *argv[] = { "/proc/self/exe", "--party", i, "--width", w, "--height", h, NULL };
  g_autoptr (GError) error = NULL;
  g_autofree char *offer = NULL;
  gint to_fd, from_fd;
  gboolean frames = FALSE;

  if (!g_spawn_async_with_pipes (NULL, argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &p->pid,
                                 &to_fd, &from_fd, NULL, &error))
    {
      g_printerr ("party %u: %s\n", index, error->message);
      return FALSE;
    }
  p->to = fdopen (to_fd, "w");
  p->from = fdopen (from_fd, "r");
  if (!(offer = rd_bench_read_block (p->from)))
    {
      g_printerr ("party %u: no offer\n", index);
      return FALSE;
    }
  p->peer = rd_peer_new (room, config, id, &error);
  if (!p->peer)
    {
      g_printerr ("party %u: %s\n", index, error->message);
      return FALSE;
    }
  g_signal_connect (p->peer, "verified", G_CALLBACK (on_verified), p);
  rd_peer_answer_async (p->peer, offer, NULL, on_answer, p);
  if (!rd_bench_wait_until (&p->answered, 20) || p->error)
    {
      g_printerr ("party %u: no answer: %s\n", index, p->error ? p->error->message : "timeout");
      return FALSE;
    }
  fprintf (p->to, "%sEND\n", p->answer);
  fflush (p->to);
  if (!rd_bench_wait_until (&p->verified, 20))
    {
      g_printerr ("party %u: not verified\n", index);
      return FALSE;
    }
  /* settled: it decodes a picture; then @settle_s more (bench-conference: the joins' keyframes) */
  for (int k = 0; k < 300 && !frames; k++)
    {
      frames = rd_bench_party_frames (p) > 0;
      rd_bench_wait_until (NULL, 0.1);
    }
  if (!frames)
    g_printerr ("party %u decodes no picture after 30 s; measuring anyway\n", index);
  rd_bench_wait_until (NULL, settle_s);
  return TRUE;
}

void
rd_bench_party_clear (RdBenchParty *p)
{
  if (p->peer)
    rd_peer_close (p->peer, "bench over");
  g_clear_object (&p->peer);
  g_clear_pointer (&p->to, fclose); /* EOF: the party exits */
  g_clear_pointer (&p->from, fclose);
  if (p->pid)
    waitpid (p->pid, NULL, 0);
  g_clear_pointer (&p->answer, g_free);
  g_clear_error (&p->error);
  memset (p, 0, sizeof *p);
}
