/* rd-daemon-token.h: random ids and bearer tokens, and the only form of a token the ledger keeps.
 *
 * Contract: rd_daemon_random_hex() reads the kernel's CSPRNG (getrandom) and aborts the daemon if
 * the kernel gives no random bytes (an id or token must never be guessable).
 * Threading: plain functions, any thread. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* 2 * @n_bytes lowercase hex digits (n_bytes <= 64). (transfer full) */
char *rd_daemon_random_hex (gsize n_bytes);
/* SHA-256 hex of a bearer token: all the ledger ever keeps of it. (transfer full) */
char *rd_daemon_token_hash (const char *token);

G_END_DECLS
