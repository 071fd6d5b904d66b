"""The functional stage: real pytest runs of real repositories, through the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from rg_testlib import GitRepo
from stage_helpers import reasons, run_gate, stage, with_policy, write_untracked

from releasegate.model import Status
from releasegate.stages.functional import judge_tests
from releasegate.stages.junit import CaseResult, JUnitReport, Outcome, node_id, parse_junit

APP = "def add(a, b):\n    return a - b\n"
FIXED_APP = "def add(a, b):\n    return a + b\n"
TESTS = """from app import add


def test_add():
    assert add(2, 2) == 4


def test_add_zero():
    assert add(3, 0) == 3


def test_add_negative():
    assert add(-1, -1) == -2
"""


def test_failing_tests_block_naming_them_and_the_fix_passes(repo: GitRepo) -> None:
    with_policy(repo, "version: 1\n", **{"app.py": APP})
    repo.commit("tests", **{"tests/test_app.py": TESTS})
    done, report = run_gate(repo, "functional")
    assert done.returncode == 1, done.stdout + done.stderr
    assert report["decision"] == "block"
    functional = stage(report, "functional")
    assert functional["status"] == "fail"
    text = reasons(report)
    assert "tests/test_app.py::test_add" in text
    assert "tests/test_app.py::test_add_negative" in text
    assert "test_add_zero" not in text  # 3 - 0 == 3: it passes
    evidence = functional["evidence"]
    assert evidence["tests"] == {
        "executed": 3,
        "passed": 1,
        "failed": 2,
        "errored": 0,
        "skipped": 0,
    }
    assert {entry["id"] for entry in evidence["failed"]} == {
        "tests/test_app.py::test_add",
        "tests/test_app.py::test_add_negative",
    }
    assert evidence["run"]["exit_code"] == 1
    assert evidence["run"]["seconds"] > 0
    stdout = Path(evidence["run"]["stdout"]["path"])
    assert "2 failed, 1 passed" in stdout.read_text("utf-8")
    assert stdout.parent.parts[-2:] == (repo.head(), "functional")

    repo.commit("fix", **{"app.py": FIXED_APP})
    done, report = run_gate(repo, "functional")
    assert done.returncode == 0, done.stdout + done.stderr
    assert report["decision"] == "partial-pass"  # --only functional
    assert stage(report, "functional")["evidence"]["tests"]["passed"] == 3


def test_a_run_that_collects_no_tests_is_blocked(repo: GitRepo) -> None:
    with_policy(repo, "version: 1\n", **{"app.py": FIXED_APP})
    repo.commit(
        "no tests",
        **{
            "pytest.ini": "[pytest]\ntestpaths = tests\n",
            "tests/test_helpers.py": "def helper():\n    return 1\n",
        },
    )
    done, report = run_gate(repo, "functional")
    assert done.returncode == 1, done.stdout + done.stderr
    functional = stage(report, "functional")
    assert functional["status"] == "fail"
    assert functional["reasons"] == ["functional: no tests executed"]
    assert functional["evidence"]["run"]["exit_code"] == 5  # pytest: no tests collected


def test_only_skipped_tests_is_no_tests_executed(repo: GitRepo) -> None:
    with_policy(repo, "version: 1\n")
    repo.commit(
        "skip",
        **{
            "test_skip.py": "import pytest\n\n\n@pytest.mark.skip(reason='later')\n"
            "def test_later():\n    pass\n"
        },
    )
    done, report = run_gate(repo, "functional")
    assert done.returncode == 1
    assert "no tests executed (1 test skipped)" in reasons(report)


def test_without_a_test_suite_the_default_functional_stage_is_skipped(repo: GitRepo) -> None:
    with_policy(repo, "version: 1\n", **{"app.py": FIXED_APP})
    repo.commit("docs", **{"README.md": "hello\n"})
    done, report = run_gate(repo, "functional")
    functional = stage(report, "functional")
    assert functional["status"] == "skipped"
    assert "no test suite" in functional["reasons"][0]
    # Nothing else ran: an empty set of checks cannot certify a release.
    assert done.returncode == 1
    assert any("no checks ran" in reason for reason in report["reasons"])


def test_policy_command_with_results_and_min_pass_rate(repo: GitRepo) -> None:
    policy = (
        "version: 1\n"
        "stages:\n"
        "  functional:\n"
        "    command: [python, -m, pytest, -q, -p, no:cacheprovider, --junitxml=build/junit.xml]\n"
        "    results: build/junit.xml\n"
        "    min_pass_rate: 0.6\n"
    )
    with_policy(repo, policy, **{"app.py": APP, ".gitignore": "build/\n"})
    repo.commit("tests", **{"tests/test_app.py": TESTS})
    # 1 of 3 passes: below 60%.
    done, report = run_gate(repo, "functional")
    assert done.returncode == 1
    text = reasons(report)
    assert "pass rate 33.3% is below min_pass_rate 60.0%" in text
    evidence = stage(report, "functional")["evidence"]
    assert evidence["results"]["path"] == "build/junit.xml"
    assert evidence["results"]["source"] == "written by the command"
    # 2 of 3 pass: enough.
    repo.commit("better", **{"app.py": "def add(a, b):\n    return a + b if b else a - 1\n"})
    done, report = run_gate(repo, "functional")
    assert done.returncode == 0, done.stdout
    assert stage(report, "functional")["evidence"]["pass_rate"] == pytest.approx(0.6667)


def test_results_committed_in_the_head_are_refused(repo: GitRepo) -> None:
    policy = "version: 1\nstages:\n  functional:\n    results: junit.xml\n"
    with_policy(repo, policy)
    forged = (
        '<testsuites><testsuite name="pytest" tests="1">'
        '<testcase classname="tests.test_app" name="test_ok"/></testsuite></testsuites>'
    )
    repo.commit("forged results", **{"junit.xml": forged})
    done, report = run_gate(repo, "functional")
    assert done.returncode == 1
    functional = stage(report, "functional")
    assert functional["status"] == "error"
    assert "junit.xml: is committed in the head commit" in functional["reasons"][0]


def test_results_left_by_an_earlier_job_are_read(repo: GitRepo) -> None:
    policy = "version: 1\nstages:\n  functional:\n    results: build/junit.xml\n"
    with_policy(repo, policy, **{".gitignore": "build/\n"})
    repo.commit("work", **{"app.py": FIXED_APP})
    write_untracked(
        repo,
        "build/junit.xml",
        '<testsuites><testsuite name="pytest" tests="2" time="1.5">'
        '<testcase classname="tests.test_app" name="test_a" time="0.5"/>'
        '<testcase classname="tests.test_app" name="test_b" time="1.0">'
        '<failure message="AssertionError: boom">trace</failure></testcase>'
        "</testsuite></testsuites>",
    )
    done, report = run_gate(repo, "functional")
    assert done.returncode == 1
    functional = stage(report, "functional")
    assert "1 of 2 tests failed: tests.test_app::test_b" in functional["reasons"][0]
    assert functional["evidence"]["results"]["source"] == "left by an earlier job"
    assert functional["evidence"]["failed"] == [
        {"id": "tests.test_app::test_b", "message": "AssertionError: boom"}
    ]
    assert functional["evidence"]["reported_seconds"] == 1.5


def test_a_command_that_leaves_stale_results_is_an_error(repo: GitRepo) -> None:
    policy = (
        "version: 1\nstages:\n  functional:\n"
        "    command: [python, -c, 'pass']\n    results: build/junit.xml\n"
    )
    with_policy(repo, policy, **{".gitignore": "build/\n"})
    repo.commit("work", **{"app.py": FIXED_APP})
    write_untracked(
        repo,
        "build/junit.xml",
        '<testsuite name="old"><testcase classname="t" name="test_old"/></testsuite>',
    )
    done, report = run_gate(repo, "functional")
    assert done.returncode == 1
    functional = stage(report, "functional")
    assert functional["status"] == "error"
    assert "the command did not write it" in functional["reasons"][0]
    # The command's run is still referenced, so the error can be investigated.
    assert functional["evidence"]["run"]["exit_code"] == 0


def test_exit_code_format_and_a_missing_program(repo: GitRepo) -> None:
    policy = (
        "version: 1\nstages:\n  functional:\n    format: exit-code\n"
        "    command: [python, -c, 'import sys; print(\"checking\"); sys.exit(3)']\n"
        "  smoke:\n    format: exit-code\n    command: [no-such-program-xyz]\n"
    )
    with_policy(repo, policy)
    repo.commit("work", **{"app.py": FIXED_APP})
    done, report = run_gate(repo, "functional,smoke")
    assert done.returncode == 1
    functional = stage(report, "functional")
    assert functional["status"] == "fail"
    assert functional["reasons"][0].startswith("functional: the command exited 3: checking")
    smoke = stage(report, "smoke")
    assert smoke["stage"] == "custom"
    assert smoke["status"] == "error"
    assert "not found" in smoke["reasons"][0]


# --- unit: JUnit parsing and judgement ---------------------------------------------------


PYTEST_JUNIT = b"""<?xml version="1.0" encoding="utf-8"?><testsuites name="pytest tests">
<testsuite name="pytest" errors="1" failures="1" skipped="1" tests="5" time="0.25">
<testcase classname="tests.test_app" name="test_ok" time="0.001" />
<testcase classname="tests.test_app.TestMath" name="test_div[1-0]" time="0.002">
<failure message="ZeroDivisionError: division by zero&#10;more">Traceback</failure></testcase>
<testcase classname="tests.test_app" name="test_skip" time="0.000">
<skipped type="pytest.skip" message="not today">skip</skipped></testcase>
<testcase classname="" name="tests.test_broken" time="0.000">
<error message="collection failure">ImportError</error></testcase>
<testcase classname="tests.test_app" name="test_retried" time="0.1">
<rerunFailure message="flaky">first try</rerunFailure></testcase>
</testsuite></testsuites>"""


def test_pytest_junit_outcomes_and_node_ids() -> None:
    files = {"tests/test_app.py", "tests/test_broken.py"}
    report = parse_junit(PYTEST_JUNIT, "junit.xml", files=files)
    by_id = {case.id: case for case in report.cases}
    assert by_id["tests/test_app.py::test_ok"].outcome is Outcome.PASSED
    failed = by_id["tests/test_app.py::TestMath::test_div[1-0]"]
    assert failed.outcome is Outcome.FAILED
    assert failed.message == "ZeroDivisionError: division by zero"
    assert by_id["tests/test_app.py::test_skip"].outcome is Outcome.SKIPPED
    assert by_id["tests/test_broken.py"].outcome is Outcome.ERRORED
    assert by_id["tests/test_app.py::test_retried"].reruns == 1
    assert report.executed == 4
    assert report.reported_seconds == 0.25


def test_node_ids_fall_back_to_classname_and_name() -> None:
    assert node_id("com.example.AppTest", "adds", set()) == "com.example.AppTest::adds"
    assert node_id("", "lonely", set()) == "lonely"
    assert node_id("pkg.mod", "t", {"pkg/mod.py"}) == "pkg/mod.py::t"


def test_a_non_junit_document_is_a_format_error() -> None:
    with pytest.raises(Exception, match=r"not a JUnit XML report \(the root element is <html>"):
        parse_junit(b"<html><body/></html>", "page.xml")
    with pytest.raises(Exception, match="not well-formed XML"):
        parse_junit(b"<testsuite><testcase", "cut.xml")


def _report(*outcomes: Outcome) -> JUnitReport:
    cases = tuple(
        CaseResult(id=f"t.py::test_{i}", outcome=o, message="m") for i, o in enumerate(outcomes)
    )
    return JUnitReport(cases=cases, reported_seconds=None)


def test_a_nonzero_exit_without_failing_tests_is_an_error() -> None:
    status, why, _ = judge_tests(_report(Outcome.PASSED), min_pass_rate=1.0, exit_code=2)
    assert status is Status.ERROR
    assert "exited 2 although its results show no failing test" in why[0]
    status, _, _ = judge_tests(_report(Outcome.PASSED), min_pass_rate=1.0, exit_code=0)
    assert status is Status.PASS


def test_failing_and_erroring_tests_are_named_with_a_cap() -> None:
    report = _report(*([Outcome.FAILED] * 12), Outcome.ERRORED, Outcome.PASSED)
    status, why, evidence = judge_tests(report, min_pass_rate=1.0, exit_code=1)
    assert status is Status.FAIL
    assert why[0].startswith("12 of 14 tests failed: t.py::test_0, t.py::test_1")
    assert why[0].endswith("(and 2 more)")
    assert why[1] == "1 of 14 tests errored: t.py::test_12"
    assert evidence["tests"] == {
        "executed": 14,
        "passed": 1,
        "failed": 12,
        "errored": 1,
        "skipped": 0,
    }
