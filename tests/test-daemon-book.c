/* test-daemon-book.c: the reception book through the real receptiond and the real receptionctl:
 * registrations from options and from a file, bad input, denouncer protection and reveals with
 * their actor, scheduling with the timing warnings and starting the scheduled session, reception
 * records, conclusions and follow-ups, the book written to a file, the report, the key file
 * rules at start, and the room's local time and working days. */
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/rd-test-daemon.h"

#define TIMEOUT_MS 20000

static char *
actor (void)
{
  return g_strdup_printf ("uid=%u(%s)", (guint)getuid (), g_get_user_name ());
}

static JsonObject *
obj (JsonNode *node)
{
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  return json_node_get_object (node);
}

/* Runs receptionctl, expects exit @code, returns stdout (or stderr when failing). */
static char *
ctl_expect (RdTestDaemon *t, int code, const char *const *args)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int rc;

  g_ptr_array_add (argv, (char *)"--socket");
  g_ptr_array_add (argv, t->socket_path);
  for (int i = 0; args[i]; i++)
    g_ptr_array_add (argv, (char *)args[i]);
  g_ptr_array_add (argv, NULL);
  rc = rd_test_run ("receptionctl", &out, &err, (const char *const *)argv->pdata);
  if (rc != code)
    g_error ("receptionctl %s: exit %d, expected %d; stdout: %s; stderr: %s", args[0], rc, code,
             out, err);
  return code == 0 ? g_steal_pointer (&out) : g_steal_pointer (&err);
}

#define CTL_OK(t, ...)         ctl_expect ((t), 0, (const char *const[]){ __VA_ARGS__, NULL })
#define CTL_FAIL(t, code, ...) ctl_expect ((t), (code), (const char *const[]){ __VA_ARGS__, NULL })

/* The kinds and actors of a registration's events: "kind by actor|...". */
static char *
registration_events (RdTestDaemon *t, const char *id)
{
  g_autoptr (JsonNode) shown = rd_test_ctl_json (t, "registration", "show", id, NULL);
  JsonArray *events = json_object_get_array_member (obj (shown), "events");
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < json_array_get_length (events); i++)
    {
      JsonObject *e = json_array_get_object_element (events, i);
      g_string_append_printf (s, "%s by %s|", json_object_get_string_member (e, "kind"),
                              json_object_get_string_member (e, "actor"));
    }
  return g_string_free (s, FALSE);
}

static void
test_registrations (void)
{
  g_autoptr (RdTestDaemon) t = rd_test_daemon_new (NULL);
  g_autoptr (JsonNode) shown = NULL;
  g_autoptr (JsonNode) list = NULL;
  g_autofree char *who = actor ();
  g_autofree char *file = NULL;
  g_autofree char *bad_file = NULL;
  g_autofree char *out = NULL;
  g_autofree char *events = NULL;
  g_autofree char *expected = NULL;
  JsonObject *o;

  rd_test_daemon_start (t);
  out = CTL_OK (t, "registration", "add", "--name", "Nguyễn Văn An", "--address", "12 Lê Lợi",
                "--id-document", "CCCD 079088001234", "--summary", "Tranh chấp ranh giới",
                "--classification", "khieu-nai", "--people", "3", "--attachment",
                "Đơn khiếu nại;2;bản gốc", "--attachment", "Sổ đỏ (bản sao);;");
  g_assert_nonnull (strstr (out, "registration 1 (revision 1)"));
  g_assert_nonnull (strstr (out, "Nguyễn Văn An"));

  /* From a file, an option overriding it; decomposed text stored NFC. */
  file = g_build_filename (t->dir, "reg.json", NULL);
  g_assert_true (g_file_set_contents (
      file,
      "{\"name\": \"Pha\xcc\xa3m Thu Ha\xcc\x80\", \"summary\": \"Đèn đường hỏng\","
      " \"classification\": \"feedback\", \"people_count\": 2,"
      " \"attachments\": [{\"name\": \"Ảnh\", \"pages\": 1}]}",
      -1, NULL));
  g_free (out);
  out = CTL_OK (t, "registration", "add", "--file", file, "--people", "5");
  shown = rd_test_ctl_json (t, "registration", "show", "2", NULL);
  o = obj (shown);
  g_assert_cmpstr (json_object_get_string_member (o, "name"), ==, "Phạm Thu Hà");
  g_assert_cmpint (json_object_get_int_member (o, "people_count"), ==, 5);
  g_assert_cmpstr (json_object_get_string_member (o, "classification_vi"), ==, "phản ánh");

  /* Bad input: each refused with the field named, nothing written. */
  bad_file = g_build_filename (t->dir, "bad.json", NULL);
  g_assert_true (g_file_set_contents (bad_file, "{\"name\": \"A\",", -1, NULL));
  g_free (out);
  out = CTL_FAIL (t, 65, "registration", "add", "--file", bad_file);
  g_assert_nonnull (strstr (out, "not JSON"));
  g_free (out);
  /* json-glib would keep "A" of "A\u0000B" as the name, silently. */
  g_assert_true (g_file_set_contents (
      bad_file, "{\"name\": \"A\\u0000B\", \"summary\": \"S\", \"classification\": \"feedback\"}",
      -1, NULL));
  out = CTL_FAIL (t, 65, "registration", "add", "--file", bad_file);
  g_assert_nonnull (strstr (out, "NUL character"));
  g_free (out);
  out = CTL_FAIL (t, 1, "registration", "add", "--name", "A", "--summary", "S", "--classification",
                  "khiếu kiện");
  g_assert_nonnull (strstr (out, "field \"classification\""));
  g_assert_nonnull (strstr (out, "invalid-params"));
  g_free (out);
  out = CTL_FAIL (t, 1, "registration", "add", "--summary", "S", "--classification", "petition");
  g_assert_nonnull (strstr (out, "field \"name\" is required"));
  g_free (out);
  out = CTL_FAIL (t, 64, "registration", "add", "--people", "many");
  g_free (out);
  out = CTL_FAIL (t, 64, "registration", "add", "--attachment", "no pages given");
  g_free (out);
  out = CTL_FAIL (t, 1, "registration", "show", "9");
  g_assert_nonnull (strstr (out, "no registration 9 (not-found)"));
  g_free (out);
  out = CTL_FAIL (t, 1, "registration", "update", "9", "--summary", "x");
  g_assert_nonnull (strstr (out, "not-found"));
  list = rd_test_ctl_json (t, "registration", "list", NULL);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (list)), ==, 2);

  /* An update is a new revision, by whoever made it. */
  g_free (out);
  out = CTL_OK (t, "registration", "update", "1", "--summary", "Tranh chấp ranh giới (bổ sung)");
  g_assert_nonnull (strstr (out, "revision 2"));
  g_assert_nonnull (strstr (out, "earlier revisions: 1"));
  events = registration_events (t, "1");
  expected = g_strdup_printf ("registration-added by %s|registration-updated by %s|", who, who);
  g_assert_cmpstr (events, ==, expected);
}

static void
test_protection (void)
{
  g_autoptr (RdTestDaemon) t = rd_test_daemon_new (NULL);
  g_autoptr (JsonNode) shown = NULL;
  g_autoptr (JsonNode) book = NULL;
  g_autofree char *who = actor ();
  g_autofree char *out = NULL;
  g_autofree char *key = NULL;
  g_autofree char *events = NULL;
  g_autofree char *expected = NULL;
  GStatBuf st;

  rd_test_daemon_start (t);
  /* The key was made at the first start: 32 bytes, the daemon's user only. */
  key = g_build_filename (t->state_dir, "keys", "book.key", NULL);
  g_assert_cmpint (g_stat (key, &st), ==, 0);
  g_assert_cmpint (st.st_size, ==, 32);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  g_free (CTL_OK (t, "registration", "add", "--name", "Trần Thị Bích", "--id-document",
                  "CCCD 079188009999", "--summary", "Tố cáo cán bộ", "--classification", "tố cáo"));
  g_free (CTL_OK (t, "registration", "add", "--name", "Lê Cường", "--summary", "Phản ánh",
                  "--classification", "phan-anh", "--protect"));
  g_free (CTL_OK (t, "reception", "add", "--registration", "1", "--content", "Tố cáo", "--handling",
                  "transferred", "--body", "Thanh tra thành phố", "--document", "45/TTr",
                  "--officer", "Phạm Thu", "--confirmation", "fingerprint", "--date",
                  "2026-11-03"));

  out = CTL_OK (t, "registration", "show", "1");
  g_assert_null (strstr (out, "Trần Thị Bích"));
  g_assert_nonnull (strstr (out, "[danh tính được bảo vệ]"));
  g_free (out);
  out = CTL_OK (t, "registration", "show", "2");
  g_assert_null (strstr (out, "Lê Cường"));
  g_free (out);
  out = CTL_OK (t, "registration", "list");
  g_assert_null (strstr (out, "Trần Thị Bích"));
  g_assert_null (strstr (out, "Lê Cường"));
  g_free (out);
  out = CTL_FAIL (t, 1, "registration", "show", "1", "--reveal");
  g_assert_nonnull (strstr (out, "needs a reason"));
  g_free (out);
  out = CTL_FAIL (t, 1, "registration", "show", "1", "--reason", "x");
  g_assert_nonnull (strstr (out, "only for --reveal"));
  g_free (out);
  /* A reason of spaces reveals nothing, and nothing says it did. */
  out = CTL_FAIL (t, 1, "registration", "show", "1", "--reveal", "--reason", "     ");
  g_assert_nonnull (strstr (out, "at least 10 visible characters"));
  g_free (out);
  {
    g_autofree char *log = rd_test_daemon_stderr (t);

    g_assert_null (strstr (log, "identity revealed"));
  }

  out = CTL_OK (t, "registration", "show", "1", "--reveal", "--reason", "Thanh tra xác minh");
  g_assert_nonnull (strstr (out, "Trần Thị Bích"));
  g_assert_nonnull (strstr (out, "REVEALED"));
  events = registration_events (t, "1");
  expected = g_strdup_printf ("registration-added by %s|reception-recorded by %s|"
                              "identity-revealed by %s|",
                              who, who, who);
  g_assert_cmpstr (events, ==, expected);
  shown = rd_test_ctl_json (t, "registration", "show", "1", NULL);
  {
    JsonArray *ev = json_object_get_array_member (obj (shown), "events");
    JsonObject *reveal =
        json_object_get_object_member (json_array_get_object_element (ev, 2), "detail");
    g_assert_cmpstr (json_object_get_string_member (reveal, "reason"), ==, "Thanh tra xác minh");
  }

  /* The book: redacted, revealed with a reason, never in an export for transfer. */
  g_free (out);
  out = CTL_OK (t, "book", "export", "--from", "2026-11-01", "--to", "2026-11-30");
  g_assert_null (strstr (out, "Trần Thị Bích"));
  g_free (out);
  out = CTL_OK (t, "book", "export", "--from", "2026-11-01", "--to", "2026-11-30", "--reveal",
                "--reason", "Gửi thanh tra");
  g_assert_nonnull (strstr (out, "Trần Thị Bích"));
  g_free (out);
  out = CTL_OK (t, "book", "export", "--from", "2026-11-01", "--to", "2026-11-30", "--reveal",
                "--reason", "Chuyển đơn", "--for-transfer");
  g_assert_null (strstr (out, "Trần Thị Bích"));
  g_assert_null (strstr (out, "079188009999"));
  book = rd_test_ctl_json (t, "book", "export", "--from", "2026-11-01", "--to", "2026-11-30",
                           "--for-transfer", "--format", "json", NULL);
  g_assert_false (json_object_get_boolean_member (obj (book), "revealed"));
  g_assert_cmpint (json_object_get_int_member (obj (book), "rows"), ==, 1);
}

static void
test_schedule_and_start (void)
{
  g_autoptr (RdTestDaemon) t = rd_test_daemon_new (NULL);
  g_autoptr (JsonNode) scheduled = NULL;
  g_autoptr (JsonNode) shown = NULL;
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  g_autoptr (GDateTime) soon = g_date_time_add_days (now, 1);
  g_autoptr (GDateTime) later = g_date_time_add_days (now, 21);
  g_autofree char *at_soon = g_date_time_format (soon, "%Y-%m-%dT%H:%M");
  g_autofree char *at_later = g_date_time_format (later, "%Y-%m-%dT%H:%M");
  g_autofree char *out = NULL;
  g_autofree char *id = NULL;
  g_autofree char *live = NULL;

  rd_test_daemon_start (t);
  g_free (CTL_OK (t, "registration", "add", "--name", "A", "--summary", "S", "--classification",
                  "petition"));
  g_free (CTL_OK (t, "registration", "add", "--name", "B", "--summary", "S", "--classification",
                  "complaint"));

  /* Tomorrow: too late to notify the citizen 5 working days ahead. */
  out = CTL_OK (t, "session", "schedule", "--at", at_soon, "--registration", "1", "2");
  g_assert_nonnull (strstr (out, "WARNING: the citizen must be notified at least 5 working days"));
  g_free (out);
  /* In three weeks: no duty is missed yet (unless it lands on a weekend). */
  scheduled = rd_test_ctl_json (t, "session", "schedule", "--at", at_later, "--registration", "1",
                                "--title", "Tiếp định kỳ", NULL);
  {
    JsonObject *timing = json_object_get_object_member (obj (scheduled), "timing");
    JsonArray *warnings = json_object_get_array_member (timing, "warnings");
    for (guint i = 0; i < json_array_get_length (warnings); i++)
      g_assert_nonnull (strstr (json_array_get_string_element (warnings, i), "not a working day"));
  }
  id = g_strdup (json_object_get_string_member (obj (scheduled), "id"));
  g_assert_cmpstr (json_object_get_string_member (obj (scheduled), "state"), ==, "scheduled");
  g_assert_true (
      g_str_has_suffix (json_object_get_string_member (obj (scheduled), "scheduled_for"), "Z"));
  out = CTL_OK (t, "session", "list");
  {
    /* shown in the room's time, as dd/mm/yyyy HH:MM */
    g_autoptr (GDateTime) stored = g_date_time_new_from_iso8601 (
        json_object_get_string_member (obj (scheduled), "scheduled_for"), NULL);
    g_autoptr (GDateTime) local = g_date_time_to_local (stored);
    g_autofree char *shown_at = g_date_time_format (local, "%d/%m/%Y %H:%M");

    g_assert_nonnull (strstr (out, shown_at));
  }
  g_free (out);

  out = CTL_FAIL (t, 1, "session", "schedule", "--at", "2020-01-01T08:00", "--registration", "1");
  g_assert_nonnull (strstr (out, "not in the future"));
  g_free (out);
  out = CTL_FAIL (t, 64, "session", "schedule", "--at", "mai", "--registration", "1");
  g_assert_nonnull (strstr (out, "'mai' is not a valid time"));
  g_free (out);
  out = CTL_FAIL (t, 1, "session", "schedule", "--at", at_later, "--registration", "1", "8");
  g_assert_nonnull (strstr (out, "no registration 8"));
  g_free (out);
  out = CTL_FAIL (t, 64, "session", "schedule", "--at", at_later);
  g_free (out);

  /* Started by its id, it is the live session; a second start is refused. */
  out = CTL_OK (t, "session", "start", id);
  g_assert_cmpstr (g_strstrip (out), ==, id);
  shown = rd_test_ctl_json (t, "session", "show", id, NULL);
  g_assert_cmpstr (json_object_get_string_member (obj (shown), "state"), ==, "live");
  g_assert_cmpstr (json_object_get_string_member (obj (shown), "title"), ==, "Tiếp định kỳ");
  g_free (out);
  out = CTL_FAIL (t, 1, "session", "start", id);
  g_assert_nonnull (strstr (out, "conflict"));
  g_free (out);
  out = CTL_OK (t, "session", "end", id);
  g_free (out);
  out = CTL_FAIL (t, 1, "session", "start", id);
  g_assert_nonnull (strstr (out, "not scheduled"));
  g_free (out);
  out = CTL_FAIL (t, 1, "session", "start", "20990101-000000");
  g_assert_nonnull (strstr (out, "not-found"));
}

static void
test_record_conclude_export (void)
{
  g_autoptr (RdTestDaemon) t = rd_test_daemon_new (NULL);
  g_autoptr (JsonNode) overdue = NULL;
  g_autoptr (JsonNode) report = NULL;
  g_autoptr (JsonNode) json_book = NULL;
  g_autofree char *out = NULL;
  g_autofree char *session = NULL;
  g_autofree char *book = NULL;
  g_autofree char *book_path = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *today = NULL;
  g_autofree char *month = NULL;
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  GStatBuf st;

  rd_test_daemon_start (t);
  today = g_date_time_format (now, "%Y-%m-%d");
  g_free (CTL_OK (t, "registration", "add", "--name", "Nguyễn Văn An", "--address", "12 Lê Lợi",
                  "--summary", "Đề nghị", "--classification", "kiến nghị"));
  session = g_strstrip (CTL_OK (t, "session", "start"));

  out =
      CTL_FAIL (t, 1, "reception", "add", "--registration", "1", "--session", session, "--content",
                "C", "--handling", "guided", "--officer", "O", "--confirmation", "verbal");
  g_assert_nonnull (strstr (out, "field \"handling_body\" is required when handling is guided"));
  g_free (out);
  out =
      CTL_FAIL (t, 64, "reception", "add", "--registration", "1", "--content", "C", "--handling",
                "competent", "--officer", "O", "--confirmation", "verbal", "--date", "2026-02-30");
  g_assert_nonnull (strstr (out, "'2026-02-30' is not a valid day"));
  g_free (out);
  out = CTL_OK (t, "reception", "add", "--registration", "1", "--session", session, "--content",
                "=cmd|' /C calc'!A0", "--handling", "competent", "--officer", "Phạm Thu",
                "--confirmation", "signature");
  g_assert_nonnull (strstr (out, "reception record 1"));
  g_assert_nonnull (strstr (out, session));
  g_free (out);
  out = CTL_OK (t, "reception", "list", "--from", today, "--to", today);
  g_assert_nonnull (strstr (out, "Phạm Thu"));
  g_free (out);
  out = CTL_OK (t, "reception", "list", "--to", "2000-01-01");
  g_assert_nonnull (strstr (out, "no reception records"));
  g_free (out);
  out = CTL_OK (t, "reception", "list", "--from", "01/01/2000", "--to", "01/01/2000");
  g_assert_nonnull (strstr (out, "no reception records"));
  g_free (out);
  out = CTL_FAIL (t, 64, "reception", "list", "--from", "31/02/2026");
  g_assert_nonnull (strstr (out, "'31/02/2026' is not a valid day"));
  g_free (out);
  out = CTL_FAIL (t, 1, "reception", "show", "7");
  g_assert_nonnull (strstr (out, "no reception record 7 (not-found)"));
  g_free (out);

  out = CTL_FAIL (t, 64, "conclusion", "add", session, "--text", "T", "--assignee", "A", "--due",
                  "2026-13-01");
  g_assert_nonnull (strstr (out, "is not a valid day"));
  g_free (out);
  out = CTL_FAIL (t, 1, "conclusion", "add", "nope", "--text", "T", "--assignee", "A", "--due",
                  "2026-12-01");
  g_assert_nonnull (strstr (out, "not-found"));
  g_free (out);
  out = CTL_OK (t, "conclusion", "add", session, "--text", "Kiểm tra hiện trạng", "--assignee",
                "Phòng TN-MT", "--due", "2020-01-10", "--registration", "1");
  g_assert_nonnull (strstr (out, "conclusion 1 of session"));
  g_free (out);
  out = CTL_OK (t, "conclusion", "list", session);
  g_assert_nonnull (strstr (out, "assignee Phòng TN-MT, due 10/01/2020, open"));
  g_free (out);
  overdue = rd_test_ctl_json (t, "followup", "overdue", NULL);
  g_assert_cmpuint (
      json_array_get_length (json_object_get_array_member (obj (overdue), "conclusions")), ==, 1);
  out = CTL_OK (t, "followup", "update", "1", "--progress", "Đã đo đạc", "--outcome",
                "Hai hộ thống nhất");
  g_assert_nonnull (strstr (out, "done: Hai hộ thống nhất"));
  g_free (out);
  out = CTL_FAIL (t, 1, "followup", "update", "1", "--progress", "lại");
  g_assert_nonnull (strstr (out, "conflict"));
  g_free (out);
  out = CTL_OK (t, "followup", "overdue");
  g_assert_nonnull (strstr (out, "conclusions past their due date: 0"));
  g_free (out);
  out = CTL_OK (t, "session", "end", session);

  /* The book to a file: created 0600, with the BOM, neutralised, never overwritten. */
  book_path = g_build_filename (t->dir, "so-tiep-cong-dan.csv", NULL);
  g_free (out);
  out = CTL_OK (t, "book", "export", "--from", today, "--to", today, "--output", book_path);
  g_assert_nonnull (strstr (out, "(1 rows)"));
  g_assert_true (g_file_get_contents (book_path, &contents, NULL, NULL));
  g_assert_true (g_str_has_prefix (contents, "\xEF\xBB\xBFSTT (liên tục trong năm),Ngày tiếp,"));
  g_assert_nonnull (strstr (contents, ",'=cmd|' /C calc'!A0,kiến nghị,1,"));
  g_assert_nonnull (strstr (contents, "Có"));
  g_assert_nonnull (strstr (contents, "đã giải quyết: Hai hộ thống nhất"));
  g_assert_cmpint (g_stat (book_path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_free (out);
  out = CTL_FAIL (t, 73, "book", "export", "--from", today, "--to", today, "--output", book_path);
  g_assert_nonnull (strstr (out, "exists"));
  g_free (out);
  out = CTL_FAIL (t, 1, "book", "export", "--from", "2026-11-30", "--to", "2026-11-01");
  g_assert_nonnull (strstr (out, "later than"));
  g_free (out);
  out = CTL_FAIL (t, 64, "book", "export", "--from", today, "--to", today, "--format", "xlsx");
  g_assert_nonnull (strstr (out, "--format xlsx needs --output FILE"));
  g_free (out);
  out = CTL_FAIL (t, 1, "book", "export", "--from", today, "--to", today, "--format", "odt");
  g_assert_nonnull (strstr (out, "not csv, json, xlsx or pdf"));
  json_book = rd_test_ctl_json (t, "book", "export", "--from", today, "--to", today, "--format",
                                "json", NULL);
  {
    g_autoptr (JsonNode) content =
        json_from_string (json_object_get_string_member (obj (json_book), "content"), NULL);
    g_assert_cmpuint (
        json_array_get_length (json_object_get_array_member (obj (content), "columns")), ==, 13);
  }

  month = g_strndup (today, 7);
  report = rd_test_ctl_json (t, "report", "--month", month, NULL);
  {
    g_autofree char *vn_month = g_strdup_printf ("%.2s/%.4s", month + 5, month);
    g_autofree char *printed = CTL_OK (t, "report", "--month", vn_month);

    g_autofree char *label = g_strdup_printf ("tháng %.2s năm %.4s", month + 5, month);
    g_autofree char *year = g_strndup (month, 4);
    g_autofree char *quarter =
        g_strdup_printf ("%d/%s", ((int)g_ascii_strtoll (month + 5, NULL, 10) + 2) / 3, year);
    g_autofree char *half =
        g_strdup_printf ("%d/%s", g_ascii_strtoll (month + 5, NULL, 10) <= 6 ? 1 : 2, year);
    g_autofree char *xlsx = g_build_filename (t->dir, "bao-cao.xlsx", NULL);
    g_autofree char *pdf = g_build_filename (t->dir, "bao-cao.pdf", NULL);
    const char *const periods[][2] = {
      { "--quarter", quarter }, { "--half", half }, { "--nine-months", year }, { "--year", year }
    };

    g_assert_nonnull (strstr (printed, "BÁO CÁO KẾT QUẢ CÔNG TÁC TIẾP CÔNG DÂN"));
    g_assert_nonnull (strstr (printed, label));
    /* Columns by display width: every number ends at column 65, whatever the label's bytes
     * ("  Số lượt tiếp công dân" is 23 columns and 30 bytes, "    - Tiếp trực tiếp" 20 and 27). */
    g_autofree char *line1 = g_strdup_printf ("\n  Số lượt tiếp công dân%*s1  lượt\n", 64 - 23, "");
    g_autofree char *line2 = g_strdup_printf ("\n    - Tiếp trực tiếp%*s1  lượt\n", 64 - 20, "");

    g_assert_nonnull (strstr (printed, line1));
    g_assert_nonnull (strstr (printed, line2));
    for (gsize i = 0; i < G_N_ELEMENTS (periods); i++)
      {
        g_autofree char *p = CTL_OK (t, "report", periods[i][0], periods[i][1]);
        g_assert_nonnull (strstr (p, "Số lượt tiếp công dân"));
        /* Nine months end with September: today's reception is in them or not. */
        gboolean in = !g_str_equal (periods[i][0], "--nine-months") ||
                      g_ascii_strtoll (month + 5, NULL, 10) <= 9;

        if (strstr (p, in ? "     1  lượt\n" : "     0  lượt\n") == NULL)
          g_error ("report %s %s:\n%s", periods[i][0], periods[i][1], p);
      }
    g_free (CTL_OK (t, "report", "--quarter", quarter, "--format", "xlsx", "--output", xlsx));
    g_free (CTL_OK (t, "report", "--year", year, "--format", "pdf", "--output", pdf));
    g_assert_true (g_file_test (xlsx, G_FILE_TEST_IS_REGULAR));
    g_assert_true (g_file_test (pdf, G_FILE_TEST_IS_REGULAR));
    g_free (out);
    out = CTL_FAIL (t, 64, "report", "--year", year, "--format", "pdf");
    g_assert_nonnull (strstr (out, "report --format pdf needs --output FILE"));
    g_free (out);
    out = CTL_FAIL (t, 64, "report", "--year", year, "--quarter", quarter);
    g_assert_nonnull (strstr (out, "give one period"));
    g_free (out);
    out = CTL_FAIL (t, 64, "report", "--quarter", "5/2026");
    g_assert_nonnull (strstr (out, "is not a valid quarter"));
    g_free (out);
    out = CTL_FAIL (t, 64, "report");
    g_assert_nonnull (strstr (out, "report needs --month, --quarter"));
  }
  g_assert_cmpint (json_object_get_int_member (obj (report), "sessions_held"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (obj (report), "receptions"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (
                       json_object_get_object_member (obj (report), "by_outcome"), "resolved"),
                   ==, 1);
  g_free (out);
  out = CTL_FAIL (t, 64, "report", "--month", "2026-1");
  g_assert_nonnull (strstr (out, "is not a valid month"));

  /* The printed documents through receptionctl: new files, 0600; a refusal notice only for a
   * refused reception; --output required. */
  {
    static const char *const kinds[] = { "record", "conclusions", "receipt" };

    for (gsize i = 0; i < G_N_ELEMENTS (kinds); i++)
      {
        g_autofree char *name = g_strdup_printf ("%s.pdf", kinds[i]);
        g_autofree char *path = g_build_filename (t->dir, name, NULL);
        g_autofree char *wrote =
            CTL_OK (t, "document", kinds[i], i == 2 ? "1" : session, "--output", path);

        g_assert_nonnull (strstr (wrote, "wrote "));
        g_assert_cmpint (g_stat (path, &st), ==, 0);
        g_assert_cmpint (st.st_mode & 0777, ==, 0600);
      }
    g_free (out);
    out = CTL_FAIL (t, 1, "document", "refusal", "1", "--output", "/nonexistent/never.pdf");
    g_assert_nonnull (strstr (out, "was not refused"));
    g_free (out);
    out = CTL_FAIL (t, 64, "document", "record", session);
    g_assert_nonnull (strstr (out, "document record needs --output FILE.pdf"));
  }
}

/* A time typed without a zone is the room's ([room] timezone, default Asia/Ho_Chi_Minh) even when
 * the daemon's environment says UTC; a session on a day off is warned about by name (the law's
 * holidays and the [calendar] file's); a scheduled session is moved and cancelled on the record;
 * a bad calendar file or time zone stops the daemon naming the file and line, or the zone. */
static void
test_local_time_and_working_days (void)
{
  static const char *const utc[] = { "TZ=UTC", NULL };
  g_autoptr (RdTestDaemon) t = rd_test_daemon_new (NULL);
  g_autofree char *calendar = g_build_filename (t->dir, "lich-nghi.txt", NULL);
  g_autofree char *extra = g_strdup_printf ("[calendar]\nfile=%s\n", calendar);
  g_autoptr (JsonNode) typed = NULL;
  g_autoptr (JsonNode) written = NULL;
  g_autoptr (JsonNode) list = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *a = NULL, *b = NULL;

  g_assert_true (g_file_set_contents (calendar,
                                      "# ngày nghỉ do Chính phủ quyết định\n"
                                      "15/06/2099 off nghỉ thêm\n",
                                      -1, NULL));
  rd_test_daemon_write_config (t, extra);
  rd_test_daemon_spawn (t, utc);
  rd_test_daemon_wait_notify (t, "READY=1", 1, TIMEOUT_MS);
  g_free (CTL_OK (t, "registration", "add", "--name", "A", "--summary", "S", "--classification",
                  "kiến nghị"));

  /* 08:30 in the ward is 01:30 UTC, typed either way. */
  typed = rd_test_ctl_json (t, "session", "schedule", "--at", "2099-01-05T08:30", "--registration",
                            "1", NULL);
  g_assert_cmpstr (json_object_get_string_member (obj (typed), "scheduled_for"), ==,
                   "2099-01-05T01:30:00.000000Z");
  a = g_strdup (json_object_get_string_member (obj (typed), "id"));
  written = rd_test_ctl_json (t, "session", "schedule", "--at", "05/01/2099 14:00",
                              "--registration", "1", NULL);
  g_assert_cmpstr (json_object_get_string_member (obj (written), "scheduled_for"), ==,
                   "2099-01-05T07:00:00.000000Z");
  b = g_strdup (json_object_get_string_member (obj (written), "id"));

  out = CTL_OK (t, "session", "schedule", "--at", "02/09/2099 09:00", "--registration", "1");
  g_assert_nonnull (strstr (out, "WARNING: the session falls on a day off, Quốc khánh (2/9)"));
  g_assert_nonnull (strstr (out, "scheduled for 02/09/2099 09:00"));
  g_assert_nonnull (strstr (out, calendar)); /* the working days it counted */
  g_free (out);
  out = CTL_OK (t, "session", "schedule", "--at", "15/06/2099 09:00", "--registration", "1");
  g_assert_nonnull (strstr (out, "WARNING: the session falls on a day off, nghỉ thêm"));
  g_free (out);

  /* Moved and cancelled, each with its reason on the record. */
  out = CTL_FAIL (t, 64, "session", "reschedule", a, "--at", "06/01/2099 08:30");
  g_free (out);
  out = CTL_OK (t, "session", "reschedule", a, "--at", "06/01/2099 08:30", "--reason",
                "công dân xin dời");
  g_assert_nonnull (strstr (out, "scheduled for 06/01/2099 08:30"));
  g_free (out);
  out = CTL_OK (t, "session", "duty-done", a, "notify-citizen", "--note", "gọi điện 0901");
  g_assert_nonnull (
      strstr (out, "notify the citizen (5 working days before)   by 29/12/2098  done"));
  g_free (out);
  out = CTL_FAIL (t, 1, "session", "duty-done", a, "connect");
  g_assert_nonnull (strstr (out, "is not notify-citizen or test-link"));
  g_free (out);
  out = CTL_OK (t, "session", "cancel", b, "--reason", "đã giải quyết xong");
  g_assert_nonnull (strstr (out, "state:       cancelled"));
  g_free (out);
  out = CTL_FAIL (t, 1, "session", "cancel", b, "--reason", "lần nữa");
  g_assert_nonnull (strstr (out, "not scheduled"));
  g_free (out);
  list = rd_test_ctl_json (t, "session", "list", NULL);
  for (guint i = 0; i < json_array_get_length (json_node_get_array (list)); i++)
    {
      JsonObject *s = json_array_get_object_element (json_node_get_array (list), i);

      if (g_str_equal (json_object_get_string_member (s, "id"), a))
        g_assert_cmpstr (json_object_get_string_member (s, "scheduled_for"), ==,
                         "2099-01-06T01:30:00.000000Z");
      g_assert_true (json_object_has_member (s, "timing") ==
                     g_str_equal (json_object_get_string_member (s, "state"), "scheduled"));
    }
  out = CTL_OK (t, "status");
  g_assert_nonnull (strstr (out, "scheduled sessions: 3 (times in Asia/Ho_Chi_Minh)"));
  g_assert_nonnull (strstr (out, "06/01/2099 08:30"));
  g_free (out);
  out = CTL_OK (t, "session", "show", a);
  g_assert_nonnull (strstr (out, "session-rescheduled"));

  /* A bad line in the calendar file, a time zone the system does not know: exit 78. */
  rd_test_daemon_signal (t, SIGTERM);
  g_assert_cmpint (rd_test_daemon_wait_exit (t, TIMEOUT_MS), ==, 0);
  g_assert_true (
      g_file_set_contents (calendar, "15/06/2099 off nghỉ thêm\n30/02/2099 work\n", -1, NULL));
  rd_test_daemon_spawn (t, utc);
  g_assert_cmpint (rd_test_daemon_wait_exit (t, TIMEOUT_MS), ==, 78);
  err = rd_test_daemon_stderr (t);
  g_assert_nonnull (strstr (err, calendar));
  g_assert_nonnull (strstr (err, ":2: \"30/02/2099\" is not a day"));
  g_free (err);
  rd_test_daemon_write_config (t, "[room]\ntimezone=Asia/Hanoi_Old\n");
  rd_test_daemon_spawn (t, utc);
  g_assert_cmpint (rd_test_daemon_wait_exit (t, TIMEOUT_MS), ==, 78);
  err = rd_test_daemon_stderr (t);
  g_assert_nonnull (strstr (err, "[room] timezone: invalid value 'Asia/Hanoi_Old'"));
}

/* A group with its field and representatives, a repeated matter, who presided, bridge points
 * with attendees and a party's invite, through receptionctl: session show groups them, the book
 * carries them, as CSV with ';' and as XLSX. */
static void
test_groups_bridge_points (void)
{
  g_autoptr (RdTestDaemon) t = rd_test_daemon_new (NULL);
  g_autoptr (JsonNode) invite = NULL;
  g_autoptr (JsonNode) shown = NULL;
  g_autofree char *out = NULL;
  g_autofree char *session = NULL;
  g_autofree char *invite_id = NULL;
  g_autofree char *today = NULL;
  g_autofree char *csv_path = NULL;
  g_autofree char *xlsx_path = NULL;
  g_autofree char *pdf_path = NULL;
  g_autofree char *contents = NULL;
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  gsize length = 0;
  GStatBuf st;

  rd_test_daemon_start (t);
  today = g_date_time_format (now, "%Y-%m-%d");
  g_free (CTL_OK (t, "registration", "add", "--name", "Hộ bà Sáu", "--summary", "Lần đầu",
                  "--classification", "khiếu nại"));
  out = CTL_OK (t, "registration", "add", "--name", "Nguyễn Văn Tư", "--summary", "Đền bù",
                "--classification", "khiếu nại", "--people", "12", "--field", "đất đai",
                "--repeat-of", "1", "--representative", "Nguyễn Văn Tư", "--representative",
                "Lê Thị Năm");
  g_assert_nonnull (strstr (out, "field:          đất đai"));
  g_assert_nonnull (strstr (out, "repeated matter: first registered as 1"));
  g_assert_nonnull (strstr (out, "representatives: Nguyễn Văn Tư, Lê Thị Năm"));
  g_free (out);
  out = CTL_FAIL (t, 1, "registration", "add", "--name", "N", "--summary", "S", "--classification",
                  "phản ánh", "--repeat-of", "5");
  g_assert_nonnull (strstr (out, "repeat_of"));
  g_free (out);

  session = g_strstrip (CTL_OK (t, "session", "start"));
  invite = rd_test_ctl_json (t, "session", "invite", session, "--role", "board", "--name",
                             "Ban Tiếp công dân thành phố", NULL);
  invite_id =
      g_strdup_printf ("%" G_GINT64_FORMAT, json_object_get_int_member (obj (invite), "invite_id"));
  g_free (CTL_OK (t, "session", "presiding", session, "--name", "Võ Minh Đức", "--position",
                  "Chủ tịch UBND phường"));
  out = CTL_FAIL (t, 1, "session", "presiding", session, "--name", "Khác");
  g_assert_nonnull (strstr (out, "already recorded"));
  g_free (out);
  g_free (CTL_OK (t, "session", "bridge-point", session, "--name", "Phòng họp UBND phường",
                  "--kind", "central"));
  g_free (CTL_OK (t, "session", "bridge-point", session, "--name", "Ban TCD thành phố", "--kind",
                  "component", "--invite", invite_id));
  out = CTL_FAIL (t, 1, "session", "bridge-point", session, "--name", "X", "--kind", "middle");
  g_assert_nonnull (strstr (out, "is not central or component"));
  g_free (out);
  g_free (CTL_OK (t, "session", "attendee", session, "--at", "Phòng họp UBND phường", "--name",
                  "Phạm Thu", "--position", "công chức tư pháp"));
  out = CTL_OK (t, "session", "attendee", session, "--at", "Ban TCD thành phố", "--name", "Đỗ Hải");
  g_assert_nonnull (strstr (out, "presiding officer: Võ Minh Đức, Chủ tịch UBND phường"));
  g_assert_nonnull (strstr (out, "bridge points: 2"));
  g_free (out);
  out = CTL_OK (t, "session", "show", session);
  g_assert_nonnull (strstr (out, "  central: Phòng họp UBND phường\n    attendees: 1\n"
                                 "      Phạm Thu, công chức tư pháp\n"));
  g_assert_nonnull (strstr (out, "  component: Ban TCD thành phố (invite #"));
  g_assert_nonnull (strstr (out, "      Đỗ Hải\n"));
  g_free (out);
  shown = rd_test_ctl_json (t, "session", "show", session, NULL);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (
                        json_object_get_object_member (obj (shown), "bridge"), "bridge_points")),
                    ==, 2);

  out = CTL_OK (t, "reception", "add", "--registration", "2", "--session", session, "--content",
                "Đoàn trình bày; yêu cầu", "--handling", "competent", "--officer", "Phạm Thu",
                "--confirmation", "signature");
  g_assert_nonnull (strstr (out, "presiding:     Võ Minh Đức"));
  g_assert_nonnull (strstr (out, "made on:       revision 1 of the registration"));
  g_free (out);
  g_free (CTL_OK (t, "session", "end", session));

  csv_path = g_build_filename (t->dir, "so.csv", NULL);
  g_free (CTL_OK (t, "book", "export", "--from", today, "--to", today, "--separator", ";",
                  "--output", csv_path));
  g_assert_true (g_file_get_contents (csv_path, &contents, NULL, NULL));
  g_assert_true (g_str_has_prefix (contents, "\xEF\xBB\xBFSTT (liên tục trong năm);Ngày tiếp;"
                                             "Họ tên, địa chỉ;"));
  /* Cells holding a ';' are quoted. */
  g_assert_nonnull (strstr (contents, ";\"Nguyễn Văn Tư; đại diện đoàn: Nguyễn Văn Tư, Lê Thị "
                                      "Năm\";;\"Đoàn trình bày; yêu cầu (vụ việc cũ, đã đăng ký số "
                                      "1)\";\"khiếu nại; lĩnh vực: đất đai\";12;"));
  g_assert_nonnull (strstr (contents, "Chủ trì: Võ Minh Đức; Điểm cầu trung tâm: Phòng họp UBND "
                                      "phường (Phạm Thu - công chức tư pháp); Điểm cầu thành "
                                      "phần: Ban TCD thành phố (Đỗ Hải)"));
  out = CTL_FAIL (t, 1, "book", "export", "--from", today, "--to", today, "--separator", "|");
  g_assert_nonnull (strstr (out, "separator"));
  g_free (out);

  xlsx_path = g_build_filename (t->dir, "so.xlsx", NULL);
  out = CTL_OK (t, "book", "export", "--from", today, "--to", today, "--format", "xlsx", "--output",
                xlsx_path);
  g_assert_nonnull (strstr (out, "(1 rows)"));
  g_free (out);
  g_clear_pointer (&contents, g_free);
  g_assert_true (g_file_get_contents (xlsx_path, &contents, &length, NULL));
  g_assert_true (length > 4 && memcmp (contents, "PK\x03\x04", 4) == 0); /* a zip */
  g_assert_cmpint (g_stat (xlsx_path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  out = CTL_FAIL (t, 73, "book", "export", "--from", today, "--to", today, "--format", "xlsx",
                  "--output", xlsx_path);
  g_assert_nonnull (strstr (out, "exists"));
  g_free (out);
  pdf_path = g_build_filename (t->dir, "so.pdf", NULL);
  g_free (CTL_OK (t, "book", "export", "--from", today, "--to", today, "--format", "pdf",
                  "--output", pdf_path));
  g_clear_pointer (&contents, g_free);
  g_assert_true (g_file_get_contents (pdf_path, &contents, &length, NULL));
  g_assert_true (g_str_has_prefix (contents, "%PDF-"));
  g_assert_cmpint (g_stat (pdf_path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  out = CTL_FAIL (t, 64, "book", "export", "--from", today, "--to", today, "--format", "pdf");
  g_assert_nonnull (strstr (out, "--format pdf needs --output FILE"));
}

/* Stops the daemon, lets @change the key file, and expects the next start to fail with 65 and
 * @message on stderr. */
static void
expect_refused_start (RdTestDaemon *t, const char *message)
{
  g_autofree char *err = NULL;

  rd_test_daemon_spawn (t, NULL);
  g_assert_cmpint (rd_test_daemon_wait_exit (t, TIMEOUT_MS), ==, 65);
  err = rd_test_daemon_stderr (t);
  if (strstr (err, message) == NULL)
    g_error ("stderr lacks \"%s\": %s", message, err);
}

static void
test_key_file_rules (void)
{
  g_autoptr (RdTestDaemon) t = rd_test_daemon_new (NULL);
  g_autofree char *key = NULL;
  g_autofree char *saved = NULL;
  g_autofree char *out = NULL;
  gsize saved_len = 0;

  rd_test_daemon_start (t);
  g_free (CTL_OK (t, "registration", "add", "--name", "Trần B", "--summary", "S",
                  "--classification", "to-cao"));
  rd_test_daemon_signal (t, SIGTERM);
  g_assert_cmpint (rd_test_daemon_wait_exit (t, TIMEOUT_MS), ==, 0);
  key = g_build_filename (t->state_dir, "keys", "book.key", NULL);
  g_assert_true (g_file_get_contents (key, &saved, &saved_len, NULL));
  g_assert_cmpuint (saved_len, ==, 32);

  /* Wrong size: refused, and the file is left as it was. */
  g_assert_true (
      g_file_set_contents_full (key, "short", 5, G_FILE_SET_CONTENTS_CONSISTENT, 0600, NULL));
  expect_refused_start (t, "has 5 bytes, not 32");
  {
    g_autofree char *now = NULL;
    g_assert_true (g_file_get_contents (key, &now, NULL, NULL));
    g_assert_cmpstr (now, ==, "short");
  }
  /* Open to other users: refused. */
  g_assert_true (
      g_file_set_contents_full (key, saved, saved_len, G_FILE_SET_CONTENTS_CONSISTENT, 0644, NULL));
  g_chmod (key, 0644);
  expect_refused_start (t, "chmod 600");
  /* Another key: the sealed identities would not open; refused. */
  g_assert_true (g_file_set_contents_full (key, "0123456789abcdef0123456789abcdef", 32,
                                           G_FILE_SET_CONTENTS_CONSISTENT, 0600, NULL));
  expect_refused_start (t, "restore the original key file");
  /* Missing, while the ledger has sealed identities: refused, not regenerated. */
  g_remove (key);
  expect_refused_start (t, "is missing");
  g_assert_false (g_file_test (key, G_FILE_TEST_EXISTS));

  /* The original key back: it starts, and the identity opens. */
  g_assert_true (
      g_file_set_contents_full (key, saved, saved_len, G_FILE_SET_CONTENTS_CONSISTENT, 0600, NULL));
  rd_test_daemon_start (t);
  out = CTL_OK (t, "registration", "show", "1", "--reveal", "--reason", "kiểm tra khóa");
  g_assert_nonnull (strstr (out, "Trần B"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/daemon-book/registrations", test_registrations);
  g_test_add_func ("/daemon-book/protection", test_protection);
  g_test_add_func ("/daemon-book/schedule-and-start", test_schedule_and_start);
  g_test_add_func ("/daemon-book/record-conclude-export", test_record_conclude_export);
  g_test_add_func ("/daemon-book/groups-bridge-points", test_groups_bridge_points);
  g_test_add_func ("/daemon-book/key-file-rules", test_key_file_rules);
  g_test_add_func ("/daemon-book/local-time-and-working-days", test_local_time_and_working_days);
  return g_test_run ();
}
