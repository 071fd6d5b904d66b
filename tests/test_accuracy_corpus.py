"""The accuracy corpus (bench/accuracy/cases) is well-formed, and bench/accuracy.py scores right.

Fast: nothing here runs the gate or a scanner.
"""

from __future__ import annotations

import hashlib
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

BENCH_DIR = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH_DIR))

import accuracy  # noqa: E402

CASE_FILES = sorted(accuracy.CORPUS_DIR.rglob("*.py"))


def test_corpus_is_large_enough() -> None:
    assert len(CASE_FILES) >= 300


def test_every_case_compiles() -> None:
    for path in CASE_FILES:
        compile(path.read_bytes(), str(path), "exec", dont_inherit=True)


def test_every_case_has_a_valid_header_in_its_category_folder() -> None:
    cases = accuracy.load_cases()
    assert len(cases) == len(CASE_FILES)
    assert {c.cwe for c in cases} == set(accuracy.CATEGORIES)


def test_every_category_has_vulnerable_and_safe_twins() -> None:
    counts = Counter((c.cwe, c.label) for c in accuracy.load_cases())
    for cwe in accuracy.CATEGORIES:
        vulnerable, safe = counts[(cwe, "vulnerable")], counts[(cwe, "safe")]
        assert vulnerable >= 1, cwe
        assert safe >= 1, cwe
        assert abs(vulnerable - safe) <= max(vulnerable, safe) // 4, (cwe, vulnerable, safe)


def test_every_safe_case_names_its_trick() -> None:
    assert all(c.trick != "none" for c in accuracy.load_cases() if not c.vulnerable)


def test_no_two_cases_are_the_same() -> None:
    bodies = Counter(
        hashlib.sha256(b"".join(p.read_bytes().splitlines(keepends=True)[1:])).hexdigest()
        for p in CASE_FILES
    )
    assert [digest for digest, n in bodies.items() if n > 1] == []


@pytest.mark.parametrize(
    "line",
    [
        "# accuracy: cwe=89 label=maybe trick=none framework=flask",
        "# accuracy: cwe=89 label=safe framework=flask",
        "accuracy: cwe=89 label=safe trick=none framework=flask",
        "# accuracy: cwe=89 label=safe trick=none framework=flask extra=1",
    ],
)
def test_bad_headers_are_refused(line: str) -> None:
    assert accuracy.parse_header(line) is None


def test_a_case_outside_its_category_folder_is_refused(tmp_path: Path) -> None:
    case = tmp_path / "cwe-078" / "x.py"
    case.parent.mkdir()
    case.write_text("# accuracy: cwe=89 label=safe trick=int-cast framework=flask\n")
    with pytest.raises(accuracy.CorpusError, match="not in cwe-089/"):
        accuracy.load_cases(tmp_path)


# --- the scorer, on a synthetic report -------------------------------------------------------


def _case(path: str, label: str, cwe: int = 78) -> accuracy.Case:
    return accuracy.Case(path, cwe, label, "none" if label == "vulnerable" else "x", "flask")


def _finding(path: str, cwe: list[int], blocking: bool, **extra: Any) -> dict[str, Any]:
    return {"tool": "semgrep", "rule_id": "r", "path": f"cases/{path}", "cwe": cwe,
            "blocking": blocking, **extra}  # fmt: skip


def test_scorer_counts_blocking_and_reporting_per_category() -> None:
    cases = [
        _case("cwe-078/v1.py", "vulnerable"),  # blocked
        _case("cwe-078/v2.py", "vulnerable"),  # reported only
        _case("cwe-078/v3.py", "vulnerable"),  # another CWE only: missed
        _case("cwe-078/v4.py", "vulnerable"),  # nothing
        _case("cwe-078/s1.py", "safe"),  # blocked: false block
        _case("cwe-078/s2.py", "safe"),  # nothing
        _case("cwe-078/s3.py", "safe"),  # blocked by another CWE: not a category FP
        _case("cwe-614/v1.py", "vulnerable", cwe=614),  # CWE-1004 counts for cookies
        _case("cwe-614/s1.py", "safe", cwe=614),
    ]
    merged_also = [{"tool": "bandit", "rule_id": "B602"}]
    report = {
        "checks": [
            {
                "id": "semgrep",
                "findings": [
                    _finding("cwe-078/v1.py", [78], True, also=merged_also),
                    _finding("cwe-078/v2.py", [78], False),
                    _finding("cwe-078/v3.py", [79], True),
                    _finding("cwe-078/s1.py", [20, 78], True),
                    _finding("cwe-078/s3.py", [79], True),
                    _finding("cwe-614/v1.py", [1004], False),
                    _finding("elsewhere.py", [78], True),
                ],
            },
            {"id": "bandit", "findings": [_finding("cwe-078/v2.py", [78], False)]},
        ]
    }
    verdicts = accuracy.judge(cases, report)
    by_path = {v.case.path: v for v in verdicts}
    assert by_path["cwe-078/v1.py"].rules == ["bandit:B602", "semgrep:r"]
    assert by_path["cwe-078/v3.py"].other == ["semgrep:r"]
    assert by_path["cwe-078/s3.py"].blocked_any and not by_path["cwe-078/s3.py"].blocked

    rows, total = accuracy.score(verdicts)
    cmd, cookies = rows
    assert (cmd.name, cmd.n_vuln, cmd.n_safe) == ("CWE-78 OS command injection", 4, 3)
    assert (cmd.tp_block, cmd.tp_report, cmd.fp_block, cmd.fp_report) == (1, 2, 1, 1)
    assert cmd.tpr_block == 0.25
    assert cmd.fpr_block == pytest.approx(1 / 3)
    assert cmd.delta_block == pytest.approx(0.25 - 1 / 3)
    assert cmd.delta_report == pytest.approx(0.5 - 1 / 3)
    assert cmd.fpr_block_any == pytest.approx(2 / 3)
    assert not cmd.meets_targets
    assert (cookies.tp_report, cookies.tp_block, cookies.fp_report) == (1, 0, 0)
    assert (total.n_vuln, total.n_safe, total.tp_report) == (5, 4, 3)

    table = accuracy.markdown_table(rows, total)
    assert "| CWE-78 OS command injection | 4 | 3 | 0.25 | 0.33 | -0.08 |" in table
    assert table.count("**FAIL**") == 3

    lines = accuracy.misses(verdicts)
    assert any(
        line.startswith("cwe-078/v2.py") and "reported, not blocked" in line for line in lines
    )
    assert any(line.startswith("cwe-078/s1.py") and "false block" in line for line in lines)
    assert any(line.startswith("cwe-078/s3.py") and "another CWE" in line for line in lines)
    assert not any(line.startswith(("cwe-078/v1.py", "cwe-078/s2.py")) for line in lines)


def test_a_category_meeting_the_targets_is_marked_met() -> None:
    cases = [_case(f"cwe-089/v{i}.py", "vulnerable", cwe=89) for i in range(10)]
    cases += [_case(f"cwe-089/s{i}.py", "safe", cwe=89) for i in range(10)]
    report = {"checks": [{"findings": [_finding(c.path, [89], True) for c in cases[:8]]}]}
    rows, _total = accuracy.score(accuracy.judge(cases, report))
    assert rows[0].delta_block == pytest.approx(0.8)
    assert rows[0].meets_targets
    assert "| met |" in accuracy.markdown_table(rows, _total)


def test_select_by_category_or_related_cwe() -> None:
    cases = [_case("cwe-614/a.py", "safe", cwe=614), _case("cwe-078/b.py", "safe")]
    assert [c.path for c in accuracy.select(cases, [1004])] == ["cwe-614/a.py"]
    assert accuracy.select(cases, []) == cases
