#!/usr/bin/env python3
"""The shipped CI pipelines publish on a schedule as well as on pushes, so an
upcoming version becomes the one in force on its day without anyone pushing
(GitHub: a daily `schedule:` whose runs deploy; GitLab: the default branch's
rules, which a pipeline schedule's runs meet, and the schedule documented).
Both check against the live manifest before they build. Read with PyYAML.

  test-ci-pipelines.py SOURCE_ROOT"""
import os
import re
import sys

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

print(f"1..{len(results)}")
for i, (name, problems) in enumerate(results, 1):
    print(f"{'not ok' if problems else 'ok'} {i} - {name}")
    for p in problems:
        print(f"# {p}")
sys.exit(1 if any(p for _, p in results) else 0)
