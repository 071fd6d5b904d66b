"""Encoding untrusted text for each output format.

Everything a report shows that came from outside releasegate (finding messages,
paths, rule ids, refs, reasons that quote them) is untrusted: it may carry
terminal escape sequences, Markdown or HTML, mentions, workflow commands or
text that cannot be encoded as UTF-8. Reporters pass such text through the
function for their format and never interpolate it raw.
"""

from __future__ import annotations

import re
import unicodedata

from releasegate.codec import REPLACEMENT, utf8_safe

# ECMA-48 escape sequences: CSI (7- and 8-bit), OSC/DCS/APC/PM/SOS strings
# terminated by BEL or ST, and two-character escapes.
_ANSI = re.compile(
    r"""
    (?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?          # CSI ... final byte
    | (?:\x1b[\]P^_X]|[\x90\x9d\x9e\x9f\x98])  # OSC, DCS, PM, APC, SOS
      [^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?    # ... up to BEL or ST
    | \x1b[ -/]*[0-~]?                         # other escapes
    """,
    re.VERBOSE,
)
_WHITESPACE_CONTROLS = {"\n", "\r", "\t", "\v", "\f", "\x85", "\u2028", "\u2029"}
# Characters that reorder or hide text when displayed (Trojan Source and friends).
_INVISIBLE_FORMATTING = frozenset(
    "\u061c\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
    "\u2060\u2066\u2067\u2068\u2069\ufeff"
)

# ASCII punctuation that means something to GitHub-flavoured Markdown anywhere in a
# line: escapes, code, emphasis, links and images ("[" "]"), headings and issue
# references ("#"), tables, strikethrough and math ("$"). The rest of the
# punctuation is escaped only where it means something (see ``markdown_text``), so
# that "requests>=2.31 (fixes 3)." stays readable.
_MARKDOWN_PUNCTUATION = frozenset("\\`*_[]#|~$")
# At the start of the text (it may follow "- " or start a line): list markers,
# setext underlines, and an ordered-list number's "." or ")".
_LEADING_MARKERS = frozenset("-+=")
_ORDERED_ITEM = re.compile(r"\d{1,9}[.)]")
# Autolinks: "scheme://" and "www.".
_AUTOLINK_COLON = re.compile(r":(?=//)")
_WWW_DOT = re.compile(r"(?i)(?<![A-Za-z0-9])www(\.)")
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
# A zero-width joiner after "@" stops GitHub from turning "@name" into a mention.
_MENTION_BREAK = "@\u200d"
_WORD_JOINER = "\u2060"


def clean_text(text: str) -> str:
    """One display line of ``text``: no escape sequences, controls or hidden formatting.

    Terminal escape sequences are removed, line breaks and tabs become spaces,
    other control characters, bidirectional overrides, zero-width characters
    and lone surrogates become U+FFFD so that their presence stays visible.
    """
    text = _ANSI.sub("", utf8_safe(text))
    out: list[str] = []
    for ch in text:
        if ch in _WHITESPACE_CONTROLS:
            out.append(" ")
        elif ch in _INVISIBLE_FORMATTING or unicodedata.category(ch) == "Cc":
            out.append(REPLACEMENT)
        else:
            out.append(ch)
    return "".join(out)


def shorten(text: str, max_chars: int) -> str:
    """``text`` cut to at most ``max_chars`` characters, marked with an ellipsis."""
    if len(text) <= max_chars:
        return text
    return text[: max(max_chars - 1, 0)] + "…"


def markdown_text(text: str, *, max_chars: int | None = None) -> str:
    """``text`` as inert inline GitHub-flavoured Markdown, safe inside a table cell.

    No emphasis, links, images, autolinks, HTML, code spans, headings, list
    markers, table pipes or mentions survive; line breaks become spaces. Only
    what Markdown would read is escaped: ``.``, ``-``, ``(``, ``:`` and the like
    stay as they are except where they would start a list or an autolink.
    """
    # Leading spaces would make an indented code block at the start of a line.
    cleaned = clean_text(text).lstrip(" ")
    if max_chars is not None:
        cleaned = shorten(cleaned, max_chars)
    escape_at = {m.start() for m in _AUTOLINK_COLON.finditer(cleaned)}
    escape_at |= {m.start(1) for m in _WWW_DOT.finditer(cleaned)}
    if cleaned[:1] in _LEADING_MARKERS and cleaned:
        escape_at.add(0)
    ordered = _ORDERED_ITEM.match(cleaned)
    if ordered is not None:
        escape_at.add(ordered.end() - 1)
    out: list[str] = []
    for index, ch in enumerate(cleaned):
        if ch in _HTML:
            out.append(_HTML[ch])
        elif ch in _MARKDOWN_PUNCTUATION or index in escape_at:
            out.append("\\" + ch)
        elif ch == "@":
            out.append(_MENTION_BREAK)
        else:
            out.append(ch)
    return "".join(out)


def terminal_text(text: str, *, max_chars: int | None = None) -> str:
    """``text`` safe to print to a terminal or a CI log.

    Escape sequences and controls are gone (see :func:`clean_text`) and "::"
    and "##[" are split with a word joiner so no line can read as a GitHub
    Actions workflow command such as ``::set-output``, ``::add-mask::`` or the
    legacy ``##[set-env]``.
    Rich markup is not escaped here: pass the result as a ``rich.text.Text``
    (or through ``rich.markup.escape``), never as a markup string.
    """
    cleaned = clean_text(text)
    if max_chars is not None:
        cleaned = shorten(cleaned, max_chars)
    return cleaned.replace("::", ":" + _WORD_JOINER + ":").replace("##[", "#" + _WORD_JOINER + "#[")


def sarif_text(text: str) -> str:
    """``text`` as a SARIF plain-text message.

    SARIF (§3.11.6) reads ``[text](target)`` in a plain-text message as an
    embedded link, so literal brackets are escaped with a backslash (and the
    backslash itself too). Lone surrogates are replaced. Line breaks are kept:
    SARIF viewers show them as such and they are not an injection risk there.
    """
    safe = utf8_safe(text)
    return safe.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")
