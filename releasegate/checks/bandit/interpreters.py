"""Python interpreters that can run bandit, and the portable bandit path.

bandit parses code with the ``ast`` module of the interpreter it runs under, so
a file written for a newer Python (PEP 701 f-strings need 3.12) cannot be
analysed by bandit on an older one. This module finds the interpreters on the
machine and proves, by running each, which of them can run bandit:

- natively, when the interpreter has the same bandit installed as releasegate's
  own environment; or
- through the *portable bandit path*: a directory under the cache directory of
  symlinks to the pure-Python dependency closure of releasegate's bandit
  distribution (packages and their ``*.dist-info``, so that stevedore finds
  bandit's plugins through their entry points), put first on ``sys.path``.

Candidates: ``sys.executable`` first, then ``python3.N`` on ``PATH`` and pyenv's
``versions/*/bin/python3``; the environment variable ``RELEASEGATE_PYTHONS``
(interpreter paths separated by ``os.pathsep``) replaces discovery entirely.
Every candidate is probed by actually running it (a pyenv shim for a version
that is not installed exists on ``PATH`` but fails), and a candidate that
answers is then run through the executable it reported, not a shim that a
``.python-version`` file in the scanned tree could redirect.

Interpreters always run with ``-I`` (isolated mode): the working directory,
which is the untrusted tree under scan, is never on ``sys.path``, so a
``bandit/`` or ``yaml.py`` in that tree cannot replace the analyser, and
``PYTHON*`` environment variables are ignored. The portable path is therefore
put on ``sys.path`` by a tiny bootstrap, not through ``PYTHONPATH``.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import sys
import tempfile
import threading
from collections.abc import Collection, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path, PurePosixPath

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name

from releasegate.errors import ToolError
from releasegate.procs import ToolRunner, first_line

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

ENV_VAR = "RELEASEGATE_PYTHONS"
BANDIT_DIST = "bandit"
_MINORS = range(8, 16)
_PROBE_TIMEOUT = 60.0
_PYPROJECT_LIMIT = 1 << 20

Version = tuple[int, int, int]

# Runs bandit's command line; argv[1] is the portable path ("" for native).
BOOTSTRAP = (
    "import sys\n"
    "p = sys.argv.pop(1)\n"
    "if p:\n"
    "    sys.path.insert(0, p)\n"
    "sys.argv[0] = 'bandit'\n"
    "from bandit.cli.main import main\n"
    "main()\n"
)

# Reports the interpreter and whether bandit (with its plugins) loads there.
# Written for any Python 3 so that even an old interpreter says what it is.
_PROBE = (
    "import json, sys\n"
    "out = {'version': list(sys.version_info[:3]), 'executable': sys.executable,\n"
    "       'prefix': sys.prefix}\n"
    "p = sys.argv[1] if len(sys.argv) > 1 else ''\n"
    "if p:\n"
    "    sys.path.insert(0, p)\n"
    "try:\n"
    "    import bandit\n"
    "    import bandit.cli.main\n"
    "    from bandit.core import extension_loader as el\n"
    "    out['bandit'] = bandit.__version__\n"
    "    out['bandit_file'] = bandit.__file__\n"
    "    ids = set(el.MANAGER.plugins_by_id) | set(el.MANAGER.blacklist_by_id)\n"
    "    out['tests'] = sorted(ids)\n"
    "except Exception as exc:\n"
    "    out['error'] = type(exc).__name__ + ': ' + str(exc)\n"
    "sys.stdout.write(json.dumps(out) + '\\n')\n"
)


def version_text(version: Version) -> str:
    return ".".join(str(part) for part in version)


@dataclass(frozen=True, kw_only=True)
class BanditPython:
    """An interpreter proven (by running it) to load bandit and its plugins."""

    path: str
    executable: str
    prefix: str
    version: Version
    bandit_version: str
    tests: tuple[str, ...]
    portable: Path | None = None

    @property
    def mode(self) -> str:
        return "native" if self.portable is None else "portable"

    @property
    def version_text(self) -> str:
        return version_text(self.version)

    def describe(self) -> str:
        return f"Python {self.version_text} ({self.executable}, {self.mode} bandit)"

    def bandit_argv(self, args: Sequence[str], *, pycache: Path) -> list[str]:
        """The argv that runs ``bandit ARGS`` on this interpreter, isolated."""
        flags = ["-I"]
        if self.portable is not None:
            # Byte code of the shared closure goes to our cache, not into the
            # site-packages of releasegate's environment behind the symlinks.
            flags += ["-X", f"pycache_prefix={pycache}"]
        return [self.executable, *flags, "-c", BOOTSTRAP, str(self.portable or ""), *args]

    def to_json(self) -> dict[str, str | int]:
        return {
            "path": self.executable,
            "version": self.version_text,
            "mode": self.mode,
            "bandit_version": self.bandit_version,
            "tests": len(self.tests),
        }


@dataclass(frozen=True, kw_only=True)
class Rejected:
    """A candidate that cannot run bandit, and why (one line)."""

    path: str
    reason: str
    version: Version | None = None

    def describe(self) -> str:
        what = f"Python {version_text(self.version)} " if self.version else ""
        return f"{what}{self.path}: {self.reason}"


Probed = BanditPython | Rejected


# --- discovery ----------------------------------------------------------------------------


def _dedupe(paths: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for path in paths:
        if path and path not in seen:
            seen.add(path)
            out.append(path)
    return out


def from_environment(environ: Mapping[str, str]) -> list[str] | None:
    """The interpreters ``RELEASEGATE_PYTHONS`` names, or None when it is unset or blank."""
    env = environ
    value = env.get(ENV_VAR, "")
    if not value.strip():
        return None
    return _dedupe(part.strip() for part in value.split(os.pathsep))


def candidate_paths(environ: Mapping[str, str]) -> list[str]:
    """Interpreter paths to probe, most preferred first (not yet proven to work)."""
    env = environ
    given = from_environment(env)
    if given is not None:
        return given
    found: list[str] = [sys.executable] if sys.executable else []
    search = env.get("PATH", os.defpath)
    for minor in _MINORS:
        hit = shutil.which(f"python3.{minor}", path=search)
        if hit:
            found.append(hit)
    roots = [env.get("PYENV_ROOT", ""), str(Path(env.get("HOME") or Path.home()) / ".pyenv")]
    for root in _dedupe(roots):
        versions = Path(root) / "versions"
        if versions.is_dir():
            found.extend(str(p) for p in sorted(versions.glob("*/bin/python3")) if p.is_file())
    return _dedupe(found)


# --- the portable bandit path -------------------------------------------------------------


@functools.lru_cache(maxsize=8)
def _closure(name: str) -> tuple[metadata.Distribution, ...]:
    """``name`` and the distributions it requires (no extras), as installed here."""
    todo = [name]
    found: dict[str, metadata.Distribution] = {}
    while todo:
        current = todo.pop()
        key = canonicalize_name(current)
        if key in found:
            continue
        try:
            dist = metadata.distribution(current)
        except metadata.PackageNotFoundError:
            if current == name:
                raise
            continue  # an unmet requirement: the probe will show what is missing
        found[key] = dist
        for text in dist.requires or []:
            try:
                requirement = Requirement(text)
            except InvalidRequirement:
                continue
            if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
                continue
            todo.append(requirement.name)
    return tuple(found.values())


@functools.lru_cache(maxsize=8)
def closure_requires_python(name: str = BANDIT_DIST) -> tuple[tuple[str, SpecifierSet], ...]:
    """``Requires-Python`` of every distribution in the closure that declares one."""
    out: list[tuple[str, SpecifierSet]] = []
    for dist in _closure(name):
        values = dist.metadata.get_all("Requires-Python") or []
        text = values[0] if values else ""
        if not text:
            continue
        try:
            out.append((f"{dist.metadata['Name']} {dist.version}", SpecifierSet(text)))
        except InvalidSpecifier:
            continue
    return tuple(out)


def _top_level_entries(dist: metadata.Distribution) -> dict[str, Path]:
    entries: dict[str, Path] = {}
    for item in dist.files or []:
        parts = PurePosixPath(str(item)).parts
        if not parts or parts[0] in ("..", "/") or parts[0] == "__pycache__":
            continue
        top = parts[0]
        if top.endswith(".pth"):
            continue  # only site directories process .pth files
        entries[top] = Path(str(dist.locate_file(top)))
    return entries


_BUILD_LOCK = threading.Lock()


def portable_path(cache_dir: Path, name: str = BANDIT_DIST) -> Path:
    """The directory of symlinks to ``name``'s closure, built under ``cache_dir`` once.

    Raises ``ToolError`` when the closure cannot be found in this environment.
    """
    try:
        closure = _closure(name)
    except metadata.PackageNotFoundError:
        raise ToolError(
            f"{name}: not installed in releasegate's environment ({sys.executable})",
            hint=f"install releasegate with its dependencies, e.g. `pip install {name}`",
        ) from None
    entries: dict[str, Path] = {}
    for dist in closure:
        if dist.files is None:
            raise ToolError(
                f"{name}: cannot build the portable path, "
                f"{dist.metadata['Name']} {dist.version} lists no files",
                hint="reinstall it with pip, or set RELEASEGATE_PYTHONS",
            )
        entries.update(_top_level_entries(dist))
    material = json.dumps(
        [sys.executable, sorted((top, str(target)) for top, target in entries.items())]
    )
    digest = hashlib.sha256(material.encode("utf-8", "surrogateescape")).hexdigest()[:20]
    parent = cache_dir / "portable-bandit"
    final = parent / digest
    with _BUILD_LOCK:
        if final.is_dir():
            return final
        parent.mkdir(parents=True, exist_ok=True)
        building = Path(tempfile.mkdtemp(prefix=".build-", dir=parent))
        try:
            for top, target in sorted(entries.items()):
                if not target.exists():
                    raise ToolError(
                        f"{name}: cannot build the portable path, {target} is missing",
                        hint=f"reinstall {name} with pip, or set RELEASEGATE_PYTHONS",
                    )
                (building / top).symlink_to(target, target_is_directory=target.is_dir())
            try:
                building.rename(final)
            except OSError:
                if not final.is_dir():  # not a lost race with another process
                    raise
        finally:
            if building.exists():
                shutil.rmtree(building, ignore_errors=True)
    return final


# --- probing ------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class _Answer:
    """What the probe script reported."""

    version: Version
    executable: str
    prefix: str
    bandit: str | None
    bandit_file: str | None
    tests: tuple[str, ...]
    error: str | None


_CACHE: dict[tuple[str, int, str], _Answer | Rejected] = {}
_CACHE_LOCK = threading.Lock()


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _strings(value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(item for item in value if isinstance(item, str))


def _parse_answer(path: str, stdout: bytes) -> _Answer | Rejected:
    try:
        data = json.loads(stdout.decode("utf-8", "replace").strip().splitlines()[-1])
    except (ValueError, IndexError):
        return Rejected(path=path, reason=f"unexpected probe output: {first_line(stdout)}")
    raw_version = data.get("version") if isinstance(data, dict) else None
    if not (
        isinstance(data, dict)
        and isinstance(raw_version, list)
        and len(raw_version) == 3
        and all(_int(part) is not None for part in raw_version)
    ):
        return Rejected(path=path, reason=f"unexpected probe output: {first_line(stdout)}")
    version = (int(raw_version[0]), int(raw_version[1]), int(raw_version[2]))

    def text(key: str) -> str | None:
        value = data.get(key)
        return value if isinstance(value, str) else None

    return _Answer(
        version=version,
        executable=text("executable") or path,
        prefix=text("prefix") or "",
        bandit=text("bandit"),
        bandit_file=text("bandit_file"),
        tests=_strings(data.get("tests")),
        error=text("error"),
    )


def _ask(runner: ToolRunner, path: str, portable: Path | None, cwd: Path) -> _Answer | Rejected:
    """Run the probe on ``path``; cached per (path, mtime, portable path) for the process."""
    try:
        mtime = Path(path).stat().st_mtime_ns
    except OSError as exc:
        return Rejected(path=path, reason=exc.strerror or "cannot be read")
    key = (path, mtime, str(portable or ""))
    with _CACHE_LOCK:
        cached = _CACHE.get(key)
    if cached is not None:
        return cached
    argv = [path, "-I"]
    if portable is not None:
        argv += ["-X", f"pycache_prefix={cwd / 'pycache'}"]
    argv += ["-c", _PROBE, str(portable or "")]
    try:
        done = runner.run(argv, cwd=cwd, timeout=_PROBE_TIMEOUT, tool=Path(path).name)
    except ToolError as exc:
        if runner.remaining() == 0.0:
            raise  # the check ran out of time: that is the cause, not this interpreter
        return Rejected(path=path, reason=exc.message)  # not cached: may be transient
    answer: _Answer | Rejected
    if done.returncode != 0:
        answer = Rejected(
            path=path,
            reason=f"exit status {done.returncode}: {first_line(done.stderr or done.stdout)}",
        )
    else:
        answer = _parse_answer(path, done.stdout)
    with _CACHE_LOCK:
        _CACHE[key] = answer
    return answer


def clear_probe_cache() -> None:
    with _CACHE_LOCK:
        _CACHE.clear()


@dataclass(frozen=True, kw_only=True)
class Selection:
    """The interpreter to run everything on, and why it was chosen."""

    primary: BanditPython
    note: str | None = None


class BanditPythons:
    """The candidate interpreters of this machine, probed lazily (and in parallel)."""

    def __init__(self, runner: ToolRunner, cache_dir: Path, *, environ: Mapping[str, str]) -> None:
        self.runner = runner
        self.cache_dir = cache_dir
        self.paths = candidate_paths(environ)
        self.from_environment = from_environment(environ) is not None
        self.expected = metadata.version(BANDIT_DIST) if _installed(BANDIT_DIST) else None
        self._probed: dict[str, Probed] = {}
        self._lock = threading.Lock()

    def probe(self, path: str) -> Probed:
        with self._lock:
            known = self._probed.get(path)
        if known is not None:
            return known
        result = self._probe(path)
        with self._lock:
            self._probed[path] = result
        return result

    def _probe(self, path: str) -> Probed:
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        native = _ask(self.runner, path, None, self.cache_dir)
        if isinstance(native, Rejected):
            return native
        works = native.error is None and bool(native.tests) and bool(native.bandit)
        if works and native.bandit == self.expected:
            return _proven(path, native, None)
        problems = [
            f"its own bandit is {native.bandit}, not {self.expected}"
            if works
            else f"no bandit of its own ({native.error or 'no bandit tests load'})"
        ]
        too_old = _too_old(native.version)
        if too_old is not None:
            problems.append(f"portable bandit: {too_old}")
        elif self.expected is not None:
            try:
                portable = portable_path(self.cache_dir)
            except ToolError as exc:
                problems.append(exc.message)
            else:
                found = _ask(self.runner, path, portable, self.cache_dir)
                if isinstance(found, Rejected):
                    problems.append(f"portable bandit: {found.reason}")
                elif found.error is not None or not found.tests:
                    problems.append(f"portable bandit: {found.error or 'no bandit tests load'}")
                elif found.bandit != self.expected or not _under(found.bandit_file, portable):
                    problems.append(
                        f"portable bandit: loaded bandit {found.bandit} from {found.bandit_file}"
                    )
                else:
                    return _proven(path, found, portable)
        if works and self.expected is None:
            return _proven(path, native, None)  # nothing to compare its own bandit with
        return Rejected(path=path, reason="; ".join(problems), version=native.version)

    def probe_all(self) -> list[Probed]:
        """Every candidate, probed concurrently, in discovery order."""
        if not self.paths:
            return []
        workers = min(len(self.paths), 8)
        with ThreadPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(self.probe, self.paths))

    def usable(self) -> list[BanditPython]:
        """Distinct working interpreters (one per prefix and version), in discovery order."""
        seen: set[tuple[str, Version]] = set()
        out: list[BanditPython] = []
        for item in self.probe_all():
            if isinstance(item, BanditPython) and (item.prefix, item.version) not in seen:
                seen.add((item.prefix, item.version))
                out.append(item)
        return out

    def rejected(self) -> list[Rejected]:
        """The candidates probed so far that cannot run bandit."""
        with self._lock:
            return [item for item in self._probed.values() if isinstance(item, Rejected)]

    def select(self, requires_python: SpecifierSet | None) -> Selection:
        """Pick the primary interpreter; raises ``ToolError`` if none can run bandit.

        The first candidate (the running interpreter, or the first one
        ``RELEASEGATE_PYTHONS`` names) is preferred when it can run bandit and
        satisfies the project's ``requires-python``; else the lowest version
        that does; else the first working candidate. Only when the first
        candidate is not taken are the others probed.
        """

        def fits(item: BanditPython) -> bool:
            return requires_python is None or requires_python.contains(
                item.version_text, prereleases=True
            )

        if self.paths:
            first = self.probe(self.paths[0])
            if isinstance(first, BanditPython) and fits(first):
                return Selection(primary=first)
        usable = self.usable()
        if not usable:
            tried = "; ".join(item.describe() for item in self.rejected()) or "no candidates"
            raise ToolError(
                f"bandit: no Python interpreter can run it (tried: {tried})",
                hint=f"install bandit next to releasegate, or set {ENV_VAR} "
                "to interpreters that can run it",
            )
        fitting = sorted((item for item in usable if fits(item)), key=lambda i: i.version)
        if fitting:
            return Selection(primary=fitting[0])
        return Selection(
            primary=usable[0],
            note=f"no interpreter found satisfies requires-python {requires_python}; "
            f"used Python {usable[0].version_text}",
        )

    def newer(self, than: BanditPython) -> list[BanditPython]:
        """Working interpreters of newer minor versions than ``than``, oldest first."""
        out: list[BanditPython] = []
        minors = {than.version[:2]}
        for item in sorted(self.usable(), key=lambda i: i.version):
            if item.version > than.version and item.version[:2] not in minors:
                minors.add(item.version[:2])
                out.append(item)
        return out


def _proven(path: str, answer: _Answer, portable: Path | None) -> BanditPython:
    return BanditPython(
        path=path,
        executable=answer.executable or path,
        prefix=answer.prefix,
        version=answer.version,
        bandit_version=answer.bandit or "unknown",
        tests=answer.tests,
        portable=portable,
    )


def _too_old(version: Version) -> str | None:
    try:
        needs = closure_requires_python()
    except metadata.PackageNotFoundError:
        return None
    for who, spec in needs:
        if not spec.contains(version_text(version), prereleases=True):
            return f"too old for {who} (needs Python {spec})"
    return None


def _installed(name: str) -> bool:
    try:
        metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return False
    return True


def _under(path: str | None, directory: Path) -> bool:
    if not path:
        return False
    return Path(path).is_relative_to(directory)


# --- the project's requires-python --------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class RequiresPython:
    spec: SpecifierSet | None
    problem: str | None = None


def project_requires_python(tree: Path, files: Collection[str]) -> RequiresPython:
    """``project.requires-python`` of the tree's tracked ``pyproject.toml``, if any.

    The file is untrusted: anything unreadable is reported as a problem, never raised.
    """
    if "pyproject.toml" not in files:
        return RequiresPython(spec=None)
    target = tree / "pyproject.toml"
    try:
        with target.open("rb") as handle:
            raw = handle.read(_PYPROJECT_LIMIT + 1)
    except OSError as exc:
        return RequiresPython(spec=None, problem=f"pyproject.toml: {exc.strerror}")
    if len(raw) > _PYPROJECT_LIMIT:
        return RequiresPython(spec=None, problem="pyproject.toml: larger than 1 MiB, not read")
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return RequiresPython(spec=None, problem=f"pyproject.toml: {first_line(str(exc))}")
    project = data.get("project")
    value = project.get("requires-python") if isinstance(project, dict) else None
    if value is None:
        return RequiresPython(spec=None)
    if not isinstance(value, str):
        return RequiresPython(spec=None, problem="pyproject.toml: requires-python is not a string")
    try:
        return RequiresPython(spec=SpecifierSet(value))
    except InvalidSpecifier:
        return RequiresPython(
            spec=None, problem=f"pyproject.toml: invalid requires-python {value!r}"
        )
