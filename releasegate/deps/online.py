"""The online audit: pip-audit's CLI against a vulnerability service, with strict semantics.

Why the CLI: it is pip-audit's stable interface (its Python API is private,
``pip_audit._*``), it runs in its own process group under the check's deadline
(``ToolRunner``), and its ``--format json`` output is validated here as strictly
as any tool output.

What it is given: a requirements file written here with one ``name==version``
line per resolved pin of the tree (no markers: every pin is audited), run with
``--no-deps --disable-pip`` so that pip-audit neither resolves nor installs
anything, from an empty scratch directory, with ``--desc on --aliases on``, the
policy's ``--vulnerability-service`` and a socket ``--timeout``. pip-audit
refuses two requirements of one package, so pins of one package at different
versions are audited in separate runs. The environment is passed through
(proxies, CA bundles) except ``PIP_AUDIT_*`` settings, which could change the
output; ``PIP_AUDIT_OSV_URL`` (an OSV mirror) is kept and recorded.

Strict, where pip-audit is lenient:

- a dependency pip-audit skips ("not found on PyPI", "could not be audited")
  is a ``SkippedDependency``: the check errors, listing them. On a machine where
  the PyPI JSON API answers 404 (a proxy), pip-audit skips every dependency,
  prints "No known vulnerabilities found" and exits 0: that is an error here;
- a service that cannot be reached (pip-audit crashes with a connection, proxy
  or name resolution error) is ``ServiceUnreachable``: "could not reach the
  vulnerability service", never "no known vulnerabilities";
- an exit status other than 0 (nothing found) or 1 (vulnerabilities found),
  output that is not the expected JSON, a status that contradicts the output,
  or a requested package missing from the output is a ``ServiceError``.

pip-audit does not say how severe a vulnerability is: online findings are
reported as high (a known vulnerability blocks whatever its severity). The
smallest upgrade is the lowest version at or above every reported
vulnerability's first fix above the pinned version (what ``pip-audit --fix``
would install), and None if one of them has no fix.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version

from releasegate.deps.osv import DEFAULT_SEVERITY, preferred_id
from releasegate.deps.pins import (
    PackageAudit,
    ServiceAudit,
    ServiceError,
    ServiceUnreachable,
    SkippedDependency,
    Vulnerability,
    canonical,
    redact,
)
from releasegate.errors import ToolError
from releasegate.model import JSONValue
from releasegate.procs import Completed, ToolRunner, first_line

TOOL = "pip-audit"
SOCKET_TIMEOUT_SECONDS = 15
RUN_TIMEOUT_SECONDS = 600.0
OSV_URL_VARIABLE = "PIP_AUDIT_OSV_URL"
_UNREACHABLE = (
    "ConnectionError",
    "ProxyError",
    "NameResolutionError",
    "Failed to resolve",
    "Failed to establish a new connection",
    "Max retries exceeded",
    "Could not connect",
    "ConnectTimeout",
    "ReadTimeout",
    "SSLError",
    "Temporary failure in name resolution",
    "Network is unreachable",
)


def pip_audit_command() -> list[str]:
    """How to start pip-audit: from releasegate's own environment if it is there."""
    if importlib.util.find_spec("pip_audit") is not None:
        return [sys.executable, "-I", "-m", "pip_audit"]
    found = shutil.which(TOOL)
    if found is None:
        raise ServiceError(
            "pip-audit: not found",
            hint="install it (`pip install pip-audit`) next to releasegate, or audit offline "
            "with --advisory-db DIR",
        )
    return [found]


def pip_audit_version() -> str | None:
    try:
        return metadata.version(TOOL)
    except metadata.PackageNotFoundError:
        return None


def _environment(environ: Mapping[str, str]) -> dict[str, str]:
    env = {
        key: value
        for key, value in environ.items()
        if not key.startswith("PIP_AUDIT_") or (key == OSV_URL_VARIABLE and value)
    }
    env["PYTHONIOENCODING"] = "utf-8"
    return env


def layers(packages: Sequence[tuple[str, Version]]) -> list[list[tuple[str, Version]]]:
    """Split into runs in which each package appears at most once."""
    runs: list[list[tuple[str, Version]]] = []
    for name, version in sorted(set(packages), key=lambda p: (p[0], p[1])):
        for run in runs:
            if all(other != name for other, _ in run):
                run.append((name, version))
                break
        else:
            runs.append([(name, version)])
    return runs


# --- pip-audit's JSON output --------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Reported:
    """One vulnerability as pip-audit reports it."""

    id: str
    aliases: tuple[str, ...]
    fix_versions: tuple[Version, ...]
    description: str


@dataclass(frozen=True, kw_only=True)
class Output:
    """pip-audit's ``--format json`` output, validated."""

    audited: Mapping[tuple[str, Version], tuple[Reported, ...]]
    skipped: Mapping[str, str]  # canonical name -> skip reason


def _string(raw: Mapping[str, Any], key: str, where: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str):
        raise ServiceError(f"pip-audit printed unexpected JSON: {where}.{key} is not a string")
    return value


def _strings(raw: Mapping[str, Any], key: str, where: str) -> list[str]:
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ServiceError(f"pip-audit printed unexpected JSON: {where}.{key} is not a list")
    return list(value)


def parse_output(stdout: bytes) -> Output:
    """Validate pip-audit's JSON; raises ``ServiceError`` on anything unexpected."""
    try:
        data = json.loads(stdout.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ServiceError(f"pip-audit printed no JSON report: {first_line(stdout, 120)}") from None
    if not isinstance(data, dict) or not isinstance(data.get("dependencies"), list):
        raise ServiceError("pip-audit printed unexpected JSON: no `dependencies` list")
    audited: dict[tuple[str, Version], tuple[Reported, ...]] = {}
    skipped: dict[str, str] = {}
    for index, dep in enumerate(data["dependencies"]):
        where = f"dependencies[{index}]"
        if not isinstance(dep, dict):
            raise ServiceError(f"pip-audit printed unexpected JSON: {where} is not an object")
        name = canonical(_string(dep, "name", where))
        if "skip_reason" in dep:
            skipped[name] = _string(dep, "skip_reason", where)
            continue
        try:
            version = Version(_string(dep, "version", where))
        except InvalidVersion:
            raise ServiceError(f"pip-audit printed unexpected JSON: {where}.version") from None
        vulns = dep.get("vulns")
        if not isinstance(vulns, list):
            raise ServiceError(f"pip-audit printed unexpected JSON: {where}.vulns is not a list")
        reported: list[Reported] = []
        for v_index, vuln in enumerate(vulns):
            here = f"{where}.vulns[{v_index}]"
            if not isinstance(vuln, dict):
                raise ServiceError(f"pip-audit printed unexpected JSON: {here} is not an object")
            try:
                fixes = tuple(sorted(Version(v) for v in _strings(vuln, "fix_versions", here)))
            except InvalidVersion:
                raise ServiceError(
                    f"pip-audit printed unexpected JSON: {here}.fix_versions"
                ) from None
            description = vuln.get("description", "")
            reported.append(
                Reported(
                    id=_string(vuln, "id", here),
                    aliases=tuple(_strings(vuln, "aliases", here)),
                    fix_versions=fixes,
                    description=description if isinstance(description, str) else "",
                )
            )
        audited[(name, version)] = tuple(reported)
    return Output(audited=audited, skipped=skipped)


def _summary(text: str) -> str:
    flat = " ".join(text.split())
    end = flat.find(". ")
    if 0 < end < 200:
        flat = flat[: end + 1]
    return flat if len(flat) <= 200 else flat[:199].rstrip() + "…"


def to_vulnerabilities(reported: Sequence[Reported]) -> list[Vulnerability]:
    """pip-audit's results with aliases merged (one vulnerability known by several ids)."""
    groups: list[tuple[set[str], list[Reported]]] = []
    for item in reported:
        names = {item.id, *item.aliases}
        joined = [g for g in groups if g[0] & names]
        merged_names = set(names).union(*(g[0] for g in joined))
        merged_items = [item, *(r for g in joined for r in g[1])]
        groups = [g for g in groups if not (g[0] & names)]
        groups.append((merged_names, merged_items))
    result: list[Vulnerability] = []
    for names, items in groups:
        ident = preferred_id(names)
        fixes = sorted({v for r in items for v in r.fix_versions})
        described = next(
            (r.description for r in items if r.description and r.description != "N/A"), ""
        )
        result.append(
            Vulnerability(
                id=ident,
                aliases=tuple(sorted(names - {ident})),
                summary=_summary(described) if described else "no summary",
                fixed=tuple(str(v) for v in fixes),
                severity=DEFAULT_SEVERITY,
            )
        )
    return sorted(result, key=lambda v: v.id)


def smallest_upgrade(version: Version, reported: Sequence[Reported]) -> Version | None:
    """The version ``pip-audit --fix`` would choose: every vulnerability's first fix above."""
    needed: list[Version] = []
    for item in reported:
        above = [v for v in item.fix_versions if v > version]
        if not above:
            return None
        needed.append(min(above))
    return max(needed) if needed else None


# --- running it ---------------------------------------------------------------------------


_PHRASES = (
    "Unable to connect to proxy",
    "Connection refused",
    "Name or service not known",
    "Temporary failure in name resolution",
    "Network is unreachable",
    "No route to host",
    "timed out",
    "CERTIFICATE_VERIFY_FAILED",
    "Could not connect to OSV's vulnerability feed",
    "Could not connect to PyPI's vulnerability feed",
)


def _unreachable(stderr: bytes, service: str) -> ServiceUnreachable | None:
    """The connection failure in pip-audit's traceback, in one line; None if it is not one."""
    text = stderr.decode("utf-8", "replace")
    if not any(marker in text for marker in _UNREACHABLE):
        return None
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    last = next((line for line in reversed(lines) if any(m in line for m in _UNREACHABLE)), "")
    kind = re.match(r"^(?:[\w.]+\.)?(\w+(?:Error|Exception|Timeout))\b", last)
    host = re.search(r"host='([^']+)'", last) or re.search(r"host='([^']+)'", text)
    resolve = re.search(r"Failed to resolve '([^']+)'", text)
    phrases = [p for p in _PHRASES if p in text]
    if resolve:
        phrases.insert(0, f"cannot resolve {resolve.group(1)}")
    parts = [kind.group(1) if kind else "connection error"]
    parts += phrases[:2]
    where = f" at {host.group(1)}" if host else ""
    return ServiceUnreachable(
        redact(f"could not reach the vulnerability service ({service}{where}): {'; '.join(parts)}"),
        hint="nothing was audited; check the network or proxy, or audit offline with "
        "--advisory-db DIR",
    )


@dataclass(frozen=True, kw_only=True)
class PipAudit:
    """The ``VulnerabilityService`` of pip-audit's CLI."""

    runner: ToolRunner
    service: str  # osv or pypi
    cache_dir: Path | None  # pip-audit's HTTP cache; None: a scratch one for this run
    environ: Mapping[str, str]  # the run's environment (its proxies, PIP_AUDIT_OSV_URL)
    tool: str = TOOL
    socket_timeout: int = SOCKET_TIMEOUT_SECONDS
    run_timeout: float = RUN_TIMEOUT_SECONDS

    def _run(
        self, command: Sequence[str], scratch: Path, run: Sequence[tuple[str, Version]]
    ) -> Completed:
        cache = self.cache_dir if self.cache_dir is not None else scratch / "cache"
        cache.mkdir(parents=True, exist_ok=True)
        requirements = scratch / "requirements.txt"
        requirements.write_text("".join(f"{name}=={version}\n" for name, version in run), "utf-8")
        argv = [
            *command,
            "-r",
            str(requirements),
            "--no-deps",
            "--disable-pip",
            "--format",
            "json",
            "--progress-spinner",
            "off",
            "--vulnerability-service",
            self.service,
            "--desc",
            "on",
            "--aliases",
            "on",
            "--timeout",
            str(self.socket_timeout),
            "--cache-dir",
            str(cache),
        ]
        try:
            return self.runner.run(
                argv,
                cwd=scratch,
                env=_environment(self.environ),
                timeout=self.run_timeout,
                tool=TOOL,
            )
        except ToolError as exc:
            raise ServiceError(exc.message, hint=exc.hint) from None

    def _check(self, done: Completed, run: Sequence[tuple[str, Version]]) -> Output:
        if done.returncode not in (0, 1):
            unreachable = _unreachable(done.stderr, self.service)
            if unreachable is not None:
                raise unreachable
            raise ServiceError(
                f"pip-audit exited with status {done.returncode}: {_last_line(done.stderr)}"
            )
        try:
            output = parse_output(done.stdout)
        except ServiceError:
            unreachable = _unreachable(done.stderr, self.service)
            if unreachable is not None:
                raise unreachable from None
            if not done.stdout.strip():
                raise ServiceError(
                    f"pip-audit exited with status {done.returncode} and printed no report: "
                    f"{_last_line(done.stderr)}"
                ) from None
            raise
        found = any(vulns for vulns in output.audited.values())
        if found and done.returncode != 1:
            raise ServiceError("pip-audit reported vulnerabilities but exited with status 0")
        if not found and done.returncode != 0:
            raise ServiceError(
                f"pip-audit exited with status 1 without reporting a vulnerability: "
                f"{_last_line(done.stderr)}"
            )
        answered = {name for name, _ in output.audited} | set(output.skipped)
        missing = sorted(f"{name} {version}" for name, version in run if name not in answered)
        if missing:
            raise ServiceError(f"pip-audit did not report on {', '.join(missing)}")
        return output

    def audit(self, packages: Sequence[tuple[str, Version]]) -> ServiceAudit:
        command = pip_audit_command()
        audits: dict[tuple[str, Version], PackageAudit] = {}
        skipped: list[SkippedDependency] = []
        runs = layers([(canonical(name), version) for name, version in packages])
        seconds = 0.0
        with tempfile.TemporaryDirectory(prefix="releasegate-pip-audit-") as tmp:
            for run in runs:
                done = self._run(command, Path(tmp), run)
                seconds += done.seconds
                output = self._check(done, run)
                for name, version in run:
                    if name in output.skipped:
                        skipped.append(
                            SkippedDependency(
                                what=f"{name} {version}",
                                reason=f"pip-audit skipped it: {output.skipped[name]}",
                                name=name,
                            )
                        )
                        continue
                    reported = output.audited.get((name, version))
                    if reported is None:
                        raise ServiceError(f"pip-audit reported {name} at another version")
                    vulns = to_vulnerabilities(reported)
                    upgrade = smallest_upgrade(version, reported)
                    count = len(vulns)
                    audits[(name, version)] = PackageAudit(
                        name=name,
                        version=version,
                        vulnerabilities=tuple(vulns),
                        upgrade=str(upgrade) if upgrade is not None else None,
                        upgrade_basis=f"all {count} vulnerabilit{'y' if count == 1 else 'ies'} "
                        f"pip-audit reported for {name} {version}",
                    )
        evidence: dict[str, JSONValue] = {
            "tool": TOOL,
            "pip_audit_version": pip_audit_version(),
            "service": self.service,
            "runs": len(runs),
            "seconds": round(seconds, 3),
        }
        osv_url = self.environ.get(OSV_URL_VARIABLE)
        if osv_url and self.service == "osv":  # the service name as pip-audit spells it
            evidence["osv_url"] = redact(osv_url)
        return ServiceAudit(audits=audits, skipped=tuple(skipped), evidence=evidence)


def _last_line(stderr: bytes) -> str:
    lines = [
        line.strip() for line in stderr.decode("utf-8", "replace").splitlines() if line.strip()
    ]
    if not lines:
        return "(no output)"
    last = redact(lines[-1])
    return last if len(last) <= 300 else last[:299] + "…"
