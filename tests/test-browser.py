#!/usr/bin/env python3
"""Real-browser checks of built right-to-left pages, in Debian's headless
Chromium: the computed direction is rtl, the first heading is laid out
against the right edge of the text column, ordered lists count in
Arabic-Indic digits, isolated LTR runs are bidi-isolated, and the changes
page marks insertions and deletions. Screenshots of each page are saved under
the build directory's test-artifacts/ for a human to look at.

A harness page frames each built page (file:// access between the two is
allowed with --allow-file-access-from-files), measures it with the DOM and
writes the result as JSON into itself; --dump-dom returns it.
Usage: test-browser.py POLICYPRESS SOURCE_ROOT BUILD_ROOT   (prints TAP)"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

binary, source_root, build_root = sys.argv[1:4]
PAGES = [("ar/privacy/index.html", "arabic-policy"), ("ar/privacy/2024-09-01/changes/index.html", "arabic-changes")]
CHECKS_PER_PAGE = 4
print(f"1..{len(PAGES) * CHECKS_PER_PAGE}")

browser = shutil.which("chromium") or shutil.which("chromium-browser")
if not browser:
    if os.environ.get("PP_REQUIRE_BROWSER"):
        print("not ok 1 - chromium is not installed and PP_REQUIRE_BROWSER is set")
        sys.exit(1)
    for i in range(len(PAGES) * CHECKS_PER_PAGE):
        print(f"ok {i + 1} # SKIP chromium is not installed (build-aux/test installs it)")
    sys.exit(0)

HARNESS = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>harness</title></head><body>
<iframe id="page" src="%s" style="width:1000px;height:1400px;border:0"></iframe>
<pre id="result">pending</pre>
<script>
document.getElementById('page').addEventListener('load', function () {
  var out = {};
  try {
    var doc = this.contentDocument, win = this.contentWindow;
    out.direction = win.getComputedStyle(doc.documentElement).direction;
    var h1 = doc.querySelector('main h1');
    var range = doc.createRange();
    range.selectNodeContents(h1);
    var text = range.getBoundingClientRect();
    var column = doc.querySelector('main').getBoundingClientRect();
    out.heading_right_gap = column.right - text.right;
    out.heading_left_gap = text.left - column.left;
    var ol = doc.querySelector('main ol');
    out.list_style = ol ? win.getComputedStyle(ol).listStyleType : null;
    var span = doc.querySelector('main span[dir=ltr], main a[dir=ltr]');
    out.isolation = span ? win.getComputedStyle(span).unicodeBidi : null;
    out.ins = doc.querySelectorAll('main ins').length;
    out.del = doc.querySelectorAll('main del').length;
    out.ins_decoration = out.ins ? win.getComputedStyle(doc.querySelector('main ins')).textDecorationLine : null;
  } catch (e) { out.error = String(e); }
  document.getElementById('result').textContent = JSON.stringify(out);
});
</script></body></html>"""

flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars"]

work = tempfile.mkdtemp()
artifacts = os.path.join(build_root, "test-artifacts")
os.makedirs(artifacts, exist_ok=True)
try:
    site = os.path.join(work, "public")
    subprocess.run([binary, "build", "--content", os.path.join(source_root, "content"), "--out", site, "-q",
                    "--as-of", "2026-12-01"], check=True)
    n = 0
    failed = False

    def report(ok, text, detail=""):
        global n, failed
        n += 1
        failed |= not ok
        print(f"{'ok' if ok else 'not ok'} {n} - {text}")
        if not ok and detail:
            print("# " + detail)

    for page, name in PAGES:
        harness = os.path.join(work, f"harness-{name}.html")
        with open(harness, "w", encoding="utf-8") as f:
            f.write(HARNESS % ("public/" + page))
        profile = tempfile.mkdtemp(dir=work)
        dom = subprocess.run([browser, *flags, f"--user-data-dir={profile}", "--allow-file-access-from-files",
                              "--virtual-time-budget=10000", "--dump-dom", "file://" + harness],
                             capture_output=True, text=True, timeout=120).stdout
        start, end = dom.find('<pre id="result">'), dom.find("</pre>")
        raw = dom[start + len('<pre id="result">'):end] if start >= 0 else "{}"
        try:
            result = json.loads(raw.replace("&quot;", '"').replace("&amp;", "&"))
        except ValueError:
            result = {"error": "no result: " + raw[:200]}
        shot = os.path.join(artifacts, f"{name}.png")
        subprocess.run([browser, *flags, f"--user-data-dir={tempfile.mkdtemp(dir=work)}", "--window-size=1000,1400",
                        f"--screenshot={shot}", "file://" + os.path.join(site, page)],
                       capture_output=True, timeout=120)
        detail = json.dumps(result)
        report(result.get("direction") == "rtl", f"{name}: computed direction is rtl", detail)
        # Against the right edge: no gap there, the free space on the left.
        gap_right, gap_left = result.get("heading_right_gap"), result.get("heading_left_gap")
        report(gap_right is not None and abs(gap_right) < 2 and gap_left > 50,
               f"{name}: first heading laid out against the right edge", detail)
        report(result.get("list_style") == "arabic-indic", f"{name}: ordered lists count in Arabic-Indic digits", detail)
        if name == "arabic-changes":
            report(result.get("ins", 0) > 0 and result.get("del", 0) > 0 and "underline" in (result.get("ins_decoration") or ""),
                   f"{name}: insertions and deletions marked, insertions underlined", detail)
        else:
            report(result.get("isolation") == "isolate", f"{name}: LTR runs are bidi-isolated", detail)
        report_shot = os.path.exists(shot) and os.path.getsize(shot) > 10000
        if not report_shot:
            print(f"# screenshot {shot} missing")
    sys.exit(1 if failed else 0)
finally:
    shutil.rmtree(work, ignore_errors=True)
