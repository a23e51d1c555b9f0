/* rd-config-hex.h: bytes as hex digits and back (key fingerprints, signatures, hashes, salts).
 *
 * Contract: pure functions, no state; used by every module (config/ is the shared base).
 * Threading: any thread.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* @len bytes as 2 * @len lowercase hex digits. (transfer full) */
char *rd_hex_encode (const guint8 *bytes, gsize len);
/* Exactly @len bytes into @out from 2 * @len lowercase or uppercase hex digits; FALSE (and @out
 * undefined) for NULL, another length or a character that is not a hex digit. */
gboolean rd_hex_decode (const char *hex, guint8 *out, gsize len);

G_END_DECLS
