#!/usr/bin/env bash
# The Debian package (build-aux/deb) built from the tree, lintian clean of
# errors, with the version of meson.build and Debian's libraries as its
# dependencies; unpacked into a temporary root (dpkg -x), its binary builds
# the bundled content with its own theme, byte for byte as the tree's build
# does, and previews it; its man pages read, and its bash completion
# completes commands, options and the content's policies.
#   test-deb.sh POLICYPRESS SOURCE_ROOT   (prints TAP)
set -uo pipefail
binary=$1
source_root=$2
if ! command -v dpkg-buildpackage >/dev/null || ! command -v dh >/dev/null || ! command -v lintian >/dev/null; then
  if [[ -n ${PP_REQUIRE_DEB:-} ]]; then echo "1..1"; echo "not ok 1 - debhelper, dpkg-dev or lintian is missing and PP_REQUIRE_DEB is set"; exit 1; fi
  echo "1..1"; echo "ok 1 # SKIP debhelper, dpkg-dev or lintian is not installed (build-aux/test installs them)"; exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=1; echo "not ok $n - $1"; shift; for line in "$@"; do echo "# $line"; done; }

echo "1..6"
if ! deb=$("$source_root/build-aux/deb" "$work/out" 2>"$work/deb.log"); then
  not_ok "build-aux/deb builds a package lintian finds no error in" "$(tail -20 "$work/deb.log")"
  exit 1
fi
ok "build-aux/deb builds a package lintian finds no error in"

version=$(meson introspect --projectinfo "$source_root/meson.build" | python3 -c 'import json, sys; print(json.load(sys.stdin)["version"])')
fields=$(dpkg-deb -f "$deb" Package Version Depends)
problems=()
grep -qx "Package: policypress" <<<"$fields" || problems+=("Package: $(dpkg-deb -f "$deb" Package)")
grep -qx "Version: $version" <<<"$fields" || problems+=("Version: $(dpkg-deb -f "$deb" Version), not $version")
for lib in libcmark-gfm0 libxml2 libicu libyaml-0-2 libxxhash0 libmicrohttpd12 libgit2 libgettextpo0; do
  grep -q "$lib" <<<"$fields" || problems+=("no dependency on $lib: $(dpkg-deb -f "$deb" Depends)")
done
contents=$(dpkg-deb -c "$deb" | awk '{print $6}')
for path in ./usr/bin/policypress ./usr/bin/policypress-fetch-live-manifest ./usr/share/man/man1/policypress.1.gz \
            ./usr/share/man/man1/policypress-fetch-live-manifest.1.gz ./usr/share/bash-completion/completions/policypress \
            ./usr/share/policypress/themes/default/layout.html ./usr/share/doc/policypress/copyright; do
  grep -qx "$path" <<<"$contents" || problems+=("$path is not in the package")
done
grep -q "/tests/\|/test_" <<<"$contents" && problems+=("test programs in the package")
((${#problems[@]})) && not_ok "version $version, Debian's libraries as dependencies, every file installed" "${problems[@]}" \
  || ok "version $version, Debian's libraries as dependencies, every file installed"

# Unpacked into a root of its own: it finds its theme beside itself.
dpkg -x "$deb" "$work/root"
installed=$work/root/usr/bin/policypress
export SOURCE_DATE_EPOCH=1764547200
"$binary" build --content "$source_root/content" --out "$work/tree-site" -q --as-of 2026-12-01 || true
if (cd "$work" && cp -a "$source_root/content" content && "$installed" build -q --as-of 2026-12-01) &&
   diff -r "$work/tree-site" "$work/public" >"$work/diff.log"; then
  ok "the installed binary builds the bundled content with its own theme, as the tree's does"
else
  not_ok "the installed binary builds the bundled content with its own theme, as the tree's does" "$(head -5 "$work/diff.log")"
fi

# It previews too: serve from the package answers with the site.
"$installed" serve --content "$work/content" --port 0 --as-of 2026-12-01 >"$work/serve.log" 2>&1 &
serve=$!
url=
for _ in $(seq 100); do
  url=$(grep -o 'http://127.0.0.1:[0-9]*/' "$work/serve.log" | head -1)
  [[ -n $url ]] && grep -q "built in" "$work/serve.log" && break
  sleep 0.1
done
page=$(python3 -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1] + "en/privacy/").read().decode())' "$url" 2>&1)
kill -TERM $serve; wait $serve
if grep -q "Privacy Policy" <<<"$page" && grep -q "/__policypress/live.js" <<<"$page"; then
  ok "the installed binary serves a preview"
else
  not_ok "the installed binary serves a preview" "$(cat "$work/serve.log")"
fi

if man_text=$(MANWIDTH=80 man -l "$work/root/usr/share/man/man1/policypress.1.gz" 2>&1) && grep -q "serve" <<<"$man_text" &&
   MANWIDTH=80 man -l "$work/root/usr/share/man/man1/policypress-fetch-live-manifest.1.gz" >/dev/null 2>&1; then
  ok "the man pages read"
else
  not_ok "the man pages read" "$man_text"
fi

# Completion, as bash calls it.
completion=$work/root/usr/share/bash-completion/completions/policypress
complete_words() { # cword word...
  local cword=$1
  shift
  (cd "$work" && bash -c 'source "$0"; COMP_WORDS=("${@:2}"); COMP_CWORD=$1; _policypress; printf "%s\n" "${COMPREPLY[@]}"' \
    "$completion" "$cword" "$@")
}
problems=()
[[ $(complete_words 1 policypress se) == serve ]] || problems+=("'policypress se': $(complete_words 1 policypress se)")
[[ $(complete_words 2 policypress serve --p | sort | tr '\n' ' ') == "--poll --port " ]] ||
  problems+=("'serve --p': $(complete_words 2 policypress serve --p | tr '\n' ' ')")
[[ $(complete_words 2 policypress new pr) == privacy ]] || problems+=("'new pr': $(complete_words 2 policypress new pr)")
[[ $(complete_words 4 policypress new privacy --locale "" | sort | tr '\n' ' ') == "ar en " ]] ||
  problems+=("'new privacy --locale': $(complete_words 4 policypress new privacy --locale "" | tr '\n' ' ')")
[[ $(complete_words 4 policypress translate export privacy e) == en ]] ||
  problems+=("'translate export privacy e': $(complete_words 4 policypress translate export privacy e)")
((${#problems[@]})) && not_ok "bash completion: commands, options, policies and locales" "${problems[@]}" \
  || ok "bash completion: commands, options, policies and locales"
exit $failed
