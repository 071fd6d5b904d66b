"""SSH signatures through ``ssh-keygen -Y`` (the mechanism git uses for SSH signing).

Verification tells the failures apart, each its own outcome:

1. ``ssh-keygen -Y check-novalidate``: is the signature cryptographically
   valid over these bytes, in this namespace? If not: bad signature.
2. ``ssh-keygen -Y find-principals`` against the trusted allowed_signers:
   which principals may use the signing key? None: unknown signer. The claimed
   principal not among them: unknown signer.
3. ``ssh-keygen -Y verify -I <principal>``: the full check, with the
   allowed_signers options (namespaces, validity). If it fails here, the key is
   known but not allowed to make this signature: unknown signer.

Verification runs through a ``ToolRunner`` (a check's deadline applies);
signing runs in the foreground, so ``ssh-keygen`` can ask for a passphrase.
"""

from __future__ import annotations

import base64
import binascii
import enum
import re
import subprocess
import tempfile
import textwrap
from dataclasses import dataclass
from pathlib import Path

from releasegate.errors import ReleasegateError, ToolError, UsageError
from releasegate.procs import ToolRunner, first_line

NAMESPACE = "releasegate"
ATTESTATION_NAMESPACE = "releasegate-attestation"
BEGIN = "-----BEGIN SSH SIGNATURE-----"
END = "-----END SSH SIGNATURE-----"
SIGN_TIMEOUT = 300.0  # a person may be typing a passphrase
_KEY_FINGERPRINT = re.compile(r"\b(SHA256:[A-Za-z0-9+/=]+)")


class SignatureError(ReleasegateError):
    """A signature that cannot even be read."""


def armor(blob: bytes) -> bytes:
    """The armored (PEM-like) text of an SSH signature blob."""
    body = "\n".join(textwrap.wrap(base64.b64encode(blob).decode("ascii"), 70))
    return f"{BEGIN}\n{body}\n{END}\n".encode("ascii")


def unarmor(text: bytes) -> bytes:
    """The signature blob of an armored SSH signature."""
    try:
        lines = [line.strip() for line in text.decode("ascii").strip().splitlines()]
    except UnicodeDecodeError:
        raise SignatureError("the SSH signature is not ASCII text") from None
    if len(lines) < 3 or lines[0] != BEGIN or lines[-1] != END:
        raise SignatureError("not an armored SSH signature")
    try:
        return base64.b64decode("".join(lines[1:-1]), validate=True)
    except (binascii.Error, ValueError):
        raise SignatureError("the SSH signature is not base64") from None


# --- signing (CLI layer, foreground) --------------------------------------------------------


def sign(key: Path, data: bytes, *, namespace: str = NAMESPACE) -> bytes:
    """``ssh-keygen -Y sign`` over ``data``; the armored signature.

    ``key`` is a private key file, or a public key file whose private half is
    in the ssh-agent (as git's ``user.signingkey`` may name).
    """
    argv = ["ssh-keygen", "-Y", "sign", "-n", namespace, "-f", str(key)]
    try:
        done = subprocess.run(
            argv, input=data, capture_output=True, timeout=SIGN_TIMEOUT, check=False
        )
    except FileNotFoundError:
        raise ToolError(
            "ssh-keygen: not found", hint="install OpenSSH (8.2 or newer) to sign"
        ) from None
    except subprocess.TimeoutExpired:
        raise ToolError(f"ssh-keygen -Y sign: no signature after {SIGN_TIMEOUT:g}s") from None
    if done.returncode != 0 or BEGIN.encode() not in done.stdout:
        raise UsageError(
            f"ssh-keygen could not sign with {key}: {first_line(done.stderr)}",
            hint="check --key (a private key, or a public key whose private key is in "
            "ssh-agent) and its passphrase",
        )
    return done.stdout[done.stdout.index(BEGIN.encode()) :]


@dataclass(frozen=True, kw_only=True)
class PublicKey:
    line: str  # "ssh-ed25519 AAAA... comment"
    comment: str
    fingerprint: str


def public_key(key: Path) -> PublicKey:
    """The public half of ``key`` (``KEY.pub`` next to it, the file itself, or
    ``ssh-keygen -y``), its comment and its SHA256 fingerprint."""
    text = None
    for candidate in (key.with_name(key.name + ".pub"), key):
        try:
            content = candidate.read_text("utf-8").strip()
        except (OSError, UnicodeDecodeError):
            continue
        if content.startswith(("ssh-", "ecdsa-", "sk-")):
            text = content
            break
    if text is None:
        done = _foreground(["ssh-keygen", "-y", "-f", str(key)])
        if done.returncode != 0:
            raise UsageError(
                f"cannot read the public key of {key}: {first_line(done.stderr)}",
                hint="check --key",
            )
        text = done.stdout.decode("utf-8", "replace").strip()
    parts = text.split(None, 2)
    comment = parts[2].strip() if len(parts) > 2 else ""
    done = _foreground(["ssh-keygen", "-l", "-E", "sha256", "-f", "-"], stdin=text.encode())
    match = _KEY_FINGERPRINT.search(done.stdout.decode("utf-8", "replace"))
    if done.returncode != 0 or match is None:
        raise UsageError(f"cannot fingerprint the key {key}: {first_line(done.stderr)}")
    return PublicKey(line=text, comment=comment, fingerprint=match[1])


def _foreground(argv: list[str], stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(argv, input=stdin, capture_output=True, timeout=60, check=False)
    except FileNotFoundError:
        raise ToolError("ssh-keygen: not found", hint="install OpenSSH (8.2 or newer)") from None
    except subprocess.TimeoutExpired:
        raise ToolError(f"{' '.join(argv[:3])}: timed out") from None


# --- verifying (inside checks, through a ToolRunner) ---------------------------------------


class Outcome(enum.Enum):
    GOOD = "good"
    BAD_SIGNATURE = "bad signature"
    UNKNOWN_SIGNER = "unknown signer"


@dataclass(frozen=True, kw_only=True)
class Verification:
    outcome: Outcome
    detail: str
    key: str | None = None  # SHA256 fingerprint of the signing key, when known
    principals: tuple[str, ...] = ()  # principals the allowed_signers give that key
    principal: str | None = None  # the principal the signature verified for

    @property
    def good(self) -> bool:
        return self.outcome is Outcome.GOOD


def _keygen(tools: ToolRunner, argv: list[str], stdin: bytes | None = None) -> tuple[int, str]:
    done = tools.run(["ssh-keygen", *argv], stdin=stdin, tool="ssh-keygen")
    text = (done.stdout + b"\n" + done.stderr).decode("utf-8", "replace")
    return done.returncode, text


def verify(
    tools: ToolRunner,
    *,
    allowed_signers: bytes,
    principal: str | None,
    signature: bytes,
    data: bytes,
    namespace: str = NAMESPACE,
) -> Verification:
    """Verify ``signature`` over ``data`` for ``principal`` against ``allowed_signers``.

    ``principal`` None: for any principal the allowed signers give the signing key
    (each is tried with the full ``verify``, so their namespace and validity apply).
    """
    try:
        unarmor(signature)
    except SignatureError as exc:
        return Verification(outcome=Outcome.BAD_SIGNATURE, detail=exc.message)
    with tempfile.TemporaryDirectory(prefix="releasegate-ssh-") as tmp:
        signers = Path(tmp) / "allowed_signers"
        signers.write_bytes(allowed_signers)
        sig = Path(tmp) / "signature.sig"
        sig.write_bytes(signature)
        code, text = _keygen(
            tools, ["-Y", "check-novalidate", "-n", namespace, "-s", str(sig)], stdin=data
        )
        match = _KEY_FINGERPRINT.search(text)
        key = match[1] if match else None
        # ssh-keygen says so when a signature is good; an exit status alone proves nothing.
        good = f'Good "{namespace}" signature'
        if code == 0 and (good not in text or key is None):
            raise ToolError(_UNCONFIRMED.format(step="check-novalidate", text=_cause(text)))
        if code != 0:
            return Verification(
                outcome=Outcome.BAD_SIGNATURE,
                detail=f"the signature does not verify over the statement ({_cause(text)})",
            )
        done = tools.run(
            ["ssh-keygen", "-Y", "find-principals", "-s", str(sig), "-f", str(signers)],
            tool="ssh-keygen",
        )
        listed = done.stdout.decode("utf-8", "replace").splitlines()
        found = tuple(line.strip() for line in listed if line.strip())
        if done.returncode != 0 or not found:
            return Verification(
                outcome=Outcome.UNKNOWN_SIGNER,
                detail=f"the signing key {key or '(unknown)'} is not in the allowed signers",
                key=key,
            )
        candidates = (
            [principal]
            if principal is not None
            else [p for line in found for p in line.split(",") if p and not set(p) & set("*?")]
        )
        for candidate in candidates:
            code, text = _keygen(
                tools,
                ["-Y", "verify", "-f", str(signers), "-I", candidate, "-n", namespace,
                 "-s", str(sig)],
                stdin=data,
            )  # fmt: skip
            if code == 0 and f"{good} for {candidate} " not in text:
                raise ToolError(_UNCONFIRMED.format(step="verify", text=_cause(text)))
            if code == 0:
                return Verification(
                    outcome=Outcome.GOOD,
                    detail=first_line(text),
                    key=key,
                    principals=found,
                    principal=candidate,
                )
        wanted = repr(principal) if principal is not None else "any of them"
        return Verification(
            outcome=Outcome.UNKNOWN_SIGNER,
            detail=f"the signing key {key or '(unknown)'} is allowed for "
            f"{', '.join(found)}, not for {wanted} in namespace {namespace!r} "
            f"({_cause(text) if candidates else 'no principal to try'})",
            key=key,
            principals=found,
        )


_UNCONFIRMED = (
    "ssh-keygen -Y {step} exited 0 without saying the signature is good ({text}): a broken "
    "or substituted ssh-keygen; install OpenSSH 8.2 or newer"
)


def _cause(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "no output"
