"""The sign-off statement: an in-toto Statement v1 over the commit and the evidence digest.

::

    {"_type": "https://in-toto.io/Statement/v1",
     "subject": [{"name": "git+commit:<sha>", "digest": {"gitCommit": "<sha>"}},
                 {"name": "releasegate-evidence", "digest": {"sha256": "<hex>"}}],
     "predicateType": "https://releasegate.dev/signoff/v1",
     "predicate": {"signer": {"principal": ..., "key": "SHA256:..."},
                   "signed_at": "...Z", "expires": "YYYY-MM-DD", "comment": ...,
                   "policy_digest": ..., "verdict_without_signoff": "pass|block",
                   "blocking_reasons": [...], "requires_signoff": [...],
                   "evidence": {...the signed evidence summary...},
                   "releasegate_version": ...}}

What is signed (``ssh-keygen -Y sign -n releasegate``) is the canonical JSON
of the statement. The envelope stored in a git note or a file holds the
statement and the base64 SSH signature blob. Verification re-canonicalises
the statement it parsed, so what is verified is exactly what is interpreted.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from releasegate.canonical import (
    canonical_bytes,
    digest_of,
    hex_of,
    is_sha256_digest,
    sha256_digest,
)
from releasegate.errors import ReleasegateError
from releasegate.model import JSONValue
from releasegate.signoff.ssh import armor, unarmor

STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
SIGNOFF_PREDICATE_TYPE = "https://releasegate.dev/signoff/v1"
ENVELOPE_FORMAT = "releasegate-signoff/1"
COMMIT_SUBJECT_PREFIX = "git+commit:"
EVIDENCE_SUBJECT = "releasegate-evidence"
MAX_ENVELOPE_BYTES = 2_000_000
MAX_PRINCIPAL_CHARS = 256
MAX_COMMENT_CHARS = 4000

_COMMIT = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
_HEX64 = re.compile(r"[0-9a-f]{64}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class SignoffFormatError(ReleasegateError):
    """A sign-off that is not a well-formed releasegate sign-off."""


def check_principal(principal: str) -> str:
    """A principal fit for an allowed_signers lookup: one line, no control characters."""
    if not principal.strip() or principal != principal.strip():
        raise SignoffFormatError(f"the signer principal {principal!r} is empty or padded")
    if _CONTROL.search(principal) or len(principal) > MAX_PRINCIPAL_CHARS:
        raise SignoffFormatError("the signer principal has control characters or is too long")
    return principal


def utc_timestamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True, kw_only=True)
class SignoffStatement:
    commit: str
    evidence_digest: str
    principal: str
    key: str
    signed_at: str
    expires: dt.date
    comment: str
    policy_digest: str
    verdict_without_signoff: str
    blocking_reasons: tuple[str, ...] = ()
    requires_signoff: tuple[str, ...] = ()
    evidence: Mapping[str, JSONValue] = field(default_factory=dict)
    releasegate_version: str = ""

    def to_json(self) -> dict[str, JSONValue]:
        return {
            "_type": STATEMENT_TYPE,
            "subject": [
                {
                    "name": COMMIT_SUBJECT_PREFIX + self.commit,
                    "digest": {"gitCommit": self.commit},
                },
                {"name": EVIDENCE_SUBJECT, "digest": {"sha256": hex_of(self.evidence_digest)}},
            ],
            "predicateType": SIGNOFF_PREDICATE_TYPE,
            "predicate": {
                "signer": {"principal": self.principal, "key": self.key},
                "signed_at": self.signed_at,
                "expires": self.expires.isoformat(),
                "comment": self.comment,
                "policy_digest": self.policy_digest,
                "verdict_without_signoff": self.verdict_without_signoff,
                "blocking_reasons": list(self.blocking_reasons),
                "requires_signoff": list(self.requires_signoff),
                "evidence": dict(self.evidence),
                "releasegate_version": self.releasegate_version,
            },
        }

    def canonical(self) -> bytes:
        return canonical_bytes(self.to_json())

    @classmethod
    def from_json(cls, raw: object) -> SignoffStatement:
        data = _object(raw, "the statement")
        if data.get("_type") != STATEMENT_TYPE:
            raise SignoffFormatError(f"the statement's _type is not {STATEMENT_TYPE}")
        if data.get("predicateType") != SIGNOFF_PREDICATE_TYPE:
            raise SignoffFormatError(
                f"the statement's predicateType is not {SIGNOFF_PREDICATE_TYPE}"
            )
        commit, evidence_digest = _subjects(data.get("subject"))
        predicate = _object(data.get("predicate"), "the predicate")
        signer = _object(predicate.get("signer"), "predicate.signer")
        evidence = _object(predicate.get("evidence"), "predicate.evidence")
        if digest_of(dict(evidence)) != evidence_digest:
            raise SignoffFormatError(
                "the evidence digest of the subject does not match the signed evidence"
            )
        expires_text = _str(predicate, "expires")
        try:
            expires = dt.date.fromisoformat(expires_text)
        except ValueError:
            raise SignoffFormatError(f"predicate.expires {expires_text!r} is not a date") from None
        policy_digest = _str(predicate, "policy_digest")
        if not is_sha256_digest(policy_digest):
            raise SignoffFormatError("predicate.policy_digest is not a sha256: digest")
        comment = _str(predicate, "comment")
        if len(comment) > MAX_COMMENT_CHARS:
            raise SignoffFormatError("predicate.comment is too long")
        return cls(
            commit=commit,
            evidence_digest=evidence_digest,
            principal=check_principal(_str(signer, "principal")),
            key=_str(signer, "key"),
            signed_at=_str(predicate, "signed_at"),
            expires=expires,
            comment=comment,
            policy_digest=policy_digest,
            verdict_without_signoff=_str(predicate, "verdict_without_signoff"),
            blocking_reasons=_strings(predicate, "blocking_reasons"),
            requires_signoff=_strings(predicate, "requires_signoff"),
            evidence=dict(evidence),
            releasegate_version=_str(predicate, "releasegate_version"),
        )


def _object(raw: object, what: str) -> Mapping[str, JSONValue]:
    if not isinstance(raw, dict):
        raise SignoffFormatError(f"{what} is not a JSON object")
    return raw


def _str(data: Mapping[str, JSONValue], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise SignoffFormatError(f"'{key}' is missing or not a string")
    return value


def _strings(data: Mapping[str, JSONValue], key: str) -> tuple[str, ...]:
    value = data.get(key)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SignoffFormatError(f"'{key}' is missing or not a list of strings")
    return tuple(str(v) for v in value)


def _subjects(raw: object) -> tuple[str, str]:
    if not isinstance(raw, list) or len(raw) != 2:
        raise SignoffFormatError("the statement must have exactly two subjects")
    commit: str | None = None
    evidence: str | None = None
    for item in raw:
        subject = _object(item, "a subject")
        name = _str(subject, "name")
        digest = _object(subject.get("digest"), "a subject's digest")
        if name.startswith(COMMIT_SUBJECT_PREFIX) and commit is None:
            sha = name.removeprefix(COMMIT_SUBJECT_PREFIX)
            if not _COMMIT.fullmatch(sha) or digest != {"gitCommit": sha}:
                raise SignoffFormatError("the commit subject is not a full commit id")
            commit = sha
        elif name == EVIDENCE_SUBJECT and evidence is None:
            value = digest.get("sha256")
            if not isinstance(value, str) or not _HEX64.fullmatch(value) or len(digest) != 1:
                raise SignoffFormatError("the evidence subject has no sha256 digest")
            evidence = "sha256:" + value
        else:
            raise SignoffFormatError(f"unexpected subject {name[:80]!r}")
    if commit is None or evidence is None:
        raise SignoffFormatError("the statement needs a commit subject and an evidence subject")
    return commit, evidence


@dataclass(frozen=True, kw_only=True)
class SignedSignoff:
    """A statement with its SSH signature, as stored in a git note or a file."""

    statement: SignoffStatement
    payload: bytes  # the canonical bytes that were signed
    signature: bytes  # the armored SSH signature

    @property
    def digest(self) -> str:
        """``sha256:`` of the signed statement bytes: how an attestation names it."""
        return sha256_digest(self.payload)

    def envelope(self) -> str:
        blob = unarmor(self.signature)
        document = {
            "format": ENVELOPE_FORMAT,
            "statement": json.loads(self.payload),
            "signature": base64.b64encode(blob).decode("ascii"),
        }
        return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=True) + "\n"

    @classmethod
    def parse(cls, data: bytes) -> SignedSignoff:
        """Parse an envelope. Raises ``SignoffFormatError`` saying what is wrong."""
        if len(data) > MAX_ENVELOPE_BYTES:
            raise SignoffFormatError(f"the sign-off is larger than {MAX_ENVELOPE_BYTES} bytes")
        try:
            raw = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise SignoffFormatError(f"the sign-off is not JSON: {exc}") from None
        document = _object(raw, "the sign-off")
        if document.get("format") != ENVELOPE_FORMAT:
            raise SignoffFormatError(f"the sign-off's format is not {ENVELOPE_FORMAT}")
        signature_text = _str(document, "signature")
        try:
            blob = base64.b64decode(signature_text, validate=True)
        except (binascii.Error, ValueError):
            raise SignoffFormatError("the signature is not base64") from None
        if not blob:
            raise SignoffFormatError("the signature is empty")
        raw_statement = document.get("statement")
        statement = SignoffStatement.from_json(raw_statement)
        assert isinstance(raw_statement, dict)  # noqa: S101 - from_json checked it
        try:
            payload = canonical_bytes(raw_statement)
        except ValueError as exc:
            raise SignoffFormatError(f"the statement cannot be canonicalised: {exc}") from None
        return cls(statement=statement, payload=payload, signature=armor(blob))
