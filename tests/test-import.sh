#!/usr/bin/env bash
# policypress import git on a repository this test makes with the git CLI
# (policypress itself reads it through libgit2): edits, two commits on one
# day, a white-space-only commit, a rename, a file deleted and restored, a
# merge, a BOM and CRLF, Liquid, another generator's front matter; then the
# imported content builds, a second import writes nothing, --since and
# --date-from effective-line. Prints TAP.
#   test-import.sh POLICYPRESS
set -uo pipefail
pp=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=1; echo "not ok $n - $1"; shift; for l in "$@"; do echo "# $l"; done; }
check() { # name command...
  local name=$1; shift
  if out=$("$@" 2>&1); then ok "$name"; else not_ok "$name" "$out"; fi
}

if ! command -v git >/dev/null; then
  echo "1..1"; echo "ok 1 # SKIP git is not installed (the test makes its repository with it)"; exit 0
fi
echo "1..14"

repo=$work/repo
git init -q -b main "$repo"
g() { git -C "$repo" -c user.name=Legal -c user.email=legal@example.org "$@"; }
commit() { # date message
  GIT_AUTHOR_DATE="$1" GIT_COMMITTER_DATE="$1" g commit -q --allow-empty -m "$2"
}
policy() { # text...: the policy file as a Jekyll site has it
  printf '%s\n' "$@" > "$repo/privacy.md"
}

policy '---' 'layout: page' 'title: Privacy Policy' 'permalink: /privacy/' \
  'description: How we handle' '  what you give us.' '---' '' \
  'We collect {{ site.company }} data.' '{% include banner.html %}' '' 'Version one.'
g add privacy.md
commit 2021-01-05T10:00:00Z "First publication"
policy '---' 'layout: page' 'title: Privacy Policy' '---' '' 'We collect data.' '' 'Version two, a draft.'
g add privacy.md
commit 2021-02-01T09:00:00Z "Morning draft"
policy '---' 'layout: page' 'title: Privacy Policy' '---' '' 'We collect data.' '' 'Version two: final.'
g add privacy.md
commit 2021-02-01T21:30:00Z "Evening: the published text"
policy '---' 'layout: page' 'title: Privacy Policy' '---' '' 'We   collect data.' '' 'Version two:' 'final.'
g add privacy.md
commit 2021-03-01T10:00:00Z "Reflow only"
commit 2021-03-02T10:00:00Z "An empty commit"
g mv privacy.md legal-privacy.md
commit 2021-04-01T10:00:00Z "Rename the file"
# A branch edits it while main deletes and restores it.
g checkout -q -b wording
printf '%s\n' '---' 'title: "Privacy: our policy"' 'effective_date: 2021-06-01' '---' '' \
  'Version three, from the wording branch.' > "$repo/legal-privacy.md"
g add legal-privacy.md
commit 2021-05-10T10:00:00Z "Wording branch"
g checkout -q main
g rm -q legal-privacy.md
commit 2021-05-11T10:00:00Z "Remove the policy"
git -C "$repo" show wording:legal-privacy.md > "$repo/legal-privacy.md"
g add legal-privacy.md
commit 2021-05-12T10:00:00Z "Restore the policy"
GIT_AUTHOR_DATE=2021-05-13T10:00:00Z GIT_COMMITTER_DATE=2021-05-13T10:00:00Z \
  g merge -q --no-edit -s ours wording -m "Merge wording"
# Windows line ends and a byte-order mark.
printf '\xEF\xBB\xBF---\r\ntitle: Privacy Policy\r\n---\r\n\r\nEffective date: July 4, 2021\r\n\r\nVersion four.\r\n' \
  > "$repo/legal-privacy.md"
g add legal-privacy.md
commit 2021-06-20T10:00:00Z "Version four"

content=$work/content
mkdir -p "$content"
printf 'default_locale: en\nbase_url: https://example.org/\ntitle:\n  en: Example\n' > "$content/site.yaml"
"$pp" import git "$repo" legal-privacy.md --policy privacy --locale en --content "$content" \
  > "$work/report" 2> "$work/messages"
status=$?
versions=$(cd "$content/privacy/en" && ls | tr '\n' ' ')
if [[ $status == 0 && $versions == "2021-01-05.md 2021-02-01.md 2021-05-12.md 2021-06-20.md " ]]; then
  ok "one version per day that changed the mainline's text, through the rename; the branch's text only from when main restored it"
else
  not_ok "one version per day that changed the text" "status $status, versions: $versions" \
    "$(cat "$work/report" "$work/messages")"
fi
v=$content/privacy/en
if grep -q 'Version two: final.' "$v/2021-02-01.md" && ! grep -q draft "$v/2021-02-01.md"; then
  ok "two commits on one day: the day's last one"
else
  not_ok "two commits on one day: the day's last one" "$(cat "$v/2021-02-01.md")"
fi
if [[ $(sed -n 1,6p "$v/2021-05-12.md") == $'---\ntitle: \'Privacy: our policy\'\nupdated: 2021-05-12\neffective: 2021-06-01\nsummary: Restore the policy\n---' ]]; then
  ok "front matter: title, updated, effective from effective_date, summary from the subject, quoted by YAML's rules"
else
  not_ok "front matter written as policypress reads it" "$(sed -n 1,8p "$v/2021-05-12.md")"
fi
if grep -q $'\r' "$v/2021-06-20.md" || head -c 3 "$v/2021-06-20.md" | grep -q $'\xEF\xBB\xBF'; then
  not_ok "BOM and CRLF removed" "$(od -c "$v/2021-06-20.md" | head -3)"
else
  ok "BOM and CRLF removed"
fi
if ! grep -q '{[{%]' "$v/2021-01-05.md" && grep -q '^We collect  data.$' "$v/2021-01-05.md" &&
   grep -q "privacy.md@[0-9a-f]\{7\}:9:12: warning: Liquid tag '{{ site.company }}' left out: policypress does not run Liquid" "$work/messages" &&
   grep -q "privacy.md@[0-9a-f]\{7\}:10:1: warning: Liquid tag '{% include banner.html %}' left out" "$work/messages"; then
  ok "Liquid left out, each tag reported with its line and column"
else
  not_ok "Liquid left out and reported" "$(cat "$v/2021-01-05.md" "$work/messages")"
fi
if [[ $(grep -c "front matter key 'layout' is not kept" "$work/messages") == 1 &&
      $(grep -c "^description: How we handle what you give us.$" "$v/2021-01-05.md") == 1 &&
      $(grep -c "front matter key 'permalink' is not kept" "$work/messages") == 1 ]]; then
  ok "description kept; other front matter keys reported, once each"
else
  not_ok "other front matter keys reported once each" "$(cat "$work/messages")"
fi
if grep -q "^4 versions written, 0 skipped (already there); 6 commits of the mainline changed legal-privacy.md$" "$work/report"; then
  ok "the report counts what was written and read"
else
  not_ok "the report" "$(cat "$work/report")"
fi
check "the imported content passes check" "$pp" check --content "$content" -q
check "and builds" "$pp" build --content "$content" --out "$work/site" -q
if [[ $(grep -c "<time" "$work/site/en/privacy/history/index.html") -ge 4 ]] &&
   grep -q 'Version three' "$work/site/en/privacy/2021-05-12/index.html"; then
  ok "its pages show every version"
else
  not_ok "its pages show every version"
fi

# Again: nothing is rewritten, everything is said to be skipped.
before=$(cd "$content" && find . -type f -exec sha256sum {} + | sort)
"$pp" import git "$repo" legal-privacy.md --policy privacy --locale en --content "$content" > "$work/report2" 2>/dev/null
after=$(cd "$content" && find . -type f -exec sha256sum {} + | sort)
if [[ $before == "$after" ]] && grep -q "^0 versions written, 4 skipped (already there)" "$work/report2" &&
   grep -q "^skipped 2021-01-05: .*2021-01-05.md exists (a published version is never rewritten)$" "$work/report2"; then
  ok "a second import writes nothing and says what it skipped"
else
  not_ok "a second import writes nothing" "$(cat "$work/report2")"
fi
# A new commit: only it is added.
printf '%s\n' '---' 'title: Privacy Policy' '---' '' 'Version five.' > "$repo/legal-privacy.md"
g add legal-privacy.md
commit 2021-09-01T10:00:00Z "Version five"
"$pp" import git "$repo" legal-privacy.md --policy privacy --locale en --content "$content" > "$work/report3" 2>/dev/null
if grep -q "^1 version written, 4 skipped" "$work/report3" && [[ -f $v/2021-09-01.md ]]; then
  ok "a later import adds only the new version"
else
  not_ok "a later import adds only the new version" "$(cat "$work/report3")"
fi

# --since, and the dates the text states.
since=$work/since
"$pp" import git "$repo" legal-privacy.md --policy privacy --locale en --content "$since" --since 2021-05-01 \
  > "$work/report4" 2>/dev/null
if [[ $(cd "$since/privacy/en" && ls | tr '\n' ' ') == "2021-05-12.md 2021-06-20.md 2021-09-01.md " ]] &&
   grep -q ", 2 before --since" "$work/report4"; then
  ok "--since leaves out earlier versions"
else
  not_ok "--since" "$(cat "$work/report4")"
fi
stated=$work/stated
"$pp" import git "$repo" legal-privacy.md --policy privacy --locale en --content "$stated" \
  --date-from effective-line > /dev/null 2> "$work/messages5"
if [[ -f $stated/privacy/en/2021-07-04.md && ! -f $stated/privacy/en/2021-06-20.md ]] &&
   grep -q "no line states when this version takes effect: dated by its commit (2021-09-01)" "$work/messages5"; then
  ok "--date-from effective-line dates a version by its 'Effective date:' line, else by its commit"
else
  not_ok "--date-from effective-line" "$(ls "$stated/privacy/en")" "$(cat "$work/messages5")"
fi
exit $failed
