"""Trim a PyPA advisory-database checkout to the advisories some packages need.

    python tools/trim_advisory_db.py --source DIR --dest DIR [--withdrawn]
        [--advisory ID ...] PACKAGE [PACKAGE ...]

``--source`` is a checkout (or snapshot) of github.com/pypa/advisory-database:
OSV documents under ``vulns/<package>/<ID>.yaml`` and its ``LICENSE``.
``--dest`` receives the same layout, holding only:

- every advisory with a PyPI ``affected`` entry for one of the PACKAGEs
  (names compared PEP 503-normalised, wherever the file sits, so an advisory
  filed under another directory that names a kept package is kept too);
- with ``--withdrawn``: every advisory carrying ``withdrawn``;
- every advisory whose ``id`` is given with ``--advisory``;
- ``LICENSE`` (CC-BY-4.0: the subset is redistributed under it).

Files are copied byte for byte; nothing is rewritten. The result depends only
on the source and the arguments: the source is walked in sorted order and
``dest/vulns`` and ``dest/LICENSE`` are replaced, not merged (other files in
``dest``, such as a README, are left alone). It prints one line per kept file
and a summary.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

_SUFFIXES = (".yaml", ".yml", ".json")


def canonical(name: str) -> str:
    """PEP 503 normalisation of a project name."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class Kept:
    relative: str
    reasons: tuple[str, ...]


def advisory_files(vulns: Path) -> list[Path]:
    """Every OSV document below ``vulns``, sorted; hidden files and folders skipped."""
    return sorted(
        path
        for path in vulns.rglob("*")
        if path.is_file()
        and path.suffix in _SUFFIXES
        and not any(part.startswith(".") for part in path.relative_to(vulns).parts)
    )


def _load(path: Path) -> dict[str, object]:
    text = path.read_text("utf-8")
    doc = yaml.safe_load(text)
    if not isinstance(doc, dict):
        raise SystemExit(f"{path}: not an OSV document (a mapping)")
    return {str(key): value for key, value in doc.items()}


def pypi_names(doc: dict[str, object]) -> set[str]:
    """The PEP 503 names of the PyPI packages an OSV document lists as affected."""
    names: set[str] = set()
    affected = doc.get("affected")
    if not isinstance(affected, list):
        return names
    for entry in affected:
        package = entry.get("package") if isinstance(entry, dict) else None
        if not isinstance(package, dict) or package.get("ecosystem") != "PyPI":
            continue
        name = package.get("name")
        if isinstance(name, str):
            names.add(canonical(name))
    return names


def select(
    source: Path, packages: Iterable[str], advisories: Iterable[str], withdrawn: bool
) -> list[Kept]:
    """The advisory files of ``source/vulns`` to keep, with why, in sorted order."""
    wanted = {canonical(p) for p in packages}
    ids = set(advisories)
    vulns = source / "vulns"
    kept: list[Kept] = []
    seen_ids: set[str] = set()
    for path in advisory_files(vulns):
        doc = _load(path)
        ident = str(doc.get("id", ""))
        reasons: list[str] = [f"package {name}" for name in sorted(pypi_names(doc) & wanted)]
        if withdrawn and doc.get("withdrawn"):
            reasons.append("withdrawn")
        if ident in ids:
            reasons.append("named")
            seen_ids.add(ident)
        if reasons:
            kept.append(Kept(path.relative_to(source).as_posix(), tuple(reasons)))
    missing = sorted(ids - seen_ids)
    if missing:
        raise SystemExit(f"advisories not found in {vulns}: {', '.join(missing)}")
    return kept


def write(source: Path, dest: Path, kept: Sequence[Kept]) -> None:
    """Replace ``dest/vulns`` and ``dest/LICENSE`` with the kept files of ``source``."""
    if (dest / "vulns").exists():
        shutil.rmtree(dest / "vulns")
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source / "LICENSE", dest / "LICENSE")
    for item in kept:
        target = dest / item.relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / item.relative, target)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--source", type=Path, required=True, help="advisory-database checkout")
    parser.add_argument("--dest", type=Path, required=True, help="where the subset is written")
    parser.add_argument(
        "--withdrawn", action="store_true", help="also keep every withdrawn advisory"
    )
    parser.add_argument(
        "--advisory",
        action="append",
        default=[],
        metavar="ID",
        help="also keep the advisory with this id (repeatable)",
    )
    parser.add_argument("packages", nargs="+", metavar="PACKAGE", help="PyPI packages to keep")
    args = parser.parse_args(argv)
    source: Path = args.source
    dest: Path = args.dest
    if not (source / "vulns").is_dir() or not (source / "LICENSE").is_file():
        parser.error(f"{source}: expected vulns/ and LICENSE (a pypa/advisory-database checkout)")
    if dest.resolve() == source.resolve():
        parser.error("--dest must differ from --source")
    kept = select(source, args.packages, args.advisory, args.withdrawn)
    write(source, dest, kept)
    for item in kept:
        print(f"{item.relative}\t{', '.join(item.reasons)}")
    size = sum((dest / item.relative).stat().st_size for item in kept)
    print(f"kept {len(kept)} advisory files ({size} bytes) and LICENSE in {dest}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
