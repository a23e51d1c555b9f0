/* rd-signal-tls-policy.c: the TLS policy of the process. See rd-signal-tls.h for the contract. */
#include "signaling/rd-signal-tls.h"

#include <string.h>

void
rd_signal_tls_init_policy (void)
{
  g_setenv ("G_TLS_GNUTLS_PRIORITY", RD_SIGNAL_TLS_PRIORITY, TRUE);
}

gboolean
rd_signal_tls_policy_accepts (GTlsConnection *tls)
{
  GTlsProtocolVersion version = g_tls_connection_get_protocol_version (tls);
  g_autofree char *suite = g_tls_connection_get_ciphersuite_name (tls);

  if (version != G_TLS_PROTOCOL_VERSION_TLS_1_2 && version != G_TLS_PROTOCOL_VERSION_TLS_1_3)
    return FALSE;
  /* IANA names as GnuTLS gives them: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
   * "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256". */
  return suite && (strstr (suite, "_GCM_") || strstr (suite, "CHACHA20_POLY1305"));
}
