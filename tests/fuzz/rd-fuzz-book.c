/* rd-fuzz-book.c: libFuzzer target for the reception book's JSON as the console sends it (the
 * "fields" of registration add/update, read from --file or the command line): parsed as JSON,
 * then every check that runs before the database (ledger/rd-ledger-book-registration-fields.c
 * and the field helpers of rd-ledger-book-fields.c). A console user chooses these bytes. */
#include "ledger/rd-ledger-book-private.h"

#include <string.h>

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

/* A registration parsed from @fields must hold what the contract says when it is accepted. */
static void
parse_registration (JsonObject *fields, gboolean adding)
{
  g_auto (RdBookRegistration) r = { .people_count = 1 };
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) attachments = NULL;

  if (!rd_book_registration_parse (&r, fields, adding, &error))
    {
      g_assert (error != NULL && error->message != NULL);
      return;
    }
  g_assert (error == NULL);
  g_assert (r.people_count >= 1);
  g_assert (r.attachments != NULL);
  attachments = json_from_string (r.attachments, NULL);
  g_assert (attachments != NULL && JSON_NODE_HOLDS_ARRAY (attachments));
  if (adding)
    g_assert (r.name != NULL && r.summary != NULL && r.classification != NULL);
  if (r.classification)
    g_assert (rd_book_classification_vi (r.classification) != r.classification);
  if (r.name)
    g_assert (g_utf8_validate (r.name, -1, NULL));
}

/* Each string member through the other checks the book applies to its parameters. */
static void
check_strings (JsonObject *fields)
{
  g_autoptr (GList) names = json_object_get_members (fields);

  for (GList *l = names; l; l = l->next)
    {
      JsonNode *n = json_object_get_member (fields, l->data);
      const char *text;
      g_autoptr (GError) error = NULL;
      g_autofree char *reason = NULL;
      g_autofree char *date = NULL;
      g_autofree char *normal = NULL;

      if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING)
        continue;
      text = json_node_get_string (n);
      normal = rd_book_normalize (text);
      reason = rd_book_reveal_reason (text, &error);
      g_assert (reason == NULL || error == NULL);
      g_clear_error (&error);
      if (rd_book_check_date (text, "fuzz", &error))
        g_assert (strlen (text) == 10);
      g_clear_error (&error);
      if (rd_book_get_date (fields, l->data, FALSE, &date, &error))
        g_assert (date == NULL || strlen (date) == 10);
      g_clear_error (&error);
      if (rd_book_parse_classification (text, &error) == NULL)
        g_assert (error != NULL);
    }
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  g_autofree char *text = g_strndup ((const char *)data, size);
  g_autoptr (JsonNode) root = json_from_string (text, NULL);
  JsonObject *fields;

  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return 0;
  fields = json_node_get_object (root);
  parse_registration (fields, TRUE);
  parse_registration (fields, FALSE);
  check_strings (fields);
  return 0;
}
