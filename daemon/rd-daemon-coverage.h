/* rd-daemon-coverage.h: what of a session's recording timeline each track holds, and its gaps.
 *
 * Contract: rd_coverage_of_session() reads a session as rd_ledger_session_show() gives it (its
 * participants, its recording rows with their tracks' start_ns/end_ns, and its events) and
 * answers, changing nothing:
 *   {"end_s": where the timeline ends, "ended": "finished" | "live" | "interrupted",
 *    "due_s", "covered_s", "unexplained_s" (sums over the tracks), "gaps", "overlaps" (how
 *    many),
 *    "tracks": [{"track", "kind": "room" | "party" | "link" | "conference", "due_from_s",
 *                "due_to_s", "due_s" (the time it was due, less pauses), "recorded_s" (all its
 *                segments hold), "covered_s" (of the due time), "paused_s", "overlaps":
 *                [{"from_s", "to_s"}] (time two of its segments both claim, beyond 50 ms),
 *                "gaps": [{"from_s", "to_s", "seconds", "reason"}]}]}
 * Seconds are on the session's timeline (0: the recording started), to the millisecond.
 * - The end: the "recording-finished" event's at_ns; while live, @now_ns; after a crash
 *   ("interrupted"), the last media any track wrote (what came after is the crash's, on record
 *   as recovery's "recording-gap").
 * - When a track is due: the room's from 0 to the end; a party's from its "party-verified"
 *   event to its "party-left" event (their recording_ns; the end when it never left); a track
 *   with neither (a conference link's far end, an old ledger) from its first frame to its last.
 *   Paused spans ("recording-paused" .. "recording-resumed", at_ns) are not due. On a track
 *   whose first segment after its verification or a resume says its first frame was stamped
 *   ahead of its arrival (start_ns > arrived_ns: a party's playout delay), the due time starts
 *   that much later (at most 1 s): what is stamped in between reached the room before its gate
 *   opened, or while it was paused. Conference
 *   tracks follow the room's layout: they are counted, never due, and have no gaps.
 * - What a track holds: its sealed, repaired and open segments, less the spans a
 *   "recording-gap" of that track says it missed (a stalled disk drops frames inside a segment).
 * - A gap is due time no sealed, repaired or open segment of the track holds, of at least 0.25 s
 *   (audio) or 1 s (video: a still picture may send a frame a second). Its reason is that of the
 *   "recording-gap" event (for this track or "all") or "recording-stopped-disk" it overlaps, or
 *   of the unrecoverable segment it holds; after a crash, a gap up to the end is the crash's
 *   (the files are synced every second: a track's last second can be lost), and so is one up
 *   to the end of a party's due time when that was at most 1.5 s before the crash's end (its
 *   writer was still draining when the daemon was killed); else "nothing
 *   recorded, and no cause on record" (counted in unexplained_s).
 *
 * Threading: any (pure). Ownership: @session (transfer none); the result (transfer full). */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* @now_ns: the live recording's time on its timeline, or -1 when it is not being recorded. */
JsonNode *rd_coverage_of_session (JsonObject *session, gint64 now_ns);

G_END_DECLS
