/* rd-signal-console-assets.c: the web console's files (see rd-signal-console-assets.h). The
 * bytes are signaling/console/, compiled into a GResource by signaling/console/CMakeLists.txt. */
#include "signaling/rd-signal-console-assets.h"
#include "signaling/rd-signal-console.h"

#include <string.h>

#define RESOURCE_PREFIX "/org/receptiond/console/"
/* Defined in the generated rd-signal-console-resource.c. */
extern GResource *rd_signal_console_get_resource (void);

GBytes *
rd_signal_console_assets_lookup (const char *name)
{
  g_autofree char *path = NULL;

  /* Names are flat: no directories, no dot files. */
  if (!name || !*name || name[0] == '.' || strchr (name, '/') || strchr (name, '%'))
    return NULL;
  path = g_strconcat (RESOURCE_PREFIX, name, NULL);
  return g_resource_lookup_data (rd_signal_console_get_resource (), path,
                                 G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
}

static const char *
content_type (const char *name)
{
  if (g_str_has_suffix (name, ".html"))
    return "text/html; charset=utf-8";
  if (g_str_has_suffix (name, ".css"))
    return "text/css; charset=utf-8";
  if (g_str_has_suffix (name, ".js"))
    return "text/javascript; charset=utf-8";
  return "application/octet-stream";
}

static void
handle_console (SoupServer *soup, SoupServerMessage *msg, const char *path, GHashTable *query,
                gpointer user_data)
{
  const char *method = soup_server_message_get_method (msg);
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  g_autoptr (GBytes) file = NULL;
  const char *name;

  rd_signal_console_set_headers (msg);
  if (g_str_equal (path, RD_SIGNAL_CONSOLE_PATH))
    {
      soup_server_message_set_redirect (msg, SOUP_STATUS_PERMANENT_REDIRECT,
                                        RD_SIGNAL_CONSOLE_PATH "/");
      return;
    }
  if (!g_str_has_prefix (path, RD_SIGNAL_CONSOLE_PATH "/"))
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      return;
    }
  name = path + strlen (RD_SIGNAL_CONSOLE_PATH "/");
  if (!*name)
    name = "index.html";
  file = rd_signal_console_assets_lookup (name);
  if (!file)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      return;
    }
  if (!g_str_equal (method, "GET") && !g_str_equal (method, "HEAD"))
    {
      soup_message_headers_replace (headers, "Allow", "GET, HEAD");
      soup_server_message_set_status (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, NULL);
      return;
    }
  soup_message_headers_replace (headers, "Content-Type", content_type (name));
  soup_message_body_append_bytes (soup_server_message_get_response_body (msg), file);
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
}

void
rd_signal_console_assets_attach (SoupServer *soup)
{
  g_return_if_fail (SOUP_IS_SERVER (soup));
  soup_server_add_handler (soup, RD_SIGNAL_CONSOLE_PATH, handle_console, NULL, NULL);
}
