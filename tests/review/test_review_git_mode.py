"""Git-only mode end to end: Reviewed-by:/Approved-by: trailers count only on commits
signed by an SSH key in the allowed-signers file of the base. Real keys, real
signatures, the installed CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from rg_testlib import GitRepo, check, load_report, releasegate, ssh_key

SIGNERS = ".github/allowed_signers"


keypair = ssh_key


@pytest.fixture
def keys(tmp_path: Path) -> dict[str, Path]:
    directory = tmp_path / "keys"
    directory.mkdir()
    return {name: keypair(directory, name) for name in ("maintainer", "stranger")}


def git_policy(required: int = 1, signers: str | None = SIGNERS) -> str:
    review: dict[str, object] = {"source": "git", "required_approvals": required}
    if signers is not None:
        review["allowed_signers"] = signers
    return yaml.safe_dump({"version": 1, "review": review})


def start(repo: GitRepo, keys: dict[str, Path], policy: str | None = None) -> str:
    public = keys["maintainer"].with_suffix(".pub").read_text().split()
    repo.commit(
        "initial",
        **{
            ".releasegate.yml": policy or git_policy(),
            SIGNERS: f"maintainer@example.com {public[0]} {public[1]}\n",
        },
    )
    return repo.head()


def commit(
    repo: GitRepo,
    message: str,
    files: dict[str, str] | None = None,
    *,
    key: Path | None = None,
    author: tuple[str, str] = ("Alice", "alice@example.com"),
) -> str:
    for path, text in (files or {}).items():
        repo.write(path, text)
    repo.git("add", "-A")
    who = ["-c", f"user.name={author[0]}", "-c", f"user.email={author[1]}"]
    if key is None:
        repo.git(*who, "commit", "-q", "--allow-empty", "-m", message)
    else:
        repo.git(
            *who,
            "-c",
            "gpg.format=ssh",
            "-c",
            f"user.signingkey={key}",
            "commit",
            "-q",
            "-S",
            "--allow-empty",
            "-m",
            message,
        )
    return repo.head()


def run(repo: GitRepo, base: str, tmp_path: Path) -> tuple[int, dict[str, object], list[str]]:
    out = tmp_path / "git-mode.json"
    done = releasegate(
        "run", "--repo", str(repo.root), "--only", "review", "--base", base,
        "--head", repo.head(), "--json", str(out),
    )  # fmt: skip
    assert done.returncode in (0, 1), done.stdout + done.stderr
    review = check(load_report(out), "review")
    return done.returncode, review, list(review["reasons"])


REVIEWED = "Add feature\n\nSome text.\n\nReviewed-by: Bob <bob@example.com>\n"


def test_signed_trailers_from_an_allowed_signer_are_proof(
    repo: GitRepo, keys: dict[str, Path], tmp_path: Path
) -> None:
    base = start(repo, keys)
    sha = commit(repo, REVIEWED, {"a.py": "1\n"}, key=keys["maintainer"])
    code, review, reasons = run(repo, base, tmp_path)
    assert code == 0, reasons
    assert review["status"] == "pass"
    evidence = review["evidence"]
    assert isinstance(evidence, dict)
    [item] = evidence["commits"]
    assert item["sha"] == sha
    assert item["signature"] == "good" and item["signer"] == "maintainer@example.com"
    assert item["reviewers"] == ["Bob <bob@example.com>"]


def test_unsigned_trailers_are_claims_not_proof(
    repo: GitRepo, keys: dict[str, Path], tmp_path: Path
) -> None:
    base = start(repo, keys)
    sha = commit(repo, REVIEWED, {"a.py": "1\n"})
    code, _review, reasons = run(repo, base, tmp_path)
    assert code == 1
    assert reasons == [
        f"review: commit {sha[:7]} 'Add feature' by Alice <alice@example.com> carries review "
        "trailers (Bob <bob@example.com>) but is not signed: trailers are claims, not proof"
    ]


def test_trailers_signed_by_an_unknown_key_are_rejected(
    repo: GitRepo, keys: dict[str, Path], tmp_path: Path
) -> None:
    base = start(repo, keys)
    commit(repo, REVIEWED, {"a.py": "1\n"}, key=keys["stranger"])
    code, _review, reasons = run(repo, base, tmp_path)
    assert code == 1
    assert "is not signed by a key in review.allowed_signers" in reasons[0]
    assert f"({SIGNERS} at base {base[:12]})" in reasons[0]


def test_allowed_signers_come_from_the_base_not_the_head(
    repo: GitRepo, keys: dict[str, Path], tmp_path: Path
) -> None:
    base = start(repo, keys)
    stranger = keys["stranger"].with_suffix(".pub").read_text().split()
    maintainer = keys["maintainer"].with_suffix(".pub").read_text().split()
    trust_me = (
        f"maintainer@example.com {maintainer[0]} {maintainer[1]}\n"
        f"stranger@example.com {stranger[0]} {stranger[1]}\n"
    )
    commit(repo, REVIEWED, {SIGNERS: trust_me}, key=keys["stranger"])
    code, review, reasons = run(repo, base, tmp_path)
    assert code == 1
    assert "not signed by a key in review.allowed_signers" in reasons[0]
    evidence = review["evidence"]
    assert isinstance(evidence, dict) and evidence["allowed_signers_changed_in_range"] is True


def test_the_author_cannot_review_their_own_commit(
    repo: GitRepo, keys: dict[str, Path], tmp_path: Path
) -> None:
    base = start(repo, keys)
    commit(
        repo,
        "Self\n\nReviewed-by: Alice <ALICE@example.com>\n",
        {"a.py": "1\n"},
        key=keys["maintainer"],
    )
    code, _, reasons = run(repo, base, tmp_path)
    assert code == 1
    assert "has 0 of 1 required reviewers other than the author" in reasons[0]


def test_signed_merge_commit_with_trailers_covers_the_commits_it_brings_in(
    repo: GitRepo, keys: dict[str, Path], tmp_path: Path
) -> None:
    base = start(repo, keys)
    repo.git("checkout", "-q", "-b", "topic")
    first = commit(repo, "one", {"a.py": "1\n"})
    second = commit(repo, "two", {"b.py": "2\n"})
    repo.git("checkout", "-q", "main")
    repo.git(
        "-c", "user.name=Maintainer", "-c", "user.email=maintainer@example.com",
        "-c", "gpg.format=ssh", "-c", f"user.signingkey={keys['maintainer']}",
        "merge", "--no-ff", "-S", "-q", "-m",
        "Merge topic\n\nReviewed-by: Bob <bob@example.com>\nApproved-by: Carol <carol@example.com>",
        "topic",
    )  # fmt: skip
    merge = repo.head()
    code, review, reasons = run(repo, base, tmp_path)
    assert code == 0, reasons
    evidence = review["evidence"]
    assert isinstance(evidence, dict)
    how = {c["sha"]: c["how"] for c in evidence["commits"]}
    assert how[first] == how[second]
    assert how[first].startswith(f"the trailers of merge commit {merge[:7]}")


def test_unsigned_merge_commit_leaves_its_commits_unreviewed(
    repo: GitRepo, keys: dict[str, Path], tmp_path: Path
) -> None:
    base = start(repo, keys)
    repo.git("checkout", "-q", "-b", "topic")
    inner = commit(repo, "one", {"a.py": "1\n"})
    repo.git("checkout", "-q", "main")
    repo.git("merge", "--no-ff", "-q", "-m", "Merge\n\nReviewed-by: Bob <bob@example.com>", "topic")
    code, _, reasons = run(repo, base, tmp_path)
    assert code == 1
    [inner_reason] = [r for r in reasons if f"commit {inner[:7]} 'one'" in r]
    assert "has no Reviewed-by:/Approved-by: trailers" in inner_reason
    assert "is not signed: trailers are claims, not proof" in inner_reason


@pytest.mark.parametrize(
    ("trailers", "passes"), [(("Bob", "Carol"), True), (("Bob", "Bob"), False)]
)
def test_two_required_reviewers_must_be_distinct(
    repo: GitRepo, keys: dict[str, Path], tmp_path: Path, trailers: tuple[str, str], passes: bool
) -> None:
    base = start(repo, keys, git_policy(required=2))
    lines = "\n".join(f"Reviewed-by: {n} <{n.lower()}@example.com>" for n in trailers)
    commit(repo, f"Change\n\n{lines}\n", {"a.py": "1\n"}, key=keys["maintainer"])
    code, _, reasons = run(repo, base, tmp_path)
    assert code == (0 if passes else 1), reasons


def test_git_mode_without_allowed_signers_is_an_error(
    repo: GitRepo, keys: dict[str, Path], tmp_path: Path
) -> None:
    base = start(repo, keys, git_policy(signers=None))
    commit(repo, REVIEWED, key=keys["maintainer"])
    code, review, reasons = run(repo, base, tmp_path)
    assert code == 1
    assert review["status"] == "error"
    assert "review.allowed_signers is not set" in reasons[0]
