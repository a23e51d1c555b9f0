/* rd-console-report.h: the periodic report of reception work (the daemon's "report" result,
 * rd-ledger-book.h: title, form, period_vi, from, to, lines [{key, level, label, value, unit}])
 * as a table in the console; as XLSX or PDF it is documents/rd-documents-report.h's.
 *
 * Contract: the lines in order, as the form lays them out: a section's heading (level 0) on its
 * own line, an item (1) and its parts (2, indented, "- "), each with its number and unit, padded
 * by display width (Vietnamese text lines up). Threading: one thread.
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

void rd_console_print_report_table (JsonObject *report);

G_END_DECLS
