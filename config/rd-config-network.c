/* rd-config-network.c: the [network] keys of receptiond.conf: the HTTPS listener, the addresses
 * ICE may use, the STUN and TURN servers, force-relay, the TLS certificate and key. See
 * rd-config.h for the contract, rd-config-private.h for the parsers' rule. */
#include "config/rd-config-private.h"

#include <string.h>

gboolean
rd_config_parse_listen (RdConfig *c, const char *v, char **why)
{
  g_autofree char *host = NULL;
  const char *port_text;
  guint64 port;

  if (v[0] == '[')
    {
      const char *end = strchr (v, ']');
      if (!end || end[1] != ':')
        return FALSE;
      host = g_strndup (v + 1, end - v - 1);
      port_text = end + 2;
    }
  else
    {
      const char *colon = strrchr (v, ':');
      if (!colon || strchr (v, ':') != colon)
        return FALSE;
      host = g_strndup (v, colon - v);
      port_text = colon + 1;
    }
  if (!g_hostname_is_ip_address (host))
    {
      *why = g_strdup_printf ("'%s' is not an IP address", host);
      return FALSE;
    }
  if (!g_ascii_string_to_unsigned (port_text, 10, 0, 65535, &port, NULL))
    {
      *why = g_strdup_printf ("'%s' is not a port number (0-65535)", port_text);
      return FALSE;
    }
  rd_config_set_str (&c->listen_host, host);
  rd_config_set_str (&c->listen_text, v);
  c->listen_port = (guint16)port;
  return TRUE;
}

gboolean
rd_config_parse_ice_addresses (RdConfig *c, const char *v, char **why)
{
  g_auto (GStrv) parts = g_strsplit (v, ",", -1);
  g_autoptr (GPtrArray) list = g_ptr_array_new_with_free_func (g_free);

  for (char **p = parts; *p; p++)
    {
      char *addr = g_strstrip (*p);
      if (*addr == '\0' && parts[1] == NULL)
        break; /* the whole value is empty */
      if (!g_hostname_is_ip_address (addr))
        {
          *why = g_strdup_printf ("'%s' is not an IP address", addr);
          return FALSE;
        }
      g_ptr_array_add (list, g_strdup (addr));
    }
  g_ptr_array_add (list, NULL);
  g_strfreev (c->ice_addresses);
  c->ice_addresses = (GStrv)g_ptr_array_free (g_steal_pointer (&list), FALSE);
  rd_config_set_str (&c->ice_text, v);
  return TRUE;
}

/* SCHEME://[USER:PASSWORD@]HOST[:PORT] with nothing after the port. */
static gboolean
parse_server_uri (char **field, const char *v, const char *const *schemes, gboolean need_user,
                  char **why)
{
  g_autoptr (GUri) uri = NULL;
  g_autoptr (GError) local = NULL;

  if (*v == '\0')
    {
      rd_config_set_str (field, NULL);
      return TRUE;
    }
  uri = g_uri_parse (v, G_URI_FLAGS_HAS_PASSWORD, &local);
  if (!uri)
    {
      *why = g_strdup (local->message);
      return FALSE;
    }
  if (!g_strv_contains (schemes, g_uri_get_scheme (uri)) || !g_uri_get_host (uri) ||
      *g_uri_get_host (uri) == '\0' ||
      (*g_uri_get_path (uri) && !g_str_equal (g_uri_get_path (uri), "/")) || g_uri_get_query (uri))
    return FALSE;
  if (g_uri_get_port (uri) == 0)
    {
      *why = g_strdup ("port 0 is not a server's port");
      return FALSE;
    }
  if (need_user && (!g_uri_get_user (uri) || *g_uri_get_user (uri) == '\0' ||
                    !g_uri_get_password (uri) || *g_uri_get_password (uri) == '\0'))
    {
      *why = g_strdup ("a TURN server needs a user name and a password");
      return FALSE;
    }
  rd_config_set_str (field, v);
  return TRUE;
}

gboolean
rd_config_parse_stun_server (RdConfig *c, const char *v, char **why)
{
  static const char *const schemes[] = { "stun", NULL };
  return parse_server_uri (&c->stun_server, v, schemes, FALSE, why);
}

gboolean
rd_config_parse_turn_server (RdConfig *c, const char *v, char **why)
{
  static const char *const schemes[] = { "turn", "turns", NULL };
  return parse_server_uri (&c->turn_server, v, schemes, TRUE, why);
}

gboolean
rd_config_parse_force_relay (RdConfig *c, const char *v, char **why)
{
  if (g_str_equal (v, "true"))
    c->force_relay = TRUE;
  else if (g_str_equal (v, "false"))
    c->force_relay = FALSE;
  else
    return FALSE;
  return TRUE;
}

static gboolean
parse_optional_path (char **field, const char *v)
{
  if (*v != '\0' && !g_path_is_absolute (v))
    return FALSE;
  rd_config_set_str (field, v);
  return TRUE;
}

gboolean
rd_config_parse_tls_certificate (RdConfig *c, const char *v, char **why)
{
  return parse_optional_path (&c->tls_certificate, v);
}

gboolean
rd_config_parse_tls_private_key (RdConfig *c, const char *v, char **why)
{
  return parse_optional_path (&c->tls_private_key, v);
}

gboolean
rd_config_parse_max_connections (RdConfig *c, const char *v, char **why)
{
  return rd_config_parse_number (c, RD_CONFIG_NUM_MAX_CONNECTIONS, v, 1, RD_CONFIG_MAX_CONNECTIONS);
}

gboolean
rd_config_parse_max_connections_per_address (RdConfig *c, const char *v, char **why)
{
  return rd_config_parse_number (c, RD_CONFIG_NUM_MAX_CONNECTIONS_PER_ADDRESS, v, 1,
                                 RD_CONFIG_MAX_CONNECTIONS);
}

gboolean
rd_config_parse_max_parties (RdConfig *c, const char *v, char **why)
{
  return rd_config_parse_number (c, RD_CONFIG_NUM_MAX_PARTIES, v, 1, RD_CONFIG_MAX_PARTIES);
}
