"""Masking secrets in text that leaves the process (reports, logs, captured output).

Two layers, both applied before any truncation (a secret cut in half by a
length limit would no longer match):

- known values (a token releasegate holds, the values of the secret variables
  kept from a stage command), in every form they are commonly echoed in: as
  they are, percent-encoded, and base64-encoded at each of the three byte
  alignments (so ``Authorization: Basic base64(user:token)`` is masked too);
- known shapes of credentials anyone may print: GitHub, GitLab, npm, Slack,
  AWS access keys, JSON Web Tokens, private-key blocks, the value after an
  ``Authorization:`` header, and the password of a URL.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable
from urllib.parse import quote

MASK = "********"
_MIN_SECRET = 4  # shorter values would mask ordinary text
_MIN_CORE = 8  # base64 runs shorter than this are not distinctive enough

SHAPES = (
    re.compile(r"\bgh[pousr]_[A-Za-z0-9]{20,}"),
    re.compile(r"\bgithub_pat_[A-Za-z0-9_]{20,}"),
    re.compile(r"\bglpat-[A-Za-z0-9_-]{20,}"),
    re.compile(r"\bnpm_[A-Za-z0-9]{30,}"),
    re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"),
    re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
    re.compile(
        r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----.*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|\Z)",
        re.DOTALL,
    ),
)
_HEADER = re.compile(
    r"(?i)(\b(?:proxy-)?authorization\s*[:=]\s*(?:(?:bearer|basic|token|digest)\s+)?)[^\s'\"]+"
)
_URL_PASSWORD = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^/\s:@]+:)[^@\s/]+(@)", re.IGNORECASE)


def _base64_cores(data: bytes) -> list[str]:
    """The base64 characters that depend only on ``data``, at each alignment."""
    cores: list[str] = []
    for pad in range(3):
        first = -(-pad // 3) * 3  # the first whole 3-byte group inside the value
        last = (pad + len(data)) // 3 * 3
        if last - first < 6:
            continue
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            text = encode(b"\0" * pad + data).decode("ascii")
            core = text[first * 4 // 3 : last * 4 // 3]
            if len(core) >= _MIN_CORE:
                cores.append(core)
    return cores


def forms(value: str) -> list[str]:
    """Every form of ``value`` to mask, longest first."""
    if len(value) < _MIN_SECRET:
        return []
    found = {value, quote(value, safe="")}
    found.update(_base64_cores(value.encode("utf-8", "surrogateescape")))
    return sorted(found, key=len, reverse=True)


def redact(text: str, values: Iterable[str] = ()) -> str:
    """``text`` with the known ``values`` (in their encoded forms too) and every
    credential-shaped string masked."""
    for value in values:
        for form in forms(value):
            text = text.replace(form, MASK)
    for shape in SHAPES:
        text = shape.sub(MASK, text)
    text = _HEADER.sub(lambda m: m.group(1) + MASK, text)
    return _URL_PASSWORD.sub(lambda m: m.group(1) + MASK + m.group(2), text)
