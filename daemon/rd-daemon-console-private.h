/* rd-daemon-console-private.h: RdConsole's fields and the pieces its two files share:
 * rd-daemon-console.c (the API's routes, calls, recordings) and rd-daemon-console-login.c
 * (logins, lockouts, sessions). Main context only. */
#pragma once

#include "daemon/rd-daemon-console.h"

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
  RdConsoleDispatch dispatch;
  RdControlAnswering answering;
  gpointer user_data;
  GHashTable *sessions; /* key -> RdConsoleSession* (owned) */
  GHashTable *failures; /* "name:N" / "address:A" -> Failures* (owned) */
  guint sweep_id;       /* ends idle sessions while any is live */
  guint logins;         /* login checks in worker threads */
  gboolean freed;       /* set when freed with logins pending: they only clean up */
};

/* rd-daemon-console-login.c */
void rd_console_login (RdConsole *c, RdConsoleRequest *req);
/* The live session of @req's cookie (its idle time counted from now when @action); NULL, with
 * @req answered 401, when there is none or it has ended. */
RdConsoleSession *rd_console_session_of (RdConsole *c, RdConsoleRequest *req, gboolean action);
/* Ends @s (removed and freed) with a "console-logout" event saying @reason. */
void rd_console_session_end (RdConsole *c, RdConsoleSession *s, const char *reason);
void rd_console_session_free (RdConsoleSession *s);
/* The table of failed logins, RdConsole's @failures. (transfer full) */
GHashTable *rd_console_failures_new (void);

G_END_DECLS
