"""First adoption (``releasegate init``): the files a repository needs, and what to do next.

``init`` writes the starter policy (the embedded default, commented) set up for the
chosen review source, with ``signoff.allowed_signers`` (and, in git review mode,
``review.allowed_signers``) naming one OpenSSH allowed-signers file, and that file:
one line per ``--signer PRINCIPAL=PUBLIC_KEY_FILE``, or only its explanation when no
signer is given (an allowed-signers file without keys signs nobody off, and the run
says so). Nothing here weakens the default: review and sign-off stay required.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from releasegate.errors import UsageError
from releasegate.policy.fields import POLICY_FILE
from releasegate.policy.loader import parse_policy, starter_policy_text

SIGNERS_FILE = ".github/allowed_signers"
_KEY_LINE = re.compile(r"^(ssh-[a-z0-9-]+|ecdsa-sha2-[a-z0-9-]+|sk-[a-z0-9@.-]+) [A-Za-z0-9+/=]+")
_PRINCIPAL = re.compile(r"[^\s,\"#][^\s,\"]*\Z")

SIGNERS_HEADER = """\
# Who may sign off releases (releasegate signoff) and, with review.source: git,
# whose signed commits carry Reviewed-by:/Approved-by: trailers that count.
# OpenSSH allowed_signers format, one key per line:
#   PRINCIPAL KEYTYPE KEY
#   security@example.com ssh-ed25519 AAAAC3Nza...
# Add a line with: echo "you@example.com $(cat ~/.ssh/id_ed25519.pub)" >> {path}
# Like the policy, this file is read from the base of the range being judged.
"""


@dataclass(frozen=True, kw_only=True)
class Signer:
    principal: str
    public_key: str  # "KEYTYPE KEY", without the comment


def parse_signer(text: str) -> Signer:
    """``PRINCIPAL=PUBLIC_KEY_FILE`` (``--signer``) read into a signer line."""
    principal, sep, key_path = text.partition("=")
    if not sep or not _PRINCIPAL.match(principal) or not key_path:  # no "#...": a comment
        raise UsageError(
            f"--signer {text!r}: write it as PRINCIPAL=PUBLIC_KEY_FILE",
            hint="e.g. --signer security@example.com=~/.ssh/id_ed25519.pub",
        )
    path = Path(key_path).expanduser()
    try:
        line = path.read_text("utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"--signer {text!r}: cannot read {path}: {exc}") from None
    match = _KEY_LINE.match(line)
    if match is None:
        raise UsageError(
            f"--signer {text!r}: {path} is not an OpenSSH public key",
            hint="pass the .pub file (ssh-keygen -y -f KEY > KEY.pub writes one)",
        )
    return Signer(principal=principal, public_key=match.group(0))


def _set(text: str, old: str, new: str) -> str:
    if old not in text:  # the starter template changed: fail here, not with a wrong file
        raise AssertionError(f"starter policy template has no line {old!r}")
    return text.replace(old, new, 1)


def policy_text(review: str) -> str:
    """The starter policy for ``review`` (github or git), signers file named."""
    text = starter_policy_text()
    text = _set(
        text,
        "  # allowed_signers: .github/allowed_signers\n  # Or: an approval",
        f"  allowed_signers: {SIGNERS_FILE}\n  # Or: an approval",
    )
    if review == "git":
        text = _set(text, "  source: github\n", "  source: git\n")
        text = _set(
            text,
            "  # allowed_signers: .github/allowed_signers   # for source: git\n",
            f"  allowed_signers: {SIGNERS_FILE}\n",
        )
    parse_policy(text, POLICY_FILE)  # what init writes is always a valid policy
    return text


def signers_text(signers: list[Signer]) -> str:
    lines = [SIGNERS_HEADER.format(path=SIGNERS_FILE)]
    lines += [f"{s.principal} {s.public_key}\n" for s in signers]
    return "".join(lines)


def next_steps(*, review: str, signers: int, baseline: str | None) -> list[str]:
    """What to do after ``init``, as commands."""
    files = f"{POLICY_FILE} {SIGNERS_FILE}" + (f" {baseline}" if baseline else "")
    steps = []
    if not signers:
        steps.append(
            f"add each security reviewer's key to {SIGNERS_FILE}: echo \"you@example.com "
            f'$(cat ~/.ssh/id_ed25519.pub)" >> {SIGNERS_FILE}'
        )
    steps.append(f'commit: git add {files} && git commit -m "Adopt releasegate"')
    steps.append(
        "make that commit the base: the policy governs from the base of a range on "
        "(tag it as a release, e.g. git tag v0.0.0, or merge it into the default branch)"
    )
    if review == "git":
        steps.append(
            "review: each change is a commit signed by a key in "
            f"{SIGNERS_FILE} (git config gpg.format ssh; git commit -S) with a "
            "'Reviewed-by: Name <email>' trailer"
        )
    else:
        steps.append(
            "review: changes reach the release through approved GitHub pull requests; "
            "the workflow passes GITHUB_TOKEN (pull-requests: read)"
        )
    steps.append("judge a release candidate: releasegate run")
    steps.append(
        "sign off as a security reviewer: releasegate signoff, then "
        "git push origin refs/notes/releasegate"
    )
    return steps
