#!/usr/bin/env bash
# policypress translate status on histories made here: a translation that
# is current, one behind by an editorial version only, one behind by a
# material one (and one not published yet), with the exit status CI gates
# on, the JSON form read back by Python, and the site's notice leading to
# the same changes.
set -uo pipefail
binary=$1
source_root=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "1..5"
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); failed=1; echo "not ok $n - $1"; printf '%s\n' "$2" | sed 's/^/# /' | head -20; }
content=$work/content
cp -a "$source_root/content" "$content"
# The English translation of 2025-03-02 and 2026-11-16 taken away: it
# translates 2024-09-01, behind by an editorial and a material version.
rm "$content/privacy/en/2025-03-02.md" "$content/privacy/en/2026-11-16.md"

out=$("$binary" translate status --content "$content" --as-of 2026-12-01 2>&1); rc=$?
want="privacy en: behind: translates 2024-09-01; the authoritative text has 2 versions since: 2025-03-02 (editorial), 2026-11-16 (material); 66 words added, 5 removed; read them: https://malachite.example/ar/privacy/2026-11-16/changes/2024-09-01/"
if [[ $rc -eq 1 && $out == "$want" ]]; then ok "behind by editorial and material versions: exit 1, the versions, the words, the compare page"
else fail "behind" "exit $rc: $out"; fi

python3 - "$binary" "$content" > "$work/json-problems" <<'PY'
import json, subprocess, sys
binary, content = sys.argv[1:]
run = subprocess.run([binary, "translate", "status", "--content", content, "--format", "json", "--as-of", "2026-12-01"],
                     capture_output=True, text=True)
data = json.loads(run.stdout)
problems = []
if run.returncode != 1 or len(data) != 1:
    problems.append(f"exit {run.returncode}, {len(data)} entries")
e = data[0]
if (e["translates"], e["current"], [v["date"] for v in e["since"]], [v["material"] for v in e["since"]]) != \
        ("2024-09-01", False, ["2025-03-02", "2026-11-16"], [False, True]):
    problems.append(str(e))
if e.get("changes_url") != "https://malachite.example/ar/privacy/2026-11-16/changes/2024-09-01/" or "diff_command" in e:
    problems.append(f"where: {e}")
if problems:
    print("\n".join(problems))
PY
if [[ ! -s $work/json-problems ]]; then ok "--format json: the same, read back"; else fail "json" "$(cat "$work/json-problems")"; fi

# Behind by an editorial version only: still behind (exit 1), said so.
cp "$source_root/content/privacy/en/2025-03-02.md" "$content/privacy/en/" 2>/dev/null
rm "$content/privacy/ar/2026-11-16.md"
cp "$source_root/content/privacy/en/2024-09-01.md" "$content/privacy/en/2025-03-02.md"
sed -i 's/^updated: 2024-09-01/updated: 2025-03-02\ntranslates: 2024-09-01/' "$content/privacy/en/2025-03-02.md"
out=$("$binary" translate status --content "$content" --as-of 2026-12-01 2>&1); rc=$?
if [[ $rc -eq 1 && $out == "privacy en: behind: translates 2024-09-01; the authoritative text has 1 version since: 2025-03-02 (editorial);"* ]]; then
  ok "behind by an editorial version only: exit 1"
else fail "editorial only" "exit $rc: $out"; fi

# Current: exit 0. An authoritative version dated after the reference date
# is still work for translators, said to be unpublished.
cp "$source_root/content/privacy/en/2025-03-02.md" "$content/privacy/en/2025-03-02.md"
out=$("$binary" translate status --content "$content" --as-of 2026-12-01 2>&1); rc=$?
cp "$source_root/content/privacy/ar/2026-11-16.md" "$content/privacy/ar/"
out2=$("$binary" translate status --content "$content" --as-of 2026-11-01 2>&1); rc2=$?
if [[ $rc -eq 0 && $out == "privacy en: current (translates 2025-03-02, the latest authoritative version)" &&
      $rc2 -eq 1 && $out2 == *"2026-11-16 (material, not published yet)"* ]]; then
  ok "current: exit 0; a version not published yet is listed as such"
else fail "current" "exit $rc: $out; exit $rc2: $out2"; fi

# The site's notice on the outdated translation leads to the same page.
"$binary" build --content "$content" --out "$work/public" --as-of 2026-12-01 -q 2>/dev/null
if grep -q 'href="../../ar/privacy/2026-11-16/changes/index.html" hreflang="ar">See what changed in it since this translation' "$work/public/en/privacy/index.html"; then
  ok "the outdated-translation notice links to the authoritative changes since"
else fail "notice" "$(grep -o 'notice-translation.\{0,400\}' "$work/public/en/privacy/index.html")"; fi
exit $failed
