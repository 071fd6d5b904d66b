"""The verification attestation: an in-toto Statement v1 with a SLSA Verification
Summary (VSA, ``https://slsa.dev/verification_summary/v1``) predicate.

The subject is the judged commit; ``verificationResult`` is PASSED when the
gate passed. ``verifiedLevels`` names releasegate's own levels (custom values,
never starting with ``SLSA_``) for the stages whose checks all passed:
``RELEASEGATE_STATIC_ANALYSED``, ``RELEASEGATE_DEPENDENCIES_AUDITED``,
``RELEASEGATE_REVIEWED``, ``RELEASEGATE_FUNCTIONAL_TESTED``,
``RELEASEGATE_PERFORMANCE_TESTED``, ``RELEASEGATE_STABILITY_TESTED``,
``RELEASEGATE_SIGNED_OFF``; when the gate blocked it is ``["FAILED"]`` as the
VSA specification says, and the per-stage account stays in the extension
field ``https://releasegate.dev/vsa/stages``. Pure: the CLI writes and signs it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from releasegate import __version__
from releasegate.canonical import hex_of
from releasegate.model import STAGES, Decision, JSONValue, Stage, Status, Verdict

STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
VSA_PREDICATE_TYPE = "https://slsa.dev/verification_summary/v1"
VERIFIER_ID = "https://releasegate.dev/verifier/v1"
STAGES_FIELD = "https://releasegate.dev/vsa/stages"
EVIDENCE_FIELD = "https://releasegate.dev/vsa/evidence"

STAGE_LEVELS: dict[Stage, str] = {
    stage: info.vsa_level for stage, info in STAGES.items() if info.vsa_level is not None
}


def stage_results(decision: Decision) -> dict[str, str]:
    """Each stage that ran: ``passed`` when every check of it that ran passed."""
    results: dict[str, str] = {}
    for stage in Stage:
        ran = [c for c in decision.checks if c.stage is stage and c.status is not Status.SKIPPED]
        if ran:
            passed = all(c.status is Status.PASS for c in ran)
            results[stage.value] = "passed" if passed else "failed"
    return results


def verified_levels(decision: Decision) -> list[str]:
    if decision.verdict is not Verdict.PASS:
        return ["FAILED"]
    passed = stage_results(decision)
    return [level for stage, level in STAGE_LEVELS.items() if passed.get(stage.value) == "passed"]


def _digest_set(digest: str) -> dict[str, JSONValue]:
    algorithm, _, value = digest.partition(":")
    return {algorithm: value} if value else {"sha256": hex_of(digest)}


def build_vsa(
    decision: Decision,
    *,
    resource_uri: str,
    policy_uri: str,
    evidence_digest: str,
    time_verified: dt.datetime,
    input_attestations: Sequence[tuple[str, str]] = (),
) -> dict[str, JSONValue]:
    """The attestation for ``decision``. ``input_attestations``: (uri, sha256 digest)."""
    commit = decision.release.commit
    inputs: list[JSONValue] = [
        {"uri": uri, "digest": _digest_set(digest)} for uri, digest in input_attestations
    ]
    stages: dict[str, JSONValue] = dict(stage_results(decision))
    return {
        "_type": STATEMENT_TYPE,
        "subject": [{"name": resource_uri, "digest": {"gitCommit": commit}}],
        "predicateType": VSA_PREDICATE_TYPE,
        "predicate": {
            "verifier": {"id": VERIFIER_ID, "version": {"releasegate": __version__}},
            "timeVerified": time_verified.astimezone(dt.timezone.utc).strftime(
                "%Y-%m-%dT%H:%M:%SZ"
            ),
            "resourceUri": resource_uri,
            "policy": {"uri": policy_uri, "digest": _digest_set(decision.policy.digest)},
            "inputAttestations": inputs,
            "verificationResult": "PASSED" if decision.verdict is Verdict.PASS else "FAILED",
            "verifiedLevels": list(verified_levels(decision)),
            "slsaVersion": "1.0",
            STAGES_FIELD: stages,
            EVIDENCE_FIELD: _digest_set(evidence_digest),
        },
    }
