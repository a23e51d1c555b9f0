/* rd-fuzz-links.c: libFuzzer target for what the WHIP/WHEP client reads from a server's headers
 * (signaling/rd-signal-client-link.c, rd-signal-client-retry.c): Link ice-server values
 * (RFC 8288, RFC 9725) and Retry-After (RFC 9110 section 10.2.3). Any server the room joins
 * controls these bytes. The first byte picks the parser. */
#include "signaling/rd-signal-client-private.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  g_autofree char *value = NULL;

  if (size < 1)
    return 0;
  value = g_strndup ((const char *)data + 1, size - 1);
  if (data[0] & 1)
    {
      g_autoptr (GPtrArray) servers =
          g_ptr_array_new_with_free_func ((GDestroyNotify)rd_signal_ice_server_free);
      (void)rd_signal_client_parse_links (value, servers);
      /* Whatever it kept is a usable ICE server. */
      for (guint i = 0; i < servers->len; i++)
        {
          RdSignalIceServer *server = servers->pdata[i];

          g_assert (server->url != NULL);
          g_assert (g_ascii_strncasecmp (server->url, "stun:", 5) == 0 ||
                    g_ascii_strncasecmp (server->url, "stuns:", 6) == 0 ||
                    g_ascii_strncasecmp (server->url, "turn:", 5) == 0 ||
                    g_ascii_strncasecmp (server->url, "turns:", 6) == 0);
          for (const char *c = server->url; *c; c++)
            g_assert (*c > 0x20 && *c < 0x7f); /* a URI is visible ASCII */
        }
    }
  else
    {
      g_autoptr (GDateTime) now = g_date_time_new_utc (2026, 12, 6, 12, 0, 0);
      guint seconds = 0;

      (void)rd_signal_client_parse_retry_after (value, now, &seconds);
    }
  return 0;
}
