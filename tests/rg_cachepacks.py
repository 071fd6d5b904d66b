"""Reading and rewriting the result cache's packs on disk, as an attacker or a damaged
disk would (``releasegate.cache`` holds the format)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from releasegate.cache import PACK_MAGIC, cache_key, pack_document


@dataclass(frozen=True)
class Entry:
    """One stored result: the pack holding it, its cache key, its path and its result."""

    pack: Path
    key: str
    path: str
    result: Any


def packs(directory: Path) -> list[Path]:
    """Every pack below ``directory`` (a cache root, a tool's directory or a bucket)."""
    if not directory.exists():
        return []
    return sorted(p for p in directory.rglob("*.json") if not p.name.startswith("."))


def read_pack(pack: Path) -> tuple[bytes, dict[str, list[str]]]:
    """The pack's MAC and its entries (key: [path, result as JSON text]), unverified."""
    head, _, body = pack.read_bytes().partition(b"\n")
    magic, _, mac = head.partition(b" ")
    assert magic == PACK_MAGIC, pack
    entries = json.loads(body)
    assert isinstance(entries, dict)
    return mac, entries


def entries(directory: Path) -> list[Entry]:
    """Every stored result below ``directory``, pack by pack."""
    found = []
    for pack in packs(directory):
        for key, (path, text) in read_pack(pack)[1].items():
            found.append(Entry(pack, key, path, json.loads(text)))
    return found


def entry_for(directory: Path, path: str) -> Entry:
    """The entry a lookup of ``path`` reads: the one in the latest pack."""
    found = [entry for entry in entries(directory) if entry.path == path]
    assert found, f"no stored result for {path}"
    return found[-1]


def write_pack(pack: Path, stored: dict[str, list[str]], mac: bytes) -> None:
    """``stored`` written as ``pack`` under ``mac`` (a forger keeps the old one)."""
    body = json.dumps(stored, separators=(",", ":")).encode("ascii")
    pack.write_bytes(PACK_MAGIC + b" " + mac + b"\n" + body)


def set_result(entry: Entry, result: Any, *, reseal: bool, root: Path | None = None) -> None:
    """Replace ``entry``'s result in its pack: keeping the pack's MAC (a forgery), or
    with a valid MAC under the cache key of ``root`` (what an older, buggy releasegate
    with the same key could have written)."""
    mac, stored = read_pack(entry.pack)
    stored[entry.key] = [entry.path, json.dumps(result, separators=(",", ":"), sort_keys=True)]
    if not reseal:
        write_pack(entry.pack, stored, mac)
        return
    assert root is not None
    key = cache_key(root, os.environ)
    assert key is not None
    document = pack_document(
        key, entry.pack.parent.name, {k: (v[0], v[1]) for k, v in stored.items()}
    )
    entry.pack.write_bytes(document)
