#!/usr/bin/env bash
# policypress diff where reviewers are: standard input and pipes, git's
# external diff (GIT_EXTERNAL_DIFF and a diff.<driver>.command with
# .gitattributes) in a real repository made here, front matter from other
# generators, folded context; and the build's warning when the diff's
# self-check repairs a changes page.
set -uo pipefail
binary=$1
source_root=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "1..14"
n=0
check() { # description, then a command that must succeed
  local what=$1; shift
  n=$((n + 1))
  if "$@"; then echo "ok $n - $what"; else echo "not ok $n - $what"; fi
}
same() { # expected file, actual file
  if cmp -s "$1" "$2"; then return 0; fi
  diff "$1" "$2" | sed 's/^/# /' | head -20
  return 1
}

cd "$work" || exit 1
export NO_COLOR=1 GIT_CONFIG_NOSYSTEM=1 HOME="$work" GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.org \
  GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.org
git init -q repo && cd repo || exit 1
mkdir -p content/privacy/ar
cat > content/privacy/ar/policy.md <<'EOF'
---
title: سياسة الخصوصية
layout: policy
permalink: /privacy/
---

## مقدمة

نجمع البيانات عن المستخدمين.

## التواصل

راسلنا على privacy@malachite.example.
EOF
git add -A && git commit -qm "first" || exit 1
sed -i 's/نجمع البيانات/نجمع بعض البيانات/; s/privacy@malachite.example/[الدعم](https:\/\/malachite.example\/help)/' \
  content/privacy/ar/policy.md
git commit -qam "second" || exit 1

cat > "$work/expected" <<'EOF'
--- a/content/privacy/ar/policy.md
+++ b/content/privacy/ar/policy.md
## مقدمة

نجمع {+بعض +}البيانات عن المستخدمين.

## التواصل

راسلنا على [-privacy@malachite.example-]{+الدعم <https://malachite.example/help>+}.
EOF
GIT_EXTERNAL_DIFF="$binary diff" git diff HEAD~1 HEAD > "$work/external"; rc=$?
check "GIT_EXTERNAL_DIFF: git diff shows the word diff of a Jekyll-style file (exit $rc)" \
  bash -c "[[ $rc -eq 0 ]] && cmp -s '$work/expected' '$work/external'" || same "$work/expected" "$work/external"

git config diff.policy.command "$binary diff" && echo '*.md diff=policy' > .gitattributes
git diff HEAD~1 HEAD > "$work/driver"
check "diff.policy.command with .gitattributes" same "$work/expected" "$work/driver"
git log -p --ext-diff -1 --format= > "$work/log"
check "git log -p --ext-diff" same "$work/expected" "$work/log"

# A renamed file (git passes nine arguments) and a new one (/dev/null).
git mv content/privacy/ar/policy.md content/privacy/ar/2024-09-01.md && echo "نص جديد." > content/privacy/ar/new.md
git add -A && git commit -qm "rename and add" || exit 1
git diff -M HEAD~1 HEAD > "$work/rename"; rc=$?
check "rename and new file: headers name both paths, the new file is all added (exit $rc)" \
  bash -c "[[ $rc -eq 0 ]] && grep -qx -- '+++ b/content/privacy/ar/2024-09-01.md' '$work/rename' &&
           grep -qx -- '--- /dev/null' '$work/rename' && grep -qx -- '{+نص جديد.+}' '$work/rename'"

# Pipes and standard input, exit status as diff(1).
git show HEAD~2:content/privacy/ar/policy.md > "$work/old.md"
"$binary" diff --context all <(git show HEAD~2:content/privacy/ar/policy.md) content/privacy/ar/2024-09-01.md \
  > "$work/pipe"; rc_pipe=$?
git show HEAD~2:content/privacy/ar/policy.md | "$binary" diff --context all - content/privacy/ar/2024-09-01.md \
  > "$work/stdin"; rc_stdin=$?
check "process substitution and '-' read like files (exit $rc_pipe, $rc_stdin)" \
  bash -c "[[ $rc_pipe -eq 1 && $rc_stdin -eq 1 ]] && cmp -s '$work/pipe' '$work/stdin' &&
           grep -q '{+بعض +}' '$work/pipe'"
"$binary" diff "$work/old.md" "$work/old.md" > "$work/none"; rc=$?
check "equal texts: exit 0 and nothing printed (exit $rc)" bash -c "[[ $rc -eq 0 && ! -s '$work/none' ]]"
"$binary" diff --context nope "$work/old.md" "$work/old.md" 2> "$work/usage"; rc=$?
check "a bad --context is a usage error (exit $rc)" \
  bash -c "[[ $rc -eq 2 ]] && grep -q -- \"--context takes a number of blocks or 'all', not 'nope'\" '$work/usage'"

# Front matter is part of what changed: an effective date alone is a
# difference (exit 1, also through git's driver), as are the title, the
# material flag and the summary; a date given in neither file is not.
front() { # effective title material summary
  printf -- '---\ntitle: %s\nupdated: 2025-01-01\n%bmaterial: %s\nsummary: %s\n---\n\nنص السياسة.\n' "$2" "$1" "$3" "$4"
}
front 'effective: 2025-02-01\n' 'سياسة' true 'أ' > "$work/f1.md"
front 'effective: 2025-03-01\n' 'سياسة' true 'أ' > "$work/f2.md"
front '' 'سياسة الخصوصية' false 'ب' > "$work/f3.md"
"$binary" diff "$work/f1.md" "$work/f2.md" > "$work/front"; rc=$?
printf '@@ front matter @@\neffective: [-2025-02-01-]{+2025-03-01+}\n\n' > "$work/front-expected"
check "an effective date alone is a difference (exit $rc)" \
  bash -c "[[ $rc -eq 1 ]] && cmp -s '$work/front-expected' '$work/front'" || same "$work/front-expected" "$work/front"
"$binary" diff "$work/f1.md" "$work/f3.md" > "$work/front3"; rc=$?
printf '@@ front matter @@\ntitle: [-سياسة-]{+سياسة الخصوصية+}\neffective: [-2025-02-01-]{+2025-01-01+}\nmaterial: [-true-]{+false+}\nsummary: [-أ-]{+ب+}\n\n' > "$work/front3-expected"
check "title, effective, material and summary differences are listed (exit $rc)" \
  bash -c "[[ $rc -eq 1 ]] && cmp -s '$work/front3-expected' '$work/front3'" || same "$work/front3-expected" "$work/front3"
cp "$work/f1.md" content/privacy/ar/2024-09-01.md && git commit -qam "policy" && \
  cp "$work/f2.md" content/privacy/ar/2024-09-01.md && git commit -qam "postponed" || exit 1
git diff HEAD~1 HEAD > "$work/git-front"
check "git's driver shows a change of effective date" \
  grep -qx 'effective: \[-2025-02-01-\]{+2025-03-01+}' "$work/git-front"
# HTML: the list first, and the direction from the text, past a blank line.
"$binary" diff --format html "$work/f1.md" "$work/f2.md" > "$work/front.html"; rc=$?
check "--format html: the front matter changes listed, dir from the Arabic text (exit $rc)" \
  bash -c "[[ $rc -eq 1 ]] && grep -q '<div class=\"policy-diff\" dir=\"rtl\"><dl class=\"front-matter-changes\"><dt>effective</dt><dd><del>2025-02-01</del> <ins>2025-03-01</ins></dd></dl>' '$work/front.html'"
# An Arabic text that starts with a Latin name is still right to left: the
# direction of most of its words, not of its first letter.
printf -- '---\ntitle: T\nupdated: 2024-01-01\n---\n\nGoogle Analytics خدمة نستخدمها لقياس الزيارات.\n' > "$work/g1.md"
printf -- '---\ntitle: T\nupdated: 2024-02-01\n---\n\nGoogle Analytics خدمة نستخدمها لقياس عدد الزيارات.\n' > "$work/g2.md"
"$binary" diff --format html "$work/g1.md" "$work/g2.md" > "$work/brand.html"; rc=$?
check "--format html: an Arabic text starting with a Latin name is rtl (exit $rc)" \
  bash -c "[[ $rc -eq 1 ]] && grep -q '<div class=\"policy-diff\" dir=\"rtl\">' '$work/brand.html'"

# The build's self-check, made to catch a fault: the changes page is still
# faithful (the block replaced whole) and the build names the version.
mkdir -p "$work/site/privacy/ar"
cp "$source_root/content/site.yaml" "$work/site/"
printf -- '---\ntitle: T\nupdated: 2024-01-01\n---\n\nنجمع البيانات عن المستخدمين.\n' > "$work/site/privacy/ar/2024-01-01.md"
printf -- '---\ntitle: T\nupdated: 2024-02-01\n---\n\nنجمع بعض البيانات عن المستخدمين.\n' > "$work/site/privacy/ar/2024-02-01.md"
POLICYPRESS_TEST_DIFF_FAULT=word "$binary" build --content "$work/site" --out "$work/out" -q 2> "$work/build-err"; rc=$?
page="$work/out/ar/privacy/2024-02-01/changes/index.html"
check "self-check fault in a build: a warning names the version, the block is shown replaced whole (exit $rc)" \
  bash -c "[[ $rc -eq 0 ]] && grep -q '2024-02-01.md: warning: the changes from 2024-01-01 failed the diff.s self-check in 1 place' '$work/build-err' &&
           grep -q 'class=\"diff-removed\"' '$page' && grep -q 'class=\"diff-added\"' '$page'"
"$binary" build --content "$work/site" --out "$work/out2" -q 2> "$work/build-err2"; rc=$?
check "without the fault, no warning and the word is marked in place (exit $rc)" \
  bash -c "[[ $rc -eq 0 && ! -s '$work/build-err2' ]] && grep -q '<ins [^>]*class=\"diff-mark\"><span class=\"sr-only\">[^<]*</span>بعض </ins>' '$work/out2/ar/privacy/2024-02-01/changes/index.html'"
