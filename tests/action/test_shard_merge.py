"""Sharded runs: ``run --shard K/N`` parts merged by ``releasegate merge`` decide
exactly as one unsharded run; wrong sets of parts are usage errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from rg_testlib import GitRepo, load_report, releasegate

from releasegate.errors import UsageError
from releasegate.sharding.partition import ShardSpec, shard_of

FLASK_SQLI = """import sqlite3
import subprocess

from flask import Flask, request

app = Flask(__name__)


@app.route("/q{n}")
def q{n}():
    cur = sqlite3.connect("db").cursor()
    cur.execute("SELECT * FROM t WHERE id = '%s'" % request.args["id"])
    return "ok"


def run{n}(arg):
    return subprocess.call("ls " + arg, shell=True)
"""
JUSTIFIED = (
    "import subprocess\n\n\ndef g(cmd):\n"
    "    return subprocess.call(cmd, shell=True)  # nosec B602 -- cmd is a constant\n"
)
BARE = "import subprocess\n\n\ndef h(cmd):\n    return subprocess.call(cmd, shell=True)  # nosec\n"


def _repo(repo: GitRepo) -> GitRepo:
    files = {f"app/m{n}.py": FLASK_SQLI.format(n=n) for n in range(8)}
    files.update({f"app/clean{n}.py": f"VALUE = {n}\n" for n in range(4)})
    files["app/justified.py"] = JUSTIFIED
    files["app/bare.py"] = BARE
    # The default policy (all stages required); the tests pick stages with --only.
    repo.commit("init", **files)
    return repo


def _findings(report: dict[str, Any]) -> list[tuple[str, str, str, bool, bool, int]]:
    return sorted(
        (c["id"], f["fingerprint"], f["path"], f["blocking"], f["waived"], f["line"])
        for c in report["checks"]
        for f in c["findings"]
    )


def _statuses(report: dict[str, Any]) -> list[tuple[str, str]]:
    return sorted((c["id"], c["status"]) for c in report["checks"])


def _shards(repo: GitRepo, tmp: Path, only: str, count: int = 3) -> list[Path]:
    parts = []
    for index in range(1, count + 1):
        part = tmp / f"part-{index}.json"
        done = releasegate(
            "run",
            "--repo",
            str(repo.root),
            "--only",
            only,
            "--shard",
            f"{index}/{count}",
            "--json",
            str(part),
            "--no-audit",
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert f"shard {index}/{count}" in done.stdout
        parts.append(part)
    return parts


def _merge(repo: GitRepo, parts: list[Path], *extra: str) -> tuple[int, str, str]:
    done = releasegate("merge", *map(str, parts), "--repo", str(repo.root), "--no-audit", *extra)
    return done.returncode, done.stdout, done.stderr


@pytest.mark.slow
def test_three_shards_merged_decide_like_one_run(repo: GitRepo, tmp_path: Path) -> None:
    _repo(repo)
    only = "static,review,signoff"  # static sharded; review in shard 1; sign-off at merge
    single = tmp_path / "single.json"
    done = releasegate(
        "run", "--repo", str(repo.root), "--only", only, "--json", str(single), "--no-audit"
    )
    assert done.returncode == 1, done.stderr
    parts = _shards(repo, tmp_path, only)
    # Each shard analysed files of its own: the partition really split the scope.
    scanned = []
    for part in parts:
        document = json.loads(part.read_text("utf-8"))
        semgrep = next(r for r in document["results"] if r["id"] == "semgrep")
        scanned.append(semgrep["evidence"]["shard_files"])
        assert semgrep["evidence"]["shard"] == f"{document['shard']['index']}/3"
    assert sum(scanned) == 14 and all(n > 0 for n in scanned)
    merged = tmp_path / "merged.json"
    code, _, err = _merge(repo, parts, "--json", str(merged))
    assert code == 1, err
    a, b = load_report(single), load_report(merged)
    assert b["decision"] == a["decision"] == "block"
    assert _findings(b) == _findings(a)
    assert len(_findings(a)) >= 16
    assert _statuses(b) == _statuses(a)
    assert sorted(b["reasons"]) == sorted(a["reasons"])
    assert b["counts"] == a["counts"]
    review = next(c for c in b["checks"] if c["id"] == "review")
    assert "shard 1/3 only" in review["evidence"]["shard"]
    signoff = next(c for c in b["checks"] if c["id"] == "signoff")
    assert (
        signoff["evidence"]["evidence_digest"]
        == next(c for c in a["checks"] if c["id"] == "signoff")["evidence"]["evidence_digest"]
    )


@pytest.mark.slow
def test_a_passing_sharded_run_passes(repo: GitRepo, tmp_path: Path) -> None:
    repo.commit("init", **{f"pkg/m{n}.py": f"def f{n}(x):\n    return x + {n}\n" for n in range(6)})
    parts = _shards(repo, tmp_path, "static", count=2)
    code, out, err = _merge(repo, parts)
    assert code == 0, out + err
    assert "PASSED" in out


@pytest.fixture
def parts(repo: GitRepo, tmp_path: Path) -> list[Path]:
    repo.commit("init", **{"a.py": "A = 1\n", "b.py": "B = 2\n", "c.py": "C = 3\n"})
    return _shards(repo, tmp_path, "suppressions")


def test_a_missing_part_is_a_usage_error(repo: GitRepo, parts: list[Path]) -> None:
    code, _, err = _merge(repo, parts[:2])
    assert code == 2
    assert "missing part(s): shard 3/3" in err


def test_a_duplicate_part_is_a_usage_error(
    repo: GitRepo, parts: list[Path], tmp_path: Path
) -> None:
    copy = tmp_path / "copy.json"
    copy.write_bytes(parts[1].read_bytes())
    code, _, err = _merge(repo, [*parts, copy])
    assert code == 2
    assert "duplicate part: shard 2/3" in err


def test_parts_of_different_commits_are_a_usage_error(
    repo: GitRepo, parts: list[Path], tmp_path: Path
) -> None:
    repo.commit("next", **{"d.py": "D = 4\n"})
    other = _shards(repo, tmp_path / "other", "suppressions")
    code, _, err = _merge(repo, [parts[0], parts[1], other[2]])
    assert code == 2
    assert "not parts of one run: commit" in err


def test_parts_of_different_shard_counts_are_a_usage_error(
    repo: GitRepo, parts: list[Path], tmp_path: Path
) -> None:
    two = _shards(repo, tmp_path / "two", "suppressions", count=2)
    code, _, err = _merge(repo, [*parts, *two])
    assert code == 2
    assert "not parts of one run: count" in err


def test_an_edited_part_is_a_usage_error(repo: GitRepo, parts: list[Path]) -> None:
    document = json.loads(parts[0].read_text("utf-8"))
    document["run"]["commit"] = "0" * 40
    parts[0].write_text(json.dumps(document), encoding="utf-8")
    code, _, err = _merge(repo, parts)
    assert code == 2
    assert "binding digest does not match" in err


def test_a_report_is_not_a_part(repo: GitRepo, parts: list[Path], tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    releasegate("run", "--repo", str(repo.root), "--only", "suppressions", "--json", str(report))
    code, _, err = _merge(repo, [report])
    assert code == 2
    assert "not a shard part" in err


def test_shard_needs_a_part_file_and_decides_nothing(repo: GitRepo) -> None:
    repo.commit("init", **{"a.py": "A = 1\n"})
    done = releasegate("run", "--repo", str(repo.root), "--shard", "1/2", "--no-audit")
    assert done.returncode == 2
    assert "--shard needs --json" in done.stderr
    done = releasegate(
        "run", "--repo", str(repo.root), "--shard", "1/2", "--json", "p.json", "--sarif", "s"
    )
    assert done.returncode == 2
    assert "a shard does not decide" in done.stderr


@pytest.mark.parametrize("text", ["0/3", "4/3", "1/0", "x/3", "3", "1/999"])
def test_bad_shard_specs(text: str) -> None:
    with pytest.raises(UsageError):
        ShardSpec.parse(text)


def test_the_partition_is_stable_disjoint_and_covering() -> None:
    paths = [f"src/pkg{n // 10}/module_{n}.py" for n in range(300)]
    owners = {path: [k for k in range(1, 4) if ShardSpec(k, 3).owns(path)] for path in paths}
    assert all(len(found) == 1 for found in owners.values())
    sizes = [sum(1 for found in owners.values() if found == [k]) for k in range(1, 4)]
    assert min(sizes) > 60  # roughly balanced
    assert shard_of("src/pkg0/module_0.py", 3) == shard_of("src/pkg0/module_0.py", 3)


@pytest.mark.slow
def test_merged_parts_of_a_partial_run_do_not_certify_a_release(
    repo: GitRepo, tmp_path: Path
) -> None:
    # The merge decides with the same phases as one run: `--only static` in every shard
    # is a partial run, whatever the number of shards.
    repo.commit("init", **{f"pkg/m{n}.py": f"def f{n}(x):\n    return x + {n}\n" for n in range(4)})
    parts = _shards(repo, tmp_path, "static", count=2)
    merged = tmp_path / "merged.json"
    code, out, err = _merge(repo, parts, "--json", str(merged))
    assert code == 0, out + err
    report = load_report(merged)
    assert report["decision"] == "partial-pass"
    assert report["scope"] == "partial"
    assert "dependencies" in report["not_run"]
    assert "not a release certification" in out
