"""A content-addressed cache of per-file analysis results.

An entry is keyed by everything its result depends on: the tool and its
version, the digest of the rules and of the policy settings the tool ran with
(the *salt*), the file's repository path and the digest of its bytes. A
re-run with nothing changed finds every file here and analyses nothing.

Entries are kept in *packs*: one file per write holds every entry that write
stored (a cold run of a check writes one pack, not one file per analysed file:
creating a file costs more than analysing a small one). A pack is written
atomically under ``<cache dir>/results/<tool>/<bucket>/``, where the bucket is
named by the tool and the salt, so a run reads only the packs of its own
settings; concurrent runs and interrupted writes never leave a torn pack, and
an unreadable one is a miss. When a bucket holds more than ``MAX_PACKS`` packs,
the run that wrote the last one merges them into one. Entries are never
evicted: the directory can be deleted at any time, which costs only time. The
directory can be restored in CI (e.g. with ``actions/cache`` on the path
``releasegate cache-dir`` prints).

The cache directory is not trusted: anyone who can write it (a restored CI
cache from a pull request's run, another process of the user) could forge a
"no findings" entry. Every pack therefore carries an HMAC-SHA256 over its bucket
and every key and result it holds, made with a secret that never lives in the cache directory:
``RELEASEGATE_CACHE_KEY`` (set it from a CI secret to share a cache between
runs; stage commands never see it), else a random per-user key in the user's
config directory (``<config dir>/releasegate/cache.key``, mode 0600). A pack
whose MAC does not verify is counted as ``rejected`` and deleted, and its files
are analysed again. Moving an entry to another pack, a pack to another bucket
or a result to another key breaks the MAC; an old pack of the same bucket holds
true results for the bytes it names, since every key includes the file's digest.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import secrets
import stat
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import platformdirs

from releasegate.files import FileTooLarge, write_atomic
from releasegate.model import JSONValue

CACHE_FORMAT = "3"  # 3: packs
ENV_CACHE_DIR = "RELEASEGATE_CACHE_DIR"
ENV_NO_CACHE = "RELEASEGATE_NO_CACHE"
ENV_CACHE_KEY = "RELEASEGATE_CACHE_KEY"
ENV_CONFIG_DIR = "RELEASEGATE_CONFIG_DIR"
_KEY_BYTES = 32
_CHUNK = 1 << 20
MAX_PACKS = 16  # a bucket with more packs than this is merged into one
MAX_PACK_BYTES = 1 << 30  # a larger pack is not read (it is removed)
PACK_MAGIC = b"releasegate-cache-pack"


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


def _read_regular(path: Path, limit: int) -> bytes:
    """The bytes of ``path`` if it is a regular file (not a link, a FIFO or a device a
    hostile cache directory could hold, which would hang or flood the read) of at most
    ``limit`` bytes; else ``OSError`` or ``FileTooLarge``."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise OSError(f"{path}: not a regular file")
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise FileTooLarge(path, limit)
    return data


def pack_mac(key: CacheKey, bucket: str, body: bytes) -> str:
    """The HMAC of a pack: its bucket's name and its body, under the cache key."""
    material = bucket.encode("ascii") + b"\0" + body
    return hmac.new(key.secret, material, hashlib.sha256).hexdigest()


def pack_document(key: CacheKey, bucket: str, entries: Mapping[str, tuple[str, str]]) -> bytes:
    """A pack's bytes: ``PACK_MAGIC``, its MAC, a newline, then its entries (key: [path,
    result as JSON text]) as JSON, in ASCII (lone surrogates of undecodable names are
    escaped)."""
    body = json.dumps(entries, separators=(",", ":")).encode("ascii")
    return PACK_MAGIC + b" " + pack_mac(key, bucket, body).encode("ascii") + b"\n" + body


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
    # key -> (path, result as JSON text), from every pack of the bucket; read once.
    _index: dict[str, tuple[str, str]] | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if not self.enabled:
            self.key = None
        if self.key is None:
            self.enabled = False

    @property
    def directory(self) -> Path:
        return self.root / "results" / self.tool

    @property
    def bucket(self) -> Path:
        """Where the packs of this tool and salt are."""
        name = "\0".join((CACHE_FORMAT, self.tool, self.salt))
        digest = hashlib.sha256(name.encode("utf-8", "surrogateescape")).hexdigest()
        return self.directory / digest[:32]

    def packs(self) -> list[Path]:
        """The bucket's packs, oldest first (a later pack's entry wins)."""
        try:
            names = [p for p in self.bucket.iterdir() if p.suffix == ".json"]
        except OSError:
            return []
        return sorted(p for p in names if not p.name.startswith("."))

    def _key(self, path: str, digest: str) -> str:
        material = "\0".join((CACHE_FORMAT, self.tool, self.salt, path, digest))
        return hashlib.sha256(material.encode("utf-8", "surrogateescape")).hexdigest()

    def _read_pack(self, pack: Path) -> dict[str, tuple[str, str]] | None:
        """The entries of ``pack``; None if it is gone, or was damaged or forged (then it
        is removed)."""
        try:
            data = _read_regular(pack, MAX_PACK_BYTES)
        except FileNotFoundError:
            return None  # merged into another pack by a concurrent run
        except (OSError, FileTooLarge):
            self._reject(pack)
            return None
        if self.key is None:  # pragma: no cover - disabled caches never get here
            raise RuntimeError("cache without a key")
        head, _, body = data.partition(b"\n")
        magic, _, mac = head.partition(b" ")
        if magic != PACK_MAGIC or not hmac.compare_digest(
            mac, pack_mac(self.key, self.bucket.name, body).encode("ascii")
        ):
            self._reject(pack)
            return None
        try:
            stored = json.loads(body)
        except ValueError:
            self._reject(pack)
            return None
        if not isinstance(stored, dict) or not all(
            isinstance(item, list)
            and len(item) == 2
            and isinstance(item[0], str)
            and isinstance(item[1], str)
            for item in stored.values()
        ):
            self._reject(pack)
            return None
        return {key: (item[0], item[1]) for key, item in stored.items()}

    def _load(self) -> dict[str, tuple[str, str]]:
        if self._index is None:
            index: dict[str, tuple[str, str]] = {}
            for pack in self.packs():
                index.update(self._read_pack(pack) or {})
            self._index = index
        return self._index

    def get(self, path: str, digest: str) -> JSONValue | None:
        if not self.enabled:
            return None
        found = self._load().get(self._key(path, digest))
        if found is None or found[0] != path:
            return None
        try:
            return cast(JSONValue, json.loads(found[1]))
        except ValueError:  # pragma: no cover - an authenticated entry is our own JSON
            return None

    def _reject(self, pack: Path) -> None:
        """A forged, torn or foreign pack: never believed, removed, re-analysed."""
        self.stats["rejected"] += 1
        with contextlib.suppress(OSError):
            pack.unlink()

    def put(self, path: str, digest: str, result: JSONValue) -> None:
        self.put_many([(path, digest, result)])

    def put_many(self, items: Iterable[tuple[str, str, JSONValue]]) -> None:
        """Store each (path, digest, result) in one new pack."""
        if not self.enabled:
            return
        entries = {
            self._key(path, digest): (
                path,
                json.dumps(result, separators=(",", ":"), sort_keys=True),
            )
            for path, digest, result in items
        }
        if not entries or not self._write_pack(entries):
            return
        self.stats["writes"] += len(entries)
        if self._index is not None:
            self._index.update(entries)
        self._merge_packs()

    def _write_pack(self, entries: Mapping[str, tuple[str, str]]) -> bool:
        if self.key is None:  # pragma: no cover - disabled caches never get here
            raise RuntimeError("cache without a key")
        # Named by time, so that a later pack sorts (and wins) after an earlier one.
        name = f"{time.time_ns():020d}-{secrets.token_hex(4)}.json"
        try:
            write_atomic(self.bucket / name, pack_document(self.key, self.bucket.name, entries))
        except OSError:
            # A cache that cannot be written only costs time, never correctness.
            return False
        return True

    def _merge_packs(self) -> None:
        """More than ``MAX_PACKS`` packs in the bucket: one pack holding all of them."""
        packs = self.packs()
        if len(packs) <= MAX_PACKS:
            return
        merged: dict[str, tuple[str, str]] = {}
        read: list[Path] = []
        for pack in packs:
            entries = self._read_pack(pack)
            if entries is not None:
                merged.update(entries)
                read.append(pack)
        if merged and not self._write_pack(merged):
            return
        for pack in read:  # a pack another run writes meanwhile is not in ``read``
            with contextlib.suppress(OSError):
                pack.unlink()

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
