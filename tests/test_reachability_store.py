"""Proofs kept between runs (``checks.reachability.downgrade`` with a ``ProofStore``): a
file that did not change is not analysed again, a changed one is, and a stored value of
the wrong shape is recomputed, never believed."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pytest

from releasegate import taint
from releasegate.checks import reachability
from releasegate.model import Confidence, Finding, JSONValue, Severity

DEAD = "def f(x):\n    if False:\n        eval(x)\n"
LIVE = "def f(x):\n    if x:\n        eval(x)\n"


class MemoryStore:
    def __init__(self) -> None:
        self.data: dict[tuple[str, str], JSONValue] = {}

    def get(self, path: str, digest: str) -> JSONValue | None:
        return self.data.get((path, digest))

    def put_many(self, items: Iterable[tuple[str, str, JSONValue]]) -> None:
        for path, digest, value in items:
            self.data[(path, digest)] = value


def _finding() -> Finding:
    return Finding(
        tool="semgrep",
        rule_id="releasegate.python.injection.eval-exec-non-literal",
        severity=Severity.HIGH,
        confidence=Confidence.HIGH,
        path="app.py",
        line=3,
        message="eval",
        fingerprint="f",
    )


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    seen: list[int] = []
    real = taint.proven_dead

    def counting(source: str, line: int) -> taint.Proof | None:
        seen.append(line)
        return real(source, line)

    monkeypatch.setattr(reachability, "proven_dead", counting)
    return seen


def test_an_unchanged_file_reuses_its_proof(tmp_path: Path, calls: list[int]) -> None:
    (tmp_path / "app.py").write_text(DEAD)
    store = MemoryStore()
    first, _ = reachability.downgrade([_finding()], tmp_path, store)
    second, again = reachability.downgrade([_finding()], tmp_path, store)
    assert calls == [3]  # analysed once
    assert first == second
    assert second[0].severity is Severity.LOW
    assert again and "never runs" in str(again[0]["reason"])


def test_a_changed_file_is_analysed_again(tmp_path: Path, calls: list[int]) -> None:
    store = MemoryStore()
    (tmp_path / "app.py").write_text(DEAD)
    reachability.downgrade([_finding()], tmp_path, store)
    (tmp_path / "app.py").write_text(LIVE)
    kept, downgraded = reachability.downgrade([_finding()], tmp_path, store)
    assert calls == [3, 3]
    assert kept[0].severity is Severity.HIGH and downgraded == []


def test_a_stored_value_of_the_wrong_shape_is_recomputed(tmp_path: Path, calls: list[int]) -> None:
    (tmp_path / "app.py").write_text(LIVE)
    store = MemoryStore()
    reachability.downgrade([_finding()], tmp_path, store)
    [(where, proofs)] = store.data.items()
    assert isinstance(proofs, dict)
    store.data[where] = {key: 7 for key in proofs}  # not a reason, not None
    kept, _ = reachability.downgrade([_finding()], tmp_path, store)
    assert calls == [3, 3]
    assert kept[0].severity is Severity.HIGH
