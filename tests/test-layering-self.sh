#!/usr/bin/env bash
# test-layering.sh must fail on tests/layering-bad and name every wrong include there.
here=$(cd "$(dirname "$0")" && pwd)
out=$(bash "$here/test-layering.sh" "$here/layering-bad")
rc=$?
echo "$out"
[ "$rc" -ne 0 ] || { echo "FAIL: exit code 0 on a tree with wrong-way includes"; exit 1; }
grep -q 'media/ must not include ledger/rd-ledger.h' <<<"$out" || { echo "FAIL: missed media -> ledger"; exit 1; }
grep -q 'only ledger/ may include sqlite3.h' <<<"$out" || { echo "FAIL: missed sqlite3.h in config"; exit 1; }
grep -q 'documents/ must not include console/rd-console-time.h' <<<"$out" || { echo "FAIL: missed documents -> console"; exit 1; }
echo "ok: all three wrong-way includes caught"
