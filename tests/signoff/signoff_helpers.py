"""Helpers of the sign-off tests: real SSH keys, repositories with a trusted allowed
signers file at the base, and runs of the installed CLI."""

from __future__ import annotations

import base64
import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rg_testlib import GitRepo, check, releasegate, run_only

SIGNERS_PATH = ".github/allowed_signers"
# The static stage without semgrep (a second), and the sign-off: a complete run under
# ``policy_text``, which requires nothing else.
FAST = "static,signoff"


@dataclass(frozen=True)
class Key:
    path: Path
    principal: str

    @property
    def public(self) -> str:
        """``key-type base64`` of the public key (no comment)."""
        return " ".join(self.pub_path.read_text("utf-8").split()[:2])

    @property
    def pub_path(self) -> Path:
        return self.path.with_name(self.path.name + ".pub")

    def signer_line(self, principal: str | None = None) -> str:
        return f"{principal or self.principal} {self.public}\n"


def make_key(directory: Path, name: str, principal: str) -> Key:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", principal, "-f", str(path)],
        check=True,
        capture_output=True,
    )
    return Key(path=path, principal=principal)


def policy_text(extra: str = "") -> str:
    return (
        "version: 1\n"
        f"signoff:\n  allowed_signers: {SIGNERS_PATH}\n"
        "static:\n  semgrep:\n    enabled: false\n"
        "dependencies:\n  required: false\n"
        "review:\n  required: false\n"
        "stages:\n  functional:\n    required: false\n"
        f"{extra}"
    )


def signoff_repo(repo: GitRepo, *signers: Key, policy: str | None = None) -> str:
    """A base commit tagged v1 with the policy and the allowed signers, and one commit on
    top of it (the release candidate). Returns the head."""
    repo.commit(
        "base",
        **{
            ".releasegate.yml": policy or policy_text(),
            SIGNERS_PATH: "".join(key.signer_line() for key in signers),
            "app.py": "VALUE = 1\n",
        },
    )
    repo.tag("v1")
    return repo.commit("feature", **{"feature.py": "def double(x):\n    return 2 * x\n"})


@dataclass(frozen=True)
class Gate:
    done: subprocess.CompletedProcess[str]
    report: dict[str, Any]

    @property
    def signoff(self) -> dict[str, Any]:
        return check(self.report, "signoff")

    @property
    def reasons(self) -> list[str]:
        """The sign-off check's reasons, without the "signoff: " the report puts first."""
        return [str(r).removeprefix("signoff: ") for r in self.signoff["reasons"]]

    @property
    def blocked(self) -> bool:
        return bool(self.report["decision"] == "block")


def gate(repo: GitRepo, *args: str, only: str = FAST, env: dict[str, str] | None = None) -> Gate:
    out = repo.root.parent / "gate-report.json"
    done, report = run_only(repo, only, out, "--no-audit", *args, env=env)
    return Gate(done=done, report=report)


def sign_off(
    repo: GitRepo, key: Key, *args: str, only: str = FAST, yes: bool = True
) -> subprocess.CompletedProcess[str]:
    return releasegate(
        "signoff",
        "--repo",
        str(repo.root),
        "--only",
        only,
        "--key",
        str(key.path),
        *(["--yes"] if yes else []),
        *args,
    )


def note(repo: GitRepo, commit: str | None = None) -> dict[str, Any]:
    text = repo.git("notes", "--ref=refs/notes/releasegate", "show", commit or repo.head())
    envelope: dict[str, Any] = json.loads(text)
    return envelope


def flip_signature_byte(envelope: dict[str, Any], offset_from_end: int = 10) -> dict[str, Any]:
    blob = bytearray(base64.b64decode(envelope["signature"]))
    blob[-offset_from_end] ^= 0x01
    return {**envelope, "signature": base64.b64encode(bytes(blob)).decode("ascii")}
