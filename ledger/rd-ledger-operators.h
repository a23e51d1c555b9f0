/* rd-ledger-operators.h: the room console's operator accounts, kept in the ledger (schema
 * version 9, table "operators", hash-chained like every table).
 *
 * Contract:
 * - An operator has a name ([A-Za-z0-9._-]{1,64}), a role ("technician", "officer" or
 *   "supervisor"), a password kept only as its scrypt hash (RFC 7914, OpenSSL's EVP_KDF
 *   "SCRYPT") with a 16-byte random salt of its own and the cost (N, r, p) it was made with, so
 *   the cost can be raised for new passwords while old hashes still verify.
 * - Rows are never deleted. The name, role and creation of an operator never change; a password
 *   change or disabling updates the row (and names who did it and when); a disabled operator
 *   never changes again (add a new name instead).
 * - Every change writes an event (no session) in the same transaction: "operator-added",
 *   "operator-password-changed" or "operator-disabled", detail {"name", "role"} plus what the
 *   caller passes in @detail (e.g. the source address). No password, hash or salt is ever in an
 *   event, a JSON view or an error message.
 *
 * Threading: the functions taking an RdLedger are main-thread (as rd-ledger.h). The password
 * functions (rd_ledger_password_*) take no ledger and are safe in any thread: the daemon runs
 * them in a GTask worker, since one costs tens of milliseconds and tens of MiB on purpose.
 *
 * Ownership: returned structs, strings and JsonNodes are (transfer full).
 */
#pragma once

#include "ledger/rd-ledger.h"

G_BEGIN_DECLS

#define RD_LEDGER_PASSWORD_SALT_LEN 16
#define RD_LEDGER_PASSWORD_HASH_LEN 32
/* The cost of new hashes: N = 2^15, r = 8, p = 1 takes 32 MiB (128 * r * N bytes) and about
 * 100 ms of one core on a small x86-64 machine; N = 2^14 would be half of both. */
#define RD_LEDGER_SCRYPT_N 32768
#define RD_LEDGER_SCRYPT_R 8
#define RD_LEDGER_SCRYPT_P 1
/* The most memory one hash may take, whatever the row says (OpenSSL refuses more). */
#define RD_LEDGER_SCRYPT_MAXMEM (64 * 1024 * 1024)

/* A password's hash, with what it was made with. */
typedef struct
{
  guint8 salt[RD_LEDGER_PASSWORD_SALT_LEN];
  guint64 n;
  guint32 r;
  guint32 p;
  guint8 hash[RD_LEDGER_PASSWORD_HASH_LEN];
} RdLedgerPassword;

/* A new hash of @password with a fresh random salt and the cost above; NULL with
 * RD_LEDGER_ERROR_KEY when OpenSSL fails. Any thread. (transfer full, g_free) */
RdLedgerPassword *rd_ledger_password_new (const char *password, GError **error);

/* Whether @password hashes to @stored (constant-time compare, CRYPTO_memcmp). FALSE too when
 * the stored cost cannot be computed. Any thread. */
gboolean rd_ledger_password_matches (const RdLedgerPassword *stored, const char *password);

/* One operator as stored. */
typedef struct
{
  char *name;
  char *role;
  gboolean disabled;
  RdLedgerPassword password;
} RdLedgerOperator;

void rd_ledger_operator_free (RdLedgerOperator *op);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RdLedgerOperator, rd_ledger_operator_free)

/* TRUE when @role is technician, officer or supervisor; else RD_LEDGER_ERROR_INVALID. */
gboolean rd_ledger_operator_check_role (const char *role, GError **error);

/* Operator @name, or NULL with RD_LEDGER_ERROR_NOT_FOUND. (transfer full) */
RdLedgerOperator *rd_ledger_operator_get (RdLedger *ledger, const char *name, GError **error);

/* Adds operator @name with @role and @password (made by rd_ledger_password_new()), by @actor.
 * RD_LEDGER_ERROR_INVALID for a bad name or role, RD_LEDGER_ERROR_EXISTS for a name taken
 * (disabled operators keep theirs). @detail (may be NULL, a JSON object) is added to the event. */
gboolean rd_ledger_operator_add (RdLedger *ledger, const char *name, const char *role,
                                 const RdLedgerPassword *password, const char *actor,
                                 JsonObject *detail, GError **error);

/* Replaces operator @name's password. RD_LEDGER_ERROR_NOT_FOUND, or RD_LEDGER_ERROR_STATE
 * when it is disabled. */
gboolean rd_ledger_operator_passwd (RdLedger *ledger, const char *name,
                                    const RdLedgerPassword *password, const char *actor,
                                    JsonObject *detail, GError **error);

/* Disables operator @name for good. RD_LEDGER_ERROR_NOT_FOUND, or RD_LEDGER_ERROR_STATE when
 * it already is. */
gboolean rd_ledger_operator_disable (RdLedger *ledger, const char *name, const char *actor,
                                     JsonObject *detail, GError **error);

/* Every operator, by name: [{name, role, disabled, created_at, created_by, changed_at,
 * changed_by}] (no hash, no salt). (transfer full) */
JsonNode *rd_ledger_operator_list (RdLedger *ledger, GError **error);

G_END_DECLS
