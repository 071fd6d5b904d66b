"""Dashboard benchmark: generation time and site size for 100, 1,000 and 5,000 records.

The records are synthetic but shaped like real ones (``tests/reports/dashboard_records``:
hand-built Decisions through ``codec.record_to_json``, sealed, read back with
``record_from_json``): commits on main that block before they pass, pull-request runs,
tags with a sign-off, findings and pull requests. For each size it times, separately,
reading the records (``record_from_json`` of every sealed line, as ``--audit-log``
does) and ``build_site`` with the default ``--limit 200`` (and with ``--limit`` equal to
the record count: a run page for every record), then writing the files. It prints a
table; the target is under 10 s for 5,000 records (read + build + write, limit 200).

Usage (from the repository root): ``python bench/dashboard_bench.py [--sizes 100,1000,5000]``
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from reports.dashboard_records import synthetic

from releasegate.audit import GENESIS, seal
from releasegate.canonical import canonical_bytes
from releasegate.codec import record_from_json
from releasegate.reports.dashboard import DEFAULT_LIMIT, build_site

TARGET_SECONDS = 10.0


def _lines(n: int) -> list[bytes]:
    prev = GENESIS
    lines: list[bytes] = []
    for seq, body in enumerate(synthetic(n), start=1):
        sealed = seal(body, seq=seq, prev=prev)
        prev = str(sealed["digest"])
        lines.append(canonical_bytes(sealed))
    return lines


def measure(n: int, limit: int, out: Path) -> dict[str, float | int]:
    lines = _lines(n)
    start = time.perf_counter()
    records = [record_from_json(json.loads(line)) for line in lines]
    read = time.perf_counter() - start
    start = time.perf_counter()
    site = build_site(records, limit=limit, source_label="bench", verify_command="bench")
    build = time.perf_counter() - start
    start = time.perf_counter()
    shutil.rmtree(out, ignore_errors=True)
    for name, data in site.files.items():
        target = out / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    write = time.perf_counter() - start
    index = len(site.files["index.html"])
    return {
        "records": n,
        "limit": limit,
        "read_s": read,
        "build_s": build,
        "write_s": write,
        "total_s": read + build + write,
        "files": site.summary.files,
        "site_bytes": site.summary.bytes,
        "index_bytes": index,
        "json_bytes": len(site.files["history.json"]),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,5000")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    rows = []
    with tempfile.TemporaryDirectory(prefix="rg-dashboard-bench-") as tmp:
        for n in sizes:
            for limit in sorted({min(DEFAULT_LIMIT, n), n}):
                rows.append(measure(n, limit, Path(tmp) / f"site-{n}-{limit}"))
    header = (
        f"{'records':>8} {'limit':>6} {'read s':>7} {'build s':>8} {'write s':>8} "
        f"{'total s':>8} {'files':>6} {'site MB':>8} {'index KB':>9} {'json MB':>8}  target"
    )
    print(header)
    for r in rows:
        met = "met" if r["total_s"] < TARGET_SECONDS else "missed"
        print(
            f"{r['records']:>8} {r['limit']:>6} {r['read_s']:>7.2f} {r['build_s']:>8.2f} "
            f"{r['write_s']:>8.2f} {r['total_s']:>8.2f} {r['files']:>6} "
            f"{r['site_bytes'] / 1e6:>8.2f} {r['index_bytes'] / 1e3:>9.1f} "
            f"{r['json_bytes'] / 1e6:>8.2f}  {met} (< {TARGET_SECONDS:g} s)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
