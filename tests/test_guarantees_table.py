"""Every test the README's guarantees table names (``FILE::TEST``, ``FILE`` under
``tests/``) exists: a renamed or deleted test cannot leave a guarantee unproved."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_REF = re.compile(r"`([\w/]+\.py)::(test_\w+)`")


def _table() -> str:
    text = (ROOT / "README.md").read_text("utf-8")
    start = text.index("## Guarantees")
    return text[start : text.index("\n## ", start + 1)]


def test_every_test_the_guarantees_table_names_exists() -> None:
    refs = _REF.findall(_table())
    assert len(refs) > 100
    missing = [
        f"{path}::{name}"
        for path, name in refs
        if not (ROOT / "tests" / path).is_file()
        or not re.search(
            rf"^(?:async )?def {name}\(", (ROOT / "tests" / path).read_text("utf-8"), re.M
        )
    ]
    assert missing == []
