/* rd-test-console-stub.h: the web console (signaling/console/) served by a test: a libsoup
 * server on 127.0.0.1 (plain HTTP, in the test's own network namespace) with the console's files
 * (rd_signal_console_assets_attach()), its status feed (rd-signal-console-events.h) and a stub
 * of the JSON API of /console/api/ that keeps a small room in memory (a live session, the
 * recording's state, parties, registrations) and records every call.
 *
 * The stub's accounts: "kythuat" (technician), "canbo" (officer), "giamsat" (supervisor), each
 * with the password "mat-khau-dung". Three wrong passwords in a row lock the name out (429
 * "locked-out"). The cookie is "rd_console=<name>"; the CSRF token "csrf-<name>". The API
 * refuses (403 "forbidden") what the name's role may not do, and (403 "csrf") a state change
 * without the token, as the daemon's API does.
 *
 * Ownership: the stub owns its server and records. Threading: the test's main thread; the
 * server answers on the default main context, which the test's waits iterate.
 */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "signaling/rd-signal-console-events.h"

typedef struct
{
  SoupServer *server;
  RdSignalConsoleEvents *events;
  char *origin;         /* http://127.0.0.1:<port> */
  GPtrArray *calls;     /* "name method params-json" of each /console/api/call answered */
  GHashTable *failures; /* name -> wrong passwords in a row (GUINT_TO_POINTER) */
  /* The room. */
  char *live_session; /* NULL: idle */
  char *rec_state;    /* "recording", "paused" */
  char *rec_reason;
  guint parties;
  JsonArray *registrations;
  GHashTable *identities; /* registration id -> the name a reveal shows */
  char *recording_path;   /* a WebM file served as segment 1, or NULL */
  guint push_timer;       /* the status to the feed every second */
} RdTestConsole;

RdTestConsole *rd_test_console_new (void);
void rd_test_console_free (RdTestConsole *stub);

/* The status JSON as the daemon's "status" would give it for the stub's room. (transfer full) */
char *rd_test_console_status (RdTestConsole *stub);
/* Pushes the status to the feed now. */
void rd_test_console_push (RdTestConsole *stub);
/* How many calls of @method the stub answered (refused ones included). */
guint rd_test_console_count_calls (RdTestConsole *stub, const char *method);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RdTestConsole, rd_test_console_free)
