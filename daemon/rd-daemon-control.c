/* rd-daemon-control.c: the control socket server. See rd-daemon-control.h. */
#define _GNU_SOURCE /* struct ucred (SO_PEERCRED) */
#include "daemon/rd-daemon-control.h"
#include "daemon/rd-daemon-error.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <gio/gunixsocketaddress.h>

#include "proto/rd-proto.h"

#define CHUNK 4096

struct _RdControlServer
{
  GSocketService *service;
  char *path;
  RdControlHandler handler;
  RdControlAnswering answering;
  gpointer user_data;
  GList *clients; /* Client*, each holding one reference for this list */
};

typedef struct
{
  gatomicrefcount ref;
  RdControlServer *server; /* NULL once the client is closed */
  GSocketConnection *conn;
  GCancellable *cancel;
  GByteArray *buf;
  char *actor;
  RdControlPeer peer; /* its groups owned */
  guint idle_id;
  gboolean busy; /* a request is with the handler or a reply is being written */
  gboolean close_after_write;
  guint8 chunk[CHUNK];
} Client;

struct _RdControlRequest
{
  Client *client; /* strong; NULL for an operator's request */
  JsonNode *message;
  const char *method;
  JsonObject *params;
  /* An operator's request: who, and where its answer goes. */
  char *actor;
  char *role;
  char *address;
  RdControlReplyFunc reply;
  gpointer reply_data;
};

static void client_read_more (Client *c);
static void client_process (Client *c);

static Client *
client_ref (Client *c)
{
  g_atomic_ref_count_inc (&c->ref);
  return c;
}

static void
client_unref (Client *c)
{
  if (!g_atomic_ref_count_dec (&c->ref))
    return;
  g_clear_object (&c->conn);
  g_clear_object (&c->cancel);
  g_byte_array_unref (c->buf);
  g_free (c->actor);
  g_free ((gid_t *)c->peer.groups);
  g_free (c);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Client, client_unref)

static void
client_close (Client *c)
{
  RdControlServer *server = c->server;

  if (!server)
    return;
  c->server = NULL;
  g_clear_handle_id (&c->idle_id, g_source_remove);
  g_cancellable_cancel (c->cancel);
  g_io_stream_close (G_IO_STREAM (c->conn), NULL, NULL);
  server->clients = g_list_remove (server->clients, c);
  client_unref (c);
}

typedef struct
{
  Client *client; /* strong */
  char *line;
} WriteOp;

static void
on_written (GObject *source, GAsyncResult *res, gpointer data)
{
  WriteOp *op = data;
  Client *c = op->client;
  gboolean ok = g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), res, NULL, NULL);

  c->busy = FALSE;
  if (c->server)
    {
      if (!ok || c->close_after_write)
        client_close (c);
      else
        client_process (c);
    }
  client_unref (c);
  g_free (op->line);
  g_free (op);
}

/* Sends @reply (taken) to the client; reading resumes once it is written. */
static void
client_send (Client *c, JsonNode *reply, gboolean close_after)
{
  g_autoptr (JsonNode) owned = reply;
  WriteOp *op;
  gsize len;

  if (!c->server)
    return;
  op = g_new0 (WriteOp, 1);
  op->client = client_ref (c);
  op->line = rd_proto_encode (owned, &len);
  c->busy = TRUE;
  c->close_after_write = close_after;
  g_clear_handle_id (&c->idle_id, g_source_remove);
  g_output_stream_write_all_async (g_io_stream_get_output_stream (G_IO_STREAM (c->conn)), op->line,
                                   len, G_PRIORITY_DEFAULT, c->cancel, on_written, op);
}

static void
client_send_error (Client *c, const char *code, const char *message, gboolean close_after)
{
  client_send (c, rd_proto_reply_error (code, message), close_after);
}

static void
send_too_large (Client *c)
{
  g_autofree char *message = g_strdup_printf (
      "the request is larger than %d bytes; closing the connection", RD_PROTO_MAX_REQUEST);
  client_send_error (c, RD_PROTO_CODE_TOO_LARGE, message, TRUE);
}

static gboolean
on_idle_timeout (gpointer data)
{
  Client *c = data;

  c->idle_id = 0;
  client_send_error (c, RD_PROTO_CODE_TIMEOUT,
                     "no complete request within the time allowed; closing the connection", TRUE);
  return G_SOURCE_REMOVE;
}

static void
client_dispatch (Client *c, const char *line, gsize len)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) message = rd_proto_decode (line, len, &error);
  RdControlRequest *req;
  const char *method;
  JsonObject *params;

  if (!message || !rd_proto_parse_request (message, &method, &params, &error))
    {
      client_send_error (c, RD_PROTO_CODE_BAD_REQUEST, error->message, FALSE);
      return;
    }
  req = g_new0 (RdControlRequest, 1);
  req->client = client_ref (c);
  req->message = g_steal_pointer (&message);
  req->method = method;
  req->params = params;
  c->busy = TRUE;
  c->server->handler (req, c->server->user_data);
}

/* Handles every complete line in the buffer, one at a time, then reads more. */
static void
client_process (Client *c)
{
  guint8 *nl;
  gsize len;

  if (c->busy || !c->server)
    return;
  nl = memchr (c->buf->data, '\n', c->buf->len);
  if (!nl)
    {
      if (c->buf->len > RD_PROTO_MAX_REQUEST)
        send_too_large (c);
      else
        client_read_more (c);
      return;
    }
  len = nl - c->buf->data;
  if (len > RD_PROTO_MAX_REQUEST)
    {
      send_too_large (c);
      return;
    }
  {
    g_autofree char *line = g_strndup ((const char *)c->buf->data, len);
    g_byte_array_remove_range (c->buf, 0, len + 1);
    if (len == 0)
      client_process (c); /* an empty line is not a request: skip it */
    else
      client_dispatch (c, line, len);
  }
}

static void
on_read (GObject *source, GAsyncResult *res, gpointer data)
{
  g_autoptr (Client) c = data;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), res, NULL);

  if (!c->server)
    return;
  g_clear_handle_id (&c->idle_id, g_source_remove);
  if (n <= 0)
    {
      if (n == 0 && c->buf->len > 0)
        client_send_error (c, RD_PROTO_CODE_BAD_REQUEST,
                           "the connection ended in the middle of a request (no newline)", TRUE);
      else
        client_close (c);
      return;
    }
  g_byte_array_append (c->buf, c->chunk, n);
  client_process (c);
}

/* Waits for more bytes, for at most RD_PROTO_IDLE_TIMEOUT_S seconds. */
static void
client_read_more (Client *c)
{
  g_clear_handle_id (&c->idle_id, g_source_remove);
  c->idle_id = g_timeout_add_seconds (RD_PROTO_IDLE_TIMEOUT_S, on_idle_timeout, c);
  g_input_stream_read_async (g_io_stream_get_input_stream (G_IO_STREAM (c->conn)), c->chunk,
                             sizeof c->chunk, G_PRIORITY_DEFAULT, c->cancel, on_read,
                             client_ref (c));
}

static char *
actor_for (GSocketConnection *conn)
{
  g_autoptr (GCredentials) cred =
      g_socket_get_credentials (g_socket_connection_get_socket (conn), NULL);
  struct passwd pw, *found = NULL;
  char buf[1024];
  uid_t uid;

  if (!cred)
    return g_strdup ("uid=?");
  uid = g_credentials_get_unix_user (cred, NULL);
  if (getpwuid_r (uid, &pw, buf, sizeof buf, &found) == 0 && found)
    return g_strdup_printf ("uid=%u(%s)", (guint)uid, found->pw_name);
  return g_strdup_printf ("uid=%u", (guint)uid);
}

/* The groups /etc/group gives @uid's user, with @gid. (transfer full) */
static gid_t *
user_groups (uid_t uid, gid_t gid, guint *n_groups)
{
  struct passwd pw, *found = NULL;
  char buf[1024];
  int n = 64;
  gid_t *groups = g_new (gid_t, n);

  *n_groups = 0;
  if (getpwuid_r (uid, &pw, buf, sizeof buf, &found) != 0 || !found)
    return groups;
  if (getgrouplist (found->pw_name, gid, groups, &n) < 0)
    {
      groups = g_renew (gid_t, groups, n); /* n is now the number needed */
      if (getgrouplist (found->pw_name, gid, groups, &n) < 0)
        return groups;
    }
  *n_groups = n;
  return groups;
}

/* The peer's supplementary groups: SO_PEERGROUPS (Linux 4.13), the groups of the connecting
 * process itself; without it, what /etc/group gives the peer's user. */
static void
peer_groups (GSocket *socket, RdControlPeer *peer)
{
  socklen_t len = 64 * sizeof (gid_t);
  gid_t *groups = g_malloc (len);
  int fd = g_socket_get_fd (socket);
  int rc = getsockopt (fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len);

  if (rc != 0 && errno == ERANGE)
    {
      groups = g_realloc (groups, len); /* len is now the size needed */
      rc = getsockopt (fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len);
    }
  if (rc != 0)
    {
      g_free (groups);
      peer->groups = user_groups (peer->uid, peer->gid, &peer->n_groups);
      return;
    }
  peer->groups = groups;
  peer->n_groups = len / sizeof (gid_t);
}

static void
peer_for (GSocketConnection *conn, RdControlPeer *peer)
{
  GSocket *socket = g_socket_connection_get_socket (conn);
  struct ucred cred;
  socklen_t len = sizeof cred;

  if (getsockopt (g_socket_get_fd (socket), SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 ||
      len != sizeof cred)
    return;
  peer->known = TRUE;
  peer->uid = cred.uid;
  peer->gid = cred.gid;
  peer_groups (socket, peer);
}

static gboolean
on_incoming (GSocketService *service, GSocketConnection *conn, GObject *source, gpointer data)
{
  RdControlServer *server = data;
  Client *c = g_new0 (Client, 1);

  g_atomic_ref_count_init (&c->ref);
  c->server = server;
  c->conn = g_object_ref (conn);
  c->cancel = g_cancellable_new ();
  c->buf = g_byte_array_new ();
  c->actor = actor_for (conn);
  peer_for (conn, &c->peer);
  server->clients = g_list_prepend (server->clients, c);
  client_read_more (c);
  return TRUE;
}

const char *
rd_control_request_get_method (RdControlRequest *r)
{
  return r->method;
}

JsonObject *
rd_control_request_get_params (RdControlRequest *r)
{
  return r->params;
}

const char *
rd_control_request_get_actor (RdControlRequest *r)
{
  return r->client ? r->client->actor : r->actor;
}

const RdControlPeer *
rd_control_request_get_peer (RdControlRequest *r)
{
  static const RdControlPeer unknown = { FALSE };

  return r->client ? &r->client->peer : &unknown;
}

RdControlRequest *
rd_control_request_new_operator (const char *method, JsonObject *params, const char *name,
                                 const char *role, const char *address, RdControlReplyFunc reply,
                                 gpointer user_data)
{
  RdControlRequest *r = g_new0 (RdControlRequest, 1);
  JsonObject *o = json_object_new ();

  g_return_val_if_fail (method && name && role && reply, NULL);
  json_object_set_string_member (o, "method", method);
  if (params) /* a deep copy: the handler owns what it reads */
    {
      g_autoptr (JsonNode) wrap = json_node_new (JSON_NODE_OBJECT);
      g_autofree char *text = NULL;

      json_node_set_object (wrap, params);
      text = json_to_string (wrap, FALSE);
      json_object_set_member (o, "params", json_from_string (text, NULL));
    }
  r->message = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (r->message, o);
  r->method = json_object_get_string_member (o, "method");
  r->params = params ? json_object_get_object_member (o, "params") : NULL;
  r->actor = g_strdup_printf ("operator %s (%s)", name, role);
  r->role = g_strdup (role);
  r->address = g_strdup (address);
  r->reply = reply;
  r->reply_data = user_data;
  return r;
}

gboolean
rd_control_request_get_operator_role (RdControlRequest *r, const char **role)
{
  *role = r->role;
  return r->client == NULL;
}

const char *
rd_control_request_get_address (RdControlRequest *r)
{
  return r->address;
}

static void
request_free (RdControlRequest *r)
{
  if (r->client)
    client_unref (r->client);
  json_node_unref (r->message);
  g_free (r->actor);
  g_free (r->role);
  g_free (r->address);
  g_free (r);
}

/* Tells the server's owner an answer is about to be sent. */
static void
request_answering (RdControlRequest *r)
{
  RdControlServer *server = r->client ? r->client->server : NULL;

  if (server && server->answering)
    server->answering (server->user_data);
}

/* Sends @reply (taken) to wherever @r came from, and frees @r. */
static void
request_send (RdControlRequest *r, JsonNode *reply)
{
  request_answering (r);
  if (r->client)
    {
      r->client->busy = FALSE;
      client_send (r->client, reply, FALSE);
    }
  else
    r->reply (reply, r->reply_data);
  request_free (r);
}

void
rd_control_request_reply (RdControlRequest *r, JsonNode *result)
{
  request_send (r, rd_proto_reply_ok (result));
}

void
rd_control_request_reply_error (RdControlRequest *r, const char *code, const char *format, ...)
{
  g_autofree char *message = NULL;
  va_list ap;

  va_start (ap, format);
  message = g_strdup_vprintf (format, ap);
  va_end (ap);
  request_send (r, rd_proto_reply_error (code, message));
}

/* Removes a stale socket left by a crash; refuses to touch anything that is not a socket. */
static gboolean
clear_stale_socket (const char *path, GError **error)
{
  struct stat st;

  if (lstat (path, &st) != 0)
    return TRUE;
  if (!S_ISSOCK (st.st_mode))
    {
      g_set_error (error, RD_DAEMON_ERROR, RD_DAEMON_ERROR_CONTROL,
                   "control socket %s: the path exists and is not a socket; not replacing it",
                   path);
      return FALSE;
    }
  if (unlink (path) != 0)
    {
      g_set_error (error, RD_DAEMON_ERROR, RD_DAEMON_ERROR_CONTROL,
                   "control socket %s: cannot remove the stale socket: %s", path,
                   g_strerror (errno));
      return FALSE;
    }
  return TRUE;
}

static gboolean
set_group (const char *path, const char *group, GError **error)
{
  struct group gr, *found = NULL;
  char buf[4096];

  if (!group)
    return TRUE;
  if (getgrnam_r (group, &gr, buf, sizeof buf, &found) != 0 || !found)
    {
      g_set_error (error, RD_DAEMON_ERROR, RD_DAEMON_ERROR_CONTROL,
                   "control socket %s: [control] group '%s' does not exist", path, group);
      return FALSE;
    }
  if (chown (path, (uid_t)-1, found->gr_gid) != 0)
    {
      g_set_error (error, RD_DAEMON_ERROR, RD_DAEMON_ERROR_CONTROL,
                   "control socket %s: cannot give it to group '%s': %s", path, group,
                   g_strerror (errno));
      return FALSE;
    }
  return TRUE;
}

RdControlServer *
rd_control_server_new (const char *path, const char *group, RdControlHandler handler,
                       RdControlAnswering answering, gpointer user_data, GError **error)
{
  g_autoptr (RdControlServer) server = g_new0 (RdControlServer, 1);
  g_autoptr (GSocketAddress) address = NULL;
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr (GError) local = NULL;
  mode_t old_mask;
  gboolean ok;

  server->handler = handler;
  server->answering = answering;
  server->user_data = user_data;
  server->service = g_socket_service_new ();
  g_signal_connect (server->service, "incoming", G_CALLBACK (on_incoming), server);

  if (g_mkdir_with_parents (dir, 0750) != 0)
    {
      g_set_error (error, RD_DAEMON_ERROR, RD_DAEMON_ERROR_CONTROL,
                   "control socket %s: cannot create its directory: %s", path, g_strerror (errno));
      return NULL;
    }
  if (!clear_stale_socket (path, error))
    return NULL;
  address = g_unix_socket_address_new (path);
  old_mask = umask (0117); /* the socket is born 0660: no window with wider access */
  ok = g_socket_listener_add_address (G_SOCKET_LISTENER (server->service), address,
                                      G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT, NULL, NULL,
                                      &local);
  umask (old_mask);
  if (!ok)
    {
      g_set_error (error, RD_DAEMON_ERROR, RD_DAEMON_ERROR_CONTROL,
                   "control socket %s: cannot listen: %s", path, local->message);
      return NULL;
    }
  server->path = g_strdup (path); /* ours now: removed on free */
  if (!set_group (path, group, error))
    return NULL;
  g_socket_service_start (server->service);
  return g_steal_pointer (&server);
}

void
rd_control_server_free (RdControlServer *server)
{
  if (!server)
    return;
  while (server->clients)
    client_close (server->clients->data);
  if (server->service)
    {
      g_socket_service_stop (server->service);
      g_socket_listener_close (G_SOCKET_LISTENER (server->service));
      g_signal_handlers_disconnect_by_data (server->service, server);
      g_clear_object (&server->service);
      if (server->path)
        unlink (server->path);
    }
  g_free (server->path);
  g_free (server);
}
