"""The content-addressed cache of per-file results, on real files in temporary directories."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from rg_cachepacks import entry_for, packs, read_pack, set_result, write_pack

from releasegate import cache as cache_module
from releasegate.cache import (
    ENV_CACHE_DIR,
    ENV_CACHE_KEY,
    ENV_CONFIG_DIR,
    ENV_NO_CACHE,
    MAX_PACKS,
    FileResultCache,
    cache_disabled,
    cache_key,
    default_cache_dir,
    digest_of,
    file_digest,
    pack_mac,
)
from releasegate.model import JSONValue

RESULT: JSONValue = {"issues": [{"line": 3, "rule": "B602"}], "loc": 7}


def make_tree(where: Path, files: dict[str, str]) -> Path:
    tree = where / "tree"
    for path, text in files.items():
        target = tree / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return tree


def make_cache(where: Path, *, salt: str = "salt-1", enabled: bool = True) -> FileResultCache:
    root = where / "cache"
    key = cache_key(root, os.environ)
    return FileResultCache(root=root, tool="bandit", salt=salt, enabled=enabled, key=key)


def entries(cache: FileResultCache) -> list[Path]:
    """The cache's pack files."""
    return packs(cache.directory)


def put_file(cache: FileResultCache, tree: Path, path: str, result: JSONValue = RESULT) -> str:
    digest = file_digest(tree / path)
    assert digest is not None
    cache.put(path, digest, result)
    return digest


# --- hits and misses ----------------------------------------------------------------------


def test_a_stored_result_is_a_hit_and_the_rest_are_misses(tmp_path: Path) -> None:
    tree = make_tree(tmp_path, {"a.py": "a = 1\n", "b.py": "b = 2\n", "c.py": "c = 3\n"})
    cache = make_cache(tmp_path)
    digest = put_file(cache, tree, "b.py")
    found = make_cache(tmp_path).lookup(tree, ["a.py", "b.py", "c.py"])
    assert found.hits == {"b.py": RESULT}
    assert found.misses == ("a.py", "c.py")
    assert found.digests["b.py"] == digest
    assert set(found.digests) == {"a.py", "b.py", "c.py"}


def test_lookup_counts_hits_and_misses_and_put_counts_writes(tmp_path: Path) -> None:
    tree = make_tree(tmp_path, {"a.py": "a = 1\n", "b.py": "b = 2\n"})
    cache = make_cache(tmp_path)
    put_file(cache, tree, "a.py")
    cache.lookup(tree, ["a.py", "b.py"])
    evidence = cache.evidence()
    assert cache.key is not None
    assert evidence == {
        "enabled": True,
        "hits": 1,
        "misses": 1,
        "writes": 1,
        "rejected": 0,
        "key": cache.key.source,
    }


def test_another_salt_is_a_miss(tmp_path: Path) -> None:
    tree = make_tree(tmp_path, {"a.py": "a = 1\n"})
    put_file(make_cache(tmp_path, salt="bandit 1.9.4, skips []"), tree, "a.py")
    found = make_cache(tmp_path, salt="bandit 1.9.4, skips [B602]").lookup(tree, ["a.py"])
    assert found.hits == {}
    assert found.misses == ("a.py",)


def test_another_tool_is_a_miss(tmp_path: Path) -> None:
    tree = make_tree(tmp_path, {"a.py": "a = 1\n"})
    put_file(make_cache(tmp_path), tree, "a.py")
    root = tmp_path / "cache"
    other = FileResultCache(
        root=root, tool="semgrep", salt="salt-1", key=cache_key(root, os.environ)
    )
    assert other.lookup(tree, ["a.py"]).misses == ("a.py",)


def test_the_same_bytes_at_another_path_are_a_miss(tmp_path: Path) -> None:
    tree = make_tree(tmp_path, {"a.py": "x = 1\n", "b.py": "x = 1\n"})
    cache = make_cache(tmp_path)
    put_file(cache, tree, "a.py")
    found = cache.lookup(tree, ["a.py", "b.py"])
    assert list(found.hits) == ["a.py"]
    assert found.misses == ("b.py",)
    assert found.digests["a.py"] == found.digests["b.py"]


def test_changed_content_is_a_miss(tmp_path: Path) -> None:
    tree = make_tree(tmp_path, {"a.py": "a = 1\n"})
    cache = make_cache(tmp_path)
    put_file(cache, tree, "a.py")
    (tree / "a.py").write_text("a = 2\n", encoding="utf-8")
    assert cache.lookup(tree, ["a.py"]).misses == ("a.py",)


def test_an_unreadable_file_is_a_miss_without_a_digest(tmp_path: Path) -> None:
    tree = make_tree(tmp_path, {"a.py": "a = 1\n"})
    (tree / "pkg").mkdir()
    found = make_cache(tmp_path).lookup(tree, ["gone.py", "pkg"])
    assert found.misses == ("gone.py", "pkg")
    assert found.digests == {}
    assert file_digest(tree / "gone.py") is None


# --- damaged entries, damaged directories -------------------------------------------------


@pytest.mark.parametrize("damage", [b"{not json", b"\xff\xfe\x00", b""], ids=repr)
def test_a_corrupt_entry_is_a_miss_and_is_removed(tmp_path: Path, damage: bytes) -> None:
    tree = make_tree(tmp_path, {"a.py": "a = 1\n"})
    cache = make_cache(tmp_path)
    put_file(cache, tree, "a.py")
    [entry] = entries(cache)
    entry.write_bytes(damage)
    found = make_cache(tmp_path).lookup(tree, ["a.py"])
    assert found.hits == {}
    assert found.misses == ("a.py",)
    assert not entry.exists()


@pytest.mark.parametrize(
    "stored",
    [[1, 2], {"k": ["a.py"]}, {"k": ["a.py", 1]}, {"k": "text"}, "text"],
    ids=["list", "no-result", "result-not-text", "entry-not-list", "string"],
)
def test_a_pack_of_the_wrong_shape_is_a_miss_and_is_removed(
    tmp_path: Path, stored: JSONValue
) -> None:
    """Even under a valid MAC (an older releasegate's pack with the same key)."""
    tree = make_tree(tmp_path, {"a.py": "a = 1\n"})
    cache = make_cache(tmp_path)
    put_file(cache, tree, "a.py")
    [pack] = entries(cache)
    assert cache.key is not None
    body = json.dumps(stored).encode("ascii")
    pack.write_bytes(
        b"releasegate-cache-pack "
        + pack_mac(cache.key, pack.parent.name, body).encode()
        + b"\n"
        + body
    )
    again = make_cache(tmp_path)
    assert again.lookup(tree, ["a.py"]).misses == ("a.py",)
    assert again.stats["rejected"] == 1
    assert not pack.exists()


def test_an_unwritable_cache_directory_costs_time_not_correctness(tmp_path: Path) -> None:
    tree = make_tree(tmp_path, {"a.py": "a = 1\n"})
    blocked = tmp_path / "cache"
    blocked.write_text("a file where the cache directory should be\n", encoding="utf-8")
    cache = make_cache(tmp_path)
    digest = put_file(cache, tree, "a.py")  # does not raise
    assert cache.stats["writes"] == 0
    assert cache.get("a.py", digest) is None
    assert cache.lookup(tree, ["a.py"]).misses == ("a.py",)


def test_writes_leave_no_temporary_files(tmp_path: Path) -> None:
    tree = make_tree(tmp_path, {f"m{i}.py": f"v = {i}\n" for i in range(5)})
    cache = make_cache(tmp_path)
    for i in range(5):
        put_file(cache, tree, f"m{i}.py")
    put_file(cache, tree, "m0.py", {"replaced": True})  # a later pack wins
    assert len(entries(cache)) == 6
    assert not [p for p in cache.directory.rglob("*") if p.name.startswith(".")]
    assert make_cache(tmp_path).lookup(tree, ["m0.py"]).hits == {"m0.py": {"replaced": True}}


# --- packs ----------------------------------------------------------------------------------


def test_one_write_of_many_files_is_one_pack(tmp_path: Path) -> None:
    names = [f"m{i}.py" for i in range(50)]
    tree = make_tree(tmp_path, {name: f"v = {i}\n" for i, name in enumerate(names)})
    cache = make_cache(tmp_path)
    digests = cache.lookup(tree, names).digests
    cache.put_many((name, digests[name], {"n": name}) for name in names)
    assert cache.stats["writes"] == 50
    [pack] = entries(cache)
    assert len(read_pack(pack)[1]) == 50
    found = make_cache(tmp_path).lookup(tree, names)
    assert found.misses == ()
    assert found.hits == {name: {"n": name} for name in names}


def test_a_write_of_nothing_writes_no_pack(tmp_path: Path) -> None:
    cache = make_cache(tmp_path)
    cache.put_many([])
    assert entries(cache) == []
    assert cache.stats["writes"] == 0


def _full_bucket(tmp_path: Path) -> tuple[Path, FileResultCache, list[str]]:
    """A cache holding ``MAX_PACKS`` packs of one file each, and one file more to store."""
    names = [f"m{i}.py" for i in range(MAX_PACKS + 1)]
    tree = make_tree(tmp_path, {name: f"v = {i}\n" for i, name in enumerate(names)})
    cache = make_cache(tmp_path)
    for name in names[:MAX_PACKS]:
        put_file(cache, tree, name, {"n": name})
    assert len(entries(cache)) == MAX_PACKS
    return tree, cache, names


def test_more_than_max_packs_are_merged_into_one(tmp_path: Path) -> None:
    tree, cache, names = _full_bucket(tmp_path)
    put_file(cache, tree, names[-1], {"n": names[-1]})
    [merged] = entries(cache)
    assert len(read_pack(merged)[1]) == MAX_PACKS + 1
    assert make_cache(tmp_path).lookup(tree, names).hits == {n: {"n": n} for n in names}


def test_a_merge_leaves_out_a_forged_pack(tmp_path: Path) -> None:
    tree, cache, names = _full_bucket(tmp_path)
    set_result(entry_for(cache.directory, "m3.py"), {"n": "forged"}, reseal=False)
    put_file(cache, tree, names[-1], {"n": names[-1]})
    assert cache.stats["rejected"] == 1
    [merged] = entries(cache)
    assert "m3.py" not in {path for path, _ in read_pack(merged)[1].values()}
    found = make_cache(tmp_path).lookup(tree, names)
    assert found.misses == ("m3.py",)


def test_a_pack_moved_to_another_bucket_is_rejected(tmp_path: Path) -> None:
    """Another salt's directory: its MAC names its own bucket (and, re-keyed for the
    other salt under its old MAC, its body no longer matches either)."""
    tree = make_tree(tmp_path, {"a.py": "a = 1\n"})
    put_file(make_cache(tmp_path, salt="skips [B602]"), tree, "a.py", {"issues": []})
    [pack] = entries(make_cache(tmp_path, salt="skips [B602]"))
    other = make_cache(tmp_path, salt="skips []")
    other.bucket.mkdir(parents=True)
    moved = other.bucket / pack.name
    moved.write_bytes(pack.read_bytes())
    assert other.lookup(tree, ["a.py"]).misses == ("a.py",)
    assert other.stats["rejected"] == 1
    assert not moved.exists()
    mac, stored = read_pack(pack)
    digest = file_digest(tree / "a.py")
    assert digest is not None
    rekeyed = {other._key("a.py", digest): value for value in stored.values()}
    write_pack(moved, rekeyed, mac)
    again = make_cache(tmp_path, salt="skips []")
    assert again.lookup(tree, ["a.py"]).misses == ("a.py",)
    assert again.stats["rejected"] == 1


@pytest.mark.parametrize("kind", ["fifo", "symlink", "too-large"])
def test_a_pack_that_is_no_regular_file_or_too_large_is_rejected_without_hanging(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    """A restored cache is the attacker's: a FIFO would block the read for ever, a link
    could point at /dev/zero, a huge file would fill the memory."""
    tree = make_tree(tmp_path, {"a.py": "a = 1\n"})
    put_file(make_cache(tmp_path), tree, "a.py")
    [pack] = entries(make_cache(tmp_path))
    if kind == "fifo":
        pack.unlink()
        os.mkfifo(pack)
    elif kind == "symlink":
        real = tmp_path / "elsewhere.json"
        real.write_bytes(pack.read_bytes())  # even a valid pack, reached through a link
        pack.unlink()
        pack.symlink_to(real)
    else:
        monkeypatch.setattr(cache_module, "MAX_PACK_BYTES", 16)
    cache = make_cache(tmp_path)
    assert cache.lookup(tree, ["a.py"]).misses == ("a.py",)
    assert cache.stats["rejected"] == 1
    assert not pack.exists() and not pack.is_symlink()


def test_a_pack_removed_while_reading_is_a_miss_not_a_rejection(tmp_path: Path) -> None:
    """A concurrent run merged it away: nothing is wrong with the cache."""
    tree = make_tree(tmp_path, {"a.py": "a = 1\n"})
    put_file(make_cache(tmp_path), tree, "a.py")
    cache = make_cache(tmp_path)
    [pack] = cache.packs()
    pack.unlink()
    assert cache._read_pack(pack) is None
    assert cache.stats["rejected"] == 0


def test_a_name_git_could_not_decode_round_trips(tmp_path: Path) -> None:
    name = "caf\udce9.py"  # a byte that is not UTF-8, as surrogateescape decodes it
    cache = make_cache(tmp_path)
    cache.put(name, "d" * 64, {"ok": 1})
    assert make_cache(tmp_path).get(name, "d" * 64) == {"ok": 1}


# --- a disabled cache ---------------------------------------------------------------------


def test_a_disabled_cache_never_writes(tmp_path: Path) -> None:
    tree = make_tree(tmp_path, {"a.py": "a = 1\n"})
    cache = make_cache(tmp_path, enabled=False)
    put_file(cache, tree, "a.py")
    assert not (tmp_path / "cache").exists()
    assert cache.evidence() == {
        "enabled": False,
        "hits": 0,
        "misses": 0,
        "writes": 0,
        "rejected": 0,
        "key": None,
    }


def test_a_disabled_cache_never_reads(tmp_path: Path) -> None:
    tree = make_tree(tmp_path, {"a.py": "a = 1\n", "b.py": "b = 2\n"})
    enabled = make_cache(tmp_path)
    digest = put_file(enabled, tree, "a.py")
    put_file(enabled, tree, "b.py")
    corrupt = entry_for(enabled.directory, "b.py").pack
    corrupt.write_bytes(b"{not json")
    disabled = make_cache(tmp_path, enabled=False)
    assert disabled.get("a.py", digest) is None
    found = disabled.lookup(tree, ["a.py", "b.py"])
    assert found.hits == {}
    assert found.misses == ("a.py", "b.py")
    assert corrupt.exists()  # a read would have removed the corrupt entry


# --- digests and settings -----------------------------------------------------------------


def test_digest_of_is_stable_and_tells_parts_apart() -> None:
    assert digest_of("bandit", "1.9.4", ["B602"]) == digest_of("bandit", "1.9.4", ["B602"])
    assert digest_of({"a": 1, "b": 2}) == digest_of({"b": 2, "a": 1})
    assert digest_of("bandit", "1.9.4", []) != digest_of("bandit", "1.9.4", ["B602"])
    assert digest_of("a", "bc") != digest_of("ab", "c")
    assert digest_of(None) != digest_of("")


def test_file_digest_is_the_sha256_of_the_bytes(tmp_path: Path) -> None:
    target = tmp_path / "a.py"
    target.write_bytes(b"abc")
    assert file_digest(target) == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )


def test_cache_dir_and_switch_come_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV_CACHE_DIR, str(tmp_path / "here"))
    assert default_cache_dir(os.environ) == tmp_path / "here"
    monkeypatch.delenv(ENV_CACHE_DIR)
    assert default_cache_dir(os.environ).name == "releasegate"
    for value, disabled in (("", False), ("0", False), ("1", True), ("yes", True)):
        monkeypatch.setenv(ENV_NO_CACHE, value)
        assert cache_disabled(os.environ) is disabled
    monkeypatch.delenv(ENV_NO_CACHE)
    assert cache_disabled(os.environ) is False


# --- forgery --------------------------------------------------------------------------------


def test_a_forged_entry_is_rejected_removed_and_reanalysed(tmp_path: Path) -> None:
    tree = make_tree(tmp_path, {"a.py": "a = 1\n"})
    put_file(make_cache(tmp_path), tree, "a.py")
    entry = entry_for(make_cache(tmp_path).directory, "a.py")
    set_result(entry, {"issues": [], "loc": 7}, reseal=False)  # "no findings", old MAC
    cache = make_cache(tmp_path)
    found = cache.lookup(tree, ["a.py"])
    assert found.hits == {}
    assert found.misses == ("a.py",)
    assert cache.evidence()["rejected"] == 1
    assert not entry.pack.exists()


def test_a_result_moved_to_another_key_is_rejected(tmp_path: Path) -> None:
    """clean.py's result and MAC copied over vuln.py's, inside one pack."""
    tree = make_tree(tmp_path, {"clean.py": "x = 1\n", "vuln.py": "eval(x)\n"})
    cache = make_cache(tmp_path)
    digests = cache.lookup(tree, ["clean.py", "vuln.py"]).digests
    cache.put_many(
        [
            ("clean.py", digests["clean.py"], {"issues": []}),
            ("vuln.py", digests["vuln.py"], {"issues": [1]}),
        ]
    )
    [pack] = entries(cache)
    mac, stored = read_pack(pack)
    by_path = {value[0]: key for key, value in stored.items()}
    stored[by_path["vuln.py"]] = ["vuln.py", stored[by_path["clean.py"]][1]]
    write_pack(pack, stored, mac)
    again = make_cache(tmp_path)
    assert again.lookup(tree, ["clean.py", "vuln.py"]).misses == ("clean.py", "vuln.py")
    assert again.stats["rejected"] == 1


def test_an_entry_made_with_another_key_is_rejected(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tree = make_tree(tmp_path, {"a.py": "a = 1\n"})
    monkeypatch.setenv(ENV_CACHE_KEY, "the attacker's key")
    put_file(make_cache(tmp_path), tree, "a.py", {"issues": []})
    monkeypatch.setenv(ENV_CACHE_KEY, "the runner's secret")
    cache = make_cache(tmp_path)
    assert cache.lookup(tree, ["a.py"]).hits == {}
    assert cache.evidence()["rejected"] == 1
    assert cache.evidence()["key"] == ENV_CACHE_KEY


def test_an_entry_without_a_mac_is_rejected(tmp_path: Path) -> None:
    tree = make_tree(tmp_path, {"a.py": "a = 1\n"})
    put_file(make_cache(tmp_path), tree, "a.py")
    [pack] = entries(make_cache(tmp_path))
    _, stored = read_pack(pack)
    write_pack(pack, stored, b"")
    cache = make_cache(tmp_path)
    assert cache.lookup(tree, ["a.py"]).misses == ("a.py",)
    assert cache.stats["rejected"] == 1


def test_the_key_file_is_private_and_outside_the_cache(tmp_path: Path) -> None:
    cache = make_cache(tmp_path)
    assert cache.key is not None
    key_file = Path(cache.key.source)
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert not key_file.resolve().is_relative_to((tmp_path / "cache").resolve())
    assert make_cache(tmp_path).key == cache.key  # the same key next time


def test_a_key_file_inside_the_cache_directory_is_never_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV_CONFIG_DIR, str(tmp_path / "cache" / "conf"))
    cache = make_cache(tmp_path)
    assert cache.enabled is False
    assert cache.evidence()["key"] is None
