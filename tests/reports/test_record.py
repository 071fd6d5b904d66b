"""The release record: one codec shape for the audit log, the records ref and the dashboard.

A record is written from a Decision and read back strictly; its id is the digest of
its body, so an edited record is refused; the published schema describes exactly what
is written; a format-1 audit line still reads, as a record that says less.
"""

from __future__ import annotations

import datetime as dt
import json
from importlib import resources
from typing import Any

import jsonschema
import pytest

from releasegate import codec
from releasegate.audit import gate_record, run_url, seal
from releasegate.codec import CodecError, record_from_json, record_schema
from releasegate.model import Decision, JSONValue, Severity, Stage, Status, Verdict

from .conftest import HOSTILE_MESSAGE, bandit_finding, decision_of, judged

TIME = dt.datetime(2026, 12, 2, 17, 30, 5, tzinfo=dt.timezone.utc)
WHO = {"user": "ci", "hostname": "runner-1"}
CI = {
    "GITHUB_SERVER_URL": "https://github.com",
    "GITHUB_REPOSITORY": "acme/shop",
    "GITHUB_RUN_ID": "4242",
    "GITHUB_RUN_ATTEMPT": "1",
}
WAIVER: dict[str, JSONValue] = {
    "index": 0,
    "id": "B608",
    "package": None,
    "paths": ["src/shop/orders.py"],
    "owner": "appsec@acme.test",
    "reason": "parameterised in the driver",
    "expires": "2026-12-10",
}
PULLS: list[JSONValue] = [
    {
        "number": 7,
        "title": "Pay with <script>alert(1)</script>",
        "author": "dev",
        "approved": True,
        "approvers": ["rev1"],
        "rejected_approvals": [
            {"reviewer": "dev", "reason": "self-approval", "detail": "the author", "review_id": 1}
        ],
    }
]
SIGNOFF_USED: dict[str, JSONValue] = {
    "route": "ssh",
    "principal": "sec@acme.test",
    "signed_at": "2026-12-02T17:00:00Z",
    "expires": "2026-12-09",
    "statement_digest": "sha256:" + "5" * 64,
    "source": "git notes",
}


def _decision(block_decision: Decision) -> Decision:
    review = judged(
        "review", Stage.REVIEW, Status.PASS, evidence={"pull_requests": PULLS}, duration=0.2
    )
    signoff = judged("signoff", Stage.SIGNOFF, Status.PASS, evidence={"used": SIGNOFF_USED})
    return decision_of((block_decision.checks[0], review, signoff))


def _record(decision: Decision, **extra: Any) -> dict[str, Any]:
    body = gate_record(
        decision,
        evidence_digest="sha256:" + "e" * 64,
        time=TIME,
        who=WHO,
        waivers=[WAIVER],
        environ=CI,
        source_url="https://github.com/acme/shop",
        **extra,
    )
    return json.loads(json.dumps(body, allow_nan=False))  # type: ignore[no-any-return]


def test_a_record_reads_back_as_written_and_says_what_the_release_manager_asks(
    block_decision: Decision,
) -> None:
    decision = _decision(block_decision)
    written = _record(decision, suppressed=2)
    record = record_from_json(written)
    assert record.decision is Verdict.BLOCK
    assert record.commit == decision.release.commit
    assert record.ref == "refs/tags/v2.4.0"
    assert record.stages == {
        Stage.STATIC: Status.FAIL,
        Stage.REVIEW: Status.PASS,
        Stage.SIGNOFF: Status.PASS,
    }
    assert record.reasons == [r.message for r in decision.blocking_reasons]
    assert record.reason_tree[0].children[0].finding == bandit_finding().fingerprint
    assert record.counts.blocking == 1
    assert record.counts.by_severity[Severity.HIGH] == 1
    assert record.counts.by_state.model_dump() == {
        "new": 1,  # B602; the SQL and the random findings are in the baseline
        "baselined": 2,
        "waived": 0,
        "suppressed": 2,
    }
    assert record.findings[0].blocking  # blocking findings first
    assert record.waivers[0].owner == "appsec@acme.test"
    assert record.waivers[0].expires == dt.date(2026, 12, 10)
    pull = record.pull_requests[0]
    assert (pull.number, pull.approvers, pull.rejected[0].reason) == (7, ["rev1"], "self-approval")
    assert record.signoff is not None
    assert (record.signoff.signer, record.signoff.expires) == ("sec@acme.test", "2026-12-09")
    assert record.run_url == "https://github.com/acme/shop/actions/runs/4242"
    assert record.time == TIME
    # The same record, sealed by a container, still reads, with the same id.
    sealed = seal(written, seq=1, prev="sha256:" + "0" * 64)
    assert record_from_json(sealed).id == record.id


def test_the_id_is_the_body_so_an_edited_record_is_refused(block_decision: Decision) -> None:
    written = _record(_decision(block_decision))
    written["decision"] = "pass"
    with pytest.raises(CodecError, match=r"at id: .* is not the digest of its body"):
        record_from_json(written)


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"decision": "allowed"}, "decision"),
        ({"surprise": 1}, "surprise"),
        ({"commits": "17"}, "commits"),
        ({"format": "releasegate-record/9"}, "format"),
    ],
)
def test_reading_a_record_is_strict(
    block_decision: Decision, change: dict[str, object], where: str
) -> None:
    written = {**_record(_decision(block_decision)), **change}
    with pytest.raises(CodecError, match=f"not a release record: at {where}"):
        record_from_json(written)


def test_findings_in_a_record_are_capped_and_counted(block_decision: Decision) -> None:
    many = tuple(
        bandit_finding(line=n, fingerprint=f"{n:032x}", blocking=n % 2 == 0) for n in range(250)
    )
    decision = decision_of((judged("bandit", Stage.STATIC, Status.FAIL, many),))
    record = record_from_json(_record(decision))
    assert len(record.findings) == codec.MAX_RECORD_FINDINGS
    assert record.findings_omitted == 250 - codec.MAX_RECORD_FINDINGS
    assert all(f.blocking for f in record.findings[:125])
    assert record.counts.findings == 250


def test_hostile_text_survives_the_round_trip_unchanged(block_decision: Decision) -> None:
    finding = bandit_finding(message=HOSTILE_MESSAGE + "\udcff")
    decision = decision_of((judged("bandit", Stage.STATIC, Status.FAIL, (finding,)),))
    written = _record(decision)
    assert record_from_json(written).findings[0].message == HOSTILE_MESSAGE + "\ufffd"


def test_the_published_record_schema_describes_what_is_written(block_decision: Decision) -> None:
    published = json.loads(
        resources.files("releasegate.data").joinpath("record.schema.json").read_text("utf-8")
    )
    assert published == record_schema(), (
        "regenerate: python3 -c 'import json; from releasegate.codec import record_schema; "
        "print(json.dumps(record_schema(), indent=2))' > releasegate/data/record.schema.json"
    )
    written = _record(_decision(block_decision))
    jsonschema.validate(written, published)
    jsonschema.validate(seal(written, seq=3, prev="sha256:" + "0" * 64), published)
    broken = {**written, "decision": "ship-it"}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, published)


def test_a_format_1_audit_line_reads_as_a_record_that_says_less() -> None:
    legacy: dict[str, JSONValue] = {
        "format": "releasegate-audit/1",
        "kind": "gate-decision",
        "time": "2026-01-02T03:04:05Z",
        "decision": "block",
        "scope": {"complete": True, "not_run": []},
        "reasons": ["bandit: 1 blocking finding"],
        "commit": "c" * 40,
        "base": "d" * 40,
        "ref": None,
        "mode": "release",
        "repo": "/srv/shop",
        "policy": {"source": "embedded default", "digest": "sha256:" + "1" * 64, "trusted": True},
        "evidence_digest": "sha256:" + "2" * 64,
        "signoff": None,
        "checks": [{"id": "bandit", "status": "fail"}, {"id": "review", "status": "pass"}],
        "tool_versions": {"releasegate": "0.1.0"},
        "who": {"user": "me", "hostname": "box"},
    }
    sealed = seal(legacy, seq=1, prev="sha256:" + "0" * 64)
    record = record_from_json(sealed)
    assert record.decision is Verdict.BLOCK
    assert [(c.id, c.stage) for c in record.checks] == [
        ("bandit", Stage.STATIC),
        ("review", Stage.REVIEW),
    ]
    assert record.seq == 1 and record.digest == sealed["digest"]
    assert record.id == record_from_json(seal(legacy, seq=5, prev="x")).id  # seal-independent


def test_the_run_url_names_the_attempt_after_a_rerun() -> None:
    assert run_url({}) is None
    assert run_url({**CI, "GITHUB_RUN_ATTEMPT": "2"}).endswith("/runs/4242/attempts/2")  # type: ignore[union-attr]


def test_two_runs_with_the_same_results_in_the_same_second_are_two_records(
    block_decision: Decision,
) -> None:
    # Each run draws a nonce: the records ref keeps both (it deduplicates by id).
    first, second = _record(_decision(block_decision)), _record(_decision(block_decision))
    assert first["time"] == second["time"]
    assert first["nonce"] != second["nonce"] and len(first["nonce"]) == 32
    assert first["id"] != second["id"]
