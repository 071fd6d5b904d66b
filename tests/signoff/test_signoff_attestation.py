"""The verification attestation (in-toto Statement v1, SLSA VSA predicate) and the
evidence pack, through the installed CLI."""

from __future__ import annotations

import base64
import json
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from rg_testlib import VULNERABLE_APP, GitRepo, load_report, releasegate
from signoff_helpers import FAST, Key, make_key, sign_off, signoff_repo

# An in-toto Statement v1 (https://github.com/in-toto/attestation/blob/main/spec/v1/statement.md)
# with the required fields of the SLSA Verification Summary predicate v1.
VSA_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["_type", "subject", "predicateType", "predicate"],
    "properties": {
        "_type": {"const": "https://in-toto.io/Statement/v1"},
        "subject": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["name", "digest"],
                "properties": {
                    "name": {"type": "string"},
                    "digest": {
                        "type": "object",
                        "minProperties": 1,
                        "additionalProperties": {"type": "string", "pattern": "^[0-9a-f]+$"},
                    },
                },
            },
        },
        "predicateType": {"const": "https://slsa.dev/verification_summary/v1"},
        "predicate": {
            "type": "object",
            "required": [
                "verifier",
                "timeVerified",
                "resourceUri",
                "policy",
                "verificationResult",
                "verifiedLevels",
            ],
            "properties": {
                "verifier": {
                    "type": "object",
                    "required": ["id"],
                    "properties": {"id": {"type": "string", "format": "uri"}},
                },
                "timeVerified": {
                    "type": "string",
                    "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$",
                },
                "resourceUri": {"type": "string", "minLength": 1},
                "policy": {
                    "type": "object",
                    "required": ["uri"],
                    "properties": {
                        "uri": {"type": "string"},
                        "digest": {"type": "object", "minProperties": 1},
                    },
                },
                "inputAttestations": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["digest"],
                        "properties": {"uri": {"type": "string"}, "digest": {"type": "object"}},
                    },
                },
                "verificationResult": {"enum": ["PASSED", "FAILED"]},
                "verifiedLevels": {
                    "type": "array",
                    # SLSA's own levels, FAILED, or custom values that do not start with SLSA_
                    "items": {
                        "type": "string",
                        "pattern": r"^(FAILED|SLSA_[A-Z]+_LEVEL_[0-4]|(?!SLSA_)[A-Z][A-Z0-9_]*)$",
                    },
                },
                "slsaVersion": {"type": "string", "pattern": r"^\d+\.\d+$"},
            },
        },
    },
}


@pytest.fixture
def alice(tmp_path: Path) -> Key:
    return make_key(tmp_path / "keys", "alice", "alice@example.com")


@pytest.fixture
def gate_key(tmp_path: Path) -> Key:
    return make_key(tmp_path / "keys", "gate", "gate@ci.example.com")


def ssh_verify(signers: Key, namespace: str, signature: Path, data: Path) -> None:
    allowed = signature.parent / "verify_signers"
    allowed.write_text(signers.signer_line(), "utf-8")
    with data.open("rb") as stdin:
        done = subprocess.run(
            [
                "ssh-keygen", "-Y", "verify", "-f", str(allowed), "-I", signers.principal,
                "-n", namespace, "-s", str(signature),
            ],
            stdin=stdin, capture_output=True, text=True, check=False,
        )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert f'Good "{namespace}" signature for {signers.principal}' in done.stdout


def test_the_attestation_is_a_signed_vsa_statement(
    repo: GitRepo, alice: Key, gate_key: Key, tmp_path: Path
) -> None:
    head = signoff_repo(repo, alice)
    assert sign_off(repo, alice).returncode == 0
    attestation = tmp_path / "out" / "vsa.json"
    report = tmp_path / "report.json"
    done = releasegate(
        "run", "--repo", str(repo.root), "--only", FAST, "--no-progress", "--no-audit",
        "--json", str(report), "--attestation", str(attestation),
        "--attestation-key", str(gate_key.path),
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    envelope = json.loads(attestation.read_text("utf-8"))
    assert envelope["payloadType"] == "application/vnd.in-toto+json"
    document = json.loads(base64.b64decode(envelope["payload"], validate=True))
    jsonschema.validate(document, VSA_SCHEMA)
    predicate = document["predicate"]
    assert document["subject"] == [
        {"name": f"git+{repo.root.resolve().as_uri()}@{head}", "digest": {"gitCommit": head}}
    ]
    assert predicate["resourceUri"] == f"git+{repo.root.resolve().as_uri()}@{head}"
    assert predicate["verificationResult"] == "PASSED"
    assert predicate["verifiedLevels"] == ["RELEASEGATE_STATIC_ANALYSED", "RELEASEGATE_SIGNED_OFF"]
    assert predicate["slsaVersion"] == "1.0"
    gate = load_report(report)
    assert "sha256:" + predicate["policy"]["digest"]["sha256"] == gate["policy"]["digest"]
    base = gate["release"]["base"]
    assert (
        predicate["policy"]["uri"] == f"git+{repo.root.resolve().as_uri()}@{base}#.releasegate.yml"
    )
    [signoff_input] = predicate["inputAttestations"]
    used = next(c for c in gate["checks"] if c["id"] == "signoff")["evidence"]["used"]
    assert "sha256:" + signoff_input["digest"]["sha256"] == used["statement_digest"]
    assert signoff_input["uri"] == f"git+notes:refs/notes/releasegate@{head}"
    assert not attestation.with_name("vsa.json.sig").exists()
    signers = tmp_path / "gate_signers"
    signers.write_text(gate_key.signer_line(), "utf-8")
    verified = releasegate(
        "verify-attestation", str(attestation), "--allowed-signers", str(signers),
        "--commit", head,
    )  # fmt: skip
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_a_blocked_release_attests_failed(repo: GitRepo, tmp_path: Path) -> None:
    repo.commit("app", **{"app.py": VULNERABLE_APP})
    attestation = tmp_path / "vsa.json"
    done = releasegate(
        "run", "--repo", str(repo.root), "--only", "bandit", "--no-progress", "--no-audit",
        "--attestation", str(attestation),
    )  # fmt: skip
    assert done.returncode == 1
    document = json.loads(attestation.read_text("utf-8"))
    jsonschema.validate(document, VSA_SCHEMA)
    schema = Path(__file__).parents[1] / "data" / "schemas" / "slsa-vsa-v1.predicate.schema.json"
    jsonschema.validate(document["predicate"], json.loads(schema.read_text("utf-8")))
    assert document["predicate"]["verificationResult"] == "FAILED"
    assert document["predicate"]["verifiedLevels"] == ["FAILED"]
    assert document["predicate"]["https://releasegate.dev/vsa/stages"] == {"static": "failed"}
    assert document["predicate"]["policy"]["uri"].startswith("releasegate:embedded-default-policy")


def test_the_attestation_never_carries_credentials_of_the_remote(
    repo: GitRepo, tmp_path: Path
) -> None:
    repo.commit("app", **{"app.py": "X = 1\n"})
    repo.git("remote", "add", "origin", "https://user:s3cret@git.example.com/o/r.git")
    attestation = tmp_path / "vsa.json"
    releasegate(
        "run", "--repo", str(repo.root), "--only", "bandit", "--no-progress", "--no-audit",
        "--attestation", str(attestation),
    )  # fmt: skip
    text = attestation.read_text("utf-8")
    assert "s3cret" not in text
    assert f'"git+https://git.example.com/o/r.git@{repo.head()}"' in text


def test_the_evidence_pack_holds_what_an_auditor_asks_for(
    repo: GitRepo, alice: Key, gate_key: Key, tmp_path: Path
) -> None:
    head = signoff_repo(repo, alice)
    assert sign_off(repo, alice).returncode == 0
    log = tmp_path / "audit.jsonl"
    common = ("--repo", str(repo.root), "--only", FAST, "--audit-log", str(log))
    assert releasegate("run", "--no-progress", *common).returncode == 0
    out = tmp_path / "pack"
    done = releasegate(
        "evidence", "--out", str(out), *common, "--attestation-key", str(gate_key.path)
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "attestation.json",
        "audit-excerpt.jsonl",
        "index.md",
        "report.json",
        "report.sarif",
        "signoff-statement.json",
        "signoff-statement.json.sig",
        "signoff.json",
        "summary.md",
    ]
    report = load_report(out / "report.json")
    assert report["decision"] == "pass"
    excerpt = [json.loads(line) for line in (out / "audit-excerpt.jsonl").read_text().splitlines()]
    assert [r["seq"] for r in excerpt] == [1, 2] and {r["commit"] for r in excerpt} == {head}
    assert releasegate("audit", "verify", "--audit-log", str(log)).returncode == 0
    index = (out / "index.md").read_text("utf-8")
    assert "**Verdict:** PASS" in index
    assert f"`{head}`" in index
    assert f"`{report['policy']['digest']}`" in index
    assert "alice" in index
    for name in ("report.json", "signoff.json", "attestation.json", "audit-excerpt.jsonl"):
        assert f"| `{name}` |" in index
    ssh_verify(
        alice, "releasegate", out / "signoff-statement.json.sig", out / "signoff-statement.json"
    )
    signers = tmp_path / "gate_signers"
    signers.write_text(gate_key.signer_line(), "utf-8")
    verified = releasegate(
        "verify-attestation", str(out / "attestation.json"), "--allowed-signers", str(signers),
        "--commit", head,
    )  # fmt: skip
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "DSSE envelope" in index
    again = releasegate("evidence", "--out", str(out), *common)
    assert again.returncode == 2 and "not empty" in again.stderr
