"""A content-addressed cache of per-file analysis results.

An entry is keyed by everything its result depends on: the tool and its
version, the digest of the rules and of the policy settings the tool ran with
(the *salt*), the file's repository path and the digest of its bytes. A
re-run with nothing changed finds every file here and analyses nothing.

Entries are JSON files under ``<cache dir>/results/<tool>/``, written
atomically, so concurrent runs and interrupted writes never leave a torn
entry; an unreadable entry is a miss. The directory can be restored in CI
(e.g. with ``actions/cache`` on the path ``releasegate cache-dir`` prints).

The cache directory is not trusted: anyone who can write it (a restored CI
cache from a pull request's run, another process of the user) could forge a
"no findings" entry. Every entry therefore carries an HMAC-SHA256 over its key
and its result, made with a secret that never lives in the cache directory:
``RELEASEGATE_CACHE_KEY`` (set it from a CI secret to share a cache between
runs; stage commands never see it), else a random per-user key in the user's
config directory (``<config dir>/releasegate/cache.key``, mode 0600). An entry
whose MAC does not verify is counted as ``rejected``, deleted and re-analysed.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import platformdirs

from releasegate.files import write_atomic
from releasegate.model import JSONValue

CACHE_FORMAT = "2"
ENV_CACHE_DIR = "RELEASEGATE_CACHE_DIR"
ENV_NO_CACHE = "RELEASEGATE_NO_CACHE"
ENV_CACHE_KEY = "RELEASEGATE_CACHE_KEY"
ENV_CONFIG_DIR = "RELEASEGATE_CONFIG_DIR"
_KEY_BYTES = 32
_CHUNK = 1 << 20


def default_cache_dir(environ: Mapping[str, str]) -> Path:
    configured = environ.get(ENV_CACHE_DIR)
    if configured:
        return Path(configured)
    return Path(platformdirs.user_cache_dir("releasegate"))


def cache_disabled(environ: Mapping[str, str]) -> bool:
    return environ.get(ENV_NO_CACHE, "") not in ("", "0")


def default_config_dir(environ: Mapping[str, str]) -> Path:
    configured = environ.get(ENV_CONFIG_DIR)
    if configured:
        return Path(configured)
    return Path(platformdirs.user_config_dir("releasegate"))


@dataclass(frozen=True, kw_only=True)
class CacheKey:
    """The secret entries are authenticated with, and where it came from."""

    secret: bytes
    source: str


def cache_key(cache_root: Path, environ: Mapping[str, str]) -> CacheKey | None:
    """The MAC key: ``RELEASEGATE_CACHE_KEY``, else the per-user key file (made on first use).

    None when neither can be had (the cache is then off: an unauthenticated cache
    would be believed). A key file inside the cache directory is never used.
    """
    configured = environ.get(ENV_CACHE_KEY, "")
    if configured:
        return CacheKey(secret=configured.encode("utf-8"), source=ENV_CACHE_KEY)
    path = default_config_dir(environ) / "cache.key"
    try:
        if path.resolve().is_relative_to(cache_root.resolve()):
            return None
        data = path.read_bytes()
    except FileNotFoundError:
        data = b""
    except OSError:
        return None
    if len(data) < _KEY_BYTES:
        data = secrets.token_bytes(_KEY_BYTES)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            try:
                data = path.read_bytes()  # another run made it first
            except OSError:
                return None
            if len(data) < _KEY_BYTES:
                return None
        except OSError:
            return None
        else:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
    return CacheKey(secret=data, source=str(path))


# Digests already taken in this process, by path and the file's identity (device, inode,
# size, modification time): the checks of one run look up the same snapshot files.
_DIGESTS: dict[tuple[str, int, int, int, int], str] = {}
_DIGESTS_MAX = 200_000


def file_digest(path: Path) -> str | None:
    """sha256 of the file's bytes; None if it cannot be read."""
    try:
        with path.open("rb") as handle:
            info = os.fstat(handle.fileno())
            identity = (str(path), info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)
            known = _DIGESTS.get(identity)
            if known is not None:
                return known
            digest = hashlib.sha256()
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
    except OSError:
        return None
    if len(_DIGESTS) >= _DIGESTS_MAX:
        _DIGESTS.clear()
    _DIGESTS[identity] = digest.hexdigest()
    return _DIGESTS[identity]


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
    stats: dict[str, int] = field(
        default_factory=lambda: {"hits": 0, "misses": 0, "writes": 0, "rejected": 0}
    )
    key: CacheKey | None = None  # cache_key(root, environ); None: the cache is off

    def __post_init__(self) -> None:
        if not self.enabled:
            self.key = None
        if self.key is None:
            self.enabled = False

    def _mac(self, key: str, document: str) -> str:
        if self.key is None:  # pragma: no cover - disabled caches never get here
            raise RuntimeError("cache without a key")
        material = f"{key}\0{document}".encode("utf-8", "surrogateescape")
        return hmac.new(self.key.secret, material, hashlib.sha256).hexdigest()

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
        key = self._key(path, digest)
        entry = self._entry(key)
        try:
            stored = json.loads(entry.read_text("utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            self._reject(entry)
            return None
        if (
            not isinstance(stored, dict)
            or stored.get("path") != path
            or not isinstance(stored.get("result"), str)
            or not isinstance(stored.get("mac"), str)
            or not hmac.compare_digest(stored["mac"], self._mac(key, stored["result"]))
        ):
            self._reject(entry)
            return None
        try:
            return cast(JSONValue, json.loads(stored["result"]))
        except ValueError:
            self._reject(entry)
            return None

    def _reject(self, entry: Path) -> None:
        """A forged, torn or foreign entry: never believed, removed, re-analysed."""
        self.stats["rejected"] += 1
        with contextlib.suppress(OSError):
            entry.unlink()

    def put(self, path: str, digest: str, result: JSONValue) -> None:
        if not self.enabled:
            return
        key = self._key(path, digest)
        entry = self._entry(key)
        body = json.dumps(result, separators=(",", ":"), sort_keys=True)
        document = json.dumps(
            {"path": path, "result": body, "mac": self._mac(key, body)}, separators=(",", ":")
        )
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
        key: JSONValue = None if self.key is None else self.key.source
        return {"enabled": self.enabled, **self.stats, "key": key}
