/* rd-daemon-control.h: the control socket that receptionctl talks to (protocol: proto/rd-proto.h).
 *
 * Contract: an RdControlServer listens on a Unix stream socket (mode 0660, group as configured),
 * reads requests asynchronously, and hands each well-formed one to its handler as an
 * RdControlRequest. Malformed, oversized and idle connections are answered (or closed) here
 * and never reach the handler; the main loop never blocks on a client. A handler answers exactly
 * once, at once or later (the request stays valid until answered). Requests on one connection are
 * handled one at a time, in order.
 *
 * The socket path is only ever replaced when what is there is a socket (a stale one from a
 * crash; the daemon's state-dir lock guarantees no other daemon uses it).
 *
 * Threading: main context only.
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <sys/types.h>

G_BEGIN_DECLS

typedef struct _RdControlRequest RdControlRequest;

/* The method name and its params object (NULL when the request had none); owned by @request. */
const char *rd_control_request_get_method (RdControlRequest *request);
JsonObject *rd_control_request_get_params (RdControlRequest *request);
/* Who sent it: "uid=1000(ana)" from the socket's peer credentials, or "operator NAME (ROLE)"
 * for an operator's request. Owned by @request. */
const char *rd_control_request_get_actor (RdControlRequest *request);

/* The process at the other end of the connection, as the kernel saw it when it connected
 * (SO_PEERCRED; its supplementary groups from SO_PEERGROUPS, or, on a kernel without it, the
 * groups /etc/group gives its user). @known is FALSE when the kernel did not say: such a peer
 * holds no role. */
typedef struct
{
  gboolean known;
  uid_t uid;
  gid_t gid;           /* its effective group */
  const gid_t *groups; /* its supplementary groups */
  guint n_groups;
} RdControlPeer;

/* Owned by @request. An operator's request has a peer that is not known. */
const RdControlPeer *rd_control_request_get_peer (RdControlRequest *request);

/* An operator's request (the room console, rd-daemon-console.c): the same methods as the
 * socket's, run as the operator @name with @role ("technician", "officer" or "supervisor")
 * instead of a Unix user, from @address (the client's IP address, as text). Its answer, the whole
 * reply message as the socket would send it
 * ({"ok": true, "result": ...} or {"ok": false, "error": {...}}, transfer full), goes to @reply
 * with @user_data, once; the request is freed after. @params may be NULL; it is copied.
 * (transfer full: the handler's answer frees it) */
typedef void (*RdControlReplyFunc) (JsonNode *reply, gpointer user_data);
RdControlRequest *rd_control_request_new_operator (const char *method, JsonObject *params,
                                                   const char *name, const char *role,
                                                   const char *address, RdControlReplyFunc reply,
                                                   gpointer user_data);
/* TRUE for an operator's request, with its role ("technician", ...; owned by @request). */
gboolean rd_control_request_get_operator_role (RdControlRequest *request, const char **role);
/* An operator's request: the address it came from; NULL for the socket's. (transfer none) */
const char *rd_control_request_get_address (RdControlRequest *request);

/* Answers and frees @request. rd_control_request_reply takes ownership of @result (may be
 * NULL). */
void rd_control_request_reply (RdControlRequest *request, JsonNode *result);
void rd_control_request_reply_error (RdControlRequest *request, const char *code,
                                     const char *format, ...) G_GNUC_PRINTF (3, 4);

typedef void (*RdControlHandler) (RdControlRequest *request, gpointer user_data);
/* Called just before each answer of a handled request is sent (after the handler's work). */
typedef void (*RdControlAnswering) (gpointer user_data);

typedef struct _RdControlServer RdControlServer;

/* Binds and listens on @path. @group and @answering may be NULL. (transfer full) */
RdControlServer *rd_control_server_new (const char *path, const char *group,
                                        RdControlHandler handler, RdControlAnswering answering,
                                        gpointer user_data, GError **error);
/* Stops listening, closes every connection (pending requests are dropped unanswered) and removes
 * the socket file. Accepts NULL. */
void rd_control_server_free (RdControlServer *server);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RdControlServer, rd_control_server_free)

G_END_DECLS
