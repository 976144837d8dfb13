#!/usr/bin/env bash
# Parallel loading and rendering: several policies and locales built with 2
# and 8 threads give the same bytes as with 1, and broken content the same
# messages. With 2 workers each policy is one task (none is a large share of
# this site's work); with 8, each series is (site.c's plan_handover): both
# plans are compared. Run by build-aux/test in a ThreadSanitizer build too, where any
# data race between the workers fails the build.
set -uo pipefail
binary=$1
source_root=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "1..3"
mkdir -p "$work/content"
cp "$source_root/content/site.yaml" "$work/content/"
for p in privacy terms cookies refunds shipping; do cp -a "$source_root/content/privacy" "$work/content/$p"; done
# Text that needs cmark-gfm's extensions (strikethrough, bare autolinks),
# whose parsing touches process-wide state: 40 policies of it.
python3 - "$work/content" <<'PY'
import os, sys
body = "".join(f"Paragraph {i}: ~~struck~~ text, www.example.org/{i} and mail{i}@example.org.\n\n" for i in range(200))
for p in range(40):
    os.makedirs(f"{sys.argv[1]}/extensions{p}/en", exist_ok=True)
    with open(f"{sys.argv[1]}/extensions{p}/en/2024-09-01.md", "w", encoding="utf-8") as f:
        f.write("---\ntitle: T\nupdated: 2024-09-01\n---\n\n" + body)
PY
export TSAN_OPTIONS="halt_on_error=1 exitcode=66 ${TSAN_OPTIONS:-}"
"$binary" build --content "$work/content" --out "$work/j1" -q -j 1 2> "$work/err1"; rc1=$?
"$binary" build --content "$work/content" --out "$work/j2" -q -j 2 2> "$work/err2"; rc2=$?
"$binary" build --content "$work/content" --out "$work/j8" -q -j 8 2> "$work/err8"; rc8=$?
if [[ $rc1 -eq 0 && $rc2 -eq 0 && $rc8 -eq 0 ]]; then
  echo "ok 1 - builds with 1, 2 and 8 threads succeed (no data race reported)"
else
  sed 's/^/# /' "$work/err2" "$work/err8" | head -40
  echo "not ok 1 - builds with 1, 2 and 8 threads (exit $rc1, $rc2, $rc8)"
  exit 1
fi
if diff -r "$work/j1" "$work/j2" > "$work/diff" && diff -r "$work/j1" "$work/j8" >> "$work/diff"; then
  echo "ok 2 - byte-identical output"
else
  sed 's/^/# /' "$work/diff" | head -10
  echo "not ok 2 - output differs between 1 thread and 2 or 8"
  exit 1
fi
# Version files are read and parsed in parallel too: messages from many
# broken files come out complete and in the same order with 1 and 4 threads.
mkdir -p "$work/broken"
cp "$source_root/content/site.yaml" "$work/broken/"
python3 - "$work/broken" <<'PY'
import os, sys
for p in range(12):
    os.makedirs(f"{sys.argv[1]}/policy{p}/en", exist_ok=True)
    for day in range(1, 9):
        text = ["---\ntitle: T\nupdated: 2024-09-0%d\nlayout: x\n---\n\nText.\n" % day,  # unknown key: warning
                "---\ntitle: T\n---\n\nText.\n",                                     # no date: error
                "---\ntitle: [unclosed\nupdated: 2024-09-0%d\n---\nText.\n" % day,    # YAML error
                "no front matter\n"][(p + day) % 4]
        with open(f"{sys.argv[1]}/policy{p}/en/2024-09-0{day}.md", "w", encoding="utf-8") as f:
            f.write(text)
PY
"$binary" build --content "$work/broken" --out "$work/out" -j 1 2> "$work/berr1"; rc1=$?
"$binary" build --content "$work/broken" --out "$work/out" -j 4 2> "$work/berr4"; rc4=$?
count=$(grep -c ': error: ' "$work/berr4")
if [[ $rc1 -eq 1 && $rc4 -eq 1 && $count -ge 72 ]] && cmp -s "$work/berr1" "$work/berr4"; then
  echo "ok 3 - the same $count errors, in the same order, from 1 and 4 threads"
else
  diff "$work/berr1" "$work/berr4" | sed 's/^/# /' | head -20
  echo "not ok 3 - messages differ between 1 and 4 threads (exit $rc1, $rc4, $count errors)"
  exit 1
fi
