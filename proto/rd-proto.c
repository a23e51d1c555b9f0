/* rd-proto.c: framing of the control protocol. See rd-proto.h. */
#include "proto/rd-proto.h"
#include "proto/rd-proto-error.h"

#include <string.h>

GQuark
rd_proto_error_quark (void)
{
  return g_quark_from_static_string ("rd-proto-error-quark");
}

char *
rd_proto_encode (JsonNode *message, gsize *length)
{
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autofree char *text = NULL;
  gsize len;
  char *line;

  json_generator_set_root (gen, message);
  text = json_generator_to_data (gen, &len);
  line = g_malloc (len + 2);
  memcpy (line, text, len);
  line[len] = '\n';
  line[len + 1] = '\0';
  if (length)
    *length = len + 1;
  return line;
}

/* Whether @line escapes a NUL character (\u0000) in a string: json-glib would cut the text
 * there without a word, so "A\u0000B" would be kept as "A". */
static gboolean
escapes_nul (const char *line, gsize length)
{
  for (gsize i = 0; i + 1 < length; i++)
    if (line[i] == '\\')
      {
        if (line[i + 1] == 'u' && i + 5 < length && strncmp (line + i + 2, "0000", 4) == 0)
          return TRUE;
        i++; /* the escaped character, whatever it is (an escaped backslash among them) */
      }
  return FALSE;
}

gboolean
rd_proto_check_no_nul (const char *text, gsize length, GError **error)
{
  if (!escapes_nul (text, length))
    return TRUE;
  g_set_error (error, RD_PROTO_ERROR, RD_PROTO_ERROR_MALFORMED,
               "a text has a NUL character (\\u0000), which would cut it there");
  return FALSE;
}

JsonNode *
rd_proto_decode (const char *line, gsize length, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) local = NULL;
  JsonNode *root;

  if (!g_utf8_validate (line, length, NULL))
    {
      g_set_error (error, RD_PROTO_ERROR, RD_PROTO_ERROR_MALFORMED, "the message is not UTF-8");
      return NULL;
    }
  if (!rd_proto_check_no_nul (line, length, error))
    return NULL;
  if (!json_parser_load_from_data (parser, line, length, &local))
    {
      g_set_error (error, RD_PROTO_ERROR, RD_PROTO_ERROR_MALFORMED, "the message is not JSON: %s",
                   local->message);
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (!root || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, RD_PROTO_ERROR, RD_PROTO_ERROR_MALFORMED,
                   "the message is not a JSON object");
      return NULL;
    }
  return json_node_copy (root);
}

JsonNode *
rd_proto_request_new (const char *method, JsonNode *params)
{
  JsonObject *obj = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_object_set_string_member (obj, "method", method);
  if (params)
    json_object_set_member (obj, "params", params);
  json_node_take_object (node, obj);
  return node;
}

JsonNode *
rd_proto_reply_ok (JsonNode *result)
{
  JsonObject *obj = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_object_set_boolean_member (obj, "ok", TRUE);
  json_object_set_member (obj, "result", result ? result : json_node_new (JSON_NODE_NULL));
  json_node_take_object (node, obj);
  return node;
}

JsonNode *
rd_proto_reply_error (const char *code, const char *message)
{
  JsonObject *obj = json_object_new ();
  JsonObject *err = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_object_set_string_member (err, "code", code);
  json_object_set_string_member (err, "message", message);
  json_object_set_boolean_member (obj, "ok", FALSE);
  json_object_set_object_member (obj, "error", err);
  json_node_take_object (node, obj);
  return node;
}

gboolean
rd_proto_parse_request (JsonNode *request, const char **method, JsonObject **params, GError **error)
{
  JsonObject *obj = json_node_get_object (request);
  JsonNode *m = json_object_get_member (obj, "method");
  JsonNode *p = json_object_get_member (obj, "params");

  if (!m || !JSON_NODE_HOLDS_VALUE (m) || json_node_get_value_type (m) != G_TYPE_STRING)
    {
      g_set_error (error, RD_PROTO_ERROR, RD_PROTO_ERROR_MALFORMED,
                   "the request has no \"method\" string");
      return FALSE;
    }
  if (p && !JSON_NODE_HOLDS_OBJECT (p) && !JSON_NODE_HOLDS_NULL (p))
    {
      g_set_error (error, RD_PROTO_ERROR, RD_PROTO_ERROR_MALFORMED,
                   "the request's \"params\" is not an object");
      return FALSE;
    }
  *method = json_node_get_string (m);
  *params = (p && JSON_NODE_HOLDS_OBJECT (p)) ? json_node_get_object (p) : NULL;
  return TRUE;
}
