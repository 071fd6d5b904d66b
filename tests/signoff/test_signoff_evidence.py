"""The evidence digest and the sign-off statement, as plain functions."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest

from releasegate.canonical import canonical_bytes, digest_of
from releasegate.decide import StaticInputs
from releasegate.evidence import describe_changes, summarise
from releasegate.model import (
    CheckResult,
    Confidence,
    Finding,
    JSONValue,
    Mode,
    Severity,
    Stage,
    Status,
)
from releasegate.policy.loader import parse_policy
from releasegate.signoff.ssh import armor
from releasegate.signoff.statement import SignedSignoff, SignoffFormatError, SignoffStatement

TODAY = dt.date(2026, 3, 1)
POLICY = parse_policy(
    "version: 1\nwaivers:\n"
    "  - id: B101\n    reason: tests\n    owner: a@example.com\n    expires: 2026-02-01\n"
    "  - id: B602\n    reason: constant\n    owner: b@example.com\n    expires: 2026-12-31\n",
    "policy",
)


def finding(rule: str, fingerprint: str, severity: Severity = Severity.HIGH) -> Finding:
    return Finding(
        tool="bandit",
        rule_id=rule,
        severity=severity,
        confidence=Confidence.HIGH,
        path="app.py",
        line=3,
        message="something",
        fingerprint=fingerprint,
    )


def results(*findings: Finding, seconds: float = 1.0) -> list[CheckResult]:
    return [
        CheckResult(
            id="bandit",
            stage=Stage.STATIC,
            status=Status.PASS,
            findings=findings,
            evidence={"bandit_version": "1.7.9", "tmp": "/tmp/xyz"},
            duration_seconds=seconds,
        ),
        CheckResult(id="signoff", stage=Stage.SIGNOFF, status=Status.FAIL, reasons=("x",)),
    ]


def summary(checks: list[CheckResult], **overrides: object) -> dict[str, object]:
    arguments: dict[str, object] = {
        "commit": "a" * 40,
        "base": "b" * 40,
        "mode": Mode.RELEASE,
        "policy_digest": "sha256:" + "c" * 64,
        "policy": POLICY,
        "results": checks,
        "static": StaticInputs(),
        "today": TODAY,
    }
    arguments.update(overrides)
    evidence = summarise(**arguments)  # type: ignore[arg-type]
    return {"digest": evidence.digest, "data": dict(evidence.data)}


def test_same_evidence_same_digest_whatever_the_noise() -> None:
    one = summary(results(finding("B602", "f1"), finding("B105", "f2"), seconds=1.0))
    other = summary(
        list(reversed(results(finding("B105", "f2"), finding("B602", "f1"), seconds=9)))
    )
    assert one == other
    assert "tmp" not in json.dumps(one["data"])  # evidence free text never enters the digest
    assert "signoff" not in json.dumps(one["data"]["checks"])  # type: ignore[index]


def test_only_waivers_in_force_count() -> None:
    data = summary(results())["data"]
    assert [w["id"] for w in data["waivers"]] == ["B602"]  # type: ignore[index]


def test_each_element_of_the_evidence_changes_the_digest() -> None:
    base = summary(results(finding("B602", "f1")))["digest"]
    assert summary(results(finding("B602", "f1", Severity.LOW)))["digest"] != base
    assert summary(results(finding("B602", "f9")))["digest"] != base
    assert summary(results(finding("B602", "f1")), commit="d" * 40)["digest"] != base
    assert summary(results(finding("B602", "f1")), mode=Mode.PULL_REQUEST)["digest"] != base
    assert summary(results(finding("B602", "f1")), today=dt.date(2027, 1, 1))["digest"] != base
    failed = [dataclasses.replace(results(finding("B602", "f1"))[0], status=Status.ERROR)]
    assert summary(failed)["digest"] != base


def test_changes_name_the_new_finding_and_the_status_change() -> None:
    old = summary(results(finding("B602", "f1")))["data"]
    new_results = results(finding("B602", "f1"), finding("B105", "f2"))
    new_results[0] = dataclasses.replace(new_results[0], status=Status.ERROR)
    new = summary(new_results)["data"]
    changes = describe_changes(old, new)  # type: ignore[arg-type]
    assert changes == [
        "new finding B105 (bandit, high, check bandit) fingerprint f2",
        "check bandit: pass -> error",
    ]


def statement() -> SignoffStatement:
    evidence: dict[str, JSONValue] = {"version": 1, "commit": "a" * 40}
    return SignoffStatement(
        commit="a" * 40,
        evidence_digest=digest_of(evidence),
        principal="alice@example.com",
        key="SHA256:abc",
        signed_at="2026-03-01T10:00:00Z",
        expires=dt.date(2026, 3, 15),
        comment="ok",
        policy_digest="sha256:" + "c" * 64,
        verdict_without_signoff="pass",
        evidence=evidence,
    )


def envelope(raw_statement: object) -> bytes:
    document = {
        "format": "releasegate-signoff/1",
        "statement": raw_statement,
        "signature": "c2lnbmF0dXJl",
    }
    return json.dumps(document).encode()


def test_a_statement_round_trips_through_its_envelope() -> None:
    original = statement()
    signed = SignedSignoff(
        statement=original, payload=original.canonical(), signature=armor(b"signature")
    )
    parsed = SignedSignoff.parse(signed.envelope().encode())
    assert parsed.statement == original
    assert parsed.payload == original.canonical() == canonical_bytes(original.to_json())
    assert parsed.digest == signed.digest


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s: s.update(predicateType="https://example.com/other"), "predicateType"),
        (lambda s: s["predicate"]["evidence"].update(commit="b" * 40), "does not match"),
        (lambda s: s["subject"].pop(), "exactly two subjects"),
        (lambda s: s["predicate"]["signer"].update(principal="a\nb"), "control characters"),
        (lambda s: s["predicate"].update(expires="soon"), "not a date"),
    ],
)
def test_a_malformed_statement_is_refused(change: object, message: str) -> None:
    raw = statement().to_json()
    change(raw)  # type: ignore[operator]
    with pytest.raises(SignoffFormatError, match=message):
        SignedSignoff.parse(envelope(raw))
