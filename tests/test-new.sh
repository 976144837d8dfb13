#!/usr/bin/env bash
# policypress new: a version started from the latest one, with updated set,
# summary, effective and material left as comments, translates set for a
# translation; never over a file, never dated before the latest.
set -uo pipefail
binary=$1
source_root=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "1..4"
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); failed=1; echo "not ok $n - $1"; printf '%s\n' "$2" | sed 's/^/# /' | head -20; }
c=$work/content
cp -a "$source_root/content" "$c"
out=$("$binary" new privacy --content "$c" --date 2026-12-20 2>/dev/null); rc=$?
file=$c/privacy/ar/2026-12-20.md
if [[ $rc -eq 0 && $out == "$file"* && -f $file ]] && grep -qx 'updated: 2026-12-20' "$file" &&
   grep -qx 'title: سياسة الخصوصية' "$file" && grep -q '^# summary: ' "$file" && grep -q '^# effective: ' "$file" &&
   ! grep -q '^translates:' "$file" && [[ $(sed -n '/^---$/,/^---$/d; p' "$file") == $(sed -n '/^---$/,/^---$/d; p' "$c/privacy/ar/2026-11-16.md") ]]; then
  ok "the authoritative text: the latest version's text, updated set, summary and effective left as comments"
else fail "authoritative" "exit $rc: $out $(head -10 "$file" 2>&1)"; fi

out=$("$binary" new privacy --locale en --content "$c" --date 2026-12-21 2>&1); rc=$?
file=$c/privacy/en/2026-12-21.md
if [[ $rc -eq 0 && -f $file ]] && grep -qx 'translates: 2026-12-20' "$file" && grep -qx 'title: Privacy Policy' "$file"; then
  ok "a translation: started from its latest, translates the latest authoritative version"
else fail "translation" "exit $rc: $out $(head -10 "$file" 2>&1)"; fi

out=$("$binary" check --content "$c" -q --as-of 2026-12-21 2>&1); rc=$?
if [[ $rc -eq 0 ]]; then ok "what new writes passes check"; else fail "check" "exit $rc: $out"; fi

out=$("$binary" new privacy --content "$c" --date 2026-12-20 2>&1); rc=$?
out2=$("$binary" new privacy --content "$c" --date 2026-01-01 2>&1); rc2=$?
out3=$("$binary" new terms --content "$c" --date 2027-01-01 2>&1); rc3=$?
if [[ $rc -eq 1 && $out == *"a new version must be dated after the latest, 2026-12-20 (--date)"* && $rc2 -eq 1 &&
      $rc3 -eq 1 && $out3 == *"no policy 'terms' in ar to start from"* ]]; then
  ok "refused: the same date again, an earlier date, a policy that does not exist"
else fail "refusals" "exit $rc: $out; exit $rc2: $out2; exit $rc3: $out3"; fi
exit $failed
