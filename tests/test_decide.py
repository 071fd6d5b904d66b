"""decide() judges results against the policy, with a tree of reasons."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from rg_testlib import VULNERABLE_APP, GitRepo, check, load_report, releasegate

from releasegate import decide as decide_module
from releasegate.decide import decide
from releasegate.model import (
    CheckResult,
    Confidence,
    Decision,
    Finding,
    PolicyInfo,
    ReleaseInfo,
    Severity,
    Stage,
    Status,
    Verdict,
)
from releasegate.policy.loader import parse_policy
from releasegate.policy.schema import Policy

TODAY = dt.date(2026, 11, 27)
RELEASE = ReleaseInfo(
    repo="/r",
    commit="a" * 40,
    base="b" * 40,
    ref="refs/heads/main",
    base_source="release tag v1",
    commits=1,
    changed_files=("app.py",),
)
TRUSTED = PolicyInfo(
    source="embedded default policy", trusted=True, digest="sha256:x", changed_in_range=False
)


def _finding(
    severity: Severity = Severity.HIGH,
    confidence: Confidence = Confidence.HIGH,
    path: str = "app.py",
    rule: str = "B602",
) -> Finding:
    return Finding(
        tool="bandit",
        rule_id=rule,
        severity=severity,
        confidence=confidence,
        path=path,
        line=7,
        message="subprocess call with shell=True identified, security issue.",
        cwe=(78,),
        fingerprint=f"fp-{path}-{rule}-{severity.value}",
    )


def _static(*findings: Finding, status: Status = Status.PASS) -> CheckResult:
    return CheckResult(id="bandit", stage=Stage.STATIC, status=status, findings=findings)


def _decide(
    *results: CheckResult,
    policy: Policy | None = None,
    release: ReleaseInfo = RELEASE,
    info: PolicyInfo = TRUSTED,
) -> Decision:
    return decide(
        policy=policy or Policy(version=1),
        policy_info=info,
        results=results,
        release=release,
        today=TODAY,
        tool_version="0.1.0",
    )


def test_high_severity_finding_blocks_and_names_finding_and_rule() -> None:
    decision = _decide(_static(_finding()))
    assert decision.verdict is Verdict.BLOCK
    [reason] = decision.reasons
    assert reason.message == "bandit: 1 blocking finding"
    [child] = reason.children
    assert child.finding == "fp-app.py-B602-high"
    assert child.rule is not None and child.rule.startswith("static.block_on[0]")
    assert "B602" in child.message and "app.py:7" in child.message
    [judged] = decision.checks
    assert judged.status is Status.FAIL
    assert judged.findings[0].blocking


def test_medium_finding_under_default_threshold_passes() -> None:
    decision = _decide(_static(_finding(severity=Severity.MEDIUM)))
    assert decision.verdict is Verdict.PASS
    assert decision.checks[0].status is Status.PASS
    assert not decision.checks[0].findings[0].blocking


def test_error_blocks_with_the_cause() -> None:
    result = CheckResult.error("bandit", Stage.STATIC, "bandit: not found")
    decision = _decide(result)
    assert decision.verdict is Verdict.BLOCK
    assert decision.reasons[0].message == "bandit: error: bandit: not found"
    assert decision.checks[0].status is Status.ERROR


def test_no_checks_blocks() -> None:
    decision = _decide()
    assert decision.verdict is Verdict.BLOCK
    assert "no checks ran" in decision.reasons[0].message


def test_only_skipped_checks_block() -> None:
    skipped = CheckResult(id="review", stage=Stage.REVIEW, status=Status.SKIPPED, reasons=("x",))
    assert _decide(skipped).verdict is Verdict.BLOCK


def test_check_reported_failure_blocks() -> None:
    failed = CheckResult(
        id="tests", stage=Stage.FUNCTIONAL, status=Status.FAIL, reasons=("2 tests failed",)
    )
    decision = _decide(failed)
    assert decision.verdict is Verdict.BLOCK
    assert decision.reasons[0].message == "tests: 2 tests failed"


def test_dirty_work_tree_cannot_be_certified() -> None:
    dirty = dataclasses.replace(RELEASE, dirty_files=("app.py",))
    decision = _decide(_static(), release=dirty)
    assert decision.verdict is Verdict.BLOCK
    assert decision.reasons[0].message.startswith("uncommitted changes: cannot certify a release")


def _waiver_policy(expires: str, paths: str = "") -> Policy:
    return parse_policy(
        "version: 1\nwaivers:\n  - id: B602\n"
        f"{paths}    reason: build helper\n    owner: alice\n    expires: {expires}\n",
        "p",
    )


def test_waiver_in_force_waives_the_finding() -> None:
    decision = _decide(_static(_finding()), policy=_waiver_policy("2027-06-01"))
    assert decision.verdict is Verdict.PASS
    finding = decision.checks[0].findings[0]
    assert finding.waived and not finding.blocking
    assert any("waived" in note.message for note in decision.notes)


def test_expired_waiver_blocks_again_and_says_so() -> None:
    decision = _decide(_static(_finding()), policy=_waiver_policy("2026-11-01"))
    assert decision.verdict is Verdict.BLOCK
    child = decision.reasons[0].children[0]
    assert child.children[0].message.endswith("expired on 2026-11-01")
    assert not decision.checks[0].findings[0].waived


def test_waiver_expiring_soon_is_called_out() -> None:
    decision = _decide(_static(_finding()), policy=_waiver_policy("2026-12-05"))
    assert decision.verdict is Verdict.PASS
    assert any("expires on 2026-12-05 (within 14 days)" in n.message for n in decision.notes)


def test_waiver_limited_to_paths_does_not_cover_other_paths() -> None:
    policy = _waiver_policy("2027-06-01", paths="    paths: ['scripts/']\n")
    decision = _decide(_static(_finding(path="app.py")), policy=policy)
    assert decision.verdict is Verdict.BLOCK
    assert any("stale" in n.message for n in decision.notes)


def test_untrusted_and_changed_policy_are_noted() -> None:
    info = PolicyInfo(
        source="x.yml (--config, untrusted)", trusted=False, digest="d", changed_in_range=True
    )
    decision = _decide(_static(), info=info)
    messages = [n.message for n in decision.notes]
    assert any("policy file changed in this range" in m for m in messages)
    assert any("untrusted" in m for m in messages)


def test_path_specific_thresholds() -> None:
    policy = parse_policy(
        "version: 1\nstatic:\n  block_on:\n    - {paths: ['scripts/'], severity: none}\n"
        "    - {paths: ['**'], severity: low}\n",
        "p",
    )
    ok = _decide(_static(_finding(path="scripts/x.py")), policy=policy)
    assert ok.verdict is Verdict.PASS
    low = _decide(_static(_finding(path="app.py", severity=Severity.LOW)), policy=policy)
    assert low.verdict is Verdict.BLOCK


def test_decide_is_pure() -> None:
    results = (_static(_finding()),)
    assert _decide(*results) == _decide(*results)


# --- expiry: `expires: D` is in force through day D in UTC, expired from D+1 ---------------


def test_a_waiver_is_in_force_the_day_before_it_expires() -> None:
    day_before = TODAY + dt.timedelta(days=1)
    decision = _decide(_static(_finding()), policy=_waiver_policy(day_before.isoformat()))
    assert decision.verdict is Verdict.PASS
    assert decision.checks[0].findings[0].waived


def test_a_waiver_is_still_in_force_on_its_expiry_day() -> None:
    decision = _decide(_static(_finding()), policy=_waiver_policy(TODAY.isoformat()))
    assert decision.verdict is Verdict.PASS, [r.message for r in decision.reasons]
    finding = decision.checks[0].findings[0]
    assert finding.waived and not finding.blocking
    assert any(f"expires on {TODAY.isoformat()}" in n.message for n in decision.notes)


def test_a_waiver_is_expired_the_day_after_its_expiry_day() -> None:
    day_after = TODAY - dt.timedelta(days=1)
    decision = _decide(_static(_finding()), policy=_waiver_policy(day_after.isoformat()))
    assert decision.verdict is Verdict.BLOCK
    child = decision.reasons[0].children[0]
    assert child.children[0].message.endswith(f"expired on {day_after.isoformat()}")
    assert child.children[0].rule == "waivers[0].expires"
    assert not decision.checks[0].findings[0].waived


# Zones at both ends of the clock: their local dates are 26 hours apart, so at any
# moment one of them is on another date than UTC (east: after 10:00 UTC the next day;
# west: before 12:00 UTC the day before).
EAST, WEST = "Etc/GMT-14", "Etc/GMT+12"


def _in_zone(zone: str, code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "TZ": zone},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return done.stdout.strip()


def test_today_is_the_utc_date_whatever_the_local_zone() -> None:
    code = (
        "import datetime as dt; from releasegate.policy.schema import utc_today; "
        "print(utc_today(), dt.date.today())"
    )
    before = dt.datetime.now(dt.timezone.utc).date()
    east, west = _in_zone(EAST, code).split(), _in_zone(WEST, code).split()
    if dt.datetime.now(dt.timezone.utc).date() != before:
        pytest.skip("the UTC date changed during the test")
    assert east[0] == west[0] == before.isoformat()
    assert east[1] != west[1]  # the zones really are on different local dates


def test_no_module_takes_today_from_the_local_clock() -> None:
    """Expiry is judged in UTC: every "today" comes from ``utc_today()``."""
    package = Path(decide_module.__file__).parent
    local = re.compile(r"\bdate\.today\(\)|\bdatetime\.now\(\)|\btime\.localtime\(")
    offenders = [
        f"{path.relative_to(package)}:{number}"
        for path in sorted(package.rglob("*.py"))
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1)
        if local.search(line) and "def utc_today" not in line
    ]
    assert offenders == []


def _waiver_repo(repo: GitRepo, expires: dt.date) -> None:
    policy = (
        "version: 1\nwaivers:\n  - id: B602\n    reason: build helper\n    owner: alice\n"
        f"    expires: {expires.isoformat()}\n"
    )
    repo.commit("policy", **{".releasegate.yml": policy})
    repo.tag("v1")
    repo.commit("app", **{"app.py": VULNERABLE_APP})


def _bandit_in_zone(repo: GitRepo, zone: str) -> dict[str, Any]:
    out = repo.root.parent / "report.json"
    done = releasegate(
        "run", "--repo", str(repo.root), "--only", "bandit", "--no-progress", "--no-audit",
        "--json", str(out), env={"TZ": zone},
    )  # fmt: skip
    assert done.returncode in (0, 1), done.stdout + done.stderr
    return load_report(out)


@pytest.mark.slow
def test_a_gate_east_of_utc_keeps_a_waiver_on_its_utc_expiry_day(repo: GitRepo) -> None:
    today = dt.datetime.now(dt.timezone.utc).date()
    _waiver_repo(repo, today)
    report = _bandit_in_zone(repo, EAST)
    if dt.datetime.now(dt.timezone.utc).date() != today:
        pytest.skip("the UTC date changed during the test")
    assert report["decision"] == "partial-pass", report["reasons"]
    [finding] = [f for f in check(report, "bandit")["findings"] if f["rule_id"] == "B602"]
    assert finding["waived"]


@pytest.mark.slow
def test_a_gate_west_of_utc_expires_a_waiver_the_utc_day_after(repo: GitRepo) -> None:
    today = dt.datetime.now(dt.timezone.utc).date()
    yesterday = today - dt.timedelta(days=1)
    _waiver_repo(repo, yesterday)
    report = _bandit_in_zone(repo, WEST)
    if dt.datetime.now(dt.timezone.utc).date() != today:
        pytest.skip("the UTC date changed during the test")
    assert report["decision"] == "block"
    assert f"expired on {yesterday.isoformat()}" in json.dumps(report)
