#!/usr/bin/env bash
# Every XML and JSON file a build writes, read back by real parsers: xmllint
# (well-formedness, and the sitemap protocol's and Atom's schemas) and
# Python's json, on the bundled site, on a site whose front matter is as
# hostile as YAML allows, and on sites at the sitemap's 50,000-URL boundary.
#   test-outputs.sh POLICYPRESS SOURCE_ROOT [files | sitemap-over | sitemap-at]
# The three parts run as tests of their own (each site at the boundary is
# a build of 25,000 versions: minutes under AddressSanitizer on a busy
# machine); without a part, all three.
set -uo pipefail
binary=$1
source_root=$2
part=${3:-all}
schemas=$source_root/tests/schemas
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
case $part in
  files) echo "1..2" ;;
  sitemap-over | sitemap-at) echo "1..1" ;;
  all) echo "1..4" ;;
  *) echo "unknown part $part" >&2; exit 2 ;;
esac
runs() { [[ $part == all || $part == "$1" ]]; }
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); echo "not ok $n - $1"; [[ -n ${2:-} ]] && sed 's/^/# /' <<< "$2"; failed=1; }

# Problems with any XML or JSON file under $1 (nothing when all are good).
parse_all() {
  local site=$1 problems=
  while IFS= read -r -d '' f; do
    case $f in
      */sitemap.xml) if grep -q '<sitemapindex' "$f"; then schema=siteindex.xsd; else schema=sitemap.xsd; fi
                     problems+=$(xmllint --noout --schema "$schemas/$schema" "$f" 2>&1 | grep -v ' validates$') ;;
      */sitemap-*.xml) problems+=$(xmllint --noout --schema "$schemas/sitemap.xsd" "$f" 2>&1 | grep -v ' validates$') ;;
      */feed.xml) problems+=$(xmllint --noout --relaxng "$schemas/atom.rng" "$f" 2>&1 | grep -v ' validates$') ;;
      *) problems+=$(xmllint --noout "$f" 2>&1) ;;
    esac
  done < <(find "$site" -name '*.xml' -print0)
  problems+=$(find "$site" -name '*.json' -print0 | xargs -0 -r python3 -c '
import json, sys
for path in sys.argv[1:]:
    try:
        with open(path, encoding="utf-8") as f:
            json.load(f, parse_constant=lambda c: sys.exit(f"{path}: {c} is not JSON"))
    except ValueError as e:
        print(f"{path}: {e}")' 2>&1)
  printf '%s' "$problems"
}

if runs files; then
# 1. The bundled site.
"$binary" build --content "$source_root/content" --out "$work/bundled" -q
problems=$(parse_all "$work/bundled")
count=$(find "$work/bundled" -name '*.xml' -o -name '*.json' | wc -l)
if [[ -z $problems && $count -ge 4 ]]; then ok "bundled site: $count XML and JSON files parse and validate"; else fail "bundled site" "$problems"; fi

# 2. Front matter as hostile as YAML allows: markup, entities, CDATA ends,
# quotes, bidi marks, astral characters, line separators, long values.
hostile=$work/hostile
mkdir -p "$hostile/policy/en" "$hostile/policy/ar"
# The base URL as hostile to XML and HTML as a valid URL can be ('&', a
# quote); one that is no URL ('<') is refused, as the content test shows.
printf 'default_locale: en\nbase_url: "https://policies.example/a&b'"'"'c;d=(e)/"\ntitle:\n  en: "Site <&> \\"]]>"\n  ar: "موقع \\u200f<b>"\n' > "$hostile/site.yaml"
python3 - "$hostile" <<'PY'
import json, sys
root = sys.argv[1]
values = ['<script>alert(1)</script> & &amp; "]]>" \'quoted\'', "A\u2028B\u2029C \U0001F512 \u200f\u061c\ufeff",
          "x" * 10000, "-- <!-- --> <?pi?> <![CDATA[ ]]>"]
for locale in ("en", "ar"):
    for i, value in enumerate(values):
        date = f"2024-0{i + 1}-01"
        with open(f"{root}/policy/{locale}/{date}.md", "w", encoding="utf-8") as f:
            f.write(f"---\ntitle: {json.dumps(value, ensure_ascii=False)}\nupdated: {date}\nsummary: {json.dumps(value[::-1], ensure_ascii=False)}\n---\n{value}\n")
PY
"$binary" build --content "$hostile" --out "$work/hostile-out" -q 2> "$work/err"; rc=$?
problems=$(parse_all "$work/hostile-out")
if [[ $rc -eq 0 && -z $problems ]]; then ok "hostile front matter: every XML and JSON file parses and validates"
else fail "hostile front matter" "exit $rc: $(cat "$work/err") $problems"; fi
fi

# 3-4. The sitemap at its 50,000-URL boundary. One policy of V versions
# makes 2V + 3 URLs (home, locale, latest, history, versions, changes).
make_big_site() { # versions
  local big=$work/big-$1
  mkdir -p "$big/policy/en"
  printf 'default_locale: en\nbase_url: https://policies.example/\ntitle:\n  en: Policies\n' > "$big/site.yaml"
  python3 - "$big/policy/en" "$1" <<'PY'
import datetime, sys
day = datetime.date(1950, 1, 1)
for i in range(int(sys.argv[2])):
    open(f"{sys.argv[1]}/{day}.md", "w").write(f"---\ntitle: T\nupdated: {day}\n---\nVersion {i}.\n")
    day += datetime.timedelta(days=1)
PY
  echo "$big"
}
urls() { grep -c '<url>' "$1"; }
if runs sitemap-over; then
  big=$(make_big_site 24999)
  "$binary" build --content "$big" --out "$work/big-out" -q
  problems=$(parse_all "$work/big-out")
  if [[ -z $problems && -f $work/big-out/sitemap-1.xml && -f $work/big-out/sitemap-2.xml && ! -e $work/big-out/sitemap-3.xml &&
        $(urls "$work/big-out/sitemap-1.xml") -eq 50000 && $(urls "$work/big-out/sitemap-2.xml") -eq 1 &&
        $(grep -c '<sitemap>' "$work/big-out/sitemap.xml") -eq 2 ]]; then
    ok "50,001 URLs: a sitemap index and two valid sitemaps of 50,000 and 1"
  else
    fail "50,001 URLs" "$problems"
  fi
fi
# Two versions fewer (4 URLs) and a second policy of one version (3 more,
# no new locale page): 50,000 URLs, one sitemap.
if runs sitemap-at; then
  big=$(make_big_site 24997)
  mkdir -p "$big/other/en"
  printf -- '---\ntitle: O\nupdated: 2024-01-01\n---\nOther.\n' > "$big/other/en/2024-01-01.md"
  "$binary" build --content "$big" --out "$work/big-out-at" -q
  problems=$(parse_all "$work/big-out-at")
  if [[ -z $problems && ! -e $work/big-out-at/sitemap-1.xml && $(urls "$work/big-out-at/sitemap.xml") -eq 50000 ]]; then
    ok "50,000 URLs: one valid sitemap"
  else
    fail "50,000 URLs" "$problems $(urls "$work/big-out-at/sitemap.xml")"
  fi
fi
exit $failed
