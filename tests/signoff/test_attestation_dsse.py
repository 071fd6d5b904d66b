"""The signed attestation is a DSSE envelope that ``releasegate verify-attestation``
checks offline against allowed signers, and the VSA predicate the GitHub route attests
(``--vsa-predicate``) is valid against a JSON Schema of the SLSA VSA v1 predicate.

One complete, signed-off, passing gate run per module (and one blocked run) makes the
envelopes; every attack below is a change to a copy of them."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from rg_testlib import VULNERABLE_APP, GitRepo, releasegate
from signoff_helpers import FAST, Key, make_key, sign_off, signoff_repo

from releasegate.procs import ToolRunner
from releasegate.signoff.dsse import (
    PAYLOAD_TYPE,
    Envelope,
    EnvelopeError,
    Signature,
    pae,
    read_vsa,
    verify_envelope,
)
from releasegate.signoff.ssh import unarmor

SCHEMA_PATH = (
    Path(__file__).resolve().parents[1] / "data" / "schemas" / "slsa-vsa-v1.predicate.schema.json"
)


def vsa_predicate_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text("utf-8"))
    return schema


@dataclass(frozen=True)
class Signed:
    repo: GitRepo
    head: str
    gate_key: Key
    alice: Key
    envelope: Path  # --attestation FILE --attestation-key KEY
    predicate: Path  # --vsa-predicate FILE
    outputs: Path  # $GITHUB_OUTPUT
    signers: Path  # allowed signers naming the gate key
    work: Path

    def verify(self, envelope: Path | bytes, *args: str) -> subprocess.CompletedProcess[str]:
        if isinstance(envelope, bytes):
            path = self.work / "candidate.json"
            path.write_bytes(envelope)
            envelope = path
        return releasegate(
            "verify-attestation", str(envelope), "--allowed-signers", str(self.signers), *args
        )

    def document(self) -> dict[str, Any]:
        document: dict[str, Any] = json.loads(self.envelope.read_bytes())
        return document


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory) -> Signed:
    work = tmp_path_factory.mktemp("dsse")
    repo = GitRepo(work / "repo")
    alice = make_key(work / "keys", "alice", "alice@example.com")
    gate_key = make_key(work / "keys", "gate", "gate@ci.example.com")
    head = signoff_repo(repo, alice)
    assert sign_off(repo, alice).returncode == 0
    envelope, predicate, outputs = work / "vsa.json", work / "vsa-predicate.json", work / "out"
    outputs.write_text("", "utf-8")
    done = releasegate(
        "run", "--repo", str(repo.root), "--only", FAST, "--no-progress", "--no-audit",
        "--attestation", str(envelope), "--attestation-key", str(gate_key.path),
        "--vsa-predicate", str(predicate), "--github-output",
        env={"GITHUB_OUTPUT": str(outputs)},
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    signers = work / "allowed_signers"
    signers.write_text(
        f'{gate_key.principal} namespaces="releasegate-attestation" {gate_key.public}\n', "utf-8"
    )
    return Signed(
        repo=repo, head=head, gate_key=gate_key, alice=alice, envelope=envelope,
        predicate=predicate, outputs=outputs, signers=signers, work=work,
    )  # fmt: skip


def ssh_sign(key: Key, data: bytes, namespace: str) -> bytes:
    """The raw SSH signature blob over ``data`` (ssh-keygen -Y sign)."""
    done = subprocess.run(
        ["ssh-keygen", "-Y", "sign", "-n", namespace, "-f", str(key.path)],
        input=data, capture_output=True, check=True,
    )  # fmt: skip
    return unarmor(done.stdout)


def fingerprint(key: Key) -> str:
    done = subprocess.run(
        ["ssh-keygen", "-l", "-E", "sha256", "-f", str(key.pub_path)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return done.stdout.split()[1]


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def with_(document: dict[str, Any], **changes: Any) -> bytes:
    return json.dumps({**document, **changes}).encode("utf-8")


def assert_refused(done: subprocess.CompletedProcess[str], *words: str) -> None:
    assert done.returncode == 2, done.stdout + done.stderr
    [line] = [line for line in done.stderr.splitlines() if line.strip()]
    assert line.startswith("releasegate: error: ") and ".json: " in line, line
    for word in words:
        assert word in line, line


# --- the envelope ---------------------------------------------------------------------------


def test_the_signed_attestation_is_a_dsse_envelope_of_the_statement(signed: Signed) -> None:
    document = signed.document()
    assert set(document) == {"payloadType", "payload", "signatures"}
    assert document["payloadType"] == "application/vnd.in-toto+json"
    [signature] = document["signatures"]
    assert set(signature) == {"keyid", "sig"}
    assert signature["keyid"] == fingerprint(signed.gate_key)
    statement = json.loads(base64.b64decode(document["payload"], validate=True))
    assert statement["_type"] == "https://in-toto.io/Statement/v1"
    assert statement["predicateType"] == "https://slsa.dev/verification_summary/v1"
    assert statement["subject"][0]["digest"] == {"gitCommit": signed.head}
    assert not signed.envelope.with_name("vsa.json.sig").exists()  # no bare signature beside
    # The signature is over the DSSE PAE, in the attestation namespace: ssh-keygen says so.
    payload = base64.b64decode(document["payload"])
    expected = b"DSSEv1 28 application/vnd.in-toto+json %d %s" % (len(payload), payload)
    assert pae(PAYLOAD_TYPE, payload) == expected
    sig = signed.work / "pae.sig"
    sig.write_bytes(
        b"-----BEGIN SSH SIGNATURE-----\n"
        + base64.encodebytes(base64.b64decode(signature["sig"]))
        + b"-----END SSH SIGNATURE-----\n"
    )
    done = subprocess.run(
        ["ssh-keygen", "-Y", "verify", "-f", str(signed.signers), "-I",
         signed.gate_key.principal, "-n", "releasegate-attestation", "-s", str(sig)],
        input=expected, capture_output=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


def test_the_envelope_verifies_offline_and_names_subject_and_result(signed: Signed) -> None:
    done = signed.verify(signed.envelope)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "signature good: gate@ci.example.com" in done.stdout
    assert f"gitCommit:{signed.head}" in done.stdout
    assert "result: PASSED" in done.stdout
    assert signed.verify(signed.envelope, "--commit", signed.head).returncode == 0
    principal = signed.verify(signed.envelope, "--principal", "gate@ci.example.com")
    assert principal.returncode == 0, principal.stderr


def test_it_verifies_where_there_is_no_git_and_says_when_no_commit_was_checked(
    signed: Signed, tmp_path: Path
) -> None:
    # An air-gapped consumer: ssh-keygen on PATH, git not.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    keygen = shutil.which("ssh-keygen")
    assert keygen is not None
    (bin_dir / "ssh-keygen").symlink_to(keygen)
    done = releasegate(
        "verify-attestation",
        str(signed.envelope),
        "--allowed-signers",
        str(signed.signers),
        env={"PATH": str(bin_dir)},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no --commit given, so the subject was not checked" in done.stderr
    checked = signed.verify(signed.envelope, "--commit", signed.head)
    assert "no --commit given" not in checked.stderr


def test_another_commit_or_principal_does_not_pass(signed: Signed) -> None:
    other = signed.verify(signed.envelope, "--commit", "0" * 40)
    assert other.returncode == 1, other.stdout + other.stderr
    assert f"not about commit {'0' * 40}" in other.stderr
    short = signed.verify(signed.envelope, "--commit", signed.head[:12])
    assert_refused(short, "full commit SHA")
    assert_refused(
        signed.verify(signed.envelope, "--principal", "alice@example.com"),
        "no signature by an allowed signer for 'alice@example.com'",
    )


def test_a_flipped_byte_in_the_payload_or_the_signature_fails(signed: Signed) -> None:
    document = signed.document()
    payload = bytearray(base64.b64decode(document["payload"]))
    payload[len(payload) // 2] ^= 0x01
    assert_refused(
        signed.verify(with_(document, payload=b64(bytes(payload)))), "signature 1 does not verify"
    )
    [signature] = document["signatures"]
    for offset in (10, 40, 80):  # inside the signature proper and the SSHSIG header
        sig = bytearray(base64.b64decode(signature["sig"]))
        sig[-offset] ^= 0x01
        tampered = with_(document, signatures=[{**signature, "sig": b64(bytes(sig))}])
        assert_refused(signed.verify(tampered), "signature 1")


def test_no_flipped_byte_anywhere_in_the_file_is_accepted(signed: Signed) -> None:
    data = signed.envelope.read_bytes()
    signers = signed.signers.read_bytes()
    tools = ToolRunner()
    for position in range(0, len(data), max(1, len(data) // 40)):
        tampered = bytearray(data)
        tampered[position] ^= 0x01
        try:
            envelope = Envelope.parse(bytes(tampered))
        except EnvelopeError:
            continue
        checked = verify_envelope(tools, envelope, allowed_signers=signers)
        assert not checked.trusted, f"byte {position} flipped still verifies"


def test_the_wrong_allowed_signers_do_not_verify(signed: Signed) -> None:
    others = signed.work / "other_signers"
    others.write_text(signed.alice.signer_line(), "utf-8")
    done = releasegate("verify-attestation", str(signed.envelope), "--allowed-signers", str(others))
    assert_refused(done, "no signature by an allowed signer", "not in the allowed signers")
    # The gate's key listed only for the sign-off namespace: not for attestations.
    signoff_only = signed.work / "signoff_only_signers"
    signoff_only.write_text(
        f'{signed.gate_key.principal} namespaces="releasegate" {signed.gate_key.public}\n', "utf-8"
    )
    done = releasegate(
        "verify-attestation", str(signed.envelope), "--allowed-signers", str(signoff_only)
    )
    assert_refused(done, "no signature by an allowed signer")


def test_a_principal_pattern_matches_only_the_principal_named(signed: Signed) -> None:
    patterns = signed.work / "pattern_signers"
    patterns.write_text(f"*@ci.example.com {signed.gate_key.public}\n", "utf-8")
    common = ("verify-attestation", str(signed.envelope), "--allowed-signers", str(patterns))
    assert_refused(releasegate(*common), "--principal")
    named = releasegate(*common, "--principal", "gate@ci.example.com")
    assert named.returncode == 0, named.stdout + named.stderr
    assert_refused(releasegate(*common, "--principal", "gate@elsewhere.example.com"), "allowed")


def test_a_signature_of_another_namespace_is_not_replayable(signed: Signed) -> None:
    document = signed.document()
    payload = base64.b64decode(document["payload"])
    keyid = fingerprint(signed.gate_key)
    # The right bytes (the PAE), the right key, a sign-off's namespace.
    for namespace in ("releasegate", "git", "file"):
        replayed = ssh_sign(signed.gate_key, pae(PAYLOAD_TYPE, payload), namespace)
        forged = with_(document, signatures=[{"keyid": keyid, "sig": b64(replayed)}])
        assert_refused(signed.verify(forged), "signature 1 does not verify")
    # A real sign-off signature (alice's git note) replayed, alice trusted for everything.
    note = json.loads(signed.repo.git("notes", "--ref=refs/notes/releasegate", "show", signed.head))
    blob = base64.b64decode(note["signature"])
    if blob.startswith(b"-----BEGIN"):
        blob = unarmor(blob)
    trusting = signed.work / "alice_trusted"
    trusting.write_text(signed.alice.signer_line(), "utf-8")
    replay_file = signed.work / "replayed.json"
    replay_file.write_bytes(with_(document, signatures=[{"sig": b64(blob)}]))
    done = releasegate("verify-attestation", str(replay_file), "--allowed-signers", str(trusting))
    assert_refused(done, "signature 1 does not verify")
    # The bare Statement signed as before (no PAE) does not verify either.
    bare = ssh_sign(signed.gate_key, payload, "releasegate-attestation")
    assert_refused(
        signed.verify(with_(document, signatures=[{"keyid": keyid, "sig": b64(bare)}])),
        "does not verify",
    )


def test_two_signatures_one_bad_is_refused(signed: Signed) -> None:
    document = signed.document()
    [good] = document["signatures"]
    sig = bytearray(base64.b64decode(good["sig"]))
    sig[-12] ^= 0x01
    for order in (
        [good, {**good, "sig": b64(bytes(sig))}],
        [{**good, "sig": b64(bytes(sig))}, good],
    ):
        assert_refused(signed.verify(with_(document, signatures=order)), "does not verify")


def test_a_valid_co_signature_by_an_unknown_key_is_ignored(signed: Signed) -> None:
    document = signed.document()
    payload = base64.b64decode(document["payload"])
    stranger = make_key(signed.work / "keys", "stranger", "stranger@example.com")
    extra = {
        "keyid": fingerprint(stranger),
        "sig": b64(ssh_sign(stranger, pae(PAYLOAD_TYPE, payload), "releasegate-attestation")),
    }
    done = signed.verify(with_(document, signatures=[*document["signatures"], extra]))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "signature 2 ignored" in done.stdout
    alone = signed.verify(with_(document, signatures=[extra]))
    assert_refused(alone, "no signature by an allowed signer")


def test_a_keyid_that_names_another_key_is_refused(signed: Signed) -> None:
    document = signed.document()
    [signature] = document["signatures"]
    lying = {**signature, "keyid": fingerprint(signed.alice)}
    assert_refused(signed.verify(with_(document, signatures=[lying])), "keyid")


def test_a_swapped_payload_type_is_refused_even_when_signed_for_it(signed: Signed) -> None:
    document = signed.document()
    payload = base64.b64decode(document["payload"])
    assert_refused(signed.verify(with_(document, payloadType="application/json")), "payloadType")
    # Signed by the gate key over the PAE of the other type: still not an in-toto envelope.
    other = ssh_sign(signed.gate_key, pae("application/json", payload), "releasegate-attestation")
    forged = with_(
        document,
        payloadType="application/json",
        signatures=[{"keyid": fingerprint(signed.gate_key), "sig": b64(other)}],
    )
    assert_refused(signed.verify(forged), "payloadType")
    # The in-toto type with a signature over the other type's PAE: does not verify.
    mixed = with_(document, signatures=[{"sig": b64(other)}])
    assert_refused(signed.verify(mixed), "does not verify")


@pytest.mark.parametrize(
    ("payload", "words"),
    [
        (b"not json at all", "the payload is not JSON"),
        (b'{"_type": "https://in-toto.io/Statement/v0.1"}', "_type"),
        (b"[1, 2]", "not an in-toto Statement"),
        (
            b'{"_type": "https://in-toto.io/Statement/v1",'
            b' "subject": [{"digest": {"sha256": "ab"}}],'
            b' "predicateType": "https://slsa.dev/provenance/v1", "predicate": {}}',
            "predicateType",
        ),
    ],
)
def test_a_signed_payload_that_is_not_a_vsa_statement_is_refused(
    signed: Signed, payload: bytes, words: str
) -> None:
    sig = ssh_sign(signed.gate_key, pae(PAYLOAD_TYPE, payload), "releasegate-attestation")
    envelope = Envelope(
        payload_type=PAYLOAD_TYPE,
        payload=payload,
        signatures=(Signature(sig=sig, keyid=fingerprint(signed.gate_key)),),
    )
    assert_refused(signed.verify(envelope.to_json()), "signed, but", words)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda d: {**d, "extra": 1}, "exactly payloadType, payload, signatures"),
        (lambda d: {k: v for k, v in d.items() if k != "signatures"}, "exactly"),
        (lambda d: {**d, "signatures": []}, "non-empty"),
        (lambda d: {**d, "payload": d["payload"].rstrip("=") + "!"}, "base64"),
        (lambda d: {**d, "payload": d["payload"][:60] + "\n" + d["payload"][60:]}, "base64"),
        (lambda d: {**d, "payload": " " + d["payload"]}, "base64"),
        (lambda d: {**d, "signatures": [{**d["signatures"][0], "cert": "x"}]}, "sig (and keyid)"),
        (lambda d: {**d, "signatures": [{"keyid": "x"}]}, "sig (and keyid)"),
        (lambda d: {**d, "payloadType": "application/vnd.in-toto+JSON"}, "payloadType"),
    ],
)
def test_a_malformed_envelope_is_refused_with_one_line(
    signed: Signed, change: Any, words: str
) -> None:
    assert_refused(signed.verify(json.dumps(change(signed.document())).encode()), words)


def test_duplicate_keys_and_non_json_envelopes_are_refused(signed: Signed) -> None:
    text = signed.envelope.read_text("utf-8")
    duplicated = text.replace('"payloadType"', '"payloadType": "x", "payloadType"', 1)
    assert_refused(signed.verify(duplicated.encode()), "repeats the key")
    assert_refused(signed.verify(b"\xff\xfe"), "not UTF-8")
    assert_refused(signed.verify(b"-----BEGIN SSH SIGNATURE-----"), "not JSON")
    assert_refused(signed.verify(signed.work / "missing.json"), "cannot read")


def test_a_blocked_release_verifies_but_exits_1(signed: Signed, tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "blocked")
    repo.commit("app", **{"app.py": VULNERABLE_APP})
    envelope = tmp_path / "failed.json"
    done = releasegate(
        "run", "--repo", str(repo.root), "--only", "bandit", "--no-progress", "--no-audit",
        "--attestation", str(envelope), "--attestation-key", str(signed.gate_key.path),
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    checked = signed.verify(envelope)
    assert checked.returncode == 1, checked.stdout + checked.stderr
    assert "result: FAILED (levels: FAILED)" in checked.stdout
    assert "did not pass (FAILED)" in checked.stderr
    statement = read_vsa(base64.b64decode(json.loads(envelope.read_bytes())["payload"]))
    assert statement.result == "FAILED"


# --- the VSA predicate of the GitHub route --------------------------------------------------


def test_the_vsa_predicate_is_valid_slsa_vsa_v1_and_the_statements_predicate(
    signed: Signed,
) -> None:
    predicate = json.loads(signed.predicate.read_text("utf-8"))
    jsonschema.Draft202012Validator(vsa_predicate_schema()).validate(predicate)
    statement = json.loads(base64.b64decode(signed.document()["payload"]))
    assert predicate == statement["predicate"]
    assert predicate["verificationResult"] == "PASSED"
    assert predicate["resourceUri"] == f"git+{signed.repo.root.resolve().as_uri()}@{signed.head}"


def test_the_schema_rejects_what_the_spec_forbids() -> None:
    validator = jsonschema.Draft202012Validator(vsa_predicate_schema())
    good = {
        "verifier": {"id": "https://releasegate.dev/verifier/v1"},
        "timeVerified": "2026-01-02T03:04:05Z",
        "resourceUri": "git+https://example.com/o/r@" + "a" * 40,
        "policy": {"uri": "https://example.com/policy", "digest": {"sha256": "ab"}},
        "verificationResult": "PASSED",
        "verifiedLevels": ["SLSA_BUILD_LEVEL_3", "RELEASEGATE_REVIEWED"],
    }
    assert validator.is_valid(good)
    bad = [
        {k: v for k, v in good.items() if k != "timeVerified"},
        {**good, "verificationResult": "OK"},
        {**good, "verifiedLevels": ["SLSA_CUSTOM"]},
        {**good, "verificationResult": "FAILED"},
        {**good, "verifiedLevels": ["FAILED"]},
        {**good, "policy": {"digest": {"sha256": "ab"}}},
        {**good, "resourceUri": "/tmp/repo@abc"},
        {**good, "timeVerified": "2026-01-02 03:04:05"},
        {**good, "unknownField": 1},
        {**good, "inputAttestations": [{"uri": "https://example.com/a"}]},
    ]
    for document in bad:
        assert not validator.is_valid(document), document
    assert validator.is_valid({**good, "https://releasegate.dev/vsa/stages": {}})


def test_the_github_output_names_the_vsa_predicate(signed: Signed) -> None:
    text = signed.outputs.read_text("utf-8")
    lines = text.splitlines()
    index = next(i for i, line in enumerate(lines) if line.startswith("vsa-predicate-path<<"))
    assert lines[index + 1] == str(signed.predicate)
