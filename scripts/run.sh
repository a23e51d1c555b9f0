#!/bin/sh
# README command 1: install what is missing, build, and run receptiond in the foreground on its
# embedded default configuration (or on the arguments given, e.g. --config FILE).
set -eu
cd "$(dirname "$0")/.."
./scripts/build.sh dev
exec ./build/bin/receptiond "$@"
