#!/bin/sh
# README command 2 (and CI): install what is missing, build, and run the whole test suite with
# ctest, first in the dev build, then under AddressSanitizer + UndefinedBehaviorSanitizer, then
# each libFuzzer target for a minute from its seed corpus (the fuzz preset, clang).
# usage: test.sh [PRESET...]   (default: dev asan fuzz)
set -eu
cd "$(dirname "$0")/.."
presets=${*:-dev asan fuzz}
for preset in $presets; do
  echo "== $preset: build"
  ./scripts/build.sh "$preset"
  echo "== $preset: test"
  ctest --preset "$preset" -j "$(nproc)"
done
