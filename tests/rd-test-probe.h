/* rd-test-probe.h: what ffprobe (a tool nobody here wrote) says about a media file.
 * Threading: any thread; blocking (runs ffprobe, bounded by a timeout). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  char *codec;          /* "vp8", "opus", "h264" */
  char *type;           /* "video", "audio" */
  gint64 frames;        /* nb_read_frames (counted by decoding the container) */
  gint64 width, height; /* video: the size in the track header; 0 for audio */
} RdTestProbeStream;

typedef struct
{
  double start_s, duration_s; /* format start_time / duration; < 0 when absent */
  GPtrArray *streams;         /* RdTestProbeStream* */
} RdTestProbe;

void rd_test_probe_free (RdTestProbe *probe);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RdTestProbe, rd_test_probe_free)

/* TRUE when ffprobe is installed (otherwise tests skip, visibly). */
gboolean rd_test_probe_available (void);
/* Runs `ffprobe -count_frames` on @path. NULL with @error (ffprobe's stderr) when it fails.
 * (transfer full) */
RdTestProbe *rd_test_probe_file (const char *path, GError **error);

/* The distinct sizes ("320x240") of the decoded frames of @path's first video stream, in the
 * order first seen: what a player shows, whatever the track's header says. (transfer full) */
GStrv rd_test_probe_frame_sizes (const char *path, GError **error);

G_END_DECLS
