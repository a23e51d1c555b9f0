/* rd-console-print.h: receptionctl's human-readable output of the daemon's results.
 *
 * Contract: each function prints one result (as returned by the method of the same name) to
 * stdout, tolerating missing or null fields. Threading: one thread.
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

void rd_console_print_status (JsonNode *result);
void rd_console_print_session_list (JsonNode *result);
/* rd-console-print-duties.c. "session.duty-done": one scheduled session and its duties ({id,
 * scheduled_for, timing}). */
void rd_console_print_session_duties (JsonNode *result);
/* A scheduled session's "timing": one line per duty (late, due today or done marked), each
 * after @indent. */
void rd_console_print_duties (JsonObject *timing, const char *indent);
/* status's "scheduled" sessions with their duties, times in @timezone. */
void rd_console_print_scheduled (JsonArray *scheduled, const char *timezone);
void rd_console_print_session (JsonNode *result);
void rd_console_print_session_id (JsonNode *result);
void rd_console_print_session_ended (JsonNode *result);
void rd_console_print_invite (JsonNode *result);
void rd_console_print_muted (JsonNode *result);
void rd_console_print_layout (JsonNode *result);
/* "session.join": the links made ({session, links: [{kind, state_text, url, ...}]}). */
void rd_console_print_session_join (JsonNode *result);
void rd_console_print_session_left (JsonNode *result);
/* "recording.verify": one line per segment (number, status, path; what is wrong with it). */
void rd_console_print_recording_verify (JsonNode *result);
/* The "coverage" of "session show" and "recording.verify": per track the seconds recorded of
 * those due, and each gap with its reason (rd-console-print-coverage.c). Nothing when NULL. */
void rd_console_print_coverage (JsonObject *coverage);
/* 0 when the result says "ok"; else 1, with the first bad segment named on stderr. */
int rd_console_recording_verify_verdict (JsonNode *result);
/* "recording.pause" / "recording.resume": the session and its recording state
 * ({"session", "recording", "reason"}; members missing are shown as "-"). */
void rd_console_print_recording_control (JsonNode *result);
void rd_console_print_ledger_key (JsonNode *result);
void rd_console_print_checkpoint (JsonNode *result);
void rd_console_print_checkpoint_export (JsonNode *result);
void rd_console_print_verify (JsonNode *result);
/* "session.presiding", "session.bridge-point", "session.attendee": who presided and the
 * bridge points with their attendees (rd-console-print-bridge.c). */
void rd_console_print_bridge (JsonNode *result);
/* The same from "session show"'s "bridge", with the session's participants under the point
 * whose invite they came with. Nothing when the session has no "bridge". */
void rd_console_print_session_bridge (JsonObject *session);

G_END_DECLS
