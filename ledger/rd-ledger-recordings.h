/* rd-ledger-recordings.h: the recording segments of a session in the ledger (schema version 3).
 *
 * Contract:
 * - One row per segment file: (session, segment) is unique, segments are numbered per session
 *   from 1 (unique across all the tracks of the session: one file per track and segment), and
 *   @path is relative to the state dir ("recordings/2026/11/<id>/<id>-0001-room-video.mkv").
 * - A row is written in state "recording" (rd_ledger_recording_add()), then changes once, for
 *   good, to "sealed" (closed cleanly), "repaired" (remuxed after a crash, then verified) or
 *   "unrecoverable". Triggers in the schema refuse any other change, any other state, and any
 *   change at all to a row that left "recording"; rows are never deleted.
 * - Sealing writes the hash, size, duration and tracks, and an event, in one transaction
 *   committed with synchronous=FULL: once rd_ledger_recording_seal() returns TRUE the seal is on
 *   disk.
 * - Sessions: a row can be added to a session that is live (or scheduled/open), or interrupted
 *   (recovery registers the files it finds on disk after a crash), never to an ended one
 *   (RD_LEDGER_ERROR_STATE). Sealing and marking unrecoverable work in every session state: a
 *   segment is closed after its session has ended.
 * - Errors (ledger/rd-ledger-error.h): RD_LEDGER_ERROR_NOT_FOUND (no such session, or no such
 *   segment), RD_LEDGER_ERROR_EXISTS (the segment exists already), RD_LEDGER_ERROR_STATE (a row
 *   for an ended session; a row no longer "recording"), RD_LEDGER_ERROR_INVALID (a bad argument,
 *   named in the message), RD_LEDGER_ERROR_IO. Messages name the session, segment and ledger.
 * - Events (actor "receptiond"): "recording-sealed" / "recording-repaired" with detail
 *   {segment, path, sha256, size_bytes, duration_ns} plus the members of the caller's
 *   @detail_json; "recording-unrecoverable" with {segment, path, reason}.
 *
 * Threading: as RdLedger (the daemon's main thread only; calls block on disk I/O).
 *
 * Ownership: returned rows and arrays are (transfer full); arguments (transfer none).
 */
#pragma once

#include "ledger/rd-ledger.h"

G_BEGIN_DECLS

/* Recording states (the text stored in recordings.state). */
#define RD_RECORDING_STATE_RECORDING     "recording"
#define RD_RECORDING_STATE_SEALED        "sealed"
#define RD_RECORDING_STATE_REPAIRED      "repaired"
#define RD_RECORDING_STATE_UNRECOVERABLE "unrecoverable"

typedef struct
{
  char *session_id;
  gint64 segment;     /* per session, from 1 */
  char *path;         /* relative to the state dir */
  char *state;        /* RD_RECORDING_STATE_* */
  char *sha256;       /* lower-case hex, NULL until sealed */
  gint64 size_bytes;  /* -1 until sealed */
  gint64 duration_ns; /* -1 until sealed */
  char *tracks_json;  /* JSON text, e.g. [{"track":"room-video","media":"video","codec":"VP8",
                         "start_ns":0}]; may be NULL when added without it */
  char *created_at;   /* ISO 8601 UTC, as every ledger time */
  char *sealed_at;    /* NULL until sealed or repaired (also NULL for unrecoverable) */
} RdLedgerRecording;

void rd_ledger_recording_free (RdLedgerRecording *r);

/* Inserts segment @segment (>= 1) of session @session_id in state "recording", created now.
 * @path: relative to the state dir, not empty, no ".." component. @tracks_json: a JSON array, or
 * NULL when not yet known. RD_LEDGER_ERROR_EXISTS if the session has this segment already,
 * NOT_FOUND if there is no such session, STATE if it is ended (an interrupted session accepts
 * rows: recovery registers the files a crash left). */
gboolean rd_ledger_recording_add (RdLedger *l, const char *session_id, gint64 segment,
                                  const char *path, const char *tracks_json, GError **error);

/* Seals a segment: "recording" -> @state ("sealed" or "repaired"), with @sha256 (64 lower-case
 * hex digits), @size_bytes (>= 0), @duration_ns (>= 0), and @tracks_json (a JSON array; it
 * replaces the row's when not NULL), sealed_at now, and an event "recording-sealed" or
 * "recording-repaired" whose detail is {segment, path, sha256, size_bytes, duration_ns} plus the
 * members of @detail_json (NULL or a JSON object whose members do not reuse those names, e.g.
 * {"original_sha256": .., "original_size_bytes": ..} for a repair), all in one transaction
 * committed with synchronous=FULL. RD_LEDGER_ERROR_STATE if the row is not "recording",
 * NOT_FOUND if there is no such session or segment. */
gboolean rd_ledger_recording_seal (RdLedger *l, const char *session_id, gint64 segment,
                                   const char *state, const char *sha256, gint64 size_bytes,
                                   gint64 duration_ns, const char *tracks_json,
                                   const char *detail_json, GError **error);

/* "recording" -> "unrecoverable", with an event "recording-unrecoverable" {segment, path,
 * reason: @why} (@why not empty), synchronous=FULL. Errors as rd_ledger_recording_seal(). */
gboolean rd_ledger_recording_mark_unrecoverable (RdLedger *l, const char *session_id,
                                                 gint64 segment, const char *why, GError **error);

/* Rows of @session_id (all sessions when NULL) in state @state (any when NULL), ordered by
 * session (its creation, then id) then segment. NOT_FOUND if @session_id is given and there is no
 * such session (an existing session without recordings gives an empty array); INVALID for an
 * unknown @state. (transfer full: GPtrArray of RdLedgerRecording*, free func set) */
GPtrArray *rd_ledger_recordings_list (RdLedger *l, const char *session_id, const char *state,
                                      GError **error);

/* 1 + the highest segment number of @session_id (1 when none); 0 on error (NOT_FOUND if there is
 * no such session). */
gint64 rd_ledger_recording_next_segment (RdLedger *l, const char *session_id, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RdLedgerRecording, rd_ledger_recording_free)

G_END_DECLS
