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
echo "1..7"
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
  if [[ $rc -eq 1 && $out == *"No space left on device"* && $(digest "$work/small/public") == "$before" && $(leftovers "$work/small/public") -eq 0 ]]; then
    ok "disk full (tmpfs): clear error, previous output intact, no temporary directory"
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
if [[ $rc -eq 1 && $out == *"cannot write"*"No space left on device"* && $(digest "$work/public") == "$before" && $(leftovers "$work/public") -eq 0 ]]; then
  ok "write failure mid-build: clear error, previous output intact, no temporary directory"
else
  fail "write failure mid-build" "exit $rc: $out"
fi

# 3. An output path that cannot be created.
out=$("$binary" build --content "$source_root/content" --out /proc/policypress/public -q 2>&1); rc=$?
if [[ $rc -eq 1 && $out == "/proc/policypress/public:0:0: error: cannot create a temporary directory beside the output: No such file or directory"* ]]; then
  ok "unusable output path: clear error"
else
  fail "unusable output path" "exit $rc: $out"
fi

# 4-5. Interrupted builds. A signal the build inherited as ignored (SIGINT
# in a background job of a script) still stops it, with exit status 1.
for sig in TERM INT; do
  "$binary" build --content "$content" --out "$work/public" -q 2> "$work/err" &
  pid=$!
  sleep 0.15
  kill -s "$sig" "$pid" 2>/dev/null
  wait "$pid"; rc=$?
  stopped=0
  if [[ $rc -gt 128 ]] || { [[ $rc -eq 1 ]] && grep -q "error: interrupted" "$work/err"; }; then stopped=1; fi
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
exit $failed
