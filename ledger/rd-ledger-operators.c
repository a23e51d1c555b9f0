/* rd-ledger-operators.c: the console's operator accounts and their password hashes. See
 * rd-ledger-operators.h for the contract. */
#include "ledger/rd-ledger-operators.h"
#include "ledger/rd-ledger-error.h"
#include "ledger/rd-ledger-private.h"
#include "config/rd-config-hex.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#define COLUMNS "name, role, disabled, created_at, created_by, changed_at, changed_by"

/* scrypt of @password and @salt at cost @n, @r, @p into @out. */
static gboolean
scrypt (const char *password, const guint8 *salt, guint64 n, guint32 r, guint32 p, guint8 *out)
{
  EVP_KDF *kdf = EVP_KDF_fetch (NULL, "SCRYPT", NULL);
  EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new (kdf) : NULL;
  uint64_t maxmem = RD_LEDGER_SCRYPT_MAXMEM;
  uint64_t n64 = n;
  uint32_t r32 = r, p32 = p;
  OSSL_PARAM params[] = {
    OSSL_PARAM_construct_octet_string (OSSL_KDF_PARAM_PASSWORD, (void *)password,
                                       strlen (password)),
    OSSL_PARAM_construct_octet_string (OSSL_KDF_PARAM_SALT, (void *)salt,
                                       RD_LEDGER_PASSWORD_SALT_LEN),
    OSSL_PARAM_construct_uint64 (OSSL_KDF_PARAM_SCRYPT_N, &n64),
    OSSL_PARAM_construct_uint32 (OSSL_KDF_PARAM_SCRYPT_R, &r32),
    OSSL_PARAM_construct_uint32 (OSSL_KDF_PARAM_SCRYPT_P, &p32),
    OSSL_PARAM_construct_uint64 (OSSL_KDF_PARAM_SCRYPT_MAXMEM, &maxmem),
    OSSL_PARAM_construct_end (),
  };
  gboolean ok = ctx && EVP_KDF_derive (ctx, out, RD_LEDGER_PASSWORD_HASH_LEN, params) == 1;

  EVP_KDF_CTX_free (ctx);
  EVP_KDF_free (kdf);
  return ok;
}

RdLedgerPassword *
rd_ledger_password_new (const char *password, GError **error)
{
  g_autofree RdLedgerPassword *pw = g_new0 (RdLedgerPassword, 1);

  g_return_val_if_fail (password != NULL, NULL);
  pw->n = RD_LEDGER_SCRYPT_N;
  pw->r = RD_LEDGER_SCRYPT_R;
  pw->p = RD_LEDGER_SCRYPT_P;
  if (RAND_bytes (pw->salt, sizeof pw->salt) != 1 ||
      !scrypt (password, pw->salt, pw->n, pw->r, pw->p, pw->hash))
    {
      g_set_error_literal (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_KEY,
                           "cannot hash the password (OpenSSL's scrypt failed)");
      return NULL;
    }
  return g_steal_pointer (&pw);
}

gboolean
rd_ledger_password_matches (const RdLedgerPassword *stored, const char *password)
{
  guint8 hash[RD_LEDGER_PASSWORD_HASH_LEN];
  gboolean ok;

  g_return_val_if_fail (stored != NULL && password != NULL, FALSE);
  if (!scrypt (password, stored->salt, stored->n, stored->r, stored->p, hash))
    return FALSE;
  ok = CRYPTO_memcmp (hash, stored->hash, sizeof hash) == 0;
  OPENSSL_cleanse (hash, sizeof hash);
  return ok;
}

void
rd_ledger_operator_free (RdLedgerOperator *op)
{
  if (!op)
    return;
  g_free (op->name);
  g_free (op->role);
  OPENSSL_cleanse (&op->password, sizeof op->password);
  g_free (op);
}

gboolean
rd_ledger_operator_check_role (const char *role, GError **error)
{
  if (g_strcmp0 (role, "technician") == 0 || g_strcmp0 (role, "officer") == 0 ||
      g_strcmp0 (role, "supervisor") == 0)
    return TRUE;
  g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID,
               "role \"%s\" is not technician, officer or supervisor", role ? role : "");
  return FALSE;
}

static gboolean
check_name (const char *name, GError **error)
{
  gsize len = name ? strlen (name) : 0;

  if (len >= 1 && len <= 64 &&
      strspn (name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                    "0123456789._-") == len)
    return TRUE;
  g_set_error_literal (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID,
                       "an operator name is 1 to 64 letters, digits, '.', '_' or '-'");
  return FALSE;
}

RdLedgerOperator *
rd_ledger_operator_get (RdLedger *ledger, const char *name, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (RdLedgerOperator) op = NULL;
  int rc;

  g_return_val_if_fail (ledger != NULL && name != NULL, NULL);
  stmt = rd_ledger_prepare (ledger, error,
                            "SELECT name, role, disabled, salt, scrypt_n, scrypt_r, scrypt_p, hash "
                            "FROM operators WHERE name = ?1",
                            1, name);
  if (!stmt || (rc = rd_ledger_step (ledger, stmt, error)) == 0)
    return NULL;
  if (rc == SQLITE_DONE)
    {
      g_set_error_literal (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_NOT_FOUND, "no such operator");
      return NULL;
    }
  op = g_new0 (RdLedgerOperator, 1);
  op->name = g_strdup ((const char *)sqlite3_column_text (stmt, 0));
  op->role = g_strdup ((const char *)sqlite3_column_text (stmt, 1));
  op->disabled = sqlite3_column_int (stmt, 2) != 0;
  op->password.n = (guint64)sqlite3_column_int64 (stmt, 4);
  op->password.r = (guint32)sqlite3_column_int64 (stmt, 5);
  op->password.p = (guint32)sqlite3_column_int64 (stmt, 6);
  if (!rd_hex_decode ((const char *)sqlite3_column_text (stmt, 3), op->password.salt,
                      RD_LEDGER_PASSWORD_SALT_LEN) ||
      !rd_hex_decode ((const char *)sqlite3_column_text (stmt, 7), op->password.hash,
                      RD_LEDGER_PASSWORD_HASH_LEN))
    {
      g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_CORRUPT,
                   "operator \"%s\" has a malformed password hash", name);
      return NULL;
    }
  return g_steal_pointer (&op);
}

/* The event of a change to operator @name (@role), with the caller's @extra members. */
static JsonNode *
change_detail (const char *name, const char *role, JsonObject *extra)
{
  JsonNode *detail = json_node_new (JSON_NODE_OBJECT);
  JsonObject *o = json_object_new ();

  json_node_take_object (detail, o);
  json_object_set_string_member (o, "name", name);
  json_object_set_string_member (o, "role", role);
  if (extra)
    {
      JsonObjectIter iter;
      const char *member;
      JsonNode *value;

      json_object_iter_init (&iter, extra);
      while (json_object_iter_next (&iter, &member, &value))
        if (!json_object_has_member (o, member))
          json_object_set_member (o, member, json_node_copy (value));
    }
  return detail;
}

/* The role of operator @name inside the caller's transaction; NULL with NOT_FOUND, or with
 * STATE when it is disabled. (transfer full) */
static char *
enabled_role (RdLedger *ledger, const char *name, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  int rc;

  stmt = rd_ledger_prepare (ledger, error, "SELECT role, disabled FROM operators WHERE name = ?1",
                            1, name);
  if (!stmt || (rc = rd_ledger_step (ledger, stmt, error)) == 0)
    return NULL;
  if (rc == SQLITE_DONE)
    {
      g_set_error_literal (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_NOT_FOUND, "no such operator");
      return NULL;
    }
  if (sqlite3_column_int (stmt, 1) != 0)
    {
      g_set_error_literal (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_STATE,
                           "the operator is disabled");
      return NULL;
    }
  return g_strdup ((const char *)sqlite3_column_text (stmt, 0));
}

gboolean
rd_ledger_operator_add (RdLedger *ledger, const char *name, const char *role,
                        const RdLedgerPassword *pw, const char *actor, JsonObject *extra,
                        GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (JsonNode) detail = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree char *now = NULL;
  g_autofree char *salt = NULL;
  g_autofree char *hash = NULL;
  int rc;

  g_return_val_if_fail (ledger != NULL && pw != NULL && actor != NULL, FALSE);
  if (!check_name (name, error) || !rd_ledger_operator_check_role (role, error))
    return FALSE;
  now = rd_ledger_now (ledger, NULL);
  salt = rd_hex_encode (pw->salt, sizeof pw->salt);
  hash = rd_hex_encode (pw->hash, sizeof pw->hash);
  if (!rd_ledger_begin (ledger, FALSE, &local_error))
    goto fail;
  stmt =
      rd_ledger_prepare (ledger, &local_error, "SELECT 1 FROM operators WHERE name = ?1", 1, name);
  if (!stmt || (rc = rd_ledger_step (ledger, stmt, &local_error)) == 0)
    goto fail;
  if (rc == SQLITE_ROW)
    {
      g_set_error_literal (&local_error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_EXISTS,
                           "the name is taken (a disabled operator keeps its name)");
      goto fail;
    }
  g_clear_pointer (&stmt, sqlite3_finalize);
  stmt = rd_ledger_prepare (ledger, &local_error,
                            "INSERT INTO operators (name, role, kdf, salt, scrypt_n, scrypt_r, "
                            "scrypt_p, hash, disabled, created_at, created_by, changed_at, "
                            "changed_by) VALUES (?1, ?2, 'scrypt', ?3, ?7, ?8, ?9, ?4, 0, ?5, ?6, "
                            "?5, ?6)",
                            6, name, role, salt, hash, now, actor);
  if (!stmt || !rd_ledger_bind_int64 (ledger, stmt, 7, (gint64)pw->n, &local_error) ||
      !rd_ledger_bind_int64 (ledger, stmt, 8, pw->r, &local_error) ||
      !rd_ledger_bind_int64 (ledger, stmt, 9, pw->p, &local_error) ||
      rd_ledger_step (ledger, stmt, &local_error) == 0)
    goto fail;
  detail = change_detail (name, role, extra);
  if (rd_ledger_insert_event (ledger, now, NULL, actor, "operator-added", detail, &local_error) ==
          0 ||
      !rd_ledger_commit (ledger, FALSE, &local_error))
    goto fail;
  return TRUE;

fail:
  g_clear_pointer (&stmt, sqlite3_finalize);
  rd_ledger_rollback (ledger, FALSE);
  g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                              "cannot add operator \"%s\": ", name);
  return FALSE;
}

/* Updates operator @name (enabled) with @set (SQL assignments using ?1 name, ?2 now, ?3 actor,
 * and with @pw also ?4 salt, ?5 hash, ?6 N, ?7 r, ?8 p) and writes event @kind, in one
 * transaction. */
static gboolean
update (RdLedger *ledger, const char *name, const char *set, const RdLedgerPassword *pw,
        const char *actor, const char *kind, JsonObject *extra, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (JsonNode) detail = NULL;
  g_autofree char *now = rd_ledger_now (ledger, NULL);
  g_autofree char *role = NULL;
  g_autofree char *sql = NULL;
  g_autofree char *salt = pw ? rd_hex_encode (pw->salt, sizeof pw->salt) : NULL;
  g_autofree char *hash = pw ? rd_hex_encode (pw->hash, sizeof pw->hash) : NULL;

  if (!rd_ledger_begin (ledger, FALSE, error))
    return FALSE;
  if (!(role = enabled_role (ledger, name, error)))
    goto fail;
  sql = g_strdup_printf ("UPDATE operators SET %s, changed_at = ?2, changed_by = ?3 "
                         "WHERE name = ?1",
                         set);
  /* Without a password, only ?1 to ?3 are in @set's statement. */
  stmt = rd_ledger_prepare (ledger, error, sql, pw ? 5 : 3, name, now, actor, salt, hash);
  if (!stmt ||
      (pw && (!rd_ledger_bind_int64 (ledger, stmt, 6, (gint64)pw->n, error) ||
              !rd_ledger_bind_int64 (ledger, stmt, 7, pw->r, error) ||
              !rd_ledger_bind_int64 (ledger, stmt, 8, pw->p, error))) ||
      rd_ledger_step (ledger, stmt, error) == 0)
    goto fail;
  detail = change_detail (name, role, extra);
  if (rd_ledger_insert_event (ledger, now, NULL, actor, kind, detail, error) == 0 ||
      !rd_ledger_commit (ledger, FALSE, error))
    goto fail;
  return TRUE;

fail:
  g_clear_pointer (&stmt, sqlite3_finalize);
  rd_ledger_rollback (ledger, FALSE);
  return FALSE;
}

gboolean
rd_ledger_operator_passwd (RdLedger *ledger, const char *name, const RdLedgerPassword *pw,
                           const char *actor, JsonObject *extra, GError **error)
{
  g_return_val_if_fail (ledger != NULL && name != NULL && pw != NULL && actor != NULL, FALSE);
  if (update (ledger, name,
              "salt = ?4, hash = ?5, scrypt_n = ?6, scrypt_r = ?7, scrypt_p = ?8, kdf = 'scrypt'",
              pw, actor, "operator-password-changed", extra, error))
    return TRUE;
  g_prefix_error (error, "cannot change the password of operator \"%s\": ", name);
  return FALSE;
}

gboolean
rd_ledger_operator_disable (RdLedger *ledger, const char *name, const char *actor,
                            JsonObject *extra, GError **error)
{
  g_return_val_if_fail (ledger != NULL && name != NULL && actor != NULL, FALSE);
  if (update (ledger, name, "disabled = 1", NULL, actor, "operator-disabled", extra, error))
    return TRUE;
  g_prefix_error (error, "cannot disable operator \"%s\": ", name);
  return FALSE;
}

JsonNode *
rd_ledger_operator_list (RdLedger *ledger, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  int rc;

  g_return_val_if_fail (ledger != NULL, NULL);
  stmt = rd_ledger_prepare (ledger, error, "SELECT " COLUMNS " FROM operators ORDER BY name", 0);
  if (!stmt)
    return NULL;
  json_builder_begin_array (b);
  while ((rc = rd_ledger_step (ledger, stmt, error)) == SQLITE_ROW)
    {
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, (const char *)sqlite3_column_text (stmt, 0));
      json_builder_set_member_name (b, "role");
      json_builder_add_string_value (b, (const char *)sqlite3_column_text (stmt, 1));
      json_builder_set_member_name (b, "disabled");
      json_builder_add_boolean_value (b, sqlite3_column_int (stmt, 2) != 0);
      for (int i = 3; i < 7; i++)
        {
          json_builder_set_member_name (b, sqlite3_column_name (stmt, i));
          json_builder_add_string_value (b, (const char *)sqlite3_column_text (stmt, i));
        }
      json_builder_end_object (b);
    }
  if (rc == 0)
    return NULL;
  json_builder_end_array (b);
  return json_builder_get_root (b);
}
