"""The online audit through pip-audit: its real outputs, read strictly; real runs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from deps_helpers import DATA, closed_port, osv_service, reference_audit, snapshot
from packaging.version import Version

from releasegate.deps.online import (
    PipAudit,
    Reported,
    layers,
    parse_output,
    smallest_upgrade,
    to_vulnerabilities,
)
from releasegate.deps.pins import ServiceError, ServiceUnreachable
from releasegate.procs import Completed, ToolRunner

CAPTURED = DATA / "pip-audit"
PINS = [("django", Version("3.2")), ("pyyaml", Version("5.1"))]


def captured(name: str) -> Completed:
    return Completed(
        argv=("pip-audit",),
        returncode=int((CAPTURED / f"{name}.rc").read_text()),
        stdout=(CAPTURED / f"{name}.stdout").read_bytes(),
        stderr=(CAPTURED / f"{name}.stderr").read_bytes(),
        seconds=0.0,
    )


def service(tmp_path: Path, name: str = "osv") -> PipAudit:
    return PipAudit(
        runner=ToolRunner(), service=name, cache_dir=tmp_path / "cache", environ=os.environ
    )


# --- real captured outputs ----------------------------------------------------------------


def test_a_real_report_with_vulnerabilities_is_read(tmp_path: Path) -> None:
    output = service(tmp_path)._check(captured("osv-local-vulnerable"), PINS)
    assert output.skipped == {}
    django = output.audited[("django", Version("3.2"))]
    expected, _ = reference_audit(snapshot(), "django", "3.2")
    assert {r.id for r in django} == expected
    first = next(r for r in django if r.id == "PYSEC-2021-98")
    assert set(first.aliases) == {"CVE-2021-33203", "GHSA-68w8-qjq3-2gfm"}
    assert Version("3.2.4") in first.fix_versions
    assert first.description.startswith("Django before 2.2.24")


def test_a_real_clean_report_is_read(tmp_path: Path) -> None:
    output = service(tmp_path)._check(
        captured("osv-local-clean"), [("requests", Version("2.32.3"))]
    )
    assert output.audited == {("requests", Version("2.32.3")): ()}


def test_skipped_dependencies_are_not_clean(tmp_path: Path) -> None:
    """pypi-not-found: pip-audit said "No known vulnerabilities found" and exited 0."""
    done = captured("pypi-not-found")
    assert done.returncode == 0
    assert b"No known vulnerabilities found" in done.stderr
    output = service(tmp_path, "pypi")._check(done, PINS)
    assert output.audited == {}
    assert set(output.skipped) == {"django", "pyyaml"}
    assert "could not be audited" in output.skipped["django"]


@pytest.mark.parametrize(
    ("name", "host", "detail"),
    [
        ("osv-unresolvable", "api.osv.dev", "cannot resolve api.osv.dev"),
        ("osv-proxy-refused", "api.osv.dev", "Unable to connect to proxy"),
        ("pypi-proxy-refused", "pypi.org", "Connection refused"),
    ],
)
def test_a_service_that_cannot_be_reached_is_an_error(
    tmp_path: Path, name: str, host: str, detail: str
) -> None:
    with pytest.raises(ServiceUnreachable) as info:
        service(tmp_path)._check(captured(name), PINS)
    message = info.value.diagnostics()
    assert message.startswith("could not reach the vulnerability service (osv at ")
    assert host in message and detail in message
    assert "no known vulnerabilities" not in message.lower()


@pytest.mark.parametrize(
    ("returncode", "stdout", "expected"),
    [
        (2, b"", "exited with status 2"),
        (1, b"", "printed no report"),
        (0, b"garbage", "printed no JSON report"),
        (0, b'{"deps": []}', "no `dependencies` list"),
        (0, b'{"dependencies": [{"name": "django", "version": "3.2"}]}', "vulns is not a list"),
        (
            0,
            b'{"dependencies": [{"name": "django", "version": "3.2", "vulns": [{"id": "X", '
            b'"fix_versions": ["1"]}]}, {"name": "pyyaml", "version": "5.1", "vulns": []}]}',
            "exited with status 0",
        ),
        (1, b'{"dependencies": [{"name": "django", "version": "3.2", "vulns": []}]}', "status 1"),
        (0, b'{"dependencies": [{"name": "django", "version": "3.2", "vulns": []}]}', "pyyaml"),
    ],
)
def test_unexpected_output_is_an_error(
    tmp_path: Path, returncode: int, stdout: bytes, expected: str
) -> None:
    done = Completed(argv=(), returncode=returncode, stdout=stdout, stderr=b"", seconds=0)
    with pytest.raises(ServiceError, match=expected):
        service(tmp_path)._check(done, PINS)


def test_parse_output_rejects_bad_versions() -> None:
    with pytest.raises(ServiceError):
        parse_output(b'{"dependencies": [{"name": "x", "version": "not a version", "vulns": []}]}')


# --- merging and upgrades -----------------------------------------------------------------


def test_aliases_reported_twice_are_one_vulnerability() -> None:
    reported = [
        Reported(id="GHSA-a", aliases=("CVE-1",), fix_versions=(Version("1.2"),), description=""),
        Reported(
            id="PYSEC-1",
            aliases=("CVE-1", "GHSA-a"),
            fix_versions=(Version("1.3"),),
            description="Summary. More.",
        ),
        Reported(id="PYSEC-2", aliases=(), fix_versions=(), description="N/A"),
    ]
    vulns = to_vulnerabilities(reported)
    assert [(v.id, v.aliases, v.fixed) for v in vulns] == [
        ("PYSEC-1", ("CVE-1", "GHSA-a"), ("1.2", "1.3")),
        ("PYSEC-2", (), ()),
    ]
    assert vulns[0].summary == "Summary."


def test_smallest_upgrade_from_reported_fixes() -> None:
    def item(*fixes: str) -> Reported:
        return Reported(
            id="X", aliases=(), fix_versions=tuple(Version(f) for f in fixes), description=""
        )

    assert smallest_upgrade(Version("3.2"), [item("2.2.1", "3.2.4"), item("3.2.7")]) == Version(
        "3.2.7"
    )
    assert smallest_upgrade(Version("3.2"), [item("3.2.4"), item("3.1.1")]) is None


def test_two_versions_of_one_package_go_to_separate_runs() -> None:
    runs = layers([("a", Version("1")), ("b", Version("1")), ("a", Version("2"))])
    assert runs == [[("a", Version("1")), ("b", Version("1"))], [("a", Version("2"))]]


# --- real pip-audit runs ------------------------------------------------------------------


@pytest.mark.slow
def test_real_pip_audit_without_network_is_unreachable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    proxy = f"http://127.0.0.1:{closed_port()}"
    for variable in ("HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy"):
        monkeypatch.setenv(variable, proxy)
    for variable in ("NO_PROXY", "no_proxy", "PIP_AUDIT_OSV_URL"):
        monkeypatch.delenv(variable, raising=False)
    for name in ("osv", "pypi"):
        with pytest.raises(ServiceUnreachable, match="could not reach the vulnerability service"):
            service(tmp_path, name).audit(PINS)


@pytest.mark.slow
def test_real_pip_audit_against_a_local_osv_service(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with osv_service(snapshot()) as url:
        monkeypatch.setenv("PIP_AUDIT_OSV_URL", url)
        answer = service(tmp_path).audit([*PINS, ("PyYAML", Version("5.1"))])
    assert answer.skipped == ()
    assert answer.evidence["osv_url"] == url
    for name, version in PINS:
        expected, _ = reference_audit(snapshot(), name, str(version))
        audit = answer.audits[(name, version)]
        assert {v.id for v in audit.vulnerabilities} == expected
        assert audit.upgrade is not None
    assert answer.audits[("pyyaml", Version("5.1"))].upgrade == "5.4"
