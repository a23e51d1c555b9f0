/* rd-console-documents.h: the reception book's printed documents as PDF, from what the daemon
 * gives (document.refusal, document.receipt, document.record, document.conclusions:
 * rd-ledger-book.h's rd_ledger_book_document()): the refusal notice (thông báo từ chối tiếp
 * công dân), the receipt of documents (giấy biên nhận tài liệu), the session record (biên bản
 * phiên tiếp công dân) and the notice of conclusions (thông báo kết luận).
 *
 * Contract: A4 portrait pages laid out like the administrative documents of Việt Nam: the body
 * and the national heading (Cộng hòa xã hội chủ nghĩa Việt Nam, Độc lập - Tự do - Hạnh phúc),
 * the place and date line, the title, the facts in paragraphs and tables, the signature blocks;
 * page numbers. A receipt is of the registration as it stands (its latest revision and every
 * document received so far), dated when that revision was recorded. Times are shown in the room's
 * zone (rd-console-time.h) as dd/mm/yyyy HH:MM. An identity the daemon redacted stays redacted:
 * nothing here reveals. The file is written as
 * @path, new, mode 0600, never replacing one (rd-documents-file.h). A @doc whose "kind" is none of
 * the four is G_IO_ERROR_INVALID_DATA.
 * Threading: one thread.
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

gboolean rd_console_write_document_pdf (JsonObject *doc, const char *path, GError **error);

G_END_DECLS
