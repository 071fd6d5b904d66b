"""``releasegate watch``: shipped release tags re-audited against today's advisories.

Real git throughout: a repository with three annotated release tags of distinct dates
(tagger dates 2020-01-10, 2020-06-10, 2021-01-10) whose requirements.txt pins differ,
audited by real ``releasegate`` processes against OSV directories built from real
PyPA records (tests/data/advisory-db/pypa, CC-BY-4.0):

- the base database holds flask PYSEC-2018-66 (published 2018-08-20: known when every
  tag shipped), a dated copy of the real record with its ``modified`` moved to
  2018-08-21 (the real one, 2021-08-25, is after every tag: watch compares both dates);
- the database then *gains* idna PYSEC-2024-60, written here as a dated copy of the
  real record with its ``published`` and ``modified`` moved to 2020-09-01 (after the
  second tag, before the third), so that v1.0.0 (idna 3.4) and v1.1.0 (idna 3.6) are
  newly affected and v1.2.0 (idna 3.7, the fix) is not.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from deps_helpers import snapshot
from rg_testlib import releasegate

from releasegate import shipped
from releasegate.codec import WatchAdvisory, WatchRecordJSON, any_record_from_json, record_schema
from releasegate.errors import GitError
from releasegate.records import read_audit_log

IDNA = "PYSEC-2024-60"
FLASK = "PYSEC-2018-66"
MOVED_PUBLISHED = "2020-09-01T00:00:00Z"
FLASK_MODIFIED = "2018-08-21T00:00:00Z"
TAGS = (
    ("v1.0.0", "2020-01-10T12:00:00+00:00", "idna==3.4\n"),
    ("v1.1.0", "2020-06-10T12:00:00+00:00", "idna==3.6\nflask==0.12\n"),
    ("v1.2.0", "2021-01-10T12:00:00+00:00", "idna==3.7\nflask==0.12.3\n"),
)
LOG = Path(".git") / "releasegate" / "audit.jsonl"


def _git(cwd: Path, *args: str, date: str = "2022-01-01T00:00:00+00:00") -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_DATE": date,
        "GIT_COMMITTER_DATE": date,
        "GIT_AUTHOR_NAME": "Test",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "Test",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }
    done = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=False, env=env
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def _commit_tag(repo: Path, tag: str, date: str, files: dict[str, bytes]) -> None:
    for name, data in files.items():
        (repo / name).write_bytes(data)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", f"release {tag}", date=date)
    _git(repo, "tag", "-a", tag, "-m", f"release {tag}", date=date)


def _policy(repo: Path, text: str) -> None:
    """Commit ``.releasegate.yml`` at HEAD (after the tags: watch reads HEAD's policy)."""
    (repo / ".releasegate.yml").write_text("version: 1\n" + text, encoding="utf-8")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "policy", date="2022-02-01T00:00:00+00:00")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    _git(root, "init", "-q", "-b", "main")
    for tag, date, requirements in TAGS:
        _commit_tag(root, tag, date, {"requirements.txt": requirements.encode()})
    return root


def _copy_record(db: Path, package: str, ident: str, **changes: Any) -> None:
    source = snapshot() / "vulns" / package / f"{ident}.yaml"
    doc = yaml.safe_load(source.read_text("utf-8"))
    for key, value in changes.items():
        if value is None:
            doc.pop(key, None)
        else:
            doc[key] = value
    target = db / "vulns" / package / f"{ident}.yaml"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")


@pytest.fixture
def base_db(tmp_path: Path) -> Path:
    db = tmp_path / "db-base"
    _copy_record(db, "flask", FLASK, modified=FLASK_MODIFIED)
    return db


@pytest.fixture
def gained_db(tmp_path: Path, base_db: Path) -> Path:
    """The base database after it gained the idna advisory (``published`` moved, see above)."""
    db = tmp_path / "db-gained"
    shutil.copytree(base_db, db)
    _copy_record(db, "idna", IDNA, published=MOVED_PUBLISHED, modified=MOVED_PUBLISHED)
    return db


def _watch(repo: Path, db: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], Any]:
    out = repo.parent / "watch.json"
    out.unlink(missing_ok=True)
    done = releasegate(
        "watch", "--repo", str(repo), "--advisory-db", str(db), "--json", str(out), *args
    )
    data = json.loads(out.read_text("utf-8")) if out.exists() else None
    return done, data


def _by_tag(data: Any) -> dict[str, Any]:
    return {r["tag"]: r for r in data["releases"]}


def _ids(items: list[dict[str, Any]]) -> list[str]:
    return [item["id"] for item in items]


def test_before_the_advisory_appears_nothing_shipped_is_newly_affected(
    repo: Path, base_db: Path
) -> None:
    _policy(repo, "watch:\n  supported:\n    newest: 3\n")
    done, data = _watch(repo, base_db)
    assert done.returncode == 0, done.stdout + done.stderr
    releases = _by_tag(data)
    assert list(releases) == ["v1.0.0", "v1.1.0", "v1.2.0"]
    assert all(r["new"] == [] for r in releases.values())
    # flask 0.12 was known vulnerable when v1.1.0 shipped: reported, not a new failure.
    assert _ids(releases["v1.1.0"]["known"]) == [FLASK]
    assert releases["v1.1.0"]["known"][0]["upgrade"] == "0.12.3"
    assert releases["v1.2.0"]["known"] == []


def test_exactly_the_releases_shipped_before_the_advisory_are_newly_affected(
    repo: Path, gained_db: Path
) -> None:
    done, data = _watch(repo, gained_db)
    releases = _by_tag(data)
    assert _ids(releases["v1.0.0"]["new"]) == [IDNA]
    assert _ids(releases["v1.1.0"]["new"]) == [IDNA]
    assert releases["v1.2.0"]["new"] == [] and releases["v1.2.0"]["known"] == []
    assert _ids(releases["v1.1.0"]["known"]) == [FLASK]  # still known-at-release
    new = releases["v1.1.0"]["new"][0]
    assert new["version"] == "3.6" and new["upgrade"] == "3.7"
    assert new["published"] == MOVED_PUBLISHED and new["when"] == "published-after-release"
    assert releases["v1.1.0"]["date"] == "2020-06-10T12:00:00Z"
    assert releases["v1.1.0"]["dated_by"] == "tagger"
    # Default: only the newest release is supported; it is not affected -> exit 0, and
    # the affected older ones are still reported, marked unsupported.
    assert [r["supported"] for r in releases.values()] == [False, False, True]
    assert done.returncode == 0, done.stdout + done.stderr
    assert "v1.0.0" in done.stdout and "unsupported" in done.stdout
    assert "NEWLY AFFECTED" in done.stdout and "upgrade to 3.7" in done.stdout


def test_a_supported_release_newly_affected_exits_1(repo: Path, gained_db: Path) -> None:
    _policy(repo, "watch:\n  supported:\n    newest: 2\n")
    done, data = _watch(repo, gained_db)
    assert done.returncode == 1, done.stdout + done.stderr
    assert data["outcome"] == "affected"
    assert [r["supported"] for r in data["releases"]] == [False, True, True]
    assert "v1.1.0" in done.stderr


def test_a_supported_line_by_pattern(repo: Path, gained_db: Path) -> None:
    _policy(repo, "watch:\n  supported:\n    newest: 0\n    pattern: 'v1.0.*'\n")
    done, data = _watch(repo, gained_db)
    assert done.returncode == 1, done.stdout + done.stderr
    assert [r["supported"] for r in data["releases"]] == [True, False, False]


def test_since_starts_at_the_tag(repo: Path, gained_db: Path) -> None:
    done, data = _watch(repo, gained_db, "--since", "v1.1.0")
    assert done.returncode == 0, done.stderr
    assert list(_by_tag(data)) == ["v1.1.0", "v1.2.0"]
    missing, _ = _watch(repo, gained_db, "--since", "v9.9.9")
    assert missing.returncode == 2
    assert "--since v9.9.9" in missing.stderr and "git tag --list" in missing.stderr


def test_an_advisory_without_published_counts_as_new(
    repo: Path, base_db: Path, tmp_path: Path
) -> None:
    """Fail closed: an unknown date proves nothing was known at release time (a dated
    copy of the real flask record with ``published`` removed)."""
    db = tmp_path / "db-undated"
    db.mkdir()
    _copy_record(db, "flask", FLASK, published=None, modified=FLASK_MODIFIED)
    _policy(repo, "watch:\n  supported:\n    newest: 2\n")
    done, data = _watch(repo, db)
    assert done.returncode == 1, done.stdout + done.stderr
    v110 = _by_tag(data)["v1.1.0"]
    assert _ids(v110["new"]) == [FLASK] and v110["known"] == []
    assert v110["new"][0]["published"] is None
    assert "published date unknown" in done.stdout


def test_an_unreadable_tag_is_an_error_naming_tag_and_file(repo: Path, gained_db: Path) -> None:
    _commit_tag(
        repo,
        "v1.3.0",
        "2021-06-01T00:00:00+00:00",
        {"requirements.txt": b"\xff\xfeidna==3.7\n"},
    )
    done, data = _watch(repo, gained_db)
    assert done.returncode == 2, done.stdout + done.stderr
    assert data["outcome"] == "error"
    errors = [line for line in done.stderr.splitlines() if "v1.3.0" in line]
    assert errors and "requirements.txt" in errors[0] and "not UTF-8" in errors[0]
    assert "--since" in errors[0]  # the remedy
    # The others are still audited and reported.
    assert _ids(_by_tag(data)["v1.1.0"]["new"]) == [IDNA]


def test_a_tag_of_a_blob_is_an_error(repo: Path, gained_db: Path) -> None:
    blob = _git(repo, "rev-parse", "v1.0.0:requirements.txt")
    _git(repo, "tag", "v1.5.0", blob)
    done, _ = _watch(repo, gained_db)
    assert done.returncode == 2
    assert re.search(r"tag v1\.5\.0: points at a blob", done.stderr), done.stderr


def test_the_record_is_written_read_back_and_shown_on_the_dashboard(
    repo: Path, gained_db: Path, tmp_path: Path
) -> None:
    _policy(repo, "watch:\n  supported:\n    newest: 2\n")
    done, _ = _watch(repo, gained_db, "--record")
    assert done.returncode == 1, done.stderr
    records = read_audit_log(repo / LOG)
    assert len(records) == 1
    record = records[0]
    assert isinstance(record, WatchRecordJSON)
    assert record.outcome == "affected" and record.supported.newest == 2
    assert [r.tag for r in record.releases if r.new] == ["v1.0.0", "v1.1.0"]
    line = json.loads((repo / LOG).read_text("utf-8").splitlines()[0])
    assert line["seq"] == 1 and line["kind"] == "watch"
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.validate(line, record_schema())
    line["outcome"] = "clear"  # a rewritten record no longer matches its id
    with pytest.raises(Exception, match="not the digest"):
        any_record_from_json({k: v for k, v in line.items() if k not in ("seq",)})
    verify = releasegate("audit", "verify", "--repo", str(repo))
    assert verify.returncode == 0, verify.stdout + verify.stderr
    out = tmp_path / "site"
    built = releasegate("dashboard", "--repo", str(repo), "--out", str(out))
    assert built.returncode == 0, built.stderr
    index = (out / "index.html").read_text("utf-8")
    panel = index.split('id="shipped-affected"', 1)[1].split("</section>", 1)[0]
    assert "Shipped releases now affected" in index
    assert "v1.1.0" in panel and "v1.0.0" in panel and "v1.2.0" not in panel
    assert IDNA in panel and "upgrade to 3.7" in panel


def test_a_hostile_tag_name_is_escaped_in_output_and_dashboard(
    repo: Path, gained_db: Path, tmp_path: Path
) -> None:
    hostile = 'v9"><img src=x onerror=alert(1)>$(touch pwned)'.replace(" ", "\u202e")
    _git(repo, "check-ref-format", f"refs/tags/{hostile}")
    _commit_tag(repo, hostile, "2020-03-01T00:00:00+00:00", {"requirements.txt": b"idna==3.6\n"})
    _policy(repo, "release:\n  tag_pattern: 'v*'\nwatch:\n  supported:\n    newest: 4\n")
    done, data = _watch(repo, gained_db, "--record")
    assert done.returncode == 1, done.stdout + done.stderr
    assert hostile in _by_tag(data)  # the JSON keeps the name as it is
    assert "\u202e" not in done.stdout and "\\u202e" in done.stdout  # no bidi override
    assert not (repo / "pwned").exists() and not (tmp_path / "pwned").exists()
    out = tmp_path / "site"
    built = releasegate("dashboard", "--repo", str(repo), "--out", str(out))
    assert built.returncode == 0, built.stderr
    index = (out / "index.html").read_text("utf-8")
    assert "<img" not in index and "&lt;img" in index
    assert "\u202e" not in index


def test_a_requirements_link_leaving_the_tree_is_an_error_not_a_skip(
    repo: Path, gained_db: Path, tmp_path: Path
) -> None:
    """The snapshot does not follow a link out of the repository: the file is not read,
    and that must not read as "no dependencies"."""
    outside = tmp_path / "outside.txt"
    outside.write_text("idna==3.6\n", encoding="utf-8")
    (repo / "requirements.txt").unlink()
    (repo / "requirements.txt").symlink_to(outside)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "link", date="2021-06-01T00:00:00+00:00")
    _git(repo, "tag", "-a", "v1.3.0", "-m", "link", date="2021-06-01T00:00:00+00:00")
    done, data = _watch(repo, gained_db)
    assert done.returncode == 2, done.stdout + done.stderr
    assert re.search(r"tag v1\.3\.0: requirements\.txt: ", done.stderr), done.stderr
    assert _by_tag(data)["v1.3.0"]["errors"]


def test_a_lightweight_tag_is_dated_by_its_commit(repo: Path, gained_db: Path) -> None:
    (repo / "requirements.txt").write_text("idna==3.6\n", encoding="utf-8")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "1.3", date="2020-08-01T00:00:00+00:00")
    _git(repo, "tag", "v1.3.0", date="2023-01-01T00:00:00+00:00")  # lightweight
    done, data = _watch(repo, gained_db)
    v130 = _by_tag(data)["v1.3.0"]
    assert v130["dated_by"] == "committer" and v130["date"] == "2020-08-01T00:00:00Z"
    assert _ids(v130["new"]) == [IDNA]  # 2020-08-01 < the advisory's 2020-09-01
    assert v130["supported"] is True  # the newest by version
    assert done.returncode == 1, done.stdout + done.stderr


def test_an_unreadable_published_date_counts_as_new(
    repo: Path, base_db: Path, tmp_path: Path
) -> None:
    """A dated copy of the real flask record whose ``published`` is not a time."""
    db = tmp_path / "db-baddate"
    db.mkdir()
    _copy_record(db, "flask", FLASK, published="sometime in 2018", modified=FLASK_MODIFIED)
    _policy(repo, "watch:\n  supported:\n    newest: 2\n")
    done, data = _watch(repo, db)
    assert done.returncode == 1, done.stdout + done.stderr
    assert _ids(_by_tag(data)["v1.1.0"]["new"]) == [FLASK]


def test_a_lightweight_tag_of_a_tree_has_no_date_and_its_record_reads_back(
    repo: Path, gained_db: Path, tmp_path: Path
) -> None:
    """No date is ever made up for a tag that cannot be read (it was ``datetime.min``,
    written "1-01-01T00:00:00Z", which the reader rejects: the record, in the hash
    chain, broke the dashboard for good)."""
    _git(repo, "tag", "v1.9.0", "HEAD^{tree}")
    done, data = _watch(repo, gained_db, "--record")
    assert done.returncode == 2, done.stdout + done.stderr
    v190 = _by_tag(data)["v1.9.0"]
    assert v190["date"] is None and v190["dated_by"] is None
    assert re.search(r"tag v1\.9\.0: points at a tree", done.stderr), done.stderr
    assert "date unknown" in done.stdout
    (record,) = read_audit_log(repo / LOG)
    assert isinstance(record, WatchRecordJSON)
    assert {r.tag: r.date for r in record.releases}["v1.9.0"] is None
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.validate(json.loads((repo / LOG).read_text("utf-8")), record_schema())
    built = releasegate("dashboard", "--repo", str(repo), "--out", str(tmp_path / "site"))
    assert built.returncode == 0, built.stdout + built.stderr
    verify = releasegate("audit", "verify", "--repo", str(repo))
    assert verify.returncode == 0, verify.stdout + verify.stderr


def test_a_time_before_year_1000_is_written_as_the_reader_reads_it() -> None:
    assert shipped._time(dt.datetime(1, 1, 1, tzinfo=dt.timezone.utc)) == "0001-01-01T00:00:00Z"
    early = dt.datetime(999, 2, 3, 4, 5, 6, tzinfo=dt.timezone.utc)
    read = WatchAdvisory.model_validate({**_ADVISORY, "published": shipped._time(early)})
    assert read.published == early


_ADVISORY: dict[str, Any] = {
    "id": "X-1",
    "aliases": [],
    "summary": "s",
    "severity": "high",
    "package": "p",
    "version": "1",
    "path": "requirements.txt",
    "line": 1,
    "published": None,
    "when": "published-after-release",
    "fixed": [],
    "upgrade": None,
    "problem": None,
}


@pytest.mark.parametrize("separator", ["\u2028", "\u0085", "\u2029"])
def test_a_tag_name_with_a_unicode_line_separator_is_not_skipped(
    repo: Path, gained_db: Path, separator: str
) -> None:
    name = f"v1.3.0{separator}x"
    _commit_tag(repo, name, "2020-08-01T00:00:00+00:00", {"requirements.txt": b"idna==3.6\n"})
    _policy(repo, "release:\n  tag_pattern: 'v*'\nwatch:\n  supported:\n    newest: 0\n")
    done, data = _watch(repo, gained_db)
    assert done.returncode == 0, done.stdout + done.stderr
    assert name in _by_tag(data)
    assert _ids(_by_tag(data)[name]["new"]) == [IDNA]


def test_a_malformed_line_of_git_output_is_an_error_not_a_skip(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    good = "\0".join(("refs/tags/v1.0.0", "commit", "", "2020-01-01T00:00:00+00:00"))
    good += "\0" * 3 + "\0" + "a" * 40
    assert len(good.split("\0")) == 8
    out = (good + "\nrefs/tags/v2\0x\n").encode()
    monkeypatch.setattr(shipped, "git_output", lambda *a, **k: out)
    with pytest.raises(GitError, match="refs/tags/v2"):
        shipped.release_tags(tmp_path, None)


def test_a_non_utf8_tag_name_is_written_to_the_json(
    repo: Path, gained_db: Path, tmp_path: Path
) -> None:
    name = os.fsdecode(b"v1.3.0-\xff")
    _commit_tag(repo, name, "2020-08-01T00:00:00+00:00", {"requirements.txt": b"idna==3.6\n"})
    _policy(repo, "release:\n  tag_pattern: 'v*'\nwatch:\n  supported:\n    newest: 0\n")
    done, data = _watch(repo, gained_db, "--record")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "v1.3.0-\ufffd" in _by_tag(data)
    assert "\\udcff" in done.stdout  # escaped on the terminal
    built = releasegate("dashboard", "--repo", str(repo), "--out", str(tmp_path / "site"))
    assert built.returncode == 0, built.stdout + built.stderr


def test_a_pre_release_does_not_take_the_newest_supported_slot(repo: Path, gained_db: Path) -> None:
    """v1.3.0 (idna 3.6, shipped before the advisory) is the newest final release; the
    newer v2.0.0rc1 must not make it unsupported (exit 0 would hide it)."""
    _commit_tag(repo, "v1.3.0", "2020-07-01T00:00:00+00:00", {"requirements.txt": b"idna==3.6\n"})
    _commit_tag(
        repo, "v2.0.0rc1", "2021-06-01T00:00:00+00:00", {"requirements.txt": b"idna==3.7\n"}
    )
    done, data = _watch(repo, gained_db)
    assert done.returncode == 1, done.stdout + done.stderr
    releases = _by_tag(data)
    assert releases["v1.3.0"]["supported"] is True
    assert releases["v2.0.0rc1"]["supported"] is False  # reported, not supported by age
    assert "v1.3.0" in done.stderr
    _policy(repo, "watch:\n  supported:\n    newest: 1\n    pattern: 'v2.0.0rc*'\n")
    _, data = _watch(repo, gained_db)
    assert _by_tag(data)["v2.0.0rc1"]["supported"] is True


def test_a_nested_annotated_tag_is_peeled_to_its_commit(repo: Path, gained_db: Path) -> None:
    (repo / "requirements.txt").write_text("idna==3.6\n", encoding="utf-8")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "1.3", date="2020-07-01T00:00:00+00:00")
    _git(repo, "tag", "-a", "inner", "-m", "inner", date="2020-07-02T00:00:00+00:00")
    _git(repo, "tag", "-a", "v1.3.0", "inner", "-m", "outer", date="2020-08-01T00:00:00+00:00")
    commit = _git(repo, "rev-parse", "HEAD")
    done, data = _watch(repo, gained_db)
    v130 = _by_tag(data)["v1.3.0"]
    assert v130["errors"] == [], done.stderr
    assert v130["commit"] == commit
    assert v130["dated_by"] == "tagger" and v130["date"] == "2020-08-01T00:00:00Z"
    assert _ids(v130["new"]) == [IDNA]
    assert done.returncode == 1, done.stdout + done.stderr


def test_a_nested_tag_of_a_tree_is_an_error(repo: Path, gained_db: Path) -> None:
    _git(repo, "tag", "-a", "inner", "HEAD^{tree}", "-m", "inner")
    _git(repo, "tag", "-a", "v1.5.0", "inner", "-m", "outer")
    done, data = _watch(repo, gained_db)
    assert done.returncode == 2
    assert re.search(r"tag v1\.5\.0: .*not a commit", done.stderr), done.stderr
    assert _by_tag(data)["v1.5.0"]["errors"]


def test_the_remedy_and_the_hint_escape_the_tag_name(repo: Path, gained_db: Path) -> None:
    name = "v1.5.0\u202eevil"
    blob = _git(repo, "rev-parse", "v1.0.0:requirements.txt")
    _git(repo, "tag", name, blob)
    _policy(repo, "release:\n  tag_pattern: 'v*'\n")
    done, _ = _watch(repo, gained_db, "--record")
    assert done.returncode == 2
    assert "\u202e" not in done.stderr and "\\u202e" in done.stderr
    (record,) = read_audit_log(repo / LOG)
    assert isinstance(record, WatchRecordJSON)
    assert record.errors and not any("\u202e" in e for e in record.errors)
    _policy(repo, "release:\n  tag_pattern: 'nomatch*'\n")
    done, _ = _watch(repo, gained_db)
    assert done.returncode == 2
    assert "tags seen" in done.stderr
    assert "\u202e" not in done.stderr and "\\u202e" in done.stderr


def test_an_advisory_modified_after_the_release_counts_as_new(
    repo: Path, base_db: Path, tmp_path: Path
) -> None:
    """OSV ``published`` is often the CVE's date; an advisory imported or widened after
    the release (``modified`` later) is what watch exists for (fail closed). Dated copy:
    idna's ``published`` moved before every tag, ``modified`` to 2020-09-01."""
    db = tmp_path / "db-modified"
    shutil.copytree(base_db, db)
    _copy_record(db, "idna", IDNA, published="2019-01-01T00:00:00Z", modified=MOVED_PUBLISHED)
    _policy(repo, "watch:\n  supported:\n    newest: 2\n")
    done, data = _watch(repo, db)
    assert done.returncode == 1, done.stdout + done.stderr
    releases = _by_tag(data)
    assert _ids(releases["v1.1.0"]["new"]) == [IDNA]
    assert _ids(releases["v1.1.0"]["known"]) == [FLASK]  # both dates before the release
    new = releases["v1.1.0"]["new"][0]
    assert new["published"] == "2019-01-01T00:00:00Z" and new["modified"] == MOVED_PUBLISHED
    assert "modified 2020-09-01" in done.stdout
    # The real flask record (modified 2021-08-25, after v1.1.0 shipped) counts as new.
    _copy_record(db, "flask", FLASK)
    _, data = _watch(repo, db)
    assert _ids(_by_tag(data)["v1.1.0"]["new"]) == [FLASK, IDNA]


def test_an_advisory_without_modified_counts_as_new(
    repo: Path, base_db: Path, tmp_path: Path
) -> None:
    db = tmp_path / "db-unmodified"
    _copy_record(db, "flask", FLASK, modified=None)
    _policy(repo, "watch:\n  supported:\n    newest: 2\n")
    done, data = _watch(repo, db)
    assert done.returncode == 1, done.stdout + done.stderr
    assert _ids(_by_tag(data)["v1.1.0"]["new"]) == [FLASK]


WORKFLOW = Path(__file__).resolve().parents[2] / ".github" / "workflows" / "watch.yml"


def _workflow_steps(path: Path) -> list[dict[str, Any]]:
    document = yaml.safe_load(path.read_text("utf-8"))
    return [step for job in document["jobs"].values() for step in job.get("steps", [])]


def test_the_workflow_summary_holds_both_streams_in_a_fence_no_tag_name_closes(
    tmp_path: Path,
) -> None:
    """The watch step run as GitHub runs it (bash -eo pipefail), with a stand-in
    ``releasegate`` printing a tag name holding backticks and an error on stderr."""
    (step,) = [
        s for s in _workflow_steps(WORKFLOW) if s.get("name") == "Watch the shipped releases"
    ]
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "releasegate"
    fake.write_text(
        "#!/bin/sh\n"
        "echo 'v1.0.0 (abc, released 2020-01-01T00:00:00Z): NEWLY AFFECTED'\n"
        "echo 'v9````` (def): ERROR: cannot be audited'\n"
        "echo 'releasegate: error: tag v9`````: points at a blob' >&2\n"
        "echo 'releasegate watch: supported releases newly affected: v1.0.0' >&2\n"
        "echo '{}' > watch.json\n"
        "exit 2\n",
        encoding="utf-8",
    )
    fake.chmod(0o755)
    script = tmp_path / "step.sh"
    script.write_text(step["run"], encoding="utf-8")
    summary = tmp_path / "summary.md"
    work = tmp_path / "work"
    work.mkdir()
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "RUNNER_TEMP": str(tmp_path),
        "GITHUB_STEP_SUMMARY": str(summary),
    }
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2, done.stdout + done.stderr  # the watch's own status
    lines = summary.read_text("utf-8").splitlines()
    fence = lines[1]
    assert set(fence) == {"`"} and len(fence) > 5 and lines[-1] == fence
    body = lines[2:-1]
    assert "releasegate: error: tag v9`````: points at a blob" in body  # stderr kept
    assert "releasegate watch: supported releases newly affected: v1.0.0" in body
    assert not any(line.lstrip().startswith(fence) for line in body)
    assert (work / "watch.json").exists()


def test_the_workflow_uploads_the_report_with_the_pinned_upload_action() -> None:
    release = WORKFLOW.parent / "release.yml"
    pinned = {s["uses"] for s in _workflow_steps(release) if "upload-artifact" in s.get("uses", "")}
    assert len(pinned) == 1
    (upload,) = [s for s in _workflow_steps(WORKFLOW) if "upload-artifact" in s.get("uses", "")]
    assert upload["uses"] in pinned
    assert "watch.json" in upload["with"]["path"]
    assert upload.get("if") == "always()"  # the report of a failing (affected) run too


def test_releases_are_never_called_clean_when_the_advisory_data_cannot_be_read(
    repo: Path, tmp_path: Path
) -> None:
    done, data = _watch(repo, tmp_path / "no-such-db")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "no advisory published after it shipped" not in done.stdout
    assert done.stdout.count("NOT AUDITED: the advisory data could not be read") == 3
    assert "no such directory" in done.stderr
    assert data["audited"] is False and data["outcome"] == "error"
