/* rd-signal-client-link.c: the ICE servers of a WHIP/WHEP 201's Link headers (RFC 8288, RFC
 * 9725 4.4). See rd-signal-client-private.h for the contract. */
#include "signaling/rd-signal-client-private.h"

#include <string.h>

void
rd_signal_ice_server_free (RdSignalIceServer *server)
{
  if (!server)
    return;
  g_free (server->url);
  g_free (server->username);
  g_free (server->credential);
  g_free (server);
}

static gboolean
is_tchar (char c)
{
  return g_ascii_isalnum (c) || (c && strchr ("!#$%&'*+-.^_`|~", c));
}

static void
skip_ows (const char **p)
{
  while (**p == ' ' || **p == '\t')
    (*p)++;
}

/* A token or a quoted-string at *@p; NULL when there is neither (or the quote never ends). */
static char *
parse_value (const char **p)
{
  const char *s = *p;

  if (*s == '"')
    {
      GString *out = g_string_new (NULL);

      for (s++; *s && *s != '"'; s++)
        {
          if (*s == '\\' && s[1])
            s++;
          if ((guchar)*s < 0x20 && *s != '\t')
            break;
          g_string_append_c (out, *s);
        }
      if (*s != '"')
        {
          g_string_free (out, TRUE);
          return NULL;
        }
      *p = s + 1;
      return g_string_free (out, FALSE);
    }
  while (is_tchar (*s))
    s++;
  if (s == *p)
    return NULL;
  {
    char *value = g_strndup (*p, s - *p);
    *p = s;
    return value;
  }
}

/* Past the end of the link value that starts at @p: the next comma outside <...> and quotes. */
static const char *
skip_link_value (const char *p)
{
  gboolean in_uri = FALSE, in_quote = FALSE;

  for (; *p; p++)
    {
      if (in_quote)
        {
          if (*p == '\\' && p[1])
            p++;
          else if (*p == '"')
            in_quote = FALSE;
        }
      /* A URI ends at '>', or at a character no URI has (a '<' never closed). */
      else if (in_uri && !strchr (">\" \t<", *p))
        continue;
      else
        {
          in_uri = FALSE;
          if (*p == '"')
            in_quote = TRUE;
          else if (*p == '<')
            in_uri = TRUE;
          else if (*p == ',')
            return p;
        }
    }
  return p;
}

static gboolean
looks_like_ice_uri (const char *s)
{
  return g_ascii_strncasecmp (s, "stun:", 5) == 0 || g_ascii_strncasecmp (s, "stuns:", 6) == 0 ||
         g_ascii_strncasecmp (s, "turn:", 5) == 0 || g_ascii_strncasecmp (s, "turns:", 6) == 0;
}

/* A URI is visible ASCII (RFC 3986 section 2), and never holds a quote or an angle bracket. */
static gboolean
is_uri_text (const char *s)
{
  if (!*s)
    return FALSE;
  for (; *s; s++)
    if (*s < 0x21 || *s > 0x7e || *s == '"' || *s == '<')
      return FALSE;
  return TRUE;
}

/* One link value at *@p into @uri and @params (names lower-case; the first of a name counts).
 * FALSE when it does not parse. */
static gboolean
parse_link_value (const char **p, char **uri, GHashTable *params)
{
  const char *s = *p;
  const char *end;

  if (*s == '<')
    {
      if (!(end = strchr (s + 1, '>')))
        return FALSE;
      if (!is_uri_text (*uri = g_strndup (s + 1, end - s - 1)))
        return FALSE;
      s = end + 1;
    }
  else if (looks_like_ice_uri (s))
    {
      /* simple-whip-server (Janus) sends the URI without its angle brackets. */
      end = s + strcspn (s, "; \t,");
      if (!is_uri_text (*uri = g_strndup (s, end - s)))
        return FALSE;
      s = end;
    }
  else
    return FALSE;
  for (;;)
    {
      const char *name_start;
      g_autofree char *name = NULL;
      char *value = NULL;

      skip_ows (&s);
      if (*s == ',' || *s == '\0')
        break;
      if (*s != ';')
        return FALSE;
      s++;
      skip_ows (&s);
      if (*s == ',' || *s == '\0') /* a trailing ';' (simple-whip-server) */
        break;
      name_start = s;
      while (is_tchar (*s))
        s++;
      if (s == name_start)
        return FALSE;
      name = g_ascii_strdown (name_start, s - name_start);
      skip_ows (&s);
      /* "credential-type: \"password\"" is what simple-whip-server writes on its 201. */
      if (*s == '=' || *s == ':')
        {
          s++;
          skip_ows (&s);
          if (!(value = parse_value (&s)))
            return FALSE;
        }
      if (!g_hash_table_contains (params, name))
        g_hash_table_insert (params, g_steal_pointer (&name), value ? value : g_strdup (""));
      else
        g_free (value);
    }
  *p = s;
  return TRUE;
}

static gboolean
rel_has_ice_server (const char *rel)
{
  g_auto (GStrv) rels = rel ? g_strsplit_set (rel, " \t", -1) : NULL;

  for (guint i = 0; rels && rels[i]; i++)
    if (g_ascii_strcasecmp (rels[i], "ice-server") == 0)
      return TRUE;
  return FALSE;
}

/* "stun:host[:port]", "turn:host[:port][?transport=udp|tcp]" (RFC 7064, 7065). */
static gboolean
ice_uri_is_valid (const char *uri, gboolean *is_turn)
{
  static const char *const schemes[] = { "stun:", "stuns:", "turn:", "turns:" };
  const char *rest = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (schemes) && !rest; i++)
    if (g_ascii_strncasecmp (uri, schemes[i], strlen (schemes[i])) == 0)
      {
        rest = uri + strlen (schemes[i]);
        *is_turn = i >= 2;
      }
  if (!rest || !*rest || *rest == '/' || *rest == ':' || *rest == '?')
    return FALSE;
  for (const char *c = rest; *c; c++)
    if (!g_ascii_isalnum (*c) && !strchr (".-_:[]?=%", *c))
      return FALSE;
  return TRUE;
}

guint
rd_signal_client_parse_links (const char *value, GPtrArray *servers)
{
  const char *p = value;
  guint skipped = 0;

  while (p && *p)
    {
      g_autoptr (GHashTable) params =
          g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      g_autofree char *uri = NULL;
      const char *start;
      const char *type;
      gboolean is_turn = FALSE;
      RdSignalIceServer *server;

      while (*p == ' ' || *p == '\t' || *p == ',')
        p++;
      if (!*p)
        break;
      start = p;
      if (!parse_link_value (&p, &uri, params))
        {
          p = skip_link_value (start);
          skipped++;
          continue;
        }
      if (!rel_has_ice_server (g_hash_table_lookup (params, "rel")))
        continue;
      type = g_hash_table_lookup (params, "credential-type");
      if (!ice_uri_is_valid (uri, &is_turn) || (type && g_ascii_strcasecmp (type, "password")) ||
          (is_turn && (!g_hash_table_lookup (params, "username") ||
                       !g_hash_table_lookup (params, "credential"))))
        {
          skipped++;
          continue;
        }
      server = g_new0 (RdSignalIceServer, 1);
      server->url = g_steal_pointer (&uri);
      server->username = g_strdup (g_hash_table_lookup (params, "username"));
      server->credential = g_strdup (g_hash_table_lookup (params, "credential"));
      g_ptr_array_add (servers, server);
    }
  return skipped;
}
