#!/usr/bin/env python3
"""Printing a version, or saving it as PDF from a browser, gives a clean
record: Debian's headless Chromium prints built pages to PDF and pdftotext
(poppler-utils) reads them back. A version's PDF holds its title, its
permanent URL and its dates (published; in force since, or takes effect on),
and none of the navigation (skip link, language switcher, version links,
the compare menu); a changes page's PDF tells insertions from deletions
without colour ([+ +] and [- -] around them) and prints the unchanged text
it folds on screen. Arabic and English.

  test-print.py POLICYPRESS SOURCE_ROOT   (prints TAP)"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

binary, source_root = sys.argv[1:3]
AS_OF = "2026-12-01"  # the bundled 2025-03-02 is in force, 2026-11-16 upcoming
BASE = "https://malachite.example/"
# pdftotext writes right-to-left lines with embedding controls around
# left-to-right runs; they are not text.
BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")

CASES = [
    # page, text that must be there, navigation text that must not
    ("en/privacy/2025-03-02/index.html",
     ["Privacy Policy", BASE + "en/privacy/2025-03-02/", "Last updated: March 2, 2025",
      "In force since: March 2, 2025", "Personal identification information"],
     ["Skip to content", "العربية", "Version history", "Previous version", "Next version",
      "Permanent link to this version", "Compare with an earlier version", "Read the new version", "Updates"]),
    ("en/privacy/2026-11-16/index.html",
     ["Privacy Policy", BASE + "en/privacy/2026-11-16/", "Last updated: November 16, 2026",
      "Takes effect on: December 16, 2026", "Data retention"],
     ["Skip to content", "Version history", "Read the version in force", "See what will change"]),
    ("ar/privacy/2025-03-02/index.html",
     ["سياسة الخصوصية", BASE + "ar/privacy/2025-03-02/", "آخر تحديث", "ساري المفعول منذ", "مارس", "٢٠٢٥"],
     # (pdftotext splits the lam-alef ligature, so words holding one are not looked for)
     ["English", "Atom", "الرابط", "قارن", "اقرأ"]),
]
CHANGES = [("en/privacy/2024-09-01/changes/index.html", "[-various-]", "[+different+]",
            "the times users visit the service"),
           ("ar/privacy/2024-09-01/changes/index.html", "[-", "[+", "")]

browser = shutil.which("chromium") or shutil.which("chromium-browser")
total = len(CASES) * 3 + len(CHANGES) + 1
print(f"1..{total}")
if not browser or not shutil.which("pdftotext"):
    missing = "chromium" if not browser else "pdftotext (poppler-utils)"
    if os.environ.get("PP_REQUIRE_BROWSER"):
        print(f"not ok 1 - {missing} is not installed and PP_REQUIRE_BROWSER is set")
        sys.exit(1)
    for i in range(total):
        print(f"ok {i + 1} # SKIP {missing} is not installed (build-aux/test installs it)")
    sys.exit(0)

flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-pdf-header-footer"]
work = tempfile.mkdtemp()
n = 0
failed = False


def report(ok, text, detail=""):
    global n, failed
    n += 1
    failed |= not ok
    print(f"{'ok' if ok else 'not ok'} {n} - {text}")
    if not ok and detail:
        for line in detail.splitlines()[:20]:
            print("# " + line)


def printed(site, page):
    pdf = os.path.join(work, page.replace("/", "_") + ".pdf")
    subprocess.run([browser, *flags, f"--user-data-dir={tempfile.mkdtemp(dir=work)}", f"--print-to-pdf={pdf}",
                    "file://" + os.path.join(site, page)], capture_output=True, timeout=120)
    if not os.path.exists(pdf):
        return None
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", pdf, "-"], capture_output=True, text=True).stdout
    return BIDI_CONTROLS.sub("", text)


try:
    site = os.path.join(work, "public")
    subprocess.run([binary, "build", "--content", os.path.join(source_root, "content"), "--out", site, "-q",
                    "--as-of", AS_OF], check=True)
    for page, wanted, navigation in CASES:
        text = printed(site, page)
        if text is None:
            for what in ("printed", "holds", "leaves out"):
                report(False, f"{page}: {what}", "no PDF was written")
            continue
        report(len(text) > 1000, f"{page}: printed to PDF with its text", text[:300])
        missing = [w for w in wanted if w not in " ".join(text.split())]
        report(not missing, f"{page}: the PDF has the title, the permanent URL and the dates",
               f"missing: {missing}\n{text[-800:]}")
        present = [w for w in navigation if w in text]
        report(not present, f"{page}: the PDF has no navigation", f"present: {present}")
    for page, removed, added, folded in CHANGES:
        text = printed(site, page) or ""
        flat = " ".join(text.split())
        report(removed in flat and added in flat and folded in flat and "Removed text" not in flat,
               f"{page}: deletions and insertions told apart in black and white, folded text printed",
               flat[:600])
    # A policy's own <details>, closed on screen, is printed open: the
    # record holds all of its text.
    own = os.path.join(work, "details")
    os.makedirs(os.path.join(own, "terms", "en"))
    with open(os.path.join(own, "site.yaml"), "w", encoding="utf-8") as f:
        f.write("default_locale: en\nbase_url: https://example.org/\ntitle:\n  en: Terms\n")
    with open(os.path.join(own, "terms", "en", "2024-01-01.md"), "w", encoding="utf-8") as f:
        f.write("---\ntitle: Terms\nupdated: 2024-01-01\n---\n\nBefore the disclosure.\n\n"
                "<details>\n<summary>How long we keep cookies</summary>\n\n"
                "We keep cookies for thirty days.\n\n</details>\n\nAfter the disclosure.\n")
    subprocess.run([binary, "build", "--content", own, "--out", os.path.join(work, "details-site"), "-q"],
                   check=True, capture_output=True)
    flat = " ".join((printed(os.path.join(work, "details-site"), "en/terms/index.html") or "").split())
    report("How long we keep cookies We keep cookies for thirty days. After the disclosure." in flat,
           "a policy's own closed <details> is printed open, its text in the record", flat[:600])
    sys.exit(1 if failed else 0)
finally:
    shutil.rmtree(work, ignore_errors=True)
