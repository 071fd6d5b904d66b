"""The signed attestation: a DSSE envelope (https://github.com/secure-systems-lab/dsse,
the envelope of the in-toto Attestation Framework) around the in-toto Statement, each
signature an SSH signature made with ``ssh-keygen -Y sign``.

The envelope is the JSON object ``{"payloadType", "payload", "signatures"}`` with
``payloadType`` ``application/vnd.in-toto+json``, ``payload`` the standard base64 of the
Statement's bytes and each signature ``{"keyid", "sig"}``: ``sig`` the standard base64 of
the SSH signature blob (the bytes inside ``-----BEGIN SSH SIGNATURE-----``) and ``keyid``
the SHA256 fingerprint of the signing key (a hint, not authenticated). What is signed
is the DSSE pre-authentication encoding of the type and the payload,

    PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body

in the SSH signature namespace ``releasegate-attestation`` (``ATTESTATION_NAMESPACE``),
which no other releasegate signature uses: a sign-off (namespace ``releasegate``) or a
git commit signature (``git``) replayed into an envelope does not verify.

Reading is strict, because the envelope arrives from outside: exactly these fields,
base64 in its canonical standard form, no duplicate JSON keys, at least one
signature. Verification fails closed: every signature must be valid over the PAE in
the attestation namespace (one that is not means the envelope was altered or mixed
from parts, and nothing in it is trusted), and at least one must be by a principal of
the allowed signers; a valid signature by a key the allowed signers do not list is
reported and ignored (DSSE allows co-signers the verifier does not know).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from releasegate.errors import ReleasegateError
from releasegate.model import JSONValue
from releasegate.procs import ToolRunner
from releasegate.reports.attestation import STATEMENT_TYPE, VSA_PREDICATE_TYPE
from releasegate.signoff.ssh import (
    ATTESTATION_NAMESPACE,
    Outcome,
    Verification,
    armor,
    public_key,
    sign,
    unarmor,
    verify,
)

PAYLOAD_TYPE = "application/vnd.in-toto+json"
ENVELOPE_FIELDS = frozenset({"payloadType", "payload", "signatures"})
SIGNATURE_FIELDS = frozenset({"keyid", "sig"})
MAX_ENVELOPE_BYTES = 16 * 1024 * 1024
VSA_RESULTS = ("PASSED", "FAILED")


class EnvelopeError(ReleasegateError):
    """An envelope, or the Statement in it, that is not what it must be."""


def pae(payload_type: str, body: bytes) -> bytes:
    """The DSSE v1 pre-authentication encoding: the bytes a signature covers."""
    kind = payload_type.encode("utf-8")
    return b"DSSEv1 %d %s %d %s" % (len(kind), kind, len(body), body)


@dataclass(frozen=True, kw_only=True)
class Signature:
    sig: bytes  # the SSH signature blob
    keyid: str | None = None


@dataclass(frozen=True, kw_only=True)
class Envelope:
    payload_type: str
    payload: bytes
    signatures: tuple[Signature, ...]

    def to_json(self) -> bytes:
        signatures: list[JSONValue] = []
        for signature in self.signatures:
            entry: dict[str, JSONValue] = {"sig": _b64(signature.sig)}
            if signature.keyid is not None:
                entry["keyid"] = signature.keyid
            signatures.append(entry)
        document: dict[str, JSONValue] = {
            "payloadType": self.payload_type,
            "payload": _b64(self.payload),
            "signatures": signatures,
        }
        return (json.dumps(document, indent=2, sort_keys=True) + "\n").encode("ascii")

    @classmethod
    def parse(cls, data: bytes) -> Envelope:
        """The envelope in ``data``; ``EnvelopeError`` unless it is exactly one."""
        if len(data) > MAX_ENVELOPE_BYTES:
            raise EnvelopeError(f"larger than {MAX_ENVELOPE_BYTES} bytes: not an attestation")
        document = _strict_json(data, "the envelope")
        if not isinstance(document, dict):
            raise EnvelopeError("not a DSSE envelope: the JSON is not an object")
        if set(document) != ENVELOPE_FIELDS:
            raise EnvelopeError(
                "not a DSSE envelope: the fields must be exactly payloadType, payload, "
                f"signatures (found {', '.join(sorted(document)) or 'none'})"
            )
        payload_type = document["payloadType"]
        if payload_type != PAYLOAD_TYPE:
            raise EnvelopeError(
                f"payloadType is {_shown(payload_type)}, not {PAYLOAD_TYPE}: not an in-toto "
                "attestation"
            )
        payload = _unb64(document["payload"], "payload")
        raw = document["signatures"]
        if not isinstance(raw, list) or not raw:
            raise EnvelopeError("signatures: must be a non-empty list (an unsigned envelope)")
        signatures: list[Signature] = []
        for number, entry in enumerate(raw, 1):
            if (
                not isinstance(entry, dict)
                or "sig" not in entry
                or not set(entry) <= (SIGNATURE_FIELDS)
            ):
                raise EnvelopeError(
                    f"signature {number}: must be an object with sig (and keyid), nothing else"
                )
            keyid = entry.get("keyid")
            if keyid is not None and not isinstance(keyid, str):
                raise EnvelopeError(f"signature {number}: keyid must be a string")
            sig = _unb64(entry["sig"], f"signature {number}")
            signatures.append(Signature(sig=sig, keyid=keyid))
        return cls(payload_type=payload_type, payload=payload, signatures=tuple(signatures))


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(value: object, what: str) -> bytes:
    if not isinstance(value, str):
        raise EnvelopeError(f"{what}: must be a base64 string")
    try:
        decoded = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        decoded = None
    # Only the canonical standard form: one encoding per byte string.
    if decoded is None or _b64(decoded) != value:
        raise EnvelopeError(f"{what}: not canonical standard base64")
    return decoded


def _reject_duplicates(pairs: list[tuple[str, object]]) -> dict[str, object]:
    seen: dict[str, object] = {}
    for key, value in pairs:
        if key in seen:
            raise EnvelopeError(f"the JSON repeats the key {_shown(key)}")
        seen[key] = value
    return seen


def _no_constant(name: str) -> object:
    raise EnvelopeError(f"the JSON holds {name}, which JSON does not allow")


def _strict_json(data: bytes, what: str) -> object:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise EnvelopeError(f"{what} is not UTF-8 text") from None
    try:
        return json.loads(text, object_pairs_hook=_reject_duplicates, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise EnvelopeError(f"{what} is not JSON ({exc.msg}, line {exc.lineno})") from None
    except ValueError as exc:  # e.g. an integer over Python's 4300-digit limit
        raise EnvelopeError(f"{what} is not usable JSON ({str(exc)[:120]})") from None
    except RecursionError:
        raise EnvelopeError(f"{what} is nested too deeply") from None


def _shown(value: object) -> str:
    text = json.dumps(value, ensure_ascii=True)
    return text if len(text) <= 80 else text[:77] + "..."


# --- signing (CLI layer, foreground: ssh-keygen may ask for a passphrase) --------------------


def sign_statement(key: Path, statement: bytes) -> Envelope:
    """The envelope of ``statement`` signed with the SSH ``key``."""
    signed = sign(key, pae(PAYLOAD_TYPE, statement), namespace=ATTESTATION_NAMESPACE)
    keyid = public_key(key).fingerprint
    return Envelope(
        payload_type=PAYLOAD_TYPE,
        payload=statement,
        signatures=(Signature(sig=unarmor(signed), keyid=keyid),),
    )


# --- verifying --------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class SignatureCheck:
    number: int  # 1-based, in the envelope's order
    keyid: str | None
    verification: Verification


@dataclass(frozen=True, kw_only=True)
class EnvelopeCheck:
    """The outcome of every signature, and the ones by allowed signers."""

    checks: tuple[SignatureCheck, ...]

    @property
    def good(self) -> tuple[SignatureCheck, ...]:
        return tuple(c for c in self.checks if c.verification.good)

    @property
    def bad(self) -> tuple[SignatureCheck, ...]:
        return tuple(c for c in self.checks if c.verification.outcome is Outcome.BAD_SIGNATURE)

    @property
    def unknown(self) -> tuple[SignatureCheck, ...]:
        return tuple(c for c in self.checks if c.verification.outcome is Outcome.UNKNOWN_SIGNER)

    @property
    def trusted(self) -> bool:
        """Every signature valid, and at least one by an allowed signer."""
        return not self.bad and bool(self.good)


def verify_envelope(
    tools: ToolRunner,
    envelope: Envelope,
    *,
    allowed_signers: bytes,
    principal: str | None = None,
) -> EnvelopeCheck:
    """Check each signature over the PAE of the envelope's type and payload."""
    data = pae(envelope.payload_type, envelope.payload)
    checks: list[SignatureCheck] = []
    for number, signature in enumerate(envelope.signatures, 1):
        outcome = verify(
            tools,
            allowed_signers=allowed_signers,
            principal=principal,
            signature=armor(signature.sig),
            data=data,
            namespace=ATTESTATION_NAMESPACE,
        )
        if (
            outcome.outcome is not Outcome.BAD_SIGNATURE
            and signature.keyid is not None
            and outcome.key is not None
            and signature.keyid != outcome.key
        ):
            outcome = Verification(
                outcome=Outcome.BAD_SIGNATURE,
                detail=f"its keyid {_shown(signature.keyid)} does not name the key that made "
                f"it ({outcome.key})",
                key=outcome.key,
            )
        checks.append(SignatureCheck(number=number, keyid=signature.keyid, verification=outcome))
    return EnvelopeCheck(checks=tuple(checks))


# --- the Statement inside ---------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Subject:
    name: str
    digest: dict[str, str]


@dataclass(frozen=True, kw_only=True)
class VsaStatement:
    """What a reader of a verified attestation needs from its Statement."""

    subjects: tuple[Subject, ...]
    result: str  # PASSED or FAILED
    verifier: str
    time_verified: str
    resource_uri: str
    policy_uri: str
    levels: tuple[str, ...]

    def names_commit(self, commit: str) -> bool:
        wanted = commit.lower()
        return any(s.digest.get("gitCommit", "").lower() == wanted for s in self.subjects)


def _text(mapping: dict[str, object], key: str, what: str) -> str:
    value = mapping.get(key)
    if not isinstance(value, str) or not value:
        raise EnvelopeError(f"the Statement's {what} is missing or not a string")
    return value


def read_vsa(payload: bytes) -> VsaStatement:
    """The in-toto Statement v1 with a SLSA VSA v1 predicate in ``payload``."""
    document = _strict_json(payload, "the payload")
    if not isinstance(document, dict):
        raise EnvelopeError("the payload is not an in-toto Statement (not a JSON object)")
    if document.get("_type") != STATEMENT_TYPE:
        raise EnvelopeError(
            f"the payload's _type is {_shown(document.get('_type'))}, not {STATEMENT_TYPE}"
        )
    if document.get("predicateType") != VSA_PREDICATE_TYPE:
        raise EnvelopeError(
            f"the predicateType is {_shown(document.get('predicateType'))}, not "
            f"{VSA_PREDICATE_TYPE}: not a verification summary"
        )
    raw_subjects = document.get("subject")
    if not isinstance(raw_subjects, list) or not raw_subjects:
        raise EnvelopeError("the Statement has no subject")
    subjects: list[Subject] = []
    for entry in raw_subjects:
        digest = entry.get("digest") if isinstance(entry, dict) else None
        if (
            not isinstance(digest, dict)
            or not digest
            or not all(isinstance(v, str) and v for v in digest.values())
        ):
            raise EnvelopeError("a subject of the Statement has no digest")
        name = entry.get("name", "") if isinstance(entry, dict) else ""
        subjects.append(Subject(name=str(name), digest={str(k): str(v) for k, v in digest.items()}))
    predicate = document.get("predicate")
    if not isinstance(predicate, dict):
        raise EnvelopeError("the Statement has no predicate object")
    result = predicate.get("verificationResult")
    if result not in VSA_RESULTS:
        raise EnvelopeError(f"verificationResult is {_shown(result)}, not PASSED or FAILED")
    verifier = predicate.get("verifier")
    policy = predicate.get("policy")
    levels = predicate.get("verifiedLevels")
    if not isinstance(verifier, dict) or not isinstance(policy, dict):
        raise EnvelopeError("the predicate has no verifier or policy object")
    if not isinstance(levels, list) or not all(isinstance(level, str) for level in levels):
        raise EnvelopeError("the predicate's verifiedLevels is not a list of strings")
    return VsaStatement(
        subjects=tuple(subjects),
        result=str(result),
        verifier=_text(verifier, "id", "verifier.id"),
        time_verified=_text(predicate, "timeVerified", "timeVerified"),
        resource_uri=_text(predicate, "resourceUri", "resourceUri"),
        policy_uri=_text(policy, "uri", "policy.uri"),
        levels=tuple(str(level) for level in levels),
    )


def describe_signers(checks: Sequence[SignatureCheck]) -> str:
    parts = []
    for check in checks:
        who = check.verification.principal or ", ".join(check.verification.principals)
        parts.append(f"{who or '(unknown)'} (key {check.verification.key or check.keyid})")
    return "; ".join(parts)
