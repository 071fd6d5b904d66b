"""A pytest plugin that shuffles the test order (the stability stage's runs).

The stability stage copies this file into its run directory as
``_releasegate_shuffle.py``, puts that directory on ``PYTHONPATH`` and loads it
with ``-p _releasegate_shuffle``. ``RELEASEGATE_SHUFFLE_SEED`` picks the order:
0 (or unset) keeps the collection order; any other seed shuffles the modules
and, within each module, its tests, so module-level fixtures still set up once
per module. Seeds are recorded in the report, so an order can be replayed.
"""

from __future__ import annotations

import os
import random
from typing import Any

SEED_VARIABLE = "RELEASEGATE_SHUFFLE_SEED"


def shuffled(items: list[Any], seed: int) -> list[Any]:
    """``items`` (pytest items, or anything with a ``nodeid``) in the order ``seed`` picks."""
    if not seed:
        return list(items)
    rng = random.Random(seed)  # noqa: S311 - a test order, not a secret
    modules: dict[str, list[Any]] = {}
    for item in items:
        modules.setdefault(str(item.nodeid).split("::", 1)[0], []).append(item)
    names = list(modules)
    rng.shuffle(names)
    ordered: list[Any] = []
    for name in names:
        tests = modules[name]
        rng.shuffle(tests)
        ordered += tests
    return ordered


def pytest_collection_modifyitems(session: Any, config: Any, items: list[Any]) -> None:
    try:
        seed = int(os.environ.get(SEED_VARIABLE, "0") or "0")
    except ValueError:
        seed = 0
    items[:] = shuffled(items, seed)
