"""Result files are untrusted input: hostile XML, malformed JSON and SARIF fail closed."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest
import rg_cli
from rg_testlib import GitRepo, releasegate
from stage_helpers import stage, with_policy, write_untracked

from releasegate.errors import ResultFormatError
from releasegate.stages.benchmark import parse_benchmark_json, parse_perf_baseline
from releasegate.stages.junit import parse_junit
from releasegate.stages.sarif_input import parse_sarif

# "Billion laughs": expanding &lol9; would take about 3 GB.
BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE testsuites [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<testsuites><testsuite name="pytest" tests="1">
<testcase classname="tests.test_app" name="test_ok"><failure message="&lol9;"/></testcase>
</testsuite></testsuites>
"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE testsuite [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<testsuite><testcase classname="t" name="test_x"><failure message="&secret;"/></testcase>
</testsuite>
"""

# Runs the CLI and reports the peak resident memory of it and its children, in KiB.
_MEASURE = """
import json, resource, subprocess, sys
done = subprocess.run(sys.argv[1:], capture_output=True, text=True, timeout=120)
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"returncode": done.returncode, "peak_kib": peak}))
"""


def test_an_entity_expansion_bomb_is_an_error_without_hanging_or_ballooning(
    repo: GitRepo,
) -> None:
    policy = "version: 1\nstages:\n  functional:\n    results: build/junit.xml\n"
    with_policy(repo, policy, **{".gitignore": "build/\n"})
    repo.commit("work", **{"app.py": "x = 1\n"})
    write_untracked(repo, "build/junit.xml", BILLION_LAUGHS.decode())
    out = repo.root.parent / "bomb.json"
    cli = rg_cli.console_script()
    started = time.monotonic()
    measured = subprocess.run(
        [
            sys.executable,
            "-c",
            _MEASURE,
            *cli,
            "run",
            "--repo",
            str(repo.root),
            "--only",
            "functional",
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )
    elapsed = time.monotonic() - started
    outcome = json.loads(measured.stdout)
    assert outcome["returncode"] == 1
    assert elapsed < 60
    assert outcome["peak_kib"] < 400 * 1024  # the expansion alone would need ~3 GB
    report = json.loads(out.read_text("utf-8"))
    functional = stage(report, "functional")
    assert functional["status"] == "error"
    [reason] = functional["reasons"]
    assert "build/junit.xml: refused: the XML declares a DTD or entities" in reason
    assert "entity-expansion bomb" in reason


def test_the_bomb_is_refused_before_any_expansion_in_process() -> None:
    tracemalloc.start()
    started = time.monotonic()
    try:
        with pytest.raises(ResultFormatError, match="DTD or entities"):
            parse_junit(BILLION_LAUGHS, "bomb.xml")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.monotonic() - started < 5
    assert peak < 5 * 1024 * 1024


def test_external_entities_are_refused() -> None:
    with pytest.raises(ResultFormatError, match="DTD or entities") as caught:
        parse_junit(EXTERNAL_ENTITY, "xxe.xml")
    assert "root:" not in str(caught.value)  # /etc/passwd was never read into the message


_CASES = b"""<testsuite name="pytest" tests="1">
<testcase classname="tests.test_app" name="test_ok"><failure message="boom"/></testcase>
</testsuite>
"""

# DTDs that declare no entity at all: refused too (a JUnit report needs no DTD, and the
# rule "no DTD" is simpler to trust than "a DTD, but a harmless one").
DTDS_WITHOUT_ENTITIES = {
    "bare": b'<?xml version="1.0"?>\n<!DOCTYPE testsuite>\n' + _CASES,
    "element-declarations": (
        b'<?xml version="1.0"?>\n<!DOCTYPE testsuite [\n  <!ELEMENT testsuite ANY>\n'
        b"  <!ATTLIST testsuite name CDATA #IMPLIED>\n]>\n" + _CASES
    ),
    "external-subset": (
        b'<?xml version="1.0"?>\n'
        b'<!DOCTYPE testsuite SYSTEM "http://127.0.0.1:9/junit.dtd">\n' + _CASES
    ),
}


@pytest.mark.parametrize("name", sorted(DTDS_WITHOUT_ENTITIES))
def test_a_dtd_without_entities_is_refused_like_one_with_entities(name: str) -> None:
    with pytest.raises(ResultFormatError) as caught:
        parse_junit(DTDS_WITHOUT_ENTITIES[name], "build/junit.xml")
    message = caught.value.message
    assert message.startswith("build/junit.xml: refused: the XML declares a DTD or entities")
    assert "DTDForbidden" in message


def test_the_same_report_without_the_dtd_is_read() -> None:
    report = parse_junit(b'<?xml version="1.0"?>\n' + _CASES, "build/junit.xml")
    assert [(c.id, c.outcome.value, c.message) for c in report.cases] == [
        ("tests.test_app::test_ok", "failed", "boom")
    ]


def test_a_dtd_without_entities_makes_the_stage_an_error_naming_the_file(
    repo: GitRepo,
) -> None:
    policy = "version: 1\nstages:\n  functional:\n    results: build/junit.xml\n"
    with_policy(repo, policy, **{".gitignore": "build/\n"})
    repo.commit("work", **{"app.py": "x = 1\n"})
    write_untracked(repo, "build/junit.xml", DTDS_WITHOUT_ENTITIES["bare"].decode())
    out = repo.root.parent / "dtd.json"
    done = releasegate("run", "--repo", str(repo.root), "--only", "functional", "--json", str(out))
    assert done.returncode == 1, done.stdout + done.stderr
    functional = stage(json.loads(out.read_text("utf-8")), "functional")
    assert functional["status"] == "error"
    [reason] = functional["reasons"]
    assert "build/junit.xml: refused: the XML declares a DTD or entities" in reason


# --- pytest-benchmark JSON and the baseline ----------------------------------------------


def _bench(**stats: object) -> bytes:
    base: dict[str, object] = {"median": 0.01, "iqr": 0.001, "stddev": 0.001, "rounds": 10}
    base.update(stats)
    return json.dumps(
        {"benchmarks": [{"name": "test_a", "fullname": "t.py::test_a", "stats": base}]}
    ).encode()


@pytest.mark.parametrize(
    ("stats", "message"),
    [
        ({"median": "fast"}, "t.py::test_a: median is not a number"),
        ({"median": 0}, "median must be a finite positive number"),
        ({"median": float("nan")}, "median must be a finite positive number"),
        ({"iqr": -1}, "iqr must be a finite non-negative number"),
        ({"rounds": 2.5}, "rounds is not a count"),
        ({"rounds": True}, "rounds is not a count"),
    ],
)
def test_benchmark_json_with_bad_statistics_is_refused(
    stats: dict[str, object], message: str
) -> None:
    with pytest.raises(ResultFormatError, match=message):
        parse_benchmark_json(_bench(**stats), "bench.json")


def test_benchmark_json_shape_errors() -> None:
    with pytest.raises(ResultFormatError, match="no `benchmarks` list"):
        parse_benchmark_json(b"{}", "b.json")
    with pytest.raises(ResultFormatError, match="not JSON"):
        parse_benchmark_json(b"{", "b.json")
    with pytest.raises(ResultFormatError, match="nested too deeply"):
        parse_benchmark_json(b"[" * 100_000 + b"]" * 100_000, "b.json")
    twice = json.loads(_bench())
    twice["benchmarks"] *= 2
    with pytest.raises(ResultFormatError, match="appears twice"):
        parse_benchmark_json(json.dumps(twice).encode(), "b.json")


def test_a_baseline_must_be_a_versioned_releasegate_baseline() -> None:
    with pytest.raises(ResultFormatError, match="not a releasegate performance baseline"):
        parse_perf_baseline(_bench(), "baseline.json")
    wrong = {"format": "releasegate-perf-baseline", "version": 99, "benchmarks": {}}
    with pytest.raises(ResultFormatError, match="baseline version 99"):
        parse_perf_baseline(json.dumps(wrong).encode(), "baseline.json")


# --- SARIF ------------------------------------------------------------------------------


def _sarif(results: list[dict[str, object]], **run: object) -> bytes:
    document = {
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "zap",
                        "rules": [
                            {"id": "R1", "defaultConfiguration": {"level": "error"}},
                            {"id": "R2"},
                        ],
                    }
                },
                "results": results,
                **run,
            }
        ],
    }
    return json.dumps(document).encode()


def test_sarif_levels_follow_the_specification() -> None:
    log = parse_sarif(
        _sarif(
            [
                {"ruleId": "R1", "message": {"text": "default error"}},
                {"ruleId": "R2", "message": {"text": "default warning"}},
                {"ruleId": "R2", "level": "note", "message": {"text": "a note"}},
                {"ruleId": "R1", "kind": "pass", "message": {"text": "passed"}},
                {
                    "ruleIndex": 1,
                    "level": "error",
                    "message": {"text": "at {0}", "arguments": ["login"]},
                    "locations": [
                        {
                            "physicalLocation": {
                                "artifactLocation": {"uri": "file:///srv/app/web/login.py"},
                                "region": {"startLine": 7, "startColumn": 3},
                            }
                        }
                    ],
                },
            ]
        ),
        "zap.sarif",
        roots=(Path("/srv/app"),),
    )
    assert [r.level for r in log.results] == ["error", "warning", "note", "none", "error"]
    last = log.results[-1]
    assert (last.rule_id, last.path, last.line, last.column) == ("R2", "web/login.py", 7, 3)
    assert last.message == "at login"
    assert log.failures == ()


def test_sarif_tool_failures_and_bad_documents() -> None:
    failed = parse_sarif(
        _sarif(
            [],
            invocations=[
                {
                    "executionSuccessful": False,
                    "toolExecutionNotifications": [
                        {"level": "error", "message": {"text": "target unreachable"}}
                    ],
                }
            ],
        ),
        "zap.sarif",
    )
    assert failed.failures == (
        "zap: the run did not complete (executionSuccessful: false)",
        "zap: target unreachable",
    )
    no_results = json.loads(_sarif([]))
    del no_results["runs"][0]["results"]
    assert parse_sarif(json.dumps(no_results).encode(), "s").failures == (
        "zap: the run has no `results` (the tool computed none)",
    )
    assert parse_sarif(b'{"version": "2.1.0", "runs": []}', "s").failures == (
        "the log has no runs: no tool ran",
    )
    with pytest.raises(ResultFormatError, match=r"not a SARIF 2\.1\.0 log"):
        parse_sarif(b'{"version": "2.0.0", "runs": []}', "s")
    with pytest.raises(ResultFormatError, match="result level 'fatal'"):
        parse_sarif(_sarif([{"ruleId": "R1", "level": "fatal", "message": {"text": "x"}}]), "s")
