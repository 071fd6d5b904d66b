"""Findings whose sink no input reaches, or whose line never runs, are kept, and do not
block.

For the taint-style rules (semgrep's rule pack, bandit's shell and SQL tests),
``taint.proven_clean`` looks at the function holding the finding: when it proves that
every value reaching the sink's arguments is a constant or sanitised for that sink, the
finding is *downgraded* (so is any finding on a line inside a branch whose ``if``
condition folds to a constant, ``taint.proven_dead``): its severity drops to low (so
the default ``block_on`` does not block it), its message says why, and the check's
evidence lists it. Anything the analysis cannot prove leaves the finding as it was.
"""

from __future__ import annotations

import dataclasses
import hashlib
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Protocol

from releasegate import taint
from releasegate.cache import FileResultCache
from releasegate.checkapi import CheckContext
from releasegate.files import FileTooLarge, read_capped
from releasegate.model import Finding, JSONValue, Severity
from releasegate.taint import Proof, Sink, proven_clean, proven_dead

_PACK = "releasegate.python."
# The rules whose finding is "input reaches this sink", and the kind of sink.
TAINT_RULES: Mapping[str, Sink] = {
    _PACK + "injection.shell-command-from-request": Sink.SHELL,
    _PACK + "injection.shell-with-non-literal-command": Sink.SHELL,
    _PACK + "sqli.formatted-sql-to-execute": Sink.SQL,
    _PACK + "sqli.django-raw-sql-built-string": Sink.SQL,
    _PACK + "xss.request-data-in-html-response": Sink.HTML,
    _PACK + "injection.path-traversal-from-request": Sink.PATH,
    _PACK + "redirect-ssrf.ssrf-from-request": Sink.URL,
    _PACK + "redirect-ssrf.open-redirect": Sink.URL,
    _PACK + "injection.xpath-injection": Sink.XPATH,
    _PACK + "deserialization.request-data-deserialized": Sink.DESERIALIZE,
    # Unsafe loaders are dangerous for input; a constant document is not an attack.
    _PACK + "deserialization.yaml-unsafe-load": Sink.DESERIALIZE,
    _PACK + "deserialization.pickle-family-deserialization": Sink.DESERIALIZE,
    _PACK + "injection.ldap-injection": Sink.LDAP,
    _PACK + "session.request-data-in-session": Sink.SESSION,
    _PACK + "xml.xxe-from-request": Sink.XML,
    "B602": Sink.SHELL,  # subprocess with shell=True
    "B604": Sink.SHELL,  # any call with shell=True
    "B605": Sink.SHELL,  # os.system and friends
    "B608": Sink.SQL,  # SQL built from strings
    "B301": Sink.DESERIALIZE,  # pickle and friends
    "B506": Sink.DESERIALIZE,  # yaml.load
}
_MAX_SOURCE = 2 * 1024 * 1024  # a larger file is not analysed (the finding stands)


class ProofStore(Protocol):
    """Where proofs are kept between runs (``cache.FileResultCache``): by file and its
    content digest, so a file that did not change is not analysed again."""

    def get(self, path: str, digest: str) -> JSONValue | None: ...

    def put_many(self, items: Iterable[tuple[str, str, JSONValue]]) -> None: ...


def proof_store(ctx: CheckContext, tool: str) -> FileResultCache:
    """The proofs of ``tool``'s findings, cached under a salt of the analysis code
    itself (a changed analysis never reuses an old proof) and the cache's own key."""
    return FileResultCache(
        root=ctx.cache_dir,
        tool=f"reachability-{tool}",
        salt=_ANALYSIS_DIGEST,
        enabled=ctx.use_cache,
        key=ctx.cache_key,
    )


def _code_digest() -> str:
    """The analysis as it runs here: its code and the Python whose ``ast`` it reads."""
    digest = hashlib.sha256(f"{sys.version_info[0]}.{sys.version_info[1]}".encode())
    for module in (taint, sys.modules[__name__]):
        digest.update(Path(str(module.__file__)).read_bytes())
    return digest.hexdigest()


def downgrade(
    findings: Sequence[Finding], tree: Path, store: ProofStore | None = None
) -> tuple[list[Finding], list[dict[str, JSONValue]]]:
    """``findings`` with the unreachable ones downgraded, and what was downgraded.

    ``store``: proofs of earlier runs, by file digest (read and written here)."""
    sources: dict[str, str | None] = {}
    files: dict[str, tuple[str, dict[str, JSONValue]]] = {}  # path: (digest, proofs)
    changed: set[str] = set()
    kept: list[Finding] = []
    downgraded: list[dict[str, JSONValue]] = []
    for finding in findings:
        if finding.severity in (Severity.LOW, Severity.INFO) or not finding.path.endswith(".py"):
            kept.append(finding)
            continue
        if finding.path not in sources:
            sources[finding.path] = _read(tree / finding.path)
            source_text = sources[finding.path]
            if store is not None and source_text is not None:
                digest = hashlib.sha256(source_text.encode("utf-8")).hexdigest()
                stored = store.get(finding.path, digest)
                files[finding.path] = (digest, dict(stored) if isinstance(stored, dict) else {})
        source = sources[finding.path]
        sink = TAINT_RULES.get(finding.rule_id)
        key = f"{finding.rule_id}\0{finding.line}"
        memo = files.get(finding.path)
        reason = memo[1].get(key) if memo is not None else None
        proof: Proof | None
        if memo is not None and key in memo[1] and (reason is None or isinstance(reason, str)):
            proof = None if reason is None else Proof(line=finding.line, reason=reason)
        else:
            proof = None
            if source is not None:
                # A taint finding: does input reach its sink? Any finding: does its line run?
                proof = (
                    proven_clean(source, finding.line, sink)
                    if sink is not None
                    else proven_dead(source, finding.line)
                )
            if memo is not None:
                memo[1][key] = None if proof is None else proof.reason
                changed.add(finding.path)
        if proof is None:
            kept.append(finding)
            continue
        kept.append(
            dataclasses.replace(
                finding,
                severity=Severity.LOW,
                message=f"{finding.message} [downgraded from {finding.severity.value}: "
                f"{proof.reason}]",
            )
        )
        downgraded.append(
            {
                "rule_id": finding.rule_id,
                "path": finding.path,
                "line": finding.line,
                "was": finding.severity.value,
                "reason": proof.reason,
            }
        )
    if store is not None:
        store.put_many((path, *files[path]) for path in sorted(changed))
    return kept, downgraded


def _read(path: Path) -> str | None:
    try:
        data = read_capped(path, _MAX_SOURCE)
    except (OSError, FileTooLarge):
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


_ANALYSIS_DIGEST = _code_digest()
