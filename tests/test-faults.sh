#!/usr/bin/env bash
# Faults while publishing: the disk filling up (a small tmpfs, and injected
# write failures), an unusable output path, SIGTERM and SIGINT mid-build, and
# builds under other time zones, locales and file creation orders. Every
# failure must leave the previous output byte-identical and no temporary
# directory behind.
set -uo pipefail
binary=$1
source_root=$2
faultinject=$3
work=$(mktemp -d)
mounted=
cleanup() { [[ -n $mounted ]] && umount "$mounted" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
echo "1..17"
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); echo "not ok $n - $1"; [[ -n ${2:-} ]] && sed 's/^/# /' <<< "$2"; failed=1; }
skip() { n=$((n + 1)); echo "ok $n # SKIP $1"; }
digest() { (cd "$1" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum); }
leftovers() { find "$(dirname "$1")" -maxdepth 1 -name ".$(basename "$1").tmp-*" | wc -l; }

# A larger site: the bundled policy with 300 more dated versions.
content=$work/content
cp -a "$source_root/content" "$content"
python3 - "$content" <<'PY'
import datetime, sys
base = open(f"{sys.argv[1]}/privacy/ar/2024-09-01.md", encoding="utf-8").read()
day = datetime.date(2024, 9, 2)
for i in range(300):
    text = base.replace("updated: 2024-09-01", f"updated: {day}").replace("بطرق مختلفة", "بطرق مختلفة" + " جدا" * (i + 1))
    open(f"{sys.argv[1]}/privacy/ar/{day}.md", "w", encoding="utf-8").write(text)
    day += datetime.timedelta(days=1)
PY

# 1. Disk full: a tmpfs that holds the site once but not twice.
if mkdir -p "$work/small" && mount -t tmpfs -o size=3m tmpfs "$work/small" 2>/dev/null; then
  mounted=$work/small
  "$binary" build --content "$source_root/content" --out "$work/small/public" -q
  before=$(digest "$work/small/public")
  out=$("$binary" build --content "$content" --out "$work/small/public" -q 2>&1); rc=$?
  if [[ $rc -eq 2 && $out == *"No space left on device"* && $(digest "$work/small/public") == "$before" && $(leftovers "$work/small/public") -eq 0 ]]; then
    ok "disk full (tmpfs): clear error, exit 2, previous output intact, no temporary directory"
  else
    fail "disk full (tmpfs)" "exit $rc: $out"
  fi
  umount "$work/small" && mounted=
else
  skip "cannot mount a tmpfs here (not root, or no permission)"
fi

# 2. Injected write failures after 200 KB.
"$binary" build --content "$source_root/content" --out "$work/public" -q
before=$(digest "$work/public")
out=$(LD_PRELOAD=$faultinject PP_FAULT_WRITE_LIMIT=200000 ASAN_OPTIONS=verify_asan_link_order=0:detect_leaks=0 \
      "$binary" build --content "$content" --out "$work/public" -q 2>&1); rc=$?
if [[ $rc -eq 2 && $out == *"cannot write"*"No space left on device"* && $(digest "$work/public") == "$before" && $(leftovers "$work/public") -eq 0 ]]; then
  ok "write failure mid-build: clear error, exit 2, previous output intact, no temporary directory"
else
  fail "write failure mid-build" "exit $rc: $out"
fi

# 3. An output path that cannot be created.
out=$("$binary" build --content "$source_root/content" --out /proc/policypress/public -q 2>&1); rc=$?
if [[ $rc -eq 2 && $out == "/proc/policypress/public: error: cannot open the output's parent directory /proc/policypress: No such file or directory"* ]]; then
  ok "unusable output path: clear error, exit 2"
else
  fail "unusable output path" "exit $rc: $out"
fi

# 4-5. Interrupted builds. A signal the build inherited as ignored (SIGINT
# in a background job of a script) still stops it. The signal comes once the
# build has begun writing (its staging directory is there): a fixed delay
# came, on a busy machine under AddressSanitizer, before the program had
# started, and the default action killed a process that had written nothing.
for sig in TERM INT; do
  "$binary" build --content "$content" --out "$work/public" -q 2> "$work/err" &
  pid=$!
  for _ in $(seq 2000); do
    [[ $(leftovers "$work/public") -gt 0 ]] || ! kill -0 "$pid" 2>/dev/null && break
    sleep 0.005
  done
  kill -s "$sig" "$pid" 2>/dev/null
  wait "$pid"; rc=$?
  stopped=0
  if [[ $rc -gt 128 ]] && grep -q "policypress: stopped by SIG$sig; $work/public was left as it was" "$work/err"; then stopped=1; fi
  if [[ $stopped -eq 1 && $(digest "$work/public") == "$before" && $(leftovers "$work/public") -eq 0 ]]; then
    ok "SIG$sig mid-build (exit $rc): previous output intact, no temporary directory"
  elif [[ $rc -eq 0 && $(leftovers "$work/public") -eq 0 ]]; then
    # The build won the race: then the new site is in place, whole.
    ok "SIG$sig arrived after the build finished; the new site is complete"
    "$binary" build --content "$source_root/content" --out "$work/public" -q
  else
    fail "SIG$sig mid-build" "exit $rc: $(cat "$work/err")"
  fi
done

# 6-7. Same bytes whatever the time zone, locale and file creation order.
"$binary" build --content "$content" --out "$work/a" -q
reversed=$work/reversed
mkdir -p "$reversed"
cp "$content/site.yaml" "$reversed/"
for locale_dir in "$content"/privacy/*; do
  mkdir -p "$reversed/privacy/$(basename "$locale_dir")"
  for f in $(ls -r "$locale_dir"); do cp "$locale_dir/$f" "$reversed/privacy/$(basename "$locale_dir")/$f"; done
done
TZ=Pacific/Kiritimati LANG=ar_SA.UTF-8 LC_ALL=ar_SA.UTF-8 "$binary" build --content "$reversed" --out "$work/b" -q 2>/dev/null
if [[ $(digest "$work/a") == "$(digest "$work/b")" ]]; then
  ok "other TZ, LANG and file creation order: byte-identical output"
else
  fail "other TZ, LANG and file creation order" "$(diff -r "$work/a" "$work/b" | head -5)"
fi
TZ=America/Los_Angeles LC_ALL=C "$binary" build --content "$content" --out "$work/c" -q
if [[ $(digest "$work/a") == "$(digest "$work/c")" ]]; then
  ok "C locale, western time zone: byte-identical output"
else
  fail "C locale, western time zone"
fi
# 7b. A locale ICU has no data for (Dhivehi): its dates and language name
# are ICU's root forms and English name, never the environment's language;
# the name says it is English, and the build says what is missing.
iculess=$work/iculess
mkdir -p "$iculess/terms/ar" "$iculess/terms/dv"
printf 'default_locale: ar\nbase_url: https://example.org/\ntitle:\n  ar: موقع\n  dv: ސައިޓް\n' > "$iculess/site.yaml"
printf -- '---\ntitle: الشروط\nupdated: 2021-02-28\n---\n\nنص الشروط.\n' > "$iculess/terms/ar/2021-02-28.md"
printf -- '---\ntitle: ޝަރުތު\nupdated: 2021-02-28\n---\n\nޝަރުތުތައް.\n' > "$iculess/terms/dv/2021-02-28.md"
warnings=$(LANG=de_DE.UTF-8 LC_ALL=de_DE.UTF-8 "$binary" build --content "$iculess" --out "$work/icu-de" 2>&1 >/dev/null)
LC_ALL=C "$binary" build --content "$iculess" --out "$work/icu-c" -q 2>/dev/null
page=$work/icu-de/dv/terms/2021-02-28/index.html
if [[ $(digest "$work/icu-de") == "$(digest "$work/icu-c")" ]] &&
   grep -q '<time datetime="2021-02-28">2021 M02 28</time>' "$page" &&
   grep -q 'lang="en" hreflang="dv" dir="rtl" aria-current="page">Divehi</a>' "$page" &&
   [[ $warnings == *"dv: warning: ICU has no date formats for this locale: its dates are written in ICU's root forms ('2021 M02 28' for 28 February 2021)"* &&
      $warnings == *"dv: warning: ICU has no name for this language in the language itself: language menus show its English name, 'Divehi'"* ]]; then
  ok "a locale ICU lacks: root dates, its English name marked English, warned, the same under LANG=de_DE and C"
else
  fail "a locale ICU lacks" "$(diff -r "$work/icu-de" "$work/icu-c" | head -5); $warnings"
fi

# 8. A signal stops a build in the middle of one long page, within moments:
# a 55 MB version renders for many seconds; SIGTERM comes a second after
# the build has begun writing.
slow=$work/slow
mkdir -p "$slow/policy/en"
printf 'default_locale: en\ntitle:\n  en: Policies\n' > "$slow/site.yaml"
python3 - "$slow/policy/en" <<'PY'
import random, sys
random.seed(7)
words = ["privacy", "data", "service", "users", "share", "partners", "*collect*", "[rights](https://r.example/)"]
with open(f"{sys.argv[1]}/2024-01-01.md", "w") as f:
    f.write("---\ntitle: T\nupdated: 2024-01-01\n---\n")
    for _ in range(38000):
        f.write(" ".join(random.choice(words) for _ in range(150)) + "\n\n")
PY
"$binary" build --content "$source_root/content" --out "$work/slow-public" -q
before_slow=$(digest "$work/slow-public")
"$binary" build --content "$slow" --out "$work/slow-public" -q 2> "$work/err" &
pid=$!
for _ in $(seq 100); do [[ $(leftovers "$work/slow-public") -gt 0 ]] && break; sleep 0.1; done
sleep 1
sent=$(date +%s%N)
kill -s TERM "$pid"
wait "$pid"; rc=$?
ms=$(( ($(date +%s%N) - sent) / 1000000 ))
if [[ $rc -eq 143 && $ms -lt 3000 && $(digest "$work/slow-public") == "$before_slow" && $(leftovers "$work/slow-public") -eq 0 ]] &&
   grep -q "stopped by SIGTERM" "$work/err"; then
  ok "SIGTERM during one long page: stopped ${ms} ms after the signal, previous output intact, no temporary directory"
else
  fail "SIGTERM during one long page" "exit $rc after ${ms} ms: $(cat "$work/err")"
fi

# 9. A build killed outright leaves its temporary directory; the next build
# of the same output removes it and says so.
"$binary" build --content "$slow" --out "$work/slow-public" -q 2>/dev/null &
pid=$!
for _ in $(seq 100); do [[ $(leftovers "$work/slow-public") -gt 0 ]] && break; sleep 0.1; done
kill -s KILL "$pid"; wait "$pid" 2>/dev/null
left=$(leftovers "$work/slow-public")
out=$("$binary" build --content "$source_root/content" --out "$work/slow-public" -q 2>&1); rc=$?
if [[ $left -eq 1 && $rc -eq 0 && $out == *"warning: removed $work/.slow-public.tmp-"*", left by a build that was stopped before it finished"* && $(leftovers "$work/slow-public") -eq 0 ]]; then
  ok "SIGKILL debris removed by the next build, which says so"
else
  fail "SIGKILL debris" "left $left, exit $rc: $out"
fi

# 10. Two builds into one output at once: the second fails at once, saying
# why; the first finishes whole.
"$binary" build --content "$slow" --out "$work/slow-public" -q 2>/dev/null &
pid=$!
for _ in $(seq 100); do [[ $(leftovers "$work/slow-public") -gt 0 ]] && break; sleep 0.1; done
out=$("$binary" build --content "$source_root/content" --out "$work/slow-public" -q 2>&1); rc=$?
wait "$pid"; first=$?
if [[ $rc -eq 1 && $out == *"error: another policypress build is writing this output directory"* && $first -eq 0 &&
      -f $work/slow-public/en/policy/2024-01-01/index.html && $(leftovers "$work/slow-public") -eq 0 &&
      -z $(find "$work" -maxdepth 1 -name '*.lock') ]]; then
  ok "concurrent builds: the second refused at once, the first complete; no lock file left beside the output"
else
  fail "concurrent builds" "second exit $rc, first exit $first: $out"
fi

# 11. Modes follow the umask, like anything else the user creates.
modes_ok=1 detail=
for mask in 022 077 002; do
  (umask "$mask" && "$binary" build --content "$source_root/content" --out "$work/umask-$mask" -q) || modes_ok=0
  want_dir=$(printf '%o' $(( 0777 & ~8#$mask ))) want_file=$(printf '%o' $(( 0666 & ~8#$mask )))
  bad=$(find "$work/umask-$mask" \( -type d ! -perm "$want_dir" \) -o \( -type f ! -perm "$want_file" \) | head -3)
  if [[ -n $bad || $(stat -c %a "$work/umask-$mask") != "$want_dir" ]]; then
    modes_ok=0 detail+="umask $mask: $(stat -c '%a %n' "$work/umask-$mask" $bad) "
  fi
done
if [[ $modes_ok -eq 1 ]]; then ok "output modes follow the umask (022, 077, 002)"; else fail "output modes" "$detail"; fi

# 12. --content . with the default output: the output is never read as
# content, build after build.
mkdir -p "$work/repo" && cp -a "$source_root/content/." "$work/repo/"
out=$(cd "$work/repo" && "$binary" build --content . -q 2>&1 && "$binary" build --content . -q 2>&1 && "$binary" check --content . 2>&1); rc=$?
if [[ $rc -eq 0 && -f $work/repo/public/index.html && $out != *public* ]]; then
  ok "--content . twice with the default --out public"
else
  fail "--content ." "exit $rc: $out"
fi

# 13. Outputs that cannot be replaced whole are refused before anything is
# read or rendered.
refused=1 detail=
for o in "" . .. / "$work/repo/.." "$work/repo"; do
  out=$(cd "$work/repo" && "$binary" build --content "$work/repo" --out "$o" -q 2>&1); rc=$?
  case $o in
    "") want="policypress: --out needs a directory name, such as 'public'" ;;
    "$work/repo") want="policypress: --out $o holds the content directory; the output directory is replaced whole by each build: give it a directory of its own, such as 'public'" ;;
    *) want="policypress: --out $o is not a directory of its own; the output directory is replaced whole by each build: give it a directory of its own, such as 'public'" ;;
  esac
  [[ $rc -eq 2 && $out == "$want" ]] || { refused=0; detail+="--out '$o': exit $rc: $out; "; }
done
if [[ $refused -eq 1 && ! -e $work/.repo.lock && ! -e /.lock ]]; then ok "--out '', ., .., / and the content's own directory refused at once"; else fail "unusable --out" "$detail"; fi

# 14. SOURCE_DATE_EPOCH that is not a time policypress can date: refused,
# never taken for today; one that is builds.
refused=1 detail=
for epoch in -1 abc 1e9 253402300800 99999999999999999999 ' 5'; do
  out=$(SOURCE_DATE_EPOCH=$epoch "$binary" check --content "$source_root/content" 2>&1); rc=$?
  want="policypress: SOURCE_DATE_EPOCH must be a whole number of seconds since 1970-01-01 up to 253402300799 (9999-12-31), not '$epoch'"
  [[ $rc -eq 2 && $out == "$want" ]] || { refused=0; detail+="'$epoch': exit $rc: $out; "; }
done
SOURCE_DATE_EPOCH=1796256000 "$binary" check --content "$source_root/content" >/dev/null 2>&1 || { refused=0; detail+="a valid epoch failed; "; }
if [[ $refused -eq 1 ]]; then ok "SOURCE_DATE_EPOCH out of range or not a number: a clear error, exit 2"; else fail "SOURCE_DATE_EPOCH" "$detail"; fi

# 15. --out a symbolic link to a directory: the site replaces what it leads
# to, build after build, and the link stays; a link to nothing is refused.
mkdir -p "$work/served" && ln -s "$work/served" "$work/public-link" && ln -s "$work/nothing" "$work/dangling"
out=$("$binary" build --content "$source_root/content" --out "$work/public-link" -q 2>&1 &&
      "$binary" build --content "$source_root/content" --out "$work/public-link" -q 2>&1); rc=$?
out2=$("$binary" build --content "$source_root/content" --out "$work/dangling" -q 2>&1); rc2=$?
if [[ $rc -eq 0 && -L $work/public-link && -f $work/served/index.html && $rc2 -eq 2 &&
      $out2 == "$work/dangling: error: --out is a symbolic link, and it does not lead to a directory"* ]]; then
  ok "--out a symbolic link to a directory: written through it twice, the link kept; a dangling one refused"
else
  fail "--out a symbolic link" "exit $rc: $out; exit $rc2: $out2"
fi

# 16. An output inside a policy's or a locale's directory is never read as
# content (a locale named 'public', an attachment, a version named like a
# date) on later builds.
mkdir -p "$work/nested" && cp -a "$source_root/content/." "$work/nested/"
out=$(for o in privacy/public privacy/en/site privacy/en/2030-01-01.md; do
        "$binary" build --content "$work/nested" --out "$work/nested/$o" -q 2>&1 &&
        "$binary" build --content "$work/nested" --out "$work/nested/$o" -q 2>&1 || exit 1
      done; "$binary" check --content "$work/nested" -q 2>&1); rc=$?
if [[ $rc -eq 0 && -z $out && -f $work/nested/privacy/public/index.html && ! -e $work/nested/privacy/public/files ]]; then
  ok "outputs inside a policy's and a locale's directory (one named as a version): built twice, never read as content"
else
  fail "output inside content" "exit $rc: $out"
fi
exit $failed
