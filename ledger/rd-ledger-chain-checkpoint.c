/* rd-ledger-chain-checkpoint.c: signed checkpoints of the hash chain's head: made at session
 * ends, crash reconciliation and on demand, and read back in the form handed to the city board.
 * See rd-ledger-chain.h for the contract. */
#include "ledger/rd-ledger-private.h"
#include "ledger/rd-ledger-error.h"

void
rd_ledger_set_key (RdLedger *ledger, RdLedgerKey *key)
{
  g_return_if_fail (ledger != NULL);
  g_clear_pointer (&ledger->key, rd_ledger_key_free);
  if (key != NULL)
    ledger->key = rd_ledger_key_ref (key);
}

gboolean
rd_ledger_chain_checkpoint_in_transaction (RdLedger *self, const char *at, const char *reason,
                                           GError **error)
{
  g_autoptr (sqlite3_stmt) head = NULL;
  g_autoptr (sqlite3_stmt) insert = NULL;
  g_autofree char *message = NULL;
  g_autofree char *signature = NULL;
  g_autofree char *head_hash = NULL;
  gint64 seq;
  int rc;

  if (self->key == NULL)
    return TRUE;
  head =
      rd_ledger_prepare (self, error, "SELECT seq, hash FROM chain ORDER BY seq DESC LIMIT 1", 0);
  if (head == NULL || (rc = rd_ledger_step (self, head, error)) == 0)
    return FALSE;
  if (rc == SQLITE_DONE)
    {
      g_set_error_literal (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_STATE,
                           "the chain is empty: nothing to sign yet");
      return FALSE;
    }
  seq = sqlite3_column_int64 (head, 0);
  head_hash = g_strdup ((const char *)sqlite3_column_text (head, 1));
  message = rd_ledger_checkpoint_message (seq, head_hash, at);
  signature = rd_ledger_key_sign (self->key, message, error);
  if (signature == NULL)
    return FALSE;
  insert = rd_ledger_prepare (self, error,
                              "INSERT INTO checkpoints (seq, head_hash, at, reason, public_key, "
                              "signature) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                              6, NULL, head_hash, at, reason,
                              rd_ledger_key_get_public_hex (self->key), signature);
  if (insert == NULL || !rd_ledger_bind_int64 (self, insert, 1, seq, error) ||
      rd_ledger_step (self, insert, error) == 0)
    return FALSE;
  self->anchor_pending = TRUE; /* rd_ledger_commit() copies it out of the file */
  return TRUE;
}

JsonNode *
rd_ledger_checkpoint_latest (RdLedger *ledger, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  int rc;

  g_return_val_if_fail (ledger != NULL, NULL);
  stmt = rd_ledger_prepare (ledger, error,
                            "SELECT seq, head_hash, at, reason, public_key, signature "
                            "FROM checkpoints ORDER BY id DESC LIMIT 1",
                            0);
  if (stmt == NULL || (rc = rd_ledger_step (ledger, stmt, error)) == 0)
    {
      g_prefix_error (error, "cannot read the checkpoints of ledger %s: ", ledger->path);
      return NULL;
    }
  if (rc == SQLITE_DONE)
    {
      g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_NOT_FOUND,
                   "ledger %s has no checkpoint yet (one is made at each session end, or by "
                   "\"receptionctl ledger checkpoint\")",
                   ledger->path);
      return NULL;
    }
  return rd_ledger_checkpoint_row_json (stmt);
}

JsonNode *
rd_ledger_checkpoint_row_json (sqlite3_stmt *stmt)
{
  static const char *const names[] = {
    "seq", "head_hash", "at", "reason", "public_key", "signature"
  };
  g_autoptr (JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "format");
  json_builder_add_string_value (b, RD_LEDGER_CHECKPOINT_FORMAT);
  json_builder_set_member_name (b, names[0]);
  json_builder_add_int_value (b, sqlite3_column_int64 (stmt, 0));
  for (int i = 1; i < (int)G_N_ELEMENTS (names); i++)
    {
      json_builder_set_member_name (b, names[i]);
      json_builder_add_string_value (b, (const char *)sqlite3_column_text (stmt, i));
    }
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

JsonNode *
rd_ledger_checkpoint (RdLedger *ledger, const char *reason, GError **error)
{
  g_autofree char *now = NULL;

  g_return_val_if_fail (ledger != NULL, NULL);
  g_return_val_if_fail (reason != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (ledger->key == NULL)
    {
      g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_STATE,
                   "cannot sign a checkpoint of ledger %s: no room key", ledger->path);
      return NULL;
    }
  now = rd_ledger_now (ledger, NULL);
  if (!rd_ledger_begin (ledger, TRUE, error) ||
      !rd_ledger_chain_checkpoint_in_transaction (ledger, now, reason, error) ||
      !rd_ledger_commit (ledger, TRUE, error))
    {
      rd_ledger_rollback (ledger, TRUE);
      g_prefix_error (error, "cannot sign a checkpoint of ledger %s: ", ledger->path);
      return NULL;
    }
  return rd_ledger_checkpoint_latest (ledger, error);
}
