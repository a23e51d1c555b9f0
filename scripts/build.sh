#!/bin/sh
# Installs what is missing and builds one CMake preset (default: dev). usage: build.sh [PRESET]
set -eu
cd "$(dirname "$0")/.."
preset=${1:-dev}
./scripts/install-deps.sh
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" -j "$(nproc)"
