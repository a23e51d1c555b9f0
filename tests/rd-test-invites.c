/* rd-test-invites.c: the fixture and checks of the invites' and participants' tests. See
 * rd-test-invites.h. */
#include "tests/rd-test-invites.h"

#include <glib/gstdio.h>
#include <string.h>

void
rd_test_invites_set_up (RdTestInvites *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *name = g_path_get_basename (g_get_prgname ());
  g_autofree char *template = g_strconcat (name, "-XXXXXX", NULL);

  f->dir = g_dir_make_tmp (template, &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, RD_LEDGER_FILE_NAME, NULL);
  if (data != NULL)
    return; /* the test builds its own file */
  f->ledger = rd_ledger_open (f->dir, &error);
  g_assert_no_error (error);
  f->session = rd_ledger_session_start (f->ledger, "Reception", "operator:alice", &error);
  g_assert_no_error (error);
}

void
rd_test_invites_tear_down (RdTestInvites *f, gconstpointer data)
{
  const char *suffixes[] = { "", "-wal", "-shm", "-journal" };

  g_clear_pointer (&f->ledger, rd_ledger_close);
  for (gsize i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *name = g_strconcat (f->path, suffixes[i], NULL);
      g_remove (name);
    }
  g_rmdir (f->dir);
  g_free (f->session);
  g_free (f->dir);
  g_free (f->path);
}

char *
rd_test_invites_token_hash (const char *token)
{
  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, token, -1);
}

char *
rd_test_invites_time_from_now (GTimeSpan offset)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr (GDateTime) then = g_date_time_add (now, offset);

  return g_date_time_format (then, "%Y-%m-%dT%H:%M:%SZ");
}

void
rd_test_invites_assert_timestamp (const char *text)
{
  g_assert_nonnull (text);
  g_assert_true (g_regex_match_simple ("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}"
                                       "\\.[0-9]{6}Z$",
                                       text, 0, 0));
}

gint64
rd_test_invites_create_ok (RdTestInvites *f, const char *session, const char *role,
                           const char *name, const char *token)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *hash = rd_test_invites_token_hash (token);
  g_autofree char *expires = rd_test_invites_time_from_now (2 * G_TIME_SPAN_HOUR);
  gint64 id = rd_ledger_invite_create (f->ledger, session, role, name, expires, hash,
                                       "operator:alice", &error);

  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);
  return id;
}

JsonNode *
rd_test_invites_show_ok (RdTestInvites *f, const char *session)
{
  g_autoptr (GError) error = NULL;
  JsonNode *shown = rd_ledger_session_show (f->ledger, session, &error);

  g_assert_no_error (error);
  g_assert_nonnull (shown);
  return shown;
}

char *
rd_test_invites_event_kinds (RdTestInvites *f, const char *session)
{
  g_autoptr (JsonNode) shown = rd_test_invites_show_ok (f, session);
  JsonArray *events = json_object_get_array_member (json_node_get_object (shown), "events");
  g_autoptr (GString) kinds = g_string_new (NULL);

  for (guint i = 0; i < json_array_get_length (events); i++)
    g_string_append_printf (
        kinds, "%s%s", i > 0 ? "," : "",
        json_object_get_string_member (json_array_get_object_element (events, i), "kind"));
  return g_string_free (g_steal_pointer (&kinds), FALSE);
}

JsonObject *
rd_test_invites_last_event (RdTestInvites *f, const char *session, const char *kind)
{
  g_autoptr (JsonNode) shown = rd_test_invites_show_ok (f, session);
  JsonArray *events = json_object_get_array_member (json_node_get_object (shown), "events");
  JsonObject *event;

  g_assert_cmpuint (json_array_get_length (events), >, 0);
  event = json_array_get_object_element (events, json_array_get_length (events) - 1);
  g_assert_cmpstr (json_object_get_string_member (event, "kind"), ==, kind);
  return json_object_ref (event);
}

JsonObject *
rd_test_invites_detail_of (JsonObject *event)
{
  return json_object_get_object_member (event, "detail");
}

void
rd_test_invites_assert_refused (GError *error, RdLedgerError code, const char *session,
                                const char *token, const char *expected)
{
  g_autofree char *hash = rd_test_invites_token_hash (token);

  g_assert_error (error, RD_LEDGER_ERROR, code);
  g_test_message ("%s", error->message);
  g_assert_null (strstr (error->message, token));
  g_assert_null (strstr (error->message, hash));
  if (session != NULL)
    g_assert_nonnull (strstr (error->message, session));
  g_assert_nonnull (strstr (error->message, expected));
}
