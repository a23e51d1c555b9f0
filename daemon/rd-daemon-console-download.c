/* rd-daemon-console-download.c: the reception book and the report as XLSX or PDF for the room
 * console (GET /console/api/book.xlsx, book.pdf, report.xlsx, report.pdf). The content is the
 * control method's (book.export, report) run as the operator; the document is laid out by
 * documents/ in a worker thread, in a private directory of the state directory that is removed
 * before the answer is sent. See rd-daemon-console.h for the contract. */
#include "daemon/rd-daemon-console-private.h"
#include "daemon/rd-daemon-log.h"
#include "documents/rd-documents-book-pdf.h"
#include "documents/rd-documents-book-xlsx.h"
#include "documents/rd-documents-file.h"
#include "documents/rd-documents-report.h"
#include "proto/rd-proto.h"

#define XLSX_TYPE "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

/* One download on its way: counted in console->downloads until it is answered. */
typedef struct
{
  RdConsole *console;
  RdConsoleRequest *req;
  RdConsoleApi api;
  char *actor;
  char *period;  /* "FROM_TO" or "YYYY-MM": the file's name */
  char *dir;     /* the state directory */
  JsonNode *doc; /* the method's document, an object */
} Download;

static void
download_free (Download *d)
{
  g_free (d->actor);
  g_free (d->period);
  g_free (d->dir);
  g_clear_pointer (&d->doc, json_node_unref);
  g_free (d);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Download, download_free)

static gboolean
is_book (RdConsoleApi api)
{
  return api == RD_CONSOLE_API_BOOK_XLSX || api == RD_CONSOLE_API_BOOK_PDF;
}

static gboolean
is_pdf (RdConsoleApi api)
{
  return api == RD_CONSOLE_API_BOOK_PDF || api == RD_CONSOLE_API_REPORT_PDF;
}

/* Ends @d's count; TRUE (with @d's request answered) when the console is gone meanwhile. */
static gboolean
console_gone (Download *d)
{
  return rd_console_job_done (d->console, &d->console->downloads, d->req);
}

static void
render_in_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  Download *d = data;
  RdDocumentsWriter writer =
      is_book (d->api)
          ? (is_pdf (d->api) ? rd_documents_write_book_pdf : rd_documents_write_book_xlsx)
          : (is_pdf (d->api) ? rd_documents_write_report_pdf : rd_documents_write_report_xlsx);
  GError *error = NULL;
  GBytes *bytes = rd_documents_render (writer, json_node_get_object (d->doc), d->dir, &error);

  if (bytes)
    g_task_return_pointer (task, bytes, (GDestroyNotify)g_bytes_unref);
  else
    g_task_return_error (task, error);
}

static void
on_rendered (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (Download) d = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = g_task_propagate_pointer (G_TASK (result), &error);
  const char *ext = is_pdf (d->api) ? "pdf" : "xlsx";
  g_autofree char *ascii = NULL, *name = NULL;

  if (console_gone (d))
    return;
  if (!bytes)
    {
      rd_log_session (G_LOG_LEVEL_WARNING, NULL, "could not lay out a download for %s: %s",
                      d->actor, error->message);
      rd_console_request_reply_error (d->req, SOUP_STATUS_INTERNAL_SERVER_ERROR, "failed",
                                      error->message, NULL, 0, FALSE);
      return;
    }
  ascii = g_strdup_printf (
      "%s_%s.%s", is_book (d->api) ? "so-tiep-cong-dan" : "bao-cao-tiep-cong-dan", d->period, ext);
  name = g_strdup_printf (
      "%s %s.%s", is_book (d->api) ? "Sổ tiếp công dân" : "Báo cáo tiếp công dân", d->period, ext);
  rd_console_request_reply_attachment (d->req, is_pdf (d->api) ? "application/pdf" : XLSX_TYPE,
                                       bytes, ascii, name);
}

/* The method's reply: its document is laid out, or its error answered as for /call. */
static void
on_method_reply (JsonNode *reply, gpointer data)
{
  g_autoptr (Download) d = data;
  g_autoptr (JsonNode) owned = reply;
  JsonObject *o = json_node_get_object (reply);
  JsonObject *result;
  g_autoptr (JsonObject) detail = json_object_new ();
  g_autoptr (GTask) task = NULL;
  RdConsole *c = d->console;

  if (!json_object_get_boolean_member_with_default (o, "ok", FALSE))
    {
      JsonObject *error = json_object_get_object_member (o, "error");
      const char *code = json_object_get_string_member_with_default (error, "code", "failed");

      if (console_gone (d))
        return;
      rd_console_request_reply_error (
          d->req, rd_console_status_of (code), code,
          json_object_get_string_member_with_default (error, "message", "failed"), NULL, 0, FALSE);
      return;
    }
  result = json_object_get_object_member (o, "result");
  if (is_book (d->api))
    {
      /* book.export's "content": the book's JSON form (rd-ledger-book.h) */
      const char *content = json_object_get_string_member_with_default (result, "content", "{}");

      d->doc = json_from_string (content, NULL);
      json_object_set_int_member (detail, "rows",
                                  json_object_get_int_member_with_default (result, "rows", 0));
    }
  else
    d->doc = json_node_copy (json_object_get_member (o, "result"));
  if (!d->doc || !JSON_NODE_HOLDS_OBJECT (d->doc))
    {
      if (console_gone (d))
        return;
      rd_console_request_reply_error (d->req, SOUP_STATUS_INTERNAL_SERVER_ERROR, "failed",
                                      "The room's book is not a JSON object.", NULL, 0, FALSE);
      return;
    }
  if (!c->freed)
    {
      json_object_set_string_member (detail, "document", is_book (d->api) ? "book" : "report");
      json_object_set_string_member (detail, "format", is_pdf (d->api) ? "pdf" : "xlsx");
      json_object_set_string_member (detail, "period", d->period);
      rd_console_event (c, d->actor, "console-download",
                        rd_console_request_get_remote_address (d->req), detail);
    }
  task = g_task_new (NULL, NULL, on_rendered, d); /* @d is on_rendered's to free */
  g_task_set_task_data (task, g_steal_pointer (&d), NULL);
  g_task_run_in_thread (task, render_in_thread);
}

void
rd_console_download (RdConsole *c, RdConsoleRequest *req)
{
  RdConsoleApi api = rd_console_request_get_api (req);        /* before: @req may be gone after */
  RdConsoleSession *s = rd_console_session_of (c, req, TRUE); /* NULL: @req answered and gone */
  g_autoptr (JsonObject) params = json_object_new ();
  const char *from, *to, *month;
  Download *d;

  if (!s)
    return;
  if (!g_str_equal (s->role, "officer") && !g_str_equal (s->role, "supervisor"))
    {
      rd_console_request_reply_error (req, SOUP_STATUS_FORBIDDEN, RD_PROTO_CODE_FORBIDDEN,
                                      "The book and its report are for an officer or a "
                                      "supervisor.",
                                      NULL, 0, FALSE);
      return;
    }
  from = rd_console_request_get_query (req, "from");
  to = rd_console_request_get_query (req, "to");
  month = rd_console_request_get_query (req, "month");
  if (is_book (api) ? (!from || !to) : !month)
    {
      rd_console_request_reply_error (req, SOUP_STATUS_BAD_REQUEST, "bad-request",
                                      is_book (api) ? "The book is ?from=YYYY-MM-DD&to=YYYY-MM-DD."
                                                    : "The report is ?month=YYYY-MM.",
                                      NULL, 0, FALSE);
      return;
    }
  d = g_new0 (Download, 1);
  d->console = c;
  d->req = req;
  d->api = api;
  d->actor = g_strdup (s->actor);
  d->dir = g_strdup (rd_config_get_state_dir (c->config));
  json_object_set_string_member (params, "format", is_pdf (api) ? "pdf" : "xlsx");
  if (is_book (api))
    {
      /* masked identities: book.export reveals nothing without a reason, and none is given */
      json_object_set_string_member (params, "from", from);
      json_object_set_string_member (params, "to", to);
      d->period = g_strdup_printf ("%s_%s", from, to);
    }
  else
    {
      json_object_set_string_member (params, "month", month);
      d->period = g_strdup (month);
    }
  /* the file's name: the method refuses a period that is not one; this keeps it to ASCII */
  g_strcanon (d->period, G_CSET_A_2_Z G_CSET_a_2_z G_CSET_DIGITS "-_", '-');
  c->downloads++;
  c->dispatch (rd_control_request_new_operator (
                   is_book (api) ? "book.export" : "report", params, s->name, s->role,
                   rd_console_request_get_remote_address (req), on_method_reply, d),
               c->user_data);
}
