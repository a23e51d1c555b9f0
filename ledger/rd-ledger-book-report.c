/* rd-ledger-book-report.c: the periodic report of the reception book, shaped like the
 * inspectorate's report of reception work (Thông tư 02/2021/TT-TTCP). See rd-ledger-book.h. */
#include "ledger/rd-ledger-book-private.h"
#include "ledger/rd-ledger-error.h"

#include <string.h>

/* The receptions of the period (?1..?2) as recorded ("rr"): each with the registration at the
 * revision its record was made on (as the book's rows, rd-ledger-book-rows.c), whether it is a
 * group's (đoàn đông người: representatives named, or five people or more), online (its session
 * had a remote party connected, or a component bridge point) and of a repeated matter (vụ việc
 * cũ: the recorded registration repeats an earlier one, or the registration was received before
 * the period). "matters": one line per registration received (vụ việc), as recorded at its first
 * reception of the period. ?3 is today. */
#define REPORT_CTE                                                                                 \
  "WITH revs AS ("                                                                                 \
  " SELECT id AS registration_id, revision, classification, people_count, field, repeat_of, "      \
  " representatives FROM registrations UNION ALL "                                                 \
  " SELECT registration_id, revision, classification, people_count, field, repeat_of, "            \
  " representatives FROM registration_history), "                                                  \
  "rec AS (SELECT r.id, r.registration_id, r.handling, r.session_id, "                             \
  " coalesce (r.registration_revision, (SELECT min (h.revision) FROM registration_history h "      \
  "  WHERE h.registration_id = r.registration_id AND h.superseded_at > r.created_at), "            \
  "  g.revision) AS rev "                                                                          \
  " FROM receptions r JOIN registrations g ON g.id = r.registration_id "                           \
  " WHERE r.reception_date >= ?1 AND r.reception_date <= ?2 AND ?3 IS NOT NULL), "                 \
  "rr AS (SELECT rec.id, rec.registration_id, rec.handling, v.classification, v.people_count, "    \
  " v.field, (v.representatives IS NOT NULL OR v.people_count >= 5) AS grp, "                      \
  " (rec.session_id IS NOT NULL AND (EXISTS (SELECT 1 FROM participants p "                        \
  "  WHERE p.session_id = rec.session_id) OR EXISTS (SELECT 1 FROM bridge_points b "               \
  "  WHERE b.session_id = rec.session_id AND b.kind = 'component'))) AS online, "                  \
  " (coalesce (v.repeat_of, 0) > 0 OR EXISTS (SELECT 1 FROM receptions e "                         \
  "  WHERE e.registration_id = rec.registration_id AND e.reception_date < ?1)) AS old "            \
  " FROM rec JOIN revs v ON v.registration_id = rec.registration_id AND v.revision = rec.rev), "   \
  "matters AS (SELECT * FROM rr WHERE id IN (SELECT min (id) FROM rr GROUP BY registration_id)) "

/* A reception's outcome: resolved (passed on, or a conclusion about it done), overdue (an open
 * conclusion past its due date), else pending. */
#define OUTCOME_SQL                                                                                \
  REPORT_CTE                                                                                       \
  "SELECT CASE WHEN rr.handling <> 'competent' OR EXISTS (SELECT 1 FROM conclusions c "            \
  "WHERE c.registration_id = rr.registration_id AND c.status = 'done') THEN 'resolved' "           \
  "WHEN EXISTS (SELECT 1 FROM conclusions c WHERE c.registration_id = rr.registration_id "         \
  "AND c.status = 'open' AND c.due_date < ?3) THEN 'overdue' ELSE 'pending' END AS o, "            \
  "count (*) FROM rr GROUP BY o"

typedef struct
{
  RdLedger *self;
  const char *from, *to, *today;
  GError **error;
} Query;

/* @sql's rows (key, count) as {key: count}; a query of one count has the key "". NULL on error.
 */
static GHashTable *
counts (Query *q, const char *sql)
{
  g_autoptr (sqlite3_stmt) stmt =
      rd_ledger_prepare (q->self, q->error, sql, 3, q->from, q->to, q->today);
  g_autoptr (GHashTable) out = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  int rc;

  if (stmt == NULL)
    return NULL;
  while ((rc = rd_ledger_step (q->self, stmt, q->error)) == SQLITE_ROW)
    {
      gboolean keyed = sqlite3_column_count (stmt) > 1;
      const char *key = keyed ? (const char *)sqlite3_column_text (stmt, 0) : "";

      g_hash_table_insert (out, g_strdup (key ? key : ""),
                           GSIZE_TO_POINTER ((gsize)sqlite3_column_int64 (stmt, keyed ? 1 : 0)));
    }
  return rc == SQLITE_DONE ? g_steal_pointer (&out) : NULL;
}

static gint64
get (GHashTable *table, const char *key)
{
  return (gint64)GPOINTER_TO_SIZE (g_hash_table_lookup (table, key));
}

/* One count; -1 on error. */
static gint64
count (Query *q, const char *sql)
{
  g_autoptr (GHashTable) t = counts (q, sql);
  return t ? get (t, "") : -1;
}

/* A line of the report: @level 0 is a section's heading (no value), 1 an item, 2 a part of the
 * item above. */
static void
line (JsonBuilder *b, const char *key, int level, const char *label, gint64 value, const char *unit)
{
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "key");
  json_builder_add_string_value (b, key);
  json_builder_set_member_name (b, "level");
  json_builder_add_int_value (b, level);
  json_builder_set_member_name (b, "label");
  json_builder_add_string_value (b, label);
  if (level > 0)
    {
      json_builder_set_member_name (b, "value");
      json_builder_add_int_value (b, value);
      json_builder_set_member_name (b, "unit");
      json_builder_add_string_value (b, unit);
    }
  json_builder_end_object (b);
}

static const char *const classes[] = { "khieu-nai", "to-cao", "kien-nghi", "phan-anh", NULL };
static const char *const class_vi[] = { "Khiếu nại", "Tố cáo", "Kiến nghị", "Phản ánh" };
static const char *const handlings[] = { "competent", "guided", "transferred", "refused", NULL };
static const char *const handling_vi[] = { "Thuộc thẩm quyền", "Hướng dẫn công dân",
                                           "Chuyển đơn đến cơ quan có thẩm quyền", "Từ chối tiếp" };
static const char *const outcomes[] = { "resolved", "pending", "overdue", NULL };
static const char *const outcome_vi[] = { "Đã giải quyết", "Đang giải quyết",
                                          "Quá hạn giải quyết" };

/* The single counts of section I, by key, in the order they are shown. */
static const struct
{
  const char *key;
  int level;
  const char *label, *unit, *where;
} reception_lines[] = {
  { "receptions", 1, "Số lượt tiếp công dân", "lượt", "SELECT count (*) FROM rr" },
  { "receptions_in_person", 2, "Tiếp trực tiếp", "lượt",
    "SELECT count (*) FROM rr WHERE NOT online" },
  { "receptions_online", 2, "Tiếp trực tuyến", "lượt", "SELECT count (*) FROM rr WHERE online" },
  { "people", 1, "Số người được tiếp", "người", "SELECT coalesce (sum (people_count), 0) FROM rr" },
  { "matters", 1, "Số vụ việc", "vụ việc", "SELECT count (*) FROM matters" },
  { "matters_old", 2, "Vụ việc cũ", "vụ việc", "SELECT count (*) FROM matters WHERE old" },
  { "matters_new", 2, "Vụ việc mới phát sinh", "vụ việc",
    "SELECT count (*) FROM matters WHERE NOT old" },
  { "groups", 1, "Số đoàn đông người", "đoàn", "SELECT count (*) FROM rr WHERE grp" },
  { "group_people", 2, "Số người trong đoàn", "người",
    "SELECT coalesce (sum (people_count), 0) FROM rr WHERE grp" },
  { "group_matters_old", 2, "Vụ việc cũ", "vụ việc",
    "SELECT count (*) FROM matters WHERE grp AND old" },
  { "group_matters_new", 2, "Vụ việc mới phát sinh", "vụ việc",
    "SELECT count (*) FROM matters WHERE grp AND NOT old" },
};

/* "lines": the report as the form lays it out. */
static gboolean
add_lines (Query *q, JsonBuilder *b, GHashTable *flat)
{
  g_autoptr (GHashTable) by_class = counts (q, REPORT_CTE "SELECT classification, count (*) "
                                                          "FROM matters GROUP BY 1");
  g_autoptr (GHashTable) by_handling = counts (q, REPORT_CTE "SELECT handling, count (*) "
                                                             "FROM rr GROUP BY 1");
  g_autoptr (GHashTable) by_outcome = counts (q, OUTCOME_SQL);
  g_autoptr (sqlite3_stmt) fields = NULL;
  int rc;

  if (by_class == NULL || by_handling == NULL || by_outcome == NULL)
    return FALSE;
  json_builder_set_member_name (b, "lines");
  json_builder_begin_array (b);
  line (b, "reception", 0, "I. TIẾP CÔNG DÂN", 0, NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (reception_lines); i++)
    {
      g_autofree char *sql = g_strconcat (REPORT_CTE, reception_lines[i].where, NULL);
      gint64 n = count (q, sql);

      if (n < 0)
        return FALSE;
      g_hash_table_insert (flat, g_strdup (reception_lines[i].key), GSIZE_TO_POINTER ((gsize)n));
      line (b, reception_lines[i].key, reception_lines[i].level, reception_lines[i].label, n,
            reception_lines[i].unit);
    }
  line (b, "classification", 0, "II. PHÂN LOẠI VỤ VIỆC QUA TIẾP CÔNG DÂN", 0, NULL);
  line (b, "by_classification", 1, "Theo loại đơn", get (flat, "matters"), "vụ việc");
  for (int i = 0; classes[i]; i++)
    {
      g_autofree char *key = g_strconcat ("class:", classes[i], NULL);
      line (b, key, 2, class_vi[i], get (by_class, classes[i]), "vụ việc");
    }
  line (b, "by_field", 1, "Theo lĩnh vực", get (flat, "matters"), "vụ việc");
  fields = rd_ledger_prepare (q->self, q->error,
                              REPORT_CTE "SELECT field, count (*) FROM matters GROUP BY field "
                                         "ORDER BY field IS NULL, field",
                              3, q->from, q->to, q->today);
  if (fields == NULL)
    return FALSE;
  while ((rc = rd_ledger_step (q->self, fields, q->error)) == SQLITE_ROW)
    {
      const char *field = (const char *)sqlite3_column_text (fields, 0);
      g_autofree char *key = g_strconcat ("field:", field ? field : "", NULL);

      line (b, key, 2, field ? field : "Chưa ghi lĩnh vực", sqlite3_column_int64 (fields, 1),
            "vụ việc");
    }
  if (rc == 0)
    return FALSE;
  line (b, "results", 0, "III. KẾT QUẢ TIẾP CÔNG DÂN", 0, NULL);
  line (b, "by_handling", 1, "Theo hướng xử lý", get (flat, "receptions"), "lượt");
  for (int i = 0; handlings[i]; i++)
    {
      g_autofree char *key = g_strconcat ("handling:", handlings[i], NULL);
      line (b, key, 2, handling_vi[i], get (by_handling, handlings[i]), "lượt");
    }
  line (b, "by_outcome", 1, "Theo kết quả giải quyết", get (flat, "receptions"), "lượt");
  for (int i = 0; outcomes[i]; i++)
    {
      g_autofree char *key = g_strconcat ("outcome:", outcomes[i], NULL);
      line (b, key, 2, outcome_vi[i], get (by_outcome, outcomes[i]), "lượt");
    }
  line (b, "sessions", 0, "IV. PHIÊN TIẾP, ĐƠN VÀ KẾT LUẬN", 0, NULL);
  line (b, "sessions_held", 1, "Số phiên tiếp đã tổ chức", get (flat, "sessions_held"), "phiên");
  line (b, "registrations", 1, "Số đơn, vụ việc đăng ký", get (flat, "registrations"), "đơn");
  line (b, "conclusions_issued", 1, "Kết luận, chỉ đạo đã ban hành",
        get (flat, "conclusions_issued"), "kết luận");
  line (b, "conclusions_overdue", 1, "Kết luận quá hạn thực hiện",
        get (flat, "conclusions_overdue"), "kết luận");
  json_builder_end_array (b);
  return TRUE;
}

/* Member @name: {label: count} of @table for each of @keys. */
static void
add_map (JsonBuilder *b, const char *name, GHashTable *table, const char *const *keys,
         gboolean classification)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_object (b);
  for (int i = 0; keys[i]; i++)
    {
      json_builder_set_member_name (b,
                                    classification ? rd_book_classification_vi (keys[i]) : keys[i]);
      json_builder_add_int_value (b, get (table, keys[i]));
    }
  json_builder_end_object (b);
}

static void
add_int (JsonBuilder *b, const char *name, gint64 value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_int_value (b, value);
}

static void
add_string (JsonBuilder *b, const char *name, const char *value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_string_value (b, value);
}

/* The counts that are not of the period's receptions, into @flat. */
static gboolean
other_counts (Query *q, GHashTable *flat)
{
  static const struct
  {
    const char *key, *sql;
  } others[] = {
    { "sessions_held", "SELECT count (*) FROM sessions WHERE started_at IS NOT NULL "
                       "AND date (started_at, 'localtime') BETWEEN ?1 AND ?2 AND ?3 IS NOT NULL" },
    { "registrations", "SELECT count (*) FROM registrations WHERE date (created_at, 'localtime') "
                       "BETWEEN ?1 AND ?2 AND ?3 IS NOT NULL" },
    { "conclusions_issued", "SELECT count (*) FROM conclusions WHERE date (created_at, "
                            "'localtime') BETWEEN ?1 AND ?2 AND ?3 IS NOT NULL" },
    { "conclusions_overdue", "SELECT count (*) FROM conclusions WHERE status = 'open' "
                             "AND due_date < ?3 AND ?1 IS NOT NULL AND ?2 IS NOT NULL" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (others); i++)
    {
      gint64 n = count (q, others[i].sql);
      if (n < 0)
        return FALSE;
      g_hash_table_insert (flat, g_strdup (others[i].key), GSIZE_TO_POINTER ((gsize)n));
    }
  return TRUE;
}

/* The members that say what the report is and the counts by key (kept for scripts). */
static gboolean
add_report (Query *q, JsonBuilder *b, const RdBookPeriod *p)
{
  static const char *const flat_keys[] = { "sessions_held", "registrations", "receptions",
                                           "conclusions_issued", "conclusions_overdue" };
  g_autoptr (GHashTable) flat = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GHashTable) by_class = NULL, by_handling = NULL, by_outcome = NULL;
  g_autofree char *title = g_strdup_printf ("BÁO CÁO KẾT QUẢ CÔNG TÁC TIẾP CÔNG DÂN %s", p->label);

  json_builder_begin_object (b);
  add_string (b, "title", title);
  add_string (b, "form",
              "Theo chế độ báo cáo công tác tiếp công dân (Thông tư số "
              "02/2021/TT-TTCP)");
  add_string (b, "period", p->kind);
  add_string (b, "period_vi", p->label);
  if (g_str_equal (p->kind, "month"))
    {
      g_autofree char *month = g_strndup (p->from, 7);
      add_string (b, "month", month);
    }
  add_string (b, "from", p->from);
  add_string (b, "to", p->to);
  if (!other_counts (q, flat) || !add_lines (q, b, flat))
    return FALSE;
  for (gsize i = 0; i < G_N_ELEMENTS (flat_keys); i++)
    add_int (b, flat_keys[i], get (flat, flat_keys[i]));
  by_class = counts (q, REPORT_CTE "SELECT classification, count (*) FROM rr GROUP BY 1");
  by_handling = counts (q, REPORT_CTE "SELECT handling, count (*) FROM rr GROUP BY 1");
  by_outcome = counts (q, OUTCOME_SQL);
  if (by_class == NULL || by_handling == NULL || by_outcome == NULL)
    return FALSE;
  add_map (b, "by_classification", by_class, classes, TRUE);
  add_map (b, "by_handling", by_handling, handlings, FALSE);
  add_map (b, "by_outcome", by_outcome, outcomes, FALSE);
  json_builder_end_object (b);
  return TRUE;
}

JsonNode *
rd_ledger_book_report (RdLedger *ledger, const char *period, GError **error)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (GError) local_error = NULL;
  g_autofree char *today = NULL;
  g_auto (RdBookPeriod) p = { 0 };
  Query q = { .self = ledger, .error = &local_error };
  gboolean ok;

  g_return_val_if_fail (ledger != NULL, NULL);

  if (!rd_book_parse_period (period, &p, &local_error))
    goto fail;
  today = rd_book_today (ledger);
  q.from = p.from;
  q.to = p.to;
  q.today = today;
  /* One read transaction: every count sees the same ledger. */
  if (!rd_ledger_exec (ledger, "BEGIN", &local_error))
    goto fail;
  ok = add_report (&q, b, &p);
  rd_ledger_rollback (ledger, FALSE);
  if (!ok)
    goto fail;
  return json_builder_get_root (b);

fail:
  g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                              "cannot make the report for %s: ", period ? period : "(none)");
  return NULL;
}
