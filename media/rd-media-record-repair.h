/* rd-media-record-repair.h: repairing a Matroska recording that a crash left without its index.
 *
 * Contract: matroskamux writes a segment's duration and its cues (the seek index) only when the
 * segment is finalised. A file cut short by SIGKILL or a power loss still holds every cluster
 * written before the cut, but no duration and no cues. rd_record_repair() remuxes such a file
 * (filesrc ! matroskademux ! queue ! matroskamux ! fdsink, every stream, the timestamps kept as
 * they are, so the file stays on its session's timeline; nothing is re-encoded) into a new file,
 * fsyncs it and its directory, and then verifies the new file by reading it back to the end:
 * every stream of the input must be in it, demuxed with at least one buffer, and its Matroska
 * header must carry a duration and the file its cues (read from the file itself, not estimated
 * by a demuxer, which also "knows" a duration for a file cut short).
 * - @in_path is only ever read (opened read-only by filesrc).
 * - @out_path must not exist: it is created with O_EXCL (mode 0640), so an existing file, which
 *   may be evidence, is never overwritten (RD_MEDIA_ERROR_RECORDING naming it).
 * - On failure @out_path is removed (it never counted as evidence; only a file created by this
 *   call is removed) and the error, RD_MEDIA_ERROR_RECORDING, names both files and what failed
 *   (empty input, no cluster (a cut before the first frame was written), not Matroska, a
 *   stream without any media, a stream that cannot be remuxed, the write, the fsync, the
 *   verification, or the time limit: 60 s plus 1 s per MB of input for each of the two passes).
 *   A file that fails here holds nothing that can be repaired this way: the caller keeps it and
 *   records the segment as unrecoverable.
 * - @duration_ns (may be NULL) gets the repaired file's duration.
 * - Memory: the queues between demuxer and muxer are unbounded in time and buffers so that a
 *   file with several streams and uneven interleaving cannot deadlock; at worst they hold the
 *   input's size.
 *
 * Threading: blocking (runs two pipelines on a private bus, no main context); call it from a
 * worker thread. Any thread may call it, also several at once. GStreamer must be initialised
 * (rd_media_init()).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean rd_record_repair (const char *in_path, const char *out_path, guint64 *duration_ns,
                           GError **error);

/* Whether the Matroska file @path was finalised: its header carries a duration (> 0) and the file
 * its cues, read from the file's EBML structure (walking the segment's top-level elements by their
 * sizes), not estimated by a demuxer. A file cut short by a crash has neither. TRUE with the
 * duration in @duration_ns (may be NULL); else RD_MEDIA_ERROR_RECORDING naming @path and what it
 * lacks. Blocking (reads a few element headers; seeks over the clusters); any thread. */
gboolean rd_record_check_finalised (const char *path, guint64 *duration_ns, GError **error);

/* Whether the Matroska file @path holds a cluster (the element its frames are written in), read
 * from its EBML structure: FALSE for a file that begins as Matroska and was cut before its first
 * frame was written (a crash just after the segment was made), whose header alone holds no media.
 * TRUE when it cannot be read or is not Matroska at all (rd_record_repair() then says why).
 * Blocking; any thread. */
gboolean rd_record_holds_media (const char *path);

G_END_DECLS
