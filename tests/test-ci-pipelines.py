#!/usr/bin/env python3
"""The shipped CI pipelines publish on a schedule as well as on pushes, so an
upcoming version becomes the one in force on its day without anyone pushing
(GitHub: a daily `schedule:` whose runs deploy; GitLab: the default branch's
rules, which a pipeline schedule's runs meet, and the schedule documented).
Both check against the live manifest before they build. Both install a
release's Debian package when one is named (its SHA-256 checked first, the
job stopped on a mismatch), else build from source; their install scripts
are run with stand-ins for apt-get, curl, git and meson that record what
they are asked. Read with PyYAML.

  test-ci-pipelines.py SOURCE_ROOT"""
import hashlib
import os
import re
import subprocess
import sys
import tempfile

import yaml

root = sys.argv[1]
results = []


def check(name, problems):
    results.append((name, problems))


def load(name):
    with open(os.path.join(root, "build-aux", "ci", name), encoding="utf-8") as f:
        text = f.read()
    return text, yaml.safe_load(text)


def daily(cron):
    """Whether a five-field cron expression fires once every day."""
    fields = cron.split()
    return len(fields) == 5 and fields[0].isdigit() and fields[1].isdigit() and fields[2:] == ["*", "*", "*"]


def github_runs(condition, event):
    """Evaluates the `if:` forms the workflow uses for one event name."""
    if condition is None:
        return True
    m = re.fullmatch(r"github\.event_name\s*(==|!=)\s*'([a-z_]+)'", condition.strip())
    if not m:
        raise SystemExit(f"unexpected condition {condition!r}")
    return (event == m.group(2)) == (m.group(1) == "==")


text, workflow = load("github-pages.yml")
triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads the key on as true
problems = []
crons = [entry.get("cron", "") for entry in (triggers.get("schedule") or [])]
if not any(daily(c) for c in crons):
    problems.append(f"no daily schedule: {crons}")
jobs = workflow["jobs"]
for event in ("schedule", "push"):
    if not github_runs(jobs["deploy"].get("if"), event):
        problems.append(f"deploy does not run on {event}")
    upload = [s for s in jobs["check"]["steps"] if "upload-pages-artifact" in s.get("uses", "")]
    if not upload or not github_runs(upload[0].get("if"), event):
        problems.append(f"the site is not uploaded on {event}")
if github_runs(jobs["deploy"].get("if"), "pull_request"):
    problems.append("a pull request deploys")
steps = " ".join(s.get("run", "") for s in jobs["check"]["steps"])
if "check" not in steps or "--published live-manifest.json" not in steps:
    problems.append("no check against the live manifest before the build")
check("GitHub: rebuilt and deployed daily as on pushes; pull requests only checked", problems)

text, pipeline = load("gitlab-ci.yml")
problems = []
pages = pipeline["pages"]


def gitlab_runs(job, variables):
    for rule in job.get("rules", []):
        m = re.fullmatch(r"\$(\w+)\s*==\s*(?:\$(\w+)|\"([^\"]*)\")", rule["if"].strip())
        if not m:
            raise SystemExit(f"unexpected rule {rule['if']!r}")
        left = variables.get(m.group(1))
        right = variables.get(m.group(2)) if m.group(2) else m.group(3)
        if left is not None and left == right:
            return rule.get("when", "on_success") != "never"
    return False


scheduled = {"CI_PIPELINE_SOURCE": "schedule", "CI_COMMIT_BRANCH": "main", "CI_DEFAULT_BRANCH": "main"}
pushed = dict(scheduled, CI_PIPELINE_SOURCE="push")
request = {"CI_PIPELINE_SOURCE": "merge_request_event", "CI_DEFAULT_BRANCH": "main"}
if not gitlab_runs(pages, scheduled) or not gitlab_runs(pages, pushed):
    problems.append("pages does not run for the default branch's scheduled and pushed pipelines")
if gitlab_runs(pages, request) or not gitlab_runs(pipeline["check"], request):
    problems.append("merge requests publish, or are not checked")
if not re.search(r"Pipeline schedules.*\n.*\d+ \d+ \* \* \*", text):
    problems.append("the daily pipeline schedule is not documented")
if "--published live-manifest.json" not in " ".join(pipeline[".policypress"]["before_script"]):
    problems.append("no check against the live manifest before the build")
check("GitLab: pages published by the daily schedule's pipelines as by pushes", problems)


STUBS = {
    "apt-get": 'echo "apt-get $*" >> "$LOG"',
    "git": 'echo "git $*" >> "$LOG"; if [ "$1" = clone ]; then mkdir -p "$3/build-aux"; '
           'printf \'#!/bin/sh\\necho setup >> "$LOG"\\n\' > "$3/build-aux/setup"; chmod +x "$3/build-aux/setup"; fi',
    "meson": 'echo "meson $*" >> "$LOG"',
    # curl -fsSL -o FILE URL, for file:// URLs
    "curl": 'echo "curl $*" >> "$LOG"; cp "${4#file://}" "$3"',
}


def run_install(script, variables):
    """Runs an install script as CI would (bash -e), with stand-ins; returns
    its exit status and what the stand-ins were asked, in order."""
    with tempfile.TemporaryDirectory() as work:
        bin_dir = os.path.join(work, "bin")
        os.mkdir(bin_dir)
        for name, body in STUBS.items():
            with open(os.path.join(bin_dir, name), "w") as f:
                f.write("#!/bin/sh\n" + body + "\n")
            os.chmod(os.path.join(bin_dir, name), 0o755)
        script = script.replace("/opt/policypress", os.path.join(work, "policypress"))
        script = script.replace("/tmp/policypress.deb", os.path.join(work, "downloaded.deb"))
        log = os.path.join(work, "log")
        env = dict(os.environ, PATH=bin_dir + ":" + os.environ["PATH"], LOG=log, **variables)
        rc = subprocess.run(["bash", "-eo", "pipefail", "-c", script], env=env, capture_output=True).returncode
        lines = open(log).read().splitlines() if os.path.exists(log) else []
        return rc, [line.replace(work, "WORK") for line in lines]


def install_cases(name, script):
    problems = []
    with tempfile.NamedTemporaryFile(suffix=".deb") as deb:
        deb.write(b"a package")
        deb.flush()
        digest = hashlib.sha256(b"a package").hexdigest()
        package = {"POLICYPRESS_DEB_URL": "file://" + deb.name, "POLICYPRESS_DEB_SHA256": digest,
                   "POLICYPRESS_GIT": "https://example.org/policypress.git", "POLICYPRESS_REF": "v0.1.0"}
        rc, asked = run_install(script, package)
        if rc != 0 or "apt-get install -y --no-install-recommends WORK/downloaded.deb" not in asked or \
                any(a.startswith(("git clone", "meson")) for a in asked):
            problems.append(f"{name}: with a package: exit {rc}, {asked}")
        rc, asked = run_install(script, dict(package, POLICYPRESS_DEB_SHA256="0" * 64))
        if rc == 0 or any("downloaded.deb" in a and a.startswith("apt-get") for a in asked):
            problems.append(f"{name}: a package with another SHA-256 was installed: exit {rc}, {asked}")
        rc, asked = run_install(script, dict(package, POLICYPRESS_DEB_URL="", POLICYPRESS_DEB_SHA256=""))
        wanted = ["git clone https://example.org/policypress.git WORK/policypress",
                  "git -C WORK/policypress checkout v0.1.0", "setup", "meson install -C WORK/policypress/build"]
        if rc != 0 or [a for a in asked if not a.startswith(("apt-get", "curl"))] != wanted:
            problems.append(f"{name}: without a package: exit {rc}, {asked}")
    return problems


github_step = next(s for s in workflow["jobs"]["check"]["steps"] if s.get("name") == "Install policypress")
github_script = github_step["run"]
for key, value in (github_step.get("env") or {}).items():
    if value != "${{ vars.%s }}" % key:
        raise SystemExit(f"unexpected env {key}: {value!r}")
gitlab_script = "\n".join(line for line in pipeline[".policypress"]["before_script"]
                          if "check --content" not in line and "fetch-live-manifest" not in line)
problems = install_cases("GitHub", github_script) + install_cases("GitLab", gitlab_script)
for name, steps in (("GitHub", steps), ("GitLab", " ".join(pipeline[".policypress"]["before_script"]))):
    if "policypress-fetch-live-manifest" not in steps:
        problems.append(f"{name}: the live manifest is not fetched with the installed script")
check("a release's package installed when named and its SHA-256 matches, else built from source", problems)

print(f"1..{len(results)}")
for i, (name, problems) in enumerate(results, 1):
    print(f"{'not ok' if problems else 'ok'} {i} - {name}")
    for p in problems:
        print(f"# {p}")
sys.exit(1 if any(p for _, p in results) else 0)
