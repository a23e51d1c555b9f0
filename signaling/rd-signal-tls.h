/* rd-signal-tls.h: the TLS identity of receptiond's HTTPS server.
 *
 * Contract: rd_signal_tls_load_or_create() returns a GTlsCertificate with its private key, read
 * from a PEM certificate file and a PEM private key file, after checking that each file parses
 * and that the key belongs to the certificate. When both files are missing and
 * @generate_if_missing is TRUE it first creates them: a self-signed ECDSA P-256 certificate
 * (X.509 v3, SHA-256, CN = @common_name cut to 64 characters, subjectAltName = DNS:localhost and
 * the IP addresses given, valid 825 days, random serial), the key file mode 0600 and the
 * certificate file mode 0600, each written to a temporary file, synced and renamed into place
 * without ever replacing a file. The directory of the files is created mode 0700 if needed.
 * It never overwrites, renames or deletes an existing file: when exactly one of the two exists,
 * or an existing file does not parse, it fails. Errors are RD_SIGNAL_ERROR_TLS and name the
 * file and what is wrong with it; nothing is logged.
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

G_END_DECLS
