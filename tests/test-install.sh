#!/usr/bin/env bash
# An installed copy (meson install --destdir) builds the content with no
# flags, using the theme installed beside it, and ships its man page.
set -euo pipefail
build_dir=$1
source_root=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "1..3"
meson install -C "$build_dir" --destdir "$work/dest" --no-rebuild --quiet >/dev/null
binary=$(find "$work/dest" -path '*/bin/policypress' -type f | head -n 1)
theme=$(find "$work/dest" -path '*/share/policypress/themes/default' -type d | head -n 1)
man=$(find "$work/dest" -name 'policypress.1*' -type f | head -n 1)
[[ -x $binary && -d $theme ]] && echo "ok 1 - binary and theme installed" || { echo "not ok 1 - binary and theme installed"; exit 1; }
[[ -n $man ]] && echo "ok 2 - man page installed" || { echo "not ok 2 - man page installed"; exit 1; }
# Mark the installed stylesheet: the site must carry the mark, proving the
# installed theme (not the source tree's) was used.
echo "/* installed-theme-marker */" >> "$theme/assets/style.css"
mkdir "$work/site"
cp -a "$source_root/content" "$work/site/content"
(cd "$work/site" && "$binary" build -q)
if grep -q installed-theme-marker "$work"/site/public/assets/style.*.css && [[ -f $work/site/public/ar/privacy/index.html ]]; then
  echo "ok 3 - installed copy builds content/ into public/ with no flags"
else
  echo "not ok 3 - installed copy builds content/ into public/ with no flags"
  exit 1
fi
