"""A content-addressed cache of per-file analysis results.

An entry is keyed by everything its result depends on: the tool and its
version, the digest of the rules and of the policy settings the tool ran with
(the *salt*), the file's repository path and the digest of its bytes. A
re-run with nothing changed finds every file here and analyses nothing.

Entries are JSON files under ``<cache dir>/results/<tool>/``, written
atomically, so concurrent runs and interrupted writes never leave a torn
entry; an unreadable entry is a miss. The directory can be restored in CI
(e.g. with ``actions/cache`` on the path ``releasegate cache-dir`` prints).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import platformdirs

from releasegate.files import write_atomic
from releasegate.model import JSONValue

CACHE_FORMAT = "1"
ENV_CACHE_DIR = "RELEASEGATE_CACHE_DIR"
ENV_NO_CACHE = "RELEASEGATE_NO_CACHE"
_CHUNK = 1 << 20


def default_cache_dir() -> Path:
    configured = os.environ.get(ENV_CACHE_DIR)
    if configured:
        return Path(configured)
    return Path(platformdirs.user_cache_dir("releasegate"))


def cache_disabled() -> bool:
    return os.environ.get(ENV_NO_CACHE, "") not in ("", "0")


def file_digest(path: Path) -> str | None:
    """sha256 of the file's bytes; None if it cannot be read."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()


def digest_of(*parts: JSONValue) -> str:
    """A stable digest of JSON-able parts (for salts: versions, settings, rule digests)."""
    text = json.dumps(parts, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


@dataclass(frozen=True, kw_only=True)
class Lookup:
    """The outcome of looking up many files: what was cached, and what to analyse."""

    hits: Mapping[str, JSONValue]
    misses: tuple[str, ...]
    digests: Mapping[str, str]


@dataclass
class FileResultCache:
    """Per-file results of one tool under one salt."""

    root: Path
    tool: str
    salt: str
    enabled: bool = True
    stats: dict[str, int] = field(default_factory=lambda: {"hits": 0, "misses": 0, "writes": 0})

    @property
    def directory(self) -> Path:
        return self.root / "results" / self.tool

    def _key(self, path: str, digest: str) -> str:
        material = "\0".join((CACHE_FORMAT, self.tool, self.salt, path, digest))
        return hashlib.sha256(material.encode("utf-8", "surrogateescape")).hexdigest()

    def _entry(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get(self, path: str, digest: str) -> JSONValue | None:
        if not self.enabled:
            return None
        entry = self._entry(self._key(path, digest))
        try:
            stored = json.loads(entry.read_text("utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            with contextlib.suppress(OSError):
                entry.unlink()
            return None
        if not isinstance(stored, dict) or stored.get("path") != path or "result" not in stored:
            return None
        return cast(JSONValue, stored["result"])

    def put(self, path: str, digest: str, result: JSONValue) -> None:
        if not self.enabled:
            return
        entry = self._entry(self._key(path, digest))
        document = json.dumps({"path": path, "result": result}, separators=(",", ":"))
        try:
            write_atomic(entry, document)
        except OSError:
            # A cache that cannot be written only costs time, never correctness.
            return
        self.stats["writes"] += 1

    def lookup(self, tree: Path, paths: Iterable[str]) -> Lookup:
        """Digest every file and split them into cached results and files to analyse."""
        hits: dict[str, JSONValue] = {}
        misses: list[str] = []
        digests: dict[str, str] = {}
        for path in paths:
            digest = file_digest(tree / path)
            if digest is None:
                misses.append(path)
                continue
            digests[path] = digest
            cached = self.get(path, digest)
            if cached is None:
                misses.append(path)
            else:
                hits[path] = cached
        self.stats["hits"] += len(hits)
        self.stats["misses"] += len(misses)
        return Lookup(hits=hits, misses=tuple(misses), digests=digests)

    def evidence(self) -> dict[str, JSONValue]:
        return {"enabled": self.enabled, **self.stats}
