/* rd-daemon-console.h: the room console's operators at work: logins, sessions, CSRF tokens,
 * lockouts, and the JSON API (signaling/rd-signal-console.h) that runs the control socket's
 * methods as an operator.
 *
 * Contract:
 * - Login (POST /console/api/login {"name", "password"}): the password is checked against the
 *   operator's scrypt hash in a worker thread (rd_ledger_password_matches()); an unknown name
 *   costs the same hash, and gets the same 401 "login-failed" as a wrong password or a disabled
 *   operator. Success is 200 {"name", "role", "csrf", "idle_timeout_s", "expires_at"} with a new
 *   session cookie (256 random bits, hex) and a new CSRF token (256 random bits, hex).
 * - Lockout: RD_CONSOLE_MAX_FAILURES failed logins of one name within RD_CONSOLE_FAILURE_WINDOW_S
 *   lock that name (from every address), and RD_CONSOLE_MAX_ADDRESS_FAILURES from one address
 *   lock that address (for every name), for RD_CONSOLE_LOCKOUT_S from the failure that reached
 *   the limit; that failure and every login while locked (the right password too) get 429
 *   "locked-out" with "until" (ISO 8601 UTC) and "retry_after_s" in the error and Retry-After.
 *   Names that are not operators are counted too, so a lockout says nothing about which exist.
 *   Kept in memory, at most RD_CONSOLE_MAX_TRACKED names and addresses (beyond that, new ones
 *   go uncounted until old ones are forgotten). At most RD_CONSOLE_MAX_CHECKING passwords are
 *   checked at once; a login beyond that gets 503 "busy" with Retry-After: 1.
 * - Sessions are kept in memory only: a restart of receptiond logs every operator out. A
 *   session ends on logout, after [console] idle-timeout seconds without a request that counts
 *   as an action (POST /call, GET /recording, a download; GET /session does not), after
 *   RD_CONSOLE_MAX_AGE_S in all, and when its operator is disabled. The cookie is looked up by
 *   its SHA-256.
 * - Every POST but login needs the session's CSRF token in X-CSRF-Token (compared in constant
 *   time): else 403 "csrf". No session or an ended one: 401 "no-session" / "session-expired"
 *   (with the cookie cleared).
 * - POST /console/api/call {"method", "params"} runs the method of the control socket's table
 *   (rd-daemon-methods.c) as "operator NAME (ROLE)" (rd_control_request_new_operator()): the
 *   same role checks, the same ledger actor form. 200 with the method's result exactly as the
 *   socket gives it (its "result" member); a method's error is {"error": {"code", "message"}}
 *   with 403 (forbidden), 404 (unknown-method, not-found), 400 (invalid-params, bad-request),
 *   409 (conflict), 500 (failed) or 422 (any other code, e.g. verify-failed).
 * - POST /console/api/password {"current", "new"}: an operator changes their own password
 *   (CSRF token needed). The new one needs RD_DAEMON_CONSOLE_MIN_PASSWORD characters (else 400
 *   "too-short"); the current one is checked in a worker thread like a login's: wrong, it is 403
 *   "wrong-password", an event "console-password-change-failed" and a failure counted toward
 *   the name's and the address's lockouts (then 429 "locked-out", and every change is refused
 *   while locked). Right, the new hash replaces the old in the ledger (event
 *   "operator-password-changed" by "operator NAME (ROLE)", detail {"name", "role", "address"}),
 *   every other session of the operator ends ("console-logout", reason "password-changed") and
 *   the answer is 200 {"name", "role", "sessions_ended"}; the session that asked goes on.
 * - GET /console/api/preview?source=camera|composite: the room's camera (as it comes, before
 *   its mute) or the display's picture (the conference picture with the REC mark: what the
 *   room's screen shows, and the parties unless the layout is room), RD_ROOM_PREVIEW_WIDTH
 *   pixels wide, as image/jpeg, taken when asked (rd_room_preview_async()). Any live session;
 *   not an action (the idle timeout runs on). Another source: 404 "not-found"; no picture
 *   within 2 s: 503 "no-picture" with Retry-After: 1.
 * - GET /console/api/book.xlsx|book.pdf?from=YYYY-MM-DD&to=YYYY-MM-DD and
 *   report.xlsx|report.pdf?month=YYYY-MM: the reception book (Mẫu số 03/TCD) or the month's
 *   report as a document to save, for an officer or a supervisor (another role: 403
 *   "forbidden"); an action. The content is the control method's (book.export without a reveal,
 *   so protected identities stay masked; report) run as the operator, so the ledger has its
 *   "book-exported" event, and the method's errors are answered as for /call; a period missing
 *   from the query is 400 "bad-request". The document is laid out by documents/ exactly as
 *   receptionctl writes it, in a worker thread, in a private directory of the state directory
 *   removed before the answer (rd_documents_render()); 200 as application/pdf or the XLSX type
 *   with "Content-Disposition: attachment" named "so-tiep-cong-dan_FROM_TO.xlsx" /
 *   "bao-cao-tiep-cong-dan_YYYY-MM.pdf" (and in Vietnamese as filename*). Each download is a
 *   "console-download" event {"document": "book"|"report", "format", "period", "rows" (the
 *   book's), "address"} by the operator.
 * - Events (no session, actor "operator NAME (ROLE)", or "console" before a login succeeds):
 *   "console-login", "console-login-failed" (reason "wrong-password", "disabled" or
 *   "unknown-name"; an unknown name is not written, it may be a password typed in the wrong
 *   field), "console-lockout" ("scope": "name" or "address", "until"), "console-logout" ("reason":
 *   "logout", "idle", "max-age", "operator-disabled", "password-changed"),
 *   "console-password-change-failed" ("name", "role", "reason"), each with "address"; and, on
 *   the session's own record, "recording-viewed" {"segment", "address"} the first time a
 *   console session fetches a segment. Never a password, cookie or CSRF token.
 *
 * Threading: main context only. Ownership: rd_console_new() returns (transfer full).
 */
#pragma once

#include "config/rd-config.h"
#include "daemon/rd-daemon-control.h"
#include "ledger/rd-ledger.h"
#include "media/rd-media-room.h"
#include "signaling/rd-signal-console.h"

G_BEGIN_DECLS

#define RD_DAEMON_CONSOLE_MIN_PASSWORD  10  /* characters */
#define RD_CONSOLE_MAX_FAILURES         5   /* failed logins of one name ... */
#define RD_CONSOLE_MAX_ADDRESS_FAILURES 20  /* ... or from one address ... */
#define RD_CONSOLE_FAILURE_WINDOW_S     600 /* ... within this many seconds ... */
#define RD_CONSOLE_LOCKOUT_S            900 /* ... lock it for this long */
#define RD_CONSOLE_MAX_AGE_S            (12 * 3600)
#define RD_CONSOLE_MAX_TRACKED          4096
#define RD_CONSOLE_MAX_CHECKING         4 /* password checks at once (32 MiB each) */

typedef struct _RdConsole RdConsole;

/* Runs a method for an operator's request (the daemon's method table). */
typedef void (*RdConsoleDispatch) (RdControlRequest *request, gpointer user_data);

/* @answering is called before every answer of a method (the daemon's status); @room (transfer
 * none) must outlive the console. (transfer full) */
RdConsole *rd_console_new (RdConfig *config, RdLedger *ledger, RdRoom *room,
                           RdConsoleDispatch dispatch, RdControlAnswering answering,
                           gpointer user_data);
/* Ends every session (nothing is written: the daemon is stopping). Accepts NULL. */
void rd_console_free (RdConsole *console);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RdConsole, rd_console_free)

/* A new [console] idle-timeout, from the next request on. */
void rd_console_set_config (RdConsole *console, RdConfig *config);

/* Answers @request (the "console-request" signal's). */
void rd_console_handle (RdConsole *console, RdConsoleRequest *request);

/* Whether @cookie (the rd_console cookie's value) names a live session, for the console's status
 * feed (signaling's "console-session"); reading the feed is not an action, so it does not keep
 * the session from its idle timeout. A session found ended is ended as a request would. */
gboolean rd_console_cookie_is_live (RdConsole *console, const char *cookie);

/* Ends every session of operator @name (event "console-logout" with @reason each); how many. */
guint rd_console_end_sessions_of (RdConsole *console, const char *name, const char *reason);

G_END_DECLS
