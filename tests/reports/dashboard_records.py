"""Release records for the dashboard's tests and bench, made the way a gate run makes
them: a hand-built Decision through ``codec.record_to_json``, sealed like the audit log
seals it, read back with ``codec.record_from_json``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from releasegate.audit import GENESIS, seal
from releasegate.codec import RecordContext, RecordJSON, record_from_json, record_to_json
from releasegate.model import Decision, JSONValue, Mode, Reason, Stage, Status

from .conftest import (
    bandit_evidence,
    bandit_finding,
    decision_of,
    fingerprint,
    judged,
    random_finding,
    release,
    sql_finding,
)

T0 = dt.datetime(2026, 3, 2, 9, 0, 0, tzinfo=dt.timezone.utc)
SOURCE_URL = "https://github.com/acme/shop"


def body(
    decision: Decision,
    *,
    time: dt.datetime = T0,
    waivers: Sequence[Mapping[str, Any]] = (),
    baselined: Sequence[Mapping[str, Any]] = (),
    run_url: str | None = None,
    source_url: str | None = SOURCE_URL,
) -> dict[str, JSONValue]:
    """The unsealed record of ``decision``, as ``gate_record`` writes it."""
    return record_to_json(
        decision,
        RecordContext(
            time=time,
            evidence_digest="sha256:" + "e" * 64,
            who={"user": "ci", "hostname": "runner-1"},
            tool_versions={"releasegate": "0.1.0", "bandit": "1.7.9"},
            waivers=waivers,
            baselined=baselined,
            run_url=run_url,
            source_url=source_url,
        ),
    )


def records(bodies: Sequence[Mapping[str, JSONValue]]) -> list[RecordJSON]:
    """``bodies`` sealed into a chain (seq 1, 2, ...) and read back."""
    out: list[RecordJSON] = []
    prev = GENESIS
    for seq, item in enumerate(bodies, start=1):
        sealed = seal(item, seq=seq, prev=prev)
        prev = str(sealed["digest"])
        out.append(record_from_json(sealed))
    return out


def commit_of(n: int) -> str:
    return fingerprint("commit", n)[:32] + "0" * 8


def gate(
    outcome: str,
    *,
    commit: str,
    ref: str | None = "refs/heads/main",
    mode: Mode = Mode.RELEASE,
    review: Status = Status.PASS,
    signoff: Mapping[str, Any] | None = None,
    pulls: Sequence[Any] | None = None,
    findings: int = 0,
) -> Decision:
    """A Decision of a run on ``commit``: ``outcome`` "pass" or "block" (bandit blocks on
    B602), or "error" (semgrep crashed); ``findings`` extra non-blocking ones."""
    extra = tuple(
        random_finding(line=i + 1, fingerprint=fingerprint("low", i)) for i in range(findings)
    )
    if outcome == "block":
        static = judged(
            "bandit",
            Stage.STATIC,
            Status.FAIL,
            (bandit_finding(), sql_finding(), *extra),
            evidence=bandit_evidence(),
        )
    else:
        static = judged("bandit", Stage.STATIC, Status.PASS, extra, evidence=bandit_evidence())
    checks = [static]
    if outcome == "error":
        checks.append(
            judged(
                "semgrep",
                Stage.STATIC,
                Status.ERROR,
                reasons=(Reason(message="semgrep: error: exited with code 2", blocking=True),),
                raw_status=Status.ERROR,
            )
        )
    checks.append(
        judged(
            "review",
            Stage.REVIEW,
            review,
            reasons=(Reason(message="review: 0 of 1 approvals", blocking=True),)
            if review is Status.FAIL
            else (),
            evidence={"pull_requests": list(pulls or [])},
        )
    )
    if signoff is not None:
        used = dict(signoff)
        checks.append(judged("signoff", Stage.SIGNOFF, Status.PASS, evidence={"used": used}))
    return decision_of(tuple(checks), release_info=release(commit=commit, ref=ref, mode=mode))


def synthetic(n: int, *, start: dt.datetime = T0) -> list[dict[str, JSONValue]]:
    """``n`` realistic unsealed records: commits on main that block once or twice before
    they pass, every fifth commit tagged, pull-request runs between, a sign-off on tags."""
    out: list[dict[str, JSONValue]] = []
    pulls: list[JSONValue] = [
        {
            "number": 12,
            "title": "Harden the payment client",
            "author": "dev",
            "approved": True,
            "approvers": ["rev1", "rev2"],
            "rejected_approvals": [
                {"reviewer": "dev", "reason": "self-approval", "detail": "the author"}
            ],
        }
    ]
    signoff: dict[str, JSONValue] = {
        "route": "ssh",
        "principal": "sec@acme.test",
        "signed_at": "2026-03-01T12:00:00Z",
        "expires": "2026-03-20",
        "statement_digest": "sha256:" + "5" * 64,
        "source": "git notes",
    }
    i = 0
    commit_no = 0
    while len(out) < n:
        commit = commit_of(commit_no)
        tagged = commit_no % 5 == 4
        plan: list[tuple[str, str | None, Mode]] = [
            ("block", "refs/pull/12/merge", Mode.PULL_REQUEST),
            ("block" if commit_no % 3 else "error", "refs/heads/main", Mode.RELEASE),
            ("pass", "refs/heads/main", Mode.RELEASE),
        ]
        if tagged:
            plan.append(("pass", f"refs/tags/v1.{commit_no // 5}.0", Mode.RELEASE))
        for outcome, ref, mode in plan:
            if len(out) >= n:
                break
            out.append(
                body(
                    gate(
                        outcome,
                        commit=commit,
                        ref=ref,
                        mode=mode,
                        pulls=pulls,
                        signoff=signoff if tagged else None,
                        findings=i % 7,
                    ),
                    time=start + dt.timedelta(minutes=17 * i),
                    run_url=f"https://github.com/acme/shop/actions/runs/{1000 + i}",
                )
            )
            i += 1
        commit_no += 1
    return out


def dump(record: RecordJSON) -> dict[str, Any]:
    return record.model_dump(mode="json")
