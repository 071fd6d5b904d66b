"""The content-addressed cache of per-file results, on real files in temporary directories."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from releasegate.cache import (
    ENV_CACHE_DIR,
    ENV_CACHE_KEY,
    ENV_CONFIG_DIR,
    ENV_NO_CACHE,
    FileResultCache,
    cache_disabled,
    cache_key,
    default_cache_dir,
    digest_of,
    file_digest,
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
    return sorted(cache.directory.rglob("*.json")) if cache.directory.exists() else []


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
    [[1, 2], {"path": "a.py"}, {"path": "other.py", "result": 1}, "text"],
    ids=["list", "no-result", "other-path", "string"],
)
def test_an_entry_of_the_wrong_shape_is_a_miss(tmp_path: Path, stored: JSONValue) -> None:
    tree = make_tree(tmp_path, {"a.py": "a = 1\n"})
    cache = make_cache(tmp_path)
    put_file(cache, tree, "a.py")
    [entry] = entries(cache)
    entry.write_text(json.dumps(stored), encoding="utf-8")
    assert make_cache(tmp_path).lookup(tree, ["a.py"]).misses == ("a.py",)


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
    put_file(cache, tree, "m0.py", {"replaced": True})  # an overwrite is atomic too
    assert len(entries(cache)) == 5
    assert not [p for p in cache.directory.rglob("*") if p.name.startswith(".tmp-")]
    assert make_cache(tmp_path).lookup(tree, ["m0.py"]).hits == {"m0.py": {"replaced": True}}


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
    [corrupt] = [p for p in entries(enabled) if json.loads(p.read_text("utf-8"))["path"] == "b.py"]
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


def _forge(entry: Path, result: JSONValue, mac: str | None = None) -> None:
    stored = json.loads(entry.read_text("utf-8"))
    stored["result"] = json.dumps(result)
    if mac is not None:
        stored["mac"] = mac
    entry.write_text(json.dumps(stored), encoding="utf-8")


def test_a_forged_entry_is_rejected_removed_and_reanalysed(tmp_path: Path) -> None:
    tree = make_tree(tmp_path, {"a.py": "a = 1\n"})
    put_file(make_cache(tmp_path), tree, "a.py")
    [entry] = entries(make_cache(tmp_path))
    _forge(entry, {"issues": [], "loc": 7})  # "no findings", keeping the old MAC
    cache = make_cache(tmp_path)
    found = cache.lookup(tree, ["a.py"])
    assert found.hits == {}
    assert found.misses == ("a.py",)
    assert cache.evidence()["rejected"] == 1
    assert not entry.exists()


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
    [entry] = entries(make_cache(tmp_path))
    stored = json.loads(entry.read_text("utf-8"))
    del stored["mac"]
    entry.write_text(json.dumps(stored), encoding="utf-8")
    assert make_cache(tmp_path).lookup(tree, ["a.py"]).misses == ("a.py",)


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
