#!/usr/bin/env bash
# Runs a test written for Node.js (tests/SCRIPT.mjs ARGS...), with the Node
# found when the test runs (build-aux/test installs it after the build is
# configured); without it the test is skipped.
here=$(dirname "$0")
script=$1
shift
node=$(command -v node || command -v nodejs)
if [[ -z $node ]]; then
  if [[ -n ${PP_REQUIRE_BROWSER:-} ]]; then echo "1..1"; echo "not ok 1 - node is not installed and PP_REQUIRE_BROWSER is set"; exit 1; fi
  echo "1..1"; echo "ok 1 # SKIP node is not installed (build-aux/test installs it)"; exit 0
fi
exec "$node" "$here/$script" "$@"
