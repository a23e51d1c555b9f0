#!/bin/sh
# Builds (release) and runs the benchmarks; each prints its figures and its same-run baseline.
# usage: bench.sh [RUNS]   (root: the benchmark makes its own network namespace)
set -eu
cd "$(dirname "$0")/.."
./scripts/build.sh release
./build-release/bin/bench-join "${1:-5}"
./build-release/bin/bench-chain "${1:-5}"
# 10 minutes of a party flashing and beeping, recorded (AV_SYNC_SECONDS to change)
./build-release/bin/bench-av-sync --seconds "${AV_SYNC_SECONDS:-600}"
# the conference bridge's CPU, RSS and composite drops for 0..6 parties (see README)
./build-release/bin/bench-conference
# 300 parties joining and leaving one after the other: the room's RSS, fds, threads, elements
./build-release/bin/bench-soak
# the room's echo cancellation on speech, 50/120/250 ms echo paths, with processing off beside it
./build-release/bin/bench-echo --runs "${1:-5}"
# glass to glass, party to party through the conference picture, against a direct Chromium call
./build-release/bin/bench-bridge "${1:-5}"
