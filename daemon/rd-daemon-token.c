/* rd-daemon-token.c: random ids and bearer tokens. See rd-daemon-token.h. */
#include "daemon/rd-daemon-token.h"

#include <sys/random.h>

char *
rd_daemon_random_hex (gsize n_bytes)
{
  guint8 buf[64];
  GString *out = g_string_new (NULL);

  g_assert (n_bytes <= sizeof buf);
  if (getrandom (buf, n_bytes, 0) != (ssize_t)n_bytes)
    g_error ("getrandom failed: the kernel gave no random bytes");
  for (gsize i = 0; i < n_bytes; i++)
    g_string_append_printf (out, "%02x", buf[i]);
  return g_string_free (out, FALSE);
}

char *
rd_daemon_token_hash (const char *token)
{
  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, token, -1);
}
