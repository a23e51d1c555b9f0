/* rd-console-book.c: see rd-console-book.h. */
#include "console/rd-console-book.h"
#include "console/rd-console-documents.h"
#include "console/rd-console-report.h"
#include "documents/rd-documents-book-pdf.h"
#include "documents/rd-documents-book-xlsx.h"
#include "documents/rd-documents-report.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "console/rd-console-time.h"

static const char *
str (JsonObject *o, const char *name)
{
  JsonNode *n = o ? json_object_get_member (o, name) : NULL;

  if (n && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING)
    return json_node_get_string (n);
  return "-";
}

static gint64
num (JsonObject *o, const char *name)
{
  JsonNode *n = o ? json_object_get_member (o, name) : NULL;

  if (n && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_INT64)
    return json_node_get_int (n);
  return -1;
}

static JsonArray *
arr (JsonObject *o, const char *name)
{
  JsonNode *n = o ? json_object_get_member (o, name) : NULL;
  return n && JSON_NODE_HOLDS_ARRAY (n) ? json_node_get_array (n) : NULL;
}

static gboolean
flag (JsonObject *o, const char *name)
{
  return o ? json_object_get_boolean_member_with_default (o, name, FALSE) : FALSE;
}

/* A day or time member as the officer reads it (rd-console-time.h). (transfer full) */
static char *
when (JsonObject *o, const char *name)
{
  return rd_console_time_shown (str (o, name));
}

/* A member padded to @width display columns. (transfer full) */
static char *
col (JsonObject *o, const char *name, guint width)
{
  return rd_console_pad (str (o, name), width);
}

void
rd_console_print_registration (JsonNode *result)
{
  JsonObject *o = json_node_get_object (result);
  JsonArray *attachments = arr (o, "attachments");
  JsonArray *sessions = arr (o, "sessions");
  JsonArray *receptions = arr (o, "receptions");
  JsonArray *history = arr (o, "history");
  JsonArray *events = arr (o, "events");

  printf ("registration %" G_GINT64_FORMAT " (revision %" G_GINT64_FORMAT ")%s\n", num (o, "id"),
          num (o, "revision"),
          flag (o, "protected")
              ? (flag (o, "revealed") ? ", PROTECTED identity, REVEALED" : ", protected identity")
              : "");
  printf ("  classification: %s\n", str (o, "classification_vi"));
  printf ("  name:           %s\n", str (o, "name"));
  printf ("  address:        %s\n", str (o, "address"));
  printf ("  ID document:    %s\n", str (o, "id_document"));
  printf ("  contact:        %s\n", str (o, "contact"));
  printf ("  summary:        %s\n", str (o, "summary"));
  printf ("  people:         %" G_GINT64_FORMAT "\n", num (o, "people_count"));
  printf ("  prior body:     %s\n", str (o, "prior_body"));
  printf ("  field:          %s\n", str (o, "field"));
  if (num (o, "repeat_of") > 0)
    printf ("  repeated matter: first registered as %" G_GINT64_FORMAT "\n", num (o, "repeat_of"));
  else
    printf ("  repeated matter: no (first time)\n");
  {
    JsonArray *reps = arr (o, "representatives");
    printf ("  representatives:");
    for (guint i = 0; reps && i < json_array_get_length (reps); i++)
      printf ("%s %s", i ? "," : "", json_array_get_string_element (reps, i));
    printf ("%s\n", reps && json_array_get_length (reps) ? "" : " -");
  }
  printf ("  protection asked: %s\n", flag (o, "protection_requested") ? "yes" : "no");
  {
    g_autofree char *created = when (o, "created_at");
    g_autofree char *updated = when (o, "updated_at");

    printf ("  registered:     %s by %s\n", created, str (o, "created_by"));
    printf ("  last change:    %s by %s\n", updated, str (o, "updated_by"));
  }
  printf ("attachments: %u\n", attachments ? json_array_get_length (attachments) : 0);
  for (guint i = 0; attachments && i < json_array_get_length (attachments); i++)
    {
      JsonObject *a = json_array_get_object_element (attachments, i);
      printf ("  %s, %" G_GINT64_FORMAT " pages, %s\n", str (a, "name"), num (a, "pages"),
              str (a, "condition"));
    }
  printf ("sessions: %u\n", sessions ? json_array_get_length (sessions) : 0);
  for (guint i = 0; sessions && i < json_array_get_length (sessions); i++)
    {
      JsonObject *s = json_array_get_object_element (sessions, i);
      g_autofree char *at = when (s, "scheduled_for");

      printf ("  %s %-9s %s\n", str (s, "id"), str (s, "state"), at);
    }
  printf ("receptions: %u\n", receptions ? json_array_get_length (receptions) : 0);
  for (guint i = 0; receptions && i < json_array_get_length (receptions); i++)
    {
      JsonObject *r = json_array_get_object_element (receptions, i);
      g_autofree char *day = when (r, "reception_date");

      printf ("  #%" G_GINT64_FORMAT " %s %s\n", num (r, "id"), day, str (r, "handling"));
    }
  printf ("earlier revisions: %u\n", history ? json_array_get_length (history) : 0);
  printf ("events: %u\n", events ? json_array_get_length (events) : 0);
  for (guint i = 0; events && i < json_array_get_length (events); i++)
    {
      JsonObject *e = json_array_get_object_element (events, i);
      JsonNode *detail = json_object_get_member (e, "detail");
      g_autofree char *text =
          detail && !JSON_NODE_HOLDS_NULL (detail) ? json_to_string (detail, FALSE) : g_strdup ("");
      g_autofree char *at = when (e, "at");

      printf ("  %s  %-22s by %s %s\n", at, str (e, "kind"), str (e, "actor"), text);
    }
}

void
rd_console_print_registration_list (JsonNode *result)
{
  JsonArray *a = json_node_get_array (result);

  if (json_array_get_length (a) == 0)
    {
      printf ("no registrations\n");
      return;
    }
  printf ("  %-5s %-16s %-10s %-30s %s\n", "ID", "REGISTERED", "CLASS", "NAME", "SUMMARY");
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      JsonObject *r = json_array_get_object_element (a, i);
      g_autofree char *created = when (r, "created_at");
      g_autofree char *created_col = rd_console_pad (created, 16);
      g_autofree char *class_col = col (r, "classification_vi", 10);
      g_autofree char *name_col = col (r, "name", 30);

      printf ("  %-5" G_GINT64_FORMAT " %s %s %s %s\n", num (r, "id"), created_col, class_col,
              name_col, str (r, "summary"));
    }
}

void
rd_console_print_schedule (JsonNode *result)
{
  JsonObject *o = json_node_get_object (result);
  JsonObject *t = json_object_get_object_member (o, "timing");
  JsonArray *warnings = arr (t, "warnings");
  g_autofree char *at = when (t, "scheduled_for");
  g_autofree char *notify = when (t, "notify_citizen_by");
  g_autofree char *test = when (t, "test_link_by");
  g_autofree char *connect = when (t, "connect_by");

  printf ("%s\n", str (o, "id"));
  printf ("scheduled for %s\n", at);
  printf ("notify the citizen by %s, test the link by %s, connect by %s\n", notify, test, connect);
  for (guint i = 0; warnings && i < json_array_get_length (warnings); i++)
    printf ("WARNING: %s\n", json_array_get_string_element (warnings, i));
  printf ("(working days: %s)\n", str (t, "working_days"));
}

void
rd_console_print_reception (JsonNode *result)
{
  JsonObject *o = json_node_get_object (result);
  JsonArray *recs = arr (o, "recordings");

  printf ("reception record %" G_GINT64_FORMAT "\n", num (o, "id"));
  printf ("  registration:  %" G_GINT64_FORMAT " (%s)\n", num (o, "registration_id"),
          str (o, "classification_vi"));
  printf ("  session:       %s\n", str (o, "session_id"));
  {
    g_autofree char *day = when (o, "reception_date");

    printf ("  date:          %s\n", day);
  }
  printf ("  content:       %s\n", str (o, "content"));
  printf ("  handling:      %s\n", str (o, "handling"));
  printf ("  body:          %s\n", str (o, "handling_body"));
  printf ("  document:      %s\n", str (o, "document_number"));
  printf ("  legal basis:   %s\n", str (o, "legal_basis"));
  printf ("  refused for:   %s\n", str (o, "refusal_reason"));
  printf ("  officer:       %s\n", str (o, "officer"));
  printf ("  presiding:     %s\n", str (o, "presiding_officer"));
  if (num (o, "registration_revision") > 0)
    printf ("  made on:       revision %" G_GINT64_FORMAT " of the registration\n",
            num (o, "registration_revision"));
  else
    printf ("  made on:       (not recorded: a record made before the book kept it)\n");
  printf ("  confirmation:  %s\n", str (o, "confirmation"));
  printf ("  notes:         %s\n", str (o, "notes"));
  {
    g_autofree char *created = when (o, "created_at");

    printf ("  recorded:      %s by %s\n", created, str (o, "created_by"));
  }
  printf ("recordings: %u\n", recs ? json_array_get_length (recs) : 0);
  for (guint i = 0; recs && i < json_array_get_length (recs); i++)
    {
      JsonObject *r = json_array_get_object_element (recs, i);
      printf ("  #%" G_GINT64_FORMAT " %s sha256 %s\n", num (r, "segment"), str (r, "path"),
              str (r, "sha256"));
    }
}

void
rd_console_print_reception_list (JsonNode *result)
{
  JsonArray *a = json_node_get_array (result);

  if (json_array_get_length (a) == 0)
    {
      printf ("no reception records\n");
      return;
    }
  printf ("  %-5s %-10s %-6s %-11s %-16s %s\n", "ID", "DATE", "REG", "HANDLING", "SESSION",
          "OFFICER");
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      JsonObject *r = json_array_get_object_element (a, i);
      g_autofree char *day = when (r, "reception_date");
      g_autofree char *day_col = rd_console_pad (day, 10);
      g_autofree char *handling_col = col (r, "handling", 11);
      g_autofree char *session_col = col (r, "session_id", 16);

      printf ("  %-5" G_GINT64_FORMAT " %s %-6" G_GINT64_FORMAT " %s %s %s\n", num (r, "id"),
              day_col, num (r, "registration_id"), handling_col, session_col, str (r, "officer"));
    }
}

static void
print_conclusion (JsonObject *c)
{
  JsonArray *notes = arr (c, "followups");
  g_autofree char *due = when (c, "due_date");

  printf ("conclusion %" G_GINT64_FORMAT " of session %s: %s\n", num (c, "id"),
          str (c, "session_id"), str (c, "text"));
  printf ("  assignee %s, due %s, %s%s%s\n", str (c, "assignee"), due, str (c, "status"),
          g_strcmp0 (str (c, "status"), "done") == 0 ? ": " : "",
          g_strcmp0 (str (c, "status"), "done") == 0 ? str (c, "outcome") : "");
  for (guint i = 0; notes && i < json_array_get_length (notes); i++)
    {
      JsonObject *n = json_array_get_object_element (notes, i);
      g_autofree char *at = when (n, "at");

      printf ("  %s by %s: %s\n", at, str (n, "actor"), str (n, "progress"));
    }
}

void
rd_console_print_conclusion (JsonNode *result)
{
  if (result && JSON_NODE_HOLDS_OBJECT (result))
    print_conclusion (json_node_get_object (result));
}

void
rd_console_print_conclusion_list (JsonNode *result)
{
  JsonArray *a = json_node_get_array (result);

  if (json_array_get_length (a) == 0)
    printf ("no conclusions\n");
  for (guint i = 0; i < json_array_get_length (a); i++)
    print_conclusion (json_array_get_object_element (a, i));
}

void
rd_console_print_overdue (JsonNode *result)
{
  JsonObject *o = json_node_get_object (result);
  JsonArray *late = arr (o, "conclusions");
  JsonArray *petitions = arr (o, "petitions");

  g_autofree char *today = when (o, "today");

  printf ("overdue on %s\n", today);
  printf ("conclusions past their due date: %u\n", late ? json_array_get_length (late) : 0);
  for (guint i = 0; late && i < json_array_get_length (late); i++)
    {
      JsonObject *c = json_array_get_object_element (late, i);
      g_autofree char *due = when (c, "due_date");

      printf ("  #%" G_GINT64_FORMAT " due %s (%" G_GINT64_FORMAT " days late) %s: %s\n",
              num (c, "id"), due, num (c, "days_late"), str (c, "assignee"), str (c, "text"));
    }
  printf ("petitions older than 45 days without a result: %u\n",
          petitions ? json_array_get_length (petitions) : 0);
  for (guint i = 0; petitions && i < json_array_get_length (petitions); i++)
    {
      JsonObject *p = json_array_get_object_element (petitions, i);
      printf ("  registration %" G_GINT64_FORMAT " (%" G_GINT64_FORMAT " days): %s\n",
              num (p, "id"), num (p, "days_open"), str (p, "summary"));
    }
}

void
rd_console_print_book (JsonNode *result)
{
  const char *content = str (json_node_get_object (result), "content");

  fwrite (content, 1, strlen (content), stdout);
}

void
rd_console_print_document (JsonNode *result)
{
  JsonObject *o = JSON_NODE_HOLDS_OBJECT (result) ? json_node_get_object (result) : NULL;

  printf ("document %s\n", str (o, "kind"));
}

void
rd_console_print_report (JsonNode *result)
{
  if (JSON_NODE_HOLDS_OBJECT (result))
    rd_console_print_report_table (json_node_get_object (result));
}

gboolean
rd_console_write_output (JsonNode *result, const char *path, GError **error)
{
  JsonObject *o = JSON_NODE_HOLDS_OBJECT (result) ? json_node_get_object (result) : NULL;
  const char *content = o ? json_object_get_string_member_with_default (o, "content", NULL) : NULL;
  const char *format;
  g_autofree char *as_json = NULL;
  gsize len, done = 0;
  int fd;

  format = o ? json_object_get_string_member_with_default (o, "format", "") : "";
  /* A printed document (its "kind"), or a report (its "lines") asked for as a document. */
  if (o != NULL && content == NULL && json_object_has_member (o, "kind") &&
      g_str_equal (format, "pdf"))
    return rd_console_write_document_pdf (o, path, error);
  if (o != NULL && content == NULL && json_object_has_member (o, "lines") &&
      (g_str_equal (format, "xlsx") || g_str_equal (format, "pdf")))
    return g_str_equal (format, "pdf") ? rd_documents_write_report_pdf (o, path, error)
                                       : rd_documents_write_report_xlsx (o, path, error);
  if (content != NULL && (g_str_equal (format, "xlsx") || g_str_equal (format, "pdf")))
    {
      g_autoptr (JsonNode) book = json_from_string (content, error);

      if (book == NULL || !JSON_NODE_HOLDS_OBJECT (book))
        {
          if (book != NULL)
            g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                                 "the book from the daemon is not a JSON object");
          return FALSE;
        }
      return g_str_equal (format, "pdf")
                 ? rd_documents_write_book_pdf (json_node_get_object (book), path, error)
                 : rd_documents_write_book_xlsx (json_node_get_object (book), path, error);
    }
  if (content == NULL) /* no file content in the reply: the reply itself, as JSON */
    {
      g_autofree char *text = json_to_string (result, TRUE);
      content = as_json = g_strconcat (text, "\n", NULL);
    }
  fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "cannot create %s: %s%s", path,
                   g_strerror (saved), saved == EEXIST ? " (choose a new file name)" : "");
      return FALSE;
    }
  len = strlen (content);
  while (done < len)
    {
      ssize_t n = write (fd, content + done, len - done);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;
          close (fd);
          unlink (path); /* ours, incomplete */
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "cannot write %s: %s",
                       path, g_strerror (saved));
          return FALSE;
        }
      done += (gsize)n;
    }
  if (fsync (fd) != 0 || close (fd) != 0)
    {
      int saved = errno;
      unlink (path);
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "cannot write %s: %s", path,
                   g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}
