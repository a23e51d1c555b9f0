/* rd-console-client.c: see rd-console-client.h. */
#include "console/rd-console-client.h"
#include "console/rd-console-error.h"

#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>
#include <string.h>

#include "proto/rd-proto.h"

GQuark
rd_console_error_quark (void)
{
  return g_quark_from_static_string ("rd-console-error-quark");
}

/* Reads one '\n'-terminated line of at most RD_PROTO_MAX_REPLY bytes. (transfer full) */
static char *
read_line (GInputStream *in, gsize *length, GError **error)
{
  g_autoptr (GByteArray) buf = g_byte_array_new ();
  guint8 chunk[4096];

  for (;;)
    {
      gssize n = g_input_stream_read (in, chunk, sizeof chunk, NULL, error);
      guint8 *nl;

      if (n < 0)
        return NULL;
      if (n == 0)
        {
          g_set_error (error, RD_CONSOLE_ERROR, RD_CONSOLE_ERROR_PROTOCOL,
                       "the daemon closed the connection without answering");
          return NULL;
        }
      g_byte_array_append (buf, chunk, n);
      nl = memchr (buf->data, '\n', buf->len);
      if (nl)
        {
          *length = nl - buf->data;
          return g_strndup ((const char *)buf->data, *length);
        }
      if (buf->len > RD_PROTO_MAX_REPLY)
        {
          g_set_error (error, RD_CONSOLE_ERROR, RD_CONSOLE_ERROR_PROTOCOL,
                       "the daemon's reply is larger than %d bytes", RD_PROTO_MAX_REPLY);
          return NULL;
        }
    }
}

JsonNode *
rd_console_call (const char *socket_path, const char *method, JsonNode *params, guint timeout_s,
                 GError **error)
{
  g_autoptr (JsonNode) request = rd_proto_request_new (method, params);
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GSocketAddress) address = g_unix_socket_address_new (socket_path);
  g_autoptr (GSocketConnection) conn = NULL;
  g_autoptr (GError) local = NULL;
  g_autoptr (JsonNode) reply = NULL;
  g_autofree char *out = NULL;
  g_autofree char *line = NULL;
  JsonObject *obj;
  gsize len;

  g_socket_client_set_timeout (client, timeout_s);
  conn = g_socket_client_connect (client, G_SOCKET_CONNECTABLE (address), NULL, &local);
  if (!conn)
    {
      g_set_error (error, RD_CONSOLE_ERROR, RD_CONSOLE_ERROR_UNREACHABLE,
                   "cannot reach receptiond at %s: %s (is it running? is --socket right?)",
                   socket_path, local->message);
      return NULL;
    }
  out = rd_proto_encode (request, &len);
  if (!g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (conn)), out, len,
                                  NULL, NULL, &local) ||
      !(line = read_line (g_io_stream_get_input_stream (G_IO_STREAM (conn)), &len, &local)))
    {
      g_set_error (error, RD_CONSOLE_ERROR, RD_CONSOLE_ERROR_PROTOCOL,
                   "talking to receptiond at %s: %s", socket_path, local->message);
      return NULL;
    }
  reply = rd_proto_decode (line, len, &local);
  if (!reply)
    {
      g_set_error (error, RD_CONSOLE_ERROR, RD_CONSOLE_ERROR_PROTOCOL, "receptiond's reply: %s",
                   local->message);
      return NULL;
    }
  obj = json_node_get_object (reply);
  if (json_object_get_boolean_member_with_default (obj, "ok", FALSE))
    {
      JsonNode *result = json_object_get_member (obj, "result");
      return result ? json_node_copy (result) : json_node_new (JSON_NODE_NULL);
    }
  {
    JsonObject *err = json_object_get_object_member (obj, "error");
    const char *code = err ? json_object_get_string_member_with_default (err, "code", "?") : "?";
    const char *message = err ? json_object_get_string_member_with_default (err, "message", "?")
                              : "the reply is neither a result nor an error";
    g_set_error (error, RD_CONSOLE_ERROR, RD_CONSOLE_ERROR_DAEMON, "%s (%s)", message, code);
  }
  return NULL;
}
