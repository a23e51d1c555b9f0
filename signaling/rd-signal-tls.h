/* rd-signal-tls.h: the TLS identity of receptiond's HTTPS server.
 *
 * Contract: rd_signal_tls_load_or_create() returns a GTlsCertificate with its private key, read
 * from a PEM certificate file and a PEM private key file, after checking that each file parses
 * and that the key belongs to the certificate; the key file must give no permission to its
 * group or others (mode 0600 or 0400), else it is refused naming the file and its mode. When
 * both files are missing and @generate_if_missing is TRUE it first creates them: a self-signed
 * ECDSA P-256 certificate (X.509 v3, SHA-256, CN = @common_name cut to 64 characters,
 * subjectAltName = DNS:localhost and the IP addresses given, valid 825 days, random serial), the
 * key file mode 0600 and the certificate file mode 0600, each written to a temporary file, synced
 * and renamed into place without ever replacing a file. The directory of the files is created mode
 * 0700 if needed. It never overwrites, renames or deletes an existing file: when exactly one of the
 * two exists, or an existing file does not parse, it fails. Errors are RD_SIGNAL_ERROR_TLS and name
 * the file and what is wrong with it; nothing is logged.
 *
 * Threading: no shared state; may be called from any thread. It does blocking file I/O.
 *
 * Ownership: both functions return (transfer full) results; the caller frees them.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The number of days a generated certificate is valid. */
#define RD_SIGNAL_TLS_VALIDITY_DAYS 825

/* @ip_addresses: NULL-terminated textual IP addresses for the subjectAltName of a generated
 * certificate (127.0.0.1, ::1 style; wildcard addresses are skipped, duplicates removed); may be
 * NULL. @common_name is used only when generating. (transfer full) */
GTlsCertificate *rd_signal_tls_load_or_create (const char *cert_path, const char *key_path,
                                               const char *common_name,
                                               const char *const *ip_addresses,
                                               gboolean generate_if_missing, GError **error);

/* The SHA-256 fingerprint of @cert's DER encoding as in SDP's a=fingerprint (RFC 8122):
 * "sha-256 AB:CD:...", 32 upper-case hex pairs. (transfer full) */
char *rd_signal_tls_fingerprint (GTlsCertificate *cert);

/* The TLS policy of the process (rd-signal-tls-policy.c): TLS 1.2 and 1.3 only; AEAD suites
 * only (AES-GCM, ChaCha20-Poly1305), with ECDHE or DHE key exchange (Mozilla's "intermediate"
 * configuration); safe renegotiation (RFC 5746) required of peers. The HTTPS listener also
 * refuses any renegotiation a client asks for (rd-signal-tls-guard.h). */
#define RD_SIGNAL_TLS_PRIORITY                                                                     \
  "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-CIPHER-ALL:+AES-128-GCM:+AES-256-GCM:"              \
  "+CHACHA20-POLY1305:-MAC-ALL:+AEAD:-KX-ALL:+ECDHE-ECDSA:+ECDHE-RSA:+DHE-RSA:%SAFE_RENEGOTIATION"

/* Makes RD_SIGNAL_TLS_PRIORITY the priority of every TLS connection of the process, server and
 * client: glib-networking's GnuTLS backend reads it from G_TLS_GNUTLS_PRIORITY once, when its
 * first TLS connection is made (a value already there is replaced). Call it at the start of
 * main(), before any thread starts (it sets an environment variable) and before any TLS
 * connection. */
void rd_signal_tls_init_policy (void);

/* Whether @tls negotiated what the policy allows (TLS 1.2 or later, an AEAD suite): the listener
 * checks each handshake with it, so that a process that did not call
 * rd_signal_tls_init_policy() in time still keeps nothing weaker. */
gboolean rd_signal_tls_policy_accepts (GTlsConnection *tls);

G_END_DECLS
