/* rd-bench-call.h: a test party in a child process called into an RdRoom, for the benchmarks
 * whose parties run apart from the room they measure (bench-conference, bench-soak). The child
 * is the calling program run again with --party I --width W --height H, which must then call
 * rd_bench_conference_party() (rd-bench-conference.h describes what the two say over the pipes).
 * Main thread only; the default main context is iterated while waiting. */
#pragma once

#include <stdio.h>

#include "config/rd-config.h"
#include "media/rd-media-peer.h"
#include "media/rd-media-room.h"

G_BEGIN_DECLS

typedef struct
{
  GPid pid;
  FILE *to, *from;
  RdPeer *peer;
  char *answer;
  GError *error;
  gboolean answered, verified;
} RdBenchParty;

/* The benchmark's own network namespace, GStreamer, and a started room with a test camera and
 * microphone and no display or speakers; NULL with the reason printed after "@program: " and
 * *@exit_code set (77: no namespace; 1: no room). @config gets the room's configuration.
 * (transfer full) */
RdRoom *rd_bench_room_up (const char *program, int *argc, char ***argv, RdConfig **config,
                          int *exit_code);
/* Iterates the default main context until @done (when non-NULL) or @s seconds; FALSE when
 * @done did not come. */
gboolean rd_bench_wait_until (gboolean *done, double s);
/* Starts party @index (sending @width x @height) and calls it into @room: answered, verified,
 * decoding a picture (else said, and it goes on), then @settle_s more seconds. FALSE with the
 * reason printed when it could not be called in. */
gboolean rd_bench_call_in (RdRoom *room, RdConfig *config, RdBenchParty *p, guint index, int width,
                           int height, double settle_s);
/* The party's decoded video frames so far (-1 when it does not answer). */
gint64 rd_bench_party_frames (RdBenchParty *p);
/* Closes its peer and ends its process (waited for); @p is zeroed and can be called in again. */
void rd_bench_party_clear (RdBenchParty *p);

G_END_DECLS
