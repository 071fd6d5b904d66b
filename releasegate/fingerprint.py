"""Finding fingerprints that survive line moves, reformatting and unrelated edits.

A fingerprint is a digest of (tool, rule, path, normalised code of the flagged
lines, occurrence index). The occurrence index numbers identical findings in
one file in line order, so a second identical finding is a new finding.
"""

from __future__ import annotations

import ast
import hashlib
import io
import re
import tokenize
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

FINGERPRINT_VERSION = "v1"
_SKIPPED_TOKENS = {
    tokenize.COMMENT,
    tokenize.NL,
    tokenize.NEWLINE,
    tokenize.INDENT,
    tokenize.DEDENT,
    tokenize.ENDMARKER,
}
_CLOSERS = {")", "]", "}"}


def _canonical_string(text: str) -> str:
    """Render a plain string literal one way, whatever its quotes were."""
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return text
    return repr(value)


def normalise_code(code: str) -> str:
    """Token-level normal form of a code fragment.

    Comments, line breaks, indentation, quote style and trailing commas (what
    formatters change) do not matter; names, operators and values do.
    """
    tokens: list[str] = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(code.strip() + "\n").readline):
            if tok.type in _SKIPPED_TOKENS:
                continue
            text = _canonical_string(tok.string) if tok.type == tokenize.STRING else tok.string
            if text in _CLOSERS and tokens and tokens[-1] == ",":
                tokens.pop()
            tokens.append(text)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        # A fragment cut mid-statement: keep the tokens read so far, and if
        # there are none fall back to the text with white space removed.
        if not tokens:
            return "".join(code.split())
    return " ".join(tokens)


@dataclass(frozen=True, kw_only=True)
class Located:
    """What identifies a finding before its occurrence index is known."""

    tool: str
    rule_id: str
    path: str
    line: int
    code: str


def fingerprints(items: Iterable[Located]) -> list[str]:
    """Fingerprints for ``items``, in the order given.

    Occurrence indexes are assigned in (path, line) order among items that
    share tool, rule, path and normalised code.
    """
    listed = list(items)
    keys = [(item.tool, item.rule_id, item.path, normalise_code(item.code)) for item in listed]
    order = sorted(range(len(listed)), key=lambda i: (listed[i].path, listed[i].line, i))
    seen: Counter[tuple[str, str, str, str]] = Counter()
    result = [""] * len(listed)
    for index in order:
        key = keys[index]
        occurrence = seen[key]
        seen[key] += 1
        material = "\0".join((FINGERPRINT_VERSION, *key, str(occurrence)))
        result[index] = hashlib.sha256(material.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return result


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def split_source(text: str) -> list[str]:
    """Lines as Python's parser numbers them: only \\n, \\r\\n and \\r end a line.

    (``str.splitlines`` also breaks on form feeds and other separators, which
    would shift line numbers.)
    """
    return _LINE_BREAK.split(text)


def read_source(path: Path) -> list[str]:
    """A source file's lines, decoded as Python would (PEP 263), numbered as ``ast`` does."""
    try:
        data = path.read_bytes()
    except OSError:
        return []
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError:
        encoding = "utf-8"
    try:
        text = data.decode(encoding, "replace")
    except LookupError:
        text = data.decode("utf-8", "replace")
    return split_source(text.removeprefix("\ufeff"))


def source_lines(text: str, start: int, end: int | None = None) -> str:
    """Lines ``start``..``end`` (1-based, inclusive) of ``text``."""
    lines = split_source(text)
    last = end if end is not None and end >= start else start
    return "\n".join(lines[max(start - 1, 0) : last])
