#!/bin/sh
# Builds the libFuzzer targets (the fuzz preset: clang, ASan + UBSan) and fuzzes one of them for
# SECONDS (default 1800) from its seed corpus (tests/fuzz/corpus/TARGET, read only) into a working
# corpus in build-fuzz/fuzz/corpus-TARGET. A crash or leak stops it and leaves the input as
# build-fuzz/fuzz/crash-* or leak-*; add it to the seed corpus with the fix.
# usage: fuzz.sh TARGET [SECONDS]   (TARGET: fuzz-sdp, fuzz-links, fuzz-proto, fuzz-book,
# fuzz-whip, fuzz-sdpfrag; "list" lists them)
set -eu
cd "$(dirname "$0")/.."
target=${1:?usage: fuzz.sh TARGET [SECONDS]}
seconds=${2:-1800}
./scripts/install-deps.sh
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$(nproc)"
if [ "$target" = list ]; then
  ls tests/fuzz/corpus
  exit 0
fi
[ -d "tests/fuzz/corpus/$target" ] || { echo "fuzz.sh: no target $target" >&2; exit 64; }
mkdir -p "build-fuzz/fuzz/corpus-$target"
cd build-fuzz/fuzz
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  exec "./$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  "corpus-$target" "../../tests/fuzz/corpus/$target"
