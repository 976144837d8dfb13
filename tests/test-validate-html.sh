#!/usr/bin/env bash
# Every generated page passes the W3C Nu HTML Checker (vnu-jar from npm, run
# with Java) with no errors. build-aux/test installs both; without them the
# test reports itself skipped rather than passing.
set -uo pipefail
binary=$1
source_root=$2
vnu="$source_root/node_modules/vnu-jar/build/dist/vnu.jar"
echo "1..1"
if ! command -v java >/dev/null || [[ ! -f $vnu ]]; then
  if [[ -n ${PP_REQUIRE_VALIDATOR:-} ]]; then
    echo "not ok 1 - java or vnu-jar missing, and PP_REQUIRE_VALIDATOR is set"
    exit 1
  fi
  echo "ok 1 # SKIP java or vnu-jar missing (build-aux/test installs them)"
  exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$binary" build --content "$source_root/content" --out "$work/public" -q || { echo "not ok 1 - build"; exit 1; }
mapfile -t files < <(find "$work/public" -name '*.html' -o -name '*.css' | sort)
pages=$(printf '%s\n' "${files[@]}" | grep -c '\.html$')
if java -jar "$vnu" --errors-only --also-check-css --format gnu "${files[@]}" > "$work/report" 2>&1; then
  echo "ok 1 - $pages pages and the stylesheet, 0 errors from the Nu HTML Checker"
else
  sed 's/^/# /' "$work/report"
  echo "not ok 1 - the Nu HTML Checker found errors"
  exit 1
fi
