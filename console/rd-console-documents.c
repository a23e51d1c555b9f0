/* rd-console-documents.c: see rd-console-documents.h. Lengths are PostScript points. */
#include "console/rd-console-documents.h"

#include <string.h>

#include "documents/rd-documents-pdf.h"
#include "console/rd-console-time.h"

#define W      RD_DOCUMENTS_PDF_A4_SHORT
#define H      RD_DOCUMENTS_PDF_A4_LONG
#define LEFT   56.0 /* 2 cm: a document's left margin is the wider one */
#define RIGHT  42.0
#define TOP    42.0
#define BOTTOM 48.0
#define BODY   (W - LEFT - RIGHT)
#define FONT   "10.5"

typedef struct
{
  RdDocumentsPdf *pdf;
  JsonObject *doc;
  double y;
} Flow;

static const char *
str (JsonObject *o, const char *name)
{
  JsonNode *n = o ? json_object_get_member (o, name) : NULL;

  if (n && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING)
    return json_node_get_string (n);
  return NULL;
}

static const char *
or_dots (const char *s)
{
  return s && *s ? s : "....................";
}

static JsonObject *
obj (JsonObject *o, const char *name)
{
  JsonNode *n = o ? json_object_get_member (o, name) : NULL;
  return n && JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
}

static JsonArray *
arr (JsonObject *o, const char *name)
{
  JsonNode *n = o ? json_object_get_member (o, name) : NULL;
  return n && JSON_NODE_HOLDS_ARRAY (n) ? json_node_get_array (n) : NULL;
}

static const char *
handling_vi (const char *h)
{
  return g_strcmp0 (h, "competent") == 0     ? "thuộc thẩm quyền"
         : g_strcmp0 (h, "guided") == 0      ? "hướng dẫn công dân"
         : g_strcmp0 (h, "transferred") == 0 ? "chuyển đơn"
         : g_strcmp0 (h, "refused") == 0     ? "từ chối tiếp"
                                             : or_dots (h);
}

/* A remote party's role as the record names it. */
static const char *
role_vi (const char *role)
{
  return g_strcmp0 (role, "board") == 0     ? "Ban tiếp công dân cấp trên"
         : g_strcmp0 (role, "agency") == 0  ? "Cơ quan"
         : g_strcmp0 (role, "citizen") == 0 ? "Công dân"
                                            : or_dots (role);
}

/* Starts a new page when @need points do not fit. */
static void
room_for (Flow *f, double need)
{
  if (f->y + need > H - BOTTOM && f->y > TOP + 1)
    {
      rd_documents_pdf_next_page (f->pdf);
      f->y = TOP;
    }
}

/* A paragraph at @indent, wrapped in the body's width. */
static void
para (Flow *f, const char *text, const char *font, double indent, PangoAlignment align)
{
  double h = rd_documents_pdf_text (f->pdf, text, font, 0, 0, BODY - indent, align, FALSE);

  room_for (f, h);
  rd_documents_pdf_text (f->pdf, text, font, LEFT + indent, f->y, BODY - indent, align, TRUE);
  f->y += h + 3;
}

static void G_GNUC_PRINTF (2, 3) line (Flow *f, const char *format, ...)
{
  va_list ap;
  g_autofree char *text = NULL;

  va_start (ap, format);
  text = g_strdup_vprintf (format, ap);
  va_end (ap);
  para (f, text, FONT, 0, PANGO_ALIGN_LEFT);
}

/* A table row of @n cells in columns of relative @widths; a header row is bold. */
static void
row (Flow *f, guint n, const double *widths, const char *const *cells, gboolean header)
{
  const char *font = header ? "Bold 9" : "9";
  double total = 0, h = 0, x = LEFT;

  for (guint i = 0; i < n; i++)
    total += widths[i];
  for (guint i = 0; i < n; i++)
    h = MAX (h, rd_documents_pdf_text (f->pdf, cells[i], font, 0, 0, widths[i] * BODY / total - 5,
                                       PANGO_ALIGN_LEFT, FALSE));
  h += 5;
  room_for (f, h);
  for (guint i = 0; i < n; i++)
    {
      double w = widths[i] * BODY / total;
      rd_documents_pdf_box (f->pdf, x, f->y, w, h, cells[i], font,
                            header ? PANGO_ALIGN_CENTER : PANGO_ALIGN_LEFT);
      x += w;
    }
  f->y += h;
}

/* The body and the national heading, the place and date line (@day: a day or time as stored),
 * the title and what it is about. */
static void
heading (Flow *f, const char *number, const char *day, const char *title, const char *about)
{
  g_autofree char *shown = rd_console_time_shown (day);
  g_autofree char *date = NULL;
  double half = BODY * 0.42, right = BODY - half;

  rd_documents_pdf_text (f->pdf, "CƠ QUAN TIẾP CÔNG DÂN", "Bold 10", LEFT, f->y, half,
                         PANGO_ALIGN_CENTER, TRUE);
  rd_documents_pdf_text (f->pdf, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Bold 10", LEFT + half, f->y,
                         right, PANGO_ALIGN_CENTER, TRUE);
  f->y += 14;
  rd_documents_pdf_text (f->pdf, number, "10", LEFT, f->y, half, PANGO_ALIGN_CENTER, TRUE);
  rd_documents_pdf_text (f->pdf, "Độc lập - Tự do - Hạnh phúc", "Bold 10.5", LEFT + half, f->y,
                         right, PANGO_ALIGN_CENTER, TRUE);
  f->y += 22;
  date = strlen (shown) >= 10 && shown[2] == '/'
             ? g_strdup_printf ("............, ngày %.2s tháng %.2s năm %.4s", shown, shown + 3,
                                shown + 6)
             : g_strdup ("............, ngày .... tháng .... năm ........");
  rd_documents_pdf_text (f->pdf, date, "Italic 10.5", LEFT + half, f->y, right, PANGO_ALIGN_CENTER,
                         TRUE);
  f->y += 26;
  para (f, title, "Bold 13", 0, PANGO_ALIGN_CENTER);
  if (about)
    para (f, about, "Bold 11", 0, PANGO_ALIGN_CENTER);
  f->y += 8;
}

/* Two signature blocks side by side: titles, what to write, names (any may be NULL). */
static void
signatures (Flow *f, const char *left, const char *left_name, const char *right,
            const char *right_name)
{
  double half = BODY / 2;

  room_for (f, 110);
  f->y += 16;
  if (left)
    {
      rd_documents_pdf_text (f->pdf, left, "Bold 10.5", LEFT, f->y, half, PANGO_ALIGN_CENTER, TRUE);
      rd_documents_pdf_text (f->pdf, "(Ký, ghi rõ họ tên)", "Italic 9.5", LEFT, f->y + 14, half,
                             PANGO_ALIGN_CENTER, TRUE);
      if (left_name)
        rd_documents_pdf_text (f->pdf, left_name, "Bold 10.5", LEFT, f->y + 80, half,
                               PANGO_ALIGN_CENTER, TRUE);
    }
  rd_documents_pdf_text (f->pdf, right, "Bold 10.5", LEFT + half, f->y, half, PANGO_ALIGN_CENTER,
                         TRUE);
  rd_documents_pdf_text (f->pdf, "(Ký, ghi rõ họ tên)", "Italic 9.5", LEFT + half, f->y + 14, half,
                         PANGO_ALIGN_CENTER, TRUE);
  if (right_name)
    rd_documents_pdf_text (f->pdf, right_name, "Bold 10.5", LEFT + half, f->y + 80, half,
                           PANGO_ALIGN_CENTER, TRUE);
  f->y += 100;
}

/* "Ông/Bà: ..., Địa chỉ: ..., Số giấy tờ: ..." of a citizen as the daemon gave it. */
static void
citizen_lines (Flow *f, JsonObject *who)
{
  line (f, "Ông/Bà: %s", or_dots (str (who, "name")));
  line (f, "Địa chỉ: %s", or_dots (str (who, "address")));
  line (f, "Số CCCD/CMND/Hộ chiếu: %s", or_dots (str (who, "id_document")));
}

static const char *
presiding_name (JsonObject *doc)
{
  return str (obj (doc, "presiding"), "name");
}

/* The bridge points, each with who attended there. */
static void
bridge_lines (Flow *f, JsonObject *doc)
{
  JsonArray *points = arr (doc, "bridge_points");

  for (guint i = 0; points && i < json_array_get_length (points); i++)
    {
      JsonObject *p = json_array_get_object_element (points, i);
      JsonArray *people = arr (p, "attendees");
      g_autoptr (GString) s = g_string_new (NULL);

      g_string_append_printf (s, "- Điểm cầu %s: %s",
                              g_strcmp0 (str (p, "kind"), "central") == 0 ? "trung tâm"
                                                                          : "thành phần",
                              or_dots (str (p, "name")));
      for (guint k = 0; people && k < json_array_get_length (people); k++)
        {
          JsonObject *a = json_array_get_object_element (people, k);
          g_string_append (s, k == 0 ? "; thành phần tham dự: " : ", ");
          g_string_append (s, or_dots (str (a, "name")));
          if (str (a, "position"))
            g_string_append_printf (s, " (%s)", str (a, "position"));
        }
      para (f, s->str, FONT, 12, PANGO_ALIGN_LEFT);
    }
  if (points == NULL || json_array_get_length (points) == 0)
    para (f, "- Không có điểm cầu (tiếp tại trụ sở).", FONT, 12, PANGO_ALIGN_LEFT);
}

static void
refusal (Flow *f)
{
  JsonObject *r = obj (f->doc, "reception");
  const char *presiding =
      str (r, "presiding_officer") ? str (r, "presiding_officer") : presiding_name (f->doc);
  g_autofree char *day = rd_console_time_shown (str (r, "reception_date"));

  heading (f, "Số: ......./TB-TCD", str (r, "reception_date"), "THÔNG BÁO",
           "Về việc từ chối tiếp công dân");
  line (f, "Căn cứ %s;", or_dots (str (r, "legal_basis")));
  line (f, "Ngày %s, cơ quan tiếp công dân từ chối tiếp:", day);
  citizen_lines (f, obj (f->doc, "citizen"));
  line (f, "Nội dung công dân trình bày: %s", or_dots (str (r, "content")));
  line (f, "Lý do từ chối: %s.", or_dots (str (r, "refusal_reason")));
  line (f, "Người tiếp công dân: %s%s%s.", or_dots (str (r, "officer")),
        presiding ? "; người chủ trì: " : "", presiding ? presiding : "");
  line (f, "Sổ tiếp công dân: bản ghi số %" G_GINT64_FORMAT ", đơn số %" G_GINT64_FORMAT ".",
        json_object_get_int_member_with_default (r, "id", 0),
        json_object_get_int_member_with_default (r, "registration_id", 0));
  line (f, "Cơ quan tiếp công dân thông báo để công dân được biết.");
  signatures (f, "CÔNG DÂN", NULL, "NGƯỜI TIẾP CÔNG DÂN", str (r, "officer"));
}

static void
receipt (Flow *f)
{
  static const double widths[] = { 6, 52, 12, 30 };
  static const char *const headers[] = { "STT", "Tên thông tin, tài liệu, bằng chứng", "Số trang",
                                         "Tình trạng" };
  JsonObject *g = obj (f->doc, "registration");
  JsonArray *attachments = arr (g, "attachments");
  /* The registration as it stands: its latest revision, with every document received so far. */
  g_autofree char *when = rd_console_time_shown (str (g, "updated_at"));

  heading (f, "Số: ......./BN-TCD", str (g, "updated_at"), "GIẤY BIÊN NHẬN",
           "Thông tin, tài liệu, bằng chứng");
  line (f, "Vào lúc %s, cơ quan tiếp công dân đã nhận của:", when);
  citizen_lines (f, g);
  line (f, "Về việc: %s (%s; đơn số %" G_GINT64_FORMAT ", phiên bản %" G_GINT64_FORMAT ").",
        or_dots (str (g, "summary")), or_dots (str (g, "classification_vi")),
        json_object_get_int_member_with_default (g, "id", 0),
        json_object_get_int_member_with_default (g, "revision", 1));
  line (f, "Các thông tin, tài liệu, bằng chứng sau:");
  row (f, 4, widths, headers, TRUE);
  for (guint i = 0; attachments && i < json_array_get_length (attachments); i++)
    {
      JsonObject *a = json_array_get_object_element (attachments, i);
      g_autofree char *n = g_strdup_printf ("%u", i + 1);
      g_autofree char *pages =
          json_object_has_member (a, "pages")
              ? g_strdup_printf ("%" G_GINT64_FORMAT, json_object_get_int_member (a, "pages"))
              : g_strdup ("");
      const char *cells[] = { n, or_dots (str (a, "name")), pages,
                              str (a, "condition") ? str (a, "condition") : "" };
      row (f, 4, widths, cells, FALSE);
    }
  if (attachments == NULL || json_array_get_length (attachments) == 0)
    {
      const char *cells[] = { "", "(không có tài liệu)", "", "" };
      row (f, 4, widths, cells, FALSE);
    }
  f->y += 8;
  line (f, "Giấy biên nhận được lập thành 02 bản, người nộp giữ 01 bản, cơ quan tiếp công dân "
           "giữ 01 bản.");
  signatures (f, "NGƯỜI NỘP", NULL, "NGƯỜI NHẬN", NULL);
}

static void
record (Flow *f)
{
  static const double rec_w[] = { 8, 40, 40, 12 };
  static const char *const rec_h[] = { "Đoạn", "Tệp ghi hình", "SHA-256", "Trạng thái" };
  JsonObject *s = obj (f->doc, "session");
  JsonArray *parties = arr (s, "participants");
  JsonArray *receptions = arr (f->doc, "receptions");
  JsonArray *pauses = arr (f->doc, "pauses");
  JsonArray *recordings = arr (s, "recordings");
  JsonObject *p = obj (f->doc, "presiding");
  g_autofree char *start = rd_console_time_shown (str (s, "started_at"));
  g_autofree char *end = rd_console_time_shown (str (s, "ended_at"));
  g_autofree char *about =
      g_strdup_printf ("Phiên tiếp công dân %s%s%s", or_dots (str (s, "id")),
                       str (s, "title") ? " - " : "", str (s, "title") ? str (s, "title") : "");

  heading (f, "Số: ......./BB-TCD", str (s, "started_at"), "BIÊN BẢN", about);
  line (f, "Thời gian: bắt đầu %s, kết thúc %s (giờ của phòng tiếp công dân).", start, end);
  line (f, "Người chủ trì: %s%s%s.", or_dots (str (p, "name")), str (p, "position") ? ", " : "",
        str (p, "position") ? str (p, "position") : "");
  line (f, "Điểm cầu và thành phần tham dự:");
  bridge_lines (f, f->doc);
  line (f, "Các bên kết nối từ xa: %u.", parties ? json_array_get_length (parties) : 0);
  for (guint i = 0; parties && i < json_array_get_length (parties); i++)
    {
      JsonObject *x = json_array_get_object_element (parties, i);
      g_autofree char *in = rd_console_time_shown (str (x, "joined_at"));
      g_autofree char *out = rd_console_time_shown (str (x, "left_at"));
      g_autofree char *text = g_strdup_printf ("- %s %s: vào %s, ra %s", role_vi (str (x, "role")),
                                               str (x, "name") ? str (x, "name") : "", in, out);
      para (f, text, FONT, 12, PANGO_ALIGN_LEFT);
    }
  line (f, "Công dân được tiếp và nội dung:");
  for (guint i = 0; receptions && i < json_array_get_length (receptions); i++)
    {
      JsonObject *r = json_array_get_object_element (receptions, i);
      JsonObject *who = obj (r, "citizen");
      g_autofree char *text = g_strdup_printf (
          "%u. %s, %s (CCCD/CMND/Hộ chiếu: %s) - %s: %s (hướng xử lý: %s; sổ tiếp công dân, bản "
          "ghi số %" G_GINT64_FORMAT ").",
          i + 1, or_dots (str (who, "name")), or_dots (str (who, "address")),
          or_dots (str (who, "id_document")), or_dots (str (r, "classification_vi")),
          or_dots (str (r, "content")), handling_vi (str (r, "handling")),
          json_object_get_int_member_with_default (r, "id", 0));
      para (f, text, FONT, 12, PANGO_ALIGN_LEFT);
    }
  if (receptions == NULL || json_array_get_length (receptions) == 0)
    para (f, "(không có bản ghi tiếp công dân trong phiên)", FONT, 12, PANGO_ALIGN_LEFT);
  line (f, "Tạm dừng ghi hình:");
  for (guint i = 0; pauses && i < json_array_get_length (pauses); i++)
    {
      JsonObject *x = json_array_get_object_element (pauses, i);
      g_autofree char *at = rd_console_time_shown (str (x, "at"));
      g_autofree char *text =
          g_strdup_printf ("- %s: %s, lý do: %s (%s)", at,
                           g_strcmp0 (str (x, "kind"), "paused") == 0 ? "tạm dừng" : "ghi tiếp",
                           or_dots (str (x, "reason")), or_dots (str (x, "by")));
      para (f, text, FONT, 12, PANGO_ALIGN_LEFT);
    }
  if (pauses == NULL || json_array_get_length (pauses) == 0)
    para (f, "- Không tạm dừng.", FONT, 12, PANGO_ALIGN_LEFT);
  line (f, "Tệp ghi hình của phiên (mã băm SHA-256 để đối chiếu tính toàn vẹn):");
  row (f, 4, rec_w, rec_h, TRUE);
  for (guint i = 0; recordings && i < json_array_get_length (recordings); i++)
    {
      JsonObject *x = json_array_get_object_element (recordings, i);
      g_autofree char *n = g_strdup_printf (
          "%" G_GINT64_FORMAT, json_object_get_int_member_with_default (x, "segment", 0));
      const char *cells[] = { n, or_dots (str (x, "path")), or_dots (str (x, "sha256")),
                              or_dots (str (x, "state")) };
      row (f, 4, rec_w, cells, FALSE);
    }
  f->y += 8;
  if (str (s, "end_reason"))
    line (f, "Phiên kết thúc: %s.", str (s, "end_reason"));
  line (f, "Biên bản được lập xong lúc .... giờ .... cùng ngày, đã đọc lại cho những người có tên "
           "trên cùng nghe và ký xác nhận.");
  signatures (f, "NGƯỜI GHI BIÊN BẢN", NULL, "NGƯỜI CHỦ TRÌ", str (p, "name"));
}

static void
conclusions (Flow *f)
{
  JsonObject *s = obj (f->doc, "session");
  JsonArray *list = arr (f->doc, "conclusions");
  g_autofree char *start = rd_console_time_shown (str (s, "started_at"));
  g_autofree char *about = g_strdup_printf ("Kết luận của người chủ trì phiên tiếp công dân %s",
                                            or_dots (str (s, "id")));

  heading (f, "Số: ......./TB-TCD", str (s, "started_at"), "THÔNG BÁO", about);
  line (f, "Ngày %s, %s chủ trì phiên tiếp công dân.", start, or_dots (presiding_name (f->doc)));
  line (f, "Điểm cầu và thành phần tham dự:");
  bridge_lines (f, f->doc);
  line (f, "Người chủ trì kết luận như sau:");
  for (guint i = 0; list && i < json_array_get_length (list); i++)
    {
      JsonObject *c = json_array_get_object_element (list, i);
      g_autofree char *due = rd_console_time_shown (str (c, "due_date"));
      g_autofree char *about_reg =
          json_object_get_int_member_with_default (c, "registration_id", 0) > 0
              ? g_strdup_printf (" (đơn số %" G_GINT64_FORMAT ")",
                                 json_object_get_int_member (c, "registration_id"))
              : g_strdup ("");
      g_autofree char *text =
          g_strdup_printf ("%u. %s%s. Giao: %s; thời hạn: %s%s.", i + 1, or_dots (str (c, "text")),
                           about_reg, or_dots (str (c, "assignee")), due,
                           g_strcmp0 (str (c, "status"), "done") == 0 ? "; đã thực hiện" : "");
      para (f, text, FONT, 12, PANGO_ALIGN_LEFT);
    }
  if (list == NULL || json_array_get_length (list) == 0)
    para (f, "(chưa có kết luận)", FONT, 12, PANGO_ALIGN_LEFT);
  line (f, "Các cơ quan, đơn vị, cá nhân được giao có trách nhiệm thực hiện và báo cáo kết quả "
           "đúng thời hạn.");
  signatures (f, NULL, NULL, "NGƯỜI CHỦ TRÌ", presiding_name (f->doc));
  para (f, "Nơi nhận:\n- Các cơ quan, đơn vị, cá nhân được giao;\n- Lưu: VT, hồ sơ tiếp công dân.",
        "9", 0, PANGO_ALIGN_LEFT);
}

static gboolean
draw (RdDocumentsPdf *pdf, gpointer data, GError **error)
{
  Flow f = { pdf, data, TOP };
  const char *kind = str (f.doc, "kind");

  if (g_strcmp0 (kind, "refusal") == 0)
    refusal (&f);
  else if (g_strcmp0 (kind, "receipt") == 0)
    receipt (&f);
  else if (g_strcmp0 (kind, "record") == 0)
    record (&f);
  else
    conclusions (&f);
  return TRUE;
}

gboolean
rd_console_write_document_pdf (JsonObject *doc, const char *path, GError **error)
{
  static const char *const kinds[][2] = {
    { "refusal", "Thông báo từ chối tiếp công dân" },
    { "receipt", "Giấy biên nhận thông tin, tài liệu" },
    { "record", "Biên bản phiên tiếp công dân" },
    { "conclusions", "Thông báo kết luận phiên tiếp công dân" },
  };
  const char *kind = str (doc, "kind");

  for (gsize i = 0; i < G_N_ELEMENTS (kinds); i++)
    if (g_strcmp0 (kind, kinds[i][0]) == 0)
      return rd_documents_pdf_write (path, kinds[i][1], W, H, TRUE, draw, doc, error);
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
               "the document from the daemon is of no known kind (\"%s\")", kind ? kind : "");
  return FALSE;
}
