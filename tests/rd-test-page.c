/* rd-test-page.c: see rd-test-page.h. */
#include "tests/rd-test-page.h"

#include <libsoup/soup.h>
#include <string.h>

struct _RdTestPage
{
  SoupServer *server;
  char *html;
  char *url;
};

static void
serve (SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query,
       gpointer data)
{
  RdTestPage *page = data;

  soup_server_message_set_response (msg, "text/html", SOUP_MEMORY_COPY, page->html,
                                    strlen (page->html));
  soup_server_message_set_status (msg, 200, NULL);
}

static char *
read_source (const char *path)
{
  g_autofree char *full = g_build_filename (g_getenv ("RD_TEST_SRCDIR"), path, NULL);
  g_autoptr (GError) error = NULL;
  char *text = NULL;

  if (!g_file_get_contents (full, &text, NULL, &error))
    g_error ("%s", error->message);
  return text;
}

static RdTestPage *
serve_html (char *html)
{
  RdTestPage *page = g_new0 (RdTestPage, 1);
  g_autoptr (GError) error = NULL;
  GSList *uris;

  page->html = html;
  page->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (page->server, "/page", serve, page, NULL);
  if (!soup_server_listen_local (page->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error))
    g_error ("the test's page server: %s", error->message);
  uris = soup_server_get_uris (page->server);
  page->url = g_strdup_printf ("http://127.0.0.1:%d/page", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify)g_uri_unref);
  return page;
}

RdTestPage *
rd_test_page_new (const char *title, const char *first_script, ...)
{
  GString *html = g_string_new (NULL);
  va_list args;

  g_string_append_printf (html, "<!doctype html><meta charset=utf-8><title>%s</title><body>",
                          title);
  va_start (args, first_script);
  for (const char *path = first_script; path; path = va_arg (args, const char *))
    {
      g_autofree char *text = read_source (path);
      g_string_append_printf (html, "<script>%s</script>", text);
    }
  va_end (args);
  return serve_html (g_string_free (html, FALSE));
}

RdTestPage *
rd_test_page_new_from_file (const char *path)
{
  return serve_html (read_source (path));
}

const char *
rd_test_page_get_url (RdTestPage *page)
{
  return page->url;
}

void
rd_test_page_free (RdTestPage *page)
{
  if (!page)
    return;
  soup_server_disconnect (page->server);
  g_object_unref (page->server);
  g_free (page->html);
  g_free (page->url);
  g_free (page);
}

void
rd_test_page_fail (RdTestDaemon *daemon, const char *what)
{
  g_autofree char *log = daemon ? rd_test_daemon_stderr (daemon) : NULL;

  g_error ("%s%s%s", what, log ? "\nthe daemon's log:\n" : "", log ? log : "");
}

JsonNode *
rd_test_page_eval (RdTestChromium *chromium, RdTestDaemon *daemon, const char *js, guint timeout_ms)
{
  g_autoptr (GError) error = NULL;
  JsonNode *value = rd_test_chromium_eval (chromium, js, timeout_ms, &error);

  if (!value)
    {
      g_autofree char *what = g_strdup_printf ("%s: %s", js, error->message);
      rd_test_page_fail (daemon, what);
    }
  return value;
}

JsonNode *
rd_test_page_wait (RdTestChromium *chromium, RdTestDaemon *daemon, const char *condition,
                   const char *describe, guint timeout_ms)
{
  g_autoptr (GError) error = NULL;
  JsonNode *value = rd_test_chromium_wait (chromium, condition, describe, timeout_ms, &error);

  if (!value)
    rd_test_page_fail (daemon, error->message);
  return value;
}
