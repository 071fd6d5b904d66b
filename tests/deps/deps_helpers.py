"""Helpers of the dependency-stage tests: the real advisory subset, a plain reference
reading of OSV data, and a local OSV query service for real pip-audit runs.

The reference reading is deliberately written differently from
``releasegate.deps.osv`` (intervals built from the events instead of OSV's
state machine, text prefiltering, ``yaml.safe_load``) so that tests compare two
independent readings of the same data.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import shutil
import socket
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version
from rg_testlib import GitRepo, check, run_only

REPO_ROOT = Path(__file__).resolve().parents[2]
# A trimmed, unmodified subset of the real PyPA advisory database, in the repository
# (tests/data/advisory-db/pypa/README.md says what it holds and how it was made).
SNAPSHOT = REPO_ROOT / "tests" / "data" / "advisory-db" / "pypa"
DATA = REPO_ROOT / "tests" / "data" / "deps"


@dataclass(frozen=True)
class DependencyRun:
    """``releasegate run --only dependencies``: its exit status, its report (checked
    against the published schema and against the exit status), and everything it wrote
    (the report's text, stdout, stderr) for "never printed" assertions."""

    code: int
    report: dict[str, Any]
    text: str

    @property
    def check(self) -> dict[str, Any]:
        return check(self.report, "dependencies")


def run_dependencies(repo: GitRepo, *args: str, env: dict[str, str] | None = None) -> DependencyRun:
    out = repo.root.parent / "out.json"
    done, report = run_only(repo, "dependencies", out, *args, env=env)
    raw = out.read_text("utf-8")
    return DependencyRun(code=done.returncode, report=report, text=raw + done.stdout + done.stderr)


def snapshot() -> Path:
    """The real PyPA advisory-database subset (read-only: tests copy what they change)."""
    return SNAPSHOT.resolve()


def reference_counts(db: Path) -> tuple[int, int]:
    """(advisory files, withdrawn ones) of ``db``, read plainly with ``yaml.safe_load``."""
    files = sorted(db.rglob("*.yaml"))
    withdrawn = sum(1 for path in files if yaml.safe_load(path.read_text("utf-8")).get("withdrawn"))
    return len(files), withdrawn


def _version(text: object) -> Version | None:
    try:
        return Version(str(text))
    except InvalidVersion:
        return None


def _intervals(events: list[dict[str, str]]) -> list[tuple[Version | None, Version | None, bool]]:
    """(lower or None for "0", upper or None for open, upper inclusive) per introduced event."""
    points: list[tuple[Version | None, str]] = []
    for event in events:
        ((kind, value),) = event.items()
        if kind == "limit":
            continue
        if kind == "introduced" and value == "0":
            points.append((None, kind))
            continue
        parsed = _version(value)
        if parsed is not None:
            points.append((parsed, kind))
    points.sort(key=lambda p: (p[0] is not None, p[0] or Version("0")))
    intervals: list[tuple[Version | None, Version | None, bool]] = []
    lower: Version | None = None
    open_interval = False
    for version, kind in points:
        if kind == "introduced":
            if not open_interval:
                lower, open_interval = version, True
        elif open_interval:
            intervals.append((lower, version, kind == "last_affected"))
            open_interval = False
    if open_interval:
        intervals.append((lower, None, False))
    return intervals


def _in(version: Version, interval: tuple[Version | None, Version | None, bool]) -> bool:
    lower, upper, inclusive = interval
    if lower is not None and version < lower:
        return False
    if upper is None:
        return True
    return version <= upper if inclusive else version < upper


def reference_documents(db: Path, package: str) -> list[dict[str, Any]]:
    """Every non-withdrawn OSV document of ``db`` with a PyPI entry for ``package``."""
    wanted = canonicalize_name(package)
    found: list[dict[str, Any]] = []
    for path in sorted(db.rglob("*.yaml")):
        text = path.read_text("utf-8")
        if package.lower() not in text.lower():
            continue
        doc = yaml.safe_load(text)
        if not isinstance(doc, dict) or doc.get("withdrawn"):
            continue
        for affected in doc.get("affected") or []:
            pkg = affected.get("package") or {}
            if pkg.get("ecosystem") == "PyPI" and canonicalize_name(pkg.get("name", "")) == wanted:
                found.append(doc)
                break
    return found


def reference_affects(doc: dict[str, Any], package: str, version: Version) -> bool:
    wanted = canonicalize_name(package)
    for affected in doc.get("affected") or []:
        pkg = affected.get("package") or {}
        if pkg.get("ecosystem") != "PyPI" or canonicalize_name(pkg.get("name", "")) != wanted:
            continue
        listed = {_version(v) for v in affected.get("versions") or []}
        if version in listed:
            return True
        for rng in affected.get("ranges") or []:
            if rng.get("type") != "ECOSYSTEM":
                continue
            if any(_in(version, i) for i in _intervals(rng.get("events") or [])):
                return True
    return False


def reference_audit(db: Path, package: str, version_text: str) -> tuple[set[str], str | None]:
    """(ids of the advisories affecting package==version, smallest final fixing version)."""
    version = Version(version_text)
    docs = reference_documents(db, package)
    hits = [doc for doc in docs if reference_affects(doc, package, version)]
    # Merge aliases: documents that name each other are one vulnerability.
    groups: list[set[str]] = []
    for doc in hits:
        names = {doc["id"], *(doc.get("aliases") or [])}
        overlapping = [g for g in groups if g & names]
        for g in overlapping:
            groups.remove(g)
            names |= g
        groups.append(names)
    ids: set[str] = set()
    for names in groups:
        pysec = sorted(n for n in names if n.startswith("PYSEC-"))
        ghsa = sorted(n for n in names if n.startswith("GHSA-"))
        ids.add((pysec or ghsa or sorted(names))[0])
    candidates: set[Version] = set()
    for doc in docs:
        for affected in doc.get("affected") or []:
            for rng in affected.get("ranges") or []:
                for event in rng.get("events") or []:
                    parsed = _version(event.get("fixed")) if "fixed" in event else None
                    if parsed is not None and parsed > version and not parsed.is_prerelease:
                        candidates.add(parsed)
    upgrade = next(
        (
            str(c)
            for c in sorted(candidates)
            if not any(reference_affects(doc, package, c) for doc in docs)
        ),
        None,
    )
    return ids, upgrade


# --- a local OSV query service (what pip-audit's osv service talks to) --------------------


def _timestamp(value: object) -> str:
    """OSV timestamps as the OSV API writes them (YAML may have parsed them to datetimes)."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return str(value)


class _OSVHandler(BaseHTTPRequestHandler):
    db: Path

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        query = json.loads(self.rfile.read(length))
        name = query["package"]["name"]
        version = Version(query["version"])
        vulns = [
            doc
            for doc in reference_documents(self.db, name)
            if reference_affects(doc, name, version)
        ]
        body = json.dumps({"vulns": vulns} if vulns else {}, default=_timestamp).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return None


@contextlib.contextmanager
def osv_service(db: Path) -> Iterator[str]:
    """A local OSV ``/v1/query`` endpoint answering from ``db``; yields its URL."""
    handler = type("Handler", (_OSVHandler,), {"db": db})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1/query"
    finally:
        server.shutdown()
        server.server_close()


def closed_port() -> int:
    """A local TCP port nothing listens on (connections are refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def copy_project(kind: str, dest: Path) -> None:
    """Copy a real captured project (tests/data/deps/projects/KIND) into ``dest``."""
    shutil.copytree(DATA / "projects" / kind, dest, dirs_exist_ok=True)


if __name__ == "__main__":  # pragma: no cover - used to capture tests/data/deps
    with osv_service(Path(sys.argv[1])) as url:
        print(url, flush=True)
        threading.Event().wait()
