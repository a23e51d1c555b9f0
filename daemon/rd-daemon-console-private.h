/* rd-daemon-console-private.h: RdConsole's fields and the pieces its files share:
 * rd-daemon-console.c (the API's routes, calls, recordings, previews), rd-daemon-console-login.c
 * (logins, lockouts, sessions), rd-daemon-console-password.c (an operator's own password) and
 * rd-daemon-console-download.c (the book and the report as documents). Main context only. */
#pragma once

#include "daemon/rd-daemon-console.h"
#include "ledger/rd-ledger-operators.h"

G_BEGIN_DECLS

typedef struct
{
  char *key; /* the cookie's SHA-256, hex: the table's key */
  char *name;
  char *role;
  char *actor; /* "operator NAME (ROLE)" */
  char *csrf;
  char *address;              /* where it logged in from */
  gint64 created_us, last_us; /* monotonic */
  GHashTable *viewed;         /* "SESSION/SEGMENT" of the recordings it has fetched */
} RdConsoleSession;

struct _RdConsole
{
  RdConfig *config;
  RdLedger *ledger;
  RdRoom *room; /* the daemon's: outlives the console */
  RdConsoleDispatch dispatch;
  RdControlAnswering answering;
  gpointer user_data;
  GHashTable *sessions; /* key -> RdConsoleSession* (owned) */
  GHashTable *failures; /* "name:N" / "address:A" -> Failures* (owned) */
  guint sweep_id;       /* ends idle sessions while any is live */
  guint logins;         /* password checks in worker threads (logins and changes) */
  guint downloads;      /* downloads not yet answered (rd-daemon-console-download.c) */
  gboolean freed;       /* set when freed with logins pending: they only clean up */
};

/* rd-daemon-console-login.c */
void rd_console_login (RdConsole *c, RdConsoleRequest *req);
/* Ends a worker job counted in @count (&c->logins or &c->downloads); TRUE, with @req answered
 * 503 "unavailable", when the console was freed meanwhile (freed now if it was the last job). */
gboolean rd_console_job_done (RdConsole *c, guint *count, RdConsoleRequest *req);
/* A string member of @o of at most @max bytes, or NULL. */
const char *rd_console_string_member (JsonObject *o, const char *name, gsize max);
/* Adds a console event (no session) by @actor with @detail's members (may be NULL) plus
 * "address". */
void rd_console_event (RdConsole *c, const char *actor, const char *kind, const char *address,
                       JsonObject *detail);
/* TRUE, with @req answered 429 "locked-out", when @name or @address is locked out now. */
gboolean rd_console_refuse_if_locked (RdConsole *c, RdConsoleRequest *req, const char *name,
                                      const char *address);
/* Counts a wrong password for @name (operator @op, or NULL) from @address toward both
 * lockouts; a lock that this reaches is written as "console-lockout". */
void rd_console_count_failures (RdConsole *c, const char *name, const RdLedgerOperator *op,
                                const char *address);
/* Ends every session of operator @name but the one whose key is @keep (may be NULL), each
 * with a "console-logout" event saying @reason; how many. */
guint rd_console_end_sessions_but (RdConsole *c, const char *name, const char *keep,
                                   const char *reason);
/* The live session of @req's cookie (its idle time counted from now when @action); NULL, with
 * @req answered 401, when there is none or it has ended. */
RdConsoleSession *rd_console_session_of (RdConsole *c, RdConsoleRequest *req, gboolean action);
/* Ends @s (removed and freed) with a "console-logout" event saying @reason. */
void rd_console_session_end (RdConsole *c, RdConsoleSession *s, const char *reason);
void rd_console_session_free (RdConsoleSession *s);

/* The HTTP status of a control method's error code (rd-daemon-console.h). */
guint rd_console_status_of (const char *code);

/* rd-daemon-console-download.c: GET /console/api/book.xlsx, book.pdf, report.xlsx, report.pdf. */
void rd_console_download (RdConsole *c, RdConsoleRequest *req);

/* rd-daemon-console-password.c: POST /console/api/password by @s, its CSRF token checked. */
void rd_console_change_password (RdConsole *c, RdConsoleRequest *req, RdConsoleSession *s);
/* The table of failed logins, RdConsole's @failures. (transfer full) */
GHashTable *rd_console_failures_new (void);

G_END_DECLS
