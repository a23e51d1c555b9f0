/* rd-ledger-book-fields.c: checking the book's input fields (text in NFC, numbers, dates,
 * classification), local dates, and the JSON rows of its views. See rd-ledger-book.h. */
#include "ledger/rd-ledger-book-private.h"
#include "ledger/rd-ledger-error.h"

#include <stdio.h>
#include <string.h>

static const struct
{
  const char *slug;
  const char *vi;
  const char *english;
} classifications[] = {
  { "khieu-nai", "khiếu nại", "complaint" },
  { "to-cao", "tố cáo", "denunciation" },
  { "kien-nghi", "kiến nghị", "petition" },
  { "phan-anh", "phản ánh", "feedback" },
};

gboolean
rd_book_check_known (JsonObject *fields, const char *const *known, GError **error)
{
  g_autoptr (GList) members = fields ? json_object_get_members (fields) : NULL;

  for (GList *l = members; l; l = l->next)
    if (!g_strv_contains (known, l->data))
      {
        g_autofree char *list = g_strjoinv (", ", (char **)known);
        g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID,
                     "unknown field \"%s\" (known: %s)", (const char *)l->data, list);
        return FALSE;
      }
  return TRUE;
}

char *
rd_book_normalize (const char *text)
{
  g_autofree char *nfc = NULL;

  if (text == NULL)
    return NULL;
  nfc = g_utf8_normalize (text, -1, G_NORMALIZE_NFC);
  if (nfc == NULL)
    return NULL;
  g_strstrip (nfc);
  if (*nfc == '\0')
    return NULL;
  return g_steal_pointer (&nfc);
}

char *
rd_book_reveal_reason (const char *given, GError **error)
{
  g_autofree char *reason = NULL;
  guint visible = 0;

  if (given == NULL)
    return NULL;
  reason = g_utf8_normalize (given, -1, G_NORMALIZE_NFC);
  if (reason == NULL)
    {
      g_set_error_literal (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID,
                           "the reveal reason is not UTF-8 text");
      return NULL;
    }
  g_strstrip (reason);
  for (const char *p = reason; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      GUnicodeType type = g_unichar_type (c);

      /* Invisible characters (U+200B and the other format characters, controls) would let a
       * reason look given while saying nothing. */
      if (type == G_UNICODE_CONTROL || type == G_UNICODE_FORMAT || type == G_UNICODE_UNASSIGNED ||
          type == G_UNICODE_PRIVATE_USE || type == G_UNICODE_SURROGATE)
        {
          g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID,
                       "the reveal reason has an invisible or control character (U+%04X)", c);
          return NULL;
        }
      if (!g_unichar_isspace (c))
        visible++;
    }
  if (visible < RD_BOOK_REVEAL_REASON_MIN)
    {
      g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID,
                   "the reveal reason must say why, in at least %d visible characters (it has %u)",
                   RD_BOOK_REVEAL_REASON_MIN, visible);
      return NULL;
    }
  return g_steal_pointer (&reason);
}

static JsonNode *
member (JsonObject *fields, const char *name)
{
  JsonNode *n = fields ? json_object_get_member (fields, name) : NULL;

  return n && !JSON_NODE_HOLDS_NULL (n) ? n : NULL;
}

static gboolean
missing (const char *name, GError **error)
{
  g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID, "field \"%s\" is required", name);
  return FALSE;
}

gboolean
rd_book_get_text (JsonObject *fields, const char *name, gboolean required, char **out,
                  GError **error)
{
  JsonNode *n = member (fields, name);
  const char *text;

  *out = NULL;
  if (n == NULL)
    return required ? missing (name, error) : TRUE;
  if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING)
    {
      g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID, "field \"%s\" must be text",
                   name);
      return FALSE;
    }
  text = json_node_get_string (n);
  if (!g_utf8_validate (text, -1, NULL))
    {
      g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID,
                   "field \"%s\" is not valid UTF-8", name);
      return FALSE;
    }
  if (g_utf8_strlen (text, -1) > RD_BOOK_MAX_TEXT)
    {
      g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID,
                   "field \"%s\" is longer than %d characters", name, RD_BOOK_MAX_TEXT);
      return FALSE;
    }
  *out = rd_book_normalize (text);
  if (*out == NULL && required)
    return missing (name, error);
  return TRUE;
}

gboolean
rd_book_get_int (JsonObject *fields, const char *name, gboolean required, gint64 min, gint64 max,
                 gint64 *out, GError **error)
{
  JsonNode *n = member (fields, name);
  gint64 value;

  if (n == NULL)
    return required ? missing (name, error) : TRUE;
  if (JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_INT64)
    value = json_node_get_int (n);
  else if (!(JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING &&
             g_ascii_string_to_signed (json_node_get_string (n), 10, G_MININT64, G_MAXINT64, &value,
                                       NULL)))
    {
      g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID,
                   "field \"%s\" must be a whole number", name);
      return FALSE;
    }
  if (value < min || value > max)
    {
      g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID,
                   "field \"%s\" must be between %" G_GINT64_FORMAT " and %" G_GINT64_FORMAT
                   " (got %" G_GINT64_FORMAT ")",
                   name, min, max, value);
      return FALSE;
    }
  *out = value;
  return TRUE;
}

gboolean
rd_book_get_bool (JsonObject *fields, const char *name, gboolean *out, GError **error)
{
  JsonNode *n = member (fields, name);

  if (n == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_BOOLEAN)
    {
      g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID,
                   "field \"%s\" must be true or false", name);
      return FALSE;
    }
  *out = json_node_get_boolean (n);
  return TRUE;
}

gboolean
rd_book_check_date (const char *text, const char *what, GError **error)
{
  guint64 y, m, d;
  g_auto (GStrv) parts = NULL;

  if (text != NULL && strlen (text) == 10 && text[4] == '-' && text[7] == '-')
    {
      parts = g_strsplit (text, "-", 3);
      if (g_ascii_string_to_unsigned (parts[0], 10, 1000, 9999, &y, NULL) &&
          g_ascii_string_to_unsigned (parts[1], 10, 1, 12, &m, NULL) &&
          g_ascii_string_to_unsigned (parts[2], 10, 1, 31, &d, NULL) &&
          g_date_valid_dmy ((GDateDay)d, (GDateMonth)m, (GDateYear)y))
        return TRUE;
    }
  g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID,
               "%s \"%s\" is not a date YYYY-MM-DD", what, text ? text : "(none)");
  return FALSE;
}

gboolean
rd_book_get_date (JsonObject *fields, const char *name, gboolean required, char **out,
                  GError **error)
{
  g_autofree char *text = NULL;
  g_autofree char *what = g_strdup_printf ("field \"%s\":", name);

  *out = NULL;
  if (!rd_book_get_text (fields, name, required, &text, error))
    return FALSE;
  if (text != NULL && !rd_book_check_date (text, what, error))
    return FALSE;
  *out = g_steal_pointer (&text);
  return TRUE;
}

const char *
rd_book_parse_classification (const char *text, GError **error)
{
  g_autofree char *nfc = rd_book_normalize (text);
  g_autofree char *folded = nfc ? g_utf8_casefold (nfc, -1) : NULL;
  g_autofree char *nfc_folded = folded ? g_utf8_normalize (folded, -1, G_NORMALIZE_NFC) : NULL;

  for (gsize i = 0; nfc_folded && i < G_N_ELEMENTS (classifications); i++)
    if (g_str_equal (nfc_folded, classifications[i].slug) ||
        g_str_equal (nfc_folded, classifications[i].vi) ||
        g_str_equal (nfc_folded, classifications[i].english))
      return classifications[i].slug;
  g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_INVALID,
               "field \"classification\": \"%s\" is not one of khiếu nại, tố cáo, kiến nghị, "
               "phản ánh (also accepted: khieu-nai, to-cao, kien-nghi, phan-anh; complaint, "
               "denunciation, petition, feedback)",
               text ? text : "");
  return NULL;
}

const char *
rd_book_classification_vi (const char *slug)
{
  for (gsize i = 0; i < G_N_ELEMENTS (classifications); i++)
    if (g_strcmp0 (slug, classifications[i].slug) == 0)
      return classifications[i].vi;
  return slug;
}

char *
rd_book_today (RdLedger *self)
{
  g_autoptr (GDateTime) now = NULL;
  g_autoptr (GDateTime) local = NULL;

  g_free (rd_ledger_now (self, &now)); /* the time only, not its stored text */
  local = g_date_time_to_local (now);

  return g_date_time_format (local, "%Y-%m-%d");
}

char *
rd_book_local_date (const char *stored_time)
{
  g_autoptr (GDateTime) utc = stored_time ? g_date_time_new_from_iso8601 (stored_time, NULL) : NULL;
  g_autoptr (GDateTime) local = utc ? g_date_time_to_local (utc) : NULL;

  return local ? g_date_time_format (local, "%Y-%m-%d") : NULL;
}

/* Only ever given checked "YYYY-MM-DD" text. */
void
rd_book_add_columns (JsonBuilder *builder, sqlite3_stmt *stmt)
{
  for (int i = 0; i < sqlite3_column_count (stmt); i++)
    {
      json_builder_set_member_name (builder, sqlite3_column_name (stmt, i));
      switch (sqlite3_column_type (stmt, i))
        {
        case SQLITE_INTEGER:
          json_builder_add_int_value (builder, sqlite3_column_int64 (stmt, i));
          break;
        case SQLITE_TEXT:
          json_builder_add_string_value (builder, (const char *)sqlite3_column_text (stmt, i));
          break;
        default:
          json_builder_add_null_value (builder);
          break;
        }
    }
}

gboolean
rd_book_add_rows (RdLedger *self, JsonBuilder *builder, sqlite3_stmt *stmt, GError **error)
{
  int rc;

  json_builder_begin_array (builder);
  while ((rc = rd_ledger_step (self, stmt, error)) == SQLITE_ROW)
    {
      json_builder_begin_object (builder);
      rd_book_add_columns (builder, stmt);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  return rc == SQLITE_DONE;
}

JsonNode *
rd_book_detail_new (void)
{
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_node_take_object (node, json_object_new ());
  return node;
}

gboolean
rd_book_registration_exists (RdLedger *self, gint64 id, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt =
      rd_ledger_prepare (self, error, "SELECT 1 FROM registrations WHERE id = ?1", 0);
  int rc;

  if (stmt == NULL || !rd_ledger_bind_int64 (self, stmt, 1, id, error) ||
      (rc = rd_ledger_step (self, stmt, error)) == 0)
    return FALSE;
  if (rc == SQLITE_DONE)
    {
      g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_NOT_FOUND,
                   "no registration %" G_GINT64_FORMAT, id);
      return FALSE;
    }
  return TRUE;
}

char *
rd_book_insert_session (RdLedger *self, const char *state, const char *title,
                        const char *created_at, const char *started_at, const char *scheduled_for,
                        const char *date, GError **error)
{
  for (int attempt = 0; attempt < 16; attempt++)
    {
      g_autofree char *candidate =
          g_strdup_printf ("%s-%06x", date, (guint)g_random_int_range (0, 0x1000000));
      g_autoptr (sqlite3_stmt) stmt = NULL;
      int rc;

      stmt = rd_ledger_prepare (self, error,
                                "INSERT INTO sessions "
                                "(id, title, state, created_at, started_at, scheduled_for) "
                                "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                                6, candidate, title, state, created_at, started_at, scheduled_for);
      if (stmt == NULL)
        return NULL;
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_DONE)
        return g_steal_pointer (&candidate);
      if (rc != SQLITE_CONSTRAINT_PRIMARYKEY)
        {
          rd_ledger_set_db_error (error, self->db, rc, RD_LEDGER_ERROR_IO,
                                  "cannot insert session \"%s\"", candidate);
          return NULL;
        }
    }
  g_set_error (error, RD_LEDGER_ERROR, RD_LEDGER_ERROR_IO, "no free session id for %s", date);
  return NULL;
}
