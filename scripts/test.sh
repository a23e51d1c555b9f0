#!/bin/sh
# README command 2 (and CI): install what is missing, build, and run the whole test suite with
# ctest, first in the dev build, then under AddressSanitizer + UndefinedBehaviorSanitizer.
# usage: test.sh [PRESET...]   (default: dev asan)
set -eu
cd "$(dirname "$0")/.."
presets=${*:-dev asan}
for preset in $presets; do
  echo "== $preset: build"
  ./scripts/build.sh "$preset"
  echo "== $preset: test"
  ctest --preset "$preset" -j "$(nproc)"
done
