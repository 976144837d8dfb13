#!/usr/bin/env python3
"""Pathological inputs through policypress build, check and diff.

cmark-gfm's own pathological cases (test/pathological_tests.py, at its
sizes) and the ones policypress adds (direction runs, raw HTML, headings,
front matter, combining marks, size limits), each as the newer of two
versions, so the changes page, feeds and sitemap are made too. Every
command runs with a 1 MiB stack (threads included: their stacks follow the
limit), so a recursion whose depth the input controls shows as a crash.

A case passes when no command dies by a signal, build and check end as the
case says (success, or the error it names with its line and column), the
page shows the text the case expects (words as cmark would show them), and
diff answers 0 or 1.

  tests/pathological.py POLICYPRESS [--tap] [--budget SECONDS] [--only NAME] [--shard K/N]

As a test (--tap) it reports one TAP line per case; --shard K/N runs the
Kth of N shares of the cases (balanced by each case's measured time, see
ASAN_SECONDS), so the suite runs them as N tests, each with time to spare
under AddressSanitizer on a busy machine. As a benchmark
(build-aux/pathological) it prints each command's wall time and peak memory
and, with --budget, fails a case whose command takes longer than that.
"""
import argparse
import datetime
import html
import itertools
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time

STACK = 1024 * 1024
HARD_TIMEOUT = 300  # a hang, not a slow case: the budget is the benchmark's


def hash_collisions():
    """cmark's reference-map collisions: 50,000 references of one bucket."""
    def badhash(ref):
        h = 0
        for c in ref:
            h = (ord(c) + ((h << 6) & 0xFFFFFFFF) + ((h << 16) & 0xFFFFFFFF) - h) & 0xFFFFFFFF
        return h % 16 == 0
    keys = (k for k in ("x%d" % i for i in itertools.count()) if badhash(k))
    collisions = itertools.islice(keys, 50000)
    bad = next(collisions)
    doc = "".join("[%s]: /url\n\n[%s]\n\n" % (key, bad) for key in collisions)
    return doc, r"(\[%s\] ){49998}\[%s\]" % (bad, bad)


def front_matter(extra):
    return "---\ntitle: T\nupdated: 2024-02-01\nsummary: s\n" + extra + "---\n"


collisions_doc, collisions_text = hash_collisions()

# name: (body, front matter lines, expected text of the page as a regex on
# its visible text with white space collapsed, or ("error", message regex)
# for build and check[, the error check alone gives]).
CASES = {
    # cmark-gfm's cases.
    "nested strong emph": ("*a **a " * 65000 + "b" + " a** a*" * 65000, "",
                           r"(a a ){65000}b( a a){65000}"),
    "many emph closers with no openers": ("a_ " * 65000, "", r"(a_ ){64999}a_"),
    "many emph openers with no closers": ("_a " * 65000, "", r"(_a ){64999}_a"),
    "many link closers with no openers": ("a]" * 65000, "", r"(a\]){65000}"),
    "many link openers with no closers": ("[a" * 65000, "", r"(\[a){65000}"),
    "mismatched openers and closers": ("*a_ " * 50000, "", r"(\*a_ ){49999}\*a_"),
    "openers and closers multiple of 3": ("a**b" + "c* " * 50000, "", r"a\*\*b(c\* ){49999}c\*"),
    "link openers and emph closers": ("[ a_" * 50000, "", r"(\[ a_){50000}"),
    "pattern [ (]( repeated": ("[ (](" * 80000, "", r"(\[ \(\]\(){80000}"),
    # Quadratic in Debian 12's cmark-gfm (0.29.0.gfm.6): refused before parsing.
    "pattern ![[]() repeated": ("![[]()" * 160000, "",
                                ("error", r"2024-02-01\.md:6:1: error: this paragraph has too many image openers")),
    "hard link/emph case": ("**x [a*b**c*](https://d.example/)", "", r"\*\*x ab\*\*c"),
    "nested brackets": ("[" * 50000 + "a" + "]" * 50000, "", r"\[{50000}a\]{50000}"),
    "nested block quotes": ("> " * 50000 + "a", "", r"a"),
    "deeply nested lists": ("".join("  " * x + "* a\n" for x in range(1000)), "", r"(a ){999}a"),
    "U+0000 in input": ("abc\u0000de\u0000", "",
                        ("error", r"2024-02-01\.md:6:4: error: .*U\+0000")),
    "backticks": ("".join("e" + "`" * x for x in range(1, 5000)), "", r"[e`]{12000000,}"),
    "unclosed links A": ("[a](<b" * 30000, "", r"(\[a\]\(<b){30000}"),
    "unclosed links B": ("[a](b" * 30000, "", r"(\[a\]\(b){30000}"),
    "unclosed <!--": ("</" + "<!--" * 300000, "", r"</(<!--){300000}"),
    # cmark's table case has a vertical tab, which XML and HTML text cannot
    # hold: refused where it is; the same table with a space builds.
    "tables": ("aaa\rbbb\n-\v\n" * 30000, "", ("error", r"2024-02-01\.md:7:2: error: .*U\+000B")),
    "tables without control characters": ("aaa\rbbb\n-|\n" * 30000, "", r"aaa bbb( aaa bbb -){29999}"),
    "reference collisions": (collisions_doc, "", collisions_text),
    # policypress's own.
    "nested emphasis in right-to-left text": ("*مرحبا **a " * 50000 + "b" + " a** a*" * 50000, "",
                                               r"(مرحبا a ){50000}b( a a){50000}"),
    "nested links": ("[a " * 50000 + "x" + "](https://u.example/)" * 50000, "",
                     r"(\[a ){49999}a x(\]\(https://u\.example/\)){49999}"),
    "nested raw HTML": ("<div>" * 100000 + "a" + "</div>" * 100000 + "\n", "", r"a",
                        r"2024-02-01\.md:6:1: error: raw HTML is not passed through"),
    "nested lists and quotes": ("".join("> " * (x % 200) + "- a\n" for x in range(5000)), "",
                                r"(a ){4999}a"),
    "repeated headings": ("## Purpose\n\n" * 4000, "", r"(Purpose ){3999}Purpose"),
    "repeated pinned ids": ("## Purpose {#p}\n\n" * 4000, "", r"(Purpose ){3999}Purpose"),
    "combining marks": ("a" + "\u0301\u0316" * 80000 + " z", "", r"[aá][\u0300-\u036f]{150000,} z"),
    "kramdown attribute lists": ("".join('p%d\n{: #id%d lang="fr"}\n\n' % (i, i) for i in range(40000)), "",
                                 r"(p\d+ ){39999}p39999"),
    "kramdown definitions and references": ("".join("q%d\n{: d%d}\n\n" % (i, i) for i in range(20000)) +
                                            "".join("{:d%d: #x%d}\n\n" % (i, i) for i in range(20000)), "",
                                            r"(q\d+ ){19999}q19999"),
    "kramdown abbreviations, many": ("".join("*[N%05d]: title %d\n" % (i, i) for i in range(20000)) + "\n" +
                                     " ".join("N%05d" % (i * 7919 % 20000) for i in range(30000)), "",
                                     r"(N\d{5} ){29999}N\d{5}"),
    # A name that the text follows nearly to its end, at every word.
    "kramdown abbreviation near misses": ("*[" + "a " * 20000 + "b]: t\n*[a]: u\n\n" + "a " * 400000, "",
                                          r"(a ){399999}a"),
    # Tables of contents times headings: filled up to 20,000 entries.
    "kramdown tables of contents": ("* TOC\n{:toc}\n\nx\n\n" * 2000 + "".join("## h%d\n\n" % i for i in range(2000)),
                                    "", r"((h\d+ ){2000}x ){10}(x ){1990}(h\d+ ){1999}h\d+"),
    # kramdown's markdown="1": elements left open (a blank line in each) nest
    # in a stack, not in calls; nested in one block, only the outer reads Markdown.
    "kramdown markdown divs left open": ('<div markdown="1">\n*a*\n\n' * 20000, "", r"(a ){19999}a",
                                         r"2024-02-01\.md:6:1: error: raw HTML <div markdown> is not passed through"),
    "kramdown markdown divs nested in one block": ('<div markdown="1">' * 50000 + "x" + "</div>" * 50000 + "\n", "",
                                                   r"x", r"2024-02-01\.md:6:1: error: raw HTML <div markdown>"),
    "nested inline raw HTML": ("<span>" * 100000 + "x" + "</span>" * 100000 + "\n", "", r"x"),
    "Liquid tags shown as text": ("{%" * 500000, "", r"(\{%){500000}"),
    "front matter with many keys": ("x", "".join("k%d: v\n" % i for i in range(80000)),
                                    ("error", r"2024-02-01\.md:\d+:1: error: front matter is larger than 64 KiB")),
    "front matter nested deep": ("x", "k: " + "[" * 20000 + "]" * 20000 + "\n",
                                 ("error", r"2024-02-01\.md:5:68: error: YAML nests deeper than 64 levels")),
    "front matter too large": ("x", "k: '" + "v" * (2 * 1024 * 1024) + "'\n",
                               ("error", r"2024-02-01\.md:5:1: error: front matter is larger than")),
}


# Cases built with a translation too (the same text in "ar"), whose
# side-by-side pages hold both texts: the rows were once libxml2 copies,
# recursive as deep as the text nests.
TRANSLATED = {
    "nested block quotes beside their translation": ("> " * 50000 + "a", "", r"a"),
    "nested inline raw HTML beside its translation": ("<span>" * 100000 + "x" + "</span>" * 100000 + "\n", "",
                                                       r"x"),
}
CASES.update(TRANSLATED)


# The classes that were super-linear, each at a size n and larger: the
# benchmark prints the time of build at n, 2n and 4n (linear: each double
# of n doubles the time).
GROWTH = {
    "nested strong emph (levels)": (16000, lambda n: "*a **a " * n + "b" + " a** a*" * n, ""),
    "nested emphasis in right-to-left text (levels)": (10000, lambda n: "*مرحبا **a " * n + "b" + " a** a*" * n, ""),
    "nested block quotes (levels)": (10000, lambda n: "> " * n + "a", ""),
    "repeated headings (headings)": (2000, lambda n: "## Purpose\n\n" * n, ""),
    "front matter keys (keys)": (1500, lambda n: "x", None),
    "combining marks (marks)": (20000, lambda n: "a" + "\u0301\u0316" * (n // 2), ""),
    "backticks (runs; the text grows as n²)": (1250, lambda n: "".join("e" + "`" * x for x in range(1, n)), ""),
}


def history_time(binary, work, n):
    """build time of one policy with n versions in each of two locales."""
    content = os.path.join(work, "history")
    shutil.rmtree(content, ignore_errors=True)
    for locale in ("en", "ar"):
        series = os.path.join(content, "policy", locale)
        os.makedirs(series)
        day = datetime.date(1950, 1, 1)
        for i in range(n):
            with open(os.path.join(series, "%s.md" % day), "w", encoding="utf-8") as f:
                f.write("---\ntitle: T\nupdated: %s\n---\nVersion %d نص.\n" % (day, i))
            day += datetime.timedelta(days=1)
    with open(os.path.join(content, "site.yaml"), "w", encoding="utf-8") as f:
        f.write("default_locale: en\nbase_url: https://policies.example/\ntitle:\n  en: T\n  ar: ت\n")
    code, seconds, _ = run([binary, "build", "--content", content, "--out", os.path.join(work, "out"), "-q"],
                           os.path.join(work, "log"))
    shutil.rmtree(content, ignore_errors=True)
    shutil.rmtree(os.path.join(work, "out"), ignore_errors=True)
    return seconds if code == 0 else float("nan")


def growth(binary, work):
    print("%-48s %10s %10s %10s  %s" % ("class (unit)", "n", "2n", "4n", "time at 4n / time at n"))
    times = [history_time(binary, work, 5000 * k) for k in (1, 2, 4)]
    print("%-48s %9.2fs %9.2fs %9.2fs  %.1f (n = %d)" % ("long history (versions per locale, two locales)",
                                                         *times, times[2] / max(times[0], 0.01), 5000))
    for name, (n, body, fm) in GROWTH.items():
        times = []
        for k in (1, 2, 4):
            size = n * k
            front = "".join("k%d: v\n" % i for i in range(size)) if fm is None else fm
            problems, measured = run_case(binary, name, body(size), front, r".*", work=work)
            times.append(measured[0][1])
            shutil.rmtree(os.path.join(work, "out"), ignore_errors=True)  # not timed in the next
        print("%-48s %9.2fs %9.2fs %9.2fs  %.1f (n = %d)" % (name, *times, times[2] / max(times[0], 0.01), n))
        sys.stdout.flush()


def visible_text(page):
    """The words of the policy body as a reader sees them."""
    start = page.index('<div class="policy-body">')
    end = page.index('<footer class="policy-footer">', start)
    body = re.sub(r"</?(?:p|li|ul|ol|blockquote|h[1-6]|div|table|thead|tbody|tr|td|th|pre|br|hr)\b[^>]*>",
                  " ", page[start:end])
    text = re.sub(r"<[^>]*>", "", body)
    return re.sub(r"\s+", " ", html.unescape(text)).strip()


def limit_stack():
    resource.setrlimit(resource.RLIMIT_STACK, (STACK, STACK))


TIME = "/usr/bin/time"  # GNU time: peak memory of the command itself


def run(argv, log):
    """Runs argv with a small stack; returns (exit status or -signal, seconds,
    peak KiB or None). Peak memory comes from GNU time when it is installed:
    the resource usage Python sees of its own child counts the memory of the
    fork that ran it."""
    measure = os.access(TIME, os.X_OK)
    peak_file = log + ".peak"
    if measure:
        argv = [TIME, "-f", "%M", "-o", peak_file] + argv
    start = time.monotonic()
    with open(log, "wb") as out:
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, preexec_fn=limit_stack)
        try:
            proc.wait(HARD_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            return "timeout", HARD_TIMEOUT, None
    seconds = time.monotonic() - start
    code = proc.returncode
    kib = None
    if measure:
        with open(peak_file) as f:
            lines = f.read().split()
        # GNU time reports a command killed by a signal on a line of its own.
        if lines and lines[-1].isdigit():
            kib = int(lines[-1])
        if "signal" in " ".join(lines):
            code = -int(lines[lines.index("signal") + 1]) if "signal" in lines else -1
    return code, seconds, kib


def run_case(binary, name, body, fm, expect, check_error=None, work=None):
    """Returns (problems, measurements)."""
    content = os.path.join(work, "content")
    shutil.rmtree(content, ignore_errors=True)
    translated = name in TRANSLATED
    os.makedirs(content)
    with open(os.path.join(content, "site.yaml"), "w") as f:
        f.write("default_locale: en\nbase_url: https://policies.example/\ntitle:\n  en: Policies\n" +
                ("  ar: سياسات\n" if translated else ""))
    for locale in ("en", "ar") if translated else ("en",):
        series = os.path.join(content, "policy", locale)
        os.makedirs(series)
        with open(os.path.join(series, "2024-01-01.md"), "w", newline="") as f:
            f.write("---\ntitle: T\nupdated: 2024-01-01\nsummary: s\n---\nThe version before.\n")
        newer = os.path.join(series, "2024-02-01.md")
        with open(newer, "w", encoding="utf-8", newline="") as f:
            f.write(front_matter(fm) + body)
    series = os.path.join(content, "policy", "en")
    newer = os.path.join(series, "2024-02-01.md")
    out = os.path.join(work, "out")
    log = os.path.join(work, "log")
    problems, measured = [], []
    want_error = isinstance(expect, tuple)
    for command, argv, ok in (
            ("build", [binary, "build", "--content", content, "--out", out, "-q", "-j", "2"],
             (1,) if want_error else (0,)),
            ("check", [binary, "check", "--content", content], (1,) if want_error or check_error else (0,)),
            ("diff", [binary, "diff", os.path.join(series, "2024-01-01.md"), newer], (1, 2) if want_error else (1,))):
        code, seconds, kib = run(argv, log)
        measured.append((command, seconds, kib))
        with open(log, encoding="utf-8", errors="replace") as f:
            err = f.read()
        if code not in ok:
            problems.append("%s ended with %s, not %s: %s" % (command, code, " or ".join(map(str, ok)), err[-300:]))
        elif want_error and command != "diff" and not re.search(expect[1], err):
            problems.append("%s did not say /%s/: %s" % (command, expect[1], err[-300:]))
        elif check_error and command == "check" and not re.search(check_error, err):
            problems.append("check did not say /%s/: %s" % (check_error, err[-300:]))
        elif command == "build" and not want_error:
            with open(os.path.join(out, "en", "policy", "2024-02-01", "index.html"), encoding="utf-8") as f:
                text = visible_text(f.read())
            if not re.fullmatch(expect, text):
                problems.append("the page shows %r, not /%s/" % (text[:200], expect[:80]))
            if translated:
                with open(os.path.join(out, "ar", "policy", "2024-02-01", "side-by-side", "index.html"),
                          encoding="utf-8") as f:
                    page = f.read()
                # Both texts, each written out longer than its Markdown.
                if "bilingual-row" not in page or len(page) < 2 * len(body):
                    problems.append("the side-by-side page does not show both texts")
    return problems, measured


# Seconds each case took under AddressSanitizer beside a CPU-bound job
# (build, check and diff together; ninth stop), for --shard: the cases
# are dealt to the shares heaviest first, each to the lightest share so
# far, so that no share holds several of the slow ones. A case not here
# counts as 5 s.
ASAN_SECONDS = {
    "nested inline raw HTML beside its translation": 76,
    "nested emphasis in right-to-left text": 46,
    "tables without control characters": 38,
    "nested inline raw HTML": 30,
    "kramdown attribute lists": 28,
    "nested strong emph": 28,
    "kramdown markdown divs left open": 23,
    "reference collisions": 20,
    "backticks": 19,
    "unclosed <!--": 18,
    "kramdown definitions and references": 16,
    "kramdown abbreviation near misses": 15,
    "kramdown tables of contents": 14,
    "nested block quotes beside their translation": 12,
    "kramdown abbreviations, many": 10,
    "nested raw HTML": 10,
    "pattern [ (]( repeated": 8,
    "Liquid tags shown as text": 7,
    "kramdown markdown divs nested in one block": 7,
    "nested links": 7,
    "mismatched openers and closers": 6,
    "nested block quotes": 6,
    "repeated headings": 6,
    "repeated pinned ids": 6,
    "unclosed links A": 5,
    "link openers and emph closers": 4,
    "many emph openers with no closers": 4,
    "many link openers with no closers": 4,
    "nested brackets": 4,
    "openers and closers multiple of 3": 4,
    "unclosed links B": 4,
    "combining marks": 3,
    "many emph closers with no openers": 3,
    "many link closers with no openers": 3,
    "nested lists and quotes": 3,
    "deeply nested lists": 2,
    "front matter too large": 2,
    "hard link/emph case": 2,
    "U+0000 in input": 1,
    "front matter nested deep": 1,
    "front matter with many keys": 1,
    "pattern ![[]() repeated": 1,
    "tables": 1,
}


def shard_of(names, k, n):
    """The names of share k of n: heaviest first, each to the lightest share
    so far (the lower number on a tie), so the shares take about as long."""
    load = [0] * n
    mine = set()
    for name in sorted(names, key=lambda c: (-ASAN_SECONDS.get(c, 5), c)):
        lightest = min(range(n), key=lambda j: (load[j], j))
        load[lightest] += ASAN_SECONDS.get(name, 5)
        if lightest == k - 1:
            mine.add(name)
    return mine


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("binary")
    parser.add_argument("--tap", action="store_true")
    parser.add_argument("--budget", type=float)
    parser.add_argument("--only")
    parser.add_argument("--shard", help="K/N: the Kth of N shares of the cases, balanced by ASAN_SECONDS")
    parser.add_argument("--growth", action="store_true", help="time build at n, 2n and 4n per class")
    args = parser.parse_args()
    if args.growth:
        work = tempfile.mkdtemp(prefix="pp-growth-")
        try:
            growth(args.binary, work)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        return 0
    cases = {k: v for k, v in CASES.items() if not args.only or args.only in k}
    if args.shard:
        k, n = (int(x) for x in args.shard.split("/"))
        if not 1 <= k <= n:
            parser.error("--shard K/N needs 1 <= K <= N")
        mine = shard_of(cases, k, n)
        cases = {name: case for name, case in cases.items() if name in mine}
    failed = 0
    if args.tap:
        print("1..%d" % len(cases))
    work = tempfile.mkdtemp(prefix="pp-pathological-")
    try:
        for i, (name, case) in enumerate(cases.items(), 1):
            problems, measured = run_case(args.binary, name, *case, work=work)
            if args.budget is not None:
                problems += ["%s took %.1f s, over the %.1f s budget" % (c, s, args.budget)
                             for c, s, _ in measured if s > args.budget]
            figures = ", ".join("%s %.2f s%s" % (c, s, "" if k is None else " %.0f MiB" % (k / 1024))
                                for c, s, k in measured)
            failed += bool(problems)
            if args.tap:
                print("%s %d - %s (%s)" % ("not ok" if problems else "ok", i, name, figures))
                for p in problems:
                    print("# " + p)
            else:
                print("%-40s %s%s" % (name, figures, "" if not problems else "  FAILED"))
                for p in problems:
                    print("    " + p)
            sys.stdout.flush()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if not args.tap:
        print("%d cases, %d failed" % (len(cases), failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
