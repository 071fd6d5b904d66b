"""Day-one verdicts: the default policy on real, clean, mature libraries.

    python bench/day_one.py [--advisory-db DIR] [--json FILE] [NAME=GIT_URL ...]

For each repository (default: five widely used libraries on GitHub; give
``NAME=URL`` pairs, e.g. local mirrors, to judge others) it makes a full clone
(all history and tags) under ``bench/.cache/dayone/NAME``, then runs what a new
user runs first::

    releasegate run --repo CLONE --only static,dependencies \
        --advisory-db DIR --no-audit --no-progress --json OUT

with no ``.releasegate.yml`` of ours (the project's own, if it had one, would
govern; none of the defaults has one) at the default branch's head. It prints,
per repository, the decision, the range's base and how it was chosen, and every
blocking item (check, rule, location, the first line of its message), so each
can be judged by hand; ``--json`` writes the same as data. It measures; it never
asserts. Exit 0 unless a run could not be made (exit 2, with the cause).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
CACHE = REPO_ROOT / "bench" / ".cache" / "dayone"
DEFAULT_DB = REPO_ROOT / "tests" / "data" / "advisory-db" / "pypa"
DEFAULT_REPOS = {
    "requests": "https://github.com/psf/requests",
    "httpx": "https://github.com/encode/httpx",
    "flask": "https://github.com/pallets/flask",
    "click": "https://github.com/pallets/click",
    "attrs": "https://github.com/python-attrs/attrs",
}


def _git(*args: str, cwd: Path | None = None) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"day_one: git {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout


def _clone(name: str, url: str) -> Path:
    target = CACHE / name
    if target.exists():
        shutil.rmtree(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    _git("clone", "--quiet", "--no-local", url, str(target))
    return target


def _findings(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {**finding, "check": check["id"]}
        for check in report.get("checks", [])
        for finding in check.get("findings", [])
    ]


def _blocking(report: dict[str, Any]) -> list[dict[str, str]]:
    items: list[dict[str, str]] = []
    for check in report.get("checks", []):
        if check.get("status") == "error":
            items.append(
                {
                    "check": check["id"],
                    "rule": "(check error)",
                    "where": "",
                    "message": (check.get("reasons") or [""])[0].splitlines()[0],
                }
            )
    for finding in _findings(report):
        if not finding.get("blocking"):
            continue
        where = finding.get("path") or ""
        if finding.get("line"):
            where += f":{finding['line']}"
        items.append(
            {
                "check": finding["check"],
                "rule": finding.get("rule_id", ""),
                "where": where,
                "message": (finding.get("message") or "").splitlines()[0][:160],
            }
        )
    return items


def _judge(name: str, clone: Path, db: Path) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="dayone-") as scratch:
        out = Path(scratch) / "report.json"
        env = dict(os.environ, RELEASEGATE_CACHE_DIR=str(Path(scratch) / "cache"))
        done = subprocess.run(
            [
                sys.executable, "-m", "releasegate", "run", "--repo", str(clone),
                "--only", "static,dependencies", "--advisory-db", str(db),
                "--no-audit", "--no-progress", "--json", str(out),
            ],
            capture_output=True, text=True, env=env, check=False,
        )  # fmt: skip
        if done.returncode not in (0, 1) or not out.exists():
            raise SystemExit(
                f"day_one: {name}: releasegate exited {done.returncode}: "
                f"{done.stderr.strip()[-2000:]}"
            )
        report = json.loads(out.read_text(encoding="utf-8"))
    release = report.get("release", {})
    return {
        "name": name,
        "head": release.get("commit", ""),
        "base": release.get("base", ""),
        "base_source": release.get("base_source", ""),
        "decision": report.get("decision"),
        "exit": done.returncode,
        "commits": int(_git("rev-list", "--count", "HEAD", cwd=clone).strip()),
        "tags": len(_git("tag", cwd=clone).split()),
        "blocking": _blocking(report),
        "findings": len(_findings(report)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repos", nargs="*", metavar="NAME=GIT_URL")
    parser.add_argument("--advisory-db", type=Path, default=DEFAULT_DB)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    repos = dict(DEFAULT_REPOS)
    if args.repos:
        repos = dict(item.split("=", 1) for item in args.repos)
    results = [_judge(name, _clone(name, url), args.advisory_db) for name, url in repos.items()]
    for result in results:
        print(
            f"\n{result['name']}: {result['decision']} (exit {result['exit']}), "
            f"{len(result['blocking'])} blocking of {result['findings']} findings; "
            f"{result['commits']} commits, {result['tags']} tags; "
            f"base {result['base'][:12]} ({result['base_source']})"
        )
        for item in result["blocking"]:
            print(f"  - {item['check']} {item['rule']} {item['where']}: {item['message']}")
    total = sum(len(result["blocking"]) for result in results)
    print(f"\n{total} blocking items over {len(results)} repositories")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
