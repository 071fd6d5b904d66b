"""How many GitHub API requests the review check makes for a release range.

    python bench/review_requests.py [--prs 75] [--commits-per-pr 3] [--page-size 100]
                                    [--no-codeowners] [--json FILE]

It builds a real git repository in a temporary directory: a base commit with
the policy (and a CODEOWNERS file naming a team, unless ``--no-codeowners``),
then ``--prs`` pull requests of ``--commits-per-pr`` commits each by one
author, each merged into main with ``git merge --no-ff`` and approved at its
head by a member of the owning team. With the defaults the range holds
75 x 3 commits + 75 merge commits = 300 commits. The fake GitHub of the tests
(``tests/fakegithub.py``) serves those pull requests over real HTTP on
127.0.0.1 with ``--page-size`` items per page (GitHub's maximum, 100, by default).

Then it runs ``releasegate run --only review --base B --head H --json FILE``
as a user would, and reports the requests the server saw (all, by endpoint,
and whether any distinct request was answered twice), the count the check
itself reports, and what one lookup per commit would have cost. It measures;
it does not assert.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from fakegithub import ALICE, BOB, FakeGitHub, Forge, policy_text
from rg_testlib import GitRepo, check, load_report, releasegate

from releasegate.forge.client import endpoint_of


def build(repo: GitRepo, github: FakeGitHub, prs: int, per_pr: int, codeowners: bool) -> str:
    files = {".releasegate.yml": policy_text(), "README.md": "bench\n"}
    if codeowners:
        files[".github/CODEOWNERS"] = "src/ @o/core\n"
        github.add_team("o", "core", {"bob": "active"})
    repo.commit("initial", **files)
    base = repo.head()
    forge = Forge(repo, github)
    for number in range(1, prs + 1):
        commits = [
            (f"PR {number} step {step}", {f"src/m{number}.py": f"STEP = {step}\n"})
            for step in range(1, per_pr + 1)
        ]
        pull = forge.pull_request(f"Change {number}", ALICE, commits)
        github.review(pull.number, BOB)
    return base


def measure(prs: int, per_pr: int, page_size: int, codeowners: bool) -> dict[str, Any]:
    with (
        tempfile.TemporaryDirectory(prefix="review-bench-") as scratch,
        FakeGitHub(page_size=page_size) as github,
    ):
        root = Path(scratch)
        repo = GitRepo(root / "repo")
        started = time.perf_counter()
        base = build(repo, github, prs, per_pr, codeowners)
        built = time.perf_counter() - started
        commits = len(repo.git("rev-list", f"{base}..HEAD").split())
        out = root / "report.json"
        started = time.perf_counter()
        done = releasegate(
            "run", "--repo", str(repo.root), "--only", "review", "--base", base,
            "--head", repo.head(), "--json", str(out), env=github.env(),
        )  # fmt: skip
        seconds = time.perf_counter() - started
        if done.returncode not in (0, 1) or not out.exists():
            raise SystemExit(f"releasegate failed ({done.returncode}):\n{done.stderr}")
        review = check(load_report(out), "review")
        by_endpoint: dict[str, int] = {}
        for entry in github.requests():
            key = endpoint_of(entry.path)
            by_endpoint[key] = by_endpoint.get(key, 0) + 1
        naive = commits + prs * (3 if codeowners else 2)
        return {
            "commits_in_range": commits,
            "pull_requests": prs,
            "commits_per_pr": per_pr,
            "page_size": page_size,
            "codeowners": codeowners,
            "status": review["status"],
            "requests_seen_by_server": len(github.requests()),
            "requests_reported_by_check": review["evidence"]["requests"],
            "by_endpoint": dict(sorted(by_endpoint.items())),
            "answered_twice": github.answered_twice(),
            "one_lookup_per_commit_would_be": naive,
            "build_seconds": round(built, 2),
            "run_seconds": round(seconds, 2),
        }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--prs", type=int, default=75)
    parser.add_argument("--commits-per-pr", type=int, default=3)
    parser.add_argument("--page-size", type=int, default=100)
    parser.add_argument("--no-codeowners", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the numbers as JSON here")
    args = parser.parse_args(argv)
    result = measure(args.prs, args.commits_per_pr, args.page_size, not args.no_codeowners)
    print(
        f"range: {result['commits_in_range']} commits ({args.prs} PRs x {args.commits_per_pr} "
        f"commits + {args.prs} merge commits); review check: {result['status']}"
    )
    print(f"API requests: {result['requests_seen_by_server']}")
    for endpoint, count in result["by_endpoint"].items():
        print(f"  {endpoint:32} {count}")
    print(f"each distinct request answered once: {not result['answered_twice']}")
    print(f"one lookup per commit would be:  {result['one_lookup_per_commit_would_be']}")
    print(f"releasegate run: {result['run_seconds']} s (repo built in {result['build_seconds']} s)")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
