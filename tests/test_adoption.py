"""Issue #12, first adoption: `releasegate init` writes a policy that parses and an
allowed_signers file, and prints the next steps; the run says which policy governs
and names the command or key that fixes each first-day error."""

from __future__ import annotations

import json
import os
from pathlib import Path

import yaml
from rg_testlib import GitRepo, releasegate, ssh_key

from releasegate.policy.loader import parse_policy


def _pub(tmp_path: Path) -> Path:
    return ssh_key(tmp_path, "sec").with_suffix(".pub")


def test_init_writes_a_valid_policy_signers_and_next_steps(repo: GitRepo, tmp_path: Path) -> None:
    pub = _pub(tmp_path)
    done = releasegate(
        "init", "--repo", str(repo.root), "--review", "git", "--signer", f"sec@example.com={pub}"
    )
    assert done.returncode == 0, done.stderr
    text = (repo.root / ".releasegate.yml").read_text("utf-8")
    policy = parse_policy(text, ".releasegate.yml")
    assert policy.review.source == "git"
    assert (
        policy.review.allowed_signers
        == policy.signoff.allowed_signers
        == (".github/allowed_signers")
    )
    assert policy.review.required and policy.signoff.required  # nothing weakened
    signers = (repo.root / ".github/allowed_signers").read_text("utf-8").splitlines()
    key = pub.read_text("utf-8").split()
    assert signers[-1] == f"sec@example.com {key[0]} {key[1]}"
    assert "next steps:" in done.stdout and "releasegate signoff" in done.stdout
    assert "git tag v0.0.0" in done.stdout
    again = releasegate("init", "--repo", str(repo.root))
    assert again.returncode == 2 and "already exists" in again.stderr
    assert "--force" in again.stderr


def test_init_refuses_a_signer_that_is_not_a_public_key(repo: GitRepo, tmp_path: Path) -> None:
    bogus = tmp_path / "not-a-key.pub"
    bogus.write_text("hello\n", encoding="utf-8")
    for value in (f"sec@example.com={bogus}", "no-equals-sign"):
        done = releasegate("init", "--repo", str(repo.root), "--signer", value)
        assert done.returncode == 2, done.stdout
        [line] = [x for x in done.stderr.splitlines() if x.startswith("releasegate: error:")]
        assert "--signer" in line
    assert not (repo.root / ".releasegate.yml").exists()


def _run(repo: GitRepo, tmp_path: Path) -> dict[str, object]:
    out = tmp_path / "adopt.json"
    env = {k: v for k, v in os.environ.items() if k not in ("GITHUB_TOKEN", "GITHUB_REPOSITORY")}
    done = releasegate(
        "run", "--repo", str(repo.root), "--only", "review,signoff", "--no-progress",
        "--json", str(out), env=env,
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    report: dict[str, object] = json.loads(out.read_text("utf-8"))
    return report


def test_without_a_policy_the_run_says_the_default_governs_and_how_to_adopt(
    repo: GitRepo, tmp_path: Path
) -> None:
    repo.commit("app", **{"app.py": "x = 1\n"})
    repo.tag("v1")
    repo.commit("more", **{"app.py": "x = 2\n"})
    report = _run(repo, tmp_path)
    notes = " ".join(str(n) for n in report["notes"])  # type: ignore[attr-defined]
    assert "embedded default policy governs" in notes and "`releasegate init`" in notes
    reasons = " ".join(str(r) for r in report["reasons"])  # type: ignore[attr-defined]
    assert "review.source: git" in reasons  # no GITHUB_TOKEN: the other way is named
    assert "`releasegate init`" in reasons and "`releasegate signoff`" in reasons


def test_a_policy_added_after_the_base_says_when_it_takes_effect(
    repo: GitRepo, tmp_path: Path
) -> None:
    repo.commit("app", **{"app.py": "x = 1\n"})
    repo.tag("v1")
    policy = {"version": 1, "signoff": {"allowed_signers": ".github/allowed_signers"}}
    repo.commit("adopt", **{".releasegate.yml": yaml.safe_dump(policy)})
    report = _run(repo, tmp_path)
    notes = " ".join(str(n) for n in report["notes"])  # type: ignore[attr-defined]
    assert "the embedded default policy governs this release" in notes
    assert "the new one from the next release on" in notes


def test_init_writes_at_the_top_of_the_repository_and_never_through_a_link(
    repo: GitRepo, tmp_path: Path
) -> None:
    (repo.root / "sub").mkdir()
    done = releasegate("init", "--repo", str(repo.root / "sub"))
    assert done.returncode == 0, done.stderr
    assert (repo.root / ".releasegate.yml").is_file()
    assert not (repo.root / "sub" / ".releasegate.yml").exists()
    outside = tmp_path / "outside"
    outside.mkdir()
    (repo.root / ".github" / "allowed_signers").unlink()
    (repo.root / ".github").rmdir()
    (repo.root / ".github").symlink_to(outside)
    again = releasegate("init", "--repo", str(repo.root), "--force")
    assert again.returncode == 2
    assert "symbolic link" in again.stderr
    assert list(outside.iterdir()) == []
    comment = releasegate("init", "--repo", str(repo.root), "--force", "--signer", "#x=k.pub")
    assert comment.returncode == 2 and "--signer" in comment.stderr
