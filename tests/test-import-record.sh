#!/usr/bin/env bash
# policypress import git takes what the mainline published, when it
# published it, on repositories this test makes with the git CLI: drafts on
# branches, merges (ordinary and -s ours), clocks that go back or run ahead,
# a second import after a later commit of the same day, front-matter-only
# changes, symbolic links in the tree, a shallow clone, the file's path given
# in other forms, effective-date lines, titles from any heading, subjects
# that YAML would misread, a message in another encoding, TOML front matter.
# Prints TAP.
#   test-import-record.sh POLICYPRESS
set -uo pipefail
pp=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=1; echo "not ok $n - $1"; shift; for l in "$@"; do echo "# $l"; done; }

if ! command -v git >/dev/null; then
  echo "1..1"; echo "ok 1 # SKIP git is not installed (the test makes its repositories with it)"; exit 0
fi
echo "1..18"

# new_repo NAME: an empty repository on branch main; g and commit act on it.
new_repo() {
  repo=$work/$1
  git init -q -b main "$repo"
}
g() { git -C "$repo" -c user.name=Legal -c user.email=legal@example.org "$@"; }
commit() { # date message [git options]
  local date=$1 message=$2
  shift 2
  GIT_AUTHOR_DATE="$date" GIT_COMMITTER_DATE="$date" g "$@" commit -q --allow-empty -m "$message"
}
write() { # file lines...: the file in the repository, added
  local file=$1
  shift
  mkdir -p "$(dirname "$repo/$file")"
  printf '%s\n' "$@" > "$repo/$file"
  g add "$file"
}
# import NAME FILE [options]: into $work/NAME-content; output in $out, status in $status.
import() {
  local name=$1 file=$2
  shift 2
  content=$work/$name-content
  out=$("$pp" import git "$repo" "$file" --policy privacy --locale en --content "$content" --as-of 2030-01-01 "$@" 2>&1)
  status=$?
}
versions() { (cd "$content/privacy/en" 2>/dev/null && ls | tr '\n' ' '); }

# 1-2. A draft on a branch, merged later; a rejected draft merged with -s ours.
new_repo branches
write p.md '---' 'title: Privacy' '---' '' 'We keep data 1 year.'
commit 2022-01-10T10:00:00Z "Published"
g checkout -q -b retention
write p.md '---' 'title: Privacy' '---' '' 'We keep data 3 years (WIP, not approved).'
commit 2022-02-01T10:00:00Z "WIP"
write p.md '---' 'title: Privacy' '---' '' 'We keep data 2 years.'
commit 2022-02-03T10:00:00Z "Approved wording"
g checkout -q main
GIT_AUTHOR_DATE=2022-02-20T10:00:00Z GIT_COMMITTER_DATE=2022-02-20T10:00:00Z g merge -q --no-ff --no-edit retention
g checkout -q -b rejected
write p.md '---' 'title: Privacy' '---' '' 'We keep data forever (rejected).'
commit 2022-03-01T10:00:00Z "Rejected draft"
g checkout -q main
GIT_AUTHOR_DATE=2022-03-05T10:00:00Z GIT_COMMITTER_DATE=2022-03-05T10:00:00Z g merge -q -s ours --no-edit rejected
import branches p.md
v=$content/privacy/en
if [[ $status == 0 && $(versions) == "2022-01-10.md 2022-02-20.md " ]] && grep -q '2 years' "$v/2022-02-20.md" &&
   ! grep -rq 'WIP\|rejected\|forever' "$v"; then
  ok "a branch's drafts are never versions; a merged text is dated by its merge"
else
  not_ok "branches and merges" "status $status: $(versions)" "$out"
fi
if grep -q "2 commits of the mainline changed p.md" <<< "$out"; then
  ok "a merge with -s ours changes nothing on the mainline"
else
  not_ok "a merge with -s ours" "$out"
fi

# 3-4. A clock that went back, and one that ran ahead.
new_repo clocks
write p.md '---' 'title: Privacy' '---' '' 'First.'
commit 2022-05-10T10:00:00Z "First"
write p.md '---' 'title: Privacy' '---' '' 'Second.'
commit 2022-06-10T10:00:00Z "Second"
write p.md '---' 'title: Privacy' '---' '' 'Third, with a clock a month slow.'
commit 2022-05-20T10:00:00Z "Third"
import clocks p.md
first=$(git -C "$repo" rev-parse --short=7 HEAD~1)
if [[ $status == 0 && $(versions) == "2022-05-10.md 2022-06-10.md " ]] && grep -q 'Third' "$content/privacy/en/2022-06-10.md" &&
   grep -q "p.md@[0-9a-f]\{7\}: warning: committed on 2022-05-20, before p.md@$first, the commit it follows on the mainline (a wrong clock): dated 2022-06-10" <<< "$out"; then
  ok "a commit dated before its parent keeps the mainline's order, with a warning naming both"
else
  not_ok "clock skew" "status $status: $(versions)" "$out"
fi
write p.md '---' 'title: Privacy' '---' '' 'From the future.'
commit 2031-01-01T10:00:00Z "Future"
import clocks-future p.md
if [[ $status == 1 && ! -e $content/privacy/en/2031-01-01.md ]] &&
   grep -q "p.md@[0-9a-f]\{7\}: error: dated 2031-01-01, after the reference date 2030-01-01: the commit's clock was wrong; not imported" <<< "$out"; then
  ok "a commit dated after the reference date is an error, not an upcoming version"
else
  not_ok "a future commit" "status $status: $(versions)" "$out"
fi

# 5. A later commit on a day already imported.
new_repo sameday
write p.md '---' 'title: Privacy' '---' '' 'Morning text.'
commit 2022-07-01T08:00:00Z "Morning"
import sameday p.md
write p.md '---' 'title: Privacy' '---' '' 'Evening text.'
commit 2022-07-01T20:00:00Z "Evening"
import sameday p.md
if [[ $status == 1 ]] && grep -q 'Morning text' "$content/privacy/en/2022-07-01.md" &&
   grep -q "2022-07-01.md: error: exists with a text that is not the mainline's for 2022-07-01, which p.md@[0-9a-f]\{7\} has" <<< "$out"; then
  ok "an existing version whose text the history no longer has for its date is an error naming both"
else
  not_ok "a later commit on an imported day" "status $status" "$out"
fi

# 6. Only the front matter changes: the effective date, then the title.
new_repo frontmatter
write p.md '---' 'title: Privacy' 'effective: 2022-09-01' '---' '' 'Same text.'
commit 2022-08-01T10:00:00Z "Effective September"
write p.md '---' 'title: Privacy' 'effective: 2022-10-01' '---' '' 'Same text.'
commit 2022-08-15T10:00:00Z "Effective October instead"
write p.md '---' 'title: Privacy notice' 'effective: 2022-10-01' '---' '' 'Same text.'
commit 2022-08-20T10:00:00Z "Renamed"
write p.md '---' 'title: Privacy notice' 'effective: 2022-10-01' 'layout: page' '---' '' 'Same text.'
commit 2022-08-25T10:00:00Z "Layout only"
import frontmatter p.md
v=$content/privacy/en
if [[ $status == 0 && $(versions) == "2022-08-01.md 2022-08-15.md 2022-08-20.md " ]] &&
   grep -q '^effective: 2022-10-01$' "$v/2022-08-15.md" && grep -q '^title: Privacy notice$' "$v/2022-08-20.md"; then
  ok "a change of effective date or title alone is a version; a key policypress does not keep is not"
else
  not_ok "front-matter-only changes" "status $status: $(versions)" "$out"
fi

# 7-8. Symbolic links in the tree.
new_repo links
write policies/privacy.md '---' 'title: Privacy' '---' '' 'Linked text.'
ln -s policies/privacy.md "$repo/p.md"
g add p.md
commit 2022-10-01T10:00:00Z "Link"
import links p.md
if [[ $status == 0 ]] && grep -q 'Linked text' "$content/privacy/en/2022-10-01.md"; then
  ok "a symbolic link inside the tree is followed to its text"
else
  not_ok "a symbolic link inside the tree" "status $status" "$out" "$(cat "$content/privacy/en/"* 2>/dev/null)"
fi
ln -s ../../../../etc/passwd "$repo/out.md"
g add out.md
commit 2022-10-02T10:00:00Z "Link out"
import links-out out.md
if [[ $status == 1 && ! -d $content/privacy/en || -z $(versions) ]] &&
   grep -q "out.md@[0-9a-f]\{7\}: error: a symbolic link that leads out of the repository's tree" <<< "$out"; then
  ok "a symbolic link that leads out of the tree is refused, not imported as its target's path"
else
  not_ok "a symbolic link out of the tree" "status $status: $(versions)" "$out"
fi

# 9. A shallow clone.
git clone -q --depth 1 "file://$work/frontmatter" "$work/shallow" 2>/dev/null
out=$("$pp" import git "$work/shallow" p.md --policy privacy --locale en --content "$work/shallow-content" 2>&1)
status=$?
if [[ $status == 2 && ! -e $work/shallow-content/privacy ]] && grep -q "error: shallow clone: fetch the whole history" <<< "$out"; then
  ok "a shallow clone is refused: its history is not the whole record"
else
  not_ok "a shallow clone" "status $status" "$out"
fi

# 10-11. The file's path as ./p.md, as an absolute path in the work tree, and outside it.
repo=$work/frontmatter
import dot ./p.md
dot=$(versions)
import absolute "$repo/p.md"
if [[ $dot == "2022-08-01.md 2022-08-15.md 2022-08-20.md " && $(versions) == "$dot" ]]; then
  ok "./p.md and an absolute path inside the work tree name the same file"
else
  not_ok "other forms of the path" "$dot / $(versions)" "$out"
fi
import outside /etc/hostname
if [[ $status == 2 ]] && grep -q "/etc/hostname: error: not inside the repository's work tree" <<< "$out"; then
  ok "an absolute path outside the work tree is refused"
else
  not_ok "a path outside the work tree" "status $status" "$out"
fi

# 12-13. --date-from effective-line: labels at word boundaries; dates that go back.
new_repo stated
write p.md '---' 'title: Privacy' '---' '' 'Effective date: 2022-01-15' '' 'What we understand: 2021-06-01 matters.'
commit 2022-01-10T10:00:00Z "One"
write p.md '---' 'title: Privacy' '---' '' 'To understand: 2021-06-01 is a date in the text.' '' 'No date stated.'
commit 2022-02-10T10:00:00Z "Two"
import stated p.md --date-from effective-line
if [[ $(versions) == "2022-01-15.md 2022-02-10.md " ]]; then
  ok "a label matches at a word's start only ('stand:' is not read inside 'understand:')"
else
  not_ok "labels at word boundaries" "$(versions)" "$out"
fi
write p.md '---' 'title: Privacy' '---' '' 'Effective date: 2021-12-01' '' 'Three.'
commit 2022-03-10T10:00:00Z "Three"
import stated-back p.md --date-from effective-line
if [[ $status == 1 && ! -e $content/privacy/en/2021-12-01.md ]] &&
   grep -q "p.md@[0-9a-f]\{7\}: error: states 2021-12-01, before 2022-02-10, the date of p.md@[0-9a-f]\{7\}, an earlier version" <<< "$out"; then
  ok "a stated date before an earlier version's is an error"
else
  not_ok "a stated date that goes back" "status $status: $(versions)" "$out"
fi

# 14. Titles: the first heading of any level, its inline HTML and attribute list left out; else --title.
new_repo titles
write p.md '' '## <span class="t">Terms &amp; Conditions</span> {#terms}' '' 'Text.'
commit 2022-04-01T10:00:00Z "Titled by a heading"
write p.md 'No heading at all.'
commit 2022-04-02T10:00:00Z "No heading"
import titles p.md
first=$(sed -n 2p "$content/privacy/en/2022-04-01.md")
second=$(sed -n 2p "$content/privacy/en/2022-04-02.md")
new_repo untitled
write p.md 'Nothing names it.'
commit 2022-04-03T10:00:00Z "Untitled"
import untitled p.md
untitled_status=$status
untitled_out=$out
import untitled-given p.md --title "Given title"
if [[ $first == "title: Terms & Conditions" && $second == "title: Terms & Conditions" && $untitled_status == 1 &&
      $(sed -n 2p "$content/privacy/en/2022-04-03.md") == "title: Given title" ]] &&
   grep -q "error: no title: .*give one with --title" <<< "$untitled_out"; then
  ok "title from the first heading of any level as a reader sees it, else --title"
else
  not_ok "titles" "$first / $second / $untitled_status" "$untitled_out" "$out"
fi

# 15-16. Subjects YAML would read as something else; a message in ISO-8859-1.
new_repo subjects
i=0
for subject in '~' 'null' 'true' 'No' '2024-01-01' '1.5' "it's: fine"; do
  i=$((i + 1))
  write p.md '---' 'title: Privacy' '---' '' "Text $i."
  commit "2022-11-0${i}T10:00:00Z" "$subject"
done
import subjects p.md
python3 - "$content/privacy/en" > "$work/read-back" 2>&1 <<'PY'
import datetime, json, pathlib, sys
try:
    import yaml
except ImportError:
    print("no-yaml"); sys.exit(0)
for f in sorted(pathlib.Path(sys.argv[1]).glob("*.md")):
    head = f.read_text(encoding="utf-8").split("---\n")[1]
    print(json.dumps(yaml.safe_load(head)["summary"], default=str))
PY
expected=$'"~"\n"null"\n"true"\n"No"\n"2024-01-01"\n"1.5"\n"it\'s: fine"'
printf 'default_locale: en\nbase_url: https://example.org/\ntitle:\n  en: T\n' > "$content/site.yaml"
if [[ $status == 0 && ( $(cat "$work/read-back") == "$expected" || $(cat "$work/read-back") == no-yaml ) ]] &&
   grep -qx "summary: '~'" "$content/privacy/en/2022-11-01.md" && grep -qx "summary: 'true'" "$content/privacy/en/2022-11-03.md" &&
   "$pp" check --content "$content" -q >/dev/null 2>&1; then
  ok "subjects such as ~, null, true, a date or a number are written as YAML strings"
else
  not_ok "subjects YAML would misread" "$(cat "$work/read-back")" "$out"
fi
new_repo encoding
write p.md '---' 'title: Privacy' '---' '' 'Text.'
printf 'Pr\xe9cision apport\xe9e\n' > "$work/message"
GIT_AUTHOR_DATE=2022-12-01T10:00:00Z GIT_COMMITTER_DATE=2022-12-01T10:00:00Z \
  g -c i18n.commitEncoding=ISO-8859-1 commit -q -F "$work/message"
import encoding p.md
if [[ $status == 0 ]] && grep -qx "summary: Précision apportée" "$content/privacy/en/2022-12-01.md"; then
  ok "a commit message in its declared encoding (ISO-8859-1) is converted to UTF-8"
else
  not_ok "a message in another encoding" "status $status" "$out" "$(cat "$content/privacy/en/"* 2>/dev/null)"
fi

# 17-18. TOML front matter, in import and in diff.
new_repo toml
write p.md '+++' 'title = "Privacy"' '+++' '' 'Text.'
commit 2023-01-01T10:00:00Z "Hugo"
import toml p.md
if [[ $status == 1 && -z $(versions) ]] &&
   grep -q "p.md@[0-9a-f]\{7\}:1:1: error: TOML front matter ('+++') is not read: write it as YAML" <<< "$out"; then
  ok "import refuses TOML front matter clearly"
else
  not_ok "import of TOML front matter" "status $status: $(versions)" "$out"
fi
printf '+++\ntitle = "A"\n+++\n\nText.\n' > "$work/a.md"
printf '+++\ntitle = "A"\n+++\n\nOther text.\n' > "$work/b.md"
out=$("$pp" diff "$work/a.md" "$work/b.md" 2>&1)
status=$?
if [[ $status == 2 ]] && grep -q "a.md:1:1: error: TOML front matter ('+++') is not read" <<< "$out"; then
  ok "diff refuses TOML front matter clearly instead of comparing it as text"
else
  not_ok "diff of TOML front matter" "status $status" "$out"
fi
exit $failed
