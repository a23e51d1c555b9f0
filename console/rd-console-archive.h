/* rd-console-archive.h: `receptionctl archive check DIR [--public-key HEX]`, the offline check
 * of an archive package (the folder of a sealed session: its segment files, manifest.json,
 * manifest.json.sig), without the daemon.
 *
 * Contract: the check reads only DIR and, in this order, stops at the first problem: the
 * manifest's format; the room key (the manifest's public_key, which must equal --public-key when
 * given: a key taken from the package itself proves only that the package is whole, the key the
 * archive knows proves whose it is); manifest.json.sig (64 raw bytes, Ed25519 over the manifest's
 * exact bytes); the ledger checkpoint's signature by the same key; every ledger entry given in
 * full (hash = SHA-256 (prev_hash || entry), entry's seq/tbl/row_id/op as listed, seq at most the
 * checkpoint's, consecutive entries linked by prev_hash, an entry at the checkpoint's seq equal
 * to its head); every file with a sha256 (a plain name, present, its size, its SHA-256).
 * Exit 0 when whole, 1 naming the first problem (stderr), 66 when DIR has no manifest, 64 for a
 * usage error. With @json the report {ok, files, bytes, entries, withheld, checkpoint_seq,
 * problem} goes to stdout. Threading: one thread. */
#include <json-glib/json-glib.h>
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* @argv: the words after "archive check". */
int rd_console_archive_check (int argc, char **argv, gboolean json);

/* The printers of archive status, archive retry (the status after it) and archive verify, and
 * archive verify's verdict: 1, the first problem named on stderr, unless every object is as
 * the ledger says. */
void rd_console_print_archive_status (JsonNode *result);
void rd_console_print_archive_verify (JsonNode *result);
int rd_console_archive_verify_verdict (JsonNode *result);

G_END_DECLS
