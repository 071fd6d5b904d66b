"""Canonical JSON: the one byte form that is signed, hashed and chained.

Keys sorted, no whitespace, ASCII only (every other character escaped), no
NaN or infinity. The same value gives the same bytes on any machine.
"""

from __future__ import annotations

import hashlib
import json
import re

from releasegate.model import JSONValue

SHA256_PREFIX = "sha256:"
_SHA256 = re.compile(r"sha256:[0-9a-f]{64}")


def canonical_bytes(value: JSONValue) -> bytes:
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False
    ).encode("ascii")


def sha256_digest(data: bytes) -> str:
    """``sha256:<hex>`` of ``data``."""
    return SHA256_PREFIX + hashlib.sha256(data).hexdigest()


def digest_of(value: JSONValue) -> str:
    return sha256_digest(canonical_bytes(value))


def is_sha256_digest(text: object) -> bool:
    return isinstance(text, str) and bool(_SHA256.fullmatch(text))


def hex_of(digest: str) -> str:
    """The hex part of a ``sha256:<hex>`` digest."""
    return digest.removeprefix(SHA256_PREFIX)
