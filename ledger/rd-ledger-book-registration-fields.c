/* rd-ledger-book-registration-fields.c: a registration's fields as they come in (JSON from the
 * console) checked and normalized, before any of them reaches the database. See
 * rd-ledger-book-private.h. */
#include "ledger/rd-ledger-book-private.h"
#include "ledger/rd-ledger-error.h"

static const char *const registration_fields[] = {
  "name",           "address",      "id_document",          "contact",    "summary",
  "classification", "people_count", "protection_requested", "prior_body", "attachments",
  "field",          "repeat_of",    "representatives",      NULL,
};

void
rd_book_registration_clear (RdBookRegistration *r)
{
  g_free (r->classification);
  g_free (r->name);
  g_free (r->address);
  g_free (r->id_document);
  g_free (r->contact);
  g_free (r->summary);
  g_free (r->prior_body);
  g_free (r->attachments);
  g_free (r->field);
  g_free (r->representatives);
}

/* representatives: [names] -> normalized JSON text, NULL for an empty list. */
static gboolean
parse_representatives (JsonNode *node, char **out, GError **error)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  JsonArray *a = JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
  guint n = 0;

  if (a == NULL)
    {
      g_set_error_literal (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID,
                           "field \"representatives\" must be a list of names");
      return FALSE;
    }
  json_builder_begin_array (b);
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      JsonNode *e = json_array_get_element (a, i);
      g_autofree char *name = NULL;

      if (!JSON_NODE_HOLDS_VALUE (e) || json_node_get_value_type (e) != G_TYPE_STRING ||
          !g_utf8_validate (json_node_get_string (e), -1, NULL))
        {
          g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID,
                       "field \"representatives\", item %u: must be a name", i + 1);
          return FALSE;
        }
      name = rd_book_normalize (json_node_get_string (e));
      if (name == NULL)
        continue;
      if (g_utf8_strlen (name, -1) > 200)
        {
          g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID,
                       "field \"representatives\", item %u: longer than 200 characters", i + 1);
          return FALSE;
        }
      json_builder_add_string_value (b, name);
      n++;
    }
  json_builder_end_array (b);
  root = json_builder_get_root (b);
  g_free (*out);
  *out = n ? json_to_string (root, FALSE) : NULL;
  return TRUE;
}

/* attachments: [{name, pages, condition}] -> normalized JSON text. */
static char *
parse_attachments (JsonNode *node, GError **error)
{
  static const char *const known[] = { "name", "pages", "condition", NULL };
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  JsonArray *a;

  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      g_set_error_literal (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID,
                           "field \"attachments\" must be a list of {name, pages, condition}");
      return NULL;
    }
  a = json_node_get_array (node);
  json_builder_begin_array (b);
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      JsonNode *e = json_array_get_element (a, i);
      JsonObject *o = JSON_NODE_HOLDS_OBJECT (e) ? json_node_get_object (e) : NULL;
      g_autofree char *name = NULL;
      g_autofree char *condition = NULL;
      gint64 pages = 0;
      g_autoptr (GError) local = NULL;

      if (o == NULL || !rd_book_check_known (o, known, &local) ||
          !rd_book_get_text (o, "name", TRUE, &name, &local) ||
          !rd_book_get_int (o, "pages", FALSE, 1, 100000, &pages, &local) ||
          !rd_book_get_text (o, "condition", FALSE, &condition, &local))
        {
          g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID,
                       "field \"attachments\", item %u: %s", i + 1,
                       local ? local->message : "must be an object {name, pages, condition}");
          return NULL;
        }
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, name);
      json_builder_set_member_name (b, "pages");
      if (pages > 0)
        json_builder_add_int_value (b, pages);
      else
        json_builder_add_null_value (b);
      json_builder_set_member_name (b, "condition");
      if (condition)
        json_builder_add_string_value (b, condition);
      else
        json_builder_add_null_value (b);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  root = json_builder_get_root (b);
  return json_to_string (root, FALSE);
}

gboolean
rd_book_registration_parse (RdBookRegistration *r, JsonObject *fields, gboolean adding,
                            GError **error)
{
  char **slots[] = { &r->name,    &r->address,    &r->id_document, &r->contact,
                     &r->summary, &r->prior_body, &r->field };
  const char *names[] = { "name",    "address",    "id_document", "contact",
                          "summary", "prior_body", "field" };
  JsonNode *attachments;
  JsonNode *representatives;

  if (!rd_book_check_known (fields, registration_fields, error))
    return FALSE;
  for (gsize i = 0; i < G_N_ELEMENTS (slots); i++)
    {
      char *value = NULL;
      gboolean required = g_str_equal (names[i], "name") || g_str_equal (names[i], "summary");

      if (!adding && !json_object_has_member (fields, names[i]))
        continue;
      if (!rd_book_get_text (fields, names[i], required, &value, error))
        return FALSE;
      g_free (*slots[i]);
      *slots[i] = value;
    }
  if (adding || json_object_has_member (fields, "classification"))
    {
      g_autofree char *text = NULL;
      const char *slug;

      if (!rd_book_get_text (fields, "classification", TRUE, &text, error) ||
          !(slug = rd_book_parse_classification (text, error)))
        return FALSE;
      g_free (r->classification);
      r->classification = g_strdup (slug);
    }
  if (!rd_book_get_int (fields, "people_count", FALSE, 1, 1000000, &r->people_count, error) ||
      !rd_book_get_bool (fields, "protection_requested", &r->protection_requested, error) ||
      !rd_book_get_int (fields, "repeat_of", FALSE, 0, G_MAXINT64, &r->repeat_of, error))
    return FALSE;
  representatives = fields ? json_object_get_member (fields, "representatives") : NULL;
  if (representatives && JSON_NODE_HOLDS_NULL (representatives))
    g_clear_pointer (&r->representatives, g_free);
  else if (representatives && !parse_representatives (representatives, &r->representatives, error))
    return FALSE;
  attachments = fields ? json_object_get_member (fields, "attachments") : NULL;
  if (attachments && !JSON_NODE_HOLDS_NULL (attachments))
    {
      char *text = parse_attachments (attachments, error);
      if (!text)
        return FALSE;
      g_free (r->attachments);
      r->attachments = text;
    }
  else if (attachments || !r->attachments)
    {
      g_free (r->attachments);
      r->attachments = g_strdup ("[]");
    }
  return TRUE;
}
