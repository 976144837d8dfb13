#!/usr/bin/env bash
# Every generated page passes the W3C Nu HTML Checker (vnu-jar from npm, run
# with Java) with no errors. build-aux/test installs both; without them the
# test reports itself skipped rather than passing.
set -uo pipefail
binary=$1
source_root=$2
vnu="$source_root/node_modules/vnu-jar/build/dist/vnu.jar"
echo "1..2"
if ! command -v java >/dev/null || [[ ! -f $vnu ]]; then
  if [[ -n ${PP_REQUIRE_VALIDATOR:-} ]]; then
    echo "not ok 1 - java or vnu-jar missing, and PP_REQUIRE_VALIDATOR is set"
    exit 1
  fi
  echo "ok 1 # SKIP java or vnu-jar missing (build-aux/test installs them)"
  echo "ok 2 # SKIP java or vnu-jar missing (build-aux/test installs them)"
  exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
validate() { # number, description, site directory
  mapfile -t files < <(find "$3" -name '*.html' -o -name '*.css' | sort)
  pages=$(printf '%s\n' "${files[@]}" | grep -c '\.html$')
  if java -jar "$vnu" --errors-only --also-check-css --format gnu "${files[@]}" > "$work/report" 2>&1; then
    echo "ok $1 - $2: $pages pages and the stylesheet, 0 errors from the Nu HTML Checker"
  else
    sed 's/^/# /' "$work/report" | head -40
    echo "not ok $1 - $2: the Nu HTML Checker found errors"
    status=1
  fi
}
status=0
"$binary" build --content "$source_root/content" --out "$work/public" -q || { echo "not ok 1 - build"; exit 1; }
validate 1 "bundled content" "$work/public"

# Adversarial content: ids that collide with the layout's, the footnotes'
# and each other's, raw HTML blocks and inline tags with ids, bogus lang and
# dir, kramdown comments, nomarkdown, end-of-block markers after lines,
# footnotes in headings, attachments whose names URLs cannot hold, tables,
# nested lists, three right-to-left languages, changes and compare pages.
adv="$work/adversarial"
mkdir -p "$adv/terms/ar" "$adv/terms/he" "$adv/terms/fa"
printf 'default_locale: ar\nbase_url: https://example.org/\ntitle:\n  ar: مثال\n  he: דוגמה\n  fa: نمونه\n' > "$adv/site.yaml"
printf '%%PDF odd' > "$adv/terms/ar/100% #?ع.pdf"
printf '%%PDF signed' > "$adv/terms/signed dpa.pdf"
cp "$adv/terms/ar/100% #?ع.pdf" "$adv/terms/he/"
cp "$adv/terms/ar/100% #?ع.pdf" "$adv/terms/fa/"
body() { # a version's text; $1 a word that changes between versions
  cat <<EOF
Intro[^a] <span id="main">x</span> <a name="retention">anchor</a> <span id="fn-1">y</span>
<span id="dup">1</span> <span id="dup">2</span> <span lang="not a tag!" dir="sideways">z</span> $1.
{: #change-1}

## Main

## fn-1 {#fn-1}

## Retention[^r]

## Retention

<div id="main"><p id="kept" lang="xx yy">Block <a name="main">a</a></p><section id="dup">s</section></div>

Internal {::comment}SECRET <b id="secret">x</b>{:/comment} text {::nomarkdown}<em id="nm">nm</em>{:/}.

{::comment}
## Hidden heading {#retention}
{:/comment}

Line one
^
Line two

- item
^
- other item
  - nested
^

> quoted
^
After the quote.

| a | b |
|---|---|
| <span id="cell">c</span> | [odd](100%25%20%23%3F%D8%B9.pdf?dl=1#p=2) [dpa](<../signed dpa.pdf>) |

[^a]: Note <span id="fnref-1">a</span>.
[^r]: Another note.
EOF
}
for locale in ar he fa; do
  for date in 2024-01-01 2024-02-01 2024-03-01; do
    meta="updated: $date"
    [[ $date == 2024-03-01 ]] && meta+=$'\neffective: 2024-06-01'
    [[ $locale == ar ]] || meta+=$'\n'"translates: $date"
    { printf -- '---\ntitle: T %s\n%s\n---\n\n' "$date" "$meta"; body "word-$date"; } > "$adv/terms/$locale/$date.md"
  done
done
if "$binary" build --content "$adv" --out "$work/adversarial-out" --as-of 2024-04-01 -q 2> "$work/adv-err"; then
  if grep -rq SECRET "$work/adversarial-out"; then
    echo "not ok 2 - adversarial content: a kramdown comment was published"
    status=1
  else
    validate 2 "adversarial content" "$work/adversarial-out"
  fi
else
  sed 's/^/# /' "$work/adv-err"
  echo "not ok 2 - adversarial content: the build failed"
  status=1
fi
exit $status
