/* rd-ledger-book-crypt.c: sealing protected identities (AES-256-GCM, OpenSSL EVP) under the book
 * key, the key's id kept in the ledger, and the record of each reveal. See rd-ledger-book.h.
 *
 * A sealed identity is "v1:" + base64 (nonce (12 random bytes) | ciphertext | tag (16)). The
 * additional data binds it to its registration and revision, so a sealed value moved to another
 * row (or revision) does not open. */
#include "ledger/rd-ledger-book-private.h"
#include "ledger/rd-ledger-error.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <string.h>

#define NONCE_SIZE 12
#define TAG_SIZE   16
#define PREFIX     "v1:"

/* The key's id: the first 16 bytes of SHA-256 ("receptiond book key id" | key), in hex. It says
 * which key sealed the identities without revealing anything of the key. */
static char *
key_id (const guint8 *key)
{
  static const char label[] = "receptiond book key id";
  guint8 digest[SHA256_DIGEST_LENGTH];
  EVP_MD_CTX *ctx = EVP_MD_CTX_new ();
  GString *hex = g_string_new (NULL);

  EVP_DigestInit_ex (ctx, EVP_sha256 (), NULL);
  EVP_DigestUpdate (ctx, label, strlen (label));
  EVP_DigestUpdate (ctx, key, RD_LEDGER_BOOK_KEY_SIZE);
  EVP_DigestFinal_ex (ctx, digest, NULL);
  EVP_MD_CTX_free (ctx);
  for (int i = 0; i < 16; i++)
    g_string_append_printf (hex, "%02x", digest[i]);
  return g_string_free (hex, FALSE);
}

gboolean
rd_ledger_book_has_key_id (RdLedger *ledger, gboolean *has_key_id, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (ledger != NULL, FALSE);
  stmt = rd_ledger_prepare (ledger, error, "SELECT 1 FROM book_key", 0);
  if (stmt == NULL || (rc = rd_ledger_step (ledger, stmt, error)) == 0)
    {
      g_prefix_error (error, "cannot read the book key id in ledger %s: ", ledger->path);
      return FALSE;
    }
  *has_key_id = rc == SQLITE_ROW;
  return TRUE;
}

gboolean
rd_ledger_book_set_key (RdLedger *ledger, const guint8 *key, gsize key_size, GError **error)
{
  g_autofree char *id = NULL;
  g_autofree char *now = NULL;
  g_autofree char *known = NULL;
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (GError) local_error = NULL;
  gint64 rekeyed = 0;
  int rc;

  g_return_val_if_fail (ledger != NULL, FALSE);
  g_return_val_if_fail (key != NULL, FALSE);

  if (key_size != RD_LEDGER_BOOK_KEY_SIZE)
    {
      g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID,
                   "the book key must be %d bytes, not %" G_GSIZE_FORMAT, RD_LEDGER_BOOK_KEY_SIZE,
                   key_size);
      return FALSE;
    }
  id = key_id (key);
  now = rd_ledger_now (ledger, NULL);
  if (!rd_ledger_begin (ledger, FALSE, &local_error))
    goto fail;
  stmt = rd_ledger_prepare (ledger, &local_error, "SELECT key_id FROM book_key ORDER BY id", 0);
  if (stmt == NULL || (rc = rd_ledger_step (ledger, stmt, &local_error)) == 0)
    goto fail;
  if (rc == SQLITE_ROW)
    known = g_strdup ((const char *)sqlite3_column_text (stmt, 0));
  g_clear_pointer (&stmt, sqlite3_finalize);
  if (known != NULL && !g_str_equal (known, id))
    {
      g_set_error (&local_error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_CORRUPT,
                   "the book key (id %s) is not the key this ledger's protected identities are "
                   "sealed with (id %s); restore the original key file",
                   id, known);
      goto fail;
    }
  if (known == NULL)
    {
      stmt = rd_ledger_prepare (ledger, &local_error,
                                "INSERT INTO book_key (key_id, created_at) VALUES (?1, ?2)", 2, id,
                                now);
      if (stmt == NULL || rd_ledger_step (ledger, stmt, &local_error) == 0 ||
          rd_ledger_insert_event (ledger, now, NULL, "receptiond", "book-key-created", NULL,
                                  &local_error) == 0)
        goto fail;
      g_clear_pointer (&stmt, sqlite3_finalize);
    }
  /* The chain's keyed hashes need the key from here on; rows still chained in the unkeyed form
   * (a ledger of schema version 5) are re-stated in the keyed one, in this transaction. */
  rd_ledger_chain_key_derive (&ledger->chain_key, key);
  if (!rd_ledger_chain_rekey (ledger, &rekeyed, &local_error))
    goto fail;
  if (rekeyed > 0)
    {
      g_autoptr (JsonNode) detail = rd_book_detail_new ();
      JsonObject *o = json_node_get_object (detail);

      json_object_set_string_member (o, "form", "hmac-sha256");
      json_object_set_int_member (o, "rows", rekeyed);
      if (rd_ledger_insert_event (ledger, now, NULL, "receptiond", "chain-rekeyed", detail,
                                  &local_error) == 0)
        goto fail;
    }
  if (!rd_ledger_commit (ledger, FALSE, &local_error))
    goto fail;
  /* Freed pages are zeroed: identity text replaced by its sealed form does not linger in the
   * file (rd_ledger_registration_update() also checkpoints the WAL then). */
  if (!rd_ledger_exec (ledger, "PRAGMA secure_delete = ON", &local_error))
    goto fail;
  memcpy (ledger->book_key, key, RD_LEDGER_BOOK_KEY_SIZE);
  ledger->has_book_key = TRUE;
  return TRUE;

fail:
  g_clear_pointer (&stmt, sqlite3_finalize);
  rd_ledger_rollback (ledger, FALSE);
  if (!ledger->has_book_key)
    explicit_bzero (&ledger->chain_key, sizeof ledger->chain_key);
  g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                              "cannot use the book key with ledger %s: ", ledger->path);
  return FALSE;
}

char *
rd_book_identity_aad (gint64 registration_id, gint64 revision)
{
  return g_strdup_printf ("receptiond registration %" G_GINT64_FORMAT " revision %" G_GINT64_FORMAT,
                          registration_id, revision);
}

char *
rd_book_representatives_aad (gint64 registration_id, gint64 revision)
{
  return g_strdup_printf ("receptiond registration %" G_GINT64_FORMAT " revision %" G_GINT64_FORMAT
                          " representatives",
                          registration_id, revision);
}

static gboolean
need_key (RdLedger *self, GError **error)
{
  if (self->has_book_key)
    return TRUE;
  g_set_error_literal (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID,
                       "no book key: protected identities cannot be sealed or opened");
  return FALSE;
}

char *
rd_book_seal (RdLedger *self, const char *plain, const char *aad, GError **error)
{
  gsize plain_len = strlen (plain);
  g_autofree guint8 *out = g_malloc (NONCE_SIZE + plain_len + TAG_SIZE);
  g_autofree char *b64 = NULL;
  EVP_CIPHER_CTX *ctx = NULL;
  int len = 0, final_len = 0;
  gboolean ok;

  if (!need_key (self, error))
    return NULL;
  if (RAND_bytes (out, NONCE_SIZE) != 1)
    {
      g_set_error_literal (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_IO,
                           "no random nonce for sealing an identity");
      return NULL;
    }
  ctx = EVP_CIPHER_CTX_new ();
  ok =
      ctx != NULL && EVP_EncryptInit_ex (ctx, EVP_aes_256_gcm (), NULL, NULL, NULL) == 1 &&
      EVP_CIPHER_CTX_ctrl (ctx, EVP_CTRL_GCM_SET_IVLEN, NONCE_SIZE, NULL) == 1 &&
      EVP_EncryptInit_ex (ctx, NULL, NULL, self->book_key, out) == 1 &&
      EVP_EncryptUpdate (ctx, NULL, &len, (const guint8 *)aad, (int)strlen (aad)) == 1 &&
      EVP_EncryptUpdate (ctx, out + NONCE_SIZE, &len, (const guint8 *)plain, (int)plain_len) == 1 &&
      EVP_EncryptFinal_ex (ctx, out + NONCE_SIZE + len, &final_len) == 1 &&
      EVP_CIPHER_CTX_ctrl (ctx, EVP_CTRL_GCM_GET_TAG, TAG_SIZE,
                           out + NONCE_SIZE + len + final_len) == 1;
  EVP_CIPHER_CTX_free (ctx);
  if (!ok)
    {
      g_set_error_literal (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_IO,
                           "AES-256-GCM sealing failed");
      return NULL;
    }
  b64 = g_base64_encode (out, NONCE_SIZE + len + final_len + TAG_SIZE);
  return g_strconcat (PREFIX, b64, NULL);
}

char *
rd_book_open_sealed (RdLedger *self, const char *sealed, const char *aad, GError **error)
{
  g_autofree guint8 *raw = NULL;
  g_autofree char *plain = NULL;
  EVP_CIPHER_CTX *ctx = NULL;
  gsize raw_len = 0;
  int len = 0, final_len = 0;
  gsize ct_len;
  gboolean ok;

  if (!need_key (self, error))
    return NULL;
  if (sealed == NULL || !g_str_has_prefix (sealed, PREFIX))
    goto bad;
  raw = g_base64_decode (sealed + strlen (PREFIX), &raw_len);
  if (raw_len < NONCE_SIZE + TAG_SIZE)
    goto bad;
  ct_len = raw_len - NONCE_SIZE - TAG_SIZE;
  plain = g_malloc0 (ct_len + 1);
  ctx = EVP_CIPHER_CTX_new ();
  ok = ctx != NULL && EVP_DecryptInit_ex (ctx, EVP_aes_256_gcm (), NULL, NULL, NULL) == 1 &&
       EVP_CIPHER_CTX_ctrl (ctx, EVP_CTRL_GCM_SET_IVLEN, NONCE_SIZE, NULL) == 1 &&
       EVP_DecryptInit_ex (ctx, NULL, NULL, self->book_key, raw) == 1 &&
       EVP_DecryptUpdate (ctx, NULL, &len, (const guint8 *)aad, (int)strlen (aad)) == 1 &&
       EVP_DecryptUpdate (ctx, (guint8 *)plain, &len, raw + NONCE_SIZE, (int)ct_len) == 1 &&
       EVP_CIPHER_CTX_ctrl (ctx, EVP_CTRL_GCM_SET_TAG, TAG_SIZE, raw + NONCE_SIZE + ct_len) == 1 &&
       EVP_DecryptFinal_ex (ctx, (guint8 *)plain + len, &final_len) == 1;
  EVP_CIPHER_CTX_free (ctx);
  if (ok && g_utf8_validate (plain, -1, NULL))
    return g_steal_pointer (&plain);
bad:
  g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_CORRUPT,
               "a sealed identity (%s) does not open with the book key: altered, moved, or "
               "sealed with another key",
               aad);
  return NULL;
}

JsonObject *
rd_book_identity (RdLedger *self, gint64 id, gint64 revision, const char *name, const char *address,
                  const char *id_document, const char *contact, const char *sealed, GError **error)
{
  JsonObject *identity;

  if (sealed != NULL)
    {
      g_autofree char *aad = rd_book_identity_aad (id, revision);
      g_autofree char *plain = rd_book_open_sealed (self, sealed, aad, error);
      g_autoptr (JsonNode) node = plain ? json_from_string (plain, NULL) : NULL;

      if (plain == NULL)
        return NULL;
      if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
        {
          g_set_error (
              error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_CORRUPT,
              "the sealed identity of registration %" G_GINT64_FORMAT " is not a JSON object", id);
          return NULL;
        }
      return json_object_ref (json_node_get_object (node));
    }
  identity = json_object_new ();
  rd_ledger_json_set_string (identity, "name", name);
  rd_ledger_json_set_string (identity, "address", address);
  rd_ledger_json_set_string (identity, "id_document", id_document);
  rd_ledger_json_set_string (identity, "contact", contact);
  return identity;
}

gboolean
rd_book_record_reveal (RdLedger *self, const char *at, const char *actor, const char *reason,
                       const char *purpose, GArray *registration_ids, GError **error)
{
  g_autoptr (JsonNode) detail = rd_book_detail_new ();
  JsonObject *o = json_node_get_object (detail);
  JsonArray *ids = json_array_new ();

  json_object_set_string_member (o, "reason", reason);
  json_object_set_string_member (o, "purpose", purpose);
  for (guint i = 0; i < registration_ids->len; i++)
    json_array_add_int_element (ids, g_array_index (registration_ids, gint64, i));
  json_object_set_array_member (o, "registrations", ids);
  return rd_ledger_insert_event (self, at, NULL, actor, "identity-revealed", detail, error) != 0;
}

JsonArray *
rd_book_representatives (RdLedger *self, gint64 id, gint64 revision, const char *stored,
                         GError **error)
{
  g_autofree char *plain = NULL;
  g_autoptr (JsonNode) node = NULL;

  if (stored == NULL)
    return json_array_new ();
  if (g_str_has_prefix (stored, "v1:"))
    {
      g_autofree char *aad = rd_book_representatives_aad (id, revision);

      plain = rd_book_open_sealed (self, stored, aad, error);
      if (plain == NULL)
        return NULL;
    }
  node = json_from_string (plain ? plain : stored, NULL);
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    {
      g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_CORRUPT,
                   "the representatives of registration %" G_GINT64_FORMAT " are not a JSON list",
                   id);
      return NULL;
    }
  return json_array_ref (json_node_get_array (node));
}
