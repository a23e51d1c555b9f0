/* rd-signal-client-shown.c: what the WHIP/WHEP client's messages show of URLs and of the words
 * of servers and libraries: the shown URL (no query, fragment or user-info), the secrets scrubbed
 * from those words, and the error for an HTTP status the client does not take. See
 * rd-signal-client.h and rd-signal-client-private.h for the contract. */
#include "signaling/rd-signal-client-private.h"
#include "signaling/rd-signal-error.h"

#include <string.h>

#define BODY_EXCERPT_MAX 200 /* characters of a body's first line */

char *
rd_signal_client_shown_url (const char *url)
{
  GString *out;
  const char *authority, *end, *at;
  gsize scheme_len;

  if (!url)
    return g_strdup ("(none)");
  /* RFC 3986: '?' and '#' cannot stand before the query in a URL; '@' before the first '/' of
   * the authority ends the user-info. Cut by hand, so that a string GUri refuses is cut too. */
  out = g_string_new_len (url, strcspn (url, "?#"));
  scheme_len =
      strspn (out->str, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.");
  if (scheme_len > 0 && g_str_has_prefix (out->str + scheme_len, "://"))
    {
      authority = out->str + scheme_len + 3;
      end = authority + strcspn (authority, "/");
      at = g_strrstr_len (authority, end - authority, "@");
      if (at)
        g_string_erase (out, authority - out->str, at + 1 - authority);
    }
  return g_string_free (out, FALSE);
}

typedef struct
{
  char *value;
  const char *label;
} Secret;

static void
secret_free (gpointer data)
{
  Secret *secret = data;

  memset (secret->value, 0, strlen (secret->value));
  g_free (secret->value);
  g_free (secret);
}

/* Longest first: a secret that holds another is replaced whole. */
static gint
longer_first (gconstpointer a, gconstpointer b)
{
  gsize la = strlen ((*(Secret *const *)a)->value), lb = strlen ((*(Secret *const *)b)->value);

  return la == lb ? 0 : la > lb ? -1 : 1;
}

static void
secret_add (GPtrArray *secrets, const char *value, const char *label)
{
  Secret *secret;

  if (!value || g_utf8_strlen (value, -1) < RD_SIGNAL_SECRET_MIN_LEN)
    return;
  for (guint i = 0; i < secrets->len; i++)
    if (strcmp (((Secret *)secrets->pdata[i])->value, value) == 0)
      return;
  secret = g_new0 (Secret, 1);
  secret->value = g_strdup (value);
  secret->label = label;
  g_ptr_array_add (secrets, secret);
  g_ptr_array_sort (secrets, longer_first);
}

GPtrArray *
rd_signal_secrets_new (const char *token)
{
  GPtrArray *secrets = g_ptr_array_new_with_free_func (secret_free);

  /* A token is a secret whatever its length. */
  if (token && *token)
    {
      Secret *secret = g_new0 (Secret, 1);

      secret->value = g_strdup (token);
      secret->label = "[token]";
      g_ptr_array_add (secrets, secret);
    }
  return secrets;
}

void
rd_signal_secrets_add_url (GPtrArray *secrets, const char *url)
{
  const char *query = url ? strchr (url, '?') : NULL;
  g_autofree char *text = NULL;
  g_auto (GStrv) params = NULL;

  if (!secrets || !query)
    return;
  text = g_strndup (query + 1, strcspn (query + 1, "#"));
  params = g_strsplit_set (text, "&;", -1);
  for (guint i = 0; params[i]; i++)
    {
      const char *eq = strchr (params[i], '=');
      const char *value = eq ? eq + 1 : params[i];
      g_autofree char *decoded = g_uri_unescape_string (value, NULL);
      g_autofree char *plus = g_strdelimit (g_strdup (value), "+", ' ');
      g_autofree char *form = g_uri_unescape_string (plus, NULL);

      secret_add (secrets, value, "[hidden]");
      secret_add (secrets, decoded, "[hidden]");
      secret_add (secrets, form, "[hidden]");
      if (decoded)
        memset (decoded, 0, strlen (decoded));
      if (form)
        memset (form, 0, strlen (form));
      memset (plus, 0, strlen (plus));
    }
  memset (text, 0, strlen (text));
}

void
rd_signal_secrets_scrub (GPtrArray *secrets, GString *text)
{
  for (guint i = 0; secrets && i < secrets->len; i++)
    {
      const Secret *secret = secrets->pdata[i];

      g_string_replace (text, secret->value, secret->label, 0);
    }
}

GError *
rd_signal_client_http_error (const char *method, const char *url, SoupMessage *msg, GBytes *body,
                             GPtrArray *secrets)
{
  guint status = soup_message_get_status (msg);
  const char *reason = soup_message_get_reason_phrase (msg);
  const char *type =
      soup_message_headers_get_content_type (soup_message_get_response_headers (msg), NULL);
  g_autofree char *shown = rd_signal_client_shown_url (url);
  g_autoptr (GString) said = g_string_new (NULL); /* the server's words: reason, then its line */
  g_autoptr (GString) line = g_string_new (NULL);
  gsize len = 0;
  const char *data = body ? g_bytes_get_data (body, &len) : NULL;

  if (!reason || !*reason)
    reason = soup_status_get_phrase (status);
  g_string_append (said, reason ? reason : "");
  if (!g_utf8_validate (said->str, -1, NULL))
    {
      g_autofree char *valid = g_utf8_make_valid (said->str, -1);
      g_string_assign (said, valid);
    }
  rd_signal_secrets_scrub (secrets, said);
  if (data && len && type && g_ascii_strncasecmp (type, "text/", 5) == 0)
    {
      const char *p = data;

      while (p < data + len && (*p == '\r' || *p == '\n' || *p == ' '))
        p++;
      for (; p < data + len && *p != '\r' && *p != '\n'; p++)
        g_string_append_c (line, ((guchar)*p < 0x20 || *p == 0x7f) ? ' ' : *p);
      if (!g_utf8_validate (line->str, -1, NULL))
        {
          g_autofree char *valid = g_utf8_make_valid (line->str, -1);
          g_string_assign (line, valid);
        }
      /* Scrubbed whole, then cut: a secret across the cut would otherwise show in part. */
      rd_signal_secrets_scrub (secrets, line);
      if (g_utf8_strlen (line->str, -1) > BODY_EXCERPT_MAX)
        g_string_truncate (line,
                           g_utf8_offset_to_pointer (line->str, BODY_EXCERPT_MAX) - line->str);
    }
  if (line->len)
    g_string_append_printf (said, ": %s", line->str);
  return g_error_new (RD_SIGNAL_ERROR, RD_SIGNAL_ERROR_HTTP, "%s %s: %u %s", method, shown, status,
                      said->str);
}
