/* rd-ledger-book.h: the reception book (Sổ tiếp công dân, Mẫu số 03/TCD) kept in the ledger:
 * registrations, scheduled sessions, reception records, conclusions and their follow-ups, the
 * book export, the periodic report and what the printed documents hold.
 *
 * Contract:
 * - Fields come in as a JSON object whose member names are the names of the JSON views
 *   (rd_ledger_registration_fields() lists them for registrations). Every text is stored in
 *   Unicode NFC, trimmed; an empty text is the same as an absent one. A bad field is
 *   RD_LEDGER_ERROR_INVALID with a message that names the field; an unknown member too. An id
 *   that does not exist is RD_LEDGER_ERROR_NOT_FOUND naming what was looked for.
 * - Every call that writes is one transaction, with an event by @actor ("uid=N(name)" for the
 *   console) naming what changed; nothing is written when anything fails. Nothing is deleted or
 *   overwritten: a registration update is a new revision, the replaced one is kept in
 *   registration_history; reception records and follow-up notes never change; a conclusion
 *   changes once, from open to done. Triggers in the schema refuse the rest.
 * - Classification is stored as one of "khieu-nai", "to-cao", "kien-nghi", "phan-anh" and shown
 *   with its Vietnamese name ("khiếu nại", "tố cáo", "kiến nghị", "phản ánh"). Input accepts those
 *   two forms (any case) and the English words complaint, denunciation, petition, feedback.
 * - Identity protection: a registration classified tố cáo, or whose citizen asked for protection,
 *   is protected, for good. Its identifying fields (name, address, id_document, contact) are only
 *   stored sealed with AES-256-GCM under the book key (rd_ledger_book_set_key()). Without a key
 *   no registration can be written (RD_LEDGER_ERROR_INVALID, "no book key"): every registration
 *   row enters the hash chain as a hash keyed with a key derived from it (rd-ledger-chain.h). Views
 * and exports show them as RD_LEDGER_BOOK_REDACTED unless the caller gives a reveal reason, and
 * each reveal writes an event "identity-revealed" (actor, reason, what was revealed) before
 * anything is returned. An export for transfer to another body never contains them, reason or not.
 * - Dates of the book (reception date, due dates, --from/--to) are calendar days "YYYY-MM-DD" in
 *   the daemon's local time zone (TZ, which receptiond sets to [room] timezone); stored times
 *   are UTC as in rd-ledger.h.
 * - Working days for the timing duties are those of the calendar the daemon gives
 *   (rd_ledger_book_set_calendar(), config/rd-config-calendar.h: weekends, public holidays from
 *   the law and the lunar calendar, the office's file); the law's alone until one is given.
 *
 * Threading and ownership as in rd-ledger.h: one thread; returned nodes and strings are
 * (transfer full), arguments (transfer none).
 */
#pragma once

#include "config/rd-config-calendar.h"
#include "ledger/rd-ledger.h"

G_BEGIN_DECLS

#define RD_LEDGER_BOOK_KEY_SIZE 32
/* What a protected identity field shows when not revealed. */
#define RD_LEDGER_BOOK_REDACTED "[danh tính được bảo vệ]"

/* Gives the ledger the book key (RD_LEDGER_BOOK_KEY_SIZE bytes). The first key given is
 * remembered by its id (a SHA-256 derived tag, never the key) in the ledger; a later call with
 * another key is refused with RD_LEDGER_ERROR_CORRUPT, since the protected identities already
 * sealed could not be opened with it. In the same transaction, registration rows still chained
 * in the unkeyed form get keyed "migrate" entries, with an event "chain-rekeyed" {form, rows}
 * when there were any (rd-ledger-chain.h). */
gboolean rd_ledger_book_set_key (RdLedger *ledger, const guint8 *key, gsize key_size,
                                 GError **error);

/* Whether the ledger remembers a book key id, i.e. a key was given once and must not be
 * replaced by a new one. */
gboolean rd_ledger_book_has_key_id (RdLedger *ledger, gboolean *has_key_id, GError **error);

/* The working days the timing duties count (a reference is kept; NULL: the law's alone). */
void rd_ledger_book_set_calendar (RdLedger *ledger, RdCalendar *calendar);

/* Registrations. Fields: name, address, id_document, contact, summary, classification,
 * people_count (>= 1, default 1), protection_requested (boolean, default false), prior_body,
 * attachments (array of {name, pages (>= 1), condition}), field (lĩnh vực, free text),
 * repeat_of (the id of an earlier registration of the same matter: a repeated matter; 0 or
 * absent: a first one), representatives (array of names: the representatives of a group of
 * citizens with one matter, đoàn đông người; sealed like the identity when protected). Required on
 * add: name, summary, classification. Returns the new id (> 0), or 0 on error. Event
 * "registration-added" with {registration_id, classification, protected} (never an identity field).
 */
gint64 rd_ledger_registration_add (RdLedger *ledger, JsonObject *fields, const char *actor,
                                   GError **error);

/* Changes the fields present in @fields (at least one), as a new revision; the replaced one is
 * kept in the history (sealed, when the registration is or becomes protected). Event
 * "registration-updated" with {registration_id, revision, fields: [names]}. */
gboolean rd_ledger_registration_update (RdLedger *ledger, gint64 id, JsonObject *fields,
                                        const char *actor, GError **error);

/* One registration: its fields (identity redacted when protected, unless @reveal_reason), id,
 * revision, created_at/by, updated_at/by, protected, classification_vi, sessions (ids it is
 * scheduled in), receptions (ids), history (revisions: {revision, updated_at, updated_by,
 * superseded_at}). With @reveal_reason (non-empty) an event "identity-revealed" by @actor is
 * written first. */
JsonNode *rd_ledger_registration_show (RdLedger *ledger, gint64 id, const char *reveal_reason,
                                       const char *actor, GError **error);

/* Every registration, newest first, identity redacted where protected: {id, created_at,
 * classification, classification_vi, protected, name, summary, people_count}. */
JsonNode *rd_ledger_registration_list (RdLedger *ledger, GError **error);

/* Creates a session in state "scheduled" for @at (ISO 8601, or dd/mm/yyyy HH:MM; without a time
 * zone, local time), which must be later than now, with the registrations @registration_ids (each
 * must exist, none twice). Event "session-scheduled" with {scheduled_for, registrations}. Returns
 * the session's id; @timing (may be NULL) gets rd_ledger_book_timing() for now and @at, plus a
 * warning for each denunciation whose citizen asked for identity protection (a complex denunciation
 * is received online only when the denouncer does not ask for it). */
char *rd_ledger_session_schedule (RdLedger *ledger, const char *at, const gint64 *registration_ids,
                                  guint n_registrations, const char *title, const char *actor,
                                  JsonNode **timing, GError **error);

/* Starts scheduled session @id: state live, started_at now, event "session-started" with
 * {title, scheduled_for}. NOT_FOUND for no such session, STATE when it is not scheduled. The
 * caller keeps the one-live-session rule. */
gboolean rd_ledger_session_start_scheduled (RdLedger *ledger, const char *id, const char *actor,
                                            GError **error);

/* Moves scheduled session @id to @at (as for rd_ledger_session_schedule(): later than now) for
 * @reason (required). Event "session-rescheduled" with {from, to, reason}. NOT_FOUND for no such
 * session, STATE when it is not scheduled. @timing (may be NULL) gets rd_ledger_book_timing()
 * for the new time. */
gboolean rd_ledger_session_reschedule (RdLedger *ledger, const char *id, const char *at,
                                       const char *reason, const char *actor, JsonNode **timing,
                                       GError **error);

/* Cancels scheduled session @id for @reason (required): the session is sealed as it stands,
 * state ended with ended_at now, no started_at and end_reason "cancelled: REASON" (a session
 * cancelled is one ended without having been held). Event "session-cancelled" with
 * {scheduled_for, reason}. NOT_FOUND for no such session, STATE when it is not scheduled. */
gboolean rd_ledger_session_cancel (RdLedger *ledger, const char *id, const char *reason,
                                   const char *actor, GError **error);

/* Records that duty @duty ("notify-citizen" or "test-link") of scheduled session @id is done,
 * with an optional @note: event "duty-done" {duty, note}. It counts until the session is moved.
 * NOT_FOUND for no such session, STATE when it is not scheduled, INVALID for another duty. */
gboolean rd_ledger_session_duty_done (RdLedger *ledger, const char *id, const char *duty,
                                      const char *note, const char *actor, GError **error);

/* The timing duties for a session at @at seen from @now, counted in working days of @calendar:
 * {scheduled_for, working_days_before, notify_citizen_by (5 working days before), test_link_by
 * (1 working day before), connect_by (1 hour before), duties: [{duty (notify-citizen,
 * test-link, connect), what (a sentence), by, state (upcoming, today, late; done in
 * rd_ledger_book_duties())}], day_off (what the session's day is when it is not a working day, else
 * absent), warnings: [sentences]} (dates are local "YYYY-MM-DD", times local ISO 8601 with the
 * offset; a warning for each duty whose day has passed, and for a session on a day off, naming it).
 */
JsonNode *rd_ledger_book_timing (RdCalendar *calendar, GDateTime *now, GDateTime *at);

/* The sessions still scheduled, soonest first, each {id, title, scheduled_for, timing (as
 * rd_ledger_book_timing() from now, a duty marked done since the session was last moved in
 * state "done"), late (how many of its duties are late)}. */
JsonNode *rd_ledger_book_duties (RdLedger *ledger, GError **error);

/* Who presided over session @session_id (người chủ trì). Fields: name (required), position.
 * Recorded once (again: RD_LEDGER_ERROR_STATE); any time, since it is a fact about the session.
 * Event "presiding-officer-set" on the session. */
gboolean rd_ledger_session_presiding_set (RdLedger *ledger, const char *session_id,
                                          JsonObject *fields, const char *actor, GError **error);

/* A bridge point of session @session_id (điểm cầu). Fields: name (required, unique in the
 * session), kind ("central" | "component", required; one central point per session),
 * invite_id (an invite of the session whose parties connect from there). Returns its id, or 0.
 * A second central point or a name used twice is RD_LEDGER_ERROR_STATE. Event
 * "bridge-point-added". */
gint64 rd_ledger_bridge_point_add (RdLedger *ledger, const char *session_id, JsonObject *fields,
                                   const char *actor, GError **error);

/* Someone who attended session @session_id at one of its bridge points. Fields: bridge_point
 * (its name, required), name (required), position. Attendees are named in the clear: a citizen
 * is named in the book (a registration, sealed when protected), never here. Event
 * "attendee-added". Returns the attendee's id, or 0. */
gint64 rd_ledger_bridge_point_attend (RdLedger *ledger, const char *session_id, JsonObject *fields,
                                      const char *actor, GError **error);

/* {presiding: {name, position} or null, bridge_points: [{id, kind, name, invite_id (when
 * tied to one), attendees: [{name, position}]}]}, the central point first. */
JsonNode *rd_ledger_session_bridge (RdLedger *ledger, const char *session_id, GError **error);

/* Reception records, one per matter received. Fields: registration_id (required), session_id,
 * reception_date (default: the session's start date, else today), content, handling
 * (competent | guided | transferred | refused), handling_body and document_number (required for
 * guided and transferred), legal_basis and refusal_reason (required for refused), officer,
 * confirmation (signature | fingerprint | verbal | declined), notes, presiding_officer
 * (default: the session's). Required: registration_id, content, handling, officer,
 * confirmation. The record keeps the registration's revision at that moment
 * (registration_revision): the book shows that revision, never a later one. Event
 * "reception-recorded" (on the session when there is one). Linking a session the registration
 * was not scheduled in links it. */
gint64 rd_ledger_reception_add (RdLedger *ledger, JsonObject *fields, const char *actor,
                                GError **error);

/* One reception record, with its registration's classification and the recording segments of
 * its session ({segment, path, sha256, state}). */
JsonNode *rd_ledger_reception_show (RdLedger *ledger, gint64 id, GError **error);

/* Reception records with reception_date in [@from, @to] (NULL: unbounded), oldest first. */
JsonNode *rd_ledger_reception_list (RdLedger *ledger, const char *from, const char *to,
                                    GError **error);

/* A conclusion of session @session_id (the notice of conclusions and its directive). Fields:
 * text, assignee, due (YYYY-MM-DD), registration_id (optional). Required: text, assignee, due.
 * The session must have been held (not scheduled: RD_LEDGER_ERROR_STATE). Event
 * "conclusion-added" on the session. */
gint64 rd_ledger_conclusion_add (RdLedger *ledger, const char *session_id, JsonObject *fields,
                                 const char *actor, GError **error);

/* Follow-up of conclusion @id. Fields: progress (required), outcome (marks it done). A done
 * conclusion accepts nothing more (RD_LEDGER_ERROR_STATE). Event "followup-updated". */
gboolean rd_ledger_followup_update (RdLedger *ledger, gint64 id, JsonObject *fields,
                                    const char *actor, GError **error);

/* Conclusions, oldest first, each with its follow-up notes; only those of @session_id when not
 * NULL. */
JsonNode *rd_ledger_conclusion_list (RdLedger *ledger, const char *session_id, GError **error);

/* What is late on @today (YYYY-MM-DD; NULL = today): {today, conclusions: [open conclusions
 * due before today, with days_late], petitions: [kiến nghị registrations received more than 45
 * days before today without a result, with days_open]}. A petition has a result when a
 * reception record passed it on (guided, transferred, refused) or a conclusion about it is done. */
JsonNode *rd_ledger_followup_overdue (RdLedger *ledger, const char *today, GError **error);

typedef enum
{
  RD_LEDGER_BOOK_CSV,
  RD_LEDGER_BOOK_JSON,
  RD_LEDGER_BOOK_CSV_SEMICOLON, /* CSV with ';' between cells (Excel, Vietnamese settings) */
  RD_LEDGER_BOOK_XLSX,          /* the JSON form, for the console to lay out as XLSX */
  RD_LEDGER_BOOK_PDF,           /* the JSON form, for the console to lay out as PDF */
} RdLedgerBookFormat;

/* The book, Mẫu số 03/TCD, for reception dates in [@from, @to] (YYYY-MM-DD, both required):
 * one row per reception record with exactly the form's 13 columns in order. Each row shows the
 * reception as recorded: its own content (column 5), and the registration (identity, group
 * representatives, classification and lĩnh vực, people, prior body) at the revision the record
 * was made on; a record made before records kept their revision (schema version 7) shows the
 * revision in force when it was recorded, and its notes say so. STT runs through the calendar
 * year in the order records were made (adding a record never renumbers another; a new year
 * starts at 1). A refused reception leaves "Thuộc thẩm quyền" empty and has its reason and
 * legal basis in the notes, with who presided and the session's bridge points and attendees.
 * A repeated matter names the earlier registration in column 5. CSV: UTF-8 with a BOM (Excel
 * reads a CSV as UTF-8 only with it), CRLF, RFC 4180 quoting with ',' or ';' between cells,
 * a cell that starts with = + - @ (or a tab or CR) gets a leading apostrophe; the first header
 * says how STT runs. JSON: {form, from, to, title, numbering, columns: [13 headers], groups:
 * [{title, first, last}] (the form's grouped headers, 0-based columns), rows: [{header: value,
 * details: {reception_id, registration_id, registration_revision, revision_recorded,
 * handling, field, people_count, repeat_of, representatives, legal_basis, refusal_reason,
 * session_id, presiding_officer, bridge_points}}]}. Protected identities are redacted unless
 * @reveal_reason is given and @for_transfer is not; a reveal writes "identity-revealed" first.
 * Every export writes an event "book-exported" (from, to, format: csv, csv-semicolon, json,
 * xlsx or pdf, rows, revealed, for_transfer). @n_rows and @revealed (may be NULL) say what it
 * holds. */
char *rd_ledger_book_export (RdLedger *ledger, const char *from, const char *to,
                             RdLedgerBookFormat format, const char *reveal_reason,
                             gboolean for_transfer, const char *actor, guint *n_rows,
                             gboolean *revealed, GError **error);

/* The 13 column headers of Mẫu 03/TCD, in order (static). */
const char *const *rd_ledger_book_columns (void);

/* What printed document @kind about @id holds, for the console to lay out:
 * - "refusal" (a reception record's number, handling refused; else RD_LEDGER_ERROR_STATE):
 *   {kind, reception (as rd_ledger_reception_show(), without recordings), citizen (the
 *   identity as recorded: {registration_id, revision, name, address, id_document, protected,
 *   revealed}), and for a reception in a session: session, presiding, bridge_points, pauses};
 * - "receipt" (a registration's number): {kind, registration (as rd_ledger_registration_show():
 *   its attachments, identity)};
 * - "record" (a session's id): {kind, session (as rd_ledger_session_show(): times,
 *   participants, recordings with their SHA-256), presiding, bridge_points (with attendees),
 *   pauses ([{at, kind: paused|resumed, reason, by}], from the recording's events), receptions
 *   ([{id, content, handling, classification_vi, citizen}])};
 * - "conclusions" (a session's id): {kind, session, presiding, bridge_points, pauses,
 *   conclusions (as rd_ledger_conclusion_list())}.
 * Protected identities are RD_LEDGER_BOOK_REDACTED unless @reveal_reason is given (an event
 * "identity-revealed" first). Every document writes an event "document-issued" {document, id,
 * revealed} (on its session when it has one). Times are UTC as stored. */
JsonNode *rd_ledger_book_document (RdLedger *ledger, const char *kind, const char *id,
                                   const char *reveal_reason, const char *actor, GError **error);

/* The periodic report, shaped like the inspectorate's report of reception work (Thông tư
 * 02/2021/TT-TTCP), for @period: "YYYY-MM" (a month), "YYYY-Q1".."YYYY-Q4" (a quarter), "YYYY-H1"
 * or "YYYY-H2" (six months: January-June, July-December), "YYYY-9M" (January-September) or
 * "YYYY" (a year); an other text is RD_LEDGER_ERROR_INVALID naming it. Receptions count as
 * recorded: each with the registration at the revision its record was made on (as the book), so
 * an edit afterwards changes no count. A reception is online when its session had a remote party
 * connected or a component bridge point, else in person; of a group (đoàn đông người) when its
 * registration names representatives or counts five people or more; a matter (vụ việc: a
 * registration received in the period, as recorded at its first reception there) is repeated
 * (cũ) when it repeats an earlier registration or was received before the period, else new.
 * Returns {title, form, period (kind), period_vi ("quý IV năm 2026"), month (for a month), from,
 * to, lines: [{key, level (0: a section's heading, no value; 1: an item; 2: a part of the item
 * above), label (Vietnamese), value, unit}], sessions_held, registrations, receptions,
 * conclusions_issued, conclusions_overdue, by_classification (receptions by Vietnamese
 * classification), by_handling, by_outcome (resolved, pending, overdue)}. Writes nothing. */
JsonNode *rd_ledger_book_report (RdLedger *ledger, const char *period, GError **error);

G_END_DECLS
