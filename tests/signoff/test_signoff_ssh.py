"""The SSH sign-off end to end: real ``ssh-keygen`` keys, real git repositories, the
installed CLI. Each test proves one rule of issue 7's acceptance list."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import pytest
from rg_testlib import VULNERABLE_APP, GitRepo, releasegate
from signoff_helpers import (
    SIGNERS_PATH,
    Key,
    flip_signature_byte,
    gate,
    make_key,
    note,
    policy_text,
    sign_off,
    signoff_repo,
)

from releasegate.signoff.ssh import sign
from releasegate.signoff.statement import SignedSignoff, SignoffStatement


@pytest.fixture
def alice(tmp_path: Path) -> Key:
    return make_key(tmp_path / "keys", "alice", "alice@example.com")


@pytest.fixture
def mallory(tmp_path: Path) -> Key:
    return make_key(tmp_path / "keys", "mallory", "mallory@example.com")


# --- 1. everything green but no sign-off --------------------------------------------------


def test_green_release_without_signoff_is_blocked(repo: GitRepo, alice: Key) -> None:
    signoff_repo(repo, alice)
    run = gate(repo, only="static,signoff")
    assert run.done.returncode == 1
    assert all(c["status"] == "pass" for c in run.report["checks"] if c["id"] != "signoff")
    assert run.signoff["status"] == "fail"
    assert any(r.startswith("security sign-off missing") for r in run.reasons)
    assert any("security sign-off missing" in r for r in run.report["reasons"])
    # sign-off runs after the other checks and never reads as "not supported"
    assert not any("not supported" in r for r in run.report["reasons"])


# --- 2. a signature by an allowed key passes; an unknown key or altered bytes do not --------


def test_signoff_by_an_allowed_key_at_head_passes(repo: GitRepo, alice: Key) -> None:
    head = signoff_repo(repo, alice)
    done = sign_off(repo, alice, "--comment", "reviewed the new parser")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "warning" not in done.stderr
    envelope = note(repo)
    statement = envelope["statement"]
    assert statement["_type"] == "https://in-toto.io/Statement/v1"
    assert statement["subject"][0] == {"name": f"git+commit:{head}", "digest": {"gitCommit": head}}
    assert statement["subject"][1]["name"] == "releasegate-evidence"
    predicate = statement["predicate"]
    assert predicate["signer"]["principal"] == "alice@example.com"
    assert predicate["comment"] == "reviewed the new parser"
    assert predicate["verdict_without_signoff"] == "pass"
    run = gate(repo)
    assert run.done.returncode == 0, run.done.stdout
    assert run.signoff["status"] == "pass"
    used = run.signoff["evidence"]["used"]
    assert used["principal"] == "alice@example.com"
    assert used["route"] == "ssh"
    assert used["signed_evidence_digest"] == run.signoff["evidence"]["evidence_digest"]


def test_signoff_by_a_key_not_in_allowed_signers_is_an_unknown_signer(
    repo: GitRepo, alice: Key, mallory: Key
) -> None:
    signoff_repo(repo, alice)
    assert sign_off(repo, mallory).returncode == 0  # signing works; it does not count
    run = gate(repo)
    assert run.blocked
    [reason] = run.reasons
    assert reason.startswith("unknown signer: mallory@example.com")
    assert SIGNERS_PATH in reason


def test_a_known_key_claiming_another_principal_is_an_unknown_signer(
    repo: GitRepo, alice: Key
) -> None:
    signoff_repo(repo, alice)
    assert sign_off(repo, alice, "--principal", "ciso@example.com").returncode == 0
    run = gate(repo)
    [reason] = run.reasons
    assert reason.startswith("unknown signer: ciso@example.com")
    assert "alice@example.com" in reason  # the principal the key really belongs to


def test_altered_signature_bytes_are_a_bad_signature(
    repo: GitRepo, alice: Key, tmp_path: Path
) -> None:
    signoff_repo(repo, alice)
    assert sign_off(repo, alice).returncode == 0
    altered = tmp_path / "altered.json"
    altered.write_text(json.dumps(flip_signature_byte(note(repo))), "utf-8")
    run = gate(repo, "--signoff", str(altered))
    assert run.blocked
    [reason] = run.reasons
    assert reason.startswith("bad signature")


def test_an_edited_statement_is_a_bad_signature(repo: GitRepo, alice: Key, tmp_path: Path) -> None:
    signoff_repo(repo, alice)
    assert sign_off(repo, alice, "--days", "1").returncode == 0
    envelope = note(repo)
    envelope["statement"]["predicate"]["expires"] = "2999-12-31"  # a longer validity, unsigned
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(envelope), "utf-8")
    [reason] = gate(repo, "--signoff", str(edited)).reasons
    assert reason.startswith("bad signature")


def test_a_signoff_file_is_read_back(repo: GitRepo, alice: Key, tmp_path: Path) -> None:
    signoff_repo(repo, alice)
    out = tmp_path / "signoff.json"
    done = sign_off(repo, alice, "--output", str(out), "--no-note")
    assert done.returncode == 0, done.stderr
    assert repo.git("notes", "--ref=refs/notes/releasegate", "list") == ""
    assert gate(repo).blocked  # no note
    run = gate(repo, "--signoff", str(out))
    assert run.done.returncode == 0, run.reasons
    assert run.signoff["evidence"]["used"]["source"] == f"file {out}"


# --- 3. stale: a commit added after the sign-off; a new finding with the same commit -------


def test_a_commit_added_after_the_signoff_is_stale(repo: GitRepo, alice: Key) -> None:
    signed = signoff_repo(repo, alice)
    assert sign_off(repo, alice).returncode == 0
    head = repo.commit("one more", **{"feature.py": "def double(x):\n    return x + x\n"})
    [reason] = gate(repo).reasons
    assert reason == (
        f"stale: signed for commit {signed[:12]}, releasing {head[:12]} "
        "(commits were added after the sign-off)"
    )
    # the statement itself names the commit, whatever note or file carries it
    out = repo.root.parent / "old.json"
    out.write_text(json.dumps(note(repo, signed)), "utf-8")
    [reason] = gate(repo, "--signoff", str(out)).reasons
    assert reason == f"stale: signed for commit {signed[:12]}, releasing {head[:12]}"


ADVISORY = """id: {id}
details: {details}
affected:
- package:
    name: examplelib
    ecosystem: PyPI
  ranges:
  - type: ECOSYSTEM
    events:
    - introduced: '0'
    - fixed: '{fixed}'
modified: '2024-01-01T00:00:00Z'
"""


def test_a_new_advisory_after_the_signoff_makes_the_evidence_stale(
    repo: GitRepo, alice: Key, tmp_path: Path
) -> None:
    """Same commit, new evidence: the offline advisory database learns of a vulnerability
    in a pinned dependency after the reviewer signed."""
    db = tmp_path / "advisories" / "vulns" / "examplelib"
    db.mkdir(parents=True)
    (db / "PYSEC-2099-1.yaml").write_text(
        ADVISORY.format(id="PYSEC-2099-1", details="fixed long ago", fixed="0.5"), "utf-8"
    )
    repo.commit(
        "base",
        **{
            ".releasegate.yml": policy_text().replace("dependencies:\n  required: false\n", ""),
            SIGNERS_PATH: alice.signer_line(),
            "requirements.txt": "examplelib==0.1.0\n",
        },
    )
    repo.tag("v1")
    head = repo.commit("upgrade", **{"requirements.txt": "examplelib==1.0.0\n"})
    only = "dependencies,signoff"
    offline = ("--advisory-db", str(tmp_path / "advisories"))
    done = sign_off(repo, alice, *offline, only=only)
    assert done.returncode == 0, done.stdout + done.stderr
    passed = gate(repo, *offline, only=only)
    assert passed.done.returncode == 0, passed.report["reasons"]
    (db / "PYSEC-2099-7.yaml").write_text(
        ADVISORY.format(id="PYSEC-2099-7", details="found after the review", fixed="1.1"),
        "utf-8",
    )
    run = gate(repo, *offline, only=only)
    assert run.report["release"]["commit"] == head
    [reason] = run.reasons
    assert reason.startswith("stale: evidence changed: ")
    assert "new finding PYSEC-2099-7" in reason
    [finding] = [f for f in run.report["checks"][0]["findings"] if f["rule_id"] == "PYSEC-2099-7"]
    assert finding["fingerprint"] in reason
    assert "new finding PYSEC-2099-7" in run.signoff["evidence"]["routes"][0]["evidence_changes"][0]


# --- 4. expired ------------------------------------------------------------------------------


def test_an_expired_signoff_is_blocked(repo: GitRepo, alice: Key, tmp_path: Path) -> None:
    """A sign-off made a year ago for this commit and evidence, valid for a week."""
    signoff_repo(repo, alice)
    fresh = tmp_path / "fresh.json"
    assert sign_off(repo, alice, "--output", str(fresh), "--no-note").returncode == 0
    statement = SignedSignoff.parse(fresh.read_bytes()).statement
    year_ago = dt.date.today() - dt.timedelta(days=365)
    old: SignoffStatement = dataclasses.replace(
        statement, signed_at=f"{year_ago.isoformat()}T10:00:00Z", expires=year_ago
    )
    payload = old.canonical()
    signed = SignedSignoff(statement=old, payload=payload, signature=sign(alice.path, payload))
    expired = tmp_path / "expired.json"
    expired.write_text(signed.envelope(), "utf-8")
    [reason] = gate(repo, "--signoff", str(expired)).reasons
    assert reason == f"expired on {year_ago.isoformat()}"


# Zones at both ends of the clock (26 hours apart): at any moment one of them is on
# another date than UTC. A gate that took "today" from the local clock would, east of
# UTC after 10:00 UTC, expire a sign-off on its expiry day, and, west of UTC before
# 12:00 UTC, accept one on the day after.
EAST, WEST = "Etc/GMT-14", "Etc/GMT+12"


@pytest.mark.parametrize(
    ("days_left", "zone", "valid"),
    [(1, EAST, True), (0, EAST, True), (-1, WEST, False)],
    ids=["the-day-before", "the-expiry-day", "the-day-after"],
)
def test_a_signoff_is_valid_through_its_expiry_day_in_utc(
    repo: GitRepo, alice: Key, tmp_path: Path, *, days_left: int, zone: str, valid: bool
) -> None:
    signoff_repo(repo, alice)
    fresh = tmp_path / "fresh.json"
    assert sign_off(repo, alice, "--output", str(fresh), "--no-note").returncode == 0
    statement = SignedSignoff.parse(fresh.read_bytes()).statement
    today = dt.datetime.now(dt.timezone.utc).date()
    expires = today + dt.timedelta(days=days_left)
    resigned: SignoffStatement = dataclasses.replace(
        statement,
        signed_at=f"{(today - dt.timedelta(days=1)).isoformat()}T00:00:00Z",
        expires=expires,
    )
    payload = resigned.canonical()
    signed = SignedSignoff(statement=resigned, payload=payload, signature=sign(alice.path, payload))
    envelope = tmp_path / "signoff.json"
    envelope.write_text(signed.envelope(), "utf-8")
    run = gate(repo, "--signoff", str(envelope), env={"TZ": zone})
    if dt.datetime.now(dt.timezone.utc).date() != today:
        pytest.skip("the UTC date changed during the test")
    if valid:
        assert run.signoff["status"] == "pass", run.reasons
        assert run.done.returncode == 0
        assert run.signoff["evidence"]["used"]["expires"] == expires.isoformat()
    else:
        assert run.blocked
        assert run.reasons == [f"expired on {expires.isoformat()}"]


def test_signoff_refuses_an_expiry_in_the_past(repo: GitRepo, alice: Key) -> None:
    signoff_repo(repo, alice)
    done = sign_off(repo, alice, "--expires", "2001-01-01")
    assert done.returncode == 2
    assert "in the past" in done.stderr


# --- 5. the base's allowed_signers governs ----------------------------------------------------


def test_a_key_added_to_allowed_signers_in_the_range_cannot_sign_it(
    repo: GitRepo, alice: Key, mallory: Key
) -> None:
    signoff_repo(repo, alice)
    repo.commit("trust me", **{SIGNERS_PATH: alice.signer_line() + mallory.signer_line()})
    assert sign_off(repo, mallory).returncode == 0
    run = gate(repo)
    assert run.blocked
    assert run.reasons[0] == (
        f"needs security sign-off: the allowed signers file {SIGNERS_PATH} changed in this range"
    )
    assert run.reasons[1].startswith("unknown signer: mallory@example.com")
    # a key the base trusts can sign the change
    assert sign_off(repo, alice).returncode == 0
    passed = gate(repo)
    assert passed.done.returncode == 0, passed.reasons
    assert passed.signoff["evidence"]["requires_signoff"] == [
        f"the allowed signers file {SIGNERS_PATH} changed in this range"
    ]


# --- what needs sign-off, and what the reviewer is shown ---------------------------------------


def test_policy_and_waiver_changes_are_listed_first(repo: GitRepo, alice: Key) -> None:
    signoff_repo(repo, alice)
    waiver = (
        "waivers:\n  - id: B101\n    reason: asserts are fine here\n"
        "    owner: alice@example.com\n    expires: 2999-01-01\n"
    )
    repo.commit("waive", **{".releasegate.yml": policy_text(waiver), "CODEOWNERS": "* @o/sec\n"})
    run = gate(repo)
    assert run.reasons[:3] == [
        "needs security sign-off: the policy file .releasegate.yml changed in this range",
        "needs security sign-off: CODEOWNERS (CODEOWNERS) changed in this range",
        "needs security sign-off: waivers changed in this range: added B101 "
        "(owner alice@example.com, expires 2999-01-01)",
    ]
    assert run.reasons[3].startswith("security sign-off missing")
    done = sign_off(repo, alice, yes=False)
    assert done.returncode == 2  # no terminal, no --yes: nothing is signed
    assert "refusing to sign without confirmation" in done.stderr
    shown = done.stdout
    assert shown.index("Needs security sign-off because:") < shown.index("Verdict without")
    assert "waivers changed in this range: added B101" in shown
    assert "the policy file .releasegate.yml changed in this range" in shown


def test_a_waiver_in_force_needs_signoff_and_is_shown_with_its_expiry(
    repo: GitRepo, alice: Key
) -> None:
    waiver = (
        "waivers:\n  - id: B602\n    reason: the input is a constant\n"
        "    owner: bob@example.com\n    expires: 2999-01-01\n"
    )
    repo.commit(
        "base",
        **{
            ".releasegate.yml": policy_text(waiver),
            SIGNERS_PATH: alice.signer_line(),
            "app.py": VULNERABLE_APP,
        },
    )
    repo.tag("v1")
    repo.commit("more", **{"README.md": "hi\n"})
    run = gate(repo)
    assert run.reasons[0] == (
        "needs security sign-off: waiver in force: B602 (owner bob@example.com, expires 2999-01-01)"
    )
    done = sign_off(repo, alice)
    assert done.returncode == 0, done.stderr
    assert "B602 (owner bob@example.com, expires 2999-01-01): the input is a constant" in (
        done.stdout
    )
    assert gate(repo).done.returncode == 0


def test_a_baseline_change_is_accepted_by_a_valid_signoff(repo: GitRepo, alice: Key) -> None:
    repo.commit(
        "base",
        **{
            ".releasegate.yml": policy_text(),
            SIGNERS_PATH: alice.signer_line(),
            "app.py": "X = 1\n",
        },
    )
    repo.tag("v1")
    repo.commit("legacy code", **{"app.py": VULNERABLE_APP})
    done = releasegate("baseline", "--repo", str(repo.root), "--reason", "legacy, tracked")
    assert done.returncode == 0, done.stderr
    repo.commit("baseline")
    run = gate(repo)
    assert run.blocked
    assert any("baseline .releasegate-baseline.json changed" in r for r in run.report["reasons"])
    assert run.reasons[0] == (
        "needs security sign-off: the baseline .releasegate-baseline.json changed in this range"
    )
    assert sign_off(repo, alice).returncode == 0
    passed = gate(repo)
    assert passed.done.returncode == 0, passed.report["reasons"]
    assert any("accepted by the security sign-off" in n for n in passed.report["notes"])


# --- configuration errors ------------------------------------------------------------------------


def test_allowed_signers_missing_at_the_base_is_an_error(repo: GitRepo, alice: Key) -> None:
    repo.commit("base", **{".releasegate.yml": policy_text(), "app.py": "X = 1\n"})
    repo.tag("v1")
    repo.commit("add signers", **{SIGNERS_PATH: alice.signer_line()})
    assert sign_off(repo, alice).returncode == 0
    run = gate(repo)
    assert run.signoff["status"] == "error"
    assert any(
        f"signoff.allowed_signers '{SIGNERS_PATH}' does not exist at the base" in r
        for r in run.reasons
    )


def test_a_policy_naming_no_signers_is_an_error(repo: GitRepo) -> None:
    repo.commit("base", **{".releasegate.yml": "version: 1\n", "app.py": "X = 1\n"})
    run = gate(repo)
    assert run.signoff["status"] == "error"
    assert "names nobody who may sign off" in run.reasons[0]
