/* rd-ledger-book-private.h: what the book's source files (ledger/rd-ledger-book-*.c) share:
 * field checks, dates, sealing of identities, JSON rows. Only ledger/ includes it.
 *
 * Threading and ownership as in rd-ledger.h. Field checks set RD_LEDGER_ERROR_INVALID with a
 * message naming the field ("field \"due\": ..."), for the caller to prefix with what it was
 * doing.
 */
#pragma once

#include "ledger/rd-ledger-book.h"
#include "ledger/rd-ledger-private.h"

G_BEGIN_DECLS

/* The longest text a field accepts, in characters. */
#define RD_BOOK_MAX_TEXT 20000

/* Fails, naming it, on the first member of @fields not in @known (NULL-terminated). */
gboolean rd_book_check_known (JsonObject *fields, const char *const *known, GError **error);

/* Text member @name, NFC and trimmed, NULL when absent, null or empty; FALSE when it is not a
 * string, not UTF-8, longer than RD_BOOK_MAX_TEXT characters or missing while @required. */
gboolean rd_book_get_text (JsonObject *fields, const char *name, gboolean required, char **out,
                           GError **error);

/* @text in NFC, trimmed; NULL for NULL or empty. */
char *rd_book_normalize (const char *text);
/* A reason given to reveal protected identities: NULL and no error when none was given (no
 * reveal). Normalized like rd_book_normalize(); RD_LEDGER_ERROR_INVALID when it has a control,
 * format (U+200B, ...), private-use or unassigned character, or fewer than
 * RD_BOOK_REVEAL_REASON_MIN visible (non-space) characters. (transfer full) */
#define RD_BOOK_REVEAL_REASON_MIN 10
char *rd_book_reveal_reason (const char *given, GError **error);

/* Integer member @name in [@min, @max]; @out keeps its value when absent. A string of digits is
 * accepted too (the console sends numbers as numbers, files may not). */
gboolean rd_book_get_int (JsonObject *fields, const char *name, gboolean required, gint64 min,
                          gint64 max, gint64 *out, GError **error);

/* Boolean member @name (true/false); @out keeps its value when absent. */
gboolean rd_book_get_bool (JsonObject *fields, const char *name, gboolean *out, GError **error);

/* Date member @name as "YYYY-MM-DD" (a real calendar day); NULL when absent. */
gboolean rd_book_get_date (JsonObject *fields, const char *name, gboolean required, char **out,
                           GError **error);
/* Checks @text is a real calendar day "YYYY-MM-DD"; @what names it in the error. */
gboolean rd_book_check_date (const char *text, const char *what, GError **error);

/* @text (any accepted form) -> the stored slug, or NULL with an error naming the field. */
const char *rd_book_parse_classification (const char *text, GError **error);
/* The Vietnamese name of a stored slug ("tố cáo"); the slug itself if unknown. */
const char *rd_book_classification_vi (const char *slug);

/* Today in the local time zone (with the ledger's clock offset) as "YYYY-MM-DD". */
char *rd_book_today (RdLedger *self);
/* The local calendar day of a stored UTC time, "YYYY-MM-DD". */
char *rd_book_local_date (const char *stored_time);

/* Seals @plain (a JSON text) with the ledger's book key, bound to @aad: "v1:" + base64 of
 * nonce (12) | ciphertext | tag (16). RD_LEDGER_ERROR_INVALID when no key was given. */
char *rd_book_seal (RdLedger *self, const char *plain, const char *aad, GError **error);
/* Opens what rd_book_seal() made; RD_LEDGER_ERROR_CORRUPT when it does not authenticate. */
char *rd_book_open_sealed (RdLedger *self, const char *sealed, const char *aad, GError **error);
/* The additional data binding a sealed identity to its registration and revision. */
char *rd_book_identity_aad (gint64 registration_id, gint64 revision);

/* JSON of the current row of @stmt: every column as a member named by the column. */
void rd_book_add_columns (JsonBuilder *builder, sqlite3_stmt *stmt);
/* Adds the rows of @stmt as an array of objects (the open member or array element). */
gboolean rd_book_add_rows (RdLedger *self, JsonBuilder *builder, sqlite3_stmt *stmt,
                           GError **error);

/* {kind-specific detail} event helpers: a fresh object node to fill. */
JsonNode *rd_book_detail_new (void);

/* Inside the caller's transaction: the identity of registration @id at @revision, decrypted
 * when sealed, as a JSON object {name, address, id_document, contact}; RD_LEDGER_ERROR_CORRUPT
 * when a sealed one does not open. */
JsonObject *rd_book_identity (RdLedger *self, gint64 id, gint64 revision, const char *name,
                              const char *address, const char *id_document, const char *contact,
                              const char *sealed, GError **error);

/* Inside the caller's transaction: an event "identity-revealed" by @actor with @reason, what
 * (@purpose) and the registrations revealed. */
gboolean rd_book_record_reveal (RdLedger *self, const char *at, const char *actor,
                                const char *reason, const char *purpose, GArray *registration_ids,
                                GError **error);

/* A registration's fields, checked and normalized. */
typedef struct
{
  char *classification; /* slug */
  gboolean protection_requested;
  char *name, *address, *id_document, *contact;
  char *summary;
  gint64 people_count;
  char *prior_body;
  char *attachments;     /* JSON text */
  char *field;           /* lĩnh vực, NULL when not given */
  gint64 repeat_of;      /* the earlier registration of a repeated matter, 0 for a first one */
  char *representatives; /* JSON text: an array of names, NULL when none */
} RdBookRegistration;

void rd_book_registration_clear (RdBookRegistration *r);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (RdBookRegistration, rd_book_registration_clear)

/* Applies the members present in @fields (the registration fields of rd-ledger-book.h; @fields
 * may be NULL) to @r, checked and normalized as rd_book_get_text() and its siblings say; on add
 * (@adding) the required ones must be there and absent ones take their defaults. Touches no
 * database: the one place where a registration's JSON is read. */
gboolean rd_book_registration_parse (RdBookRegistration *r, JsonObject *fields, gboolean adding,
                                     GError **error);

/* The schema version from which registrations have field, repeat_of and representatives, and
 * receptions their registration_revision and presiding_officer. A ledger a test stopped at an
 * earlier version is written in that version's form (without them). */
#define RD_BOOK_ROWS_SCHEMA_VERSION 7

/* The columns of a registration row, in the order rd_book_registration_row() returns them. */
#define RD_BOOK_REGISTRATION_COLUMNS_BEFORE_ROWS                                                   \
  "id, revision, created_at, created_by, updated_at, updated_by, classification, "                 \
  "protection_requested, protected, name, address, id_document, contact, identity_sealed, "        \
  "summary, people_count, prior_body, attachments"
#define RD_BOOK_REGISTRATION_COLUMNS                                                               \
  RD_BOOK_REGISTRATION_COLUMNS_BEFORE_ROWS ", field, repeat_of, representatives"

/* The representatives of a group as a JSON array of names, from @stored (the representatives
 * column of registration @id at @revision: clear JSON, or sealed "v1:..."), opened when sealed.
 * An empty array for NULL. RD_LEDGER_ERROR_CORRUPT when a sealed one does not open.
 * (transfer full) */
JsonArray *rd_book_representatives (RdLedger *self, gint64 id, gint64 revision, const char *stored,
                                    GError **error);
/* The additional data binding sealed representatives to their registration and revision. */
char *rd_book_representatives_aad (gint64 registration_id, gint64 revision);

/* Registration @id's row (RD_BOOK_REGISTRATION_COLUMNS), stepped to it; NULL with NOT_FOUND
 * ("no registration N") when there is none. */
sqlite3_stmt *rd_book_registration_row (RdLedger *self, gint64 id, GError **error);

/* Inside the caller's transaction: FALSE with NOT_FOUND ("no registration N") unless it exists. */
gboolean rd_book_registration_exists (RdLedger *self, gint64 id, GError **error);

/* Inside the transaction: STATE, naming session @id, when it was cancelled (ended without
 * having started, rd_ledger_session_cancel()): nothing can be recorded as held in it. */
gboolean rd_book_check_not_cancelled (RdLedger *self, const char *id, GError **error);
/* Inside the caller's transaction: inserts a session in @state with a fresh id
 * "YYYYMMDD-xxxxxx" (@date), the form rd_ledger_session_start() gives. */
char *rd_book_insert_session (RdLedger *self, const char *state, const char *title,
                              const char *created_at, const char *started_at,
                              const char *scheduled_for, const char *date, GError **error);

/* One row of the book: the 13 cells of Mẫu 03/TCD, and the same facts for machines (the JSON
 * export's "details"). */
#define RD_BOOK_N_COLUMNS 13
typedef struct
{
  char *cells[RD_BOOK_N_COLUMNS];
  JsonObject *details;
} RdBookRow;

/* Inside the caller's transaction: the rows of reception dates [@from, @to], as
 * rd_ledger_book_export() describes them (RdBookRow, freed with the array); protected identities
 * opened when @reveal, their registrations appended to @revealed_ids. NULL with @error.
 * (transfer full) */
GPtrArray *rd_book_read_rows (RdLedger *self, const char *from, const char *to, gboolean reveal,
                              GArray *revealed_ids, GError **error);

/* Inside the caller's transaction: {presiding: {name, position} or null, bridge_points: [{id,
 * kind, name, invite_id?, attendees: [{name, position}]}], the central one first}; for a NULL
 * @session_id, none. (transfer full) */
JsonObject *rd_book_session_bridge (RdLedger *self, const char *session_id, GError **error);

/* A reporting period of the book's report: @kind "month", "quarter", "half" (six months),
 * "nine-months" or "year" (static), its Vietnamese name ("quý IV năm 2026") and its first and
 * last days "YYYY-MM-DD". Periods are of the calendar year: a half is January-June or
 * July-December, nine months January-September. */
typedef struct
{
  const char *kind;
  char *label, *from, *to;
} RdBookPeriod;

void rd_book_period_clear (RdBookPeriod *p);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (RdBookPeriod, rd_book_period_clear)

/* @text: "YYYY-MM" (a month), "YYYY-Qn" (quarter 1-4), "YYYY-Hn" (six months, 1 or 2), "YYYY-9M"
 * (nine months) or "YYYY" (a year) -> @p; RD_LEDGER_ERROR_INVALID naming it otherwise. */
gboolean rd_book_parse_period (const char *text, RdBookPeriod *p, GError **error);

G_END_DECLS
