/* rd-signal-console.h: the room console under /console/ on RdSignalServer's HTTPS listener.
 *
 * Contract: every response under /console/ (pages, assets, the JSON API, errors included) goes
 * through rd_signal_console_set_headers(), which sets
 *   Cache-Control: no-store
 *   X-Content-Type-Options: nosniff
 *   Referrer-Policy: no-referrer
 *   X-Frame-Options: DENY
 *   Content-Security-Policy: RD_SIGNAL_CONSOLE_CSP
 * and removes the CORS headers every other response of the listener carries: the console is
 * read only by pages of its own origin.
 *
 * The JSON API under /console/api/ (rd-signal-console-api.c). Signaling decides by itself, from
 * HTTP alone (no knowledge of operators or sessions), in this order; every refusal is a JSON
 * body {"error": {"code": "...", "message": "..."}}:
 * - a path under /console/api/ that is not one of the routes below: 404 "not-found";
 * - a method the route does not take: 405 "method-not-allowed" with Allow;
 * - POST with an Origin header that is not this server's own origin ("https://" and the Host
 *   header the request came with), or with "Sec-Fetch-Site: cross-site": 403 "cross-origin";
 * - POST whose Content-Type is not application/json: 415 "unsupported-media-type";
 * - a body over 64 KiB: 413 "too-large"; a POST body that is not a JSON object: 400
 *   "bad-request";
 * - no handler connected to "console-request": 503 "unavailable".
 * Everything else (sessions, CSRF tokens, roles, the methods) is decided by the handler of
 * RdSignalServer's "console-request" signal:
 *   void handler (RdSignalServer *server, RdConsoleRequest *request, gpointer user_data)
 * which must answer exactly once, now or later, with one of the reply functions (the HTTP
 * response waits). A request not answered within 30 s is answered 504 "timeout"; a reply after
 * that, or after the client left, is dropped but still frees the request.
 *
 * Routes (RdConsoleApi): POST /console/api/login, POST /console/api/logout, GET
 * /console/api/session, POST /console/api/call, GET /console/api/recording?session=S&segment=N,
 * POST /console/api/password, GET /console/api/preview?source=camera|composite, and the
 * downloads GET /console/api/book.xlsx|book.pdf?from=D&to=D, GET
 * /console/api/report.xlsx|report.pdf?month=YYYY-MM.
 *
 * Threading: main context only (it touches a SoupServerMessage). Ownership: the request belongs
 * to signaling until it is answered; strings and the body are owned by the request.
 */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

#define RD_SIGNAL_CONSOLE_PATH "/console"
#define RD_SIGNAL_CONSOLE_CSP                                                                      \
  "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; "   \
  "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

/* Sets the console's security headers on @msg's response (replacing any earlier value). */
void rd_signal_console_set_headers (SoupServerMessage *msg);

/* The session cookie's name; its attributes are always "Path=/console/; Secure; HttpOnly;
 * SameSite=Strict". */
#define RD_SIGNAL_CONSOLE_COOKIE "rd_console"

typedef enum
{
  RD_CONSOLE_API_LOGIN,       /* POST /console/api/login */
  RD_CONSOLE_API_LOGOUT,      /* POST /console/api/logout */
  RD_CONSOLE_API_SESSION,     /* GET /console/api/session */
  RD_CONSOLE_API_CALL,        /* POST /console/api/call */
  RD_CONSOLE_API_RECORDING,   /* GET (or HEAD) /console/api/recording */
  RD_CONSOLE_API_PASSWORD,    /* POST /console/api/password */
  RD_CONSOLE_API_PREVIEW,     /* GET /console/api/preview */
  RD_CONSOLE_API_BOOK_XLSX,   /* GET /console/api/book.xlsx */
  RD_CONSOLE_API_BOOK_PDF,    /* GET /console/api/book.pdf */
  RD_CONSOLE_API_REPORT_XLSX, /* GET /console/api/report.xlsx */
  RD_CONSOLE_API_REPORT_PDF,  /* GET /console/api/report.pdf */
} RdConsoleApi;

typedef struct _RdConsoleRequest RdConsoleRequest;

RdConsoleApi rd_console_request_get_api (RdConsoleRequest *request);
/* A POST's body, a JSON object; NULL for GET. */
JsonObject *rd_console_request_get_body (RdConsoleRequest *request);
/* The value of the rd_console cookie, or NULL. Never log it. */
const char *rd_console_request_get_cookie (RdConsoleRequest *request);
/* The X-CSRF-Token header, or NULL. */
const char *rd_console_request_get_csrf (RdConsoleRequest *request);
/* A query parameter (%-decoded), or NULL. */
const char *rd_console_request_get_query (RdConsoleRequest *request, const char *name);
/* The client's IP address as text. */
const char *rd_console_request_get_remote_address (RdConsoleRequest *request);

/* @status with @body (JSON, transfer none; NULL: "{}") as application/json. @set_cookie: NULL
 * leaves the cookie alone, "" clears it (Max-Age=0), anything else is the new session cookie's
 * value. Frees @request. */
void rd_console_request_reply_json (RdConsoleRequest *request, guint status, JsonNode *body,
                                    const char *set_cookie);
/* @status (400-599) with {"error": {"code": @code, "message": @message}} plus @extra's members
 * in "error" (may be NULL); Retry-After: @retry_after_s when > 0. @clear_cookie also clears the
 * session cookie. Frees @request. */
void rd_console_request_reply_error (RdConsoleRequest *request, guint status, const char *code,
                                     const char *message, JsonObject *extra, guint retry_after_s,
                                     gboolean clear_cookie);
/* 200 with @bytes (transfer none) as @content_type. Frees @request. */
void rd_console_request_reply_bytes (RdConsoleRequest *request, const char *content_type,
                                     GBytes *bytes);
/* 200 with @bytes (transfer none) as @content_type, to be saved ("Content-Disposition:
 * attachment") as @name (UTF-8, sent %-encoded as filename*, RFC 6266) or, by a client that
 * reads only filename, @ascii_name (printable ASCII without quotes or backslashes). Frees
 * @request. */
void rd_console_request_reply_attachment (RdConsoleRequest *request, const char *content_type,
                                          GBytes *bytes, const char *ascii_name, const char *name);
/* 200 with the file at @path as @content_type, mapped, not read into memory; a Range request
 * gets 206 (or 416) as libsoup answers it; a file that cannot be opened, 404 "not-found". Frees
 * @request. */
void rd_console_request_reply_file (RdConsoleRequest *request, const char *path,
                                    const char *content_type);

G_END_DECLS
