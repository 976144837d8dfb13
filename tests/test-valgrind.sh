#!/usr/bin/env bash
# A full build of content/, a check and a diff are clean under valgrind
# memcheck: no invalid access, no uninitialized use, and no leaked or even
# still-reachable memory at exit.
set -uo pipefail
binary=$1
source_root=$2
echo "1..3"
if ! command -v valgrind >/dev/null; then
  for i in 1 2 3; do echo "ok $i # SKIP valgrind is not installed"; done
  exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
vg=(valgrind --quiet --leak-check=full --show-leak-kinds=all --errors-for-leak-kinds=all --error-exitcode=99)
n=0
run() {
  local name=$1 expect=$2; shift 2
  n=$((n + 1))
  "${vg[@]}" "$@" > "$work/out" 2> "$work/log"
  local rc=$?
  if [[ $rc -eq $expect ]]; then
    echo "ok $n - $name"
  else
    sed 's/^/# /' "$work/log" | head -60
    echo "not ok $n - $name (exit $rc)"
    failed=1
  fi
}
failed=0
run "build content/" 0 "$binary" build --content "$source_root/content" --out "$work/public" -q
run "check content/" 0 "$binary" check --content "$source_root/content" -q
run "diff two versions" 1 "$binary" diff "$source_root/content/privacy/ar/2023-03-14.md" "$source_root/content/privacy/ar/2024-09-01.md"
exit $failed
