"""Issue #12: blocking means confident, and one weakness on one line is one finding.

The real bandit and semgrep on the day-one fixtures (tests/data/day-one): correct
library code gives no blocking finding; the real vulnerable versions still block, each
line once with every tool's rule id listed, in the JSON, the SARIF and the terminal.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rg_testlib import GitRepo, load_report, releasegate

DATA = Path(__file__).parent / "data" / "day-one"


def _run(repo: GitRepo, tmp_path: Path, *extra: str) -> tuple[int, dict[str, Any], Any, str]:
    out, sarif = tmp_path / "static.json", tmp_path / "static.sarif"
    done = releasegate(
        "run", "--repo", str(repo.root), "--only", "static", "--no-progress",
        "--json", str(out), "--sarif", str(sarif), *extra,
    )  # fmt: skip
    assert done.returncode in (0, 1), done.stderr + done.stdout
    return done.returncode, load_report(out), json.loads(sarif.read_text("utf-8")), done.stdout


def _findings(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for c in report["checks"] for f in c["findings"]]


def _repo(repo: GitRepo, policy: str = "version: 1\n", *names: str) -> None:
    repo.commit("policy", **{".releasegate.yml": policy})
    repo.tag("v1")
    repo.commit("code", **{f"src/pkg/{name}": (DATA / name).read_text("utf-8") for name in names})


def test_correct_library_code_does_not_block(repo: GitRepo, tmp_path: Path) -> None:
    _repo(repo, "version: 1\n", "clientlib.py")
    code, report, _, _ = _run(repo, tmp_path)
    findings = _findings(report)
    assert code == 0, [f["message"] for f in findings if f["blocking"]]
    assert not [f for f in findings if f["blocking"]]
    # The weak-hash reports are there, reported and not blocking, and the note says why
    # and which key makes them block.
    weak = [f for f in findings if f["rule_id"] == "B324"]
    assert {f["line"] for f in weak} == {13, 23, 25, 31}
    assert report["decision"] != "block"
    notes = " ".join(report["notes"])
    assert "4 B324 finding(s) reached static.block_on and did not block" in notes
    assert "static.rule_blocking: {B324: block}" in notes
    # usedforsecurity=False and the implemented verify option are not reported at all.
    assert not [f for f in findings if f["line"] in (35, 43, 44, 50)]


def test_the_policy_can_make_a_report_only_rule_block(repo: GitRepo, tmp_path: Path) -> None:
    _repo(repo, "version: 1\nstatic:\n  rule_blocking:\n    B324: block\n", "clientlib.py")
    code, report, _, _ = _run(repo, tmp_path)
    assert code == 1
    assert {f["line"] for f in _findings(report) if f["blocking"]} == {13, 23, 25, 31}


def test_the_real_vulnerabilities_still_block_once_per_line(repo: GitRepo, tmp_path: Path) -> None:
    _repo(repo, "version: 1\n", "vulnerable.py", "clientlib.py")
    code, report, sarif, stdout = _run(repo, tmp_path)
    assert code == 1
    blocking = [f for f in _findings(report) if f["blocking"]]
    by_line: dict[int, list[dict[str, Any]]] = {}
    for finding in blocking:
        assert finding["path"] == "src/pkg/vulnerable.py", finding
        by_line.setdefault(finding["line"], []).append(finding)
    assert set(by_line) == {14, 19, 25, 32}
    for line, found in by_line.items():
        # Several weaknesses may share a line (25: shell injection, and its output
        # returned as HTML); one weakness is never two findings.
        cwes = [set(f["cwe"]) for f in found]
        assert all(not (a & b) for i, a in enumerate(cwes) for b in cwes[i + 1 :]), line

    def rules(line: int) -> set[str]:
        return {f"{f['tool']} {f['rule_id']}" for f in by_line[line]} | {
            f"{a['tool']} {a['rule_id']}" for f in by_line[line] for a in f["also"]
        }

    assert rules(14) == {"semgrep releasegate.python.crypto.weak-password-hash", "bandit B324"}
    assert rules(19) == {
        "bandit B501",
        "semgrep releasegate.python.transport.tls-verification-disabled",
    }
    assert "bandit B602" in rules(25)
    assert "semgrep releasegate.python.injection.shell-command-from-request" in rules(25)
    assert "bandit B608" in rules(32)
    assert [f["severity"] for f in by_line[14]] == ["high"]
    # SARIF: one result per line, the other tools' reports listed on it.
    results = [r for run in sarif["runs"] for r in run["results"] if r["properties"]["blocking"]]
    lines = [r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in results]
    assert sorted(lines) == sorted(f["line"] for f in blocking)
    merged = [r for r in results if "alsoReportedBy" in r["properties"]]
    assert len(merged) == sum(1 for f in blocking if f["also"]) >= 4
    # The terminal names every tool's rule on the one line it shows.
    assert "bandit B324 + semgrep releasegate.python.crypto.weak-password-hash" in stdout


def test_each_blocking_finding_names_the_owner_who_must_act(repo: GitRepo, tmp_path: Path) -> None:
    repo.commit(
        "policy",
        **{
            ".releasegate.yml": "version: 1\n",
            ".github/CODEOWNERS": "* @acme/platform\nsrc/pkg/ @acme/payments\n",
        },
    )
    repo.tag("v1")
    repo.commit("code", **{"src/pkg/vulnerable.py": (DATA / "vulnerable.py").read_text("utf-8")})
    summary = tmp_path / "summary.md"
    code, _, _, stdout = _run(repo, tmp_path, "--summary", str(summary))
    assert code == 1
    lines = stdout.splitlines()
    owners = [line.strip() for line in lines if line.strip().startswith("owner:")]
    assert owners and set(owners) == {"owner: @acme/payments"}
    # The summary names the owner too, without mentioning (notifying) anyone.
    text = summary.read_text("utf-8")
    assert "owner: @\u200dacme/payments" in text


def test_a_waiver_for_one_tools_rule_does_not_accept_the_other_tools_report(
    repo: GitRepo, tmp_path: Path
) -> None:
    policy = (
        "version: 1\nwaivers:\n  - id: B324\n    reason: etags only\n"
        "    owner: sec@example.com\n    expires: 2099-01-01\n"
    )
    _repo(repo, policy, "vulnerable.py")
    code, report, _, _ = _run(repo, tmp_path)
    assert code == 1
    on_14 = [f for f in _findings(report) if f["line"] == 14]
    # Not merged: bandit's waived report and semgrep's blocking one, each on its own.
    assert {(f["rule_id"], f["waived"], f["blocking"]) for f in on_14} == {
        ("B324", True, False),
        ("releasegate.python.crypto.weak-password-hash", False, True),
    }
    assert all(not f["also"] for f in on_14)


def test_a_not_shipping_directory_that_is_a_package_is_analysed(
    repo: GitRepo, tmp_path: Path
) -> None:
    """`scripts/` is left out by default, unless it is an importable package, which
    find_packages() or an entry point (`scripts.cli:main`) can ship."""
    repo.commit("policy", **{".releasegate.yml": "version: 1\n"})
    repo.tag("v1")
    unsafe = "import yaml\n\n\ndef main(text):\n    return yaml.load(text, Loader=yaml.Loader)\n"
    repo.commit("cli", **{"scripts/__init__.py": "", "scripts/cli.py": unsafe})
    code, report, _, _ = _run(repo, tmp_path)
    assert code == 1
    assert any(f["blocking"] and f["path"] == "scripts/cli.py" for f in _findings(report))
    tree = next(c for c in report["checks"] if c["id"] == "tree")
    assert "scripts/**" not in tree["evidence"]["static_exclude"]


def test_a_linked_package_marker_still_makes_the_directory_analysed(
    repo: GitRepo, tmp_path: Path
) -> None:
    """A hostile head cannot keep a shipped `scripts/` package out of the analysis by
    making its `__init__.py` a symbolic link."""
    repo.commit("policy", **{".releasegate.yml": "version: 1\n"})
    repo.tag("v1")
    unsafe = "import yaml\n\n\ndef main(text):\n    return yaml.load(text, Loader=yaml.Loader)\n"
    repo.write("scripts/cli.py", unsafe)
    repo.write("marker.py", "")
    (repo.root / "scripts" / "__init__.py").symlink_to("../marker.py")
    repo.commit("cli")
    code, report, _, _ = _run(repo, tmp_path)
    assert code == 1
    assert any(f["blocking"] and f["path"] == "scripts/cli.py" for f in _findings(report))
