#!/usr/bin/env bash
# check's parity of translations with their sources, on content made here:
# a missing paragraph, a changed number in Arabic-Indic digits, a number
# written in words that ICU reads, a changed link target, an extra list
# item; clean translations pass; --strict makes them errors; a raw HTML
# block's link and number, and a raw link in a paragraph, are compared as
# a paragraph's Markdown links are.
set -uo pipefail
binary=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "1..5"
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); failed=1; echo "not ok $n - $1"; printf '%s\n' "$2" | sed 's/^/# /' | head -20; }
c=$work/content
mkdir -p "$c/terms/en" "$c/terms/ar"
printf 'default_locale: en\nbase_url: https://example.org/\ntitle:\n  en: T\n  ar: ت\n' > "$c/site.yaml"
cat > "$c/terms/en/2025-01-01.md" <<'MD'
---
title: Terms
updated: 2025-01-01
---

## Refunds

We refund within 30 days of purchase, up to 1,500.50 dollars.

Write to <help@example.org> or read [the rules](https://example.org/rules).

- One
- Two

We keep records for ninety days.
MD
clean='---
title: الشروط
updated: 2025-01-01
---

## الاسترداد

نرد المبلغ خلال ٣٠ يومًا من الشراء، حتى ١٬٥٠٠٫٥٠ دولار.

راسلنا على <help@example.org> أو اقرأ [القواعد](https://example.org/rules).

- واحد
- اثنان

نحتفظ بالسجلات مدة 90 يومًا.'
printf '%s\n' "$clean" > "$c/terms/ar/2025-01-01.md"
out=$("$binary" check --content "$c" -q 2>&1); rc=$?
if [[ $rc -eq 0 && -z $out ]]; then ok "a faithful translation: the same blocks, numbers in other digits and in words, the same links"
else fail "clean" "exit $rc: $out"; fi

defective=${clean/٣٠ يومًا/٦٠ يومًا}
defective=${defective/https:\/\/example.org\/rules/https:\/\/example.org\/other}
defective=${defective/- اثنان/- اثنان
- ثلاثة}
defective=${defective/راسلنا على <help@example.org> أو اقرأ \[القواعد\](https:\/\/example.org\/other).

/}
printf '%s\n' "$defective" > "$c/terms/ar/2025-01-01.md"
out=$("$binary" check --content "$c" -q 2>&1); rc=$?
want="$c/terms/ar/2025-01-01.md:8:1: warning: the authoritative text has 30 here, the translation 60
$c/terms/ar/2025-01-01.md:10:1: warning: missing paragraph: the authoritative text has one here ($c/terms/en/2025-01-01.md:10, in «Refunds»)
$c/terms/ar/2025-01-01.md:12:1: warning: extra list item: the authoritative text has none here"
if [[ $rc -eq 0 && $out == "$want" ]]; then ok "a changed number in Arabic-Indic digits, a missing paragraph, an extra item: warnings with their lines"
else fail "defects" "exit $rc: $out"; diff <(echo "$want") <(echo "$out") | sed 's/^/# /'; fi

link=${clean/https:\/\/example.org\/rules/https:\/\/example.org\/other}
printf '%s\n' "$link" > "$c/terms/ar/2025-01-01.md"
out=$("$binary" check --content "$c" -q 2>&1); rc=$?
if [[ $rc -eq 0 && $out == "$c/terms/ar/2025-01-01.md:10:1: warning: link target differs: the authoritative text links https://example.org/rules, the translation https://example.org/other" ]]; then
  ok "a changed link target"
else fail "link" "exit $rc: $out"; fi

out=$("$binary" check --content "$c" -q --strict 2>&1); rc=$?
if [[ $rc -eq 1 && $out == *"error: link target differs"* ]]; then ok "--strict: parity problems are errors"
else fail "strict" "exit $rc: $out"; fi
h=$work/raw
mkdir -p "$h/terms/en" "$h/terms/ar"
cp "$c/site.yaml" "$h/site.yaml"
printf -- '---\ntitle: Terms\nupdated: 2025-01-01\n---\n\n<p align="center"><a href="https://example.org/a">Read the 30 rules</a> <img src="/logo.png" alt="Logo"></p>\n\nRead <a href="https://example.org/c">the notice</a>.\n' > "$h/terms/en/2025-01-01.md"
printf -- '---\ntitle: الشروط\nupdated: 2025-01-01\n---\n\n<p align="center"><a href="https://example.org/b">اقرأ القواعد الـ٤٠</a> <img src="/logo.png" alt="شعار"></p>\n\nاقرأ <a href="https://example.org/d">الإشعار</a>.\n' > "$h/terms/ar/2025-01-01.md"
out=$("$binary" check --content "$h" 2>&1 | grep -v "raw HTML is not passed through" | grep -v "^policypress: "); rc=$?
want="$h/terms/ar/2025-01-01.md:6:1: warning: the authoritative text has 30 here, the translation 40
$h/terms/ar/2025-01-01.md:6:1: warning: link target differs: the authoritative text links https://example.org/a, the translation https://example.org/b
$h/terms/ar/2025-01-01.md:8:1: warning: link target differs: the authoritative text links https://example.org/c, the translation https://example.org/d"
if [[ $out == "$want" ]]; then ok "a raw HTML block and a raw link in a paragraph: their changed number and link targets"
else fail "raw HTML" "$out"; diff <(echo "$want") <(echo "$out") | sed 's/^/# /'; fi
exit $failed
