#!/usr/bin/env bash
# A short, repeatable fuzzing run for the test suite: a fixed seed and a fixed
# number of inputs, on a copy of the seed corpus (libFuzzer adds what it
# finds to its corpus directory, which must not be the source tree).
set -euo pipefail
fuzzer=$1
seeds=$2
runs=${3:-4000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$seeds"/* "$work/"
cd "$work"
exec "$fuzzer" -seed=1 -runs="$runs" -max_len=8192 -rss_limit_mb=2048 -timeout=20 \
  -print_final_stats=1 "$work" 2>&1
