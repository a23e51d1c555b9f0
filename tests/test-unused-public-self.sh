#!/usr/bin/env bash
# test-unused-public.sh must fail on tests/unused-public-bad and name each fault there, once
# built: a function nothing uses, one only its own file uses, one declared but never defined, one
# defined without a header declaration; and must not name the used or the static inline one. With
# a minimum above what it finds it must fail too (it never passes having seen too little).
# usage: test-unused-public-self.sh CC
set -u
cc=${1:?usage: test-unused-public-self.sh CC}
here=$(cd "$(dirname "$0")" && pwd)
fixture=$here/unused-public-bad
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# A build of the fixture as CMake would leave it: objects and their compile_commands.json.
{
  echo "["
  sep=""
  for src in config/rd-config-fixture.c media/rd-media-fixture.c; do
    obj=${src//\//-}.o
    "$cc" -c -I "$fixture" -o "$tmp/$obj" "$fixture/$src" || { echo "FAIL: cannot compile $src"; exit 1; }
    printf '%s{\n  "directory": "%s",\n  "command": "%s -I%s -o %s -c %s",\n  "file": "%s"\n}\n' \
      "$sep" "$tmp" "$cc" "$fixture" "$obj" "$fixture/$src" "$fixture/$src"
    sep=","
  done
  echo "]"
} >"$tmp/compile_commands.json" || exit 1

out=$(bash "$here/test-unused-public.sh" "$fixture" "$tmp" 4)
rc=$?
echo "$out"
[ "$rc" -ne 0 ] || { echo "FAIL: exit code 0 on a tree with unused public functions"; exit 1; }
expect() {
  grep -qF "$1" <<<"$out" || { echo "FAIL: missed: $1"; exit 1; }
}
expect "config/rd-config-fixture.c: rd_fixture_unused is public but nothing uses it (dead code)"
expect "config/rd-config-fixture.c: rd_fixture_own_file_only is public but only its own file uses it"
expect "config/rd-config-fixture.h: rd_fixture_never_defined is declared but no module defines it"
expect "config/rd-config-fixture.c: rd_fixture_hidden is not static and no module header declares it"
if grep -E 'rd_fixture_used|rd_fixture_inline|main' <<<"$out"; then
  echo "FAIL: named a function that is fine"
  exit 1
fi
[ "$(wc -l <<<"$out")" -eq 4 ] || { echo "FAIL: expected exactly 4 findings"; exit 1; }

out=$(bash "$here/test-unused-public.sh" "$fixture" "$tmp" 1000)
rc=$?
[ "$rc" -ne 0 ] && grep -q "the check saw too little" <<<"$out" ||
  { echo "FAIL: passed with fewer public functions than asked for"; exit 1; }
echo "ok: every fault named, nothing else, and too few functions fail"
