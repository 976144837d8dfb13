#!/usr/bin/env python3
"""The versions API (versions.json per policy and locale, and at the root)
validated against its JSON Schemas by a real validator (python3-jsonschema,
Draft 2020-12), and its meaning checked: the version in force for each way
the reference date is given (--as-of, SOURCE_DATE_EPOCH, today), upcoming
versions, supersession, hashes equal to the manifest's, translations.

  test-versions-api.py POLICYPRESS SOURCE_ROOT"""
import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile
from xml.etree import ElementTree

import jsonschema

binary, source_root = sys.argv[1], sys.argv[2]
schemas = os.path.join(source_root, "tests", "schemas")
with open(os.path.join(schemas, "versions.schema.json"), encoding="utf-8") as f:
    SERIES = jsonschema.Draft202012Validator(json.load(f), format_checker=jsonschema.FormatChecker())
with open(os.path.join(schemas, "versions-index.schema.json"), encoding="utf-8") as f:
    INDEX = jsonschema.Draft202012Validator(json.load(f), format_checker=jsonschema.FormatChecker())
jsonschema.Draft202012Validator.check_schema(SERIES.schema)
jsonschema.Draft202012Validator.check_schema(INDEX.schema)

work = tempfile.mkdtemp(prefix="pp-versions-")
results = []


def check(name, problems):
    results.append((name, problems))


def build(content, out, *args, env=None):
    run = subprocess.run([binary, "build", "--content", content, "--out", out, "-q", *args],
                         capture_output=True, text=True, env=env)
    if run.returncode != 0:
        raise SystemExit(f"build failed: {run.stderr}")


def load(out, path):
    with open(os.path.join(out, path), encoding="utf-8") as f:
        return json.load(f)


def problems_of(out, as_of):
    """Schema errors and broken promises in every versions.json under out."""
    problems = []
    index = load(out, "versions.json")
    problems += [f"versions.json: {e.message}" for e in INDEX.iter_errors(index)]
    if index["as_of"] != as_of:
        problems.append(f"versions.json says as_of {index['as_of']}, not {as_of}")
    manifest = {(v["policy"], v["locale"], v["date"]): v["sha256"] for v in load(out, "manifest.json")["versions"]}
    for entry in index["policies"]:
        path = f"{entry['locale']}/{entry['policy']}/versions.json"
        series = load(out, path)
        problems += [f"{path}: {e.message}" for e in SERIES.iter_errors(series)]
        versions = series["versions"]
        dates = [v["date"] for v in versions]
        if dates != sorted(dates):
            problems.append(f"{path}: not oldest first")
        in_force = [v for v in versions if v["in_force"]]
        effective = [v for v in versions if v["effective"] <= as_of]
        want = effective[-1]["date"] if effective else None
        if [v["date"] for v in in_force] != ([want] if want else []) or series["in_force"] != want or entry["in_force"] != want:
            problems.append(f"{path}: in force {[v['date'] for v in in_force]} / {series['in_force']}, not {want}")
        for i, v in enumerate(versions):
            # A version applies unless one published after it takes effect
            # on or before its own effective date.
            never = any(w["effective"] <= v["effective"] for w in versions[i + 1:])
            status = ("never" if never else "upcoming" if v["effective"] > as_of
                      else "in_force" if v["date"] == want else "past")
            if v["status"] != status or v["upcoming"] != (status == "upcoming"):
                problems.append(f"{path}: {v['date']} is {v['status']} (upcoming {v['upcoming']}), not {status}")
            if v["supersedes"] != (dates[i - 1] if i else None) or v["superseded_by"] != (dates[i + 1] if i + 1 < len(dates) else None):
                problems.append(f"{path}: {v['date']} supersession is wrong")
            if v["sha256"] != manifest.get((series["policy"], series["locale"], v["date"])):
                problems.append(f"{path}: {v['date']} hash differs from the manifest's")
            if (v["changes_url"] is None) != (i == 0):
                problems.append(f"{path}: {v['date']} changes_url {v['changes_url']}")
            if not os.path.exists(os.path.join(out, v["url"].replace("https://malachite.example/", ""), "index.html")):
                problems.append(f"{path}: {v['url']} is not a page of the site")
            # Replaced on the effective date of the first later version to
            # take effect, once that date has come or if it comes first.
            later = [w["effective"] for w in versions[i + 1:]]
            first = min(later) if later else None
            replaced = first if first and (first <= as_of or first <= v["effective"]) else None
            if v["replaced_on"] != replaced:
                problems.append(f"{path}: {v['date']} replaced_on {v['replaced_on']}, not {replaced}")
            # Every version before the one in force is compared with it.
            url = v["compare_in_force_url"]
            if want and v["date"] < want and url is None:
                problems.append(f"{path}: {v['date']} has no compare_in_force_url")
            if url is not None:
                page = os.path.join(out, url.replace("https://malachite.example/", ""), "index.html")
                ends = (f"/{want}/changes/{v['date']}/", f"/{v['date']}/changes/{want}/")
                if not os.path.exists(page) or not url.endswith(ends):
                    problems.append(f"{path}: {v['date']} compare_in_force_url {url}")
        upcoming = [v["effective"] for v in versions if v["status"] == "upcoming"]
        nxt = min(upcoming) if upcoming else None
        if series["next_effective"] != nxt or entry["next_effective"] != nxt:
            problems.append(f"{path}: next_effective {series['next_effective']} / {entry['next_effective']}, not {nxt}")
        if nxt and (index["next_effective"] is None or index["next_effective"] > nxt):
            problems.append(f"versions.json: next_effective {index['next_effective']} is after {nxt}")
    if index["next_effective"] and index["next_effective"] not in [e["next_effective"] for e in index["policies"]]:
        problems.append(f"versions.json: next_effective {index['next_effective']} is no policy's")
    return problems


try:
    # The bundled content with an upcoming, editorial version: published
    # 2025-01-10, in effect 2025-02-15.
    content = os.path.join(work, "content")
    shutil.copytree(os.path.join(source_root, "content"), content)
    # The bundled content as it first stood (2023-03-14 and 2024-09-01).
    for directory, _, files in os.walk(content):
        for name in files:
            if name.endswith(".md") and name > "2024-09-01.md":
                os.unlink(os.path.join(directory, name))
    with open(os.path.join(content, "privacy/ar/2024-09-01.md"), encoding="utf-8") as f:
        text = f.read()
    upcoming = text.replace("updated: 2024-09-01", "updated: 2025-01-10\neffective: 2025-02-15")
    with open(os.path.join(content, "privacy/ar/2025-01-10.md"), "w", encoding="utf-8") as f:
        f.write(upcoming)
    editorial = text.replace("updated: 2024-09-01", "updated: 2024-10-01\nmaterial: false")
    with open(os.path.join(content, "privacy/ar/2024-10-01.md"), "w", encoding="utf-8") as f:
        f.write(editorial)
    out = os.path.join(work, "out")
    for as_of in ("2023-01-01", "2024-09-01", "2025-01-20", "2025-02-15"):
        # Before anything is published, only a preview shows the versions.
        build(content, out, "--as-of", as_of, *(["--future"] if as_of < "2023-03-14" else []))
        check(f"--as-of {as_of}: schema-valid, in force and upcoming right", problems_of(out, as_of))
    # A version whose 'updated' date is after the reference date is not
    # published yet: no page, no entry in versions.json, the manifest, the
    # sitemap or a feed; build says so and when to build again, check lists
    # it, --future previews it.
    run = subprocess.run([binary, "build", "--content", content, "--out", out, "--as-of", "2025-01-05"],
                         capture_output=True, text=True)
    problems = problems_of(out, "2025-01-05")
    leaks = [name for name in ("ar/privacy/versions.json", "manifest.json", "sitemap.xml", "ar/privacy/feed.xml",
                               "ar/privacy/history/index.html")
             if "2025-01-10" in open(os.path.join(out, name), encoding="utf-8").read()]
    if leaks or os.path.exists(os.path.join(out, "ar/privacy/2025-01-10")):
        problems.append(f"the unpublished version shows in {leaks or 'its page'}")
    if run.returncode != 0 or "policypress: 1 version dated after 2025-01-05 left out until its day (--future previews it)\n" \
            not in run.stderr or not run.stdout.endswith("policypress: next version is published on 2025-01-10: build again that day\n"):
        problems.append(f"build said {run.returncode} {run.stdout!r} {run.stderr!r}")
    run = subprocess.run([binary, "check", "--content", content, "--as-of", "2025-01-05"], capture_output=True, text=True)
    want = ("privacy/ar/2025-01-10.md: warning: not published yet: its 'updated' date is after the reference date "
            "(2025-01-05), so build leaves it out until that day (build --future previews it)\n")
    if run.returncode != 0 or want not in run.stdout.replace(content + "/", ""):
        problems.append(f"check said {run.returncode} {run.stdout!r}")
    build(content, out, "--as-of", "2025-01-05", "--future")
    # A preview shows it, marked as not published on every page that does.
    marked = {}
    for page in ("ar/privacy/2025-01-10/index.html", "ar/privacy/2025-01-10/changes/index.html",
                 "ar/privacy/history/index.html", "ar/privacy/2024-10-01/index.html"):
        path = os.path.join(out, page)
        html = open(path, encoding="utf-8").read() if os.path.exists(path) else ""
        marked[page] = ('class="notice notice-unpublished"' in html) + 2 * ('badge-unpublished' in html)
    if marked != {"ar/privacy/2025-01-10/index.html": 1, "ar/privacy/2025-01-10/changes/index.html": 1,
                  "ar/privacy/history/index.html": 2, "ar/privacy/2024-10-01/index.html": 0}:
        problems.append(f"--future does not show it, marked: {marked}")
    run = subprocess.run([binary, "build", "--content", content, "--out", out, "--as-of", "2020-01-01"],
                         capture_output=True, text=True)
    if run.returncode != 1 or "error: no version is published yet on 2020-01-01" not in run.stderr:
        problems.append(f"nothing published yet: {run.returncode} {run.stderr!r}")
    check("a version dated after the reference date is not published until its day", problems)
    build(content, out, "--as-of", "2025-01-20")
    ar = load(out, "ar/privacy/versions.json")
    en = load(out, "en/privacy/versions.json")
    upcoming_entry = ar["versions"][-1]
    problems = []
    if not (ar["in_force"] == "2024-10-01" and upcoming_entry["date"] == "2025-01-10" and upcoming_entry["upcoming"]
            and upcoming_entry["effective"] == "2025-02-15" and not upcoming_entry["in_force"]):
        problems.append(f"ar: in force {ar['in_force']}, last {upcoming_entry}")
    if [v["material"] for v in ar["versions"]] != [True, True, False, True]:
        problems.append("material flags")
    if [v.get("translates") for v in en["versions"]] != ["2023-03-14", "2024-09-01"] or "translates" in ar["versions"][0]:
        problems.append(f"translates: {[v.get('translates') for v in en['versions']]}")
    check("upcoming and editorial versions, translations", problems)
    # A version overtaken before its date never applies: an app must not ask
    # anyone to accept it. 2025-01-10 takes effect 2025-02-15; 2025-01-20,
    # published after it, takes effect 2025-02-01, first.
    overtaking = text.replace("updated: 2024-09-01", "updated: 2025-01-20\neffective: 2025-02-01")
    with open(os.path.join(content, "privacy/ar/2025-01-20.md"), "w", encoding="utf-8") as f:
        f.write(overtaking)
    build(content, out, "--as-of", "2025-01-25")
    problems = problems_of(out, "2025-01-25")
    ar = load(out, "ar/privacy/versions.json")
    statuses = [(v["date"], v["status"], v["upcoming"]) for v in ar["versions"]]
    if statuses[-2:] != [("2025-01-10", "never", False), ("2025-01-20", "upcoming", True)] or \
            ar["next_effective"] != "2025-02-01" or load(out, "versions.json")["next_effective"] != "2025-02-01":
        problems.append(f"statuses {statuses}, next {ar['next_effective']}")
    run = subprocess.run([binary, "build", "--content", content, "--out", out, "--as-of", "2025-01-25"],
                         capture_output=True, text=True)
    last = run.stdout.splitlines()[-1] if run.stdout else ""
    if last != "policypress: next version takes effect on 2025-02-01 (privacy, ar, published 2025-01-20): build again that day":
        problems.append(f"build's last line: {last!r}")
    run = subprocess.run([binary, "build", "--content", content, "--out", out, "--as-of", "2025-03-01"],
                         capture_output=True, text=True)
    if not run.stdout.endswith("policypress: no version is upcoming after 2025-03-01\n"):
        problems.append(f"build's last line: {run.stdout!r}")
    check("an overtaken version is never upcoming; versions.json and the build's last line name the next date",
          problems)
    os.unlink(os.path.join(content, "privacy/ar/2025-01-20.md"))
    build(content, out, "--as-of", "2025-01-20")
    # A translation takes effect with its original: the English of
    # 2025-01-10 inherits 2025-02-15, so on 2025-01-20 both languages name
    # the same version in force; one published after the original took
    # effect takes effect when published; a different date is an error.
    with open(os.path.join(content, "privacy/en/2024-09-01.md"), encoding="utf-8") as f:
        english = f.read()
    with open(os.path.join(content, "privacy/en/2025-01-10.md"), "w", encoding="utf-8") as f:
        f.write(english.replace("updated: 2024-09-01", "updated: 2025-01-10"))
    build(content, out, "--as-of", "2025-01-20")
    problems = problems_of(out, "2025-01-20")
    en = load(out, "en/privacy/versions.json")
    got = [(v["date"], v["effective"], v["status"]) for v in en["versions"]]
    if got != [("2023-03-14", "2023-03-14", "past"), ("2024-09-01", "2024-09-01", "in_force"),
               ("2025-01-10", "2025-02-15", "upcoming")] or \
            load(out, "ar/privacy/versions.json")["next_effective"] != en["next_effective"]:
        problems.append(f"en versions {got}, next {en['next_effective']}")
    with open(os.path.join(content, "privacy/en/2025-03-01.md"), "w", encoding="utf-8") as f:
        f.write(english.replace("updated: 2024-09-01", "updated: 2025-03-01\ntranslates: 2025-01-10"))
    build(content, out, "--as-of", "2025-03-05")
    problems += problems_of(out, "2025-03-05")
    got = [(v["date"], v["effective"], v["status"]) for v in load(out, "en/privacy/versions.json")["versions"]]
    if got[2:] != [("2025-01-10", "2025-02-15", "past"), ("2025-03-01", "2025-03-01", "in_force")]:
        problems.append(f"en versions {got}")
    with open(os.path.join(content, "privacy/en/2025-01-10.md"), "w", encoding="utf-8") as f:
        f.write(english.replace("updated: 2024-09-01", "updated: 2025-01-10\neffective: 2025-01-10"))
    run = subprocess.run([binary, "check", "--content", content, "--as-of", "2025-01-20"], capture_output=True, text=True)
    want = ("privacy/en/2025-01-10.md:4:12: error: 'effective' is 2025-01-10, but the authoritative version this "
            "translates (2025-01-10) takes effect on 2025-02-15: a translation takes effect with its original, "
            "so write 2025-02-15 or leave 'effective' out\n")
    if run.returncode != 1 or want not in run.stdout.replace(content + "/", ""):
        problems.append(f"check: {run.returncode} {run.stdout}")
    os.unlink(os.path.join(content, "privacy/en/2025-01-10.md"))
    os.unlink(os.path.join(content, "privacy/en/2025-03-01.md"))
    check("a translation takes effect with its original", problems)
    build(content, out, "--as-of", "2025-01-20")
    # The feed announces each version when it is published, with when it
    # takes effect and whether it is material.
    atom = {"a": "http://www.w3.org/2005/Atom", "pp": "urn:policypress"}
    feed = ElementTree.parse(os.path.join(out, "ar/privacy/feed.xml")).getroot()
    entries = {e.find("a:published", atom).text[:10]: e for e in feed.findall("a:entry", atom)}
    problems = []
    for date, effective, term in (("2025-01-10", "2025-02-15", "material"), ("2024-10-01", "2024-10-01", "editorial"),
                                  ("2023-03-14", "2023-03-14", "material")):
        e = entries.get(date)
        if e is None or e.find("pp:effective", atom).text != effective or \
                e.find("a:category[@scheme='urn:policypress:change']", atom).get("term") != term:
            problems.append(f"feed entry {date}")
    # Feed readers ignore pp:effective: a version in effect later says when
    # in its title and summary, in the feed's language.
    later = entries.get("2025-01-10")
    if later is None or "(يدخل حيّز التنفيذ في " not in later.find("a:title", atom).text or \
            "يدخل حيّز التنفيذ في" not in (later.find("a:summary", atom).text or "") or \
            "يدخل" in entries["2024-10-01"].find("a:title", atom).text:
        problems.append("the upcoming entry does not say when it takes effect")
    check("feed entries: published, effective (said in title and summary), material or editorial", problems)
    # The bundled content as it is: an app that recorded 2023-03-14 sends its
    # user to the page of everything that changed since.
    bundled = os.path.join(work, "bundled")
    shutil.copytree(os.path.join(source_root, "content"), bundled)
    build(bundled, out, "--as-of", "2026-12-01")
    problems = problems_of(out, "2026-12-01")
    ar = load(out, "ar/privacy/versions.json")
    urls = [v["compare_in_force_url"] for v in ar["versions"]]
    if urls != ["https://malachite.example/ar/privacy/2025-03-02/changes/2023-03-14/",
                "https://malachite.example/ar/privacy/2025-03-02/changes/2024-09-01/", None,
                "https://malachite.example/ar/privacy/2026-11-16/changes/2025-03-02/"]:
        problems.append(f"compare URLs {urls}")
    if [v["replaced_on"] for v in ar["versions"]] != ["2024-09-01", "2025-03-02", None, None]:
        problems.append(f"replaced_on {[v['replaced_on'] for v in ar['versions']]}")
    check("bundled content: compare and replacement per version", problems)
    # SOURCE_DATE_EPOCH gives the date when --as-of does not; else today in UTC.
    env = dict(os.environ, SOURCE_DATE_EPOCH=str(int(datetime.datetime(2024, 9, 30, 23, 59, tzinfo=datetime.timezone.utc).timestamp())))
    build(content, out, env=env)
    check("SOURCE_DATE_EPOCH gives the reference date", problems_of(out, "2024-09-30"))
    env.pop("SOURCE_DATE_EPOCH")
    build(content, out, env=env)
    today = datetime.datetime.now(datetime.timezone.utc).date().isoformat()
    check("without either, today in UTC", problems_of(out, today))
    run = subprocess.run([binary, "build", "--content", content, "--out", out, "--as-of", "2025-02-30"],
                         capture_output=True, text=True)
    check("a bad --as-of is refused",
          [] if run.returncode == 2 and run.stderr == "policypress: --as-of takes a date written YYYY-MM-DD, not '2025-02-30'\n"
          else [f"exit {run.returncode}: {run.stderr}"])
    # Without a base URL, URLs are relative to the site's root, and still valid.
    with open(os.path.join(content, "site.yaml"), encoding="utf-8") as f:
        settings = f.read()
    with open(os.path.join(content, "site.yaml"), "w", encoding="utf-8") as f:
        f.write("\n".join(l for l in settings.splitlines() if not l.startswith("base_url")) + "\n")
    build(content, out, "--as-of", "2025-01-20")
    problems = problems_of(out, "2025-01-20")
    if load(out, "en/privacy/versions.json")["versions"][0]["url"] != "en/privacy/2023-03-14/":
        problems.append("relative URL")
    check("without a base URL: relative URLs, schema-valid", problems)
    # The validator is not a formality: a document without a hash fails.
    broken = dict(en)
    broken["versions"] = [dict(en["versions"][0])]
    del broken["versions"][0]["sha256"]
    check("the schema refuses a version without its hash",
          [] if list(SERIES.iter_errors(broken)) else ["accepted"])
finally:
    shutil.rmtree(work, ignore_errors=True)

print(f"1..{len(results)}")
for i, (name, problems) in enumerate(results, 1):
    print(f"{'not ok' if problems else 'ok'} {i} - {name}")
    for p in problems[:10]:
        print(f"# {p}")
sys.exit(1 if any(p for _, p in results) else 0)
